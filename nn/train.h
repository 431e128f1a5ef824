/* The training loop on an idx dataset: seeded shuffling, batching into
 * feature-major float inputs (pixel / 255), forward, backward, optimiser step;
 * and evaluation with a confusion matrix. Progress goes to a callback so the
 * caller decides how to show it. */
#ifndef NN_TRAIN_H
#define NN_TRAIN_H

#include <signal.h>

#include "augment.h"
#include "idx.h"
#include "mlp.h"
#include "optim.h"

/* Copies images[indices[0..count)] into net->acts[0] as (pixels x count). */
void nn_train_gather_batch(nn_mlp *net, const nn_idx_images *images, const int *indices, int count);

typedef struct {
    int epoch;        /* 1-based */
    int batch_index;  /* batches done in this epoch */
    int nbatches;
    long samples;     /* images seen in this epoch by this run (a resumed epoch counts
                         from the resume), so samples / seconds is a rate */
    double seconds;   /* since the epoch started (or was resumed) */
    double loss;      /* mean loss over the batches done */
    double accuracy;  /* train accuracy over the batches done */
} nn_train_progress;

typedef void (*nn_train_progress_fn)(const nn_train_progress *p, void *user);

typedef struct {
    int batch;
    int epochs;
    long step;        /* optimiser steps so far (for the schedule) */
    int *order;       /* shuffled sample order, one epoch */
    uint8_t *labels;  /* the current batch's labels */
    int count;
    /* Where the epoch in progress stands: batches done and the sums behind its
     * mean loss and accuracy. Zero at an epoch's start; a stopped epoch keeps
     * them so a resumed run continues it exactly. */
    int batches_done;
    double loss_sum;
    long hits, seen;
    /* When not NULL and nonzero (a signal handler sets it), nn_train_epoch
     * returns after the step in progress. */
    const volatile sig_atomic_t *stop;
    nn_augment_plan *augment; /* NULL: images as they are; else distorted per epoch */
} nn_train_loop;

typedef enum {
    NN_TRAIN_EPOCH_DONE = 0, /* every batch done; the loop is ready for the next epoch */
    NN_TRAIN_STOPPED,        /* *stop was set: stopped between two steps, state consistent */
    NN_TRAIN_DIVERGED,       /* a batch's loss was not finite; that step was not taken */
} nn_train_outcome;

/* Needs nn_mlp_reserve(net, batch) before nn_train_epoch; order is shuffled from r
 * at the start of every epoch. */
nn_status nn_train_loop_create(nn_train_loop *loop, int count, int batch, int epochs, nn_error *err);
void nn_train_loop_free(nn_train_loop *loop);

/* Rebuilds the order a run had after `shuffles` epoch starts: the identity
 * shuffled that many times from r (freshly seeded as the run was). */
void nn_train_loop_replay_order(nn_train_loop *loop, nn_rng *r, int shuffles);

/* Runs one epoch, or the rest of one (loop->batches_done > 0: no shuffle, the
 * order and sums are those of the stopped run); fills *result (loss and
 * accuracy over the whole epoch so far, seconds of this call). progress is
 * called about every progress_every batches (and at the end); it may be NULL.
 * On NN_TRAIN_DIVERGED, result->loss is the offending batch's loss. */
nn_train_outcome nn_train_epoch(nn_train_loop *loop, nn_mlp *net, nn_optimizer *opt, nn_rng *r,
                          const nn_idx_images *images, const nn_idx_labels *labels, int epoch,
                          nn_train_progress *result, nn_train_progress_fn progress, int progress_every,
                          void *user);

/* Divergence: an epoch's mean loss above NN_TRAIN_DIVERGENCE_FACTOR times the
 * first epoch's mean loss, capped at that factor times ln(classes) (the loss
 * of a uniform guess, 2.30 for 10 classes), stops training. This returns the
 * bound; first_epoch_loss < 0 means "not known yet" (the cap alone). */
#define NN_TRAIN_DIVERGENCE_FACTOR 5.0
double nn_train_divergence_bound(double first_epoch_loss, int classes);

/* The predicted class of every image, in batches of at most net->max_batch
 * (pred holds images->count bytes). Returns NN_ERR_NOMEM on allocation failure. */
nn_status nn_train_predict(nn_mlp *net, const nn_idx_images *images, int batch, uint8_t *pred);

/* Accuracy over the whole set, in batches of at most net->max_batch; confusion (classes x classes, row = true
 * label, column = prediction) is filled when not NULL. */
double nn_train_evaluate(nn_mlp *net, const nn_idx_images *images, const nn_idx_labels *labels, int batch,
                      int *confusion);

double nn_train_now_seconds(void); /* monotonic clock */

#endif
