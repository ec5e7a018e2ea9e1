/* The runner's pure parts: restic backup/forget JSON, version, keep flags, run lock, units, store rotation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/base/vec.h"
#include "backend/base/xalloc.h"
#include "backend/config.h"
#include "backend/jobs.h"
#include "backend/restic.h"
#include "backend/runlock.h"
#include "backend/store.h"
#include "backend/timers.h"

static void test_backup_status_line(void **state)
{
    /* restic 0.14 status line (real shape) */
    const char *l = "{\"message_type\":\"status\",\"seconds_elapsed\":4,\"seconds_remaining\":6,"
                    "\"percent_done\":0.4,\"total_files\":10,\"files_done\":4,"
                    "\"total_bytes\":1000,\"bytes_done\":400,\"current_files\":[\"/x\"]}";
    struct restic_backup_msg m;

    (void)state;
    assert_int_equal(restic_parse_backup_line(l, strlen(l), &m), 0);
    assert_int_equal(m.kind, RESTIC_MSG_STATUS);
    assert_true(m.percent > 39.9 && m.percent < 40.1);
    assert_int_equal(m.files_done, 4);
    assert_int_equal(m.total_bytes, 1000);
    assert_int_equal(m.seconds_remaining, 6);
    /* scan_finished comes as a "status" with an action on 0.14: not progress */
    l = "{\"message_type\":\"status\",\"action\":\"scan_finished\",\"item\":\"\",\"duration\":0.2}";
    assert_int_equal(restic_parse_backup_line(l, strlen(l), &m), 0);
    assert_int_equal(m.kind, RESTIC_MSG_OTHER);
    /* plain text on stderr */
    l = "Warning: at least one source file could not be read";
    assert_int_equal(restic_parse_backup_line(l, strlen(l), &m), -LB_EPARSE);
}

static void test_backup_summary_and_error(void **state)
{
    const char *s = "{\"message_type\":\"summary\",\"files_new\":2,\"files_changed\":1,"
                    "\"files_unmodified\":3,\"dirs_new\":1,\"dirs_changed\":3,\"dirs_unmodified\":1,"
                    "\"data_blobs\":1,\"tree_blobs\":4,\"data_added\":2104,"
                    "\"total_files_processed\":6,\"total_bytes_processed\":100012,"
                    "\"total_duration\":0.2187,\"snapshot_id\":\"bc8086c4\"}";
    const char *e = "{\"message_type\":\"error\",\"error\":{\"Op\":\"open\",\"Path\":"
                    "\"/proc/sys/net/ipv4/route/flush\",\"Err\":13},\"during\":\"archival\","
                    "\"item\":\"/proc/sys/net/ipv4/route/flush\"}";
    const char *e18 = "{\"message_type\":\"error\",\"error\":{\"message\":\"open /x: denied\"},"
                      "\"during\":\"archival\",\"item\":\"/x\"}";
    struct restic_backup_msg m;

    (void)state;
    assert_int_equal(restic_parse_backup_line(s, strlen(s), &m), 0);
    assert_int_equal(m.kind, RESTIC_MSG_SUMMARY);
    assert_int_equal(m.files_new, 2);
    assert_int_equal(m.data_added, 2104);
    assert_string_equal(m.snapshot_id, "bc8086c4");
    assert_int_equal(restic_parse_backup_line(e, strlen(e), &m), 0);
    assert_int_equal(m.kind, RESTIC_MSG_ERROR);
    assert_string_equal(m.error, "open /proc/sys/net/ipv4/route/flush: Permission denied");
    assert_int_equal(restic_parse_backup_line(e18, strlen(e18), &m), 0);
    assert_string_equal(m.error, "open /x: denied");
    assert_string_equal(m.item, "/x");
}

static void test_forget_json(void **state)
{
    const char *j = "[{\"tags\":null,\"host\":\"vm\",\"paths\":[\"/d\"],"
                    "\"keep\":[{\"id\":\"7c59918f6f5ab437aa\",\"short_id\":\"7c59918f\"}],"
                    "\"remove\":[{\"id\":\"b0cc81ffaa\",\"short_id\":\"b0cc81ff\"},"
                    "{\"id\":\"c0cc81ffbbbbbbbb\"}],\"reasons\":[]},"
                    "{\"tags\":null,\"host\":\"h2\",\"paths\":[\"/e\"],"
                    "\"keep\":[{\"id\":\"1111111122\",\"short_id\":\"11111111\"}],\"remove\":null}]\n";
    struct vec keep = VEC_INIT(free), rem = VEC_INIT(free);
    struct lb_err err = { 0 };

    (void)state;
    assert_int_equal(restic_parse_forget(j, strlen(j), &keep, &rem, &err), 0);
    assert_int_equal(keep.len, 2);
    assert_int_equal(rem.len, 2);
    assert_string_equal(rem.items[1], "c0cc81ff");
    vec_clear(&keep);
    vec_clear(&rem);
    /* no groups: restic prints nothing at all */
    assert_int_equal(restic_parse_forget("\n", 1, &keep, &rem, &err), 0);
    assert_int_equal(keep.len + rem.len, 0);
    assert_int_equal(restic_parse_forget("[{\"keep\":7}]", 12, &keep, &rem, &err), -LB_EPARSE);
    vec_release(&keep);
    vec_release(&rem);
}

static void test_version_and_keep_args(void **state)
{
    struct keep_policy k = { .daily = 5, .weekly = -1, .within = 2 * 86400 };
    struct vec a = VEC_INIT(free);
    int v = 0;

    (void)state;
    assert_int_equal(restic_parse_version("restic 0.14.0 compiled with go1.19.8 on linux/amd64", &v),
                     0);
    assert_int_equal(v, 14);
    assert_int_equal(restic_parse_version("restic 0.17.3 compiled", &v), 0);
    assert_int_equal(v, 17);
    assert_int_equal(restic_parse_version("bash: restic: not found", &v), -1);
    /* unlimited must never reach 0.14 as -1 (it would remove everything) */
    restic_keep_args(&k, 14, &a);
    assert_int_equal(a.len, 6);
    assert_string_equal(a.items[0], "--keep-daily");
    assert_string_equal(a.items[1], "5");
    assert_string_equal(a.items[2], "--keep-weekly");
    assert_string_equal(a.items[3], "1000000");
    assert_string_equal(a.items[4], "--keep-within");
    assert_string_equal(a.items[5], "2d");
    vec_clear(&a);
    restic_keep_args(&k, 16, &a);
    assert_string_equal(a.items[3], "unlimited");
    vec_release(&a);
}

static void test_runlock(void **state)
{
    char dir[] = "/tmp/lifeboat-runlock-XXXXXX";
    struct runlock *a = NULL, *b = NULL;
    struct lb_err err = { 0 };
    int holder = -1;
    char want[64];

    (void)state;
    assert_non_null(mkdtemp(dir));
    assert_int_equal(runlock_try(dir, "daily", &a, &holder, &err), 0);
    assert_non_null(a);
    /* a second taker (another open file description) is refused, naming our PID */
    assert_int_equal(runlock_try(dir, "daily", &b, &holder, &err), -LB_EBUSY);
    assert_null(b);
    assert_int_equal(holder, (int)getpid());
    snprintf(want, sizeof(want), "PID %d", (int)getpid());
    assert_non_null(strstr(err.msg, want));
    /* another job is independent */
    assert_int_equal(runlock_try(dir, "weekly", &b, &holder, &err), 0);
    runlock_release(b);
    runlock_release(a);
    assert_int_equal(runlock_try(dir, "daily", &a, &holder, &err), 0);
    runlock_release(a);
    {
        char p[128];

        snprintf(p, sizeof(p), "%s/run-daily.lock", dir);
        unlink(p);
        snprintf(p, sizeof(p), "%s/run-weekly.lock", dir);
        unlink(p);
    }
    rmdir(dir);
}

static void test_units(void **state)
{
    char name[] = "daily", sched[] = "*-*-* 03:00";
    struct job_cfg j = { .name = name, .schedule = sched };
    char *svc = timers_service_text(&j, "/usr/bin/life boat", "/etc/lifeboat/l%b.conf");
    char *tmr = timers_timer_text(&j);

    (void)state;
    /* quoted for systemd, % escaped as a specifier */
    assert_non_null(strstr(svc, "ExecStart=\"/usr/bin/life boat\" -c /etc/lifeboat/l%%b.conf run daily\n"));
    assert_non_null(strstr(svc, "KillMode=mixed\n"));
    assert_non_null(strstr(tmr, "OnCalendar=*-*-* 03:00\n"));
    assert_non_null(strstr(tmr, "Persistent=true\n"));
    free(svc);
    free(tmr);
}

static void test_check_rotation_and_exit_codes(void **state)
{
    char dir[] = "/tmp/lifeboat-jobs-XXXXXX";
    char path[128];
    struct lb_err err = { 0 };
    struct store *st;
    int n = 0, covered = 0;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/t.db", dir);
    st = store_open(path, &err);
    assert_non_null(st);
    assert_int_equal(store_check_next_subset(st, "cloud", 3, 1, &n, &err), 0);
    assert_int_equal(n, 1);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(store_check_next_subset(st, "cloud", 3, 1, &n, &err), 0);
        assert_int_equal(n, i % 3 + 1);
        assert_int_equal(store_check_record(st, "cloud", 3, n, 1000 + i, i != 1, 0, &err), 0);
    }
    /* subsets 1 and 3 read clean, 2 found errors, then 1 again: 2 of 3 covered */
    assert_int_equal(store_check_coverage(st, "cloud", 3, &covered, NULL, &err), 0);
    assert_int_equal(covered, 2);
    store_close(st);
    unlink(path);
    snprintf(path, sizeof(path), "%s/t.db-wal", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/t.db-shm", dir);
    unlink(path);
    rmdir(dir);
    assert_int_equal(jobs_exit_code(RUN_OK), 0);
    assert_int_equal(jobs_exit_code(RUN_WARNING), 1);
    assert_int_equal(jobs_exit_code(RUN_FAILED), 2);
    assert_int_equal(jobs_exit_code(RUN_CANCELLED), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backup_status_line),
        cmocka_unit_test(test_backup_summary_and_error),
        cmocka_unit_test(test_forget_json),
        cmocka_unit_test(test_version_and_keep_args),
        cmocka_unit_test(test_runlock),
        cmocka_unit_test(test_units),
        cmocka_unit_test(test_check_rotation_and_exit_codes),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
