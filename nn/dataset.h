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

/* What a dataset directory holds, for training records: a name and the
 * sha256 of each file's idx content (after gunzip when the file is .gz, so a
 * raw and a gzipped copy of the same data hash alike). */
#define DATASET_NFILES 4
typedef struct {
    char name[16];                      /* "mnist", "fashion-mnist" or "custom" */
    char sha256[DATASET_NFILES][65];    /* hex, in dataset_file_name order */
} dataset_identity;

/* The standard name of file i (0 train images, 1 train labels, 2 test
 * images, 3 test labels). */
const char *dataset_file_name(int i);

/* sha256 of a file's content, gunzipped when it is gzip (zlib reads raw files
 * unchanged), as 64 lowercase hex digits. */
nn_status dataset_sha256_file(const char *path, char hex[65], nn_error *err);

/* Hashes the four files of dir and names the set when the hashes are those
 * of MNIST or Fashion-MNIST (else "custom"). */
nn_status dataset_identify(const char *dir, dataset_identity *id, nn_error *err);

/* {"train-images-idx3-ubyte":"<hex>",...}; 0 when it does not fit in size. */
int dataset_sha256_json(const dataset_identity *id, char *buf, size_t size);

#endif
