#ifndef LIFEBOAT_TUI_SCR_SNAPSHOTS_H
#define LIFEBOAT_TUI_SCR_SNAPSHOTS_H

#include <stddef.h>
#include <time.h>

#include "tui/draw.h"
#include "tui/screen.h"
#include "tui/theme.h"

/*
 * Screen 6, Snapshots (scr_snapshots_ops in screen.h), and what the
 * Overview borrows from it: the rollback and PBS cells of a guest's row in
 * the 3-2-1 matrix, and the PBS datastore line of the storage gauges.
 */
struct app;
struct pmx_guest;

/* "2d", "20d ▲", "·" (no snapshot) with its element. */
enum theme_el snapshots_rollback_cell(const struct app *app, const struct pmx_guest *g, time_t now,
                                      char *out, size_t n);
/* "19h ✓", "none ▲", "19h ✗ verify", "?" (not read) with its element. */
enum theme_el snapshots_pbs_cell(const struct app *app, const struct pmx_guest *g, time_t now,
                                 char *out, size_t n);
/*
 * One line: "PBS usb-ssd ████████░░░░ 45 % full ~Jul 2027" (or why it is
 * not known) at (y, x) in w columns. Nothing without a [pbs] section.
 */
void snapshots_draw_datastore_line(const struct app *app, int y, int x, int w,
                                   const struct screen_ctx *ctx);

#endif
