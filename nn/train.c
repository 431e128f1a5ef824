#include "train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

double nn_train_now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void nn_train_gather_batch(nn_mlp *net, const nn_idx_images *images, const int *indices, int count) {
    nn_gather_u8(net->acts[0], images->pixels, indices, count, images->rows * images->cols,
                 1.0f / 255.0f);
}

nn_status nn_train_loop_create(nn_train_loop *loop, int count, int batch, int epochs, nn_error *err) {
    memset(loop, 0, sizeof *loop);
    loop->order = malloc(sizeof(int) * (size_t)count);
    loop->labels = malloc((size_t)batch);
    if (!loop->order || !loop->labels) {
        nn_train_loop_free(loop);
        return nn_fail(err, NN_ERR_NOMEM, "out of memory");
    }
    for (int e = 0; e < count; e++) loop->order[e] = e;
    loop->count = count;
    loop->batch = batch;
    loop->epochs = epochs;
    return NN_OK;
}

void nn_train_loop_free(nn_train_loop *loop) {
    free(loop->order);
    free(loop->labels);
    memset(loop, 0, sizeof *loop);
}

void nn_train_loop_replay_order(nn_train_loop *loop, nn_rng *r, int shuffles) {
    for (int e = 0; e < loop->count; e++) loop->order[e] = e;
    for (int k = 0; k < shuffles; k++) nn_rng_shuffle(r, loop->order, loop->count);
}

double nn_train_divergence_bound(double first_epoch_loss, int classes) {
    double cap = NN_TRAIN_DIVERGENCE_FACTOR * log(classes > 1 ? (double)classes : 2.0);
    double bound = NN_TRAIN_DIVERGENCE_FACTOR * first_epoch_loss;
    return first_epoch_loss >= 0 && bound < cap ? bound : cap;
}

nn_train_outcome nn_train_epoch(nn_train_loop *loop, nn_mlp *net, nn_optimizer *opt, nn_rng *r,
                          const nn_idx_images *images, const nn_idx_labels *labels, int epoch,
                          nn_train_progress *result, nn_train_progress_fn progress, int progress_every,
                          void *user) {
    if (loop->batches_done == 0) {
        nn_rng_shuffle(r, loop->order, loop->count);
        loop->loss_sum = 0, loop->hits = 0, loop->seen = 0;
    }
    int nbatches = (loop->count + loop->batch - 1) / loop->batch;
    long total_steps = (long)nbatches * loop->epochs;
    double start = nn_train_now_seconds();
    long seen_before = loop->seen;
    nn_train_outcome outcome = NN_TRAIN_EPOCH_DONE;
    nn_train_progress p = {.epoch = epoch, .nbatches = nbatches, .batch_index = loop->batches_done};
    for (int bi = loop->batches_done; bi < nbatches; bi++) {
        int first = bi * loop->batch;
        int count = loop->count - first < loop->batch ? loop->count - first : loop->batch;
        const int *idx = loop->order + first;
        for (int s = 0; s < count; s++) loop->labels[s] = labels->labels[idx[s]];
        if (loop->augment)
            nn_augment_gather_batch(loop->augment, net->compute, net->acts[0], images, idx, count, epoch);
        else
            nn_train_gather_batch(net, images, idx, count);
        nn_mlp_forward(net, count);
        int correct = 0;
        float lr = nn_optim_lr_at(&opt->cfg, loop->step, total_steps);
        float loss = nn_optim_backward_step(opt, net, loop->labels, count, lr, &correct);
        if (!isfinite(loss)) {
            /* nn_optim_backward_step takes no step on a non-finite loss: the state
             * stays that of the last finite one */
            p.batch_index = bi + 1;
            p.loss = loss;
            outcome = NN_TRAIN_DIVERGED;
            break;
        }
        loop->loss_sum += loss * count; /* in float, as the reported losses always were */
        loop->hits += correct;
        loop->seen += count;
        loop->step++;
        loop->batches_done = bi + 1;
        p.batch_index = bi + 1;
        p.samples = loop->seen - seen_before;
        p.seconds = nn_train_now_seconds() - start;
        p.loss = loop->loss_sum / loop->seen;
        p.accuracy = (double)loop->hits / loop->seen;
        if (progress && (p.batch_index % progress_every == 0 || bi + 1 == nbatches))
            progress(&p, user);
        if (bi + 1 < nbatches && loop->stop && *loop->stop) {
            outcome = NN_TRAIN_STOPPED;
            break;
        }
    }
    if (outcome == NN_TRAIN_EPOCH_DONE) loop->batches_done = 0; /* the sums stay until the next shuffle */
    *result = p;
    return outcome;
}

nn_status nn_train_predict(nn_mlp *net, const nn_idx_images *images, int batch, uint8_t *pred) {
    if (batch > net->max_batch) batch = net->max_batch; /* the work buffers bound the batch */
    int *idx = malloc(sizeof(int) * (size_t)batch);
    if (!idx) return NN_ERR_NOMEM;
    for (int first = 0; first < images->count; first += batch) {
        int count = images->count - first < batch ? images->count - first : batch;
        for (int s = 0; s < count; s++) idx[s] = first + s;
        nn_train_gather_batch(net, images, idx, count);
        nn_argmax_columns(nn_mlp_forward(net, count), nn_mlp_classes(net), count, pred + first);
    }
    free(idx);
    return NN_OK;
}

double nn_train_evaluate(nn_mlp *net, const nn_idx_images *images, const nn_idx_labels *labels, int batch,
                      int *confusion) {
    int classes = nn_mlp_classes(net);
    uint8_t *pred = malloc((size_t)images->count);
    if (!pred || nn_train_predict(net, images, batch, pred) != NN_OK) {
        free(pred);
        return -1.0;
    }
    if (confusion) memset(confusion, 0, sizeof(int) * (size_t)classes * classes);
    long hits = 0;
    for (int s = 0; s < images->count; s++) {
        int label = labels->labels[s];
        hits += pred[s] == label;
        /* A label the model has no class for (see nn_dataset_check_model) is a
         * miss, never an index past the matrix. */
        if (confusion && label < classes) confusion[label * classes + pred[s]]++;
    }
    free(pred);
    return (double)hits / images->count;
}
