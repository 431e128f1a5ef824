/* Input gradients (see input_grad.h): a backward pass of one sample that
 * writes the layers' parameter gradients into scratch space, not net->grads. */
#include "input_grad.h"

#include <stdlib.h>
#include <string.h>

const float *nn_mlp_layer_output(const nn_mlp *net, int index) {
    if (!net->acts || index < 0 || index >= net->nlayers) return NULL;
    return net->acts[index + 1];
}

nn_status nn_mlp_input_gradient(nn_mlp *net, const float *x, int index, int unit, float *dx,
                             nn_error *err) {
    if (index < 0 || index >= net->nlayers || unit < 0 || unit >= net->layers[index].out)
        return nn_fail(err, NN_ERR_ARG, "input gradient: no unit %d in layer %d", unit, index);
    if (!net->acts || net->max_batch < 1)
        return nn_fail(err, NN_ERR_ARG, "input gradient: call mlp_reserve first");
    memcpy(net->acts[0], x, sizeof(float) * (size_t)net->in);
    nn_mlp_forward(net, 1);

    /* scratch: the widest layer's parameter gradients and two vectors */
    size_t grad_max = 0;
    int width = net->in;
    for (int i = 0; i <= index; i++) {
        const nn_layer *l = &net->layers[i];
        size_t c = nn_layer_param_count(l->kind, l->in, l->out, l->ndyad);
        if (c > grad_max) grad_max = c;
        if (l->out > width) width = l->out;
    }
    float *scratch = malloc(sizeof(float) * grad_max);
    float *dy = calloc((size_t)width, sizeof(float));
    float *dprev = malloc(sizeof(float) * (size_t)width);
    if (!scratch || !dy || !dprev) {
        free(scratch);
        free(dy);
        free(dprev);
        return nn_fail(err, NN_ERR_NOMEM, "input gradient: out of memory");
    }
    dy[unit] = 1.0f;
    for (int i = index; i >= 0; i--) {
        nn_layer l = net->layers[i];
        /* the same parameters, gradients into scratch */
        nn_layer_bind(&l, l.kind == NN_LAYER_DENSE ? l.param.weight : l.param.wl, scratch);
        if (l.relu) { /* through the ReLU: only where the output was positive */
            const float *y = net->acts[i + 1];
            for (int o = 0; o < l.out; o++)
                if (y[o] <= 0.0f) dy[o] = 0.0f;
        }
        nn_layer_backward(&l, net->acts[i], dy, dprev, 1, NULL);
        float *t = dy;
        dy = dprev;
        dprev = t;
    }
    memcpy(dx, dy, sizeof(float) * (size_t)net->in);
    free(scratch);
    free(dy);
    free(dprev);
    return NN_OK;
}
