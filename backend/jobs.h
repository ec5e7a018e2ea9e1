#ifndef LIFEBOAT_BACKEND_JOBS_H
#define LIFEBOAT_BACKEND_JOBS_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "backend/base/buf.h"
#include "backend/base/err.h"
#include "backend/base/vec.h"
#include "backend/store.h"

/*
 * The backup runner: runs one `[job NAME]` of lifeboat.conf as ordered steps
 * over restic (backend/restic.h) through the loop (never blocking):
 *
 *   preflight   restic version; every [disk] mount present, writable, below
 *               fill_crit; every repo of the job reachable with its password
 *               (restic cat config); its locks (stale ones of ours, older than
 *               the job's unlock_after, removed with `restic unlock`); the PBS
 *               datastore heuristic (see jobs_pbs_coverage)
 *   backup      per repo: restic backup --json, live progress, summary kept
 *   forget      per repo with a keep policy, after its backup (or copy) wrote a
 *               snapshot: lifeboat's retention engine previews the decision,
 *               restic forget --json applies the same policy, both recorded
 *               (a mismatch is a warning), then restic prune if it removed any
 *   copy        restic copy SRC -> DST (0.14 syntax, the source through
 *               RESTIC_FROM_*); a new DST is first made with
 *               init --copy-chunker-params
 *   check       restic check, with read-data-subset as configured; n/t rotates
 *               over runs (remembered in the store) and coverage is recorded
 *   smart       right after preflight, per [disk] the job touches (one of its
 *               repos or paths lives under the disk's mount; a [disk] with no
 *               mount is read by every job): a SMART sample through
 *               smart_sample_disk (kept in the SMART history too); outcome
 *               from the verdict (ok/standby ok, warn/unavailable warning,
 *               crit/error failed), figures = smart_report_json. It never
 *               stops the other steps.
 *
 * Each run and step is recorded in the store (start, end, outcome, figures
 * JSON, log excerpt, message; live progress about once a second), so another
 * process (the console) sees a run of a timer change. One run of a job at a
 * time (backend/runlock.h); a run left `running` by a killed process is
 * marked interrupted when the job next starts. A repo on a [disk] whose mount
 * is missing makes its steps "skipped" (a warning); the rest still runs.
 */

struct loop;
struct config;
struct job_cfg;
struct repo_cfg;
struct job_check;
struct job_run;
struct disk_cfg;

enum job_step_kind { JOB_PREFLIGHT, JOB_BACKUP, JOB_FORGET, JOB_COPY, JOB_CHECK, JOB_SMART };

/* Live figures of a running backup (zero when restic has not said). */
struct jobs_progress {
    double percent; /* 0..100 */
    uint64_t files_done, total_files;
    uint64_t bytes_done, total_bytes;
    uint64_t errors;        /* files that could not be read so far */
    double bytes_per_sec;   /* bytes_done / elapsed */
    int64_t eta_seconds;    /* -1: unknown */
    int64_t elapsed_seconds;
};

/* One step of a run. Front ends read it (borrowed, valid until on_done returns). */
struct job_step {
    enum job_step_kind kind;
    const struct repo_cfg *repo; /* target; copy: the destination; NULL for preflight */
    const struct repo_cfg *src;  /* copy: the source */
    const struct job_check *check;
    const struct disk_cfg *disk; /* smart: the disk read */
    char label[160];             /* "backup os-ssd", "copy usb-ssd -> cloud" */
    int64_t id;                  /* step id in the store (0: not recorded) */
    time_t started, ended;       /* 0: not started / not ended */
    enum run_outcome outcome;    /* RUN_RUNNING while it runs */
    bool skipped;                /* not run (e.g. its disk is not mounted): see message */
    char message[512];           /* the warning / error / skip reason, "" when none */
    struct jobs_progress progress;
    /* private */
    struct buf log;   /* tail of restic's output */
    void *figures;    /* json_t * */
};

/* What a front end hears while a job runs. Each may be NULL. */
struct jobs_events {
    /* a step started (outcome RUN_RUNNING) or ended */
    void (*on_step)(struct job_run *run, const struct job_step *step, void *arg);
    /* the running step's progress changed (each restic status line, about twice a second) */
    void (*on_progress)(struct job_run *run, const struct job_step *step, void *arg);
    /*
     * A line for the operator: a decision, a warning or an error (severity
     * RUN_OK for information). step may be NULL (the run itself).
     */
    void (*on_note)(struct job_run *run, const struct job_step *step, enum run_outcome severity,
                    const char *text, void *arg);
    /* the run ended; run is freed after this returns */
    void (*on_done)(struct job_run *run, enum run_outcome outcome, void *arg);
    void *arg;
};

/*
 * Start a run of job (cfg and st borrowed, must outlive the run; st may be
 * NULL: nothing recorded). lock_dir NULL: the state directory. Returns 0 with
 * *out, or -LB_EBUSY with *holder_pid when the job runs elsewhere, or
 * -LB_ENOTFOUND for an unknown job. Callbacks never run inside this call.
 */
int jobs_run_start(struct loop *loop, const struct config *cfg, const char *job,
                   struct store *st, const char *lock_dir, const struct jobs_events *ev,
                   struct job_run **out, int *holder_pid, struct lb_err *err);
/*
 * Stop: SIGINT to the running restic (it removes its lock and exits), SIGTERM
 * then SIGKILL if it has not gone after a grace period; no further step
 * starts; the run is recorded cancelled. on_done still runs (from the loop).
 */
void jobs_run_cancel(struct job_run *run);

int64_t jobs_run_id(const struct job_run *run);            /* 0 when not recorded */
const struct vec *jobs_run_steps(const struct job_run *run); /* struct job_step *, borrowed */
size_t jobs_run_current(const struct job_run *run);         /* index of the running step */

/*
 * --dry-run: the steps of job and the exact restic invocations, with the
 * environment they get (secrets redacted: password commands and env_file
 * values never shown, URL passwords masked), appended to out. st (may be NULL)
 * gives the next check subset.
 */
int jobs_describe(const struct config *cfg, const char *job, struct store *st, struct buf *out,
                  struct lb_err *err);

/* How many steps a run of job has (0: no such job). */
size_t jobs_step_count(const struct config *cfg, const char *job);

/* Exit status for an outcome: 0 ok, 1 warning, 2 anything else. */
int jobs_exit_code(enum run_outcome outcome);

/* The next time job's schedule elapses after now. 0, or negative when it never does. */
int jobs_next_run(const struct job_cfg *job, time_t now, time_t *next);

/* "backup", "forget", "copy", "check", "preflight", "smart". */
const char *jobs_step_kind_name(enum job_step_kind kind);

/*
 * The PBS datastore heuristic (DESIGN §1: the datastore is copy 2's data).
 * When the config has a [pbs] section, a job with paths should cover a PBS
 * datastore: a directory holding `.chunks/` at one of its paths or up to two
 * levels below. Returns 1 when job covers one (the directory in found, when
 * given), 0 when it does not (or no path can be read), -1 when the question
 * does not arise (no [pbs] section, or the job backs up nothing).
 */
int jobs_pbs_coverage(const struct config *cfg, const struct job_cfg *job, char *found,
                      size_t found_len);

#endif
