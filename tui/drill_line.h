#ifndef LIFEBOAT_TUI_DRILL_LINE_H
#define LIFEBOAT_TUI_DRILL_LINE_H

#include <stdbool.h>
#include <time.h>

#include "backend/rules.h"

struct app;
struct screen_ctx;

/*
 * The restore drills at a glance for the Overview: each kind the config
 * allows, when it last passed and whether it is overdue against its cadence
 * (the Drills screen has the detail). Reads the store at most every
 * DRILL_LINE_REFRESH seconds.
 */
#define DRILL_LINE_REFRESH 30

struct drill_line {
    struct rules_chores chores;
    time_t read_at; /* 0: never read */
    bool ok;        /* the last read worked */
};

/* Reread the store when the copy is older than DRILL_LINE_REFRESH (or never read). */
void drill_line_update(struct drill_line *dl, const struct app *app, time_t now);
/* Kinds that apply and are overdue or never passed. */
int drill_line_overdue(const struct drill_line *dl, time_t now);
/* Whether there is anything to show (some kind applies). */
bool drill_line_applies(const struct drill_line *dl);
void drill_line_draw(const struct drill_line *dl, int y, int x, int w, const struct screen_ctx *ctx);

#endif
