#ifndef LIFEBOAT_BACKEND_RULES_H
#define LIFEBOAT_BACKEND_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "backend/base/err.h"
#include "backend/base/vec.h"

/*
 * Alert rules: pure functions over a snapshot of the model (repo and disk
 * views, borrowed from the app) and the stored run history. Each rule that
 * holds gives a hit: a rule id, a subject (the job, repo, disk or guest), a
 * severity and a message that says what to do. backend/alert.c turns hits
 * into stored alerts and notifications; nothing here does I/O except
 * rules_jobs_load(), which reads the history the job rules need.
 *
 * Rule ids (stable: webhooks and `alerts --json` carry them):
 *   repo-rpo       newest restore point of a restic repo older than its RPO
 *                  (warn; crit beyond 3x the RPO)
 *   repo-empty     a readable repo without any snapshot (crit)
 *   repo-error     the repo cannot be read now (warn; crit for a wrong
 *                  password, a missing repo or a missing restic)
 *   repo-locks     locks left in the repo (warn)
 *   cloud-budget   price_per_gib_month x size above budget_per_month (warn)
 *   job-failed     the job's last run failed, was interrupted or cancelled (crit)
 *   job-partial    the job's last run ended with warnings: a step skipped or partial (warn)
 *   job-deadman    no successful run within the job's schedule plus a grace
 *                  period (warn; crit when two runs were missed)
 *   disk-mount     a [disk] mount is missing (crit)
 *   disk-fill      a [disk] mount fuller than fill_warn / fill_crit
 *   disk-full-soon the fill history of a [disk] mount (backend/fill.h) says it
 *                  is full within RULES_FULL_SOON (warn; crit within 7 days)
 *   disk-smart     SMART verdict warn/crit (growing counters included: the
 *                  SMART report compares with the previous stored sample)
 *   pve-snapshot-age  a guest's snapshot older than snapshot_max_age (warn)
 *   pve-unbacked   a guest no enabled backup job covers (warn; the [drill]
 *                  rollback_vmid and restore range are scratch, left out)
 *   pbs-verify     a guest's newest PBS backup failed verification (crit), or
 *                  an older one did (warn)
 *   pbs-unverified backups older than RULES_VERIFY_MAX_AGE never verified (warn)
 *   pbs-task       the newest PBS task of a kind (verify, prune, GC, sync job)
 *                  ended in an error within RULES_TASK_WINDOW (warn)
 *   pbs-disk       a disk of the PBS host whose SMART status PBS reports
 *                  failed (crit; unknown is not an alert)
 *   pbs-fill       the datastore fuller than fill_warn / fill_crit
 *   pbs-full-soon  PBS estimates the datastore full within 30 days (warn;
 *                  crit within 7)
 *   drill-overdue  no successful restore drill of a kind within its cadence
 *                  (drill_cadence: rollback 7 days, pbs and cloud 31) (warn);
 *                  only the kinds the config allows; one never done counts
 *                  from the first job run (a fresh install is not nagged)
 *   checklist-overdue  no complete monthly (31 days) or quarterly (92 days)
 *                  checklist run, counted the same way (warn)
 *   secret-overdue a secret (repo password, env file, API token file) not
 *                  rotated within KEYS_CADENCE_S (backend/keys.h: keys_status),
 *                  counted the same way when its age is unknown (warn)
 *
 * An evaluation only clears the alerts of rules whose data it had
 * (rules_covers): `lifeboat run` without the Proxmox endpoints read never
 * resolves a Proxmox alert that `lifeboat alerts` raised.
 */

struct config;
struct job_cfg;
struct store;
struct store_run;

enum rule_severity { RULE_WARN = 1, RULE_CRIT = 2 };

struct rule_hit {
    char rule[32];
    char subject[64];
    enum rule_severity severity;
    char message[400]; /* sanitized */
};

/* The history of one job the job rules read (all new, freed by rules_job_free). */
struct rules_job {
    const struct job_cfg *cfg; /* borrowed */
    struct store_run *last;    /* newest finished run, NULL when none */
    time_t last_ok;       /* start of the newest run that ended ok or with warnings (0: none) */
    time_t first_started; /* start of the oldest run read (0: no run at all) */
    bool running;         /* a run is in progress (started after last) */
    time_t running_since;
    struct vec steps; /* struct store_step * of last */
};
void rules_job_free(void *job);

struct pve_snapshot_list;
struct pbs_usage;

/*
 * The Proxmox records the Proxmox rules read (backend/proxmox_model.h), as
 * the adapters return them. All borrowed; a NULL member was not read (its
 * rules neither fire nor clear).
 */
struct rules_pmx {
    int64_t snapshot_max_age;               /* [pve] snapshot_max_age (0: 7 days) */
    const struct vec *guests;               /* struct pve_guest * (templates skipped) */
    struct pve_snapshot_list *const *snaps; /* per guest, in guests order; NULL entries: not read */
    const struct vec *jobs;                 /* struct pve_backup_job * */
    const struct vec *unbacked;             /* struct pve_unbacked * (PVE's own answer) */
    const char *datastore;                  /* [pbs] datastore: subject of the datastore rules */
    const struct vec *backups;              /* struct pbs_snapshot * of the datastore */
    const struct vec *tasks;                /* struct pbs_task *, the recent ones */
    const struct pbs_usage *usage;          /* the datastore's usage and estimate */
    const struct vec *disks;                /* struct pbs_disk *, the PBS host's disks */
    double fill_warn, fill_crit;            /* percent (0: 80 and 90) */
};

/* A PBS backup older than this never verified is a warning. */
#define RULES_VERIFY_MAX_AGE (14 * 86400)
/* Failed PBS tasks older than this are left alone. */
#define RULES_TASK_WINDOW (7 * 86400)
/* The estimated-full date of a datastore or mount inside this is a warning. */
#define RULES_FULL_SOON (30 * 86400)

/* Drills and checklists as the chore rules read them (rules_chores_load). */
#define RULES_DRILL_KINDS 3 /* rollback, pbs, cloud */
struct rules_chores {
    bool drill_applies[RULES_DRILL_KINDS]; /* the config allows that kind */
    time_t drill_ok[RULES_DRILL_KINDS];    /* start of the newest successful one (0: none) */
    time_t checklist_done[2];              /* newest complete monthly / quarterly run (0: none) */
    int nsecrets;
    struct rules_secret {
        char what[64];  /* "repo usb-ssd password_file" */
        char repo[48];  /* the repo it opens ("" for an API token) */
        time_t changed; /* last rotation or file change (0: unknown) */
    } secrets[24];
    time_t since; /* the oldest record kept: "none since" */
};
/* "rollback", "pbs", "cloud". */
const char *rules_drill_kind(int i);
/* Read the newest drills and checklist runs from st. 0 or negative with err. */
int rules_chores_load(struct store *st, const struct config *cfg, struct rules_chores *out,
                      struct lb_err *err);

/* What the rules look at. Every vec is borrowed; any may be NULL. */
struct rules_input {
    time_t now;
    const struct config *cfg;
    const struct vec *repos;           /* struct repo_view * (backend/app.h) */
    const struct vec *disks;           /* struct disk_view * */
    const struct vec *jobs;            /* struct rules_job * */
    const struct rules_pmx *pmx;       /* NULL: Proxmox not read */
    const struct rules_chores *chores; /* NULL: drills and checklists not read */
};

/* Did this evaluation read what rule needs (so a rule that did not fire has cleared)? */
bool rules_covers(const struct rules_input *in, const char *rule);

/* How long after its due time a job may be before the dead man fires. */
#define RULES_DEADMAN_GRACE (2 * 3600)

/*
 * Read the history of every configured job from st into jobs (struct
 * rules_job *, new; init the vec with rules_job_free). 0 or negative with err.
 */
int rules_jobs_load(struct store *st, const struct config *cfg, struct vec *jobs,
                    struct lb_err *err);

/*
 * Evaluate every rule: the hits are pushed to out (struct rule_hit *, new;
 * init the vec with free), at most one per (rule, subject). Returns how many.
 */
size_t rules_evaluate(const struct rules_input *in, struct vec *out);

/* "warn" / "crit". */
const char *rules_severity_name(enum rule_severity s);

#endif
