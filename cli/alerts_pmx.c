/*
 * The Proxmox records the alert rules read (backend/rules.h struct
 * rules_pmx), fetched for `lifeboat alerts`, `status` and the evaluation
 * after `lifeboat run`: guests, their snapshots, the backup jobs and PVE's
 * not-backed-up list from the first [pve]; the datastore's snapshots, the
 * recent tasks and the usage (with PBS's estimated-full date) from the
 * first [pbs]. Everything goes through the loop with timeouts; a source
 * that fails is left unread (its rules neither fire nor clear) and logged.
 */
#include "cli/alerts_pmx.h"

#include <stdlib.h>
#include <string.h>

#include "backend/base/log.h"
#include "backend/base/xalloc.h"
#include "backend/config.h"
#include "backend/http.h"
#include "backend/loop.h"
#include "backend/pbs.h"
#include "backend/pve.h"

#define SNAP_PARALLEL 8
#define TASKS_READ    500
#define TIMEOUT_MS    (20 * 1000)

struct gather {
    struct cli_pmx *p;
    struct pmx_client *pve, *pbs;
    size_t next_snap;
    int pending;
    bool snaps_failed;
};

static void take_all(struct vec *dst, struct vec *out)
{
    for (size_t i = 0; i < out->len; i++) {
        vec_push(dst, out->items[i]);
        out->items[i] = NULL;
    }
}

static void warn_unread(const char *what, const struct lb_err *err)
{
    log_warn("alert rules: %s not read: %s", what, err && err->msg[0] ? err->msg : "failed");
}

struct snap_req {
    struct gather *g;
    size_t i;
};

static void start_snapshots(struct gather *g);

static void on_snaps(int rc, const struct lb_err *err, struct vec *out, void *arg)
{
    struct snap_req *r = arg;
    struct gather *g = r->g;

    g->pending--;
    if (rc) {
        if (!g->snaps_failed)
            warn_unread("guest snapshots", err);
        g->snaps_failed = true;
    } else if (out->len) {
        g->p->snaps[r->i] = out->items[0];
        out->items[0] = NULL;
    }
    free(r);
    start_snapshots(g);
}

static void start_snapshots(struct gather *g)
{
    struct cli_pmx *p = g->p;
    struct lb_err err = { 0 };

    while (!g->snaps_failed && g->next_snap < p->guests.len && g->pending < SNAP_PARALLEL) {
        struct pve_guest *gu = p->guests.items[g->next_snap];
        struct snap_req *r = xcalloc(1, sizeof(*r));

        r->g = g;
        r->i = g->next_snap++;
        g->pending++;
        if (!pve_get_snapshots(g->pve, gu->node ? gu->node : "localhost", gu->type, gu->vmid,
                               on_snaps, r, &err)) {
            g->pending--;
            free(r);
            warn_unread("guest snapshots", &err);
            g->snaps_failed = true;
        }
    }
}

static void on_guests(int rc, const struct lb_err *err, struct vec *out, void *arg)
{
    struct gather *g = arg;
    struct cli_pmx *p = g->p;

    g->pending--;
    if (rc) {
        warn_unread("guests", err);
        return;
    }
    for (size_t i = 0; i < out->len; i++) {
        struct pve_guest *gu = out->items[i];

        if (gu->is_template)
            continue;
        vec_push(&p->guests, gu);
        out->items[i] = NULL;
    }
    p->snaps = xcalloc(p->guests.len + 1, sizeof(*p->snaps));
    p->in.guests = &p->guests;
    start_snapshots(g);
}

#define LIST_CB(fn, field, what)                                                 \
    static void fn(int rc, const struct lb_err *err, struct vec *out, void *arg) \
    {                                                                            \
        struct gather *g = arg;                                                  \
                                                                                 \
        g->pending--;                                                            \
        if (rc) {                                                                \
            warn_unread(what, err);                                              \
            return;                                                              \
        }                                                                        \
        take_all(&g->p->field, out);                                             \
        g->p->in.field = &g->p->field;                                           \
    }

LIST_CB(on_jobs, jobs, "backup jobs")
LIST_CB(on_unbacked, unbacked, "the not-backed-up list")
LIST_CB(on_backups, backups, "the datastore's snapshots")
LIST_CB(on_tasks, tasks, "the PBS tasks")

static void on_usage(int rc, const struct lb_err *err, struct vec *out, void *arg)
{
    struct gather *g = arg;
    struct cli_pmx *p = g->p;

    g->pending--;
    if (rc) {
        warn_unread("the datastore usage", err);
        return;
    }
    take_all(&p->usage, out);
    for (size_t i = 0; i < p->usage.len; i++) {
        const struct pbs_usage *u = p->usage.items[i];

        if (u->store && p->in.datastore && !strcmp(u->store, p->in.datastore))
            p->in.usage = u;
    }
}

static void started(struct gather *g, struct pmx_call *call, const char *what,
                    const struct lb_err *err)
{
    if (call)
        g->pending++;
    else
        warn_unread(what, err);
}

static struct pmx_client *client(struct loop *loop, struct http *http, enum pmx_product product,
                                 const char *name, const char *url, const char *token_file,
                                 const char *fingerprint)
{
    struct pmx_client_opts o = { .product = product,
                                 .name = name,
                                 .url = url,
                                 .token_file = token_file,
                                 .fingerprint = fingerprint,
                                 .timeout_ms = TIMEOUT_MS };
    struct lb_err err = { 0 };
    struct pmx_client *c = pmx_client_new(loop, http, &o, &err);

    if (!c)
        warn_unread(product == PMX_PVE ? "Proxmox VE" : "Proxmox Backup Server", &err);
    return c;
}

void cli_pmx_init(struct cli_pmx *p)
{
    memset(p, 0, sizeof(*p));
    vec_init(&p->guests, pve_guest_free);
    vec_init(&p->jobs, pve_backup_job_free);
    vec_init(&p->unbacked, pve_unbacked_free);
    vec_init(&p->backups, pbs_snapshot_free);
    vec_init(&p->tasks, pbs_task_free);
    vec_init(&p->usage, pbs_usage_free);
}

bool cli_pmx_gather(struct loop *loop, const struct config *cfg, struct cli_pmx *p)
{
    const struct pve_cfg *pve = cfg->pves.len ? cfg->pves.items[0] : NULL;
    const struct pbs_cfg *pbs = cfg->pbss.len ? cfg->pbss.items[0] : NULL;
    struct gather g = { .p = p };
    struct lb_err err = { 0 };
    struct http *http;

    if (!pve && !pbs)
        return false;
    http = http_new(loop);
    if (pve) {
        p->in.snapshot_max_age = pve->snapshot_max_age;
        g.pve = client(loop, http, PMX_PVE, pve->name, pve->url, pve->token_file, pve->fingerprint);
    }
    if (pbs) {
        p->in.datastore = pbs->datastore;
        g.pbs = client(loop, http, PMX_PBS, pbs->name, pbs->url, pbs->token_file, pbs->fingerprint);
    }
    if (g.pve) {
        started(&g, pve_get_guests(g.pve, on_guests, &g, &err), "guests", &err);
        started(&g, pve_get_backup_jobs(g.pve, on_jobs, &g, &err), "backup jobs", &err);
        started(&g, pve_get_unbacked(g.pve, on_unbacked, &g, &err), "the not-backed-up list", &err);
    }
    if (g.pbs && pbs->datastore) {
        started(&g, pbs_get_snapshots(g.pbs, pbs->datastore, NULL, NULL, on_backups, &g, &err),
                "the datastore's snapshots", &err);
        started(&g, pbs_get_tasks(g.pbs, TASKS_READ, on_tasks, &g, &err), "the PBS tasks", &err);
        started(&g, pbs_get_usage(g.pbs, on_usage, &g, &err), "the datastore usage", &err);
    }
    while (g.pending > 0)
        loop_run_once(loop, 1000);
    /* snapshots count only when every guest's list was read */
    if (p->snaps && !g.snaps_failed)
        p->in.snaps = p->snaps;
    pmx_client_free(g.pve);
    pmx_client_free(g.pbs);
    http_free(http);
    return true;
}

void cli_pmx_release(struct cli_pmx *p)
{
    if (p->snaps) {
        for (size_t i = 0; i < p->guests.len; i++)
            pve_snapshot_list_free(p->snaps[i]);
        free(p->snaps);
    }
    vec_release(&p->guests);
    vec_release(&p->jobs);
    vec_release(&p->unbacked);
    vec_release(&p->backups);
    vec_release(&p->tasks);
    vec_release(&p->usage);
    memset(&p->in, 0, sizeof(p->in));
    p->snaps = NULL;
}
