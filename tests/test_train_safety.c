/* `dyad train` under stress, end to end:
 * - SIGINT / SIGTERM stop it between two steps with a resumable checkpoint
 *   (exit 130 / 143, a "resume with" line, no temporary file), and
 *   `--resume` ends bit-identical to an uninterrupted run (a real SIGINT sent
 *   from here, and an exact mid-epoch stop through the DYAD_TRAIN_RAISE_AT
 *   test hook, for SGD and Adam), the metrics CSV continued;
 * - a diverging run (--lr 100) exits 1 and leaves the last good checkpoint;
 * - every output path is checked before training (missing directory, FIFO,
 *   directory, an output that is a dataset file or the other output), exit 2
 *   with one line and no epoch run;
 * - a metrics file that cannot be written (file size limit) fails the run. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
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

#include "../nn/checkpoint.h"
#include "../nn/idx.h"
#include "../nn/rng.h"
#include "../nn/train.h"
#include "support.h"

static char out[65536];

static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...) {
    char cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    return test_run(cmd, out, sizeof out);
}

/* Both checkpoints hold the same parameters, byte for byte, and are the same
 * file; prints what it compared (the lead quotes it). */
static void assert_identical(const char *label, const char *a, const char *b) {
    nn_mlp na, nb;
    nn_error err;
    if (nn_checkpoint_load(a, &na, NULL, &err) != NN_OK) fail_msg("%s", err.msg);
    if (nn_checkpoint_load(b, &nb, NULL, &err) != NN_OK) fail_msg("%s", err.msg);
    assert_int_equal(na.nparams, nb.nparams);
    size_t differing = 0;
    for (size_t i = 0; i < na.nparams; i++)
        differing += memcmp(&na.params[i], &nb.params[i], sizeof(float)) != 0;
    size_t sa, sb;
    unsigned char *fa = test_read_whole(a, &sa), *fb = test_read_whole(b, &sb);
    int same_file = sa == sb && memcmp(fa, fb, sa) == 0;
    printf("  %s: %zu parameters (%zu bytes), %zu differ; whole checkpoint %zu vs %zu bytes, %s\n",
           label, na.nparams, 4 * na.nparams, differing, sa, sb,
           same_file ? "identical" : "DIFFERENT");
    assert_int_equal(differing, 0);
    assert_true(same_file);
    free(fa), free(fb);
    nn_mlp_free(&na), nn_mlp_free(&nb);
}

/* The metrics CSV without its timing columns (seconds, images/s). */
static void metrics_without_timing(const char *path, char *buf, size_t size) {
    size_t len;
    unsigned char *text = test_read_whole(path, &len);
    size_t used = 0;
    char *save = NULL;
    for (char *line = strtok_r((char *)text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        int commas = 0;
        for (char *p = line; *p; p++)
            if (*p == ',' && ++commas == 4) *p = 0;
        used += (size_t)snprintf(buf + used, size - used, "%s\n", line);
        assert_true(used < size);
    }
    free(text);
}

/* ------------------------------------------------------ stop and resume */

static void resume_case(const char *label, const char *args, const char *hook, int want_rc) {
    const char *mnist = test_mnist_dir();
    if (!mnist) skip();
    char *dir = test_tmpdir();
    const char *bin = test_dyad_bin();
    int rc = run("%s train --data '%s' %s --out %s/full.st --metrics %s/full.csv", bin, mnist,
                 args, dir, dir);
    if (rc != 0) fail_msg("uninterrupted run exited %d:\n%s", rc, out);

    rc = run("DYAD_TRAIN_RAISE_AT=%s %s train --data '%s' %s --out %s/part.st --metrics %s/part.csv",
             hook, bin, mnist, args, dir, dir);
    if (rc != want_rc) fail_msg("interrupted run exited %d, expected %d:\n%s", rc, want_rc, out);
    assert_non_null(strstr(out, "resume with: dyad train --resume"));
    assert_int_equal(test_count_temp_files(dir), 0);
    /* the interrupted checkpoint is an ordinary model to every reader */
    nn_mlp net;
    nn_train_record rec;
    nn_error err;
    char part[4200];
    snprintf(part, sizeof part, "%s/part.st", dir);
    if (nn_checkpoint_load(part, &net, &rec, &err) != NN_OK) fail_msg("%s", err.msg);
    nn_mlp_free(&net);
    assert_true(nn_checkpoint_has_training_state(part));
    char stop_line[512] = "";
    const char *stop = strstr(out, "stopped by");
    if (stop) snprintf(stop_line, sizeof stop_line, "%.*s", (int)strcspn(stop, ";"), stop);

    rc = run("%s train --resume %s/part.st --metrics %s/part.csv --threads 1", bin, dir, dir);
    if (rc != 0) fail_msg("resumed run exited %d:\n%s", rc, out);
    assert_non_null(strstr(out, "resuming"));
    printf("  %s: interrupted run %s (exit %d), resumed (exit 0)\n", label, stop_line, want_rc);

    char full[4200];
    snprintf(full, sizeof full, "%s/full.st", dir);
    assert_identical(label, full, part);
    assert_false(nn_checkpoint_has_training_state(full)); /* the final one is the model alone */

    /* the CSV reads as one run: same epochs, same losses and accuracies */
    char a[4096], b[4096], path[4200];
    snprintf(path, sizeof path, "%s/full.csv", dir);
    metrics_without_timing(path, a, sizeof a);
    snprintf(path, sizeof path, "%s/part.csv", dir);
    metrics_without_timing(path, b, sizeof b);
    assert_string_equal(a, b);
    test_tmpdir_remove(dir);
}

#define SMALL_RUN "--train-limit 2000 --hidden 64 --kind dyad-it --ndyad 4 --epochs 3 --batch 50 --threads 1 --seed 5"

static void test_resume_sgd_mid_epoch(void **state) {
    (void)state;
    resume_case("sgd, SIGTERM at epoch 2 batch 17/40", SMALL_RUN, "2:17:TERM", 143);
}

static void test_resume_adam_mid_epoch(void **state) {
    (void)state;
    resume_case("adam, SIGINT at epoch 1 batch 5/32",
                "--train-limit 2000 --layers dense:32,dyad-ot/2:16,dense:10 --optimizer adam "
                "--warmup 7 --weight-decay 0.01 --schedule step --epochs 3 --batch 64 "
                "--threads 1 --seed 9",
                "1:5:INT", 130);
}

static void test_resume_at_epoch_end(void **state) {
    (void)state;
    resume_case("sgd, SIGINT at the last batch of epoch 2", SMALL_RUN, "2:40:INT", 130);
}

/* The augmentation is part of the run: the resumed run distorts the same
 * images the same way (read back from the record) and ends identical. */
static void test_resume_augmented(void **state) {
    (void)state;
    resume_case("sgd + augment affine,elastic, SIGTERM at epoch 2 batch 9/40",
                SMALL_RUN " --augment affine,elastic --augment-rotate 15", "2:9:TERM", 143);
}

/* A real SIGINT from another process at an arbitrary step. */
static void test_real_sigint_then_resume(void **state) {
    (void)state;
    const char *mnist = test_mnist_dir();
    if (!mnist) skip();
    char *dir = test_tmpdir();
    const char *bin = test_dyad_bin();
    /* enough epochs that the signal lands long before the end */
    const char *args = "--train-limit 3000 --hidden 64 --kind dyad-it --ndyad 4 --epochs 12 "
                       "--batch 50 --threads 1 --seed 11";
    int rc = run("%s train --data '%s' %s --out %s/full.st", bin, mnist, args, dir);
    if (rc != 0) fail_msg("uninterrupted run exited %d:\n%s", rc, out);

    char cmd[8192];
    snprintf(cmd, sizeof cmd, "exec %s train --data '%s' %s --out %s/part.st", bin, mnist, args,
             dir);
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fds[1], 1);
        dup2(fds[1], 2);
        close(fds[0]);
        close(fds[1]);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    /* the first progress line says training is under way: interrupt it */
    size_t used = 0;
    int sent = 0;
    char c;
    while (read(fds[0], &c, 1) == 1) {
        if (used + 1 < sizeof out) out[used++] = c, out[used] = 0;
        if (!sent && strstr(out, "epoch 1  batch")) {
            assert_int_equal(kill(pid, SIGINT), 0);
            sent = 1;
        }
    }
    close(fds[0]);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(sent);
    assert_true(WIFEXITED(status));
    if (WEXITSTATUS(status) != 130) fail_msg("exit %d after SIGINT:\n%s", WEXITSTATUS(status), out);
    assert_non_null(strstr(out, "stopped by SIGINT"));
    assert_non_null(strstr(out, "resume with: dyad train --resume"));
    assert_int_equal(test_count_temp_files(dir), 0);
    const char *stop = strstr(out, "stopped by");
    printf("  real SIGINT: %.*s (exit 130)\n", (int)strcspn(stop, ";"), stop);

    rc = run("%s train --resume %s/part.st --threads 1", bin, dir);
    if (rc != 0) fail_msg("resumed run exited %d:\n%s", rc, out);
    char full[4200], part[4200];
    snprintf(full, sizeof full, "%s/full.st", dir);
    snprintf(part, sizeof part, "%s/part.st", dir);
    assert_identical("real SIGINT, resumed", full, part);
    test_tmpdir_remove(dir);
}

static void test_resume_refusals(void **state) {
    (void)state;
    const char *mnist = test_mnist_dir();
    if (!mnist) skip();
    char *dir = test_tmpdir();
    const char *bin = test_dyad_bin();
    int rc = run("%s train --data '%s' " SMALL_RUN " --epochs 1 --out %s/done.st", bin, mnist, dir);
    if (rc != 0) fail_msg("exit %d:\n%s", rc, out);
    /* a finished run's checkpoint has no state to resume */
    rc = run("%s train --resume %s/done.st", bin, dir);
    assert_int_equal(rc, 1);
    assert_non_null(strstr(out, "no training state"));
    /* the run's settings come from the checkpoint */
    rc = run("%s train --resume %s/done.st --lr 0.1", bin, dir);
    assert_int_equal(rc, 2);
    assert_non_null(strstr(out, "--lr cannot be given with --resume"));
    test_tmpdir_remove(dir);
}

/* ------------------------------------------------------------ divergence */

static void test_divergence_keeps_good_checkpoint(void **state) {
    (void)state;
    const char *mnist = test_mnist_dir();
    if (!mnist) skip();
    char *dir = test_tmpdir();
    const char *bin = test_dyad_bin();
    char path[4200];
    snprintf(path, sizeof path, "%s/m.st", dir);
    int rc = run("%s train --data '%s' " SMALL_RUN " --epochs 1 --out %s", bin, mnist, path);
    if (rc != 0) fail_msg("exit %d:\n%s", rc, out);
    size_t before_size;
    unsigned char *before = test_read_whole(path, &before_size);

    const char *lrs[] = {"100", "20"};
    for (int i = 0; i < 2; i++) {
        rc = run("%s train --data '%s' --train-limit 2000 --hidden 64 --epochs 3 --threads 1 "
                 "--lr %s --schedule constant --out %s", bin, mnist, lrs[i], path);
        if (rc != 1 || !strstr(out, "diverged") || !strstr(out, "try a lower --lr"))
            fail_msg("--lr %s: exit %d, expected 1 and 'diverged':\n%s", lrs[i], rc, out);
        printf("  --lr %s: exit %d, %.*s\n", lrs[i], rc, (int)strcspn(strstr(out, "dyad train:"), "\n"),
               strstr(out, "dyad train:"));
        size_t after_size;
        unsigned char *after = test_read_whole(path, &after_size);
        assert_int_equal(after_size, before_size);
        assert_memory_equal(after, before, before_size);
        free(after);
        assert_int_equal(test_count_temp_files(dir), 0);
    }
    free(before);
    test_tmpdir_remove(dir);
}

/* -------------------------------------------------- outputs, checked first */

/* A small random MNIST-shaped dataset of our own in dir (raw idx). */
static void make_dataset(const char *dir) {
    nn_rng r;
    nn_rng_seed(&r, 42);
    const char *names[2][2] = {{"train-images-idx3-ubyte", "train-labels-idx1-ubyte"},
                               {"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}};
    int counts[2] = {300, 100};
    for (int split = 0; split < 2; split++) {
        nn_idx_images im = {counts[split], 28, 28, malloc((size_t)counts[split] * 784)};
        nn_idx_labels lb = {counts[split], malloc((size_t)counts[split])};
        assert_non_null(im.pixels);
        assert_non_null(lb.labels);
        for (int s = 0; s < im.count; s++) {
            lb.labels[s] = (uint8_t)nn_rng_below(&r, 10);
            for (int p = 0; p < 784; p++)
                im.pixels[(size_t)s * 784 + p] = (uint8_t)(p % 10 == lb.labels[s] ? 200 : nn_rng_below(&r, 60));
        }
        char path[4200];
        nn_error err;
        snprintf(path, sizeof path, "%s/%s", dir, names[split][0]);
        assert_int_equal(nn_idx_save_images(path, &im, &err), NN_OK);
        snprintf(path, sizeof path, "%s/%s", dir, names[split][1]);
        assert_int_equal(nn_idx_save_labels(path, &lb, &err), NN_OK);
        free(im.pixels);
        free(lb.labels);
    }
}

static void expect_refused(const char *dir, const char *args, const char *message) {
    int rc = run("%s train --data %s/data --hidden 16 --epochs 1 --threads 1 %s", test_dyad_bin(),
                 dir, args);
    if (rc != 2 || !strstr(out, message) || strstr(out, "epoch"))
        fail_msg("'%s': exit %d, expected 2 with '%s' before any epoch; got:\n%s", args, rc,
                 message, out);
    assert_int_equal(strchr(out, '\n') - out + 1, (long)strlen(out)); /* one line */
    printf("  %-60.60s -> exit 2: %s", args, out);
}

static void test_outputs_checked_before_training(void **state) {
    (void)state;
    char *dir = test_tmpdir();
    char path[4200], data[4200];
    snprintf(data, sizeof data, "%s/data", dir);
    assert_int_equal(mkdir(data, 0755), 0);
    make_dataset(data);
    snprintf(path, sizeof path, "%s/fifo", dir);
    assert_int_equal(mkfifo(path, 0644), 0);
    snprintf(path, sizeof path, "%s/adir", dir);
    assert_int_equal(mkdir(path, 0755), 0);
    snprintf(path, sizeof path, "%s/data/train-images-idx3-ubyte", dir);
    size_t images_size;
    unsigned char *images = test_read_whole(path, &images_size);
    snprintf(path, sizeof path, "%s/labels-link", dir);
    assert_int_equal(symlink("data/t10k-labels-idx1-ubyte", path), 0);

    char args[8192];
    snprintf(args, sizeof args, "--out %s/no/such/dir/m.st", dir);
    expect_refused(dir, args, "does not exist");
    snprintf(args, sizeof args, "--out %s/fifo", dir);
    expect_refused(dir, args, "FIFO");
    snprintf(args, sizeof args, "--out %s/adir", dir);
    expect_refused(dir, args, "directory");
    snprintf(args, sizeof args, "--out %s/m.st --metrics %s/no/such/dir/m.csv", dir, dir);
    expect_refused(dir, args, "does not exist");
    snprintf(args, sizeof args, "--out %s/m.st --metrics %s/fifo", dir, dir);
    expect_refused(dir, args, "FIFO");
    snprintf(args, sizeof args, "--out %s/data/train-images-idx3-ubyte", dir);
    expect_refused(dir, args, "same file as the dataset file");
    snprintf(args, sizeof args, "--out %s/m.st --metrics %s/labels-link", dir, dir);
    expect_refused(dir, args, "same file as the dataset file");
    snprintf(args, sizeof args, "--out %s/m.st --metrics %s/./m.st", dir, dir);
    expect_refused(dir, args, "same file as --out");

    /* nothing was touched: the FIFO is a FIFO, the dataset as it was */
    struct stat st;
    snprintf(path, sizeof path, "%s/fifo", dir);
    assert_int_equal(stat(path, &st), 0);
    assert_true(S_ISFIFO(st.st_mode));
    snprintf(path, sizeof path, "%s/data/train-images-idx3-ubyte", dir);
    size_t after_size;
    unsigned char *after = test_read_whole(path, &after_size);
    assert_int_equal(after_size, images_size);
    assert_memory_equal(after, images, images_size);
    free(after);
    free(images);

    /* --resume F --out F is the normal case; --metrics F is not */
    int rc = run("DYAD_TRAIN_RAISE_AT=1:2:INT %s train --data %s --hidden 16 --epochs 2 --threads 1 "
             "--out %s/r.st", test_dyad_bin(), data, dir);
    if (rc != 130) fail_msg("exit %d:\n%s", rc, out);
    snprintf(args, sizeof args, "--resume %s/r.st --metrics %s/r.st --data %s", dir, dir, data);
    rc = run("%s train %s", test_dyad_bin(), args);
    if (rc != 2 || !strstr(out, "same file as")) fail_msg("exit %d:\n%s", rc, out);
    /* the record names the data by content, not by folder: --data comes again */
    rc = run("%s train --resume %s/r.st --out %s/r.st --data %s", test_dyad_bin(), dir, dir, data);
    if (rc != 0) fail_msg("exit %d:\n%s", rc, out);
    assert_int_equal(test_count_temp_files(dir), 0);
    test_tmpdir_remove(dir);
}

/* ------------------------------------------------------- metrics errors */

static void test_metrics_write_error_fails(void **state) {
    (void)state;
    char *dir = test_tmpdir();
    char data[4200], cmd[8192];
    snprintf(data, sizeof data, "%s/data", dir);
    assert_int_equal(mkdir(data, 0755), 0);
    make_dataset(data);
    snprintf(cmd, sizeof cmd,
             "exec %s train --data %s --hidden 16 --epochs 2 --threads 1 --out %s/m.st "
             "--metrics %s/m.csv", test_dyad_bin(), data, dir, dir);
    /* the header fits, the first row does not: the limit hits the per-epoch write */
    rlim_t limits[2] = {0, 70};
    for (int i = 0; i < 2; i++) {
        int fds[2];
        assert_int_equal(pipe(fds), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            signal(SIGXFSZ, SIG_IGN);
            struct rlimit lim;
            if (getrlimit(RLIMIT_FSIZE, &lim) != 0) _exit(126);
            lim.rlim_cur = limits[i];
            if (setrlimit(RLIMIT_FSIZE, &lim) != 0) _exit(126);
            dup2(fds[1], 1);
            dup2(fds[1], 2);
            close(fds[0]);
            close(fds[1]);
            execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
            _exit(127);
        }
        close(fds[1]);
        ssize_t n, used = 0;
        while ((n = read(fds[0], out + used, sizeof out - 1 - (size_t)used)) > 0) used += n;
        out[used] = 0;
        close(fds[0]);
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        if (WEXITSTATUS(status) != 1 || !strstr(out, "--metrics") || !strstr(out, "cannot write"))
            fail_msg("limit %d: exit %d, expected 1 naming --metrics:\n%s", (int)limits[i],
                     WEXITSTATUS(status), out);
        printf("  metrics limited to %d bytes -> exit 1: %s", (int)limits[i], strstr(out, "dyad train:"));
    }
    test_tmpdir_remove(dir);
}

/* ------------------------------------------------- the loop, in process */

typedef struct {
    nn_mlp net;
    nn_optimizer opt;
    nn_train_loop loop;
    nn_idx_images images;
    nn_idx_labels labels;
    nn_rng r;
} tiny_run;

static void tiny_setup(tiny_run *t) {
    memset(t, 0, sizeof *t);
    nn_layer_spec specs[] = {{NN_LAYER_DENSE, 1, 8, 0}, {NN_LAYER_DENSE, 1, 10, 0}};
    nn_error err;
    assert_int_equal(nn_mlp_create(&t->net, 16, specs, 2, 1, &err), NN_OK);
    nn_mlp_init(&t->net, 3);
    assert_int_equal(nn_mlp_reserve(&t->net, 4, &err), NN_OK);
    nn_optim_config cfg = {.kind = NN_OPTIM_ADAM, .lr = 0.01f, .beta1 = 0.9f, .beta2 = 0.999f,
                        .eps = 1e-8f, .schedule = NN_SCHEDULE_CONSTANT};
    assert_int_equal(nn_optim_create(&t->opt, &cfg, t->net.nparams, &err), NN_OK);
    assert_int_equal(nn_train_loop_create(&t->loop, 32, 4, 2, &err), NN_OK);
    t->images = (nn_idx_images){32, 4, 4, malloc(32 * 16)};
    t->labels = (nn_idx_labels){32, malloc(32)};
    assert_non_null(t->images.pixels);
    assert_non_null(t->labels.labels);
    nn_rng_seed(&t->r, 1);
    for (int i = 0; i < 32 * 16; i++) t->images.pixels[i] = (uint8_t)nn_rng_below(&t->r, 256);
    for (int i = 0; i < 32; i++) t->labels.labels[i] = (uint8_t)(i % 10);
}

static void tiny_free(tiny_run *t) {
    free(t->images.pixels);
    free(t->labels.labels);
    nn_train_loop_free(&t->loop);
    nn_optim_free(&t->opt);
    nn_mlp_free(&t->net);
}

static void test_loop_stops_between_steps(void **state) {
    (void)state;
    tiny_run t;
    tiny_setup(&t);
    volatile sig_atomic_t stop = 1;
    t.loop.stop = &stop;
    nn_train_progress p;
    /* set before the epoch: exactly one step, then a consistent stop */
    assert_int_equal(nn_train_epoch(&t.loop, &t.net, &t.opt, &t.r, &t.images, &t.labels, 1, &p,
                                 NULL, 1, NULL), NN_TRAIN_STOPPED);
    assert_int_equal(t.loop.batches_done, 1);
    assert_int_equal(t.loop.step, 1);
    assert_int_equal(t.opt.step, 1);
    assert_int_equal(t.loop.seen, 4);
    /* cleared: the rest of the epoch, without a new shuffle */
    stop = 0;
    int order[32];
    memcpy(order, t.loop.order, sizeof order);
    assert_int_equal(nn_train_epoch(&t.loop, &t.net, &t.opt, &t.r, &t.images, &t.labels, 1, &p,
                                 NULL, 1, NULL), NN_TRAIN_EPOCH_DONE);
    assert_memory_equal(order, t.loop.order, sizeof order);
    assert_int_equal(t.loop.step, 8);
    assert_int_equal(p.batch_index, 8);
    assert_int_equal(t.loop.batches_done, 0);
    tiny_free(&t);
}

static void test_loop_non_finite_loss_takes_no_step(void **state) {
    (void)state;
    tiny_run t;
    tiny_setup(&t);
    t.net.params[t.net.nparams - 1] = (float)NAN; /* the last class's output bias */
    float *before = malloc(sizeof(float) * t.net.nparams);
    assert_non_null(before);
    memcpy(before, t.net.params, sizeof(float) * t.net.nparams);
    nn_train_progress p;
    assert_int_equal(nn_train_epoch(&t.loop, &t.net, &t.opt, &t.r, &t.images, &t.labels, 1, &p,
                                 NULL, 1, NULL), NN_TRAIN_DIVERGED);
    assert_false(isfinite(p.loss));
    assert_int_equal(p.batch_index, 1);
    assert_int_equal(t.loop.step, 0);
    assert_int_equal(t.opt.step, 0);
    assert_memory_equal(before, t.net.params, sizeof(float) * t.net.nparams);
    free(before);
    tiny_free(&t);
}

static void test_divergence_bound(void **state) {
    (void)state;
    assert_float_equal(nn_train_divergence_bound(0.3, 10), 1.5, 1e-12);
    assert_float_equal(nn_train_divergence_bound(-1, 10), 5 * log(10.0), 1e-12);
    assert_float_equal(nn_train_divergence_bound(4.0, 10), 5 * log(10.0), 1e-12); /* the cap */
    assert_float_equal(nn_train_divergence_bound(0.5, 2), 2.5, 1e-12);
    assert_float_equal(nn_train_divergence_bound(0.8, 2), 5 * log(2.0), 1e-12);
}

static void test_training_state_roundtrip(void **state) {
    (void)state;
    tiny_run t;
    tiny_setup(&t);
    nn_train_progress p;
    volatile sig_atomic_t stop = 1;
    t.loop.stop = &stop;
    for (int k = 0; k < 3; k++)
        nn_train_epoch(&t.loop, &t.net, &t.opt, &t.r, &t.images, &t.labels, 1, &p, NULL, 1, NULL);
    nn_train_resume rs = {.epochs = 2, .epoch = 1, .batches_done = t.loop.batches_done,
                       .step = t.loop.step, .train_count = 32, .loss_sum = t.loop.loss_sum,
                       .hits = t.loop.hits, .seen = t.loop.seen, .first_loss = -1};
    memcpy(rs.rng, t.r.s, sizeof rs.rng);
    nn_train_record rec;
    nn_train_record_clear(&rec);
    rec.batch = 4;
    rec.seed = 77;
    char *dir = test_tmpdir();
    char path[4200];
    snprintf(path, sizeof path, "%s/state.st", dir);
    nn_error err;
    assert_int_equal(nn_checkpoint_save_training(path, &t.net, &rec, &t.opt, &rs, &err), NN_OK);

    /* an inference reader sees the model and nothing else */
    nn_mlp model;
    if (nn_checkpoint_load(path, &model, NULL, &err) != NN_OK) fail_msg("%s", err.msg);
    assert_memory_equal(model.params, t.net.params, sizeof(float) * t.net.nparams);
    nn_mlp_free(&model);

    nn_mlp net;
    nn_optimizer opt;
    nn_train_resume back;
    nn_train_record rec_back;
    if (nn_checkpoint_load_training(path, &net, &rec_back, &opt, &back, &err) != NN_OK)
        fail_msg("%s", err.msg);
    assert_non_null(net.grads);
    assert_memory_equal(net.params, t.net.params, sizeof(float) * t.net.nparams);
    assert_memory_equal(opt.m, t.opt.m, sizeof(float) * t.opt.n);
    assert_non_null(opt.v);
    assert_memory_equal(opt.v, t.opt.v, sizeof(float) * t.opt.n);
    assert_int_equal(opt.step, t.opt.step);
    assert_memory_equal(&opt.cfg, &t.opt.cfg, sizeof opt.cfg);
    assert_int_equal(back.batches_done, 3);
    assert_int_equal(back.step, 3);
    assert_memory_equal(back.rng, rs.rng, sizeof rs.rng);
    assert_true(back.loss_sum == rs.loss_sum); /* exact, %a */
    assert_int_equal(back.hits, rs.hits);
    assert_int_equal(back.seen, 12);
    assert_true(back.first_loss == -1);
    assert_int_equal(rec_back.batch, 4);
    assert_int_equal((int)rec_back.seed, 77);
    nn_optim_free(&opt);
    nn_mlp_free(&net);

    /* a plain checkpoint has no state to resume, and says so */
    assert_int_equal(nn_checkpoint_save(path, &t.net, &rec, &err), NN_OK);
    assert_false(nn_checkpoint_has_training_state(path));
    assert_int_equal(nn_checkpoint_load_training(path, &net, NULL, &opt, &back, &err), NN_ERR_FORMAT);
    assert_non_null(strstr(err.msg, "no training state"));
    test_tmpdir_remove(dir);
    tiny_free(&t);
}

/* heatmap --out and draw --screenshot never write over the model they read */
static void test_heatmap_and_draw_refuse_inputs(void **state) {
    (void)state;
    char *dir = test_tmpdir();
    char model[4200], fifo[4200];
    snprintf(model, sizeof model, "%s/m.st", dir);
    snprintf(fifo, sizeof fifo, "%s/fifo", dir);
    assert_int_equal(mkfifo(fifo, 0644), 0);
    nn_layer_spec specs[] = {{NN_LAYER_DYAD_IT, 4, 16, 0}, {NN_LAYER_DENSE, 1, 10, 0}};
    nn_mlp net;
    nn_error err;
    assert_int_equal(nn_mlp_create(&net, 784, specs, 2, 0, &err), NN_OK);
    nn_mlp_init(&net, 1);
    assert_int_equal(nn_checkpoint_save(model, &net, NULL, &err), NN_OK);
    nn_mlp_free(&net);
    size_t before_size;
    unsigned char *before = test_read_whole(model, &before_size);
    const char *bin = test_dyad_bin();
    int rc = run("%s heatmap %s --layer 0 --out %s/./m.st", bin, model, dir);
    if (rc != 2 || !strstr(out, "same file as the model")) fail_msg("exit %d:\n%s", rc, out);
    printf("  heatmap --out MODEL -> exit 2: %s", out);
    rc = run("%s heatmap %s --layer 0 --out %s", bin, model, fifo);
    if (rc != 2 || !strstr(out, "FIFO")) fail_msg("exit %d:\n%s", rc, out);
    rc = run("SDL_VIDEODRIVER=dummy %s draw --script tests/scripts/digit-7.script --model %s "
             "--baseline %s --screenshot %s", bin, model, model, model);
    if (rc != 2 || !strstr(out, "same file as --model")) fail_msg("exit %d:\n%s", rc, out);
    printf("  draw --screenshot MODEL -> exit 2: %s", out);
    size_t after_size;
    unsigned char *after = test_read_whole(model, &after_size);
    assert_int_equal(after_size, before_size);
    assert_memory_equal(after, before, before_size);
    free(after);
    free(before);
    test_tmpdir_remove(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loop_stops_between_steps),
        cmocka_unit_test(test_loop_non_finite_loss_takes_no_step),
        cmocka_unit_test(test_divergence_bound),
        cmocka_unit_test(test_training_state_roundtrip),
        cmocka_unit_test(test_heatmap_and_draw_refuse_inputs),
        cmocka_unit_test(test_resume_sgd_mid_epoch),
        cmocka_unit_test(test_resume_adam_mid_epoch),
        cmocka_unit_test(test_resume_at_epoch_end),
        cmocka_unit_test(test_resume_augmented),
        cmocka_unit_test(test_real_sigint_then_resume),
        cmocka_unit_test(test_resume_refusals),
        cmocka_unit_test(test_divergence_keeps_good_checkpoint),
        cmocka_unit_test(test_outputs_checked_before_training),
        cmocka_unit_test(test_metrics_write_error_fails),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
