/* The drawing canvas: strokes, eraser, undo, clear and the network view. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../app/render/canvas.h"
#include "support.h"

static canvas make_canvas(void) {
    canvas c;
    nn_error err;
    assert_int_equal(canvas_init(&c, CANVAS_SIDE, &err), NN_OK);
    return c;
}

static uint8_t at(const canvas *c, float u, float v) {
    int x = (int)(u * c->side), y = (int)(v * c->side);
    return c->ink[(size_t)y * c->side + x];
}

static void stroke(canvas *c, const float *pts, int n, int erase) {
    nn_error err;
    assert_int_equal(canvas_begin(c, pts[0], pts[1], erase, &err), NN_OK);
    for (int i = 1; i < n; i++) canvas_extend(c, pts[2 * i], pts[2 * i + 1]);
    canvas_end(c);
}

/* Two far-apart points (one fast mouse movement) still give a connected
 * line: every pixel column between them has full ink on the line's row. */
static void test_fast_stroke_is_connected(void **state) {
    (void)state;
    canvas c = make_canvas();
    const float pts[] = {0.1f, 0.5f, 0.9f, 0.5f};
    stroke(&c, pts, 2, 0);
    int y = c.side / 2;
    for (int x = (int)(0.1f * c.side); x <= (int)(0.9f * c.side) - 1; x++)
        assert_int_equal(c.ink[(size_t)y * c.side + x], 255);
    /* thick: ink well above and below the centre line, none far away */
    assert_true(at(&c, 0.5f, 0.5f - 0.8f * CANVAS_BRUSH) == 255);
    assert_true(at(&c, 0.5f, 0.5f + 0.8f * CANVAS_BRUSH) == 255);
    assert_int_equal(at(&c, 0.5f, 0.5f + 2.5f * CANVAS_BRUSH), 0);
    assert_int_equal(at(&c, 0.95f, 0.5f), 0);
    /* antialiased: the edge has intermediate levels */
    int partial = 0;
    for (int yy = 0; yy < c.side; yy++) {
        uint8_t v = c.ink[(size_t)yy * c.side + c.side / 2];
        partial += v > 0 && v < 255;
    }
    assert_true(partial >= 2);
    canvas_free(&c);
}

/* A diagonal fast stroke: ink all along the segment. */
static void test_diagonal_stroke_has_no_gaps(void **state) {
    (void)state;
    canvas c = make_canvas();
    const float pts[] = {0.15f, 0.2f, 0.85f, 0.75f};
    stroke(&c, pts, 2, 0);
    for (int k = 0; k <= 100; k++) {
        float t = k / 100.0f;
        assert_int_equal(at(&c, 0.15f + t * 0.7f, 0.2f + t * 0.55f), 255);
    }
    canvas_free(&c);
}

static void test_erase_removes_ink(void **state) {
    (void)state;
    canvas c = make_canvas();
    const float line[] = {0.1f, 0.5f, 0.9f, 0.5f};
    stroke(&c, line, 2, 0);
    const float rub[] = {0.5f, 0.3f, 0.5f, 0.7f};
    stroke(&c, rub, 2, 1);
    assert_int_equal(at(&c, 0.5f, 0.5f), 0);
    /* a band around the eraser path has no ink left */
    for (float u = 0.5f - 0.7f * CANVAS_ERASER; u <= 0.5f + 0.7f * CANVAS_ERASER; u += 0.005f)
        assert_true(at(&c, u, 0.5f) < CANVAS_INK_MIN);
    /* ink away from it is untouched */
    assert_int_equal(at(&c, 0.2f, 0.5f), 255);
    assert_int_equal(at(&c, 0.8f, 0.5f), 255);
    canvas_free(&c);
}

static void test_undo_restores_exactly(void **state) {
    (void)state;
    canvas c = make_canvas();
    size_t n = (size_t)c.side * c.side;
    uint8_t *empty = calloc(n, 1), *after_one = malloc(n);
    assert_non_null(empty);
    assert_non_null(after_one);
    const float a[] = {0.2f, 0.2f, 0.8f, 0.3f, 0.4f, 0.8f};
    stroke(&c, a, 3, 0);
    memcpy(after_one, c.ink, n);
    const float b[] = {0.3f, 0.6f, 0.9f, 0.9f};
    stroke(&c, b, 2, 0);
    assert_true(memcmp(c.ink, after_one, n) != 0);
    const float e[] = {0.5f, 0.1f, 0.5f, 0.9f};
    stroke(&c, e, 2, 1);
    assert_true(canvas_undo(&c)); /* the erase */
    assert_true(canvas_undo(&c)); /* stroke b */
    assert_memory_equal(c.ink, after_one, n);
    assert_true(canvas_undo(&c)); /* stroke a */
    assert_memory_equal(c.ink, empty, n);
    assert_false(canvas_undo(&c)); /* nothing left */
    free(empty);
    free(after_one);
    canvas_free(&c);
}

static void test_clear_empties_and_is_undoable(void **state) {
    (void)state;
    canvas c = make_canvas();
    nn_error err;
    assert_true(canvas_is_empty(&c));
    const float a[] = {0.3f, 0.3f, 0.7f, 0.7f};
    stroke(&c, a, 2, 0);
    assert_false(canvas_is_empty(&c));
    size_t n = (size_t)c.side * c.side;
    uint8_t *before = malloc(n);
    assert_non_null(before);
    memcpy(before, c.ink, n);
    assert_int_equal(canvas_clear(&c, &err), NN_OK);
    assert_true(canvas_is_empty(&c));
    for (size_t i = 0; i < n; i++) assert_int_equal(c.ink[i], 0);
    assert_true(canvas_undo(&c));
    assert_memory_equal(c.ink, before, n);
    free(before);
    canvas_free(&c);
}

/* An empty canvas has no network input: nothing to predict. */
static void test_empty_canvas_has_no_digit(void **state) {
    (void)state;
    canvas c = make_canvas();
    uint8_t digit[NN_DIGIT_PIXELS];
    nn_error err;
    assert_int_equal(canvas_to_digit(&c, digit, &err), NN_ERR_ARG);
    /* a stroke then erased completely is empty again */
    const float a[] = {0.5f, 0.3f, 0.5f, 0.7f};
    stroke(&c, a, 2, 0);
    assert_int_equal(canvas_to_digit(&c, digit, &err), NN_OK);
    const float rub[] = {0.5f, 0.2f, 0.5f, 0.8f};
    stroke(&c, rub, 2, 1);
    assert_true(canvas_is_empty(&c));
    assert_int_equal(canvas_to_digit(&c, digit, &err), NN_ERR_ARG);
    canvas_free(&c);
}

/* The network view of a vertical bar: centred, MNIST-sized, light on dark. */
static void test_digit_view_of_a_bar(void **state) {
    (void)state;
    canvas c = make_canvas();
    const float a[] = {0.3f, 0.15f, 0.3f, 0.85f}; /* off-centre on purpose */
    stroke(&c, a, 2, 0);
    uint8_t d[NN_DIGIT_PIXELS];
    nn_error err;
    assert_int_equal(canvas_to_digit(&c, d, &err), NN_OK);
    int top = NN_DIGIT_SIDE, bottom = -1;
    double mass = 0, cx = 0;
    for (int y = 0; y < NN_DIGIT_SIDE; y++)
        for (int x = 0; x < NN_DIGIT_SIDE; x++) {
            uint8_t v = d[y * NN_DIGIT_SIDE + x];
            if (v > 64) {
                if (y < top) top = y;
                if (y > bottom) bottom = y;
            }
            mass += v;
            cx += (double)v * x;
        }
    assert_true(bottom - top >= 17 && bottom - top <= 21); /* fitted into 20 rows */
    cx /= mass;
    assert_true(cx > 12.5 && cx < 15.5); /* re-centred */
    assert_int_equal(d[0], 0);
    canvas_free(&c);
}

static void test_set_digit_then_view(void **state) {
    (void)state;
    canvas c = make_canvas();
    uint8_t d[NN_DIGIT_PIXELS] = {0}, back[NN_DIGIT_PIXELS];
    for (int y = 6; y < 22; y++)
        for (int x = 12; x < 16; x++) d[y * NN_DIGIT_SIDE + x] = 255;
    nn_error err;
    assert_int_equal(canvas_set_digit(&c, d, &err), NN_OK);
    assert_false(canvas_is_empty(&c));
    assert_int_equal(at(&c, 14.0f / 28, 14.0f / 28), 255);
    assert_int_equal(at(&c, 2.0f / 28, 2.0f / 28), 0);
    assert_int_equal(canvas_to_digit(&c, back, &err), NN_OK);
    assert_true(back[14 * NN_DIGIT_SIDE + 14] > 200);
    assert_true(canvas_undo(&c)); /* loading is undoable too */
    assert_true(canvas_is_empty(&c));
    canvas_free(&c);
}

/* Only CANVAS_UNDO_MAX steps are kept; the oldest go first. */
static void test_undo_depth_is_bounded(void **state) {
    (void)state;
    canvas c = make_canvas();
    for (int i = 0; i < CANVAS_UNDO_MAX + 6; i++) {
        float u = 0.1f + 0.8f * i / (CANVAS_UNDO_MAX + 6);
        const float p[] = {u, 0.2f, u, 0.8f};
        stroke(&c, p, 2, 0);
    }
    int undone = 0;
    while (canvas_undo(&c)) undone++;
    assert_int_equal(undone, CANVAS_UNDO_MAX);
    assert_false(canvas_is_empty(&c)); /* the oldest strokes could not be undone */
    canvas_free(&c);
}

/* Points outside the canvas paint only the part that reaches in; NaN is harmless. */
static void test_out_of_range_points(void **state) {
    (void)state;
    canvas c = make_canvas();
    nn_error err;
    assert_int_equal(canvas_begin(&c, -3.0f, 0.5f, 0, &err), NN_OK);
    canvas_extend(&c, 0.5f, 0.5f);
    canvas_extend(&c, NAN, 7.0f);
    canvas_end(&c);
    assert_int_equal(at(&c, 0.01f, 0.5f), 255);
    assert_int_equal(at(&c, 0.3f, 0.5f), 255);
    canvas_extend(&c, 0.9f, 0.9f); /* no stroke active: ignored */
    assert_int_equal(at(&c, 0.9f, 0.9f), 0);
    canvas_free(&c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fast_stroke_is_connected),
        cmocka_unit_test(test_diagonal_stroke_has_no_gaps),
        cmocka_unit_test(test_erase_removes_ink),
        cmocka_unit_test(test_undo_restores_exactly),
        cmocka_unit_test(test_clear_empties_and_is_undoable),
        cmocka_unit_test(test_empty_canvas_has_no_digit),
        cmocka_unit_test(test_digit_view_of_a_bar),
        cmocka_unit_test(test_set_digit_then_view),
        cmocka_unit_test(test_undo_depth_is_bounded),
        cmocka_unit_test(test_out_of_range_points),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
