/* The Training tab: the UI side of trainer.c. Everything here runs on the
 * UI thread and only takes the trainer's short lock (snapshots, parameter
 * copies); stopping never joins a running thread. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../render/heatmap.h"
#include "../render/receptive.h"
#include "draw_gfx.h"
#include "draw_samples.h"
#include "draw_train.h"

#define POLL_MS 200

static int active(const draw_app *a) {
    return a->tr.t && (a->tr.st.state == TRAINER_LOADING || a->tr.st.state == TRAINER_RUNNING ||
                       a->tr.st.state == TRAINER_PAUSED);
}

#define TRAIN_LAYERS 3

static void free_heat(draw_app *a) {
    for (int i = 0; i < TRAINER_NETS; i++) heat_matrix_free(&a->tr.heat[i]);
    a->tr.heat_version = 0;
}

static void free_view(draw_app *a) {
    free_heat(a);
    if (a->tr.view_ok)
        for (int i = 0; i < TRAINER_NETS; i++) nn_mlp_free(&a->tr.view[i]);
    a->tr.view_ok = 0;
    a->tr.view_version = 0;
}

/* The trainer goes to the retiring list: it stops after its chunk and is
 * joined by a later tick once finished. */
static void retire(draw_app *a) {
    if (!a->tr.t) return;
    trainer_request_stop(a->tr.t);
    for (int i = 0; i < 8; i++)
        if (!a->tr.retiring[i]) {
            a->tr.retiring[i] = a->tr.t;
            a->tr.t = NULL;
            return;
        }
    trainer_free(a->tr.t); /* eight stopped and still busy: wait for this one */
    a->tr.t = NULL;
}

void train_tab_run(draw_app *a) {
    if (a->tr.t) {
        if (a->tr.st.state == TRAINER_DONE || a->tr.st.state == TRAINER_FAILED) return;
        /* the UI's own flag: the thread sees it at its next chunk */
        a->tr.paused = !a->tr.paused;
        trainer_set_paused(a->tr.t, a->tr.paused);
        a->dirty |= D_FULL;
        return;
    }
    if (!a->sm.data_dir[0]) {
        message_set(a, 1, "training needs MNIST: start with --data DIR or set MNIST_DIR");
        return;
    }
    a->tr.cfg.data_dir = a->sm.data_dir;
    nn_error err;
    if (trainer_start(&a->tr.t, &a->tr.cfg, &err) != NN_OK) {
        message_set(a, 1, "%s", err.msg);
        return;
    }
    memset(&a->tr.st, 0, sizeof a->tr.st);
    a->tr.st.state = TRAINER_LOADING;
    a->tr.paused = 0;
    a->tr.next_poll_ms = a->now_ms;
    free_view(a);
    a->dirty |= D_FULL;
}

void train_tab_reset(draw_app *a) {
    retire(a);
    memset(&a->tr.st, 0, sizeof a->tr.st);
    free_view(a);
    a->dirty |= D_FULL;
}

void train_tab_step_ndyad(draw_app *a, int dir) {
    static const int choices[] = {2, 4, 8, 16};
    int k = 0;
    while (k < 3 && choices[k] != a->tr.cfg.ndyad) k++;
    k = k + dir < 0 ? 0 : k + dir > 3 ? 3 : k + dir;
    if (choices[k] == a->tr.cfg.ndyad) return;
    if (a->tr.t) train_tab_reset(a); /* another net: start over */
    a->tr.cfg.ndyad = choices[k];
    a->dirty |= D_FULL;
}

void train_tab_toggle_heat(draw_app *a) {
    a->tr.show_heat = !a->tr.show_heat;
    a->dirty |= D_FULL;
}

void train_tab_step_layer(draw_app *a, int dir) {
    int l = a->tr.heat_layer + (dir < 0 ? -1 : 1);
    a->tr.heat_layer = (l + TRAIN_LAYERS) % TRAIN_LAYERS; /* the button cycles */
    a->tr.show_heat = 1;
    a->dirty |= D_FULL;
}

/* The heatmaps from the tab's parameter copies: rebuilt only when a new
 * version arrived or the layer changed (UI thread, no lock needed). */
static void refresh_heat(draw_app *a) {
    if (!a->tr.view_ok || !a->tr.show_heat) return;
    if (a->tr.heat_version == a->tr.view_version && a->tr.heat_built_layer == a->tr.heat_layer)
        return;
    free_heat(a);
    for (int i = 0; i < TRAINER_NETS; i++) {
        nn_error err;
        if (heat_matrix_build(&a->tr.heat[i], &a->tr.view[i].layers[a->tr.heat_layer],
                              HEAT_PART_BOTH, 0, &err) != NN_OK) {
            message_set(a, 1, "%s", err.msg);
            free_heat(a);
            return;
        }
    }
    /* the colour scale sorts |w|: once per build, not per frame */
    for (int i = 0; i < TRAINER_NETS; i++) a->tr.heat_range[i] = heat_matrix_abs_quantile(&a->tr.heat[i], 0.99f);
    a->tr.heat_version = a->tr.view_version;
    a->tr.heat_built_layer = a->tr.heat_layer;
}

int train_tab_status_json(draw_app *a, char *buf, size_t size) {
    refresh_heat(a);
    double sum[TRAINER_NETS] = {0};
    for (int i = 0; i < TRAINER_NETS; i++) {
        const heat_matrix *m = &a->tr.heat[i];
        for (long k = 0; a->tr.heat_version && k < (long)m->rows * m->cols; k++)
            sum[i] += fabsf(m->value[k]);
    }
    return snprintf(buf, size,
                    ",\"training\":{\"shown\":\"%s\",\"layer\":%d,\"width\":%d,\"ndyad\":%d,"
                    "\"seed\":%lu,\"version\":%ld,\"heat_abs_sum\":[%.9g,%.9g]}",
                    a->tr.show_heat ? "heatmaps" : "fields", a->tr.heat_layer + 1, a->tr.cfg.width,
                    a->tr.cfg.ndyad, a->tr.cfg.seed, a->tr.view_version, sum[0], sum[1]);
}

/* The published parameters into the tab's own copies (for the fields). */
static void refresh_view(draw_app *a) {
    if (!a->tr.t || a->tr.st.version == a->tr.view_version) return;
    nn_error err;
    if (!a->tr.view_ok) {
        for (int i = 0; i < TRAINER_NETS; i++) {
            nn_layer_spec specs[3];
            trainer_specs(&a->tr.cfg, i, specs);
            if (nn_mlp_create(&a->tr.view[i], 784, specs, 3, 0, &err) != NN_OK) {
                for (int k = 0; k < i; k++) nn_mlp_free(&a->tr.view[k]);
                message_set(a, 1, "%s", err.msg);
                return;
            }
        }
        a->tr.view_ok = 1;
    }
    for (int i = 0; i < TRAINER_NETS; i++) trainer_copy_params(a->tr.t, i, &a->tr.view[i]);
    a->tr.view_version = a->tr.st.version;
}

void train_tab_tick(draw_app *a) {
    for (int i = 0; i < 8; i++)
        if (a->tr.retiring[i] && trainer_finished(a->tr.retiring[i])) {
            trainer_free(a->tr.retiring[i]); /* finished: no wait */
            a->tr.retiring[i] = NULL;
        }
    if (!a->tr.t || a->now_ms < a->tr.next_poll_ms) return;
    a->tr.next_poll_ms = a->now_ms + POLL_MS;
    long before = a->tr.st.version;
    int state = a->tr.st.state;
    trainer_snapshot(a->tr.t, &a->tr.st);
    if (a->tr.st.version != before || a->tr.st.state != state) {
        refresh_view(a);
        if (a->view == DRAW_VIEW_TRAIN) a->dirty |= D_RIGHT;
        if (a->tr.st.state == TRAINER_FAILED) message_set(a, 1, "training: %s", a->tr.st.error);
    }
}

int train_tab_timeout_ms(const draw_app *a) {
    int retiring = 0;
    for (int i = 0; i < 8; i++) retiring |= a->tr.retiring[i] != NULL;
    if (!active(a) && !retiring && !(a->tr.t && a->tr.st.state == TRAINER_LOADING)) return -1;
    return a->tr.next_poll_ms > a->now_ms ? (int)(a->tr.next_poll_ms - a->now_ms) : POLL_MS;
}

void train_tab_use(draw_app *a) {
    if (!a->tr.view_ok) {
        message_set(a, 1, "nothing trained yet: press Start and wait for the first curve points");
        return;
    }
    static const char *names[TRAINER_NETS] = {"trained-dyad", "trained-dense"};
    for (int i = 0; i < TRAINER_NETS; i++) {
        model_slot *m = &a->m[i];
        model_slot_free(m);
        nn_error err;
        nn_layer_spec specs[3];
        trainer_specs(&a->tr.cfg, i, specs);
        if (nn_mlp_create(&m->net, 784, specs, 3, 0, &err) != NN_OK) {
            message_set(a, 1, "%s", err.msg);
            continue;
        }
        memcpy(m->net.params, a->tr.view[i].params, sizeof(float) * m->net.nparams);
        nn_train_record_clear(&m->rec);
        int n = a->tr.st.npoints;
        m->rec.test_accuracy = n ? a->tr.st.points[i][n - 1].test_acc : -1.0;
        if (model_slot_setup(m, names[i], &err) != NN_OK) message_set(a, 1, "%s", err.msg);
    }
    a->wt.heat_stale = 1;
    a->wt.need_fit = 1;
    a->wt.layer = 0;
    a->input_dirty = 1;
    samples_models_changed(a);
    a->dirty |= D_FULL;
    message_set(a, 0, "the trained nets are the models now: draw a digit");
}

void train_tab_free(draw_app *a) {
    for (int i = 0; i < 8; i++) trainer_free(a->tr.retiring[i]);
    trainer_free(a->tr.t);
    free_view(a);
}

/* ---- layout ---- */

void layout_train(draw_app *a, layout *L, gfx_rect in) {
    int rowh = S(a, 28);
    gfx_rect row = {in.x, in.y, in.w, rowh};
    int x = row.x;
    const char *run = !a->tr.t        ? "\xE2\x96\xB6 Start"
                      : a->tr.paused ? "\xE2\x96\xB6 Resume"
                                     : "\xE2\x9D\x9A\xE2\x9D\x9A Pause";
    layout_row_button(a, &x, row, ACT_TRAIN_RUN, 0, active(a) && !a->tr.paused, run);
    layout_row_button(a, &x, row, ACT_TRAIN_RESET, 0, 0, "Reset");
    widget *use = layout_row_button(a, &x, row, ACT_TRAIN_USE, 0, 0, "Use as model");
    if (use && !a->tr.view_ok) use->disabled = 1;
    x += S(a, 14);
    layout_row_button(a, &x, row, ACT_TRAIN_NDYAD, -1, 0, "\xE2\x88\x92");
    char lab[32];
    snprintf(lab, sizeof lab, "ndyad %d", a->tr.cfg.ndyad);
    int w = text_w(a->font, S(a, 13), "ndyad 16");
    layout_add_widget(L, (gfx_rect){x, row.y, w + S(a, 12), row.h}, ACT_NONE, 0, 0, STYLE_TAB, lab);
    x += w + S(a, 18);
    layout_row_button(a, &x, row, ACT_TRAIN_NDYAD, 1, 0, "+");
    x += S(a, 14); /* left out where there is no room: H and [ ] still work */
    layout_row_button(a, &x, row, ACT_TRAIN_HEAT, 0, a->tr.show_heat, "W heatmaps");
    char layer[32];
    snprintf(layer, sizeof layer, "layer %d/%d", a->tr.heat_layer + 1, TRAIN_LAYERS);
    layout_row_button(a, &x, row, ACT_TRAIN_LAYER, 1, 0, layer);
    int top = in.y + rowh + S(a, 8);
    L->train_info = (gfx_rect){in.x, top, in.w, S(a, 40)};
    top += S(a, 48);
    int rf_h = (in.y + in.h - top) * 2 / 5, gap = S(a, 16);
    int plot_h = in.y + in.h - top - rf_h - gap;
    int half = (in.w - gap) / 2;
    for (int i = 0; i < 2; i++) {
        L->train_plot[i] = (gfx_rect){in.x + i * (half + gap), top, half, plot_h};
        L->train_rf_cap[i] = (gfx_rect){in.x + i * (half + gap), top + plot_h + gap, half, S(a, 18)};
        L->train_rf[i] = (gfx_rect){in.x + i * (half + gap), top + plot_h + gap + S(a, 20), half,
                                    rf_h - S(a, 20)};
    }
}

/* ---- painting ---- */

static void plot(draw_app *a, gfx_rect r, int what, const char *title) {
    gfx_image *img = &a->frame;
    gfx_text(img, bold_font(a), r.x, r.y, S(a, 13), COL_TEXT, title);
    gfx_rect p = {r.x + S(a, 40), r.y + S(a, 22), r.w - S(a, 48), r.h - S(a, 44)};
    if (p.w < 20 || p.h < 20) return;
    gfx_fill_rect(img, p, COL_WELL);
    gfx_rect_outline(img, (gfx_rect){p.x - 1, p.y - 1, p.w + 2, p.h + 2}, COL_EDGE);
    const trainer_status *s = &a->tr.st;
    int n = s->npoints;
    double xmax = n ? s->points[0][n - 1].images : 1.0;
    float lo = what ? 0.8f : 0.0f, hi = what ? 1.0f : 0.0f;
    for (int i = 0; i < TRAINER_NETS && !what; i++)
        for (int k = 0; k < n; k++) hi = s->points[i][k].loss > hi ? s->points[i][k].loss : hi;
    if (!(hi > lo)) hi = lo + 1.0f;
    for (int i = 0; i < TRAINER_NETS && what; i++) /* accuracy: from 80% or lower */
        for (int k = 0; k < n; k++)
            if (s->points[i][k].test_acc < lo) lo = floorf(s->points[i][k].test_acc * 10) / 10;
    char lab[32];
    snprintf(lab, sizeof lab, what ? "%.0f%%" : "%.2f", what ? 100.0 * hi : (double)hi);
    gfx_text(img, a->font, r.x, p.y - S(a, 4), S(a, 11), COL_DIM, lab);
    snprintf(lab, sizeof lab, what ? "%.0f%%" : "%.2f", what ? 100.0 * lo : (double)lo);
    gfx_text(img, a->font, r.x, p.y + p.h - S(a, 10), S(a, 11), COL_DIM, lab);
    snprintf(lab, sizeof lab, "%.0fk images", xmax / 1000);
    int lw = text_w(a->font, S(a, 11), lab);
    gfx_text(img, a->font, p.x + p.w - lw, p.y + p.h + S(a, 4), S(a, 11), COL_DIM, lab);
    for (int i = 0; i < TRAINER_NETS; i++) {
        int px = -1, py = -1;
        for (int k = 0; k < n; k++) {
            const trainer_point *q = &s->points[i][k];
            float v = what ? q->test_acc : q->loss;
            int x = p.x + (int)lround((p.w - 1) * q->images / xmax);
            int y = p.y + (int)lround((p.h - 1) * (1.0 - (v - lo) / (hi - lo)));
            if (y < p.y) y = p.y;
            if (y > p.y + p.h - 1) y = p.y + p.h - 1;
            if (px >= 0) {
                gfx_line(img, px, py, x, y, slot_accent[i]);
                gfx_line(img, px, py + 1, x, y + 1, slot_accent[i]);
            }
            px = x, py = y;
        }
    }
}

void draw_train(draw_app *a) {
    gfx_image *img = &a->frame;
    layout *L = &a->lay;
    const trainer_status *s = &a->tr.st;
    char info[1600];
    int n = s->npoints;
    static const char *state_names[] = {"loading MNIST ...", "training", "paused", "done",
                                        "failed"};
    if (!a->tr.t)
        snprintf(info, sizeof info,
                 "784 \xE2\x86\x92 dyad-it/%d:256 \xE2\x86\x92 dyad-it/%d:256 \xE2\x86\x92 10 and its "
                 "dense twin, Adam, batch 64, on %s. Start trains both on a background thread; the "
                 "window stays live.",
                 a->tr.cfg.ndyad, a->tr.cfg.ndyad,
                 a->sm.data_dir[0] ? a->sm.data_dir : "MNIST (none given: --data DIR)");
    else if (s->state == TRAINER_FAILED)
        snprintf(info, sizeof info, "failed: %s", s->error);
    else
        snprintf(info, sizeof info,
                 "%s  \xC2\xB7  epoch %d (%.0f%%)  \xC2\xB7  DYAD %.0f images/s, test %.2f%%  "
                 "\xC2\xB7  dense %.0f images/s, test %.2f%%",
                 state_names[s->state], s->epoch, 100.0 * s->epoch_progress, s->images_per_s[0],
                 n ? 100.0 * s->points[0][n - 1].test_acc : 0.0, s->images_per_s[1],
                 n ? 100.0 * s->points[1][n - 1].test_acc : 0.0);
    draw_text_wrap(img, a->font, L->train_info, S(a, 13), S(a, 18), COL_TEXT, info, 2);
    plot(a, L->train_plot[0], 0, "training loss");
    plot(a, L->train_plot[1], 1, "test accuracy (2000 test digits)");
    refresh_heat(a);
    for (int i = 0; i < TRAINER_NETS; i++) {
        char cap[96];
        if (a->tr.show_heat)
            snprintf(cap, sizeof cap, "%s: W of layer %d (H: fields)", i == 0 ? "DYAD" : "dense",
                     a->tr.heat_layer + 1);
        else
            snprintf(cap, sizeof cap, "%s: first-layer receptive fields", i == 0 ? "DYAD" : "dense");
        gfx_text(img, bold_font(a), L->train_rf_cap[i].x, L->train_rf_cap[i].y, S(a, 12),
                 slot_accent[i], cap);
        if (a->tr.show_heat && a->tr.heat_version) {
            const heat_matrix *m = &a->tr.heat[i];
            gfx_rect r = L->train_rf[i];
            heat_view v = {0};
            heat_view_fit(&v, m, r);
            if (m->rows * 8 < m->cols) v.row_zoom = (float)r.h / m->rows; /* the 10-row output layer */
            v.scale = HEAT_SIGNED;
            v.parts = HEAT_PART_BOTH;
            v.range = a->tr.heat_range[i];
            heat_draw(img, r, m, &v); /* outside the matrix: the panel shows */
        } else if (a->tr.view_ok && !a->tr.show_heat)
            receptive_draw(img, L->train_rf[i], &a->tr.view[i].layers[0], NN_DIGIT_SIDE, 0, 32,
                           HEAT_SIGNED, HEAT_PART_BOTH);
        else
            draw_text_center(img, a->font, L->train_rf[i], S(a, 12), COL_DIM,
                             "appear with the first trained chunk");
    }
}
