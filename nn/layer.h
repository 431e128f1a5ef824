/* Dense and DYAD linear layers on feature-major activations.
 *
 * Activations are (features x batch) row-major: one row per feature, one
 * column per sample. That makes every DYAD block a single GEMM over either
 * contiguous rows (leading dimension batch) or strided rows (leading
 * dimension ndyad*batch), with no copies. See ../shared/docs/dyad.md.
 *
 * What a kind is lives in one table (nn/layer_kind.c): its names, whether
 * it takes /NDYAD, its index maps, its tensors and its compute functions. A
 * new kind is one entry there, its compute file, and tests. */
#ifndef NN_LAYER_H
#define NN_LAYER_H

#include <stddef.h>

#include "error.h"
#include "kernels.h"
#include "rng.h"

typedef enum {
    NN_LAYER_DENSE = 0,
    NN_LAYER_DYAD_IT, /* BLOCK TRANS reads strided inputs */
    NN_LAYER_DYAD_OT, /* BLOCK TRANS writes strided outputs */
    NN_LAYER_DYAD_DT, /* both */
    NN_LAYER_BLOCKDIAG, /* BLOCK DIAG alone (nn/layer_blockdiag.c) */
    NN_LAYER_MONARCH,   /* M = P L P^T R (nn/layer_monarch.c) */
    NN_LAYER_LOWRANK,   /* W = U V (nn/layer_lowrank.c) */
    NN_LAYER_SPARSE,    /* fixed random mask of density D (nn/layer_sparse.c) */
    NN_LAYER_KIND_COUNT
} nn_layer_kind;

/* One tensor of a layer: allocation, checkpoints and the optimiser all read
 * this table. Offsets count floats from the layer's first parameter. */
#define NN_LAYER_MAX_TENSORS 4
typedef struct {
    const char *name; /* checkpoint name suffix: layers.{i}.{name} */
    int rank;
    int shape[3];
    size_t offset, count;
    int decay; /* weight decay applies (weights yes, biases no) */
} nn_layer_tensor;

typedef struct {
    int count;
    size_t total; /* floats over all tensors */
    nn_layer_tensor t[NN_LAYER_MAX_TENSORS];
} nn_layer_tensor_table;

/* Pointers into a flat buffer (parameters or their gradients), by role.
 * dense: weight [out][in]; DYAD: wl and wu [ndyad][out/ndyad][in/ndyad]. */
typedef struct {
    float *weight;
    float *wl;
    float *wu;
    float *bias;
} nn_layer_tensors;

typedef struct {
    nn_layer_kind kind;
    int in, out;
    int ndyad; /* the kind's integer parameter: blocks (DYAD, blockdiag,
                * monarch), rank (lowrank); 1 for dense and sparse */
    int relu;  /* ReLU after this layer (nn_layer_forward applies it) */
    nn_layer_tensor_table tensors;
    float *params, *grads; /* the layer's first parameter and gradient (grads may be NULL) */
    nn_layer_tensors param;
    nn_layer_tensors grad; /* all NULL when the owner keeps no gradients */
    float density; /* sparse: fraction of W's entries the mask keeps; 0 otherwise */
} nn_layer;

/* The SGD state a fused backward pass updates the layer with. */
typedef struct {
    float *velocity; /* the layer's slice of the velocity, laid out like its params */
    float lr, momentum, weight_decay;
} nn_layer_sgd;

/* What a kind's /PARAM on the command line and in checkpoints means. */
typedef enum {
    NN_LAYER_PARAM_NONE = 0, /* dense */
    NN_LAYER_PARAM_BLOCKS,   /* /N: blocks, N divides both widths (ndyad) */
    NN_LAYER_PARAM_RANK,     /* /R: rank, 1 <= R <= min(in, out) (ndyad) */
    NN_LAYER_PARAM_DENSITY   /* /D: density, 0 < D <= 1 (density) */
} nn_layer_param;

/* What a layer kind is. */
typedef struct {
    nn_layer_kind kind;
    const char *name;       /* "dyad-it": command line, checkpoints */
    const char *short_name; /* "IT" */
    const char *long_name;  /* "DYAD-IT (input transposed)" */
    const char *about;      /* one line for help texts */
    int blocked;            /* takes /NDYAD */
    int strided_in, strided_out; /* BLOCK TRANS index maps (DYAD) */
    void (*tensors)(int in, int out, int ndyad, nn_layer_tensor_table *table);
    /* y = W x (bias and ReLU in the same pass) */
    void (*forward)(const nn_layer *l, const float *x, float *y, int batch, nn_compute *c);
    /* dx = W^T dy (dx may be NULL), then dW into grads, or into the velocity
     * followed by the SGD update when sgd is not NULL; and, when bias_grad is
     * not NULL, dy's row sums there (the bias gradient; DYAD's and
     * blockdiag's dx GEMMs sum dy as they read it) */
    void (*backward)(const nn_layer *l, const float *x, const float *dy, float *dx, int batch,
                     nn_compute *c, const nn_layer_sgd *sgd, float *bias_grad);
    void (*dense_weight)(const nn_layer *l, float *w);
    int (*weight_part)(const nn_layer *l, int row, int col);
    /* Kinds after DYAD (issue 9); NULL hooks take the defaults. */
    nn_layer_param param;
    /* replaces nn_layer_check's default (blocks divide both widths) */
    nn_status (*check)(int in, int out, int ndyad, nn_error *err);
    /* replaces the reference init (every tensor uniform, k = 1/sqrt(in)) */
    void (*init)(nn_layer *l, nn_rng *r);
    /* checks loaded parameters (e.g. the sparse mask); NULL: nothing to check */
    nn_status (*validate)(const nn_layer *l, nn_error *err);
    /* entries of W some parameter feeds, in closed form (a file may declare a
     * 2^20-wide layer); NULL: count nn_layer_weight_part entry by entry */
    size_t (*nonzeros)(const nn_layer *l);
} nn_layer_kind_info;

/* NULL for an unknown kind. */
const nn_layer_kind_info *nn_layer_kind_get(nn_layer_kind kind);
const char *nn_layer_kind_name(nn_layer_kind kind); /* "dense", "dyad-it", ... */
/* Parses a kind name; returns NN_ERR_ARG for an unknown one. */
nn_status nn_layer_kind_parse(const char *name, nn_layer_kind *kind);
/* "dense, dyad-it, dyad-ot, dyad-dt" (blocked_only: only kinds taking /NDYAD). */
void nn_layer_kind_list(char *buf, size_t size, const char *sep, int blocked_only);

/* Checks widths and ndyad (ndyad must divide both widths; dense needs 1). */
nn_status nn_layer_check(nn_layer_kind kind, int in, int out, int ndyad, nn_error *err);

/* The kind's tensors for these widths. */
void nn_layer_tensor_layout(nn_layer_kind kind, int in, int out, int ndyad, nn_layer_tensor_table *table);

/* Number of floats the layer owns: the sum over its tensors. */
size_t nn_layer_param_count(nn_layer_kind kind, int in, int out, int ndyad);

/* Fills the tensor table and points the layer's tensors into params (and
 * grads, which may be NULL), each of nn_layer_param_count floats. */
void nn_layer_bind(nn_layer *l, float *params, float *grads);

/* Reference init: every tensor uniform in [-k, k], k = 1/sqrt(in). */
void nn_layer_init(nn_layer *l, nn_rng *r);

/* y (out x batch) = W x + bias, then ReLU when l->relu, x (in x batch). With
 * a compute context, blocks (or slices of a dense layer's rows) run side by
 * side; NULL runs everything on the caller. */
void nn_layer_forward(const nn_layer *l, const float *x, float *y, int batch, nn_compute *c);

/* Given x (in x batch) and dy (out x batch): writes grad.* (overwriting) and,
 * if dx is not NULL, dx (in x batch) = W^T dy. */
void nn_layer_backward(const nn_layer *l, const float *x, const float *dy, float *dx, int batch,
                    nn_compute *c);

/* The training step's backward pass: masks dy where y (the layer's post-ReLU
 * output; NULL: no ReLU) is not positive, writes dx, and either the gradients
 * (sgd NULL) or, fused, the SGD update of the layer's parameters (dW lands in
 * the velocity, then one pass over the weights; the bias gradient goes
 * through grad.bias, so the layer needs grads either way). */
void nn_layer_backward_step(const nn_layer *l, const float *x, const float *y, float *dy, float *dx,
                         int batch, nn_compute *c, const nn_layer_sgd *sgd);

/* Writes the effective dense weight W (out x in, row-major). */
void nn_layer_dense_weight(const nn_layer *l, float *w);

/* Which part of the DYAD weight feeds W[row][col]: bit 1 BLOCK DIAG, bit 2
 * BLOCK TRANS (3: both, 0: structural zero). Dense layers report 1. */
int nn_layer_weight_part(const nn_layer *l, int row, int col);

/* The (out, in) position in W of BLOCK TRANS element wu[k][j][i]. */
void nn_layer_trans_position(const nn_layer *l, int k, int j, int i, int *row, int *col);

/* Parameters that training changes, biases included: the tensor table's
 * floats, less what is fixed (the sparse mask, and the entries it zeroes). */
size_t nn_layer_trained_count(const nn_layer *l);

/* The kind's parameter as written on the command line: "4", "64", "0.25"; ""
 * for dense. */
void nn_layer_param_text(nn_layer_kind kind, int ndyad, float density, char *buf, size_t size);

/* Entries of W with nn_layer_weight_part != 0, in O(out) time (not O(in*out):
 * a file can declare a 2^20 x 2^20 layer). */
size_t nn_layer_structural_nonzeros(const nn_layer *l);

/* The (out, in) position in W of BLOCK TRANS element wu[k][j][i]. */
void nn_layer_trans_position(const nn_layer *l, int k, int j, int i, int *row, int *col);

/* Floating-point operations of one forward pass over batch samples. */
double nn_layer_forward_flops(const nn_layer *l, int batch);

#endif
