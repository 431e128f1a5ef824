/* The MNIST test-set browser of the draw window: loading, misclassified filter, thumbnails. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../nn/dataset.h"
#include "../../nn/train.h"
#include "../render/canvas.h"
#include "draw_samples.h"
#include "draw_gfx.h"

/* ---- samples ---- */

static nn_status predict_all(draw_app *a, int slot, uint8_t **out, nn_error *err) {
    nn_mlp *net = &a->m[slot].net;
    int count = a->sm.data.test_images.count, batch = 256;
    *out = malloc((size_t)count);
    if (!*out) return nn_fail(err, NN_ERR_NOMEM, "out of memory for predictions");
    nn_status st = nn_mlp_reserve(net, batch, err);
    if (st != NN_OK) return st;
    if (nn_train_predict(net, &a->sm.data.test_images, batch, *out) != NN_OK)
        return nn_fail(err, NN_ERR_NOMEM, "out of memory for predictions");
    return NN_OK;
}

/* Both models' answers on the test set: the filters compare them. */
static nn_status evaluate_samples(draw_app *a, nn_error *err) {
    int slot = a->m[0].loaded ? 0 : (a->m[1].loaded ? 1 : -1);
    if (slot < 0) return NN_OK;
    /* a model whose classes do not cover the labels would index past its outputs */
    for (size_t i = 0; i < sizeof a->m / sizeof a->m[0]; i++) {
        if (!a->m[i].loaded) continue;
        nn_status fits = nn_dataset_check_model(&a->sm.data.test_images, &a->sm.data.test_labels,
                                             &a->m[i].net, a->m[i].file, a->sm.data_dir, err);
        if (fits != NN_OK) return fits;
    }
    int count = a->sm.data.test_images.count;
    nn_status st = predict_all(a, slot, &a->sm.pred, err);
    if (st == NN_OK && slot == 0 && a->m[1].loaded) st = predict_all(a, 1, &a->sm.pred_other, err);
    if (st != NN_OK) return st;
    a->sm.errors = 0;
    for (int s = 0; s < count; s++) a->sm.errors += a->sm.pred[s] != a->sm.data.test_labels.labels[s];
    return NN_OK;
}

static void build_sample_list(draw_app *a) {
    int count = a->sm.data.test_images.count, n = 0;
    int current = a->sm.pos >= 0 && a->sm.list ? a->sm.list[a->sm.pos] : 0;
    for (int i = 0; i < count; i++) {
        int label = a->sm.data.test_labels.labels[i];
        int wrong = a->sm.pred && a->sm.pred[i] != label;
        int other_wrong = a->sm.pred_other && a->sm.pred_other[i] != label;
        int keep = a->sm.filter == SAMPLES_ALL                      ? 1
                   : a->sm.filter == SAMPLES_DYAD_WRONG             ? wrong
                   : a->sm.filter == SAMPLES_DYAD_WRONG_DENSE_RIGHT ? wrong && !other_wrong
                                                                    : !wrong && other_wrong;
        if (keep) a->sm.list[n++] = i;
    }
    a->sm.list_n = n;
    a->sm.pos = -1;
    /* stay on the current sample, or the next listed one */
    for (int k = 0; k < n; k++)
        if (a->sm.list[k] >= current) {
            a->sm.pos = k;
            break;
        }
    if (a->sm.pos < 0 && n > 0) a->sm.pos = 0;
}

void samples_show_current(draw_app *a) {
    if (a->sm.pos < 0 || a->sm.pos >= a->sm.list_n) return;
    int index = a->sm.list[a->sm.pos];
    const uint8_t *px = a->sm.data.test_images.pixels + (size_t)index * NN_DIGIT_PIXELS;
    nn_error err;
    if (canvas_set_digit(&a->cv, px, &err) != NN_OK) {
        message_set(a, 1, "%s", err.msg);
        return;
    }
    memcpy(a->digit, px, NN_DIGIT_PIXELS);
    a->have_digit = 1;
    int label = a->sm.data.test_labels.labels[index];
    snprintf(a->canvas_caption, sizeof a->canvas_caption, "MNIST test #%d  \xC2\xB7  true label %d",
             index, label);
    input_mark_changed(a, SRC_DIGIT);
    a->sm.shown = index;
    a->dirty |= D_RIGHT;
}

/* Loads the test split (once) and the DYAD model's predictions on it. */
int samples_load(draw_app *a) {
    if (a->sm.data_state) return a->sm.data_state > 0;
    nn_error err;
    if (!a->sm.data_dir[0]) {
        a->sm.data_state = -1;
        return 0;
    }
    if (nn_dataset_load_test(a->sm.data_dir, &a->sm.data, &err) != NN_OK) {
        a->sm.data_state = -1;
        snprintf(a->sm.data_error, sizeof a->sm.data_error, "MNIST: %s", err.msg);
        message_set(a, 1, "%s", a->sm.data_error);
        return 0;
    }
    if (a->sm.data.test_images.rows * a->sm.data.test_images.cols != NN_DIGIT_PIXELS ||
        a->sm.data.test_images.count < 1) {
        a->sm.data_state = -1;
        snprintf(a->sm.data_error, sizeof a->sm.data_error, "%s: test images are %dx%d, not 28x28",
                 a->sm.data_dir, a->sm.data.test_images.rows, a->sm.data.test_images.cols);
        message_set(a, 1, "%s", a->sm.data_error);
        return 0;
    }
    a->sm.list = malloc(sizeof *a->sm.list * (size_t)a->sm.data.test_images.count);
    if (!a->sm.list || evaluate_samples(a, &err) != NN_OK) {
        a->sm.data_state = -1;
        snprintf(a->sm.data_error, sizeof a->sm.data_error, "MNIST: %s",
                 a->sm.list ? err.msg : "out of memory");
        message_set(a, 1, "%s", a->sm.data_error);
        return 0;
    }
    a->sm.data_state = 1;
    a->sm.pos = 0;
    build_sample_list(a);
    if (a->sm.pred) {
        int n = a->sm.data.test_images.count;
        message_set(a, 0, "%d test digits: the %s model gets %d wrong (%.2f%% accuracy)", n,
                         a->m[0].loaded ? "DYAD" : "baseline", a->sm.errors,
                         100.0 * (n - a->sm.errors) / n);
    }
    return 1;
}

void samples_step(draw_app *a, int delta) {
    if (!samples_load(a) || a->sm.list_n == 0) return;
    int n = a->sm.list_n;
    a->sm.pos = ((a->sm.pos + delta) % n + n) % n;
    samples_show_current(a);
}

static const char *filter_name(int filter) {
    static const char *names[SAMPLES_FILTER_COUNT] = {
        "all test digits", "misclassified (by the DYAD model)", "DYAD wrong, dense right",
        "dense wrong, DYAD right"};
    return names[filter];
}

void samples_set_filter(draw_app *a, int filter) {
    if (!samples_load(a)) return;
    if (filter != SAMPLES_ALL && !a->sm.pred) {
        message_set(a, 1, "this filter needs a model");
        return;
    }
    if ((filter == SAMPLES_DYAD_WRONG_DENSE_RIGHT || filter == SAMPLES_DENSE_WRONG_DYAD_RIGHT) &&
        !a->sm.pred_other) {
        message_set(a, 1, "this filter needs both models");
        return;
    }
    int before = a->sm.filter;
    a->sm.filter = filter;
    build_sample_list(a);
    if (a->sm.list_n == 0) {
        message_set(a, 0, "no test digits: %s", filter_name(filter));
        a->sm.filter = before;
        build_sample_list(a);
    } else if (filter != SAMPLES_ALL) {
        message_set(a, 0, "%d test digits: %s", a->sm.list_n, filter_name(filter));
    }
    a->sm.miss_only = a->sm.filter == SAMPLES_DYAD_WRONG;
    a->dirty |= D_FULL;
    samples_show_current(a);
}

void samples_toggle_miss_only(draw_app *a) {
    samples_set_filter(a, a->sm.filter == SAMPLES_DYAD_WRONG ? SAMPLES_ALL : SAMPLES_DYAD_WRONG);
}

void samples_models_changed(draw_app *a) {
    free(a->sm.pred);
    free(a->sm.pred_other);
    a->sm.pred = a->sm.pred_other = NULL;
    if (a->sm.data_state <= 0) return;
    nn_error err;
    if (evaluate_samples(a, &err) != NN_OK) message_set(a, 1, "MNIST: %s", err.msg);
    a->sm.filter = SAMPLES_ALL;
    a->sm.miss_only = 0;
    build_sample_list(a);
}

/* ---- layout ---- */

void layout_samples(draw_app *a, layout *L, gfx_rect in) {
    int rowh = S(a, 28);
    gfx_rect row = {in.x, in.y, in.w, rowh};
    int x = row.x;
    layout_row_button(a, &x, row, ACT_SAMPLE_STEP, -1, 0, "\xE2\x97\x80  Prev  \xE2\x87\xA7N");
    layout_row_button(a, &x, row, ACT_SAMPLE_STEP, 1, 0, "Next  N  \xE2\x96\xB6");
    x += S(a, 8);
    layout_row_button(a, &x, row, ACT_SAMPLE_MISS, 0, a->sm.filter == SAMPLES_DYAD_WRONG,
                      "Misclassified  M");
    if (a->m[0].loaded && a->m[1].loaded) {
        layout_row_button(a, &x, row, ACT_SAMPLE_FILTER, SAMPLES_DYAD_WRONG_DENSE_RIGHT,
                          a->sm.filter == SAMPLES_DYAD_WRONG_DENSE_RIGHT,
                          "DYAD \xE2\x9C\x97 dense \xE2\x9C\x93");
        layout_row_button(a, &x, row, ACT_SAMPLE_FILTER, SAMPLES_DENSE_WRONG_DYAD_RIGHT,
                          a->sm.filter == SAMPLES_DENSE_WRONG_DYAD_RIGHT,
                          "dense \xE2\x9C\x97 DYAD \xE2\x9C\x93");
    }
    int top = in.y + rowh + S(a, 34);
    L->samples = (gfx_rect){in.x, top, in.w, in.y + in.h - top};
    L->sample_first = L->sample_count = 0;
    if (a->sm.data_state <= 0 || a->sm.list_n == 0) return;
    int thumb = S(a, 56), label_h = S(a, 18), gap = S(a, 8);
    int cw = thumb + gap, chh = thumb + label_h + gap;
    int cols = (L->samples.w + gap) / cw, rows = (L->samples.h + gap) / chh;
    if (cols < 1 || rows < 1) return;
    int page = cols * rows;
    L->sample_first = a->sm.pos >= 0 ? a->sm.pos / page * page : 0;
    L->sample_count = a->sm.list_n - L->sample_first < page ? a->sm.list_n - L->sample_first
                                                                 : page;
    for (int k = 0; k < L->sample_count; k++) {
        gfx_rect r = {L->samples.x + (k % cols) * cw, L->samples.y + (k / cols) * chh, thumb,
                      thumb + label_h};
        /* highlighted only while the canvas shows it */
        int on = L->sample_first + k == a->sm.pos && a->sm.list[a->sm.pos] == a->sm.shown;
        layout_add_widget(L, r, ACT_SAMPLE_PICK, L->sample_first + k, on, STYLE_THUMB, "");
    }
}

void samples_note(const draw_app *a, char *text, size_t size) {
    if (a->sm.data_state > 0)
        snprintf(text, size, "%d test digits", a->sm.data.test_images.count);
    else if (a->sm.data_error[0])
        snprintf(text, size, "No MNIST test set could be read: %s. Start with --data DIR or set "
                 "MNIST_DIR.", a->sm.data_error);
    else
        snprintf(text, size, "No MNIST test set: start with --data DIR or set MNIST_DIR.");
}

/* ---- rendering ---- */

void draw_samples(draw_app *a) {
    gfx_image *img = &a->frame;
    layout *L = &a->lay;
    gfx_rect info = {L->samples.x, L->samples.y - S(a, 26), L->samples.w, S(a, 20)};
    if (a->sm.data_state <= 0) {
        char why[1400]; /* the reason stays here; the message line times out */
        samples_note(a, why, sizeof why);
        draw_text_wrap(img, a->font, inset(L->samples, S(a, 4)), S(a, 14), S(a, 20), COL_DIM, why,
                       4);
        return;
    }
    char text[300];
    int index = a->sm.pos >= 0 ? a->sm.list[a->sm.pos] : -1;
    snprintf(text, sizeof text, "test digit #%d of %d%s%s  \xC2\xB7  %d of %d listed", index,
             a->sm.data.test_images.count, a->sm.filter ? "  \xC2\xB7  " : "",
             a->sm.filter ? filter_name(a->sm.filter) : "", a->sm.pos + 1, a->sm.list_n);
    draw_text_fit(img, a->font, info.x, info.y, S(a, 13), COL_TEXT, text, info.w);
    for (int i = 0; i < L->nw; i++) {
        const widget *w = &L->w[i];
        if (w->style != STYLE_THUMB) continue;
        int idx = a->sm.list[w->arg];
        int thumb = w->r.w;
        gfx_rect t = {w->r.x, w->r.y, thumb, thumb};
        draw_blit_gray(img, t, a->sm.data.test_images.pixels + (size_t)idx * NN_DIGIT_PIXELS, NN_DIGIT_SIDE,
                       NN_DIGIT_SIDE, 0, COL_PAPER, COL_INK);
        int label = a->sm.data.test_labels.labels[idx];
        int wrong = a->sm.pred && a->sm.pred[idx] != label;
        uint32_t edge = w->on ? slot_accent[0] : (wrong ? COL_ERROR : COL_EDGE);
        gfx_rect_outline(img, (gfx_rect){t.x - 1, t.y - 1, t.w + 2, t.h + 2}, edge);
        if (w->on)
            gfx_rect_outline(img, (gfx_rect){t.x - 2, t.y - 2, t.w + 4, t.h + 4}, edge);
        char lab[24];
        if (wrong) snprintf(lab, sizeof lab, "%d \xE2\x86\x92 %d", label, a->sm.pred[idx]);
        else snprintf(lab, sizeof lab, "%d", label);
        draw_text_center(img, a->font, (gfx_rect){t.x, t.y + thumb + S(a, 2), thumb, S(a, 14)},
                         S(a, 11), wrong ? COL_ERROR : COL_DIM, lab);
    }
}
