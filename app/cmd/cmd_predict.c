/* dyad predict MODEL IMAGE... [--show]: classify digit images with a
 * checkpoint. Each image goes through the same MNIST-style preprocessing as
 * the window's canvas, so both see identical 28x28 inputs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "../../nn/checkpoint.h"
#include "../../nn/mlp.h"
#include "../../nn/preprocess.h"
#include "cli.h"
#include "commands.h"
#include "../render/image_load.h"

#define TOP_CLASSES 3

static void usage(void) {
    printf(
            "usage: dyad predict MODEL IMAGE... [--show]\n"
            "\n"
            "Classifies each IMAGE (PNG, JPG, BMP, PGM, ...) with the checkpoint MODEL and\n"
            "prints its three most likely digits, e.g.  digit.png: 7 (98.1%%), 1 (1.2%%), 9 (0.3%%)\n"
            "Images are made MNIST-like first: dark ink on a light background is inverted,\n"
            "the ink is fitted into 20x20 and centred by its centre of mass in 28x28.\n"
            "\n"
            "  --show      also print the preprocessed 28x28 digit as ASCII art\n"
            "  -h, --help  this text\n"
            "\n"
            "An image that cannot be read is reported on stderr and the others still run;\n"
            "the exit status is then 1.\n");
}

/* Two characters per pixel so the digit keeps roughly its aspect ratio. */
static void print_digit(const uint8_t digit[NN_DIGIT_PIXELS]) {
    static const char ramp[] = " .:-=+*#%@";
    const int levels = (int)sizeof ramp - 1;
    for (int y = 0; y < NN_DIGIT_SIDE; y++) {
        char line[2 * NN_DIGIT_SIDE + 3];
        int n = 0;
        line[n++] = '|';
        for (int x = 0; x < NN_DIGIT_SIDE; x++) {
            char c = ramp[digit[y * NN_DIGIT_SIDE + x] * levels / 256];
            line[n++] = c;
            line[n++] = c;
        }
        line[n++] = '|';
        line[n] = 0;
        printf("%s\n", line);
    }
}

/* Indices of the k largest probabilities, largest first. */
static int top_classes(const float *probs, int classes, int *best, int k) {
    if (k > classes) k = classes;
    for (int i = 0; i < k; i++) {
        int arg = -1;
        for (int c = 0; c < classes; c++) {
            int taken = 0;
            for (int j = 0; j < i; j++) taken |= best[j] == c;
            if (!taken && (arg < 0 || probs[c] > probs[arg])) arg = c;
        }
        best[i] = arg;
    }
    return k;
}

static int predict_one(nn_mlp *net, const char *path, int show, float *probs) {
    uint8_t digit[NN_DIGIT_PIXELS];
    nn_error err;
    if (image_load_digit(path, digit, &err) != NN_OK) {
        fprintf(stderr, "dyad predict: %s\n", err.msg);
        return -1;
    }
    float x[NN_DIGIT_PIXELS];
    nn_digit_to_input(digit, x);
    nn_mlp_predict(net, x, probs);
    int best[TOP_CLASSES];
    int k = top_classes(probs, nn_mlp_classes(net), best, TOP_CLASSES);
    printf("%s:", path);
    for (int i = 0; i < k; i++)
        printf("%s %d (%.1f%%)", i ? "," : "", best[i], 100.0 * probs[best[i]]);
    printf("\n");
    if (show) print_digit(digit);
    fflush(stdout);
    return 0;
}

int cmd_predict(int argc, char **argv) {
    int show = 0, npaths = 0, options_done = 0;
    const char **paths = calloc((size_t)argc, sizeof *paths);
    if (!paths) {
        fprintf(stderr, "dyad predict: out of memory\n");
        return 1;
    }
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (!options_done && arg[0] == '-' && arg[1]) {
            if (!strcmp(arg, "--")) {
                options_done = 1;
            } else if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
                usage();
                free(paths);
                return 0;
            } else if (!strcmp(arg, "--show")) {
                show = 1;
            } else {
                fprintf(stderr, "dyad predict: unknown option '%s' (dyad predict --help)\n", arg);
                free(paths);
                return 2;
            }
        } else {
            paths[npaths++] = arg;
        }
    }
    if (npaths < 2) {
        fprintf(stderr, "dyad predict: need a MODEL and at least one IMAGE (dyad predict --help)\n");
        free(paths);
        return 2;
    }

    /* One image at a time is a tiny GEMV: one thread, threads would only cost. */
    nn_compute *serial = cli_set_threads("predict", 1);
    if (!serial) {
        free(paths);
        return 1;
    }

    nn_mlp net;
    nn_error err;
    if (nn_checkpoint_load(paths[0], &net, NULL, &err) != NN_OK) {
        fprintf(stderr, "dyad predict: %s\n", err.msg);
        free(paths);
        nn_compute_free(serial);
        return 1;
    }
    int status = 0;
    float *probs = NULL;
    if (net.in != NN_DIGIT_PIXELS) {
        fprintf(stderr, "dyad predict: %s: the model takes %d inputs, not %d (28x28 digits)\n",
                paths[0], net.in, NN_DIGIT_PIXELS);
        status = 1;
    } else if (nn_mlp_reserve(&net, 1, &err) != NN_OK) {
        fprintf(stderr, "dyad predict: %s\n", err.msg);
        status = 1;
    } else if (!(probs = malloc(sizeof *probs * (size_t)nn_mlp_classes(&net)))) {
        fprintf(stderr, "dyad predict: out of memory\n");
        status = 1;
    } else {
        for (int i = 1; i < npaths; i++)
            if (predict_one(&net, paths[i], show, probs) != 0) status = 1;
    }
    free(probs);
    nn_mlp_free(&net);
    free(paths);
    nn_compute_free(serial);
    return status;
}
