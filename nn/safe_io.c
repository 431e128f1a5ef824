#include "safe_io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *file_type_name(mode_t mode) {
    if (S_ISDIR(mode)) return "a directory";
    if (S_ISFIFO(mode)) return "a FIFO";
    if (S_ISCHR(mode)) return "a character device";
    if (S_ISBLK(mode)) return "a block device";
    if (S_ISSOCK(mode)) return "a socket";
    return "a special file";
}

/* accept_char: character devices (/dev/null, a terminal) pass too. */
static nn_status safe_open(const char *path, const char *what, int accept_char, int *fd,
                           struct stat *st, nn_error *err) {
    *fd = -1;
    int f = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (f < 0) return nn_fail(err, NN_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    struct stat s;
    if (fstat(f, &s) != 0) {
        int saved = errno;
        close(f);
        return nn_fail(err, NN_ERR_IO, "%s: cannot stat: %s", path, strerror(saved));
    }
    if (!S_ISREG(s.st_mode) && !(accept_char && S_ISCHR(s.st_mode))) {
        close(f);
        return nn_fail(err, NN_ERR_IO, "%s: is %s, not a regular file (%s)", path,
                       file_type_name(s.st_mode), what);
    }
    /* The open was what could block; plain blocking reads from here on. */
    int flags = fcntl(f, F_GETFL);
    if (flags < 0 || fcntl(f, F_SETFL, flags & ~O_NONBLOCK) != 0) {
        int saved = errno;
        close(f);
        return nn_fail(err, NN_ERR_IO, "%s: cannot set up reading: %s", path, strerror(saved));
    }
    *fd = f;
    if (st) *st = s;
    return NN_OK;
}

nn_status nn_safe_open_regular(const char *path, const char *what, int *fd, struct stat *st,
                            nn_error *err) {
    return safe_open(path, what, 0, fd, st, err);
}

nn_status nn_safe_open_input(const char *path, const char *what, int *fd, struct stat *st,
                          nn_error *err) {
    return safe_open(path, what, 1, fd, st, err);
}

/* Length of the valid UTF-8 sequence at p (at most avail bytes), 0 if none.
 * C1 controls (U+0080..U+009F) count as invalid: terminals act on them. */
static size_t utf8_sequence(const unsigned char *p, size_t avail) {
    unsigned c = p[0];
    size_t len;
    uint32_t cp, min;
    if (c >= 0xc2 && c <= 0xdf) len = 2, cp = c & 0x1f, min = 0x80;
    else if (c >= 0xe0 && c <= 0xef) len = 3, cp = c & 0x0f, min = 0x800;
    else if (c >= 0xf0 && c <= 0xf4) len = 4, cp = c & 0x07, min = 0x10000;
    else return 0;
    if (len > avail) return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80) return 0;
        cp = cp << 6 | (p[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    if (cp >= 0x80 && cp <= 0x9f) return 0;
    return len;
}

const char *nn_safe_escape_bytes(const void *bytes, size_t len, size_t max, char *buf,
                              size_t size) {
    if (!buf || size == 0) return "";
    const unsigned char *p = bytes;
    size_t used = 0, i = 0;
    if (!p) len = 0;
    int cut = 0;
    while (i < len) {
        if (i >= max) {
            cut = 1;
            break;
        }
        char piece[16];
        size_t n;
        unsigned c = p[i];
        size_t seq = c >= 0x80 ? utf8_sequence(p + i, len - i) : 0;
        if (seq > 0 && i + seq <= max) {
            memcpy(piece, p + i, seq);
            n = seq;
        } else if (c < 0x20 || c == 0x7f || c >= 0x80) {
            n = (size_t)snprintf(piece, sizeof piece, "\\x%02x", c);
            seq = 1;
        } else if (c == '\\') {
            piece[0] = piece[1] = '\\';
            n = 2;
            seq = 1;
        } else {
            piece[0] = (char)c;
            n = 1;
            seq = 1;
        }
        if (used + n + 4 > size) { /* room for "..." and the NUL */
            cut = 1;
            break;
        }
        memcpy(buf + used, piece, n);
        used += n;
        i += seq;
    }
    if (cut && used + 4 <= size) {
        memcpy(buf + used, "...", 3);
        used += 3;
    }
    buf[used < size ? used : size - 1] = 0;
    return buf;
}

const char *nn_safe_escape(const char *text, size_t max, char *buf, size_t size) {
    return nn_safe_escape_bytes(text, text ? strlen(text) : 0, max, buf, size);
}
