/* IDX reader and writer. A file is read through one small "source" that hides
 * whether the bytes come straight from disk or through zlib, so every check
 * (header, sizes, trailing bytes) is written once. Payloads are read in one
 * large call where the size is known up front (MNIST's 47 MB training images:
 * one fread, or one gzread), never byte by byte. */
#include "idx.h"

#include "atomic_file.h"

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

typedef struct {
    const char *path;
    FILE *raw;       /* set for an uncompressed file */
    gzFile gz;       /* set for a gzip file */
    off_t raw_size;  /* size of a regular uncompressed file, else -1 */
    /* The gzip trailer's ISIZE: the uncompressed size mod 2^32 (of the last
     * member only). A hint for sizing the buffer, never trusted for checks. */
    int has_isize;
    uint32_t isize;
} idx_source;

static nn_status source_open(idx_source *src, const char *path, nn_error *err) {
    memset(src, 0, sizeof *src);
    src->path = path;
    src->raw_size = -1;
    int fd = open(path, O_RDONLY);
    if (fd < 0) return nn_fail(err, NN_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int saved = errno;
        close(fd);
        return nn_fail(err, NN_ERR_IO, "%s: cannot stat: %s", path, strerror(saved));
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        return nn_fail(err, NN_ERR_IO, "%s: is a directory, not an IDX file", path);
    }
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
        if (S_ISREG(st.st_mode) && st.st_size >= 18 &&
            pread(fd, trailer, 4, st.st_size - 4) == 4) {
            src->has_isize = 1;
            src->isize = (uint32_t)trailer[0] | (uint32_t)trailer[1] << 8 |
                         (uint32_t)trailer[2] << 16 | (uint32_t)trailer[3] << 24;
        }
        src->gz = gzdopen(fd, "rb");
        if (!src->gz) {
            close(fd);
            return nn_fail(err, NN_ERR_NOMEM, "%s: cannot start gzip reader", path);
        }
        /* Larger reads of compressed input, but no big buffers for small files. */
        gzbuffer(src->gz, st.st_size > 256 * 1024 ? 256 * 1024 : 8 * 1024);
        return NN_OK;
    }
    src->raw = fdopen(fd, "rb");
    if (!src->raw) {
        int saved = errno;
        close(fd);
        return nn_fail(err, NN_ERR_IO, "%s: cannot open: %s", path, strerror(saved));
    }
    if (S_ISREG(st.st_mode)) src->raw_size = st.st_size;
    return NN_OK;
}

static void source_close(idx_source *src) {
    if (src->raw) fclose(src->raw);
    if (src->gz) gzclose(src->gz);
    src->raw = NULL;
    src->gz = NULL;
}

/* Reads up to want bytes; *got says how many arrived (fewer only at the end of
 * the data). Fails on read errors and on corrupt or cut-off gzip streams. */
static nn_status source_read(idx_source *src, void *buf, size_t want, size_t *got,
                             nn_error *err) {
    unsigned char *dst = buf;
    *got = 0;
    while (*got < want) {
        size_t chunk = want - *got;
        if (chunk > IDX_MAX_READ) chunk = IDX_MAX_READ;
        size_t n;
        if (src->raw) {
            n = fread(dst + *got, 1, chunk, src->raw);
            if (n < chunk && ferror(src->raw))
                return nn_fail(err, NN_ERR_IO, "%s: read error: %s", src->path,
                               strerror(errno));
        } else {
            int r = gzread(src->gz, dst + *got, (unsigned)chunk);
            int code = Z_OK;
            const char *why = gzerror(src->gz, &code);
            if (r < 0 || (code != Z_OK && code != Z_BUF_ERROR)) {
                if (code == Z_ERRNO)
                    return nn_fail(err, NN_ERR_IO, "%s: read error: %s", src->path,
                                   strerror(errno));
                if (code == Z_MEM_ERROR)
                    return nn_fail(err, NN_ERR_NOMEM, "%s: out of memory inflating", src->path);
                return nn_fail(err, NN_ERR_FORMAT, "%s: corrupt gzip data: %s", src->path, why);
            }
            /* Z_BUF_ERROR: the compressed stream stops mid-way. zlib may flag it
             * while bytes before the cut are still to be handed out, so it only
             * counts once a read comes up short. */
            if (code == Z_BUF_ERROR && (size_t)r < chunk)
                return nn_fail(err, NN_ERR_FORMAT,
                               "%s: corrupt gzip data: compressed stream ends early "
                               "(file truncated?)", src->path);
            n = (size_t)r;
        }
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
