/* Dense and DYAD linear layers on feature-major activations.
 *
 * Activations are (features x batch) row-major: one row per feature, one
 * column per sample. That makes every DYAD block a single cblas_sgemm over
 * either contiguous rows (leading dimension batch) or strided rows (leading
 * dimension ndyad*batch), with no copies. See ../shared/docs/dyad.md. */
#ifndef NN_LAYER_H
#define NN_LAYER_H

#include <stddef.h>

#include "error.h"
#include "pool.h"
#include "rng.h"

typedef enum {
    LAYER_DENSE = 0,
    LAYER_DYAD_IT, /* BLOCK TRANS reads strided inputs */
    LAYER_DYAD_OT, /* BLOCK TRANS writes strided outputs */
    LAYER_DYAD_DT, /* both */
} layer_kind;

/* Pointers into a flat buffer (parameters or their gradients).
 * dense: weight [out][in]; DYAD: wl and wu [ndyad][out/ndyad][in/ndyad]. */
typedef struct {
    float *weight;
    float *wl;
    float *wu;
    float *bias;
} layer_tensors;

typedef struct {
    layer_kind kind;
    int in, out;
    int ndyad; /* 1 for dense */
    int relu;  /* ReLU after this layer (applied by the MLP) */
    layer_tensors param;
    layer_tensors grad; /* all NULL when the owner keeps no gradients */
} layer;

const char *layer_kind_name(layer_kind kind); /* "dense", "dyad-it", ... */
/* Parses a kind name; returns NN_ERR_ARG for an unknown one. */
nn_status layer_kind_parse(const char *name, layer_kind *kind);

/* Checks widths and ndyad (ndyad must divide both widths; dense needs 1). */
nn_status layer_check(layer_kind kind, int in, int out, int ndyad, nn_error *err);

/* Number of floats the layer owns: weights then bias. */
size_t layer_param_count(layer_kind kind, int in, int out, int ndyad);

/* Points the layer's tensors into params (and grads, which may be NULL),
 * each of layer_param_count floats. */
void layer_bind(layer *l, float *params, float *grads);

/* Reference init: every tensor uniform in [-k, k], k = 1/sqrt(in). */
void layer_init(layer *l, rng *r);

/* y (out x batch) = W x + bias, x (in x batch). With a pool, a DYAD layer runs
 * its blocks side by side and a dense layer splits its output rows, one
 * single-threaded GEMM per task; NULL runs everything on the caller, leaving
 * the threading to OpenBLAS. */
void layer_forward(const layer *l, const float *x, float *y, int batch, nn_pool *pool);

/* Given x (in x batch) and dy (out x batch): writes grad.* (overwriting) and,
 * if dx is not NULL, dx (in x batch) = W^T dy. */
void layer_backward(const layer *l, const float *x, const float *dy, float *dx, int batch,
                    nn_pool *pool);

/* Writes the effective dense weight W (out x in, row-major). */
void layer_dense_weight(const layer *l, float *w);

/* Which part of the DYAD weight feeds W[row][col]: bit 1 BLOCK DIAG, bit 2
 * BLOCK TRANS (3: both, 0: structural zero). Dense layers report 1. */
int layer_weight_part(const layer *l, int row, int col);

/* Entries of W with layer_weight_part != 0, in O(out) time (not O(in*out):
 * a file can declare a 2^20 x 2^20 layer). */
size_t layer_structural_nonzeros(const layer *l);

/* The (out, in) position in W of BLOCK TRANS element wu[k][j][i]. */
void layer_trans_position(const layer *l, int k, int j, int i, int *row, int *col);

/* Floating-point operations of one forward pass over batch samples. */
double layer_forward_flops(const layer *l, int batch);

#endif
