#ifndef LIFEBOAT_TUI_SCR_RETENTION_H
#define LIFEBOAT_TUI_SCR_RETENTION_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Screen 5, Retention (its ops are scr_retention_ops in screen.h). Pure helpers, for tests. */

/* The column (0..width-1) of time t on an axis from t0 to t1; -1 outside it. */
int ret_axis_col(int64_t t, int64_t t0, int64_t t1, int width);

/*
 * The axis labels of [t0, t1] for width columns: months ("Oct", the year at
 * January), or weeks ("24 Nov") or days ("Tue 25") for short spans. Writes
 * at most max (column, text) pairs that do not touch each other; returns how many.
 */
struct ret_label {
    int col;
    char text[16];
};
size_t ret_axis_labels(int64_t t0, int64_t t1, int width, struct ret_label *out, size_t max);

#endif
