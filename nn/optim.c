#include "optim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const optim_names[] = {"sgd", "adam"};
static const char *const schedule_names[] = {"cosine", "step", "constant"};

const char *nn_optim_kind_name(nn_optim_kind kind) { return optim_names[kind]; }
const char *nn_schedule_kind_name(nn_schedule_kind kind) { return schedule_names[kind]; }

nn_status nn_optim_kind_parse(const char *name, nn_optim_kind *kind) {
    for (int k = 0; k < 2; k++)
        if (!strcmp(name, optim_names[k])) return *kind = (nn_optim_kind)k, NN_OK;
    return NN_ERR_ARG;
}

nn_status nn_schedule_kind_parse(const char *name, nn_schedule_kind *kind) {
    for (int k = 0; k < 3; k++)
        if (!strcmp(name, schedule_names[k])) return *kind = (nn_schedule_kind)k, NN_OK;
    return NN_ERR_ARG;
}

nn_status nn_optim_create(nn_optimizer *opt, const nn_optim_config *cfg, size_t nparams, nn_error *err) {
    memset(opt, 0, sizeof *opt);
    opt->cfg = *cfg;
    opt->n = nparams;
    opt->m = calloc(nparams, sizeof(float));
    if (cfg->kind == NN_OPTIM_ADAM) opt->v = calloc(nparams, sizeof(float));
    if (!opt->m || (cfg->kind == NN_OPTIM_ADAM && !opt->v)) {
        nn_optim_free(opt);
        return nn_fail(err, NN_ERR_NOMEM, "out of memory for optimiser state");
    }
    return NN_OK;
}

void nn_optim_free(nn_optimizer *opt) {
    free(opt->m);
    free(opt->v);
    memset(opt, 0, sizeof *opt);
}

float nn_optim_lr_at(const nn_optim_config *cfg, long step, long total_steps) {
    if (step < cfg->warmup_steps) return cfg->lr * (float)(step + 1) / (float)cfg->warmup_steps;
    long span = total_steps - cfg->warmup_steps;
    double t = span > 0 ? (double)(step - cfg->warmup_steps) / (double)span : 0.0;
    switch (cfg->schedule) {
    case NN_SCHEDULE_COSINE: return (float)(cfg->lr * 0.5 * (1.0 + cos(M_PI * t)));
    case NN_SCHEDULE_STEP: return cfg->lr * (t < 0.5 ? 1.0f : t < 0.75 ? 0.1f : 0.01f);
    case NN_SCHEDULE_CONSTANT: break;
    }
    return cfg->lr;
}

/* One update per tensor of every layer, as the layer's tensor table lays
 * them out; decay where the table says so. */
void nn_optim_step(nn_optimizer *opt, nn_mlp *net, float lr) {
    opt->step++;
    const nn_optim_config *c = &opt->cfg;
    float bc1 = 1.0f - powf(c->beta1, (float)opt->step);
    float bc2 = 1.0f - powf(c->beta2, (float)opt->step);
    size_t off = 0;
    for (int i = 0; i < net->nlayers; i++) {
        const nn_layer *l = &net->layers[i];
        for (int t = 0; t < l->tensors.count; t++) {
            const nn_layer_tensor *lt = &l->tensors.t[t];
            size_t at = off + lt->offset;
            float wd = lt->decay ? c->weight_decay : 0.0f;
            if (c->kind == NN_OPTIM_SGD)
                nn_sgd_update(net->compute, net->params + at, net->grads + at, opt->m + at,
                              lt->count, lr, c->momentum, wd);
            else
                nn_adam_update(net->compute, net->params + at, net->grads + at, opt->m + at,
                               opt->v + at, lt->count, lr, c->beta1, c->beta2, c->eps, wd, bc1,
                               bc2);
        }
        off += l->tensors.total;
    }
}

float nn_optim_backward_step(nn_optimizer *opt, nn_mlp *net, const uint8_t *labels, int batch, float lr,
                          int *correct) {
    if (opt->cfg.kind == NN_OPTIM_SGD) {
        float loss = nn_mlp_backward_sgd(net, labels, batch, correct, opt->m, lr, opt->cfg.momentum,
                                      opt->cfg.weight_decay);
        if (isfinite(loss)) opt->step++;
        return loss;
    }
    float loss = nn_mlp_backward(net, labels, batch, correct);
    if (isfinite(loss)) nn_optim_step(opt, net, lr);
    return loss;
}
