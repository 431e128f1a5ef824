#include "train.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

double train_now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void train_gather_batch(mlp *net, const idx_images *images, const int *indices, int count) {
    int pixels = images->rows * images->cols;
    float *x = net->acts[0];
    for (int s = 0; s < count; s++) {
        const uint8_t *src = images->pixels + (size_t)indices[s] * pixels;
        for (int p = 0; p < pixels; p++) x[(size_t)p * count + s] = src[p] * (1.0f / 255.0f);
    }
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

void train_epoch(train_loop *loop, mlp *net, optimizer *opt, rng *r, const idx_images *images,
                 const idx_labels *labels, int epoch, train_progress *result,
                 train_progress_fn progress, int progress_every, void *user) {
    rng_shuffle(r, loop->order, loop->count);
    int nbatches = (loop->count + loop->batch - 1) / loop->batch;
    long total_steps = (long)nbatches * loop->epochs;
    double start = train_now_seconds(), loss_sum = 0;
    long hits = 0, seen = 0;
    train_progress p = {.epoch = epoch, .nbatches = nbatches};
    for (int bi = 0; bi < nbatches; bi++) {
        int first = bi * loop->batch;
        int count = loop->count - first < loop->batch ? loop->count - first : loop->batch;
        const int *idx = loop->order + first;
        for (int s = 0; s < count; s++) loop->labels[s] = labels->labels[idx[s]];
        train_gather_batch(net, images, idx, count);
        mlp_forward(net, count);
        int correct = 0;
        loss_sum += mlp_backward(net, loop->labels, count, &correct) * count;
        hits += correct;
        seen += count;
        optim_step(opt, net, optim_lr_at(&opt->cfg, loop->step, total_steps));
        loop->step++;
        p.batch_index = bi + 1;
        p.samples = seen;
        p.seconds = train_now_seconds() - start;
        p.loss = loss_sum / seen;
        p.accuracy = (double)hits / seen;
        if (progress && (p.batch_index % progress_every == 0 || bi + 1 == nbatches))
            progress(&p, user);
    }
    *result = p;
}

nn_status train_predict(mlp *net, const idx_images *images, int batch, uint8_t *pred) {
    int classes = mlp_classes(net);
    if (batch > net->max_batch) batch = net->max_batch; /* the work buffers bound the batch */
    int *idx = malloc(sizeof(int) * (size_t)batch);
    if (!idx) return NN_ERR_NOMEM;
    for (int first = 0; first < images->count; first += batch) {
        int count = images->count - first < batch ? images->count - first : batch;
        for (int s = 0; s < count; s++) idx[s] = first + s;
        train_gather_batch(net, images, idx, count);
        const float *logits = mlp_forward(net, count);
        for (int s = 0; s < count; s++) {
            int arg = 0;
            for (int c = 1; c < classes; c++)
                if (logits[(size_t)c * count + s] > logits[(size_t)arg * count + s]) arg = c;
            pred[first + s] = (uint8_t)arg;
        }
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
