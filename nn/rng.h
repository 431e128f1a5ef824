/* A small seeded PRNG (splitmix64 seeding xoshiro256**). The state lives in
 * the caller's struct, so runs are reproducible from the seed alone. */
#ifndef NN_RNG_H
#define NN_RNG_H

#include <stdint.h>

typedef struct {
    uint64_t s[4];
} rng;

void rng_seed(rng *r, uint64_t seed);
uint64_t rng_next(rng *r);
/* Uniform in [0, 1). */
float rng_uniform(rng *r);
/* Uniform integer in [0, n), n > 0. */
uint32_t rng_below(rng *r, uint32_t n);
/* Fisher-Yates shuffle of an index array. */
void rng_shuffle(rng *r, int *idx, int n);

#endif
