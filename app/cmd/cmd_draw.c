/* dyad draw: the window. Draw a digit, watch a DYAD model and its dense
 * baseline predict it live, and look at their weights. With --script it
 * replays strokes and keys headless (no window, no display needed) and
 * writes the final frame as a PNG. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


#include "../../nn/file_check.h"
#include "cli.h"
#include "commands.h"
#include "../window/draw_app.h"
#include "../window/script.h"
#include "../window/window.h"

#define DEFAULT_W 1280
#define DEFAULT_H 800

static void usage(FILE *out) {
    fprintf(out,
            "usage: dyad draw [--model A] [--baseline B] [--data DIR] [--scale S]\n"
            "       dyad draw --script FILE --screenshot OUT.png [--size WxH] [--window]\n"
            "                 [--print-timing] [--model A] [--baseline B] [--data DIR]\n"
            "\n"
            "Opens a window: draw a digit with the mouse and see a DYAD model and a dense\n"
            "baseline predict it live, with heatmaps of their weights, receptive fields, a\n"
            "teaching view of the DYAD structure and an MNIST test-set browser. F1 lists\n"
            "every key.\n"
            "\n"
            "  --model A        the DYAD model (default assets/dyad.safetensors)\n"
            "  --baseline B     the dense baseline (default assets/dense.safetensors)\n"
            "                   defaults are looked for in ./assets, next to the program\n"
            "                   (via /proc/self/exe) and in $DYAD_ASSETS\n"
            "  --data DIR       MNIST directory for the sample browser (default $MNIST_DIR)\n"
            "  --script FILE    replay FILE without a window (see below), print one line\n"
            "                   'predict NAME DIGIT PROBABILITY' per model after each stroke\n"
            "  --screenshot OUT write the final frame as PNG (headless; needs no display)\n"
            "  --size WxH       window size, or the frame size in script mode (default %dx%d)\n"
            "  --window         in script mode, also show the replay in a window\n"
            "  --scale S        UI scale 0.75..2.5 for projectors (Ctrl+plus/minus in the window)\n"
            "  --print-timing   print median forward-pass, preprocessing and frame times\n"
            "  -h, --help       this text\n"
            "\n"
            "Script lines: 'stroke X0,Y0 X1,Y1 ...' (canvas coordinates in [0,1]),\n"
            "'erase X,Y ...', 'clear', 'key NAME' (c, p, F1, Left, ctrl+z, ...), 'wait MS',\n"
            "'mouse X Y', 'click X Y [left|middle|right]', 'wheel X Y STEPS', 'drop PATH',\n"
            "'status' (one JSON line), 'hover ROW,COL' (what each heatmap says at W's entry),\n"
            "'# comment'. A bad line stops with its file and line number (exit status 2).\n",
            DEFAULT_W, DEFAULT_H);
}

static int file_exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* assets/NAME relative to the working directory, then to the program's
 * directory (and its parent, for build dirs), then $DYAD_ASSETS/NAME. */
static int find_asset(const char *name, char *out, size_t size) {
    snprintf(out, size, "assets/%s", name);
    if (file_exists(out)) return 1;
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = 0;
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = 0;
            snprintf(out, size, "%s/assets/%s", exe, name);
            if (file_exists(out)) return 1;
            snprintf(out, size, "%s/../assets/%s", exe, name);
            if (file_exists(out)) return 1;
        }
    }
    const char *env = getenv("DYAD_ASSETS");
    if (env && *env) {
        snprintf(out, size, "%s/%s", env, name);
        if (file_exists(out)) return 1;
    }
    return 0;
}

static int parse_size(const char *text, int *w, int *h) {
    char *end;
    errno = 0;
    long a = strtol(text, &end, 10);
    if (end == text || (*end != 'x' && *end != 'X') || errno) return 0;
    const char *rest = end + 1;
    long b = strtol(rest, &end, 10);
    if (end == rest || *end || errno) return 0;
    if (a < 320 || a > 8192 || b < 240 || b > 8192) return 0;
    *w = (int)a;
    *h = (int)b;
    return 1;
}

typedef struct {
    window *win;
    int failed;
} window_ctx;

static void present_in_window(void *ctx, draw_app *app) {
    window_ctx *wc = ctx;
    nn_error err;
    if (wc->failed || window_pump(wc->win)) return;
    if (window_present(wc->win, draw_app_frame(app), &err) != NN_OK) {
        fprintf(stderr, "dyad draw: %s\n", err.msg);
        wc->failed = 1;
    }
}

static void sleep_in_window(void *ctx, int ms) {
    window_ctx *wc = ctx;
    window_sleep(wc->win, ms);
}

static void print_timing(draw_app *app) {
    draw_app_timing t;
    draw_app_get_timing(app, &t);
    for (int i = 0; i < 2; i++)
        if (draw_app_model_loaded(app, i))
            printf("timing forward %s median %.1f us over %d predictions\n",
                   draw_app_model_name(app, i), t.forward_us[i], t.forward_count[i]);
    printf("timing preprocess median %.1f us over %d inputs\n", t.preprocess_us,
           t.preprocess_count);
    printf("timing frame median %.2f ms over %d frames\n", t.frame_ms, t.frame_count);
}

int cmd_draw(int argc, char **argv) {
    const char *model = NULL, *baseline = NULL, *data = NULL, *script_path = NULL;
    const char *shot = NULL;
    int width = DEFAULT_W, height = DEFAULT_H, show_window = 0, timing = 0;
    float scale = 1.0f;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--model") || !strcmp(a, "--baseline") || !strcmp(a, "--data") ||
                   !strcmp(a, "--script") || !strcmp(a, "--screenshot") || !strcmp(a, "--size") ||
                   !strcmp(a, "--scale")) {
            const char *v = cli_value("draw", argc, argv, &i);
            if (!v) return 2;
            if (!strcmp(a, "--model")) model = v;
            else if (!strcmp(a, "--baseline")) baseline = v;
            else if (!strcmp(a, "--data")) data = v;
            else if (!strcmp(a, "--script")) script_path = v;
            else if (!strcmp(a, "--screenshot")) shot = v;
            else if (!strcmp(a, "--scale")) {
                char *end;
                scale = strtof(v, &end);
                if (end == v || *end || !(scale >= DRAW_SCALE_MIN && scale <= DRAW_SCALE_MAX)) {
                    fprintf(stderr, "dyad draw: --scale '%s': expected a number from %.2f to %.1f\n",
                            v, (double)DRAW_SCALE_MIN, (double)DRAW_SCALE_MAX);
                    return 2;
                }
            } else if (!parse_size(v, &width, &height)) {
                fprintf(stderr, "dyad draw: --size '%s': expected WxH, e.g. 1280x800 (320x240 .. 8192x8192)\n", v);
                return 2;
            }
        } else if (!strcmp(a, "--window")) {
            show_window = 1;
        } else if (!strcmp(a, "--print-timing")) {
            timing = 1;
        } else {
            fprintf(stderr, "dyad draw: unknown option '%s'\n", a);
            usage(stderr);
            return 2;
        }
    }
    int headless = script_path || shot;
    if (show_window && !headless) show_window = 0; /* the plain window anyway */

    script sc = {0};
    nn_error err;
    if (script_path && script_load(script_path, &sc, &err) != NN_OK) {
        fprintf(stderr, "dyad draw: %s\n", err.msg);
        return 2;
    }
    /* one thread: single-sample inference is tiny, threads only cost */
    nn_compute *serial = cli_set_threads("draw", 1);
    if (!serial) {
        script_free(&sc);
        return 1;
    }

    /* models: explicit paths must load; missing defaults leave a note */
    char found[2][PATH_MAX + 32];
    char note[2][400];
    draw_app_options opt = {0};
    const char *given[2] = {model, baseline};
    const char *asset[2] = {"dyad.safetensors", "dense.safetensors"};
    for (int i = 0; i < 2; i++) {
        if (given[i]) {
            opt.model_path[i] = given[i];
        } else if (find_asset(asset[i], found[i], sizeof found[i])) {
            opt.model_path[i] = found[i];
        } else {
            snprintf(note[i], sizeof note[i],
                     "assets/%s not found (looked in ./assets, next to the program and in "
                     "$DYAD_ASSETS). Train one (make models) or pass %s FILE.",
                     asset[i], i ? "--baseline" : "--model");
            opt.model_note[i] = note[i];
        }
    }
    opt.strict = given[0] || given[1];
    /* the screenshot's path can be written and is none of the inputs */
    if (shot) {
        const char *inputs[3][2] = {{"--model", opt.model_path[0]},
                                    {"--baseline", opt.model_path[1]},
                                    {"--script", script_path}};
        int shot_ok = nn_file_check_output("--screenshot", shot, &err) == NN_OK;
        for (int i = 0; shot_ok && i < 3; i++)
            shot_ok = nn_file_check_not_input("--screenshot", shot, inputs[i][0], inputs[i][1],
                                           &err) == NN_OK;
        if (!shot_ok) {
            fprintf(stderr, "dyad draw: %s\n", err.msg);
            script_free(&sc);
            nn_compute_free(serial);
            return 2;
        }
    }
    opt.data_dir = cli_data_dir(data); /* read only when the sample browser opens */
    opt.width = width;
    opt.height = height;
    opt.ui_scale = 1.0f;
    opt.user_scale = scale;

    window *win = NULL;
    if (!headless || show_window) {
        if (window_open(&win, "dyad draw", width, height, &err) != NN_OK) {
            fprintf(stderr, "dyad draw: %s\n", err.msg);
            script_free(&sc);
            nn_compute_free(serial);
            return 1;
        }
        if (!headless) window_buffer_size(win, &opt.width, &opt.height, &opt.ui_scale);
    }

    draw_app *app = NULL;
    if (draw_app_create(&app, &opt, &err) != NN_OK) {
        fprintf(stderr, "dyad draw: %s\n", err.msg);
        window_close(win);
        script_free(&sc);
        nn_compute_free(serial);
        return 1;
    }

    int rc = 0;
    if (headless) {
        window_ctx wc = {win, 0};
        script_runner runner = {.out = stdout,
                                .render_each_step = timing || show_window,
                                .present = win ? present_in_window : NULL,
                                .sleep = win ? sleep_in_window : NULL,
                                .ctx = &wc};
        if (script_run(&sc, app, &runner, &err) != NN_OK) {
            fprintf(stderr, "dyad draw: %s\n", err.msg);
            rc = 1;
        }
        if (rc == 0 && shot && gfx_save_png(draw_app_frame(app), shot, &err) != NN_OK) {
            fprintf(stderr, "dyad draw: %s\n", err.msg);
            rc = 1;
        }
        if (timing) print_timing(app);
    } else {
        if (window_run(win, app, &err) != NN_OK) {
            fprintf(stderr, "dyad draw: %s\n", err.msg);
            rc = 1;
        }
        if (timing) print_timing(app);
    }
    draw_app_destroy(app);
    window_close(win);
    script_free(&sc);
    nn_compute_free(serial);
    return rc;
}
