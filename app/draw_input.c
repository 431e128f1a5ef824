/* Input of the draw window: mouse, keys, key names, hover, zoom/pan and the state they change. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "canvas.h"
#include "draw_internal.h"
#include "heatmap.h"

/* ---- zoom and pan ---- */

static void clamp_pan(draw_app *a) {
    int rows, cols;
    draw_heat_dims(a, &rows, &cols);
    gfx_rect r = a->lay.heat[0];
    if (!rows || r.w <= 0 || !(a->hv.zoom > 0.0f)) return;
    float vis_r = r.h / a->hv.zoom, vis_c = r.w / a->hv.zoom;
    float lo_r = -vis_r / 2, hi_r = rows - vis_r / 2;
    float lo_c = -vis_c / 2, hi_c = cols - vis_c / 2;
    if (vis_r >= rows) lo_r = hi_r = 0.0f; /* all of it visible: no panning that way */
    if (vis_c >= cols) lo_c = hi_c = 0.0f;
    if (a->hv.origin_row < lo_r) a->hv.origin_row = lo_r;
    if (a->hv.origin_row > hi_r) a->hv.origin_row = hi_r;
    if (a->hv.origin_col < lo_c) a->hv.origin_col = lo_c;
    if (a->hv.origin_col > hi_c) a->hv.origin_col = hi_c;
}

static void zoom_at(draw_app *a, gfx_rect r, int x, int y, float factor) {
    float lo = a->lay.fit_zoom > 0 ? a->lay.fit_zoom : a->hv.zoom;
    float target = a->hv.zoom * factor;
    if (target < lo) target = lo;
    if (target > 96.0f) target = 96.0f;
    if (!(a->hv.zoom > 0.0f) || target == a->hv.zoom) return;
    heat_zoom_at(&a->hv, r, x, y, target / a->hv.zoom);
    clamp_pan(a);
    a->dirty |= D_RIGHT;
}

/* ---- state changes ---- */

static void set_view(draw_app *a, draw_view v) {
    if (v == a->view) return;
    a->view = v;
    a->hover = 0;
    a->dirty |= D_FULL;
    if (v == DRAW_VIEW_SAMPLES && draw_ensure_samples(a) && a->input_src == SRC_CANVAS &&
        canvas_is_empty(&a->cv))
        draw_show_sample(a);
}

static void set_layer(draw_app *a, int layer) {
    int n = draw_max_layers(a);
    if (n == 0) return;
    layer = clampi(layer, 0, n - 1);
    if (layer == a->layer) return;
    a->layer = layer;
    a->heat_stale = 1;
    a->need_fit = 1;
    a->dirty |= D_FULL;
}

static void set_parts(draw_app *a, int parts) {
    if (a->parts == parts) return;
    a->parts = parts;
    a->heat_stale = 1;
    a->dirty |= D_FULL;
}

static void rf_page(draw_app *a, int dir) {
    int units = 0;
    for (int i = 0; i < 2; i++) {
        const nn_layer *l = draw_first_layer(a, i);
        if (l && l->out > units) units = l->out;
    }
    if (!units) return;
    int first = a->rf_first + dir * RF_PAGE;
    if (first < 0 || first >= units) return;
    a->rf_first = first;
    a->dirty |= D_RIGHT;
}

static void save_screenshot(draw_app *a) {
    const gfx_image *frame = draw_app_frame(a);
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    char stamp[32], path[1200];
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    snprintf(path, sizeof path, "%s%sdyad-screenshot-%s.png", a->screenshot_dir,
             a->screenshot_dir[0] ? "/" : "", stamp);
    nn_error err;
    if (gfx_save_png(frame, path, &err) != NN_OK) draw_set_message(a, 1, "screenshot: %s", err.msg);
    else draw_set_message(a, 0, "saved %s", path);
}

/* ---- events ---- */

static void canvas_uv(const draw_app *a, int x, int y, float *u, float *v) {
    gfx_rect c = a->lay.canvas;
    *u = (x + 0.5f - c.x) / (float)c.w;
    *v = (y + 0.5f - c.y) / (float)c.h;
}

static void do_action(draw_app *a, const widget *w) {
    switch (w->act) {
    case ACT_VIEW: set_view(a, (draw_view)w->arg); break;
    case ACT_CLEAR: draw_app_clear(a); break;
    case ACT_UNDO:
        if (canvas_undo(&a->cv)) draw_input_changed(a, SRC_CANVAS), a->canvas_caption[0] = 0;
        break;
    case ACT_LAYER: set_layer(a, w->arg); break;
    case ACT_PARTS: set_parts(a, w->arg); break;
    case ACT_PERMUTED: a->permuted = !a->permuted, a->heat_stale = 1, a->dirty |= D_FULL; break;
    case ACT_SCALE: a->scale = a->scale == HEAT_SIGNED ? HEAT_ABS : HEAT_SIGNED, a->dirty |= D_FULL; break;
    case ACT_ZOOM: {
        gfx_rect r = a->lay.heat[0];
        zoom_at(a, r, r.x + r.w / 2, r.y + r.h / 2, w->arg > 0 ? 1.5f : 1 / 1.5f);
        break;
    }
    case ACT_ZOOM_RESET: a->need_fit = 1, a->dirty |= D_FULL; break;
    case ACT_TEACH_WIDTH: draw_teach_width(a, w->arg); break;
    case ACT_TEACH_NDYAD: draw_teach_ndyad(a, w->arg); break;
    case ACT_TEACH_KIND: a->teach.kind = (nn_layer_kind)w->arg, a->dirty |= D_FULL; break;
    case ACT_SAMPLE_STEP: draw_sample_step(a, w->arg); break;
    case ACT_SAMPLE_MISS: draw_toggle_miss_only(a); break;
    case ACT_SAMPLE_PICK:
        a->sample_pos = w->arg;
        draw_show_sample(a);
        break;
    case ACT_RF_PAGE: rf_page(a, w->arg); break;
    case ACT_HELP: a->help = !a->help, a->dirty |= D_FULL; break;
    case ACT_NONE: break;
    }
}

static void pan_by(draw_app *a, float drow, float dcol) {
    a->hv.origin_row += drow;
    a->hv.origin_col += dcol;
    clamp_pan(a);
    a->dirty |= D_RIGHT;
}

static void handle_key(draw_app *a, int key, int mods) {
    int shift = mods & APP_MOD_SHIFT, ctrl = mods & APP_MOD_CTRL;
    if (key == '/' && shift) key = '?';
    if (key == '=') key = '+';
    if (key == '_') key = '-';
    if (a->help) {
        a->dirty |= D_FULL;
        a->help = 0;
        if (key == APP_KEY_ESCAPE || key == APP_KEY_F1 || key == '?') return;
    }
    if (ctrl) {
        if (key == 'z' && canvas_undo(&a->cv)) {
            a->canvas_caption[0] = 0;
            draw_input_changed(a, SRC_CANVAS);
        }
        if (key == 'q') a->quit = 1;
        return;
    }
    gfx_rect hr = a->lay.heat[0];
    float step_r = hr.h / (a->hv.zoom > 0 ? a->hv.zoom : 1) * 0.15f;
    float step_c = hr.w / (a->hv.zoom > 0 ? a->hv.zoom : 1) * 0.15f;
    switch (key) {
    case 'c': draw_app_clear(a); break;
    case 's': save_screenshot(a); break;
    case '?':
    case APP_KEY_F1: a->help = 1, a->dirty |= D_FULL; break;
    case APP_KEY_ESCAPE: a->quit = 1; break;
    case '1': case '2': case '3': case '4': set_view(a, (draw_view)(key - '1')); break;
    case 'r': set_view(a, a->view == DRAW_VIEW_RECEPTIVE ? DRAW_VIEW_WEIGHTS : DRAW_VIEW_RECEPTIVE); break;
    case APP_KEY_TAB:
        set_view(a, (draw_view)((a->view + (shift ? DRAW_VIEW_COUNT - 1 : 1)) % DRAW_VIEW_COUNT));
        break;
    case '[':
    case ']': {
        int dir = key == ']' ? 1 : -1;
        if (a->view == DRAW_VIEW_RECEPTIVE) rf_page(a, dir);
        else set_layer(a, a->layer + dir);
        break;
    }
    case APP_KEY_PAGEUP: case APP_KEY_PAGEDOWN:
        if (a->view == DRAW_VIEW_RECEPTIVE) rf_page(a, key == APP_KEY_PAGEDOWN ? 1 : -1);
        break;
    case 'd': set_parts(a, HEAT_PART_DIAG); break;
    case 't': set_parts(a, HEAT_PART_TRANS); break;
    case 'b': set_parts(a, HEAT_PART_BOTH); break;
    case 'p': a->permuted = !a->permuted, a->heat_stale = 1, a->dirty |= D_FULL; break;
    case 'a': a->scale = a->scale == HEAT_SIGNED ? HEAT_ABS : HEAT_SIGNED, a->dirty |= D_FULL; break;
    case '+':
    case '-':
        if (a->view == DRAW_VIEW_TEACH) draw_teach_width(a, key == '+' ? 4 : -4);
        else if (a->view == DRAW_VIEW_WEIGHTS)
            zoom_at(a, hr, hr.x + hr.w / 2, hr.y + hr.h / 2, key == '+' ? 1.5f : 1 / 1.5f);
        break;
    case '0':
        if (a->view == DRAW_VIEW_WEIGHTS) a->need_fit = 1, a->dirty |= D_FULL;
        break;
    case APP_KEY_LEFT: case APP_KEY_RIGHT: case APP_KEY_UP: case APP_KEY_DOWN: {
        int dx = key == APP_KEY_LEFT ? -1 : key == APP_KEY_RIGHT ? 1 : 0;
        int dy = key == APP_KEY_UP ? -1 : key == APP_KEY_DOWN ? 1 : 0;
        if (a->view == DRAW_VIEW_WEIGHTS) pan_by(a, dy * step_r, dx * step_c);
        else if (a->view == DRAW_VIEW_SAMPLES && dx) draw_sample_step(a, dx);
        else if (a->view == DRAW_VIEW_TEACH) {
            if (dy) draw_teach_width(a, -4 * dy);
            else draw_teach_ndyad(a, dx);
        }
        break;
    }
    case 'n':
        if (a->view != DRAW_VIEW_SAMPLES) {
            set_view(a, DRAW_VIEW_SAMPLES); /* first N opens the browser */
            if (a->input_src != SRC_DIGIT) draw_sample_step(a, 0);
        } else {
            draw_sample_step(a, shift ? -1 : 1);
        }
        break;
    case 'm':
        if (a->view != DRAW_VIEW_SAMPLES) set_view(a, DRAW_VIEW_SAMPLES);
        draw_toggle_miss_only(a);
        break;
    case 'v':
        if (a->view == DRAW_VIEW_TEACH) {
            a->teach.kind = a->teach.kind == NN_LAYER_DYAD_DT ? NN_LAYER_DYAD_IT : a->teach.kind + 1;
            a->dirty |= D_FULL;
        }
        break;
    default: break;
    }
}

static int widget_at(const draw_app *a, int x, int y) {
    for (int i = a->lay.nw - 1; i >= 0; i--)
        if (a->lay.w[i].act != ACT_NONE && rect_has(a->lay.w[i].r, x, y)) return i;
    return -1;
}

static void update_hover(draw_app *a) {
    int hover = 0, slot = 0, row = 0, col = 0, part = 0;
    float value = 0.0f;
    if (a->view == DRAW_VIEW_WEIGHTS && a->mouse_in && a->drag != DRAG_STROKE)
        for (int i = 0; i < 2 && !hover; i++)
            if (a->m[i].heat.rows &&
                heat_pick(&a->m[i].heat, &a->hv, a->lay.heat[i], a->mouse_x, a->mouse_y, &row,
                          &col, &value, &part))
                hover = 1, slot = i;
    if (hover != a->hover || slot != a->hover_slot || row != a->hover_row ||
        col != a->hover_col || part != a->hover_part || value != a->hover_value)
        a->dirty |= D_INFO;
    a->hover = hover;
    a->hover_slot = slot;
    a->hover_row = row;
    a->hover_col = col;
    a->hover_part = part;
    a->hover_value = value;
}

static void update_hot(draw_app *a) {
    int hot = a->mouse_in && a->drag == DRAG_NONE ? widget_at(a, a->mouse_x, a->mouse_y) : -1;
    if (hot != a->hot) a->dirty |= D_FULL;
    a->hot = hot;
}

int draw_app_handle(draw_app *a, const app_event *ev) {
    draw_rebuild_heat(a);
    draw_relayout(a);
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
            do_action(a, &copy);
            break;
        }
        if (rect_has(a->lay.canvas, ev->x, ev->y) &&
            (ev->button == APP_BUTTON_LEFT || ev->button == APP_BUTTON_RIGHT)) {
            float u, v;
            canvas_uv(a, ev->x, ev->y, &u, &v);
            nn_error err;
            if (draw_app_stroke_begin(a, u, v, ev->button == APP_BUTTON_RIGHT, &err) != NN_OK)
                draw_set_message(a, 1, "%s", err.msg);
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
            draw_app_stroke_to(a, u, v);
        } else if (a->drag == DRAG_PAN && a->hv.zoom > 0.0f) {
            pan_by(a, -(ev->y - a->drag_y) / a->hv.zoom, -(ev->x - a->drag_x) / a->hv.zoom);
            a->drag_x = ev->x, a->drag_y = ev->y;
        }
        break;
    case APP_EV_MOUSE_UP:
        a->mouse_x = ev->x, a->mouse_y = ev->y;
        if (a->drag != DRAG_NONE && ev->button == a->drag_button) {
            if (a->drag == DRAG_STROKE) draw_app_stroke_end(a);
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
                    zoom_at(a, a->lay.heat[i], ev->x, ev->y, powf(1.25f, ev->wheel));
                    break;
                }
        break;
    case APP_EV_KEY: handle_key(a, ev->key, ev->mods); break;
    case APP_EV_DROP:
        if (ev->path) draw_app_load_image(a, ev->path);
        break;
    }
    draw_rebuild_heat(a);
    draw_relayout(a);
    update_hover(a);
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
