/* The teaching view of the draw window: width, ndyad and variant controls around teach_draw. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "draw_teach.h"
#include "draw_gfx.h"
#include "../render/heatmap.h"
#include "../render/teach.h"
#include "../render/teach_compare.h"

/* ---- state ---- */

static int teach_valid_ndyad(int width, int n) { return n >= 2 && n <= width / 2 && width % n == 0; }

void teach_tab_step_width(draw_app *a, int delta) {
    int w = clampi(a->tc.cfg.width + delta, 8, 64);
    if (w == a->tc.cfg.width) return;
    a->tc.cfg.width = w;
    /* keep ndyad, or the nearest smaller divisor */
    int n = a->tc.cfg.ndyad;
    while (n > 2 && !teach_valid_ndyad(w, n)) n--;
    a->tc.cfg.ndyad = teach_valid_ndyad(w, n) ? n : 2;
    a->dirty |= D_FULL;
}

void teach_tab_step_ndyad(draw_app *a, int dir) {
    int w = a->tc.cfg.width;
    for (int n = a->tc.cfg.ndyad + dir; n >= 2 && n <= w / 2; n += dir)
        if (teach_valid_ndyad(w, n)) {
            a->tc.cfg.ndyad = n;
            a->dirty |= D_FULL;
            return;
        }
}

#define TEACH_STEP_MS 700

void teach_tab_step_row(draw_app *a, int dir) {
    int w = a->tc.cfg.width;
    a->tc.step = a->tc.step < 0 ? (dir > 0 ? 0 : w - 1) : ((a->tc.step + dir) % w + w) % w;
    a->dirty |= D_RIGHT;
}

void teach_tab_set_playing(draw_app *a, int playing) {
    a->tc.playing = playing;
    if (playing) {
        if (a->tc.step < 0) a->tc.step = 0;
        a->tc.next_ms = a->now_ms + TEACH_STEP_MS;
    }
    a->dirty |= D_FULL;
}

void teach_tab_stop(draw_app *a) {
    a->tc.playing = 0;
    a->tc.step = -1;
    a->dirty |= D_FULL;
}

void teach_tab_tick(draw_app *a) {
    if (!a->tc.playing || a->view != DRAW_VIEW_TEACH || a->now_ms < a->tc.next_ms) return;
    teach_tab_step_row(a, 1);
    a->tc.next_ms = a->now_ms + TEACH_STEP_MS;
}

int teach_tab_timeout_ms(const draw_app *a) {
    if (!a->tc.playing || a->view != DRAW_VIEW_TEACH) return -1;
    return a->tc.next_ms > a->now_ms ? (int)(a->tc.next_ms - a->now_ms) : 0;
}

void teach_tab_update_hover(draw_app *a) {
    int k, row, col;
    int on = a->view == DRAW_VIEW_TEACH && a->mouse_in &&
             teach_pick(&a->tc.geo, a->mouse_x, a->mouse_y, &k, &row, &col);
    if (on == a->tc.hover && (!on || (k == a->tc.hover_panel && row == a->tc.hover_row &&
                                      col == a->tc.hover_col)))
        return;
    a->tc.hover = on;
    if (on) a->tc.hover_panel = k, a->tc.hover_row = row, a->tc.hover_col = col;
    a->dirty |= D_RIGHT;
}

/* The square teaching layer (no parameters: only its shape). */
static nn_layer shape_of(const teach_config *c) {
    nn_layer l;
    memset(&l, 0, sizeof l);
    l.kind = c->kind;
    l.in = l.out = c->width;
    l.ndyad = c->ndyad;
    return l;
}

void teach_tab_hover_text(const draw_app *a, char *text, size_t size) {
    const teach_config *c = &a->tc.cfg;
    int w = c->width, n = c->ndyad, A = w / n, B = w / n;
    int row = a->tc.hover_row, col = a->tc.hover_col;
    size_t used = (size_t)snprintf(text, size, "n = %d, a = in/n = %d, b = out/n = %d.  ", n, A, B);
    if (used >= size) return;
    if (a->tc.hover_panel == 4) {
        snprintf(text + used, size - used,
                 "dense W[%d][%d]: one of w\xC2\xB2 = %d weights, each stored and multiplied",
                 row, col, w * w);
        return;
    }
    nn_layer l = shape_of(c);
    int part = nn_layer_weight_part(&l, row, col);
    int show_diag = a->tc.hover_panel != 1, show_trans = a->tc.hover_panel != 0;
    if (!(part & ((show_diag ? 1 : 0) | (show_trans ? 2 : 0)))) {
        snprintf(text + used, size - used,
                 "W[%d][%d]: structural zero in this panel; no weight reaches it, nothing is "
                 "stored or computed", row, col);
        return;
    }
    if ((part & 1) && show_diag) {
        int k = row / B, j = row % B, i = col - k * A;
        used += (size_t)snprintf(text + used, size - used,
                                 "wl[k=%d][j=%d][i=%d] \xE2\x86\x92 W[k\xC2\xB7" "b+j = %d\xC2\xB7%d+%d = %d]"
                                 "[k\xC2\xB7" "a+i = %d\xC2\xB7%d+%d = %d]   ",
                                 k, j, i, k, B, j, row, k, A, i, col);
    }
    if ((part & 2) && show_trans && used < size) {
        for (int k = 0; k < n; k++)
            for (int j = 0; j < B; j++)
                for (int i = 0; i < A; i++) {
                    int r, cc;
                    nn_layer_trans_position(&l, k, j, i, &r, &cc);
                    if (r != row || cc != col) continue;
                    int so = c->kind != NN_LAYER_DYAD_IT, si = c->kind != NN_LAYER_DYAD_OT;
                    char rf[64], cf[64];
                    if (so) snprintf(rf, sizeof rf, "j\xC2\xB7n+k = %d\xC2\xB7%d+%d = %d", j, n, k, r);
                    else snprintf(rf, sizeof rf, "k\xC2\xB7" "b+j = %d\xC2\xB7%d+%d = %d", k, B, j, r);
                    if (si) snprintf(cf, sizeof cf, "i\xC2\xB7n+k = %d\xC2\xB7%d+%d = %d", i, n, k, cc);
                    else snprintf(cf, sizeof cf, "k\xC2\xB7" "a+i = %d\xC2\xB7%d+%d = %d", k, A, i, cc);
                    snprintf(text + used, size - used, "wu[k=%d][j=%d][i=%d] \xE2\x86\x92 W[%s][%s]", k,
                             j, i, rf, cf);
                }
    }
}

/* The first DYAD layer of the loaded models (slot 0 first); NULL when none. */
static const nn_layer *model_dyad_layer(const draw_app *a, int *slot, int *index) {
    for (int s = 0; s < 2; s++)
        for (int i = 0; a->m[s].loaded && i < a->m[s].net.nlayers; i++)
            if (heat_layer_has_parts(&a->m[s].net.layers[i])) { /* DYAD: wl and wu */
                *slot = s, *index = i;
                return &a->m[s].net.layers[i];
            }
    return NULL;
}

void teach_tab_toggle_model(draw_app *a) {
    int s, i;
    if (!a->tc.this_model && !model_dyad_layer(a, &s, &i)) {
        message_set(a, 1, "no DYAD model loaded: give --model with a DYAD net");
        return;
    }
    a->tc.this_model = !a->tc.this_model;
    a->tc.compare = 0;
    a->tc.block = 0;
    a->tc.hover = 0;
    memset(&a->tc.geo, 0, sizeof a->tc.geo);
    a->dirty |= D_FULL;
}

void teach_tab_toggle_compare(draw_app *a) {
    a->tc.compare = !a->tc.compare;
    a->tc.this_model = 0;
    a->tc.hover = 0;
    memset(&a->tc.geo, 0, sizeof a->tc.geo);
    a->dirty |= D_FULL;
}

void teach_tab_step_block(draw_app *a, int dir) {
    int s, i;
    const nn_layer *l = model_dyad_layer(a, &s, &i);
    if (!l) return;
    a->tc.block = ((a->tc.block + dir) % l->ndyad + l->ndyad) % l->ndyad;
    a->dirty |= D_RIGHT;
}

/* One part's block (b x a values) as cells in the weight colours. */
static void draw_block(draw_app *a, gfx_rect r, const float *w, int rows, int cols, float range,
                       const char *title, const char *sub) {
    gfx_image *img = &a->frame;
    gfx_text(img, bold_font(a), r.x, r.y, S(a, 15), COL_TEXT, title);
    draw_text_fit(img, a->font, r.x, r.y + S(a, 20), S(a, 12), COL_DIM, sub, r.w);
    int top = r.y + S(a, 42);
    int cell = (r.h - S(a, 42)) / rows < r.w / cols ? (r.h - S(a, 42)) / rows : r.w / cols;
    if (cell < 1) cell = 1;
    for (int j = 0; j < rows; j++)
        for (int i = 0; i < cols; i++)
            gfx_fill_rect(img, (gfx_rect){r.x + i * cell, top + j * cell, cell, cell},
                          heat_color(w[(size_t)j * cols + i], HEAT_SIGNED, range));
    gfx_rect_outline(img, (gfx_rect){r.x - 1, top - 1, cols * cell + 2, rows * cell + 2}, COL_EDGE);
}

static void draw_this_model(draw_app *a) {
    gfx_image *img = &a->frame;
    gfx_rect R = a->lay.teach;
    int slot, index;
    const nn_layer *l = model_dyad_layer(a, &slot, &index);
    if (!l) return;
    int n = l->ndyad, A = l->in / n, B = l->out / n, k = a->tc.block;
    const float *wl = l->param.wl + (size_t)k * A * B, *wu = l->param.wu + (size_t)k * A * B;
    float range = 0.0f;
    for (size_t e = 0; e < (size_t)A * B; e++) {
        if (fabsf(wl[e]) > range) range = fabsf(wl[e]);
        if (fabsf(wu[e]) > range) range = fabsf(wu[e]);
    }
    gfx_fill_rect(img, R, COL_PANEL);
    char head[200], s1[200], s2[240];
    snprintf(head, sizeof head, "%s, layer %d (%d \xE2\x86\x92 %d), block k = %d of %d: its real weights",
             a->m[slot].title, index + 1, l->in, l->out, k, n);
    gfx_text(img, bold_font(a), R.x, R.y, S(a, 16), slot_accent[slot], head);
    snprintf(s1, sizeof s1, "wl[%d]: %d outputs \xC3\x97 %d inputs, W rows %d..%d, columns %d..%d", k, B, A,
             k * B, k * B + B - 1, k * A, k * A + A - 1);
    int strided_in = l->kind != NN_LAYER_DYAD_OT, strided_out = l->kind != NN_LAYER_DYAD_IT;
    char rows[80], cols[80];
    if (strided_out) snprintf(rows, sizeof rows, "%d, %d, %d, ... (every %d-th)", k, k + n, k + 2 * n, n);
    else snprintf(rows, sizeof rows, "%d..%d", k * B, k * B + B - 1);
    if (strided_in) snprintf(cols, sizeof cols, "%d, %d, %d, ... (every %d-th)", k, k + n, k + 2 * n, n);
    else snprintf(cols, sizeof cols, "%d..%d", k * A, k * A + A - 1);
    snprintf(s2, sizeof s2, "wu[%d]: %d \xC3\x97 %d, W rows %s, columns %s", k, B, A, rows, cols);
    int gap = S(a, 30), half = (R.w - gap) / 2;
    gfx_rect p1 = {R.x, R.y + S(a, 34), half, R.h - S(a, 70)};
    gfx_rect p2 = {R.x + half + gap, R.y + S(a, 34), half, R.h - S(a, 70)};
    draw_block(a, p1, wl, B, A, range, "BLOCK DIAG", s1);
    draw_block(a, p2, wu, B, A, range, "BLOCK TRANS", s2);
    draw_text_fit(img, a->font, R.x, R.y + R.h - S(a, 22), S(a, 12), COL_DIM,
                  "Red positive, blue negative, one colour range for both parts.  Left / Right: "
                  "another block.  Same layout as the panels of the model-free view.",
                  R.w);
}

/* "y[5] = W[5] x reads x[4..7] (BLOCK DIAG) and x[1, 5, 9, 13] (BLOCK TRANS)" */
void teach_tab_step_text(const draw_app *a, char *text, size_t size) {
    const teach_config *c = &a->tc.cfg;
    nn_layer l = shape_of(c);
    int row = a->tc.step, w = c->width;
    char diag[200] = "", trans[200] = "";
    size_t nd = 0, nt = 0;
    int count = 0;
    for (int col = 0; col < w; col++) {
        int part = nn_layer_weight_part(&l, row, col);
        count += part != 0;
        if ((part & 1) && nd < sizeof diag - 8)
            nd += (size_t)snprintf(diag + nd, sizeof diag - nd, nd ? ", %d" : "%d", col);
        if ((part & 2) && nt < sizeof trans - 8)
            nt += (size_t)snprintf(trans + nt, sizeof trans - nt, nt ? ", %d" : "%d", col);
    }
    snprintf(text, size,
             "Step: y[%d] = W[%d] x reads %d of %d inputs: x[%s] through BLOCK DIAG, x[%s] through "
             "BLOCK TRANS; a dense row reads all %d.",
             row, row, count, w, diag, trans, w);
}

/* ---- layout ---- */

/* "- NAME VALUE +": step buttons around a label as wide as the widest value. */
static void teach_counter(draw_app *a, layout *L, int *x, gfx_rect row, action act, int step,
                          const char *name, int value, const char *widest) {
    char label[32];
    layout_row_button(a, x, row, act, -step, 0, "\xE2\x88\x92");
    snprintf(label, sizeof label, "%s %d", name, value);
    int w = text_w(a->font, S(a, 13), widest);
    layout_add_widget(L, (gfx_rect){*x, row.y, w + S(a, 12), row.h}, ACT_NONE, 0, 0, STYLE_TAB, label);
    *x += w + S(a, 18);
    layout_row_button(a, x, row, act, step, 0, "+");
    *x += S(a, 14);
}

void layout_teach(draw_app *a, layout *L, gfx_rect in) {
    int rowh = S(a, 28);
    gfx_rect row = {in.x, in.y, in.w, rowh};
    int x = row.x;
    teach_counter(a, L, &x, row, ACT_TEACH_WIDTH, 4, "width", a->tc.cfg.width, "width 64");
    teach_counter(a, L, &x, row, ACT_TEACH_NDYAD, 1, "ndyad", a->tc.cfg.ndyad, "ndyad 32");
    layout_row_button(a, &x, row, ACT_TEACH_KIND, NN_LAYER_DYAD_IT, a->tc.cfg.kind == NN_LAYER_DYAD_IT,
                    "IT");
    layout_row_button(a, &x, row, ACT_TEACH_KIND, NN_LAYER_DYAD_OT, a->tc.cfg.kind == NN_LAYER_DYAD_OT,
                    "OT");
    layout_row_button(a, &x, row, ACT_TEACH_KIND, NN_LAYER_DYAD_DT, a->tc.cfg.kind == NN_LAYER_DYAD_DT,
                    "DT");
    x += S(a, 16);
    layout_row_button(a, &x, row, ACT_TEACH_PLAY, 0, a->tc.playing,
                      a->tc.playing ? "\xE2\x9D\x9A\xE2\x9D\x9A Pause  Space"
                                    : "\xE2\x96\xB6 Play y = Wx  Space");
    layout_row_button(a, &x, row, ACT_TEACH_STEP, 1, 0, "Step  .");
    x += S(a, 16);
    layout_row_button(a, &x, row, ACT_TEACH_MODEL, 0, a->tc.this_model, "This model  L");
    layout_row_button(a, &x, row, ACT_TEACH_COMPARE, 0, a->tc.compare, "Compare kinds  K");
    int top = in.y + rowh + S(a, 8);
    L->teach_info = (gfx_rect){in.x, top, in.w, S(a, 36)};
    top += S(a, 40);
    L->teach = (gfx_rect){in.x, top, in.w, in.y + in.h - top};
}

/* ---- rendering ---- */

void draw_teach(draw_app *a) {
    gfx_image *img = &a->frame;
    if (a->tc.this_model) {
        draw_this_model(a);
        return;
    }
    nn_error err;
    if (a->tc.compare) {
        teach_compare_config c = {a->tc.cfg.width, a->tc.cfg.ndyad, a->tc.cfg.kind};
        memset(&a->tc.geo, 0, sizeof a->tc.geo); /* no cell picking here */
        if (teach_compare_draw(img, a->lay.teach, a->font, &c, &err) != NN_OK)
            draw_text_wrap(img, a->font, inset(a->lay.teach, S(a, 8)), S(a, 14), S(a, 20), COL_DIM,
                           err.msg, 4);
        draw_text_wrap(img, a->font, a->lay.teach_info, S(a, 13), S(a, 17), COL_DIM,
                       "The same width and N four ways: BLOCK DIAG alone, DYAD, Monarch and a "
                       "random mask at DYAD's weight count.  K: back to DYAD's panels.", 2);
        return;
    }
    if (teach_draw_ex(img, a->lay.teach, a->font, &a->tc.cfg, a->tc.step, &a->tc.geo, &err) !=
        NN_OK) {
        memset(&a->tc.geo, 0, sizeof a->tc.geo);
        draw_text_wrap(img, a->font, inset(a->lay.teach, S(a, 8)), S(a, 14), S(a, 20), COL_DIM,
                       err.msg, 4);
    }
    /* what the pointer is on, or the step, in words with the numbers filled in */
    char text[600];
    uint32_t colour = COL_TEXT;
    if (a->tc.hover) teach_tab_hover_text(a, text, sizeof text);
    else if (a->tc.step >= 0) teach_tab_step_text(a, text, sizeof text);
    else {
        snprintf(text, sizeof text,
                 "Point at any cell for its wl / wu element, block k and index formulas; Space "
                 "plays y = W x one output row at a time.");
        colour = COL_DIM;
    }
    draw_text_wrap(img, a->font, a->lay.teach_info, S(a, 13), S(a, 17), colour, text, 2);
}
