/* Random affine and elastic distortion of training images; see augment.h. */
#include "augment.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PI_F 3.14159265358979f

void nn_augment_config_default(nn_augment_config *cfg) {
    memset(cfg, 0, sizeof *cfg);
    cfg->rotate_deg = 10.0f;
    cfg->shift_px = 2.0f;
    cfg->scale = 0.1f;
    cfg->shear_deg = 10.0f;
    cfg->elastic_alpha = 34.0f;
    cfg->elastic_sigma = 6.0f;
    cfg->seed = 1;
}

nn_status nn_augment_parse_parts(const char *spec, nn_augment_config *cfg, nn_error *err) {
    if (!spec || !*spec) return nn_fail(err, NN_ERR_ARG, "--augment needs a value (affine,elastic or none)");
    if (!strcmp(spec, "none")) {
        cfg->parts = 0;
        return NN_OK;
    }
    unsigned parts = 0;
    const char *p = spec;
    while (*p) {
        size_t len = strcspn(p, ",");
        if (len == 6 && !strncmp(p, "affine", 6)) parts |= NN_AUGMENT_AFFINE;
        else if (len == 7 && !strncmp(p, "elastic", 7)) parts |= NN_AUGMENT_ELASTIC;
        else
            return nn_fail(err, NN_ERR_ARG, "--augment '%s': '%.*s' is not affine or elastic "
                           "(e.g. affine,elastic or none)", spec, (int)len, p);
        p += len;
        if (*p == ',') p++;
    }
    cfg->parts = parts;
    return NN_OK;
}

nn_status nn_augment_parse_elastic(const char *spec, nn_augment_config *cfg, nn_error *err) {
    char *end = NULL;
    float alpha = strtof(spec, &end);
    if (end == spec || *end != ',')
        return nn_fail(err, NN_ERR_ARG, "--augment-elastic '%s' is not ALPHA,SIGMA (e.g. 34,4)", spec);
    const char *s = end + 1;
    float sigma = strtof(s, &end);
    if (end == s || *end)
        return nn_fail(err, NN_ERR_ARG, "--augment-elastic '%s' is not ALPHA,SIGMA (e.g. 34,4)", spec);
    if (!(alpha >= 0 && alpha <= 1000) || !(sigma >= 0.1f && sigma <= 50))
        return nn_fail(err, NN_ERR_ARG,
                       "--augment-elastic '%s': alpha must be in [0,1000] and sigma in [0.1,50]", spec);
    cfg->elastic_alpha = alpha;
    cfg->elastic_sigma = sigma;
    return NN_OK;
}

void nn_augment_describe(const nn_augment_config *cfg, char *buf, size_t size) {
    if (!cfg || !cfg->parts) {
        snprintf(buf, size, "none");
        return;
    }
    int affine = (cfg->parts & NN_AUGMENT_AFFINE) != 0, elastic = (cfg->parts & NN_AUGMENT_ELASTIC) != 0;
    int n = snprintf(buf, size, "%s%s%s", affine ? "affine" : "", affine && elastic ? "," : "",
                     elastic ? "elastic" : "");
    if (n < 0 || (size_t)n >= size) return;
    if (affine)
        n += snprintf(buf + n, size - (size_t)n,
                      " --augment-rotate %g --augment-shift %g --augment-scale %g --augment-shear %g",
                      cfg->rotate_deg, cfg->shift_px, cfg->scale, cfg->shear_deg);
    if (n < 0 || (size_t)n >= size) return;
    if (elastic)
        snprintf(buf + n, size - (size_t)n, " --augment-elastic %g,%g", cfg->elastic_alpha,
                 cfg->elastic_sigma);
}

/* ------------------------------------------------------------ transforms */

void nn_augment_affine_make(nn_augment_affine *t, float rotate_deg, float scale, float shear_deg,
                         float shift_x, float shift_y, int width, int height) {
    /* forward: p -> scale * R * Sh * (p - c) + c + shift; stored inverted */
    float th = rotate_deg * (PI_F / 180.0f), k = tanf(shear_deg * (PI_F / 180.0f));
    float c = cosf(th), s = sinf(th), inv = 1.0f / scale;
    /* (R Sh)^-1 = Sh^-1 R^-1 = [[1,-k],[0,1]] [[c,-s],[s,c]] */
    float a00 = (c - k * s) * inv, a01 = (-s - k * c) * inv;
    float a10 = s * inv, a11 = c * inv;
    float cx = 0.5f * (float)(width - 1), cy = 0.5f * (float)(height - 1);
    float ox = cx + shift_x, oy = cy + shift_y;
    t->m[0] = a00, t->m[1] = a01, t->m[2] = cx - (a00 * ox + a01 * oy);
    t->m[3] = a10, t->m[4] = a11, t->m[5] = cy - (a10 * ox + a11 * oy);
}

int nn_augment_kernel_taps(float sigma) { return 2 * (int)ceilf(3.0f * sigma) + 1; }

void nn_augment_kernel(float sigma, float *kernel) {
    int taps = nn_augment_kernel_taps(sigma), r = taps / 2;
    double sum = 0;
    for (int i = 0; i < taps; i++) {
        double d = i - r;
        kernel[i] = (float)exp(-d * d / (2.0 * sigma * sigma));
        sum += kernel[i];
    }
    for (int i = 0; i < taps; i++) kernel[i] = (float)(kernel[i] / sum);
}

void nn_augment_blur_matrix(const float *kernel, int taps, int n, float scale, float *m) {
    int r = taps / 2;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            int k = j - i + r;
            m[(size_t)i * n + j] = k >= 0 && k < taps ? scale * kernel[k] : 0.0f;
        }
}

/* Two small GEMMs per image instead of a tap loop: the same sums, and BLAS
 * keeps them vectorised whatever the compiler does with short loops. */
void nn_augment_elastic_field(nn_rng *r, const float *blur_w, const float *blur_h, int w, int h,
                           float *d, float *tmp) {
    size_t n = (size_t)w * h;
    for (size_t i = 0; i < 2 * n; i++) d[i] = 2.0f * nn_rng_uniform(r) - 1.0f;
    /* rows of both fields at once: tmp (2h x w) = d (2h x w) blur_w, then
     * each field's columns: d_f (h x w) = blur_h (h x h) tmp_f; on the seam with
     * no context: this thread, in order (the caller is already a pool task) */
    nn_gemm rows = {.m = 2 * h, .n = w, .k = w, .a = d, .lda = w, .b = blur_w, .ldb = w,
                    .c = tmp, .ldc = w};
    nn_gemm_items(NULL, &rows, 1, 1, NULL);
    nn_gemm cols = {.m = h, .n = w, .k = h, .a = blur_h, .lda = h, .b = tmp, .ldb = w,
                    .stride_b = (ptrdiff_t)n, .c = d, .ldc = w, .stride_c = (ptrdiff_t)n};
    nn_gemm_items(NULL, &cols, 1, 2, NULL);
}

void nn_augment_warp(const float *src, float *dst, int w, int h, const nn_augment_affine *t,
                  const float *dx, const float *dy, float *pad) {
    static const nn_augment_affine identity = {{1, 0, 0, 0, 1, 0}};
    const float *m = (t ? t : &identity)->m;
    /* src inside a zero border: with coordinates clamped to the padded frame,
     * every tap is memory and a sample outside the image reads zeros */
    int pw = w + 2;
    memset(pad, 0, sizeof(float) * (size_t)pw * (h + 2));
    for (int y = 0; y < h; y++)
        memcpy(pad + (size_t)(y + 1) * pw + 1, src + (size_t)y * w, sizeof(float) * (size_t)w);
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            size_t i = (size_t)y * w + x;
            float sx = m[0] * (float)x + m[1] * (float)y + m[2];
            float sy = m[3] * (float)x + m[4] * (float)y + m[5];
            if (dx) sx += dx[i];
            if (dy) sy += dy[i];
            /* shifted by one into the padded frame and clamped to it: a sample
             * outside the image then reads only the zero border (or weight 0) */
            float px = sx + 1.0f, py = sy + 1.0f;
            px = px < 0.0f ? 0.0f : px > (float)(w + 1) ? (float)(w + 1) : px;
            py = py < 0.0f ? 0.0f : py > (float)(h + 1) ? (float)(h + 1) : py;
            int x0 = (int)px, y0 = (int)py; /* truncation is floor here */
            x0 = x0 > w ? w : x0;
            y0 = y0 > h ? h : y0;
            float fx = px - (float)x0, fy = py - (float)y0;
            const float *p = pad + (size_t)y0 * pw + x0;
            float top = (1.0f - fx) * p[0] + fx * p[1];
            float bottom = (1.0f - fx) * p[pw] + fx * p[pw + 1];
            float v = (1.0f - fy) * top + fy * bottom;
            dst[i] = v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v;
        }
    }
}

/* ------------------------------------------------------------ per image */

static uint64_t mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void nn_augment_image_rng(nn_rng *r, uint64_t seed, uint64_t epoch, uint64_t index) {
    uint64_t h = mix64(seed + 0x9e3779b97f4a7c15ULL);
    h = mix64(h ^ (epoch * 0xd1b54a32d192ed03ULL + 0x632be59bd9b4e019ULL));
    h = mix64(h ^ (index * 0x8cb92ba72f3d8dd7ULL + 0xa0761d6478bd642fULL));
    nn_rng_seed(r, h);
}

/* Uniform in [-range, range]. */
static float symmetric(nn_rng *r, float range) { return (2.0f * nn_rng_uniform(r) - 1.0f) * range; }

size_t nn_augment_image_scratch(int w, int h) {
    return 4 * (size_t)w * h + (size_t)(w + 2) * (h + 2);
}

void nn_augment_image(const nn_augment_plan *plan, uint64_t epoch, uint64_t index, const float *src,
                   float *dst, float *scratch) {
    const nn_augment_config *cfg = &plan->cfg;
    int w = plan->width, h = plan->height;
    size_t n = (size_t)w * h;
    nn_rng r;
    nn_augment_image_rng(&r, cfg->seed, epoch, index);
    nn_augment_affine t;
    const nn_augment_affine *tp = NULL;
    if (cfg->parts & NN_AUGMENT_AFFINE) {
        float rot = symmetric(&r, cfg->rotate_deg);
        float scale = 1.0f + symmetric(&r, cfg->scale);
        float shear = symmetric(&r, cfg->shear_deg);
        float sx = symmetric(&r, cfg->shift_px), sy = symmetric(&r, cfg->shift_px);
        nn_augment_affine_make(&t, rot, scale, shear, sx, sy, w, h);
        tp = &t;
    }
    float *dx = NULL, *dy = NULL;
    if (cfg->parts & NN_AUGMENT_ELASTIC) {
        dx = scratch, dy = scratch + n;
        nn_augment_elastic_field(&r, plan->blur_w, plan->blur_h, w, h, scratch, scratch + 2 * n);
    }
    nn_augment_warp(src, dst, w, h, tp, dx, dy, scratch + 4 * n);
}

/* One task's scratch: nn_augment_image's, then the source and result images;
 * rounded to 64 bytes so every slot starts on a cache line of its own. */
static size_t slot_floats(int w, int h) {
    return (nn_augment_image_scratch(w, h) + 2 * (size_t)w * h + 15) / 16 * 16;
}

nn_status nn_augment_plan_create(nn_augment_plan *plan, const nn_augment_config *cfg, int width,
                              int height, int slots, nn_error *err) {
    memset(plan, 0, sizeof *plan);
    if (width < 1 || height < 1 || slots < 1)
        return nn_fail(err, NN_ERR_ARG, "augment: bad image size %dx%d or %d slots", width, height,
                       slots);
    if (!(cfg->elastic_sigma >= 0.1f && cfg->elastic_sigma <= 50) ||
        !(cfg->scale >= 0 && cfg->scale < 1))
        return nn_fail(err, NN_ERR_ARG, "augment: sigma %g or scale %g out of range",
                       cfg->elastic_sigma, cfg->scale);
    plan->cfg = *cfg;
    plan->width = width;
    plan->height = height;
    plan->slots = slots;
    int taps = nn_augment_kernel_taps(cfg->elastic_sigma);
    float *kernel = malloc(sizeof(float) * (size_t)taps);
    plan->blur_w = malloc(sizeof(float) * (size_t)width * width);
    plan->blur_h = malloc(sizeof(float) * (size_t)height * height);
    plan->scratch = aligned_alloc(64, sizeof(float) * slot_floats(width, height) * (size_t)slots);
    if (!kernel || !plan->blur_w || !plan->blur_h || !plan->scratch) {
        free(kernel);
        nn_augment_plan_free(plan);
        return nn_fail(err, NN_ERR_NOMEM, "augment: out of memory");
    }
    nn_augment_kernel(cfg->elastic_sigma, kernel);
    nn_augment_blur_matrix(kernel, taps, width, 1.0f, plan->blur_w);
    nn_augment_blur_matrix(kernel, taps, height, cfg->elastic_alpha, plan->blur_h);
    free(kernel);
    return NN_OK;
}

void nn_augment_plan_free(nn_augment_plan *plan) {
    free(plan->blur_w);
    free(plan->blur_h);
    free(plan->scratch);
    memset(plan, 0, sizeof *plan);
}

/* ------------------------------------------------------------ batches */

typedef struct {
    nn_augment_plan *plan;
    float *x;
    const nn_idx_images *images;
    const int *indices;
    int count, ntasks, epoch;
} gather_job;

static void gather_task(void *ctx, int task) {
    const gather_job *job = ctx;
    const nn_augment_plan *plan = job->plan;
    size_t pixels = (size_t)plan->width * plan->height;
    float *scratch = plan->scratch + (size_t)task * slot_floats(plan->width, plan->height);
    float *src = scratch + nn_augment_image_scratch(plan->width, plan->height), *dst = src + pixels;
    int first = (int)((long)job->count * task / job->ntasks);
    int last = (int)((long)job->count * (task + 1) / job->ntasks);
    for (int s = first; s < last; s++) {
        const uint8_t *in = job->images->pixels + (size_t)job->indices[s] * pixels;
        for (size_t p = 0; p < pixels; p++) src[p] = in[p] * (1.0f / 255.0f);
        nn_augment_image(plan, (uint64_t)job->epoch, (uint64_t)job->indices[s], src, dst, scratch);
        for (size_t p = 0; p < pixels; p++) job->x[p * job->count + s] = dst[p];
    }
}

void nn_augment_gather_batch(nn_augment_plan *plan, nn_compute *compute, float *x, const nn_idx_images *images,
                          const int *indices, int count, int epoch) {
    int ntasks = nn_compute_threads(compute);
    if (ntasks > plan->slots) ntasks = plan->slots;
    if (ntasks > count) ntasks = count;
    if (ntasks < 1) return;
    gather_job job = {plan, x, images, indices, count, ntasks, epoch};
    nn_compute_run(compute, ntasks, gather_task, &job);
}
