/* The compute functions behind nn/layer_kind.c's table (internal to nn/). */
#ifndef NN_LAYER_OPS_H
#define NN_LAYER_OPS_H

#include "layer.h"

/* nn/layer_dense.c */
void nn_dense_tensors(int in, int out, int ndyad, nn_layer_tensor_table *table);
void nn_dense_forward(const nn_layer *l, const float *x, float *y, int batch, nn_compute *c);
void nn_dense_backward(const nn_layer *l, const float *x, const float *dy, float *dx, int batch,
                    nn_compute *c, const nn_layer_sgd *sgd, float *bias_grad);
void nn_dense_dense_weight(const nn_layer *l, float *w);
int nn_dense_weight_part(const nn_layer *l, int row, int col);

/* nn/layer_dyad.c: every DYAD variant; the table's strided_in/strided_out say which */
void nn_dyad_tensors(int in, int out, int ndyad, nn_layer_tensor_table *table);
void nn_dyad_forward(const nn_layer *l, const float *x, float *y, int batch, nn_compute *c);
void nn_dyad_backward(const nn_layer *l, const float *x, const float *dy, float *dx, int batch,
                   nn_compute *c, const nn_layer_sgd *sgd, float *bias_grad);
void nn_dyad_dense_weight(const nn_layer *l, float *w);
/* The six GEMMs of a DYAD layer on `batch` columns, each over ndyad items (one
 * per block), BLOCK TRANS on the rows the kind's table says: y = Wl x + Wu x
 * (diag beta 0, trans beta 1), dx = Wl^T dy + Wu^T dy (likewise), and dW into
 * the layer's gradients (beta 0). The forward and backward above order and
 * re-target them; tests/cuda/cuda_step_times times them one by one. Unused
 * pointers may be NULL. */
typedef struct {
    nn_gemm fwd_diag, fwd_trans, dx_diag, dx_trans, dw_diag, dw_trans;
} nn_dyad_gemm_set;
void nn_dyad_gemms(const nn_layer *l, const float *x, float *y, const float *dy, float *dx,
                   int batch, nn_dyad_gemm_set *g);
int nn_dyad_weight_part(const nn_layer *l, int row, int col);

/* bias_grad = dy's row sums, where not NULL: a backward pass's bias
 * gradient as a pass of its own (nn/layer.c), for kinds whose GEMMs do not
 * sum dy themselves. */
void nn_layer_bias_grad(const nn_layer *l, const float *dy, int batch, nn_compute *c,
                        float *bias_grad);

/* Appends a tensor to a table (offsets follow in order). */
void nn_layer_table_add(nn_layer_tensor_table *table, const char *name, int rank, const int *shape,
                     int decay);

#endif
