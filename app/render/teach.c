/* The teaching view: a square DYAD layer's structure, cell by cell.
 *
 * Four panels, each width x width with rows = outputs and columns = inputs:
 *   1. BLOCK DIAG (wl): n blocks on the diagonal;
 *   2. BLOCK TRANS (wu): the same blocks, spread by the variant's stride-n
 *      index map;
 *   3. their sum W, with the entries both parts reach marked;
 *   4. the same W with the shuffled axis (inputs for IT, outputs for OT,
 *      both for DT) reordered k, k+n, k+2n, ...: BLOCK TRANS becomes
 *      block-diagonal there, the permuted form the GEMMs actually compute.
 * Below: the colour key and the parameter, FLOP and sparsity arithmetic.
 * The patterns come from heat_matrix_build on a layer with deterministic
 * weights, so the picture shows what the library computes, not a drawing. */
#include "teach.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heatmap.h"

/* Okabe-Ito colours: distinguishable under every common colour-vision
 * deficiency. */
#define TEACH_DIAG GFX_RGB(0x00, 0x72, 0xB2)  /* blue */
#define TEACH_TRANS GFX_RGB(0xE6, 0x9F, 0x00) /* orange */
#define TEACH_ZERO GFX_RGB(0xEC, 0xEC, 0xEC)
#define TEACH_BG GFX_RGB(0xFF, 0xFF, 0xFF)
#define TEACH_INK GFX_RGB(0x1E, 0x1E, 0x1E)
#define TEACH_SOFT_INK GFX_RGB(0x55, 0x55, 0x55)
#define TEACH_BLOCK_LINE GFX_RGB(0x30, 0x30, 0x30)
#define TEACH_DENSE GFX_RGB(0x6E, 0x6E, 0x80) /* a dense layer's weights: every entry */
#define TEACH_PART_DENSE 4
#define TEACH_PANELS 5

nn_status teach_check(const teach_config *c, nn_error *err) {
    const nn_layer_kind_info *k = nn_layer_kind_get(c->kind);
    if (!k || !k->blocked || (!k->strided_in && !k->strided_out)) {
        char kinds[128];
        nn_layer_kind_list(kinds, sizeof kinds, ", ", 1);
        return nn_fail(err, NN_ERR_ARG, "teaching view: kind must be one of %s", kinds);
    }
    if (c->width < 8 || c->width > 64)
        return nn_fail(err, NN_ERR_ARG, "teaching view: width %d out of range 8..64", c->width);
    if (c->ndyad < 1 || c->ndyad > c->width || c->width % c->ndyad)
        return nn_fail(err, NN_ERR_ARG, "teaching view: ndyad %d must divide width %d",
                       c->ndyad, c->width);
    return NN_OK;
}

/* One panel's picture: part codes (0..3) of a width x width matrix and, per
 * axis, which original index sits at each position (the identity except on
 * the reordered axes of panel 4). */
typedef struct {
    const unsigned char *part;
    const int *row_index, *col_index;
    const char *title, *subtitle;
} panel;

typedef struct {
    int w, n;           /* width, ndyad */
    int cell, gap;      /* pixels per cell, white gap inside it */
    int label_px;       /* index labels; 0 = none */
    int label_every;    /* label every position (1) or only block starts (a) */
    int left, top;      /* label margin left of, and title + labels above, the matrix */
    int title_px, sub_px;
} panel_geometry;

static void fill_part_cell(gfx_image *img, int x, int y, int size, int part) {
    if (size <= 0) return;
    if (part == HEAT_PART_DIAG) {
        gfx_fill_rect(img, (gfx_rect){x, y, size, size}, TEACH_DIAG);
    } else if (part == HEAT_PART_TRANS) {
        gfx_fill_rect(img, (gfx_rect){x, y, size, size}, TEACH_TRANS);
    } else if (part == HEAT_PART_BOTH) {
        /* diagonal stripes of both colours: "this weight is wl + wu" */
        int stripe = size >= 12 ? size / 6 : 1;
        for (int dy = 0; dy < size; dy++)
            for (int dx = 0; dx < size; dx++) {
                int px = x + dx, py = y + dy;
                if (px < 0 || py < 0 || px >= img->w || py >= img->h) continue;
                img->px[(size_t)py * img->w + px] =
                    ((dx + dy) / stripe) % 2 ? TEACH_TRANS : TEACH_DIAG;
            }
    } else if (part == TEACH_PART_DENSE) {
        gfx_fill_rect(img, (gfx_rect){x, y, size, size}, TEACH_DENSE);
    } else {
        gfx_fill_rect(img, (gfx_rect){x, y, size, size}, TEACH_ZERO);
    }
}

static void draw_centered(gfx_image *img, const gfx_font *font, int cx, int y, int px,
                          uint32_t color, const char *text) {
    int w = gfx_text_width(font, px, text);
    gfx_text(img, font, cx - w / 2, y, px, color, text);
}

/* Text at px, shrunk (not below 8 px) so that it fits max_w; optional text
 * that does not fit even then is left out rather than overlapping. */
static void draw_fitted(gfx_image *img, const gfx_font *font, int x, int y, int px, int max_w,
                        uint32_t color, const char *text, int optional) {
    int tw = gfx_text_width(font, px, text);
    if (tw > max_w && max_w > 0) px = px * max_w / tw;
    if (px < 8) {
        if (optional) return;
        px = 8;
    }
    gfx_text(img, font, x, y, px, color, text);
}

/* Lightens a cell (the rows a step-through is not at). */
static void fade_cell(gfx_image *img, int x, int y, int size) {
    for (int dy = 0; dy < size; dy++)
        for (int dx = 0; dx < size; dx++) {
            int px = x + dx, py = y + dy;
            if (px < 0 || py < 0 || px >= img->w || py >= img->h) continue;
            uint32_t *q = &img->px[(size_t)py * img->w + px], v = *q, out = 0xFF000000u;
            for (int sh = 0; sh <= 16; sh += 8)
                out |= (((v >> sh) & 0xFF) + 3u * 0xFFu) / 4u << sh;
            *q = out;
        }
}

static void draw_panel(gfx_image *img, const gfx_font *font, int x, int y, int max_w,
                       const panel_geometry *g, const panel *p, int step_row) {
    int w = g->w, a = w / g->n, side = g->cell * w;
    int mx = x + g->left, my = y + g->top;
    draw_fitted(img, font, mx, y, g->title_px, max_w - g->left, TEACH_INK, p->title, 0);
    draw_fitted(img, font, mx, y + g->title_px + 3, g->sub_px, max_w - g->left, TEACH_SOFT_INK,
                p->subtitle, 1);
    for (int rr = 0; rr < w; rr++)
        for (int cc = 0; cc < w; cc++)
            fill_part_cell(img, mx + cc * g->cell, my + rr * g->cell, g->cell - g->gap,
                           p->part[(size_t)rr * w + cc]);
    if (step_row >= 0) { /* y[row] = W[row] x: the other rows fade, the row is framed */
        for (int rr = 0; rr < w; rr++)
            if (p->row_index[rr] != step_row)
                for (int cc = 0; cc < w; cc++)
                    fade_cell(img, mx + cc * g->cell, my + rr * g->cell, g->cell - g->gap);
        for (int rr = 0; rr < w; rr++)
            if (p->row_index[rr] == step_row)
                gfx_rect_outline(img, (gfx_rect){mx - 2, my + rr * g->cell - 2, side + 3,
                                                 g->cell + 3},
                                 GFX_RGB(0xD0, 0x20, 0x20));
    }
    /* block boundaries (the blocks of the shown order), then the frame */
    for (int k = 1; k < g->n && a > 1; k++) { /* 1x1 blocks: no lines, the cells say it */
        int off = k * a * g->cell - (g->gap ? 1 : 0);
        gfx_fill_rect(img, (gfx_rect){mx + off, my, 1, side}, TEACH_BLOCK_LINE);
        gfx_fill_rect(img, (gfx_rect){mx, my + off, side, 1}, TEACH_BLOCK_LINE);
    }
    gfx_rect_outline(img, (gfx_rect){mx - 1, my - 1, side + 2 - g->gap, side + 2 - g->gap},
                     TEACH_BLOCK_LINE);
    if (!g->label_px) return;
    char text[16];
    for (int q = 0; q < w; q += g->label_every) {
        int centre = q * g->cell + (g->cell - g->gap) / 2;
        snprintf(text, sizeof text, "%d", p->col_index[q]);
        draw_centered(img, font, mx + centre, my - g->label_px - 4, g->label_px,
                      p->col_index[q] != q ? TEACH_INK : TEACH_SOFT_INK, text);
        snprintf(text, sizeof text, "%d", p->row_index[q]);
        int tw = gfx_text_width(font, g->label_px, text);
        gfx_text(img, font, mx - tw - 4, my + centre - g->label_px / 2 - 1, g->label_px,
                 p->row_index[q] != q ? TEACH_INK : TEACH_SOFT_INK, text);
    }
}

/* "0, 2, 4, 6" (the first few of start, start+step, ...), "..." if longer. */
static void index_list(char *buf, size_t size, int start, int step, int count) {
    size_t used = 0;
    buf[0] = 0;
    int shown = count > 5 ? 4 : count;
    for (int t = 0; t < shown && used < size; t++)
        used += (size_t)snprintf(buf + used, size - used, "%s%d", t ? ", " : "",
                                 start + t * step);
    if (shown < count && used < size)
        snprintf(buf + used, size - used, ", ..., %d", start + (count - 1) * step);
}

/* The reordered axis, position by position, original index at each:
 * "0, 2, 4, 6, 1, 3, 5, 7", or for long axes the start of the first two
 * blocks and the end, "0, 8, 16, ..., 56, 1, 9, ..., 63". */
static void order_list(char *buf, size_t size, int w, int n) {
    int a = w / n;
    int want[] = {0, 1, 2, a - 1, a, a + 1, w - 1};
    int shown[16], count = 0;
    if (w <= 16) {
        for (int q = 0; q < w; q++) shown[count++] = q;
    } else {
        /* sorted and without repeats, within 0..w-1 */
        for (size_t t = 0; t < sizeof want / sizeof *want; t++)
            if (want[t] >= 0 && want[t] < w && (count == 0 || want[t] > shown[count - 1]))
                shown[count++] = want[t];
    }
    size_t used = 0;
    buf[0] = 0;
    for (int t = 0; t < count && used < size; t++) {
        int q = shown[t];
        const char *sep = t == 0 ? "" : q == shown[t - 1] + 1 ? ", " : ", ..., ";
        used += (size_t)snprintf(buf + used, size - used, "%s%d", sep, (q % a) * n + q / a);
    }
}

static const char *variant_long_name(nn_layer_kind kind) { return nn_layer_kind_get(kind)->long_name; }

static void draw_key(gfx_image *img, const gfx_font *font, int x, int y, int px);

/* Cell size and labels for rows x cols panels in a box of avail_w x avail_h. */
static panel_geometry fit_panels(const gfx_font *font, int w, int n, int rows, int cols,
                                 int avail_w, int avail_h, int title_px, int sub_px, int gap) {
    panel_geometry g;
    memset(&g, 0, sizeof g);
    g.w = w;
    g.n = n;
    g.title_px = title_px;
    g.sub_px = sub_px;
    int heading = title_px + sub_px + 8;
    /* first guess without labels, then size the labels to the cells and refit */
    for (int pass = 0; pass < 2; pass++) {
        int label_room_x = g.label_px ? gfx_text_width(font, g.label_px, "88") + 6 : 0;
        int label_room_y = g.label_px ? g.label_px + 6 : 0;
        g.left = label_room_x;
        g.top = heading + label_room_y;
        int cw = (avail_w - (cols - 1) * gap) / cols - g.left;
        int ch = (avail_h - (rows - 1) * gap) / rows - g.top;
        int cell = (cw < ch ? cw : ch) / w;
        g.cell = cell < 1 ? 1 : cell;
        if (pass == 0) {
            int px = g.cell * 11 / 20;
            if (px > 13) px = 13;
            int a = w / n;
            /* too small for a label per cell: label the block starts if they fit */
            if (px >= 8) {
                g.label_px = px;
                g.label_every = 1;
            } else if (a * g.cell >= 24) {
                g.label_px = 9;
                g.label_every = a;
            } else {
                break;
            }
        }
    }
    g.gap = g.cell >= 6 ? 1 : 0; /* white cell gaps only where they leave colour to see */
    return g;
}

/* One line of the explanation after wrapping. */
enum { MAX_WRAP = 3, WRAP_CHARS = 200, TEXT_LINES = 6 };
typedef struct {
    char text[WRAP_CHARS];
    int source;    /* which explanation line it came from */
    int continued; /* not the first piece of its line */
} wrapped_line;

/* Greedy word wrap of text at max_w pixels into at most max_pieces lines
 * (the last one takes the rest). Returns the count. */
static int wrap_text(const gfx_font *font, int px, int max_w, const char *text, int source,
                     wrapped_line *out, int max_pieces) {
    int count = 0;
    const char *p = text;
    while (*p && count < max_pieces) {
        wrapped_line *piece = &out[count];
        piece->source = source;
        piece->continued = count > 0;
        size_t rest = strlen(p), take = rest;
        if (count < max_pieces - 1 && gfx_text_width(font, px, p) > max_w) {
            /* the longest prefix ending before a space that fits */
            size_t best = 0;
            char buf[WRAP_CHARS];
            for (size_t q = 1; q < rest && q < WRAP_CHARS; q++) {
                if (p[q] != ' ') continue;
                memcpy(buf, p, q);
                buf[q] = 0;
                if (gfx_text_width(font, px, buf) > max_w) break;
                best = q;
            }
            if (best) take = best;
        }
        if (take >= WRAP_CHARS) take = WRAP_CHARS - 1;
        memcpy(piece->text, p, take);
        piece->text[take] = 0;
        p += take;
        while (*p == ' ') p++;
        count++;
    }
    return count;
}

static const struct {
    int part;
    const char *label;
} key_items[] = {
    {HEAT_PART_DIAG, "BLOCK DIAG weight (wl)"},
    {HEAT_PART_TRANS, "BLOCK TRANS weight (wu)"},
    {HEAT_PART_BOTH, "both parts: wl + wu"},
    {0, "structural zero (never stored, never computed)"},
};

static int key_width(const gfx_font *font, int px) {
    int x = 0, sw = px + 4;
    for (size_t k = 0; k < sizeof key_items / sizeof *key_items; k++)
        x += sw + 7 + gfx_text_width(font, px, key_items[k].label) + 2 * px;
    return x - 2 * px;
}

static void draw_key(gfx_image *img, const gfx_font *font, int x, int y, int px) {
    int sw = px + 4;
    for (size_t k = 0; k < sizeof key_items / sizeof *key_items; k++) {
        fill_part_cell(img, x, y, sw, key_items[k].part);
        gfx_rect_outline(img, (gfx_rect){x - 1, y - 1, sw + 2, sw + 2}, TEACH_BLOCK_LINE);
        x += sw + 7;
        x += gfx_text(img, font, x, y + (sw - px) / 2 - 1, px, TEACH_INK, key_items[k].label) +
             2 * px;
    }
}

void teach_nonzero_text(int w, int n, size_t nonzero, char *buf, size_t size) {
    long total = (long)w * w;
    /* (2n-1)/n^2 counts each block's overlap of the parts once; it is the
     * count only when the overlaps come out that way (n divides w/n) */
    if ((long)nonzero * n * n == (long)(2 * n - 1) * total)
        snprintf(buf, size,
                 "Nonzero entries of W: (2n\xE2\x88\x92" "1)/n\xC2\xB2 = %d/%d = %.1f%%   (%zu of %ld here)",
                 2 * n - 1, n * n, 100.0 * (2 * n - 1) / (n * n), nonzero, total);
    else
        snprintf(buf, size,
                 "Nonzero entries of W: %zu of %ld = %.1f%%   (not (2n\xE2\x88\x92" "1)/n\xC2\xB2 = %.1f%%: "
                 "that needs n to divide w/n = %d)",
                 nonzero, total, 100.0 * (double)nonzero / (double)total,
                 100.0 * (2 * n - 1) / (n * n), w / n);
}

void teach_block_text(const teach_config *c, char *buf, size_t size) {
    int w = c->width, n = c->ndyad, a = w / n, b = w / n;
    snprintf(buf, size,
             "a = in/n = %d inputs, b = out/n = %d outputs per block; k: block, j < b: row, i < a: "
             "column in it. DIAG block k: inputs %d\xC2\xB7k .. %d\xC2\xB7k+%d \xE2\x86\x92 "
             "outputs %d\xC2\xB7k .. %d\xC2\xB7k+%d.",
             a, b, a, a, a - 1, b, b, b - 1);
}

nn_status teach_draw(gfx_image *img, gfx_rect r, const gfx_font *font, const teach_config *c,
                     nn_error *err) {
    return teach_draw_ex(img, r, font, c, -1, NULL, err);
}

int teach_pick(const teach_geometry *geo, int x, int y, int *panel_index, int *row, int *col) {
    if (geo->cell <= 0) return 0;
    for (int k = 0; k < TEACH_PANELS; k++) {
        gfx_rect m = geo->matrix[k];
        if (m.w <= 0 || x < m.x || y < m.y || x >= m.x + m.w || y >= m.y + m.h) continue;
        int rr = (y - m.y) / geo->cell, cc = (x - m.x) / geo->cell;
        if (rr >= geo->width || cc >= geo->width) return 0;
        *panel_index = k;
        *row = geo->row_index[k][rr]; /* W's own indices, also in the reordered panel */
        *col = geo->col_index[k][cc];
        return 1;
    }
    return 0;
}

nn_status teach_draw_ex(gfx_image *img, gfx_rect r, const gfx_font *font, const teach_config *c,
                        int step_row, teach_geometry *geo, nn_error *err) {
    nn_status st = teach_check(c, err);
    if (st != NN_OK) return st;
    if (!font) return nn_fail(err, NN_ERR_ARG, "teaching view: no font");
    if (r.w < TEACH_MIN_W || r.h < TEACH_MIN_H)
        return nn_fail(err, NN_ERR_ARG, "teaching view: %dx%d is too small (at least %dx%d)",
                       r.w, r.h, TEACH_MIN_W, TEACH_MIN_H);
    int w = c->width, n = c->ndyad, a = w / n;

    /* A real layer with deterministic weights (wl = 1, wu = 1): the panels are
     * the part patterns the library itself reports. */
    nn_layer l;
    memset(&l, 0, sizeof l);
    l.kind = c->kind;
    l.in = l.out = w;
    l.ndyad = n;
    size_t nparam = nn_layer_param_count(l.kind, w, w, n);
    float *params = malloc(sizeof(float) * nparam);
    if (!params) return nn_fail(err, NN_ERR_NOMEM, "teaching view: out of memory");
    for (size_t e = 0; e < nparam; e++) params[e] = 1.0f;
    nn_layer_bind(&l, params, NULL);
    heat_matrix diag, trans, sum;
    memset(&diag, 0, sizeof diag);
    memset(&trans, 0, sizeof trans);
    memset(&sum, 0, sizeof sum);
    unsigned char *perm_part = malloc((size_t)w * w), *dense_part = malloc((size_t)w * w);
    int *identity = malloc(sizeof(int) * (size_t)w), *shuffled = malloc(sizeof(int) * (size_t)w);
    if (!perm_part || !dense_part || !identity || !shuffled) {
        st = nn_fail(err, NN_ERR_NOMEM, "teaching view: out of memory");
        goto done;
    }
    if ((st = heat_matrix_build(&diag, &l, HEAT_PART_DIAG, 0, err)) != NN_OK ||
        (st = heat_matrix_build(&trans, &l, HEAT_PART_TRANS, 0, err)) != NN_OK ||
        (st = heat_matrix_build(&sum, &l, HEAT_PART_BOTH, 0, err)) != NN_OK)
        goto done;

    /* position q = k*a + i of the reordered axis holds original index i*n + k */
    for (int q = 0; q < w; q++) {
        identity[q] = q;
        shuffled[q] = (q % a) * n + q / a;
    }
    int strided_in = nn_layer_kind_get(c->kind)->strided_in;
    int strided_out = nn_layer_kind_get(c->kind)->strided_out;
    const int *perm_rows = strided_out ? shuffled : identity;
    const int *perm_cols = strided_in ? shuffled : identity;
    for (int rr = 0; rr < w; rr++)
        for (int cc = 0; cc < w; cc++)
            perm_part[(size_t)rr * w + cc] = sum.part[(size_t)perm_rows[rr] * w + perm_cols[cc]];

    const char *short_name = nn_layer_kind_get(c->kind)->short_name;
    char trans_title[64], trans_sub[96], perm_title[64], perm_sub[96];
    snprintf(trans_title, sizeof trans_title, "2. BLOCK TRANS (%s)", short_name);
    snprintf(trans_sub, sizeof trans_sub, "wu[k][j][i] \xE2\x86\x92 W[%s][%s]",
             strided_out ? "j\xC2\xB7n+k" : "k\xC2\xB7" "b+j",
             strided_in ? "i\xC2\xB7n+k" : "k\xC2\xB7" "a+i");
    snprintf(perm_title, sizeof perm_title, "4. W, %s reordered",
             strided_in && strided_out ? "inputs + outputs" : strided_in ? "inputs" : "outputs");
    snprintf(perm_sub, sizeof perm_sub, "now BLOCK TRANS is block-diagonal");
    memset(dense_part, TEACH_PART_DENSE, (size_t)w * w);
    char dense_sub[96];
    snprintf(dense_sub, sizeof dense_sub, "%d weights, all of them used", w * w);
    panel panels[TEACH_PANELS] = {
        {diag.part, identity, identity, "1. BLOCK DIAG",
         "wl[k][j][i] \xE2\x86\x92 W[k\xC2\xB7" "b+j][k\xC2\xB7" "a+i]"},
        {trans.part, identity, identity, trans_title, trans_sub},
        {sum.part, identity, identity, "3. W = DIAG + TRANS", "panel 1 + panel 2"},
        {perm_part, perm_rows, perm_cols, perm_title, perm_sub},
        {dense_part, identity, identity, "5. dense W (for comparison)", dense_sub},
    };

    /* The explanation under the panels, built first: its wrapped height
     * decides how much room the panels get. */
    long dense_params = (long)w * w, dyad_params = 2L * w * w / n;
    size_t nonzero = 0;
    for (size_t e = 0; e < (size_t)w * w; e++) nonzero += sum.part[e] != 0;
    char l1[200], l2[200], l3[320], l4[320], l5[320], l6[400];
    snprintf(l1, sizeof l1,
             "Parameters: DYAD 2\xC2\xB7w\xC2\xB2/n = %ld   vs   dense w\xC2\xB2 = %ld   (%.0f%% of dense)",
             dyad_params, dense_params, 100.0 * dyad_params / dense_params);
    snprintf(l2, sizeof l2,
             "FLOPs: 2/n = %.0f%% of dense: each part is n small %d \xC3\x97 %d matrix products",
             200.0 / n, a, a);
    teach_nonzero_text(w, n, nonzero, l3, sizeof l3);
    char reads[64], writes[64];
    index_list(reads, sizeof reads, 0, strided_in ? n : 1, a);
    index_list(writes, sizeof writes, 0, strided_out ? n : 1, a);
    if (c->kind == NN_LAYER_DYAD_IT)
        snprintf(l4, sizeof l4,
                 "IT: BLOCK TRANS block k reads inputs k, k+n, k+2n, ...  (block 0 reads %s; "
                 "writes outputs %s)", reads, writes);
    else if (c->kind == NN_LAYER_DYAD_OT)
        snprintf(l4, sizeof l4,
                 "OT: BLOCK TRANS block k writes outputs k, k+n, k+2n, ...  (block 0 writes %s; "
                 "reads inputs %s)", writes, reads);
    else
        snprintf(l4, sizeof l4,
                 "DT: BLOCK TRANS block k reads inputs and writes outputs k, k+n, k+2n, ...  "
                 "(block 0: %s)", reads);
    char order[160];
    order_list(order, sizeof order, w, n);
    snprintf(l5, sizeof l5,
             "Panel 4: %s in the order %s make BLOCK TRANS block-diagonal too, so y = %s",
             strided_in && strided_out ? "inputs and outputs" : strided_in ? "inputs" : "outputs",
             order,
             c->kind == NN_LAYER_DYAD_IT ? "BD(wl) x + BD(wu) (P x): the second product reads shuffled inputs"
             : c->kind == NN_LAYER_DYAD_OT ? "BD(wl) x + P^T (BD(wu) x): the second product's outputs are shuffled back"
                                        : "BD(wl) x + P^T BD(wu) (P x): shuffled in, shuffled back out");
    teach_block_text(c, l6, sizeof l6);
    const char *lines[TEXT_LINES] = {l1, l2, l3, l4, l5, l6};

    /* Type sizes follow the picture's height. */
    int base_px = r.h / 42;
    if (base_px < 11) base_px = 11;
    if (base_px > 17) base_px = 17;
    int title_px = base_px + 3, head_px = base_px + 6, line_h = base_px * 3 / 2;
    int margin = base_px;
    int text_w = r.w - 2 * margin;
    wrapped_line wrapped[TEXT_LINES * MAX_WRAP];
    int nwrapped = 0;
    for (int k = 0; k < TEXT_LINES; k++)
        nwrapped += wrap_text(font, base_px, text_w - base_px, lines[k], k, wrapped + nwrapped,
                              MAX_WRAP);
    int key_px = base_px, key_w = key_width(font, base_px);
    if (key_w > text_w) key_px = base_px * text_w / key_w;
    if (key_px < 8) key_px = 8;
    int key_h = key_px + 4;
    int text_h = base_px + key_h + base_px / 2 + 4 + nwrapped * line_h;
    int head_h = head_px + base_px;
    int avail_w = r.w - 2 * margin, avail_h = r.h - 2 * margin - text_h - head_h;
    int gap = 2 * base_px;
    /* five panels: one row, or three columns over two rows */
    panel_geometry wide = fit_panels(font, w, n, 1, 5, avail_w, avail_h, title_px, base_px, gap);
    panel_geometry square = fit_panels(font, w, n, 2, 3, avail_w, avail_h, title_px, base_px, gap);
    int grid_cols = square.cell > wide.cell ? 3 : 5;
    panel_geometry g = grid_cols == 3 ? square : wide;
    int grid_rows = (TEACH_PANELS + grid_cols - 1) / grid_cols;
    int side = g.cell * w;
    int panel_w = g.left + side, panel_h = g.top + side;
    /* the panel titles must fit beside each other: widen the gap if there is room */
    int title_w = 0;
    for (int k = 0; k < TEACH_PANELS; k++) {
        int tw = gfx_text_width(font, title_px, panels[k].title);
        int sw = gfx_text_width(font, base_px, panels[k].subtitle);
        if (tw > title_w) title_w = tw;
        if (sw > title_w) title_w = sw;
    }
    int col_pitch = panel_w + gap;
    if (title_w + g.left + base_px > col_pitch &&
        grid_cols * (title_w + g.left + base_px) <= avail_w + gap)
        col_pitch = title_w + g.left + base_px;
    int grid_w = grid_cols * col_pitch - gap;
    int grid_h = grid_rows * panel_h + (grid_rows - 1) * gap;
    int x0 = r.x + margin + (avail_w - grid_w) / 2;
    int y0 = r.y + margin + head_h + (avail_h - grid_h) / 2; /* content centred */

    gfx_fill_rect(img, r, TEACH_BG);
    char line[256];
    snprintf(line, sizeof line, "%s, %d \xC3\x97 %d, n = %d blocks of %d \xC3\x97 %d: y = W x + bias",
             variant_long_name(c->kind), w, w, n, a, a);
    draw_fitted(img, font, r.x + margin, r.y + margin, head_px, text_w, TEACH_INK, line, 0);
    if (geo) {
        memset(geo, 0, sizeof *geo);
        geo->cell = g.cell;
        geo->width = w;
    }
    for (int k = 0; k < TEACH_PANELS; k++) {
        if (c->show && !(c->show & (1 << k))) continue;
        int px = x0 + (k % grid_cols) * col_pitch;
        int py = y0 + (k / grid_cols) * (panel_h + gap);
        draw_panel(img, font, px, py, col_pitch - base_px, &g, &panels[k], step_row);
        if (geo) {
            geo->matrix[k] = (gfx_rect){px + g.left, py + g.top, side, side};
            memcpy(geo->row_index[k], panels[k].row_index, sizeof(int) * (size_t)w);
            memcpy(geo->col_index[k], panels[k].col_index, sizeof(int) * (size_t)w);
        }
    }

    /* the key and the arithmetic; continuation lines indented */
    int ty = y0 + grid_h + base_px;
    int tx = r.x + margin;
    draw_key(img, font, tx, ty, key_px);
    ty += key_h + base_px / 2 + 4;
    for (int k = 0; k < nwrapped; k++) {
        const wrapped_line *wl = &wrapped[k];
        uint32_t ink = wl->source == 3 || wl->source == 4 ? TEACH_INK : TEACH_SOFT_INK;
        gfx_text(img, font, tx + (wl->continued ? base_px : 0), ty, base_px, ink, wl->text);
        ty += line_h;
    }
    st = NN_OK;
done:
    heat_matrix_free(&diag);
    heat_matrix_free(&trans);
    heat_matrix_free(&sum);
    free(perm_part);
    free(dense_part);
    free(identity);
    free(shuffled);
    free(params);
    return st;
}
