/*
 * Checklists (see checklist.h): each item is a key, a title, and either an
 * evidence function over the config and the store or a question.
 */
#include "backend/checklist.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "backend/base/clock.h"
#include "backend/base/str.h"
#include "backend/base/xalloc.h"
#include "backend/config.h"
#include "backend/smart_history.h"
#include "backend/smart_rules.h"

#define MONTH (31 * 86400LL)
#define MANUAL_PREFIX "to confirm: "

struct ctx {
    const struct config *cfg;
    struct store *st;
    time_t now;
};

typedef void (*evidence_fn)(const struct ctx *c, struct store_checklist_item *it);

struct item_def {
    const char *kind;
    const char *key;
    const char *title;
    evidence_fn fn;       /* NULL: asked of the operator */
    const char *question; /* shown when fn is NULL */
};

static void say(struct store_checklist_item *it, const char *state, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void say(struct store_checklist_item *it, const char *state, const char *fmt, ...)
{
    va_list ap;
    size_t l = strlen(it->evidence);

    /* the worst state wins: failed > unknown > ok */
    if (!it->state[0] || !strcmp(state, "failed") ||
        (!strcmp(state, "unknown") && strcmp(it->state, "failed") != 0))
        str_copy(it->state, sizeof(it->state), state);
    if (l && l + 2 < sizeof(it->evidence)) {
        memcpy(it->evidence + l, "; ", 3);
        l += 2;
    }
    va_start(ap, fmt);
    vsnprintf(it->evidence + l, sizeof(it->evidence) - l, fmt, ap);
    va_end(ap);
    str_sanitize(it->evidence);
}

static const char *age(time_t now, time_t t, char *b, size_t n)
{
    return str_fmt_duration(now > t ? (int64_t)(now - t) : 0, b, n);
}

/* The newest run of job: ok within max_age. */
static void job_evidence(const struct ctx *c, struct store_checklist_item *it, const char *job,
                         int64_t max_age)
{
    struct vec runs = VEC_INIT(store_run_free);
    struct lb_err e = { 0 };
    const struct store_run *r;
    char b[32], b2[32];
    static const char *const names[] = { "running", "ok", "ok with warnings", "failed",
                                         "interrupted", "cancelled" };

    if (!c->st || store_runs_recent(c->st, job, 5, &runs, &e) < 0 || !runs.len) {
        say(it, "failed", "job %s has never run", job);
        goto out;
    }
    for (size_t i = 0; i < runs.len; i++) {
        r = runs.items[i];
        if (r->outcome == RUN_RUNNING && i + 1 < runs.len)
            continue;
        if (r->outcome != RUN_OK && r->outcome != RUN_WARNING)
            say(it, "failed", "job %s %s %s ago", job, names[r->outcome],
                age(c->now, r->started, b, sizeof(b)));
        else if (c->now - r->started > max_age)
            say(it, "failed", "job %s last succeeded %s ago (more than %s)", job,
                age(c->now, r->started, b, sizeof(b)),
                str_fmt_duration(max_age, b2, sizeof(b2)));
        else
            say(it, "ok", "job %s %s %s ago", job, names[r->outcome],
                age(c->now, r->ended ? r->ended : r->started, b, sizeof(b)));
        break;
    }
out:
    vec_release(&runs);
}

static bool job_is_offsite(const struct config *cfg, const struct job_cfg *j)
{
    for (size_t i = 0; i < j->repos.len; i++) {
        const struct repo_cfg *r = config_repo(cfg, j->repos.items[i]);

        if (r && r->tier == TIER_OFFSITE)
            return true;
    }
    return false;
}

static void ev_jobs(const struct ctx *c, struct store_checklist_item *it)
{
    for (size_t i = 0; i < c->cfg->jobs.len; i++) {
        const struct job_cfg *j = c->cfg->jobs.items[i];

        if (!job_is_offsite(c->cfg, j))
            job_evidence(c, it, j->name, c->cfg->targets.rpo_local);
    }
    if (!it->state[0])
        say(it, "unknown", "no local job configured");
}

static void ev_warnings(const struct ctx *c, struct store_checklist_item *it)
{
    struct vec runs = VEC_INIT(store_run_free);
    struct lb_err e = { 0 };
    int warn = 0, n = 0;

    if (c->st && store_runs_recent(c->st, NULL, 50, &runs, &e) == 0)
        for (size_t i = 0; i < runs.len; i++) {
            const struct store_run *r = runs.items[i];

            if (c->now - r->started > 86400 + 3600)
                continue;
            n++;
            warn += r->outcome == RUN_WARNING || r->outcome == RUN_FAILED;
        }
    if (!n)
        say(it, "unknown", "no run in the last day to read");
    else if (warn)
        say(it, "failed", "%d of %d runs of the last day had warnings or errors: lifeboat history",
            warn, n);
    else
        say(it, "ok", "%d runs of the last day without a warning", n);
    vec_release(&runs);
}

static void ev_disks(const struct ctx *c, struct store_checklist_item *it)
{
    for (size_t i = 0; i < c->cfg->disks.len; i++) {
        const struct disk_cfg *d = c->cfg->disks.items[i];
        struct smart_sample s = { 0 };
        struct lb_err e = { 0 };
        char *doc = NULL, b[32];

        if (!c->st || store_get_smart_last(c->st, d->name, 0, &s, &doc, &e) < 0) {
            say(it, "unknown", "disk %s: no SMART reading stored (lifeboat smart %s)", d->name,
                d->name);
            continue;
        }
        free(doc);
        say(it,
            s.verdict == SMART_VERDICT_OK || s.verdict == SMART_VERDICT_STANDBY ? "ok"
            : s.verdict == SMART_VERDICT_UNAVAILABLE                         ? "unknown"
                                                                             : "failed",
            "disk %s SMART %s, read %s ago", d->name, smart_verdict_name(s.verdict),
            age(c->now, s.at, b, sizeof(b)));
        if (c->now - s.at > 2 * 86400)
            say(it, "unknown", "disk %s: the SMART reading is older than two days", d->name);
    }
    if (!it->state[0])
        say(it, "unknown", "no [disk] configured");
}

static void ev_cloud(const struct ctx *c, struct store_checklist_item *it)
{
    for (size_t i = 0; i < c->cfg->jobs.len; i++) {
        const struct job_cfg *j = c->cfg->jobs.items[i];

        if (job_is_offsite(c->cfg, j))
            job_evidence(c, it, j->name, c->cfg->targets.rpo_cloud);
    }
    if (!it->state[0])
        say(it, "unknown", "no job writes to an off-site repo");
}

static void drill_evidence(const struct ctx *c, struct store_checklist_item *it, const char *kind,
                           int64_t within)
{
    struct vec list = VEC_INIT(free);
    struct lb_err e = { 0 };
    char b[32], b2[32], b3[32];

    if (c->st && store_drills_recent(c->st, kind, 20, &list, &e) == 0)
        for (size_t i = 0; i < list.len; i++) {
            const struct store_drill *d = list.items[i];

            if (strcmp(d->outcome, "ok") != 0 || c->now - d->started > within)
                continue;
            say(it, "ok", "%s drill passed %s ago, RTO %s (target %s)%s", kind,
                age(c->now, d->started, b, sizeof(b)),
                d->rto_ms >= 0 ? str_fmt_duration(d->rto_ms / 1000, b2, sizeof(b2)) : "?",
                str_fmt_duration(d->rto_target, b3, sizeof(b3)),
                d->estimate_full_seconds >= 0 ? " (full restore estimated)" : "");
            goto out;
        }
    say(it, "failed", "no %s drill passed in the last %s: lifeboat drill %s", kind,
        str_fmt_duration(within, b, sizeof(b)), kind);
out:
    vec_release(&list);
}

static void ev_drill_rollback(const struct ctx *c, struct store_checklist_item *it)
{
    if (c->cfg->drill.rollback_vmid <= 0)
        say(it, "unknown", "no [drill] rollback_vmid configured");
    else
        drill_evidence(c, it, "rollback", 7 * 86400);
}

static void ev_drill_cloud(const struct ctx *c, struct store_checklist_item *it)
{
    drill_evidence(c, it, "cloud", MONTH);
}

static void ev_drill_pbs(const struct ctx *c, struct store_checklist_item *it)
{
    if (!c->cfg->pves.len)
        say(it, "unknown", "no [pve] configured");
    else
        drill_evidence(c, it, "pbs", MONTH);
}

/* Age of a secret file against the monthly cadence. */
static void file_age(const struct ctx *c, struct store_checklist_item *it, const char *what,
                     const char *path)
{
    struct stat sb;
    char b[32];

    if (!path)
        return;
    if (stat(path, &sb) < 0) {
        say(it, "unknown", "%s: cannot read %s", what, path);
        return;
    }
    say(it, c->now - sb.st_mtime > MONTH ? "failed" : "ok", "%s changed %s ago", what,
        age(c->now, sb.st_mtime, b, sizeof(b)));
}

static void ev_keys(const struct ctx *c, struct store_checklist_item *it)
{
    struct vec rots = VEC_INIT(free);
    struct lb_err e = { 0 };
    char what[96], b[32];

    for (size_t i = 0; i < c->cfg->repos.len; i++) {
        const struct repo_cfg *r = c->cfg->repos.items[i];
        const struct store_keyrot *last = NULL;

        vec_release(&rots);
        vec_init(&rots, free);
        if (c->st && store_keyrots_recent(c->st, r->name, 10, &rots, &e) == 0)
            for (size_t k = 0; k < rots.len && !last; k++)
                if (!strcmp(((const struct store_keyrot *)rots.items[k])->outcome, "ok"))
                    last = rots.items[k];
        if (last)
            say(it, c->now - last->ended > MONTH ? "failed" : "ok",
                "repo %s key rotated %s ago (key %.8s)", r->name,
                age(c->now, last->ended, b, sizeof(b)), last->new_key);
        else if (r->password_file) {
            snprintf(what, sizeof(what), "repo %s password file", r->name);
            file_age(c, it, what, r->password_file);
        } else
            say(it, "unknown", "repo %s: password_command, no rotation recorded", r->name);
    }
    for (size_t i = 0; i < c->cfg->pves.len; i++) {
        const struct pve_cfg *p = c->cfg->pves.items[i];

        snprintf(what, sizeof(what), "pve %s token file", p->name);
        file_age(c, it, what, p->token_file);
    }
    for (size_t i = 0; i < c->cfg->pbss.len; i++) {
        const struct pbs_cfg *p = c->cfg->pbss.items[i];

        snprintf(what, sizeof(what), "pbs %s token file", p->name);
        file_age(c, it, what, p->token_file);
    }
    if (!it->state[0])
        say(it, "unknown", "no secret configured");
    vec_release(&rots);
}

static void ev_copies(const struct ctx *c, struct store_checklist_item *it)
{
    /* the tabletop's first question, answered from the config: what is NOT on Docker-SRV */
    for (size_t i = 0; i < c->cfg->repos.len; i++) {
        const struct repo_cfg *r = c->cfg->repos.items[i];

        if (r->tier == TIER_OFFSITE)
            say(it, "ok", "off-site repo %s remains", r->name);
    }
    if (c->cfg->pbss.len)
        say(it, "unknown", "PBS on the USB SSD is lost with it");
    if (!it->state[0])
        say(it, "failed", "no off-site repo: nothing remains when the host and the USB SSD go");
}

static void ev_rtos(const struct ctx *c, struct store_checklist_item *it)
{
    static const char *const kinds[] = { "rollback", "pbs", "cloud" };

    for (size_t k = 0; k < 3; k++)
        drill_evidence(c, it, kinds[k], 92 * 86400LL);
}

static const struct item_def ITEMS[] = {
    { "daily", "daily.jobs", "Backups ran and succeeded", ev_jobs, NULL },
    { "daily", "daily.logs", "restic logs clean", ev_warnings, NULL },
    { "daily", "daily.pbs_logs", "PBS task log clean", NULL,
      "Were last night's PBS backup, verify and GC tasks free of errors (Snapshots screen, PBS "
      "task list)?" },
    { "daily", "daily.disks", "USB SSD healthy", ev_disks, NULL },
    { "weekly", "weekly.cloud", "Cloud upload done", ev_cloud, NULL },
    { "weekly", "weekly.rollback_drill", "Quick rollback drill", ev_drill_rollback, NULL },
    { "weekly", "weekly.creds", "Short-term credentials rotated where due", ev_keys, NULL },
    { "weekly", "weekly.cloud_creds", "Cloud provider credentials", NULL,
      "Are the cloud storage access keys still valid and not due for rotation at the provider?" },
    { "monthly", "monthly.cloud_drill", "Restore test from cloud", ev_drill_cloud, NULL },
    { "monthly", "monthly.pbs_drill", "PBS restore of a full guest", ev_drill_pbs, NULL },
    { "monthly", "monthly.keys", "Keys rotated and versioned", ev_keys, NULL },
    { "monthly", "monthly.escrow", "Key copies kept off the host", NULL,
      "Is a current copy of every repo password and token in the vault / on paper, away from "
      "Docker-SRV?" },
    { "monthly", "monthly.maintenance", "Maintenance completed", NULL,
      "Are updates of PVE, PBS and Docker-SRV done, with a snapshot before each?" },
    { "quarterly", "quarterly.copies", "Scenario: Docker-SRV and its USB SSD are lost. Which copies remain?",
      ev_copies, NULL },
    { "quarterly", "quarterly.keys", "Where are the keys?", NULL,
      "Can you reach every repo password and the cloud credentials without Docker-SRV (vault, "
      "paper)?" },
    { "quarterly", "quarterly.order", "The order of restores", NULL,
      "Is the restore order written down (network and DNS first, then the services users need)?" },
    { "quarterly", "quarterly.rtos", "Measured RTOs from the last drills", ev_rtos, NULL },
    { "quarterly", "quarterly.hardware", "Replacement hardware", NULL,
      "Is there a machine to restore onto within the RTO target (spare, or one to buy)?" },
};

bool checklist_kind_ok(const char *kind)
{
    return kind && (!strcmp(kind, "daily") || !strcmp(kind, "weekly") ||
                    !strcmp(kind, "monthly") || !strcmp(kind, "quarterly"));
}

bool checklist_item_manual(const struct store_checklist_item *it)
{
    return !strncmp(it->evidence, MANUAL_PREFIX, strlen(MANUAL_PREFIX)) &&
           !strcmp(it->state, "unknown");
}

void checklist_build(const struct config *cfg, struct store *st, const char *kind, time_t now,
                     struct store_checklist_run *run)
{
    struct ctx c = { cfg, st, now };

    str_copy(run->kind, sizeof(run->kind), kind);
    run->started = now;
    for (size_t i = 0; i < sizeof(ITEMS) / sizeof(ITEMS[0]); i++) {
        const struct item_def *def = &ITEMS[i];
        struct store_checklist_item *it;

        if (strcmp(def->kind, kind) != 0)
            continue;
        it = xcalloc(1, sizeof(*it));
        str_copy(it->key, sizeof(it->key), def->key);
        str_copy(it->title, sizeof(it->title), def->title);
        it->at = now;
        if (def->fn)
            def->fn(&c, it);
        else {
            str_copy(it->state, sizeof(it->state), "unknown");
            snprintf(it->evidence, sizeof(it->evidence), MANUAL_PREFIX "%s", def->question);
        }
        vec_push(&run->items, it);
    }
    checklist_outcome(run);
}

const char *checklist_outcome(struct store_checklist_run *run)
{
    bool complete = run->items.len > 0;

    for (size_t i = 0; i < run->items.len; i++) {
        const struct store_checklist_item *it = run->items.items[i];

        if (strcmp(it->state, "ok") != 0 && strcmp(it->state, "confirmed") != 0)
            complete = false;
    }
    str_copy(run->outcome, sizeof(run->outcome), complete ? "complete" : "open");
    return run->outcome;
}
