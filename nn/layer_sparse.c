/* sparse/D: a dense layer under a fixed random mask of density D, the
 * unstructured baseline at DYAD's density. Tensors: weight [out][in], mask
 * [out][in] and bias [out]; W = weight .* mask, y = W x + bias.
 *
 * The mask holds exactly round(D*in*out) ones (at least one), placed uniformly
 * at random by selection sampling (Knuth's algorithm S) from the net's seed
 * during init, so the same seed gives the same mask. It is stored in the
 * checkpoint as an F32 tensor of 0s and 1s: every safetensors reader (and our
 * F32-only loader) reads it, at 4 bytes an entry; the loader checks it
 * (0/1, the count D implies, weight zero wherever the mask is). It is never
 * trained: no weight decay, a zero gradient, and the weight's gradient is
 * masked, so masked weights stay exactly zero under SGD and Adam alike.
 * Trained parameters: round(D*in*out) weights and out biases. The compute is
 * a dense GEMM on the masked weight (no sparse kernel yet), so it costs what
 * a dense layer costs, plus one pass to mask the weight gradient. Init: mask, then weight uniform in +-1/sqrt(D*in) (its
 * expected fan-in) where the mask is 1, then bias +-1/sqrt(in). */
#include <math.h>
#include <string.h>

#include "layer_ops.h"
#include "layer_ops_kinds.h"

size_t nn_sparse_nonzeros(int in, int out, float density) {
    double n = llround((double)density * in * out);
    return n < 1 ? 1 : (size_t)n;
}

nn_status nn_sparse_check(int in, int out, int ndyad, nn_error *err) {
    if (ndyad != 1)
        return nn_fail(err, NN_ERR_ARG, "a sparse layer %d -> %d takes a density, not ndyad %d",
                       in, out, ndyad);
    return NN_OK;
}

void nn_sparse_tensors(int in, int out, int ndyad, nn_layer_tensor_table *table) {
    (void)ndyad;
    nn_layer_table_add(table, "weight", 2, (const int[]){out, in}, 1);
    nn_layer_table_add(table, "mask", 2, (const int[]){out, in}, 0);
    nn_layer_table_add(table, "bias", 1, (const int[]){out}, 0);
}

void nn_sparse_init(nn_layer *l, nn_rng *r) {
    float *mask = nn_kind_tensor(l, l->params, "mask");
    size_t total = (size_t)l->in * l->out;
    size_t need = nn_sparse_nonzeros(l->in, l->out, l->density);
    for (size_t e = 0; e < total; e++) {
        /* keep with probability need / (entries left): exactly `need` kept */
        int keep = (double)nn_rng_uniform(r) * (double)(total - e) < (double)need;
        mask[e] = keep ? 1.0f : 0.0f;
        need -= (size_t)keep;
    }
    float bound = 1.0f / sqrtf(l->density * (float)l->in);
    nn_kind_uniform(l->param.weight, total, bound, r);
    for (size_t e = 0; e < total; e++) l->param.weight[e] *= mask[e];
    nn_kind_uniform(l->param.bias, (size_t)l->out, 1.0f / sqrtf((float)l->in), r);
}

void nn_sparse_forward(const nn_layer *l, const float *x, float *y, int batch, nn_compute *c) {
    nn_dense_forward(l, x, y, batch, c); /* the weight is zero wherever the mask is */
}

void nn_sparse_backward(const nn_layer *l, const float *x, const float *dy, float *dx, int batch,
                     nn_compute *c, const nn_layer_sgd *sgd, float *bias_grad) {
    nn_layer_bias_grad(l, dy, batch, c, bias_grad);
    if (dx) { /* dx = W^T dy, before W changes */
        nn_gemm g = {.trans_a = 1, .m = l->in, .n = batch, .k = l->out, .a = l->param.weight,
                     .lda = l->in, .b = dy, .ldb = batch, .beta = 0.0f, .c = dx, .ldc = batch};
        nn_gemm_items(c, &g, 1, 1, NULL);
    }
    /* dW = (dy x^T) .* mask into the gradient, then (with sgd) the update */
    float *gw = l->grad.weight;
    nn_gemm g = {.trans_b = 1, .m = l->out, .n = l->in, .k = batch, .a = dy, .lda = batch,
                 .b = x, .ldb = batch, .beta = 0.0f, .c = gw, .ldc = l->in};
    nn_gemm_items(c, &g, 1, 1, NULL);
    size_t total = (size_t)l->in * l->out;
    nn_mask_multiply(c, gw, nn_kind_tensor(l, l->params, "mask"), total);
    if (sgd) {
        size_t at = (size_t)(l->param.weight - l->params);
        nn_sgd_update(c, l->param.weight, gw, sgd->velocity + at, total, sgd->lr, sgd->momentum,
                      sgd->weight_decay);
    }
}

void nn_sparse_dense_weight(const nn_layer *l, float *w) {
    const float *mask = nn_kind_tensor(l, l->params, "mask");
    size_t total = (size_t)l->in * l->out;
    for (size_t e = 0; e < total; e++) w[e] = l->param.weight[e] * mask[e];
}

int nn_sparse_weight_part(const nn_layer *l, int row, int col) {
    return nn_kind_tensor(l, l->params, "mask")[(size_t)row * l->in + col] != 0.0f;
}

nn_status nn_sparse_validate(const nn_layer *l, nn_error *err) {
    const float *mask = nn_kind_tensor(l, l->params, "mask");
    size_t total = (size_t)l->in * l->out, ones = 0;
    for (size_t e = 0; e < total; e++) {
        if (mask[e] != 0.0f && mask[e] != 1.0f)
            return nn_fail(err, NN_ERR_FORMAT, "sparse mask entry %zu is %g (must be 0 or 1)", e,
                           (double)mask[e]);
        if (mask[e] == 0.0f && l->param.weight[e] != 0.0f)
            return nn_fail(err, NN_ERR_FORMAT,
                           "sparse weight entry %zu is %g where the mask is 0", e,
                           (double)l->param.weight[e]);
        ones += mask[e] != 0.0f;
    }
    size_t want = nn_sparse_nonzeros(l->in, l->out, l->density);
    if (ones != want)
        return nn_fail(err, NN_ERR_FORMAT,
                       "sparse mask keeps %zu entries, density %g of %d x %d needs %zu", ones,
                       (double)l->density, l->out, l->in, want);
    return NN_OK;
}

/* what nn_sparse_validate checks the mask holds */
size_t nn_sparse_nonzeros_of(const nn_layer *l) { return nn_sparse_nonzeros(l->in, l->out, l->density); }
