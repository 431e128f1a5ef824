/* The block SGEMM of nn/block_gemm.h. C is computed in tiles of 12 (or 8)
 * rows x 32 columns held in 24 (16) AVX-512 registers for the whole of a K
 * chunk (256 deep): each step of k loads 32 floats of a packed B panel and
 * broadcasts 12 floats of A, 24 fused multiply-adds. B's panel (k x 32,
 * packed once per 32 columns, transposed on the way when B is) stays in L1
 * while the tiles walk down the rows of A. A is read in place, one stream
 * per row; a transposed A is first copied into 8-column panels so that each
 * step's 8 floats are adjacent. */
#include "block_gemm.h"

#include <stddef.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

enum {
    TILE_ROWS = 8,         /* rows of C per tile on a packed A (12, 8, 4 in place) */
    TILE_ROWS_MAX = 12,    /* 24 accumulators, 2 B registers, 1 broadcast */
    TILE_COLS = 32,        /* columns of C per tile: two zmm registers */
    K_CHUNK = 256,         /* depth per pass: a B panel of 32 KB */
    ROW_CHUNK = 256,       /* rows of a transposed A packed at a time: 256 KB */
    BLOCK_MAX = 512,       /* larger GEMMs are OpenBLAS's; so are those */
    BLOCK_MAX_TRANS = 256, /* with a transposed operand from 512 (measured faster there) */
};

#define TARGET __attribute__((target("avx2,fma,avx512f")))
/* each tile keeps its own registers: inlined into the loop nest, GCC spilled
 * the 24 accumulators (the forward GEMM ran at 2/3 speed) */
#define NOINLINE __attribute__((noinline))

int nn_block_gemm_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") != 0; /* a flag bit, not 1 */
}

/* C tile (rows x 32, row step ldc) = beta C + A (rows x kc) Bp (kc x 32,
 * packed). Row r of A at a + r*row_step, its k-th element at + k*k_step.
 * rows is a constant at each call below (12, 8 or 4), so the loops unroll
 * into 2 x rows accumulator registers. */
__attribute__((always_inline)) TARGET static inline void tile_rows(
    const int rows, int kc, const float *a, ptrdiff_t row_step, ptrdiff_t k_step, const float *bp,
    float beta, float *c, ptrdiff_t ldc) {
    __m512 acc[TILE_ROWS_MAX][2];
#pragma GCC unroll 12
    for (int r = 0; r < rows; r++) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
    for (int k = 0; k < kc; k++) {
        __m512 b0 = _mm512_load_ps(bp), b1 = _mm512_load_ps(bp + 16);
        bp += TILE_COLS;
        const float *ak = a + k * k_step;
#pragma GCC unroll 12
        for (int r = 0; r < rows; r++) {
            __m512 ar = _mm512_set1_ps(ak[r * row_step]);
            acc[r][0] = _mm512_fmadd_ps(ar, b0, acc[r][0]);
            acc[r][1] = _mm512_fmadd_ps(ar, b1, acc[r][1]);
        }
    }
#pragma GCC unroll 12
    for (int r = 0; r < rows; r++) {
        float *cr = c + r * ldc;
        if (beta != 0.0f) {
            __m512 vb = _mm512_set1_ps(beta);
            acc[r][0] = _mm512_fmadd_ps(vb, _mm512_loadu_ps(cr), acc[r][0]);
            acc[r][1] = _mm512_fmadd_ps(vb, _mm512_loadu_ps(cr + 16), acc[r][1]);
        }
        _mm512_storeu_ps(cr, acc[r][0]);
        _mm512_storeu_ps(cr + 16, acc[r][1]);
    }
}

#define TILE_OF(ROWS)                                                                              \
    TARGET NOINLINE static void tile_##ROWS##x32(int kc, const float *a, ptrdiff_t row_step,       \
                                                 ptrdiff_t k_step, const float *bp, float beta,    \
                                                 float *c, ptrdiff_t ldc) {                        \
        tile_rows(ROWS, kc, a, row_step, k_step, bp, beta, c, ldc);                                \
    }
TILE_OF(12)
TILE_OF(8)
TILE_OF(4)

/* Rows [i0, i1) of C's 32 columns at j0 from an A read in place: 12-row
 * tiles (24 accumulators; measured 4% faster than 8 on the dW GEMM), then
 * 8 and 4 for the rest of a multiple of 8. */
TARGET static void tiles_in_place(int i0, int i1, int kc, const float *a, int lda,
                                  const float *bp, float beta, float *c, int ldc) {
    int i = i0;
    for (; i + 12 <= i1; i += 12)
        tile_12x32(kc, a + (ptrdiff_t)i * lda, lda, 1, bp, beta, c + (ptrdiff_t)i * ldc, ldc);
    for (; i + 8 <= i1; i += 8)
        tile_8x32(kc, a + (ptrdiff_t)i * lda, lda, 1, bp, beta, c + (ptrdiff_t)i * ldc, ldc);
    for (; i < i1; i += 4)
        tile_4x32(kc, a + (ptrdiff_t)i * lda, lda, 1, bp, beta, c + (ptrdiff_t)i * ldc, ldc);
}

/* Bp[k][0..32) = B[k0+k][j0..j0+32), B row-major (k x n). */
TARGET static void pack_b(const float *b, int ldb, int k0, int kc, int j0, float *bp) {
    for (int k = 0; k < kc; k++) {
        const float *row = b + (ptrdiff_t)(k0 + k) * ldb + j0;
        _mm512_store_ps(bp + k * TILE_COLS, _mm512_loadu_ps(row));
        _mm512_store_ps(bp + k * TILE_COLS + 16, _mm512_loadu_ps(row + 16));
    }
}

/* dst[c][r] = src[r][c] for an 8 x 8 square: unpack, shuffle, then swap
 * 128-bit halves, all in registers. */
TARGET static void transpose_8x8(const float *src, ptrdiff_t ld, float *dst, ptrdiff_t dst_ld) {
    __m256 r[8], t[8], u[8];
    for (int q = 0; q < 8; q++) r[q] = _mm256_loadu_ps(src + q * ld);
    for (int q = 0; q < 8; q += 2) {
        t[q] = _mm256_unpacklo_ps(r[q], r[q + 1]);
        t[q + 1] = _mm256_unpackhi_ps(r[q], r[q + 1]);
    }
    for (int q = 0; q < 8; q += 4) {
        u[q] = _mm256_shuffle_ps(t[q], t[q + 2], _MM_SHUFFLE(1, 0, 1, 0));
        u[q + 1] = _mm256_shuffle_ps(t[q], t[q + 2], _MM_SHUFFLE(3, 2, 3, 2));
        u[q + 2] = _mm256_shuffle_ps(t[q + 1], t[q + 3], _MM_SHUFFLE(1, 0, 1, 0));
        u[q + 3] = _mm256_shuffle_ps(t[q + 1], t[q + 3], _MM_SHUFFLE(3, 2, 3, 2));
    }
    for (int q = 0; q < 4; q++) {
        _mm256_storeu_ps(dst + q * dst_ld, _mm256_permute2f128_ps(u[q], u[q + 4], 0x20));
        _mm256_storeu_ps(dst + (q + 4) * dst_ld, _mm256_permute2f128_ps(u[q], u[q + 4], 0x31));
    }
}

/* dst[k][0..width) = src[r][k0 + k] for rows r of a row-major matrix (row
 * step ld): a panel of `width` rows (a multiple of 8) turned k-major. */
TARGET static void pack_rows_k_major(const float *src, int ld, int k0, int kc, int width,
                                     float *dst) {
    int k = 0;
    for (; k + 8 <= kc; k += 8)
        for (int r = 0; r < width; r += 8)
            transpose_8x8(src + (ptrdiff_t)r * ld + k0 + k, ld, dst + (ptrdiff_t)k * width + r, width);
    for (; k < kc; k++)
        for (int r = 0; r < width; r++) dst[(ptrdiff_t)k * width + r] = src[(ptrdiff_t)r * ld + k0 + k];
}

/* Ap[panel][k][0..8) for rows i0.. of op(A) from A^T (k x m): each step's
 * 8 floats are adjacent already, so a panel is one 8-float copy per k. */
TARGET static void pack_a_transposed(const float *at, int lda, int k0, int kc, int i0, int rows,
                                     float *ap) {
    for (int p = 0; p < rows; p += TILE_ROWS)
        for (int k = 0; k < kc; k++)
            _mm256_store_ps(ap + (ptrdiff_t)p * kc + k * TILE_ROWS,
                            _mm256_loadu_ps(at + (ptrdiff_t)(k0 + k) * lda + i0 + p));
}

TARGET static void block_gemm_avx512(int trans_a, int trans_b, int m, int n, int k,
                                     const float *a, int lda, const float *b, int ldb, float beta,
                                     float *c, int ldc) {
    _Alignas(64) float b_panel[K_CHUNK * TILE_COLS];
    _Alignas(64) float a_panels[ROW_CHUNK * K_CHUNK];
    /* A is read in place unless transposed (packing it anyway measured
     * slower); in place it needs no row chunks, so B is packed once per k chunk */
    int row_chunk = trans_a ? ROW_CHUNK : m;
    for (int k0 = 0; k0 < k; k0 += K_CHUNK) {
        int kc = k - k0 < K_CHUNK ? k - k0 : K_CHUNK;
        float beta_k = k0 == 0 ? beta : 1.0f; /* later chunks add to the first */
        for (int i0 = 0; i0 < m; i0 += row_chunk) {
            int rows = m - i0 < row_chunk ? m - i0 : row_chunk;
            if (trans_a) pack_a_transposed(a, lda, k0, kc, i0, rows, a_panels);
            for (int j0 = 0; j0 < n; j0 += TILE_COLS) {
                if (trans_b)
                    pack_rows_k_major(b + (ptrdiff_t)j0 * ldb, ldb, k0, kc, TILE_COLS, b_panel);
                else pack_b(b, ldb, k0, kc, j0, b_panel);
                if (!trans_a) {
                    tiles_in_place(i0, i0 + rows, kc, a + k0, lda, b_panel, beta_k, c + j0, ldc);
                    continue;
                }
                for (int i = i0; i < i0 + rows; i += TILE_ROWS)
                    tile_8x32(kc, a_panels + (ptrdiff_t)(i - i0) * kc, 1, TILE_ROWS, b_panel,
                              beta_k, c + (ptrdiff_t)i * ldc + j0, ldc);
            }
        }
    }
}

int nn_block_gemm(int trans_a, int trans_b, int m, int n, int k, const float *a, int lda,
                  const float *b, int ldb, float beta, float *c, int ldc) {
    if (m <= 0 || n <= 0 || k <= 0 || m % TILE_ROWS || n % TILE_COLS) return 0;
    int max = trans_a || trans_b ? BLOCK_MAX_TRANS : BLOCK_MAX;
    if (m > max || n > max || k > max) return 0;
    if (!nn_block_gemm_available()) return 0;
    block_gemm_avx512(trans_a, trans_b, m, n, k, a, lda, b, ldb, beta, c, ldc);
    return 1;
}

#else /* not x86-64 with GCC or Clang: OpenBLAS does every GEMM */

int nn_block_gemm_available(void) { return 0; }

int nn_block_gemm(int trans_a, int trans_b, int m, int n, int k, const float *a, int lda,
                  const float *b, int ldb, float beta, float *c, int ldc) {
    (void)trans_a, (void)trans_b, (void)m, (void)n, (void)k, (void)a, (void)lda, (void)b;
    (void)ldb, (void)beta, (void)c, (void)ldc;
    return 0;
}

#endif
