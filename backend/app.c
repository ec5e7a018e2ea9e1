#include "backend/app.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/base/clock.h"
#include "backend/base/log.h"
#include "backend/base/str.h"
#include "backend/base/xalloc.h"
#include "backend/app_proxmox.h"
#include "backend/app_runs.h"
#include "backend/config.h"
#include "backend/loop.h"
#include "backend/restic.h"
#include "backend/store.h"

/* How long one restic child may take before it is stopped (a hung cloud). */
#define RESTIC_TIMEOUT_MS (120 * 1000)

/* One refresh in flight. */
struct refresh {
    struct app *app;
    struct repo_view *rv;
    struct restic_op *op;
};

static void notify(struct app *app, unsigned flags)
{
    if (app->on_change)
        app->on_change(app, flags, app->on_change_arg);
}

static void set_message(struct app *app, bool is_error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_message(struct app *app, bool is_error, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(app->message, sizeof(app->message), fmt, ap);
    va_end(ap);
    str_sanitize(app->message);
    app->message_is_error = is_error;
    notify(app, APP_CHANGED_MESSAGE);
}

/* Copy the figures of one repo's info into its view. */
static void view_fill(struct repo_view *rv, const struct restic_repo_info *info, time_t fetched_at)
{
    const struct restic_snapshot *first, *last;
    const struct restic_lock *oldest = NULL;
    size_t i;
    struct restic_lock *lk;

    rv->fetched_at = fetched_at;
    rv->snapshot_count = (int)info->snapshots.len;
    first = vec_get(&info->snapshots, 0);
    last = vec_get(&info->snapshots, info->snapshots.len ? info->snapshots.len - 1 : 0);
    rv->oldest = first ? first->time : 0;
    rv->newest = last ? last->time : 0;
    rv->size_known = info->stats_known;
    rv->size_bytes = info->stats_known ? info->stats.total_size : 0;
    rv->lock_count = (int)info->locks.len;
    rv->oldest_lock = 0;
    rv->lock_holder[0] = '\0';
    vec_foreach(&info->locks, i, lk)
    {
        if (!oldest || lk->time < oldest->time)
            oldest = lk;
    }
    if (oldest) {
        rv->oldest_lock = oldest->time;
        snprintf(rv->lock_holder, sizeof(rv->lock_holder), "%s@%s pid %d%s",
                 oldest->username ? oldest->username : "?",
                 oldest->hostname ? oldest->hostname : "?", oldest->pid,
                 oldest->exclusive ? " (exclusive)" : "");
        str_sanitize(rv->lock_holder);
    }
}

static void refresh_done(int rc, const struct restic_repo_info *info, const struct lb_err *err,
                         void *arg)
{
    struct refresh *r = arg;
    struct app *app = r->app;
    struct repo_view *rv = r->rv;
    time_t now = clock_now();
    struct lb_err serr = { 0 };

    rv->refreshing = false;
    app->busy--;
    if (rc == 0) {
        view_fill(rv, info, now);
        rv->state = REPO_OK;
        rv->from_cache = false;
        lb_err_clear(&rv->error);
        if (app->store) {
            if (store_put_repo_info(app->store, rv->cache_key, info, now, &serr) < 0)
                log_warn("cannot cache repo '%s': %s", rv->cfg->name, serr.msg);
            store_put_repo_error(app->store, rv->cache_key, 0, NULL, now, NULL);
        }
        log_info("refreshed repo '%s': %d snapshots", rv->cfg->name, rv->snapshot_count);
    } else {
        rv->state = REPO_ERROR;
        rv->error = *err;
        str_sanitize(rv->error.msg);
        if (app->store)
            store_put_repo_error(app->store, rv->cache_key, (int)err->code, err->msg, now,
                                 NULL);
        log_warn("refresh of repo '%s' failed: %s", rv->cfg->name, err->msg);
    }
    for (size_t i = 0; i < app->ops.len; i++) {
        if (app->ops.items[i] == r) {
            vec_remove(&app->ops, i);
            break;
        }
    }
    free(r);
    if (!app->busy)
        app->last_refresh = now;
    notify(app, APP_CHANGED_REPOS | APP_CHANGED_BUSY);
}

static void load_cache(struct app *app, struct repo_view *rv)
{
    struct restic_repo_info info;
    time_t fetched_at = 0;
    struct lb_err err = { 0 };

    memset(&info, 0, sizeof(info));
    vec_init(&info.snapshots, restic_snapshot_free);
    vec_init(&info.locks, restic_lock_free);
    if (app->store && store_get_repo_info(app->store, rv->cache_key, &info, &fetched_at, &err) == 0) {
        view_fill(rv, &info, fetched_at);
        rv->state = REPO_OK;
        rv->from_cache = true;
    }
    restic_repo_info_release(&info);
}

static void free_view(void *p)
{
    free(p);
}

struct app *app_new(struct loop *loop, struct config *cfg, const char *db_path)
{
    struct app *app = xcalloc(1, sizeof(*app));
    struct lb_err err = { 0 };
    size_t i;
    struct repo_cfg *rc;

    app->loop = loop;
    app->cfg = cfg;
    vec_init(&app->repos, free_view);
    vec_init(&app->ops, NULL);
    app->store = store_open(db_path, &err);
    if (!app->store) {
        log_error("%s", err.msg);
        set_message(app, true, "history unavailable: %s", err.msg);
    }
    vec_foreach(&cfg->repos, i, rc)
    {
        struct repo_view *rv = xcalloc(1, sizeof(*rv));

        rv->cfg = rc;
        restic_repo_key(rc, rv->cache_key, sizeof(rv->cache_key));
        rv->rpo = config_repo_rpo(cfg, rc);
        rv->state = REPO_UNKNOWN;
        vec_push(&app->repos, rv);
        load_cache(app, rv);
    }
    app_disks_init(app);
    app_pmx_init(app);
    app_runs_init(app);
    return app;
}

void app_cancel_all(struct app *app)
{
    app_disks_cancel(app);
    app_pmx_cancel(app);
    app_runs_cancel(app);
    /* Cancelling makes each op call refresh_done, which removes it from ops. */
    while (app->ops.len) {
        struct refresh *r = app->ops.items[app->ops.len - 1];
        size_t before = app->ops.len;

        restic_op_cancel(r->op);
        if (app->ops.len == before) {
            /* the op finishes later from the loop: turn it until it does */
            loop_run_once(app->loop, 100);
        }
    }
    if (app->refresh_timer) {
        loop_cancel_timer(app->loop, app->refresh_timer);
        app->refresh_timer = 0;
    }
}

void app_free(struct app *app)
{
    if (!app)
        return;
    app_cancel_all(app);
    vec_release(&app->ops);
    vec_release(&app->repos);
    app_disks_release(app);
    app_pmx_release(app);
    app_runs_release(app);
    if (app->store)
        store_close(app->store);
    config_free(app->cfg);
    free(app);
}

void app_refresh(struct app *app)
{
    size_t i;
    struct repo_view *rv;
    int started = 0;

    vec_foreach(&app->repos, i, rv)
    {
        struct refresh *r;

        if (rv->refreshing)
            continue;
        r = xcalloc(1, sizeof(*r));
        r->app = app;
        r->rv = rv;
        rv->refreshing = true;
        rv->refresh_started_ms = loop_now_ms(app->loop);
        app->busy++;
        vec_push(&app->ops, r);
        started++;
        r->op = restic_refresh_start(app->loop, rv->cfg, app->cfg->dir, RESTIC_TIMEOUT_MS,
                                     refresh_done, r);
    }
    if (started)
        notify(app, APP_CHANGED_BUSY);
    app_refresh_disks(app, false);
    app_pmx_refresh(app);
}

static void auto_refresh(struct loop *loop, void *arg)
{
    struct app *app = arg;

    (void)loop;
    app->refresh_timer = 0;
    app_refresh(app);
    app_start_auto_refresh(app);
}

void app_start_auto_refresh(struct app *app)
{
    int64_t every = app->cfg->console.refresh > 0 ? app->cfg->console.refresh : 60;

    app_runs_watch(app); /* follows runs of timers: once, idempotent */
    if (app->refresh_timer)
        loop_cancel_timer(app->loop, app->refresh_timer);
    app->refresh_timer = loop_add_timer(app->loop, every * 1000, auto_refresh, app);
}

enum health app_repo_health(const struct repo_view *rv, time_t now)
{
    enum health h;
    int64_t age;

    if (rv->state == REPO_UNKNOWN)
        return HEALTH_UNKNOWN;
    if (!rv->fetched_at) {
        /* never read: we know only the error */
        if (rv->error.code == LB_EAUTH || rv->error.code == LB_ENOREPO ||
            rv->error.code == LB_EMISSING_TOOL)
            return HEALTH_CRIT;
        return HEALTH_WARN;
    }
    if (!rv->newest)
        return HEALTH_CRIT; /* no restore point at all */
    age = (int64_t)(now - rv->newest);
    if (age <= rv->rpo)
        h = HEALTH_OK;
    else if (age <= 3 * rv->rpo)
        h = HEALTH_WARN;
    else
        h = HEALTH_CRIT;
    /* A repo we cannot read now, or one with locks left behind, is at least a warning. */
    if ((rv->state == REPO_ERROR || rv->lock_count) && h < HEALTH_WARN)
        h = HEALTH_WARN;
    if (rv->state == REPO_ERROR &&
        (rv->error.code == LB_EAUTH || rv->error.code == LB_ENOREPO ||
         rv->error.code == LB_EMISSING_TOOL))
        h = HEALTH_CRIT; /* backups into it cannot work either */
    return h;
}

enum health app_overall_health(const struct app *app, time_t now)
{
    enum health worst = HEALTH_OK;
    size_t i;
    struct repo_view *rv;
    struct disk_view *dv;

    vec_foreach(&app->repos, i, rv)
    {
        enum health h = app_repo_health(rv, now);

        if (h == HEALTH_UNKNOWN)
            h = HEALTH_WARN;
        if (h > worst)
            worst = h;
    }
    vec_foreach(&app->disks, i, dv)
    {
        enum health h = app_disk_health(dv);

        if (h != HEALTH_UNKNOWN && h > worst)
            worst = h;
    }
    if (pmx_overall_health(app->pmx, now) > worst)
        worst = pmx_overall_health(app->pmx, now);
    return worst;
}

static void problem_add(struct app_problem *out, size_t max, size_t *n, enum health sev,
                        const char *subject, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static void problem_add(struct app_problem *out, size_t max, size_t *n, enum health sev,
                        const char *subject, const char *fmt, ...)
{
    va_list ap;

    if (*n < max) {
        struct app_problem *p = &out[*n];

        p->severity = sev;
        str_copy(p->subject, sizeof(p->subject), subject);
        va_start(ap, fmt);
        vsnprintf(p->text, sizeof(p->text), fmt, ap);
        va_end(ap);
        str_sanitize(p->text);
    }
    (*n)++;
}

static int problem_cmp(const void *a, const void *b)
{
    const struct app_problem *x = a, *y = b;

    return (int)y->severity - (int)x->severity;
}

size_t app_problems(const struct app *app, time_t now, struct app_problem *out, size_t max)
{
    size_t n = 0;
    size_t i;
    struct repo_view *rv;

    vec_foreach(&app->repos, i, rv)
    {
        const char *name = rv->cfg->name;
        enum health h = app_repo_health(rv, now);
        char age[32], rpo[32];

        if (rv->state == REPO_ERROR)
            problem_add(out, max, &n, h == HEALTH_CRIT ? HEALTH_CRIT : HEALTH_WARN, name, "%s",
                        rv->error.msg);
        if (rv->fetched_at && !rv->newest) {
            problem_add(out, max, &n, HEALTH_CRIT, name,
                        "no snapshot at all: run the job that backs up into it");
        } else if (rv->newest && now - rv->newest > rv->rpo) {
            str_fmt_age((int64_t)(now - rv->newest), age, sizeof(age));
            str_fmt_age(rv->rpo, rpo, sizeof(rpo));
            problem_add(out, max, &n, h == HEALTH_CRIT ? HEALTH_CRIT : HEALTH_WARN, name,
                        "newest snapshot is %s old, over its RPO of %s: check the last runs "
                        "and that the %s is reachable",
                        age, rpo, rv->cfg->tier == TIER_OFFSITE ? "cloud" : "disk");
        }
        if (rv->lock_count) {
            str_fmt_age((int64_t)(now - rv->oldest_lock), age, sizeof(age));
            problem_add(out, max, &n, HEALTH_WARN, name,
                        "%d lock%s left in the repo, oldest %s old by %s: if no restic runs, "
                        "remove with 'restic unlock'",
                        rv->lock_count, rv->lock_count == 1 ? "" : "s", age, rv->lock_holder);
        }
    }
    app_disks_problems(app, now, out, max, &n);
    app_pmx_problems(app, now, out, max, &n);
    if (out && n)
        qsort(out, n < max ? n : max, sizeof(*out), problem_cmp);
    return n;
}
