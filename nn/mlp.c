#include "mlp.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

nn_status nn_mlp_check_specs(int in, const nn_layer_spec *specs, int nlayers, nn_error *err) {
    if (nlayers < 1) return nn_fail(err, NN_ERR_ARG, "a net needs at least one layer");
    int width = in;
    for (int i = 0; i < nlayers; i++) {
        nn_error inner;
        if (nn_layer_check(specs[i].kind, width, specs[i].out, specs[i].ndyad, &inner) != NN_OK)
            return nn_fail(err, NN_ERR_ARG, "layer %d: %s", i, inner.msg);
        int dens = nn_layer_kind_get(specs[i].kind)->param == NN_LAYER_PARAM_DENSITY;
        float d = specs[i].density;
        if (dens ? !(d > 0.0f && d <= 1.0f) : d != 0.0f)
            return nn_fail(err, NN_ERR_ARG, "layer %d: density %g %s", i, (double)d,
                           dens ? "must be in (0, 1]" : "only applies to sparse layers");
        width = specs[i].out;
    }
    return NN_OK;
}

nn_status nn_mlp_create(nn_mlp *net, int in, const nn_layer_spec *specs, int nlayers, int with_grads,
                     nn_error *err) {
    memset(net, 0, sizeof *net);
    nn_status st = nn_mlp_check_specs(in, specs, nlayers, err);
    if (st != NN_OK) return st;
    net->in = in;
    net->nlayers = nlayers;
    net->layers = calloc((size_t)nlayers, sizeof *net->layers);
    if (!net->layers) return nn_fail(err, NN_ERR_NOMEM, "out of memory");
    int width = in;
    for (int i = 0; i < nlayers; i++) {
        nn_layer *l = &net->layers[i];
        l->kind = specs[i].kind;
        l->in = width;
        l->out = specs[i].out;
        l->ndyad = specs[i].ndyad;
        l->density = specs[i].density;
        l->relu = i + 1 < nlayers;
        nn_layer_tensor_layout(l->kind, l->in, l->out, l->ndyad, &l->tensors);
        net->nparams += l->tensors.total;
        width = l->out;
    }
    net->params = calloc(net->nparams, sizeof(float));
    if (with_grads) net->grads = calloc(net->nparams, sizeof(float));
    if (!net->params || (with_grads && !net->grads)) {
        size_t nparams = net->nparams; /* nn_mlp_free zeroes the net */
        nn_mlp_free(net);
        return nn_fail(err, NN_ERR_NOMEM, "out of memory for %zu parameters", nparams);
    }
    size_t off = 0;
    for (int i = 0; i < nlayers; i++) {
        nn_layer *l = &net->layers[i];
        nn_layer_bind(l, net->params + off, net->grads ? net->grads + off : NULL);
        off += l->tensors.total;
    }
    return NN_OK;
}

nn_status nn_mlp_to_device(nn_mlp *dev, const nn_mlp *host, nn_compute *c, nn_error *err) {
    memset(dev, 0, sizeof *dev);
    if (!nn_compute_on_device(c)) return nn_fail(err, NN_ERR_ARG, "not a GPU compute context");
    dev->in = host->in;
    dev->nlayers = host->nlayers;
    dev->nparams = host->nparams;
    dev->compute = dev->device = c;
    dev->layers = malloc((size_t)host->nlayers * sizeof *dev->layers);
    if (!dev->layers) return nn_fail(err, NN_ERR_NOMEM, "out of memory");
    memcpy(dev->layers, host->layers, (size_t)host->nlayers * sizeof *dev->layers);
    dev->params = nn_compute_alloc(c, dev->nparams);
    if (host->grads) dev->grads = nn_compute_alloc(c, dev->nparams);
    if (!dev->params || (host->grads && !dev->grads)) {
        nn_mlp_free(dev);
        return nn_fail(err, NN_ERR_NOMEM, "out of GPU memory for %zu parameters", host->nparams);
    }
    size_t off = 0;
    for (int i = 0; i < dev->nlayers; i++) {
        nn_layer *l = &dev->layers[i];
        nn_layer_bind(l, dev->params + off, dev->grads ? dev->grads + off : NULL);
        off += l->tensors.total;
    }
    nn_mlp_copy_params(dev, host);
    return NN_OK;
}

void nn_mlp_copy_params(nn_mlp *dst, const nn_mlp *src) {
    if (dst->device) nn_compute_upload(dst->device, dst->params, src->params, dst->nparams);
    else if (src->device) nn_compute_download(src->device, dst->params, src->params, dst->nparams);
    else memmove(dst->params, src->params, dst->nparams * sizeof(float));
}

static void free_acts(nn_mlp *net) {
    for (int i = 0; net->acts && i <= net->nlayers; i++) nn_compute_release(net->device, net->acts[i]);
    for (int i = 0; net->dacts && i <= net->nlayers; i++) nn_compute_release(net->device, net->dacts[i]);
    free(net->acts);
    free(net->dacts);
    net->acts = net->dacts = NULL;
    net->max_batch = 0;
}

void nn_mlp_free(nn_mlp *net) {
    free_acts(net);
    free(net->layers);
    if (net->device) {
        nn_compute_release(net->device, net->params);
        nn_compute_release(net->device, net->grads);
    } else {
        free(net->params);
        free(net->grads);
    }
    memset(net, 0, sizeof *net);
}

void nn_mlp_init(nn_mlp *net, uint64_t seed) {
    nn_rng r;
    nn_rng_seed(&r, seed);
    for (int i = 0; i < net->nlayers; i++) nn_layer_init(&net->layers[i], &r);
}

size_t nn_mlp_trained_count(const nn_mlp *net) {
    size_t count = 0;
    for (int i = 0; i < net->nlayers; i++) count += nn_layer_trained_count(&net->layers[i]);
    return count;
}

int nn_mlp_classes(const nn_mlp *net) { return net->layers[net->nlayers - 1].out; }

static int width_of(const nn_mlp *net, int i) { return i == 0 ? net->in : net->layers[i - 1].out; }

nn_status nn_mlp_reserve(nn_mlp *net, int batch, nn_error *err) {
    if (batch <= net->max_batch) return NN_OK;
    free_acts(net);
    int n = net->nlayers + 1;
    net->acts = calloc((size_t)n, sizeof(float *));
    if (net->grads) net->dacts = calloc((size_t)n, sizeof(float *));
    if (!net->acts || (net->grads && !net->dacts)) goto oom;
    for (int i = 0; i < n; i++) {
        size_t count = (size_t)width_of(net, i) * batch;
        net->acts[i] = nn_compute_alloc(net->device, count);
        if (!net->acts[i]) goto oom;
        /* dacts[0] (gradient w.r.t. the input) is never needed */
        if (net->dacts && i > 0) {
            net->dacts[i] = nn_compute_alloc(net->device, count);
            if (!net->dacts[i]) goto oom;
        }
    }
    net->max_batch = batch;
    return NN_OK;
oom:
    free_acts(net);
    return nn_fail(err, NN_ERR_NOMEM, "out of memory for a batch of %d", batch);
}

const float *nn_mlp_forward(nn_mlp *net, int batch) {
    for (int i = 0; i < net->nlayers; i++)
        nn_layer_forward(&net->layers[i], net->acts[i], net->acts[i + 1], batch, net->compute);
    return net->acts[net->nlayers];
}

static float backward(nn_mlp *net, const uint8_t *labels, int batch, int *correct, float *velocity,
                      float lr, float momentum, float weight_decay) {
    int hits = 0;
    float loss = nn_softmax_xent(net->compute, net->acts[net->nlayers], labels, nn_mlp_classes(net), batch,
                                 net->dacts[net->nlayers], &hits);
    if (correct) *correct = hits;
    /* a non-finite loss takes no fused step: the weights stay those of the last finite one */
    if (velocity && !isfinite(loss)) return loss;
    size_t off = 0;
    for (int i = 0; i < net->nlayers; i++) off += net->layers[i].tensors.total;
    for (int i = net->nlayers - 1; i >= 0; i--) {
        const nn_layer *l = &net->layers[i];
        off -= l->tensors.total;
        nn_layer_sgd sgd = {.velocity = velocity ? velocity + off : NULL, .lr = lr,
                         .momentum = momentum, .weight_decay = weight_decay};
        /* the output is post-ReLU: gradient flows where it is positive */
        nn_layer_backward_step(l, net->acts[i], l->relu ? net->acts[i + 1] : NULL, net->dacts[i + 1],
                            i > 0 ? net->dacts[i] : NULL, batch, net->compute,
                            velocity ? &sgd : NULL);
    }
    if (correct) *correct = hits;
    return loss;
}

float nn_mlp_backward(nn_mlp *net, const uint8_t *labels, int batch, int *correct) {
    return backward(net, labels, batch, correct, NULL, 0, 0, 0);
}

float nn_mlp_backward_sgd(nn_mlp *net, const uint8_t *labels, int batch, int *correct,
                       float *velocity, float lr, float momentum, float weight_decay) {
    return backward(net, labels, batch, correct, velocity, lr, momentum, weight_decay);
}

void nn_mlp_predict(nn_mlp *net, const float *x, float *probs) {
    memcpy(net->acts[0], x, sizeof(float) * (size_t)net->in);
    nn_softmax(nn_mlp_forward(net, 1), nn_mlp_classes(net), probs);
}

static int parse_int(const char *s, const char *end, int *out) {
    if (s == end) return 0;
    long v = 0;
    for (const char *p = s; p < end; p++) {
        if (*p < '0' || *p > '9') return 0;
        v = v * 10 + (*p - '0');
        if (v > 1 << 24) return 0;
    }
    *out = (int)v;
    return 1;
}

/* A density in (0, 1] spelled as a plain decimal ("0.25", "1"). */
static int parse_density(const char *s, const char *end, float *out) {
    char buf[32];
    size_t len = (size_t)(end - s);
    if (len == 0 || len >= sizeof buf) return 0;
    memcpy(buf, s, len);
    buf[len] = 0;
    for (size_t i = 0; i < len; i++)
        if (!((buf[i] >= '0' && buf[i] <= '9') || buf[i] == '.')) return 0;
    char *stop;
    double v = strtod(buf, &stop);
    if (*stop || !(v > 0.0 && v <= 1.0)) return 0;
    *out = (float)v;
    return 1;
}

int nn_mlp_parse_layers(const char *text, nn_layer_spec *specs, int max, nn_error *err) {
    int count = 0;
    const char *p = text;
    while (1) {
        const char *end = strchr(p, ',');
        if (!end) end = p + strlen(p);
        const char *colon = memchr(p, ':', (size_t)(end - p));
        if (!colon) {
            nn_fail(err, NN_ERR_ARG, "layer '%.*s': expected KIND[/NDYAD]:WIDTH, e.g. dyad-it/4:1024",
                    (int)(end - p), p);
            return -1;
        }
        const char *slash = memchr(p, '/', (size_t)(colon - p));
        const char *kind_end = slash ? slash : colon;
        char kind[32];
        size_t klen = (size_t)(kind_end - p);
        if (klen == 0 || klen >= sizeof kind) {
            nn_fail(err, NN_ERR_ARG, "layer '%.*s': missing kind", (int)(end - p), p);
            return -1;
        }
        memcpy(kind, p, klen);
        kind[klen] = 0;
        if (count >= max) {
            nn_fail(err, NN_ERR_ARG, "too many layers (at most %d)", max);
            return -1;
        }
        nn_layer_spec *s = &specs[count];
        if (nn_layer_kind_parse(kind, &s->kind) != NN_OK) {
            char kinds[128];
            nn_layer_kind_list(kinds, sizeof kinds, ", ", 0);
            nn_fail(err, NN_ERR_ARG, "layer '%.*s': unknown kind '%s' (%s)", (int)(end - p), p,
                    kind, kinds);
            return -1;
        }
        nn_layer_param param = nn_layer_kind_get(s->kind)->param;
        int blocked = param != NN_LAYER_PARAM_NONE;
        s->ndyad = 1;
        s->density = 0.0f;
        if (slash && param == NN_LAYER_PARAM_DENSITY) {
            if (!parse_density(slash + 1, colon, &s->density)) {
                nn_fail(err, NN_ERR_ARG, "layer '%.*s': density must be a number in (0, 1]",
                        (int)(end - p), p);
                return -1;
            }
        } else if (slash && (!parse_int(slash + 1, colon, &s->ndyad) || s->ndyad < 1)) {
            nn_fail(err, NN_ERR_ARG, "layer '%.*s': %s must be a positive integer",
                    (int)(end - p), p, param == NN_LAYER_PARAM_RANK ? "the rank" : "ndyad");
            return -1;
        }
        if (blocked && !slash) {
            const char *eg = param == NN_LAYER_PARAM_DENSITY ? "0.25" : param == NN_LAYER_PARAM_RANK ? "64" : "4";
            nn_fail(err, NN_ERR_ARG, "layer '%.*s': a %s layer needs /%s, e.g. %s/%s:%.*s",
                    (int)(end - p), p, kind,
                    param == NN_LAYER_PARAM_DENSITY ? "DENSITY" : param == NN_LAYER_PARAM_RANK ? "RANK" : "NDYAD",
                    kind, eg, (int)(end - colon - 1), colon + 1);
            return -1;
        }
        if (!blocked && s->ndyad != 1) {
            nn_fail(err, NN_ERR_ARG, "layer '%.*s': a %s layer takes no ndyad", (int)(end - p), p,
                    kind);
            return -1;
        }
        if (!parse_int(colon + 1, end, &s->out) || s->out < 1) {
            nn_fail(err, NN_ERR_ARG, "layer '%.*s': width must be a positive integer",
                    (int)(end - p), p);
            return -1;
        }
        count++;
        if (*end == 0) break;
        p = end + 1;
    }
    return count;
}

void nn_mlp_describe(const nn_mlp *net, char *buf, size_t size) {
    size_t used = (size_t)snprintf(buf, size, "%d", net->in);
    for (int i = 0; i < net->nlayers && used < size; i++) {
        const nn_layer *l = &net->layers[i];
        char param[32];
        nn_layer_param_text(l->kind, l->ndyad, l->density, param, sizeof param);
        used += (size_t)snprintf(buf + used, size - used, " -> %s%s%s:%d", nn_layer_kind_name(l->kind),
                                 param[0] ? "/" : "", param, l->out);
    }
}
