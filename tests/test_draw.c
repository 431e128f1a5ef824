/* `dyad draw`: script mode end to end (headless, SDL_VIDEODRIVER=dummy),
 * script parsing, and the draw app driven with synthetic events. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../app/window/draw_app.h"
#include "../app/render/gfx.h"
#include "../app/window/script.h"
#include "../nn/checkpoint.h"
#include "../nn/idx.h"
#include "../nn/mlp.h"
#include "support.h"

#define DYAD_SPEC "dyad-it/4:64,dyad-it/4:64,dense:10"
#define DENSE_SPEC "dense:64,dense:64,dense:10"
#define DYAD_SEED 11
#define DENSE_SEED 12

typedef struct {
    char *dir;
    char dyad[4200], dense[4200];
} fixture;

static void save_net(const char *path, const char *spec, uint64_t seed, double accuracy) {
    nn_mlp net;
    test_make_net(&net, spec, seed);
    nn_train_record rec;
    nn_train_record_clear(&rec);
    rec.test_accuracy = accuracy;
    nn_error err;
    assert_int_equal(nn_checkpoint_save(path, &net, &rec, &err), NN_OK);
    nn_mlp_free(&net);
}

static int setup(void **state) {
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->dir = test_tmpdir();
    snprintf(f->dyad, sizeof f->dyad, "%s/dyad-test.safetensors", f->dir);
    snprintf(f->dense, sizeof f->dense, "%s/dense-test.safetensors", f->dir);
    save_net(f->dyad, DYAD_SPEC, DYAD_SEED, 0.9123);
    save_net(f->dense, DENSE_SPEC, DENSE_SEED, -1.0);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    test_tmpdir_remove(f->dir);
    free(f);
    return 0;
}

static void write_text(const char *path, const char *text) {
    assert_int_equal(test_write_file(path, text, strlen(text)), 0);
}

/* Width and height from a PNG's IHDR chunk; 0 if it is not a PNG. */
static int png_size(const char *path, int *w, int *h) {
    unsigned char b[24];
    FILE *fp = fopen(path, "rb");
    if (!fp) return 0;
    size_t n = fread(b, 1, sizeof b, fp);
    fclose(fp);
    if (n != sizeof b || memcmp(b, "\x89PNG\r\n\x1a\n", 8) || memcmp(b + 12, "IHDR", 4)) return 0;
    *w = (b[16] << 24) | (b[17] << 16) | (b[18] << 8) | b[19];
    *h = (b[20] << 24) | (b[21] << 16) | (b[22] << 8) | b[23];
    return 1;
}

/* Runs `dyad draw` headless with the fixture's models. */
static int run_draw(const fixture *f, const char *args, char *out, size_t size) {
    char cmd[16384];
    int n = snprintf(cmd, sizeof cmd, "SDL_VIDEODRIVER=dummy '%s' draw --model '%s' --baseline '%s' %s",
                     test_dyad_bin(), f->dyad, f->dense, args);
    assert_true(n > 0 && (size_t)n < sizeof cmd);
    return test_run(cmd, out, size);
}

/* Checks one "predict NAME DIGIT PROB" line; returns the digit. */
static int check_predict_line(const char *line, const char *name) {
    char word[32], got[256], prob[32], extra[8];
    int digit;
    int n = sscanf(line, "%31s %255s %d %31s %7s", word, got, &digit, prob, extra);
    assert_int_equal(n, 4);
    assert_string_equal(word, "predict");
    assert_string_equal(got, name);
    assert_true(digit >= 0 && digit <= 9);
    /* exactly four decimals, in [0,1] */
    const char *dot = strchr(prob, '.');
    assert_non_null(dot);
    assert_int_equal(strlen(dot + 1), 4);
    double p = atof(prob);
    assert_true(p >= 0.0 && p <= 1.0);
    return digit;
}

static void test_script_mode_predicts_and_writes_png(void **state) {
    fixture *f = *state;
    char script[4300], shot[4300], args[9000], out[16384];
    snprintf(script, sizeof script, "%s/two.script", f->dir);
    snprintf(shot, sizeof shot, "%s/two.png", f->dir);
    write_text(script,
               "# a seven, then a one\n"
               "\n"
               "stroke 0.25,0.25 0.75,0.25 0.45,0.8\n"
               "key p\n"
               "wait 100\n"
               "clear\n"
               "stroke 0.5,0.2 0.5,0.8\n"
               "key F1\n");
    snprintf(args, sizeof args, "--script '%s' --screenshot '%s' --size 900x640", script, shot);
    int rc = run_draw(f, args, out, sizeof out);
    if (rc != 0) fprintf(stderr, "%s\n", out);
    assert_int_equal(rc, 0);
    /* two strokes x two models, DYAD first */
    int lines = 0;
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        if (strncmp(line, "predict ", 8)) continue;
        check_predict_line(line, lines % 2 == 0 ? "dyad-test" : "dense-test");
        lines++;
    }
    assert_int_equal(lines, 4);
    int w = 0, h = 0;
    assert_true(png_size(shot, &w, &h));
    assert_int_equal(w, 900);
    assert_int_equal(h, 640);
}

static void test_script_print_timing(void **state) {
    fixture *f = *state;
    char script[4300], shot[4300], args[9000], out[16384];
    snprintf(script, sizeof script, "%s/timing.script", f->dir);
    snprintf(shot, sizeof shot, "%s/timing.png", f->dir);
    write_text(script, "stroke 0.3,0.3 0.7,0.3 0.5,0.8\n");
    snprintf(args, sizeof args, "--script '%s' --screenshot '%s' --print-timing", script, shot);
    assert_int_equal(run_draw(f, args, out, sizeof out), 0);
    double us = -1, ms = -1;
    int n = 0, frames = 0;
    char *p = strstr(out, "timing forward dyad-test median ");
    assert_non_null(p);
    assert_int_equal(sscanf(p, "timing forward dyad-test median %lf us over %d", &us, &n), 2);
    assert_true(us > 0.0 && n > 5); /* one prediction per simulated movement */
    p = strstr(out, "timing frame median ");
    assert_non_null(p);
    assert_int_equal(sscanf(p, "timing frame median %lf ms over %d", &ms, &frames), 2);
    assert_true(ms > 0.0 && frames > 5);
    assert_non_null(strstr(out, "timing forward dense-test median "));
}

/* --window also shows the replay: with the dummy driver that is SDL's
 * software renderer, the same path as a real window. */
static void test_script_in_dummy_window(void **state) {
    fixture *f = *state;
    char script[4300], shot[4300], args[9000], out[8192];
    snprintf(script, sizeof script, "%s/window.script", f->dir);
    snprintf(shot, sizeof shot, "%s/window.png", f->dir);
    write_text(script, "stroke 0.5,0.2 0.5,0.8\nkey 2\nwait 20\n");
    snprintf(args, sizeof args, "--script '%s' --screenshot '%s' --window --size 640x480", script,
             shot);
    int rc = run_draw(f, args, out, sizeof out);
    if (rc != 0) fprintf(stderr, "%s\n", out);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "predict dyad-test "));
    int w = 0, h = 0;
    assert_true(png_size(shot, &w, &h));
    assert_int_equal(w, 640);
    assert_int_equal(h, 480);
}

static void test_bad_script_line_exits_2(void **state) {
    fixture *f = *state;
    char script[4300], args[9000], out[8192];
    snprintf(script, sizeof script, "%s/bad.script", f->dir);
    write_text(script, "stroke 0.2,0.2 0.8,0.8\n# fine so far\nscribble 0.1,0.1\n");
    snprintf(args, sizeof args, "--script '%s' --screenshot '%s/bad.png'", script, f->dir);
    assert_int_equal(run_draw(f, args, out, sizeof out), 2);
    char where[4400];
    snprintf(where, sizeof where, "%s:3:", script);
    assert_non_null(strstr(out, where));
    assert_non_null(strstr(out, "scribble"));
    assert_null(strstr(out, "predict ")); /* nothing ran */

    write_text(script, "key F1\nstroke 0.2,0.2 1.5,0.8\n");
    assert_int_equal(run_draw(f, args, out, sizeof out), 2);
    snprintf(where, sizeof where, "%s:2:", script);
    assert_non_null(strstr(out, where));

    write_text(script, "key NoSuchKey\n");
    assert_int_equal(run_draw(f, args, out, sizeof out), 2);
    assert_non_null(strstr(out, "unknown key"));
}

static void test_bad_arguments(void **state) {
    fixture *f = *state;
    char cmd[9000], out[8192];
    /* an explicit model that does not load is an error naming it */
    snprintf(cmd, sizeof cmd,
             "SDL_VIDEODRIVER=dummy '%s' draw --model '%s/missing.safetensors' --script /dev/null "
             "--screenshot '%s/x.png'",
             test_dyad_bin(), f->dir, f->dir);
    assert_int_equal(test_run(cmd, out, sizeof out), 1);
    assert_non_null(strstr(out, "missing.safetensors"));
    assert_int_equal(run_draw(f, "--size 12x9 --script /dev/null", out, sizeof out), 2);
    assert_non_null(strstr(out, "--size"));
    assert_int_equal(run_draw(f, "--frobnicate", out, sizeof out), 2);
    char args[9000];
    snprintf(args, sizeof args, "--script '%s/none.script'", f->dir);
    assert_int_equal(run_draw(f, args, out, sizeof out), 2);
    assert_non_null(strstr(out, "none.script"));
}

/* The digit scripts against the shipped models: tests/test_digits.c. */

/* ---- script parser ---- */

static void test_script_parse(void **state) {
    (void)state;
    script s;
    nn_error err;
    assert_int_equal(script_parse("# c\n\nstroke 0,0 1,1 0.5,0.25\r\nkey ctrl+z\nkey C\nwait 5\n"
                                  "erase 0.1,0.1\nclear\nmouse 10 20\nclick 1 2 right\n"
                                  "wheel 3 4 -2\ndrop /tmp/some file.png  \n",
                                  "t", &s, &err),
                     NN_OK);
    assert_int_equal(s.count, 10);
    assert_int_equal(s.cmds[0].op, SCRIPT_STROKE);
    assert_int_equal(s.cmds[0].line, 3);
    assert_int_equal(s.cmds[0].npoints, 3);
    assert_true(fabsf(s.cmds[0].points[5] - 0.25f) < 1e-6f);
    assert_int_equal(s.cmds[1].key, 'z');
    assert_int_equal(s.cmds[1].mods, APP_MOD_CTRL);
    assert_int_equal(s.cmds[2].key, 'c');
    assert_int_equal(s.cmds[2].mods, APP_MOD_SHIFT);
    assert_int_equal(s.cmds[3].ms, 5);
    assert_int_equal(s.cmds[4].op, SCRIPT_ERASE);
    assert_int_equal(s.cmds[5].op, SCRIPT_CLEAR);
    assert_int_equal(s.cmds[7].button, APP_BUTTON_RIGHT);
    assert_true(s.cmds[8].wheel == -2.0f);
    assert_string_equal(s.cmds[9].path, "/tmp/some file.png");
    script_free(&s);

    static const char *bad[] = {
        "stroke\n",            "stroke 0.1\n",     "stroke 0.1,x\n",   "stroke -0.1,0.5\n",
        "clear now\n",         "key\n",            "key a b\n",        "key F13\n",
        "wait -1\n",           "wait soon\n",      "mouse 1\n",        "click 1 2 thumb\n",
        "wheel 1 2\n",         "drop\n",           "jump 1\n",         "stroke nan,0.5\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[64];
        snprintf(text, sizeof text, "clear\n%s", bad[i]);
        if (script_parse(text, "bad.script", &s, &err) == NN_OK) fail_msg("accepted: %s", bad[i]);
        if (!strstr(err.msg, "bad.script:2:")) fail_msg("%s -> %s", bad[i], err.msg);
        assert_int_equal(s.count, 0);
    }
}

static void test_key_names(void **state) {
    (void)state;
    int key, mods;
    assert_true(app_key_parse("F1", &key, &mods));
    assert_int_equal(key, APP_KEY_F1);
    assert_true(app_key_parse("Left", &key, &mods));
    assert_int_equal(key, APP_KEY_LEFT);
    assert_true(app_key_parse("+", &key, &mods));
    assert_int_equal(key, '+');
    assert_int_equal(mods, 0);
    assert_true(app_key_parse("ctrl++", &key, &mods));
    assert_int_equal(key, '+');
    assert_int_equal(mods, APP_MOD_CTRL);
    assert_true(app_key_parse("shift+n", &key, &mods));
    assert_int_equal(key, 'n');
    assert_int_equal(mods, APP_MOD_SHIFT);
    assert_true(app_key_parse("[", &key, &mods));
    assert_int_equal(key, '[');
    assert_true(app_key_parse("PageDown", &key, &mods));
    assert_int_equal(key, APP_KEY_PAGEDOWN);
    assert_false(app_key_parse("", &key, &mods));
    assert_false(app_key_parse("ctrl+", &key, &mods) && key != '+');
    assert_false(app_key_parse("F0", &key, &mods));
    assert_false(app_key_parse("F1x", &key, &mods));
    assert_false(app_key_parse("Hyper", &key, &mods));
}

/* ---- the app, driven by events ---- */

static draw_app *make_app(const fixture *f, const char *data_dir) {
    draw_app_options o = {0};
    o.model_path[0] = f->dyad;
    o.model_path[1] = f->dense;
    o.strict = 1;
    o.data_dir = data_dir;
    o.width = 1100;
    o.height = 720;
    o.screenshot_dir = f->dir;
    draw_app *app;
    nn_error err;
    assert_int_equal(draw_app_create(&app, &o, &err), NN_OK);
    return app;
}

static void send(draw_app *app, app_event ev) { draw_app_handle(app, &ev); }
static void key(draw_app *app, int k, int mods) {
    send(app, (app_event){.type = APP_EV_KEY, .key = k, .mods = mods});
}

static void test_app_predictions(void **state) {
    fixture *f = *state;
    draw_app *app = make_app(f, NULL);
    int digit;
    float prob, probs[10];
    assert_false(draw_app_prediction(app, 0, &digit, &prob, probs)); /* empty canvas */
    assert_false(draw_app_prediction(app, 1, &digit, &prob, NULL));
    assert_string_equal(draw_app_model_name(app, 0), "dyad-test");
    assert_string_equal(draw_app_model_name(app, 1), "dense-test");

    /* a stroke through mouse events on the canvas rectangle */
    gfx_rect c = draw_app_rect(app, DRAW_RECT_CANVAS);
    assert_true(c.w > 100 && c.h == c.w);
    send(app, (app_event){.type = APP_EV_MOUSE_DOWN, .x = c.x + c.w / 2, .y = c.y + c.h / 5,
                          .button = APP_BUTTON_LEFT});
    send(app, (app_event){.type = APP_EV_MOUSE_MOVE, .x = c.x + c.w / 2, .y = c.y + 4 * c.h / 5});
    send(app, (app_event){.type = APP_EV_MOUSE_UP, .x = c.x + c.w / 2, .y = c.y + 4 * c.h / 5,
                          .button = APP_BUTTON_LEFT});
    assert_true(draw_app_prediction(app, 0, &digit, &prob, probs));
    double sum = 0;
    for (int i = 0; i < 10; i++) sum += probs[i];
    assert_true(fabs(sum - 1.0) < 1e-4);
    assert_true(prob == probs[digit]);

    /* the prediction equals the model run on the shown 28x28 input */
    uint8_t input[784];
    assert_true(draw_app_input(app, input));
    nn_mlp net;
    test_make_net(&net, DYAD_SPEC, DYAD_SEED);
    nn_error err;
    assert_int_equal(nn_mlp_reserve(&net, 1, &err), NN_OK);
    float x[784], expect[10];
    for (int i = 0; i < 784; i++) x[i] = input[i] / 255.0f;
    nn_mlp_predict(&net, x, expect);
    for (int i = 0; i < 10; i++) assert_true(fabsf(expect[i] - probs[i]) < 1e-5f);
    nn_mlp_free(&net);

    /* the rendered canvas shows ink */
    const gfx_image *img = draw_app_render(app);
    assert_int_equal(img->w, 1100);
    assert_int_equal(img->h, 720);
    uint32_t mid = img->px[(size_t)(c.y + c.h / 2) * img->w + c.x + c.w / 2];
    assert_true(((mid >> 16) & 0xFF) > 200);

    /* C clears: nothing predicted; Ctrl+Z brings the stroke back */
    key(app, 'c', 0);
    assert_false(draw_app_prediction(app, 0, NULL, NULL, NULL));
    key(app, 'z', APP_MOD_CTRL);
    assert_true(draw_app_prediction(app, 0, NULL, NULL, NULL));
    /* right-drag erases it all */
    send(app, (app_event){.type = APP_EV_MOUSE_DOWN, .x = c.x + c.w / 2, .y = c.y + 2,
                          .button = APP_BUTTON_RIGHT});
    send(app, (app_event){.type = APP_EV_MOUSE_MOVE, .x = c.x + c.w / 2, .y = c.y + c.h - 2});
    send(app, (app_event){.type = APP_EV_MOUSE_UP, .x = c.x + c.w / 2, .y = c.y + c.h - 2,
                          .button = APP_BUTTON_RIGHT});
    assert_false(draw_app_prediction(app, 0, NULL, NULL, NULL));
    draw_app_destroy(app);
}

static void test_app_hover_zoom_pan(void **state) {
    fixture *f = *state;
    draw_app *app = make_app(f, NULL);
    assert_int_equal(draw_app_view(app), DRAW_VIEW_WEIGHTS);
    assert_int_equal(draw_app_layer(app), 0);
    key(app, ']', 0);
    assert_int_equal(draw_app_layer(app), 1); /* 64x64: whole pixels per cell */
    nn_mlp net;
    test_make_net(&net, DYAD_SPEC, DYAD_SEED);
    const nn_layer *l = &net.layers[1];
    float *w = malloc(sizeof(float) * 64 * 64);
    assert_non_null(w);
    nn_layer_dense_weight(l, w);

    gfx_rect r = draw_app_rect(app, DRAW_RECT_HEAT_A);
    assert_true(r.w >= 64 && r.h >= 64);
    const heat_view *v = draw_app_heat_view(app);
    float fit = v->zoom; /* the maps fill their area: rows may have their own zoom */
    float fit_rows = v->row_zoom > 0.0f ? v->row_zoom : v->zoom;
    assert_true(fit >= 1.0f);
    assert_true(fit * 64 <= r.w + 0.01f && fit_rows * 64 <= r.h + 0.01f);
    assert_true(fit * 64 > r.w - 1.0f || fit_rows * 64 > r.h - 1.0f); /* no room wasted */
    int x = r.x + r.w / 2 + 3, y = r.y + r.h / 3 + 1;
    send(app, (app_event){.type = APP_EV_MOUSE_MOVE, .x = x, .y = y});
    int slot, row, col, part;
    float value;
    assert_true(draw_app_hover(app, &slot, &row, &col, &value, &part));
    assert_int_equal(slot, 0);
    assert_int_equal(row, (int)((y - r.y + 0.5f) / fit_rows));
    assert_int_equal(col, (int)((x - r.x + 0.5f) / fit));
    assert_true(value == w[row * 64 + col]);
    assert_int_equal(part, nn_layer_weight_part(l, row, col));

    /* wheel zooms at the cursor: the weight under it stays put */
    send(app, (app_event){.type = APP_EV_WHEEL, .x = x, .y = y, .wheel = 3});
    assert_true(v->zoom > fit * 1.9f);
    int row2, col2;
    assert_true(draw_app_hover(app, NULL, &row2, &col2, NULL, NULL));
    assert_int_equal(row2, row);
    assert_int_equal(col2, col);
    /* the dense map shares the view */
    gfx_rect rb = draw_app_rect(app, DRAW_RECT_HEAT_B);
    send(app, (app_event){.type = APP_EV_MOUSE_MOVE, .x = rb.x + (x - r.x), .y = rb.y + (y - r.y)});
    assert_true(draw_app_hover(app, &slot, &row2, &col2, NULL, &part));
    assert_int_equal(slot, 1);
    assert_int_equal(row2, row);
    assert_int_equal(col2, col);
    assert_int_equal(part, 1);

    /* left-drag pans by the pointer's movement */
    float zoom = v->zoom, oc = v->origin_col;
    send(app, (app_event){.type = APP_EV_MOUSE_DOWN, .x = x, .y = y, .button = APP_BUTTON_LEFT});
    send(app, (app_event){.type = APP_EV_MOUSE_MOVE, .x = x - 20, .y = y});
    send(app, (app_event){.type = APP_EV_MOUSE_UP, .x = x - 20, .y = y, .button = APP_BUTTON_LEFT});
    assert_true(fabsf(v->origin_col - (oc + 20 / zoom)) < 1e-3f);
    assert_true(draw_app_prediction(app, 0, NULL, NULL, NULL) == 0); /* no ink from dragging */
    key(app, '+', 0);
    key(app, '+', 0);
    assert_true(v->zoom > zoom * 2.0f);
    float before = v->origin_row; /* now more rows than fit: down pans */
    key(app, APP_KEY_DOWN, 0);
    assert_true(v->origin_row > before);
    key(app, '0', 0);
    assert_true(v->zoom == fit);
    assert_true(v->origin_row == 0.0f && v->origin_col == 0.0f);

    /* parts: BLOCK DIAG only leaves the BLOCK TRANS-only entries as zeros */
    key(app, 'd', 0);
    assert_int_equal(draw_app_heat_parts(app), 1);
    send(app, (app_event){.type = APP_EV_MOUSE_MOVE, .x = x, .y = y});
    assert_true(draw_app_hover(app, NULL, &row, &col, NULL, &part));
    assert_int_equal(part, nn_layer_weight_part(l, row, col) & 1);
    key(app, 'b', 0);
    assert_int_equal(draw_app_heat_parts(app), 3);
    key(app, ']', 0);
    key(app, ']', 0); /* clamped to the last layer */
    assert_int_equal(draw_app_layer(app), 2);
    key(app, '[', 0);
    assert_int_equal(draw_app_layer(app), 1);
    assert_non_null(draw_app_render(app));
    key(app, 'p', 0);
    key(app, 'a', 0);
    assert_non_null(draw_app_render(app));

    /* leaving the window ends the hover */
    send(app, (app_event){.type = APP_EV_MOUSE_LEAVE});
    assert_false(draw_app_hover(app, NULL, NULL, NULL, NULL, NULL));
    free(w);
    nn_mlp_free(&net);
    draw_app_destroy(app);
}

static void test_app_views_help_quit(void **state) {
    fixture *f = *state;
    draw_app *app = make_app(f, NULL);
    key(app, 'r', 0);
    assert_int_equal(draw_app_view(app), DRAW_VIEW_RECEPTIVE);
    assert_non_null(draw_app_render(app));
    key(app, ']', 0); /* next page of units: 64 units only, so it stays */
    assert_int_equal(draw_app_layer(app), 0);
    key(app, '3', 0);
    assert_int_equal(draw_app_view(app), DRAW_VIEW_TEACH);
    int width, ndyad, kind;
    draw_app_teach_state(app, &width, &ndyad, &kind);
    assert_int_equal(width, 16);
    assert_int_equal(ndyad, 4);
    key(app, APP_KEY_UP, 0);
    key(app, APP_KEY_RIGHT, 0);
    key(app, 'v', 0);
    draw_app_teach_state(app, &width, &ndyad, &kind);
    assert_int_equal(width, 20);
    assert_int_equal(ndyad, 5);
    assert_int_equal(kind, NN_LAYER_DYAD_OT);
    for (int i = 0; i < 20; i++) key(app, '+', 0);
    draw_app_teach_state(app, &width, &ndyad, NULL);
    assert_int_equal(width, 64);
    assert_int_equal(64 % ndyad, 0);
    assert_non_null(draw_app_render(app));
    key(app, '4', 0); /* no data: the view says so */
    assert_int_equal(draw_app_view(app), DRAW_VIEW_SAMPLES);
    assert_int_equal(draw_app_sample(app, NULL), -1);
    assert_non_null(draw_app_render(app));
    key(app, APP_KEY_TAB, 0);
    assert_int_equal(draw_app_view(app), DRAW_VIEW_WHY);
    assert_non_null(draw_app_render(app));
    key(app, APP_KEY_TAB, 0);
    assert_int_equal(draw_app_view(app), DRAW_VIEW_TRAIN);
    assert_non_null(draw_app_render(app));
    key(app, APP_KEY_TAB, 0);
    assert_int_equal(draw_app_view(app), DRAW_VIEW_WEIGHTS);

    key(app, APP_KEY_F1, 0);
    assert_true(draw_app_help_shown(app));
    assert_non_null(draw_app_render(app));
    key(app, APP_KEY_ESCAPE, 0);
    assert_false(draw_app_help_shown(app));
    assert_false(draw_app_quit_requested(app));
    key(app, '/', APP_MOD_SHIFT); /* '?' on a US keyboard */
    assert_true(draw_app_help_shown(app));
    key(app, '?', 0);
    assert_false(draw_app_help_shown(app));
    /* Esc never quits (a drawing would be lost): it says how to */
    key(app, APP_KEY_ESCAPE, 0);
    assert_false(draw_app_quit_requested(app));
    assert_non_null(strstr(draw_app_message(app, NULL), "Ctrl+Q"));
    key(app, 'q', APP_MOD_CTRL);
    assert_true(draw_app_quit_requested(app));

    /* clicking a view tab in the header */
    draw_app_destroy(app);
    app = make_app(f, NULL);
    const gfx_image *img = draw_app_render(app);
    int clicked = 0;
    for (int x = 0; x < img->w && !clicked; x += 4) {
        send(app, (app_event){.type = APP_EV_MOUSE_DOWN, .x = x, .y = 20, .button = APP_BUTTON_LEFT});
        send(app, (app_event){.type = APP_EV_MOUSE_UP, .x = x, .y = 20, .button = APP_BUTTON_LEFT});
        clicked = draw_app_view(app) == DRAW_VIEW_RECEPTIVE;
    }
    assert_true(clicked);
    draw_app_destroy(app);
}

static void test_app_drop_and_resize(void **state) {
    fixture *f = *state;
    draw_app *app = make_app(f, NULL);
    char bad[4300], good[4300];
    snprintf(bad, sizeof bad, "%s/not-an-image.png", f->dir);
    write_text(bad, "this is not a PNG");
    send(app, (app_event){.type = APP_EV_DROP, .path = bad});
    int is_error;
    const char *msg = draw_app_message(app, &is_error);
    assert_true(is_error);
    assert_non_null(strstr(msg, "not-an-image.png"));
    assert_false(draw_app_prediction(app, 0, NULL, NULL, NULL));
    assert_non_null(draw_app_render(app));
    /* messages time out */
    assert_true(draw_app_timeout_ms(app) > 0);
    /* its time runs from the first clock update after it was set (the
     * window may have idled long before the event came) */
    draw_app_set_time(app, 60000);
    assert_string_not_equal(draw_app_message(app, NULL), "");
    draw_app_set_time(app, 60000 + 9001);
    assert_string_equal(draw_app_message(app, NULL), "");
    assert_int_equal(draw_app_timeout_ms(app), -1);

    /* a white bar on black, as a PNG */
    gfx_image img;
    nn_error err;
    assert_int_equal(gfx_image_create(&img, 60, 80, &err), NN_OK);
    gfx_fill(&img, GFX_RGB(0, 0, 0));
    gfx_fill_rect(&img, (gfx_rect){25, 10, 9, 60}, GFX_RGB(255, 255, 255));
    snprintf(good, sizeof good, "%s/bar.png", f->dir);
    assert_int_equal(gfx_save_png(&img, good, &err), NN_OK);
    gfx_image_free(&img);
    send(app, (app_event){.type = APP_EV_DROP, .path = good});
    draw_app_message(app, &is_error);
    assert_false(is_error);
    assert_true(draw_app_prediction(app, 0, NULL, NULL, NULL));
    uint8_t input[784];
    assert_true(draw_app_input(app, input));
    assert_true(input[14 * 28 + 14] > 128); /* the bar, centred */
    assert_true(input[14 * 28 + 3] < 16);

    /* S writes a screenshot into the screenshot directory */
    key(app, 's', 0);
    draw_app_render(app); /* the frame is saved once rendered */
    msg = draw_app_message(app, &is_error);
    assert_false(is_error);
    const char *path = strstr(msg, f->dir);
    assert_non_null(path);
    int w = 0, h = 0;
    assert_true(png_size(path, &w, &h));
    assert_int_equal(w, 1100);

    /* any size renders, the layout follows */
    static const int sizes[][2] = {{320, 240}, {640, 480}, {600, 900}, {1920, 1080}};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        assert_int_equal(draw_app_resize(app, sizes[i][0], sizes[i][1], 1.0f, &err), NN_OK);
        const gfx_image *frame = draw_app_render(app);
        assert_int_equal(frame->w, sizes[i][0]);
        assert_int_equal(frame->h, sizes[i][1]);
        gfx_rect c = draw_app_rect(app, DRAW_RECT_CANVAS);
        assert_true(c.x >= 0 && c.y >= 0 && c.x + c.w <= frame->w && c.y + c.h <= frame->h);
    }
    /* HiDPI: twice the pixels, twice the scale */
    assert_int_equal(draw_app_resize(app, 2560, 1600, 2.0f, &err), NN_OK);
    gfx_rect c = draw_app_rect(app, DRAW_RECT_CANVAS);
    assert_true(c.w > 500);
    assert_non_null(draw_app_render(app));
    draw_app_destroy(app);
}

/* The sample browser on a five-image test set whose labels disagree with
 * the DYAD model on images 1 and 3 only. */
static void test_app_samples(void **state) {
    fixture *f = *state;
    nn_mlp net;
    test_make_net(&net, DYAD_SPEC, DYAD_SEED);
    nn_error err;
    assert_int_equal(nn_mlp_reserve(&net, 1, &err), NN_OK);
    enum { N = 5 };
    uint8_t pixels[N * 784], labels[N];
    for (int i = 0; i < N; i++) {
        for (int p = 0; p < 784; p++) pixels[i * 784 + p] = (uint8_t)((p * (i + 3) * 37) % 251);
        float x[784], probs[10];
        for (int p = 0; p < 784; p++) x[p] = pixels[i * 784 + p] / 255.0f;
        nn_mlp_predict(&net, x, probs);
        int best = 0;
        for (int c = 1; c < 10; c++)
            if (probs[c] > probs[best]) best = c;
        labels[i] = (uint8_t)(i == 1 || i == 3 ? (best + 1) % 10 : best);
    }
    nn_mlp_free(&net);
    char path[4300];
    nn_idx_images images = {N, 28, 28, pixels};
    nn_idx_labels lab = {N, labels};
    snprintf(path, sizeof path, "%s/t10k-images-idx3-ubyte", f->dir);
    assert_int_equal(nn_idx_save_images(path, &images, &err), NN_OK);
    snprintf(path, sizeof path, "%s/t10k-labels-idx1-ubyte", f->dir);
    assert_int_equal(nn_idx_save_labels(path, &lab, &err), NN_OK);

    draw_app *app = make_app(f, f->dir);
    key(app, '4', 0);
    int miss;
    assert_int_equal(draw_app_sample(app, &miss), 0);
    assert_int_equal(miss, 0);
    uint8_t input[784];
    assert_true(draw_app_input(app, input));
    assert_memory_equal(input, pixels, 784); /* the exact test image goes in */
    key(app, 'n', 0);
    assert_int_equal(draw_app_sample(app, NULL), 1);
    key(app, APP_KEY_RIGHT, 0);
    assert_int_equal(draw_app_sample(app, NULL), 2);
    key(app, 'n', APP_MOD_SHIFT);
    key(app, APP_KEY_LEFT, 0);
    key(app, APP_KEY_LEFT, 0); /* wraps around */
    assert_int_equal(draw_app_sample(app, NULL), 4);
    key(app, 'm', 0);
    assert_int_equal(draw_app_sample(app, &miss), 1);
    assert_int_equal(miss, 1);
    key(app, 'n', 0);
    assert_int_equal(draw_app_sample(app, NULL), 3);
    key(app, 'n', 0);
    assert_int_equal(draw_app_sample(app, NULL), 1);
    int digit;
    assert_true(draw_app_prediction(app, 0, &digit, NULL, NULL));
    assert_int_not_equal(digit, labels[1]);
    assert_non_null(draw_app_render(app));
    key(app, 'm', 0);
    assert_int_equal(draw_app_sample(app, &miss), 1);
    assert_int_equal(miss, 0);
    draw_app_destroy(app);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_script_mode_predicts_and_writes_png),
        cmocka_unit_test(test_script_print_timing),
        cmocka_unit_test(test_script_in_dummy_window),
        cmocka_unit_test(test_bad_script_line_exits_2),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_script_parse),
        cmocka_unit_test(test_key_names),
        cmocka_unit_test(test_app_predictions),
        cmocka_unit_test(test_app_hover_zoom_pan),
        cmocka_unit_test(test_app_views_help_quit),
        cmocka_unit_test(test_app_drop_and_resize),
        cmocka_unit_test(test_app_samples),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
