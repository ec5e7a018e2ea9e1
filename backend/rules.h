#ifndef LIFEBOAT_BACKEND_RULES_H
#define LIFEBOAT_BACKEND_RULES_H

#include <stdbool.h>
#include <stddef.h>
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
 *   disk-smart     SMART verdict warn/crit (growing counters included: the
 *                  SMART report compares with the previous stored sample)
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

/* What the rules look at. Every vec is borrowed; any may be NULL. */
struct rules_input {
    time_t now;
    const struct config *cfg;
    const struct vec *repos; /* struct repo_view * (backend/app.h) */
    const struct vec *disks; /* struct disk_view * */
    const struct vec *jobs;  /* struct rules_job * */
};

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
