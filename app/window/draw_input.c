/* Input of the draw window: mouse and key events (keys through the key table), key names, hover. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../render/canvas.h"
#include "../render/heatmap.h"
#include "draw_actions.h"
#include "draw_activations.h"
#include "draw_keys.h"
#include "draw_layout.h"
#include "draw_teach.h"
#include "draw_weights.h"

/* ---- events ---- */

static void canvas_uv(const draw_app *a, int x, int y, float *u, float *v) {
    gfx_rect c = a->lay.canvas;
    *u = (x + 0.5f - c.x) / (float)c.w;
    *v = (y + 0.5f - c.y) / (float)c.h;
}

static void handle_key(draw_app *a, int key, int mods) {
    if (a->help) { /* any key closes the help; these only close it */
        help_set(a, 0);
        if (key == APP_KEY_ESCAPE || key == APP_KEY_F1 || key == '?' ||
            (key == '/' && (mods & APP_MOD_SHIFT)))
            return;
    }
    keys_handle(a, key, mods);
}

static int widget_at(const draw_app *a, int x, int y) {
    for (int i = a->lay.nw - 1; i >= 0; i--)
        if (a->lay.w[i].act != ACT_NONE && rect_has(a->lay.w[i].r, x, y)) return i;
    return -1;
}

static void update_hover(draw_app *a) {
    weights_tab *t = &a->wt;
    int hover = 0, slot = 0;
    size_t e = 0;
    if (a->view == DRAW_VIEW_WEIGHTS && a->mouse_in && a->drag != DRAG_STROKE)
        for (int i = 0; i < 2 && !hover; i++)
            if (a->m[i].heat.rows &&
                heat_pick_index(&a->m[i].heat, &t->hv, a->lay.heat[i], a->mouse_x, a->mouse_y, &e))
                hover = 1, slot = i;
    int row = 0, col = 0, part = 0, hidden = 0, w_row = 0, w_col = 0;
    float value = 0.0f;
    if (hover) {
        const heat_matrix *h = &a->m[slot].heat;
        row = (int)(e / (size_t)h->cols), col = (int)(e % (size_t)h->cols);
        part = h->part[e];
        hidden = h->hidden ? h->hidden[e] : 0;
        w_row = h->orig_row ? h->orig_row[row] : row;
        w_col = h->orig_col ? h->orig_col[col] : col;
        value = part ? h->value[e] : (hidden && h->w_value ? h->w_value[e] : 0.0f);
    }
    if (hover != t->hover || slot != t->hover_slot || row != t->hover_row ||
        col != t->hover_col || part != t->hover_part || hidden != t->hover_hidden ||
        value != t->hover_value)
        a->dirty |= D_INFO | D_RIGHT; /* the info line and the cell's outline */
    t->hover = hover;
    t->hover_slot = slot;
    t->hover_row = row;
    t->hover_col = col;
    t->hover_part = part;
    t->hover_hidden = hidden;
    t->hover_w_row = w_row;
    t->hover_w_col = w_col;
    t->hover_value = value;
}

static void update_hot(draw_app *a) {
    int hot = a->mouse_in && a->drag == DRAG_NONE ? widget_at(a, a->mouse_x, a->mouse_y) : -1;
    if (hot != a->hot) a->dirty |= D_FULL;
    a->hot = hot;
}

int draw_app_handle(draw_app *a, const app_event *ev) {
    weights_update_heat(a);
    layout_update(a);
    switch (ev->type) {
    case APP_EV_MOUSE_DOWN: {
        a->mouse_x = ev->x, a->mouse_y = ev->y, a->mouse_in = 1;
        if (a->help) {
            a->help = 0;
            a->dirty |= D_FULL;
            break;
        }
        if (a->drag != DRAG_NONE) break; /* a second button during a drag */
        int w = widget_at(a, ev->x, ev->y);
        if (w >= 0 && ev->button == APP_BUTTON_LEFT) {
            widget copy = a->lay.w[w]; /* the action may relayout */
            if (copy.disabled)
                message_set(a, 0, "%s applies to DYAD layers; this layer is dense", copy.label);
            else
                action_run(a, copy.act, copy.arg);
            break;
        }
        if (rect_has(a->lay.canvas, ev->x, ev->y) &&
            (ev->button == APP_BUTTON_LEFT || ev->button == APP_BUTTON_RIGHT)) {
            float u, v;
            canvas_uv(a, ev->x, ev->y, &u, &v);
            nn_error err;
            if (input_stroke_begin(a, u, v, ev->button == APP_BUTTON_RIGHT, &err) != NN_OK)
                message_set(a, 1, "%s", err.msg);
            else
                a->drag = DRAG_STROKE, a->drag_button = ev->button;
            break;
        }
        if (a->view == DRAW_VIEW_WEIGHTS &&
            (ev->button == APP_BUTTON_LEFT || ev->button == APP_BUTTON_MIDDLE) &&
            (rect_has(a->lay.heat[0], ev->x, ev->y) || rect_has(a->lay.heat[1], ev->x, ev->y))) {
            a->drag = DRAG_PAN;
            a->drag_button = ev->button;
            a->drag_x = ev->x, a->drag_y = ev->y;
        }
        break;
    }
    case APP_EV_MOUSE_MOVE:
        a->mouse_x = ev->x, a->mouse_y = ev->y, a->mouse_in = 1;
        if (a->drag == DRAG_STROKE) {
            float u, v;
            canvas_uv(a, ev->x, ev->y, &u, &v);
            input_stroke_to(a, u, v);
        } else if (a->drag == DRAG_PAN && a->wt.hv.zoom > 0.0f) {
            weights_pan_by(a, -(ev->y - a->drag_y) / a->wt.hv.zoom, -(ev->x - a->drag_x) / a->wt.hv.zoom);
            a->drag_x = ev->x, a->drag_y = ev->y;
        }
        break;
    case APP_EV_MOUSE_UP:
        a->mouse_x = ev->x, a->mouse_y = ev->y;
        if (a->drag != DRAG_NONE && ev->button == a->drag_button) {
            if (a->drag == DRAG_STROKE) canvas_end(&a->cv);
            a->drag = DRAG_NONE;
        }
        break;
    case APP_EV_MOUSE_LEAVE:
        a->mouse_in = 0;
        break;
    case APP_EV_WHEEL:
        a->mouse_x = ev->x, a->mouse_y = ev->y, a->mouse_in = 1;
        if (a->view == DRAW_VIEW_WEIGHTS && ev->wheel != 0.0f)
            for (int i = 0; i < 2; i++)
                if (rect_has(a->lay.heat[i], ev->x, ev->y)) {
                    weights_zoom_at(a, a->lay.heat[i], ev->x, ev->y, powf(1.25f, ev->wheel));
                    break;
                }
        break;
    case APP_EV_KEY: handle_key(a, ev->key, ev->mods); break;
    case APP_EV_DROP:
        if (ev->path) input_load_image(a, ev->path);
        break;
    }
    weights_update_heat(a);
    layout_update(a);
    update_hover(a);
    activations_update_hover(a);
    teach_tab_update_hover(a);
    update_hot(a);
    return a->dirty != 0;
}

/* ---- key names ---- */

static const struct {
    const char *name;
    int key;
} key_names[] = {
    {"left", APP_KEY_LEFT},         {"right", APP_KEY_RIGHT},       {"up", APP_KEY_UP},
    {"down", APP_KEY_DOWN},         {"pageup", APP_KEY_PAGEUP},     {"pagedown", APP_KEY_PAGEDOWN},
    {"home", APP_KEY_HOME},         {"end", APP_KEY_END},           {"escape", APP_KEY_ESCAPE},
    {"esc", APP_KEY_ESCAPE},        {"return", APP_KEY_RETURN},     {"enter", APP_KEY_RETURN},
    {"tab", APP_KEY_TAB},           {"backspace", APP_KEY_BACKSPACE}, {"delete", APP_KEY_DELETE},
    {"space", ' '},                 {"plus", '+'},                  {"minus", '-'},
    {"equals", '='},                {"question", '?'},              {"slash", '/'},
    {"leftbracket", '['},           {"rightbracket", ']'},          {"keypad +", '+'},
    {"keypad -", '-'},
};

int app_key_repeats(int key) { return keys_repeat(key); }

int app_key_parse(const char *name, int *key, int *mods) {
    char low[64];
    size_t n = strlen(name);
    if (n == 0 || n >= sizeof low) return 0;
    for (size_t i = 0; i <= n; i++) low[i] = (char)tolower((unsigned char)name[i]);
    int m = 0;
    const char *p = low;
    /* modifiers, but a lone "+" (or "ctrl++") is the plus key */
    for (;;) {
        if (!strncmp(p, "ctrl+", 5) && p[5]) m |= APP_MOD_CTRL, p += 5;
        else if (!strncmp(p, "control+", 8) && p[8]) m |= APP_MOD_CTRL, p += 8;
        else if (!strncmp(p, "shift+", 6) && p[6]) m |= APP_MOD_SHIFT, p += 6;
        else if (!strncmp(p, "alt+", 4) && p[4]) m |= APP_MOD_ALT, p += 4;
        else break;
    }
    const char *orig = name + (p - low);
    if (p[0] && !p[1]) {
        unsigned char c = (unsigned char)orig[0];
        if (c < 0x21 || c > 0x7E) return 0;
        if (isupper(c)) m |= APP_MOD_SHIFT;
        *key = tolower(c);
        *mods = m;
        return 1;
    }
    if (p[0] == 'f' && isdigit((unsigned char)p[1])) {
        int f = atoi(p + 1);
        char check[8];
        snprintf(check, sizeof check, "f%d", f);
        if (f >= 1 && f <= 12 && !strcmp(check, p)) {
            *key = APP_KEY_F1 + f - 1;
            *mods = m;
            return 1;
        }
        return 0;
    }
    for (size_t i = 0; i < sizeof key_names / sizeof key_names[0]; i++)
        if (!strcmp(p, key_names[i].name)) {
            *key = key_names[i].key;
            *mods = m;
            return 1;
        }
    return 0;
}
