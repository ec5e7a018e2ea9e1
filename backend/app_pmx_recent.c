/*
 * The engine's recent tasks of both products, the PBS disks and the task
 * log viewer (app_proxmox.h): the PVE and PBS rounds of app_proxmox.c hand
 * over what they read; the rows are merged newest first and cached in the
 * store (one document of its own beside the inventory) so the screens draw
 * at once on the next start.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/app_proxmox.h"
#include "backend/base/clock.h"
#include "backend/base/log.h"
#include "backend/base/str.h"
#include "backend/base/xalloc.h"
#include "backend/config.h"
#include "backend/loop.h"
#include "backend/pmx_recent.h"
#include "backend/proxmox.h"
#include "backend/store.h"

#define RECENT_KEPT 200 /* rows of both products kept for the screen */

static void notify(struct app *app)
{
    if (app->on_change)
        app->on_change(app, APP_CHANGED_PROXMOX, app->on_change_arg);
}

static void cache_key(const struct app_pmx *p, char *out, size_t n)
{
    snprintf(out, n, "proxmox-recent %s %s", p->pve ? p->pve->url : "-",
             p->pbs ? p->pbs->url : "-");
}

static void save(struct app *app)
{
    struct app_pmx *p = app->pmx;
    struct lb_err err = { 0 };
    char key[1100], *doc;

    if (!app->store)
        return;
    cache_key(p, key, sizeof(key));
    doc = pmx_recent_encode(&p->recent, &p->pbs_disks);
    if (doc && store_put_inventory(app->store, key, doc, clock_now(), &err) < 0)
        log_warn("cannot cache the Proxmox task list: %s", err.msg);
    free(doc);
}

void app_pmx_recent_init(struct app *app)
{
    struct app_pmx *p = app->pmx;
    struct lb_err err = { 0 };
    char key[1100], *doc = NULL;
    time_t at = 0;

    vec_init(&p->recent, pmx_recent_free);
    vec_init(&p->pbs_disks, pbs_disk_free);
    vec_init(&p->log.lines, free);
    if (!app->store || (!p->pve && !p->pbs))
        return;
    cache_key(p, key, sizeof(key));
    if (store_get_inventory(app->store, key, &doc, &at, &err) < 0 || !doc)
        return;
    if (pmx_recent_decode(doc, &p->recent, &p->pbs_disks, &err) < 0) {
        log_warn("ignoring the cached Proxmox task list: %s", err.msg);
        vec_clear(&p->recent);
        vec_clear(&p->pbs_disks);
    } else {
        p->recent_known = true;
        p->recent_from_cache = true;
        p->pbs_disks_known = p->pbs != NULL;
        p->pbs_disks_from_cache = true;
    }
    free(doc);
}

/* Keep the other product's rows, take this product's new ones. */
void app_pmx_recent_take(struct app *app, enum pmx_product product, const struct vec *tasks,
                         const char *error)
{
    struct app_pmx *p = app->pmx;
    char *e = p->recent_error[product == PMX_PBS];

    if (!tasks) {
        snprintf(e, sizeof(p->recent_error[0]), "%s", error && *error ? error : "failed");
        str_sanitize(e);
        notify(app);
        return;
    }
    e[0] = '\0';
    for (size_t i = p->recent.len; i-- > 0;) {
        const struct pmx_recent *r = p->recent.items[i];

        if (r->product == product)
            vec_remove(&p->recent, i);
    }
    if (product == PMX_PVE)
        pmx_recent_add_pve(&p->recent, tasks);
    else
        pmx_recent_add_pbs(&p->recent, tasks);
    pmx_recent_sort(&p->recent, RECENT_KEPT);
    p->recent_known = true;
    p->recent_from_cache = false;
    p->recent_at = clock_now();
    save(app);
    notify(app);
}

void app_pmx_disks_take(struct app *app, struct vec *disks, const char *error)
{
    struct app_pmx *p = app->pmx;

    if (!disks) {
        snprintf(p->pbs_disks_error, sizeof(p->pbs_disks_error), "%s",
                 error && *error ? error : "the disk list could not be read");
        str_sanitize(p->pbs_disks_error);
        notify(app);
        return;
    }
    p->pbs_disks_error[0] = '\0';
    vec_clear(&p->pbs_disks);
    for (size_t i = 0; i < disks->len; i++) {
        vec_push(&p->pbs_disks, disks->items[i]);
        disks->items[i] = NULL;
    }
    disks->len = 0;
    p->pbs_disks_known = true;
    p->pbs_disks_from_cache = false;
    save(app);
    notify(app);
}

/* ---- the log viewer ---- */

static void on_log_line(const struct pmx_log_line *line, void *arg)
{
    struct app *app = arg;
    struct pmx_log_view *lv = &app->pmx->log;
    char *s;

    if (lv->lines.len >= PMX_LOG_VIEW_MAX) {
        lv->truncated = true;
        return;
    }
    s = xstrdup(line->t ? line->t : "");
    str_sanitize(s);
    vec_push(&lv->lines, s);
    notify(app);
}

static void on_log_done(int rc, const struct lb_err *err, enum pmx_outcome outcome,
                        const char *exitstatus, void *arg)
{
    struct app *app = arg;
    struct pmx_log_view *lv = &app->pmx->log;

    lv->follow = NULL;
    lv->loading = false;
    lv->outcome = outcome;
    str_copy(lv->exitstatus, sizeof(lv->exitstatus), exitstatus ? exitstatus : "");
    str_sanitize(lv->exitstatus);
    if (rc && rc != -LB_ECANCELLED) {
        snprintf(lv->error, sizeof(lv->error), "the log could not be read: %s",
                 err && err->msg[0] ? err->msg : "failed");
        str_sanitize(lv->error);
    }
    if (rc != -LB_ECANCELLED)
        notify(app);
}

void app_pmx_log_close(struct app *app)
{
    struct pmx_log_view *lv = app->pmx ? &app->pmx->log : NULL;

    if (!lv)
        return;
    if (lv->follow)
        pmx_follow_cancel(lv->follow); /* on_log_done clears it */
    lv->follow = NULL;
    lv->open = false;
    lv->loading = false;
    lv->truncated = false;
    lv->upid[0] = lv->exitstatus[0] = lv->error[0] = '\0';
    vec_clear(&lv->lines);
}

int app_pmx_log_open(struct app *app, const char *upid, struct lb_err *err)
{
    struct app_pmx *p = app->pmx;
    struct pmx_log_view *lv = &p->log;
    struct pmx_follow_opts o = { 0 };
    enum pmx_product product;
    struct pmx_client *c;
    int rc;

    if ((rc = pmx_recent_product(upid, &product, err)) < 0)
        return rc;
    if (product == PMX_PVE ? !p->pve : !p->pbs)
        return lb_err_set(err, LB_ECONFIG, "a %s task, but the config has no [%s] section",
                          pmx_product_name(product), product == PMX_PVE ? "pve" : "pbs");
    app_pmx_log_close(app);
    c = app_pmx_client(app, product, err);
    if (!c)
        return -(int)err->code;
    str_copy(lv->upid, sizeof(lv->upid), upid);
    lv->product = product;
    lv->open = true;
    lv->loading = true;
    lv->outcome = PMX_RUNNING;
    lv->started_ms = loop_now_ms(app->loop);
    o.upid = upid;
    o.on_line = on_log_line;
    o.on_done = on_log_done;
    o.arg = app;
    lv->follow = pmx_follow_start(c, &o, err);
    if (!lv->follow) {
        lv->loading = false;
        snprintf(lv->error, sizeof(lv->error), "the log could not be read: %s", err->msg);
        str_sanitize(lv->error);
        return -(int)err->code;
    }
    notify(app);
    return 0;
}

void app_pmx_recent_cancel(struct app *app)
{
    struct pmx_log_view *lv = app->pmx ? &app->pmx->log : NULL;

    if (lv && lv->follow) {
        pmx_follow_cancel(lv->follow);
        lv->follow = NULL;
        lv->loading = false;
    }
    if (app->pmx)
        app_pbs_smart_close(app);
}

void app_pmx_recent_release(struct app *app)
{
    struct app_pmx *p = app->pmx;

    app_pmx_recent_cancel(app);
    vec_release(&p->recent);
    vec_release(&p->pbs_disks);
    vec_release(&p->log.lines);
}
