/* dyad heatmap: a layer's effective weight, the first layer's receptive
 * fields, or the model-free teaching view, written as a PNG. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../nn/checkpoint.h"
#include "../../nn/file_check.h"
#include "cli.h"
#include "commands.h"
#include "../render/gfx.h"
#include "../render/heatmap.h"
#include "../render/receptive.h"
#include "../render/teach.h"
#include "../render/teach_compare.h"

#define CMD "heatmap"

static void usage(FILE *out) {
    fprintf(out,
            "usage: dyad heatmap MODEL --layer I --out FILE.png [--scale signed|abs]\n"
            "                    [--parts both|diag|trans] [--permuted] [--range R|max]\n"
            "                    [--size WxH]\n"
            "       dyad heatmap MODEL --receptive --out FILE.png [--units N] [--first U]\n"
            "                    [--scale signed|abs] [--parts both|diag|trans] [--size WxH]\n"
            "       dyad heatmap --teach [--compare] --width W --ndyad N\n"
            "                    --kind dyad-it|dyad-ot|dyad-dt --out FILE.png [--size WxH]\n"
            "\n"
            "Writes layer I's (0-based, see `dyad info`) effective weight W (rows =\n"
            "outputs, columns = inputs) as a heatmap with a title and colour legend.\n"
            "  --scale signed   blue (negative), white (0), red (positive)  [default]\n"
            "  --scale abs      viridis of |w|\n"
            "  --parts          which DYAD parts contribute: both [default], diag\n"
            "                   (BLOCK DIAG, wl) or trans (BLOCK TRANS, wu)\n"
            "  --permuted       show BLOCK TRANS before its stride-n shuffle: wu[k] at\n"
            "                   block (k,k), so W' = BD(wl) + BD(wu)\n"
            "Structural zeros (entries no parameter feeds) are grey in both scales.\n"
            "  --receptive      the first layer's receptive fields instead: one tile per\n"
            "                   hidden unit (a row of W as a square image), --units N tiles\n"
            "                   (default 64) from unit --first U (default 0)\n"
            "  --range R|max    |w| at full colour (default: the 99th percentile of |w|,\n"
            "                   so a few outliers do not wash out the picture)\n"
            "  --teach          DYAD's structure without a model: BLOCK DIAG, BLOCK TRANS,\n"
            "                   their sum and the permuted form of a W x W layer\n"
            "                   (--width 8..64, --ndyad dividing it; default 8, 2, dyad-it)\n"
            "  --compare        with --teach: blockdiag, DYAD (--kind), monarch and sparse\n"
            "                   at DYAD's weight count, side by side, for the same width and N\n"
            "  --size WxH       picture size in pixels (default: fitted to the matrix;\n"
            "                   receptive 1200x900; teach 1500x620)\n");
}

static int parse_size(const char *text, int *w, int *h) {
    char *end;
    long pw = strtol(text, &end, 10);
    if (end == text || (*end != 'x' && *end != 'X')) goto bad;
    const char *rest = end + 1;
    long ph = strtol(rest, &end, 10);
    if (end == rest || *end) goto bad;
    if (pw < 200 || ph < 150 || pw > 8192 || ph > 8192) {
        fprintf(stderr, "dyad " CMD ": --size %s out of range (200x150 .. 8192x8192)\n", text);
        return 0;
    }
    *w = (int)pw;
    *h = (int)ph;
    return 1;
bad:
    fprintf(stderr, "dyad " CMD ": --size expects WIDTHxHEIGHT, e.g. 1200x900, got '%s'\n", text);
    return 0;
}

typedef struct {
    const char *model, *out;
    int layer_index; /* -1: not given */
    heat_scale scale;
    int parts, permuted, receptive, units, first_unit;
    int teach, compare, width, ndyad;
    nn_layer_kind kind;
    int size_w, size_h; /* 0: default */
    float range;        /* > 0: --range R; < 0: --range max; 0: 99th percentile */
} options;

/* Returns 1 on success, 0 after printing the problem, 2 for --help. */
static int parse_args(int argc, char **argv, options *o) {
    memset(o, 0, sizeof *o);
    o->layer_index = -1;
    o->parts = HEAT_PART_BOTH;
    o->units = 64;
    o->width = 8;
    o->ndyad = 2;
    o->kind = NN_LAYER_DYAD_IT;
    int teach_args = 0, model_args = 0;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *v;
        if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) return 2;
        if (!strcmp(arg, "--permuted")) o->permuted = 1, model_args++;
        else if (!strcmp(arg, "--receptive")) o->receptive = 1;
        else if (!strcmp(arg, "--teach")) o->teach = 1;
        else if (!strcmp(arg, "--compare")) o->compare = 1;
        else if (arg[0] == '-' && arg[1] == '-') {
            if (!(v = cli_value(CMD, argc, argv, &i))) return 0;
            if (!strcmp(arg, "--out")) o->out = v;
            else if (!strcmp(arg, "--layer")) {
                if (!cli_int(CMD, arg, v, 0, 1 << 20, &o->layer_index)) return 0;
            } else if (!strcmp(arg, "--scale")) {
                if (!strcmp(v, "signed")) o->scale = HEAT_SIGNED;
                else if (!strcmp(v, "abs")) o->scale = HEAT_ABS;
                else {
                    fprintf(stderr, "dyad " CMD ": --scale must be signed or abs, got '%s'\n", v);
                    return 0;
                }
                model_args++;
            } else if (!strcmp(arg, "--parts")) {
                if (!strcmp(v, "both")) o->parts = HEAT_PART_BOTH;
                else if (!strcmp(v, "diag")) o->parts = HEAT_PART_DIAG;
                else if (!strcmp(v, "trans")) o->parts = HEAT_PART_TRANS;
                else {
                    fprintf(stderr, "dyad " CMD ": --parts must be both, diag or trans, got '%s'\n",
                            v);
                    return 0;
                }
                model_args++;
            } else if (!strcmp(arg, "--units")) {
                if (!cli_int(CMD, arg, v, 1, 1024, &o->units)) return 0;
            } else if (!strcmp(arg, "--first")) {
                if (!cli_int(CMD, arg, v, 0, 1 << 20, &o->first_unit)) return 0;
            } else if (!strcmp(arg, "--width")) {
                if (!cli_int(CMD, arg, v, 8, 64, &o->width)) return 0;
                teach_args++;
            } else if (!strcmp(arg, "--ndyad")) {
                if (!cli_int(CMD, arg, v, 1, 64, &o->ndyad)) return 0;
                teach_args++;
            } else if (!strcmp(arg, "--kind")) {
                if (nn_layer_kind_parse(v, &o->kind) != NN_OK || o->kind == NN_LAYER_DENSE) {
                    fprintf(stderr,
                            "dyad " CMD ": --kind must be dyad-it, dyad-ot or dyad-dt, got '%s'\n",
                            v);
                    return 0;
                }
                teach_args++;
            } else if (!strcmp(arg, "--range")) {
                if (!strcmp(v, "max")) o->range = -1.0f;
                else if (!cli_float(CMD, arg, v, 1e-12, 1e12, &o->range)) return 0;
                model_args++;
            } else if (!strcmp(arg, "--size")) {
                if (!parse_size(v, &o->size_w, &o->size_h)) return 0;
            } else {
                fprintf(stderr, "dyad " CMD ": unknown option '%s' (see dyad heatmap --help)\n",
                        arg);
                return 0;
            }
        } else if (!o->model) {
            o->model = arg;
        } else {
            fprintf(stderr, "dyad " CMD ": unexpected argument '%s' (one MODEL only)\n", arg);
            return 0;
        }
    }
    if (!o->out) {
        fprintf(stderr, "dyad " CMD ": --out FILE.png is required\n");
        return 0;
    }
    if (o->teach) {
        if (o->model || o->receptive || o->layer_index >= 0 || model_args) {
            fprintf(stderr, "dyad " CMD ": --teach draws no model: it takes only --width, "
                            "--ndyad, --kind, --out and --size\n");
            return 0;
        }
        if (o->width % o->ndyad) {
            fprintf(stderr, "dyad " CMD ": --ndyad %d must divide --width %d\n", o->ndyad,
                    o->width);
            return 0;
        }
        return 1;
    }
    if (teach_args || o->compare) {
        fprintf(stderr, "dyad " CMD ": --width, --ndyad, --kind and --compare belong to --teach\n");
        return 0;
    }
    if (!o->model) {
        fprintf(stderr, "dyad " CMD ": MODEL (a checkpoint) is required, or --teach\n");
        return 0;
    }
    if (o->receptive) {
        if (o->permuted) {
            fprintf(stderr, "dyad " CMD ": --permuted does not apply to --receptive\n");
            return 0;
        }
        if (o->layer_index > 0) {
            fprintf(stderr, "dyad " CMD ": --receptive shows the first layer (layer 0), not "
                            "layer %d\n", o->layer_index);
            return 0;
        }
        return 1;
    }
    if (o->layer_index < 0) {
        fprintf(stderr, "dyad " CMD ": --layer I is required (0-based; see dyad info MODEL)\n");
        return 0;
    }
    return 1;
}

static const char *parts_label(int parts) {
    return parts == HEAT_PART_DIAG    ? "BLOCK DIAG only"
           : parts == HEAT_PART_TRANS ? "BLOCK TRANS only"
                                      : "both parts";
}

/* Page layout shared by the model pictures: margin, heading, legend. */
enum { MARGIN = 16, TITLE_PX = 18, SUB_PX = 13, LEGEND_H = 40, LEGEND_GAP = 14, AXIS_PX = 11 };
#define HEADING_H (MARGIN + TITLE_PX + 6 + 2 * (SUB_PX + 4) + 8)

/* Title and two subtitle lines across the top, each shrunk to fit. */
static void draw_heading(gfx_image *img, const gfx_font *font, const char *title,
                         const char *sub1, const char *sub2) {
    const char *lines[3] = {title, sub1, sub2};
    int px[3] = {TITLE_PX, SUB_PX, SUB_PX}, y = MARGIN, room = img->w - 2 * MARGIN;
    for (int k = 0; k < 3; k++) {
        int size = px[k], tw = gfx_text_width(font, size, lines[k]);
        if (tw > room) size = size * room / tw;
        if (size < 8) size = 8;
        gfx_text(img, font, MARGIN, y, size,
                 k ? GFX_RGB(0x50, 0x50, 0x50) : GFX_RGB(0x1E, 0x1E, 0x1E), lines[k]);
        y += px[k] + (k ? 4 : 6);
    }
}

static void draw_legend_below(gfx_image *img, const gfx_font *font, int y, heat_scale scale,
                              float range) {
    int legend_w = img->w - 2 * MARGIN < 720 ? img->w - 2 * MARGIN : 720;
    gfx_rect lr = {(img->w - legend_w) / 2, y, legend_w, LEGEND_H - 4};
    heat_draw_legend(img, lr, font, scale, range);
}

/* Pixels per cell along each axis for a rows x cols matrix in avail_w x
 * avail_h: square cells (whole pixels when at least one fits), but an axis
 * that would fill less than a third of its room is stretched, so a 10 x 512
 * output layer is not a 10-pixel strip. */
static void layout_cells(int rows, int cols, int avail_w, int avail_h, float *zoom,
                         float *row_zoom) {
    float z = fminf((float)avail_w / cols, (float)avail_h / rows);
    if (z >= 1.0f) z = floorf(z);
    if (z > 48.0f) z = 48.0f;
    float cz = z, rz = z;
    if (rows * rz < avail_h / 3.0f) {
        rz = fminf(avail_h / 3.0f, 360.0f) / rows;
        if (rz >= 1.0f) rz = floorf(rz);
        if (rz < z) rz = z;
    }
    if (cols * cz < avail_w / 3.0f) {
        cz = fminf(avail_w / 3.0f, 360.0f) / cols;
        if (cz >= 1.0f) cz = floorf(cz);
        if (cz < z) cz = z;
    }
    *zoom = cz;
    *row_zoom = rz;
}

typedef struct {
    heat_matrix m;
    int parts, permuted;
    float zoom, row_zoom, range;
    int shown_w, shown_h;
    int axis_left, axis_top; /* room for the index labels */
} layer_picture;

static int plan_layer(const nn_layer *l, const options *o, const gfx_font *font, layer_picture *p,
                      int *img_w, int *img_h);

/* "dense", "dyad-it, ndyad 4", "lowrank, R 64", "sparse, D 0.25" for titles. */
static void kind_label(const nn_layer *l, char *buf, size_t size) {
    char param[32];
    nn_layer_param_text(l->kind, l->ndyad, l->density, param, sizeof param);
    nn_layer_param what = nn_layer_kind_get(l->kind)->param;
    if (!param[0]) snprintf(buf, size, "%s", nn_layer_kind_name(l->kind));
    else
        snprintf(buf, size, "%s, %s %s", nn_layer_kind_name(l->kind),
                 what == NN_LAYER_PARAM_RANK ? "R" : what == NN_LAYER_PARAM_DENSITY ? "D" : "ndyad", param);
}

/* Builds the matrix and picks cell sizes; with no --size, also the picture
 * size that fits them. Returns 0 after printing the problem. */
static int plan_layer(const nn_layer *l, const options *o, const gfx_font *font, layer_picture *p,
                      int *img_w, int *img_h) {
    nn_error err;
    p->parts = !heat_layer_has_parts(l) ? HEAT_PART_BOTH : o->parts;
    p->permuted = !heat_layer_has_parts(l) ? 0 : o->permuted;
    if (heat_matrix_build(&p->m, l, p->parts, p->permuted, &err) != NN_OK) {
        fprintf(stderr, "dyad " CMD ": %s\n", err.msg);
        return 0;
    }
    /* the 99th percentile, so a few large weights do not wash out the rest */
    p->range = o->range > 0.0f ? o->range
               : o->range < 0.0f ? p->m.max_abs
                                 : heat_matrix_abs_quantile(&p->m, 0.99f);
    if (!(p->range > 0.0f)) p->range = p->m.max_abs > 0.0f ? p->m.max_abs : 1.0f;
    heat_axes_room(font, &p->m, AXIS_PX, &p->axis_left, &p->axis_top);
    int avail_w = (o->size_w ? o->size_w - 2 * MARGIN : 1400) - 2 * p->axis_left;
    int avail_h = (o->size_h ? o->size_h - HEADING_H - LEGEND_GAP - LEGEND_H - MARGIN : 860) -
                  p->axis_top;
    if (avail_w < 16) avail_w = 16;
    if (avail_h < 16) avail_h = 16;
    layout_cells(p->m.rows, p->m.cols, avail_w, avail_h, &p->zoom, &p->row_zoom);
    p->shown_w = (int)ceilf(p->m.cols * p->zoom);
    p->shown_h = (int)ceilf(p->m.rows * p->row_zoom);
    if (p->shown_w > avail_w) p->shown_w = avail_w;
    if (p->shown_h > avail_h) p->shown_h = avail_h;
    int need_w = p->shown_w + 2 * MARGIN + 2 * p->axis_left;
    *img_w = o->size_w ? o->size_w : need_w > 820 ? need_w : 820;
    *img_h = o->size_h ? o->size_h
                       : HEADING_H + p->axis_top + p->shown_h + LEGEND_GAP + LEGEND_H + MARGIN;
    return 1;
}

static void draw_layer_picture(gfx_image *img, const gfx_font *font, const nn_layer *l,
                               const options *o, layer_picture *p) {
    char kind[64], title[256], sub1[256], sub2[256], zoom_text[96];
    kind_label(l, kind, sizeof kind);
    snprintf(title, sizeof title, "layer %d: %s, %d \xE2\x86\x92 %d  (W is %d \xC3\x97 %d)",
             o->layer_index, kind, l->in, l->out, l->out, l->in);
    snprintf(sub1, sizeof sub1, "%s, %s%s; rows = outputs, columns = inputs%s",
             o->scale == HEAT_SIGNED ? "signed weights" : "|weights|",
             !heat_layer_has_parts(l) ? nn_layer_kind_name(l->kind) : parts_label(p->parts),
             p->permuted ? ", BLOCK TRANS unshuffled (wu[k] drawn at block k,k)" : "",
             l->kind == NN_LAYER_DENSE ? "" : "; grey = structural zero");
    if (p->zoom < 1.0f)
        snprintf(zoom_text, sizeof zoom_text, "each pixel shows the largest |w| of the cells under it");
    else if (p->row_zoom != p->zoom)
        snprintf(zoom_text, sizeof zoom_text, "cells %.0f px wide, %.0f px tall", (double)p->zoom,
                 (double)p->row_zoom);
    else
        snprintf(zoom_text, sizeof zoom_text, "%.0f px per cell", (double)p->zoom);
    snprintf(sub2, sizeof sub2, "colour saturates at |w| = %.3g (%s; max |w| = %.3g); %s",
             (double)p->range,
             o->range > 0.0f ? "--range" : o->range < 0.0f ? "the maximum" : "99th percentile",
             (double)p->m.max_abs, zoom_text);
    draw_heading(img, font, title, sub1, sub2);
    /* centre the matrix and its legend in the room below the heading */
    int block_h = p->axis_top + p->shown_h + LEGEND_GAP + LEGEND_H;
    int y = HEADING_H + (img->h - MARGIN - HEADING_H - block_h) / 2;
    if (y < HEADING_H) y = HEADING_H;
    y += p->axis_top;
    gfx_rect r = {(img->w - p->shown_w) / 2, y, p->shown_w, p->shown_h};
    heat_view v;
    memset(&v, 0, sizeof v);
    v.scale = o->scale;
    v.parts = p->parts;
    v.permuted = p->permuted;
    v.zoom = p->zoom;
    v.row_zoom = p->row_zoom == p->zoom ? 0.0f : p->row_zoom;
    v.range = p->range;
    heat_draw(img, r, &p->m, &v);
    heat_draw_axes(img, r, font, &p->m, &v, AXIS_PX);
    gfx_rect_outline(img, (gfx_rect){r.x - 1, r.y - 1, r.w + 2, r.h + 2},
                     GFX_RGB(0x40, 0x40, 0x40));
    draw_legend_below(img, font, r.y + r.h + LEGEND_GAP, o->scale, p->range);
}

static int draw_receptive(gfx_image *img, const gfx_font *font, const nn_mlp *net,
                          const options *o) {
    const nn_layer *l = &net->layers[0];
    int side = (int)lround(sqrt((double)l->in));
    if (side * side != l->in) {
        fprintf(stderr, "dyad " CMD ": --receptive needs a square input image; layer 0 has %d "
                        "inputs\n", l->in);
        return 0;
    }
    if (o->first_unit >= l->out) {
        fprintf(stderr, "dyad " CMD ": --first %d out of range: layer 0 has %d units (0..%d)\n",
                o->first_unit, l->out, l->out - 1);
        return 0;
    }
    int count = o->units;
    if (count > l->out - o->first_unit) count = l->out - o->first_unit;
    int parts = !heat_layer_has_parts(l) ? HEAT_PART_BOTH : o->parts;
    char kind[64], title[256], sub1[256], sub2[256];
    kind_label(l, kind, sizeof kind);
    snprintf(title, sizeof title,
             "layer 0 (%s, %d \xE2\x86\x92 %d): receptive fields of units %d..%d", kind, l->in,
             l->out, o->first_unit, o->first_unit + count - 1);
    snprintf(sub1, sizeof sub1, "each tile: one unit's row of W as a %d \xC3\x97 %d image, %s",
             side, side, !heat_layer_has_parts(l) ? nn_layer_kind_name(l->kind) : parts_label(parts));
    snprintf(sub2, sizeof sub2, "each tile scaled to its own max |w|%s",
             l->kind == NN_LAYER_DENSE ? "" : "; grey: inputs the unit cannot see (structural zeros)");
    draw_heading(img, font, title, sub1, sub2);
    gfx_rect area = {MARGIN, HEADING_H, img->w - 2 * MARGIN,
                     img->h - HEADING_H - LEGEND_GAP - LEGEND_H - MARGIN};
    receptive_draw(img, area, l, side, o->first_unit, count, o->scale, parts);
    /* tiles are normalised: the legend runs to +-1 of each tile's max |w| */
    draw_legend_below(img, font, area.y + area.h + LEGEND_GAP, o->scale, 1.0f);
    return 1;
}

int cmd_heatmap(int argc, char **argv) {
    options o;
    int parsed = parse_args(argc, argv, &o);
    if (parsed == 2) {
        usage(stdout);
        return 0;
    }
    if (!parsed) return 2;
    nn_error err;
    /* the PNG's path can be written and is not the model */
    if (nn_file_check_output("--out", o.out, &err) != NN_OK ||
        (!o.teach && nn_file_check_not_input("--out", o.out, "the model", o.model, &err) != NN_OK)) {
        fprintf(stderr, "dyad " CMD ": %s\n", err.msg);
        return 2;
    }
    gfx_font *font = NULL;
    gfx_image img = {0, 0, NULL};
    nn_mlp net;
    memset(&net, 0, sizeof net);
    layer_picture pic;
    memset(&pic, 0, sizeof pic);
    int have_net = 0, ok = 0, w = o.size_w, h = o.size_h;
    if (gfx_font_load(&font, NULL, &err) != NN_OK) {
        fprintf(stderr, "dyad " CMD ": %s\n", err.msg);
        return 1;
    }
    if (o.teach) {
        if (!w) w = 1500, h = o.compare ? 560 : 620;
    } else {
        if (nn_checkpoint_load(o.model, &net, NULL, &err) != NN_OK) {
            fprintf(stderr, "dyad " CMD ": %s\n", err.msg);
            goto done;
        }
        have_net = 1;
        if (o.receptive) {
            if (!w) w = 1200, h = 900;
        } else {
            if (o.layer_index >= net.nlayers) {
                fprintf(stderr, "dyad " CMD ": --layer %d out of range: %s has layers 0..%d\n",
                        o.layer_index, o.model, net.nlayers - 1);
                goto done;
            }
            if (!plan_layer(&net.layers[o.layer_index], &o, font, &pic, &w, &h)) goto done;
        }
    }
    if (gfx_image_create(&img, w, h, &err) != NN_OK) {
        fprintf(stderr, "dyad " CMD ": %s\n", err.msg);
        goto done;
    }
    gfx_fill(&img, GFX_RGB(0xFF, 0xFF, 0xFF));
    if (o.teach && o.compare) {
        teach_compare_config c = {o.width, o.ndyad, o.kind};
        if (teach_compare_draw(&img, (gfx_rect){0, 0, w, h}, font, &c, &err) != NN_OK)
            fprintf(stderr, "dyad " CMD ": %s\n", err.msg);
        else
            ok = 1;
    } else if (o.teach) {
        teach_config c = {o.width, o.ndyad, o.kind, 0};
        if (teach_draw(&img, (gfx_rect){0, 0, w, h}, font, &c, &err) != NN_OK)
            fprintf(stderr, "dyad " CMD ": %s\n", err.msg);
        else
            ok = 1;
    } else if (o.receptive) {
        ok = draw_receptive(&img, font, &net, &o);
    } else {
        draw_layer_picture(&img, font, &net.layers[o.layer_index], &o, &pic);
        ok = 1;
    }
    if (ok && gfx_save_png(&img, o.out, &err) != NN_OK) {
        fprintf(stderr, "dyad " CMD ": %s\n", err.msg);
        ok = 0;
    }
    if (ok) printf("wrote %s (%dx%d)\n", o.out, w, h);
done:
    heat_matrix_free(&pic.m);
    if (have_net) nn_mlp_free(&net);
    gfx_image_free(&img);
    gfx_font_free(font);
    return ok ? 0 : 1;
}
