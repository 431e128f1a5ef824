/* The layer kinds after DYAD (issue 9): blockdiag, monarch, lowrank, sparse.
 * Each is pinned to the definition in its file's header comment: W is built
 * here from that definition (Monarch as the matrix product P L P^T R with
 * explicit permutation matrices, not nn/'s index formula); forward against W
 * x + b, backward against finite differences in double, the zero pattern /
 * rank / mask count of W, the pool and the fused SGD step against the plain
 * ones, checkpoints, the --layers parser and parameter matching. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../app/render/heatmap.h"
#include "../app/render/teach_compare.h"
#include "../nn/checkpoint.h"
#include "../nn/layer.h"
#include "../nn/layer_match.h"
#include "../nn/layer_ops_kinds.h"
#include "../nn/mlp.h"
#include "support.h"

typedef struct {
    nn_layer_kind kind;
    int in, out, ndyad; /* ndyad: blocks or rank; 1 for sparse */
    float density;      /* sparse */
} shape;

static const shape shapes[] = {
    {NN_LAYER_BLOCKDIAG, 8, 8, 2, 0},  {NN_LAYER_BLOCKDIAG, 12, 8, 4, 0},
    {NN_LAYER_BLOCKDIAG, 9, 15, 3, 0}, {NN_LAYER_BLOCKDIAG, 6, 6, 1, 0},
    {NN_LAYER_MONARCH, 8, 8, 2, 0},    {NN_LAYER_MONARCH, 16, 16, 4, 0}, /* q = N: full mixing */
    {NN_LAYER_MONARCH, 12, 8, 4, 0},   {NN_LAYER_MONARCH, 8, 16, 2, 0},
    {NN_LAYER_MONARCH, 6, 6, 6, 0},    {NN_LAYER_MONARCH, 9, 15, 3, 0},
    {NN_LAYER_MONARCH, 32, 16, 8, 0},  {NN_LAYER_LOWRANK, 8, 8, 2, 0},
    {NN_LAYER_LOWRANK, 12, 5, 3, 0},   {NN_LAYER_LOWRANK, 5, 12, 5, 0},
    {NN_LAYER_LOWRANK, 1, 3, 1, 0},    {NN_LAYER_SPARSE, 8, 8, 1, 0.5f},
    {NN_LAYER_SPARSE, 12, 5, 1, 0.25f}, {NN_LAYER_SPARSE, 16, 16, 1, 1.0f},
    {NN_LAYER_SPARSE, 3, 7, 1, 0.1f},
};
#define NSHAPES (int)(sizeof shapes / sizeof shapes[0])

typedef struct {
    nn_layer l;
    float *params, *grads;
    size_t np;
} test_layer;

static void make_layer(test_layer *t, shape s, uint64_t seed) {
    memset(t, 0, sizeof *t);
    if (nn_layer_check(s.kind, s.in, s.out, s.ndyad, NULL) != NN_OK)
        fail_msg("%s %d->%d /%d rejected", nn_layer_kind_name(s.kind), s.in, s.out, s.ndyad);
    t->np = nn_layer_param_count(s.kind, s.in, s.out, s.ndyad);
    t->params = calloc(t->np, sizeof(float));
    t->grads = calloc(t->np, sizeof(float));
    assert_non_null(t->params);
    assert_non_null(t->grads);
    t->l.kind = s.kind;
    t->l.in = s.in;
    t->l.out = s.out;
    t->l.ndyad = s.ndyad;
    t->l.density = s.density;
    nn_layer_bind(&t->l, t->params, t->grads);
    nn_rng r;
    nn_rng_seed(&r, seed);
    nn_layer_init(&t->l, &r);
}

static void free_layer(test_layer *t) {
    free(t->params);
    free(t->grads);
}

static const float *tensor(const test_layer *t, const char *name) {
    for (int i = 0; i < t->l.tensors.count; i++)
        if (!strcmp(t->l.tensors.t[i].name, name)) return t->params + t->l.tensors.t[i].offset;
    fail_msg("%s has no tensor %s", nn_layer_kind_name(t->l.kind), name);
    return NULL;
}

static int is_mask(const test_layer *t, size_t p) {
    for (int i = 0; i < t->l.tensors.count; i++) {
        const nn_layer_tensor *lt = &t->l.tensors.t[i];
        if (!strcmp(lt->name, "mask") && p >= lt->offset && p < lt->offset + lt->count) return 1;
    }
    return 0;
}

/* c (n x m) = a (n x k) b (k x m), double. */
static void matmul(const double *a, const double *b, double *c, int n, int k, int m) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++) {
            double acc = 0;
            for (int e = 0; e < k; e++) acc += a[i * k + e] * b[e * m + j];
            c[i * m + j] = acc;
        }
}

/* The stride permutation P_n for N blocks, s = n/N: P[t*N + i][i*s + t] = 1. */
static void stride_permutation(double *p, int n, int N, int transpose) {
    int s = n / N;
    memset(p, 0, sizeof(double) * n * n);
    for (int i = 0; i < N; i++)
        for (int t = 0; t < s; t++) {
            int row = t * N + i, col = i * s + t;
            p[transpose ? col * n + row : row * n + col] = 1.0;
        }
}

/* The documented W (out x in), in double. */
static void doc_weight(const test_layer *t, double *w) {
    const nn_layer *l = &t->l;
    int in = l->in, out = l->out, N = l->ndyad;
    memset(w, 0, sizeof(double) * in * out);
    switch (l->kind) {
    case NN_LAYER_BLOCKDIAG: {
        const float *wl = tensor(t, "wl");
        int a = in / N, b = out / N;
        for (int k = 0; k < N; k++)
            for (int j = 0; j < b; j++)
                for (int i = 0; i < a; i++) w[(k * b + j) * in + k * a + i] = wl[(k * b + j) * a + i];
        break;
    }
    case NN_LAYER_MONARCH: {
        int mid = in > out ? in : out, a = in / N, b = out / N, q = mid / N;
        const float *r1 = tensor(t, "blkdiag1"), *l2 = tensor(t, "blkdiag2");
        double *R = calloc((size_t)mid * in, sizeof(double));
        double *L = calloc((size_t)out * mid, sizeof(double));
        double *Pm = malloc(sizeof(double) * mid * mid), *Po = malloc(sizeof(double) * out * out);
        double *t1 = malloc(sizeof(double) * mid * in), *t2 = malloc(sizeof(double) * out * in);
        for (int k = 0; k < N; k++) {
            for (int j = 0; j < q; j++)
                for (int i = 0; i < a; i++) R[(k * q + j) * in + k * a + i] = r1[(k * q + j) * a + i];
            for (int j = 0; j < b; j++)
                for (int i = 0; i < q; i++) L[(k * b + j) * mid + k * q + i] = l2[(k * b + j) * q + i];
        }
        stride_permutation(Pm, mid, N, 1); /* P_mid^T */
        stride_permutation(Po, out, N, 0);
        matmul(Pm, R, t1, mid, mid, in); /* P^T R */
        matmul(L, t1, t2, out, mid, in); /* L P^T R */
        matmul(Po, t2, w, out, out, in); /* P L P^T R */
        free(R), free(L), free(Pm), free(Po), free(t1), free(t2);
        break;
    }
    case NN_LAYER_LOWRANK: {
        const float *u = tensor(t, "u"), *v = tensor(t, "v");
        for (int o = 0; o < out; o++)
            for (int i = 0; i < in; i++)
                for (int k = 0; k < N; k++) w[o * in + i] += (double)u[o * N + k] * v[k * in + i];
        break;
    }
    case NN_LAYER_SPARSE: {
        const float *wt = tensor(t, "weight"), *m = tensor(t, "mask");
        for (int e = 0; e < in * out; e++) w[e] = (double)wt[e] * m[e];
        break;
    }
    default: fail();
    }
}

static void doc_forward(const test_layer *t, const double *w, const float *x, double *y,
                        int batch, int relu) {
    const nn_layer *l = &t->l;
    for (int o = 0; o < l->out; o++)
        for (int s = 0; s < batch; s++) {
            double acc = l->param.bias[o];
            for (int c = 0; c < l->in; c++) acc += w[o * l->in + c] * x[c * batch + s];
            y[o * batch + s] = relu && acc < 0 ? 0 : acc;
        }
}

static void random_fill(float *v, size_t n, nn_rng *r) {
    for (size_t e = 0; e < n; e++) v[e] = 2.0f * nn_rng_uniform(r) - 1.0f;
}

static const char *label(shape s) {
    static char buf[64];
    snprintf(buf, sizeof buf, "%s %d->%d /%d d=%g", nn_layer_kind_name(s.kind), s.in, s.out, s.ndyad,
             (double)s.density);
    return buf;
}

static void test_forward_matches_documented_weight(void **state) {
    (void)state;
    nn_compute *pool;
    assert_int_equal(nn_compute_create(&pool, 2, NULL), NN_OK);
    const int batches[] = {1, 7, 64};
    for (int si = 0; si < NSHAPES; si++)
        for (int bi = 0; bi < 3; bi++)
            for (int path = 0; path < 2; path++) {
                shape s = shapes[si];
                int batch = batches[bi], relu = (bi + path) % 2;
                test_layer t;
                make_layer(&t, s, 100 + si);
                t.l.relu = relu;
                nn_rng r;
                nn_rng_seed(&r, 7 + bi);
                float *x = malloc(sizeof(float) * s.in * batch);
                float *y = malloc(sizeof(float) * s.out * batch);
                double *w = malloc(sizeof(double) * s.in * s.out);
                double *yref = malloc(sizeof(double) * s.out * batch);
                random_fill(x, (size_t)s.in * batch, &r);
                nn_layer_forward(&t.l, x, y, batch, path ? pool : NULL);
                doc_weight(&t, w);
                doc_forward(&t, w, x, yref, batch, relu);
                double num = 0, den = 1e-30;
                for (int e = 0; e < s.out * batch; e++) {
                    num += (y[e] - yref[e]) * (y[e] - yref[e]);
                    den += yref[e] * yref[e];
                }
                if (sqrt(num / den) > 1e-5)
                    fail_msg("%s batch %d path %d: relative error %g", label(s), batch, path,
                             sqrt(num / den));
                free(x), free(y), free(w), free(yref);
                free_layer(&t);
            }
    nn_compute_free(pool);
}

static void test_materialised_weight_matches_definition(void **state) {
    (void)state;
    for (int si = 0; si < NSHAPES; si++) {
        shape s = shapes[si];
        test_layer t;
        make_layer(&t, s, 200 + si);
        float *w = malloc(sizeof(float) * s.in * s.out);
        double *wref = malloc(sizeof(double) * s.in * s.out);
        nn_layer_dense_weight(&t.l, w);
        doc_weight(&t, wref);
        for (int e = 0; e < s.in * s.out; e++)
            if (fabs(w[e] - wref[e]) > 1e-5)
                fail_msg("%s: W[%d] = %g, definition %g", label(s), e, w[e], wref[e]);
        free(w), free(wref);
        free_layer(&t);
    }
}

/* Rank of a (rows x cols) matrix by Gaussian elimination with pivoting. */
static int matrix_rank(double *m, int rows, int cols) {
    double scale = 0;
    for (int e = 0; e < rows * cols; e++) scale = fmax(scale, fabs(m[e]));
    int rank = 0;
    for (int c = 0; c < cols && rank < rows; c++) {
        int piv = rank;
        for (int r = rank; r < rows; r++)
            if (fabs(m[r * cols + c]) > fabs(m[piv * cols + c])) piv = r;
        if (fabs(m[piv * cols + c]) <= 1e-9 * scale) continue;
        for (int k = 0; k < cols; k++) {
            double tmp = m[rank * cols + k];
            m[rank * cols + k] = m[piv * cols + k];
            m[piv * cols + k] = tmp;
        }
        for (int r = rank + 1; r < rows; r++) {
            double f = m[r * cols + c] / m[rank * cols + c];
            for (int k = c; k < cols; k++) m[r * cols + k] -= f * m[rank * cols + k];
        }
        rank++;
    }
    return rank;
}

/* W's zero pattern is what each header documents and nn_layer_weight_part says:
 * blockdiag the N diagonal blocks (1/N of W), monarch dense when q >= N,
 * lowrank no zeros and rank exactly R, sparse exactly round(D in out) kept
 * entries, where the mask is. Random weights: a structural nonzero is never
 * zero. */
static void test_zero_pattern_and_rank(void **state) {
    (void)state;
    for (int si = 0; si < NSHAPES; si++) {
        shape s = shapes[si];
        test_layer t;
        make_layer(&t, s, 300 + si);
        double *w = malloc(sizeof(double) * s.in * s.out);
        doc_weight(&t, w);
        size_t nonzero = 0;
        for (int row = 0; row < s.out; row++)
            for (int col = 0; col < s.in; col++) {
                int part = nn_layer_weight_part(&t.l, row, col);
                int nz = w[row * s.in + col] != 0.0;
                if (part != 0 && part != 1) fail_msg("%s: weight_part %d", label(s), part);
                if (nz != part)
                    fail_msg("%s: W[%d][%d] = %g but weight_part says %d", label(s), row, col,
                             w[row * s.in + col], part);
                nonzero += nz;
            }
        size_t cells = (size_t)s.in * s.out;
        int mid = s.in > s.out ? s.in : s.out;
        assert_int_equal(nn_layer_kind_get(s.kind)->nonzeros(&t.l), nonzero); /* the closed form */
        switch (s.kind) {
        case NN_LAYER_BLOCKDIAG:
            assert_int_equal(nonzero, cells / s.ndyad);
            for (int row = 0; row < s.out; row++)
                for (int col = 0; col < s.in; col++)
                    assert_int_equal(nn_layer_weight_part(&t.l, row, col),
                                     row / (s.out / s.ndyad) == col / (s.in / s.ndyad));
            break;
        case NN_LAYER_MONARCH:
            if (mid / s.ndyad >= s.ndyad) assert_int_equal(nonzero, cells);
            else assert_true(nonzero < cells);
            break;
        case NN_LAYER_LOWRANK:
            assert_int_equal(nonzero, cells);
            assert_int_equal(matrix_rank(w, s.out, s.in), s.ndyad);
            break;
        case NN_LAYER_SPARSE: {
            size_t want = (size_t)llround((double)s.density * cells);
            assert_int_equal(nonzero, want < 1 ? 1 : want);
            break;
        }
        default: fail();
        }
        /* parameters the kind trains: what its header says */
        size_t trained = nn_layer_trained_count(&t.l);
        size_t weights = s.kind == NN_LAYER_BLOCKDIAG ? cells / s.ndyad
                         : s.kind == NN_LAYER_MONARCH ? (size_t)mid * (s.in + s.out) / s.ndyad
                         : s.kind == NN_LAYER_LOWRANK ? (size_t)s.ndyad * (s.in + s.out)
                                                   : nonzero;
        assert_int_equal(trained, weights + s.out);
        free(w);
        free_layer(&t);
    }
}

/* Loss sum(G .* y): every parameter enters y linearly (Monarch's W is a sum
 * of products of one blkdiag1 and one blkdiag2 entry), so a central
 * difference in double is exact up to rounding. The sparse mask is not a
 * parameter: its gradient stays zero. */
static void test_backward_matches_finite_differences(void **state) {
    (void)state;
    const int batch = 5;
    for (int si = 0; si < NSHAPES; si++) {
        shape s = shapes[si];
        test_layer t;
        make_layer(&t, s, 400 + si);
        nn_rng r;
        nn_rng_seed(&r, 11);
        float *x = malloc(sizeof(float) * s.in * batch);
        float *gy = malloc(sizeof(float) * s.out * batch);
        float *dx = malloc(sizeof(float) * s.in * batch);
        random_fill(x, (size_t)s.in * batch, &r);
        random_fill(gy, (size_t)s.out * batch, &r);
        nn_layer_backward(&t.l, x, gy, dx, batch, NULL);
        double *w = malloc(sizeof(double) * s.in * s.out);
        double *y = malloc(sizeof(double) * s.out * batch);
        const double h = 1e-2;
#define LOSS(out_var)                                                                    \
    do {                                                                                 \
        doc_weight(&t, w);                                                               \
        doc_forward(&t, w, x, y, batch, 0);                                              \
        out_var = 0;                                                                     \
        for (int e = 0; e < s.out * batch; e++) out_var += (double)gy[e] * y[e];         \
    } while (0)
        for (size_t p = 0; p < t.np; p++) {
            if (is_mask(&t, p)) {
                assert_true(t.grads[p] == 0.0f);
                continue;
            }
            float keep = t.params[p];
            double lp, lm;
            t.params[p] = keep + (float)h;
            LOSS(lp);
            t.params[p] = keep - (float)h;
            LOSS(lm);
            t.params[p] = keep;
            double fd = (lp - lm) / (2 * h);
            if (fabs(fd - t.grads[p]) > 1e-4 * (1 + fabs(fd)))
                fail_msg("%s: param %zu grad %g, finite difference %g", label(s), p, t.grads[p], fd);
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
                fail_msg("%s: dx[%d] %g, finite difference %g", label(s), e, dx[e], fd);
        }
#undef LOSS
        free(x), free(gy), free(dx), free(w), free(y);
        free_layer(&t);
    }
}

/* The training step's fused path (ReLU mask, dW into the velocity, update) on
 * a pool and with OpenBLAS threads, against plain gradients and the update
 * written out here. The mask's velocity starts (and must stay) zero. */
static void test_fused_sgd_matches_gradients(void **state) {
    (void)state;
    const float lr = 0.1f, momentum = 0.9f, wd = 0.01f;
    for (int path = 0; path < 3; path++) {
        nn_compute *c = NULL;
        if (path) {
            assert_int_equal(nn_compute_create(&c, 2, NULL), NN_OK);
            nn_compute_set_threading(c, path == 1 ? NN_THREADING_POOL : NN_THREADING_BLAS);
        }
        for (int si = 0; si < NSHAPES; si++) {
            shape s = shapes[si];
            const int batch = 7;
            test_layer ref, fused;
            make_layer(&ref, s, 900 + si);
            make_layer(&fused, s, 900 + si);
            ref.l.relu = fused.l.relu = 1;
            size_t np = ref.np;
            float *vel_ref = malloc(np * sizeof(float)), *vel = malloc(np * sizeof(float));
            nn_rng r;
            nn_rng_seed(&r, 21);
            random_fill(vel_ref, np, &r);
            for (size_t e = 0; e < np; e++) /* as in training: zero where nothing trains */
                if (is_mask(&ref, e) || (s.kind == NN_LAYER_SPARSE && e < (size_t)s.in * s.out &&
                                         tensor(&ref, "mask")[e] == 0.0f))
                    vel_ref[e] = 0;
            memcpy(vel, vel_ref, np * sizeof(float));
            size_t nx = (size_t)s.in * batch, ny = (size_t)s.out * batch;
            float *x = malloc(nx * sizeof(float)), *y = malloc(ny * sizeof(float));
            float *dy1 = malloc(ny * sizeof(float)), *dy2 = malloc(ny * sizeof(float));
            float *dx1 = malloc(nx * sizeof(float)), *dx2 = malloc(nx * sizeof(float));
            random_fill(x, nx, &r);
            random_fill(dy1, ny, &r);
            memcpy(dy2, dy1, ny * sizeof(float));
            nn_layer_forward(&ref.l, x, y, batch, NULL);
            for (size_t e = 0; e < ny; e++)
                if (y[e] <= 0) dy1[e] = 0;
            nn_layer_backward(&ref.l, x, dy1, dx1, batch, NULL);
            for (int ti = 0; ti < ref.l.tensors.count; ti++) {
                const nn_layer_tensor *lt = &ref.l.tensors.t[ti];
                for (size_t e = lt->offset; e < lt->offset + lt->count; e++) {
                    vel_ref[e] = momentum * vel_ref[e] + ref.grads[e];
                    ref.params[e] -= lr * (vel_ref[e] + (lt->decay ? wd : 0) * ref.params[e]);
                }
            }
            nn_layer_sgd sgd = {.velocity = vel, .lr = lr, .momentum = momentum, .weight_decay = wd};
            nn_layer_backward_step(&fused.l, x, y, dy2, dx2, batch, c, &sgd);
            for (size_t e = 0; e < nx; e++) assert_float_equal(dx1[e], dx2[e], 1e-5);
            for (size_t e = 0; e < np; e++) {
                if (fabs(vel_ref[e] - vel[e]) > 1e-5 || fabs(ref.params[e] - fused.params[e]) > 1e-6)
                    fail_msg("%s path %d: param %zu %g vs %g, velocity %g vs %g", label(s), path, e,
                             ref.params[e], fused.params[e], vel_ref[e], vel[e]);
            }
            if (s.kind == NN_LAYER_SPARSE) { /* masked weights stay exactly zero */
                const float *m = tensor(&fused, "mask"), *wt = tensor(&fused, "weight");
                for (int e = 0; e < s.in * s.out; e++)
                    if (m[e] == 0.0f) assert_true(wt[e] == 0.0f);
            }
            free(vel_ref), free(vel), free(x), free(y), free(dy1), free(dy2), free(dx1), free(dx2);
            free_layer(&ref);
            free_layer(&fused);
        }
        nn_compute_free(c);
    }
}

/* Big enough that the pool splits single GEMMs by rows (lowrank) and runs
 * blocks side by side (monarch): pooled == serial. */
static void test_pool_matches_serial_wide(void **state) {
    (void)state;
    const shape wide[] = {{NN_LAYER_MONARCH, 256, 512, 4, 0}, {NN_LAYER_LOWRANK, 512, 256, 64, 0},
                          {NN_LAYER_BLOCKDIAG, 512, 512, 8, 0}, {NN_LAYER_SPARSE, 256, 512, 1, 0.3f}};
    nn_compute *c;
    assert_int_equal(nn_compute_create(&c, 2, NULL), NN_OK);
    const int batch = 64;
    for (int si = 0; si < 4; si++) {
        shape s = wide[si];
        test_layer a, b;
        make_layer(&a, s, 5);
        make_layer(&b, s, 5);
        nn_rng r;
        nn_rng_seed(&r, 3);
        size_t nx = (size_t)s.in * batch, ny = (size_t)s.out * batch;
        float *x = malloc(nx * 4), *dy = malloc(ny * 4), *y1 = malloc(ny * 4), *y2 = malloc(ny * 4);
        float *dx1 = malloc(nx * 4), *dx2 = malloc(nx * 4);
        random_fill(x, nx, &r);
        random_fill(dy, ny, &r);
        nn_layer_forward(&a.l, x, y1, batch, NULL);
        nn_layer_forward(&b.l, x, y2, batch, c);
        nn_layer_backward(&a.l, x, dy, dx1, batch, NULL);
        nn_layer_backward(&b.l, x, dy, dx2, batch, c);
        for (size_t e = 0; e < ny; e++) assert_float_equal(y1[e], y2[e], 1e-4);
        for (size_t e = 0; e < nx; e++) assert_float_equal(dx1[e], dx2[e], 1e-4);
        for (size_t e = 0; e < a.np; e++) assert_float_equal(a.grads[e], b.grads[e], 1e-3);
        free(x), free(dy), free(y1), free(y2), free(dx1), free(dx2);
        free_layer(&a);
        free_layer(&b);
    }
    nn_compute_free(c);
}

/* When the scratch for a whole batch cannot be had, Monarch and low-rank run
 * the batch in column chunks (gradients accumulated, then the unfused
 * update): same outputs, gradients and SGD step as the one-chunk path. */
static void test_chunked_passes_match(void **state) {
    (void)state;
    const shape cases[] = {{NN_LAYER_MONARCH, 12, 8, 4, 0}, {NN_LAYER_MONARCH, 9, 15, 3, 0},
                           {NN_LAYER_LOWRANK, 12, 5, 3, 0}, {NN_LAYER_LOWRANK, 8, 8, 2, 0}};
    const int caps[] = {1, 3, 4};
    const int batch = 10;
    for (int ci = 0; ci < 4; ci++)
        for (int k = 0; k < 3; k++)
            for (int with_sgd = 0; with_sgd < 2; with_sgd++) {
                shape s = cases[ci];
                int mon = s.kind == NN_LAYER_MONARCH;
                test_layer a, b;
                make_layer(&a, s, 70 + ci);
                make_layer(&b, s, 70 + ci);
                a.l.relu = b.l.relu = 1;
                nn_rng r;
                nn_rng_seed(&r, 9);
                size_t nx = (size_t)s.in * batch, ny = (size_t)s.out * batch;
                float *x = malloc(nx * 4), *dy = malloc(ny * 4), *y1 = malloc(ny * 4),
                      *y2 = malloc(ny * 4), *dx1 = malloc(nx * 4), *dx2 = malloc(nx * 4);
                float *v1 = calloc(a.np, 4), *v2 = calloc(a.np, 4);
                random_fill(x, nx, &r);
                random_fill(dy, ny, &r);
                random_fill(v1, a.np, &r);
                memcpy(v2, v1, a.np * 4);
                nn_layer_forward(&a.l, x, y1, batch, NULL);
                if (mon) nn_monarch_forward_cols(&b.l, x, y2, batch, NULL, caps[k]);
                else nn_lowrank_forward_cols(&b.l, x, y2, batch, NULL, caps[k]);
                for (size_t e = 0; e < ny; e++) assert_float_equal(y1[e], y2[e], 1e-5);
                nn_layer_sgd sg1 = {.velocity = v1, .lr = 0.1f, .momentum = 0.9f, .weight_decay = 0.01f};
                nn_layer_sgd sg2 = sg1;
                sg2.velocity = v2;
                const nn_layer_sgd *p1 = with_sgd ? &sg1 : NULL, *p2 = with_sgd ? &sg2 : NULL;
                nn_layer_kind_get(s.kind)->backward(&a.l, x, dy, dx1, batch, NULL, p1, NULL);
                if (mon) nn_monarch_backward_cols(&b.l, x, dy, dx2, batch, NULL, p2, caps[k]);
                else nn_lowrank_backward_cols(&b.l, x, dy, dx2, batch, NULL, p2, caps[k]);
                for (size_t e = 0; e < nx; e++) assert_float_equal(dx1[e], dx2[e], 1e-5);
                /* weights: gradients (no sgd) or the updated weights and velocity */
                size_t nw = a.np - (size_t)s.out;
                for (size_t e = 0; e < nw; e++) {
                    if (with_sgd) {
                        assert_float_equal(a.params[e], b.params[e], 1e-6);
                        assert_float_equal(v1[e], v2[e], 1e-5);
                    } else {
                        assert_float_equal(a.grads[e], b.grads[e], 1e-5);
                    }
                }
                free(x), free(dy), free(y1), free(y2), free(dx1), free(dx2), free(v1), free(v2);
                free_layer(&a);
                free_layer(&b);
            }
}

static void test_checks_and_init(void **state) {
    (void)state;
    assert_int_equal(nn_layer_check(NN_LAYER_BLOCKDIAG, 12, 8, 3, NULL), NN_ERR_ARG);
    assert_int_equal(nn_layer_check(NN_LAYER_MONARCH, 12, 8, 8, NULL), NN_ERR_ARG);
    assert_int_equal(nn_layer_check(NN_LAYER_LOWRANK, 12, 8, 9, NULL), NN_ERR_ARG);
    assert_int_equal(nn_layer_check(NN_LAYER_LOWRANK, 12, 8, 8, NULL), NN_OK);
    assert_int_equal(nn_layer_check(NN_LAYER_LOWRANK, 12, 8, 0, NULL), NN_ERR_ARG);
    assert_int_equal(nn_layer_check(NN_LAYER_SPARSE, 12, 8, 2, NULL), NN_ERR_ARG);
    /* closed-form reach of a 2^20-wide Monarch (no parameters needed): q = N reaches all
     * of W, q = 1 only N of the N^2 (row class, column block) pairs */
    nn_layer huge = {.kind = NN_LAYER_MONARCH, .in = 1 << 20, .out = 1 << 20, .ndyad = 1 << 10};
    assert_int_equal(nn_layer_kind_get(NN_LAYER_MONARCH)->nonzeros(&huge), (size_t)1 << 40);
    huge.ndyad = 1 << 20;
    assert_int_equal(nn_layer_kind_get(NN_LAYER_MONARCH)->nonzeros(&huge), (size_t)1 << 20);
    /* the same seed gives the same mask; another seed another one */
    shape s = {NN_LAYER_SPARSE, 64, 32, 1, 0.25f};
    test_layer a, b, c;
    make_layer(&a, s, 1);
    make_layer(&b, s, 1);
    make_layer(&c, s, 2);
    assert_memory_equal(a.params, b.params, a.np * sizeof(float));
    assert_memory_not_equal(tensor(&a, "mask"), tensor(&c, "mask"), 64 * 32 * sizeof(float));
    free_layer(&a), free_layer(&b), free_layer(&c);
    /* each factor within +-1/sqrt(its fan-in) */
    test_layer m;
    make_layer(&m, (shape){NN_LAYER_MONARCH, 64, 128, 4, 0}, 3);
    const float *r1 = tensor(&m, "blkdiag1"), *l2 = tensor(&m, "blkdiag2");
    float max1 = 0, max2 = 0;
    for (int e = 0; e < 4 * 32 * 16; e++) max1 = fmaxf(max1, fabsf(r1[e]));
    for (int e = 0; e < 4 * 32 * 32; e++) max2 = fmaxf(max2, fabsf(l2[e]));
    assert_true(max1 <= 1.0f / 4.0f && max1 > 0.2f);               /* fan-in 16 */
    assert_true(max2 <= 1.0f / sqrtf(32.0f) && max2 > 0.15f);      /* fan-in 32 */
    free_layer(&m);
}

static void test_parse_layers(void **state) {
    (void)state;
    nn_layer_spec specs[8];
    nn_error err;
    int n = nn_mlp_parse_layers("blockdiag/8:1024,monarch/4:1024,lowrank/64:1024,sparse/0.25:1024,dense:10",
                             specs, 8, &err);
    assert_int_equal(n, 5);
    assert_int_equal(specs[0].kind, NN_LAYER_BLOCKDIAG);
    assert_int_equal(specs[0].ndyad, 8);
    assert_int_equal(specs[1].kind, NN_LAYER_MONARCH);
    assert_int_equal(specs[1].ndyad, 4);
    assert_int_equal(specs[2].kind, NN_LAYER_LOWRANK);
    assert_int_equal(specs[2].ndyad, 64);
    assert_int_equal(specs[3].kind, NN_LAYER_SPARSE);
    assert_int_equal(specs[3].ndyad, 1);
    assert_true(specs[3].density == 0.25f);
    assert_int_equal(nn_mlp_check_specs(784, specs, n, &err), NN_OK);
    const char *bad[] = {"sparse:1024,dense:10", "sparse/0:1024,dense:10",
                         "sparse/1.5:1024,dense:10", "sparse/-1:1024,dense:10",
                         "sparse/abc:1024,dense:10", "lowrank:64,dense:10",
                         "blockdiag/0.5:64,dense:10", "monarch:64,dense:10"};
    for (int i = 0; i < (int)(sizeof bad / sizeof bad[0]); i++)
        if (nn_mlp_parse_layers(bad[i], specs, 8, &err) >= 0) fail_msg("'%s' parsed", bad[i]);
    /* parsed, but does not fit the widths */
    assert_int_equal(nn_mlp_parse_layers("lowrank/900:1024,dense:10", specs, 8, &err), 2);
    assert_int_equal(nn_mlp_check_specs(784, specs, 2, &err), NN_ERR_ARG);
    assert_int_equal(nn_mlp_parse_layers("monarch/3:1024,dense:10", specs, 8, &err), 2);
    assert_int_equal(nn_mlp_check_specs(784, specs, 2, &err), NN_ERR_ARG);
}

/* Every kind in one net: save, load, same parameters and outputs; dyad.layers
 * names kind and parameter; a broken mask is refused with the file's name. */
static void test_checkpoint_round_trip(void **state) {
    (void)state;
    nn_layer_spec specs[8];
    nn_error err;
    int n = nn_mlp_parse_layers("blockdiag/4:32,monarch/4:48,lowrank/8:24,sparse/0.3:16,dense:10", specs,
                             8, &err);
    assert_int_equal(n, 5);
    nn_mlp net;
    assert_int_equal(nn_mlp_create(&net, 48, specs, n, 0, &err), NN_OK);
    nn_mlp_init(&net, 17);
    char *dir = test_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/kinds.safetensors", dir);
    assert_int_equal(nn_checkpoint_save(path, &net, NULL, &err), NN_OK);
    nn_mlp back;
    if (nn_checkpoint_load(path, &back, NULL, &err) != NN_OK) fail_msg("%s", err.msg);
    assert_int_equal(back.nparams, net.nparams);
    assert_memory_equal(back.params, net.params, net.nparams * sizeof(float));
    char d1[256], d2[256];
    nn_mlp_describe(&net, d1, sizeof d1);
    nn_mlp_describe(&back, d2, sizeof d2);
    assert_string_equal(d1, "48 -> blockdiag/4:32 -> monarch/4:48 -> lowrank/8:24 -> sparse/0.3:16 -> dense:10");
    assert_string_equal(d1, d2);
    assert_true(back.layers[3].density == 0.3f);
    assert_int_equal(nn_mlp_reserve(&net, 3, &err), NN_OK);
    assert_int_equal(nn_mlp_reserve(&back, 3, &err), NN_OK);
    for (int e = 0; e < 48 * 3; e++) net.acts[0][e] = back.acts[0][e] = (float)(e % 7) / 7.0f;
    const float *y1 = nn_mlp_forward(&net, 3), *y2 = nn_mlp_forward(&back, 3);
    assert_memory_equal(y1, y2, 10 * 3 * sizeof(float));
    nn_mlp_free(&back);

    /* the header names each kind and its parameter */
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char file[1 << 16];
    size_t got = fread(file, 1, sizeof file - 1, f);
    fclose(f);
    file[got] = 0;
    const char *header = file + 8;
    assert_non_null(strstr(header, "\\\"kind\\\":\\\"monarch\\\",\\\"ndyad\\\":4"));
    assert_non_null(strstr(header, "\\\"kind\\\":\\\"lowrank\\\",\\\"ndyad\\\":8"));
    assert_non_null(strstr(header, "\\\"density\\\":0.3}"));
    assert_non_null(strstr(header, "\"layers.1.blkdiag1\":{\"dtype\":\"F32\",\"shape\":[4,12,8]"));
    assert_non_null(strstr(header, "\"layers.1.blkdiag2\":{\"dtype\":\"F32\",\"shape\":[4,12,12]"));
    assert_non_null(strstr(header, "\"layers.2.u\":{\"dtype\":\"F32\",\"shape\":[24,8]"));
    assert_non_null(strstr(header, "\"layers.3.mask\":{\"dtype\":\"F32\",\"shape\":[16,24]"));

    /* a mask entry that is neither 0 nor 1, then a mask with one entry too few */
    float *mask = net.layers[3].params + net.layers[3].tensors.t[1].offset;
    size_t one = 0;
    while (mask[one] != 1.0f) one++;
    mask[one] = 0.5f;
    assert_int_equal(nn_checkpoint_save(path, &net, NULL, &err), NN_OK);
    assert_int_equal(nn_checkpoint_load(path, &back, NULL, &err), NN_ERR_FORMAT);
    assert_non_null(strstr(err.msg, path));
    assert_non_null(strstr(err.msg, "mask"));
    mask[one] = 0.0f;
    net.layers[3].param.weight[one] = 0.0f;
    assert_int_equal(nn_checkpoint_save(path, &net, NULL, &err), NN_OK);
    assert_int_equal(nn_checkpoint_load(path, &back, NULL, &err), NN_ERR_FORMAT);
    assert_non_null(strstr(err.msg, "keeps"));
    nn_mlp_free(&net);
    test_tmpdir_remove(dir);
}

/* Replaces the first `from` in the file with `to` (same length). */
static void patch_file(const char *path, const char *from, const char *to) {
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    assert_int_equal(strlen(from), strlen(to));
    size_t len = strlen(from);
    char *at = NULL;
    for (size_t i = 0; !at && i + len <= n; i++)
        if (!memcmp(buf + i, from, len)) at = buf + i;
    if (!at) fail_msg("no %s in %s", from, path);
    memcpy(at, to, strlen(to));
    assert_int_equal(test_write_file(path, buf, n), 0);
}

/* dyad.layers that do not fit a kind: one clear error naming the file. */
static void test_bad_kind_metadata(void **state) {
    (void)state;
    const struct {
        const char *from, *to, *says;
    } cases[] = {
        {"\\\"density\\\":0.3}", "\\\"density\\\":1.3}", "density"},
        {"\\\"density\\\":0.3}", "\\\"densitx\\\":0.3}", "needs 'density'"},
        {"\\\"lowrank\\\",\\\"ndyad\\\":12", "\\\"lowrank\\\",\\\"ndyad\\\":99", "rank 99"},
        {"\\\"monarch\\\",\\\"ndyad\\\":4", "\\\"monarch\\\",\\\"ndyad\\\":5", "divide"},
    };
    char *dir = test_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/m.safetensors", dir);
    for (int i = 0; i < 4; i++) {
        nn_layer_spec specs[4];
        nn_error err;
        assert_int_equal(nn_mlp_parse_layers("monarch/4:32,lowrank/12:24,sparse/0.3:16,dense:10", specs,
                                          4, &err), 4);
        nn_mlp net;
        assert_int_equal(nn_mlp_create(&net, 48, specs, 4, 0, &err), NN_OK);
        nn_mlp_init(&net, 5);
        assert_int_equal(nn_checkpoint_save(path, &net, NULL, &err), NN_OK);
        nn_mlp_free(&net);
        patch_file(path, cases[i].from, cases[i].to);
        if (nn_checkpoint_load(path, &net, NULL, &err) == NN_OK) fail_msg("case %d loaded", i);
        if (!strstr(err.msg, path) || !strstr(err.msg, cases[i].says))
            fail_msg("case %d: %s", i, err.msg);
    }
    test_tmpdir_remove(dir);
}

/* Checkpoints written before these kinds existed still load. */
static void test_old_checkpoints_load(void **state) {
    (void)state;
    const char *files[] = {"assets/dyad.safetensors", "assets/dense.safetensors"};
    for (int i = 0; i < 2; i++) {
        nn_mlp net;
        nn_error err;
        if (nn_checkpoint_load(files[i], &net, NULL, &err) != NN_OK) fail_msg("%s", err.msg);
        for (int l = 0; l < net.nlayers; l++) assert_true(net.layers[l].density == 0.0f);
        nn_mlp_free(&net);
    }
}

/* Matching DYAD's parameter count: each kind's parameter lands within one
 * step of it, and no neighbouring parameter is closer. */
static void test_match_params(void **state) {
    (void)state;
    const int dims[][2] = {{784, 1024}, {1024, 1024}, {1024, 10}, {96, 64}};
    const int ns[] = {2, 4, 8};
    for (int di = 0; di < 4; di++)
        for (int ni = 0; ni < 3; ni++) {
            int in = dims[di][0], out = dims[di][1], nd = ns[ni];
            if (in % nd || out % nd) continue;
            nn_layer_match m[NN_LAYER_KIND_COUNT];
            int count = nn_layer_match_params(NN_LAYER_DYAD_IT, nd, 0.0f, in, out, m, NN_LAYER_KIND_COUNT);
            size_t target = 2 * (size_t)in * out / nd;
            assert_true(count >= 4);
            for (int i = 0; i < count; i++) {
                double err = fabs((double)m[i].weights - (double)target);
                switch (m[i].kind) {
                case NN_LAYER_LOWRANK:
                    assert_true(err <= (in + out) / 2.0 || m[i].ndyad == (in < out ? in : out));
                    break;
                case NN_LAYER_SPARSE:
                    assert_true(err <= 0.5 + 1e-9 * target);
                    assert_int_equal(m[i].weights, (size_t)llround((double)m[i].density * in * out));
                    break;
                case NN_LAYER_BLOCKDIAG:
                case NN_LAYER_MONARCH:
                    assert_int_equal(nn_layer_check(m[i].kind, in, out, m[i].ndyad, NULL), NN_OK);
                    break;
                default: break;
                }
            }
        }
    /* the square case is exact for every kind */
    nn_layer_match m[NN_LAYER_KIND_COUNT];
    int count = nn_layer_match_params(NN_LAYER_DYAD_IT, 4, 0.0f, 1024, 1024, m, NN_LAYER_KIND_COUNT);
    for (int i = 0; i < count; i++) {
        assert_int_equal(m[i].weights, 2 * 1024 * 1024 / 4);
        if (m[i].kind == NN_LAYER_BLOCKDIAG) assert_int_equal(m[i].ndyad, 2);
        if (m[i].kind == NN_LAYER_MONARCH) assert_int_equal(m[i].ndyad, 4);
        if (m[i].kind == NN_LAYER_LOWRANK) assert_int_equal(m[i].ndyad, 256);
        if (m[i].kind == NN_LAYER_SPARSE) assert_true(m[i].density == 0.5f);
    }
}

/* The heatmap of every kind is the W nn/ materialises, grey exactly at its
 * structural zeros; heat_layer_row (receptive fields) agrees row by row. */
static void test_heatmap_shows_materialised_weight(void **state) {
    (void)state;
    for (int si = 0; si < NSHAPES; si++) {
        shape s = shapes[si];
        test_layer t;
        make_layer(&t, s, 600 + si);
        heat_matrix m;
        nn_error err;
        assert_false(heat_layer_has_parts(&t.l));
        if (heat_matrix_build(&m, &t.l, HEAT_PART_BOTH, 0, &err) != NN_OK) fail_msg("%s", err.msg);
        assert_int_equal(m.rows, s.out);
        assert_int_equal(m.cols, s.in);
        float *w = malloc(sizeof(float) * s.in * s.out), *row = malloc(sizeof(float) * s.in);
        unsigned char *part = malloc((size_t)s.in);
        nn_layer_dense_weight(&t.l, w);
        for (int r = 0; r < s.out; r++) {
            heat_layer_row(&t.l, r, HEAT_PART_BOTH, row, part);
            for (int c = 0; c < s.in; c++) {
                int e = r * s.in + c, want = nn_layer_weight_part(&t.l, r, c) != 0;
                assert_true(m.value[e] == w[e] && row[c] == w[e]);
                assert_int_equal(m.part[e], want);
                assert_int_equal(part[c], want);
            }
        }
        free(w), free(row), free(part);
        heat_matrix_free(&m);
        free_layer(&t);
    }
}

/* The program on a checkpoint of the new kinds: info names each kind's
 * parameter and structure; heatmap (weights, receptive fields) and the
 * window (headless, Weights then Receptive fields) run; train --match-params
 * prints the README's --layers line; bench times every kind. */
static void test_commands_on_every_kind(void **state) {
    (void)state;
    const char *bin = test_dyad_bin();
    if (access(bin, X_OK) != 0) {
        print_message("%s not built: skipped (set DYAD_BIN)\n", bin);
        skip();
    }
    nn_layer_spec specs[4];
    nn_error err;
    int n = nn_mlp_parse_layers("monarch/4:32,lowrank/4:16,sparse/0.5:16,dense:10", specs, 4, &err);
    assert_int_equal(n, 4);
    nn_mlp net;
    assert_int_equal(nn_mlp_create(&net, 784, specs, n, 0, &err), NN_OK);
    nn_mlp_init(&net, 2);
    char *dir = test_tmpdir();
    char path[512], cmd[2048], out[16384];
    snprintf(path, sizeof path, "%s/k.safetensors", dir);
    assert_int_equal(nn_checkpoint_save(path, &net, NULL, &err), NN_OK);
    nn_mlp_free(&net);
    snprintf(cmd, sizeof cmd, "'%s' info '%s'", bin, path);
    if (test_run(cmd, out, sizeof out) != 0) fail_msg("%s", out);
    if (!strstr(out, "monarch") || !strstr(out, "lowrank") || !strstr(out, "0.5") ||
        !strstr(out, "D=50.00%") || !strstr(out, "rank<=4"))
        fail_msg("info:\n%s", out);
    for (int layer = 0; layer < 3; layer++) {
        snprintf(cmd, sizeof cmd, "'%s' heatmap '%s' --layer %d --out '%s/h%d.png'", bin, path,
                 layer, dir, layer);
        if (test_run(cmd, out, sizeof out) != 0) fail_msg("%s", out);
    }
    snprintf(cmd, sizeof cmd, "'%s' heatmap '%s' --layer 0 --receptive --out '%s/r.png'", bin, path,
             dir);
    if (test_run(cmd, out, sizeof out) != 0) fail_msg("%s", out);
    /* the window, headless: Weights tab after a stroke, then Receptive fields */
    char script[600];
    snprintf(script, sizeof script, "%s/rf.script", dir);
    const char *keys = "stroke 0.28,0.22 0.72,0.22 0.45,0.82\nkey 2\n";
    assert_int_equal(test_write_file(script, keys, strlen(keys)), 0);
    snprintf(cmd, sizeof cmd,
             "SDL_VIDEODRIVER=dummy '%s' draw --model '%s' --baseline assets/dense.safetensors "
             "--script '%s' --screenshot '%s/draw.png'", bin, path, script, dir);
    if (test_run(cmd, out, sizeof out) != 0 || !strstr(out, "predict k ")) fail_msg("draw:\n%s", out);
    /* Teaching tab: "this model" finds no DYAD layer in these kinds (no crash), then the
     * comparison of kinds */
    const char *teach_keys = "key 3\nkey l\nkey k\n";
    assert_int_equal(test_write_file(script, teach_keys, strlen(teach_keys)), 0);
    snprintf(cmd, sizeof cmd,
             "SDL_VIDEODRIVER=dummy '%s' draw --model '%s' --baseline assets/dense.safetensors "
             "--script '%s' --screenshot '%s/teach.png'", bin, path, script, dir);
    if (test_run(cmd, out, sizeof out) != 0) fail_msg("draw teach:\n%s", out);
    snprintf(cmd, sizeof cmd, "'%s' train --match-params dyad-it/4", bin);
    if (test_run(cmd, out, sizeof out) != 0) fail_msg("%s", out);
    if (!strstr(out, "lowrank/222:1024,lowrank/256:1024,dense:10")) fail_msg("match:\n%s", out);
    /* bench times every kind at DYAD-IT/4's weight count: 64 x 64 -> lowrank R 16, sparse 0.5 */
    snprintf(cmd, sizeof cmd, "'%s' bench --widths 64 --ndyad 4 --kinds all --repeats 1 --threads 1 "
             "--strategy pool --json", bin);
    if (test_run(cmd, out, sizeof out) != 0) fail_msg("%s", out);
    const char *rows[] = {"\"variant\":\"blockdiag\"", "\"param\":\"2\"", "\"variant\":\"monarch\"",
                          "\"variant\":\"lowrank\"", "\"param\":\"16\"", "\"param\":\"0.5\"",
                          "\"variant\":\"dyad-dt\""};
    for (int i = 0; i < 7; i++)
        if (!strstr(out, rows[i])) fail_msg("no %s in bench:\n%s", rows[i], out);
    test_tmpdir_remove(dir);
}

/* The teaching comparison draws, cell by cell, what the layers report:
 * blockdiag its N blocks, DYAD (2N-1)/N^2 of W, Monarch all of it at width
 * N^2, sparse exactly DYAD's count; bad configurations are refused. */
static void test_teach_compare(void **state) {
    (void)state;
    gfx_font *font;
    nn_error err;
    if (gfx_font_load(&font, NULL, &err) != NN_OK) fail_msg("%s", err.msg);
    gfx_image img;
    assert_int_equal(gfx_image_create(&img, 1500, 560, &err), NN_OK);
    gfx_rect r = {0, 0, 1500, 560};
    teach_compare_config c = {16, 4, NN_LAYER_DYAD_IT};
    if (teach_compare_draw(&img, r, font, &c, &err) != NN_OK) fail_msg("%s", err.msg);
    int reached[TEACH_COMPARE_PANELS] = {0};
    for (int p = 0; p < TEACH_COMPARE_PANELS; p++)
        for (int row = 0; row < 16; row++)
            for (int col = 0; col < 16; col++) {
                gfx_rect q = teach_compare_cell(r, &c, p, row, col);
                uint32_t px = img.px[(size_t)(q.y + q.h / 2) * img.w + q.x + q.w / 2];
                int on = px != TEACH_COMPARE_ZERO;
                reached[p] += on;
                if (p == 0) assert_int_equal(on, row / 4 == col / 4);
                if (p == 0 && on) assert_true(px == TEACH_COMPARE_DIAG);
                if (p == 2) assert_true(px == TEACH_COMPARE_MONARCH);
                if (p == 3 && on) assert_true(px == TEACH_COMPARE_SPARSE);
            }
    assert_int_equal(reached[0], 64);
    assert_int_equal(reached[1], 7 * 16); /* (2N-1)/N^2 of 256 */
    assert_int_equal(reached[2], 256);
    assert_int_equal(reached[3], 128);
    teach_compare_config bad[] = {{16, 3, NN_LAYER_DYAD_IT}, {7, 1, NN_LAYER_DYAD_IT},
                                  {16, 4, NN_LAYER_MONARCH}, {16, 4, NN_LAYER_DENSE}};
    for (int i = 0; i < 4; i++) assert_int_equal(teach_compare_draw(&img, r, font, &bad[i], &err), NN_ERR_ARG);
    assert_int_equal(teach_compare_draw(&img, (gfx_rect){0, 0, 200, 150}, font, &c, &err), NN_ERR_ARG);
    gfx_image_free(&img);
    gfx_font_free(font);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forward_matches_documented_weight),
        cmocka_unit_test(test_materialised_weight_matches_definition),
        cmocka_unit_test(test_zero_pattern_and_rank),
        cmocka_unit_test(test_backward_matches_finite_differences),
        cmocka_unit_test(test_fused_sgd_matches_gradients),
        cmocka_unit_test(test_pool_matches_serial_wide),
        cmocka_unit_test(test_chunked_passes_match),
        cmocka_unit_test(test_checks_and_init),
        cmocka_unit_test(test_parse_layers),
        cmocka_unit_test(test_checkpoint_round_trip),
        cmocka_unit_test(test_old_checkpoints_load),
        cmocka_unit_test(test_bad_kind_metadata),
        cmocka_unit_test(test_match_params),
        cmocka_unit_test(test_heatmap_shows_materialised_weight),
        cmocka_unit_test(test_commands_on_every_kind),
        cmocka_unit_test(test_teach_compare),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
