#ifndef LIFEBOAT_TUI_SCR_RUNS_H
#define LIFEBOAT_TUI_SCR_RUNS_H

#include <stdbool.h>
#include <stddef.h>

#include "tui/draw.h"
#include "tui/screen.h"

/*
 * Screen 3, Runs (scr_runs_ops in screen.h), and what other parts of the
 * console show of runs: the status-line progress of whatever runs (this
 * console's run or a timer's), the Overview's job lines (next and last run)
 * and the `:run JOB` command.
 */

/*
 * Draw the progress of the active run at the right end of the status line
 * (y, columns [.., right)). Returns the width used, 0 when nothing runs.
 */
int runs_draw_status(const struct app *app, int y, int right, const struct screen_ctx *ctx);

/* One line per job (at most max): next run and last run. Returns the lines drawn. */
int runs_draw_job_lines(const struct app *app, int y, int x, int w, int max,
                        const struct screen_ctx *ctx);

/*
 * `:run JOB`: open the Runs screen's confirmation for job (as `s` does).
 * false with why filled when there is no such job or the screen is not up.
 */
bool runs_ask_start(const char *job, char *why, size_t n);

#endif
