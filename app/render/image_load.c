/* Image files -> greyscale -> MNIST digit, through stb_image (libstb).
 *
 * stb's own channel conversion is not used: the system libstb's conversion of
 * 16-bit PNM images reads past its buffer (seen under valgrind), so images
 * are decoded with their own channel count and converted here; 16-bit PNM,
 * which that stb also reads byte-swapped, is refused. */
#include "image_load.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stb_image.h>

#include "../../nn/safe_io.h"

/* Rec. 601 luma of an RGBA pixel, composited over white by its alpha. */
static uint8_t luminance_over_white(const uint8_t *rgba) {
    unsigned luma = (299u * rgba[0] + 587u * rgba[1] + 114u * rgba[2] + 500u) / 1000u;
    unsigned alpha = rgba[3];
    return (uint8_t)((luma * alpha + 255u * (255u - alpha) + 127u) / 255u);
}

/* The format a file's first bytes announce, for messages; NULL if unknown
 * (TGA has no magic). */
static const char *sniff_format(const unsigned char *head, size_t n) {
    if (n >= 8 && !memcmp(head, "\x89PNG\r\n\x1a\n", 8)) return "PNG";
    if (n >= 3 && head[0] == 0xff && head[1] == 0xd8 && head[2] == 0xff) return "JPEG";
    if (n >= 4 && !memcmp(head, "GIF8", 4)) return "GIF";
    if (n >= 2 && !memcmp(head, "BM", 2)) return "BMP";
    if (n >= 4 && !memcmp(head, "8BPS", 4)) return "PSD";
    if (n >= 2 && head[0] == '#' && head[1] == '?') return "HDR";
    if (n >= 4 && !memcmp(head, "\x53\x80\xf6\x34", 4)) return "PIC";
    if (n >= 2 && head[0] == 'P' && (head[1] == '5' || head[1] == '6')) return "PNM";
    if (n >= 2 && head[0] == 'P' && head[1] >= '1' && head[1] <= '4') return "ASCII PNM";
    return NULL;
}

/* stb sizes its PNG data buffer from each chunk's declared length before it
 * reads the chunk: a 633-byte file declaring a 1 GB IDAT made it allocate
 * 1 GB (found by fuzzing). Every chunk must fit in the file. Returns 0 and
 * fills why when one does not. */
static int png_chunks_fit(int fd, off_t size, char *why, size_t why_size) {
    off_t at = 8; /* after the signature */
    for (int chunks = 0; at + 12 <= size && chunks < (1 << 20); chunks++) {
        unsigned char head[8];
        if (pread(fd, head, sizeof head, at) != (ssize_t)sizeof head) return 1; /* stb reports it */
        uint32_t len = (uint32_t)head[0] << 24 | (uint32_t)head[1] << 16 |
                       (uint32_t)head[2] << 8 | head[3];
        if ((uint64_t)len > (uint64_t)(size - at - 12)) {
            char name[64];
            snprintf(why, why_size, "chunk '%s' declares %u bytes, more than the file holds",
                     nn_safe_escape_bytes(head + 4, 4, 4, name, sizeof name), (unsigned)len);
            return 0;
        }
        if (!memcmp(head + 4, "IEND", 4)) return 1;
        at += 12 + (off_t)len;
    }
    return 1;
}

/* Sample c of pixel i as 8 bits, from 8-bit or 16-bit samples. */
static uint8_t sample8(const void *pixels, int is16, size_t i, int channels, int c) {
    size_t at = i * (size_t)channels + (size_t)c;
    if (!is16) return ((const uint8_t *)pixels)[at];
    unsigned v = ((const uint16_t *)pixels)[at];
    return (uint8_t)((v * 255u + 32767u) / 65535u);
}

/* Decoded pixels of 1 (grey), 2 (grey, alpha), 3 (RGB) or 4 (RGBA) channels
 * to luminance over white. */
static void to_gray(const void *pixels, int is16, int channels, size_t npix, uint8_t *out) {
    for (size_t i = 0; i < npix; i++) {
        uint8_t rgba[4];
        if (channels <= 2) {
            rgba[0] = rgba[1] = rgba[2] = sample8(pixels, is16, i, channels, 0);
            rgba[3] = channels == 2 ? sample8(pixels, is16, i, channels, 1) : 255;
        } else {
            for (int c = 0; c < 3; c++) rgba[c] = sample8(pixels, is16, i, channels, c);
            rgba[3] = channels == 4 ? sample8(pixels, is16, i, channels, 3) : 255;
        }
        out[i] = luminance_over_white(rgba);
    }
}

/* stb's failure reason, escaped: it can hold bytes of the file (a PNG chunk
 * name). */
static const char *stb_reason(char *buf, size_t size) {
    const char *why = stbi_failure_reason();
    return nn_safe_escape(why ? why : "unknown reason", 80, buf, size);
}

nn_status image_load_gray(const char *path, uint8_t **gray, int *w, int *h, nn_error *err) {
    *gray = NULL;
    *w = *h = 0;
    int fd;
    struct stat info;
    nn_status st = nn_safe_open_regular(path, "expected an image", &fd, &info, err);
    if (st != NN_OK) return st;
    unsigned char head[16];
    ssize_t nhead = pread(fd, head, sizeof head, 0);
    const char *format = sniff_format(head, nhead > 0 ? (size_t)nhead : 0);
    char why[384];
    if (format && !strcmp(format, "PNG") && !png_chunks_fit(fd, info.st_size, why, sizeof why)) {
        close(fd);
        return nn_fail(err, NN_ERR_FORMAT, "%s: truncated or corrupt PNG file: %s", path, why);
    }
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        close(fd);
        return nn_fail(err, NN_ERR_NOMEM, "%s: cannot open: out of memory", path);
    }
    if (nhead <= 0) {
        fclose(f);
        return nn_fail(err, NN_ERR_FORMAT, "%s: file is empty, not an image", path);
    }
    if (format && !strcmp(format, "ASCII PNM")) {
        fclose(f);
        return nn_fail(err, NN_ERR_FORMAT, "%s: ASCII or 1-bit PNM (P%c) is not supported: save "
                       "it as binary PGM (P5) or PPM (P6)", path, head[1]);
    }
    int width, height, channels;
    /* Check the size before decoding so a huge image fails cleanly. stb tries
     * every format in turn, so its reason names the last one tried, not the
     * file's: say which format the file claims to be instead. */
    if (!stbi_info_from_file(f, &width, &height, &channels)) {
        fclose(f);
        if (format)
            return nn_fail(err, NN_ERR_FORMAT, "%s: truncated or corrupt %s file (its header "
                           "cannot be read)", path, format);
        return nn_fail(err, NN_ERR_FORMAT, "%s: not an image format this program reads (PNG, "
                       "JPEG, BMP, GIF, PGM/PPM, TGA, PSD, HDR, PIC)", path);
    }
    /* stb reports a top-down BMP's height as negative. */
    long long info_w = width < 0 ? -(long long)width : width;
    long long info_h = height < 0 ? -(long long)height : height;
    if (info_w == 0 || info_h == 0 || info_w * info_h > IMAGE_MAX_PIXELS) {
        fclose(f);
        return nn_fail(err, NN_ERR_FORMAT, "%s: image of %lldx%lld pixels is %s (limit %d pixels)",
                       path, info_w, info_h, info_w && info_h ? "too large" : "empty",
                       IMAGE_MAX_PIXELS);
    }
    /* 16-bit samples are read as such and scaled here (a 16-bit PNG). The
     * system stb reads 16-bit PNM samples in the wrong byte order and its
     * 8-bit conversion of them reads past its buffer: refuse those. */
    int is16 = stbi_is_16_bit_from_file(f);
    if (is16 && format && !strcmp(format, "PNM")) {
        fclose(f);
        return nn_fail(err, NN_ERR_FORMAT, "%s: 16-bit PGM/PPM (maxval above 255) is not "
                       "supported: save it with 8 bits per sample", path);
    }
    void *pixels = is16 ? (void *)stbi_load_from_file_16(f, &width, &height, &channels, 0)
                        : (void *)stbi_load_from_file(f, &width, &height, &channels, 0);
    fclose(f);
    if (!pixels)
        return nn_fail(err, NN_ERR_FORMAT, "%s: cannot decode %s image (truncated or corrupt?): %s", path,
                       format ? format : "the", stb_reason(why, sizeof why));
    if (width <= 0 || height <= 0 || width != info_w || height != info_h || channels < 1 ||
        channels > 4) {
        stbi_image_free(pixels);
        return nn_fail(err, NN_ERR_FORMAT, "%s: decoder returned %dx%d pixels of %d channels "
                       "for a %lldx%lld image", path, width, height, channels, info_w, info_h);
    }
    size_t npix = (size_t)width * (size_t)height;
    uint8_t *out = malloc(npix);
    if (!out) {
        stbi_image_free(pixels);
        return nn_fail(err, NN_ERR_NOMEM, "%s: out of memory for %dx%d pixels", path, width, height);
    }
    to_gray(pixels, is16, channels, npix, out);
    stbi_image_free(pixels);
    *gray = out;
    *w = width;
    *h = height;
    return NN_OK;
}

nn_status image_load_digit(const char *path, uint8_t out[NN_DIGIT_PIXELS], nn_error *err) {
    uint8_t *gray;
    int w, h;
    nn_status st = image_load_gray(path, &gray, &w, &h, err);
    if (st != NN_OK) return st;
    nn_error inner;
    st = nn_preprocess_digit(gray, w, h, NN_POLARITY_AUTO, out, &inner);
    free(gray);
    if (st != NN_OK) return nn_fail(err, st, "%s: %s", path, inner.msg);
    return NN_OK;
}
