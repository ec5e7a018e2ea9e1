#ifndef LIFEBOAT_TUI_RESTORE_WIZARD_H
#define LIFEBOAT_TUI_RESTORE_WIZARD_H

#include <stdbool.h>

#include "tui/draw.h"

/*
 * The "Restore files" wizard of screen 7 over backend/restore.c: repo ->
 * snapshot (newest first, time and host) -> browse the snapshot's tree
 * (Up/Down, Enter into a directory, Backspace up, Space marks a path, sizes
 * shown) -> target (scratch / a folder typed / the original location) ->
 * summary with the preview (what is overwritten) and, over existing files, a
 * typed confirmation naming the target -> progress -> the record.
 * restic runs through the app's loop (a spinner while it lists); nothing
 * here blocks, and no secret is ever shown.
 */

struct app;
struct restore_wizard;

struct restore_wizard *restore_wizard_new(struct app *app);
/* Free; a restore in flight ends interrupted (its record says so). */
void restore_wizard_free(struct restore_wizard *rw);
bool restore_wizard_active(const struct restore_wizard *rw);
/* Open at step 1. false (nothing opens) when no repo is configured; why says so. */
bool restore_wizard_open(struct restore_wizard *rw, char *why, size_t n);
/* Feed a key while active. */
void restore_wizard_key(struct restore_wizard *rw, int key);
void restore_wizard_draw(struct restore_wizard *rw, struct rect r, int spin);
/* Did a restore finish or the wizard close since the last call (reload the record list)? */
bool restore_wizard_take_finished(struct restore_wizard *rw);

#endif
