/*
 * A Proxmox action followed to its end (pmx_action.h), without a server:
 * every way an action ends reaches on_done exactly once, with the error the
 * engines put in their messages, call and follow cleared; an owner freed from
 * inside on_done is not touched again (ASan watches). The request goes to a
 * closed port on 127.0.0.1; a task is followed from a UPID handed to the
 * answer callback, then no longer followed. The whole way through a server is the
 * drills' and the guest restore's (tests/integration/drill_pve.sh,
 * restore_guest.sh).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/base/str.h"
#include "backend/base/xalloc.h"
#include "backend/http.h"
#include "backend/loop.h"
#include "backend/pmx_action.h"

#define UPID "UPID:pve:00001A7B:1598E4A4:6B079900:qmsnapshot:9000:lifeboat@pve!console:"

struct env {
    struct loop *loop;
    struct http *http;
    struct pmx_client *c;
    char dir[256], token[300];
};

/* What on_done saw (kept here: the owner may be gone). */
struct seen {
    bool done;
    int calls, rc;
    enum pmx_outcome outcome;
    char msg[256], exitstatus[64];
    bool exitstatus_null, call_null, follow_null;
    char what[96];
};

struct owner {
    struct pmx_action act;
    bool free_in_done;
};

static struct env E;
static struct seen S;

static void on_done(int rc, const struct lb_err *err, enum pmx_outcome outcome,
                    const char *exitstatus, void *arg)
{
    struct owner *o = arg;

    S.calls++;
    S.done = true;
    S.rc = rc;
    S.outcome = outcome;
    str_copy(S.msg, sizeof(S.msg), err ? err->msg : "(no err)");
    S.exitstatus_null = !exitstatus;
    str_copy(S.exitstatus, sizeof(S.exitstatus), exitstatus ? exitstatus : "");
    S.call_null = !o->act.call;
    S.follow_null = !o->act.follow;
    str_copy(S.what, sizeof(S.what), o->act.what);
    if (o->free_in_done)
        free(o);
}

static struct owner *owner_new(bool free_in_done)
{
    struct owner *o = xcalloc(1, sizeof(*o));

    o->act.c = E.c;
    o->act.node = "pve";
    o->act.max_ms = 60000;
    o->act.on_done = on_done;
    o->act.arg = o;
    o->free_in_done = free_in_done;
    memset(&S, 0, sizeof(S));
    return o;
}

static int setup(void **state)
{
    const char *tmp = getenv("TMPDIR");
    struct pmx_client_opts co = { 0 };
    struct lb_err err = { 0 };
    FILE *f;

    (void)state;
    snprintf(E.dir, sizeof(E.dir), "%s/lb-pmx-action.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(E.dir))
        return -1;
    snprintf(E.token, sizeof(E.token), "%s/token", E.dir);
    if (!(f = fopen(E.token, "w")))
        return -1;
    fputs("lifeboat@pve!console=00000000-0000-0000-0000-000000000000\n", f);
    fclose(f);
    E.loop = loop_new();
    E.http = http_new(E.loop);
    co.product = PMX_PVE;
    co.name = "lab";
    co.url = "https://127.0.0.1:1"; /* nothing listens: the connection is refused */
    co.token_file = E.token;
    co.connect_timeout_ms = 3000;
    co.timeout_ms = 5000;
    E.c = pmx_client_new(E.loop, E.http, &co, &err);
    return E.c ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    pmx_client_free(E.c);
    http_free(E.http);
    loop_free(E.loop);
    unlink(E.token);
    rmdir(E.dir);
    return 0;
}

/* An owner (freed in on_done) whose action asks for a task: POST .../status/start. */
static struct owner *owner_asking(const char *what)
{
    struct owner *o = owner_new(true);
    struct lb_err err = { 0 };
    struct pmx_req r = { .method = "POST",
                         .path = "/nodes/pve/qemu/9000/status/start",
                         .need = "VM.PowerMgmt",
                         .parse = pmx_parse_string,
                         .item_free = pmx_string_free };
    struct pmx_call *call = pmx_call_start(E.c, &r, pmx_action_answer, &o->act, &err);

    assert_non_null(call);
    pmx_action_start(&o->act, call, &err, what);
    assert_ptr_equal(o->act.call, call);
    assert_int_equal(S.calls, 0); /* the answer comes from the loop */
    return o;
}

static void test_not_started(void **state)
{
    (void)state;
    for (int freed = 0; freed < 2; freed++) {
        struct owner *o = owner_new(freed);
        struct lb_err err = { 0 };

        lb_err_set(&err, LB_EPERM, "no VM.PowerMgmt on /vms/9000");
        pmx_action_start(&o->act, NULL, &err, "starting the restored guest");
        assert_int_equal(S.calls, 1);
        assert_int_equal(S.rc, -LB_EPERM);
        assert_int_equal(S.outcome, PMX_ERROR);
        assert_string_equal(S.msg, "no VM.PowerMgmt on /vms/9000");
        assert_true(S.exitstatus_null);
        assert_true(S.call_null && S.follow_null);
        assert_string_equal(S.what, "starting the restored guest");
        if (!freed)
            free(o);
    }
}

static void test_not_started_no_code(void **state)
{
    struct owner *o = owner_new(false);
    struct lb_err err = { 0 };

    (void)state;
    pmx_action_start(&o->act, NULL, &err, "the rollback");
    assert_int_equal(S.calls, 1);
    assert_int_equal(S.rc, -LB_EFAIL);
    assert_int_equal(S.outcome, PMX_ERROR);
    free(o);
}

static void test_request_fails(void **state)
{
    (void)state;
    owner_asking("the restore");
    pmx_wait(E.loop, &S.done);
    assert_int_equal(S.calls, 1);
    assert_true(S.rc < 0);
    assert_int_not_equal(S.rc, -LB_ECANCELLED);
    assert_int_equal(S.outcome, PMX_ERROR);
    assert_true(S.msg[0] != '\0');
    assert_true(S.call_null && S.follow_null);
    assert_string_equal(S.what, "the restore");
}

static void test_request_cancelled(void **state)
{
    struct owner *o = owner_asking("the drill snapshot");
    struct pmx_call *call = o->act.call;

    (void)state;
    o->act.call = NULL;
    pmx_call_cancel(call);
    pmx_wait(E.loop, &S.done);
    assert_int_equal(S.calls, 1);
    assert_int_equal(S.rc, -LB_ECANCELLED);
    assert_int_equal(S.outcome, PMX_ERROR);
    assert_string_equal(S.what, "the drill snapshot");
}

/*
 * The request's answer, handed in by hand: the action holds a stand-in for
 * its request (never touched, only cleared), then gets out as the answer.
 */
#define STAND_IN(o) ((struct pmx_call *)(void *)&(o)->act)

static void answer(struct owner *o, const char *upid)
{
    struct vec out = VEC_INIT(free);

    if (upid)
        vec_push(&out, xstrdup(upid));
    pmx_action_answer(0, NULL, &out, &o->act);
    vec_release(&out);
}

static void test_no_task_id(void **state)
{
    struct owner *o = owner_new(true);

    (void)state;
    pmx_action_start(&o->act, STAND_IN(o), NULL, "the rollback");
    answer(o, NULL);
    assert_int_equal(S.calls, 1);
    assert_int_equal(S.rc, -LB_EPARSE);
    assert_int_equal(S.outcome, PMX_ERROR);
    assert_string_equal(S.exitstatus, "no task id in the answer");
    assert_true(S.call_null && S.follow_null);
}

static void test_not_a_upid(void **state)
{
    struct owner *o = owner_new(true);

    (void)state;
    pmx_action_start(&o->act, STAND_IN(o), NULL, "the restore");
    answer(o, "OK"); /* vzdump's answer when nothing is local: no task to follow */
    assert_int_equal(S.calls, 1);
    assert_true(S.rc < 0);
    assert_int_equal(S.outcome, PMX_ERROR);
    assert_true(S.exitstatus_null);
    assert_true(S.msg[0] != '\0');
    assert_true(S.call_null && S.follow_null);
}

static void test_follow_stopped(void **state)
{
    (void)state;
    for (int freed = 0; freed < 2; freed++) {
        struct owner *o = owner_new(freed);

        pmx_action_start(&o->act, STAND_IN(o), NULL, "the restore");
        answer(o, UPID);
        assert_int_equal(S.calls, 0);
        assert_null(o->act.call);
        assert_non_null(o->act.follow);
        pmx_action_unfollow(&o->act); /* lifeboat stops following; the task would go on */
        assert_int_equal(S.calls, 1);
        assert_int_equal(S.rc, -LB_ECANCELLED);
        assert_non_null(strstr(S.msg, UPID));
        assert_true(S.follow_null);
        assert_string_equal(S.what, "the restore");
        if (!freed)
            free(o);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_not_started),
        cmocka_unit_test(test_not_started_no_code),
        cmocka_unit_test(test_request_fails),
        cmocka_unit_test(test_request_cancelled),
        cmocka_unit_test(test_no_task_id),
        cmocka_unit_test(test_not_a_upid),
        cmocka_unit_test(test_follow_stopped),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
