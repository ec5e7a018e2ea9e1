#ifndef LIFEBOAT_BACKEND_KEYS_H
#define LIFEBOAT_BACKEND_KEYS_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "backend/base/err.h"
#include "backend/base/vec.h"
#include "backend/store.h"

/*
 * Key rotation of one restic repo (issue 7, DESIGN.md §7), run through the
 * loop. The old key is never removed before the new password has opened the
 * repo through the configured password source:
 *
 *  1. read    the current password from the source into memory (the file,
 *             or the command's output) -- never to disk, argv or a log;
 *  2. list    `restic key list --json` with that password (a 0600 temp file
 *             handed over as RESTIC_PASSWORD_FILE): the old key id;
 *  3. new     the new password: --new-password-file F, else the operator's
 *             `<password_file>.new`, else 32 random bytes (43 characters);
 *  4. add     `restic key add --new-password-file TMP` (old via temp file),
 *             then key list again: the new key id;
 *  5. store   password_file: `<file>.new` (0600) renamed over the file, the
 *             previous version kept as `<file>.old` until step 7.
 *             password_command: the operator stores the new password in the
 *             vault (keyrot_waiting), then keyrot_continue(); the command is
 *             run again and its output compared with the new password;
 *  6. verify  key list through the configured source: the key in use must
 *             be the new one;
 *  7. remove  `restic key remove OLD` through the source; `<file>.old`
 *             removed.
 * Failing before 7 leaves the old key: password_file is put back from
 * `<file>.old` and the new key removed with the old password; a
 * password_command that still returns the old password gets the new key
 * removed; anything else leaves both keys (both open the repo) and the
 * record's error says which. A record (struct store_keyrot: key ids,
 * dates, stage, never a secret) is written at the start and the end.
 */

struct loop;
struct config;
struct keyrot;

struct keyrot_opts {
    const char *repo;              /* a [repo NAME] */
    const char *new_password_file; /* the operator's new password, NULL: .new or generated */
};

struct keyrot *keyrot_new(struct loop *loop, const struct config *cfg, struct store *st,
                          const struct keyrot_opts *opts,
                          void (*on_update)(struct keyrot *k, void *arg), void *arg,
                          struct lb_err *err);
/* Start (async): 0, or negative with err (the record is then final). */
int keyrot_go(struct keyrot *k, struct lb_err *err);
/* password_command: the new key is added, the operator must store the new password now. */
bool keyrot_waiting(const struct keyrot *k);
/*
 * The generated new password for the operator to store in the vault (shown
 * once; NULL when the operator supplied it or the source is a file).
 */
const char *keyrot_secret_to_show(const struct keyrot *k);
/* The operator says the source now returns the new password. */
void keyrot_continue(struct keyrot *k);
/* Stop: what was added is undone as after a failure. */
void keyrot_cancel(struct keyrot *k);
bool keyrot_done(const struct keyrot *k);
const struct store_keyrot *keyrot_record(const struct keyrot *k);
/* What runs now, one line (borrowed). */
const char *keyrot_step(const struct keyrot *k);
/* After a failure: the state the repo is left in and what to do (borrowed, "" when none). */
const char *keyrot_advice(const struct keyrot *k);
void keyrot_free(struct keyrot *k);

/* ---- key status ---- */

struct keys_secret {
    char what[96];  /* "repo usb-ssd password_file" */
    char path[512]; /* "" for a password_command */
    time_t changed; /* 0: unknown */
    char how[32];   /* "file mtime", "rotation", "none" */
    bool overdue;
    char note[160];
};

#define KEYS_CADENCE_S (31 * 86400LL)

/* Every secret of cfg with its age at now (struct keys_secret *, new). */
void keys_status(const struct config *cfg, struct store *st, time_t now, struct vec *out);

/*
 * Rotation records of what (a repo, or a token's section) left "running" by a
 * process that died become "interrupted". Call holding that rotation's lock.
 * st may be NULL.
 */
void keys_mark_interrupted(struct store *st, const char *what);

/* ---- pure parts ---- */

/* `restic key list --json`: the id of the key in use into cur, every id pushed (new strings). */
int keys_parse_list(const char *json, size_t len, char *cur, size_t n, struct vec *ids,
                    struct lb_err *err);
/* A strong password: 43 characters of [A-Za-z0-9_-] from 32 random bytes. */
int keys_generate(char *out, size_t n, struct lb_err *err);

#endif
