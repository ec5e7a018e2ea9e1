#ifndef LIFEBOAT_BACKEND_RETVIEW_PMX_H
#define LIFEBOAT_BACKEND_RETVIEW_PMX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "backend/base/err.h"
#include "backend/base/vec.h"
#include "backend/proxmox_model.h"
#include "backend/retview.h"

/*
 * PBS backup groups as retention tiers: each group of the datastore ("vm/100")
 * planned by the proxmox engine under the prune settings that apply to it,
 * its points bucketed in the server's local time (here: TZ), and its expiry
 * found by simulating the schedule of the PVE backup job that feeds it.
 *
 * The policy: the datastore's PBS prune job (the first enabled one with a
 * keep-* rule) when there is one, else the prune-backups of the PVE job
 * covering the guest, else none (keep all). Protected and unfinished backups
 * are not planned here (PBS never removes or counts a protected one; an
 * unfinished one is not a restore point): they are counted apart. Pure apart
 * from the calendar engine and localtime().
 */

struct retview_pbs_group {
    char type[8];   /* "vm", "ct", "host" */
    char id[64];    /* "100" (sanitized) */
    char label[80]; /* "vm/100" */
    int vmid;       /* 0: not a guest id */
    struct pmx_keep keep;
    char policy_from[160]; /* "PBS prune job default-usb-ssd-1a2b", "PVE job backup-1", "" none */
    char also_prunes[160]; /* the other one, when both prune it ("" none) */
    char feed_job[128];    /* the PVE job feeding it ("" none) */
    char feed_calendar[128];
    bool feed_enabled;
    size_t n_backups;   /* complete, unprotected: planned */
    size_t n_protected; /* never removed, never counted */
    size_t n_partial;   /* unfinished backups */
    uint64_t size;      /* logical size of the planned backups (0: unknown) */
    time_t newest;      /* newest complete backup (0: none) */
};

/* The proxmox-engine policy of a keep-* set (keep-all or nothing set: no rule). */
void retview_policy_from_pmx(const struct pmx_keep *k, struct retention_policy *out);

/*
 * The groups of backups (struct pbs_snapshot *), sorted by type then
 * numeric id, each with its policy and feed from pve_jobs (struct
 * pve_backup_job *, may be NULL) and pbs_jobs (struct pbs_job *, may be
 * NULL) of datastore. Pushes struct retview_pbs_group * (free) to out.
 */
void retview_pbs_groups(const struct vec *backups, const struct vec *pve_jobs,
                        const struct vec *pbs_jobs, const char *datastore, struct vec *out);

/*
 * The view of one group: its complete, unprotected backups of backups under
 * policy (NULL: the group's), fed by its PVE job's schedule. 0, or a
 * negative code with err.
 */
int retview_build_pbs(struct retview *rv, const struct retview_pbs_group *g,
                      const struct vec *backups, const struct retention_policy *policy, time_t now,
                      struct lb_err *err);

/* "daily=5 weekly=3" or "no rule: keep all". Returns out. */
char *retview_pmx_keep_text(const struct pmx_keep *k, char *out, size_t n);

#endif
