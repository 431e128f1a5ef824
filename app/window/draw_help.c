/* The help overlay of the draw window, written from the key table. */
#include "draw_gfx.h"
#include "draw_help.h"
#include "draw_keys.h"

void draw_help(draw_app *a) {
    gfx_image *img = &a->frame;
    draw_darken(img, (gfx_rect){0, 0, img->w, img->h}, 90);
    /* the lines: a section title, or one entry that names its keys */
    int idx[128], n = 0;
    for (int i = 0; i < key_table_count && n < 127; i++) {
        if (key_table[i].section) idx[n++] = -1 - i;
        if (key_table[i].keys && n < 128) idx[n++] = i;
    }
    int px = S(a, 13), lh = S(a, 19);
    /* two columns, split at a section start near the middle */
    int split = n / 2;
    while (split < n && idx[split] >= 0) split++;
    int rows = split > n - split ? split : n - split;
    int key_w = 0, act_w = 0;
    for (int i = 0; i < n; i++) {
        if (idx[i] < 0) continue;
        int kw = text_w(bold_font(a), px, key_table[idx[i]].keys);
        int aw = text_w(a->font, px, key_table[idx[i]].what);
        if (kw > key_w) key_w = kw;
        if (aw > act_w) act_w = aw;
    }
    int col_w = key_w + S(a, 18) + act_w;
    int bw = 2 * col_w + S(a, 48) + S(a, 40), bh = rows * lh + S(a, 80);
    if (bw > img->w - S(a, 20)) bw = img->w - S(a, 20);
    if (bh > img->h - S(a, 20)) bh = img->h - S(a, 20);
    gfx_rect box = {(img->w - bw) / 2, (img->h - bh) / 2, bw, bh};
    draw_fill_round(img, box, S(a, 10), COL_PANEL);
    gfx_rect_outline(img, inset(box, -1), COL_EDGE);
    gfx_text(img, bold_font(a), box.x + S(a, 24), box.y + S(a, 18), S(a, 18), COL_TEXT,
             "Keys and mouse");
    const char *close = "F1, ? or Esc closes";
    int cw = text_w(a->font, S(a, 12), close);
    gfx_text(img, a->font, box.x + box.w - cw - S(a, 24), box.y + S(a, 22), S(a, 12), COL_DIM,
             close);
    for (int i = 0; i < n; i++) {
        int col = i < split ? 0 : 1, row = i < split ? i : i - split;
        int x = box.x + S(a, 24) + col * (col_w + S(a, 40));
        int y = box.y + S(a, 56) + row * lh;
        if (y + lh > box.y + box.h) continue;
        if (idx[i] < 0) {
            gfx_text(img, bold_font(a), x, y + S(a, 2), px, slot_accent[0],
                     key_table[-1 - idx[i]].section);
            continue;
        }
        gfx_text(img, bold_font(a), x, y, px, COL_TEXT, key_table[idx[i]].keys);
        gfx_text(img, a->font, x + key_w + S(a, 18), y, px, COL_DIM, key_table[idx[i]].what);
    }
}
