/* dyad train: the whole training run in one readable function, llm.c style:
 * parse flags, load data, build the net, loop over epochs, save. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../nn/checkpoint.h"
#include "../nn/dataset.h"
#include "../nn/layer_match.h"
#include "../nn/train.h"
#include "cli.h"
#include "commands.h"

#define MAX_LAYERS 32
#define EVAL_BATCH 1000 /* larger GEMMs for the test pass */

static const char usage[] =
    "usage: dyad train --out MODEL.safetensors [options]\n"
    "\n"
    "Trains an MLP (ReLU between layers, softmax cross-entropy) on MNIST-format idx files.\n"
    "Input is pixel/255. Writes a safetensors checkpoint after every epoch.\n"
    "\n"
    "data:\n"
    "  --data DIR          folder with the four MNIST files, raw or .gz (default $MNIST_DIR, else data/)\n"
    "  --train-limit N     use only the first N training images (quick runs)\n"
    "net (uniform form; the output layer is dense with one unit per class):\n"
    "  --hidden W,W,...    hidden widths (default 1024,1024)\n"
    "  --kind K            %s (default dense)\n"
    "  --ndyad N           blocks per DYAD, blockdiag or monarch layer (must divide both\n"
    "                      widths), or lowrank's rank (default 4); sparse needs --layers\n"
    "net (every layer spelled out):\n"
    "  --layers SPEC       KIND[/PARAM]:WIDTH,... e.g. dyad-it/4:1024,dyad-ot/8:1024,dense:10;\n"
    "                      PARAM: blocks N (dyad-*, blockdiag, monarch), rank R (lowrank),\n"
    "                      density D (sparse), e.g. monarch/4:1024,lowrank/256:1024,sparse/0.5:1024\n"
    "  --match-params K/P  print, for every hidden layer of the net, the parameter of each other\n"
    "                      kind whose weight count is closest to K/P's (e.g. dyad-it/4), and the\n"
    "                      --layers line of each; then exit without training\n"
    "optimiser (defaults are the recipe that reaches the README's accuracies):\n"
    "  --optimizer O       sgd | adam (default sgd)\n"
    "  --lr X              base learning rate (default 0.05 for sgd, 0.001 for adam)\n"
    "  --momentum X        SGD momentum (default 0.9)\n"
    "  --weight-decay X    decoupled weight decay on weights, not biases (default 0)\n"
    "  --schedule S        cosine | step | constant (default cosine, to zero at the end)\n"
    "  --warmup N          linear warm-up steps (default 0)\n"
    "  --batch N           batch size (default 64)\n"
    "  --epochs N          epochs (default 10)\n"
    "  --seed N            seed for init and shuffling (default 1)\n"
    "run:\n"
    "  --threads N         threads that run the GEMMs side by side (DYAD blocks, slices of\n"
    "                      dense layers) and the optimiser\n"
    "                      (default: OpenBLAS's choice, usually the core count)\n"
    "  --metrics FILE.csv  per-epoch metrics (epoch,train_loss,train_acc,test_acc,seconds,images_per_s)\n"
    "\n"
    "example: dyad train --hidden 1024,1024 --kind dyad-it --ndyad 4 --epochs 10 --out m.safetensors\n";

/* --match-params: the table for the hidden layers of specs (input 784). */
static int print_matches(const char *what, const nn_layer_spec *specs, int nlayers, int in) {
    char text[64];
    nn_layer_spec ref;
    nn_error err;
    snprintf(text, sizeof text, "%.40s:1", what);
    if (strchr(what, ':') || nn_mlp_parse_layers(text, &ref, 1, &err) != 1 ||
        nn_layer_kind_get(ref.kind)->param == NN_LAYER_PARAM_NONE) {
        fprintf(stderr, "dyad train: --match-params '%s': expected KIND/PARAM, e.g. dyad-it/4%s%s\n",
                what, strchr(what, ':') ? "" : ": ", strchr(what, ':') ? "" : err.msg);
        return 2;
    }
    char param[32];
    nn_layer_param_text(ref.kind, ref.ndyad, ref.density, param, sizeof param);
    nn_layer_match m[MAX_LAYERS][NN_LAYER_KIND_COUNT];
    int count[MAX_LAYERS], width = in;
    printf("kinds matched to %s/%s by weight count (biases excluded: every kind has one per output)\n",
           nn_layer_kind_name(ref.kind), param);
    for (int i = 0; i + 1 < nlayers; i++) {
        int out = specs[i].out;
        if (nn_layer_check(ref.kind, width, out, ref.ndyad, &err) != NN_OK) {
            fprintf(stderr, "dyad train: --match-params: layer %d: %s\n", i, err.msg);
            return 2;
        }
        size_t target = nn_layer_weight_count(ref.kind, width, out, ref.ndyad, ref.density);
        printf("layer %d (%d -> %d): %s/%s has %zu weights\n", i, width, out,
               nn_layer_kind_name(ref.kind), param, target);
        printf("  %-10s %6s %10s %9s\n", "kind", "param", "weights", "vs");
        count[i] = nn_layer_match_params(ref.kind, ref.ndyad, ref.density, width, out, m[i],
                                      NN_LAYER_KIND_COUNT);
        for (int k = 0; k < count[i]; k++) {
            char p[32];
            nn_layer_param_text(m[i][k].kind, m[i][k].ndyad, m[i][k].density, p, sizeof p);
            printf("  %-10s %6s %10zu %+8.2f%%\n", nn_layer_kind_name(m[i][k].kind), p, m[i][k].weights,
                   100.0 * ((double)m[i][k].weights - (double)target) / (double)target);
        }
        width = out;
    }
    printf("--layers for each kind:\n");
    for (int k = 0; nlayers > 1 && k < count[0]; k++) {
        printf("  ");
        for (int i = 0; i + 1 < nlayers; i++) {
            const nn_layer_match *x = NULL;
            for (int j = 0; j < count[i]; j++)
                if (m[i][j].kind == m[0][k].kind) x = &m[i][j];
            if (!x) break;
            char p[32];
            nn_layer_param_text(x->kind, x->ndyad, x->density, p, sizeof p);
            printf("%s/%s:%d,", nn_layer_kind_name(x->kind), p, specs[i].out);
        }
        printf("%s:%d\n", nn_layer_kind_name(specs[nlayers - 1].kind), specs[nlayers - 1].out);
    }
    return 0;
}

typedef struct {
    int tty;
} progress_state;

static void show_progress(const nn_train_progress *p, void *user) {
    const progress_state *ps = user;
    double rate = p->seconds > 0 ? p->samples / p->seconds : 0;
    if (ps->tty) {
        if (p->batch_index % 10 && p->batch_index != p->nbatches) return;
        fprintf(stderr, "\repoch %d  batch %d/%d  %.0f images/s  loss %.4f  acc %.4f   ", p->epoch,
                p->batch_index, p->nbatches, rate, p->loss, p->accuracy);
    } else if (p->batch_index == p->nbatches / 2) {
        /* not a terminal (a log file, CI): one plain line at half-epoch, no \r */
        fprintf(stderr, "epoch %d  batch %d/%d  %.0f images/s  loss %.4f  acc %.4f\n", p->epoch,
                p->batch_index, p->nbatches, rate, p->loss, p->accuracy);
    }
}

int cmd_train(int argc, char **argv) {
    const char *data = NULL, *out = NULL, *metrics_path = NULL;
    const char *layers = NULL, *hidden = NULL, *kind = NULL, *match = NULL;
    int ndyad = 0, batch = 64, epochs = 10, threads = 0, train_limit = 0;
    uint64_t seed = 1;
    nn_optim_config opt_cfg = {.kind = NN_OPTIM_SGD, .lr = -1, .momentum = 0.9f, .beta1 = 0.9f,
                            .beta2 = 0.999f, .eps = 1e-8f, .weight_decay = 0.0f,
                            .schedule = NN_SCHEDULE_COSINE, .warmup_steps = 0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            char kinds[128];
            nn_layer_kind_list(kinds, sizeof kinds, " | ", 0);
            printf(usage, kinds);
            return 0;
        }
        if (strncmp(a, "--", 2) != 0 || !(v = cli_value("train", argc, argv, &i))) {
            if (!v && strncmp(a, "--", 2) != 0)
                fprintf(stderr, "dyad train: unexpected argument '%s' (see --help)\n", a);
            return 2;
        }
        int ok = 1;
        if (!strcmp(a, "--data")) data = v;
        else if (!strcmp(a, "--out")) out = v;
        else if (!strcmp(a, "--metrics")) metrics_path = v;
        else if (!strcmp(a, "--layers")) layers = v;
        else if (!strcmp(a, "--hidden")) hidden = v;
        else if (!strcmp(a, "--match-params")) match = v;
        else if (!strcmp(a, "--kind")) kind = v;
        else if (!strcmp(a, "--ndyad")) ok = cli_int("train", a, v, 1, 1 << 20, &ndyad);
        else if (!strcmp(a, "--batch")) ok = cli_int("train", a, v, 1, 1 << 16, &batch);
        else if (!strcmp(a, "--epochs")) ok = cli_int("train", a, v, 1, 100000, &epochs);
        else if (!strcmp(a, "--threads")) ok = cli_int("train", a, v, 1, 1024, &threads);
        else if (!strcmp(a, "--train-limit")) ok = cli_int("train", a, v, 1, 1 << 30, &train_limit);
        else if (!strcmp(a, "--seed")) ok = cli_u64("train", a, v, &seed);
        else if (!strcmp(a, "--lr")) ok = cli_float("train", a, v, 1e-9, 100, &opt_cfg.lr);
        else if (!strcmp(a, "--momentum")) ok = cli_float("train", a, v, 0, 0.9999, &opt_cfg.momentum);
        else if (!strcmp(a, "--weight-decay")) ok = cli_float("train", a, v, 0, 1, &opt_cfg.weight_decay);
        else if (!strcmp(a, "--warmup")) ok = cli_int("train", a, v, 0, 1 << 30, &opt_cfg.warmup_steps);
        else if (!strcmp(a, "--optimizer")) {
            if (nn_optim_kind_parse(v, &opt_cfg.kind) != NN_OK) {
                fprintf(stderr, "dyad train: --optimizer '%s' is not sgd or adam\n", v);
                ok = 0;
            }
        } else if (!strcmp(a, "--schedule")) {
            if (nn_schedule_kind_parse(v, &opt_cfg.schedule) != NN_OK) {
                fprintf(stderr, "dyad train: --schedule '%s' is not cosine, step or constant\n", v);
                ok = 0;
            }
        } else {
            fprintf(stderr, "dyad train: unknown option '%s' (see --help)\n", a);
            ok = 0;
        }
        if (!ok) return 2;
    }
    if (match) {
        nn_layer_spec mspecs[MAX_LAYERS];
        int n = cli_net_spec("train", layers, hidden, kind, ndyad, 10, mspecs, MAX_LAYERS);
        return n ? print_matches(match, mspecs, n, 784) : 2;
    }
    if (!out) {
        fprintf(stderr, "dyad train: --out MODEL.safetensors is required (see --help)\n");
        return 2;
    }
    if (opt_cfg.lr < 0) opt_cfg.lr = opt_cfg.kind == NN_OPTIM_SGD ? 0.05f : 0.001f;
    nn_layer_spec specs[MAX_LAYERS];
    int nlayers = cli_net_spec("train", layers, hidden, kind, ndyad, 10, specs, MAX_LAYERS);
    if (!nlayers) return 2;
    nn_compute *compute = cli_set_threads("train", threads);
    if (!compute) return 1;

    nn_error err;
    nn_dataset ds;
    const char *dir = cli_data_dir(data);
    if (nn_dataset_load(dir, &ds, &err) != NN_OK) {
        fprintf(stderr, "dyad train: %s\n", err.msg);
        if (!data && !getenv("MNIST_DIR"))
            fprintf(stderr, "dyad train: run `make data`, or point --data/MNIST_DIR at the MNIST files\n");
        nn_compute_free(compute);
        return 1;
    }
    if (train_limit && train_limit < ds.train_images.count)
        ds.train_images.count = ds.train_labels.count = train_limit;
    int in = ds.train_images.rows * ds.train_images.cols;
    if (nn_mlp_check_specs(in, specs, nlayers, &err) != NN_OK) {
        fprintf(stderr, "dyad train: %s\n", err.msg);
        nn_dataset_free(&ds);
        nn_compute_free(compute);
        return 2;
    }

    nn_mlp net;
    nn_optimizer opt = {0};
    nn_train_loop loop = {0};
    FILE *metrics = NULL;
    int status = 1;
    if (nn_mlp_create(&net, in, specs, nlayers, 1, &err) != NN_OK ||
        nn_mlp_reserve(&net, batch > EVAL_BATCH ? batch : EVAL_BATCH, &err) != NN_OK ||
        nn_optim_create(&opt, &opt_cfg, net.nparams, &err) != NN_OK ||
        nn_train_loop_create(&loop, ds.train_images.count, batch, epochs, &err) != NN_OK) {
        fprintf(stderr, "dyad train: %s\n", err.msg);
        goto done;
    }
    nn_mlp_init(&net, seed);
    net.compute = compute;
    if (metrics_path) {
        metrics = fopen(metrics_path, "w");
        if (!metrics) {
            perror(metrics_path);
            goto done;
        }
        fprintf(metrics, "epoch,train_loss,train_acc,test_acc,seconds,images_per_s\n");
    }
    char desc[512];
    nn_mlp_describe(&net, desc, sizeof desc);
    printf("net %s  (%zu parameters), %d threads\n", desc, net.nparams, nn_compute_threads(compute));
    printf("data %s: %d train, %d test; %s lr %g, %s schedule, batch %d, %d epochs, seed %llu\n",
           dir, ds.train_images.count, ds.test_images.count, nn_optim_kind_name(opt_cfg.kind),
           opt_cfg.lr, nn_schedule_kind_name(opt_cfg.schedule), batch, epochs,
           (unsigned long long)seed);
    fflush(stdout);

    nn_train_record rec;
    nn_train_record_clear(&rec);
    snprintf(rec.dataset, sizeof rec.dataset, "%s", dir);
    snprintf(rec.optimizer, sizeof rec.optimizer, "%s", nn_optim_kind_name(opt_cfg.kind));
    rec.batch = batch;
    rec.lr = opt_cfg.lr;
    rec.seed = seed;

    nn_rng shuffle;
    nn_rng_seed(&shuffle, seed ^ 0x5eed5eedULL);
    progress_state ps = {isatty(fileno(stderr))};
    for (int epoch = 1; epoch <= epochs; epoch++) {
        nn_train_progress result;
        nn_train_epoch(&loop, &net, &opt, &shuffle, &ds.train_images, &ds.train_labels, epoch,
                    &result, show_progress, 1, &ps);
        if (ps.tty) fprintf(stderr, "\n");
        if (!isfinite(result.loss)) {
            fprintf(stderr, "dyad train: the loss diverged (%g) in epoch %d; try a lower --lr "
                            "(now %g)\n", result.loss, epoch, opt_cfg.lr);
            goto done;
        }
        double test_acc = nn_train_evaluate(&net, &ds.test_images, &ds.test_labels, EVAL_BATCH, NULL);
        double ips = ds.train_images.count / result.seconds;
        printf("epoch %2d/%d  train loss %.4f  train acc %.2f%%  test acc %.2f%%  %.1f s  (%.0f images/s)\n",
               epoch, epochs, result.loss, 100 * result.accuracy, 100 * test_acc, result.seconds, ips);
        fflush(stdout);
        if (metrics) {
            fprintf(metrics, "%d,%.6f,%.6f,%.6f,%.3f,%.1f\n", epoch, result.loss, result.accuracy,
                    test_acc, result.seconds, ips);
            fflush(metrics);
        }
        rec.epochs = epoch;
        rec.test_accuracy = test_acc;
        if (nn_checkpoint_save(out, &net, &rec, &err) != NN_OK) {
            fprintf(stderr, "dyad train: %s\n", err.msg);
            goto done;
        }
    }
    printf("saved %s (test accuracy %.2f%%)\n", out, 100 * rec.test_accuracy);
    status = 0;
done:
    if (metrics && fclose(metrics) != 0) {
        perror(metrics_path);
        status = 1;
    }
    nn_train_loop_free(&loop);
    nn_optim_free(&opt);
    nn_mlp_free(&net);
    nn_dataset_free(&ds);
    nn_compute_free(compute);
    return status;
}
