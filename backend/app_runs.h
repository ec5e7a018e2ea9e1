#ifndef LIFEBOAT_BACKEND_APP_RUNS_H
#define LIFEBOAT_BACKEND_APP_RUNS_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "backend/app.h"
#include "backend/base/err.h"
#include "backend/base/vec.h"
#include "backend/jobs.h"
#include "backend/store.h"

/*
 * The runs section of the engine's model (app->runs): lifeboat's own jobs
 * with their last run and next elapse, the recent run history with steps,
 * and the run in progress, whether this console started it (jobs.h, through
 * the loop) or a timer in another process did (the store is read again every
 * second while a recorded run's heartbeat is fresh, every few seconds
 * otherwise). A run still recorded `running` whose heartbeat is older than
 * RUNS_STALE_AFTER and whose PID is gone shows as interrupted (the store
 * itself is corrected when the job next starts). Front ends read it through
 * const pointers; figures and progress come parsed, text sanitized.
 */

#define RUNS_HISTORY     40 /* runs kept in the model, newest first */
#define RUNS_STALE_AFTER 30 /* seconds without a heartbeat before a dead run is interrupted */
#define RUNS_NOTES       8  /* operator notes of the console's run kept */

/* One step as the screens show it. */
struct runs_step {
    int64_t id;
    char kind[16];
    char target[128];
    time_t started, ended; /* ended 0: not ended */
    enum run_outcome outcome;
    char figure[200]; /* one short line: "+1.2 MiB, snapshot 1a2b3c4d" ("" none) */
    char *figures;    /* every figure, one "key  value" a line ("" none) */
    char *message;    /* the warning, error or skip reason ("" none) */
    char *log;        /* the log excerpt, lines ("" none) */
    bool has_progress;
    struct jobs_progress progress; /* while it runs */
};

/* One run. */
struct runs_run {
    int64_t id;
    char job[64];
    time_t started, ended;
    enum run_outcome outcome; /* as shown: a dead stale run reads RUN_INTERRUPTED */
    bool recorded_running;    /* the store still says running */
    bool live;                /* running now: ours, or its heartbeat is fresh / its PID alive */
    bool ours;                /* started from this console */
    int pid;
    time_t heartbeat; /* last sign of life (updated, else started) */
    char summary[256];
    uint64_t data_added;
    size_t planned;   /* steps the job has now (jobs_step_count), 0 unknown */
    struct vec steps; /* struct runs_step *, in order */
};

/* One [job] of the config. */
struct runs_job {
    const struct job_cfg *cfg;
    const struct runs_run *last; /* its newest run in history, NULL when none */
    bool has_next;
    time_t next; /* next elapse of its schedule */
};

struct app_runs {
    struct vec jobs;    /* struct runs_job *, config order */
    struct vec history; /* struct runs_run *, newest first, at most RUNS_HISTORY */
    bool store_failed;  /* the last read of the store failed: error */
    struct lb_err error;
    time_t read_at; /* last read of the store */

    /* the run this console started (NULL when none) */
    struct job_run *run;
    char run_job[64];
    int64_t run_id;
    const struct job_step *run_step; /* its current step (borrowed while it runs) */
    struct jobs_progress run_progress;
    size_t run_step_index, run_step_count;
    char notes[RUNS_NOTES][320]; /* its latest notes, oldest first */
    enum run_outcome notes_sev[RUNS_NOTES];
    int nnotes;
    bool last_done; /* a console run ended: last_outcome says how */
    enum run_outcome last_outcome;

    /* private */
    uint64_t poll_timer;
    bool watching;
    uint64_t signature;
    struct vec extra; /* struct runs_run *: last runs of jobs older than the history */
};

/* The flag app->on_change gets when app->runs changed. */
#define APP_CHANGED_RUNS (1u << 12)

/* For app.c: set up and read the store at once; poll; stop; release. */
void app_runs_init(struct app *app);
void app_runs_watch(struct app *app);
/* Cancel the console's run and wait (turning the loop, bounded) until it is recorded. */
void app_runs_cancel(struct app *app);
void app_runs_release(struct app *app);

/* Read the store again now. */
void app_runs_reload(struct app *app);

/*
 * Start job from the console (the caller asked the operator first). 0, or
 * negative with err: -LB_EBUSY (the job runs elsewhere: err names the PID),
 * -LB_ENOTFOUND, or a run of this console is already in flight.
 */
int app_run_start(struct app *app, const char *job, struct lb_err *err);
/* Cancel the console's run (restic stopped cleanly; recorded cancelled). false: none runs. */
bool app_run_cancel(struct app *app);

/*
 * The run in progress to show in the status line: the console's, else the
 * newest live one of another process. NULL when none; *step (may be NULL)
 * the running step of it, when known.
 */
const struct runs_run *app_runs_active(const struct app *app, const struct runs_step **step);

/* The job's entry (NULL when not configured). */
const struct runs_job *app_runs_job(const struct app *app, const char *job);

/* Seconds a finished run took, -1 while it runs. */
int64_t runs_run_duration(const struct runs_run *r);

/* Is pid a live process here (a zombie is not)? */
bool runs_pid_alive(int pid);

#endif
