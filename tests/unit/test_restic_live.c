/*
 * Live tests of the restic adapter against real restic repositories created
 * in a temp dir (restic 0.14 here): refresh of a good repo (empty, then two
 * snapshots), wrong password, missing repository, a stale shared lock and a
 * stale exclusive lock left by killed restic processes, a damaged index (stats
 * fail, snapshots still delivered), restic not installed, cancel and timeout. One `restic init`
 * (about 3 s of scrypt) for the lot.
 *
 * The tests of the group share one repository and run in order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backend/base/buf.h"
#include "backend/base/err.h"
#include "backend/base/vec.h"
#include "backend/base/xalloc.h"
#include "backend/config.h"
#include "backend/loop.h"
#include "backend/restic.h"
#include "backend/spawn.h"

#define PASSWORD "live-test-only-pass"
#define T_OLD    1795143600 /* 2026-11-20 03:00:00 UTC */
#define T_NEW    1795575600 /* 2026-11-25 03:00:00 UTC */

struct live {
    char dir[64];
    char repo[128];
    char pw[128];
    char wrongpw[128];
    char data[128];
    char env_repo[160];
    char env_pw[160];
    struct loop *loop;
    bool have_backups;
    time_t started;
};

static struct live *L;

/* What a refresh delivered (copied out of the borrowed info). */
struct result {
    bool done;
    int calls;
    int rc;
    struct lb_err err;
    size_t count;
    time_t oldest, newest;
    bool stats_known;
    struct restic_stats stats;
    size_t nlocks;
    struct restic_lock lock; /* the first one; strings copied */
};

static void on_done(int rc, const struct restic_repo_info *info, const struct lb_err *err,
                    void *arg)
{
    struct result *r = arg;
    struct restic_snapshot *first, *last;

    r->done = true;
    r->calls++;
    r->rc = rc;
    if (rc < 0) {
        assert_non_null(err);
        r->err = *err;
        assert_null(info);
        return;
    }
    assert_non_null(info);
    r->count = info->snapshots.len;
    first = vec_get(&info->snapshots, 0);
    last = vec_get(&info->snapshots, info->snapshots.len ? info->snapshots.len - 1 : 0);
    r->oldest = first ? first->time : 0;
    r->newest = last ? last->time : 0;
    r->stats_known = info->stats_known;
    r->stats = info->stats;
    r->nlocks = info->locks.len;
    if (info->locks.len) {
        struct restic_lock *l = info->locks.items[0];

        r->lock = *l;
        r->lock.hostname = xstrdup(l->hostname);
        r->lock.username = xstrdup(l->username);
    }
}

static void result_release(struct result *r)
{
    free(r->lock.hostname);
    free(r->lock.username);
    memset(r, 0, sizeof(*r));
}

static void refresh(const struct repo_cfg *repo, int64_t timeout_ms, struct result *r)
{
    struct restic_op *op;

    memset(r, 0, sizeof(*r));
    op = restic_refresh_start(L->loop, repo, L->dir, timeout_ms, on_done, r);
    assert_non_null(op);
    assert_false(r->done); /* never called back from inside start */
    while (!r->done)
        loop_run_once(L->loop, 1000);
    /* a few more turns: done must not come twice */
    for (int i = 0; i < 3; i++)
        loop_run_once(L->loop, 0);
    assert_int_equal(r->calls, 1);
}

static struct repo_cfg repo_cfg(const char *name, const char *url, const char *password_file)
{
    struct repo_cfg c;

    memset(&c, 0, sizeof(c));
    c.name = xstrdup(name);
    c.url = xstrdup(url);
    c.password_file = xstrdup(password_file);
    return c;
}

static void repo_cfg_release(struct repo_cfg *c)
{
    free(c->name);
    free(c->url);
    free(c->password_file);
}

/* Run restic (or sh) on the test repo to completion; returns the result. */
static struct spawn_result run(const char *const *argv, struct buf *out, struct buf *err)
{
    const char *env[] = { L->env_repo, L->env_pw, NULL };
    struct spawn_opts o;
    struct spawn_result res;
    struct lb_err e = { 0 };

    memset(&o, 0, sizeof(o));
    o.argv = argv;
    o.env = env;
    o.unset_env = restic_unset_env();
    o.timeout_ms = 90000;
    if (spawn_run_sync(L->loop, &o, out, err, &res, &e) < 0)
        fail_msg("cannot run %s: %s", argv[0], e.msg);
    return res;
}

static void run_ok(const char *const *argv)
{
    struct buf err = BUF_INIT(65536);
    struct spawn_result res = run(argv, NULL, &err);

    if (!res.exited || res.status != 0)
        fail_msg("%s %s failed (exit %d, signal %d): %s", argv[0], argv[1], res.status, res.signo,
                 buf_cstr(&err));
    buf_release(&err);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

static int group_setup(void **state)
{
    static const char *const init[] = { "restic", "init", NULL };
    struct buf err = BUF_INIT(65536);
    struct spawn_result res;
    char cache[160];

    (void)state;
    L = xcalloc(1, sizeof(*L));
    snprintf(L->dir, sizeof(L->dir), "/tmp/lifeboat-restic-live.XXXXXX");
    if (!mkdtemp(L->dir))
        return -1;
    snprintf(L->repo, sizeof(L->repo), "%s/repo", L->dir);
    snprintf(L->pw, sizeof(L->pw), "%s/pw", L->dir);
    snprintf(L->wrongpw, sizeof(L->wrongpw), "%s/wrong-pw", L->dir);
    snprintf(L->data, sizeof(L->data), "%s/data", L->dir);
    snprintf(L->env_repo, sizeof(L->env_repo), "RESTIC_REPOSITORY=%s", L->repo);
    snprintf(L->env_pw, sizeof(L->env_pw), "RESTIC_PASSWORD_FILE=%s", L->pw);
    snprintf(cache, sizeof(cache), "%s/cache", L->dir);
    setenv("RESTIC_CACHE_DIR", cache, 1); /* inherited by every restic child */
    setenv("TZ", "UTC", 1);
    unsetenv("LIFEBOAT_RESTIC");
    write_file(L->pw, PASSWORD "\n", 0600);
    write_file(L->wrongpw, "not-the-" PASSWORD "\n", 0600);
    mkdir(L->data, 0700);
    write_file(L->pw, PASSWORD "\n", 0600);
    {
        char p[200];

        snprintf(p, sizeof(p), "%s/a.txt", L->data);
        write_file(p, "hello\n", 0600);
    }
    L->loop = loop_new();
    L->started = time(NULL);
    res = run(init, NULL, &err);
    if (!res.exited || res.status != 0) {
        fprintf(stderr, "restic init failed: %s\n", buf_cstr(&err));
        buf_release(&err);
        return -1;
    }
    buf_release(&err);
    return 0;
}

static int group_teardown(void **state)
{
    const char *const rm[] = { "rm", "-rf", L->dir, NULL };
    struct spawn_opts o;
    struct spawn_result res;

    (void)state;
    memset(&o, 0, sizeof(o));
    o.argv = rm;
    spawn_run_sync(L->loop, &o, NULL, NULL, &res, NULL);
    loop_free(L->loop);
    free(L);
    return 0;
}

static void make_backups(void)
{
    const char *const b1[] = {
        "restic", "backup", "-q", "--host", "pve1", "--time", "2026-11-20 03:00:00", L->data, NULL
    };
    const char *const b2[] = {
        "restic", "backup", "-q", "--host", "pve1", "--time", "2026-11-25 03:00:00", L->data, NULL
    };

    if (L->have_backups)
        return;
    run_ok(b1);
    run_ok(b2);
    L->have_backups = true;
}

static void test_refresh_good_repo(void **state)
{
    struct repo_cfg c = repo_cfg("usb-ssd", L->repo, L->pw);
    struct result r;

    (void)state;
    /* a fresh repository: zero snapshots is a fine answer */
    refresh(&c, 60000, &r);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.count, 0);
    assert_true(r.stats_known);
    assert_true(r.stats.snapshots_count == 0);
    assert_int_equal(r.nlocks, 0);
    result_release(&r);

    make_backups();
    refresh(&c, 60000, &r);
    if (r.rc)
        fail_msg("refresh failed: %s", r.err.msg);
    assert_int_equal(r.count, 2);
    assert_int_equal(r.oldest, T_OLD);
    assert_int_equal(r.newest, T_NEW);
    assert_true(r.stats_known);
    assert_true(r.stats.snapshots_count == 2);
    assert_true(r.stats.total_size > 0);
    assert_int_equal(r.nlocks, 0);
    result_release(&r);
    repo_cfg_release(&c);
}

static void test_wrong_password(void **state)
{
    struct repo_cfg c = repo_cfg("usb-ssd", L->repo, L->wrongpw);
    struct result r;
    char want[200];

    (void)state;
    refresh(&c, 60000, &r);
    assert_int_equal(r.rc, -LB_EAUTH);
    snprintf(want, sizeof(want),
             "cannot read repo 'usb-ssd': wrong password (check password_file %s)", L->wrongpw);
    assert_string_equal(r.err.msg, want);
    assert_null(strstr(r.err.msg, PASSWORD)); /* neither password is ever shown */
    result_release(&r);
    repo_cfg_release(&c);
}

static void test_missing_repo(void **state)
{
    char url[200];
    struct repo_cfg c;
    struct result r;

    (void)state;
    /* an unmounted disk: the repository directory is not there */
    snprintf(url, sizeof(url), "%s/usb/restic", L->dir);
    c = repo_cfg("usb-ssd", url, L->pw);
    refresh(&c, 60000, &r);
    assert_int_equal(r.rc, -LB_ENOREPO);
    assert_non_null(strstr(r.err.msg, "cannot read repo 'usb-ssd': repository path "));
    assert_non_null(strstr(r.err.msg, url));
    assert_non_null(strstr(r.err.msg, "is the disk mounted?"));
    result_release(&r);
    repo_cfg_release(&c);

    /* a directory that is not a repository */
    c = repo_cfg("nas", L->data, L->pw);
    refresh(&c, 60000, &r);
    assert_int_equal(r.rc, -LB_ENOREPO);
    assert_non_null(strstr(r.err.msg, "is not a restic repository"));
    assert_non_null(strstr(r.err.msg, "restic init"));
    result_release(&r);
    repo_cfg_release(&c);
}

static void current_user(char *host, size_t hn, char *user, size_t un)
{
    struct passwd *pw = getpwuid(geteuid());

    assert_int_equal(gethostname(host, hn), 0);
    assert_non_null(pw);
    snprintf(user, un, "%s", pw->pw_name);
}

/*
 * Run `cmd` (a restic command that takes a lock and then waits) in the
 * background of a shell that waits until the lock file is in the repository
 * and then kills its whole process group with SIGKILL, leaving the lock
 * behind as a crash would.
 */
static void leave_stale_lock(const char *cmd)
{
    char *script = xasprintf("%s & "
                             "while [ -z \"$(ls \"$RESTIC_REPOSITORY/locks\")\" ]; do "
                             "sleep 0.2; done; kill -KILL 0",
                             cmd);
    const char *const argv[] = { "sh", "-c", script, NULL };
    struct buf err = BUF_INIT(65536);
    struct spawn_result res = run(argv, NULL, &err);

    if (res.exited || res.signo != 9)
        fail_msg("the lock holder was not killed (exit %d): %s", res.status, buf_cstr(&err));
    buf_release(&err);
    free(script);
}

static void test_stale_shared_lock(void **state)
{
    struct repo_cfg c = repo_cfg("usb-ssd", L->repo, L->pw);
    struct result r;
    char host[256], user[64];
    time_t before = time(NULL);

    (void)state;
    make_backups();
    /* a backup reading stdin that never ends, killed: its shared lock stays */
    leave_stale_lock("sleep 60 | restic backup -q --stdin --stdin-filename x.txt");
    refresh(&c, 60000, &r);
    if (r.rc)
        fail_msg("refresh failed: %s", r.err.msg);
    assert_int_equal(r.count, 2); /* the killed backup made no snapshot */
    assert_int_equal(r.newest, T_NEW);
    assert_true(r.stats_known);
    assert_int_equal(r.nlocks, 1);
    current_user(host, sizeof(host), user, sizeof(user));
    assert_false(r.lock.exclusive);
    assert_string_equal(r.lock.hostname, host);
    assert_string_equal(r.lock.username, user);
    assert_true(r.lock.pid > 0);
    assert_true(r.lock.time >= before - 1 && r.lock.time <= time(NULL) + 1);
    assert_int_equal(strlen(r.lock.id), 64);
    result_release(&r);
    repo_cfg_release(&c);
}

static void test_stale_exclusive_lock(void **state)
{
    /* drop the shared stale lock of the previous test (as `restic unlock --remove-all`) */
    const char *const unlock[] = { "sh", "-c", "rm -f \"$RESTIC_REPOSITORY\"/locks/*", NULL };
    const char *const backup[] = { "restic", "backup", "-q", L->data, NULL };
    struct repo_cfg c = repo_cfg("usb-ssd", L->repo, L->pw);
    struct result r;
    char fifo[200];
    struct buf err = BUF_INIT(65536);
    struct spawn_result res;
    struct lb_err cerr = { 0 };
    time_t before = time(NULL);

    (void)state;
    make_backups();
    run_ok(unlock);
    /*
     * `restic check` takes the exclusive lock, then reads the index: a FIFO
     * among the index files holds it there until it is killed.
     */
    snprintf(fifo, sizeof(fifo),
             "%s/index/"
             "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
             L->repo);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    leave_stale_lock("restic check --no-cache >/dev/null");
    assert_int_equal(unlink(fifo), 0);

    /* the refresh reads without a lock, so it still works, and reports the lock */
    refresh(&c, 60000, &r);
    if (r.rc)
        fail_msg("refresh failed: %s", r.err.msg);
    assert_int_equal(r.count, 2);
    assert_int_equal(r.nlocks, 1);
    assert_true(r.lock.exclusive);
    assert_true(r.lock.pid > 0);
    assert_true(r.lock.time >= before - 1 && r.lock.time <= time(NULL) + 1);

    /* a command that needs a lock fails, and says who holds it */
    res = run(backup, NULL, &err);
    assert_true(res.exited && res.status != 0);
    assert_int_equal(restic_classify_failure("usb-ssd", res.status, res.signo, res.timed_out,
                                             res.exec_errno, buf_cstr(&err), &cerr),
                     -LB_ELOCKED);
    {
        char want[64];

        snprintf(want, sizeof(want), "locked exclusively by PID %d on ", r.lock.pid);
        assert_non_null(strstr(cerr.msg, want));
        assert_non_null(strstr(cerr.msg, " ago)"));
    }
    buf_release(&err);
    run_ok(unlock);
    result_release(&r);
    repo_cfg_release(&c);
}

static void test_stats_failure_keeps_snapshots(void **state)
{
    struct repo_cfg c = repo_cfg("usb-ssd", L->repo, L->pw);
    struct result r;
    char bad[200];

    (void)state;
    make_backups();
    /* a damaged index file: `restic stats` fails ("invalid data"), `snapshots` does not */
    snprintf(bad, sizeof(bad),
             "%s/index/"
             "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee",
             L->repo);
    write_file(bad, "this is not an encrypted restic index file\n", 0600);
    refresh(&c, 60000, &r);
    assert_int_equal(unlink(bad), 0);
    if (r.rc)
        fail_msg("refresh failed: %s", r.err.msg);
    assert_int_equal(r.count, 2);
    assert_int_equal(r.newest, T_NEW);
    assert_false(r.stats_known);
    result_release(&r);
    repo_cfg_release(&c);
}

static void test_restic_not_installed(void **state)
{
    struct repo_cfg c = repo_cfg("usb-ssd", L->repo, L->pw);
    struct result r;

    (void)state;
    setenv("LIFEBOAT_RESTIC", "/nonexistent/restic", 1);
    refresh(&c, 60000, &r);
    unsetenv("LIFEBOAT_RESTIC");
    assert_int_equal(r.rc, -LB_EMISSING_TOOL);
    assert_non_null(strstr(r.err.msg, "cannot read repo 'usb-ssd'"));
    assert_non_null(strstr(r.err.msg, "/nonexistent/restic"));
    result_release(&r);
    repo_cfg_release(&c);
}

static void test_cancel_and_timeout(void **state)
{
    struct repo_cfg c = repo_cfg("usb-ssd", L->repo, L->pw);
    struct restic_op *op;
    struct result r;

    (void)state;
    memset(&r, 0, sizeof(r));
    op = restic_refresh_start(L->loop, &c, L->dir, 60000, on_done, &r);
    restic_op_cancel(op);
    while (!r.done)
        loop_run_once(L->loop, 1000);
    assert_int_equal(r.calls, 1);
    assert_int_equal(r.rc, -LB_ECANCELLED);
    result_release(&r);

    /* restic cannot open a repo in 1 ms: the child is stopped and it says so */
    refresh(&c, 1, &r);
    assert_int_equal(r.rc, -LB_ETIMEOUT);
    assert_non_null(strstr(r.err.msg, "cannot read repo 'usb-ssd'"));
    result_release(&r);
    repo_cfg_release(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refresh_good_repo),
        cmocka_unit_test(test_wrong_password),
        cmocka_unit_test(test_missing_repo),
        cmocka_unit_test(test_stale_shared_lock),
        cmocka_unit_test(test_stale_exclusive_lock),
        cmocka_unit_test(test_stats_failure_keeps_snapshots),
        cmocka_unit_test(test_restic_not_installed),
        cmocka_unit_test(test_cancel_and_timeout),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
