#include "file_check.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

/* The directory part of path into dir ("." when it has none); returns the
 * name part, or NULL when dir is too small. */
static const char *split_dir(const char *path, char *dir, size_t size) {
    const char *slash = strrchr(path, '/');
    if (!slash) {
        if (size < 2) return NULL;
        strcpy(dir, ".");
        return path;
    }
    size_t len = slash == path ? 1 : (size_t)(slash - path);
    if (len >= size) return NULL;
    memcpy(dir, path, len);
    dir[len] = 0;
    return slash + 1;
}

static const char *kind_name(mode_t mode) {
    if (S_ISDIR(mode)) return "a directory";
    if (S_ISFIFO(mode)) return "a FIFO";
    if (S_ISCHR(mode)) return "a character device";
    if (S_ISBLK(mode)) return "a block device";
    if (S_ISSOCK(mode)) return "a socket";
    return "not a regular file";
}

nn_status nn_file_resolve_target(const char *path, char *resolved, size_t size, nn_error *err) {
    struct stat ls;
    if (lstat(path, &ls) != 0 || !S_ISLNK(ls.st_mode)) {
        /* absent, or not a link: the path itself is the target */
        if (strlen(path) >= size) return nn_fail(err, NN_ERR_IO, "%s: path too long", path);
        strcpy(resolved, path);
        return NN_OK;
    }
    char *real = realpath(path, NULL);
    if (!real) {
        int e = errno;
        if (e == ENOENT)
            return nn_fail(err, NN_ERR_IO, "%s: is a symlink to a missing file (refusing to "
                           "create a file through it)", path);
        return nn_fail(err, NN_ERR_IO, "%s: cannot follow the symlink: %s", path, strerror(e));
    }
    size_t len = strlen(real);
    if (len >= size) {
        free(real);
        return nn_fail(err, NN_ERR_IO, "%s: path too long", path);
    }
    memcpy(resolved, real, len + 1);
    free(real);
    return NN_OK;
}

nn_status nn_file_check_regular(const char *path, const char *target, nn_error *err) {
    struct stat st;
    if (stat(target, &st) == 0) {
        if (!S_ISREG(st.st_mode))
            return nn_fail(err, NN_ERR_IO, "%s: is %s, not a regular file (refusing to replace it)",
                           path, kind_name(st.st_mode));
    } else if (errno != ENOENT && errno != ENOTDIR) {
        /* absent (or under a non-directory, which the caller reports) is fine here */
        return nn_fail(err, NN_ERR_IO, "%s: %s", path, strerror(errno));
    }
    return NN_OK;
}

nn_status nn_file_check_output(const char *what, const char *path, nn_error *err) {
    if (!path || !*path) return nn_fail(err, NN_ERR_IO, "%s: empty path", what);
    char target[PATH_MAX], dir[PATH_MAX];
    nn_error inner;
    if (nn_file_resolve_target(path, target, sizeof target, &inner) != NN_OK)
        return nn_fail(err, NN_ERR_IO, "%s %s", what, inner.msg);
    if (nn_file_check_regular(path, target, &inner) != NN_OK)
        return nn_fail(err, NN_ERR_IO, "%s %s", what, inner.msg);
    struct stat st;
    if (!split_dir(target, dir, sizeof dir))
        return nn_fail(err, NN_ERR_IO, "%s %s: path too long", what, path);
    if (stat(dir, &st) != 0) {
        int e = errno;
        if (e == ENOENT || e == ENOTDIR)
            return nn_fail(err, NN_ERR_IO, "%s %s: directory %s does not exist", what, path, dir);
        return nn_fail(err, NN_ERR_IO, "%s %s: directory %s: %s", what, path, dir, strerror(e));
    }
    if (!S_ISDIR(st.st_mode))
        return nn_fail(err, NN_ERR_IO, "%s %s: %s is not a directory", what, path, dir);
    struct statvfs vfs;
    if (statvfs(dir, &vfs) == 0 && (vfs.f_flag & ST_RDONLY))
        return nn_fail(err, NN_ERR_IO, "%s %s: directory %s is on a read-only file system", what,
                       path, dir);
    /* effective ids, as the write itself will use */
    if (faccessat(AT_FDCWD, dir, W_OK | X_OK, AT_EACCESS) != 0)
        return nn_fail(err, NN_ERR_IO, "%s %s: directory %s is not writable: %s", what, path,
                       dir, strerror(errno));
    return NN_OK;
}

int nn_file_same(const char *a, const char *b) {
    struct stat sa, sb;
    int has_a = stat(a, &sa) == 0, has_b = stat(b, &sb) == 0;
    if (has_a && has_b) return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    if (has_a || has_b) return 0;
    /* neither exists yet: the same name in the same directory */
    char dir_a[PATH_MAX], dir_b[PATH_MAX];
    const char *name_a = split_dir(a, dir_a, sizeof dir_a);
    const char *name_b = split_dir(b, dir_b, sizeof dir_b);
    if (!name_a || !name_b || strcmp(name_a, name_b) != 0) return 0;
    return stat(dir_a, &sa) == 0 && stat(dir_b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

nn_status nn_file_check_not_input(const char *out_what, const char *out, const char *in_what,
                               const char *in, nn_error *err) {
    if (!out || !in || !nn_file_same(out, in)) return NN_OK;
    return nn_fail(err, NN_ERR_ARG, "%s %s is the same file as %s %s (refusing to overwrite it)",
                   out_what, out, in_what, in);
}
