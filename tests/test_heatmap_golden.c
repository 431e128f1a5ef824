/* Golden pictures: heatmaps (signed, abs, one part, permuted, zoomed and
 * panned), legends, the teaching view and a receptive-field grid of a tiny
 * model with closed-form weights, compared with tests/golden/NAME.png (max
 * channel difference 2, for font rasterisation differences). On a mismatch
 * the actual picture and a difference map go to tests/out/; with
 * UPDATE_GOLDEN=1 the goldens are rewritten instead. Then `dyad heatmap`
 * end to end on a saved checkpoint, including bad arguments. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <stb_image.h>

#include "../app/render/gfx.h"
#include "../app/window/draw_app.h"
#include "../app/window/draw_state.h"
#include "../app/render/heatmap.h"
#include "../app/render/receptive.h"
#include "../app/render/teach.h"
#include "../nn/checkpoint.h"
#include "../nn/mlp.h"
#include "support.h"

#define MAX_CHANNEL_DIFF 2

typedef struct {
    nn_mlp net;
    gfx_font *font;
} fixture;

/* 16 inputs (a 4x4 "image"), one layer of every kind. */
static const nn_layer_spec tiny_specs[] = {
    {NN_LAYER_DYAD_IT, 2, 16, 0}, {NN_LAYER_DYAD_OT, 4, 8, 0}, {NN_LAYER_DYAD_DT, 2, 8, 0}, {NN_LAYER_DENSE, 1, 4, 0}};

static int setup(void **state) {
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    nn_error err;
    if (nn_mlp_create(&f->net, 16, tiny_specs, 4, 0, &err) != NN_OK) fail_msg("%s", err.msg);
    /* closed form, no RNG and no libm: the same bits everywhere, in [-1, 1] */
    for (size_t e = 0; e < f->net.nparams; e++)
        f->net.params[e] = (float)((int)((e * 37 + 11) % 29) - 14) / 14.0f;
    if (gfx_font_load(&f->font, NULL, &err) != NN_OK) fail_msg("%s", err.msg);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    nn_mlp_free(&f->net);
    gfx_font_free(f->font);
    free(f);
    return 0;
}

static const char *golden_dir(void) {
    const char *dir = getenv("GOLDEN_DIR");
    return dir && *dir ? dir : "tests/golden";
}

static void make_dir(const char *path) {
    if (mkdir(path, 0755) != 0 && errno != EEXIST) fail_msg("cannot create %s", path);
}

/* Compares img with golden_dir()/name.png, or rewrites it under UPDATE_GOLDEN=1. */
static void check_golden(const gfx_image *img, const char *name) {
    char path[1024];
    nn_error err;
    snprintf(path, sizeof path, "%s/%s.png", golden_dir(), name);
    const char *update = getenv("UPDATE_GOLDEN");
    if (update && !strcmp(update, "1")) {
        make_dir(golden_dir());
        if (gfx_save_png(img, path, &err) != NN_OK) fail_msg("%s", err.msg);
        fprintf(stderr, "updated %s\n", path);
        return;
    }
    int w, h, channels;
    unsigned char *want = stbi_load(path, &w, &h, &channels, 3);
    if (!want) fail_msg("%s: missing or unreadable golden (run with UPDATE_GOLDEN=1 from the "
                        "repository root to create it)", path);
    int size_ok = w == img->w && h == img->h;
    long bad = 0;
    int worst = 0;
    gfx_image diff = {0, 0, NULL};
    if (size_ok) {
        assert_int_equal(gfx_image_create(&diff, w, h, NULL), NN_OK);
        for (int i = 0; i < w * h; i++) {
            uint32_t p = img->px[i];
            int d = 0;
            for (int c = 0; c < 3; c++) {
                int got = (int)(p >> (16 - 8 * c)) & 0xFF, dc = abs(got - want[3 * i + c]);
                if (dc > d) d = dc;
            }
            if (d > worst) worst = d;
            if (d > MAX_CHANNEL_DIFF) {
                bad++;
                diff.px[i] = GFX_RGB(0xFF, 0x00, 0x00);
            } else {
                /* the golden, faded, so the red differences stand out */
                unsigned grey = (want[3 * i] + want[3 * i + 1] + want[3 * i + 2]) / 3;
                grey = 192 + grey / 4;
                diff.px[i] = GFX_RGB(grey, grey, grey);
            }
        }
    }
    stbi_image_free(want);
    if (size_ok && bad == 0) {
        gfx_image_free(&diff);
        return;
    }
    make_dir("tests/out");
    char out[1024];
    snprintf(out, sizeof out, "tests/out/%s.actual.png", name);
    if (gfx_save_png(img, out, &err) != NN_OK) fprintf(stderr, "%s\n", err.msg);
    if (size_ok) {
        snprintf(out, sizeof out, "tests/out/%s.diff.png", name);
        if (gfx_save_png(&diff, out, &err) != NN_OK) fprintf(stderr, "%s\n", err.msg);
        gfx_image_free(&diff);
        fail_msg("%s: %ld pixels differ by more than %d (worst %d); see tests/out/%s.*.png",
                 path, bad, MAX_CHANNEL_DIFF, worst, name);
    }
    fail_msg("%s: golden is %dx%d, picture %dx%d; see tests/out/%s.actual.png", path, w, h,
             img->w, img->h, name);
}

static void new_image(gfx_image *img, int w, int h) {
    assert_int_equal(gfx_image_create(img, w, h, NULL), NN_OK);
    gfx_fill(img, GFX_RGB(0xFF, 0xFF, 0xFF));
}

/* One layer's heatmap, fitted, with its legend below: what the window and
 * `dyad heatmap` put together. */
static void render_heat(fixture *f, int layer_index, int parts, int permuted, heat_scale scale,
                        const char *name) {
    gfx_image img;
    new_image(&img, 280, 236);
    heat_matrix m;
    nn_error err;
    if (heat_matrix_build(&m, &f->net.layers[layer_index], parts, permuted, &err) != NN_OK)
        fail_msg("%s", err.msg);
    gfx_rect r = {30, 24, 240, 162};
    heat_view v = {scale, parts, permuted, 0, 0, 0, 0, 0};
    heat_view_fit(&v, &m, r);
    heat_draw(&img, r, &m, &v);
    heat_draw_axes(&img, r, f->font, &m, &v, 10);
    heat_draw_legend(&img, (gfx_rect){10, 196, 260, 34}, f->font, scale, m.max_abs);
    heat_matrix_free(&m);
    check_golden(&img, name);
    gfx_image_free(&img);
}

static void test_heat_signed(void **state) {
    render_heat(*state, 0, HEAT_PART_BOTH, 0, HEAT_SIGNED, "heat_it_signed");
}
static void test_heat_abs(void **state) {
    render_heat(*state, 0, HEAT_PART_BOTH, 0, HEAT_ABS, "heat_it_abs");
}
static void test_heat_diag_only(void **state) {
    render_heat(*state, 1, HEAT_PART_DIAG, 0, HEAT_SIGNED, "heat_ot_diag");
}
static void test_heat_permuted(void **state) {
    render_heat(*state, 0, HEAT_PART_BOTH, 1, HEAT_SIGNED, "heat_it_permuted");
}
static void test_heat_trans_abs(void **state) {
    render_heat(*state, 2, HEAT_PART_TRANS, 0, HEAT_ABS, "heat_dt_trans_abs");
}
static void test_heat_dense(void **state) {
    render_heat(*state, 3, HEAT_PART_BOTH, 0, HEAT_SIGNED, "heat_dense");
}

/* Zoomed out below one pixel per cell, zoomed in and panned with stretched
 * rows, and a vertical legend, side by side. */
static void test_heat_views(void **state) {
    fixture *f = *state;
    gfx_image img;
    new_image(&img, 300, 200);
    heat_matrix m;
    assert_int_equal(heat_matrix_build(&m, &f->net.layers[0], HEAT_PART_BOTH, 0, NULL), NN_OK);
    gfx_rect small = {10, 24, 12, 12}, big = {40, 24, 150, 150};
    heat_view v = {HEAT_SIGNED, HEAT_PART_BOTH, 0, 0, 0, 0, 0, 0};
    heat_view_fit(&v, &m, small); /* 16 cells in 12 px: max-|w| pooling */
    heat_draw(&img, small, &m, &v);
    heat_view z = {HEAT_ABS, HEAT_PART_BOTH, 0, 20.0f, 3.5f, 2.25f, 0.5f, 36.0f};
    heat_draw(&img, big, &m, &z);
    heat_draw_axes(&img, big, f->font, &m, &z, 10);
    gfx_rect_outline(&img, (gfx_rect){big.x - 1, big.y - 1, big.w + 2, big.h + 2},
                     GFX_RGB(0x40, 0x40, 0x40));
    heat_draw_legend(&img, (gfx_rect){200, 10, 90, 180}, f->font, HEAT_ABS, 0.5f);
    heat_matrix_free(&m);
    check_golden(&img, "heat_views");
    gfx_image_free(&img);
}

static void test_teach_golden(void **state) {
    fixture *f = *state;
    gfx_image img;
    new_image(&img, 900, 400);
    teach_config c = {8, 2, NN_LAYER_DYAD_IT, 0};
    nn_error err;
    if (teach_draw(&img, (gfx_rect){0, 0, 900, 400}, f->font, &c, &err) != NN_OK)
        fail_msg("%s", err.msg);
    check_golden(&img, "teach_it_8_2");
    gfx_image_free(&img);
}

static void test_receptive_golden(void **state) {
    fixture *f = *state;
    gfx_image img;
    new_image(&img, 240, 200);
    receptive_draw(&img, (gfx_rect){8, 8, 224, 184}, &f->net.layers[0], 4, 0, 16, HEAT_SIGNED,
                   HEAT_PART_BOTH);
    check_golden(&img, "receptive_it");
    gfx_image_free(&img);
}

/* ---- dyad heatmap, end to end ---- */

static int png_size(const char *path, int *w, int *h) {
    int channels;
    return stbi_info(path, w, h, &channels);
}

static int run_dyad(const char *args, char *out, size_t size) {
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "'%s' heatmap %s", test_dyad_bin(), args);
    return test_run(cmd, out, size);
}

/* Copies pattern into buf with {m} replaced by model and {o} by png. */
static void expand(char *buf, size_t size, const char *pattern, const char *model,
                   const char *png) {
    size_t used = 0;
    for (const char *p = pattern; *p && used + 1 < size;) {
        const char *sub = !strncmp(p, "{m}", 3) ? model : !strncmp(p, "{o}", 3) ? png : NULL;
        if (sub) {
            used += (size_t)snprintf(buf + used, size - used, "%s", sub);
            p += 3;
        } else {
            buf[used++] = *p++;
        }
    }
    buf[used < size ? used : size - 1] = 0;
}

static void test_cli(void **state) {
    fixture *f = *state;
    char *dir = test_tmpdir();
    char model[1024], png[1024], args[4096], out[4096];
    nn_error err;
    snprintf(model, sizeof model, "%s/tiny.safetensors", dir);
    if (nn_checkpoint_save(model, &f->net, NULL, &err) != NN_OK) fail_msg("%s", err.msg);
    snprintf(png, sizeof png, "%s/layer.png", dir);
    int w, h;

    snprintf(args, sizeof args, "'%s' --layer 0 --out '%s' --size 400x300", model, png);
    assert_int_equal(run_dyad(args, out, sizeof out), 0);
    assert_true(png_size(png, &w, &h));
    assert_int_equal(w, 400);
    assert_int_equal(h, 300);

    snprintf(args, sizeof args,
             "'%s' --layer 2 --scale abs --parts trans --permuted --out '%s' --size 640x480",
             model, png);
    assert_int_equal(run_dyad(args, out, sizeof out), 0);
    assert_true(png_size(png, &w, &h));
    assert_int_equal(w, 640);
    assert_int_equal(h, 480);

    /* dense 8 -> 4, default size: fitted to the matrix, at least 820 wide */
    snprintf(args, sizeof args, "'%s' --layer 3 --range max --out '%s'", model, png);
    assert_int_equal(run_dyad(args, out, sizeof out), 0);
    assert_true(png_size(png, &w, &h));
    assert_int_equal(w, 820);
    assert_true(h > 200 && h < 900);

    snprintf(args, sizeof args, "'%s' --receptive --units 8 --out '%s' --size 500x400", model,
             png);
    assert_int_equal(run_dyad(args, out, sizeof out), 0);
    assert_true(png_size(png, &w, &h));
    assert_int_equal(w, 500);

    snprintf(args, sizeof args, "--teach --width 8 --ndyad 2 --kind dyad-it --out '%s'", png);
    assert_int_equal(run_dyad(args, out, sizeof out), 0);
    assert_true(png_size(png, &w, &h));
    assert_int_equal(w, 1500);
    assert_int_equal(h, 620);

    assert_int_equal(run_dyad("--help", out, sizeof out), 0);
    assert_non_null(strstr(out, "--permuted"));

    /* bad arguments: exit != 0, a message naming the problem, no picture */
    snprintf(png, sizeof png, "%s/never.png", dir);
    static const struct {
        const char *args; /* {m}: the model, {o}: the picture */
        const char *message;
    } bad[] = {
        {"'{m}' --layer 4 --out '{o}'", "out of range"},
        {"'{m}' --layer -1 --out '{o}'", "--layer"},
        {"'{m}' --out '{o}'", "--layer"},
        {"'{m}' --layer 0", "--out"},
        {"'{m}' --layer 0 --scale log --out '{o}'", "--scale"},
        {"'{m}' --layer 0 --parts upper --out '{o}'", "--parts"},
        {"'{m}' --layer 0 --size 10x10 --out '{o}'", "--size"},
        {"'{m}' --layer 0 --size big --out '{o}'", "--size"},
        {"'{m}' --layer 0 --range -2 --out '{o}'", "--range"},
        {"'{m}' --layer 0 --bogus --out '{o}'", "--bogus"},
        {"'{m}' --receptive --first 99 --out '{o}'", "--first"},
        {"'{m}.missing' --layer 0 --out '{o}'", "missing"},
        {"--layer 0 --out '{o}'", "MODEL"},
        {"--teach --width 8 --ndyad 3 --out '{o}'", "divide"},
        {"--teach --width 100 --out '{o}'", "--width"},
        {"--teach --kind dense --out '{o}'", "--kind"},
        {"'{m}' --teach --out '{o}'", "--teach"},
        {"'{m}' --layer 0 --width 8 --out '{o}'", "--teach"},
    };
    for (size_t b = 0; b < sizeof bad / sizeof *bad; b++) {
        expand(args, sizeof args, bad[b].args, model, png);
        int rc = run_dyad(args, out, sizeof out);
        if (rc == 0 || !strstr(out, bad[b].message))
            fail_msg("dyad heatmap %s: exit %d, output '%s' (wanted an error with '%s')", args, rc,
                     out, bad[b].message);
        struct stat st;
        assert_int_not_equal(stat(png, &st), 0);
    }
    /* an output directory that does not exist */
    snprintf(args, sizeof args, "'%s' --layer 0 --out '%s/no/dir/x.png'", model, dir);
    assert_int_not_equal(run_dyad(args, out, sizeof out), 0);
    assert_non_null(strstr(out, "no/dir/x.png"));
    test_tmpdir_remove(dir);
}

/* ---- the window's new views (issue 7): cropped to what holds no timing ---- */

static void crop_golden(const gfx_image *frame, gfx_rect r, const char *name) {
    gfx_image img;
    assert_int_equal(gfx_image_create(&img, r.w, r.h, NULL), NN_OK);
    for (int y = 0; y < r.h; y++)
        memcpy(img.px + (size_t)y * r.w, frame->px + (size_t)(r.y + y) * frame->w + r.x,
               sizeof(uint32_t) * (size_t)r.w);
    check_golden(&img, name);
    gfx_image_free(&img);
}

static void save_window_net(const char *path, const char *spec, uint64_t seed) {
    nn_layer_spec specs[4];
    nn_error err;
    int n = nn_mlp_parse_layers(spec, specs, 4, &err);
    assert_true(n > 0);
    nn_mlp net;
    assert_int_equal(nn_mlp_create(&net, 784, specs, n, 0, &err), NN_OK);
    nn_mlp_init(&net, seed);
    nn_train_record rec;
    nn_train_record_clear(&rec);
    assert_int_equal(nn_checkpoint_save(path, &net, &rec, &err), NN_OK);
    nn_mlp_free(&net);
}

static void window_key(draw_app *app, int key) {
    app_event ev = {.type = APP_EV_KEY, .key = key};
    draw_app_handle(app, &ev);
}

static void test_window_goldens(void **state) {
    (void)state;
    char *dir = test_tmpdir();
    char dyad[4200], dense[4200];
    snprintf(dyad, sizeof dyad, "%s/dyad.safetensors", dir);
    snprintf(dense, sizeof dense, "%s/dense.safetensors", dir);
    save_window_net(dyad, "dyad-it/4:64,dyad-it/4:64,dense:10", 31);
    save_window_net(dense, "dense:64,dense:64,dense:10", 32);
    draw_app_options o = {0};
    o.model_path[0] = dyad;
    o.model_path[1] = dense;
    o.strict = 1;
    o.width = 1280;
    o.height = 800;
    draw_app *app;
    nn_error err;
    assert_int_equal(draw_app_create(&app, &o, &err), NN_OK);
    draw_app_set_time(app, 0);
    assert_int_equal(draw_app_stroke_begin(app, 0.35f, 0.2f, 0, &err), NN_OK);
    draw_app_stroke_to(app, 0.65f, 0.25f);
    draw_app_stroke_to(app, 0.45f, 0.55f);
    draw_app_stroke_to(app, 0.6f, 0.8f);
    draw_app_stroke_end(app);
    /* Weights, layer 2, BLOCK DIAG only (BLOCK TRANS hidden), a weight hovered */
    window_key(app, ']');
    window_key(app, 'd');
    gfx_rect heat = draw_app_rect(app, DRAW_RECT_HEAT_A);
    app_event move = {.type = APP_EV_MOUSE_MOVE, .x = heat.x + heat.w / 3, .y = heat.y + heat.h / 4};
    draw_app_handle(app, &move);
    const gfx_image *frame = draw_app_render(app);
    crop_golden(frame, draw_app_rect(app, DRAW_RECT_RIGHT), "window_weights_diag");
    /* the activation strips under the DYAD prediction */
    gfx_rect first = app->lay.act_label[0][0];
    gfx_rect P = app->lay.pred[0];
    assert_true(first.h > 0 && first.y > P.y); /* shown at this size */
    crop_golden(frame, (gfx_rect){P.x, first.y, P.w, P.y + P.h - first.y}, "window_activations");
    /* Why */
    app_event leave = {.type = APP_EV_MOUSE_LEAVE};
    draw_app_handle(app, &leave);
    window_key(app, '5');
    frame = draw_app_render(app);
    crop_golden(frame, draw_app_rect(app, DRAW_RECT_RIGHT), "window_why");
    /* Teaching, step-through at row 2 */
    window_key(app, '3');
    window_key(app, '.');
    window_key(app, '.');
    window_key(app, '.');
    frame = draw_app_render(app);
    crop_golden(frame, draw_app_rect(app, DRAW_RECT_RIGHT), "window_teach_step");
    draw_app_destroy(app);
    test_tmpdir_remove(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_heat_signed),     cmocka_unit_test(test_heat_abs),
        cmocka_unit_test(test_heat_diag_only),  cmocka_unit_test(test_heat_permuted),
        cmocka_unit_test(test_heat_trans_abs),  cmocka_unit_test(test_heat_dense),
        cmocka_unit_test(test_heat_views),      cmocka_unit_test(test_teach_golden),
        cmocka_unit_test(test_receptive_golden), cmocka_unit_test(test_cli),
        cmocka_unit_test(test_window_goldens),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
