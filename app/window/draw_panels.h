/* The fixed panels (draw_panels.c): header tabs, canvas, predictions, status bar. */
#ifndef APP_DRAW_PANELS_H
#define APP_DRAW_PANELS_H

#include "draw_state.h"

void layout_header(draw_app *a, layout *L);
void layout_left(draw_app *a, layout *L);
void draw_header(draw_app *a);
void draw_status(draw_app *a);
void draw_left(draw_app *a);
void draw_prediction(draw_app *a, int slot);

#endif
