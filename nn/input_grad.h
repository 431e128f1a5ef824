/* Gradients with respect to the input, for explanations: which input
 * pixels would most change a unit's activation or a class's logit
 * (saliency maps, receptive fields for one drawing). */
#ifndef NN_INPUT_GRAD_H
#define NN_INPUT_GRAD_H

#include "error.h"
#include "mlp.h"

/* After nn_mlp_forward with batch 1 (e.g. nn_mlp_predict): layer `index`'s output
 * (post-ReLU for hidden layers, logits for the last), one value per unit. */
const float *nn_mlp_layer_output(const nn_mlp *net, int index);

/* dx (net->in values) = d out[index][unit] / d x at x: the gradient of one
 * unit's output (post-ReLU; for the last layer a logit) with respect to the
 * input. Runs a forward pass on x (batch 1; needs nn_mlp_reserve(net, >= 1))
 * and a backward pass that leaves net->grads untouched, so it works on an
 * inference-only net. */
nn_status nn_mlp_input_gradient(nn_mlp *net, const float *x, int index, int unit, float *dx,
                             nn_error *err);

#endif
