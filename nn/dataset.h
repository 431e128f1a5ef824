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
    nn_idx_images train_images, test_images;
    nn_idx_labels train_labels, test_labels;
} nn_dataset;

/* Loads all four files; image and label counts must agree and images must be
 * the same size in train and test. */
nn_status nn_dataset_load(const char *dir, nn_dataset *out, nn_error *err);
/* Loads only the test split (train_* left empty). */
nn_status nn_dataset_load_test(const char *dir, nn_dataset *out, nn_error *err);
void nn_dataset_free(nn_dataset *d);

/* Checks that a model can be run on a split: images of net->in pixels and
 * every label one of the model's classes (a 784 -> 16 -> 3 model cannot be
 * scored on digits 0..9). The error names the model and the data; model and
 * data are names for the message only. */
nn_status nn_dataset_check_model(const nn_idx_images *images, const nn_idx_labels *labels,
                              const nn_mlp *net, const char *model, const char *data,
                              nn_error *err);

/* Finds dir/name or dir/name.gz; writes the existing path into path. */
nn_status nn_dataset_find_file(const char *dir, const char *name, char *path, size_t size,
                            nn_error *err);

/* What a dataset directory holds, for training records: a name and the
 * sha256 of each file's idx content (after gunzip when the file is .gz, so a
 * raw and a gzipped copy of the same data hash alike). */
#define NN_DATASET_NFILES 4
typedef struct {
    char name[16];                      /* "mnist", "fashion-mnist" or "custom" */
    char sha256[NN_DATASET_NFILES][65];    /* hex, in nn_dataset_file_name order */
} nn_dataset_identity;

/* The standard name of file i (0 train images, 1 train labels, 2 test
 * images, 3 test labels). */
const char *nn_dataset_file_name(int i);

/* sha256 of a file's content, gunzipped when it is gzip (zlib reads raw files
 * unchanged), as 64 lowercase hex digits. */
nn_status nn_dataset_sha256_file(const char *path, char hex[65], nn_error *err);

/* Hashes the four files of dir and names the set when the hashes are those
 * of MNIST or Fashion-MNIST (else "custom"). */
nn_status nn_dataset_identify(const char *dir, nn_dataset_identity *id, nn_error *err);

/* {"train-images-idx3-ubyte":"<hex>",...}; 0 when it does not fit in size. */
int nn_dataset_sha256_json(const nn_dataset_identity *id, char *buf, size_t size);

#endif
