#ifndef LIFEBOAT_BACKEND_CHECKLIST_H
#define LIFEBOAT_BACKEND_CHECKLIST_H

#include <stdbool.h>
#include <time.h>

#include "backend/base/err.h"
#include "backend/store.h"

/*
 * The runbook of DESIGN.md §1 as checklists (daily, weekly, monthly,
 * quarterly DR tabletop). checklist_build() fills a run with every item of
 * the kind: items lifeboat can verify get state "ok"/"failed" and their
 * evidence from the store (job runs, drills, key rotations, SMART samples)
 * and the secrets' file ages; items it cannot verify stay "unknown" with
 * the question for the operator ("to confirm": the console asks, the
 * headless run lists them and records only what it verified).
 */

struct config;

/* Is kind one of daily weekly monthly quarterly? */
bool checklist_kind_ok(const char *kind);
/* Fill run (kind, started, items) at now. Never fails: what cannot be read is "unknown". */
void checklist_build(const struct config *cfg, struct store *st, const char *kind, time_t now,
                     struct store_checklist_run *run);
/* "complete" when every item is ok or confirmed, else "open". Sets run->outcome and returns it. */
const char *checklist_outcome(struct store_checklist_run *run);
/* Is the item one the operator answers (nothing lifeboat can read proves it)? */
bool checklist_item_manual(const struct store_checklist_item *it);

#endif
