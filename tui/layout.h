#ifndef LIFEBOAT_TUI_LAYOUT_H
#define LIFEBOAT_TUI_LAYOUT_H

#include <stdbool.h>

/*
 * Layout maths, pure: which table columns fit a width, and how panels share
 * a height. Tested at 80x24 and 200x60.
 */

struct col_spec {
    const char *title;
    int min;    /* columns it needs to be shown at all */
    int max;    /* it never grows past this (0: no limit) */
    int prio;   /* lower is more important: shown first, widened first */
    bool right; /* right-aligned (numbers) */
};

/*
 * Widths for n columns in width, gap blanks between shown columns: the most
 * important columns that fit at their minimum are shown (out_w[i] > 0), the
 * rest hidden (out_w[i] == 0); the space left widens shown columns in
 * priority order up to their max. Returns the number of columns shown.
 */
int layout_columns(const struct col_spec *cols, int n, int width, int gap, int *out_w);

/*
 * Share height between n stacked panels: each first gets min[i] (in order,
 * while space lasts), then grows towards want[i] in order; a want of -1
 * takes whatever is left at the end. out[i] may be 0 (panel not shown).
 */
void layout_stack(int height, int n, const int *min, const int *want, int *out);

#endif
