#ifndef LIFEBOAT_BACKEND_SCHEDULE_PMX_H
#define LIFEBOAT_BACKEND_SCHEDULE_PMX_H

#include <stddef.h>

#include "backend/base/vec.h"
#include "backend/schedule.h"

/*
 * The Proxmox side of the schedule: PVE backup jobs (/cluster/backup) and
 * PBS GC/prune/verify/sync jobs, as app->pmx holds them, turned into
 * schedule jobs (proxmox calendar dialect). Pure.
 *
 * Names: a PVE job by its id ("backup-83831498-c631"); a PBS job by kind and
 * id ("gc usb-ssd", "verify v-3f2a9c1e-77d0"). PVE jobs touch their storage,
 * PBS jobs their datastore. Disabled jobs never run: they are left out and
 * counted. The last run of a PBS job comes from its own state (last-run-upid
 * gives the start, last-run-endtime the end, last-run-state the outcome).
 * PVE's job list says nothing of the last run and its vzdump tasks do not
 * name the job that started them. But pvescheduler checks the jobs once a
 * minute and starts a due one as root@pam: a vzdump task of root@pam that
 * began within SCHED_PVE_SLACK seconds after an elapse of exactly one
 * enabled job's calendar (on the job's node, if it names one) is that job's
 * run (SCHED_PVE_TASK_NOTE). Otherwise (the task list no longer holds it,
 * two jobs due the same minute) the last result stays unknown
 * (SCHED_PVE_LAST_NOTE says why).
 */

#define SCHED_PVE_LAST_NOTE \
    "PVE does not say which job started a vzdump task: see the PVE task log for the last run"
#define SCHED_PVE_TASK_NOTE \
    "the last run is the vzdump task PVE's scheduler (root@pam) started at the job's time"
#define SCHED_PVE_SLACK 90

struct sched_pmx_counts {
    size_t pve, pbs;                   /* jobs added */
    size_t pve_matched;                /* PVE jobs whose last run was found in the task list */
    size_t pve_disabled, pbs_disabled; /* left out */
};

/*
 * Add pve_jobs (struct pve_backup_job *, NULL: not known) and pbs_jobs
 * (struct pbs_job *, NULL: not known) to s; recent (struct pmx_recent *,
 * backend/pmx_recent.h; may be NULL) gives the PVE jobs' last runs. counts
 * may be NULL.
 */
void schedule_add_pmx(struct schedule *s, const struct vec *pve_jobs, const struct vec *pbs_jobs,
                      const struct vec *recent, struct sched_pmx_counts *counts);

/*
 * The runs of PVE backup jobs this console started (Run now: struct pmx_task *
 * of app->pmx->tasks, action "job") are the jobs' last runs when newer than
 * what the task list said: running while the console follows them, then
 * their end. Call after schedule_add_pmx.
 */
void schedule_pmx_console_runs(struct schedule *s, const struct vec *tasks);

/* The run outcome (enum run_outcome) of a Proxmox state text; -1: not known. */
int schedule_pmx_outcome(const char *state, bool finished);

#endif
