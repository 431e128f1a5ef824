/* A register-tiled SGEMM for the small GEMMs of DYAD's blocks (nn/block_gemm.c).
 *
 * OpenBLAS is tuned for large GEMMs: on a 128 x 256 x 128 block it spends
 * about a fifth of its time packing both operands and zeroing C, work that
 * a 2048-wide dense GEMM spreads over 16 times more multiply-adds. This
 * kernel reads A in place (or packs a thin panel when A is transposed),
 * packs B once per 32 columns and never touches C before writing it. The
 * CPU backend (nn/kernels_cpu.c) calls it first and falls back to OpenBLAS
 * for every shape or CPU it does not handle. */
#ifndef NN_BLOCK_GEMM_H
#define NN_BLOCK_GEMM_H

/* 1 when this CPU runs the kernel (x86-64 with AVX-512F). */
int nn_block_gemm_available(void);

/* Row-major C (m x n) = beta C + op(A) op(B), as cblas_sgemm with alpha 1;
 * op(A) is m x k, op(B) k x n. beta 0 never reads C. Returns 1 when done,
 * 0 (nothing written) when the kernel does not take the shape: m a multiple
 * of 8, n of 32, and m, n, k all at most 512, or 256 when A or B is
 * transposed (a block, not a dense layer; OpenBLAS is faster beyond). */
int nn_block_gemm(int trans_a, int trans_b, int m, int n, int k, const float *a, int lda,
                  const float *b, int ldb, float beta, float *c, int ldc);

#endif
