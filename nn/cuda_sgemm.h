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

/* Once per process (idempotent): lets the kernel take its 64 KB of shared memory. */
void nn_cuda_sgemm_init(void);

/* Queues the batch on the default stream; with ep non-NULL, bias and ReLU
 * are applied to each item's C as it is stored (ep's SGD fields unused).
 * A plain A (trans_a 0) is first transposed into a_scratch, which holds
 * count * m * k floats (unused when trans_a is set). */
void nn_cuda_sgemm(const nn_gemm *g, int count, const nn_epilogue *ep, float *a_scratch);

#ifdef __cplusplus
}
#endif

#endif
