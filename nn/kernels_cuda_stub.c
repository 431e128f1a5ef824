/* The CUDA backend of a build without CUDA (plain make): creating a CUDA
 * context fails with a message that says how to get one; nothing else is
 * reachable without a context. make CUDA=1 replaces this file with
 * nn/kernels_cuda.cu. */
#include "kernels_cuda.h"

#include <stdlib.h>

nn_status nn_cuda_create(nn_cuda **cu, nn_precision precision, nn_error *err) {
    (void)precision;
    *cu = NULL;
    return nn_fail(err, NN_ERR_ARG, "this dyad was built without CUDA (build with make CUDA=1)");
}

void nn_cuda_free(nn_cuda *cu) { (void)cu; }
const char *nn_cuda_describe(const nn_cuda *cu) { (void)cu; return "cuda (not built)"; }
int nn_cuda_block_kernel_available(const nn_cuda *cu) { (void)cu; return 0; }
float *nn_cuda_alloc(nn_cuda *cu, size_t n) { (void)cu, (void)n; return NULL; }
void nn_cuda_release(nn_cuda *cu, float *p) { (void)cu, (void)p; }
void nn_cuda_upload(nn_cuda *cu, float *dst, const float *src, size_t n) { (void)cu, (void)dst, (void)src, (void)n; abort(); }
void nn_cuda_download(nn_cuda *cu, float *dst, const float *src, size_t n) { (void)cu, (void)dst, (void)src, (void)n; abort(); }
nn_status nn_cuda_sync(nn_cuda *cu, nn_error *err) { (void)cu, (void)err; return NN_OK; }

void nn_cuda_gemm_items(nn_cuda *cu, const nn_gemm *ops, int nops, int count, const nn_epilogue *ep,
                        int own_kernel) {
    (void)cu, (void)ops, (void)nops, (void)count, (void)ep, (void)own_kernel;
    abort();
}
void nn_cuda_relu_backward_rowsum(nn_cuda *cu, float *dy, const float *y, int rows, int batch, float *rowsum) {
    (void)cu, (void)dy, (void)y, (void)rows, (void)batch, (void)rowsum;
    abort();
}
float nn_cuda_softmax_xent(nn_cuda *cu, const float *logits, const uint8_t *labels, int classes,
                           int batch, float *dlogits, int *hits) {
    (void)cu, (void)logits, (void)labels, (void)classes, (void)batch, (void)dlogits, (void)hits;
    abort();
}
void nn_cuda_argmax_columns(nn_cuda *cu, const float *m, int classes, int batch, uint8_t *out) {
    (void)cu, (void)m, (void)classes, (void)batch, (void)out;
    abort();
}
void nn_cuda_gather_u8(nn_cuda *cu, float *x, const uint8_t *pixels, int nimages, const int *indices, int count,
                       int features, float scale) {
    (void)cu, (void)x, (void)pixels, (void)nimages, (void)indices, (void)count, (void)features, (void)scale;
    abort();
}
void nn_cuda_sgd_update(nn_cuda *cu, float *p, const float *g, float *m, size_t n, float lr,
                        float momentum, float weight_decay) {
    (void)cu, (void)p, (void)g, (void)m, (void)n, (void)lr, (void)momentum, (void)weight_decay;
    abort();
}
void nn_cuda_adam_update(nn_cuda *cu, float *p, const float *g, float *m, float *v, size_t n,
                         float lr, float beta1, float beta2, float eps, float weight_decay,
                         float bc1, float bc2) {
    (void)cu, (void)p, (void)g, (void)m, (void)v, (void)n, (void)lr, (void)beta1, (void)beta2,
        (void)eps, (void)weight_decay, (void)bc1, (void)bc2;
    abort();
}
void nn_cuda_mask_multiply(nn_cuda *cu, float *v, const float *mask, size_t n) {
    (void)cu, (void)v, (void)mask, (void)n;
    abort();
}
void nn_cuda_fill(nn_cuda *cu, float *v, size_t n, float value) {
    (void)cu, (void)v, (void)n, (void)value;
    abort();
}
