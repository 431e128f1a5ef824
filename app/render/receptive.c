/* Receptive fields of the first layer: row u of the effective W, reshaped to
 * the side x side input image, one tile per hidden unit. */
#include "receptive.h"

#include <math.h>
#include <stdlib.h>

/* Gap between tiles in pixels: thin, but visible on any background. */
static int tile_gap(int tile) { return tile >= 40 ? 3 : tile >= 12 ? 2 : 1; }

/* Largest square tile side for count tiles in cols columns inside r. */
static int tile_side(int count, int cols, gfx_rect r) {
    int rows = (count + cols - 1) / cols;
    int best = 0;
    /* the gap depends on the tile size, so try both gap widths that could apply */
    for (int gap = 1; gap <= 3; gap++) {
        int tw = (r.w - gap * (cols - 1)) / cols, th = (r.h - gap * (rows - 1)) / rows;
        int t = tw < th ? tw : th;
        if (t > 0 && tile_gap(t) <= gap && t > best) best = t;
    }
    return best;
}

int receptive_grid_cols(int count, gfx_rect r) {
    if (count <= 0) return 1;
    int best_cols = 1, best_tile = -1;
    for (int cols = 1; cols <= count; cols++) {
        int t = tile_side(count, cols, r);
        if (t > best_tile) {
            best_tile = t;
            best_cols = cols;
        }
    }
    return best_cols;
}

void receptive_draw(gfx_image *img, gfx_rect r, const nn_layer *first, int side, int first_unit,
                    int count, heat_scale scale, int parts) {
    if (side <= 0 || first->in != side * side || r.w <= 0 || r.h <= 0) return;
    if (first_unit < 0) first_unit = 0;
    if (first_unit >= first->out) return;
    if (count > first->out - first_unit) count = first->out - first_unit;
    if (count <= 0) return;
    int cols = receptive_grid_cols(count, r), rows = (count + cols - 1) / cols;
    int tile = tile_side(count, cols, r);
    if (tile <= 0) return;
    int gap = tile_gap(tile);
    /* centre the grid in r */
    int grid_w = cols * tile + (cols - 1) * gap, grid_h = rows * tile + (rows - 1) * gap;
    int gx = r.x + (r.w - grid_w) / 2, gy = r.y + (r.h - grid_h) / 2;
    float *value = malloc(sizeof(float) * (size_t)first->in);
    unsigned char *part = malloc((size_t)first->in);
    if (!value || !part) {
        free(value);
        free(part);
        return;
    }
    for (int u = 0; u < count; u++) {
        heat_layer_row(first, first_unit + u, parts, value, part);
        float max_abs = 0.0f;
        for (int e = 0; e < first->in; e++)
            if (part[e] && fabsf(value[e]) > max_abs) max_abs = fabsf(value[e]);
        if (!(max_abs > 0.0f)) max_abs = 1.0f;
        int tx = gx + (u % cols) * (tile + gap), ty = gy + (u / cols) * (tile + gap);
        for (int py = 0; py < tile; py++) {
            int y = ty + py;
            if (y < 0 || y >= img->h) continue;
            int iy = py * side / tile; /* nearest-neighbour: every pixel one input */
            for (int px = 0; px < tile; px++) {
                int x = tx + px;
                if (x < 0 || x >= img->w) continue;
                int e = iy * side + px * side / tile;
                img->px[(size_t)y * img->w + x] =
                    part[e] ? heat_color(value[e], scale, max_abs) : HEAT_STRUCTURAL_ZERO;
            }
        }
    }
    free(value);
    free(part);
}
