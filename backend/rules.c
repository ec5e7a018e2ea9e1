/*
 * Alert rules: one function per source of data (repos, cloud budget, jobs,
 * disks), each pure over the snapshot in struct rules_input.
 */
#include "backend/rules.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/app.h"
#include "backend/base/clock.h"
#include "backend/base/str.h"
#include "backend/base/xalloc.h"
#include "backend/config.h"
#include "backend/drills.h"
#include "backend/jobs.h"
#include "backend/keys.h"
#include "backend/proxmox_model.h"
#include "backend/smart_rules.h"
#include "backend/store.h"

/* How many runs of a job are read to find its last successful one. */
#define RULES_RUNS_READ 200

const char *rules_severity_name(enum rule_severity s)
{
    return s == RULE_CRIT ? "crit" : "warn";
}

static void hit(struct vec *out, const char *rule, const char *subject, enum rule_severity sev,
                const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void hit(struct vec *out, const char *rule, const char *subject, enum rule_severity sev,
                const char *fmt, ...)
{
    struct rule_hit *h;
    va_list ap;
    size_t i;

    /* one per (rule, subject): the first (most specific) wins */
    vec_foreach(out, i, h) {
        if (!strcmp(h->rule, rule) && !strcmp(h->subject, subject))
            return;
    }
    h = xcalloc(1, sizeof(*h));
    str_copy(h->rule, sizeof(h->rule), rule);
    str_copy(h->subject, sizeof(h->subject), subject);
    str_sanitize(h->subject);
    h->severity = sev;
    va_start(ap, fmt);
    vsnprintf(h->message, sizeof(h->message), fmt, ap);
    va_end(ap);
    str_sanitize(h->message);
    vec_push(out, h);
}

/* ---- restic repos ---- */

static bool error_is_fatal(const struct lb_err *e)
{
    return e->code == LB_EAUTH || e->code == LB_ENOREPO || e->code == LB_EMISSING_TOOL;
}

static void rules_repos(const struct rules_input *in, struct vec *out)
{
    size_t i;
    struct repo_view *rv;

    if (!in->repos)
        return;
    vec_foreach(in->repos, i, rv) {
        const char *name = rv->cfg->name;
        char age[32], rpo[32];

        if (rv->state == REPO_ERROR)
            hit(out, "repo-error", name, error_is_fatal(&rv->error) ? RULE_CRIT : RULE_WARN,
                "cannot read the repo: %s", rv->error.msg);
        if (!rv->fetched_at)
            continue; /* never read: only the error is known */
        if (!rv->newest) {
            hit(out, "repo-empty", name, RULE_CRIT,
                "no snapshot at all: run the job that backs up into it");
        } else if (in->now - rv->newest > rv->rpo) {
            int64_t a = (int64_t)(in->now - rv->newest);

            str_fmt_age(a, age, sizeof(age));
            str_fmt_age(rv->rpo, rpo, sizeof(rpo));
            hit(out, "repo-rpo", name, a > 3 * rv->rpo ? RULE_CRIT : RULE_WARN,
                "newest restore point is %s old, over its RPO of %s: check the last runs and "
                "that the %s is reachable",
                age, rpo, rv->cfg->tier == TIER_OFFSITE ? "cloud" : "disk");
        }
        if (rv->lock_count) {
            str_fmt_age((int64_t)(in->now - rv->oldest_lock), age, sizeof(age));
            hit(out, "repo-locks", name, RULE_WARN,
                "%d lock%s left in the repo, oldest %s old by %s: if no restic runs, remove "
                "with 'restic unlock'",
                rv->lock_count, rv->lock_count == 1 ? "" : "s", age, rv->lock_holder);
        }
    }
}

/* ---- cloud budget: price_per_gib_month x size against budget_per_month ---- */

static void rules_budget(const struct rules_input *in, struct vec *out)
{
    size_t i;
    struct repo_view *rv;

    if (!in->repos)
        return;
    vec_foreach(in->repos, i, rv) {
        const struct repo_cfg *rc = rv->cfg;
        double gib, cost;
        char size[32];

        if (!rc->price_per_gib_month || !rc->budget_per_month || !rv->size_known)
            continue;
        gib = (double)rv->size_bytes / (1024.0 * 1024.0 * 1024.0);
        cost = gib * rc->price_per_gib_month;
        if (cost <= rc->budget_per_month)
            continue;
        str_fmt_bytes(rv->size_bytes, size, sizeof(size));
        hit(out, "cloud-budget", rc->name, RULE_WARN,
            "%s at %.4g a GiB costs about %.2f a month, over its budget of %.2f: check the "
            "retention (keep) of the repo, or raise budget_per_month",
            size, rc->price_per_gib_month, cost, rc->budget_per_month);
    }
}

/* ---- jobs: last run, dead man ---- */

void rules_job_free(void *p)
{
    struct rules_job *j = p;

    if (!j)
        return;
    store_run_free(j->last);
    vec_release(&j->steps);
    free(j);
}

int rules_jobs_load(struct store *st, const struct config *cfg, struct vec *jobs,
                    struct lb_err *err)
{
    size_t i, k;
    struct job_cfg *jc;
    int rc = 0;

    vec_foreach(&cfg->jobs, i, jc) {
        struct vec runs = VEC_INIT(store_run_free);
        struct rules_job *j = xcalloc(1, sizeof(*j));
        struct store_run *r;

        j->cfg = jc;
        vec_init(&j->steps, store_step_free);
        vec_push(jobs, j);
        if (!st)
            continue;
        if ((rc = store_runs_recent(st, jc->name, RULES_RUNS_READ, &runs, err)) < 0) {
            vec_release(&runs);
            return rc;
        }
        /* newest first */
        vec_foreach(&runs, k, r) {
            j->first_started = r->started;
            if (r->outcome == RUN_RUNNING) {
                if (!j->last && !j->running) {
                    j->running = true;
                    j->running_since = r->started;
                }
                continue;
            }
            if (!j->last) {
                j->last = r;
                runs.items[k] = NULL;
            }
            if (!j->last_ok && (r->outcome == RUN_OK || r->outcome == RUN_WARNING))
                j->last_ok = r->started;
        }
        vec_release(&runs);
        if (j->last) {
            struct store_run *dummy = NULL;

            if ((rc = store_run_get(st, j->last->id, &dummy, &j->steps, err)) < 0)
                return rc;
            store_run_free(dummy);
        }
    }
    return rc;
}

/* The first step that says what went wrong, or the run's summary. */
static const char *run_reason(const struct rules_job *j, enum run_outcome at_least)
{
    size_t i;
    struct store_step *s;

    vec_foreach(&j->steps, i, s) {
        if (s->outcome >= at_least && s->outcome != RUN_RUNNING && s->message && *s->message)
            return s->message;
    }
    return j->last->summary && *j->last->summary ? j->last->summary : NULL;
}

static void rules_job_last_run(const struct rules_input *in, const struct rules_job *j,
                               struct vec *out)
{
    const char *name = j->cfg->name;
    const struct store_run *r = j->last;
    char when[40], why[320];
    const char *reason;

    (void)in;
    if (!r)
        return;
    clock_fmt_local(r->started, when, sizeof(when));
    when[16] = '\0';
    switch (r->outcome) {
    case RUN_FAILED:
    case RUN_INTERRUPTED:
    case RUN_CANCELLED:
        reason = run_reason(j, RUN_FAILED);
        snprintf(why, sizeof(why), "%s%s", reason ? ": " : "", reason ? reason : "");
        hit(out, "job-failed", name, RULE_CRIT,
            "the last run (#%lld, %s) %s%s; see 'lifeboat history --job %s', fix it and run "
            "'lifeboat run %s'",
            (long long)r->id, when,
            r->outcome == RUN_FAILED        ? "failed"
            : r->outcome == RUN_INTERRUPTED ? "was interrupted"
                                            : "was cancelled",
            why, name, name);
        break;
    case RUN_WARNING:
        reason = run_reason(j, RUN_WARNING);
        snprintf(why, sizeof(why), "%s%s", reason ? ": " : "", reason ? reason : "");
        hit(out, "job-partial", name, RULE_WARN,
            "the last run (#%lld, %s) ended with warnings%s; see 'lifeboat history --job %s'",
            (long long)r->id, when, why, name);
        break;
    default:
        break;
    }
}

static void rules_job_deadman(const struct rules_input *in, const struct rules_job *j,
                              struct vec *out)
{
    const char *name = j->cfg->name;
    time_t base, due, due2;
    char when[40], age[32];

    /* A job that never ran is left to the repo rules (no snapshot, RPO). */
    if (!j->first_started || !j->cfg->schedule)
        return;
    base = j->last_ok ? j->last_ok : j->first_started;
    if (jobs_next_run(j->cfg, base, &due) < 0)
        return;
    if (in->now <= due + RULES_DEADMAN_GRACE)
        return;
    if (j->running && j->running_since >= due)
        return; /* the run that was due is under way */
    if (jobs_next_run(j->cfg, due, &due2) < 0)
        due2 = 0;
    clock_fmt_local(due, when, sizeof(when));
    when[16] = '\0';
    if (j->last_ok)
        str_fmt_age((int64_t)(in->now - j->last_ok), age, sizeof(age));
    hit(out, "job-deadman", name,
        due2 && in->now > due2 + RULES_DEADMAN_GRACE ? RULE_CRIT : RULE_WARN,
        "%s%s%s; a run was due at %s (schedule %s): is its timer installed and enabled? "
        "('lifeboat timers install', 'systemctl list-timers')",
        j->last_ok ? "no successful run for " : "no successful run at all", j->last_ok ? age : "",
        j->last_ok ? "" : " since the first one", when, j->cfg->schedule);
}

static void rules_jobs(const struct rules_input *in, struct vec *out)
{
    size_t i;
    struct rules_job *j;

    if (!in->jobs)
        return;
    vec_foreach(in->jobs, i, j) {
        rules_job_last_run(in, j, out);
        rules_job_deadman(in, j, out);
    }
}

/* ---- disks: mount, fill, SMART ---- */

/* The estimated-full date of a mount from its fill history (backend/fill.h). */
static void rules_disk_full_soon(const struct rules_input *in, const struct disk_view *dv,
                                 struct vec *out)
{
    const struct fill_estimate *e = &dv->fill_est;
    char when[40], grow[32];
    int64_t left;

    if (!e->known || e->bytes_per_day <= 0)
        return;
    left = (int64_t)(e->full_at - in->now);
    if (left > RULES_FULL_SOON)
        return;
    clock_fmt_local(e->full_at > in->now ? e->full_at : in->now, when, sizeof(when));
    when[10] = '\0';
    str_fmt_bytes(e->bytes_per_day > 1e18 ? (uint64_t)1e18 : (uint64_t)e->bytes_per_day, grow,
                  sizeof(grow));
    hit(out, "disk-full-soon", dv->cfg->name, left <= 7 * 86400 ? RULE_CRIT : RULE_WARN,
        "%s at %.0f %% grows about %s a day: full %s %s; prune or add space", dv->cfg->mount,
        dv->fill_pct, grow, left > 0 ? "around" : "now,", when);
}

static void rules_disks(const struct rules_input *in, struct vec *out)
{
    size_t i;
    struct disk_view *dv;

    if (!in->disks)
        return;
    vec_foreach(in->disks, i, dv) {
        const char *name = dv->cfg->name;
        const struct smart_reading *rd = dv->reading;

        if (dv->cfg->mount && dv->mount_checked && !dv->mount_present)
            hit(out, "disk-mount", name, RULE_CRIT,
                "%s is not mounted (%s): backups into it fail; plug the disk in and mount it",
                dv->cfg->mount, dv->mount_error[0] ? dv->mount_error : "missing");
        if (dv->cfg->mount && dv->mount_checked && dv->mount_present &&
            dv->fill_pct >= dv->cfg->fill_warn)
            hit(out, "disk-fill", name, dv->fill_pct >= dv->cfg->fill_crit ? RULE_CRIT : RULE_WARN,
                "%s is %.0f%% full (warn at %.0f%%, critical at %.0f%%): prune old backups or "
                "make room",
                dv->cfg->mount, dv->fill_pct, dv->cfg->fill_warn, dv->cfg->fill_crit);
        if (dv->cfg->mount && dv->mount_checked && dv->mount_present)
            rules_disk_full_soon(in, dv, out);
        if (rd && (rd->report.verdict == SMART_VERDICT_WARN ||
                   rd->report.verdict == SMART_VERDICT_CRIT)) {
            const struct smart_finding *f =
                rd->report.findings.len ? rd->report.findings.items[0] : NULL;

            hit(out, "disk-smart", name,
                rd->report.verdict == SMART_VERDICT_CRIT ? RULE_CRIT : RULE_WARN,
                "SMART %s: %s (details on the Disks screen, 'lifeboat smart %s')",
                rd->report.verdict == SMART_VERDICT_CRIT ? "critical" : "warning",
                f && f->text ? f->text : "see the report", name);
        }
    }
}

/* ---- Proxmox: snapshots, coverage, PBS verify, tasks, datastore ---- */

/* "vm 100" / "ct 200": the subject of a guest's alerts (PBS groups use the same words). */
static void guest_subject(const char *type, int vmid, char *out, size_t n)
{
    snprintf(out, n, "%s %d", !strcmp(type, "lxc") || !strcmp(type, "ct") ? "ct" : "vm", vmid);
}

static void rules_pmx_snapshots(const struct rules_input *in, const struct rules_pmx *p,
                                struct vec *out)
{
    int64_t max_age = p->snapshot_max_age > 0 ? p->snapshot_max_age : 7 * 86400;
    char subject[32], age[32], limit[32];

    if (!p->guests || !p->snaps)
        return;
    for (size_t i = 0; i < p->guests->len; i++) {
        const struct pve_guest *g = p->guests->items[i];
        const struct pve_snapshot_list *l = p->snaps[i];
        const struct pve_snapshot *oldest = NULL;
        int stale = 0;

        if (g->is_template || !l)
            continue;
        for (size_t k = 0; k < l->snaps.len; k++) {
            const struct pve_snapshot *sn = l->snaps.items[k];

            if (!sn->snaptime || in->now - sn->snaptime <= max_age)
                continue;
            stale++;
            if (!oldest || sn->snaptime < oldest->snaptime)
                oldest = sn;
        }
        if (!oldest)
            continue;
        guest_subject(g->type, g->vmid, subject, sizeof(subject));
        str_fmt_age((int64_t)(in->now - oldest->snaptime), age, sizeof(age));
        str_fmt_age(max_age, limit, sizeof(limit));
        if (stale == 1)
            hit(out, "pve-snapshot-age", subject, RULE_WARN,
                "snapshot '%s' of %s is %s old (limit %s): an old snapshot grows and slows "
                "the guest; delete it on the Snapshots screen once it is not needed",
                oldest->name, g->name ? g->name : subject, age, limit);
        else
            hit(out, "pve-snapshot-age", subject, RULE_WARN,
                "%d snapshots of %s are older than %s, the oldest '%s' %s old: delete those "
                "not needed on the Snapshots screen",
                stale, g->name ? g->name : subject, limit, oldest->name, age);
    }
}

/* Guests drills may touch ([drill]) are scratch: they need no backup. */
static bool drill_guest(const struct config *cfg, int vmid)
{
    if (!cfg)
        return false;
    return vmid == cfg->drill.rollback_vmid ||
           (cfg->drill.vmid_from && vmid >= cfg->drill.vmid_from && vmid <= cfg->drill.vmid_to);
}

static void rules_pmx_coverage(const struct rules_input *in, const struct rules_pmx *p,
                               struct vec *out)
{
    char subject[32];

    (void)in;
    if (!p->guests || (!p->jobs && !p->unbacked))
        return;
    for (size_t i = 0; i < p->guests->len; i++) {
        const struct pve_guest *g = p->guests->items[i];
        const struct pve_backup_job *only_disabled = NULL;
        bool listed = false, covered = false;

        if (g->is_template || drill_guest(in->cfg, g->vmid))
            continue;
        for (size_t k = 0; p->unbacked && k < p->unbacked->len; k++)
            if (((const struct pve_unbacked *)p->unbacked->items[k])->vmid == g->vmid)
                listed = true;
        for (size_t k = 0; !listed && p->jobs && k < p->jobs->len; k++) {
            const struct pve_backup_job *j = p->jobs->items[k];

            if (!pve_job_selects(j, g->vmid, g->pool))
                continue;
            if (j->enabled)
                covered = true;
            else if (!only_disabled)
                only_disabled = j;
        }
        /* PVE's not-backed-up list is the authority; else the job selections decide */
        if (!listed && (covered || !p->jobs))
            continue;
        guest_subject(g->type, g->vmid, subject, sizeof(subject));
        if (only_disabled && !listed)
            hit(out, "pve-unbacked", subject, RULE_WARN,
                "%s is only in the disabled backup job '%s': it has no copy 1; enable the job "
                "(Datacenter > Backup) or add the guest to another one",
                g->name ? g->name : subject, only_disabled->id);
        else
            hit(out, "pve-unbacked", subject, RULE_WARN,
                "%s is in no backup job: it has no copy 1 on PBS; add it to a job (Datacenter "
                "> Backup) or exclude it on purpose",
                g->name ? g->name : subject);
    }
}

/* Is s the same guest group as t (type and id)? */
static bool same_group(const struct pbs_snapshot *s, const struct pbs_snapshot *t)
{
    return !strcmp(s->type, t->type) && s->id && t->id && !strcmp(s->id, t->id);
}

static void rules_pmx_verify(const struct rules_input *in, const struct rules_pmx *p,
                             struct vec *out)
{
    const struct vec *b = p->backups;
    int unverified = 0;
    time_t oldest_unverified = 0;
    char when[40], subject[96], age[32];

    if (!b)
        return;
    for (size_t i = 0; i < b->len; i++) {
        const struct pbs_snapshot *s = b->items[i];
        const struct pbs_snapshot *newest = s;
        int failed = 0;
        bool first = true;

        if (!s->complete)
            continue;
        if (!s->verify[0] && in->now - s->time > RULES_VERIFY_MAX_AGE) {
            unverified++;
            if (!oldest_unverified || s->time < oldest_unverified)
                oldest_unverified = s->time;
        }
        /* once per group: at its first complete snapshot in the list */
        for (size_t k = 0; k < i && first; k++) {
            const struct pbs_snapshot *t = b->items[k];

            if (t->complete && same_group(s, t))
                first = false;
        }
        if (!first)
            continue;
        for (size_t k = i; k < b->len; k++) {
            const struct pbs_snapshot *t = b->items[k];

            if (!t->complete || !same_group(s, t))
                continue;
            if (t->time > newest->time)
                newest = t;
            if (!strcmp(t->verify, "failed"))
                failed++;
        }
        if (!failed)
            continue;
        if (!strcmp(s->type, "vm") || !strcmp(s->type, "ct"))
            snprintf(subject, sizeof(subject), "%s %s", s->type, s->id);
        else
            snprintf(subject, sizeof(subject), "%s/%s", s->type, s->id);
        clock_fmt_local(newest->time, when, sizeof(when));
        when[16] = '\0';
        if (!strcmp(newest->verify, "failed"))
            hit(out, "pbs-verify", subject, RULE_CRIT,
                "the newest PBS backup (%s) failed verification: it may not restore; run a new "
                "backup now and check the datastore disk (SMART) and the verify task log",
                when);
        else
            hit(out, "pbs-verify", subject, RULE_WARN,
                "%d older PBS backup%s failed verification (the newest, %s, is %s): prune or "
                "remove the damaged ones and check the datastore disk",
                failed, failed == 1 ? "" : "s", when,
                newest->verify[0] ? "verified" : "not verified yet");
    }
    if (unverified) {
        str_fmt_age((int64_t)(in->now - oldest_unverified), age, sizeof(age));
        str_fmt_age(RULES_VERIFY_MAX_AGE, when, sizeof(when));
        hit(out, "pbs-unverified", p->datastore ? p->datastore : "pbs", RULE_WARN,
            "%d backup%s older than %s never verified (the oldest %s old): add a verify job "
            "on the datastore (Datastore > Verify Jobs), or run one now",
            unverified, unverified == 1 ? "" : "s", when, age);
    }
}

static void rules_pmx_tasks(const struct rules_input *in, const struct rules_pmx *p,
                            struct vec *out)
{
    const struct vec *t = p->tasks;
    char subject[64], when[40];

    if (!t)
        return;
    for (size_t i = 0; i < t->len; i++) {
        const struct pbs_task *k = t->items[i];
        const struct pbs_task *newest = k;
        bool first = true;

        if (!k->endtime || !k->worker_type)
            continue;
        for (size_t j = 0; j < t->len; j++) {
            const struct pbs_task *o = t->items[j];

            if (!o->endtime || !o->worker_type || strcmp(o->worker_type, k->worker_type) ||
                strcmp(o->worker_id ? o->worker_id : "", k->worker_id ? k->worker_id : ""))
                continue;
            if (j < i)
                first = false;
            if (o->starttime > newest->starttime)
                newest = o;
        }
        if (!first || pmx_outcome_of(newest->status) != PMX_ERROR ||
            in->now - newest->endtime > RULES_TASK_WINDOW)
            continue;
        snprintf(subject, sizeof(subject), "%s%s%s", newest->worker_type,
                 newest->worker_id ? " " : "", newest->worker_id ? newest->worker_id : "");
        clock_fmt_local(newest->endtime, when, sizeof(when));
        when[16] = '\0';
        hit(out, "pbs-task", subject, RULE_WARN,
            "the PBS task %s ended %s with an error: %s; read its log (Administration > "
            "Tasks) and run it again",
            newest->worker_type, when, newest->status);
    }
}

static void rules_pmx_disks(const struct rules_pmx *p, struct vec *out)
{
    char subject[96];

    for (size_t i = 0; p->disks && i < p->disks->len; i++) {
        const struct pbs_disk *d = p->disks->items[i];

        if (!d->status || strcmp(d->status, "failed"))
            continue;
        snprintf(subject, sizeof(subject), "pbs disk %s", d->name);
        hit(out, "pbs-disk", subject, RULE_CRIT,
            "PBS reports SMART failed for %s (%s, serial %s): the drive says it is failing; "
            "copy what is on it now and replace it",
            d->devpath ? d->devpath : d->name, d->model ? d->model : "model unknown",
            d->serial ? d->serial : "unknown");
    }
}

static void rules_pmx_datastore(const struct rules_input *in, const struct rules_pmx *p,
                                struct vec *out)
{
    const struct pbs_usage *u = p->usage;
    double warn = p->fill_warn > 0 ? p->fill_warn : 80, crit = p->fill_crit > 0 ? p->fill_crit : 90;
    const char *name = p->datastore ? p->datastore : u && u->store ? u->store : "pbs";
    char when[40], left[32];

    if (!u || !u->known || !u->total)
        return;
    {
        double pct = 100.0 * (double)u->used / (double)u->total;

        if (pct >= warn)
            hit(out, "pbs-fill", name, pct >= crit ? RULE_CRIT : RULE_WARN,
                "the PBS datastore is %.0f%% full (warn at %.0f%%, critical at %.0f%%): prune "
                "with a tighter keep, run garbage collection, or add space",
                pct, warn, crit);
    }
    if (u->has_estimate && u->estimated_full > in->now &&
        u->estimated_full - in->now <= RULES_FULL_SOON) {
        clock_fmt_local(u->estimated_full, when, sizeof(when));
        when[10] = '\0';
        str_fmt_age((int64_t)(u->estimated_full - in->now), left, sizeof(left));
        hit(out, "pbs-full-soon", name,
            u->estimated_full - in->now <= 7 * 86400 ? RULE_CRIT : RULE_WARN,
            "at its present growth the PBS datastore is full around %s (in %s): backups "
            "will then fail; prune, run garbage collection or add space before",
            when, left);
    }
}

static void rules_proxmox(const struct rules_input *in, struct vec *out)
{
    if (!in->pmx)
        return;
    rules_pmx_snapshots(in, in->pmx, out);
    rules_pmx_coverage(in, in->pmx, out);
    rules_pmx_verify(in, in->pmx, out);
    rules_pmx_tasks(in, in->pmx, out);
    rules_pmx_datastore(in, in->pmx, out);
    rules_pmx_disks(in->pmx, out);
}

bool rules_covers(const struct rules_input *in, const char *rule)
{
    const struct rules_pmx *p = in->pmx;

    if (!strcmp(rule, "drill-overdue") || !strcmp(rule, "checklist-overdue") ||
        !strcmp(rule, "secret-overdue"))
        return in->chores != NULL;
    if (strncmp(rule, "pve-", 4) && strncmp(rule, "pbs-", 4))
        return true; /* repos, jobs, disks: every evaluation reads them */
    if (!p)
        return false;
    if (!strcmp(rule, "pve-snapshot-age"))
        return p->guests && p->snaps;
    if (!strcmp(rule, "pve-unbacked"))
        return p->guests && (p->jobs || p->unbacked);
    if (!strcmp(rule, "pbs-verify") || !strcmp(rule, "pbs-unverified"))
        return p->backups != NULL;
    if (!strcmp(rule, "pbs-task"))
        return p->tasks != NULL;
    if (!strcmp(rule, "pbs-disk"))
        return p->disks != NULL;
    if (!strcmp(rule, "pbs-fill") || !strcmp(rule, "pbs-full-soon"))
        return p->usage != NULL;
    return false;
}

/* ---- chores: drills and checklists overdue ---- */

static const char *const drill_kinds[RULES_DRILL_KINDS] = { "rollback", "pbs", "cloud" };

const char *rules_drill_kind(int i)
{
    return i >= 0 && i < RULES_DRILL_KINDS ? drill_kinds[i] : "?";
}

static bool has_offsite(const struct config *cfg)
{
    const struct repo_cfg *rc;
    size_t i;

    vec_foreach(&cfg->repos, i, rc) {
        if (rc->tier == TIER_OFFSITE)
            return true;
    }
    return false;
}

int rules_chores_load(struct store *st, const struct config *cfg, struct rules_chores *out,
                      struct lb_err *err)
{
    static const char *const lists[2] = { "monthly", "quarterly" };
    int rc;

    memset(out, 0, sizeof(*out));
    out->drill_applies[0] = cfg->pves.len && cfg->drill.rollback_vmid;
    out->drill_applies[1] = cfg->pves.len && cfg->pbss.len && cfg->drill.vmid_from;
    out->drill_applies[2] = has_offsite(cfg);
    for (int k = 0; k < RULES_DRILL_KINDS; k++) {
        struct vec v = VEC_INIT(free);
        const struct store_drill *d;
        size_t i;

        if ((rc = store_drills_recent(st, drill_kinds[k], 50, &v, err)) < 0) {
            vec_release(&v);
            return rc;
        }
        vec_foreach(&v, i, d) {
            if (!out->since || d->started < out->since)
                out->since = d->started;
            if (!strcmp(d->outcome, "ok") && d->started > out->drill_ok[k])
                out->drill_ok[k] = d->started;
        }
        vec_release(&v);
    }
    for (int k = 0; k < 2; k++) {
        struct vec v = VEC_INIT(store_checklist_run_free);
        const struct store_checklist_run *r;
        size_t i;

        if ((rc = store_checklist_runs(st, lists[k], 0, 50, &v, err)) < 0) {
            vec_release(&v);
            return rc;
        }
        vec_foreach(&v, i, r) {
            if (!strcmp(r->outcome, "complete") && r->started > out->checklist_done[k])
                out->checklist_done[k] = r->started;
        }
        vec_release(&v);
    }
    /* secrets: their age from the last rotation recorded or the file's mtime */
    {
        struct vec v = VEC_INIT(free);
        const struct keys_secret *ks;
        size_t i;

        keys_status(cfg, st, clock_now(), &v);
        vec_foreach(&v, i, ks) {
            struct rules_secret *s = &out->secrets[out->nsecrets];
            const struct repo_cfg *repo;
            size_t k;

            if (out->nsecrets >= (int)(sizeof(out->secrets) / sizeof(out->secrets[0])))
                break;
            str_copy(s->what, sizeof(s->what), ks->what);
            s->changed = ks->changed;
            s->repo[0] = '\0';
            vec_foreach(&cfg->repos, k, repo) {
                char prefix[64];

                snprintf(prefix, sizeof(prefix), "repo %s ", repo->name);
                if (str_starts_with(ks->what, prefix) && strstr(ks->what, "password"))
                    str_copy(s->repo, sizeof(s->repo), repo->name);
            }
            out->nsecrets++;
        }
        vec_release(&v);
    }
    return 0;
}

/* Start of the oldest run read of any job: when lifeboat began backing up (0: no run). */
static time_t first_run(const struct rules_input *in)
{
    const struct rules_job *j;
    time_t first = 0;
    size_t i;

    if (!in->jobs)
        return 0;
    vec_foreach(in->jobs, i, j) {
        if (j->first_started && (!first || j->first_started < first))
            first = j->first_started;
    }
    return first;
}

/*
 * A chore is overdue when its last success is older than its cadence; one
 * never done is overdue once backups have run for longer than the cadence
 * (a fresh install is not nagged on its first day).
 */
static void rules_chores(const struct rules_input *in, struct vec *out)
{
    static const char *const lists[2] = { "monthly", "quarterly" };
    static const int64_t list_cadence[2] = { 31 * 86400, 92 * 86400 };
    const struct rules_chores *c = in->chores;
    char subject[32], age[32], every[32], began[40];
    time_t first = first_run(in);

    if (!c)
        return;
    if (first) {
        clock_fmt_local(first, began, sizeof(began));
        began[10] = '\0';
    }
    for (int k = 0; k < RULES_DRILL_KINDS; k++) {
        int64_t cadence = drill_cadence(drill_kinds[k]);

        if (!c->drill_applies[k] ||
            in->now - (c->drill_ok[k] ? c->drill_ok[k] : first) <= cadence ||
            (!c->drill_ok[k] && !first))
            continue;
        snprintf(subject, sizeof(subject), "drill %s", drill_kinds[k]);
        str_fmt_age(cadence, every, sizeof(every));
        if (c->drill_ok[k]) {
            str_fmt_age((int64_t)(in->now - c->drill_ok[k]), age, sizeof(age));
            hit(out, "drill-overdue", subject, RULE_WARN,
                "the last successful %s restore drill was %s ago (due every %s): run it from "
                "the Drills screen (7) or 'lifeboat drill %s'",
                drill_kinds[k], age, every, drill_kinds[k]);
        } else {
            hit(out, "drill-overdue", subject, RULE_WARN,
                "no successful %s restore drill since backups began (%s; due every %s): a copy "
                "never restored is a hope, not a backup; run it from the Drills screen (7) or "
                "'lifeboat drill %s'",
                drill_kinds[k], began, every, drill_kinds[k]);
        }
    }
    for (int k = 0; k < 2; k++) {
        if (in->now - (c->checklist_done[k] ? c->checklist_done[k] : first) <= list_cadence[k] ||
            (!c->checklist_done[k] && !first))
            continue;
        snprintf(subject, sizeof(subject), "checklist %s", lists[k]);
        str_fmt_age(list_cadence[k], every, sizeof(every));
        if (c->checklist_done[k]) {
            str_fmt_age((int64_t)(in->now - c->checklist_done[k]), age, sizeof(age));
            hit(out, "checklist-overdue", subject, RULE_WARN,
                "the last complete %s checklist was %s ago (due every %s): go through it on "
                "the Drills screen (7) or with 'lifeboat checklist %s'",
                lists[k], age, every, lists[k]);
        } else {
            hit(out, "checklist-overdue", subject, RULE_WARN,
                "no complete %s checklist since backups began (%s; due every %s): go through it "
                "on the Drills screen (7) or with 'lifeboat checklist %s'",
                lists[k], began, every, lists[k]);
        }
    }
    str_fmt_age(KEYS_CADENCE_S, every, sizeof(every));
    for (int k = 0; k < c->nsecrets; k++) {
        const struct rules_secret *sc = &c->secrets[k];
        char how[160];

        if (in->now - (sc->changed ? sc->changed : first) <= KEYS_CADENCE_S ||
            (!sc->changed && !first))
            continue;
        if (sc->repo[0])
            snprintf(how, sizeof(how),
                     "rotate it with 'lifeboat keys rotate %s' or the guided rotation on the "
                     "Drills screen (7)",
                     sc->repo);
        else
            snprintf(how, sizeof(how), "issue a new one, write it to the file and remove the old");
        if (sc->changed) {
            str_fmt_age((int64_t)(in->now - sc->changed), age, sizeof(age));
            hit(out, "secret-overdue", sc->what, RULE_WARN, "not rotated for %s (due every %s): %s",
                age, every, how);
        } else {
            hit(out, "secret-overdue", sc->what, RULE_WARN,
                "no rotation recorded since backups began (%s; due every %s): %s", began, every,
                how);
        }
    }
}

size_t rules_evaluate(const struct rules_input *in, struct vec *out)
{
    size_t before = out->len;

    rules_repos(in, out);
    rules_budget(in, out);
    rules_jobs(in, out);
    rules_disks(in, out);
    rules_proxmox(in, out);
    rules_chores(in, out);
    return out->len - before;
}
