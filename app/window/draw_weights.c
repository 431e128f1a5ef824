/* The weights view (layer heatmaps) and the receptive-field view of the draw window. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "draw_weights.h"
#include "draw_gfx.h"
#include "../render/heatmap.h"
#include "../render/receptive.h"

/* ---- heatmaps ---- */

void weights_update_heat(draw_app *a) {
    if (!a->wt.heat_stale) return;
    a->wt.heat_stale = 0;
    for (int i = 0; i < 2; i++) {
        model_slot *m = &a->m[i];
        heat_matrix_free(&m->heat);
        memset(&m->heat, 0, sizeof m->heat);
        if (!m->loaded || a->wt.layer >= m->net.nlayers) continue;
        nn_error err;
        if (heat_matrix_build_w(&m->heat, &m->net.layers[a->wt.layer], a->wt.parts, a->wt.permuted,
                                &err) != NN_OK) {
            heat_matrix_free(&m->heat);
            memset(&m->heat, 0, sizeof m->heat);
            message_set(a, 1, "heatmap: %s", err.msg);
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
    a->wt.hv.range = range > 0.0f ? range : 1.0f;
    a->wt.hover = 0;
    a->dirty |= D_RIGHT;
}

void weights_heat_dims(const draw_app *a, int *rows, int *cols) {
    *rows = *cols = 0;
    for (int i = 0; i < 2; i++) {
        const heat_matrix *h = &a->m[i].heat;
        if (h->rows > *rows) *rows = h->rows;
        if (h->cols > *cols) *cols = h->cols;
    }
}

/* ---- layout ---- */

/* Whether either model's shown layer is a DYAD layer (else the part
 * toggles have nothing to act on). */
static int shown_layer_is_dyad(const draw_app *a, int receptive) {
    for (int i = 0; i < 2; i++) {
        const nn_layer *l = receptive ? model_first_layer(a, i)
                         : a->m[i].loaded && a->wt.layer < a->m[i].net.nlayers
                             ? &a->m[i].net.layers[a->wt.layer]
                             : NULL;
        if (l && heat_layer_has_parts(l)) return 1;
    }
    return 0;
}

static void disable(widget *w) {
    if (w) w->disabled = 1, w->on = 0;
}

static void layout_toggles(draw_app *a, layout *L, gfx_rect row, int with_permuted,
                           int with_zoom) {
    /* full labels, or short ones when the full ones do not all fit */
    static const char *full[8] = {"Diag  D", "Trans  T", "Both  B", "Permuted  P",
                                  "|w|  A",  "\xE2\x88\x92",  "+",       "Fit  0"};
    static const char *brief[8] = {"Diag", "Trans", "Both", "Perm", "|w|", "\xE2\x88\x92", "+",
                                   "Fit"};
    /* pass 2 leaves out the zoom buttons (wheel and keys still zoom) */
    for (int pass = 0; pass < 3; pass++) {
        const char **lab = pass ? brief : full;
        int x = row.x, first = L->nw, missing = 0;
        missing |= !layout_row_button(a, &x, row, ACT_PARTS, HEAT_PART_DIAG,
                                      a->wt.parts == HEAT_PART_DIAG, lab[0]);
        missing |= !layout_row_button(a, &x, row, ACT_PARTS, HEAT_PART_TRANS,
                                      a->wt.parts == HEAT_PART_TRANS, lab[1]);
        missing |= !layout_row_button(a, &x, row, ACT_PARTS, HEAT_PART_BOTH,
                                      a->wt.parts == HEAT_PART_BOTH, lab[2]);
        x += S(a, 8);
        if (with_permuted)
            missing |= !layout_row_button(a, &x, row, ACT_PERMUTED, 0, a->wt.permuted, lab[3]);
        int parts_end = L->nw;
        if (!shown_layer_is_dyad(a, !with_zoom))
            for (int i = first; i < parts_end; i++) disable(&L->w[i]);
        missing |= !layout_row_button(a, &x, row, ACT_SCALE, 0, a->wt.scale == HEAT_ABS, lab[4]);
        if (with_zoom) {
            x += S(a, 8);
            if (pass < 2) {
                missing |= !layout_row_button(a, &x, row, ACT_ZOOM, -1, 0, lab[5]);
                missing |= !layout_row_button(a, &x, row, ACT_ZOOM, 1, 0, lab[6]);
            }
            missing |= !layout_row_button(a, &x, row, ACT_ZOOM_RESET, 0, 0, lab[7]);
        }
        if (!missing || pass == 2) return;
        L->nw = first; /* again, shorter */
    }
}

void layout_weights(draw_app *a, layout *L, gfx_rect in) {
    int rowh = S(a, 28), gap = S(a, 8);
    /* low view: layer tabs and toggles share one row, no info line (the
     * status bar shows what the pointer is on) */
    int low = in.h < S(a, 330);
    gfx_rect tabs = {in.x, in.y, in.w, rowh};
    int x = tabs.x;
    int n = models_max_layers(a);
    for (int i = 0; i < n; i++) {
        const nn_layer *l = NULL;
        for (int s = 0; s < 2 && !l; s++)
            if (a->m[s].loaded && i < a->m[s].net.nlayers) l = &a->m[s].net.layers[i];
        char label[64];
        snprintf(label, sizeof label, "Layer %d  %d\xE2\x86\x92%d", i + 1, l->in, l->out);
        if (low || !layout_row_button(a, &x, tabs, ACT_LAYER, i, a->wt.layer == i, label)) {
            snprintf(label, sizeof label, "L%d", i + 1);
            layout_row_button(a, &x, tabs, ACT_LAYER, i, a->wt.layer == i, label);
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
    /* room on the right for the hidden part's legend entry */
    int reserve = a->wt.parts != HEAT_PART_BOTH ? S(a, 180) : S(a, 110);
    int legend_w = in.w - reserve < S(a, 520) ? in.w - reserve : S(a, 520);
    if (legend_w < S(a, 260)) legend_w = in.w < S(a, 260) ? in.w : S(a, 260);
    L->legend = (gfx_rect){in.x, in.y + in.h - legend_h, legend_w, legend_h};
    L->info = (gfx_rect){in.x, L->legend.y - info_h - (low ? 0 : S(a, 6)), in.w, info_h};
    L->body = (gfx_rect){in.x, top, in.w, L->info.y - S(a, 8) - top};

    int rows, cols;
    weights_heat_dims(a, &rows, &cols);
    if (!rows) rows = cols = 1;
    int cap = S(a, 22), mgap = S(a, 14);
    gfx_rect b = L->body;
    /* side by side or stacked, each map filling its half (cells need not be
     * square): whichever makes the cells closer to square */
    int sw = (b.w - mgap) / 2, sh = b.h - cap;
    int tw = b.w, th = (b.h - 2 * cap - mgap) / 2;
    double side = fabs(log(((double)sw / cols) / ((double)sh / rows)));
    double stack = fabs(log(((double)tw / cols) / ((double)th / rows)));
    int stacked = stack < side;
    int mw = stacked ? tw : sw, mh = stacked ? th : sh;
    if (mw < 8) mw = 8;
    if (mh < 8) mh = 8;
    for (int i = 0; i < 2; i++) {
        int cx = stacked ? b.x : b.x + i * (sw + mgap);
        int cy = stacked ? b.y + i * (cap + th + mgap) : b.y;
        L->heat_cap[i] = (gfx_rect){cx, cy, stacked ? b.w : sw, cap};
        L->heat[i] = (gfx_rect){cx, cy + cap, mw, mh};
    }
    float zc = (float)mw / cols, zr = (float)mh / rows;
    L->fit_zoom = zc * 0.999f; /* rounding slack so "fit" is reachable by zooming out */
    if (a->wt.need_fit) {
        a->wt.need_fit = 0;
        a->wt.hv.zoom = zc;
        a->wt.hv.row_zoom = fabsf(zr - zc) < 1e-6f ? 0.0f : zr;
        a->wt.hv.origin_row = a->wt.hv.origin_col = 0.0f;
        a->dirty |= D_RIGHT;
    }
}

void layout_receptive(draw_app *a, layout *L, gfx_rect in) {
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
    layout_row_button(a, &x, page, ACT_RF_PAGE, -1, 0, prev);
    layout_row_button(a, &x, page, ACT_RF_PAGE, 1, 0, next);
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

/* Where a slot's view shows the hovered W entry (its permutation may differ). */
int weights_shown_row(const draw_app *a, int slot) {
    const heat_matrix *h = &a->m[slot].heat;
    if (!h->orig_row) return a->wt.hover_w_row;
    for (int r = 0; r < h->rows; r++)
        if (h->orig_row[r] == a->wt.hover_w_row) return r;
    return -1;
}

int weights_shown_col(const draw_app *a, int slot) {
    const heat_matrix *h = &a->m[slot].heat;
    if (!h->orig_col) return a->wt.hover_w_col;
    for (int c = 0; c < h->cols; c++)
        if (h->orig_col[c] == a->wt.hover_w_col) return c;
    return -1;
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

/* "BLOCK DIAG", "BLOCK TRANS" or "" (both) for the shown parts. */
static const char *shown_parts_name(int parts) {
    return parts == HEAT_PART_DIAG ? "BLOCK DIAG" : parts == HEAT_PART_TRANS ? "BLOCK TRANS" : "";
}

/* What the view says about a slot's matrix: "43.8% nonzero", or with one
 * part shown "BLOCK DIAG: 25.0% of W; W itself: 43.8% nonzero". */
void weights_caption_text(const draw_app *a, int slot, char *text, size_t size) {
    const model_slot *m = &a->m[slot];
    text[0] = 0;
    if (!m->loaded) return;
    if (!m->heat.rows) {
        snprintf(text, size, "has no layer %d", a->wt.layer + 1);
        return;
    }
    const nn_layer *l = &m->net.layers[a->wt.layer];
    double shown, whole;
    heat_matrix_nonzero(&m->heat, &shown, &whole);
    size_t used = (size_t)snprintf(text, size, "%d\xC3\x97%d  \xC2\xB7  ", l->out, l->in);
    if (used >= size) return;
    if (heat_layer_has_parts(l) && a->wt.parts != HEAT_PART_BOTH)
        used += (size_t)snprintf(text + used, size - used, "%s: %.1f%% of W; W itself: %.1f%% nonzero",
                                 shown_parts_name(a->wt.parts), 100.0 * shown, 100.0 * whole);
    else
        used += (size_t)snprintf(text + used, size - used, "%.1f%% nonzero", 100.0 * whole);
    if (used < size && a->wt.permuted && heat_layer_has_parts(l))
        snprintf(text + used, size - used, "  \xC2\xB7  permuted (%s reordered)",
                 l->kind == NN_LAYER_DYAD_IT   ? "inputs"
                 : l->kind == NN_LAYER_DYAD_OT ? "outputs"
                                            : "inputs and outputs");
}

/* The part name of an entry (dense layers: "dense"; the kinds without DYAD's
 * parts other than blockdiag: "dense" too, W's own entry). */
static const char *entry_part_name(const heat_matrix *h, int part) {
    const nn_layer_kind_info *k = nn_layer_kind_get(h->kind);
    int plain = h->kind != NN_LAYER_BLOCKDIAG && k && !k->strided_in && !k->strided_out;
    return heat_part_name(plain && part ? HEAT_PART_DENSE : part);
}

/* "row 3, col 40   w = +0.01234   BLOCK TRANS" for the weight under the
 * pointer (W's own row and column, also when permuted; a hidden part says
 * so), with the other model's weight at the same place of W. */
void weights_hover_text(const draw_app *a, char *text, size_t size) {
    const model_slot *m = &a->m[a->wt.hover_slot];
    size_t used;
    if (!a->wt.hover_part && a->wt.hover_hidden)
        used = (size_t)snprintf(text, size, "row %d, col %d   %s hidden (w = %+.5f)",
                                a->wt.hover_w_row, a->wt.hover_w_col,
                                heat_part_name(a->wt.hover_hidden), (double)a->wt.hover_value);
    else
        used = (size_t)snprintf(text, size, "row %d, col %d   w = %+.5f   %s", a->wt.hover_w_row,
                                a->wt.hover_w_col, (double)a->wt.hover_value,
                                entry_part_name(&m->heat, a->wt.hover_part));
    const model_slot *o = &a->m[1 - a->wt.hover_slot];
    const heat_matrix *oh = &o->heat;
    if (used < size && oh->rows > a->wt.hover_w_row && oh->cols > a->wt.hover_w_col) {
        /* the same W entry in the other model, wherever its view shows it */
        int orow = a->wt.hover_w_row, ocol = a->wt.hover_w_col;
        if (oh->orig_row)
            for (int r = 0; r < oh->rows; r++)
                if (oh->orig_row[r] == a->wt.hover_w_row) orow = r;
        if (oh->orig_col)
            for (int c = 0; c < oh->cols; c++)
                if (oh->orig_col[c] == a->wt.hover_w_col) ocol = c;
        size_t e = (size_t)orow * oh->cols + ocol;
        float v = oh->w_value ? oh->w_value[e] : oh->value[e];
        int op = oh->part[e] | (oh->hidden ? oh->hidden[e] : 0);
        snprintf(text + used, size - used, "      %s there: %+.5f (%s)", o->title, (double)v,
                 entry_part_name(oh, op));
    }
}

void draw_info_line(draw_app *a) {
    gfx_image *img = &a->frame;
    gfx_rect r = a->lay.info;
    if (r.h <= 0) return;
    gfx_fill_rect(img, r, COL_PANEL);
    int px = S(a, 12), y = r.y + (r.h - px) / 2;
    if (!a->wt.hover) {
        draw_text_fit(img, a->font, r.x, y, px, COL_FAINT,
                      "Rows are outputs, columns inputs.  Point at a weight to read it.  Wheel or "
                      "+/\xE2\x88\x92 zooms, drag or arrows pan, 0 fits; both maps move together.",
                      r.w);
        return;
    }
    char text[400];
    weights_hover_text(a, text, sizeof text);
    int w = gfx_text(img, bold_font(a), r.x, y, px, slot_accent[a->wt.hover_slot],
                     a->m[a->wt.hover_slot].title);
    draw_text_fit(img, a->font, r.x + w + S(a, 10), y, px, COL_TEXT, text, r.w - w - S(a, 10));
}

void draw_weights(draw_app *a) {
    gfx_image *img = &a->frame;
    layout *L = &a->lay;
    if (models_max_layers(a) == 0) {
        draw_text_center(img, a->font, L->body, S(a, 15), COL_DIM,
                         "No models loaded: give --model and --baseline to see their weights.");
        return;
    }
    a->wt.hv.scale = a->wt.scale; /* the maps follow the |w| toggle too */
    for (int i = 0; i < 2; i++) {
        const model_slot *m = &a->m[i];
        char rest[240];
        weights_caption_text(a, i, rest, sizeof rest);
        /* narrow: the nonzero shares matter more than the size */
        int title_w = text_w(bold_font(a), S(a, 13), m->loaded ? m->title : "no model");
        const char *dot = strstr(rest, "\xC2\xB7  ");
        if (dot && title_w + S(a, 8) + text_w(a->font, S(a, 13), rest) > L->heat_cap[i].w)
            memmove(rest, dot + 4, strlen(dot + 4) + 1);
        if (m->heat.rows && a->wt.parts != HEAT_PART_BOTH && m->heat.kind != NN_LAYER_DENSE &&
            nn_layer_kind_get(m->heat.kind)->strided_in + nn_layer_kind_get(m->heat.kind)->strided_out &&
            title_w + S(a, 8) + text_w(a->font, S(a, 13), rest) > L->heat_cap[i].w) {
            double shown, whole; /* still too wide: the two numbers, briefly */
            heat_matrix_nonzero(&m->heat, &shown, &whole);
            snprintf(rest, sizeof rest, "%s %.1f%% of W \xC2\xB7 W %.1f%%",
                     shown_parts_name(a->wt.parts) + 6, 100.0 * shown, 100.0 * whole);
        }
        caption(a, L->heat_cap[i], i, rest);
        gfx_rect r = L->heat[i];
        gfx_fill_rect(img, r, COL_WELL);
        if (m->heat.rows) heat_draw(img, r, &m->heat, &a->wt.hv);
        if (m->heat.rows && a->wt.hover)
            heat_draw_cell_outline(img, r, &m->heat, &a->wt.hv, weights_shown_row(a, i),
                                   weights_shown_col(a, i), COL_HIGHLIGHT);
        gfx_rect_outline(img, (gfx_rect){r.x - 1, r.y - 1, r.w + 2, r.h + 2}, COL_EDGE);
    }
    char zoom[64];
    snprintf(zoom, sizeof zoom, a->wt.hv.zoom >= 1.0f ? "zoom %.0f px/col" : "zoom %.2f px/col",
             (double)a->wt.hv.zoom);
    gfx_rect lg = L->legend;
    heat_draw_legend(img, lg, a->font, a->wt.scale, a->wt.hv.range);
    int used_to = lg.x + lg.w;
    if (a->wt.parts != HEAT_PART_BOTH && shown_layer_is_dyad(a, 0)) {
        /* the hidden part's own legend entry, right of the legend */
        int sw = S(a, 14), tx = lg.x + lg.w + S(a, 16), ty = lg.y + (lg.h - sw) / 2;
        gfx_fill_rect(img, (gfx_rect){tx, ty, sw, sw}, HEAT_HIDDEN);
        gfx_rect_outline(img, (gfx_rect){tx, ty, sw, sw}, COL_DIM);
        char hidden[64];
        snprintf(hidden, sizeof hidden, "hidden: %s",
                 shown_parts_name(HEAT_PART_BOTH & ~a->wt.parts));
        used_to = tx + sw + S(a, 6) +
                  gfx_text(img, a->font, tx + sw + S(a, 6), lg.y + (lg.h - S(a, 12)) / 2,
                           S(a, 12), COL_DIM, hidden);
    }
    int zw = text_w(a->font, S(a, 12), zoom);
    int right_edge = L->right.x + L->right.w - S(a, 12);
    if (used_to + zw + S(a, 20) < right_edge)
        gfx_text(img, a->font, right_edge - zw, lg.y + (lg.h - S(a, 12)) / 2, S(a, 12), COL_DIM,
                 zoom);
    draw_info_line(a);
}

void draw_receptive(draw_app *a) {
    gfx_image *img = &a->frame;
    layout *L = &a->lay;
    for (int i = 0; i < 2; i++) {
        const nn_layer *l = model_first_layer(a, i);
        char rest[160] = "";
        if (l) {
            int last = a->rf.first + RF_PAGE < l->out ? a->rf.first + RF_PAGE : l->out;
            if (a->rf.first < l->out)
                snprintf(rest, sizeof rest, "layer 1 units %d\xE2\x80\x93%d of %d", a->rf.first + 1,
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
        if (a->rf.first < l->out)
            receptive_draw(img, r, l, NN_DIGIT_SIDE, a->rf.first, RF_PAGE, a->wt.scale, a->wt.parts);
    }
    draw_text_wrap(img, a->font, L->rf_note, S(a, 12), S(a, 16), COL_FAINT,
                   a->wt.scale == HEAT_SIGNED
                  ? "Each tile: one hidden unit's 784 input weights as 28\xC3\x97" "28, blue "
                    "negative, red positive, scaled to its own max |w|. Grey: structural zeros "
                    "(inputs the DYAD unit never sees)."
                  : "Each tile: one hidden unit's |input weights| as 28\xC3\x97" "28 (viridis), "
                    "scaled to its own max. Grey: structural zeros (inputs the DYAD unit never "
                    "sees).",
                   2);
}
