#ifndef LIFEBOAT_TUI_CHORES_TOKEN_H
#define LIFEBOAT_TUI_CHORES_TOKEN_H

#include <stdbool.h>

#include "backend/proxmox_model.h"

/*
 * The API token branch of screen 7's key rotation wizard (chores.c hooks it
 * in after "which secret?"): the plan is read (busy), then a summary naming
 * the token, the token file, the server's version and the method (regenerate
 * in place, or create + copy the ACL entries + delete the old one) with a
 * typed confirmation of the token id, then every step live, then the result
 * with the advice after a failure. All through the app's loop
 * (backend/keys_token.h); nothing blocks.
 */

struct app;
struct wizard;
struct chores_token;

/*
 * Start planning the rotation of [pve|pbs name] into w (borrowed while the
 * rotation lives). changed(arg, busy) runs on every change of state (busy:
 * work in flight). NULL never: a failure shows as the result step.
 */
struct chores_token *chores_token_new(struct app *app, struct wizard *w, enum pmx_product product,
                                      const char *name, void (*changed)(void *arg, bool busy),
                                      void *arg);
/* Next pressed (the wizard's step decides what it means); true: redraw. */
bool chores_token_next(struct chores_token *t);
/* Work in flight (only Cancel works then). */
bool chores_token_running(const struct chores_token *t);
/* Did it end (the screen reloads its records)? */
bool chores_token_done(const struct chores_token *t);
/*
 * A key the token wizard takes itself: 's' on the result step shows the new
 * secret once when no file could hold it (the operator asked). true: taken.
 */
bool chores_token_key(struct chores_token *t, int key);
/* Cancel: before the go nothing changed; later the backend undoes what it can. */
void chores_token_cancel(struct chores_token *t);
void chores_token_free(struct chores_token *t);

#endif
