/* Error reporting for nn/: every fallible function returns an nn_status and,
 * on failure, writes one human-readable line into a caller-owned nn_error.
 * No global state: the caller decides what to do with the message. */
#ifndef NN_ERROR_H
#define NN_ERROR_H

typedef enum {
    NN_OK = 0,
    NN_ERR_ARG,    /* invalid argument or specification */
    NN_ERR_NOMEM,  /* allocation failed */
    NN_ERR_IO,     /* file could not be opened, read or written */
    NN_ERR_FORMAT, /* file content is malformed */
} nn_status;

typedef struct {
    char msg[512];
} nn_error;

/* Formats the message into err (if not NULL) and returns code. */
nn_status nn_fail(nn_error *err, nn_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
