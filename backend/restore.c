/*
 * Real restores of files (see restore.h): snapshots -> ls -> plan (with the
 * preview) -> restic restore with a progress timer -> every file checked at
 * its target -> the record. One restic child at a time, through the loop.
 */
#include "backend/restore.h"

#include <errno.h>
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
#include "backend/drills.h"
#include "backend/loop.h"
#include "backend/restic.h"
#include "backend/restic_restore.h"
#include "backend/runlock.h"
#include "backend/spawn.h"

#define SNAPSHOTS_TIMEOUT_MS (10 * 60 * 1000LL)
#define LS_TIMEOUT_MS        (30 * 60 * 1000LL)
#define SNAPSHOTS_MAX        ((size_t)64 << 20)
#define MAX_PATHS            1000  /* marked paths (each an --include) */
#define MEASURE_MAX          20000 /* files measured each progress tick (over a few turns) */
#define CHUNK_FILES          2000  /* files stat'ed per loop turn (preview, check) */

struct restore {
    struct loop *loop;
    const struct config *cfg;
    struct store *st;
    const struct repo_cfg *repo;
    struct runlock *lock;
    struct restore_opts opts;
    void (*on_update)(struct restore *r, void *arg);
    void *arg;
    struct vec env; /* restic's environment, NULL-terminated */

    struct restore_view v;
    struct vec includes; /* char *: the selected paths (tops only), as given to --include */
    bool everything;

    struct spawn *sp;
    struct buf err_text;
    struct lb_err tree_err; /* the tree refused a line (too big) */
    bool cancelled, orphan, target_made;
    /* what restic rewrote, each second (restic_restore.h) */
    struct restic_progress progress;
    struct timespec go_wall; /* wall time restic restore started (files changed after it) */
    uint64_t step_timer;     /* the zero-delay timer of the preview or the check */
    uint64_t need;           /* bytes the planned restore writes (not identical) */
    size_t missing, wrong;   /* the check after restic */
    struct restore_item *first_bad;
    int64_t phase_ms;
    struct buf phases;
};

/* ---- small helpers ---- */

static void notify(struct restore *r)
{
    if (r->on_update)
        r->on_update(r, r->arg);
}

static void record(struct restore *r)
{
    drill_record_save(r->st, &r->v.rec, "restore");
}

static void phase_done(struct restore *r, const char *name)
{
    drill_phase_add(&r->phases, name, loop_now_ms(r->loop) - r->phase_ms, &r->v.rec);
}

static void set_phase(struct restore *r, enum restore_phase p, const char *text)
{
    r->v.phase = p;
    r->phase_ms = loop_now_ms(r->loop);
    str_copy(r->v.step_text, sizeof(r->v.step_text), text);
}

/* realpath of path, or of its nearest existing ancestor plus the rest. */
static void canon(const char *p, char *out, size_t n)
{
    char rp[PATH_MAX], tmp[PATH_MAX];
    char *slash;

    if (realpath(p, rp)) {
        str_copy(out, n, rp);
        return;
    }
    str_copy(tmp, sizeof(tmp), p);
    while ((slash = strrchr(tmp, '/')) && slash != tmp) {
        *slash = '\0';
        if (realpath(tmp, rp)) {
            snprintf(out, n, "%s%s", strcmp(rp, "/") ? rp : "", p + (slash - tmp));
            return;
        }
    }
    str_copy(out, n, p);
}

char *restore_include_pattern(const char *path)
{
    struct buf b = BUF_INIT(0);

    for (const char *p = path; *p; p++) {
        if (*p == '*' || *p == '?' || *p == '[' || *p == '\\')
            buf_puts(&b, "\\");
        buf_append(&b, p, 1);
    }
    return buf_detach(&b);
}

/* ---- recovery ---- */

static int recover_locked(struct store *st, int *recovered, struct lb_err *err)
{
    struct vec list = VEC_INIT(free);
    struct store_drill *dr;
    size_t i;
    int rc;

    *recovered = 0;
    if (!st)
        return 0;
    if ((rc = store_drills_recent(st, "restore", 50, &list, err)) < 0)
        goto out;
    vec_foreach(&list, i, dr) {
        if (strcmp(dr->outcome, "running") != 0 || dr->pid == getpid())
            continue;
        str_copy(dr->outcome, sizeof(dr->outcome), "interrupted");
        if (!dr->ended)
            dr->ended = clock_now();
        if (!dr->error[0])
            snprintf(dr->error, sizeof(dr->error),
                     "the restore's process ended before it finished (terminal closed or "
                     "killed); %.400s may hold part of the files",
                     dr->target[0] ? dr->target : "the target");
        log_info("restore %lld was interrupted", (long long)dr->id);
        if (store_drill_update(st, dr, err) == 0)
            (*recovered)++;
    }
out:
    vec_release(&list);
    return rc;
}

int restore_recover(const struct config *cfg, struct store *st, int *recovered, struct lb_err *err)
{
    struct runlock *lock = NULL;
    int holder = 0, rc;
    struct lb_err e2 = { 0 };

    (void)cfg;
    *recovered = 0;
    if (runlock_try(NULL, "restore", &lock, &holder, &e2) < 0 && holder != getpid())
        return 0; /* a restore runs in another process: its record is live */
    rc = recover_locked(st, recovered, err);
    runlock_release(lock);
    return rc;
}

/* ---- running restic ---- */

static void on_line(struct spawn *sp, enum spawn_stream stream, const char *line, size_t len,
                    bool cut, void *arg);
static void on_exit_cb(struct spawn *sp, const struct spawn_result *res, void *arg);

static int run_restic(struct restore *r, const char *const *args, size_t nargs, int64_t timeout_ms,
                      bool capture, struct lb_err *err)
{
    struct restic_child_opts o = {
        .args = args,
        .nargs = nargs,
        .timeout_ms = timeout_ms,
        .capture = capture,
        .capture_max = SNAPSHOTS_MAX,
        .on_line = on_line,
        .on_exit = on_exit_cb,
        .arg = r,
    };

    buf_reset(&r->err_text);
    return restic_child_start(r->loop, r->repo->name, &r->env, &o, &r->sp, err);
}

static void on_line(struct spawn *sp, enum spawn_stream stream, const char *line, size_t len,
                    bool cut, void *arg)
{
    struct restore *r = arg;

    if (stream == SPAWN_STDERR) {
        restic_keep_stderr(&r->err_text, line, len);
        return;
    }
    if (cut || r->v.phase != RESTORE_LISTING || !r->v.tree || r->tree_err.code)
        return;
    if (rtree_feed(r->v.tree, line, len, &r->tree_err) < 0) {
        spawn_signal(sp, SIGINT);
        spawn_cancel(sp);
    }
}

/* ---- the end ---- */

static void stop_timer(struct restore *r)
{
    restic_progress_stop(&r->progress);
    if (r->step_timer) {
        loop_cancel_timer(r->loop, r->step_timer);
        r->step_timer = 0;
    }
}

/* The record's end, whatever the outcome. */
static void finish(struct restore *r, const char *outcome, const char *error)
{
    if (r->v.phase == RESTORE_DONE)
        return;
    stop_timer(r);
    str_copy(r->v.rec.outcome, sizeof(r->v.rec.outcome), outcome);
    if (error) {
        char *e = xstrdup(error);

        str_sanitize(e);
        str_copy(r->v.rec.error, sizeof(r->v.rec.error), e);
        free(e);
    }
    r->v.rec.ended = clock_now();
    if (!r->v.rec.started)
        r->v.rec.started = r->v.rec.ended;
    r->v.phase = RESTORE_DONE;
    str_copy(r->v.step_text, sizeof(r->v.step_text), "done");
    record(r);
    notify(r);
}

/* A step before the restore failed: recorded (CLI) or shown for another try (console). */
static void step_failed(struct restore *r, enum lb_code code, const char *msg)
{
    lb_err_set(&r->v.error, code, "%s", msg);
    str_sanitize(r->v.error.msg);
    if (r->opts.record_all) {
        finish(r, code == LB_ECANCELLED ? "cancelled" : "failed", msg);
        return;
    }
    set_phase(r, RESTORE_IDLE, "");
    notify(r);
}

static void restic_error(struct restore *r, const struct spawn_result *res, struct lb_err *e)
{
    restic_result_error(r->repo->name, res, buf_cstr(&r->err_text), e);
}

/* ---- snapshots ---- */

int restore_snapshots(struct restore *r, struct lb_err *err)
{
    const char *args[] = { "snapshots", "--json" };

    if (r->v.phase != RESTORE_IDLE)
        return lb_err_set(err, LB_EBUSY, "the restore is busy: wait for it");
    lb_err_clear(&r->v.error);
    set_phase(r, RESTORE_SNAPSHOTS, "reading the repo's snapshots");
    if (run_restic(r, args, 2, SNAPSHOTS_TIMEOUT_MS, true, err) < 0) {
        set_phase(r, RESTORE_IDLE, "");
        return -(int)err->code;
    }
    notify(r);
    return 0;
}

static void snapshots_done(struct restore *r, struct spawn *sp, const struct spawn_result *res)
{
    struct lb_err e = { 0 };
    const struct buf *out = spawn_stdout(sp);

    if (!res->exited || res->status != 0) {
        restic_error(r, res, &e);
        step_failed(r, e.code, e.msg);
        return;
    }
    vec_clear(&r->v.snapshots);
    if (restic_parse_snapshots(out ? out->data : "", out ? out->len : 0, &r->v.snapshots, &e) < 0) {
        step_failed(r, LB_EPARSE, e.msg);
        return;
    }
    /*
     * restic prints them oldest first, ordered by their full (nanosecond) time:
     * reversed, the newest comes first even when two share a second
     */
    for (size_t i = 0, j = r->v.snapshots.len; i + 1 < j; i++, j--) {
        void *t = r->v.snapshots.items[i];

        r->v.snapshots.items[i] = r->v.snapshots.items[j - 1];
        r->v.snapshots.items[j - 1] = t;
    }
    set_phase(r, RESTORE_IDLE, "");
    notify(r);
}

/* ---- ls ---- */

int restore_list(struct restore *r, const char *snapshot, struct lb_err *err)
{
    const char *args[3];

    if (r->v.phase != RESTORE_IDLE)
        return lb_err_set(err, LB_EBUSY, "the restore is busy: wait for it");
    if (!snapshot || !*snapshot)
        snapshot = "latest";
    if (snapshot[0] == '-' || strlen(snapshot) >= sizeof(r->v.snapshot_arg))
        return lb_err_set(err, LB_EUSAGE, "'%s' is not a snapshot id", snapshot);
    str_copy(r->v.snapshot_arg, sizeof(r->v.snapshot_arg), snapshot);
    rtree_free(r->v.tree);
    r->v.tree = rtree_new();
    lb_err_clear(&r->tree_err);
    lb_err_clear(&r->v.error);
    r->v.planned = false;
    vec_clear(&r->v.items);
    args[0] = "ls";
    args[1] = "--json";
    args[2] = snapshot;
    if (r->opts.record_all && !r->v.rec.id) {
        r->v.rec.started = clock_now();
        record(r); /* from here on a record exists, whatever happens */
    }
    set_phase(r, RESTORE_LISTING, "listing the snapshot's files");
    if (run_restic(r, args, 3, LS_TIMEOUT_MS, false, err) < 0) {
        step_failed(r, err->code, err->msg);
        return -(int)err->code;
    }
    notify(r);
    return 0;
}

static void list_done(struct restore *r, const struct spawn_result *res)
{
    struct lb_err e = { 0 };
    struct rtree *t = r->v.tree;
    char msg[1200];

    if (r->tree_err.code) {
        step_failed(r, r->tree_err.code, r->tree_err.msg);
        return;
    }
    if (!res->exited || res->status != 0) {
        restic_error(r, res, &e);
        step_failed(r, e.code, e.msg);
        return;
    }
    if (res->output_capped) {
        step_failed(r, LB_ETOOBIG, "the snapshot's file list is too long to browse");
        return;
    }
    if (!t->snapshot_seen) {
        char *shown = xstrdup(r->v.snapshot_arg);

        str_sanitize(shown);
        if (!strcmp(r->v.snapshot_arg, "latest"))
            snprintf(msg, sizeof(msg), "repo '%s' has no snapshot yet: nothing to restore",
                     r->repo->name);
        else
            snprintf(msg, sizeof(msg),
                     "repo '%s' has no snapshot '%s' (lifeboat restore files %s --list shows the "
                     "newest; restic snapshots lists them all)",
                     r->repo->name, shown, r->repo->name);
        free(shown);
        step_failed(r, LB_ENOTFOUND, msg);
        return;
    }
    rtree_finish(t);
    str_copy(r->v.rec.snapshot_id, sizeof(r->v.rec.snapshot_id), t->snapshot_id);
    r->v.rec.snapshot_time = t->snapshot_time;
    r->v.rec.full_bytes = t->root->size;
    phase_done(r, "list");
    set_phase(r, RESTORE_IDLE, "");
    notify(r);
}

/* ---- the plan and its preview ---- */

static void dest_of(const struct restore *r, const char *path, char *out, size_t n)
{
    if (r->v.target_kind == RESTORE_ORIGINAL)
        str_copy(out, n, path);
    else
        snprintf(out, n, "%s%s", r->v.rec.target, path);
}

static int preview_one(struct restore *r, struct restore_item *it, struct lb_err *err)
{
    char dest[PATH_MAX * 2];
    struct stat sb;
    char b1[24], b2[24];

    dest_of(r, it->node->path, dest, sizeof(dest));
    if (lstat(dest, &sb) < 0) {
        if (errno == ENOENT) {
            it->effect = RFX_CREATE;
            return 0;
        }
        if (errno == ENOTDIR) {
            it->effect = RFX_OVERWRITE;
            str_copy(it->why, sizeof(it->why), "a file is where its directory goes");
            return 0;
        }
        {
            char *shown = xstrdup(dest);
            int e = errno;

            str_sanitize(shown);
            lb_err_set(err, e == EACCES ? LB_EPERM : LB_EIO,
                       "cannot preview the restore: cannot look at %s: %s; nothing was restored",
                       shown, strerror(e));
            free(shown);
            return -(int)err->code;
        }
    }
    if (S_ISDIR(sb.st_mode)) {
        it->effect = RFX_OVERWRITE;
        str_copy(it->why, sizeof(it->why), "a directory is there");
    } else if (it->node->type != RT_FILE || !S_ISREG(sb.st_mode)) {
        it->effect = RFX_OVERWRITE;
        str_copy(it->why, sizeof(it->why), "replaced");
    } else if ((uint64_t)sb.st_size != it->node->size) {
        it->effect = RFX_OVERWRITE;
        snprintf(it->why, sizeof(it->why), "size %s -> %s",
                 str_fmt_bytes((uint64_t)sb.st_size, b1, sizeof(b1)),
                 str_fmt_bytes(it->node->size, b2, sizeof(b2)));
    } else if (it->node->mtime && sb.st_mtime != it->node->mtime) {
        it->effect = RFX_OVERWRITE;
        str_copy(it->why, sizeof(it->why), "same size, other mtime");
    } else {
        it->effect = RFX_IDENTICAL;
    }
    return 0;
}

/* Check the target directory: absolute, not /, not a file, never inside a repo. */
static int check_folder(struct restore *r, const char *folder, struct lb_err *err)
{
    struct stat sb;
    char c[PATH_MAX];

    if (!folder || !*folder)
        return lb_err_set(err, LB_EUSAGE, "type the target folder's absolute path first");
    if (folder[0] != '/')
        return lb_err_set(err, LB_EUSAGE, "the target folder must be an absolute path ('%s')",
                          folder);
    canon(folder, c, sizeof(c));
    if (!strcmp(c, "/"))
        return lb_err_set(err, LB_EUSAGE,
                          "target / is the original location: ask for it as such (--original)");
    if (stat(folder, &sb) == 0 && !S_ISDIR(sb.st_mode))
        return lb_err_set(err, LB_EUSAGE, "target %s is not a directory", folder);
    (void)r;
    return 0;
}

/* No restored file may land inside a local repo (the one restored from, or any other). */
static int check_repos(struct restore *r, struct lb_err *err)
{
    size_t i, k;
    struct repo_cfg *repo;
    struct restore_item *it;
    char rp[PATH_MAX], dest[PATH_MAX * 2], t[PATH_MAX];

    canon(r->v.rec.target, t, sizeof(t));
    vec_foreach(&r->cfg->repos, i, repo) {
        const char *lp = config_repo_local_path(repo);

        if (!lp)
            continue;
        canon(lp, rp, sizeof(rp));
        if (r->v.target_kind != RESTORE_ORIGINAL && drills_path_within(t, rp))
            return lb_err_set(err, LB_EUSAGE,
                              "target %s is inside repo '%s' (%s): restore somewhere else",
                              r->v.rec.target, repo->name, lp);
        vec_foreach(&r->v.items, k, it) {
            snprintf(dest, sizeof(dest), "%s%s", r->v.target_kind == RESTORE_ORIGINAL ? "" : t,
                     it->node->path);
            if (drills_path_within(dest, rp)) {
                char *shown = xstrdup(it->node->path);

                str_sanitize(shown);
                lb_err_set(err, LB_EUSAGE,
                           "restoring %s there would write into repo '%s' (%s): choose another "
                           "target",
                           shown, repo->name, lp);
                free(shown);
                return -LB_EUSAGE;
            }
        }
    }
    return 0;
}

/* Free bytes where the target is (its nearest existing ancestor); 0 unknown. */
static uint64_t free_at(const char *target)
{
    char p[PATH_MAX];
    struct statvfs sv;
    char *slash;

    str_copy(p, sizeof(p), target);
    for (;;) {
        if (statvfs(p, &sv) == 0)
            return (uint64_t)sv.f_bavail * (uint64_t)sv.f_frsize;
        slash = strrchr(p, '/');
        if (!slash)
            return 0;
        if (slash == p) {
            if (!p[1])
                return 0;
            p[1] = '\0';
        } else {
            *slash = '\0';
        }
    }
}

static void scope_text(struct restore *r)
{
    struct buf b = BUF_INIT(0);
    size_t i;
    const char *p;

    if (r->everything) {
        str_copy(r->v.rec.scope, sizeof(r->v.rec.scope), "everything");
        return;
    }
    vec_foreach(&r->includes, i, p) {
        if (b.len + strlen(p) + 2 > sizeof(r->v.rec.scope) - 24) {
            buf_printf(&b, " (+%zu more)", r->includes.len - i);
            break;
        }
        buf_printf(&b, "%s%s", i ? " " : "", p);
    }
    str_copy(r->v.rec.scope, sizeof(r->v.rec.scope), buf_cstr(&b));
    str_sanitize(r->v.rec.scope);
    buf_release(&b);
}

static int plan_fail(struct restore *r, struct lb_err *err)
{
    r->v.planned = false;
    vec_clear(&r->v.items);
    if (r->opts.record_all)
        finish(r, "failed", err->msg);
    return -(int)err->code;
}

/* The preview could not be made (or was cancelled): not planned, view.error says why. */
static void preview_fail(struct restore *r, const struct lb_err *e)
{
    stop_timer(r);
    r->v.planned = false;
    vec_clear(&r->v.items);
    r->v.check_done = r->v.check_total = 0;
    step_failed(r, e->code, e->msg);
}

/* Every file looked at: the checks on the whole plan, then planned. */
static void preview_end(struct restore *r)
{
    struct lb_err e = { 0 };
    char b1[32], b2[32];

    if (check_repos(r, &e) < 0) {
        preview_fail(r, &e);
        return;
    }
    r->v.free_bytes = free_at(r->v.rec.target);
    if (r->v.free_bytes && r->v.free_bytes < r->need) {
        lb_err_set(&e, LB_ENOSPACE,
                   "%s has %s free and the restore writes %s: free some space or restore fewer "
                   "paths",
                   r->v.rec.target, str_fmt_bytes(r->v.free_bytes, b1, sizeof(b1)),
                   str_fmt_bytes(r->need, b2, sizeof(b2)));
        preview_fail(r, &e);
        return;
    }
    snprintf(r->v.rec.verify_note, sizeof(r->v.rec.verify_note),
             "preview: %zu to create, %zu to overwrite, %zu identical", r->v.n_create,
             r->v.n_overwrite, r->v.n_identical);
    r->v.rec.rpo_seconds = r->v.rec.snapshot_time ? clock_now() - r->v.rec.snapshot_time : -1;
    r->v.planned = true;
    set_phase(r, RESTORE_IDLE, "");
    notify(r);
}

/* A chunk of the preview per loop turn: the screen keeps answering. */
static void preview_step(struct loop *loop, void *arg)
{
    struct restore *r = arg;
    struct lb_err e = { 0 };
    size_t end;

    (void)loop;
    r->step_timer = 0;
    if (r->v.phase != RESTORE_PREVIEW)
        return;
    end = r->v.check_done + CHUNK_FILES;
    if (end > r->v.items.len)
        end = r->v.items.len;
    for (; r->v.check_done < end; r->v.check_done++) {
        struct restore_item *it = r->v.items.items[r->v.check_done];

        if (preview_one(r, it, &e) < 0) {
            preview_fail(r, &e);
            return;
        }
        if (it->effect == RFX_CREATE)
            r->v.n_create++;
        else if (it->effect == RFX_OVERWRITE)
            r->v.n_overwrite++;
        else
            r->v.n_identical++;
        if (it->effect != RFX_IDENTICAL)
            r->need += it->node->size;
    }
    if (r->v.check_done >= r->v.items.len) {
        preview_end(r);
        return;
    }
    r->step_timer = loop_add_timer(r->loop, 0, preview_step, r);
    notify(r);
}

int restore_plan(struct restore *r, const struct vec *paths, enum restore_target target,
                 const char *folder, struct lb_err *err)
{
    struct vec tops = VEC_INIT(NULL), files = VEC_INIT(NULL);
    size_t i, k;
    const char *p;
    struct rtree_node *n, *o;

    if (r->v.phase != RESTORE_IDLE || !r->v.tree || !r->v.tree->snapshot_seen)
        return lb_err_set(err, LB_EUSAGE, "list the snapshot first");
    r->v.planned = false;
    vec_clear(&r->v.items);
    vec_clear(&r->includes);
    r->v.scope_bytes = r->v.scope_files = 0;
    r->v.n_create = r->v.n_overwrite = r->v.n_identical = 0;
    r->everything = false;
    if (paths->len > MAX_PATHS) {
        lb_err_set(err, LB_EUSAGE, "%zu paths marked: mark their directories instead (at most %d)",
                   paths->len, MAX_PATHS);
        return plan_fail(r, err);
    }
    /* the selected nodes, without those inside another selected one */
    vec_foreach(paths, i, p) {
        n = rtree_find(r->v.tree, p);
        if (!n) {
            char *shown = xstrdup(p);

            str_sanitize(shown);
            lb_err_set(err, LB_ENOTFOUND,
                       "snapshot %.8s holds no %s (lifeboat restore files %s %.8s --list --path "
                       "DIR shows what it holds)",
                       r->v.tree->snapshot_id, shown, r->repo->name, r->v.tree->snapshot_id);
            free(shown);
            vec_release(&tops);
            return plan_fail(r, err);
        }
        vec_push(&tops, n);
    }
    if (!tops.len)
        vec_push(&tops, r->v.tree->root);
    for (i = 0; i < tops.len; i++) {
        bool inside = false;

        n = tops.items[i];
        vec_foreach(&tops, k, o)
            if (k != i && (rtree_within(n, o) && (n != o || k < i)))
                inside = true;
        if (inside)
            continue;
        if (n == r->v.tree->root)
            r->everything = true;
        else
            vec_push(&r->includes, xstrdup(n->path));
        rtree_collect(n, &files);
    }
    if (r->everything)
        vec_clear(&r->includes);
    vec_release(&tops);
    scope_text(r);

    /* the target */
    r->v.target_kind = target;
    switch (target) {
    case RESTORE_SCRATCH: {
        char stamp[32];
        struct tm tm;
        time_t now = clock_now();

        if (drills_check_scratch(r->cfg, r->cfg->drill.scratch, err) < 0) {
            vec_release(&files);
            return plan_fail(r, err);
        }
        localtime_r(&now, &tm);
        strftime(stamp, sizeof(stamp), "%Y-%m-%d-%H%M%S", &tm);
        snprintf(r->v.rec.target, sizeof(r->v.rec.target), "%s/%s-restore-%d",
                 r->cfg->drill.scratch, stamp, (int)getpid());
        /* a second restore within the same second gets its own directory too */
        for (int nth = 2; nth < 100 && access(r->v.rec.target, F_OK) == 0; nth++)
            snprintf(r->v.rec.target, sizeof(r->v.rec.target), "%s/%s-restore-%d-%d",
                     r->cfg->drill.scratch, stamp, (int)getpid(), nth);
        break;
    }
    case RESTORE_FOLDER:
        if (check_folder(r, folder, err) < 0) {
            vec_release(&files);
            return plan_fail(r, err);
        }
        str_copy(r->v.rec.target, sizeof(r->v.rec.target), folder);
        {
            size_t l = strlen(r->v.rec.target);

            while (l > 1 && r->v.rec.target[l - 1] == '/')
                r->v.rec.target[--l] = '\0';
        }
        break;
    case RESTORE_ORIGINAL:
        str_copy(r->v.rec.target, sizeof(r->v.rec.target), "/");
        break;
    }

    /* the preview: every file's item now, their lstat a chunk per loop turn */
    vec_foreach(&files, i, n) {
        struct restore_item *it = xcalloc(1, sizeof(*it));

        it->node = n;
        vec_push(&r->v.items, it);
        r->v.scope_files++;
        r->v.scope_bytes += n->size;
    }
    vec_release(&files);
    r->need = 0;
    r->v.check_done = 0;
    r->v.check_total = r->v.items.len;
    lb_err_clear(&r->v.error);
    set_phase(r, RESTORE_PREVIEW, "checking what the restore would change");
    r->step_timer = loop_add_timer(r->loop, 0, preview_step, r);
    return 0;
}

bool restore_needs_confirm(const struct restore *r)
{
    return r->v.planned && (r->v.target_kind == RESTORE_ORIGINAL || r->v.n_overwrite > 0);
}

/* ---- the restore ---- */

/* Bytes of one file of the scope (it, a restore_item) rewritten since restic restore started. */
static uint64_t measure_one(void *arg, const void *item)
{
    const struct restore *r = arg;
    const struct restore_item *it = item;
    char dest[PATH_MAX * 2];
    struct stat sb;

    dest_of(r, it->node->path, dest, sizeof(dest));
    if (lstat(dest, &sb) < 0)
        return 0;
    if (sb.st_ctim.tv_sec < r->go_wall.tv_sec ||
        (sb.st_ctim.tv_sec == r->go_wall.tv_sec && sb.st_ctim.tv_nsec < r->go_wall.tv_nsec))
        return 0;
    return (uint64_t)sb.st_size < it->node->size ? (uint64_t)sb.st_size : it->node->size;
}

static void measured(struct restore *r, uint64_t done)
{
    int64_t ms = loop_now_ms(r->loop) - r->v.started_ms;

    r->v.bytes_done = done;
    restic_progress_rate(ms, done, r->v.scope_bytes, &r->v.rate, &r->v.eta_s);
}

/* Bytes of the scope's files rewritten since restic restore started (at once: at the end). */
static void measure(struct restore *r)
{
    size_t i;
    struct restore_item *it;
    uint64_t done = 0;

    if (r->v.items.len > MEASURE_MAX)
        return;
    vec_foreach(&r->v.items, i, it)
        done += measure_one(r, it);
    measured(r, done);
}

/* A second of the progress measure: its pass, or time only (too many files to measure). */
static void progress_report(void *arg, bool whole, uint64_t sum)
{
    struct restore *r = arg;

    if (whole)
        measured(r, sum);
    notify(r);
}

int restore_go(struct restore *r, struct lb_err *err)
{
    struct vec pats = VEC_INIT(free);
    const char **args;
    size_t i, n = 0;
    const char *p;
    int rc;
    char msg[1200];

    if (r->v.phase != RESTORE_IDLE || !r->v.planned)
        return lb_err_set(err, LB_EUSAGE, "nothing planned to restore");
    if (!r->v.rec.started || !r->opts.record_all)
        r->v.rec.started = clock_now();
    str_copy(r->v.rec.outcome, sizeof(r->v.rec.outcome), "running");
    record(r); /* running: a process that dies here leaves an interrupted record */
    if (r->v.target_kind == RESTORE_SCRATCH) {
        if (path_mkdirs(r->cfg->drill.scratch, 0700) < 0 || mkdir(r->v.rec.target, 0700) < 0) {
            snprintf(msg, sizeof(msg), "cannot create the scratch target %s: %s", r->v.rec.target,
                     strerror(errno));
            finish(r, "failed", msg);
            return lb_err_set(err, LB_EIO, "%s", msg);
        }
        r->target_made = true;
    } else if (r->v.target_kind == RESTORE_FOLDER) {
        struct stat sb;

        if (stat(r->v.rec.target, &sb) < 0 && path_mkdirs(r->v.rec.target, 0700) < 0) {
            snprintf(msg, sizeof(msg), "cannot create the target %s: %s", r->v.rec.target,
                     strerror(errno));
            finish(r, "failed", msg);
            return lb_err_set(err, errno == EACCES ? LB_EPERM : LB_EIO, "%s", msg);
        }
        if (access(r->v.rec.target, W_OK) < 0) {
            snprintf(msg, sizeof(msg), "target %s is not writable: %s", r->v.rec.target,
                     strerror(errno));
            finish(r, "failed", msg);
            return lb_err_set(err, LB_EPERM, "%s", msg);
        }
    }
    args = xcalloc(4 + 2 * r->includes.len + 1, sizeof(*args));
    args[n++] = "restore";
    args[n++] = r->v.rec.snapshot_id;
    args[n++] = "--target";
    args[n++] = r->v.rec.target;
    vec_foreach(&r->includes, i, p) {
        char *pat = restore_include_pattern(p);

        vec_push(&pats, pat);
        args[n++] = "--include";
        args[n++] = pat;
    }
    set_phase(r, RESTORE_RUNNING, "restic restore: reading the repo and writing the files");
    r->v.started_ms = loop_now_ms(r->loop);
    clock_gettime(CLOCK_REALTIME, &r->go_wall);
    r->go_wall.tv_sec -= 1; /* file systems stamp ctime at a coarser tick than the clock */
    rc = run_restic(r, args, n, 0, false, err);
    free(args);
    vec_release(&pats);
    if (rc < 0) {
        finish(r, "failed", err->msg);
        return rc;
    }
    restic_progress_start(&r->progress, r->loop, &r->v.items, MEASURE_MAX, measure_one,
                          progress_report, r);
    notify(r);
    return 0;
}

/* The check's end: the record says what landed. */
static void check_end(struct restore *r)
{
    char msg[LB_ERR_MSG_MAX + 600];

    r->v.bytes_done = r->v.rec.bytes;
    phase_done(r, "restore");
    if (r->missing || r->wrong) {
        char *shown = xstrdup(r->first_bad->node->path);

        str_sanitize(shown);
        snprintf(msg, sizeof(msg),
                 "restic finished but %zu file%s missing and %zu of the wrong size at %s (first: "
                 "%s)",
                 r->missing, r->missing == 1 ? " is" : "s are", r->wrong, r->v.rec.target, shown);
        free(shown);
        r->v.rec.verified = 0;
        finish(r, "failed", msg);
        return;
    }
    r->v.rec.verified = 1;
    finish(r, "ok", NULL);
}

/* A chunk of the check per loop turn: every file at its target with its size. */
static void check_step(struct loop *loop, void *arg)
{
    struct restore *r = arg;
    char dest[PATH_MAX * 2];
    struct stat sb;
    size_t end;

    (void)loop;
    r->step_timer = 0;
    if (r->v.phase != RESTORE_CHECKING)
        return;
    end = r->v.check_done + CHUNK_FILES;
    if (end > r->v.items.len)
        end = r->v.items.len;
    for (; r->v.check_done < end; r->v.check_done++) {
        struct restore_item *it = r->v.items.items[r->v.check_done];

        dest_of(r, it->node->path, dest, sizeof(dest));
        if (lstat(dest, &sb) < 0) {
            r->missing++;
            r->first_bad = r->first_bad ? r->first_bad : it;
            continue;
        }
        if (it->node->type == RT_FILE &&
            (!S_ISREG(sb.st_mode) || (uint64_t)sb.st_size != it->node->size)) {
            r->wrong++;
            r->first_bad = r->first_bad ? r->first_bad : it;
            continue;
        }
        r->v.rec.files++;
        r->v.rec.bytes += it->node->size;
    }
    if (r->v.check_done >= r->v.items.len) {
        check_end(r);
        return;
    }
    r->step_timer = loop_add_timer(r->loop, 0, check_step, r);
    notify(r);
}

/* After restic: every file at its target with its size (through the loop). */
static void restore_done(struct restore *r, const struct spawn_result *res)
{
    char msg[LB_ERR_MSG_MAX + 600];
    const char *text = buf_cstr(&r->err_text);

    stop_timer(r);
    r->v.rec.rto_ms = loop_now_ms(r->loop) - r->v.started_ms;
    if (!res->exited || res->status != 0) {
        struct lb_err e = { 0 };

        measure(r);
        r->v.rec.bytes = r->v.bytes_done;
        if (strstr(text, "no space left on device"))
            snprintf(msg, sizeof(msg),
                     "the restore ran out of space at %s (no space left on device): free some "
                     "space; what was written so far stays there",
                     r->v.rec.target);
        else if (strstr(text, "permission denied") && !strstr(text, "Fatal: unable to open"))
            snprintf(msg, sizeof(msg), "restic cannot write below %s: permission denied",
                     r->v.rec.target);
        else {
            restic_error(r, res, &e);
            snprintf(msg, sizeof(msg), "the restore failed: %s", e.msg);
        }
        finish(r, res->exited && res->status == 130 ? "cancelled" : "failed", msg);
        return;
    }
    r->v.rec.files = 0;
    r->v.rec.bytes = 0;
    r->missing = r->wrong = 0;
    r->first_bad = NULL;
    r->v.check_done = 0;
    r->v.check_total = r->v.items.len;
    r->v.phase = RESTORE_CHECKING; /* phase_ms stays: "restore" counts restic and the check */
    str_copy(r->v.step_text, sizeof(r->v.step_text), "checking every restored file at its target");
    r->step_timer = loop_add_timer(r->loop, 0, check_step, r);
    notify(r);
}

static void on_exit_cb(struct spawn *sp, const struct spawn_result *res, void *arg)
{
    struct restore *r = arg;
    enum restore_phase ph = r->v.phase;

    r->sp = NULL;
    if (r->orphan) {
        r->orphan = false;
        restore_free(r);
        return;
    }
    if (ph == RESTORE_DONE)
        return; /* closed already (restore_free_sync) */
    if ((r->cancelled || res->cancelled) && !r->tree_err.code) {
        r->cancelled = false;
        if (ph == RESTORE_RUNNING) {
            char msg[1200];

            stop_timer(r);
            r->v.rec.rto_ms = loop_now_ms(r->loop) - r->v.started_ms;
            measure(r);
            r->v.rec.bytes = r->v.bytes_done;
            snprintf(msg, sizeof(msg),
                     "cancelled by the operator; what was restored so far stays in %s",
                     r->v.rec.target);
            finish(r, "cancelled", msg);
        } else {
            step_failed(r, LB_ECANCELLED, "cancelled by the operator");
        }
        return;
    }
    switch (ph) {
    case RESTORE_SNAPSHOTS:
        snapshots_done(r, sp, res);
        break;
    case RESTORE_LISTING:
        list_done(r, res);
        break;
    case RESTORE_RUNNING:
        restore_done(r, res);
        break;
    default:
        break;
    }
}

void restore_cancel(struct restore *r)
{
    if (r && r->v.phase == RESTORE_PREVIEW) {
        struct lb_err e = { 0 };

        lb_err_set(&e, LB_ECANCELLED, "the preview was cancelled: nothing was restored");
        preview_fail(r, &e);
        return;
    }
    if (r && r->v.phase == RESTORE_CHECKING) {
        char msg[1200];

        snprintf(msg, sizeof(msg),
                 "restic finished but the check of the restored files was cancelled by the "
                 "operator (%zu of %zu checked); the files are in %s",
                 r->v.check_done, r->v.check_total, r->v.rec.target);
        finish(r, "cancelled", msg);
        return;
    }
    if (!r || !r->sp)
        return;
    r->cancelled = true;
    spawn_signal(r->sp, SIGINT); /* restic removes its lock and exits */
    spawn_cancel(r->sp);
}

void restore_abandon(struct restore *r, const char *why)
{
    if (!r || r->v.phase == RESTORE_DONE || restore_busy(r))
        return;
    if (r->v.rec.id || r->opts.record_all)
        finish(r, "cancelled", why);
}

bool restore_busy(const struct restore *r)
{
    return r && (r->sp || r->v.phase == RESTORE_PREVIEW || r->v.phase == RESTORE_CHECKING);
}

/* ---- life cycle ---- */

struct restore *restore_new(struct loop *loop, const struct config *cfg, struct store *st,
                            const char *repo_name, const struct restore_opts *opts,
                            void (*on_update)(struct restore *r, void *arg), void *arg,
                            struct lb_err *err)
{
    struct restore *r;
    const struct repo_cfg *repo = config_repo(cfg, repo_name ? repo_name : "");
    int holder = 0, recovered = 0;
    struct lb_err e2 = { 0 };

    if (!repo) {
        struct buf names = BUF_INIT(0);
        size_t i;
        struct repo_cfg *rc;

        vec_foreach(&cfg->repos, i, rc)
            buf_printf(&names, "%s%s", i ? ", " : "", rc->name);
        lb_err_set(err, LB_ENOTFOUND, "no repo '%s' in %s (repos: %s)", repo_name ? repo_name : "",
                   cfg->path ? cfg->path : "the config", names.len ? buf_cstr(&names) : "none");
        buf_release(&names);
        return NULL;
    }
    r = xcalloc(1, sizeof(*r));
    r->loop = loop;
    r->cfg = cfg;
    r->st = st;
    r->repo = repo;
    r->on_update = on_update;
    r->arg = arg;
    if (opts)
        r->opts = *opts;
    vec_init(&r->env, free);
    vec_init(&r->includes, free);
    vec_init(&r->v.snapshots, restic_snapshot_free);
    vec_init(&r->v.items, free);
    buf_init(&r->err_text, RESTIC_ERR_TEXT_MAX + 512);
    buf_init(&r->phases, 1024);
    r->v.eta_s = -1;
    if (runlock_try(NULL, "restore", &r->lock, &holder, err) < 0) {
        if (err->code == LB_EBUSY)
            lb_err_set(err, LB_EBUSY,
                       "another restore is running (pid %d): wait for it or stop it first", holder);
        restore_free(r);
        return NULL;
    }
    if (recover_locked(st, &recovered, &e2) < 0)
        log_warn("restore: %s", e2.msg);
    if (restic_build_env(repo, cfg->dir, &r->env, err) < 0) {
        restore_free(r);
        return NULL;
    }
    drill_record_init(&r->v.rec, "restore", repo->name);
    return r;
}

/*
 * Nobody waits for the child any more: close the record as interrupted now and
 * stop restic (SIGINT: it removes its lock; then SIGTERM, SIGKILL after the grace).
 */
static void stop_child_unwatched(struct restore *r)
{
    r->on_update = NULL;
    if (r->v.phase == RESTORE_RUNNING) {
        char msg[1200];

        snprintf(msg, sizeof(msg),
                 "the console closed while the restore ran; %s may hold part of the files",
                 r->v.rec.target);
        r->v.rec.rto_ms = loop_now_ms(r->loop) - r->v.started_ms;
        finish(r, "interrupted", msg);
    } else if (r->v.rec.id) {
        finish(r, "interrupted", "the console closed while the snapshot was read");
    }
    r->v.phase = RESTORE_DONE;
    spawn_signal(r->sp, SIGINT);
    spawn_cancel(r->sp);
}

void restore_free(struct restore *r)
{
    if (!r)
        return;
    if (r->sp) {
        stop_child_unwatched(r);
        r->orphan = true; /* the child's on_exit frees the restore */
        return;
    }
    if (r->v.phase == RESTORE_CHECKING) {
        char msg[1200];

        r->on_update = NULL;
        snprintf(msg, sizeof(msg),
                 "restic finished but the console closed while the restored files were checked "
                 "(%zu of %zu); the files are in %s",
                 r->v.check_done, r->v.check_total, r->v.rec.target);
        finish(r, "interrupted", msg);
    } else if (r->v.phase == RESTORE_PREVIEW && r->v.rec.id) {
        r->on_update = NULL;
        finish(r, "interrupted", "closed while the preview ran; nothing was restored");
    }
    stop_timer(r);
    runlock_release(r->lock);
    vec_release(&r->env);
    vec_release(&r->includes);
    vec_release(&r->v.snapshots);
    vec_release(&r->v.items);
    rtree_free(r->v.tree);
    buf_release(&r->err_text);
    buf_release(&r->phases);
    free(r);
}

void restore_free_sync(struct restore *r)
{
    if (r && r->sp) {
        stop_child_unwatched(r);
        while (r->sp)
            loop_run_once(r->loop, 100);
    }
    restore_free(r);
}

const struct restore_view *restore_view(const struct restore *r)
{
    return &r->v;
}

const struct repo_cfg *restore_repo(const struct restore *r)
{
    return r->repo;
}
