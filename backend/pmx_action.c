/*
 * A Proxmox action followed to its end (see pmx_action.h): the request's
 * answer is a UPID, followed with pmx_follow until the task stops.
 */
#include "backend/pmx_action.h"

#include "backend/base/str.h"

#define POLL_MS 300

static void on_line(const struct pmx_log_line *line, void *arg)
{
    struct pmx_action *a = arg;

    a->on_line(line, a->arg);
}

static void on_followed(int rc, const struct lb_err *err, enum pmx_outcome outcome,
                        const char *exitstatus, void *arg)
{
    struct pmx_action *a = arg;

    a->follow = NULL;
    a->on_done(rc, err, outcome, exitstatus, a->arg);
}

void pmx_action_answer(int rc, const struct lb_err *err, struct vec *out, void *arg)
{
    struct pmx_action *a = arg;
    struct pmx_follow_opts fo = { 0 };
    struct lb_err e = { 0 };

    a->call = NULL;
    if (rc < 0 || !out->len) {
        a->on_done(rc < 0 ? rc : -LB_EPARSE, rc < 0 ? err : &e, PMX_ERROR,
                   rc < 0 ? NULL : "no task id in the answer", a->arg);
        return;
    }
    fo.node = a->node;
    fo.upid = out->items[0];
    fo.poll_ms = POLL_MS;
    fo.max_ms = a->max_ms;
    fo.on_line = a->on_line ? on_line : NULL;
    fo.on_done = on_followed;
    fo.arg = a;
    a->follow = pmx_follow_start(a->c, &fo, &e);
    if (!a->follow)
        a->on_done(e.code ? -(int)e.code : -LB_EFAIL, &e, PMX_ERROR, NULL, a->arg);
}

void pmx_action_unfollow(struct pmx_action *a)
{
    struct pmx_follow *f = a->follow;

    if (!f)
        return;
    a->follow = NULL;
    pmx_follow_cancel(f);
}

void pmx_action_start(struct pmx_action *a, struct pmx_call *call, const struct lb_err *err,
                      const char *what)
{
    str_copy(a->what, sizeof(a->what), what);
    if (!call) {
        a->on_done(err->code ? -(int)err->code : -LB_EFAIL, err, PMX_ERROR, NULL, a->arg);
        return;
    }
    a->call = call;
}
