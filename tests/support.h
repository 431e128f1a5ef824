/* Shared helpers for the cmocka tests. Include after cmocka.h. */
#ifndef TESTS_SUPPORT_H
#define TESTS_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

#include "../nn/mlp.h"

/* MNIST directory from MNIST_DIR, or NULL when absent. With REQUIRE_MNIST=1
 * an absent or incomplete directory fails the calling test instead. */
const char *test_mnist_dir(void);

/* A fresh empty directory under $TMPDIR (or /tmp) for one test; the path is
 * valid until test_tmpdir_remove. */
char *test_tmpdir(void);
void test_tmpdir_remove(char *dir);

/* Writes size bytes to path; returns 0 on success. */
int test_write_file(const char *path, const void *data, size_t size);

/* The whole file, NUL-terminated (the test fails if it cannot be read); free it. */
unsigned char *test_read_whole(const char *path, size_t *size);

/* An inference-only net of 784 inputs from a --layers spec, initialised from
 * seed (the test fails if the spec is bad). */
void test_make_net(nn_mlp *net, const char *spec, uint64_t seed);

/* Files in dir whose name holds ".tmp": debris an atomic writer must not leave. */
int test_count_temp_files(const char *dir);

/* Path of the dyad program (DYAD_BIN, set by `make test`). */
const char *test_dyad_bin(void);

/* Runs a shell command, captures up to size-1 bytes of stdout+stderr into
 * out, returns the exit status (or -1). */
int test_run(const char *cmd, char *out, size_t size);

#endif
