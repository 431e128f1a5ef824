/* Atomic writes and output checks: a symlinked output updates its target and
 * stays a link; devices, FIFOs and directories are refused untouched; an
 * existing file keeps its mode and a new one follows the umask; a write that
 * hits the file size limit (a full disk, in effect) leaves the previous
 * checkpoint byte for byte and no temporary file; output paths in missing or
 * unwritable directories are reported before any work, and an output that is
 * the same file as an input is recognised by inode, whatever its spelling. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../nn/atomic_file.h"
#include "../nn/checkpoint.h"
#include "../nn/file_check.h"
#include "support.h"

static nn_status write_text(const char *path, const char *text, nn_error *err) {
    nn_atomic_file af;
    nn_status st = nn_atomic_file_open(&af, path, err);
    if (st != NN_OK) return st;
    fputs(text, af.f);
    return nn_atomic_file_commit(&af, err);
}

static void assert_file_text(const char *path, const char *text) {
    size_t size;
    unsigned char *got = test_read_whole(path, &size);
    assert_int_equal(size, strlen(text));
    assert_memory_equal(got, text, size);
    free(got);
}

static void test_symlink_updates_target(void **state) {
    (void)state;
    char *dir = test_tmpdir();
    char target[4200], link[4200], link2[4200];
    snprintf(target, sizeof target, "%s/real.bin", dir);
    snprintf(link, sizeof link, "%s/link.bin", dir);
    snprintf(link2, sizeof link2, "%s/link-to-link.bin", dir);
    nn_error err;
    assert_int_equal(write_text(target, "old", &err), NN_OK);
    assert_int_equal(symlink("real.bin", link), 0);
    assert_int_equal(symlink(link, link2), 0);

    assert_int_equal(write_text(link, "new through the link", &err), NN_OK);
    struct stat st;
    assert_int_equal(lstat(link, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_file_text(target, "new through the link");

    /* a chain of links ends at the same file */
    assert_int_equal(write_text(link2, "two hops", &err), NN_OK);
    assert_int_equal(lstat(link2, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_file_text(target, "two hops");
    assert_int_equal(test_count_temp_files(dir), 0);

    /* a dangling link is refused, nothing is created */
    char dangling[4200], missing[4200];
    snprintf(dangling, sizeof dangling, "%s/dangling.bin", dir);
    snprintf(missing, sizeof missing, "%s/missing.bin", dir);
    assert_int_equal(symlink("missing.bin", dangling), 0);
    assert_int_equal(write_text(dangling, "x", &err), NN_ERR_IO);
    assert_non_null(strstr(err.msg, dangling));
    assert_non_null(strstr(err.msg, "symlink"));
    assert_int_equal(stat(missing, &st), -1);
    assert_int_equal(test_count_temp_files(dir), 0);
    test_tmpdir_remove(dir);
}

/* path must be refused with a message naming it and what, and stay as it was */
static void expect_refused(const char *dir, const char *path, const char *what, mode_t type) {
    nn_error err;
    assert_int_equal(write_text(path, "x", &err), NN_ERR_IO);
    if (!strstr(err.msg, path) || !strstr(err.msg, what) || strchr(err.msg, '\n'))
        fail_msg("'%s' refused with '%s', expected the path and '%s'", path, err.msg, what);
    struct stat st;
    assert_int_equal(lstat(path, &st), 0);
    assert_int_equal(st.st_mode & S_IFMT, type);
    assert_int_equal(test_count_temp_files(dir), 0);
    /* the up-front check says the same */
    assert_int_equal(nn_file_check_output("--out", path, &err), NN_ERR_IO);
    assert_non_null(strstr(err.msg, "--out"));
    assert_non_null(strstr(err.msg, what));
}

static void test_non_regular_targets_refused(void **state) {
    (void)state;
    char *dir = test_tmpdir();
    char fifo[4200], sub[4200], dev[4200], link[4200];
    snprintf(fifo, sizeof fifo, "%s/fifo", dir);
    snprintf(sub, sizeof sub, "%s/adir", dir);
    snprintf(dev, sizeof dev, "%s/null-device", dir);
    snprintf(link, sizeof link, "%s/link-to-fifo", dir);
    assert_int_equal(mkfifo(fifo, 0644), 0);
    assert_int_equal(mkdir(sub, 0755), 0);
    assert_int_equal(symlink("fifo", link), 0);
    expect_refused(dir, fifo, "FIFO", S_IFIFO);
    expect_refused(dir, sub, "directory", S_IFDIR);
    expect_refused(dir, link, "FIFO", S_IFLNK);
    /* a device node of our own making (needs root with CAP_MKNOD), never one under /dev */
    if (mknod(dev, S_IFCHR | 0666, makedev(1, 3)) == 0)
        expect_refused(dir, dev, "device", S_IFCHR);
    else
        printf("  (no device node case: mknod: %s)\n", strerror(errno));
    test_tmpdir_remove(dir);
}

static void test_mode_kept_and_umask_followed(void **state) {
    (void)state;
    char *dir = test_tmpdir();
    char path[4200], fresh[4200], fresh2[4200];
    snprintf(path, sizeof path, "%s/private.bin", dir);
    snprintf(fresh, sizeof fresh, "%s/fresh.bin", dir);
    snprintf(fresh2, sizeof fresh2, "%s/fresh2.bin", dir);
    nn_error err;
    assert_int_equal(write_text(path, "v1", &err), NN_OK);
    assert_int_equal(chmod(path, 0600), 0);
    assert_int_equal(write_text(path, "v2", &err), NN_OK);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(chmod(path, 0640), 0);
    assert_int_equal(write_text(path, "v3", &err), NN_OK);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0640);
    assert_file_text(path, "v3");

    mode_t old = umask(022);
    assert_int_equal(write_text(fresh, "new", &err), NN_OK);
    umask(077);
    assert_int_equal(write_text(fresh2, "new", &err), NN_OK);
    umask(old);
    assert_int_equal(stat(fresh, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0644);
    assert_int_equal(stat(fresh2, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    test_tmpdir_remove(dir);
}

static void make_net(nn_mlp *net, int hidden) {
    nn_layer_spec specs[] = {{NN_LAYER_DYAD_IT, 4, hidden, 0}, {NN_LAYER_DENSE, 1, 10, 0}};
    nn_error err;
    assert_int_equal(nn_mlp_create(net, 64, specs, 2, 0, &err), NN_OK);
    nn_mlp_init(net, 7);
}

/* In a child (so the limit dies with it): file size limit, SIGXFSZ ignored,
 * save the big net over path. Exit 0 when the save failed cleanly. */
static int save_under_limit(const char *path, const nn_mlp *big, rlim_t limit) {
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        signal(SIGXFSZ, SIG_IGN);
        struct rlimit lim;
        if (getrlimit(RLIMIT_FSIZE, &lim) != 0) _exit(3);
        lim.rlim_cur = limit;
        if (setrlimit(RLIMIT_FSIZE, &lim) != 0) _exit(3);
        nn_error err;
        nn_status st = nn_checkpoint_save(path, big, NULL, &err);
        if (st == NN_OK) _exit(1);
        _exit(st == NN_ERR_IO && strstr(err.msg, path) && !strchr(err.msg, '\n') ? 0 : 2);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

static void test_full_disk_keeps_previous_checkpoint(void **state) {
    (void)state;
    char *dir = test_tmpdir();
    char path[4200];
    snprintf(path, sizeof path, "%s/good.safetensors", dir);
    nn_mlp small, big;
    make_net(&small, 16);
    make_net(&big, 512);
    nn_error err;
    assert_int_equal(nn_checkpoint_save(path, &small, NULL, &err), NN_OK);
    size_t before_size;
    unsigned char *before = test_read_whole(path, &before_size);
    /* the limit lets the header through but not the data, then none at all */
    rlim_t limits[] = {before_size + 1024, 100, 0};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(save_under_limit(path, &big, limits[i]), 0);
        size_t after_size;
        unsigned char *after = test_read_whole(path, &after_size);
        assert_int_equal(after_size, before_size);
        assert_memory_equal(after, before, before_size);
        free(after);
        assert_int_equal(test_count_temp_files(dir), 0);
    }
    /* without the limit the same save goes through */
    assert_int_equal(nn_checkpoint_save(path, &big, NULL, &err), NN_OK);
    nn_mlp back;
    assert_int_equal(nn_checkpoint_load(path, &back, NULL, &err), NN_OK);
    assert_int_equal(back.nparams, big.nparams);
    nn_mlp_free(&back);
    free(before);
    nn_mlp_free(&small);
    nn_mlp_free(&big);
    test_tmpdir_remove(dir);
}

static void expect_output_error(const char *path, const char *what) {
    nn_error err;
    assert_int_equal(nn_file_check_output("--metrics", path, &err), NN_ERR_IO);
    if (!strstr(err.msg, "--metrics") || !strstr(err.msg, what) || strchr(err.msg, '\n'))
        fail_msg("'%s': got '%s', expected '%s'", path, err.msg, what);
}

static void test_output_paths_checked(void **state) {
    (void)state;
    char *dir = test_tmpdir();
    char path[4200], file[4200], ro[4200], inside[4300];
    nn_error err;
    snprintf(path, sizeof path, "%s/new.csv", dir);
    assert_int_equal(nn_file_check_output("--out", path, &err), NN_OK);
    assert_int_equal(nn_file_check_output("--out", "relative-new-file.csv", &err), NN_OK);
    snprintf(path, sizeof path, "%s/no/such/dir/m.safetensors", dir);
    expect_output_error(path, "does not exist");
    snprintf(file, sizeof file, "%s/plain", dir);
    assert_int_equal(test_write_file(file, "x", 1), 0);
    snprintf(path, sizeof path, "%s/plain/m.safetensors", dir);
    expect_output_error(path, "is not a directory");
    expect_output_error("", "empty");

    /* a read-only directory, checked with the ids of a user who cannot write
     * there: root may write anywhere, so as root the check runs in a child
     * that has become nobody */
    snprintf(ro, sizeof ro, "%s/ro", dir);
    snprintf(inside, sizeof inside, "%s/m.safetensors", ro);
    assert_int_equal(mkdir(ro, 0755), 0);
    assert_int_equal(chmod(dir, 0755), 0);
    assert_int_equal(chmod(ro, 0555), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) _exit(4);
        nn_error child_err;
        nn_status st = nn_file_check_output("--out", inside, &child_err);
        _exit(st == NN_ERR_IO && strstr(child_err.msg, "not writable") &&
              strstr(child_err.msg, inside) ? 0 : 1);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    if (WEXITSTATUS(status) == 4) /* a container that maps no uid 65534 */
        printf("  (no read-only directory case: cannot become nobody)\n");
    else
        assert_int_equal(WEXITSTATUS(status), 0);
    assert_int_equal(chmod(ro, 0755), 0);
    test_tmpdir_remove(dir);
}

static void test_same_file_by_inode(void **state) {
    (void)state;
    char *dir = test_tmpdir();
    char a[4200], hard[4200], soft[4200], dotted[4300], other[4200], new1[4200], new2[4300];
    snprintf(a, sizeof a, "%s/data.idx", dir);
    snprintf(hard, sizeof hard, "%s/hard.idx", dir);
    snprintf(soft, sizeof soft, "%s/soft.idx", dir);
    snprintf(dotted, sizeof dotted, "%s/./data.idx", dir);
    snprintf(other, sizeof other, "%s/other.idx", dir);
    snprintf(new1, sizeof new1, "%s/new.csv", dir);
    snprintf(new2, sizeof new2, "%s/../%s/new.csv", dir, strrchr(dir, '/') + 1);
    assert_int_equal(test_write_file(a, "abc", 3), 0);
    assert_int_equal(test_write_file(other, "abc", 3), 0);
    assert_int_equal(link(a, hard), 0);
    assert_int_equal(symlink("data.idx", soft), 0);
    assert_true(nn_file_same(a, hard));
    assert_true(nn_file_same(soft, a));
    assert_true(nn_file_same(dotted, a));
    assert_false(nn_file_same(a, other));
    assert_true(nn_file_same(new1, new2)); /* neither exists yet: same directory entry */
    assert_false(nn_file_same(new1, a));
    nn_error err;
    assert_int_equal(nn_file_check_not_input("--out", hard, "the training images", a, &err),
                     NN_ERR_ARG);
    assert_non_null(strstr(err.msg, "--out"));
    assert_non_null(strstr(err.msg, "the training images"));
    assert_non_null(strstr(err.msg, "same file"));
    assert_int_equal(nn_file_check_not_input("--out", other, "the training images", a, &err), NN_OK);
    test_tmpdir_remove(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_symlink_updates_target),
        cmocka_unit_test(test_non_regular_targets_refused),
        cmocka_unit_test(test_mode_kept_and_umask_followed),
        cmocka_unit_test(test_full_disk_keeps_previous_checkpoint),
        cmocka_unit_test(test_output_paths_checked),
        cmocka_unit_test(test_same_file_by_inode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
