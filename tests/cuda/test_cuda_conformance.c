/* CUDA against CPU, test-backend-ops style: every layer kind at several
 * shapes, forward and every gradient (dx, each weight tensor, the bias) and
 * the fused SGD step, each compared by normalised error
 *   ||cuda - cpu|| / ||cpu||
 * and printed as a table; then the optimisers on their own, and one epoch of
 * training on an MNIST subset whose per-batch loss curve must match the
 * CPU's. Needs a GPU: built and run by `make test-cuda` (CUDA=1), not by
 * `make test`. FP32 only: TF32/BF16 change the maths on purpose. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../nn/cuda_sgemm.h"
#include "../../nn/dataset.h"
#include "../../nn/train.h"
#include "../support.h"

/* cuBLAS and OpenBLAS sum in different orders: normalised errors of FP32
 * GEMMs with k <= 1024 land near 1e-7; a wrong stride or a missed block
 * gives order 1. */
#define TOLERANCE 1e-5
/* Running mean loss after every batch, relative: float noise over an epoch
 * of updates stays far below; a wrong update does not. */
#define CURVE_TOLERANCE 1e-4
/* BF16 (8-bit mantissas) against the CPU's FP32 over the same epoch. */
#define BF16_CURVE_TOLERANCE 2e-2
#define BF16_PARAM_TOLERANCE 5e-2

static nn_compute *gpu;

static int setup(void **state) {
    (void)state;
    nn_error err;
    if (nn_compute_create_cuda(&gpu, NN_PRECISION_FP32, &err) != NN_OK) {
        fprintf(stderr, "test_cuda_conformance: %s\n", err.msg);
        return -1;
    }
    printf("device: %s\n", nn_compute_describe(gpu));
    return 0;
}

static int teardown(void **state) {
    (void)state;
    nn_compute_free(gpu);
    return 0;
}

static double norm_error(const float *got, const float *want, size_t n) {
    double d = 0, w = 0;
    for (size_t e = 0; e < n; e++) {
        d += ((double)got[e] - want[e]) * ((double)got[e] - want[e]);
        w += (double)want[e] * want[e];
    }
    return sqrt(d) / (w > 0 ? sqrt(w) : 1.0);
}

static float *host_random(size_t n, nn_rng *r, float scale) {
    float *p = nn_alloc_floats(n);
    assert_non_null(p);
    for (size_t e = 0; e < n; e++) p[e] = (2.0f * nn_rng_uniform(r) - 1.0f) * scale;
    return p;
}

static float *to_device(const float *host, size_t n) {
    float *d = nn_compute_alloc(gpu, n);
    assert_non_null(d);
    nn_compute_upload(gpu, d, host, n);
    return d;
}

/* Normalised error of a device buffer against a host one. */
static double device_error(const float *dev, const float *host, size_t n) {
    float *back = nn_alloc_floats(n);
    assert_non_null(back);
    nn_compute_download(gpu, back, dev, n);
    double e = norm_error(back, host, n);
    nn_free_floats(back);
    return e;
}

typedef struct {
    int in, out, ndyad, batch, relu;
} shape;

static const shape shapes[] = {
    {64, 32, 4, 16, 0},    {96, 160, 8, 33, 1},   {784, 256, 4, 64, 1},
    {256, 512, 2, 7, 0},   {1024, 1024, 16, 100, 1}, {512, 256, 32, 128, 0},
    /* a long k and few outputs: the dW GEMMs take the split-K path (no ReLU:
     * at 2M outputs a y within 1e-7 of zero can flip the mask either way; it
     * did once for dyad-dt, giving every gradient an error of 3e-4) */
    {1024, 1024, 16, 2048, 0},
    /* DYAD's forward and dx (k 128, 384 tiles of 128 x 128) run on the own
     * short-k kernel with the bias fused (no ReLU, as above) */
    {2048, 2048, 16, 3072, 0},
};
#define NSHAPES (int)(sizeof shapes / sizeof shapes[0])

static double worst;

static void check(double e, const char *what, const char *kind, const shape *s) {
    if (e > worst) worst = e;
    if (!(e <= TOLERANCE))
        fail_msg("%s %d->%d/%d batch %d: %s normalised error %.3g > %.0e", kind, s->in, s->out,
                 s->ndyad, s->batch, what, e, TOLERANCE);
}

/* One kind at one shape: forward, backward (dx, grads), fused SGD. */
static void layer_case(nn_layer_kind kind, const shape *s, nn_rng *r) {
    const char *name = nn_layer_kind_name(kind);
    /* the shape's ndyad is the blocks of the blocked kinds; lowrank takes a
     * rank of 3 x ndyad, sparse a density of 0.3 */
    nn_layer_param param = nn_layer_kind_get(kind)->param;
    int ndyad = param == NN_LAYER_PARAM_BLOCKS ? s->ndyad : param == NN_LAYER_PARAM_RANK ? 3 * s->ndyad : 1;
    nn_layer cpu = {.kind = kind, .in = s->in, .out = s->out, .ndyad = ndyad, .relu = s->relu,
                    .density = param == NN_LAYER_PARAM_DENSITY ? 0.3f : 0.0f};
    assert_int_equal(nn_layer_check(kind, s->in, s->out, ndyad, NULL), NN_OK);
    size_t np = nn_layer_param_count(kind, s->in, s->out, ndyad);
    size_t nx = (size_t)s->in * s->batch, ny = (size_t)s->out * s->batch;
    float *params = host_random(np, r, 0.1f), *grads = nn_alloc_floats(np);
    if (param == NN_LAYER_PARAM_DENSITY) { /* a valid mask, and zeros where it is 0 */
        nn_layer tmp = cpu;
        nn_layer_bind(&tmp, params, NULL);
        nn_layer_init(&tmp, r);
    }
    float *vel = host_random(np, r, 0.01f);
    float *x = host_random(nx, r, 1.0f), *dy = host_random(ny, r, 1.0f);
    float *y = nn_alloc_floats(ny), *dx = nn_alloc_floats(nx), *dy_work = nn_alloc_floats(ny);
    nn_layer_bind(&cpu, params, grads);

    float *d_params = to_device(params, np), *d_grads = nn_compute_alloc(gpu, np);
    float *d_vel = to_device(vel, np), *d_x = to_device(x, nx), *d_dy = to_device(dy, ny);
    float *d_y = nn_compute_alloc(gpu, ny), *d_dx = nn_compute_alloc(gpu, nx);
    nn_layer dev = cpu;
    nn_layer_bind(&dev, d_params, d_grads);

    /* forward */
    nn_layer_forward(&cpu, x, y, s->batch, NULL);
    nn_layer_forward(&dev, d_x, d_y, s->batch, gpu);
    double e_y = device_error(d_y, y, ny);
    /* backward: dx and every gradient tensor (dy is masked in place: copies) */
    memcpy(dy_work, dy, ny * sizeof(float));
    nn_layer_backward_step(&cpu, x, s->relu ? y : NULL, dy_work, dx, s->batch, NULL, NULL);
    nn_compute_upload(gpu, d_dy, dy, ny);
    nn_layer_backward_step(&dev, d_x, s->relu ? d_y : NULL, d_dy, d_dx, s->batch, gpu, NULL);
    double e_dx = device_error(d_dx, dx, nx);
    double e_t[NN_LAYER_MAX_TENSORS] = {0};
    for (int t = 0; t < cpu.tensors.count; t++)
        e_t[t] = device_error(d_grads + cpu.tensors.t[t].offset, grads + cpu.tensors.t[t].offset,
                              cpu.tensors.t[t].count);
    /* fused SGD: dW into the velocity, then the update */
    nn_layer_sgd sgd = {.velocity = vel, .lr = 0.05f, .momentum = 0.9f, .weight_decay = 1e-3f};
    nn_layer_sgd d_sgd = sgd;
    d_sgd.velocity = d_vel;
    memcpy(dy_work, dy, ny * sizeof(float));
    nn_layer_backward_step(&cpu, x, s->relu ? y : NULL, dy_work, dx, s->batch, NULL, &sgd);
    nn_compute_upload(gpu, d_dy, dy, ny);
    nn_layer_backward_step(&dev, d_x, s->relu ? d_y : NULL, d_dy, d_dx, s->batch, gpu, &d_sgd);
    double e_p = device_error(d_params, params, np), e_v = device_error(d_vel, vel, np);
    double e_dx2 = device_error(d_dx, dx, nx);
    /* the next forward reads the weights the SGD step wrote (a kept
     * transposed copy is written with them), then weights uploaded anew */
    nn_layer_forward(&cpu, x, y, s->batch, NULL);
    nn_layer_forward(&dev, d_x, d_y, s->batch, gpu);
    double e_y2 = device_error(d_y, y, ny);
    for (int t = 0; t < cpu.tensors.count; t++) /* sparse's mask stays as it is */
        if (strcmp(cpu.tensors.t[t].name, "mask"))
            for (size_t i = 0; i < cpu.tensors.t[t].count; i++)
                params[cpu.tensors.t[t].offset + i] = 0.2f * nn_rng_uniform(r) - 0.1f;
    nn_compute_upload(gpu, d_params, params, np);
    nn_layer_forward(&cpu, x, y, s->batch, NULL);
    nn_layer_forward(&dev, d_x, d_y, s->batch, gpu);
    double e_y3 = device_error(d_y, y, ny);
    assert_int_equal(nn_compute_sync(gpu, NULL), NN_OK);

    char tensors[128] = "";
    size_t used = 0;
    for (int t = 0; t < cpu.tensors.count; t++)
        used += (size_t)snprintf(tensors + used, sizeof tensors - used, "%sd%s %.1e",
                                 t ? "  " : "", cpu.tensors.t[t].name, e_t[t]);
    char pt[24];
    nn_layer_param_text(kind, ndyad, cpu.density, pt, sizeof pt);
    printf("%-9s %5d %5d %5s %5d %4s  %.1e  %.1e  %-40s  %.1e  %.1e  %.1e  %.1e\n", name, s->in,
           s->out, pt[0] ? pt : "-", s->batch, s->relu ? "yes" : "no", e_y, e_dx, tensors, e_p,
           e_v, e_y2, e_y3);
    check(e_y, "forward y", name, s);
    check(e_y2, "forward y after the SGD step", name, s);
    check(e_y3, "forward y after new weights were uploaded", name, s);
    check(e_dx, "dx", name, s);
    check(e_dx2, "dx (fused SGD step)", name, s);
    for (int t = 0; t < cpu.tensors.count; t++) check(e_t[t], cpu.tensors.t[t].name, name, s);
    check(e_p, "parameters after SGD", name, s);
    check(e_v, "velocity after SGD", name, s);

    nn_free_floats(params), nn_free_floats(grads), nn_free_floats(vel), nn_free_floats(x);
    nn_free_floats(dy), nn_free_floats(y), nn_free_floats(dx), nn_free_floats(dy_work);
    nn_compute_release(gpu, d_params), nn_compute_release(gpu, d_grads);
    nn_compute_release(gpu, d_vel), nn_compute_release(gpu, d_x), nn_compute_release(gpu, d_dy);
    nn_compute_release(gpu, d_y), nn_compute_release(gpu, d_dx);
}

static void test_layers(void **state) {
    (void)state;
    nn_rng r;
    nn_rng_seed(&r, 11);
    printf("normalised error ||cuda - cpu|| / ||cpu||, tolerance %.0e\n", TOLERANCE);
    printf("%-9s %5s %5s %5s %5s %4s  %-7s  %-7s  %-40s  %-7s  %-7s  %-7s  %-7s\n", "kind", "in",
           "out", "param", "batch", "relu", "y", "dx", "gradients", "sgd p", "sgd vel", "y sgd",
           "y new");
    worst = 0;
    for (int k = 0; k < NN_LAYER_KIND_COUNT; k++)
        for (int si = 0; si < NSHAPES; si++) layer_case((nn_layer_kind)k, &shapes[si], &r);
    printf("worst normalised error over all layer cases: %.2e\n", worst);
}

/* How the second op of a short-k case relates to the first. */
enum { ONE_OP, ADDS_ONTO, INDEPENDENT, READS_C };
static const char *const second_names[] = {"one op", "adds onto C", "own C", "reads C"};

/* The own short-k GEMM (nn/cuda_sgemm.cu) on its own: batches that fit it,
 * each against the CPU with the kernel on and with it off (cuBLAS), through
 * nn_gemm_items as the layers call it: both orientations of A, beta (1
 * without ReLU: the stores add into C in L2), bias with a row step, ReLU; and a
 * second op that adds onto the first's C through strided rows (DYAD's BLOCK
 * TRANS: the two run as one launch, also with a shorter k), that writes its
 * own C (it starts before the first ends), or that reads the first's C (it
 * must wait for it). */
static void test_short_k_kernel(void **state) {
    (void)state;
    static const struct {
        int trans_a, m, n, k, count, second, k2, relu, bias_step;
        float beta;
    } cases[] = {
        /* at least NN_CUDA_SGEMM_MIN_TILES (384) tiles of 128 x 128 each */
        {0, 256, 1024, 160, 24, ONE_OP, 0, 1, 1, 0.0f},
        {1, 128, 1024, 512, 48, ONE_OP, 0, 0, 2, 0.5f},
        {0, 128, 512, 256, 96, ADDS_ONTO, 256, 1, 1, 0.0f},
        {1, 256, 256, 32, 97, ADDS_ONTO, 32, 0, 1, 0.0f},
        {1, 384, 2048, 480, 8, ONE_OP, 0, 1, 1, 1.0f},
        {0, 384, 256, 32, 64, ADDS_ONTO, 32, 0, 3, 0.0f},
        {0, 128, 1024, 64, 48, ONE_OP, 0, 0, 1, 1.0f},
        {1, 256, 512, 128, 48, ADDS_ONTO, 64, 0, 1, 0.5f},
        {0, 128, 512, 64, 96, ADDS_ONTO, 64, 0, 1, 1.0f},
        {0, 256, 512, 128, 48, INDEPENDENT, 96, 1, 1, 0.0f},
        {1, 128, 1024, 64, 48, INDEPENDENT, 64, 0, 1, 1.0f},
        {1, 128, 1024, 64, 48, READS_C, 128, 0, 1, 0.0f},
        {0, 256, 512, 96, 48, READS_C, 256, 1, 1, 0.0f},
    };
    nn_rng r;
    nn_rng_seed(&r, 14);
    printf("short-k kernel: normalised error against the CPU, kernel on / off (cuBLAS)\n");
    for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
        int m = cases[ci].m, n = cases[ci].n, k = cases[ci].k, count = cases[ci].count;
        int second = cases[ci].second, trans_a = cases[ci].trans_a;
        /* A items hold max(k, m) columns (or rows) of m, apart by 4 extra
         * floats; B holds two interleaved k x n operands (rows 2i and 2i+1)
         * for the second op; C and C2 items apart by 4 extra floats */
        int kmax = k > m ? k : m;
        int lda = (trans_a ? m : kmax) + 4, ldb = n + 4, ldc = n + 8;
        ptrdiff_t sa = (ptrdiff_t)lda * (trans_a ? kmax : m) + 4;
        ptrdiff_t sb = (ptrdiff_t)ldb * 2 * k, sc = (ptrdiff_t)ldc * m + 4;
        size_t na = (size_t)sa * count, nb = (size_t)sb * count, nc = (size_t)sc * count;
        size_t nbias = (size_t)count * m * cases[ci].bias_step;
        float *a = host_random(na, &r, 1), *b = host_random(nb, &r, 1), *bias = host_random(nbias, &r, 1);
        float *c0[2] = {host_random(nc, &r, 1), host_random(nc, &r, 1)}; /* C, C2 before */
        float *c[2] = {nn_alloc_floats(nc), nn_alloc_floats(nc)};
        nn_gemm ops[2] = {{.trans_a = trans_a, .m = m, .n = n, .k = k, .a = a, .lda = lda,
                           .stride_a = sa, .b = b, .ldb = 2 * ldb, .stride_b = sb,
                           .beta = cases[ci].beta, .c = c[0], .ldc = ldc, .stride_c = sc}};
        ops[1] = ops[0];
        ops[1].k = second == ONE_OP ? k : cases[ci].k2;
        ops[1].b = b + ldb; /* the odd rows */
        if (second == ADDS_ONTO) ops[1].beta = 1.0f;
        if (second == INDEPENDENT || second == READS_C) ops[1].c = c[1];
        if (second == READS_C) {
            ops[1].b = c[0];
            ops[1].ldb = ldc;
            ops[1].stride_b = sc;
        }
        int nops = second == ONE_OP ? 1 : 2;
        nn_epilogue ep = {.bias = bias, .bias_stride = (ptrdiff_t)m * cases[ci].bias_step,
                          .bias_step = cases[ci].bias_step, .relu = cases[ci].relu};
        for (int q = 0; q < 2; q++) memcpy(c[q], c0[q], nc * sizeof(float));
        nn_gemm_items(NULL, ops, nops, count, &ep);
        float *da = to_device(a, na), *db = to_device(b, nb), *dbias = to_device(bias, nbias);
        float *dc[2] = {nn_compute_alloc(gpu, nc), nn_compute_alloc(gpu, nc)};
        assert_non_null(dc[0]);
        assert_non_null(dc[1]);
        double e[2];
        for (int on = 1; on >= 0; on--) {
            nn_compute_set_block_kernel(gpu, on);
            assert_int_equal(nn_compute_block_kernel(gpu), on);
            nn_gemm dops[2] = {ops[0], ops[1]};
            for (int o = 0; o < 2; o++) {
                dops[o].a = da;
                dops[o].b = second == READS_C && o ? dc[0] : db + (o ? ldb : 0);
                dops[o].c = ops[o].c == c[1] ? dc[1] : dc[0];
                /* the case is one the kernel takes, so "on" cannot pass through cuBLAS */
                assert_true(nn_cuda_sgemm_fits(&dops[o], count));
            }
            /* the dispatcher's own tests: joined, early, or waiting, as the case says */
            if (nops == 2)
                assert_int_equal(nn_cuda_sgemm_joins(&dops[0], &dops[1], count),
                                 second == ADDS_ONTO);
            if (second == INDEPENDENT || second == READS_C)
                assert_int_equal(!nn_cuda_sgemm_reads(&dops[1], count, dc[0], dc[0] + nc),
                                 second == INDEPENDENT);
            nn_epilogue dep = ep;
            dep.bias = dbias;
            for (int q = 0; q < 2; q++) nn_compute_upload(gpu, dc[q], c0[q], nc);
            nn_gemm_items(gpu, dops, nops, count, &dep);
            e[on] = device_error(dc[0], c[0], nc);
            double e2 = device_error(dc[1], c[1], nc);
            if (e2 > e[on]) e[on] = e2;
        }
        nn_compute_set_block_kernel(gpu, 1);
        assert_int_equal(nn_compute_sync(gpu, NULL), NN_OK);
        printf("  %s m %d n %d k %d x %d, %-11s k2 %3d, beta %.1f, relu %d: %.1e / %.1e\n",
               trans_a ? "A^T" : "A  ", m, n, k, count, second_names[second],
               second == ONE_OP ? 0 : cases[ci].k2, cases[ci].beta, cases[ci].relu, e[1], e[0]);
        assert_true(e[1] <= TOLERANCE && e[0] <= TOLERANCE);
        nn_free_floats(a), nn_free_floats(b), nn_free_floats(bias);
        for (int q = 0; q < 2; q++) {
            nn_free_floats(c0[q]), nn_free_floats(c[q]);
            nn_compute_release(gpu, dc[q]);
        }
        nn_compute_release(gpu, da), nn_compute_release(gpu, db), nn_compute_release(gpu, dbias);
    }
}

/* Row sums of B taken with the GEMM that reads it (nn_gemm.b_rowsum, a
 * layer's bias gradient): in the own kernel's launch for one op, and for two
 * summing launches in a row (the second must not start over the first's
 * scratch); in a pass of their own before a joined launch (either part),
 * before cuBLAS with the kernel off, and where the kernel does not fit. B
 * items are strided rows with gaps, the sums apart by more than k. Each
 * call runs twice (the per-item counters must be back at zero), against a
 * sum in double and against the CPU. */
static void test_gemm_row_sums(void **state) {
    (void)state;
    static const struct {
        int m, n, k, count, nops, joined, summed; /* summed: bit o for op o */
        const char *what;
    } cases[] = {
        {128, 1024, 256, 48, 1, 0, 1, "one op"},
        {256, 512, 128, 48, 2, 1, 1, "joined, first part"},
        {256, 512, 96, 48, 2, 1, 2, "joined, second part"},
        {128, 1024, 64, 48, 2, 0, 3, "two ops, both summed"},
        {96, 1000, 200, 5, 1, 0, 1, "shape the kernel does not take"},
    };
    nn_rng r;
    nn_rng_seed(&r, 16);
    printf("row sums of B in the GEMM: normalised error of sums / C, kernel on, off\n");
    for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
        const int m = cases[ci].m, n = cases[ci].n, k = cases[ci].k, count = cases[ci].count;
        const int nops = cases[ci].nops, ldb = 2 * (n + 4), ldc = n + 4, sstride = k + 3;
        /* op o reads rows 2i + o of B's items (ld 2 (n + 4)), A^T (k x m) */
        const size_t na = (size_t)count * k * m, nb = (size_t)count * 2 * k * (n + 4) + 8;
        const size_t nc = (size_t)count * m * ldc, ns = (size_t)count * sstride;
        float *a = host_random(na, &r, 1), *b = host_random(nb, &r, 1);
        float *c[2] = {nn_alloc_floats(nc), nn_alloc_floats(nc)};
        float *sums[2] = {nn_alloc_floats(ns), nn_alloc_floats(ns)};
        double *want[2] = {calloc(ns, sizeof(double)), calloc(ns, sizeof(double))};
        assert_non_null(want[0]);
        assert_non_null(want[1]);
        nn_gemm ops[2];
        for (int o = 0; o < 2; o++) {
            ops[o] = (nn_gemm){.trans_a = 1, .m = m, .n = n, .k = k, .a = a, .lda = m,
                               .stride_a = (ptrdiff_t)k * m, .b = b + o * (n + 4), .ldb = ldb,
                               .stride_b = (ptrdiff_t)k * ldb, .beta = 0.0f, .c = c[o], .ldc = ldc,
                               .stride_c = (ptrdiff_t)m * ldc};
            if (cases[ci].summed >> o & 1) {
                ops[o].b_rowsum = sums[o];
                ops[o].b_rowsum_stride = sstride;
                for (int t = 0; t < count; t++)
                    for (int i = 0; i < k; i++)
                        for (int j = 0; j < n; j++)
                            want[o][(size_t)t * sstride + i] +=
                                ops[o].b[(size_t)t * ops[o].stride_b + (size_t)i * ldb + j];
            }
        }
        if (cases[ci].joined) ops[1].c = c[0], ops[1].beta = 1.0f;
        for (int o = 0; o < 2; o++) memset(sums[o], 0, ns * sizeof(float));
        nn_gemm_items(NULL, ops, nops, count, NULL);
        float *da = to_device(a, na), *db = to_device(b, nb);
        float *dc[2] = {nn_compute_alloc(gpu, nc), nn_compute_alloc(gpu, nc)};
        float *dsums[2] = {nn_compute_alloc(gpu, ns), nn_compute_alloc(gpu, ns)};
        float *got = nn_alloc_floats(ns);
        double e_sum[2] = {0, 0}, e_c[2] = {0, 0};
        for (int on = 1; on >= 0; on--) {
            nn_compute_set_block_kernel(gpu, on);
            nn_gemm dops[2] = {ops[0], ops[1]};
            for (int o = 0; o < 2; o++) {
                dops[o].a = da;
                dops[o].b = db + o * (n + 4);
                dops[o].c = ops[o].c == c[1] ? dc[1] : dc[0];
                if (ops[o].b_rowsum) dops[o].b_rowsum = dsums[o];
            }
            const int fits = m % 128 == 0;
            assert_int_equal(nn_cuda_sgemm_fits(&dops[0], count), fits);
            if (nops == 2)
                assert_int_equal(nn_cuda_sgemm_joins(&dops[0], &dops[1], count),
                                 cases[ci].joined);
            for (int rep = 0; rep < 2; rep++) {
                /* NaN where nothing is written: a missed sum cannot pass */
                for (int q = 0; q < 2; q++) nn_fill(gpu, dsums[q], ns, NAN);
                nn_gemm_items(gpu, dops, nops, count, NULL);
                for (int o = 0; o < nops; o++) {
                    if (!ops[o].b_rowsum) continue;
                    nn_compute_download(gpu, got, dsums[o], ns);
                    double d = 0, d_cpu = 0, w = 0;
                    for (int t = 0; t < count; t++)
                        for (int i = 0; i < k; i++) {
                            size_t at = (size_t)t * sstride + i;
                            d += (got[at] - want[o][at]) * (got[at] - want[o][at]);
                            d_cpu += (sums[o][at] - want[o][at]) * (sums[o][at] - want[o][at]);
                            w += want[o][at] * want[o][at];
                        }
                    /* the device's sums, and the CPU's (a NaN is kept: it must fail) */
                    const double e[2] = {sqrt(d / w), sqrt(d_cpu / w)};
                    for (int q = 0; q < 2; q++)
                        if (!(e[q] <= e_sum[on])) e_sum[on] = e[q];
                }
                for (int q = 0; q < 2; q++) {
                    double e = device_error(dc[q], c[q], nc);
                    if (!(e <= e_c[on])) e_c[on] = e;
                }
            }
        }
        nn_compute_set_block_kernel(gpu, 1);
        assert_int_equal(nn_compute_sync(gpu, NULL), NN_OK);
        printf("  %-31s m %3d n %4d k %3d x %2d: %.1e / %.1e, %.1e / %.1e\n", cases[ci].what, m,
               n, k, count, e_sum[1], e_c[1], e_sum[0], e_c[0]);
        assert_true(e_sum[1] <= TOLERANCE && e_sum[0] <= TOLERANCE);
        assert_true(e_c[1] <= TOLERANCE && e_c[0] <= TOLERANCE);
        nn_free_floats(a), nn_free_floats(b), nn_free_floats(got);
        for (int q = 0; q < 2; q++) {
            nn_free_floats(c[q]), nn_free_floats(sums[q]), free(want[q]);
            nn_compute_release(gpu, dc[q]), nn_compute_release(gpu, dsums[q]);
        }
        nn_compute_release(gpu, da), nn_compute_release(gpu, db);
    }
}

/* The transposed copies of plain A operands that the own kernel reads
 * (nn/kernels_cuda.cu keeps them across calls until A is written): a
 * second call reads the kept copy; an upload over A, an op earlier in the
 * same call that writes A (op 1's A is op 0's C) and the fused SGD step on
 * A (which writes the copy with it) each make the next call see the new A.
 * Each against the CPU doing the same calls. */
static void test_transposed_copies(void **state) {
    (void)state;
    enum { M = 128, K = 128, N = 256, COUNT = 384 }; /* 384 tiles: the own kernel takes them */
    const size_t na = (size_t)COUNT * M * K, nb = (size_t)COUNT * K * N, nc = (size_t)COUNT * M * N;
    nn_rng r;
    nn_rng_seed(&r, 15);
    float *a = host_random(na, &r, 1), *b = host_random(nb, &r, 1), *c = nn_alloc_floats(nc);
    float *da = to_device(a, na), *db = to_device(b, nb), *dc = nn_compute_alloc(gpu, nc);
    float *vel = host_random(na, &r, 1), *dvel = to_device(vel, na);
    /* C = A B with A plain (M x K per item), the forward's orientation */
    nn_gemm fwd = {.m = M, .n = N, .k = K, .a = a, .lda = K, .stride_a = (ptrdiff_t)M * K, .b = b,
                   .ldb = N, .stride_b = (ptrdiff_t)K * N, .c = c, .ldc = N,
                   .stride_c = (ptrdiff_t)M * N};
    nn_gemm dfwd = fwd;
    dfwd.a = da, dfwd.b = db, dfwd.c = dc;
    assert_true(nn_cuda_sgemm_fits(&dfwd, COUNT));
    /* writes A: A = B' B'^T with B' the first K columns of B's rows (M x N
     * items, k = N), so op 1 of the same call reads what op 0 wrote */
    nn_gemm write_a = {.trans_b = 1, .m = M, .n = K, .k = N, .a = b, .lda = N,
                       .stride_a = (ptrdiff_t)K * N, .b = b, .ldb = N, .stride_b = (ptrdiff_t)K * N,
                       .c = a, .ldc = K, .stride_c = (ptrdiff_t)M * K};
    nn_gemm dwrite_a = write_a;
    dwrite_a.a = db, dwrite_a.b = db, dwrite_a.c = da;
    const char *steps[] = {"first call", "kept copy", "after an upload", "A written in the call",
                           "after an SGD step"};
    printf("transposed copies of a plain A: normalised error against the CPU\n");
    for (int step = 0; step < 5; step++) {
        if (step == 2) { /* new A from the host */
            for (size_t i = 0; i < na; i++) a[i] = 2.0f * nn_rng_uniform(&r) - 1.0f;
            nn_compute_upload(gpu, da, a, na);
        }
        if (step == 3) { /* op 0 writes A, op 1 reads it */
            nn_gemm ops[2] = {write_a, fwd}, dops[2] = {dwrite_a, dfwd};
            nn_gemm_items(NULL, ops, 2, COUNT, NULL);
            nn_gemm_items(gpu, dops, 2, COUNT, NULL);
        } else if (step == 4) {
            /* the fused SGD step on A (velocity = 0.9 velocity + B' B'^T,
             * A -= 0.1 (velocity + 0.01 A)), as a layer's dW op does */
            nn_gemm sgd = write_a, dsgd = dwrite_a;
            sgd.c = vel, sgd.beta = 0.9f, sgd.sgd_param = a;
            dsgd.c = dvel, dsgd.beta = 0.9f, dsgd.sgd_param = da;
            nn_epilogue ep = {.lr = 0.1f, .weight_decay = 0.01f};
            nn_gemm_items(gpu, &dfwd, 1, COUNT, NULL); /* a copy to write with A */
            nn_gemm_items(NULL, &sgd, 1, COUNT, &ep);
            nn_gemm_items(gpu, &dsgd, 1, COUNT, &ep);
            nn_gemm_items(NULL, &fwd, 1, COUNT, NULL);
            nn_gemm_items(gpu, &dfwd, 1, COUNT, NULL);
        } else {
            nn_gemm_items(NULL, &fwd, 1, COUNT, NULL);
            nn_gemm_items(gpu, &dfwd, 1, COUNT, NULL);
        }
        double e = fmax(device_error(dc, c, nc), device_error(da, a, na));
        printf("  %-22s %.1e\n", steps[step], e);
        assert_true(e <= TOLERANCE);
    }
    assert_int_equal(nn_compute_sync(gpu, NULL), NN_OK);
    nn_free_floats(a), nn_free_floats(b), nn_free_floats(c), nn_free_floats(vel);
    nn_compute_release(gpu, da), nn_compute_release(gpu, db), nn_compute_release(gpu, dc);
    nn_compute_release(gpu, dvel);
}

/* The ReLU mask and bias-gradient row sums, with and without the mask, on
 * short rows (one float per thread) and long ones (float4s: batch a
 * multiple of 4 and at least 1024, with and without a partial last pass). */
static void test_relu_rowsum(void **state) {
    (void)state;
    static const int batches[] = {64, 1030, 1024, 4100, 4096};
    nn_rng r;
    nn_rng_seed(&r, 16);
    int rows = 37;
    printf("relu mask + row sums: normalised error of dy / of the sums\n");
    for (size_t bi = 0; bi < sizeof batches / sizeof batches[0]; bi++)
        for (int masked = 0; masked <= 1; masked++) {
            int batch = batches[bi];
            size_t n = (size_t)rows * batch;
            float *dy = host_random(n, &r, 1), *y = host_random(n, &r, 1), *sums = nn_alloc_floats((size_t)rows);
            float *ddy = to_device(dy, n), *dyv = to_device(y, n), *dsums = nn_compute_alloc(gpu, (size_t)rows);
            assert_non_null(dsums);
            nn_relu_backward_rowsum(NULL, dy, masked ? y : NULL, rows, batch, sums);
            nn_relu_backward_rowsum(gpu, ddy, masked ? dyv : NULL, rows, batch, dsums);
            double e_dy = device_error(ddy, dy, n), e_sum = device_error(dsums, sums, (size_t)rows);
            assert_int_equal(nn_compute_sync(gpu, NULL), NN_OK);
            printf("  batch %4d, %s: %.1e / %.1e\n", batch, masked ? "masked  " : "no mask", e_dy, e_sum);
            assert_true(e_dy <= TOLERANCE && e_sum <= TOLERANCE);
            nn_free_floats(dy), nn_free_floats(y), nn_free_floats(sums);
            nn_compute_release(gpu, ddy), nn_compute_release(gpu, dyv), nn_compute_release(gpu, dsums);
        }
}

/* The row sums, then an own-kernel GEMM as a layer's dx: with the mask, the
 * GEMM reads the dy the row sums wrote and must wait for them; without it,
 * it may start while they run (programmatic dependent launch). Both against
 * the CPU. */
static void test_rowsum_then_gemm(void **state) {
    (void)state;
    nn_rng r;
    nn_rng_seed(&r, 17);
    const int rows = 2048, batch = 4096, count = 16, m = rows / count, k = rows / count;
    size_t n = (size_t)rows * batch, nw = (size_t)count * k * m;
    printf("row sums, then dx = W^T dy on the own kernel: normalised error of dx\n");
    for (int masked = 0; masked <= 1; masked++) {
        float *dy = host_random(n, &r, 1), *y = host_random(n, &r, 1), *w = host_random(nw, &r, 1);
        float *dx = nn_alloc_floats(n), *sums = nn_alloc_floats((size_t)rows);
        float *ddy = to_device(dy, n), *dyv = to_device(y, n), *dw = to_device(w, nw);
        float *ddx = nn_compute_alloc(gpu, n), *dsums = nn_compute_alloc(gpu, (size_t)rows);
        assert_non_null(ddx);
        assert_non_null(dsums);
        /* item t: dx rows t*m.. = W_t^T (k x m stored) times dy rows t*k.. */
        nn_gemm g = {.trans_a = 1, .m = m, .n = batch, .k = k, .a = w, .lda = m,
                     .stride_a = (ptrdiff_t)k * m, .b = dy, .ldb = batch,
                     .stride_b = (ptrdiff_t)k * batch, .beta = 0.0f, .c = dx, .ldc = batch,
                     .stride_c = (ptrdiff_t)m * batch};
        nn_relu_backward_rowsum(NULL, dy, masked ? y : NULL, rows, batch, sums);
        nn_gemm_items(NULL, &g, 1, count, NULL);
        nn_gemm dg = g;
        dg.a = dw, dg.b = ddy, dg.c = ddx;
        assert_true(nn_cuda_sgemm_fits(&dg, count));
        nn_relu_backward_rowsum(gpu, ddy, masked ? dyv : NULL, rows, batch, dsums);
        nn_gemm_items(gpu, &dg, 1, count, NULL);
        double e = device_error(ddx, dx, n);
        assert_int_equal(nn_compute_sync(gpu, NULL), NN_OK);
        printf("  %s: %.1e\n", masked ? "masked (waits)       " : "no mask (starts early)", e);
        assert_true(e <= TOLERANCE);
        nn_free_floats(dy), nn_free_floats(y), nn_free_floats(w), nn_free_floats(dx);
        nn_free_floats(sums);
        nn_compute_release(gpu, ddy), nn_compute_release(gpu, dyv), nn_compute_release(gpu, dw);
        nn_compute_release(gpu, ddx), nn_compute_release(gpu, dsums);
    }
}

/* Adam, SGD, softmax cross-entropy and argmax on their own. */
static void test_elementwise(void **state) {
    (void)state;
    nn_rng r;
    nn_rng_seed(&r, 12);
    size_t n = 100003;
    float *p = host_random(n, &r, 1), *g = host_random(n, &r, 1), *m = host_random(n, &r, 0.1f);
    float *v = host_random(n, &r, 0.1f);
    for (size_t e = 0; e < n; e++) v[e] = fabsf(v[e]);
    float *dp = to_device(p, n), *dg = to_device(g, n), *dm = to_device(m, n), *dv = to_device(v, n);
    nn_adam_update(NULL, p, g, m, v, n, 1e-3f, 0.9f, 0.999f, 1e-8f, 1e-4f, 0.1f, 0.001f);
    nn_adam_update(gpu, dp, dg, dm, dv, n, 1e-3f, 0.9f, 0.999f, 1e-8f, 1e-4f, 0.1f, 0.001f);
    double e_adam = fmax(device_error(dp, p, n), fmax(device_error(dm, m, n), device_error(dv, v, n)));
    nn_sgd_update(NULL, p, g, m, n, 0.05f, 0.9f, 1e-3f);
    nn_sgd_update(gpu, dp, dg, dm, n, 0.05f, 0.9f, 1e-3f);
    double e_sgd = fmax(device_error(dp, p, n), device_error(dm, m, n));

    int classes = 10, batch = 777;
    size_t nl = (size_t)classes * batch;
    float *logits = host_random(nl, &r, 4), *dl = nn_alloc_floats(nl);
    uint8_t *labels = malloc((size_t)batch), *pred = malloc((size_t)batch), *dpred = malloc((size_t)batch);
    assert_true(labels && pred && dpred);
    for (int s = 0; s < batch; s++) labels[s] = (uint8_t)(nn_rng_uniform(&r) * classes) % classes;
    float *dlog = to_device(logits, nl), *ddl = nn_compute_alloc(gpu, nl);
    int hits = -1, dhits = -2;
    float loss = nn_softmax_xent(NULL, logits, labels, classes, batch, dl, &hits);
    float dloss = nn_softmax_xent(gpu, dlog, labels, classes, batch, ddl, &dhits);
    double e_dl = device_error(ddl, dl, nl);
    nn_argmax_columns(NULL, logits, classes, batch, pred);
    nn_argmax_columns(gpu, dlog, classes, batch, dpred);
    assert_int_equal(nn_compute_sync(gpu, NULL), NN_OK);
    printf("adam %.1e  sgd %.1e  softmax-xent loss %.7f vs %.7f, dlogits %.1e, hits %d vs %d\n",
           e_adam, e_sgd, dloss, loss, e_dl, dhits, hits);
    assert_true(e_adam <= TOLERANCE && e_sgd <= TOLERANCE && e_dl <= TOLERANCE);
    assert_true(fabs(dloss - loss) <= 1e-6 * fabs(loss));
    assert_int_equal(dhits, hits);
    assert_memory_equal(dpred, pred, (size_t)batch);

    nn_free_floats(p), nn_free_floats(g), nn_free_floats(m), nn_free_floats(v);
    nn_free_floats(logits), nn_free_floats(dl);
    free(labels), free(pred), free(dpred);
    nn_compute_release(gpu, dp), nn_compute_release(gpu, dg), nn_compute_release(gpu, dm);
    nn_compute_release(gpu, dv), nn_compute_release(gpu, dlog), nn_compute_release(gpu, ddl);
}

/* TF32 and BF16 change the maths on purpose: their forward error against the
 * CPU's FP32, printed as the accuracy effect of --precision, and bounded by
 * what 10-bit (TF32) and 8-bit (BF16) mantissas allow. */
static void test_precision_modes(void **state) {
    (void)state;
    static const struct {
        nn_precision p;
        double bound;
    } modes[] = {{NN_PRECISION_FP32, TOLERANCE}, {NN_PRECISION_TF32, 5e-3}, {NN_PRECISION_BF16, 2e-2}};
    nn_layer_kind kinds[] = {NN_LAYER_DENSE, NN_LAYER_DYAD_IT, NN_LAYER_DYAD_OT};
    printf("normalised error against the CPU, 1024 -> 1024, batch 256: forward y / backward dx, dW\n");
    for (int ki = 0; ki < 3; ki++) {
        nn_rng r;
        nn_rng_seed(&r, 13);
        int ndyad = kinds[ki] == NN_LAYER_DENSE ? 1 : 4, w = 1024, batch = 256;
        nn_layer cpu = {.kind = kinds[ki], .in = w, .out = w, .ndyad = ndyad};
        size_t np = nn_layer_param_count(cpu.kind, w, w, ndyad), nx = (size_t)w * batch;
        float *params = host_random(np, &r, 0.05f), *x = host_random(nx, &r, 1.0f);
        float *dy = host_random(nx, &r, 1.0f), *dy_work = nn_alloc_floats(nx);
        float *y = nn_alloc_floats(nx), *dx = nn_alloc_floats(nx), *grads = nn_alloc_floats(np);
        nn_layer_bind(&cpu, params, grads);
        nn_layer_forward(&cpu, x, y, batch, NULL);
        memcpy(dy_work, dy, nx * sizeof(float));
        nn_layer_backward_step(&cpu, x, NULL, dy_work, dx, batch, NULL, NULL);
        printf("  %-8s", nn_layer_kind_name(cpu.kind));
        double errs[3];
        for (int m = 0; m < 3; m++) {
            nn_compute *c;
            assert_int_equal(nn_compute_create_cuda(&c, modes[m].p, NULL), NN_OK);
            float *d_p = nn_compute_alloc(c, np), *d_g = nn_compute_alloc(c, np);
            float *d_x = nn_compute_alloc(c, nx), *d_y = nn_compute_alloc(c, nx);
            float *d_dy = nn_compute_alloc(c, nx), *d_dx = nn_compute_alloc(c, nx);
            float *back = nn_alloc_floats(nx > np ? nx : np);
            nn_compute_upload(c, d_p, params, np);
            nn_compute_upload(c, d_x, x, nx);
            nn_compute_upload(c, d_dy, dy, nx);
            nn_layer dev = cpu;
            nn_layer_bind(&dev, d_p, d_g);
            nn_layer_forward(&dev, d_x, d_y, batch, c);
            nn_layer_backward_step(&dev, d_x, NULL, d_dy, d_dx, batch, c, NULL);
            nn_compute_download(c, back, d_y, nx);
            double e = norm_error(back, y, nx);
            nn_compute_download(c, back, d_dx, nx);
            double e_dx = norm_error(back, dx, nx);
            nn_compute_download(c, back, d_g, np);
            double e_dw = norm_error(back, grads, np);
            assert_int_equal(nn_compute_sync(c, NULL), NN_OK);
            printf("  %s %.1e / %.1e, %.1e", nn_precision_name(modes[m].p), e, e_dx, e_dw);
            assert_true(e <= modes[m].bound && e_dx <= modes[m].bound && e_dw <= modes[m].bound);
            errs[m] = e;
            nn_compute_release(c, d_p), nn_compute_release(c, d_g), nn_compute_release(c, d_x);
            nn_compute_release(c, d_y), nn_compute_release(c, d_dy), nn_compute_release(c, d_dx);
            nn_free_floats(back);
            nn_compute_free(c);
        }
        printf("\n");
        /* 8 mantissa bits against 10: a BF16 mode that quietly ran TF32 (as
         * cuBLAS's FAST_16BF on FP32 operands did) fails here */
        assert_true(errs[2] > 2 * errs[1] && errs[1] > 10 * errs[0]);
        nn_free_floats(params), nn_free_floats(x), nn_free_floats(dy), nn_free_floats(dy_work);
        nn_free_floats(y), nn_free_floats(dx), nn_free_floats(grads);
    }
}

/* ------------------------------------------------------------ training */

#define SUBSET 4096
#define BATCH 64
#define STEPS (SUBSET / BATCH)

typedef struct {
    double loss[STEPS];
    int count;
} curve;

static void record(const nn_train_progress *p, void *user) {
    curve *c = user;
    if (c->count < STEPS) c->loss[c->count++] = p->loss;
}

/* One epoch on the subset; on the GPU when dev is set. Returns test accuracy
 * over the first 2000 test images and leaves the trained parameters in host. */
static double train_epoch(const char *layers, nn_optim_kind kind, float lr, const nn_dataset *ds,
                          nn_compute *dev_ctx, curve *out, nn_mlp *host) {
    int on_gpu = dev_ctx != NULL;
    nn_layer_spec specs[8];
    nn_error err;
    int n = nn_mlp_parse_layers(layers, specs, 8, &err);
    assert_true(n > 0);
    assert_int_equal(nn_mlp_create(host, 784, specs, n, 1, &err), NN_OK);
    nn_mlp_init(host, 3);
    nn_mlp dev, *net = host;
    if (on_gpu) {
        assert_int_equal(nn_mlp_to_device(&dev, host, dev_ctx, &err), NN_OK);
        net = &dev;
    }
    assert_int_equal(nn_mlp_reserve(net, 1000, &err), NN_OK);
    nn_optim_config cfg = {.kind = kind, .lr = lr, .momentum = 0.9f, .beta1 = 0.9f,
                           .beta2 = 0.999f, .eps = 1e-8f, .weight_decay = 1e-4f,
                           .schedule = NN_SCHEDULE_COSINE};
    nn_optimizer opt;
    assert_int_equal(nn_optim_create_on(&opt, &cfg, net->nparams, dev_ctx, &err), NN_OK);
    nn_train_loop loop;
    assert_int_equal(nn_train_loop_create(&loop, SUBSET, BATCH, 1, &err), NN_OK);
    nn_rng shuffle;
    nn_rng_seed(&shuffle, 5);
    nn_idx_images images = ds->train_images;
    nn_idx_labels labels = ds->train_labels;
    images.count = labels.count = SUBSET;
    nn_train_progress result;
    out->count = 0;
    nn_train_epoch(&loop, net, &opt, &shuffle, &images, &labels, 1, &result, record, 1, out);
    nn_idx_images test = ds->test_images;
    nn_idx_labels test_labels = ds->test_labels;
    test.count = test_labels.count = 2000;
    double acc = nn_train_evaluate(net, &test, &test_labels, 1000, NULL);
    if (on_gpu) {
        assert_int_equal(nn_compute_sync(dev_ctx, &err), NN_OK);
        nn_mlp_copy_params(host, &dev);
        nn_mlp_free(&dev);
    }
    nn_train_loop_free(&loop);
    nn_optim_free(&opt);
    return acc;
}

static void test_training_curve(void **state) {
    (void)state;
    const char *dir = test_mnist_dir(); /* fails under REQUIRE_MNIST=1 */
    if (!dir) {
        printf("MNIST not found (MNIST_DIR): training-curve case skipped\n");
        skip();
    }
    nn_dataset ds;
    nn_error err;
    if (nn_dataset_load(dir, &ds, &err) != NN_OK) fail_msg("%s", err.msg);
    static const struct {
        const char *layers;
        nn_optim_kind kind;
        float lr;
    } cases[] = {
        {"dense:512,dense:10", NN_OPTIM_SGD, 0.05f},
        {"dyad-it/4:1024,dyad-ot/8:512,dyad-dt/4:256,dense:10", NN_OPTIM_SGD, 0.1f},
        {"dyad-dt/4:512,dyad-it/2:256,dense:10", NN_OPTIM_ADAM, 0.002f},
        /* the kinds after DYAD (issue 9) */
        {"monarch/4:512,lowrank/64:256,dense:10", NN_OPTIM_SGD, 0.05f},
        {"blockdiag/2:256,sparse/0.25:256,dense:10", NN_OPTIM_SGD, 0.05f},
        {"blockdiag/2:256,sparse/0.25:256,monarch/8:128,dense:10", NN_OPTIM_ADAM, 0.002f},
    };
    printf("one epoch, %d MNIST images, batch %d: running mean loss, CPU vs CUDA\n", SUBSET, BATCH);
    printf("%-70s %-5s %9s %9s %9s %9s  %8s %8s\n", "net", "optim", "first", "last cpu",
           "last cuda", "max rel", "test cpu", "test cuda");
    for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
        curve cpu, cuda;
        nn_mlp h_cpu, h_gpu;
        double acc_cpu = train_epoch(cases[ci].layers, cases[ci].kind, cases[ci].lr, &ds, NULL, &cpu, &h_cpu);
        double acc_gpu = train_epoch(cases[ci].layers, cases[ci].kind, cases[ci].lr, &ds, gpu, &cuda, &h_gpu);
        assert_int_equal(cpu.count, STEPS);
        assert_int_equal(cuda.count, STEPS);
        double max_rel = 0;
        for (int s = 0; s < STEPS; s++)
            max_rel = fmax(max_rel, fabs(cuda.loss[s] - cpu.loss[s]) / fabs(cpu.loss[s]));
        double e_params = norm_error(h_gpu.params, h_cpu.params, h_cpu.nparams);
        printf("%-70s %-5s %9.5f %9.6f %9.6f %9.1e  %7.2f%% %7.2f%%  params %.1e\n",
               cases[ci].layers, nn_optim_kind_name(cases[ci].kind), cpu.loss[0],
               cpu.loss[STEPS - 1], cuda.loss[STEPS - 1], max_rel, 100 * acc_cpu, 100 * acc_gpu,
               e_params);
        assert_true(max_rel <= CURVE_TOLERANCE);
        assert_true(fabs(acc_gpu - acc_cpu) <= 0.005);
        nn_mlp_free(&h_cpu);
        nn_mlp_free(&h_gpu);
    }
    /* BF16 keeps converted operands across calls until they are written: a
     * copy kept too long (weights after an update, dy after the ReLU mask)
     * freezes or skews training, far beyond BF16's own rounding */
    nn_compute *bf16;
    assert_int_equal(nn_compute_create_cuda(&bf16, NN_PRECISION_BF16, &err), NN_OK);
    static const char *bf16_nets[] = {"dyad-it/4:1024,dyad-ot/4:256,dense:10",
                                      "monarch/4:512,lowrank/64:256,dense:10"};
    for (int ni = 0; ni < 2; ni++) {
        curve cpu, half;
        nn_mlp h_cpu, h_half;
        double acc_cpu = train_epoch(bf16_nets[ni], NN_OPTIM_SGD, 0.05f, &ds, NULL, &cpu, &h_cpu);
        double acc_half = train_epoch(bf16_nets[ni], NN_OPTIM_SGD, 0.05f, &ds, bf16, &half, &h_half);
        double max_rel = 0;
        for (int s = 0; s < STEPS; s++)
            max_rel = fmax(max_rel, fabs(half.loss[s] - cpu.loss[s]) / fabs(cpu.loss[s]));
        double e_params = norm_error(h_half.params, h_cpu.params, h_cpu.nparams);
        printf("%-70s %-5s %9.5f %9.6f %9.6f %9.1e  %7.2f%% %7.2f%%  params %.1e  (bf16)\n",
               bf16_nets[ni], "sgd", cpu.loss[0], cpu.loss[STEPS - 1], half.loss[STEPS - 1],
               max_rel, 100 * acc_cpu, 100 * acc_half, e_params);
        assert_true(max_rel <= BF16_CURVE_TOLERANCE);
        assert_true(e_params <= BF16_PARAM_TOLERANCE);
        assert_true(fabs(acc_half - acc_cpu) <= 0.02);
        nn_mlp_free(&h_cpu);
        nn_mlp_free(&h_half);
    }
    nn_compute_free(bf16);
    nn_dataset_free(&ds);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layers),
        cmocka_unit_test(test_short_k_kernel),
        cmocka_unit_test(test_transposed_copies),
        cmocka_unit_test(test_elementwise),
        cmocka_unit_test(test_gemm_row_sums),
        cmocka_unit_test(test_relu_rowsum),
        cmocka_unit_test(test_rowsum_then_gemm),
        cmocka_unit_test(test_precision_modes),
        cmocka_unit_test(test_training_curve),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
