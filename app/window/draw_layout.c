/* The top-level layout of the draw window: panel rectangles from the frame
 * size, then each panel's and the current tab's own layout. */
#include <string.h>

#include "draw_activations.h"
#include "draw_layout.h"
#include "draw_panels.h"
#include "draw_samples.h"
#include "draw_teach.h"
#include "draw_train.h"
#include "draw_weights.h"
#include "draw_why.h"

void layout_update(draw_app *a) {
    layout *L = &a->lay;
    L->nw = 0;
    int W = a->frame.w, H = a->frame.h, pad = S(a, 10);
    L->header = (gfx_rect){0, 0, W, S(a, 44)};
    L->status = (gfx_rect){0, H - S(a, 26), W, S(a, 26)};
    int y0 = L->header.h + pad, y1 = L->status.y - pad, ch = y1 - y0;
    if (ch < 1) ch = 1;
    int lw = clampi((int)(W * 0.29), S(a, 230), S(a, 520));
    int pw = clampi((int)(W * 0.2), S(a, 200), S(a, 330));
    int rx = pad + lw + pad + pw + pad;
    if (W - rx - pad >= S(a, 280)) {
        L->left = (gfx_rect){pad, y0, lw, ch};
        L->mid = (gfx_rect){pad + lw + pad, y0, pw, ch};
        L->right = (gfx_rect){rx, y0, W - rx - pad, ch};
    } else {
        /* narrow window: canvas and predictions on top, the view below */
        int top = clampi((int)(ch * 0.55), 1, ch);
        lw = (int)((W - 3 * pad) * 0.55);
        L->left = (gfx_rect){pad, y0, lw, top};
        L->mid = (gfx_rect){2 * pad + lw, y0, W - 3 * pad - lw, top};
        L->right = (gfx_rect){pad, y0 + top + pad, W - 2 * pad, ch - top - pad};
    }
    if (a->view == DRAW_VIEW_TEACH || a->view == DRAW_VIEW_TRAIN) {
        /* the teaching view needs no model and no canvas: it gets the room */
        L->right = (gfx_rect){pad, y0, W - 2 * pad, ch};
        L->left = L->mid = (gfx_rect){0, 0, 0, 0};
    }
    int half = (L->mid.h - pad) / 2;
    L->pred[0] = (gfx_rect){L->mid.x, L->mid.y, L->mid.w, half};
    L->pred[1] = (gfx_rect){L->mid.x, L->mid.y + half + pad, L->mid.w, L->mid.h - half - pad};

    layout_activations(a, L);
    layout_header(a, L);
    memset(&L->canvas, 0, sizeof L->canvas);
    memset(&L->netview, 0, sizeof L->netview);
    if (L->left.w > 0) layout_left(a, L);
    gfx_rect in = inset(L->right, S(a, 12));
    memset(L->heat, 0, sizeof L->heat);
    switch (a->view) {
    case DRAW_VIEW_WEIGHTS: layout_weights(a, L, in); break;
    case DRAW_VIEW_RECEPTIVE: layout_receptive(a, L, in); break;
    case DRAW_VIEW_TEACH: layout_teach(a, L, in); break;
    case DRAW_VIEW_SAMPLES: layout_samples(a, L, in); break;
    case DRAW_VIEW_WHY: layout_why(a, L, in); break;
    case DRAW_VIEW_TRAIN: layout_train(a, L, in); break;
    default: break;
    }
}

