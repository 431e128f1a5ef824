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

#include "../nn/checkpoint.h"
#include "../nn/mlp.h"
#include "../nn/preprocess.h"
#include "../nn/train.h"
#include "canvas.h"
#include "draw_internal.h"
#include "heatmap.h"
#include "image_load.h"

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

void draw_set_message(draw_app *a, int is_error, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->msg, sizeof a->msg, fmt, ap);
    va_end(ap);
    a->msg_error = is_error;
    a->msg_until = a->now_ms + (is_error ? ERROR_MESSAGE_MS : MESSAGE_MS);
    a->dirty |= D_BASIC;
}

/* ---- models ---- */

static const char *base_name(const char *path) {
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* "DYAD-IT n=4" from the net's DYAD layers, "dense" when it has none. */
static void model_title(const nn_mlp *net, char *buf, size_t size) {
    nn_layer_kind kind = NN_LAYER_DENSE;
    int mixed_kind = 0, ndyads[8], nn = 0;
    for (int i = 0; i < net->nlayers; i++) {
        const nn_layer *l = &net->layers[i];
        if (l->kind == NN_LAYER_DENSE) continue;
        if (kind == NN_LAYER_DENSE) kind = l->kind;
        else if (kind != l->kind) mixed_kind = 1;
        int seen = 0;
        for (int k = 0; k < nn; k++) seen |= ndyads[k] == l->ndyad;
        if (!seen && nn < 8) ndyads[nn++] = l->ndyad;
    }
    if (kind == NN_LAYER_DENSE) {
        snprintf(buf, size, "dense");
        return;
    }
    char kinds[16];
    const char *name = mixed_kind ? "dyad" : nn_layer_kind_name(kind);
    size_t k = 0;
    for (; name[k] && k + 1 < sizeof kinds; k++) kinds[k] = (char)toupper((unsigned char)name[k]);
    kinds[k] = 0;
    size_t used = (size_t)snprintf(buf, size, "%s n=", kinds);
    for (int i = 0; i < nn && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, i ? "/%d" : "%d", ndyads[i]);
}

static void slot_free(model_slot *m) {
    if (m->loaded) nn_mlp_free(&m->net);
    heat_matrix_free(&m->heat);
    free(m->forward_us.v);
    memset(m, 0, sizeof *m);
}

static nn_status slot_load(model_slot *m, const char *path, nn_error *err) {
    nn_status st = nn_checkpoint_load(path, &m->net, &m->rec, err);
    if (st != NN_OK) return st;
    int classes = nn_mlp_classes(&m->net);
    if (m->net.in != NN_DIGIT_PIXELS || classes < 2 || classes > MAX_CLASSES) {
        nn_mlp_free(&m->net);
        return nn_fail(err, NN_ERR_FORMAT,
                       "%s: a digit model needs %d inputs and 2..%d classes, this one has %d and %d",
                       path, NN_DIGIT_PIXELS, MAX_CLASSES, m->net.in, classes);
    }
    st = nn_mlp_reserve(&m->net, 1, err);
    if (st != NN_OK) {
        nn_mlp_free(&m->net);
        return st;
    }
    m->loaded = 1;
    snprintf(m->file, sizeof m->file, "%s", base_name(path));
    snprintf(m->name, sizeof m->name, "%s", base_name(path));
    char *dot = strrchr(m->name, '.');
    if (dot && dot != m->name) *dot = 0;
    model_title(&m->net, m->title, sizeof m->title);
    nn_mlp_describe(&m->net, m->arch, sizeof m->arch);
    return NN_OK;
}

int draw_max_layers(const draw_app *a) {
    int n = 0;
    for (int i = 0; i < 2; i++)
        if (a->m[i].loaded && a->m[i].net.nlayers > n) n = a->m[i].net.nlayers;
    return n;
}

/* The first layer, when it reads a 28x28 image. */
const nn_layer *draw_first_layer(const draw_app *a, int slot) {
    const model_slot *m = &a->m[slot];
    if (!m->loaded || m->net.in != NN_DIGIT_PIXELS) return NULL;
    return &m->net.layers[0];
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
        log_add(&m->forward_us, m->last_us);
        int classes = nn_mlp_classes(&m->net);
        m->top = 0;
        for (int c = 1; c < classes; c++)
            if (m->probs[c] > m->probs[m->top]) m->top = c;
        m->has_pred = 1;
    }
}

void draw_input_changed(draw_app *a, int src) {
    a->input_src = src;
    a->input_dirty = 1;
    a->dirty |= D_BASIC;
    if (a->view == DRAW_VIEW_SAMPLES) a->dirty |= D_RIGHT; /* the highlight follows */
}

/* ---- layout ---- */

void draw_relayout(draw_app *a) {
    layout *L = &a->lay;
    L->nw = 0;
    int W = a->frame.w, H = a->frame.h, pad = S(a, 10);
    L->header = (gfx_rect){0, 0, W, S(a, 44)};
    L->status = (gfx_rect){0, H - S(a, 26), W, S(a, 26)};
    int y0 = L->header.h + pad, y1 = L->status.y - pad, ch = y1 - y0;
    if (ch < 1) ch = 1;
    int lw = clampi((int)(W * 0.29), S(a, 230), S(a, 520));
    int pw = clampi((int)(W * 0.2), S(a, 200), S(a, 330));
    int rx = pad + lw + pad + pw + pad;
    if (W - rx - pad >= S(a, 280)) {
        L->left = (gfx_rect){pad, y0, lw, ch};
        L->mid = (gfx_rect){pad + lw + pad, y0, pw, ch};
        L->right = (gfx_rect){rx, y0, W - rx - pad, ch};
    } else {
        /* narrow window: canvas and predictions on top, the view below */
        int top = clampi((int)(ch * 0.55), 1, ch);
        lw = (int)((W - 3 * pad) * 0.55);
        L->left = (gfx_rect){pad, y0, lw, top};
        L->mid = (gfx_rect){2 * pad + lw, y0, W - 3 * pad - lw, top};
        L->right = (gfx_rect){pad, y0 + top + pad, W - 2 * pad, ch - top - pad};
    }
    if (a->view == DRAW_VIEW_TEACH) {
        /* the teaching view needs no model and no canvas: it gets the room */
        L->right = (gfx_rect){pad, y0, W - 2 * pad, ch};
        L->left = L->mid = (gfx_rect){0, 0, 0, 0};
    }
    int half = (L->mid.h - pad) / 2;
    L->pred[0] = (gfx_rect){L->mid.x, L->mid.y, L->mid.w, half};
    L->pred[1] = (gfx_rect){L->mid.x, L->mid.y + half + pad, L->mid.w, L->mid.h - half - pad};

    draw_layout_header(a, L);
    memset(&L->canvas, 0, sizeof L->canvas);
    memset(&L->netview, 0, sizeof L->netview);
    if (L->left.w > 0) draw_layout_left(a, L);
    gfx_rect in = inset(L->right, S(a, 12));
    memset(L->heat, 0, sizeof L->heat);
    switch (a->view) {
    case DRAW_VIEW_WEIGHTS: draw_layout_weights(a, L, in); break;
    case DRAW_VIEW_RECEPTIVE: draw_layout_receptive(a, L, in); break;
    case DRAW_VIEW_TEACH: draw_layout_teach(a, L, in); break;
    case DRAW_VIEW_SAMPLES: draw_layout_samples(a, L, in); break;
    default: break;
    }
}

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
    default: break;
    }
    draw_widgets_in(a, L->right);
}

const gfx_image *draw_app_render(draw_app *a) {
    double t0 = nn_train_now_seconds();
    if (a->msg[0] && a->now_ms >= a->msg_until) a->msg[0] = 0;
    update_predictions(a);
    draw_rebuild_heat(a);
    draw_relayout(a);
    int full = !a->rendered || (a->dirty & D_FULL) || a->help || a->help_drawn;
    if (full) gfx_fill(&a->frame, COL_BG);
    draw_header(a);
    draw_left(a);
    draw_prediction(a, 0);
    draw_prediction(a, 1);
    if (full || (a->dirty & D_RIGHT)) draw_right(a);
    else if ((a->dirty & D_INFO) && a->view == DRAW_VIEW_WEIGHTS) draw_info_line(a);
    draw_status(a); /* shows the previous frame's time */
    if (a->help) draw_help(a);
    a->help_drawn = a->help;
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
    nn_status st = canvas_begin(&a->cv, u, v, erase, err);
    if (st != NN_OK) return st;
    a->canvas_caption[0] = 0;
    draw_input_changed(a, SRC_CANVAS);
    return NN_OK;
}

void draw_app_stroke_to(draw_app *a, float u, float v) {
    if (!a->cv.stroking) return;
    canvas_extend(&a->cv, u, v);
    draw_input_changed(a, SRC_CANVAS);
}

void draw_app_stroke_end(draw_app *a) { canvas_end(&a->cv); }

void draw_app_clear(draw_app *a) {
    nn_error err;
    if (canvas_clear(&a->cv, &err) != NN_OK) draw_set_message(a, 1, "%s", err.msg);
    a->canvas_caption[0] = 0;
    draw_input_changed(a, SRC_CANVAS);
}

int draw_app_load_image(draw_app *a, const char *path) {
    uint8_t digit[NN_DIGIT_PIXELS];
    nn_error err;
    if (image_load_digit(path, digit, &err) != NN_OK) {
        draw_set_message(a, 1, "cannot classify the dropped file: %s", err.msg);
        return 0;
    }
    if (canvas_set_digit(&a->cv, digit, &err) != NN_OK) {
        draw_set_message(a, 1, "%s", err.msg);
        return 0;
    }
    memcpy(a->digit, digit, NN_DIGIT_PIXELS);
    a->have_digit = 1;
    snprintf(a->canvas_caption, sizeof a->canvas_caption, "%s", base_name(path));
    draw_input_changed(a, SRC_DIGIT);
    draw_set_message(a, 0, "classified %s", path);
    return 1;
}

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
int draw_app_layer(const draw_app *a) { return a->layer; }
const heat_view *draw_app_heat_view(const draw_app *a) { return &a->hv; }
int draw_app_heat_parts(const draw_app *a) { return a->parts; }
int draw_app_help_shown(const draw_app *a) { return a->help; }
int draw_app_quit_requested(const draw_app *a) { return a->quit; }
int draw_app_dirty(const draw_app *a) { return a->dirty != 0 || !a->rendered; }

int draw_app_hover(const draw_app *a, int *slot, int *row, int *col, float *value, int *part) {
    if (!a->hover) return 0;
    if (slot) *slot = a->hover_slot;
    if (row) *row = a->hover_row;
    if (col) *col = a->hover_col;
    if (value) *value = a->hover_value;
    if (part) *part = a->hover_part;
    return 1;
}

gfx_rect draw_app_rect(draw_app *a, draw_rect_id id) {
    draw_rebuild_heat(a);
    draw_relayout(a);
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

const char *draw_app_message(const draw_app *a, int *is_error) {
    if (is_error) *is_error = a->msg[0] ? a->msg_error : 0;
    return a->msg;
}

void draw_app_teach_state(const draw_app *a, int *width, int *ndyad, int *kind) {
    if (width) *width = a->teach.width;
    if (ndyad) *ndyad = a->teach.ndyad;
    if (kind) *kind = (int)a->teach.kind;
}

int draw_app_sample(const draw_app *a, int *misclassified_only) {
    if (misclassified_only) *misclassified_only = a->miss_only;
    if (a->data_state <= 0 || a->sample_pos < 0) return -1;
    return a->sample_list[a->sample_pos];
}

void draw_app_set_time(draw_app *a, uint64_t now_ms) {
    a->now_ms = now_ms;
    if (a->msg[0] && now_ms >= a->msg_until) {
        a->msg[0] = 0;
        a->dirty |= D_BASIC;
    }
}

int draw_app_timeout_ms(const draw_app *a) {
    if (!a->msg[0]) return -1;
    if (a->msg_until <= a->now_ms) return 0;
    uint64_t left = a->msg_until - a->now_ms;
    return left > 1000000 ? 1000000 : (int)left;
}

/* ---- life cycle ---- */

nn_status draw_app_resize(draw_app *a, int width, int height, float ui_scale, nn_error *err) {
    if (ui_scale <= 0.0f) ui_scale = 1.0f;
    if (ui_scale > 4.0f) ui_scale = 4.0f;
    if (width == a->frame.w && height == a->frame.h && ui_scale == a->s) return NN_OK;
    gfx_image img;
    nn_status st = gfx_image_create(&img, width, height, err);
    if (st != NN_OK) return st;
    gfx_image_free(&a->frame);
    a->frame = img;
    a->s = ui_scale;
    a->rendered = 0;
    a->need_fit = 1;
    a->dirty |= D_FULL;
    return NN_OK;
}

void draw_app_destroy(draw_app *a) {
    if (!a) return;
    for (int i = 0; i < 2; i++) slot_free(&a->m[i]);
    canvas_free(&a->cv);
    gfx_image_free(&a->frame);
    gfx_font_free(a->font);
    gfx_font_free(a->bold);
    if (a->data_state > 0) nn_dataset_free(&a->data);
    free(a->sample_pred);
    free(a->sample_list);
    free(a->preprocess_us.v);
    free(a->frame_ms.v);
    free(a);
}

nn_status draw_app_create(draw_app **out, const draw_app_options *opt, nn_error *err) {
    *out = NULL;
    draw_app *a = calloc(1, sizeof *a);
    if (!a) return nn_fail(err, NN_ERR_NOMEM, "out of memory for the draw app");
    a->s = opt->ui_scale > 0.0f ? opt->ui_scale : 1.0f;
    a->parts = HEAT_PART_BOTH;
    a->scale = HEAT_SIGNED;
    a->heat_stale = a->need_fit = 1;
    a->hot = -1;
    a->sample_pos = -1;
    a->teach = (teach_config){.width = 16, .ndyad = 4, .kind = NN_LAYER_DYAD_IT, .show = 0};
    a->dirty = D_FULL;
    snprintf(a->screenshot_dir, sizeof a->screenshot_dir, "%s",
             opt->screenshot_dir ? opt->screenshot_dir : "");
    snprintf(a->data_dir, sizeof a->data_dir, "%s", opt->data_dir ? opt->data_dir : "");
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
