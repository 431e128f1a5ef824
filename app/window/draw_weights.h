/* The Weights and Receptive fields tabs (draw_weights.c). */
#ifndef APP_DRAW_WEIGHTS_H
#define APP_DRAW_WEIGHTS_H

#include "draw_state.h"

/* Rebuilds the heatmap matrices when the layer or parts changed. */
void weights_update_heat(draw_app *a);
void weights_heat_dims(const draw_app *a, int *rows, int *cols);
void layout_weights(draw_app *a, layout *L, gfx_rect in);
void layout_receptive(draw_app *a, layout *L, gfx_rect in);
/* The text for the weight under the pointer. */
void weights_hover_text(const draw_app *a, char *text, size_t size);
void draw_info_line(draw_app *a);
/* The caption beside a slot's title: size, nonzero share (shown and W's), permutation. */
void weights_caption_text(const draw_app *a, int slot, char *text, size_t size);
/* The row / column where a slot's view shows the hovered W entry; -1 none. */
int weights_shown_row(const draw_app *a, int slot);
int weights_shown_col(const draw_app *a, int slot);
void draw_weights(draw_app *a);
void draw_receptive(draw_app *a);

#endif
