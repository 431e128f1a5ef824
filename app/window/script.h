/* Scripts for `dyad draw --script`: replay strokes and keys against the
 * draw app without a display. One command a line:
 *
 *   stroke X0,Y0 X1,Y1 ...   draw one stroke through the points (canvas
 *                            coordinates in [0,1], x right, y down)
 *   erase X0,Y0 ...          the same with the eraser (right button)
 *   clear                    clear the canvas
 *   key NAME                 a key press: c, p, F1, Left, ctrl+z, shift+n, [ ...
 *   wait MS                  let MS milliseconds pass (messages time out)
 *   mouse X Y                move the pointer to frame pixel (X, Y)
 *   click X Y [left|middle|right]   press and release a button there
 *   wheel X Y STEPS          turn the wheel there (positive zooms in)
 *   drop PATH                drop a file on the window (rest of the line)
 *   status                   print one JSON line: what the window states
 *   hover ROW,COL            point at W's entry (ROW, COL) in each heatmap and
 *                            print what the window says there
 *   # comment, blank lines
 *
 * After each stroke the runner prints one line per loaded model:
 *   predict <model-name> <digit> <probability>   (probability with 4 decimals)
 * `hover` prints per heatmap: hover <model-name> <row> <col> <value> <part>
 * with part diag, trans, both, zero, dense, or hidden-diag / hidden-trans /
 * hidden-both (a part switched off); "offscreen" when the entry is not shown.
 */
#ifndef APP_SCRIPT_H
#define APP_SCRIPT_H

#include <stdio.h>

#include "../../nn/error.h"
#include "draw_app.h"

typedef enum {
    SCRIPT_STROKE = 1,
    SCRIPT_ERASE,
    SCRIPT_CLEAR,
    SCRIPT_KEY,
    SCRIPT_WAIT,
    SCRIPT_MOUSE,
    SCRIPT_CLICK,
    SCRIPT_WHEEL,
    SCRIPT_DROP,
    SCRIPT_STATUS,
    SCRIPT_HOVER,
} script_op;

typedef struct {
    script_op op;
    int line;
    float *points; /* x,y pairs (stroke, erase) */
    int npoints;
    int key, mods; /* key */
    int ms;        /* wait */
    int x, y, button; /* hover: y = ROW, x = COL */
    float wheel;
    char *path;    /* drop */
} script_cmd;

typedef struct {
    script_cmd *cmds;
    int count;
} script;

/* Parses text; errors name "name:LINE". */
nn_status script_parse(const char *text, const char *name, script *s, nn_error *err);
/* Reads and parses a file. */
nn_status script_load(const char *path, script *s, nn_error *err);
void script_free(script *s);

typedef struct {
    FILE *out;            /* predict lines; NULL: not printed */
    int render_each_step; /* render a frame after every simulated pointer movement, as the
                             window would (for timing and --window) */
    /* Called after each rendered frame, e.g. to show it; may be NULL. */
    void (*present)(void *ctx, draw_app *app);
    /* Real waiting for `wait` (the app clock always advances); may be NULL. */
    void (*sleep)(void *ctx, int ms);
    void *ctx;
} script_runner;

/* Runs every command against app. Fails only when the app cannot go on
 * (e.g. out of memory); a dropped bad file is the app's red message. */
nn_status script_run(const script *s, draw_app *app, const script_runner *r, nn_error *err);

#endif
