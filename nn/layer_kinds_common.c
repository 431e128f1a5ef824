/* What the kinds after DYAD share: finding a tensor by name, init, scratch
 * for factorised layers, and where a backward pass puts a weight gradient. */
#include <math.h>
#include <string.h>

#include "layer_ops_kinds.h"

float *nn_kind_tensor(const nn_layer *l, float *base, const char *name) {
    if (!base) return NULL;
    for (int i = 0; i < l->tensors.count; i++)
        if (!strcmp(l->tensors.t[i].name, name)) return base + l->tensors.t[i].offset;
    return NULL;
}

void nn_kind_uniform(float *v, size_t n, float bound, nn_rng *r) {
    for (size_t e = 0; e < n; e++) v[e] = (2.0f * nn_rng_uniform(r) - 1.0f) * bound;
}

void nn_kind_scratch_get(nn_kind_scratch *s, nn_compute *c, size_t rows, int max_cols) {
    s->compute = c;
    s->cols = max_cols;
    s->buf = NULL;
    while (s->cols > 0 && !(s->buf = nn_compute_alloc(c, rows * (size_t)s->cols))) s->cols /= 2;
}

void nn_kind_scratch_free(nn_kind_scratch *s) {
    nn_compute_release(s->compute, s->buf);
    s->buf = NULL;
    s->cols = 0;
}

nn_kind_grad_target nn_kind_grad_for(const nn_layer *l, const char *name, const nn_layer_sgd *sgd,
                               int fused, int first_chunk) {
    nn_kind_grad_target t = {0};
    if (sgd && fused) {
        float *p = nn_kind_tensor(l, l->params, name);
        t.c = sgd->velocity + (p - l->params);
        t.beta = sgd->momentum;
        t.sgd_param = p;
    } else {
        t.c = nn_kind_tensor(l, l->grads, name);
        t.beta = first_chunk ? 0.0f : 1.0f;
    }
    return t;
}

void nn_kind_sgd_finish(const nn_layer *l, nn_compute *c, const nn_layer_sgd *sgd) {
    for (int i = 0; i < l->tensors.count; i++) {
        const nn_layer_tensor *t = &l->tensors.t[i];
        if (!t->decay) continue; /* the bias (done by the caller), the sparse mask */
        nn_sgd_update(c, l->params + t->offset, l->grads + t->offset, sgd->velocity + t->offset,
                      t->count, sgd->lr, sgd->momentum, sgd->weight_decay);
    }
}

void nn_kind_poison(nn_compute *c, float *v, size_t n) { nn_fill(c, v, n, NAN); }
