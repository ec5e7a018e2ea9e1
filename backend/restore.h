#ifndef LIFEBOAT_BACKEND_RESTORE_H
#define LIFEBOAT_BACKEND_RESTORE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "backend/base/err.h"
#include "backend/base/vec.h"
#include "backend/restore_tree.h"
#include "backend/store.h"

/*
 * Real restores of files from a restic repo (issue 7), the same steps for
 * the CLI and the console, all through the loop:
 *   restore_new      the repo, the restore lock (one restore at a time per
 *                    user), recovery of restores a dead process left running
 *   restore_snapshots  `restic snapshots --json`: the restore points, newest first
 *   restore_list     `restic ls --json SNAPSHOT`: the tree to browse
 *   restore_plan     chosen paths and target -> scope, target directory, and
 *                    the preview: for every file, whether restoring writes a
 *                    new file, overwrites a different one, or rewrites an
 *                    identical one (size and mtime). Refused when it cannot
 *                    be made.
 *   restore_go       `restic restore ID --target T --include P...` with a
 *                    progress timer, then a check that every file landed
 *                    with its size.
 * Targets: RESTORE_SCRATCH (a fresh directory below [drill] scratch),
 * RESTORE_FOLDER (a directory, made when missing, never inside a repo),
 * RESTORE_ORIGINAL (target /: every file lands where it was backed up).
 * Nothing is ever removed: an interrupted or failed restore leaves what it
 * wrote, and its record says where.
 *
 * Every restore that was asked to write (restore_go, or with
 * opts.record_all from restore_list on) leaves a record in the drills table
 * (kind "restore"): repo, snapshot id and time, paths (scope), target,
 * bytes, files, duration (rto_ms), outcome, error, and the preview counts
 * (verify_note). A record left "running" by a process that died is marked
 * "interrupted" at the next restore_new / restore_recover.
 */

struct loop;
struct config;
struct repo_cfg;
struct restic_snapshot;
struct restore;

enum restore_target { RESTORE_SCRATCH, RESTORE_FOLDER, RESTORE_ORIGINAL };

enum restore_phase {
    RESTORE_IDLE,      /* nothing running; see what the view holds */
    RESTORE_SNAPSHOTS, /* restic snapshots */
    RESTORE_LISTING,   /* restic ls */
    RESTORE_PREVIEW,   /* restore_plan's preview: lstat of every file, a chunk per loop turn */
    RESTORE_RUNNING,   /* restic restore */
    RESTORE_CHECKING,  /* restic ended: every file checked at its target, a chunk per turn */
    RESTORE_DONE,      /* the record is final */
};

/* What a restored file is to its target path, from the preview. */
enum restore_effect { RFX_CREATE, RFX_OVERWRITE, RFX_IDENTICAL };

struct restore_item {
    struct rtree_node *node; /* borrowed from the tree */
    enum restore_effect effect;
    char why[48]; /* "size 12 B -> 6 B", "mtime differs", "a directory is there" */
};

struct restore_opts {
    bool record_all; /* record failures of listing and planning too (the CLI) */
};

struct restore_view {
    enum restore_phase phase;
    struct store_drill rec; /* kind "restore"; rec.id 0 until written */
    struct vec snapshots;   /* struct restic_snapshot *, newest first (restore_snapshots) */
    struct rtree *tree;     /* after restore_list (NULL before) */
    char snapshot_arg[65];  /* as asked ("latest" or an id prefix) */
    /* the plan */
    enum restore_target target_kind;
    struct vec items; /* struct restore_item *, every non-directory in scope */
    uint64_t scope_bytes, scope_files;
    size_t n_create, n_overwrite, n_identical;
    uint64_t free_bytes; /* free at the target (0 unknown) */
    bool planned;
    /* the preview and the check after restic, done a chunk per loop turn */
    size_t check_done, check_total;
    /* progress */
    uint64_t bytes_done;
    double rate;        /* bytes/s */
    int64_t eta_s;      /* -1 unknown */
    int64_t started_ms; /* loop time restic restore started */
    char step_text[160];
    struct lb_err error; /* the last failure of a step (listing, snapshots) */
};

/*
 * A restore of repo_name (new). Takes the restore lock and recovers
 * interrupted restores. NULL with err: unknown repo (LB_ENOTFOUND), another
 * restore runs (LB_EBUSY), unreadable env_file. on_update runs from the loop
 * after each change.
 */
struct restore *restore_new(struct loop *loop, const struct config *cfg, struct store *st,
                            const char *repo_name, const struct restore_opts *opts,
                            void (*on_update)(struct restore *r, void *arg), void *arg,
                            struct lb_err *err);
/*
 * Free. A restore still running is stopped and recorded interrupted (files
 * it wrote stay); its child ends later from the loop, which frees the rest.
 */
void restore_free(struct restore *r);
/* The same, but turns the loop until the child is gone (shutdown: nothing outlives the loop). */
void restore_free_sync(struct restore *r);
const struct restore_view *restore_view(const struct restore *r);
const struct repo_cfg *restore_repo(const struct restore *r);

/* Read the repo's snapshots (async; view.snapshots; view.error on failure). */
int restore_snapshots(struct restore *r, struct lb_err *err);
/* List snapshot ("latest", NULL = latest, or an id) into view.tree (async; view.error on failure).
 */
int restore_list(struct restore *r, const char *snapshot, struct lb_err *err);
/*
 * Plan a restore of paths (absolute paths of the listed snapshot, char *)
 * to target (folder: the directory for RESTORE_FOLDER, else NULL). Fills
 * the view's items, counts, rec.target and rec.scope. Refused at once (the
 * negative code): -LB_ENOTFOUND names a path the snapshot does not hold,
 * -LB_EUSAGE a bad target. Else 0 and the preview runs through the loop
 * (phase RESTORE_PREVIEW, an lstat of a few thousand files per turn,
 * view.check_done of check_total; restore_cancel stops it): it ends in
 * RESTORE_IDLE with view.planned, or not planned with view.error: -LB_EUSAGE
 * a file landing inside a repo, LB_EIO/LB_EPERM a preview that cannot be made
 * (e.g. permission denied at a target path), LB_ENOSPACE too little room,
 * LB_ECANCELLED. With opts.record_all a failure ends the record (RESTORE_DONE).
 */
int restore_plan(struct restore *r, const struct vec *paths, enum restore_target target,
                 const char *folder, struct lb_err *err);
/* Does the plan overwrite a file that differs (the operator must confirm naming the target)? */
bool restore_needs_confirm(const struct restore *r);
/*
 * Start restic restore (async). The record is written from here on. When
 * restic ends well, every file is checked at its target (RESTORE_CHECKING, a
 * chunk per loop turn), then the record is final.
 */
int restore_go(struct restore *r, struct lb_err *err);
/*
 * Stop what runs (restic gets SIGINT); a running restore ends "cancelled", a
 * preview ends not planned (view.error LB_ECANCELLED), the check after restic
 * ends "cancelled" (the files restic wrote stay).
 */
void restore_cancel(struct restore *r);
/* Close without restoring after a plan was refused or not confirmed: record it as cancelled. */
void restore_abandon(struct restore *r, const char *why);
bool restore_busy(const struct restore *r);

/*
 * Mark restores recorded "running" whose process is gone as interrupted
 * (takes the restore lock for the moment; a restore running now is left).
 * *recovered: how many. Never removes files.
 */
int restore_recover(const struct config *cfg, struct store *st, int *recovered, struct lb_err *err);

/* Escape restic's --include glob characters (* ? [ \) in path (new string). */
char *restore_include_pattern(const char *path);

#endif
