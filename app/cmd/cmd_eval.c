/* dyad eval: test accuracy, per-class accuracy and the confusion matrix. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../nn/checkpoint.h"
#include "../../nn/dataset.h"
#include "../../nn/train.h"
#include "cli.h"
#include "commands.h"

static const char usage[] =
    "usage: dyad eval MODEL.safetensors [--data DIR] [--json] [--threads N]\n"
    "\n"
    "Evaluates a checkpoint on the test split of an MNIST-format folder\n"
    "(default $MNIST_DIR, else data/). Prints accuracy, per-class accuracy and the\n"
    "confusion matrix (rows: true label, columns: prediction); --json prints one JSON\n"
    "object instead: {\"model\", \"n\", \"correct\", \"accuracy\", \"per_class\", \"confusion\"}.\n"
    "\n"
    "example: dyad eval assets/dyad.safetensors --data data\n";

static void print_json(const char *model, int classes, const int *confusion, int n, int correct) {
    printf("{\"model\": \"");
    for (const char *p = model; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c < 0x20 || c == 0x7f) { /* a control byte in a path stays valid JSON */
            printf("\\u%04x", c);
            continue;
        }
        if (c == '"' || c == '\\') putchar('\\');
        putchar(c);
    }
    printf("\", \"n\": %d, \"correct\": %d, \"accuracy\": %.6f, \"per_class\": [", n, correct,
           (double)correct / n);
    for (int c = 0; c < classes; c++) {
        int total = 0;
        for (int p = 0; p < classes; p++) total += confusion[c * classes + p];
        printf("%s%.6f", c ? ", " : "", total ? (double)confusion[c * classes + c] / total : 0.0);
    }
    printf("], \"confusion\": [");
    for (int c = 0; c < classes; c++) {
        printf("%s[", c ? ", " : "");
        for (int p = 0; p < classes; p++) printf("%s%d", p ? ", " : "", confusion[c * classes + p]);
        printf("]");
    }
    printf("]}\n");
}

static void print_table(int classes, const int *confusion, int n, int correct) {
    printf("test accuracy: %.2f%% (%d of %d)\n\n", 100.0 * correct / n, correct, n);
    printf("class  accuracy      n\n");
    for (int c = 0; c < classes; c++) {
        int total = 0;
        for (int p = 0; p < classes; p++) total += confusion[c * classes + p];
        printf("%5d  %7.2f%%  %5d\n", c, total ? 100.0 * confusion[c * classes + c] / total : 0.0,
               total);
    }
    printf("\nconfusion (row: true label, column: prediction)\n      ");
    for (int p = 0; p < classes; p++) printf("%6d", p);
    printf("\n");
    for (int c = 0; c < classes; c++) {
        printf("%6d", c);
        for (int p = 0; p < classes; p++) printf("%6d", confusion[c * classes + p]);
        printf("\n");
    }
}

/* Images per forward pass: 1000, fewer for very wide layers, so that the
 * work buffers (widest layer x batch floats) stay within EVAL_MAX_ACT_FLOATS
 * however wide a layer the file declares. */
#define EVAL_BATCH 1000
#define EVAL_MAX_ACT_FLOATS ((size_t)1 << 26)
static int eval_batch(const nn_mlp *net) {
    size_t widest = (size_t)net->in;
    for (int i = 0; i < net->nlayers; i++)
        if ((size_t)net->layers[i].out > widest) widest = (size_t)net->layers[i].out;
    size_t batch = EVAL_MAX_ACT_FLOATS / widest;
    return batch < 1 ? 1 : batch > EVAL_BATCH ? EVAL_BATCH : (int)batch;
}

int cmd_eval(int argc, char **argv) {
    const char *model = NULL, *data = NULL;
    int json = 0, threads = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage, stdout);
            return 0;
        } else if (!strcmp(a, "--json")) {
            json = 1;
        } else if (!strcmp(a, "--data")) {
            if (!(data = cli_value("eval", argc, argv, &i))) return 2;
        } else if (!strcmp(a, "--threads")) {
            if (!(v = cli_value("eval", argc, argv, &i)) || !cli_int("eval", a, v, 1, 1024, &threads))
                return 2;
        } else if (a[0] == '-' || model) {
            fprintf(stderr, "dyad eval: unexpected argument '%s' (see --help)\n", a);
            return 2;
        } else {
            model = a;
        }
    }
    if (!model) {
        fprintf(stderr, "dyad eval: give a MODEL.safetensors (see --help)\n");
        return 2;
    }
    nn_compute *compute = cli_set_threads("eval", threads);
    if (!compute) return 1;
    nn_error err;
    nn_mlp net;
    if (nn_checkpoint_load(model, &net, NULL, &err) != NN_OK) {
        fprintf(stderr, "dyad eval: %s\n", err.msg);
        nn_compute_free(compute);
        return 1;
    }
    net.compute = compute;
    nn_dataset ds;
    const char *dir = cli_data_dir(data);
    int status = 1;
    int classes = nn_mlp_classes(&net);
    int *confusion = NULL;
    if (nn_dataset_load_test(dir, &ds, &err) != NN_OK) {
        fprintf(stderr, "dyad eval: %s\n", err.msg);
        nn_mlp_free(&net);
        nn_compute_free(compute);
        return 1;
    }
    if (nn_dataset_check_model(&ds.test_images, &ds.test_labels, &net, model, dir, &err) != NN_OK) {
        fprintf(stderr, "dyad eval: %s\n", err.msg);
        goto done;
    }
    confusion = calloc((size_t)classes * classes, sizeof(int));
    int batch = eval_batch(&net);
    if (!confusion || nn_mlp_reserve(&net, batch, &err) != NN_OK) {
        fprintf(stderr, "dyad eval: out of memory\n");
        goto done;
    }
    nn_train_evaluate(&net, &ds.test_images, &ds.test_labels, batch, confusion);
    int correct = 0;
    for (int c = 0; c < classes; c++) correct += confusion[c * classes + c];
    if (json) print_json(model, classes, confusion, ds.test_images.count, correct);
    else print_table(classes, confusion, ds.test_images.count, correct);
    status = 0;
done:
    free(confusion);
    nn_dataset_free(&ds);
    nn_mlp_free(&net);
    nn_compute_free(compute);
    return status;
}
