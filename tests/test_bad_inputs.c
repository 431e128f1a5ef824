/* Hostile input (issue 6, parsers): every case here failed, hung or printed
 * the wrong thing before it was fixed. Model/label class mismatch, FIFOs and
 * devices, a gzip trailer cut off, NaN/Inf weights, a layer declared far wider
 * than any work should be, stdout write errors, 16-bit and top-down images,
 * truncated JPEGs, and file bytes echoed raw to the terminal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "support.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "../app/render/image_load.h"
#include "../nn/checkpoint.h"
#include "../nn/dataset.h"
#include "../nn/idx.h"
#include "../nn/safe_io.h"
#include "../nn/train.h"

/* A hang is the bug some of these tests guard against: a blocked open must
 * end the test binary (counted as failed), not the CI run. Never a speed
 * check: the limit is far beyond any working run. */
#define HANG_GUARD_SECONDS 120

/* ------------------------------------------------------------- helpers */

static const char *fixtures_dir(void) {
    const char *dir = getenv("DYAD_FIXTURES");
    return dir && *dir ? dir : "tests/fixtures";
}

static void fixture_path(char *buf, size_t size, const char *name) {
    snprintf(buf, size, "%s/%s", fixtures_dir(), name);
}

static int have_dyad(void) { return access(test_dyad_bin(), X_OK) == 0; }

static void save_net(const char *path, int in, const nn_layer_spec *specs, int nlayers) {
    nn_mlp net;
    nn_error err;
    assert_int_equal(nn_mlp_create(&net, in, specs, nlayers, 0, &err), NN_OK);
    nn_mlp_init(&net, 3);
    assert_int_equal(nn_checkpoint_save(path, &net, NULL, &err), NN_OK);
    nn_mlp_free(&net);
}

/* A test split of count 28x28 images, labels 0..9 in turn, in dir. */
static void write_small_mnist(const char *dir, int count) {
    nn_idx_images images = {count, 28, 28, calloc((size_t)count * 784, 1)};
    nn_idx_labels labels = {count, malloc((size_t)count)};
    assert_non_null(images.pixels);
    assert_non_null(labels.labels);
    for (int i = 0; i < count; i++) {
        labels.labels[i] = (uint8_t)(i % 10);
        for (int p = 0; p < 784; p++) images.pixels[(size_t)i * 784 + p] = (uint8_t)((p * 7 + i) % 256);
    }
    char path[4200];
    nn_error err;
    snprintf(path, sizeof path, "%s/t10k-images-idx3-ubyte", dir);
    assert_int_equal(nn_idx_save_images(path, &images, &err), NN_OK);
    snprintf(path, sizeof path, "%s/t10k-labels-idx1-ubyte", dir);
    assert_int_equal(nn_idx_save_labels(path, &labels, &err), NN_OK);
    free(images.pixels);
    free(labels.labels);
}

static int has_control_byte(const char *s) {
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t') return 1;
    return 0;
}

#define ASSERT_HAS(haystack, needle)                                                      \
    do {                                                                                  \
        if (!strstr((haystack), (needle)))                                                \
            fail_msg("expected '%s' in: %s", (needle), (haystack));                       \
    } while (0)

/* ------------------------------------------- 1. model classes vs labels */

static void test_class_mismatch_unit(void **state) {
    (void)state;
    nn_layer_spec specs[] = {{NN_LAYER_DENSE, 1, 16, 0}, {NN_LAYER_DENSE, 1, 3, 0}};
    nn_mlp net;
    nn_error err;
    assert_int_equal(nn_mlp_create(&net, 784, specs, 2, 0, &err), NN_OK);
    uint8_t pixels[2 * 784] = {0}, lab[2] = {1, 9};
    nn_idx_images images = {2, 28, 28, pixels};
    nn_idx_labels labels = {2, lab};
    assert_int_equal(nn_dataset_check_model(&images, &labels, &net, "m.safetensors", "dir", &err),
                     NN_ERR_ARG);
    ASSERT_HAS(err.msg, "m.safetensors");
    ASSERT_HAS(err.msg, "dir");
    ASSERT_HAS(err.msg, "up to 9");
    lab[1] = 2; /* labels within the model's 3 classes are fine */
    assert_int_equal(nn_dataset_check_model(&images, &labels, &net, "m", "d", &err), NN_OK);
    images.cols = 27; /* and images must match the input width */
    assert_int_equal(nn_dataset_check_model(&images, &labels, &net, "m", "d", &err), NN_ERR_ARG);
    ASSERT_HAS(err.msg, "28x27");
    nn_mlp_free(&net);
}

/* nn_train_evaluate's own guard: labels past the model's classes are misses,
 * never writes past the classes x classes matrix. */
static void test_train_evaluate_guard(void **state) {
    (void)state;
    nn_layer_spec specs[] = {{NN_LAYER_DENSE, 1, 3, 0}};
    nn_mlp net;
    nn_error err;
    assert_int_equal(nn_mlp_create(&net, 4, specs, 1, 0, &err), NN_OK);
    nn_mlp_init(&net, 5);
    assert_int_equal(nn_mlp_reserve(&net, 8, &err), NN_OK);
    uint8_t pixels[8 * 4], lab[8] = {0, 1, 2, 9, 9, 5, 7, 3};
    for (int i = 0; i < 32; i++) pixels[i] = (uint8_t)(i * 37);
    nn_idx_images images = {8, 2, 2, pixels};
    nn_idx_labels labels = {8, lab};
    int confusion[9 + 16];
    for (int i = 0; i < 25; i++) confusion[i] = -7;
    double acc = nn_train_evaluate(&net, &images, &labels, 8, confusion);
    assert_true(acc >= 0.0 && acc <= 3.0 / 8.0); /* only labels 0..2 can be hits */
    int counted = 0;
    for (int i = 0; i < 9; i++) counted += confusion[i];
    assert_int_equal(counted, 3);
    for (int i = 9; i < 25; i++) assert_int_equal(confusion[i], -7);
    nn_mlp_free(&net);
}

/* `dyad eval` on a 784 -> 16 -> 3 model over digits 0..9: the confusion
 * matrix was 3x3 but indexed by labels up to 9 (a heap overflow). */
static void test_eval_class_mismatch(void **state) {
    (void)state;
    if (!have_dyad()) skip();
    char *dir = test_tmpdir();
    write_small_mnist(dir, 20);
    char model[4200], cmd[9000], out[8192];
    snprintf(model, sizeof model, "%s/three.safetensors", dir);
    nn_layer_spec specs[] = {{NN_LAYER_DENSE, 1, 16, 0}, {NN_LAYER_DENSE, 1, 3, 0}};
    save_net(model, 784, specs, 2);
    snprintf(cmd, sizeof cmd, "'%s' eval '%s' --data '%s'", test_dyad_bin(), model, dir);
    assert_int_equal(test_run(cmd, out, sizeof out), 1);
    ASSERT_HAS(out, "three.safetensors");
    ASSERT_HAS(out, dir);
    ASSERT_HAS(out, "3 output classes");
    /* a 10-class model on the same data still works */
    nn_layer_spec ten[] = {{NN_LAYER_DENSE, 1, 16, 0}, {NN_LAYER_DENSE, 1, 10, 0}};
    save_net(model, 784, ten, 2);
    snprintf(cmd, sizeof cmd, "'%s' eval '%s' --data '%s' --json", test_dyad_bin(), model, dir);
    assert_int_equal(test_run(cmd, out, sizeof out), 0);
    ASSERT_HAS(out, "\"n\": 20");
    test_tmpdir_remove(dir);
}

/* -------------------------------------------------- 2. FIFOs, devices */

static void test_fifo_refused(void **state) {
    (void)state;
    char *dir = test_tmpdir();
    char fifo[4200], cmd[20000], out[8192];
    snprintf(fifo, sizeof fifo, "%s/pipe", dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    alarm(HANG_GUARD_SECONDS); /* a blocking open() with no writer hangs forever */
    nn_error err;
    nn_idx_images images;
    nn_idx_labels labels;
    nn_mlp net;
    uint8_t *gray;
    int w, h;
    assert_int_equal(nn_idx_load_images(fifo, &images, &err), NN_ERR_IO);
    ASSERT_HAS(err.msg, "FIFO");
    ASSERT_HAS(err.msg, fifo);
    assert_int_equal(nn_idx_load_labels(fifo, 10, &labels, &err), NN_ERR_IO);
    ASSERT_HAS(err.msg, "FIFO");
    assert_int_equal(nn_checkpoint_load(fifo, &net, NULL, &err), NN_ERR_IO);
    ASSERT_HAS(err.msg, "FIFO");
    assert_int_equal(image_load_gray(fifo, &gray, &w, &h, &err), NN_ERR_IO);
    ASSERT_HAS(err.msg, "FIFO");
    /* a character device and a directory are refused the same way */
    assert_int_equal(nn_idx_load_images("/dev/null", &images, &err), NN_ERR_IO);
    ASSERT_HAS(err.msg, "character device");
    assert_int_equal(nn_checkpoint_load(dir, &net, NULL, &err), NN_ERR_IO);
    ASSERT_HAS(err.msg, "directory");
    if (have_dyad()) {
        snprintf(cmd, sizeof cmd, "'%s' info '%s'", test_dyad_bin(), fifo);
        assert_int_equal(test_run(cmd, out, sizeof out), 1);
        ASSERT_HAS(out, "FIFO");
        char model[4200];
        snprintf(model, sizeof model, "%s/m.safetensors", dir);
        nn_layer_spec specs[] = {{NN_LAYER_DENSE, 1, 10, 0}};
        save_net(model, 784, specs, 1);
        snprintf(cmd, sizeof cmd, "'%s' predict '%s' '%s'", test_dyad_bin(), model, fifo);
        assert_int_equal(test_run(cmd, out, sizeof out), 1);
        ASSERT_HAS(out, "FIFO");
        /* the window's script too */
        snprintf(cmd, sizeof cmd, "SDL_VIDEODRIVER=dummy '%s' draw --model '%s' --baseline '%s' "
                 "--script '%s' --screenshot '%s/shot.png'", test_dyad_bin(), model, model, fifo, dir);
        assert_int_equal(test_run(cmd, out, sizeof out), 2);
        ASSERT_HAS(out, "FIFO");
    }
    alarm(0);
    test_tmpdir_remove(dir);
}

/* -------------------------------------------------------- 3. gzip trailer */

static void test_gzip_trailer_cut(void **state) {
    (void)state;
    char *dir = test_tmpdir();
    /* Enough zero pixels that zlib's gzread returned every byte before it
     * reached the (missing) trailer and then called it a clean end of file. */
    enum { N = 100 };
    size_t size = 16 + (size_t)N * 784;
    unsigned char *raw = calloc(size, 1);
    assert_non_null(raw);
    uint32_t head[4] = {0x803, N, 28, 28};
    for (int i = 0; i < 4; i++)
        for (int b = 0; b < 4; b++) raw[4 * i + b] = (unsigned char)(head[i] >> (24 - 8 * b));
    uLongf zcap = compressBound(size) + 64;
    unsigned char *gz = malloc(zcap);
    assert_non_null(gz);
    z_stream zs = {0};
    assert_int_equal(deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
    zs.next_in = raw, zs.avail_in = (uInt)size, zs.next_out = gz, zs.avail_out = (uInt)zcap;
    assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
    size_t gz_size = zs.total_out;
    deflateEnd(&zs);

    char path[4200];
    snprintf(path, sizeof path, "%s/images.gz", dir);
    nn_idx_images images;
    nn_error err;
    assert_int_equal(test_write_file(path, gz, gz_size), 0);
    assert_int_equal(nn_idx_load_images(path, &images, &err), NN_OK);
    nn_idx_free_images(&images);
    int cuts[] = {1, 4, 5, 8};
    for (size_t c = 0; c < sizeof cuts / sizeof cuts[0]; c++) {
        assert_int_equal(test_write_file(path, gz, gz_size - (size_t)cuts[c]), 0);
        assert_int_equal(nn_idx_load_images(path, &images, &err), NN_ERR_FORMAT);
        ASSERT_HAS(err.msg, "trailer");
        ASSERT_HAS(err.msg, path);
    }
    /* a wrong ISIZE (length mod 2^32) with a right CRC */
    gz[gz_size - 1] ^= 0x40;
    assert_int_equal(test_write_file(path, gz, gz_size), 0);
    assert_int_equal(nn_idx_load_images(path, &images, &err), NN_ERR_FORMAT);
    ASSERT_HAS(err.msg, "corrupt gzip");
    free(gz);
    free(raw);
    test_tmpdir_remove(dir);
}

/* --------------------------------------------------- 3. checkpoint values */

static void test_nonfinite_weights(void **state) {
    (void)state;
    char *dir = test_tmpdir();
    char path[4200];
    snprintf(path, sizeof path, "%s/nan.safetensors", dir);
    nn_layer_spec specs[] = {{NN_LAYER_DYAD_IT, 2, 4, 0}, {NN_LAYER_DENSE, 1, 2, 0}};
    float bad[] = {NAN, INFINITY, -INFINITY};
    const char *want[] = {"NaN", "infinity", "infinity"};
    for (int i = 0; i < 3; i++) {
        nn_mlp net, back;
        nn_error err;
        assert_int_equal(nn_mlp_create(&net, 4, specs, 2, 0, &err), NN_OK);
        nn_mlp_init(&net, 1);
        net.layers[1].param.weight[5] = bad[i];
        assert_int_equal(nn_checkpoint_save(path, &net, NULL, &err), NN_OK);
        assert_int_equal(nn_checkpoint_load(path, &back, NULL, &err), NN_ERR_FORMAT);
        ASSERT_HAS(err.msg, "layers.1.weight");
        ASSERT_HAS(err.msg, want[i]);
        ASSERT_HAS(err.msg, "index 5");
        assert_null(back.params); /* nothing half-loaded */
        nn_mlp_free(&net);
    }
    test_tmpdir_remove(dir);
}

/* The structural nonzeros of W are counted in O(out), not O(in * out). */
static void test_structural_nonzeros(void **state) {
    (void)state;
    nn_layer_kind kinds[] = {NN_LAYER_DENSE, NN_LAYER_DYAD_IT, NN_LAYER_DYAD_OT, NN_LAYER_DYAD_DT};
    int shapes[][3] = {{12, 8, 1}, {12, 8, 2}, {12, 8, 4}, {24, 36, 3}, {16, 16, 16}, {30, 10, 5}};
    for (int k = 0; k < 4; k++) {
        for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
            int n = kinds[k] == NN_LAYER_DENSE ? 1 : shapes[s][2];
            nn_layer l = {.kind = kinds[k], .in = shapes[s][0], .out = shapes[s][1], .ndyad = n};
            size_t brute = 0;
            for (int r = 0; r < l.out; r++)
                for (int c = 0; c < l.in; c++) brute += nn_layer_weight_part(&l, r, c) != 0;
            if (nn_layer_structural_nonzeros(&l) != brute)
                fail_msg("%s %dx%d n=%d: %zu, counted %zu", nn_layer_kind_name(l.kind), l.out, l.in,
                         n, nn_layer_structural_nonzeros(&l), brute);
        }
    }
}

/* A 2^20-wide DYAD layer with ndyad 2^20 (12 MB of parameters): `dyad info`
 * counted its 2^40 weight entries one by one, for hours. A tiny file that
 * declares it is refused before any work. */
static void test_huge_layer_bounded(void **state) {
    (void)state;
    char *dir = test_tmpdir();
    char path[4200], cmd[9000], out[16384];
    snprintf(path, sizeof path, "%s/wide.safetensors", dir);
    nn_layer_spec specs[] = {{NN_LAYER_DYAD_IT, 1 << 20, 1 << 20, 0}};
    save_net(path, 1 << 20, specs, 1);
    if (have_dyad()) {
        snprintf(cmd, sizeof cmd, "timeout %d '%s' info '%s'", HANG_GUARD_SECONDS,
                 test_dyad_bin(), path);
        int rc = test_run(cmd, out, sizeof out);
        if (rc != 0) fail_msg("dyad info exited %d: %s", rc, out);
        ASSERT_HAS(out, "dyad-it");
        ASSERT_HAS(out, "1048576");
        snprintf(cmd, sizeof cmd, "timeout %d '%s' heatmap '%s' --layer 0 --out '%s/h.png'",
                 HANG_GUARD_SECONDS, test_dyad_bin(), path, dir);
        rc = test_run(cmd, out, sizeof out);
        if (rc != 1) fail_msg("dyad heatmap exited %d: %s", rc, out);
        ASSERT_HAS(out, "heatmap");
    }
    /* the same header over 8 data bytes */
    size_t size;
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    unsigned char len[8];
    assert_int_equal(fread(len, 1, 8, f), 8);
    size_t header = 0;
    for (int b = 7; b >= 0; b--) header = header << 8 | len[b];
    size = 8 + header + 8;
    unsigned char *tiny = malloc(size);
    assert_non_null(tiny);
    memcpy(tiny, len, 8);
    assert_int_equal(fread(tiny + 8, 1, header + 8, f), header + 8);
    fclose(f);
    assert_int_equal(test_write_file(path, tiny, size), 0);
    free(tiny);
    nn_mlp net;
    nn_error err;
    assert_int_equal(nn_checkpoint_load(path, &net, NULL, &err), NN_ERR_FORMAT);
    ASSERT_HAS(err.msg, "layers.0.");
    test_tmpdir_remove(dir);
}

/* ------------------------------------------------------ stdout errors */

static void test_stdout_write_error(void **state) {
    (void)state;
    if (!have_dyad() || access("/dev/full", W_OK) != 0) skip();
    char *dir = test_tmpdir();
    char model[1024], image[1024], args[4096], cmd[9000], out[8192];
    snprintf(model, sizeof model, "%s/m.safetensors", dir);
    nn_layer_spec specs[] = {{NN_LAYER_DENSE, 1, 10, 0}};
    save_net(model, 784, specs, 1);
    fixture_path(image, sizeof image, "seven_dark_on_white.png");
    const char *commands[] = {"info '%s'", "predict '%s' '%s'", "--help%s"};
    for (int c = 0; c < 3; c++) {
        snprintf(args, sizeof args, commands[c], c == 2 ? "" : model, image);
        /* stdout to /dev/full, stderr to the pipe */
        snprintf(cmd, sizeof cmd, "{ '%s' %s > /dev/full; }", test_dyad_bin(), args);
        int rc = test_run(cmd, out, sizeof out);
        if (rc == 0) fail_msg("'dyad %s > /dev/full' exited 0", args);
        ASSERT_HAS(out, "standard output");
    }
    test_tmpdir_remove(dir);
}

/* ------------------------------------------------------------- images */

static void load_digit_fixture(const char *name, uint8_t digit[NN_DIGIT_PIXELS]) {
    char path[4200];
    nn_error err;
    fixture_path(path, sizeof path, name);
    if (image_load_digit(path, digit, &err) != NN_OK) fail_msg("%s", err.msg);
}

/* A 16-bit PNG is the same picture as its 8-bit twin; a 16-bit PGM, which
 * the system stb reads byte-swapped and past its buffer, is refused; a
 * top-down BMP (negative height) is the same as the bottom-up one (it was
 * refused as "60x-60 pixels is too large"). */
static void test_16bit_and_top_down(void **state) {
    (void)state;
    char path[4200];
    nn_error err;
    uint8_t *a, *b;
    int w, h, w2, h2;
    fixture_path(path, sizeof path, "seven_dark_on_white.png");
    assert_int_equal(image_load_gray(path, &a, &w, &h, &err), NN_OK);
    fixture_path(path, sizeof path, "seven_16bit.png");
    if (image_load_gray(path, &b, &w2, &h2, &err) != NN_OK) fail_msg("%s", err.msg);
    assert_int_equal(w, w2);
    assert_int_equal(h, h2);
    for (int i = 0; i < w * h; i++)
        if (abs((int)a[i] - (int)b[i]) > 1) fail_msg("pixel %d: %d vs %d", i, a[i], b[i]);
    free(a);
    free(b);
    fixture_path(path, sizeof path, "zero_16bit.pgm");
    assert_int_equal(image_load_gray(path, &a, &w, &h, &err), NN_ERR_FORMAT);
    ASSERT_HAS(err.msg, "16-bit");
    ASSERT_HAS(err.msg, path);
    uint8_t d1[NN_DIGIT_PIXELS], d2[NN_DIGIT_PIXELS];
    load_digit_fixture("four_on_grey.bmp", d1);
    load_digit_fixture("four_top_down.bmp", d2);
    assert_memory_equal(d1, d2, NN_DIGIT_PIXELS);
}

static void test_image_messages(void **state) {
    (void)state;
    char *dir = test_tmpdir();
    char path[4200], cut[4200];
    nn_error err;
    uint8_t digit[NN_DIGIT_PIXELS];
    /* truncated JPEGs: in the data, and inside the header */
    fixture_path(path, sizeof path, "seven_truncated.jpg");
    assert_int_equal(image_load_digit(path, digit, &err), NN_ERR_FORMAT);
    ASSERT_HAS(err.msg, "JPEG");
    assert_null(strstr(err.msg, "png"));
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    unsigned char head[100];
    assert_int_equal(fread(head, 1, sizeof head, f), sizeof head);
    fclose(f);
    snprintf(cut, sizeof cut, "%s/cut.jpg", dir);
    assert_int_equal(test_write_file(cut, head, sizeof head), 0);
    assert_int_equal(image_load_digit(cut, digit, &err), NN_ERR_FORMAT);
    ASSERT_HAS(err.msg, "truncated or corrupt JPEG");
    /* an unknown critical PNG chunk named ESC [ 2 J: stb puts the name in
     * its reason, which must reach the terminal escaped */
    static const unsigned char png[] = {
        0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n',
        0, 0, 0, 13, 'I', 'H', 'D', 'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0,
        0x3a, 0x7e, 0x9b, 0x55, /* CRC of IHDR */
        0, 0, 0, 0, 0x1b, '[', '2', 'J', 0, 0, 0, 0,
        0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82};
    snprintf(cut, sizeof cut, "%s/chunk.png", dir);
    assert_int_equal(test_write_file(cut, png, sizeof png), 0);
    assert_int_equal(image_load_digit(cut, digit, &err), NN_ERR_FORMAT);
    if (has_control_byte(err.msg)) fail_msg("raw control byte in: %s", err.msg);
    ASSERT_HAS(err.msg, "\\x1b[2J");
    /* a header declaring 10000 x 10000 pixels is refused before decoding */
    unsigned char huge[sizeof png];
    memcpy(huge, png, 33);
    huge[16] = 0, huge[17] = 0, huge[18] = 0x27, huge[19] = 0x10; /* width 10000 */
    memcpy(huge + 20, huge + 16, 4);                               /* height too */
    uLong crc = crc32(0, huge + 12, 17);
    for (int b = 0; b < 4; b++) huge[29 + b] = (unsigned char)(crc >> (24 - 8 * b));
    memcpy(huge + 33, png + 45, 12); /* IEND */
    snprintf(cut, sizeof cut, "%s/huge.png", dir);
    assert_int_equal(test_write_file(cut, huge, 45), 0);
    assert_int_equal(image_load_digit(cut, digit, &err), NN_ERR_FORMAT);
    ASSERT_HAS(err.msg, "10000x10000 pixels is too large");
    /* a PNG chunk longer than the file (stb allocated its declared 1 GB first) */
    char kept[4200];
    snprintf(kept, sizeof kept, "tests/fuzz/regressions/image/png-idat-declares-1gb.png");
    assert_int_equal(image_load_digit(kept, digit, &err), NN_ERR_FORMAT);
    ASSERT_HAS(err.msg, "chunk 'IDAT' declares 1090519344 bytes");
    /* ASCII PGM names the format it is */
    snprintf(cut, sizeof cut, "%s/ascii.pgm", dir);
    assert_int_equal(test_write_file(cut, "P2\n1 1\n255\n0\n", 13), 0);
    assert_int_equal(image_load_digit(cut, digit, &err), NN_ERR_FORMAT);
    ASSERT_HAS(err.msg, "P2");
    test_tmpdir_remove(dir);
}

/* ----------------------------------------------------------- messages */

static void test_escape(void **state) {
    (void)state;
    char buf[64];
    assert_string_equal(nn_safe_escape("plain text", 40, buf, sizeof buf), "plain text");
    assert_string_equal(nn_safe_escape("a\x1b[2Jb\n", 40, buf, sizeof buf), "a\\x1b[2Jb\\x0a");
    assert_string_equal(nn_safe_escape("back\\slash", 40, buf, sizeof buf), "back\\\\slash");
    assert_string_equal(nn_safe_escape("caf\xc3\xa9 \xe2\x9c\x93", 40, buf, sizeof buf),
                        "caf\xc3\xa9 \xe2\x9c\x93"); /* valid UTF-8 is kept */
    assert_string_equal(nn_safe_escape("\xc2\x9b" "1m", 40, buf, sizeof buf), "\\xc2\\x9b1m"); /* C1 CSI */
    assert_string_equal(nn_safe_escape("\xff\xc3", 40, buf, sizeof buf), "\\xff\\xc3");
    assert_string_equal(nn_safe_escape("abcdef", 3, buf, sizeof buf), "abc...");
    char small[8];
    assert_string_equal(nn_safe_escape("\x01\x02\x03", 40, small, sizeof small), "\\x01...");
    assert_string_equal(nn_safe_escape(NULL, 40, buf, sizeof buf), "");
}

/* Control bytes in a checkpoint's strings never reach the terminal raw. */
static void test_checkpoint_strings_escaped(void **state) {
    (void)state;
    if (!have_dyad()) skip();
    char *dir = test_tmpdir();
    char path[4200], cmd[9000], out[16384];
    snprintf(path, sizeof path, "%s/esc.safetensors", dir);
    nn_layer_spec specs[] = {{NN_LAYER_DENSE, 1, 10, 0}};
    nn_mlp net;
    nn_error err;
    assert_int_equal(nn_mlp_create(&net, 784, specs, 1, 0, &err), NN_OK);
    nn_train_record rec;
    nn_train_record_clear(&rec);
    snprintf(rec.dataset, sizeof rec.dataset, "mnist\x1b]0;pwned\x07\x1b[2J");
    snprintf(rec.optimizer, sizeof rec.optimizer, "sgd\r");
    assert_int_equal(nn_checkpoint_save(path, &net, &rec, &err), NN_OK);
    nn_mlp_free(&net);
    snprintf(cmd, sizeof cmd, "'%s' info '%s'", test_dyad_bin(), path);
    assert_int_equal(test_run(cmd, out, sizeof out), 0);
    if (has_control_byte(out)) fail_msg("raw control byte in: %s", out);
    ASSERT_HAS(out, "mnist\\x1b]0;pwned\\x07\\x1b[2J");
    ASSERT_HAS(out, "sgd\\x0d");
    test_tmpdir_remove(dir);
}

/* `dyad draw --model` with a model of the wrong shape: the message printed
 * the freed net's zeros ("this one has 0 and 1"). */
static void test_draw_model_message(void **state) {
    (void)state;
    if (!have_dyad()) skip();
    char *dir = test_tmpdir();
    char model[4200], cmd[9000], out[8192];
    snprintf(model, sizeof model, "%s/wide.safetensors", dir);
    nn_layer_spec specs[] = {{NN_LAYER_DENSE, 1, 40, 0}};
    save_net(model, 100, specs, 1);
    snprintf(cmd, sizeof cmd,
             "SDL_VIDEODRIVER=dummy '%s' draw --model '%s' --script /dev/null --screenshot "
             "'%s/x.png'", test_dyad_bin(), model, dir);
    assert_int_equal(test_run(cmd, out, sizeof out), 1);
    ASSERT_HAS(out, "this one has 100 and 40");
    test_tmpdir_remove(dir);
}

/* A net too big for memory: the message printed the count after nn_mlp_free had
 * zeroed it ("out of memory for 0 parameters"). The allocation fails for real
 * in a child under RLIMIT_AS; ASan builds skip it (ASan reserves far more
 * address space than the limit and aborts on failed allocations). */
static void test_oom_message(void **state) {
    (void)state;
#if defined(__SANITIZE_ADDRESS__)
    skip();
#else
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct rlimit lim = {(rlim_t)1 << 30, (rlim_t)1 << 30};
        if (setrlimit(RLIMIT_AS, &lim) != 0) _exit(2);
        nn_layer_spec specs[] = {{NN_LAYER_DENSE, 1, 1000000, 0}};
        nn_mlp net;
        nn_error err;
        if (nn_mlp_create(&net, 784, specs, 1, 0, &err) != NN_ERR_NOMEM) _exit(3);
        _exit(strstr(err.msg, "out of memory for 785000000 parameters") ? 0 : 4);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
#endif
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_class_mismatch_unit),
        cmocka_unit_test(test_train_evaluate_guard),
        cmocka_unit_test(test_eval_class_mismatch),
        cmocka_unit_test(test_fifo_refused),
        cmocka_unit_test(test_gzip_trailer_cut),
        cmocka_unit_test(test_nonfinite_weights),
        cmocka_unit_test(test_structural_nonzeros),
        cmocka_unit_test(test_huge_layer_bounded),
        cmocka_unit_test(test_stdout_write_error),
        cmocka_unit_test(test_16bit_and_top_down),
        cmocka_unit_test(test_image_messages),
        cmocka_unit_test(test_escape),
        cmocka_unit_test(test_checkpoint_strings_escaped),
        cmocka_unit_test(test_draw_model_message),
        cmocka_unit_test(test_oom_message),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
