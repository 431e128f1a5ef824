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

/* What produced a checkpoint. Unknown fields: empty strings, negative numbers. */
typedef struct {
    char dataset[256];   /* dyad.dataset */
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

#endif
