/* MNIST-style preprocessing of a user's digit, as the MNIST set was made:
 * grayscale; dark-on-light inverted to light-on-dark; the ink's bounding box
 * fitted into 20x20 keeping aspect (area-averaging, anti-aliased); placed in a
 * 28x28 frame so the centre of mass lands at the centre. The window and
 * `dyad predict` both use this, so they see the same 28x28 image. */
#ifndef NN_PREPROCESS_H
#define NN_PREPROCESS_H

#include <stdint.h>

#include "error.h"

#define DIGIT_SIDE 28
#define DIGIT_PIXELS (DIGIT_SIDE * DIGIT_SIDE)

typedef enum {
    POLARITY_AUTO = 0,    /* decide from the border: a light border means dark ink */
    POLARITY_LIGHT_INK,   /* already white-on-black, as MNIST */
    POLARITY_DARK_INK,    /* black-on-white: invert */
} digit_polarity;

/* gray: w*h bytes, row-major. Returns NN_ERR_ARG ("no ink") for an image with
 * nothing drawn in it. */
nn_status preprocess_digit(const uint8_t *gray, int w, int h, digit_polarity polarity,
                           uint8_t out[DIGIT_PIXELS], nn_error *err);

/* Network input: pixel / 255, nothing else. */
void digit_to_input(const uint8_t digit[DIGIT_PIXELS], float x[DIGIT_PIXELS]);

#endif
