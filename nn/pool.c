#include "pool.h"

#include <cblas.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

struct nn_pool {
    int nthreads;
    pthread_t *workers;
    pthread_mutex_t lock;
    pthread_cond_t wake, done;
    /* the current job */
    void (*task)(void *ctx, int index);
    void *ctx;
    int ntasks;
    atomic_int next;       /* next task index to claim */
    int busy;              /* workers still inside the current job */
    unsigned long job;     /* increments per job so workers see a new one */
    int stop;
};

static void claim_tasks(nn_pool *p) {
    for (;;) {
        int i = atomic_fetch_add(&p->next, 1);
        if (i >= p->ntasks) return;
        p->task(p->ctx, i);
    }
}

static void *worker_main(void *arg) {
    nn_pool *p = arg;
    unsigned long seen = 0;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (!p->stop && p->job == seen) pthread_cond_wait(&p->wake, &p->lock);
        if (p->stop) break;
        seen = p->job;
        pthread_mutex_unlock(&p->lock);
        claim_tasks(p);
        pthread_mutex_lock(&p->lock);
        if (--p->busy == 0) pthread_cond_signal(&p->done);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

nn_status nn_pool_create(nn_pool **pool, int threads, nn_error *err) {
    *pool = NULL;
    if (threads < 1) return nn_fail(err, NN_ERR_ARG, "a pool needs at least one thread");
    nn_pool *p = calloc(1, sizeof *p);
    if (!p) return nn_fail(err, NN_ERR_NOMEM, "out of memory for a thread pool");
    p->nthreads = threads;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->wake, NULL);
    pthread_cond_init(&p->done, NULL);
    atomic_init(&p->next, 0);
    if (threads > 1) {
        p->workers = calloc((size_t)threads - 1, sizeof(pthread_t));
        if (!p->workers) {
            nn_pool_free(p);
            return nn_fail(err, NN_ERR_NOMEM, "out of memory for a thread pool");
        }
        for (int t = 0; t < threads - 1; t++) {
            if (pthread_create(&p->workers[t], NULL, worker_main, p) != 0) {
                p->nthreads = t + 1; /* join only those started */
                nn_pool_free(p);
                return nn_fail(err, NN_ERR_ARG, "could not start pool thread %d", t);
            }
        }
    }
    *pool = p;
    return NN_OK;
}

void nn_pool_free(nn_pool *p) {
    if (!p) return;
    pthread_mutex_lock(&p->lock);
    p->stop = 1;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->lock);
    for (int t = 0; p->workers && t < p->nthreads - 1; t++) pthread_join(p->workers[t], NULL);
    pthread_cond_destroy(&p->wake);
    pthread_cond_destroy(&p->done);
    pthread_mutex_destroy(&p->lock);
    free(p->workers);
    free(p);
}

int nn_pool_threads(const nn_pool *p) { return p ? p->nthreads : 1; }

void nn_pool_run(nn_pool *p, int ntasks, void (*task)(void *ctx, int index), void *ctx) {
    if (!p || p->nthreads == 1 || ntasks < 2) {
        for (int i = 0; i < ntasks; i++) task(ctx, i);
        return;
    }
    /* one BLAS thread per task while the blocks run side by side */
    int blas_threads = openblas_get_num_threads();
    if (blas_threads != 1) openblas_set_num_threads(1);
    pthread_mutex_lock(&p->lock);
    p->task = task;
    p->ctx = ctx;
    p->ntasks = ntasks;
    atomic_store(&p->next, 0);
    p->busy = p->nthreads - 1;
    p->job++;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->lock);
    claim_tasks(p);
    pthread_mutex_lock(&p->lock);
    while (p->busy > 0) pthread_cond_wait(&p->done, &p->lock);
    pthread_mutex_unlock(&p->lock);
    if (blas_threads != 1) openblas_set_num_threads(blas_threads);
}
