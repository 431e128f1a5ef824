/* The dense layer: W [out][in], bias [out]. The compute context decides
 * whether a GEMM is split over threads (by rows of its output). */
#include <string.h>

#include "layer_ops.h"

void nn_dense_tensors(int in, int out, int ndyad, nn_layer_tensor_table *table) {
    (void)ndyad;
    nn_layer_table_add(table, "weight", 2, (const int[]){out, in}, 1);
    nn_layer_table_add(table, "bias", 1, (const int[]){out}, 0);
}

void nn_dense_forward(const nn_layer *l, const float *x, float *y, int batch, nn_compute *c) {
    nn_gemm g = {.m = l->out, .n = batch, .k = l->in, .a = l->param.weight, .lda = l->in,
                 .b = x, .ldb = batch, .beta = 0.0f, .c = y, .ldc = batch};
    nn_epilogue ep = {.bias = l->param.bias, .bias_step = 1, .relu = l->relu};
    nn_gemm_items(c, &g, 1, 1, &ep);
}

void nn_dense_backward(const nn_layer *l, const float *x, const float *dy, float *dx, int batch,
                    nn_compute *c, const nn_layer_sgd *sgd, float *bias_grad) {
    nn_layer_bias_grad(l, dy, batch, c, bias_grad);
    if (dx) { /* dx = W^T dy, before W changes */
        nn_gemm g = {.trans_a = 1, .m = l->in, .n = batch, .k = l->out, .a = l->param.weight,
                     .lda = l->in, .b = dy, .ldb = batch, .beta = 0.0f, .c = dx, .ldc = batch};
        nn_gemm_items(c, &g, 1, 1, NULL);
    }
    /* dW = dy x^T, or velocity = momentum velocity + dy x^T then the update */
    nn_gemm g = {.trans_b = 1, .m = l->out, .n = l->in, .k = batch, .a = dy, .lda = batch,
                 .b = x, .ldb = batch, .ldc = l->in};
    nn_epilogue ep = {0};
    if (sgd) {
        g.beta = sgd->momentum;
        g.c = sgd->velocity + (l->param.weight - l->params);
        g.sgd_param = l->param.weight;
        ep.lr = sgd->lr;
        ep.weight_decay = sgd->weight_decay;
    } else {
        g.c = l->grad.weight;
    }
    nn_gemm_items(c, &g, 1, 1, &ep);
}

void nn_dense_dense_weight(const nn_layer *l, float *w) {
    memcpy(w, l->param.weight, sizeof(float) * (size_t)l->in * l->out);
}

int nn_dense_weight_part(const nn_layer *l, int row, int col) {
    (void)l, (void)row, (void)col;
    return 1;
}
