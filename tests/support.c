#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "support.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int file_exists(const char *dir, const char *name) {
    char path[4096];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (stat(path, &st) == 0) return 1;
    snprintf(path, sizeof path, "%s/%s.gz", dir, name);
    return stat(path, &st) == 0;
}

const char *test_mnist_dir(void) {
    const char *dir = getenv("MNIST_DIR");
    const char *require = getenv("REQUIRE_MNIST");
    int required = require && strcmp(require, "1") == 0;
    static const char *names[] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                  "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};
    /* without MNIST_DIR, use what `make data` fetched */
    if (!dir || !*dir) dir = file_exists("data", "t10k-labels-idx1-ubyte") ? "data" : NULL;
    int ok = dir && *dir;
    for (int i = 0; ok && i < 4; i++) ok = file_exists(dir, names[i]);
    if (ok) return dir;
    if (required) fail_msg("REQUIRE_MNIST=1 but MNIST_DIR (%s) lacks the four MNIST files",
                           dir ? dir : "unset");
    return NULL;
}

char *test_tmpdir(void) {
    const char *base = getenv("TMPDIR");
    char *path = malloc(4096);
    assert_non_null(path);
    snprintf(path, 4096, "%s/dyad-test-XXXXXX", base && *base ? base : "/tmp");
    assert_non_null(mkdtemp(path));
    return path;
}

void test_tmpdir_remove(char *dir) {
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    free(dir);
}

int test_write_file(const char *path, const void *data, size_t size) {
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t n = fwrite(data, 1, size, f);
    return (fclose(f) == 0 && n == size) ? 0 : -1;
}

const char *test_dyad_bin(void) {
    const char *bin = getenv("DYAD_BIN");
    return bin && *bin ? bin : "./dyad";
}

int test_run(const char *cmd, char *out, size_t size) {
    char full[8192];
    snprintf(full, sizeof full, "%s 2>&1", cmd);
    FILE *p = popen(full, "r");
    if (!p) return -1;
    size_t used = 0;
    if (size) out[0] = 0;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) {
        size_t take = size > used + 1 ? size - used - 1 : 0;
        if (take > n) take = n;
        memcpy(out + used, buf, take);
        used += take;
    }
    if (size) out[used] = 0;
    int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

unsigned char *test_read_whole(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (!f) fail_msg("cannot open %s", path);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    assert_true(n >= 0);
    rewind(f);
    unsigned char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    buf[n] = 0;
    *size = (size_t)n;
    return buf;
}

int test_count_temp_files(const char *dir) {
    DIR *d = opendir(dir);
    assert_non_null(d);
    int count = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strstr(e->d_name, ".tmp")) count++;
    closedir(d);
    return count;
}

void test_make_net(nn_mlp *net, const char *spec, uint64_t seed) {
    nn_layer_spec specs[8];
    nn_error err;
    int n = nn_mlp_parse_layers(spec, specs, 8, &err);
    assert_true(n > 0);
    assert_int_equal(nn_mlp_create(net, 784, specs, n, 0, &err), NN_OK);
    nn_mlp_init(net, seed);
}
