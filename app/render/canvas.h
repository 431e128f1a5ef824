/* The drawing canvas of `dyad draw`: a square greyscale bitmap of light ink
 * on black (as MNIST), painted with an antialiased round brush. Positions are
 * canvas coordinates in [0,1] (u to the right, v down), so the bitmap's
 * resolution is independent of the window's. A stroke is painted as capsules
 * between consecutive points, so fast mouse movements leave no gaps. Every
 * change (stroke, clear, loaded digit) first saves a snapshot: undo restores
 * the bitmap exactly. No SDL here. */
#ifndef APP_CANVAS_H
#define APP_CANVAS_H

#include <stdint.h>

#include "../../nn/error.h"
#include "../../nn/preprocess.h"

#define CANVAS_SIDE 280        /* bitmap side: ten pixels per MNIST pixel */
#define CANVAS_BRUSH 0.040f    /* ink brush radius, fraction of the side */
#define CANVAS_ERASER 0.075f   /* eraser radius, fraction of the side */
#define CANVAS_UNDO_MAX 64     /* snapshots kept; the oldest are dropped */
#define CANVAS_INK_MIN 32      /* a pixel at or above this counts as ink */

typedef struct {
    int side;
    uint8_t *ink;      /* side*side, 0 = background, 255 = full ink */
    uint8_t **undo;    /* snapshots, oldest first */
    int undo_count;
    int stroking;      /* between canvas_begin and canvas_end */
    int erasing;       /* the current stroke erases */
    float last_x, last_y; /* last stroke point, in bitmap pixels */
    float brush, eraser;  /* radii in bitmap pixels */
} canvas;

nn_status canvas_init(canvas *c, int side, nn_error *err);
void canvas_free(canvas *c);

/* Starts a stroke at (u, v): saves an undo snapshot and paints a dot.
 * erase: the stroke removes ink instead. */
nn_status canvas_begin(canvas *c, float u, float v, int erase, nn_error *err);
/* Continues the stroke to (u, v), painting the whole segment from the last
 * point. Ignored when no stroke is active. */
void canvas_extend(canvas *c, float u, float v);
void canvas_end(canvas *c);

/* Empties the canvas (undoable). Returns NN_OK even when already empty. */
nn_status canvas_clear(canvas *c, nn_error *err);
/* Restores the state before the last stroke/clear/load; 0 if nothing to undo. */
int canvas_undo(canvas *c);

/* Replaces the content with a 28x28 digit, enlarged bilinearly (undoable). */
nn_status canvas_set_digit(canvas *c, const uint8_t digit[NN_DIGIT_PIXELS], nn_error *err);

/* No pixel reaches CANVAS_INK_MIN. */
int canvas_is_empty(const canvas *c);

/* The 28x28 network view of the canvas: nn_preprocess_digit with light ink.
 * Returns NN_ERR_ARG on an empty canvas. */
nn_status canvas_to_digit(const canvas *c, uint8_t out[NN_DIGIT_PIXELS], nn_error *err);

#endif
