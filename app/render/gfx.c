/* The software 2-D toolkit of gfx.h: ARGB8888 buffer, clipped primitives,
 * stb_truetype text, atomic PNG output. No global state: a font owns its
 * file bytes and its stbtt_fontinfo. */
#include "gfx.h"

#include "../../nn/atomic_file.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stb_image_write.h>
#include <stb_truetype.h>

/* Large enough for any window or poster we draw, small enough that w*h*4
 * cannot overflow an int-sized index. */
#define GFX_MAX_SIDE 16384

nn_status gfx_image_create(gfx_image *img, int w, int h, nn_error *err) {
    img->w = img->h = 0;
    img->px = NULL;
    if (w <= 0 || h <= 0 || w > GFX_MAX_SIDE || h > GFX_MAX_SIDE)
        return nn_fail(err, NN_ERR_ARG, "image size %dx%d out of range (1..%d per side)", w, h,
                       GFX_MAX_SIDE);
    img->px = calloc((size_t)w * h, sizeof *img->px);
    if (!img->px) return nn_fail(err, NN_ERR_NOMEM, "out of memory for a %dx%d image", w, h);
    img->w = w;
    img->h = h;
    return NN_OK;
}

void gfx_image_free(gfx_image *img) {
    if (!img) return;
    free(img->px);
    img->px = NULL;
    img->w = img->h = 0;
}

void gfx_fill(gfx_image *img, uint32_t color) {
    size_t n = (size_t)img->w * img->h;
    for (size_t i = 0; i < n; i++) img->px[i] = color;
}

void gfx_fill_rect(gfx_image *img, gfx_rect r, uint32_t color) {
    int x0 = r.x < 0 ? 0 : r.x, y0 = r.y < 0 ? 0 : r.y;
    /* compute ends in long long so huge rects cannot overflow */
    long long xe = (long long)r.x + r.w, ye = (long long)r.y + r.h;
    int x1 = xe > img->w ? img->w : (int)xe, y1 = ye > img->h ? img->h : (int)ye;
    for (int y = y0; y < y1; y++) {
        uint32_t *row = img->px + (size_t)y * img->w;
        for (int x = x0; x < x1; x++) row[x] = color;
    }
}

void gfx_rect_outline(gfx_image *img, gfx_rect r, uint32_t color) {
    if (r.w <= 0 || r.h <= 0) return;
    gfx_fill_rect(img, (gfx_rect){r.x, r.y, r.w, 1}, color);
    gfx_fill_rect(img, (gfx_rect){r.x, r.y + r.h - 1, r.w, 1}, color);
    gfx_fill_rect(img, (gfx_rect){r.x, r.y, 1, r.h}, color);
    gfx_fill_rect(img, (gfx_rect){r.x + r.w - 1, r.y, 1, r.h}, color);
}

static void put_pixel(gfx_image *img, int x, int y, uint32_t color) {
    if (x < 0 || y < 0 || x >= img->w || y >= img->h) return;
    img->px[(size_t)y * img->w + x] = color;
}

void gfx_line(gfx_image *img, int x0, int y0, int x1, int y1, uint32_t color) {
    /* Bresenham with the error term covering all octants */
    long long dx = llabs((long long)x1 - x0), dy = -llabs((long long)y1 - y0);
    int sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
    long long e = dx + dy;
    for (;;) {
        put_pixel(img, x0, y0, color);
        if (x0 == x1 && y0 == y1) break;
        long long e2 = 2 * e;
        if (e2 >= dy) {
            e += dy;
            x0 += sx;
        }
        if (e2 <= dx) {
            e += dx;
            y0 += sy;
        }
    }
}

/* ---- text ---- */

struct gfx_font {
    unsigned char *data; /* the .ttf bytes; stbtt_fontinfo points into them */
    stbtt_fontinfo info;
};

static const char *const default_font_paths[] = {
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/local/share/fonts/DejaVuSans.ttf",
};

static nn_status read_whole_file(const char *path, unsigned char **data, size_t *size,
                                 nn_error *err) {
    FILE *f = fopen(path, "rb");
    if (!f) return nn_fail(err, NN_ERR_IO, "%s: cannot open font: %s", path, strerror(errno));
    unsigned char *buf = NULL;
    size_t used = 0, cap = 0;
    for (;;) {
        if (used == cap) {
            size_t ncap = cap ? cap * 2 : 1 << 20;
            unsigned char *nbuf = realloc(buf, ncap);
            if (!nbuf) {
                free(buf);
                fclose(f);
                return nn_fail(err, NN_ERR_NOMEM, "%s: out of memory reading font", path);
            }
            buf = nbuf;
            cap = ncap;
        }
        size_t n = fread(buf + used, 1, cap - used, f);
        used += n;
        if (n == 0) break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return nn_fail(err, NN_ERR_IO, "%s: read error", path);
    }
    *data = buf;
    *size = used;
    return NN_OK;
}

nn_status gfx_font_load(gfx_font **font, const char *path, nn_error *err) {
    *font = NULL;
    if (!path) {
        for (size_t i = 0; i < sizeof default_font_paths / sizeof *default_font_paths; i++)
            if (access(default_font_paths[i], R_OK) == 0) {
                path = default_font_paths[i];
                break;
            }
        if (!path)
            return nn_fail(err, NN_ERR_IO,
                           "no DejaVu Sans font found (tried %s and %zu other paths); "
                           "install fonts-dejavu-core",
                           default_font_paths[0],
                           sizeof default_font_paths / sizeof *default_font_paths - 1);
    }
    gfx_font *f = calloc(1, sizeof *f);
    if (!f) return nn_fail(err, NN_ERR_NOMEM, "%s: out of memory for the font", path);
    size_t size = 0;
    nn_status st = read_whole_file(path, &f->data, &size, err);
    if (st != NN_OK) {
        free(f);
        return st;
    }
    int offset = size >= 4 ? stbtt_GetFontOffsetForIndex(f->data, 0) : -1;
    if (offset < 0 || !stbtt_InitFont(&f->info, f->data, offset)) {
        gfx_font_free(f);
        return nn_fail(err, NN_ERR_FORMAT, "%s: not a TrueType font", path);
    }
    *font = f;
    return NN_OK;
}

void gfx_font_free(gfx_font *font) {
    if (!font) return;
    free(font->data);
    free(font);
}

/* Decodes one UTF-8 code point at *s and advances; malformed bytes give '?'. */
static int next_codepoint(const char **s) {
    const unsigned char *p = (const unsigned char *)*s;
    int c = p[0], need = 0, cp;
    if (c < 0x80) {
        *s += 1;
        return c;
    }
    if ((c & 0xE0) == 0xC0) need = 1, cp = c & 0x1F;
    else if ((c & 0xF0) == 0xE0) need = 2, cp = c & 0x0F;
    else if ((c & 0xF8) == 0xF0) need = 3, cp = c & 0x07;
    else {
        *s += 1;
        return '?';
    }
    for (int i = 1; i <= need; i++) {
        if ((p[i] & 0xC0) != 0x80) {
            *s += i;
            return '?';
        }
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    *s += need + 1;
    return cp;
}

/* Blends color over the pixel with coverage (0..255) times color's alpha. */
static void blend_pixel(uint32_t *dst, uint32_t color, int coverage) {
    unsigned a = (unsigned)coverage * (color >> 24) / 255u;
    if (a == 0) return;
    uint32_t d = *dst, out = 0;
    for (int shift = 0; shift <= 24; shift += 8) {
        unsigned s = shift == 24 ? 255u : (color >> shift) & 0xFF;
        unsigned t = (d >> shift) & 0xFF;
        unsigned v = (s * a + t * (255u - a) + 127u) / 255u;
        out |= (uint32_t)v << shift;
    }
    *dst = out;
}

/* Walks the glyphs of text, drawing them when img is not NULL; returns the
 * advance width in pixels (rounded up). */
static int layout_text(gfx_image *img, const gfx_font *font, int x, int y, int px,
                       uint32_t color, const char *text) {
    if (!font || !text || px <= 0) return 0;
    const stbtt_fontinfo *info = &font->info;
    float scale = stbtt_ScaleForPixelHeight(info, (float)px);
    int ascent, descent, gap;
    stbtt_GetFontVMetrics(info, &ascent, &descent, &gap);
    int baseline = y + (int)lroundf(ascent * scale);
    float pen = (float)x;
    int prev = 0;
    unsigned char *bitmap = NULL;
    size_t bitmap_cap = 0;
    const char *s = text;
    while (*s) {
        int cp = next_codepoint(&s);
        int glyph = stbtt_FindGlyphIndex(info, cp);
        if (prev) pen += scale * stbtt_GetGlyphKernAdvance(info, prev, glyph);
        int adv, lsb;
        stbtt_GetGlyphHMetrics(info, glyph, &adv, &lsb);
        if (img) {
            float shift_x = pen - floorf(pen);
            int x0, y0, x1, y1;
            stbtt_GetGlyphBitmapBoxSubpixel(info, glyph, scale, scale, shift_x, 0.0f, &x0, &y0,
                                            &x1, &y1);
            int gw = x1 - x0, gh = y1 - y0;
            if (gw > 0 && gh > 0) {
                size_t need = (size_t)gw * gh;
                if (need > bitmap_cap) {
                    unsigned char *nb = realloc(bitmap, need);
                    if (!nb) break; /* out of memory: stop drawing, keep what is there */
                    bitmap = nb;
                    bitmap_cap = need;
                }
                stbtt_MakeGlyphBitmapSubpixel(info, bitmap, gw, gh, gw, scale, scale, shift_x,
                                              0.0f, glyph);
                int ox = (int)floorf(pen) + x0, oy = baseline + y0;
                for (int gy = 0; gy < gh; gy++) {
                    int yy = oy + gy;
                    if (yy < 0 || yy >= img->h) continue;
                    for (int gx = 0; gx < gw; gx++) {
                        int xx = ox + gx;
                        if (xx < 0 || xx >= img->w) continue;
                        int cov = bitmap[(size_t)gy * gw + gx];
                        if (cov) blend_pixel(&img->px[(size_t)yy * img->w + xx], color, cov);
                    }
                }
            }
        }
        pen += scale * adv;
        prev = glyph;
    }
    free(bitmap);
    return (int)ceilf(pen - (float)x);
}

int gfx_text(gfx_image *img, const gfx_font *font, int x, int y, int px, uint32_t color,
             const char *text) {
    return layout_text(img, font, x, y, px, color, text);
}

int gfx_text_width(const gfx_font *font, int px, const char *text) {
    return layout_text(NULL, font, 0, 0, px, 0, text);
}

/* ---- PNG ---- */

typedef struct {
    FILE *f;
    int failed;
} png_sink;

static void png_write(void *context, void *data, int size) {
    png_sink *sink = context;
    if (size > 0 && fwrite(data, 1, (size_t)size, sink->f) != (size_t)size) sink->failed = 1;
}

nn_status gfx_save_png(const gfx_image *img, const char *path, nn_error *err) {
    if (!img || !img->px || img->w <= 0 || img->h <= 0)
        return nn_fail(err, NN_ERR_ARG, "%s: no image to write", path);
    size_t n = (size_t)img->w * img->h;
    unsigned char *rgb = malloc(n * 3);
    if (!rgb) return nn_fail(err, NN_ERR_NOMEM, "%s: out of memory for the PNG", path);
    for (size_t i = 0; i < n; i++) {
        uint32_t p = img->px[i];
        rgb[3 * i] = (unsigned char)(p >> 16);
        rgb[3 * i + 1] = (unsigned char)(p >> 8);
        rgb[3 * i + 2] = (unsigned char)p;
    }
    nn_atomic_file af;
    nn_status st = nn_atomic_file_open(&af, path, err);
    if (st != NN_OK) {
        free(rgb);
        return st;
    }
    png_sink sink = {af.f, 0};
    int ok = stbi_write_png_to_func(png_write, &sink, img->w, img->h, 3, rgb, img->w * 3);
    free(rgb);
    if (!ok || sink.failed) {
        nn_atomic_file_abort(&af);
        return nn_fail(err, NN_ERR_IO, "%s: writing the PNG failed (disk full?)", path);
    }
    return nn_atomic_file_commit(&af, err);
}
