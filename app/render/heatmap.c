/* Weight heatmaps: building the shown matrix of a layer, mapping screen
 * pixels to matrix cells (one function, shared by drawing and picking so the
 * two can never disagree), the colour legend and zooming. */
#include "heatmap.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "colormap.h"

#define HEAT_MIN_ZOOM 1e-3f
#define HEAT_MAX_ZOOM 1024.0f

/* ---- the shown matrix ---- */

int heat_layer_has_parts(const nn_layer *l) {
    const nn_layer_kind_info *k = nn_layer_kind_get(l->kind);
    return k && (k->strided_in || k->strided_out);
}

/* W and its structural zeros for a kind without DYAD's parts. */
static nn_status materialise(const nn_layer *l, float *value, unsigned char *part, nn_error *err) {
    nn_error inner;
    if (nn_layer_check(l->kind, l->in, l->out, l->ndyad, &inner) != NN_OK)
        return nn_fail(err, NN_ERR_ARG, "heatmap: malformed layer: %s", inner.msg);
    nn_layer_dense_weight(l, value);
    for (int row = 0; row < l->out; row++)
        for (int col = 0; col < l->in; col++)
            part[(size_t)row * l->in + col] = nn_layer_weight_part(l, row, col) != 0;
    return NN_OK;
}

void heat_layer_row(const nn_layer *l, int row, int parts, float *value, unsigned char *part) {
    int in = l->in;
    if (l->kind != NN_LAYER_DENSE && !heat_layer_has_parts(l)) {
        /* one row of the materialised W (a whole W: fine for the few rows shown) */
        size_t count = (size_t)l->in * l->out;
        float *w = malloc(sizeof(float) * count);
        unsigned char *p = malloc(count);
        if (w && p && materialise(l, w, p, NULL) == NN_OK) {
            memcpy(value, w + (size_t)row * in, sizeof(float) * (size_t)in);
            memcpy(part, p + (size_t)row * in, (size_t)in);
        } else {
            memset(value, 0, sizeof(float) * (size_t)in);
            memset(part, 0, (size_t)in);
        }
        free(w);
        free(p);
        return;
    }
    if (l->kind == NN_LAYER_DENSE) {
        memcpy(value, l->param.weight + (size_t)row * in, sizeof(float) * (size_t)in);
        memset(part, 1, (size_t)in);
        return;
    }
    memset(value, 0, sizeof(float) * (size_t)in);
    memset(part, 0, (size_t)in);
    int n = l->ndyad, a = in / n, b = l->out / n;
    if (parts & HEAT_PART_DIAG) {
        int k = row / b, j = row % b;
        const float *wl = l->param.wl + ((size_t)k * b + j) * a;
        for (int i = 0; i < a; i++) {
            value[k * a + i] += wl[i];
            part[k * a + i] |= HEAT_PART_DIAG;
        }
    }
    if (parts & HEAT_PART_TRANS) {
        /* which (k, j) of BLOCK TRANS writes this output row: strided outputs
         * (OT, DT) carry k as row % n, contiguous ones (IT) as row / b */
        int strided_out = nn_layer_kind_get(l->kind)->strided_out;
        int k = strided_out ? row % n : row / b;
        int j = strided_out ? row / n : row % b;
        const float *wu = l->param.wu + ((size_t)k * b + j) * a;
        for (int i = 0; i < a; i++) {
            int r, c;
            nn_layer_trans_position(l, k, j, i, &r, &c);
            value[c] += wu[i];
            part[c] |= HEAT_PART_TRANS;
        }
    }
}

nn_status heat_matrix_build(heat_matrix *m, const nn_layer *l, int parts, int permuted,
                            nn_error *err) {
    memset(m, 0, sizeof *m);
    int plain = l->kind != NN_LAYER_DENSE && !heat_layer_has_parts(l);
    if (plain) {
        size_t count = (size_t)l->in * l->out;
        if (l->in <= 0 || l->out <= 0)
            return nn_fail(err, NN_ERR_ARG, "heatmap: malformed layer %d -> %d", l->in, l->out);
        m->value = calloc(count, sizeof *m->value);
        m->part = calloc(count, 1);
        if (!m->value || !m->part) {
            heat_matrix_free(m);
            return nn_fail(err, NN_ERR_NOMEM, "heatmap: out of memory for a %d x %d matrix",
                           l->out, l->in);
        }
        nn_status st = materialise(l, m->value, m->part, err);
        if (st != NN_OK) {
            heat_matrix_free(m);
            return st;
        }
        m->rows = l->out;
        m->cols = l->in;
        m->kind = l->kind;
        /* block lines only where W has blocks */
        m->ndyad = nn_layer_kind_get(l->kind)->param == NN_LAYER_PARAM_BLOCKS ? l->ndyad : 1;
        for (size_t e = 0; e < count; e++)
            if (m->part[e] && fabsf(m->value[e]) > m->max_abs) m->max_abs = fabsf(m->value[e]);
        return NN_OK;
    }
    if (l->in <= 0 || l->out <= 0 || l->ndyad <= 0 || l->in % l->ndyad || l->out % l->ndyad)
        return nn_fail(err, NN_ERR_ARG, "heatmap: malformed layer %d -> %d, ndyad %d", l->in,
                       l->out, l->ndyad);
    if (l->kind != NN_LAYER_DENSE && !(parts & HEAT_PART_BOTH))
        return nn_fail(err, NN_ERR_ARG, "heatmap: no DYAD part selected (parts %d)", parts);
    /* The matrix costs 5 bytes an entry (9 with the colour quantile), while a
     * DYAD layer's file holds only ~8/ndyad: a small file can declare a layer
     * far wider than any picture. Refuse what no screen or PNG could show. */
    size_t count = (size_t)l->in * l->out;
    if (count > HEAT_MAX_CELLS)
        return nn_fail(err, NN_ERR_ARG, "heatmap: layer %d -> %d has %zu weights, more than the "
                       "%d a heatmap shows", l->in, l->out, count, HEAT_MAX_CELLS);
    m->value = calloc(count, sizeof *m->value);
    m->part = calloc(count, 1);
    if (!m->value || !m->part) {
        heat_matrix_free(m);
        return nn_fail(err, NN_ERR_NOMEM, "heatmap: out of memory for a %d x %d matrix", l->out,
                       l->in);
    }
    m->rows = l->out;
    m->cols = l->in;
    m->kind = l->kind;
    m->ndyad = l->ndyad;
    if (l->kind == NN_LAYER_DENSE) {
        memcpy(m->value, l->param.weight, sizeof(float) * count);
        memset(m->part, 1, count);
    } else {
        int n = l->ndyad, a = l->in / n, b = l->out / n;
        for (int k = 0; k < n; k++)
            for (int j = 0; j < b; j++)
                for (int i = 0; i < a; i++) {
                    size_t e = ((size_t)k * b + j) * a + i;
                    /* block-diagonal position (k*b+j, k*a+i): BLOCK DIAG always;
                     * BLOCK TRANS too in permuted mode, where W' = BD(wl) + BD(wu)
                     * shows wu[k] before the stride-n shuffle moves it */
                    size_t diag_at = (size_t)(k * b + j) * l->in + (size_t)(k * a + i);
                    if (parts & HEAT_PART_DIAG) {
                        m->value[diag_at] += l->param.wl[e];
                        m->part[diag_at] |= HEAT_PART_DIAG;
                    }
                    if (parts & HEAT_PART_TRANS) {
                        size_t at = diag_at;
                        if (!permuted) {
                            int row, col;
                            nn_layer_trans_position(l, k, j, i, &row, &col);
                            at = (size_t)row * l->in + (size_t)col;
                        }
                        m->value[at] += l->param.wu[e];
                        m->part[at] |= HEAT_PART_TRANS;
                    }
                }
    }
    float max_abs = 0.0f;
    for (size_t e = 0; e < count; e++)
        if (m->part[e] && fabsf(m->value[e]) > max_abs) max_abs = fabsf(m->value[e]);
    m->max_abs = max_abs;
    return NN_OK;
}

void heat_matrix_free(heat_matrix *m) {
    if (!m) return;
    free(m->value);
    free(m->part);
    free(m->hidden);
    free(m->w_value);
    free(m->orig_row);
    free(m->orig_col);
    m->value = NULL;
    m->part = NULL;
    m->hidden = NULL;
    m->w_value = NULL;
    m->orig_row = m->orig_col = NULL;
    m->rows = m->cols = 0;
}

/* Stride permutation of n blocks of `size`: index c (block c % n, element
 * c / n) goes to (c % n) * size + c / n. */
static int unstride(int c, int n, int size) { return (c % n) * size + c / n; }

nn_status heat_matrix_build_w(heat_matrix *m, const nn_layer *l, int parts, int permuted,
                              nn_error *err) {
    int dense = l->kind == NN_LAYER_DENSE;
    heat_matrix all, shown;
    nn_status st = heat_matrix_build(&all, l, HEAT_PART_BOTH, 0, err);
    if (st != NN_OK) return st;
    st = heat_matrix_build(&shown, l, dense ? HEAT_PART_BOTH : parts, 0, err);
    if (st != NN_OK) {
        heat_matrix_free(&all);
        return st;
    }
    size_t count = (size_t)l->in * l->out;
    memset(m, 0, sizeof *m);
    m->rows = l->out;
    m->cols = l->in;
    m->kind = l->kind;
    m->ndyad = all.ndyad; /* block lines only where W has blocks */
    m->value = malloc(sizeof(float) * count);
    m->part = malloc(count);
    m->hidden = malloc(count);
    m->w_value = malloc(sizeof(float) * count);
    m->orig_row = malloc(sizeof(int) * (size_t)l->out);
    m->orig_col = malloc(sizeof(int) * (size_t)l->in);
    if (!m->value || !m->part || !m->hidden || !m->w_value || !m->orig_row || !m->orig_col) {
        heat_matrix_free(&all);
        heat_matrix_free(&shown);
        heat_matrix_free(m);
        return nn_fail(err, NN_ERR_NOMEM, "heatmap: out of memory for a %d x %d matrix", l->out,
                       l->in);
    }
    int n = l->ndyad, a = l->in / n, b = l->out / n;
    int perm_in = permuted && (l->kind == NN_LAYER_DYAD_IT || l->kind == NN_LAYER_DYAD_DT);
    int perm_out = permuted && (l->kind == NN_LAYER_DYAD_OT || l->kind == NN_LAYER_DYAD_DT);
    for (int r = 0; r < l->out; r++) m->orig_row[perm_out ? unstride(r, n, b) : r] = r;
    for (int c = 0; c < l->in; c++) m->orig_col[perm_in ? unstride(c, n, a) : c] = c;
    for (int r = 0; r < m->rows; r++)
        for (int c = 0; c < m->cols; c++) {
            size_t at = (size_t)r * m->cols + c;
            size_t from = (size_t)m->orig_row[r] * m->cols + m->orig_col[c];
            m->value[at] = shown.value[from];
            m->part[at] = shown.part[from];
            m->hidden[at] = (unsigned char)(all.part[from] & ~shown.part[from]);
            m->w_value[at] = all.value[from];
        }
    m->max_abs = shown.max_abs;
    heat_matrix_free(&all);
    heat_matrix_free(&shown);
    return NN_OK;
}

void heat_matrix_nonzero(const heat_matrix *m, double *shown, double *w) {
    size_t count = (size_t)m->rows * m->cols, s = 0, all = 0;
    for (size_t e = 0; e < count; e++) {
        s += m->part[e] != 0;
        all += m->part[e] != 0 || (m->hidden && m->hidden[e]);
    }
    if (shown) *shown = count ? (double)s / count : 0.0;
    if (w) *w = count ? (double)all / count : 0.0;
}

/* ---- screen <-> matrix ---- */

/* The cells [*c0, *c1] (clamped to [0, n)) that screen pixel p (0-based
 * from the rect's edge) shows along one axis. Zoom >= 1: the cell under the
 * pixel centre; zoom < 1: every cell whose start lies inside the pixel.
 * Returns 0 when the pixel shows no cell. */
static int pixel_cells(double origin, double zoom, int p, int n, int *c0, int *c1) {
    long long lo, hi;
    if (zoom >= 1.0) {
        lo = hi = (long long)floor(origin + (p + 0.5) / zoom);
    } else {
        lo = (long long)ceil(origin + p / zoom);
        hi = (long long)ceil(origin + (p + 1) / zoom) - 1;
        if (hi < lo) hi = lo;
    }
    if (hi < 0 || lo >= n) return 0;
    *c0 = lo < 0 ? 0 : (int)lo;
    *c1 = hi >= n ? n - 1 : (int)hi;
    return 1;
}

/* Of the cells rows [r0,r1] x cols [c0,c1], the one drawn for a pixel: the
 * largest |w| among entries some part reaches, else the first (a structural
 * zero). Returns its flat index. */
static size_t shown_cell(const heat_matrix *m, int r0, int r1, int c0, int c1) {
    size_t best = (size_t)r0 * m->cols + c0;
    float best_abs = -1.0f;
    for (int rr = r0; rr <= r1; rr++)
        for (int cc = c0; cc <= c1; cc++) {
            size_t e = (size_t)rr * m->cols + cc;
            if (m->part[e] && fabsf(m->value[e]) > best_abs) {
                best_abs = fabsf(m->value[e]);
                best = e;
            }
        }
    return best;
}

/* Whether a hidden part reaches any of the cells (shown only when no shown
 * part does). */
static int any_hidden(const heat_matrix *m, int r0, int r1, int c0, int c1) {
    if (!m->hidden) return 0;
    for (int rr = r0; rr <= r1; rr++)
        for (int cc = c0; cc <= c1; cc++)
            if (m->hidden[(size_t)rr * m->cols + cc]) return 1;
    return 0;
}

uint32_t heat_color(float value, heat_scale scale, float range) {
    if (!(range > 0.0f)) range = 1.0f;
    if (scale == HEAT_ABS) return colormap_viridis(fabsf(value) / range);
    return colormap_diverging(value / range);
}

/* Mixes a fraction (0..256) of black into c: grid and block lines. */
static uint32_t darken(uint32_t c, unsigned amount) {
    uint32_t out = c & 0xFF000000u;
    for (int shift = 0; shift <= 16; shift += 8) {
        unsigned v = (c >> shift) & 0xFF;
        out |= (uint32_t)((v * (256u - amount)) >> 8) << shift;
    }
    return out;
}

/* The line strength of pixel p along an axis: 2 if a block boundary falls in
 * it, 1 for a cell boundary, 0 for none (interior boundaries only). */
static int boundary_at(double origin, double zoom, int p, int n, int block, int cell_lines,
                       int block_lines) {
    double start = origin + p / zoom, end = origin + (p + 1) / zoom;
    long long c = (long long)ceil(start);
    if (c <= 0 || c >= n || (double)c >= end) return 0;
    if (block_lines && block > 0) {
        /* a pixel may cover several cells (zoomed out): any block start in it */
        long long first = (c + block - 1) / block * block;
        if (first < n && (double)first < end) return 2;
    }
    return cell_lines ? 1 : 0;
}

static double row_zoom_of(const heat_view *v) {
    return v->row_zoom > 0.0f ? v->row_zoom : v->zoom;
}

void heat_draw(gfx_image *img, gfx_rect r, const heat_matrix *m, const heat_view *v) {
    if (!m->value || r.w <= 0 || r.h <= 0 || !(v->zoom > 0.0f)) return;
    double zoom = v->zoom, row_zoom = row_zoom_of(v);
    float range = v->range > 0.0f ? v->range : m->max_abs;
    if (!(range > 0.0f)) range = 1.0f;
    /* clip to the image once, so the loops below touch only real pixels */
    int x0 = r.x < 0 ? 0 : r.x, y0 = r.y < 0 ? 0 : r.y;
    int x1 = r.x + r.w > img->w ? img->w : r.x + r.w;
    int y1 = r.y + r.h > img->h ? img->h : r.y + r.h;
    if (x0 >= x1 || y0 >= y1) return;
    int cols_px = x1 - x0;
    int *col_lo = malloc(sizeof(int) * (size_t)cols_px * 3);
    if (!col_lo) return;
    int *col_hi = col_lo + cols_px, *col_line = col_hi + cols_px;
    /* block lines mark BLOCK DIAG's blocks (a inputs x b outputs) in DYAD layers */
    int block_a = m->kind == NN_LAYER_DENSE ? 0 : m->cols / m->ndyad;
    int block_b = m->kind == NN_LAYER_DENSE ? 0 : m->rows / m->ndyad;
    /* lines only where cells (blocks) are large enough for them to help */
    int col_cell_lines = zoom >= 8.0, row_cell_lines = row_zoom >= 8.0;
    int col_block_lines = m->ndyad > 1 && block_a > 0 && zoom * block_a >= 6.0;
    int row_block_lines = m->ndyad > 1 && block_b > 0 && row_zoom * block_b >= 6.0;
    for (int x = x0; x < x1; x++) {
        int p = x - r.x;
        if (!pixel_cells(v->origin_col, zoom, p, m->cols, &col_lo[x - x0], &col_hi[x - x0]))
            col_lo[x - x0] = -1;
        col_line[x - x0] = boundary_at(v->origin_col, zoom, p, m->cols, block_a, col_cell_lines,
                                       col_block_lines);
    }
    for (int y = y0; y < y1; y++) {
        int r0, r1, p = y - r.y;
        if (!pixel_cells(v->origin_row, row_zoom, p, m->rows, &r0, &r1)) continue;
        int row_line = boundary_at(v->origin_row, row_zoom, p, m->rows, block_b, row_cell_lines,
                                   row_block_lines);
        uint32_t *out = img->px + (size_t)y * img->w;
        for (int x = x0; x < x1; x++) {
            int ci = x - x0;
            if (col_lo[ci] < 0) continue;
            size_t e = shown_cell(m, r0, r1, col_lo[ci], col_hi[ci]);
            uint32_t c = m->part[e] ? heat_color(m->value[e], v->scale, range)
                         : any_hidden(m, r0, r1, col_lo[ci], col_hi[ci]) ? HEAT_HIDDEN
                                                                         : HEAT_STRUCTURAL_ZERO;
            int line = row_line > col_line[ci] ? row_line : col_line[ci];
            if (line) c = darken(c, line == 2 ? 150u : 40u);
            out[x] = c;
        }
    }
    free(col_lo);
}

int heat_pick(const heat_matrix *m, const heat_view *v, gfx_rect r, int x, int y, int *row,
              int *col, float *value, int *part) {
    if (!m->value || !(v->zoom > 0.0f)) return 0;
    if (x < r.x || y < r.y || x >= r.x + r.w || y >= r.y + r.h) return 0;
    int r0, r1, c0, c1;
    if (!pixel_cells(v->origin_row, row_zoom_of(v), y - r.y, m->rows, &r0, &r1)) return 0;
    if (!pixel_cells(v->origin_col, v->zoom, x - r.x, m->cols, &c0, &c1)) return 0;
    size_t e = shown_cell(m, r0, r1, c0, c1);
    if (row) *row = (int)(e / (size_t)m->cols);
    if (col) *col = (int)(e % (size_t)m->cols);
    if (value) *value = m->value[e];
    if (part) *part = m->part[e];
    return 1;
}

int heat_pick_index(const heat_matrix *m, const heat_view *v, gfx_rect r, int x, int y,
                    size_t *index) {
    if (!m->value || !(v->zoom > 0.0f)) return 0;
    if (x < r.x || y < r.y || x >= r.x + r.w || y >= r.y + r.h) return 0;
    int r0, r1, c0, c1;
    if (!pixel_cells(v->origin_row, row_zoom_of(v), y - r.y, m->rows, &r0, &r1)) return 0;
    if (!pixel_cells(v->origin_col, v->zoom, x - r.x, m->cols, &c0, &c1)) return 0;
    size_t e = shown_cell(m, r0, r1, c0, c1);
    if (!m->part[e] && m->hidden) /* nothing shown there: name a hidden weight */
        for (int rr = r0; rr <= r1; rr++)
            for (int cc = c0; cc <= c1; cc++)
                if (m->hidden[(size_t)rr * m->cols + cc] && !m->part[e])
                    e = (size_t)rr * m->cols + cc;
    *index = e;
    return 1;
}

void heat_draw_cell_outline(gfx_image *img, gfx_rect r, const heat_matrix *m,
                            const heat_view *v, int row, int col, uint32_t color) {
    if (!m->value || !(v->zoom > 0.0f) || row < 0 || col < 0 || row >= m->rows ||
        col >= m->cols)
        return;
    double rz = row_zoom_of(v);
    int x0 = r.x + (int)floor((col - v->origin_col) * v->zoom);
    int x1 = r.x + (int)ceil((col + 1 - v->origin_col) * v->zoom);
    int y0 = r.y + (int)floor((row - v->origin_row) * rz);
    int y1 = r.y + (int)ceil((row + 1 - v->origin_row) * rz);
    /* at least 5 px so a cell smaller than a pixel still shows where it is */
    if (x1 - x0 < 5) x0 -= (5 - (x1 - x0)) / 2, x1 = x0 + 5;
    if (y1 - y0 < 5) y0 -= (5 - (y1 - y0)) / 2, y1 = y0 + 5;
    gfx_rect box = {x0 - 1, y0 - 1, x1 - x0 + 2, y1 - y0 + 2};
    gfx_rect clip = {r.x, r.y, r.w, r.h};
    if (box.x < clip.x || box.y < clip.y || box.x + box.w > clip.x + clip.w ||
        box.y + box.h > clip.y + clip.h) {
        /* partly outside: clamp to the map */
        int bx1 = box.x + box.w, by1 = box.y + box.h;
        if (box.x < clip.x) box.x = clip.x;
        if (box.y < clip.y) box.y = clip.y;
        if (bx1 > clip.x + clip.w) bx1 = clip.x + clip.w;
        if (by1 > clip.y + clip.h) by1 = clip.y + clip.h;
        box.w = bx1 - box.x, box.h = by1 - box.y;
        if (box.w <= 0 || box.h <= 0) return;
    }
    gfx_rect_outline(img, box, color);
}

static int compare_float(const void *pa, const void *pb) {
    float a = *(const float *)pa, b = *(const float *)pb;
    return (a > b) - (a < b);
}

float heat_matrix_abs_quantile(const heat_matrix *m, float q) {
    size_t count = (size_t)m->rows * m->cols, used = 0;
    float *abs_values = malloc(sizeof(float) * (count ? count : 1));
    if (!abs_values) return m->max_abs; /* out of memory: the plain maximum still works */
    for (size_t e = 0; e < count; e++)
        if (m->part[e]) abs_values[used++] = fabsf(m->value[e]);
    float result = 0.0f;
    if (used) {
        if (!(q > 0.0f)) q = 0.0f;
        if (q > 1.0f) q = 1.0f;
        size_t k = (size_t)(q * (double)(used - 1) + 0.5);
        qsort(abs_values, used, sizeof *abs_values, compare_float);
        result = abs_values[k];
    }
    free(abs_values);
    return result;
}

void heat_view_fit(heat_view *v, const heat_matrix *m, gfx_rect r) {
    v->origin_row = v->origin_col = 0.0f;
    v->row_zoom = 0.0f;
    if (m->rows <= 0 || m->cols <= 0 || r.w <= 0 || r.h <= 0) {
        v->zoom = 1.0f;
        return;
    }
    float zx = (float)r.w / m->cols, zy = (float)r.h / m->rows;
    float zoom = zx < zy ? zx : zy;
    /* whole pixels per cell keep every cell the same size */
    if (zoom >= 1.0f) zoom = floorf(zoom);
    if (zoom < HEAT_MIN_ZOOM) zoom = HEAT_MIN_ZOOM;
    v->zoom = zoom;
}

void heat_zoom_at(heat_view *v, gfx_rect r, int x, int y, float factor) {
    if (!(factor > 0.0f) || !(v->zoom > 0.0f)) return;
    /* the matrix point under the pixel centre stays put */
    double px = x - r.x + 0.5, py = y - r.y + 0.5;
    double mc = v->origin_col + px / v->zoom, mr = v->origin_row + py / row_zoom_of(v);
    float zoom = v->zoom * factor;
    if (zoom < HEAT_MIN_ZOOM) zoom = HEAT_MIN_ZOOM;
    if (zoom > HEAT_MAX_ZOOM) zoom = HEAT_MAX_ZOOM;
    /* the clamped factor, applied to the row zoom too so the aspect stays */
    if (v->row_zoom > 0.0f) v->row_zoom *= zoom / v->zoom;
    v->zoom = zoom;
    v->origin_col = (float)(mc - px / zoom);
    v->origin_row = (float)(mr - py / row_zoom_of(v));
}

const char *heat_part_name(int part) {
    switch (part) {
    case 0: return "structural zero";
    case HEAT_PART_DIAG: return "BLOCK DIAG";
    case HEAT_PART_TRANS: return "BLOCK TRANS";
    case HEAT_PART_BOTH: return "both";
    case HEAT_PART_DENSE: return "dense";
    default: return "unknown";
    }
}

/* ---- legend ---- */

/* Dark text on a light background, light text on a dark one: the legend
 * adapts to whatever the caller painted under it. */
static uint32_t text_color_over(const gfx_image *img, gfx_rect r) {
    int x = r.x < 0 ? 0 : (r.x >= img->w ? img->w - 1 : r.x);
    int y = r.y < 0 ? 0 : (r.y >= img->h ? img->h - 1 : r.y);
    uint32_t bg = img->px[(size_t)y * img->w + x];
    return colormap_luminance(bg) > 0.35f ? GFX_RGB(0x20, 0x20, 0x20) : GFX_RGB(0xEE, 0xEE, 0xEE);
}

static void format_value(char *buf, size_t size, float v, int plus) {
    if (v == 0.0f) snprintf(buf, size, "0");
    else snprintf(buf, size, plus ? "%+.3g" : "%.3g", (double)v);
}

void heat_draw_legend(gfx_image *img, gfx_rect r, const gfx_font *font, heat_scale scale,
                      float range) {
    if (r.w <= 8 || r.h <= 8 || img->w <= 0 || img->h <= 0) return;
    if (!(range > 0.0f)) range = 1.0f;
    uint32_t ink = text_color_over(img, r), frame = GFX_RGB(0x60, 0x60, 0x60);
    char lo[32], mid[32], hi[32];
    if (scale == HEAT_SIGNED) {
        format_value(lo, sizeof lo, -range, 1);
        format_value(mid, sizeof mid, 0.0f, 0);
        format_value(hi, sizeof hi, range, 1);
    } else {
        format_value(lo, sizeof lo, 0.0f, 0);
        format_value(mid, sizeof mid, range / 2, 0);
        format_value(hi, sizeof hi, range, 0);
    }
    const char *name = scale == HEAT_SIGNED ? "w" : "|w|";
    const char *zero_label = "structural zero";
    if (r.w >= r.h) {
        /* horizontal: [name] [bar with ticks, labels below] [grey swatch] structural zero */
        int px = r.h * 2 / 5;
        if (px > 15) px = 15;
        if (px < 9) px = 9;
        int bar_h = r.h - px - 6;
        if (bar_h > 22) bar_h = 22;
        if (bar_h < 4) bar_h = 4;
        int name_w = font ? gfx_text_width(font, px, name) + 6 : 0;
        int zero_w = font ? gfx_text_width(font, px, zero_label) : 0;
        int lo_w = font ? gfx_text_width(font, px, lo) : 0;
        int hi_w = font ? gfx_text_width(font, px, hi) : 0;
        int swatch = bar_h;
        int bar_x = r.x + name_w + lo_w / 2;
        int bar_end = r.x + r.w - (swatch + 6 + zero_w) - 14 - hi_w / 2;
        if (bar_end - bar_x < 16) { /* too narrow for the swatch: bar only */
            bar_end = r.x + r.w - hi_w / 2 - 1;
            zero_w = -1;
        }
        int bar_w = bar_end - bar_x;
        if (bar_w < 2) return;
        for (int x = 0; x < bar_w; x++) {
            float t = bar_w > 1 ? (float)x / (float)(bar_w - 1) : 0.0f;
            uint32_t c = scale == HEAT_SIGNED ? colormap_diverging(2.0f * t - 1.0f)
                                              : colormap_viridis(t);
            gfx_fill_rect(img, (gfx_rect){bar_x + x, r.y, 1, bar_h}, c);
        }
        gfx_rect_outline(img, (gfx_rect){bar_x - 1, r.y - 1, bar_w + 2, bar_h + 2}, frame);
        const char *labels[3] = {lo, mid, hi};
        int tick_x[3] = {bar_x, bar_x + (bar_w - 1) / 2, bar_x + bar_w - 1};
        for (int t = 0; t < 3; t++) {
            gfx_fill_rect(img, (gfx_rect){tick_x[t], r.y + bar_h + 1, 1, 3}, frame);
            if (font) {
                int w = gfx_text_width(font, px, labels[t]);
                gfx_text(img, font, tick_x[t] - w / 2, r.y + bar_h + 3, px, ink, labels[t]);
            }
        }
        if (font) {
            int ty = r.y + (bar_h - px) / 2 - 1;
            gfx_text(img, font, r.x, ty, px, ink, name);
        }
        if (zero_w >= 0) {
            int sx = bar_end + hi_w / 2 + 14;
            gfx_fill_rect(img, (gfx_rect){sx, r.y, swatch, swatch}, HEAT_STRUCTURAL_ZERO);
            gfx_rect_outline(img, (gfx_rect){sx - 1, r.y - 1, swatch + 2, swatch + 2}, frame);
            if (font) gfx_text(img, font, sx + swatch + 6, r.y + (swatch - px) / 2 - 1, px, ink,
                               zero_label);
        }
    } else {
        /* vertical: bar on the left (max at the top), labels to its right,
         * the grey swatch and its two-line label at the bottom */
        int px = r.w / 6;
        if (px > 15) px = 15;
        if (px < 9) px = 9;
        int bar_w = r.w / 4;
        if (bar_w > 22) bar_w = 22;
        if (bar_w < 4) bar_w = 4;
        int top = r.y + px; /* room for the name above the bar */
        int foot = bar_w + 2 * px + 10;
        int bar_h = r.h - (top - r.y) - foot - px / 2;
        if (bar_h < 16) {
            bar_h = r.h - (top - r.y) - px / 2;
            foot = 0;
        }
        if (bar_h < 2) return;
        int bar_x = r.x + 1;
        for (int y = 0; y < bar_h; y++) {
            float t = bar_h > 1 ? 1.0f - (float)y / (float)(bar_h - 1) : 0.0f;
            uint32_t c = scale == HEAT_SIGNED ? colormap_diverging(2.0f * t - 1.0f)
                                              : colormap_viridis(t);
            gfx_fill_rect(img, (gfx_rect){bar_x, top + y, bar_w, 1}, c);
        }
        gfx_rect_outline(img, (gfx_rect){bar_x - 1, top - 1, bar_w + 2, bar_h + 2}, frame);
        const char *labels[3] = {hi, mid, lo};
        int tick_y[3] = {top, top + (bar_h - 1) / 2, top + bar_h - 1};
        for (int t = 0; t < 3; t++) {
            gfx_fill_rect(img, (gfx_rect){bar_x + bar_w + 1, tick_y[t], 3, 1}, frame);
            if (font) {
                int ty = tick_y[t] - px / 2 - 1;
                if (ty < top - px / 2) ty = top - px / 2;
                gfx_text(img, font, bar_x + bar_w + 6, ty, px, ink, labels[t]);
            }
        }
        if (font) gfx_text(img, font, r.x, r.y - 2, px, ink, name);
        if (foot) {
            int sy = top + bar_h + px;
            gfx_fill_rect(img, (gfx_rect){bar_x, sy, bar_w, bar_w}, HEAT_STRUCTURAL_ZERO);
            gfx_rect_outline(img, (gfx_rect){bar_x - 1, sy - 1, bar_w + 2, bar_w + 2}, frame);
            if (font) {
                gfx_text(img, font, bar_x + bar_w + 6, sy - 2, px, ink, "structural");
                gfx_text(img, font, bar_x + bar_w + 6, sy + px - 1, px, ink, "zero");
            }
        }
    }
}

/* ---- axis labels ---- */

void heat_axes_room(const gfx_font *font, const heat_matrix *m, int px, int *left, int *top) {
    char text[16];
    int widest = m->rows > m->cols ? m->rows : m->cols;
    snprintf(text, sizeof text, "%d", widest > 0 ? widest - 1 : 0);
    *left = (font ? gfx_text_width(font, px, text) : 0) + 6;
    *top = px + 5;
}

/* The smallest of 1, 2, 5, 10, 20, 50, ... cells whose screen length is at
 * least min_px. */
static int label_step(double pixels_per_cell, int min_px) {
    for (int step = 1;; step *= 10) {
        if (step * pixels_per_cell >= min_px) return step;
        if (2 * step * pixels_per_cell >= min_px) return 2 * step;
        if (5 * step * pixels_per_cell >= min_px) return 5 * step;
        if (step > 100000000) return step;
    }
}

void heat_draw_axes(gfx_image *img, gfx_rect r, const gfx_font *font, const heat_matrix *m,
                    const heat_view *v, int px) {
    if (!font || !m->value || !(v->zoom > 0.0f) || r.w <= 0 || r.h <= 0) return;
    gfx_rect probe = {r.x - 2, r.y, 1, 1};
    uint32_t ink = text_color_over(img, probe);
    double zoom = v->zoom, row_zoom = row_zoom_of(v);
    char text[16];
    /* columns: centred above r, apart by the widest label plus a gap */
    int col_step = label_step(zoom, gfx_text_width(font, px, "0000") + 4);
    int first = (int)floor(v->origin_col);
    if (first < 0) first = 0;
    first = (first + col_step - 1) / col_step * col_step;
    for (int c = first; c < m->cols; c += col_step) {
        double x = r.x + (c + 0.5 - v->origin_col) * zoom;
        if (x < r.x || x >= r.x + r.w) continue;
        snprintf(text, sizeof text, "%d", c);
        int tw = gfx_text_width(font, px, text);
        gfx_text(img, font, (int)x - tw / 2, r.y - px - 4, px, ink, text);
    }
    int row_step = label_step(row_zoom, px + 3);
    first = (int)floor(v->origin_row);
    if (first < 0) first = 0;
    first = (first + row_step - 1) / row_step * row_step;
    for (int row = first; row < m->rows; row += row_step) {
        double y = r.y + (row + 0.5 - v->origin_row) * row_zoom;
        if (y < r.y || y >= r.y + r.h) continue;
        snprintf(text, sizeof text, "%d", row);
        int tw = gfx_text_width(font, px, text);
        gfx_text(img, font, r.x - tw - 5, (int)y - px / 2 - 1, px, ink, text);
    }
}
