/* Helpers for reading files from anywhere and for echoing their contents in
 * messages: an open that never blocks on a FIFO or device and refuses
 * anything but a regular file, and an escaper for bytes a terminal would
 * interpret. */
#ifndef NN_SAFE_IO_H
#define NN_SAFE_IO_H

#include <stddef.h>
#include <sys/stat.h>

#include "error.h"

/* Opens path read-only with O_NONBLOCK (so a FIFO without a writer or a
 * device cannot hang the open), fstat()s it and refuses anything that is not
 * a regular file with "PATH: is a FIFO, not a regular file (WHAT)" (what: e.g.
 * "expected an IDX file"). On success *fd is a blocking, close-on-exec
 * descriptor and *st (when not NULL) its stat. */
nn_status nn_safe_open_regular(const char *path, const char *what, int *fd, struct stat *st,
                            nn_error *err);

/* The same, but a character device (/dev/null, a terminal) is accepted too:
 * for inputs a user may point at a device, like draw --script. */
nn_status nn_safe_open_input(const char *path, const char *what, int *fd, struct stat *st,
                          nn_error *err);

/* Copies at most max bytes of text into buf (size bytes, always terminated),
 * writing control bytes (0x00-0x1f, 0x7f), C1 controls and bytes that are not
 * valid UTF-8 as \xNN and a backslash as \\. A longer text is cut with "...".
 * Returns buf, so it can be an argument of a printf-style call. */
const char *nn_safe_escape(const char *text, size_t max, char *buf, size_t size);

/* Same for a byte range that need not be NUL-terminated. */
const char *nn_safe_escape_bytes(const void *bytes, size_t len, size_t max, char *buf,
                              size_t size);

#endif
