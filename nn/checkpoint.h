/* Checkpoints in the safetensors format: 8-byte little-endian header length,
 * a JSON header, then raw little-endian float32 data. Tensor names:
 *   layers.{i}.weight [out, in]            (dense)
 *   layers.{i}.wl, layers.{i}.wu [n, out/n, in/n]  (DYAD)
 *   layers.{i}.bias   [out]
 * __metadata__ (string -> string) holds "dyad.layers", a JSON array of
 * {"kind","ndyad","in","out","activation"}, and the training run under other
 * "dyad.*" keys. */
#ifndef NN_CHECKPOINT_H
#define NN_CHECKPOINT_H

#include <stdint.h>

#include "error.h"
#include "mlp.h"
#include "optim.h"

/* What produced a checkpoint. Unknown fields: empty strings, negative numbers. */
typedef struct {
    char dataset[256];   /* dyad.dataset: "mnist", "fashion-mnist" or "custom" */
    char dataset_sha256[512]; /* dyad.dataset_sha256: JSON, file name -> sha256 of its content */
    char augment[256];   /* dyad.augment: "none" or the --augment flags used */
    char optimizer[32];  /* dyad.optimizer, e.g. "sgd" or "adam" */
    int epochs;          /* dyad.epochs */
    int batch;           /* dyad.batch */
    double lr;           /* dyad.lr */
    uint64_t seed;       /* dyad.seed */
    double test_accuracy; /* dyad.test_accuracy, fraction in [0,1] */
} nn_train_record;

/* Sets every field to "unknown". */
void nn_train_record_clear(nn_train_record *rec);

/* Writes net (and rec, which may be NULL) atomically: temporary file, rename. */
nn_status nn_checkpoint_save(const char *path, const nn_mlp *net, const nn_train_record *rec,
                          nn_error *err);

/* Reads a checkpoint into a new inference-only net (no gradients; the caller
 * calls nn_mlp_free). rec may be NULL. Validates header length, JSON, offsets,
 * dtypes and shapes against the dyad.layers metadata. */
nn_status nn_checkpoint_load(const char *path, nn_mlp *net, nn_train_record *rec, nn_error *err);

/* ------------------------------------------------------- resumable runs
 * A checkpoint written during training also holds what `dyad train --resume`
 * needs to continue bit for bit: the optimiser's state as tensors optim.m
 * (SGD velocity or Adam's first moment) and optim.v (Adam's second moment),
 * each [nparams] F32 in parameter order, and the loop's state as
 * __metadata__ "dyad.resume.*" strings (floats in C's %a notation, exact).
 * nn_checkpoint_load ignores both, so eval/predict/draw read such files as any
 * other, and files without them still load everywhere. */

/* Where the run stood. */
typedef struct {
    int epochs;        /* the run's total */
    int epoch;         /* the epoch in progress (1-based), or the next one to start */
    int batches_done;  /* batches of that epoch already trained */
    long step;         /* optimiser steps so far, the schedule's clock */
    int train_count;   /* training images used (after --train-limit) */
    uint64_t rng[4];   /* the shuffling generator's state */
    double loss_sum;   /* the epoch's loss sum (per-sample) so far */
    long hits, seen;   /* the epoch's correct and seen samples so far */
    double first_loss; /* the first epoch's mean loss, < 0 if not known yet */
} nn_train_resume;

/* nn_checkpoint_save plus opt's state and rs. */
nn_status nn_checkpoint_save_training(const char *path, const nn_mlp *net, const nn_train_record *rec,
                                   const nn_optimizer *opt, const nn_train_resume *rs, nn_error *err);

/* 1 when the file carries a resumable state (nn_checkpoint_load must have
 * accepted it); 0 otherwise, or if it cannot be read. */
int nn_checkpoint_has_training_state(const char *path);

/* Reads a checkpoint written by nn_checkpoint_save_training: a training net (with
 * gradients; the caller calls nn_mlp_free), the optimiser with its state (the
 * caller calls nn_optim_free) and the loop state. A checkpoint without them (saved
 * at the end of a run, or by an older dyad) is NN_ERR_FORMAT with a message
 * that says so. */
nn_status nn_checkpoint_load_training(const char *path, nn_mlp *net, nn_train_record *rec,
                                   nn_optimizer *opt, nn_train_resume *rs, nn_error *err);

#endif
