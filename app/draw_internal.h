/* Private to the draw_*.c files: the draw_app struct, its theme, and the functions they share. */
#ifndef APP_DRAW_INTERNAL_H
#define APP_DRAW_INTERNAL_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "../nn/checkpoint.h"
#include "../nn/dataset.h"
#include "../nn/mlp.h"
#include "../nn/preprocess.h"
#include "canvas.h"
#include "draw_app.h"
#include "gfx.h"
#include "heatmap.h"
#include "teach.h"

/* ---- theme ---- */

#define COL_BG GFX_RGB(0x11, 0x14, 0x19)
#define COL_HEADER GFX_RGB(0x0B, 0x0D, 0x11)
#define COL_PANEL GFX_RGB(0x1A, 0x1F, 0x26)
#define COL_EDGE GFX_RGB(0x2C, 0x33, 0x3D)
#define COL_WELL GFX_RGB(0x0C, 0x0E, 0x12) /* behind heatmaps and pictures */
#define COL_TEXT GFX_RGB(0xE8, 0xEB, 0xF0)
#define COL_DIM GFX_RGB(0x8E, 0x97, 0xA6)
#define COL_FAINT GFX_RGB(0x4E, 0x57, 0x64)
#define COL_BTN GFX_RGB(0x25, 0x2C, 0x35)
#define COL_BTN_HOT GFX_RGB(0x32, 0x3B, 0x47)
#define COL_BTN_ON GFX_RGB(0x2F, 0x4D, 0x73)
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
} model_slot;

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
} action;

typedef enum { STYLE_BUTTON = 0, STYLE_TAB, STYLE_THUMB } widget_style;

typedef struct {
    gfx_rect r;
    action act;
    int arg;
    int on;
    widget_style style;
    char label[64];
} widget;

typedef struct {
    gfx_rect header, status, left, mid, right;
    gfx_rect canvas_title, canvas, netview, netview_label, left_hint;
    gfx_rect pred[2];
    gfx_rect body;             /* right area below its toolbars */
    gfx_rect heat[2], heat_cap[2], info, legend;
    gfx_rect rf[2], rf_cap[2], rf_note;
    gfx_rect teach;
    gfx_rect samples;
    int sample_first, sample_count; /* the page of thumbnails (positions in the list) */
    float fit_zoom;
    widget w[MAX_WIDGETS];
    int nw;
} layout;

enum { SRC_CANVAS = 0, SRC_DIGIT };
enum { DRAG_NONE = 0, DRAG_STROKE, DRAG_PAN };
enum { D_BASIC = 1, D_RIGHT = 2, D_INFO = 4, D_FULL = 8 };

struct draw_app {
    gfx_image frame;
    int rendered; /* frame holds a complete picture */
    float s;      /* ui scale */
    gfx_font *font, *bold;
    char screenshot_dir[1024];

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

    /* weights view */
    int layer;
    int parts;
    int permuted;
    heat_scale scale;
    heat_view hv;
    int heat_stale; /* matrices must be rebuilt */
    int need_fit;   /* zoom/pan must be reset to fit */
    int hover, hover_slot, hover_row, hover_col, hover_part;
    float hover_value;

    /* receptive fields */
    int rf_first;

    /* teaching */
    teach_config teach;

    /* samples */
    char data_dir[1024];
    int data_state; /* 0 not tried, 1 loaded, -1 failed */
    nn_dataset data;
    uint8_t *sample_pred; /* the DYAD model's class per test image, or NULL */
    int sample_errors;
    int *sample_list, sample_list_n; /* indices shown (all or misclassified) */
    int sample_pos;                  /* position in sample_list, -1 none */
    int miss_only;

    /* pointer */
    int mouse_x, mouse_y, mouse_in;
    int drag, drag_button, drag_x, drag_y;
    int hot; /* widget under the pointer, -1 none */

    /* message line */
    char msg[600];
    int msg_error;
    uint64_t now_ms, msg_until;

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

/* ---- draw_app.c: messages, models, predictions, the top-level layout ---- */

void draw_set_message(draw_app *a, int is_error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int draw_max_layers(const draw_app *a);
/* The first layer of a slot, when it reads a 28x28 image; NULL otherwise. */
const nn_layer *draw_first_layer(const draw_app *a, int slot);
/* The input (canvas or a shown digit) changed: predictions and panels are stale. */
void draw_input_changed(draw_app *a, int src);
void draw_relayout(draw_app *a);

/* ---- draw_gfx.c: drawing helpers and widgets ---- */

void draw_fill_round(gfx_image *img, gfx_rect r, int rad, uint32_t color);
void draw_darken(gfx_image *img, gfx_rect r, unsigned keep);
int draw_text_fit(gfx_image *img, const gfx_font *f, int x, int y, int px, uint32_t c,
                  const char *s, int maxw);
int draw_text_wrap(gfx_image *img, const gfx_font *f, gfx_rect r, int px, int line_h,
                   uint32_t c, const char *s, int max_lines);
void draw_text_center(gfx_image *img, const gfx_font *f, gfx_rect r, int px, uint32_t c,
                      const char *s);
void draw_blit_gray(gfx_image *img, gfx_rect dst, const uint8_t *gray, int gw, int gh,
                    int smooth, uint32_t paper, uint32_t ink);
widget *draw_add_widget(layout *L, gfx_rect r, action act, int arg, int on, widget_style style,
                        const char *label);
widget *draw_row_button(draw_app *a, int *x, gfx_rect row, action act, int arg, int on,
                        const char *label);
void draw_widgets_in(draw_app *a, gfx_rect area);

/* ---- draw_panels.c: header, canvas, predictions, status bar, help ---- */

void draw_layout_header(draw_app *a, layout *L);
void draw_layout_left(draw_app *a, layout *L);
void draw_header(draw_app *a);
void draw_status(draw_app *a);
void draw_left(draw_app *a);
void draw_prediction(draw_app *a, int slot);
void draw_help(draw_app *a);

/* ---- draw_weights.c: heatmaps and receptive fields ---- */

void draw_rebuild_heat(draw_app *a);
void draw_heat_dims(const draw_app *a, int *rows, int *cols);
void draw_layout_weights(draw_app *a, layout *L, gfx_rect in);
void draw_layout_receptive(draw_app *a, layout *L, gfx_rect in);
void draw_hover_text(const draw_app *a, char *text, size_t size);
void draw_info_line(draw_app *a);
void draw_weights(draw_app *a);
void draw_receptive(draw_app *a);

/* ---- draw_samples.c: the MNIST sample browser ---- */

void draw_show_sample(draw_app *a);
int draw_ensure_samples(draw_app *a);
void draw_sample_step(draw_app *a, int delta);
void draw_toggle_miss_only(draw_app *a);
void draw_layout_samples(draw_app *a, layout *L, gfx_rect in);
void draw_samples(draw_app *a);

/* ---- draw_teach.c: the teaching view ---- */

void draw_teach_width(draw_app *a, int delta);
void draw_teach_ndyad(draw_app *a, int dir);
void draw_layout_teach(draw_app *a, layout *L, gfx_rect in);
void draw_teach(draw_app *a);

#endif
