/* The drawing toolkit and the weight pictures: colour maps, the heatmap
 * matrix against dyad.md's 8x8 pictures, screen <-> cell mapping under zoom
 * and pan, PNG round trip, primitives, text, receptive tiles, teaching view. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stb_image.h>

#include "../app/render/colormap.h"
#include "../app/render/gfx.h"
#include "../app/render/heatmap.h"
#include "../app/render/receptive.h"
#include "../app/render/teach.h"
#include "../nn/layer.h"
#include "support.h"

/* ---- colour maps ---- */

static void test_viridis_endpoints_and_luminance(void **state) {
    (void)state;
    assert_int_equal(colormap_viridis(0.0f), 0xFF440154u);
    assert_int_equal(colormap_viridis(1.0f), 0xFFFDE725u);
    assert_int_equal(colormap_viridis(0.5f), 0xFF21918Cu);
    /* clamped, NaN as 0 */
    assert_int_equal(colormap_viridis(-3.0f), colormap_viridis(0.0f));
    assert_int_equal(colormap_viridis(7.0f), colormap_viridis(1.0f));
    assert_int_equal(colormap_viridis(NAN), colormap_viridis(0.0f));
    /* perceptually ordered: luminance strictly rises */
    float prev = -1.0f;
    for (int s = 0; s <= 100; s++) {
        float lum = colormap_luminance(colormap_viridis(s / 100.0f));
        assert_true(lum > prev);
        prev = lum;
    }
}

static void test_diverging_white_and_symmetric(void **state) {
    (void)state;
    assert_int_equal(colormap_diverging(0.0f), 0xFFFFFFFFu);
    assert_int_equal(colormap_diverging(NAN), 0xFFFFFFFFu);
    assert_int_equal(colormap_diverging(-5.0f), colormap_diverging(-1.0f));
    assert_int_equal(colormap_diverging(5.0f), colormap_diverging(1.0f));
    float prev = 1.0f;
    for (int s = 1; s <= 50; s++) {
        float t = s / 50.0f;
        uint32_t pos = colormap_diverging(t), neg = colormap_diverging(-t);
        /* red for positive, blue for negative */
        assert_true(((pos >> 16) & 0xFF) > (pos & 0xFF));
        assert_true((neg & 0xFF) > ((neg >> 16) & 0xFF));
        float lp = colormap_luminance(pos), ln = colormap_luminance(neg);
        /* symmetric lightness: +t and -t equally prominent */
        assert_true(fabsf(lp - ln) < 0.06f);
        /* darker as |t| grows */
        assert_true(lp < prev + 1e-6f);
        prev = lp;
    }
}

static void test_gray(void **state) {
    (void)state;
    assert_int_equal(colormap_gray(0.0f), 0xFF000000u);
    assert_int_equal(colormap_gray(1.0f), 0xFFFFFFFFu);
    assert_int_equal(colormap_gray(0.5f), 0xFF808080u);
    assert_int_equal(colormap_gray(-1.0f), 0xFF000000u);
    assert_int_equal(colormap_gray(2.0f), 0xFFFFFFFFu);
}

/* ---- heatmap matrix ---- */

/* dyad.md's four 8x8 n = 2 pictures: 1 = one weight, 2 = wl + wu, . = zero. */
static const char *const doc_diag[8] = {"1111....", "1111....", "1111....", "1111....",
                                        "....1111", "....1111", "....1111", "....1111"};
static const char *const doc_it[8] = {"21211.1.", "21211.1.", "21211.1.", "21211.1.",
                                      ".1.11212", ".1.11212", ".1.11212", ".1.11212"};
static const char *const doc_ot[8] = {"2222....", "11111111", "2222....", "11111111",
                                      "11111111", "....2222", "11111111", "....2222"};
static const char *const doc_dt[8] = {"21211.1.", "1212.1.1", "21211.1.", "1212.1.1",
                                      "1.1.2121", ".1.11212", "1.1.2121", ".1.11212"};

typedef struct {
    nn_layer l;
    float *params;
} owned_layer;

/* A layer with wl = 1 and wu = 10 everywhere (bias 0), so each entry's value
 * tells which parts reached it. */
static void make_marked_layer(owned_layer *t, nn_layer_kind kind, int in, int out, int ndyad) {
    memset(t, 0, sizeof *t);
    assert_int_equal(nn_layer_check(kind, in, out, ndyad, NULL), NN_OK);
    size_t n = nn_layer_param_count(kind, in, out, ndyad);
    t->params = calloc(n, sizeof(float));
    assert_non_null(t->params);
    t->l.kind = kind;
    t->l.in = in;
    t->l.out = out;
    t->l.ndyad = ndyad;
    nn_layer_bind(&t->l, t->params, NULL);
    size_t part = (size_t)in * out / ndyad;
    if (kind == NN_LAYER_DENSE) {
        for (size_t e = 0; e < (size_t)in * out; e++) t->params[e] = (float)(e % 7) - 3.0f;
    } else {
        for (size_t e = 0; e < part; e++) {
            t->l.param.wl[e] = 1.0f;
            t->l.param.wu[e] = 10.0f;
        }
    }
}

/* A layer whose every weight is distinct: wl[e] = e + 1, wu[e] = -(e + 1). */
static void make_distinct_layer(owned_layer *t, nn_layer_kind kind, int in, int out, int ndyad) {
    make_marked_layer(t, kind, in, out, ndyad);
    if (kind == NN_LAYER_DENSE) return;
    size_t part = (size_t)in * out / ndyad;
    for (size_t e = 0; e < part; e++) {
        t->l.param.wl[e] = (float)(e + 1);
        t->l.param.wu[e] = -(float)(e + 1);
    }
}

static int popcount2(int part) { return (part & 1) + ((part >> 1) & 1); }

static void check_doc_picture(nn_layer_kind kind, const char *const *sum_picture) {
    owned_layer t;
    make_marked_layer(&t, kind, 8, 8, 2);
    heat_matrix both, diag, trans;
    nn_error err;
    assert_int_equal(heat_matrix_build(&both, &t.l, HEAT_PART_BOTH, 0, &err), NN_OK);
    assert_int_equal(heat_matrix_build(&diag, &t.l, HEAT_PART_DIAG, 0, &err), NN_OK);
    assert_int_equal(heat_matrix_build(&trans, &t.l, HEAT_PART_TRANS, 0, &err), NN_OK);
    assert_int_equal(both.rows, 8);
    assert_int_equal(both.cols, 8);
    assert_int_equal(both.kind, kind);
    assert_int_equal(both.ndyad, 2);
    for (int r = 0; r < 8; r++)
        for (int c = 0; c < 8; c++) {
            int e = r * 8 + c;
            int want_sum = sum_picture[r][c] == '.' ? 0 : sum_picture[r][c] - '0';
            int want_diag = doc_diag[r][c] == '1';
            assert_int_equal(popcount2(both.part[e]), want_sum);
            assert_int_equal(both.part[e] & HEAT_PART_DIAG, want_diag ? HEAT_PART_DIAG : 0);
            /* values: wl = 1, wu = 10, so 0, 1, 10 or 11 */
            float want = (both.part[e] & 1 ? 1.0f : 0.0f) + (both.part[e] & 2 ? 10.0f : 0.0f);
            assert_float_equal(both.value[e], want, 0.0f);
            /* the single-part matrices split the sum */
            assert_int_equal(diag.part[e], both.part[e] & HEAT_PART_DIAG);
            assert_int_equal(trans.part[e], both.part[e] & HEAT_PART_TRANS);
            assert_float_equal(diag.value[e] + trans.value[e], both.value[e], 0.0f);
        }
    assert_float_equal(both.max_abs, 11.0f, 0.0f);
    assert_float_equal(diag.max_abs, 1.0f, 0.0f);
    assert_float_equal(trans.max_abs, 10.0f, 0.0f);
    heat_matrix_free(&both);
    heat_matrix_free(&diag);
    heat_matrix_free(&trans);
    free(t.params);
}

static void test_doc_pictures(void **state) {
    (void)state;
    check_doc_picture(NN_LAYER_DYAD_IT, doc_it);
    check_doc_picture(NN_LAYER_DYAD_OT, doc_ot);
    check_doc_picture(NN_LAYER_DYAD_DT, doc_dt);
}

/* Every kind and shape: the "both" matrix equals nn_layer_dense_weight and its
 * parts equal nn_layer_weight_part. */
static void test_matches_layer(void **state) {
    (void)state;
    static const struct {
        nn_layer_kind kind;
        int in, out, n;
    } shapes[] = {{NN_LAYER_DENSE, 5, 3, 1},    {NN_LAYER_DYAD_IT, 12, 8, 4}, {NN_LAYER_DYAD_OT, 12, 8, 4},
                  {NN_LAYER_DYAD_DT, 12, 8, 4}, {NN_LAYER_DYAD_IT, 9, 15, 3}, {NN_LAYER_DYAD_DT, 6, 6, 6},
                  {NN_LAYER_DYAD_OT, 4, 4, 1}};
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
        owned_layer t;
        make_distinct_layer(&t, shapes[s].kind, shapes[s].in, shapes[s].out, shapes[s].n);
        heat_matrix m;
        assert_int_equal(heat_matrix_build(&m, &t.l, HEAT_PART_BOTH, 0, NULL), NN_OK);
        float *w = malloc(sizeof(float) * (size_t)t.l.in * t.l.out);
        assert_non_null(w);
        nn_layer_dense_weight(&t.l, w);
        float max_abs = 0.0f;
        for (int r = 0; r < t.l.out; r++)
            for (int c = 0; c < t.l.in; c++) {
                int e = r * t.l.in + c;
                assert_float_equal(m.value[e], w[e], 0.0f);
                assert_int_equal(m.part[e], nn_layer_weight_part(&t.l, r, c));
                if (m.part[e] && fabsf(w[e]) > max_abs) max_abs = fabsf(w[e]);
            }
        assert_float_equal(m.max_abs, max_abs, 0.0f);
        /* one row at a time gives the same */
        float *row = malloc(sizeof(float) * (size_t)t.l.in);
        unsigned char *part = malloc((size_t)t.l.in);
        assert_non_null(row);
        assert_non_null(part);
        for (int r = 0; r < t.l.out; r++) {
            heat_layer_row(&t.l, r, HEAT_PART_BOTH, row, part);
            assert_memory_equal(part, m.part + (size_t)r * t.l.in, (size_t)t.l.in);
            for (int c = 0; c < t.l.in; c++)
                assert_float_equal(row[c], m.value[(size_t)r * t.l.in + c], 0.0f);
        }
        free(row);
        free(part);
        free(w);
        heat_matrix_free(&m);
        free(t.params);
    }
}

/* Permuted: wu[k][j][i] lands at (k*b+j, k*a+i), so BLOCK TRANS alone is
 * exactly the block-diagonal pattern, and with both parts every
 * block-diagonal entry is wl + wu. */
static void test_permuted_block_diagonal(void **state) {
    (void)state;
    nn_layer_kind kinds[] = {NN_LAYER_DYAD_IT, NN_LAYER_DYAD_OT, NN_LAYER_DYAD_DT};
    for (int v = 0; v < 3; v++) {
        owned_layer t;
        make_distinct_layer(&t, kinds[v], 12, 8, 4);
        int n = 4, a = 3, b = 2;
        heat_matrix trans, both, plain;
        assert_int_equal(heat_matrix_build(&trans, &t.l, HEAT_PART_TRANS, 1, NULL), NN_OK);
        assert_int_equal(heat_matrix_build(&both, &t.l, HEAT_PART_BOTH, 1, NULL), NN_OK);
        assert_int_equal(heat_matrix_build(&plain, &t.l, HEAT_PART_TRANS, 0, NULL), NN_OK);
        int moved = 0;
        for (int r = 0; r < 8; r++)
            for (int c = 0; c < 12; c++) {
                int e = r * 12 + c, on_diag = r / b == c / a;
                assert_int_equal(trans.part[e], on_diag ? HEAT_PART_TRANS : 0);
                assert_int_equal(both.part[e], on_diag ? HEAT_PART_BOTH : 0);
                if (on_diag) {
                    int k = r / b, j = r % b, i = c % a;
                    size_t w_at = ((size_t)k * b + j) * a + i;
                    assert_float_equal(trans.value[e], t.l.param.wu[w_at], 0.0f);
                    assert_float_equal(both.value[e], t.l.param.wu[w_at] + t.l.param.wl[w_at],
                                       0.0f);
                }
                moved += plain.part[e] != trans.part[e];
            }
        (void)n;
        assert_true(moved > 0); /* the unpermuted view really is different */
        heat_matrix_free(&trans);
        heat_matrix_free(&both);
        heat_matrix_free(&plain);
        free(t.params);
    }
}

static void test_dense_ignores_parts(void **state) {
    (void)state;
    owned_layer t;
    make_marked_layer(&t, NN_LAYER_DENSE, 5, 4, 1);
    heat_matrix m;
    assert_int_equal(heat_matrix_build(&m, &t.l, HEAT_PART_TRANS, 1, NULL), NN_OK);
    for (int e = 0; e < 20; e++) {
        assert_int_equal(m.part[e], 1);
        assert_float_equal(m.value[e], t.l.param.weight[e], 0.0f);
    }
    assert_float_equal(m.max_abs, 3.0f, 0.0f);
    heat_matrix_free(&m);
    free(t.params);
}

static void test_build_rejects_no_parts(void **state) {
    (void)state;
    owned_layer t;
    make_marked_layer(&t, NN_LAYER_DYAD_IT, 8, 8, 2);
    heat_matrix m;
    nn_error err;
    assert_int_equal(heat_matrix_build(&m, &t.l, 0, 0, &err), NN_ERR_ARG);
    assert_non_null(strstr(err.msg, "part"));
    assert_null(m.value);
    heat_matrix_free(&m); /* safe on a failed build */
    free(t.params);
}

static void test_part_names(void **state) {
    (void)state;
    assert_string_equal(heat_part_name(0), "structural zero");
    assert_string_equal(heat_part_name(HEAT_PART_DIAG), "BLOCK DIAG");
    assert_string_equal(heat_part_name(HEAT_PART_TRANS), "BLOCK TRANS");
    assert_string_equal(heat_part_name(HEAT_PART_BOTH), "both");
    assert_string_equal(heat_part_name(HEAT_PART_DENSE), "dense");
}

/* ---- screen <-> cell ---- */

#define SENTINEL 0xFF123456u

/* Every pixel heat_draw paints has the colour of the cell heat_pick names
 * there, and pick says "outside" exactly where draw paints nothing. */
static void check_draw_pick_agree(const heat_matrix *m, const heat_view *v, gfx_rect r,
                                  int must_paint) {
    gfx_image img;
    assert_int_equal(gfx_image_create(&img, 120, 90, NULL), NN_OK);
    gfx_fill(&img, SENTINEL);
    heat_draw(&img, r, m, v);
    float range = v->range > 0 ? v->range : m->max_abs;
    int painted = 0;
    for (int y = 0; y < img.h; y++)
        for (int x = 0; x < img.w; x++) {
            uint32_t got = img.px[(size_t)y * img.w + x];
            int row, col, part;
            float value;
            if (!heat_pick(m, v, r, x, y, &row, &col, &value, &part)) {
                assert_int_equal(got, SENTINEL);
                continue;
            }
            painted++;
            assert_float_equal(value, m->value[(size_t)row * m->cols + col], 0.0f);
            assert_int_equal(part, m->part[(size_t)row * m->cols + col]);
            uint32_t want = part ? heat_color(value, v->scale, range) : HEAT_STRUCTURAL_ZERO;
            /* grid and block lines only ever darken a pixel, at zoom >= 1 */
            if (got != want) {
                assert_true(v->zoom >= 1.0f);
                assert_true(((got >> 16) & 0xFF) <= ((want >> 16) & 0xFF));
                assert_true(((got >> 8) & 0xFF) <= ((want >> 8) & 0xFF));
                assert_true((got & 0xFF) <= (want & 0xFF));
            }
        }
    if (must_paint) assert_true(painted > 0);
    gfx_image_free(&img);
}

static void test_pick_inverts_draw(void **state) {
    (void)state;
    owned_layer t;
    make_distinct_layer(&t, NN_LAYER_DYAD_IT, 12, 8, 4);
    heat_matrix m;
    assert_int_equal(heat_matrix_build(&m, &t.l, HEAT_PART_BOTH, 0, NULL), NN_OK);
    gfx_rect r = {7, 5, 100, 70};
    static const float zooms[] = {0.3f, 0.75f, 1.0f, 2.5f, 3.0f, 7.0f, 13.0f};
    static const float origins[][2] = {{0, 0}, {2.5f, 1.25f}, {-3.0f, -2.0f}, {5.0f, 9.75f}};
    for (size_t z = 0; z < sizeof zooms / sizeof *zooms; z++)
        for (size_t o = 0; o < sizeof origins / sizeof *origins; o++) {
            heat_view v = {HEAT_SIGNED, HEAT_PART_BOTH, 0, zooms[z], origins[o][0],
                           origins[o][1], 0.0f, 0.0f};
            check_draw_pick_agree(&m, &v, r, 1);
            v.scale = HEAT_ABS;
            v.range = 20.0f;
            check_draw_pick_agree(&m, &v, r, 1);
            /* stretched rows (panned off the top at times: nothing to paint) */
            v.row_zoom = 2.0f * zooms[z] + 1.0f;
            check_draw_pick_agree(&m, &v, r, 0);
            v.row_zoom = 0.0f;
            /* cell centres map back to their cells (below 2 px per cell a centre
             * can sit exactly on a pixel edge; the check above covers those) */
            if (zooms[z] < 2.0f) continue;
            for (int row = 0; row < m.rows; row++)
                for (int col = 0; col < m.cols; col++) {
                    double cx = r.x + (col + 0.5 - v.origin_col) * v.zoom;
                    double cy = r.y + (row + 0.5 - v.origin_row) * v.zoom; /* square */
                    int x = (int)floor(cx), y = (int)floor(cy);
                    int pr = -1, pc = -1;
                    int inside = x >= r.x && y >= r.y && x < r.x + r.w && y < r.y + r.h;
                    assert_int_equal(heat_pick(&m, &v, r, x, y, &pr, &pc, NULL, NULL), inside);
                    if (inside) {
                        assert_int_equal(pr, row);
                        assert_int_equal(pc, col);
                    }
                }
        }
    /* below zoom 1 a pixel shows the largest |w| under it: entry (7, 11) of
     * this layer is the largest in the matrix, so the pixel over it shows it */
    heat_view tiny = {HEAT_SIGNED, HEAT_PART_BOTH, 0, 0.25f, 0, 0, 0, 0};
    int row, col;
    float value;
    size_t best = 0;
    for (size_t e = 0; e < (size_t)m.rows * m.cols; e++)
        if (m.part[e] && fabsf(m.value[e]) > fabsf(m.value[best])) best = e;
    int bx = (int)(best % m.cols) / 4, by = (int)(best / m.cols) / 4;
    assert_int_equal(heat_pick(&m, &tiny, r, r.x + bx, r.y + by, &row, &col, &value, NULL), 1);
    assert_int_equal((size_t)row * m.cols + col, best);
    assert_float_equal(fabsf(value), m.max_abs, 0.0f);
    /* outside the rect */
    assert_int_equal(heat_pick(&m, &tiny, r, r.x - 1, r.y, &row, &col, NULL, NULL), 0);
    heat_matrix_free(&m);
    free(t.params);
}

static void test_fit_and_zoom_at(void **state) {
    (void)state;
    owned_layer t;
    make_distinct_layer(&t, NN_LAYER_DYAD_DT, 12, 8, 4);
    heat_matrix m;
    assert_int_equal(heat_matrix_build(&m, &t.l, HEAT_PART_BOTH, 0, NULL), NN_OK);
    gfx_rect r = {10, 20, 100, 90};
    heat_view v;
    memset(&v, 0, sizeof v);
    v.origin_row = 5;
    heat_view_fit(&v, &m, r);
    assert_float_equal(v.zoom, 8.0f, 0.0f); /* min(100/12, 90/8) rounded down to whole px */
    assert_float_equal(v.origin_row, 0.0f, 0.0f);
    int row, col;
    assert_int_equal(heat_pick(&m, &v, r, r.x, r.y, &row, &col, NULL, NULL), 1);
    assert_int_equal(row, 0);
    assert_int_equal(col, 0);
    assert_int_equal(heat_pick(&m, &v, r, r.x + 95, r.y + 63, &row, &col, NULL, NULL), 1);
    assert_int_equal(row, 7);
    assert_int_equal(col, 11);
    assert_int_equal(heat_pick(&m, &v, r, r.x + 96, r.y + 10, &row, &col, NULL, NULL), 0);
    /* a matrix larger than the rect fits with zoom < 1 */
    owned_layer big;
    make_distinct_layer(&big, NN_LAYER_DYAD_IT, 400, 200, 4);
    heat_matrix mb;
    assert_int_equal(heat_matrix_build(&mb, &big.l, HEAT_PART_BOTH, 0, NULL), NN_OK);
    heat_view vb;
    memset(&vb, 0, sizeof vb);
    heat_view_fit(&vb, &mb, r);
    assert_float_equal(vb.zoom, 0.25f, 1e-6f);
    assert_int_equal(heat_pick(&mb, &vb, r, r.x + 99, r.y + 49, &row, &col, NULL, NULL), 1);
    assert_true(row >= 196 && col >= 396);
    assert_int_equal(heat_pick(&mb, &vb, r, r.x + 10, r.y + 50, &row, &col, NULL, NULL), 0);
    heat_matrix_free(&mb);
    free(big.params);
    /* zooming in and out keeps the cell under the cursor */
    int x = r.x + 37, y = r.y + 29, row0, col0;
    assert_int_equal(heat_pick(&m, &v, r, x, y, &row0, &col0, NULL, NULL), 1);
    float factors[] = {2.0f, 1.7f, 0.5f, 3.0f, 0.25f};
    for (size_t f = 0; f < sizeof factors / sizeof *factors; f++) {
        heat_zoom_at(&v, r, x, y, factors[f]);
        assert_int_equal(heat_pick(&m, &v, r, x, y, &row, &col, NULL, NULL), 1);
        assert_int_equal(row, row0);
        assert_int_equal(col, col0);
    }
    /* with stretched rows too, and the aspect survives zooming */
    v.row_zoom = 3.0f * v.zoom;
    assert_int_equal(heat_pick(&m, &v, r, x, y, &row0, &col0, NULL, NULL), 1);
    for (size_t f = 0; f < sizeof factors / sizeof *factors; f++) {
        heat_zoom_at(&v, r, x, y, factors[f]);
        assert_float_equal(v.row_zoom / v.zoom, 3.0f, 1e-4f);
        assert_int_equal(heat_pick(&m, &v, r, x, y, &row, &col, NULL, NULL), 1);
        assert_int_equal(row, row0);
        assert_int_equal(col, col0);
    }
    heat_view_fit(&v, &m, r);
    assert_float_equal(v.row_zoom, 0.0f, 0.0f);
    heat_matrix_free(&m);
    free(t.params);
}

static void test_abs_quantile(void **state) {
    (void)state;
    /* wl[e] = e + 1, wu[e] = -(e + 1) on an 8x8 n = 2 DT layer: 48 reached
     * entries, the structural zeros (16) must not count */
    owned_layer t;
    make_distinct_layer(&t, NN_LAYER_DYAD_IT, 8, 8, 2);
    heat_matrix m;
    assert_int_equal(heat_matrix_build(&m, &t.l, HEAT_PART_TRANS, 0, NULL), NN_OK);
    /* trans only: 32 entries with |w| = 1..32 */
    assert_float_equal(heat_matrix_abs_quantile(&m, 1.0f), 32.0f, 0.0f);
    assert_float_equal(heat_matrix_abs_quantile(&m, 0.0f), 1.0f, 0.0f);
    assert_float_equal(heat_matrix_abs_quantile(&m, 0.5f), 17.0f, 0.0f); /* k = round(15.5) */
    assert_float_equal(heat_matrix_abs_quantile(&m, 5.0f), 32.0f, 0.0f); /* clamped */
    heat_matrix_free(&m);
    free(t.params);
}

/* ---- primitives, text, PNG ---- */

static size_t count_color(const gfx_image *img, uint32_t color) {
    size_t n = 0;
    for (size_t i = 0; i < (size_t)img->w * img->h; i++) n += img->px[i] == color;
    return n;
}

static void test_primitives_clip(void **state) {
    (void)state;
    gfx_image img;
    nn_error err;
    assert_int_equal(gfx_image_create(&img, 0, 5, &err), NN_ERR_ARG);
    assert_null(img.px);
    assert_int_equal(gfx_image_create(&img, 20, 10, NULL), NN_OK);
    gfx_fill(&img, 0xFF000000u);
    uint32_t red = GFX_RGB(255, 0, 0), green = GFX_RGB(0, 255, 0);
    gfx_fill_rect(&img, (gfx_rect){-5, -5, 10, 8}, red); /* 5 x 3 inside */
    assert_int_equal(count_color(&img, red), 15);
    gfx_fill_rect(&img, (gfx_rect){18, 8, 100, 100}, red); /* 2 x 2 inside */
    assert_int_equal(count_color(&img, red), 19);
    gfx_fill_rect(&img, (gfx_rect){30, 0, 5, 5}, red); /* fully outside */
    gfx_fill_rect(&img, (gfx_rect){2, 2, -3, 4}, red); /* empty */
    assert_int_equal(count_color(&img, red), 19);
    gfx_fill(&img, 0xFF000000u);
    gfx_rect_outline(&img, (gfx_rect){2, 2, 5, 4}, green);
    assert_int_equal(count_color(&img, green), 14); /* 2*5 + 2*2 */
    gfx_fill(&img, 0xFF000000u);
    gfx_line(&img, 1, 1, 13, 5, green); /* shallow: one pixel per column */
    assert_int_equal(count_color(&img, green), 13);
    assert_int_equal(img.px[1 * 20 + 1], green);
    assert_int_equal(img.px[5 * 20 + 13], green);
    gfx_fill(&img, 0xFF000000u);
    gfx_line(&img, 4, 9, 4, 0, green); /* vertical, drawn upwards */
    assert_int_equal(count_color(&img, green), 10);
    gfx_line(&img, -50, -50, 100, 100, red); /* mostly outside: clipped, no crash */
    assert_int_equal(img.px[3 * 20 + 3], red);
    gfx_image_free(&img);
    gfx_image_free(&img); /* idempotent */
}

static void test_text(void **state) {
    (void)state;
    gfx_font *font;
    nn_error err;
    assert_int_equal(gfx_font_load(&font, "/nonexistent/font.ttf", &err), NN_ERR_IO);
    assert_null(font);
    assert_non_null(strstr(err.msg, "/nonexistent/font.ttf"));
    /* a file that is not a font */
    char *dir = test_tmpdir();
    char path[4200];
    snprintf(path, sizeof path, "%s/not-a-font.ttf", dir);
    assert_int_equal(test_write_file(path, "hello, not a font at all", 24), 0);
    assert_int_equal(gfx_font_load(&font, path, &err), NN_ERR_FORMAT);
    assert_non_null(strstr(err.msg, "not-a-font.ttf"));
    snprintf(path, sizeof path, "%s/empty.ttf", dir);
    assert_int_equal(test_write_file(path, "", 0), 0);
    assert_int_equal(gfx_font_load(&font, path, &err), NN_ERR_FORMAT);
    test_tmpdir_remove(dir);

    assert_int_equal(gfx_font_load(&font, NULL, &err), NN_OK);
    int w_ii = gfx_text_width(font, 16, "ii"), w_ww = gfx_text_width(font, 16, "WW");
    assert_true(w_ii > 0);
    assert_true(w_ww > w_ii);
    assert_int_equal(gfx_text_width(font, 16, ""), 0);
    assert_true(gfx_text_width(font, 32, "WW") > w_ww);
    gfx_image img;
    assert_int_equal(gfx_image_create(&img, 120, 40, NULL), NN_OK);
    gfx_fill(&img, 0xFFFFFFFFu);
    int drawn = gfx_text(&img, font, 4, 4, 20, GFX_RGB(0, 0, 0), "Hxg \xC3\x97 \xE2\x86\x92");
    assert_true(drawn > 20);
    /* ink lands inside the text box: below y = 4 and left of 4 + width (+ overhang) */
    size_t inked = 0, full_black = 0;
    for (int y = 0; y < img.h; y++)
        for (int x = 0; x < img.w; x++) {
            uint32_t p = img.px[(size_t)y * img.w + x];
            if (p != 0xFFFFFFFFu) {
                inked++;
                assert_true(y >= 4 && y < 4 + 26);
                assert_true(x >= 3 && x <= 4 + drawn + 2);
                assert_int_equal(p >> 24, 0xFF); /* stays opaque */
                /* grey levels only: black text on white blends channels equally */
                assert_int_equal((p >> 16) & 0xFF, p & 0xFF);
            }
            full_black += p == 0xFF000000u;
        }
    assert_true(inked > 50);
    assert_true(full_black > 10);
    /* text half off the image is clipped, not a crash */
    gfx_text(&img, font, -10, -8, 20, GFX_RGB(0, 0, 0), "clip");
    gfx_text(&img, font, 110, 30, 20, GFX_RGB(0, 0, 0), "clip");
    /* malformed UTF-8 is drawn as '?' rather than read past the end */
    assert_true(gfx_text_width(font, 16, "\xE2\x86") > 0);
    gfx_image_free(&img);
    gfx_font_free(font);
    gfx_font_free(NULL);
}

static int dir_entries(const char *dir) {
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    closedir(d);
    return n;
}

static void test_png_round_trip(void **state) {
    (void)state;
    gfx_image img;
    assert_int_equal(gfx_image_create(&img, 37, 23, NULL), NN_OK);
    for (int y = 0; y < img.h; y++)
        for (int x = 0; x < img.w; x++)
            img.px[(size_t)y * img.w + x] = GFX_RGB(x * 7, y * 11, (x * y) & 0xFF);
    char *dir = test_tmpdir();
    char path[4200];
    snprintf(path, sizeof path, "%s/round.png", dir);
    nn_error err;
    assert_int_equal(gfx_save_png(&img, path, &err), NN_OK);
    assert_int_equal(dir_entries(dir), 1); /* no temporary file left behind */
    int w, h, channels;
    unsigned char *rgb = stbi_load(path, &w, &h, &channels, 3);
    assert_non_null(rgb);
    assert_int_equal(w, 37);
    assert_int_equal(h, 23);
    for (int i = 0; i < w * h; i++) {
        uint32_t p = img.px[i];
        assert_int_equal(rgb[3 * i], (p >> 16) & 0xFF);
        assert_int_equal(rgb[3 * i + 1], (p >> 8) & 0xFF);
        assert_int_equal(rgb[3 * i + 2], p & 0xFF);
    }
    stbi_image_free(rgb);
    /* overwriting replaces the file */
    gfx_fill(&img, GFX_RGB(1, 2, 3));
    assert_int_equal(gfx_save_png(&img, path, &err), NN_OK);
    rgb = stbi_load(path, &w, &h, &channels, 3);
    assert_non_null(rgb);
    assert_int_equal(rgb[0], 1);
    assert_int_equal(rgb[3 * 100 + 2], 3);
    stbi_image_free(rgb);
    /* an unwritable place gives a clear error naming the file */
    snprintf(path, sizeof path, "%s/no/such/dir/x.png", dir);
    assert_int_equal(gfx_save_png(&img, path, &err), NN_ERR_IO);
    assert_non_null(strstr(err.msg, "no/such/dir/x.png"));
    assert_int_equal(dir_entries(dir), 1);
    test_tmpdir_remove(dir);
    gfx_image empty = {0, 0, NULL};
    assert_int_equal(gfx_save_png(&empty, "/tmp/never.png", &err), NN_ERR_ARG);
    gfx_image_free(&img);
}

/* ---- receptive fields ---- */

static void test_receptive_tiles(void **state) {
    (void)state;
    assert_int_equal(receptive_grid_cols(64, (gfx_rect){0, 0, 400, 400}), 8);
    /* 3 rows of 22 tiles (64 px each) beat 2 x 32 or 4 x 16 (47 px) */
    assert_int_equal(receptive_grid_cols(64, (gfx_rect){0, 0, 1600, 200}), 22);
    assert_int_equal(receptive_grid_cols(1, (gfx_rect){0, 0, 100, 50}), 1);
    /* 4x4 inputs, 4 units; DYAD-IT n = 2: unit 0 sees inputs 0..7 (diag) and
     * the even ones (trans) */
    owned_layer t;
    make_distinct_layer(&t, NN_LAYER_DYAD_IT, 16, 4, 2);
    gfx_image img;
    assert_int_equal(gfx_image_create(&img, 90, 90, NULL), NN_OK);
    gfx_fill(&img, SENTINEL);
    gfx_rect r = {0, 0, 90, 90};
    receptive_draw(&img, r, &t.l, 4, 0, 4, HEAT_SIGNED, HEAT_PART_BOTH);
    /* 2x2 grid of tiles; tile side: (90 - gap) / 2 */
    size_t grey = count_color(&img, HEAT_STRUCTURAL_ZERO), gaps = count_color(&img, SENTINEL);
    assert_true(gaps > 0 && gaps < 90 * 10);
    /* unit 0 tile, input row 3 column 3 (index 15: odd, not in block 0): grey */
    int tile = (90 - 3) / 2;
    int cell = tile / 4;
    int gx = (90 - (2 * tile + 3)) / 2; /* grid is centred */
    (void)cell;
    int px = gx + tile - 2, py = gx + tile - 2;
    assert_int_equal(img.px[(size_t)py * img.w + px], HEAT_STRUCTURAL_ZERO);
    /* index 0 (row 0, col 0): both parts reach it, value wl - wu = 1 - 1 = 0: white */
    assert_int_equal(img.px[(size_t)(gx + 1) * img.w + gx + 1], 0xFFFFFFFFu);
    /* each unit sees 8 + 4 = 12 of 16 inputs: a quarter of each tile is grey */
    assert_true(grey > (size_t)(4 * tile * tile) / 5 && grey < (size_t)(4 * tile * tile) / 3);
    /* trans-only shows more grey */
    gfx_fill(&img, SENTINEL);
    receptive_draw(&img, r, &t.l, 4, 0, 4, HEAT_ABS, HEAT_PART_TRANS);
    assert_true(count_color(&img, HEAT_STRUCTURAL_ZERO) > grey);
    /* a non-square input or out-of-range unit draws nothing */
    gfx_fill(&img, SENTINEL);
    receptive_draw(&img, r, &t.l, 5, 0, 4, HEAT_SIGNED, HEAT_PART_BOTH);
    receptive_draw(&img, r, &t.l, 4, 9, 4, HEAT_SIGNED, HEAT_PART_BOTH);
    assert_int_equal(count_color(&img, SENTINEL), 90 * 90);
    gfx_image_free(&img);
    free(t.params);
}

/* ---- teaching view ---- */

static void test_teach(void **state) {
    (void)state;
    gfx_font *font;
    assert_int_equal(gfx_font_load(&font, NULL, NULL), NN_OK);
    gfx_image img;
    assert_int_equal(gfx_image_create(&img, 900, 420, NULL), NN_OK);
    gfx_rect r = {0, 0, 900, 420};
    nn_error err;
    teach_config bad[] = {{8, 3, NN_LAYER_DYAD_IT, 0},
                          {4, 2, NN_LAYER_DYAD_IT, 0},
                          {128, 2, NN_LAYER_DYAD_IT, 0},
                          {8, 2, NN_LAYER_DENSE, 0},
                          {8, 0, NN_LAYER_DYAD_DT, 0}};
    for (size_t b = 0; b < sizeof bad / sizeof *bad; b++) {
        err.msg[0] = 0;
        assert_int_equal(teach_draw(&img, r, font, &bad[b], &err), NN_ERR_ARG);
        assert_non_null(strstr(err.msg, "teaching view"));
    }
    teach_config ok = {8, 2, NN_LAYER_DYAD_IT, 0};
    assert_int_equal(teach_draw(&img, (gfx_rect){0, 0, 100, 100}, font, &ok, &err), NN_ERR_ARG);
    uint32_t blue = GFX_RGB(0x00, 0x72, 0xB2), orange = GFX_RGB(0xE6, 0x9F, 0x00);
    size_t blue_all = 0, orange_all = 0;
    for (int kind = NN_LAYER_DYAD_IT; kind <= NN_LAYER_DYAD_DT; kind++)
        for (int width = 8; width <= 64; width *= 8) {
            teach_config c = {width, width / 4, (nn_layer_kind)kind, 0};
            assert_int_equal(teach_draw(&img, r, font, &c, &err), NN_OK);
            size_t nb = count_color(&img, blue), no = count_color(&img, orange);
            /* the diag and trans cells are equally many, so both colours show up
             * in similar amounts (panel 1 is all blue, panel 2 all orange) */
            assert_true(nb > 1000 && no > 1000);
            assert_true(nb < 2 * no && no < 2 * nb);
            blue_all += nb;
            orange_all += no;
        }
    /* show mask: only panel 2 (BLOCK TRANS) => far less blue */
    teach_config only_trans = {8, 2, NN_LAYER_DYAD_IT, TEACH_SHOW_TRANS};
    assert_int_equal(teach_draw(&img, r, font, &only_trans, &err), NN_OK);
    assert_true(count_color(&img, blue) < 600); /* just the key's swatches */
    assert_true(count_color(&img, orange) > 1000);
    (void)blue_all;
    (void)orange_all;
    gfx_image_free(&img);
    gfx_font_free(font);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_viridis_endpoints_and_luminance),
        cmocka_unit_test(test_diverging_white_and_symmetric),
        cmocka_unit_test(test_gray),
        cmocka_unit_test(test_doc_pictures),
        cmocka_unit_test(test_matches_layer),
        cmocka_unit_test(test_permuted_block_diagonal),
        cmocka_unit_test(test_dense_ignores_parts),
        cmocka_unit_test(test_build_rejects_no_parts),
        cmocka_unit_test(test_part_names),
        cmocka_unit_test(test_pick_inverts_draw),
        cmocka_unit_test(test_fit_and_zoom_at),
        cmocka_unit_test(test_abs_quantile),
        cmocka_unit_test(test_primitives_clip),
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_png_round_trip),
        cmocka_unit_test(test_receptive_tiles),
        cmocka_unit_test(test_teach),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
