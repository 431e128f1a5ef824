/* Stroke painting for the draw window (see canvas.h). */
#include "canvas.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

nn_status canvas_init(canvas *c, int side, nn_error *err) {
    memset(c, 0, sizeof *c);
    if (side < 8 || side > 4096)
        return nn_fail(err, NN_ERR_ARG, "canvas side %d out of range (8..4096)", side);
    c->ink = calloc((size_t)side * side, 1);
    c->undo = calloc(CANVAS_UNDO_MAX, sizeof *c->undo);
    if (!c->ink || !c->undo) {
        canvas_free(c);
        return nn_fail(err, NN_ERR_NOMEM, "out of memory for a %dx%d canvas", side, side);
    }
    c->side = side;
    c->brush = CANVAS_BRUSH * side;
    c->eraser = CANVAS_ERASER * side;
    return NN_OK;
}

void canvas_free(canvas *c) {
    for (int i = 0; c->undo && i < c->undo_count; i++) free(c->undo[i]);
    free(c->undo);
    free(c->ink);
    memset(c, 0, sizeof *c);
}

static size_t canvas_bytes(const canvas *c) { return (size_t)c->side * c->side; }

/* Saves the current bitmap on the undo stack, dropping the oldest snapshot
 * when the stack is full. */
static nn_status push_undo(canvas *c, nn_error *err) {
    uint8_t *snap = malloc(canvas_bytes(c));
    if (!snap) return nn_fail(err, NN_ERR_NOMEM, "out of memory for an undo step");
    memcpy(snap, c->ink, canvas_bytes(c));
    if (c->undo_count == CANVAS_UNDO_MAX) {
        free(c->undo[0]);
        memmove(c->undo, c->undo + 1, sizeof *c->undo * (CANVAS_UNDO_MAX - 1));
        c->undo_count--;
    }
    c->undo[c->undo_count++] = snap;
    return NN_OK;
}

int canvas_undo(canvas *c) {
    if (c->undo_count == 0) return 0;
    c->stroking = 0;
    uint8_t *snap = c->undo[--c->undo_count];
    memcpy(c->ink, snap, canvas_bytes(c));
    free(snap);
    return 1;
}

/* Paints the capsule of radius r around the segment (x0,y0)-(x1,y1), in
 * bitmap pixels. Coverage falls off linearly over one pixel at the edge
 * (antialiasing); ink keeps the maximum, the eraser the minimum, so
 * overlapping segments of one stroke never darken or brighten twice. */
static void paint_capsule(canvas *c, float x0, float y0, float x1, float y1, float r, int erase) {
    float minx = fminf(x0, x1) - r - 1.0f, maxx = fmaxf(x0, x1) + r + 1.0f;
    float miny = fminf(y0, y1) - r - 1.0f, maxy = fmaxf(y0, y1) + r + 1.0f;
    int ix0 = (int)floorf(minx), ix1 = (int)ceilf(maxx);
    int iy0 = (int)floorf(miny), iy1 = (int)ceilf(maxy);
    if (ix0 < 0) ix0 = 0;
    if (iy0 < 0) iy0 = 0;
    if (ix1 > c->side - 1) ix1 = c->side - 1;
    if (iy1 > c->side - 1) iy1 = c->side - 1;
    float dx = x1 - x0, dy = y1 - y0;
    float len2 = dx * dx + dy * dy;
    for (int y = iy0; y <= iy1; y++) {
        uint8_t *row = c->ink + (size_t)y * c->side;
        float py = y + 0.5f;
        for (int x = ix0; x <= ix1; x++) {
            float px = x + 0.5f;
            /* distance from the pixel centre to the nearest point of the segment */
            float t = len2 > 0.0f ? ((px - x0) * dx + (py - y0) * dy) / len2 : 0.0f;
            t = t < 0.0f ? 0.0f : (t > 1.0f ? 1.0f : t);
            float ex = px - (x0 + t * dx), ey = py - (y0 + t * dy);
            float d = sqrtf(ex * ex + ey * ey);
            float cover = r + 0.5f - d;
            if (cover <= 0.0f) continue;
            if (cover > 1.0f) cover = 1.0f;
            int level = (int)lroundf(cover * 255.0f);
            if (erase) {
                int keep = 255 - level;
                if (row[x] > keep) row[x] = (uint8_t)keep;
            } else if (row[x] < level) {
                row[x] = (uint8_t)level;
            }
        }
    }
}

static float to_pixels(const canvas *c, float u) {
    /* a little outside the canvas still paints the part that reaches in;
     * far outside (or NaN) is pinned so the loops stay small */
    if (!(u >= -0.5f)) u = -0.5f;
    if (u > 1.5f) u = 1.5f;
    return u * (float)c->side;
}

nn_status canvas_begin(canvas *c, float u, float v, int erase, nn_error *err) {
    nn_status st = push_undo(c, err);
    if (st != NN_OK) return st;
    c->stroking = 1;
    c->erasing = erase;
    c->last_x = to_pixels(c, u);
    c->last_y = to_pixels(c, v);
    paint_capsule(c, c->last_x, c->last_y, c->last_x, c->last_y, erase ? c->eraser : c->brush,
                  erase);
    return NN_OK;
}

void canvas_extend(canvas *c, float u, float v) {
    if (!c->stroking) return;
    float x = to_pixels(c, u), y = to_pixels(c, v);
    paint_capsule(c, c->last_x, c->last_y, x, y, c->erasing ? c->eraser : c->brush, c->erasing);
    c->last_x = x;
    c->last_y = y;
}

void canvas_end(canvas *c) { c->stroking = 0; }

nn_status canvas_clear(canvas *c, nn_error *err) {
    c->stroking = 0;
    if (canvas_is_empty(c)) {
        memset(c->ink, 0, canvas_bytes(c)); /* faint leftovers of erasing go too */
        return NN_OK;
    }
    nn_status st = push_undo(c, err);
    if (st != NN_OK) return st;
    memset(c->ink, 0, canvas_bytes(c));
    return NN_OK;
}

nn_status canvas_set_digit(canvas *c, const uint8_t digit[NN_DIGIT_PIXELS], nn_error *err) {
    nn_status st = push_undo(c, err);
    if (st != NN_OK) return st;
    c->stroking = 0;
    /* bilinear: each bitmap pixel centre sampled between the four nearest
     * digit pixel centres, clamped at the border */
    float scale = (float)NN_DIGIT_SIDE / (float)c->side;
    for (int y = 0; y < c->side; y++) {
        float sy = (y + 0.5f) * scale - 0.5f;
        int y0 = (int)floorf(sy);
        float fy = sy - y0;
        int ya = y0 < 0 ? 0 : y0, yb = y0 + 1 > NN_DIGIT_SIDE - 1 ? NN_DIGIT_SIDE - 1 : y0 + 1;
        for (int x = 0; x < c->side; x++) {
            float sx = (x + 0.5f) * scale - 0.5f;
            int x0 = (int)floorf(sx);
            float fx = sx - x0;
            int xa = x0 < 0 ? 0 : x0, xb = x0 + 1 > NN_DIGIT_SIDE - 1 ? NN_DIGIT_SIDE - 1 : x0 + 1;
            float top = digit[ya * NN_DIGIT_SIDE + xa] * (1 - fx) + digit[ya * NN_DIGIT_SIDE + xb] * fx;
            float bot = digit[yb * NN_DIGIT_SIDE + xa] * (1 - fx) + digit[yb * NN_DIGIT_SIDE + xb] * fx;
            c->ink[(size_t)y * c->side + x] = (uint8_t)lroundf(top * (1 - fy) + bot * fy);
        }
    }
    return NN_OK;
}

int canvas_is_empty(const canvas *c) {
    size_t n = canvas_bytes(c);
    for (size_t i = 0; i < n; i++)
        if (c->ink[i] >= CANVAS_INK_MIN) return 0;
    return 1;
}

nn_status canvas_to_digit(const canvas *c, uint8_t out[NN_DIGIT_PIXELS], nn_error *err) {
    if (canvas_is_empty(c)) return nn_fail(err, NN_ERR_ARG, "the canvas is empty");
    return nn_preprocess_digit(c->ink, c->side, c->side, NN_POLARITY_LIGHT_INK, out, err);
}
