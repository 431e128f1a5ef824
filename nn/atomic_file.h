/* Atomic file writes: everything goes to a temporary file beside the target,
 * which is synced and renamed over the target only when complete. A reader
 * never sees half a file and a failed write leaves the old file untouched.
 * Used by every writer in the project (idx, checkpoints, PNGs).
 *
 * The target is what the path finally names: a symlink is followed (the
 * temporary file goes beside the link's target and replaces it, the link stays
 * a link). An existing target must be a regular file; a device, FIFO, socket
 * or directory is refused before anything is written. An existing file keeps
 * its permission bits (and, where we may, its owner); a new one gets
 * 0666 & ~umask like any file a program creates. */
#ifndef NN_ATOMIC_FILE_H
#define NN_ATOMIC_FILE_H

#include <stdio.h>

#include "error.h"

typedef struct {
    FILE *f;          /* write through this */
    char *tmp;        /* the temporary file's path */
    char *target;     /* the file that gets replaced (the path, or its link's target) */
    const char *path; /* the path as given, for messages */
} nn_atomic_file;

/* Creates the temporary file beside the target. */
nn_status nn_atomic_file_open(nn_atomic_file *af, const char *path, nn_error *err);

/* Flushes, syncs, closes and renames onto the target; on any failure removes
 * the temporary file and reports it naming the path. Always releases af. */
nn_status nn_atomic_file_commit(nn_atomic_file *af, nn_error *err);

/* Gives up: closes and removes the temporary file. */
void nn_atomic_file_abort(nn_atomic_file *af);

#endif
