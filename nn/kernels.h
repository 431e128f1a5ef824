/* The compute seam: the few operations layers, the MLP, the optimisers and the
 * trainer need, and the context that runs them. Layer code says *what* to
 * compute (which GEMMs over which strided slices, which epilogue); a backend
 * file says *how*. nn/kernels_cpu.c is the CPU backend: it alone owns the
 * thread pool and OpenBLAS's thread count. nn/kernels_cuda.cu is the CUDA
 * backend (make CUDA=1): a context made by nn_compute_create_cuda runs every
 * function below on device buffers (cuBLAS strided-batched GEMMs and small
 * kernels); the caller allocates those with nn_compute_alloc.
 *
 * Matrices are row-major; activations are feature-major (features x batch).
 * Pointers are host memory for a CPU context, device memory for a CUDA one,
 * except where a parameter says "host". */
#ifndef NN_KERNELS_H
#define NN_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

typedef struct nn_compute nn_compute;

/* How the cores are used. POOL (the default): GEMMs run single-threaded side
 * by side, one item (a DYAD block, a slice of a dense layer's rows) per task.
 * BLAS: items run one after another and OpenBLAS threads each GEMM itself. */
typedef enum { NN_THREADING_POOL = 0, NN_THREADING_BLAS } nn_threading;

/* threads counts the caller; threads <= 0 takes every core OpenBLAS sees. */
nn_status nn_compute_create(nn_compute **c, int threads, nn_error *err);
void nn_compute_free(nn_compute *c);
/* A NULL context is valid everywhere: one thread, everything in order. */
int nn_compute_threads(const nn_compute *c);
void nn_compute_set_threading(nn_compute *c, nn_threading threading);
/* Small GEMMs (DYAD's blocks) run on nn/block_gemm.c's AVX-512 kernel where
 * the CPU has it (on by default); off sends every GEMM to OpenBLAS, for
 * comparisons and tests. On a CUDA context the same switch governs the own
 * FP32 short-k kernel (nn/cuda_sgemm.cu; off: cuBLAS only). Says whether it
 * is in use: nn_compute_block_kernel. */
void nn_compute_set_block_kernel(nn_compute *c, int on);
int nn_compute_block_kernel(const nn_compute *c);

/* GEMM arithmetic on a CUDA context: FP32 (the default, same maths as the
 * CPU), TF32 tensor cores (10-bit mantissa inputs), BF16 tensor cores
 * (8-bit mantissa inputs); accumulation is FP32 in every mode. */
typedef enum { NN_PRECISION_FP32 = 0, NN_PRECISION_TF32, NN_PRECISION_BF16 } nn_precision;
const char *nn_precision_name(nn_precision p);
nn_status nn_precision_parse(const char *name, nn_precision *p);

/* A context on the first CUDA device. Fails with a clear message when the
 * program was built without CUDA (make CUDA=1) or no device answers. */
nn_status nn_compute_create_cuda(nn_compute **c, nn_precision precision, nn_error *err);
/* 1 when the context's buffers live on a GPU. */
int nn_compute_on_device(const nn_compute *c);
/* "cpu" or e.g. "cuda (NVIDIA H200, fp32)". */
const char *nn_compute_describe(const nn_compute *c);
/* The CPU backend's BLAS as it describes itself (library config and the
 * kernel core it picked), into buf; for reports and benchmarks. */
void nn_compute_blas_info(char *buf, size_t size);

/* Buffers of n floats in the context's memory, zeroed; NULL when out of
 * memory. nn_compute_release(c, p) frees what nn_compute_alloc(c, n) gave. */
float *nn_compute_alloc(nn_compute *c, size_t n);
void nn_compute_release(nn_compute *c, float *p);
/* Copies between host memory and the context's memory (memcpy on a CPU). */
void nn_compute_upload(nn_compute *c, float *dst, const float *host_src, size_t n);
void nn_compute_download(nn_compute *c, float *host_dst, const float *src, size_t n);
/* Waits until queued work is done (for timers), then reports the first
 * device error since the last call (NN_OK on a CPU). */
nn_status nn_compute_sync(nn_compute *c, nn_error *err);

/* Runs task(ctx, i) for i in [0, ntasks) across the context's threads. */
void nn_compute_run(nn_compute *c, int ntasks, void (*task)(void *ctx, int index), void *ctx);

/* ------------------------------------------------------------------ GEMM */

/* One strided batch of GEMMs: item t computes
 *   C_t = op(A_t) op(B_t) + beta C_t,  X_t = x + t * stride_x,
 * op(A) m x k, op(B) k x n, C m x n with leading dimension ldc.
 * With sgd_param set, C is a momentum buffer and the SGD epilogue follows:
 *   P_t -= lr * (C_t + weight_decay * P_t), P_t laid out like C_t.
 * With b_rowsum set (B not transposed), the op also writes the row sums of
 * B_t over its n columns, b_rowsum[t * b_rowsum_stride + r] for r < k: a
 * layer's bias gradient, when B is dy (its dx GEMM). The CUDA backend's
 * own GEMM takes them in the same launch while B fits its L2 well enough
 * (nn/kernels_cuda.cu), saving a pass over dy. */
typedef struct {
    int trans_a, trans_b;
    int m, n, k;
    const float *a;
    int lda;
    ptrdiff_t stride_a;
    const float *b;
    int ldb;
    ptrdiff_t stride_b;
    float beta;
    float *c;
    int ldc;
    ptrdiff_t stride_c;
    float *sgd_param; /* NULL: no update */
    float *b_rowsum;  /* NULL: no row sums */
    ptrdiff_t b_rowsum_stride;
} nn_gemm;

/* What happens to an item's rows once its GEMMs are done. */
typedef struct {
    /* row r of item t's last C gets bias[t * bias_stride + r * bias_step] */
    const float *bias;
    ptrdiff_t bias_stride;
    int bias_step;
    int relu;       /* then max(0, .) */
    float lr, weight_decay; /* for the GEMMs' sgd_param */
} nn_epilogue;

/* Runs count items side by side; each item runs ops[0..nops) in order (so
 * they may write the same rows, and may differ in shape), then the epilogue
 * (bias and ReLU on the last op's C). A single item with one op and enough
 * work is split over the threads by rows of C. ep may be NULL. */
void nn_gemm_items(nn_compute *c, const nn_gemm *ops, int nops, int count, const nn_epilogue *ep);

/* The same ops, step by step: op 0 over every item, then op 1 over every
 * item, and so on, then the epilogue on the last op's C. For ops that write
 * rows other items' ops write too (DYAD's BLOCK TRANS on strided rows adds
 * onto rows of every block's BLOCK DIAG), which nn_gemm_items forbids. */
void nn_gemm_steps(nn_compute *c, const nn_gemm *ops, int nops, int count, const nn_epilogue *ep);

/* ------------------------------------------------ element-wise and the rest */

/* dy (rows x batch): zeroed where y <= 0 when y is not NULL (ReLU), and
 * rowsum[r] = sum of row r afterwards: one pass. */
void nn_relu_backward_rowsum(nn_compute *c, float *dy, const float *y, int rows, int batch, float *rowsum);

/* Softmax cross-entropy on logits (classes x batch); writes d(mean loss)/dlogits
 * and returns the mean loss; *hits counts argmax == label. labels: host. */
float nn_softmax_xent(nn_compute *c, const float *logits, const uint8_t *labels, int classes, int batch,
                      float *dlogits, int *hits);

/* Softmax of one sample's logits (classes floats, host). */
void nn_softmax(const float *logits, int classes, float *probs);

/* Argmax per column of a (classes x batch) matrix; out: host. */
void nn_argmax_columns(nn_compute *c, const float *m, int classes, int batch, uint8_t *out);

/* x (features x count) = pixels[indices[s]] * scale, transposed to feature-major.
 * pixels (nimages x features) and indices: host. A CUDA context uploads the
 * indices (the batch's only copy per step) and keeps a device copy of the
 * whole pixel arrays it has gathered from (the last two, keyed by address
 * and size): an array must not change while the context lives. */
void nn_gather_u8(nn_compute *c, float *x, const uint8_t *pixels, int nimages, const int *indices,
                  int count, int features,
                  float scale);

/* SGD with momentum and decoupled decay over n floats:
 *   m = momentum m + g;  p -= lr (m + wd p). */
void nn_sgd_update(nn_compute *c, float *p, const float *g, float *m, size_t n, float lr,
                   float momentum, float weight_decay);
/* Adam with bias corrections bc1 = 1 - beta1^t, bc2 = 1 - beta2^t. */
void nn_adam_update(nn_compute *c, float *p, const float *g, float *m, float *v, size_t n,
                    float lr, float beta1, float beta2, float eps, float weight_decay, float bc1,
                    float bc2);

/* v[e] *= mask[e] for e < n (the sparse kind's masked weight gradient). */
void nn_mask_multiply(nn_compute *c, float *v, const float *mask, size_t n);
/* v[e] = value for e < n (e.g. NaN over an output a pass could not compute). */
void nn_fill(nn_compute *c, float *v, size_t n, float value);

/* Host buffers: zeroed, 64-byte aligned floats; NULL when out of memory. */
float *nn_alloc_floats(size_t n);
void nn_free_floats(float *p);

#endif
