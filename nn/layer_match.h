/* Comparisons at equal parameters: for one layer's shape and kind, the
 * parameter of every other kind whose weight count comes closest. */
#ifndef NN_LAYER_MATCH_H
#define NN_LAYER_MATCH_H

#include <stddef.h>

#include "layer.h"

typedef struct {
    nn_layer_kind kind;
    int ndyad;     /* blocks or rank (1 for sparse) */
    float density; /* sparse; 0 otherwise */
    size_t weights; /* trained weights, biases excluded (every kind has out biases) */
} nn_layer_match;

/* Trained weights of a layer, biases excluded (sparse: the mask's ones). */
size_t nn_layer_weight_count(nn_layer_kind kind, int in, int out, int ndyad, float density);

/* For a layer in -> out of the given kind and parameter, fills m (at most
 * max) with, for each other kind that takes a parameter and has one valid
 * for these widths, the parameter whose weight count is closest (ties: the
 * smaller count). Returns how many. */
int nn_layer_match_params(nn_layer_kind kind, int ndyad, float density, int in, int out, nn_layer_match *m,
                       int max);

#endif
