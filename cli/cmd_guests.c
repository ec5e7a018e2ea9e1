/*
 * `lifeboat guests [--json] [--timeout DURATION]`: the Proxmox guests lifeboat
 * sees (templates left out), each with its snapshots (count, newest, oldest,
 * stale against snapshot_max_age), its newest PBS backup and that backup's
 * verify state, and the backup job that covers it (or none).
 *
 * Everything is fetched at once through the loop; a server that hangs ends
 * in a timeout error, never a hang. Exit 0, or 2 with one clear message when
 * an endpoint fails (78 without a [pve] section).
 */
#include "cli/cli.h"
#include "cli/cli_json.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/base/clock.h"
#include "backend/base/str.h"
#include "backend/base/xalloc.h"
#include "backend/config.h"
#include "backend/http.h"
#include "backend/loop.h"
#include "backend/pbs.h"
#include "backend/pve.h"

#define SNAP_PARALLEL 8

struct gather {
    struct loop *loop;
    const struct pve_cfg *pve_cfg;
    const struct pbs_cfg *pbs_cfg;
    struct pmx_client *pve, *pbs;
    struct vec guests;                /* struct pve_guest *, templates dropped */
    struct vec jobs;                  /* struct pve_backup_job * */
    struct vec unbacked;              /* struct pve_unbacked * */
    struct vec backups;               /* struct pbs_snapshot * */
    struct pve_snapshot_list **snaps; /* per guest */
    size_t next_snap;
    int pending;
    int rc;
    struct lb_err err;
};

static void fail(struct gather *g, int rc, const struct lb_err *err)
{
    if (g->rc)
        return;
    g->rc = rc;
    if (err)
        g->err = *err;
}

/* Move every record out of a result into dst (the call frees what is left: nothing). */
static void take_all(struct vec *dst, struct vec *out)
{
    for (size_t i = 0; i < out->len; i++) {
        vec_push(dst, out->items[i]);
        out->items[i] = NULL;
    }
}

static void start_snapshots(struct gather *g);

static void on_snaps(int rc, const struct lb_err *err, struct vec *out, void *arg);

struct snap_req {
    struct gather *g;
    size_t i;
};

static void on_snaps(int rc, const struct lb_err *err, struct vec *out, void *arg)
{
    struct snap_req *r = arg;
    struct gather *g = r->g;

    g->pending--;
    if (rc)
        fail(g, rc, err);
    else if (out->len) {
        g->snaps[r->i] = out->items[0];
        out->items[0] = NULL;
    }
    free(r);
    start_snapshots(g);
}

static void start_snapshots(struct gather *g)
{
    struct lb_err err;

    while (!g->rc && g->next_snap < g->guests.len && g->pending < SNAP_PARALLEL) {
        struct pve_guest *gu = g->guests.items[g->next_snap];
        struct snap_req *r = xcalloc(1, sizeof(*r));

        r->g = g;
        r->i = g->next_snap++;
        g->pending++;
        if (!pve_get_snapshots(g->pve, gu->node ? gu->node : "localhost", gu->type, gu->vmid,
                               on_snaps, r, &err)) {
            g->pending--;
            free(r);
            fail(g, -(int)err.code, &err);
        }
    }
}

static void on_guests(int rc, const struct lb_err *err, struct vec *out, void *arg)
{
    struct gather *g = arg;

    g->pending--;
    if (rc) {
        fail(g, rc, err);
        return;
    }
    for (size_t i = 0; i < out->len; i++) {
        struct pve_guest *gu = out->items[i];

        if (gu->is_template)
            continue;
        vec_push(&g->guests, gu);
        out->items[i] = NULL;
    }
    g->snaps = xcalloc(g->guests.len + 1, sizeof(*g->snaps));
    start_snapshots(g);
}

static void on_list(int rc, const struct lb_err *err, struct vec *out, void *arg, struct vec *dst)
{
    struct gather *g = arg;

    g->pending--;
    if (rc)
        fail(g, rc, err);
    else
        take_all(dst, out);
}

static void on_jobs(int rc, const struct lb_err *err, struct vec *out, void *arg)
{
    on_list(rc, err, out, arg, &((struct gather *)arg)->jobs);
}

static void on_unbacked(int rc, const struct lb_err *err, struct vec *out, void *arg)
{
    on_list(rc, err, out, arg, &((struct gather *)arg)->unbacked);
}

static void on_backups(int rc, const struct lb_err *err, struct vec *out, void *arg)
{
    on_list(rc, err, out, arg, &((struct gather *)arg)->backups);
}

static void started(struct gather *g, struct pmx_call *call, const struct lb_err *err)
{
    if (call)
        g->pending++;
    else
        fail(g, -(int)err->code, err);
}

/* ---- what a guest shows ---- */

struct row {
    const struct pve_guest *g;
    int snap_count;
    time_t newest, oldest;
    bool stale;
    const struct pbs_snapshot *last; /* newest PBS backup */
    const char *job;                 /* covering job id, NULL */
};

static const char *job_for(const struct gather *g, const struct pve_guest *gu)
{
    const struct pve_backup_job *best = NULL;

    for (size_t i = 0; i < g->unbacked.len; i++)
        if (((struct pve_unbacked *)g->unbacked.items[i])->vmid == gu->vmid)
            return NULL; /* PVE says no job selects it */
    for (size_t i = 0; i < g->jobs.len; i++) {
        const struct pve_backup_job *j = g->jobs.items[i];

        if (!pve_job_selects(j, gu->vmid, gu->pool))
            continue;
        if (!best || (j->enabled && !best->enabled))
            best = j;
    }
    return best ? best->id : NULL;
}

static void row_fill(const struct gather *g, size_t i, time_t now, struct row *r)
{
    const struct pve_guest *gu = g->guests.items[i];
    const struct pve_snapshot_list *l = g->snaps[i];
    const char *btype = strcmp(gu->type, "qemu") ? "ct" : "vm";
    char id[16];

    memset(r, 0, sizeof(*r));
    r->g = gu;
    for (size_t k = 0; l && k < l->snaps.len; k++) {
        const struct pve_snapshot *s = l->snaps.items[k];

        r->snap_count++;
        if (!s->snaptime)
            continue;
        if (!r->newest || s->snaptime > r->newest)
            r->newest = s->snaptime;
        if (!r->oldest || s->snaptime < r->oldest)
            r->oldest = s->snaptime;
    }
    r->stale = r->oldest && now - r->oldest > g->pve_cfg->snapshot_max_age;
    snprintf(id, sizeof(id), "%d", gu->vmid);
    for (size_t k = 0; k < g->backups.len; k++) {
        const struct pbs_snapshot *s = g->backups.items[k];

        if (strcmp(s->type, btype) || strcmp(s->id, id) || !s->complete)
            continue;
        if (!r->last || s->time > r->last->time)
            r->last = s;
    }
    r->job = job_for(g, gu);
}

static void print_json(const struct gather *g, time_t now)
{
    json_t *arr = json_array();
    char *s;

    for (size_t i = 0; i < g->guests.len; i++) {
        struct row r;
        json_t *o = json_object(), *sn = json_object(), *lb;

        row_fill(g, i, now, &r);
        json_object_set_new(o, "vmid", json_integer(r.g->vmid));
        json_object_set_new(o, "name", json_string(r.g->name));
        json_object_set_new(o, "type", json_string(r.g->type));
        json_object_set_new(o, "node", r.g->node ? json_string(r.g->node) : json_null());
        json_object_set_new(o, "status", json_string(r.g->status));
        json_object_set_new(sn, "count", json_integer(r.snap_count));
        json_object_set_new(sn, "newest", cli_json_time(r.newest));
        json_object_set_new(sn, "oldest", cli_json_time(r.oldest));
        json_object_set_new(sn, "stale", json_boolean(r.stale));
        json_object_set_new(o, "snapshots", sn);
        if (r.last) {
            lb = json_object();
            json_object_set_new(lb, "time", cli_json_time(r.last->time));
            json_object_set_new(lb, "verify",
                                json_string(r.last->verify[0] ? r.last->verify : "none"));
            json_object_set_new(o, "last_backup", lb);
        } else {
            json_object_set_new(o, "last_backup", json_null());
        }
        json_object_set_new(o, "backup_job", r.job ? json_string(r.job) : json_null());
        json_array_append_new(arr, o);
    }
    s = json_dumps(arr, JSON_INDENT(2));
    puts(s);
    free(s);
    json_decref(arr);
}

static const char *age(time_t t, time_t now, char *buf, size_t n)
{
    if (!t)
        return "-";
    return str_fmt_age((int64_t)(now - t), buf, n);
}

static void print_text(const struct gather *g, time_t now)
{
    char a[32], b[32], c[32], name[17];

    printf("%-6s %-16s %-4s %-8s %-8s %5s %-7s %-8s %-8s %-7s %s\n", "VMID", "NAME", "TYPE", "NODE",
           "STATUS", "SNAPS", "NEWEST", "OLDEST", "BACKUP", "VERIFY", "JOB");
    for (size_t i = 0; i < g->guests.len; i++) {
        struct row r;
        char oldest[40];

        row_fill(g, i, now, &r);
        str_copy(name, sizeof(name), r.g->name);
        snprintf(oldest, sizeof(oldest), "%s%s", age(r.oldest, now, b, sizeof(b)),
                 r.stale ? "!" : "");
        printf("%-6d %-16s %-4s %-8s %-8s %5d %-7s %-8s %-8s %-7s %s\n", r.g->vmid, name, r.g->type,
               r.g->node ? r.g->node : "-", r.g->status, r.snap_count,
               age(r.newest, now, a, sizeof(a)), oldest,
               r.last ? age(r.last->time, now, c, sizeof(c)) : "never",
               r.last ? (r.last->verify[0] ? r.last->verify : "none") : "-",
               r.job ? r.job : "NONE");
    }
    if (g->guests.len)
        printf("(ages; '!' = a snapshot older than snapshot_max_age %s; JOB NONE = no backup "
               "job covers the guest)\n",
               str_fmt_age(g->pve_cfg->snapshot_max_age, a, sizeof(a)));
}

static int snaps_free_all(struct gather *g)
{
    for (size_t i = 0; g->snaps && i < g->guests.len; i++)
        pve_snapshot_list_free(g->snaps[i]);
    free(g->snaps);
    return 0;
}

int cmd_guests(struct cli *cli, int argc, char **argv)
{
    bool json = cli->json;
    int64_t timeout = 20;
    struct config *cfg;
    struct gather g;
    struct http *http = NULL;
    struct lb_err err;
    int rc = EXIT_OK_;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) {
            json = true;
        } else if (!strcmp(argv[i], "--timeout") && i + 1 < argc) {
            if (str_to_duration(argv[++i], &timeout) < 0 || timeout < 1)
                return cli_usage("guests", "--timeout wants a duration like 20s, not '%s'",
                                 argv[i]);
        } else {
            return cli_usage("guests", "unknown argument '%s'", argv[i]);
        }
    }
    cfg = cli_load_config(cli, true);
    if (!cfg)
        return EXIT_CONFIG;
    memset(&g, 0, sizeof(g));
    vec_init(&g.guests, pve_guest_free);
    vec_init(&g.jobs, pve_backup_job_free);
    vec_init(&g.unbacked, pve_unbacked_free);
    vec_init(&g.backups, pbs_snapshot_free);
    if (!cfg->pves.len) {
        cli_error("guests: %s has no [pve NAME] section: add one with url and token_file",
                  cfg->path);
        config_free(cfg);
        return EXIT_CONFIG;
    }
    g.pve_cfg = cfg->pves.items[0];
    g.pbs_cfg = cfg->pbss.len ? cfg->pbss.items[0] : NULL;
    g.loop = loop_new();
    http = http_new(g.loop);
    {
        struct pmx_client_opts o = { .product = PMX_PVE,
                                     .name = g.pve_cfg->name,
                                     .url = g.pve_cfg->url,
                                     .token_file = g.pve_cfg->token_file,
                                     .fingerprint = g.pve_cfg->fingerprint,
                                     .timeout_ms = timeout * 1000 };

        g.pve = pmx_client_new(g.loop, http, &o, &err);
        if (!g.pve)
            fail(&g, -(int)err.code, &err);
    }
    if (g.pbs_cfg && !g.rc) {
        struct pmx_client_opts o = { .product = PMX_PBS,
                                     .name = g.pbs_cfg->name,
                                     .url = g.pbs_cfg->url,
                                     .token_file = g.pbs_cfg->token_file,
                                     .fingerprint = g.pbs_cfg->fingerprint,
                                     .timeout_ms = timeout * 1000 };

        g.pbs = pmx_client_new(g.loop, http, &o, &err);
        if (!g.pbs)
            fail(&g, -(int)err.code, &err);
    }
    if (!g.rc) {
        started(&g, pve_get_guests(g.pve, on_guests, &g, &err), &err);
        started(&g, pve_get_backup_jobs(g.pve, on_jobs, &g, &err), &err);
        started(&g, pve_get_unbacked(g.pve, on_unbacked, &g, &err), &err);
        if (g.pbs)
            started(
                &g,
                pbs_get_snapshots(g.pbs, g.pbs_cfg->datastore, NULL, NULL, on_backups, &g, &err),
                &err);
    }
    while (g.pending > 0)
        loop_run_once(g.loop, 1000);

    if (g.rc) {
        cli_error("guests: %s", g.err.msg);
        rc = EXIT_FAIL;
    } else if (json) {
        print_json(&g, clock_now());
    } else {
        print_text(&g, clock_now());
    }
    snaps_free_all(&g);
    pmx_client_free(g.pve);
    pmx_client_free(g.pbs);
    http_free(http);
    loop_free(g.loop);
    vec_release(&g.guests);
    vec_release(&g.jobs);
    vec_release(&g.unbacked);
    vec_release(&g.backups);
    config_free(cfg);
    return rc;
}
