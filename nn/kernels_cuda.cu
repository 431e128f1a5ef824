/* The CUDA backend of nn/kernels.h (make CUDA=1). A GEMM batch is one
 * cuBLAS strided-batched call, or, for FP32 batches of short k and many
 * tiles (DYAD's forward and dx at large widths), one launch of the own
 * kernel in nn/cuda_sgemm.cu. nn_gemm already says item t's matrices start
 * at x + t * stride_x, which is exactly cuBLAS's batch stride, so DYAD's
 * BLOCK DIAG and BLOCK TRANS (strided rows: leading dimension ndyad x batch,
 * batch stride one row) each become one call. Row-major C = op(A) op(B) is
 * column-major C^T = op(B)^T op(A)^T, so A and B swap places. Bias/ReLU, the
 * fused SGD epilogue, softmax cross-entropy, the optimisers and the batch
 * gather are small kernels. Everything runs on the legacy default stream, in
 * order; the host waits only where a result comes back (loss, predictions). */
#include <cublas_v2.h>
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cuda_sgemm.h"
#include "kernels_cuda.h"

#define THREADS 256

/* A BF16 copy of span floats from src, kept across calls (x converted for
 * the forward GEMMs serves the dW GEMM, dy converted for dx serves dW, a
 * weight serves forward and dx) until something writes over src: every
 * entry point that writes device memory forgets the copies it touches. */
#define HALF_SLOTS 8
typedef struct {
    const float *src;
    long long span;
    int valid;
    unsigned long long used; /* for least-recently-used replacement */
    __nv_bfloat16 *buf;
    size_t cap;
} bf16_copy;

/* A plain A that the own kernel reads transposed (nn/cuda_sgemm.cu reads
 * A stored k x m), kept across calls by the same rule as the BF16 copies:
 * a weight is transposed once, not before every forward, until something
 * writes it. The fused SGD step, which writes a layer's weights every
 * training step, writes their copy too (sgd_epilogue_transposed), so a
 * training step does not transpose either. Item t of the copy is k x m at
 * buf + t * m * k. */
#define TRANS_SLOTS 8
typedef struct {
    const float *src;
    int m, k, lda, count;
    long long stride, span;
    int valid;
    unsigned long long used; /* for least-recently-used replacement */
    float *buf;
    size_t cap;
} trans_copy;

/* The device pointer arrays of one split GEMM (see split_gemm), kept with
 * what they were made from: a training loop's dW GEMMs come back every step
 * with the same operands, so their arrays are written once, not per call. */
#define SPLIT_SLOTS 4
typedef struct {
    const void *a, *b;
    const float *work;
    long long stride_a, stride_b, a_step, b_step, mn;
    size_t items;
    int ways, esize, valid;
    unsigned long long used;
    void **ptrs;
    size_t cap;
} split_slot;

/* What the last kernel queued may still be writing when an own GEMM is
 * launched to start early (programmatic dependent launch, nn_cuda_sgemm).
 * Only three kernels let their successor start before they end: the own
 * GEMM and the row sums, which set this, and the transposes, which clear it
 * (their GEMM must wait for them); cuBLAS's kernels might, so a cuBLAS call
 * clears it too. Any other kernel does not, so a GEMM queued after it starts
 * only once it has ended: a record left over from before such a kernel
 * allows nothing unsafe, and the other entry points need not touch it.
 * row_sums: that kernel was an own GEMM summing B's rows, still using the
 * row-sum scratch, which the next such launch must not touch before it ends. */
typedef struct {
    int known, n;
    const float *lo[2], *hi[2];
    int row_sums;
} pending_writes;

typedef struct {
    const uint8_t *host; /* the host array this copy mirrors */
    size_t bytes;
    uint8_t *dev;
} pixel_cache;

struct nn_cuda {
    cublasHandle_t blas;
    nn_precision precision;
    char name[300];
    int failed; /* first error kept for nn_cuda_sync */
    char error[256];
    int *idx;          /* the batch's sample indices */
    size_t idx_cap;
    uint8_t *bytes;    /* labels in, predictions out */
    size_t bytes_cap;
    double *acc;       /* loss sum, hits */
    pixel_cache pix[2];
    int pix_next;
    bf16_copy half[HALF_SLOTS]; /* BF16 copies of recent GEMM operands */
    unsigned long long half_clock;
    int sms;             /* streaming multiprocessors: how many thread blocks fill the GPU */
    float *split_work;   /* split-K partial products */
    size_t split_cap;
    split_slot split[SPLIT_SLOTS]; /* their A, B and C pointer arrays (device) */
    unsigned long long split_clock;
    pending_writes pending;
    trans_copy trans[TRANS_SLOTS]; /* plain A operands transposed for nn/cuda_sgemm.cu */
    unsigned long long trans_clock;
    long long l2_bytes;  /* the L2 cache */
    float *row_sum_partial; /* an own GEMM's per-tile row sums of B (nn_cuda_row_sum_work) */
    size_t row_sum_partial_cap;
    unsigned *row_sum_done; /* its counters, one per item, zero between launches */
    size_t row_sum_done_cap;
};

static void note(nn_cuda *cu, const char *what, const char *why) {
    if (cu->failed) return;
    cu->failed = 1;
    snprintf(cu->error, sizeof cu->error, "CUDA: %s: %s", what, why);
}

static int check(nn_cuda *cu, cudaError_t e, const char *what) {
    if (e == cudaSuccess) return 1;
    note(cu, what, cudaGetErrorString(e));
    return 0;
}

static void check_blas(nn_cuda *cu, cublasStatus_t s, const char *what) {
    if (s != CUBLAS_STATUS_SUCCESS) note(cu, what, cublasGetStatusString(s));
}

/* Floats [p, p + span) are about to change: copies of any (BF16, transposed) are stale. */
static void forget_copies(nn_cuda *cu, const float *p, long long span) {
    for (int i = 0; i < HALF_SLOTS; i++) {
        bf16_copy *h = &cu->half[i];
        if (h->valid && h->src < p + span && p < h->src + h->span) h->valid = 0;
    }
    for (int i = 0; i < TRANS_SLOTS; i++) {
        trans_copy *c = &cu->trans[i];
        if (c->valid && c->src < p + span && p < c->src + c->span) c->valid = 0;
    }
}

static void forget_all_copies(nn_cuda *cu) {
    for (int i = 0; i < HALF_SLOTS; i++) cu->half[i].valid = 0;
    for (int i = 0; i < TRANS_SLOTS; i++) cu->trans[i].valid = 0;
}

extern "C" nn_status nn_cuda_create(nn_cuda **out, nn_precision precision, nn_error *err) {
    *out = NULL;
    int count = 0;
    cudaError_t e = cudaGetDeviceCount(&count);
    if (e != cudaSuccess || count == 0)
        return nn_fail(err, NN_ERR_ARG, "no CUDA device (%s)",
                       e != cudaSuccess ? cudaGetErrorString(e) : "none found");
    nn_cuda *cu = (nn_cuda *)calloc(1, sizeof *cu);
    if (!cu) return nn_fail(err, NN_ERR_NOMEM, "out of memory for a CUDA context");
    cudaDeviceProp prop;
    if (cudaGetDeviceProperties(&prop, 0) != cudaSuccess || cublasCreate(&cu->blas) != CUBLAS_STATUS_SUCCESS ||
        cudaMalloc(&cu->acc, 2 * sizeof(double)) != cudaSuccess) {
        if (cu->blas) cublasDestroy(cu->blas);
        free(cu);
        return nn_fail(err, NN_ERR_ARG, "the CUDA device would not start (cuBLAS or memory)");
    }
    cu->precision = precision;
    cu->sms = prop.multiProcessorCount;
    cu->l2_bytes = prop.l2CacheSize;
    nn_cuda_sgemm_init();
    /* the compute type of each call (gemm_batch) picks FP32, TF32 or BF16 */
    cublasSetMathMode(cu->blas, CUBLAS_DEFAULT_MATH);
    snprintf(cu->name, sizeof cu->name, "cuda (%s, %s)", prop.name, nn_precision_name(precision));
    *out = cu;
    return NN_OK;
}

extern "C" void nn_cuda_free(nn_cuda *cu) {
    if (!cu) return;

    for (int i = 0; i < 2; i++) cudaFree(cu->pix[i].dev);
    for (int i = 0; i < HALF_SLOTS; i++) cudaFree(cu->half[i].buf);
    cudaFree(cu->split_work);
    for (int i = 0; i < SPLIT_SLOTS; i++) cudaFree(cu->split[i].ptrs);
    for (int i = 0; i < TRANS_SLOTS; i++) cudaFree(cu->trans[i].buf);
    cudaFree(cu->row_sum_partial);
    cudaFree(cu->row_sum_done);
    cudaFree(cu->idx);
    cudaFree(cu->bytes);
    cudaFree(cu->acc);
    if (cu->blas) cublasDestroy(cu->blas);
    free(cu);
}

extern "C" const char *nn_cuda_describe(const nn_cuda *cu) { return cu->name; }

extern "C" int nn_cuda_block_kernel_available(const nn_cuda *cu) {
    return cu->precision == NN_PRECISION_FP32;
}

extern "C" float *nn_cuda_alloc(nn_cuda *cu, size_t n) {
    void *p = NULL;
    size_t bytes = (n ? n : 1) * sizeof(float);
    if (cudaMalloc(&p, bytes) != cudaSuccess) {
        cudaGetLastError(); /* an allocation failure is the caller's NULL, not sticky */
        return NULL;
    }
    if (!check(cu, cudaMemset(p, 0, bytes), "memset")) return NULL;
    forget_copies(cu, (const float *)p, (long long)(n ? n : 1)); /* freed memory handed out again */
    return (float *)p;
}

extern "C" void nn_cuda_release(nn_cuda *cu, float *p) {
    if (p) cudaFree(p);
    forget_all_copies(cu);
}

extern "C" void nn_cuda_upload(nn_cuda *cu, float *dst, const float *src, size_t n) {
    forget_copies(cu, dst, (long long)n);
    if (n) check(cu, cudaMemcpy(dst, src, n * sizeof(float), cudaMemcpyDefault), "upload");
}

extern "C" void nn_cuda_download(nn_cuda *cu, float *dst, const float *src, size_t n) {
    if (n) check(cu, cudaMemcpy(dst, src, n * sizeof(float), cudaMemcpyDefault), "download");
}

extern "C" nn_status nn_cuda_sync(nn_cuda *cu, nn_error *err) {
    check(cu, cudaDeviceSynchronize(), "synchronize");
    check(cu, cudaGetLastError(), "kernel launch");
    if (!cu->failed) return NN_OK;
    cu->failed = 0;
    return nn_fail(err, NN_ERR_IO, "%s", cu->error);
}

/* ------------------------------------------------------------------ GEMM */

/* Floats from an operand's first to one past its last: count items of
 * rows x cols at ld, stride apart. */
static long long operand_span(int rows, int cols, int ld, ptrdiff_t stride, int count) {
    return (long long)(count - 1) * stride + (long long)(rows - 1) * ld + cols;
}

/* Element (t, r, j) of an item's m x n C is c + t * stride + r * ld + j; the
 * epilogue kernels run one thread per element on a grid of (column blocks,
 * rows, items), so no thread divides to find its place. */
struct item_view {
    int m, n, ld;
    long long stride;
};

__device__ static inline long long view_at(item_view v, long long t, long long r, int j) {
    return t * v.stride + r * v.ld + j;
}

/* Rows r0 + blockIdx.y of items t0 + blockIdx.z. */
__global__ static void sgd_epilogue(float *p, const float *m, item_view v, int r0, int t0,
                                    float lr, float wd) {
    int j = blockIdx.x * blockDim.x + threadIdx.x;
    if (j >= v.n) return;
    long long at = view_at(v, t0 + (long long)blockIdx.z, r0 + (long long)blockIdx.y, j);
    p[at] -= lr * (m[at] + wd * p[at]);
}

/* The same step for a weight with a transposed copy (trans_copy): 32 x 32
 * tiles through shared memory, so the copy's stores are whole rows too.
 * Tile (blockIdx.x, blockIdx.y) of item blockIdx.z; 32 x 8 threads. */
__global__ static void sgd_epilogue_transposed(float *p, const float *m, item_view v, float *copy,
                                               float lr, float wd) {
    __shared__ float tile[32][33];
    const long long t = blockIdx.z;
    const int r0 = blockIdx.y * 32, j0 = blockIdx.x * 32;
    for (int i = threadIdx.y; i < 32; i += blockDim.y) {
        int r = r0 + i, j = j0 + threadIdx.x;
        if (r >= v.m || j >= v.n) continue;
        long long at = view_at(v, t, r, j);
        float w = p[at] - lr * (m[at] + wd * p[at]);
        p[at] = w;
        tile[i][threadIdx.x] = w;
    }
    __syncthreads();
    float *out = copy + t * v.m * (long long)v.n; /* item t: n x m */
    for (int i = threadIdx.y; i < 32; i += blockDim.y) {
        int j = j0 + i, r = r0 + threadIdx.x;
        if (r < v.m && j < v.n) out[(long long)j * v.m + r] = tile[threadIdx.x][i];
    }
}

/* bias of row r of item t: bias[t * bias_stride + r * bias_step] */
__global__ static void bias_relu(float *c, item_view v, int r0, int t0, const float *bias,
                                 long long bias_stride, int bias_step, int relu) {
    int j = blockIdx.x * blockDim.x + threadIdx.x;
    if (j >= v.n) return;
    long long t = t0 + (long long)blockIdx.z, r = r0 + (long long)blockIdx.y;
    long long at = view_at(v, t, r, j);
    float x = c[at] + bias[t * bias_stride + r * bias_step];
    c[at] = relu ? fmaxf(x, 0.0f) : x;
}

/* Grid dimensions y and z stop at 65535: rows and items go in chunks. */
#define GRID_YZ 65535

/* The (column blocks, rows, items) grid of the chunk of g's C from row r0, item t0. */
static dim3 chunk_grid(const nn_gemm *g, int count, int r0, int t0) {
    return dim3((unsigned)((g->n + THREADS - 1) / THREADS),
                (unsigned)(g->m - r0 < GRID_YZ ? g->m - r0 : GRID_YZ),
                (unsigned)(count - t0 < GRID_YZ ? count - t0 : GRID_YZ));
}

/* The kept transposed copy of a (count items of m x k at ld, stride apart), or NULL. */
static trans_copy *kept_transposed(nn_cuda *cu, const float *a, int m, int k, int ld,
                                   ptrdiff_t stride, int count) {
    for (int i = 0; i < TRANS_SLOTS; i++) {
        trans_copy *c = &cu->trans[i];
        if (c->valid && c->src == a && c->m == m && c->k == k && c->lda == ld &&
            c->stride == (long long)stride && c->count == count)
            return c;
    }
    return NULL;
}

/* The fused SGD step on g's sgd_param (the velocity is g's C). A kept
 * transposed copy of that weight in the same layout is updated with it;
 * every other copy of it is forgotten. */
static void run_sgd_epilogue(nn_cuda *cu, const nn_gemm *g, int count, const nn_epilogue *ep) {
    item_view v = {g->m, g->n, g->ldc, (long long)g->stride_c};
    trans_copy *keep = kept_transposed(cu, g->sgd_param, g->m, g->n, g->ldc, g->stride_c, count);
    forget_copies(cu, g->sgd_param, operand_span(g->m, g->n, g->ldc, g->stride_c, count));
    if (keep && (g->m + 31) / 32 <= GRID_YZ && count <= GRID_YZ) {
        dim3 grid((unsigned)((g->n + 31) / 32), (unsigned)((g->m + 31) / 32), (unsigned)count);
        sgd_epilogue_transposed<<<grid, dim3(32, 8)>>>(g->sgd_param, g->c, v, keep->buf, ep->lr,
                                                       ep->weight_decay);
        keep->valid = 1;
        return;
    }
    for (int t0 = 0; t0 < count; t0 += GRID_YZ)
        for (int r0 = 0; r0 < g->m; r0 += GRID_YZ) {
            dim3 grid = chunk_grid(g, count, r0, t0);
            sgd_epilogue<<<grid, THREADS>>>(g->sgd_param, g->c, v, r0, t0, ep->lr,
                                            ep->weight_decay);
        }
}

static void run_bias_relu(const nn_gemm *g, int count, const nn_epilogue *ep) {
    item_view v = {g->m, g->n, g->ldc, (long long)g->stride_c};
    for (int t0 = 0; t0 < count; t0 += GRID_YZ)
        for (int r0 = 0; r0 < g->m; r0 += GRID_YZ) {
            dim3 grid = chunk_grid(g, count, r0, t0);
            bias_relu<<<grid, THREADS>>>(g->c, v, r0, t0, ep->bias, (long long)ep->bias_stride,
                                         ep->bias_step, ep->relu);
        }
}

static unsigned blocks_for(long long n) { return (unsigned)((n + THREADS - 1) / THREADS); }

__global__ static void to_bf16(__nv_bfloat16 *out, const float *in, long long n) {
    long long e = blockIdx.x * (long long)blockDim.x + threadIdx.x;
    if (e < n) out[e] = __float2bfloat16(in[e]);
}

static int grow(nn_cuda *cu, void **buf, size_t *cap, size_t need);

/* A BF16 copy of every float an operand's items reach (rows x cols at ld,
 * count items stride apart): same offsets, so the GEMM's strides still hold.
 * Kept until src is written (see bf16_copy). avoid: the other operand's copy. */
static const __nv_bfloat16 *bf16_operand(nn_cuda *cu, const float *x, long long span,
                                         const __nv_bfloat16 *avoid) {
    cu->half_clock++;
    for (int i = 0; i < HALF_SLOTS; i++)
        if (cu->half[i].valid && cu->half[i].src == x && cu->half[i].span == span) {
            cu->half[i].used = cu->half_clock;
            return cu->half[i].buf;
        }
    bf16_copy *h = NULL;
    for (int i = 0; i < HALF_SLOTS; i++) {
        bf16_copy *c = &cu->half[i];
        if (c->buf && c->buf == avoid) continue;
        if (!h || !c->valid > !h->valid || (c->valid == h->valid && c->used < h->used)) h = c;
    }
    h->valid = 0;
    if (!grow(cu, (void **)&h->buf, &h->cap, (size_t)span * 2)) return NULL;
    to_bf16<<<blocks_for(span), THREADS>>>(h->buf, x, span);
    h->src = x;
    h->span = span;
    h->valid = 1;
    h->used = cu->half_clock;
    return h->buf;
}

/* Split-K. A batch whose outputs are few and whose k is long (DYAD's dW at
 * ndyad 16: 16 blocks of 256 x 256, k = the batch) fills only a fraction of
 * the SMs with output tiles. Each item's k is then cut into `ways` chunks,
 * every (item, chunk) pair is one GEMM of a pointer-array batch into a
 * scratch of partial products, and one kernel sums the chunks into C with
 * C's beta. How many ways: enough (item, chunk) tiles of 128 x 128 for two
 * waves, chunks of at least 256, and a count that divides k. */
#define SPLIT_MIN_K 1024
#define SPLIT_MIN_CHUNK 256
#define SPLIT_MAX_WAYS 16

static int split_ways(const nn_cuda *cu, const nn_gemm *g, int count) {
    long long tiles = (long long)count * ((g->m + 127) / 128) * ((g->n + 127) / 128);
    if (g->k < SPLIT_MIN_K || 2 * tiles > cu->sms) return 1;
    int ways = (int)((2LL * cu->sms + tiles - 1) / tiles);
    if (ways > SPLIT_MAX_WAYS) ways = SPLIT_MAX_WAYS;
    while (ways > 1 && (g->k % ways || g->k / ways < SPLIT_MIN_CHUNK)) ways--;
    return ways;
}

/* C_t = beta C_t + sum over the item's `ways` partial products (m x n each). */
__global__ static void split_sum(float *c, item_view v, int r0, int t0, const float *parts, int ways,
                                 float beta) {
    int j = blockIdx.x * blockDim.x + threadIdx.x;
    if (j >= v.n) return;
    long long t = t0 + (long long)blockIdx.z, r = r0 + (long long)blockIdx.y;
    long long mn = (long long)v.m * v.n;
    const float *p = parts + t * ways * mn + r * v.n + j;
    float sum = 0.0f;
    for (int q = 0; q < ways; q++) sum += p[q * mn];
    long long at = view_at(v, t, r, j);
    c[at] = beta == 0.0f ? sum : sum + beta * c[at];
}

/* The pointer arrays of a split GEMM, written on the device (an upload from
 * the host would make the host wait for the GPU at every such GEMM). */
__global__ static void split_pointers(void **ptrs, long long items, int ways, const char *a,
                                      const char *b, float *work, long long stride_a,
                                      long long stride_b, long long a_step, long long b_step,
                                      int esize, long long mn) {
    long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x;
    if (i >= items) return;
    long long t = i / ways, q = i - t * ways;
    ptrs[i] = (void *)(b + esize * (t * stride_b + q * b_step));
    ptrs[items + i] = (void *)(a + esize * (t * stride_a + q * a_step));
    ptrs[2 * items + i] = work + i * mn;
}

/* The pointer arrays for `want` (its ptrs and cap unset): a kept slot made
 * from the same operands, or the least recently used one rewritten. */
static void **split_pointer_arrays(nn_cuda *cu, const split_slot *want) {
    split_slot *pick = NULL;
    cu->split_clock++;
    for (int i = 0; i < SPLIT_SLOTS; i++) {
        split_slot *s = &cu->split[i];
        if (s->valid && s->a == want->a && s->b == want->b && s->work == want->work &&
            s->stride_a == want->stride_a && s->stride_b == want->stride_b &&
            s->a_step == want->a_step && s->b_step == want->b_step && s->mn == want->mn &&
            s->items == want->items && s->ways == want->ways && s->esize == want->esize) {
            s->used = cu->split_clock;
            return s->ptrs;
        }
        if (!pick || !s->valid > !pick->valid || (s->valid == pick->valid && s->used < pick->used))
            pick = s;
    }
    void **ptrs = pick->ptrs;
    size_t cap = pick->cap;
    pick->valid = 0;
    if (!grow(cu, (void **)&ptrs, &cap, 3 * want->items * sizeof(void *))) {
        pick->ptrs = NULL, pick->cap = 0;
        return NULL;
    }
    *pick = *want;
    pick->ptrs = ptrs, pick->cap = cap, pick->used = cu->split_clock;
    split_pointers<<<blocks_for((long long)want->items), THREADS>>>(
        ptrs, (long long)want->items, want->ways, (const char *)want->a, (const char *)want->b,
        cu->split_work, want->stride_a, want->stride_b, want->a_step, want->b_step, want->esize,
        want->mn);
    return ptrs;
}

/* The split-K path, when it applies: returns 1 when it ran the op. a and b
 * are the operands as the GEMM reads them (FP32, or their BF16 copies). */
static int split_gemm(nn_cuda *cu, const nn_gemm *g, int count, const void *a, const void *b,
                      cudaDataType_t in_type, cublasComputeType_t compute) {
    int ways = split_ways(cu, g, count);
    if (ways < 2) return 0;
    size_t items = (size_t)count * ways, mn = (size_t)g->m * g->n;
    size_t esize = in_type == CUDA_R_16BF ? 2 : 4;
    if (!grow(cu, (void **)&cu->split_work, &cu->split_cap, items * mn * sizeof(float)))
        return 1; /* noted: the sync reports it */
    int kc = g->k / ways;
    /* chunk q of op(A) (m x k) and op(B) (k x n): columns of A, rows of B in
     * their own orientation; stored transposed, rows of A, columns of B */
    long long a_step = g->trans_a ? (long long)kc * g->lda : kc;
    long long b_step = g->trans_b ? kc : (long long)kc * g->ldb;
    split_slot want = {a, b, cu->split_work, (long long)g->stride_a, (long long)g->stride_b,
                       a_step, b_step, (long long)mn, items, ways, (int)esize, 1, 0, NULL, 0};
    void **ptrs = split_pointer_arrays(cu, &want);
    if (!ptrs) return 1; /* noted: the sync reports it */
    const float one = 1.0f, zero = 0.0f;
    cublasStatus_t s = cublasGemmBatchedEx(
        cu->blas, g->trans_b ? CUBLAS_OP_T : CUBLAS_OP_N, g->trans_a ? CUBLAS_OP_T : CUBLAS_OP_N,
        g->n, g->m, kc, &one, (const void *const *)ptrs, in_type, g->ldb,
        (const void *const *)(ptrs + items), in_type, g->lda, &zero,
        (void *const *)(ptrs + 2 * items), CUDA_R_32F, g->n, (int)items, compute,
        CUBLAS_GEMM_DEFAULT);
    check_blas(cu, s, "split-K batched GEMM");
    item_view v = {g->m, g->n, g->ldc, (long long)g->stride_c};
    for (int t0 = 0; t0 < count; t0 += GRID_YZ)
        for (int r0 = 0; r0 < g->m; r0 += GRID_YZ) {
            dim3 grid = chunk_grid(g, count, r0, t0);
            split_sum<<<grid, THREADS>>>(g->c, v, r0, t0, cu->split_work, ways, g->beta);
        }
    return 1;
}

static void gemm_batch(nn_cuda *cu, const nn_gemm *g, int count) {
    const float one = 1.0f;
    cublasOperation_t op_a = g->trans_a ? CUBLAS_OP_T : CUBLAS_OP_N;
    cublasOperation_t op_b = g->trans_b ? CUBLAS_OP_T : CUBLAS_OP_N;
    const void *a = g->a, *b = g->b;
    cudaDataType_t in_type = CUDA_R_32F;
    cublasComputeType_t compute =
        cu->precision == NN_PRECISION_TF32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F;
    if (cu->precision == NN_PRECISION_BF16) {
        /* cuBLAS's FAST_16BF compute type on FP32 operands ran as TF32 on the
         * H200 (same error): real BF16 needs BF16 operands, so convert them */
        const __nv_bfloat16 *ha = bf16_operand(
            cu, g->a,
            operand_span(g->trans_a ? g->k : g->m, g->trans_a ? g->m : g->k, g->lda, g->stride_a, count),
            NULL);
        const __nv_bfloat16 *hb = bf16_operand(
            cu, g->b,
            operand_span(g->trans_b ? g->n : g->k, g->trans_b ? g->k : g->n, g->ldb, g->stride_b, count),
            ha);
        if (!ha || !hb) return;
        a = ha;
        b = hb;
        in_type = CUDA_R_16BF;
    }
    if (split_gemm(cu, g, count, a, b, in_type, compute)) return;
    /* column-major C^T (n x m) = op(B)^T (n x k) op(A)^T (k x m) */
    cublasStatus_t s = cublasGemmStridedBatchedEx(
        cu->blas, op_b, op_a, g->n, g->m, g->k, &one, b, in_type, g->ldb, g->stride_b, a, in_type,
        g->lda, g->stride_a, &g->beta, g->c, CUDA_R_32F, g->ldc, g->stride_c, count, compute,
        CUBLAS_GEMM_DEFAULT);
    check_blas(cu, s, "strided-batched GEMM");
}

/* Ops planned together: every plain A the own kernel needs among them and
 * has no kept copy of is transposed in one launch before their GEMMs
 * (DYAD's calls have up to 4). */
#define PLAN_OPS 8
static_assert(TRANS_SLOTS >= PLAN_OPS, "a plan's plain A operands each need a slot");

/* The slot for g's plain A transposed: its kept copy (*write 0), or the
 * least recently used slot that this plan (slots used after `plan`) has not
 * taken, claimed to be written (*write 1). NULL when its buffer would not
 * grow (noted). */
static trans_copy *transposed_operand(nn_cuda *cu, const nn_gemm *g, int count,
                                      unsigned long long plan, int *write) {
    cu->trans_clock++;
    trans_copy *pick = kept_transposed(cu, g->a, g->m, g->k, g->lda, g->stride_a, count);
    *write = !pick;
    for (int i = 0; !pick && i < TRANS_SLOTS; i++) {
        trans_copy *c = &cu->trans[i];
        if (c->used > plan) continue;
        if (!pick || !c->valid > !pick->valid || (c->valid == pick->valid && c->used < pick->used))
            pick = c;
    }
    pick->used = cu->trans_clock;
    if (!*write) return pick;
    pick->valid = 0;
    if (!grow(cu, (void **)&pick->buf, &pick->cap, sizeof(float) * (size_t)count * g->m * g->k))
        return NULL;
    pick->src = g->a;
    pick->m = g->m, pick->k = g->k, pick->lda = g->lda, pick->count = count;
    pick->stride = (long long)g->stride_a;
    pick->span = operand_span(g->m, g->k, g->lda, g->stride_a, count);
    pick->valid = 1;
    return pick;
}

/* Whether op o's plain A, whose copy is made or looked up before the plan's
 * GEMMs run, is written by an op before it in the plan (its C or its SGD
 * update): then only cuBLAS, reading it in order, may run op o. */
static int plain_a_written_before(const nn_gemm *ops, int first, int o, int count) {
    const nn_gemm *g = &ops[o];
    if (g->trans_a) return 0;
    const float *lo = g->a, *hi = g->a + operand_span(g->m, g->k, g->lda, g->stride_a, count);
    for (int w = first; w < o; w++) {
        long long span = operand_span(ops[w].m, ops[w].n, ops[w].ldc, ops[w].stride_c, count);
        if (ops[w].c < hi && lo < ops[w].c + span) return 1;
        if (ops[w].sgd_param && ops[w].sgd_param < hi && lo < ops[w].sgd_param + span) return 1;
    }
    return 0;
}

/* Floats from the first row sum an op's b_rowsum gets to one past its last:
 * count items of k sums, b_rowsum_stride apart. */
static long long row_sums_span(const nn_gemm *g, int count) {
    return operand_span(1, g->k, 0, g->b_rowsum_stride, count);
}

/* The scratch an own launch summing g's B rows needs (nn_cuda_row_sum_work);
 * 0 when it would not grow (noted). */
static int row_sum_work(nn_cuda *cu, const nn_gemm *g, int count, nn_cuda_row_sum_work *work) {
    size_t counters = (size_t)count * sizeof(unsigned), had = cu->row_sum_done_cap;
    if (!grow(cu, (void **)&cu->row_sum_partial, &cu->row_sum_partial_cap,
              nn_cuda_sgemm_row_sum_floats(g, count) * sizeof(float)) ||
        !grow(cu, (void **)&cu->row_sum_done, &cu->row_sum_done_cap, counters))
        return 0;
    if (cu->row_sum_done_cap != had && /* new counters start at zero */
        !check(cu, cudaMemsetAsync(cu->row_sum_done, 0, cu->row_sum_done_cap), "memset"))
        return 0;
    *work = {cu->row_sum_partial, cu->row_sum_done};
    return 1;
}

static void queue_b_row_sums(nn_cuda *cu, const nn_gemm *g, int count);

/* Whether a one-part own launch of g takes B's row sums itself. Its blocks
 * read their share of B's rows again after their stores, which costs little
 * while those rows are still in L2: on the H200 (60 MB of L2), DYAD's dx
 * with a B of 32 and 64 MB (width 2048 and 4096, batch 4096, ndyad 16)
 * gained 1-3% of a layer step over the separate pass; with 128 MB (width
 * 8192) it lost 1.3%. The line is drawn at 1.5 times the L2. A joined
 * (two-part) launch never takes them: its kernel, built with them, lost 1%. */
static int sums_in_launch(const nn_cuda *cu, const nn_gemm *g, int count) {
    return g->b_rowsum && (double)count * g->k * g->n * sizeof(float) <= 1.5 * (double)cu->l2_bytes;
}

extern "C" void nn_cuda_gemm_items(nn_cuda *cu, const nn_gemm *ops, int nops, int count,
                                   const nn_epilogue *ep, int own_kernel) {
    /* Op-major order: op o of every item, then op o+1. The layers hand over
     * items that are independent of one another and ops that an item runs in
     * order, so running each op over all items at once keeps the meaning.
     * (Running two independent ops, DYAD's dWl and dWu, side by side on two
     * streams was tried: the backward pass got 10-25% slower at widths 2048
     * and 4096, batch 4096.) Two ops the own kernel takes become one launch
     * when the second only adds onto the first's C; an own launch that reads
     * nothing the own launch before it writes starts as that one drains. */
    int fused = 0; /* the last op stored with bias and ReLU applied */
    for (int first = 0; first < nops; first += PLAN_OPS) {
        const int end = first + PLAN_OPS < nops ? first + PLAN_OPS : nops;
        nn_cuda_sgemm_launch launch[PLAN_OPS];
        int nlaunch = 0;
        const unsigned long long plan = cu->trans_clock;
        for (int o = first; o < end;) {
            if (!own_kernel || !nn_cuda_sgemm_fits(&ops[o], count) ||
                plain_a_written_before(ops, first, o, count)) {
                o++;
                continue;
            }
            int nparts = o + 1 < end && nn_cuda_sgemm_joins(&ops[o], &ops[o + 1], count) &&
                                 !plain_a_written_before(ops, first, o + 1, count)
                             ? 2
                             : 1;
            nn_cuda_sgemm_launch *l = &launch[nlaunch];
            *l = {&ops[o], nparts, {NULL, NULL}, {0, 0}};
            trans_copy *slot[2] = {NULL, NULL};
            int ok = 1;
            for (int p = 0; p < nparts && ok; p++)
                if (!ops[o + p].trans_a) {
                    slot[p] = transposed_operand(cu, &ops[o + p], count, plan, &l->write_a_t[p]);
                    ok = slot[p] != NULL;
                    if (ok) l->a_t[p] = slot[p]->buf;
                }
            if (ok)
                nlaunch++;
            else if (slot[0] && l->write_a_t[0]) /* noted: the sync reports it; cuBLAS runs */
                slot[0]->valid = 0;               /* these; a claimed slot stays unwritten */
            o += nparts;
        }
        if (nlaunch && nn_cuda_sgemm_transpose(launch, nlaunch, count))
            cu->pending.known = 0; /* the transposes came last */
        for (int o = first, li = 0; o < end;) {
            const nn_gemm *g = &ops[o];
            long long c_span = operand_span(g->m, g->n, g->ldc, g->stride_c, count);
            int nparts = 1;
            if (li < nlaunch && launch[li].parts == g) {
                nparts = launch[li].nparts;
                const nn_epilogue *with = o + nparts == nops && ep && ep->bias ? ep : NULL;
                /* B's row sums in the launch, or in a pass of their own before it */
                const nn_gemm *summed = nparts == 1 && sums_in_launch(cu, g, count) ? g : NULL;
                for (int p = 0; p < nparts && !summed; p++)
                    if (g[p].b_rowsum) queue_b_row_sums(cu, &g[p], count);
                nn_cuda_row_sum_work work = {NULL, NULL};
                if (summed && !row_sum_work(cu, summed, count, &work)) { /* noted */
                    o += nparts, li++;
                    continue;
                }
                int early = cu->pending.known && !(summed && cu->pending.row_sums);
                for (int w = 0; early && w < cu->pending.n; w++)
                    for (int p = 0; p < nparts; p++)
                        early = early && !nn_cuda_sgemm_reads(&g[p], count, cu->pending.lo[w],
                                                              cu->pending.hi[w]);
                nn_cuda_sgemm(&launch[li++], count, with, early, summed ? &work : NULL);
                fused = with != NULL;
                cu->pending = {1, 1, {g->c, NULL}, {g->c + c_span, NULL}, summed != NULL};
                if (summed) {
                    long long span = row_sums_span(summed, count);
                    forget_copies(cu, summed->b_rowsum, span);
                    cu->pending.n = 2;
                    cu->pending.lo[1] = summed->b_rowsum;
                    cu->pending.hi[1] = summed->b_rowsum + span;
                }
            } else {
                if (g->b_rowsum) queue_b_row_sums(cu, g, count);
                cu->pending.known = 0; /* cuBLAS's kernels might start their successor early */
                gemm_batch(cu, g, count);
            }
            forget_copies(cu, g->c, c_span);
            if (g->sgd_param && ep) run_sgd_epilogue(cu, g, count, ep); /* never on joined parts */
            o += nparts;
        }
    }
    if (ep && ep->bias && !fused) run_bias_relu(&ops[nops - 1], count, ep);
}

/* ------------------------------------------------ element-wise and the rest */

/* Lets the next kernel, when it was launched as a programmatic dependent
 * (an own GEMM that reads nothing this one writes), start its blocks while
 * this one's last blocks run; a no-op otherwise. */
__device__ static inline void allow_next_grid(void) {
    asm volatile("griddepcontrol.launch_dependents;\n" ::);
}

/* Where row i (blockIdx.x) of the row-sum kernels lies: row i % per_item of
 * item i / per_item, at that item's stride and the rows' ld (y too), its sum
 * at sums[item * sums_stride + row]. A plain matrix is one item. */
struct row_layout {
    int per_item;
    long long ld, stride, sums_stride;
};

__device__ static inline long long row_start(row_layout l, long long i) {
    return i / l.per_item * l.stride + i % l.per_item * l.ld;
}

__device__ static inline long long row_sum_at(row_layout l, long long i) {
    return i / l.per_item * l.sums_stride + i % l.per_item;
}

/* One block per row: mask, then a tree sum of the row. */
__global__ static void relu_rowsum(float *dy, const float *y, int batch, row_layout l,
                                   float *rowsum) {
    allow_next_grid();
    __shared__ float part[THREADS];
    const long long row = blockIdx.x, at = row_start(l, row);
    float *d = dy + at;
    float sum = 0.0f;
    for (int s = threadIdx.x; s < batch; s += blockDim.x) {
        float v = d[s];
        if (y && y[at + s] <= 0.0f) d[s] = v = 0.0f;
        sum += v;
    }
    part[threadIdx.x] = sum;
    __syncthreads();
    for (int w = blockDim.x / 2; w > 0; w /= 2) {
        if ((int)threadIdx.x < w) part[threadIdx.x] += part[threadIdx.x + w];
        __syncthreads();
    }
    if (threadIdx.x == 0) rowsum[row_sum_at(l, row)] = part[0];
}

/* The same for long, 16-byte aligned rows (batch a multiple of 4 and at
 * least 4 * THREADS): float4s, four loads in flight per thread. One float at
 * a time ran at 2.0 TB/s, this at 3.7 (H200, 4096 rows of 4096: 33.8 ->
 * 18.1 us). MNIST's batch-64 rows keep the kernel above: with this one there
 * DYAD-IT/4 trained 8% slower in one call's interleaved runs. */
__global__ static void relu_rowsum_wide(float *dy, const float *y, int batch, row_layout l,
                                        float *rowsum) {
    allow_next_grid();
    __shared__ float part[THREADS / 32];
    const long long row = blockIdx.x, at = row_start(l, row);
    float4 *d = (float4 *)(dy + at);
    const float4 *out = y ? (const float4 *)(y + at) : NULL;
    const int n4 = batch / 4, step = blockDim.x;
    float sum = 0.0f;
    for (int s = threadIdx.x; s < n4; s += 4 * step) {
        float4 v[4];
#pragma unroll
        for (int u = 0; u < 4; u++)
            v[u] = s + u * step < n4 ? d[s + u * step] : make_float4(0.0f, 0.0f, 0.0f, 0.0f);
#pragma unroll
        for (int u = 0; u < 4; u++) {
            if (!out || s + u * step >= n4) continue;
            const float4 o = out[s + u * step];
            if (o.x <= 0.0f) v[u].x = 0.0f;
            if (o.y <= 0.0f) v[u].y = 0.0f;
            if (o.z <= 0.0f) v[u].z = 0.0f;
            if (o.w <= 0.0f) v[u].w = 0.0f;
            d[s + u * step] = v[u];
        }
#pragma unroll
        for (int u = 0; u < 4; u++) sum += (v[u].x + v[u].y) + (v[u].z + v[u].w);
    }
    /* within each warp by shuffles, then the warps' sums in order */
    for (int offset = 16; offset > 0; offset /= 2) sum += __shfl_down_sync(0xffffffffu, sum, offset);
    if ((threadIdx.x & 31) == 0) part[threadIdx.x / 32] = sum;
    __syncthreads();
    if (threadIdx.x == 0) {
        float total = 0.0f;
        for (int w = 0; w < THREADS / 32; w++) total += part[w];
        rowsum[row_sum_at(l, row)] = total;
    }
}

/* Row sums (with the mask where y is not NULL) of rows rows of cols floats
 * laid out as l says. */
static void queue_row_sums(float *m, const float *y, long long rows, int cols, row_layout l,
                           float *sums) {
    if (cols % 4 == 0 && cols >= 4 * THREADS && l.ld % 4 == 0 && l.stride % 4 == 0 &&
        ((size_t)m | (size_t)y) % 16 == 0)
        relu_rowsum_wide<<<(unsigned)rows, THREADS>>>(m, y, cols, l, sums);
    else
        relu_rowsum<<<(unsigned)rows, THREADS>>>(m, y, cols, l, sums);
}

/* An op's b_rowsum where its own GEMM launch does not take it: a pass over
 * B before the GEMM, which may start early if it does not read the sums. */
static void queue_b_row_sums(nn_cuda *cu, const nn_gemm *g, int count) {
    const long long span = row_sums_span(g, count);
    forget_copies(cu, g->b_rowsum, span);
    row_layout l = {g->k, g->ldb, (long long)g->stride_b, (long long)g->b_rowsum_stride};
    queue_row_sums((float *)g->b, NULL, (long long)count * g->k, g->n, l, g->b_rowsum);
    cu->pending = {1, 1, {g->b_rowsum, NULL}, {g->b_rowsum + span, NULL}, 0};
}

extern "C" void nn_cuda_relu_backward_rowsum(nn_cuda *cu, float *dy, const float *y, int rows,
                                             int batch, float *rowsum) {
    forget_copies(cu, dy, (long long)rows * batch);
    forget_copies(cu, rowsum, rows);
    queue_row_sums(dy, y, rows, batch, row_layout{rows, batch, 0, 0}, rowsum);
    /* an own GEMM next (the layer's dx) that reads neither may start early */
    cu->pending = {1, y ? 2 : 1, {rowsum, dy}, {rowsum + rows, dy + (long long)rows * batch}, 0};
}

static int grow(nn_cuda *cu, void **buf, size_t *cap, size_t need) {
    if (need <= *cap) return 1;
    cudaFree(*buf);
    *buf = NULL;
    *cap = 0;
    if (!check(cu, cudaMalloc(buf, need), "scratch buffer")) return 0;
    *cap = need;
    return 1;
}

/* One thread per sample (a column): the loss in double, as the CPU does. */
__global__ static void softmax_xent(const float *logits, const uint8_t *labels, int classes,
                                    int batch, float *dlogits, double *acc) {
    int s = blockIdx.x * blockDim.x + threadIdx.x;
    if (s >= batch) return;
    float maxv = logits[s];
    int arg = 0;
    for (int c = 1; c < classes; c++) {
        float v = logits[(long long)c * batch + s];
        if (v > maxv) maxv = v, arg = c;
    }
    double sum = 0.0;
    for (int c = 0; c < classes; c++) sum += exp((double)(logits[(long long)c * batch + s] - maxv));
    int label = labels[s];
    atomicAdd(&acc[0], log(sum) - (logits[(long long)label * batch + s] - maxv));
    if (arg == label) atomicAdd(&acc[1], 1.0);
    for (int c = 0; c < classes; c++) {
        float p = (float)(exp((double)(logits[(long long)c * batch + s] - maxv)) / sum);
        dlogits[(long long)c * batch + s] = (p - (c == label ? 1.0f : 0.0f)) / batch;
    }
}

extern "C" float nn_cuda_softmax_xent(nn_cuda *cu, const float *logits, const uint8_t *labels,
                                      int classes, int batch, float *dlogits, int *hits) {
    double acc[2] = {0, 0};
    forget_copies(cu, dlogits, (long long)classes * batch);
    if (grow(cu, (void **)&cu->bytes, &cu->bytes_cap, (size_t)batch) &&
        check(cu, cudaMemcpy(cu->bytes, labels, (size_t)batch, cudaMemcpyHostToDevice), "labels") &&
        check(cu, cudaMemsetAsync(cu->acc, 0, 2 * sizeof(double)), "memset")) {
        softmax_xent<<<blocks_for(batch), THREADS>>>(logits, cu->bytes, classes, batch, dlogits,
                                                     cu->acc);
        check(cu, cudaMemcpy(acc, cu->acc, sizeof acc, cudaMemcpyDeviceToHost), "loss");
    }
    if (hits) *hits = (int)acc[1];
    return (float)(acc[0] / batch);
}

__global__ static void argmax_columns(const float *m, int classes, int batch, uint8_t *out) {
    int s = blockIdx.x * blockDim.x + threadIdx.x;
    if (s >= batch) return;
    int arg = 0;
    for (int c = 1; c < classes; c++)
        if (m[(long long)c * batch + s] > m[(long long)arg * batch + s]) arg = c;
    out[s] = (uint8_t)arg;
}

extern "C" void nn_cuda_argmax_columns(nn_cuda *cu, const float *m, int classes, int batch,
                                       uint8_t *out) {
    if (!grow(cu, (void **)&cu->bytes, &cu->bytes_cap, (size_t)batch)) return;
    argmax_columns<<<blocks_for(batch), THREADS>>>(m, classes, batch, cu->bytes);
    check(cu, cudaMemcpy(out, cu->bytes, (size_t)batch, cudaMemcpyDeviceToHost), "predictions");
}

/* The device copy of pixels covering at least bytes (uploaded on first use). */
static const uint8_t *device_pixels(nn_cuda *cu, const uint8_t *pixels, size_t bytes) {
    for (int i = 0; i < 2; i++)
        if (cu->pix[i].host == pixels && cu->pix[i].bytes >= bytes) return cu->pix[i].dev;
    pixel_cache *slot = &cu->pix[cu->pix_next];
    cu->pix_next ^= 1;
    cudaFree(slot->dev);
    memset(slot, 0, sizeof *slot);
    if (!check(cu, cudaMalloc(&slot->dev, bytes), "pixel copy") ||
        !check(cu, cudaMemcpy(slot->dev, pixels, bytes, cudaMemcpyHostToDevice), "pixel upload"))
        return NULL;
    slot->host = pixels;
    slot->bytes = bytes;
    return slot->dev;
}

/* Thread (p, s): consecutive threads take consecutive samples, so the
 * feature-major writes are coalesced. */
__global__ static void gather_u8(float *x, const uint8_t *pix, const int *idx, int count,
                                 int features, float scale) {
    long long e = blockIdx.x * (long long)blockDim.x + threadIdx.x;
    if (e >= (long long)count * features) return;
    int p = (int)(e / count), s = (int)(e - (long long)p * count);
    x[e] = pix[(long long)idx[s] * features + p] * scale;
}

extern "C" void nn_cuda_gather_u8(nn_cuda *cu, float *x, const uint8_t *pixels, int nimages, const int *indices,
                                  int count, int features, float scale) {
    /* the whole array at once: a batch's indices may reach any image */
    const uint8_t *pix = device_pixels(cu, pixels, (size_t)nimages * features);
    if (!pix || !grow(cu, (void **)&cu->idx, &cu->idx_cap, sizeof(int) * (size_t)count) ||
        !check(cu, cudaMemcpy(cu->idx, indices, sizeof(int) * (size_t)count, cudaMemcpyHostToDevice),
               "batch indices"))
        return;
    long long total = (long long)count * features;
    forget_copies(cu, x, total);
    gather_u8<<<blocks_for(total), THREADS>>>(x, pix, cu->idx, count, features, scale);
}

__global__ static void sgd_update(float *p, const float *g, float *m, long long n, float lr,
                                  float momentum, float wd) {
    long long e = blockIdx.x * (long long)blockDim.x + threadIdx.x;
    if (e >= n) return;
    float v = momentum * m[e] + g[e];
    m[e] = v;
    p[e] -= lr * (v + wd * p[e]);
}

extern "C" void nn_cuda_sgd_update(nn_cuda *cu, float *p, const float *g, float *m, size_t n,
                                   float lr, float momentum, float weight_decay) {
    forget_copies(cu, p, (long long)n);
    forget_copies(cu, m, (long long)n);
    if (n) sgd_update<<<blocks_for((long long)n), THREADS>>>(p, g, m, (long long)n, lr, momentum, weight_decay);
}

__global__ static void adam_update(float *p, const float *g, float *m, float *v, long long n,
                                   float lr, float beta1, float beta2, float eps, float wd,
                                   float bc1, float bc2) {
    long long e = blockIdx.x * (long long)blockDim.x + threadIdx.x;
    if (e >= n) return;
    float me = beta1 * m[e] + (1.0f - beta1) * g[e];
    float ve = beta2 * v[e] + (1.0f - beta2) * g[e] * g[e];
    m[e] = me;
    v[e] = ve;
    float mhat = me / bc1, vhat = ve / bc2;
    p[e] -= lr * (mhat / (sqrtf(vhat) + eps) + wd * p[e]);
}

extern "C" void nn_cuda_adam_update(nn_cuda *cu, float *p, const float *g, float *m, float *v,
                                    size_t n, float lr, float beta1, float beta2, float eps,
                                    float weight_decay, float bc1, float bc2) {
    forget_copies(cu, p, (long long)n);
    forget_copies(cu, m, (long long)n);
    forget_copies(cu, v, (long long)n);
    if (n)
        adam_update<<<blocks_for((long long)n), THREADS>>>(p, g, m, v, (long long)n, lr, beta1,
                                                           beta2, eps, weight_decay, bc1, bc2);
}

__global__ static void mask_multiply(float *v, const float *mask, long long n) {
    long long e = blockIdx.x * (long long)blockDim.x + threadIdx.x;
    if (e < n) v[e] *= mask[e];
}

extern "C" void nn_cuda_mask_multiply(nn_cuda *cu, float *v, const float *mask, size_t n) {
    forget_copies(cu, v, (long long)n);
    if (n) mask_multiply<<<blocks_for((long long)n), THREADS>>>(v, mask, (long long)n);
}

__global__ static void fill(float *v, long long n, float value) {
    long long e = blockIdx.x * (long long)blockDim.x + threadIdx.x;
    if (e < n) v[e] = value;
}

extern "C" void nn_cuda_fill(nn_cuda *cu, float *v, size_t n, float value) {
    forget_copies(cu, v, (long long)n);
    if (n) fill<<<blocks_for((long long)n), THREADS>>>(v, (long long)n, value);
}
