/* The one table of layer kinds: names for the command line, checkpoints,
 * help texts and the window, the BLOCK TRANS index maps, the tensors and the
 * compute functions. Everything else asks this table. */
#include <stdio.h>
#include <string.h>

#include "layer.h"
#include "layer_ops.h"

static const nn_layer_kind_info kinds[NN_LAYER_KIND_COUNT] = {
    [NN_LAYER_DENSE] = {NN_LAYER_DENSE, "dense", "dense", "dense", "one full weight matrix", 0, 0, 0,
                     nn_dense_tensors, nn_dense_forward, nn_dense_backward, nn_dense_dense_weight,
                     nn_dense_weight_part},
    [NN_LAYER_DYAD_IT] = {NN_LAYER_DYAD_IT, "dyad-it", "IT", "DYAD-IT (input transposed)",
                       "BLOCK TRANS reads strided inputs", 1, 1, 0, nn_dyad_tensors, nn_dyad_forward,
                       nn_dyad_backward, nn_dyad_dense_weight, nn_dyad_weight_part},
    [NN_LAYER_DYAD_OT] = {NN_LAYER_DYAD_OT, "dyad-ot", "OT", "DYAD-OT (output transposed)",
                       "BLOCK TRANS writes strided outputs", 1, 0, 1, nn_dyad_tensors, nn_dyad_forward,
                       nn_dyad_backward, nn_dyad_dense_weight, nn_dyad_weight_part},
    [NN_LAYER_DYAD_DT] = {NN_LAYER_DYAD_DT, "dyad-dt", "DT", "DYAD-DT (double transposed)",
                       "BLOCK TRANS reads and writes strided", 1, 1, 1, nn_dyad_tensors,
                       nn_dyad_forward, nn_dyad_backward, nn_dyad_dense_weight, nn_dyad_weight_part},
};

const nn_layer_kind_info *nn_layer_kind_get(nn_layer_kind kind) {
    if ((int)kind < 0 || kind >= NN_LAYER_KIND_COUNT) return NULL;
    return &kinds[kind];
}

const char *nn_layer_kind_name(nn_layer_kind kind) {
    const nn_layer_kind_info *k = nn_layer_kind_get(kind);
    return k ? k->name : "unknown";
}

nn_status nn_layer_kind_parse(const char *name, nn_layer_kind *kind) {
    for (int k = 0; k < NN_LAYER_KIND_COUNT; k++) {
        if (strcmp(name, kinds[k].name) == 0) {
            *kind = (nn_layer_kind)k;
            return NN_OK;
        }
    }
    return NN_ERR_ARG;
}

void nn_layer_kind_list(char *buf, size_t size, const char *sep, int blocked_only) {
    size_t used = 0;
    if (size) buf[0] = 0;
    for (int k = 0; k < NN_LAYER_KIND_COUNT && used < size; k++) {
        if (blocked_only && !kinds[k].blocked) continue;
        used += (size_t)snprintf(buf + used, size - used, "%s%s", used ? sep : "", kinds[k].name);
    }
}
