/* The teaching tab (draw_teach.c). */
#ifndef APP_DRAW_TEACH_H
#define APP_DRAW_TEACH_H

#include "draw_state.h"

void teach_tab_step_width(draw_app *a, int delta);
void teach_tab_step_ndyad(draw_app *a, int dir);
void layout_teach(draw_app *a, layout *L, gfx_rect in);
void draw_teach(draw_app *a);

#endif
