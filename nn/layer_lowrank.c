/* lowrank/R: W = U V with U [out][R] and V [R][in] (tensors u and v), no
 * nonlinearity between: h = V x, y = U h + bias. R*(in+out) weights and out
 * biases; the forward pass costs as many multiply-adds. W has no structural
 * zero and rank at most R (exactly R for generic U, V); 1 <= R <= min(in,
 * out). Backward recomputes h = V x rather than keeping it. Init: u uniform in
 * +-1/sqrt(R), v +-1/sqrt(in) (each factor's fan-in), bias +-1/sqrt(in). */
#include <math.h>
#include <string.h>

#include "layer_ops.h"
#include "layer_ops_kinds.h"

nn_status nn_lowrank_check(int in, int out, int rank, nn_error *err) {
    int most = in < out ? in : out;
    if (rank < 1 || rank > most)
        return nn_fail(err, NN_ERR_ARG, "lowrank layer %d -> %d: rank %d must be in 1..%d", in,
                       out, rank, most);
    return NN_OK;
}

void nn_lowrank_tensors(int in, int out, int rank, nn_layer_tensor_table *table) {
    nn_layer_table_add(table, "u", 2, (const int[]){out, rank}, 1);
    nn_layer_table_add(table, "v", 2, (const int[]){rank, in}, 1);
    nn_layer_table_add(table, "bias", 1, (const int[]){out}, 0);
}

void nn_lowrank_init(nn_layer *l, nn_rng *r) {
    const nn_layer_tensor *t = l->tensors.t;
    nn_kind_uniform(l->params + t[0].offset, t[0].count, 1.0f / sqrtf((float)l->ndyad), r);
    nn_kind_uniform(l->params + t[1].offset, t[1].count, 1.0f / sqrtf((float)l->in), r);
    nn_kind_uniform(l->params + t[2].offset, t[2].count, 1.0f / sqrtf((float)l->in), r);
}

/* h (R x nc, leading dimension ldh) = V x for columns [c0, c0+nc) of x. */
static nn_gemm v_times(const nn_layer *l, const float *x, int batch, int c0, int nc, float *h,
                       int ldh) {
    return (nn_gemm){.m = l->ndyad, .n = nc, .k = l->in, .a = nn_kind_tensor(l, l->params, "v"),
                     .lda = l->in, .b = x + c0, .ldb = batch, .beta = 0.0f, .c = h, .ldc = ldh};
}

void nn_lowrank_forward(const nn_layer *l, const float *x, float *y, int batch, nn_compute *c) {
    nn_lowrank_forward_cols(l, x, y, batch, c, batch);
}

void nn_lowrank_forward_cols(const nn_layer *l, const float *x, float *y, int batch, nn_compute *c,
                     int max_cols) {
    int R = l->ndyad;
    nn_kind_scratch s;
    nn_kind_scratch_get(&s, c, (size_t)R, max_cols < batch ? max_cols : batch);
    if (!s.cols) {
        nn_kind_poison(c, y, (size_t)l->out * batch);
        return;
    }
    for (int c0 = 0; c0 < batch; c0 += s.cols) {
        int nc = batch - c0 < s.cols ? batch - c0 : s.cols;
        nn_gemm v = v_times(l, x, batch, c0, nc, s.buf, s.cols);
        nn_gemm_items(c, &v, 1, 1, NULL);
        nn_gemm u = {.m = l->out, .n = nc, .k = R, .a = nn_kind_tensor(l, l->params, "u"), .lda = R,
                     .b = s.buf, .ldb = s.cols, .beta = 0.0f, .c = y + c0, .ldc = batch};
        nn_epilogue ep = {.bias = l->param.bias, .bias_step = 1, .relu = l->relu};
        nn_gemm_items(c, &u, 1, 1, &ep);
    }
    nn_kind_scratch_free(&s);
}

void nn_lowrank_backward(const nn_layer *l, const float *x, const float *dy, float *dx, int batch,
                      nn_compute *c, const nn_layer_sgd *sgd, float *bias_grad) {
    nn_layer_bias_grad(l, dy, batch, c, bias_grad);
    nn_lowrank_backward_cols(l, x, dy, dx, batch, c, sgd, batch);
}

void nn_lowrank_backward_cols(const nn_layer *l, const float *x, const float *dy, float *dx, int batch,
                      nn_compute *c, const nn_layer_sgd *sgd, int max_cols) {
    int R = l->ndyad;
    nn_kind_scratch s;
    nn_kind_scratch_get(&s, c, 2 * (size_t)R, max_cols < batch ? max_cols : batch);
    if (!s.cols) {
        if (dx) nn_kind_poison(c, dx, (size_t)l->in * batch);
        nn_kind_poison(c, sgd ? l->params : l->grads, l->tensors.total - (size_t)l->out);
        return;
    }
    const float *u = nn_kind_tensor(l, l->params, "u"), *v = nn_kind_tensor(l, l->params, "v");
    int fused = s.cols >= batch, H = s.cols;
    float *h = s.buf, *dh = s.buf + (size_t)R * H;
    nn_epilogue ep = {.lr = sgd ? sgd->lr : 0.0f, .weight_decay = sgd ? sgd->weight_decay : 0.0f};
    for (int c0 = 0; c0 < batch; c0 += s.cols) {
        int nc = batch - c0 < s.cols ? batch - c0 : s.cols;
        nn_gemm hv = v_times(l, x, batch, c0, nc, h, H);
        nn_gemm_items(c, &hv, 1, 1, NULL);
        /* dh = U^T dy, before U changes */
        nn_gemm dhg = {.trans_a = 1, .m = R, .n = nc, .k = l->out, .a = u, .lda = R,
                       .b = dy + c0, .ldb = batch, .beta = 0.0f, .c = dh, .ldc = H};
        nn_gemm_items(c, &dhg, 1, 1, NULL);
        nn_kind_grad_target tu = nn_kind_grad_for(l, "u", sgd, fused, c0 == 0);
        nn_gemm du = {.trans_b = 1, .m = l->out, .n = R, .k = nc, .a = dy + c0, .lda = batch,
                      .b = h, .ldb = H, .beta = tu.beta, .c = tu.c, .ldc = R,
                      .sgd_param = tu.sgd_param};
        nn_gemm_items(c, &du, 1, 1, &ep);
        if (dx) { /* dx = V^T dh, before V changes */
            nn_gemm g = {.trans_a = 1, .m = l->in, .n = nc, .k = R, .a = v, .lda = l->in,
                         .b = dh, .ldb = H, .beta = 0.0f, .c = dx + c0, .ldc = batch};
            nn_gemm_items(c, &g, 1, 1, NULL);
        }
        nn_kind_grad_target tv = nn_kind_grad_for(l, "v", sgd, fused, c0 == 0);
        nn_gemm dv = {.trans_b = 1, .m = R, .n = l->in, .k = nc, .a = dh, .lda = H,
                      .b = x + c0, .ldb = batch, .beta = tv.beta, .c = tv.c, .ldc = l->in,
                      .sgd_param = tv.sgd_param};
        nn_gemm_items(c, &dv, 1, 1, &ep);
    }
    nn_kind_scratch_free(&s);
    if (sgd && !fused) nn_kind_sgd_finish(l, c, sgd);
}

void nn_lowrank_dense_weight(const nn_layer *l, float *w) {
    const float *u = nn_kind_tensor(l, l->params, "u"), *v = nn_kind_tensor(l, l->params, "v");
    int R = l->ndyad;
    memset(w, 0, sizeof(float) * (size_t)l->in * l->out);
    for (int o = 0; o < l->out; o++)
        for (int k = 0; k < R; k++) {
            float uk = u[(size_t)o * R + k];
            const float *vk = v + (size_t)k * l->in;
            float *row = w + (size_t)o * l->in;
            for (int i = 0; i < l->in; i++) row[i] += uk * vk[i];
        }
}

int nn_lowrank_weight_part(const nn_layer *l, int row, int col) {
    (void)l, (void)row, (void)col;
    return 1;
}

size_t nn_lowrank_nonzeros(const nn_layer *l) { return (size_t)l->in * (size_t)l->out; }
