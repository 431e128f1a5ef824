/* An FP32 GEMM for the short-k batches DYAD's blocks make (make CUDA=1).
 *
 * At width 4096 and ndyad 16 every forward and dx GEMM of a DYAD layer has
 * k = 256, where cuBLAS's FP32 kernels reach 77-87% of their long-k rate,
 * and the bias/ReLU pass after the forward reads and writes the whole output
 * once more. This kernel is the textbook register-tiled SGEMM: a 128 x 128
 * tile per block of 256 threads, 8 x 8 outputs per thread, k in stages of 32
 * that cp.async brings into shared memory while the previous stage is
 * multiplied. Two blocks share a multiprocessor (<= 128 registers, 64 KB of
 * shared memory each), so one block's start and stores overlap the other's
 * arithmetic; bias and ReLU are applied to the accumulators before the one
 * store. Variants measured on the H200 (register-staged loads, k stages of
 * 8/16/32/64, 2-4 stages, one block per multiprocessor, reading a plain A
 * along k) are in tests/bench/h200/RESULTS.md.
 *
 * Row-major, as nn_gemm: C_t = op(A_t) B_t + beta C_t, B never transposed
 * (the forward and dx GEMMs); the dW GEMMs (B transposed, long k) stay on
 * cuBLAS. */
#include "cuda_sgemm.h"

#define TILE 128      /* output rows and columns per block */
#define STAGE_K 32    /* k per shared-memory stage */
#define STAGES 2
#define SG_THREADS 256
/* one stage: A stored k x m (STAGE_K x 128), then B (STAGE_K x 128) */
#define STAGE_FLOATS (2 * STAGE_K * TILE)
#define SMEM_BYTES (STAGES * STAGE_FLOATS * (int)sizeof(float))

/* Row r of item t's C gets bias[t * bias_stride + r * bias_step] (bias may be NULL). */
struct sgemm_args {
    const float *a, *b;
    float *c;
    int m, n, k, lda, ldb, ldc;
    long long stride_a, stride_b, stride_c;
    float beta;
    const float *bias;
    long long bias_stride;
    int bias_step, relu;
};

__device__ static inline void copy16_async(void *smem, const void *gmem) {
    unsigned s = (unsigned)__cvta_generic_to_shared(smem);
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16;\n" ::"r"(s), "l"(gmem));
}
__device__ static inline void commit_async(void) { asm volatile("cp.async.commit_group;\n" ::); }
__device__ static inline void wait_async_all(void) { asm volatile("cp.async.wait_group 0;\n" ::); }

/* Thread (tx, ty) of the 16 x 16 grid owns rows ty*4.. and 64+ty*4.., columns
 * tx*4.. and 64+tx*4.. of the tile: its reads of B are float4s a warp takes
 * as one contiguous run, its reads of A float4s the warp shares. A arrives
 * stored k x m (nn_cuda_sgemm transposes a plain A first). */
__global__ __launch_bounds__(SG_THREADS, 2) void sgemm_tiles(sgemm_args g) {
    extern __shared__ __align__(16) float stage_mem[];
    const int tid = threadIdx.x, tx = tid & 15, ty = tid >> 4;
    const long long t = blockIdx.z;
    const int m0 = blockIdx.y * TILE, n0 = blockIdx.x * TILE;
    const float *a_item = g.a + t * g.stride_a, *b_item = g.b + t * g.stride_b;
    const int tiles = g.k / STAGE_K;

    /* stage `tile`: STAGE_K rows of 128 floats of each operand, 32 float4s a row */
    auto load = [&](int tile) {
        float *a_s = stage_mem + (tile % STAGES) * STAGE_FLOATS, *b_s = a_s + STAGE_K * TILE;
        const int k0 = tile * STAGE_K;
#pragma unroll
        for (int c = 0; c < STAGE_K * TILE / 4 / SG_THREADS; c++) {
            const int idx = tid + c * SG_THREADS, row = idx >> 5, col = (idx & 31) * 4;
            copy16_async(a_s + row * TILE + col, a_item + (long long)(k0 + row) * g.lda + m0 + col);
            copy16_async(b_s + row * TILE + col, b_item + (long long)(k0 + row) * g.ldb + n0 + col);
        }
    };
    load(0);
    commit_async();
    float acc[8][8];
#pragma unroll
    for (int i = 0; i < 8; i++)
#pragma unroll
        for (int j = 0; j < 8; j++) acc[i][j] = 0.0f;

    for (int kt = 0; kt < tiles; kt++) {
        wait_async_all();
        __syncthreads(); /* stage kt has landed for every thread; the other slot is free */
        if (kt + 1 < tiles) load(kt + 1);
        commit_async();
        const float *a_s = stage_mem + (kt % STAGES) * STAGE_FLOATS, *b_s = a_s + STAGE_K * TILE;
#pragma unroll
        for (int kk = 0; kk < STAGE_K; kk++) {
            float4 a0 = *(const float4 *)(a_s + kk * TILE + ty * 4);
            float4 a1 = *(const float4 *)(a_s + kk * TILE + 64 + ty * 4);
            float4 b0 = *(const float4 *)(b_s + kk * TILE + tx * 4);
            float4 b1 = *(const float4 *)(b_s + kk * TILE + 64 + tx * 4);
            const float ar[8] = {a0.x, a0.y, a0.z, a0.w, a1.x, a1.y, a1.z, a1.w};
            const float br[8] = {b0.x, b0.y, b0.z, b0.w, b1.x, b1.y, b1.z, b1.w};
#pragma unroll
            for (int i = 0; i < 8; i++)
#pragma unroll
                for (int j = 0; j < 8; j++) acc[i][j] = fmaf(ar[i], br[j], acc[i][j]);
        }
    }

    float *c = g.c + t * g.stride_c;
#pragma unroll
    for (int i = 0; i < 8; i++) {
        const int r = m0 + (i < 4 ? ty * 4 + i : 64 + ty * 4 + i - 4);
        const float bias = g.bias ? g.bias[t * g.bias_stride + (long long)r * g.bias_step] : 0.0f;
#pragma unroll
        for (int h = 0; h < 2; h++) {
            float4 *out = (float4 *)(c + (long long)r * g.ldc + n0 + h * 64 + tx * 4);
            float4 v = {acc[i][4 * h], acc[i][4 * h + 1], acc[i][4 * h + 2], acc[i][4 * h + 3]};
            if (g.beta != 0.0f) {
                float4 old = *out;
                v.x += g.beta * old.x, v.y += g.beta * old.y;
                v.z += g.beta * old.z, v.w += g.beta * old.w;
            }
            v.x += bias, v.y += bias, v.z += bias, v.w += bias;
            if (g.relu) {
                v.x = fmaxf(v.x, 0.0f), v.y = fmaxf(v.y, 0.0f);
                v.z = fmaxf(v.z, 0.0f), v.w = fmaxf(v.w, 0.0f);
            }
            *out = v;
        }
    }
}

/* out item t (k x m, packed) = A_t^T for a plain A (m x k at lda); m and k
 * are multiples of 32 here. 32 x 32 tiles through shared memory, so reads
 * and writes are both coalesced. */
__global__ static void transpose_items(float *out, const float *a, int m, int k, int lda,
                                       long long stride_a) {
    __shared__ float tile[32][33];
    const long long t = blockIdx.z;
    const int r0 = blockIdx.y * 32, k0 = blockIdx.x * 32;
    const float *src = a + t * stride_a;
    for (int i = threadIdx.y; i < 32; i += blockDim.y)
        tile[i][threadIdx.x] = src[(long long)(r0 + i) * lda + k0 + threadIdx.x];
    __syncthreads();
    float *dst = out + t * (long long)m * k;
    for (int i = threadIdx.y; i < 32; i += blockDim.y)
        dst[(long long)(k0 + i) * m + r0 + threadIdx.x] = tile[threadIdx.x][i];
}

static int aligned16(const void *p) { return ((size_t)p & 15) == 0; }

int nn_cuda_sgemm_fits(const nn_gemm *g, int count) {
    /* whole tiles, stages and float4s everywhere; k short (cuBLAS keeps the
     * long ones); enough tiles to fill the GPU */
    return !g->trans_b && count > 0 && count < 65536 && g->m % TILE == 0 && g->n % TILE == 0 &&
           g->k % STAGE_K == 0 && g->k > 0 && g->k <= NN_CUDA_SGEMM_MAX_K && g->lda % 4 == 0 &&
           g->ldb % 4 == 0 && g->ldc % 4 == 0 && g->stride_a % 4 == 0 && g->stride_b % 4 == 0 &&
           g->stride_c % 4 == 0 && aligned16(g->a) && aligned16(g->b) && aligned16(g->c) &&
           g->m / 32 < 65536 &&
           (long long)count * (g->m / TILE) * (g->n / TILE) >= NN_CUDA_SGEMM_MIN_TILES;
}

void nn_cuda_sgemm_init(void) {
    /* 64 KB of dynamic shared memory per block is above the default 48 KB */
    cudaFuncSetAttribute(sgemm_tiles, cudaFuncAttributeMaxDynamicSharedMemorySize, SMEM_BYTES);
}

void nn_cuda_sgemm(const nn_gemm *g, int count, const nn_epilogue *ep, float *a_scratch) {
    sgemm_args args = {g->a, g->b, g->c, g->m, g->n, g->k, g->lda, g->ldb, g->ldc,
                       (long long)g->stride_a, (long long)g->stride_b, (long long)g->stride_c,
                       g->beta, ep ? ep->bias : NULL, ep ? (long long)ep->bias_stride : 0,
                       ep ? ep->bias_step : 0, ep ? ep->relu : 0};
    if (!g->trans_a) {
        /* reading a plain A along k inside the kernel measured slower than
         * this copy (a DYAD weight: 4 MB at width 4096) */
        dim3 blocks((unsigned)(g->k / 32), (unsigned)(g->m / 32), (unsigned)count);
        transpose_items<<<blocks, dim3(32, 8)>>>(a_scratch, g->a, g->m, g->k, g->lda,
                                                 (long long)g->stride_a);
        args.a = a_scratch;
        args.lda = g->m;
        args.stride_a = (long long)g->m * g->k;
    }
    dim3 grid((unsigned)(g->n / TILE), (unsigned)(g->m / TILE), (unsigned)count);
    sgemm_tiles<<<grid, SG_THREADS, SMEM_BYTES>>>(args);
}
