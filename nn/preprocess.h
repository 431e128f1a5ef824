/* MNIST-style preprocessing of a user's digit, as the MNIST set was made:
 * grayscale; dark-on-light inverted to light-on-dark; the ink's bounding box
 * fitted into 20x20 keeping aspect (area-averaging, anti-aliased); placed in a
 * 28x28 frame so the centre of mass lands at the centre. The window and
 * `dyad predict` both use this, so they see the same 28x28 image. */
#ifndef NN_PREPROCESS_H
#define NN_PREPROCESS_H

#include <stdint.h>

#include "error.h"

#define NN_DIGIT_SIDE 28
#define NN_DIGIT_PIXELS (NN_DIGIT_SIDE * NN_DIGIT_SIDE)

typedef enum {
    NN_POLARITY_AUTO = 0,    /* decide from the border: a light border means dark ink */
    NN_POLARITY_LIGHT_INK,   /* already white-on-black, as MNIST */
    NN_POLARITY_DARK_INK,    /* black-on-white: invert */
} nn_digit_polarity;

/* gray: w*h bytes, row-major. Returns NN_ERR_ARG ("no ink") for an image with
 * nothing drawn in it. */
nn_status nn_preprocess_digit(const uint8_t *gray, int w, int h, nn_digit_polarity polarity,
                           uint8_t out[NN_DIGIT_PIXELS], nn_error *err);

/* Network input: pixel / 255, nothing else. */
void nn_digit_to_input(const uint8_t digit[NN_DIGIT_PIXELS], float x[NN_DIGIT_PIXELS]);

#endif
