/*
 * `lifeboat metrics [--out FILE]`: Prometheus text exposition (version
 * 0.0.4) for node_exporter's textfile collector. Every name starts with
 * lifeboat_. With --out the text goes to FILE.tmp.PID first and is renamed
 * over FILE, so the collector never reads half a file.
 */
#include "cli/cli.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/app.h"
#include "backend/base/buf.h"
#include "backend/base/clock.h"
#include "backend/base/xalloc.h"
#include "backend/config.h"
#include "backend/loop.h"
#include "backend/smart.h"
#include "backend/store.h"

/* A label value: backslash, double quote and newline escaped. */
static void put_label(struct buf *b, const char *v)
{
    for (; v && *v; v++) {
        if (*v == '\\' || *v == '"')
            buf_printf(b, "\\%c", *v);
        else if (*v == '\n')
            buf_puts(b, "\\n");
        else
            buf_append(b, v, 1);
    }
}

static void head(struct buf *b, const char *name, const char *type, const char *help)
{
    buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name{k1="v1"[,k2="v2"]} value */
static void sample(struct buf *b, const char *name, const char *k1, const char *v1, const char *k2,
                   const char *v2, double value)
{
    buf_puts(b, name);
    if (k1) {
        buf_printf(b, "{%s=\"", k1);
        put_label(b, v1);
        buf_puts(b, "\"");
        if (k2) {
            buf_printf(b, ",%s=\"", k2);
            put_label(b, v2);
            buf_puts(b, "\"");
        }
        buf_puts(b, "}");
    }
    buf_printf(b, " %.17g\n", value);
}

/* Sum of data_added over the backup steps of a run. */
static double run_data_added(struct store *st, int64_t run_id, bool *known)
{
    struct store_run *run = NULL;
    struct vec steps = VEC_INIT(store_step_free);
    struct store_step *s;
    double sum = 0;
    size_t i;

    *known = false;
    if (store_run_get(st, run_id, &run, &steps, NULL) == 0) {
        vec_foreach(&steps, i, s) {
            json_t *f, *v;

            if (strcmp(s->kind, "backup") || !s->figures_json)
                continue;
            f = json_loads(s->figures_json, 0, NULL);
            v = f ? json_object_get(f, "data_added") : NULL;
            if (json_is_integer(v)) {
                sum += (double)json_integer_value(v);
                *known = true;
            }
            json_decref(f);
        }
    }
    store_run_free(run);
    vec_release(&steps);
    return sum;
}

static void jobs_metrics(struct buf *b, const struct app *app)
{
    static const char *const outcomes[] = { "ok", "warning", "failed", "interrupted", "cancelled" };
    struct buf last_ok = BUF_INIT(0), last = BUF_INIT(0), dur = BUF_INIT(0), out = BUF_INIT(0),
               added = BUF_INIT(0);
    struct job_cfg *jc;
    size_t i, k;

    vec_foreach(&app->cfg->jobs, i, jc) {
        struct vec runs = VEC_INIT(store_run_free);
        struct store_run *r, *fin = NULL, *ok = NULL;

        if (app->store)
            store_runs_recent(app->store, jc->name, 200, &runs, NULL);
        vec_foreach(&runs, k, r) {
            if (r->outcome == RUN_RUNNING)
                continue;
            if (!fin)
                fin = r;
            if (!ok && r->outcome == RUN_OK)
                ok = r;
        }
        if (ok)
            sample(&last_ok, "lifeboat_job_last_success_timestamp_seconds", "job", jc->name, NULL,
                   NULL, (double)ok->ended);
        if (fin) {
            bool known;
            double d;

            sample(&last, "lifeboat_job_last_run_timestamp_seconds", "job", jc->name, NULL, NULL,
                   (double)fin->started);
            sample(&dur, "lifeboat_job_last_run_duration_seconds", "job", jc->name, NULL, NULL,
                   (double)(fin->ended - fin->started));
            for (k = 0; k < sizeof(outcomes) / sizeof(outcomes[0]); k++)
                sample(&out, "lifeboat_job_last_run_outcome", "job", jc->name, "outcome",
                       outcomes[k], !strcmp(store_outcome_text(fin->outcome), outcomes[k]));
            d = run_data_added(app->store, fin->id, &known);
            if (known)
                sample(&added, "lifeboat_job_last_run_data_added_bytes", "job", jc->name, NULL,
                       NULL, d);
        }
        vec_release(&runs);
    }
    head(b, "lifeboat_job_last_success_timestamp_seconds", "gauge",
         "end of the last run of the job that ended ok (unix time)");
    buf_puts(b, buf_cstr(&last_ok));
    head(b, "lifeboat_job_last_run_timestamp_seconds", "gauge",
         "start of the last finished run of the job (unix time)");
    buf_puts(b, buf_cstr(&last));
    head(b, "lifeboat_job_last_run_duration_seconds", "gauge", "duration of the last finished run");
    buf_puts(b, buf_cstr(&dur));
    head(b, "lifeboat_job_last_run_outcome", "gauge",
         "1 for the outcome of the last finished run, 0 for the others");
    buf_puts(b, buf_cstr(&out));
    head(b, "lifeboat_job_last_run_data_added_bytes", "gauge",
         "bytes the backups of the last run added to their repos");
    buf_puts(b, buf_cstr(&added));
    buf_release(&last_ok);
    buf_release(&last);
    buf_release(&dur);
    buf_release(&out);
    buf_release(&added);
}

static void repo_metrics(struct buf *b, const struct app *app, time_t now)
{
    struct repo_view *rv;
    size_t i;

#define EACH_REPO for (i = 0; i < app->repos.len && ((rv = app->repos.items[i]), 1); i++)
#define TIER(rv)  ((rv)->cfg->tier == TIER_OFFSITE ? "offsite" : "local")
    head(b, "lifeboat_repo_up", "gauge", "1 when the last refresh of the repo read it");
    EACH_REPO sample(b, "lifeboat_repo_up", "repo", rv->cfg->name, "tier", TIER(rv),
                     rv->state == REPO_OK);
    head(b, "lifeboat_repo_newest_snapshot_age_seconds", "gauge",
         "age of the newest restore point of the repo");
    EACH_REPO if (rv->newest) sample(b, "lifeboat_repo_newest_snapshot_age_seconds", "repo",
                                     rv->cfg->name, "tier", TIER(rv), (double)(now - rv->newest));
    head(b, "lifeboat_repo_newest_snapshot_timestamp_seconds", "gauge",
         "time of the newest restore point of the repo (unix time)");
    EACH_REPO if (rv->newest) sample(b, "lifeboat_repo_newest_snapshot_timestamp_seconds", "repo",
                                     rv->cfg->name, "tier", TIER(rv), (double)rv->newest);
    head(b, "lifeboat_repo_rpo_seconds", "gauge", "recovery point objective of the repo");
    EACH_REPO sample(b, "lifeboat_repo_rpo_seconds", "repo", rv->cfg->name, "tier", TIER(rv),
                     (double)rv->rpo);
    head(b, "lifeboat_repo_snapshots", "gauge", "snapshots in the repo");
    EACH_REPO if (rv->fetched_at) sample(b, "lifeboat_repo_snapshots", "repo", rv->cfg->name,
                                         "tier", TIER(rv), rv->snapshot_count);
    head(b, "lifeboat_repo_size_bytes", "gauge", "restore size of the repo (restic stats)");
    EACH_REPO if (rv->size_known) sample(b, "lifeboat_repo_size_bytes", "repo", rv->cfg->name,
                                         "tier", TIER(rv), (double)rv->size_bytes);
    head(b, "lifeboat_repo_locks", "gauge", "locks in the repo");
    EACH_REPO if (rv->fetched_at)
        sample(b, "lifeboat_repo_locks", "repo", rv->cfg->name, "tier", TIER(rv), rv->lock_count);
    head(b, "lifeboat_repo_monthly_cost", "gauge",
         "price_per_gib_month x size of the repo (the config's currency)");
    EACH_REPO if (rv->size_known && rv->cfg->price_per_gib_month)
        sample(b, "lifeboat_repo_monthly_cost", "repo", rv->cfg->name, "tier", TIER(rv),
               (double)rv->size_bytes / (1024.0 * 1024.0 * 1024.0) * rv->cfg->price_per_gib_month);
#undef EACH_REPO
#undef TIER
}

static void disk_metrics(struct buf *b, const struct app *app)
{
    struct disk_view *dv;
    size_t i;

#define EACH_DISK for (i = 0; i < app->disks.len && ((dv = app->disks.items[i]), 1); i++)
    head(b, "lifeboat_disk_fill_ratio", "gauge", "used / (used + available) of the disk's mount");
    EACH_DISK if (dv->mount_checked && dv->mount_present)
        sample(b, "lifeboat_disk_fill_ratio", "disk", dv->cfg->name, "mount", dv->cfg->mount,
               dv->fill_pct / 100.0);
    head(b, "lifeboat_disk_size_bytes", "gauge", "size of the disk's mount");
    EACH_DISK if (dv->mount_checked && dv->mount_present)
        sample(b, "lifeboat_disk_size_bytes", "disk", dv->cfg->name, "mount", dv->cfg->mount,
               (double)dv->mount_size);
    head(b, "lifeboat_disk_smart_verdict", "gauge",
         "SMART verdict: 0 ok, 1 warn, 2 crit, 3 error, 4 standby, 5 unavailable");
    EACH_DISK if (dv->reading) sample(b, "lifeboat_disk_smart_verdict", "disk", dv->cfg->name, NULL,
                                      NULL, dv->reading->report.verdict);
    head(b, "lifeboat_disk_temperature_celsius", "gauge", "drive temperature (SMART)");
    EACH_DISK if (dv->reading && dv->reading->report.counters.temperature != SMART_NONE)
        sample(b, "lifeboat_disk_temperature_celsius", "disk", dv->cfg->name, NULL, NULL,
               (double)dv->reading->report.counters.temperature);
    head(b, "lifeboat_disk_life_used_percent", "gauge", "rated endurance used (SMART wear)");
    EACH_DISK if (dv->reading && dv->reading->report.counters.life_used != SMART_NONE)
        sample(b, "lifeboat_disk_life_used_percent", "disk", dv->cfg->name, NULL, NULL,
               (double)dv->reading->report.counters.life_used);
#undef EACH_DISK
}

static void alert_metrics(struct buf *b, const struct app *app)
{
    struct vec open = VEC_INIT(store_alert_free);
    struct store_alert *a;
    size_t i;
    int warn = 0, crit = 0;

    if (app->store)
        store_alerts_list(app->store, 0, &open, NULL);
    vec_foreach(&open, i, a) {
        if (a->severity >= 2)
            crit++;
        else
            warn++;
    }
    head(b, "lifeboat_alerts_open", "gauge", "open alerts by severity");
    sample(b, "lifeboat_alerts_open", "severity", "warn", NULL, NULL, warn);
    sample(b, "lifeboat_alerts_open", "severity", "crit", NULL, NULL, crit);
    vec_release(&open);
}

/* The newest successful drill of each kind: its measured RTO and when it ran. */
static void drill_metrics(struct buf *b, const struct app *app)
{
    static const char *const kinds[] = { "rollback", "pbs", "cloud" };
    struct store_drill last[3];
    bool have[3] = { false, false, false };

    for (size_t k = 0; k < 3 && app->store; k++) {
        struct vec v = VEC_INIT(free);
        const struct store_drill *d;
        size_t i;

        store_drills_recent(app->store, kinds[k], 50, &v, NULL);
        vec_foreach(&v, i, d) {
            if (!strcmp(d->outcome, "ok") && (!have[k] || d->started > last[k].started)) {
                last[k] = *d;
                have[k] = true;
            }
        }
        vec_release(&v);
    }
    head(b, "lifeboat_drill_last_rto_seconds", "gauge",
         "measured restore time (RTO) of the newest successful drill, per kind");
    for (size_t k = 0; k < 3; k++)
        if (have[k] && last[k].rto_ms >= 0)
            sample(b, "lifeboat_drill_last_rto_seconds", "kind", kinds[k], NULL, NULL,
                   (double)last[k].rto_ms / 1000.0);
    head(b, "lifeboat_drill_last_success_timestamp_seconds", "gauge",
         "start of the newest successful drill, per kind (unix time)");
    for (size_t k = 0; k < 3; k++)
        if (have[k])
            sample(b, "lifeboat_drill_last_success_timestamp_seconds", "kind", kinds[k], NULL, NULL,
                   (double)last[k].started);
}

/* Write text to path through a temp file in the same directory and a rename. */
static int write_atomic(const char *path, const char *text, size_t len)
{
    char *tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
    FILE *f = fopen(tmp, "w");
    int rc = 0;

    if (!f) {
        cli_error("cannot write %s: %s", tmp, strerror(errno));
        free(tmp);
        return -1;
    }
    if (fwrite(text, 1, len, f) != len || fflush(f) != 0 || fsync(fileno(f)) != 0)
        rc = -1;
    if (fclose(f) != 0)
        rc = -1;
    if (rc == 0 && rename(tmp, path) != 0)
        rc = -1;
    if (rc < 0) {
        cli_error("cannot write %s: %s", path, strerror(errno));
        unlink(tmp);
    }
    free(tmp);
    return rc;
}

int cli_metrics_write(const struct app *app, time_t now, const char *out)
{
    struct buf b = BUF_INIT(0);
    int rc = 0;

    head(&b, "lifeboat_metrics_generated_timestamp_seconds", "gauge",
         "when lifeboat wrote these metrics (unix time)");
    sample(&b, "lifeboat_metrics_generated_timestamp_seconds", NULL, NULL, NULL, NULL, (double)now);
    jobs_metrics(&b, app);
    repo_metrics(&b, app, now);
    disk_metrics(&b, app);
    alert_metrics(&b, app);
    drill_metrics(&b, app);
    if (out)
        rc = write_atomic(out, buf_cstr(&b), b.len);
    else
        fputs(buf_cstr(&b), stdout);
    buf_release(&b);
    return rc;
}

int cmd_metrics(struct cli *cli, int argc, char **argv)
{
    const char *out = NULL;
    struct config *cfg;
    struct loop *loop;
    struct app *app;
    time_t now;
    int rc = EXIT_OK_;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--out") && i + 1 < argc)
            out = argv[++i];
        else if (!strcmp(argv[i], "--out"))
            return cli_usage("metrics", "--out needs a FILE");
        else
            return cli_usage("metrics", "unknown argument '%s'", argv[i]);
    }
    if (!(cfg = cli_load_config(cli, true)))
        return EXIT_CONFIG;
    loop = loop_new();
    app = app_new(loop, cfg, NULL);
    app_refresh(app);
    while (app->busy)
        loop_run_once(loop, 1000);
    now = clock_now();
    if (cli_metrics_write(app, now, out) < 0)
        rc = EXIT_FAIL;
    app_free(app);
    loop_free(loop);
    return rc;
}
