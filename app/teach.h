/* The teaching view: what a DYAD layer's weight looks like, independent of
 * any trained model. Draws BLOCK DIAG, BLOCK TRANS, their sum W and the
 * permuted (block-diagonal) form of a square width x width layer, cell by
 * cell, with the parameter/FLOP arithmetic and the variant's index map. */
#ifndef APP_TEACH_H
#define APP_TEACH_H

#include "../nn/error.h"
#include "../nn/layer.h"
#include "gfx.h"

typedef struct {
    int width;       /* 8..64 */
    int ndyad;       /* divides width (1 is allowed but shows nothing sparse) */
    nn_layer_kind kind; /* not NN_LAYER_DENSE */
    int show;        /* panels to draw, a mask of TEACH_SHOW_*; 0 = all four (lets the
                        window build the picture step by step) */
} teach_config;

enum {
    TEACH_SHOW_DIAG = 1,     /* 1. BLOCK DIAG */
    TEACH_SHOW_TRANS = 2,    /* 2. BLOCK TRANS */
    TEACH_SHOW_SUM = 4,      /* 3. W = DIAG + TRANS */
    TEACH_SHOW_PERMUTED = 8, /* 4. W with the shuffled axis reordered */
};

/* Checks c (width range, ndyad divides width, kind). */
nn_status teach_check(const teach_config *c, nn_error *err);

/* Smallest rect the view is readable in. */
#define TEACH_MIN_W 640
#define TEACH_MIN_H 360

/* Fills r white and draws the view into it; fails (NN_ERR_ARG) for a bad
 * config or a rect smaller than TEACH_MIN_W x TEACH_MIN_H. */
nn_status teach_draw(gfx_image *img, gfx_rect r, const gfx_font *font, const teach_config *c,
                     nn_error *err);

#endif
