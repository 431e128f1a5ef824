/* The compute functions behind nn/layer_kind.c's table (internal to nn/). */
#ifndef NN_LAYER_OPS_H
#define NN_LAYER_OPS_H

#include "layer.h"

/* nn/layer_dense.c */
void dense_tensors(int in, int out, int ndyad, layer_tensor_table *table);
void dense_forward(const layer *l, const float *x, float *y, int batch, nn_compute *c);
void dense_backward(const layer *l, const float *x, const float *dy, float *dx, int batch,
                    nn_compute *c, const layer_sgd *sgd);
void dense_dense_weight(const layer *l, float *w);
int dense_weight_part(const layer *l, int row, int col);

/* nn/layer_dyad.c: every DYAD variant; the table's strided_in/strided_out say which */
void dyad_tensors(int in, int out, int ndyad, layer_tensor_table *table);
void dyad_forward(const layer *l, const float *x, float *y, int batch, nn_compute *c);
void dyad_backward(const layer *l, const float *x, const float *dy, float *dx, int batch,
                   nn_compute *c, const layer_sgd *sgd);
void dyad_dense_weight(const layer *l, float *w);
int dyad_weight_part(const layer *l, int row, int col);

/* Appends a tensor to a table (offsets follow in order). */
void layer_table_add(layer_tensor_table *table, const char *name, int rank, const int *shape,
                     int decay);

#endif
