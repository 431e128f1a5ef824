/* An MNIST-shaped dataset directory: the four standard file names
 * (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte,
 * t10k-labels-idx1-ubyte), each raw or with .gz. Fashion-MNIST uses the same
 * names. */
#ifndef NN_DATASET_H
#define NN_DATASET_H

#include <stddef.h>

#include "idx.h"
#include "mlp.h"

typedef struct {
    idx_images train_images, test_images;
    idx_labels train_labels, test_labels;
} dataset;

/* Loads all four files; image and label counts must agree and images must be
 * the same size in train and test. */
nn_status dataset_load(const char *dir, dataset *out, nn_error *err);
/* Loads only the test split (train_* left empty). */
nn_status dataset_load_test(const char *dir, dataset *out, nn_error *err);
void dataset_free(dataset *d);

/* Checks that a model can be run on a split: images of net->in pixels and
 * every label one of the model's classes (a 784 -> 16 -> 3 model cannot be
 * scored on digits 0..9). The error names the model and the data; model and
 * data are names for the message only. */
nn_status dataset_check_model(const idx_images *images, const idx_labels *labels,
                              const mlp *net, const char *model, const char *data,
                              nn_error *err);

/* Finds dir/name or dir/name.gz; writes the existing path into path. */
nn_status dataset_find_file(const char *dir, const char *name, char *path, size_t size,
                            nn_error *err);

#endif
