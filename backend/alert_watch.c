/*
 * The console's alerts: the stored list, evaluation after each refresh,
 * notices sent in the background, acknowledgements.
 */
#include "backend/alert_watch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/alert.h"
#include "backend/app.h"
#include "backend/app_proxmox.h"
#include "backend/base/log.h"
#include "backend/base/str.h"
#include "backend/base/xalloc.h"
#include "backend/http.h"
#include "backend/loop.h"
#include "backend/rules.h"
#include "backend/store.h"

/* How long freeing the watch waits for a cancelled send to wind down. */
#define FREE_TURNS   40
#define FREE_TURN_MS 50

/* The send's callback argument: outlives the watch if the send does. */
struct watch_token {
    struct alert_watch *w; /* NULL once the watch is gone */
};

int alert_watch_cmp(const void *pa, const void *pb)
{
    const struct store_alert *a = *(const struct store_alert *const *)pa;
    const struct store_alert *b = *(const struct store_alert *const *)pb;

    if (!a->acked_at != !b->acked_at)
        return a->acked_at ? 1 : -1;
    if (a->severity != b->severity)
        return b->severity - a->severity;
    if (a->fired_at != b->fired_at)
        return a->fired_at < b->fired_at ? -1 : 1;
    return a->id < b->id ? -1 : a->id > b->id;
}

int alert_watch_load(struct alert_watch *w, struct lb_err *err)
{
    struct vec fresh = VEC_INIT(store_alert_free);
    int rc;

    if (!w->app->store) {
        snprintf(w->error, sizeof(w->error), "alerts are not kept: the state database is not open");
        return lb_err_set(err, LB_EIO, "%s", w->error);
    }
    if ((rc = store_alerts_list(w->app->store, 0, &fresh, err)) < 0) {
        snprintf(w->error, sizeof(w->error), "cannot read the alerts: %s", err->msg);
        str_sanitize(w->error);
        vec_release(&fresh);
        return rc;
    }
    if (fresh.len > 1)
        qsort(fresh.items, fresh.len, sizeof(fresh.items[0]), alert_watch_cmp);
    vec_release(&w->alerts);
    w->alerts = fresh;
    w->loaded = true;
    return 0;
}

struct alert_watch *alert_watch_new(struct app *app)
{
    struct alert_watch *w = xcalloc(1, sizeof(*w));
    struct lb_err err = { 0 };

    w->app = app;
    vec_init(&w->alerts, store_alert_free);
    if (app->store)
        alert_watch_load(w, &err);
    return w;
}

static void on_sent(const struct vec *results, void *arg)
{
    struct watch_token *t = arg;
    struct alert_watch *w = t->w;
    struct alert_result *r;
    size_t i;

    free(t);
    if (!w)
        return;
    w->send = NULL;
    w->token = NULL;
    vec_foreach(results, i, r) {
        /* without a session bus desktop notifications are off: alert.c logs that once */
        if (!r->ok && strcmp(r->channel, "desktop")) {
            snprintf(w->error, sizeof(w->error), "alert channel %s: %s", r->channel, r->message);
            str_sanitize(w->error);
        }
    }
}

/* When the app's Proxmox rounds last read each endpoint (0: never, or no Proxmox). */
static void pmx_stamps(const struct app *app, time_t *pve, time_t *pbs)
{
    const struct app_pmx *p = app->pmx;

    *pve = p && !p->pve_src.from_cache ? p->pve_src.fetched_at : 0;
    *pbs = p && !p->pbs_src.from_cache ? p->pbs_src.fetched_at : 0;
}

int alert_watch_evaluate(struct alert_watch *w, time_t now, struct lb_err *err)
{
    struct vec notices = VEC_INIT(alert_notice_free);
    struct rules_pmx pmx;
    bool have_pmx;
    int rc;

    w->evaluated_at = now;
    w->refresh_seen = w->app->last_refresh;
    pmx_stamps(w->app, &w->pve_seen, &w->pbs_seen);
    /* the Proxmox rules over what the app's rounds read (unread sources neither fire nor clear) */
    have_pmx = app_pmx_rules_input(w->app, &pmx);
    if ((rc = alert_evaluate_with(w->app, now, have_pmx ? &pmx : NULL, &notices, err)) < 0) {
        snprintf(w->error, sizeof(w->error), "%s", err->msg);
        str_sanitize(w->error);
        log_warn("console: %s", err->msg);
        vec_release(&notices);
        return rc;
    }
    w->error[0] = '\0';
    if (notices.len && w->app->loop && w->app->cfg && !w->send) {
        if (!w->http)
            w->http = http_new(w->app->loop);
        w->token = xcalloc(1, sizeof(*w->token));
        w->token->w = w;
        w->sent += (int)notices.len;
        w->send =
            alert_send_start(w->app->loop, w->http, w->app->cfg, &notices, NULL, on_sent, w->token);
    } else if (notices.len && w->send) {
        /* the previous send still runs (a slow channel): these wait for the next change */
        log_warn("console: %zu alert notices not sent: the previous ones are still being sent",
                 notices.len);
    }
    vec_release(&notices);
    return alert_watch_load(w, err);
}

static bool reading(const struct app *app)
{
    size_t i;
    struct repo_view *rv;
    struct disk_view *dv;

    vec_foreach(&app->repos, i, rv) {
        if (rv->refreshing)
            return true;
    }
    vec_foreach(&app->disks, i, dv) {
        if (dv->refreshing)
            return true;
    }
    return false;
}

bool alert_watch_poll(struct alert_watch *w, time_t now)
{
    struct lb_err err = { 0 };
    time_t pve, pbs;

    if (!w->app->store || !w->app->last_refresh || reading(w->app))
        return false;
    pmx_stamps(w->app, &pve, &pbs);
    if (w->app->last_refresh == w->refresh_seen && pve == w->pve_seen && pbs == w->pbs_seen)
        return false;
    alert_watch_evaluate(w, now, &err);
    return true;
}

int alert_watch_ack(struct alert_watch *w, int64_t id, const char *note, time_t now,
                    struct lb_err *err)
{
    char clean[512];
    int rc;

    if (!w->app->store)
        return lb_err_set(err, LB_EIO,
                          "cannot acknowledge: the state database is not open (see the log)");
    str_copy(clean, sizeof(clean), note ? note : "");
    str_sanitize(clean);
    if ((rc = store_alert_ack(w->app->store, id, clean[0] ? clean : NULL, now, err)) < 0)
        return rc;
    return alert_watch_load(w, err);
}

void alert_watch_counts(const struct alert_watch *w, int *warn, int *crit, int *acked)
{
    const struct store_alert *a;
    size_t i;

    *warn = *crit = *acked = 0;
    vec_foreach(&w->alerts, i, a) {
        if (a->acked_at)
            (*acked)++;
        else if (a->severity >= 2)
            (*crit)++;
        else
            (*warn)++;
    }
}

void alert_watch_free(struct alert_watch *w)
{
    if (!w)
        return;
    if (w->send) {
        alert_send_cancel(w->send);
        for (int i = 0; i < FREE_TURNS && w->send; i++)
            loop_run_once(w->app->loop, FREE_TURN_MS);
        if (w->token)
            w->token->w = NULL; /* still running: its callback finds no watch */
    }
    if (w->http)
        http_free(w->http);
    vec_release(&w->alerts);
    free(w);
}
