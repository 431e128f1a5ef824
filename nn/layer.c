#include "layer.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

static const char *const kind_names[] = {"dense", "dyad-it", "dyad-ot", "dyad-dt"};

const char *layer_kind_name(layer_kind kind) {
    if ((int)kind < 0 || kind > LAYER_DYAD_DT) return "unknown";
    return kind_names[kind];
}

nn_status layer_kind_parse(const char *name, layer_kind *kind) {
    for (int k = 0; k <= LAYER_DYAD_DT; k++) {
        if (strcmp(name, kind_names[k]) == 0) {
            *kind = (layer_kind)k;
            return NN_OK;
        }
    }
    return NN_ERR_ARG;
}

nn_status layer_check(layer_kind kind, int in, int out, int ndyad, nn_error *err) {
    if ((int)kind < 0 || kind > LAYER_DYAD_DT)
        return nn_fail(err, NN_ERR_ARG, "unknown layer kind %d", (int)kind);
    if (in <= 0 || out <= 0)
        return nn_fail(err, NN_ERR_ARG, "layer widths must be positive (got %d -> %d)", in, out);
    if (kind == LAYER_DENSE) {
        if (ndyad != 1)
            return nn_fail(err, NN_ERR_ARG, "a dense layer has ndyad 1 (got %d)", ndyad);
        return NN_OK;
    }
    if (ndyad < 1)
        return nn_fail(err, NN_ERR_ARG, "ndyad must be at least 1 (got %d)", ndyad);
    if (in % ndyad != 0 || out % ndyad != 0)
        return nn_fail(err, NN_ERR_ARG,
                       "%s layer %d -> %d: ndyad %d must divide both widths",
                       layer_kind_name(kind), in, out, ndyad);
    return NN_OK;
}

size_t layer_param_count(layer_kind kind, int in, int out, int ndyad) {
    if (kind == LAYER_DENSE) return (size_t)in * out + out;
    return 2 * ((size_t)in * out / ndyad) + out;
}

void layer_bind(layer *l, float *params, float *grads) {
    size_t nweight = (size_t)l->in * l->out / l->ndyad; /* one DYAD part, or dense W */
    layer_tensors *views[2] = {&l->param, &l->grad};
    float *bases[2] = {params, grads};
    for (int v = 0; v < 2; v++) {
        float *p = bases[v];
        layer_tensors *t = views[v];
        memset(t, 0, sizeof *t);
        if (!p) continue;
        if (l->kind == LAYER_DENSE) {
            t->weight = p;
            t->bias = p + nweight;
        } else {
            t->wl = p;
            t->wu = p + nweight;
            t->bias = p + 2 * nweight;
        }
    }
}

void layer_init(layer *l, rng *r) {
    float k = 1.0f / sqrtf((float)l->in);
    size_t n = layer_param_count(l->kind, l->in, l->out, l->ndyad);
    /* weights and bias are contiguous from the first tensor on */
    float *p = l->kind == LAYER_DENSE ? l->param.weight : l->param.wl;
    for (size_t i = 0; i < n; i++) p[i] = (2.0f * rng_uniform(r) - 1.0f) * k;
}

/* Row offset and row stride (in rows) of the inputs and outputs of block k's
 * BLOCK TRANS part: contiguous (offset k*a, stride 1) or strided (offset k,
 * stride n). */
typedef struct {
    int in_row, in_step, out_row, out_step;
} trans_rows;

static trans_rows trans_layout(const layer *l, int k) {
    int n = l->ndyad, a = l->in / n, b = l->out / n;
    int strided_in = l->kind == LAYER_DYAD_IT || l->kind == LAYER_DYAD_DT;
    int strided_out = l->kind == LAYER_DYAD_OT || l->kind == LAYER_DYAD_DT;
    trans_rows t;
    t.in_row = strided_in ? k : k * a;
    t.in_step = strided_in ? n : 1;
    t.out_row = strided_out ? k : k * b;
    t.out_step = strided_out ? n : 1;
    return t;
}

/* One layer call's operands, shared by the block tasks. */
typedef struct {
    const layer *l;
    const float *x, *dy;
    float *y, *dx;
    int batch;
} block_job;

static void gemm_diag_forward(const block_job *j, int k) {
    const layer *l = j->l;
    int n = l->ndyad, a = l->in / n, b = l->out / n, B = j->batch;
    /* BLOCK DIAG writes every output row exactly once: beta 0 initialises y */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, b, B, a, 1.0f,
                l->param.wl + (size_t)k * a * b, a, j->x + (size_t)k * a * B, B, 0.0f,
                j->y + (size_t)k * b * B, B);
}

static void gemm_trans_forward(const block_job *j, int k) {
    const layer *l = j->l;
    int n = l->ndyad, a = l->in / n, b = l->out / n, B = j->batch;
    trans_rows t = trans_layout(l, k);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, b, B, a, 1.0f,
                l->param.wu + (size_t)k * a * b, a, j->x + (size_t)t.in_row * B, t.in_step * B,
                1.0f, j->y + (size_t)t.out_row * B, t.out_step * B);
}

static void task_diag_forward(void *ctx, int k) { gemm_diag_forward(ctx, k); }
static void task_trans_forward(void *ctx, int k) { gemm_trans_forward(ctx, k); }
/* IT: block k's two parts write the same contiguous rows, so one task owns them */
static void task_block_forward(void *ctx, int k) {
    gemm_diag_forward(ctx, k);
    gemm_trans_forward(ctx, k);
}

/* A dense layer on the pool: each task owns a slice of the output matrix's
 * rows (y and dW: output features; dx: input features), so the slices never
 * overlap and every task is one single-threaded GEMM. */
/* Below this many weights (a 10-way output layer, say) a pool dispatch costs
 * more than the GEMM it would split. */
#define DENSE_POOL_MIN_WEIGHTS 65536

static int dense_on_pool(const layer *l, const nn_pool *pool) {
    return nn_pool_threads(pool) > 1 && (size_t)l->in * l->out >= DENSE_POOL_MIN_WEIGHTS;
}

static void row_slice(int rows, int tasks, int t, int *r0, int *r1) {
    int chunk = (rows + tasks - 1) / tasks;
    chunk = (chunk + 15) & ~15; /* whole kernel panels */
    *r0 = t * chunk < rows ? t * chunk : rows;
    *r1 = *r0 + chunk < rows ? *r0 + chunk : rows;
}

typedef struct {
    const layer *l;
    const float *x, *dy;
    float *y, *dx;
    int batch, tasks;
} dense_job;

static void task_dense_forward(void *ctx, int t) {
    const dense_job *j = ctx;
    const layer *l = j->l;
    int r0, r1;
    row_slice(l->out, j->tasks, t, &r0, &r1);
    if (r0 == r1) return;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, r1 - r0, j->batch, l->in, 1.0f,
                l->param.weight + (size_t)r0 * l->in, l->in, j->x, j->batch, 0.0f,
                j->y + (size_t)r0 * j->batch, j->batch);
}

/* tasks [0, T): dW rows (outputs); [T, 2T): dx rows (inputs), dx = W^T dy */
static void task_dense_backward(void *ctx, int index) {
    const dense_job *j = ctx;
    const layer *l = j->l;
    int B = j->batch, r0, r1;
    if (index < j->tasks) {
        row_slice(l->out, j->tasks, index, &r0, &r1);
        if (r0 == r1) return;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, r1 - r0, l->in, B, 1.0f,
                    j->dy + (size_t)r0 * B, B, j->x, B, 0.0f, l->grad.weight + (size_t)r0 * l->in,
                    l->in);
    } else {
        row_slice(l->in, j->tasks, index - j->tasks, &r0, &r1);
        if (r0 == r1) return;
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, r1 - r0, B, l->out, 1.0f,
                    l->param.weight + r0, l->in, j->dy, B, 0.0f, j->dx + (size_t)r0 * B, B);
    }
}

void layer_forward(const layer *l, const float *x, float *y, int batch, nn_pool *pool) {
    const int B = batch;
    if (l->kind == LAYER_DENSE && dense_on_pool(l, pool)) {
        dense_job job = {.l = l, .x = x, .y = y, .batch = batch, .tasks = nn_pool_threads(pool)};
        nn_pool_run(pool, job.tasks, task_dense_forward, &job);
    } else if (l->kind == LAYER_DENSE) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, l->out, B, l->in, 1.0f,
                    l->param.weight, l->in, x, B, 0.0f, y, B);
    } else {
        block_job job = {.l = l, .x = x, .y = y, .batch = batch};
        if (l->kind == LAYER_DYAD_IT) {
            nn_pool_run(pool, l->ndyad, task_block_forward, &job);
        } else {
            /* strided outputs interleave the blocks' rows: all diag parts first */
            nn_pool_run(pool, l->ndyad, task_diag_forward, &job);
            nn_pool_run(pool, l->ndyad, task_trans_forward, &job);
        }
    }
    for (int o = 0; o < l->out; o++) {
        float bo = l->param.bias[o];
        float *row = y + (size_t)o * B;
        for (int s = 0; s < B; s++) row[s] += bo;
    }
}

/* Backward tasks. Index space of phase one: [0, n) dwl[k], [n, 2n) dwu[k],
 * [2n, 3n) dx from block k (BLOCK DIAG, plus BLOCK TRANS when the inputs are
 * contiguous). Phase two (strided inputs only): dx from BLOCK TRANS. */
static void gemm_grad_weight(const block_job *j, int k, int trans) {
    const layer *l = j->l;
    int n = l->ndyad, a = l->in / n, b = l->out / n, B = j->batch;
    trans_rows t = trans ? trans_layout(l, k)
                         : (trans_rows){.in_row = k * a, .in_step = 1, .out_row = k * b, .out_step = 1};
    float *dw = (trans ? l->grad.wu : l->grad.wl) + (size_t)k * a * b;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, b, a, B, 1.0f,
                j->dy + (size_t)t.out_row * B, t.out_step * B, j->x + (size_t)t.in_row * B,
                t.in_step * B, 0.0f, dw, a);
}

static void gemm_grad_input(const block_job *j, int k, int trans) {
    const layer *l = j->l;
    int n = l->ndyad, a = l->in / n, b = l->out / n, B = j->batch;
    trans_rows t = trans ? trans_layout(l, k)
                         : (trans_rows){.in_row = k * a, .in_step = 1, .out_row = k * b, .out_step = 1};
    const float *w = (trans ? l->param.wu : l->param.wl) + (size_t)k * a * b;
    /* BLOCK DIAG covers every input row once: beta 0 initialises dx */
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, a, B, b, 1.0f, w, a,
                j->dy + (size_t)t.out_row * B, t.out_step * B, trans ? 1.0f : 0.0f,
                j->dx + (size_t)t.in_row * B, t.in_step * B);
}

static void task_backward_one(void *ctx, int index) {
    const block_job *j = ctx;
    int n = j->l->ndyad, k = index % n;
    if (index < 2 * n) {
        gemm_grad_weight(j, k, index >= n);
    } else {
        gemm_grad_input(j, k, 0);
        if (j->l->kind == LAYER_DYAD_OT) gemm_grad_input(j, k, 1);
    }
}

static void task_trans_grad_input(void *ctx, int k) { gemm_grad_input(ctx, k, 1); }

void layer_backward(const layer *l, const float *x, const float *dy, float *dx, int batch,
                    nn_pool *pool) {
    const int B = batch;
    for (int o = 0; o < l->out; o++) {
        const float *row = dy + (size_t)o * B;
        float sum = 0.0f;
        for (int s = 0; s < B; s++) sum += row[s];
        l->grad.bias[o] = sum;
    }
    if (l->kind == LAYER_DENSE && dense_on_pool(l, pool)) {
        dense_job job = {.l = l, .x = x, .dy = dy, .dx = dx, .batch = batch,
                         .tasks = nn_pool_threads(pool)};
        nn_pool_run(pool, dx ? 2 * job.tasks : job.tasks, task_dense_backward, &job);
        return;
    }
    if (l->kind == LAYER_DENSE) {
        /* dW = dy x^T, dx = W^T dy */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, l->out, l->in, B, 1.0f, dy, B, x, B,
                    0.0f, l->grad.weight, l->in);
        if (dx)
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, l->in, B, l->out, 1.0f,
                        l->param.weight, l->in, dy, B, 0.0f, dx, B);
        return;
    }
    int n = l->ndyad;
    block_job job = {.l = l, .x = x, .dy = dy, .dx = dx, .batch = batch};
    nn_pool_run(pool, dx ? 3 * n : 2 * n, task_backward_one, &job);
    /* strided inputs interleave the blocks' dx rows: BLOCK TRANS after all diag parts */
    if (dx && l->kind != LAYER_DYAD_OT) nn_pool_run(pool, n, task_trans_grad_input, &job);
}

void layer_trans_position(const layer *l, int k, int j, int i, int *row, int *col) {
    trans_rows t = trans_layout(l, k);
    *row = t.out_row + j * t.out_step;
    *col = t.in_row + i * t.in_step;
}

void layer_dense_weight(const layer *l, float *w) {
    if (l->kind == LAYER_DENSE) {
        memcpy(w, l->param.weight, sizeof(float) * (size_t)l->in * l->out);
        return;
    }
    memset(w, 0, sizeof(float) * (size_t)l->in * l->out);
    int n = l->ndyad, a = l->in / n, b = l->out / n;
    for (int k = 0; k < n; k++)
        for (int j = 0; j < b; j++)
            for (int i = 0; i < a; i++) {
                size_t e = ((size_t)k * b + j) * a + i;
                w[(size_t)(k * b + j) * l->in + k * a + i] += l->param.wl[e];
                int row, col;
                layer_trans_position(l, k, j, i, &row, &col);
                w[(size_t)row * l->in + col] += l->param.wu[e];
            }
}

int layer_weight_part(const layer *l, int row, int col) {
    if (l->kind == LAYER_DENSE) return 1;
    int n = l->ndyad, a = l->in / n, b = l->out / n;
    int part = (row / b == col / a) ? 1 : 0;
    /* invert the BLOCK TRANS index map: strided indices carry k as index % n */
    int strided_in = l->kind == LAYER_DYAD_IT || l->kind == LAYER_DYAD_DT;
    int strided_out = l->kind == LAYER_DYAD_OT || l->kind == LAYER_DYAD_DT;
    int k_in = strided_in ? col % n : col / a;
    int k_out = strided_out ? row % n : row / b;
    if (k_in == k_out) part |= 2;
    return part;
}

double layer_forward_flops(const layer *l, int batch) {
    double macs = (double)l->in * l->out;
    if (l->kind != LAYER_DENSE) macs = 2.0 * macs / l->ndyad;
    return 2.0 * macs * batch;
}

/* Values x in [0, h) with x % n == m. */
static size_t count_congruent(size_t h, size_t n, size_t m) {
    return h / n + (h % n > m ? 1 : 0);
}

size_t layer_structural_nonzeros(const layer *l) {
    if (l->kind == LAYER_DENSE) return (size_t)l->in * (size_t)l->out;
    size_t n = (size_t)l->ndyad, a = (size_t)l->in / n, b = (size_t)l->out / n;
    int strided_in = l->kind == LAYER_DYAD_IT || l->kind == LAYER_DYAD_DT;
    int strided_out = l->kind == LAYER_DYAD_OT || l->kind == LAYER_DYAD_DT;
    /* BLOCK DIAG and BLOCK TRANS feed n*b*a entries each; subtract the entries
     * both feed: row and col in the same diagonal block k, and the BLOCK TRANS
     * block of the row (k_out) equal to that of the column (k_in). One pass
     * over the rows, the columns counted in closed form. */
    size_t overlap = 0;
    for (size_t k = 0; k < n; k++) {
        for (size_t row = k * b; row < (k + 1) * b; row++) {
            size_t k_out = strided_out ? row % n : k;
            if (strided_in)
                overlap += count_congruent((k + 1) * a, n, k_out) - count_congruent(k * a, n, k_out);
            else
                overlap += k_out == k ? a : 0;
        }
    }
    return 2 * n * b * a - overlap;
}
