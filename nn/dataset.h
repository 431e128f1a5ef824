/* An MNIST-shaped dataset directory: the four standard file names
 * (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte,
 * t10k-labels-idx1-ubyte), each raw or with .gz. Fashion-MNIST uses the same
 * names. */
#ifndef NN_DATASET_H
#define NN_DATASET_H

#include <stddef.h>

#include "idx.h"

typedef struct {
    nn_idx_images train_images, test_images;
    nn_idx_labels train_labels, test_labels;
} nn_dataset;

/* Loads all four files; image and label counts must agree and images must be
 * the same size in train and test. */
nn_status nn_dataset_load(const char *dir, nn_dataset *out, nn_error *err);
/* Loads only the test split (train_* left empty). */
nn_status nn_dataset_load_test(const char *dir, nn_dataset *out, nn_error *err);
void nn_dataset_free(nn_dataset *d);

/* Finds dir/name or dir/name.gz; writes the existing path into path. */
nn_status nn_dataset_find_file(const char *dir, const char *name, char *path, size_t size,
                            nn_error *err);

#endif
