/*
 * `lifeboat alerts [--json]`: refresh, evaluate the rules, notify, list the
 * open alerts. `lifeboat alerts test [CHANNEL]`: a test message through each
 * channel, saying which worked. `lifeboat alerts ack ID [NOTE]`. The hidden
 * `lifeboat __notify` is the desktop notification helper (backend/alert.h).
 */
#include "cli/cli.h"
#include "cli/cli_json.h"
#include "cli/alerts_pmx.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/alert.h"
#include "backend/app.h"
#include "backend/base/buf.h"
#include "backend/base/clock.h"
#include "backend/base/log.h"
#include "backend/base/str.h"
#include "backend/base/xalloc.h"
#include "backend/config.h"
#include "backend/http.h"
#include "backend/loop.h"
#include "backend/store.h"

json_t *cli_alert_json(const struct store_alert *a)
{
    json_t *o = json_object();

    json_object_set_new(o, "id", json_integer(a->id));
    json_object_set_new(o, "rule", json_string(a->rule));
    json_object_set_new(o, "severity", json_string(a->severity >= 2 ? "crit" : "warn"));
    json_object_set_new(o, "subject", json_string(a->subject));
    json_object_set_new(o, "message", json_string(a->message));
    json_object_set_new(o, "since", cli_json_time(a->fired_at));
    json_object_set_new(o, "state", json_string(alert_state_name(a)));
    json_object_set_new(o, "last_seen", cli_json_time(a->last_seen));
    json_object_set_new(o, "notified_at", cli_json_time(a->notified_at));
    json_object_set_new(o, "notifications", json_integer(a->notify_count));
    json_object_set_new(o, "acknowledged_at", cli_json_time(a->acked_at));
    json_object_set_new(o, "ack_note", a->ack_note ? json_string(a->ack_note) : json_null());
    return o;
}

int cli_alerts_evaluate(struct loop *loop, struct app *app, time_t now, bool quiet)
{
    struct vec notices = VEC_INIT(alert_notice_free);
    struct vec results = VEC_INIT(free);
    struct lb_err err = { 0 };
    struct http *http;
    struct alert_result *r;
    struct cli_pmx pmx;
    bool have_pmx;
    size_t i;
    int rc;

    /* the Proxmox rules read their records here (the engine's model has repos and disks) */
    cli_pmx_init(&pmx);
    have_pmx = cli_pmx_gather(loop, app->cfg, &pmx);
    rc = alert_evaluate_with(app, now, have_pmx ? &pmx.in : NULL, &notices, &err);
    cli_pmx_release(&pmx);
    if (rc < 0) {
        log_warn("%s", err.msg);
        if (!quiet)
            cli_error("%s", err.msg);
        vec_release(&notices);
        return rc;
    }
    if (notices.len) {
        http = http_new(loop);
        alert_send_sync(loop, http, app->cfg, &notices, NULL, &results);
        http_free(http);
        vec_foreach(&results, i, r) {
            if (!r->ok && strcmp(r->channel, "desktop") && !quiet)
                cli_error("alert channel %s: %s", r->channel, r->message);
        }
    }
    vec_release(&results);
    vec_release(&notices);
    return 0;
}

static int alerts_list(struct cli *cli, bool json)
{
    struct config *cfg = cli_load_config(cli, true);
    struct loop *loop;
    struct app *app;
    struct vec open = VEC_INIT(store_alert_free);
    struct lb_err err = { 0 };
    struct store_alert *a;
    time_t now;
    size_t i;
    int rc = EXIT_OK_;

    if (!cfg)
        return EXIT_CONFIG;
    loop = loop_new();
    app = app_new(loop, cfg, NULL);
    if (!app->store) {
        cli_error("%s", app->message);
        rc = EXIT_FAIL;
        goto out;
    }
    app_refresh(app);
    while (app->busy)
        loop_run_once(loop, 1000);
    now = clock_now();
    cli_alerts_evaluate(loop, app, now, false);
    if (store_alerts_list(app->store, 0, &open, &err) < 0) {
        cli_error("%s", err.msg);
        rc = EXIT_FAIL;
        goto out;
    }
    vec_foreach(&open, i, a) {
        int c = a->severity >= 2 ? EXIT_FAIL : EXIT_WARN;

        if (!a->clear_count && c > rc) /* one that stopped holding is only kept open */
            rc = c;
    }
    if (json) {
        json_t *root = json_object(), *arr = json_array();
        char buf[40], *text;

        json_object_set_new(root, "generated",
                            json_string(clock_fmt_rfc3339(now, buf, sizeof(buf))));
        vec_foreach(&open, i, a)
            json_array_append_new(arr, cli_alert_json(a));
        json_object_set_new(root, "alerts", arr);
        text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (text)
            puts(text);
        free(text);
        json_decref(root);
    } else if (!open.len) {
        printf("no open alert\n");
    } else {
        vec_foreach(&open, i, a) {
            char since[40], age[32];

            clock_fmt_local(a->fired_at, since, sizeof(since));
            since[16] = '\0';
            str_fmt_age((int64_t)(now - a->fired_at), age, sizeof(age));
            printf("#%lld %s %s %s  since %s (%s), %s\n    %s\n", (long long)a->id,
                   a->severity >= 2 ? "CRIT" : "WARN", a->rule, a->subject, since, age,
                   alert_state_name(a), a->message);
            if (a->acked_at)
                printf("    acknowledged: %s\n", a->ack_note ? a->ack_note : "(no note)");
        }
    }
out:
    vec_release(&open);
    app_free(app);
    loop_free(loop);
    return rc;
}

static int alerts_test(struct cli *cli, const char *only)
{
    struct config *cfg = cli_load_config(cli, true);
    struct loop *loop;
    struct http *http;
    struct vec notices = VEC_INIT(alert_notice_free);
    struct vec results = VEC_INIT(free);
    struct alert_notice *n;
    struct alert_result *r;
    struct lb_err err = { 0 };
    size_t i;
    int rc = EXIT_OK_, tried = 0;
    bool hc;

    if (!cfg)
        return EXIT_CONFIG;
    if (only && !strcmp(only, "smtp"))
        only = "email";
    loop = loop_new();
    http = http_new(loop);
    n = xcalloc(1, sizeof(*n));
    n->event = ALERT_EV_FIRED;
    n->rule = xstrdup("test");
    n->subject = xstrdup("lifeboat");
    n->severity = 1;
    n->message = xstrdup("a test message from 'lifeboat alerts test': this channel works");
    n->since = clock_now();
    vec_push(&notices, n);
    alert_send_sync(loop, http, cfg, &notices, only, &results);
    vec_foreach(&results, i, r) {
        printf("%-12s %s  %s\n", r->channel, r->ok ? "ok    " : "FAILED", r->message);
        tried++;
        if (!r->ok)
            rc = EXIT_FAIL;
    }
    /* healthchecks: a log-only ping, which leaves each check's state alone */
    hc = false;
    for (i = 0; i < cfg->alerts.channels.len; i++)
        hc |= !strcmp(cfg->alerts.channels.items[i], "healthchecks");
    if (hc && (!only || !strcmp(only, "healthchecks"))) {
        struct job_cfg *jc;

        vec_foreach(&cfg->jobs, i, jc) {
            int prc = alert_hc_ping(loop, http, cfg, jc->name, "log",
                                    "lifeboat alerts test: this check works", &err);

            if (prc == 0)
                continue;
            tried++;
            printf("%-12s %s  job %s: %s\n", "healthchecks", prc > 0 ? "ok    " : "FAILED",
                   jc->name, prc > 0 ? "pinged (log only)" : err.msg);
            if (prc < 0)
                rc = EXIT_FAIL;
        }
    }
    if (!tried) {
        if (only)
            cli_error("channel '%s' is not configured ([alerts] channels and its url)", only);
        else
            cli_error("no alert channel to test: set [alerts] channels (desktop ntfy gotify "
                      "webhook healthchecks email) and their urls in %s",
                      cfg->path);
        rc = EXIT_WARN;
    }
    vec_release(&results);
    vec_release(&notices);
    http_free(http);
    loop_free(loop);
    config_free(cfg);
    return rc;
}

static int alerts_ack(struct cli *cli, int argc, char **argv)
{
    struct config *cfg;
    struct store *st;
    struct lb_err err = { 0 };
    struct buf note = BUF_INIT(1000);
    int64_t id;
    int rc = EXIT_OK_;

    if (argc < 3 || str_to_i64(argv[2][0] == '#' ? argv[2] + 1 : argv[2], 1, INT64_MAX, &id))
        return cli_usage("alerts", "ack needs an alert number (lifeboat alerts ack ID [NOTE])");
    if (!(cfg = cli_load_config(cli, true)))
        return EXIT_CONFIG;
    for (int i = 3; i < argc; i++)
        buf_printf(&note, "%s%s", i > 3 ? " " : "", argv[i]);
    st = store_open(NULL, &err);
    if (!st) {
        cli_error("%s", err.msg);
        rc = EXIT_FAIL;
    } else if (store_alert_ack(st, id, buf_cstr(&note), clock_now(), &err) < 0) {
        cli_error("%s", err.msg);
        rc = EXIT_FAIL;
    } else {
        printf("alert #%lld acknowledged: no more reminders until it resolves or gets worse\n",
               (long long)id);
    }
    store_close(st);
    buf_release(&note);
    config_free(cfg);
    return rc;
}

int cmd_alerts(struct cli *cli, int argc, char **argv)
{
    bool json = cli->json;

    if (argc >= 2 && !strcmp(argv[1], "test")) {
        if (argc > 3)
            return cli_usage("alerts", "test takes at most one CHANNEL");
        return alerts_test(cli, argc == 3 ? argv[2] : NULL);
    }
    if (argc >= 2 && !strcmp(argv[1], "ack"))
        return alerts_ack(cli, argc, argv);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json"))
            json = true;
        else
            return cli_usage("alerts", "unknown argument '%s'", argv[i]);
    }
    return alerts_list(cli, json);
}

int cmd_notify_helper(struct cli *cli, int argc, char **argv)
{
    (void)cli;
    (void)argc;
    (void)argv;
    return alert_desktop_helper();
}

/* ---- the hooks of `lifeboat run` ---- */

#define HC_BODY_MAX 10000

/* What went on in a run, for a healthchecks /fail body: steps, messages, the log tails. */
static char *run_log_tail(struct store *st, int64_t run_id)
{
    struct store_run *run = NULL;
    struct vec steps = VEC_INIT(store_step_free);
    struct buf b = BUF_INIT(0);
    struct store_step *s;
    size_t i;
    char *out;

    if (!st || run_id <= 0 || store_run_get(st, run_id, &run, &steps, NULL) < 0) {
        vec_release(&steps);
        return NULL;
    }
    buf_printf(&b, "lifeboat run #%lld of job %s: %s\n", (long long)run->id, run->job,
               store_outcome_text(run->outcome));
    if (run->summary)
        buf_printf(&b, "%s\n", run->summary);
    vec_foreach(&steps, i, s) {
        buf_printf(&b, "\n== %s%s%s: %s%s%s\n", s->kind, s->target ? " " : "",
                   s->target ? s->target : "", store_outcome_text(s->outcome),
                   s->message ? ": " : "", s->message ? s->message : "");
        if (s->log_excerpt && s->outcome != RUN_OK)
            buf_printf(&b, "%s\n", s->log_excerpt);
    }
    store_run_free(run);
    vec_release(&steps);
    if (b.len > HC_BODY_MAX) /* the end says most */
        buf_consume(&b, b.len - HC_BODY_MAX);
    out = buf_detach(&b);
    return out;
}

struct http *cli_alerts_run_start(struct loop *loop, const struct config *cfg, const char *job)
{
    struct http *http = http_new(loop);

    if (alert_hc_ping_start(http, cfg, job, "start", NULL) <= 0) {
        http_free(http);
        return NULL;
    }
    return http;
}

void cli_alerts_after_run(const char *cfg_path, const char *job, int64_t run_id, int outcome_exit)
{
    struct vec problems = VEC_INIT(config_problem_free);
    struct lb_err err = { 0 };
    struct config *cfg = config_load(cfg_path, true, &problems, &err);
    struct loop *loop;
    struct http *http;
    struct app *app;
    char *tail;

    vec_release(&problems);
    if (!cfg) {
        log_warn("alerts after the run of '%s' skipped: %s", job, err.msg);
        return;
    }
    loop = loop_new();
    app = app_new(loop, cfg, NULL);
    http = http_new(loop);
    tail = outcome_exit == EXIT_OK_ ? NULL : run_log_tail(app->store, run_id);
    if (alert_hc_ping(loop, http, app->cfg, job, outcome_exit == EXIT_OK_ ? "success" : "fail",
                      tail, &err) < 0)
        cli_error("%s", err.msg);
    free(tail);
    http_free(http);
    app_refresh(app);
    while (app->busy)
        loop_run_once(loop, 1000);
    cli_alerts_evaluate(loop, app, clock_now(), false);
    /* [alerts] metrics_file: the textfile collector sees every run at once */
    if (app->cfg->alerts.metrics_file)
        cli_metrics_write(app, clock_now(), app->cfg->alerts.metrics_file);
    app_free(app);
    loop_free(loop);
}
