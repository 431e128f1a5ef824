#include "train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

double train_now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void train_gather_batch(mlp *net, const idx_images *images, const int *indices, int count) {
    nn_gather_u8(net->acts[0], images->pixels, indices, count, images->rows * images->cols,
                 1.0f / 255.0f);
}

nn_status train_loop_create(train_loop *loop, int count, int batch, int epochs, nn_error *err) {
    memset(loop, 0, sizeof *loop);
    loop->order = malloc(sizeof(int) * (size_t)count);
    loop->labels = malloc((size_t)batch);
    if (!loop->order || !loop->labels) {
        train_loop_free(loop);
        return nn_fail(err, NN_ERR_NOMEM, "out of memory");
    }
    for (int e = 0; e < count; e++) loop->order[e] = e;
    loop->count = count;
    loop->batch = batch;
    loop->epochs = epochs;
    return NN_OK;
}

void train_loop_free(train_loop *loop) {
    free(loop->order);
    free(loop->labels);
    memset(loop, 0, sizeof *loop);
}

void train_loop_replay_order(train_loop *loop, rng *r, int shuffles) {
    for (int e = 0; e < loop->count; e++) loop->order[e] = e;
    for (int k = 0; k < shuffles; k++) rng_shuffle(r, loop->order, loop->count);
}

double train_divergence_bound(double first_epoch_loss, int classes) {
    double cap = TRAIN_DIVERGENCE_FACTOR * log(classes > 1 ? (double)classes : 2.0);
    double bound = TRAIN_DIVERGENCE_FACTOR * first_epoch_loss;
    return first_epoch_loss >= 0 && bound < cap ? bound : cap;
}

train_outcome train_epoch(train_loop *loop, mlp *net, optimizer *opt, rng *r,
                          const idx_images *images, const idx_labels *labels, int epoch,
                          train_progress *result, train_progress_fn progress, int progress_every,
                          void *user) {
    if (loop->batches_done == 0) {
        rng_shuffle(r, loop->order, loop->count);
        loop->loss_sum = 0, loop->hits = 0, loop->seen = 0;
    }
    int nbatches = (loop->count + loop->batch - 1) / loop->batch;
    long total_steps = (long)nbatches * loop->epochs;
    double start = train_now_seconds();
    long seen_before = loop->seen;
    train_outcome outcome = TRAIN_EPOCH_DONE;
    train_progress p = {.epoch = epoch, .nbatches = nbatches, .batch_index = loop->batches_done};
    for (int bi = loop->batches_done; bi < nbatches; bi++) {
        int first = bi * loop->batch;
        int count = loop->count - first < loop->batch ? loop->count - first : loop->batch;
        const int *idx = loop->order + first;
        for (int s = 0; s < count; s++) loop->labels[s] = labels->labels[idx[s]];
        if (loop->augment)
            augment_gather_batch(loop->augment, net->compute, net->acts[0], images, idx, count, epoch);
        else
            train_gather_batch(net, images, idx, count);
        mlp_forward(net, count);
        int correct = 0;
        float lr = optim_lr_at(&opt->cfg, loop->step, total_steps);
        float loss = optim_backward_step(opt, net, loop->labels, count, lr, &correct);
        if (!isfinite(loss)) {
            /* optim_backward_step takes no step on a non-finite loss: the state
             * stays that of the last finite one */
            p.batch_index = bi + 1;
            p.loss = loss;
            outcome = TRAIN_DIVERGED;
            break;
        }
        loop->loss_sum += loss * count; /* in float, as the reported losses always were */
        loop->hits += correct;
        loop->seen += count;
        loop->step++;
        loop->batches_done = bi + 1;
        p.batch_index = bi + 1;
        p.samples = loop->seen - seen_before;
        p.seconds = train_now_seconds() - start;
        p.loss = loop->loss_sum / loop->seen;
        p.accuracy = (double)loop->hits / loop->seen;
        if (progress && (p.batch_index % progress_every == 0 || bi + 1 == nbatches))
            progress(&p, user);
        if (bi + 1 < nbatches && loop->stop && *loop->stop) {
            outcome = TRAIN_STOPPED;
            break;
        }
    }
    if (outcome == TRAIN_EPOCH_DONE) loop->batches_done = 0; /* the sums stay until the next shuffle */
    *result = p;
    return outcome;
}

nn_status train_predict(mlp *net, const idx_images *images, int batch, uint8_t *pred) {
    if (batch > net->max_batch) batch = net->max_batch; /* the work buffers bound the batch */
    int *idx = malloc(sizeof(int) * (size_t)batch);
    if (!idx) return NN_ERR_NOMEM;
    for (int first = 0; first < images->count; first += batch) {
        int count = images->count - first < batch ? images->count - first : batch;
        for (int s = 0; s < count; s++) idx[s] = first + s;
        train_gather_batch(net, images, idx, count);
        nn_argmax_columns(mlp_forward(net, count), mlp_classes(net), count, pred + first);
    }
    free(idx);
    return NN_OK;
}

double train_evaluate(mlp *net, const idx_images *images, const idx_labels *labels, int batch,
                      int *confusion) {
    int classes = mlp_classes(net);
    uint8_t *pred = malloc((size_t)images->count);
    if (!pred || train_predict(net, images, batch, pred) != NN_OK) {
        free(pred);
        return -1.0;
    }
    if (confusion) memset(confusion, 0, sizeof(int) * (size_t)classes * classes);
    long hits = 0;
    for (int s = 0; s < images->count; s++) {
        int label = labels->labels[s];
        hits += pred[s] == label;
        /* A label the model has no class for (see dataset_check_model) is a
         * miss, never an index past the matrix. */
        if (confusion && label < classes) confusion[label * classes + pred[s]]++;
    }
    free(pred);
    return (double)hits / images->count;
}
