/* The teaching tab (draw_teach.c). */
#ifndef APP_DRAW_TEACH_H
#define APP_DRAW_TEACH_H

#include "draw_state.h"

void teach_tab_step_width(draw_app *a, int delta);
void teach_tab_step_ndyad(draw_app *a, int dir);
/* Step-through of y = W x: the next / previous output row, play, stop. */
void teach_tab_step_row(draw_app *a, int dir);
void teach_tab_set_playing(draw_app *a, int playing);
void teach_tab_stop(draw_app *a);
/* Advances a playing step-through when its time has come; ms until then (-1: not playing). */
void teach_tab_tick(draw_app *a);
int teach_tab_timeout_ms(const draw_app *a);
void teach_tab_update_hover(draw_app *a);
/* The hovered cell's element and index formulas; the step's inputs. */
void teach_tab_hover_text(const draw_app *a, char *text, size_t size);
void teach_tab_step_text(const draw_app *a, char *text, size_t size);
/* "This model": one block of the loaded DYAD model's weights instead. */
void teach_tab_toggle_model(draw_app *a);
/* blockdiag, DYAD, Monarch and sparse at DYAD's count for the same width and N */
void teach_tab_toggle_compare(draw_app *a);
void teach_tab_step_block(draw_app *a, int dir);
void layout_teach(draw_app *a, layout *L, gfx_rect in);
void draw_teach(draw_app *a);

#endif
