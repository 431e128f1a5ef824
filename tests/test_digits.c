/* The shipped models read scripted strokes of clear digits right: each
 * tests/scripts/digit-N.script is replayed by `dyad draw --script` (headless,
 * SDL's dummy driver) and both the DYAD model and the dense baseline must
 * predict N after the last stroke. The same for digits drawn in awkward
 * styles (tests/scripts/awkward-N-*.script: short-armed 7, European 1, tiny
 * digits in a corner, very thick strokes, strong slant), which the models
 * trained without augmentation partly misread. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

/* The verdict is the last predict line of each model. */
static int last_prediction(const char *out, const char *model, double *prob) {
    char key[64];
    snprintf(key, sizeof key, "predict %s ", model);
    const char *p = out, *last = NULL;
    while ((p = strstr(p, key))) last = p++;
    if (!last) return -1;
    int digit = -1;
    if (sscanf(last + strlen(key), "%d %lf", &digit, prob) != 2) return -1;
    return digit;
}

/* Replays script and requires both shipped models to read digit. */
static void check_script(const char *script, const char *name, int digit, const char *dir) {
    static char out[1 << 16];
    char cmd[8192];
    snprintf(cmd, sizeof cmd,
             "SDL_VIDEODRIVER=dummy %s draw --model assets/dyad.safetensors "
             "--baseline assets/dense.safetensors --script %s --screenshot %s/%s.png",
             test_dyad_bin(), script, dir, name);
    int rc = test_run(cmd, out, sizeof out);
    if (rc != 0) fail_msg("%s: exit %d\n%s", name, rc, out);
    const char *models[2] = {"dyad", "dense"};
    for (int m = 0; m < 2; m++) {
        double prob = 0;
        int got = last_prediction(out, models[m], &prob);
        if (got != digit) fail_msg("%s: %s predicted %d (p=%.3f)\n%s", name, models[m], got, prob, out);
        assert_true(prob > 0.5);
    }
}

static void test_scripted_digits_predicted(void **state) {
    (void)state;
    char *dir = test_tmpdir();
    for (int d = 0; d <= 9; d++) {
        char script[64], name[32];
        snprintf(script, sizeof script, "tests/scripts/digit-%d.script", d);
        snprintf(name, sizeof name, "digit-%d", d);
        check_script(script, name, d, dir);
    }
    test_tmpdir_remove(dir);
}

static void test_awkward_digits_predicted(void **state) {
    (void)state;
    static const struct {
        const char *name;
        int digit;
    } awkward[] = {
        {"awkward-7-short-arm", 7},   {"awkward-1-european", 1}, {"awkward-1-european-long", 1},
        {"awkward-3-tiny-corner", 3}, {"awkward-2-tiny-corner", 2}, {"awkward-5-thick", 5},
        {"awkward-4-thick", 4},       {"awkward-4-slant", 4},    {"awkward-9-slant", 9},
    };
    char *dir = test_tmpdir();
    for (size_t i = 0; i < sizeof awkward / sizeof awkward[0]; i++) {
        char script[128];
        snprintf(script, sizeof script, "tests/scripts/%s.script", awkward[i].name);
        check_script(script, awkward[i].name, awkward[i].digit, dir);
    }
    test_tmpdir_remove(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scripted_digits_predicted),
        cmocka_unit_test(test_awkward_digits_predicted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
