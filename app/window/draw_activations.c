/* Activations of the hidden layers, drawn under each model's prediction and
 * updated with it (see draw_activations.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../../nn/input_grad.h"
#include "../render/heatmap.h"
#include "draw_activations.h"
#include "draw_gfx.h"

/* ---- layout ---- */

/* The largest cells (2..7 px) that put units in `blocks` grids side by
 * side within w x h. Returns 0 when even 2 px cells do not fit. */
/* Output blocks of a layer: its N where the kind has N blocks (DYAD,
 * blockdiag, monarch), else 1 (dense, lowrank's rank and sparse are not
 * blocks). */
static int out_blocks(const nn_layer *l) {
    return nn_layer_kind_get(l->kind)->param == NN_LAYER_PARAM_BLOCKS ? l->ndyad : 1;
}

static int fit_geo(int units, int blocks, int w, int h, int gap, act_geo *g) {
    int per_block = (units + blocks - 1) / blocks;
    for (int c = 7; c >= 2; c--) {
        int rows = h / c;
        if (rows < 1) continue;
        int cols = (per_block + rows - 1) / rows;
        if (rows > per_block) rows = per_block;
        int total = blocks * cols * c + (blocks - 1) * gap;
        if (total <= w) {
            *g = (act_geo){{0, 0, total, rows * c}, c, rows, cols, blocks, units, gap};
            return 1;
        }
    }
    return 0;
}

void layout_activations(draw_app *a, layout *L) {
    for (int s = 0; s < 2; s++) {
        gfx_rect P = L->pred[s];
        L->pred_body[s] = P;
        memset(L->act[s], 0, sizeof L->act[s]);
        memset(L->act_label[s], 0, sizeof L->act_label[s]);
        const model_slot *m = &a->m[s];
        if (!m->loaded || P.w <= 0 || m->act_layers == 0) continue;
        int label_h = S(a, 15), grid_h = S(a, 24), gap = S(a, 4), pad = S(a, 14);
        int strip = label_h + grid_h + S(a, 6);
        int need = m->act_layers * strip + S(a, 6);
        /* only when the prediction keeps room for its digit and ten bars */
        if (P.h - need < S(a, 230)) continue; /* the ten bars come first */
        int y = P.y + P.h - need;
        L->pred_body[s] = (gfx_rect){P.x, P.y, P.w, y - P.y};
        for (int i = 0; i < m->act_layers; i++) {
            const nn_layer *l = &m->net.layers[i];
            int blocks = out_blocks(l);
            act_geo g;
            if (!fit_geo(l->out, blocks, P.w - 2 * pad, grid_h, gap, &g)) continue;
            L->act_label[s][i] = (gfx_rect){P.x + pad, y, P.w - 2 * pad, label_h};
            g.r.x = P.x + pad;
            g.r.y = y + label_h;
            L->act[s][i] = g;
            y += strip;
        }
    }
}

/* ---- hit testing ---- */

static int unit_in(const act_geo *g, int x, int y) {
    if (g->cell <= 0 || x < g->r.x || y < g->r.y || x >= g->r.x + g->r.w || y >= g->r.y + g->r.h)
        return -1;
    int bw = g->cols * g->cell + g->gap;
    int k = (x - g->r.x) / bw, cx = (x - g->r.x) % bw;
    if (cx >= g->cols * g->cell || k >= g->blocks) return -1;
    int per_block = (g->units + g->blocks - 1) / g->blocks;
    int u = k * per_block + ((y - g->r.y) / g->cell) * g->cols + cx / g->cell;
    int in_block = ((y - g->r.y) / g->cell) * g->cols + cx / g->cell;
    return in_block < per_block && u < g->units ? u : -1;
}

int activations_unit_at(const draw_app *a, int x, int y, int *slot, int *layer, int *unit) {
    for (int s = 0; s < 2; s++)
        for (int i = 0; i < a->m[s].act_layers && i < MAX_ACT_LAYERS; i++) {
            int u = unit_in(&a->lay.act[s][i], x, y);
            if (u >= 0) {
                *slot = s, *layer = i, *unit = u;
                return 1;
            }
        }
    return 0;
}

void activations_update_hover(draw_app *a) {
    int s = 0, layer_index = 0, unit = 0;
    int on = a->mouse_in && a->drag == DRAG_NONE &&
             activations_unit_at(a, a->mouse_x, a->mouse_y, &s, &layer_index, &unit) &&
             a->m[s].has_pred;
    if (!on) {
        if (a->acth.on) a->dirty |= D_FULL;
        a->acth.on = 0;
        return;
    }
    if (a->acth.on && a->acth.slot == s && a->acth.layer == layer_index && a->acth.unit == unit)
        return;
    a->acth.on = 1;
    a->acth.slot = s, a->acth.layer = layer_index, a->acth.unit = unit;
    a->dirty |= D_FULL;
    model_slot *m = &a->m[s];
    if (layer_index == 0) { /* the first layer: its weights are the receptive field */
        heat_layer_row(&m->net.layers[0], unit, HEAT_PART_BOTH, a->acth.rf, a->acth.rf_part);
        a->acth.rf_is_gradient = 0;
        return;
    }
    float x[NN_DIGIT_PIXELS];
    nn_digit_to_input(a->digit, x);
    nn_error err;
    a->acth.rf_is_gradient = 1;
    memset(a->acth.rf_part, 1, sizeof a->acth.rf_part);
    if (nn_mlp_input_gradient(&m->net, x, layer_index, unit, a->acth.rf, &err) != NN_OK) {
        a->acth.on = 0;
        message_set(a, 1, "%s", err.msg);
    }
}

/* ---- painting ---- */

/* Dark (silent) to the slot's colour (strongly active). */
static uint32_t lit(uint32_t accent, float t) {
    if (!(t > 0.0f)) return COL_WELL;
    if (t > 1.0f) t = 1.0f;
    t = sqrtf(t); /* weak activations still visible */
    uint32_t out = 0xFF000000u;
    for (int sh = 0; sh <= 16; sh += 8) {
        float lo = (float)((COL_BAR_BG >> sh) & 0xFF), hi = (float)((accent >> sh) & 0xFF);
        out |= (uint32_t)lroundf(lo + (hi - lo) * t) << sh;
    }
    return out;
}

void draw_activations(draw_app *a, int slot) {
    gfx_image *img = &a->frame;
    const model_slot *m = &a->m[slot];
    for (int i = 0; i < m->act_layers && i < MAX_ACT_LAYERS; i++) {
        const act_geo *g = &a->lay.act[slot][i];
        if (g->cell <= 0) continue;
        const nn_layer *l = &m->net.layers[i];
        const float *v = m->act + m->act_off[i];
        float maxv = 0.0f;
        int active = 0;
        for (int u = 0; u < l->out && m->has_pred; u++) {
            if (v[u] > maxv) maxv = v[u];
            active += v[u] > 0.0f;
        }
        char label[128];
        if (m->has_pred)
            snprintf(label, sizeof label, "layer %d  \xC2\xB7  %s%d units  \xC2\xB7  %.0f%% active",
                     i + 1, l->kind == NN_LAYER_DENSE ? "" : "", l->out, 100.0 * active / l->out);
        else
            snprintf(label, sizeof label, "layer %d  \xC2\xB7  %d units", i + 1, l->out);
        if (out_blocks(l) > 1) {
            size_t n = strlen(label);
            snprintf(label + n, sizeof label - n, "  \xC2\xB7  %d blocks", l->ndyad);
        }
        gfx_rect lr = a->lay.act_label[slot][i];
        draw_text_fit(img, a->font, lr.x, lr.y, S(a, 11), COL_DIM, label, lr.w);
        int per_block = (g->units + g->blocks - 1) / g->blocks;
        int bw = g->cols * g->cell + g->gap;
        for (int k = 0; k < g->blocks; k++) {
            gfx_rect br = {g->r.x + k * bw, g->r.y, g->cols * g->cell, g->rows * g->cell};
            gfx_fill_rect(img, br, COL_WELL);
            for (int j = 0; j < per_block; j++) {
                int u = k * per_block + j;
                if (u >= g->units) break;
                float t = m->has_pred && maxv > 0.0f ? v[u] / maxv : 0.0f;
                gfx_rect c = {br.x + (j % g->cols) * g->cell, br.y + (j / g->cols) * g->cell,
                              g->cell - (g->cell > 3), g->cell - (g->cell > 3)};
                gfx_fill_rect(img, c, lit(slot_accent[slot], t));
            }
            /* the block's frame: which blocks fire shows at a glance */
            gfx_rect_outline(img, (gfx_rect){br.x - 1, br.y - 1, br.w + 2, br.h + 2}, COL_EDGE);
        }
        if (a->acth.on && a->acth.slot == slot && a->acth.layer == i) {
            int j = a->acth.unit % per_block, k = a->acth.unit / per_block;
            gfx_rect c = {g->r.x + k * bw + (j % g->cols) * g->cell - 1,
                          g->r.y + (j / g->cols) * g->cell - 1, g->cell + 1, g->cell + 1};
            gfx_rect_outline(img, c, COL_HIGHLIGHT);
        }
    }
}

void draw_activation_tooltip(draw_app *a) {
    a->acth.drawn = a->acth.on;
    if (!a->acth.on) return;
    gfx_image *img = &a->frame;
    const model_slot *m = &a->m[a->acth.slot];
    const nn_layer *l = &m->net.layers[a->acth.layer];
    int cell = S(a, 5), side = cell * NN_DIGIT_SIDE, pad = S(a, 10);
    int bw = side + 2 * pad + S(a, 150), bh = side + 2 * pad + S(a, 4);
    int x = a->mouse_x + S(a, 18), y = a->mouse_y - bh / 2;
    if (x + bw > img->w) x = a->mouse_x - S(a, 18) - bw;
    if (y < 0) y = 0;
    if (y + bh > img->h) y = img->h - bh;
    gfx_rect box = {x, y, bw, bh};
    draw_fill_round(img, box, S(a, 8), COL_HEADER);
    gfx_rect_outline(img, box, COL_EDGE);
    float maxv = 0.0f;
    for (int p = 0; p < NN_DIGIT_PIXELS; p++)
        if (fabsf(a->acth.rf[p]) > maxv) maxv = fabsf(a->acth.rf[p]);
    for (int r = 0; r < NN_DIGIT_SIDE; r++)
        for (int c = 0; c < NN_DIGIT_SIDE; c++) {
            float v = a->acth.rf[r * NN_DIGIT_SIDE + c];
            gfx_fill_rect(img, (gfx_rect){x + pad + c * cell, y + pad + r * cell, cell, cell},
                          !a->acth.rf_part[r * NN_DIGIT_SIDE + c] ? HEAT_STRUCTURAL_ZERO
                          : maxv > 0.0f                         ? heat_color(v, HEAT_SIGNED, maxv)
                                                                : COL_WELL);
        }
    int tx = x + pad + side + S(a, 12), tw = bw - (tx - x) - pad, ty = y + pad;
    int per_block = l->out / out_blocks(l);
    char t1[96], t2[96], t3[160];
    snprintf(t1, sizeof t1, "%s", m->title);
    snprintf(t2, sizeof t2, "layer %d unit %d", a->acth.layer + 1, a->acth.unit);
    float act = m->act[m->act_off[a->acth.layer] + a->acth.unit];
    if (out_blocks(l) > 1)
        snprintf(t3, sizeof t3, "block %d   activation %.3f", a->acth.unit / per_block,
                 (double)act);
    else
        snprintf(t3, sizeof t3, "activation %.3f", (double)act);
    gfx_text(img, bold_font(a), tx, ty, S(a, 13), slot_accent[a->acth.slot], t1);
    gfx_text(img, a->font, tx, ty + S(a, 20), S(a, 12), COL_TEXT, t2);
    draw_text_wrap(img, a->font, (gfx_rect){tx, ty + S(a, 38), tw, S(a, 32)}, S(a, 12), S(a, 16),
                   COL_TEXT, t3, 2);
    const char *what = a->acth.rf_is_gradient
                           ? (maxv > 0.0f ? "Its input gradient for this drawing: red pixels "
                                            "raise it, blue lower it."
                                          : "Silent for this drawing: no pixel changes it.")
                           : "Its 784 input weights: red excites, blue inhibits; grey "
                             "where a DYAD unit has no connection.";
    draw_text_wrap(img, a->font, (gfx_rect){tx, ty + S(a, 74), tw, side - S(a, 70)}, S(a, 11),
                   S(a, 15), COL_DIM, what, 5);
}
