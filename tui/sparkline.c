#include "tui/sparkline.h"

#include <stdbool.h>

#include "tui/draw.h"
#include "tui/glyph.h"

void sparkline_levels(const time_t *at, const double *v, size_t n, time_t from, time_t to, int w,
                      double lo, double hi, int *levels)
{
    double span = (double)(to - from);
    double best[512];
    int have[512];

    if (w <= 0)
        return;
    if (w > 512)
        w = 512;
    for (int c = 0; c < w; c++) {
        levels[c] = 0;
        have[c] = 0;
        best[c] = 0;
    }
    if (lo >= hi) {
        bool first = true;

        for (size_t i = 0; i < n; i++) {
            if (at[i] < from || at[i] > to)
                continue;
            if (first || v[i] < lo)
                lo = v[i];
            if (first || v[i] > hi)
                hi = v[i];
            first = false;
        }
    }
    for (size_t i = 0; i < n; i++) {
        int c;

        if (at[i] < from || at[i] > to)
            continue;
        c = span > 0 ? (int)((double)(at[i] - from) / span * w) : w - 1;
        if (c >= w)
            c = w - 1;
        if (c < 0)
            c = 0;
        if (!have[c] || v[i] > best[c])
            best[c] = v[i];
        have[c] = 1;
    }
    for (int c = 0; c < w; c++) {
        double x;

        if (!have[c])
            continue;
        if (hi <= lo) {
            levels[c] = 4; /* flat: the middle */
            continue;
        }
        x = (best[c] - lo) / (hi - lo);
        if (x < 0)
            x = 0;
        if (x > 1)
            x = 1;
        levels[c] = 1 + (int)(x * 7 + 0.5);
    }
}

void sparkline_draw(int y, int x, const int *levels, int w, attr_t attr)
{
    static const enum glyph ramp[8] = { G_SPARK1, G_SPARK2, G_SPARK3, G_SPARK4,
                                        G_SPARK5, G_SPARK6, G_SPARK7, G_SPARK8 };

    for (int c = 0; c < w; c++) {
        int l = levels[c];

        if (l >= 1 && l <= 8)
            draw_text(y, x + c, 1, attr, glyph(ramp[l - 1]));
    }
}
