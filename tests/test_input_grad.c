/* nn_mlp_input_gradient against central finite differences, for dense and
 * every DYAD variant, hidden units and logits; it must not touch the net's
 * own gradients. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../nn/input_grad.h"
#include "../nn/mlp.h"
#include "../nn/rng.h"
#include "support.h"

static void make(nn_mlp *net, const char *spec, int with_grads, uint64_t seed) {
    nn_layer_spec specs[8];
    nn_error err;
    int n = nn_mlp_parse_layers(spec, specs, 8, &err);
    assert_true(n > 0);
    assert_int_equal(nn_mlp_create(net, 24, specs, n, with_grads, &err), NN_OK);
    nn_mlp_init(net, seed);
    assert_int_equal(nn_mlp_reserve(net, 1, &err), NN_OK);
}

/* out[index][unit] at x, by a plain forward pass */
static double output_at(nn_mlp *net, const float *x, int index, int unit) {
    memcpy(net->acts[0], x, sizeof(float) * (size_t)net->in);
    nn_mlp_forward(net, 1);
    return nn_mlp_layer_output(net, index)[unit];
}

static void check_net(const char *spec) {
    nn_mlp net;
    make(&net, spec, 0, 5);
    float x[24], dx[24];
    nn_rng r;
    nn_rng_seed(&r, 9);
    for (int i = 0; i < 24; i++) x[i] = (float)nn_rng_uniform(&r);
    nn_error err;
    int checked = 0;
    for (int index = 0; index < net.nlayers; index++)
        for (int unit = 0; unit < net.layers[index].out; unit += 3) {
            assert_int_equal(nn_mlp_input_gradient(&net, x, index, unit, dx, &err), NN_OK);
            for (int i = 0; i < 24; i++) {
                const float h = 2e-3f;
                float xp[24], xm[24];
                memcpy(xp, x, sizeof x);
                memcpy(xm, x, sizeof x);
                xp[i] += h, xm[i] -= h;
                double fd = (output_at(&net, xp, index, unit) - output_at(&net, xm, index, unit)) /
                            (2.0 * h);
                /* piecewise linear: exact unless a ReLU flips inside [x-h, x+h] */
                if (fabs(fd - dx[i]) > 1e-3 * (1.0 + fabs(fd)))
                    fail_msg("%s: layer %d unit %d input %d: gradient %g, finite difference %g",
                             spec, index, unit, i, (double)dx[i], fd);
                checked++;
            }
        }
    assert_true(checked > 100);
    nn_mlp_free(&net);
}

static void test_dense(void **state) {
    (void)state;
    check_net("dense:16,dense:12,dense:10");
}
static void test_dyad_it(void **state) {
    (void)state;
    check_net("dyad-it/4:16,dyad-it/4:16,dense:10");
}
static void test_dyad_ot(void **state) {
    (void)state;
    check_net("dyad-ot/2:16,dense:10");
}
static void test_dyad_dt(void **state) {
    (void)state;
    check_net("dyad-dt/4:16,dyad-dt/2:8,dense:10");
}

static void test_leaves_training_gradients_alone(void **state) {
    (void)state;
    nn_mlp net;
    make(&net, "dyad-it/4:16,dense:10", 1, 3);
    for (size_t i = 0; i < net.nparams; i++) net.grads[i] = (float)i;
    float x[24], dx[24];
    for (int i = 0; i < 24; i++) x[i] = 0.5f;
    nn_error err;
    assert_int_equal(nn_mlp_input_gradient(&net, x, 1, 2, dx, &err), NN_OK);
    for (size_t i = 0; i < net.nparams; i++) assert_true(net.grads[i] == (float)i);
    assert_int_equal(nn_mlp_input_gradient(&net, x, 2, 0, dx, &err), NN_ERR_ARG); /* no layer 2 */
    assert_int_equal(nn_mlp_input_gradient(&net, x, 1, 10, dx, &err), NN_ERR_ARG);
    assert_non_null(strstr(err.msg, "unit 10"));
    nn_mlp_free(&net);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dense),
        cmocka_unit_test(test_dyad_it),
        cmocka_unit_test(test_dyad_ot),
        cmocka_unit_test(test_dyad_dt),
        cmocka_unit_test(test_leaves_training_gradients_alone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
