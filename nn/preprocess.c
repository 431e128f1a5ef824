/* MNIST-style digit preprocessing (see preprocess.h). The steps follow how
 * LeCun made MNIST from NIST: ink bounding box -> fit into 20x20 keeping the
 * aspect ratio with an anti-aliasing filter -> shift so the centre of mass
 * (in pixel indices) is at (14,14) of a 28x28 frame. MNIST's own test digits
 * measure a mean centre of mass of (14.00, 13.99) in that convention. */
#include "preprocess.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FIT_SIDE 20        /* longer side of the ink box after scaling */
#define CENTRE 14.0        /* where the centre of mass goes, in pixel indices */
#define BOX_THRESHOLD 0.10 /* ink above this fraction of the range counts for the box */
#define MIN_CONTRAST 8     /* grey levels; less than this between background and ink = blank */

/* One output sample of a 1-D resampling: a run of source pixels and weights. */
typedef struct {
    int first, count;
    int weights_at; /* index into the shared weight array */
} sample_span;

typedef struct {
    sample_span *spans;
    float *weights;
} resampler;

static void resampler_free(resampler *r) {
    free(r->spans);
    free(r->weights);
    r->spans = NULL; /* safe to free again on an error path */
    r->weights = NULL;
}

/* Maps src source pixels onto dst output pixels. Each output pixel sees the
 * source through a box footprint centred on it: as wide as the output pixel
 * when shrinking (plain area averaging), one source pixel wide when enlarging
 * (which makes the overlap weights bilinear, so upscaled strokes stay smooth
 * instead of blocky). Weights are overlap lengths, normalised to sum 1 so the
 * edges, where the footprint is clipped, keep their brightness. */
static int resampler_make(resampler *r, int src, int dst) {
    double step = (double)src / dst;
    double footprint = step > 1.0 ? step : 1.0;
    int max_taps = (int)ceil(footprint) + 2;
    r->spans = malloc(sizeof *r->spans * (size_t)dst);
    r->weights = malloc(sizeof *r->weights * (size_t)dst * (size_t)max_taps);
    if (!r->spans || !r->weights) {
        resampler_free(r);
        return -1;
    }
    int used = 0;
    for (int j = 0; j < dst; j++) {
        double centre = (j + 0.5) * step;
        double lo = centre - footprint / 2, hi = centre + footprint / 2;
        if (lo < 0) lo = 0;
        if (hi > src) hi = src;
        int first = (int)floor(lo);
        int last = (int)ceil(hi) - 1;
        if (last >= src) last = src - 1;
        if (last < first) last = first;
        sample_span *span = &r->spans[j];
        span->first = first;
        span->weights_at = used;
        span->count = 0;
        double total = 0.0;
        for (int k = first; k <= last && span->count < max_taps; k++) {
            double a = lo > k ? lo : k, b = hi < k + 1 ? hi : k + 1;
            double overlap = b > a ? b - a : 0.0;
            r->weights[used + span->count++] = (float)overlap;
            total += overlap;
        }
        if (total <= 0.0) { /* degenerate footprint: take the nearest pixel */
            r->weights[used] = 1.0f;
            span->count = 1;
            total = 1.0;
        }
        for (int t = 0; t < span->count; t++) r->weights[used + t] = (float)(r->weights[used + t] / total);
        used += span->count;
    }
    return 0;
}

/* The border ring: its mean decides polarity, its median (after inversion)
 * is the background level. hist counts ring values as stored. */
static void ring_stats(const uint8_t *gray, int w, int h, double *mean, uint32_t hist[256]) {
    memset(hist, 0, 256 * sizeof hist[0]);
    uint64_t sum = 0, count = 0;
#define RING_ADD(x, y) do { uint8_t v_ = gray[(size_t)(y) * w + (x)]; hist[v_]++; sum += v_; count++; } while (0)
    for (int x = 0; x < w; x++) {
        RING_ADD(x, 0);
        if (h > 1) RING_ADD(x, h - 1);
    }
    for (int y = 1; y < h - 1; y++) {
        RING_ADD(0, y);
        if (w > 1) RING_ADD(w - 1, y);
    }
#undef RING_ADD
    *mean = (double)sum / (double)count;
}

static int hist_median(const uint32_t hist[256]) {
    uint64_t total = 0, seen = 0;
    for (int v = 0; v < 256; v++) total += hist[v];
    for (int v = 0; v < 256; v++) {
        seen += hist[v];
        if (2 * seen >= total) return v;
    }
    return 255;
}

nn_status nn_preprocess_digit(const uint8_t *gray, int w, int h, nn_digit_polarity polarity,
                           uint8_t out[NN_DIGIT_PIXELS], nn_error *err) {
    if (!gray || !out || w <= 0 || h <= 0)
        return nn_fail(err, NN_ERR_ARG, "digit image of %dx%d pixels is empty or invalid", w, h);
    if (polarity != NN_POLARITY_AUTO && polarity != NN_POLARITY_LIGHT_INK && polarity != NN_POLARITY_DARK_INK)
        return nn_fail(err, NN_ERR_ARG, "unknown digit polarity %d", (int)polarity);

    uint32_t hist[256];
    double ring_mean;
    ring_stats(gray, w, h, &ring_mean, hist);
    int invert = polarity == NN_POLARITY_DARK_INK || (polarity == NN_POLARITY_AUTO && ring_mean > 127.0);
    /* ink(v) = (invert ? 255 - v : v) - background, clipped at 0 */
    int flip = invert ? 255 : 0;
    size_t npix = (size_t)w * (size_t)h;

    int max_ink = 0;
    for (size_t i = 0; i < npix; i++) {
        int v = gray[i] ^ flip; /* for bytes, v ^ 255 == 255 - v */
        if (v > max_ink) max_ink = v;
    }
    /* The background (a photo's grey paper, a scanner's haze) is subtracted
     * so it neither widens the box nor greys the result; so a uniform image,
     * or one whose "ink" is darker than its border, has no ink. Images under
     * 3 px a side have no border apart from their ink: background 0. */
    int background = w >= 3 && h >= 3 ? hist_median(hist) ^ flip : 0;
    int range = max_ink - background;
    if (range < MIN_CONTRAST)
        return nn_fail(err, NN_ERR_ARG, "no ink in image (%dx%d, blank or uniform)", w, h);

    int threshold = background + (int)ceil(BOX_THRESHOLD * range);
    int x0 = w, x1 = -1, y0 = h, y1 = -1;
    for (int y = 0; y < h; y++) {
        const uint8_t *row = gray + (size_t)y * w;
        int first = -1, last = -1;
        for (int x = 0; x < w; x++) {
            if ((row[x] ^ flip) > threshold) {
                if (first < 0) first = x;
                last = x;
            }
        }
        if (first < 0) continue;
        if (first < x0) x0 = first;
        if (last > x1) x1 = last;
        if (y0 == h) y0 = y;
        y1 = y;
    }
    if (x1 < 0) /* cannot happen with range >= MIN_CONTRAST, kept for safety */
        return nn_fail(err, NN_ERR_ARG, "no ink in image (%dx%d)", w, h);

    int box_w = x1 - x0 + 1, box_h = y1 - y0 + 1;
    int long_side = box_w > box_h ? box_w : box_h;
    double scale = (double)FIT_SIDE / long_side;
    int fit_w = box_w >= box_h ? FIT_SIDE : (int)lround(box_w * scale);
    int fit_h = box_h >= box_w ? FIT_SIDE : (int)lround(box_h * scale);
    if (fit_w < 1) fit_w = 1;
    if (fit_h < 1) fit_h = 1;

    /* Separable resampling: rows first (box_h x fit_w), then columns. */
    resampler horiz = {0}, vert = {0};
    float *rows = malloc(sizeof *rows * (size_t)box_h * (size_t)fit_w);
    float *fit = calloc((size_t)fit_h * (size_t)fit_w, sizeof *fit);
    if (!rows || !fit || resampler_make(&horiz, box_w, fit_w) || resampler_make(&vert, box_h, fit_h)) {
        free(rows);
        free(fit);
        resampler_free(&horiz);
        resampler_free(&vert);
        return nn_fail(err, NN_ERR_NOMEM, "out of memory preprocessing a %dx%d image", w, h);
    }
    for (int y = 0; y < box_h; y++) {
        const uint8_t *src = gray + (size_t)(y0 + y) * w + x0;
        float *dst = rows + (size_t)y * fit_w;
        for (int j = 0; j < fit_w; j++) {
            const sample_span *span = &horiz.spans[j];
            const float *wt = horiz.weights + span->weights_at;
            float acc = 0.0f;
            for (int t = 0; t < span->count; t++) {
                int ink = (src[span->first + t] ^ flip) - background;
                if (ink > 0) acc += wt[t] * (float)ink;
            }
            dst[j] = acc;
        }
    }
    for (int i = 0; i < fit_h; i++) {
        const sample_span *span = &vert.spans[i];
        const float *wt = vert.weights + span->weights_at;
        float *dst = fit + (size_t)i * fit_w;
        for (int t = 0; t < span->count; t++) {
            const float *src = rows + (size_t)(span->first + t) * fit_w;
            for (int j = 0; j < fit_w; j++) dst[j] += wt[t] * src[j];
        }
    }
    free(rows);
    resampler_free(&horiz);
    resampler_free(&vert);

    /* Centre of mass in pixel indices, then a whole-pixel shift so it lands
     * at (14,14); whatever falls outside the frame is clipped. */
    double mass = 0.0, mx = 0.0, my = 0.0;
    for (int i = 0; i < fit_h; i++)
        for (int j = 0; j < fit_w; j++) {
            double v = fit[(size_t)i * fit_w + j];
            mass += v;
            mx += v * j;
            my += v * i;
        }
    int shift_x = (int)lround(CENTRE - mx / mass);
    int shift_y = (int)lround(CENTRE - my / mass);

    float frame[NN_DIGIT_PIXELS] = {0};
    float peak = 0.0f;
    for (int i = 0; i < fit_h; i++) {
        int fy = i + shift_y;
        if (fy < 0 || fy >= NN_DIGIT_SIDE) continue;
        for (int j = 0; j < fit_w; j++) {
            int fx = j + shift_x;
            if (fx < 0 || fx >= NN_DIGIT_SIDE) continue;
            float v = fit[(size_t)i * fit_w + j];
            frame[fy * NN_DIGIT_SIDE + fx] = v;
            if (v > peak) peak = v;
        }
    }
    free(fit);

    /* MNIST digits are full contrast: the brightest pixel becomes 255, so a
     * faint pencil line or thin, heavily shrunk strokes look like MNIST. */
    memset(out, 0, NN_DIGIT_PIXELS);
    if (peak <= 0.0f) /* everything was clipped away: cannot happen with a 20px box */
        return nn_fail(err, NN_ERR_ARG, "no ink in image (%dx%d)", w, h);
    float gain = 255.0f / peak;
    for (int p = 0; p < NN_DIGIT_PIXELS; p++) {
        float v = frame[p] * gain + 0.5f;
        out[p] = v >= 255.0f ? 255 : (uint8_t)v;
    }
    return NN_OK;
}

void nn_digit_to_input(const uint8_t digit[NN_DIGIT_PIXELS], float x[NN_DIGIT_PIXELS]) {
    for (int p = 0; p < NN_DIGIT_PIXELS; p++) x[p] = digit[p] / 255.0f;
}
