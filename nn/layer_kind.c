/* The one table of layer kinds: names for the command line, checkpoints,
 * help texts and the window, the BLOCK TRANS index maps, the tensors and the
 * compute functions. Everything else asks this table. */
#include <stdio.h>
#include <string.h>

#include "layer.h"
#include "layer_ops.h"
#include "layer_ops_kinds.h"

static const nn_layer_kind_info kinds[NN_LAYER_KIND_COUNT] = {
    [NN_LAYER_DENSE] = {NN_LAYER_DENSE, "dense", "dense", "dense", "one full weight matrix", 0, 0, 0,
                     nn_dense_tensors, nn_dense_forward, nn_dense_backward, nn_dense_dense_weight,
                     nn_dense_weight_part, NN_LAYER_PARAM_NONE, NULL, NULL, NULL, NULL},
    [NN_LAYER_DYAD_IT] = {NN_LAYER_DYAD_IT, "dyad-it", "IT", "DYAD-IT (input transposed)",
                       "BLOCK TRANS reads strided inputs", 1, 1, 0, nn_dyad_tensors, nn_dyad_forward,
                       nn_dyad_backward, nn_dyad_dense_weight, nn_dyad_weight_part, NN_LAYER_PARAM_BLOCKS,
                       NULL, NULL, NULL, NULL},
    [NN_LAYER_DYAD_OT] = {NN_LAYER_DYAD_OT, "dyad-ot", "OT", "DYAD-OT (output transposed)",
                       "BLOCK TRANS writes strided outputs", 1, 0, 1, nn_dyad_tensors, nn_dyad_forward,
                       nn_dyad_backward, nn_dyad_dense_weight, nn_dyad_weight_part, NN_LAYER_PARAM_BLOCKS,
                       NULL, NULL, NULL, NULL},
    [NN_LAYER_DYAD_DT] = {NN_LAYER_DYAD_DT, "dyad-dt", "DT", "DYAD-DT (double transposed)",
                       "BLOCK TRANS reads and writes strided", 1, 1, 1, nn_dyad_tensors,
                       nn_dyad_forward, nn_dyad_backward, nn_dyad_dense_weight, nn_dyad_weight_part,
                       NN_LAYER_PARAM_BLOCKS, NULL, NULL, NULL, NULL},
    /* issue 9: the structured layers DYAD is judged against */
    [NN_LAYER_BLOCKDIAG] = {.kind = NN_LAYER_BLOCKDIAG, .name = "blockdiag", .short_name = "BD",
                         .long_name = "BLOCK DIAG (DYAD without BLOCK TRANS)",
                         .about = "N diagonal blocks only", .blocked = 1,
                         .tensors = nn_blockdiag_tensors, .forward = nn_blockdiag_forward,
                         .backward = nn_blockdiag_backward, .dense_weight = nn_blockdiag_dense_weight,
                         .weight_part = nn_blockdiag_weight_part, .param = NN_LAYER_PARAM_BLOCKS,
                         .init = nn_blockdiag_init, .nonzeros = nn_blockdiag_nonzeros},
    [NN_LAYER_MONARCH] = {.kind = NN_LAYER_MONARCH, .name = "monarch", .short_name = "MON",
                       .long_name = "Monarch (M = P L P^T R)",
                       .about = "product of two N-block-diagonal factors", .blocked = 1,
                       .tensors = nn_monarch_tensors, .forward = nn_monarch_forward,
                       .backward = nn_monarch_backward, .dense_weight = nn_monarch_dense_weight,
                       .weight_part = nn_monarch_weight_part, .param = NN_LAYER_PARAM_BLOCKS,
                       .init = nn_monarch_init, .nonzeros = nn_monarch_nonzeros},
    [NN_LAYER_LOWRANK] = {.kind = NN_LAYER_LOWRANK, .name = "lowrank", .short_name = "LR",
                       .long_name = "low rank (W = U V)", .about = "rank-R product, /R the rank",
                       .tensors = nn_lowrank_tensors, .forward = nn_lowrank_forward,
                       .backward = nn_lowrank_backward, .dense_weight = nn_lowrank_dense_weight,
                       .weight_part = nn_lowrank_weight_part, .param = NN_LAYER_PARAM_RANK,
                       .check = nn_lowrank_check, .init = nn_lowrank_init,
                       .nonzeros = nn_lowrank_nonzeros},
    [NN_LAYER_SPARSE] = {.kind = NN_LAYER_SPARSE, .name = "sparse", .short_name = "SP",
                      .long_name = "random sparse (fixed mask)",
                      .about = "dense under a fixed random mask, /D the density",
                      .tensors = nn_sparse_tensors, .forward = nn_sparse_forward,
                      .backward = nn_sparse_backward, .dense_weight = nn_sparse_dense_weight,
                      .weight_part = nn_sparse_weight_part, .param = NN_LAYER_PARAM_DENSITY,
                      .check = nn_sparse_check, .init = nn_sparse_init, .validate = nn_sparse_validate,
                      .nonzeros = nn_sparse_nonzeros_of},
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
