/* dyad bench: DYAD layers against the dense layer of the same widths, timed
 * in the same run. Reports medians and the dense/DYAD time ratio next to the
 * ideal FLOP ratio ndyad/2. */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../nn/layer.h"
#include "../../nn/train.h"
#include "cli.h"
#include "commands.h"

#define MAX_LIST 16

static const char usage[] =
    "usage: dyad bench [--widths 512,1024,2048] [--ndyad 4,8,16] [--kinds dyad-it,dyad-ot,dyad-dt]\n"
    "                  [--batch 64] [--repeats 15] [--threads N] [--strategy blas|pool|both]\n"
    "                  [--csv FILE]\n"
    "\n"
    "Times one square layer (width x width) forward, and forward+backward (dW and dX), for\n"
    "dense and for each DYAD kind and ndyad, all in this run. Each cell is the median of\n"
    "--repeats timings, each timing long enough (>= 20 ms) to be stable. 'speed' is\n"
    "dense time / DYAD time, against dense run the same way; 'ideal' is the FLOP ratio\n"
    "ndyad/2. Two ways to use the cores (--strategy both, the default): 'blas' calls the\n"
    "GEMMs one after another and lets OpenBLAS thread each; 'pool' runs single-threaded\n"
    "GEMMs side by side on a pool of --threads threads (DYAD: one block each; dense: a slice\n"
    "of the output rows each). dyad train and eval use 'pool'.\n";

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

typedef struct {
    double forward, train; /* median seconds per call */
} timing;

/* Median over repeats of the mean time of one call. */
static timing time_layer(layer *l, const float *x, float *y, const float *dy, float *dx, int batch,
                         int repeats, nn_pool *pool) {
    double samples[2][64];
    if (repeats > 64) repeats = 64;
    for (int mode = 0; mode < 2; mode++) {
        /* calibrate: enough calls for ~20 ms per sample */
        int calls = 1;
        for (;;) {
            double t0 = train_now_seconds();
            for (int c = 0; c < calls; c++) {
                layer_forward(l, x, y, batch, pool);
                if (mode) layer_backward(l, x, dy, dx, batch, pool);
            }
            if (train_now_seconds() - t0 > 0.02 || calls > 1 << 20) break;
            calls *= 2;
        }
        for (int r = 0; r < repeats; r++) {
            double t0 = train_now_seconds();
            for (int c = 0; c < calls; c++) {
                layer_forward(l, x, y, batch, pool);
                if (mode) layer_backward(l, x, dy, dx, batch, pool);
            }
            samples[mode][r] = (train_now_seconds() - t0) / calls;
        }
        qsort(samples[mode], (size_t)repeats, sizeof(double), cmp_double);
    }
    return (timing){samples[0][repeats / 2], samples[1][repeats / 2]};
}

int cmd_bench(int argc, char **argv) {
    int widths[MAX_LIST] = {512, 1024, 2048}, nwidths = 3;
    int ndyads[MAX_LIST] = {4, 8, 16}, nndyads = 3;
    layer_kind kinds[3] = {LAYER_DYAD_IT, LAYER_DYAD_OT, LAYER_DYAD_DT};
    int nkinds = 3, batch = 64, repeats = 15, threads = 0;
    const char *csv_path = NULL, *strategy = "both";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage, stdout);
            return 0;
        }
        if (!(v = cli_value("bench", argc, argv, &i))) return 2;
        int ok = 1;
        if (!strcmp(a, "--widths")) ok = (nwidths = parse_list(a, v, widths, MAX_LIST)) > 0;
        else if (!strcmp(a, "--ndyad")) ok = (nndyads = parse_list(a, v, ndyads, MAX_LIST)) > 0;
        else if (!strcmp(a, "--batch")) ok = cli_int("bench", a, v, 1, 1 << 16, &batch);
        else if (!strcmp(a, "--repeats")) ok = cli_int("bench", a, v, 1, 64, &repeats);
        else if (!strcmp(a, "--threads")) ok = cli_int("bench", a, v, 1, 1024, &threads);
        else if (!strcmp(a, "--csv")) csv_path = v;
        else if (!strcmp(a, "--strategy")) {
            strategy = v;
            if (strcmp(v, "blas") && strcmp(v, "pool") && strcmp(v, "both")) {
                fprintf(stderr, "dyad bench: --strategy '%s' is not blas, pool or both\n", v);
                ok = 0;
            }
        }
        else if (!strcmp(a, "--kinds")) {
            nkinds = 0;
            char buf[256];
            snprintf(buf, sizeof buf, "%s", v);
            for (char *tok = strtok(buf, ","); tok && ok; tok = strtok(NULL, ",")) {
                if (nkinds >= 3 || layer_kind_parse(tok, &kinds[nkinds]) != NN_OK ||
                    kinds[nkinds] == LAYER_DENSE) {
                    fprintf(stderr, "dyad bench: --kinds: '%s' is not dyad-it, dyad-ot or dyad-dt\n", tok);
                    ok = 0;
                }
                nkinds++;
            }
        } else {
            fprintf(stderr, "dyad bench: unknown option '%s' (see --help)\n", a);
            ok = 0;
        }
        if (!ok) return 2;
    }
    nn_pool *pool = cli_set_threads("bench", threads);
    if (!pool) return 1;
    int first_strategy = strcmp(strategy, "pool") ? 0 : 1;
    int last_strategy = strcmp(strategy, "blas") ? 1 : 0;
    FILE *csv = NULL;
    if (csv_path && !(csv = fopen(csv_path, "w"))) {
        perror(csv_path);
        nn_pool_free(pool);
        return 1;
    }
    if (csv)
        fprintf(csv, "width,batch,kind,ndyad,strategy,forward_us,train_us,forward_speedup,"
                     "train_speedup,ideal\n");
    printf("layer width x width, batch %d, %d threads, median of %d\n", batch,
           nn_pool_threads(pool), repeats);
    printf("%6s  %-8s %5s %-7s %11s %11s  %9s %9s  %6s  %8s\n", "width", "kind", "ndyad",
           "threads", "forward us", "fwd+bwd us", "fwd speed", "trn speed", "ideal", "GFLOP/s");
    int status = 0;
    for (int wi = 0; wi < nwidths; wi++) {
        int w = widths[wi];
        size_t act = (size_t)w * batch;
        size_t maxp = layer_param_count(LAYER_DENSE, w, w, 1);
        float *x = malloc(act * sizeof(float)), *y = malloc(act * sizeof(float));
        float *dy = malloc(act * sizeof(float)), *dx = malloc(act * sizeof(float));
        float *params = malloc(maxp * sizeof(float)), *grads = malloc(maxp * sizeof(float));
        if (!x || !y || !dy || !dx || !params || !grads) {
            fprintf(stderr, "dyad bench: out of memory at width %d\n", w);
            status = 1;
        }
        rng r;
        rng_seed(&r, 1);
        for (size_t e = 0; !status && e < act; e++) {
            x[e] = rng_uniform(&r);
            dy[e] = rng_uniform(&r) - 0.5f;
        }
        timing dense_t[2] = {{0, 0}, {0, 0}}; /* per strategy */
        for (int ki = -1; !status && ki < nkinds; ki++) {
            for (int ni = 0; ni < (ki < 0 ? 1 : nndyads); ni++) {
                layer l = {.kind = ki < 0 ? LAYER_DENSE : kinds[ki], .in = w, .out = w,
                           .ndyad = ki < 0 ? 1 : ndyads[ni]};
                if (layer_check(l.kind, w, w, l.ndyad, NULL) != NN_OK) {
                    printf("%6d  %-8s %5d  skipped: ndyad does not divide the width\n", w,
                           layer_kind_name(l.kind), l.ndyad);
                    continue;
                }
                layer_bind(&l, params, grads);
                layer_init(&l, &r);
                for (int st = first_strategy; st <= last_strategy; st++) {
                    /* 'blas': OpenBLAS threads each GEMM itself; 'pool': one thread per task */
                    openblas_set_num_threads(st ? 1 : nn_pool_threads(pool));
                    timing t = time_layer(&l, x, y, dy, dx, batch, repeats, st ? pool : NULL);
                    openblas_set_num_threads(1);
                    if (ki < 0) dense_t[st] = t;
                    const char *how = st ? "pool" : "blas";
                    double ideal = ki < 0 ? 1.0 : l.ndyad / 2.0;
                    double gflops = layer_forward_flops(&l, batch) * 3 / t.train / 1e9;
                    printf("%6d  %-8s %5d %-7s %11.1f %11.1f  %8.2fx %8.2fx  %5.2fx  %8.1f\n", w,
                           layer_kind_name(l.kind), l.ndyad, how, t.forward * 1e6, t.train * 1e6,
                           dense_t[st].forward / t.forward, dense_t[st].train / t.train, ideal,
                           gflops);
                    if (csv)
                        fprintf(csv, "%d,%d,%s,%d,%s,%.3f,%.3f,%.4f,%.4f,%.2f\n", w, batch,
                                layer_kind_name(l.kind), l.ndyad, how, t.forward * 1e6,
                                t.train * 1e6, dense_t[st].forward / t.forward,
                                dense_t[st].train / t.train, ideal);
                    fflush(stdout);
                }
            }
        }
        free(x), free(y), free(dy), free(dx), free(params), free(grads);
    }
    nn_pool_free(pool);
    if (csv && fclose(csv) != 0) {
        perror(csv_path);
        status = 1;
    }
    return status;
}
