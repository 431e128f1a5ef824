#include "atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

nn_status nn_atomic_file_open(nn_atomic_file *af, const char *path, nn_error *err) {
    memset(af, 0, sizeof *af);
    af->path = path;
    size_t len = strlen(path);
    af->tmp = malloc(len + sizeof ".tmp-XXXXXX");
    if (!af->tmp) return nn_fail(err, NN_ERR_NOMEM, "%s: out of memory", path);
    memcpy(af->tmp, path, len);
    memcpy(af->tmp + len, ".tmp-XXXXXX", sizeof ".tmp-XXXXXX");
    /* beside the target, so rename() stays within one file system */
    int fd = mkstemp(af->tmp);
    if (fd < 0) {
        int e = errno;
        free(af->tmp);
        af->tmp = NULL;
        return nn_fail(err, NN_ERR_IO, "%s: cannot create a temporary file beside it: %s", path,
                       strerror(e));
    }
    (void)fchmod(fd, 0644); /* mkstemp makes files private; outputs are ordinary files */
    af->f = fdopen(fd, "wb");
    if (!af->f) {
        int e = errno;
        close(fd);
        unlink(af->tmp);
        free(af->tmp);
        af->tmp = NULL;
        return nn_fail(err, NN_ERR_IO, "%s: cannot write: %s", path, strerror(e));
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
    if (!stage && rename(af->tmp, af->path) != 0) stage = "rename the temporary file onto", e = errno;
    if (stage) unlink(af->tmp);
    free(af->tmp);
    af->tmp = NULL;
    if (stage)
        return nn_fail(err, NN_ERR_IO, "%s: cannot %s it: %s", af->path, stage,
                       e ? strerror(e) : "short write");
    sync_parent_dir(af->path);
    return NN_OK;
}

void nn_atomic_file_abort(nn_atomic_file *af) {
    if (af->f) fclose(af->f);
    if (af->tmp) unlink(af->tmp);
    free(af->tmp);
    memset(af, 0, sizeof *af);
}
