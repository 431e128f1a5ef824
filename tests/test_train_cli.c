/* End to end on real MNIST: `dyad train` on a subset reaches a sane accuracy,
 * its checkpoint agrees with `dyad eval`, mixed --layers nets train, and bad
 * net specifications are refused with a clear message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../nn/checkpoint.h"
#include "support.h"

static char out[65536];

static void run_ok(const char *cmd) {
    int rc = test_run(cmd, out, sizeof out);
    if (rc != 0) fail_msg("'%s' exited %d:\n%s", cmd, rc, out);
}

static void test_train_subset_then_eval(void **state) {
    (void)state;
    const char *mnist = test_mnist_dir();
    if (!mnist) skip();
    char *dir = test_tmpdir();
    char cmd[8192];
    snprintf(cmd, sizeof cmd,
             "%s train --data '%s' --train-limit 6000 --hidden 128 --kind dyad-it --ndyad 4 "
             "--epochs 2 --seed 3 --threads 1 --out %s/m.safetensors --metrics %s/m.csv",
             test_dyad_bin(), mnist, dir, dir);
    run_ok(cmd);
    assert_non_null(strstr(out, "epoch  2/2"));
    assert_non_null(strstr(out, "784 -> dyad-it/4:128 -> dense:10"));

    char path[4200];
    snprintf(path, sizeof path, "%s/m.safetensors", dir);
    nn_mlp net;
    nn_train_record rec;
    nn_error err;
    assert_int_equal(nn_checkpoint_load(path, &net, &rec, &err), NN_OK);
    assert_int_equal(rec.epochs, 2);
    assert_int_equal((int)rec.seed, 3);
    /* 6000 images, 2 epochs: a working net is far above chance; a bug is not */
    assert_true(rec.test_accuracy > 0.85); /* measured 89.7%; dense gets 90.4% */
    nn_mlp_free(&net);

    snprintf(cmd, sizeof cmd, "%s eval %s --data '%s' --json", test_dyad_bin(), path, mnist);
    run_ok(cmd);
    double acc = -1;
    const char *p = strstr(out, "\"accuracy\": ");
    assert_non_null(p);
    acc = atof(p + strlen("\"accuracy\": "));
    assert_float_equal(acc, rec.test_accuracy, 1e-6);
    assert_non_null(strstr(out, "\"n\": 10000"));

    /* metrics: header plus one row per epoch */
    snprintf(path, sizeof path, "%s/m.csv", dir);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    int lines = 0;
    char line[512];
    while (fgets(line, sizeof line, f)) lines++;
    fclose(f);
    assert_int_equal(lines, 3);
    test_tmpdir_remove(dir);
}

static void test_mixed_layers_train(void **state) {
    (void)state;
    const char *mnist = test_mnist_dir();
    if (!mnist) skip();
    char *dir = test_tmpdir();
    char cmd[8192];
    snprintf(cmd, sizeof cmd,
             "%s train --data '%s' --train-limit 6000 "
             "--layers dyad-it/4:128,dyad-dt/2:64,dyad-ot/4:32,dense:10 --optimizer adam "
             "--lr 0.003 --epochs 2 --threads 1 --out %s/mix.safetensors",
             test_dyad_bin(), mnist, dir);
    run_ok(cmd);
    assert_non_null(strstr(out, "784 -> dyad-it/4:128 -> dyad-dt/2:64 -> dyad-ot/4:32 -> dense:10"));
    char path[4200];
    snprintf(path, sizeof path, "%s/mix.safetensors", dir);
    nn_mlp net;
    nn_train_record rec;
    assert_int_equal(nn_checkpoint_load(path, &net, &rec, NULL), NN_OK);
    assert_true(rec.test_accuracy > 0.8); /* measured 87% */
    assert_string_equal(rec.optimizer, "adam");
    nn_mlp_free(&net);
    test_tmpdir_remove(dir);
}

static void expect_refused(const char *args, const char *message) {
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "%s train --out /nonexistent/x.safetensors %s", test_dyad_bin(), args);
    int rc = test_run(cmd, out, sizeof out);
    if (rc != 2 || !strstr(out, message))
        fail_msg("'%s': exit %d, expected 2 with '%s'; got:\n%s", args, rc, message, out);
    /* exactly one line */
    assert_int_equal(strchr(out, '\n') - out + 1, (long)strlen(out));
}

static void test_bad_specs_refused(void **state) {
    (void)state;
    /* widths are checked against the data's input size, so this one needs MNIST */
    if (test_mnist_dir()) {
        char args[4200];
        snprintf(args, sizeof args, "--data '%s' --kind dyad-it --ndyad 3", test_mnist_dir());
        expect_refused(args, "ndyad 3 must divide");
    }
    expect_refused("--layers dyad-it:1024,dense:10", "needs /NDYAD");
    expect_refused("--layers dyad-it/4:1024,dense:7", "one per class");
    expect_refused("--layers dense:64,dyad-xx/2:10", "unknown kind");
    expect_refused("--hidden 1024,,12", "--hidden");
    expect_refused("--kind dense --ndyad 4", "needs a DYAD --kind");
    expect_refused("--batch 0", "--batch");
    expect_refused("--optimizer rmsprop", "--optimizer");
    expect_refused("--bogus 1", "unknown option");
}

static void test_missing_data_is_clear(void **state) {
    (void)state;
    char *dir = test_tmpdir();
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "%s train --data %s --out %s/m.safetensors", test_dyad_bin(), dir, dir);
    int rc = test_run(cmd, out, sizeof out);
    assert_int_equal(rc, 1);
    assert_non_null(strstr(out, "train-images-idx3-ubyte"));
    test_tmpdir_remove(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_train_subset_then_eval),
        cmocka_unit_test(test_mixed_layers_train),
        cmocka_unit_test(test_bad_specs_refused),
        cmocka_unit_test(test_missing_data_is_clear),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
