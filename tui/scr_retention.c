/*
 * Screen 5, Retention: one timeline per tier (the restic repos, from the
 * cache) on a shared time axis, every restore point a mark lettered by the
 * rule that keeps it (D daily, W weekly, M monthly, ...), points the policy
 * removes and gaps (a point the policy would keep is missing) marked too;
 * the points of the selected tier with the rules that keep them and the date
 * each one expires. `e` opens the what-if editor: +/- on a rule shows at once
 * what would be kept and removed, the space freed and the cloud cost. Nothing
 * is deleted from here: pruning happens in runs, after the same preview.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/app.h"
#include "backend/app_proxmox.h"
#include "backend/base/str.h"
#include "backend/base/xalloc.h"
#include "backend/config.h"
#include "backend/http.h"
#include "backend/pbs.h"
#include "backend/proxmox.h"
#include "backend/proxmox_model.h"
#include "backend/restic.h"
#include "backend/restic_probe.h"
#include "backend/retview.h"
#include "backend/retview_pmx.h"
#include "backend/retview_srv.h"
#include "backend/schedule.h"
#include "backend/store.h"
#include "tui/fmt.h"
#include "tui/glyph.h"
#include "tui/layout.h"
#include "tui/scr_retention.h"
#include "tui/screen.h"
#include "tui/theme.h"

#define REBUILD_SECS 600
#define NAME_W       9
#define MAX_LABELS   64

struct tier {
    size_t repo;                   /* index in app->repos (restic tiers) */
    struct retview_pbs_group *pbs; /* a PBS backup group (owned); NULL: a restic repo */
    bool have;                     /* a cache was read */
    time_t fetched_at;
    uint64_t size;
    bool size_known;
    struct vec snaps; /* struct restic_snapshot *, owned */
    struct retview view;
    bool built;
    char error[256];
    char fed_by[128];
};

/* The server's prune dry-run of one PBS group, asked when its tier is shown. */
struct srv_entry {
    struct ret_screen *rs;
    char label[80];          /* "vm/100" */
    struct pmx_keep keep;    /* the rules it was asked with */
    time_t fetched_at;       /* of the backups it was asked for */
    struct pmx_call *call;   /* in flight; NULL: answered */
    bool failed;
    struct lb_err err;
    struct vec items;        /* struct pbs_prune_item *: the answer */
};

struct ret_screen {
    struct app *app;
    struct http *http;      /* for the dry-runs (made at the first one) */
    struct pmx_client *pbs; /* NULL: not made yet, or could not be (srv_error) */
    char srv_error[256];
    struct vec srv;         /* struct srv_entry * */
    struct tier *tiers;
    size_t n;
    size_t cur;
    size_t sel; /* row in the point list (newest first) */
    int scroll;
    int page;
    bool loaded, dirty;
    time_t built_at;
    int restic_version;
    struct restic_probe *probe; /* `restic version`, asked at the console's start */
    char version_note[200];     /* where restic_version comes from */
    bool version_found;         /* restic answered: its version is followed */
    /* the what-if */
    bool whatif;
    int rule;
    struct retention_policy wpol;
    struct retview wview;
    bool wbuilt;
};

static const char *const rule_names[RET_NRULES] = { "last",   "hourly",  "daily",
                                                    "weekly", "monthly", "yearly" };

/* ---- pure helpers ---- */

int ret_axis_col(int64_t t, int64_t t0, int64_t t1, int width)
{
    if (width < 1 || t < t0 || t > t1)
        return -1;
    if (t1 <= t0)
        return width - 1;
    return (int)((long double)(t - t0) * (width - 1) / (long double)(t1 - t0) + 0.5L);
}

size_t ret_axis_labels(int64_t t0, int64_t t1, int width, struct ret_label *out, size_t max)
{
    int64_t span = t1 - t0;
    time_t t = (time_t)t0;
    struct tm tm;
    size_t n = 0;
    int next_free = 0;
    enum {
        DAYS,
        WEEKS,
        MONTHS
    } unit = span <= 21 * 86400    ? DAYS
             : span <= 120 * 86400 ? WEEKS
                                   : MONTHS;

    if (width < 8 || span <= 0)
        return 0;
    localtime_r(&t, &tm);
    tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
    tm.tm_isdst = -1;
    if (unit == MONTHS) {
        tm.tm_mday = 1;
        tm.tm_mon++;
    } else if (unit == WEEKS) {
        tm.tm_mday += (8 - tm.tm_wday) % 7; /* the next Monday */
        if (tm.tm_wday == 1)
            tm.tm_mday += 0;
    } else {
        tm.tm_mday++;
    }
    for (int guard = 0; guard < 2000 && n < max; guard++) {
        struct tm lt;
        time_t at;
        int col;
        char text[16];

        lt = tm;
        at = mktime(&lt);
        if (at > (time_t)t1)
            break;
        col = ret_axis_col((int64_t)at, t0, t1, width);
        if (unit == MONTHS)
            strftime(text, sizeof(text), lt.tm_mon == 0 ? "%Y" : "%b", &lt);
        else if (unit == WEEKS)
            strftime(text, sizeof(text), "%d %b", &lt);
        else
            strftime(text, sizeof(text), "%a %d", &lt);
        if (col >= next_free && col + (int)strlen(text) <= width - 4) {
            out[n].col = col;
            str_copy(out[n].text, sizeof(out[n].text), text);
            n++;
            next_free = col + (int)strlen(text) + 1;
        }
        if (unit == MONTHS)
            tm.tm_mon++;
        else if (unit == WEEKS)
            tm.tm_mday += 7;
        else
            tm.tm_mday++;
    }
    return n;
}

/* ---- the server's prune dry-run ---- */

static void srv_entry_free(void *p)
{
    struct srv_entry *e = p;

    if (!e)
        return;
    vec_release(&e->items);
    free(e);
}

static void on_srv_dry_run(int rc, const struct lb_err *err, struct vec *out, void *arg)
{
    struct srv_entry *e = arg;
    struct app *app = e->rs->app;

    e->call = NULL;
    if (rc < 0) {
        e->failed = true;
        if (err)
            e->err = *err;
        else
            lb_err_set(&e->err, LB_EFAIL, "the prune dry-run failed");
        str_sanitize(e->err.msg);
    } else {
        vec_clear(&e->items);
        for (size_t i = 0; i < out->len; i++) {
            vec_push(&e->items, out->items[i]);
            out->items[i] = NULL; /* taken over */
        }
    }
    if (rc != -LB_ECANCELLED && app->on_change)
        app->on_change(app, APP_CHANGED_BUSY, app->on_change_arg);
}

/*
 * The dry-run answer of group g for the backups read at fetched_at; asks
 * for it (once) when there is none yet. NULL: cannot ask (rs->srv_error).
 */
static struct srv_entry *srv_for(struct ret_screen *rs, const struct retview_pbs_group *g)
{
    const struct app_pmx *p = rs->app->pmx;
    struct srv_entry *e = NULL;
    struct lb_err err = { 0 };

    if (!rs->app->loop || !p || !p->pbs || p->pbs_src.failed || p->pbs_src.from_cache)
        return NULL;
    for (size_t i = 0; i < rs->srv.len; i++) {
        struct srv_entry *x = rs->srv.items[i];

        if (!strcmp(x->label, g->label)) {
            e = x;
            break;
        }
    }
    if (e && e->fetched_at == p->pbs_src.fetched_at && !memcmp(&e->keep, &g->keep, sizeof(e->keep)))
        return e;
    if (e && e->call)
        return e; /* the last question is still out: its answer first */
    if (!rs->pbs && !rs->srv_error[0]) {
        struct pmx_client_opts co = { 0 };

        co.product = PMX_PBS;
        co.name = p->pbs->name;
        co.url = p->pbs->url;
        co.token_file = p->pbs->token_file;
        co.fingerprint = p->pbs->fingerprint;
        rs->http = http_new(rs->app->loop);
        if (!(rs->pbs = pmx_client_new(rs->app->loop, rs->http, &co, &err))) {
            str_copy(rs->srv_error, sizeof(rs->srv_error), err.msg);
            str_sanitize(rs->srv_error);
        }
    }
    if (!rs->pbs)
        return NULL;
    if (!e) {
        e = xcalloc(1, sizeof(*e));
        e->rs = rs;
        str_copy(e->label, sizeof(e->label), g->label);
        vec_init(&e->items, pbs_prune_item_free);
        vec_push(&rs->srv, e);
    }
    e->keep = g->keep;
    e->fetched_at = p->pbs_src.fetched_at;
    e->failed = false;
    vec_clear(&e->items);
    lb_err_clear(&e->err);
    e->call = pbs_prune_dry_run(rs->pbs, p->pbs->datastore, g->type, g->id, &g->keep,
                                on_srv_dry_run, e, &err);
    if (!e->call) {
        e->failed = true;
        e->err = err;
        str_sanitize(e->err.msg);
    }
    return e;
}

static void srv_release(struct ret_screen *rs)
{
    pmx_client_free(rs->pbs); /* cancels: the callbacks run now, entries still here */
    rs->pbs = NULL;
    if (rs->http)
        http_free(rs->http);
    rs->http = NULL;
    vec_release(&rs->srv);
}

/* ---- model ---- */

static void tier_release(struct tier *t)
{
    free(t->pbs);
    t->pbs = NULL;
    vec_release(&t->snaps);
    if (t->built)
        retview_release(&t->view);
    t->built = false;
}

static void free_tiers(struct ret_screen *rs)
{
    for (size_t i = 0; i < rs->n; i++)
        tier_release(&rs->tiers[i]);
    free(rs->tiers);
    rs->tiers = NULL;
    rs->n = 0;
    if (rs->wbuilt)
        retview_release(&rs->wview);
    rs->wbuilt = false;
}

/* The repo of a restic tier; NULL for a PBS group. */
static const struct repo_view *tier_repo(const struct ret_screen *rs, const struct tier *t)
{
    return t->pbs ? NULL : vec_get(&rs->app->repos, t->repo);
}

/* "usb-ssd" (a repo), "vm/100" (a PBS group); not sanitized. */
static const char *tier_name(const struct ret_screen *rs, const struct tier *t)
{
    return t->pbs ? t->pbs->label : tier_repo(rs, t)->cfg->name;
}

static void build_pbs_tier(struct ret_screen *rs, struct tier *t, time_t now)
{
    const struct vec *backups = app_pmx_backups(rs->app);
    struct lb_err err = { 0 };

    if (t->built)
        retview_release(&t->view);
    t->built = false;
    if (t->pbs->feed_job[0])
        snprintf(t->fed_by, sizeof(t->fed_by), "PVE job %.60s (%.40s)%s", t->pbs->feed_job,
                 t->pbs->feed_calendar, t->pbs->feed_enabled ? "" : ", disabled");
    else
        t->fed_by[0] = '\0';
    str_sanitize(t->fed_by);
    if (!backups) {
        snprintf(t->error, sizeof(t->error), "the datastore was not read yet");
        return;
    }
    if (retview_build_pbs(&t->view, t->pbs, backups, NULL, now, &err) < 0) {
        str_copy(t->error, sizeof(t->error), err.msg);
        str_sanitize(t->error);
        return;
    }
    t->built = true;
}

static void build_tier(struct ret_screen *rs, struct tier *t, time_t now)
{
    const struct repo_view *rv = tier_repo(rs, t);
    struct lb_err err = { 0 };
    struct retview_feeds feeds;

    if (t->pbs) {
        build_pbs_tier(rs, t, now);
        return;
    }
    if (t->built)
        retview_release(&t->view);
    t->built = false;
    retview_feeds_from_config(&feeds, rs->app->cfg, rv->cfg->name);
    str_copy(t->fed_by, sizeof(t->fed_by), feeds.jobs);
    str_sanitize(t->fed_by);
    retview_feeds_release(&feeds);
    if (!t->have)
        return;
    if (retview_build_repo(&t->view, rs->app->cfg, rv->cfg, &t->snaps, NULL, rs->restic_version,
                           now, &err) < 0) {
        str_copy(t->error, sizeof(t->error), err.msg);
        return;
    }
    t->built = true;
}

static void build_whatif(struct ret_screen *rs, time_t now)
{
    struct tier *t = rs->n ? &rs->tiers[rs->cur] : NULL;
    struct lb_err err = { 0 };

    if (rs->wbuilt)
        retview_release(&rs->wview);
    rs->wbuilt = false;
    if (t && t->pbs) {
        const struct vec *backups = app_pmx_backups(rs->app);

        if (backups && retview_build_pbs(&rs->wview, t->pbs, backups, &rs->wpol, now, &err) == 0)
            rs->wbuilt = true;
        return;
    }
    if (!t || !t->have)
        return;
    if (retview_build_repo(&rs->wview, rs->app->cfg, tier_repo(rs, t)->cfg, &t->snaps, &rs->wpol,
                           rs->restic_version, now, &err) == 0)
        rs->wbuilt = true;
}

static void load(struct ret_screen *rs, time_t now)
{
    size_t i;
    struct repo_view *rv;

    struct vec groups = VEC_INIT(NULL);
    const struct app_pmx *p = rs->app->pmx;

    free_tiers(rs);
    if (p && p->pbs && app_pmx_backups(rs->app))
        retview_pbs_groups(app_pmx_backups(rs->app), p->pve_jobs_known ? &p->pve_jobs : NULL,
                           p->pbs_jobs_known ? &p->pbs_jobs : NULL, p->pbs->datastore, &groups);
    rs->n = rs->app->repos.len + groups.len;
    rs->tiers = xcalloc(rs->n ? rs->n : 1, sizeof(*rs->tiers));
    vec_foreach(&rs->app->repos, i, rv) {
        struct tier *t = &rs->tiers[i];
        struct restic_repo_info info;
        struct lb_err err = { 0 };

        t->repo = i;
        vec_init(&t->snaps, restic_snapshot_free);
        memset(&info, 0, sizeof(info));
        vec_init(&info.snapshots, restic_snapshot_free);
        vec_init(&info.locks, restic_lock_free);
        if (!rs->app->store) {
            snprintf(t->error, sizeof(t->error), "no state database: nothing cached");
        } else if (store_get_repo_info(rs->app->store, rv->cache_key, &info, &t->fetched_at,
                                       &err) == 0) {
            t->have = true;
            t->size = info.stats.total_size;
            t->size_known = info.stats_known;
            /* take the snapshots over */
            t->snaps = info.snapshots;
            vec_init(&info.snapshots, restic_snapshot_free);
        } else if (err.code != LB_ENOTFOUND && err.msg[0]) {
            str_copy(t->error, sizeof(t->error), err.msg);
        } else {
            snprintf(t->error, sizeof(t->error), "not read yet: r refreshes");
        }
        str_sanitize(t->error);
        restic_repo_info_release(&info);
        build_tier(rs, t, now);
    }
    for (size_t k = 0; k < groups.len; k++) {
        struct tier *t = &rs->tiers[rs->app->repos.len + k];

        vec_init(&t->snaps, NULL);
        t->pbs = groups.items[k]; /* taken over */
        t->have = true;
        t->fetched_at = p->pbs_src.fetched_at;
        build_tier(rs, t, now);
    }
    vec_release(&groups);
    if (rs->cur >= rs->n)
        rs->cur = 0;
    rs->loaded = true;
    rs->dirty = false;
    rs->built_at = now;
    if (rs->whatif)
        build_whatif(rs, now);
}

static void ensure_loaded(struct ret_screen *rs, time_t now)
{
    if (!rs->loaded || rs->dirty || now - rs->built_at >= REBUILD_SECS || now < rs->built_at)
        load(rs, now);
}

/* The view drawn for the current tier: the what-if when open. */
static const struct retview *shown_view(const struct ret_screen *rs)
{
    const struct tier *t;

    if (!rs->n)
        return NULL;
    if (rs->whatif && rs->wbuilt)
        return &rs->wview;
    t = &rs->tiers[rs->cur];
    return t->built ? &t->view : NULL;
}

/* ---- drawing ---- */

static char *policy_text(const struct retention_policy *p, int ver, char *out, size_t n)
{
    size_t used = 0;

    out[0] = '\0';
    for (int r = 0; r < RET_NRULES; r++) {
        int w;

        if (p->keep[r] == 0)
            continue;
        if (p->keep[r] < 0 || p->keep[r] >= 1000000)
            w = snprintf(out + used, n - used, "%s%s=all", used ? " " : "", rule_names[r]);
        else
            w = snprintf(out + used, n - used, "%s%s=%lld", used ? " " : "", rule_names[r],
                         (long long)p->keep[r]);
        if (w < 0 || (size_t)w >= n - used)
            break;
        used += (size_t)w;
    }
    if (p->within.days || p->within.hours)
        snprintf(out + used, n - used, "%swithin=%d%c", used ? " " : "",
                 p->within.days ? p->within.days : p->within.hours, p->within.days ? 'd' : 'h');
    if (!out[0])
        snprintf(out, n, "no rule: keep all");
    (void)ver;
    return out;
}

static void draw_tabs(const struct ret_screen *rs, int y, int x, int w)
{
    int cx = x;

    for (size_t i = 0; i < rs->n && cx < x + w; i++) {
        char label[96];

        snprintf(label, sizeof(label), " %s ", tier_name(rs, &rs->tiers[i]));
        str_sanitize(label);
        cx +=
            draw_text(y, cx, x + w - cx, theme_attr(i == rs->cur ? EL_TAB_ACTIVE : EL_TAB), label);
        cx += 1;
    }
    if (rs->n > 1 && cx + 12 < x + w)
        draw_text(y, cx + 1, x + w - cx - 1, theme_attr(EL_DIM), "h/l tier   e what-if");
    else if (cx + 10 < x + w)
        draw_text(y, cx + 1, x + w - cx - 1, theme_attr(EL_DIM), "e what-if");
}

/* The two summary lines of a PBS group. */
/* " · server agrees" or the first disagreement, after the policy; the width drawn. */
static int draw_srv(struct ret_screen *rs, const struct tier *t, const struct retview *v,
                     int y, int x, int w)
{
    struct srv_entry *e = srv_for(rs, t->pbs);
    struct retview_srv cmp;
    char line[512], a[32];
    enum theme_el el = EL_DIM;

    if (w < 4)
        return 0;
    if (!e && !rs->srv_error[0])
        return 0;
    if (!e) {
        snprintf(line, sizeof(line), " %s server's dry-run: cannot ask (%s)", glyph(G_SEP),
                 rs->srv_error);
    } else if (e->call) {
        snprintf(line, sizeof(line), " %s asking the server's prune dry-run", glyph(G_SEP));
    } else if (e->failed) {
        snprintf(line, sizeof(line), " %s server's dry-run failed: %.200s", glyph(G_SEP),
                 e->err.msg);
        el = EL_STATUS_WARN;
    } else {
        retview_srv_init(&cmp);
        retview_srv_compare(&cmp, v, &e->items);
        if (!cmp.diffs.len) {
            snprintf(line, sizeof(line), " %s server agrees", glyph(G_SEP));
            el = EL_STATUS_OK;
        } else {
            const struct retview_srv_diff *d = cmp.diffs.items[0];
            time_t tt = (time_t)d->time;
            struct tm tm;

            localtime_r(&tt, &tm);
            strftime(a, sizeof(a), "%d %b %H:%M", &tm);
            snprintf(line, sizeof(line), " %s %s SERVER DISAGREES on %zu (!): %s lifeboat %s, server %s",
                     glyph(G_SEP), glyph(G_WARN), cmp.diffs.len, a,
                     retview_srv_say_word(d->engine, true), retview_srv_say_word(d->server, false));
            el = EL_STATUS_CRIT;
        }
        retview_srv_release(&cmp);
    }
    str_sanitize(line);
    return draw_text(y, x, w, theme_attr(el), line);
}

/* Whether the server's dry-run decides otherwise for the point at time (shown tier). */
static bool srv_differs(const struct ret_screen *rs, const struct tier *t, int64_t time)
{
    const struct app_pmx *p = rs->app->pmx;
    bool found = false;

    if (!t->pbs || rs->whatif || !t->built || !p)
        return false;
    for (size_t i = 0; i < rs->srv.len; i++) {
        const struct srv_entry *e = rs->srv.items[i];
        struct retview_srv cmp;

        if (strcmp(e->label, t->pbs->label) || e->call || e->failed ||
            e->fetched_at != p->pbs_src.fetched_at)
            continue;
        retview_srv_init(&cmp);
        retview_srv_compare(&cmp, &t->view, &e->items);
        for (size_t k = 0; k < cmp.diffs.len && !found; k++)
            found = ((const struct retview_srv_diff *)cmp.diffs.items[k])->time == time;
        retview_srv_release(&cmp);
        break;
    }
    return found;
}

static void draw_summary_pbs(struct ret_screen *rs, int y, int x, int w,
                             const struct screen_ctx *ctx)
{
    const struct tier *t = &rs->tiers[rs->cur];
    const struct retview_pbs_group *g = t->pbs;
    const struct app_pmx *p = rs->app->pmx;
    const struct retview *v = t->built ? &t->view : NULL;
    const struct pmx_guest *gu = g->vmid ? app_pmx_guest(rs->app, g->vmid) : NULL;
    char line[640], a[64], b[64], c[64], pol[128];
    enum health h;
    int cx;

    snprintf(line, sizeof(line), "Proxmox prune rules, server local time %s PBS %s %s policy %s%s%s%s",
             glyph(G_SEP), p->pbs->datastore, glyph(G_SEP),
             retview_pmx_keep_text(&g->keep, pol, sizeof(pol)), g->policy_from[0] ? " (" : "",
             g->policy_from, g->policy_from[0] ? ")" : "");
    str_sanitize(line);
    cx = draw_text(y, x, w, theme_attr(EL_NORMAL), line);
    snprintf(line, sizeof(line), " %s %s%s", glyph(G_SEP),
             t->fed_by[0] ? "fed by " : "no PVE job backs it up", t->fed_by);
    str_sanitize(line);
    if (w - cx > 0)
        draw_text(y, x + cx, w - cx, theme_attr(EL_NORMAL), line);
    if (!v) {
        draw_text(y + 1, x, w, theme_attr(EL_STATUS_UNKNOWN), t->error[0] ? t->error : "no data");
        return;
    }
    if (!v->n) {
        draw_text(y + 1, x, w, theme_attr(EL_STATUS_CRIT), "no complete backup in the group");
        return;
    }
    if (gu && gu->pbs_known) {
        h = pmx_pbs_health(p, gu, ctx->now);
    } else {
        int64_t age = (int64_t)(ctx->now - v->pts[v->n - 1].time);

        h = age <= p->rpo ? HEALTH_OK : age <= 3 * p->rpo ? HEALTH_WARN : HEALTH_CRIT;
    }
    snprintf(line, sizeof(line), "%zu point%s, oldest %s %s newest %s %s (RPO %s)", v->n,
             v->n == 1 ? "" : "s", str_fmt_age((int64_t)(ctx->now - v->pts[0].time), a, sizeof(a)),
             glyph(G_SEP), str_fmt_age((int64_t)(ctx->now - v->pts[v->n - 1].time), b, sizeof(b)),
             glyph(fmt_health_glyph(h)), str_fmt_age(p->rpo, c, sizeof(c)));
    cx = draw_text(y + 1, x, w, theme_attr(fmt_age_el(h)), line);
    if (!rs->whatif) /* the server's own dry-run of the group, beside the plan */
        cx += draw_srv(rs, t, v, y + 1, x + cx, w - cx);
    if (v->n_gaps) {
        snprintf(line, sizeof(line), " %s %s %zu gap%s", glyph(G_SEP), glyph(G_WARN), v->n_gaps,
                 v->n_gaps == 1 ? "" : "s");
        cx += draw_text(y + 1, x + cx, w - cx, theme_attr(EL_STATUS_WARN), line);
    }
    if (v->removed) {
        snprintf(line, sizeof(line), " %s %zu would go at the next prune", glyph(G_SEP),
                 v->removed);
        cx += draw_text(y + 1, x + cx, w - cx, theme_attr(EL_STATUS_WARN), line);
    }
    if (g->n_protected || g->n_partial) {
        snprintf(line, sizeof(line), " %s not planned: %zu protected, %zu unfinished", glyph(G_SEP),
                 g->n_protected, g->n_partial);
        cx += draw_text(y + 1, x + cx, w - cx, theme_attr(EL_DIM), line);
    }
    if (g->also_prunes[0]) {
        snprintf(line, sizeof(line), " %s %s prunes it too", glyph(G_SEP), g->also_prunes);
        str_sanitize(line);
        draw_text(y + 1, x + cx, w - cx, theme_attr(EL_DIM), line);
    }
}

/* The two summary lines of the current tier. */
static void draw_summary(struct ret_screen *rs, int y, int x, int w,
                         const struct screen_ctx *ctx)
{
    const struct tier *t = &rs->tiers[rs->cur];
    const struct repo_view *rv;
    const struct retview *v = t->built ? &t->view : NULL;
    char line[512], a[64], b[64], c[64], pol[128];
    struct retention_policy p;
    enum health h;
    int cx;

    if (t->pbs) {
        draw_summary_pbs(rs, y, x, w, ctx);
        return;
    }
    rv = tier_repo(rs, t);
    h = app_repo_health(rv, ctx->now);
    retview_policy_from_keep(&rv->cfg->keep, rs->restic_version, &p);
    snprintf(line, sizeof(line), "restic %d.%d rules %s %s %s policy %s %s %s",
             rs->restic_version / 1000, rs->restic_version % 1000, glyph(G_SEP),
             rv->cfg->tier == TIER_OFFSITE ? "off-site" : "local", glyph(G_SEP),
             policy_text(&p, rs->restic_version, pol, sizeof(pol)), glyph(G_SEP),
             t->fed_by[0] ? "fed by" : "no job writes into it");
    str_sanitize(line);
    cx = draw_text(y, x, w, theme_attr(EL_NORMAL), line);
    if (t->fed_by[0])
        cx += 1 + draw_text(y, x + cx + 1, w - cx - 1, theme_attr(EL_NORMAL), t->fed_by);
    /* where the version comes from, last: "restic 0.14.0 here", "no restic: ..." */
    if (cx + 4 < w) {
        snprintf(line, sizeof(line), " %s %s", glyph(G_SEP), rs->version_note);
        draw_text(y, x + cx, w - cx, theme_attr(EL_DIM), line);
    }
    if (!v) {
        draw_text(y + 1, x, w, theme_attr(EL_STATUS_UNKNOWN), t->error[0] ? t->error : "no data");
        return;
    }
    if (!v->n) {
        draw_text(y + 1, x, w, theme_attr(EL_STATUS_CRIT),
                  "no restore point: run the job that backs up into it");
        return;
    }
    snprintf(line, sizeof(line), "%zu point%s, oldest %s %s newest %s %s (RPO %s)", v->n,
             v->n == 1 ? "" : "s", str_fmt_age((int64_t)(ctx->now - v->pts[0].time), a, sizeof(a)),
             glyph(G_SEP), str_fmt_age((int64_t)(ctx->now - v->pts[v->n - 1].time), b, sizeof(b)),
             glyph(fmt_health_glyph(h)), str_fmt_age(rv->rpo, c, sizeof(c)));
    cx = draw_text(y + 1, x, w, theme_attr(fmt_age_el(h)), line);
    if (v->n_gaps) {
        snprintf(line, sizeof(line), " %s %s %zu gap%s", glyph(G_SEP), glyph(G_WARN), v->n_gaps,
                 v->n_gaps == 1 ? "" : "s");
        cx += draw_text(y + 1, x + cx, w - cx, theme_attr(EL_STATUS_WARN), line);
    }
    if (v->removed) {
        snprintf(line, sizeof(line), " %s %zu would go next run", glyph(G_SEP), v->removed);
        cx += draw_text(y + 1, x + cx, w - cx, theme_attr(EL_STATUS_WARN), line);
    }
    if (t->size_known) {
        str_fmt_bytes(t->size, a, sizeof(a));
        if (rv->cfg->price_per_gib_month > 0)
            snprintf(line, sizeof(line), " %s %s, about $%.2f/month", glyph(G_SEP), a,
                     retview_cost(t->size, rv->cfg->price_per_gib_month));
        else
            snprintf(line, sizeof(line), " %s %s", glyph(G_SEP), a);
        draw_text(y + 1, x + cx, w - cx, theme_attr(EL_NORMAL), line);
    }
}

/* One row of marks for a view on the axis. */
static void draw_marks(const struct retview *v, int y, int x, int w, int64_t t0, int64_t t1,
                       int64_t sel_time, bool show_removed)
{
    /* gaps first, then removed, then kept on top: the strongest letter wins a column */
    char *col_letter = xcalloc((size_t)w + 1, 1);

    for (size_t g = 0; g < v->n_gaps; g++) {
        int c = ret_axis_col(v->gaps[g], t0, t1, w);

        if (c >= 0 && !col_letter[c]) {
            draw_text(y, x + c, 1, theme_attr(EL_STATUS_WARN), glyph(G_WARN));
            col_letter[c] = '^';
        }
    }
    for (size_t i = 0; i < v->n; i++) {
        const struct retview_point *p = &v->pts[i];
        int c = ret_axis_col(p->time, t0, t1, w);
        static const char order[] = " TLHDWMYP";
        char letter = p->keep ? retview_reason_letter(p->reasons) : 'x';
        char s[4] = { letter, 0 };
        bool selected = p->time == sel_time;

        if (c < 0)
            continue;
        if (!p->keep && !show_removed)
            continue;
        if (!p->keep) {
            if (col_letter[c] && col_letter[c] != '^' && !selected)
                continue;
            draw_text(y, x + c, 1, theme_attr(selected ? EL_SELECTION : EL_STATUS_CRIT),
                      glyph(G_CRIT));
            col_letter[c] = 'x';
            continue;
        }
        if (!selected && col_letter[c] && col_letter[c] != '^' && col_letter[c] != 'x' &&
            strchr(order, col_letter[c]) >= strchr(order, letter))
            continue;
        draw_text(y, x + c, 1, theme_attr(selected ? EL_SELECTION : EL_STATUS_OK), s);
        col_letter[c] = letter;
    }
    free(col_letter);
}

static void draw_timeline(const struct ret_screen *rs, struct rect r, const struct screen_ctx *ctx)
{
    int64_t t0 = 0, t1 = (int64_t)ctx->now;
    int w = r.w - 4 - NAME_W, x = r.x + 2 + NAME_W, y = r.y + 1;
    struct ret_label labels[MAX_LABELS];
    size_t nl;
    const struct retview *cur = shown_view(rs);
    int64_t sel_time = 0;

    draw_box(r, theme_attr(EL_BORDER), "timeline", theme_attr(EL_PANEL_TITLE));
    for (size_t i = 0; i < rs->n; i++) {
        const struct tier *t = &rs->tiers[i];

        if (t->built && t->view.n && (!t0 || t->view.pts[0].time < t0))
            t0 = t->view.pts[0].time;
        if (t->built && t->view.n_gaps && (!t0 || t->view.gaps[0] < t0))
            t0 = t->view.gaps[0];
    }
    if (!t0 || w < 10) {
        draw_text(y, r.x + 2, r.w - 4, theme_attr(EL_DIM), "no restore point known yet");
        return;
    }
    /* a little room on the left, so the oldest mark is not on the edge */
    t0 -= (t1 - t0) / 40 + 3600;
    if (cur && rs->sel < cur->n)
        sel_time = cur->pts[cur->n - 1 - rs->sel].time;
    nl = ret_axis_labels(t0, t1, w, labels, MAX_LABELS);
    for (size_t i = 0; i < nl; i++)
        draw_text(y, x + labels[i].col, (int)strlen(labels[i].text), theme_attr(EL_LABEL),
                  labels[i].text);
    draw_text(y, x + w - 3, 3, theme_attr(EL_LABEL), "now");
    for (int c = 0; c < w; c++)
        draw_text(y + 1, x + c, 1, theme_attr(EL_BORDER), glyph(G_HLINE));
    for (size_t i = 0; i < nl; i++)
        draw_text(y + 1, x + labels[i].col, 1, theme_attr(EL_BORDER), glyph(G_VLINE));
    draw_text(y + 1, x + w - 1, 1, theme_attr(EL_BORDER), glyph(G_VLINE));
    y += 2;
    for (size_t i = 0; i < rs->n && y < r.y + r.h - 1; i++) {
        const struct tier *t = &rs->tiers[i];
        char name[96];
        bool is_cur = i == rs->cur;

        snprintf(name, sizeof(name), "%s", tier_name(rs, t));
        str_sanitize(name);
        if (is_cur && rs->whatif && rs->wbuilt) {
            draw_text(y, r.x + 2, NAME_W - 1, theme_attr(EL_DIM), name);
            if (t->built)
                draw_marks(&t->view, y, x, w, t0, t1, 0, true);
            y++;
            if (y >= r.y + r.h - 1)
                break;
            draw_text(y, r.x + 2, NAME_W - 1, theme_attr(EL_PANEL_TITLE), "what-if");
            draw_marks(&rs->wview, y, x, w, t0, t1, sel_time, true);
        } else {
            draw_text(y, r.x + 2, NAME_W - 1, theme_attr(is_cur ? EL_PANEL_TITLE : EL_LABEL), name);
            if (t->built)
                draw_marks(&t->view, y, x, w, t0, t1, is_cur ? sel_time : 0, true);
            else
                draw_text(y, x, w, theme_attr(EL_DIM), t->error[0] ? t->error : "not read yet");
        }
        y++;
    }
    if (y < r.y + r.h - 1) {
        char key[160];

        snprintf(key, sizeof(key),
                 "D daily  W weekly  M monthly  Y yearly  L last  %s would go  %s gap",
                 glyph(G_CRIT), glyph(G_WARN));
        draw_text(y, x, w, theme_attr(EL_DIM), key);
    }
}

static void draw_whatif(const struct ret_screen *rs, struct rect r, const struct screen_ctx *ctx)
{
    const struct tier *t = &rs->tiers[rs->cur];
    const struct repo_view *rv = tier_repo(rs, t);
    int x = r.x + 1, y = r.y;
    char buf[256], a[64], b[64];

    (void)ctx;
    x += draw_text(y, x, r.w, theme_attr(EL_PROMPT), "what-if ");
    for (int i = 0; i < RET_NRULES && x < r.x + r.w; i++) {
        int64_t k = rs->wpol.keep[i];

        if (k < 0 || k >= 1000000)
            snprintf(buf, sizeof(buf), " %s all ", rule_names[i]);
        else
            snprintf(buf, sizeof(buf), " %s %lld ", rule_names[i], (long long)k);
        x += draw_text(y, x, r.x + r.w - x, theme_attr(i == rs->rule ? EL_SELECTION : EL_NORMAL),
                       buf);
    }
    y++;
    if (!rs->wbuilt) {
        draw_text(y, r.x + 1, r.w - 1, theme_attr(EL_DIM), "no restore point to plan");
        return;
    }
    {
        const struct retview *w = &rs->wview;
        int cx = r.x + 1;

        snprintf(buf, sizeof(buf), "keep %zu %s would go %zu", w->kept, glyph(G_SEP), w->removed);
        cx +=
            draw_text(y, cx, r.w - 1, theme_attr(w->removed ? EL_STATUS_WARN : EL_STATUS_OK), buf);
        if (t->size_known) {
            uint64_t freed = retview_freed_estimate(t->size, w->n, w->removed);

            snprintf(buf, sizeof(buf), " %s frees up to %s of %s", glyph(G_SEP),
                     str_fmt_bytes(freed, a, sizeof(a)), str_fmt_bytes(t->size, b, sizeof(b)));
            cx += draw_text(y, cx, r.x + r.w - cx, theme_attr(EL_NORMAL), buf);
            if (rv && rv->cfg->price_per_gib_month > 0) {
                snprintf(buf, sizeof(buf), " %s cost $%.2f %s $%.2f/month", glyph(G_SEP),
                         retview_cost(t->size, rv->cfg->price_per_gib_month), glyph(G_ARROW),
                         retview_cost(t->size - freed, rv->cfg->price_per_gib_month));
                cx += draw_text(y, cx, r.x + r.w - cx, theme_attr(EL_NORMAL), buf);
            }
        }
        draw_text(y, cx, r.x + r.w - cx, theme_attr(EL_DIM),
                  "  (+/- count, h/l rule, Esc back; nothing is deleted)");
    }
}

enum pcol { P_TIME, P_ID, P_ACTION, P_WHY, P_EXPIRES, P_AGE, P_COUNT };

static const struct col_spec point_cols[P_COUNT] = {
    [P_TIME] = { "point", 16, 16, 0, false },      [P_ID] = { "id", 8, 8, 4, false },
    [P_ACTION] = { "action", 8, 8, 2, false },     [P_WHY] = { "kept by", 12, 26, 0, false },
    [P_EXPIRES] = { "expires", 18, 30, 1, false }, [P_AGE] = { "age", 5, 6, 3, true },
};

static void draw_points(struct ret_screen *rs, struct rect r, const struct screen_ctx *ctx)
{
    const struct retview *v = shown_view(rs);
    int w[P_COUNT], x, rows = r.h - 3;
    char title[128], buf[256];

    snprintf(title, sizeof(title), "points of %s%s", tier_name(rs, &rs->tiers[rs->cur]),
             rs->whatif ? " (what-if)" : "");
    str_sanitize(title);
    draw_box(r, theme_attr(EL_BORDER), title, theme_attr(EL_PANEL_TITLE));
    layout_columns(point_cols, P_COUNT, r.w - 4, 2, w);
    x = r.x + 2;
    for (int c = 0; c < P_COUNT; c++) {
        if (!w[c])
            continue;
        draw_field(r.y + 1, x, w[c], theme_attr(EL_COLUMN_HEADER), point_cols[c].title,
                   point_cols[c].right ? ALIGN_RIGHT : ALIGN_LEFT);
        x += w[c] + 2;
    }
    if (!v || !v->n || rows < 1)
        return;
    rs->page = rows;
    if (rs->sel >= v->n)
        rs->sel = v->n - 1;
    if ((int)rs->sel < rs->scroll)
        rs->scroll = (int)rs->sel;
    if ((int)rs->sel >= rs->scroll + rows)
        rs->scroll = (int)rs->sel - rows + 1;
    for (int i = 0; i < rows && rs->scroll + i < (int)v->n; i++) {
        size_t row = (size_t)(rs->scroll + i);
        const struct retview_point *p = &v->pts[v->n - 1 - row];
        bool selected = row == rs->sel;
        int y = r.y + 2 + i;

        if (selected)
            draw_fill(y, r.x + 1, r.w - 2, theme_attr(EL_SELECTION));
        x = r.x + 2;
        for (int c = 0; c < P_COUNT; c++) {
            enum theme_el el = EL_NORMAL;
            time_t tt = (time_t)p->time;
            struct tm tm;

            if (!w[c])
                continue;
            switch (c) {
            case P_TIME:
                localtime_r(&tt, &tm);
                strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M", &tm);
                break;
            case P_ID:
                snprintf(buf, sizeof(buf), "%.8s", p->id);
                el = EL_DIM;
                break;
            case P_ACTION:
                if (srv_differs(rs, &rs->tiers[rs->cur], p->time)) {
                    /* the server's dry-run decides otherwise: marked */
                    snprintf(buf, sizeof(buf), "! %s", p->keep ? "keep" : "go");
                    el = EL_STATUS_CRIT;
                    break;
                }
                snprintf(buf, sizeof(buf), "%s", p->keep ? "keep" : "would go");
                el = p->keep ? EL_STATUS_OK : EL_STATUS_WARN;
                break;
            case P_WHY:
                if (p->keep) {
                    char sep[16];

                    snprintf(sep, sizeof(sep), " %s ", glyph(G_SEP));
                    retview_reason_names(p->reasons, sep, buf, sizeof(buf));
                } else {
                    snprintf(buf, sizeof(buf), "%s", glyph(G_NA));
                }
                break;
            case P_EXPIRES:
                retview_expiry_text(p, ctx->now, buf, sizeof(buf));
                if (p->exp == RV_NEXT_RUN)
                    el = EL_STATUS_WARN;
                break;
            case P_AGE:
                str_fmt_age((int64_t)(ctx->now - p->time), buf, sizeof(buf));
                break;
            }
            str_sanitize(buf);
            draw_field(y, x, w[c], theme_attr(selected ? EL_SELECTION : el), buf,
                       point_cols[c].right ? ALIGN_RIGHT : ALIGN_LEFT);
            x += w[c] + 2;
        }
    }
    if (rs->scroll + rows < (int)v->n) {
        snprintf(buf, sizeof(buf), " %s %d more ", glyph(G_DOWN), (int)v->n - rs->scroll - rows);
        draw_text(r.y + r.h - 1, r.x + r.w - 2 - draw_width(buf), draw_width(buf),
                  theme_attr(EL_BORDER), buf);
    }
}

static void retention_draw(void *st, struct rect area, const struct screen_ctx *ctx)
{
    struct ret_screen *rs = st;
    int top, tl_h, wi_h;

    ensure_loaded(rs, ctx->now);
    if (!rs->n) {
        draw_text(area.y + 1, area.x + 2, area.w - 4, theme_attr(EL_DIM),
                  "no [repo] section in the config: no tier to show");
        return;
    }
    draw_tabs(rs, area.y, area.x + 1, area.w - 2);
    draw_summary(rs, area.y + 1, area.x + 2, area.w - 4, ctx);
    top = area.y + 3;
    /* timeline: label row, axis, one row per tier (+1 in what-if), the key */
    tl_h = 2 + 2 + (int)rs->n + (rs->whatif ? 1 : 0) + 1;
    wi_h = rs->whatif ? 2 : 0;
    if (tl_h > area.h - 3 - wi_h - 4)
        tl_h = area.h - 3 - wi_h - 4;
    if (tl_h >= 4)
        draw_timeline(rs, (struct rect){ top, area.x, tl_h, area.w }, ctx);
    else
        tl_h = 0;
    top += tl_h;
    if (rs->whatif) {
        draw_whatif(rs, (struct rect){ top, area.x + 1, 2, area.w - 2 }, ctx);
        top += 2;
    }
    if (area.y + area.h - top >= 3)
        draw_points(rs, (struct rect){ top, area.x, area.y + area.h - top, area.w }, ctx);
}

static unsigned retention_action(void *st, enum action a, const struct screen_ctx *ctx)
{
    struct ret_screen *rs = st;
    const struct retview *v;
    size_t n;
    int page;

    ensure_loaded(rs, ctx->now);
    v = shown_view(rs);
    n = v ? v->n : 0;
    page = rs->page > 1 ? rs->page - 1 : 1;
    switch (a) {
    case ACTION_WHATIF:
        if (rs->whatif) {
            rs->whatif = false;
            return REACT_HANDLED;
        }
        if (!rs->n)
            return REACT_HANDLED;
        rs->whatif = true;
        if (rs->tiers[rs->cur].pbs)
            retview_policy_from_pmx(&rs->tiers[rs->cur].pbs->keep, &rs->wpol);
        else
            retview_policy_from_keep(&tier_repo(rs, &rs->tiers[rs->cur])->cfg->keep,
                                     rs->restic_version, &rs->wpol);
        rs->rule = RET_DAILY;
        build_whatif(rs, ctx->now);
        return REACT_HANDLED;
    case ACTION_BACK:
        if (rs->whatif) {
            rs->whatif = false;
            return REACT_HANDLED;
        }
        return REACT_NONE;
    case ACTION_RULE_MORE:
    case ACTION_RULE_LESS:
        if (!rs->whatif)
            return REACT_NONE;
        if (a == ACTION_RULE_MORE && rs->wpol.keep[rs->rule] >= 0 && rs->wpol.keep[rs->rule] < 999)
            rs->wpol.keep[rs->rule]++;
        else if (a == ACTION_RULE_LESS && rs->wpol.keep[rs->rule] >= 1000000)
            rs->wpol.keep[rs->rule] = 999;
        else if (a == ACTION_RULE_LESS && rs->wpol.keep[rs->rule] > 0)
            rs->wpol.keep[rs->rule]--;
        build_whatif(rs, ctx->now);
        return REACT_HANDLED;
    case ACTION_PREV_ITEM:
    case ACTION_NEXT_ITEM:
        if (rs->whatif) {
            rs->rule = (rs->rule + (a == ACTION_NEXT_ITEM ? 1 : RET_NRULES - 1)) % RET_NRULES;
            return REACT_HANDLED;
        }
        if (rs->n) {
            rs->cur = (rs->cur + (a == ACTION_NEXT_ITEM ? 1 : rs->n - 1)) % rs->n;
            rs->sel = 0;
            rs->scroll = 0;
        }
        return REACT_HANDLED;
    case ACTION_MOVE_UP:
        if (rs->sel > 0)
            rs->sel--;
        return REACT_HANDLED;
    case ACTION_MOVE_DOWN:
        if (rs->sel + 1 < n)
            rs->sel++;
        return REACT_HANDLED;
    case ACTION_PAGE_UP:
        rs->sel = rs->sel > (size_t)page ? rs->sel - (size_t)page : 0;
        return REACT_HANDLED;
    case ACTION_PAGE_DOWN:
        rs->sel = n ? (rs->sel + (size_t)page < n ? rs->sel + (size_t)page : n - 1) : 0;
        return REACT_HANDLED;
    case ACTION_MOVE_FIRST:
        rs->sel = 0;
        return REACT_HANDLED;
    case ACTION_MOVE_LAST:
        rs->sel = n ? n - 1 : 0;
        return REACT_HANDLED;
    default:
        return REACT_NONE;
    }
}

static unsigned retention_change(void *st, unsigned flags, const struct screen_ctx *ctx)
{
    struct ret_screen *rs = st;

    (void)ctx;
    if (flags & (APP_CHANGED_REPOS | APP_CHANGED_PROXMOX))
        rs->dirty = true; /* a refresh wrote a new cache: read it at the next draw */
    return REACT_NONE;
}

/* `restic version` answered: follow that version's rules from now on. */
static void on_restic_version(struct restic_probe *probe, void *arg)
{
    struct ret_screen *rs = arg;
    struct app *app = rs->app;

    if (restic_probe_state(probe) == RESTIC_PROBE_DONE) {
        rs->restic_version = restic_probe_version(probe);
        rs->version_found = true;
        snprintf(rs->version_note, sizeof(rs->version_note), "%s here", restic_probe_text(probe));
    } else {
        snprintf(rs->version_note, sizeof(rs->version_note), "%d.%d assumed: %s",
                 rs->restic_version / 1000, rs->restic_version % 1000, restic_probe_text(probe));
    }
    str_sanitize(rs->version_note);
    rs->dirty = true;
    if (rs->whatif && rs->n && !rs->tiers[rs->cur].pbs)
        rs->wpol.restic_version = rs->restic_version;
    if (app->on_change)
        app->on_change(app, APP_CHANGED_BUSY, app->on_change_arg);
}

static void *retention_create(struct app *app)
{
    struct ret_screen *rs = xcalloc(1, sizeof(*rs));
    struct lb_err err = { 0 };

    rs->app = app;
    rs->page = 1;
    vec_init(&rs->srv, srv_entry_free);
    rs->restic_version = RETVIEW_RESTIC_DEFAULT;
    snprintf(rs->version_note, sizeof(rs->version_note), "restic not asked: %d.%d assumed",
             rs->restic_version / 1000, rs->restic_version % 1000);
    if (app->loop) {
        rs->probe = restic_probe_start(app->loop, on_restic_version, rs, &err);
        if (rs->probe)
            snprintf(rs->version_note, sizeof(rs->version_note), "asking restic its version");
        else
            snprintf(rs->version_note, sizeof(rs->version_note), "cannot ask restic: %.160s",
                     err.msg);
    }
    return rs;
}

static void retention_destroy(void *st)
{
    struct ret_screen *rs = st;

    restic_probe_free(rs->probe);
    srv_release(rs);
    free_tiers(rs);
    free(rs);
}

const struct screen_ops scr_retention_ops = {
    .name = "retention",
    .title = "Retention",
    .number = 5,
    .create = retention_create,
    .destroy = retention_destroy,
    .draw = retention_draw,
    .on_action = retention_action,
    .on_change = retention_change,
};
