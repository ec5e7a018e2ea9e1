/*
 * Unit tests for backend/store.c against real database files in a temp dir:
 * migrations, the repo cache (roundtrip, replacement, atomic failure), runs and
 * steps, and the errors a user sees for a broken database.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/base/err.h"
#include "backend/base/str.h"
#include "backend/base/vec.h"
#include "backend/base/xalloc.h"
#include "backend/restic.h"
#include "backend/store.h"

struct fx {
    char dir[64];
    char db[128];
};

static int setup(void **state)
{
    struct fx *fx = xcalloc(1, sizeof(*fx));

    snprintf(fx->dir, sizeof(fx->dir), "/tmp/lifeboat-store.XXXXXX");
    if (!mkdtemp(fx->dir))
        return -1;
    snprintf(fx->db, sizeof(fx->db), "%s/lifeboat.db", fx->dir);
    *state = fx;
    return 0;
}

static void rm_rf(const char *dir)
{
    static const char *const names[] = { "lifeboat.db", "lifeboat.db-wal", "lifeboat.db-shm",
                                         "garbage.db",  "garbage.db-wal",  "garbage.db-shm" };
    char p[256];

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
        unlink(p);
    }
    snprintf(p, sizeof(p), "%s/ro/sub", dir);
    rmdir(p);
    snprintf(p, sizeof(p), "%s/ro", dir);
    chmod(p, 0700);
    rmdir(p);
    rmdir(dir);
}

static int teardown(void **state)
{
    struct fx *fx = *state;

    rm_rf(fx->dir);
    free(fx);
    return 0;
}

static struct restic_snapshot *snap(const char *id, time_t t, int off, const char *host,
                                    const char *path1, const char *path2, const char *tag)
{
    struct restic_snapshot *s = xcalloc(1, sizeof(*s));

    str_copy(s->id, sizeof(s->id), id);
    snprintf(s->short_id, sizeof(s->short_id), "%.8s", id);
    s->time = t;
    s->utc_offset = off;
    s->hostname = xstrdup(host);
    s->username = xstrdup("root");
    s->tree = xstrdup("58c30d9e19876593c2dfbe333e537c0607e60ac9690742c46400471ae4fc5b53");
    vec_init(&s->paths, free);
    vec_init(&s->tags, free);
    if (path1)
        vec_push(&s->paths, xstrdup(path1));
    if (path2)
        vec_push(&s->paths, xstrdup(path2));
    if (tag)
        vec_push(&s->tags, xstrdup(tag));
    return s;
}

static struct restic_lock *lock(const char *id, time_t t, bool excl, int pid)
{
    struct restic_lock *l = xcalloc(1, sizeof(*l));

    str_copy(l->id, sizeof(l->id), id);
    l->time = t;
    l->exclusive = excl;
    l->hostname = xstrdup("vm");
    l->username = xstrdup("root");
    l->pid = pid;
    return l;
}

static void info_init(struct restic_repo_info *info)
{
    memset(info, 0, sizeof(*info));
    vec_init(&info->snapshots, restic_snapshot_free);
    vec_init(&info->locks, restic_lock_free);
}

#define ID_A "edcf2eadb4c82cd761267279f843d386297d61b9d7bf61dac732123d91235ff4"
#define ID_B "de6f7248c61a5b2e2f0597808a09f265c3c523d1012dc86651760e4d48199d8a"
#define ID_C "31acea8c732c8e53cc776282a70144110306323efe125c592adb12d45914b48e"
#define ID_D "8ed7ff131d134704a06cdc780249203c774c6bb4957a7be42f1a9afb781f90de"

/* Three snapshots (one with a parent, awkward strings) and one lock. */
static void info_three(struct restic_repo_info *info)
{
    struct restic_snapshot *b;

    info_init(info);
    vec_push(&info->snapshots, snap(ID_A, 1795658400, 3600, "pve1", "/srv/data", NULL, "nightly"));
    b = snap(ID_B, 1796007600, 0, "pve1", "/srv/data", "/etc/with \"quote\"\\back", NULL);
    b->parent = xstrdup(ID_A);
    vec_push(&info->snapshots, b);
    vec_push(&info->snapshots,
             snap(ID_C, 1796160098, -14400, "h\xc3\xa9te", "/srv/\xe2\x9c\x93\ttab", NULL, "a b"));
    info->stats_known = true;
    info->stats.total_size = 5000000000ULL;
    info->stats.total_file_count = 0;
    info->stats.snapshots_count = 3;
    vec_push(&info->locks, lock(ID_D, 1796160164, true, 9035));
}

static void test_migrate_from_empty_and_reopen(void **state)
{
    struct fx *fx = *state;
    struct lb_err err = { 0 };
    struct store *st = store_open(fx->db, &err);
    int v;

    assert_non_null(st);
    v = store_schema_version(st);
    assert_true(v >= 1);
    store_close(st);
    /* re-open at the current version: nothing to migrate, same version */
    st = store_open(fx->db, &err);
    assert_non_null(st);
    assert_int_equal(store_schema_version(st), v);
    assert_string_equal(store_path(st), fx->db);
    store_close(st);
}

static void test_newer_schema_refused(void **state)
{
    struct fx *fx = *state;
    struct lb_err err = { 0 };
    struct store *st = store_open(fx->db, &err);
    sqlite3 *db;

    assert_non_null(st);
    store_close(st);
    /* a database written by a later lifeboat: refuse rather than misread it */
    assert_int_equal(sqlite3_open(fx->db, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 999", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    st = store_open(fx->db, &err);
    assert_null(st);
    assert_non_null(strstr(err.msg, fx->db));
    assert_non_null(strstr(err.msg, "upgrade lifeboat"));
}

static void test_wal_mode(void **state)
{
    struct fx *fx = *state;
    struct lb_err err = { 0 };
    struct store *st = store_open(fx->db, &err);
    sqlite3 *db;
    sqlite3_stmt *q;

    assert_non_null(st);
    /* journal_mode is persistent for WAL: a second connection sees it */
    assert_int_equal(sqlite3_open(fx->db, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(q, 0), "wal");
    sqlite3_finalize(q);
    sqlite3_close(db);
    store_close(st);
}

static void assert_same_snapshot(const struct restic_snapshot *a, const struct restic_snapshot *b)
{
    assert_string_equal(a->id, b->id);
    assert_string_equal(a->short_id, b->short_id);
    assert_int_equal(a->time, b->time);
    assert_int_equal(a->utc_offset, b->utc_offset);
    assert_string_equal(a->hostname, b->hostname);
    assert_string_equal(a->username, b->username);
    assert_string_equal(a->tree, b->tree);
    if (a->parent)
        assert_string_equal(a->parent, b->parent);
    else
        assert_null(b->parent);
    assert_int_equal(a->paths.len, b->paths.len);
    for (size_t i = 0; i < a->paths.len; i++)
        assert_string_equal(a->paths.items[i], b->paths.items[i]);
    assert_int_equal(a->tags.len, b->tags.len);
    for (size_t i = 0; i < a->tags.len; i++)
        assert_string_equal(a->tags.items[i], b->tags.items[i]);
}

static void test_repo_roundtrip(void **state)
{
    struct fx *fx = *state;
    struct lb_err err = { 0 };
    struct store *st = store_open(fx->db, &err);
    struct restic_repo_info in, out;
    time_t fetched = 0;
    struct restic_lock *l;

    assert_non_null(st);
    info_three(&in);
    assert_int_equal(store_put_repo_info(st, "usb-ssd", &in, 1796160200, &err), 0);
    store_close(st);

    /* read back through a fresh connection: it is on disk */
    st = store_open(fx->db, &err);
    assert_non_null(st);
    info_init(&out);
    assert_int_equal(store_get_repo_info(st, "usb-ssd", &out, &fetched, &err), 0);
    assert_int_equal(fetched, 1796160200);
    assert_true(out.stats_known);
    assert_true(out.stats.total_size == 5000000000ULL);
    assert_int_equal(out.stats.snapshots_count, 3);
    assert_int_equal(out.snapshots.len, 3);
    for (size_t i = 0; i < 3; i++)
        assert_same_snapshot(in.snapshots.items[i], out.snapshots.items[i]);
    assert_int_equal(out.locks.len, 1);
    l = out.locks.items[0];
    assert_string_equal(l->id, ID_D);
    assert_int_equal(l->time, 1796160164);
    assert_true(l->exclusive);
    assert_int_equal(l->pid, 9035);
    assert_string_equal(l->hostname, "vm");
    assert_string_equal(l->username, "root");

    /* another repo is not affected; an unknown one is "never read" */
    restic_repo_info_release(&out);
    info_init(&out);
    assert_int_equal(store_get_repo_info(st, "b2-offsite", &out, &fetched, &err), -LB_ENOTFOUND);
    assert_non_null(strstr(err.msg, "b2-offsite"));
    assert_int_equal(out.snapshots.len, 0);

    restic_repo_info_release(&out);
    restic_repo_info_release(&in);
    store_close(st);
}

static void test_repo_replace_no_stale_rows(void **state)
{
    struct fx *fx = *state;
    struct lb_err err = { 0 };
    struct store *st = store_open(fx->db, &err);
    struct restic_repo_info in, out;
    time_t fetched = 0;

    assert_non_null(st);
    info_three(&in);
    assert_int_equal(store_put_repo_info(st, "usb-ssd", &in, 1000, &err), 0);
    assert_int_equal(store_put_repo_info(st, "nas", &in, 1000, &err), 0);
    restic_repo_info_release(&in);

    /* after a forget: one snapshot left, no lock, size unknown */
    info_init(&in);
    vec_push(&in.snapshots, snap(ID_C, 1796160098, 0, "pve1", "/srv/data", NULL, NULL));
    assert_int_equal(store_put_repo_info(st, "usb-ssd", &in, 2000, &err), 0);
    info_init(&out);
    assert_int_equal(store_get_repo_info(st, "usb-ssd", &out, &fetched, &err), 0);
    assert_int_equal(fetched, 2000);
    assert_int_equal(out.snapshots.len, 1);
    assert_string_equal(((struct restic_snapshot *)out.snapshots.items[0])->id, ID_C);
    assert_int_equal(out.locks.len, 0);
    assert_false(out.stats_known);
    restic_repo_info_release(&out);

    /* zero snapshots is a valid state too */
    restic_repo_info_release(&in);
    info_init(&in);
    assert_int_equal(store_put_repo_info(st, "usb-ssd", &in, 3000, &err), 0);
    info_init(&out);
    assert_int_equal(store_get_repo_info(st, "usb-ssd", &out, &fetched, &err), 0);
    assert_int_equal(out.snapshots.len, 0);
    restic_repo_info_release(&out);

    /* the other repo kept its three */
    info_init(&out);
    assert_int_equal(store_get_repo_info(st, "nas", &out, &fetched, &err), 0);
    assert_int_equal(out.snapshots.len, 3);
    assert_int_equal(out.locks.len, 1);
    restic_repo_info_release(&out);
    restic_repo_info_release(&in);
    store_close(st);
}

static void assert_cache_is_three(struct store *st)
{
    struct restic_repo_info out;
    struct lb_err err = { 0 };
    time_t fetched = 0;

    info_init(&out);
    assert_int_equal(store_get_repo_info(st, "usb-ssd", &out, &fetched, &err), 0);
    assert_int_equal(fetched, 1000);
    assert_int_equal(out.snapshots.len, 3);
    assert_int_equal(out.locks.len, 1);
    assert_true(out.stats_known);
    assert_int_equal(out.stats.snapshots_count, 3);
    restic_repo_info_release(&out);
}

static void test_failed_put_keeps_previous_cache(void **state)
{
    struct fx *fx = *state;
    struct lb_err err = { 0 };
    struct store *st = store_open(fx->db, &err);
    struct restic_repo_info in, bad;
    sqlite3 *other;

    assert_non_null(st);
    info_three(&in);
    assert_int_equal(store_put_repo_info(st, "usb-ssd", &in, 1000, &err), 0);

    /* 1. Another process holds the write lock: the put fails fast, nothing changes. */
    assert_int_equal(sqlite3_open(fx->db, &other), SQLITE_OK);
    assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    info_init(&bad);
    vec_push(&bad.snapshots, snap(ID_A, 5, 0, "x", "/x", NULL, NULL));
    assert_int_equal(store_put_repo_info(st, "usb-ssd", &bad, 2000, &err), -LB_EBUSY);
    assert_non_null(strstr(err.msg, fx->db));
    assert_non_null(strstr(err.msg, "usb-ssd"));
    assert_int_equal(sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(other);
    assert_cache_is_three(st);

    /*
     * 2. A failure half way (the same snapshot id twice violates the key after
     * the old rows were deleted and the first new one inserted): rolled back.
     */
    vec_push(&bad.snapshots, snap(ID_A, 6, 0, "x", "/x", NULL, NULL));
    assert_true(store_put_repo_info(st, "usb-ssd", &bad, 2000, &err) < 0);
    assert_cache_is_three(st);

    /* and the store still works afterwards */
    restic_repo_info_release(&bad);
    info_init(&bad);
    assert_int_equal(store_put_repo_info(st, "other", &bad, 2000, &err), 0);
    assert_cache_is_three(st);

    restic_repo_info_release(&bad);
    restic_repo_info_release(&in);
    store_close(st);
}

static void test_repo_error(void **state)
{
    struct fx *fx = *state;
    struct lb_err err = { 0 };
    struct store *st = store_open(fx->db, &err);
    struct restic_repo_info in, out;
    char *msg = NULL;
    int code = 0;
    time_t at = 0, fetched = 0;

    assert_non_null(st);
    /* an error for a never-read repo does not make it look read */
    assert_int_equal(store_put_repo_error(st, "nas", LB_EAUTH,
                                          "cannot read repo 'nas': wrong "
                                          "password",
                                          1500, &err),
                     0);
    info_init(&out);
    assert_int_equal(store_get_repo_info(st, "nas", &out, &fetched, &err), -LB_ENOTFOUND);
    assert_int_equal(store_get_repo_error(st, "nas", &code, &msg, &at, &err), 0);
    assert_int_equal(code, LB_EAUTH);
    assert_string_equal(msg, "cannot read repo 'nas': wrong password");
    assert_int_equal(at, 1500);
    free(msg);

    /* an error after a good read keeps the cache; clearing forgets the error */
    info_three(&in);
    assert_int_equal(store_put_repo_info(st, "nas", &in, 1600, &err), 0);
    assert_int_equal(store_put_repo_error(st, "nas", LB_ETIMEOUT, "timed out", 1700, &err), 0);
    assert_int_equal(store_get_repo_info(st, "nas", &out, &fetched, &err), 0);
    assert_int_equal(out.snapshots.len, 3);
    assert_int_equal(fetched, 1600);
    assert_int_equal(store_put_repo_error(st, "nas", 0, NULL, 1800, &err), 0);
    assert_int_equal(store_get_repo_error(st, "nas", &code, &msg, &at, &err), -LB_ENOTFOUND);
    restic_repo_info_release(&out);
    restic_repo_info_release(&in);
    store_close(st);
}

static void test_runs_and_steps(void **state)
{
    struct fx *fx = *state;
    struct lb_err err = { 0 };
    struct store *st = store_open(fx->db, &err);
    int64_t run = 0, run2 = 0, s1 = 0, s2 = 0;
    struct store_run *r = NULL;
    struct store_step *s;
    struct vec steps = VEC_INIT(store_step_free), recent = VEC_INIT(store_run_free);

    assert_non_null(st);
    assert_int_equal(store_run_begin(st, "nightly", 1796100000, 4242, &run, &err), 0);
    assert_true(run > 0);
    assert_int_equal(store_step_add(st, run, "backup", "usb-ssd", 1796100001, &s1, &err), 0);
    assert_int_equal(store_step_add(st, run, "forget", NULL, 1796100300, &s2, &err), 0);
    assert_int_equal(store_step_finish(st, s1, 1796100290, RUN_OK,
                                       "{\"files_new\":3,\"data_added\":2104}", "added 2 KiB",
                                       &err),
                     0);

    /* while running: ended 0, outcome running */
    assert_int_equal(store_run_get(st, run, &r, NULL, &err), 0);
    assert_string_equal(r->job, "nightly");
    assert_int_equal(r->outcome, RUN_RUNNING);
    assert_int_equal(r->ended, 0);
    assert_int_equal(r->pid, 4242);
    store_run_free(r);

    assert_int_equal(store_step_finish(st, s2, 1796100310, RUN_WARNING, NULL, NULL, &err), 0);
    assert_int_equal(store_run_finish(st, run, 1796100320, RUN_WARNING, "1 warning", &err), 0);
    store_close(st);

    st = store_open(fx->db, &err);
    assert_non_null(st);
    assert_int_equal(store_run_get(st, run, &r, &steps, &err), 0);
    assert_int_equal(r->id, run);
    assert_int_equal(r->started, 1796100000);
    assert_int_equal(r->ended, 1796100320);
    assert_int_equal(r->outcome, RUN_WARNING);
    assert_string_equal(r->summary, "1 warning");
    assert_int_equal(steps.len, 2);
    s = steps.items[0];
    assert_int_equal(s->id, s1);
    assert_string_equal(s->kind, "backup");
    assert_string_equal(s->target, "usb-ssd");
    assert_int_equal(s->outcome, RUN_OK);
    assert_int_equal(s->ended, 1796100290);
    assert_string_equal(s->figures_json, "{\"files_new\":3,\"data_added\":2104}");
    assert_string_equal(s->log_excerpt, "added 2 KiB");
    s = steps.items[1];
    assert_string_equal(s->kind, "forget");
    assert_null(s->target);
    assert_null(s->figures_json);
    assert_int_equal(s->outcome, RUN_WARNING);
    store_run_free(r);

    /* unknown ids are reported, not silently ignored */
    assert_int_equal(store_run_finish(st, run + 100, 1, RUN_OK, NULL, &err), -LB_ENOTFOUND);
    assert_int_equal(store_step_add(st, run + 100, "backup", "x", 1, &s1, &err), -LB_ENOTFOUND);
    assert_int_equal(store_step_finish(st, s2 + 100, 1, RUN_OK, NULL, NULL, &err), -LB_ENOTFOUND);
    assert_int_equal(store_run_get(st, run + 100, &r, NULL, &err), -LB_ENOTFOUND);
    assert_null(r);

    /* recent runs, newest first, per job */
    assert_int_equal(store_run_begin(st, "weekly", 1796200000, 1, &run2, &err), 0);
    assert_int_equal(store_runs_recent(st, NULL, 10, &recent, &err), 0);
    assert_int_equal(recent.len, 2);
    assert_int_equal(((struct store_run *)recent.items[0])->id, run2);
    vec_clear(&recent);
    assert_int_equal(store_runs_recent(st, "nightly", 10, &recent, &err), 0);
    assert_int_equal(recent.len, 1);
    assert_int_equal(((struct store_run *)recent.items[0])->id, run);
    assert_string_equal(store_outcome_text(RUN_INTERRUPTED), "interrupted");

    vec_release(&recent);
    vec_release(&steps);
    store_close(st);
}

static void test_garbage_file(void **state)
{
    struct fx *fx = *state;
    struct lb_err err = { 0 };
    char path[160];
    int fd;
    static const char junk[] = "this is a text file, not a database; it came from a bad copy.\n"
                               "0123456789012345678901234567890123456789012345678901234567890\n";
    struct store *st;

    snprintf(path, sizeof(path), "%s/garbage.db", fx->dir);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    for (int i = 0; i < 20; i++)
        assert_int_equal(write(fd, junk, sizeof(junk) - 1), (ssize_t)(sizeof(junk) - 1));
    close(fd);
    st = store_open(path, &err);
    assert_null(st);
    assert_non_null(strstr(err.msg, path));
    assert_non_null(strstr(err.msg, "not a database"));
    /* the file was not touched */
    {
        struct stat sb;

        assert_int_equal(stat(path, &sb), 0);
        assert_int_equal(sb.st_size, 20 * (sizeof(junk) - 1));
    }
}

static void test_unwritable_dir(void **state)
{
    struct fx *fx = *state;
    struct lb_err err = { 0 };
    char dir[160], path[200];
    struct store *st;

    if (geteuid() == 0) {
        /* root ignores directory permissions: use a path below a missing directory */
        snprintf(path, sizeof(path), "%s/ro/sub/lifeboat.db", fx->dir);
    } else {
        snprintf(dir, sizeof(dir), "%s/ro", fx->dir);
        assert_int_equal(mkdir(dir, 0500), 0);
        snprintf(path, sizeof(path), "%s/lifeboat.db", dir);
    }
    st = store_open(path, &err);
    assert_null(st);
    assert_non_null(strstr(err.msg, path));
    assert_non_null(strstr(err.msg, "cannot open state database"));
}

static void test_default_path_uses_state_dir(void **state)
{
    struct fx *fx = *state;
    struct lb_err err = { 0 };
    char expect[200];
    struct store *st;

    /* path_state_dir() caches its answer: this is the only test that reads it */
    setenv("XDG_STATE_HOME", fx->dir, 1);
    st = store_open(NULL, &err);
    assert_non_null(st);
    snprintf(expect, sizeof(expect), "%s/lifeboat/lifeboat.db", fx->dir);
    assert_string_equal(store_path(st), expect);
    store_close(st);
    unlink(expect);
    snprintf(expect, sizeof(expect), "%s/lifeboat/lifeboat.db-wal", fx->dir);
    unlink(expect);
    snprintf(expect, sizeof(expect), "%s/lifeboat/lifeboat.db-shm", fx->dir);
    unlink(expect);
    snprintf(expect, sizeof(expect), "%s/lifeboat", fx->dir);
    assert_int_equal(rmdir(expect), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_migrate_from_empty_and_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wal_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_repo_roundtrip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_repo_replace_no_stale_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_put_keeps_previous_cache, setup, teardown),
        cmocka_unit_test_setup_teardown(test_repo_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_runs_and_steps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_garbage_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unwritable_dir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_default_path_uses_state_dir, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
