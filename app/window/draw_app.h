/* The state and all panels of `dyad draw`, with no SDL in it: it takes
 * abstract input events (mouse in frame-buffer pixels, keys, dropped files)
 * and renders into its own gfx_image. The SDL window (window.c) only
 * translates events and uploads the frame; script mode and the tests drive
 * this directly, so they need no display.
 *
 * Two model slots: 0 is the DYAD model (--model), 1 the dense baseline
 * (--baseline); either may be any kind, or missing. */
#ifndef APP_DRAW_APP_H
#define APP_DRAW_APP_H

#include <stddef.h>
#include <stdint.h>

#include "../../nn/error.h"
#include "../render/gfx.h"
#include "../render/heatmap.h"

typedef enum {
    APP_EV_MOUSE_DOWN = 1,
    APP_EV_MOUSE_UP,
    APP_EV_MOUSE_MOVE,
    APP_EV_MOUSE_LEAVE, /* the pointer left the window */
    APP_EV_WHEEL,
    APP_EV_KEY,
    APP_EV_DROP,
} app_event_type;

enum { APP_BUTTON_LEFT = 1, APP_BUTTON_MIDDLE = 2, APP_BUTTON_RIGHT = 3 };
enum { APP_MOD_SHIFT = 1, APP_MOD_CTRL = 2, APP_MOD_ALT = 4 };

/* Keys: printable ASCII as its lowercase character ('a', '[', '/', '0'),
 * the rest from here on. */
enum {
    APP_KEY_LEFT = 0x100,
    APP_KEY_RIGHT,
    APP_KEY_UP,
    APP_KEY_DOWN,
    APP_KEY_PAGEUP,
    APP_KEY_PAGEDOWN,
    APP_KEY_HOME,
    APP_KEY_END,
    APP_KEY_ESCAPE,
    APP_KEY_RETURN,
    APP_KEY_TAB,
    APP_KEY_BACKSPACE,
    APP_KEY_DELETE,
    APP_KEY_F1,
    APP_KEY_F2,
    APP_KEY_F3,
    APP_KEY_F4,
    APP_KEY_F5,
    APP_KEY_F6,
    APP_KEY_F7,
    APP_KEY_F8,
    APP_KEY_F9,
    APP_KEY_F10,
    APP_KEY_F11,
    APP_KEY_F12,
};

typedef struct {
    app_event_type type;
    int x, y;         /* frame-buffer pixels (mouse and wheel events) */
    int button;       /* APP_BUTTON_* (mouse down/up) */
    float wheel;      /* wheel steps; positive = away from the user = zoom in */
    int key;          /* APP_KEY_* or a lowercase ASCII character */
    int mods;         /* APP_MOD_* */
    const char *path; /* dropped file (APP_EV_DROP), valid during the call */
} app_event;

/* Parses an SDL-style key name with optional modifiers: "c", "C" (= shift+c),
 * "F1", "Left", "PageDown", "Escape", "[", "?", "+", "ctrl+z", "shift+n".
 * Returns 0 for an unknown name. */
int app_key_parse(const char *name, int *key, int *mods);
/* Whether a held key acts again (auto-repeat), from the key table. */
int app_key_repeats(int key);

typedef enum {
    DRAW_VIEW_WEIGHTS = 0, /* layer heatmaps, DYAD beside dense */
    DRAW_VIEW_RECEPTIVE,   /* first-layer receptive fields */
    DRAW_VIEW_TEACH,       /* the model-free teaching view */
    DRAW_VIEW_SAMPLES,     /* MNIST test-set browser */
    DRAW_VIEW_WHY,         /* saliency: which pixels made each model say its digit */
    DRAW_VIEW_TRAIN,       /* live training of a small DYAD net and its dense twin */
    DRAW_VIEW_COUNT
} draw_view;

/* Rectangles the tests (and scripts) aim at. */
typedef enum {
    DRAW_RECT_CANVAS = 0,
    DRAW_RECT_NETVIEW, /* the 28x28 the network sees */
    DRAW_RECT_HEAT_A,  /* heatmap of slot 0 (weights view) */
    DRAW_RECT_HEAT_B,  /* heatmap of slot 1 */
    DRAW_RECT_RIGHT,   /* the whole view area right of the predictions */
    DRAW_RECT_PRED_A,
    DRAW_RECT_PRED_B,
} draw_rect_id;

typedef struct {
    const char *model_path[2]; /* NULL: slot empty, model_note[i] says why */
    const char *model_note[2];
    int strict;                /* a model that fails to load fails draw_app_create */
    const char *data_dir;      /* MNIST directory for the sample browser, or NULL */
    const char *font_path;     /* NULL: DejaVu Sans from the usual places */
    int width, height;         /* frame-buffer size */
    float ui_scale;            /* pixels per point (HiDPI ratio); <= 0 means 1 */
    float user_scale;          /* the user's UI scale (--scale, Ctrl+plus/minus); <= 0 means 1 */
    const char *screenshot_dir; /* where S saves PNGs; NULL: the current directory */
} draw_app_options;

typedef struct draw_app draw_app;

/* The smallest window (points) whose layout keeps every control and label:
 * the window will not shrink below it. */
#define DRAW_MIN_W 960
#define DRAW_MIN_H 600

nn_status draw_app_create(draw_app **app, const draw_app_options *opt, nn_error *err);
void draw_app_destroy(draw_app *app);

/* New frame-buffer size and UI scale (the window was resized or moved to a
 * screen of another pixel density). */
nn_status draw_app_resize(draw_app *app, int width, int height, float ui_scale, nn_error *err);

/* The user's UI scale (0.75 .. 2.5): fonts, paddings and hit boxes
 * together, on top of the HiDPI ratio. */
void draw_app_set_user_scale(draw_app *app, float scale);
float draw_app_user_scale(const draw_app *app);
#define DRAW_SCALE_MIN 0.75f
#define DRAW_SCALE_MAX 2.5f

/* The clock, in milliseconds, for messages that time out. */
void draw_app_set_time(draw_app *app, uint64_t now_ms);
/* Milliseconds until the app changes by itself (a message expires), or -1. */
int draw_app_timeout_ms(const draw_app *app);

/* Handles one event; returns 1 if the frame must be redrawn. */
int draw_app_handle(draw_app *app, const app_event *ev);
int draw_app_dirty(const draw_app *app);
/* Runs pending work (predictions) and renders what changed; the frame stays
 * valid until the next call or resize. */
const gfx_image *draw_app_render(draw_app *app);
/* The last rendered frame (renders once if none yet). */
const gfx_image *draw_app_frame(draw_app *app);
int draw_app_quit_requested(const draw_app *app);

/* Direct drawing in canvas coordinates [0,1] (what scripts use). */
nn_status draw_app_stroke_begin(draw_app *app, float u, float v, int erase, nn_error *err);
void draw_app_stroke_to(draw_app *app, float u, float v);
void draw_app_stroke_end(draw_app *app);
void draw_app_clear(draw_app *app);
/* Shows a digit file as a dropped file would be (red message on failure). */
int draw_app_load_image(draw_app *app, const char *path);

/* Runs the pending predictions now (also done by render). */
void draw_app_update(draw_app *app);
int draw_app_model_loaded(const draw_app *app, int slot);
/* File name without directory and extension; "" for an empty slot. */
const char *draw_app_model_name(const draw_app *app, int slot);
/* The current prediction of a slot (updating first); 0 when there is none
 * (empty canvas, no model). probs may be NULL, else gets 10 values. */
int draw_app_prediction(draw_app *app, int slot, int *digit, float *prob, float *probs);
/* The 28x28 input the networks see; 0 when the canvas is empty. */
int draw_app_input(draw_app *app, uint8_t out[784]);

/* Medians over the run (0 and count 0 when nothing was measured). */
typedef struct {
    double forward_us[2];
    int forward_count[2];
    double preprocess_us;
    int preprocess_count;
    double frame_ms;
    int frame_count;
} draw_app_timing;
void draw_app_get_timing(const draw_app *app, draw_app_timing *t);

/* State, for tests and scripts. */
draw_view draw_app_view(const draw_app *app);
int draw_app_layer(const draw_app *app);
const heat_view *draw_app_heat_view(const draw_app *app);
int draw_app_heat_parts(const draw_app *app);
int draw_app_help_shown(const draw_app *app);
/* What the pointer is over in a heatmap; 0 when nothing. */
int draw_app_hover(const draw_app *app, int *slot, int *row, int *col, float *value, int *part);
gfx_rect draw_app_rect(draw_app *app, draw_rect_id id);
/* The message line ("" when none); *is_error set when it is an error. */
const char *draw_app_message(const draw_app *app, int *is_error);
/* The weight under the pointer as the window names it: W's own row and
 * column (also in the permuted view), the value, the parts shown there and
 * the hidden ones (HEAT_PART_* masks, 0 none); dense: dense = 1. */
typedef struct {
    int slot, w_row, w_col;
    float value;
    int part, hidden, dense;
} draw_hover_info;
int draw_app_hover_info(const draw_app *app, draw_hover_info *info);
/* The frame pixel where a slot's heatmap shows W's entry (w_row, w_col);
 * 0 when that entry is not on screen (panned away, no such map). */
int draw_app_cell_point(draw_app *app, int slot, int w_row, int w_col, int *x, int *y);
/* One JSON line of what the window states: view, layer, parts, permuted,
 * colour scale, UI scale, and per model the caption's nonzero fractions
 * (shown and W's). */
void draw_app_status_json(draw_app *app, char *buf, size_t size);

/* Teaching view settings. */
void draw_app_teach_state(const draw_app *app, int *width, int *ndyad, int *kind);
/* Whether the two models predict different digits for the current input. */
int draw_app_models_disagree(draw_app *app);
/* Sample browser filters. */
typedef enum {
    SAMPLES_ALL = 0,
    SAMPLES_DYAD_WRONG,        /* "misclassified only" (by the DYAD model) */
    SAMPLES_DYAD_WRONG_DENSE_RIGHT,
    SAMPLES_DENSE_WRONG_DYAD_RIGHT,
    SAMPLES_FILTER_COUNT
} samples_filter;
/* Sample browser: current test index (-1 without data) and the filter. */
int draw_app_sample(const draw_app *app, int *misclassified_only);

#endif
