/*
 * `lifeboat drill rollback|pbs|cloud [--yes] [--json] [--repo R] [--snapshot ID] [--path P]
 *  [--guest VMID] [--start]`:
 * a restore drill run headless, its record printed (one JSON object with
 * --json). `lifeboat drills [--json]`: past drills against [targets].
 */
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/base/clock.h"
#include "backend/base/str.h"
#include "backend/config.h"
#include "backend/drill_pmx.h"
#include "backend/drills.h"
#include "backend/loop.h"
#include "backend/restore.h"
#include "backend/store.h"
#include "cli/cli.h"
#include "cli/cli_json.h"

struct drill_cli {
    struct loop *loop;
    struct drill *drill;
    bool json;
    bool quiet_progress;
    enum drill_phase shown;
    int64_t last_progress_ms;
};

static json_t *int_or_null(int64_t v)
{
    return v >= 0 ? json_integer(v) : json_null();
}

/* The record as the contract names it (DESIGN.md §2, issue 7). */
static json_t *drill_json(const struct store_drill *d)
{
    json_t *o = json_object(), *rp = json_object();
    int rto_ok = drill_rto_within(d), rpo_ok = drill_rpo_within(d);

    json_object_set_new(o, "id", json_integer(d->id));
    json_object_set_new(o, "kind", json_string(d->kind));
    json_object_set_new(o, "outcome", json_string(d->outcome));
    json_object_set_new(o, "repo", d->repo[0] ? json_string(d->repo) : json_null());
    json_object_set_new(rp, "id", d->snapshot_id[0] ? json_string(d->snapshot_id) : json_null());
    json_object_set_new(rp, "time", cli_json_time(d->snapshot_time));
    json_object_set_new(o, "restore_point", rp);
    json_object_set_new(o, "target", json_string(d->target));
    json_object_set_new(o, "scope", json_string(d->scope));
    json_object_set_new(o, "started", cli_json_time(d->started));
    json_object_set_new(o, "ended", cli_json_time(d->ended));
    json_object_set_new(o, "rto_seconds",
                        d->rto_ms >= 0 ? json_real((double)d->rto_ms / 1000.0) : json_null());
    json_object_set_new(o, "rpo_seconds", int_or_null(d->rpo_seconds));
    json_object_set_new(o, "rto_target_seconds", json_integer(d->rto_target));
    json_object_set_new(o, "rpo_target_seconds", json_integer(d->rpo_target));
    json_object_set_new(o, "rto_within_target", rto_ok < 0 ? json_null() : json_boolean(rto_ok));
    json_object_set_new(o, "rpo_within_target", rpo_ok < 0 ? json_null() : json_boolean(rpo_ok));
    json_object_set_new(o, "bytes", json_integer((json_int_t)d->bytes));
    json_object_set_new(o, "files", json_integer((json_int_t)d->files));
    json_object_set_new(o, "full_bytes", json_integer((json_int_t)d->full_bytes));
    json_object_set_new(o, "throughput_bytes_per_second",
                        d->rto_ms > 0 ? json_integer((json_int_t)((double)d->bytes * 1000.0 /
                                                                  (double)d->rto_ms))
                                      : json_null());
    json_object_set_new(o, "verified", json_boolean(d->verified == 1));
    json_object_set_new(o, "verification", d->verify_note[0] ? json_string(d->verify_note)
                                                             : json_null());
    if (!strcmp(d->kind, "cloud"))
        json_object_set_new(o, "estimate_full_seconds", int_or_null(d->estimate_full_seconds));
    json_object_set_new(o, "scratch_removed", json_boolean(d->cleaned == 1));
    json_object_set_new(o, "phases", json_string(d->phases));
    json_object_set_new(o, "error", d->error[0] ? json_string(d->error) : json_null());
    return o;
}

static void print_json(json_t *j)
{
    char *text = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));

    if (text)
        puts(text);
    free(text);
    json_decref(j);
}

static const char *mark(int within)
{
    return within < 0 ? "" : within ? " ok" : " OVER TARGET";
}

static void print_record(const struct store_drill *d)
{
    char b1[32], b2[32], b3[32], t[32];

    printf("drill %lld: %s drill of '%s' %s\n", (long long)d->id, d->kind, d->repo, d->outcome);
    if (d->snapshot_id[0])
        printf("  restore point  %.*s  %s  (age %s, RPO target %s%s)\n",
               !strcmp(d->kind, "cloud") ? 8 : 64, d->snapshot_id,
               d->snapshot_time ? clock_fmt_local(d->snapshot_time, t, sizeof(t)) : "?",
               d->rpo_seconds >= 0 ? str_fmt_duration(d->rpo_seconds, b1, sizeof(b1)) : "?",
               str_fmt_duration(d->rpo_target, b2, sizeof(b2)), mark(drill_rpo_within(d)));
    printf("  scope          %s\n", d->scope);
    printf("  target         %s (%s)\n", d->target, d->cleaned ? "removed" : "not created or left");
    if (d->rto_ms >= 0 && strcmp(d->kind, "cloud") != 0) {
        printf("  RTO            %.1f s (target %s%s)\n", (double)d->rto_ms / 1000.0,
               str_fmt_duration(d->rto_target, b1, sizeof(b1)), mark(drill_rto_within(d)));
    } else if (d->rto_ms >= 0) {
        double secs = (double)d->rto_ms / 1000.0;

        printf("  restored       %s in %llu files in %.1f s (%s/s)\n",
               str_fmt_bytes(d->bytes, b1, sizeof(b1)), (unsigned long long)d->files, secs,
               str_fmt_bytes(secs > 0 ? (uint64_t)((double)d->bytes / secs) : 0, b2, sizeof(b2)));
    }
    if (d->estimate_full_seconds >= 0)
        printf("  full restore   estimate %s for %s (RTO target %s%s)\n",
               str_fmt_duration(d->estimate_full_seconds, b1, sizeof(b1)),
               str_fmt_bytes(d->full_bytes, b3, sizeof(b3)),
               str_fmt_duration(d->rto_target, b2, sizeof(b2)), mark(drill_rto_within(d)));
    if (d->verify_note[0])
        printf("  verified       %s\n", d->verify_note);
    if (d->phases[0])
        printf("  phases         %s\n", d->phases);
    if (d->error[0])
        printf("  error          %s\n", d->error);
}

static void on_update(struct drill *d, void *arg)
{
    struct drill_cli *c = arg;
    const struct drill_view *v = drill_view(d);
    int64_t now = loop_now_ms(c->loop);
    char b1[32], b2[32], b3[32];

    if (drill_done(d) || (v->phase == DRILL_READY && c->shown != DRILL_READY)) {
        c->shown = v->phase;
        loop_stop(c->loop); /* done, or inspected: the caller goes on */
        return;
    }
    if (c->json || c->quiet_progress)
        return;
    if (v->phase == DRILL_RESTORE && v->phase == c->shown) {
        if (now - c->last_progress_ms < 5000)
            return;
        c->last_progress_ms = now;
        fprintf(stderr, "  %s of %s  %s/s  ETA %s\n", str_fmt_bytes(v->bytes_done, b1, sizeof(b1)),
                str_fmt_bytes(v->scope_bytes, b2, sizeof(b2)),
                str_fmt_bytes((uint64_t)v->rate, b3, sizeof(b3)),
                v->eta_s >= 0 ? str_fmt_duration(v->eta_s, b1, sizeof(b1)) : "?");
        return;
    }
    if (v->phase != c->shown) {
        c->shown = v->phase;
        c->last_progress_ms = now;
        fprintf(stderr, "lifeboat: drill: %s\n", v->step_text);
    }
}

static void on_signal(struct loop *loop, int signo, void *arg)
{
    struct drill_cli *c = arg;

    (void)loop;
    (void)signo;
    drill_cancel(c->drill);
}

static int outcome_exit(const char *outcome)
{
    return !strcmp(outcome, "ok") ? 0 : EXIT_FAIL;
}

static int drill_cloud(struct cli *cli, struct config *cfg, struct store *st,
                       struct drill_cloud_opts *o, bool json)
{
    struct drill_cli c = { .json = json, .shown = DRILL_NEW };
    struct lb_err err = { 0 };
    int rc;
    struct store_drill rec;

    (void)cli;
    c.loop = loop_new();
    c.drill = drill_cloud_new(c.loop, cfg, st, o, on_update, &c, &err);
    if (!c.drill) {
        cli_error("%s", err.msg);
        loop_free(c.loop);
        return err.code == LB_ECONFIG ? EXIT_CONFIG : EXIT_FAIL;
    }
    loop_watch_signal(c.loop, SIGINT, on_signal, &c);
    loop_watch_signal(c.loop, SIGTERM, on_signal, &c);
    loop_watch_signal(c.loop, SIGHUP, on_signal, &c);
    if (drill_inspect(c.drill, &err) == 0 && !drill_done(c.drill))
        loop_run(c.loop);
    if (!drill_done(c.drill) && drill_view(c.drill)->phase == DRILL_READY) {
        const struct drill_view *v = drill_view(c.drill);
        char b1[32];

        if (!json)
            fprintf(stderr, "lifeboat: drill: restoring %s (%llu files) of snapshot %.8s into %s\n",
                    str_fmt_bytes(v->scope_bytes, b1, sizeof(b1)),
                    (unsigned long long)v->scope_files, v->rec.snapshot_id, v->rec.target);
        if (drill_go(c.drill, &err) == 0 && !drill_done(c.drill))
            loop_run(c.loop);
    }
    rec = drill_view(c.drill)->rec;
    loop_unwatch_signal(c.loop, SIGINT, on_signal, &c);
    loop_unwatch_signal(c.loop, SIGTERM, on_signal, &c);
    loop_unwatch_signal(c.loop, SIGHUP, on_signal, &c);
    drill_free(c.drill);
    loop_free(c.loop);
    if (json)
        print_json(drill_json(&rec));
    else
        print_record(&rec);
    rc = outcome_exit(rec.outcome);
    if (rc && !json && rec.error[0])
        cli_error("%s drill failed: %s", rec.kind, rec.error);
    return rc;
}

struct pmx_cli {
    struct loop *loop;
    struct drill_pmx *drill;
    bool json;
    char shown[160];
};

static void pmx_update(struct drill_pmx *d, void *arg)
{
    struct pmx_cli *c = arg;

    if (drill_pmx_done(d)) {
        loop_stop(c->loop);
        return;
    }
    if (!c->json && strcmp(c->shown, drill_pmx_step(d)) != 0) {
        str_copy(c->shown, sizeof(c->shown), drill_pmx_step(d));
        fprintf(stderr, "lifeboat: drill: %s\n", c->shown);
    }
}

static void pmx_signal(struct loop *loop, int signo, void *arg)
{
    struct pmx_cli *c = arg;

    (void)loop;
    (void)signo;
    drill_pmx_cancel(c->drill);
}

/* The rollback and PBS drills: the same loop, the same record. */
static int drill_proxmox(struct config *cfg, struct store *st, const struct drill_pmx_opts *o,
                         bool json)
{
    struct pmx_cli c = { .json = json };
    struct lb_err err = { 0 };
    struct store_drill rec;
    int rc;
    static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };

    c.loop = loop_new();
    c.drill = drill_pmx_new(c.loop, cfg, st, o, pmx_update, &c, &err);
    if (!c.drill) {
        cli_error("%s", err.msg);
        loop_free(c.loop);
        return err.code == LB_ECONFIG ? EXIT_CONFIG : err.code == LB_EUSAGE ? EXIT_USAGE : EXIT_FAIL;
    }
    for (size_t i = 0; i < 3; i++)
        loop_watch_signal(c.loop, sigs[i], pmx_signal, &c);
    if (drill_pmx_go(c.drill, &err) == 0 && !drill_pmx_done(c.drill))
        loop_run(c.loop);
    rec = *drill_pmx_record(c.drill);
    for (size_t i = 0; i < 3; i++)
        loop_unwatch_signal(c.loop, sigs[i], pmx_signal, &c);
    drill_pmx_free(c.drill);
    loop_free(c.loop);
    if (json)
        print_json(drill_json(&rec));
    else
        print_record(&rec);
    rc = outcome_exit(rec.outcome);
    if (rc && !json && rec.error[0])
        cli_error("%s drill failed: %s", rec.kind, rec.error);
    return rc;
}

int cmd_drill(struct cli *cli, int argc, char **argv)
{
    bool json = cli->json, yes = false;
    const char *kind = NULL;
    struct drill_cloud_opts o = { 0 };
    struct drill_pmx_opts po = { 0 };
    struct config *cfg;
    struct store *st;
    struct lb_err err = { 0 };
    int rc;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];

        if (!strcmp(a, "--json"))
            json = true;
        else if (!strcmp(a, "--yes") || !strcmp(a, "-y"))
            yes = true;
        else if (!strcmp(a, "--start"))
            po.start = true;
        else if (!strcmp(a, "--guest") && i + 1 < argc) {
            int64_t v;

            if (str_to_i64(argv[++i], 100, 999999999, &v) < 0)
                return cli_usage("drill", "--guest takes a VMID ('%s')", argv[i]);
            po.vmid = (int)v;
        } else if ((!strcmp(a, "--repo") || !strcmp(a, "--snapshot") || !strcmp(a, "--path")) &&
                 i + 1 < argc) {
            if (!strcmp(a, "--repo"))
                o.repo = argv[++i];
            else if (!strcmp(a, "--snapshot"))
                o.snapshot = argv[++i];
            else
                o.include = argv[++i];
        } else if (a[0] == '-')
            return cli_usage("drill", "unknown option '%s'", a);
        else if (!kind)
            kind = a;
        else
            return cli_usage("drill", "one drill at a time ('%s' is extra)", a);
    }
    if (!kind)
        return cli_usage("drill", "which drill? rollback, pbs or cloud");
    if (strcmp(kind, "cloud") && strcmp(kind, "rollback") && strcmp(kind, "pbs"))
        return cli_usage("drill", "unknown drill '%s': rollback, pbs or cloud", kind);
    if (o.include && o.include[0] != '/')
        return cli_usage("drill", "--path takes an absolute path of the snapshot ('%s')",
                         o.include);
    (void)yes; /* headless: the drills only touch drill targets; nothing to ask */
    if (!(cfg = cli_load_config(cli, true)))
        return EXIT_CONFIG;
    if (!(st = store_open(NULL, &err))) {
        cli_error("%s", err.msg);
        config_free(cfg);
        return EXIT_FAIL;
    }
    po.kind = kind;
    rc = strcmp(kind, "cloud") != 0 ? drill_proxmox(cfg, st, &po, json)
                                    : drill_cloud(cli, cfg, st, &o, json);
    store_close(st);
    config_free(cfg);
    return rc;
}

int cmd_drills(struct cli *cli, int argc, char **argv)
{
    bool json = cli->json;
    struct config *cfg;
    struct store *st;
    struct lb_err err = { 0 };
    struct vec list = VEC_INIT(free);
    struct store_drill *d;
    size_t i;
    int recovered = 0, rc = 0;
    time_t now = clock_now();
    static const char *const kinds[] = { "rollback", "pbs", "cloud" };

    for (int k = 1; k < argc; k++) {
        if (!strcmp(argv[k], "--json"))
            json = true;
        else
            return cli_usage("drills", "unknown argument '%s'", argv[k]);
    }
    if (!(cfg = cli_load_config(cli, false)))
        return EXIT_CONFIG;
    if (!(st = store_open(NULL, &err))) {
        cli_error("%s", err.msg);
        config_free(cfg);
        return EXIT_FAIL;
    }
    drills_recover(cfg, st, &recovered, &err); /* busy: a drill runs now, leave it */
    restore_recover(cfg, st, &recovered, &err); /* restore files: the same for restores */
    if (store_drills_recent(st, NULL, 200, &list, &err) < 0) {
        cli_error("%s", err.msg);
        rc = EXIT_FAIL;
        goto out;
    }
    if (json) {
        json_t *arr = json_array();

        vec_foreach(&list, i, d) json_array_append_new(arr, drill_json(d));
        print_json(arr);
        goto out;
    }
    /* the cadence first: when each kind last passed */
    printf("%-9s %-20s %-10s %s\n", "drill", "last passed", "cadence", "");
    for (size_t k = 0; k < 3; k++) {
        struct store_drill *last = NULL;
        char b1[32], b2[32], t[32];
        int64_t cad = drill_cadence(kinds[k]);

        vec_foreach(&list, i, d)
        {
            if (!strcmp(d->kind, kinds[k]) && !strcmp(d->outcome, "ok")) {
                last = d;
                break;
            }
        }
        printf("%-9s %-20s %-10s %s\n", kinds[k],
               last ? clock_fmt_local(last->started, t, sizeof(t)) : "never",
               str_fmt_duration(cad, b1, sizeof(b1)),
               !last                          ? "overdue"
               : now - last->started > cad    ? "overdue"
                                              : (snprintf(b2, sizeof(b2), "due in %s",
                                                          str_fmt_duration(cad - (now - last->started),
                                                                           t, sizeof(t))),
                                                 b2));
        if (rc == 0 && (!last || now - last->started > cad))
            rc = EXIT_WARN;
    }
    if (!list.len) {
        printf("\nno drill recorded yet: lifeboat drill cloud\n");
        goto out;
    }
    printf("\n%-5s %-16s %-13s %-11s %-10s %-22s %-18s %s\n", "id", "started", "kind", "outcome",
           "point", "RTO (target)", "RPO (target)", "verified");
    vec_foreach(&list, i, d)
    {
        char t[32], rto[48], rpo[48], b1[32], b2[32];
        int64_t r = d->estimate_full_seconds >= 0 ? d->estimate_full_seconds
                    : d->rto_ms >= 0              ? d->rto_ms / 1000
                                                  : -1;

        clock_fmt_local(d->started, t, sizeof(t));
        t[16] = '\0';
        if (r >= 0)
            snprintf(rto, sizeof(rto), "%s%s (%s)%s", d->estimate_full_seconds >= 0 ? "~" : "",
                     str_fmt_duration(r, b1, sizeof(b1)),
                     str_fmt_duration(d->rto_target, b2, sizeof(b2)),
                     drill_rto_within(d) == 0 ? " !" : "");
        else
            snprintf(rto, sizeof(rto), "-");
        if (d->rpo_seconds >= 0)
            snprintf(rpo, sizeof(rpo), "%s (%s)%s", str_fmt_duration(d->rpo_seconds, b1, sizeof(b1)),
                     str_fmt_duration(d->rpo_target, b2, sizeof(b2)),
                     drill_rpo_within(d) == 0 ? " !" : "");
        else
            snprintf(rpo, sizeof(rpo), "-");
        if (!strcmp(d->kind, "restore")) {
            /* a real restore (lifeboat restore files): how long it took, no targets */
            if (d->rto_ms >= 0)
                snprintf(rto, sizeof(rto), "%.1fs", (double)d->rto_ms / 1000.0);
            snprintf(rpo, sizeof(rpo), "-");
        }
        printf("%-5lld %-16s %-13s %-11s %-10.8s %-22s %-18s %s\n", (long long)d->id, t, d->kind,
               d->outcome, d->snapshot_id[0] ? d->snapshot_id : "-", rto, rpo,
               d->verified == 1 ? "yes" : d->verified == 0 ? "NO" : "-");
        if (d->error[0])
            printf("      %s\n", d->error);
    }
    printf("\n~ marks a full-restore time extrapolated from a partial drill; ! beyond target\n");
out:
    vec_release(&list);
    store_close(st);
    config_free(cfg);
    return rc;
}
