#ifndef LIFEBOAT_BACKEND_STORE_H
#define LIFEBOAT_BACKEND_STORE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "backend/base/err.h"
#include "backend/base/vec.h"

/*
 * The state database (the only SQLite user): $XDG_STATE_HOME/lifeboat/lifeboat.db,
 * WAL, a short busy timeout, migrations by user_version, one transaction per
 * logical change (a failure leaves the previous state whole).
 */

struct store;
struct restic_repo_info;

struct store *store_open(const char *path, struct lb_err *err); /* NULL path: the default */
void store_close(struct store *st);
/* The schema version (PRAGMA user_version) after migrations. */
int store_schema_version(struct store *st);

/* Cache of one repo as last seen: replaces the previous cache in one transaction. */
int store_put_repo_info(struct store *st, const char *repo, const struct restic_repo_info *info,
                        time_t fetched_at, struct lb_err *err);
/*
 * Read the cache of one repo into info (initialised by the caller, zeroed).
 * Returns 0 with *fetched_at set, -LB_ENOTFOUND when never fetched.
 */
int store_get_repo_info(struct store *st, const char *repo, struct restic_repo_info *info,
                        time_t *fetched_at, struct lb_err *err);
/* Remember the last refresh failure of a repo (NULL message clears it). */
int store_put_repo_error(struct store *st, const char *repo, int code, const char *message,
                         time_t at, struct lb_err *err);

/* Runs and steps (the runner issue fills these in). */
enum run_outcome { RUN_RUNNING, RUN_OK, RUN_WARNING, RUN_FAILED, RUN_INTERRUPTED, RUN_CANCELLED };

int store_run_begin(struct store *st, const char *job, time_t started, int pid, int64_t *run_id,
                    struct lb_err *err);
int store_run_finish(struct store *st, int64_t run_id, time_t ended, enum run_outcome outcome,
                     const char *summary, struct lb_err *err);
int store_step_add(struct store *st, int64_t run_id, const char *kind, const char *target,
                   time_t started, int64_t *step_id, struct lb_err *err);
int store_step_finish(struct store *st, int64_t step_id, time_t ended, enum run_outcome outcome,
                      const char *figures_json, const char *log_excerpt, struct lb_err *err);

/* The path of the open database (borrowed, valid until store_close). */
const char *store_path(const struct store *st);

/*
 * The last refresh failure remembered for a repo: 0 with *message new (caller
 * frees) and *code, *at set; -LB_ENOTFOUND when none is remembered.
 */
int store_get_repo_error(struct store *st, const char *repo, int *code, char **message,
                         time_t *at, struct lb_err *err);

/* "running", "ok", "warning", "failed", "interrupted", "cancelled" (as stored). */
const char *store_outcome_text(enum run_outcome outcome);

/* One run as stored (ended 0 while running; summary NULL when none). */
struct store_run {
    int64_t id;
    char *job;
    time_t started;
    time_t ended;
    enum run_outcome outcome;
    int pid;
    char *summary;
    time_t updated; /* last progress heartbeat (0: none) */
};

/* One step of a run (target, figures_json and log_excerpt NULL when none). */
struct store_step {
    int64_t id;
    int64_t run_id;
    char *kind;
    char *target;
    time_t started;
    time_t ended;
    enum run_outcome outcome;
    char *figures_json;
    char *log_excerpt;
    char *progress_json; /* live progress while running (JSON object), NULL when none */
    char *message;       /* the warning, error or skip reason, NULL when none */
};

void store_run_free(void *run);
void store_step_free(void *step);
/*
 * Read one run: *run is new (free with store_run_free) and, when steps is
 * non-NULL, its steps are pushed (struct store_step *, new, in the order
 * added). -LB_ENOTFOUND when there is no such run.
 */
int store_run_get(struct store *st, int64_t run_id, struct store_run **run, struct vec *steps,
                  struct lb_err *err);
/* The most recent runs (newest first), of one job or of all (job NULL): struct store_run *, new. */
int store_runs_recent(struct store *st, const char *job, int limit, struct vec *out,
                      struct lb_err *err);

/* ---- runner additions (backend/jobs.c) ---- */

/*
 * Live progress of a running step (JSON object, or NULL) and the run's
 * heartbeat (runs.updated = at), in one transaction. step_id 0: heartbeat only.
 */
int store_step_progress(struct store *st, int64_t run_id, int64_t step_id,
                        const char *progress_json, time_t at, struct lb_err *err);
/* The warning, error or skip reason of a step (one line). */
int store_step_message(struct store *st, int64_t step_id, const char *message, struct lb_err *err);
/*
 * Mark every run of job still recorded as running (its process is gone: the
 * caller holds the job's run lock) as interrupted, with its running steps; the
 * end time is the last heartbeat. The runs marked are pushed to marked
 * (struct store_run *, new) when non-NULL.
 */
int store_runs_interrupt(struct store *st, const char *job, struct vec *marked, struct lb_err *err);
/*
 * Check subset rotation (read-data-subset=n/t): the subset to read next for
 * repo (the one after the last read; first when none was read yet).
 */
int store_check_next_subset(struct store *st, const char *repo, int total, int first, int *subset,
                            struct lb_err *err);
/* Remember that subset n of total was read (ok: no error found). */
int store_check_record(struct store *st, const char *repo, int total, int subset, time_t at,
                       bool ok, int64_t run_id, struct lb_err *err);
/* How many of the total subsets have been read without error, and when the oldest of them was. */
int store_check_coverage(struct store *st, const char *repo, int total, int *covered,
                         time_t *oldest, struct lb_err *err);

/* ---- SMART history (backend/smart_history.h) ---- */

struct smart_sample;
/*
 * Keep one sample of disk (doc, the smartctl document it came from, replaces
 * the kept document of the disk when non-NULL), in one transaction.
 */
int store_put_smart_sample(struct store *st, const char *disk, const struct smart_sample *s,
                           const char *doc, struct lb_err *err);
/* The samples of disk taken at or after since, oldest first (struct smart_sample *, new). */
int store_get_smart_samples(struct store *st, const char *disk, time_t since, struct vec *out,
                            struct lb_err *err);
/*
 * The newest sample of disk (before_id > 0: the newest with a smaller id)
 * into *out; *doc (when doc is non-NULL) new: the kept document when it
 * belongs to that sample, else NULL. -LB_ENOTFOUND when there is none.
 */
int store_get_smart_last(struct store *st, const char *disk, int64_t before_id,
                         struct smart_sample *out, char **doc, struct lb_err *err);
/* Drop samples of disk older than two years, and keep one a day of those older than 30 days. */
int store_thin_smart_samples(struct store *st, const char *disk, time_t now, struct lb_err *err);
/* The smartctl -d type that worked for disk (*type new), -LB_ENOTFOUND when none. */
int store_put_disk_type(struct store *st, const char *disk, const char *type, time_t at,
                        struct lb_err *err);
int store_get_disk_type(struct store *st, const char *disk, char **type, struct lb_err *err);

/* ---- alerts (backend/alert.h) ---- */

/*
 * One alert as stored: a rule holding for a subject, from fired_at until
 * resolved_at. 0 times mean "not yet". severity 1 warn, 2 crit.
 */
struct store_alert {
    int64_t id; /* 0: not stored yet */
    char *rule;
    char *subject;
    int severity;
    char *message;
    time_t fired_at;    /* since */
    time_t last_seen;   /* last evaluation the rule held */
    time_t notified_at; /* last notification sent */
    int notify_count;   /* notifications sent (fired + re-notified) */
    time_t acked_at;    /* acknowledged (no more re-notifications) */
    char *ack_note;
    time_t resolved_at;
    time_t clear_since; /* first evaluation in a row the rule did not hold */
    int clear_count;    /* evaluations in a row it did not hold */
    bool dirty;         /* changed: store_alerts_update writes it back */
};
void store_alert_free(void *alert);
/*
 * The open alerts, and those resolved at or after resolved_since (0: none),
 * oldest first (struct store_alert *, new).
 */
int store_alerts_list(struct store *st, time_t resolved_since, struct vec *out, struct lb_err *err);
/*
 * In one write transaction (another process evaluating at the same time
 * waits or fails with -LB_EBUSY): read the alerts as store_alerts_list does,
 * call fn, which may change them (setting dirty) or push new ones (id 0,
 * new, owned by the vec afterwards), and write those back. fn returning < 0
 * rolls everything back.
 */
int store_alerts_update(struct store *st, time_t resolved_since,
                        int (*fn)(struct vec *alerts, void *arg), void *arg, struct lb_err *err);
/* Acknowledge open alert id with a note (may be NULL). -LB_ENOTFOUND when not open. */
int store_alert_ack(struct store *st, int64_t id, const char *note, time_t at, struct lb_err *err);

/* ---- cached inventories (backend/app_proxmox.c: Proxmox guests, snapshots, backups) ---- */

/* Replace the document cached under key ("proxmox") with doc (text, never a secret). */
int store_put_inventory(struct store *st, const char *key, const char *doc, time_t fetched_at,
                        struct lb_err *err);
/* The document under key (*doc new) and its fetch time; -LB_ENOTFOUND when none. */
int store_get_inventory(struct store *st, const char *key, char **doc, time_t *fetched_at,
                        struct lb_err *err);

/* ---- drills, checklists, key rotations (backend/drills.c, checklist.c, keys.c) ---- */

/* One restore drill (or a real restore run through the same wizard). Text fields are never secrets. */
struct store_drill {
    int64_t id;
    char kind[16];         /* "cloud", "rollback", "pbs" */
    char repo[64];         /* the repo or endpoint drilled ("" when none) */
    char outcome[16];      /* "running", "ok", "failed", "cancelled", "interrupted" */
    time_t started;
    time_t ended;          /* 0 while running */
    int pid;               /* of the process running it */
    char target[512];      /* scratch directory or VMID restored to */
    char scope[512];       /* "everything" or the paths restored */
    char snapshot_id[65];  /* the restore point */
    time_t snapshot_time;  /* 0 unknown */
    int64_t rto_ms;        /* measured time to restore (-1 unknown) */
    int64_t rpo_seconds;   /* age of the restore point when the drill started (-1 unknown) */
    uint64_t bytes;        /* restored */
    uint64_t files;
    uint64_t full_bytes;   /* size of the whole restore point */
    int verified;          /* 1 yes, 0 no, -1 not checked */
    char verify_note[256];
    int64_t estimate_full_seconds; /* extrapolated full-restore time (-1 none) */
    int64_t rto_target;    /* seconds, from [targets] at the time */
    int64_t rpo_target;
    char phases[512];      /* "snapshots 1.2s, list 0.8s, restore 41.0s, ..." */
    char error[512];       /* why it failed ("" when it did not) */
    int cleaned;           /* 1: its scratch target was removed */
};

/* Insert d (outcome as given) and set d->id. */
int store_drill_insert(struct store *st, struct store_drill *d, struct lb_err *err);
/* Write every field of d over the row d->id. */
int store_drill_update(struct store *st, const struct store_drill *d, struct lb_err *err);
/*
 * Drills newest first (kind NULL: every kind; limit <= 0: all), pushed to out
 * as struct store_drill * (new, free()).
 */
int store_drills_recent(struct store *st, const char *kind, int limit, struct vec *out,
                        struct lb_err *err);

/* One item of a checklist run. */
struct store_checklist_item {
    char key[48];        /* stable id: "daily.jobs" */
    char title[160];
    char state[16];      /* "ok", "failed", "confirmed", "skipped", "unknown" */
    char evidence[512];  /* what lifeboat found, or what the operator said */
    char note[256];      /* the operator's note */
    time_t at;
};

struct store_checklist_run {
    int64_t id;
    char kind[16];  /* daily weekly monthly quarterly */
    time_t started;
    time_t ended;
    char who[64];
    char outcome[16]; /* "complete" (every item ok or confirmed), "open" */
    struct vec items; /* struct store_checklist_item *, new */
};

void store_checklist_run_free(void *run);
/* Store a run and its items in one transaction; sets run->id. */
int store_checklist_save(struct store *st, struct store_checklist_run *run, struct lb_err *err);
/* Runs newest first started at or after since (kind NULL: all), with their items. */
int store_checklist_runs(struct store *st, const char *kind, time_t since, int limit,
                         struct vec *out, struct lb_err *err);

/* One key rotation of a restic repo: key ids and dates only, never a secret. */
struct store_keyrot {
    int64_t id;
    char repo[64];
    char source[32];     /* "password_file", "password_command" */
    time_t started;
    time_t ended;
    char outcome[16];    /* "running", "ok", "failed", "interrupted" */
    char old_key[65];
    char new_key[65];
    char stage[48];      /* the last step reached: "key add", "store", "verify", "key remove", "done" */
    char error[512];
};

int store_keyrot_insert(struct store *st, struct store_keyrot *k, struct lb_err *err);
int store_keyrot_update(struct store *st, const struct store_keyrot *k, struct lb_err *err);
/* Rotations newest first (repo NULL: all), struct store_keyrot * (new, free()). */
int store_keyrots_recent(struct store *st, const char *repo, int limit, struct vec *out,
                         struct lb_err *err);

/* ---- fill history of the [disk] mounts (backend/fill.h) ---- */

/*
 * Keep a fill sample of disk's mount (used, and used + available as total)
 * unless one was kept within the hour before at; then thin the samples: one
 * a day after 30 days, none after a year. 1 kept, 0 skipped, or negative with err.
 */
int store_put_disk_fill(struct store *st, const char *disk, time_t at, uint64_t used,
                        uint64_t total, struct lb_err *err);
/* The samples of disk taken at or after since, oldest first (struct fill_sample *, new). */
int store_get_disk_fill(struct store *st, const char *disk, time_t since, struct vec *out,
                        struct lb_err *err);

#endif
