/* The teaching comparison (see teach_compare.h). Each panel is a real layer
 * of its kind with every weight 1 (the sparse mask drawn from seed 1), asked
 * cell by cell which parameters reach W[row][col]. */
#include "teach_compare.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MARGIN 24
#define GAP 28
#define TITLE_PX 17
#define SUB_PX 13
#define HEAD_H (TITLE_PX + SUB_PX + 14)
#define FOOT_H 78
#define INK GFX_RGB(0x1E, 0x1E, 0x1E)
#define SOFT_INK GFX_RGB(0x55, 0x55, 0x55)
#define LINE GFX_RGB(0x30, 0x30, 0x30)

nn_status teach_compare_check(const teach_compare_config *c, nn_error *err) {
    const nn_layer_kind_info *k = nn_layer_kind_get(c->dyad_kind);
    if (!k || !(k->strided_in || k->strided_out))
        return nn_fail(err, NN_ERR_ARG, "teaching comparison: kind must be dyad-it, dyad-ot or dyad-dt");
    if (c->width < 8 || c->width > 64)
        return nn_fail(err, NN_ERR_ARG, "teaching comparison: width %d out of range 8..64",
                       c->width);
    if (c->ndyad < 1 || c->width % c->ndyad)
        return nn_fail(err, NN_ERR_ARG, "teaching comparison: N %d must divide width %d",
                       c->ndyad, c->width);
    return NN_OK;
}

static int cell_size(gfx_rect r, int w) {
    int pw = (r.w - 2 * MARGIN - (TEACH_COMPARE_PANELS - 1) * GAP) / TEACH_COMPARE_PANELS;
    int ph = r.h - MARGIN - HEAD_H - FOOT_H;
    int cell = (pw < ph ? pw : ph) / w;
    return cell < 1 ? 1 : cell;
}

gfx_rect teach_compare_cell(gfx_rect r, const teach_compare_config *c, int p, int row, int col) {
    int w = c->width, cell = cell_size(r, w), side = cell * w;
    int pw = (r.w - 2 * MARGIN - (TEACH_COMPARE_PANELS - 1) * GAP) / TEACH_COMPARE_PANELS;
    int x0 = r.x + MARGIN + p * (pw + GAP) + (pw - side) / 2;
    int y0 = r.y + MARGIN + HEAD_H;
    int gap = cell >= 6 ? 1 : 0;
    return (gfx_rect){x0 + col * cell, y0 + row * cell, cell - gap, cell - gap};
}

static void fill_cell(gfx_image *img, gfx_rect q, uint32_t a, uint32_t b) {
    if (a == b) {
        gfx_fill_rect(img, q, a);
        return;
    }
    /* both parts: diagonal stripes of the two colours */
    int stripe = q.w >= 12 ? q.w / 6 : 1;
    for (int dy = 0; dy < q.h; dy++)
        for (int dx = 0; dx < q.w; dx++) {
            int px = q.x + dx, py = q.y + dy;
            if (px >= 0 && py >= 0 && px < img->w && py < img->h)
                img->px[(size_t)py * img->w + px] = ((dx + dy) / stripe) % 2 ? b : a;
        }
}

typedef struct {
    nn_layer l;
    float *params;
} shown_layer;

static nn_status make_shown(shown_layer *s, nn_layer_kind kind, int w, int n, float density,
                            nn_error *err) {
    memset(s, 0, sizeof *s);
    s->l.kind = kind;
    s->l.in = s->l.out = w;
    s->l.ndyad = kind == NN_LAYER_SPARSE ? 1 : n;
    s->l.density = density;
    size_t count = nn_layer_param_count(kind, w, w, s->l.ndyad);
    s->params = malloc(sizeof(float) * count);
    if (!s->params) return nn_fail(err, NN_ERR_NOMEM, "teaching comparison: out of memory");
    nn_layer_bind(&s->l, s->params, NULL);
    if (kind == NN_LAYER_SPARSE) {
        nn_rng r;
        nn_rng_seed(&r, 1);
        nn_layer_init(&s->l, &r); /* the mask */
    }
    for (int t = 0; t < s->l.tensors.count; t++)
        if (strcmp(s->l.tensors.t[t].name, "mask"))
            for (size_t e = 0; e < s->l.tensors.t[t].count; e++)
                s->params[s->l.tensors.t[t].offset + e] = 1.0f;
    return NN_OK;
}

nn_status teach_compare_draw(gfx_image *img, gfx_rect r, const gfx_font *font,
                             const teach_compare_config *c, nn_error *err) {
    nn_status st = teach_compare_check(c, err);
    if (st != NN_OK) return st;
    if (!font) return nn_fail(err, NN_ERR_ARG, "teaching comparison: no font");
    int w = c->width, n = c->ndyad, a = w / n;
    if (cell_size(r, w) < 2 || r.h < MARGIN + HEAD_H + FOOT_H + 2 * w)
        return nn_fail(err, NN_ERR_ARG, "teaching comparison: %dx%d is too small for width %d",
                       r.w, r.h, w);
    float density = 2.0f / (float)n > 1.0f ? 1.0f : 2.0f / (float)n;
    const nn_layer_kind kinds[TEACH_COMPARE_PANELS] = {NN_LAYER_BLOCKDIAG, c->dyad_kind, NN_LAYER_MONARCH,
                                                    NN_LAYER_SPARSE};
    shown_layer shown[TEACH_COMPARE_PANELS];
    memset(shown, 0, sizeof shown);
    for (int p = 0; p < TEACH_COMPARE_PANELS && st == NN_OK; p++)
        st = make_shown(&shown[p], kinds[p], w, n, kinds[p] == NN_LAYER_SPARSE ? density : 0.0f, err);
    if (st != NN_OK) goto done;

    gfx_fill_rect(img, r, GFX_RGB(0xFF, 0xFF, 0xFF));
    for (int p = 0; p < TEACH_COMPARE_PANELS; p++) {
        const nn_layer *l = &shown[p].l;
        size_t reach = 0;
        for (int row = 0; row < w; row++)
            for (int col = 0; col < w; col++) {
                int part = nn_layer_weight_part(l, row, col);
                uint32_t ca = TEACH_COMPARE_ZERO, cb = TEACH_COMPARE_ZERO;
                if (part && p == 2) ca = cb = TEACH_COMPARE_MONARCH;
                else if (part && p == 3) ca = cb = TEACH_COMPARE_SPARSE;
                else if (part) {
                    ca = part & 1 ? TEACH_COMPARE_DIAG : TEACH_COMPARE_TRANS;
                    cb = part & 2 ? TEACH_COMPARE_TRANS : TEACH_COMPARE_DIAG;
                }
                fill_cell(img, teach_compare_cell(r, c, p, row, col), ca, cb);
                reach += part != 0;
            }
        gfx_rect first = teach_compare_cell(r, c, p, 0, 0);
        gfx_rect last = teach_compare_cell(r, c, p, w - 1, w - 1);
        int side = last.x + last.w - first.x;
        if (p < 3) /* the N blocks of the block-diagonal factors */
            for (int k = 1; k < n && a > 1; k++) {
                gfx_rect b = teach_compare_cell(r, c, p, k * a, k * a);
                gfx_fill_rect(img, (gfx_rect){b.x - 1, first.y, 1, side}, LINE);
                gfx_fill_rect(img, (gfx_rect){first.x, b.y - 1, side, 1}, LINE);
            }
        gfx_rect_outline(img, (gfx_rect){first.x - 1, first.y - 1, side + 2, side + 2}, LINE);
        char title[64], sub[96], param[32];
        nn_layer_param_text(l->kind, l->ndyad, l->density, param, sizeof param);
        snprintf(title, sizeof title, "%s/%s", nn_layer_kind_name(l->kind), param);
        size_t weights = nn_layer_trained_count(l) - (size_t)w;
        snprintf(sub, sizeof sub, "%zu weights, reaches %.0f%% of W", weights,
                 100.0 * (double)reach / ((double)w * w));
        int ty = first.y - HEAD_H;
        gfx_text(img, font, first.x, ty, TITLE_PX, INK, title);
        gfx_text(img, font, first.x, ty + TITLE_PX + 4, SUB_PX, SOFT_INK, sub);
    }
    char line[3][200];
    snprintf(line[0], sizeof line[0],
             "%d x %d, N = %d. blockdiag: each output sees one block of %d inputs. %s adds "
             "BLOCK TRANS (orange) on strided indices: (2N-1)/N^2 of W at 2x the weights.",
             w, w, n, a, nn_layer_kind_get(c->dyad_kind)->short_name);
    snprintf(line[1], sizeof line[1],
             "monarch (green): two N-block factors through a stride permutation, the same "
             "weights as DYAD; it reaches all of W when width >= N^2 (here %s).",
             w >= n * n ? "yes" : "no");
    snprintf(line[2], sizeof line[2],
             "sparse (pink): DYAD's weight count scattered at random (seed 1). Blue: BLOCK DIAG; "
             "stripes: both parts; grey: structural zero.");
    int fy = r.y + r.h - FOOT_H + 10;
    for (int i = 0; i < 3; i++) {
        int px = SUB_PX, tw = gfx_text_width(font, px, line[i]), maxw = r.w - 2 * MARGIN;
        if (tw > maxw) px = px * maxw / tw;
        gfx_text(img, font, r.x + MARGIN, fy + i * (SUB_PX + 8), px < 8 ? 8 : px, INK, line[i]);
    }
done:
    for (int p = 0; p < TEACH_COMPARE_PANELS; p++) free(shown[p].params);
    return st;
}
