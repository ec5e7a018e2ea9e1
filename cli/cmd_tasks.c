/*
 * `lifeboat tasks [--json] [--limit N] [--timeout DURATION]`: the recent
 * tasks of Proxmox VE (/cluster/tasks) and PBS (/nodes/localhost/tasks),
 * whoever started them (the 02:00 vzdump, PBS verify / prune / GC jobs, the
 * console's snapshots), merged newest first. Each endpoint is read through
 * the loop with a timeout; one that fails is named on stderr while the other
 * still lists. Exit 0 every listed task OK (or running), 1 one ended with
 * warnings, 2 one failed or an endpoint could not be read, 78 no [pve] and
 * no [pbs].
 *
 * `lifeboat tasks log UPID`: the whole log of a task of either product (the
 * UPID says which), paged through the API to its end (a running task is
 * followed until it ends). Exit as the task ended: 0 OK, 1 warnings, 2 an
 * error (or the log could not be read).
 */
#include "cli/cli.h"
#include "cli/cli_json.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/base/clock.h"
#include "backend/base/str.h"
#include "backend/config.h"
#include "backend/http.h"
#include "backend/loop.h"
#include "backend/pbs.h"
#include "backend/pmx_recent.h"
#include "backend/proxmox.h"
#include "backend/pve.h"

#define LIMIT_DEFAULT 50
#define LIMIT_MAX     5000

struct side {
    const char *what; /* "PVE 'main'" */
    char label[160];
    struct pmx_client *c;
    bool pending;
    int rc;
    struct lb_err err;
    struct vec items; /* struct pmx_task_status * / struct pbs_task * */
};

struct gather {
    struct side pve, pbs;
    int pending;
    bool done;
};

static void on_result(struct gather *g, struct side *s, int rc, const struct lb_err *err,
                      struct vec *out)
{
    s->pending = false;
    if (rc) {
        s->rc = rc;
        if (err)
            s->err = *err;
    } else {
        for (size_t i = 0; i < out->len; i++) {
            vec_push(&s->items, out->items[i]);
            out->items[i] = NULL;
        }
    }
    if (--g->pending == 0)
        g->done = true;
}

static void on_pve(int rc, const struct lb_err *err, struct vec *out, void *arg)
{
    struct gather *g = arg;

    on_result(g, &g->pve, rc, err, out);
}

static void on_pbs(int rc, const struct lb_err *err, struct vec *out, void *arg)
{
    struct gather *g = arg;

    on_result(g, &g->pbs, rc, err, out);
}

static struct pmx_client *client(struct loop *loop, struct http *http, enum pmx_product product,
                                 const char *name, const char *url, const char *token_file,
                                 const char *fingerprint, int64_t timeout, struct lb_err *err)
{
    struct pmx_client_opts o = { .product = product,
                                 .name = name,
                                 .url = url,
                                 .token_file = token_file,
                                 .fingerprint = fingerprint,
                                 .timeout_ms = timeout * 1000 };

    return pmx_client_new(loop, http, &o, err);
}

/* "6m 21s", "running 12s" */
static char *fmt_took(const struct pmx_recent *r, time_t now, char *out, size_t n)
{
    char d[32];

    if (!r->status) {
        str_fmt_duration(now > r->started ? (int64_t)(now - r->started) : 0, d, sizeof(d));
        snprintf(out, n, "running %s", d);
    } else {
        str_fmt_duration(r->ended > r->started ? (int64_t)(r->ended - r->started) : 0, out, n);
    }
    return out;
}

static void print_text(const struct vec *rows, time_t now, bool complete)
{
    size_t i;
    const struct pmx_recent *r;

    if (!rows->len) {
        printf(complete ? "no recent tasks\n" : "no task listed (see the errors below)\n");
        return;
    }
    printf("%-4s %-10s %-18s %-26s %-22s %-16s %-10s %s\n", "PROD", "NODE", "TYPE", "ID", "USER",
           "STARTED", "TOOK", "STATUS  UPID");
    vec_foreach(rows, i, r) {
        char when[32], took[48], status[300];
        enum pmx_outcome o = pmx_recent_outcome(r);

        clock_fmt_local(r->started, when, sizeof(when));
        when[16] = '\0';
        fmt_took(r, now, took, sizeof(took));
        if (o == PMX_ERROR)
            snprintf(status, sizeof(status), "FAILED: %s", pmx_recent_status(r));
        else
            snprintf(status, sizeof(status), "%s", pmx_recent_status(r));
        str_sanitize(status);
        printf("%-4s %-10s %-18s %-26s %-22s %-16s %-10s %s  %s\n",
               r->product == PMX_PBS ? "pbs" : "pve", r->node, r->type, r->id[0] ? r->id : "-",
               r->user, when, took, status, r->upid);
    }
}

static void print_json(const struct vec *rows)
{
    json_t *arr = json_array();
    size_t i;
    const struct pmx_recent *r;
    char *text;

    vec_foreach(rows, i, r) {
        json_t *o = json_object();

        json_object_set_new(o, "product", json_string(r->product == PMX_PBS ? "pbs" : "pve"));
        json_object_set_new(o, "node", json_string(r->node));
        json_object_set_new(o, "type", json_string(r->type));
        json_object_set_new(o, "id", json_string(r->id));
        json_object_set_new(o, "user", json_string(r->user));
        json_object_set_new(o, "started", cli_json_time(r->started));
        json_object_set_new(o, "ended", r->status ? cli_json_time(r->ended) : json_null());
        json_object_set_new(o, "status", json_string(pmx_recent_status(r)));
        json_object_set_new(o, "ok", json_boolean(pmx_recent_outcome(r) == PMX_OK));
        json_object_set_new(o, "upid", json_string(r->upid));
        json_array_append_new(arr, o);
    }
    text = json_dumps(arr, JSON_INDENT(2));
    printf("%s\n", text ? text : "[]");
    free(text);
    json_decref(arr);
}

static int list_tasks(const struct config *cfg, bool json, int64_t limit, int64_t timeout)
{
    const struct pve_cfg *pve = cfg->pves.len ? cfg->pves.items[0] : NULL;
    const struct pbs_cfg *pbs = cfg->pbss.len ? cfg->pbss.items[0] : NULL;
    struct loop *loop = loop_new();
    struct http *http = http_new(loop);
    struct gather g = { 0 };
    struct vec rows = VEC_INIT(pmx_recent_free);
    struct lb_err err = { 0 };
    int rc;

    vec_init(&g.pve.items, pmx_task_status_free);
    vec_init(&g.pbs.items, pbs_task_free);
    if (pve) {
        snprintf(g.pve.label, sizeof(g.pve.label), "PVE '%s'", pve->name);
        g.pve.c = client(loop, http, PMX_PVE, pve->name, pve->url, pve->token_file,
                         pve->fingerprint, timeout, &g.pve.err);
        if (!g.pve.c)
            g.pve.rc = -(int)g.pve.err.code;
        else if (pve_get_cluster_tasks(g.pve.c, on_pve, &g, &err)) {
            g.pve.pending = true;
            g.pending++;
        } else {
            g.pve.rc = -(int)err.code;
            g.pve.err = err;
        }
    }
    if (pbs) {
        snprintf(g.pbs.label, sizeof(g.pbs.label), "PBS '%s'", pbs->name);
        g.pbs.c = client(loop, http, PMX_PBS, pbs->name, pbs->url, pbs->token_file,
                         pbs->fingerprint, timeout, &g.pbs.err);
        if (!g.pbs.c)
            g.pbs.rc = -(int)g.pbs.err.code;
        else if (pbs_get_tasks(g.pbs.c, (int)limit, on_pbs, &g, &err)) {
            g.pbs.pending = true;
            g.pending++;
        } else {
            g.pbs.rc = -(int)err.code;
            g.pbs.err = err;
        }
    }
    if (g.pending)
        pmx_wait(loop, &g.done);

    pmx_recent_add_pve(&rows, &g.pve.items);
    pmx_recent_add_pbs(&rows, &g.pbs.items);
    pmx_recent_sort(&rows, (size_t)limit);
    rc = pmx_recent_exit(&rows);
    if (json)
        print_json(&rows);
    else
        print_text(&rows, clock_now(), !g.pve.rc && !g.pbs.rc);
    if (g.pve.rc) {
        str_sanitize(g.pve.err.msg);
        cli_error("tasks: the PVE task list (GET /cluster/tasks of %s) could not be read: %s",
                  g.pve.label, g.pve.err.msg);
        rc = EXIT_FAIL;
    }
    if (g.pbs.rc) {
        str_sanitize(g.pbs.err.msg);
        cli_error("tasks: the PBS task list (GET /nodes/localhost/tasks of %s) could not be "
                  "read: %s",
                  g.pbs.label, g.pbs.err.msg);
        rc = EXIT_FAIL;
    }
    vec_release(&rows);
    vec_release(&g.pve.items);
    vec_release(&g.pbs.items);
    pmx_client_free(g.pve.c);
    pmx_client_free(g.pbs.c);
    http_free(http);
    loop_free(loop);
    return rc;
}

/* ---- tasks log UPID ---- */

struct log_state {
    bool done;
    int rc;
    struct lb_err err;
    enum pmx_outcome outcome;
    char exitstatus[512];
};

static void on_line(const struct pmx_log_line *line, void *arg)
{
    (void)arg;
    printf("%s\n", line->t ? line->t : "");
}

static void on_log_done(int rc, const struct lb_err *err, enum pmx_outcome outcome,
                        const char *exitstatus, void *arg)
{
    struct log_state *st = arg;

    st->done = true;
    st->rc = rc;
    if (rc && err)
        st->err = *err;
    st->outcome = outcome;
    str_copy(st->exitstatus, sizeof(st->exitstatus), exitstatus ? exitstatus : "");
}

static int task_log(const struct config *cfg, const char *upid, int64_t timeout)
{
    enum pmx_product product;
    struct lb_err err = { 0 };
    struct loop *loop;
    struct http *http;
    struct pmx_client *c = NULL;
    struct pmx_follow *f;
    struct log_state st = { 0 };
    struct pmx_follow_opts o = { 0 };
    const char *label = NULL;
    int rc;

    if (pmx_recent_product(upid, &product, &err) < 0)
        return cli_usage("tasks", "'%s' is not a task id (UPID:NODE:...): %s", upid, err.msg);
    if (product == PMX_PVE && !cfg->pves.len) {
        cli_error("tasks log: a Proxmox VE task, but %s has no [pve NAME] section", cfg->path);
        return EXIT_CONFIG;
    }
    if (product == PMX_PBS && !cfg->pbss.len) {
        cli_error("tasks log: a PBS task, but %s has no [pbs NAME] section", cfg->path);
        return EXIT_CONFIG;
    }
    loop = loop_new();
    http = http_new(loop);
    if (product == PMX_PVE) {
        const struct pve_cfg *p = cfg->pves.items[0];

        label = p->name;
        c = client(loop, http, PMX_PVE, p->name, p->url, p->token_file, p->fingerprint, timeout,
                   &err);
    } else {
        const struct pbs_cfg *p = cfg->pbss.items[0];

        label = p->name;
        c = client(loop, http, PMX_PBS, p->name, p->url, p->token_file, p->fingerprint, timeout,
                   &err);
    }
    o.upid = upid;
    o.on_line = on_line;
    o.on_done = on_log_done;
    o.arg = &st;
    f = c ? pmx_follow_start(c, &o, &err) : NULL;
    if (f)
        pmx_wait(loop, &st.done);
    else
        on_log_done(-(int)err.code, &err, PMX_UNKNOWN, NULL, &st);
    fflush(stdout);
    if (st.rc) {
        str_sanitize(st.err.msg);
        cli_error("tasks log: the log of the task on %s '%s' (GET .../tasks/UPID/log) could not "
                  "be read: %s",
                  pmx_product_name(product), label, st.err.msg);
        rc = EXIT_FAIL;
    } else {
        rc = st.outcome == PMX_OK ? EXIT_OK_ : st.outcome == PMX_WARNINGS ? EXIT_WARN : EXIT_FAIL;
    }
    pmx_client_free(c);
    http_free(http);
    loop_free(loop);
    return rc;
}

int cmd_tasks(struct cli *cli, int argc, char **argv)
{
    bool json = cli->json;
    int64_t limit = LIMIT_DEFAULT, timeout = 20;
    const char *upid = NULL;
    bool log = false;
    struct config *cfg;
    int rc;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) {
            json = true;
        } else if (!strcmp(argv[i], "--limit") && i + 1 < argc) {
            if (str_to_i64(argv[++i], 1, LIMIT_MAX, &limit) < 0)
                return cli_usage("tasks", "--limit wants a number from 1 to %d, not '%s'",
                                 LIMIT_MAX, argv[i]);
        } else if (!strcmp(argv[i], "--timeout") && i + 1 < argc) {
            if (str_to_duration(argv[++i], &timeout) < 0 || timeout < 1)
                return cli_usage("tasks", "--timeout wants a duration like 20s, not '%s'", argv[i]);
        } else if (i == 1 && !strcmp(argv[i], "log")) {
            log = true;
        } else if (log && !upid && argv[i][0] != '-') {
            upid = argv[i];
        } else {
            return cli_usage("tasks", "unknown argument '%s'", argv[i]);
        }
    }
    if (log && !upid)
        return cli_usage("tasks", "tasks log needs the task's UPID (from `lifeboat tasks`)");
    cfg = cli_load_config(cli, true);
    if (!cfg)
        return EXIT_CONFIG;
    if (!cfg->pves.len && !cfg->pbss.len) {
        cli_error("tasks: %s has no [pve NAME] or [pbs NAME] section: add one with url and "
                  "token_file",
                  cfg->path);
        config_free(cfg);
        return EXIT_CONFIG;
    }
    rc = log ? task_log(cfg, upid, timeout) : list_tasks(cfg, json, limit, timeout);
    config_free(cfg);
    return rc;
}
