#ifndef LIFEBOAT_BACKEND_KEYS_TOKEN_H
#define LIFEBOAT_BACKEND_KEYS_TOKEN_H

#include <stdbool.h>
#include <stddef.h>

#include "backend/base/err.h"
#include "backend/proxmox_model.h"
#include "backend/store.h"

/*
 * Rotation of the API token of a [pve NAME] or [pbs NAME] section (issue 7,
 * reference 3.13 / 4.13), run through the loop. Two phases:
 *
 * plan   GET /version (token regenerate: PVE 9.1, PBS 3.4), the user's
 *        tokens (the old one must be there; its comment, expiry, privsep)
 *        and the ACL entries naming it. The summary is then known
 *        (tokrot_planned) and nothing has been changed.
 * go     a) regenerate (new enough server): TOKEN_FILE.new is created
 *           (0600, same directory) BEFORE the PUT regenerate=1 -- the old
 *           secret dies with that PUT, so the new one must have a place to
 *           go; it is written, fsynced, the previous file linked to
 *           TOKEN_FILE.old and TOKEN_FILE.new renamed over TOKEN_FILE.
 *        b) create + copy + delete (older server, or the PUT refused
 *           regenerate with 400): POST a new token `<old>-YYYYMMDD` (same
 *           comment, expiry, privsep), PUT each of the old token's ACL
 *           entries for it, write the file as in a).
 *        Both: the new token is proven through the file (a fresh client
 *        reads TOKEN_FILE: GET /version and one call lifeboat needs; b also
 *        reads the ACL entries back), b then deletes the old token with the
 *        new one; the old secret must then get 401; TOKEN_FILE.old is
 *        removed.
 * Any failure leaves a working token in TOKEN_FILE: b undoes what it made
 * (the previous file put back, the new token deleted with the old one);
 * after a regenerate the new secret is in TOKEN_FILE, else in
 * TOKEN_FILE.new, else in a 0600 file in the state directory -- the advice
 * says which, never the secret. A record (store_keyrot with repo "pve
 * NAME", source "token regenerate" / "token recreate", the token ids as
 * old_key/new_key; never a secret) is written at go and at the end.
 */

struct loop;
struct config;
struct tokrot;

struct tokrot_opts {
    enum pmx_product product;
    const char *name; /* the section's name; NULL: the only [pve]/[pbs] section */
};

/* The summary the plan found (borrowed from the tokrot, valid until free). */
struct tokrot_plan {
    const char *section; /* "pve main" */
    const char *token_file;
    const char *token_id; /* "lifeboat@pve!console" */
    const char *version;  /* what /version reported */
    bool regenerate;      /* a) else b) */
    const char *new_id;   /* b): the new token's id */
    size_t nacl;          /* ACL entries naming the old token */
    const char *acl_text; /* "/vms PVEVMAdmin, / PVEAuditor" (may be cut) */
};

struct tokrot *tokrot_new(struct loop *loop, const struct config *cfg, struct store *st,
                          const struct tokrot_opts *opts,
                          void (*on_update)(struct tokrot *t, void *arg), void *arg,
                          struct lb_err *err);
/* Start the plan (async; on_update when planned or done). 0, or negative with err. */
int tokrot_plan_start(struct tokrot *t, struct lb_err *err);
bool tokrot_planned(const struct tokrot *t); /* planned and waiting for tokrot_go */
const struct tokrot_plan *tokrot_plan(const struct tokrot *t);
/* Rotate as planned (async). 0, or negative with err (the record is then final). */
int tokrot_go(struct tokrot *t, struct lb_err *err);
/*
 * Stop: before anything changed on the server it ends "cancelled" at once;
 * later the step in flight finishes and what it made is undone as after a
 * failure (once the old secret is gone -- regenerate, or the old token
 * deleted -- the rotation runs to its end).
 */
void tokrot_cancel(struct tokrot *t);
bool tokrot_done(const struct tokrot *t);
const struct store_keyrot *tokrot_record(const struct tokrot *t);
/* What runs now, one line (borrowed). */
const char *tokrot_step(const struct tokrot *t);
/* After a failure: where it stopped, the state left and what to do (borrowed, "" when none). */
const char *tokrot_advice(const struct tokrot *t);
/*
 * The new secret when no file could hold it after a regenerate (the old
 * one is dead): the caller may show it when the operator asks; NULL else.
 */
const char *tokrot_unsaved_secret(const struct tokrot *t);
/* Frees; a rotation in flight stops where it is (its record stays "running" -> interrupted). */
void tokrot_free(struct tokrot *t);

/* ---- pure parts ---- */

/* "console" + "20261127" -> "console-20261127" (an old -YYYYMMDD suffix replaced). */
void tokrot_new_name(const char *old, const char *yyyymmdd, int n, char *out, size_t outn);

#endif
