/* A small seeded PRNG (splitmix64 seeding xoshiro256**). The state lives in
 * the caller's struct, so runs are reproducible from the seed alone. */
#ifndef NN_RNG_H
#define NN_RNG_H

#include <stdint.h>

typedef struct {
    uint64_t s[4];
} nn_rng;

void nn_rng_seed(nn_rng *r, uint64_t seed);
uint64_t nn_rng_next(nn_rng *r);
/* Uniform in [0, 1). */
float nn_rng_uniform(nn_rng *r);
/* Uniform integer in [0, n), n > 0. */
uint32_t nn_rng_below(nn_rng *r, uint32_t n);
/* Fisher-Yates shuffle of an index array. */
void nn_rng_shuffle(nn_rng *r, int *idx, int n);

#endif
