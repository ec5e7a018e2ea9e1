#ifndef LIFEBOAT_TUI_RUNS_PMX_H
#define LIFEBOAT_TUI_RUNS_PMX_H

#include "tui/action.h"
#include "tui/draw.h"
#include "tui/screen.h"

/*
 * The Runs screen's Proxmox view (key t): the recent tasks of Proxmox VE and
 * PBS whoever started them (app->pmx->recent, refreshed with the other
 * Proxmox reads and cached, so it draws at once), failed ones coloured;
 * Enter opens a task's log, read page by page through the loop with a
 * spinner, scrolled with the arrows and PgUp/PgDn; Esc goes back.
 */
struct runs_pmx;

struct runs_pmx *runs_pmx_new(struct app *app);
void runs_pmx_free(struct runs_pmx *v);
void runs_pmx_draw(struct runs_pmx *v, struct rect area, const struct screen_ctx *ctx);
/* REACT_HANDLED when the view took the action. */
unsigned runs_pmx_action(struct runs_pmx *v, enum action a);

#endif
