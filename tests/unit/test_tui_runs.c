/*
 * The Runs screen drawn without a person: a real config and a real state
 * database in a temp directory holding four runs (a finished daily, a failed
 * weekly with its error and log, a daily left `running` by a dead process
 * long ago, and a daily running now with live progress), the engine built on
 * them with app_new, curses writing to /dev/null and the screen read back
 * with the screen dump. Checks what an operator sees at 80x24 and 200x60.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wchar.h>

#include "backend/app.h"
#include "backend/app_runs.h"
#include "backend/base/xalloc.h"
#include "backend/config.h"
#include "backend/loop.h"
#include "backend/store.h"
#include "tui/crt.h"
#include "tui/glyph.h"
#include "tui/provide_curses.h"
#include "tui/screen.h"
#include "tui/theme.h"

#include "tests/unit/tui_harness.h"

struct world {
    char dir[256], db[300], conf[300];
    struct loop *loop;
    struct app *app;
    struct screen_mgr *mgr;
    struct screen_ctx ctx;
    struct harness_term term;
    char dump[320];
    struct screen_text screen;
    time_t now;
};

static void put_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    chmod(path, 0600);
}

static int64_t step(struct store *st, int64_t run, const char *kind, const char *target,
                    time_t start, time_t end, enum run_outcome o, const char *fig, const char *log,
                    const char *msg)
{
    int64_t id = 0;
    struct lb_err err = { 0 };

    assert_int_equal(store_step_add(st, run, kind, target, start, &id, &err), 0);
    if (end)
        assert_int_equal(store_step_finish(st, id, end, o, fig, log, &err), 0);
    if (msg)
        assert_int_equal(store_step_message(st, id, msg, &err), 0);
    return id;
}

/* The four runs. */
static void fill_store(const struct world *w)
{
    struct lb_err err = { 0 };
    struct store *st = store_open(w->db, &err);
    int64_t r, s;
    time_t t;

    assert_non_null(st);
    /* 1: daily, two days ago, ok */
    t = w->now - 2 * 86400;
    assert_int_equal(store_run_begin(st, "daily", t, 4242, &r, &err), 0);
    step(st, r, "preflight", "daily", t, t + 2, RUN_OK, "{\"restic\":\"restic 0.14.0 compiled\"}",
         NULL, NULL);
    step(st, r, "backup", "os-ssd", t + 2, t + 370, RUN_OK,
         "{\"data_added\":1258291,\"snapshot_id\":\"1a2b3c4d5e6f\",\"files_new\":12}",
         "processed 1200 files\n", NULL);
    step(st, r, "forget", "os-ssd", t + 370, t + 372, RUN_OK,
         "{\"restic\":{\"keep\":5,\"remove\":1},\"agree\":true}", NULL, NULL);
    assert_int_equal(
        store_run_finish(st, r, t + 372, RUN_OK, "3 of 3 steps ran: 3 ok; 1.2 MiB added", &err), 0);
    /* 2: weekly, yesterday, failed */
    t = w->now - 86400;
    assert_int_equal(store_run_begin(st, "weekly", t, 4243, &r, &err), 0);
    step(st, r, "preflight", "weekly", t, t + 1, RUN_OK, NULL, NULL, NULL);
    step(st, r, "copy", "os-ssd -> usb-ssd", t + 1, t + 5, RUN_FAILED, "{}",
         "Fatal: wrong password or no key found\n",
         "copy to 'usb-ssd' failed: wrong password for repo 'usb-ssd': check password_file");
    assert_int_equal(store_run_finish(st, r, t + 5, RUN_FAILED,
                                      "2 of 2 steps ran: 1 ok, 1 failed; 0 B added", &err),
                     0);
    /* 3: daily, left running by a process that died an hour ago */
    t = w->now - 3600;
    assert_int_equal(store_run_begin(st, "daily", t, 999999, &r, &err), 0);
    step(st, r, "preflight", "daily", t, t + 1, RUN_OK, NULL, NULL, NULL);
    s = step(st, r, "backup", "os-ssd", t + 1, 0, RUN_RUNNING, NULL, NULL, NULL);
    assert_int_equal(store_step_progress(st, r, s, "{\"percent\":10.0}", t + 90, &err), 0);
    /* 4: daily, running now in this (live) process: a timer's run as the console sees it */
    t = w->now - 60;
    assert_int_equal(store_run_begin(st, "daily", t, (int)getpid(), &r, &err), 0);
    step(st, r, "preflight", "daily", t, t + 2, RUN_OK, NULL, NULL, NULL);
    s = step(st, r, "backup", "os-ssd", t + 2, 0, RUN_RUNNING, NULL, NULL, NULL);
    assert_int_equal(
        store_step_progress(st, r, s,
                            "{\"percent\":42.5,\"files_done\":120,\"total_files\":300,"
                            "\"bytes_done\":440401920,\"total_bytes\":1048576000,\"errors\":0,"
                            "\"bytes_per_sec\":40000000.0,\"eta_seconds\":95,"
                            "\"elapsed_seconds\":30}",
                            w->now, &err),
        0);
    store_close(st);
}

static int setup(void **state)
{
    struct world *w = xcalloc(1, sizeof(*w));
    struct lb_err err = { 0 };
    struct vec problems = VEC_INIT(config_problem_free);
    struct config *cfg;
    char text[2048];

    if (!setlocale(LC_CTYPE, "C.UTF-8"))
        return -1;
    w->now = time(NULL);
    snprintf(w->dir, sizeof(w->dir), "%s/lifeboat-runs-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(w->dir))
        return -1;
    snprintf(w->db, sizeof(w->db), "%s/lifeboat.db", w->dir);
    snprintf(w->conf, sizeof(w->conf), "%s/lifeboat.conf", w->dir);
    snprintf(text, sizeof(text),
             "[repo os-ssd]\nurl = %s/os\npassword_file = %s/pass\nkeep = daily=5\n\n"
             "[repo usb-ssd]\nurl = %s/usb\npassword_file = %s/pass\n\n"
             "[job daily]\nschedule = *-*-* 03:00\nrepos = os-ssd\npaths = %s/data\n\n"
             "[job weekly]\nschedule = Sun 04:30\ncopy = os-ssd -> usb-ssd\n",
             w->dir, w->dir, w->dir, w->dir, w->dir);
    put_file(w->conf, text);
    snprintf(text, sizeof(text), "%s/pass", w->dir);
    put_file(text, "secret\n");
    cfg = config_load(w->conf, false, &problems, &err);
    vec_release(&problems);
    if (!cfg)
        return -1;
    fill_store(w);

    if (harness_term_open(&w->term, 24, 80) < 0)
        return -1;
    snprintf(w->dump, sizeof(w->dump), "%s/screen.txt", w->dir);
    w->loop = loop_new();
    w->app = app_new(w->loop, cfg, w->db);
    w->mgr = screen_mgr_new(w->app, "testhost", NULL, NULL);
    w->ctx = (struct screen_ctx){ w->app, w->now, 13000 };
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    struct world *w = *state;
    char path[400];

    screen_mgr_free(w->mgr);
    harness_term_close(&w->term);
    app_cancel_all(w->app);
    app_free(w->app);
    loop_free(w->loop);
    unlink(w->dump);
    unlink(w->db);
    snprintf(path, sizeof(path), "%s-wal", w->db);
    unlink(path);
    snprintf(path, sizeof(path), "%s-shm", w->db);
    unlink(path);
    unlink(w->conf);
    snprintf(path, sizeof(path), "%s/pass", w->dir);
    unlink(path);
    rmdir(w->dir);
    free(w);
    setlocale(LC_CTYPE, "C");
    return 0;
}

static void render(struct world *w)
{
    harness_render(w->mgr, &w->ctx, w->dump, &w->screen);
}

static void key(struct world *w, int k)
{
    screen_mgr_key(w->mgr, k, &w->ctx);
}

static size_t runs_in_store(const struct world *w)
{
    struct lb_err err = { 0 };
    struct store *st = store_open(w->db, &err);
    struct vec runs = VEC_INIT(store_run_free);
    size_t n;

    assert_non_null(st);
    assert_int_equal(store_runs_recent(st, NULL, 100, &runs, &err), 0);
    n = runs.len;
    vec_release(&runs);
    store_close(st);
    return n;
}

static void common_checks(struct world *w)
{
    /* the jobs: daily runs now, weekly failed yesterday; both have a next run */
    assert_on_screen(&w->screen, "3 Runs");
    harness_assert_row_has(&w->screen, "\u2502 daily ", "\u27f3 running");
    harness_assert_row_has(&w->screen, "\u2502 daily ", " in ");
    harness_assert_row_has(&w->screen, "\u2502 weekly ", "\u2717 failed");
    harness_assert_row_has(&w->screen, "\u2502 weekly ", "24h ago");
    harness_assert_row_has(&w->screen, "\u2502 weekly ", "Sun 04:30");
    /* the run in progress, from another process, with its figures */
    assert_on_screen(&w->screen, "running \u00b7 daily #4 \u00b7 by another process");
    harness_assert_row_has(&w->screen, "step 2 of 3", "backup os-ssd");
    harness_assert_row_has(&w->screen, "step 2 of 3", "42.5 %");
    assert_on_screen(&w->screen, "120 / 300 files");
    assert_on_screen(&w->screen, "420 MiB / 1000 MiB");
    /* history: the dead run shows interrupted, the finished one its figures */
    harness_assert_row_has(&w->screen, "#3 ", "\u2717 interrupted");
    harness_assert_row_has(&w->screen, "#1 ", "\u2713 ok");
    harness_assert_row_has(&w->screen, "#1 ", "6m12s");
    harness_assert_row_has(&w->screen, "#1 ", "+1.2 MiB");
    harness_assert_row_has(&w->screen, "#2 ", "\u2717 failed");
    /* the status line carries the progress; the bar keys */
    harness_assert_row_has(&w->screen, "\u27f3 daily backup", "42 %");
    harness_assert_row_has(&w->screen, "\u27f3 daily backup", "ETA 1m35s");
    assert_on_screen(&w->screen, "s run");
    assert_on_screen(&w->screen, "x cancel");
}

static void test_runs_80x24(void **state)
{
    struct world *w = *state;

    key(w, '3');
    render(w);
    harness_assert_fits(&w->screen, 80, 24);
    common_checks(w);

    /* Enter on the failed weekly: its steps, the failed step's message and log */
    key(w, 'j');
    key(w, '\n');
    render(w);
    harness_assert_fits(&w->screen, 80, 24);
    assert_on_screen(&w->screen, "run #2 \u00b7 weekly \u00b7 \u2717 failed");
    harness_assert_row_has(&w->screen, "copy os-ssd -> usb-ssd", "\u2717 failed");
    assert_on_screen(&w->screen, "wrong password for repo 'usb-ssd'");
    assert_on_screen(&w->screen, "Fatal: wrong password or no key found");
    key(w, KEY_ESC);

    /* s asks first, naming the job and showing what runs; Esc starts nothing */
    key(w, 'g');
    key(w, 's');
    render(w);
    harness_assert_fits(&w->screen, 80, 24);
    assert_on_screen(&w->screen, "run job daily now?");
    assert_on_screen(&w->screen, "backup os-ssd");
    assert_on_screen(&w->screen, "Enter runs daily");
    assert_true(harness_find(&w->screen, "secret") <
                0); /* the password file's content is never shown */
    key(w, KEY_ESC);
    render(w);
    assert_true(harness_find(&w->screen, "run job daily now?") < 0);
    assert_int_equal(runs_in_store(w), 4);

    /* x: the running daily belongs to another process: said, not killed */
    key(w, 'x');
    render(w);
    assert_on_screen(&w->screen, "belongs to PID");
}

static void test_runs_200x60(void **state)
{
    struct world *w = *state;

    resize_term(60, 200);
    key(w, '3');
    render(w);
    harness_assert_fits(&w->screen, 200, 60);
    common_checks(w);
    harness_assert_row_has(&w->screen, "#1 ", "3 of 3 steps ran");
    harness_assert_row_has(&w->screen, "#3 ", "PID 999999 gone");
    /* the finished daily in detail: figures of the backup */
    key(w, 'G');
    key(w, '\n');
    key(w, 'j');
    render(w);
    harness_assert_fits(&w->screen, 200, 60);
    harness_assert_row_has(&w->screen, "backup os-ssd", "+1.2 MiB, snapshot 1a2b3c4d");
    harness_assert_row_has(&w->screen, "forget os-ssd", "kept 5, removed 1");
    harness_assert_row_has(&w->screen, "snapshot_id", "1a2b3c4d5e6f");
    resize_term(24, 80);
}

static void test_overview_job_lines(void **state)
{
    struct world *w = *state;

    key(w, '1');
    render(w);
    harness_assert_fits(&w->screen, 80, 24);
    harness_assert_row_has(&w->screen, "job daily", "next ");
    harness_assert_row_has(&w->screen, "job daily", "\u27f3 running");
    harness_assert_row_has(&w->screen, "job weekly", "\u2717 failed");
    harness_assert_row_has(&w->screen, "job weekly", "Sun 04:30 in");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_runs_80x24, setup, teardown),
        cmocka_unit_test_setup_teardown(test_runs_200x60, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overview_job_lines, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
