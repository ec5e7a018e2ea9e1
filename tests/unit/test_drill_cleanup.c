/*
 * The cloud drill's end (backend/drills.c) with real restic 0.14 on a local
 * repository whose snapshot holds 4500 files: the scratch copy is removed a
 * chunk per loop turn (DRILL_CLEANUP lasts more than one turn, the outcome
 * comes after it); Cancel pressed while it goes changes nothing (one end,
 * one outcome, recorded once as it was reached); the console closing while
 * it goes (drill_free_sync) finishes it at once with the record written and
 * the copy gone; a drill freed while restic restores (the orphan) removes
 * its copy through the loop after restic stopped and records that; a drill
 * whose process died while removing its copy keeps its verdict, and the
 * next start removes what it left.
 * One `restic init` and one backup for the lot; the tests run in order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backend/base/buf.h"
#include "backend/base/str.h"
#include "backend/base/vec.h"
#include "backend/base/xalloc.h"
#include "backend/config.h"
#include "backend/drills.h"
#include "backend/loop.h"
#include "backend/restic.h"
#include "backend/spawn.h"
#include "backend/store.h"
#include "tests/unit/file_fixture.h"

#define PASSWORD "drill-cleanup-test-only"
#define NDIRS    45
#define NFILES   100 /* per directory: 4500 files, more than two chunks of tree_rm */

struct fx {
    char dir[128];
    char repo[192], pw[192], data[192], scratch[192], conf[192], db[192];
    struct loop *loop;
    struct config *cfg;
    struct store *st;
};

static struct fx *F;

/* What the drill told its owner. */
struct seen {
    int updates;
    int done_calls;
    bool saw_cleanup;
};

static void on_update(struct drill *d, void *arg)
{
    struct seen *s = arg;

    s->updates++;
    if (drill_view(d)->phase == DRILL_CLEANUP)
        s->saw_cleanup = true;
    if (drill_done(d))
        s->done_calls++;
}

static int restic(const char *a1, const char *a2, const char *a3)
{
    const char *argv[] = { "restic", a1, a2, a3, NULL };
    char env_repo[256], env_pw[256];
    const char *env[] = { env_repo, env_pw, NULL };
    struct spawn_opts o;
    struct spawn_result res;
    struct buf err = BUF_INIT(65536);
    struct lb_err e = { 0 };
    int rc;

    snprintf(env_repo, sizeof(env_repo), "RESTIC_REPOSITORY=%s", F->repo);
    snprintf(env_pw, sizeof(env_pw), "RESTIC_PASSWORD_FILE=%s", F->pw);
    memset(&o, 0, sizeof(o));
    o.argv = argv;
    o.env = env;
    o.unset_env = restic_unset_env();
    o.timeout_ms = 120000;
    rc = spawn_run_sync(F->loop, &o, NULL, &err, &res, &e);
    if (rc == 0 && (!res.exited || res.status != 0)) {
        fprintf(stderr, "restic %s failed: %s\n", a1, buf_cstr(&err));
        rc = -1;
    }
    buf_release(&err);
    return rc;
}

static int group_setup(void **state)
{
    char p[400], sub[300];
    FILE *f;
    struct vec problems = VEC_INIT(config_problem_free);
    struct lb_err err = { 0 };

    (void)state;
    F = xcalloc(1, sizeof(*F));
    snprintf(F->dir, sizeof(F->dir), "/tmp/lifeboat-drill-cleanup.XXXXXX");
    if (!mkdtemp(F->dir))
        return -1;
    snprintf(F->repo, sizeof(F->repo), "%s/repo", F->dir);
    snprintf(F->pw, sizeof(F->pw), "%s/pw", F->dir);
    snprintf(F->data, sizeof(F->data), "%s/data", F->dir);
    snprintf(F->scratch, sizeof(F->scratch), "%s/scratch", F->dir);
    snprintf(F->conf, sizeof(F->conf), "%s/lifeboat.conf", F->dir);
    snprintf(F->db, sizeof(F->db), "%s/state/lifeboat.db", F->dir);
    /* hermetic: the drill lock lives in the state directory */
    snprintf(p, sizeof(p), "%s/state", F->dir);
    mkdir(p, 0700);
    setenv("XDG_STATE_HOME", p, 1);
    snprintf(p, sizeof(p), "%s/cache", F->dir);
    setenv("XDG_CACHE_HOME", p, 1);
    setenv("RESTIC_CACHE_DIR", p, 1);
    unsetenv("LIFEBOAT_RESTIC");
    put_file(F->pw, PASSWORD "\n", 0600);
    mkdir(F->data, 0700);
    for (int i = 0; i < NDIRS; i++) {
        snprintf(sub, sizeof(sub), "%s/d%02d", F->data, i);
        mkdir(sub, 0700);
        for (int k = 0; k < NFILES; k++) {
            snprintf(p, sizeof(p), "%s/f%03d", sub, k);
            put_file(p, "a file the drill restores\n", 0600);
        }
    }
    f = fopen(F->conf, "w");
    if (!f)
        return -1;
    fprintf(f,
            "[repo cloud]\nurl = %s\npassword_file = %s\ntier = offsite\n\n"
            "[drill]\nscratch = %s\n",
            F->repo, F->pw, F->scratch);
    fclose(f);
    F->loop = loop_new();
    if (restic("init", NULL, NULL) < 0 || restic("backup", "-q", F->data) < 0)
        return -1;
    F->cfg = config_load(F->conf, false, &problems, &err);
    vec_release(&problems);
    if (!F->cfg) {
        fprintf(stderr, "config: %s\n", err.msg);
        return -1;
    }
    F->st = store_open(F->db, &err);
    if (!F->st) {
        fprintf(stderr, "store: %s\n", err.msg);
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    store_close(F->st);
    config_free(F->cfg);
    loop_free(F->loop);
    drills_remove_tree(F->dir);
    free(F);
    return 0;
}

/* Turn the loop until cond holds (a bound against a hang, not a timing check). */
#define TURN_UNTIL(cond)                   \
    do {                                   \
        int turns_ = 0;                    \
        while (!(cond) && turns_++ < 3000) \
            loop_run_once(F->loop, 100);   \
        assert_true(cond);                 \
    } while (0)

/* A drill inspected and started: restic restores. */
static struct drill *start_drill(struct seen *s)
{
    struct drill_cloud_opts o = { .sample_files = 1 };
    struct lb_err err = { 0 };
    struct drill *d;

    d = drill_cloud_new(F->loop, F->cfg, F->st, &o, on_update, s, &err);
    if (!d)
        fail_msg("drill_cloud_new: %s", err.msg);
    assert_int_equal(drill_inspect(d, &err), 0);
    TURN_UNTIL(drill_view(d)->phase == DRILL_READY || drill_done(d));
    assert_int_equal(drill_view(d)->phase, DRILL_READY);
    assert_int_equal(drill_view(d)->scope_files, NDIRS * NFILES);
    assert_int_equal(drill_go(d, &err), 0);
    assert_int_equal(drill_view(d)->phase, DRILL_RESTORE);
    return d;
}

/* The newest drill record in the database. */
static struct store_drill newest(void)
{
    struct vec list = VEC_INIT(free);
    struct lb_err err = { 0 };
    struct store_drill r;

    assert_int_equal(store_drills_recent(F->st, "cloud", 1, &list, &err), 0);
    assert_int_equal(list.len, 1);
    r = *(struct store_drill *)list.items[0];
    vec_release(&list);
    return r;
}

/* The copy goes over several turns, Cancel meanwhile changes nothing, the outcome comes after. */
static void test_cleanup_runs_through_the_loop_and_cancel_changes_nothing(void **state)
{
    struct seen s = { 0 };
    struct drill *d = start_drill(&s);
    char target[sizeof(drill_view(d)->rec.target)];
    struct store_drill r;
    int cleanup_turns = 0;

    (void)state;
    str_copy(target, sizeof(target), drill_view(d)->rec.target);
    TURN_UNTIL(drill_view(d)->phase >= DRILL_CLEANUP);
    assert_int_equal(drill_view(d)->phase, DRILL_CLEANUP);
    assert_true(s.saw_cleanup); /* the owner was told: the screen says what happens */
    assert_int_equal(s.done_calls, 0);
    assert_false(gone(target));
    /* the verdict is written before the copy goes (killed now, it would still be known) */
    r = newest();
    assert_string_equal(r.outcome, "ok");
    assert_int_equal(r.cleaned, 0);

    drill_cancel(d); /* the operator presses Cancel now */
    assert_int_equal(drill_view(d)->phase, DRILL_CLEANUP);
    while (!drill_done(d) && cleanup_turns < 3000) {
        loop_run_once(F->loop, 100);
        cleanup_turns++;
        if (!drill_done(d))
            drill_cancel(d); /* and again: still nothing */
    }
    assert_true(drill_done(d));
    assert_true(cleanup_turns >= 2); /* 4500 files and more: the loop turned in between */
    assert_int_equal(s.done_calls, 1);
    assert_string_equal(drill_view(d)->rec.outcome, "ok");
    assert_true(gone(target));
    for (int i = 0; i < 5; i++)
        loop_run_once(F->loop, 0);
    assert_int_equal(s.done_calls, 1); /* one end only */
    r = newest();
    assert_string_equal(r.outcome, "ok");
    assert_int_equal(r.verified, 1);
    assert_int_equal(r.cleaned, 1);
    assert_string_equal(r.error, "");
    assert_non_null(strstr(r.phases, "cleanup"));
    drill_free(d);
}

/* The console closes while the copy goes: finished at once, recorded, the copy gone. */
static void test_console_closing_during_cleanup(void **state)
{
    struct seen s = { 0 };
    struct drill *d = start_drill(&s);
    char target[sizeof(drill_view(d)->rec.target)];
    struct store_drill r;
    int64_t id;

    (void)state;
    str_copy(target, sizeof(target), drill_view(d)->rec.target);
    id = drill_view(d)->rec.id;
    TURN_UNTIL(drill_view(d)->phase >= DRILL_CLEANUP);
    assert_int_equal(drill_view(d)->phase, DRILL_CLEANUP);
    loop_run_once(F->loop, 0); /* a chunk is gone, the rest is not */
    assert_int_equal(drill_view(d)->phase, DRILL_CLEANUP);
    assert_false(gone(target));

    drill_free_sync(d);
    assert_true(gone(target));
    r = newest();
    assert_int_equal(r.id, id);
    assert_string_equal(r.outcome, "ok");
    assert_int_equal(r.cleaned, 1);
    assert_int_equal(s.done_calls, 0); /* freed by its owner: nobody to tell */
    for (int i = 0; i < 5; i++)
        loop_run_once(F->loop, 0); /* nothing of it is left in the loop (ASan would see) */
}

/* Freed while restic restores: the orphan removes its copy through the loop once restic is gone. */
static void test_orphan_removes_its_copy_after_restic(void **state)
{
    struct seen s = { 0 };
    struct drill *d = start_drill(&s);
    char target[sizeof(drill_view(d)->rec.target)];
    int64_t id = drill_view(d)->rec.id;
    struct store_drill r;
    int updates;

    (void)state;
    str_copy(target, sizeof(target), drill_view(d)->rec.target);
    updates = s.updates;
    drill_free(d); /* restic still runs: the record is closed now, the copy goes later */
    r = newest();
    assert_int_equal(r.id, id);
    assert_string_equal(r.outcome, "interrupted");
    assert_int_equal(r.cleaned, 0);
    TURN_UNTIL(newest().cleaned == 1);
    assert_true(gone(target));
    assert_string_equal(newest().outcome, "interrupted");
    assert_int_equal(s.updates, updates); /* nothing told after its owner let go */
    /* the lock is free again: a new drill can start */
    {
        struct drill_cloud_opts o = { 0 };
        struct lb_err err = { 0 };
        struct drill *d2 = drill_cloud_new(F->loop, F->cfg, F->st, &o, NULL, NULL, &err);

        assert_non_null(d2);
        drill_free(d2);
    }
}

/* Killed while removing its copy: the record says ok, not cleaned; the next start finishes it. */
static void test_killed_during_cleanup_keeps_its_verdict(void **state)
{
    struct store_drill rec = { 0 }, r;
    struct lb_err err = { 0 };
    char target[300], p[400];
    int recovered = 0;

    (void)state;
    snprintf(target, sizeof(target), "%s/drill-left-over", F->scratch);
    assert_int_equal(mkdir(target, 0700), 0);
    snprintf(p, sizeof(p), "%s/sub", target);
    assert_int_equal(mkdir(p, 0700), 0);
    snprintf(p, sizeof(p), "%s/sub/file", target);
    put_file(p, "restored\n", 0400);
    snprintf(p, sizeof(p), "%s/sub", target);
    assert_int_equal(chmod(p, 0500), 0); /* restored read-only */
    str_copy(rec.kind, sizeof(rec.kind), "cloud");
    str_copy(rec.outcome, sizeof(rec.outcome), "ok");
    str_copy(rec.target, sizeof(rec.target), target);
    rec.started = time(NULL) + 60; /* the newest record */
    rec.ended = rec.started + 60;
    rec.pid = getpid() + 1; /* another process, gone */
    rec.verified = 1;
    rec.cleaned = 0;
    assert_int_equal(store_drill_insert(F->st, &rec, &err), 0);

    assert_int_equal(drills_recover(F->cfg, F->st, &recovered, &err), 0);
    assert_int_equal(recovered, 1);
    assert_true(gone(target));
    r = newest();
    assert_int_equal(r.id, rec.id);
    assert_string_equal(r.outcome, "ok"); /* the verdict it reached stays */
    assert_int_equal(r.verified, 1);
    assert_int_equal(r.cleaned, 1);
    /* once only: nothing more to do */
    assert_int_equal(drills_recover(F->cfg, F->st, &recovered, &err), 0);
    assert_int_equal(recovered, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cleanup_runs_through_the_loop_and_cancel_changes_nothing),
        cmocka_unit_test(test_console_closing_during_cleanup),
        cmocka_unit_test(test_orphan_removes_its_copy_after_restic),
        cmocka_unit_test(test_killed_during_cleanup_keeps_its_verdict),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
