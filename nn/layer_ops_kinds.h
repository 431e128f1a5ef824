/* The compute functions of the kinds after DYAD (issue 9: blockdiag, monarch,
 * lowrank, sparse) behind nn/layer_kind.c's table, and what they share
 * (internal to nn/). Each kind's exact definition is in its file's header. */
#ifndef NN_LAYER_OPS_KINDS_H
#define NN_LAYER_OPS_KINDS_H

#include "layer.h"

/* nn/layer_blockdiag.c */
void blockdiag_tensors(int in, int out, int ndyad, layer_tensor_table *table);
void blockdiag_init(layer *l, rng *r);
void blockdiag_forward(const layer *l, const float *x, float *y, int batch, nn_compute *c);
void blockdiag_backward(const layer *l, const float *x, const float *dy, float *dx, int batch,
                        nn_compute *c, const layer_sgd *sgd);
void blockdiag_dense_weight(const layer *l, float *w);
int blockdiag_weight_part(const layer *l, int row, int col);
size_t blockdiag_nonzeros(const layer *l);

/* nn/layer_monarch.c */
void monarch_tensors(int in, int out, int ndyad, layer_tensor_table *table);
void monarch_init(layer *l, rng *r);
void monarch_forward(const layer *l, const float *x, float *y, int batch, nn_compute *c);
void monarch_backward(const layer *l, const float *x, const float *dy, float *dx, int batch,
                      nn_compute *c, const layer_sgd *sgd);
void monarch_dense_weight(const layer *l, float *w);
/* The same passes with the batch processed in chunks of at most max_cols
 * columns (what happens when the scratch for the whole batch cannot be had;
 * the tests use it directly). */
void monarch_forward_cols(const layer *l, const float *x, float *y, int batch, nn_compute *c,
                          int max_cols);
void monarch_backward_cols(const layer *l, const float *x, const float *dy, float *dx, int batch,
                           nn_compute *c, const layer_sgd *sgd, int max_cols);
int monarch_weight_part(const layer *l, int row, int col);
size_t monarch_nonzeros(const layer *l);

/* nn/layer_lowrank.c */
nn_status lowrank_check(int in, int out, int rank, nn_error *err);
void lowrank_tensors(int in, int out, int rank, layer_tensor_table *table);
void lowrank_init(layer *l, rng *r);
void lowrank_forward(const layer *l, const float *x, float *y, int batch, nn_compute *c);
void lowrank_backward(const layer *l, const float *x, const float *dy, float *dx, int batch,
                      nn_compute *c, const layer_sgd *sgd);
void lowrank_dense_weight(const layer *l, float *w);
void lowrank_forward_cols(const layer *l, const float *x, float *y, int batch, nn_compute *c,
                          int max_cols);
void lowrank_backward_cols(const layer *l, const float *x, const float *dy, float *dx, int batch,
                           nn_compute *c, const layer_sgd *sgd, int max_cols);
int lowrank_weight_part(const layer *l, int row, int col);
size_t lowrank_nonzeros(const layer *l);

/* nn/layer_sparse.c */
nn_status sparse_check(int in, int out, int ndyad, nn_error *err);
void sparse_tensors(int in, int out, int ndyad, layer_tensor_table *table);
void sparse_init(layer *l, rng *r);
void sparse_forward(const layer *l, const float *x, float *y, int batch, nn_compute *c);
void sparse_backward(const layer *l, const float *x, const float *dy, float *dx, int batch,
                     nn_compute *c, const layer_sgd *sgd);
void sparse_dense_weight(const layer *l, float *w);
int sparse_weight_part(const layer *l, int row, int col);
nn_status sparse_validate(const layer *l, nn_error *err);
size_t sparse_nonzeros_of(const layer *l);
/* Entries of W the mask keeps: round(density * in * out), at least 1. */
size_t sparse_nonzeros(int in, int out, float density);

/* ------------------------------------------------------------ shared */

/* The tensor called name inside base (l->params or l->grads), or NULL. */
float *kind_tensor(const layer *l, float *base, const char *name);

/* Uniform in [-bound, bound] over n floats. */
void kind_uniform(float *v, size_t n, float bound, rng *r);

/* Scratch for a factorised layer's intermediate (rows x cols floats, cols a
 * chunk of the batch): max_cols columns when memory allows, else halving
 * chunks; cols 0 when not even one column could be had. */
typedef struct {
    float *buf;
    int cols;
} kind_scratch;
void kind_scratch_get(kind_scratch *s, size_t rows, int max_cols);
void kind_scratch_free(kind_scratch *s);

/* Where a backward pass puts a weight gradient. With one chunk and sgd set,
 * the GEMM accumulates into the velocity (beta = momentum) and the fused
 * update follows; with chunks, the chunks accumulate into grads (beta 0,
 * then 1) and kind_sgd_finish updates afterwards. */
typedef struct {
    float *c;         /* gradient or velocity */
    float beta;
    float *sgd_param; /* the fused update's parameters, or NULL */
} kind_grad_target;
kind_grad_target kind_grad_for(const layer *l, const char *name, const layer_sgd *sgd,
                               int fused, int first_chunk);
/* The unfused SGD update of every weight tensor (the bias is the caller's). */
void kind_sgd_finish(const layer *l, nn_compute *c, const layer_sgd *sgd);
/* Fills an output with NaN: what a pass does when it could get no memory. */
void kind_poison(float *v, size_t n);

#endif
