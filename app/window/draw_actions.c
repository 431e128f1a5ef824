/* State changes of the draw window that keys and widgets share: views,
 * layers, parts, zoom and pan, paging. Each one marks what must be
 * repainted; none paints. */
#include "draw_actions.h"
#include "draw_samples.h"
#include "draw_teach.h"
#include "draw_train.h"
#include "draw_weights.h"

/* ---- zoom and pan ---- */

static void clamp_pan(draw_app *a) {
    int rows, cols;
    weights_heat_dims(a, &rows, &cols);
    gfx_rect r = a->lay.heat[0];
    if (!rows || r.w <= 0 || !(a->wt.hv.zoom > 0.0f)) return;
    float rz = a->wt.hv.row_zoom > 0.0f ? a->wt.hv.row_zoom : a->wt.hv.zoom;
    float vis_r = r.h / rz, vis_c = r.w / a->wt.hv.zoom;
    float lo_r = -vis_r / 2, hi_r = rows - vis_r / 2;
    float lo_c = -vis_c / 2, hi_c = cols - vis_c / 2;
    if (vis_r >= rows) lo_r = hi_r = 0.0f; /* all of it visible: no panning that way */
    if (vis_c >= cols) lo_c = hi_c = 0.0f;
    if (a->wt.hv.origin_row < lo_r) a->wt.hv.origin_row = lo_r;
    if (a->wt.hv.origin_row > hi_r) a->wt.hv.origin_row = hi_r;
    if (a->wt.hv.origin_col < lo_c) a->wt.hv.origin_col = lo_c;
    if (a->wt.hv.origin_col > hi_c) a->wt.hv.origin_col = hi_c;
}

void weights_zoom_at(draw_app *a, gfx_rect r, int x, int y, float factor) {
    float lo = a->lay.fit_zoom > 0 ? a->lay.fit_zoom : a->wt.hv.zoom;
    float target = a->wt.hv.zoom * factor;
    if (target < lo) target = lo;
    if (target > 96.0f) target = 96.0f;
    if (!(a->wt.hv.zoom > 0.0f) || target == a->wt.hv.zoom) return;
    heat_zoom_at(&a->wt.hv, r, x, y, target / a->wt.hv.zoom);
    clamp_pan(a);
    a->dirty |= D_RIGHT;
}

void weights_zoom_centre(draw_app *a, float factor) {
    gfx_rect r = a->lay.heat[0];
    weights_zoom_at(a, r, r.x + r.w / 2, r.y + r.h / 2, factor);
}

void weights_pan_by(draw_app *a, float drow, float dcol) {
    a->wt.hv.origin_row += drow;
    a->wt.hv.origin_col += dcol;
    clamp_pan(a);
    a->dirty |= D_RIGHT;
}

void weights_fit(draw_app *a) {
    a->wt.need_fit = 1;
    a->dirty |= D_FULL;
}

/* ---- tabs ---- */

void view_set(draw_app *a, draw_view v) {
    if (v == a->view) return;
    a->view = v;
    a->wt.hover = 0;
    a->dirty |= D_FULL;
    if (v == DRAW_VIEW_SAMPLES && samples_load(a) && a->input_src == SRC_CANVAS &&
        canvas_is_empty(&a->cv))
        samples_show_current(a);
}

void weights_set_layer(draw_app *a, int layer) {
    int n = models_max_layers(a);
    if (n == 0) return;
    layer = clampi(layer, 0, n - 1);
    if (layer == a->wt.layer) return;
    a->wt.layer = layer;
    a->wt.heat_stale = 1;
    a->wt.need_fit = 1;
    a->dirty |= D_FULL;
}

void weights_set_parts(draw_app *a, int parts) {
    if (a->wt.parts == parts) return;
    a->wt.parts = parts;
    a->wt.heat_stale = 1;
    a->dirty |= D_FULL;
}

void weights_toggle_permuted(draw_app *a) {
    a->wt.permuted = !a->wt.permuted;
    a->wt.heat_stale = 1;
    a->dirty |= D_FULL;
}

void weights_toggle_scale(draw_app *a) {
    a->wt.scale = a->wt.scale == HEAT_SIGNED ? HEAT_ABS : HEAT_SIGNED;
    a->dirty |= D_FULL;
}

void receptive_page(draw_app *a, int dir) {
    int units = 0;
    for (int i = 0; i < 2; i++) {
        const nn_layer *l = model_first_layer(a, i);
        if (l && l->out > units) units = l->out;
    }
    if (!units) return;
    int first = a->rf.first + dir * RF_PAGE;
    if (first < 0 || first >= units) return;
    a->rf.first = first;
    a->dirty |= D_RIGHT;
}

void teach_tab_set_kind(draw_app *a, int kind) {
    a->tc.cfg.kind = (nn_layer_kind)kind;
    a->dirty |= D_FULL;
}

void help_set(draw_app *a, int shown) {
    a->help = shown;
    a->dirty |= D_FULL;
}

void action_run(draw_app *a, action act, int arg) {
    switch (act) {
    case ACT_VIEW: view_set(a, (draw_view)arg); break;
    case ACT_CLEAR: input_clear(a); break;
    case ACT_UNDO:
        if (canvas_undo(&a->cv)) input_mark_changed(a, SRC_CANVAS), a->canvas_caption[0] = 0;
        break;
    case ACT_LAYER: weights_set_layer(a, arg); break;
    case ACT_PARTS: weights_set_parts(a, arg); break;
    case ACT_PERMUTED: weights_toggle_permuted(a); break;
    case ACT_SCALE: weights_toggle_scale(a); break;
    case ACT_ZOOM: weights_zoom_centre(a, arg > 0 ? 1.5f : 1 / 1.5f); break;
    case ACT_ZOOM_RESET: weights_fit(a); break;
    case ACT_TEACH_WIDTH: teach_tab_step_width(a, arg); break;
    case ACT_TEACH_NDYAD: teach_tab_step_ndyad(a, arg); break;
    case ACT_TEACH_KIND: teach_tab_set_kind(a, arg); break;
    case ACT_SAMPLE_STEP: samples_step(a, arg); break;
    case ACT_SAMPLE_MISS: samples_toggle_miss_only(a); break;
    case ACT_TEACH_PLAY: teach_tab_set_playing(a, !a->tc.playing); break;
    case ACT_TEACH_STEP: teach_tab_step_row(a, arg); break;
    case ACT_TEACH_MODEL: teach_tab_toggle_model(a); break;
    case ACT_TEACH_COMPARE: teach_tab_toggle_compare(a); break;
    case ACT_TRAIN_RUN: train_tab_run(a); break;
    case ACT_TRAIN_RESET: train_tab_reset(a); break;
    case ACT_TRAIN_USE: train_tab_use(a); break;
    case ACT_TRAIN_NDYAD: train_tab_step_ndyad(a, arg); break;
    case ACT_TRAIN_HEAT: train_tab_toggle_heat(a); break;
    case ACT_TRAIN_LAYER: train_tab_step_layer(a, arg); break;
    case ACT_SAMPLE_FILTER: samples_set_filter(a, a->sm.filter == arg ? SAMPLES_ALL : arg); break;
    case ACT_SAMPLE_PICK:
        a->sm.pos = arg;
        samples_show_current(a);
        break;
    case ACT_RF_PAGE: receptive_page(a, arg); break;
    case ACT_HELP: help_set(a, !a->help); break;
    case ACT_NONE: break;
    }
}
