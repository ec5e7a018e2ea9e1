/*
 * The engine's Proxmox section (app_proxmox.h): the joins of guests,
 * snapshots, PBS backups and backup jobs; background refresh rounds of the
 * first [pve] and [pbs] through the loop; the store's cache; and the
 * snapshot actions followed as tasks.
 */
#include "backend/app_proxmox.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/base/clock.h"
#include "backend/base/log.h"
#include "backend/base/str.h"
#include "backend/base/xalloc.h"
#include "backend/config.h"
#include "backend/http.h"
#include "backend/loop.h"
#include "backend/pbs.h"
#include "backend/pmx_cache.h"
#include "backend/pmx_jobs_cache.h"
#include "backend/pmx_recent.h"
#include "backend/proxmox.h"
#include "backend/pve.h"
#include "backend/rules.h"
#include "backend/store.h"

#define SNAP_PARALLEL 4
#define TASKS_KEPT    8 /* finished tasks kept for the screen */
#define FILL_WARN     80.0
#define FILL_CRIT     90.0
#define FULL_SOON     (14 * 86400)
#define TASKS_READ    500 /* recent PBS tasks read for the pbs-task rule */

struct pve_round {
    struct app *app;
    int pending;
    int rc;
    struct lb_err err;
    struct vec guests, jobs, unbacked;
    struct pve_snapshot_list **snaps;
    size_t next_snap;
    struct vec tasks; /* struct pmx_task_status *: /cluster/tasks (the Runs screen) */
    int tasks_rc;     /* the task list failed (kept apart: the round stands) */
    struct lb_err tasks_err;
};

struct pbs_round {
    struct app *app;
    int pending;
    int rc;
    struct lb_err err;
    struct vec backups; /* struct pbs_snapshot * */
    struct vec usage;   /* struct pbs_usage * */
    struct vec jobs;    /* struct pbs_job *: GC, verify, prune, sync */
    struct vec tasks;   /* struct pbs_task *: the recent ones (for the alert rules) */
    int tasks_rc;       /* the task list failed (kept apart, like the job lists) */
    int jobs_rc;        /* a job list failed (the round does not: its error is kept apart) */
    struct lb_err jobs_err;
    struct lb_err tasks_err;
    struct vec disks; /* struct pbs_disk * (the Disks screen) */
    int disks_rc;     /* the disk list failed (kept apart) */
    struct lb_err disks_err;
};

struct app_pmx_priv {
    struct http *http;
    struct pmx_client *pve, *pbs;
    struct pve_round *pve_round;
    struct pbs_round *pbs_round;
    bool pve_again; /* refresh PVE again when the round in flight ends (an action changed it) */
    bool pbs_again; /* the same for PBS (a backup finished while a round was in flight) */
    bool closed;
    bool have_backups;         /* backups holds the datastore's last snapshot list */
    struct vec backups;        /* struct pbs_snapshot *, from the last PBS round */
    bool have_cached_backups;  /* cached_backups holds the cache's list (no round yet) */
    struct vec cached_backups; /* struct pbs_snapshot * */
    unsigned next_task;
    char cache_key[512];
    /* the raw records of the last live rounds, for the alert rules (app_pmx_rules_input) */
    bool have_pve_raw;                  /* raw_guests, raw_snaps, raw_unbacked, p->pve_jobs */
    struct vec raw_guests;              /* struct pve_guest * (templates dropped) */
    struct pve_snapshot_list **raw_snaps; /* per raw guest; NULL entries: none */
    struct vec raw_unbacked;            /* struct pve_unbacked * */
    bool have_usage;
    struct vec usage; /* struct pbs_usage * */
    bool have_tasks;
    struct vec tasks; /* struct pbs_task *, the recent ones */
};

/* ---- records ---- */

static void snap_free(void *p)
{
    struct pmx_snap *s = p;

    if (!s)
        return;
    free(s->name);
    free(s->description);
    free(s->parent);
    free(s->snapstate);
    free(s);
}

void pmx_guest_free(void *p)
{
    struct pmx_guest *g = p;

    if (!g)
        return;
    free(g->name);
    free(g->node);
    free(g->status);
    free(g->lock);
    free(g->pool);
    free(g->job);
    vec_release(&g->snaps);
    free(g);
}

static void task_free(void *p)
{
    struct pmx_task *t = p;

    if (!t)
        return;
    vec_release(&t->log);
    free(t);
}

static int guest_cmp(const void *a, const void *b)
{
    const struct pmx_guest *x = *(struct pmx_guest *const *)a, *y = *(struct pmx_guest *const *)b;

    return (x->vmid > y->vmid) - (x->vmid < y->vmid);
}

/* ---- joins ---- */

static const char *job_for(const struct pmx_raw *raw, const struct pve_guest *gu, bool *enabled)
{
    const struct pve_backup_job *best = NULL;

    *enabled = false;
    for (size_t i = 0; raw->unbacked && i < raw->unbacked->len; i++)
        if (((struct pve_unbacked *)raw->unbacked->items[i])->vmid == gu->vmid)
            return NULL; /* PVE says no job selects it */
    for (size_t i = 0; raw->jobs && i < raw->jobs->len; i++) {
        const struct pve_backup_job *j = raw->jobs->items[i];

        if (!pve_job_selects(j, gu->vmid, gu->pool))
            continue;
        if (!best || (j->enabled && !best->enabled))
            best = j;
    }
    if (best)
        *enabled = best->enabled;
    return best ? best->id : NULL;
}

/* Counts, newest, oldest and staleness of g's snapshot list. */
static void summarize(struct pmx_guest *g, time_t now, int64_t max_age)
{
    size_t i;
    struct pmx_snap *s;

    g->snap_count = (int)g->snaps.len;
    g->snap_newest = g->snap_oldest = 0;
    g->stale_count = 0;
    vec_foreach(&g->snaps, i, s) {
        s->stale = s->snaptime && now - s->snaptime > max_age;
        g->stale_count += s->stale;
        if (!s->snaptime)
            continue;
        if (!g->snap_newest || s->snaptime > g->snap_newest)
            g->snap_newest = s->snaptime;
        if (!g->snap_oldest || s->snaptime < g->snap_oldest)
            g->snap_oldest = s->snaptime;
    }
}

/* The PBS side of every row from the datastore's snapshot list. */
static void apply_backups(struct vec *rows, const struct vec *backups)
{
    size_t i;
    struct pmx_guest *g;

    vec_foreach(rows, i, g) {
        const char *btype = strcmp(g->type, "qemu") ? "ct" : "vm";
        const struct pbs_snapshot *last = NULL;
        char id[16];

        snprintf(id, sizeof(id), "%d", g->vmid);
        g->pbs_known = true;
        g->backup_count = 0;
        g->verify_failed = 0;
        for (size_t k = 0; k < backups->len; k++) {
            const struct pbs_snapshot *s = backups->items[k];

            if (strcmp(s->type, btype) || !s->id || strcmp(s->id, id))
                continue;
            if (!strcmp(s->verify, "failed"))
                g->verify_failed++;
            if (!s->complete)
                continue; /* a backup still being written is no restore point */
            g->backup_count++;
            if (!last || s->time > last->time)
                last = s;
        }
        g->backup_newest = last ? last->time : 0;
        str_copy(g->verify, sizeof(g->verify), last ? last->verify : "");
    }
}

void pmx_join(const struct pmx_raw *raw, time_t now, int64_t max_age, struct vec *out)
{
    for (size_t i = 0; raw->guests && i < raw->guests->len; i++) {
        const struct pve_guest *gu = raw->guests->items[i];
        const struct pve_snapshot_list *l = raw->snaps ? raw->snaps[i] : NULL;
        struct pmx_guest *g;
        const char *job;

        if (gu->is_template)
            continue;
        g = xcalloc(1, sizeof(*g));
        g->vmid = gu->vmid;
        str_copy(g->type, sizeof(g->type), gu->type);
        g->name = xstrdup(gu->name ? gu->name : "");
        g->node = xstrdup(gu->node ? gu->node : "localhost");
        g->status = xstrdup(gu->status ? gu->status : "");
        g->lock = xstrdup(gu->lock);
        g->pool = xstrdup(gu->pool);
        vec_init(&g->snaps, snap_free);
        if (l) {
            g->snaps_known = true;
            for (size_t k = 0; k < l->snaps.len; k++) {
                const struct pve_snapshot *ps = l->snaps.items[k];
                struct pmx_snap *s = xcalloc(1, sizeof(*s));

                s->name = xstrdup(ps->name);
                s->description = xstrdup(ps->description ? ps->description : "");
                s->parent = xstrdup(ps->parent);
                s->snaptime = ps->snaptime;
                s->vmstate = ps->vmstate;
                s->snapstate = xstrdup(ps->snapstate);
                s->is_current =
                    l->current_parent && ps->name && !strcmp(l->current_parent, ps->name);
                vec_push(&g->snaps, s);
            }
        }
        summarize(g, now, max_age);
        if (raw->jobs) {
            g->jobs_known = true;
            job = job_for(raw, gu, &g->job_enabled);
            g->job = xstrdup(job);
        }
        vec_push(out, g);
    }
    vec_sort(out, guest_cmp);
    if (raw->backups)
        apply_backups(out, raw->backups);
}

enum health pmx_rollback_health(const struct app_pmx *p, const struct pmx_guest *g, time_t now)
{
    if (!g->snaps_known || !g->snap_count)
        return HEALTH_UNKNOWN;
    if (g->snap_oldest && now - g->snap_oldest > p->snapshot_max_age)
        return HEALTH_WARN;
    return HEALTH_OK;
}

enum health pmx_pbs_health(const struct app_pmx *p, const struct pmx_guest *g, time_t now)
{
    int64_t age;
    enum health h;

    if (!p->pbs || !g->pbs_known)
        return HEALTH_UNKNOWN;
    if (!g->backup_newest)
        return g->job && g->job_enabled ? HEALTH_CRIT : HEALTH_WARN;
    age = (int64_t)(now - g->backup_newest);
    if (age <= p->rpo)
        h = HEALTH_OK;
    else if (age <= 3 * p->rpo)
        h = HEALTH_WARN;
    else
        h = HEALTH_CRIT;
    /* no enabled job makes backups: the job's warning says so, the age adds nothing */
    if (g->jobs_known && (!g->job || !g->job_enabled) && h > HEALTH_WARN)
        h = HEALTH_WARN;
    if (!strcmp(g->verify, "failed"))
        h = HEALTH_CRIT;
    return h;
}

enum health pmx_datastore_health(const struct pmx_datastore *ds, time_t now)
{
    double pct;

    if (!ds->known || !ds->total)
        return HEALTH_UNKNOWN;
    pct = 100.0 * (double)ds->used / (double)ds->total;
    if (pct >= FILL_CRIT ||
        (ds->has_estimate && ds->estimated_full > now && ds->estimated_full - now < FULL_SOON))
        return HEALTH_CRIT;
    if (pct >= FILL_WARN)
        return HEALTH_WARN;
    return HEALTH_OK;
}

char *pmx_fmt_full(const struct pmx_datastore *ds, time_t now, char *out, size_t n)
{
    struct tm tm, tn;

    out[0] = '\0';
    if (!ds->known || !ds->has_estimate)
        return out;
    if (!ds->estimated_full) {
        snprintf(out, n, "not growing");
    } else if (ds->estimated_full <= now) {
        snprintf(out, n, "shrinking");
    } else {
        localtime_r(&ds->estimated_full, &tm);
        localtime_r(&now, &tn);
        if (ds->estimated_full - now < 60 * 86400)
            strftime(out, n, "~%d %b", &tm); /* soon: the day matters */
        else if (tm.tm_year == tn.tm_year)
            strftime(out, n, "~%b", &tm);
        else
            strftime(out, n, "~%b %Y", &tm);
    }
    return out;
}

char *pmx_guest_label(const struct pmx_guest *g, char *out, size_t n)
{
    snprintf(out, n, "%s %d %s", strcmp(g->type, "qemu") ? "ct" : "vm", g->vmid, g->name);
    str_sanitize(out);
    return out;
}

static enum health source_health(const struct pmx_source *s)
{
    if (!s->configured)
        return HEALTH_OK;
    return s->failed ? HEALTH_WARN : HEALTH_OK;
}

enum health pmx_overall_health(const struct app_pmx *p, time_t now)
{
    enum health worst = HEALTH_OK, h;
    size_t i;
    struct pmx_guest *g;

    if (!p)
        return HEALTH_OK;
    vec_foreach(&p->guests, i, g) {
        h = pmx_rollback_health(p, g, now);
        if (h != HEALTH_UNKNOWN && h > worst)
            worst = h;
        h = pmx_pbs_health(p, g, now);
        if (h != HEALTH_UNKNOWN && h > worst)
            worst = h;
        if (g->jobs_known && (!g->job || !g->job_enabled) && worst < HEALTH_WARN)
            worst = HEALTH_WARN;
    }
    h = pmx_datastore_health(&p->ds, now);
    if (h != HEALTH_UNKNOWN && h > worst)
        worst = h;
    if (source_health(&p->pve_src) > worst)
        worst = source_health(&p->pve_src);
    if (source_health(&p->pbs_src) > worst)
        worst = source_health(&p->pbs_src);
    return worst;
}

/* ---- engine helpers ---- */

static void notify(struct app *app)
{
    if (app->on_change)
        app->on_change(app, APP_CHANGED_PROXMOX, app->on_change_arg);
}

static struct pmx_guest *find_guest(const struct app_pmx *p, int vmid)
{
    size_t i;
    struct pmx_guest *g;

    vec_foreach(&p->guests, i, g) {
        if (g->vmid == vmid)
            return g;
    }
    return NULL;
}

const struct pmx_guest *app_pmx_guest(const struct app *app, int vmid)
{
    return find_guest(app->pmx, vmid);
}

bool app_pmx_is_drill_guest(const struct app *app, int vmid)
{
    const struct drill_cfg *d = &app->cfg->drill;

    if (d->rollback_vmid && vmid == d->rollback_vmid)
        return true;
    return d->vmid_from && vmid >= d->vmid_from && vmid <= d->vmid_to;
}

const struct vec *app_pmx_backups(const struct app *app)
{
    const struct app_pmx *p = app->pmx;

    if (!p || !p->priv)
        return NULL;
    if (p->priv->have_backups)
        return &p->priv->backups;
    return p->priv->have_cached_backups ? &p->priv->cached_backups : NULL;
}

bool app_pmx_rules_input(const struct app *app, struct rules_pmx *out)
{
    const struct app_pmx *p = app->pmx;
    const struct app_pmx_priv *pv = p ? p->priv : NULL;
    size_t i;
    const struct pbs_usage *u;

    memset(out, 0, sizeof(*out));
    if (!pv || (!p->pve && !p->pbs))
        return false;
    out->snapshot_max_age = p->pve ? p->pve->snapshot_max_age : 0;
    if (p->pve && pv->have_pve_raw) {
        out->guests = &pv->raw_guests;
        out->snaps = pv->raw_snaps;
        out->jobs = &p->pve_jobs;
        out->unbacked = &pv->raw_unbacked;
    }
    if (p->pbs) {
        out->datastore = p->pbs->datastore;
        if (pv->have_backups)
            out->backups = &pv->backups;
        if (pv->have_tasks)
            out->tasks = &pv->tasks;
        if (p->pbs_disks_known && !p->pbs_disks_from_cache && !p->pbs_disks_error[0])
            out->disks = &p->pbs_disks;
        if (pv->have_usage && p->pbs->datastore) {
            vec_foreach(&pv->usage, i, u) {
                if (u->store && !strcmp(u->store, p->pbs->datastore))
                    out->usage = u;
            }
        }
    }
    return out->guests || out->backups || out->tasks || out->usage || out->disks;
}

bool app_pmx_refreshing(const struct app *app)
{
    return app->pmx->pve_src.refreshing || app->pmx->pbs_src.refreshing;
}

static void save_cache(struct app *app)
{
    struct app_pmx *p = app->pmx;
    struct lb_err err = { 0 };
    char *doc;

    if (!app->store)
        return;
    doc = pmx_cache_encode(p);
    doc = pmx_jobs_cache_add(doc, p, app_pmx_backups(app));
    if (doc && store_put_inventory(app->store, p->priv->cache_key, doc, clock_now(), &err) < 0)
        log_warn("cannot cache the Proxmox inventory: %s", err.msg);
    free(doc);
}

static void load_cache(struct app *app)
{
    struct app_pmx *p = app->pmx;
    struct lb_err err = { 0 };
    char *doc = NULL;
    time_t at = 0, pve_at = 0, pbs_at = 0;
    size_t i;
    struct pmx_guest *g;

    if (!app->store || store_get_inventory(app->store, p->priv->cache_key, &doc, &at, &err) < 0)
        return;
    if (pmx_cache_decode(doc, &p->guests, &p->ds, &pve_at, &pbs_at, &err) < 0) {
        log_warn("ignoring the cached Proxmox inventory: %s", err.msg);
        vec_clear(&p->guests);
    } else {
        vec_foreach(&p->guests, i, g)
            summarize(g, clock_now(), p->snapshot_max_age);
        p->pve_src.fetched_at = pve_at;
        p->pve_src.from_cache = pve_at != 0;
        p->pbs_src.fetched_at = pbs_at;
        p->pbs_src.from_cache = pbs_at != 0;
        if (pmx_jobs_cache_read(doc, p, &p->priv->cached_backups, &p->priv->have_cached_backups,
                                &err) < 0)
            log_warn("ignoring the cached Proxmox jobs: %s", err.msg);
    }
    free(doc);
}

static struct pmx_client *client_for(struct app *app, enum pmx_product product, struct lb_err *err)
{
    struct app_pmx *p = app->pmx;
    struct app_pmx_priv *pv = p->priv;
    struct pmx_client **slot = pv ? (product == PMX_PVE ? &pv->pve : &pv->pbs) : NULL;
    struct pmx_client_opts o = { .product = product };

    if (!pv) {
        lb_err_set(err, LB_EFAIL, "the Proxmox engine is not running");
        return NULL;
    }
    if (*slot)
        return *slot;
    if (pv->closed) {
        lb_err_set(err, LB_ECANCELLED, "the console is closing");
        return NULL;
    }
    if (product == PMX_PVE) {
        o.name = p->pve->name;
        o.url = p->pve->url;
        o.token_file = p->pve->token_file;
        o.fingerprint = p->pve->fingerprint;
    } else {
        o.name = p->pbs->name;
        o.url = p->pbs->url;
        o.token_file = p->pbs->token_file;
        o.fingerprint = p->pbs->fingerprint;
    }
    if (!pv->http)
        pv->http = http_new(app->loop);
    *slot = pmx_client_new(app->loop, pv->http, &o, err);
    return *slot;
}

void app_pmx_token_changed(struct app *app, enum pmx_product product)
{
    struct app_pmx_priv *pv = app->pmx ? app->pmx->priv : NULL;
    struct pmx_client *c = pv ? (product == PMX_PVE ? pv->pve : pv->pbs) : NULL;
    struct lb_err err = { 0 };

    if (c && pmx_client_reload_token(c, &err) < 0)
        log_msg(LOG_WARN, "%s", err.msg);
}

struct pmx_client *app_pmx_client(struct app *app, enum pmx_product product, struct lb_err *err)
{
    return client_for(app, product, err);
}

/* Move every record of a result into dst. */
static void take_all(struct vec *dst, struct vec *out)
{
    for (size_t i = 0; i < out->len; i++) {
        vec_push(dst, out->items[i]);
        out->items[i] = NULL;
    }
}

/* ---- the PVE round: guests, jobs, not-backed-up, then each guest's snapshots ---- */

static void pve_round_free(struct pve_round *r)
{
    for (size_t i = 0; r->snaps && i < r->guests.len; i++)
        pve_snapshot_list_free(r->snaps[i]);
    free(r->snaps);
    vec_release(&r->guests);
    vec_release(&r->jobs);
    vec_release(&r->unbacked);
    vec_release(&r->tasks);
    free(r);
}

static void pve_round_fail(struct pve_round *r, int rc, const struct lb_err *err)
{
    if (r->rc)
        return;
    r->rc = rc ? rc : -LB_EFAIL;
    if (err)
        r->err = *err;
}

/* Keep the PBS side of the old rows when the new ones were built without it. */
static void carry_pbs(struct vec *rows, const struct vec *old)
{
    size_t i;
    struct pmx_guest *g;

    vec_foreach(rows, i, g) {
        size_t k;
        struct pmx_guest *o;

        vec_foreach(old, k, o) {
            if (o->vmid != g->vmid)
                continue;
            g->pbs_known = o->pbs_known;
            g->backup_count = o->backup_count;
            g->backup_newest = o->backup_newest;
            g->verify_failed = o->verify_failed;
            str_copy(g->verify, sizeof(g->verify), o->verify);
            break;
        }
    }
}

/* Free the raw PVE records kept for the rules (the vecs stay usable). */
static void raw_pve_drop(struct app_pmx_priv *pv)
{
    for (size_t i = 0; pv->raw_snaps && i < pv->raw_guests.len; i++)
        pve_snapshot_list_free(pv->raw_snaps[i]);
    free(pv->raw_snaps);
    pv->raw_snaps = NULL;
    vec_release(&pv->raw_guests);
    vec_release(&pv->raw_unbacked);
    pv->have_pve_raw = false;
}

static void pve_start(struct app *app);

static void pve_round_end(struct pve_round *r)
{
    struct app *app = r->app;
    struct app_pmx *p = app->pmx;
    struct pmx_source *src = &p->pve_src;
    bool again = p->priv->pve_again;

    p->priv->pve_round = NULL;
    src->refreshing = false;
    if (p->priv->closed) {
        pve_round_free(r);
        return;
    }
    if (r->rc == 0) {
        struct vec rows = VEC_INIT(pmx_guest_free);
        struct pmx_raw raw = { .guests = &r->guests,
                               .snaps = r->snaps,
                               .jobs = &r->jobs,
                               .unbacked = &r->unbacked,
                               .backups = NULL };

        if (p->priv->have_backups)
            raw.backups = &p->priv->backups;
        pmx_join(&raw, clock_now(), p->snapshot_max_age, &rows);
        if (!raw.backups)
            carry_pbs(&rows, &p->guests);
        vec_release(&p->guests);
        p->guests = rows;
        vec_release(&p->pve_jobs);
        p->pve_jobs = r->jobs;
        vec_init(&r->jobs, pve_backup_job_free);
        p->pve_jobs_known = true;
        raw_pve_drop(p->priv);
        p->priv->raw_guests = r->guests;
        vec_init(&r->guests, pve_guest_free);
        p->priv->raw_snaps = r->snaps;
        r->snaps = NULL;
        p->priv->raw_unbacked = r->unbacked;
        vec_init(&r->unbacked, pve_unbacked_free);
        p->priv->have_pve_raw = true;
        app_pmx_recent_take(app, PMX_PVE, r->tasks_rc ? NULL : &r->tasks, r->tasks_err.msg);
        src->fetched_at = clock_now();
        src->from_cache = false;
        src->failed = false;
        lb_err_clear(&src->error);
        save_cache(app);
        log_info("refreshed PVE '%s': %zu guests", p->pve->name, p->guests.len);
    } else if (r->rc != -LB_ECANCELLED) {
        src->failed = true;
        src->error = r->err;
        str_sanitize(src->error.msg);
        log_warn("refresh of PVE '%s' failed: %s", p->pve->name, r->err.msg);
    }
    pve_round_free(r);
    notify(app);
    if (again) {
        p->priv->pve_again = false;
        pve_start(app);
    }
}

static void pve_round_step(struct pve_round *r);

struct snap_req {
    struct pve_round *r;
    size_t i;
};

static void on_snaps(int rc, const struct lb_err *err, struct vec *out, void *arg)
{
    struct snap_req *q = arg;
    struct pve_round *r = q->r;

    r->pending--;
    if (rc)
        pve_round_fail(r, rc, err);
    else if (out->len) {
        r->snaps[q->i] = out->items[0];
        out->items[0] = NULL;
    }
    free(q);
    pve_round_step(r);
}

/* Start snapshot reads while there is room; end the round when nothing is left. */
static void pve_round_step(struct pve_round *r)
{
    struct app_pmx_priv *pv = r->app->pmx->priv;
    struct lb_err err = { 0 };

    while (!r->rc && r->snaps && r->next_snap < r->guests.len && r->pending < SNAP_PARALLEL &&
           !pv->closed) {
        struct pve_guest *gu = r->guests.items[r->next_snap];
        struct snap_req *q = xcalloc(1, sizeof(*q));

        q->r = r;
        q->i = r->next_snap++;
        r->pending++;
        if (!pve_get_snapshots(pv->pve, gu->node ? gu->node : "localhost", gu->type, gu->vmid,
                               on_snaps, q, &err)) {
            r->pending--;
            free(q);
            pve_round_fail(r, -(int)err.code, &err);
        }
    }
    if (r->pending == 0 && (r->rc || pv->closed || !r->snaps || r->next_snap >= r->guests.len))
        pve_round_end(r);
}

static void on_guests(int rc, const struct lb_err *err, struct vec *out, void *arg)
{
    struct pve_round *r = arg;

    r->pending--;
    if (rc) {
        pve_round_fail(r, rc, err);
    } else {
        for (size_t i = 0; i < out->len; i++) {
            struct pve_guest *gu = out->items[i];

            if (gu->is_template)
                continue;
            vec_push(&r->guests, gu);
            out->items[i] = NULL;
        }
        r->snaps = xcalloc(r->guests.len + 1, sizeof(*r->snaps));
    }
    pve_round_step(r);
}

static void on_pve_list(int rc, const struct lb_err *err, struct vec *out, struct pve_round *r,
                        struct vec *dst)
{
    r->pending--;
    if (rc)
        pve_round_fail(r, rc, err);
    else
        take_all(dst, out);
    pve_round_step(r);
}

static void on_jobs(int rc, const struct lb_err *err, struct vec *out, void *arg)
{
    on_pve_list(rc, err, out, arg, &((struct pve_round *)arg)->jobs);
}

static void on_unbacked(int rc, const struct lb_err *err, struct vec *out, void *arg)
{
    on_pve_list(rc, err, out, arg, &((struct pve_round *)arg)->unbacked);
}

/* The recent tasks: their failure leaves the round standing (the Runs screen says so). */
static void on_pve_tasks(int rc, const struct lb_err *err, struct vec *out, void *arg)
{
    struct pve_round *r = arg;

    r->pending--;
    if (rc) {
        r->tasks_rc = rc;
        if (err)
            r->tasks_err = *err;
    } else {
        take_all(&r->tasks, out);
    }
    pve_round_step(r);
}

static void pve_start(struct app *app)
{
    struct app_pmx *p = app->pmx;
    struct pve_round *r;
    struct pmx_client *c;
    struct lb_err err = { 0 };

    if (!p->pve || !p->priv || p->priv->closed)
        return;
    if (p->priv->pve_round) {
        p->priv->pve_again = true;
        return;
    }
    c = client_for(app, PMX_PVE, &err);
    if (!c) {
        p->pve_src.failed = true;
        p->pve_src.error = err;
        notify(app);
        return;
    }
    r = xcalloc(1, sizeof(*r));
    r->app = app;
    vec_init(&r->guests, pve_guest_free);
    vec_init(&r->jobs, pve_backup_job_free);
    vec_init(&r->unbacked, pve_unbacked_free);
    vec_init(&r->tasks, pmx_task_status_free);
    p->priv->pve_round = r;
    p->pve_src.refreshing = true;
    p->pve_src.refresh_started_ms = loop_now_ms(app->loop);
    r->pending = 3;
    if (!pve_get_guests(c, on_guests, r, &err)) {
        r->pending--;
        pve_round_fail(r, -(int)err.code, &err);
    }
    if (!pve_get_backup_jobs(c, on_jobs, r, &err)) {
        r->pending--;
        pve_round_fail(r, -(int)err.code, &err);
    }
    if (!pve_get_unbacked(c, on_unbacked, r, &err)) {
        r->pending--;
        pve_round_fail(r, -(int)err.code, &err);
    }
    r->pending++;
    if (!pve_get_cluster_tasks(c, on_pve_tasks, r, &err)) {
        r->pending--;
        r->tasks_rc = -(int)err.code;
        r->tasks_err = err;
    }
    if (r->pending == 0)
        pve_round_end(r); /* nothing could start */
    else
        notify(app);
}

/* ---- the PBS round: the datastore's snapshots and usage ---- */

static void pbs_round_free(struct pbs_round *r)
{
    vec_release(&r->backups);
    vec_release(&r->usage);
    vec_release(&r->jobs);
    vec_release(&r->tasks);
    vec_release(&r->disks);
    free(r);
}

static void pbs_start(struct app *app);

static void pbs_round_end(struct pbs_round *r)
{
    struct app *app = r->app;
    struct app_pmx *p = app->pmx;
    struct pmx_source *src = &p->pbs_src;

    p->priv->pbs_round = NULL;
    src->refreshing = false;
    if (p->priv->closed) {
        pbs_round_free(r);
        return;
    }
    if (r->rc == 0) {
        size_t i;
        struct pbs_usage *u;

        vec_release(&p->priv->backups);
        p->priv->backups = r->backups;
        vec_init(&r->backups, pbs_snapshot_free);
        p->priv->have_backups = true;
        vec_clear(&p->priv->cached_backups);
        p->priv->have_cached_backups = false;
        apply_backups(&p->guests, &p->priv->backups);
        if (!r->jobs_rc || r->jobs.len) {
            vec_release(&p->pbs_jobs);
            p->pbs_jobs = r->jobs;
            vec_init(&r->jobs, pbs_job_free);
            p->pbs_jobs_known = true;
        }
        p->pbs_jobs_error[0] = '\0';
        if (r->jobs_rc) {
            str_copy(p->pbs_jobs_error, sizeof(p->pbs_jobs_error), r->jobs_err.msg);
            str_sanitize(p->pbs_jobs_error);
            log_warn("PBS '%s': %s", p->pbs->name, p->pbs_jobs_error);
        }
        p->ds.known = false;
        vec_foreach(&r->usage, i, u) {
            if (!u->store || strcmp(u->store, p->pbs->datastore) || !u->known)
                continue;
            p->ds.known = true;
            p->ds.total = u->total;
            p->ds.used = u->used;
            p->ds.avail = u->avail;
            p->ds.has_estimate = u->has_estimate;
            p->ds.estimated_full = u->estimated_full;
        }
        vec_release(&p->priv->usage);
        p->priv->usage = r->usage;
        vec_init(&r->usage, pbs_usage_free);
        p->priv->have_usage = true;
        app_pmx_recent_take(app, PMX_PBS, r->tasks_rc ? NULL : &r->tasks, r->tasks_err.msg);
        app_pmx_disks_take(app, r->disks_rc ? NULL : &r->disks, r->disks_err.msg);
        if (!r->tasks_rc) {
            vec_release(&p->priv->tasks);
            p->priv->tasks = r->tasks;
            vec_init(&r->tasks, pbs_task_free);
            p->priv->have_tasks = true;
        } else {
            vec_clear(&p->priv->tasks);
            p->priv->have_tasks = false; /* its rule neither fires nor clears */
        }
        src->fetched_at = clock_now();
        src->from_cache = false;
        src->failed = false;
        lb_err_clear(&src->error);
        save_cache(app);
    } else if (r->rc != -LB_ECANCELLED) {
        src->failed = true;
        src->error = r->err;
        str_sanitize(src->error.msg);
        log_warn("refresh of PBS '%s' failed: %s", p->pbs->name, r->err.msg);
    }
    pbs_round_free(r);
    notify(app);
    if (p->priv->pbs_again) {
        p->priv->pbs_again = false;
        pbs_start(app);
    }
}

static void on_pbs_list(int rc, const struct lb_err *err, struct vec *out, struct pbs_round *r,
                        struct vec *dst)
{
    r->pending--;
    if (rc && !r->rc) {
        r->rc = rc;
        r->err = *err;
    } else if (!rc) {
        take_all(dst, out);
    }
    if (r->pending == 0)
        pbs_round_end(r);
}

static void on_backups(int rc, const struct lb_err *err, struct vec *out, void *arg)
{
    on_pbs_list(rc, err, out, arg, &((struct pbs_round *)arg)->backups);
}

static void on_usage(int rc, const struct lb_err *err, struct vec *out, void *arg)
{
    on_pbs_list(rc, err, out, arg, &((struct pbs_round *)arg)->usage);
}

/* A job list failing (a token without the privilege) leaves the round's other reads standing. */
static void pbs_jobs_failed(struct pbs_round *r, int rc, const struct lb_err *err)
{
    if (rc == -LB_ECANCELLED || r->jobs_rc)
        return;
    r->jobs_rc = rc;
    r->jobs_err = *err;
}

static void on_pbs_jobs(int rc, const struct lb_err *err, struct vec *out, struct pbs_round *r,
                        const char *kind)
{
    if (rc) {
        pbs_jobs_failed(r, rc, err);
    } else {
        for (size_t i = 0; i < out->len; i++) {
            struct pbs_job *j = out->items[i];

            if (j && !j->kind[0])
                str_copy(j->kind, sizeof(j->kind), kind);
        }
        take_all(&r->jobs, out);
    }
    r->pending--;
    if (r->pending == 0)
        pbs_round_end(r);
}

static void on_pbs_verify(int rc, const struct lb_err *err, struct vec *out, void *arg)
{
    on_pbs_jobs(rc, err, out, arg, "verify");
}

static void on_pbs_prune(int rc, const struct lb_err *err, struct vec *out, void *arg)
{
    on_pbs_jobs(rc, err, out, arg, "prune");
}

static void on_pbs_sync(int rc, const struct lb_err *err, struct vec *out, void *arg)
{
    on_pbs_jobs(rc, err, out, arg, "sync");
}

/* The datastore's GC as a job of kind "gc" (the strings move over). */
static void on_pbs_gc(int rc, const struct lb_err *err, struct vec *out, void *arg)
{
    struct pbs_round *r = arg;
    const char *store = r->app->pmx->pbs->datastore;

    if (rc) {
        pbs_jobs_failed(r, rc, err);
    } else {
        for (size_t i = 0; i < out->len; i++) {
            struct pbs_gc *g = out->items[i];
            struct pbs_job *j;

            if (!g || !g->schedule || (g->store && store && strcmp(g->store, store)))
                continue;
            j = xcalloc(1, sizeof(*j));
            str_copy(j->kind, sizeof(j->kind), "gc");
            j->id = xstrdup(g->store ? g->store : store ? store : "");
            j->store = xstrdup(j->id);
            j->schedule = g->schedule;
            g->schedule = NULL;
            j->next_run = g->next_run;
            j->last_state = g->last_state;
            g->last_state = NULL;
            j->last_upid = g->upid;
            g->upid = NULL;
            j->last_end = g->last_end;
            vec_push(&r->jobs, j);
        }
    }
    r->pending--;
    if (r->pending == 0)
        pbs_round_end(r);
}

/* The recent tasks: their failure leaves the round standing (the pbs-task rule is not read). */
static void on_pbs_tasks(int rc, const struct lb_err *err, struct vec *out, void *arg)
{
    struct pbs_round *r = arg;

    if (rc) {
        if (rc != -LB_ECANCELLED)
            log_warn("PBS '%s': the task list not read: %s", r->app->pmx->pbs->name,
                     err && err->msg[0] ? err->msg : "failed");
        r->tasks_rc = rc;
        if (err)
            r->tasks_err = *err;
    } else {
        take_all(&r->tasks, out);
    }
    r->pending--;
    if (r->pending == 0)
        pbs_round_end(r);
}

/* The PBS host's disks: their failure (Sys.Audit on /system/disks) leaves the round standing. */
static void on_pbs_disks(int rc, const struct lb_err *err, struct vec *out, void *arg)
{
    struct pbs_round *r = arg;

    if (rc) {
        if (rc != -LB_ECANCELLED)
            log_warn("PBS '%s': the disk list not read: %s", r->app->pmx->pbs->name,
                     err && err->msg[0] ? err->msg : "failed");
        r->disks_rc = rc;
        if (err)
            r->disks_err = *err;
    } else {
        take_all(&r->disks, out);
    }
    r->pending--;
    if (r->pending == 0)
        pbs_round_end(r);
}

static void pbs_start(struct app *app)
{
    struct app_pmx *p = app->pmx;
    struct pbs_round *r;
    struct pmx_client *c;
    struct lb_err err = { 0 };

    if (!p->pbs || !p->priv || p->priv->closed)
        return;
    if (p->priv->pbs_round) {
        p->priv->pbs_again = true;
        return;
    }
    c = client_for(app, PMX_PBS, &err);
    if (!c) {
        p->pbs_src.failed = true;
        p->pbs_src.error = err;
        notify(app);
        return;
    }
    r = xcalloc(1, sizeof(*r));
    r->app = app;
    vec_init(&r->backups, pbs_snapshot_free);
    vec_init(&r->usage, pbs_usage_free);
    vec_init(&r->jobs, pbs_job_free);
    vec_init(&r->tasks, pbs_task_free);
    vec_init(&r->disks, pbs_disk_free);
    p->priv->pbs_round = r;
    p->pbs_src.refreshing = true;
    p->pbs_src.refresh_started_ms = loop_now_ms(app->loop);
    r->pending = 2;
    if (!pbs_get_snapshots(c, p->pbs->datastore, NULL, NULL, on_backups, r, &err)) {
        r->pending--;
        if (!r->rc) {
            r->rc = -(int)err.code;
            r->err = err;
        }
    }
    if (!pbs_get_usage(c, on_usage, r, &err)) {
        r->pending--;
        if (!r->rc) {
            r->rc = -(int)err.code;
            r->err = err;
        }
    }
    r->pending++;
    if (!pbs_get_tasks(c, TASKS_READ, on_pbs_tasks, r, &err)) {
        r->pending--;
        r->tasks_rc = -(int)err.code;
        r->tasks_err = err;
    }
    r->pending++;
    if (!pbs_get_disks(c, on_pbs_disks, r, &err)) {
        r->pending--;
        r->disks_rc = -(int)err.code;
        r->disks_err = err;
    }
    r->pending++;
    if (!pbs_get_gc(c, p->pbs->datastore, on_pbs_gc, r, &err)) {
        r->pending--;
        pbs_jobs_failed(r, -(int)err.code, &err);
    }
    {
        static const char *const kinds[] = { "verify", "prune", "sync" };
        static const pmx_result_fn fns[] = { on_pbs_verify, on_pbs_prune, on_pbs_sync };

        for (size_t k = 0; k < 3; k++) {
            r->pending++;
            if (!pbs_get_jobs(c, kinds[k], p->pbs->datastore, fns[k], r, &err)) {
                r->pending--;
                pbs_jobs_failed(r, -(int)err.code, &err);
            }
        }
    }
    if (r->pending == 0)
        pbs_round_end(r);
    else
        notify(app);
}

/* ---- engine entry points ---- */

void app_pmx_init(struct app *app)
{
    struct app_pmx *p = xcalloc(1, sizeof(*p));
    struct config *cfg = app->cfg;

    app->pmx = p;
    p->priv = xcalloc(1, sizeof(*p->priv));
    vec_init(&p->priv->backups, pbs_snapshot_free);
    vec_init(&p->priv->cached_backups, pbs_snapshot_free);
    vec_init(&p->priv->raw_guests, pve_guest_free);
    vec_init(&p->priv->raw_unbacked, pve_unbacked_free);
    vec_init(&p->priv->usage, pbs_usage_free);
    vec_init(&p->priv->tasks, pbs_task_free);
    vec_init(&p->pve_jobs, pve_backup_job_free);
    vec_init(&p->pbs_jobs, pbs_job_free);
    vec_init(&p->guests, pmx_guest_free);
    vec_init(&p->tasks, task_free);
    p->pve = cfg->pves.len ? cfg->pves.items[0] : NULL;
    p->pbs = cfg->pbss.len ? cfg->pbss.items[0] : NULL;
    p->snapshot_max_age =
        p->pve && p->pve->snapshot_max_age > 0 ? p->pve->snapshot_max_age : 7 * 86400;
    p->rpo = cfg->targets.rpo_local > 0 ? cfg->targets.rpo_local : 26 * 3600;
    p->pve_src.configured = p->pve != NULL;
    p->pbs_src.configured = p->pbs != NULL;
    if (p->pbs)
        p->ds.name = xstrdup(p->pbs->datastore);
    app_pmx_recent_init(app);
    if (!p->pve && !p->pbs)
        return;
    snprintf(p->priv->cache_key, sizeof(p->priv->cache_key), "proxmox %s %s %s",
             p->pve ? p->pve->url : "-", p->pbs ? p->pbs->url : "-",
             p->pbs && p->pbs->datastore ? p->pbs->datastore : "-");
    load_cache(app);
}

void app_pmx_refresh(struct app *app)
{
    pve_start(app);
    pbs_start(app);
}

void app_pmx_cancel(struct app *app)
{
    struct app_pmx *p = app->pmx;
    struct app_pmx_priv *pv;

    if (!p)
        return;
    pv = p->priv;
    pv->closed = true;
    app_pmx_recent_cancel(app);
    /* follows first (their callbacks free what they hold), then the clients' calls */
    for (size_t i = 0; i < p->tasks.len; i++) {
        struct pmx_task *t = p->tasks.items[i];

        if (t->follow)
            pmx_follow_cancel(t->follow);
    }
    pmx_client_free(pv->pve);
    pmx_client_free(pv->pbs);
    pv->pve = pv->pbs = NULL;
    http_free(pv->http);
    pv->http = NULL;
}

void app_pmx_release(struct app *app)
{
    struct app_pmx *p = app->pmx;

    if (!p)
        return;
    app_pmx_cancel(app);
    vec_release(&p->guests);
    vec_release(&p->tasks);
    free(p->ds.name);
    vec_release(&p->priv->backups);
    vec_release(&p->priv->cached_backups);
    raw_pve_drop(p->priv);
    vec_release(&p->priv->usage);
    vec_release(&p->priv->tasks);
    vec_release(&p->pve_jobs);
    vec_release(&p->pbs_jobs);
    app_pmx_recent_release(app);
    free(p->priv);
    free(p);
    app->pmx = NULL;
}

static void problem(struct app_problem *out, size_t max, size_t *n, enum health sev,
                    const char *subject, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static void problem(struct app_problem *out, size_t max, size_t *n, enum health sev,
                    const char *subject, const char *fmt, ...)
{
    va_list ap;

    if (out && *n < max) {
        struct app_problem *pr = &out[*n];

        pr->severity = sev;
        str_copy(pr->subject, sizeof(pr->subject), subject);
        str_sanitize(pr->subject);
        va_start(ap, fmt);
        vsnprintf(pr->text, sizeof(pr->text), fmt, ap);
        va_end(ap);
        str_sanitize(pr->text);
    }
    (*n)++;
}

void app_pmx_problems(const struct app *app, time_t now, struct app_problem *out, size_t max,
                      size_t *n)
{
    const struct app_pmx *p = app->pmx;
    size_t i;
    struct pmx_guest *g;
    char label[96], a[32], b[32];

    if (!p)
        return;
    if (p->pve_src.failed)
        problem(out, max, n, HEALTH_WARN, p->pve->name, "%s", p->pve_src.error.msg);
    if (p->pbs_src.failed)
        problem(out, max, n, HEALTH_WARN, p->pbs->name, "%s", p->pbs_src.error.msg);
    vec_foreach(&p->guests, i, g) {
        enum health h;

        pmx_guest_label(g, label, sizeof(label));
        if (g->jobs_known && !g->job)
            problem(out, max, n, HEALTH_WARN, label,
                    "is in no backup job: add it to a job under Datacenter > Backup");
        else if (g->jobs_known && !g->job_enabled)
            problem(out, max, n, HEALTH_WARN, label,
                    "only a disabled backup job (%s) covers it: enable the job or add the guest "
                    "to another",
                    g->job);
        if (pmx_rollback_health(p, g, now) == HEALTH_WARN) {
            const struct pmx_snap *old = NULL;
            size_t k;
            struct pmx_snap *s;

            vec_foreach(&g->snaps, k, s) {
                if (s->snaptime && (!old || s->snaptime < old->snaptime))
                    old = s;
            }
            problem(out, max, n, HEALTH_WARN, label,
                    "snapshot %s is %s old (limit %s): delete it on the Snapshots screen once it "
                    "is not needed",
                    old ? old->name : "?",
                    str_fmt_age((int64_t)(now - g->snap_oldest), a, sizeof(a)),
                    str_fmt_age(p->snapshot_max_age, b, sizeof(b)));
        }
        h = pmx_pbs_health(p, g, now);
        if (h == HEALTH_UNKNOWN || h == HEALTH_OK)
            continue;
        if (g->jobs_known && (!g->job || !g->job_enabled) && strcmp(g->verify, "failed"))
            continue; /* said above: no enabled job backs it up */
        if (!g->backup_newest)
            problem(out, max, n, h, label, "has no backup on PBS%s",
                    g->job ? ": check the backup job's last run" : "");
        else if (!strcmp(g->verify, "failed"))
            problem(out, max, n, HEALTH_CRIT, label,
                    "its newest PBS backup failed verification: run the backup job again and "
                    "verify it");
        else
            problem(out, max, n, h, label,
                    "newest PBS backup is %s old, over the RPO of %s: check the backup job",
                    str_fmt_age((int64_t)(now - g->backup_newest), a, sizeof(a)),
                    str_fmt_age(p->rpo, b, sizeof(b)));
    }
    if (p->ds.known && p->ds.total) {
        enum health h = pmx_datastore_health(&p->ds, now);
        double pct = 100.0 * (double)p->ds.used / (double)p->ds.total;

        if (h == HEALTH_WARN || h == HEALTH_CRIT) {
            pmx_fmt_full(&p->ds, now, a, sizeof(a));
            problem(out, max, n, h, p->ds.name ? p->ds.name : "datastore",
                    "PBS datastore is %.0f%% full%s%s: prune, run garbage collection or add space",
                    pct, a[0] == '~' ? ", full " : "", a[0] == '~' ? a : "");
        }
    }
}

/* ---- actions ---- */

const struct pmx_task *app_pmx_task_on(const struct app *app, int vmid)
{
    size_t i;
    struct pmx_task *t;

    vec_foreach(&app->pmx->tasks, i, t) {
        if (t->vmid == vmid && t->state != PMX_TASK_DONE)
            return t;
    }
    return NULL;
}

static void task_log(struct pmx_task *t, const char *line)
{
    char *s = xstrdup(line);

    str_sanitize(s);
    if (t->log.len >= PMX_TASK_LOG_MAX)
        vec_remove(&t->log, 0);
    vec_push(&t->log, s);
}

static void set_app_message(struct app *app, bool error, const char *text)
{
    str_copy(app->message, sizeof(app->message), text);
    str_sanitize(app->message);
    app->message_is_error = error;
    if (app->on_change)
        app->on_change(app, APP_CHANGED_MESSAGE, app->on_change_arg);
}

/* The task ended (any way): record it, tell, reread the guest's snapshots. */
static void task_end(struct pmx_task *t, enum pmx_outcome oc, const char *text)
{
    struct app *app = t->app;
    char msg[512];
    struct app_pmx *p = app->pmx;

    t->state = PMX_TASK_DONE;
    t->outcome = oc;
    t->ended = clock_now();
    t->call = t->follow = NULL;
    str_copy(t->exitstatus, sizeof(t->exitstatus), text ? text : "");
    str_sanitize(t->exitstatus);
    app->busy--;
    if (p->priv->closed)
        return;
    /* drop the oldest finished tasks beyond the few kept */
    while (p->tasks.len > TASKS_KEPT) {
        size_t i;

        for (i = 0; i < p->tasks.len; i++)
            if (((struct pmx_task *)p->tasks.items[i])->state == PMX_TASK_DONE &&
                p->tasks.items[i] != t)
                break;
        if (i == p->tasks.len)
            break;
        vec_remove(&p->tasks, i);
    }
    snprintf(msg, sizeof(msg), "%s: %s", t->what,
             oc == PMX_OK         ? "done"
             : oc == PMX_WARNINGS ? "done with warnings"
                                  : t->exitstatus);
    log_info("task %s: %s", t->upid[0] ? t->upid : t->action, t->exitstatus);
    set_app_message(app, oc != PMX_OK && oc != PMX_WARNINGS, msg);
    pve_start(app);
    if (!strcmp(t->action, "backup") || !strcmp(t->action, "job"))
        pbs_start(app); /* the new backups on the datastore: the PBS column freshens */
    notify(app);
}

static void on_task_line(const struct pmx_log_line *line, void *arg)
{
    struct pmx_task *t = arg;

    if (line->t)
        task_log(t, line->t);
    notify(t->app);
}

static void on_task_done(int rc, const struct lb_err *err, enum pmx_outcome outcome,
                         const char *exitstatus, void *arg)
{
    struct pmx_task *t = arg;

    if (rc)
        task_end(t, PMX_ERROR, err ? err->msg : "following the task failed");
    else
        task_end(t, outcome, exitstatus ? exitstatus : "unknown");
}

static void on_task_started(int rc, const struct lb_err *err, struct vec *out, void *arg)
{
    struct pmx_task *t = arg;
    struct app *app = t->app;
    const char *upid = out && out->len ? out->items[0] : NULL;
    struct pmx_follow_opts o = { 0 };
    struct lb_err ferr = { 0 };
    const struct pmx_guest *g;

    t->call = NULL;
    if (rc || !upid) {
        task_end(t, PMX_ERROR, rc ? err->msg : "the server answered no task");
        return;
    }
    if (!strcmp(upid, "OK")) { /* vzdump: every guest lives on another node (3.7) */
        char msg[256];

        snprintf(msg, sizeof(msg), "nothing was backed up: the guests live on another node than %s",
                 t->node);
        task_end(t, PMX_ERROR, msg);
        return;
    }
    str_copy(t->upid, sizeof(t->upid), upid);
    t->state = PMX_TASK_RUNNING;
    g = find_guest(app->pmx, t->vmid);
    o.node = t->node[0] ? t->node : g && g->node ? g->node : "localhost";
    o.upid = upid;
    o.poll_ms = 500;
    o.on_line = on_task_line;
    o.on_done = on_task_done;
    o.arg = t;
    t->follow = pmx_follow_start(app->pmx->priv->pve, &o, &ferr);
    if (!t->follow) {
        task_end(t, PMX_ERROR, ferr.msg);
        return;
    }
    pve_start(app); /* show the snapshot's new state (prepare / delete) at once */
    notify(app);
}

static int action_start(struct app *app, const char *action, int vmid, const char *name,
                        const char *description, bool vmstate, struct lb_err *err)
{
    struct app_pmx *p = app->pmx;
    struct pmx_guest *g = find_guest(p, vmid);
    struct pmx_client *c;
    struct pmx_task *t;
    struct pmx_call *call;
    char label[96];

    if (!p->pve)
        return lb_err_set(err, LB_ECONFIG, "no [pve] section in the config");
    if (!g)
        return lb_err_set(err, LB_ENOTFOUND, "no guest %d on PVE '%s': refresh (r) and try again",
                          vmid, p->pve->name);
    if (app_pmx_task_on(app, vmid))
        return lb_err_set(err, LB_EBUSY, "a task already runs on %s: wait for it to end",
                          pmx_guest_label(g, label, sizeof(label)));
    if (pve_check_snapname(name, err) < 0)
        return -LB_EUSAGE;
    c = client_for(app, PMX_PVE, err);
    if (!c)
        return -(int)err->code;
    t = xcalloc(1, sizeof(*t));
    t->app = app;
    t->id = ++p->priv->next_task;
    t->vmid = vmid;
    vec_init(&t->log, free);
    str_copy(t->action, sizeof(t->action), action);
    str_copy(t->snapshot, sizeof(t->snapshot), name);
    pmx_guest_label(g, label, sizeof(label));
    snprintf(t->what, sizeof(t->what), "%s %s of %s",
             !strcmp(action, "create")     ? "create snapshot"
             : !strcmp(action, "rollback") ? "roll back to snapshot"
                                           : "delete snapshot",
             name, label);
    str_sanitize(t->what);
    t->state = PMX_TASK_STARTING;
    t->started = clock_now();
    t->started_ms = loop_now_ms(app->loop);
    if (!strcmp(action, "create"))
        call = pve_snapshot_create(c, g->node, g->type, vmid, name, description, vmstate,
                                   on_task_started, t, err);
    else if (!strcmp(action, "rollback"))
        call =
            pve_snapshot_rollback(c, g->node, g->type, vmid, name, false, on_task_started, t, err);
    else
        call = pve_snapshot_delete(c, g->node, g->type, vmid, name, on_task_started, t, err);
    if (!call) {
        task_free(t);
        return -(int)err->code;
    }
    t->call = call;
    vec_push(&p->tasks, t);
    app->busy++;
    log_info("started: %s", t->what);
    notify(app);
    return 0;
}

int app_pmx_snapshot_create(struct app *app, int vmid, const char *name, const char *description,
                            bool vmstate, struct lb_err *err)
{
    return action_start(app, "create", vmid, name, description, vmstate, err);
}

int app_pmx_snapshot_rollback(struct app *app, int vmid, const char *name, struct lb_err *err)
{
    return action_start(app, "rollback", vmid, name, NULL, false, err);
}

int app_pmx_snapshot_delete(struct app *app, int vmid, const char *name, struct lb_err *err)
{
    return action_start(app, "delete", vmid, name, NULL, false, err);
}

/* A backup task (a job's "Run now", or one guest to a storage): the same following as above. */
static struct pmx_task *backup_task_new(struct app *app, const char *action, int vmid,
                                        const char *node)
{
    struct pmx_task *t = xcalloc(1, sizeof(*t));

    t->app = app;
    t->id = ++app->pmx->priv->next_task;
    t->vmid = vmid;
    vec_init(&t->log, free);
    str_copy(t->action, sizeof(t->action), action);
    str_copy(t->node, sizeof(t->node), node);
    t->state = PMX_TASK_STARTING;
    t->started = clock_now();
    t->started_ms = loop_now_ms(app->loop);
    return t;
}

static void backup_task_push(struct app *app, struct pmx_task *t, struct pmx_call *call)
{
    t->call = call;
    vec_push(&app->pmx->tasks, t);
    app->busy++;
    log_info("started: %s", t->what);
    notify(app);
}

static const struct pmx_task *task_running(const struct app *app, const char *action,
                                           const char *what_prefix)
{
    size_t i;
    struct pmx_task *t;

    vec_foreach(&app->pmx->tasks, i, t) {
        if (t->state != PMX_TASK_DONE && !strcmp(t->action, action) &&
            !strncmp(t->what, what_prefix, strlen(what_prefix)))
            return t;
    }
    return NULL;
}

const struct pve_backup_job *app_pmx_backup_job(const struct app *app, const char *id)
{
    size_t i;
    const struct pve_backup_job *j;

    if (!app->pmx || !id)
        return NULL;
    vec_foreach(&app->pmx->pve_jobs, i, j) {
        if (j->id && !strcmp(j->id, id))
            return j;
    }
    return NULL;
}

const char *app_pmx_backup_job_node(const struct app *app, const struct pve_backup_job *job)
{
    const struct app_pmx *p = app->pmx;
    size_t i;
    const struct pmx_guest *g;

    if (job->node && *job->node)
        return job->node;
    vec_foreach(&p->guests, i, g) {
        if (g->node && pve_job_selects(job, g->vmid, g->pool))
            return g->node;
    }
    vec_foreach(&p->guests, i, g) {
        if (g->node)
            return g->node;
    }
    return NULL;
}

int app_pmx_backup_job_run(struct app *app, const char *id, struct lb_err *err)
{
    struct app_pmx *p = app->pmx;
    const struct pve_backup_job *job;
    const char *node;
    struct pmx_client *c;
    struct pmx_task *t;
    struct pmx_call *call;
    char prefix[160];

    if (!p || !p->pve)
        return lb_err_set(err, LB_ECONFIG, "no [pve] section in the config");
    job = app_pmx_backup_job(app, id);
    if (!job)
        return lb_err_set(err, LB_ENOTFOUND,
                          "no backup job '%s' on PVE '%s': refresh (r) and try again", id,
                          p->pve->name);
    snprintf(prefix, sizeof(prefix), "run backup job %s", job->id);
    str_sanitize(prefix);
    if (task_running(app, "job", prefix))
        return lb_err_set(err, LB_EBUSY, "backup job %s already runs from here: wait for it",
                          job->id);
    node = app_pmx_backup_job_node(app, job);
    if (!node)
        return lb_err_set(err, LB_ENOTFOUND,
                          "no PVE node known to run backup job %s on: refresh (r) and try again",
                          job->id);
    c = client_for(app, PMX_PVE, err);
    if (!c)
        return -(int)err->code;
    t = backup_task_new(app, "job", 0, node);
    str_copy(t->job, sizeof(t->job), job->id);
    snprintf(t->what, sizeof(t->what), "%s to %s", prefix, job->storage ? job->storage : "?");
    str_sanitize(t->what);
    call = pve_backup_job_run(c, node, job, on_task_started, t, err);
    if (!call) {
        task_free(t);
        return -(int)err->code;
    }
    backup_task_push(app, t, call);
    return 0;
}

const char *app_pmx_backup_storage(const struct app *app, int vmid)
{
    const struct app_pmx *p = app->pmx;
    const struct pmx_guest *g = find_guest(p, vmid);
    const struct pve_backup_job *j;
    size_t i;

    if (g && g->job) {
        j = app_pmx_backup_job(app, g->job);
        if (j && j->storage && *j->storage)
            return j->storage;
    }
    /* no job covers it: the storage the backup jobs write to (an enabled one first) */
    vec_foreach(&p->pve_jobs, i, j) {
        if (j->enabled && j->storage && *j->storage)
            return j->storage;
    }
    vec_foreach(&p->pve_jobs, i, j) {
        if (j->storage && *j->storage)
            return j->storage;
    }
    return NULL;
}

int app_pmx_backup_guest(struct app *app, int vmid, const char *storage, struct lb_err *err)
{
    struct app_pmx *p = app->pmx;
    struct pmx_guest *g;
    struct pmx_client *c;
    struct pmx_task *t;
    struct pmx_call *call;
    char label[96], ids[16];

    if (!p || !p->pve)
        return lb_err_set(err, LB_ECONFIG, "no [pve] section in the config");
    g = find_guest(p, vmid);
    if (!g)
        return lb_err_set(err, LB_ENOTFOUND, "no guest %d on PVE '%s': refresh (r) and try again",
                          vmid, p->pve->name);
    pmx_guest_label(g, label, sizeof(label));
    if (app_pmx_task_on(app, vmid))
        return lb_err_set(err, LB_EBUSY, "a task already runs on %s: wait for it to end", label);
    if (!storage || !*storage)
        return lb_err_set(err, LB_ECONFIG,
                          "no backup storage known for %s: PVE lists no backup job to take it "
                          "from; add a backup job to the PBS storage in PVE",
                          label);
    c = client_for(app, PMX_PVE, err);
    if (!c)
        return -(int)err->code;
    t = backup_task_new(app, "backup", vmid, g->node ? g->node : "");
    snprintf(t->what, sizeof(t->what), "back up %s to %s", label, storage);
    str_sanitize(t->what);
    snprintf(ids, sizeof(ids), "%d", vmid);
    call = pve_vzdump(c, t->node[0] ? t->node : "localhost", ids, storage, "snapshot",
                      on_task_started, t, err);
    if (!call) {
        task_free(t);
        return -(int)err->code;
    }
    backup_task_push(app, t, call);
    return 0;
}
