/* Pins every layer kind to ../shared/docs/dyad.md: forward against a dense
 * reference built here from the doc's index maps (not from nn/), backward
 * against finite differences in double, and W's zero pattern. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../nn/layer.h"
#include "../nn/pool.h"
#include "support.h"

typedef struct {
    nn_layer_kind kind;
    int in, out, ndyad;
} shape;

/* n = 1, n = D, non-square, and the doc's 8x8 n = 2, for every variant. */
static const shape shapes[] = {
    {NN_LAYER_DENSE, 8, 8, 1},      {NN_LAYER_DENSE, 12, 5, 1},     {NN_LAYER_DENSE, 1, 3, 1},
    {NN_LAYER_DYAD_IT, 8, 8, 2},    {NN_LAYER_DYAD_OT, 8, 8, 2},    {NN_LAYER_DYAD_DT, 8, 8, 2},
    {NN_LAYER_DYAD_IT, 12, 12, 1},  {NN_LAYER_DYAD_OT, 12, 12, 1},  {NN_LAYER_DYAD_DT, 12, 12, 1},
    {NN_LAYER_DYAD_IT, 6, 6, 6},    {NN_LAYER_DYAD_OT, 6, 6, 6},    {NN_LAYER_DYAD_DT, 6, 6, 6},
    {NN_LAYER_DYAD_IT, 12, 8, 4},   {NN_LAYER_DYAD_OT, 12, 8, 4},   {NN_LAYER_DYAD_DT, 12, 8, 4},
    {NN_LAYER_DYAD_IT, 9, 15, 3},   {NN_LAYER_DYAD_OT, 9, 15, 3},   {NN_LAYER_DYAD_DT, 9, 15, 3},
    {NN_LAYER_DYAD_IT, 32, 16, 8},  {NN_LAYER_DYAD_OT, 32, 16, 8},  {NN_LAYER_DYAD_DT, 32, 16, 8},
};
#define NSHAPES (int)(sizeof shapes / sizeof shapes[0])

typedef struct {
    nn_layer l;
    float *params, *grads;
} test_layer;

static void make_layer(test_layer *t, shape s, uint64_t seed) {
    memset(t, 0, sizeof *t);
    assert_int_equal(nn_layer_check(s.kind, s.in, s.out, s.ndyad, NULL), NN_OK);
    size_t n = nn_layer_param_count(s.kind, s.in, s.out, s.ndyad);
    t->params = calloc(n, sizeof(float));
    t->grads = calloc(n, sizeof(float));
    assert_non_null(t->params);
    assert_non_null(t->grads);
    t->l.kind = s.kind;
    t->l.in = s.in;
    t->l.out = s.out;
    t->l.ndyad = s.ndyad;
    nn_layer_bind(&t->l, t->params, t->grads);
    nn_rng r;
    nn_rng_seed(&r, seed);
    nn_layer_init(&t->l, &r);
}

static void free_layer(test_layer *t) {
    free(t->params);
    free(t->grads);
}

/* The doc's W, built from its index tables, in double. */
static void doc_weight(const nn_layer *l, double *w) {
    memset(w, 0, sizeof(double) * l->in * l->out);
    if (l->kind == NN_LAYER_DENSE) {
        for (int e = 0; e < l->in * l->out; e++) w[e] = l->param.weight[e];
        return;
    }
    int n = l->ndyad, a = l->in / n, b = l->out / n;
    for (int k = 0; k < n; k++)
        for (int j = 0; j < b; j++)
            for (int i = 0; i < a; i++) {
                int e = (k * b + j) * a + i;
                w[(k * b + j) * l->in + k * a + i] += l->param.wl[e];
                int row = 0, col = 0;
                switch (l->kind) {
                case NN_LAYER_DYAD_IT: row = k * b + j, col = i * n + k; break;
                case NN_LAYER_DYAD_OT: row = j * n + k, col = k * a + i; break;
                case NN_LAYER_DYAD_DT: row = j * n + k, col = i * n + k; break;
                default: fail();
                }
                w[row * l->in + col] += l->param.wu[e];
            }
}

/* y = W x + bias in double, x and y feature-major (features x batch). */
static void doc_forward(const nn_layer *l, const double *w, const float *x, double *y, int batch) {
    for (int o = 0; o < l->out; o++)
        for (int s = 0; s < batch; s++) {
            double acc = l->param.bias[o];
            for (int c = 0; c < l->in; c++) acc += w[o * l->in + c] * x[c * batch + s];
            y[o * batch + s] = acc;
        }
}

/* Normalised error of y against the doc's y in double. */
static double doc_error(const float *y, const double *yref, size_t n) {
    double num = 0, den = 0;
    for (size_t e = 0; e < n; e++) {
        num += (y[e] - yref[e]) * (y[e] - yref[e]);
        den += yref[e] * yref[e];
    }
    return sqrt(num / den);
}

static void random_fill(float *v, size_t n, nn_rng *r) {
    for (size_t e = 0; e < n; e++) v[e] = 2.0f * nn_rng_uniform(r) - 1.0f;
}

static void test_forward_matches_dense_reference(void **state) {
    (void)state;
    const int batches[] = {1, 7, 64};
    for (int si = 0; si < NSHAPES; si++)
        for (int bi = 0; bi < 3; bi++) {
            shape s = shapes[si];
            int batch = batches[bi];
            test_layer t;
            make_layer(&t, s, 100 + si);
            nn_rng r;
            nn_rng_seed(&r, 7 + bi);
            float *x = malloc(sizeof(float) * s.in * batch);
            float *y = malloc(sizeof(float) * s.out * batch);
            double *w = malloc(sizeof(double) * s.in * s.out);
            double *yref = malloc(sizeof(double) * s.out * batch);
            random_fill(x, (size_t)s.in * batch, &r);
            nn_layer_forward(&t.l, x, y, batch, NULL);
            doc_weight(&t.l, w);
            doc_forward(&t.l, w, x, yref, batch);
            double rel = doc_error(y, yref, (size_t)s.out * batch);
            if (rel > 1e-5)
                fail_msg("%s %d->%d n=%d batch %d: relative error %g", nn_layer_kind_name(s.kind), s.in,
                         s.out, s.ndyad, batch, rel);
            free(x), free(y), free(w), free(yref);
            free_layer(&t);
        }
}

static void test_materialised_weight_matches_doc(void **state) {
    (void)state;
    for (int si = 0; si < NSHAPES; si++) {
        shape s = shapes[si];
        test_layer t;
        make_layer(&t, s, 200 + si);
        float *w = malloc(sizeof(float) * s.in * s.out);
        double *wref = malloc(sizeof(double) * s.in * s.out);
        nn_layer_dense_weight(&t.l, w);
        doc_weight(&t.l, wref);
        for (int e = 0; e < s.in * s.out; e++) assert_float_equal(w[e], wref[e], 1e-6);
        free(w), free(wref);
        free_layer(&t);
    }
}

/* Loss L = sum(G .* y): dL/dy = G. Every parameter enters y linearly, so a
 * central difference in double is exact up to rounding. */
static void test_backward_matches_finite_differences(void **state) {
    (void)state;
    const int batch = 5;
    for (int si = 0; si < NSHAPES; si++) {
        shape s = shapes[si];
        test_layer t;
        make_layer(&t, s, 300 + si);
        nn_rng r;
        nn_rng_seed(&r, 11);
        float *x = malloc(sizeof(float) * s.in * batch);
        float *gy = malloc(sizeof(float) * s.out * batch);
        float *dx = malloc(sizeof(float) * s.in * batch);
        random_fill(x, (size_t)s.in * batch, &r);
        random_fill(gy, (size_t)s.out * batch, &r);
        nn_layer_backward(&t.l, x, gy, dx, batch, NULL);
        /* without dx (a first layer) the bias gradient comes from its own
         * pass, not with the dx GEMMs: the same sums, row by row in order */
        size_t np = nn_layer_param_count(s.kind, s.in, s.out, s.ndyad);
        float *with_dx = malloc(sizeof(float) * np);
        memcpy(with_dx, t.grads, sizeof(float) * np);
        memset(t.grads, 0, sizeof(float) * np);
        nn_layer_backward(&t.l, x, gy, NULL, batch, NULL);
        assert_memory_equal(with_dx, t.grads, sizeof(float) * np);
        free(with_dx);

        double *w = malloc(sizeof(double) * s.in * s.out);
        double *y = malloc(sizeof(double) * s.out * batch);
        const double h = 1e-2;
#define LOSS(out_var)                                                                    \
    do {                                                                                 \
        doc_weight(&t.l, w);                                                             \
        doc_forward(&t.l, w, x, y, batch);                                               \
        out_var = 0;                                                                     \
        for (int e = 0; e < s.out * batch; e++) out_var += (double)gy[e] * y[e];         \
    } while (0)
        for (size_t p = 0; p < np; p++) {
            float keep = t.params[p];
            double lp, lm;
            t.params[p] = keep + (float)h;
            LOSS(lp);
            t.params[p] = keep - (float)h;
            LOSS(lm);
            t.params[p] = keep;
            double fd = (lp - lm) / (2 * h);
            if (fabs(fd - t.grads[p]) > 1e-4 * (1 + fabs(fd)))
                fail_msg("%s %d->%d n=%d: param %zu grad %g, finite difference %g",
                         nn_layer_kind_name(s.kind), s.in, s.out, s.ndyad, p, t.grads[p], fd);
        }
        for (int e = 0; e < s.in * batch; e++) {
            float keep = x[e];
            double lp, lm;
            x[e] = keep + (float)h;
            LOSS(lp);
            x[e] = keep - (float)h;
            LOSS(lm);
            x[e] = keep;
            double fd = (lp - lm) / (2 * h);
            if (fabs(fd - dx[e]) > 1e-4 * (1 + fabs(fd)))
                fail_msg("%s %d->%d n=%d: dx[%d] %g, finite difference %g", nn_layer_kind_name(s.kind),
                         s.in, s.out, s.ndyad, e, dx[e], fd);
        }
#undef LOSS
        free(x), free(gy), free(dx), free(w), free(y);
        free_layer(&t);
    }
}

/* The four 8x8 n = 2 pictures of dyad.md, with every weight set to 1. */
static const char *const doc_pictures[4][8] = {
    {"11110000", "11110000", "11110000", "11110000", "00001111", "00001111", "00001111", "00001111"},
    {"21211010", "21211010", "21211010", "21211010", "01011212", "01011212", "01011212", "01011212"},
    {"22220000", "11111111", "22220000", "11111111", "11111111", "00002222", "11111111", "00002222"},
    {"21211010", "12120101", "21211010", "12120101", "10102121", "01011212", "10102121", "01011212"},
};

static void test_doc_pictures(void **state) {
    (void)state;
    const nn_layer_kind kinds[4] = {NN_LAYER_DYAD_IT, NN_LAYER_DYAD_IT, NN_LAYER_DYAD_OT, NN_LAYER_DYAD_DT};
    for (int p = 0; p < 4; p++) {
        test_layer t;
        make_layer(&t, (shape){kinds[p], 8, 8, 2}, 1);
        for (int e = 0; e < 32; e++) {
            t.l.param.wl[e] = 1.0f;
            t.l.param.wu[e] = p == 0 ? 0.0f : 1.0f; /* picture 0 is BLOCK DIAG alone */
        }
        float w[64];
        nn_layer_dense_weight(&t.l, w);
        for (int row = 0; row < 8; row++)
            for (int col = 0; col < 8; col++) {
                int want = doc_pictures[p][row][col] - '0';
                if ((int)w[row * 8 + col] != want)
                    fail_msg("picture %d (%s): W[%d][%d] = %g, doc says %d", p,
                             nn_layer_kind_name(kinds[p]), row, col, w[row * 8 + col], want);
                if (p > 0) {
                    /* nn_layer_weight_part must agree: 2 = both parts, 1 = one of them */
                    int part = nn_layer_weight_part(&t.l, row, col);
                    int count = (part & 1) + ((part >> 1) & 1);
                    assert_int_equal(count, want);
                }
            }
        free_layer(&t);
    }
}

static void test_nonzero_fraction(void **state) {
    (void)state;
    const int ns[] = {2, 4, 8};
    const nn_layer_kind kinds[] = {NN_LAYER_DYAD_IT, NN_LAYER_DYAD_OT, NN_LAYER_DYAD_DT};
    for (int ki = 0; ki < 3; ki++)
        for (int ni = 0; ni < 3; ni++) {
            int n = ns[ni], in = 64, out = 32;
            test_layer t;
            make_layer(&t, (shape){kinds[ki], in, out, n}, 5);
            float *w = malloc(sizeof(float) * in * out);
            nn_layer_dense_weight(&t.l, w);
            int nonzero = 0, structural = 0;
            for (int row = 0; row < out; row++)
                for (int col = 0; col < in; col++) {
                    nonzero += w[row * in + col] != 0.0f;
                    structural += nn_layer_weight_part(&t.l, row, col) != 0;
                    /* a structural zero must be exactly zero */
                    if (nn_layer_weight_part(&t.l, row, col) == 0)
                        assert_true(w[row * in + col] == 0.0f);
                }
            double want = (2.0 * n - 1) / (n * n);
            assert_int_equal(structural, (int)lround(want * in * out));
            assert_int_equal(nonzero, structural); /* random weights are never exactly 0 */
            free(w);
            free_layer(&t);
        }
}

static void test_param_count_and_checks(void **state) {
    (void)state;
    nn_error err;
    assert_int_equal(nn_layer_param_count(NN_LAYER_DENSE, 784, 1024, 1), 784 * 1024 + 1024);
    assert_int_equal(nn_layer_param_count(NN_LAYER_DYAD_IT, 784, 1024, 4), 2 * 784 * 1024 / 4 + 1024);
    assert_int_equal(nn_layer_check(NN_LAYER_DYAD_IT, 784, 1024, 4, &err), NN_OK);
    assert_int_equal(nn_layer_check(NN_LAYER_DYAD_OT, 784, 1024, 3, &err), NN_ERR_ARG);
    assert_non_null(strstr(err.msg, "must divide"));
    assert_int_equal(nn_layer_check(NN_LAYER_DYAD_DT, 100, 64, 32, &err), NN_ERR_ARG);
    assert_int_equal(nn_layer_check(NN_LAYER_DENSE, 10, 10, 2, &err), NN_ERR_ARG);
    assert_int_equal(nn_layer_check(NN_LAYER_DYAD_IT, 0, 10, 1, &err), NN_ERR_ARG);
    nn_layer_kind k;
    assert_int_equal(nn_layer_kind_parse("dyad-dt", &k), NN_OK);
    assert_int_equal(k, NN_LAYER_DYAD_DT);
    assert_int_equal(nn_layer_kind_parse("dyad", &k), NN_ERR_ARG);
}

static void test_init_bound(void **state) {
    (void)state;
    test_layer t;
    make_layer(&t, (shape){NN_LAYER_DYAD_IT, 784, 1024, 4}, 9);
    size_t n = nn_layer_param_count(NN_LAYER_DYAD_IT, 784, 1024, 4);
    float k = 1.0f / sqrtf(784.0f);
    float maxv = 0;
    double mean = 0;
    for (size_t e = 0; e < n; e++) {
        assert_true(fabsf(t.params[e]) <= k);
        maxv = fmaxf(maxv, fabsf(t.params[e]));
        mean += t.params[e];
    }
    assert_true(maxv > 0.99f * k); /* uniform over the whole range */
    assert_true(fabs(mean / n) < 0.01 * k);
    free_layer(&t);
}

/* Every way the compute context can run a layer (serial, GEMMs side by side
 * on 2 or 3 threads, OpenBLAS threading each GEMM) must give what the serial
 * path gives. Dense layers split over threads from 4M multiply-adds on
 * (nn/kernels_cpu.c), hence the large shapes with a batch of 16. */
static const shape pool_shapes[] = {
    {NN_LAYER_DENSE, 600, 520, 1}, {NN_LAYER_DENSE, 513, 511, 1}, {NN_LAYER_DYAD_IT, 300, 260, 4},
    {NN_LAYER_DYAD_OT, 300, 260, 4}, {NN_LAYER_DYAD_DT, 300, 260, 4},
    /* 4096 rows x 16: the bias gradient's row sums in the dx GEMM items
     * (DYAD), and split over the threads as a pass of their own (dense) */
    {NN_LAYER_DYAD_IT, 64, 4096, 4}, {NN_LAYER_DENSE, 64, 4096, 1},
};
#define NALL (NSHAPES + (int)(sizeof pool_shapes / sizeof pool_shapes[0]))

static shape shape_at(int si) { return si < NSHAPES ? shapes[si] : pool_shapes[si - NSHAPES]; }

typedef struct {
    int threads;
    nn_threading threading;
} compute_path;

static const compute_path paths[] = {
    {2, NN_THREADING_POOL}, {3, NN_THREADING_POOL}, {2, NN_THREADING_BLAS}};
#define NPATHS (int)(sizeof paths / sizeof paths[0])

static void test_pool_matches_serial(void **state) {
    (void)state;
    for (int pi = 0; pi < NPATHS; pi++) {
        nn_compute *c;
        assert_int_equal(nn_compute_create(&c, paths[pi].threads, NULL), NN_OK);
        nn_compute_set_threading(c, paths[pi].threading);
        for (int si = 0; si < NALL; si++) {
            shape s = shape_at(si);
            int batch = si < NSHAPES ? 9 : 16;
            for (int relu = 0; relu < 2; relu++) {
                test_layer serial, pooled;
                make_layer(&serial, s, 400 + si);
                make_layer(&pooled, s, 400 + si);
                serial.l.relu = pooled.l.relu = relu;
                nn_rng r;
                nn_rng_seed(&r, 13);
                size_t nx = (size_t)s.in * batch, ny = (size_t)s.out * batch;
                float *x = malloc(nx * sizeof(float)), *dy = malloc(ny * sizeof(float));
                float *y1 = malloc(ny * sizeof(float)), *y2 = malloc(ny * sizeof(float));
                float *dx1 = malloc(nx * sizeof(float)), *dx2 = malloc(nx * sizeof(float));
                random_fill(x, nx, &r);
                random_fill(dy, ny, &r);
                nn_layer_forward(&serial.l, x, y1, batch, NULL);
                nn_layer_forward(&pooled.l, x, y2, batch, c);
                nn_layer_backward(&serial.l, x, dy, dx1, batch, NULL);
                nn_layer_backward(&pooled.l, x, dy, dx2, batch, c);
                for (size_t e = 0; e < ny; e++) assert_float_equal(y1[e], y2[e], 1e-5);
                for (size_t e = 0; e < nx; e++) assert_float_equal(dx1[e], dx2[e], 1e-5);
                size_t np = nn_layer_param_count(s.kind, s.in, s.out, s.ndyad);
                for (size_t e = 0; e < np; e++)
                    assert_float_equal(serial.grads[e], pooled.grads[e], 1e-5);
                free(x), free(dy), free(y1), free(y2), free(dx1), free(dx2);
                free_layer(&serial);
                free_layer(&pooled);
            }
        }
        nn_compute_free(c);
    }
}

/* nn_gemm's b_rowsum (the row sums of B, a layer's bias gradient): items of
 * strided rows with gaps between them, sums apart by more than k, next to
 * a second op; serially, side by side on a pool, and for one large item
 * split into row slices (only one slice may write the sums); against sums
 * in double and a plain GEMM. */
static void test_gemm_row_sums(void **state) {
    (void)state;
    static const struct {
        int m, n, k, count, threads;
    } cases[] = {{5, 7, 6, 3, 1}, {5, 7, 6, 3, 2}, {24, 33, 17, 9, 3}, {512, 128, 64, 1, 2}};
    nn_rng r;
    nn_rng_seed(&r, 21);
    for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
        const int m = cases[ci].m, n = cases[ci].n, k = cases[ci].k, count = cases[ci].count;
        const int lda = k, ldb = n + 3, ldc = n, sstride = k + 2;
        const size_t na = (size_t)count * m * lda, nb = (size_t)count * (k * ldb + 5);
        const size_t nc = (size_t)count * m * ldc, ns = (size_t)count * sstride;
        float *a = malloc(na * sizeof(float)), *b = malloc(nb * sizeof(float));
        float *c = malloc(nc * sizeof(float)), *c_plain = malloc(nc * sizeof(float));
        float *sums = malloc(ns * sizeof(float));
        random_fill(a, na, &r);
        random_fill(b, nb, &r);
        for (size_t i = 0; i < ns; i++) sums[i] = -7.0f; /* the gaps must stay */
        nn_gemm g = {.m = m, .n = n, .k = k, .a = a, .lda = lda, .stride_a = (ptrdiff_t)m * lda,
                     .b = b, .ldb = ldb, .stride_b = (ptrdiff_t)k * ldb + 5, .c = c_plain,
                     .ldc = ldc, .stride_c = (ptrdiff_t)m * ldc};
        nn_gemm_items(NULL, &g, 1, count, NULL);
        g.c = c;
        g.b_rowsum = sums;
        g.b_rowsum_stride = sstride;
        nn_compute *ctx = NULL;
        if (cases[ci].threads > 1) assert_int_equal(nn_compute_create(&ctx, cases[ci].threads, NULL), NN_OK);
        nn_gemm_items(ctx, &g, 1, count, NULL);
        nn_compute_free(ctx);
        for (size_t e = 0; e < nc; e++) assert_float_equal(c[e], c_plain[e], 1e-6);
        for (int t = 0; t < count; t++)
            for (int i = 0; i < sstride; i++) {
                double want = -7.0;
                if (i < k) {
                    want = 0.0;
                    for (int j = 0; j < n; j++) want += b[t * g.stride_b + (ptrdiff_t)i * ldb + j];
                }
                assert_float_equal(sums[t * sstride + i], want, 1e-4);
            }
        free(a), free(b), free(c), free(c_plain), free(sums);
    }
}

/* With relu set, the forward pass is max(0, W x + b): the fused epilogue
 * against the plain layer and a pass here. */
static void test_forward_relu_is_fused_max(void **state) {
    (void)state;
    const int batch = 5;
    for (int si = 0; si < NSHAPES; si++) {
        shape s = shapes[si];
        test_layer plain, fused;
        make_layer(&plain, s, 70 + si);
        make_layer(&fused, s, 70 + si);
        fused.l.relu = 1;
        nn_rng r;
        nn_rng_seed(&r, 5);
        size_t nx = (size_t)s.in * batch, ny = (size_t)s.out * batch;
        float *x = malloc(nx * sizeof(float)), *y1 = malloc(ny * sizeof(float));
        float *y2 = malloc(ny * sizeof(float));
        random_fill(x, nx, &r);
        nn_layer_forward(&plain.l, x, y1, batch, NULL);
        nn_layer_forward(&fused.l, x, y2, batch, NULL);
        int negatives = 0;
        for (size_t e = 0; e < ny; e++) {
            negatives += y1[e] < 0;
            assert_float_equal(y2[e], y1[e] > 0 ? y1[e] : 0.0f, 1e-6);
        }
        assert_true(negatives > 0); /* the mask did something */
        free(x), free(y1), free(y2);
        free_layer(&plain);
        free_layer(&fused);
    }
}

/* The fused step (dW into the velocity, then the update, with the ReLU mask
 * and bias sum in one pass) against the plain gradients followed by the SGD
 * update written out here, on every path. */
static void test_fused_sgd_matches_gradients(void **state) {
    (void)state;
    const float lr = 0.1f, momentum = 0.9f, wd = 0.01f;
    for (int pi = -1; pi < NPATHS; pi++) {
        nn_compute *c = NULL;
        if (pi >= 0) {
            assert_int_equal(nn_compute_create(&c, paths[pi].threads, NULL), NN_OK);
            nn_compute_set_threading(c, paths[pi].threading);
        }
        for (int si = 0; si < NALL; si++) {
            shape s = shape_at(si);
            int batch = si < NSHAPES ? 7 : 16;
            test_layer ref, fused;
            make_layer(&ref, s, 900 + si);
            make_layer(&fused, s, 900 + si);
            ref.l.relu = fused.l.relu = 1;
            size_t np = nn_layer_param_count(s.kind, s.in, s.out, s.ndyad);
            float *vel_ref = malloc(np * sizeof(float)), *vel = malloc(np * sizeof(float));
            nn_rng r;
            nn_rng_seed(&r, 21);
            random_fill(vel_ref, np, &r); /* a velocity from earlier steps */
            memcpy(vel, vel_ref, np * sizeof(float));
            size_t nx = (size_t)s.in * batch, ny = (size_t)s.out * batch;
            float *x = malloc(nx * sizeof(float)), *y = malloc(ny * sizeof(float));
            float *dy1 = malloc(ny * sizeof(float)), *dy2 = malloc(ny * sizeof(float));
            float *dx1 = malloc(nx * sizeof(float)), *dx2 = malloc(nx * sizeof(float));
            random_fill(x, nx, &r);
            random_fill(dy1, ny, &r);
            memcpy(dy2, dy1, ny * sizeof(float));
            nn_layer_forward(&ref.l, x, y, batch, NULL);
            /* reference: mask, gradients, then the update tensor by tensor */
            for (size_t e = 0; e < ny; e++)
                if (y[e] <= 0) dy1[e] = 0;
            nn_layer_backward(&ref.l, x, dy1, dx1, batch, NULL);
            for (int t = 0; t < ref.l.tensors.count; t++) {
                const nn_layer_tensor *lt = &ref.l.tensors.t[t];
                for (size_t e = lt->offset; e < lt->offset + lt->count; e++) {
                    vel_ref[e] = momentum * vel_ref[e] + ref.grads[e];
                    ref.params[e] -= lr * (vel_ref[e] + (lt->decay ? wd : 0) * ref.params[e]);
                }
            }
            nn_layer_sgd sgd = {.velocity = vel, .lr = lr, .momentum = momentum, .weight_decay = wd};
            nn_layer_backward_step(&fused.l, x, y, dy2, dx2, batch, c, &sgd);
            for (size_t e = 0; e < nx; e++) assert_float_equal(dx1[e], dx2[e], 1e-5);
            for (size_t e = 0; e < np; e++) {
                assert_float_equal(vel_ref[e], vel[e], 1e-5);
                assert_float_equal(ref.params[e], fused.params[e], 1e-6);
            }
            free(vel_ref), free(vel), free(x), free(y), free(dy1), free(dy2), free(dx1), free(dx2);
            free_layer(&ref);
            free_layer(&fused);
        }
        nn_compute_free(c);
    }
}

/* DYAD's blocks of these shapes go to nn/block_gemm.c (on by default where
 * the CPU has AVX-512): forward against the doc's dense reference, and
 * forward, backward and the fused step against the same context with every
 * GEMM sent to OpenBLAS. */
static const shape block_shapes[] = {
    {NN_LAYER_DENSE, 256, 128, 1},   {NN_LAYER_DYAD_IT, 256, 128, 4}, {NN_LAYER_DYAD_OT, 256, 128, 4},
    {NN_LAYER_DYAD_DT, 256, 128, 4}, {NN_LAYER_DYAD_IT, 512, 512, 4}, {NN_LAYER_DYAD_DT, 512, 512, 4},
};

static double relative_error(const float *v, const float *ref, size_t n) {
    double num = 0, den = 0;
    for (size_t e = 0; e < n; e++) {
        num += ((double)v[e] - ref[e]) * ((double)v[e] - ref[e]);
        den += (double)ref[e] * ref[e];
    }
    return sqrt(num / (den > 0 ? den : 1));
}

static void test_block_kernel_matches_openblas(void **state) {
    (void)state;
    nn_compute *on, *off;
    assert_int_equal(nn_compute_create(&on, 2, NULL), NN_OK);
    assert_int_equal(nn_compute_create(&off, 2, NULL), NN_OK);
    nn_compute_set_block_kernel(off, 0);
    assert_false(nn_compute_block_kernel(off));
    if (!nn_compute_block_kernel(on)) { /* no AVX-512 here: nothing to compare */
        nn_compute_free(on);
        nn_compute_free(off);
        skip();
    }
    const int batch = 64;
    for (size_t si = 0; si < sizeof block_shapes / sizeof block_shapes[0]; si++) {
        shape s = block_shapes[si];
        test_layer k1, k2;
        make_layer(&k1, s, 700 + (int)si);
        make_layer(&k2, s, 700 + (int)si);
        nn_rng r;
        nn_rng_seed(&r, 31);
        size_t nx = (size_t)s.in * batch, ny = (size_t)s.out * batch;
        size_t np = nn_layer_param_count(s.kind, s.in, s.out, s.ndyad);
        float *x = malloc(nx * sizeof(float)), *y1 = malloc(ny * sizeof(float));
        float *y2 = malloc(ny * sizeof(float)), *dy1 = malloc(ny * sizeof(float));
        float *dy2 = malloc(ny * sizeof(float)), *dx1 = malloc(nx * sizeof(float));
        float *dx2 = malloc(nx * sizeof(float)), *v1 = malloc(np * sizeof(float));
        float *v2 = malloc(np * sizeof(float));
        double *w = malloc(sizeof(double) * s.in * s.out), *yref = malloc(sizeof(double) * ny);
        random_fill(x, nx, &r);
        random_fill(dy1, ny, &r);
        random_fill(v1, np, &r);
        memcpy(dy2, dy1, ny * sizeof(float));
        memcpy(v2, v1, np * sizeof(float));

        k1.l.relu = k2.l.relu = 0; /* the plain forward against the doc */
        nn_layer_forward(&k1.l, x, y1, batch, on);
        doc_weight(&k1.l, w);
        doc_forward(&k1.l, w, x, yref, batch);
        double rel = doc_error(y1, yref, ny);
        if (rel > 1e-5)
            fail_msg("%s %d->%d n=%d: forward on the block kernel, relative error %g",
                     nn_layer_kind_name(s.kind), s.in, s.out, s.ndyad, rel);

        k1.l.relu = k2.l.relu = 1;
        nn_layer_forward(&k1.l, x, y1, batch, on);
        nn_layer_forward(&k2.l, x, y2, batch, off);
        nn_layer_backward(&k1.l, x, dy1, dx1, batch, on);
        nn_layer_backward(&k2.l, x, dy2, dx2, batch, off);
        double errs[5] = {relative_error(y1, y2, ny), relative_error(dx1, dx2, nx),
                          relative_error(k1.grads, k2.grads, np), 0, 0};
        nn_layer_sgd sgd1 = {.velocity = v1, .lr = 0.1f, .momentum = 0.9f, .weight_decay = 0.01f};
        nn_layer_sgd sgd2 = sgd1;
        sgd2.velocity = v2;
        nn_layer_backward_step(&k1.l, x, y1, dy1, dx1, batch, on, &sgd1);
        nn_layer_backward_step(&k2.l, x, y2, dy2, dx2, batch, off, &sgd2);
        errs[3] = relative_error(v1, v2, np);
        errs[4] = relative_error(k1.params, k2.params, np);
        const char *what[5] = {"y", "dx", "gradients", "velocity", "weights after a step"};
        for (int e = 0; e < 5; e++)
            if (errs[e] > 1e-5)
                fail_msg("%s %d->%d n=%d: %s differ from OpenBLAS's by %g",
                         nn_layer_kind_name(s.kind), s.in, s.out, s.ndyad, what[e], errs[e]);
        free(x), free(y1), free(y2), free(dy1), free(dy2), free(dx1), free(dx2), free(v1), free(v2);
        free(w), free(yref);
        free_layer(&k1);
        free_layer(&k2);
    }
    nn_compute_free(on);
    nn_compute_free(off);
}

/* The kind table and the tensor tables: names round-trip, tensors tile the
 * parameter block in order, the bias is the one tensor without decay, and the
 * weights hold in*out/ndyad*2 (DYAD) or in*out (dense) floats. */
static void test_kind_and_tensor_tables(void **state) {
    (void)state;
    /* dense and DYAD; the kinds after them: tests/test_kinds.c */
    for (int k = 0; k <= NN_LAYER_DYAD_DT; k++) {
        const nn_layer_kind_info *info = nn_layer_kind_get((nn_layer_kind)k);
        assert_non_null(info);
        assert_int_equal(info->kind, k);
        nn_layer_kind parsed;
        assert_int_equal(nn_layer_kind_parse(info->name, &parsed), NN_OK);
        assert_int_equal(parsed, k);
        int n = info->blocked ? 4 : 1;
        nn_layer_tensor_table t;
        nn_layer_tensor_layout((nn_layer_kind)k, 12, 8, n, &t);
        size_t next = 0, weights = 0;
        int biases = 0;
        for (int i = 0; i < t.count; i++) {
            assert_int_equal(t.t[i].offset, next);
            size_t count = 1;
            for (int d = 0; d < t.t[i].rank; d++) count *= (size_t)t.t[i].shape[d];
            assert_int_equal(t.t[i].count, count);
            next += count;
            if (!t.t[i].decay) {
                biases++;
                assert_string_equal(t.t[i].name, "bias");
                assert_int_equal(count, 8);
            } else {
                weights += count;
            }
        }
        assert_int_equal(biases, 1);
        assert_int_equal(t.total, next);
        assert_int_equal(nn_layer_param_count((nn_layer_kind)k, 12, 8, n), next);
        assert_int_equal(weights, info->blocked ? 2 * 12 * 8 / n : 12 * 8);
    }
    assert_null(nn_layer_kind_get(NN_LAYER_KIND_COUNT));
    nn_layer_kind parsed;
    assert_int_equal(nn_layer_kind_parse("dyad-xx", &parsed), NN_ERR_ARG);
    char list[128];
    nn_layer_kind_list(list, sizeof list, ",", 1);
    assert_string_equal(list, "dyad-it,dyad-ot,dyad-dt,blockdiag,monarch");
}

static void count_task(void *ctx, int index) {
    int *hits = ctx;
    __atomic_fetch_add(&hits[index], 1, __ATOMIC_RELAXED);
}

/* The seam's element-wise mask product and fill (the sparse kind's masked
 * gradient; what a pass writes when it could get no scratch), with no
 * context and with a two-thread one. */
static void test_mask_multiply_and_fill(void **state) {
    (void)state;
    nn_compute *two;
    assert_int_equal(nn_compute_create(&two, 2, NULL), NN_OK);
    nn_compute *ctxs[2] = {NULL, two};
    for (int ci = 0; ci < 2; ci++) {
        enum { N = 1037 };
        float v[N], mask[N];
        for (int e = 0; e < N; e++) {
            v[e] = (float)e - 500.0f;
            mask[e] = (e % 3 == 0) ? 1.0f : 0.0f;
        }
        nn_mask_multiply(ctxs[ci], v, mask, N);
        for (int e = 0; e < N; e++) assert_true(v[e] == (e % 3 == 0 ? (float)e - 500.0f : 0.0f));
        nn_fill(ctxs[ci], v + 5, N - 10, NAN);
        for (int e = 0; e < N; e++) assert_true((e >= 5 && e < N - 5) ? isnan(v[e]) : !isnan(v[e]));
    }
    nn_compute_free(two);
}

static void test_pool_runs_every_task_once(void **state) {
    (void)state;
    nn_pool *pool;
    assert_int_equal(nn_pool_create(&pool, 3, NULL), NN_OK);
    int hits[64];
    for (int round = 0; round < 500; round++) {
        int ntasks = 1 + round % 64;
        memset(hits, 0, sizeof hits);
        nn_pool_run(pool, ntasks, count_task, hits);
        for (int i = 0; i < 64; i++) assert_int_equal(hits[i], i < ntasks ? 1 : 0);
    }
    nn_pool_free(pool);
    assert_int_equal(nn_pool_create(&pool, 0, NULL), NN_ERR_ARG);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forward_matches_dense_reference),
        cmocka_unit_test(test_materialised_weight_matches_doc),
        cmocka_unit_test(test_backward_matches_finite_differences),
        cmocka_unit_test(test_doc_pictures),
        cmocka_unit_test(test_nonzero_fraction),
        cmocka_unit_test(test_param_count_and_checks),
        cmocka_unit_test(test_init_bound),
        cmocka_unit_test(test_pool_matches_serial),
        cmocka_unit_test(test_forward_relu_is_fused_max),
        cmocka_unit_test(test_kind_and_tensor_tables),
        cmocka_unit_test(test_fused_sgd_matches_gradients),
        cmocka_unit_test(test_block_kernel_matches_openblas),
        cmocka_unit_test(test_pool_runs_every_task_once),
        cmocka_unit_test(test_gemm_row_sums),
        cmocka_unit_test(test_mask_multiply_and_fill),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
