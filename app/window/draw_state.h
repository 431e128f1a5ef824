/* Private to the draw_*.c files: the draw_app struct (one state struct per
 * tab), the theme, small helpers, and draw_state.c's functions.
 *
 * Dependencies inside window/ point one way (each file calls only files
 * further down):
 *   draw_input -> draw_keys -> draw_actions -> draw_layout -> draw_panels,
 *   draw_weights, draw_samples, draw_teach -> draw_gfx -> draw_state;
 *   draw_app (public API and render) -> draw_layout, draw_panels, tabs. */
#ifndef APP_DRAW_STATE_H
#define APP_DRAW_STATE_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "../../nn/checkpoint.h"
#include "../../nn/dataset.h"
#include "../../nn/mlp.h"
#include "../../nn/preprocess.h"
#include "../render/canvas.h"
#include "draw_app.h"
#include "../render/gfx.h"
#include "../render/heatmap.h"
#include "../render/teach.h"
#include "trainer.h"

/* ---- theme ---- */

#define COL_BG GFX_RGB(0x11, 0x14, 0x19)
#define COL_HEADER GFX_RGB(0x0B, 0x0D, 0x11)
#define COL_PANEL GFX_RGB(0x1A, 0x1F, 0x26)
#define COL_EDGE GFX_RGB(0x2C, 0x33, 0x3D)
#define COL_WELL GFX_RGB(0x0C, 0x0E, 0x12) /* behind heatmaps and pictures */
#define COL_TEXT GFX_RGB(0xE8, 0xEB, 0xF0)
#define COL_DIM GFX_RGB(0x8E, 0x97, 0xA6)
#define COL_FAINT GFX_RGB(0x80, 0x89, 0x98) /* hints: still 4.5:1 on the panels */
#define COL_DISABLED GFX_RGB(0x5A, 0x62, 0x70) /* disabled buttons (exempt from 4.5:1) */
#define COL_BTN GFX_RGB(0x25, 0x2C, 0x35)
#define COL_BTN_HOT GFX_RGB(0x32, 0x3B, 0x47)
#define COL_BTN_ON GFX_RGB(0x2F, 0x4D, 0x73)
#define COL_HIGHLIGHT GFX_RGB(0xFF, 0xE0, 0x40) /* the hovered weight */
#define COL_ERROR GFX_RGB(0xFF, 0x5F, 0x5F)
#define COL_GOOD GFX_RGB(0x5F, 0xD6, 0x8C)
#define COL_BAR_BG GFX_RGB(0x24, 0x2A, 0x33)
#define COL_BAR GFX_RGB(0x4A, 0x55, 0x66)
#define COL_INK GFX_RGB(0xF4, 0xF6, 0xF8)
#define COL_PAPER GFX_RGB(0x00, 0x00, 0x00)

/* slot 0 (DYAD) amber, slot 1 (dense) sky blue */
static const uint32_t slot_accent[2] = {GFX_RGB(0xFF, 0xB1, 0x3D), GFX_RGB(0x56, 0xB6, 0xFF)};

#define MESSAGE_MS 4000
#define ERROR_MESSAGE_MS 9000
#define MAX_WIDGETS 192
#define MAX_CLASSES 16
#define RF_PAGE 64
#define MAX_ACT_LAYERS 8 /* hidden layers whose activations are shown */
#define TIMING_MAX_SAMPLES (1 << 20)

/* ---- the app ---- */

typedef struct {
    double *v;
    int n, cap;
} sample_log;

typedef struct {
    int loaded;
    nn_mlp net;
    nn_train_record rec;
    char file[256];   /* file name */
    char name[256];   /* file name without extension: the script's model name */
    char title[64];   /* "DYAD-IT n=4", "dense" */
    char arch[512];   /* nn_mlp_describe */
    char note[512];   /* why the slot is empty */
    float probs[MAX_CLASSES];
    int has_pred, top;
    double last_us;
    sample_log forward_us;
    heat_matrix heat; /* current layer; rows == 0 when none */
    /* hidden layers' outputs for the current input, one after another */
    float *act;
    int act_off[MAX_ACT_LAYERS + 1], act_layers;
} model_slot;

/* Where a hidden layer's units sit in the activation strip: blocks side by
 * side, each a grid of rows x cols cells, units row-major inside a block. */
typedef struct {
    gfx_rect r;     /* the whole strip (cells only) */
    int cell, rows, cols, blocks, units, gap;
} act_geo;

typedef enum {
    ACT_NONE = 0,
    ACT_VIEW,
    ACT_CLEAR,
    ACT_UNDO,
    ACT_LAYER,
    ACT_PARTS,
    ACT_PERMUTED,
    ACT_SCALE,
    ACT_ZOOM,
    ACT_ZOOM_RESET,
    ACT_TEACH_WIDTH,
    ACT_TEACH_NDYAD,
    ACT_TEACH_KIND,
    ACT_SAMPLE_STEP,
    ACT_SAMPLE_MISS,
    ACT_SAMPLE_PICK,
    ACT_RF_PAGE,
    ACT_HELP,
    ACT_SAMPLE_FILTER,
    ACT_TEACH_PLAY,
    ACT_TEACH_STEP,
    ACT_TEACH_MODEL,
    ACT_TEACH_COMPARE,
    ACT_TRAIN_RUN,
    ACT_TRAIN_RESET,
    ACT_TRAIN_USE,
    ACT_TRAIN_NDYAD,
    ACT_TRAIN_HEAT,
    ACT_TRAIN_LAYER,
} action;

typedef enum { STYLE_BUTTON = 0, STYLE_TAB, STYLE_THUMB } widget_style;

typedef struct {
    gfx_rect r;
    action act;
    int arg;
    int on;
    int disabled; /* drawn dim; a click says why it does nothing */
    widget_style style;
    char label[64];
} widget;

typedef struct {
    gfx_rect header, status, left, mid, right;
    gfx_rect canvas_title, canvas, netview, netview_label, left_hint;
    gfx_rect pred[2];
    gfx_rect pred_body[2]; /* the prediction panel above its activation strips */
    act_geo act[2][MAX_ACT_LAYERS];
    gfx_rect act_label[2][MAX_ACT_LAYERS];
    gfx_rect body;             /* right area below its toolbars */
    gfx_rect heat[2], heat_cap[2], info, legend;
    gfx_rect rf[2], rf_cap[2], rf_note;
    gfx_rect teach, teach_info;
    gfx_rect samples;
    gfx_rect why[2], why_cap[2], why_note;
    gfx_rect train_info, train_plot[2], train_rf[2], train_rf_cap[2];
    int sample_first, sample_count; /* the page of thumbnails (positions in the list) */
    float fit_zoom;
    widget w[MAX_WIDGETS];
    int nw;
} layout;

enum { SRC_CANVAS = 0, SRC_DIGIT };
enum { DRAG_NONE = 0, DRAG_STROKE, DRAG_PAN };
enum { D_BASIC = 1, D_RIGHT = 2, D_INFO = 4, D_FULL = 8 };

/* Each tab keeps its own state. */
typedef struct {
    int layer;
    int parts;
    int permuted;
    heat_scale scale;
    heat_view hv;
    int heat_stale; /* matrices must be rebuilt */
    int need_fit;   /* zoom/pan must be reset to fit */
    /* the weight under the pointer: shown row/col, W's row/col, the parts
     * shown there (HEAT_PART_*, 0 none), hidden parts there, the value */
    int hover, hover_slot, hover_row, hover_col, hover_part;
    int hover_w_row, hover_w_col, hover_hidden;
    float hover_value;
} weights_tab;

typedef struct {
    int first; /* first unit shown */
} receptive_tab;

typedef struct {
    teach_config cfg;
    teach_geometry geo;   /* where the last frame put the panels */
    int step;             /* step-through: output row shown, -1 off */
    int playing;          /* the step advances by itself */
    uint64_t next_ms;     /* when it does */
    int hover, hover_panel, hover_row, hover_col;
    int this_model; /* show one block of the loaded DYAD model's weights instead */
    int block;      /* which block k */
    int compare;    /* blockdiag, DYAD, Monarch and sparse side by side instead (issue 9) */
} teach_tab;

typedef struct {
    char data_dir[1024];
    int data_state; /* 0 not tried, 1 loaded, -1 failed */
    char data_error[1200]; /* why loading failed (shown in the tab) */
    nn_dataset data;
    uint8_t *pred; /* the DYAD model's class per test image, or NULL */
    uint8_t *pred_other; /* the dense model's, or NULL */
    int errors;
    int filter;        /* samples_filter */
    int *list, list_n; /* indices shown (all or misclassified) */
    int pos;           /* position in list, -1 none */
    int shown;         /* test index on the canvas now, -1: the canvas shows something else */
    int miss_only;
} samples_tab;

struct draw_app {
    gfx_image frame;
    int rendered; /* frame holds a complete picture */
    float s;      /* ui scale: pixel ratio x the user's scale */
    float ratio;  /* pixels per point */
    float user_scale;
    gfx_font *font, *bold;
    char screenshot_dir[1024];
    int screenshot_pending; /* S was pressed: save the next rendered frame */

    canvas cv;
    int input_src, input_dirty, have_digit;
    uint8_t digit[NN_DIGIT_PIXELS];
    char canvas_caption[160];
    sample_log preprocess_us, frame_ms;

    model_slot m[2];

    draw_view view;
    int help, help_drawn;
    int dirty;
    int quit;

    /* the activation unit under the pointer, and its receptive field */
    struct {
        int on, slot, layer, unit;
        float rf[NN_DIGIT_PIXELS];
        unsigned char rf_part[NN_DIGIT_PIXELS]; /* 0: no connection (structural zero) */
        int rf_is_gradient; /* 0: the unit's input weights (first layer) */
        int drawn;
    } acth;

    weights_tab wt;
    receptive_tab rf;
    teach_tab tc;
    samples_tab sm;
    struct {
        trainer *t;              /* running or paused; NULL before Start */
        int paused;              /* asked to pause (the thread follows at its next chunk) */
        trainer *retiring[8];    /* stopped, joined once finished */
        trainer_config cfg;
        trainer_status st;       /* the last snapshot */
        nn_mlp view[TRAINER_NETS];  /* the published parameters, for the fields */
        int view_ok;
        long view_version;
        int show_heat;           /* the lower row: 0 receptive fields, 1 W heatmaps */
        int heat_layer;          /* 0-based layer the heatmaps show */
        heat_matrix heat[TRAINER_NETS]; /* built from view[] on the UI thread */
        float heat_range[TRAINER_NETS];  /* each one's 99% |w| quantile: the colour scale */
        long heat_version;       /* view_version they were built from; 0 none */
        int heat_built_layer;
        uint64_t next_poll_ms;
    } tr;
    struct {
        int stale;                 /* the input changed since the maps were made */
        float sal[2][NN_DIGIT_PIXELS]; /* gradient x input of each model's top class */
        int top[2], has[2];
    } why;

    /* pointer */
    int mouse_x, mouse_y, mouse_in;
    int drag, drag_button, drag_x, drag_y;
    int hot; /* widget under the pointer, -1 none */

    /* message line */
    char msg[600];
    int msg_error;
    uint64_t now_ms, msg_until; /* msg_until 0: not yet timed (set at the next clock update) */
    int msg_ms;                 /* how long the message shows */

    layout lay;
};

/* ---- small helpers, inline so that every draw_*.c file has them ---- */

static inline int S(const draw_app *a, double v) { return (int)lround(v * a->s); }

static inline int rect_has(gfx_rect r, int x, int y) {
    return x >= r.x && y >= r.y && x < r.x + r.w && y < r.y + r.h;
}

static inline gfx_rect inset(gfx_rect r, int d) {
    gfx_rect o = {r.x + d, r.y + d, r.w - 2 * d, r.h - 2 * d};
    if (o.w < 0) o.w = 0;
    if (o.h < 0) o.h = 0;
    return o;
}

static inline int clampi(int v, int lo, int hi) { return v < lo ? lo : (v > hi ? hi : v); }

static inline const gfx_font *bold_font(const draw_app *a) { return a->bold ? a->bold : a->font; }

static inline int text_w(const gfx_font *f, int px, const char *s) {
    return gfx_text_width(f, px, s);
}

/* ---- draw_state.c: messages, models, input (the bottom of window/: it calls no other draw_*.c) ---- */

void message_set(draw_app *a, int is_error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int models_max_layers(const draw_app *a);
/* The first layer of a slot, when it reads a 28x28 image; NULL otherwise. */
const nn_layer *model_first_layer(const draw_app *a, int slot);
/* The input (canvas or a shown digit) changed: predictions and panels are stale. */
void input_mark_changed(draw_app *a, int src);
/* A slot whose m->net is set: reserves it, names it after path (file name
 * without extension), sizes its activation buffers, marks it loaded. On
 * failure the net is freed. */
nn_status model_slot_setup(model_slot *m, const char *path, nn_error *err);
void model_slot_free(model_slot *m);
/* Input ops shared by the events and the public API. */
nn_status input_stroke_begin(draw_app *a, float u, float v, int erase, nn_error *err);
void input_stroke_to(draw_app *a, float u, float v);
void input_clear(draw_app *a);
int input_load_image(draw_app *a, const char *path);
const char *path_base_name(const char *path);

#endif
