/* What the kinds after DYAD share: finding a tensor by name, init, scratch
 * for factorised layers, and where a backward pass puts a weight gradient. */
#include <math.h>
#include <string.h>

#include "layer_ops_kinds.h"

float *kind_tensor(const layer *l, float *base, const char *name) {
    if (!base) return NULL;
    for (int i = 0; i < l->tensors.count; i++)
        if (!strcmp(l->tensors.t[i].name, name)) return base + l->tensors.t[i].offset;
    return NULL;
}

void kind_uniform(float *v, size_t n, float bound, rng *r) {
    for (size_t e = 0; e < n; e++) v[e] = (2.0f * rng_uniform(r) - 1.0f) * bound;
}

void kind_scratch_get(kind_scratch *s, size_t rows, int max_cols) {
    s->cols = max_cols;
    s->buf = NULL;
    while (s->cols > 0 && !(s->buf = nn_alloc_floats(rows * (size_t)s->cols))) s->cols /= 2;
}

void kind_scratch_free(kind_scratch *s) {
    nn_free_floats(s->buf);
    s->buf = NULL;
    s->cols = 0;
}

kind_grad_target kind_grad_for(const layer *l, const char *name, const layer_sgd *sgd,
                               int fused, int first_chunk) {
    kind_grad_target t = {0};
    if (sgd && fused) {
        float *p = kind_tensor(l, l->params, name);
        t.c = sgd->velocity + (p - l->params);
        t.beta = sgd->momentum;
        t.sgd_param = p;
    } else {
        t.c = kind_tensor(l, l->grads, name);
        t.beta = first_chunk ? 0.0f : 1.0f;
    }
    return t;
}

void kind_sgd_finish(const layer *l, nn_compute *c, const layer_sgd *sgd) {
    for (int i = 0; i < l->tensors.count; i++) {
        const layer_tensor *t = &l->tensors.t[i];
        if (!t->decay) continue; /* the bias (done by the caller), the sparse mask */
        nn_sgd_update(c, l->params + t->offset, l->grads + t->offset, sgd->velocity + t->offset,
                      t->count, sgd->lr, sgd->momentum, sgd->weight_decay);
    }
}

void kind_poison(float *v, size_t n) {
    for (size_t e = 0; e < n; e++) v[e] = NAN;
}
