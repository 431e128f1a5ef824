/* The CUDA backend's entry points, called by nn/kernels_cpu.c when a context
 * runs on a GPU (internal to nn/). nn/kernels_cuda.cu defines them in a
 * CUDA build; nn/kernels_cuda_stub.c otherwise (create fails, the rest is
 * never reached). Same meanings as the functions of nn/kernels.h. */
#ifndef NN_KERNELS_CUDA_H
#define NN_KERNELS_CUDA_H

#ifdef __cplusplus
extern "C" {
#endif

#include "kernels.h"

typedef struct nn_cuda nn_cuda;

nn_status nn_cuda_create(nn_cuda **cu, nn_precision precision, nn_error *err);
void nn_cuda_free(nn_cuda *cu);
const char *nn_cuda_describe(const nn_cuda *cu);
/* Whether the own short-k GEMM (nn/cuda_sgemm.cu) can run here: FP32 only. */
int nn_cuda_block_kernel_available(const nn_cuda *cu);
float *nn_cuda_alloc(nn_cuda *cu, size_t n);
void nn_cuda_release(nn_cuda *cu, float *p);
void nn_cuda_upload(nn_cuda *cu, float *dst, const float *src, size_t n);
void nn_cuda_download(nn_cuda *cu, float *dst, const float *src, size_t n);
nn_status nn_cuda_sync(nn_cuda *cu, nn_error *err);

/* own_kernel 0 sends every GEMM to cuBLAS (nn_compute_set_block_kernel). */
void nn_cuda_gemm_items(nn_cuda *cu, const nn_gemm *ops, int nops, int count,
                        const nn_epilogue *ep, int own_kernel);
void nn_cuda_relu_backward_rowsum(nn_cuda *cu, float *dy, const float *y, int rows, int batch,
                                  float *rowsum);
float nn_cuda_softmax_xent(nn_cuda *cu, const float *logits, const uint8_t *labels, int classes,
                           int batch, float *dlogits, int *hits);
void nn_cuda_argmax_columns(nn_cuda *cu, const float *m, int classes, int batch, uint8_t *out);
void nn_cuda_gather_u8(nn_cuda *cu, float *x, const uint8_t *pixels, int nimages, const int *indices,
                       int count, int features, float scale);
void nn_cuda_sgd_update(nn_cuda *cu, float *p, const float *g, float *m, size_t n, float lr,
                        float momentum, float weight_decay);
void nn_cuda_adam_update(nn_cuda *cu, float *p, const float *g, float *m, float *v, size_t n,
                         float lr, float beta1, float beta2, float eps, float weight_decay,
                         float bc1, float bc2);
void nn_cuda_mask_multiply(nn_cuda *cu, float *v, const float *mask, size_t n);
void nn_cuda_fill(nn_cuda *cu, float *v, size_t n, float value);

#ifdef __cplusplus
}
#endif

#endif
