/* An MNIST-shaped directory: finds each of the four files (raw or .gz),
 * loads them and checks that they belong together. */
#include "dataset.h"

#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

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

/* ------------------------------------------------------------ identity */

static const dataset_file *file_of(int i) {
    static const dataset_file *const files[NN_DATASET_NFILES] = {&TRAIN_IMAGES, &TRAIN_LABELS,
                                                             &TEST_IMAGES, &TEST_LABELS};
    return i >= 0 && i < NN_DATASET_NFILES ? files[i] : NULL;
}

const char *nn_dataset_file_name(int i) {
    const dataset_file *f = file_of(i);
    return f ? f->name : NULL;
}

/* The sha256 of the idx contents (gunzipped), in nn_dataset_file_name order. */
typedef struct {
    const char *name;
    const char *sha256[NN_DATASET_NFILES];
} known_dataset;

static const known_dataset KNOWN[] = {
    {"mnist",
     {"ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
      "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
      "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
      "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"}},
    {"fashion-mnist",
     {"c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
      "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
      "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
      "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"}},
};

nn_status nn_dataset_sha256_file(const char *path, char hex[65], nn_error *err) {
    gzFile f = gzopen(path, "rb");
    if (!f) return nn_fail(err, NN_ERR_IO, "%s: cannot open", path);
    enum { CHUNK = 1 << 16 };
    unsigned char *buf = malloc(CHUNK);
    if (!buf) {
        gzclose(f);
        return nn_fail(err, NN_ERR_NOMEM, "%s: out of memory", path);
    }
    struct sha256_ctx ctx;
    sha256_init(&ctx);
    int n;
    while ((n = gzread(f, buf, CHUNK)) > 0) sha256_update(&ctx, (size_t)n, buf);
    int bad = n < 0;
    free(buf);
    gzclose(f);
    if (bad) return nn_fail(err, NN_ERR_FORMAT, "%s: read error (corrupt gzip?)", path);
    uint8_t digest[SHA256_DIGEST_SIZE];
    sha256_digest(&ctx, SHA256_DIGEST_SIZE, digest);
    for (int i = 0; i < SHA256_DIGEST_SIZE; i++) snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    return NN_OK;
}

nn_status nn_dataset_identify(const char *dir, nn_dataset_identity *id, nn_error *err) {
    memset(id, 0, sizeof *id);
    for (int i = 0; i < NN_DATASET_NFILES; i++) {
        char path[4096];
        nn_status st = find_dataset_file(dir, *file_of(i), path, sizeof path, err);
        if (st == NN_OK) st = nn_dataset_sha256_file(path, id->sha256[i], err);
        if (st != NN_OK) return st;
    }
    snprintf(id->name, sizeof id->name, "custom");
    for (size_t k = 0; k < sizeof KNOWN / sizeof KNOWN[0]; k++) {
        int same = 1;
        for (int i = 0; i < NN_DATASET_NFILES; i++) same &= !strcmp(id->sha256[i], KNOWN[k].sha256[i]);
        if (same) snprintf(id->name, sizeof id->name, "%s", KNOWN[k].name);
    }
    return NN_OK;
}

int nn_dataset_sha256_json(const nn_dataset_identity *id, char *buf, size_t size) {
    size_t used = 0;
    for (int i = 0; i < NN_DATASET_NFILES; i++) {
        int n = snprintf(buf + used, size - used, "%s\"%s\":\"%s\"%s", i ? "" : "{",
                         nn_dataset_file_name(i), id->sha256[i], i + 1 < NN_DATASET_NFILES ? "," : "}");
        if (n < 0 || (size_t)n >= size - used) return 0;
        used += (size_t)n;
    }
    return 1;
}

nn_status nn_dataset_check_model(const nn_idx_images *images, const nn_idx_labels *labels,
                              const nn_mlp *net, const char *model, const char *data,
                              nn_error *err) {
    if (!images || !labels || !net || net->nlayers < 1)
        return nn_fail(err, NN_ERR_ARG, "dataset_check_model: NULL argument");
    if ((long long)images->rows * images->cols != net->in)
        return nn_fail(err, NN_ERR_ARG, "%s has %dx%d images but %s takes %d inputs", data,
                       images->rows, images->cols, model, net->in);
    if (labels->count != images->count)
        return nn_fail(err, NN_ERR_ARG, "%s has %d images but %d labels", data, images->count,
                       labels->count);
    int classes = nn_mlp_classes(net), top = -1;
    for (int i = 0; i < labels->count; i++)
        if (labels->labels[i] > top) top = labels->labels[i];
    if (top >= classes)
        return nn_fail(err, NN_ERR_ARG, "%s has %d output class%s (0..%d) but the labels in %s go "
                       "up to %d: the model was not trained for this data", model, classes,
                       classes == 1 ? "" : "es", classes - 1, data, top);
    return NN_OK;
}
