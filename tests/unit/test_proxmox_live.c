/*
 * The Proxmox clients against the simulator (tests/sim/run, a real HTTPS
 * server with a throwaway certificate): snapshot create -> task followed to
 * the end -> listed -> rollback -> delete; a backup job run now; restore into
 * the drill range (and refused outside it, before any request); destroy;
 * server-side refusals in PVE's words; the PBS prune dry-run; a hung server
 * times out while the loop keeps turning.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend/base/buf.h"
#include "backend/base/str.h"
#include "backend/base/xalloc.h"
#include "backend/http.h"
#include "backend/loop.h"
#include "backend/pbs.h"
#include "backend/pve.h"
#include "backend/spawn.h"

#define DRILL_FROM 9100
#define DRILL_TO   9199

struct env {
    struct loop *loop;
    struct http *http;
    struct pmx_client *pve, *pbs;
    char top[1024];
    char dir[64];
    char pve_url[128], pbs_url[128], pve_token[512], pbs_token[512], fp[128], pid[16];
};

static struct env E;

static int run_cmd(const char *const *argv, struct buf *out)
{
    struct spawn_opts o = { .argv = argv, .timeout_ms = 60000 };
    struct spawn_result res;
    struct lb_err err;

    if (spawn_run_sync(E.loop, &o, out, NULL, &res, &err) < 0)
        return -1;
    return res.exited ? res.status : -1;
}

static void take(const char *out, const char *key, char *dst, size_t n)
{
    const char *p = strstr(out, key);

    assert_non_null(p);
    p += strlen(key);
    snprintf(dst, n, "%.*s", (int)strcspn(p, "\n"), p);
}

static void fault(const char *url, const char *mode, const char *path)
{
    char ctl[1100];
    const char *argv[] = { "python3", ctl, url, "fault", mode, path, NULL };

    snprintf(ctl, sizeof(ctl), "%s/tests/sim/ctl", E.top);
    assert_int_equal(run_cmd(argv, NULL), 0);
}

static int setup(void **state)
{
    const char *top = getenv("TOP");
    char script[1100];
    struct buf out = BUF_INIT(1 << 16);
    struct lb_err err;
    struct pmx_client_opts o = { 0 };

    (void)state;
    str_copy(E.top, sizeof(E.top), top && *top ? top : ".");
    snprintf(E.dir, sizeof(E.dir), "/tmp/lifeboat-pmx-XXXXXX");
    assert_non_null(mkdtemp(E.dir));
    snprintf(script, sizeof(script), "%s/tests/sim/run", E.top);
    E.loop = loop_new();
    {
        const char *argv[] = { "sh",  script,           "--state-dir", E.dir, "--auth-delay",
                               "0.2", "--task-seconds", "0.4",         NULL };

        assert_int_equal(run_cmd(argv, &out), 0);
    }
    take(buf_cstr(&out), "PVE_URL=", E.pve_url, sizeof(E.pve_url));
    take(buf_cstr(&out), "PBS_URL=", E.pbs_url, sizeof(E.pbs_url));
    take(buf_cstr(&out), "PVE_TOKEN_FILE=", E.pve_token, sizeof(E.pve_token));
    take(buf_cstr(&out), "PBS_TOKEN_FILE=", E.pbs_token, sizeof(E.pbs_token));
    take(buf_cstr(&out), "FINGERPRINT=", E.fp, sizeof(E.fp));
    take(buf_cstr(&out), "SIM_PID=", E.pid, sizeof(E.pid));
    buf_release(&out);
    E.http = http_new(E.loop);
    o = (struct pmx_client_opts){ .product = PMX_PVE,
                                  .name = "lab",
                                  .url = E.pve_url,
                                  .token_file = E.pve_token,
                                  .fingerprint = E.fp };
    E.pve = pmx_client_new(E.loop, E.http, &o, &err);
    assert_non_null(E.pve);
    o = (struct pmx_client_opts){ .product = PMX_PBS,
                                  .name = "lab",
                                  .url = E.pbs_url,
                                  .token_file = E.pbs_token,
                                  .fingerprint = E.fp };
    E.pbs = pmx_client_new(E.loop, E.http, &o, &err);
    assert_non_null(E.pbs);
    return 0;
}

static int teardown(void **state)
{
    const char *kill_argv[] = { "kill", E.pid, NULL };
    const char *rm_argv[] = { "rm", "-rf", E.dir, NULL };

    (void)state;
    pmx_client_free(E.pve);
    pmx_client_free(E.pbs);
    http_free(E.http);
    run_cmd(kill_argv, NULL);
    run_cmd(rm_argv, NULL);
    loop_free(E.loop);
    return 0;
}

/* ---- waiting for one call ---- */

struct res {
    bool done;
    int rc;
    struct lb_err err;
    struct vec items; /* taken over from the call */
};

static void on_res(int rc, const struct lb_err *err, struct vec *out, void *arg)
{
    struct res *r = arg;

    r->rc = rc;
    if (err)
        r->err = *err;
    r->items = *out;
    *out = (struct vec)VEC_INIT(NULL); /* we own them now */
    r->done = true;
}

static struct res *wait_for(struct pmx_call *call, struct res *r)
{
    assert_non_null(call);
    pmx_wait(E.loop, &r->done);
    return r;
}

/* Follow a UPID to its end; returns the outcome, counts log lines. */
struct followed {
    bool done;
    int rc;
    enum pmx_outcome oc;
    char exit[256];
    int lines;
    char last[256];
};

static void on_line(const struct pmx_log_line *l, void *arg)
{
    struct followed *f = arg;

    f->lines++;
    str_copy(f->last, sizeof(f->last), l->t);
}

static void on_followed(int rc, const struct lb_err *err, enum pmx_outcome oc,
                        const char *exitstatus, void *arg)
{
    struct followed *f = arg;

    (void)err;
    f->rc = rc;
    f->oc = oc;
    str_copy(f->exit, sizeof(f->exit), exitstatus ? exitstatus : "");
    f->done = true;
}

static void follow(struct pmx_client *c, struct res *r, struct followed *f)
{
    struct pmx_follow_opts o = { .upid = r->items.items[0],
                                 .poll_ms = 100,
                                 .on_line = on_line,
                                 .on_done = on_followed,
                                 .arg = f };
    struct lb_err err;

    assert_int_equal(r->rc, 0);
    memset(f, 0, sizeof(*f));
    assert_non_null(pmx_follow_start(c, &o, &err));
    pmx_wait(E.loop, &f->done);
    r->items.free_item = pmx_string_free;
    vec_release(&r->items);
}

static struct pve_snapshot_list *snapshots(int vmid, struct res *r)
{
    struct lb_err err;

    memset(r, 0, sizeof(*r));
    wait_for(pve_get_snapshots(E.pve, "pve", "qemu", vmid, on_res, r, &err), r);
    assert_int_equal(r->rc, 0);
    r->items.free_item = pve_snapshot_list_free;
    return r->items.items[0];
}

static const struct pve_snapshot *find_snap(const struct pve_snapshot_list *l, const char *name)
{
    for (size_t i = 0; i < l->snaps.len; i++)
        if (!strcmp(((struct pve_snapshot *)l->snaps.items[i])->name, name))
            return l->snaps.items[i];
    return NULL;
}

static void test_snapshot_cycle(void **state)
{
    struct res r = { 0 }, s;
    struct followed f;
    struct lb_err err;
    struct pve_snapshot_list *l;

    (void)state;
    wait_for(pve_snapshot_create(E.pve, "pve", "qemu", 100, "lb-test", "made by a test", true,
                                 on_res, &r, &err),
             &r);
    follow(E.pve, &r, &f);
    assert_int_equal(f.rc, 0);
    assert_int_equal(f.oc, PMX_OK);
    assert_string_equal(f.exit, "OK");
    assert_true(f.lines >= 3); /* the log was read to its end */
    assert_string_equal(f.last, "TASK OK");
    l = snapshots(100, &s);
    assert_non_null(find_snap(l, "lb-test"));
    assert_null(find_snap(l, "lb-test")->snapstate);
    assert_true(find_snap(l, "lb-test")->vmstate);
    assert_string_equal(find_snap(l, "lb-test")->description, "made by a test");
    assert_string_equal(l->current_parent, "lb-test");
    vec_release(&s.items);

    /* the same name again: PVE's refusal, in its words */
    memset(&r, 0, sizeof(r));
    wait_for(
        pve_snapshot_create(E.pve, "pve", "qemu", 100, "lb-test", NULL, false, on_res, &r, &err),
        &r);
    assert_int_equal(r.rc, -LB_EFAIL);
    assert_non_null(strstr(r.err.msg, "snapshot name 'lb-test' already used"));
    vec_release(&r.items);

    memset(&r, 0, sizeof(r));
    wait_for(pve_snapshot_rollback(E.pve, "pve", "qemu", 100, "weekly", false, on_res, &r, &err),
             &r);
    follow(E.pve, &r, &f);
    assert_int_equal(f.oc, PMX_OK);
    l = snapshots(100, &s);
    assert_string_equal(l->current_parent, "weekly");
    assert_non_null(find_snap(l, "lb-test")); /* newer snapshots stay */
    vec_release(&s.items);

    memset(&r, 0, sizeof(r));
    wait_for(pve_snapshot_delete(E.pve, "pve", "qemu", 100, "lb-test", on_res, &r, &err), &r);
    follow(E.pve, &r, &f);
    assert_int_equal(f.oc, PMX_OK);
    l = snapshots(100, &s);
    assert_null(find_snap(l, "lb-test"));
    vec_release(&s.items);

    memset(&r, 0, sizeof(r));
    wait_for(pve_snapshot_delete(E.pve, "pve", "qemu", 100, "no-such", on_res, &r, &err), &r);
    assert_int_equal(r.rc, -LB_EFAIL);
    assert_non_null(strstr(r.err.msg, "snapshot 'no-such' does not exist"));
    vec_release(&r.items);
}

static size_t pbs_count(const char *id)
{
    struct res r = { 0 };
    struct lb_err err;
    size_t n;

    wait_for(pbs_get_snapshots(E.pbs, "usb-ssd", "vm", id, on_res, &r, &err), &r);
    assert_int_equal(r.rc, 0);
    r.items.free_item = pbs_snapshot_free;
    n = r.items.len;
    vec_release(&r.items);
    return n;
}

static void test_backup_job_run_now(void **state)
{
    struct res r = { 0 };
    struct followed f;
    struct lb_err err;
    struct pve_backup_job *job;
    size_t before = pbs_count("101");

    (void)state;
    wait_for(pve_get_backup_jobs(E.pve, on_res, &r, &err), &r);
    assert_int_equal(r.rc, 0);
    r.items.free_item = pve_backup_job_free;
    job = r.items.items[0];
    assert_string_equal(job->id, "backup-83831498-c631");
    assert_int_equal(job->keep.daily, 5); /* "5" on the wire */
    {
        struct res v = { 0 };

        wait_for(pve_backup_job_run(E.pve, "pve", job, on_res, &v, &err), &v);
        follow(E.pve, &v, &f);
    }
    vec_release(&r.items);
    assert_int_equal(f.oc, PMX_OK);
    assert_string_equal(f.last, "TASK OK");
    assert_int_equal(pbs_count("101"), before + 1);
}

static void test_restore_and_destroy_in_drill_range(void **state)
{
    struct res r = { 0 };
    struct followed f;
    struct lb_err err;
    struct pbs_snapshot *newest;
    char when[32], archive[128];
    struct tm tm;
    time_t t;
    bool found = false;

    (void)state;
    wait_for(pbs_get_snapshots(E.pbs, "usb-ssd", "vm", "100", on_res, &r, &err), &r);
    r.items.free_item = pbs_snapshot_free;
    newest = r.items.items[r.items.len - 1]; /* sorted oldest first */
    t = newest->time;
    gmtime_r(&t, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    snprintf(archive, sizeof(archive), "pbs-usb:backup/vm/100/%s", when);
    vec_release(&r.items);

    /* outside the drill range: refused before any request */
    assert_null(pve_restore(E.pve, "pve", "qemu", 100, archive, NULL, DRILL_FROM, DRILL_TO, on_res,
                            &r, &err));
    assert_int_equal(err.code, LB_EPERM);
    assert_non_null(strstr(err.msg, "outside the drill range 9100-9199"));
    assert_null(pve_destroy(E.pve, "pve", "qemu", 101, DRILL_FROM, DRILL_TO, on_res, &r, &err));
    assert_int_equal(pmx_client_active(E.pve), 0);

    memset(&r, 0, sizeof(r));
    wait_for(pve_restore(E.pve, "pve", "qemu", 9100, archive, "local-lvm", DRILL_FROM, DRILL_TO,
                         on_res, &r, &err),
             &r);
    follow(E.pve, &r, &f);
    assert_int_equal(f.oc, PMX_OK);
    memset(&r, 0, sizeof(r));
    wait_for(pve_get_guests(E.pve, on_res, &r, &err), &r);
    r.items.free_item = pve_guest_free;
    for (size_t i = 0; i < r.items.len; i++) {
        struct pve_guest *g = r.items.items[i];

        if (g->vmid == 9100) {
            found = true;
            assert_string_equal(g->name, "pfsense");
            assert_string_equal(g->status, "stopped");
        }
    }
    vec_release(&r.items);
    assert_true(found);

    /* a second restore onto it is refused by PVE (no force, ever) */
    memset(&r, 0, sizeof(r));
    wait_for(pve_restore(E.pve, "pve", "qemu", 9100, archive, NULL, DRILL_FROM, DRILL_TO, on_res,
                         &r, &err),
             &r);
    assert_int_equal(r.rc, -LB_EFAIL);
    assert_non_null(strstr(r.err.msg, "VM 9100 already exists on node 'pve'"));
    vec_release(&r.items);

    memset(&r, 0, sizeof(r));
    wait_for(pve_destroy(E.pve, "pve", "qemu", 9100, DRILL_FROM, DRILL_TO, on_res, &r, &err), &r);
    follow(E.pve, &r, &f);
    assert_int_equal(f.oc, PMX_OK);
    memset(&r, 0, sizeof(r));
    wait_for(pve_get_snapshots(E.pve, "pve", "qemu", 9100, on_res, &r, &err), &r);
    assert_int_equal(r.rc, -LB_EFAIL); /* gone: "Configuration file ... does not exist" */
    assert_non_null(strstr(r.err.msg, "9100.conf' does not exist"));
    r.items.free_item = pve_snapshot_list_free;
    vec_release(&r.items);
}

static void test_pbs_prune_dry_run_and_verify(void **state)
{
    struct res r = { 0 };
    struct followed f;
    struct lb_err err;
    struct pmx_keep keep = { .set = true, .last = 2 };
    size_t kept = 0, before = pbs_count("100");

    (void)state;
    wait_for(pbs_prune_dry_run(E.pbs, "usb-ssd", "vm", "100", &keep, on_res, &r, &err), &r);
    assert_int_equal(r.rc, 0);
    r.items.free_item = pbs_prune_item_free;
    assert_int_equal(r.items.len, before);
    for (size_t i = 0; i < r.items.len; i++)
        kept += ((struct pbs_prune_item *)r.items.items[i])->keep;
    assert_int_equal(kept, 2);
    assert_true(((struct pbs_prune_item *)r.items.items[r.items.len - 1])->keep); /* newest */
    vec_release(&r.items);
    assert_int_equal(pbs_count("100"), before); /* a dry run removes nothing */

    memset(&r, 0, sizeof(r));
    wait_for(pbs_verify(E.pbs, "usb-ssd", "ct", "103", 0, on_res, &r, &err), &r);
    follow(E.pbs, &r, &f);
    assert_int_equal(f.rc, 0);
    assert_int_equal(f.oc, PMX_ERROR); /* 103's newest backup failed verification */
    assert_string_equal(f.exit, "verification failed - please check the log for details");
}

static void on_tick(struct loop *loop, void *arg)
{
    int *ticks = arg;

    (*ticks)++;
    loop_add_timer(loop, 100, on_tick, arg);
}

static void test_hung_server_times_out_loop_alive(void **state)
{
    struct pmx_client_opts o = { .product = PMX_PVE,
                                 .name = "lab",
                                 .url = E.pve_url,
                                 .token_file = E.pve_token,
                                 .fingerprint = E.fp,
                                 .timeout_ms = 1500 };
    struct lb_err err;
    struct pmx_client *c = pmx_client_new(E.loop, E.http, &o, &err);
    struct res r = { 0 };
    int ticks = 0;
    uint64_t timer;

    (void)state;
    assert_non_null(c);
    fault(E.pve_url, "hang", "/cluster/resources");
    timer = loop_add_timer(E.loop, 100, on_tick, &ticks);
    wait_for(pve_get_guests(c, on_res, &r, &err), &r);
    fault(E.pve_url, "none", "");
    assert_int_equal(r.rc, -LB_ETIMEOUT);
    assert_non_null(strstr(r.err.msg, "did not answer GET /cluster/resources?type=vm in time"));
    assert_true(ticks >= 5); /* the loop kept turning while the server hung */
    (void)timer;
    vec_release(&r.items);
    pmx_client_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_snapshot_cycle),
        cmocka_unit_test(test_backup_job_run_now),
        cmocka_unit_test(test_restore_and_destroy_in_drill_range),
        cmocka_unit_test(test_pbs_prune_dry_run_and_verify),
        cmocka_unit_test(test_hung_server_times_out_loop_alive),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
