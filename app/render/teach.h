/* The teaching view: what a DYAD layer's weight looks like, independent of
 * any trained model. Draws BLOCK DIAG, BLOCK TRANS, their sum W and the
 * permuted (block-diagonal) form of a square width x width layer, cell by
 * cell, with the parameter/FLOP arithmetic and the variant's index map. */
#ifndef APP_TEACH_H
#define APP_TEACH_H

#include <stddef.h>

#include "../../nn/error.h"
#include "../../nn/layer.h"
#include "gfx.h"

typedef struct {
    int width;       /* 8..64 */
    int ndyad;       /* divides width (1 is allowed but shows nothing sparse) */
    nn_layer_kind kind; /* not NN_LAYER_DENSE */
    int show;        /* panels to draw, a mask of TEACH_SHOW_*; 0 = all (lets the
                        window build the picture step by step) */
} teach_config;

enum {
    TEACH_SHOW_DIAG = 1,     /* 1. BLOCK DIAG */
    TEACH_SHOW_TRANS = 2,    /* 2. BLOCK TRANS */
    TEACH_SHOW_SUM = 4,      /* 3. W = DIAG + TRANS */
    TEACH_SHOW_PERMUTED = 8, /* 4. W with the shuffled axis reordered */
    TEACH_SHOW_DENSE = 16,   /* 5. a dense W of the same size */
};

/* Where teach_draw_ex put each panel's matrix, for pointing at cells. */
typedef struct {
    gfx_rect matrix[5];
    int cell, width;
    int row_index[5][64], col_index[5][64]; /* W's index at each shown row / column */
} teach_geometry;

/* Checks c (width range, ndyad divides width, kind). */
nn_status teach_check(const teach_config *c, nn_error *err);

/* The explanation's nonzero line for a w x w layer with n blocks whose W
 * has `nonzero` entries: the (2n-1)/n^2 formula when the count matches it,
 * else the count and why the formula does not hold. */
void teach_nonzero_text(int w, int n, size_t nonzero, char *buf, size_t size);
/* The line that defines a, b, k, j, i of the index formulas. */
void teach_block_text(const teach_config *c, char *buf, size_t size);

/* Smallest rect the view is readable in. */
#define TEACH_MIN_W 640
#define TEACH_MIN_H 360

/* Fills r white and draws the view into it; fails (NN_ERR_ARG) for a bad
 * config or a rect smaller than TEACH_MIN_W x TEACH_MIN_H. */
nn_status teach_draw(gfx_image *img, gfx_rect r, const gfx_font *font, const teach_config *c,
                     nn_error *err);
/* The same with a step-through of y = W x at output row step_row (-1: none:
 * the other rows fade), reporting where the panels went (geo may be NULL). */
nn_status teach_draw_ex(gfx_image *img, gfx_rect r, const gfx_font *font, const teach_config *c,
                        int step_row, teach_geometry *geo, nn_error *err);
/* The panel (0..4) and W's row and column under (x, y); 0 when none. */
int teach_pick(const teach_geometry *geo, int x, int y, int *panel_index, int *row, int *col);

#endif
