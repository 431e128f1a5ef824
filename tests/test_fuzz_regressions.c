/* Replays every input kept in tests/fuzz/regressions/NAME/ through the same
 * code the fuzz harness NAME runs (tests/fuzz/targets.c): inputs that once
 * crashed, hung or misbehaved, and hand-made hostile files. Each must come
 * back as an error, without a crash (under `make sanitize`, without any
 * sanitizer report either). */
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
#include <unistd.h>

#include "fuzz/targets.h"

static const char *regressions_dir(void) {
    const char *dir = getenv("DYAD_FUZZ_REGRESSIONS");
    return dir && *dir ? dir : "tests/fuzz/regressions";
}

static char *read_text(const char *path) {
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t cap = 1 << 16, used = 0, n;
    char *text = malloc(cap + 1);
    assert_non_null(text);
    while ((n = fread(text + used, 1, cap - used, f)) > 0) {
        used += n;
        if (used == cap) {
            cap *= 2;
            text = realloc(text, cap + 1);
            assert_non_null(text);
        }
    }
    fclose(f);
    text[used] = 0;
    return text;
}

static void test_replay(void **state) {
    (void)state;
    /* Some kept inputs once hung the parser: a hang must end this binary (a
     * failure), not the CI run. No speed check: far beyond any working run. */
    alarm(120);
    int total = 0;
    for (size_t t = 0; t < sizeof fuzz_targets / sizeof fuzz_targets[0]; t++) {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s/%s", regressions_dir(), fuzz_targets[t].name);
        DIR *d = opendir(dir);
        if (!d) continue;
        struct dirent *e;
        while ((e = readdir(d))) {
            if (e->d_name[0] == '.' || !strcmp(e->d_name, "README.md")) continue;
            char path[8192];
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            nn_status st;
            if (fuzz_targets[t].takes_text) {
                char *text = read_text(path);
                st = fuzz_targets[t].run(text);
                free(text);
            } else {
                st = fuzz_targets[t].run(path);
            }
            int valid = !strncmp(e->d_name, "valid-", 6);
            if (valid && st != NN_OK) fail_msg("%s: refused (status %d), expected OK", path, st);
            if (!valid && st == NN_OK) fail_msg("%s: accepted, expected an error", path);
            total++;
        }
        closedir(d);
    }
    /* the kept inputs are part of the repository: none found means a wrong path */
    if (total == 0) fail_msg("no inputs under %s", regressions_dir());
    alarm(0);
    print_message("replayed %d kept inputs\n", total);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replay),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
