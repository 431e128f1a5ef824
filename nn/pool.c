#include "pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

/* Training dispatches jobs back to back (several per batch), and waking a
 * sleeping thread costs tens of microseconds on a VM: so a worker first spins
 * briefly on the job counter, then sleeps on the condition variable. Idle
 * pools cost nothing after the spin. */
#define SPIN_ROUNDS 4000

struct nn_pool {
    int nthreads;
    pthread_t *workers;
    pthread_mutex_t lock;
    pthread_cond_t wake, done;
    /* the current job, written before `job` is incremented */
    void (*task)(void *ctx, int index);
    void *ctx;
    int ntasks;
    atomic_int next;      /* next task index to claim */
    atomic_int busy;      /* workers still inside the current job */
    atomic_ulong job;     /* increments per job so workers see a new one */
    atomic_int stop;
};

static void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

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
    for (;;) {
        for (int r = 0; r < SPIN_ROUNDS && atomic_load(&p->job) == seen && !atomic_load(&p->stop); r++)
            cpu_relax();
        if (atomic_load(&p->job) == seen && !atomic_load(&p->stop)) {
            pthread_mutex_lock(&p->lock);
            while (atomic_load(&p->job) == seen && !atomic_load(&p->stop))
                pthread_cond_wait(&p->wake, &p->lock);
            pthread_mutex_unlock(&p->lock);
        }
        if (atomic_load(&p->stop)) return NULL;
        seen = atomic_load(&p->job);
        claim_tasks(p);
        if (atomic_fetch_sub(&p->busy, 1) == 1) {
            /* under the lock, so the caller cannot miss it between check and wait */
            pthread_mutex_lock(&p->lock);
            pthread_cond_signal(&p->done);
            pthread_mutex_unlock(&p->lock);
        }
    }
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
    atomic_init(&p->busy, 0);
    atomic_init(&p->job, 0);
    atomic_init(&p->stop, 0);
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
    atomic_store(&p->stop, 1);
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
    p->task = task;
    p->ctx = ctx;
    p->ntasks = ntasks;
    atomic_store(&p->next, 0);
    atomic_store(&p->busy, p->nthreads - 1);
    pthread_mutex_lock(&p->lock);
    atomic_fetch_add(&p->job, 1); /* publishes the fields above to spinning workers */
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->lock);
    claim_tasks(p);
    for (int r = 0; r < SPIN_ROUNDS && atomic_load(&p->busy) > 0; r++) cpu_relax();
    if (atomic_load(&p->busy) > 0) {
        pthread_mutex_lock(&p->lock);
        while (atomic_load(&p->busy) > 0) pthread_cond_wait(&p->done, &p->lock);
        pthread_mutex_unlock(&p->lock);
    }
}
