/* A multilayer perceptron: a stack of dense and DYAD layers with ReLU between
 * them and softmax cross-entropy on the last one's outputs.
 *
 * All parameters live in one flat buffer (and their gradients in another), so
 * optimisers and checkpoints see a single array; each layer points into it. */
#ifndef NN_MLP_H
#define NN_MLP_H

#include <stdint.h>

#include "error.h"
#include "layer.h"

/* One layer as written on the command line: KIND[/PARAM]:WIDTH. PARAM is
 * ndyad (blocks, or lowrank's rank) or, for sparse, density. */
typedef struct {
    nn_layer_kind kind;
    int ndyad;
    int out;
    float density; /* sparse only; 0 otherwise */
} nn_layer_spec;

typedef struct {
    int in;       /* input features (784 for MNIST) */
    int nlayers;
    nn_layer *layers;
    size_t nparams;
    float *params;
    float *grads; /* NULL for an inference-only net */
    nn_compute *compute; /* threads and kernels; NULL: serial. Owned by the caller. */
    nn_compute *device;  /* non-NULL: params, grads and work buffers are this GPU context's
                          * memory (nn_mlp_to_device); compute is the same context */

    /* Work buffers, sized for max_batch samples (nn_mlp_reserve). */
    int max_batch;
    float **acts;  /* acts[0]: input (in x B); acts[i+1]: output of layer i */
    float **dacts; /* gradients w.r.t. acts[i+1] (training only) */
} nn_mlp;

/* Builds the net; every layer but the last gets a ReLU. with_grads allocates
 * gradient buffers for training. Parameters are zero until nn_mlp_init. */
nn_status nn_mlp_create(nn_mlp *net, int in, const nn_layer_spec *specs, int nlayers, int with_grads,
                     nn_error *err);
void nn_mlp_free(nn_mlp *net);

/* A copy of host (same layers, same parameters) whose parameters, gradients
 * (when host has them) and work buffers live on the GPU context c. Such a
 * net trains and evaluates like any other (nn/train.h); checkpoints and the
 * window read a host net, refreshed with nn_mlp_copy_params. */
nn_status nn_mlp_to_device(nn_mlp *dev, const nn_mlp *host, nn_compute *c, nn_error *err);

/* Copies the parameters of src into dst, two nets of the same layers, each
 * on the host or on a device. */
void nn_mlp_copy_params(nn_mlp *dst, const nn_mlp *src);

/* Parameters training changes (nn_layer_trained_count summed): nparams less
 * what is fixed, such as a sparse layer's mask and the weights it zeroes. */
size_t nn_mlp_trained_count(const nn_mlp *net);

/* Reference initialisation from a seed. */
void nn_mlp_init(nn_mlp *net, uint64_t seed);

/* Makes sure the work buffers hold batch samples. */
nn_status nn_mlp_reserve(nn_mlp *net, int batch, nn_error *err);

/* Forward pass on acts[0], which the caller fills (in x batch, feature-major).
 * Returns the logits (classes x batch). */
const float *nn_mlp_forward(nn_mlp *net, int batch);

/* After nn_mlp_forward: softmax cross-entropy against labels, gradients of the
 * mean loss into net->grads. Returns the mean loss; *correct counts argmax hits
 * (correct may be NULL). */
float nn_mlp_backward(nn_mlp *net, const uint8_t *labels, int batch, int *correct);

/* nn_mlp_backward fused with one SGD-with-momentum step: every layer's dW GEMM
 * accumulates into the velocity (laid out like net->params) and the weights
 * are updated right after, block by block. Same maths as nn_mlp_backward then
 * the SGD update of nn/optim.c, to float rounding. */
float nn_mlp_backward_sgd(nn_mlp *net, const uint8_t *labels, int batch, int *correct,
                       float *velocity, float lr, float momentum, float weight_decay);

/* Convenience for one sample: x holds net->in features; probs gets
 * classes probabilities (softmax). Needs nn_mlp_reserve(net, >=1); a host net. */
void nn_mlp_predict(nn_mlp *net, const float *x, float *probs);

int nn_mlp_classes(const nn_mlp *net);

/* Parses "dyad-it/4:1024,sparse/0.25:1024,dense:10" into specs (at most max). Returns the
 * count, or -1 with err set. */
int nn_mlp_parse_layers(const char *text, nn_layer_spec *specs, int max, nn_error *err);

/* Checks every layer of specs fits (ndyad divides widths, ...). */
nn_status nn_mlp_check_specs(int in, const nn_layer_spec *specs, int nlayers, nn_error *err);

/* "784 -> dyad-it/4:1024 -> dense:10" style summary into buf. */
void nn_mlp_describe(const nn_mlp *net, char *buf, size_t size);

#endif
