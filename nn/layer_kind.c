/* The one table of layer kinds: names for the command line, checkpoints,
 * help texts and the window, the BLOCK TRANS index maps, the tensors and the
 * compute functions. Everything else asks this table. */
#include <stdio.h>
#include <string.h>

#include "layer.h"
#include "layer_ops.h"
#include "layer_ops_kinds.h"

static const layer_kind_info kinds[LAYER_KIND_COUNT] = {
    [LAYER_DENSE] = {LAYER_DENSE, "dense", "dense", "dense", "one full weight matrix", 0, 0, 0,
                     dense_tensors, dense_forward, dense_backward, dense_dense_weight,
                     dense_weight_part, LAYER_PARAM_NONE, NULL, NULL, NULL, NULL},
    [LAYER_DYAD_IT] = {LAYER_DYAD_IT, "dyad-it", "IT", "DYAD-IT (input transposed)",
                       "BLOCK TRANS reads strided inputs", 1, 1, 0, dyad_tensors, dyad_forward,
                       dyad_backward, dyad_dense_weight, dyad_weight_part, LAYER_PARAM_BLOCKS,
                       NULL, NULL, NULL, NULL},
    [LAYER_DYAD_OT] = {LAYER_DYAD_OT, "dyad-ot", "OT", "DYAD-OT (output transposed)",
                       "BLOCK TRANS writes strided outputs", 1, 0, 1, dyad_tensors, dyad_forward,
                       dyad_backward, dyad_dense_weight, dyad_weight_part, LAYER_PARAM_BLOCKS,
                       NULL, NULL, NULL, NULL},
    [LAYER_DYAD_DT] = {LAYER_DYAD_DT, "dyad-dt", "DT", "DYAD-DT (double transposed)",
                       "BLOCK TRANS reads and writes strided", 1, 1, 1, dyad_tensors,
                       dyad_forward, dyad_backward, dyad_dense_weight, dyad_weight_part,
                       LAYER_PARAM_BLOCKS, NULL, NULL, NULL, NULL},
    /* issue 9: the structured layers DYAD is judged against */
    [LAYER_BLOCKDIAG] = {.kind = LAYER_BLOCKDIAG, .name = "blockdiag", .short_name = "BD",
                         .long_name = "BLOCK DIAG (DYAD without BLOCK TRANS)",
                         .about = "N diagonal blocks only", .blocked = 1,
                         .tensors = blockdiag_tensors, .forward = blockdiag_forward,
                         .backward = blockdiag_backward, .dense_weight = blockdiag_dense_weight,
                         .weight_part = blockdiag_weight_part, .param = LAYER_PARAM_BLOCKS,
                         .init = blockdiag_init, .nonzeros = blockdiag_nonzeros},
    [LAYER_MONARCH] = {.kind = LAYER_MONARCH, .name = "monarch", .short_name = "MON",
                       .long_name = "Monarch (M = P L P^T R)",
                       .about = "product of two N-block-diagonal factors", .blocked = 1,
                       .tensors = monarch_tensors, .forward = monarch_forward,
                       .backward = monarch_backward, .dense_weight = monarch_dense_weight,
                       .weight_part = monarch_weight_part, .param = LAYER_PARAM_BLOCKS,
                       .init = monarch_init, .nonzeros = monarch_nonzeros},
    [LAYER_LOWRANK] = {.kind = LAYER_LOWRANK, .name = "lowrank", .short_name = "LR",
                       .long_name = "low rank (W = U V)", .about = "rank-R product, /R the rank",
                       .tensors = lowrank_tensors, .forward = lowrank_forward,
                       .backward = lowrank_backward, .dense_weight = lowrank_dense_weight,
                       .weight_part = lowrank_weight_part, .param = LAYER_PARAM_RANK,
                       .check = lowrank_check, .init = lowrank_init,
                       .nonzeros = lowrank_nonzeros},
    [LAYER_SPARSE] = {.kind = LAYER_SPARSE, .name = "sparse", .short_name = "SP",
                      .long_name = "random sparse (fixed mask)",
                      .about = "dense under a fixed random mask, /D the density",
                      .tensors = sparse_tensors, .forward = sparse_forward,
                      .backward = sparse_backward, .dense_weight = sparse_dense_weight,
                      .weight_part = sparse_weight_part, .param = LAYER_PARAM_DENSITY,
                      .check = sparse_check, .init = sparse_init, .validate = sparse_validate,
                      .nonzeros = sparse_nonzeros_of},
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
