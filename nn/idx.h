/* IDX files (LeCun's MNIST format), raw or gzip-compressed (detected by the
 * gzip magic, not the name). Every check failure names the file. */
#ifndef NN_IDX_H
#define NN_IDX_H

#include <stdint.h>

#include "error.h"

typedef struct {
    int count, rows, cols;
    uint8_t *pixels; /* count * rows * cols, row-major, 0 = background */
} nn_idx_images;

typedef struct {
    int count;
    uint8_t *labels;
} nn_idx_labels;

/* Magic 0x00000803, three dimensions. */
nn_status nn_idx_load_images(const char *path, nn_idx_images *out, nn_error *err);
/* Magic 0x00000801, one dimension; every label must be < nclasses. */
nn_status nn_idx_load_labels(const char *path, int nclasses, nn_idx_labels *out, nn_error *err);
void nn_idx_free_images(nn_idx_images *images);
void nn_idx_free_labels(nn_idx_labels *labels);

/* Raw (uncompressed) writers, atomic (temporary file then rename). Used by
 * tests and tools that make small datasets. */
nn_status nn_idx_save_images(const char *path, const nn_idx_images *images, nn_error *err);
nn_status nn_idx_save_labels(const char *path, const nn_idx_labels *labels, nn_error *err);

#endif
