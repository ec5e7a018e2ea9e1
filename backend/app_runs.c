/*
 * The engine's runs (see app_runs.h): the store read into plain records for
 * the screens (figures and progress parsed here, so no front end needs
 * JSON), the console's own run through jobs.h, and a poll of the store that
 * follows runs of other processes (timers) while their heartbeat is fresh.
 */
#include "backend/app_runs.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/base/buf.h"
#include "backend/base/clock.h"
#include "backend/base/log.h"
#include "backend/base/str.h"
#include "backend/base/xalloc.h"
#include "backend/config.h"
#include "backend/loop.h"

#define POLL_LIVE_MS   1000 /* while a run is live */
#define POLL_IDLE_MS   5000 /* otherwise: a timer may start one */
#define CANCEL_WAIT_MS 40000
#define FIGURES_MAX    4096

static void notify(struct app *app, unsigned flags)
{
    if (app->on_change)
        app->on_change(app, flags, app->on_change_arg);
}

/* ---- records ---- */

static void step_free(void *p)
{
    struct runs_step *s = p;

    free(s->figures);
    free(s->message);
    free(s->log);
    free(s);
}

static void run_free(void *p)
{
    struct runs_run *r = p;

    vec_release(&r->steps);
    free(r);
}

static void job_free(void *p)
{
    free(p);
}

bool runs_pid_alive(int pid)
{
    char path[64], stat[512];
    FILE *f;
    const char *paren;

    snprintf(path, sizeof(path), "/proc/%d/stat", pid);
    if (pid <= 0 || !(f = fopen(path, "re")))
        return false;
    if (!fgets(stat, sizeof(stat), f))
        stat[0] = '\0';
    fclose(f);
    /* "PID (comm) S ...": Z zombie, X dead */
    if ((paren = strrchr(stat, ')')) && paren[1] == ' ' && (paren[2] == 'Z' || paren[2] == 'X'))
        return false;
    return true;
}

int64_t runs_run_duration(const struct runs_run *r)
{
    if (!r->ended || r->live)
        return -1;
    return r->ended >= r->started ? (int64_t)(r->ended - r->started) : 0;
}

static const char *jstr(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));

    return s ? s : "?";
}

static long long jint(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);

    return json_is_integer(v) ? (long long)json_integer_value(v) : (long long)json_number_value(v);
}

/* The short figure of a step, as `lifeboat history` prints it. */
static void step_figure(const char *kind, json_t *f, char *out, size_t n)
{
    json_t *v;
    char b[32];

    out[0] = '\0';
    if (!f)
        return;
    if (!strcmp(kind, "backup") && (v = json_object_get(f, "data_added"))) {
        snprintf(out, n, "+%s, snapshot %.8s",
                 str_fmt_bytes((uint64_t)json_integer_value(v), b, sizeof(b)),
                 jstr(f, "snapshot_id"));
    } else if (!strcmp(kind, "forget") && (v = json_object_get(f, "restic"))) {
        snprintf(out, n, "kept %lld, removed %lld%s", jint(v, "keep"), jint(v, "remove"),
                 json_is_false(json_object_get(f, "agree")) ? " (preview differed)" : "");
    } else if (!strcmp(kind, "copy") && json_object_get(f, "copied")) {
        snprintf(out, n, "%lld copied, %lld already there", jint(f, "copied"),
                 jint(f, "already_there"));
    } else if (!strcmp(kind, "check") && json_object_get(f, "subset")) {
        if (json_object_get(f, "covered"))
            snprintf(out, n, "subset %s, %lld of %lld read", jstr(f, "subset"), jint(f, "covered"),
                     jint(f, "of"));
        else
            snprintf(out, n, "subset %s", jstr(f, "subset"));
    } else if (!strcmp(kind, "smart") && json_object_get(f, "verdict")) {
        int l = snprintf(out, n, "verdict %s", jstr(f, "verdict"));

        if (json_is_integer(json_object_get(f, "temperature_c")) && l > 0 && (size_t)l < n)
            l += snprintf(out + l, n - (size_t)l, ", %lld C", jint(f, "temperature_c"));
        /* (the degree sign is the front end's: this text may reach a plain terminal) */
        if (json_is_integer(json_object_get(f, "life_used_pct")) && l > 0 && (size_t)l < n)
            snprintf(out + l, n - (size_t)l, ", %lld%% worn", jint(f, "life_used_pct"));
    } else if (!strcmp(kind, "preflight") && json_object_get(f, "restic")) {
        const char *ver = jstr(f, "restic");
        int len = 0, words = 0;

        while (ver[len] && !(ver[len] == ' ' && ++words == 2))
            len++;
        snprintf(out, n, "%.*s", len, ver); /* "restic 0.14.0" */
    }
    str_sanitize(out);
}

static bool bytes_key(const char *key)
{
    return strstr(key, "bytes") || !strcmp(key, "data_added") || !strcmp(key, "size");
}

static void put_scalar(struct buf *b, const char *key, json_t *v)
{
    char t[32];

    if (json_is_string(v))
        buf_puts(b, json_string_value(v));
    else if (json_is_integer(v) && key && bytes_key(key) && json_integer_value(v) >= 0)
        buf_puts(b, str_fmt_bytes((uint64_t)json_integer_value(v), t, sizeof(t)));
    else if (json_is_integer(v))
        buf_printf(b, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v))
        buf_printf(b, "%.1f", json_real_value(v));
    else if (json_is_true(v))
        buf_puts(b, "yes");
    else if (json_is_false(v))
        buf_puts(b, "no");
    else if (json_is_null(v))
        buf_puts(b, "-");
    else if (json_is_array(v))
        buf_printf(b, "[%zu]", json_array_size(v));
    else
        buf_puts(b, "{...}");
}

/* An object's members inline: "repo=os-ssd state=ok". */
static void put_inline(struct buf *b, json_t *o)
{
    const char *k;
    json_t *v;
    bool first = true;

    json_object_foreach(o, k, v) {
        buf_printf(b, "%s%s=", first ? "" : " ", k);
        put_scalar(b, k, v);
        first = false;
    }
}

/* Every figure, one "key  value" a line; lists of objects one line each. */
static char *figures_text(json_t *f)
{
    struct buf b = BUF_INIT(0);
    const char *k;
    json_t *v;
    char *out;

    json_object_foreach(f, k, v) {
        if (b.len > FIGURES_MAX)
            break;
        if (json_is_array(v)) {
            size_t i, shown = 0;
            json_t *e;

            buf_printf(&b, "%s", k);
            json_array_foreach(v, i, e) {
                if (shown >= 12) {
                    buf_printf(&b, " ... (%zu in all)", json_array_size(v));
                    break;
                }
                if (json_is_object(e)) {
                    buf_puts(&b, "\n  ");
                    put_inline(&b, e);
                } else {
                    buf_puts(&b, shown ? ", " : "  ");
                    put_scalar(&b, k, e);
                }
                shown++;
            }
            if (!json_array_size(v))
                buf_puts(&b, "  none");
        } else if (json_is_object(v)) {
            buf_printf(&b, "%-18s ", k);
            put_inline(&b, v);
        } else {
            buf_printf(&b, "%-18s ", k);
            put_scalar(&b, k, v);
        }
        buf_puts(&b, "\n");
    }
    out = xstrdup(buf_cstr(&b));
    buf_release(&b);
    /* sanitize line by line: newlines stay */
    for (char *line = out; line && *line;) {
        char *nl = strchr(line, '\n');

        if (nl)
            *nl = '\0';
        str_sanitize(line);
        if (!nl)
            break;
        *nl = '\n';
        line = nl + 1;
    }
    return out;
}

static char *text_lines(const char *s)
{
    char *out = xstrdup(s ? s : ""), *line = out;

    while (*line) {
        char *nl = strchr(line, '\n');

        if (nl)
            *nl = '\0';
        str_sanitize(line);
        if (!nl)
            break;
        *nl = '\n';
        line = nl + 1;
    }
    return out;
}

static void progress_parse(const char *text, struct jobs_progress *p)
{
    json_t *o = json_loads(text, 0, NULL), *eta;

    memset(p, 0, sizeof(*p));
    p->eta_seconds = -1;
    if (!json_is_object(o)) {
        json_decref(o);
        return;
    }
    p->percent = json_number_value(json_object_get(o, "percent"));
    p->files_done = (uint64_t)jint(o, "files_done");
    p->total_files = (uint64_t)jint(o, "total_files");
    p->bytes_done = (uint64_t)jint(o, "bytes_done");
    p->total_bytes = (uint64_t)jint(o, "total_bytes");
    p->errors = (uint64_t)jint(o, "errors");
    p->bytes_per_sec = json_number_value(json_object_get(o, "bytes_per_sec"));
    eta = json_object_get(o, "eta_seconds");
    p->eta_seconds = json_is_integer(eta) ? (int64_t)json_integer_value(eta) : -1;
    p->elapsed_seconds = (int64_t)jint(o, "elapsed_seconds");
    json_decref(o);
}

static struct runs_step *step_from(const struct store_step *ss, uint64_t *added)
{
    struct runs_step *s = xcalloc(1, sizeof(*s));
    json_t *f = ss->figures_json ? json_loads(ss->figures_json, 0, NULL) : NULL, *d;

    s->id = ss->id;
    str_copy(s->kind, sizeof(s->kind), ss->kind ? ss->kind : "?");
    str_copy(s->target, sizeof(s->target), ss->target ? ss->target : "");
    str_sanitize(s->kind);
    str_sanitize(s->target);
    s->started = ss->started;
    s->ended = ss->ended;
    s->outcome = ss->outcome;
    if (json_is_object(f)) {
        step_figure(s->kind, f, s->figure, sizeof(s->figure));
        s->figures = figures_text(f);
        if ((d = json_object_get(f, "data_added")) && json_is_integer(d) &&
            json_integer_value(d) > 0)
            *added += (uint64_t)json_integer_value(d);
    } else {
        s->figures = xstrdup("");
    }
    json_decref(f);
    s->message = xstrdup(ss->message ? ss->message : "");
    str_sanitize(s->message);
    s->log = text_lines(ss->log_excerpt);
    if (ss->outcome == RUN_RUNNING && ss->progress_json) {
        s->has_progress = true;
        progress_parse(ss->progress_json, &s->progress);
    }
    return s;
}

/* Liveness of a run the store records as running, at now. */
static void judge(struct app *app, struct runs_run *r, time_t now)
{
    struct app_runs *rs = app->runs;

    r->ours = rs->run && rs->run_id && r->id == rs->run_id;
    r->live = false;
    if (!r->recorded_running)
        return;
    if (r->ours || now - r->heartbeat <= RUNS_STALE_AFTER || runs_pid_alive(r->pid)) {
        r->live = true;
        r->outcome = RUN_RUNNING;
    } else {
        r->outcome = RUN_INTERRUPTED; /* corrected in the store when the job next starts */
    }
}

static struct runs_run *run_load(struct app *app, const struct store_run *sr, time_t now)
{
    struct runs_run *r = xcalloc(1, sizeof(*r));
    struct vec steps = VEC_INIT(store_step_free);
    struct store_run *full = NULL;
    struct lb_err err = { 0 };
    size_t i;
    struct store_step *ss;

    vec_init(&r->steps, step_free);
    r->id = sr->id;
    str_copy(r->job, sizeof(r->job), sr->job ? sr->job : "?");
    str_sanitize(r->job);
    r->started = sr->started;
    r->ended = sr->ended;
    r->outcome = sr->outcome;
    r->recorded_running = sr->outcome == RUN_RUNNING;
    r->pid = sr->pid;
    r->heartbeat = sr->updated > sr->started ? sr->updated : sr->started;
    str_copy(r->summary, sizeof(r->summary), sr->summary ? sr->summary : "");
    str_sanitize(r->summary);
    if (store_run_get(app->store, sr->id, &full, &steps, &err) == 0) {
        vec_foreach(&steps, i, ss) {
            vec_push(&r->steps, step_from(ss, &r->data_added));
        }
    }
    store_run_free(full);
    vec_release(&steps);
    if (app->cfg)
        r->planned = jobs_step_count(app->cfg, r->job);
    judge(app, r, now);
    return r;
}

static uint64_t mix(uint64_t h, int64_t v)
{
    h ^= (uint64_t)v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    return h;
}

static void link_jobs(struct app *app, time_t now)
{
    struct app_runs *rs = app->runs;
    size_t i, k;
    struct runs_job *j;
    struct runs_run *r;

    vec_foreach(&rs->jobs, i, j) {
        j->last = NULL;
        vec_foreach(&rs->history, k, r) {
            if (!strcmp(r->job, j->cfg->name)) {
                j->last = r;
                break;
            }
        }
        if (!j->last) {
            vec_foreach(&rs->extra, k, r) {
                if (!strcmp(r->job, j->cfg->name)) {
                    j->last = r;
                    break;
                }
            }
        }
        j->has_next = jobs_next_run(j->cfg, now, &j->next) == 0;
    }
}

/* Read the store; returns true when anything shown changed. */
static bool load(struct app *app, bool force)
{
    struct app_runs *rs = app->runs;
    struct vec recent = VEC_INIT(store_run_free);
    struct lb_err err = { 0 };
    time_t now = clock_now();
    uint64_t sig = 0;
    size_t i, k;
    struct store_run *sr;
    struct runs_run *r;
    struct runs_job *j;
    bool changed = false;

    if (!app->store)
        return false;
    rs->read_at = now;
    if (store_runs_recent(app->store, NULL, RUNS_HISTORY, &recent, &err) < 0) {
        changed = !rs->store_failed;
        rs->store_failed = true;
        rs->error = err;
        vec_release(&recent);
        return changed;
    }
    changed = rs->store_failed;
    rs->store_failed = false;
    vec_foreach(&recent, i, sr) {
        sig = mix(sig, sr->id);
        sig = mix(sig, sr->outcome);
        sig = mix(sig, (int64_t)sr->ended);
        sig = mix(sig, (int64_t)sr->updated);
    }
    if (!force && sig == rs->signature && !changed) {
        /* nothing new recorded: only liveness may have moved with time */
        vec_foreach(&rs->history, i, r) {
            enum run_outcome before = r->outcome;
            bool live = r->live;

            judge(app, r, now);
            if (before != r->outcome || live != r->live)
                changed = true;
        }
        vec_release(&recent);
        link_jobs(app, now);
        return changed;
    }
    rs->signature = sig;
    vec_clear(&rs->history);
    vec_foreach(&recent, i, sr) {
        vec_push(&rs->history, run_load(app, sr, now));
    }
    vec_release(&recent);
    /* jobs whose last run is older than the history */
    vec_clear(&rs->extra);
    vec_foreach(&rs->jobs, i, j) {
        bool found = false;

        vec_foreach(&rs->history, k, r) {
            if (!strcmp(r->job, j->cfg->name))
                found = true;
        }
        if (!found) {
            struct vec one = VEC_INIT(store_run_free);

            if (store_runs_recent(app->store, j->cfg->name, 1, &one, &err) == 0 && one.len)
                vec_push(&rs->extra, run_load(app, one.items[0], now));
            vec_release(&one);
        }
    }
    link_jobs(app, now);
    return true;
}

/* ---- polling ---- */

static bool any_live(const struct app_runs *rs)
{
    size_t i;
    struct runs_run *r;

    if (rs->run)
        return true;
    vec_foreach(&rs->history, i, r) {
        if (r->live)
            return true;
    }
    return false;
}

static void on_poll(struct loop *loop, void *arg)
{
    struct app *app = arg;
    struct app_runs *rs = app->runs;

    rs->poll_timer = 0;
    if (load(app, false))
        notify(app, APP_CHANGED_RUNS);
    rs->poll_timer = loop_add_timer(loop, any_live(rs) ? POLL_LIVE_MS : POLL_IDLE_MS, on_poll, app);
}

void app_runs_watch(struct app *app)
{
    struct app_runs *rs = app->runs;

    if (!rs || rs->watching)
        return;
    rs->watching = true;
    rs->poll_timer =
        loop_add_timer(app->loop, any_live(rs) ? POLL_LIVE_MS : POLL_IDLE_MS, on_poll, app);
}

static void poll_soon(struct app *app)
{
    struct app_runs *rs = app->runs;

    if (!rs->watching)
        return;
    if (rs->poll_timer)
        loop_cancel_timer(app->loop, rs->poll_timer);
    rs->poll_timer = loop_add_timer(app->loop, 0, on_poll, app);
}

void app_runs_init(struct app *app)
{
    struct app_runs *rs = xcalloc(1, sizeof(*rs));
    size_t i;
    struct job_cfg *jc;

    vec_init(&rs->jobs, job_free);
    vec_init(&rs->history, run_free);
    vec_init(&rs->extra, run_free);
    app->runs = rs;
    if (app->cfg) {
        vec_foreach(&app->cfg->jobs, i, jc) {
            struct runs_job *j = xcalloc(1, sizeof(*j));

            j->cfg = jc;
            vec_push(&rs->jobs, j);
        }
    }
    load(app, true);
    link_jobs(app, clock_now());
}

void app_runs_reload(struct app *app)
{
    if (app->runs && load(app, true))
        notify(app, APP_CHANGED_RUNS);
}

/* ---- the console's run ---- */

static struct runs_run *own_record(struct app_runs *rs)
{
    size_t i;
    struct runs_run *r;

    vec_foreach(&rs->history, i, r) {
        if (rs->run_id && r->id == rs->run_id)
            return r;
    }
    return NULL;
}

static void ev_step(struct job_run *run, const struct job_step *s, void *arg)
{
    struct app *app = arg;
    struct app_runs *rs = app->runs;

    rs->run_step = s->outcome == RUN_RUNNING ? s : NULL;
    rs->run_step_index = jobs_run_current(run);
    memset(&rs->run_progress, 0, sizeof(rs->run_progress));
    rs->run_progress.eta_seconds = -1;
    load(app, true); /* a step was added or ended: read its run again */
    notify(app, APP_CHANGED_RUNS);
}

static void ev_progress(struct job_run *run, const struct job_step *s, void *arg)
{
    struct app *app = arg;
    struct app_runs *rs = app->runs;
    struct runs_run *own = own_record(rs);
    size_t i;
    struct runs_step *st;

    (void)run;
    rs->run_step = s;
    rs->run_progress = s->progress;
    if (own) {
        vec_foreach(&own->steps, i, st) {
            if (s->id && st->id == s->id) {
                st->has_progress = true;
                st->progress = s->progress;
            }
        }
    }
    notify(app, APP_CHANGED_RUNS);
}

static void ev_note(struct job_run *run, const struct job_step *s, enum run_outcome sev,
                    const char *text, void *arg)
{
    struct app *app = arg;
    struct app_runs *rs = app->runs;

    (void)run;
    (void)s;
    if (rs->nnotes == RUNS_NOTES) {
        memmove(rs->notes[0], rs->notes[1], sizeof(rs->notes[0]) * (RUNS_NOTES - 1));
        memmove(&rs->notes_sev[0], &rs->notes_sev[1], sizeof(rs->notes_sev[0]) * (RUNS_NOTES - 1));
        rs->nnotes--;
    }
    str_copy(rs->notes[rs->nnotes], sizeof(rs->notes[0]), text);
    str_sanitize(rs->notes[rs->nnotes]);
    rs->notes_sev[rs->nnotes++] = sev;
    if (sev != RUN_OK) {
        snprintf(app->message, sizeof(app->message), "%s: %s", rs->run_job, text);
        str_sanitize(app->message);
        app->message_is_error = sev == RUN_FAILED;
        notify(app, APP_CHANGED_RUNS | APP_CHANGED_MESSAGE);
    } else {
        notify(app, APP_CHANGED_RUNS);
    }
}

static void ev_done(struct job_run *run, enum run_outcome outcome, void *arg)
{
    struct app *app = arg;
    struct app_runs *rs = app->runs;

    (void)run;
    rs->run = NULL;
    rs->run_step = NULL;
    rs->last_done = true;
    rs->last_outcome = outcome;
    app->busy--;
    snprintf(app->message, sizeof(app->message), "job %s: run #%lld %s", rs->run_job,
             (long long)rs->run_id, store_outcome_text(outcome));
    str_sanitize(app->message);
    app->message_is_error = outcome != RUN_OK && outcome != RUN_WARNING;
    load(app, true);
    notify(app, APP_CHANGED_RUNS | APP_CHANGED_BUSY | APP_CHANGED_MESSAGE);
}

int app_run_start(struct app *app, const char *job, struct lb_err *err)
{
    static const struct jobs_events tmpl = {
        .on_step = ev_step,
        .on_progress = ev_progress,
        .on_note = ev_note,
        .on_done = ev_done,
    };
    struct app_runs *rs = app->runs;
    struct jobs_events ev = tmpl;
    int holder = 0, rc;

    if (!rs || !app->cfg)
        return lb_err_set(err, LB_ECONFIG, "no config loaded: no job to run");
    if (rs->run)
        return lb_err_set(err, LB_EBUSY,
                          "job '%s' is running from this console: wait for it, or x cancels it",
                          rs->run_job);
    ev.arg = app;
    rc = jobs_run_start(app->loop, app->cfg, job, app->store, NULL, &ev, &rs->run, &holder, err);
    if (rc == -LB_EBUSY)
        return lb_err_set(err, LB_EBUSY,
                          "job '%s' is running already (PID %d, a timer or another console): "
                          "its progress shows here",
                          job, holder);
    if (rc < 0)
        return rc;
    str_copy(rs->run_job, sizeof(rs->run_job), job);
    str_sanitize(rs->run_job);
    rs->run_id = jobs_run_id(rs->run);
    rs->run_step = NULL;
    rs->run_step_index = 0;
    rs->run_step_count = jobs_run_steps(rs->run)->len;
    memset(&rs->run_progress, 0, sizeof(rs->run_progress));
    rs->run_progress.eta_seconds = -1;
    rs->nnotes = 0;
    rs->last_done = false;
    app->busy++;
    log_info("console: job %s started (run #%lld)", job, (long long)rs->run_id);
    load(app, true);
    poll_soon(app);
    notify(app, APP_CHANGED_RUNS | APP_CHANGED_BUSY);
    return 0;
}

bool app_run_cancel(struct app *app)
{
    struct app_runs *rs = app->runs;

    if (!rs || !rs->run)
        return false;
    jobs_run_cancel(rs->run);
    snprintf(app->message, sizeof(app->message), "job %s: stopping restic cleanly", rs->run_job);
    app->message_is_error = false;
    notify(app, APP_CHANGED_MESSAGE);
    return true;
}

void app_runs_cancel(struct app *app)
{
    struct app_runs *rs = app->runs;
    int64_t deadline;

    if (!rs)
        return;
    if (rs->poll_timer) {
        loop_cancel_timer(app->loop, rs->poll_timer);
        rs->poll_timer = 0;
    }
    rs->watching = false;
    if (!rs->run)
        return;
    /* the console is leaving: stop restic cleanly and let the run be recorded cancelled */
    jobs_run_cancel(rs->run);
    deadline = clock_mono_ms() + CANCEL_WAIT_MS;
    while (rs->run && clock_mono_ms() < deadline)
        loop_run_once(app->loop, 200);
    if (rs->run) {
        jobs_run_cancel(rs->run); /* asked twice: SIGTERM/SIGKILL at once */
        deadline = clock_mono_ms() + 10000;
        while (rs->run && clock_mono_ms() < deadline)
            loop_run_once(app->loop, 200);
    }
}

void app_runs_release(struct app *app)
{
    struct app_runs *rs = app->runs;

    if (!rs)
        return;
    if (rs->poll_timer)
        loop_cancel_timer(app->loop, rs->poll_timer);
    vec_release(&rs->jobs);
    vec_release(&rs->history);
    vec_release(&rs->extra);
    free(rs);
    app->runs = NULL;
}

/* ---- queries ---- */

const struct runs_run *app_runs_active(const struct app *app, const struct runs_step **step)
{
    const struct app_runs *rs = app->runs;
    const struct runs_run *found = NULL;
    size_t i;
    struct runs_run *r;

    if (step)
        *step = NULL;
    if (!rs)
        return NULL;
    vec_foreach(&rs->history, i, r) {
        if (r->live && (r->ours || !found))
            found = r;
    }
    if (found && step) {
        struct runs_step *s;

        vec_foreach(&found->steps, i, s) {
            if (s->outcome == RUN_RUNNING && !s->ended)
                *step = s;
        }
    }
    return found;
}

const struct runs_job *app_runs_job(const struct app *app, const char *job)
{
    size_t i;
    struct runs_job *j;

    if (!app->runs)
        return NULL;
    vec_foreach(&app->runs->jobs, i, j) {
        if (!strcmp(j->cfg->name, job))
            return j;
    }
    return NULL;
}
