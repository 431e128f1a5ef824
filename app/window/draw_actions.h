/* State changes shared by keys and widgets (draw_actions.c). */
#ifndef APP_DRAW_ACTIONS_H
#define APP_DRAW_ACTIONS_H

#include "draw_state.h"

void view_set(draw_app *a, draw_view v);
void weights_set_layer(draw_app *a, int layer);
void weights_set_parts(draw_app *a, int parts);
void weights_toggle_permuted(draw_app *a);
void weights_toggle_scale(draw_app *a);
void weights_zoom_at(draw_app *a, gfx_rect r, int x, int y, float factor);
void weights_zoom_centre(draw_app *a, float factor);
void weights_pan_by(draw_app *a, float drow, float dcol);
void weights_fit(draw_app *a);
void receptive_page(draw_app *a, int dir);
void teach_tab_set_kind(draw_app *a, int kind);
void help_set(draw_app *a, int shown);
/* Runs a widget's action. */
void action_run(draw_app *a, action act, int arg);

#endif
