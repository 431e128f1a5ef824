/* The fixed panels of the draw window: tabs, canvas, predictions, status bar, help overlay. */
#include <stdio.h>
#include <string.h>

#include "../render/canvas.h"
#include "draw_activations.h"
#include "draw_panels.h"
#include "draw_gfx.h"
#include "draw_weights.h"

/* ---- layout ---- */

void layout_header(draw_app *a, layout *L) {
    static const char *names[DRAW_VIEW_COUNT] = {"1  Weights", "2  Receptive fields",
                                                 "3  Teaching", "4  MNIST samples", "5  Why",
                                                 "6  Training"};
    static const char *short_names[DRAW_VIEW_COUNT] = {"1 Weights", "2 Fields", "3 Teach",
                                                       "4 Samples", "5 Why", "6 Train"};
    int px = S(a, 14), pad = S(a, 24);
    int x0 = S(a, 14) + text_w(bold_font(a), S(a, 18), "dyad draw") + S(a, 28);
    int limit = L->header.w - S(a, 110);
    int total = x0;
    for (int v = 0; v < DRAW_VIEW_COUNT; v++) total += text_w(a->font, px, names[v]) + pad + S(a, 2);
    const char **use = total <= limit ? names : short_names;
    if (use == short_names) pad = S(a, 14);
    int x = x0;
    for (int v = 0; v < DRAW_VIEW_COUNT; v++) {
        int w = text_w(a->font, px, use[v]) + pad;
        if (x + w > limit) break;
        layout_add_widget(L, (gfx_rect){x, 0, w, L->header.h}, ACT_VIEW, v, a->view == (draw_view)v,
                        STYLE_TAB, use[v]);
        x += w + S(a, 2);
    }
    const char *help = "F1  Help";
    int w = text_w(a->font, px, help) + S(a, 22);
    layout_add_widget(L, (gfx_rect){L->header.w - w - S(a, 10), S(a, 8), w, L->header.h - S(a, 16)},
                    ACT_HELP, 0, a->help, STYLE_BUTTON, help);
}

static void left_buttons(draw_app *a, layout *L, int x, int y, int bw, int vertical) {
    int bh = S(a, 30), gap = S(a, 8);
    if (bw < S(a, 40)) return;
    /* short labels when the long ones do not fit */
    int roomy = text_w(a->font, S(a, 13), "Undo  (Ctrl+Z)") + S(a, 16) <= bw;
    layout_add_widget(L, (gfx_rect){x, y, bw, bh}, ACT_CLEAR, 0, 0, STYLE_BUTTON,
                    roomy ? "Clear  (C)" : "Clear");
    gfx_rect undo = vertical ? (gfx_rect){x, y + bh + gap, bw, bh} : (gfx_rect){x + bw + gap, y, bw, bh};
    layout_add_widget(L, undo, ACT_UNDO, 0, 0, STYLE_BUTTON, roomy ? "Undo  (Ctrl+Z)" : "Undo");
}

/* The network view is a multiple of 28 pixels so each input pixel is a square. */
static int netview_side(int room) {
    if (room >= 56) room -= room % 28;
    return room < 28 ? 28 : room;
}

void layout_left(draw_app *a, layout *L) {
    gfx_rect in = inset(L->left, S(a, 12));
    L->canvas_title = (gfx_rect){in.x, in.y, in.w, S(a, 22)};
    int top = in.y + S(a, 30), avail_h = in.y + in.h - top;
    /* canvas on top with the extras below, or the extras in a column beside
     * it (wide, low panels): whichever gives the bigger canvas */
    int side_w = S(a, 150);
    int cs_col = in.w < avail_h - S(a, 96) ? in.w : avail_h - S(a, 96);
    int cs_row = avail_h < in.w - side_w - S(a, 14) ? avail_h : in.w - side_w - S(a, 14);
    L->left_hint = (gfx_rect){0, 0, 0, 0};
    if (cs_row > cs_col) {
        int cs = cs_row < 32 ? 32 : cs_row;
        L->canvas = (gfx_rect){in.x, top, cs, cs};
        int sx = in.x + cs + S(a, 14), sw = in.x + in.w - sx;
        L->netview_label = (gfx_rect){sx, top, sw, S(a, 18)};
        int room = cs - S(a, 20) - 2 * S(a, 30) - S(a, 8) - S(a, 12);
        int nv = netview_side(room < sw ? room : sw);
        if (nv > S(a, 196)) nv = netview_side(S(a, 196));
        L->netview = (gfx_rect){sx, top + S(a, 20), nv, nv};
        left_buttons(a, L, sx, L->netview.y + nv + S(a, 12), sw < S(a, 150) ? sw : S(a, 150), 1);
        return;
    }
    int cs = cs_col < 32 ? 32 : cs_col;
    L->canvas = (gfx_rect){in.x + (in.w - cs) / 2, top, cs, cs};
    int by = L->canvas.y + cs + S(a, 12);
    int bh = in.y + in.h - by;
    int room = bh - S(a, 22);
    if (room > cs / 2) room = cs / 2;
    if (room > S(a, 196)) room = S(a, 196);
    int nv = netview_side(room);
    L->netview_label = (gfx_rect){L->canvas.x, by, cs, S(a, 18)};
    L->netview = (gfx_rect){L->canvas.x, by + S(a, 20), nv, nv};
    int bx = L->netview.x + nv + S(a, 14);
    int bw = L->canvas.x + cs - bx;
    if (bw > S(a, 150)) bw = S(a, 150);
    left_buttons(a, L, bx, L->netview.y, bw, 1);
    int hy = L->netview.y + 2 * S(a, 30) + S(a, 20);
    L->left_hint = (gfx_rect){bx, hy, L->canvas.x + cs - bx, L->netview.y + nv - hy};
}

/* ---- rendering ---- */

void draw_header(draw_app *a) {
    gfx_image *img = &a->frame;
    layout *L = &a->lay;
    gfx_fill_rect(img, L->header, COL_HEADER);
    gfx_fill_rect(img, (gfx_rect){0, L->header.h - 1, L->header.w, 1}, COL_EDGE);
    gfx_text(img, bold_font(a), S(a, 14), (L->header.h - S(a, 18)) / 2 - S(a, 1), S(a, 18),
             COL_TEXT, "dyad draw");
    draw_widgets_in(a, L->header);
}

void draw_status(draw_app *a) {
    gfx_image *img = &a->frame;
    layout *L = &a->lay;
    gfx_fill_rect(img, L->status, COL_HEADER);
    gfx_fill_rect(img, (gfx_rect){0, L->status.y, L->status.w, 1}, COL_EDGE);
    int px = S(a, 12), ty = L->status.y + (L->status.h - px) / 2;
    /* right: the latest measurements */
    char timing[160] = "";
    size_t used = 0;
    for (int i = 0; i < 2; i++)
        if (a->m[i].has_pred)
            used += (size_t)snprintf(timing + used, sizeof timing - used, "%s%s %.0f \xC2\xB5s",
                                     used ? "   " : "forward  ", a->m[i].title, a->m[i].last_us);
    if (a->frame_ms.n)
        snprintf(timing + used, sizeof timing - used, "%sframe %.1f ms", used ? "   " : "",
                 a->frame_ms.v[a->frame_ms.n - 1]);
    int tw = text_w(a->font, px, timing);
    gfx_text(img, a->font, L->status.w - tw - S(a, 12), ty, px, COL_FAINT, timing);
    const char *msg = a->msg[0] ? a->msg
                                : "Draw with the left button, erase with the right.  Drop an "
                                  "image file to classify it.  F1 for every key.";
    uint32_t c = a->msg[0] ? (a->msg_error ? COL_ERROR : COL_GOOD) : COL_DIM;
    char hover[480];
    if (!a->msg[0] && a->m[0].has_pred && a->m[1].has_pred && a->m[0].top != a->m[1].top) {
        /* said plainly, for as long as it is true */
        snprintf(hover, sizeof hover, "The models disagree: %s says %d, %s says %d.  5 shows why.",
                 a->m[0].title, a->m[0].top, a->m[1].title, a->m[1].top);
        msg = hover;
        c = COL_HIGHLIGHT;
    }
    if (!a->msg[0] && a->wt.hover && a->lay.info.h <= 0) { /* no info line in a low view */
        size_t n = (size_t)snprintf(hover, sizeof hover, "%s: ", a->m[a->wt.hover_slot].title);
        weights_hover_text(a, hover + n, sizeof hover - n);
        msg = hover;
        c = COL_TEXT;
    }
    draw_text_fit(img, a->font, S(a, 12), ty, px, c, msg, L->status.w - tw - S(a, 36));
}

void draw_left(draw_app *a) {
    gfx_image *img = &a->frame;
    layout *L = &a->lay;
    if (L->left.w <= 0) return;
    draw_fill_round(img, L->left, S(a, 8), COL_PANEL);
    const char *title = a->canvas_caption[0] ? a->canvas_caption : "Draw a digit";
    draw_text_fit(img, bold_font(a), L->canvas_title.x, L->canvas_title.y, S(a, 16), COL_TEXT,
                  title, L->canvas_title.w);
    gfx_rect c = L->canvas;
    draw_blit_gray(img, c, a->cv.ink, a->cv.side, a->cv.side, 1, COL_PAPER, COL_INK);
    gfx_rect_outline(img, (gfx_rect){c.x - 1, c.y - 1, c.w + 2, c.h + 2}, COL_EDGE);
    int empty = a->input_src == SRC_CANVAS && canvas_is_empty(&a->cv);
    if (empty) {
        /* corner marks of the area a digit should fill */
        int m = c.w / 7, len = c.w / 14;
        uint32_t mark = GFX_RGB(0x33, 0x3A, 0x44);
        int xs[2] = {c.x + m, c.x + c.w - m - 1}, ys[2] = {c.y + m, c.y + c.h - m - 1};
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 2; j++) {
                int dx = i ? -1 : 1, dy = j ? -1 : 1;
                gfx_fill_rect(img, (gfx_rect){dx > 0 ? xs[i] : xs[i] - len + 1, ys[j], len, 2},
                              mark);
                gfx_fill_rect(img, (gfx_rect){xs[i], dy > 0 ? ys[j] : ys[j] - len + 1, 2, len},
                              mark);
            }
        draw_text_center(img, a->font, c, S(a, 15), COL_FAINT, "draw a digit here");
    }
    draw_text_fit(img, a->font, L->netview_label.x, L->netview_label.y, S(a, 12), COL_DIM,
                  "network input (28\xC3\x97" "28)", L->netview_label.w);
    static const uint8_t blank[NN_DIGIT_PIXELS];
    draw_blit_gray(img, L->netview, a->have_digit ? a->digit : blank, NN_DIGIT_SIDE, NN_DIGIT_SIDE, 0,
                   COL_PAPER, COL_INK);
    gfx_rect nv = L->netview;
    gfx_rect_outline(img, (gfx_rect){nv.x - 1, nv.y - 1, nv.w + 2, nv.h + 2}, COL_EDGE);
    draw_widgets_in(a, L->left);
    if (L->left_hint.h > S(a, 30)) {
        /* whole sentences only: the long tip when its lines fit, else the short one */
        const char *tip = "Left drag draws, right drag erases. Drop a PNG/JPG on the window to "
                          "classify it.";
        int lines = (L->left_hint.h + S(a, 4)) / S(a, 15);
        if (draw_text_lines(a->font, L->left_hint.w, S(a, 11), tip) > lines)
            tip = "Left drag draws, right drag erases.";
        if (draw_text_lines(a->font, L->left_hint.w, S(a, 11), tip) <= lines)
            draw_text_wrap(img, a->font, L->left_hint, S(a, 11), S(a, 15), COL_FAINT, tip, lines);
    }
}

/* nn_mlp_describe's " -> " shown as arrows. */
static void arrows(const char *in, char *out, size_t size) {
    size_t n = 0;
    while (*in && n + 4 < size) {
        if (!strncmp(in, " -> ", 4)) {
            memcpy(out + n, " \xE2\x86\x92 ", 5);
            n += 5;
            in += 4;
        } else {
            out[n++] = *in++;
        }
    }
    out[n] = 0;
}

void draw_prediction(draw_app *a, int slot) {
    gfx_image *img = &a->frame;
    gfx_rect panel = a->lay.pred[slot], P = a->lay.pred_body[slot];
    model_slot *m = &a->m[slot];
    uint32_t accent = slot_accent[slot];
    if (P.w <= 0 || P.h <= 0) return;
    draw_fill_round(img, panel, S(a, 8), COL_PANEL);
    if (m->loaded) draw_activations(a, slot);
    gfx_fill_rect(img, (gfx_rect){P.x + S(a, 8), P.y, P.w - S(a, 16), S(a, 3)}, accent);
    int x = P.x + S(a, 14), iw = P.w - S(a, 28), y = P.y + S(a, 14);
    const char *role = slot == 0 ? "model" : "baseline";
    int rw = text_w(a->font, S(a, 11), role);
    gfx_text(img, a->font, x + iw - rw, y + S(a, 4), S(a, 11), COL_FAINT, role);
    if (!m->loaded) {
        gfx_text(img, bold_font(a), x, y, S(a, 20), COL_DIM, "no model");
        draw_text_wrap(img, a->font, (gfx_rect){x, y + S(a, 34), iw, P.h - S(a, 60)}, S(a, 12),
                       S(a, 17), COL_DIM, m->note[0] ? m->note : "no checkpoint given", 8);
        return;
    }
    draw_text_fit(img, bold_font(a), x, y, S(a, 20), accent, m->title, iw - rw - S(a, 8));
    y += S(a, 28);
    int small = S(a, 12), lh = S(a, 16);
    int classes = nn_mlp_classes(&m->net);
    /* what fits: drop detail lines, then shrink the big digit, before the bars */
    int arch_lines = 2, show_file = 1, show_acc = 1, big = S(a, 56);
    int avail = P.y + P.h - S(a, 12) - y;
    for (int level = 0; level < 6; level++) {
        int need = (show_file + arch_lines + show_acc) * lh + S(a, 14) + big + S(a, 12) +
                   classes * S(a, 15);
        if (need <= avail) break;
        switch (level) {
        case 0: arch_lines = 1; break;
        case 1: big = S(a, 40); break;
        case 2: show_file = 0; break;
        case 3: show_acc = 0; break;
        case 4: arch_lines = 0; break;
        default: big = S(a, 30); break;
        }
    }
    if (show_file) {
        draw_text_fit(img, a->font, x, y, small, COL_TEXT, m->file, iw);
        y += lh;
    }
    if (arch_lines) {
        char arch[600];
        arrows(m->arch, arch, sizeof arch);
        y += draw_text_wrap(img, a->font, (gfx_rect){x, y, iw, lh * arch_lines}, small, lh, COL_DIM,
                            arch, arch_lines);
    }
    if (show_acc) {
        char acc[96];
        if (m->rec.test_accuracy >= 0.0)
            snprintf(acc, sizeof acc, "test accuracy %.2f%%", 100.0 * m->rec.test_accuracy);
        else
            snprintf(acc, sizeof acc, "test accuracy unknown");
        gfx_text(img, a->font, x, y, small, COL_DIM, acc);
        y += lh;
    }
    y += S(a, 6);
    gfx_fill_rect(img, (gfx_rect){x, y, iw, 1}, COL_EDGE);
    y += S(a, 8);

    gfx_rect top = {x, y, iw, big + S(a, 4)};
    if (m->has_pred) {
        char d[12], p[32], t[48];
        snprintf(d, sizeof d, "%d", m->top);
        int dw = gfx_text(img, bold_font(a), x, y - big / 8, big, accent, d);
        snprintf(p, sizeof p, "%.1f%%", 100.0 * m->probs[m->top]);
        int py = y + (big - S(a, 20) - S(a, 6) - small) / 2;
        gfx_text(img, bold_font(a), x + dw + S(a, 14), py, S(a, 20), COL_TEXT, p);
        snprintf(t, sizeof t, "forward %.0f \xC2\xB5s", m->last_us);
        gfx_text(img, a->font, x + dw + S(a, 14), py + S(a, 26), small, COL_DIM, t);
        /* against the true label of a test sample */
        if (a->input_src == SRC_DIGIT && a->view == DRAW_VIEW_SAMPLES && a->sm.data_state > 0 &&
            a->sm.pos >= 0) {
            int label = a->sm.data.test_labels.labels[a->sm.list[a->sm.pos]];
            const char *mark = label == m->top ? "\xE2\x9C\x93 right" : "\xE2\x9C\x97 wrong";
            int mw = text_w(bold_font(a), S(a, 14), mark);
            gfx_text(img, bold_font(a), x + iw - mw, y + S(a, 8), S(a, 14),
                     label == m->top ? COL_GOOD : COL_ERROR, mark);
        }
    } else {
        gfx_text(img, a->font, x, y + (big - S(a, 16)) / 2, S(a, 16), COL_DIM, "draw a digit");
    }
    y = top.y + top.h + S(a, 8);

    /* ten bars */
    int bottom = P.y + P.h - S(a, 12);
    int row = (bottom - y) / classes;
    if (row > S(a, 24)) row = S(a, 24);
    if (row < 6) return;
    int label_w = S(a, 16), pct_w = text_w(a->font, small, "100.0%") + S(a, 6);
    int bar_x = x + label_w, bar_w = iw - label_w - pct_w;
    int bar_h = row * 2 / 3;
    /* the labels keep their scaled size while the rows allow it */
    int fpx = row - 2 < small ? row - 2 : small;
    if (fpx < S(a, 9)) fpx = S(a, 9) < row ? S(a, 9) : row;
    if (fpx < 7) fpx = 7;
    for (int c = 0; c < classes; c++) {
        int ry = y + c * row;
        char d[12];
        snprintf(d, sizeof d, "%d", c);
        int is_top = m->has_pred && c == m->top;
        gfx_text(img, a->font, x, ry + (row - fpx) / 2, fpx, is_top ? COL_TEXT : COL_DIM, d);
        gfx_rect bar = {bar_x, ry + (row - bar_h) / 2, bar_w, bar_h};
        draw_fill_round(img, bar, S(a, 3), COL_BAR_BG);
        if (m->has_pred) {
            float p = m->probs[c];
            int w = (int)lroundf(p * bar_w);
            if (w > 0) draw_fill_round(img, (gfx_rect){bar.x, bar.y, w, bar.h}, S(a, 3),
                                       is_top ? accent : COL_BAR);
            char pct[16];
            snprintf(pct, sizeof pct, "%.1f%%", 100.0 * p);
            int pw = text_w(a->font, fpx, pct);
            gfx_text(img, a->font, x + iw - pw, ry + (row - fpx) / 2, fpx,
                     is_top ? COL_TEXT : COL_FAINT, pct);
        }
    }
}
