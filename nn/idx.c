/* IDX reader and writer. A file is read through one small "source" that hides
 * whether the bytes come straight from disk or through zlib, so every check
 * (header, sizes, trailing bytes) is written once. Payloads are read in one
 * large call where the size is known up front (MNIST's 47 MB training images:
 * one fread, or one inflate into the final buffer), never byte by byte. */
#include "idx.h"

#include "atomic_file.h"
#include "safe_io.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define IDX_MAGIC_IMAGES 0x00000803u
#define IDX_MAGIC_LABELS 0x00000801u
/* Limits that reject absurd headers before anything large is allocated. */
#define IDX_MAX_SIDE 4096
#define IDX_MAX_COUNT 10000000
#define IDX_MAX_PAYLOAD ((size_t)INT_MAX) /* callers index pixels with int */
/* A gzip payload's real size is only known once it is inflated, so unless the
 * gzip trailer agrees with the header, its buffer starts at most this big and
 * doubles up to the size the header claims: a lying header cannot make us
 * allocate much more than the data really holds. */
#define IDX_GZ_FIRST_CHUNK ((size_t)1 << 20)
/* zlib takes unsigned lengths and returns int: stay well below both. */
#define IDX_MAX_READ ((size_t)1 << 30)

/* Compressed bytes are read from the file this many at a time. */
#define IDX_GZ_INPUT_CHUNK ((size_t)256 * 1024)

typedef struct {
    const char *path;
    FILE *raw;       /* set for an uncompressed file */
    int gz_fd;       /* set (>= 0) for a gzip file */
    z_stream strm;   /* inflating the gzip file, header and trailer included */
    unsigned char *gz_in; /* compressed input buffer */
    int gz_in_eof;   /* no more compressed bytes in the file */
    int gz_done;     /* the last gzip member ended with a verified trailer */
    off_t raw_size;  /* size of the file on disk */
    /* The gzip trailer's ISIZE: the uncompressed size mod 2^32 (of the last
     * member only). A hint for sizing the buffer, never trusted for checks. */
    int has_isize;
    uint32_t isize;
} idx_source;

static nn_status source_open(idx_source *src, const char *path, nn_error *err) {
    memset(src, 0, sizeof *src);
    src->path = path;
    src->gz_fd = -1;
    int fd;
    struct stat st;
    nn_status status = nn_safe_open_regular(path, "expected an IDX file", &fd, &st, err);
    if (status != NN_OK) return status;
    src->raw_size = st.st_size;
    /* pread leaves the offset at 0 for whichever reader takes the descriptor. */
    unsigned char magic[2];
    ssize_t got = pread(fd, magic, sizeof magic, 0);
    if (got < 0) {
        int saved = errno;
        close(fd);
        return nn_fail(err, NN_ERR_IO, "%s: cannot read: %s", path, strerror(saved));
    }
    if (got == 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
        unsigned char trailer[4];
        if (st.st_size >= 18 && pread(fd, trailer, 4, st.st_size - 4) == 4) {
            src->has_isize = 1;
            src->isize = (uint32_t)trailer[0] | (uint32_t)trailer[1] << 8 |
                         (uint32_t)trailer[2] << 16 | (uint32_t)trailer[3] << 24;
        }
        /* Our own inflate loop rather than gzread: zlib's gzread reports a
         * stream whose CRC/length trailer is cut off as a clean end of file
         * when the input runs out exactly where the deflate data ends. */
        src->gz_in = malloc(IDX_GZ_INPUT_CHUNK);
        if (!src->gz_in) {
            close(fd);
            return nn_fail(err, NN_ERR_NOMEM, "%s: cannot start gzip reader", path);
        }
        if (inflateInit2(&src->strm, 16 + MAX_WBITS) != Z_OK) {
            free(src->gz_in);
            src->gz_in = NULL;
            close(fd);
            return nn_fail(err, NN_ERR_NOMEM, "%s: cannot start gzip reader", path);
        }
        src->gz_fd = fd;
        src->raw_size = -1; /* the payload size is known only once inflated */
        return NN_OK;
    }
    src->raw = fdopen(fd, "rb");
    if (!src->raw) {
        int saved = errno;
        close(fd);
        return nn_fail(err, NN_ERR_IO, "%s: cannot open: %s", path, strerror(saved));
    }
    return NN_OK;
}

static void source_close(idx_source *src) {
    if (src->raw) fclose(src->raw);
    if (src->gz_fd >= 0) {
        inflateEnd(&src->strm);
        close(src->gz_fd);
        free(src->gz_in);
    }
    src->raw = NULL;
    src->gz_fd = -1;
    src->gz_in = NULL;
}

/* Refills the compressed input buffer once it is empty; 0 bytes at the end. */
static nn_status gz_refill(idx_source *src, nn_error *err) {
    if (src->strm.avail_in > 0 || src->gz_in_eof) return NN_OK;
    ssize_t n;
    do n = read(src->gz_fd, src->gz_in, IDX_GZ_INPUT_CHUNK);
    while (n < 0 && errno == EINTR);
    if (n < 0) return nn_fail(err, NN_ERR_IO, "%s: read error: %s", src->path, strerror(errno));
    if (n == 0) src->gz_in_eof = 1;
    src->strm.next_in = src->gz_in;
    src->strm.avail_in = (uInt)n;
    return NN_OK;
}

/* After a gzip member's trailer: either the file ends, or another member
 * starts (gzip -c a b > c), or bytes that are not gzip follow. */
static nn_status gz_after_member(idx_source *src, nn_error *err) {
    nn_status st = gz_refill(src, err);
    if (st != NN_OK) return st;
    if (src->strm.avail_in == 0) {
        src->gz_done = 1;
        return NN_OK;
    }
    if (src->strm.next_in[0] != 0x1f)
        return nn_fail(err, NN_ERR_FORMAT, "%s: corrupt gzip data: bytes after the end of the "
                       "compressed stream", src->path);
    if (inflateReset(&src->strm) != Z_OK)
        return nn_fail(err, NN_ERR_FORMAT, "%s: corrupt gzip data", src->path);
    return NN_OK;
}

/* Inflates up to want bytes into dst; *got says how many. Every gzip member
 * must end with a trailer whose CRC32 and length zlib has verified. */
static nn_status gz_read(idx_source *src, unsigned char *dst, size_t want, size_t *got,
                         nn_error *err) {
    *got = 0;
    while (*got < want && !src->gz_done) {
        nn_status st = gz_refill(src, err);
        if (st != NN_OK) return st;
        size_t room = want - *got;
        src->strm.next_out = dst + *got;
        src->strm.avail_out = (uInt)(room > IDX_MAX_READ ? IDX_MAX_READ : room);
        uInt before_in = src->strm.avail_in, before_out = src->strm.avail_out;
        int ret = inflate(&src->strm, Z_NO_FLUSH);
        *got += before_out - src->strm.avail_out;
        if (ret == Z_STREAM_END) {
            st = gz_after_member(src, err);
            if (st != NN_OK) return st;
            continue;
        }
        if (ret == Z_MEM_ERROR)
            return nn_fail(err, NN_ERR_NOMEM, "%s: out of memory inflating", src->path);
        if (ret != Z_OK && ret != Z_BUF_ERROR)
            return nn_fail(err, NN_ERR_FORMAT, "%s: corrupt gzip data: %s", src->path,
                           src->strm.msg ? src->strm.msg : "inflate failed");
        int stuck = before_in == src->strm.avail_in && before_out == src->strm.avail_out;
        if (src->gz_in_eof && src->strm.avail_in == 0 && (stuck || ret == Z_BUF_ERROR))
            return nn_fail(err, NN_ERR_FORMAT,
                           "%s: corrupt gzip data: compressed stream ends early, before its "
                           "CRC/length trailer (file truncated?)", src->path);
    }
    return NN_OK;
}

/* Reads up to want bytes; *got says how many arrived (fewer only at the end of
 * the data). Fails on read errors and on corrupt or cut-off gzip streams. */
static nn_status source_read(idx_source *src, void *buf, size_t want, size_t *got,
                             nn_error *err) {
    unsigned char *dst = buf;
    *got = 0;
    if (src->gz_fd >= 0) return gz_read(src, dst, want, got, err);
    while (*got < want) {
        size_t chunk = want - *got;
        if (chunk > IDX_MAX_READ) chunk = IDX_MAX_READ;
        size_t n = fread(dst + *got, 1, chunk, src->raw);
        if (n < chunk && ferror(src->raw))
            return nn_fail(err, NN_ERR_IO, "%s: read error: %s", src->path, strerror(errno));
        *got += n;
        if (n < chunk) break; /* end of data */
    }
    return NN_OK;
}

static uint32_t read_be32(const unsigned char *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static void write_be32(unsigned char *p, uint32_t v) {
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* Reads and checks the magic and the dimensions (rank dims of them). */
static nn_status read_header(idx_source *src, uint32_t want_magic, int rank, const char *what,
                             uint32_t *dims, nn_error *err) {
    unsigned char head[4 + 4 * 3];
    size_t head_size = 4 + 4 * (size_t)rank;
    size_t got;
    nn_status st = source_read(src, head, 4, &got, err);
    if (st != NN_OK) return st;
    if (got == 0) return nn_fail(err, NN_ERR_FORMAT, "%s: file is empty", src->path);
    if (got < 4)
        return nn_fail(err, NN_ERR_FORMAT, "%s: truncated header: expected %zu bytes, got %zu",
                       src->path, head_size, got);
    uint32_t magic = read_be32(head);
    if (magic != want_magic) {
        /* Same element type but another rank: say so, it is the likelier mix-up. */
        if ((magic & 0xffffff00u) == (want_magic & 0xffffff00u))
            return nn_fail(err, NN_ERR_FORMAT,
                           "%s: wrong rank: magic 0x%08x means rank %u, %s need rank %d "
                           "(magic 0x%08x)", src->path, (unsigned)magic,
                           (unsigned)(magic & 0xff), what, rank, (unsigned)want_magic);
        return nn_fail(err, NN_ERR_FORMAT,
                       "%s: bad magic 0x%08x, expected 0x%08x (IDX %s: unsigned bytes, "
                       "%d dimension%s)", src->path, (unsigned)magic, (unsigned)want_magic,
                       what, rank, rank == 1 ? "" : "s");
    }
    st = source_read(src, head + 4, head_size - 4, &got, err);
    if (st != NN_OK) return st;
    if (got < head_size - 4)
        return nn_fail(err, NN_ERR_FORMAT, "%s: truncated header: expected %zu bytes, got %zu",
                       src->path, head_size, 4 + got);
    for (int i = 0; i < rank; i++) dims[i] = read_be32(head + 4 + 4 * i);
    return NN_OK;
}

static nn_status check_dim(const char *path, const char *name, uint32_t value, uint32_t max,
                           nn_error *err) {
    if (value == 0) return nn_fail(err, NN_ERR_FORMAT, "%s: %s is zero", path, name);
    if (value > max)
        return nn_fail(err, NN_ERR_FORMAT, "%s: %s %u is absurd (limit %u)", path, name,
                       (unsigned)value, (unsigned)max);
    return NN_OK;
}

/* Asks Linux to back a big buffer with huge pages: first-touch page faults
 * were most of the time of loading MNIST's 47 MB on our VM. Only a hint. */
static void advise_huge_pages(void *buf, size_t size) {
#ifdef MADV_HUGEPAGE
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    uintptr_t start = ((uintptr_t)buf + page - 1) / page * page;
    uintptr_t end = ((uintptr_t)buf + size) / page * page;
    if (size >= ((size_t)4 << 20) && end > start)
        (void)madvise((void *)start, end - start, MADV_HUGEPAGE);
#else
    (void)buf;
    (void)size;
#endif
}

/* Reads exactly size payload bytes after a header of header_size bytes and
 * makes sure nothing follows them. */
static nn_status read_payload(idx_source *src, size_t header_size, size_t size, uint8_t **out,
                              nn_error *err) {
    *out = NULL;
    /* For a plain file the size on disk settles truncation before reading. */
    if (src->raw_size >= 0) {
        size_t on_disk = (size_t)src->raw_size;
        size_t have = on_disk > header_size ? on_disk - header_size : 0;
        if (have < size)
            return nn_fail(err, NN_ERR_FORMAT,
                           "%s: truncated data: expected %zu bytes after the header, got %zu",
                           src->path, size, have);
        if (have > size)
            return nn_fail(err, NN_ERR_FORMAT,
                           "%s: trailing garbage: %zu extra bytes after the %zu data bytes",
                           src->path, have - size, size);
    }
    /* Reading straight into an exact buffer is about twice as fast as growing one. */
    int size_known = src->raw_size >= 0 ||
                     (src->has_isize && src->isize == (uint32_t)(header_size + size));
    size_t capacity = size_known || size < IDX_GZ_FIRST_CHUNK ? size : IDX_GZ_FIRST_CHUNK;
    uint8_t *buf = malloc(capacity);
    if (!buf)
        return nn_fail(err, NN_ERR_NOMEM, "%s: cannot allocate %zu bytes", src->path, capacity);
    advise_huge_pages(buf, capacity);
    size_t filled = 0;
    for (;;) {
        size_t got;
        nn_status st = source_read(src, buf + filled, capacity - filled, &got, err);
        if (st != NN_OK) {
            free(buf);
            return st;
        }
        filled += got;
        if (filled < capacity || capacity == size) break;
        size_t grown = capacity * 2 < size ? capacity * 2 : size;
        uint8_t *bigger = realloc(buf, grown);
        if (!bigger) {
            free(buf);
            return nn_fail(err, NN_ERR_NOMEM, "%s: cannot allocate %zu bytes", src->path, grown);
        }
        buf = bigger;
        capacity = grown;
        advise_huge_pages(buf, capacity);
    }
    if (filled < size) {
        free(buf);
        return nn_fail(err, NN_ERR_FORMAT,
                       "%s: truncated data: expected %zu bytes after the header, got %zu",
                       src->path, size, filled);
    }
    /* Anything left over means the header and the data disagree. For gzip this
     * read also makes zlib check the stream's CRC and length trailer. */
    unsigned char extra[4096];
    size_t extra_total = 0, got;
    do {
        nn_status st = source_read(src, extra, sizeof extra, &got, err);
        if (st != NN_OK) {
            free(buf);
            return st;
        }
        extra_total += got;
    } while (got == sizeof extra && extra_total < ((size_t)1 << 20));
    if (extra_total > 0) {
        free(buf);
        return nn_fail(err, NN_ERR_FORMAT,
                       "%s: trailing garbage: %s%zu extra bytes after the %zu data bytes",
                       src->path, got == sizeof extra ? "at least " : "", extra_total, size);
    }
    *out = buf;
    return NN_OK;
}

nn_status nn_idx_load_images(const char *path, nn_idx_images *out, nn_error *err) {
    if (!path || !out) return nn_fail(err, NN_ERR_ARG, "idx_load_images: NULL argument");
    memset(out, 0, sizeof *out);
    idx_source src;
    nn_status st = source_open(&src, path, err);
    if (st != NN_OK) return st;
    uint32_t dims[3];
    st = read_header(&src, IDX_MAGIC_IMAGES, 3, "images", dims, err);
    if (st == NN_OK) st = check_dim(path, "image count", dims[0], IDX_MAX_COUNT, err);
    if (st == NN_OK) st = check_dim(path, "rows", dims[1], IDX_MAX_SIDE, err);
    if (st == NN_OK) st = check_dim(path, "columns", dims[2], IDX_MAX_SIDE, err);
    size_t size = (size_t)dims[0] * dims[1] * dims[2]; /* < 2^64 given the limits */
    if (st == NN_OK && size > IDX_MAX_PAYLOAD)
        st = nn_fail(err, NN_ERR_FORMAT, "%s: %u images of %ux%u make %zu bytes, over the %zu "
                     "byte limit", path, (unsigned)dims[0], (unsigned)dims[1],
                     (unsigned)dims[2], size, IDX_MAX_PAYLOAD);
    uint8_t *pixels = NULL;
    if (st == NN_OK) st = read_payload(&src, 16, size, &pixels, err);
    source_close(&src);
    if (st != NN_OK) return st;
    out->count = (int)dims[0];
    out->rows = (int)dims[1];
    out->cols = (int)dims[2];
    out->pixels = pixels;
    return NN_OK;
}

nn_status nn_idx_load_labels(const char *path, int nclasses, nn_idx_labels *out, nn_error *err) {
    if (!path || !out) return nn_fail(err, NN_ERR_ARG, "idx_load_labels: NULL argument");
    memset(out, 0, sizeof *out);
    if (nclasses < 1 || nclasses > 256)
        return nn_fail(err, NN_ERR_ARG, "%s: nclasses %d must be in 1..256 for byte labels",
                       path, nclasses);
    idx_source src;
    nn_status st = source_open(&src, path, err);
    if (st != NN_OK) return st;
    uint32_t count;
    st = read_header(&src, IDX_MAGIC_LABELS, 1, "labels", &count, err);
    if (st == NN_OK) st = check_dim(path, "label count", count, IDX_MAX_COUNT, err);
    uint8_t *labels = NULL;
    if (st == NN_OK) st = read_payload(&src, 8, count, &labels, err);
    source_close(&src);
    if (st != NN_OK) return st;
    for (uint32_t i = 0; i < count; i++) {
        if (labels[i] >= nclasses) {
            int value = labels[i];
            free(labels);
            return nn_fail(err, NN_ERR_FORMAT, "%s: label %d at index %u is out of range "
                           "(nclasses %d)", path, value, (unsigned)i, nclasses);
        }
    }
    out->count = (int)count;
    out->labels = labels;
    return NN_OK;
}

void nn_idx_free_images(nn_idx_images *images) {
    if (!images) return;
    free(images->pixels);
    memset(images, 0, sizeof *images);
}

void nn_idx_free_labels(nn_idx_labels *labels) {
    if (!labels) return;
    free(labels->labels);
    memset(labels, 0, sizeof *labels);
}

/* Header then data, atomically (see atomic_file.h). */
static nn_status save_atomic(const char *path, const unsigned char *header, size_t header_size,
                             const uint8_t *data, size_t size, nn_error *err) {
    nn_atomic_file af;
    nn_status st = nn_atomic_file_open(&af, path, err);
    if (st != NN_OK) return st;
    if (fwrite(header, 1, header_size, af.f) != header_size || fwrite(data, 1, size, af.f) != size) {
        int e = errno;
        nn_atomic_file_abort(&af);
        return nn_fail(err, NN_ERR_IO, "%s: cannot write: %s", path, strerror(e));
    }
    return nn_atomic_file_commit(&af, err);
}

nn_status nn_idx_save_images(const char *path, const nn_idx_images *images, nn_error *err) {
    if (!path || !images) return nn_fail(err, NN_ERR_ARG, "idx_save_images: NULL argument");
    if (images->count < 1 || images->count > IDX_MAX_COUNT || images->rows < 1 ||
        images->rows > IDX_MAX_SIDE || images->cols < 1 || images->cols > IDX_MAX_SIDE ||
        !images->pixels)
        return nn_fail(err, NN_ERR_ARG, "%s: cannot save %d images of %dx%d (%s)", path,
                       images->count, images->rows, images->cols,
                       images->pixels ? "sizes out of range" : "no pixels");
    size_t size = (size_t)images->count * (size_t)images->rows * (size_t)images->cols;
    if (size > IDX_MAX_PAYLOAD)
        return nn_fail(err, NN_ERR_ARG, "%s: %zu pixel bytes exceed the %zu byte limit", path,
                       size, IDX_MAX_PAYLOAD);
    unsigned char header[16];
    write_be32(header, IDX_MAGIC_IMAGES);
    write_be32(header + 4, (uint32_t)images->count);
    write_be32(header + 8, (uint32_t)images->rows);
    write_be32(header + 12, (uint32_t)images->cols);
    return save_atomic(path, header, sizeof header, images->pixels, size, err);
}

nn_status nn_idx_save_labels(const char *path, const nn_idx_labels *labels, nn_error *err) {
    if (!path || !labels) return nn_fail(err, NN_ERR_ARG, "idx_save_labels: NULL argument");
    if (labels->count < 1 || labels->count > IDX_MAX_COUNT || !labels->labels)
        return nn_fail(err, NN_ERR_ARG, "%s: cannot save %d labels (%s)", path, labels->count,
                       labels->labels ? "count out of range" : "no labels");
    unsigned char header[8];
    write_be32(header, IDX_MAGIC_LABELS);
    write_be32(header + 4, (uint32_t)labels->count);
    return save_atomic(path, header, sizeof header, labels->labels, (size_t)labels->count, err);
}
