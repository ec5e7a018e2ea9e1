/*
 * The backup runner (see jobs.h): a job becomes a list of steps, each step a
 * short chain of restic children started through spawn.h; every transition is
 * written to the store before the front end hears of it.
 *
 * restic facts relied on (restic 0.14, ../shared/reference/restic.md): backup
 * --json streams status lines (RESTIC_PROGRESS_FPS bounds them) and a summary;
 * exit 3 = snapshot written but some files unreadable; SIGINT makes restic
 * remove its lock and exit 130 (SIGTERM on 0.14 leaves a stale lock); copy
 * takes -r as the destination and the source from RESTIC_FROM_*; forget
 * --json prints keep/remove per group and nothing when there is no group;
 * check has no JSON on 0.14 and exits 1 on any error.
 */
#include "backend/jobs.h"

#include <errno.h>
#include <dirent.h>
#include <jansson.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "backend/base/clock.h"
#include "backend/base/log.h"
#include "backend/base/str.h"
#include "backend/base/xalloc.h"
#include "backend/calendar.h"
#include "backend/config.h"
#include "backend/loop.h"
#include "backend/restic.h"
#include "backend/retention.h"
#include "backend/retention_json.h"
#include "backend/runlock.h"
#include "backend/smart_history.h"
#include "backend/smart_rules.h"
#include "backend/spawn.h"

#define LOG_TAIL_MAX      (6 * 1024) /* log excerpt kept per step */
#define STDOUT_MAX        ((size_t)64 << 20)
#define STDERR_MAX        ((size_t)256 << 10)
#define PROGRESS_EVERY_MS 1000 /* store writes of live progress */
#define HEARTBEAT_MS      5000
#define INT_GRACE_MS      30000 /* after SIGINT, before SIGTERM/SIGKILL */
#define KILL_GRACE_MS     5000
#define DEFAULT_TIMEOUT   (12 * 3600) /* per step, seconds */
#define DEFAULT_UNLOCK    (30 * 60)   /* stale restic locks of ours older than this go */
#define SHORT_TIMEOUT_MS  (10 * 60 * 1000) /* version, cat config, locks, snapshots */
#define MAX_LOCKS         20
#define PBS_SCAN_MAX      2000 /* directory entries looked at per level */

enum repo_avail { RA_UNKNOWN, RA_OK, RA_NEW, RA_NO_DISK, RA_BROKEN };

struct repo_state {
    const struct repo_cfg *cfg;
    enum repo_avail avail;
    bool disk_full; /* its disk is above fill_crit: no backup into it */
    char why[512];  /* RA_NO_DISK / RA_BROKEN / disk_full */
    bool wrote;     /* a snapshot was written to it in this run (backup or copy) */
};

struct disk_state {
    const struct disk_cfg *cfg;
    bool mounted;
    double fill; /* percent used, -1 unknown */
};

typedef void (*after_fn)(struct job_run *r, const struct spawn_result *res, const struct buf *out,
                         const struct buf *errb);

struct job_run {
    struct loop *loop;
    const struct config *cfg;
    const struct job_cfg *job;
    struct store *st;
    struct runlock *lock;
    struct jobs_events ev;
    int64_t run_id;
    time_t started;
    struct vec steps; /* struct job_step * */
    size_t cur;
    struct vec repos; /* struct repo_state *: every repo the job touches */
    struct vec disks; /* struct disk_state * */
    int restic_version;
    bool restic_missing;
    char restic_problem[LB_ERR_MSG_MAX];
    char host[256];

    struct spawn *sp;
    struct smart_sampler *sampler; /* the smart step's reading in flight */
    after_fn after;
    uint64_t step_timer, int_timer, next_timer, heartbeat_timer;
    bool cancelled, timed_out, finished;
    int64_t last_progress_ms;
    struct lb_err err; /* scratch */

    /* preflight state */
    size_t pf_repo;
    struct vec lock_ids; /* char * */
    size_t pf_lock;
    bool pf_unlock;
    /* forget state */
    struct retention_input ret_in;
    struct vec engine_keep, engine_remove; /* char * short ids */
    /* check state */
    int check_n, check_t;
    /* backup state */
    bool saw_summary;
    uint64_t unreadable;
    char first_unreadable[300];
    struct vec missing_paths; /* char *: "does not exist, skipping" */
    struct vec dropped_paths; /* char *: under an unmounted disk */
};

/* ---- small helpers ---- */

const char *jobs_step_kind_name(enum job_step_kind kind)
{
    switch (kind) {
    case JOB_PREFLIGHT:
        return "preflight";
    case JOB_BACKUP:
        return "backup";
    case JOB_FORGET:
        return "forget";
    case JOB_COPY:
        return "copy";
    case JOB_CHECK:
        return "check";
    case JOB_SMART:
        return "smart";
    }
    return "?";
}

int jobs_exit_code(enum run_outcome outcome)
{
    return outcome == RUN_OK ? 0 : outcome == RUN_WARNING ? 1 : 2;
}

int jobs_next_run(const struct job_cfg *job, time_t now, time_t *next)
{
    struct lb_err err = { 0 };
    struct cal_event *ev;
    int rc;

    if (!job->schedule)
        return -LB_ENOTFOUND;
    if (!(ev = cal_parse(job->schedule, CAL_SYSTEMD, &err)))
        return -LB_EPARSE;
    rc = cal_next(ev, now, next);
    cal_free(ev);
    return rc;
}

static int64_t job_timeout_ms(const struct job_cfg *job)
{
    return (job->timeout > 0 ? job->timeout : DEFAULT_TIMEOUT) * 1000;
}

static int64_t job_unlock_after(const struct job_cfg *job)
{
    return job->unlock_after > 0 ? job->unlock_after : DEFAULT_UNLOCK;
}

static enum run_outcome worse(enum run_outcome a, enum run_outcome b)
{
    static const int rank[] = { [RUN_OK] = 0,     [RUN_WARNING] = 1,   [RUN_RUNNING] = 2,
                                [RUN_FAILED] = 3, [RUN_CANCELLED] = 4, [RUN_INTERRUPTED] = 4 };

    return rank[b] > rank[a] ? b : a;
}

/* The message of a restic failure without the adapter's "cannot read repo 'X': " prefix. */
static const char *strip_prefix(const char *msg)
{
    const char *p = str_starts_with(msg, "cannot read repo '") ? strstr(msg, "': ") : NULL;

    return p ? p + 3 : msg;
}

static struct repo_state *repo_state(struct job_run *r, const struct repo_cfg *cfg)
{
    size_t i;
    struct repo_state *rs;

    vec_foreach(&r->repos, i, rs) {
        if (rs->cfg == cfg)
            return rs;
    }
    return NULL;
}

static void add_repo(struct job_run *r, const struct repo_cfg *cfg)
{
    struct repo_state *rs;

    if (!cfg || repo_state(r, cfg))
        return;
    rs = xcalloc(1, sizeof(*rs));
    rs->cfg = cfg;
    vec_push(&r->repos, rs);
}

static bool path_under(const char *path, const char *dir)
{
    size_t n = strlen(dir);

    while (n > 1 && dir[n - 1] == '/')
        n--;
    if (n == 1 && dir[0] == '/')
        return path[0] == '/'; /* everything is under / */
    return !strncmp(path, dir, n) && (path[n] == '/' || path[n] == '\0');
}

/* The [disk] whose mount holds path (the deepest mount), or NULL. */
static const struct disk_cfg *disk_of(const struct config *cfg, const char *path)
{
    size_t i;
    struct disk_cfg *d;

    const struct disk_cfg *best = NULL;

    if (!path)
        return NULL;
    /* the most specific mount: /mnt/usb-ssd before / */
    vec_foreach(&cfg->disks, i, d) {
        if (d->mount && path_under(path, d->mount) &&
            (!best || strlen(d->mount) > strlen(best->mount)))
            best = d;
    }
    return best;
}

static struct disk_state *disk_state(struct job_run *r, const struct disk_cfg *d)
{
    size_t i;
    struct disk_state *ds;

    vec_foreach(&r->disks, i, ds) {
        if (ds->cfg == d)
            return ds;
    }
    return NULL;
}

/* Is dir a mount point (listed in /proc/self/mountinfo)? */
static bool is_mounted(const char *dir)
{
    FILE *f = fopen("/proc/self/mountinfo", "re");
    char line[4096];
    bool found = false;
    size_t dl = strlen(dir);

    while (dl > 1 && dir[dl - 1] == '/')
        dl--;
    if (!f)
        return false;
    while (!found && fgets(line, sizeof(line), f)) {
        /* ID PARENT MAJ:MIN ROOT MOUNTPOINT ...; spaces in paths are \040 */
        char *p = line, mp[4096];
        size_t n = 0;

        for (int field = 0; field < 4 && p; field++)
            p = strchr(p, ' ') ? strchr(p, ' ') + 1 : NULL;
        if (!p)
            continue;
        while (*p && *p != ' ' && n + 1 < sizeof(mp)) {
            if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' &&
                p[3] >= '0' && p[3] <= '7') {
                mp[n++] = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
                p += 4;
            } else {
                mp[n++] = *p++;
            }
        }
        mp[n] = '\0';
        found = strlen(mp) == dl && !strncmp(mp, dir, dl);
    }
    fclose(f);
    return found;
}

/* ---- the PBS datastore heuristic ---- */

static bool holds_datastore(const char *dir, int depth, char *found, size_t n)
{
    char *chunks = xasprintf("%s/.chunks", dir);
    struct stat sb;
    bool yes = stat(chunks, &sb) == 0 && S_ISDIR(sb.st_mode);
    DIR *d;
    struct dirent *e;
    int seen = 0;

    free(chunks);
    if (yes) {
        if (found)
            str_copy(found, n, dir);
        return true;
    }
    if (depth <= 0 || !(d = opendir(dir)))
        return false;
    while (!yes && (e = readdir(d)) && seen++ < PBS_SCAN_MAX) {
        char *sub;

        if (e->d_name[0] == '.' || (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN))
            continue;
        sub = xasprintf("%s/%s", dir, e->d_name);
        if (stat(sub, &sb) == 0 && S_ISDIR(sb.st_mode))
            yes = holds_datastore(sub, depth - 1, found, n);
        free(sub);
    }
    closedir(d);
    return yes;
}

int jobs_pbs_coverage(const struct config *cfg, const struct job_cfg *job, char *found,
                      size_t found_len)
{
    size_t i;
    const char *p;

    if (!cfg->pbss.len || !job->paths.len)
        return -1;
    vec_foreach(&job->paths, i, p) {
        if (holds_datastore(p, 2, found, found_len))
            return 1;
    }
    return 0;
}

/* ---- notes, figures, store ---- */

static void note(struct job_run *r, struct job_step *s, enum run_outcome sev, const char *fmt,
                 ...) __attribute__((format(printf, 4, 5)));

static void note(struct job_run *r, struct job_step *s, enum run_outcome sev, const char *fmt, ...)
{
    va_list ap;
    char *text;

    va_start(ap, fmt);
    text = xvasprintf(fmt, ap);
    va_end(ap);
    str_sanitize(text);
    if (sev == RUN_WARNING)
        log_warn("job %s: %s", r->job->name, text);
    else if (sev == RUN_FAILED)
        log_error("job %s: %s", r->job->name, text);
    else
        log_info("job %s: %s", r->job->name, text);
    if (s) {
        /* the first warning or error is the step's message; the log keeps them all */
        if (sev != RUN_OK && !s->message[0])
            str_copy(s->message, sizeof(s->message), text);
        if (sev != RUN_OK) {
            buf_puts(&s->log, "lifeboat: ");
            buf_puts(&s->log, text);
            buf_puts(&s->log, "\n");
        }
    }
    if (r->ev.on_note)
        r->ev.on_note(r, s, sev, text, r->ev.arg);
    free(text);
}

static void store_warn(struct job_run *r, const struct lb_err *e)
{
    log_error("job %s: %s", r->job->name, e->msg);
    if (r->ev.on_note)
        r->ev.on_note(r, NULL, RUN_WARNING, e->msg, r->ev.arg);
}

static json_t *figures(struct job_step *s)
{
    if (!s->figures)
        s->figures = json_object();
    return s->figures;
}

static void fig_int(struct job_step *s, const char *key, int64_t v)
{
    json_object_set_new(figures(s), key, json_integer((json_int_t)v));
}

static void fig_str(struct job_step *s, const char *key, const char *v)
{
    json_object_set_new(figures(s), key, json_string(v));
}

/* Append one line of child output to the step's log tail (sanitized, bounded). */
static void log_line(struct job_step *s, const char *line, size_t len)
{
    char *l = xstrndup(line, len > 1000 ? 1000 : len);

    str_sanitize(l);
    buf_puts(&s->log, l);
    buf_puts(&s->log, "\n");
    free(l);
    if (s->log.len > LOG_TAIL_MAX) {
        const char *cut = strchr(s->log.data + (s->log.len - LOG_TAIL_MAX), '\n');

        buf_consume(&s->log, cut ? (size_t)(cut + 1 - s->log.data) : s->log.len - LOG_TAIL_MAX);
    }
}

static void step_free(void *p)
{
    struct job_step *s = p;

    buf_release(&s->log);
    json_decref(s->figures);
    free(s);
}

static char *progress_json(const struct jobs_progress *p)
{
    json_t *o = json_object();
    char *text;

    json_object_set_new(o, "percent", json_real(p->percent));
    json_object_set_new(o, "files_done", json_integer((json_int_t)p->files_done));
    json_object_set_new(o, "total_files", json_integer((json_int_t)p->total_files));
    json_object_set_new(o, "bytes_done", json_integer((json_int_t)p->bytes_done));
    json_object_set_new(o, "total_bytes", json_integer((json_int_t)p->total_bytes));
    json_object_set_new(o, "errors", json_integer((json_int_t)p->errors));
    json_object_set_new(o, "bytes_per_sec", json_real(p->bytes_per_sec));
    json_object_set_new(o, "eta_seconds",
                        p->eta_seconds >= 0 ? json_integer(p->eta_seconds) : json_null());
    json_object_set_new(o, "elapsed_seconds", json_integer(p->elapsed_seconds));
    text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    return text;
}

/* ---- children ---- */

static void step_end(struct job_run *r, enum run_outcome outcome);
static void schedule_next(struct job_run *r);

static struct job_step *cur_step(struct job_run *r)
{
    return r->cur < r->steps.len ? r->steps.items[r->cur] : NULL;
}

static void on_backup_line(struct job_run *r, struct job_step *s, enum spawn_stream stream,
                           const char *line, size_t len);

static void on_child_line(struct spawn *sp, enum spawn_stream stream, const char *line, size_t len,
                          bool cut, void *arg)
{
    struct job_run *r = arg;
    struct job_step *s = cur_step(r);

    (void)sp;
    (void)cut;
    if (!s)
        return;
    if (s->kind == JOB_BACKUP) {
        on_backup_line(r, s, stream, line, len);
        return;
    }
    /* preflight answers and forget/snapshots JSON are captured, not logged */
    if (stream == SPAWN_STDOUT && (s->kind == JOB_PREFLIGHT || s->kind == JOB_FORGET) &&
        (s->kind == JOB_PREFLIGHT || (len && (line[0] == '[' || line[0] == '{'))))
        return;
    log_line(s, line, len);
}

static void on_child_exit(struct spawn *sp, const struct spawn_result *res, void *arg)
{
    struct job_run *r = arg;
    after_fn after = r->after;

    r->sp = NULL;
    r->after = NULL;
    if (r->step_timer)
        loop_cancel_timer(r->loop, r->step_timer);
    if (r->int_timer)
        loop_cancel_timer(r->loop, r->int_timer);
    r->step_timer = r->int_timer = 0;
    after(r, res, spawn_stdout(sp), spawn_stderr(sp));
}

static void on_int_grace(struct loop *loop, void *arg)
{
    struct job_run *r = arg;

    (void)loop;
    r->int_timer = 0;
    if (r->sp)
        spawn_cancel(r->sp); /* SIGTERM, then SIGKILL */
}

/* Ask restic to stop the way it cleans up (SIGINT), then insist. */
static void interrupt_child(struct job_run *r)
{
    if (!r->sp)
        return;
    spawn_signal(r->sp, SIGINT);
    if (!r->int_timer)
        r->int_timer = loop_add_timer(r->loop, INT_GRACE_MS, on_int_grace, r);
}

static void on_step_timeout(struct loop *loop, void *arg)
{
    struct job_run *r = arg;

    (void)loop;
    r->step_timer = 0;
    r->timed_out = true;
    interrupt_child(r);
}

/*
 * Start restic with args (after the program name) and env; after runs when it
 * is finished. timeout_ms 0: the job's step timeout.
 */
static int child_start(struct job_run *r, const char *const *args, const char *const *env,
                       const char *const *unset, int64_t timeout_ms, size_t stdout_max,
                       after_fn after)
{
    struct vec argv = VEC_INIT(free);
    struct spawn_opts o;

    vec_push(&argv, xstrdup(restic_program()));
    for (; *args; args++)
        vec_push(&argv, xstrdup(*args));
    vec_push(&argv, NULL);
    memset(&o, 0, sizeof(o));
    o.argv = (const char *const *)argv.items;
    o.env = env;
    o.unset_env = unset ? unset : restic_unset_env();
    o.kill_grace_ms = KILL_GRACE_MS;
    o.capture = true;
    o.capture_max = stdout_max > STDERR_MAX ? stdout_max : STDERR_MAX;
    o.max_output = o.capture_max + ((size_t)64 << 20);
    o.on_line = on_child_line;
    o.on_exit = on_child_exit;
    o.arg = r;
    if (r->cancelled)
        return lb_err_set(&r->err, LB_ECANCELLED, "cancelled");
    r->timed_out = false;
    r->after = after;
    r->sp = spawn_start(r->loop, &o, &r->err);
    vec_release(&argv);
    if (!r->sp) {
        r->after = NULL;
        return -(int)(r->err.code ? r->err.code : LB_EFAIL);
    }
    if (timeout_ms <= 0 || timeout_ms > job_timeout_ms(r->job))
        timeout_ms = job_timeout_ms(r->job);
    r->step_timer = loop_add_timer(r->loop, timeout_ms, on_step_timeout, r);
    return 0;
}

static bool child_ok(const struct spawn_result *res)
{
    return res->exited && res->status == 0 && !res->exec_errno && !res->timed_out;
}

/* Fill r->err from a failed child, naming what failed; returns the outcome to record. */
static enum run_outcome child_failure(struct job_run *r, const char *what, const char *repo,
                                      const struct spawn_result *res, const struct buf *errb)
{
    struct lb_err e = { 0 };

    if (r->cancelled && !r->timed_out) {
        lb_err_set(&r->err, LB_ECANCELLED, "%s: cancelled", what);
        return RUN_CANCELLED;
    }
    if (r->timed_out) {
        char d[32];

        lb_err_set(&r->err, LB_ETIMEOUT, "%s: stopped after the step timeout (%s)", what,
                   str_fmt_duration(job_timeout_ms(r->job) / 1000, d, sizeof(d)));
        return RUN_FAILED;
    }
    restic_classify_failure(repo ? repo : "?", res->exited ? res->status : -1, res->signo,
                            res->timed_out, res->exec_errno, buf_cstr(errb), &e);
    lb_err_set(&r->err, e.code, "%s: %s", what, strip_prefix(e.msg));
    return RUN_FAILED;
}

/* The environment of a repo with extra "K=V" entries (NULL-terminated vec, owned). */
static int repo_env(struct job_run *r, const struct repo_cfg *repo, struct vec *env,
                    const char *extra)
{
    int rc = restic_build_env(repo, r->cfg->dir, env, &r->err);

    if (rc < 0)
        return rc;
    if (extra) {
        vec_pop(env);
        vec_push(env, xstrdup(extra));
        vec_push(env, NULL);
    }
    return 0;
}

/* ---- preflight ---- */

static void pf_next_repo(struct job_run *r);

static void pf_disks(struct job_run *r, struct job_step *s)
{
    size_t i;
    struct disk_cfg *d;
    json_t *arr = json_array();

    vec_foreach(&r->cfg->disks, i, d) {
        struct disk_state *ds = xcalloc(1, sizeof(*ds));
        struct statvfs sv;
        json_t *o;

        ds->cfg = d;
        ds->fill = -1;
        vec_push(&r->disks, ds);
        if (!d->mount)
            continue;
        o = json_object();
        ds->mounted = is_mounted(d->mount);
        json_object_set_new(o, "disk", json_string(d->name));
        json_object_set_new(o, "mount", json_string(d->mount));
        json_object_set_new(o, "mounted", json_boolean(ds->mounted));
        if (ds->mounted && statvfs(d->mount, &sv) == 0 && sv.f_blocks) {
            double used = (double)(sv.f_blocks - sv.f_bfree);
            double avail = (double)sv.f_bavail;

            ds->fill = used + avail > 0 ? 100.0 * used / (used + avail) : 0;
            if (r->st && used + avail > 0) { /* the fill history (backend/fill.h) */
                struct lb_err e = { 0 };

                if (store_put_disk_fill(r->st, d->name, clock_now(),
                                        (uint64_t)(sv.f_blocks - sv.f_bfree) * sv.f_frsize,
                                        (uint64_t)(sv.f_blocks - sv.f_bfree + sv.f_bavail) *
                                            sv.f_frsize,
                                        &e) < 0)
                    log_warn("cannot keep the fill of disk '%s': %s", d->name, e.msg);
            }
            json_object_set_new(o, "fill_percent", json_real(ds->fill));
            if ((sv.f_flag & ST_RDONLY) || access(d->mount, W_OK) < 0)
                json_object_set_new(o, "writable", json_false());
        }
        json_array_append_new(arr, o);
    }
    json_object_set_new(figures(s), "disks", arr);
}

/* What the disks mean for each repo: skipped (not mounted), failed (read-only), full. */
static void pf_repo_disks(struct job_run *r, struct job_step *s)
{
    size_t i;
    struct repo_state *rs;

    vec_foreach(&r->repos, i, rs) {
        const char *path = config_repo_local_path(rs->cfg);
        const struct disk_cfg *d = disk_of(r->cfg, path);
        struct disk_state *ds = d ? disk_state(r, d) : NULL;
        struct statvfs sv;

        if (!ds)
            continue;
        if (!ds->mounted) {
            rs->avail = RA_NO_DISK;
            snprintf(rs->why, sizeof(rs->why), "skipped: USB SSD not mounted (disk '%s' at %s)",
                     d->name, d->mount);
        } else if (statvfs(d->mount, &sv) == 0 &&
                   ((sv.f_flag & ST_RDONLY) || access(d->mount, W_OK) < 0)) {
            rs->avail = RA_BROKEN;
            snprintf(rs->why, sizeof(rs->why),
                     "disk '%s' at %s is not writable (mounted read-only?): remount it "
                     "read-write",
                     d->name, d->mount);
        } else if (ds->fill >= d->fill_crit) {
            rs->disk_full = true;
            snprintf(rs->why, sizeof(rs->why),
                     "disk '%s' at %s is %.0f%% full (critical at %.0f%%): no backup into repo "
                     "'%s' until space is freed",
                     d->name, d->mount, ds->fill, d->fill_crit, rs->cfg->name);
        }
    }
    (void)s;
}

static void pf_warn_disks(struct job_run *r, struct job_step *s)
{
    size_t i;
    struct disk_state *ds;

    vec_foreach(&r->disks, i, ds) {
        const struct disk_cfg *d = ds->cfg;
        bool used = false;
        size_t k;
        struct repo_state *rs;

        if (!d->mount)
            continue;
        vec_foreach(&r->repos, k, rs) {
            if (disk_of(r->cfg, config_repo_local_path(rs->cfg)) == d)
                used = true;
        }
        if (!ds->mounted && used)
            note(r, s, RUN_WARNING,
                 "USB SSD not mounted: disk '%s' is not mounted at %s; the steps on its repos are "
                 "skipped",
                 d->name, d->mount);
        else if (ds->mounted && ds->fill >= d->fill_crit)
            note(r, s, RUN_FAILED, "disk '%s' at %s is %.0f%% full (critical at %.0f%%)", d->name,
                 d->mount, ds->fill, d->fill_crit);
        else if (ds->mounted && ds->fill >= d->fill_warn)
            note(r, s, RUN_WARNING, "disk '%s' at %s is %.0f%% full (warning at %.0f%%)", d->name,
                 d->mount, ds->fill, d->fill_warn);
    }
}

static void pf_pbs(struct job_run *r, struct job_step *s)
{
    char found[1024] = "";
    int c = jobs_pbs_coverage(r->cfg, r->job, found, sizeof(found));
    const struct pbs_cfg *pbs = r->cfg->pbss.len ? r->cfg->pbss.items[0] : NULL;
    size_t i;
    struct job_cfg *other;

    if (c < 0)
        return;
    if (c == 1) {
        fig_str(s, "pbs_datastore", found);
        return;
    }
    vec_foreach(&r->cfg->jobs, i, other) {
        if (other != r->job && jobs_pbs_coverage(r->cfg, other, found, sizeof(found)) == 1) {
            note(r, s, RUN_OK, "the PBS datastore %s is backed up by job '%s', not this one", found,
                 other->name);
            return;
        }
    }
    note(r, s, RUN_WARNING,
         "[pbs %s] is configured, but no path of job '%s' (nor of any job) holds a PBS datastore "
         "(a directory with .chunks/, looked up to two levels below each path): the PBS "
         "backups are not copied into restic; add the datastore's directory to paths",
         pbs->name, r->job->name);
}

static void pf_done(struct job_run *r)
{
    struct job_step *s = cur_step(r);
    size_t i;
    struct repo_state *rs;
    enum run_outcome o = RUN_OK;
    json_t *arr = json_array();

    vec_foreach(&r->repos, i, rs) {
        static const char *const names[] = { "unknown", "ok", "new", "disk not mounted",
                                             "failed" };
        json_t *j = json_object();

        json_object_set_new(j, "repo", json_string(rs->cfg->name));
        json_object_set_new(j, "state", json_string(names[rs->avail]));
        if (rs->why[0])
            json_object_set_new(j, "why", json_string(rs->why));
        json_array_append_new(arr, j);
        if (rs->avail == RA_BROKEN)
            o = worse(o, RUN_FAILED);
        else if (rs->avail == RA_NO_DISK || rs->disk_full)
            o = worse(o, rs->disk_full ? RUN_FAILED : RUN_WARNING);
    }
    json_object_set_new(figures(s), "repos", arr);
    if (r->restic_missing)
        o = RUN_FAILED;
    if (s->message[0] && o == RUN_OK)
        o = RUN_WARNING; /* a warning noted (PBS, stale lock, fill) */
    step_end(r, o);
}

static void pf_after_unlock(struct job_run *r, const struct spawn_result *res,
                            const struct buf *out, const struct buf *errb)
{
    struct repo_state *rs = r->repos.items[r->pf_repo];
    struct job_step *s = cur_step(r);

    (void)out;
    if (child_ok(res))
        note(r, s, RUN_WARNING, "repo '%s': removed the stale lock(s) above (restic unlock)",
             rs->cfg->name);
    else
        note(r, s, RUN_WARNING, "repo '%s': restic unlock failed: %s", rs->cfg->name,
             strip_prefix(buf_cstr(errb)));
    r->pf_repo++;
    pf_next_repo(r);
}

/* Is pid a live process here (a zombie is not)? comm gets its name. */
static bool pid_alive(int pid, char *comm, size_t n)
{
    char path[64], stat[512];
    FILE *f;
    const char *paren;

    comm[0] = '\0';
    snprintf(path, sizeof(path), "/proc/%d/stat", pid);
    if (pid <= 0 || !(f = fopen(path, "re")))
        return false;
    if (!fgets(stat, sizeof(stat), f))
        stat[0] = '\0';
    fclose(f);
    /* "PID (comm) S ...": S = Z for a zombie, X for dead */
    if ((paren = strrchr(stat, ')')) && paren[1] == ' ' && (paren[2] == 'Z' || paren[2] == 'X'))
        return false;
    snprintf(path, sizeof(path), "/proc/%d/comm", pid);
    if ((f = fopen(path, "re"))) {
        if (fgets(comm, (int)n, f))
            comm[strcspn(comm, "\n")] = '\0';
        fclose(f);
    }
    return true;
}

static void pf_lock_next(struct job_run *r);

static void pf_after_cat_lock(struct job_run *r, const struct spawn_result *res,
                              const struct buf *out, const struct buf *errb)
{
    struct repo_state *rs = r->repos.items[r->pf_repo];
    struct job_step *s = cur_step(r);
    struct restic_lock l = { 0 };
    struct lb_err e = { 0 };

    (void)errb;
    if (child_ok(res) && restic_parse_lock(buf_cstr(out), out->len, &l, &e) == 0) {
        int64_t age = (int64_t)(clock_now() - l.time);
        char a[32], comm[64];
        bool ours = l.hostname && !strcmp(l.hostname, r->host);
        bool alive = ours && pid_alive(l.pid, comm, sizeof(comm));
        char holder[300];

        snprintf(holder, sizeof(holder), "%s lock of %s@%s PID %d, %s old",
                 l.exclusive ? "exclusive" : "shared", l.username ? l.username : "?",
                 l.hostname ? l.hostname : "?", l.pid, str_fmt_age(age, a, sizeof(a)));
        if (ours && alive)
            note(r, s, RUN_OK, "repo '%s': %s: held by a running process (%s), left alone",
                 rs->cfg->name, holder, comm[0] ? comm : "?");
        else if (ours && age >= job_unlock_after(r->job)) {
            r->pf_unlock = true;
            note(r, s, RUN_WARNING,
                 "repo '%s': stale %s: no such process on this host any more; removing it",
                 rs->cfg->name, holder);
        } else if (ours)
            note(r, s, RUN_WARNING,
                 "repo '%s': stale %s: its process is gone, but it is younger than unlock_after: "
                 "left alone",
                 rs->cfg->name, holder);
        else
            note(r, s, RUN_WARNING,
                 "repo '%s': %s, made on another host: left alone (if no restic runs there, run "
                 "restic unlock)",
                 rs->cfg->name, holder);
        free(l.hostname);
        free(l.username);
    }
    r->pf_lock++;
    pf_lock_next(r);
}

static void pf_lock_next(struct job_run *r)
{
    struct repo_state *rs = r->repos.items[r->pf_repo];
    struct vec env = VEC_INIT(free);
    int rc = 0;

    if (r->pf_lock < r->lock_ids.len && !r->cancelled) {
        const char *args[] = { "--no-lock", "cat", "lock", r->lock_ids.items[r->pf_lock], NULL };

        if ((rc = repo_env(r, rs->cfg, &env, NULL)) == 0 &&
            (rc = child_start(r, args, (const char *const *)env.items, NULL, SHORT_TIMEOUT_MS, 0,
                              pf_after_cat_lock)) == 0)
            goto out;
        r->pf_lock = r->lock_ids.len;
    }
    if (r->pf_unlock && !r->cancelled) {
        static const char *const args[] = { "unlock", NULL };

        r->pf_unlock = false;
        vec_clear(&env);
        if (repo_env(r, rs->cfg, &env, NULL) == 0 &&
            child_start(r, args, (const char *const *)env.items, NULL, SHORT_TIMEOUT_MS, 0,
                        pf_after_unlock) == 0)
            goto out;
    }
    r->pf_repo++;
    pf_next_repo(r);
out:
    vec_release(&env);
}

static void pf_after_list_locks(struct job_run *r, const struct spawn_result *res,
                                const struct buf *out, const struct buf *errb)
{
    const char *p = buf_cstr(out);

    (void)errb;
    vec_clear(&r->lock_ids);
    r->pf_lock = 0;
    r->pf_unlock = false;
    while (child_ok(res) && *p && r->lock_ids.len < MAX_LOCKS) {
        size_t len = strcspn(p, "\n");

        if (len == 64)
            vec_push(&r->lock_ids, xstrndup(p, len));
        p += len;
        if (*p)
            p++;
    }
    pf_lock_next(r);
}

static void pf_after_cat_config(struct job_run *r, const struct spawn_result *res,
                                const struct buf *out, const struct buf *errb)
{
    struct repo_state *rs = r->repos.items[r->pf_repo];
    struct job_step *s = cur_step(r);
    struct vec env = VEC_INIT(free);

    (void)out;
    if (!child_ok(res)) {
        enum run_outcome o = child_failure(r, "", rs->cfg->name, res, errb);

        if (o == RUN_CANCELLED) {
            r->pf_repo = r->repos.len;
            pf_next_repo(r);
            goto out;
        }
        if (r->err.code == LB_ENOREPO) {
            rs->avail = RA_NEW;
            snprintf(rs->why, sizeof(rs->why), "no repository there yet");
        } else {
            rs->avail = RA_BROKEN;
            snprintf(rs->why, sizeof(rs->why), "%s", r->err.msg + 2);
            note(r, s, RUN_FAILED, "repo '%s': %s", rs->cfg->name, rs->why);
        }
        r->pf_repo++;
        pf_next_repo(r);
        goto out;
    }
    rs->avail = RA_OK;
    {
        static const char *const args[] = { "--no-lock", "list", "locks", NULL };

        if (repo_env(r, rs->cfg, &env, NULL) == 0 &&
            child_start(r, args, (const char *const *)env.items, NULL, SHORT_TIMEOUT_MS, 0,
                        pf_after_list_locks) == 0)
            goto out;
    }
    r->pf_repo++;
    pf_next_repo(r);
out:
    vec_release(&env);
}

static void pf_next_repo(struct job_run *r)
{
    static const char *const args[] = { "--no-lock", "cat", "config", NULL };

    while (r->pf_repo < r->repos.len && !r->cancelled) {
        struct repo_state *rs = r->repos.items[r->pf_repo];
        struct vec env = VEC_INIT(free);
        int rc;

        if (rs->avail != RA_UNKNOWN || r->restic_missing) {
            r->pf_repo++;
            continue;
        }
        rc = repo_env(r, rs->cfg, &env, NULL);
        if (rc == 0)
            rc = child_start(r, args, (const char *const *)env.items, NULL, SHORT_TIMEOUT_MS, 0,
                             pf_after_cat_config);
        vec_release(&env);
        if (rc == 0)
            return;
        rs->avail = RA_BROKEN;
        snprintf(rs->why, sizeof(rs->why), "%s", r->err.msg);
        note(r, cur_step(r), RUN_FAILED, "repo '%s': %s", rs->cfg->name, rs->why);
        r->pf_repo++;
    }
    pf_done(r);
}

static void pf_after_version(struct job_run *r, const struct spawn_result *res,
                             const struct buf *out, const struct buf *errb)
{
    struct job_step *s = cur_step(r);

    (void)errb;
    if (res->exec_errno || !child_ok(res) ||
        restic_parse_version(buf_cstr(out), &r->restic_version) < 0) {
        r->restic_missing = true;
        if (res->exec_errno == ENOENT)
            snprintf(r->restic_problem, sizeof(r->restic_problem),
                     "restic is not installed (apt install restic)");
        else
            snprintf(r->restic_problem, sizeof(r->restic_problem),
                     "cannot run %s version (exit %d)", restic_program(),
                     res->exited ? res->status : -1);
        note(r, s, RUN_FAILED, "%s", r->restic_problem);
    } else {
        char *v = xstrndup(buf_cstr(out), strcspn(buf_cstr(out), "\n"));

        fig_str(s, "restic", str_trim(v));
        free(v);
    }
    r->pf_repo = 0;
    pf_next_repo(r);
}

static void run_preflight(struct job_run *r, struct job_step *s)
{
    static const char *const args[] = { "version", NULL };

    pf_disks(r, s);
    pf_repo_disks(r, s);
    pf_warn_disks(r, s);
    pf_pbs(r, s);
    if (child_start(r, args, NULL, NULL, SHORT_TIMEOUT_MS, 0, pf_after_version) < 0) {
        r->restic_missing = true;
        snprintf(r->restic_problem, sizeof(r->restic_problem), "%s", r->err.msg);
        note(r, s, RUN_FAILED, "%s", r->err.msg);
        pf_done(r);
    }
}

/* ---- backup ---- */

static void set_progress(struct job_run *r, struct job_step *s, const struct restic_backup_msg *m)
{
    struct jobs_progress *p = &s->progress;
    int64_t now = loop_now_ms(r->loop);

    p->percent = m->percent;
    p->files_done = m->files_done;
    p->total_files = m->total_files;
    p->bytes_done = m->bytes_done;
    p->total_bytes = m->total_bytes;
    p->errors = m->error_count;
    p->elapsed_seconds = m->seconds_elapsed;
    p->eta_seconds = m->seconds_remaining;
    p->bytes_per_sec = m->seconds_elapsed > 0 ? (double)m->bytes_done / (double)m->seconds_elapsed
                                              : 0;
    if (r->st && s->id && now - r->last_progress_ms >= PROGRESS_EVERY_MS) {
        char *j = progress_json(p);
        struct lb_err e = { 0 };

        r->last_progress_ms = now;
        if (store_step_progress(r->st, r->run_id, s->id, j, clock_now(), &e) < 0)
            log_warn("%s", e.msg);
        free(j);
    }
    if (r->ev.on_progress)
        r->ev.on_progress(r, s, r->ev.arg);
}

static void on_backup_line(struct job_run *r, struct job_step *s, enum spawn_stream stream,
                           const char *line, size_t len)
{
    struct restic_backup_msg m;

    if (restic_parse_backup_line(line, len, &m) < 0) {
        /* plain text: restic's warnings on stderr */
        if (stream == SPAWN_STDERR) {
            const char *skip = strstr(line, " does not exist, skipping");

            if (skip && r->missing_paths.len < 20)
                vec_push(&r->missing_paths, xstrndup(line, (size_t)(skip - line)));
            log_line(s, line, len);
        }
        return;
    }
    switch (m.kind) {
    case RESTIC_MSG_STATUS:
        set_progress(r, s, &m);
        break;
    case RESTIC_MSG_SUMMARY: {
        json_t *f = figures(s);

        r->saw_summary = true;
        json_object_set_new(f, "snapshot_id", json_string(m.snapshot_id));
        json_object_set_new(f, "files_new", json_integer((json_int_t)m.files_new));
        json_object_set_new(f, "files_changed", json_integer((json_int_t)m.files_changed));
        json_object_set_new(f, "files_unmodified", json_integer((json_int_t)m.files_unmodified));
        json_object_set_new(f, "dirs_new", json_integer((json_int_t)m.dirs_new));
        json_object_set_new(f, "dirs_changed", json_integer((json_int_t)m.dirs_changed));
        json_object_set_new(f, "data_added", json_integer((json_int_t)m.data_added));
        json_object_set_new(f, "total_files_processed",
                            json_integer((json_int_t)m.total_files_processed));
        json_object_set_new(f, "total_bytes_processed",
                            json_integer((json_int_t)m.total_bytes_processed));
        json_object_set_new(f, "duration", json_real(m.total_duration));
        s->progress.percent = 100;
        s->progress.files_done = m.total_files_processed;
        s->progress.bytes_done = m.total_bytes_processed;
        break;
    }
    case RESTIC_MSG_ERROR:
        r->unreadable++;
        if (!r->first_unreadable[0])
            snprintf(r->first_unreadable, sizeof(r->first_unreadable), "%s", m.error);
        log_line(s, m.error, strlen(m.error));
        break;
    case RESTIC_MSG_OTHER:
        break;
    }
}

static void backup_after(struct job_run *r, const struct spawn_result *res, const struct buf *out,
                         const struct buf *errb)
{
    struct job_step *s = cur_step(r);
    struct repo_state *rs = repo_state(r, s->repo);
    enum run_outcome o = RUN_OK;
    size_t i;
    const char *p;

    (void)out;
    fig_int(s, "unreadable", (int64_t)r->unreadable);
    if (child_ok(res) || (res->exited && res->status == 3 && !r->cancelled)) {
        rs->wrote = true;
        if (res->status == 3) {
            o = RUN_WARNING;
            note(r, s, RUN_WARNING,
                 "backup to '%s': %llu file(s) could not be read (restic exit 3; first: %s); the "
                 "snapshot holds the rest",
                 s->repo->name, (unsigned long long)r->unreadable,
                 r->first_unreadable[0] ? r->first_unreadable : "see the log");
        }
        vec_foreach(&r->missing_paths, i, p) {
            o = worse(o, RUN_WARNING);
            note(r, s, RUN_WARNING, "backup to '%s': path %s does not exist: not backed up",
                 s->repo->name, p);
        }
        if (!r->saw_summary)
            note(r, s, RUN_WARNING, "backup to '%s': restic printed no summary", s->repo->name);
    } else {
        char what[200];

        snprintf(what, sizeof(what), "backup to '%s' failed", s->repo->name);
        o = child_failure(r, what, s->repo->name, res, errb);
        note(r, s, o == RUN_CANCELLED ? RUN_WARNING : RUN_FAILED, "%s", r->err.msg);
    }
    vec_foreach(&r->dropped_paths, i, p) {
        o = worse(o, RUN_WARNING);
    }
    step_end(r, o);
}

static void run_backup(struct job_run *r, struct job_step *s)
{
    struct vec args = VEC_INIT(free), env = VEC_INIT(free);
    size_t i;
    const char *p;
    int rc;

    r->saw_summary = false;
    r->unreadable = 0;
    r->first_unreadable[0] = '\0';
    vec_clear(&r->missing_paths);
    vec_clear(&r->dropped_paths);
    vec_push(&args, xstrdup("backup"));
    vec_push(&args, xstrdup("--json"));
    vec_foreach(&r->job->exclude, i, p) {
        vec_push(&args, xasprintf("--exclude=%s", p));
    }
    vec_foreach(&r->job->paths, i, p) {
        const struct disk_cfg *d = disk_of(r->cfg, p);
        struct disk_state *ds = d ? disk_state(r, d) : NULL;

        if (ds && !ds->mounted) {
            vec_push(&r->dropped_paths, xstrdup(p));
            note(r, s, RUN_WARNING,
                 "path %s is on disk '%s', which is not mounted at %s: not backed up this time", p,
                 d->name, d->mount);
            continue;
        }
        vec_push(&args, xstrdup(p));
    }
    if (args.len == 2 + r->job->exclude.len) {
        s->skipped = true;
        note(r, s, RUN_WARNING, "skipped: none of the paths can be read (USB SSD not mounted)");
        step_end(r, RUN_WARNING);
        goto out;
    }
    fig_int(s, "paths", (int64_t)(args.len - 2 - r->job->exclude.len));
    vec_push(&args, NULL);
    if ((rc = repo_env(r, s->repo, &env, "RESTIC_PROGRESS_FPS=2")) < 0 ||
        (rc = child_start(r, (const char *const *)args.items, (const char *const *)env.items,
                          NULL, 0, 0, backup_after)) < 0) {
        note(r, s, RUN_FAILED, "backup to '%s' failed: %s", s->repo->name, r->err.msg);
        step_end(r, RUN_FAILED);
    }
out:
    vec_release(&args);
    vec_release(&env);
}

/* ---- forget + prune ---- */

static void fill_policy(const struct keep_policy *k, int version, struct retention_policy *p)
{
    const int v[RET_NRULES] = { k->last, k->hourly, k->daily, k->weekly, k->monthly, k->yearly };

    memset(p, 0, sizeof(*p));
    for (int i = 0; i < RET_NRULES; i++)
        p->keep[i] = v[i] >= 0 ? v[i] : version >= 16 ? RETENTION_UNLIMITED : 1000000;
    if (k->within > 0) {
        if (k->within % 86400 == 0)
            p->within.days = (int)(k->within / 86400);
        else
            p->within.hours = (int)((k->within + 3599) / 3600);
    }
    p->restic_version = version;
}

static bool keep_empty(const struct keep_policy *k)
{
    return !k->last && !k->hourly && !k->daily && !k->weekly && !k->monthly && !k->yearly &&
           !k->within;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static json_t *id_array(struct vec *ids)
{
    json_t *a = json_array();

    for (size_t i = 0; i < ids->len; i++)
        json_array_append_new(a, json_string(ids->items[i]));
    return a;
}

static bool same_ids(struct vec *a, struct vec *b)
{
    if (a->len != b->len)
        return false;
    vec_sort(a, cmp_str);
    vec_sort(b, cmp_str);
    for (size_t i = 0; i < a->len; i++)
        if (strcmp(a->items[i], b->items[i]))
            return false;
    return true;
}

static void prune_after(struct job_run *r, const struct spawn_result *res, const struct buf *out,
                        const struct buf *errb)
{
    struct job_step *s = cur_step(r);
    enum run_outcome o = s->message[0] ? RUN_WARNING : RUN_OK;

    (void)out;
    if (child_ok(res)) {
        json_object_set_new(figures(s), "pruned", json_true());
    } else {
        char what[200];

        snprintf(what, sizeof(what), "prune of '%s' failed", s->repo->name);
        o = child_failure(r, what, s->repo->name, res, errb);
        note(r, s, o == RUN_CANCELLED ? RUN_WARNING : RUN_FAILED, "%s", r->err.msg);
    }
    step_end(r, o);
}

static void forget_after(struct job_run *r, const struct spawn_result *res, const struct buf *out,
                         const struct buf *errb)
{
    struct job_step *s = cur_step(r);
    struct vec keep = VEC_INIT(free), remove = VEC_INIT(free), env = VEC_INIT(free);
    struct lb_err e = { 0 };
    json_t *rj;
    bool agree;

    if (!child_ok(res)) {
        char what[200];
        enum run_outcome o;

        snprintf(what, sizeof(what), "forget in '%s' failed", s->repo->name);
        o = child_failure(r, what, s->repo->name, res, errb);
        note(r, s, o == RUN_CANCELLED ? RUN_WARNING : RUN_FAILED, "%s", r->err.msg);
        step_end(r, o);
        goto out;
    }
    if (restic_parse_forget(buf_cstr(out), out->len, &keep, &remove, &e) < 0) {
        note(r, s, RUN_FAILED, "forget in '%s': %s", s->repo->name, e.msg);
        step_end(r, RUN_FAILED);
        goto out;
    }
    agree = same_ids(&keep, &r->engine_keep) && same_ids(&remove, &r->engine_remove);
    rj = json_object();
    json_object_set_new(rj, "keep", json_integer((json_int_t)keep.len));
    json_object_set_new(rj, "remove", json_integer((json_int_t)remove.len));
    json_object_set_new(rj, "removed_ids", id_array(&remove));
    json_object_set_new(figures(s), "restic", rj);
    json_object_set_new(figures(s), "agree", json_boolean(agree));
    if (!agree)
        note(r, s, RUN_WARNING,
             "forget in '%s': lifeboat's retention preview (keep %zu, remove %zu) differs from "
             "restic's decision (keep %zu, remove %zu); restic's was applied: compare with "
             "lifeboat retention plan",
             s->repo->name, r->engine_keep.len, r->engine_remove.len, keep.len, remove.len);
    else
        note(r, s, RUN_OK, "forget in '%s': kept %zu, removed %zu snapshot(s), as previewed",
             s->repo->name, keep.len, remove.len);
    if (!remove.len) {
        json_object_set_new(figures(s), "pruned", json_false());
        step_end(r, agree ? RUN_OK : RUN_WARNING);
        goto out;
    }
    {
        static const char *const args[] = { "prune", NULL };

        if (repo_env(r, s->repo, &env, NULL) < 0 ||
            child_start(r, args, (const char *const *)env.items, NULL, 0, 0, prune_after) < 0) {
            note(r, s, RUN_FAILED, "prune of '%s' failed: %s", s->repo->name, r->err.msg);
            step_end(r, RUN_FAILED);
        }
    }
out:
    vec_release(&keep);
    vec_release(&remove);
    vec_release(&env);
}

static void snapshots_after(struct job_run *r, const struct spawn_result *res,
                            const struct buf *out, const struct buf *errb)
{
    struct job_step *s = cur_step(r);
    struct retention_policy p;
    struct retention_result rr;
    struct lb_err e = { 0 };
    struct vec args = VEC_INIT(free), env = VEC_INIT(free);
    json_t *ej;

    retention_input_release(&r->ret_in);
    memset(&r->ret_in, 0, sizeof(r->ret_in));
    vec_clear(&r->engine_keep);
    vec_clear(&r->engine_remove);
    if (!child_ok(res)) {
        char what[200];
        enum run_outcome o;

        snprintf(what, sizeof(what), "forget in '%s': cannot list snapshots", s->repo->name);
        o = child_failure(r, what, s->repo->name, res, errb);
        note(r, s, o == RUN_CANCELLED ? RUN_WARNING : RUN_FAILED, "%s", r->err.msg);
        step_end(r, o);
        goto out;
    }
    fill_policy(&s->repo->keep, r->restic_version, &p);
    if (retention_input_parse(&r->ret_in, RETENTION_RESTIC, buf_cstr(out), out->len, &e) < 0 ||
        retention_plan(RETENTION_RESTIC, &p, r->ret_in.snaps, r->ret_in.n, (int64_t)clock_now(),
                       NULL, &rr, &e) < 0) {
        note(r, s, RUN_FAILED, "forget in '%s': retention preview failed: %s", s->repo->name,
             e.msg);
        step_end(r, RUN_FAILED);
        goto out;
    }
    for (size_t i = 0; i < r->ret_in.n; i++)
        vec_push(r->ret_in.snaps[i].keep ? &r->engine_keep : &r->engine_remove,
                 xstrdup(r->ret_in.items[i].id));
    ej = json_object();
    json_object_set_new(ej, "keep", json_integer((json_int_t)rr.kept));
    json_object_set_new(ej, "remove", json_integer((json_int_t)rr.removed));
    json_object_set_new(ej, "remove_ids", id_array(&r->engine_remove));
    json_object_set_new(figures(s), "preview", ej);
    vec_push(&args, xstrdup("forget"));
    vec_push(&args, xstrdup("--json"));
    restic_keep_args(&s->repo->keep, r->restic_version, &args);
    {
        struct buf pol = BUF_INIT(0);

        for (size_t i = 2; i < args.len; i++)
            buf_printf(&pol, "%s%s", i > 2 ? " " : "", (const char *)args.items[i]);
        fig_str(s, "policy", buf_cstr(&pol));
        note(r, s, RUN_OK, "forget in '%s' (%s): the preview keeps %zu and removes %zu snapshot(s)",
             s->repo->name, buf_cstr(&pol), rr.kept, rr.removed);
        buf_release(&pol);
    }
    if (rr.empty_group >= 0) {
        note(r, s, RUN_FAILED,
             "forget in '%s' refused: the keep policy would remove every snapshot of group %s; "
             "fix keep = in [repo %s]",
             s->repo->name, r->ret_in.group_labels[rr.empty_group], s->repo->name);
        step_end(r, RUN_FAILED);
        goto out;
    }
    vec_push(&args, NULL);
    if (repo_env(r, s->repo, &env, NULL) < 0 ||
        child_start(r, (const char *const *)args.items, (const char *const *)env.items, NULL, 0,
                    0, forget_after) < 0) {
        note(r, s, RUN_FAILED, "forget in '%s' failed: %s", s->repo->name, r->err.msg);
        step_end(r, RUN_FAILED);
    }
out:
    vec_release(&args);
    vec_release(&env);
}

static void run_forget(struct job_run *r, struct job_step *s)
{
    static const char *const args[] = { "--no-lock", "snapshots", "--json", NULL };
    struct vec env = VEC_INIT(free);

    if (repo_env(r, s->repo, &env, NULL) < 0 ||
        child_start(r, args, (const char *const *)env.items, NULL, SHORT_TIMEOUT_MS, STDOUT_MAX,
                    snapshots_after) < 0) {
        note(r, s, RUN_FAILED, "forget in '%s' failed: %s", s->repo->name, r->err.msg);
        step_end(r, RUN_FAILED);
    }
    vec_release(&env);
}

/* ---- copy ---- */

static void copy_after(struct job_run *r, const struct spawn_result *res, const struct buf *out,
                       const struct buf *errb)
{
    struct job_step *s = cur_step(r);
    const char *p = buf_cstr(out);
    int64_t saved = 0, skipped = 0;
    enum run_outcome o = RUN_OK;

    while (*p) {
        size_t len = strcspn(p, "\n");
        char *l = xstrndup(p, len);

        if (str_starts_with(l, "snapshot ") && str_ends_with(l, " saved"))
            saved++;
        else if (str_starts_with(l, "skipping source snapshot"))
            skipped++;
        free(l);
        p += len;
        if (*p)
            p++;
    }
    fig_int(s, "copied", saved);
    fig_int(s, "already_there", skipped);
    if (child_ok(res)) {
        repo_state(r, s->repo)->wrote = saved > 0;
        note(r, s, RUN_OK, "copy %s -> %s: %lld snapshot(s) copied, %lld already there",
             s->src->name, s->repo->name, (long long)saved, (long long)skipped);
    } else {
        char what[200];

        snprintf(what, sizeof(what), "copy %s -> %s failed", s->src->name, s->repo->name);
        o = child_failure(r, what, s->repo->name, res, errb);
        note(r, s, o == RUN_CANCELLED ? RUN_WARNING : RUN_FAILED, "%s", r->err.msg);
    }
    step_end(r, o);
}

static void init_after(struct job_run *r, const struct spawn_result *res, const struct buf *out,
                       const struct buf *errb);

static int copy_start(struct job_run *r, struct job_step *s, bool init)
{
    static const char *const copy_args[] = { "copy", NULL };
    static const char *const init_args[] = { "init", "--copy-chunker-params", NULL };
    struct vec env = VEC_INIT(free);
    int rc;

    if ((rc = restic_build_copy_env(s->src, s->repo, r->cfg->dir, &env, &r->err)) == 0)
        rc = child_start(r, init ? init_args : copy_args, (const char *const *)env.items,
                         restic_unset_env_copy(), 0, 0, init ? init_after : copy_after);
    vec_release(&env);
    return rc;
}

static void init_after(struct job_run *r, const struct spawn_result *res, const struct buf *out,
                       const struct buf *errb)
{
    struct job_step *s = cur_step(r);

    (void)out;
    if (!child_ok(res)) {
        char what[200];
        enum run_outcome o;

        snprintf(what, sizeof(what), "cannot create repo '%s' for the copy", s->repo->name);
        o = child_failure(r, what, s->repo->name, res, errb);
        note(r, s, o == RUN_CANCELLED ? RUN_WARNING : RUN_FAILED, "%s", r->err.msg);
        step_end(r, o);
        return;
    }
    repo_state(r, s->repo)->avail = RA_OK;
    json_object_set_new(figures(s), "initialised", json_true());
    note(r, s, RUN_OK, "created repo '%s' with the chunker parameters of '%s'", s->repo->name,
         s->src->name);
    if (copy_start(r, s, false) < 0) {
        note(r, s, RUN_FAILED, "copy %s -> %s failed: %s", s->src->name, s->repo->name,
             r->err.msg);
        step_end(r, RUN_FAILED);
    }
}

static void run_copy(struct job_run *r, struct job_step *s)
{
    bool init = repo_state(r, s->repo)->avail == RA_NEW;
    int rc = copy_start(r, s, init);

    if (rc < 0) {
        note(r, s, RUN_FAILED, "copy %s -> %s failed: %s", s->src->name, s->repo->name,
             r->err.msg);
        step_end(r, RUN_FAILED);
    }
}

/* ---- check ---- */

static void check_after(struct job_run *r, const struct spawn_result *res, const struct buf *out,
                        const struct buf *errb)
{
    struct job_step *s = cur_step(r);
    bool clean = child_ok(res);
    bool found_errors = !clean && res->exited && res->status == 1 &&
                        strstr(buf_cstr(errb), "repository contains errors");
    enum run_outcome o = RUN_OK;
    struct lb_err e = { 0 };

    (void)out;
    if (r->check_t && (clean || found_errors) && r->st) {
        int covered = 0;
        time_t oldest = 0;

        if (store_check_record(r->st, s->repo->name, r->check_t, r->check_n, clock_now(), clean,
                               r->run_id, &e) < 0 ||
            store_check_coverage(r->st, s->repo->name, r->check_t, &covered, &oldest, &e) < 0)
            store_warn(r, &e);
        fig_int(s, "covered", covered);
        fig_int(s, "of", r->check_t);
        if (clean)
            note(r, s, RUN_OK,
                 "check of '%s': subset %d/%d read, no errors; %d of %d subsets read so far",
                 s->repo->name, r->check_n, r->check_t, covered, r->check_t);
    }
    if (found_errors) {
        const char *t = buf_cstr(errb);
        char *first = xstrndup(t, strcspn(t, "\n"));

        str_sanitize(first);
        o = RUN_FAILED;
        note(r, s, RUN_FAILED, "check of '%s' found errors: %s (see the log; restic repair "
             "may help)", s->repo->name, first);
        free(first);
    } else if (!clean) {
        char what[200];

        snprintf(what, sizeof(what), "check of '%s' failed", s->repo->name);
        o = child_failure(r, what, s->repo->name, res, errb);
        note(r, s, o == RUN_CANCELLED ? RUN_WARNING : RUN_FAILED, "%s", r->err.msg);
    } else if (!r->check_t) {
        note(r, s, RUN_OK, "check of '%s': no errors", s->repo->name);
    }
    step_end(r, o);
}

/* "1/52" -> n, t; "2%" -> 0, 0 */
static void parse_subset(const char *subset, int *n, int *t)
{
    const char *slash = subset ? strchr(subset, '/') : NULL;
    int64_t a, b;
    char *head;

    *n = *t = 0;
    if (!slash)
        return;
    head = xstrndup(subset, (size_t)(slash - subset));
    if (str_to_i64(head, 1, 256, &a) == 0 && str_to_i64(slash + 1, 1, 256, &b) == 0 && a <= b) {
        *n = (int)a;
        *t = (int)b;
    }
    free(head);
}

static char *check_subset_arg(struct store *st, const struct job_step *s, int *n, int *t)
{
    const char *subset = s->check ? s->check->subset : NULL;
    struct lb_err e = { 0 };

    parse_subset(subset, n, t);
    if (!subset)
        return NULL;
    if (!*t)
        return xasprintf("--read-data-subset=%s", subset);
    if (st && store_check_next_subset(st, s->repo->name, *t, *n, n, &e) < 0)
        log_warn("%s", e.msg);
    return xasprintf("--read-data-subset=%d/%d", *n, *t);
}

static void run_check(struct job_run *r, struct job_step *s)
{
    struct vec env = VEC_INIT(free);
    char *subset = check_subset_arg(r->st, s, &r->check_n, &r->check_t);
    const char *args[] = { "check", subset, NULL };

    if (subset)
        fig_str(s, "subset", subset + strlen("--read-data-subset="));
    if (repo_env(r, s->repo, &env, NULL) < 0 ||
        child_start(r, args, (const char *const *)env.items, NULL, 0, 0, check_after) < 0) {
        note(r, s, RUN_FAILED, "check of '%s' failed: %s", s->repo->name, r->err.msg);
        step_end(r, RUN_FAILED);
    }
    free(subset);
    vec_release(&env);
}

/* ---- smart ---- */

static void smart_done(struct smart_reading *rd, void *arg)
{
    struct job_run *r = arg;
    struct job_step *s = cur_step(r);
    const struct disk_cfg *d = s->disk;
    char *doc;
    json_t *f;
    enum run_outcome o;
    const struct smart_finding *worst =
        rd->report.findings.len ? rd->report.findings.items[0] : NULL;

    r->sampler = NULL;
    if (r->step_timer)
        loop_cancel_timer(r->loop, r->step_timer);
    r->step_timer = 0;
    doc = smart_report_json(rd->data, &rd->report, d->name, d->device);
    f = doc ? json_loads(doc, 0, NULL) : NULL;
    free(doc);
    if (json_is_object(f)) {
        json_decref(s->figures);
        s->figures = f;
    } else {
        json_decref(f);
    }
    switch (rd->report.verdict) {
    case SMART_VERDICT_OK:
    case SMART_VERDICT_STANDBY:
        o = RUN_OK;
        break;
    case SMART_VERDICT_WARN:
    case SMART_VERDICT_UNAVAILABLE:
        o = RUN_WARNING;
        break;
    default:
        o = RUN_FAILED;
        /*
         * Not allowed to read the disk, or the disk is gone (the pre-flight already says
         * the USB SSD is missing): a warning about the reading, not a failed backup.
         */
        if (rd->data && (rd->data->state == SMART_STATE_PERMISSION ||
                         rd->data->state == SMART_STATE_SANDBOX ||
                         rd->data->state == SMART_STATE_NO_CAPABILITY ||
                         rd->data->state == SMART_STATE_NO_DEVICE ||
                         rd->data->state == SMART_STATE_NOT_INSTALLED))
            o = RUN_WARNING;
        break;
    }
    if (r->cancelled) {
        o = RUN_CANCELLED;
        note(r, s, RUN_WARNING, "SMART reading of disk '%s' cancelled", d->name);
    } else if (o != RUN_OK) {
        note(r, s, o, "disk '%s': SMART %s: %s", d->name,
             smart_verdict_name(rd->report.verdict),
             worst && worst->text ? worst->text
             : rd->data && rd->data->reason ? rd->data->reason
                                            : "see lifeboat smart for the details");
    } else {
        note(r, s, RUN_OK, "disk '%s': SMART %s", d->name, smart_verdict_name(rd->report.verdict));
    }
    if (rd->store_err.code)
        note(r, s, RUN_WARNING, "disk '%s': the SMART sample was not kept: %s", d->name,
             rd->store_err.msg);
    step_end(r, o);
}

static void on_smart_timeout(struct loop *loop, void *arg)
{
    struct job_run *r = arg;

    (void)loop;
    r->step_timer = 0;
    r->timed_out = true;
    if (r->sampler)
        smart_sample_cancel(r->sampler); /* smart_done still runs */
}

static void run_smart(struct job_run *r, struct job_step *s)
{
    struct lb_err e = { 0 };

    r->sampler = smart_sample_disk(r->loop, r->st, r->cfg->dir, s->disk, smart_done, r, &e);
    if (!r->sampler) {
        note(r, s, RUN_WARNING, "disk '%s': SMART could not be read: %s", s->disk->name, e.msg);
        step_end(r, RUN_WARNING);
        return;
    }
    r->step_timer = loop_add_timer(r->loop, job_timeout_ms(r->job), on_smart_timeout, r);
}

/* Does job read or write anything under disk's mount? A disk without a mount: yes. */
static bool job_touches_disk(const struct config *cfg, const struct job_cfg *job,
                             const struct disk_cfg *d)
{
    size_t i;
    const char *p;
    struct job_copy *c;
    struct job_check *ck;
    const char *where;

    if (!d->mount)
        return true;
    vec_foreach(&job->paths, i, p) {
        if (path_under(p, d->mount))
            return true;
    }
    vec_foreach(&job->repos, i, p) {
        if (config_repo(cfg, p) && (where = config_repo_local_path(config_repo(cfg, p))) &&
            path_under(where, d->mount))
            return true;
    }
    vec_foreach(&job->copies, i, c) {
        const struct repo_cfg *a = config_repo(cfg, c->src), *b = config_repo(cfg, c->dst);

        if ((a && (where = config_repo_local_path(a)) && path_under(where, d->mount)) ||
            (b && (where = config_repo_local_path(b)) && path_under(where, d->mount)))
            return true;
    }
    vec_foreach(&job->checks, i, ck) {
        const struct repo_cfg *a = ck->repo ? config_repo(cfg, ck->repo) : NULL;

        if (a && (where = config_repo_local_path(a)) && path_under(where, d->mount))
            return true;
    }
    return false;
}

/* ---- the step sequence ---- */

static void add_step(struct vec *steps, enum job_step_kind kind, const struct repo_cfg *repo,
                     const struct repo_cfg *src, const struct job_check *check)
{
    struct job_step *s = xcalloc(1, sizeof(*s));

    s->kind = kind;
    s->repo = repo;
    s->src = src;
    s->check = check;
    buf_init(&s->log, 0);
    if (kind == JOB_PREFLIGHT)
        snprintf(s->label, sizeof(s->label), "preflight");
    else if (kind == JOB_SMART)
        s->label[0] = '\0'; /* plan() names the disk */
    else if (kind == JOB_COPY)
        snprintf(s->label, sizeof(s->label), "copy %s -> %s", src->name, repo->name);
    else
        snprintf(s->label, sizeof(s->label), "%s %s", jobs_step_kind_name(kind), repo->name);
    vec_push(steps, s);
}

/* The steps of job in order (struct job_step *, new). */
static void plan(const struct config *cfg, const struct job_cfg *job, struct vec *steps)
{
    size_t i;
    const char *name;
    struct job_copy *c;
    struct job_check *ck;

    add_step(steps, JOB_PREFLIGHT, NULL, NULL, NULL);
    {
        struct disk_cfg *d;

        vec_foreach(&cfg->disks, i, d) {
            struct job_step *s;

            if (!job_touches_disk(cfg, job, d))
                continue;
            add_step(steps, JOB_SMART, NULL, NULL, NULL);
            s = steps->items[steps->len - 1];
            s->disk = d;
            snprintf(s->label, sizeof(s->label), "smart %s", d->name);
        }
    }
    if (job->paths.len) {
        vec_foreach(&job->repos, i, name) {
            add_step(steps, JOB_BACKUP, config_repo(cfg, name), NULL, NULL);
        }
        vec_foreach(&job->repos, i, name) {
            const struct repo_cfg *rc = config_repo(cfg, name);

            if (!keep_empty(&rc->keep))
                add_step(steps, JOB_FORGET, rc, NULL, NULL);
        }
    }
    vec_foreach(&job->copies, i, c) {
        const struct repo_cfg *dst = config_repo(cfg, c->dst);

        add_step(steps, JOB_COPY, dst, config_repo(cfg, c->src), NULL);
        if (!keep_empty(&dst->keep))
            add_step(steps, JOB_FORGET, dst, NULL, NULL);
    }
    vec_foreach(&job->checks, i, ck) {
        if (ck->repo) {
            add_step(steps, JOB_CHECK, config_repo(cfg, ck->repo), NULL, ck);
        } else {
            size_t k;

            vec_foreach(&job->repos, k, name) {
                add_step(steps, JOB_CHECK, config_repo(cfg, name), NULL, ck);
            }
        }
    }
}

/* Why step cannot run (NULL: it can); *outcome: RUN_WARNING (skipped) or RUN_FAILED. */
static const char *blocked(struct job_run *r, struct job_step *s, enum run_outcome *outcome)
{
    struct repo_state *rs = s->repo ? repo_state(r, s->repo) : NULL;
    struct repo_state *src = s->src ? repo_state(r, s->src) : NULL;
    static char why[600];

    *outcome = RUN_FAILED;
    if (s->kind == JOB_PREFLIGHT || s->kind == JOB_SMART)
        return NULL;
    if (r->restic_missing)
        return r->restic_problem;
    if (src && src->avail == RA_NO_DISK) {
        *outcome = RUN_WARNING;
        return src->why;
    }
    if (rs->avail == RA_NO_DISK) {
        *outcome = RUN_WARNING;
        return rs->why;
    }
    if (src && (src->avail == RA_BROKEN || src->avail == RA_NEW)) {
        snprintf(why, sizeof(why), "not run: source repo '%s': %s", src->cfg->name, src->why);
        return why;
    }
    if (rs->avail == RA_BROKEN || (rs->avail == RA_NEW && s->kind != JOB_COPY)) {
        snprintf(why, sizeof(why), "not run: repo '%s': %s", rs->cfg->name, rs->why);
        return why;
    }
    if (s->kind == JOB_BACKUP && rs->disk_full)
        return rs->why;
    if (s->kind == JOB_FORGET && !rs->wrote) {
        *outcome = RUN_OK;
        snprintf(why, sizeof(why), "skipped: no new snapshot in '%s' in this run, nothing to "
                 "apply the keep policy after", rs->cfg->name);
        return why;
    }
    return NULL;
}

static void run_finish(struct job_run *r);

static void step_begin(struct job_run *r)
{
    struct job_step *s = cur_step(r);
    enum run_outcome o;
    const char *why;
    struct lb_err e = { 0 };

    if (!s || r->cancelled) {
        run_finish(r);
        return;
    }
    s->started = clock_now();
    s->outcome = RUN_RUNNING;
    if (r->st && store_step_add(r->st, r->run_id, jobs_step_kind_name(s->kind),
                                s->kind == JOB_COPY    ? s->label + strlen("copy ")
                                : s->kind == JOB_SMART ? s->disk->name
                                : s->repo              ? s->repo->name
                                                       : r->job->name,
                                s->started, &s->id, &e) < 0)
        store_warn(r, &e);
    if (r->ev.on_step)
        r->ev.on_step(r, s, r->ev.arg);
    if ((why = blocked(r, s, &o))) {
        s->skipped = o != RUN_FAILED;
        note(r, s, o, "%s: %s", s->label, why);
        step_end(r, o);
        return;
    }
    r->last_progress_ms = 0;
    switch (s->kind) {
    case JOB_PREFLIGHT:
        run_preflight(r, s);
        break;
    case JOB_BACKUP:
        run_backup(r, s);
        break;
    case JOB_FORGET:
        run_forget(r, s);
        break;
    case JOB_COPY:
        run_copy(r, s);
        break;
    case JOB_CHECK:
        run_check(r, s);
        break;
    case JOB_SMART:
        run_smart(r, s);
        break;
    }
}

static void on_next(struct loop *loop, void *arg)
{
    struct job_run *r = arg;

    (void)loop;
    r->next_timer = 0;
    step_begin(r);
}

static void schedule_next(struct job_run *r)
{
    if (!r->next_timer)
        r->next_timer = loop_add_timer(r->loop, 0, on_next, r);
}

static void step_end(struct job_run *r, enum run_outcome outcome)
{
    struct job_step *s = cur_step(r);
    struct lb_err e = { 0 };
    char *fig = NULL;

    if (r->cancelled && outcome == RUN_FAILED && r->err.code == LB_ECANCELLED)
        outcome = RUN_CANCELLED;
    s->ended = clock_now();
    s->outcome = outcome;
    if (s->figures)
        fig = json_dumps(s->figures, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (r->st && s->id) {
        if (store_step_finish(r->st, s->id, s->ended, outcome, fig,
                              s->log.len ? buf_cstr(&s->log) : NULL, &e) < 0 ||
            (s->message[0] && store_step_message(r->st, s->id, s->message, &e) < 0) ||
            store_step_progress(r->st, r->run_id, 0, NULL, s->ended, &e) < 0)
            store_warn(r, &e);
    }
    free(fig);
    if (r->ev.on_step)
        r->ev.on_step(r, s, r->ev.arg);
    r->cur++;
    schedule_next(r);
}

static void run_free(struct job_run *r)
{
    if (r->next_timer)
        loop_cancel_timer(r->loop, r->next_timer);
    if (r->heartbeat_timer)
        loop_cancel_timer(r->loop, r->heartbeat_timer);
    runlock_release(r->lock);
    vec_release(&r->steps);
    vec_release(&r->repos);
    vec_release(&r->disks);
    vec_release(&r->lock_ids);
    vec_release(&r->engine_keep);
    vec_release(&r->engine_remove);
    vec_release(&r->missing_paths);
    vec_release(&r->dropped_paths);
    retention_input_release(&r->ret_in);
    free(r);
}

static void run_finish(struct job_run *r)
{
    enum run_outcome o = RUN_OK;
    int counts[6] = { 0 };
    uint64_t added = 0;
    size_t i, ran = 0;
    struct job_step *s;
    struct buf sum = BUF_INIT(0);
    struct lb_err e = { 0 };
    char b[32];

    vec_foreach(&r->steps, i, s) {
        json_t *d;

        if (!s->started)
            continue;
        ran++;
        counts[s->outcome]++;
        o = worse(o, s->outcome);
        if (s->figures && (d = json_object_get(s->figures, "data_added")))
            added += (uint64_t)json_integer_value(d);
    }
    if (r->cancelled)
        o = RUN_CANCELLED;
    buf_printf(&sum, "%zu of %zu steps ran: %d ok", ran, r->steps.len, counts[RUN_OK]);
    if (counts[RUN_WARNING])
        buf_printf(&sum, ", %d warning", counts[RUN_WARNING]);
    if (counts[RUN_FAILED])
        buf_printf(&sum, ", %d failed", counts[RUN_FAILED]);
    if (counts[RUN_CANCELLED])
        buf_printf(&sum, ", %d cancelled", counts[RUN_CANCELLED]);
    buf_printf(&sum, "; %s added", str_fmt_bytes(added, b, sizeof(b)));
    if (r->st && r->run_id &&
        store_run_finish(r->st, r->run_id, clock_now(), o, buf_cstr(&sum), &e) < 0)
        store_warn(r, &e);
    note(r, NULL, RUN_OK, "run %s: %s", store_outcome_text(o), buf_cstr(&sum));
    buf_release(&sum);
    r->finished = true;
    runlock_release(r->lock);
    r->lock = NULL;
    if (r->ev.on_done)
        r->ev.on_done(r, o, r->ev.arg);
    run_free(r);
}

static void on_heartbeat(struct loop *loop, void *arg)
{
    struct job_run *r = arg;
    struct lb_err e = { 0 };

    r->heartbeat_timer = loop_add_timer(loop, HEARTBEAT_MS, on_heartbeat, r);
    if (r->st && r->run_id && store_step_progress(r->st, r->run_id, 0, NULL, clock_now(), &e) < 0)
        log_warn("%s", e.msg);
}

int jobs_run_start(struct loop *loop, const struct config *cfg, const char *job,
                   struct store *st, const char *lock_dir, const struct jobs_events *ev,
                   struct job_run **out, int *holder_pid, struct lb_err *err)
{
    const struct job_cfg *j = config_job(cfg, job);
    struct job_run *r;
    struct runlock *lock = NULL;
    struct vec marked = VEC_INIT(store_run_free);
    size_t i;
    int rc;

    *out = NULL;
    if (!j)
        return lb_err_set(err, LB_ENOTFOUND, "no job '%s' in %s (add a [job %s] section)", job,
                          cfg->path ? cfg->path : "the config", job);
    if ((rc = runlock_try(lock_dir, job, &lock, holder_pid, err)) < 0)
        return rc;
    r = xcalloc(1, sizeof(*r));
    r->loop = loop;
    r->cfg = cfg;
    r->job = j;
    r->st = st;
    r->lock = lock;
    if (ev)
        r->ev = *ev;
    vec_init(&r->steps, step_free);
    vec_init(&r->repos, free);
    vec_init(&r->disks, free);
    vec_init(&r->lock_ids, free);
    vec_init(&r->engine_keep, free);
    vec_init(&r->engine_remove, free);
    vec_init(&r->missing_paths, free);
    vec_init(&r->dropped_paths, free);
    if (gethostname(r->host, sizeof(r->host) - 1) < 0)
        r->host[0] = '\0';
    plan(cfg, j, &r->steps);
    for (i = 0; i < r->steps.len; i++) {
        struct job_step *s = r->steps.items[i];

        add_repo(r, s->src);
        add_repo(r, s->repo);
    }
    r->started = clock_now();
    if (st) {
        struct lb_err e = { 0 };

        if (store_runs_interrupt(st, job, &marked, &e) < 0)
            log_warn("%s", e.msg);
        if (store_run_begin(st, job, r->started, (int)getpid(), &r->run_id, &e) < 0) {
            log_error("%s", e.msg);
            r->run_id = 0;
            r->st = NULL; /* nothing more to record: say so once the run starts */
            str_copy(r->err.msg, sizeof(r->err.msg), e.msg);
        }
    }
    *out = r;
    schedule_next(r);
    r->heartbeat_timer = loop_add_timer(loop, HEARTBEAT_MS, on_heartbeat, r);
    /* tell about interrupted runs from the loop, with the first step */
    {
        struct store_run *m;

        vec_foreach(&marked, i, m) {
            char when[40];

            log_warn("job %s: run #%lld (PID %d, started %s) was interrupted", job,
                     (long long)m->id, m->pid, clock_fmt_local(m->started, when, sizeof(when)));
            if (r->ev.on_note) {
                char *t = xasprintf("the previous run #%lld (PID %d, started %s) did not finish: "
                                    "recorded as interrupted",
                                    (long long)m->id, m->pid, when);

                r->ev.on_note(r, NULL, RUN_WARNING, t, r->ev.arg);
                free(t);
            }
        }
    }
    vec_release(&marked);
    return 0;
}

void jobs_run_cancel(struct job_run *r)
{
    if (!r || r->finished)
        return;
    if (r->cancelled && r->sp) {
        spawn_cancel(r->sp); /* asked twice: do not wait for restic's cleanup */
        return;
    }
    r->cancelled = true;
    interrupt_child(r);
    if (r->sampler)
        smart_sample_cancel(r->sampler); /* smart_done ends the step */
}

int64_t jobs_run_id(const struct job_run *r)
{
    return r->run_id;
}

const struct vec *jobs_run_steps(const struct job_run *r)
{
    return &r->steps;
}

size_t jobs_run_current(const struct job_run *r)
{
    return r->cur;
}

/* ---- dry run ---- */

static bool needs_quote(const char *s)
{
    if (!*s)
        return true;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              strchr("-_./=:,+@%", *s)))
            return true;
    return false;
}

static void put_word(struct buf *out, const char *w)
{
    char *s = xstrdup(w);

    str_sanitize(s);
    if (!needs_quote(s)) {
        buf_puts(out, s);
    } else {
        buf_puts(out, "'");
        for (const char *p = s; *p; p++) {
            if (*p == '\'')
                buf_puts(out, "'\\''");
            else
                buf_append(out, p, 1);
        }
        buf_puts(out, "'");
    }
    free(s);
}

/* "rest:https://user:pass@host/" -> "rest:https://user:***@host/" (new) */
static char *mask_url(const char *url)
{
    const char *scheme = strstr(url, "://"), *at, *colon;

    if (!scheme || !(at = strchr(scheme + 3, '@')) || strchr(scheme + 3, '/') < at)
        return xstrdup(url);
    colon = memchr(scheme + 3, ':', (size_t)(at - scheme - 3));
    if (!colon)
        return xstrdup(url);
    return xasprintf("%.*s***%s", (int)(colon + 1 - url), url, at);
}

static void put_env(struct buf *out, const char *const *env)
{
    for (; env && *env; env++) {
        const char *e = *env, *eq = strchr(e, '=');
        size_t n = eq ? (size_t)(eq - e) : strlen(e);
        char *name = xstrndup(e, n), *shown;

        if (!strcmp(name, "RESTIC_REPOSITORY") || !strcmp(name, "RESTIC_FROM_REPOSITORY"))
            shown = mask_url(eq + 1);
        else if (!strcmp(name, "RESTIC_PASSWORD_FILE") ||
                 !strcmp(name, "RESTIC_FROM_PASSWORD_FILE") ||
                 !strcmp(name, "RESTIC_PROGRESS_FPS"))
            shown = xstrdup(eq + 1);
        else
            shown = xstrdup("<redacted>");
        buf_printf(out, "%s=", name);
        put_word(out, shown);
        buf_puts(out, " ");
        free(name);
        free(shown);
    }
}

static void put_cmd(struct buf *out, const char *indent, const char *const *env,
                    const char *const *args)
{
    buf_puts(out, indent);
    put_env(out, env);
    put_word(out, restic_program());
    for (; *args; args++) {
        buf_puts(out, " ");
        put_word(out, *args);
    }
    buf_puts(out, "\n");
}

static void describe_step(const struct config *cfg, const struct job_cfg *job, struct store *st,
                          const struct job_step *s, struct buf *out)
{
    struct vec env = VEC_INIT(free), args = VEC_INIT(free);
    struct lb_err e = { 0 };
    const char *in = "    ";
    size_t i;
    const char *p;

    if (s->kind == JOB_COPY)
        restic_build_copy_env(s->src, s->repo, cfg->dir, &env, &e);
    else if (s->repo)
        restic_build_env(s->repo, cfg->dir, &env, &e);
    if (e.code) {
        buf_printf(out, "%s(cannot run: %s)\n", in, e.msg);
        goto out;
    }
    switch (s->kind) {
    case JOB_PREFLIGHT: {
        struct disk_cfg *d;
        char found[1024];
        int c = jobs_pbs_coverage(cfg, job, found, sizeof(found));

        buf_printf(out, "%srestic version\n", in);
        vec_foreach(&cfg->disks, i, d) {
            if (d->mount)
                buf_printf(out, "%sdisk %s: mounted at %s, writable, below %.0f%% full\n", in,
                           d->name, d->mount, d->fill_crit);
        }
        buf_printf(out, "%sfor each repo: restic --no-lock cat config, list locks (stale locks "
                        "of this host older than %lld s removed with restic unlock)\n",
                   in, (long long)job_unlock_after(job));
        if (c == 1)
            buf_printf(out, "%sPBS datastore: %s is under the job's paths\n", in, found);
        else if (c == 0)
            buf_printf(out, "%sPBS datastore: no path of this job holds one (a warning)\n", in);
        break;
    }
    case JOB_BACKUP:
        vec_push(&args, xstrdup("backup"));
        vec_push(&args, xstrdup("--json"));
        vec_foreach(&job->exclude, i, p) {
            vec_push(&args, xasprintf("--exclude=%s", p));
        }
        vec_foreach(&job->paths, i, p) {
            vec_push(&args, xstrdup(p));
        }
        vec_push(&args, NULL);
        vec_pop(&env);
        vec_push(&env, xstrdup("RESTIC_PROGRESS_FPS=2"));
        vec_push(&env, NULL);
        put_cmd(out, in, (const char *const *)env.items, (const char *const *)args.items);
        break;
    case JOB_FORGET: {
        const char *snaps[] = { "--no-lock", "snapshots", "--json", NULL };

        put_cmd(out, in, (const char *const *)env.items, snaps);
        buf_printf(out, "%s(lifeboat's retention engine previews the decision)\n", in);
        vec_push(&args, xstrdup("forget"));
        vec_push(&args, xstrdup("--json"));
        restic_keep_args(&s->repo->keep, 14, &args);
        vec_push(&args, NULL);
        put_cmd(out, in, (const char *const *)env.items, (const char *const *)args.items);
        {
            const char *prune[] = { "prune", NULL };

            buf_printf(out, "%s(if forget removed any snapshot:)\n", in);
            put_cmd(out, in, (const char *const *)env.items, prune);
        }
        break;
    }
    case JOB_COPY: {
        const char *init[] = { "init", "--copy-chunker-params", NULL };
        const char *copy[] = { "copy", NULL };

        buf_printf(out, "%s(if repo '%s' does not exist yet:)\n", in, s->repo->name);
        put_cmd(out, in, (const char *const *)env.items, init);
        put_cmd(out, in, (const char *const *)env.items, copy);
        break;
    }
    case JOB_CHECK: {
        int n, t;
        char *subset = check_subset_arg(st, s, &n, &t);
        const char *check[] = { "check", subset, NULL };

        put_cmd(out, in, (const char *const *)env.items, check);
        free(subset);
        break;
    }
    case JOB_SMART:
        if (s->disk->source)
            buf_printf(out, "%sSMART of disk %s from its saved capture %s (source =)\n", in,
                       s->disk->name, s->disk->source);
        else
            buf_printf(out, "%ssmartctl --json -a -d %s %s (the -d type that worked last time "
                            "first), kept as a SMART sample\n",
                       in, s->disk->type ? s->disk->type : "auto",
                       s->disk->device ? s->disk->device : "?");
        break;
    }
out:
    vec_release(&env);
    vec_release(&args);
}

size_t jobs_step_count(const struct config *cfg, const char *job)
{
    const struct job_cfg *j = config_job(cfg, job);
    struct vec steps = VEC_INIT(step_free);
    size_t n;

    if (!j)
        return 0;
    plan(cfg, j, &steps);
    n = steps.len;
    vec_release(&steps);
    return n;
}

int jobs_describe(const struct config *cfg, const char *job, struct store *st, struct buf *out,
                  struct lb_err *err)
{
    const struct job_cfg *j = config_job(cfg, job);
    struct vec steps = VEC_INIT(step_free);
    size_t i;
    struct job_step *s;

    if (!j)
        return lb_err_set(err, LB_ENOTFOUND, "no job '%s' in %s (add a [job %s] section)", job,
                          cfg->path ? cfg->path : "the config", job);
    plan(cfg, j, &steps);
    buf_printf(out, "job %s (schedule %s): %zu steps, nothing is run (--dry-run)\n", j->name,
               j->schedule ? j->schedule : "none", steps.len);
    vec_foreach(&steps, i, s) {
        buf_printf(out, "%zu. %s\n", i + 1, s->label);
        describe_step(cfg, j, st, s, out);
    }
    vec_release(&steps);
    return 0;
}
