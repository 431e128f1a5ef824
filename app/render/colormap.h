/* Colour maps for weight pictures, each returning an opaque 0xFFRRGGBB.
 * All three are readable by colour-blind viewers: viridis and gray are
 * monotonic in luminance; the diverging map only uses blue and red, which
 * stay apart under the common colour-vision deficiencies. */
#ifndef APP_COLORMAP_H
#define APP_COLORMAP_H

#include <stdint.h>

/* matplotlib's viridis, t in [0,1] (clamped; NaN counts as 0). */
uint32_t colormap_viridis(float t);
/* Blue (t = -1) -> white (0) -> red (+1), like ColorBrewer RdBu reversed,
 * t clamped to [-1,1]. */
uint32_t colormap_diverging(float t);
/* Black (0) -> white (1), t clamped. */
uint32_t colormap_gray(float t);

/* Relative luminance (0..1, Rec. 709 weights on linearised sRGB) of a colour:
 * what the tests use to check maps are perceptually ordered. */
float colormap_luminance(uint32_t color);

#endif
