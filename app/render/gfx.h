/* A tiny software 2-D toolkit: everything the window and the PNG writers
 * draw goes into our own ARGB8888 pixel buffer, so pictures are identical
 * with or without a display (SDL only uploads the finished buffer). */
#ifndef APP_GFX_H
#define APP_GFX_H

#include <stdint.h>

#include "../../nn/error.h"

typedef struct {
    int w, h;
    uint32_t *px; /* 0xAARRGGBB, row-major, w*h */
} gfx_image;

typedef struct {
    int x, y, w, h;
} gfx_rect;

#define GFX_RGB(r, g, b) (0xFF000000u | ((uint32_t)(r) << 16) | ((uint32_t)(g) << 8) | (uint32_t)(b))

nn_status gfx_image_create(gfx_image *img, int w, int h, nn_error *err);
void gfx_image_free(gfx_image *img);

void gfx_fill(gfx_image *img, uint32_t color);
void gfx_fill_rect(gfx_image *img, gfx_rect r, uint32_t color); /* clipped */
void gfx_rect_outline(gfx_image *img, gfx_rect r, uint32_t color);
void gfx_line(gfx_image *img, int x0, int y0, int x1, int y1, uint32_t color);

/* Text with a TrueType font (stb_truetype); a font is loaded once. */
typedef struct gfx_font gfx_font;
/* Loads path, or when path is NULL the first of the usual DejaVu Sans paths. */
nn_status gfx_font_load(gfx_font **font, const char *path, nn_error *err);
void gfx_font_free(gfx_font *font);
/* Draws utf8 (ASCII is enough) with its top-left at (x, y), pixel height px;
 * returns the width drawn. */
int gfx_text(gfx_image *img, const gfx_font *font, int x, int y, int px, uint32_t color,
             const char *text);
int gfx_text_width(const gfx_font *font, int px, const char *text);

/* Writes a PNG atomically (temporary file, rename). */
nn_status gfx_save_png(const gfx_image *img, const char *path, nn_error *err);

#endif
