/* The CPU backend of nn/kernels.h: OpenBLAS for GEMMs, nn/pool.c for running
 * them side by side. This file is the only one that sets OpenBLAS's thread
 * count: in POOL threading OpenBLAS stays on one thread and the pool owns the
 * cores; in BLAS threading OpenBLAS gets them and items run in order.
 * A context made by nn_compute_create_cuda hands every call to the CUDA
 * backend (nn/kernels_cuda.h); this file stays the one place that decides. */
#include "kernels.h"

#include <cblas.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "block_gemm.h"
#include "kernels_cuda.h"
#include "pool.h"

struct nn_compute {
    nn_pool *pool;
    int threads;
    nn_threading threading;
    int block_kernel_off; /* 1: every GEMM goes to OpenBLAS (for comparisons) */
    nn_cuda *cuda;        /* non-NULL: a GPU context */
};

static const char *const precision_names[] = {"fp32", "tf32", "bf16"};

const char *nn_precision_name(nn_precision p) {
    return (int)p >= 0 && p <= NN_PRECISION_BF16 ? precision_names[p] : "unknown";
}

nn_status nn_precision_parse(const char *name, nn_precision *p) {
    for (int k = 0; k <= NN_PRECISION_BF16; k++)
        if (!strcmp(name, precision_names[k])) return *p = (nn_precision)k, NN_OK;
    return NN_ERR_ARG;
}

static int default_threads(void) {
    const char *env = getenv("OPENBLAS_NUM_THREADS");
    if (env && atoi(env) > 0) return atoi(env);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

nn_status nn_compute_create(nn_compute **c, int threads, nn_error *err) {
    *c = NULL;
    if (threads <= 0) threads = default_threads();
    nn_compute *ctx = calloc(1, sizeof *ctx);
    if (!ctx) return nn_fail(err, NN_ERR_NOMEM, "out of memory for a compute context");
    nn_status st = nn_pool_create(&ctx->pool, threads, err);
    if (st != NN_OK) {
        free(ctx);
        return st;
    }
    ctx->threads = threads;
    nn_compute_set_threading(ctx, NN_THREADING_POOL);
    *c = ctx;
    return NN_OK;
}

nn_status nn_compute_create_cuda(nn_compute **c, nn_precision precision, nn_error *err) {
    *c = NULL;
    nn_compute *ctx = calloc(1, sizeof *ctx);
    if (!ctx) return nn_fail(err, NN_ERR_NOMEM, "out of memory for a compute context");
    nn_status st = nn_cuda_create(&ctx->cuda, precision, err);
    if (st != NN_OK) {
        free(ctx);
        return st;
    }
    ctx->threads = 1; /* the host thread only queues work */
    *c = ctx;
    return NN_OK;
}

void nn_compute_free(nn_compute *c) {
    if (!c) return;
    nn_pool_free(c->pool);
    nn_cuda_free(c->cuda);
    free(c);
}

int nn_compute_on_device(const nn_compute *c) { return c && c->cuda; }

const char *nn_compute_describe(const nn_compute *c) {
    return nn_compute_on_device(c) ? nn_cuda_describe(c->cuda) : "cpu";
}

void nn_compute_blas_info(char *buf, size_t size) {
    snprintf(buf, size, "%s (core %s)", openblas_get_config(), openblas_get_corename());
}

float *nn_compute_alloc(nn_compute *c, size_t n) {
    return nn_compute_on_device(c) ? nn_cuda_alloc(c->cuda, n) : nn_alloc_floats(n);
}

void nn_compute_release(nn_compute *c, float *p) {
    if (nn_compute_on_device(c)) nn_cuda_release(c->cuda, p);
    else nn_free_floats(p);
}

void nn_compute_upload(nn_compute *c, float *dst, const float *host_src, size_t n) {
    if (nn_compute_on_device(c)) nn_cuda_upload(c->cuda, dst, host_src, n);
    else if (n) memmove(dst, host_src, n * sizeof(float));
}

void nn_compute_download(nn_compute *c, float *host_dst, const float *src, size_t n) {
    if (nn_compute_on_device(c)) nn_cuda_download(c->cuda, host_dst, src, n);
    else if (n) memmove(host_dst, src, n * sizeof(float));
}

nn_status nn_compute_sync(nn_compute *c, nn_error *err) {
    return nn_compute_on_device(c) ? nn_cuda_sync(c->cuda, err) : NN_OK;
}

int nn_compute_threads(const nn_compute *c) { return c ? c->threads : 1; }

void nn_compute_set_block_kernel(nn_compute *c, int on) {
    if (c) c->block_kernel_off = !on;
}

int nn_compute_block_kernel(const nn_compute *c) {
    if (c && c->block_kernel_off) return 0;
    return nn_compute_on_device(c) ? nn_cuda_block_kernel_available(c->cuda) : nn_block_gemm_available();
}

void nn_compute_set_threading(nn_compute *c, nn_threading threading) {
    if (!c || c->cuda) return;
    c->threading = threading;
    openblas_set_num_threads(threading == NN_THREADING_BLAS ? c->threads : 1);
}

void nn_compute_run(nn_compute *c, int ntasks, void (*task)(void *ctx, int index), void *ctx) {
    nn_pool_run(c ? c->pool : NULL, ntasks, task, ctx);
}

/* ------------------------------------------------------------------ GEMM */

/* Below this many multiply-adds a split over threads costs more than it gives
 * (a 10-way output layer; one image through the window's nets). */
#define SPLIT_MIN_MACS (1L << 22)

typedef struct {
    const nn_gemm *ops;
    int nops;
    const nn_epilogue *ep;
    int slices;       /* > 0: one item split into this many row slices */
    int block_kernel; /* small GEMMs may go to nn/block_gemm.c */
} items_job;

/* The epilogues are memory-bound element-wise loops that -O2 leaves scalar
 * (its cost model does not vectorize a loop of unknown length): 4 floats at a
 * time, with the same per-element arithmetic. */
typedef float f4 __attribute__((vector_size(16)));
typedef int32_t i4 __attribute__((vector_size(16)));

static inline f4 load4(const float *p) {
    f4 v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline void store4(float *p, f4 v) { memcpy(p, &v, sizeof v); }

static void apply_epilogue(const nn_gemm *g, int t, int row0, int rows, const nn_epilogue *ep) {
    float *c = g->c + t * g->stride_c + (ptrdiff_t)row0 * g->ldc;
    if (g->sgd_param) {
        float *p = g->sgd_param + t * g->stride_c + (ptrdiff_t)row0 * g->ldc;
        float lr = ep->lr, wd = ep->weight_decay;
        for (int r = 0; r < rows; r++) {
            float *restrict pr = p + (ptrdiff_t)r * g->ldc;
            const float *restrict mr = c + (ptrdiff_t)r * g->ldc;
            int j = 0;
            for (; j + 4 <= g->n; j += 4) {
                f4 pv = load4(pr + j);
                store4(pr + j, pv - lr * (load4(mr + j) + wd * pv));
            }
            for (; j < g->n; j++) pr[j] -= lr * (mr[j] + wd * pr[j]);
        }
    }
}

static void bias_relu_rows(const nn_gemm *g, int t, int row0, int rows, const nn_epilogue *ep) {
    float *c = g->c + t * g->stride_c + (ptrdiff_t)row0 * g->ldc;
    const float *bias = ep->bias + t * ep->bias_stride + (ptrdiff_t)row0 * ep->bias_step;
    for (int r = 0; r < rows; r++) {
        float *restrict row = c + (ptrdiff_t)r * g->ldc;
        float b = bias[(ptrdiff_t)r * ep->bias_step];
        int j = 0;
        for (; j + 4 <= g->n; j += 4) {
            f4 v = load4(row + j) + b;
            /* the ReLU as a mask: x > 0 ? x : +0, as the scalar loop */
            store4(row + j, ep->relu ? (f4)((i4)v & (v > 0.0f)) : v);
        }
        for (; j < g->n; j++) {
            float v = row[j] + b;
            row[j] = !ep->relu || v > 0.0f ? v : 0.0f;
        }
    }
}

/* Rows [row0, row0+rows) of item t of g: the block kernel where it takes
 * the shape (a DYAD block), OpenBLAS otherwise. */
static void gemm_rows(const nn_gemm *g, int t, int row0, int rows, int block_kernel) {
    const float *a = g->a + t * g->stride_a + (ptrdiff_t)row0 * (g->trans_a ? 1 : g->lda);
    const float *b = g->b + t * g->stride_b;
    float *c = g->c + t * g->stride_c + (ptrdiff_t)row0 * g->ldc;
    if (block_kernel && nn_block_gemm(g->trans_a, g->trans_b, rows, g->n, g->k, a, g->lda, b,
                                      g->ldb, g->beta, c, g->ldc))
        return;
    cblas_sgemm(CblasRowMajor, g->trans_a ? CblasTrans : CblasNoTrans,
                g->trans_b ? CblasTrans : CblasNoTrans, rows, g->n, g->k, 1.0f, a, g->lda, b,
                g->ldb, g->beta, c, g->ldc);
}

/* sums[r] = the sum of row r of an m (rows x cols at ld), in order of the
 * column: four rows side by side, four independent add chains. */
static void sum_rows(const float *m, int rows, int cols, size_t ld, float *sums) {
    int r = 0;
    for (; r + 4 <= rows; r += 4) {
        const float *d0 = m + (size_t)r * ld, *d1 = d0 + ld, *d2 = d1 + ld, *d3 = d2 + ld;
        float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;
        for (int s = 0; s < cols; s++) s0 += d0[s], s1 += d1[s], s2 += d2[s], s3 += d3[s];
        sums[r] = s0, sums[r + 1] = s1, sums[r + 2] = s2, sums[r + 3] = s3;
    }
    for (; r < rows; r++) {
        const float *d = m + (size_t)r * ld;
        float sum = 0.0f;
        for (int s = 0; s < cols; s++) sum += d[s];
        sums[r] = sum;
    }
}

/* rows < 0: every op over all its own rows (ops may differ in shape); else
 * rows [row0, row0+rows) of a single op's C. */
static void run_item_rows(const items_job *j, int t, int row0, int rows) {
    for (int o = 0; o < j->nops; o++) {
        const nn_gemm *g = &j->ops[o];
        if (g->b_rowsum && row0 == 0) /* once per item: the first row slice */
            sum_rows(g->b + t * g->stride_b, g->k, g->n, (size_t)g->ldb,
                     g->b_rowsum + t * g->b_rowsum_stride);
        int r = rows < 0 ? j->ops[o].m : rows;
        gemm_rows(&j->ops[o], t, row0, r, j->block_kernel);
        if (j->ep) apply_epilogue(&j->ops[o], t, row0, r, j->ep);
    }
    const nn_gemm *last = &j->ops[j->nops - 1];
    if (j->ep && j->ep->bias) bias_relu_rows(last, t, row0, rows < 0 ? last->m : rows, j->ep);
}

static void item_task(void *ctx, int t) {
    const items_job *j = ctx;
    if (j->slices > 0) {
        int m = j->ops[0].m;
        int chunk = (m + j->slices - 1) / j->slices;
        chunk = (chunk + 15) & ~15; /* whole kernel panels */
        int r0 = t * chunk < m ? t * chunk : m;
        int r1 = r0 + chunk < m ? r0 + chunk : m;
        if (r1 > r0) run_item_rows(j, 0, r0, r1 - r0);
        return;
    }
    run_item_rows(j, t, 0, -1);
}

void nn_gemm_items(nn_compute *c, const nn_gemm *ops, int nops, int count, const nn_epilogue *ep) {
    if (nn_compute_on_device(c)) {
        nn_cuda_gemm_items(c->cuda, ops, nops, count, ep, nn_compute_block_kernel(c));
        return;
    }
    items_job job = {.ops = ops, .nops = nops, .ep = ep, .slices = 0,
                     .block_kernel = nn_compute_block_kernel(c)};
    int threads = nn_compute_threads(c);
    if (!c || c->threading == NN_THREADING_BLAS || threads == 1) {
        for (int t = 0; t < count; t++) item_task(&job, t);
        return;
    }
    long macs = (long)ops[0].m * ops[0].n * ops[0].k;
    if (count == 1 && nops == 1 && macs >= SPLIT_MIN_MACS) {
        job.slices = threads;
        nn_pool_run(c->pool, threads, item_task, &job);
        return;
    }
    nn_pool_run(c->pool, count, item_task, &job);
}

void nn_gemm_steps(nn_compute *c, const nn_gemm *ops, int nops, int count, const nn_epilogue *ep) {
    if (nn_compute_on_device(c)) { /* the device runs every call op by op */
        nn_cuda_gemm_items(c->cuda, ops, nops, count, ep, nn_compute_block_kernel(c));
        return;
    }
    /* bias and ReLU after the last op only; every op keeps the SGD fields */
    nn_epilogue between = ep ? *ep : (nn_epilogue){0};
    between.bias = NULL;
    between.relu = 0;
    for (int o = 0; o < nops; o++)
        nn_gemm_items(c, &ops[o], 1, count, o == nops - 1 ? ep : (ep ? &between : NULL));
}

/* ------------------------------------------------ element-wise and the rest */

/* Rows [0, rows) of dy, y and rowsum (the caller offsets them): four rows
 * masked (4 floats at a time), then summed while they are in cache. */
static void relu_rowsum_rows(float *dy, const float *y, int rows, int batch, float *rowsum) {
    for (int r = 0; r < rows; r += 4) {
        int n = rows - r < 4 ? rows - r : 4;
        float *restrict d = dy + (size_t)r * batch;
        if (y) {
            const float *restrict yr = y + (size_t)r * batch;
            size_t e = 0, count = (size_t)n * batch;
            for (; e + 4 <= count; e += 4)
                store4(d + e, (f4)((i4)load4(d + e) & (load4(yr + e) > 0.0f)));
            for (; e < count; e++) d[e] = yr[e] > 0.0f ? d[e] : 0.0f;
        }
        sum_rows(d, n, batch, (size_t)batch, rowsum + r);
    }
}

/* Row ranges of ROWSUM_CHUNK (a multiple of 4) run side by side from
 * ROWSUM_SPLIT elements on: a 4096-wide layer at batch 256 is 1M floats. */
#define ROWSUM_CHUNK 64
#define ROWSUM_SPLIT (1L << 16)

typedef struct {
    float *dy, *rowsum;
    const float *y;
    int rows, batch;
} rowsum_job;

static void rowsum_task(void *ctx, int index) {
    const rowsum_job *j = ctx;
    int r0 = index * ROWSUM_CHUNK, n = j->rows - r0 < ROWSUM_CHUNK ? j->rows - r0 : ROWSUM_CHUNK;
    size_t off = (size_t)r0 * j->batch;
    relu_rowsum_rows(j->dy + off, j->y ? j->y + off : NULL, n, j->batch, j->rowsum + r0);
}

void nn_relu_backward_rowsum(nn_compute *c, float *dy, const float *y, int rows, int batch,
                             float *rowsum) {
    if (nn_compute_on_device(c)) {
        nn_cuda_relu_backward_rowsum(c->cuda, dy, y, rows, batch, rowsum);
        return;
    }
    if ((long)rows * batch < ROWSUM_SPLIT || nn_compute_threads(c) == 1 ||
        c->threading == NN_THREADING_BLAS) {
        relu_rowsum_rows(dy, y, rows, batch, rowsum);
        return;
    }
    rowsum_job job = {.dy = dy, .rowsum = rowsum, .y = y, .rows = rows, .batch = batch};
    nn_compute_run(c, (rows + ROWSUM_CHUNK - 1) / ROWSUM_CHUNK, rowsum_task, &job);
}

float nn_softmax_xent(nn_compute *ctx, const float *logits, const uint8_t *labels, int classes,
                      int batch, float *dlogits, int *hits) {
    if (nn_compute_on_device(ctx))
        return nn_cuda_softmax_xent(ctx->cuda, logits, labels, classes, batch, dlogits, hits);
    double loss = 0.0;
    int correct = 0;
    /* softmax per sample (a column); d(mean loss)/dlogit = (p - onehot) / B */
    for (int s = 0; s < batch; s++) {
        float maxv = logits[s];
        int arg = 0;
        for (int c = 1; c < classes; c++) {
            float v = logits[(size_t)c * batch + s];
            if (v > maxv) maxv = v, arg = c;
        }
        double sum = 0.0;
        for (int c = 0; c < classes; c++) sum += exp(logits[(size_t)c * batch + s] - maxv);
        int label = labels[s];
        loss += log(sum) - (logits[(size_t)label * batch + s] - maxv);
        correct += arg == label;
        for (int c = 0; c < classes; c++) {
            float p = (float)(exp(logits[(size_t)c * batch + s] - maxv) / sum);
            dlogits[(size_t)c * batch + s] = (p - (c == label ? 1.0f : 0.0f)) / batch;
        }
    }
    if (hits) *hits = correct;
    return (float)(loss / batch);
}

void nn_softmax(const float *logits, int classes, float *probs) {
    float maxv = logits[0];
    for (int c = 1; c < classes; c++) maxv = logits[c] > maxv ? logits[c] : maxv;
    double sum = 0.0;
    for (int c = 0; c < classes; c++) sum += exp(logits[c] - maxv);
    for (int c = 0; c < classes; c++) probs[c] = (float)(exp(logits[c] - maxv) / sum);
}

void nn_argmax_columns(nn_compute *c, const float *m, int classes, int batch, uint8_t *out) {
    if (nn_compute_on_device(c)) {
        nn_cuda_argmax_columns(c->cuda, m, classes, batch, out);
        return;
    }
    for (int s = 0; s < batch; s++) {
        int arg = 0;
        for (int c = 1; c < classes; c++)
            if (m[(size_t)c * batch + s] > m[(size_t)arg * batch + s]) arg = c;
        out[s] = (uint8_t)arg;
    }
}

/* Tiles of TILE samples x TILE features keep both the reads and the strided
 * writes of the transpose in L1. */
#define TILE 16

void nn_gather_u8(nn_compute *c, float *x, const uint8_t *pixels, int nimages, const int *indices,
                  int count, int features, float scale) {
    if (nn_compute_on_device(c)) {
        nn_cuda_gather_u8(c->cuda, x, pixels, nimages, indices, count, features, scale);
        return;
    }
    (void)nimages; /* only a device copy needs the whole array */
    for (int s0 = 0; s0 < count; s0 += TILE) {
        int s1 = s0 + TILE < count ? s0 + TILE : count;
        for (int p0 = 0; p0 < features; p0 += TILE) {
            int p1 = p0 + TILE < features ? p0 + TILE : features;
            for (int s = s0; s < s1; s++) {
                const uint8_t *src = pixels + (size_t)indices[s] * features;
                for (int p = p0; p < p1; p++) x[(size_t)p * count + s] = src[p] * scale;
            }
        }
    }
}

/* The optimiser updates are memory-bound: chunks run side by side. */
#define UPDATE_CHUNK (1 << 16)

typedef struct {
    float *p, *m, *v;
    const float *g;
    size_t n;
    float lr, momentum, beta1, beta2, eps, wd, bc1, bc2;
} update_job;

static void sgd_range(float *restrict p, const float *restrict g, float *restrict m, size_t n,
                      float lr, float momentum, float wd) {
    for (size_t e = 0; e < n; e++) {
        m[e] = momentum * m[e] + g[e];
        p[e] -= lr * (m[e] + wd * p[e]);
    }
}

static void adam_range(float *restrict p, const float *restrict g, float *restrict m,
                       float *restrict v, size_t n, const update_job *j) {
    for (size_t e = 0; e < n; e++) {
        m[e] = j->beta1 * m[e] + (1.0f - j->beta1) * g[e];
        v[e] = j->beta2 * v[e] + (1.0f - j->beta2) * g[e] * g[e];
        float mhat = m[e] / j->bc1, vhat = v[e] / j->bc2;
        p[e] -= j->lr * (mhat / (sqrtf(vhat) + j->eps) + j->wd * p[e]);
    }
}

static void update_task(void *ctx, int index) {
    const update_job *j = ctx;
    size_t lo = (size_t)index * UPDATE_CHUNK, hi = lo + UPDATE_CHUNK < j->n ? lo + UPDATE_CHUNK : j->n;
    if (j->v)
        adam_range(j->p + lo, j->g + lo, j->m + lo, j->v + lo, hi - lo, j);
    else
        sgd_range(j->p + lo, j->g + lo, j->m + lo, hi - lo, j->lr, j->momentum, j->wd);
}

static void run_update(nn_compute *c, const update_job *j) {
    int chunks = (int)((j->n + UPDATE_CHUNK - 1) / UPDATE_CHUNK);
    nn_compute_run(c, chunks, update_task, (void *)j);
}

void nn_sgd_update(nn_compute *c, float *p, const float *g, float *m, size_t n, float lr,
                   float momentum, float weight_decay) {
    if (nn_compute_on_device(c)) {
        nn_cuda_sgd_update(c->cuda, p, g, m, n, lr, momentum, weight_decay);
        return;
    }
    update_job j = {.p = p, .g = g, .m = m, .n = n, .lr = lr, .momentum = momentum,
                    .wd = weight_decay};
    run_update(c, &j);
}

void nn_adam_update(nn_compute *c, float *p, const float *g, float *m, float *v, size_t n,
                    float lr, float beta1, float beta2, float eps, float weight_decay, float bc1,
                    float bc2) {
    if (nn_compute_on_device(c)) {
        nn_cuda_adam_update(c->cuda, p, g, m, v, n, lr, beta1, beta2, eps, weight_decay, bc1, bc2);
        return;
    }
    update_job j = {.p = p, .g = g, .m = m, .v = v, .n = n, .lr = lr, .beta1 = beta1,
                    .beta2 = beta2, .eps = eps, .wd = weight_decay, .bc1 = bc1, .bc2 = bc2};
    run_update(c, &j);
}

void nn_mask_multiply(nn_compute *c, float *v, const float *mask, size_t n) {
    if (nn_compute_on_device(c)) {
        nn_cuda_mask_multiply(c->cuda, v, mask, n);
        return;
    }
    for (size_t e = 0; e < n; e++) v[e] *= mask[e];
}

void nn_fill(nn_compute *c, float *v, size_t n, float value) {
    if (nn_compute_on_device(c)) {
        nn_cuda_fill(c->cuda, v, n, value);
        return;
    }
    for (size_t e = 0; e < n; e++) v[e] = value;
}

float *nn_alloc_floats(size_t n) {
    size_t bytes = (n * sizeof(float) + 63) & ~(size_t)63;
    if (bytes == 0) bytes = 64;
    float *p = aligned_alloc(64, bytes);
    if (p) memset(p, 0, bytes);
    return p;
}

void nn_free_floats(float *p) { free(p); }
