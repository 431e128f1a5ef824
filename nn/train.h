/* The training loop on an idx dataset: seeded shuffling, batching into
 * feature-major float inputs (pixel / 255), forward, backward, optimiser step;
 * and evaluation with a confusion matrix. Progress goes to a callback so the
 * caller decides how to show it. */
#ifndef NN_TRAIN_H
#define NN_TRAIN_H

#include "idx.h"
#include "mlp.h"
#include "optim.h"

/* Copies images[indices[0..count)] into net->acts[0] as (pixels x count). */
void nn_train_gather_batch(nn_mlp *net, const nn_idx_images *images, const int *indices, int count);

typedef struct {
    int epoch;        /* 1-based */
    int batch_index;  /* batches done in this epoch */
    int nbatches;
    long samples;     /* images seen in this epoch */
    double seconds;   /* since the epoch started */
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
} nn_train_loop;

/* Needs nn_mlp_reserve(net, batch) before nn_train_epoch; order is shuffled from r
 * every epoch. */
nn_status nn_train_loop_create(nn_train_loop *loop, int count, int batch, int epochs, nn_error *err);
void nn_train_loop_free(nn_train_loop *loop);

/* Runs one epoch; fills *result (loss, accuracy, seconds). progress is called
 * about every progress_every batches (and at the end); it may be NULL. */
void nn_train_epoch(nn_train_loop *loop, nn_mlp *net, nn_optimizer *opt, nn_rng *r, const nn_idx_images *images,
                 const nn_idx_labels *labels, int epoch, nn_train_progress *result,
                 nn_train_progress_fn progress, int progress_every, void *user);

/* The predicted class of every image, in batches of at most net->max_batch
 * (pred holds images->count bytes). Returns NN_ERR_NOMEM on allocation failure. */
nn_status nn_train_predict(nn_mlp *net, const nn_idx_images *images, int batch, uint8_t *pred);

/* Accuracy over the whole set, in batches of at most net->max_batch; confusion (classes x classes, row = true
 * label, column = prediction) is filled when not NULL. */
double nn_train_evaluate(nn_mlp *net, const nn_idx_images *images, const nn_idx_labels *labels, int batch,
                      int *confusion);

double nn_train_now_seconds(void); /* monotonic clock */

#endif
