/* A small persistent thread pool for running a DYAD layer's blocks side by
 * side. The pool's owner (an MLP, a benchmark) creates it; there is no
 * global pool. While the pool runs tasks, OpenBLAS is switched to one thread
 * so the two threading layers never compete for the cores; idle workers sleep
 * on a condition variable rather than spinning, so dense GEMMs between pool
 * runs get the cores to themselves. */
#ifndef NN_POOL_H
#define NN_POOL_H

#include "error.h"

typedef struct nn_pool nn_pool;

/* threads counts the caller: 2 means one worker plus the calling thread. */
nn_status nn_pool_create(nn_pool **pool, int threads, nn_error *err);
void nn_pool_free(nn_pool *pool);
int nn_pool_threads(const nn_pool *pool);

/* Runs task(ctx, i) for i in [0, ntasks) across the pool and returns when all
 * are done. A NULL pool runs them in order on the caller. */
void nn_pool_run(nn_pool *pool, int ntasks, void (*task)(void *ctx, int index), void *ctx);

#endif
