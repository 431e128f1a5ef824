/* The bottom of window/: the message line, model queries and the input
 * (canvas strokes, dropped images). Calls no other draw_*.c file. */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "../render/heatmap.h"
#include "../render/image_load.h"
#include "draw_state.h"

void message_set(draw_app *a, int is_error, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->msg, sizeof a->msg, fmt, ap);
    va_end(ap);
    a->msg_error = is_error;
    /* the time runs from the next clock update: the event that set it may be
     * handled long after the app's clock was last set (an idle window) */
    a->msg_ms = is_error ? ERROR_MESSAGE_MS : MESSAGE_MS;
    a->msg_until = 0;
    a->dirty |= D_BASIC;
}

const char *path_base_name(const char *path) {
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

int models_max_layers(const draw_app *a) {
    int n = 0;
    for (int i = 0; i < 2; i++)
        if (a->m[i].loaded && a->m[i].net.nlayers > n) n = a->m[i].net.nlayers;
    return n;
}

/* The first layer, when it reads a 28x28 image. */
const nn_layer *model_first_layer(const draw_app *a, int slot) {
    const model_slot *m = &a->m[slot];
    if (!m->loaded || m->net.in != NN_DIGIT_PIXELS) return NULL;
    return &m->net.layers[0];
}

void input_mark_changed(draw_app *a, int src) {
    a->input_src = src;
    a->input_dirty = 1;
    a->sm.shown = -1; /* a sample shown sets it again after this */
    a->why.stale = 1;
    a->dirty |= D_BASIC;
    if (a->view == DRAW_VIEW_SAMPLES || a->view == DRAW_VIEW_WHY)
        a->dirty |= D_RIGHT; /* the highlight, the saliency maps follow */
}

/* ---- UI scale (public, in draw_app.h; here so the keys need not call up) ---- */

static float clamp_scale(float v) {
    return v < DRAW_SCALE_MIN ? DRAW_SCALE_MIN : (v > DRAW_SCALE_MAX ? DRAW_SCALE_MAX : v);
}

void draw_app_set_user_scale(draw_app *a, float scale) {
    scale = clamp_scale(scale);
    if (scale == a->user_scale) return;
    a->user_scale = scale;
    a->s = a->ratio * scale;
    a->rendered = 0;
    a->wt.need_fit = 1;
    a->dirty |= D_FULL;
}

float draw_app_user_scale(const draw_app *a) { return a->user_scale; }

/* ---- model slots ---- */

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

void model_slot_free(model_slot *m) {
    if (m->loaded) nn_mlp_free(&m->net);
    free(m->act);
    heat_matrix_free(&m->heat);
    free(m->forward_us.v);
    memset(m, 0, sizeof *m);
}

nn_status model_slot_setup(model_slot *m, const char *path, nn_error *err) {
    nn_status st = nn_mlp_reserve(&m->net, 1, err);
    if (st != NN_OK) {
        nn_mlp_free(&m->net);
        return st;
    }
    /* room for the hidden layers' activations */
    int hidden = m->net.nlayers - 1 < MAX_ACT_LAYERS ? m->net.nlayers - 1 : MAX_ACT_LAYERS;
    size_t total = 0;
    for (int i = 0; i < hidden; i++) {
        m->act_off[i] = (int)total;
        total += (size_t)m->net.layers[i].out;
    }
    m->act_off[hidden] = (int)total;
    m->act = calloc(total ? total : 1, sizeof(float));
    if (!m->act) {
        nn_mlp_free(&m->net);
        return nn_fail(err, NN_ERR_NOMEM, "out of memory for activations");
    }
    m->act_layers = hidden;
    m->loaded = 1;
    snprintf(m->file, sizeof m->file, "%s", path_base_name(path));
    snprintf(m->name, sizeof m->name, "%s", path_base_name(path));
    char *dot = strrchr(m->name, '.');
    if (dot && dot != m->name) *dot = 0;
    model_title(&m->net, m->title, sizeof m->title);
    nn_mlp_describe(&m->net, m->arch, sizeof m->arch);
    return NN_OK;
}

/* ---- input ---- */

nn_status input_stroke_begin(draw_app *a, float u, float v, int erase, nn_error *err) {
    nn_status st = canvas_begin(&a->cv, u, v, erase, err);
    if (st != NN_OK) return st;
    a->canvas_caption[0] = 0;
    input_mark_changed(a, SRC_CANVAS);
    return NN_OK;
}

void input_stroke_to(draw_app *a, float u, float v) {
    if (!a->cv.stroking) return;
    canvas_extend(&a->cv, u, v);
    input_mark_changed(a, SRC_CANVAS);
}

void input_clear(draw_app *a) {
    nn_error err;
    if (canvas_clear(&a->cv, &err) != NN_OK) message_set(a, 1, "%s", err.msg);
    a->canvas_caption[0] = 0;
    input_mark_changed(a, SRC_CANVAS);
}

int input_load_image(draw_app *a, const char *path) {
    uint8_t digit[NN_DIGIT_PIXELS];
    nn_error err;
    if (image_load_digit(path, digit, &err) != NN_OK) {
        message_set(a, 1, "cannot classify the dropped file: %s", err.msg);
        return 0;
    }
    if (canvas_set_digit(&a->cv, digit, &err) != NN_OK) {
        message_set(a, 1, "%s", err.msg);
        return 0;
    }
    memcpy(a->digit, digit, NN_DIGIT_PIXELS);
    a->have_digit = 1;
    snprintf(a->canvas_caption, sizeof a->canvas_caption, "%s", path_base_name(path));
    input_mark_changed(a, SRC_DIGIT);
    message_set(a, 0, "classified %s", path);
    return 1;
}

