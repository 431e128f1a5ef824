/* The key table (draw_keys.c): one entry per key drives the handler, the help overlay and auto-repeat. */
#ifndef APP_DRAW_KEYS_H
#define APP_DRAW_KEYS_H

#include "draw_state.h"

enum { KEY_ANY_VIEW = -1 };

typedef struct {
    int key;           /* APP_KEY_* or a lowercase character; 0: a help line only (mouse) */
    int mods;          /* modifiers that must be held (APP_MOD_CTRL, APP_MOD_SHIFT) */
    int view;          /* the tab it acts in (draw_view), or KEY_ANY_VIEW */
    int repeats;       /* acts again while held down */
    void (*run)(draw_app *a, int key, int mods);
    const char *section; /* starts a help section with this title, or NULL */
    const char *keys;    /* help: the keys as shown, NULL: described by the entry before */
    const char *what;    /* help: what it does */
} key_binding;

extern const key_binding key_table[];
extern const int key_table_count;

/* Runs the key's entry for the current tab (else its entry for any tab);
 * returns 0 when none matches. */
int keys_handle(draw_app *a, int key, int mods);

/* Whether a held key acts again (for the window's auto-repeat). */
int keys_repeat(int key);

#endif
