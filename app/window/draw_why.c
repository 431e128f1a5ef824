/* Saliency of each model's answer: gradient x input of the top class's
 * logit (the gradient from nn's nn_mlp_input_gradient), drawn over the input. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../../nn/input_grad.h"
#include "../render/heatmap.h"
#include "draw_gfx.h"
#include "draw_why.h"

void why_update(draw_app *a) {
    if (!a->why.stale) return;
    a->why.stale = 0;
    float x[NN_DIGIT_PIXELS], g[NN_DIGIT_PIXELS];
    if (a->have_digit) nn_digit_to_input(a->digit, x);
    for (int s = 0; s < 2; s++) {
        model_slot *m = &a->m[s];
        a->why.has[s] = 0;
        if (!m->loaded || !m->has_pred || !a->have_digit) continue;
        nn_error err;
        if (nn_mlp_input_gradient(&m->net, x, m->net.nlayers - 1, m->top, g, &err) != NN_OK) {
            message_set(a, 1, "%s", err.msg);
            continue;
        }
        for (int p = 0; p < NN_DIGIT_PIXELS; p++) a->why.sal[s][p] = g[p] * x[p];
        a->why.top[s] = m->top;
        a->why.has[s] = 1;
    }
}

void layout_why(draw_app *a, layout *L, gfx_rect in) {
    int cap = S(a, 26), note_h = S(a, 92), gap = S(a, 24);
    L->why_note = (gfx_rect){in.x, in.y + in.h - note_h, in.w, note_h};
    int avail_h = in.h - note_h - cap - S(a, 40), avail_w = (in.w - gap) / 2;
    int side = avail_h < avail_w ? avail_h : avail_w;
    if (side >= 56) side -= side % 28; /* whole pixels per input pixel */
    if (side < 28) side = 28;
    int x0 = in.x + (in.w - 2 * side - gap) / 2;
    for (int s = 0; s < 2; s++) {
        L->why_cap[s] = (gfx_rect){x0 + s * (side + gap), in.y + S(a, 40), side, cap};
        L->why[s] = (gfx_rect){x0 + s * (side + gap), in.y + S(a, 40) + cap, side, side};
    }
}

/* The input in grey with the saliency over it: red where the pixel pushed
 * the answer up, blue where it pushed it down. */
static void draw_map(draw_app *a, gfx_rect r, const float *sal, float range) {
    gfx_image *img = &a->frame;
    int cell = r.w / NN_DIGIT_SIDE;
    if (cell < 1) return;
    for (int y = 0; y < NN_DIGIT_SIDE; y++)
        for (int x = 0; x < NN_DIGIT_SIDE; x++) {
            int p = y * NN_DIGIT_SIDE + x;
            unsigned ink = a->digit[p] / 4; /* the drawing, faint */
            uint32_t base = GFX_RGB(ink, ink, ink);
            float t = range > 0.0f ? sal[p] / range : 0.0f;
            if (t > 1.0f) t = 1.0f;
            if (t < -1.0f) t = -1.0f;
            uint32_t over = heat_color(t, HEAT_SIGNED, 1.0f);
            float alpha = fabsf(t);
            uint32_t c = 0xFF000000u;
            for (int sh = 0; sh <= 16; sh += 8) {
                float lo = (float)((base >> sh) & 0xFF), hi = (float)((over >> sh) & 0xFF);
                c |= (uint32_t)lroundf(lo + (hi - lo) * alpha) << sh;
            }
            gfx_fill_rect(img, (gfx_rect){r.x + x * cell, r.y + y * cell, cell, cell}, c);
        }
    gfx_rect_outline(img, (gfx_rect){r.x - 1, r.y - 1, r.w + 2, r.h + 2}, COL_EDGE);
}

void draw_why(draw_app *a) {
    gfx_image *img = &a->frame;
    layout *L = &a->lay;
    why_update(a);
    gfx_rect in = inset(L->right, S(a, 12));
    const char *title = "Why did it say that?  Gradient \xC3\x97 input of each model's top class";
    gfx_text(img, bold_font(a), in.x, in.y, S(a, 15), COL_TEXT, title);
    if (!a->why.has[0] && !a->why.has[1]) {
        draw_text_center(img, a->font, (gfx_rect){in.x, L->why[0].y, in.w, L->why[0].h},
                         S(a, 15), COL_DIM, "Draw a digit (or pick a test digit) to see why.");
        return;
    }
    /* one colour range for both, so equal colours mean equal contributions */
    float range = 0.0f;
    for (int s = 0; s < 2; s++)
        for (int p = 0; a->why.has[s] && p < NN_DIGIT_PIXELS; p++)
            if (fabsf(a->why.sal[s][p]) > range) range = fabsf(a->why.sal[s][p]);
    for (int s = 0; s < 2; s++) {
        const model_slot *m = &a->m[s];
        char cap[128];
        if (a->why.has[s])
            snprintf(cap, sizeof cap, "%s says %d (%.1f%%)", m->title, a->why.top[s],
                     100.0 * m->probs[a->why.top[s]]);
        else
            snprintf(cap, sizeof cap, "%s", m->loaded ? m->title : "no model");
        draw_text_fit(img, bold_font(a), L->why_cap[s].x, L->why_cap[s].y, S(a, 14),
                      m->loaded ? slot_accent[s] : COL_DIM, cap, L->why_cap[s].w);
        if (a->why.has[s]) draw_map(a, L->why[s], a->why.sal[s], range);
    }
    gfx_rect n = L->why_note;
    int agree = a->why.has[0] && a->why.has[1] && a->why.top[0] == a->why.top[1];
    char verdict[200];
    if (a->why.has[0] && a->why.has[1]) {
        if (agree)
            snprintf(verdict, sizeof verdict, "Both models say %d.", a->why.top[0]);
        else
            snprintf(verdict, sizeof verdict, "The models disagree: %s says %d, %s says %d.",
                     a->m[0].title, a->why.top[0], a->m[1].title, a->why.top[1]);
        gfx_text(img, bold_font(a), n.x, n.y, S(a, 16), agree ? COL_GOOD : COL_ERROR, verdict);
    }
    draw_text_wrap(img, a->font, (gfx_rect){n.x, n.y + S(a, 28), n.w, n.h - S(a, 28)}, S(a, 12),
                   S(a, 17), COL_DIM,
                   "Red: pixels whose ink raised the top class's score (gradient \xC3\x97 input "
                   "> 0); blue: ink that lowered it. Both maps share one colour range. The "
                   "gradient comes from a backward pass of that one drawing.",
                   3);
}
