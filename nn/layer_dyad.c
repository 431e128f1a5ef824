/* DYAD layers (IT, OT, DT): wl and wu [ndyad][out/ndyad][in/ndyad], bias
 * [out]. Block k of BLOCK DIAG maps inputs k*a.. to outputs k*b..; BLOCK
 * TRANS does the same on strided rows where the kind's table entry says so.
 * Every block is one GEMM on strided rows of the activations, no copies. */
#include <string.h>

#include "layer_ops.h"

void nn_dyad_tensors(int in, int out, int ndyad, nn_layer_tensor_table *table) {
    int shape[3] = {ndyad, out / ndyad, in / ndyad};
    nn_layer_table_add(table, "wl", 3, shape, 1);
    nn_layer_table_add(table, "wu", 3, shape, 1);
    nn_layer_table_add(table, "bias", 1, (const int[]){out}, 0);
}

/* Row offset and row step of block k's BLOCK TRANS inputs and outputs, as
 * strides between blocks: contiguous (k*a, step 1) or strided (k, step n). */
typedef struct {
    ptrdiff_t in_stride, out_stride; /* rows between block k and k+1 */
    int in_step, out_step;           /* rows between a block's consecutive rows */
} trans_rows;

static trans_rows trans_layout(const nn_layer *l) {
    const nn_layer_kind_info *k = nn_layer_kind_get(l->kind);
    int n = l->ndyad, a = l->in / n, b = l->out / n;
    trans_rows t;
    t.in_stride = k->strided_in ? 1 : a;
    t.in_step = k->strided_in ? n : 1;
    t.out_stride = k->strided_out ? 1 : b;
    t.out_step = k->strided_out ? n : 1;
    return t;
}

void nn_dyad_gemms(const nn_layer *l, const float *x, float *y, const float *dy, float *dx,
                   int batch, nn_dyad_gemm_set *g) {
    int n = l->ndyad, a = l->in / n, b = l->out / n, B = batch;
    ptrdiff_t ab = (ptrdiff_t)a * b;
    trans_rows t = trans_layout(l);
    /* y = Wl x + Wu x: BLOCK DIAG writes every output row exactly once */
    g->fwd_diag = (nn_gemm){.m = b, .n = B, .k = a, .a = l->param.wl, .lda = a, .stride_a = ab,
                            .b = x, .ldb = B, .stride_b = (ptrdiff_t)a * B, .beta = 0.0f, .c = y,
                            .ldc = B, .stride_c = (ptrdiff_t)b * B};
    g->fwd_trans = (nn_gemm){.m = b, .n = B, .k = a, .a = l->param.wu, .lda = a, .stride_a = ab,
                             .b = x, .ldb = t.in_step * B, .stride_b = t.in_stride * B,
                             .beta = 1.0f, .c = y, .ldc = t.out_step * B,
                             .stride_c = t.out_stride * B};
    /* dx = W^T dy; BLOCK DIAG covers every input row once */
    g->dx_diag = (nn_gemm){.trans_a = 1, .m = a, .n = B, .k = b, .a = l->param.wl, .lda = a,
                           .stride_a = ab, .b = dy, .ldb = B, .stride_b = (ptrdiff_t)b * B,
                           .beta = 0.0f, .c = dx, .ldc = B, .stride_c = (ptrdiff_t)a * B};
    g->dx_trans = (nn_gemm){.trans_a = 1, .m = a, .n = B, .k = b, .a = l->param.wu, .lda = a,
                            .stride_a = ab, .b = dy, .ldb = t.out_step * B,
                            .stride_b = t.out_stride * B, .beta = 1.0f, .c = dx,
                            .ldc = t.in_step * B, .stride_c = t.in_stride * B};
    /* dwl[k] = dy_k x_k^T, dwu[k] likewise on BLOCK TRANS rows */
    g->dw_diag = (nn_gemm){.trans_b = 1, .m = b, .n = a, .k = B, .a = dy, .lda = B,
                           .stride_a = (ptrdiff_t)b * B, .b = x, .ldb = B,
                           .stride_b = (ptrdiff_t)a * B, .beta = 0.0f, .c = l->grad.wl, .ldc = a,
                           .stride_c = ab};
    g->dw_trans = (nn_gemm){.trans_b = 1, .m = b, .n = a, .k = B, .a = dy, .lda = t.out_step * B,
                            .stride_a = t.out_stride * B, .b = x, .ldb = t.in_step * B,
                            .stride_b = t.in_stride * B, .beta = 0.0f, .c = l->grad.wu,
                            .ldc = a, .stride_c = ab};
}

void nn_dyad_forward(const nn_layer *l, const float *x, float *y, int batch, nn_compute *c) {
    nn_dyad_gemm_set g;
    nn_dyad_gemms(l, x, y, NULL, NULL, batch, &g);
    /* the epilogue runs on the last op of an item, always on block k's
     * contiguous rows k*b.. (both orders below end on them) */
    nn_epilogue ep = {.bias = l->param.bias, .bias_stride = l->out / l->ndyad, .bias_step = 1,
                      .relu = l->relu};
    if (trans_layout(l).out_step == 1) {
        /* both parts of block k write the same contiguous rows: one item */
        nn_gemm ops[2] = {g.fwd_diag, g.fwd_trans};
        nn_gemm_items(c, ops, 2, l->ndyad, &ep);
    } else {
        /* strided outputs interleave the blocks' rows: all BLOCK TRANS parts
         * first (beta 0: stores only on the strided rows), then BLOCK DIAG
         * adds onto contiguous rows and the epilogue runs there (measured
         * faster than the other order; the sum is the same two terms) */
        g.fwd_trans.beta = 0.0f;
        g.fwd_diag.beta = 1.0f;
        nn_gemm steps[2] = {g.fwd_trans, g.fwd_diag};
        nn_gemm_steps(c, steps, 2, l->ndyad, &ep);
    }
}

void nn_dyad_backward(const nn_layer *l, const float *x, const float *dy, float *dx, int batch,
                   nn_compute *c, const nn_layer_sgd *sgd, float *bias_grad) {
    nn_dyad_gemm_set g;
    nn_dyad_gemms(l, x, NULL, dy, dx, batch, &g);
    /* fused SGD: dW accumulates into the velocity and the block is updated right after */
    if (sgd) {
        g.dw_diag.c = sgd->velocity + (l->param.wl - l->params);
        g.dw_trans.c = sgd->velocity + (l->param.wu - l->params);
        g.dw_diag.beta = g.dw_trans.beta = sgd->momentum;
        g.dw_diag.sgd_param = l->param.wl;
        g.dw_trans.sgd_param = l->param.wu;
    }
    nn_epilogue ep = {.lr = sgd ? sgd->lr : 0.0f, .weight_decay = sgd ? sgd->weight_decay : 0.0f};
    int n = l->ndyad;
    /* BLOCK DIAG's dx reads every row of dy once: it sums them too */
    if (dx) {
        g.dx_diag.b_rowsum = bias_grad;
        g.dx_diag.b_rowsum_stride = l->out / n;
    } else {
        nn_layer_bias_grad(l, dy, batch, c, bias_grad);
    }
    /* Item k reads and updates only wl[k] and wu[k], and each item reads a
     * block before it updates it: so dx and dW may share dispatches. */
    if (!dx) {
        nn_gemm ops[2] = {g.dw_diag, g.dw_trans};
        nn_gemm_items(c, ops, 2, n, &ep);
    } else if (trans_layout(l).in_step == 1) { /* block k's dx rows are its own */
        nn_gemm ops[4] = {g.dx_diag, g.dx_trans, g.dw_diag, g.dw_trans};
        nn_gemm_items(c, ops, 4, n, &ep);
    } else { /* strided inputs interleave the blocks' dx rows: every BLOCK
              * DIAG dx, then every BLOCK TRANS dx, then the dW items */
        nn_gemm dx_steps[2] = {g.dx_diag, g.dx_trans}, dw[2] = {g.dw_diag, g.dw_trans};
        nn_gemm_steps(c, dx_steps, 2, n, NULL);
        nn_gemm_items(c, dw, 2, n, &ep);
    }
}

void nn_layer_trans_position(const nn_layer *l, int k, int j, int i, int *row, int *col) {
    trans_rows t = trans_layout(l);
    *row = (int)(k * t.out_stride) + j * t.out_step;
    *col = (int)(k * t.in_stride) + i * t.in_step;
}

void nn_dyad_dense_weight(const nn_layer *l, float *w) {
    memset(w, 0, sizeof(float) * (size_t)l->in * l->out);
    int n = l->ndyad, a = l->in / n, b = l->out / n;
    for (int k = 0; k < n; k++)
        for (int j = 0; j < b; j++)
            for (int i = 0; i < a; i++) {
                size_t e = ((size_t)k * b + j) * a + i;
                w[(size_t)(k * b + j) * l->in + k * a + i] += l->param.wl[e];
                int row, col;
                nn_layer_trans_position(l, k, j, i, &row, &col);
                w[(size_t)row * l->in + col] += l->param.wu[e];
            }
}

int nn_dyad_weight_part(const nn_layer *l, int row, int col) {
    const nn_layer_kind_info *kind = nn_layer_kind_get(l->kind);
    int n = l->ndyad, a = l->in / n, b = l->out / n;
    int part = (row / b == col / a) ? 1 : 0;
    /* invert the BLOCK TRANS index map: strided indices carry k as index % n */
    int k_in = kind->strided_in ? col % n : col / a;
    int k_out = kind->strided_out ? row % n : row / b;
    if (k_in == k_out) part |= 2;
    return part;
}
