/* One libFuzzer harness per target: `make fuzz` builds fuzz_NAME.c with
 * FUZZ_TARGET set to the target's index in fuzz_targets[]. File targets read
 * the input through a memfd (no disk, and a regular file as the loaders
 * require); text targets get a NUL-terminated copy. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const fuzz_target *t = &fuzz_targets[FUZZ_TARGET];
    if (t->takes_text) {
        char *text = malloc(size + 1);
        if (!text) return 0;
        memcpy(text, data, size);
        text[size] = 0;
        t->run(text);
        free(text);
        return 0;
    }
    static int fd = -1;
    static char path[64];
    if (fd < 0) {
        fd = memfd_create("dyad-fuzz", 0);
        if (fd < 0) abort();
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) != 0 || (size && pwrite(fd, data, size, 0) != (ssize_t)size)) abort();
    t->run(path);
    return 0;
}
