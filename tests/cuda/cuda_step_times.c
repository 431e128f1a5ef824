/* Where the time of one DYAD layer step goes on the GPU (make CUDA=1
 * cuda-step-times): each GEMM of the forward and backward (the layer's own,
 * from nn_dyad_gemms) and the bias gradient's row sums (a pass of their
 * own, and summed by BLOCK DIAG's dx as the backward runs it), each timed alone
 * (the mean of 40 back-to-back runs), with the own FP32 kernels on and off,
 * next to dense's three GEMMs. dyad bench times the whole layer; this says
 * which part of it to work on. With the own kernel on, a dx GEMM reads
 * nothing its previous run writes, so each run starts as the one before it
 * drains (as in a real step after an independent op): its time here is that
 * of a run in such a chain, a few us under one run on an idle GPU. Last,
 * whole layer steps with the own kernel on, DYAD's and dense's: forward and
 * backward (as dyad bench times them: the weights do not change), and
 * forward and backward with the fused SGD step (as training runs them).
 *
 *   build-cuda/tests/cuda/cuda_step_times [width ndyad batch [kind]]
 *   (default 4096 16 4096 dyad-it) */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "../../nn/kernels.h"
#include "../../nn/layer_ops.h"

#define RUNS 40

typedef struct {
    const char *name;
    nn_gemm gemm; /* with `items` items; row_sums: the bias-gradient pass instead */
    int items, row_sums;
    int in_sum; /* one of the layer's six GEMMs as its backward runs them */
} step_op;

typedef struct {
    nn_compute *gpu;
    float *dy, *bias_grad;
    int width, batch;
} step_buffers;

static double seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* A whole layer step: forward, then backward, with the fused SGD step when sgd is set. */
typedef struct {
    const nn_layer *layer;
    const float *x;
    float *y, *dx;
    const nn_layer_sgd *sgd;
} layer_step;

static void run_op(const step_buffers *s, const step_op *op) {
    if (op->row_sums) nn_relu_backward_rowsum(s->gpu, s->dy, NULL, s->width, s->batch, s->bias_grad);
    else nn_gemm_items(s->gpu, &op->gemm, 1, op->items, NULL);
}

static void run_layer_step(const step_buffers *s, const layer_step *l) {
    nn_layer_forward(l->layer, l->x, l->y, s->batch, s->gpu);
    if (l->sgd) nn_layer_backward_step(l->layer, l->x, NULL, s->dy, l->dx, s->batch, s->gpu, l->sgd);
    else nn_layer_backward(l->layer, l->x, s->dy, l->dx, s->batch, s->gpu);
}

/* seconds per run of op (or of a layer step), after three runs to warm up */
static double time_op(const step_buffers *s, const step_op *op, const layer_step *l) {
    for (int i = 0; i < 3; i++) l ? run_layer_step(s, l) : run_op(s, op);
    nn_compute_sync(s->gpu, NULL);
    double start = seconds();
    for (int i = 0; i < RUNS; i++) l ? run_layer_step(s, l) : run_op(s, op);
    nn_compute_sync(s->gpu, NULL);
    return (seconds() - start) / RUNS;
}

int main(int argc, char **argv) {
    int width = argc > 1 ? atoi(argv[1]) : 4096, ndyad = argc > 2 ? atoi(argv[2]) : 16;
    int batch = argc > 3 ? atoi(argv[3]) : 4096;
    nn_layer_kind kind = NN_LAYER_DYAD_IT;
    if (batch < 1 || (argc > 4 && nn_layer_kind_parse(argv[4], &kind) != NN_OK) ||
        (kind != NN_LAYER_DYAD_IT && kind != NN_LAYER_DYAD_OT && kind != NN_LAYER_DYAD_DT) ||
        nn_layer_check(kind, width, width, ndyad, NULL) != NN_OK) {
        fprintf(stderr, "usage: cuda_step_times [width ndyad batch [dyad-it|dyad-ot|dyad-dt]] "
                        "(ndyad divides width)\n");
        return 2;
    }
    nn_error err;
    step_buffers s = {.width = width, .batch = batch};
    if (nn_compute_create_cuda(&s.gpu, NN_PRECISION_FP32, &err) != NN_OK) {
        fprintf(stderr, "cuda_step_times: %s\n", err.msg);
        return 1;
    }
    nn_layer layer = {.kind = kind, .in = width, .out = width, .ndyad = ndyad};
    size_t np = nn_layer_param_count(kind, width, width, ndyad);
    ptrdiff_t act = (ptrdiff_t)width * batch;
    float *x = nn_compute_alloc(s.gpu, (size_t)act), *y = nn_compute_alloc(s.gpu, (size_t)act);
    float *dx = nn_compute_alloc(s.gpu, (size_t)act);
    float *params = nn_compute_alloc(s.gpu, np), *grads = nn_compute_alloc(s.gpu, np);
    float *w = nn_compute_alloc(s.gpu, (size_t)width * width), *dw = nn_compute_alloc(s.gpu, (size_t)width * width);
    s.dy = nn_compute_alloc(s.gpu, (size_t)act);
    s.bias_grad = nn_compute_alloc(s.gpu, (size_t)width);
    if (!x || !y || !dx || !params || !grads || !w || !dw || !s.dy || !s.bias_grad) {
        fprintf(stderr, "cuda_step_times: out of GPU memory\n");
        return 1;
    }
    nn_layer_bind(&layer, params, grads);
    nn_dyad_gemm_set g;
    nn_dyad_gemms(&layer, x, y, s.dy, dx, batch, &g);
    /* the backward's BLOCK DIAG dx sums dy's rows too: the bias gradient */
    nn_gemm dx_diag_bias = g.dx_diag;
    dx_diag_bias.b_rowsum = s.bias_grad;
    dx_diag_bias.b_rowsum_stride = width / ndyad;
    int B = batch;
    const step_op ops[] = {
        {"fwd diag", g.fwd_diag, ndyad, 0, 1},
        {"fwd trans", g.fwd_trans, ndyad, 0, 1},
        {"bias grad", {0}, 0, 1, 0},
        {"dx diag", g.dx_diag, ndyad, 0, 0},
        {"dx diag+bg", dx_diag_bias, ndyad, 0, 1},
        {"dW diag", g.dw_diag, ndyad, 0, 1},
        {"dx trans", g.dx_trans, ndyad, 0, 1},
        {"dW trans", g.dw_trans, ndyad, 0, 1},
        /* the dense layer's three GEMMs, for the rate DYAD's are compared with */
        {"dense fwd", {.m = width, .n = B, .k = width, .a = w, .lda = width, .b = x, .ldb = B, .c = y,
                       .ldc = B}, 1, 0, 0},
        {"dense dx", {.trans_a = 1, .m = width, .n = B, .k = width, .a = w, .lda = width, .b = s.dy,
                      .ldb = B, .c = dx, .ldc = B}, 1, 0, 0},
        {"dense dW", {.trans_b = 1, .m = width, .n = width, .k = B, .a = s.dy, .lda = B, .b = x, .ldb = B,
                      .c = dw, .ldc = width}, 1, 0, 0},
    };
    const int nops = (int)(sizeof ops / sizeof ops[0]), dyad_ops = 8;
    printf("one %s step, width %d, ndyad %d, batch %d, %s; mean of %d runs per op\n",
           nn_layer_kind_name(kind), width, ndyad, batch, nn_compute_describe(s.gpu), RUNS);
    printf("%-10s %14s %14s\n", "op", "own on", "own off (cuBLAS)");
    double us[2][16], sum[2] = {0, 0};
    for (int on = 1; on >= 0; on--) {
        nn_compute_set_block_kernel(s.gpu, on);
        for (int i = 0; i < nops; i++) {
            us[on][i] = time_op(&s, &ops[i], NULL) * 1e6;
            if (ops[i].in_sum) sum[on] += us[on][i];
        }
    }
    nn_compute_set_block_kernel(s.gpu, 1);
    for (int i = 0; i < nops; i++) {
        const nn_gemm *op = &ops[i].gemm;
        double flops = ops[i].row_sums ? 0.0 : 2.0 * op->m * op->n * op->k * ops[i].items;
        if (flops > 0)
            printf("%-10s %7.1f us %4.1f TF %7.1f us %4.1f TF\n", ops[i].name, us[1][i],
                   flops / us[1][i] * 1e-6, us[0][i], flops / us[0][i] * 1e-6);
        else
            printf("%-10s %7.1f us %7s %7.1f us\n", ops[i].name, us[1][i], "", us[0][i]);
        if (i == dyad_ops - 1) /* dx diag+bg: BLOCK DIAG's dx with the bias gradient */
            printf("%-10s %7.1f us %7s %7.1f us\n", "DYAD sum", sum[1], "", sum[0]);
    }
    /* whole steps; the SGD step's small learning rate keeps the weights sane over the runs */
    nn_layer dense = {.kind = NN_LAYER_DENSE, .in = width, .out = width, .ndyad = 1};
    size_t dense_np = nn_layer_param_count(NN_LAYER_DENSE, width, width, 1);
    float *dense_params = nn_compute_alloc(s.gpu, dense_np), *dense_grads = nn_compute_alloc(s.gpu, dense_np);
    float *vel = nn_compute_alloc(s.gpu, np > dense_np ? np : dense_np);
    if (!dense_params || !dense_grads || !vel) {
        fprintf(stderr, "cuda_step_times: out of GPU memory\n");
        return 1;
    }
    nn_layer_bind(&dense, dense_params, dense_grads);
    nn_layer_sgd sgd = {.velocity = vel, .lr = 1e-6f, .momentum = 0.9f, .weight_decay = 0.0f};
    const layer_step steps[] = {{&layer, x, y, dx, NULL}, {&layer, x, y, dx, &sgd},
                                {&dense, x, y, dx, NULL}, {&dense, x, y, dx, &sgd}};
    printf("layer steps, own kernel on:\n");
    for (int i = 0; i < 4; i++)
        printf("%-6s %-26s %8.1f us\n", i < 2 ? nn_layer_kind_name(kind) : "dense",
               i % 2 ? "forward + backward + SGD" : "forward + backward",
               time_op(&s, NULL, &steps[i]) * 1e6);
    int status = nn_compute_sync(s.gpu, &err) == NN_OK ? 0 : 1;
    if (status) fprintf(stderr, "cuda_step_times: %s\n", err.msg);
    float *bufs[] = {x, y, dx, params, grads, w, dw, s.dy, s.bias_grad, dense_params, dense_grads, vel};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) nn_compute_release(s.gpu, bufs[i]);
    nn_compute_free(s.gpu);
    return status;
}
