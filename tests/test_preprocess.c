/* MNIST-style preprocessing, image loading and `dyad predict`. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <stb_image_write.h>

#include "../app/render/image_load.h"
#include "../nn/checkpoint.h"
#include "../nn/idx.h"
#include "../nn/mlp.h"
#include "../nn/preprocess.h"

/* ---- helpers ---------------------------------------------------------- */

static const char *fixture_dir(void) {
    const char *dir = getenv("DYAD_FIXTURES");
    return dir && *dir ? dir : "tests/fixtures";
}

static void fixture_path(char *buf, size_t size, const char *name) {
    snprintf(buf, size, "%s/%s", fixture_dir(), name);
}

typedef struct {
    int x0, y0, x1, y1; /* inclusive; x1 < 0 when empty */
    double cx, cy;      /* centre of mass in pixel indices */
    int peak;
} digit_stats;

/* Bounding box of pixels above threshold and the centre of mass. */
static digit_stats stats_of(const uint8_t *d, int threshold) {
    digit_stats s = {NN_DIGIT_SIDE, NN_DIGIT_SIDE, -1, -1, 0, 0, 0};
    double mass = 0;
    for (int y = 0; y < NN_DIGIT_SIDE; y++)
        for (int x = 0; x < NN_DIGIT_SIDE; x++) {
            int v = d[y * NN_DIGIT_SIDE + x];
            mass += v;
            s.cx += (double)v * x;
            s.cy += (double)v * y;
            if (v > s.peak) s.peak = v;
            if (v > threshold) {
                if (x < s.x0) s.x0 = x;
                if (x > s.x1) s.x1 = x;
                if (y < s.y0) s.y0 = y;
                if (y > s.y1) s.y1 = y;
            }
        }
    if (mass > 0) s.cx /= mass, s.cy /= mass;
    return s;
}

static double correlation(const uint8_t *a, const uint8_t *b, int n) {
    double ma = 0, mb = 0;
    for (int i = 0; i < n; i++) ma += a[i], mb += b[i];
    ma /= n;
    mb /= n;
    double sab = 0, saa = 0, sbb = 0;
    for (int i = 0; i < n; i++) {
        double da = a[i] - ma, db = b[i] - mb;
        sab += da * db;
        saa += da * da;
        sbb += db * db;
    }
    return saa > 0 && sbb > 0 ? sab / sqrt(saa * sbb) : 0.0;
}

static uint8_t *canvas(int w, int h, uint8_t fill) {
    uint8_t *img = malloc((size_t)w * h);
    assert_non_null(img);
    memset(img, fill, (size_t)w * h);
    return img;
}

static void fill_rect(uint8_t *img, int w, int x0, int y0, int rw, int rh, uint8_t v) {
    for (int y = y0; y < y0 + rh; y++)
        for (int x = x0; x < x0 + rw; x++) img[(size_t)y * w + x] = v;
}

/* Anti-aliased-ish disk: full inside r, linear falloff over one pixel. */
static void fill_disk(uint8_t *img, int w, int h, double cx, double cy, double r, uint8_t ink,
                      uint8_t paper) {
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double d = hypot(x + 0.5 - cx, y + 0.5 - cy);
            double cover = r + 0.5 - d;
            if (cover <= 0) continue;
            if (cover > 1) cover = 1;
            img[(size_t)y * w + x] = (uint8_t)lround(paper + (ink - paper) * cover);
        }
}

static void assert_centred(const uint8_t *digit, const char *what) {
    digit_stats s = stats_of(digit, 0);
    if (fabs(s.cx - 14.0) > 0.6 || fabs(s.cy - 14.0) > 0.6)
        fail_msg("%s: centre of mass (%.2f, %.2f), want (14, 14) +- 0.6", what, s.cx, s.cy);
}

/* ---- preprocessing of synthetic images -------------------------------- */

static void test_rect_on_white_is_inverted_and_fitted(void **state) {
    (void)state;
    int w = 200, h = 120;
    uint8_t *img = canvas(w, h, 255);
    fill_rect(img, w, 70, 10, 100, 40, 0); /* off-centre, dark on light */
    uint8_t out[NN_DIGIT_PIXELS];
    nn_error err;
    assert_int_equal(nn_preprocess_digit(img, w, h, NN_POLARITY_AUTO, out, &err), NN_OK);
    digit_stats s = stats_of(out, 0);
    assert_int_equal(s.x1 - s.x0 + 1, 20);
    int short_side = s.y1 - s.y0 + 1;
    assert_in_range(short_side, 7, 9);
    assert_int_equal(s.peak, 255);
    /* inverted: the rectangle is bright, the corners of the frame are black */
    assert_int_equal(out[0], 0);
    assert_int_equal(out[14 * NN_DIGIT_SIDE + 14], 255);
    assert_centred(out, "rectangle");
    /* the same rectangle told to be dark ink gives the same result */
    uint8_t forced[NN_DIGIT_PIXELS];
    assert_int_equal(nn_preprocess_digit(img, w, h, NN_POLARITY_DARK_INK, forced, &err), NN_OK);
    assert_memory_equal(out, forced, NN_DIGIT_PIXELS);
    free(img);
}

static void test_centre_of_mass_of_off_centre_shapes(void **state) {
    (void)state;
    int w = 150, h = 110;
    uint8_t out[NN_DIGIT_PIXELS];
    nn_error err;
    char what[64];
    for (int shape = 0; shape < 6; shape++) {
        uint8_t *img = canvas(w, h, 0);
        switch (shape) {
        case 0: /* an L in the top-left corner: mass far from the box centre */
            fill_rect(img, w, 2, 2, 8, 60, 255);
            fill_rect(img, w, 2, 54, 40, 8, 255);
            break;
        case 1: /* a right triangle, bottom-right */
            for (int y = 40; y < 108; y++) fill_rect(img, w, 148 - (y - 40), y, y - 40 + 1, 1, 200);
            break;
        case 2: /* a small disk plus a thin tail: lopsided mass */
            fill_disk(img, w, h, 120, 20, 12, 255, 0);
            fill_rect(img, w, 60, 18, 50, 3, 255);
            break;
        case 3: /* a diagonal bar */
            for (int t = 0; t < 90; t++) fill_rect(img, w, 10 + t, 10 + t, 6, 6, 255);
            break;
        case 4: /* a ring with a heavy blob on one side */
            fill_disk(img, w, h, 50, 60, 30, 255, 0);
            fill_disk(img, w, h, 50, 60, 24, 0, 255);
            fill_disk(img, w, h, 70, 60, 8, 255, 0);
            break;
        default: /* a thin vertical "1" near the right edge */
            fill_rect(img, w, 140, 5, 4, 100, 255);
            break;
        }
        snprintf(what, sizeof what, "shape %d", shape);
        assert_int_equal(nn_preprocess_digit(img, w, h, NN_POLARITY_AUTO, out, &err), NN_OK);
        assert_centred(out, what);
        digit_stats s = stats_of(out, 25);
        int long_side = s.x1 - s.x0 > s.y1 - s.y0 ? s.x1 - s.x0 + 1 : s.y1 - s.y0 + 1;
        if (long_side < 19 || long_side > 21) fail_msg("%s: long side %d, want 20", what, long_side);
        free(img);
    }
}

static void test_light_ink_not_inverted(void **state) {
    (void)state;
    int w = 90, h = 90;
    uint8_t *img = canvas(w, h, 0);
    fill_disk(img, w, h, 30, 40, 18, 255, 0);
    uint8_t automatic[NN_DIGIT_PIXELS], light[NN_DIGIT_PIXELS], dark[NN_DIGIT_PIXELS];
    nn_error err;
    assert_int_equal(nn_preprocess_digit(img, w, h, NN_POLARITY_AUTO, automatic, &err), NN_OK);
    assert_int_equal(nn_preprocess_digit(img, w, h, NN_POLARITY_LIGHT_INK, light, &err), NN_OK);
    assert_memory_equal(automatic, light, NN_DIGIT_PIXELS);
    /* a filled disk: bright at the centre, black at the frame's corners */
    assert_int_equal(automatic[14 * NN_DIGIT_SIDE + 14], 255);
    assert_int_equal(automatic[0], 0);
    /* told it is dark ink, the black page is background and the disk is
     * lighter than it: nothing is ink */
    err.msg[0] = 0;
    assert_int_equal(nn_preprocess_digit(img, w, h, NN_POLARITY_DARK_INK, dark, &err), NN_ERR_ARG);
    assert_non_null(strstr(err.msg, "no ink"));
    free(img);
}

static void test_faint_digit_gets_full_contrast(void **state) {
    (void)state;
    int w = 60, h = 80;
    uint8_t *strong = canvas(w, h, 0), *faint = canvas(w, h, 0);
    fill_rect(strong, w, 20, 10, 8, 60, 255);
    fill_rect(strong, w, 10, 10, 30, 8, 255);
    for (size_t i = 0; i < (size_t)w * h; i++) faint[i] = (uint8_t)(strong[i] * 40 / 255);
    uint8_t a[NN_DIGIT_PIXELS], b[NN_DIGIT_PIXELS];
    nn_error err;
    assert_int_equal(nn_preprocess_digit(strong, w, h, NN_POLARITY_AUTO, a, &err), NN_OK);
    assert_int_equal(nn_preprocess_digit(faint, w, h, NN_POLARITY_AUTO, b, &err), NN_OK);
    assert_int_equal(stats_of(b, 0).peak, 255);
    int worst = 0;
    for (int i = 0; i < NN_DIGIT_PIXELS; i++) {
        int d = abs(a[i] - b[i]);
        if (d > worst) worst = d;
    }
    /* 40 grey levels quantise the anti-aliased edges a little */
    if (worst > 8) fail_msg("faint and strong digits differ by up to %d levels", worst);

    /* faint dark pencil on white paper, too */
    for (size_t i = 0; i < (size_t)w * h; i++) faint[i] = (uint8_t)(255 - strong[i] * 40 / 255);
    assert_int_equal(nn_preprocess_digit(faint, w, h, NN_POLARITY_AUTO, b, &err), NN_OK);
    assert_int_equal(stats_of(b, 0).peak, 255);
    assert_true(correlation(a, b, NN_DIGIT_PIXELS) > 0.99);
    free(strong);
    free(faint);
}

static void test_grey_background_is_removed(void **state) {
    (void)state;
    /* a photo of paper: light grey background with some noise, dark ink */
    int w = 120, h = 120;
    uint8_t *img = canvas(w, h, 0);
    uint32_t seed = 12345;
    for (size_t i = 0; i < (size_t)w * h; i++) {
        seed = seed * 1664525u + 1013904223u;
        img[i] = (uint8_t)(200 + (seed >> 28)); /* 200..215 */
    }
    fill_rect(img, w, 50, 20, 12, 80, 40);
    uint8_t out[NN_DIGIT_PIXELS];
    nn_error err;
    assert_int_equal(nn_preprocess_digit(img, w, h, NN_POLARITY_AUTO, out, &err), NN_OK);
    digit_stats s = stats_of(out, 25);
    assert_int_equal(s.y1 - s.y0 + 1, 20); /* the box is the bar's, not the page's */
    assert_in_range(s.x1 - s.x0 + 1, 2, 4);
    assert_int_equal(out[0], 0);
    assert_int_equal(out[27 * NN_DIGIT_SIDE + 27], 0);
    free(img);
}

static void test_downscaling_averages_area(void **state) {
    (void)state;
    /* 1-px lines every 3 px over a 199x100 box: averaged over each output
     * pixel's 10-px footprint they are an even grey (then stretched to full
     * contrast); sampling without averaging would miss lines and leave holes
     * or stripes */
    int w = 220, h = 120;
    uint8_t *img = canvas(w, h, 0);
    for (int x = 0; x < 199; x += 3) fill_rect(img, w, 10 + x, 10, 1, 100, 255);
    uint8_t out[NN_DIGIT_PIXELS];
    nn_error err;
    assert_int_equal(nn_preprocess_digit(img, w, h, NN_POLARITY_AUTO, out, &err), NN_OK);
    digit_stats s = stats_of(out, 25);
    assert_int_equal(s.x1 - s.x0 + 1, 20);
    assert_int_equal(s.y1 - s.y0 + 1, 10);
    int lowest = 255;
    for (int y = s.y0; y <= s.y1; y++)
        for (int x = s.x0; x <= s.x1; x++)
            if (out[y * NN_DIGIT_SIDE + x] < lowest) lowest = out[y * NN_DIGIT_SIDE + x];
    if (lowest < 170) fail_msg("area average is uneven: a pixel inside the box is %d", lowest);
    free(img);
}

static void test_no_ink_and_bad_arguments(void **state) {
    (void)state;
    uint8_t out[NN_DIGIT_PIXELS];
    nn_error err;
    uint8_t *white = canvas(50, 40, 255), *black = canvas(50, 40, 0), *grey = canvas(50, 40, 128);
    const uint8_t *blank[] = {white, black, grey};
    for (int i = 0; i < 3; i++) {
        err.msg[0] = 0;
        assert_int_equal(nn_preprocess_digit(blank[i], 50, 40, NN_POLARITY_AUTO, out, &err), NN_ERR_ARG);
        assert_non_null(strstr(err.msg, "no ink"));
    }
    /* white paper told to be dark ink on light paper has no ink either */
    assert_int_equal(nn_preprocess_digit(white, 50, 40, NN_POLARITY_DARK_INK, out, &err), NN_ERR_ARG);
    assert_int_equal(nn_preprocess_digit(NULL, 50, 40, NN_POLARITY_AUTO, out, &err), NN_ERR_ARG);
    assert_int_equal(nn_preprocess_digit(white, 0, 40, NN_POLARITY_AUTO, out, &err), NN_ERR_ARG);
    assert_int_equal(nn_preprocess_digit(white, 50, -1, NN_POLARITY_AUTO, out, &err), NN_ERR_ARG);
    assert_int_equal(nn_preprocess_digit(white, 50, 40, (nn_digit_polarity)7, out, &err), NN_ERR_ARG);
    free(white);
    free(black);
    free(grey);
}

static void test_tiny_and_huge_inputs(void **state) {
    (void)state;
    uint8_t out[NN_DIGIT_PIXELS];
    nn_error err;
    uint8_t one = 255;
    assert_int_equal(nn_preprocess_digit(&one, 1, 1, NN_POLARITY_LIGHT_INK, out, &err), NN_OK);
    digit_stats s = stats_of(out, 0);
    assert_int_equal(s.x1 - s.x0 + 1, 20); /* one pixel blown up to 20x20 */
    assert_int_equal(s.y1 - s.y0 + 1, 20);
    assert_centred(out, "1x1");
    uint8_t dot = 0; /* a black pixel as dark ink */
    assert_int_equal(nn_preprocess_digit(&dot, 1, 1, NN_POLARITY_DARK_INK, out, &err), NN_OK);
    assert_int_equal(stats_of(out, 0).peak, 255);

    /* 3x2 light-ink L: upscaling keeps the shape (bright bottom row) */
    const uint8_t small[] = {255, 0, 0, 255, 255, 255};
    assert_int_equal(nn_preprocess_digit(small, 3, 2, NN_POLARITY_LIGHT_INK, out, &err), NN_OK);
    s = stats_of(out, 25);
    assert_int_equal(s.x1 - s.x0 + 1, 20);
    assert_in_range(s.y1 - s.y0 + 1, 13, 15);
    assert_true(out[s.y0 * NN_DIGIT_SIDE + s.x1 - 1] < 64);  /* top right: empty */
    assert_true(out[s.y1 * NN_DIGIT_SIDE + s.x1 - 1] > 200); /* bottom right: ink */

    int big = 2000;
    uint8_t *img = canvas(big, big, 255);
    fill_disk(img, big, big, 1200, 700, 500, 0, 255);
    fill_disk(img, big, big, 1200, 700, 380, 255, 0);
    assert_int_equal(nn_preprocess_digit(img, big, big, NN_POLARITY_AUTO, out, &err), NN_OK);
    s = stats_of(out, 25);
    assert_in_range(s.x1 - s.x0 + 1, 19, 21);
    assert_in_range(s.y1 - s.y0 + 1, 19, 21);
    assert_true(out[14 * NN_DIGIT_SIDE + 14] < 10); /* the ring's hole */
    assert_centred(out, "2000x2000 ring");
    free(img);
}

static void test_digit_to_input(void **state) {
    (void)state;
    uint8_t d[NN_DIGIT_PIXELS];
    for (int i = 0; i < NN_DIGIT_PIXELS; i++) d[i] = (uint8_t)(i * 7);
    float x[NN_DIGIT_PIXELS];
    nn_digit_to_input(d, x);
    for (int i = 0; i < NN_DIGIT_PIXELS; i++) assert_float_equal(x[i], d[i] / 255.0f, 1e-7);
    assert_float_equal(x[0], 0.0f, 0);
}


/* ---- MNIST: preprocessing MNIST digits again changes little ------------- */

static int load_mnist_test_images(nn_idx_images *images) {
    const char *dir = test_mnist_dir();
    if (!dir) return 0;
    char path[4096];
    struct stat st;
    snprintf(path, sizeof path, "%s/t10k-images-idx3-ubyte", dir);
    if (stat(path, &st) != 0) snprintf(path, sizeof path, "%s/t10k-images-idx3-ubyte.gz", dir);
    nn_error err;
    if (nn_idx_load_images(path, images, &err) != NN_OK) fail_msg("%s", err.msg);
    assert_int_equal(images->rows, NN_DIGIT_SIDE);
    assert_int_equal(images->cols, NN_DIGIT_SIDE);
    return 1;
}

static void test_mnist_digits_map_back(void **state) {
    (void)state;
    nn_idx_images images;
    if (!load_mnist_test_images(&images)) {
        skip();
        return;
    }
    int n = images.count < 200 ? images.count : 200, big = 4 * NN_DIGIT_SIDE;
    uint8_t out[NN_DIGIT_PIXELS];
    uint8_t *upscaled = malloc((size_t)big * big);
    assert_non_null(upscaled);
    nn_error err;
    double sum_same = 0, sum_big = 0, worst_same = 1, worst_big = 1;
    for (int k = 0; k < n; k++) {
        const uint8_t *orig = images.pixels + (size_t)k * NN_DIGIT_PIXELS;
        assert_int_equal(nn_preprocess_digit(orig, NN_DIGIT_SIDE, NN_DIGIT_SIDE, NN_POLARITY_AUTO, out, &err), NN_OK);
        double c = correlation(orig, out, NN_DIGIT_PIXELS);
        sum_same += c;
        if (c < worst_same) worst_same = c;

        /* x4 nearest-neighbour, dark on light: how a scan or a PNG looks */
        for (int y = 0; y < big; y++)
            for (int x = 0; x < big; x++)
                upscaled[y * big + x] = (uint8_t)(255 - orig[(y / 4) * NN_DIGIT_SIDE + x / 4]);
        assert_int_equal(nn_preprocess_digit(upscaled, big, big, NN_POLARITY_AUTO, out, &err), NN_OK);
        c = correlation(orig, out, NN_DIGIT_PIXELS);
        sum_big += c;
        if (c < worst_big) worst_big = c;
    }
    double mean_same = sum_same / n, mean_big = sum_big / n;
    print_message("MNIST re-preprocessed: mean correlation %.4f (worst %.3f); x4 inverted: %.4f (worst %.3f)\n",
                  mean_same, worst_same, mean_big, worst_big);
    assert_true(mean_same > 0.9);
    assert_true(mean_big > 0.85);
    free(upscaled);
    nn_idx_free_images(&images);
}

/* ---- image files --------------------------------------------------------- */

static void test_png_round_trip_matches_in_memory(void **state) {
    (void)state;
    char *dir = test_tmpdir();
    char path[4200];
    int w = 70, h = 50;
    uint8_t *img = canvas(w, h, 255);
    fill_disk(img, w, h, 25, 30, 14, 0, 255);
    fill_disk(img, w, h, 25, 30, 8, 255, 0);
    fill_rect(img, w, 36, 5, 5, 40, 30);
    snprintf(path, sizeof path, "%s/digit.png", dir);
    assert_true(stbi_write_png(path, w, h, 1, img, w) != 0);

    uint8_t *gray;
    int gw, gh;
    nn_error err;
    assert_int_equal(image_load_gray(path, &gray, &gw, &gh, &err), NN_OK);
    assert_int_equal(gw, w);
    assert_int_equal(gh, h);
    assert_memory_equal(gray, img, (size_t)w * h);
    free(gray);

    uint8_t from_file[NN_DIGIT_PIXELS], in_memory[NN_DIGIT_PIXELS];
    assert_int_equal(image_load_digit(path, from_file, &err), NN_OK);
    assert_int_equal(nn_preprocess_digit(img, w, h, NN_POLARITY_AUTO, in_memory, &err), NN_OK);
    assert_memory_equal(from_file, in_memory, NN_DIGIT_PIXELS);

    /* a BMP of the same pixels reads the same */
    snprintf(path, sizeof path, "%s/digit.bmp", dir);
    assert_true(stbi_write_bmp(path, w, h, 1, img) != 0);
    assert_int_equal(image_load_digit(path, from_file, &err), NN_OK);
    assert_memory_equal(from_file, in_memory, NN_DIGIT_PIXELS);
    free(img);
    test_tmpdir_remove(dir);
}

static void test_colour_and_alpha_to_luminance(void **state) {
    (void)state;
    char *dir = test_tmpdir();
    char path[4200];
    /* transparent black, opaque red, half-transparent black, opaque white,
     * opaque green, opaque blue */
    const uint8_t rgba[] = {0, 0, 0, 0,   255, 0, 0, 255, 0, 0, 0, 128,
                            255, 255, 255, 255, 0, 255, 0, 255, 0, 0, 255, 255};
    const uint8_t want[] = {255, 76, 127, 255, 150, 29};
    snprintf(path, sizeof path, "%s/colours.png", dir);
    assert_true(stbi_write_png(path, 6, 1, 4, rgba, 6 * 4) != 0);
    uint8_t *gray;
    int w, h;
    nn_error err;
    assert_int_equal(image_load_gray(path, &gray, &w, &h, &err), NN_OK);
    assert_int_equal(w, 6);
    assert_int_equal(h, 1);
    for (int i = 0; i < 6; i++)
        if (abs(gray[i] - want[i]) > 1) fail_msg("pixel %d: luminance %d, want %d", i, gray[i], want[i]);
    free(gray);
    test_tmpdir_remove(dir);
}

static void test_fixture_images(void **state) {
    (void)state;
    char path[4096];
    uint8_t d[NN_DIGIT_PIXELS];
    nn_error err;
    digit_stats s;

    /* "7" black on white: top bar is the widest row, the stem goes down-left */
    fixture_path(path, sizeof path, "seven_dark_on_white.png");
    if (image_load_digit(path, d, &err) != NN_OK) fail_msg("%s", err.msg);
    s = stats_of(d, 25);
    assert_int_equal(s.y1 - s.y0 + 1, 20);
    int top_row = 0, bottom_row = 0;
    for (int x = 0; x < NN_DIGIT_SIDE; x++) {
        top_row += d[(s.y0 + 1) * NN_DIGIT_SIDE + x] > 128;
        bottom_row += d[s.y1 * NN_DIGIT_SIDE + x] > 25;
    }
    assert_true(top_row >= 10);
    assert_true(bottom_row <= 5);
    assert_int_equal(d[0], 0);
    assert_centred(d, path);

    /* "1" black on a transparent (black) background: only alpha says where
     * ink is; ignoring it would leave an all-black, ink-free image */
    fixture_path(path, sizeof path, "one_transparent.png");
    if (image_load_digit(path, d, &err) != NN_OK) fail_msg("%s", err.msg);
    s = stats_of(d, 25);
    assert_int_equal(s.y1 - s.y0 + 1, 20);
    assert_true(s.x1 - s.x0 + 1 <= 10);
    assert_int_equal(d[0], 0);
    assert_centred(d, path);

    /* "0" white on black PGM: a hole in the middle, ink around it */
    fixture_path(path, sizeof path, "zero_light_on_black.pgm");
    if (image_load_digit(path, d, &err) != NN_OK) fail_msg("%s", err.msg);
    s = stats_of(d, 25);
    assert_int_equal(s.y1 - s.y0 + 1, 20);
    assert_in_range(s.x1 - s.x0 + 1, 12, 16);
    assert_true(d[14 * NN_DIGIT_SIDE + 14] < 25);
    assert_true(d[s.y0 * NN_DIGIT_SIDE + 14] > 128 || d[(s.y0 + 1) * NN_DIGIT_SIDE + 14] > 128);
    assert_centred(d, path);

    /* "4" in blue ink on grey paper (BMP): the paper vanishes */
    fixture_path(path, sizeof path, "four_on_grey.bmp");
    if (image_load_digit(path, d, &err) != NN_OK) fail_msg("%s", err.msg);
    s = stats_of(d, 25);
    assert_int_equal(s.y1 - s.y0 + 1, 20);
    assert_int_equal(d[0], 0);
    assert_int_equal(d[NN_DIGIT_PIXELS - 1], 0);
    assert_int_equal(s.peak, 255);
    assert_centred(d, path);
}

static void test_bad_image_files(void **state) {
    (void)state;
    char *dir = test_tmpdir();
    char path[4200];
    uint8_t d[NN_DIGIT_PIXELS];
    static uint8_t sentinel[1];
    uint8_t *gray = sentinel;
    int w = 5, h = 5;
    nn_error err;

    snprintf(path, sizeof path, "%s/missing.png", dir);
    err.msg[0] = 0;
    assert_int_equal(image_load_gray(path, &gray, &w, &h, &err), NN_ERR_IO);
    assert_null(gray);
    assert_non_null(strstr(err.msg, path));
    assert_int_equal(image_load_digit(path, d, &err), NN_ERR_IO);
    assert_non_null(strstr(err.msg, path));

    /* garbage, a truncated PNG, an empty file, a directory */
    snprintf(path, sizeof path, "%s/garbage.png", dir);
    assert_int_equal(test_write_file(path, "this is not an image at all\n", 28), 0);
    err.msg[0] = 0;
    assert_int_equal(image_load_digit(path, d, &err), NN_ERR_FORMAT);
    assert_non_null(strstr(err.msg, path));

    uint8_t pixels[64 * 64];
    for (int i = 0; i < 64 * 64; i++) pixels[i] = (uint8_t)(i * 37 ^ i >> 3);
    snprintf(path, sizeof path, "%s/truncated.png", dir);
    assert_true(stbi_write_png(path, 64, 64, 1, pixels, 64) != 0);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(truncate(path, st.st_size / 2), 0);
    err.msg[0] = 0;
    assert_int_equal(image_load_digit(path, d, &err), NN_ERR_FORMAT);
    assert_non_null(strstr(err.msg, path));

    snprintf(path, sizeof path, "%s/empty.pgm", dir);
    assert_int_equal(test_write_file(path, "", 0), 0);
    assert_int_not_equal(image_load_digit(path, d, &err), NN_OK);
    assert_non_null(strstr(err.msg, path));

    assert_int_not_equal(image_load_digit(dir, d, &err), NN_OK);
    assert_non_null(strstr(err.msg, dir));

    /* a valid but blank image: the "no ink" error names the file too */
    uint8_t white[32 * 32];
    memset(white, 255, sizeof white);
    snprintf(path, sizeof path, "%s/blank.png", dir);
    assert_true(stbi_write_png(path, 32, 32, 1, white, 32) != 0);
    assert_int_equal(image_load_digit(path, d, &err), NN_ERR_ARG);
    assert_non_null(strstr(err.msg, path));
    assert_non_null(strstr(err.msg, "no ink"));
    test_tmpdir_remove(dir);
}

/* ---- dyad predict end to end -------------------------------------------- */

/* Parses "PATH: d (p%), d (p%), d (p%)" for PATH; returns the line count found. */
static int parse_prediction(const char *output, const char *path, int digits[3], double pct[3]) {
    char key[4200];
    snprintf(key, sizeof key, "%s: ", path);
    const char *line = strstr(output, key);
    if (!line) return 0;
    return sscanf(line + strlen(key), "%d (%lf%%), %d (%lf%%), %d (%lf%%)", &digits[0], &pct[0],
                  &digits[1], &pct[1], &digits[2], &pct[2]) == 6;
}

static void test_predict_command(void **state) {
    (void)state;
    char *dir = test_tmpdir();
    char model[4200], image[4096], cmd[16384], out[16384];
    nn_error err;

    nn_layer_spec specs[2] = {{NN_LAYER_DENSE, 1, 32, 0}, {NN_LAYER_DENSE, 1, 10, 0}};
    nn_mlp net;
    assert_int_equal(nn_mlp_create(&net, NN_DIGIT_PIXELS, specs, 2, 0, &err), NN_OK);
    nn_mlp_init(&net, 7);
    snprintf(model, sizeof model, "%s/tiny.safetensors", dir);
    if (nn_checkpoint_save(model, &net, NULL, &err) != NN_OK) fail_msg("%s", err.msg);

    fixture_path(image, sizeof image, "seven_dark_on_white.png");
    snprintf(cmd, sizeof cmd, "'%s' predict '%s' '%s'", test_dyad_bin(), model, image);
    int rc = test_run(cmd, out, sizeof out);
    if (rc != 0) fail_msg("exit %d: %s", rc, out);
    int digits[3];
    double pct[3];
    if (!parse_prediction(out, image, digits, pct)) fail_msg("unexpected output: %s", out);
    assert_true(digits[0] != digits[1] && digits[1] != digits[2] && digits[0] != digits[2]);
    for (int i = 0; i < 3; i++) assert_in_range(digits[i], 0, 9);
    assert_true(pct[0] >= pct[1] && pct[1] >= pct[2] && pct[2] >= 0);
    assert_true(pct[0] + pct[1] + pct[2] <= 100.05);

    /* the command's best class is the in-process one on the same digit */
    uint8_t d[NN_DIGIT_PIXELS];
    float x[NN_DIGIT_PIXELS], probs[10];
    assert_int_equal(image_load_digit(image, d, &err), NN_OK);
    assert_int_equal(nn_mlp_reserve(&net, 1, &err), NN_OK);
    nn_digit_to_input(d, x);
    nn_mlp_predict(&net, x, probs);
    int best = 0;
    for (int c = 1; c < 10; c++) best = probs[c] > probs[best] ? c : best;
    assert_int_equal(digits[0], best);
    assert_true(fabs(pct[0] - 100.0 * probs[best]) < 0.051);
    nn_mlp_free(&net);

    /* --show draws 28 rows of the digit; a missing image is reported with its
     * path while the other image still gets its answer; exit status 1 */
    char missing[4200];
    snprintf(missing, sizeof missing, "%s/no-such-digit.png", dir);
    snprintf(cmd, sizeof cmd, "'%s' predict --show '%s' '%s' '%s'", test_dyad_bin(), model, missing,
             image);
    rc = test_run(cmd, out, sizeof out);
    assert_int_equal(rc, 1);
    assert_non_null(strstr(out, missing));
    assert_true(parse_prediction(out, image, digits, pct));
    int art_rows = 0;
    for (const char *p = out; (p = strstr(p, "|\n")) != NULL; p += 2) art_rows++;
    assert_int_equal(art_rows, NN_DIGIT_SIDE);
    assert_non_null(strstr(out, "@@")); /* full-contrast ink shows as the darkest glyph */

    /* usage errors and help */
    snprintf(cmd, sizeof cmd, "'%s' predict '%s'", test_dyad_bin(), model);
    assert_int_equal(test_run(cmd, out, sizeof out), 2);
    snprintf(cmd, sizeof cmd, "'%s' predict --help", test_dyad_bin());
    assert_int_equal(test_run(cmd, out, sizeof out), 0);
    assert_non_null(strstr(out, "usage: dyad predict"));
    snprintf(cmd, sizeof cmd, "'%s' predict '%s/none.safetensors' '%s'", test_dyad_bin(), dir, image);
    assert_int_equal(test_run(cmd, out, sizeof out), 1);
    assert_non_null(strstr(out, "none.safetensors"));
    test_tmpdir_remove(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rect_on_white_is_inverted_and_fitted),
        cmocka_unit_test(test_centre_of_mass_of_off_centre_shapes),
        cmocka_unit_test(test_light_ink_not_inverted),
        cmocka_unit_test(test_faint_digit_gets_full_contrast),
        cmocka_unit_test(test_grey_background_is_removed),
        cmocka_unit_test(test_downscaling_averages_area),
        cmocka_unit_test(test_no_ink_and_bad_arguments),
        cmocka_unit_test(test_tiny_and_huge_inputs),
        cmocka_unit_test(test_digit_to_input),
        cmocka_unit_test(test_mnist_digits_map_back),
        cmocka_unit_test(test_png_round_trip_matches_in_memory),
        cmocka_unit_test(test_colour_and_alpha_to_luminance),
        cmocka_unit_test(test_fixture_images),
        cmocka_unit_test(test_bad_image_files),
        cmocka_unit_test(test_predict_command),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
