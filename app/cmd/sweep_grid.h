/* The grid of a study (dyad sweep): a JSON file naming datasets, groups of
 * nets, seeds, epochs and the training hyperparameters, expanded into one
 * run per (group, dataset, net, seed). Every net is checked with the same
 * spec parser `dyad train` uses before any run starts.
 *
 * Format (assets/study/grid.json is the full study):
 *   { "name": "quick",
 *     "datasets": {"mnist": "$MNIST_DIR", "fashion-mnist": "/usr/share/datasets/fashion-mnist"},
 *     "seeds": [1, 2, 3], "epochs": 10, "train_limit": 0,
 *     "args": ["--optimizer", "sgd", "--lr", "0.05", "--batch", "64"],
 *     "calibration_images": 8192,
 *     "groups": [
 *       {"name": "ndyad", "datasets": ["mnist"], "hidden": [[1024, 1024]],
 *        "kinds": ["dense", "dyad-it"], "ndyad": [2, 4, 8, 32]},
 *       {"name": "mix", "nets": [{"label": "IT+OT", "layers": "dyad-it/4:1024,dyad-ot/4:1024,dense:10"}]},
 *       {"name": "baselines", "disabled": "why", ...} ] }
 * A group may override seeds, epochs, train_limit and args. "$MNIST_DIR"
 * means that variable, else data/. Where a DYAD layer's widths are not
 * multiples of the requested ndyad (784 inputs at ndyad 32 or 64), that layer
 * uses the largest divisor of ndyad (at least 2) that fits; the run's net
 * spec shows it and its note says so. */
#ifndef APP_SWEEP_GRID_H
#define APP_SWEEP_GRID_H

#include <stddef.h>
#include <stdint.h>

#define SWEEP_MAX_ARGS 24

typedef struct {
    char id[17];         /* 16 hex digits: hash of key */
    char key[2304];      /* what makes the run: dataset, net, seed, epochs, limit, args */
    char group[64];
    char label[512];     /* "dyad-it/4", or the group's label for a spelled-out net */
    char dataset[32];
    char data_dir[1024];
    char net[512];       /* the --layers spec given to dyad train */
    char kind[32];       /* the hidden layers' kind, or "mixed" */
    char param[32];      /* requested ndyad (or the kind's parameter); "" for dense */
    char dense_id[17];   /* the dense net of the same widths, same dataset/seed/... */
    char note[160];
    uint64_t seed;
    int epochs, train_limit;
    int nargs;
    char args[SWEEP_MAX_ARGS][64];
    size_t params;
    double cost; /* relative cost for time estimates */
} sweep_run;

typedef struct {
    char name[64];
    int calibration_images;
    int nruns;
    sweep_run *runs; /* dense nets first, then grid order */
    int ndisabled;
    char disabled[16][320]; /* "group: reason" of each disabled group */
} sweep_grid;

/* Loads and expands path. Returns 1, or 0 with a one-line message in err
 * ("GRID: group 'x': ..."). */
int sweep_grid_load(const char *path, sweep_grid *g, char *err, size_t errsize);
void sweep_grid_free(sweep_grid *g);

/* 64-bit FNV-1a of text as 16 hex digits. */
void sweep_hash(const char *text, char out[17]);

/* Cost of a run in the unit the time estimates use: epochs x images (eval
 * counted as a third of a training image) x (parameters + a fixed share). */
double sweep_run_cost(size_t params, int epochs, int train_images);

#endif
