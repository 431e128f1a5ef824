/* Atomic file writes: everything goes to a temporary file beside the target,
 * which is synced and renamed over the target only when complete. A reader
 * never sees half a file and a failed write leaves the old file untouched.
 * Used by every writer in the project (idx, checkpoints, PNGs). */
#ifndef NN_ATOMIC_FILE_H
#define NN_ATOMIC_FILE_H

#include <stdio.h>

#include "error.h"

typedef struct {
    FILE *f;         /* write through this */
    char *tmp;       /* the temporary file's path */
    const char *path; /* the target */
} nn_atomic_file;

/* Creates the temporary file (mode 0644, like any output). */
nn_status nn_atomic_file_open(nn_atomic_file *af, const char *path, nn_error *err);

/* Flushes, syncs, closes and renames onto the target; on any failure removes
 * the temporary file and reports it naming the target. Always releases af. */
nn_status nn_atomic_file_commit(nn_atomic_file *af, nn_error *err);

/* Gives up: closes and removes the temporary file. */
void nn_atomic_file_abort(nn_atomic_file *af);

#endif
