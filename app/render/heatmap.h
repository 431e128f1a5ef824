/* A layer's effective weight W (out x in) as a zoomable, pannable heatmap
 * drawn into a gfx_image. The matrix is built once per layer/part/permuted
 * choice (heat_matrix_build); drawing, picking and zooming are cheap. */
#ifndef APP_HEATMAP_H
#define APP_HEATMAP_H

#include <stdint.h>

#include "../../nn/error.h"
#include "../../nn/layer.h"
#include "gfx.h"

typedef enum { HEAT_SIGNED = 0, HEAT_ABS } heat_scale; /* diverging map / viridis of |w| */
enum { HEAT_PART_DIAG = 1, HEAT_PART_TRANS = 2, HEAT_PART_BOTH = 3 };

/* Neutral grey of structural zeros: darker than the diverging map's white and
 * lighter than viridis' dark end, so the sparsity pattern shows in both. */
#define HEAT_STRUCTURAL_ZERO GFX_RGB(0x9A, 0x9A, 0x9A)

/* Largest matrix heat_matrix_build makes (8192 x 8192 entries, ~576 MB with
 * the quantile's copy); a larger layer is refused with a message. */
#define HEAT_MAX_CELLS (1 << 26)

typedef struct {
    int rows, cols;        /* out x in */
    float *value;          /* rows*cols, the shown matrix */
    unsigned char *part;   /* rows*cols: 0 structural zero, 1 diag, 2 trans, 3 both (dense: 1) */
    float max_abs;         /* over shown entries */
    nn_layer_kind kind;
    int ndyad;
    /* Only from heat_matrix_build_w (NULL otherwise): */
    unsigned char *hidden; /* rows*cols: parts of W that reach the entry but are not shown */
    float *w_value;        /* rows*cols: W's own value (every part) */
    int *orig_row, *orig_col; /* W's row / column shown at each row / column (permuted) */
} heat_matrix;

typedef struct {
    heat_scale scale;
    int parts;             /* HEAT_PART_* mask: which DYAD parts contribute */
    int permuted;          /* BLOCK TRANS drawn in its block-diagonal form wu[k] at block (k,k) */
    float zoom;            /* screen pixels per matrix cell; < 1 => each pixel shows the max-|w| of the cells under it */
    float origin_row, origin_col; /* matrix coordinates at the rect's top-left (pan) */
    float range;           /* |w| mapped to full colour; <= 0 => m->max_abs */
    float row_zoom;        /* screen pixels per matrix row when rows are stretched (a 10 x 1024
                              output layer); <= 0 => zoom, square cells */
} heat_view;

/* Builds the shown matrix of l. parts (HEAT_PART_*) selects which DYAD parts
 * contribute; an entry no selected part reaches is a structural zero (part 0).
 * permuted: BLOCK TRANS element wu[k][j][i] is shown at (k*b+j, k*a+i), i.e.
 * W' = BD(wl) + BD(wu), the block-diagonal form before the index shuffle
 * (the diag part is unchanged). Dense layers ignore parts and permuted.
 * On failure m is left empty (safe to free). */
nn_status heat_matrix_build(heat_matrix *m, const nn_layer *l, int parts, int permuted,
                            nn_error *err);
void heat_matrix_free(heat_matrix *m);

/* True for kinds with DYAD's two parts (BLOCK DIAG, BLOCK TRANS), which parts
 * and permuted apply to. The others (dense, blockdiag, monarch, lowrank,
 * sparse) show W as nn/ materialises it (nn_layer_dense_weight), part 1 wherever
 * a parameter feeds W (nn_layer_weight_part) and 0 at structural zeros. */
int heat_layer_has_parts(const nn_layer *l);
/* The weight as the window shows it: W itself, with the parts not in
 * `parts` hidden (hidden[] names them; drawn hatched, not as structural
 * zeros). permuted: W with its inputs (IT), outputs (OT) or both (DT)
 * reordered by the stride permutation, so BLOCK TRANS is block-diagonal and
 * BLOCK DIAG strided; orig_row/orig_col name the original indices and the
 * nonzero count is W's. Dense layers ignore parts and permuted. */
nn_status heat_matrix_build_w(heat_matrix *m, const nn_layer *l, int parts, int permuted,
                              nn_error *err);

/* Fractions of the matrix's entries: shown nonzero (some shown part reaches
 * it) and W's nonzero (any part reaches it, shown or hidden). */
void heat_matrix_nonzero(const heat_matrix *m, double *shown, double *w);

/* One row of the shown (non-permuted) matrix without building all of it:
 * value and part get l->in entries. Used for receptive fields. */
void heat_layer_row(const nn_layer *l, int row, int parts, float *value, unsigned char *part);

/* The q-quantile (0..1) of |w| over the entries some part reaches: a colour
 * range that a few outliers cannot wash out (q = 0.99 in `dyad heatmap`).
 * 0 for an empty matrix. */
float heat_matrix_abs_quantile(const heat_matrix *m, float q);

/* Zoom to fit the whole matrix into r (square cells: row_zoom 0; whole
 * pixels per cell when at least one fits), origin 0. */
void heat_view_fit(heat_view *v, const heat_matrix *m, gfx_rect r);

/* Draws m into r (clipped to r) under view v. Structural zeros are
 * HEAT_STRUCTURAL_ZERO, distinct from 0-valued white, so the sparsity pattern
 * is visible in both scales. Outside the matrix: background left untouched. */
void heat_draw(gfx_image *img, gfx_rect r, const heat_matrix *m, const heat_view *v);

/* A hidden part's entries (a part switched off in the view): dark slate,
 * far from the structural zeros' light grey and from every weight colour. */
#define HEAT_HIDDEN GFX_RGB(0x38, 0x3E, 0x4A)

/* An outline around cell (row, col) under view v (the hovered weight). */
void heat_draw_cell_outline(gfx_image *img, gfx_rect r, const heat_matrix *m,
                            const heat_view *v, int row, int col, uint32_t color);

/* Colour bar with min/0/max labels and a grey "structural zero" swatch. */
void heat_draw_legend(gfx_image *img, gfx_rect r, const gfx_font *font, heat_scale scale,
                      float range);

/* Index labels of the visible rows (left of r) and columns (above r) at
 * their cell centres, every 1, 2, 5, 10, 20, ... cells so they stay apart;
 * text px high, dark or light to suit the background left of r. */
void heat_draw_axes(gfx_image *img, gfx_rect r, const gfx_font *font, const heat_matrix *m,
                    const heat_view *v, int px);
/* The room heat_draw_axes needs left of and above r. */
void heat_axes_room(const gfx_font *font, const heat_matrix *m, int px, int *left, int *top);

/* Colour of one weight value under a scale and range (range > 0). */
uint32_t heat_color(float value, heat_scale scale, float range);

/* Screen (x,y) -> matrix cell. Returns 0 if (x,y) is outside r or the matrix;
 * otherwise fills the non-NULL outputs. */
int heat_pick(const heat_matrix *m, const heat_view *v, gfx_rect r, int x, int y, int *row,
              int *col, float *value, int *part);

/* Like heat_pick, but gives the flat index of the cell shown at (x, y). */
int heat_pick_index(const heat_matrix *m, const heat_view *v, gfx_rect r, int x, int y,
                    size_t *index);

/* "structural zero", "BLOCK DIAG", "BLOCK TRANS", "both" for parts 0..3 and
 * "dense" for HEAT_PART_DENSE. A dense layer's entries have part 1: callers
 * naming them pass HEAT_PART_DENSE when m->kind is NN_LAYER_DENSE. */
#define HEAT_PART_DENSE 4
const char *heat_part_name(int part);

/* Multiplies the zoom (and row_zoom, if set) by factor, keeping the matrix
 * point under (x,y) fixed. */
void heat_zoom_at(heat_view *v, gfx_rect r, int x, int y, float factor);

#endif
