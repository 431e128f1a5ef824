#include "optim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const optim_names[] = {"sgd", "adam"};
static const char *const schedule_names[] = {"cosine", "step", "constant"};

const char *optim_kind_name(optim_kind kind) { return optim_names[kind]; }
const char *schedule_kind_name(schedule_kind kind) { return schedule_names[kind]; }

nn_status optim_kind_parse(const char *name, optim_kind *kind) {
    for (int k = 0; k < 2; k++)
        if (!strcmp(name, optim_names[k])) return *kind = (optim_kind)k, NN_OK;
    return NN_ERR_ARG;
}

nn_status schedule_kind_parse(const char *name, schedule_kind *kind) {
    for (int k = 0; k < 3; k++)
        if (!strcmp(name, schedule_names[k])) return *kind = (schedule_kind)k, NN_OK;
    return NN_ERR_ARG;
}

nn_status optim_create(optimizer *opt, const optim_config *cfg, size_t nparams, nn_error *err) {
    memset(opt, 0, sizeof *opt);
    opt->cfg = *cfg;
    opt->n = nparams;
    opt->m = calloc(nparams, sizeof(float));
    if (cfg->kind == OPTIM_ADAM) opt->v = calloc(nparams, sizeof(float));
    if (!opt->m || (cfg->kind == OPTIM_ADAM && !opt->v)) {
        optim_free(opt);
        return nn_fail(err, NN_ERR_NOMEM, "out of memory for optimiser state");
    }
    return NN_OK;
}

void optim_free(optimizer *opt) {
    free(opt->m);
    free(opt->v);
    memset(opt, 0, sizeof *opt);
}

float optim_lr_at(const optim_config *cfg, long step, long total_steps) {
    if (step < cfg->warmup_steps) return cfg->lr * (float)(step + 1) / (float)cfg->warmup_steps;
    long span = total_steps - cfg->warmup_steps;
    double t = span > 0 ? (double)(step - cfg->warmup_steps) / (double)span : 0.0;
    switch (cfg->schedule) {
    case SCHEDULE_COSINE: return (float)(cfg->lr * 0.5 * (1.0 + cos(M_PI * t)));
    case SCHEDULE_STEP: return cfg->lr * (t < 0.5 ? 1.0f : t < 0.75 ? 0.1f : 0.01f);
    case SCHEDULE_CONSTANT: break;
    }
    return cfg->lr;
}

/* Updates n parameters; decay is applied to weights only. restrict lets the
 * compiler vectorise: the four arrays never overlap. */
static void update_range(const optimizer *opt, float *restrict p, const float *restrict g,
                         float *restrict m, float *restrict v, size_t n, float lr, int decay) {
    const optim_config *c = &opt->cfg;
    float wd = decay ? c->weight_decay : 0.0f;
    if (c->kind == OPTIM_SGD) {
        for (size_t e = 0; e < n; e++) {
            m[e] = c->momentum * m[e] + g[e];
            p[e] -= lr * (m[e] + wd * p[e]);
        }
        return;
    }
    float bc1 = 1.0f - powf(c->beta1, (float)opt->step);
    float bc2 = 1.0f - powf(c->beta2, (float)opt->step);
    for (size_t e = 0; e < n; e++) {
        m[e] = c->beta1 * m[e] + (1.0f - c->beta1) * g[e];
        v[e] = c->beta2 * v[e] + (1.0f - c->beta2) * g[e] * g[e];
        float mhat = m[e] / bc1, vhat = v[e] / bc2;
        p[e] -= lr * (mhat / (sqrtf(vhat) + c->eps) + wd * p[e]);
    }
}

/* The update is memory-bound over every parameter: split it into chunks the
 * net's pool runs side by side. */
#define STEP_CHUNK (1 << 16)

typedef struct {
    const optimizer *opt;
    mlp *net;
    float lr;
} step_job;

/* Chunk index covers [index*STEP_CHUNK, +STEP_CHUNK) of the flat arrays; each
 * layer's weights get decay, its bias (the last out floats) does not. */
static void step_task(void *ctx, int index) {
    const step_job *job = ctx;
    const optimizer *opt = job->opt;
    mlp *net = job->net;
    size_t lo = (size_t)index * STEP_CHUNK, hi = lo + STEP_CHUNK, off = 0;
    if (hi > net->nparams) hi = net->nparams;
    for (int i = 0; i < net->nlayers && off < hi; i++) {
        const layer *l = &net->layers[i];
        size_t count = layer_param_count(l->kind, l->in, l->out, l->ndyad);
        size_t bias_start = off + count - (size_t)l->out;
        size_t seg[3] = {off, bias_start, off + count}; /* weights, then bias */
        for (int part = 0; part < 2; part++) {
            size_t a = seg[part] > lo ? seg[part] : lo, b = seg[part + 1] < hi ? seg[part + 1] : hi;
            if (a >= b) continue;
            update_range(opt, net->params + a, net->grads + a, opt->m + a, opt->v ? opt->v + a : NULL,
                         b - a, job->lr, part == 0);
        }
        off += count;
    }
}

void optim_step(optimizer *opt, mlp *net, float lr) {
    opt->step++;
    step_job job = {opt, net, lr};
    int chunks = (int)((net->nparams + STEP_CHUNK - 1) / STEP_CHUNK);
    nn_pool_run(net->pool, chunks, step_task, &job);
}
