/* dyad info MODEL: what a checkpoint holds — layers, parameter counts,
 * sparsity of the effective weights, file size and the training run. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <cJSON.h>

#include "../../nn/checkpoint.h"
#include "../../nn/safe_io.h"
#include "commands.h"

static void usage(FILE *out) {
    fprintf(out,
            "usage: dyad info MODEL\n"
            "\n"
            "Prints a checkpoint's architecture and, for each layer: kind, its parameter\n"
            "(ndyad or blocks N, lowrank's rank R, sparse's density D), widths, trained\n"
            "parameters, the parameters a dense layer of the same widths would have, the\n"
            "fraction of the effective weight W that is structurally nonzero (counted\n"
            "exactly) next to what the kind's definition says (DYAD (2n-1)/n^2,\n"
            "blockdiag 1/N, monarch, lowrank's rank bound, sparse D), and the activation.\n"
            "Then totals, the file size and the training record when the file has one.\n");
}

static int record_present(const nn_train_record *rec) {
    return rec->dataset[0] || rec->dataset_sha256[0] || rec->augment[0] || rec->optimizer[0] ||
           rec->epochs >= 0 || rec->batch >= 0 ||
           rec->lr >= 0.0 || rec->seed != 0 || rec->test_accuracy >= 0.0;
}

/* dyad.dataset_sha256 one file a line; as stored when it is not the JSON
 * object dyad train writes. */
static void print_sha256(const char *json) {
    cJSON *obj = cJSON_Parse(json);
    const cJSON *item;
    int ok = cJSON_IsObject(obj);
    cJSON_ArrayForEach(item, obj) ok = ok && cJSON_IsString(item);
    if (!ok) {
        char esc[1024];
        printf("  dataset sha256: %s\n", nn_safe_escape(json, 400, esc, sizeof esc));
    } else {
        printf("  dataset sha256 (of each file's idx content, gunzipped):\n");
        char name[128], sum[256];
        cJSON_ArrayForEach(item, obj)
            printf("    %-24s %s\n", nn_safe_escape(item->string, 40, name, sizeof name),
                   nn_safe_escape(item->valuestring, 80, sum, sizeof sum));
    }
    cJSON_Delete(obj);
}

static void print_record(const nn_train_record *rec) {
    if (!record_present(rec)) {
        printf("training record: none\n");
        return;
    }
    printf("training record:\n");
    /* Every string comes from the file: no raw control bytes to the terminal. */
    char esc[1024];
    if (rec->dataset[0])
        printf("  dataset:       %s\n", nn_safe_escape(rec->dataset, 200, esc, sizeof esc));
    if (rec->dataset_sha256[0]) print_sha256(rec->dataset_sha256);
    if (rec->augment[0])
        printf("  augment:       %s\n", nn_safe_escape(rec->augment, 200, esc, sizeof esc));
    if (rec->optimizer[0])
        printf("  optimizer:     %s\n", nn_safe_escape(rec->optimizer, 32, esc, sizeof esc));
    if (rec->epochs >= 0) printf("  epochs:        %d\n", rec->epochs);
    if (rec->batch >= 0) printf("  batch:         %d\n", rec->batch);
    if (rec->lr >= 0.0) printf("  lr:            %g\n", rec->lr);
    printf("  seed:          %" PRIu64 "\n", rec->seed);
    if (rec->test_accuracy >= 0.0)
        printf("  test accuracy: %.2f%%\n", 100.0 * rec->test_accuracy);
}

/* What the kind's definition says about W's structure. */
static void structure_text(const nn_layer *l, char *buf, size_t size) {
    int n = l->ndyad;
    switch (l->kind) {
    case NN_LAYER_DENSE: snprintf(buf, size, "-"); break;
    case NN_LAYER_BLOCKDIAG: snprintf(buf, size, "1/%d=%.2f%%", n, 100.0 / n); break;
    case NN_LAYER_MONARCH: {
        int mid = l->in > l->out ? l->in : l->out;
        snprintf(buf, size, "%s", mid / n >= n ? "q>=N: 100%" : "q<N: partial");
        break;
    }
    case NN_LAYER_LOWRANK: snprintf(buf, size, "rank<=%d", n); break;
    case NN_LAYER_SPARSE: snprintf(buf, size, "D=%.2f%%", 100.0 * l->density); break;
    default: { /* DYAD; n*n overflows int for a file's ndyad of 2^20 */
        long long m = n;
        snprintf(buf, size, "%lld/%lld=%.2f%%", 2 * m - 1, m * m,
                 100.0 * (double)(2 * m - 1) / ((double)m * (double)m));
    }
    }
}

static void print_layers(const nn_mlp *net) {
    size_t params = 0, dense_params = 0, nonzeros = 0, entries = 0, fixed = 0;
    printf("%5s  %-9s %5s %6s %6s %10s %12s %10s %16s  %s\n", "layer", "kind", "param", "in",
           "out", "params", "dense-equiv", "nonzero-W", "by definition", "activation");
    for (int i = 0; i < net->nlayers; i++) {
        const nn_layer *l = &net->layers[i];
        size_t count = nn_layer_trained_count(l);
        fixed += l->tensors.total - count;
        size_t dense = nn_layer_param_count(NN_LAYER_DENSE, l->in, l->out, 1);
        size_t cells = (size_t)l->in * l->out;
        size_t nz = nn_layer_structural_nonzeros(l);
        char formula[64], param[32];
        structure_text(l, formula, sizeof formula);
        nn_layer_param_text(l->kind, l->ndyad, l->density, param, sizeof param);
        printf("%5d  %-9s %5s %6d %6d %10zu %12zu %9.2f%% %16s  %s\n", i,
               nn_layer_kind_name(l->kind), param[0] ? param : "-", l->in, l->out, count, dense,
               100.0 * (double)nz / (double)cells, formula, l->relu ? "relu" : "none");
        params += count;
        dense_params += dense;
        nonzeros += nz;
        entries += cells;
    }
    printf("total: %zu parameters; a dense net of the same widths has %zu (%.2f%%)\n", params,
           dense_params, 100.0 * (double)params / (double)dense_params);
    if (fixed)
        printf("stored but not trained: %zu floats (sparse masks, and the weights they zero)\n",
               fixed);
    printf("effective weights: %zu of %zu entries structurally nonzero (%.2f%%)\n", nonzeros,
           entries, 100.0 * (double)nonzeros / (double)entries);
}

int cmd_info(int argc, char **argv) {
    const char *path = NULL;
    for (int a = 1; a < argc; a++) {
        if (!strcmp(argv[a], "--help") || !strcmp(argv[a], "-h")) {
            usage(stdout);
            return 0;
        }
        if (argv[a][0] == '-' && argv[a][1]) {
            fprintf(stderr, "dyad info: unknown option '%s'\n", argv[a]);
            usage(stderr);
            return 2;
        }
        if (path) {
            fprintf(stderr, "dyad info: one MODEL at a time ('%s' and '%s')\n", path, argv[a]);
            return 2;
        }
        path = argv[a];
    }
    if (!path) {
        usage(stderr);
        return 2;
    }

    nn_mlp net;
    nn_train_record rec;
    nn_error err;
    if (nn_checkpoint_load(path, &net, &rec, &err) != NN_OK) {
        fprintf(stderr, "dyad info: %s\n", err.msg);
        return 1;
    }
    struct stat st;
    long long file_size = stat(path, &st) == 0 ? (long long)st.st_size : -1;

    char arch[1024];
    nn_mlp_describe(&net, arch, sizeof arch);
    printf("model: %s\n", path);
    printf("architecture: %s\n", arch);
    printf("file size: %lld bytes (%.2f MiB)\n", file_size, (double)file_size / (1024.0 * 1024.0));
    print_layers(&net);
    print_record(&rec);
    nn_mlp_free(&net);
    return 0;
}
