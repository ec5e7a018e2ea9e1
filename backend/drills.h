#ifndef LIFEBOAT_BACKEND_DRILLS_H
#define LIFEBOAT_BACKEND_DRILLS_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "backend/base/err.h"
#include "backend/base/vec.h"
#include "backend/store.h"

/*
 * Restore drills: the cloud drill restores a restic snapshot from the off-site
 * repo into a fresh directory under [drill] scratch (never an original path),
 * verifies it (restic restore --verify, every restored file's size against
 * `restic ls`, and a byte comparison of sampled files against `restic dump`),
 * measures the restore time (RTO) and the age of the restore point (RPO),
 * extrapolates the full-restore time from the measured throughput, removes
 * the scratch copy and records everything (struct store_drill) whatever the
 * outcome.
 *
 * One drill at a time per user (an flock in the state directory, like a job's
 * run lock). A drill whose process died (SIGKILL, terminal closed) is found by
 * drills_recover() at the next start: its record becomes "interrupted" and
 * its scratch directory is removed.
 *
 * Everything runs through the loop (restic children, a progress timer); the
 * CLI turns the loop until the drill is done, the console does not block.
 * The repo's password source is handed to every restic call afresh (no
 * cache, --no-cache): the drill proves the keys work on a machine that has
 * nothing but the config.
 */

struct loop;
struct config;
struct store;
struct drill;

enum drill_phase {
    DRILL_NEW,       /* created, nothing asked yet */
    DRILL_INSPECT,   /* reading the restore point and its file list */
    DRILL_READY,     /* inspected: the summary can be shown; drill_go() starts */
    DRILL_RESTORE,   /* restic restore --verify into scratch */
    DRILL_VERIFY,    /* sizes against the list, sampled files against restic dump */
    DRILL_CLEANUP,   /* removing the scratch copy */
    DRILL_DONE,      /* the record is final (outcome ok / failed / cancelled) */
};

struct drill_cloud_opts {
    const char *repo;     /* NULL: the first repo with tier = offsite */
    const char *snapshot; /* NULL or "latest": the newest snapshot */
    const char *include;  /* NULL: everything; else one absolute path of the snapshot */
    int sample_files;     /* files compared byte for byte with restic dump (default 3) */
};

/* What the front ends show (borrowed from the drill, valid until the next loop turn). */
struct drill_view {
    enum drill_phase phase;
    struct store_drill rec; /* the record as it stands (rec.id 0 until written) */
    char repo_url_kind[16]; /* "rest", "s3", "local" ... (never the url: it may hold credentials) */
    struct vec snapshot_paths; /* char *: the paths the restore point holds */
    uint64_t scope_bytes;   /* bytes to restore */
    uint64_t scope_files;
    uint64_t free_bytes;    /* free in scratch (0 unknown) */
    double price_per_gib;   /* the repo's storage price (0 unset) */
    /* progress while restoring */
    uint64_t bytes_done;
    double rate;            /* bytes/s so far */
    int64_t eta_s;          /* -1 unknown */
    int64_t phase_started_ms;
    char step_text[160];    /* what runs now, one line */
};

/*
 * A cloud drill (new). Takes the drill lock and recovers interrupted drills
 * first. Fails (NULL, err) when no off-site repo is configured, the scratch
 * directory overlaps a job's paths or a repo, or another drill runs.
 * on_update runs after each change (phase, progress), from the loop.
 */
struct drill *drill_cloud_new(struct loop *loop, const struct config *cfg, struct store *st,
                              const struct drill_cloud_opts *opts,
                              void (*on_update)(struct drill *d, void *arg), void *arg,
                              struct lb_err *err);
/* Start reading the restore point (async). 0 or negative with err. */
int drill_inspect(struct drill *d, struct lb_err *err);
/* From DRILL_READY: restore, verify, clean up (async). */
int drill_go(struct drill *d, struct lb_err *err);
/*
 * Stop what runs; the drill ends cancelled (its scratch removed). No-op when
 * done, and while the scratch copy is removed (DRILL_CLEANUP: the outcome is
 * decided, the removal is what cancelling would do).
 */
void drill_cancel(struct drill *d);
/* The state to show (borrowed). */
const struct drill_view *drill_view(const struct drill *d);
bool drill_done(const struct drill *d);
/*
 * Free. A drill still running is cancelled: its child is signalled, its
 * scratch removed and its record marked interrupted now (nobody waits for it).
 * A drill removing its scratch copy (DRILL_CLEANUP, a chunk per loop turn)
 * finishes the removal at once and records the outcome it had reached.
 */
void drill_free(struct drill *d);
/*
 * The same, but turns the loop until the child is gone (shutdown: nothing
 * outlives the loop): restic stops (SIGINT, then SIGTERM/SIGKILL after the
 * grace), then the scratch copy is removed and the record says interrupted.
 * A drill removing its scratch copy finishes that at once (as drill_free).
 */
void drill_free_sync(struct drill *d);

/*
 * Find drills recorded as running whose process is gone (needs the drill
 * lock, which drill_cloud_new takes): mark them interrupted and remove their
 * scratch directories (only below cfg's scratch). *recovered: how many.
 * 0, or -LB_EBUSY when a drill runs now (nothing touched).
 */
int drills_recover(const struct config *cfg, struct store *st, int *recovered,
                   struct lb_err *err);

/* Is path equal to, inside, or the parent of any job path or local repo? err says which. */
int drills_check_scratch(const struct config *cfg, const char *scratch, struct lb_err *err);

/*
 * Remove a directory tree at once (no symlink followed, no other file system
 * entered). 0 or -errno. For when nothing is on screen (recovery, shutdown);
 * a drill's own cleanup goes through the loop (tree_rm.h).
 */
int drills_remove_tree(const char *path);

/*
 * Verdicts against [targets]: the RTO compared is the measured one for a full
 * restore, else the extrapolated estimate. 1 within, 0 beyond, -1 unknown.
 */
int drill_rto_within(const struct store_drill *d);
int drill_rpo_within(const struct store_drill *d);

/* The cadence a kind is expected at (seconds): cloud monthly, rollback weekly, pbs monthly. */
int64_t drill_cadence(const char *kind);

/*
 * The records' shared steps: add "NAME 1.2s" to the phases of a drill or
 * restore (phases holds the whole text, rec->phases gets a copy), and write
 * rec (inserted when it has no id yet, else updated; a failure is logged,
 * with what, and the work goes on: the record is a report, not the work).
 */
struct buf;
void drill_phase_add(struct buf *phases, const char *name, int64_t ms, struct store_drill *rec);
void drill_record_save(struct store *st, struct store_drill *rec, const char *what);
/*
 * A new record (rec zeroed): kind, repo, outcome "running", this process's
 * pid, and the measures not known yet (RTO, RPO, verified, estimate) -1.
 */
void drill_record_init(struct store_drill *rec, const char *kind, const char *repo);

/* Does inner equal outer or lie below it (a path prefix at a '/' boundary)? */
bool drills_path_within(const char *inner, const char *outer);

#endif
