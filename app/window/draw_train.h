/* The Training tab (draw_train.c): start, pause, resume, reset the
 * background trainer, draw its curves and the nets' receptive fields or W
 * heatmaps as they learn, and use the trained nets as the window's models. */
#ifndef APP_DRAW_TRAIN_H
#define APP_DRAW_TRAIN_H

#include "draw_state.h"

void train_tab_run(draw_app *a);   /* start, or pause / resume */
void train_tab_reset(draw_app *a); /* stop (never waits) and forget */
void train_tab_use(draw_app *a);   /* the trained nets become models 1 and 2 */
void train_tab_step_ndyad(draw_app *a, int dir);
/* The lower row: receptive fields or each net's W heatmap of one layer. */
void train_tab_toggle_heat(draw_app *a);
void train_tab_step_layer(draw_app *a, int dir); /* the heatmaps' layer, 1..3 */
/* ,"training":{...} for the status JSON: what the lower row shows, the
 * layer, the parameters' version and each heatmap's sum of |w| (0: none). */
int train_tab_status_json(draw_app *a, char *buf, size_t size);
/* Polls the trainer (cheap); ms until the next poll, -1 when idle. */
void train_tab_tick(draw_app *a);
int train_tab_timeout_ms(const draw_app *a);
/* Joins every trainer (at exit). */
void train_tab_free(draw_app *a);
void layout_train(draw_app *a, layout *L, gfx_rect in);
void draw_train(draw_app *a);

#endif
