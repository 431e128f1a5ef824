/* The CUDA backend's own FP32 GEMM for short-k batches (nn/cuda_sgemm.cu),
 * internal to nn/: nn/kernels_cuda.cu sends an nn_gemm batch here when it
 * fits, with the bias/ReLU epilogue fused into the store. */
#ifndef NN_CUDA_SGEMM_H
#define NN_CUDA_SGEMM_H

#ifdef __cplusplus
extern "C" {
#endif

#include "kernels.h"

/* Longest k sent here: at k = 1024 cuBLAS was faster (H200, width 4096 and
 * 8192; tests/bench/h200/RESULTS.md). */
#define NN_CUDA_SGEMM_MAX_K 512
/* Fewest 128 x 128 output tiles sent here: fewer leave a large GPU part
 * idle, where cuBLAS picks smaller tiles (an H200 has 132 multiprocessors,
 * two blocks each; at batch 256 this kernel made DYAD up to 1.6x slower). */
#define NN_CUDA_SGEMM_MIN_TILES 384

/* 1 when count items of g run here: B not transposed; m and n multiples of
 * 128, k of 32 and at most NN_CUDA_SGEMM_MAX_K; at least
 * NN_CUDA_SGEMM_MIN_TILES tiles in all; leading dimensions, strides and
 * pointers float4-aligned. */
int nn_cuda_sgemm_fits(const nn_gemm *g, int count);

/* Once per process (idempotent): lets the kernels take their 64 KB of shared memory. */
void nn_cuda_sgemm_init(void);

/* 1 when `second` only adds onto `first`'s C (same C and shape, beta 1, no
 * SGD update on either, and not reading that C) and both fit: the two then
 * run as one launch, C = op(A1) B1 + op(A2) B2 + beta1 C over k1 + k2
 * (DYAD-IT's forward and DYAD-OT's dx: BLOCK DIAG and BLOCK TRANS of a
 * block write the same rows). */
int nn_cuda_sgemm_joins(const nn_gemm *first, const nn_gemm *second, int count);

/* 1 when op g (count items) reads any float in [lo, hi). An own launch
 * that reads nothing the kernel before it writes may multiply while that
 * kernel's last blocks still run (see nn_cuda_sgemm's early). */
int nn_cuda_sgemm_reads(const nn_gemm *g, int count, const float *lo, const float *hi);

/* One launch of the kernel: one op, or two that join. The kernel reads A
 * stored k x m; a plain A (trans_a 0) is read from a transposed copy that
 * the caller provides (nn/kernels_cuda.cu keeps them across calls). */
typedef struct {
    const nn_gemm *parts;
    int nparts;
    float *a_t[2];     /* each part's plain A transposed, item t at a_t + t * m * k; NULL for trans_a */
    int write_a_t[2];  /* 1: a_t is to be written from A first (nn_cuda_sgemm_transpose) */
} nn_cuda_sgemm_launch;

/* Transposes the plain A of every part marked write_a_t into its a_t, in
 * one kernel for up to four. Queued before the launches' GEMMs; returns
 * the number of kernels queued. */
int nn_cuda_sgemm_transpose(const nn_cuda_sgemm_launch *launches, int nlaunches, int count);

/* Where a one-part launch that takes its B's row sums (nn_gemm.b_rowsum)
 * keeps its per-tile partial sums while it runs: partial holds
 * nn_cuda_sgemm_row_sum_floats(its op, count) floats, done one counter per
 * item, zero before the first such launch (each launch leaves them at
 * zero). Two such launches must not run at the same time. */
typedef struct {
    float *partial;
    unsigned *done;
} nn_cuda_row_sum_work;
size_t nn_cuda_sgemm_row_sum_floats(const nn_gemm *g, int count);

/* Queues the launch on the default stream: its parts summed into parts[0]'s
 * C with parts[0]'s beta; with ep non-NULL, bias and ReLU are applied as
 * each item's C is stored (ep's SGD fields unused). A one-part launch may
 * begin while the kernel before it drains (programmatic dependent launch).
 * early: that kernel lets its successor start early (an own GEMM, the row
 * sums) and writes nothing this launch reads
 * (nn_cuda_sgemm_reads), so only the stores wait for it; otherwise the
 * launch waits before reading anything. A two-part launch is a plain one:
 * it starts when the kernel before it has ended (its kernel keeps the code
 * it was measured with, see nn/cuda_sgemm.cu). With work (one-part launches
 * only), the op's B row sums go to its b_rowsum too: each block sums its
 * columns of a share of B's rows after its stores, reading them again from
 * L2 (so it pays only while B is not much larger than L2). */
void nn_cuda_sgemm(const nn_cuda_sgemm_launch *launch, int count, const nn_epilogue *ep,
                   int early, const nn_cuda_row_sum_work *work);

#ifdef __cplusplus
}
#endif

#endif
