/* The teaching comparison: for one width and one N, the structure of W for
 * BLOCK DIAG alone, DYAD, Monarch and a random mask at DYAD's count, side by
 * side, cell by cell, with each one's weights and reach. The patterns are what
 * nn/ reports (nn_layer_weight_part on real layers), not drawings. */
#ifndef APP_TEACH_COMPARE_H
#define APP_TEACH_COMPARE_H

#include "../../nn/error.h"
#include "../../nn/layer.h"
#include "gfx.h"

#define TEACH_COMPARE_PANELS 4

/* The layers shown, in panel order: blockdiag/N, the DYAD kind /N, monarch/N,
 * sparse at DYAD's density 2/N (at most 1). */
typedef struct {
    int width, ndyad;     /* width 8..64, ndyad dividing it */
    nn_layer_kind dyad_kind; /* dyad-it, dyad-ot or dyad-dt */
} teach_compare_config;

nn_status teach_compare_check(const teach_compare_config *c, nn_error *err);

/* Where cell (row, col) of panel p lies in r: drawing and tests share it. */
gfx_rect teach_compare_cell(gfx_rect r, const teach_compare_config *c, int p, int row, int col);

/* Fills r white and draws the four panels and the explanation. */
nn_status teach_compare_draw(gfx_image *img, gfx_rect r, const gfx_font *font,
                             const teach_compare_config *c, nn_error *err);

/* Colours: BLOCK DIAG, BLOCK TRANS, Monarch, sparse (Okabe-Ito), zero. */
#define TEACH_COMPARE_DIAG GFX_RGB(0x00, 0x72, 0xB2)
#define TEACH_COMPARE_TRANS GFX_RGB(0xE6, 0x9F, 0x00)
#define TEACH_COMPARE_MONARCH GFX_RGB(0x00, 0x9E, 0x73)
#define TEACH_COMPARE_SPARSE GFX_RGB(0xCC, 0x79, 0xA7)
#define TEACH_COMPARE_ZERO GFX_RGB(0xEC, 0xEC, 0xEC)

#endif
