/* dyad info MODEL: what a checkpoint holds — layers, parameter counts,
 * sparsity of the effective weights, file size and the training run. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "../nn/checkpoint.h"
#include "commands.h"

static void usage(FILE *out) {
    fprintf(out,
            "usage: dyad info MODEL\n"
            "\n"
            "Prints a checkpoint's architecture and, for each layer: kind, ndyad, widths,\n"
            "parameters, the parameters a dense layer of the same widths would have, the\n"
            "fraction of the effective weight W that is structurally nonzero (counted\n"
            "entry by entry; for DYAD also the formula (2n-1)/n^2), and the activation.\n"
            "Then totals, the file size and the training record when the file has one.\n");
}

/* Entries of W (out x in) that some parameter feeds. */
static size_t structural_nonzeros(const nn_layer *l) {
    size_t count = 0;
    for (int row = 0; row < l->out; row++)
        for (int col = 0; col < l->in; col++) count += nn_layer_weight_part(l, row, col) != 0;
    return count;
}

static int record_present(const nn_train_record *rec) {
    return rec->dataset[0] || rec->optimizer[0] || rec->epochs >= 0 || rec->batch >= 0 ||
           rec->lr >= 0.0 || rec->seed != 0 || rec->test_accuracy >= 0.0;
}

static void print_record(const nn_train_record *rec) {
    if (!record_present(rec)) {
        printf("training record: none\n");
        return;
    }
    printf("training record:\n");
    if (rec->dataset[0]) printf("  dataset:       %s\n", rec->dataset);
    if (rec->optimizer[0]) printf("  optimizer:     %s\n", rec->optimizer);
    if (rec->epochs >= 0) printf("  epochs:        %d\n", rec->epochs);
    if (rec->batch >= 0) printf("  batch:         %d\n", rec->batch);
    if (rec->lr >= 0.0) printf("  lr:            %g\n", rec->lr);
    printf("  seed:          %" PRIu64 "\n", rec->seed);
    if (rec->test_accuracy >= 0.0)
        printf("  test accuracy: %.2f%%\n", 100.0 * rec->test_accuracy);
}

static void print_layers(const nn_mlp *net) {
    size_t params = 0, dense_params = 0, nonzeros = 0, entries = 0;
    printf("%5s  %-8s %5s %6s %6s %10s %12s %10s %16s  %s\n", "layer", "kind", "ndyad", "in",
           "out", "params", "dense-equiv", "nonzero-W", "(2n-1)/n^2", "activation");
    for (int i = 0; i < net->nlayers; i++) {
        const nn_layer *l = &net->layers[i];
        size_t count = nn_layer_param_count(l->kind, l->in, l->out, l->ndyad);
        size_t dense = nn_layer_param_count(NN_LAYER_DENSE, l->in, l->out, 1);
        size_t cells = (size_t)l->in * l->out;
        size_t nz = structural_nonzeros(l);
        char formula[32] = "-";
        if (l->kind != NN_LAYER_DENSE) {
            int n = l->ndyad;
            snprintf(formula, sizeof formula, "%d/%d=%.2f%%", 2 * n - 1, n * n,
                     100.0 * (2 * n - 1) / ((double)n * n));
        }
        printf("%5d  %-8s %5d %6d %6d %10zu %12zu %9.2f%% %16s  %s\n", i,
               nn_layer_kind_name(l->kind), l->ndyad, l->in, l->out, count, dense,
               100.0 * (double)nz / (double)cells, formula, l->relu ? "relu" : "none");
        params += count;
        dense_params += dense;
        nonzeros += nz;
        entries += cells;
    }
    printf("total: %zu parameters; a dense net of the same widths has %zu (%.2f%%)\n", params,
           dense_params, 100.0 * (double)params / (double)dense_params);
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
