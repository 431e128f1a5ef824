/* The one table of layer kinds: names for the command line, checkpoints,
 * help texts and the window, the BLOCK TRANS index maps, the tensors and the
 * compute functions. Everything else asks this table. */
#include <stdio.h>
#include <string.h>

#include "layer.h"
#include "layer_ops.h"

static const layer_kind_info kinds[LAYER_KIND_COUNT] = {
    [LAYER_DENSE] = {LAYER_DENSE, "dense", "dense", "dense", "one full weight matrix", 0, 0, 0,
                     dense_tensors, dense_forward, dense_backward, dense_dense_weight,
                     dense_weight_part},
    [LAYER_DYAD_IT] = {LAYER_DYAD_IT, "dyad-it", "IT", "DYAD-IT (input transposed)",
                       "BLOCK TRANS reads strided inputs", 1, 1, 0, dyad_tensors, dyad_forward,
                       dyad_backward, dyad_dense_weight, dyad_weight_part},
    [LAYER_DYAD_OT] = {LAYER_DYAD_OT, "dyad-ot", "OT", "DYAD-OT (output transposed)",
                       "BLOCK TRANS writes strided outputs", 1, 0, 1, dyad_tensors, dyad_forward,
                       dyad_backward, dyad_dense_weight, dyad_weight_part},
    [LAYER_DYAD_DT] = {LAYER_DYAD_DT, "dyad-dt", "DT", "DYAD-DT (double transposed)",
                       "BLOCK TRANS reads and writes strided", 1, 1, 1, dyad_tensors,
                       dyad_forward, dyad_backward, dyad_dense_weight, dyad_weight_part},
};

const layer_kind_info *layer_kind_get(layer_kind kind) {
    if ((int)kind < 0 || kind >= LAYER_KIND_COUNT) return NULL;
    return &kinds[kind];
}

const char *layer_kind_name(layer_kind kind) {
    const layer_kind_info *k = layer_kind_get(kind);
    return k ? k->name : "unknown";
}

nn_status layer_kind_parse(const char *name, layer_kind *kind) {
    for (int k = 0; k < LAYER_KIND_COUNT; k++) {
        if (strcmp(name, kinds[k].name) == 0) {
            *kind = (layer_kind)k;
            return NN_OK;
        }
    }
    return NN_ERR_ARG;
}

void layer_kind_list(char *buf, size_t size, const char *sep, int blocked_only) {
    size_t used = 0;
    if (size) buf[0] = 0;
    for (int k = 0; k < LAYER_KIND_COUNT && used < size; k++) {
        if (blocked_only && !kinds[k].blocked) continue;
        used += (size_t)snprintf(buf + used, size - used, "%s%s", used ? sep : "", kinds[k].name);
    }
}
