/* dyad train: the whole training run, llm.c style: parse flags, check every
 * output before any work, load data, build (or resume) the net, loop over
 * epochs, save. SIGINT/SIGTERM stop it cleanly between two steps with a
 * resumable checkpoint; a diverging loss stops it without touching the last
 * good one. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../nn/checkpoint.h"
#include "../../nn/dataset.h"
#include "../../nn/layer_match.h"
#include "../../nn/file_check.h"
#include "../../nn/train.h"
#include "augment_cli.h"
#include "cli.h"
#include "commands.h"

#define MAX_LAYERS 32
#define EVAL_BATCH 1000 /* larger GEMMs for the test pass */
#define NCLASSES 10

static const char usage[] =
    "usage: dyad train --out MODEL.safetensors [options]\n"
    "       dyad train --resume MODEL.safetensors [--out FILE] [--metrics FILE.csv] [--threads N]\n"
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
    "  --device D          cpu | cuda (default cpu; cuda needs a build with make CUDA=1)\n"
    "  --precision P       cuda GEMMs: fp32 | tf32 | bf16 tensor cores (default fp32)\n"
    "  --metrics FILE.csv  per-epoch metrics (epoch,train_loss,train_acc,test_acc,seconds,images_per_s)\n"
    "  --resume FILE       continue the run saved in FILE, exactly where it stopped: net,\n"
    "                      optimiser state, schedule, batch, epochs, seed, data subset and\n"
    "                      shuffling come from FILE (those flags cannot be given again);\n"
    "                      --out defaults to FILE, --data to the run's; --metrics continues\n"
    "                      the CSV after the last finished epoch\n"
    "\n"
    "Every output path is checked before training: a missing or unwritable directory, a target\n"
    "that is not a regular file, or an output that is one of the inputs stops with exit 2.\n"
    "Checkpoints written before the last epoch carry the optimiser state (about 2x the model's\n"
    "size for sgd, 3x for adam) so they can be resumed; the final one holds the model only.\n"
    "Ctrl-C (SIGINT) or SIGTERM: the step in progress finishes, the checkpoint is written with\n"
    "the optimiser state, the command prints how to resume and exits 130 (SIGINT) or 143\n"
    "(SIGTERM). With the same --threads, a resumed run ends bit-identical to an uninterrupted one.\n"
    "Divergence: a non-finite loss at any step, or an epoch's mean loss above 5x the first\n"
    "epoch's (and never above 5 x ln(10) = 11.5, the loss of a uniform guess), stops with exit 1\n"
    "and leaves the last good checkpoint as it was.\n"
    "\n"
    "example: dyad train --hidden 1024,1024 --kind dyad-it --ndyad 4 --epochs 10 --out m.safetensors\n";

/* The only state a signal handler touches. */
static volatile sig_atomic_t stop_signal = 0;

static void on_stop_signal(int sig) { stop_signal = sig; }

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
    /* test hook: DYAD_TRAIN_RAISE_AT="EPOCH:BATCH:SIGNAL" sends the process
     * that signal (INT or TERM) right after that batch, a stop at an exact step */
    int raise_epoch, raise_batch, raise_sig;
} progress_state;

static void parse_raise_hook(progress_state *ps) {
    const char *hook = getenv("DYAD_TRAIN_RAISE_AT");
    char name[8];
    if (hook && sscanf(hook, "%d:%d:%7s", &ps->raise_epoch, &ps->raise_batch, name) == 3)
        ps->raise_sig = !strcmp(name, "TERM") ? SIGTERM : !strcmp(name, "INT") ? SIGINT : 0;
}

static void show_progress(const nn_train_progress *p, void *user) {
    const progress_state *ps = user;
    if (ps->raise_sig && p->epoch == ps->raise_epoch && p->batch_index == ps->raise_batch)
        raise(ps->raise_sig);
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

typedef struct {
    const char *data, *out, *metrics, *resume;
    const char *layers, *hidden, *kind, *match;
    const char *device, *precision;
    const char *fixed_flag; /* first flag given that --resume takes from the checkpoint */
    int ndyad, batch, epochs, threads, train_limit;
    uint64_t seed;
    nn_optim_config opt;
    augment_cli aug;
} train_args;

/* 1 when parsed, 0 after --help, -1 on a bad argument (message printed). */
static int parse_args(int argc, char **argv, train_args *a) {
    *a = (train_args){.batch = 64, .epochs = 10, .seed = 1,
                      .opt = {.kind = NN_OPTIM_SGD, .lr = -1, .momentum = 0.9f, .beta1 = 0.9f,
                              .beta2 = 0.999f, .eps = 1e-8f, .weight_decay = 0.0f,
                              .schedule = NN_SCHEDULE_COSINE, .warmup_steps = 0}};
    augment_cli_init(&a->aug);
    for (int i = 1; i < argc; i++) {
        const char *f = argv[i], *v = NULL;
        if (!strcmp(f, "--help") || !strcmp(f, "-h")) {
            char kinds[128];
            nn_layer_kind_list(kinds, sizeof kinds, " | ", 0);
            printf(usage, kinds);
            printf("\naugmentation (training images only; test images are never distorted):\n%s",
                   augment_cli_usage());
            return 0;
        }
        if (strncmp(f, "--", 2) != 0 || !(v = cli_value("train", argc, argv, &i))) {
            if (!v && strncmp(f, "--", 2) != 0)
                fprintf(stderr, "dyad train: unexpected argument '%s' (see --help)\n", f);
            return -1;
        }
        int ok = 1, run_setting = 1;
        if (!strcmp(f, "--data")) a->data = v, run_setting = 0;
        else if (!strcmp(f, "--out")) a->out = v, run_setting = 0;
        else if (!strcmp(f, "--metrics")) a->metrics = v, run_setting = 0;
        else if (!strcmp(f, "--resume")) a->resume = v, run_setting = 0;
        else if (!strcmp(f, "--device")) a->device = v, run_setting = 0;
        else if (!strcmp(f, "--precision")) a->precision = v, run_setting = 0;
        else if (!strcmp(f, "--threads")) ok = cli_int("train", f, v, 1, 1024, &a->threads), run_setting = 0;
        else if (!strcmp(f, "--layers")) a->layers = v;
        else if (!strcmp(f, "--hidden")) a->hidden = v;
        else if (!strcmp(f, "--match-params")) a->match = v, run_setting = 0;
        else if (!strcmp(f, "--kind")) a->kind = v;
        else if (!strcmp(f, "--ndyad")) ok = cli_int("train", f, v, 1, 1 << 20, &a->ndyad);
        else if (!strcmp(f, "--batch")) ok = cli_int("train", f, v, 1, 1 << 16, &a->batch);
        else if (!strcmp(f, "--epochs")) ok = cli_int("train", f, v, 1, 100000, &a->epochs);
        else if (!strcmp(f, "--train-limit")) ok = cli_int("train", f, v, 1, 1 << 30, &a->train_limit);
        else if (!strcmp(f, "--seed")) ok = cli_u64("train", f, v, &a->seed);
        else if (!strcmp(f, "--lr")) ok = cli_float("train", f, v, 1e-9, 100, &a->opt.lr);
        else if (!strcmp(f, "--momentum")) ok = cli_float("train", f, v, 0, 0.9999, &a->opt.momentum);
        else if (!strcmp(f, "--weight-decay")) ok = cli_float("train", f, v, 0, 1, &a->opt.weight_decay);
        else if (!strcmp(f, "--warmup")) ok = cli_int("train", f, v, 0, 1 << 30, &a->opt.warmup_steps);
        else if (!strcmp(f, "--optimizer")) {
            if (nn_optim_kind_parse(v, &a->opt.kind) != NN_OK) {
                fprintf(stderr, "dyad train: --optimizer '%s' is not sgd or adam\n", v);
                ok = 0;
            }
        } else if (!strcmp(f, "--schedule")) {
            if (nn_schedule_kind_parse(v, &a->opt.schedule) != NN_OK) {
                fprintf(stderr, "dyad train: --schedule '%s' is not cosine, step or constant\n", v);
                ok = 0;
            }
        } else if (!augment_cli_option(&a->aug, "train", f, v, &ok)) {
            fprintf(stderr, "dyad train: unknown option '%s' (see --help)\n", f);
            ok = 0;
        }
        if (!ok) return -1;
        if (run_setting && !a->fixed_flag) a->fixed_flag = f;
    }
    if (a->resume && a->fixed_flag) {
        fprintf(stderr, "dyad train: %s cannot be given with --resume: %s holds the run's "
                        "settings (only --out, --metrics, --data and --threads may change)\n",
                a->fixed_flag, a->resume);
        return -1;
    }
    if (a->resume && !a->out) a->out = a->resume;
    if (a->match) return 1; /* prints a table, trains nothing */
    if (!a->out) {
        fprintf(stderr, "dyad train: --out MODEL.safetensors is required (see --help)\n");
        return -1;
    }
    if (!augment_cli_check(&a->aug, "train")) return -1;
    a->aug.cfg.seed = a->seed;
    if (a->opt.lr < 0) a->opt.lr = a->opt.kind == NN_OPTIM_SGD ? 0.05f : 0.001f;
    return 1;
}

/* Every output can be written and none is an input; 0 (message printed) if not. */
static int check_outputs(const train_args *a) {
    nn_error err;
    if (nn_file_check_output("--out", a->out, &err) != NN_OK ||
        (a->metrics && nn_file_check_output("--metrics", a->metrics, &err) != NN_OK) ||
        (a->metrics && nn_file_check_not_input("--metrics", a->metrics, "--out", a->out, &err) != NN_OK) ||
        (a->metrics && a->resume &&
         nn_file_check_not_input("--metrics", a->metrics, "--resume", a->resume, &err) != NN_OK)) {
        fprintf(stderr, "dyad train: %s\n", err.msg);
        return 0;
    }
    return 1;
}

/* No output may be one of the dataset's files (each name raw or .gz, in both
 * spellings the loader accepts: a superset of what it opens). */
static int check_not_dataset(const train_args *a, const char *dir) {
    static const char *const names[] = {
        "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
        "t10k-labels-idx1-ubyte",  "train-images.idx3-ubyte", "train-labels.idx1-ubyte",
        "t10k-images.idx3-ubyte",  "t10k-labels.idx1-ubyte"};
    const char *outs[2][2] = {{"--out", a->out}, {"--metrics", a->metrics}};
    char path[4200];
    nn_error err;
    for (int n = 0; n < 8; n++)
        for (int gz = 0; gz < 2; gz++) {
            snprintf(path, sizeof path, "%s/%s%s", dir, names[n], gz ? ".gz" : "");
            if (access(path, F_OK) != 0) continue;
            for (int o = 0; o < 2; o++)
                if (outs[o][1] &&
                    nn_file_check_not_input(outs[o][0], outs[o][1], "the dataset file", path, &err) != NN_OK) {
                    fprintf(stderr, "dyad train: %s\n", err.msg);
                    return 0;
                }
        }
    return 1;
}

/* ------------------------------------------------------------ metrics CSV */

static const char metrics_header[] = "epoch,train_loss,train_acc,test_acc,seconds,images_per_s\n";

/* A failed write is reported once, naming the file. */
static int metrics_check(FILE *f, const char *path) {
    if (fflush(f) == 0 && !ferror(f)) return 1;
    fprintf(stderr, "dyad train: --metrics %s: cannot write: %s\n", path,
            errno ? strerror(errno) : "write error");
    return 0;
}

/* Opens the CSV: fresh with its header, or on resume the old one's header and
 * rows of finished epochs (<= done), so the file reads as one run. */
static FILE *metrics_open(const char *path, int resume, int done) {
    char *kept = NULL;
    size_t kept_len = 0;
    FILE *old = resume ? fopen(path, "r") : NULL;
    if (old) {
        FILE *mem = open_memstream(&kept, &kept_len);
        char line[1024];
        int first = 1;
        while (mem && fgets(line, sizeof line, old)) {
            if (!first && atoi(line) > done) break; /* rows past the checkpoint */
            if (first && strcmp(line, metrics_header) != 0) break; /* not our CSV: start anew */
            fputs(line, mem);
            first = 0;
        }
        fclose(old);
        if (mem) fclose(mem);
    }
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "dyad train: --metrics %s: cannot open: %s\n", path, strerror(errno));
        free(kept);
        return NULL;
    }
    errno = 0;
    if (kept_len) fwrite(kept, 1, kept_len, f);
    else fputs(metrics_header, f);
    free(kept);
    if (!metrics_check(f, path)) {
        fclose(f);
        return NULL;
    }
    return f;
}

/* --------------------------------------------------------------- the run */

typedef struct {
    const train_args *a;
    const char *dir;
    nn_dataset ds;
    nn_mlp net;
    nn_optimizer opt;
    nn_train_loop loop;
    nn_train_record rec;
    nn_rng shuffle;
    nn_train_resume rs; /* with --resume: where the run stood */
    augment_cli aug;     /* the run's augmentation: the flags', or on resume the record's */
    nn_augment_plan plan;
    nn_dataset_identity ident; /* the data by name and content */
    nn_compute *compute;
    /* train_net is what trains: net itself, or its copy on a GPU (dev), whose
     * parameters come back to net before every save */
    nn_mlp dev, *train_net;
    int first_epoch, epochs;
    int saved_epoch; /* the last epoch this run wrote to --out, 0 if none */
    double first_loss;
} run;

static void fill_resume(const run *r, int epoch, nn_train_resume *rs) {
    *rs = (nn_train_resume){.epochs = r->epochs, .epoch = epoch,
                         .batches_done = r->loop.batches_done, .step = r->loop.step,
                         .train_count = r->loop.count, .loss_sum = r->loop.loss_sum,
                         .hits = r->loop.hits, .seen = r->loop.seen, .first_loss = r->first_loss};
    if (rs->batches_done == 0) rs->loss_sum = 0, rs->hits = 0, rs->seen = 0;
    memcpy(rs->rng, r->shuffle.s, sizeof rs->rng);
}

static void print_resume_hint(const run *r, int sig, const char *where) {
    const train_args *a = r->a;
    fprintf(stderr, "dyad train: stopped by %s %s; %s holds the model and the training state.\n"
                    "resume with: dyad train --resume %s", sig == SIGTERM ? "SIGTERM" : "SIGINT",
            where, a->out, a->out);
    if (a->metrics) fprintf(stderr, " --metrics %s", a->metrics);
    if (a->data) fprintf(stderr, " --data %s", a->data);
    if (a->threads) fprintf(stderr, " --threads %d", a->threads);
    fprintf(stderr, "\n");
}

static void print_kept(const run *r) {
    if (r->saved_epoch > 0)
        fprintf(stderr, "dyad train: nothing written; %s keeps the last good checkpoint (epoch %d)\n",
                r->a->out, r->saved_epoch);
    else
        fprintf(stderr, "dyad train: nothing written; %s is as it was\n", r->a->out);
}

/* The augmentation a record describes ("none", or nn_augment_describe's
 * "affine,elastic --augment-rotate 10 ..."), read back through the flags. */
static int augment_from_record(augment_cli *aug, const char *desc, const char *path) {
    augment_cli_init(aug);
    char buf[sizeof ((nn_train_record *)0)->augment];
    snprintf(buf, sizeof buf, "%s", desc[0] ? desc : "none");
    char *save = NULL, *parts = strtok_r(buf, " ", &save);
    int ok = 1;
    if (!augment_cli_option(aug, "train", "--augment", parts, &ok) || !ok) goto bad;
    for (char *flag; (flag = strtok_r(NULL, " ", &save));) {
        char *value = strtok_r(NULL, " ", &save);
        if (!value || !augment_cli_option(aug, "train", flag, value, &ok) || !ok) goto bad;
    }
    return 1;
bad:
    fprintf(stderr, "dyad train: %s: its augmentation record '%s' cannot be read\n", path, desc);
    return 0;
}

/* The run's augmentation plan (none when off). 0 on failure, message printed. */
static int setup_augment(run *r) {
    nn_error err;
    if (r->a->resume && !augment_from_record(&r->aug, r->rec.augment, r->a->resume)) return 0;
    r->aug.cfg.seed = r->rec.seed;
    if (!r->aug.cfg.parts) return 1;
    if (nn_compute_on_device(r->compute)) {
        fprintf(stderr, "dyad train: --augment runs on the CPU only for now; drop --device cuda "
                        "or --augment\n");
        return 0;
    }
    if (nn_augment_plan_create(&r->plan, &r->aug.cfg, r->ds.train_images.cols,
                            r->ds.train_images.rows, nn_compute_threads(r->compute),
                            &err) != NN_OK) {
        fprintf(stderr, "dyad train: %s\n", err.msg);
        return 0;
    }
    r->loop.augment = &r->plan;
    return 1;
}

/* On a GPU: the net's device copy, and the optimiser's state moved there
 * (from --resume, or fresh). Everything else trains the host net. */
static int setup_device(run *r, int batch) {
    nn_error err;
    r->train_net = &r->net;
    if (!nn_compute_on_device(r->compute)) return 1;
    nn_optimizer host = r->opt, dev_opt;
    if (nn_mlp_to_device(&r->dev, &r->net, r->compute, &err) != NN_OK ||
        nn_mlp_reserve(&r->dev, batch > EVAL_BATCH ? batch : EVAL_BATCH, &err) != NN_OK ||
        nn_optim_create_on(&dev_opt, &host.cfg, host.n, r->compute, &err) != NN_OK) {
        fprintf(stderr, "dyad train: %s\n", err.msg);
        return 0;
    }
    nn_compute_upload(r->compute, dev_opt.m, host.m, host.n);
    if (host.v && dev_opt.v) nn_compute_upload(r->compute, dev_opt.v, host.v, host.n);
    dev_opt.step = host.step;
    nn_optim_free(&r->opt);
    r->opt = dev_opt;
    r->train_net = &r->dev;
    return 1;
}

/* Writes the checkpoint from the host copies: parameters, and with rs the
 * optimiser state (downloaded from a GPU when it lives there). */
static nn_status save_run(run *r, const nn_train_resume *rs, nn_error *err) {
    if (r->train_net != &r->net) nn_mlp_copy_params(&r->net, r->train_net);
    if (!rs) return nn_checkpoint_save(r->a->out, &r->net, &r->rec, err);
    if (!r->opt.device) return nn_checkpoint_save_training(r->a->out, &r->net, &r->rec, &r->opt, rs, err);
    nn_optimizer host = r->opt;
    host.device = NULL;
    host.m = malloc(sizeof(float) * host.n);
    host.v = r->opt.v ? malloc(sizeof(float) * host.n) : NULL;
    nn_status st;
    if (!host.m || (r->opt.v && !host.v)) {
        st = nn_fail(err, NN_ERR_NOMEM, "%s: out of memory for the optimiser state", r->a->out);
    } else {
        nn_compute_download(r->compute, host.m, r->opt.m, host.n);
        if (host.v) nn_compute_download(r->compute, host.v, r->opt.v, host.n);
        st = nn_checkpoint_save_training(r->a->out, &r->net, &r->rec, &host, rs, err);
    }
    free(host.m);
    free(host.v);
    return st;
}

/* Builds a fresh net and optimiser (specs already checked), or continues the
 * one read from --resume (already in r). 0 on failure, message printed. */
static int setup_net(run *r, const nn_layer_spec *specs, int nlayers, int in) {
    const train_args *a = r->a;
    nn_error err;
    if (a->resume) {
        const nn_train_resume rs = r->rs;
        if (r->net.in != in || nn_mlp_classes(&r->net) != NCLASSES) {
            fprintf(stderr, "dyad train: %s: the net takes %d inputs and has %d classes, the data "
                            "%d and %d\n", a->resume, r->net.in, nn_mlp_classes(&r->net), in, NCLASSES);
            return 0;
        }
        if (rs.train_count > r->ds.train_images.count) {
            fprintf(stderr, "dyad train: %s was trained on %d images, %s has only %d\n", a->resume,
                    rs.train_count, r->dir, r->ds.train_images.count);
            return 0;
        }
        r->ds.train_images.count = r->ds.train_labels.count = rs.train_count;
        r->epochs = rs.epochs;
        r->first_epoch = rs.epoch;
        r->first_loss = rs.first_loss;
        if (r->rec.batch < 1 ||
            nn_train_loop_create(&r->loop, rs.train_count, r->rec.batch, rs.epochs, &err) != NN_OK ||
            nn_mlp_reserve(&r->net, r->rec.batch > EVAL_BATCH ? r->rec.batch : EVAL_BATCH, &err) != NN_OK) {
            fprintf(stderr, "dyad train: %s: %s\n", a->resume,
                    r->rec.batch < 1 ? "no batch size recorded" : err.msg);
            return 0;
        }
        /* the shuffled order and generator, replayed from the seed and checked */
        nn_rng_seed(&r->shuffle, r->rec.seed ^ 0x5eed5eedULL);
        nn_train_loop_replay_order(&r->loop, &r->shuffle, rs.batches_done ? rs.epoch : rs.epoch - 1);
        if (memcmp(r->shuffle.s, rs.rng, sizeof rs.rng) != 0) {
            fprintf(stderr, "dyad train: %s: its shuffling state does not follow from its seed "
                            "and %d training images (a damaged or foreign file?)\n",
                    a->resume, rs.train_count);
            return 0;
        }
        r->loop.step = rs.step;
        r->loop.batches_done = rs.batches_done;
        r->loop.loss_sum = rs.loss_sum;
        r->loop.hits = rs.hits;
        r->loop.seen = rs.seen;
        return setup_device(r, r->rec.batch) && setup_augment(r);
    }
    if (a->train_limit && a->train_limit < r->ds.train_images.count)
        r->ds.train_images.count = r->ds.train_labels.count = a->train_limit;
    if (nn_mlp_create(&r->net, in, specs, nlayers, 1, &err) != NN_OK ||
        nn_mlp_reserve(&r->net, a->batch > EVAL_BATCH ? a->batch : EVAL_BATCH, &err) != NN_OK ||
        nn_optim_create(&r->opt, &a->opt, r->net.nparams, &err) != NN_OK ||
        nn_train_loop_create(&r->loop, r->ds.train_images.count, a->batch, a->epochs, &err) != NN_OK) {
        fprintf(stderr, "dyad train: %s\n", err.msg);
        return 0;
    }
    nn_mlp_init(&r->net, a->seed);
    nn_train_record_clear(&r->rec);
    nn_rng_seed(&r->shuffle, a->seed ^ 0x5eed5eedULL);
    /* the dataset by name and content, never by the folder it was read from */
    snprintf(r->rec.dataset, sizeof r->rec.dataset, "%s", r->ident.name);
    nn_dataset_sha256_json(&r->ident, r->rec.dataset_sha256, sizeof r->rec.dataset_sha256);
    r->aug = a->aug;
    nn_augment_describe(&r->aug.cfg, r->rec.augment, sizeof r->rec.augment);
    snprintf(r->rec.optimizer, sizeof r->rec.optimizer, "%s", nn_optim_kind_name(a->opt.kind));
    r->rec.batch = a->batch;
    r->rec.lr = a->opt.lr;
    r->rec.seed = a->seed;
    r->epochs = a->epochs;
    r->first_epoch = 1;
    r->first_loss = -1;
    return setup_device(r, a->batch) && setup_augment(r);
}

/* The epochs. Returns the exit status. */
static int train_epochs(run *r, FILE *metrics) {
    const train_args *a = r->a;
    nn_error err;
    progress_state ps = {isatty(fileno(stderr)), 0, 0, 0};
    parse_raise_hook(&ps);
    r->loop.stop = &stop_signal;
    long steps_at_start = r->loop.step;
    for (int epoch = r->first_epoch; epoch <= r->epochs; epoch++) {
        if (stop_signal && r->loop.step == steps_at_start) {
            fprintf(stderr, "dyad train: stopped by %s before training started; nothing written\n",
                    stop_signal == SIGTERM ? "SIGTERM" : "SIGINT");
            return 128 + stop_signal;
        }
        nn_train_progress result;
        nn_train_outcome outcome = nn_train_epoch(&r->loop, r->train_net, &r->opt, &r->shuffle,
                                            &r->ds.train_images, &r->ds.train_labels, epoch,
                                            &result, show_progress, 1, &ps);
        if (ps.tty) fprintf(stderr, "\n");
        if (outcome == NN_TRAIN_DIVERGED) {
            fprintf(stderr, "dyad train: the loss diverged: %g at epoch %d, batch %d/%d; try a "
                            "lower --lr (now %g)\n", result.loss, epoch, result.batch_index,
                    result.nbatches, r->opt.cfg.lr);
            print_kept(r);
            return 1;
        }
        if (outcome == NN_TRAIN_STOPPED) {
            int sig = stop_signal;
            nn_train_resume rs;
            fill_resume(r, epoch, &rs);
            if (save_run(r, &rs, &err) != NN_OK) {
                fprintf(stderr, "dyad train: %s\n", err.msg);
                return 1;
            }
            char where[96];
            snprintf(where, sizeof where, "in epoch %d after batch %d/%d", epoch,
                     result.batch_index, result.nbatches);
            print_resume_hint(r, sig, where);
            return 128 + sig;
        }
        double bound = nn_train_divergence_bound(epoch == 1 ? -1 : r->first_loss, NCLASSES);
        if (!(result.loss <= bound)) {
            fprintf(stderr, "dyad train: the loss diverged: epoch %d's mean loss %g is above %g "
                            "(5x the first epoch's, at most 5 x ln(%d)); try a lower --lr (now %g)\n",
                    epoch, result.loss, bound, NCLASSES, r->opt.cfg.lr);
            print_kept(r);
            return 1;
        }
        if (epoch == 1) r->first_loss = result.loss;
        double test_acc = nn_train_evaluate(r->train_net, &r->ds.test_images, &r->ds.test_labels,
                                         EVAL_BATCH, NULL);
        if (nn_compute_sync(r->compute, &err) != NN_OK) { /* a device error since the last check */
            fprintf(stderr, "dyad train: %s\n", err.msg);
            return 1;
        }
        double ips = result.seconds > 0 ? result.samples / result.seconds : 0;
        printf("epoch %2d/%d  train loss %.4f  train acc %.2f%%  test acc %.2f%%  %.1f s  (%.0f images/s)\n",
               epoch, r->epochs, result.loss, 100 * result.accuracy, 100 * test_acc,
               result.seconds, ips);
        fflush(stdout);
        if (metrics) {
            errno = 0;
            fprintf(metrics, "%d,%.6f,%.6f,%.6f,%.3f,%.1f\n", epoch, result.loss, result.accuracy,
                    test_acc, result.seconds, ips);
            if (!metrics_check(metrics, a->metrics)) return 1;
        }
        r->rec.epochs = epoch;
        r->rec.test_accuracy = test_acc;
        nn_status st;
        if (epoch < r->epochs) {
            nn_train_resume rs;
            fill_resume(r, epoch + 1, &rs);
            st = save_run(r, &rs, &err);
        } else {
            st = save_run(r, NULL, &err);
        }
        if (st != NN_OK) {
            fprintf(stderr, "dyad train: %s\n", err.msg);
            return 1;
        }
        r->saved_epoch = epoch;
        if (stop_signal && epoch < r->epochs) {
            char where[64];
            snprintf(where, sizeof where, "after epoch %d", epoch);
            print_resume_hint(r, stop_signal, where);
            return 128 + stop_signal;
        }
    }
    printf("saved %s (test accuracy %.2f%%)\n", a->out, 100 * r->rec.test_accuracy);
    return 0;
}

int cmd_train(int argc, char **argv) {
    train_args a;
    int parsed = parse_args(argc, argv, &a);
    if (parsed <= 0) return parsed == 0 ? 0 : 2;
    if (a.match) {
        nn_layer_spec mspecs[MAX_LAYERS];
        int n = cli_net_spec("train", a.layers, a.hidden, a.kind, a.ndyad, NCLASSES, mspecs,
                             MAX_LAYERS);
        return n ? print_matches(a.match, mspecs, n, 784) : 2;
    }
    nn_layer_spec specs[MAX_LAYERS];
    int nlayers = 0;
    if (!a.resume) {
        nlayers = cli_net_spec("train", a.layers, a.hidden, a.kind, a.ndyad, NCLASSES, specs,
                               MAX_LAYERS);
        if (!nlayers) return 2;
    }
    run r;
    memset(&r, 0, sizeof r);
    r.a = &a;
    nn_error err;
    /* the whole checkpoint is read before anything is written, so --out may be it */
    if (a.resume &&
        nn_checkpoint_load_training(a.resume, &r.net, &r.rec, &r.opt, &r.rs, &err) != NN_OK) {
        fprintf(stderr, "dyad train: %s\n", err.msg);
        return 1;
    }
    /* --resume without --data: the usual folder (MNIST_DIR or data/), or the folder
     * an older checkpoint recorded; the content is checked against the record below */
    r.dir = a.data ? a.data : a.resume && strchr(r.rec.dataset, '/') ? r.rec.dataset : cli_data_dir(NULL);

    nn_compute *compute = cli_compute("train", a.device, a.precision, a.threads);
    if (!compute) {
        nn_optim_free(&r.opt);
        nn_mlp_free(&r.net);
        return 1;
    }
    /* a stop from here on is handled between steps */
    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    stop_signal = 0;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);

    int status = 1;
    FILE *metrics = NULL;
    if (nn_dataset_load(r.dir, &r.ds, &err) != NN_OK) {
        fprintf(stderr, "dyad train: %s\n", err.msg);
        if (!a.data && !getenv("MNIST_DIR"))
            fprintf(stderr, "dyad train: run `make data`, or point --data/MNIST_DIR at the MNIST files\n");
        goto done;
    }
    if (nn_dataset_identify(r.dir, &r.ident, &err) != NN_OK) {
        fprintf(stderr, "dyad train: %s\n", err.msg);
        goto done;
    }
    if (a.resume && r.rec.dataset_sha256[0]) {
        char sums[sizeof r.rec.dataset_sha256];
        nn_dataset_sha256_json(&r.ident, sums, sizeof sums);
        if (strcmp(sums, r.rec.dataset_sha256) != 0) {
            fprintf(stderr, "dyad train: %s was trained on other data (%s) than %s holds; give "
                            "the run's data with --data\n", a.resume, r.rec.dataset, r.dir);
            goto done;
        }
    }
    int in = r.ds.train_images.rows * r.ds.train_images.cols;
    if (!a.resume && nn_mlp_check_specs(in, specs, nlayers, &err) != NN_OK) {
        fprintf(stderr, "dyad train: %s\n", err.msg);
        status = 2;
        goto done;
    }
    /* every output, before any work that could be lost */
    if (!check_outputs(&a) || !check_not_dataset(&a, r.dir)) {
        status = 2;
        goto done;
    }
    r.compute = compute; /* the augmentation plan sizes by it */
    if (!setup_net(&r, specs, nlayers, in)) goto done;
    r.net.compute = compute;
    if (a.metrics && !(metrics = metrics_open(a.metrics, a.resume != NULL, r.rec.epochs)))
        goto done;
    char desc[512];
    nn_mlp_describe(&r.net, desc, sizeof desc);
    if (nn_compute_on_device(compute))
        printf("net %s  (%zu parameters), %s\n", desc, nn_mlp_trained_count(&r.net),
               nn_compute_describe(compute));
    else
        printf("net %s  (%zu parameters), %d threads\n", desc, nn_mlp_trained_count(&r.net),
               nn_compute_threads(compute));
    printf("data %s: %d train, %d test; %s lr %g, %s schedule, batch %d, %d epochs, seed %llu\n",
           r.dir, r.ds.train_images.count, r.ds.test_images.count,
           nn_optim_kind_name(r.opt.cfg.kind), r.opt.cfg.lr, nn_schedule_kind_name(r.opt.cfg.schedule),
           r.loop.batch, r.epochs, (unsigned long long)r.rec.seed);
    printf("dataset %s; augment %s\n", r.rec.dataset, r.rec.augment);
    if (a.resume)
        printf("resuming %s at epoch %d, batch %d\n", a.resume, r.first_epoch, r.loop.batches_done);
    fflush(stdout);
    status = train_epochs(&r, metrics);
done:
    if (metrics) {
        errno = 0;
        if (fclose(metrics) != 0 && status == 0) {
            fprintf(stderr, "dyad train: --metrics %s: cannot write: %s\n", a.metrics,
                    strerror(errno));
            status = 1;
        }
    }
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    nn_train_loop_free(&r.loop);
    nn_augment_plan_free(&r.plan);
    nn_optim_free(&r.opt);
    if (r.train_net == &r.dev) nn_mlp_free(&r.dev);
    nn_mlp_free(&r.net);
    nn_dataset_free(&r.ds);
    nn_compute_free(compute);
    return status;
}
