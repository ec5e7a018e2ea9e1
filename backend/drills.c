/*
 * Restore drills (see drills.h). The cloud drill is a small state machine
 * over the loop: ls (restore point and file list) -> ready -> restore
 * (--verify, with a progress timer that measures what landed in scratch) ->
 * verify (sizes, sampled files against restic dump) -> cleanup -> record.
 */
#include "backend/drills.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "backend/base/buf.h"
#include "backend/base/clock.h"
#include "backend/base/log.h"
#include "backend/base/path.h"
#include "backend/base/str.h"
#include "backend/base/xalloc.h"
#include "backend/config.h"
#include "backend/loop.h"
#include "backend/restic.h"
#include "backend/restic_restore.h"
#include "backend/restore_tree.h"
#include "backend/runlock.h"
#include "backend/spawn.h"
#include "backend/tree_rm.h"

#define LS_TIMEOUT_MS    (30 * 60 * 1000LL)
#define DUMP_TIMEOUT_MS  (10 * 60 * 1000LL)
#define SAMPLE_MAX_BYTES (8u << 20) /* files compared with restic dump are at most this big */
#define VERIFY_CHUNK     2000       /* files size-checked per loop turn */

struct drill_file {
    char *path; /* absolute path in the snapshot */
    uint64_t size;
};

static void drill_file_free(void *p)
{
    struct drill_file *f = p;

    if (f) {
        free(f->path);
        free(f);
    }
}

struct drill {
    struct loop *loop;
    const struct config *cfg;
    struct store *st;
    const struct repo_cfg *repo;
    struct runlock *lock;
    void (*on_update)(struct drill *d, void *arg);
    void *arg;

    char *snapshot; /* as asked ("latest" or an id) */
    char *include;  /* NULL: everything */
    int sample_files;
    struct vec env; /* restic's environment, NULL-terminated */

    struct drill_view v;
    struct vec files;   /* struct drill_file * in scope */
    struct rtree *tree; /* the restore point's listing while it is read (restore_tree.c) */
    struct lb_err tree_err;

    struct spawn *sp;
    struct buf err_text;     /* restic's stderr, bounded */
    uint64_t verified_files; /* from "finished verifying N files" */
    bool cancelled;
    bool orphan;  /* freed by its owner while a child ran: on_exit frees it */
    bool closing; /* drill_free_sync waits for the child: on_exit only lets go of it */
    bool target_made;
    /* what landed in scratch, each second (restic_restore.h) */
    struct restic_progress progress;
    uint64_t verify_timer; /* the size check after restic, a chunk of files per loop turn */
    size_t verify_at, missing, wrong, nsmall;
    uint64_t verify_bytes;
    int64_t started_ms, restore_started_ms;
    size_t sample_next;
    struct vec samples; /* struct drill_file * (borrowed from files) */
    int samples_ok;
    struct buf phases;
    struct tree_rm *rm;      /* the scratch copy going, a chunk per loop turn (DRILL_CLEANUP) */
    const char *end_outcome; /* recorded once the scratch copy is gone (a literal) */
};

static const char interrupted_text[] =
    "the console closed while the drill ran: restic was stopped and the drill did not finish";

/* ---- small helpers ---- */

static void notify(struct drill *d)
{
    if (d->on_update)
        d->on_update(d, d->arg);
}

static void record(struct drill *d)
{
    drill_record_save(d->st, &d->v.rec, "drill");
}

static void phase_done(struct drill *d, const char *name)
{
    drill_phase_add(&d->phases, name, loop_now_ms(d->loop) - d->v.phase_started_ms, &d->v.rec);
}

static void set_phase(struct drill *d, enum drill_phase p, const char *text)
{
    d->v.phase = p;
    d->v.phase_started_ms = loop_now_ms(d->loop);
    str_copy(d->v.step_text, sizeof(d->v.step_text), text);
}

static const char *url_kind(const char *url, char *out, size_t n)
{
    const char *c = strchr(url, ':');

    if (url[0] == '/' || !c)
        str_copy(out, n, "local");
    else
        snprintf(out, n, "%.*s", (int)(c - url < 15 ? c - url : 15), url);
    return out;
}

bool drills_path_within(const char *inner, const char *outer)
{
    size_t n = strlen(outer);

    while (n > 1 && outer[n - 1] == '/')
        n--;
    if (strncmp(inner, outer, n) != 0)
        return false;
    return inner[n] == '\0' || inner[n] == '/' || (n == 1 && outer[0] == '/');
}

/* realpath when it exists, else the path as written (absolute after config loading). */
static void canon(const char *p, char *out, size_t n)
{
    char rp[PATH_MAX];

    if (realpath(p, rp))
        str_copy(out, n, rp);
    else
        str_copy(out, n, p);
}

int drills_check_scratch(const struct config *cfg, const char *scratch, struct lb_err *err)
{
    char s[PATH_MAX], o[PATH_MAX];
    size_t i, k;
    struct job_cfg *job;
    struct repo_cfg *repo;
    const char *p;

    if (!scratch || scratch[0] != '/')
        return lb_err_set(err, LB_ECONFIG,
                          "[drill] scratch must be an absolute directory (it is '%s')",
                          scratch ? scratch : "");
    canon(scratch, s, sizeof(s));
    if (!strcmp(s, "/"))
        return lb_err_set(err, LB_ECONFIG,
                          "[drill] scratch cannot be '/': name a directory "
                          "that holds nothing else, e.g. /var/tmp/lifeboat-drills");
    vec_foreach(&cfg->jobs, i, job) {
        vec_foreach(&job->paths, k, p) {
            canon(p, o, sizeof(o));
            if (drills_path_within(s, o) || drills_path_within(o, s))
                return lb_err_set(err, LB_ECONFIG,
                                  "[drill] scratch %s overlaps path %s of job '%s': a drill must "
                                  "never restore over or into backed-up data; choose another "
                                  "scratch directory",
                                  scratch, p, job->name);
        }
    }
    vec_foreach(&cfg->repos, i, repo) {
        const char *lp = config_repo_local_path(repo);

        if (!lp)
            continue;
        canon(lp, o, sizeof(o));
        if (drills_path_within(s, o) || drills_path_within(o, s))
            return lb_err_set(err, LB_ECONFIG,
                              "[drill] scratch %s overlaps repo '%s' (%s): choose another "
                              "scratch directory",
                              scratch, repo->name, lp);
    }
    return 0;
}

/* ---- removing a tree ---- */

static int chmod_dirs(const char *p, const struct stat *sb, int type, struct FTW *f)
{
    (void)f;
    if (type == FTW_D && !S_ISLNK(sb->st_mode))
        chmod(p, 0700);
    return 0;
}

static int rm_one(const char *p, const struct stat *sb, int type, struct FTW *f)
{
    (void)sb;
    (void)f;
    if (type == FTW_DP || type == FTW_D || type == FTW_DNR)
        return rmdir(p) < 0 && errno != ENOENT ? -errno : 0;
    return unlink(p) < 0 && errno != ENOENT ? -errno : 0;
}

int drills_remove_tree(const char *path)
{
    struct stat sb;

    if (lstat(path, &sb) < 0)
        return errno == ENOENT ? 0 : -errno;
    /* restored directories may be read-only: open them up first */
    nftw(path, chmod_dirs, 32, FTW_PHYS | FTW_MOUNT);
    return nftw(path, rm_one, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

/* ---- recovery ---- */

static bool under_scratch(const struct config *cfg, const char *target)
{
    const char *s = cfg->drill.scratch;
    size_t n = s ? strlen(s) : 0;

    return n > 1 && !strncmp(target, s, n) && target[n] == '/' && !strstr(target + n, "/../") &&
           strlen(target) > n + 1;
}

int drills_recover(const struct config *cfg, struct store *st, int *recovered, struct lb_err *err)
{
    struct vec list = VEC_INIT(free);
    struct store_drill *dr;
    struct runlock *lock = NULL;
    struct lb_err e2 = { 0 };
    size_t i;
    int rc, holder = 0;

    *recovered = 0;
    if (!st)
        return 0;
    /* a drill running in another process holds the lock: its record is live */
    if (runlock_try(NULL, "drill", &lock, &holder, &e2) < 0 && holder != getpid())
        return e2.code == LB_EBUSY ? lb_err_set(err, LB_EBUSY, "%s", e2.msg) : 0;
    if ((rc = store_drills_recent(st, NULL, 50, &list, err)) < 0)
        goto out;
    vec_foreach(&list, i, dr) {
        /* restores (backend/restore.c) are recovered under their own lock */
        if (dr->pid == getpid() || !strcmp(dr->kind, "restore"))
            continue;
        if (strcmp(dr->outcome, "running") != 0) {
            /* ended, but its process went while removing the scratch copy: finish that */
            if (!dr->cleaned && dr->target[0] && under_scratch(cfg, dr->target) &&
                !access(dr->target, F_OK) && drills_remove_tree(dr->target) == 0) {
                dr->cleaned = 1;
                log_info("drill %lld (%s): removed the scratch copy it left", (long long)dr->id,
                         dr->kind);
                if (store_drill_update(st, dr, err) == 0)
                    (*recovered)++;
            }
            continue;
        }
        str_copy(dr->outcome, sizeof(dr->outcome), "interrupted");
        if (!dr->ended)
            dr->ended = clock_now();
        if (!dr->error[0])
            str_copy(dr->error, sizeof(dr->error),
                     "the drill's process ended before it finished (terminal closed or killed)");
        if (dr->target[0] && under_scratch(cfg, dr->target)) {
            int r = drills_remove_tree(dr->target);

            dr->cleaned = r == 0;
            if (r < 0)
                log_warn("drill %lld: cannot remove %s: %s", (long long)dr->id, dr->target,
                         strerror(-r));
        }
        log_info("drill %lld (%s) was interrupted; scratch %s", (long long)dr->id, dr->kind,
                 dr->cleaned ? "removed" : "left");
        if (store_drill_update(st, dr, err) == 0)
            (*recovered)++;
    }
out:
    runlock_release(lock);
    vec_release(&list);
    return rc;
}

/* ---- the cloud drill ---- */

static void finish(struct drill *d, const char *outcome, const char *error);
static void cleanup_sync(struct drill *d);
static void orphan_cleanup_done(int rc, const char *failed_path, void *arg);

static void on_line(struct spawn *sp, enum spawn_stream stream, const char *line, size_t len,
                    bool cut, void *arg);
static void on_exit_cb(struct spawn *sp, const struct spawn_result *res, void *arg);

/* restic --no-cache ARGS... (NULL-terminated); captured: stdout kept, no line callback. */
static int run_restic(struct drill *d, const char *const *args, int64_t timeout_ms, bool capture,
                      size_t capture_max, struct lb_err *err)
{
    struct restic_child_opts o = {
        .no_cache = true,
        .args = args,
        .timeout_ms = timeout_ms,
        .capture = capture,
        .capture_max = capture_max,
        .on_line = capture ? NULL : on_line,
        .on_exit = on_exit_cb,
        .arg = d,
    };

    while (args[o.nargs])
        o.nargs++;
    buf_reset(&d->err_text);
    return restic_child_start(d->loop, d->repo->name, &d->env, &o, &d->sp, err);
}

struct drill *drill_cloud_new(struct loop *loop, const struct config *cfg, struct store *st,
                              const struct drill_cloud_opts *opts,
                              void (*on_update)(struct drill *d, void *arg), void *arg,
                              struct lb_err *err)
{
    struct drill *d;
    const struct repo_cfg *repo = NULL;
    struct repo_cfg *r;
    size_t i;
    int holder = 0, recovered;

    if (opts && opts->repo) {
        repo = config_repo(cfg, opts->repo);
        if (!repo) {
            lb_err_set(err, LB_ENOTFOUND, "no repo '%s' in %s", opts->repo, cfg->path);
            return NULL;
        }
    } else {
        vec_foreach(&cfg->repos, i, r) {
            if (r->tier == TIER_OFFSITE) {
                repo = r;
                break;
            }
        }
        if (!repo) {
            lb_err_set(err, LB_ECONFIG,
                       "no off-site repo to drill: give a [repo ...] tier = offsite in %s",
                       cfg->path);
            return NULL;
        }
    }
    if (drills_check_scratch(cfg, cfg->drill.scratch, err) < 0)
        return NULL;
    d = xcalloc(1, sizeof(*d));
    d->loop = loop;
    d->cfg = cfg;
    d->st = st;
    d->repo = repo;
    d->on_update = on_update;
    d->arg = arg;
    d->snapshot = xstrdup(opts && opts->snapshot && *opts->snapshot ? opts->snapshot : "latest");
    d->include = opts && opts->include && *opts->include ? xstrdup(opts->include) : NULL;
    d->sample_files = opts && opts->sample_files > 0 ? opts->sample_files : 3;
    vec_init(&d->env, free);
    vec_init(&d->files, drill_file_free);
    vec_init(&d->samples, NULL);
    vec_init(&d->v.snapshot_paths, free);
    buf_init(&d->err_text, 16384);
    buf_init(&d->phases, 1024);
    d->v.eta_s = -1;
    d->v.price_per_gib = repo->price_per_gib_month;
    url_kind(repo->url, d->v.repo_url_kind, sizeof(d->v.repo_url_kind));

    if (runlock_try(NULL, "drill", &d->lock, &holder, err) < 0) {
        if (err->code == LB_EBUSY)
            lb_err_set(err, LB_EBUSY,
                       "another drill is running (pid %d): wait for it or stop it first", holder);
        drill_free(d);
        return NULL;
    }
    if (drills_recover(cfg, st, &recovered, err) < 0) {
        drill_free(d);
        return NULL;
    }
    if (restic_build_env(repo, cfg->dir, &d->env, err) < 0) {
        drill_free(d);
        return NULL;
    }

    drill_record_init(&d->v.rec, "cloud", repo->name);
    str_copy(d->v.rec.scope, sizeof(d->v.rec.scope), d->include ? d->include : "everything");
    d->v.rec.rto_target = cfg->targets.rto_cloud;
    d->v.rec.rpo_target = config_repo_rpo(cfg, repo);
    {
        /* the target: a fresh directory below scratch, named by date and pid */
        char stamp[32];
        struct tm tm;
        time_t now = clock_now();

        localtime_r(&now, &tm);
        strftime(stamp, sizeof(stamp), "%Y-%m-%d-%H%M%S", &tm);
        snprintf(d->v.rec.target, sizeof(d->v.rec.target), "%s/%s-cloud-%d", cfg->drill.scratch,
                 stamp, (int)getpid());
    }
    return d;
}

int drill_inspect(struct drill *d, struct lb_err *err)
{
    const char *args[] = { "ls", "--json", d->snapshot, NULL };
    int rc;

    if (d->v.phase != DRILL_NEW)
        return lb_err_set(err, LB_EUSAGE, "the drill was inspected already");
    d->v.rec.started = clock_now();
    d->started_ms = loop_now_ms(d->loop);
    record(d); /* from here on a record exists, whatever happens */
    set_phase(d, DRILL_INSPECT, "reading the restore point and its file list");
    d->tree = rtree_new();
    if ((rc = run_restic(d, args, LS_TIMEOUT_MS, false, 0, err)) < 0) {
        finish(d, "failed", err->msg);
        return rc;
    }
    notify(d);
    return 0;
}

/* One line of `restic ls --json` into the tree (the parser restore files uses too). */
static void ls_line(struct drill *d, struct spawn *sp, const char *line, size_t len)
{
    if (!d->tree || d->tree_err.code)
        return;
    if (rtree_feed(d->tree, line, len, &d->tree_err) < 0) {
        spawn_signal(sp, SIGINT);
        spawn_cancel(sp);
    }
}

/* The listing read: the restore point, its size, the files in scope (regular files only). */
static void take_listing(struct drill *d)
{
    struct rtree *t = d->tree;
    struct rtree_node *top, *n;
    struct vec all = VEC_INIT(NULL);
    size_t i;
    const char *p;

    rtree_finish(t);
    str_copy(d->v.rec.snapshot_id, sizeof(d->v.rec.snapshot_id), t->snapshot_id);
    d->v.rec.snapshot_time = t->snapshot_time;
    vec_foreach(&t->paths, i, p)
        vec_push(&d->v.snapshot_paths, xstrdup(p));
    d->v.rec.full_bytes = t->root->size;
    top = d->include ? rtree_find(t, d->include) : t->root;
    if (top)
        rtree_collect(top, &all);
    vec_foreach(&all, i, n) {
        struct drill_file *f;

        if (n->type != RT_FILE)
            continue;
        f = xcalloc(1, sizeof(*f));
        f->path = xstrdup(n->path);
        f->size = n->size;
        vec_push(&d->files, f);
        d->v.scope_bytes += n->size;
        d->v.scope_files++;
    }
    vec_release(&all);
}

static void on_line(struct spawn *sp, enum spawn_stream stream, const char *line, size_t len,
                    bool cut, void *arg)
{
    struct drill *d = arg;
    unsigned long long n;

    if (stream == SPAWN_STDERR) {
        restic_keep_stderr(&d->err_text, line, len);
        return;
    }
    if (cut)
        return;
    if (d->v.phase == DRILL_INSPECT) {
        ls_line(d, sp, line, len);
    } else if (d->v.phase == DRILL_RESTORE) {
        const char *p = strstr(line, "finished verifying ");
        char *end;

        if (p) {
            n = strtoull(p + 19, &end, 10);
            if (end != p + 19)
                d->verified_files = n;
        }
        if (strstr(line, "verifying files"))
            str_copy(d->v.step_text, sizeof(d->v.step_text),
                     "restic re-reads every restored file against the snapshot (--verify)");
    }
}

/* restic's failure in one line, naming the repo. */
static void restic_failed(struct drill *d, const struct spawn_result *res, const char *what)
{
    struct lb_err e = { 0 };
    char msg[1200];

    restic_result_error(d->repo->name, res, buf_cstr(&d->err_text), &e);
    snprintf(msg, sizeof(msg), "%s: %s", what, e.msg);
    finish(d, "failed", msg);
}

static void start_verify(struct drill *d);
static void next_sample(struct drill *d);

static void rate_from(struct drill *d, uint64_t bytes)
{
    int64_t ms = loop_now_ms(d->loop) - d->restore_started_ms;

    d->v.bytes_done = bytes;
    if (d->v.bytes_done > d->v.scope_bytes)
        d->v.bytes_done = d->v.scope_bytes;
    restic_progress_rate(ms, d->v.bytes_done, d->v.scope_bytes, &d->v.rate, &d->v.eta_s);
}

/*
 * Once, when restic ended well: the scope over the whole restore time (what
 * landed is checked file by file next, a chunk per turn; walking the copy
 * here would hold the loop for as long as the copy is big).
 */
static void update_rate(struct drill *d)
{
    rate_from(d, d->v.scope_bytes);
}

/* The progress measure's part of one file: its bytes in scratch so far. */
static uint64_t measure_one(void *arg, const void *item)
{
    const struct drill *d = arg;
    const struct drill_file *f = item;
    char p[PATH_MAX + 512];
    struct stat sb;

    snprintf(p, sizeof(p), "%s%s", d->v.rec.target, f->path);
    if (lstat(p, &sb) == 0 && S_ISREG(sb.st_mode))
        return (uint64_t)sb.st_size < f->size ? (uint64_t)sb.st_size : f->size;
    return 0;
}

/* A pass of the progress measure ended (every file is measured: no cap). */
static void measured(void *arg, bool whole, uint64_t sum)
{
    struct drill *d = arg;

    (void)whole;
    rate_from(d, sum);
    notify(d);
}

static void inspect_done(struct drill *d, const struct spawn_result *res)
{
    struct statvfs sv;
    char b1[32], msg[1200];

    if (d->tree_err.code) {
        snprintf(msg, sizeof(msg), "cannot read the restore point: %s", d->tree_err.msg);
        finish(d, "failed", msg);
        return;
    }
    if (!res->exited || res->status != 0) {
        restic_failed(d, res, "cannot read the restore point");
        return;
    }
    if (res->output_capped) {
        finish(d, "failed", "cannot read the restore point: its file list is too long");
        return;
    }
    if (!d->tree->snapshot_seen) {
        snprintf(msg, sizeof(msg), "repo '%s' has no snapshot '%s' to restore", d->repo->name,
                 d->snapshot);
        finish(d, "failed", msg);
        return;
    }
    take_listing(d);
    rtree_free(d->tree); /* the files in scope are kept; the tree is not needed any more */
    d->tree = NULL;
    d->v.rec.rpo_seconds = d->v.rec.snapshot_time ? d->v.rec.started - d->v.rec.snapshot_time : -1;
    if (d->include && !d->v.scope_files) {
        snprintf(msg, sizeof(msg), "snapshot %.8s holds no file below %s", d->v.rec.snapshot_id,
                 d->include);
        finish(d, "failed", msg);
        return;
    }
    if (path_mkdirs(d->cfg->drill.scratch, 0700) < 0) {
        snprintf(msg, sizeof(msg), "cannot create scratch directory %s: %s", d->cfg->drill.scratch,
                 strerror(errno));
        finish(d, "failed", msg);
        return;
    }
    if (statvfs(d->cfg->drill.scratch, &sv) == 0)
        d->v.free_bytes = (uint64_t)sv.f_bavail * (uint64_t)sv.f_frsize;
    if (d->v.free_bytes && d->v.free_bytes < d->v.scope_bytes + (64u << 20)) {
        snprintf(msg, sizeof(msg),
                 "scratch %s has %s free, the restore needs %s plus room to breathe: free some "
                 "space or restore a sample of paths",
                 d->cfg->drill.scratch, str_fmt_bytes(d->v.free_bytes, b1, sizeof(b1)),
                 str_fmt_bytes(d->v.scope_bytes, msg + 400, 40));
        finish(d, "failed", msg);
        return;
    }
    phase_done(d, "list");
    set_phase(d, DRILL_READY, "ready: the summary is shown, nothing restored yet");
    record(d);
    notify(d);
}

int drill_go(struct drill *d, struct lb_err *err)
{
    const char *args[32];
    size_t n = 0;
    int rc;

    if (d->v.phase != DRILL_READY)
        return lb_err_set(err, LB_EUSAGE, "the drill is not ready to start");
    if (mkdir(d->v.rec.target, 0700) < 0) {
        char msg[1200];

        snprintf(msg, sizeof(msg), "cannot create drill target %s: %s", d->v.rec.target,
                 strerror(errno));
        finish(d, "failed", msg);
        return lb_err_set(err, LB_EIO, "%s", msg);
    }
    d->target_made = true;
    args[n++] = "restore";
    args[n++] = "--verify";
    args[n++] = "--target";
    args[n++] = d->v.rec.target;
    if (d->include) {
        args[n++] = "--include";
        args[n++] = d->include;
    }
    args[n++] = d->v.rec.snapshot_id;
    args[n] = NULL;
    set_phase(d, DRILL_RESTORE, "restic restore: downloading and writing into scratch");
    d->restore_started_ms = loop_now_ms(d->loop);
    record(d);
    if ((rc = run_restic(d, args, 0, false, 0, err)) < 0) {
        finish(d, "failed", err->msg);
        return rc;
    }
    restic_progress_start(&d->progress, d->loop, &d->files, SIZE_MAX, measure_one, measured, d);
    notify(d);
    return 0;
}

static void restore_done(struct drill *d, const struct spawn_result *res)
{
    int64_t ms = loop_now_ms(d->loop) - d->restore_started_ms;

    restic_progress_stop(&d->progress);
    if (!res->exited || res->status != 0) {
        restic_failed(d, res, "the restore failed");
        return;
    }
    d->v.rec.rto_ms = ms;
    update_rate(d);
    d->v.bytes_done = d->v.scope_bytes;
    phase_done(d, "restore");
    start_verify(d);
}

/* Compare every restored file's size with the list; then pick the files for restic dump. */
static void verify_end(struct drill *d);

/* A chunk of the size check per loop turn: the screen keeps answering. */
static void verify_step(struct loop *loop, void *arg)
{
    struct drill *d = arg;
    struct drill_file *f;
    char p[PATH_MAX + 512];
    struct stat sb;
    size_t end = d->verify_at + VERIFY_CHUNK;

    (void)loop;
    d->verify_timer = 0;
    if (d->v.phase != DRILL_VERIFY)
        return;
    if (end > d->files.len)
        end = d->files.len;
    for (; d->verify_at < end; d->verify_at++) {
        f = d->files.items[d->verify_at];
        snprintf(p, sizeof(p), "%s%s", d->v.rec.target, f->path);
        if (lstat(p, &sb) < 0) {
            d->missing++;
            continue;
        }
        if ((uint64_t)sb.st_size != f->size) {
            d->wrong++;
            continue;
        }
        d->verify_bytes += f->size;
        if (f->size <= SAMPLE_MAX_BYTES)
            d->nsmall++;
    }
    if (d->verify_at < d->files.len) {
        snprintf(d->v.step_text, sizeof(d->v.step_text),
                 "comparing restored files with the snapshot: %zu of %zu", d->verify_at,
                 d->files.len);
        d->verify_timer = loop_add_timer(d->loop, 0, verify_step, d);
        notify(d);
        return;
    }
    verify_end(d);
}

static void start_verify(struct drill *d)
{
    set_phase(d, DRILL_VERIFY, "comparing restored files with the snapshot");
    d->verify_at = d->missing = d->wrong = d->nsmall = 0;
    d->verify_bytes = 0;
    d->verify_timer = loop_add_timer(d->loop, 0, verify_step, d);
    notify(d);
}

static void verify_end(struct drill *d)
{
    size_t i, missing = d->missing, wrong = d->wrong, nsmall = d->nsmall;
    struct drill_file *f;
    uint64_t bytes = d->verify_bytes;

    d->v.rec.files = d->files.len - missing;
    d->v.rec.bytes = bytes;
    if (missing || wrong) {
        char msg[1200];

        snprintf(msg, sizeof(msg),
                 "the restored copy differs from the snapshot: %zu file%s missing, %zu of the "
                 "wrong size",
                 missing, missing == 1 ? "" : "s", wrong);
        d->v.rec.verified = 0;
        str_copy(d->v.rec.verify_note, sizeof(d->v.rec.verify_note), msg);
        finish(d, "failed", msg);
        return;
    }
    /* samples: spread over the list (first, middle, last ...) among files up to 8 MiB */
    if (nsmall) {
        size_t want = (size_t)d->sample_files < nsmall ? (size_t)d->sample_files : nsmall;
        size_t k = 0, idx = 0;

        vec_foreach(&d->files, i, f) {
            if (f->size > SAMPLE_MAX_BYTES)
                continue;
            /* the idx-th small file is taken when it is the next of `want` evenly spaced */
            if (k < want && idx == (want == 1 ? 0 : k * (nsmall - 1) / (want - 1))) {
                vec_push(&d->samples, f);
                k++;
            }
            idx++;
        }
    }
    d->sample_next = 0;
    next_sample(d);
}

static void next_sample(struct drill *d)
{
    struct drill_file *f;
    struct lb_err err = { 0 };
    char msg[1200];

    if (d->cancelled)
        return;
    if (d->sample_next >= d->samples.len) {
        char b[32];

        phase_done(d, "verify");
        d->v.rec.verified = 1;
        snprintf(msg, sizeof(msg),
                 "restic --verify checked %llu file%s; %llu file%s (%s) match the snapshot's "
                 "sizes; %d sampled file%s byte-identical to restic dump",
                 (unsigned long long)d->verified_files, d->verified_files == 1 ? "" : "s",
                 (unsigned long long)d->v.rec.files, d->v.rec.files == 1 ? "" : "s",
                 str_fmt_bytes(d->v.rec.bytes, b, sizeof(b)), d->samples_ok,
                 d->samples_ok == 1 ? " is" : "s are");
        str_copy(d->v.rec.verify_note, sizeof(d->v.rec.verify_note), msg);
        finish(d, "ok", NULL);
        return;
    }
    f = d->samples.items[d->sample_next];
    {
        const char *args[] = { "dump", d->v.rec.snapshot_id, f->path, NULL };

        snprintf(d->v.step_text, sizeof(d->v.step_text),
                 "comparing sampled file %zu of %zu with restic dump", d->sample_next + 1,
                 d->samples.len);
        notify(d);
        if (run_restic(d, args, DUMP_TIMEOUT_MS, true, SAMPLE_MAX_BYTES + 1, &err) < 0)
            finish(d, "failed", err.msg);
    }
}

static void sample_done(struct drill *d, struct spawn *sp, const struct spawn_result *res)
{
    struct drill_file *f = d->samples.items[d->sample_next];
    const struct buf *out = spawn_stdout(sp);
    char p[PATH_MAX + 512], msg[1200];
    struct buf local = BUF_INIT(SAMPLE_MAX_BYTES + 1);
    FILE *fp;
    char chunk[65536];
    size_t n;
    bool same;

    if (!res->exited || res->status != 0) {
        buf_reset(&d->err_text);
        if (spawn_stderr(sp))
            buf_append(&d->err_text, spawn_stderr(sp)->data, spawn_stderr(sp)->len);
        restic_failed(d, res, "cannot dump a sampled file");
        buf_release(&local);
        return;
    }
    snprintf(p, sizeof(p), "%s%s", d->v.rec.target, f->path);
    fp = fopen(p, "rb");
    if (fp) {
        while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
            buf_append(&local, chunk, n);
        fclose(fp);
    }
    same = fp && out && out->len == local.len && !local.truncated &&
           (local.len == 0 || !memcmp(out->data, local.data, local.len));
    buf_release(&local);
    if (!same) {
        char *shown = xstrdup(f->path);

        str_sanitize(shown);
        snprintf(msg, sizeof(msg), "restored %s differs from restic dump of the snapshot", shown);
        free(shown);
        d->v.rec.verified = 0;
        str_copy(d->v.rec.verify_note, sizeof(d->v.rec.verify_note), msg);
        finish(d, "failed", msg);
        return;
    }
    d->samples_ok++;
    d->sample_next++;
    next_sample(d);
}

static void on_exit_cb(struct spawn *sp, const struct spawn_result *res, void *arg)
{
    struct drill *d = arg;

    d->sp = NULL;
    if (d->closing)
        return; /* drill_free_sync records and cleans up once the child is gone */
    if (d->orphan) {
        if (d->target_made) {
            /* restic has stopped writing: now the scratch copy can go, and the record says so */
            struct lb_err err = { 0 };

            d->rm = tree_rm_start(d->loop, d->v.rec.target, orphan_cleanup_done, d, &err);
            if (d->rm)
                return; /* orphan_cleanup_done records and frees */
            log_warn("drill: %s; removing it at once", err.msg);
            cleanup_sync(d);
            record(d);
        }
        d->orphan = false;
        drill_free(d);
        return;
    }
    if ((d->cancelled || res->cancelled) && !d->tree_err.code) {
        finish(d, "cancelled", "cancelled by the operator");
        return;
    }
    switch (d->v.phase) {
    case DRILL_INSPECT:
        inspect_done(d, res);
        break;
    case DRILL_RESTORE:
        restore_done(d, res);
        break;
    case DRILL_VERIFY:
        sample_done(d, sp, res);
        break;
    default:
        break;
    }
}

/* The scratch copy's removal ended (rc 0: gone; else -errno of the first entry that stayed). */
static void scratch_removed(struct drill *d, int rc, const char *failed)
{
    d->v.rec.cleaned = rc == 0;
    if (rc < 0) {
        char *shown = xstrdup(failed ? failed : d->v.rec.target);

        str_sanitize(shown); /* a name from the snapshot */
        log_warn("drill: cannot remove %s: %s: %s", d->v.rec.target, shown, strerror(-rc));
        free(shown);
    }
}

/* Remove the scratch copy now, in one go (nothing on screen waits for it). */
static void cleanup_sync(struct drill *d)
{
    struct stat sb;
    int r = drills_remove_tree(d->v.rec.target);

    if (r == 0 && lstat(d->v.rec.target, &sb) == 0)
        r = -ENOTEMPTY; /* something stayed (another file system mounted inside?) */
    scratch_removed(d, r, NULL);
}

/* After the cleanup: the estimate, the outcome, the record, the lock; then tell the owner. */
static void finish_record(struct drill *d)
{
    if (d->v.rec.rto_ms > 0 && d->v.scope_bytes) {
        double rate = (double)d->v.scope_bytes * 1000.0 / (double)d->v.rec.rto_ms;

        d->v.rate = rate;
        d->v.rec.estimate_full_seconds =
            rate > 0 ? (int64_t)((double)d->v.rec.full_bytes / rate + 0.5) : -1;
    }
    str_copy(d->v.rec.outcome, sizeof(d->v.rec.outcome), d->end_outcome);
    d->v.rec.ended = clock_now();
    if (!d->v.rec.started)
        d->v.rec.started = d->v.rec.ended;
    d->v.phase = DRILL_DONE;
    str_copy(d->v.step_text, sizeof(d->v.step_text), "done");
    record(d);
    runlock_release(d->lock);
    d->lock = NULL;
    notify(d); /* last: the owner may free the drill here */
}

static void cleanup_done(int rc, const char *failed_path, void *arg)
{
    struct drill *d = arg;

    d->rm = NULL; /* tree_rm frees itself after this returns */
    scratch_removed(d, rc, failed_path);
    if (rc == 0)
        phase_done(d, "cleanup");
    finish_record(d);
}

/* The orphan's scratch copy is gone (or what could go): record it and let go of the drill. */
static void orphan_cleanup_done(int rc, const char *failed_path, void *arg)
{
    struct drill *d = arg;

    d->rm = NULL;
    scratch_removed(d, rc, failed_path);
    record(d);
    d->orphan = false;
    drill_free(d);
}

/*
 * The end, whatever the outcome: remove the scratch copy, write the record.
 * The removal runs a chunk per loop turn (phase DRILL_CLEANUP, the screen
 * keeps answering) and the record is written when it is done; sync removes
 * it at once (the drill is being freed: nothing waits, nothing is shown).
 * The first outcome is the one: a drill ending or ended ignores the next.
 */
static void finish_ex(struct drill *d, const char *outcome, const char *error, bool sync)
{
    struct lb_err err = { 0 };

    if (d->v.phase == DRILL_DONE || d->v.phase == DRILL_CLEANUP)
        return;
    restic_progress_stop(&d->progress);
    if (d->verify_timer) {
        loop_cancel_timer(d->loop, d->verify_timer);
        d->verify_timer = 0;
    }
    d->end_outcome = outcome;
    if (error) {
        char *e = xstrdup(error);

        str_sanitize(e);
        str_copy(d->v.rec.error, sizeof(d->v.rec.error), e);
        free(e);
    }
    if (d->target_made) {
        set_phase(d, DRILL_CLEANUP, "removing the scratch copy");
        /* the verdict is kept before the copy goes: killed while removing it, the record
         * still says how the drill ended, and the next start removes what is left */
        str_copy(d->v.rec.outcome, sizeof(d->v.rec.outcome), outcome);
        d->v.rec.ended = clock_now();
        d->v.rec.cleaned = 0;
        record(d);
        if (!sync) {
            d->rm = tree_rm_start(d->loop, d->v.rec.target, cleanup_done, d, &err);
            if (d->rm) {
                notify(d);
                return; /* cleanup_done records */
            }
            log_warn("drill: %s; removing it at once", err.msg);
        }
        cleanup_sync(d);
        if (d->v.rec.cleaned)
            phase_done(d, "cleanup");
    }
    finish_record(d);
}

static void finish(struct drill *d, const char *outcome, const char *error)
{
    finish_ex(d, outcome, error, false);
}

void drill_cancel(struct drill *d)
{
    /* removing the scratch copy is the end already: cancelling would do the same */
    if (!d || d->v.phase == DRILL_DONE || d->v.phase == DRILL_CLEANUP)
        return;
    d->cancelled = true;
    if (d->sp) {
        spawn_signal(d->sp, SIGINT); /* restic removes its lock and exits */
        spawn_cancel(d->sp);
        return; /* on_exit finishes */
    }
    finish(d, "cancelled", "cancelled by the operator");
}

const struct drill_view *drill_view(const struct drill *d)
{
    return &d->v;
}

bool drill_done(const struct drill *d)
{
    return d->v.phase == DRILL_DONE;
}

void drill_free(struct drill *d)
{
    if (!d)
        return;
    if (d->v.phase == DRILL_CLEANUP) {
        /* nobody waits for the removal any more: it ends now, and the outcome is recorded */
        d->on_update = NULL;
        tree_rm_cancel(d->rm);
        d->rm = NULL;
        cleanup_sync(d);
        if (d->v.rec.cleaned)
            phase_done(d, "cleanup");
        finish_record(d);
    } else if (d->v.phase != DRILL_DONE && d->v.phase != DRILL_NEW) {
        /* nobody waits for the child any more: stop it and close the record now */
        if (d->sp) {
            spawn_signal(d->sp, SIGTERM);
            spawn_cancel(d->sp);
        }
        d->on_update = NULL;
        d->cancelled = true;
        if (d->sp) {
            /*
             * restic may still write into scratch: the record is closed now and the
             * copy removed when the child is gone (on_exit), not under its feet
             */
            bool made = d->target_made;

            d->target_made = false;
            finish_ex(d, "interrupted", interrupted_text, true);
            d->target_made = made;
            d->orphan = true; /* the child's on_exit frees the drill */
            return;
        }
        if (d->v.phase == DRILL_READY)
            finish_ex(d, "cancelled",
                      "the console closed at the drill's summary: nothing was restored", true);
        else
            finish_ex(d, "interrupted", interrupted_text, true);
    }
    tree_rm_cancel(d->rm);
    restic_progress_stop(&d->progress);
    if (d->verify_timer)
        loop_cancel_timer(d->loop, d->verify_timer);
    runlock_release(d->lock);
    rtree_free(d->tree);
    free(d->snapshot);
    free(d->include);
    vec_release(&d->env);
    vec_release(&d->files);
    vec_release(&d->samples);
    vec_release(&d->v.snapshot_paths);
    buf_release(&d->err_text);
    buf_release(&d->phases);
    free(d);
}

void drill_free_sync(struct drill *d)
{
    if (d && d->sp && d->v.phase != DRILL_DONE && d->v.phase != DRILL_NEW) {
        /*
         * The record stays "running" while restic stops: a process killed now
         * leaves it to drills_recover, which removes the scratch copy.
         */
        d->on_update = NULL;
        d->closing = true;
        d->cancelled = true;
        spawn_signal(d->sp, SIGINT); /* restic removes its lock and exits */
        spawn_cancel(d->sp);         /* SIGTERM, then SIGKILL after the grace period */
        while (d->sp)
            loop_run_once(d->loop, 100);
        d->closing = false;
    }
    drill_free(d); /* no child now: recorded interrupted, scratch removed */
}

/* ---- verdicts ---- */

int drill_rto_within(const struct store_drill *d)
{
    int64_t rto = -1;

    if (!d->rto_target)
        return -1;
    if (d->estimate_full_seconds >= 0)
        rto = d->estimate_full_seconds;
    else if (d->rto_ms >= 0)
        rto = d->rto_ms / 1000;
    if (rto < 0)
        return -1;
    return rto <= d->rto_target;
}

int drill_rpo_within(const struct store_drill *d)
{
    if (!d->rpo_target || d->rpo_seconds < 0)
        return -1;
    return d->rpo_seconds <= d->rpo_target;
}

void drill_phase_add(struct buf *phases, const char *name, int64_t ms, struct store_drill *rec)
{
    buf_printf(phases, "%s%s %.1fs", phases->len ? ", " : "", name, (double)ms / 1000.0);
    str_copy(rec->phases, sizeof(rec->phases), buf_cstr(phases));
}

void drill_record_init(struct store_drill *rec, const char *kind, const char *repo)
{
    str_copy(rec->kind, sizeof(rec->kind), kind);
    str_copy(rec->repo, sizeof(rec->repo), repo);
    str_copy(rec->outcome, sizeof(rec->outcome), "running");
    rec->pid = getpid();
    rec->rto_ms = -1;
    rec->rpo_seconds = -1;
    rec->verified = -1;
    rec->estimate_full_seconds = -1;
}

void drill_record_save(struct store *st, struct store_drill *rec, const char *what)
{
    struct lb_err err = { 0 };
    int rc;

    if (!st)
        return;
    rc = rec->id ? store_drill_update(st, rec, &err) : store_drill_insert(st, rec, &err);
    if (rc < 0)
        log_warn("%s %lld: cannot record: %s", what, (long long)rec->id, err.msg);
}

int64_t drill_cadence(const char *kind)
{
    if (!strcmp(kind, "rollback"))
        return 7 * 86400;
    return 31 * 86400;
}
