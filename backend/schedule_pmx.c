/* PVE and PBS jobs in the schedule (schedule_pmx.h). */
#include "backend/schedule_pmx.h"

#include <stdio.h>
#include <string.h>

#include "backend/proxmox_model.h"
#include "backend/store.h"

int schedule_pmx_outcome(const char *state, bool finished)
{
    if (!finished)
        return RUN_RUNNING;
    switch (pmx_outcome_of(state)) {
    case PMX_OK:
        return RUN_OK;
    case PMX_WARNINGS:
        return RUN_WARNING;
    case PMX_ERROR:
        return RUN_FAILED;
    case PMX_UNKNOWN:
        return RUN_INTERRUPTED; /* PBS: the task's end was never recorded (a reboot) */
    case PMX_RUNNING:
        break;
    }
    return RUN_RUNNING;
}

static void add_pve(struct schedule *s, const struct pve_backup_job *j)
{
    const char *touches[2] = { j->storage, NULL };
    struct sched_source_job src = {
        .name = j->id,
        .where = SCHED_PVE,
        .calendar = j->schedule,
        .dialect = CAL_PROXMOX,
        .touches = j->storage ? touches : NULL,
        .last_outcome = -1,
    };

    schedule_add(s, &src);
}

static void add_pbs(struct schedule *s, const struct pbs_job *j)
{
    char name[160];
    const char *touches[2] = { j->store, NULL };
    struct sched_source_job src = {
        .name = name,
        .where = SCHED_PBS,
        .calendar = j->schedule,
        .dialect = CAL_PROXMOX,
        .touches = j->store ? touches : NULL,
        .last_outcome = -1,
    };
    struct pmx_upid u;
    struct lb_err err = { 0 };

    snprintf(name, sizeof(name), "%s %s", j->kind, j->id ? j->id : "?");
    if (j->last_upid && pmx_upid_parse(j->last_upid, &u, &err) == 0 && u.starttime > 0) {
        bool finished = j->last_state != NULL;

        src.last_started = u.starttime;
        src.last_ended = finished ? j->last_end : 0;
        if (finished && j->last_end && j->last_end < u.starttime) {
            /* the UPID is newer than the recorded end: only the end is sure, the length is not */
            src.last_started = j->last_end;
        }
        src.last_outcome = schedule_pmx_outcome(j->last_state, finished);
        if (finished && j->last_end >= u.starttime)
            src.typical_duration = (int64_t)(j->last_end - u.starttime);
    }
    schedule_add(s, &src);
}

void schedule_add_pmx(struct schedule *s, const struct vec *pve_jobs, const struct vec *pbs_jobs,
                      struct sched_pmx_counts *counts)
{
    struct sched_pmx_counts c = { 0 };
    size_t i;

    for (i = 0; pve_jobs && i < pve_jobs->len; i++) {
        const struct pve_backup_job *j = pve_jobs->items[i];

        if (!j->enabled) {
            c.pve_disabled++;
            continue;
        }
        add_pve(s, j);
        c.pve++;
    }
    for (i = 0; pbs_jobs && i < pbs_jobs->len; i++) {
        const struct pbs_job *j = pbs_jobs->items[i];

        if (j->disabled || !j->schedule || !*j->schedule) {
            c.pbs_disabled++;
            continue;
        }
        add_pbs(s, j);
        c.pbs++;
    }
    if (counts)
        *counts = c;
}
