/* The SDL2 window of `dyad draw`: it translates SDL events into draw_app
 * events (mapping window coordinates to frame-buffer pixels on HiDPI
 * screens) and uploads the app's finished frame as a streaming texture.
 * Everything drawn comes from draw_app; SDL is used only here and in
 * cmd_draw.c. Works with the software renderer (SDL_VIDEODRIVER=dummy). */
#ifndef APP_WINDOW_H
#define APP_WINDOW_H

#include "../../nn/error.h"
#include "draw_app.h"
#include "../render/gfx.h"

typedef struct window window;

/* Opens a resizable, HiDPI-aware window of about w x h points (shrunk to
 * fit the screen). Fails with a clear message when there is no display. */
nn_status window_open(window **win, const char *title, int w, int h, nn_error *err);
void window_close(window *win);

/* Drawable size in pixels and pixels per window point (HiDPI ratio). */
void window_buffer_size(window *win, int *w, int *h, float *ratio);

/* Shows frame (uploaded to the texture, which follows its size). */
nn_status window_present(window *win, const gfx_image *frame, nn_error *err);

/* Handles pending window events without feeding the app (for script
 * replay in a window); returns 1 if the user asked to close it. */
int window_pump(window *win);
void window_sleep(window *win, int ms);

/* The interactive loop: waits for events (no CPU while idle), feeds the
 * app, redraws only when something changed. Returns when the window is
 * closed or the app asks to quit. */
nn_status window_run(window *win, draw_app *app, nn_error *err);

#endif
