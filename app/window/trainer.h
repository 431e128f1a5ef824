/* Live training for the draw window's Training tab: a background thread
 * trains a small DYAD net and its dense twin on MNIST with nn's training
 * API, in chunks of the training set, and publishes what the tab shows
 * (curves, images/s, a copy of the parameters) under a short lock. The UI
 * thread never waits on the training: pause, resume and stop are flags;
 * a stopped trainer finishes its chunk and is joined once it is done. */
#ifndef APP_TRAINER_H
#define APP_TRAINER_H

#include <stddef.h>

#include "../../nn/error.h"
#include "../../nn/mlp.h"

#define TRAINER_MAX_POINTS 512
#define TRAINER_NETS 2

typedef struct {
    double images;   /* training images seen (per net) */
    float loss;      /* mean training loss over the last chunk */
    float test_acc;  /* accuracy on the test sample */
} trainer_point;

/* What the tab reads (trainer_snapshot copies it under the lock). */
typedef struct {
    int state;        /* TRAINER_* */
    char error[512];  /* TRAINER_FAILED: why */
    int epoch;        /* 1-based, current */
    double epoch_progress; /* 0..1 within the epoch */
    double images_per_s[TRAINER_NETS];
    int npoints;
    trainer_point points[TRAINER_NETS][TRAINER_MAX_POINTS];
    long version;     /* bumps when parameters are published */
} trainer_status;

enum { TRAINER_LOADING = 0, TRAINER_RUNNING, TRAINER_PAUSED, TRAINER_DONE, TRAINER_FAILED };

typedef struct trainer trainer;

/* The nets: 784 -> dyad-<kind>/<ndyad>:<width> x2 -> 10 and 784 -> dense:<width> x2 -> 10. */
typedef struct {
    const char *data_dir; /* MNIST directory */
    int width, ndyad;
    int epochs;           /* stops after this many */
    unsigned long seed;
} trainer_config;

/* Starts the thread (it loads the data itself). */
nn_status trainer_start(trainer **t, const trainer_config *cfg, nn_error *err);
void trainer_set_paused(trainer *t, int paused);
/* Asks the thread to stop after its current chunk; never waits. */
void trainer_request_stop(trainer *t);
/* 1 once the thread has ended (then trainer_free does not wait). */
int trainer_finished(trainer *t);
/* Joins the thread (waits for the current chunk) and frees. */
void trainer_free(trainer *t);

void trainer_snapshot(trainer *t, trainer_status *out);
/* Copies net i's published parameters into dst (same architecture as
 * trainer_specs); returns the version copied, -1 when none yet. */
long trainer_copy_params(trainer *t, int i, nn_mlp *dst);
/* The layer specs of net i (3 layers). */
void trainer_specs(const trainer_config *cfg, int i, nn_layer_spec specs[3]);

#endif
