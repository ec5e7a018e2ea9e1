#ifndef LIFEBOAT_TUI_SPARKLINE_H
#define LIFEBOAT_TUI_SPARKLINE_H

#include <stddef.h>
#include <time.h>

#include "tui/provide_curses.h"

/*
 * A sparkline: a series over time in one row of block glyphs (▁..█, an
 * ASCII ramp in LANG=C). The time span [from, to] is cut into w columns;
 * each column shows the highest value that fell into it (the worst
 * temperature of a day, the wear at its highest), scaled between lo and hi.
 * A column without a value stays blank.
 */

/*
 * Levels 1..8 per column (0: no value) for n points (at[i], v[i]). lo >= hi:
 * the scale comes from the data (a flat series sits in the middle). Pure.
 */
void sparkline_levels(const time_t *at, const double *v, size_t n, time_t from, time_t to, int w,
                      double lo, double hi, int *levels);

/* Draw w levels at (y, x) with attr; blanks where there is no value. */
void sparkline_draw(int y, int x, const int *levels, int w, attr_t attr);

#endif
