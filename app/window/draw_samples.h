/* The MNIST samples tab (draw_samples.c). */
#ifndef APP_DRAW_SAMPLES_H
#define APP_DRAW_SAMPLES_H

#include "draw_state.h"

/* Shows the listed sample at the current position on the canvas. */
void samples_show_current(draw_app *a);
/* Loads the test split once; 0 when there is none (the tab says why). */
int samples_load(draw_app *a);
void samples_step(draw_app *a, int delta);
void samples_toggle_miss_only(draw_app *a);
/* Lists all test digits, or those a model gets wrong (samples_filter). */
void samples_set_filter(draw_app *a, int filter);
void layout_samples(draw_app *a, layout *L, gfx_rect in);
/* What the tab says about its data: the count, or why there is none. */
void samples_note(const draw_app *a, char *text, size_t size);
/* The models were replaced: their answers on the test set again. */
void samples_models_changed(draw_app *a);
void draw_samples(draw_app *a);

#endif
