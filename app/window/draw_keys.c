/* The key table of the draw window: each key (per tab where it differs) is
 * defined once here, with its help line and whether it repeats; the key
 * handler, the help overlay and the window's auto-repeat all read it. */
#include <stddef.h>

#include "draw_actions.h"
#include "draw_keys.h"
#include "draw_samples.h"
#include "draw_teach.h"
#include "draw_train.h"

#define MINUS "\xE2\x88\x92"

/* ---- what the keys do ---- */

static void k_clear(draw_app *a, int key, int mods) { (void)key, (void)mods; input_clear(a); }
static void k_undo(draw_app *a, int key, int mods) {
    (void)key, (void)mods;
    action_run(a, ACT_UNDO, 0);
}
static void k_ui_scale(draw_app *a, int key, int mods) {
    (void)mods;
    float s = draw_app_user_scale(a);
    draw_app_set_user_scale(a, key == '0' ? 1.0f : key == '+' ? s * 1.25f : s / 1.25f);
    message_set(a, 0, "UI scale %.0f%%", 100.0 * draw_app_user_scale(a));
}
static void k_quit(draw_app *a, int key, int mods) { (void)key, (void)mods, a->quit = 1; }
static void k_screenshot(draw_app *a, int key, int mods) {
    (void)key, (void)mods;
    a->screenshot_pending = 1; /* saved after the next render */
    a->dirty |= D_BASIC;
}
static void k_help(draw_app *a, int key, int mods) { (void)key, (void)mods, help_set(a, 1); }
static void k_escape(draw_app *a, int key, int mods) {
    (void)key, (void)mods; /* overlays closed before; quitting is Ctrl+Q or the close button */
    message_set(a, 0, "Esc closes overlays; Ctrl+Q or the window's close button quits");
}
static void k_view(draw_app *a, int key, int mods) { (void)mods, view_set(a, (draw_view)(key - '1')); }
static void k_receptive(draw_app *a, int key, int mods) {
    (void)key, (void)mods;
    view_set(a, a->view == DRAW_VIEW_RECEPTIVE ? DRAW_VIEW_WEIGHTS : DRAW_VIEW_RECEPTIVE);
}
static void k_tab(draw_app *a, int key, int mods) {
    (void)key;
    int step = mods & APP_MOD_SHIFT ? DRAW_VIEW_COUNT - 1 : 1;
    view_set(a, (draw_view)((a->view + step) % DRAW_VIEW_COUNT));
}
static int dir_of(int key) {
    return key == ']' || key == APP_KEY_PAGEDOWN || key == APP_KEY_RIGHT || key == APP_KEY_DOWN ||
                   key == '+'
               ? 1
               : -1;
}
static void k_layer(draw_app *a, int key, int mods) {
    (void)mods;
    weights_set_layer(a, a->wt.layer + dir_of(key));
}
static void k_rf_page(draw_app *a, int key, int mods) { (void)mods, receptive_page(a, dir_of(key)); }
static void k_parts(draw_app *a, int key, int mods) {
    (void)mods;
    weights_set_parts(a, key == 'd' ? HEAT_PART_DIAG : key == 't' ? HEAT_PART_TRANS : HEAT_PART_BOTH);
}
static void k_permuted(draw_app *a, int key, int mods) { (void)key, (void)mods, weights_toggle_permuted(a); }
static void k_scale(draw_app *a, int key, int mods) { (void)key, (void)mods, weights_toggle_scale(a); }
static void k_zoom(draw_app *a, int key, int mods) {
    (void)mods;
    weights_zoom_centre(a, key == '+' ? 1.5f : 1 / 1.5f);
}
static void k_fit(draw_app *a, int key, int mods) { (void)key, (void)mods, weights_fit(a); }
static void k_pan(draw_app *a, int key, int mods) {
    (void)mods;
    gfx_rect hr = a->lay.heat[0];
    float z = a->wt.hv.zoom > 0 ? a->wt.hv.zoom : 1;
    int dx = key == APP_KEY_LEFT ? -1 : key == APP_KEY_RIGHT ? 1 : 0;
    int dy = key == APP_KEY_UP ? -1 : key == APP_KEY_DOWN ? 1 : 0;
    weights_pan_by(a, dy * hr.h / z * 0.15f, dx * hr.w / z * 0.15f);
}
static void k_teach_width(draw_app *a, int key, int mods) {
    (void)mods; /* Up and + widen */
    teach_tab_step_width(a, key == APP_KEY_UP || key == '+' ? 4 : -4);
}
static void k_teach_ndyad(draw_app *a, int key, int mods) {
    (void)mods;
    if (a->tc.this_model) teach_tab_step_block(a, dir_of(key));
    else teach_tab_step_ndyad(a, dir_of(key));
}
static void k_teach_model(draw_app *a, int key, int mods) { (void)key, (void)mods, teach_tab_toggle_model(a); }
static void k_teach_compare(draw_app *a, int key, int mods) {
    (void)key, (void)mods;
    teach_tab_toggle_compare(a);
}
static void k_teach_kind(draw_app *a, int key, int mods) {
    (void)key, (void)mods;
    teach_tab_set_kind(a, a->tc.cfg.kind == NN_LAYER_DYAD_DT ? NN_LAYER_DYAD_IT : a->tc.cfg.kind + 1);
}
static void k_teach_play(draw_app *a, int key, int mods) {
    (void)key, (void)mods;
    teach_tab_set_playing(a, !a->tc.playing);
}
static void k_teach_step(draw_app *a, int key, int mods) {
    (void)mods;
    teach_tab_step_row(a, key == '.' ? 1 : -1);
}
static void k_teach_stop(draw_app *a, int key, int mods) {
    (void)mods;
    if (a->tc.step < 0) k_escape(a, key, mods);
    else teach_tab_stop(a);
}
static void k_train_run(draw_app *a, int key, int mods) { (void)key, (void)mods, train_tab_run(a); }
static void k_train_use(draw_app *a, int key, int mods) { (void)key, (void)mods, train_tab_use(a); }
static void k_train_heat(draw_app *a, int key, int mods) { (void)key, (void)mods, train_tab_toggle_heat(a); }
static void k_train_layer(draw_app *a, int key, int mods) {
    (void)mods;
    train_tab_step_layer(a, key == ']' ? 1 : -1);
}
static void k_sample_step(draw_app *a, int key, int mods) {
    (void)mods;
    samples_step(a, dir_of(key));
}
static void k_next_sample(draw_app *a, int key, int mods) {
    (void)key;
    if (a->view != DRAW_VIEW_SAMPLES) {
        view_set(a, DRAW_VIEW_SAMPLES); /* first N opens the browser */
        if (a->input_src != SRC_DIGIT) samples_step(a, 0);
    } else {
        samples_step(a, mods & APP_MOD_SHIFT ? -1 : 1);
    }
}
static void k_miss_only(draw_app *a, int key, int mods) {
    (void)key, (void)mods;
    if (a->view != DRAW_VIEW_SAMPLES) view_set(a, DRAW_VIEW_SAMPLES);
    samples_toggle_miss_only(a);
}

static void k_filter(draw_app *a, int key, int mods) {
    (void)key, (void)mods;
    if (a->view != DRAW_VIEW_SAMPLES) view_set(a, DRAW_VIEW_SAMPLES);
    samples_set_filter(a, (a->sm.filter + 1) % SAMPLES_FILTER_COUNT);
}

/* ---- the table ---- */

enum { ANY = KEY_ANY_VIEW, W = DRAW_VIEW_WEIGHTS, R = DRAW_VIEW_RECEPTIVE, T = DRAW_VIEW_TEACH,
       M = DRAW_VIEW_SAMPLES };
enum { SHIFT = APP_MOD_SHIFT, CTRL = APP_MOD_CTRL };

const key_binding key_table[] = {
    /* key, mods, view, repeats, run, section, keys, what */
    {0, 0, ANY, 0, NULL, "Drawing", "left drag", "draw on the canvas"},
    {0, 0, ANY, 0, NULL, NULL, "right drag", "erase"},
    {'c', 0, ANY, 0, k_clear, NULL, "C  /  Clear", "clear the canvas"},
    {'z', CTRL, ANY, 0, k_undo, NULL, "Ctrl+Z  /  Undo", "undo the last stroke"},
    {0, 0, ANY, 0, NULL, NULL, "drop a file", "classify an image (PNG, JPG, ...)"},
    {'1', 0, ANY, 0, k_view, "Views", "1 .. 6", "weights, fields, teaching, samples, why, training"},
    {'2', 0, ANY, 0, k_view, NULL, NULL, NULL},
    {'3', 0, ANY, 0, k_view, NULL, NULL, NULL},
    {'4', 0, ANY, 0, k_view, NULL, NULL, NULL},
    {'5', 0, ANY, 0, k_view, NULL, NULL, NULL},
    {'6', 0, ANY, 0, k_view, NULL, NULL, NULL},
    {'r', 0, ANY, 0, k_receptive, NULL, "R", "receptive fields on/off"},
    {APP_KEY_TAB, 0, ANY, 0, k_tab, NULL, "Tab  /  Shift+Tab", "next / previous view"},
    {'[', 0, ANY, 1, k_layer, "Weights", "[  ]", "previous / next layer"},
    {']', 0, ANY, 1, k_layer, NULL, NULL, NULL},
    {'d', 0, ANY, 0, k_parts, NULL, "D  T  B", "BLOCK DIAG only, BLOCK TRANS only, both"},
    {'t', 0, ANY, 0, k_parts, NULL, NULL, NULL},
    {'b', 0, ANY, 0, k_parts, NULL, NULL, NULL},
    {'p', 0, ANY, 0, k_permuted, NULL, "P", "permuted: W with its inputs/outputs reordered"},
    {'a', 0, ANY, 0, k_scale, NULL, "A", "signed colours / |w| (viridis)"},
    {'+', 0, W, 1, k_zoom, NULL, "wheel,  +  " MINUS, "zoom at the cursor / centre"},
    {'-', 0, W, 1, k_zoom, NULL, NULL, NULL},
    {APP_KEY_LEFT, 0, W, 1, k_pan, NULL, "drag,  arrows", "pan (both maps together)"},
    {APP_KEY_RIGHT, 0, W, 1, k_pan, NULL, NULL, NULL},
    {APP_KEY_UP, 0, W, 1, k_pan, NULL, NULL, NULL},
    {APP_KEY_DOWN, 0, W, 1, k_pan, NULL, NULL, NULL},
    {'0', 0, W, 0, k_fit, NULL, "0", "fit the whole matrix"},
    {'[', 0, R, 1, k_rf_page, "Receptive fields", "[  ]  PgUp  PgDn", "previous / next 64 units"},
    {']', 0, R, 1, k_rf_page, NULL, NULL, NULL},
    {APP_KEY_PAGEUP, 0, R, 1, k_rf_page, NULL, NULL, NULL},
    {APP_KEY_PAGEDOWN, 0, R, 1, k_rf_page, NULL, NULL, NULL},
    {0, 0, R, 0, NULL, NULL, "D  T  B,  A", "parts and colour scale"},
    {APP_KEY_UP, 0, T, 1, k_teach_width, "Teaching", "Up  Down,  +  " MINUS, "width 8..64"},
    {APP_KEY_DOWN, 0, T, 1, k_teach_width, NULL, NULL, NULL},
    {'+', 0, T, 1, k_teach_width, NULL, NULL, NULL},
    {'-', 0, T, 1, k_teach_width, NULL, NULL, NULL},
    {APP_KEY_LEFT, 0, T, 1, k_teach_ndyad, NULL, "Left  Right", "ndyad (this model: block)"},
    {APP_KEY_RIGHT, 0, T, 1, k_teach_ndyad, NULL, NULL, NULL},
    {'v', 0, T, 0, k_teach_kind, NULL, "V", "variant IT \xE2\x86\x92 OT \xE2\x86\x92 DT"},
    {'l', 0, T, 0, k_teach_model, NULL, "L", "this model: one block of its real weights"},
    {'k', 0, T, 0, k_teach_compare, NULL, "K", "compare blockdiag, DYAD, Monarch, sparse"},
    {' ', 0, T, 0, k_teach_play, NULL, "Space", "play / pause y = W x, one output row at a time"},
    {'.', 0, T, 1, k_teach_step, NULL, ".  ,", "next / previous output row"},
    {',', 0, T, 1, k_teach_step, NULL, NULL, NULL},
    {APP_KEY_ESCAPE, 0, T, 0, k_teach_stop, NULL, NULL, NULL},
    {'n', 0, ANY, 1, k_next_sample, "MNIST samples", "N  /  Right", "next test digit"},
    {APP_KEY_RIGHT, 0, M, 1, k_sample_step, NULL, NULL, NULL},
    {'n', SHIFT, ANY, 1, k_next_sample, NULL, "Shift+N  /  Left", "previous test digit"},
    {APP_KEY_LEFT, 0, M, 1, k_sample_step, NULL, NULL, NULL},
    {'m', 0, ANY, 0, k_miss_only, NULL, "M", "misclassified only (by the DYAD model)"},
    {'f', 0, ANY, 0, k_filter, NULL, "F", "filter: all, DYAD wrong, DYAD wrong + dense right, ..."},
    {' ', 0, DRAW_VIEW_TRAIN, 0, k_train_run, "Training", "Space", "start / pause / resume"},
    {'u', 0, DRAW_VIEW_TRAIN, 0, k_train_use, NULL, "U", "use the trained nets as the models"},
    {'h', 0, DRAW_VIEW_TRAIN, 0, k_train_heat, NULL, "H", "receptive fields / W heatmaps"},
    {'[', 0, DRAW_VIEW_TRAIN, 1, k_train_layer, NULL, "[  ]", "heatmaps: previous / next layer"},
    {']', 0, DRAW_VIEW_TRAIN, 1, k_train_layer, NULL, NULL, NULL},
    {'+', CTRL, ANY, 1, k_ui_scale, "Other", "Ctrl+  +  " MINUS "  0", "UI scale up / down / 100%"},
    {'-', CTRL, ANY, 1, k_ui_scale, NULL, NULL, NULL},
    {'0', CTRL, ANY, 0, k_ui_scale, NULL, NULL, NULL},
    {'s', 0, ANY, 0, k_screenshot, NULL, "S", "save a PNG screenshot"},
    {APP_KEY_F1, 0, ANY, 0, k_help, NULL, "F1  /  ?", "this help"},
    {'?', 0, ANY, 0, k_help, NULL, NULL, NULL},
    {APP_KEY_ESCAPE, 0, ANY, 0, k_escape, NULL, "Esc", "close the help or an overlay"},
    {'q', CTRL, ANY, 0, k_quit, NULL, "Ctrl+Q", "quit (or the window's close button)"},
};
const int key_table_count = (int)(sizeof key_table / sizeof key_table[0]);

/* The same key typed differently: "=" is "+" without shift, and so on. */
static int normalize(int key, int *mods) {
    if (key == '/' && (*mods & APP_MOD_SHIFT)) return '?';
    if (key == '=' || key == '_') return key == '=' ? '+' : '-';
    if (key == '?' || key == '+') *mods &= ~APP_MOD_SHIFT; /* typed with shift */
    return key;
}

static const key_binding *find(int key, int mods, int view) {
    const key_binding *any = NULL;
    int need = mods & (APP_MOD_CTRL | APP_MOD_SHIFT);
    for (int pass = 0; pass < 2; pass++) /* exact modifiers first, then without shift */
        for (int i = 0; i < key_table_count; i++) {
            const key_binding *b = &key_table[i];
            if (!b->run || b->key != key) continue;
            if (pass == 0 ? b->mods != need : (b->mods != 0 || (need & APP_MOD_CTRL))) continue;
            if (b->view == view) return b;
            if (b->view == KEY_ANY_VIEW && !any) any = b;
        }
    return any;
}

int keys_handle(draw_app *a, int key, int mods) {
    key = normalize(key, &mods);
    const key_binding *b = find(key, mods, (int)a->view);
    if (!b) return 0;
    b->run(a, key, mods);
    return 1;
}

int keys_repeat(int key) {
    int mods = 0;
    key = normalize(key, &mods);
    for (int i = 0; i < key_table_count; i++)
        if (key_table[i].key == key && key_table[i].repeats) return 1;
    return 0;
}
