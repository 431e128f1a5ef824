/* Drawing helpers of the draw window (round boxes, fitted text, greyscale blits) and widgets. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "draw_gfx.h"

/* ---- drawing helpers ---- */

static uint32_t mix(uint32_t a, uint32_t b, unsigned t) { /* t in 0..255: a -> b */
    uint32_t out = 0xFF000000u;
    for (int sh = 0; sh < 24; sh += 8) {
        unsigned x = (a >> sh) & 0xFF, y = (b >> sh) & 0xFF;
        out |= (uint32_t)((x * (255u - t) + y * t + 127u) / 255u) << sh;
    }
    return out;
}

static void blend_px(gfx_image *img, int x, int y, uint32_t c, unsigned t) {
    if (x < 0 || y < 0 || x >= img->w || y >= img->h) return;
    uint32_t *p = &img->px[(size_t)y * img->w + x];
    *p = mix(*p, c, t);
}

/* A filled rectangle with antialiased round corners of radius rad. */
void draw_fill_round(gfx_image *img, gfx_rect r, int rad, uint32_t color) {
    if (r.w <= 0 || r.h <= 0) return;
    if (rad * 2 > r.w) rad = r.w / 2;
    if (rad * 2 > r.h) rad = r.h / 2;
    if (rad <= 0) {
        gfx_fill_rect(img, r, color);
        return;
    }
    gfx_fill_rect(img, (gfx_rect){r.x, r.y + rad, r.w, r.h - 2 * rad}, color);
    for (int i = 0; i < rad; i++) {
        /* the row's inset: where the corner circle crosses the pixel row's centre */
        double dy = rad - (i + 0.5);
        double edge = rad - sqrt((double)rad * rad - dy * dy);
        int full = (int)ceil(edge);
        unsigned cover = (unsigned)lround((full - edge) * 255.0);
        for (int k = 0; k < 2; k++) {
            int y = k ? r.y + r.h - 1 - i : r.y + i;
            gfx_fill_rect(img, (gfx_rect){r.x + full, y, r.w - 2 * full, 1}, color);
            if (full > 0 && cover) {
                blend_px(img, r.x + full - 1, y, color, cover);
                blend_px(img, r.x + r.w - full, y, color, cover);
            }
        }
    }
}

void draw_darken(gfx_image *img, gfx_rect r, unsigned keep) { /* keep/255 of the light */
    int x0 = clampi(r.x, 0, img->w), x1 = clampi(r.x + r.w, 0, img->w);
    int y0 = clampi(r.y, 0, img->h), y1 = clampi(r.y + r.h, 0, img->h);
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++) {
            uint32_t *p = &img->px[(size_t)y * img->w + x];
            *p = mix(0xFF000000u, *p, keep);
        }
}

/* Draws s, cut with an ellipsis to fit maxw; returns the width drawn. */
int draw_text_fit(gfx_image *img, const gfx_font *f, int x, int y, int px, uint32_t c,
                  const char *s, int maxw) {
    if (maxw <= 0) return 0;
    if (text_w(f, px, s) <= maxw) return gfx_text(img, f, x, y, px, c, s);
    char buf[600];
    size_t n = strlen(s);
    if (n >= sizeof buf - 4) n = sizeof buf - 4;
    while (n > 0) {
        n--;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) n--; /* UTF-8 boundary */
        memcpy(buf, s, n);
        memcpy(buf + n, "\xE2\x80\xA6", 4); /* ellipsis */
        if (text_w(f, px, buf) <= maxw) return gfx_text(img, f, x, y, px, c, buf);
    }
    return 0;
}

/* Word-wraps s into r; returns the height used. */
int draw_text_lines(const gfx_font *f, int w, int px, const char *s) {
    int lines = 0;
    const char *p = s;
    char buf[600];
    while (*p) {
        while (*p == ' ') p++;
        if (!*p) break;
        size_t len = strlen(p), best = 0;
        for (size_t i = 1; i <= len && i < sizeof buf; i++) {
            if (p[i] != ' ' && p[i] != 0) continue;
            memcpy(buf, p, i);
            buf[i] = 0;
            if (text_w(f, px, buf) <= w) best = i;
            else break;
        }
        if (best == 0) return lines + 1000; /* a word wider than the line */
        p += best;
        lines++;
    }
    return lines;
}

int draw_text_wrap(gfx_image *img, const gfx_font *f, gfx_rect r, int px, int line_h,
                   uint32_t c, const char *s, int max_lines) {
    int lines = 0, y = r.y;
    const char *p = s;
    while (*p && lines < max_lines && y + line_h <= r.y + r.h + line_h / 2) {
        while (*p == ' ') p++;
        /* longest prefix that fits, broken at a space */
        size_t len = strlen(p), best = 0;
        char buf[600];
        for (size_t i = 1; i <= len && i < sizeof buf; i++) {
            if (p[i] != ' ' && p[i] != 0) continue;
            memcpy(buf, p, i);
            buf[i] = 0;
            if (text_w(f, px, buf) <= r.w) best = i;
            else break;
        }
        int last = lines == max_lines - 1;
        if (best == 0 || last) { /* one long word, or the last line: cut */
            draw_text_fit(img, f, r.x, y, px, c, p, r.w);
            lines++;
            y += line_h;
            break;
        }
        memcpy(buf, p, best);
        buf[best] = 0;
        gfx_text(img, f, r.x, y, px, c, buf);
        p += best;
        lines++;
        y += line_h;
    }
    return y - r.y;
}

void draw_text_center(gfx_image *img, const gfx_font *f, gfx_rect r, int px, uint32_t c,
                      const char *s) {
    int w = text_w(f, px, s);
    if (w > r.w) {
        draw_text_fit(img, f, r.x, r.y + (r.h - px) / 2, px, c, s, r.w);
        return;
    }
    gfx_text(img, f, r.x + (r.w - w) / 2, r.y + (r.h - px) / 2, px, c, s);
}

/* A greyscale bitmap scaled into dst: bilinear (smooth) or nearest (pixels
 * visible), coloured from paper (0) to ink (255). */
void draw_blit_gray(gfx_image *img, gfx_rect dst, const uint8_t *gray, int gw, int gh,
                    int smooth, uint32_t paper, uint32_t ink) {
    uint32_t lut[256];
    for (int v = 0; v < 256; v++) lut[v] = mix(paper, ink, (unsigned)v);
    int x0 = clampi(dst.x, 0, img->w), x1 = clampi(dst.x + dst.w, 0, img->w);
    int y0 = clampi(dst.y, 0, img->h), y1 = clampi(dst.y + dst.h, 0, img->h);
    float sx = (float)gw / dst.w, sy = (float)gh / dst.h;
    for (int y = y0; y < y1; y++) {
        uint32_t *row = img->px + (size_t)y * img->w;
        float fy = (y - dst.y + 0.5f) * sy - 0.5f;
        if (!smooth) {
            int gy = clampi((int)((y - dst.y) * sy), 0, gh - 1);
            for (int x = x0; x < x1; x++) {
                int gx = clampi((int)((x - dst.x) * sx), 0, gw - 1);
                row[x] = lut[gray[(size_t)gy * gw + gx]];
            }
            continue;
        }
        int ya = (int)floorf(fy);
        float ty = fy - ya;
        int yb = clampi(ya + 1, 0, gh - 1);
        ya = clampi(ya, 0, gh - 1);
        for (int x = x0; x < x1; x++) {
            float fx = (x - dst.x + 0.5f) * sx - 0.5f;
            int xa = (int)floorf(fx);
            float tx = fx - xa;
            int xb = clampi(xa + 1, 0, gw - 1);
            xa = clampi(xa, 0, gw - 1);
            float top = gray[(size_t)ya * gw + xa] * (1 - tx) + gray[(size_t)ya * gw + xb] * tx;
            float bot = gray[(size_t)yb * gw + xa] * (1 - tx) + gray[(size_t)yb * gw + xb] * tx;
            row[x] = lut[clampi((int)(top * (1 - ty) + bot * ty + 0.5f), 0, 255)];
        }
    }
}

/* ---- widgets ---- */

widget *layout_add_widget(layout *L, gfx_rect r, action act, int arg, int on, widget_style style,
                        const char *label) {
    if (L->nw >= MAX_WIDGETS) return NULL;
    widget *w = &L->w[L->nw++];
    w->r = r;
    w->act = act;
    w->arg = arg;
    w->on = on;
    w->disabled = 0; /* the array is reused frame after frame */
    w->style = style;
    snprintf(w->label, sizeof w->label, "%s", label);
    return w;
}

/* Lays buttons out left to right from *x on a row; returns the widget. */
widget *layout_row_button(draw_app *a, int *x, gfx_rect row, action act, int arg, int on,
                        const char *label) {
    int px = S(a, 13);
    int w = text_w(a->font, px, label) + S(a, 18);
    if (*x + w > row.x + row.w) return NULL; /* no room: left out, the key still works */
    widget *wd = layout_add_widget(&a->lay, (gfx_rect){*x, row.y, w, row.h}, act, arg, on,
                                 STYLE_BUTTON, label);
    *x += w + S(a, 6);
    return wd;
}

static void draw_widget(draw_app *a, const widget *w, int hot) {
    gfx_image *img = &a->frame;
    int px = S(a, 13);
    if (w->style == STYLE_THUMB) return; /* drawn by the samples view */
    if (w->style == STYLE_TAB && w->act == ACT_VIEW) {
        if (hot) gfx_fill_rect(img, w->r, COL_BTN);
        uint32_t c = w->on ? COL_TEXT : (hot ? COL_TEXT : COL_DIM);
        draw_text_center(img, a->font, w->r, S(a, 14), c, w->label);
        if (w->on)
            gfx_fill_rect(img, (gfx_rect){w->r.x + S(a, 8), w->r.y + w->r.h - S(a, 3),
                                          w->r.w - S(a, 16), S(a, 3)},
                          slot_accent[0]);
        return;
    }
    if (w->style == STYLE_TAB) { /* a value label between buttons */
        draw_text_center(img, a->font, w->r, px, COL_TEXT, w->label);
        return;
    }
    if (w->disabled) { /* an outline only: nothing to press */
        gfx_rect_outline(img, w->r, COL_EDGE);
        draw_text_center(img, a->font, w->r, px, COL_DISABLED, w->label);
        return;
    }
    uint32_t bg = w->on ? COL_BTN_ON : (hot ? COL_BTN_HOT : COL_BTN);
    draw_fill_round(img, w->r, S(a, 5), bg);
    draw_text_center(img, a->font, w->r, px, w->on ? COL_TEXT : GFX_RGB(0xC9, 0xCF, 0xD8),
                     w->label);
}

static int widget_in(const gfx_rect *area, const widget *w) {
    return rect_has(*area, w->r.x, w->r.y);
}

void draw_widgets_in(draw_app *a, gfx_rect area) {
    for (int i = 0; i < a->lay.nw; i++)
        if (widget_in(&area, &a->lay.w[i])) draw_widget(a, &a->lay.w[i], i == a->hot);
}
