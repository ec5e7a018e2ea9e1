#ifndef LIFEBOAT_TUI_PBS_SMART_PANEL_H
#define LIFEBOAT_TUI_PBS_SMART_PANEL_H

#include "backend/app.h"
#include "tui/draw.h"
#include "tui/screen.h"

/*
 * One PBS disk's SMART as PBS reports it (app->pmx->smart, opened with
 * Enter on a row of the Disks screen's PBS section): a panel over the
 * screen with a spinner while it is read, then the status, the life left
 * and the attribute table (ATA: id, name, value/worst/threshold, raw, flags,
 * the failing ones marked; NVMe: the health-log keys), scrolled with
 * j/k/PgUp/PgDn; Esc back.
 */

/* Draw it over area; *scroll is clamped; returns the body rows (the page). */
int pbs_smart_panel_draw(const struct app *app, struct rect area, const struct screen_ctx *ctx,
                         int *scroll);

#endif
