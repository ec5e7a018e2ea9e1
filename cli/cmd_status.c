/* `lifeboat status [--json]`: every copy against its RPO; exit 0 ok, 1 warning, 2 critical. */
#include "cli/cli.h"
#include "cli/cli_json.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/alert.h"
#include "backend/app.h"
#include "backend/app_proxmox.h"
#include "backend/base/clock.h"
#include "backend/base/str.h"
#include "backend/base/xalloc.h"
#include "backend/config.h"
#include "backend/loop.h"
#include "backend/store.h"

#define MAX_PROBLEMS 64

static const char *health_name(enum health h)
{
    switch (h) {
    case HEALTH_OK:
        return "ok";
    case HEALTH_WARN:
        return "warn";
    case HEALTH_CRIT:
        return "crit";
    case HEALTH_UNKNOWN:
        break;
    }
    return "unknown";
}

static const char *state_name(enum repo_state s)
{
    switch (s) {
    case REPO_OK:
        return "ok";
    case REPO_ERROR:
        return "error";
    case REPO_UNKNOWN:
        break;
    }
    return "unknown";
}

static const char *tier_name(enum repo_tier t)
{
    return t == TIER_OFFSITE ? "offsite" : "local";
}

static json_t *age_or_null(time_t t, time_t now)
{
    return t ? json_integer((json_int_t)(now - t)) : json_null();
}

static json_t *source_json(const struct pmx_source *src, const char *name)
{
    json_t *o = json_object();

    json_object_set_new(o, "name", json_string(name));
    json_object_set_new(o, "state", json_string(src->failed ? "error"
                                                : src->fetched_at ? "ok"
                                                                  : "unknown"));
    json_object_set_new(o, "fetched_at", cli_json_time(src->fetched_at));
    json_object_set_new(o, "from_cache", json_boolean(src->from_cache));
    json_object_set_new(o, "error", src->failed ? json_string(src->error.msg) : json_null());
    return o;
}

/* Additive keys for the Proxmox tiers: "proxmox" (endpoints, datastore) and "guests". */
static void pmx_json(const struct app *app, json_t *root, time_t now)
{
    const struct app_pmx *p = app->pmx;
    json_t *px, *guests;
    size_t i;
    struct pmx_guest *g;
    char buf[40];

    if (!p || (!p->pve && !p->pbs))
        return;
    px = json_object();
    json_object_set_new(px, "pve", p->pve ? source_json(&p->pve_src, p->pve->name) : json_null());
    json_object_set_new(px, "pbs", p->pbs ? source_json(&p->pbs_src, p->pbs->name) : json_null());
    if (p->pbs) {
        json_t *ds = json_object();

        json_object_set_new(ds, "name", json_string(p->ds.name ? p->ds.name : ""));
        json_object_set_new(ds, "total_bytes",
                            p->ds.known ? json_integer((json_int_t)p->ds.total) : json_null());
        json_object_set_new(ds, "used_bytes",
                            p->ds.known ? json_integer((json_int_t)p->ds.used) : json_null());
        json_object_set_new(ds, "estimated_full",
                            p->ds.known && p->ds.has_estimate && p->ds.estimated_full > now
                                ? json_string(clock_fmt_rfc3339(p->ds.estimated_full, buf,
                                                                sizeof(buf)))
                                : json_null());
        json_object_set_new(ds, "health",
                            json_string(health_name(pmx_datastore_health(&p->ds, now))));
        json_object_set_new(px, "datastore", ds);
    }
    json_object_set_new(px, "snapshot_max_age_seconds", json_integer(p->snapshot_max_age));
    json_object_set_new(px, "rpo_seconds", json_integer(p->rpo));
    json_object_set_new(root, "proxmox", px);
    guests = json_array();
    vec_foreach(&p->guests, i, g)
    {
        json_t *o = json_object(), *rb = json_object(), *pb = json_object();

        json_object_set_new(o, "vmid", json_integer(g->vmid));
        json_object_set_new(o, "name", json_string(g->name));
        json_object_set_new(o, "type", json_string(g->type));
        json_object_set_new(rb, "snapshots", json_integer(g->snap_count));
        json_object_set_new(rb, "newest", cli_json_time(g->snap_newest));
        json_object_set_new(rb, "age_seconds", age_or_null(g->snap_newest, now));
        json_object_set_new(rb, "oldest", cli_json_time(g->snap_oldest));
        json_object_set_new(rb, "stale", json_integer(g->stale_count));
        json_object_set_new(rb, "health",
                            json_string(health_name(pmx_rollback_health(p, g, now))));
        json_object_set_new(o, "rollback", rb);
        json_object_set_new(pb, "newest", cli_json_time(g->backup_newest));
        json_object_set_new(pb, "age_seconds", age_or_null(g->backup_newest, now));
        json_object_set_new(pb, "backups", json_integer(g->backup_count));
        json_object_set_new(pb, "verify", json_string(g->verify[0] ? g->verify : "none"));
        json_object_set_new(pb, "health", json_string(health_name(pmx_pbs_health(p, g, now))));
        json_object_set_new(o, "pbs", pb);
        json_object_set_new(o, "backup_job", g->job ? json_string(g->job) : json_null());
        json_array_append_new(guests, o);
    }
    json_object_set_new(root, "guests", guests);
}

static int print_json(const struct app *app, time_t now, const struct app_problem *probs,
                      size_t nprobs, const struct vec *open)
{
    json_t *root = json_object();
    json_t *repos = json_array();
    json_t *alerts = json_array();
    char buf[40];
    size_t i;
    struct repo_view *rv;
    char *text;

    json_object_set_new(root, "generated", json_string(clock_fmt_rfc3339(now, buf, sizeof(buf))));
    json_object_set_new(root, "overall", json_string(health_name(app_overall_health(app, now))));
    vec_foreach(&app->repos, i, rv)
    {
        json_t *r = json_object();

        json_object_set_new(r, "name", json_string(rv->cfg->name));
        json_object_set_new(r, "tier", json_string(tier_name(rv->cfg->tier)));
        json_object_set_new(r, "state", json_string(state_name(rv->state)));
        json_object_set_new(r, "health", json_string(health_name(app_repo_health(rv, now))));
        json_object_set_new(r, "newest", cli_json_time(rv->newest));
        json_object_set_new(r, "oldest", cli_json_time(rv->oldest));
        json_object_set_new(r, "age_seconds",
                            rv->newest ? json_integer((json_int_t)(now - rv->newest)) : json_null());
        json_object_set_new(r, "rpo_seconds", json_integer(rv->rpo));
        json_object_set_new(r, "snapshots", json_integer(rv->snapshot_count));
        json_object_set_new(r, "size_bytes",
                            rv->size_known ? json_integer((json_int_t)rv->size_bytes) : json_null());
        json_object_set_new(r, "locks", json_integer(rv->lock_count));
        json_object_set_new(r, "fetched_at", cli_json_time(rv->fetched_at));
        json_object_set_new(r, "from_cache", json_boolean(rv->from_cache));
        json_object_set_new(r, "error",
                            rv->state == REPO_ERROR ? json_string(rv->error.msg) : json_null());
        json_array_append_new(repos, r);
    }
    json_object_set_new(root, "repos", repos);
    pmx_json(app, root, now);
    for (i = 0; i < nprobs; i++) {
        json_t *a = json_object();

        json_object_set_new(a, "severity", json_string(health_name(probs[i].severity)));
        json_object_set_new(a, "subject", json_string(probs[i].subject));
        json_object_set_new(a, "message", json_string(probs[i].text));
        json_array_append_new(alerts, a);
    }
    json_object_set_new(root, "alerts", alerts);
    /* the stored alerts (lifeboat alerts --json): state, since, acknowledgement */
    {
        json_t *oa = json_array();
        struct store_alert *sa;

        vec_foreach(open, i, sa)
            json_array_append_new(oa, cli_alert_json(sa));
        json_object_set_new(root, "open_alerts", oa);
    }
    text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (text)
        puts(text);
    free(text);
    json_decref(root);
    return 0;
}

/* The Proxmox copies: rollback (snapshot) age and PBS age per guest. */
static void print_guests(const struct app *app, time_t now)
{
    const struct app_pmx *p = app->pmx;
    size_t i;
    struct pmx_guest *g;
    char label[96], rb[32], pb[32], a[32];

    if (!p || (!p->pve && !p->pbs))
        return;
    printf("\n%-24s %-14s %-14s %-8s %s\n", "guest", "rollback", "PBS", "verify", "job");
    if (!p->guests.len)
        printf("%s\n", p->pve_src.failed ? "(no guest known: PVE could not be read)"
                                           : "(no guest known yet)");
    vec_foreach(&p->guests, i, g)
    {
        enum health rh = pmx_rollback_health(p, g, now), ph = pmx_pbs_health(p, g, now);

        pmx_guest_label(g, label, sizeof(label));
        label[24] = '\0';
        if (g->snap_newest)
            snprintf(rb, sizeof(rb), "%s %s", str_fmt_age((int64_t)(now - g->snap_newest), a,
                                                          sizeof(a)),
                     rh == HEALTH_WARN ? "stale" : "ok");
        else
            snprintf(rb, sizeof(rb), "-");
        if (g->backup_newest)
            snprintf(pb, sizeof(pb), "%s %s",
                     str_fmt_age((int64_t)(now - g->backup_newest), a, sizeof(a)), health_name(ph));
        else
            snprintf(pb, sizeof(pb), "%s", p->pbs && g->pbs_known ? "none" : "?");
        printf("%-24s %-14s %-14s %-8s %s\n", label, rb, pb, g->verify[0] ? g->verify : "-",
               g->job ? g->job : (g->jobs_known ? "NONE" : "?"));
    }
    if (p->ds.known && p->ds.total) {
        char used[32], total[32];

        pmx_fmt_full(&p->ds, now, a, sizeof(a));
        printf("PBS datastore %s: %s of %s (%.0f%%)%s%s\n", p->ds.name ? p->ds.name : "?",
               str_fmt_bytes(p->ds.used, used, sizeof(used)),
               str_fmt_bytes(p->ds.total, total, sizeof(total)),
               100.0 * (double)p->ds.used / (double)p->ds.total, a[0] ? ", full " : "", a);
    }
}

static void print_table(const struct app *app, time_t now, const struct app_problem *probs,
                        size_t nprobs, size_t total, const struct vec *open)
{
    char when[40], age[32], rpo[32], size[32];
    size_t i;
    struct repo_view *rv;
    int nwarn = 0, ncrit = 0;
    enum health overall = app_overall_health(app, now);

    printf("lifeboat status at %s\n\n", clock_fmt_local(now, when, sizeof(when)));
    printf("%-14s %-8s %-17s %6s %5s %9s %9s  %s\n", "repo", "tier", "newest", "age", "RPO",
           "snapshots", "size", "health");
    vec_foreach(&app->repos, i, rv)
    {
        enum health h = app_repo_health(rv, now);
        char name[15];

        str_copy(name, sizeof(name), rv->cfg->name);
        if (rv->newest) {
            clock_fmt_local(rv->newest, when, sizeof(when));
            when[16] = '\0'; /* minutes are enough here */
            str_fmt_age((int64_t)(now - rv->newest), age, sizeof(age));
        } else {
            str_copy(when, sizeof(when), rv->fetched_at ? "none" : "?");
            str_copy(age, sizeof(age), "-");
        }
        str_fmt_age(rv->rpo, rpo, sizeof(rpo));
        if (rv->size_known)
            str_fmt_bytes(rv->size_bytes, size, sizeof(size));
        else
            str_copy(size, sizeof(size), "?");
        printf("%-14s %-8s %-17s %6s %5s %9d %9s  %s%s\n", name, tier_name(rv->cfg->tier), when,
               age, rpo, rv->snapshot_count, size, health_name(h),
               rv->state == REPO_ERROR && rv->fetched_at ? " (cached figures)" : "");
    }
    print_guests(app, now);
    for (i = 0; i < nprobs; i++) {
        if (probs[i].severity == HEALTH_CRIT)
            ncrit++;
        else
            nwarn++;
    }
    if (nprobs)
        printf("\n");
    for (i = 0; i < nprobs; i++)
        printf("%s %s: %s\n", probs[i].severity == HEALTH_CRIT ? "CRIT" : "WARN",
               probs[i].subject, probs[i].text);
    if (total > nprobs)
        printf("... and %zu more\n", total - nprobs);
    printf("\noverall: %s (%d warning%s, %d critical)\n", health_name(overall), nwarn,
           nwarn == 1 ? "" : "s", ncrit);
    if (open->len) {
        struct store_alert *sa;

        printf("\nopen alerts (lifeboat alerts):\n");
        vec_foreach(open, i, sa)
            printf("  #%lld %s %s %s: %s%s\n", (long long)sa->id, sa->severity >= 2 ? "CRIT" : "WARN",
                   sa->rule, sa->subject, alert_state_name(sa), sa->ack_note ? " (acknowledged)" : "");
    }
}

int cmd_status(struct cli *cli, int argc, char **argv)
{
    bool json = cli->json;
    struct config *cfg;
    struct loop *loop;
    struct app *app;
    struct app_problem *probs;
    size_t total, nprobs;
    enum health overall;
    time_t now;
    int rc;
    struct vec open = VEC_INIT(store_alert_free);

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json"))
            json = true;
        else
            return cli_usage("status", "unknown argument '%s'", argv[i]);
    }
    cfg = cli_load_config(cli, true);
    if (!cfg)
        return EXIT_CONFIG;
    loop = loop_new();
    app = app_new(loop, cfg, NULL);
    app_refresh(app);
    while (app->busy || app_pmx_refreshing(app))
        loop_run_once(loop, 1000);
    now = clock_now();
    /* the rules and notifications run after every refresh; open alerts count in the exit code */
    if (app->store) {
        cli_alerts_evaluate(loop, app, now, true);
        store_alerts_list(app->store, 0, &open, NULL);
    }
    probs = xcalloc(MAX_PROBLEMS, sizeof(*probs));
    total = app_problems(app, now, probs, MAX_PROBLEMS);
    nprobs = total < MAX_PROBLEMS ? total : MAX_PROBLEMS;
    if (json)
        print_json(app, now, probs, nprobs, &open);
    else
        print_table(app, now, probs, nprobs, total, &open);
    overall = app_overall_health(app, now);
    for (size_t k = 0; k < open.len; k++) {
        const struct store_alert *sa = open.items[k];
        enum health h = sa->severity >= 2 ? HEALTH_CRIT : HEALTH_WARN;

        /* one that no longer holds (kept open until it stays clear) says nothing about now */
        if (!sa->clear_count && h > overall)
            overall = h;
    }
    rc = overall == HEALTH_OK ? EXIT_OK_ : overall == HEALTH_WARN ? EXIT_WARN : EXIT_FAIL;
    free(probs);
    vec_release(&open);
    app_free(app);
    loop_free(loop);
    return rc;
}
