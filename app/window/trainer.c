/* The Training tab's background trainer (see trainer.h). */
#include "trainer.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../nn/dataset.h"
#include "../../nn/optim.h"
#include "../../nn/rng.h"
#include "../../nn/train.h"

#define CHUNK 3000       /* training images between publications */
#define BATCH 64
#define TEST_SAMPLE 2000 /* test images for the curve */

struct trainer {
    trainer_config cfg;
    char data_dir[1024];
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int paused, stop, finished;
    trainer_status status;
    float *published[TRAINER_NETS]; /* parameter copies for the UI */
    size_t nparams[TRAINER_NETS];
};

void trainer_specs(const trainer_config *cfg, int i, nn_layer_spec specs[3]) {
    nn_layer_kind hidden = i == 0 ? NN_LAYER_DYAD_IT : NN_LAYER_DENSE;
    int n = i == 0 ? cfg->ndyad : 1;
    specs[0] = (nn_layer_spec){hidden, n, cfg->width, 0.0f};
    specs[1] = (nn_layer_spec){hidden, n, cfg->width, 0.0f};
    specs[2] = (nn_layer_spec){NN_LAYER_DENSE, 1, 10, 0.0f};
}

static void fail(trainer *t, const char *msg) {
    pthread_mutex_lock(&t->lock);
    snprintf(t->status.error, sizeof t->status.error, "%s", msg);
    t->status.state = TRAINER_FAILED;
    pthread_mutex_unlock(&t->lock);
}

/* Waits while paused; returns 1 when asked to stop. */
static int wait_running(trainer *t) {
    pthread_mutex_lock(&t->lock);
    while (t->paused && !t->stop) {
        t->status.state = TRAINER_PAUSED;
        pthread_cond_wait(&t->wake, &t->lock);
    }
    if (!t->stop) t->status.state = TRAINER_RUNNING;
    int stop = t->stop;
    pthread_mutex_unlock(&t->lock);
    return stop;
}

static nn_idx_images slice_images(const nn_idx_images *all, int first, int count) {
    nn_idx_images s = *all;
    s.count = count;
    s.pixels = all->pixels + (size_t)first * all->rows * all->cols;
    return s;
}

static nn_idx_labels slice_labels(const nn_idx_labels *all, int first, int count) {
    nn_idx_labels s = *all;
    s.count = count;
    s.labels = all->labels + first;
    return s;
}

static void *run(void *arg) {
    trainer *t = arg;
    nn_error err;
    nn_dataset ds;
    memset(&ds, 0, sizeof ds);
    if (nn_dataset_load(t->data_dir, &ds, &err) != NN_OK) {
        fail(t, err.msg);
        goto out;
    }
    nn_mlp nets[TRAINER_NETS];
    nn_optimizer opts[TRAINER_NETS];
    nn_train_loop loops[TRAINER_NETS];
    memset(nets, 0, sizeof nets);
    memset(opts, 0, sizeof opts);
    memset(loops, 0, sizeof loops);
    nn_rng shuffle;
    nn_rng_seed(&shuffle, t->cfg.seed ^ 0x5eedULL);
    int ok = 1;
    for (int i = 0; i < TRAINER_NETS && ok; i++) {
        nn_layer_spec specs[3];
        trainer_specs(&t->cfg, i, specs);
        nn_optim_config oc = {.kind = NN_OPTIM_ADAM, .lr = 1e-3f, .momentum = 0.9f, .beta1 = 0.9f,
                           .beta2 = 0.999f, .eps = 1e-8f, .weight_decay = 0.0f,
                           .schedule = NN_SCHEDULE_CONSTANT, .warmup_steps = 0};
        ok = nn_mlp_create(&nets[i], 784, specs, 3, 1, &err) == NN_OK &&
             nn_mlp_reserve(&nets[i], 256, &err) == NN_OK &&
             nn_optim_create(&opts[i], &oc, nets[i].nparams, &err) == NN_OK &&
             nn_train_loop_create(&loops[i], CHUNK, BATCH, 1, &err) == NN_OK;
        if (ok) nn_mlp_init(&nets[i], t->cfg.seed + (unsigned long)i);
    }
    if (!ok) {
        fail(t, err.msg);
        goto free_nets;
    }
    int count = ds.train_images.count, chunks = (count + CHUNK - 1) / CHUNK;
    nn_idx_images test = slice_images(&ds.test_images, 0,
                                   ds.test_images.count < TEST_SAMPLE ? ds.test_images.count
                                                                      : TEST_SAMPLE);
    nn_idx_labels test_l = slice_labels(&ds.test_labels, 0, test.count);
    double seen = 0;
    for (int epoch = 1; epoch <= t->cfg.epochs; epoch++) {
        for (int c = 0; c < chunks; c++) {
            if (wait_running(t)) goto free_nets;
            int first = c * CHUNK, n = count - first < CHUNK ? count - first : CHUNK;
            nn_idx_images part = slice_images(&ds.train_images, first, n);
            nn_idx_labels part_l = slice_labels(&ds.train_labels, first, n);
            trainer_point pt[TRAINER_NETS];
            double speed[TRAINER_NETS];
            for (int i = 0; i < TRAINER_NETS; i++) {
                loops[i].count = n; /* the last chunk may be shorter */
                for (int k = 0; k < n; k++) loops[i].order[k] = k;
                nn_train_progress res;
                nn_train_epoch(&loops[i], &nets[i], &opts[i], &shuffle, &part, &part_l, epoch, &res,
                            NULL, 1, NULL);
                speed[i] = res.seconds > 0 ? n / res.seconds : 0;
                double acc = nn_train_evaluate(&nets[i], &test, &test_l, 256, NULL);
                pt[i] = (trainer_point){seen + n, (float)res.loss, (float)acc};
            }
            seen += n;
            /* publish: a short lock, copies only */
            pthread_mutex_lock(&t->lock);
            trainer_status *s = &t->status;
            s->epoch = epoch;
            s->epoch_progress = (double)(first + n) / count;
            for (int i = 0; i < TRAINER_NETS; i++) {
                s->images_per_s[i] = speed[i];
                memcpy(t->published[i], nets[i].params, sizeof(float) * t->nparams[i]);
            }
            if (s->npoints == TRAINER_MAX_POINTS) { /* keep every other point */
                for (int i = 0; i < TRAINER_NETS; i++)
                    for (int k = 0; k < TRAINER_MAX_POINTS / 2; k++)
                        s->points[i][k] = s->points[i][2 * k + 1];
                s->npoints = TRAINER_MAX_POINTS / 2;
            }
            for (int i = 0; i < TRAINER_NETS; i++) s->points[i][s->npoints] = pt[i];
            s->npoints++;
            s->version++;
            pthread_mutex_unlock(&t->lock);
        }
    }
    pthread_mutex_lock(&t->lock);
    t->status.state = TRAINER_DONE;
    pthread_mutex_unlock(&t->lock);
free_nets:
    for (int i = 0; i < TRAINER_NETS; i++) {
        nn_train_loop_free(&loops[i]);
        nn_optim_free(&opts[i]);
        nn_mlp_free(&nets[i]);
    }
    nn_dataset_free(&ds);
out:
    pthread_mutex_lock(&t->lock);
    t->finished = 1;
    if (t->status.state == TRAINER_RUNNING || t->status.state == TRAINER_PAUSED ||
        t->status.state == TRAINER_LOADING)
        t->status.state = TRAINER_DONE;
    pthread_mutex_unlock(&t->lock);
    return NULL;
}

nn_status trainer_start(trainer **out, const trainer_config *cfg, nn_error *err) {
    *out = NULL;
    trainer *t = calloc(1, sizeof *t);
    if (!t) return nn_fail(err, NN_ERR_NOMEM, "out of memory for the trainer");
    t->cfg = *cfg;
    snprintf(t->data_dir, sizeof t->data_dir, "%s", cfg->data_dir ? cfg->data_dir : "");
    t->cfg.data_dir = t->data_dir;
    for (int i = 0; i < TRAINER_NETS; i++) {
        nn_layer_spec specs[3];
        trainer_specs(cfg, i, specs);
        size_t np = 0;
        int in = 784;
        for (int k = 0; k < 3; k++) {
            np += nn_layer_param_count(specs[k].kind, in, specs[k].out, specs[k].ndyad);
            in = specs[k].out;
        }
        t->nparams[i] = np;
        t->published[i] = calloc(np, sizeof(float));
        if (!t->published[i]) {
            for (int k = 0; k < i; k++) free(t->published[k]);
            free(t);
            return nn_fail(err, NN_ERR_NOMEM, "out of memory for the trainer");
        }
    }
    pthread_mutex_init(&t->lock, NULL);
    pthread_cond_init(&t->wake, NULL);
    if (pthread_create(&t->thread, NULL, run, t) != 0) {
        pthread_mutex_destroy(&t->lock);
        pthread_cond_destroy(&t->wake);
        for (int i = 0; i < TRAINER_NETS; i++) free(t->published[i]);
        free(t);
        return nn_fail(err, NN_ERR_IO, "cannot start the training thread");
    }
    *out = t;
    return NN_OK;
}

void trainer_set_paused(trainer *t, int paused) {
    pthread_mutex_lock(&t->lock);
    t->paused = paused;
    pthread_cond_broadcast(&t->wake);
    pthread_mutex_unlock(&t->lock);
}

void trainer_request_stop(trainer *t) {
    pthread_mutex_lock(&t->lock);
    t->stop = 1;
    pthread_cond_broadcast(&t->wake);
    pthread_mutex_unlock(&t->lock);
}

int trainer_finished(trainer *t) {
    pthread_mutex_lock(&t->lock);
    int done = t->finished;
    pthread_mutex_unlock(&t->lock);
    return done;
}

void trainer_free(trainer *t) {
    if (!t) return;
    trainer_request_stop(t);
    pthread_join(t->thread, NULL);
    pthread_mutex_destroy(&t->lock);
    pthread_cond_destroy(&t->wake);
    for (int i = 0; i < TRAINER_NETS; i++) free(t->published[i]);
    free(t);
}

void trainer_snapshot(trainer *t, trainer_status *out) {
    pthread_mutex_lock(&t->lock);
    *out = t->status;
    pthread_mutex_unlock(&t->lock);
}

long trainer_copy_params(trainer *t, int i, nn_mlp *dst) {
    if (i < 0 || i >= TRAINER_NETS || dst->nparams != t->nparams[i]) return -1;
    pthread_mutex_lock(&t->lock);
    long v = t->status.version;
    if (v > 0) memcpy(dst->params, t->published[i], sizeof(float) * t->nparams[i]);
    pthread_mutex_unlock(&t->lock);
    return v > 0 ? v : -1;
}
