/*
 * The engine's disks: one disk_view per [disk], filled from the store at
 * start (the latest reading, 90 days of samples), read again in the
 * background (smart_sample_disk: source file or smartctl, stored as a
 * sample), the mount checked with statvfs, and a short self-test started and
 * followed with timers.
 */
#include "backend/app.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "backend/base/clock.h"
#include "backend/base/log.h"
#include "backend/base/str.h"
#include "backend/base/xalloc.h"
#include "backend/config.h"
#include "backend/loop.h"
#include "backend/spawn.h"
#include "backend/store.h"

#define DISK_INTERVAL_S     (30 * 60) /* SMART values change over hours: read every 30 min */
#define HISTORY_DAYS        90
#define STALE_READING_S     (48 * 3600) /* a stored reading older than this is a warning */
#define SELFTEST_FIRST_MS   2000
#define SELFTEST_POLL_MS    10000
#define SELFTEST_MAX_S      (30 * 60) /* stop following after this */
#define SELFTEST_TIMEOUT_MS 60000     /* one smartctl run */

struct disk_refresh {
    struct app *app;
    struct disk_view *dv;
};

struct selftest_op {
    struct app *app;
    struct disk_view *dv;
    struct spawn *sp;
    uint64_t timer;
    char *type; /* -d value, or NULL */
    bool polling;
};

static void notify(struct app *app, unsigned flags)
{
    if (app->on_change)
        app->on_change(app, flags, app->on_change_arg);
}

static void load_history(struct app *app, struct disk_view *dv)
{
    struct lb_err err = { 0 };

    vec_clear(&dv->history);
    if (app->store &&
        store_get_smart_samples(app->store, dv->cfg->name,
                                clock_now() - (time_t)HISTORY_DAYS * 86400, &dv->history, &err) < 0)
        log_warn("cannot read the SMART history of disk '%s': %s", dv->cfg->name, err.msg);
}

static void check_mount(struct disk_view *dv)
{
    const char *m = dv->cfg->mount;
    struct stat st, parent;
    struct statvfs vfs;
    char *up;

    dv->mount_checked = false;
    dv->mount_present = false;
    dv->mount_error[0] = '\0';
    dv->fill_pct = 0;
    dv->mount_size = dv->mount_avail = dv->mount_used = 0;
    if (!m)
        return;
    dv->mount_checked = true;
    if (stat(m, &st) < 0) {
        snprintf(dv->mount_error, sizeof(dv->mount_error), "%s", strerror(errno));
        return;
    }
    up = xasprintf("%s/..", m);
    if (stat(up, &parent) < 0) {
        snprintf(dv->mount_error, sizeof(dv->mount_error), "%s", strerror(errno));
        free(up);
        return;
    }
    free(up);
    /* a mount point sits on another device than its parent (or is the root) */
    if (st.st_dev == parent.st_dev && st.st_ino != parent.st_ino) {
        snprintf(dv->mount_error, sizeof(dv->mount_error), "nothing is mounted there");
        return;
    }
    if (statvfs(m, &vfs) < 0) {
        snprintf(dv->mount_error, sizeof(dv->mount_error), "%s", strerror(errno));
        return;
    }
    dv->mount_present = true;
    dv->mount_size = (uint64_t)vfs.f_blocks * vfs.f_frsize;
    dv->mount_avail = (uint64_t)vfs.f_bavail * vfs.f_frsize;
    {
        uint64_t used = (uint64_t)(vfs.f_blocks - vfs.f_bfree) * vfs.f_frsize;

        dv->mount_used = used;

        dv->fill_pct =
            used + dv->mount_avail ? 100.0 * (double)used / (double)(used + dv->mount_avail) : 0;
    }
}

/*
 * Keep a fill sample of the mount (refresh: at most one an hour in the store)
 * and estimate from the last 30 days when it fills up.
 */
static void track_fill(struct app *app, struct disk_view *dv, bool sample)
{
    struct vec hist = VEC_INIT(free);
    struct lb_err err = { 0 };
    struct fill_sample *arr;
    struct fill_sample *f;
    time_t now = clock_now();
    size_t i;

    memset(&dv->fill_est, 0, sizeof(dv->fill_est));
    if (!app->store || !dv->cfg->mount)
        return;
    if (sample && dv->mount_present && dv->mount_used + dv->mount_avail &&
        store_put_disk_fill(app->store, dv->cfg->name, now, dv->mount_used,
                            dv->mount_used + dv->mount_avail, &err) < 0) {
        log_warn("cannot keep the fill of disk '%s': %s", dv->cfg->name, err.msg);
        lb_err_clear(&err);
    }
    if (store_get_disk_fill(app->store, dv->cfg->name, now - FILL_WINDOW_S, &hist, &err) < 0) {
        log_warn("cannot read the fill history of disk '%s': %s", dv->cfg->name, err.msg);
        goto out;
    }
    arr = xcalloc(hist.len ? hist.len : 1, sizeof(*arr));
    vec_foreach(&hist, i, f) {
        arr[i] = *f;
    }
    fill_estimate(arr, hist.len, now, &dv->fill_est);
    free(arr);
out:
    vec_release(&hist);
}

static void view_free(void *p)
{
    struct disk_view *dv = p;

    smart_reading_free(dv->reading);
    vec_release(&dv->history);
    free(dv);
}

void app_disks_init(struct app *app)
{
    size_t i;
    struct disk_cfg *dc;

    vec_init(&app->disks, view_free);
    vec_foreach(&app->cfg->disks, i, dc) {
        struct disk_view *dv = xcalloc(1, sizeof(*dv));
        struct lb_err err = { 0 };

        dv->cfg = dc;
        dv->selftest_remaining = -1;
        dv->live_state = SMART_STATE_DATA;
        vec_init(&dv->history, free);
        if (app->store && smart_history_latest(app->store, dc->name, &dv->reading, &err) == 0)
            dv->from_store = true;
        else if (err.code && err.code != LB_ENOTFOUND)
            log_warn("disk '%s': %s", dc->name, err.msg);
        load_history(app, dv);
        check_mount(dv);
        track_fill(app, dv, false);
        vec_push(&app->disks, dv);
    }
}

/* ---- reading ---- */

static void refresh_done(struct smart_reading *rd, void *arg)
{
    struct disk_refresh *r = arg;
    struct app *app = r->app;
    struct disk_view *dv = r->dv;
    const struct smart_data *d = rd->data;
    char *hint;

    free(r);
    dv->sampler = NULL;
    dv->refreshing = false;
    dv->tried_at = rd->at;
    /* smartctl needs root here: show what the root job spooled, if it did */
    if (smart_reading_from_spool(rd, app->store, dv->tried_at))
        d = rd->data;
    dv->live_state = rd->from_spool ? rd->live_state : d->state;
    check_mount(dv);
    track_fill(app, dv, true);
    if (d->state == SMART_STATE_DATA) {
        dv->live_error[0] = dv->live_hint[0] = '\0';
        if (rd->from_spool) {
            char when[32];

            str_copy(dv->live_error, sizeof(dv->live_error), rd->live_reason);
            snprintf(dv->live_hint, sizeof(dv->live_hint),
                     "read from the root job's sample at %s (smartctl needs root here)",
                     clock_fmt_local(rd->at, when, sizeof(when)));
        }
        smart_reading_free(dv->reading);
        dv->reading = xcalloc(1, sizeof(*dv->reading));
        *dv->reading = *rd; /* take it: the sampler frees only what is left */
        rd->data = NULL;
        memset(&rd->report, 0, sizeof(rd->report));
        vec_init(&rd->report.findings, NULL);
        dv->from_store = false;
        load_history(app, dv);
        log_info("read SMART of disk '%s'%s: %s", dv->cfg->name,
                 dv->reading->from_spool ? " from the root job's sample" : "",
                 smart_verdict_name(dv->reading->report.verdict));
    } else {
        hint = smart_hint(d, dv->cfg->name);
        snprintf(dv->live_error, sizeof(dv->live_error), "%s",
                 d->state == SMART_STATE_STANDBY ? "the drive is asleep (standby): not woken"
                 : d->reason                     ? d->reason
                                                 : smart_state_name(d->state));
        snprintf(dv->live_hint, sizeof(dv->live_hint), "%s", hint ? hint : "");
        str_sanitize(dv->live_error);
        str_sanitize(dv->live_hint);
        free(hint);
        if (!dv->reading || (!dv->from_store && dv->reading->data->state != SMART_STATE_DATA)) {
            /* nothing better to show than this failure */
            smart_reading_free(dv->reading);
            dv->reading = xcalloc(1, sizeof(*dv->reading));
            *dv->reading = *rd;
            rd->data = NULL;
            memset(&rd->report, 0, sizeof(rd->report));
            vec_init(&rd->report.findings, NULL);
            dv->from_store = false;
        }
        log_warn("cannot read SMART of disk '%s': %s", dv->cfg->name, dv->live_error);
    }
    notify(app, APP_CHANGED_DISKS | APP_CHANGED_BUSY);
}

static void refresh_one(struct app *app, struct disk_view *dv)
{
    struct disk_refresh *r;
    struct lb_err err = { 0 };

    if (dv->refreshing)
        return;
    r = xcalloc(1, sizeof(*r));
    r->app = app;
    r->dv = dv;
    dv->refreshing = true;
    dv->refresh_started_ms = loop_now_ms(app->loop);
    dv->sampler =
        smart_sample_disk(app->loop, app->store, app->cfg->dir, dv->cfg, refresh_done, r, &err);
    if (!dv->sampler) {
        free(r);
        dv->refreshing = false;
        dv->tried_at = clock_now();
        dv->live_state = SMART_STATE_OPEN_FAILED;
        str_copy(dv->live_error, sizeof(dv->live_error), err.msg);
        str_sanitize(dv->live_error);
    }
}

void app_refresh_disks(struct app *app, bool force)
{
    size_t i;
    struct disk_view *dv;
    time_t now = clock_now();
    bool any = false;

    vec_foreach(&app->disks, i, dv) {
        if (dv->refreshing || (!force && dv->tried_at && now - dv->tried_at < DISK_INTERVAL_S))
            continue;
        refresh_one(app, dv);
        any = true;
    }
    if (any)
        notify(app, APP_CHANGED_DISKS | APP_CHANGED_BUSY);
}

/* ---- self-test ---- */

static void selftest_free(struct selftest_op *op)
{
    if (op->timer)
        loop_cancel_timer(op->app->loop, op->timer);
    op->dv->selftest_op = NULL;
    free(op->type);
    free(op);
}

static void selftest_end(struct selftest_op *op, enum disk_selftest state, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void selftest_end(struct selftest_op *op, enum disk_selftest state, const char *fmt, ...)
{
    struct app *app = op->app;
    struct disk_view *dv = op->dv;
    va_list ap;

    dv->selftest = state;
    va_start(ap, fmt);
    vsnprintf(dv->selftest_text, sizeof(dv->selftest_text), fmt, ap);
    va_end(ap);
    str_sanitize(dv->selftest_text);
    log_info("self-test of disk '%s': %s", dv->cfg->name, dv->selftest_text);
    selftest_free(op);
    if (state == DISK_SELFTEST_DONE)
        refresh_one(app, dv); /* the new entry of the self-test log, stored as a sample */
    notify(app, APP_CHANGED_DISKS);
}

static int selftest_spawn(struct selftest_op *op, bool start, struct lb_err *err);

static void on_poll_timer(struct loop *loop, void *arg)
{
    struct selftest_op *op = arg;
    struct lb_err err = { 0 };

    (void)loop;
    op->timer = 0;
    if (clock_now() - op->dv->selftest_started > SELFTEST_MAX_S) {
        selftest_end(op, DISK_SELFTEST_FAILED,
                     "still running after %d min: no longer followed (smartctl -a shows it)",
                     SELFTEST_MAX_S / 60);
        return;
    }
    if (selftest_spawn(op, false, &err) < 0)
        selftest_end(op, DISK_SELFTEST_FAILED, "cannot poll the self-test: %s", err.msg);
}

static void on_selftest_exit(struct spawn *sp, const struct spawn_result *res, void *arg)
{
    struct selftest_op *op = arg;
    struct disk_view *dv = op->dv;
    const struct buf *out = spawn_stdout(sp);
    struct smart_selftest_status st;
    struct lb_err err = { 0 };
    bool polling = op->polling;

    op->sp = NULL;
    if (res->exec_errno) {
        selftest_end(op, DISK_SELFTEST_FAILED, "cannot run smartctl: %s",
                     strerror(res->exec_errno));
        return;
    }
    if (res->cancelled || res->timed_out) {
        selftest_end(op, DISK_SELFTEST_FAILED, "smartctl %s",
                     res->timed_out ? "timed out" : "stopped");
        return;
    }
    if (!polling) {
        struct smart_data *d = NULL;

        /* smartctl -t: bits 0-2 mean the test did not start */
        if (!res->exited || (res->status & 7)) {
            const char *why = NULL;

            if (out && out->len && smart_parse(out->data, out->len, &d, &err) == 0)
                why = d->reason;
            selftest_end(op, DISK_SELFTEST_FAILED,
                         "the self-test did not start (smartctl exit %d)%s%s",
                         res->exited ? res->status : -1, why ? ": " : "", why ? why : "");
            smart_data_free(&d);
            return;
        }
        dv->selftest = DISK_SELFTEST_RUNNING;
        dv->selftest_remaining = -1;
        snprintf(dv->selftest_text, sizeof(dv->selftest_text), "started");
        op->polling = true;
        op->timer = loop_add_timer(op->app->loop, SELFTEST_FIRST_MS, on_poll_timer, op);
        notify(op->app, APP_CHANGED_DISKS);
        return;
    }
    if (!out || !out->len || smart_selftest_status_parse(out->data, out->len, &st, &err) < 0) {
        selftest_end(op, DISK_SELFTEST_FAILED, "cannot read the self-test status: %s",
                     err.msg[0] ? err.msg : "smartctl printed nothing");
        return;
    }
    switch (st.state) {
    case SMART_SELFTEST_RUNNING:
        dv->selftest_remaining = st.remaining_pct;
        snprintf(dv->selftest_text, sizeof(dv->selftest_text), "%s",
                 st.text[0] ? st.text : "in progress");
        op->timer = loop_add_timer(op->app->loop, SELFTEST_POLL_MS, on_poll_timer, op);
        notify(op->app, APP_CHANGED_DISKS);
        return;
    case SMART_SELFTEST_PASSED:
        selftest_end(op, DISK_SELFTEST_DONE, "%s",
                     st.text[0] ? st.text : "completed without error");
        return;
    case SMART_SELFTEST_FAILED:
        selftest_end(op, DISK_SELFTEST_FAILED, "%s", st.text[0] ? st.text : "failed");
        return;
    case SMART_SELFTEST_NONE:
    default:
        selftest_end(op, DISK_SELFTEST_DONE, "ended; the drive gives no status (see the log)");
        return;
    }
}

static int selftest_spawn(struct selftest_op *op, bool start, struct lb_err *err)
{
    const char *prog = getenv("LIFEBOAT_SMARTCTL");
    const char *argv[10];
    size_t n = 0;
    struct spawn_opts o = { 0 };

    argv[n++] = prog && *prog ? prog : "smartctl";
    argv[n++] = "--json=c";
    if (start) {
        argv[n++] = "-t";
        argv[n++] = "short";
    } else {
        argv[n++] = "-a";
    }
    if (op->type) {
        argv[n++] = "-d";
        argv[n++] = op->type;
    }
    argv[n++] = op->dv->cfg->device;
    argv[n] = NULL;
    o.argv = argv;
    o.timeout_ms = SELFTEST_TIMEOUT_MS;
    o.kill_grace_ms = 2000;
    o.capture = true;
    o.capture_max = 8u << 20;
    o.max_output = 8u << 20;
    o.on_exit = on_selftest_exit;
    o.arg = op;
    op->sp = spawn_start(op->app->loop, &o, err);
    return op->sp ? 0 : -(int)(err->code ? err->code : LB_EFAIL);
}

int app_disk_selftest_start(struct app *app, struct disk_view *dv, struct lb_err *err)
{
    struct selftest_op *op;
    const char *type = NULL;

    if (dv->cfg->source)
        return lb_err_set(err, LB_EUSAGE,
                          "disk '%s' shows a saved capture (source = %s): there is no drive to "
                          "test",
                          dv->cfg->name, dv->cfg->source);
    if (dv->selftest_op)
        return lb_err_set(err, LB_EBUSY, "a self-test of disk '%s' is already being followed",
                          dv->cfg->name);
    if (dv->cfg->type && strcmp(dv->cfg->type, "auto") != 0)
        type = dv->cfg->type;
    else if (dv->reading && dv->reading->data->state == SMART_STATE_DATA &&
             dv->reading->data->chosen_type && strcmp(dv->reading->data->chosen_type, "auto") != 0)
        type = dv->reading->data->chosen_type;
    op = xcalloc(1, sizeof(*op));
    op->app = app;
    op->dv = dv;
    op->type = type ? xstrdup(type) : NULL;
    dv->selftest_op = op;
    dv->selftest = DISK_SELFTEST_STARTING;
    dv->selftest_remaining = -1;
    dv->selftest_started = clock_now();
    snprintf(dv->selftest_text, sizeof(dv->selftest_text), "starting");
    if (selftest_spawn(op, true, err) < 0) {
        dv->selftest = DISK_SELFTEST_FAILED;
        str_copy(dv->selftest_text, sizeof(dv->selftest_text), err->msg);
        str_sanitize(dv->selftest_text);
        selftest_free(op);
        return -(int)(err->code ? err->code : LB_EFAIL);
    }
    log_info("short self-test of disk '%s' (%s) started", dv->cfg->name, dv->cfg->device);
    notify(app, APP_CHANGED_DISKS);
    return 0;
}

/* ---- lifetime ---- */

void app_disks_cancel(struct app *app)
{
    size_t i;
    struct disk_view *dv;

    vec_foreach(&app->disks, i, dv) {
        struct selftest_op *op = dv->selftest_op;

        if (dv->sampler)
            smart_sample_cancel(dv->sampler); /* calls refresh_done */
        while (dv->refreshing)
            loop_run_once(app->loop, 100);
        if (op) {
            /* the drive goes on testing; we only stop following it */
            if (op->sp) {
                spawn_cancel(op->sp);
                while (dv->selftest_op)
                    loop_run_once(app->loop, 100);
            } else {
                selftest_free(op);
            }
        }
    }
}

void app_disks_release(struct app *app)
{
    vec_release(&app->disks);
}

/* ---- health ---- */

enum health app_disk_fill_health(const struct disk_view *dv)
{
    if (!dv->cfg->mount || !dv->mount_present)
        return HEALTH_UNKNOWN;
    if (dv->fill_pct >= dv->cfg->fill_crit)
        return HEALTH_CRIT;
    if (dv->fill_pct >= dv->cfg->fill_warn)
        return HEALTH_WARN;
    return HEALTH_OK;
}

static enum health verdict_health(enum smart_verdict v)
{
    switch (v) {
    case SMART_VERDICT_OK:
    case SMART_VERDICT_STANDBY:
        return HEALTH_OK;
    case SMART_VERDICT_CRIT:
        return HEALTH_CRIT;
    default:
        return HEALTH_WARN;
    }
}

enum health app_disk_health(const struct disk_view *dv)
{
    enum health h = dv->reading ? verdict_health(dv->reading->report.verdict) : HEALTH_UNKNOWN;
    enum health f = app_disk_fill_health(dv);

    if (dv->cfg->mount && dv->mount_checked && !dv->mount_present)
        return HEALTH_CRIT;
    if (h == HEALTH_UNKNOWN)
        return f == HEALTH_CRIT ? HEALTH_CRIT : HEALTH_UNKNOWN;
    if (f != HEALTH_UNKNOWN && f > h)
        h = f;
    if (dv->reading && dv->from_store && clock_now() - dv->reading->at > STALE_READING_S &&
        h < HEALTH_WARN)
        h = HEALTH_WARN;
    return h;
}

static bool looks_usb(const struct disk_view *dv)
{
    const struct smart_data *d = dv->reading ? dv->reading->data : NULL;

    return strstr(dv->cfg->name, "usb") || (dv->cfg->device && strstr(dv->cfg->device, "usb-")) ||
           (d && d->info_name && strstr(d->info_name, "USB"));
}

const struct disk_view *app_main_disk(const struct app *app)
{
    size_t i;
    struct disk_view *dv;

    vec_foreach(&app->disks, i, dv) {
        if (looks_usb(dv))
            return dv;
    }
    return app->disks.len ? app->disks.items[0] : NULL;
}

static void add(struct app_problem *out, size_t max, size_t *n, enum health sev,
                const char *subject, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void add(struct app_problem *out, size_t max, size_t *n, enum health sev,
                const char *subject, const char *fmt, ...)
{
    va_list ap;

    if (out && *n < max) {
        struct app_problem *p = &out[*n];

        p->severity = sev;
        str_copy(p->subject, sizeof(p->subject), subject);
        va_start(ap, fmt);
        vsnprintf(p->text, sizeof(p->text), fmt, ap);
        va_end(ap);
        str_sanitize(p->text);
    }
    (*n)++;
}

void app_disks_problems(const struct app *app, time_t now, struct app_problem *out, size_t max,
                        size_t *n)
{
    size_t i;
    struct disk_view *dv;

    vec_foreach(&app->disks, i, dv) {
        const char *name = dv->cfg->name;
        const struct smart_reading *rd = dv->reading;
        char age[32];

        if (rd) {
            enum smart_verdict v = rd->report.verdict;
            const struct smart_finding *f =
                rd->report.findings.len ? rd->report.findings.items[0] : NULL;
            size_t more = 0;

            for (size_t k = 1; k < rd->report.findings.len; k++)
                if (((struct smart_finding *)rd->report.findings.items[k])->level >=
                    SMART_LEVEL_WARN)
                    more++;
            if ((v == SMART_VERDICT_WARN || v == SMART_VERDICT_CRIT) && f)
                add(out, max, n, v == SMART_VERDICT_CRIT ? HEALTH_CRIT : HEALTH_WARN, name,
                    "SMART %s: %s%s", smart_verdict_name(v), f->text,
                    more ? " (more on the Disks screen)" : "");
            else if (v == SMART_VERDICT_ERROR || v == SMART_VERDICT_UNAVAILABLE)
                add(out, max, n, HEALTH_WARN, name, "cannot read SMART: %s%s%s",
                    dv->live_error[0]  ? dv->live_error
                    : rd->data->reason ? rd->data->reason
                                       : smart_state_name(rd->data->state),
                    dv->live_hint[0] ? ": " : "", dv->live_hint);
            if (dv->from_store && now - rd->at > STALE_READING_S) {
                str_fmt_age((int64_t)(now - rd->at), age, sizeof(age));
                add(out, max, n, HEALTH_WARN, name,
                    "the last SMART reading is %s old%s%s: is the daily job reading it?", age,
                    dv->live_error[0] ? "; here: " : "", dv->live_error);
            }
        }
        if (dv->cfg->mount && dv->mount_checked && !dv->mount_present)
            add(out, max, n, HEALTH_CRIT, name,
                "%s is not mounted (%s): backups into it fail; plug the disk in and mount it",
                dv->cfg->mount, dv->mount_error[0] ? dv->mount_error : "missing");
        switch (app_disk_fill_health(dv)) {
        case HEALTH_CRIT:
        case HEALTH_WARN:
            add(out, max, n, app_disk_fill_health(dv), name,
                "%s is %.0f%% full (warn at %.0f%%, critical at %.0f%%): prune old backups or "
                "make room",
                dv->cfg->mount, dv->fill_pct, dv->cfg->fill_warn, dv->cfg->fill_crit);
            break;
        default:
            break;
        }
    }
}
