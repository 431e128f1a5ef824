/* The app behind `dyad draw` (see draw_app.h): state, layout, event
 * handling and every panel, rendered into a gfx_image with no SDL.
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
#include "../nn/dataset.h"
#include "../nn/mlp.h"
#include "../nn/preprocess.h"
#include "../nn/train.h"
#include "canvas.h"
#include "heatmap.h"
#include "image_load.h"
#include "receptive.h"
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

/* ---- small utilities ---- */

typedef struct {
    double *v;
    int n, cap;
} sample_log;

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

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int rect_has(gfx_rect r, int x, int y) {
    return x >= r.x && y >= r.y && x < r.x + r.w && y < r.y + r.h;
}

static gfx_rect inset(gfx_rect r, int d) {
    gfx_rect o = {r.x + d, r.y + d, r.w - 2 * d, r.h - 2 * d};
    if (o.w < 0) o.w = 0;
    if (o.h < 0) o.h = 0;
    return o;
}

static int clampi(int v, int lo, int hi) { return v < lo ? lo : (v > hi ? hi : v); }

/* ---- the app ---- */

typedef struct {
    int loaded;
    mlp net;
    train_record rec;
    char file[256];   /* file name */
    char name[256];   /* file name without extension: the script's model name */
    char title[64];   /* "DYAD-IT n=4", "dense" */
    char arch[512];   /* mlp_describe */
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
    uint8_t digit[DIGIT_PIXELS];
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
    dataset data;
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

static int S(const draw_app *a, double v) { return (int)lround(v * a->s); }

static void set_message(draw_app *a, int is_error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_message(draw_app *a, int is_error, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->msg, sizeof a->msg, fmt, ap);
    va_end(ap);
    a->msg_error = is_error;
    a->msg_until = a->now_ms + (is_error ? ERROR_MESSAGE_MS : MESSAGE_MS);
    a->dirty |= D_BASIC;
}

/* ---- drawing helpers ---- */

static uint32_t mix(uint32_t a, uint32_t b, unsigned t) { /* t in 0..255: a -> b */
    uint32_t out = 0xFF000000u;
    for (int sh = 0; sh < 24; sh += 8) {
        unsigned x = (a >> sh) & 0xFF, y = (b >> sh) & 0xFF;
        out |= (uint32_t)((x * (255u - t) + y * t + 127u) / 255u) << sh;
    }
    return out;
}

static void blend_px(gfx_image *img, int x, int y, uint32_t c, unsigned t) {
    if (x < 0 || y < 0 || x >= img->w || y >= img->h) return;
    uint32_t *p = &img->px[(size_t)y * img->w + x];
    *p = mix(*p, c, t);
}

/* A filled rectangle with antialiased round corners of radius rad. */
static void fill_round(gfx_image *img, gfx_rect r, int rad, uint32_t color) {
    if (r.w <= 0 || r.h <= 0) return;
    if (rad * 2 > r.w) rad = r.w / 2;
    if (rad * 2 > r.h) rad = r.h / 2;
    if (rad <= 0) {
        gfx_fill_rect(img, r, color);
        return;
    }
    gfx_fill_rect(img, (gfx_rect){r.x, r.y + rad, r.w, r.h - 2 * rad}, color);
    for (int i = 0; i < rad; i++) {
        /* the row's inset: where the corner circle crosses the pixel row's centre */
        double dy = rad - (i + 0.5);
        double edge = rad - sqrt((double)rad * rad - dy * dy);
        int full = (int)ceil(edge);
        unsigned cover = (unsigned)lround((full - edge) * 255.0);
        for (int k = 0; k < 2; k++) {
            int y = k ? r.y + r.h - 1 - i : r.y + i;
            gfx_fill_rect(img, (gfx_rect){r.x + full, y, r.w - 2 * full, 1}, color);
            if (full > 0 && cover) {
                blend_px(img, r.x + full - 1, y, color, cover);
                blend_px(img, r.x + r.w - full, y, color, cover);
            }
        }
    }
}

static void darken(gfx_image *img, gfx_rect r, unsigned keep) { /* keep/255 of the light */
    int x0 = clampi(r.x, 0, img->w), x1 = clampi(r.x + r.w, 0, img->w);
    int y0 = clampi(r.y, 0, img->h), y1 = clampi(r.y + r.h, 0, img->h);
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++) {
            uint32_t *p = &img->px[(size_t)y * img->w + x];
            *p = mix(0xFF000000u, *p, keep);
        }
}

static const gfx_font *bold_font(const draw_app *a) { return a->bold ? a->bold : a->font; }

static int text_w(const gfx_font *f, int px, const char *s) { return gfx_text_width(f, px, s); }

/* Draws s, cut with an ellipsis to fit maxw; returns the width drawn. */
static int text_fit(gfx_image *img, const gfx_font *f, int x, int y, int px, uint32_t c,
                    const char *s, int maxw) {
    if (maxw <= 0) return 0;
    if (text_w(f, px, s) <= maxw) return gfx_text(img, f, x, y, px, c, s);
    char buf[600];
    size_t n = strlen(s);
    if (n >= sizeof buf - 4) n = sizeof buf - 4;
    while (n > 0) {
        n--;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) n--; /* UTF-8 boundary */
        memcpy(buf, s, n);
        memcpy(buf + n, "\xE2\x80\xA6", 4); /* ellipsis */
        if (text_w(f, px, buf) <= maxw) return gfx_text(img, f, x, y, px, c, buf);
    }
    return 0;
}

/* Word-wraps s into r; returns the height used. */
static int text_wrap(gfx_image *img, const gfx_font *f, gfx_rect r, int px, int line_h,
                     uint32_t c, const char *s, int max_lines) {
    int lines = 0, y = r.y;
    const char *p = s;
    while (*p && lines < max_lines && y + line_h <= r.y + r.h + line_h / 2) {
        while (*p == ' ') p++;
        /* longest prefix that fits, broken at a space */
        size_t len = strlen(p), best = 0;
        char buf[600];
        for (size_t i = 1; i <= len && i < sizeof buf; i++) {
            if (p[i] != ' ' && p[i] != 0) continue;
            memcpy(buf, p, i);
            buf[i] = 0;
            if (text_w(f, px, buf) <= r.w) best = i;
            else break;
        }
        int last = lines == max_lines - 1;
        if (best == 0 || last) { /* one long word, or the last line: cut */
            text_fit(img, f, r.x, y, px, c, p, r.w);
            lines++;
            y += line_h;
            break;
        }
        memcpy(buf, p, best);
        buf[best] = 0;
        gfx_text(img, f, r.x, y, px, c, buf);
        p += best;
        lines++;
        y += line_h;
    }
    return y - r.y;
}

static void text_center(gfx_image *img, const gfx_font *f, gfx_rect r, int px, uint32_t c,
                        const char *s) {
    int w = text_w(f, px, s);
    if (w > r.w) {
        text_fit(img, f, r.x, r.y + (r.h - px) / 2, px, c, s, r.w);
        return;
    }
    gfx_text(img, f, r.x + (r.w - w) / 2, r.y + (r.h - px) / 2, px, c, s);
}

/* A greyscale bitmap scaled into dst: bilinear (smooth) or nearest (pixels
 * visible), coloured from paper (0) to ink (255). */
static void blit_gray(gfx_image *img, gfx_rect dst, const uint8_t *gray, int gw, int gh,
                      int smooth, uint32_t paper, uint32_t ink) {
    uint32_t lut[256];
    for (int v = 0; v < 256; v++) lut[v] = mix(paper, ink, (unsigned)v);
    int x0 = clampi(dst.x, 0, img->w), x1 = clampi(dst.x + dst.w, 0, img->w);
    int y0 = clampi(dst.y, 0, img->h), y1 = clampi(dst.y + dst.h, 0, img->h);
    float sx = (float)gw / dst.w, sy = (float)gh / dst.h;
    for (int y = y0; y < y1; y++) {
        uint32_t *row = img->px + (size_t)y * img->w;
        float fy = (y - dst.y + 0.5f) * sy - 0.5f;
        if (!smooth) {
            int gy = clampi((int)((y - dst.y) * sy), 0, gh - 1);
            for (int x = x0; x < x1; x++) {
                int gx = clampi((int)((x - dst.x) * sx), 0, gw - 1);
                row[x] = lut[gray[(size_t)gy * gw + gx]];
            }
            continue;
        }
        int ya = (int)floorf(fy);
        float ty = fy - ya;
        int yb = clampi(ya + 1, 0, gh - 1);
        ya = clampi(ya, 0, gh - 1);
        for (int x = x0; x < x1; x++) {
            float fx = (x - dst.x + 0.5f) * sx - 0.5f;
            int xa = (int)floorf(fx);
            float tx = fx - xa;
            int xb = clampi(xa + 1, 0, gw - 1);
            xa = clampi(xa, 0, gw - 1);
            float top = gray[(size_t)ya * gw + xa] * (1 - tx) + gray[(size_t)ya * gw + xb] * tx;
            float bot = gray[(size_t)yb * gw + xa] * (1 - tx) + gray[(size_t)yb * gw + xb] * tx;
            row[x] = lut[clampi((int)(top * (1 - ty) + bot * ty + 0.5f), 0, 255)];
        }
    }
}

/* ---- models ---- */

static const char *base_name(const char *path) {
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* "DYAD-IT n=4" from the net's DYAD layers, "dense" when it has none. */
static void model_title(const mlp *net, char *buf, size_t size) {
    layer_kind kind = LAYER_DENSE;
    int mixed_kind = 0, ndyads[8], nn = 0;
    for (int i = 0; i < net->nlayers; i++) {
        const layer *l = &net->layers[i];
        if (l->kind == LAYER_DENSE) continue;
        if (kind == LAYER_DENSE) kind = l->kind;
        else if (kind != l->kind) mixed_kind = 1;
        int seen = 0;
        for (int k = 0; k < nn; k++) seen |= ndyads[k] == l->ndyad;
        if (!seen && nn < 8) ndyads[nn++] = l->ndyad;
    }
    if (kind == LAYER_DENSE) {
        snprintf(buf, size, "dense");
        return;
    }
    char kinds[16];
    const char *name = mixed_kind ? "dyad" : layer_kind_name(kind);
    size_t k = 0;
    for (; name[k] && k + 1 < sizeof kinds; k++) kinds[k] = (char)toupper((unsigned char)name[k]);
    kinds[k] = 0;
    size_t used = (size_t)snprintf(buf, size, "%s n=", kinds);
    for (int i = 0; i < nn && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, i ? "/%d" : "%d", ndyads[i]);
}

static void slot_free(model_slot *m) {
    if (m->loaded) mlp_free(&m->net);
    heat_matrix_free(&m->heat);
    free(m->forward_us.v);
    memset(m, 0, sizeof *m);
}

static nn_status slot_load(model_slot *m, const char *path, nn_error *err) {
    nn_status st = checkpoint_load(path, &m->net, &m->rec, err);
    if (st != NN_OK) return st;
    int classes = mlp_classes(&m->net);
    if (m->net.in != DIGIT_PIXELS || classes < 2 || classes > MAX_CLASSES) {
        mlp_free(&m->net);
        return nn_fail(err, NN_ERR_FORMAT,
                       "%s: a digit model needs %d inputs and 2..%d classes, this one has %d and %d",
                       path, DIGIT_PIXELS, MAX_CLASSES, m->net.in, classes);
    }
    st = mlp_reserve(&m->net, 1, err);
    if (st != NN_OK) {
        mlp_free(&m->net);
        return st;
    }
    m->loaded = 1;
    snprintf(m->file, sizeof m->file, "%s", base_name(path));
    snprintf(m->name, sizeof m->name, "%s", base_name(path));
    char *dot = strrchr(m->name, '.');
    if (dot && dot != m->name) *dot = 0;
    model_title(&m->net, m->title, sizeof m->title);
    mlp_describe(&m->net, m->arch, sizeof m->arch);
    return NN_OK;
}

static int max_layers(const draw_app *a) {
    int n = 0;
    for (int i = 0; i < 2; i++)
        if (a->m[i].loaded && a->m[i].net.nlayers > n) n = a->m[i].net.nlayers;
    return n;
}

/* The first layer, when it reads a 28x28 image. */
static const layer *first_layer(const draw_app *a, int slot) {
    const model_slot *m = &a->m[slot];
    if (!m->loaded || m->net.in != DIGIT_PIXELS) return NULL;
    return &m->net.layers[0];
}

/* ---- predictions ---- */

static void update_predictions(draw_app *a) {
    if (!a->input_dirty) return;
    a->input_dirty = 0;
    if (a->input_src == SRC_CANVAS) {
        a->have_digit = 0;
        if (!canvas_is_empty(&a->cv)) {
            double t0 = now_seconds();
            nn_error err;
            a->have_digit = canvas_to_digit(&a->cv, a->digit, &err) == NN_OK;
            log_add(&a->preprocess_us, (now_seconds() - t0) * 1e6);
        }
    }
    float x[DIGIT_PIXELS];
    if (a->have_digit) digit_to_input(a->digit, x);
    for (int i = 0; i < 2; i++) {
        model_slot *m = &a->m[i];
        m->has_pred = 0;
        if (!m->loaded || !a->have_digit) continue;
        double t0 = now_seconds();
        mlp_predict(&m->net, x, m->probs);
        m->last_us = (now_seconds() - t0) * 1e6;
        log_add(&m->forward_us, m->last_us);
        int classes = mlp_classes(&m->net);
        m->top = 0;
        for (int c = 1; c < classes; c++)
            if (m->probs[c] > m->probs[m->top]) m->top = c;
        m->has_pred = 1;
    }
}

static void input_changed(draw_app *a, int src) {
    a->input_src = src;
    a->input_dirty = 1;
    a->dirty |= D_BASIC;
    if (a->view == DRAW_VIEW_SAMPLES) a->dirty |= D_RIGHT; /* the highlight follows */
}

/* ---- heatmaps ---- */

static void rebuild_heat(draw_app *a) {
    if (!a->heat_stale) return;
    a->heat_stale = 0;
    for (int i = 0; i < 2; i++) {
        model_slot *m = &a->m[i];
        heat_matrix_free(&m->heat);
        memset(&m->heat, 0, sizeof m->heat);
        if (!m->loaded || a->layer >= m->net.nlayers) continue;
        nn_error err;
        if (heat_matrix_build(&m->heat, &m->net.layers[a->layer], a->parts, a->permuted, &err) !=
            NN_OK) {
            heat_matrix_free(&m->heat);
            memset(&m->heat, 0, sizeof m->heat);
            set_message(a, 1, "heatmap: %s", err.msg);
        }
    }
    /* one colour range for both, so equal colours mean equal weights; the 99th
     * percentile of |w| rather than the maximum, which a few outliers set so high
     * that every other weight looks white (as `dyad heatmap` does) */
    float range = 0.0f;
    for (int i = 0; i < 2; i++) {
        float q = a->m[i].heat.rows ? heat_matrix_abs_quantile(&a->m[i].heat, 0.99f) : 0.0f;
        if (q > range) range = q;
    }
    a->hv.range = range > 0.0f ? range : 1.0f;
    a->hover = 0;
    a->dirty |= D_RIGHT;
}

static void heat_dims(const draw_app *a, int *rows, int *cols) {
    *rows = *cols = 0;
    for (int i = 0; i < 2; i++) {
        const heat_matrix *h = &a->m[i].heat;
        if (h->rows > *rows) *rows = h->rows;
        if (h->cols > *cols) *cols = h->cols;
    }
}

static void clamp_pan(draw_app *a) {
    int rows, cols;
    heat_dims(a, &rows, &cols);
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

/* ---- samples ---- */

static nn_status evaluate_samples(draw_app *a, nn_error *err) {
    int slot = a->m[0].loaded ? 0 : (a->m[1].loaded ? 1 : -1);
    if (slot < 0) return NN_OK;
    mlp *net = &a->m[slot].net;
    int count = a->data.test_images.count, batch = 256;
    a->sample_pred = malloc((size_t)count);
    if (!a->sample_pred) return nn_fail(err, NN_ERR_NOMEM, "out of memory for predictions");
    nn_status st = mlp_reserve(net, batch, err);
    if (st != NN_OK) return st;
    if (train_predict(net, &a->data.test_images, batch, a->sample_pred) != NN_OK)
        return nn_fail(err, NN_ERR_NOMEM, "out of memory for predictions");
    a->sample_errors = 0;
    for (int s = 0; s < count; s++) a->sample_errors += a->sample_pred[s] != a->data.test_labels.labels[s];
    return NN_OK;
}

static void build_sample_list(draw_app *a) {
    int count = a->data.test_images.count, n = 0;
    int current = a->sample_pos >= 0 && a->sample_list ? a->sample_list[a->sample_pos] : 0;
    for (int i = 0; i < count; i++) {
        int wrong = a->sample_pred && a->sample_pred[i] != a->data.test_labels.labels[i];
        if (!a->miss_only || wrong) a->sample_list[n++] = i;
    }
    a->sample_list_n = n;
    a->sample_pos = -1;
    /* stay on the current sample, or the next listed one */
    for (int k = 0; k < n; k++)
        if (a->sample_list[k] >= current) {
            a->sample_pos = k;
            break;
        }
    if (a->sample_pos < 0 && n > 0) a->sample_pos = 0;
}

static void show_sample(draw_app *a) {
    if (a->sample_pos < 0 || a->sample_pos >= a->sample_list_n) return;
    int index = a->sample_list[a->sample_pos];
    const uint8_t *px = a->data.test_images.pixels + (size_t)index * DIGIT_PIXELS;
    nn_error err;
    if (canvas_set_digit(&a->cv, px, &err) != NN_OK) {
        set_message(a, 1, "%s", err.msg);
        return;
    }
    memcpy(a->digit, px, DIGIT_PIXELS);
    a->have_digit = 1;
    int label = a->data.test_labels.labels[index];
    snprintf(a->canvas_caption, sizeof a->canvas_caption, "MNIST test #%d  \xC2\xB7  true label %d",
             index, label);
    input_changed(a, SRC_DIGIT);
    a->dirty |= D_RIGHT;
}

/* Loads the test split (once) and the DYAD model's predictions on it. */
static int ensure_samples(draw_app *a) {
    if (a->data_state) return a->data_state > 0;
    nn_error err;
    if (!a->data_dir[0]) {
        a->data_state = -1;
        return 0;
    }
    if (dataset_load_test(a->data_dir, &a->data, &err) != NN_OK) {
        a->data_state = -1;
        set_message(a, 1, "MNIST: %s", err.msg);
        return 0;
    }
    if (a->data.test_images.rows * a->data.test_images.cols != DIGIT_PIXELS ||
        a->data.test_images.count < 1) {
        a->data_state = -1;
        set_message(a, 1, "%s: test images are %dx%d, not 28x28", a->data_dir,
                    a->data.test_images.rows, a->data.test_images.cols);
        return 0;
    }
    a->sample_list = malloc(sizeof *a->sample_list * (size_t)a->data.test_images.count);
    if (!a->sample_list || evaluate_samples(a, &err) != NN_OK) {
        a->data_state = -1;
        set_message(a, 1, "MNIST: %s", a->sample_list ? err.msg : "out of memory");
        return 0;
    }
    a->data_state = 1;
    a->sample_pos = 0;
    build_sample_list(a);
    if (a->sample_pred) {
        int n = a->data.test_images.count;
        set_message(a, 0, "%d test digits: the %s model gets %d wrong (%.2f%% accuracy)", n,
                    a->m[0].loaded ? "DYAD" : "baseline", a->sample_errors,
                    100.0 * (n - a->sample_errors) / n);
    }
    return 1;
}

static void sample_step(draw_app *a, int delta) {
    if (!ensure_samples(a) || a->sample_list_n == 0) return;
    int n = a->sample_list_n;
    a->sample_pos = ((a->sample_pos + delta) % n + n) % n;
    show_sample(a);
}

static void toggle_miss_only(draw_app *a) {
    if (!ensure_samples(a)) return;
    if (!a->sample_pred) {
        set_message(a, 1, "misclassified-only needs a model");
        return;
    }
    a->miss_only = !a->miss_only;
    build_sample_list(a);
    if (a->sample_list_n == 0) {
        set_message(a, 0, "no misclassified test digits");
        a->miss_only = 0;
        build_sample_list(a);
    }
    show_sample(a);
}

/* ---- state changes ---- */

static void set_view(draw_app *a, draw_view v) {
    if (v == a->view) return;
    a->view = v;
    a->hover = 0;
    a->dirty |= D_FULL;
    if (v == DRAW_VIEW_SAMPLES && ensure_samples(a) && a->input_src == SRC_CANVAS &&
        canvas_is_empty(&a->cv))
        show_sample(a);
}

static void set_layer(draw_app *a, int layer) {
    int n = max_layers(a);
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

static int teach_valid_ndyad(int width, int n) { return n >= 2 && n <= width / 2 && width % n == 0; }

static void teach_width(draw_app *a, int delta) {
    int w = clampi(a->teach.width + delta, 8, 64);
    if (w == a->teach.width) return;
    a->teach.width = w;
    /* keep ndyad, or the nearest smaller divisor */
    int n = a->teach.ndyad;
    while (n > 2 && !teach_valid_ndyad(w, n)) n--;
    a->teach.ndyad = teach_valid_ndyad(w, n) ? n : 2;
    a->dirty |= D_FULL;
}

static void teach_ndyad(draw_app *a, int dir) {
    int w = a->teach.width;
    for (int n = a->teach.ndyad + dir; n >= 2 && n <= w / 2; n += dir)
        if (teach_valid_ndyad(w, n)) {
            a->teach.ndyad = n;
            a->dirty |= D_FULL;
            return;
        }
}

static void rf_page(draw_app *a, int dir) {
    int units = 0;
    for (int i = 0; i < 2; i++) {
        const layer *l = first_layer(a, i);
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
    if (gfx_save_png(frame, path, &err) != NN_OK) set_message(a, 1, "screenshot: %s", err.msg);
    else set_message(a, 0, "saved %s", path);
}

/* ---- layout ---- */

static widget *add_widget(layout *L, gfx_rect r, action act, int arg, int on, widget_style style,
                          const char *label) {
    if (L->nw >= MAX_WIDGETS) return NULL;
    widget *w = &L->w[L->nw++];
    w->r = r;
    w->act = act;
    w->arg = arg;
    w->on = on;
    w->style = style;
    snprintf(w->label, sizeof w->label, "%s", label);
    return w;
}

/* Lays buttons out left to right from *x on a row; returns the widget. */
static widget *row_button(draw_app *a, int *x, gfx_rect row, action act, int arg, int on,
                          const char *label) {
    int px = S(a, 13);
    int w = text_w(a->font, px, label) + S(a, 18);
    if (*x + w > row.x + row.w) return NULL; /* no room: left out, the key still works */
    widget *wd = add_widget(&a->lay, (gfx_rect){*x, row.y, w, row.h}, act, arg, on, STYLE_BUTTON,
                            label);
    *x += w + S(a, 6);
    return wd;
}

static void layout_header(draw_app *a, layout *L) {
    static const char *names[DRAW_VIEW_COUNT] = {"1  Weights", "2  Receptive fields",
                                                 "3  Teaching", "4  MNIST samples"};
    static const char *short_names[DRAW_VIEW_COUNT] = {"1 Weights", "2 Fields", "3 Teach",
                                                       "4 Samples"};
    int px = S(a, 14), pad = S(a, 24);
    int x0 = S(a, 14) + text_w(bold_font(a), S(a, 18), "dyad draw") + S(a, 28);
    int limit = L->header.w - S(a, 110);
    int total = x0;
    for (int v = 0; v < DRAW_VIEW_COUNT; v++) total += text_w(a->font, px, names[v]) + pad + S(a, 2);
    const char **use = total <= limit ? names : short_names;
    if (use == short_names) pad = S(a, 14);
    int x = x0;
    for (int v = 0; v < DRAW_VIEW_COUNT; v++) {
        int w = text_w(a->font, px, use[v]) + pad;
        if (x + w > limit) break;
        add_widget(L, (gfx_rect){x, 0, w, L->header.h}, ACT_VIEW, v, a->view == (draw_view)v,
                   STYLE_TAB, use[v]);
        x += w + S(a, 2);
    }
    const char *help = "F1  Help";
    int w = text_w(a->font, px, help) + S(a, 22);
    add_widget(L, (gfx_rect){L->header.w - w - S(a, 10), S(a, 8), w, L->header.h - S(a, 16)},
               ACT_HELP, 0, a->help, STYLE_BUTTON, help);
}

static void left_buttons(draw_app *a, layout *L, int x, int y, int bw, int vertical) {
    int bh = S(a, 30), gap = S(a, 8);
    if (bw < S(a, 40)) return;
    /* short labels when the long ones do not fit */
    int roomy = text_w(a->font, S(a, 13), "Undo  (Ctrl+Z)") + S(a, 16) <= bw;
    add_widget(L, (gfx_rect){x, y, bw, bh}, ACT_CLEAR, 0, 0, STYLE_BUTTON,
               roomy ? "Clear  (C)" : "Clear");
    gfx_rect undo = vertical ? (gfx_rect){x, y + bh + gap, bw, bh} : (gfx_rect){x + bw + gap, y, bw, bh};
    add_widget(L, undo, ACT_UNDO, 0, 0, STYLE_BUTTON, roomy ? "Undo  (Ctrl+Z)" : "Undo");
}

/* The network view is a multiple of 28 pixels so each input pixel is a square. */
static int netview_side(int room) {
    if (room >= 56) room -= room % 28;
    return room < 28 ? 28 : room;
}

static void layout_left(draw_app *a, layout *L) {
    gfx_rect in = inset(L->left, S(a, 12));
    L->canvas_title = (gfx_rect){in.x, in.y, in.w, S(a, 22)};
    int top = in.y + S(a, 30), avail_h = in.y + in.h - top;
    /* canvas on top with the extras below, or the extras in a column beside
     * it (wide, low panels): whichever gives the bigger canvas */
    int side_w = S(a, 150);
    int cs_col = in.w < avail_h - S(a, 96) ? in.w : avail_h - S(a, 96);
    int cs_row = avail_h < in.w - side_w - S(a, 14) ? avail_h : in.w - side_w - S(a, 14);
    L->left_hint = (gfx_rect){0, 0, 0, 0};
    if (cs_row > cs_col) {
        int cs = cs_row < 32 ? 32 : cs_row;
        L->canvas = (gfx_rect){in.x, top, cs, cs};
        int sx = in.x + cs + S(a, 14), sw = in.x + in.w - sx;
        L->netview_label = (gfx_rect){sx, top, sw, S(a, 18)};
        int room = cs - S(a, 20) - 2 * S(a, 30) - S(a, 8) - S(a, 12);
        int nv = netview_side(room < sw ? room : sw);
        if (nv > S(a, 196)) nv = netview_side(S(a, 196));
        L->netview = (gfx_rect){sx, top + S(a, 20), nv, nv};
        left_buttons(a, L, sx, L->netview.y + nv + S(a, 12), sw < S(a, 150) ? sw : S(a, 150), 1);
        return;
    }
    int cs = cs_col < 32 ? 32 : cs_col;
    L->canvas = (gfx_rect){in.x + (in.w - cs) / 2, top, cs, cs};
    int by = L->canvas.y + cs + S(a, 12);
    int bh = in.y + in.h - by;
    int room = bh - S(a, 22);
    if (room > cs / 2) room = cs / 2;
    if (room > S(a, 196)) room = S(a, 196);
    int nv = netview_side(room);
    L->netview_label = (gfx_rect){L->canvas.x, by, cs, S(a, 18)};
    L->netview = (gfx_rect){L->canvas.x, by + S(a, 20), nv, nv};
    int bx = L->netview.x + nv + S(a, 14);
    int bw = L->canvas.x + cs - bx;
    if (bw > S(a, 150)) bw = S(a, 150);
    left_buttons(a, L, bx, L->netview.y, bw, 1);
    int hy = L->netview.y + 2 * S(a, 30) + S(a, 20);
    L->left_hint = (gfx_rect){bx, hy, L->canvas.x + cs - bx, L->netview.y + nv - hy};
}

/* The largest cells of one size that show rows x cols in w x h, as
 * heat_view_fit computes them. */
static float fit_zoom(int rows, int cols, int w, int h) {
    if (rows <= 0 || cols <= 0 || w <= 0 || h <= 0) return 1.0f;
    float z = fminf((float)w / cols, (float)h / rows);
    if (z >= 1.0f) z = floorf(z);
    return z;
}

static void layout_toggles(draw_app *a, layout *L, gfx_rect row, int with_permuted,
                           int with_zoom) {
    int x = row.x;
    row_button(a, &x, row, ACT_PARTS, HEAT_PART_DIAG, a->parts == HEAT_PART_DIAG, "Diag  D");
    row_button(a, &x, row, ACT_PARTS, HEAT_PART_TRANS, a->parts == HEAT_PART_TRANS, "Trans  T");
    row_button(a, &x, row, ACT_PARTS, HEAT_PART_BOTH, a->parts == HEAT_PART_BOTH, "Both  B");
    x += S(a, 8);
    if (with_permuted)
        row_button(a, &x, row, ACT_PERMUTED, 0, a->permuted, "Permuted  P");
    row_button(a, &x, row, ACT_SCALE, 0, a->scale == HEAT_ABS, "|w|  A");
    if (with_zoom) {
        x += S(a, 8);
        row_button(a, &x, row, ACT_ZOOM, -1, 0, "\xE2\x88\x92");
        row_button(a, &x, row, ACT_ZOOM, 1, 0, "+");
        row_button(a, &x, row, ACT_ZOOM_RESET, 0, 0, "Fit  0");
    }
    (void)L;
}

static void layout_weights(draw_app *a, layout *L, gfx_rect in) {
    int rowh = S(a, 28), gap = S(a, 8);
    /* low view: layer tabs and toggles share one row, no info line (the
     * status bar shows what the pointer is on) */
    int low = in.h < S(a, 330);
    gfx_rect tabs = {in.x, in.y, in.w, rowh};
    int x = tabs.x;
    int n = max_layers(a);
    for (int i = 0; i < n; i++) {
        const layer *l = NULL;
        for (int s = 0; s < 2 && !l; s++)
            if (a->m[s].loaded && i < a->m[s].net.nlayers) l = &a->m[s].net.layers[i];
        char label[64];
        snprintf(label, sizeof label, "Layer %d  %d\xE2\x86\x92%d", i + 1, l->in, l->out);
        if (low || !row_button(a, &x, tabs, ACT_LAYER, i, a->layer == i, label)) {
            snprintf(label, sizeof label, "L%d", i + 1);
            row_button(a, &x, tabs, ACT_LAYER, i, a->layer == i, label);
        }
    }
    int below;
    if (low) {
        gfx_rect rest = {x + S(a, 8), in.y, in.x + in.w - x - S(a, 8), rowh};
        layout_toggles(a, L, rest, 1, 1);
        below = in.y + rowh;
    } else {
        gfx_rect tog = {in.x, in.y + rowh + gap, in.w, rowh};
        layout_toggles(a, L, tog, 1, 1);
        below = tog.y + rowh;
    }

    int top = below + S(a, 12);
    int legend_h = low ? S(a, 28) : S(a, 34), info_h = low ? 0 : S(a, 22);
    L->legend = (gfx_rect){in.x, in.y + in.h - legend_h, in.w < S(a, 520) ? in.w : S(a, 520),
                           legend_h};
    L->info = (gfx_rect){in.x, L->legend.y - info_h - (low ? 0 : S(a, 6)), in.w, info_h};
    L->body = (gfx_rect){in.x, top, in.w, L->info.y - S(a, 8) - top};

    int rows, cols;
    heat_dims(a, &rows, &cols);
    if (!rows) rows = cols = 1;
    int cap = S(a, 22), mgap = S(a, 14);
    gfx_rect b = L->body;
    /* side by side or stacked: whichever shows bigger cells */
    int sw = (b.w - mgap) / 2, sh = b.h - cap;
    int tw = b.w, th = (b.h - 2 * cap - mgap) / 2;
    float z_side = fit_zoom(rows, cols, sw, sh), z_stack = fit_zoom(rows, cols, tw, th);
    int stacked = z_stack > z_side;
    float z = stacked ? z_stack : z_side;
    int aw = stacked ? tw : sw, ah = stacked ? th : sh;
    /* hug the fitted matrix so frames and captions sit on it; zoomed in,
     * the maps take all the room there is */
    int zoomed = !a->need_fit && a->hv.zoom > z * 1.001f;
    int mw = zoomed ? aw : (int)ceilf(cols * z), mh = zoomed ? ah : (int)ceilf(rows * z);
    if (mw > aw) mw = aw;
    if (mh > ah) mh = ah;
    if (mw < S(a, 120) && aw >= S(a, 120)) mw = S(a, 120); /* room for the caption */
    if (mh < 8) mh = ah < 8 ? ah : 8;
    for (int i = 0; i < 2; i++) {
        int cx = stacked ? b.x : b.x + i * (sw + mgap);
        int cy = stacked ? b.y + i * (cap + th + mgap) : b.y;
        L->heat_cap[i] = (gfx_rect){cx, cy, stacked ? b.w : sw, cap};
        L->heat[i] = (gfx_rect){cx, cy + cap, mw, mh};
    }
    L->fit_zoom = z * 0.999f; /* rounding slack so "fit" is reachable by zooming out */
    if (a->need_fit) {
        a->need_fit = 0;
        float best = 0.0f;
        for (int i = 0; i < 2; i++) {
            if (!a->m[i].heat.rows) continue;
            heat_view v = a->hv;
            heat_view_fit(&v, &a->m[i].heat, L->heat[i]);
            if (best == 0.0f || v.zoom < best) best = v.zoom;
        }
        a->hv.zoom = best > 0.0f ? best : 1.0f;
        a->hv.origin_row = a->hv.origin_col = 0.0f;
        a->dirty |= D_RIGHT;
    }
}

static void layout_receptive(draw_app *a, layout *L, gfx_rect in) {
    int rowh = S(a, 28);
    gfx_rect tog = {in.x, in.y, in.w, rowh};
    layout_toggles(a, L, tog, 0, 0);
    /* paging beside the toggles when it fits, else on its own row */
    const char *prev = "\xE2\x97\x80  Prev  [", *next = "Next  ]  \xE2\x96\xB6";
    int need = text_w(a->font, S(a, 13), prev) + text_w(a->font, S(a, 13), next) + S(a, 60);
    int used = L->nw ? L->w[L->nw - 1].r.x + L->w[L->nw - 1].r.w - in.x : 0;
    gfx_rect page = {in.x + used + S(a, 20), in.y, in.w - used - S(a, 20), rowh};
    if (page.w < need) page = (gfx_rect){in.x, in.y + rowh + S(a, 8), in.w, rowh};
    int x = page.x;
    row_button(a, &x, page, ACT_RF_PAGE, -1, 0, prev);
    row_button(a, &x, page, ACT_RF_PAGE, 1, 0, next);
    int top = page.y + rowh + S(a, 12);
    int note_h = S(a, 34);
    L->rf_note = (gfx_rect){in.x, in.y + in.h - note_h, in.w, note_h};
    L->body = (gfx_rect){in.x, top, in.w, L->rf_note.y - S(a, 8) - top};
    gfx_rect b = L->body;
    int cap = S(a, 22), gap = S(a, 16);
    int side_by_side = b.w >= b.h;
    for (int i = 0; i < 2; i++) {
        gfx_rect r;
        if (side_by_side) r = (gfx_rect){b.x + i * ((b.w + gap) / 2), b.y, (b.w - gap) / 2, b.h};
        else r = (gfx_rect){b.x, b.y + i * ((b.h + gap) / 2), b.w, (b.h - gap) / 2};
        L->rf_cap[i] = (gfx_rect){r.x, r.y, r.w, cap};
        L->rf[i] = (gfx_rect){r.x, r.y + cap, r.w, r.h - cap};
    }
}

static void layout_teach(draw_app *a, layout *L, gfx_rect in) {
    int rowh = S(a, 28);
    gfx_rect row = {in.x, in.y, in.w, rowh};
    int x = row.x;
    char label[32];
    row_button(a, &x, row, ACT_TEACH_WIDTH, -4, 0, "\xE2\x88\x92");
    snprintf(label, sizeof label, "width %d", a->teach.width);
    add_widget(L, (gfx_rect){x, row.y, text_w(a->font, S(a, 13), "width 64") + S(a, 12), rowh},
               ACT_NONE, 0, 0, STYLE_TAB, label);
    x += text_w(a->font, S(a, 13), "width 64") + S(a, 18);
    row_button(a, &x, row, ACT_TEACH_WIDTH, 4, 0, "+");
    x += S(a, 14);
    row_button(a, &x, row, ACT_TEACH_NDYAD, -1, 0, "\xE2\x88\x92");
    snprintf(label, sizeof label, "ndyad %d", a->teach.ndyad);
    add_widget(L, (gfx_rect){x, row.y, text_w(a->font, S(a, 13), "ndyad 32") + S(a, 12), rowh},
               ACT_NONE, 0, 0, STYLE_TAB, label);
    x += text_w(a->font, S(a, 13), "ndyad 32") + S(a, 18);
    row_button(a, &x, row, ACT_TEACH_NDYAD, 1, 0, "+");
    x += S(a, 14);
    row_button(a, &x, row, ACT_TEACH_KIND, LAYER_DYAD_IT, a->teach.kind == LAYER_DYAD_IT, "IT");
    row_button(a, &x, row, ACT_TEACH_KIND, LAYER_DYAD_OT, a->teach.kind == LAYER_DYAD_OT, "OT");
    row_button(a, &x, row, ACT_TEACH_KIND, LAYER_DYAD_DT, a->teach.kind == LAYER_DYAD_DT, "DT");
    int top = in.y + rowh + S(a, 12);
    L->teach = (gfx_rect){in.x, top, in.w, in.y + in.h - top};
}

static void layout_samples(draw_app *a, layout *L, gfx_rect in) {
    int rowh = S(a, 28);
    gfx_rect row = {in.x, in.y, in.w, rowh};
    int x = row.x;
    row_button(a, &x, row, ACT_SAMPLE_STEP, -1, 0, "\xE2\x97\x80  Prev  \xE2\x87\xA7N");
    row_button(a, &x, row, ACT_SAMPLE_STEP, 1, 0, "Next  N  \xE2\x96\xB6");
    x += S(a, 8);
    row_button(a, &x, row, ACT_SAMPLE_MISS, 0, a->miss_only, "Misclassified only  M");
    int top = in.y + rowh + S(a, 34);
    L->samples = (gfx_rect){in.x, top, in.w, in.y + in.h - top};
    L->sample_first = L->sample_count = 0;
    if (a->data_state <= 0 || a->sample_list_n == 0) return;
    int thumb = S(a, 56), label_h = S(a, 18), gap = S(a, 8);
    int cw = thumb + gap, chh = thumb + label_h + gap;
    int cols = (L->samples.w + gap) / cw, rows = (L->samples.h + gap) / chh;
    if (cols < 1 || rows < 1) return;
    int page = cols * rows;
    L->sample_first = a->sample_pos >= 0 ? a->sample_pos / page * page : 0;
    L->sample_count = a->sample_list_n - L->sample_first < page ? a->sample_list_n - L->sample_first
                                                                 : page;
    for (int k = 0; k < L->sample_count; k++) {
        gfx_rect r = {L->samples.x + (k % cols) * cw, L->samples.y + (k / cols) * chh, thumb,
                      thumb + label_h};
        add_widget(L, r, ACT_SAMPLE_PICK, L->sample_first + k,
                   L->sample_first + k == a->sample_pos, STYLE_THUMB, "");
    }
}

static void relayout(draw_app *a) {
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

    layout_header(a, L);
    memset(&L->canvas, 0, sizeof L->canvas);
    memset(&L->netview, 0, sizeof L->netview);
    if (L->left.w > 0) layout_left(a, L);
    gfx_rect in = inset(L->right, S(a, 12));
    memset(L->heat, 0, sizeof L->heat);
    switch (a->view) {
    case DRAW_VIEW_WEIGHTS: layout_weights(a, L, in); break;
    case DRAW_VIEW_RECEPTIVE: layout_receptive(a, L, in); break;
    case DRAW_VIEW_TEACH: layout_teach(a, L, in); break;
    case DRAW_VIEW_SAMPLES: layout_samples(a, L, in); break;
    default: break;
    }
}

/* ---- rendering ---- */

static void draw_widget(draw_app *a, const widget *w, int hot) {
    gfx_image *img = &a->frame;
    int px = S(a, 13);
    if (w->style == STYLE_THUMB) return; /* drawn by the samples view */
    if (w->style == STYLE_TAB && w->act == ACT_VIEW) {
        if (hot) gfx_fill_rect(img, w->r, COL_BTN);
        uint32_t c = w->on ? COL_TEXT : (hot ? COL_TEXT : COL_DIM);
        text_center(img, a->font, w->r, S(a, 14), c, w->label);
        if (w->on)
            gfx_fill_rect(img, (gfx_rect){w->r.x + S(a, 8), w->r.y + w->r.h - S(a, 3),
                                          w->r.w - S(a, 16), S(a, 3)},
                          slot_accent[0]);
        return;
    }
    if (w->style == STYLE_TAB) { /* a value label between buttons */
        text_center(img, a->font, w->r, px, COL_TEXT, w->label);
        return;
    }
    uint32_t bg = w->on ? COL_BTN_ON : (hot ? COL_BTN_HOT : COL_BTN);
    fill_round(img, w->r, S(a, 5), bg);
    text_center(img, a->font, w->r, px, w->on ? COL_TEXT : GFX_RGB(0xC9, 0xCF, 0xD8), w->label);
}

static int widget_in(const gfx_rect *area, const widget *w) {
    return rect_has(*area, w->r.x, w->r.y);
}

static void draw_widgets_in(draw_app *a, gfx_rect area) {
    for (int i = 0; i < a->lay.nw; i++)
        if (widget_in(&area, &a->lay.w[i])) draw_widget(a, &a->lay.w[i], i == a->hot);
}

static void draw_header(draw_app *a) {
    gfx_image *img = &a->frame;
    layout *L = &a->lay;
    gfx_fill_rect(img, L->header, COL_HEADER);
    gfx_fill_rect(img, (gfx_rect){0, L->header.h - 1, L->header.w, 1}, COL_EDGE);
    gfx_text(img, bold_font(a), S(a, 14), (L->header.h - S(a, 18)) / 2 - S(a, 1), S(a, 18),
             COL_TEXT, "dyad draw");
    draw_widgets_in(a, L->header);
}

static void hover_text(const draw_app *a, char *text, size_t size);

static void draw_status(draw_app *a) {
    gfx_image *img = &a->frame;
    layout *L = &a->lay;
    gfx_fill_rect(img, L->status, COL_HEADER);
    gfx_fill_rect(img, (gfx_rect){0, L->status.y, L->status.w, 1}, COL_EDGE);
    int px = S(a, 12), ty = L->status.y + (L->status.h - px) / 2;
    /* right: the latest measurements */
    char timing[160] = "";
    size_t used = 0;
    for (int i = 0; i < 2; i++)
        if (a->m[i].has_pred)
            used += (size_t)snprintf(timing + used, sizeof timing - used, "%s%s %.0f \xC2\xB5s",
                                     used ? "   " : "forward  ", a->m[i].title, a->m[i].last_us);
    if (a->frame_ms.n)
        snprintf(timing + used, sizeof timing - used, "%sframe %.1f ms", used ? "   " : "",
                 a->frame_ms.v[a->frame_ms.n - 1]);
    int tw = text_w(a->font, px, timing);
    gfx_text(img, a->font, L->status.w - tw - S(a, 12), ty, px, COL_FAINT, timing);
    const char *msg = a->msg[0] ? a->msg
                                : "Draw with the left button, erase with the right.  Drop an "
                                  "image file to classify it.  F1 for every key.";
    uint32_t c = a->msg[0] ? (a->msg_error ? COL_ERROR : COL_GOOD) : COL_DIM;
    char hover[480];
    if (!a->msg[0] && a->hover && a->lay.info.h <= 0) { /* no info line in a low view */
        size_t n = (size_t)snprintf(hover, sizeof hover, "%s: ", a->m[a->hover_slot].title);
        hover_text(a, hover + n, sizeof hover - n);
        msg = hover;
        c = COL_TEXT;
    }
    text_fit(img, a->font, S(a, 12), ty, px, c, msg, L->status.w - tw - S(a, 36));
}

static void draw_left(draw_app *a) {
    gfx_image *img = &a->frame;
    layout *L = &a->lay;
    if (L->left.w <= 0) return;
    fill_round(img, L->left, S(a, 8), COL_PANEL);
    const char *title = a->canvas_caption[0] ? a->canvas_caption : "Draw a digit";
    text_fit(img, bold_font(a), L->canvas_title.x, L->canvas_title.y, S(a, 16), COL_TEXT, title,
             L->canvas_title.w);
    gfx_rect c = L->canvas;
    blit_gray(img, c, a->cv.ink, a->cv.side, a->cv.side, 1, COL_PAPER, COL_INK);
    gfx_rect_outline(img, (gfx_rect){c.x - 1, c.y - 1, c.w + 2, c.h + 2}, COL_EDGE);
    int empty = a->input_src == SRC_CANVAS && canvas_is_empty(&a->cv);
    if (empty) {
        /* corner marks of the area a digit should fill */
        int m = c.w / 7, len = c.w / 14;
        uint32_t mark = GFX_RGB(0x33, 0x3A, 0x44);
        int xs[2] = {c.x + m, c.x + c.w - m - 1}, ys[2] = {c.y + m, c.y + c.h - m - 1};
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 2; j++) {
                int dx = i ? -1 : 1, dy = j ? -1 : 1;
                gfx_fill_rect(img, (gfx_rect){dx > 0 ? xs[i] : xs[i] - len + 1, ys[j], len, 2},
                              mark);
                gfx_fill_rect(img, (gfx_rect){xs[i], dy > 0 ? ys[j] : ys[j] - len + 1, 2, len},
                              mark);
            }
        text_center(img, a->font, c, S(a, 15), COL_FAINT, "draw a digit here");
    }
    text_fit(img, a->font, L->netview_label.x, L->netview_label.y, S(a, 12), COL_DIM,
             "network input (28\xC3\x97" "28)", L->netview_label.w);
    static const uint8_t blank[DIGIT_PIXELS];
    blit_gray(img, L->netview, a->have_digit ? a->digit : blank, DIGIT_SIDE, DIGIT_SIDE, 0,
              COL_PAPER, COL_INK);
    gfx_rect nv = L->netview;
    gfx_rect_outline(img, (gfx_rect){nv.x - 1, nv.y - 1, nv.w + 2, nv.h + 2}, COL_EDGE);
    draw_widgets_in(a, L->left);
    if (L->left_hint.h > S(a, 30))
        text_wrap(img, a->font, L->left_hint, S(a, 11), S(a, 15), COL_FAINT,
                  "Left drag draws, right drag erases. Drop a PNG/JPG on the window to "
                  "classify it.",
                  4);
}

/* mlp_describe's " -> " shown as arrows. */
static void arrows(const char *in, char *out, size_t size) {
    size_t n = 0;
    while (*in && n + 4 < size) {
        if (!strncmp(in, " -> ", 4)) {
            memcpy(out + n, " \xE2\x86\x92 ", 5);
            n += 5;
            in += 4;
        } else {
            out[n++] = *in++;
        }
    }
    out[n] = 0;
}

static void draw_prediction(draw_app *a, int slot) {
    gfx_image *img = &a->frame;
    gfx_rect P = a->lay.pred[slot];
    model_slot *m = &a->m[slot];
    uint32_t accent = slot_accent[slot];
    if (P.w <= 0 || P.h <= 0) return;
    fill_round(img, P, S(a, 8), COL_PANEL);
    gfx_fill_rect(img, (gfx_rect){P.x + S(a, 8), P.y, P.w - S(a, 16), S(a, 3)}, accent);
    int x = P.x + S(a, 14), iw = P.w - S(a, 28), y = P.y + S(a, 14);
    const char *role = slot == 0 ? "model" : "baseline";
    int rw = text_w(a->font, S(a, 11), role);
    gfx_text(img, a->font, x + iw - rw, y + S(a, 4), S(a, 11), COL_FAINT, role);
    if (!m->loaded) {
        gfx_text(img, bold_font(a), x, y, S(a, 20), COL_DIM, "no model");
        text_wrap(img, a->font, (gfx_rect){x, y + S(a, 34), iw, P.h - S(a, 60)}, S(a, 12),
                  S(a, 17), COL_DIM, m->note[0] ? m->note : "no checkpoint given", 8);
        return;
    }
    text_fit(img, bold_font(a), x, y, S(a, 20), accent, m->title, iw - rw - S(a, 8));
    y += S(a, 28);
    int small = S(a, 12), lh = S(a, 16);
    int classes = mlp_classes(&m->net);
    /* what fits: drop detail lines, then shrink the big digit, before the bars */
    int arch_lines = 2, show_file = 1, show_acc = 1, big = S(a, 56);
    int avail = P.y + P.h - S(a, 12) - y;
    for (int level = 0; level < 6; level++) {
        int need = (show_file + arch_lines + show_acc) * lh + S(a, 14) + big + S(a, 12) +
                   classes * S(a, 15);
        if (need <= avail) break;
        switch (level) {
        case 0: arch_lines = 1; break;
        case 1: big = S(a, 40); break;
        case 2: show_file = 0; break;
        case 3: show_acc = 0; break;
        case 4: arch_lines = 0; break;
        default: big = S(a, 30); break;
        }
    }
    if (show_file) {
        text_fit(img, a->font, x, y, small, COL_TEXT, m->file, iw);
        y += lh;
    }
    if (arch_lines) {
        char arch[600];
        arrows(m->arch, arch, sizeof arch);
        y += text_wrap(img, a->font, (gfx_rect){x, y, iw, lh * arch_lines}, small, lh, COL_DIM,
                       arch, arch_lines);
    }
    if (show_acc) {
        char acc[96];
        if (m->rec.test_accuracy >= 0.0)
            snprintf(acc, sizeof acc, "test accuracy %.2f%%", 100.0 * m->rec.test_accuracy);
        else
            snprintf(acc, sizeof acc, "test accuracy unknown");
        gfx_text(img, a->font, x, y, small, COL_DIM, acc);
        y += lh;
    }
    y += S(a, 6);
    gfx_fill_rect(img, (gfx_rect){x, y, iw, 1}, COL_EDGE);
    y += S(a, 8);

    gfx_rect top = {x, y, iw, big + S(a, 4)};
    if (m->has_pred) {
        char d[12], p[32], t[48];
        snprintf(d, sizeof d, "%d", m->top);
        int dw = gfx_text(img, bold_font(a), x, y - big / 8, big, accent, d);
        snprintf(p, sizeof p, "%.1f%%", 100.0 * m->probs[m->top]);
        int py = y + (big - S(a, 20) - S(a, 6) - small) / 2;
        gfx_text(img, bold_font(a), x + dw + S(a, 14), py, S(a, 20), COL_TEXT, p);
        snprintf(t, sizeof t, "forward %.0f \xC2\xB5s", m->last_us);
        gfx_text(img, a->font, x + dw + S(a, 14), py + S(a, 26), small, COL_DIM, t);
        /* against the true label of a test sample */
        if (a->input_src == SRC_DIGIT && a->view == DRAW_VIEW_SAMPLES && a->data_state > 0 &&
            a->sample_pos >= 0) {
            int label = a->data.test_labels.labels[a->sample_list[a->sample_pos]];
            const char *mark = label == m->top ? "\xE2\x9C\x93 right" : "\xE2\x9C\x97 wrong";
            int mw = text_w(bold_font(a), S(a, 14), mark);
            gfx_text(img, bold_font(a), x + iw - mw, y + S(a, 8), S(a, 14),
                     label == m->top ? COL_GOOD : COL_ERROR, mark);
        }
    } else {
        gfx_text(img, a->font, x, y + (big - S(a, 16)) / 2, S(a, 16), COL_DIM, "draw a digit");
    }
    y = top.y + top.h + S(a, 8);

    /* ten bars */
    int bottom = P.y + P.h - S(a, 12);
    int row = (bottom - y) / classes;
    if (row > S(a, 24)) row = S(a, 24);
    if (row < 6) return;
    int label_w = S(a, 16), pct_w = text_w(a->font, small, "100.0%") + S(a, 6);
    int bar_x = x + label_w, bar_w = iw - label_w - pct_w;
    int bar_h = row * 2 / 3;
    int fpx = row - S(a, 4) < small ? row - S(a, 4) : small;
    if (fpx < 7) fpx = 7;
    for (int c = 0; c < classes; c++) {
        int ry = y + c * row;
        char d[12];
        snprintf(d, sizeof d, "%d", c);
        int is_top = m->has_pred && c == m->top;
        gfx_text(img, a->font, x, ry + (row - fpx) / 2, fpx, is_top ? COL_TEXT : COL_DIM, d);
        gfx_rect bar = {bar_x, ry + (row - bar_h) / 2, bar_w, bar_h};
        fill_round(img, bar, S(a, 3), COL_BAR_BG);
        if (m->has_pred) {
            float p = m->probs[c];
            int w = (int)lroundf(p * bar_w);
            if (w > 0) fill_round(img, (gfx_rect){bar.x, bar.y, w, bar.h}, S(a, 3),
                                  is_top ? accent : COL_BAR);
            char pct[16];
            snprintf(pct, sizeof pct, "%.1f%%", 100.0 * p);
            int pw = text_w(a->font, fpx, pct);
            gfx_text(img, a->font, x + iw - pw, ry + (row - fpx) / 2, fpx,
                     is_top ? COL_TEXT : COL_FAINT, pct);
        }
    }
}

static void caption(draw_app *a, gfx_rect r, int slot, const char *rest) {
    gfx_image *img = &a->frame;
    const model_slot *m = &a->m[slot];
    int px = S(a, 13), y = r.y + (r.h - px) / 2 - S(a, 1);
    const char *title = m->loaded ? m->title : "no model";
    int w = gfx_text(img, bold_font(a), r.x, y, px, m->loaded ? slot_accent[slot] : COL_DIM, title);
    if (rest && *rest) text_fit(img, a->font, r.x + w + S(a, 8), y, px, COL_DIM, rest, r.w - w - S(a, 8));
}

static double nonzero_fraction(const heat_matrix *h) {
    size_t n = (size_t)h->rows * h->cols, nz = 0;
    for (size_t i = 0; i < n; i++) nz += h->part[i] != 0;
    return n ? (double)nz / n : 0.0;
}

/* "row 3, col 40   w = +0.01234   BLOCK TRANS" for the weight under the
 * pointer, with the other model's weight at the same place. */
static void hover_text(const draw_app *a, char *text, size_t size) {
    const model_slot *m = &a->m[a->hover_slot];
    int part = a->hover_part;
    if (m->heat.kind == LAYER_DENSE && part) part = HEAT_PART_DENSE;
    size_t used = (size_t)snprintf(text, size, "row %d, col %d   w = %+.5f   %s", a->hover_row,
                                   a->hover_col, (double)a->hover_value, heat_part_name(part));
    const model_slot *o = &a->m[1 - a->hover_slot];
    if (used < size && o->heat.rows > a->hover_row && o->heat.cols > a->hover_col) {
        size_t e = (size_t)a->hover_row * o->heat.cols + a->hover_col;
        int op = o->heat.part[e];
        if (o->heat.kind == LAYER_DENSE && op) op = HEAT_PART_DENSE;
        snprintf(text + used, size - used, "      %s there: %+.5f (%s)", o->title,
                 (double)o->heat.value[e], heat_part_name(op));
    }
}

static void draw_info_line(draw_app *a) {
    gfx_image *img = &a->frame;
    gfx_rect r = a->lay.info;
    if (r.h <= 0) return;
    gfx_fill_rect(img, r, COL_PANEL);
    int px = S(a, 12), y = r.y + (r.h - px) / 2;
    if (!a->hover) {
        text_fit(img, a->font, r.x, y, px, COL_FAINT,
                 "Rows are outputs, columns inputs.  Point at a weight to read it.  Wheel or "
                 "+/\xE2\x88\x92 zooms, drag or arrows pan, 0 fits; both maps move together.",
                 r.w);
        return;
    }
    char text[400];
    hover_text(a, text, sizeof text);
    int w = gfx_text(img, bold_font(a), r.x, y, px, slot_accent[a->hover_slot],
                     a->m[a->hover_slot].title);
    text_fit(img, a->font, r.x + w + S(a, 10), y, px, COL_TEXT, text, r.w - w - S(a, 10));
}

static void draw_weights(draw_app *a) {
    gfx_image *img = &a->frame;
    layout *L = &a->lay;
    if (max_layers(a) == 0) {
        text_center(img, a->font, L->body, S(a, 15), COL_DIM,
                    "No models loaded: give --model and --baseline to see their weights.");
        return;
    }
    for (int i = 0; i < 2; i++) {
        const model_slot *m = &a->m[i];
        char rest[200] = "";
        if (m->loaded && m->heat.rows) {
            const layer *l = &m->net.layers[a->layer];
            snprintf(rest, sizeof rest, "%d\xC3\x97%d  \xC2\xB7  %.1f%% nonzero%s", l->out,
                     l->in, 100.0 * nonzero_fraction(&m->heat),
                     a->permuted && l->kind != LAYER_DENSE ? "  \xC2\xB7  permuted" : "");
        } else if (m->loaded) {
            snprintf(rest, sizeof rest, "has no layer %d", a->layer + 1);
        }
        caption(a, L->heat_cap[i], i, rest);
        gfx_rect r = L->heat[i];
        gfx_fill_rect(img, r, COL_WELL);
        if (m->heat.rows) heat_draw(img, r, &m->heat, &a->hv);
        gfx_rect_outline(img, (gfx_rect){r.x - 1, r.y - 1, r.w + 2, r.h + 2}, COL_EDGE);
    }
    char zoom[64];
    snprintf(zoom, sizeof zoom, a->hv.zoom >= 1.0f ? "zoom %.0f px/cell" : "zoom %.2f px/cell",
             (double)a->hv.zoom);
    gfx_rect lg = L->legend;
    heat_draw_legend(img, lg, a->font, a->scale, a->hv.range);
    int zw = text_w(a->font, S(a, 12), zoom);
    int right_edge = L->right.x + L->right.w - S(a, 12);
    if (lg.x + lg.w + zw + S(a, 20) < right_edge)
        gfx_text(img, a->font, right_edge - zw, lg.y + (lg.h - S(a, 12)) / 2, S(a, 12), COL_DIM,
                 zoom);
    draw_info_line(a);
}

static void draw_receptive(draw_app *a) {
    gfx_image *img = &a->frame;
    layout *L = &a->lay;
    for (int i = 0; i < 2; i++) {
        const layer *l = first_layer(a, i);
        char rest[160] = "";
        if (l) {
            int last = a->rf_first + RF_PAGE < l->out ? a->rf_first + RF_PAGE : l->out;
            if (a->rf_first < l->out)
                snprintf(rest, sizeof rest, "layer 1 units %d\xE2\x80\x93%d of %d", a->rf_first + 1,
                         last, l->out);
            else
                snprintf(rest, sizeof rest, "has only %d units", l->out);
        }
        caption(a, L->rf_cap[i], i, rest);
        gfx_rect r = L->rf[i];
        if (!l) {
            text_center(img, a->font, r, S(a, 13), COL_DIM,
                        a->m[i].loaded ? "first layer does not read 28\xC3\x97" "28" : "no model");
            continue;
        }
        if (a->rf_first < l->out)
            receptive_draw(img, r, l, DIGIT_SIDE, a->rf_first, RF_PAGE, a->scale, a->parts);
    }
    text_wrap(img, a->font, L->rf_note, S(a, 12), S(a, 16), COL_FAINT,
              a->scale == HEAT_SIGNED
                  ? "Each tile: one hidden unit's 784 input weights as 28\xC3\x97" "28, blue "
                    "negative, red positive, scaled to its own max |w|. Grey: structural zeros "
                    "(inputs the DYAD unit never sees)."
                  : "Each tile: one hidden unit's |input weights| as 28\xC3\x97" "28 (viridis), "
                    "scaled to its own max. Grey: structural zeros (inputs the DYAD unit never "
                    "sees).",
              2);
}

static void draw_teach(draw_app *a) {
    gfx_image *img = &a->frame;
    nn_error err;
    if (teach_draw(img, a->lay.teach, a->font, &a->teach, &err) != NN_OK)
        text_wrap(img, a->font, inset(a->lay.teach, S(a, 8)), S(a, 14), S(a, 20), COL_DIM,
                  err.msg, 4);
}

static void draw_samples(draw_app *a) {
    gfx_image *img = &a->frame;
    layout *L = &a->lay;
    gfx_rect info = {L->samples.x, L->samples.y - S(a, 26), L->samples.w, S(a, 20)};
    if (a->data_state <= 0) {
        const char *why = a->data_dir[0]
                              ? "No MNIST test set could be read (see the message below). "
                                "Start with --data DIR or set MNIST_DIR."
                              : "No MNIST test set: start with --data DIR or set MNIST_DIR.";
        text_wrap(img, a->font, inset(L->samples, S(a, 4)), S(a, 14), S(a, 20), COL_DIM, why, 4);
        return;
    }
    char text[200];
    int index = a->sample_pos >= 0 ? a->sample_list[a->sample_pos] : -1;
    snprintf(text, sizeof text, "test digit #%d of %d%s  \xC2\xB7  %d of %d listed", index,
             a->data.test_images.count, a->miss_only ? "  \xC2\xB7  misclassified only" : "",
             a->sample_pos + 1, a->sample_list_n);
    text_fit(img, a->font, info.x, info.y, S(a, 13), COL_TEXT, text, info.w);
    for (int i = 0; i < L->nw; i++) {
        const widget *w = &L->w[i];
        if (w->style != STYLE_THUMB) continue;
        int idx = a->sample_list[w->arg];
        int thumb = w->r.w;
        gfx_rect t = {w->r.x, w->r.y, thumb, thumb};
        blit_gray(img, t, a->data.test_images.pixels + (size_t)idx * DIGIT_PIXELS, DIGIT_SIDE,
                  DIGIT_SIDE, 0, COL_PAPER, COL_INK);
        int label = a->data.test_labels.labels[idx];
        int wrong = a->sample_pred && a->sample_pred[idx] != label;
        uint32_t edge = w->on ? slot_accent[0] : (wrong ? COL_ERROR : COL_EDGE);
        gfx_rect_outline(img, (gfx_rect){t.x - 1, t.y - 1, t.w + 2, t.h + 2}, edge);
        if (w->on)
            gfx_rect_outline(img, (gfx_rect){t.x - 2, t.y - 2, t.w + 4, t.h + 4}, edge);
        char lab[24];
        if (wrong) snprintf(lab, sizeof lab, "%d \xE2\x86\x92 %d", label, a->sample_pred[idx]);
        else snprintf(lab, sizeof lab, "%d", label);
        text_center(img, a->font, (gfx_rect){t.x, t.y + thumb + S(a, 2), thumb, S(a, 14)},
                    S(a, 11), wrong ? COL_ERROR : COL_DIM, lab);
    }
}

static void draw_right(draw_app *a) {
    gfx_image *img = &a->frame;
    layout *L = &a->lay;
    fill_round(img, L->right, S(a, 8), COL_PANEL);
    switch (a->view) {
    case DRAW_VIEW_WEIGHTS: draw_weights(a); break;
    case DRAW_VIEW_RECEPTIVE: draw_receptive(a); break;
    case DRAW_VIEW_TEACH: draw_teach(a); break;
    case DRAW_VIEW_SAMPLES: draw_samples(a); break;
    default: break;
    }
    draw_widgets_in(a, L->right);
}

static const char *const help_lines[][2] = {
    {"#", "Drawing"},
    {"left drag", "draw on the canvas"},
    {"right drag", "erase"},
    {"C  /  Clear", "clear the canvas"},
    {"Ctrl+Z  /  Undo", "undo the last stroke"},
    {"drop a file", "classify an image (PNG, JPG, ...)"},
    {"#", "Views"},
    {"1  2  3  4", "weights, receptive fields, teaching, samples"},
    {"R", "receptive fields on/off"},
    {"Tab  /  Shift+Tab", "next / previous view"},
    {"#", "Weights"},
    {"[  ]", "previous / next layer"},
    {"D  T  B", "BLOCK DIAG only, BLOCK TRANS only, both"},
    {"P", "permuted: BLOCK TRANS as block diagonal"},
    {"A", "signed colours / |w| (viridis)"},
    {"wheel,  +  \xE2\x88\x92", "zoom at the cursor / centre"},
    {"drag,  arrows", "pan (both maps together)"},
    {"0", "fit the whole matrix"},
    {"#", "Receptive fields"},
    {"[  ]  PgUp  PgDn", "previous / next 64 units"},
    {"D  T  B,  A", "parts and colour scale"},
    {"#", "Teaching"},
    {"Up  Down,  +  \xE2\x88\x92", "width 8..64"},
    {"Left  Right", "ndyad"},
    {"V", "variant IT \xE2\x86\x92 OT \xE2\x86\x92 DT"},
    {"#", "MNIST samples"},
    {"N  /  Right", "next test digit"},
    {"Shift+N  /  Left", "previous test digit"},
    {"M", "misclassified only (by the DYAD model)"},
    {"#", "Other"},
    {"S", "save a PNG screenshot"},
    {"F1  /  ?", "this help"},
    {"Esc,  Ctrl+Q", "close help, or quit"},
};

static void draw_help(draw_app *a) {
    gfx_image *img = &a->frame;
    darken(img, (gfx_rect){0, 0, img->w, img->h}, 90);
    int n = (int)(sizeof help_lines / sizeof help_lines[0]);
    int px = S(a, 13), lh = S(a, 19);
    /* two columns, split at a section start near the middle */
    int split = n / 2;
    while (split < n && help_lines[split][0][0] != '#') split++;
    int rows = split > n - split ? split : n - split;
    int key_w = 0, act_w = 0;
    for (int i = 0; i < n; i++) {
        if (help_lines[i][0][0] == '#') continue;
        int kw = text_w(bold_font(a), px, help_lines[i][0]);
        int aw = text_w(a->font, px, help_lines[i][1]);
        if (kw > key_w) key_w = kw;
        if (aw > act_w) act_w = aw;
    }
    int col_w = key_w + S(a, 18) + act_w;
    int bw = 2 * col_w + S(a, 48) + S(a, 40), bh = rows * lh + S(a, 80);
    if (bw > img->w - S(a, 20)) bw = img->w - S(a, 20);
    if (bh > img->h - S(a, 20)) bh = img->h - S(a, 20);
    gfx_rect box = {(img->w - bw) / 2, (img->h - bh) / 2, bw, bh};
    fill_round(img, box, S(a, 10), COL_PANEL);
    gfx_rect_outline(img, inset(box, -1), COL_EDGE);
    gfx_text(img, bold_font(a), box.x + S(a, 24), box.y + S(a, 18), S(a, 18), COL_TEXT,
             "Keys and mouse");
    const char *close = "F1, ? or Esc closes";
    int cw = text_w(a->font, S(a, 12), close);
    gfx_text(img, a->font, box.x + box.w - cw - S(a, 24), box.y + S(a, 22), S(a, 12), COL_DIM,
             close);
    for (int i = 0; i < n; i++) {
        int col = i < split ? 0 : 1, row = i < split ? i : i - split;
        int x = box.x + S(a, 24) + col * (col_w + S(a, 40));
        int y = box.y + S(a, 56) + row * lh;
        if (y + lh > box.y + box.h) continue;
        if (help_lines[i][0][0] == '#') {
            gfx_text(img, bold_font(a), x, y + S(a, 2), px, slot_accent[0], help_lines[i][1]);
            continue;
        }
        gfx_text(img, bold_font(a), x, y, px, COL_TEXT, help_lines[i][0]);
        gfx_text(img, a->font, x + key_w + S(a, 18), y, px, COL_DIM, help_lines[i][1]);
    }
}

const gfx_image *draw_app_render(draw_app *a) {
    double t0 = now_seconds();
    if (a->msg[0] && a->now_ms >= a->msg_until) a->msg[0] = 0;
    update_predictions(a);
    rebuild_heat(a);
    relayout(a);
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
    log_add(&a->frame_ms, (now_seconds() - t0) * 1e3);
    return &a->frame;
}

const gfx_image *draw_app_frame(draw_app *a) {
    if (!a->rendered) draw_app_render(a);
    return &a->frame;
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
        if (canvas_undo(&a->cv)) input_changed(a, SRC_CANVAS), a->canvas_caption[0] = 0;
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
    case ACT_TEACH_WIDTH: teach_width(a, w->arg); break;
    case ACT_TEACH_NDYAD: teach_ndyad(a, w->arg); break;
    case ACT_TEACH_KIND: a->teach.kind = (layer_kind)w->arg, a->dirty |= D_FULL; break;
    case ACT_SAMPLE_STEP: sample_step(a, w->arg); break;
    case ACT_SAMPLE_MISS: toggle_miss_only(a); break;
    case ACT_SAMPLE_PICK:
        a->sample_pos = w->arg;
        show_sample(a);
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
            input_changed(a, SRC_CANVAS);
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
        if (a->view == DRAW_VIEW_TEACH) teach_width(a, key == '+' ? 4 : -4);
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
        else if (a->view == DRAW_VIEW_SAMPLES && dx) sample_step(a, dx);
        else if (a->view == DRAW_VIEW_TEACH) {
            if (dy) teach_width(a, -4 * dy);
            else teach_ndyad(a, dx);
        }
        break;
    }
    case 'n':
        if (a->view != DRAW_VIEW_SAMPLES) {
            set_view(a, DRAW_VIEW_SAMPLES); /* first N opens the browser */
            if (a->input_src != SRC_DIGIT) sample_step(a, 0);
        } else {
            sample_step(a, shift ? -1 : 1);
        }
        break;
    case 'm':
        if (a->view != DRAW_VIEW_SAMPLES) set_view(a, DRAW_VIEW_SAMPLES);
        toggle_miss_only(a);
        break;
    case 'v':
        if (a->view == DRAW_VIEW_TEACH) {
            a->teach.kind = a->teach.kind == LAYER_DYAD_DT ? LAYER_DYAD_IT : a->teach.kind + 1;
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
    rebuild_heat(a);
    relayout(a);
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
                set_message(a, 1, "%s", err.msg);
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
    rebuild_heat(a);
    relayout(a);
    update_hover(a);
    update_hot(a);
    return a->dirty != 0;
}

/* ---- direct API ---- */

nn_status draw_app_stroke_begin(draw_app *a, float u, float v, int erase, nn_error *err) {
    nn_status st = canvas_begin(&a->cv, u, v, erase, err);
    if (st != NN_OK) return st;
    a->canvas_caption[0] = 0;
    input_changed(a, SRC_CANVAS);
    return NN_OK;
}

void draw_app_stroke_to(draw_app *a, float u, float v) {
    if (!a->cv.stroking) return;
    canvas_extend(&a->cv, u, v);
    input_changed(a, SRC_CANVAS);
}

void draw_app_stroke_end(draw_app *a) { canvas_end(&a->cv); }

void draw_app_clear(draw_app *a) {
    nn_error err;
    if (canvas_clear(&a->cv, &err) != NN_OK) set_message(a, 1, "%s", err.msg);
    a->canvas_caption[0] = 0;
    input_changed(a, SRC_CANVAS);
}

int draw_app_load_image(draw_app *a, const char *path) {
    uint8_t digit[DIGIT_PIXELS];
    nn_error err;
    if (image_load_digit(path, digit, &err) != NN_OK) {
        set_message(a, 1, "cannot classify the dropped file: %s", err.msg);
        return 0;
    }
    if (canvas_set_digit(&a->cv, digit, &err) != NN_OK) {
        set_message(a, 1, "%s", err.msg);
        return 0;
    }
    memcpy(a->digit, digit, DIGIT_PIXELS);
    a->have_digit = 1;
    snprintf(a->canvas_caption, sizeof a->canvas_caption, "%s", base_name(path));
    input_changed(a, SRC_DIGIT);
    set_message(a, 0, "classified %s", path);
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
    if (probs) memcpy(probs, m->probs, sizeof(float) * (size_t)mlp_classes(&m->net));
    return 1;
}

int draw_app_input(draw_app *a, uint8_t out[784]) {
    update_predictions(a);
    if (!a->have_digit) return 0;
    memcpy(out, a->digit, DIGIT_PIXELS);
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
    rebuild_heat(a);
    relayout(a);
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
    if (a->data_state > 0) dataset_free(&a->data);
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
    a->teach = (teach_config){.width = 16, .ndyad = 4, .kind = LAYER_DYAD_IT, .show = 0};
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
