/* The Training tab (draw_train.c): start, pause, resume, reset the
 * background trainer, draw its curves and the nets' receptive fields as
 * they learn, and use the trained nets as the window's models. */
#ifndef APP_DRAW_TRAIN_H
#define APP_DRAW_TRAIN_H

#include "draw_state.h"

void train_tab_run(draw_app *a);   /* start, or pause / resume */
void train_tab_reset(draw_app *a); /* stop (never waits) and forget */
void train_tab_use(draw_app *a);   /* the trained nets become models 1 and 2 */
void train_tab_step_ndyad(draw_app *a, int dir);
/* Polls the trainer (cheap); ms until the next poll, -1 when idle. */
void train_tab_tick(draw_app *a);
int train_tab_timeout_ms(const draw_app *a);
/* Joins every trainer (at exit). */
void train_tab_free(draw_app *a);
void layout_train(draw_app *a, layout *L, gfx_rect in);
void draw_train(draw_app *a);

#endif
