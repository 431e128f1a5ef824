/* A small persistent thread pool: the CPU backend (nn/kernels_cpu.c) owns one
 * per compute context and is its only user outside the tests; it also keeps
 * OpenBLAS on one thread while the pool owns the cores. Idle workers spin
 * briefly, then sleep on a condition variable. */
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
