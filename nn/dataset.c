/* An MNIST-shaped directory: finds each of the four files (raw or .gz),
 * loads them and checks that they belong together. */
#include "dataset.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define DATASET_NCLASSES 10

/* One file of the dataset: its standard name, and the spelling with a dot
 * before "idx" that some copies (e.g. Kaggle's, and the name stored inside the
 * original .gz files) use. Fashion-MNIST ships the standard names. */
typedef struct {
    const char *name, *alt_name;
} dataset_file;

static const dataset_file TRAIN_IMAGES = {"train-images-idx3-ubyte", "train-images.idx3-ubyte"};
static const dataset_file TRAIN_LABELS = {"train-labels-idx1-ubyte", "train-labels.idx1-ubyte"};
static const dataset_file TEST_IMAGES = {"t10k-images-idx3-ubyte", "t10k-images.idx3-ubyte"};
static const dataset_file TEST_LABELS = {"t10k-labels-idx1-ubyte", "t10k-labels.idx1-ubyte"};

/* Joins dir and name (+ suffix) into path; 0 when it does not fit. */
static int join_path(char *path, size_t size, const char *dir, const char *name,
                     const char *suffix) {
    int n = snprintf(path, size, "%s/%s%s", dir, name, suffix);
    return n >= 0 && (size_t)n < size;
}

/* 1 when path names something that is not a directory (a file or a link to one). */
static int is_file(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && !S_ISDIR(st.st_mode);
}

nn_status nn_dataset_find_file(const char *dir, const char *name, char *path, size_t size,
                            nn_error *err) {
    if (!dir || !name || !path || size == 0)
        return nn_fail(err, NN_ERR_ARG, "dataset_find_file: NULL argument");
    if (!join_path(path, size, dir, name, ""))
        return nn_fail(err, NN_ERR_ARG, "%s/%s: path too long", dir, name);
    if (is_file(path)) return NN_OK;
    if (!join_path(path, size, dir, name, ".gz"))
        return nn_fail(err, NN_ERR_ARG, "%s/%s.gz: path too long", dir, name);
    if (is_file(path)) return NN_OK;
    path[0] = '\0';
    struct stat st;
    int dir_missing = stat(dir, &st) != 0 || !S_ISDIR(st.st_mode);
    return nn_fail(err, NN_ERR_IO, "%s not found: tried %s/%s and %s/%s.gz%s%s%s", name, dir,
                   name, dir, name, dir_missing ? " (" : "", dir_missing ? dir : "",
                   dir_missing ? " is not a directory)" : "");
}

/* Finds a dataset file under its standard name or else its alternative one;
 * a failure reports the standard name's two tried paths. */
static nn_status find_dataset_file(const char *dir, dataset_file file, char *path, size_t size,
                                   nn_error *err) {
    nn_status st = nn_dataset_find_file(dir, file.name, path, size, err);
    if (st != NN_ERR_IO) return st;
    nn_error alt_err;
    if (nn_dataset_find_file(dir, file.alt_name, path, size, &alt_err) == NN_OK) return NN_OK;
    return st;
}

/* Loads one images+labels pair and checks that their counts agree. */
static nn_status load_split(const char *dir, dataset_file images_file, dataset_file labels_file,
                            nn_idx_images *images, nn_idx_labels *labels, char *images_path,
                            size_t path_size, nn_error *err) {
    char labels_path[4096];
    nn_status st = find_dataset_file(dir, images_file, images_path, path_size, err);
    if (st == NN_OK) st = find_dataset_file(dir, labels_file, labels_path, sizeof labels_path, err);
    if (st == NN_OK) st = nn_idx_load_images(images_path, images, err);
    if (st == NN_OK) st = nn_idx_load_labels(labels_path, DATASET_NCLASSES, labels, err);
    if (st == NN_OK && images->count != labels->count)
        st = nn_fail(err, NN_ERR_FORMAT, "%s has %d images but %s has %d labels", images_path,
                     images->count, labels_path, labels->count);
    return st;
}

static nn_status load(const char *dir, int with_train, nn_dataset *out, nn_error *err) {
    if (!out) return nn_fail(err, NN_ERR_ARG, "dataset_load: NULL dataset");
    memset(out, 0, sizeof *out);
    if (!dir) return nn_fail(err, NN_ERR_ARG, "dataset_load: NULL directory");
    char train_path[4096], test_path[4096];
    nn_status st = NN_OK;
    if (with_train)
        st = load_split(dir, TRAIN_IMAGES, TRAIN_LABELS, &out->train_images, &out->train_labels,
                        train_path, sizeof train_path, err);
    if (st == NN_OK)
        st = load_split(dir, TEST_IMAGES, TEST_LABELS, &out->test_images, &out->test_labels,
                        test_path, sizeof test_path, err);
    if (st == NN_OK && with_train &&
        (out->train_images.rows != out->test_images.rows ||
         out->train_images.cols != out->test_images.cols))
        st = nn_fail(err, NN_ERR_FORMAT, "%s has %dx%d images but %s has %dx%d", test_path,
                     out->test_images.rows, out->test_images.cols, train_path,
                     out->train_images.rows, out->train_images.cols);
    if (st != NN_OK) nn_dataset_free(out);
    return st;
}

nn_status nn_dataset_load(const char *dir, nn_dataset *out, nn_error *err) {
    return load(dir, 1, out, err);
}

nn_status nn_dataset_load_test(const char *dir, nn_dataset *out, nn_error *err) {
    return load(dir, 0, out, err);
}

void nn_dataset_free(nn_dataset *d) {
    if (!d) return;
    nn_idx_free_images(&d->train_images);
    nn_idx_free_labels(&d->train_labels);
    nn_idx_free_images(&d->test_images);
    nn_idx_free_labels(&d->test_labels);
}
