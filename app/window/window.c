/* SDL2 window, event translation and frame upload (see window.h). */
#include "window.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <SDL.h>

struct window {
    SDL_Window *win;
    SDL_Renderer *ren;
    SDL_Texture *tex;
    int tex_w, tex_h;
    int closed;
};

nn_status window_open(window **out, const char *title, int w, int h, nn_error *err) {
    *out = NULL;
    if (SDL_Init(SDL_INIT_VIDEO) != 0)
        return nn_fail(err, NN_ERR_IO,
                       "cannot open a window (no display?): %s; for headless use "
                       "--script FILE --screenshot OUT.png",
                       SDL_GetError());
    /* Without a display SDL falls back to drivers that show nothing; unless the
     * user asked for one (SDL_VIDEODRIVER), say so instead of running unseen. */
    const char *driver = SDL_GetCurrentVideoDriver();
    const char *asked = SDL_getenv("SDL_VIDEODRIVER");
    if (driver && (!asked || !*asked) &&
        (!strcmp(driver, "offscreen") || !strcmp(driver, "dummy") || !strcmp(driver, "evdev"))) {
        SDL_Quit();
        return nn_fail(err, NN_ERR_IO,
                       "no display found (SDL fell back to its '%s' driver, which shows nothing); "
                       "run it in a desktop session, or headless with --script FILE --screenshot "
                       "OUT.png", driver);
    }
    window *win = calloc(1, sizeof *win);
    if (!win) {
        SDL_Quit();
        return nn_fail(err, NN_ERR_NOMEM, "out of memory for the window");
    }
    SDL_Rect usable;
    if (SDL_GetDisplayUsableBounds(0, &usable) == 0) {
        /* leave room for decorations on small screens */
        if (w > usable.w - 40) w = usable.w - 40;
        if (h > usable.h - 60) h = usable.h - 60;
        if (w < DRAW_MIN_W) w = DRAW_MIN_W;
        if (h < DRAW_MIN_H) h = DRAW_MIN_H;
    }
    win->win = SDL_CreateWindow(title, SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, w, h,
                                SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI);
    if (win->win) {
        SDL_SetWindowMinimumSize(win->win, DRAW_MIN_W, DRAW_MIN_H);
        /* any renderer will do: we only copy one texture; software works too */
        win->ren = SDL_CreateRenderer(win->win, -1, 0);
        if (!win->ren) win->ren = SDL_CreateRenderer(win->win, -1, SDL_RENDERER_SOFTWARE);
    }
    if (!win->win || !win->ren) {
        nn_fail(err, NN_ERR_IO, "cannot open a window: %s", SDL_GetError());
        window_close(win);
        return NN_ERR_IO;
    }
    *out = win;
    return NN_OK;
}

void window_close(window *win) {
    if (!win) return;
    if (win->tex) SDL_DestroyTexture(win->tex);
    if (win->ren) SDL_DestroyRenderer(win->ren);
    if (win->win) SDL_DestroyWindow(win->win);
    free(win);
    SDL_Quit();
}

void window_buffer_size(window *win, int *w, int *h, float *ratio) {
    int ww, wh, ow, oh;
    SDL_GetWindowSize(win->win, &ww, &wh);
    if (SDL_GetRendererOutputSize(win->ren, &ow, &oh) != 0) ow = ww, oh = wh;
    if (ow <= 0 || oh <= 0) ow = ww > 0 ? ww : 1, oh = wh > 0 ? wh : 1;
    *w = ow;
    *h = oh;
    *ratio = ww > 0 ? (float)ow / ww : 1.0f;
}

nn_status window_present(window *win, const gfx_image *frame, nn_error *err) {
    if (!win->tex || win->tex_w != frame->w || win->tex_h != frame->h) {
        if (win->tex) SDL_DestroyTexture(win->tex);
        win->tex = SDL_CreateTexture(win->ren, SDL_PIXELFORMAT_ARGB8888,
                                     SDL_TEXTUREACCESS_STREAMING, frame->w, frame->h);
        if (!win->tex) return nn_fail(err, NN_ERR_IO, "cannot create a texture: %s", SDL_GetError());
        win->tex_w = frame->w;
        win->tex_h = frame->h;
    }
    if (SDL_UpdateTexture(win->tex, NULL, frame->px, frame->w * 4) != 0 ||
        SDL_RenderClear(win->ren) != 0 || SDL_RenderCopy(win->ren, win->tex, NULL, NULL) != 0)
        return nn_fail(err, NN_ERR_IO, "cannot draw the frame: %s", SDL_GetError());
    SDL_RenderPresent(win->ren);
    return NN_OK;
}

/* Window points -> frame-buffer pixels (they differ on HiDPI screens). */
static void to_pixels(window *win, int x, int y, int *px, int *py) {
    int ww, wh, ow, oh;
    SDL_GetWindowSize(win->win, &ww, &wh);
    if (SDL_GetRendererOutputSize(win->ren, &ow, &oh) != 0 || ww <= 0 || wh <= 0) {
        *px = x, *py = y;
        return;
    }
    *px = (int)((long long)x * ow / ww);
    *py = (int)((long long)y * oh / wh);
}

static int app_mods(Uint16 mod) {
    int m = 0;
    if (mod & KMOD_SHIFT) m |= APP_MOD_SHIFT;
    if (mod & (KMOD_CTRL | KMOD_GUI)) m |= APP_MOD_CTRL; /* Cmd+Z on a Mac */
    if (mod & KMOD_ALT) m |= APP_MOD_ALT;
    return m;
}

static int app_key(SDL_Keycode sym) {
    switch (sym) {
    case SDLK_LEFT: return APP_KEY_LEFT;
    case SDLK_RIGHT: return APP_KEY_RIGHT;
    case SDLK_UP: return APP_KEY_UP;
    case SDLK_DOWN: return APP_KEY_DOWN;
    case SDLK_PAGEUP: return APP_KEY_PAGEUP;
    case SDLK_PAGEDOWN: return APP_KEY_PAGEDOWN;
    case SDLK_HOME: return APP_KEY_HOME;
    case SDLK_END: return APP_KEY_END;
    case SDLK_ESCAPE: return APP_KEY_ESCAPE;
    case SDLK_RETURN: case SDLK_KP_ENTER: return APP_KEY_RETURN;
    case SDLK_TAB: return APP_KEY_TAB;
    case SDLK_BACKSPACE: return APP_KEY_BACKSPACE;
    case SDLK_DELETE: return APP_KEY_DELETE;
    case SDLK_SPACE: return ' ';
    case SDLK_KP_PLUS: return '+';
    case SDLK_KP_MINUS: return '-';
    case SDLK_KP_0: return '0';
    default: break;
    }
    if (sym >= SDLK_F1 && sym <= SDLK_F12) return APP_KEY_F1 + (int)(sym - SDLK_F1);
    if (sym > 0x20 && sym < 0x7F) return tolower((int)sym);
    return 0;
}

/* One SDL event -> the app; returns 1 if the window must be shown again
 * without re-rendering (exposed). */
static int feed(window *win, draw_app *app, const SDL_Event *e, nn_error *err, nn_status *st) {
    app_event ev = {0};
    switch (e->type) {
    case SDL_QUIT: win->closed = 1; return 0;
    case SDL_WINDOWEVENT:
        switch (e->window.event) {
        case SDL_WINDOWEVENT_SIZE_CHANGED:
        case SDL_WINDOWEVENT_RESIZED:
        case SDL_WINDOWEVENT_DISPLAY_CHANGED: {
            int w, h;
            float ratio;
            window_buffer_size(win, &w, &h, &ratio);
            *st = draw_app_resize(app, w, h, ratio, err);
            return 0;
        }
        case SDL_WINDOWEVENT_EXPOSED: return 1;
        case SDL_WINDOWEVENT_LEAVE: ev.type = APP_EV_MOUSE_LEAVE; break;
        case SDL_WINDOWEVENT_CLOSE: win->closed = 1; return 0;
        default: return 0;
        }
        break;
    case SDL_MOUSEMOTION:
        ev.type = APP_EV_MOUSE_MOVE;
        to_pixels(win, e->motion.x, e->motion.y, &ev.x, &ev.y);
        break;
    case SDL_MOUSEBUTTONDOWN:
    case SDL_MOUSEBUTTONUP:
        ev.type = e->type == SDL_MOUSEBUTTONDOWN ? APP_EV_MOUSE_DOWN : APP_EV_MOUSE_UP;
        to_pixels(win, e->button.x, e->button.y, &ev.x, &ev.y);
        ev.button = e->button.button == SDL_BUTTON_LEFT     ? APP_BUTTON_LEFT
                    : e->button.button == SDL_BUTTON_MIDDLE ? APP_BUTTON_MIDDLE
                    : e->button.button == SDL_BUTTON_RIGHT  ? APP_BUTTON_RIGHT
                                                            : 0;
        if (!ev.button) return 0;
        break;
    case SDL_MOUSEWHEEL: {
        int mx, my;
        SDL_GetMouseState(&mx, &my);
        ev.type = APP_EV_WHEEL;
        to_pixels(win, mx, my, &ev.x, &ev.y);
        ev.wheel = e->wheel.preciseY;
        if (e->wheel.direction == SDL_MOUSEWHEEL_FLIPPED) ev.wheel = -ev.wheel;
        if (ev.wheel == 0.0f) return 0;
        break;
    }
    case SDL_KEYDOWN:
        ev.type = APP_EV_KEY;
        ev.key = app_key(e->key.keysym.sym);
        ev.mods = app_mods(e->key.keysym.mod);
        if (!ev.key || (e->key.repeat && !app_key_repeats(ev.key))) return 0;
        break;
    case SDL_DROPFILE:
        ev.type = APP_EV_DROP;
        ev.path = e->drop.file;
        draw_app_handle(app, &ev);
        SDL_free(e->drop.file);
        return 0;
    default: return 0;
    }
    draw_app_handle(app, &ev);
    return 0;
}

nn_status window_run(window *win, draw_app *app, nn_error *err) {
    int w, h;
    float ratio;
    window_buffer_size(win, &w, &h, &ratio);
    nn_status st = draw_app_resize(app, w, h, ratio, err);
    if (st != NN_OK) return st;
    SDL_EventState(SDL_DROPFILE, SDL_ENABLE);
    int show = 1;
    while (!win->closed && !draw_app_quit_requested(app)) {
        draw_app_set_time(app, SDL_GetTicks64());
        if (draw_app_dirty(app)) {
            draw_app_render(app);
            show = 1;
        }
        if (show) {
            st = window_present(win, draw_app_frame(app), err);
            if (st != NN_OK) return st;
            show = 0;
        }
        /* sleep until something happens, or a message is due to vanish */
        int timeout = draw_app_timeout_ms(app);
        SDL_Event e;
        int got = timeout < 0 ? SDL_WaitEvent(&e) : SDL_WaitEventTimeout(&e, timeout + 1);
        if (!got) continue;
        draw_app_set_time(app, SDL_GetTicks64()); /* events are handled at their time */
        /* everything queued goes in before the next frame: a burst of mouse
         * motion costs one render */
        do {
            show |= feed(win, app, &e, err, &st);
            if (st != NN_OK) return st;
        } while (SDL_PollEvent(&e));
    }
    return NN_OK;
}

int window_pump(window *win) {
    SDL_Event e;
    while (SDL_PollEvent(&e))
        if (e.type == SDL_QUIT ||
            (e.type == SDL_WINDOWEVENT && e.window.event == SDL_WINDOWEVENT_CLOSE))
            win->closed = 1;
        else if (e.type == SDL_DROPFILE)
            SDL_free(e.drop.file);
    return win->closed;
}

void window_sleep(window *win, int ms) {
    Uint64 end = SDL_GetTicks64() + (Uint64)ms;
    while (!window_pump(win)) {
        Uint64 now = SDL_GetTicks64();
        if (now >= end) break;
        SDL_Delay(end - now > 15 ? 15 : (Uint32)(end - now));
    }
}
