/* nn/block_gemm.c against a GEMM written out here in double: every pairing of
 * transposes, depths that end mid-way through an 8 x 8 transpose and past one
 * 256-deep chunk, padded leading dimensions, beta 0 (C never read: it holds
 * NaN), 1 and 0.9; the shapes it must hand back to OpenBLAS untouched; and
 * its CPU check against /proc/cpuinfo. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../nn/block_gemm.h"
#include "../nn/rng.h"

typedef struct {
    int m, n, k;
} dims;

/* op(A) (m x k) and op(B) (k x n) of row-major storage with leading dims. */
static double op_a(const float *a, int lda, int trans, int i, int p) {
    return trans ? a[(size_t)p * lda + i] : a[(size_t)i * lda + p];
}
static double op_b(const float *b, int ldb, int trans, int p, int j) {
    return trans ? b[(size_t)j * ldb + p] : b[(size_t)p * ldb + j];
}

static float *random_matrix(size_t count, nn_rng *r) {
    float *v = malloc(count * sizeof(float));
    assert_non_null(v);
    for (size_t e = 0; e < count; e++) v[e] = 2.0f * nn_rng_uniform(r) - 1.0f;
    return v;
}

/* One GEMM through the kernel; fails the test on a normalised error above
 * 1e-6 (float accumulation over at most 512 terms stays near 1e-7). */
static void check_one(dims d, int trans_a, int trans_b, float beta, nn_rng *r) {
    const int pad = 5; /* leading dims past the row: rows start unaligned */
    int a_rows = trans_a ? d.k : d.m, a_cols = trans_a ? d.m : d.k;
    int b_rows = trans_b ? d.n : d.k, b_cols = trans_b ? d.k : d.n;
    int lda = a_cols + pad, ldb = b_cols + pad, ldc = d.n + pad;
    float *a = random_matrix((size_t)a_rows * lda, r);
    float *b = random_matrix((size_t)b_rows * ldb, r);
    float *c = random_matrix((size_t)d.m * ldc, r);
    float *c0 = malloc((size_t)d.m * ldc * sizeof(float));
    assert_non_null(c0);
    if (beta == 0.0f)
        for (size_t e = 0; e < (size_t)d.m * ldc; e++) c[e] = NAN;
    memcpy(c0, c, (size_t)d.m * ldc * sizeof(float));
    assert_int_equal(nn_block_gemm(trans_a, trans_b, d.m, d.n, d.k, a, lda, b, ldb, beta, c, ldc), 1);
    double num = 0, den = 0;
    for (int i = 0; i < d.m; i++) {
        for (int j = 0; j < d.n; j++) {
            double ref = beta == 0.0f ? 0.0 : beta * (double)c0[(size_t)i * ldc + j];
            for (int p = 0; p < d.k; p++) ref += op_a(a, lda, trans_a, i, p) * op_b(b, ldb, trans_b, p, j);
            double diff = c[(size_t)i * ldc + j] - ref;
            num += diff * diff;
            den += ref * ref;
        }
        for (int j = d.n; j < ldc; j++) /* the padding is not C's */
            assert_memory_equal(&c[(size_t)i * ldc + j], &c0[(size_t)i * ldc + j], sizeof(float));
    }
    double err = sqrt(num / (den > 0 ? den : 1));
    if (!(err < 1e-6))
        fail_msg("%dx%dx%d trans %d%d beta %g: normalised error %g", d.m, d.n, d.k, trans_a,
                 trans_b, beta, err);
    free(a), free(b), free(c), free(c0);
}

static void test_block_gemm_matches_reference(void **state) {
    (void)state;
    if (!nn_block_gemm_available()) skip(); /* no AVX-512: every GEMM is OpenBLAS's */
    const dims shapes[] = {{8, 32, 1},    {8, 32, 9},     {16, 64, 7},    {24, 96, 64},
                           {64, 32, 130}, {128, 256, 128}, {256, 256, 256}, {40, 160, 200}};
    const float betas[] = {0.0f, 1.0f, 0.9f};
    nn_rng r;
    nn_rng_seed(&r, 5);
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
        for (int t = 0; t < 4; t++)
            for (int bi = 0; bi < 3; bi++) check_one(shapes[s], t & 1, t >> 1, betas[bi], &r);
    /* no transpose: up to 512 deep, so two chunks of k (256 + 44, 256 + 256) */
    check_one((dims){32, 64, 300}, 0, 0, 0.0f, &r);
    check_one((dims){512, 512, 512}, 0, 0, 1.0f, &r);
}

/* Shapes outside the kernel's: 0 back and C as it was, for OpenBLAS. */
static void test_block_gemm_refuses_other_shapes(void **state) {
    (void)state;
    const struct {
        int trans_a, trans_b, m, n, k;
    } refused[] = {{0, 0, 12, 32, 8},  {0, 0, 8, 48, 8},   {0, 0, 8, 32, 0},   {0, 0, 520, 32, 8},
                   {0, 0, 8, 544, 8},  {0, 0, 8, 32, 513}, {1, 0, 8, 32, 300}, {0, 1, 264, 32, 8},
                   {1, 1, 8, 288, 8}};
    float *a = calloc(600 * 600, sizeof(float)), *b = calloc(600 * 600, sizeof(float));
    float *c = malloc(600 * 600 * sizeof(float));
    assert_non_null(a), assert_non_null(b), assert_non_null(c);
    for (size_t e = 0; e < 600 * 600; e++) c[e] = 3.0f;
    for (size_t s = 0; s < sizeof refused / sizeof refused[0]; s++)
        assert_int_equal(nn_block_gemm(refused[s].trans_a, refused[s].trans_b, refused[s].m,
                                       refused[s].n, refused[s].k, a, 600, b, 600, 0.0f, c, 600),
                         0);
    for (size_t e = 0; e < 600 * 600; e++) assert_true(c[e] == 3.0f);
    free(a), free(b), free(c);
}

/* The other tests skip where the kernel is unavailable; so a broken CPU
 * check must not pass for "unavailable": it has to agree with the kernel's
 * own report of the CPU's flags (Linux, x86-64). */
static void test_block_gemm_available_matches_cpu(void **state) {
    (void)state;
#if defined(__x86_64__)
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f) skip();
    char line[8192];
    int has = -1; /* the first "flags" line decides */
    while (has < 0 && fgets(line, sizeof line, f))
        if (!strncmp(line, "flags", 5)) has = strstr(line, " avx512f ") || strstr(line, " avx512f\n");
    fclose(f);
    if (has < 0) skip();
    assert_int_equal(nn_block_gemm_available(), has);
#else
    assert_int_equal(nn_block_gemm_available(), 0);
#endif
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_block_gemm_matches_reference),
        cmocka_unit_test(test_block_gemm_refuses_other_shapes),
        cmocka_unit_test(test_block_gemm_available_matches_cpu),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
