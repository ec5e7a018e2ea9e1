#ifndef LIFEBOAT_BACKEND_PMX_ACTION_H
#define LIFEBOAT_BACKEND_PMX_ACTION_H

#include <stdint.h>

#include "backend/base/err.h"
#include "backend/base/vec.h"
#include "backend/proxmox.h"

/*
 * A Proxmox action followed to its end: a request that answers a task (a
 * UPID), whose task is then followed (pmx_follow_start) until it stops. The
 * engines that chain such actions (drill_pmx.c, restore_guest.c) embed one
 * struct pmx_action and fill its first fields once. For each action they
 * start the request with pmx_action_answer as its result callback and the
 * struct as its arg, then hand the request (NULL: it could not start, err
 * says why) to pmx_action_start.
 *
 * on_done then runs exactly once for the action: with the task's outcome
 * and exit status, or with PMX_ERROR and the error when the request could
 * not start or failed (rc < 0), when its answer held no task id (rc
 * -LB_EPARSE, exit status "no task id in the answer"), or when the follow
 * could not start. By then call and follow are NULL, and nothing touches
 * the struct after on_done returns: the owner may free it from there.
 *
 * To stop the request, the owner clears call and cancels it
 * (pmx_call_cancel): its answer is an LB_ECANCELLED error. A task under way
 * runs on in Proxmox; pmx_action_unfollow stops following it.
 */
struct pmx_action {
    struct pmx_client *c;
    const char *node; /* to follow the task on (borrowed: read when the answer comes) */
    int64_t max_ms;   /* give up following after this long (0: pmx_follow's 1 hour) */
    void (*on_line)(const struct pmx_log_line *line, void *arg); /* the task log; may be NULL */
    void (*on_done)(int rc, const struct lb_err *err, enum pmx_outcome outcome,
                    const char *exitstatus, void *arg);
    void *arg;
    /* the action under way */
    char what[96];             /* its name, for messages: "the restore" */
    struct pmx_call *call;     /* its request, until the answer */
    struct pmx_follow *follow; /* its task, until it ends */
};

/* Take the request of the action named what (call NULL: it did not start; err says why). */
void pmx_action_start(struct pmx_action *a, struct pmx_call *call, const struct lb_err *err,
                      const char *what);
/* The pmx_result_fn of an action's request (arg: the struct pmx_action). */
void pmx_action_answer(int rc, const struct lb_err *err, struct vec *out, void *arg);
/*
 * Stop following the task (it goes on in Proxmox): on_done runs at once with
 * LB_ECANCELLED. Does nothing when no task is followed.
 */
void pmx_action_unfollow(struct pmx_action *a);

#endif
