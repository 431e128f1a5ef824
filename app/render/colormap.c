/* Colour maps: piecewise-linear interpolation between published control
 * colours (in sRGB, which is how matplotlib and ColorBrewer interpolate). */
#include "colormap.h"

#include <math.h>

typedef struct {
    float t;
    uint32_t rgb; /* 0xRRGGBB */
} color_stop;

/* matplotlib's viridis sampled at the positions the R viridis package
 * publishes for 5..10 colours (all samples of one 256-entry table). */
static const color_stop viridis_stops[] = {
    {0.0f / 9, 0x440154}, {1.0f / 9, 0x482878}, {1.0f / 6, 0x443A83}, {2.0f / 9, 0x3E4A89},
    {0.25f, 0x3B528B},    {1.0f / 3, 0x31688E}, {0.4f, 0x2A788E},     {4.0f / 9, 0x26828E},
    {0.5f, 0x21918C},     {5.0f / 9, 0x1F9E89}, {0.6f, 0x22A884},     {2.0f / 3, 0x35B779},
    {0.75f, 0x5EC962},    {7.0f / 9, 0x6DCD59}, {0.8f, 0x7AD151},     {5.0f / 6, 0x8FD744},
    {8.0f / 9, 0xB4DE2C}, {1.0f, 0xFDE725},
};

/* ColorBrewer RdBu (11 classes) reversed, from -1 to +1, with pure white at
 * the centre so a zero weight reads as "nothing". */
static const color_stop diverging_stops[] = {
    {-1.0f, 0x053061}, {-0.8f, 0x2166AC}, {-0.6f, 0x4393C3}, {-0.4f, 0x92C5DE},
    {-0.2f, 0xD1E5F0}, {0.0f, 0xFFFFFF},  {0.2f, 0xFDDBC7},  {0.4f, 0xF4A582},
    {0.6f, 0xD6604D},  {0.8f, 0xB2182B},  {1.0f, 0x67001F},
};

static uint32_t lerp_stops(const color_stop *stops, int count, float t) {
    if (!(t > stops[0].t)) return 0xFF000000u | stops[0].rgb; /* also catches NaN */
    if (t >= stops[count - 1].t) return 0xFF000000u | stops[count - 1].rgb;
    int k = 1;
    while (stops[k].t < t) k++;
    float f = (t - stops[k - 1].t) / (stops[k].t - stops[k - 1].t);
    uint32_t c0 = stops[k - 1].rgb, c1 = stops[k].rgb, out = 0xFF000000u;
    for (int shift = 0; shift <= 16; shift += 8) {
        float a = (float)((c0 >> shift) & 0xFF), b = (float)((c1 >> shift) & 0xFF);
        out |= (uint32_t)lroundf(a + (b - a) * f) << shift;
    }
    return out;
}

uint32_t colormap_viridis(float t) {
    return lerp_stops(viridis_stops, (int)(sizeof viridis_stops / sizeof *viridis_stops), t);
}

uint32_t colormap_diverging(float t) {
    if (t != t) t = 0.0f; /* NaN: show as zero, not as an extreme */
    return lerp_stops(diverging_stops, (int)(sizeof diverging_stops / sizeof *diverging_stops),
                      t);
}

uint32_t colormap_gray(float t) {
    if (!(t > 0.0f)) t = 0.0f;
    if (t > 1.0f) t = 1.0f;
    uint32_t v = (uint32_t)lroundf(t * 255.0f);
    return 0xFF000000u | v << 16 | v << 8 | v;
}

static float linearise(uint32_t channel) {
    float c = (float)channel / 255.0f;
    return c <= 0.04045f ? c / 12.92f : powf((c + 0.055f) / 1.055f, 2.4f);
}

float colormap_luminance(uint32_t color) {
    return 0.2126f * linearise((color >> 16) & 0xFF) + 0.7152f * linearise((color >> 8) & 0xFF) +
           0.0722f * linearise(color & 0xFF);
}
