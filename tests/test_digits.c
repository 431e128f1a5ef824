/* The shipped models read scripted strokes of clear digits right: each
 * tests/scripts/digit-N.script is replayed by `dyad draw --script` (headless,
 * SDL's dummy driver) and both the DYAD model and the dense baseline must
 * predict N after the last stroke. */
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

static void test_scripted_digits_predicted(void **state) {
    (void)state;
    static char out[1 << 16];
    char *dir = test_tmpdir();
    for (int d = 0; d <= 9; d++) {
        char cmd[8192];
        snprintf(cmd, sizeof cmd,
                 "SDL_VIDEODRIVER=dummy %s draw --model assets/dyad.safetensors "
                 "--baseline assets/dense.safetensors --script tests/scripts/digit-%d.script "
                 "--screenshot %s/digit-%d.png",
                 test_dyad_bin(), d, dir, d);
        int rc = test_run(cmd, out, sizeof out);
        if (rc != 0) fail_msg("digit %d: exit %d\n%s", d, rc, out);
        const char *models[2] = {"dyad", "dense"};
        for (int m = 0; m < 2; m++) {
            double prob = 0;
            int got = last_prediction(out, models[m], &prob);
            if (got != d) fail_msg("digit %d: %s predicted %d (p=%.3f)\n%s", d, models[m], got, prob, out);
            assert_true(prob > 0.5);
        }
    }
    test_tmpdir_remove(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scripted_digits_predicted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
