/* blockdiag/N: DYAD's BLOCK DIAG alone, without BLOCK TRANS (the ablation
 * that shows what BLOCK TRANS buys).
 *
 * With a = in/N, b = out/N and wl [N][b][a] (the same tensor, name and shape
 * as a DYAD layer's BLOCK DIAG):
 *   W[k*b + j][k*a + i] = wl[k][j][i]   for k < N, j < b, i < a,
 *   W = 0 everywhere else (outside the N diagonal blocks),
 * so y = W x + bias. in*out/N weights (a fraction 1/N of W) and out biases;
 * N = 1 is a dense layer. Init: wl uniform in +-1/sqrt(a) (its fan-in), bias
 * +-1/sqrt(in). Every block is one GEMM on contiguous rows. */
#include <math.h>
#include <string.h>

#include "layer_ops.h"
#include "layer_ops_kinds.h"

void nn_blockdiag_tensors(int in, int out, int ndyad, nn_layer_tensor_table *table) {
    nn_layer_table_add(table, "wl", 3, (const int[]){ndyad, out / ndyad, in / ndyad}, 1);
    nn_layer_table_add(table, "bias", 1, (const int[]){out}, 0);
}

void nn_blockdiag_init(nn_layer *l, nn_rng *r) {
    const nn_layer_tensor *w = &l->tensors.t[0], *b = &l->tensors.t[1];
    nn_kind_uniform(l->params + w->offset, w->count, 1.0f / sqrtf((float)(l->in / l->ndyad)), r);
    nn_kind_uniform(l->params + b->offset, b->count, 1.0f / sqrtf((float)l->in), r);
}

void nn_blockdiag_forward(const nn_layer *l, const float *x, float *y, int batch, nn_compute *c) {
    int n = l->ndyad, a = l->in / n, b = l->out / n, B = batch;
    nn_gemm g = {.m = b, .n = B, .k = a, .a = l->param.wl, .lda = a,
                 .stride_a = (ptrdiff_t)a * b, .b = x, .ldb = B, .stride_b = (ptrdiff_t)a * B,
                 .beta = 0.0f, .c = y, .ldc = B, .stride_c = (ptrdiff_t)b * B};
    nn_epilogue ep = {.bias = l->param.bias, .bias_stride = b, .bias_step = 1, .relu = l->relu};
    nn_gemm_items(c, &g, 1, n, &ep);
}

void nn_blockdiag_backward(const nn_layer *l, const float *x, const float *dy, float *dx, int batch,
                        nn_compute *c, const nn_layer_sgd *sgd, float *bias_grad) {
    int n = l->ndyad, a = l->in / n, b = l->out / n, B = batch;
    ptrdiff_t ab = (ptrdiff_t)a * b;
    if (dx) { /* dx_k = wl_k^T dy_k, before wl changes; it reads every row of dy once */
        nn_gemm g = {.trans_a = 1, .m = a, .n = B, .k = b, .a = l->param.wl, .lda = a,
                     .stride_a = ab, .b = dy, .ldb = B, .stride_b = (ptrdiff_t)b * B,
                     .beta = 0.0f, .c = dx, .ldc = B, .stride_c = (ptrdiff_t)a * B,
                     .b_rowsum = bias_grad, .b_rowsum_stride = b};
        nn_gemm_items(c, &g, 1, n, NULL);
    } else {
        nn_layer_bias_grad(l, dy, batch, c, bias_grad);
    }
    /* dwl_k = dy_k x_k^T: each item owns its block, so the fused update follows */
    nn_kind_grad_target t = nn_kind_grad_for(l, "wl", sgd, 1, 1);
    nn_gemm g = {.trans_b = 1, .m = b, .n = a, .k = B, .a = dy, .lda = B,
                 .stride_a = (ptrdiff_t)b * B, .b = x, .ldb = B, .stride_b = (ptrdiff_t)a * B,
                 .beta = t.beta, .c = t.c, .ldc = a, .stride_c = ab, .sgd_param = t.sgd_param};
    nn_epilogue ep = {.lr = sgd ? sgd->lr : 0.0f, .weight_decay = sgd ? sgd->weight_decay : 0.0f};
    nn_gemm_items(c, &g, 1, n, &ep);
}

void nn_blockdiag_dense_weight(const nn_layer *l, float *w) {
    memset(w, 0, sizeof(float) * (size_t)l->in * l->out);
    int n = l->ndyad, a = l->in / n, b = l->out / n;
    for (int k = 0; k < n; k++)
        for (int j = 0; j < b; j++)
            memcpy(w + (size_t)(k * b + j) * l->in + (size_t)k * a,
                   l->param.wl + ((size_t)k * b + j) * a, sizeof(float) * (size_t)a);
}

int nn_blockdiag_weight_part(const nn_layer *l, int row, int col) {
    int n = l->ndyad;
    return row / (l->out / n) == col / (l->in / n) ? 1 : 0;
}

size_t nn_blockdiag_nonzeros(const nn_layer *l) { return (size_t)l->in * (size_t)l->out / (size_t)l->ndyad; }
