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
 * cuBLAS. Two ops that add into one C (DYAD-IT's forward, DYAD-OT's dx) run
 * as one launch over both k ranges (sgemm_two_parts); a launch may start
 * while the kernel before it drains when it reads nothing that kernel writes
 * (programmatic dependent launch: only its stores wait). A one-part launch
 * may also write its B's row sums (a layer's bias gradient, from dy), as a
 * second instance of the kernel: the first keeps the code measured before.
 *
 * A note on the code: ptxas's code for the main loop, and with it the speed,
 * moves with changes that look unrelated. Appending fields to the parameter
 * struct, or a second store path in the epilogue (adding into C in L2 with
 * red.global.add), gave a different loop and up to 2% less speed (cubins
 * compared with the one measured; tests/bench/h200/RESULTS.md). So the
 * one-part kernel keeps its first measured form, and the two-part kernel
 * keeps the form it was measured fastest in, its L2 prefetch path included
 * (removing that alone changed its loop too). */
#include "cuda_sgemm.h"

#define TILE 128      /* output rows and columns per block */
#define STAGE_K 32    /* k per shared-memory stage */
#define STAGES 2
#define SG_THREADS 256
/* one stage: A stored k x m (STAGE_K x 128), then B (STAGE_K x 128) */
#define STAGE_FLOATS (2 * STAGE_K * TILE)
#define SMEM_BYTES (STAGES * STAGE_FLOATS * (int)sizeof(float))

/* Row r of item t's C gets bias[t * bias_stride + r * bias_step] (bias may be
 * NULL). The one-part kernel's parameter, in its first measured layout
 * (`early` fits in its padding). */
struct sgemm_args {
    const float *a, *b;
    float *c;
    int m, n, k, lda, ldb, ldc;
    long long stride_a, stride_b, stride_c;
    float beta;
    const float *bias;
    long long bias_stride;
    int bias_step, relu;
    int early; /* the previous kernel may still run: wait for it only before the stores */
};

/* One product of a two-part launch: C += A B over this part's k. */
struct sgemm_part {
    const float *a, *b;
    int lda, ldb;
    long long stride_a, stride_b;
};

/* The two-part kernel's parameter; bias as in sgemm_args. */
struct sgemm_two_args {
    sgemm_part part[2]; /* part[1] from stage stages0 on */
    int stages0, stages;
    float *c;
    int m, n, ldc;
    long long stride_c;
    float beta;
    const float *bias;
    long long bias_stride;
    int bias_step, relu;
};

/* The row sums of a one-part launch's B over its n columns (nn_gemm.b_rowsum: a
 * layer's bias gradient where B is dy). Once its stores are out, each
 * block sums its 128 columns of a share of the B rows into `partial` (read
 * again from L2, where the main loops of it and of its column's other
 * blocks just brought them; summing the stages in shared memory inside the
 * main loop gave that loop worse code); the last of an item's blocks to get
 * there adds those partials, column tile by column tile, into `sums`: the
 * same order whichever block ends last, so the result is the same every run. */
struct sgemm_row_sums {
    const float *b;         /* the summed part's B: item t's row r at b + t * stride_b + r * ldb */
    long long stride_b;
    int ldb, rows;          /* rows: that part's k */
    float *sums;            /* row r of item t: sums[t * sums_stride + r] */
    long long sums_stride;
    float *partial;         /* item t, column tile x, row r: [(t * tiles_x + x) * rows + r] */
    unsigned *done;         /* per item: blocks whose partials are written; 0 between launches */
};

__device__ static inline void copy16_async(void *smem, const void *gmem) {
    unsigned s = (unsigned)__cvta_generic_to_shared(smem);
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16;\n" ::"r"(s), "l"(gmem));
}
__device__ static inline void commit_async(void) { asm volatile("cp.async.commit_group;\n" ::); }
__device__ static inline void wait_async_all(void) { asm volatile("cp.async.wait_group 0;\n" ::); }
/* Programmatic dependent launch (sm_90): wait until the previous grid in the
 * stream has finished and its writes are visible; then let the next grid
 * start its blocks as this one's finish. Both are no-ops in a plain launch. */
__device__ static inline void wait_previous_grid(void) {
    asm volatile("griddepcontrol.wait;\n" ::: "memory");
}
__device__ static inline void allow_next_grid(void) {
    asm volatile("griddepcontrol.launch_dependents;\n" ::);
}
__device__ static inline void prefetch_l2(const void *gmem) {
    asm volatile("prefetch.global.L2 [%0];\n" ::"l"(gmem));
}
/* *p += v as one vector reduction in L2: the thread does not wait for it */
__device__ static inline void add_float4(float4 *p, float4 v) {
    asm volatile("red.global.add.v4.f32 [%0], {%1, %2, %3, %4};\n" ::"l"(p), "f"(v.x), "f"(v.y),
                 "f"(v.z), "f"(v.w)
                 : "memory");
}

/* The steps both kernels share. Macros, not functions: each kernel then
 * compiles to the code it was measured with (see the note at the top). */
/* Stage rows k0.. of A (k x m at lda) and B (k x n at ldb) into a_s and b_s:
 * STAGE_K rows of 128 floats of each, 32 float4s a row. */
#define COPY_STAGE(a_s, b_s, a_item, b_item, lda, ldb, k0)                                         \
    _Pragma("unroll") for (int c = 0; c < STAGE_K * TILE / 4 / SG_THREADS; c++) {                 \
        const int idx = tid + c * SG_THREADS, row = idx >> 5, col = (idx & 31) * 4;                 \
        copy16_async((a_s) + row * TILE + col, (a_item) + (long long)((k0) + row) * (lda) + m0 + col); \
        copy16_async((b_s) + row * TILE + col, (b_item) + (long long)((k0) + row) * (ldb) + n0 + col); \
    }
#define ZERO_TILE(acc)                                                                             \
    _Pragma("unroll") for (int i = 0; i < 8; i++)                                                  \
        _Pragma("unroll") for (int j = 0; j < 8; j++) acc[i][j] = 0.0f
/* acc += this thread's 8 x 8 outputs over one stage (A then B, STAGE_K x 128 each) */
#define MULTIPLY_STAGE(acc, stage)                                                                 \
    do {                                                                                           \
        const float *a_s = (stage), *b_s = a_s + STAGE_K * TILE;                                   \
        _Pragma("unroll") for (int kk = 0; kk < STAGE_K; kk++) {                                   \
            float4 a0 = *(const float4 *)(a_s + kk * TILE + ty * 4);                               \
            float4 a1 = *(const float4 *)(a_s + kk * TILE + 64 + ty * 4);                          \
            float4 b0 = *(const float4 *)(b_s + kk * TILE + tx * 4);                               \
            float4 b1 = *(const float4 *)(b_s + kk * TILE + 64 + tx * 4);                          \
            const float ar[8] = {a0.x, a0.y, a0.z, a0.w, a1.x, a1.y, a1.z, a1.w};                  \
            const float br[8] = {b0.x, b0.y, b0.z, b0.w, b1.x, b1.y, b1.z, b1.w};                  \
            _Pragma("unroll") for (int i = 0; i < 8; i++)                                          \
                _Pragma("unroll") for (int j = 0; j < 8; j++) acc[i][j] = fmaf(ar[i], br[j], acc[i][j]); \
        }                                                                                          \
    } while (0)

/* After a block's stores: the partials of its share of the rows (the rows
 * split evenly over the rows of tiles; eight threads a row, four float4s
 * each, 32 rows a pass, two passes' loads in flight), then the last of item
 * t's blocks adds the partials into the row sums and resets the item's count. */
__device__ static void finish_row_sums(const sgemm_row_sums &rs, long long t, int n0, int tid) {
    __shared__ int last;
    float *mine = rs.partial + (t * gridDim.x + blockIdx.x) * rs.rows;
    const float *b = rs.b + t * rs.stride_b + n0 + (tid & 7) * 4;
    /* this row of tiles' share of the rows */
    const int end = (int)((long long)rs.rows * (blockIdx.y + 1) / gridDim.y);
    for (int r0 = (int)((long long)rs.rows * blockIdx.y / gridDim.y) + (tid >> 3); r0 < end;
         r0 += 64) {
        float4 v[2][4];
#pragma unroll
        for (int h = 0; h < 2; h++)
#pragma unroll
            for (int i = 0; i < 4; i++)
                v[h][i] = r0 + 32 * h < end
                              ? __ldcg((const float4 *)(b + (long long)(r0 + 32 * h) * rs.ldb + 32 * i))
                              : make_float4(0.0f, 0.0f, 0.0f, 0.0f);
#pragma unroll
        for (int h = 0; h < 2; h++) {
            float s = (((v[h][0].x + v[h][0].y) + (v[h][0].z + v[h][0].w)) +
                       ((v[h][1].x + v[h][1].y) + (v[h][1].z + v[h][1].w))) +
                      (((v[h][2].x + v[h][2].y) + (v[h][2].z + v[h][2].w)) +
                       ((v[h][3].x + v[h][3].y) + (v[h][3].z + v[h][3].w)));
            s += __shfl_xor_sync(0xffffffffu, s, 1);
            s += __shfl_xor_sync(0xffffffffu, s, 2);
            s += __shfl_xor_sync(0xffffffffu, s, 4);
            if ((tid & 7) == 0 && r0 + 32 * h < end) mine[r0 + 32 * h] = s;
        }
    }
    __threadfence(); /* this block's partials are visible before it is counted */
    __syncthreads();
    if (tid == 0) last = atomicAdd(&rs.done[t], 1u) == gridDim.x * gridDim.y - 1;
    __syncthreads();
    if (!last) return;
    __threadfence();
    const float *p = rs.partial + t * gridDim.x * rs.rows;
    for (int r = tid; r < rs.rows; r += SG_THREADS) {
        float sum = 0.0f;
        for (unsigned x = 0; x < gridDim.x; x++) sum += __ldcg(p + (long long)x * rs.rows + r);
        rs.sums[t * rs.sums_stride + r] = sum;
    }
    if (tid == 0) rs.done[t] = 0;
}

/* Thread (tx, ty) of the 16 x 16 grid owns rows ty*4.. and 64+ty*4.., columns
 * tx*4.. and 64+tx*4.. of the tile: its reads of B are float4s a warp takes
 * as one contiguous run, its reads of A float4s the warp shares. A arrives
 * stored k x m (a plain A as its transposed copy, nn_cuda_sgemm_launch). */
template <bool ROW_SUMS>
__global__ __launch_bounds__(SG_THREADS, 2) void sgemm_tiles(sgemm_args g, sgemm_row_sums rs) {
    extern __shared__ __align__(16) float stage_mem[];
    const int tid = threadIdx.x, tx = tid & 15, ty = tid >> 4;
    const long long t = blockIdx.z;
    const int m0 = blockIdx.y * TILE, n0 = blockIdx.x * TILE;
    const float *a_item = g.a + t * g.stride_a, *b_item = g.b + t * g.stride_b;
    const int tiles = g.k / STAGE_K;
    if (!g.early) wait_previous_grid();
    if (!g.early) allow_next_grid();

    /* stage `tile`: STAGE_K rows of 128 floats of each operand, 32 float4s a row */
    auto load = [&](int tile) {
        float *a_s = stage_mem + (tile % STAGES) * STAGE_FLOATS, *b_s = a_s + STAGE_K * TILE;
        const int k0 = tile * STAGE_K;
        COPY_STAGE(a_s, b_s, a_item, b_item, g.lda, g.ldb, k0);
    };
    load(0);
    commit_async();
    float acc[8][8];
    ZERO_TILE(acc);

    for (int kt = 0; kt < tiles; kt++) {
        wait_async_all();
        __syncthreads(); /* stage kt has landed for every thread; the other slot is free */
        if (kt + 1 < tiles) load(kt + 1);
        commit_async();
        MULTIPLY_STAGE(acc, stage_mem + (kt % STAGES) * STAGE_FLOATS);
    }

    if (g.early) { /* C (and what the stores below add onto) may be the previous grid's */
        wait_previous_grid();
        allow_next_grid();
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
    if (ROW_SUMS) finish_row_sums(rs, t, n0, tid);
}

/* Two products into one C, the stages from stages0 on reading part[1]; the
 * same tiles and threads as sgemm_tiles. A plain launch (no programmatic
 * dependence): it starts after the kernel before it has ended. */
__global__ __launch_bounds__(SG_THREADS, 2) void sgemm_two_parts(sgemm_two_args g) {
    extern __shared__ __align__(16) float stage_mem[];
    const int tid = threadIdx.x, tx = tid & 15, ty = tid >> 4;
    const long long t = blockIdx.z;
    const int m0 = blockIdx.y * TILE, n0 = blockIdx.x * TILE;
    const int tiles = g.stages;
    /* the beta-1 stores without ReLU are reductions; other beta stores read C */
    const int reduce = g.beta == 1.0f && !g.relu;
    float *c = g.c + t * g.stride_c;
    /* row i (0..7) of this thread's outputs, within the tile */
    auto row_of = [&](int i) { return m0 + (i < 4 ? ty * 4 + i : 64 + ty * 4 + i - 4); };

    /* stage `tile`: STAGE_K rows of 128 floats of each operand, 32 float4s a row */
    auto load = [&](int tile) {
        float *a_s = stage_mem + (tile % STAGES) * STAGE_FLOATS, *b_s = a_s + STAGE_K * TILE;
        const int second = tile >= g.stages0;
        const sgemm_part &p = second ? g.part[1] : g.part[0];
        const float *a_item = p.a + t * p.stride_a, *b_item = p.b + t * p.stride_b;
        const int k0 = (second ? tile - g.stages0 : tile) * STAGE_K;
        COPY_STAGE(a_s, b_s, a_item, b_item, p.lda, p.ldb, k0);
    };
    load(0);
    commit_async();
    float acc[8][8];
    ZERO_TILE(acc);

    for (int kt = 0; kt < tiles; kt++) {
        wait_async_all();
        __syncthreads(); /* stage kt has landed for every thread; the other slot is free */
        if (kt + 1 < tiles) load(kt + 1);
        /* the old C this thread will read comes into L2 while the last stage runs */
        else if (g.beta != 0.0f && !reduce)
#pragma unroll
            for (int i = 0; i < 8; i++) {
                const float *at = c + (long long)row_of(i) * g.ldc + n0 + tx * 4;
                prefetch_l2(at);
                prefetch_l2(at + 64);
            }
        commit_async();
        MULTIPLY_STAGE(acc, stage_mem + (kt % STAGES) * STAGE_FLOATS);
    }

#pragma unroll
    for (int i = 0; i < 8; i++) {
        const int r = row_of(i);
        const float bias = g.bias ? g.bias[t * g.bias_stride + (long long)r * g.bias_step] : 0.0f;
        float4 *out = (float4 *)(c + (long long)r * g.ldc + n0 + tx * 4);
        float4 v[2], old[2] = {{0, 0, 0, 0}, {0, 0, 0, 0}};
        /* both old halves of the row are in flight before either store */
        if (g.beta != 0.0f && !reduce) old[0] = out[0], old[1] = out[16];
#pragma unroll
        for (int h = 0; h < 2; h++) {
            v[h] = make_float4(acc[i][4 * h], acc[i][4 * h + 1], acc[i][4 * h + 2], acc[i][4 * h + 3]);
            if (g.beta != 0.0f && !reduce) {
                v[h].x += g.beta * old[h].x, v[h].y += g.beta * old[h].y;
                v[h].z += g.beta * old[h].z, v[h].w += g.beta * old[h].w;
            }
            v[h].x += bias, v[h].y += bias, v[h].z += bias, v[h].w += bias;
            if (g.relu) {
                v[h].x = fmaxf(v[h].x, 0.0f), v[h].y = fmaxf(v[h].y, 0.0f);
                v[h].z = fmaxf(v[h].z, 0.0f), v[h].w = fmaxf(v[h].w, 0.0f);
            }
            if (reduce)
                add_float4(out + 16 * h, v[h]);
            else
                out[16 * h] = v[h];
        }
    }
}

/* Up to TRANSPOSE_JOBS plain A operands transposed in one launch. */
#define TRANSPOSE_JOBS 4
struct transpose_job {
    const float *a;
    float *out; /* item t (k x m) at out + t * m * k */
    int m, k, lda;
    long long stride_a;
};
struct transpose_jobs {
    transpose_job job[TRANSPOSE_JOBS];
    int y_tiles; /* blockIdx.y / y_tiles picks the job */
};

/* 64 x 64 tiles through shared memory, so reads and writes are both
 * coalesced, 16 floats a thread in flight (a 32 x 32 tile with 4 took 6.5 us
 * for one 4 MB DYAD weight); m is a multiple of 128, k of 32. */
#define T_TILE 64
__global__ static void transpose_items(transpose_jobs jobs) {
    __shared__ float tile[T_TILE][T_TILE + 1];
    allow_next_grid(); /* the GEMM after it may take places as its blocks end */
    const transpose_job &j = jobs.job[blockIdx.y / jobs.y_tiles];
    const long long t = blockIdx.z;
    const int r0 = (blockIdx.y % jobs.y_tiles) * T_TILE, k0 = blockIdx.x * T_TILE;
    if (r0 >= j.m || k0 >= j.k) return;
    const float *src = j.a + t * j.stride_a;
#pragma unroll
    for (int i = threadIdx.y; i < T_TILE; i += blockDim.y)
#pragma unroll
        for (int h = 0; h < 2; h++)
            if (k0 + h * 32 < j.k)
                tile[i][h * 32 + threadIdx.x] =
                    src[(long long)(r0 + i) * j.lda + k0 + h * 32 + threadIdx.x];
    __syncthreads();
    float *dst = j.out + t * (long long)j.m * j.k;
#pragma unroll
    for (int i = threadIdx.y; i < T_TILE; i += blockDim.y)
#pragma unroll
        for (int h = 0; h < 2; h++)
            if (k0 + i < j.k)
                dst[(long long)(k0 + i) * j.m + r0 + h * 32 + threadIdx.x] =
                    tile[h * 32 + threadIdx.x][i];
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

/* One past the last float of a strided operand: count items of rows x cols
 * at ld, stride apart. */
static const float *span_end(const float *p, int rows, int cols, int ld, ptrdiff_t stride,
                             int count) {
    return p + (ptrdiff_t)(count - 1) * stride + (ptrdiff_t)(rows - 1) * ld + cols;
}

/* Whether such an operand and a span of floats [lo, hi) share an address. */
static int touches(const float *p, int rows, int cols, int ld, ptrdiff_t stride, int count,
                   const float *lo, const float *hi) {
    return p < hi && lo < span_end(p, rows, cols, ld, stride, count);
}

int nn_cuda_sgemm_reads(const nn_gemm *g, int count, const float *lo, const float *hi) {
    return touches(g->a, g->trans_a ? g->k : g->m, g->trans_a ? g->m : g->k, g->lda, g->stride_a,
                   count, lo, hi) ||
           touches(g->b, g->k, g->n, g->ldb, g->stride_b, count, lo, hi);
}

int nn_cuda_sgemm_joins(const nn_gemm *first, const nn_gemm *second, int count) {
    if (!nn_cuda_sgemm_fits(first, count) || !nn_cuda_sgemm_fits(second, count)) return 0;
    if (second->beta != 1.0f || first->sgd_param || second->sgd_param) return 0;
    if (second->c != first->c || second->m != first->m || second->n != first->n ||
        second->ldc != first->ldc || second->stride_c != first->stride_c)
        return 0;
    /* in order, the second op would read the C the first one wrote */
    return !nn_cuda_sgemm_reads(second, count, first->c,
                                span_end(first->c, first->m, first->n, first->ldc,
                                         first->stride_c, count));
}

void nn_cuda_sgemm_init(void) {
    /* 64 KB of dynamic shared memory per block is above the default 48 KB */
    cudaFuncSetAttribute(sgemm_tiles<false>, cudaFuncAttributeMaxDynamicSharedMemorySize, SMEM_BYTES);
    cudaFuncSetAttribute(sgemm_tiles<true>, cudaFuncAttributeMaxDynamicSharedMemorySize, SMEM_BYTES);
    cudaFuncSetAttribute(sgemm_two_parts, cudaFuncAttributeMaxDynamicSharedMemorySize, SMEM_BYTES);
}

int nn_cuda_sgemm_transpose(const nn_cuda_sgemm_launch *launches, int nlaunches, int count) {
    transpose_jobs jobs = {};
    int njobs = 0, max_m = 0, max_k = 0, kernels = 0;
    auto send = [&]() {
        jobs.y_tiles = max_m / T_TILE;
        transpose_items<<<dim3((max_k + T_TILE - 1) / T_TILE, njobs * jobs.y_tiles, count),
                          dim3(32, 8)>>>(jobs);
        njobs = max_m = max_k = 0;
        kernels++;
    };
    for (int l = 0; l < nlaunches; l++)
        for (int p = 0; p < launches[l].nparts; p++) {
            const nn_gemm *g = &launches[l].parts[p];
            if (g->trans_a || !launches[l].write_a_t[p]) continue;
            jobs.job[njobs++] = {g->a, launches[l].a_t[p], g->m, g->k, g->lda,
                                 (long long)g->stride_a};
            if (g->m > max_m) max_m = g->m;
            if (g->k > max_k) max_k = g->k;
            if (njobs == TRANSPOSE_JOBS) send();
        }
    if (njobs) send();
    return kernels;
}

/* A part's A as the kernels read it: stored k x m (transposed, or as given). */
static sgemm_part part_of(const nn_gemm *q, const float *a_t) {
    return a_t ? sgemm_part{a_t, q->b, q->m, q->ldb, (long long)q->m * q->k, (long long)q->stride_b}
               : sgemm_part{q->a, q->b, q->lda, q->ldb, (long long)q->stride_a,
                            (long long)q->stride_b};
}

size_t nn_cuda_sgemm_row_sum_floats(const nn_gemm *g, int count) {
    return (size_t)count * (size_t)(g->n / TILE) * (size_t)g->k;
}

void nn_cuda_sgemm(const nn_cuda_sgemm_launch *launch, int count, const nn_epilogue *ep,
                   int early, const nn_cuda_row_sum_work *work) {
    const nn_gemm *g = &launch->parts[0];
    const float *bias = ep ? ep->bias : NULL;
    long long bias_stride = ep ? (long long)ep->bias_stride : 0;
    int bias_step = ep ? ep->bias_step : 0, relu = ep ? ep->relu : 0;
    dim3 grid((unsigned)(g->n / TILE), (unsigned)(g->m / TILE), (unsigned)count);
    /* B's row sums, when the caller has this launch take them */
    sgemm_row_sums rs = {};
    if (work)
        rs = {g->b, (long long)g->stride_b, g->ldb, g->k, g->b_rowsum, (long long)g->b_rowsum_stride,
              work->partial, work->done};
    /* a plain A is read from its transposed copy: reading it along k
     * inside the kernel measured slower than making that copy */
    sgemm_part p0 = part_of(g, launch->a_t[0]);
    if (launch->nparts == 2) {
        const nn_gemm *q = &launch->parts[1];
        sgemm_two_args args = {{p0, part_of(q, launch->a_t[1])}, g->k / STAGE_K,
                               (g->k + q->k) / STAGE_K, g->c, g->m, g->n, g->ldc,
                               (long long)g->stride_c, g->beta, bias, bias_stride, bias_step, relu};
        sgemm_two_parts<<<grid, SG_THREADS, SMEM_BYTES>>>(args);
        return;
    }
    sgemm_args args = {p0.a, p0.b, g->c, g->m, g->n, g->k, p0.lda, p0.ldb, g->ldc, p0.stride_a,
                       p0.stride_b, (long long)g->stride_c, g->beta, bias, bias_stride, bias_step,
                       relu, early};
    /* it may begin as the previous grid drains (programmatic dependent
     * launch); the kernel waits for that grid where args.early says */
    cudaLaunchAttribute overlap;
    overlap.id = cudaLaunchAttributeProgrammaticStreamSerialization;
    overlap.val.programmaticStreamSerializationAllowed = 1;
    cudaLaunchConfig_t config = {};
    config.gridDim = grid;
    config.blockDim = dim3(SG_THREADS);
    config.dynamicSmemBytes = SMEM_BYTES;
    config.stream = 0;
    config.attrs = &overlap;
    config.numAttrs = 1;
    if (work)
        cudaLaunchKernelEx(&config, sgemm_tiles<true>, args, rs);
    else
        cudaLaunchKernelEx(&config, sgemm_tiles<false>, args, rs);
}
