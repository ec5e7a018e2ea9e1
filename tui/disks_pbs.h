#ifndef LIFEBOAT_TUI_DISKS_PBS_H
#define LIFEBOAT_TUI_DISKS_PBS_H

#include "backend/app.h"
#include "tui/draw.h"
#include "tui/screen.h"

/*
 * The Disks screen's section "as PBS reports them": the disks of the [pbs]
 * host from app->pmx->pbs_disks (read in the PBS round, cached): name,
 * model, serial, type, use, size, PBS's SMART status (failed crit, unknown
 * explained) and wearout, and the configured [disk] with the same serial
 * (lifeboat's own smartctl view) on the same row. The screen's cursor may
 * sit on a row (Enter: its SMART attributes, tui/pbs_smart_panel.h).
 */

/* Rows the section wants at width w (box included); 0 when there is no [pbs]. */
int disks_pbs_height(const struct app *app, int w);
/* sel: the row of app->pmx->pbs_disks the screen's cursor is on, -1: none. */
void disks_pbs_draw(const struct app *app, struct rect r, const struct screen_ctx *ctx, long sel);

#endif
