/* The app behind `dyad draw` (see draw_app.h): its life cycle, the models
 * and their predictions, the message line, the top-level layout and render,
 * and the direct API. The panels, views and input handling are in the other
 * draw_*.c files, which share draw_internal.h.
 *
 * Rendering is immediate-mode: a layout (panel rectangles and clickable
 * widgets) is recomputed from the frame size and the state before each
 * event and each frame; events hit-test against it. To keep drawing cheap
 * while the user paints, the view area on the right (heatmaps, receptive
 * fields, ...) is only repainted when something in it changed: the frame
 * buffer keeps the previous pixels there. */
#include "draw_app.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../nn/checkpoint.h"
#include "../../nn/mlp.h"
#include "../../nn/preprocess.h"
#include "../../nn/train.h"
#include "../render/canvas.h"
#include "../render/heatmap.h"
#include "../../nn/input_grad.h"
#include "draw_activations.h"
#include "draw_gfx.h"
#include "draw_help.h"
#include "draw_layout.h"
#include "draw_panels.h"
#include "draw_samples.h"
#include "draw_state.h"
#include "draw_teach.h"
#include "draw_train.h"
#include "draw_weights.h"
#include "draw_why.h"

/* ---- small utilities ---- */

static void log_add(sample_log *log, double value) {
    if (log->n == log->cap) {
        if (log->cap >= TIMING_MAX_SAMPLES) return;
        int cap = log->cap ? log->cap * 2 : 256;
        double *v = realloc(log->v, sizeof *v * (size_t)cap);
        if (!v) return; /* timing is best effort */
        log->v = v;
        log->cap = cap;
    }
    log->v[log->n++] = value;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double log_median(const sample_log *log) {
    if (log->n == 0) return 0.0;
    double *copy = malloc(sizeof *copy * (size_t)log->n);
    if (!copy) return log->v[log->n - 1];
    memcpy(copy, log->v, sizeof *copy * (size_t)log->n);
    qsort(copy, (size_t)log->n, sizeof *copy, cmp_double);
    double m = log->n % 2 ? copy[log->n / 2] : 0.5 * (copy[log->n / 2 - 1] + copy[log->n / 2]);
    free(copy);
    return m;
}

/* ---- models ---- */

static nn_status slot_load(model_slot *m, const char *path, nn_error *err) {
    nn_status st = nn_checkpoint_load(path, &m->net, &m->rec, err);
    if (st != NN_OK) return st;
    int classes = nn_mlp_classes(&m->net), in = m->net.in;
    if (in != NN_DIGIT_PIXELS || classes < 2 || classes > MAX_CLASSES) {
        nn_mlp_free(&m->net); /* zeroes the net: the message uses the copies */
        return nn_fail(err, NN_ERR_FORMAT,
                       "%s: a digit model needs %d inputs and 2..%d classes, this one has %d and %d",
                       path, NN_DIGIT_PIXELS, MAX_CLASSES, in, classes);
    }
    return model_slot_setup(m, path, err);
}

/* ---- predictions ---- */

static void update_predictions(draw_app *a) {
    if (!a->input_dirty) return;
    a->input_dirty = 0;
    if (a->input_src == SRC_CANVAS) {
        a->have_digit = 0;
        if (!canvas_is_empty(&a->cv)) {
            double t0 = nn_train_now_seconds();
            nn_error err;
            a->have_digit = canvas_to_digit(&a->cv, a->digit, &err) == NN_OK;
            log_add(&a->preprocess_us, (nn_train_now_seconds() - t0) * 1e6);
        }
    }
    float x[NN_DIGIT_PIXELS];
    if (a->have_digit) nn_digit_to_input(a->digit, x);
    for (int i = 0; i < 2; i++) {
        model_slot *m = &a->m[i];
        m->has_pred = 0;
        if (!m->loaded || !a->have_digit) continue;
        double t0 = nn_train_now_seconds();
        nn_mlp_predict(&m->net, x, m->probs);
        m->last_us = (nn_train_now_seconds() - t0) * 1e6;
        for (int l = 0; l < m->act_layers; l++) /* kept: later passes reuse the net's buffers */
            memcpy(m->act + m->act_off[l], nn_mlp_layer_output(&m->net, l),
                   sizeof(float) * (size_t)m->net.layers[l].out);
        log_add(&m->forward_us, m->last_us);
        int classes = nn_mlp_classes(&m->net);
        m->top = 0;
        for (int c = 1; c < classes; c++)
            if (m->probs[c] > m->probs[m->top]) m->top = c;
        m->has_pred = 1;
    }
}

/* ---- layout ---- */

/* ---- rendering ---- */

static void draw_right(draw_app *a) {
    gfx_image *img = &a->frame;
    layout *L = &a->lay;
    draw_fill_round(img, L->right, S(a, 8), COL_PANEL);
    switch (a->view) {
    case DRAW_VIEW_WEIGHTS: draw_weights(a); break;
    case DRAW_VIEW_RECEPTIVE: draw_receptive(a); break;
    case DRAW_VIEW_TEACH: draw_teach(a); break;
    case DRAW_VIEW_SAMPLES: draw_samples(a); break;
    case DRAW_VIEW_WHY: draw_why(a); break;
    case DRAW_VIEW_TRAIN: draw_train(a); break;
    default: break;
    }
    draw_widgets_in(a, L->right);
}

/* S: the frame just rendered goes to a PNG; the message shows in the next one. */
static void save_screenshot(draw_app *a) {
    a->screenshot_pending = 0;
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    char stamp[32], path[1200];
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    snprintf(path, sizeof path, "%s%sdyad-screenshot-%s.png", a->screenshot_dir,
             a->screenshot_dir[0] ? "/" : "", stamp);
    nn_error err;
    if (gfx_save_png(&a->frame, path, &err) != NN_OK) message_set(a, 1, "screenshot: %s", err.msg);
    else message_set(a, 0, "saved %s", path);
}

const gfx_image *draw_app_render(draw_app *a) {
    double t0 = nn_train_now_seconds();
    update_predictions(a);
    weights_update_heat(a);
    layout_update(a);
    int full = !a->rendered || (a->dirty & D_FULL) || a->help || a->help_drawn || a->acth.on ||
               a->acth.drawn;
    if (full) gfx_fill(&a->frame, COL_BG);
    draw_header(a);
    draw_left(a);
    draw_prediction(a, 0);
    draw_prediction(a, 1);
    if (full || (a->dirty & D_RIGHT)) draw_right(a);
    else if ((a->dirty & D_INFO) && a->view == DRAW_VIEW_WEIGHTS) draw_info_line(a);
    draw_status(a); /* shows the previous frame's time */
    if (a->screenshot_pending) save_screenshot(a);
    if (a->help) draw_help(a);
    a->help_drawn = a->help;
    if (!a->help) draw_activation_tooltip(a);
    a->rendered = 1;
    a->dirty = 0;
    log_add(&a->frame_ms, (nn_train_now_seconds() - t0) * 1e3);
    return &a->frame;
}

const gfx_image *draw_app_frame(draw_app *a) {
    if (!a->rendered) draw_app_render(a);
    return &a->frame;
}

/* ---- direct API ---- */

nn_status draw_app_stroke_begin(draw_app *a, float u, float v, int erase, nn_error *err) {
    return input_stroke_begin(a, u, v, erase, err);
}

void draw_app_stroke_to(draw_app *a, float u, float v) { input_stroke_to(a, u, v); }

void draw_app_stroke_end(draw_app *a) { canvas_end(&a->cv); }

void draw_app_clear(draw_app *a) { input_clear(a); }

int draw_app_load_image(draw_app *a, const char *path) { return input_load_image(a, path); }

void draw_app_update(draw_app *a) { update_predictions(a); }

int draw_app_model_loaded(const draw_app *a, int slot) {
    return slot >= 0 && slot < 2 && a->m[slot].loaded;
}

const char *draw_app_model_name(const draw_app *a, int slot) {
    return draw_app_model_loaded(a, slot) ? a->m[slot].name : "";
}

int draw_app_prediction(draw_app *a, int slot, int *digit, float *prob, float *probs) {
    update_predictions(a);
    if (!draw_app_model_loaded(a, slot) || !a->m[slot].has_pred) return 0;
    const model_slot *m = &a->m[slot];
    if (digit) *digit = m->top;
    if (prob) *prob = m->probs[m->top];
    if (probs) memcpy(probs, m->probs, sizeof(float) * (size_t)nn_mlp_classes(&m->net));
    return 1;
}

int draw_app_input(draw_app *a, uint8_t out[784]) {
    update_predictions(a);
    if (!a->have_digit) return 0;
    memcpy(out, a->digit, NN_DIGIT_PIXELS);
    return 1;
}

void draw_app_get_timing(const draw_app *a, draw_app_timing *t) {
    memset(t, 0, sizeof *t);
    for (int i = 0; i < 2; i++) {
        t->forward_us[i] = log_median(&a->m[i].forward_us);
        t->forward_count[i] = a->m[i].forward_us.n;
    }
    t->preprocess_us = log_median(&a->preprocess_us);
    t->preprocess_count = a->preprocess_us.n;
    t->frame_ms = log_median(&a->frame_ms);
    t->frame_count = a->frame_ms.n;
}

draw_view draw_app_view(const draw_app *a) { return a->view; }
int draw_app_layer(const draw_app *a) { return a->wt.layer; }
const heat_view *draw_app_heat_view(const draw_app *a) { return &a->wt.hv; }
int draw_app_heat_parts(const draw_app *a) { return a->wt.parts; }
int draw_app_help_shown(const draw_app *a) { return a->help; }
int draw_app_quit_requested(const draw_app *a) { return a->quit; }
int draw_app_dirty(const draw_app *a) { return a->dirty != 0 || !a->rendered; }

int draw_app_hover(const draw_app *a, int *slot, int *row, int *col, float *value, int *part) {
    if (!a->wt.hover) return 0;
    if (slot) *slot = a->wt.hover_slot;
    if (row) *row = a->wt.hover_row;
    if (col) *col = a->wt.hover_col;
    if (value) *value = a->wt.hover_value;
    if (part) *part = a->wt.hover_part;
    return 1;
}

gfx_rect draw_app_rect(draw_app *a, draw_rect_id id) {
    weights_update_heat(a);
    layout_update(a);
    switch (id) {
    case DRAW_RECT_CANVAS: return a->lay.canvas;
    case DRAW_RECT_NETVIEW: return a->lay.netview;
    case DRAW_RECT_HEAT_A: return a->lay.heat[0];
    case DRAW_RECT_HEAT_B: return a->lay.heat[1];
    case DRAW_RECT_RIGHT: return a->lay.right;
    case DRAW_RECT_PRED_A: return a->lay.pred[0];
    case DRAW_RECT_PRED_B: return a->lay.pred[1];
    }
    return (gfx_rect){0, 0, 0, 0};
}

int draw_app_models_disagree(draw_app *a) {
    update_predictions(a);
    return a->m[0].has_pred && a->m[1].has_pred && a->m[0].top != a->m[1].top;
}

int draw_app_hover_info(const draw_app *a, draw_hover_info *info) {
    if (!a->wt.hover) return 0;
    const heat_matrix *h = &a->m[a->wt.hover_slot].heat;
    *info = (draw_hover_info){a->wt.hover_slot, a->wt.hover_w_row, a->wt.hover_w_col,
                              a->wt.hover_value, a->wt.hover_part, a->wt.hover_hidden,
                              h->kind == NN_LAYER_DENSE};
    return 1;
}

int draw_app_cell_point(draw_app *a, int slot, int w_row, int w_col, int *x, int *y) {
    weights_update_heat(a);
    layout_update(a);
    if (slot < 0 || slot > 1 || a->view != DRAW_VIEW_WEIGHTS) return 0;
    const heat_matrix *h = &a->m[slot].heat;
    if (!h->rows || w_row < 0 || w_col < 0 || w_row >= h->rows || w_col >= h->cols) return 0;
    int row = w_row, col = w_col;
    if (h->orig_row)
        for (int r = 0; r < h->rows; r++)
            if (h->orig_row[r] == w_row) row = r;
    if (h->orig_col)
        for (int c = 0; c < h->cols; c++)
            if (h->orig_col[c] == w_col) col = c;
    const heat_view *v = &a->wt.hv;
    double rz = v->row_zoom > 0.0f ? v->row_zoom : v->zoom;
    gfx_rect r = a->lay.heat[slot];
    /* the pixel holding the cell's centre (zoomed out: its start, which that
     * pixel shows) */
    double fx = (col + (v->zoom >= 1.0f ? 0.5 : 0.0) - v->origin_col) * v->zoom;
    double fy = (row + (rz >= 1.0 ? 0.5 : 0.0) - v->origin_row) * rz;
    int px = r.x + (int)floor(fx), py = r.y + (int)floor(fy);
    if (px < r.x || py < r.y || px >= r.x + r.w || py >= r.y + r.h) return 0;
    *x = px, *y = py;
    return 1;
}

void draw_app_status_json(draw_app *a, char *buf, size_t size) {
    static const char *views[DRAW_VIEW_COUNT] = {"weights", "receptive", "teaching", "samples",
                                                 "why", "training"};
    static const char *parts[4] = {"none", "diag", "trans", "both"};
    weights_update_heat(a);
    layout_update(a);
    size_t used = (size_t)snprintf(
        buf, size,
        "{\"view\":\"%s\",\"layer\":%d,\"parts\":\"%s\",\"permuted\":%s,\"scale\":\"%s\","
        "\"ui_scale\":%.2f,\"pixel_ratio\":%.2f,\"models\":[",
        views[a->view], a->wt.layer + 1, parts[a->wt.parts & 3], a->wt.permuted ? "true" : "false",
        a->wt.scale == HEAT_ABS ? "abs" : "signed", (double)a->user_scale, (double)a->ratio);
    int first = 1;
    for (int i = 0; i < 2 && used < size; i++) {
        const model_slot *m = &a->m[i];
        if (!m->loaded) continue;
        double shown = 0.0, whole = 0.0;
        if (m->heat.rows) heat_matrix_nonzero(&m->heat, &shown, &whole);
        used += (size_t)snprintf(buf + used, size - used,
                                 "%s{\"name\":\"%s\",\"kind\":\"%s\",\"shown_nonzero\":%.4f,"
                                 "\"w_nonzero\":%.4f}",
                                 first ? "" : ",", m->name,
                                 m->heat.rows ? nn_layer_kind_name(m->heat.kind) : "none", shown, whole);
        first = 0;
    }
    if (used < size && a->view == DRAW_VIEW_SAMPLES) {
        char note[1400], esc[1500];
        samples_note(a, note, sizeof note);
        size_t k = 0; /* JSON string: quotes and backslashes escaped, controls dropped */
        for (const char *p = note; *p && k + 2 < sizeof esc; p++) {
            if (*p == '"' || *p == '\\') esc[k++] = '\\';
            if ((unsigned char)*p >= 0x20) esc[k++] = *p;
        }
        esc[k] = 0;
        used += (size_t)snprintf(buf + used, size - used, "],\"samples\":{\"shown\":%d,\"note\":\"%s\"}}",
                                 a->sm.shown, esc);
    } else if (used < size && a->view == DRAW_VIEW_TRAIN) {
        used += (size_t)snprintf(buf + used, size - used, "]");
        if (used < size) used += (size_t)train_tab_status_json(a, buf + used, size - used);
        if (used < size) snprintf(buf + used, size - used, "}");
    } else if (used < size) {
        snprintf(buf + used, size - used, "]}");
    }
}

const char *draw_app_message(const draw_app *a, int *is_error) {
    if (is_error) *is_error = a->msg[0] ? a->msg_error : 0;
    return a->msg;
}

void draw_app_teach_state(const draw_app *a, int *width, int *ndyad, int *kind) {
    if (width) *width = a->tc.cfg.width;
    if (ndyad) *ndyad = a->tc.cfg.ndyad;
    if (kind) *kind = (int)a->tc.cfg.kind;
}

int draw_app_sample(const draw_app *a, int *misclassified_only) {
    if (misclassified_only) *misclassified_only = a->sm.miss_only;
    if (a->sm.data_state <= 0 || a->sm.pos < 0) return -1;
    return a->sm.list[a->sm.pos];
}

void draw_app_set_time(draw_app *a, uint64_t now_ms) {
    a->now_ms = now_ms;
    teach_tab_tick(a);
    train_tab_tick(a);
    if (a->msg[0] && !a->msg_until) a->msg_until = now_ms + (uint64_t)a->msg_ms;
    if (a->msg[0] && now_ms >= a->msg_until) {
        a->msg[0] = 0;
        a->dirty |= D_BASIC;
    }
}

static int message_timeout_ms(const draw_app *a) {
    if (!a->msg[0]) return -1;
    if (!a->msg_until) return a->msg_ms;
    if (a->msg_until <= a->now_ms) return 0;
    uint64_t left = a->msg_until - a->now_ms;
    return left > 1000000 ? 1000000 : (int)left;
}

static int sooner(int x, int y) { return x < 0 ? y : y < 0 ? x : x < y ? x : y; }

int draw_app_timeout_ms(const draw_app *a) {
    return sooner(sooner(message_timeout_ms(a), teach_tab_timeout_ms(a)), train_tab_timeout_ms(a));
}

/* ---- life cycle ---- */

static float clampf(float v, float lo, float hi) { return v < lo ? lo : (v > hi ? hi : v); }

nn_status draw_app_resize(draw_app *a, int width, int height, float ratio, nn_error *err) {
    if (ratio <= 0.0f) ratio = 1.0f;
    if (ratio > 4.0f) ratio = 4.0f;
    float ui_scale = ratio * a->user_scale;
    if (width == a->frame.w && height == a->frame.h && ui_scale == a->s) return NN_OK;
    gfx_image img;
    nn_status st = gfx_image_create(&img, width, height, err);
    if (st != NN_OK) return st;
    gfx_image_free(&a->frame);
    a->frame = img;
    a->ratio = ratio;
    a->s = ui_scale;
    a->rendered = 0;
    a->wt.need_fit = 1;
    a->dirty |= D_FULL;
    return NN_OK;
}

void draw_app_destroy(draw_app *a) {
    if (!a) return;
    train_tab_free(a); /* joins the training threads */
    for (int i = 0; i < 2; i++) model_slot_free(&a->m[i]);
    canvas_free(&a->cv);
    gfx_image_free(&a->frame);
    gfx_font_free(a->font);
    gfx_font_free(a->bold);
    if (a->sm.data_state > 0) nn_dataset_free(&a->sm.data);
    free(a->sm.pred);
    free(a->sm.pred_other);
    free(a->sm.list);
    free(a->preprocess_us.v);
    free(a->frame_ms.v);
    free(a);
}

nn_status draw_app_create(draw_app **out, const draw_app_options *opt, nn_error *err) {
    *out = NULL;
    draw_app *a = calloc(1, sizeof *a);
    if (!a) return nn_fail(err, NN_ERR_NOMEM, "out of memory for the draw app");
    a->ratio = opt->ui_scale > 0.0f ? opt->ui_scale : 1.0f;
    a->user_scale = opt->user_scale > 0.0f ? clampf(opt->user_scale, DRAW_SCALE_MIN, DRAW_SCALE_MAX)
                                           : 1.0f;
    a->s = a->ratio * a->user_scale;
    a->wt.parts = HEAT_PART_BOTH;
    a->wt.scale = HEAT_SIGNED;
    a->wt.heat_stale = a->wt.need_fit = 1;
    a->hot = -1;
    a->sm.pos = -1;
    a->sm.shown = -1;
    a->tc.step = -1;
    a->tr.cfg = (trainer_config){.width = 256, .ndyad = 4, .epochs = 20, .seed = 1};
    a->tc.cfg = (teach_config){.width = 16, .ndyad = 4, .kind = NN_LAYER_DYAD_IT, .show = 0};
    a->dirty = D_FULL;
    snprintf(a->screenshot_dir, sizeof a->screenshot_dir, "%s",
             opt->screenshot_dir ? opt->screenshot_dir : "");
    snprintf(a->sm.data_dir, sizeof a->sm.data_dir, "%s", opt->data_dir ? opt->data_dir : "");
    nn_status st = canvas_init(&a->cv, CANVAS_SIDE, err);
    if (st == NN_OK) st = gfx_image_create(&a->frame, opt->width, opt->height, err);
    if (st == NN_OK) st = gfx_font_load(&a->font, opt->font_path, err);
    if (st != NN_OK) {
        draw_app_destroy(a);
        return st;
    }
    if (!opt->font_path) {
        nn_error ignored; /* regular weight stands in when there is no bold face */
        if (gfx_font_load(&a->bold, "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
                          &ignored) != NN_OK)
            a->bold = NULL;
    }
    for (int i = 0; i < 2; i++) {
        model_slot *m = &a->m[i];
        if (!opt->model_path[i]) {
            snprintf(m->note, sizeof m->note, "%s",
                     opt->model_note[i] ? opt->model_note[i] : "no checkpoint given");
            continue;
        }
        nn_error lerr;
        if (slot_load(m, opt->model_path[i], &lerr) != NN_OK) {
            if (opt->strict) {
                draw_app_destroy(a);
                return nn_fail(err, NN_ERR_FORMAT, "%s", lerr.msg);
            }
            snprintf(m->note, sizeof m->note, "%s", lerr.msg);
        }
    }
    *out = a;
    return NN_OK;
}
