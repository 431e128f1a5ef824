/* The teaching view of the draw window: width, ndyad and variant controls around teach_draw. */
#include <stdio.h>

#include "draw_internal.h"
#include "teach.h"

/* ---- state ---- */

static int teach_valid_ndyad(int width, int n) { return n >= 2 && n <= width / 2 && width % n == 0; }

void draw_teach_width(draw_app *a, int delta) {
    int w = clampi(a->teach.width + delta, 8, 64);
    if (w == a->teach.width) return;
    a->teach.width = w;
    /* keep ndyad, or the nearest smaller divisor */
    int n = a->teach.ndyad;
    while (n > 2 && !teach_valid_ndyad(w, n)) n--;
    a->teach.ndyad = teach_valid_ndyad(w, n) ? n : 2;
    a->dirty |= D_FULL;
}

void draw_teach_ndyad(draw_app *a, int dir) {
    int w = a->teach.width;
    for (int n = a->teach.ndyad + dir; n >= 2 && n <= w / 2; n += dir)
        if (teach_valid_ndyad(w, n)) {
            a->teach.ndyad = n;
            a->dirty |= D_FULL;
            return;
        }
}

/* ---- layout ---- */

/* "- NAME VALUE +": step buttons around a label as wide as the widest value. */
static void teach_counter(draw_app *a, layout *L, int *x, gfx_rect row, action act, int step,
                          const char *name, int value, const char *widest) {
    char label[32];
    draw_row_button(a, x, row, act, -step, 0, "\xE2\x88\x92");
    snprintf(label, sizeof label, "%s %d", name, value);
    int w = text_w(a->font, S(a, 13), widest);
    draw_add_widget(L, (gfx_rect){*x, row.y, w + S(a, 12), row.h}, ACT_NONE, 0, 0, STYLE_TAB, label);
    *x += w + S(a, 18);
    draw_row_button(a, x, row, act, step, 0, "+");
    *x += S(a, 14);
}

void draw_layout_teach(draw_app *a, layout *L, gfx_rect in) {
    int rowh = S(a, 28);
    gfx_rect row = {in.x, in.y, in.w, rowh};
    int x = row.x;
    teach_counter(a, L, &x, row, ACT_TEACH_WIDTH, 4, "width", a->teach.width, "width 64");
    teach_counter(a, L, &x, row, ACT_TEACH_NDYAD, 1, "ndyad", a->teach.ndyad, "ndyad 32");
    draw_row_button(a, &x, row, ACT_TEACH_KIND, NN_LAYER_DYAD_IT, a->teach.kind == NN_LAYER_DYAD_IT,
                    "IT");
    draw_row_button(a, &x, row, ACT_TEACH_KIND, NN_LAYER_DYAD_OT, a->teach.kind == NN_LAYER_DYAD_OT,
                    "OT");
    draw_row_button(a, &x, row, ACT_TEACH_KIND, NN_LAYER_DYAD_DT, a->teach.kind == NN_LAYER_DYAD_DT,
                    "DT");
    int top = in.y + rowh + S(a, 12);
    L->teach = (gfx_rect){in.x, top, in.w, in.y + in.h - top};
}

/* ---- rendering ---- */

void draw_teach(draw_app *a) {
    gfx_image *img = &a->frame;
    nn_error err;
    if (teach_draw(img, a->lay.teach, a->font, &a->teach, &err) != NN_OK)
        draw_text_wrap(img, a->font, inset(a->lay.teach, S(a, 8)), S(a, 14), S(a, 20), COL_DIM,
                       err.msg, 4);
}
