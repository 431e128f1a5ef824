#include "atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "file_check.h"

/* Creates target.tmp-XXXXXX exclusively with mode 0666, so the kernel applies
 * the umask (mkstemp would make it 0600). The suffix mixes the clock, the pid
 * and a retry count; O_EXCL makes a clash a retry, never a shared file. */
static int create_temp(const char *target, char *tmp, size_t size) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^ ((uint64_t)getpid() << 11);
    for (int attempt = 0; attempt < 100; attempt++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        snprintf(tmp, size, "%s.tmp-%06llx", target, (unsigned long long)(x >> 40));
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0 || errno != EEXIST) return fd;
    }
    errno = EEXIST;
    return -1;
}

static nn_status open_fail(nn_atomic_file *af, nn_error *err, const char *fmt, int e) {
    free(af->tmp);
    free(af->target);
    const char *path = af->path;
    memset(af, 0, sizeof *af);
    return nn_fail(err, NN_ERR_IO, fmt, path, strerror(e));
}

nn_status nn_atomic_file_open(nn_atomic_file *af, const char *path, nn_error *err) {
    memset(af, 0, sizeof *af);
    af->path = path;
    char target[PATH_MAX];
    nn_status st = nn_file_resolve_target(path, target, sizeof target, err);
    if (st != NN_OK) return st;
    if ((st = nn_file_check_regular(path, target, err)) != NN_OK) return st;
    struct stat old;
    int exists = stat(target, &old) == 0;
    size_t tmp_size = strlen(target) + sizeof ".tmp-XXXXXX";
    af->target = strdup(target);
    af->tmp = malloc(tmp_size);
    if (!af->target || !af->tmp) {
        free(af->target), free(af->tmp);
        memset(af, 0, sizeof *af);
        return nn_fail(err, NN_ERR_NOMEM, "%s: out of memory", path);
    }
    /* beside the target, so rename() stays within one file system */
    int fd = create_temp(target, af->tmp, tmp_size);
    if (fd < 0) return open_fail(af, err, "%s: cannot create a temporary file beside it: %s", errno);
    if (exists) {
        /* the replacement keeps the old file's permissions and, where we may, its owner */
        if ((old.st_uid != geteuid() || old.st_gid != getegid()) &&
            fchown(fd, old.st_uid, old.st_gid) != 0) {
            /* not ours to give away: the file becomes ours, mode still kept */
        }
        if (fchmod(fd, old.st_mode & 07777) != 0) {
            int e = errno;
            close(fd);
            unlink(af->tmp);
            return open_fail(af, err, "%s: cannot set the permissions of its replacement: %s", e);
        }
    }
    af->f = fdopen(fd, "wb");
    if (!af->f) {
        int e = errno;
        close(fd);
        unlink(af->tmp);
        return open_fail(af, err, "%s: cannot write: %s", e);
    }
    return NN_OK;
}

/* Makes the rename itself durable. */
static void sync_parent_dir(const char *path) {
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
    if (!dir) return;
    int fd = open(dir, O_RDONLY);
    free(dir);
    if (fd < 0) return;
    (void)fsync(fd);
    close(fd);
}

nn_status nn_atomic_file_commit(nn_atomic_file *af, nn_error *err) {
    const char *stage = NULL;
    int e = 0;
    if (ferror(af->f) || fflush(af->f) != 0) stage = "write", e = errno;
    else if (fsync(fileno(af->f)) != 0) stage = "sync", e = errno;
    if (fclose(af->f) != 0 && !stage) stage = "close", e = errno;
    af->f = NULL;
    if (!stage && rename(af->tmp, af->target) != 0) stage = "rename the temporary file onto", e = errno;
    if (stage) unlink(af->tmp);
    else sync_parent_dir(af->target);
    const char *path = af->path;
    free(af->tmp);
    free(af->target);
    memset(af, 0, sizeof *af);
    if (stage)
        return nn_fail(err, NN_ERR_IO, "%s: cannot %s it: %s", path, stage,
                       e ? strerror(e) : "short write");
    return NN_OK;
}

void nn_atomic_file_abort(nn_atomic_file *af) {
    if (af->f) fclose(af->f);
    if (af->tmp) unlink(af->tmp);
    free(af->tmp);
    free(af->target);
    memset(af, 0, sizeof *af);
}
