/* Receptive fields: each hidden unit's input-weight vector (a row of the
 * first layer's effective W) reshaped to the side x side input image. */
#ifndef APP_RECEPTIVE_H
#define APP_RECEPTIVE_H

#include "../../nn/layer.h"
#include "gfx.h"
#include "heatmap.h"

/* Columns of the tile grid that make count tiles as large as possible in r. */
int receptive_grid_cols(int count, gfx_rect r);

/* Draws units first_unit .. first_unit+count-1 (clamped to first->out) of the
 * first layer (first->in must be side*side, otherwise nothing is drawn) as a
 * grid of tiles, each normalised to its own max |w|, structural zeros grey
 * (HEAT_STRUCTURAL_ZERO), thin gaps between tiles. parts: HEAT_PART_* mask. */
void receptive_draw(gfx_image *img, gfx_rect r, const nn_layer *first, int side, int first_unit,
                    int count, heat_scale scale, int parts);

#endif
