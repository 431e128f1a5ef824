#include "error.h"

#include <stdarg.h>
#include <stdio.h>

nn_status nn_fail(nn_error *err, nn_status code, const char *fmt, ...) {
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}
