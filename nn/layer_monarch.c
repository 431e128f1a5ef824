/* monarch/N: the two-factor Monarch matrix of Dao et al. (ICML 2022),
 *   M = P_out L P_mid^T R,
 * exactly as computed here. With a = in/N, b = out/N, mid = max(in, out) and
 * q = mid/N (N must divide in and out, hence mid):
 *   R = blkdiag1 [N][q][a]: block-diagonal, mid x in; block k maps inputs
 *       k*a .. k*a+a-1 to intermediate rows k*q .. k*q+q-1;
 *   L = blkdiag2 [N][b][q]: block-diagonal, out x mid, N blocks of b x q;
 *   P_n (n = N*s) is the stride permutation: (P_n v)[t*N + i] = v[i*s + t]
 *       for i < N, t < s: it deals block i's s entries to rows i, i+N, ...
 * So z = R x; block i of L reads z rows i, i+N, ..., i+(q-1)N (P_mid^T) and
 * writes y rows i, i+N, ..., i+(b-1)N (P_out); y = M x + bias. Entry by
 * entry:
 *   W[i + t*N][r*a + c] = sum over j < q with i + j*N in [r*q, r*q + q) of
 *                         blkdiag2[i][t][j] * blkdiag1[r][(i + j*N) - r*q][c].
 * These are the shapes and the order (reshape (k q) -> (r l), transpose) of
 * the reference MonarchLinear's blkdiag1/blkdiag2. Parameters: mid*(in+out)/N
 * weights (for a square layer 2*in*out/N, DYAD's count) and out biases; the
 * forward pass costs as many multiply-adds. W has no structural zero when
 * q >= N (every L block sees every R block); otherwise W[o][col] is
 * structurally zero unless some row m = o%N (mod N) lies in R's block col/a
 * (nn_monarch_weight_part). Both factors are N GEMMs on strided rows, like DYAD's
 * BLOCK TRANS; backward recomputes z = R x rather than keeping it.
 * Init: blkdiag1 uniform in +-1/sqrt(a), blkdiag2 +-1/sqrt(q) (each factor's
 * fan-in), bias +-1/sqrt(in). */
#include <math.h>
#include <string.h>

#include "layer_ops.h"
#include "layer_ops_kinds.h"

typedef struct {
    int n, a, b, mid, q;
} dims;

static dims dims_of(int in, int out, int ndyad) {
    dims d = {.n = ndyad, .a = in / ndyad, .b = out / ndyad, .mid = in > out ? in : out};
    d.q = d.mid / ndyad;
    return d;
}

void nn_monarch_tensors(int in, int out, int ndyad, nn_layer_tensor_table *table) {
    dims d = dims_of(in, out, ndyad);
    nn_layer_table_add(table, "blkdiag1", 3, (const int[]){d.n, d.q, d.a}, 1);
    nn_layer_table_add(table, "blkdiag2", 3, (const int[]){d.n, d.b, d.q}, 1);
    nn_layer_table_add(table, "bias", 1, (const int[]){out}, 0);
}

void nn_monarch_init(nn_layer *l, nn_rng *r) {
    dims d = dims_of(l->in, l->out, l->ndyad);
    const nn_layer_tensor *t = l->tensors.t;
    nn_kind_uniform(l->params + t[0].offset, t[0].count, 1.0f / sqrtf((float)d.a), r);
    nn_kind_uniform(l->params + t[1].offset, t[1].count, 1.0f / sqrtf((float)d.q), r);
    nn_kind_uniform(l->params + t[2].offset, t[2].count, 1.0f / sqrtf((float)l->in), r);
}

/* z (mid x nc, leading dimension ldz) = R x for columns [c0, c0+nc) of x. */
static nn_gemm right_factor(const nn_layer *l, dims d, const float *x, int batch, int c0, int nc,
                            float *z, int ldz) {
    return (nn_gemm){.m = d.q, .n = nc, .k = d.a, .a = nn_kind_tensor(l, l->params, "blkdiag1"),
                     .lda = d.a, .stride_a = (ptrdiff_t)d.q * d.a, .b = x + c0, .ldb = batch,
                     .stride_b = (ptrdiff_t)d.a * batch, .beta = 0.0f, .c = z, .ldc = ldz,
                     .stride_c = (ptrdiff_t)d.q * ldz};
}

void nn_monarch_forward(const nn_layer *l, const float *x, float *y, int batch, nn_compute *c) {
    nn_monarch_forward_cols(l, x, y, batch, c, batch);
}

void nn_monarch_forward_cols(const nn_layer *l, const float *x, float *y, int batch, nn_compute *c,
                     int max_cols) {
    dims d = dims_of(l->in, l->out, l->ndyad);
    nn_kind_scratch s;
    nn_kind_scratch_get(&s, c, (size_t)d.mid, max_cols < batch ? max_cols : batch);
    if (!s.cols) {
        nn_kind_poison(c, y, (size_t)l->out * batch);
        return;
    }
    const float *wl = nn_kind_tensor(l, l->params, "blkdiag2");
    for (int c0 = 0; c0 < batch; c0 += s.cols) {
        int nc = batch - c0 < s.cols ? batch - c0 : s.cols, Z = s.cols;
        nn_gemm r = right_factor(l, d, x, batch, c0, nc, s.buf, Z);
        nn_gemm_items(c, &r, 1, d.n, NULL);
        /* block i reads z rows i, i+N, ... and writes y rows i, i+N, ... */
        nn_gemm lf = {.m = d.b, .n = nc, .k = d.q, .a = wl, .lda = d.q,
                      .stride_a = (ptrdiff_t)d.b * d.q, .b = s.buf, .ldb = d.n * Z,
                      .stride_b = Z, .beta = 0.0f, .c = y + c0, .ldc = d.n * batch,
                      .stride_c = batch};
        nn_epilogue ep = {.bias = l->param.bias, .bias_stride = 1, .bias_step = d.n,
                          .relu = l->relu};
        nn_gemm_items(c, &lf, 1, d.n, &ep);
    }
    nn_kind_scratch_free(&s);
}

void nn_monarch_backward(const nn_layer *l, const float *x, const float *dy, float *dx, int batch,
                      nn_compute *c, const nn_layer_sgd *sgd, float *bias_grad) {
    nn_layer_bias_grad(l, dy, batch, c, bias_grad);
    nn_monarch_backward_cols(l, x, dy, dx, batch, c, sgd, batch);
}

void nn_monarch_backward_cols(const nn_layer *l, const float *x, const float *dy, float *dx, int batch,
                      nn_compute *c, const nn_layer_sgd *sgd, int max_cols) {
    dims d = dims_of(l->in, l->out, l->ndyad);
    nn_kind_scratch s;
    nn_kind_scratch_get(&s, c, 2 * (size_t)d.mid, max_cols < batch ? max_cols : batch);
    if (!s.cols) {
        if (dx) nn_kind_poison(c, dx, (size_t)l->in * batch);
        nn_kind_poison(c, sgd ? l->params : l->grads, l->tensors.total - (size_t)l->out);
        return;
    }
    const float *wr = nn_kind_tensor(l, l->params, "blkdiag1");
    const float *wl = nn_kind_tensor(l, l->params, "blkdiag2");
    int fused = s.cols >= batch, Z = s.cols;
    float *z = s.buf, *dz = s.buf + (size_t)d.mid * Z;
    nn_epilogue ep = {.lr = sgd ? sgd->lr : 0.0f, .weight_decay = sgd ? sgd->weight_decay : 0.0f};
    for (int c0 = 0; c0 < batch; c0 += s.cols) {
        int nc = batch - c0 < s.cols ? batch - c0 : s.cols;
        nn_gemm r = right_factor(l, d, x, batch, c0, nc, z, Z);
        nn_gemm_items(c, &r, 1, d.n, NULL);
        /* dz rows i, i+N, ... = L_i^T dy rows i, i+N, ... (before L changes) */
        nn_gemm dzg = {.trans_a = 1, .m = d.q, .n = nc, .k = d.b, .a = wl, .lda = d.q,
                       .stride_a = (ptrdiff_t)d.b * d.q, .b = dy + c0, .ldb = d.n * batch,
                       .stride_b = batch, .beta = 0.0f, .c = dz, .ldc = d.n * Z, .stride_c = Z};
        nn_gemm_items(c, &dzg, 1, d.n, NULL);
        /* dL_i = dy_i z_i^T on the same strided rows */
        nn_kind_grad_target tl = nn_kind_grad_for(l, "blkdiag2", sgd, fused, c0 == 0);
        nn_gemm dl = {.trans_b = 1, .m = d.b, .n = d.q, .k = nc, .a = dy + c0,
                      .lda = d.n * batch, .stride_a = batch, .b = z, .ldb = d.n * Z,
                      .stride_b = Z, .beta = tl.beta, .c = tl.c, .ldc = d.q,
                      .stride_c = (ptrdiff_t)d.b * d.q, .sgd_param = tl.sgd_param};
        nn_gemm_items(c, &dl, 1, d.n, &ep);
        if (dx) { /* dx_k = R_k^T dz_k, before R changes */
            nn_gemm g = {.trans_a = 1, .m = d.a, .n = nc, .k = d.q, .a = wr, .lda = d.a,
                         .stride_a = (ptrdiff_t)d.q * d.a, .b = dz, .ldb = Z,
                         .stride_b = (ptrdiff_t)d.q * Z, .beta = 0.0f, .c = dx + c0,
                         .ldc = batch, .stride_c = (ptrdiff_t)d.a * batch};
            nn_gemm_items(c, &g, 1, d.n, NULL);
        }
        nn_kind_grad_target tr = nn_kind_grad_for(l, "blkdiag1", sgd, fused, c0 == 0);
        nn_gemm dr = {.trans_b = 1, .m = d.q, .n = d.a, .k = nc, .a = dz, .lda = Z,
                      .stride_a = (ptrdiff_t)d.q * Z, .b = x + c0, .ldb = batch,
                      .stride_b = (ptrdiff_t)d.a * batch, .beta = tr.beta, .c = tr.c,
                      .ldc = d.a, .stride_c = (ptrdiff_t)d.q * d.a, .sgd_param = tr.sgd_param};
        nn_gemm_items(c, &dr, 1, d.n, &ep);
    }
    nn_kind_scratch_free(&s);
    if (sgd && !fused) nn_kind_sgd_finish(l, c, sgd);
}

void nn_monarch_dense_weight(const nn_layer *l, float *w) {
    dims d = dims_of(l->in, l->out, l->ndyad);
    const float *wr = nn_kind_tensor(l, l->params, "blkdiag1");
    const float *wl = nn_kind_tensor(l, l->params, "blkdiag2");
    memset(w, 0, sizeof(float) * (size_t)l->in * l->out);
    for (int i = 0; i < d.n; i++)
        for (int t = 0; t < d.b; t++) {
            float *row = w + (size_t)(i + t * d.n) * l->in;
            for (int j = 0; j < d.q; j++) {
                int m = i + j * d.n, r = m / d.q, rr = m % d.q;
                float lv = wl[((size_t)i * d.b + t) * d.q + j];
                const float *rrow = wr + ((size_t)r * d.q + rr) * d.a;
                for (int col = 0; col < d.a; col++) row[r * d.a + col] += lv * rrow[col];
            }
        }
}

int nn_monarch_weight_part(const nn_layer *l, int row, int col) {
    dims d = dims_of(l->in, l->out, l->ndyad);
    int i = row % d.n, r = col / d.a;
    /* the first intermediate row >= r*q that L's block i reads */
    int m0 = r * d.q + ((i - r * d.q) % d.n + d.n) % d.n;
    return m0 < (r + 1) * d.q ? 1 : 0;
}

/* R's block r feeds q consecutive intermediate rows, so L's blocks i reach it
 * for min(q, N) residues i (mod N): each such pair is a b x a block of W. */
size_t nn_monarch_nonzeros(const nn_layer *l) {
    dims d = dims_of(l->in, l->out, l->ndyad);
    size_t reach = (size_t)(d.q < d.n ? d.q : d.n);
    return (size_t)d.n * reach * (size_t)d.a * (size_t)d.b;
}
