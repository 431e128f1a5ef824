/* The compute functions of the kinds after DYAD (issue 9: blockdiag, monarch,
 * lowrank, sparse) behind nn/layer_kind.c's table, and what they share
 * (internal to nn/). Each kind's exact definition is in its file's header. */
#ifndef NN_LAYER_OPS_KINDS_H
#define NN_LAYER_OPS_KINDS_H

#include "layer.h"

/* nn/layer_blockdiag.c */
void nn_blockdiag_tensors(int in, int out, int ndyad, nn_layer_tensor_table *table);
void nn_blockdiag_init(nn_layer *l, nn_rng *r);
void nn_blockdiag_forward(const nn_layer *l, const float *x, float *y, int batch, nn_compute *c);
void nn_blockdiag_backward(const nn_layer *l, const float *x, const float *dy, float *dx, int batch,
                        nn_compute *c, const nn_layer_sgd *sgd, float *bias_grad);
void nn_blockdiag_dense_weight(const nn_layer *l, float *w);
int nn_blockdiag_weight_part(const nn_layer *l, int row, int col);
size_t nn_blockdiag_nonzeros(const nn_layer *l);

/* nn/layer_monarch.c */
void nn_monarch_tensors(int in, int out, int ndyad, nn_layer_tensor_table *table);
void nn_monarch_init(nn_layer *l, nn_rng *r);
void nn_monarch_forward(const nn_layer *l, const float *x, float *y, int batch, nn_compute *c);
void nn_monarch_backward(const nn_layer *l, const float *x, const float *dy, float *dx, int batch,
                      nn_compute *c, const nn_layer_sgd *sgd, float *bias_grad);
void nn_monarch_dense_weight(const nn_layer *l, float *w);
/* The same passes with the batch processed in chunks of at most max_cols
 * columns (what happens when the scratch for the whole batch cannot be had;
 * the tests use it directly). */
void nn_monarch_forward_cols(const nn_layer *l, const float *x, float *y, int batch, nn_compute *c,
                          int max_cols);
void nn_monarch_backward_cols(const nn_layer *l, const float *x, const float *dy, float *dx, int batch,
                           nn_compute *c, const nn_layer_sgd *sgd, int max_cols);
int nn_monarch_weight_part(const nn_layer *l, int row, int col);
size_t nn_monarch_nonzeros(const nn_layer *l);

/* nn/layer_lowrank.c */
nn_status nn_lowrank_check(int in, int out, int rank, nn_error *err);
void nn_lowrank_tensors(int in, int out, int rank, nn_layer_tensor_table *table);
void nn_lowrank_init(nn_layer *l, nn_rng *r);
void nn_lowrank_forward(const nn_layer *l, const float *x, float *y, int batch, nn_compute *c);
void nn_lowrank_backward(const nn_layer *l, const float *x, const float *dy, float *dx, int batch,
                      nn_compute *c, const nn_layer_sgd *sgd, float *bias_grad);
void nn_lowrank_dense_weight(const nn_layer *l, float *w);
void nn_lowrank_forward_cols(const nn_layer *l, const float *x, float *y, int batch, nn_compute *c,
                          int max_cols);
void nn_lowrank_backward_cols(const nn_layer *l, const float *x, const float *dy, float *dx, int batch,
                           nn_compute *c, const nn_layer_sgd *sgd, int max_cols);
int nn_lowrank_weight_part(const nn_layer *l, int row, int col);
size_t nn_lowrank_nonzeros(const nn_layer *l);

/* nn/layer_sparse.c */
nn_status nn_sparse_check(int in, int out, int ndyad, nn_error *err);
void nn_sparse_tensors(int in, int out, int ndyad, nn_layer_tensor_table *table);
void nn_sparse_init(nn_layer *l, nn_rng *r);
void nn_sparse_forward(const nn_layer *l, const float *x, float *y, int batch, nn_compute *c);
void nn_sparse_backward(const nn_layer *l, const float *x, const float *dy, float *dx, int batch,
                     nn_compute *c, const nn_layer_sgd *sgd, float *bias_grad);
void nn_sparse_dense_weight(const nn_layer *l, float *w);
int nn_sparse_weight_part(const nn_layer *l, int row, int col);
nn_status nn_sparse_validate(const nn_layer *l, nn_error *err);
size_t nn_sparse_nonzeros_of(const nn_layer *l);
/* Entries of W the mask keeps: round(density * in * out), at least 1. */
size_t nn_sparse_nonzeros(int in, int out, float density);

/* ------------------------------------------------------------ shared */

/* The tensor called name inside base (l->params or l->grads), or NULL. */
float *nn_kind_tensor(const nn_layer *l, float *base, const char *name);

/* Uniform in [-bound, bound] over n floats. */
void nn_kind_uniform(float *v, size_t n, float bound, nn_rng *r);

/* Scratch for a factorised layer's intermediate (rows x cols floats, cols a
 * chunk of the batch) in the context's memory (host or GPU): max_cols
 * columns when memory allows, else halving chunks; cols 0 when not even one
 * column could be had. */
typedef struct {
    float *buf;
    int cols;
    nn_compute *compute;
} nn_kind_scratch;
void nn_kind_scratch_get(nn_kind_scratch *s, nn_compute *c, size_t rows, int max_cols);
void nn_kind_scratch_free(nn_kind_scratch *s);

/* Where a backward pass puts a weight gradient. With one chunk and sgd set,
 * the GEMM accumulates into the velocity (beta = momentum) and the fused
 * update follows; with chunks, the chunks accumulate into grads (beta 0,
 * then 1) and nn_kind_sgd_finish updates afterwards. */
typedef struct {
    float *c;         /* gradient or velocity */
    float beta;
    float *sgd_param; /* the fused update's parameters, or NULL */
} nn_kind_grad_target;
nn_kind_grad_target nn_kind_grad_for(const nn_layer *l, const char *name, const nn_layer_sgd *sgd,
                               int fused, int first_chunk);
/* The unfused SGD update of every weight tensor (the bias is the caller's). */
void nn_kind_sgd_finish(const nn_layer *l, nn_compute *c, const nn_layer_sgd *sgd);
/* Fills an output with NaN: what a pass does when it could get no memory. */
void nn_kind_poison(nn_compute *c, float *v, size_t n);

#endif
