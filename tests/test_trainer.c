/* The Training tab's background trainer on a tiny MNIST-shaped set: it
 * trains, publishes curves and parameters, pauses, and stopping it never
 * waits. No timing is asserted: the test waits as long as the work takes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../app/window/draw_app.h"
#include "../app/render/heatmap.h"
#include "../app/window/trainer.h"
#include "../nn/idx.h"
#include "support.h"

static void nap(void) {
    struct timespec ts = {0, 5 * 1000 * 1000};
    nanosleep(&ts, NULL);
}

static void write_set(const char *dir, const char *images, const char *labels, int n) {
    uint8_t *px = malloc((size_t)n * 784), *lab = malloc((size_t)n);
    assert_non_null(px);
    assert_non_null(lab);
    for (int i = 0; i < n; i++) {
        lab[i] = (uint8_t)(i % 10);
        for (int p = 0; p < 784; p++) /* class i % 10 lights its own band of rows */
            px[(size_t)i * 784 + p] = (uint8_t)(p / 28 / 3 == lab[i] ? 200 + (i * 7 + p) % 50 : 0);
    }
    char path[4300];
    nn_error err;
    nn_idx_images im = {n, 28, 28, px};
    nn_idx_labels lb = {n, lab};
    snprintf(path, sizeof path, "%s/%s", dir, images);
    assert_int_equal(nn_idx_save_images(path, &im, &err), NN_OK);
    snprintf(path, sizeof path, "%s/%s", dir, labels);
    assert_int_equal(nn_idx_save_labels(path, &lb, &err), NN_OK);
    free(px);
    free(lab);
}

static void test_trains_and_publishes(void **state) {
    (void)state;
    char *dir = test_tmpdir();
    write_set(dir, "train-images-idx3-ubyte", "train-labels-idx1-ubyte", 600);
    write_set(dir, "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", 100);
    trainer_config cfg = {.data_dir = dir, .width = 32, .ndyad = 4, .epochs = 3, .seed = 7};
    trainer *t;
    nn_error err;
    assert_int_equal(trainer_start(&t, &cfg, &err), NN_OK);
    while (!trainer_finished(t)) nap();
    trainer_status st;
    trainer_snapshot(t, &st);
    assert_int_equal(st.state, TRAINER_DONE);
    assert_int_equal(st.epoch, 3);
    assert_int_equal(st.npoints, 3); /* one chunk per epoch here */
    assert_true(st.points[0][2].images == 1800);
    for (int i = 0; i < TRAINER_NETS; i++) {
        assert_true(st.points[i][2].loss < st.points[i][0].loss); /* it learns */
        assert_true(st.images_per_s[i] > 0);
        nn_layer_spec specs[3];
        trainer_specs(&cfg, i, specs);
        nn_mlp net;
        assert_int_equal(nn_mlp_create(&net, 784, specs, 3, 0, &err), NN_OK);
        assert_true(trainer_copy_params(t, i, &net) == st.version);
        int nonzero = 0;
        for (size_t k = 0; k < net.nparams; k++) nonzero += net.params[k] != 0.0f;
        assert_true(nonzero > 0);
        nn_mlp_free(&net);
    }
    trainer_free(t);
    test_tmpdir_remove(dir);
}

static void test_pause_and_stop(void **state) {
    (void)state;
    char *dir = test_tmpdir();
    write_set(dir, "train-images-idx3-ubyte", "train-labels-idx1-ubyte", 300);
    write_set(dir, "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", 50);
    trainer_config cfg = {.data_dir = dir, .width = 16, .ndyad = 2, .epochs = 1000000, .seed = 3};
    trainer *t;
    nn_error err;
    assert_int_equal(trainer_start(&t, &cfg, &err), NN_OK);
    trainer_set_paused(t, 1);
    trainer_status st;
    do { /* it pauses at the start of a chunk */
        nap();
        trainer_snapshot(t, &st);
    } while (st.state != TRAINER_PAUSED);
    long version = st.version;
    for (int i = 0; i < 20; i++) nap();
    trainer_snapshot(t, &st);
    assert_true(st.version == version); /* paused: nothing published */
    trainer_set_paused(t, 0);
    do {
        nap();
        trainer_snapshot(t, &st);
    } while (st.version == version);
    trainer_request_stop(t); /* returns at once; the thread ends after its chunk */
    while (!trainer_finished(t)) nap();
    trainer_free(t);
    /* a missing directory fails with a message, not a crash */
    cfg.data_dir = "/nonexistent/mnist";
    assert_int_equal(trainer_start(&t, &cfg, &err), NN_OK);
    while (!trainer_finished(t)) nap();
    trainer_snapshot(t, &st);
    assert_int_equal(st.state, TRAINER_FAILED);
    assert_non_null(strstr(st.error, "nonexistent"));
    trainer_free(t);
    test_tmpdir_remove(dir);
}

/* The tab: Start, curves arrive while the UI thread keeps going, Use as
 * model puts the trained nets into the window's slots. */
/* A window of width x height on a small data set in a fresh *dir, on the
 * Training tab (key 6). */
static draw_app *training_tab_app(char **dir, int width, int height) {
    *dir = test_tmpdir();
    write_set(*dir, "train-images-idx3-ubyte", "train-labels-idx1-ubyte", 400);
    write_set(*dir, "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", 50);
    draw_app_options o = {0};
    o.data_dir = *dir;
    o.width = width;
    o.height = height;
    draw_app *app;
    nn_error err;
    assert_int_equal(draw_app_create(&app, &o, &err), NN_OK);
    app_event ev = {.type = APP_EV_KEY, .key = '6'};
    draw_app_handle(app, &ev);
    assert_int_equal(draw_app_view(app), DRAW_VIEW_TRAIN);
    return app;
}

static void test_training_tab(void **state) {
    (void)state;
    char *dir;
    draw_app *app = training_tab_app(&dir, 1280, 800);
    nn_error err;
    app_event ev = {.type = APP_EV_KEY, .key = ' '};
    draw_app_handle(app, &ev); /* Start */
    uint64_t now = 0;
    char status[4096];
    while (!draw_app_model_loaded(app, 0) || strcmp(draw_app_model_name(app, 0), "trained-dyad")) {
        now += 50;
        nap();
        draw_app_set_time(app, now); /* the UI polls */
        assert_true(draw_app_timeout_ms(app) >= 0); /* it keeps waking while training */
        assert_non_null(draw_app_render(app));
        ev.key = 'u'; /* Use as model: refused until the first parameters arrive */
        draw_app_handle(app, &ev);
    }
    assert_string_equal(draw_app_model_name(app, 1), "trained-dense");
    draw_app_status_json(app, status, sizeof status);
    assert_non_null(strstr(status, "\"name\":\"trained-dyad\",\"kind\":\"dyad-it\""));
    assert_true(draw_app_stroke_begin(app, 0.5f, 0.2f, 0, &err) == NN_OK);
    draw_app_stroke_to(app, 0.5f, 0.8f);
    draw_app_stroke_end(app);
    assert_true(draw_app_prediction(app, 0, NULL, NULL, NULL)); /* the trained net predicts */
    draw_app_destroy(app); /* joins the thread */
    test_tmpdir_remove(dir);
}

/* The W heatmaps of the learning nets: H shows them, [ ] pick the layer,
 * and the heatmap follows the published parameters as training goes on. */
static double heat_sum(draw_app *app, int net, long *version) {
    char status[4096];
    draw_app_status_json(app, status, sizeof status);
    const char *t = strstr(status, "\"training\":{\"shown\":\"heatmaps\"");
    assert_non_null(t);
    const char *v = strstr(t, "\"version\":");
    const char *h = strstr(t, "\"heat_abs_sum\":[");
    assert_non_null(v);
    assert_non_null(h);
    *version = strtol(v + strlen("\"version\":"), NULL, 10);
    char *end;
    double s0 = strtod(h + strlen("\"heat_abs_sum\":["), &end);
    double s1 = strtod(end + 1, NULL);
    return net ? s1 : s0;
}

static long json_long(const char *status, const char *key) {
    const char *p = strstr(status, key);
    assert_non_null(p);
    return strtol(p + strlen(key), NULL, 10);
}

/* Sum of |w| of layer `layer` of net i as the trainer initialises it
 * (before any training): what the heatmap would show at version 0. */
static double initial_sum(const trainer_config *cfg, int i, int layer) {
    nn_layer_spec specs[3];
    trainer_specs(cfg, i, specs);
    nn_mlp net;
    nn_error err;
    assert_int_equal(nn_mlp_create(&net, 784, specs, 3, 0, &err), NN_OK);
    nn_mlp_init(&net, cfg->seed + (unsigned long)i);
    heat_matrix m = {0};
    assert_int_equal(heat_matrix_build(&m, &net.layers[layer], HEAT_PART_BOTH, 0, &err), NN_OK);
    double sum = 0;
    for (long k = 0; k < (long)m.rows * m.cols; k++) sum += fabsf(m.value[k]);
    heat_matrix_free(&m);
    nn_mlp_free(&net);
    return sum;
}

static void test_training_heatmaps(void **state) {
    (void)state;
    char *dir;
    draw_app *app = training_tab_app(&dir, 960, 600); /* the minimum window */
    app_event ev = {.type = APP_EV_KEY};
    char status[4096];
    draw_app_status_json(app, status, sizeof status);
    assert_non_null(strstr(status, "\"training\":{\"shown\":\"fields\",\"layer\":1"));
    trainer_config cfg = {.width = (int)json_long(status, "\"width\":"),
                          .ndyad = (int)json_long(status, "\"ndyad\":"),
                          .seed = (unsigned long)json_long(status, "\"seed\":")};
    ev.key = 'h';
    draw_app_handle(app, &ev);
    ev.key = ']';
    draw_app_handle(app, &ev);
    draw_app_status_json(app, status, sizeof status);
    assert_non_null(strstr(status, "\"shown\":\"heatmaps\",\"layer\":2"));
    ev.key = '[';
    draw_app_handle(app, &ev); /* back to layer 1 (784 -> 256) */
    long version;
    assert_true(heat_sum(app, 0, &version) == 0.0); /* nothing trained: no heatmap yet */
    assert_int_equal(version, 0);
    ev.key = ' ';
    draw_app_handle(app, &ev); /* Start */
    uint64_t now = 0;
    do {
        now += 50;
        nap();
        draw_app_set_time(app, now);
        assert_non_null(draw_app_render(app)); /* paints the heatmaps */
        heat_sum(app, 0, &version);
    } while (version == 0);
    /* the shown W is the trained one: it moved away from the initial W */
    for (int i = 0; i < 2; i++) {
        double shown = heat_sum(app, i, &version);
        assert_true(shown > 0.0);
        assert_true(fabs(shown - initial_sum(&cfg, i, 0)) > 1e-6 * shown);
    }
    /* the selector changes what is shown: layer 3 is 10 x 256 */
    ev.key = '[';
    draw_app_handle(app, &ev); /* wraps from layer 1 to layer 3 */
    draw_app_status_json(app, status, sizeof status);
    assert_non_null(strstr(status, "\"shown\":\"heatmaps\",\"layer\":3"));
    assert_true(heat_sum(app, 1, &version) > 0.0);
    assert_non_null(draw_app_render(app));
    draw_app_destroy(app); /* joins the thread */
    test_tmpdir_remove(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trains_and_publishes),
        cmocka_unit_test(test_pause_and_stop),
        cmocka_unit_test(test_training_tab),
        cmocka_unit_test(test_training_heatmaps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
