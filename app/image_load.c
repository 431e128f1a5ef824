/* Image files -> greyscale -> MNIST digit, through stb_image (libstb). */
#include "image_load.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <stb_image.h>

/* Rec. 601 luma of an RGBA pixel, composited over white by its alpha. */
static uint8_t luminance_over_white(const uint8_t *rgba) {
    unsigned luma = (299u * rgba[0] + 587u * rgba[1] + 114u * rgba[2] + 500u) / 1000u;
    unsigned alpha = rgba[3];
    return (uint8_t)((luma * alpha + 255u * (255u - alpha) + 127u) / 255u);
}

nn_status image_load_gray(const char *path, uint8_t **gray, int *w, int *h, nn_error *err) {
    *gray = NULL;
    *w = *h = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return nn_fail(err, NN_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(f);
        return nn_fail(err, NN_ERR_IO, "%s: is a directory, not an image", path);
    }
    int width, height, channels;
    /* Check the size before decoding so a huge image fails cleanly. */
    if (!stbi_info_from_file(f, &width, &height, &channels)) {
        const char *why = stbi_failure_reason();
        fclose(f);
        return nn_fail(err, NN_ERR_FORMAT, "%s: not an image stb_image can read (%s)", path,
                       why ? why : "unknown reason");
    }
    if (width <= 0 || height <= 0 || (long long)width * height > IMAGE_MAX_PIXELS) {
        fclose(f);
        return nn_fail(err, NN_ERR_FORMAT, "%s: image of %dx%d pixels is too large (limit %d pixels)",
                       path, width, height, IMAGE_MAX_PIXELS);
    }
    uint8_t *rgba = stbi_load_from_file(f, &width, &height, &channels, 4);
    fclose(f);
    if (!rgba) {
        const char *why = stbi_failure_reason();
        return nn_fail(err, NN_ERR_FORMAT, "%s: cannot decode image (%s)", path,
                       why ? why : "unknown reason");
    }
    size_t npix = (size_t)width * (size_t)height;
    uint8_t *out = malloc(npix);
    if (!out) {
        stbi_image_free(rgba);
        return nn_fail(err, NN_ERR_NOMEM, "%s: out of memory for %dx%d pixels", path, width, height);
    }
    for (size_t i = 0; i < npix; i++) out[i] = luminance_over_white(rgba + 4 * i);
    stbi_image_free(rgba);
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
