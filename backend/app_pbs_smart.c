/*
 * One PBS disk's SMART as PBS reports it, for the Disks screen
 * (app_proxmox.h: app_pbs_smart_open): one GET through the loop, never
 * blocking; a hung server costs a spinner until the client's timeout says so.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/app_proxmox.h"
#include "backend/base/str.h"
#include "backend/base/xalloc.h"
#include "backend/loop.h"
#include "backend/pbs_smart.h"
#include "backend/proxmox.h"

struct smart_req {
    struct app *app;
    unsigned gen;
};

static void notify(struct app *app)
{
    if (app->on_change)
        app->on_change(app, APP_CHANGED_PROXMOX, app->on_change_arg);
}

static void on_smart(int rc, const struct lb_err *err, struct vec *out, void *arg)
{
    struct smart_req *rq = arg;
    struct app *app = rq->app;
    struct pbs_smart_view *v = &app->pmx->smart;
    bool current = rq->gen == v->gen;

    free(rq);
    if (!current)
        return; /* closed, or another disk opened since */
    v->call = NULL;
    v->loading = false;
    if (rc == -LB_ECANCELLED)
        return;
    if (rc || !out->len) {
        snprintf(v->error, sizeof(v->error),
                 "GET /nodes/localhost/disks/smart?disk=%s could not be read: %s", v->disk,
                 rc && err && err->msg[0] ? err->msg : "an empty answer");
        str_sanitize(v->error);
    } else {
        v->smart = out->items[0];
        out->items[0] = NULL;
        free(v->smart->disk);
        v->smart->disk = xstrdup(v->disk);
    }
    notify(app);
}

void app_pbs_smart_close(struct app *app)
{
    struct pbs_smart_view *v = &app->pmx->smart;
    void *call = v->call;

    v->gen++; /* a late answer of the old request is dropped */
    v->call = NULL;
    if (call)
        pmx_call_cancel(call);
    v->open = false;
    v->loading = false;
    v->disk[0] = v->error[0] = '\0';
    pbs_smart_free(v->smart);
    v->smart = NULL;
}

int app_pbs_smart_open(struct app *app, const char *disk, struct lb_err *err)
{
    struct app_pmx *p = app->pmx;
    struct pbs_smart_view *v;
    struct smart_req *rq;
    struct pmx_client *c;

    if (!p || !p->pbs)
        return lb_err_set(err, LB_ECONFIG, "the config has no [pbs] section");
    v = &p->smart;
    app_pbs_smart_close(app);
    str_copy(v->disk, sizeof(v->disk), disk);
    str_sanitize(v->disk);
    v->open = true; /* from here on the panel says what went wrong */
    v->started_ms = loop_now_ms(app->loop);
    c = app_pmx_client(app, PMX_PBS, err);
    if (!c) {
        snprintf(v->error, sizeof(v->error), "the SMART data of %s could not be read: %s", v->disk,
                 err->msg);
        str_sanitize(v->error);
        notify(app);
        return -(int)err->code;
    }
    v->loading = true;
    rq = xcalloc(1, sizeof(*rq));
    rq->app = app;
    rq->gen = v->gen;
    v->call = pbs_get_smart(c, disk, false, on_smart, rq, err);
    if (!v->call) {
        free(rq);
        v->loading = false;
        snprintf(v->error, sizeof(v->error), "the SMART data of %s could not be read: %s", v->disk,
                 err->msg);
        str_sanitize(v->error);
        notify(app);
        return -(int)err->code;
    }
    notify(app);
    return 0;
}
