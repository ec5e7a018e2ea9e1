#ifndef LIFEBOAT_TUI_CHORES_H
#define LIFEBOAT_TUI_CHORES_H

#include <stdbool.h>
#include <time.h>

#include "tui/draw.h"

/*
 * The other wizards of screen 7 (scr_drills.c owns the cloud drill's):
 * - the rollback and PBS drills over backend/drill_pmx.c (summary naming
 *   the guest and the VMID range, a confirmation, the drill's steps live,
 *   the record with RTO/RPO against [targets]);
 * - a checklist (kind -> every item with lifeboat's evidence -> each item
 *   only the operator can answer: confirmed / not done / skip with a note
 *   -> saved with store_checklist_save);
 * - key rotation of one restic repo over backend/keys.c (repo -> summary ->
 *   the steps live; a password_command repo shows the generated password
 *   once and waits until the operator stored it -> record).
 * The screen hands keys over while chores_active() and draws it instead of
 * its lists.
 */

struct app;
struct chores;

enum chores_kind { CHORE_ROLLBACK, CHORE_PBS, CHORE_CHECKLIST, CHORE_KEYS };

struct chores *chores_new(struct app *app);
void chores_free(struct chores *c); /* a drill or rotation in flight ends as its backend says */
bool chores_active(const struct chores *c);
/* Open a wizard. false (and nothing opens) when the config lacks what it needs; why says so. */
bool chores_open(struct chores *c, enum chores_kind kind, time_t now, char *why, size_t n);
/* Feed a key while active. true when something changed (redraw). */
bool chores_key(struct chores *c, int key, time_t now);
void chores_draw(struct chores *c, struct rect r, int spin);
/* Did a wizard finish since the last call (the screen reloads its record list)? */
bool chores_take_finished(struct chores *c);

#endif
