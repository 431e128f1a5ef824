/* Parameter matching between layer kinds (see layer_match.h). */
#include "layer_match.h"

#include <math.h>

#include "layer_ops_kinds.h"

size_t nn_layer_weight_count(nn_layer_kind kind, int in, int out, int ndyad, float density) {
    if (kind == NN_LAYER_SPARSE) return nn_sparse_nonzeros(in, out, density);
    nn_layer_tensor_table t;
    nn_layer_tensor_layout(kind, in, out, ndyad, &t);
    size_t count = 0;
    for (int i = 0; i < t.count; i++)
        if (t.t[i].decay) count += t.t[i].count;
    return count;
}

/* True when a is a better match for target than b (closer; ties: fewer). */
static int closer(size_t a, size_t b, size_t target) {
    double da = fabs((double)a - (double)target), db = fabs((double)b - (double)target);
    return da < db || (da == db && a < b);
}

int nn_layer_match_params(nn_layer_kind kind, int ndyad, float density, int in, int out, nn_layer_match *m,
                       int max) {
    size_t target = nn_layer_weight_count(kind, in, out, ndyad, density);
    int most = in < out ? in : out, count = 0;
    for (int k = 0; k < NN_LAYER_KIND_COUNT && count < max; k++) {
        const nn_layer_kind_info *info = nn_layer_kind_get((nn_layer_kind)k);
        if ((nn_layer_kind)k == kind || info->param == NN_LAYER_PARAM_NONE) continue;
        nn_layer_match best = {.kind = (nn_layer_kind)k, .ndyad = 0};
        if (info->param == NN_LAYER_PARAM_DENSITY) {
            double d = (double)target / ((double)in * out);
            best.ndyad = 1;
            best.density = (float)(d > 1.0 ? 1.0 : d);
            best.weights = nn_sparse_nonzeros(in, out, best.density);
        } else {
            /* blocks: every N that fits; rank: the neighbours of target/(in+out) */
            int lo = 1, hi = most;
            if (info->param == NN_LAYER_PARAM_RANK) {
                int r = (int)((double)target / (in + out));
                lo = r - 1 > 1 ? r - 1 : 1;
                hi = r + 2 < most ? r + 2 : most;
            }
            for (int n = lo; n <= hi; n++) {
                if (nn_layer_check((nn_layer_kind)k, in, out, n, NULL) != NN_OK) continue;
                size_t w = nn_layer_weight_count((nn_layer_kind)k, in, out, n, 0.0f);
                if (!best.ndyad || closer(w, best.weights, target)) {
                    best.ndyad = n;
                    best.weights = w;
                }
            }
            if (!best.ndyad) continue;
        }
        m[count++] = best;
    }
    return count;
}
