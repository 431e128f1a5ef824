/* The hidden layers' activations under each model's prediction
 * (draw_activations.c): units grouped by block, lit as the user draws;
 * pointing at a unit shows its receptive field. */
#ifndef APP_DRAW_ACTIVATIONS_H
#define APP_DRAW_ACTIVATIONS_H

#include "draw_state.h"

/* Splits each prediction panel into its body and the activation strips. */
void layout_activations(draw_app *a, layout *L);
/* The unit at frame pixel (x, y); 0 when none. */
int activations_unit_at(const draw_app *a, int x, int y, int *slot, int *layer, int *unit);
/* Follows the pointer: the hovered unit and its receptive field (its input
 * weights in the first layer, else its input gradient for this drawing). */
void activations_update_hover(draw_app *a);
void draw_activations(draw_app *a, int slot);
/* The hovered unit's receptive field as a floating box near the pointer. */
void draw_activation_tooltip(draw_app *a);

#endif
