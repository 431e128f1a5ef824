/* dyad: train, evaluate and look at DYAD and dense MLPs on MNIST. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    {"train", cmd_train, "train an MLP of dense and DYAD layers on MNIST, write a checkpoint"},
    {"eval", cmd_eval, "test accuracy, per-class accuracy and confusion matrix of a checkpoint"},
    {"predict", cmd_predict, "classify digit images (PNG, JPG, BMP, PGM)"},
    {"info", cmd_info, "layers, kinds, parameters and sparsity of a checkpoint"},
    {"bench", cmd_bench, "time DYAD layers against dense ones of the same widths"},
    {"draw", cmd_draw, "the window: draw a digit, watch DYAD and dense predict, see weights"},
    {"heatmap", cmd_heatmap, "write a layer's weight heatmap as PNG"},
    {"augment-preview", cmd_augment_preview, "write a PNG grid of training images beside their --augment distortions"},
    {"sweep", cmd_sweep, "run a study grid of training runs, resumable, one CSV row per run"},
};

static void usage(FILE *out) {
    fprintf(out, "usage: dyad COMMAND [options]   (dyad COMMAND --help for details)\n\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-16s %s\n", commands[i].name, commands[i].summary);
}

/* Output that never arrived (a full disk, a closed pipe, > /dev/full) must not
 * pass as success: flush stdout and check its error flag before exiting. */
static int finish_stdout(int status) {
    errno = 0;
    int flush_failed = fflush(stdout) != 0;
    int saved = errno;
    if (flush_failed || ferror(stdout)) {
        fprintf(stderr, "dyad: cannot write to standard output%s%s\n", saved ? ": " : "",
                saved ? strerror(saved) : "");
        return status ? status : 1;
    }
    return status;
}

static int run(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name)) return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "dyad: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}

int main(int argc, char **argv) { return finish_stdout(run(argc, argv)); }
