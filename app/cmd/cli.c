#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_int(const char *cmd, const char *flag, const char *text, long min, long max, int *out) {
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || end == text || *end || v < min || v > max) {
        fprintf(stderr, "dyad %s: %s expects an integer in [%ld, %ld], got '%s'\n", cmd, flag, min,
                max, text);
        return 0;
    }
    *out = (int)v;
    return 1;
}

int cli_u64(const char *cmd, const char *flag, const char *text, uint64_t *out) {
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || end == text || *end || text[0] == '-') {
        fprintf(stderr, "dyad %s: %s expects a non-negative integer, got '%s'\n", cmd, flag, text);
        return 0;
    }
    *out = (uint64_t)v;
    return 1;
}

int cli_float(const char *cmd, const char *flag, const char *text, double min, double max,
              float *out) {
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || *end || !(v >= min && v <= max)) {
        fprintf(stderr, "dyad %s: %s expects a number in [%g, %g], got '%s'\n", cmd, flag, min, max,
                text);
        return 0;
    }
    *out = (float)v;
    return 1;
}

const char *cli_data_dir(const char *given) {
    if (given) return given;
    const char *env = getenv("MNIST_DIR");
    return env && *env ? env : "data";
}

nn_compute *cli_set_threads(const char *cmd, int threads) {
    nn_compute *compute;
    nn_error err;
    if (nn_compute_create(&compute, threads, &err) != NN_OK) {
        fprintf(stderr, "dyad %s: %s\n", cmd, err.msg);
        return NULL;
    }
    return compute;
}

nn_compute *cli_compute(const char *cmd, const char *device, const char *precision, int threads) {
    nn_precision p = NN_PRECISION_FP32;
    if (precision && nn_precision_parse(precision, &p) != NN_OK) {
        fprintf(stderr, "dyad %s: --precision '%s' is not fp32, tf32 or bf16\n", cmd, precision);
        return NULL;
    }
    if (!device || !strcmp(device, "cpu")) {
        if (p != NN_PRECISION_FP32) {
            fprintf(stderr, "dyad %s: --precision %s needs --device cuda\n", cmd, precision);
            return NULL;
        }
        return cli_set_threads(cmd, threads);
    }
    if (strcmp(device, "cuda")) {
        fprintf(stderr, "dyad %s: --device '%s' is not cpu or cuda\n", cmd, device);
        return NULL;
    }
    nn_compute *compute;
    nn_error err;
    if (nn_compute_create_cuda(&compute, p, &err) != NN_OK) {
        fprintf(stderr, "dyad %s: --device cuda: %s\n", cmd, err.msg);
        return NULL;
    }
    return compute;
}

const char *cli_value(const char *cmd, int argc, char **argv, int *i) {
    if (*i + 1 >= argc) {
        fprintf(stderr, "dyad %s: %s needs a value\n", cmd, argv[*i]);
        return NULL;
    }
    return argv[++*i];
}

int cli_net_spec(const char *cmd, const char *layers, const char *hidden, const char *kind,
                 int ndyad, int classes, nn_layer_spec *specs, int max) {
    nn_error err;
    if (layers) {
        if (hidden || kind) {
            fprintf(stderr, "dyad %s: give either --layers or --hidden/--kind/--ndyad, not both\n",
                    cmd);
            return 0;
        }
        int n = nn_mlp_parse_layers(layers, specs, max, &err);
        if (n < 0) {
            fprintf(stderr, "dyad %s: --layers: %s\n", cmd, err.msg);
            return 0;
        }
        if (specs[n - 1].out != classes) {
            fprintf(stderr, "dyad %s: --layers: the last layer must have %d units (one per class), "
                            "got %d\n", cmd, classes, specs[n - 1].out);
            return 0;
        }
        return n;
    }
    nn_layer_kind k = NN_LAYER_DENSE;
    if (kind && nn_layer_kind_parse(kind, &k) != NN_OK) {
        char kinds[128];
        nn_layer_kind_list(kinds, sizeof kinds, ", ", 0);
        fprintf(stderr, "dyad %s: --kind '%s' is not one of %s\n", cmd, kind, kinds);
        return 0;
    }
    if (nn_layer_kind_get(k)->param == NN_LAYER_PARAM_DENSITY) {
        fprintf(stderr, "dyad %s: --kind %s takes a density: use --layers %s/0.5:1024,...\n", cmd,
                kind, kind);
        return 0;
    }
    /* ndyad 0 means "not given": 4 for DYAD kinds */
    if (k != NN_LAYER_DENSE && ndyad == 0) ndyad = 4;
    if (k == NN_LAYER_DENSE && ndyad > 1) {
        fprintf(stderr, "dyad %s: --ndyad %d needs a DYAD --kind\n", cmd, ndyad);
        return 0;
    }
    int n = 0;
    const char *p = hidden ? hidden : "1024,1024";
    while (*p) {
        char *end;
        errno = 0;
        long width = strtol(p, &end, 10);
        if (errno || end == p || width < 1 || width > 1 << 20 || (*end && *end != ',')) {
            fprintf(stderr, "dyad %s: --hidden '%s': expected comma-separated widths, e.g. "
                            "1024,1024\n", cmd, hidden);
            return 0;
        }
        if (n + 1 >= max) {
            fprintf(stderr, "dyad %s: --hidden: too many layers (at most %d)\n", cmd, max - 1);
            return 0;
        }
        specs[n++] = (nn_layer_spec){k, k == NN_LAYER_DENSE ? 1 : ndyad, (int)width, 0.0f};
        p = *end ? end + 1 : end;
    }
    specs[n++] = (nn_layer_spec){NN_LAYER_DENSE, 1, classes, 0.0f};
    return n;
}
