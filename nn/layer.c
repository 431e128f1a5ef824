/* What every layer kind shares: checks, the tensor table, binding, init, and
 * the forward/backward entry points that hand over to the kind's functions
 * (nn/layer_kind.c). */
#include "layer.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "layer_ops.h"
#include "layer_ops_kinds.h"

nn_status nn_layer_check(nn_layer_kind kind, int in, int out, int ndyad, nn_error *err) {
    const nn_layer_kind_info *k = nn_layer_kind_get(kind);
    if (!k) return nn_fail(err, NN_ERR_ARG, "unknown layer kind %d", (int)kind);
    if (in <= 0 || out <= 0)
        return nn_fail(err, NN_ERR_ARG, "layer widths must be positive (got %d -> %d)", in, out);
    if (k->check) return k->check(in, out, ndyad, err);
    if (!k->blocked) {
        if (ndyad != 1)
            return nn_fail(err, NN_ERR_ARG, "a %s layer has ndyad 1 (got %d)", k->name, ndyad);
        return NN_OK;
    }
    if (ndyad < 1)
        return nn_fail(err, NN_ERR_ARG, "ndyad must be at least 1 (got %d)", ndyad);
    if (in % ndyad != 0 || out % ndyad != 0)
        return nn_fail(err, NN_ERR_ARG,
                       "%s layer %d -> %d: ndyad %d must divide both widths",
                       k->name, in, out, ndyad);
    return NN_OK;
}

void nn_layer_table_add(nn_layer_tensor_table *table, const char *name, int rank, const int *shape,
                     int decay) {
    nn_layer_tensor *t = &table->t[table->count++];
    t->name = name;
    t->rank = rank;
    t->count = 1;
    for (int d = 0; d < 3; d++) {
        t->shape[d] = d < rank ? shape[d] : 0;
        if (d < rank) t->count *= (size_t)shape[d];
    }
    t->offset = table->total;
    t->decay = decay;
    table->total += t->count;
}

void nn_layer_tensor_layout(nn_layer_kind kind, int in, int out, int ndyad, nn_layer_tensor_table *table) {
    memset(table, 0, sizeof *table);
    const nn_layer_kind_info *k = nn_layer_kind_get(kind);
    if (k) k->tensors(in, out, ndyad, table);
}

size_t nn_layer_param_count(nn_layer_kind kind, int in, int out, int ndyad) {
    nn_layer_tensor_table table;
    nn_layer_tensor_layout(kind, in, out, ndyad, &table);
    return table.total;
}

/* Points the role views (weight, wl, wu, bias) at the tensors of that name. */
static void bind_roles(const nn_layer_tensor_table *table, float *base, nn_layer_tensors *v) {
    memset(v, 0, sizeof *v);
    if (!base) return;
    for (int i = 0; i < table->count; i++) {
        const nn_layer_tensor *t = &table->t[i];
        float *p = base + t->offset;
        if (!strcmp(t->name, "weight")) v->weight = p;
        else if (!strcmp(t->name, "wl")) v->wl = p;
        else if (!strcmp(t->name, "wu")) v->wu = p;
        else if (!strcmp(t->name, "bias")) v->bias = p;
    }
}

void nn_layer_bind(nn_layer *l, float *params, float *grads) {
    nn_layer_tensor_layout(l->kind, l->in, l->out, l->ndyad, &l->tensors);
    l->params = params;
    l->grads = grads;
    bind_roles(&l->tensors, params, &l->param);
    bind_roles(&l->tensors, grads, &l->grad);
}

void nn_layer_init(nn_layer *l, nn_rng *r) {
    const nn_layer_kind_info *info = nn_layer_kind_get(l->kind);
    if (info->init) {
        info->init(l, r);
        return;
    }
    float k = 1.0f / sqrtf((float)l->in);
    /* every tensor, in table order (the order the reference init always used) */
    for (size_t i = 0; i < l->tensors.total; i++) l->params[i] = (2.0f * nn_rng_uniform(r) - 1.0f) * k;
}

void nn_layer_forward(const nn_layer *l, const float *x, float *y, int batch, nn_compute *c) {
    nn_layer_kind_get(l->kind)->forward(l, x, y, batch, c);
}

void nn_layer_bias_grad(const nn_layer *l, const float *dy, int batch, nn_compute *c,
                        float *bias_grad) {
    if (bias_grad) nn_relu_backward_rowsum(c, (float *)dy, NULL, l->out, batch, bias_grad);
}

void nn_layer_backward_step(const nn_layer *l, const float *x, const float *y, float *dy, float *dx,
                         int batch, nn_compute *c, const nn_layer_sgd *sgd) {
    /* The bias gradient is dy's row sums: with a ReLU, the mask's pass over
     * dy sums it; without one, the kind's backward does (with its GEMMs
     * where it can). The bias's update follows. */
    if (y) nn_relu_backward_rowsum(c, dy, y, l->out, batch, l->grad.bias);
    nn_layer_kind_get(l->kind)->backward(l, x, dy, dx, batch, c, sgd, y ? NULL : l->grad.bias);
    if (sgd) {
        size_t b = 0;
        while (b < (size_t)l->tensors.count && strcmp(l->tensors.t[b].name, "bias")) b++;
        const nn_layer_tensor *bt = &l->tensors.t[b];
        /* a few hundred floats: one chunk, so no threads on a CPU */
        nn_sgd_update(c, l->param.bias, l->grad.bias, sgd->velocity + bt->offset, bt->count,
                      sgd->lr, sgd->momentum, bt->decay ? sgd->weight_decay : 0.0f);
    }
}

void nn_layer_backward(const nn_layer *l, const float *x, const float *dy, float *dx, int batch,
                    nn_compute *c) {
    /* the bias gradient (dy's row sums, no ReLU mask here) comes with the kind's backward */
    nn_layer_kind_get(l->kind)->backward(l, x, dy, dx, batch, c, NULL, l->grad.bias);
}

void nn_layer_dense_weight(const nn_layer *l, float *w) { nn_layer_kind_get(l->kind)->dense_weight(l, w); }

int nn_layer_weight_part(const nn_layer *l, int row, int col) {
    return nn_layer_kind_get(l->kind)->weight_part(l, row, col);
}

/* Weights (decayed tensors) that training changes. */
static size_t trained_weights(const nn_layer *l) {
    if (l->kind == NN_LAYER_SPARSE) return nn_sparse_nonzeros(l->in, l->out, l->density);
    size_t count = 0;
    for (int i = 0; i < l->tensors.count; i++)
        if (l->tensors.t[i].decay) count += l->tensors.t[i].count;
    return count;
}

size_t nn_layer_trained_count(const nn_layer *l) { return trained_weights(l) + (size_t)l->out; }

void nn_layer_param_text(nn_layer_kind kind, int ndyad, float density, char *buf, size_t size) {
    const nn_layer_kind_info *k = nn_layer_kind_get(kind);
    if (!k || k->param == NN_LAYER_PARAM_NONE) snprintf(buf, size, "%s", "");
    else if (k->param == NN_LAYER_PARAM_DENSITY) snprintf(buf, size, "%g", (double)density);
    else snprintf(buf, size, "%d", ndyad);
}

double nn_layer_forward_flops(const nn_layer *l, int batch) {
    return 2.0 * (double)trained_weights(l) * batch;
}

/* Values x in [0, h) with x % n == m. */
static size_t count_congruent(size_t h, size_t n, size_t m) {
    return h / n + (h % n > m ? 1 : 0);
}

size_t nn_layer_structural_nonzeros(const nn_layer *l) {
    if (l->kind == NN_LAYER_DENSE) return (size_t)l->in * (size_t)l->out;
    const nn_layer_kind_info *info = nn_layer_kind_get(l->kind);
    if (info->nonzeros) return info->nonzeros(l); /* the kinds after DYAD: closed forms */
    size_t n = (size_t)l->ndyad, a = (size_t)l->in / n, b = (size_t)l->out / n;
    int strided_in = l->kind == NN_LAYER_DYAD_IT || l->kind == NN_LAYER_DYAD_DT;
    int strided_out = l->kind == NN_LAYER_DYAD_OT || l->kind == NN_LAYER_DYAD_DT;
    /* BLOCK DIAG and BLOCK TRANS feed n*b*a entries each; subtract the entries
     * both feed: row and col in the same diagonal block k, and the BLOCK TRANS
     * block of the row (k_out) equal to that of the column (k_in). One pass
     * over the rows, the columns counted in closed form. */
    size_t overlap = 0;
    for (size_t k = 0; k < n; k++) {
        for (size_t row = k * b; row < (k + 1) * b; row++) {
            size_t k_out = strided_out ? row % n : k;
            if (strided_in)
                overlap += count_congruent((k + 1) * a, n, k_out) - count_congruent(k * a, n, k_out);
            else
                overlap += k_out == k ? a : 0;
        }
    }
    return 2 * n * b * a - overlap;
}
