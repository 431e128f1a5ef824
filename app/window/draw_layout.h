/* The top-level layout (draw_layout.c): panel rectangles and widgets from the frame size and state. */
#ifndef APP_DRAW_LAYOUT_H
#define APP_DRAW_LAYOUT_H

#include "draw_state.h"

void layout_update(draw_app *a);

#endif
