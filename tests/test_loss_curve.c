/* The training step's maths is pinned by a recorded curve: one epoch on the
 * first 1536 MNIST training images, fixed seed, for a dense net (SGD with
 * momentum and weight decay) and a net mixing every DYAD kind (SGD, Adam).
 * tests/fixtures/loss_curve.txt holds the running mean loss after every batch
 * as the implementation before the compute seam (issue 8) produced it; every
 * later implementation, serial or on a pool, must stay within float noise.
 *
 * Regenerate (only after an intended change of the maths):
 *   UPDATE_LOSS_CURVE=1 MNIST_DIR=... build/tests/test_loss_curve */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../nn/dataset.h"
#include "../nn/train.h"
#include "support.h"

#define FIXTURE "tests/fixtures/loss_curve.txt"
#define SUBSET 1536
#define BATCH 64
#define STEPS (SUBSET / BATCH)
/* Absolute tolerance on a running mean loss of order 0.3-2.3: summation order
 * and fused updates move it by ~1e-6; a wrong update moves it by far more. */
#define TOLERANCE 2e-4

typedef struct {
    const char *name;
    const char *layers;
    nn_optim_kind optimizer;
    float lr, weight_decay;
    nn_schedule_kind schedule;
} curve_case;

static const curve_case cases[] = {
    {"dense-sgd", "dense:256,dense:10", NN_OPTIM_SGD, 0.05f, 5e-4f, NN_SCHEDULE_COSINE},
    {"dyad-sgd", "dyad-dt/4:512,dyad-it/4:256,dyad-ot/2:128,dense:10", NN_OPTIM_SGD, 0.5f, 0.0f,
     NN_SCHEDULE_CONSTANT},
    {"dyad-adam", "dyad-it/4:512,dyad-ot/4:256,dyad-dt/2:128,dense:10", NN_OPTIM_ADAM, 0.002f, 1e-4f,
     NN_SCHEDULE_CONSTANT},
};
#define NCASES (int)(sizeof cases / sizeof cases[0])

typedef struct {
    double loss[STEPS];
    int count;
} curve;

static void record(const nn_train_progress *p, void *user) {
    curve *c = user;
    if (c->count < STEPS) c->loss[c->count++] = p->loss;
}

/* One epoch of case cc on the subset; threads 1 runs serially. */
static void run_case(const curve_case *cc, const nn_dataset *ds, int threads, curve *out) {
    nn_layer_spec specs[8];
    nn_error err;
    int n = nn_mlp_parse_layers(cc->layers, specs, 8, &err);
    assert_true(n > 0);
    nn_mlp net;
    assert_int_equal(nn_mlp_create(&net, 784, specs, n, 1, &err), NN_OK);
    assert_int_equal(nn_mlp_reserve(&net, BATCH, &err), NN_OK);
    nn_mlp_init(&net, 1);
    nn_compute *compute = NULL;
    if (threads > 1) assert_int_equal(nn_compute_create(&compute, threads, &err), NN_OK);
    net.compute = compute;
    nn_optim_config cfg = {.kind = cc->optimizer, .lr = cc->lr, .momentum = 0.9f, .beta1 = 0.9f,
                        .beta2 = 0.999f, .eps = 1e-8f, .weight_decay = cc->weight_decay,
                        .schedule = cc->schedule};
    nn_optimizer opt;
    assert_int_equal(nn_optim_create(&opt, &cfg, net.nparams, &err), NN_OK);
    nn_train_loop loop;
    assert_int_equal(nn_train_loop_create(&loop, SUBSET, BATCH, 1, &err), NN_OK);
    nn_rng shuffle;
    nn_rng_seed(&shuffle, 1 ^ 0x5eed5eedULL);
    nn_idx_images images = ds->train_images;
    nn_idx_labels labels = ds->train_labels;
    images.count = labels.count = SUBSET;
    memset(out, 0, sizeof *out);
    nn_train_progress result;
    nn_train_epoch(&loop, &net, &opt, &shuffle, &images, &labels, 1, &result, record, 1, out);
    assert_int_equal(out->count, STEPS);
    nn_train_loop_free(&loop);
    nn_optim_free(&opt);
    nn_compute_free(compute);
    nn_mlp_free(&net);
}

static void write_fixture(const nn_dataset *ds) {
    FILE *f = fopen(FIXTURE, "w");
    assert_non_null(f);
    fprintf(f, "# case step running_mean_loss (tests/test_loss_curve.c, UPDATE_LOSS_CURVE=1)\n");
    for (int c = 0; c < NCASES; c++) {
        curve cv;
        run_case(&cases[c], ds, 1, &cv);
        for (int s = 0; s < STEPS; s++) fprintf(f, "%s %d %.9g\n", cases[c].name, s + 1, cv.loss[s]);
    }
    assert_int_equal(fclose(f), 0);
}

static void read_fixture(curve expected[NCASES]) {
    FILE *f = fopen(FIXTURE, "r");
    if (!f) fail_msg("cannot open %s (run from the repository root)", FIXTURE);
    memset(expected, 0, sizeof(curve) * NCASES);
    char line[256], name[64];
    int step;
    double loss;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#') continue;
        assert_int_equal(sscanf(line, "%63s %d %lf", name, &step, &loss), 3);
        int c = 0;
        while (c < NCASES && strcmp(cases[c].name, name)) c++;
        assert_true(c < NCASES && step >= 1 && step <= STEPS);
        expected[c].loss[step - 1] = loss;
        expected[c].count++;
    }
    fclose(f);
    for (int c = 0; c < NCASES; c++) assert_int_equal(expected[c].count, STEPS);
}

static void check_threads(int threads) {
    const char *dir = test_mnist_dir();
    if (!dir) skip();
    nn_dataset ds;
    nn_error err;
    assert_int_equal(nn_dataset_load(dir, &ds, &err), NN_OK);
    if (getenv("UPDATE_LOSS_CURVE")) write_fixture(&ds);
    curve expected[NCASES];
    read_fixture(expected);
    for (int c = 0; c < NCASES; c++) {
        curve got;
        run_case(&cases[c], &ds, threads, &got);
        for (int s = 0; s < STEPS; s++)
            if (fabs(got.loss[s] - expected[c].loss[s]) > TOLERANCE)
                fail_msg("%s, %d threads, step %d: loss %.7f, recorded %.7f", cases[c].name,
                         threads, s + 1, got.loss[s], expected[c].loss[s]);
        /* the curve is a real descent, not a constant that any code would match */
        assert_true(got.loss[STEPS - 1] < got.loss[0] - 0.1);
    }
    nn_dataset_free(&ds);
}

static void test_curve_serial(void **state) {
    (void)state;
    check_threads(1);
}

static void test_curve_pool(void **state) {
    (void)state;
    check_threads(2);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_curve_serial),
        cmocka_unit_test(test_curve_pool),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
