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
 * name the job that started them: a PVE job's last result stays unknown
 * (SCHED_PVE_LAST_NOTE says why).
 */

#define SCHED_PVE_LAST_NOTE \
    "PVE does not say which job started a vzdump task: see the PVE task log for the last run"

struct sched_pmx_counts {
    size_t pve, pbs;                   /* jobs added */
    size_t pve_disabled, pbs_disabled; /* left out */
};

/*
 * Add pve_jobs (struct pve_backup_job *, NULL: not known) and pbs_jobs
 * (struct pbs_job *, NULL: not known) to s. counts may be NULL.
 */
void schedule_add_pmx(struct schedule *s, const struct vec *pve_jobs, const struct vec *pbs_jobs,
                      struct sched_pmx_counts *counts);

/* The run outcome (enum run_outcome) of a Proxmox state text; -1: not known. */
int schedule_pmx_outcome(const char *state, bool finished);

#endif
