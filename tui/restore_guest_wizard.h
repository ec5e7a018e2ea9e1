#ifndef LIFEBOAT_TUI_RESTORE_GUEST_WIZARD_H
#define LIFEBOAT_TUI_RESTORE_GUEST_WIZARD_H

#include <stdbool.h>
#include <stddef.h>

#include "tui/draw.h"

/*
 * "Restore a guest from PBS" on screen 7 (over backend/restore_guest.h):
 * guest -> backup (time, size, verify state) -> target (the next free
 * VMID, optionally started, or the original) -> summary; over the original
 * the loss preview (status, config digest and changes, snapshots lost, data
 * lost since the backup) and a typed confirmation of VMID-NAME -> the task
 * followed live -> the record. Every call runs through the app's loop; the
 * wizard only shows state and asks.
 */

struct app;
struct rg_wizard;

struct rg_wizard *rg_wizard_new(struct app *app);
void rg_wizard_free(struct rg_wizard *w); /* a restore in flight is recorded interrupted */
bool rg_wizard_active(const struct rg_wizard *w);
/* Open it (starts loading). false when the config has no [pve]; why says so. */
bool rg_wizard_open(struct rg_wizard *w, char *why, size_t n);
/* Feed a key while active; true when something changed. */
bool rg_wizard_key(struct rg_wizard *w, int key);
void rg_wizard_draw(struct rg_wizard *w, struct rect r, int spin);
/* Did a restore end since the last call (the screen reloads its record list)? */
bool rg_wizard_take_finished(struct rg_wizard *w);

#endif
