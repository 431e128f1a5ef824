/* Reading digit images from files (PNG, JPG, BMP, PGM/PPM, TGA, GIF... all
 * that stb_image reads) as 8-bit greyscale, and straight into the 28x28
 * MNIST form. Errors name the file. */
#ifndef APP_IMAGE_LOAD_H
#define APP_IMAGE_LOAD_H

#include <stdint.h>

#include "../../nn/error.h"
#include "../../nn/preprocess.h"

/* Largest image accepted, in pixels (a 8192x8192 photo fits). */
#define IMAGE_MAX_PIXELS (64 * 1024 * 1024)

/* Loads path as luminance (Rec. 601 weights); transparent pixels are
 * composited over white, so black strokes on a transparent background read
 * as dark ink on light paper. *gray is malloc'd (caller frees) and holds
 * (*w) * (*h) bytes, row-major. */
nn_status image_load_gray(const char *path, uint8_t **gray, int *w, int *h, nn_error *err);

/* image_load_gray + nn_preprocess_digit with NN_POLARITY_AUTO. */
nn_status image_load_digit(const char *path, uint8_t out[NN_DIGIT_PIXELS], nn_error *err);

#endif
