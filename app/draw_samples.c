/* The MNIST test-set browser of the draw window: loading, misclassified filter, thumbnails. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../nn/dataset.h"
#include "../nn/train.h"
#include "canvas.h"
#include "draw_internal.h"

/* ---- samples ---- */

static nn_status evaluate_samples(draw_app *a, nn_error *err) {
    int slot = a->m[0].loaded ? 0 : (a->m[1].loaded ? 1 : -1);
    if (slot < 0) return NN_OK;
    nn_mlp *net = &a->m[slot].net;
    int count = a->data.test_images.count, batch = 256;
    a->sample_pred = malloc((size_t)count);
    if (!a->sample_pred) return nn_fail(err, NN_ERR_NOMEM, "out of memory for predictions");
    nn_status st = nn_mlp_reserve(net, batch, err);
    if (st != NN_OK) return st;
    if (nn_train_predict(net, &a->data.test_images, batch, a->sample_pred) != NN_OK)
        return nn_fail(err, NN_ERR_NOMEM, "out of memory for predictions");
    a->sample_errors = 0;
    for (int s = 0; s < count; s++) a->sample_errors += a->sample_pred[s] != a->data.test_labels.labels[s];
    return NN_OK;
}

static void build_sample_list(draw_app *a) {
    int count = a->data.test_images.count, n = 0;
    int current = a->sample_pos >= 0 && a->sample_list ? a->sample_list[a->sample_pos] : 0;
    for (int i = 0; i < count; i++) {
        int wrong = a->sample_pred && a->sample_pred[i] != a->data.test_labels.labels[i];
        if (!a->miss_only || wrong) a->sample_list[n++] = i;
    }
    a->sample_list_n = n;
    a->sample_pos = -1;
    /* stay on the current sample, or the next listed one */
    for (int k = 0; k < n; k++)
        if (a->sample_list[k] >= current) {
            a->sample_pos = k;
            break;
        }
    if (a->sample_pos < 0 && n > 0) a->sample_pos = 0;
}

void draw_show_sample(draw_app *a) {
    if (a->sample_pos < 0 || a->sample_pos >= a->sample_list_n) return;
    int index = a->sample_list[a->sample_pos];
    const uint8_t *px = a->data.test_images.pixels + (size_t)index * NN_DIGIT_PIXELS;
    nn_error err;
    if (canvas_set_digit(&a->cv, px, &err) != NN_OK) {
        draw_set_message(a, 1, "%s", err.msg);
        return;
    }
    memcpy(a->digit, px, NN_DIGIT_PIXELS);
    a->have_digit = 1;
    int label = a->data.test_labels.labels[index];
    snprintf(a->canvas_caption, sizeof a->canvas_caption, "MNIST test #%d  \xC2\xB7  true label %d",
             index, label);
    draw_input_changed(a, SRC_DIGIT);
    a->dirty |= D_RIGHT;
}

/* Loads the test split (once) and the DYAD model's predictions on it. */
int draw_ensure_samples(draw_app *a) {
    if (a->data_state) return a->data_state > 0;
    nn_error err;
    if (!a->data_dir[0]) {
        a->data_state = -1;
        return 0;
    }
    if (nn_dataset_load_test(a->data_dir, &a->data, &err) != NN_OK) {
        a->data_state = -1;
        draw_set_message(a, 1, "MNIST: %s", err.msg);
        return 0;
    }
    if (a->data.test_images.rows * a->data.test_images.cols != NN_DIGIT_PIXELS ||
        a->data.test_images.count < 1) {
        a->data_state = -1;
        draw_set_message(a, 1, "%s: test images are %dx%d, not 28x28", a->data_dir,
                         a->data.test_images.rows, a->data.test_images.cols);
        return 0;
    }
    a->sample_list = malloc(sizeof *a->sample_list * (size_t)a->data.test_images.count);
    if (!a->sample_list || evaluate_samples(a, &err) != NN_OK) {
        a->data_state = -1;
        draw_set_message(a, 1, "MNIST: %s", a->sample_list ? err.msg : "out of memory");
        return 0;
    }
    a->data_state = 1;
    a->sample_pos = 0;
    build_sample_list(a);
    if (a->sample_pred) {
        int n = a->data.test_images.count;
        draw_set_message(a, 0, "%d test digits: the %s model gets %d wrong (%.2f%% accuracy)", n,
                         a->m[0].loaded ? "DYAD" : "baseline", a->sample_errors,
                         100.0 * (n - a->sample_errors) / n);
    }
    return 1;
}

void draw_sample_step(draw_app *a, int delta) {
    if (!draw_ensure_samples(a) || a->sample_list_n == 0) return;
    int n = a->sample_list_n;
    a->sample_pos = ((a->sample_pos + delta) % n + n) % n;
    draw_show_sample(a);
}

void draw_toggle_miss_only(draw_app *a) {
    if (!draw_ensure_samples(a)) return;
    if (!a->sample_pred) {
        draw_set_message(a, 1, "misclassified-only needs a model");
        return;
    }
    a->miss_only = !a->miss_only;
    build_sample_list(a);
    if (a->sample_list_n == 0) {
        draw_set_message(a, 0, "no misclassified test digits");
        a->miss_only = 0;
        build_sample_list(a);
    }
    draw_show_sample(a);
}

/* ---- layout ---- */

void draw_layout_samples(draw_app *a, layout *L, gfx_rect in) {
    int rowh = S(a, 28);
    gfx_rect row = {in.x, in.y, in.w, rowh};
    int x = row.x;
    draw_row_button(a, &x, row, ACT_SAMPLE_STEP, -1, 0, "\xE2\x97\x80  Prev  \xE2\x87\xA7N");
    draw_row_button(a, &x, row, ACT_SAMPLE_STEP, 1, 0, "Next  N  \xE2\x96\xB6");
    x += S(a, 8);
    draw_row_button(a, &x, row, ACT_SAMPLE_MISS, 0, a->miss_only, "Misclassified only  M");
    int top = in.y + rowh + S(a, 34);
    L->samples = (gfx_rect){in.x, top, in.w, in.y + in.h - top};
    L->sample_first = L->sample_count = 0;
    if (a->data_state <= 0 || a->sample_list_n == 0) return;
    int thumb = S(a, 56), label_h = S(a, 18), gap = S(a, 8);
    int cw = thumb + gap, chh = thumb + label_h + gap;
    int cols = (L->samples.w + gap) / cw, rows = (L->samples.h + gap) / chh;
    if (cols < 1 || rows < 1) return;
    int page = cols * rows;
    L->sample_first = a->sample_pos >= 0 ? a->sample_pos / page * page : 0;
    L->sample_count = a->sample_list_n - L->sample_first < page ? a->sample_list_n - L->sample_first
                                                                 : page;
    for (int k = 0; k < L->sample_count; k++) {
        gfx_rect r = {L->samples.x + (k % cols) * cw, L->samples.y + (k / cols) * chh, thumb,
                      thumb + label_h};
        draw_add_widget(L, r, ACT_SAMPLE_PICK, L->sample_first + k,
                        L->sample_first + k == a->sample_pos, STYLE_THUMB, "");
    }
}

/* ---- rendering ---- */

void draw_samples(draw_app *a) {
    gfx_image *img = &a->frame;
    layout *L = &a->lay;
    gfx_rect info = {L->samples.x, L->samples.y - S(a, 26), L->samples.w, S(a, 20)};
    if (a->data_state <= 0) {
        const char *why = a->data_dir[0]
                              ? "No MNIST test set could be read (see the message below). "
                                "Start with --data DIR or set MNIST_DIR."
                              : "No MNIST test set: start with --data DIR or set MNIST_DIR.";
        draw_text_wrap(img, a->font, inset(L->samples, S(a, 4)), S(a, 14), S(a, 20), COL_DIM, why,
                       4);
        return;
    }
    char text[200];
    int index = a->sample_pos >= 0 ? a->sample_list[a->sample_pos] : -1;
    snprintf(text, sizeof text, "test digit #%d of %d%s  \xC2\xB7  %d of %d listed", index,
             a->data.test_images.count, a->miss_only ? "  \xC2\xB7  misclassified only" : "",
             a->sample_pos + 1, a->sample_list_n);
    draw_text_fit(img, a->font, info.x, info.y, S(a, 13), COL_TEXT, text, info.w);
    for (int i = 0; i < L->nw; i++) {
        const widget *w = &L->w[i];
        if (w->style != STYLE_THUMB) continue;
        int idx = a->sample_list[w->arg];
        int thumb = w->r.w;
        gfx_rect t = {w->r.x, w->r.y, thumb, thumb};
        draw_blit_gray(img, t, a->data.test_images.pixels + (size_t)idx * NN_DIGIT_PIXELS, NN_DIGIT_SIDE,
                       NN_DIGIT_SIDE, 0, COL_PAPER, COL_INK);
        int label = a->data.test_labels.labels[idx];
        int wrong = a->sample_pred && a->sample_pred[idx] != label;
        uint32_t edge = w->on ? slot_accent[0] : (wrong ? COL_ERROR : COL_EDGE);
        gfx_rect_outline(img, (gfx_rect){t.x - 1, t.y - 1, t.w + 2, t.h + 2}, edge);
        if (w->on)
            gfx_rect_outline(img, (gfx_rect){t.x - 2, t.y - 2, t.w + 4, t.h + 4}, edge);
        char lab[24];
        if (wrong) snprintf(lab, sizeof lab, "%d \xE2\x86\x92 %d", label, a->sample_pred[idx]);
        else snprintf(lab, sizeof lab, "%d", label);
        draw_text_center(img, a->font, (gfx_rect){t.x, t.y + thumb + S(a, 2), thumb, S(a, 14)},
                         S(a, 11), wrong ? COL_ERROR : COL_DIM, lab);
    }
}
