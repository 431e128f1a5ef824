/* The Why tab (draw_why.c): for each model's top class, gradient x input
 * over the 28x28 the network sees, side by side, and whether they agree. */
#ifndef APP_DRAW_WHY_H
#define APP_DRAW_WHY_H

#include "draw_state.h"

/* Recomputes the saliency maps when the input changed. */
void why_update(draw_app *a);
void layout_why(draw_app *a, layout *L, gfx_rect in);
void draw_why(draw_app *a);

#endif
