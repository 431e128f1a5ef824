/* Painting helpers and widgets of the draw window (draw_gfx.c); calls only draw_state. */
#ifndef APP_DRAW_GFX_H
#define APP_DRAW_GFX_H

#include "draw_state.h"

void draw_fill_round(gfx_image *img, gfx_rect r, int rad, uint32_t color);
void draw_darken(gfx_image *img, gfx_rect r, unsigned keep);
int draw_text_fit(gfx_image *img, const gfx_font *f, int x, int y, int px, uint32_t c,
                  const char *s, int maxw);
int draw_text_wrap(gfx_image *img, const gfx_font *f, gfx_rect r, int px, int line_h,
                   uint32_t c, const char *s, int max_lines);
/* How many lines draw_text_wrap needs for s in width w (huge if a word does not fit). */
int draw_text_lines(const gfx_font *f, int w, int px, const char *s);
void draw_text_center(gfx_image *img, const gfx_font *f, gfx_rect r, int px, uint32_t c,
                      const char *s);
void draw_blit_gray(gfx_image *img, gfx_rect dst, const uint8_t *gray, int gw, int gh,
                    int smooth, uint32_t paper, uint32_t ink);
/* Layout: add a clickable widget (returns NULL when the row is full). */
widget *layout_add_widget(layout *L, gfx_rect r, action act, int arg, int on, widget_style style,
                          const char *label);
widget *layout_row_button(draw_app *a, int *x, gfx_rect row, action act, int arg, int on,
                          const char *label);
void draw_widgets_in(draw_app *a, gfx_rect area);

#endif
