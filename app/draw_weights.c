/* The weights view (layer heatmaps) and the receptive-field view of the draw window. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "draw_internal.h"
#include "heatmap.h"
#include "receptive.h"

/* ---- heatmaps ---- */

void draw_rebuild_heat(draw_app *a) {
    if (!a->heat_stale) return;
    a->heat_stale = 0;
    for (int i = 0; i < 2; i++) {
        model_slot *m = &a->m[i];
        heat_matrix_free(&m->heat);
        memset(&m->heat, 0, sizeof m->heat);
        if (!m->loaded || a->layer >= m->net.nlayers) continue;
        nn_error err;
        if (heat_matrix_build(&m->heat, &m->net.layers[a->layer], a->parts, a->permuted, &err) !=
            NN_OK) {
            heat_matrix_free(&m->heat);
            memset(&m->heat, 0, sizeof m->heat);
            draw_set_message(a, 1, "heatmap: %s", err.msg);
        }
    }
    /* one colour range for both, so equal colours mean equal weights; the 99th
     * percentile of |w| rather than the maximum, which a few outliers set so high
     * that every other weight looks white (as `dyad heatmap` does) */
    float range = 0.0f;
    for (int i = 0; i < 2; i++) {
        float q = a->m[i].heat.rows ? heat_matrix_abs_quantile(&a->m[i].heat, 0.99f) : 0.0f;
        if (q > range) range = q;
    }
    a->hv.range = range > 0.0f ? range : 1.0f;
    a->hover = 0;
    a->dirty |= D_RIGHT;
}

void draw_heat_dims(const draw_app *a, int *rows, int *cols) {
    *rows = *cols = 0;
    for (int i = 0; i < 2; i++) {
        const heat_matrix *h = &a->m[i].heat;
        if (h->rows > *rows) *rows = h->rows;
        if (h->cols > *cols) *cols = h->cols;
    }
}

/* ---- layout ---- */

/* The largest cells of one size that show rows x cols in w x h, as
 * heat_view_fit computes them. */
static float fit_zoom(int rows, int cols, int w, int h) {
    if (rows <= 0 || cols <= 0 || w <= 0 || h <= 0) return 1.0f;
    float z = fminf((float)w / cols, (float)h / rows);
    if (z >= 1.0f) z = floorf(z);
    return z;
}

static void layout_toggles(draw_app *a, layout *L, gfx_rect row, int with_permuted,
                           int with_zoom) {
    int x = row.x;
    draw_row_button(a, &x, row, ACT_PARTS, HEAT_PART_DIAG, a->parts == HEAT_PART_DIAG, "Diag  D");
    draw_row_button(a, &x, row, ACT_PARTS, HEAT_PART_TRANS, a->parts == HEAT_PART_TRANS,
                    "Trans  T");
    draw_row_button(a, &x, row, ACT_PARTS, HEAT_PART_BOTH, a->parts == HEAT_PART_BOTH, "Both  B");
    x += S(a, 8);
    if (with_permuted)
        draw_row_button(a, &x, row, ACT_PERMUTED, 0, a->permuted, "Permuted  P");
    draw_row_button(a, &x, row, ACT_SCALE, 0, a->scale == HEAT_ABS, "|w|  A");
    if (with_zoom) {
        x += S(a, 8);
        draw_row_button(a, &x, row, ACT_ZOOM, -1, 0, "\xE2\x88\x92");
        draw_row_button(a, &x, row, ACT_ZOOM, 1, 0, "+");
        draw_row_button(a, &x, row, ACT_ZOOM_RESET, 0, 0, "Fit  0");
    }
    (void)L;
}

void draw_layout_weights(draw_app *a, layout *L, gfx_rect in) {
    int rowh = S(a, 28), gap = S(a, 8);
    /* low view: layer tabs and toggles share one row, no info line (the
     * status bar shows what the pointer is on) */
    int low = in.h < S(a, 330);
    gfx_rect tabs = {in.x, in.y, in.w, rowh};
    int x = tabs.x;
    int n = draw_max_layers(a);
    for (int i = 0; i < n; i++) {
        const nn_layer *l = NULL;
        for (int s = 0; s < 2 && !l; s++)
            if (a->m[s].loaded && i < a->m[s].net.nlayers) l = &a->m[s].net.layers[i];
        char label[64];
        snprintf(label, sizeof label, "Layer %d  %d\xE2\x86\x92%d", i + 1, l->in, l->out);
        if (low || !draw_row_button(a, &x, tabs, ACT_LAYER, i, a->layer == i, label)) {
            snprintf(label, sizeof label, "L%d", i + 1);
            draw_row_button(a, &x, tabs, ACT_LAYER, i, a->layer == i, label);
        }
    }
    int below;
    if (low) {
        gfx_rect rest = {x + S(a, 8), in.y, in.x + in.w - x - S(a, 8), rowh};
        layout_toggles(a, L, rest, 1, 1);
        below = in.y + rowh;
    } else {
        gfx_rect tog = {in.x, in.y + rowh + gap, in.w, rowh};
        layout_toggles(a, L, tog, 1, 1);
        below = tog.y + rowh;
    }

    int top = below + S(a, 12);
    int legend_h = low ? S(a, 28) : S(a, 34), info_h = low ? 0 : S(a, 22);
    L->legend = (gfx_rect){in.x, in.y + in.h - legend_h, in.w < S(a, 520) ? in.w : S(a, 520),
                           legend_h};
    L->info = (gfx_rect){in.x, L->legend.y - info_h - (low ? 0 : S(a, 6)), in.w, info_h};
    L->body = (gfx_rect){in.x, top, in.w, L->info.y - S(a, 8) - top};

    int rows, cols;
    draw_heat_dims(a, &rows, &cols);
    if (!rows) rows = cols = 1;
    int cap = S(a, 22), mgap = S(a, 14);
    gfx_rect b = L->body;
    /* side by side or stacked: whichever shows bigger cells */
    int sw = (b.w - mgap) / 2, sh = b.h - cap;
    int tw = b.w, th = (b.h - 2 * cap - mgap) / 2;
    float z_side = fit_zoom(rows, cols, sw, sh), z_stack = fit_zoom(rows, cols, tw, th);
    int stacked = z_stack > z_side;
    float z = stacked ? z_stack : z_side;
    int aw = stacked ? tw : sw, ah = stacked ? th : sh;
    /* hug the fitted matrix so frames and captions sit on it; zoomed in,
     * the maps take all the room there is */
    int zoomed = !a->need_fit && a->hv.zoom > z * 1.001f;
    int mw = zoomed ? aw : (int)ceilf(cols * z), mh = zoomed ? ah : (int)ceilf(rows * z);
    if (mw > aw) mw = aw;
    if (mh > ah) mh = ah;
    if (mw < S(a, 120) && aw >= S(a, 120)) mw = S(a, 120); /* room for the caption */
    if (mh < 8) mh = ah < 8 ? ah : 8;
    for (int i = 0; i < 2; i++) {
        int cx = stacked ? b.x : b.x + i * (sw + mgap);
        int cy = stacked ? b.y + i * (cap + th + mgap) : b.y;
        L->heat_cap[i] = (gfx_rect){cx, cy, stacked ? b.w : sw, cap};
        L->heat[i] = (gfx_rect){cx, cy + cap, mw, mh};
    }
    L->fit_zoom = z * 0.999f; /* rounding slack so "fit" is reachable by zooming out */
    if (a->need_fit) {
        a->need_fit = 0;
        float best = 0.0f;
        for (int i = 0; i < 2; i++) {
            if (!a->m[i].heat.rows) continue;
            heat_view v = a->hv;
            heat_view_fit(&v, &a->m[i].heat, L->heat[i]);
            if (best == 0.0f || v.zoom < best) best = v.zoom;
        }
        a->hv.zoom = best > 0.0f ? best : 1.0f;
        a->hv.origin_row = a->hv.origin_col = 0.0f;
        a->dirty |= D_RIGHT;
    }
}

void draw_layout_receptive(draw_app *a, layout *L, gfx_rect in) {
    int rowh = S(a, 28);
    gfx_rect tog = {in.x, in.y, in.w, rowh};
    layout_toggles(a, L, tog, 0, 0);
    /* paging beside the toggles when it fits, else on its own row */
    const char *prev = "\xE2\x97\x80  Prev  [", *next = "Next  ]  \xE2\x96\xB6";
    int need = text_w(a->font, S(a, 13), prev) + text_w(a->font, S(a, 13), next) + S(a, 60);
    int used = L->nw ? L->w[L->nw - 1].r.x + L->w[L->nw - 1].r.w - in.x : 0;
    gfx_rect page = {in.x + used + S(a, 20), in.y, in.w - used - S(a, 20), rowh};
    if (page.w < need) page = (gfx_rect){in.x, in.y + rowh + S(a, 8), in.w, rowh};
    int x = page.x;
    draw_row_button(a, &x, page, ACT_RF_PAGE, -1, 0, prev);
    draw_row_button(a, &x, page, ACT_RF_PAGE, 1, 0, next);
    int top = page.y + rowh + S(a, 12);
    int note_h = S(a, 34);
    L->rf_note = (gfx_rect){in.x, in.y + in.h - note_h, in.w, note_h};
    L->body = (gfx_rect){in.x, top, in.w, L->rf_note.y - S(a, 8) - top};
    gfx_rect b = L->body;
    int cap = S(a, 22), gap = S(a, 16);
    int side_by_side = b.w >= b.h;
    for (int i = 0; i < 2; i++) {
        gfx_rect r;
        if (side_by_side) r = (gfx_rect){b.x + i * ((b.w + gap) / 2), b.y, (b.w - gap) / 2, b.h};
        else r = (gfx_rect){b.x, b.y + i * ((b.h + gap) / 2), b.w, (b.h - gap) / 2};
        L->rf_cap[i] = (gfx_rect){r.x, r.y, r.w, cap};
        L->rf[i] = (gfx_rect){r.x, r.y + cap, r.w, r.h - cap};
    }
}

/* ---- rendering ---- */

static void caption(draw_app *a, gfx_rect r, int slot, const char *rest) {
    gfx_image *img = &a->frame;
    const model_slot *m = &a->m[slot];
    int px = S(a, 13), y = r.y + (r.h - px) / 2 - S(a, 1);
    const char *title = m->loaded ? m->title : "no model";
    int w = gfx_text(img, bold_font(a), r.x, y, px, m->loaded ? slot_accent[slot] : COL_DIM, title);
    if (rest && *rest)
        draw_text_fit(img, a->font, r.x + w + S(a, 8), y, px, COL_DIM, rest, r.w - w - S(a, 8));
}

static double nonzero_fraction(const heat_matrix *h) {
    size_t n = (size_t)h->rows * h->cols, nz = 0;
    for (size_t i = 0; i < n; i++) nz += h->part[i] != 0;
    return n ? (double)nz / n : 0.0;
}

/* "row 3, col 40   w = +0.01234   BLOCK TRANS" for the weight under the
 * pointer, with the other model's weight at the same place. */
void draw_hover_text(const draw_app *a, char *text, size_t size) {
    const model_slot *m = &a->m[a->hover_slot];
    int part = a->hover_part;
    if (m->heat.kind == NN_LAYER_DENSE && part) part = HEAT_PART_DENSE;
    size_t used = (size_t)snprintf(text, size, "row %d, col %d   w = %+.5f   %s", a->hover_row,
                                   a->hover_col, (double)a->hover_value, heat_part_name(part));
    const model_slot *o = &a->m[1 - a->hover_slot];
    if (used < size && o->heat.rows > a->hover_row && o->heat.cols > a->hover_col) {
        size_t e = (size_t)a->hover_row * o->heat.cols + a->hover_col;
        int op = o->heat.part[e];
        if (o->heat.kind == NN_LAYER_DENSE && op) op = HEAT_PART_DENSE;
        snprintf(text + used, size - used, "      %s there: %+.5f (%s)", o->title,
                 (double)o->heat.value[e], heat_part_name(op));
    }
}

void draw_info_line(draw_app *a) {
    gfx_image *img = &a->frame;
    gfx_rect r = a->lay.info;
    if (r.h <= 0) return;
    gfx_fill_rect(img, r, COL_PANEL);
    int px = S(a, 12), y = r.y + (r.h - px) / 2;
    if (!a->hover) {
        draw_text_fit(img, a->font, r.x, y, px, COL_FAINT,
                      "Rows are outputs, columns inputs.  Point at a weight to read it.  Wheel or "
                      "+/\xE2\x88\x92 zooms, drag or arrows pan, 0 fits; both maps move together.",
                      r.w);
        return;
    }
    char text[400];
    draw_hover_text(a, text, sizeof text);
    int w = gfx_text(img, bold_font(a), r.x, y, px, slot_accent[a->hover_slot],
                     a->m[a->hover_slot].title);
    draw_text_fit(img, a->font, r.x + w + S(a, 10), y, px, COL_TEXT, text, r.w - w - S(a, 10));
}

void draw_weights(draw_app *a) {
    gfx_image *img = &a->frame;
    layout *L = &a->lay;
    if (draw_max_layers(a) == 0) {
        draw_text_center(img, a->font, L->body, S(a, 15), COL_DIM,
                         "No models loaded: give --model and --baseline to see their weights.");
        return;
    }
    for (int i = 0; i < 2; i++) {
        const model_slot *m = &a->m[i];
        char rest[200] = "";
        if (m->loaded && m->heat.rows) {
            const nn_layer *l = &m->net.layers[a->layer];
            snprintf(rest, sizeof rest, "%d\xC3\x97%d  \xC2\xB7  %.1f%% nonzero%s", l->out,
                     l->in, 100.0 * nonzero_fraction(&m->heat),
                     a->permuted && l->kind != NN_LAYER_DENSE ? "  \xC2\xB7  permuted" : "");
        } else if (m->loaded) {
            snprintf(rest, sizeof rest, "has no layer %d", a->layer + 1);
        }
        caption(a, L->heat_cap[i], i, rest);
        gfx_rect r = L->heat[i];
        gfx_fill_rect(img, r, COL_WELL);
        if (m->heat.rows) heat_draw(img, r, &m->heat, &a->hv);
        gfx_rect_outline(img, (gfx_rect){r.x - 1, r.y - 1, r.w + 2, r.h + 2}, COL_EDGE);
    }
    char zoom[64];
    snprintf(zoom, sizeof zoom, a->hv.zoom >= 1.0f ? "zoom %.0f px/cell" : "zoom %.2f px/cell",
             (double)a->hv.zoom);
    gfx_rect lg = L->legend;
    heat_draw_legend(img, lg, a->font, a->scale, a->hv.range);
    int zw = text_w(a->font, S(a, 12), zoom);
    int right_edge = L->right.x + L->right.w - S(a, 12);
    if (lg.x + lg.w + zw + S(a, 20) < right_edge)
        gfx_text(img, a->font, right_edge - zw, lg.y + (lg.h - S(a, 12)) / 2, S(a, 12), COL_DIM,
                 zoom);
    draw_info_line(a);
}

void draw_receptive(draw_app *a) {
    gfx_image *img = &a->frame;
    layout *L = &a->lay;
    for (int i = 0; i < 2; i++) {
        const nn_layer *l = draw_first_layer(a, i);
        char rest[160] = "";
        if (l) {
            int last = a->rf_first + RF_PAGE < l->out ? a->rf_first + RF_PAGE : l->out;
            if (a->rf_first < l->out)
                snprintf(rest, sizeof rest, "layer 1 units %d\xE2\x80\x93%d of %d", a->rf_first + 1,
                         last, l->out);
            else
                snprintf(rest, sizeof rest, "has only %d units", l->out);
        }
        caption(a, L->rf_cap[i], i, rest);
        gfx_rect r = L->rf[i];
        if (!l) {
            draw_text_center(img, a->font, r, S(a, 13), COL_DIM,
                             a->m[i].loaded ? "first layer does not read 28\xC3\x97" "28"
                                            : "no model");
            continue;
        }
        if (a->rf_first < l->out)
            receptive_draw(img, r, l, NN_DIGIT_SIDE, a->rf_first, RF_PAGE, a->scale, a->parts);
    }
    draw_text_wrap(img, a->font, L->rf_note, S(a, 12), S(a, 16), COL_FAINT,
                   a->scale == HEAT_SIGNED
                  ? "Each tile: one hidden unit's 784 input weights as 28\xC3\x97" "28, blue "
                    "negative, red positive, scaled to its own max |w|. Grey: structural zeros "
                    "(inputs the DYAD unit never sees)."
                  : "Each tile: one hidden unit's |input weights| as 28\xC3\x97" "28 (viridis), "
                    "scaled to its own max. Grey: structural zeros (inputs the DYAD unit never "
                    "sees).",
                   2);
}
