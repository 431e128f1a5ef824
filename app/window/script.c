/* The script parser and runner of `dyad draw --script` (see script.h). */
#include "script.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../nn/safe_io.h"

/* Stroke segments are replayed as pointer movements of at most this many
 * canvas units, about what a mouse reports while drawing briskly. */
#define SCRIPT_STEP 0.02f
#define SCRIPT_MAX_BYTES (16 * 1024 * 1024)

void script_free(script *s) {
    for (int i = 0; s->cmds && i < s->count; i++) {
        free(s->cmds[i].points);
        free(s->cmds[i].path);
    }
    free(s->cmds);
    s->cmds = NULL;
    s->count = 0;
}

static const char *skip_space(const char *p) {
    while (*p == ' ' || *p == '\t') p++;
    return p;
}

/* The next whitespace-separated word into buf; returns the rest, or NULL
 * when there is none. */
static const char *next_word(const char *p, char *buf, size_t size) {
    p = skip_space(p);
    if (!*p) return NULL;
    size_t n = 0;
    while (*p && *p != ' ' && *p != '\t') {
        if (n + 1 < size) buf[n++] = *p;
        p++;
    }
    buf[n] = 0;
    return p;
}

static int parse_float(const char *s, float *out) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || errno || !isfinite(v)) return 0;
    *out = (float)v;
    return 1;
}

static int parse_int(const char *s, long min, long max, int *out) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end || errno || v < min || v > max) return 0;
    *out = (int)v;
    return 1;
}

static nn_status parse_points(const char *rest, const char *name, int line, script_cmd *c,
                              nn_error *err) {
    int cap = 16;
    c->points = malloc(sizeof(float) * 2 * (size_t)cap);
    if (!c->points) return nn_fail(err, NN_ERR_NOMEM, "%s:%d: out of memory", name, line);
    char word[128];
    const char *p = rest;
    while ((p = next_word(p, word, sizeof word)) != NULL) {
        char *comma = strchr(word, ',');
        float x, y;
        if (!comma) return nn_fail(err, NN_ERR_FORMAT, "%s:%d: point '%s' is not X,Y", name, line, word);
        *comma = 0;
        if (!parse_float(word, &x) || !parse_float(comma + 1, &y))
            return nn_fail(err, NN_ERR_FORMAT, "%s:%d: point '%s,%s' is not two numbers", name,
                           line, word, comma + 1);
        if (x < 0.0f || x > 1.0f || y < 0.0f || y > 1.0f)
            return nn_fail(err, NN_ERR_FORMAT,
                           "%s:%d: point %g,%g is outside the canvas (coordinates in [0,1])",
                           name, line, (double)x, (double)y);
        if (c->npoints == cap) {
            if (cap >= 1 << 20)
                return nn_fail(err, NN_ERR_FORMAT, "%s:%d: too many points", name, line);
            cap *= 2;
            float *grown = realloc(c->points, sizeof(float) * 2 * (size_t)cap);
            if (!grown) return nn_fail(err, NN_ERR_NOMEM, "%s:%d: out of memory", name, line);
            c->points = grown;
        }
        c->points[2 * c->npoints] = x;
        c->points[2 * c->npoints + 1] = y;
        c->npoints++;
    }
    if (c->npoints == 0)
        return nn_fail(err, NN_ERR_FORMAT, "%s:%d: a stroke needs at least one X,Y point", name,
                       line);
    return NN_OK;
}

/* Exactly n words after the command. */
static int words(const char *rest, char w[][256], int n) {
    const char *p = rest;
    for (int i = 0; i < n; i++)
        if (!(p = next_word(p, w[i], sizeof w[i]))) return 0;
    return *skip_space(p) == 0;
}

static nn_status parse_line(const char *text, const char *name, int line, script_cmd *c,
                            int *empty, nn_error *err) {
    memset(c, 0, sizeof *c);
    c->line = line;
    *empty = 0;
    const char *p = skip_space(text);
    if (*p == 0 || *p == '#') {
        *empty = 1;
        return NN_OK;
    }
    char cmd[64];
    const char *rest = next_word(p, cmd, sizeof cmd);
    char w[3][256];
    if (!strcmp(cmd, "stroke") || !strcmp(cmd, "erase")) {
        c->op = !strcmp(cmd, "stroke") ? SCRIPT_STROKE : SCRIPT_ERASE;
        return parse_points(rest, name, line, c, err);
    }
    if (!strcmp(cmd, "clear")) {
        if (*skip_space(rest))
            return nn_fail(err, NN_ERR_FORMAT, "%s:%d: clear takes nothing after it", name, line);
        c->op = SCRIPT_CLEAR;
        return NN_OK;
    }
    if (!strcmp(cmd, "key")) {
        c->op = SCRIPT_KEY;
        if (!words(rest, w, 1))
            return nn_fail(err, NN_ERR_FORMAT, "%s:%d: key needs one key name, e.g. key ctrl+z",
                           name, line);
        if (!app_key_parse(w[0], &c->key, &c->mods))
            return nn_fail(err, NN_ERR_FORMAT, "%s:%d: unknown key '%s'", name, line, w[0]);
        return NN_OK;
    }
    if (!strcmp(cmd, "wait")) {
        c->op = SCRIPT_WAIT;
        if (!words(rest, w, 1) || !parse_int(w[0], 0, 600000, &c->ms))
            return nn_fail(err, NN_ERR_FORMAT, "%s:%d: wait needs milliseconds 0..600000", name,
                           line);
        return NN_OK;
    }
    if (!strcmp(cmd, "mouse") || !strcmp(cmd, "wheel")) {
        int is_wheel = cmd[0] == 'w';
        c->op = is_wheel ? SCRIPT_WHEEL : SCRIPT_MOUSE;
        int n = is_wheel ? 3 : 2;
        if (!words(rest, w, n) || !parse_int(w[0], 0, 1 << 20, &c->x) ||
            !parse_int(w[1], 0, 1 << 20, &c->y) || (is_wheel && !parse_float(w[2], &c->wheel)))
            return nn_fail(err, NN_ERR_FORMAT, is_wheel ? "%s:%d: wheel needs X Y STEPS"
                                                        : "%s:%d: mouse needs X Y (frame pixels)",
                           name, line);
        return NN_OK;
    }
    if (!strcmp(cmd, "click")) {
        c->op = SCRIPT_CLICK;
        c->button = APP_BUTTON_LEFT;
        int ok = 0;
        if (words(rest, w, 2)) ok = 1;
        else if (words(rest, w, 3)) {
            ok = 1;
            if (!strcmp(w[2], "left")) c->button = APP_BUTTON_LEFT;
            else if (!strcmp(w[2], "middle")) c->button = APP_BUTTON_MIDDLE;
            else if (!strcmp(w[2], "right")) c->button = APP_BUTTON_RIGHT;
            else ok = 0;
        }
        if (!ok || !parse_int(w[0], 0, 1 << 20, &c->x) || !parse_int(w[1], 0, 1 << 20, &c->y))
            return nn_fail(err, NN_ERR_FORMAT, "%s:%d: click needs X Y [left|middle|right]", name,
                           line);
        return NN_OK;
    }
    if (!strcmp(cmd, "drop")) {
        c->op = SCRIPT_DROP;
        const char *path = skip_space(rest);
        size_t n = strlen(path);
        while (n && (path[n - 1] == ' ' || path[n - 1] == '\t')) n--;
        if (!n) return nn_fail(err, NN_ERR_FORMAT, "%s:%d: drop needs a file path", name, line);
        c->path = malloc(n + 1);
        if (!c->path) return nn_fail(err, NN_ERR_NOMEM, "%s:%d: out of memory", name, line);
        memcpy(c->path, path, n);
        c->path[n] = 0;
        return NN_OK;
    }
    if (!strcmp(cmd, "status")) {
        if (*skip_space(rest))
            return nn_fail(err, NN_ERR_FORMAT, "%s:%d: status takes nothing after it", name, line);
        c->op = SCRIPT_STATUS;
        return NN_OK;
    }
    if (!strcmp(cmd, "hover")) {
        c->op = SCRIPT_HOVER;
        char *comma = words(rest, w, 1) ? strchr(w[0], ',') : NULL;
        if (comma) *comma = 0;
        if (!comma || !parse_int(w[0], 0, 1 << 20, &c->y) || !parse_int(comma + 1, 0, 1 << 20, &c->x))
            return nn_fail(err, NN_ERR_FORMAT, "%s:%d: hover needs ROW,COL (a weight of W)", name,
                           line);
        return NN_OK;
    }
    return nn_fail(err, NN_ERR_FORMAT,
                   "%s:%d: unknown command '%s' (stroke, erase, clear, key, wait, mouse, click, "
                   "wheel, drop, status, hover)",
                   name, line, cmd);
}

nn_status script_parse(const char *text, const char *name, script *s, nn_error *err) {
    s->cmds = NULL;
    s->count = 0;
    int cap = 0, line = 0;
    const char *p = text;
    while (*p) {
        line++;
        const char *end = strchr(p, '\n');
        const char *next = end ? end + 1 : p + strlen(p);
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len && p[len - 1] == '\r') len--;
        char *buf = malloc(len + 1);
        if (!buf) {
            script_free(s);
            return nn_fail(err, NN_ERR_NOMEM, "%s: out of memory", name);
        }
        memcpy(buf, p, len);
        buf[len] = 0;
        script_cmd c;
        int empty;
        nn_status st = parse_line(buf, name, line, &c, &empty, err);
        free(buf);
        if (st == NN_OK && !empty && s->count == cap) {
            cap = cap ? cap * 2 : 32;
            script_cmd *grown = realloc(s->cmds, sizeof *grown * (size_t)cap);
            if (!grown) st = nn_fail(err, NN_ERR_NOMEM, "%s: out of memory", name);
            else s->cmds = grown;
        }
        if (st != NN_OK) {
            free(c.points);
            free(c.path);
            script_free(s);
            return st;
        }
        if (!empty) s->cmds[s->count++] = c;
        /* not p + len: a last line "...\r" without a newline would loop forever */
        p = next;
    }
    return NN_OK;
}

nn_status script_load(const char *path, script *s, nn_error *err) {
    s->cmds = NULL;
    s->count = 0;
    /* a FIFO without a writer must not hang the open; /dev/null is an empty script */
    int fd;
    nn_status opened = nn_safe_open_input(path, "expected a script file", &fd, NULL, err);
    if (opened != NN_OK) return opened;
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        close(fd);
        return nn_fail(err, NN_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    }
    char *text = malloc(SCRIPT_MAX_BYTES + 1);
    if (!text) {
        fclose(f);
        return nn_fail(err, NN_ERR_NOMEM, "%s: out of memory", path);
    }
    size_t n = fread(text, 1, SCRIPT_MAX_BYTES + 1, f);
    int failed = ferror(f);
    fclose(f);
    if (failed) {
        free(text);
        return nn_fail(err, NN_ERR_IO, "%s: read error", path);
    }
    if (n > SCRIPT_MAX_BYTES) {
        free(text);
        return nn_fail(err, NN_ERR_FORMAT, "%s: larger than %d bytes", path, SCRIPT_MAX_BYTES);
    }
    if (memchr(text, 0, n)) {
        free(text);
        return nn_fail(err, NN_ERR_FORMAT, "%s: contains NUL bytes: not a text script", path);
    }
    text[n] = 0;
    nn_status st = script_parse(text, path, s, err);
    free(text);
    return st;
}

/* ---- running ---- */

typedef struct {
    draw_app *app;
    const script_runner *r;
    uint64_t clock_ms;
} run_state;

static void frame(run_state *rs) {
    draw_app_render(rs->app);
    if (rs->r->present) rs->r->present(rs->r->ctx, rs->app);
}

/* After each simulated pointer movement: predict, as the window does on
 * every movement, and render when frames are wanted. */
static void step(run_state *rs) {
    draw_app_update(rs->app);
    if (rs->r->render_each_step) frame(rs);
}

static nn_status run_stroke(run_state *rs, const script_cmd *c, nn_error *err) {
    draw_app *app = rs->app;
    nn_status st = draw_app_stroke_begin(app, c->points[0], c->points[1], c->op == SCRIPT_ERASE, err);
    if (st != NN_OK) return st;
    step(rs);
    for (int i = 1; i < c->npoints; i++) {
        float x0 = c->points[2 * i - 2], y0 = c->points[2 * i - 1];
        float x1 = c->points[2 * i], y1 = c->points[2 * i + 1];
        float len = hypotf(x1 - x0, y1 - y0);
        int n = (int)ceilf(len / SCRIPT_STEP);
        if (n < 1) n = 1;
        for (int k = 1; k <= n; k++) {
            float t = (float)k / n;
            draw_app_stroke_to(app, x0 + t * (x1 - x0), y0 + t * (y1 - y0));
            step(rs);
        }
    }
    draw_app_stroke_end(app);
    return NN_OK;
}

static void print_predictions(run_state *rs) {
    if (!rs->r->out) return;
    for (int slot = 0; slot < 2; slot++) {
        int digit;
        float prob;
        if (!draw_app_prediction(rs->app, slot, &digit, &prob, NULL)) continue;
        fprintf(rs->r->out, "predict %s %d %.4f\n", draw_app_model_name(rs->app, slot), digit,
                (double)prob);
    }
    fflush(rs->r->out);
}

static void send(run_state *rs, app_event ev) {
    draw_app_handle(rs->app, &ev);
    if (rs->r->render_each_step) frame(rs);
}

static const char *part_word(int part, int hidden, int dense) {
    static const char *shown[4] = {"zero", "diag", "trans", "both"};
    static const char *off[4] = {"zero", "hidden-diag", "hidden-trans", "hidden-both"};
    if (dense && part) return "dense";
    return part ? shown[part & 3] : off[hidden & 3];
}

/* Points at W's entry in each map, as a person would, and prints what the
 * window then says. */
static void run_hover(run_state *rs, const script_cmd *c) {
    for (int slot = 0; slot < 2; slot++) {
        if (!draw_app_model_loaded(rs->app, slot)) continue;
        const char *name = draw_app_model_name(rs->app, slot);
        int x, y;
        draw_hover_info h;
        if (!draw_app_cell_point(rs->app, slot, c->y, c->x, &x, &y)) {
            if (rs->r->out) fprintf(rs->r->out, "hover %s %d %d offscreen\n", name, c->y, c->x);
            continue;
        }
        send(rs, (app_event){.type = APP_EV_MOUSE_MOVE, .x = x, .y = y});
        if (!draw_app_hover_info(rs->app, &h) || h.slot != slot) {
            if (rs->r->out) fprintf(rs->r->out, "hover %s %d %d offscreen\n", name, c->y, c->x);
            continue;
        }
        if (rs->r->out)
            fprintf(rs->r->out, "hover %s %d %d %+.6f %s\n", name, h.w_row, h.w_col,
                    (double)h.value, part_word(h.part, h.hidden, h.dense));
    }
    if (rs->r->out) fflush(rs->r->out);
}

nn_status script_run(const script *s, draw_app *app, const script_runner *r, nn_error *err) {
    run_state rs = {app, r, 0};
    draw_app_set_time(app, 0);
    for (int i = 0; i < s->count; i++) {
        const script_cmd *c = &s->cmds[i];
        switch (c->op) {
        case SCRIPT_STROKE:
        case SCRIPT_ERASE: {
            nn_status st = run_stroke(&rs, c, err);
            if (st != NN_OK) return st;
            if (c->op == SCRIPT_STROKE) print_predictions(&rs);
            break;
        }
        case SCRIPT_CLEAR:
            draw_app_clear(app);
            step(&rs);
            break;
        case SCRIPT_KEY:
            send(&rs, (app_event){.type = APP_EV_KEY, .key = c->key, .mods = c->mods});
            break;
        case SCRIPT_WAIT:
            rs.clock_ms += (uint64_t)c->ms;
            draw_app_set_time(app, rs.clock_ms);
            if (r->sleep) r->sleep(r->ctx, c->ms);
            if (r->render_each_step) frame(&rs);
            break;
        case SCRIPT_MOUSE:
            /* a window shows a frame between events: what is pointed at is on screen */
            if (draw_app_dirty(app)) draw_app_render(app);
            send(&rs, (app_event){.type = APP_EV_MOUSE_MOVE, .x = c->x, .y = c->y});
            break;
        case SCRIPT_CLICK:
            if (draw_app_dirty(app)) draw_app_render(app);
            send(&rs, (app_event){.type = APP_EV_MOUSE_MOVE, .x = c->x, .y = c->y});
            send(&rs, (app_event){.type = APP_EV_MOUSE_DOWN, .x = c->x, .y = c->y, .button = c->button});
            send(&rs, (app_event){.type = APP_EV_MOUSE_UP, .x = c->x, .y = c->y, .button = c->button});
            break;
        case SCRIPT_WHEEL:
            send(&rs, (app_event){.type = APP_EV_WHEEL, .x = c->x, .y = c->y, .wheel = c->wheel});
            break;
        case SCRIPT_DROP:
            send(&rs, (app_event){.type = APP_EV_DROP, .path = c->path});
            break;
        case SCRIPT_STATUS:
            if (r->out) {
                char line[4096];
                draw_app_status_json(app, line, sizeof line);
                fprintf(r->out, "%s\n", line);
                fflush(r->out);
            }
            break;
        case SCRIPT_HOVER: run_hover(&rs, c); break;
        }
    }
    frame(&rs); /* the final frame */
    return NN_OK;
}
