#ifndef LIFEBOAT_TUI_SCR_DISKS_H
#define LIFEBOAT_TUI_SCR_DISKS_H

#include "tui/draw.h"
#include "tui/screen.h"

/*
 * Screen 4, Disks (scr_disks_ops in screen.h), and the one-line disk health
 * the Overview shows: the main disk's (the USB SSD's) verdict, temperature,
 * wear and fill, then the others' verdicts while they fit.
 */
void disks_draw_health_line(const struct app *app, int y, int x, int w,
                            const struct screen_ctx *ctx);

#endif
