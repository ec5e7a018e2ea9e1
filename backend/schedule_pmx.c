/* PVE and PBS jobs in the schedule (schedule_pmx.h). */
#include "backend/schedule_pmx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/app_proxmox.h"
#include "backend/base/str.h"
#include "backend/base/xalloc.h"
#include "backend/calendar.h"
#include "backend/pmx_recent.h"
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

/* Did ev elapse within SCHED_PVE_SLACK seconds before (or at) t? */
static bool due_at(const struct cal_event *ev, time_t t)
{
    time_t e;

    return ev && cal_next(ev, t - SCHED_PVE_SLACK - 1, &e) == 0 && e <= t;
}

static bool on_node(const struct pve_backup_job *j, const struct pmx_recent *r)
{
    return !j->node || !*j->node || (r->node && !strcmp(r->node, j->node));
}

/*
 * The newest vzdump task pvescheduler started for job k of jobs (evs: their
 * parsed calendars, NULL for disabled ones); NULL when none is in the list,
 * or when another enabled job was due the same minute on that node.
 */
static const struct pmx_recent *pve_last_task(const struct vec *jobs, struct cal_event *const *evs,
                                              size_t k, const struct vec *recent)
{
    const struct pve_backup_job *j = jobs->items[k];
    size_t i, o;

    for (i = 0; recent && evs[k] && i < recent->len; i++) {
        const struct pmx_recent *r = recent->items[i];
        bool alone = true;

        if (r->product != PMX_PVE || !r->type || strcmp(r->type, "vzdump") != 0 || !r->user ||
            strcmp(r->user, "root@pam") != 0 || !on_node(j, r) || !due_at(evs[k], r->started))
            continue;
        for (o = 0; o < jobs->len && alone; o++)
            alone = o == k || !evs[o] || !on_node(jobs->items[o], r) || !due_at(evs[o], r->started);
        return alone ? r
                     : NULL; /* the newest run of the job decides; an older one is not its last */
    }
    return NULL;
}

static bool add_pve(struct schedule *s, const struct pve_backup_job *j, const struct pmx_recent *r)
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

    if (r) {
        bool finished = r->status != NULL;

        src.last_started = r->started;
        src.last_ended = finished ? r->ended : 0;
        src.last_outcome = schedule_pmx_outcome(r->status, finished);
        src.last_upid = r->upid;
        if (finished && r->ended >= r->started)
            src.typical_duration = (int64_t)(r->ended - r->started);
    }
    schedule_add(s, &src);
    return r != NULL;
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
        src.last_upid = j->last_upid;
        if (finished && j->last_end >= u.starttime)
            src.typical_duration = (int64_t)(j->last_end - u.starttime);
    }
    schedule_add(s, &src);
}

void schedule_add_pmx(struct schedule *s, const struct vec *pve_jobs, const struct vec *pbs_jobs,
                      const struct vec *recent, struct sched_pmx_counts *counts)
{
    struct sched_pmx_counts c = { 0 };
    struct cal_event **evs = NULL;
    struct lb_err err = { 0 };
    size_t i;

    if (pve_jobs && pve_jobs->len) {
        evs = xcalloc(pve_jobs->len, sizeof(*evs));
        for (i = 0; i < pve_jobs->len; i++) {
            const struct pve_backup_job *j = pve_jobs->items[i];

            if (j->enabled && j->schedule)
                evs[i] = cal_parse(j->schedule, CAL_PROXMOX, &err);
        }
    }
    for (i = 0; pve_jobs && i < pve_jobs->len; i++) {
        const struct pve_backup_job *j = pve_jobs->items[i];

        if (!j->enabled) {
            c.pve_disabled++;
            continue;
        }
        if (add_pve(s, j, pve_last_task(pve_jobs, evs, i, recent)))
            c.pve_matched++;
        c.pve++;
    }
    for (i = 0; evs && i < pve_jobs->len; i++)
        cal_free(evs[i]);
    free(evs);
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

static int console_outcome(const struct pmx_task *t)
{
    if (t->state != PMX_TASK_DONE)
        return RUN_RUNNING;
    switch (t->outcome) {
    case PMX_OK:
        return RUN_OK;
    case PMX_WARNINGS:
        return RUN_WARNING;
    default:
        return RUN_FAILED;
    }
}

void schedule_pmx_console_runs(struct schedule *s, const struct vec *tasks)
{
    size_t i, k;

    for (i = 0; tasks && i < tasks->len; i++) {
        const struct pmx_task *t = tasks->items[i];

        if (strcmp(t->action, "job") != 0 || !t->job[0] || !t->started)
            continue;
        for (k = 0; k < s->jobs.len; k++) {
            struct sched_job *j = s->jobs.items[k];

            if (j->where != SCHED_PVE || strcmp(j->name, t->job) != 0 ||
                (j->has_last && j->last_started > t->started))
                continue;
            j->has_last = true;
            j->last_started = t->started;
            j->last_ended = t->state == PMX_TASK_DONE ? t->ended : 0;
            j->last_outcome = console_outcome(t);
            free(j->last_upid);
            j->last_upid = t->upid[0] ? xstrdup(t->upid) : NULL;
        }
    }
}
