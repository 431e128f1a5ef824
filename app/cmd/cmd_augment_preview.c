/* dyad augment-preview: a PNG grid of training images beside the distortions
 * `dyad train --augment` would feed the net in its first epochs, so a user
 * sees what the settings do. One row per digit class (its first training
 * image), the original first, then the image as epoch 1, 2, ... distort it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../nn/augment.h"
#include "../../nn/dataset.h"
#include "augment_cli.h"
#include "cli.h"
#include "commands.h"
#include "../render/gfx.h"

#define ZOOM 2
#define GAP 6
#define LABEL_W 26
#define HEADER_H 58
#define MAX_ROWS 10

static void usage(FILE *out) {
    fprintf(out,
            "usage: dyad augment-preview --out GRID.png [options]\n"
            "\n"
            "Writes a grid of MNIST training images (one row per class) beside their\n"
            "distortions as `dyad train` with the same flags and seed would train on them\n"
            "in epochs 1, 2, ... (2x scale, labelled).\n"
            "\n"
            "  --data DIR          MNIST-format folder (default $MNIST_DIR, else data/)\n"
            "  --out FILE.png      the picture to write (required)\n"
            "  --seed N            the training seed (default 1)\n"
            "  --epochs N          distortions per image, epochs 1..N (default 6)\n"
            "%s"
            "                      (default here: --augment affine,elastic)\n",
            augment_cli_usage());
}

/* Draws one w x h image of [0,1] values, white on black, ZOOM times. */
static void draw_digit(gfx_image *img, const float *v, int w, int h, int x0, int y0) {
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int g = (int)(v[y * w + x] * 255.0f + 0.5f);
            gfx_fill_rect(img, (gfx_rect){x0 + x * ZOOM, y0 + y * ZOOM, ZOOM, ZOOM},
                          GFX_RGB(g, g, g));
        }
}

/* Two short header lines describing the settings. */
static void describe_lines(const nn_augment_config *c, uint64_t seed, char *l1, char *l2, size_t n) {
    if (c->parts & NN_AUGMENT_AFFINE)
        snprintf(l1, n, "affine: rotate +-%g deg, shift +-%g px, scale %g-%g, shear +-%g deg",
                 c->rotate_deg, c->shift_px, 1.0 - c->scale, 1.0 + c->scale, c->shear_deg);
    else
        snprintf(l1, n, "affine: off");
    if (c->parts & NN_AUGMENT_ELASTIC)
        snprintf(l2, n, "elastic: alpha %g, sigma %g;  seed %llu", c->elastic_alpha,
                 c->elastic_sigma, (unsigned long long)seed);
    else
        snprintf(l2, n, "elastic: off;  seed %llu", (unsigned long long)seed);
}

int cmd_augment_preview(int argc, char **argv) {
    const char *data = NULL, *out = NULL;
    uint64_t seed = 1;
    int epochs = 6, parts_given = 0;
    augment_cli aug;
    augment_cli_init(&aug);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        }
        if (strncmp(a, "--", 2) != 0) {
            fprintf(stderr, "dyad augment-preview: unexpected argument '%s' (see --help)\n", a);
            return 2;
        }
        if (!(v = cli_value("augment-preview", argc, argv, &i))) return 2;
        int ok = 1;
        if (!strcmp(a, "--data")) data = v;
        else if (!strcmp(a, "--out")) out = v;
        else if (!strcmp(a, "--seed")) ok = cli_u64("augment-preview", a, v, &seed);
        else if (!strcmp(a, "--epochs")) ok = cli_int("augment-preview", a, v, 1, 12, &epochs);
        else if (augment_cli_option(&aug, "augment-preview", a, v, &ok))
            parts_given |= !strcmp(a, "--augment");
        else {
            fprintf(stderr, "dyad augment-preview: unknown option '%s' (see --help)\n", a);
            ok = 0;
        }
        if (!ok) return 2;
    }
    if (!out) {
        fprintf(stderr, "dyad augment-preview: --out GRID.png is required (see --help)\n");
        return 2;
    }
    if (!parts_given) aug.cfg.parts = NN_AUGMENT_AFFINE | NN_AUGMENT_ELASTIC;
    if (!augment_cli_check(&aug, "augment-preview")) return 2;
    aug.cfg.seed = seed;

    nn_error err;
    nn_dataset ds;
    const char *dir = cli_data_dir(data);
    if (nn_dataset_load(dir, &ds, &err) != NN_OK) {
        fprintf(stderr, "dyad augment-preview: %s\n", err.msg);
        return 1;
    }
    int w = ds.train_images.cols, h = ds.train_images.rows, pixels = w * h;
    int cell = w * ZOOM + GAP, rows = 0, picks[MAX_ROWS];
    /* the first training image of each class, in class order */
    for (int c = 0; c < MAX_ROWS; c++)
        for (int s = 0; s < ds.train_images.count; s++)
            if (ds.train_labels.labels[s] == c) {
                picks[rows++] = s;
                break;
            }

    int status = 1;
    nn_augment_plan plan = {0};
    gfx_image img = {0};
    gfx_font *font = NULL;
    float *buf = malloc(sizeof(float) * (2 * (size_t)pixels + nn_augment_image_scratch(w, h)));
    if (!buf) {
        fprintf(stderr, "dyad augment-preview: out of memory\n");
        goto done;
    }
    int width = LABEL_W + (epochs + 1) * cell + GAP, height = HEADER_H + rows * cell + GAP;
    if (nn_augment_plan_create(&plan, &aug.cfg, w, h, 1, &err) != NN_OK ||
        gfx_image_create(&img, width < 460 ? 460 : width, height, &err) != NN_OK ||
        gfx_font_load(&font, NULL, &err) != NN_OK) {
        fprintf(stderr, "dyad augment-preview: %s\n", err.msg);
        goto done;
    }
    uint32_t ink = GFX_RGB(40, 40, 40), faint = GFX_RGB(110, 110, 110);
    gfx_fill(&img, GFX_RGB(246, 246, 246));
    char l1[160], l2[160];
    describe_lines(&aug.cfg, seed, l1, l2, sizeof l1);
    gfx_text(&img, font, GAP, 4, 12, ink, l1);
    gfx_text(&img, font, GAP, 20, 12, ink, l2);
    int x0 = LABEL_W, ytop = HEADER_H;
    gfx_text(&img, font, x0, ytop - 16, 11, faint, "original");
    for (int e = 1; e <= epochs; e++) {
        char t[32];
        snprintf(t, sizeof t, "epoch %d", e);
        gfx_text(&img, font, x0 + e * cell, ytop - 16, 11, faint, t);
    }
    float *src = buf, *dst = buf + pixels, *scratch = buf + 2 * pixels;
    for (int r = 0; r < rows; r++) {
        int y = ytop + r * cell, index = picks[r];
        char label[4];
        snprintf(label, sizeof label, "%d", ds.train_labels.labels[index]);
        gfx_text(&img, font, 8, y + h * ZOOM / 2 - 8, 16, ink, label);
        const uint8_t *in = ds.train_images.pixels + (size_t)index * pixels;
        for (int p = 0; p < pixels; p++) src[p] = in[p] * (1.0f / 255.0f);
        draw_digit(&img, src, w, h, x0, y);
        for (int e = 1; e <= epochs; e++) {
            nn_augment_image(&plan, (uint64_t)e, (uint64_t)index, src, dst, scratch);
            draw_digit(&img, dst, w, h, x0 + e * cell, y);
        }
    }
    if (gfx_save_png(&img, out, &err) != NN_OK) {
        fprintf(stderr, "dyad augment-preview: %s\n", err.msg);
        goto done;
    }
    printf("wrote %s (%dx%d): %d originals, %d distortions each\n", out, img.w, img.h, rows, epochs);
    status = 0;
done:
    free(buf);
    gfx_font_free(font);
    gfx_image_free(&img);
    nn_augment_plan_free(&plan);
    nn_dataset_free(&ds);
    return status;
}
