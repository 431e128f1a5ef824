/* The help overlay (draw_help.c), made from the key table. */
#ifndef APP_DRAW_HELP_H
#define APP_DRAW_HELP_H

#include "draw_state.h"

void draw_help(draw_app *a);

#endif
