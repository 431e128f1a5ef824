/* dyad bench: DYAD layers against the dense layer of the same widths, timed
 * in the same run. Reports medians and the dense/DYAD time ratio next to the
 * ideal FLOP ratio ndyad/2; --peak times plain sgemm on the training shapes
 * of the dense 784-1024-1024-10 net, the rate its FLOP limit is computed from.
 * On --device cuda every buffer lives on the GPU, timings wait for the GPU,
 * and the table adds the share of a measured cuBLAS GEMM peak. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../nn/layer.h"
#include "../../nn/layer_match.h"
#include "../../nn/train.h"
#include "cli.h"
#include "commands.h"

#define MAX_LIST 16

static const char usage[] =
    "usage: dyad bench [--widths 512,1024,2048] [--ndyad 4,8,16] [--kinds dyad-it,dyad-ot,dyad-dt]\n"
    "                  [--batch 64[,256...]] [--repeats 15] [--threads N] [--strategy blas|pool|both]\n"
    "                  [--csv FILE] [--json] [--device cpu|cuda] [--precision fp32|tf32|bf16]\n"
    "                  [--block-kernel on|off]\n"
    "       dyad bench --peak [--batch 64] [--repeats 15] [--threads N] [--json]\n"
    "\n"
    "Times one square layer (width x width) forward, and forward+backward (dW and dX), for\n"
    "dense and for each DYAD kind and ndyad, all in this run. Each cell is the median of\n"
    "--repeats timings, each timing long enough (>= 20 ms) to be stable. 'speed' is\n"
    "dense time / DYAD time: dense (run the same way) and each layer are timed interleaved,\n"
    "one sample of each per repeat, and 'speed' is the median of those pairs' ratios (JSON:\n"
    "speedup, speedup_forward, dense_ms); 'ideal' is the FLOP ratio\n"
    "ndyad/2. Two ways to use the cores (--strategy both, the default): 'blas' calls the\n"
    "GEMMs one after another and lets OpenBLAS thread each; 'pool' runs single-threaded\n"
    "GEMMs side by side on --threads threads (DYAD: one block each; dense: a slice of the\n"
    "output rows each). dyad train and eval use 'pool'. GEMMs of at most 512 x 512 x 512\n"
    "(DYAD's blocks) run on dyad's own AVX-512 kernel where the CPU has one;\n"
    "--block-kernel off sends them to OpenBLAS too, to compare. On --device cuda, FP32\n"
    "GEMMs with k <= 512 and at least 384 whole 128 x 128 tiles (DYAD's forward and dX at\n"
    "large widths and batches) run on dyad's own kernel with bias and ReLU fused; off\n"
    "sends them to cuBLAS.\n"
    "\n"
    "--peak: plain sgemm on the forward, dX and dW shapes of the dense 784-1024-1024-10 net\n"
    "at --batch (default 64), both strategies; the better rate is the FLOP limit's rate\n"
    "(make bench-compare). --json: one JSON object per line instead of the table\n"
    "(layers: kind, variant, strategy, width, batch, ndyad, ms, gflops, speedup, ideal).\n"
    "\n"
    "--device cuda: everything on the GPU (strategy 'cuda'); the run starts by timing\n"
    "one 8192 x 8192 x 8192 GEMM at --precision, the peak each row's share is of.\n"
    "--kinds also takes blockdiag, monarch, lowrank, sparse, or 'all': each is timed at the\n"
    "parameter whose weight count matches DYAD-IT's at that ndyad (dyad train\n"
    "--match-params), shown in the 'param' column; 'ideal' is then the FLOP ratio dense\n"
    "weights / the kind's weights. sparse runs a dense GEMM on its masked weight.\n";

static int parse_list(const char *flag, const char *text, int *out, int max) {
    int n = 0;
    const char *p = text;
    while (*p && n < max) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p || v < 1 || v > 1 << 16 || (*end && *end != ',')) {
            fprintf(stderr, "dyad bench: %s '%s': expected comma-separated positive integers\n",
                    flag, text);
            return 0;
        }
        out[n++] = (int)v;
        p = *end ? end + 1 : end;
    }
    return n;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* How many calls of fn(ctx) make one sample at least 20 ms long. */
static int calls_per_sample(void (*fn)(void *ctx), void *ctx, nn_compute *compute) {
    int calls = 1;
    for (;;) {
        double t0 = nn_train_now_seconds();
        for (int c = 0; c < calls; c++) fn(ctx);
        nn_compute_sync(compute, NULL);
        if (nn_train_now_seconds() - t0 > 0.02 || calls > 1 << 20) return calls;
        calls *= 2;
    }
}

/* The mean time of one call over one sample of `calls` calls. */
static double sample_seconds(void (*fn)(void *ctx), void *ctx, nn_compute *compute, int calls) {
    double t0 = nn_train_now_seconds();
    for (int c = 0; c < calls; c++) fn(ctx);
    nn_compute_sync(compute, NULL);
    return (nn_train_now_seconds() - t0) / calls;
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof(double), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Median over repeats of the mean time of one call of fn(ctx), each sample
 * at least 20 ms long. */
static double time_median(void (*fn)(void *ctx), void *ctx, nn_compute *compute, int repeats) {
    double samples[64];
    if (repeats > 64) repeats = 64;
    int calls = calls_per_sample(fn, ctx, compute);
    for (int r = 0; r < repeats; r++) samples[r] = sample_seconds(fn, ctx, compute, calls);
    return median(samples, repeats);
}

typedef struct {
    double a, b;  /* median seconds per call of each */
    double ratio; /* median over repeats of the pair's a/b */
} pair_timing;

/* Times fn(a) and fn(b) interleaved, one sample of each per repeat (order
 * alternating, so a drift in clocks or load hits both alike): a speed ratio
 * taken from two separate runs swung up to 1.5x on this machine. */
static pair_timing time_pair(void (*fn)(void *ctx), void *a, void *b, nn_compute *compute,
                             int repeats) {
    double ta[64], tb[64], ratio[64];
    if (repeats > 64) repeats = 64;
    int calls_a = calls_per_sample(fn, a, compute), calls_b = calls_per_sample(fn, b, compute);
    for (int r = 0; r < repeats; r++) {
        if (r % 2) {
            tb[r] = sample_seconds(fn, b, compute, calls_b);
            ta[r] = sample_seconds(fn, a, compute, calls_a);
        } else {
            ta[r] = sample_seconds(fn, a, compute, calls_a);
            tb[r] = sample_seconds(fn, b, compute, calls_b);
        }
        ratio[r] = ta[r] / tb[r];
    }
    return (pair_timing){median(ta, repeats), median(tb, repeats), median(ratio, repeats)};
}

typedef struct {
    nn_layer *l;
    const float *x, *dy;
    float *y, *dx;
    int batch, backward;
    nn_compute *compute;
} layer_call;

static void run_layer(void *ctx) {
    layer_call *c = ctx;
    nn_layer_forward(c->l, c->x, c->y, c->batch, c->compute);
    if (c->backward) nn_layer_backward(c->l, c->x, c->dy, c->dx, c->batch, c->compute);
}

typedef struct {
    double forward, train;       /* median seconds per call */
    double speed_f, speed_t;     /* median of the interleaved dense/layer ratios */
    double dense_forward, dense_train; /* the dense samples interleaved with these */
} timing;

/* The layer alone (dense == NULL: speed 1), or interleaved with dense. */
static timing time_layer(layer_call *call, layer_call *dense, int repeats) {
    timing t = {0};
    for (int backward = 0; backward <= 1; backward++) {
        call->backward = backward;
        double *ms = backward ? &t.train : &t.forward, *speed = backward ? &t.speed_t : &t.speed_f;
        if (!dense) {
            *ms = time_median(run_layer, call, call->compute, repeats);
            *speed = 1;
            continue;
        }
        dense->backward = backward;
        pair_timing p = time_pair(run_layer, dense, call, call->compute, repeats);
        *ms = p.b, *speed = p.ratio;
        *(backward ? &t.dense_train : &t.dense_forward) = p.a;
    }
    return t;
}

/* ------------------------------------------------------------------ --peak */

/* The dense 784-1024-1024-10 net's GEMMs for one training step: per layer
 * forward (out x B x in), dX (in x B x out) and dW (out x in x B). */
static const int peak_widths[] = {784, 1024, 1024, 10};
#define PEAK_LAYERS 3

typedef struct {
    nn_gemm g[3 * PEAK_LAYERS];
    nn_compute *compute;
} peak_job;

static void run_peak(void *ctx) {
    peak_job *p = ctx;
    for (int i = 0; i < 3 * PEAK_LAYERS; i++) nn_gemm_items(p->compute, &p->g[i], 1, 1, NULL);
}

/* Buffers of the context (host or GPU) filled from a host pattern. */
static float *bench_buffer(nn_compute *compute, size_t n, int period, nn_rng *r) {
    float *host = nn_alloc_floats(n), *buf = nn_compute_alloc(compute, n);
    if (host && buf) {
        for (size_t e = 0; e < n; e++)
            host[e] = r ? nn_rng_uniform(r) - 0.5f : (float)(e % (size_t)period) * 0.01f;
        nn_compute_upload(compute, buf, host, n);
    }
    nn_free_floats(host);
    if (!host && buf) {
        nn_compute_release(compute, buf);
        return NULL;
    }
    return buf;
}

/* The rate of one square GEMM of the given size, the peak device rows are
 * compared with. */
static double gemm_peak_tflops(nn_compute *compute, int size, int repeats) {
    size_t n = (size_t)size * size;
    float *a = bench_buffer(compute, n, 17, NULL), *b = bench_buffer(compute, n, 13, NULL);
    float *c = nn_compute_alloc(compute, n);
    double tflops = 0;
    if (a && b && c) {
        peak_job job = {.compute = compute};
        job.g[0] = (nn_gemm){.m = size, .n = size, .k = size, .a = a, .lda = size, .b = b,
                             .ldb = size, .c = c, .ldc = size};
        for (int i = 1; i < 3 * PEAK_LAYERS; i++) job.g[i] = job.g[0];
        double t = time_median(run_peak, &job, compute, repeats);
        tflops = 3 * PEAK_LAYERS * 2.0 * size * size * (double)size / t / 1e12;
    }
    nn_compute_release(compute, a), nn_compute_release(compute, b), nn_compute_release(compute, c);
    return tflops;
}

static int bench_peak(nn_compute *compute, int batch, int repeats, int json) {
    size_t maxw = 1024, act = maxw * batch;
    float *w = bench_buffer(compute, maxw * maxw, 17, NULL), *dw = nn_compute_alloc(compute, maxw * maxw);
    float *x = bench_buffer(compute, act, 13, NULL), *y = bench_buffer(compute, act, 13, NULL);
    float *dx = nn_compute_alloc(compute, act);
    if (!w || !dw || !x || !y || !dx) {
        fprintf(stderr, "dyad bench: out of memory\n");
        nn_compute_release(compute, w), nn_compute_release(compute, dw);
        nn_compute_release(compute, x), nn_compute_release(compute, y);
        nn_compute_release(compute, dx);
        return 1;
    }
    peak_job job = {.compute = compute};
    double flops = 0;
    for (int i = 0; i < PEAK_LAYERS; i++) {
        int in = peak_widths[i], out = peak_widths[i + 1], B = batch;
        job.g[3 * i] = (nn_gemm){.m = out, .n = B, .k = in, .a = w, .lda = in, .b = x, .ldb = B,
                                 .c = y, .ldc = B};
        job.g[3 * i + 1] = (nn_gemm){.trans_a = 1, .m = in, .n = B, .k = out, .a = w, .lda = in,
                                     .b = y, .ldb = B, .c = dx, .ldc = B};
        job.g[3 * i + 2] = (nn_gemm){.trans_b = 1, .m = out, .n = in, .k = B, .a = y, .lda = B,
                                     .b = x, .ldb = B, .c = dw, .ldc = in};
        flops += 6.0 * in * out * B;
    }
    double best = 0;
    int device = nn_compute_on_device(compute);
    for (int st = device; st < 2; st++) {
        nn_compute_set_threading(compute, st ? NN_THREADING_POOL : NN_THREADING_BLAS);
        double t = time_median(run_peak, &job, compute, repeats);
        double gflops = flops / t / 1e9;
        if (gflops > best) best = gflops;
        const char *how = device ? "cuda" : st ? "pool" : "blas";
        if (json)
            printf("{\"kind\":\"peak\",\"strategy\":\"%s\",\"batch\":%d,\"threads\":%d,"
                   "\"ms\":%.4f,\"gflops\":%.2f}\n", how, batch, nn_compute_threads(compute),
                   t * 1e3, gflops);
        else
            printf("sgemm on the 784-1024-1024-10 training shapes, batch %d, %d threads, %s: "
                   "%.3f ms per step, %.1f GFLOP/s\n", batch, nn_compute_threads(compute), how,
                   t * 1e3, gflops);
    }
    nn_compute_set_threading(compute, NN_THREADING_POOL);
    if (json)
        printf("{\"kind\":\"peak\",\"strategy\":\"best\",\"batch\":%d,\"threads\":%d,"
               "\"gflops\":%.2f}\n", batch, nn_compute_threads(compute), best);
    else
        printf("peak %.1f GFLOP/s\n", best);
    nn_compute_release(compute, w), nn_compute_release(compute, dw);
    nn_compute_release(compute, x), nn_compute_release(compute, y);
    nn_compute_release(compute, dx);
    if (device) {
        double t = gemm_peak_tflops(compute, 8192, repeats);
        if (json)
            printf("{\"kind\":\"peak\",\"strategy\":\"gemm8192\",\"tflops\":%.2f}\n", t);
        else
            printf("one 8192^3 GEMM (%s): %.1f TFLOP/s\n", nn_compute_describe(compute), t);
    }
    return 0;
}

/* ---------------------------------------------------------------- layers */

typedef struct {
    int widths[MAX_LIST], nwidths;
    int batches[MAX_LIST], nbatches;
    int ndyads[MAX_LIST], nndyads;
    nn_layer_kind kinds[NN_LAYER_KIND_COUNT];
    int nkinds, repeats, json;
    int first_strategy, last_strategy;
    double peak_tflops; /* device: the measured GEMM peak; 0 on a CPU */
    FILE *csv;
} layer_bench;

/* The layer a kind is timed as at DYAD's ndyad n: DYAD kinds at n, the
 * others at the parameter that matches DYAD-IT/n's weight count. */
static int bench_layer(nn_layer_kind kind, int w, int n, nn_layer *l) {
    *l = (nn_layer){.kind = kind, .in = w, .out = w, .ndyad = n};
    if (kind == NN_LAYER_DENSE || (nn_layer_kind_get(kind)->blocked && nn_layer_kind_get(kind)->strided_in +
                                                                     nn_layer_kind_get(kind)->strided_out))
        return nn_layer_check(kind, w, w, kind == NN_LAYER_DENSE ? 1 : n, NULL) == NN_OK;
    if (nn_layer_check(NN_LAYER_DYAD_IT, w, w, n, NULL) != NN_OK) return 0;
    nn_layer_match m[NN_LAYER_KIND_COUNT];
    int count = nn_layer_match_params(NN_LAYER_DYAD_IT, n, 0.0f, w, w, m, NN_LAYER_KIND_COUNT);
    for (int i = 0; i < count; i++)
        if (m[i].kind == kind) {
            l->ndyad = m[i].ndyad;
            l->density = m[i].density;
            return 1;
        }
    return 0;
}

static int bench_width(const layer_bench *b, nn_compute *compute, int w, int batch) {
    size_t act = (size_t)w * batch;
    /* the largest layer: sparse stores weight and mask */
    size_t maxp = nn_layer_param_count(NN_LAYER_SPARSE, w, w, 1);
    nn_rng r;
    nn_rng_seed(&r, 1);
    float *x = bench_buffer(compute, act, 0, &r), *y = nn_compute_alloc(compute, act);
    float *dy = bench_buffer(compute, act, 0, &r), *dx = nn_compute_alloc(compute, act);
    float *params = nn_compute_alloc(compute, maxp), *grads = nn_compute_alloc(compute, maxp);
    float *host_params = nn_alloc_floats(maxp);
    /* the dense layer keeps its own weights: every kind is timed interleaved with it */
    size_t densep = nn_layer_param_count(NN_LAYER_DENSE, w, w, 1);
    float *dense_params = nn_compute_alloc(compute, densep);
    float *dense_grads = nn_compute_alloc(compute, densep);
    int status = 0;
    if (!x || !y || !dy || !dx || !params || !grads || !host_params || !dense_params ||
        !dense_grads) {
        fprintf(stderr, "dyad bench: out of memory at width %d\n", w);
        status = 1;
    }
    nn_layer dense;
    if (!status && !bench_layer(NN_LAYER_DENSE, w, 1, &dense)) {
        fprintf(stderr, "dyad bench: width %d: not a valid dense layer\n", w);
        status = 1;
    }
    if (!status) {
        nn_layer_bind(&dense, host_params, NULL);
        nn_layer_init(&dense, &r);
        nn_compute_upload(compute, dense_params, host_params, dense.tensors.total);
        nn_layer_bind(&dense, dense_params, dense_grads);
    }
    for (int ki = -1; !status && ki < b->nkinds; ki++) {
        for (int ni = 0; ni < (ki < 0 ? 1 : b->nndyads); ni++) {
            nn_layer l;
            if (ki < 0) {
                l = dense;
            } else if (!bench_layer(ki < 0 ? NN_LAYER_DENSE : b->kinds[ki], w, ki < 0 ? 1 : b->ndyads[ni],
                             &l)) {
                if (!b->json)
                    printf("%6d %5d  %-8s %5d  skipped: ndyad does not divide the width\n", w,
                           batch, nn_layer_kind_name(b->kinds[ki]), b->ndyads[ni]);
                continue;
            }
            char param[32];
            nn_layer_param_text(l.kind, l.ndyad, l.density, param, sizeof param);
            if (ki >= 0) { /* init on the host, then the layer reads the context's copy */
                nn_layer_bind(&l, host_params, NULL);
                nn_layer_init(&l, &r);
                nn_compute_upload(compute, params, host_params, l.tensors.total);
                nn_layer_bind(&l, params, grads);
            }
            for (int st = b->first_strategy; st <= b->last_strategy; st++) {
                nn_compute_set_threading(compute, st ? NN_THREADING_POOL : NN_THREADING_BLAS);
                layer_call call = {.l = &l, .x = x, .dy = dy, .y = y, .dx = dx, .batch = batch,
                                   .compute = compute};
                layer_call dense_call = call;
                dense_call.l = &dense;
                timing t = time_layer(&call, ki < 0 ? NULL : &dense_call, b->repeats);
                nn_compute_set_threading(compute, NN_THREADING_POOL);
                const char *how = nn_compute_on_device(compute) ? "cuda" : st ? "pool" : "blas";
                /* the FLOP ratio: ndyad/2 for DYAD */
                double ideal = (double)w * w /
                               (double)nn_layer_weight_count(l.kind, w, w, l.ndyad, l.density);
                double gflops = nn_layer_forward_flops(&l, batch) * 3 / t.train / 1e9;
                double speed_f = t.speed_f, speed_t = t.speed_t;
                double peak_pct = b->peak_tflops > 0 ? gflops / 1e3 / b->peak_tflops * 100 : 0;
                if (b->json)
                    printf("{\"kind\":\"layer\",\"variant\":\"%s\",\"strategy\":\"%s\","
                           "\"width\":%d,\"batch\":%d,\"ndyad\":%d,\"ms\":%.4f,"
                           "\"forward_ms\":%.4f,\"gflops\":%.2f,\"speedup\":%.4f,"
                           "\"ideal\":%.2f,\"peak_pct\":%.1f,\"param\":\"%s\","
                           "\"dense_ms\":%.4f,\"speedup_forward\":%.4f}\n",
                           nn_layer_kind_name(l.kind), how, w, batch, ki < 0 ? 1 : b->ndyads[ni],
                           t.train * 1e3, t.forward * 1e3, gflops, speed_t, ideal, peak_pct, param,
                           (ki < 0 ? t.train : t.dense_train) * 1e3, speed_f);
                else if (b->peak_tflops > 0)
                    printf("%6d %5d  %-9s %5s %-7s %11.1f %11.1f  %8.2fx %8.2fx  %5.2fx  %8.1f %5.1f%%\n",
                           w, batch, nn_layer_kind_name(l.kind), param[0] ? param : "1", how,
                           t.forward * 1e6, t.train * 1e6, speed_f, speed_t, ideal, gflops / 1e3,
                           peak_pct);
                else
                    printf("%6d %5d  %-9s %5s %-7s %11.1f %11.1f  %8.2fx %8.2fx  %5.2fx  %8.1f\n",
                           w, batch, nn_layer_kind_name(l.kind), param[0] ? param : "1", how,
                           t.forward * 1e6,
                           t.train * 1e6, speed_f, speed_t, ideal, gflops);
                if (b->csv)
                    fprintf(b->csv, "%d,%d,%s,%s,%s,%.3f,%.3f,%.4f,%.4f,%.2f\n", w, batch,
                            nn_layer_kind_name(l.kind), param[0] ? param : "1", how, t.forward * 1e6,
                            t.train * 1e6, speed_f, speed_t, ideal);
                fflush(stdout);
            }
        }
    }
    nn_compute_release(compute, x), nn_compute_release(compute, y);
    nn_compute_release(compute, dy), nn_compute_release(compute, dx);
    nn_compute_release(compute, params), nn_compute_release(compute, grads);
    nn_compute_release(compute, dense_params), nn_compute_release(compute, dense_grads);
    nn_free_floats(host_params);
    if (nn_compute_sync(compute, &(nn_error){{0}}) != NN_OK) {
        fprintf(stderr, "dyad bench: a GPU error at width %d batch %d\n", w, batch);
        status = 1;
    }
    return status;
}

int cmd_bench(int argc, char **argv) {
    layer_bench b = {.widths = {512, 1024, 2048}, .nwidths = 3, .batches = {64}, .nbatches = 1,
                     .ndyads = {4, 8, 16}, .nndyads = 3,
                     .kinds = {NN_LAYER_DYAD_IT, NN_LAYER_DYAD_OT, NN_LAYER_DYAD_DT}, .nkinds = 3,
                     .repeats = 15};
    int threads = 0, peak = 0, block_kernel = 1;
    const char *csv_path = NULL, *strategy = "both", *device = NULL, *precision = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage, stdout);
            return 0;
        }
        if (!strcmp(a, "--peak")) {
            peak = 1;
            continue;
        }
        if (!strcmp(a, "--json")) {
            b.json = 1;
            continue;
        }
        if (!(v = cli_value("bench", argc, argv, &i))) return 2;
        int ok = 1;
        if (!strcmp(a, "--widths")) ok = (b.nwidths = parse_list(a, v, b.widths, MAX_LIST)) > 0;
        else if (!strcmp(a, "--ndyad")) ok = (b.nndyads = parse_list(a, v, b.ndyads, MAX_LIST)) > 0;
        else if (!strcmp(a, "--batch")) ok = (b.nbatches = parse_list(a, v, b.batches, MAX_LIST)) > 0;
        else if (!strcmp(a, "--repeats")) ok = cli_int("bench", a, v, 1, 64, &b.repeats);
        else if (!strcmp(a, "--threads")) ok = cli_int("bench", a, v, 1, 1024, &threads);
        else if (!strcmp(a, "--csv")) csv_path = v;
        else if (!strcmp(a, "--device")) device = v;
        else if (!strcmp(a, "--precision")) precision = v;
        else if (!strcmp(a, "--block-kernel")) {
            block_kernel = !strcmp(v, "on");
            if (!block_kernel && strcmp(v, "off")) {
                fprintf(stderr, "dyad bench: --block-kernel '%s' is not on or off\n", v);
                ok = 0;
            }
        }
        else if (!strcmp(a, "--strategy")) {
            strategy = v;
            if (strcmp(v, "blas") && strcmp(v, "pool") && strcmp(v, "both")) {
                fprintf(stderr, "dyad bench: --strategy '%s' is not blas, pool or both\n", v);
                ok = 0;
            }
        }
        else if (!strcmp(a, "--kinds")) {
            b.nkinds = 0;
            char buf[256];
            snprintf(buf, sizeof buf, "%s", v);
            for (char *tok = strtok(buf, ","); tok && ok; tok = strtok(NULL, ",")) {
                nn_layer_kind k;
                if (!strcmp(tok, "all")) { /* every kind that takes a parameter */
                    b.nkinds = 0;
                    for (int kk = 0; kk < NN_LAYER_KIND_COUNT; kk++)
                        if (nn_layer_kind_get((nn_layer_kind)kk)->param != NN_LAYER_PARAM_NONE)
                            b.kinds[b.nkinds++] = (nn_layer_kind)kk;
                    continue;
                }
                if (b.nkinds >= NN_LAYER_KIND_COUNT || nn_layer_kind_parse(tok, &k) != NN_OK ||
                    nn_layer_kind_get(k)->param == NN_LAYER_PARAM_NONE) {
                    char kinds[128];
                    nn_layer_kind_list(kinds, sizeof kinds, ", ", 0);
                    fprintf(stderr, "dyad bench: --kinds: '%s' is not one of %s\n", tok, kinds);
                    ok = 0;
                } else {
                    b.kinds[b.nkinds++] = k;
                }
            }
        } else {
            fprintf(stderr, "dyad bench: unknown option '%s' (see --help)\n", a);
            ok = 0;
        }
        if (!ok) return 2;
    }
    nn_compute *compute = cli_compute("bench", device, precision, threads);
    if (!compute) return 1;
    nn_compute_set_block_kernel(compute, block_kernel);
    int on_device = nn_compute_on_device(compute);
    if (peak) {
        int status = bench_peak(compute, b.batches[0], b.repeats, b.json);
        nn_compute_free(compute);
        return status;
    }
    b.first_strategy = strcmp(strategy, "pool") ? 0 : 1;
    b.last_strategy = strcmp(strategy, "blas") ? 1 : 0;
    if (on_device) {
        b.first_strategy = b.last_strategy = 0; /* one way: the GPU */
        b.peak_tflops = gemm_peak_tflops(compute, 8192, b.repeats);
    }
    if (csv_path && !(b.csv = fopen(csv_path, "w"))) {
        perror(csv_path);
        nn_compute_free(compute);
        return 1;
    }
    if (b.csv)
        fprintf(b.csv, "width,batch,kind,param,strategy,forward_us,train_us,forward_speedup,"
                       "train_speedup,ideal\n");
    if (!b.json && on_device) {
        printf("layer width x width on %s, median of %d; peak: one 8192^3 GEMM at %.1f TFLOP/s; "
               "short-k kernel %s\n",
               nn_compute_describe(compute), b.repeats, b.peak_tflops,
               nn_compute_block_kernel(compute) ? "on" : "off (cuBLAS only)");
        printf("%6s %5s  %-8s %5s %-7s %11s %11s  %9s %9s  %6s  %8s %6s\n", "width", "batch",
               "kind", "ndyad", "device", "forward us", "fwd+bwd us", "fwd speed", "trn speed",
               "ideal", "TFLOP/s", "peak");
    } else if (!b.json) {
        printf("layer width x width, %d threads, median of %d, block kernel %s\n",
               nn_compute_threads(compute), b.repeats,
               nn_compute_block_kernel(compute) ? "on (AVX-512)" : "off (OpenBLAS only)");
        printf("%6s %5s  %-9s %5s %-7s %11s %11s  %9s %9s  %6s  %8s\n", "width", "batch", "kind",
               "param", "threads", "forward us", "fwd+bwd us", "fwd speed", "trn speed", "ideal",
               "GFLOP/s");
    } else if (on_device) {
        printf("{\"kind\":\"peak\",\"strategy\":\"gemm8192\",\"tflops\":%.2f}\n", b.peak_tflops);
    }
    int status = 0;
    for (int bi = 0; bi < b.nbatches && !status; bi++)
        for (int wi = 0; wi < b.nwidths && !status; wi++)
            status = bench_width(&b, compute, b.widths[wi], b.batches[bi]);
    nn_compute_free(compute);
    if (b.csv && fclose(b.csv) != 0) {
        perror(csv_path);
        status = 1;
    }
    return status;
}
