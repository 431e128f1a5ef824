/* IDX files (LeCun's MNIST format), raw or gzip-compressed (detected by the
 * gzip magic, not the name). Every check failure names the file. */
#ifndef NN_IDX_H
#define NN_IDX_H

#include <stdint.h>

#include "error.h"

typedef struct {
    int count, rows, cols;
    uint8_t *pixels; /* count * rows * cols, row-major, 0 = background */
} idx_images;

typedef struct {
    int count;
    uint8_t *labels;
} idx_labels;

/* Magic 0x00000803, three dimensions. */
nn_status idx_load_images(const char *path, idx_images *out, nn_error *err);
/* Magic 0x00000801, one dimension; every label must be < nclasses. */
nn_status idx_load_labels(const char *path, int nclasses, idx_labels *out, nn_error *err);
void idx_free_images(idx_images *images);
void idx_free_labels(idx_labels *labels);

/* Raw (uncompressed) writers, atomic (temporary file then rename). Used by
 * tests and tools that make small datasets. */
nn_status idx_save_images(const char *path, const idx_images *images, nn_error *err);
nn_status idx_save_labels(const char *path, const idx_labels *labels, nn_error *err);

#endif
