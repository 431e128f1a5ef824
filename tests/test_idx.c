/* IDX files and dataset directories: round trips (raw and gzip), every kind
 * of bad input with the file named in the error, a seeded mutation fuzz, and
 * the real MNIST / Fashion-MNIST files when they are available. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "../nn/dataset.h"
#include "../nn/idx.h"
#include "../nn/rng.h"
#include "support.h"

/* ---- helpers that build IDX bytes here, independently of nn/idx.c ---- */

typedef struct {
    unsigned char *data;
    size_t size;
} bytes;

static void put_be32(unsigned char *p, uint32_t v) {
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* magic, ndims dimensions, then payload_size payload bytes. */
static bytes make_idx(uint32_t magic, const uint32_t *dims, int ndims, const void *payload,
                      size_t payload_size) {
    bytes b;
    b.size = 4 + 4 * (size_t)ndims + payload_size;
    b.data = malloc(b.size + 1);
    assert_non_null(b.data);
    put_be32(b.data, magic);
    for (int i = 0; i < ndims; i++) put_be32(b.data + 4 + 4 * i, dims[i]);
    if (payload_size) memcpy(b.data + 4 + 4 * ndims, payload, payload_size);
    return b;
}

static bytes images_bytes(uint32_t count, uint32_t rows, uint32_t cols, const uint8_t *pixels) {
    uint32_t dims[3] = {count, rows, cols};
    return make_idx(0x803, dims, 3, pixels, (size_t)count * rows * cols);
}

static bytes labels_bytes(uint32_t count, const uint8_t *labels) {
    return make_idx(0x801, &count, 1, labels, count);
}

static char *path_in(const char *dir, const char *name) {
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    assert_non_null(p);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

static void write_raw(const char *path, const void *data, size_t size) {
    assert_int_equal(test_write_file(path, data, size), 0);
}

/* gzip written by zlib itself, as gzip(1) would make it. */
static void write_gz(const char *path, const void *data, size_t size) {
    gzFile gz = gzopen(path, "wb");
    assert_non_null(gz);
    if (size) assert_int_equal(gzwrite(gz, data, (unsigned)size), (int)size);
    assert_int_equal(gzclose(gz), Z_OK);
}

/* The bytes as two gzip members, split in the middle. */
static void write_gz_members(const char *path, const void *data, size_t size) {
    size_t half = size / 2;
    write_gz(path, data, half);
    gzFile gz = gzopen(path, "ab");
    assert_non_null(gz);
    assert_int_equal(gzwrite(gz, (const unsigned char *)data + half, (unsigned)(size - half)),
                     (int)(size - half));
    assert_int_equal(gzclose(gz), Z_OK);
}

static bytes read_whole(const char *path) {
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    bytes b = {NULL, 0};
    size_t cap = 0;
    unsigned char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (b.size + n > cap) {
            cap = (b.size + n) * 2;
            b.data = realloc(b.data, cap);
            assert_non_null(b.data);
        }
        memcpy(b.data + b.size, chunk, n);
        b.size += n;
    }
    fclose(f);
    return b;
}

static void fill_pattern(uint8_t *p, size_t n, unsigned seed) {
    for (size_t i = 0; i < n; i++) p[i] = (uint8_t)(i * 37u + seed * 11u + (i >> 3));
}

/* The load must fail with code, zero the output, and name path (and contain
 * detail, when given) in its message. */
static void expect_images_error(const char *path, nn_status code, const char *detail) {
    nn_idx_images im;
    memset(&im, 0xab, sizeof im);
    nn_error err = {{0}};
    nn_status st = nn_idx_load_images(path, &im, &err);
    if (st != code || !strstr(err.msg, path) || (detail && !strstr(err.msg, detail)))
        fail_msg("loading %s: status %d (want %d), message \"%s\" (want \"%s\")", path, st, code,
                 err.msg, detail ? detail : "");
    assert_null(im.pixels);
    assert_int_equal(im.count, 0);
    assert_null(strchr(err.msg, '\n'));
}

static void expect_labels_error(const char *path, int nclasses, nn_status code,
                                const char *detail) {
    nn_idx_labels lb;
    memset(&lb, 0xab, sizeof lb);
    nn_error err = {{0}};
    nn_status st = nn_idx_load_labels(path, nclasses, &lb, &err);
    if (st != code || !strstr(err.msg, path) || (detail && !strstr(err.msg, detail)))
        fail_msg("loading %s: status %d (want %d), message \"%s\" (want \"%s\")", path, st, code,
                 err.msg, detail ? detail : "");
    assert_null(lb.labels);
    assert_int_equal(lb.count, 0);
}

/* ---- round trips ---- */

static void test_roundtrip_raw(void **state) {
    (void)state;
    char *dir = test_tmpdir();
    char *ipath = path_in(dir, "im.idx"), *lpath = path_in(dir, "lb.idx");
    uint8_t pixels[3 * 4 * 5], labels[3] = {0, 9, 4};
    fill_pattern(pixels, sizeof pixels, 1);
    nn_idx_images im = {3, 4, 5, pixels};
    nn_idx_labels lb = {3, labels};
    nn_error err = {{0}};
    assert_int_equal(nn_idx_save_images(ipath, &im, &err), NN_OK);
    assert_int_equal(nn_idx_save_labels(lpath, &lb, &err), NN_OK);

    /* The bytes on disk are exactly the big-endian IDX layout. */
    bytes want = images_bytes(3, 4, 5, pixels), got = read_whole(ipath);
    assert_int_equal(got.size, want.size);
    assert_memory_equal(got.data, want.data, want.size);
    free(want.data);
    free(got.data);
    want = labels_bytes(3, labels);
    got = read_whole(lpath);
    assert_int_equal(got.size, 11);
    assert_memory_equal(got.data, want.data, want.size);
    free(want.data);
    free(got.data);

    nn_idx_images im2;
    nn_idx_labels lb2;
    assert_int_equal(nn_idx_load_images(ipath, &im2, &err), NN_OK);
    assert_int_equal(im2.count, 3);
    assert_int_equal(im2.rows, 4);
    assert_int_equal(im2.cols, 5);
    assert_memory_equal(im2.pixels, pixels, sizeof pixels);
    assert_int_equal(nn_idx_load_labels(lpath, 10, &lb2, &err), NN_OK);
    assert_int_equal(lb2.count, 3);
    assert_memory_equal(lb2.labels, labels, 3);
    nn_idx_free_images(&im2);
    nn_idx_free_labels(&lb2);
    assert_null(im2.pixels);
    nn_idx_free_images(&im2); /* twice is harmless */
    nn_idx_free_labels(&lb2);

    /* No temporary file is left beside the outputs. */
    DIR *d = opendir(dir);
    assert_non_null(d);
    int entries = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) entries++;
    closedir(d);
    assert_int_equal(entries, 2);

    /* Saving again replaces the file. */
    labels[1] = 2;
    assert_int_equal(nn_idx_save_labels(lpath, &lb, &err), NN_OK);
    assert_int_equal(nn_idx_load_labels(lpath, 10, &lb2, &err), NN_OK);
    assert_int_equal(lb2.labels[1], 2);
    nn_idx_free_labels(&lb2);

    free(ipath);
    free(lpath);
    test_tmpdir_remove(dir);
}

static void test_roundtrip_gz(void **state) {
    (void)state;
    char *dir = test_tmpdir();
    /* The name says nothing: gzip is found by its magic bytes. */
    char *ipath = path_in(dir, "images-no-suffix"), *lpath = path_in(dir, "labels.gz");
    enum { N = 2000, R = 28, C = 28 }; /* 1.5 MB: many zlib buffers' worth */
    uint8_t *pixels = malloc(N * R * C);
    assert_non_null(pixels);
    fill_pattern(pixels, N * R * C, 7);
    uint8_t labels[N];
    for (int i = 0; i < N; i++) labels[i] = (uint8_t)(i % 10);
    bytes ib = images_bytes(N, R, C, pixels), lb = labels_bytes(N, labels);
    write_gz(ipath, ib.data, ib.size);
    write_gz(lpath, lb.data, lb.size);

    nn_idx_images im;
    nn_idx_labels lab;
    nn_error err = {{0}};
    assert_int_equal(nn_idx_load_images(ipath, &im, &err), NN_OK);
    assert_int_equal(im.count, N);
    assert_int_equal(im.rows, R);
    assert_int_equal(im.cols, C);
    assert_memory_equal(im.pixels, pixels, N * R * C);
    assert_int_equal(nn_idx_load_labels(lpath, 10, &lab, &err), NN_OK);
    assert_int_equal(lab.count, N);
    assert_memory_equal(lab.labels, labels, N);
    nn_idx_free_images(&im);
    nn_idx_free_labels(&lab);

    /* Two concatenated gzip members are one stream (as gzip -c a b > c gives).
     * The trailer then gives only the second member's size, so the reader
     * cannot size its buffer up front and has to grow it: over 1 MB, that
     * takes more than one step. */
    write_gz_members(ipath, ib.data, ib.size);
    assert_int_equal(nn_idx_load_images(ipath, &im, &err), NN_OK);
    assert_int_equal(im.count, N);
    assert_memory_equal(im.pixels, pixels, N * R * C);
    nn_idx_free_images(&im);
    /* The same growing buffer must still see one byte too many or too few. */
    ib.data[ib.size] = 0x42;
    write_gz_members(ipath, ib.data, ib.size + 1);
    expect_images_error(ipath, NN_ERR_FORMAT, "trailing garbage: 1 extra bytes");
    write_gz_members(ipath, ib.data, ib.size - 1);
    expect_images_error(ipath, NN_ERR_FORMAT, "expected 1568000 bytes after the header, got "
                                              "1567999");

    free(ib.data);
    free(lb.data);
    free(pixels);
    free(ipath);
    free(lpath);
    test_tmpdir_remove(dir);
}

static void test_free_zeroed(void **state) {
    (void)state;
    nn_idx_images im = {0};
    nn_idx_labels lb = {0};
    nn_dataset d = {0};
    nn_idx_free_images(&im);
    nn_idx_free_labels(&lb);
    nn_dataset_free(&d);
    nn_dataset_free(&d);
    nn_idx_free_images(NULL);
    nn_idx_free_labels(NULL);
    nn_dataset_free(NULL);
    assert_null(im.pixels);
}

static void test_save_errors(void **state) {
    (void)state;
    char *dir = test_tmpdir();
    nn_error err = {{0}};
    uint8_t px[4] = {1, 2, 3, 4};
    nn_idx_images im = {1, 2, 2, px};
    char *nodir = path_in(dir, "no/such/dir/im.idx");
    assert_int_equal(nn_idx_save_images(nodir, &im, &err), NN_ERR_IO);
    assert_non_null(strstr(err.msg, nodir));
    nn_idx_images empty = {0, 2, 2, px};
    char *p = path_in(dir, "im.idx");
    assert_int_equal(nn_idx_save_images(p, &empty, &err), NN_ERR_ARG);
    assert_non_null(strstr(err.msg, p));
    nn_idx_images nopix = {1, 2, 2, NULL};
    assert_int_equal(nn_idx_save_images(p, &nopix, &err), NN_ERR_ARG);
    nn_idx_labels nolab = {3, NULL};
    assert_int_equal(nn_idx_save_labels(p, &nolab, &err), NN_ERR_ARG);
    struct stat st;
    assert_int_not_equal(stat(p, &st), 0); /* nothing was written */
    free(nodir);
    free(p);
    test_tmpdir_remove(dir);
}

/* ---- bad input ---- */

/* Writes b to dir/name raw (gz=0) or gzip-compressed (gz=1); returns the path. */
static char *put(const char *dir, const char *name, bytes b, int gz) {
    char *p = path_in(dir, name);
    if (gz)
        write_gz(p, b.data, b.size);
    else
        write_raw(p, b.data, b.size);
    free(b.data);
    return p;
}

static void test_bad_images(void **state) {
    (void)state;
    char *dir = test_tmpdir();
    uint8_t px[2 * 3 * 4];
    fill_pattern(px, sizeof px, 3);
    for (int gz = 0; gz <= 1; gz++) {
        char *p;
        uint32_t dims[3];

        p = path_in(dir, "missing");
        expect_images_error(p, NN_ERR_IO, "cannot open");
        free(p);
        expect_images_error(dir, NN_ERR_IO, "directory");

        p = put(dir, "empty", (bytes){calloc(1, 1), 0}, gz);
        expect_images_error(p, NN_ERR_FORMAT, "empty");
        free(p);

        dims[0] = 2, dims[1] = 3, dims[2] = 4;
        p = put(dir, "badmagic", make_idx(0x12345678, dims, 3, px, sizeof px), gz);
        expect_images_error(p, NN_ERR_FORMAT, "bad magic 0x12345678");
        free(p);
        p = put(dir, "floats", make_idx(0x00000d03, dims, 3, px, sizeof px), gz);
        expect_images_error(p, NN_ERR_FORMAT, "0x00000d03");
        free(p);
        /* A label file handed to the image loader: the rank is what is wrong. */
        p = put(dir, "labels-as-images", make_idx(0x801, dims, 1, px, 2), gz);
        expect_images_error(p, NN_ERR_FORMAT, "wrong rank");
        free(p);
        p = put(dir, "rank4", make_idx(0x804, (uint32_t[]){2, 3, 2, 2}, 4, px, sizeof px), gz);
        expect_images_error(p, NN_ERR_FORMAT, "rank 4");
        free(p);

        p = put(dir, "shorthead", make_idx(0x803, dims, 2, NULL, 0), gz);
        expect_images_error(p, NN_ERR_FORMAT, "truncated header: expected 16 bytes, got 12");
        free(p);
        bytes three = make_idx(0x803, dims, 0, NULL, 0);
        three.size = 3;
        p = put(dir, "shortmagic", three, gz);
        expect_images_error(p, NN_ERR_FORMAT, "truncated header");
        free(p);

        p = put(dir, "zerocount", images_bytes(0, 3, 4, px), gz);
        expect_images_error(p, NN_ERR_FORMAT, "image count is zero");
        free(p);
        p = put(dir, "zerorows", images_bytes(2, 0, 4, px), gz);
        expect_images_error(p, NN_ERR_FORMAT, "rows is zero");
        free(p);
        dims[0] = 2, dims[1] = 3, dims[2] = 5000;
        p = put(dir, "widecols", make_idx(0x803, dims, 3, px, sizeof px), gz);
        expect_images_error(p, NN_ERR_FORMAT, "columns 5000");
        free(p);
        dims[0] = 20000000, dims[1] = 3, dims[2] = 4;
        p = put(dir, "hugecount", make_idx(0x803, dims, 3, px, sizeof px), gz);
        expect_images_error(p, NN_ERR_FORMAT, "image count 20000000");
        free(p);
        /* Within each limit but 10M x 4096 x 4096 bytes in all. */
        dims[0] = 10000000, dims[1] = 4096, dims[2] = 4096;
        p = put(dir, "hugetotal", make_idx(0x803, dims, 3, px, sizeof px), gz);
        expect_images_error(p, NN_ERR_FORMAT, "limit");
        free(p);
        /* A count that claims more than the file holds (large, to prove the
         * reader does not trust it with an allocation it then fills). */
        dims[0] = 9000000, dims[1] = 16, dims[2] = 14;
        p = put(dir, "liar", make_idx(0x803, dims, 3, px, sizeof px), gz);
        expect_images_error(p, NN_ERR_FORMAT, "expected 2016000000 bytes after the header, got 24");
        free(p);

        bytes b = images_bytes(2, 3, 4, px);
        b.size -= 1;
        p = put(dir, "truncated", b, gz);
        expect_images_error(p, NN_ERR_FORMAT, "truncated data: expected 24 bytes after the "
                                              "header, got 23");
        free(p);
        b = images_bytes(2, 3, 4, px);
        b.data[b.size] = 0x55;
        b.size += 1;
        p = put(dir, "trailing", b, gz);
        expect_images_error(p, NN_ERR_FORMAT, "trailing garbage: 1 extra bytes");
        free(p);
    }
    test_tmpdir_remove(dir);
}

static void test_bad_gzip(void **state) {
    (void)state;
    char *dir = test_tmpdir();
    enum { N = 40 };
    uint8_t *px = malloc(N * 28 * 28);
    assert_non_null(px);
    fill_pattern(px, N * 28 * 28, 5);
    bytes ib = images_bytes(N, 28, 28, px);
    char *good = path_in(dir, "good.gz");
    write_gz(good, ib.data, ib.size);
    bytes gz = read_whole(good);

    /* The compressed file cut in half. */
    char *p = path_in(dir, "cut.gz");
    write_raw(p, gz.data, gz.size / 2);
    expect_images_error(p, NN_ERR_FORMAT, "gzip");
    /* Cut just before the CRC/length trailer: all data is there, the check is not. */
    write_raw(p, gz.data, gz.size - 8);
    expect_images_error(p, NN_ERR_FORMAT, "gzip");
    /* Only the two magic bytes. */
    write_raw(p, gz.data, 2);
    expect_images_error(p, NN_ERR_FORMAT, NULL);

    /* Damaged deflate data, and a damaged CRC. */
    unsigned char *bad = malloc(gz.size);
    assert_non_null(bad);
    memcpy(bad, gz.data, gz.size);
    for (size_t i = gz.size / 3; i < gz.size / 3 + 16; i++) bad[i] ^= 0x5a;
    write_raw(p, bad, gz.size);
    expect_images_error(p, NN_ERR_FORMAT, "corrupt gzip");
    memcpy(bad, gz.data, gz.size);
    bad[gz.size - 8] ^= 1;
    write_raw(p, bad, gz.size);
    expect_images_error(p, NN_ERR_FORMAT, "corrupt gzip");
    /* gzip magic, then an unknown compression method. */
    memcpy(bad, gz.data, gz.size);
    bad[2] = 7;
    write_raw(p, bad, gz.size);
    expect_images_error(p, NN_ERR_FORMAT, "corrupt gzip");

    /* A header that lies about the count, backed by a gzip trailer forged to
     * agree with it: the reader sizes its buffer from both, then must still
     * notice that the data is short. */
    uint32_t dims[3] = {50000, 28, 28};
    bytes liar = make_idx(0x803, dims, 3, px, 24);
    write_gz(p, liar.data, liar.size);
    free(liar.data);
    bytes lgz = read_whole(p);
    uint32_t claimed = 16 + 50000u * 28 * 28;
    for (int i = 0; i < 4; i++) lgz.data[lgz.size - 4 + i] = (unsigned char)(claimed >> (8 * i));
    write_raw(p, lgz.data, lgz.size);
    free(lgz.data);
    expect_images_error(p, NN_ERR_FORMAT, "gzip");

    free(bad);
    free(gz.data);
    free(ib.data);
    free(px);
    free(good);
    free(p);
    test_tmpdir_remove(dir);
}

static void test_bad_labels(void **state) {
    (void)state;
    char *dir = test_tmpdir();
    uint8_t labels[6] = {0, 1, 2, 9, 3, 4};
    for (int gz = 0; gz <= 1; gz++) {
        char *p = put(dir, "ok", labels_bytes(6, labels), gz);
        nn_idx_labels lb;
        nn_error err = {{0}};
        assert_int_equal(nn_idx_load_labels(p, 10, &lb, &err), NN_OK);
        nn_idx_free_labels(&lb);
        /* With 9 classes, the 9 at index 3 is out of range. */
        expect_labels_error(p, 9, NN_ERR_FORMAT, "label 9 at index 3");
        expect_labels_error(p, 0, NN_ERR_ARG, NULL);
        expect_labels_error(p, 300, NN_ERR_ARG, NULL);
        free(p);

        labels[5] = 200;
        p = put(dir, "big", labels_bytes(6, labels), gz);
        expect_labels_error(p, 10, NN_ERR_FORMAT, "label 200 at index 5");
        labels[5] = 4;
        free(p);

        uint8_t px[4] = {0};
        p = put(dir, "images", images_bytes(1, 2, 2, px), gz);
        expect_labels_error(p, 10, NN_ERR_FORMAT, "wrong rank");
        free(p);
        p = put(dir, "zero", labels_bytes(0, labels), gz);
        expect_labels_error(p, 10, NN_ERR_FORMAT, "label count is zero");
        free(p);
        bytes b = labels_bytes(6, labels);
        b.size -= 2;
        p = put(dir, "short", b, gz);
        expect_labels_error(p, 10, NN_ERR_FORMAT, "expected 6 bytes after the header, got 4");
        free(p);
        b = labels_bytes(6, labels);
        b.data[b.size] = 1;
        b.size++;
        p = put(dir, "long", b, gz);
        expect_labels_error(p, 10, NN_ERR_FORMAT, "trailing garbage");
        free(p);
        p = path_in(dir, "absent");
        expect_labels_error(p, 10, NN_ERR_IO, "cannot open");
        free(p);
    }
    test_tmpdir_remove(dir);
}

/* ---- seeded mutation fuzz ---- */

/* nn's seeded generator: every run tries the same mutations */
static uint64_t fuzz_next(nn_rng *s) { return nn_rng_next(s); }

static size_t fuzz_below(nn_rng *s, size_t n) { return (size_t)(fuzz_next(s) % n); }

static void fuzz_mutate(nn_rng *s, unsigned char *buf, size_t *size, size_t cap) {
    static const unsigned char interesting[] = {0x00, 0x01, 0x03, 0x08, 0x7f, 0x80, 0xff};
    int kind = (int)fuzz_below(s, 5);
    if (kind == 0 || kind == 4) { /* a few random byte changes anywhere */
        int flips = 1 + (int)fuzz_below(s, 4);
        for (int i = 0; i < flips && *size; i++)
            buf[fuzz_below(s, *size)] ^= (unsigned char)(1 + fuzz_below(s, 255));
    }
    if (kind == 1 && *size) *size = fuzz_below(s, *size); /* truncation */
    if ((kind == 2 || kind == 4) && *size) { /* header edits, where limits live */
        size_t span = *size < 16 ? *size : 16;
        buf[fuzz_below(s, span)] = fuzz_below(s, 2) ? interesting[fuzz_below(s, 7)]
                                                    : (unsigned char)fuzz_next(s);
    }
    if (kind == 3) { /* trailing bytes */
        size_t extra = 1 + fuzz_below(s, 40);
        while (extra-- && *size < cap) buf[(*size)++] = (unsigned char)fuzz_next(s);
    }
}

static void fuzz_check(nn_status st, const char *path, const nn_error *err) {
    if (st != NN_OK && st != NN_ERR_FORMAT && st != NN_ERR_IO)
        fail_msg("unexpected status %d for %s: %s", st, path, err->msg);
    if (st != NN_OK && !strstr(err->msg, path)) fail_msg("message lacks path: %s", err->msg);
}

static void test_fuzz(void **state) {
    (void)state;
    char *dir = test_tmpdir();
    char *path = path_in(dir, "fuzz");
    uint8_t px[5 * 4 * 3], lab[7] = {1, 0, 9, 3, 3, 7, 2};
    fill_pattern(px, sizeof px, 9);
    bytes bases[2] = {images_bytes(5, 4, 3, px), labels_bytes(7, lab)};
    enum { CAP = 256 };
    unsigned char buf[CAP];
    nn_rng seed;
    nn_rng_seed(&seed, 20231209);
    int ok = 0, failed = 0;
    for (int iter = 0; iter < 2000; iter++) {
        bytes base = bases[iter & 1];
        memcpy(buf, base.data, base.size);
        size_t size = base.size;
        int mode = (int)fuzz_below(&seed, 3); /* 0 raw, 1 gzip of mutant, 2 mutated gzip */
        if (mode != 2) fuzz_mutate(&seed, buf, &size, CAP);
        if (mode == 0) {
            write_raw(path, buf, size);
        } else {
            write_gz(path, buf, size);
            if (mode == 2) {
                bytes gz = read_whole(path);
                unsigned char gbuf[CAP];
                assert_true(gz.size <= CAP);
                memcpy(gbuf, gz.data, gz.size);
                size_t gsize = gz.size;
                fuzz_mutate(&seed, gbuf, &gsize, CAP);
                write_raw(path, gbuf, gsize);
                free(gz.data);
            }
        }
        nn_idx_images im;
        nn_idx_labels lb;
        nn_error err = {{0}};
        nn_status st = nn_idx_load_images(path, &im, &err);
        fuzz_check(st, path, &err);
        if (st == NN_OK) {
            assert_non_null(im.pixels);
            assert_true(im.count > 0 && im.rows > 0 && im.cols > 0);
            if (mode == 0) /* header and size must agree for a raw file */
                assert_int_equal(16 + (size_t)im.count * im.rows * im.cols, size);
            ok++;
        } else {
            failed++;
        }
        nn_idx_free_images(&im);
        st = nn_idx_load_labels(path, 10, &lb, &err);
        fuzz_check(st, path, &err);
        if (st == NN_OK) {
            for (int i = 0; i < lb.count; i++) assert_true(lb.labels[i] < 10);
            if (mode == 0) assert_int_equal(8 + (size_t)lb.count, size);
        }
        nn_idx_free_labels(&lb);
    }
    print_message("fuzz: %d image files loaded, %d rejected\n", ok, failed);
    /* The fuzz must have reached both outcomes to mean anything. */
    assert_true(ok > 50);
    assert_true(failed > 500);
    free(bases[0].data);
    free(bases[1].data);
    free(path);
    test_tmpdir_remove(dir);
}

/* ---- dataset directories ---- */

static const char *STD_NAMES[4] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                   "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};

/* A tiny dataset: 6 train and 3 test images of 2x3. Which files are gzip is
 * given by gz_mask (bit i for STD_NAMES[i]). */
static void make_tiny_dataset(const char *dir, const char *const names[4], int gz_mask,
                              int train_labels, int test_rows) {
    uint8_t px[6 * 2 * 3], lab[6] = {5, 0, 4, 1, 9, 2};
    fill_pattern(px, sizeof px, 2);
    bytes files[4] = {images_bytes(6, 2, 3, px), labels_bytes((uint32_t)train_labels, lab),
                      images_bytes(3, (uint32_t)test_rows, 6 / (uint32_t)test_rows, px),
                      labels_bytes(3, lab + 3)};
    for (int i = 0; i < 4; i++) {
        char name[256];
        snprintf(name, sizeof name, "%s%s", names[i], gz_mask >> i & 1 ? ".gz" : "");
        free(put(dir, name, files[i], gz_mask >> i & 1));
    }
}

static void test_dataset_tiny(void **state) {
    (void)state;
    char *dir = test_tmpdir();
    make_tiny_dataset(dir, STD_NAMES, 0x6, 6, 2); /* train labels and test images gzip */
    nn_dataset d;
    nn_error err = {{0}};
    assert_int_equal(nn_dataset_load(dir, &d, &err), NN_OK);
    assert_int_equal(d.train_images.count, 6);
    assert_int_equal(d.train_images.rows, 2);
    assert_int_equal(d.train_images.cols, 3);
    assert_int_equal(d.train_labels.count, 6);
    assert_int_equal(d.train_labels.labels[0], 5);
    assert_int_equal(d.test_images.count, 3);
    assert_int_equal(d.test_labels.count, 3);
    assert_int_equal(d.test_labels.labels[0], 1);
    uint8_t px[36];
    fill_pattern(px, sizeof px, 2);
    assert_memory_equal(d.train_images.pixels, px, 36);
    assert_memory_equal(d.test_images.pixels, px, 18);
    nn_dataset_free(&d);
    assert_null(d.train_images.pixels);
    nn_dataset_free(&d);

    assert_int_equal(nn_dataset_load_test(dir, &d, &err), NN_OK);
    assert_int_equal(d.test_images.count, 3);
    assert_int_equal(d.train_images.count, 0);
    assert_null(d.train_images.pixels);
    assert_null(d.train_labels.labels);
    nn_dataset_free(&d);
    test_tmpdir_remove(dir);
}

static void test_dataset_find_file(void **state) {
    (void)state;
    char *dir = test_tmpdir();
    char path[4096];
    nn_error err = {{0}};
    char *raw = path_in(dir, "a"), *gz = path_in(dir, "a.gz"), *bgz = path_in(dir, "b.gz");
    write_raw(raw, "x", 1);
    write_raw(gz, "x", 1);
    write_raw(bgz, "x", 1);
    assert_int_equal(nn_dataset_find_file(dir, "a", path, sizeof path, &err), NN_OK);
    assert_string_equal(path, raw); /* raw wins when both exist */
    assert_int_equal(nn_dataset_find_file(dir, "b", path, sizeof path, &err), NN_OK);
    assert_string_equal(path, bgz);

    assert_int_equal(nn_dataset_find_file(dir, "c", path, sizeof path, &err), NN_ERR_IO);
    char *c = path_in(dir, "c"), *cgz = path_in(dir, "c.gz");
    assert_non_null(strstr(err.msg, c));
    assert_non_null(strstr(err.msg, cgz));
    /* A directory called c is not the file c. */
    assert_int_equal(mkdir(c, 0755), 0);
    assert_int_equal(nn_dataset_find_file(dir, "c", path, sizeof path, &err), NN_ERR_IO);

    char *nodir = path_in(dir, "nowhere");
    assert_int_equal(nn_dataset_find_file(nodir, "a", path, sizeof path, &err), NN_ERR_IO);
    assert_non_null(strstr(err.msg, nodir));
    assert_non_null(strstr(err.msg, "not a directory"));
    char tiny[8];
    assert_int_equal(nn_dataset_find_file(dir, "a", tiny, sizeof tiny, &err), NN_ERR_ARG);
    free(raw);
    free(gz);
    free(bgz);
    free(c);
    free(cgz);
    free(nodir);
    test_tmpdir_remove(dir);
}

static void expect_dataset_error(const char *dir, int test_only, nn_status code,
                                 const char *detail1, const char *detail2) {
    nn_dataset d;
    memset(&d, 0xab, sizeof d);
    nn_error err = {{0}};
    nn_status st = test_only ? nn_dataset_load_test(dir, &d, &err) : nn_dataset_load(dir, &d, &err);
    if (st != code || !strstr(err.msg, detail1) || (detail2 && !strstr(err.msg, detail2)))
        fail_msg("dataset %s: status %d (want %d), message \"%s\"", dir, st, code, err.msg);
    /* Failure leaves nothing allocated behind. */
    assert_null(d.train_images.pixels);
    assert_null(d.train_labels.labels);
    assert_null(d.test_images.pixels);
    assert_null(d.test_labels.labels);
}

static void test_dataset_errors(void **state) {
    (void)state;
    char *dir = test_tmpdir();
    char *p, *q;

    /* 6 train images but 5 train labels: both file names in the message. */
    char *mismatch = path_in(dir, "mismatch");
    assert_int_equal(mkdir(mismatch, 0755), 0);
    make_tiny_dataset(mismatch, STD_NAMES, 0x1, 5, 2);
    p = path_in(mismatch, "train-images-idx3-ubyte.gz");
    q = path_in(mismatch, "train-labels-idx1-ubyte");
    expect_dataset_error(mismatch, 0, NN_ERR_FORMAT, p, q);
    free(p);
    free(q);
    /* The test split alone is fine. */
    nn_dataset d;
    nn_error err = {{0}};
    assert_int_equal(nn_dataset_load_test(mismatch, &d, &err), NN_OK);
    nn_dataset_free(&d);

    /* Test images 3x2 but train images 2x3. */
    char *shape = path_in(dir, "shape");
    assert_int_equal(mkdir(shape, 0755), 0);
    make_tiny_dataset(shape, STD_NAMES, 0xf, 6, 3);
    expect_dataset_error(shape, 0, NN_ERR_FORMAT, "3x2", "2x3");

    /* A missing file: both tried paths named. */
    p = path_in(shape, "t10k-labels-idx1-ubyte.gz");
    assert_int_equal(unlink(p), 0);
    q = path_in(shape, "t10k-labels-idx1-ubyte");
    expect_dataset_error(shape, 0, NN_ERR_IO, q, p);
    expect_dataset_error(shape, 1, NN_ERR_IO, q, p);
    free(p);
    free(q);

    /* A label of 10 in a 10-class dataset. */
    char *badlabel = path_in(dir, "badlabel");
    assert_int_equal(mkdir(badlabel, 0755), 0);
    make_tiny_dataset(badlabel, STD_NAMES, 0x0, 6, 2);
    p = path_in(badlabel, "t10k-labels-idx1-ubyte");
    uint8_t ten[3] = {1, 10, 2};
    free(put(badlabel, "t10k-labels-idx1-ubyte", labels_bytes(3, ten), 0));
    expect_dataset_error(badlabel, 0, NN_ERR_FORMAT, p, "label 10 at index 1");
    free(p);

    char *absent = path_in(dir, "absent");
    expect_dataset_error(absent, 0, NN_ERR_IO, absent, "train-images-idx3-ubyte");
    free(absent);
    free(mismatch);
    free(shape);
    free(badlabel);
    test_tmpdir_remove(dir);
}

static void test_dataset_dot_names(void **state) {
    (void)state;
    /* Copies named like Kaggle's (train-images.idx3-ubyte) load too. */
    static const char *const dot_names[4] = {"train-images.idx3-ubyte", "train-labels.idx1-ubyte",
                                             "t10k-images.idx3-ubyte", "t10k-labels.idx1-ubyte"};
    char *dir = test_tmpdir();
    make_tiny_dataset(dir, dot_names, 0x5, 6, 2);
    nn_dataset d;
    nn_error err = {{0}};
    assert_int_equal(nn_dataset_load(dir, &d, &err), NN_OK);
    assert_int_equal(d.train_images.count, 6);
    assert_int_equal(d.test_labels.count, 3);
    nn_dataset_free(&d);
    test_tmpdir_remove(dir);
}

/* ---- real data ---- */

static uint64_t pixel_sum(const nn_idx_images *im) {
    uint64_t sum = 0;
    size_t n = (size_t)im->count * (size_t)im->rows * (size_t)im->cols;
    for (size_t i = 0; i < n; i++) sum += im->pixels[i];
    return sum;
}

static void check_histogram(const nn_idx_labels *lb, const int *want) {
    int hist[10] = {0}, total = 0;
    for (int i = 0; i < lb->count; i++) hist[lb->labels[i]]++;
    for (int c = 0; c < 10; c++) {
        assert_int_equal(hist[c], want[c]);
        total += hist[c];
    }
    assert_int_equal(total, lb->count);
}

static void test_mnist(void **state) {
    (void)state;
    const char *dir = test_mnist_dir();
    if (!dir) {
        print_message("MNIST_DIR not set: skipping the real-MNIST checks\n");
        skip();
    }
    nn_dataset d;
    nn_error err = {{0}};
    nn_status st = nn_dataset_load(dir, &d, &err);
    if (st != NN_OK) fail_msg("%s", err.msg);
    assert_int_equal(d.train_images.count, 60000);
    assert_int_equal(d.test_images.count, 10000);
    assert_int_equal(d.train_images.rows, 28);
    assert_int_equal(d.train_images.cols, 28);
    assert_int_equal(d.test_images.rows, 28);
    assert_int_equal(d.test_images.cols, 28);
    assert_int_equal(d.train_labels.labels[0], 5);
    assert_int_equal(d.test_labels.labels[0], 7);
    static const int train_hist[10] = {5923, 6742, 5958, 6131, 5842,
                                       5421, 5918, 6265, 5851, 5949};
    static const int test_hist[10] = {980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009};
    check_histogram(&d.train_labels, train_hist);
    check_histogram(&d.test_labels, test_hist);
    /* Pixel sums of the canonical files (computed with Python's gzip module). */
    assert_true(pixel_sum(&d.train_images) == 1567298545ull);
    assert_true(pixel_sum(&d.test_images) == 264923200ull);
    nn_dataset_free(&d);
}

static void test_fashion_mnist(void **state) {
    (void)state;
    const char *dir = "/usr/share/datasets/fashion-mnist";
    struct stat st;
    if (stat(dir, &st) != 0) {
        print_message("%s absent (apt-get install dataset-fashion-mnist): skipping\n", dir);
        skip();
    }
    nn_dataset d;
    nn_error err = {{0}};
    if (nn_dataset_load(dir, &d, &err) != NN_OK) fail_msg("%s", err.msg);
    assert_int_equal(d.train_images.count, 60000);
    assert_int_equal(d.test_images.count, 10000);
    assert_int_equal(d.train_images.rows, 28);
    assert_int_equal(d.test_images.cols, 28);
    assert_int_equal(d.train_labels.labels[0], 9); /* ankle boot */
    assert_int_equal(d.test_labels.labels[0], 9);
    static const int train_hist[10] = {6000, 6000, 6000, 6000, 6000,
                                       6000, 6000, 6000, 6000, 6000};
    static const int test_hist[10] = {1000, 1000, 1000, 1000, 1000,
                                      1000, 1000, 1000, 1000, 1000};
    check_histogram(&d.train_labels, train_hist);
    check_histogram(&d.test_labels, test_hist);
    assert_true(pixel_sum(&d.train_images) == 3431114169ull);
    assert_true(pixel_sum(&d.test_images) == 573469082ull);
    nn_dataset_free(&d);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_raw),
        cmocka_unit_test(test_roundtrip_gz),
        cmocka_unit_test(test_free_zeroed),
        cmocka_unit_test(test_save_errors),
        cmocka_unit_test(test_bad_images),
        cmocka_unit_test(test_bad_gzip),
        cmocka_unit_test(test_bad_labels),
        cmocka_unit_test(test_fuzz),
        cmocka_unit_test(test_dataset_tiny),
        cmocka_unit_test(test_dataset_find_file),
        cmocka_unit_test(test_dataset_errors),
        cmocka_unit_test(test_dataset_dot_names),
        cmocka_unit_test(test_mnist),
        cmocka_unit_test(test_fashion_mnist),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
