/*
 * lifeboat schedule [--json]: every job with its calendar event, its next
 * runs, how its last run went and how long it took, and the runs that
 * overlap in the coming week (inside the quiet window or not).
 *
 * Sources: lifeboat's own [job]s from the config and their runs from the
 * state database; PVE backup jobs and PBS GC/prune/verify/sync jobs read
 * live from the first [pve] and [pbs] (or, with --cached or when a server
 * cannot be read, as the console last cached them), through
 * schedule_add_pmx().
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/app.h"
#include "backend/app_proxmox.h"
#include "backend/base/clock.h"
#include "backend/base/str.h"
#include "backend/config.h"
#include "backend/loop.h"
#include "backend/schedule.h"
#include "backend/schedule_pmx.h"
#include "backend/store.h"
#include "cli/cli.h"
#include "cli/cli_json.h"

static char *window_text(int from, int to, char *out, size_t n)
{
    if (from < 0 || to < 0)
        snprintf(out, n, "none");
    else
        snprintf(out, n, "%02d:%02d-%02d:%02d", from / 60, from % 60, to / 60, to % 60);
    return out;
}

/* What the Proxmox side of the schedule was read from. */
struct pmx_side {
    const struct app_pmx *p;
    struct sched_pmx_counts counts;
};

static json_t *source_json(const struct pmx_source *src, bool jobs_known)
{
    json_t *o = json_object();

    json_object_set_new(o, "jobs_known", json_boolean(jobs_known));
    json_object_set_new(o, "fetched_at", cli_json_time(src->fetched_at));
    json_object_set_new(o, "from_cache", json_boolean(src->from_cache || src->failed));
    json_object_set_new(o, "error", src->failed ? json_string(src->error.msg) : json_null());
    return o;
}

/* The recurring overlaps: one entry per group (schedule.h), its local span and days. */
static json_t *recurring_json(const struct schedule *s)
{
    static const char *const wdays[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
    json_t *arr = json_array();
    size_t i;
    struct sched_recurring *g;

    vec_foreach(&s->recurring, i, g) {
        json_t *go = json_object(), *names = json_array(), *dates = json_array(),
               *wd = json_array();
        struct sched_job *a = vec_get(&s->jobs, g->a), *b = vec_get(&s->jobs, g->b);
        char t[16];

        json_array_append_new(names, json_string(a->name));
        json_array_append_new(names, json_string(b->name));
        json_object_set_new(go, "jobs", names);
        snprintf(t, sizeof(t), "%02d:%02d", g->from_min / 60, g->from_min % 60);
        json_object_set_new(go, "from", json_string(t));
        snprintf(t, sizeof(t), "%02d:%02d", g->to_min / 60, g->to_min % 60);
        json_object_set_new(go, "to", json_string(t));
        json_object_set_new(go, "every_day", json_boolean(g->ndays >= SCHED_DAYS));
        for (int d = 0; d < SCHED_DAYS; d++) {
            time_t day = schedule_day_start(s->from, d);
            struct tm tm;

            if (!(g->days & (1u << d)))
                continue;
            localtime_r(&day, &tm);
            strftime(t, sizeof(t), "%Y-%m-%d", &tm);
            json_array_append_new(dates, json_string(t));
            json_array_append_new(wd, json_string(wdays[tm.tm_wday % 7]));
        }
        json_object_set_new(go, "dates", dates);
        json_object_set_new(go, "weekdays", wd);
        json_object_set_new(go, "first", cli_json_time(g->first));
        json_object_set_new(go, "first_to", cli_json_time(g->first_to));
        json_object_set_new(go, "count", json_integer((json_int_t)g->count));
        json_object_set_new(go, "in_quiet_window", json_boolean(g->in_quiet));
        json_object_set_new(go, "shared", g->shared[0] ? json_string(g->shared) : json_null());
        json_array_append_new(arr, go);
    }
    return arr;
}

static void print_json(const struct schedule *s, const struct pmx_side *px)
{
    json_t *root = json_object(), *jobs = json_array(), *ovs = json_array();
    char buf[64];
    size_t i;
    struct sched_job *j;
    struct sched_overlap *o;
    char *text;

    json_object_set_new(root, "generated", cli_json_time(s->now));
    json_object_set_new(root, "quiet_window",
                        s->quiet_from >= 0
                            ? json_string(window_text(s->quiet_from, s->quiet_to, buf, sizeof(buf)))
                            : json_null());
    vec_foreach(&s->jobs, i, j) {
        json_t *jo = json_object(), *next = json_array(), *touches = json_array();
        size_t k;
        char *t;

        json_object_set_new(jo, "job", json_string(j->name));
        json_object_set_new(jo, "where", json_string(schedule_where_name(j->where)));
        json_object_set_new(jo, "calendar", json_string(j->calendar));
        json_object_set_new(jo, "error", j->ev ? json_null() : json_string(j->error));
        for (int n = 0; n < j->n_next; n++)
            json_array_append_new(next, cli_json_time(j->next[n]));
        json_object_set_new(jo, "next", next);
        if (j->has_last) {
            json_t *last = json_object();

            json_object_set_new(last, "started", cli_json_time(j->last_started));
            json_object_set_new(last, "ended", cli_json_time(j->last_ended));
            json_object_set_new(last, "result",
                                json_string(store_outcome_text((enum run_outcome)j->last_outcome)));
            json_object_set_new(last, "upid",
                                j->last_upid ? json_string(j->last_upid) : json_null());
            json_object_set_new(last, "duration_seconds",
                                j->last_ended > j->last_started
                                    ? json_integer((json_int_t)(j->last_ended - j->last_started))
                                    : json_null());
            json_object_set_new(jo, "last", last);
        } else {
            json_object_set_new(jo, "last", json_null());
        }
        if (j->where == SCHED_PVE)
            json_object_set_new(
                jo, "last_note",
                json_string(j->has_last ? SCHED_PVE_TASK_NOTE : SCHED_PVE_LAST_NOTE));
        json_object_set_new(jo, "duration_seconds", json_integer((json_int_t)j->duration));
        json_object_set_new(jo, "duration_estimated", json_boolean(j->duration_estimated));
        vec_foreach(&j->touches, k, t)
            json_array_append_new(touches, json_string(t));
        json_object_set_new(jo, "touches", touches);
        json_object_set_new(jo, "outside_quiet_window", json_boolean(j->outside_quiet));
        json_array_append_new(jobs, jo);
    }
    json_object_set_new(root, "jobs", jobs);
    vec_foreach(&s->overlaps, i, o) {
        json_t *oo = json_object(), *names = json_array();
        struct sched_job *a = vec_get(&s->jobs, o->a), *b = vec_get(&s->jobs, o->b);

        json_array_append_new(names, json_string(a->name));
        json_array_append_new(names, json_string(b->name));
        json_object_set_new(oo, "jobs", names);
        json_object_set_new(oo, "from", cli_json_time(o->from));
        json_object_set_new(oo, "to", cli_json_time(o->to));
        json_object_set_new(oo, "in_quiet_window", json_boolean(o->in_quiet));
        json_object_set_new(oo, "shared", o->shared[0] ? json_string(o->shared) : json_null());
        json_array_append_new(ovs, oo);
    }
    json_object_set_new(root, "overlaps", ovs);
    json_object_set_new(root, "overlaps_window_from", cli_json_time(s->from));
    json_object_set_new(root, "overlaps_window_to", cli_json_time(s->to));
    json_object_set_new(root, "recurring", recurring_json(s));
    if (px->p && (px->p->pve || px->p->pbs)) {
        json_t *pm = json_object();

        if (px->p->pve)
            json_object_set_new(pm, "pve", source_json(&px->p->pve_src, px->p->pve_jobs_known));
        if (px->p->pbs) {
            json_t *po = source_json(&px->p->pbs_src, px->p->pbs_jobs_known);

            if (px->p->pbs_jobs_error[0])
                json_object_set_new(po, "jobs_error", json_string(px->p->pbs_jobs_error));
            json_object_set_new(pm, "pbs", po);
        }
        json_object_set_new(
            pm, "left_out",
            json_integer((json_int_t)(px->counts.pve_disabled + px->counts.pbs_disabled)));
        json_object_set_new(root, "proxmox", pm);
    }
    text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (text)
        puts(text);
    free(text);
    json_decref(root);
}

/* "Sun 04:30" within a week, else "2026-12-01 04:30". */
static char *when_text(time_t t, time_t now, char *out, size_t n)
{
    struct tm tm;

    localtime_r(&t, &tm);
    strftime(out, n, t - now < 6 * 86400 && t >= now ? "%a %H:%M" : "%Y-%m-%d %H:%M", &tm);
    return out;
}

static void print_source(const char *what, const struct pmx_source *src, bool known,
                         const char *jobs_error)
{
    char a[64], msg[320];

    if (src->failed) {
        str_copy(msg, sizeof(msg), src->error.msg);
        str_sanitize(msg);
        printf("%s could not be read (%s); ", what, msg);
        if (known && src->fetched_at)
            printf("its jobs as cached %s ago\n",
                   str_fmt_age((int64_t)(clock_now() - src->fetched_at), a, sizeof(a)));
        else
            printf("its jobs are not known\n");
    } else if (!known) {
        printf("%s jobs not read yet\n", what);
    } else if (src->from_cache && src->fetched_at) {
        printf("%s jobs as cached %s ago\n", what,
               str_fmt_age((int64_t)(clock_now() - src->fetched_at), a, sizeof(a)));
    }
    if (jobs_error && *jobs_error) {
        str_copy(msg, sizeof(msg), jobs_error);
        str_sanitize(msg);
        printf("%s: some job lists could not be read: %s\n", what, msg);
    }
}

static void print_table(const struct schedule *s, const struct pmx_side *px)
{
    char a[64], b[64], c[64], line[512];
    size_t i;
    struct sched_job *j;
    struct sched_recurring *g;
    int nw = 3, cw = 8;

    vec_foreach(&s->jobs, i, j) {
        if ((int)strlen(j->name) > nw)
            nw = (int)strlen(j->name) > 24 ? 24 : (int)strlen(j->name);
        if ((int)strlen(j->calendar) > cw)
            cw = (int)strlen(j->calendar) > 28 ? 28 : (int)strlen(j->calendar);
    }
    printf("%-*s  %-8s  %-*s  %-16s  %-24s  %s\n", nw, "job", "where", cw, "calendar", "next",
           "last", "took");
    vec_foreach(&s->jobs, i, j) {
        char name[64], cal[256];

        str_copy(name, sizeof(name), j->name);
        str_sanitize(name);
        str_copy(cal, sizeof(cal), j->calendar);
        str_sanitize(cal);
        if (!j->ev)
            snprintf(a, sizeof(a), "never (bad calendar)");
        else if (j->n_next)
            when_text(j->next[0], s->now, a, sizeof(a));
        else
            snprintf(a, sizeof(a), "never");
        if (!j->has_last && j->where == SCHED_PVE) {
            snprintf(b, sizeof(b), "not known (PVE)");
            snprintf(c, sizeof(c), "-");
        } else if (!j->has_last) {
            snprintf(b, sizeof(b), "never ran");
            snprintf(c, sizeof(c), "-");
        } else if (j->last_outcome == RUN_RUNNING) {
            snprintf(b, sizeof(b), "running for %s",
                     str_fmt_age((int64_t)(s->now - j->last_started), c, sizeof(c)));
            snprintf(c, sizeof(c), "-");
        } else {
            char ago[32];

            snprintf(b, sizeof(b), "%s %s ago",
                     store_outcome_text((enum run_outcome)j->last_outcome),
                     str_fmt_age((int64_t)(s->now - j->last_started), ago, sizeof(ago)));
            if (j->last_ended > j->last_started)
                str_fmt_duration((int64_t)(j->last_ended - j->last_started), c, sizeof(c));
            else
                snprintf(c, sizeof(c), "-");
        }
        printf("%-*.*s  %-8s  %-*.*s  %-16s  %-24s  %s\n", nw, nw, name,
               schedule_where_name(j->where), cw, cw, cal, a, b, c);
        if (!j->ev) {
            str_copy(line, sizeof(line), j->error);
            str_sanitize(line);
            printf("%*s  %s\n", nw, "", line);
        } else if (j->n_next > 1) {
            size_t used = 0;

            line[0] = '\0';
            for (int n = 1; n < j->n_next; n++) {
                int w = snprintf(line + used, sizeof(line) - used, "%s%s", n > 1 ? ", " : "",
                                 when_text(j->next[n], s->now, a, sizeof(a)));

                if (w > 0 && (size_t)w < sizeof(line) - used)
                    used += (size_t)w;
            }
            printf("%*s  then %s\n", nw, "", line);
        }
    }
    if (px->counts.pve > px->counts.pve_matched)
        printf("(PVE) %s\n", SCHED_PVE_LAST_NOTE);
    if (px->counts.pve_matched)
        printf("(PVE) %s\n", SCHED_PVE_TASK_NOTE);
    if (px->p && px->p->pve)
        print_source("PVE", &px->p->pve_src, px->p->pve_jobs_known, NULL);
    if (px->p && px->p->pbs)
        print_source("PBS", &px->p->pbs_src, px->p->pbs_jobs_known, px->p->pbs_jobs_error);
    if (px->counts.pve_disabled + px->counts.pbs_disabled)
        printf("left out: %zu disabled or unscheduled Proxmox job%s\n",
               px->counts.pve_disabled + px->counts.pbs_disabled,
               px->counts.pve_disabled + px->counts.pbs_disabled == 1 ? "" : "s");
    printf("\nquiet window: %s\n", window_text(s->quiet_from, s->quiet_to, a, sizeof(a)));
    vec_foreach(&s->jobs, i, j) {
        if (j->outside_quiet) {
            str_copy(line, sizeof(line), j->name);
            str_sanitize(line);
            printf("  %s runs outside the quiet window\n", line);
        }
    }
    if (!s->overlaps.len) {
        printf("no runs overlap in the next %d days", SCHED_DAYS);
        printf(" (run lengths: the longest of the last runs, else %s assumed)\n",
               str_fmt_duration(SCHED_DEFAULT_DURATION, a, sizeof(a)));
        return;
    }
    printf("overlaps in the next %d days:\n", SCHED_DAYS);
    /* one line for each overlap that recurs: "every day", "Sat, Sun", "Sun 2026-11-29" */
    vec_foreach(&s->recurring, i, g) {
        struct sched_job *ja = vec_get(&s->jobs, g->a), *jb = vec_get(&s->jobs, g->b);
        char na[64], nb[64];

        schedule_recurring_days(s, g, true, a, sizeof(a));
        str_copy(na, sizeof(na), ja->name);
        str_sanitize(na);
        str_copy(nb, sizeof(nb), jb->name);
        str_sanitize(nb);
        str_copy(c, sizeof(c), g->shared);
        str_sanitize(c);
        printf("  %s %02d:%02d-%02d:%02d  %s and %s%s%s%s%s\n", a, g->from_min / 60,
               g->from_min % 60, g->to_min / 60, g->to_min % 60, na, nb,
               g->in_quiet ? "" : " (outside the quiet window)", g->shared[0] ? ", both use " : "",
               c, g->shared[0] ? ": the second waits for the first's lock" : "");
    }
    if (s->overlaps_total > s->recurring_seen)
        printf("  ... and %zu more\n", s->overlaps_total - s->recurring_seen);
}

int cmd_schedule(struct cli *cli, int argc, char **argv)
{
    bool json = cli->json, cached = false;
    struct config *cfg;
    struct schedule s;
    struct loop *loop;
    struct app *app;
    struct pmx_side px = { 0 };

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json"))
            json = true;
        else if (!strcmp(argv[i], "--cached"))
            cached = true;
        else
            return cli_usage("schedule", "unknown argument '%s'", argv[i]);
    }
    cfg = cli_load_config(cli, true);
    if (!cfg)
        return EXIT_CONFIG;
    loop = loop_new();
    app = app_new(loop, cfg, NULL); /* owns cfg from here */
    schedule_init(&s, cfg->console.quiet_from, cfg->console.quiet_to);
    schedule_add_config(&s, cfg);
    if (app->pmx && (app->pmx->pve || app->pmx->pbs)) {
        if (!cached) {
            app_pmx_refresh(app);
            while (app_pmx_refreshing(app))
                loop_run_once(loop, 1000);
        }
        px.p = app->pmx;
        schedule_add_pmx(&s, app->pmx->pve_jobs_known ? &app->pmx->pve_jobs : NULL,
                         app->pmx->pbs_jobs_known ? &app->pmx->pbs_jobs : NULL,
                         app->pmx->recent_known ? &app->pmx->recent : NULL, &px.counts);
    }
    if (app->store)
        schedule_add_runs(&s, app->store);
    else
        cli_error("schedule: no run history (no state database); showing the calendar only");
    schedule_compute(&s, clock_now());
    if (json)
        print_json(&s, &px);
    else
        print_table(&s, &px);
    schedule_release(&s);
    app_free(app);
    loop_free(loop);
    return 0;
}
