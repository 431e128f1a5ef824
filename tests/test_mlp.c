/* The MLP and its training pieces: gradients of a mixed net against finite
 * differences, layer-spec parsing, optimisers and schedules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../nn/mlp.h"
#include "../nn/optim.h"
#include "support.h"

/* A net that mixes every kind and several ndyad. */
static const nn_layer_spec mixed[] = {
    {NN_LAYER_DYAD_IT, 2, 12, 0}, {NN_LAYER_DYAD_OT, 3, 9, 0}, {NN_LAYER_DYAD_DT, 3, 6, 0}, {NN_LAYER_DENSE, 1, 4, 0}};

static double loss_double(nn_mlp *net, const uint8_t *labels, int batch) {
    /* forward in float, loss summed in double: FD noise stays small with h = 1e-2 */
    const float *logits = nn_mlp_forward(net, batch);
    int classes = nn_mlp_classes(net);
    double loss = 0;
    for (int s = 0; s < batch; s++) {
        double maxv = -1e30, sum = 0;
        for (int c = 0; c < classes; c++) maxv = fmax(maxv, logits[c * batch + s]);
        for (int c = 0; c < classes; c++) sum += exp(logits[c * batch + s] - maxv);
        loss += log(sum) - (logits[labels[s] * batch + s] - maxv);
    }
    return loss / batch;
}

static void test_mixed_net_gradients(void **state) {
    (void)state;
    nn_mlp net;
    nn_error err;
    assert_int_equal(nn_mlp_create(&net, 8, mixed, 4, 1, &err), NN_OK);
    nn_mlp_init(&net, 3);
    const int batch = 6;
    assert_int_equal(nn_mlp_reserve(&net, batch, &err), NN_OK);
    nn_rng r;
    nn_rng_seed(&r, 4);
    float x[8 * 6];
    for (int e = 0; e < 8 * batch; e++) x[e] = 2 * nn_rng_uniform(&r) - 1;
    uint8_t labels[6] = {0, 1, 2, 3, 1, 2};
    memcpy(net.acts[0], x, sizeof x);
    nn_mlp_forward(&net, batch);
    nn_mlp_backward(&net, labels, batch, NULL);
    float *grads = malloc(net.nparams * sizeof(float));
    memcpy(grads, net.grads, net.nparams * sizeof(float));
    const float h = 1e-2f;
    int checked = 0;
    for (size_t p = 0; p < net.nparams; p++) {
        float keep = net.params[p];
        net.params[p] = keep + h;
        memcpy(net.acts[0], x, sizeof x);
        double lp = loss_double(&net, labels, batch);
        net.params[p] = keep - h;
        memcpy(net.acts[0], x, sizeof x);
        double lm = loss_double(&net, labels, batch);
        net.params[p] = keep;
        double fd = (lp - lm) / (2 * h);
        /* a ReLU kink inside [-h, h] makes FD meaningless: tolerate a few */
        if (fabs(fd - grads[p]) > 2e-3 + 2e-2 * fabs(fd)) continue;
        checked++;
    }
    assert_true(checked >= (int)(0.98 * net.nparams));
    free(grads);
    nn_mlp_free(&net);
}

static void test_parse_layers(void **state) {
    (void)state;
    nn_layer_spec s[8];
    nn_error err;
    int n = nn_mlp_parse_layers("dyad-it/4:1024,dyad-ot/8:1024,dense:10", s, 8, &err);
    assert_int_equal(n, 3);
    assert_int_equal(s[0].kind, NN_LAYER_DYAD_IT);
    assert_int_equal(s[0].ndyad, 4);
    assert_int_equal(s[1].kind, NN_LAYER_DYAD_OT);
    assert_int_equal(s[1].ndyad, 8);
    assert_int_equal(s[2].kind, NN_LAYER_DENSE);
    assert_int_equal(s[2].out, 10);
    const char *bad[] = {"dyad-it:1024", "dyad-xx/4:10", "dense/2:10", "dense:", "dense:0",
                         "dyad-it/0:8", "dense:10,", "1024", "dyad-it/4:1x24"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err.msg[0] = 0;
        assert_int_equal(nn_mlp_parse_layers(bad[i], s, 8, &err), -1);
        assert_true(strlen(err.msg) > 10);
    }
    /* a spec that parses but does not fit the widths */
    n = nn_mlp_parse_layers("dyad-it/3:1024,dense:10", s, 8, &err);
    assert_int_equal(n, 2);
    assert_int_equal(nn_mlp_check_specs(784, s, n, &err), NN_ERR_ARG);
    assert_non_null(strstr(err.msg, "layer 0"));
}

static void test_sgd_momentum_and_decay(void **state) {
    (void)state;
    nn_layer_spec spec = {NN_LAYER_DENSE, 1, 1, 0};
    nn_mlp net;
    assert_int_equal(nn_mlp_create(&net, 1, &spec, 1, 1, NULL), NN_OK);
    nn_optim_config cfg = {.kind = NN_OPTIM_SGD, .lr = 0.1f, .momentum = 0.5f, .weight_decay = 0.1f,
                        .schedule = NN_SCHEDULE_CONSTANT};
    nn_optimizer opt;
    assert_int_equal(nn_optim_create(&opt, &cfg, net.nparams, NULL), NN_OK);
    net.params[0] = 1.0f; /* weight */
    net.params[1] = 1.0f; /* bias */
    net.grads[0] = net.grads[1] = 1.0f;
    nn_optim_step(&opt, &net, 0.1f);
    /* v = 1; w -= 0.1 * (1 + 0.1 * 1); the bias gets no decay */
    assert_float_equal(net.params[0], 1.0f - 0.1f * 1.1f, 1e-6);
    assert_float_equal(net.params[1], 0.9f, 1e-6);
    nn_optim_step(&opt, &net, 0.1f);
    /* v = 0.5 * 1 + 1 = 1.5 */
    assert_float_equal(net.params[1], 0.9f - 0.15f, 1e-6);
    nn_optim_free(&opt);
    nn_mlp_free(&net);
}

static void test_adam_first_step(void **state) {
    (void)state;
    nn_layer_spec spec = {NN_LAYER_DENSE, 1, 2, 0};
    nn_mlp net;
    assert_int_equal(nn_mlp_create(&net, 1, &spec, 1, 1, NULL), NN_OK);
    nn_optim_config cfg = {.kind = NN_OPTIM_ADAM, .lr = 0.01f, .beta1 = 0.9f, .beta2 = 0.999f,
                        .eps = 1e-8f, .schedule = NN_SCHEDULE_CONSTANT};
    nn_optimizer opt;
    assert_int_equal(nn_optim_create(&opt, &cfg, net.nparams, NULL), NN_OK);
    float g[4] = {3.0f, -0.001f, 100.0f, -7.0f};
    memcpy(net.grads, g, sizeof g);
    nn_optim_step(&opt, &net, 0.01f);
    /* bias-corrected first step moves every parameter by lr * sign(g) */
    for (int e = 0; e < 4; e++) assert_float_equal(net.params[e], g[e] > 0 ? -0.01f : 0.01f, 1e-5);
    nn_optim_free(&opt);
    nn_mlp_free(&net);
}

static void test_schedules(void **state) {
    (void)state;
    nn_optim_config cfg = {.lr = 1.0f, .schedule = NN_SCHEDULE_COSINE};
    assert_float_equal(nn_optim_lr_at(&cfg, 0, 100), 1.0f, 1e-6);
    assert_float_equal(nn_optim_lr_at(&cfg, 50, 100), 0.5f, 1e-6);
    assert_true(nn_optim_lr_at(&cfg, 99, 100) < 0.001f);
    cfg.schedule = NN_SCHEDULE_STEP;
    assert_float_equal(nn_optim_lr_at(&cfg, 10, 100), 1.0f, 1e-6);
    assert_float_equal(nn_optim_lr_at(&cfg, 60, 100), 0.1f, 1e-6);
    assert_float_equal(nn_optim_lr_at(&cfg, 80, 100), 0.01f, 1e-6);
    cfg.schedule = NN_SCHEDULE_CONSTANT;
    cfg.warmup_steps = 10;
    assert_float_equal(nn_optim_lr_at(&cfg, 4, 100), 0.5f, 1e-6);
    assert_float_equal(nn_optim_lr_at(&cfg, 90, 100), 1.0f, 1e-6);
}

static void test_init_is_seeded(void **state) {
    (void)state;
    nn_mlp a, b;
    assert_int_equal(nn_mlp_create(&a, 8, mixed, 4, 0, NULL), NN_OK);
    assert_int_equal(nn_mlp_create(&b, 8, mixed, 4, 0, NULL), NN_OK);
    nn_mlp_init(&a, 42);
    nn_mlp_init(&b, 42);
    assert_memory_equal(a.params, b.params, a.nparams * sizeof(float));
    nn_mlp_init(&b, 43);
    assert_memory_not_equal(a.params, b.params, a.nparams * sizeof(float));
    nn_mlp_free(&a);
    nn_mlp_free(&b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mixed_net_gradients), cmocka_unit_test(test_parse_layers),
        cmocka_unit_test(test_sgd_momentum_and_decay), cmocka_unit_test(test_adam_first_step),
        cmocka_unit_test(test_schedules), cmocka_unit_test(test_init_is_seeded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
