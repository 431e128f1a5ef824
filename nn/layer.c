/* What every layer kind shares: checks, the tensor table, binding, init, and
 * the forward/backward entry points that hand over to the kind's functions
 * (nn/layer_kind.c). */
#include "layer.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "layer_ops.h"
#include "layer_ops_kinds.h"

nn_status layer_check(layer_kind kind, int in, int out, int ndyad, nn_error *err) {
    const layer_kind_info *k = layer_kind_get(kind);
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

void layer_table_add(layer_tensor_table *table, const char *name, int rank, const int *shape,
                     int decay) {
    layer_tensor *t = &table->t[table->count++];
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

void layer_tensor_layout(layer_kind kind, int in, int out, int ndyad, layer_tensor_table *table) {
    memset(table, 0, sizeof *table);
    const layer_kind_info *k = layer_kind_get(kind);
    if (k) k->tensors(in, out, ndyad, table);
}

size_t layer_param_count(layer_kind kind, int in, int out, int ndyad) {
    layer_tensor_table table;
    layer_tensor_layout(kind, in, out, ndyad, &table);
    return table.total;
}

/* Points the role views (weight, wl, wu, bias) at the tensors of that name. */
static void bind_roles(const layer_tensor_table *table, float *base, layer_tensors *v) {
    memset(v, 0, sizeof *v);
    if (!base) return;
    for (int i = 0; i < table->count; i++) {
        const layer_tensor *t = &table->t[i];
        float *p = base + t->offset;
        if (!strcmp(t->name, "weight")) v->weight = p;
        else if (!strcmp(t->name, "wl")) v->wl = p;
        else if (!strcmp(t->name, "wu")) v->wu = p;
        else if (!strcmp(t->name, "bias")) v->bias = p;
    }
}

void layer_bind(layer *l, float *params, float *grads) {
    layer_tensor_layout(l->kind, l->in, l->out, l->ndyad, &l->tensors);
    l->params = params;
    l->grads = grads;
    bind_roles(&l->tensors, params, &l->param);
    bind_roles(&l->tensors, grads, &l->grad);
}

void layer_init(layer *l, rng *r) {
    const layer_kind_info *info = layer_kind_get(l->kind);
    if (info->init) {
        info->init(l, r);
        return;
    }
    float k = 1.0f / sqrtf((float)l->in);
    /* every tensor, in table order (the order the reference init always used) */
    for (size_t i = 0; i < l->tensors.total; i++) l->params[i] = (2.0f * rng_uniform(r) - 1.0f) * k;
}

void layer_forward(const layer *l, const float *x, float *y, int batch, nn_compute *c) {
    layer_kind_get(l->kind)->forward(l, x, y, batch, c);
}

void layer_backward_step(const layer *l, const float *x, const float *y, float *dy, float *dx,
                         int batch, nn_compute *c, const layer_sgd *sgd) {
    /* ReLU mask and bias gradient in one pass over dy */
    nn_relu_backward_rowsum(dy, y, l->out, batch, l->grad.bias);
    if (sgd) {
        size_t b = 0;
        while (b < (size_t)l->tensors.count && strcmp(l->tensors.t[b].name, "bias")) b++;
        const layer_tensor *bt = &l->tensors.t[b];
        /* a few hundred floats: not worth the threads */
        nn_sgd_update(NULL, l->param.bias, l->grad.bias, sgd->velocity + bt->offset, bt->count,
                      sgd->lr, sgd->momentum, bt->decay ? sgd->weight_decay : 0.0f);
    }
    layer_kind_get(l->kind)->backward(l, x, dy, dx, batch, c, sgd);
}

void layer_backward(const layer *l, const float *x, const float *dy, float *dx, int batch,
                    nn_compute *c) {
    const layer_kind_info *k = layer_kind_get(l->kind);
    /* bias gradient: row sums of dy (no ReLU mask here) */
    nn_relu_backward_rowsum((float *)dy, NULL, l->out, batch, l->grad.bias);
    k->backward(l, x, dy, dx, batch, c, NULL);
}

void layer_dense_weight(const layer *l, float *w) { layer_kind_get(l->kind)->dense_weight(l, w); }

int layer_weight_part(const layer *l, int row, int col) {
    return layer_kind_get(l->kind)->weight_part(l, row, col);
}

/* Weights (decayed tensors) that training changes. */
static size_t trained_weights(const layer *l) {
    if (l->kind == LAYER_SPARSE) return sparse_nonzeros(l->in, l->out, l->density);
    size_t count = 0;
    for (int i = 0; i < l->tensors.count; i++)
        if (l->tensors.t[i].decay) count += l->tensors.t[i].count;
    return count;
}

size_t layer_trained_count(const layer *l) { return trained_weights(l) + (size_t)l->out; }

void layer_param_text(layer_kind kind, int ndyad, float density, char *buf, size_t size) {
    const layer_kind_info *k = layer_kind_get(kind);
    if (!k || k->param == LAYER_PARAM_NONE) snprintf(buf, size, "%s", "");
    else if (k->param == LAYER_PARAM_DENSITY) snprintf(buf, size, "%g", (double)density);
    else snprintf(buf, size, "%d", ndyad);
}

double layer_forward_flops(const layer *l, int batch) {
    return 2.0 * (double)trained_weights(l) * batch;
}
