/*
 * The glue of the engines that run `restic restore` (see restic_restore.h):
 * the child, its stderr and failure, and the progress measure.
 */
#include "backend/restic_restore.h"

#include <stdlib.h>
#include <string.h>

#include "backend/base/xalloc.h"
#include "backend/loop.h"
#include "backend/restic.h"

#define KILL_GRACE_MS   5000
#define LONG_OUTPUT_MAX ((size_t)4 << 30) /* ls of a big snapshot is long */

int restic_child_start(struct loop *loop, const char *repo_name, const struct vec *env,
                       const struct restic_child_opts *o, struct spawn **sp, struct lb_err *err)
{
    const char **argv = xcalloc(o->nargs + 3, sizeof(*argv));
    struct spawn_opts so;
    size_t n = 0;

    argv[n++] = restic_program();
    if (o->no_cache)
        argv[n++] = "--no-cache";
    for (size_t i = 0; i < o->nargs; i++)
        argv[n++] = o->args[i];
    memset(&so, 0, sizeof(so));
    so.argv = argv;
    so.env = (const char *const *)env->items;
    so.unset_env = restic_unset_env();
    so.timeout_ms = o->timeout_ms;
    so.kill_grace_ms = KILL_GRACE_MS;
    so.capture = o->capture;
    so.capture_max = o->capture ? o->capture_max : 0;
    so.max_output = o->capture ? o->capture_max + 1 : LONG_OUTPUT_MAX;
    so.on_line = o->on_line;
    so.on_exit = o->on_exit;
    so.arg = o->arg;
    *sp = spawn_start(loop, &so, err);
    free(argv);
    if (!*sp) {
        lb_err_prefix(err, "cannot run restic on repo '%s'", repo_name);
        return -(int)(err->code ? err->code : LB_EFAIL);
    }
    return 0;
}

void restic_keep_stderr(struct buf *text, const char *line, size_t len)
{
    if (text->len < RESTIC_ERR_TEXT_MAX) {
        buf_append(text, line, len);
        buf_puts(text, "\n");
    }
}

int restic_result_error(const char *repo_name, const struct spawn_result *res,
                        const char *stderr_text, struct lb_err *err)
{
    return restic_classify_failure(repo_name, res->exited ? res->status : -1, res->signo,
                                   res->timed_out, res->exec_errno, stderr_text, err);
}

/* ---- the progress measure ---- */

static void progress_tick(struct loop *loop, void *arg);

/* A chunk of the pass per loop turn: the screen keeps answering. */
static void measure_step(struct loop *loop, void *arg)
{
    struct restic_progress *p = arg;
    size_t end = p->at + RESTIC_MEASURE_CHUNK;

    (void)loop;
    p->timer = 0;
    if (end > p->items->len)
        end = p->items->len;
    for (; p->at < end; p->at++)
        p->sum += p->one(p->arg, p->items->items[p->at]);
    if (p->at < p->items->len) {
        p->timer = loop_add_timer(p->loop, 0, measure_step, p);
        return;
    }
    p->report(p->arg, true, p->sum);
    if (p->running && !p->timer) /* report may have stopped it */
        p->timer = loop_add_timer(p->loop, RESTIC_PROGRESS_MS, progress_tick, p);
}

static void progress_tick(struct loop *loop, void *arg)
{
    struct restic_progress *p = arg;

    (void)loop;
    p->timer = 0;
    if (p->items->len > p->measure_max) {
        p->report(p->arg, false, 0); /* too many files to measure each second: time only */
        if (p->running && !p->timer)
            p->timer = loop_add_timer(p->loop, RESTIC_PROGRESS_MS, progress_tick, p);
        return;
    }
    p->at = 0;
    p->sum = 0;
    p->timer = loop_add_timer(p->loop, 0, measure_step, p);
}

void restic_progress_start(struct restic_progress *p, struct loop *loop, const struct vec *items,
                           size_t measure_max, uint64_t (*one)(void *arg, const void *item),
                           void (*report)(void *arg, bool measured, uint64_t sum), void *arg)
{
    restic_progress_stop(p);
    p->loop = loop;
    p->items = items;
    p->measure_max = measure_max;
    p->one = one;
    p->report = report;
    p->arg = arg;
    p->at = 0;
    p->sum = 0;
    p->running = true;
    p->timer = loop_add_timer(loop, RESTIC_PROGRESS_MS, progress_tick, p);
}

void restic_progress_stop(struct restic_progress *p)
{
    p->running = false;
    if (p->timer) {
        loop_cancel_timer(p->loop, p->timer);
        p->timer = 0;
    }
}

void restic_progress_rate(int64_t ms, uint64_t done, uint64_t scope, double *rate, int64_t *eta_s)
{
    if (ms > 0 && done) {
        *rate = (double)done * 1000.0 / (double)ms;
        *eta_s = *rate > 0 && scope >= done ? (int64_t)((double)(scope - done) / *rate) : -1;
    }
}
