/*
 * The whole console drawn without a person: a hand-filled model, curses
 * writing to /dev/null, the screen read back with the screen dump. Checks
 * what an operator would see at 80x24, 200x60, too small, in ASCII, and
 * what the keys do (detail, filter, help, quit, the command line).
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
#include <unistd.h>
#include <wchar.h>

#include "backend/app.h"
#include "backend/base/str.h"
#include "backend/base/xalloc.h"
#include "backend/config.h"
#include "backend/store.h"
#include "tui/drill_line.h"
#include "tui/crt.h"
#include "tui/glyph.h"
#include "tui/provide_curses.h"
#include "tui/screen.h"
#include "tui/theme.h"

#include "tests/unit/tui_harness.h"

#define NOW  ((time_t)1795000000)
#define HOUR 3600

struct world {
    struct config cfg;
    struct app app;
    struct screen_mgr *mgr;
    struct screen_ctx ctx;
    struct harness_term term;
    char dump[256];
    struct screen_text screen;
    char last_command[64];
};

static struct repo_cfg *repo_cfg(const char *name, const char *url, enum repo_tier tier)
{
    struct repo_cfg *rc = xcalloc(1, sizeof(*rc));

    rc->name = xstrdup(name);
    rc->url = xstrdup(url);
    rc->password_file = xstrdup("/etc/lifeboat/restic.pass");
    rc->tier = tier;
    rc->keep.daily = 5;
    return rc;
}

static struct repo_view *view(struct repo_cfg *rc, enum repo_state st, time_t newest)
{
    struct repo_view *rv = xcalloc(1, sizeof(*rv));

    rv->cfg = rc;
    rv->state = st;
    rv->rpo = rc->tier == TIER_OFFSITE ? 8 * 24 * HOUR : 26 * HOUR;
    rv->newest = newest;
    rv->oldest = newest ? newest - 30 * 24 * HOUR : 0;
    rv->snapshot_count = newest ? 12 : 0;
    rv->size_known = newest != 0;
    rv->size_bytes = 3ull << 30;
    rv->fetched_at = NOW - 60;
    return rv;
}

static unsigned record_command(struct screen_mgr *mgr, const char *line, void *arg)
{
    struct world *w = arg;

    (void)mgr;
    snprintf(w->last_command, sizeof(w->last_command), "%s", line);
    return REACT_NONE;
}

static int setup(void **state)
{
    struct world *w = xcalloc(1, sizeof(*w));
    struct repo_cfg *os, *usb, *cloud, *nas;
    struct repo_view *rv;
    struct job_cfg *job;

    if (!setlocale(LC_CTYPE, "C.UTF-8"))
        return -1;
    if (harness_term_open(&w->term, 24, 80) < 0)
        return -1;
    snprintf(w->dump, sizeof(w->dump), "%s/lifeboat-render-%d.txt",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());

    os = repo_cfg("os-ssd", "/srv/restic/os", TIER_LOCAL);
    usb = repo_cfg("usb-ssd", "/mnt/usb-ssd/restic", TIER_LOCAL);
    cloud = repo_cfg("cloud", "rest:https://backup:hunter2@nas.example:8000/cloud", TIER_OFFSITE);
    nas = repo_cfg("nas", "sftp://nas//srv/restic", TIER_LOCAL);
    vec_push(&w->cfg.repos, os);
    vec_push(&w->cfg.repos, usb);
    vec_push(&w->cfg.repos, cloud);
    vec_push(&w->cfg.repos, nas);
    job = xcalloc(1, sizeof(*job));
    job->name = xstrdup("daily");
    vec_push(&job->repos, xstrdup("os-ssd"));
    vec_push(&job->repos, xstrdup("usb-ssd"));
    vec_push(&job->paths, xstrdup("/etc"));
    vec_push(&w->cfg.jobs, job);
    job = xcalloc(1, sizeof(*job));
    job->name = xstrdup("weekly");
    {
        struct job_copy *cp = xcalloc(1, sizeof(*cp));

        cp->src = xstrdup("usb-ssd");
        cp->dst = xstrdup("cloud");
        vec_push(&job->copies, cp);
    }
    vec_push(&w->cfg.jobs, job);

    w->app.cfg = &w->cfg;
    w->app.last_refresh = NOW - 30;
    /* fresh */
    vec_push(&w->app.repos, view(os, REPO_OK, NOW - 4 * HOUR));
    /* locked: its cached figures stay, dimmed */
    rv = view(usb, REPO_ERROR, NOW - 30 * HOUR);
    rv->error.code = LB_ELOCKED;
    snprintf(rv->error.msg, sizeof(rv->error.msg),
             "cannot read repo 'usb-ssd': repository is locked by root@pve pid 4242 for 2h");
    rv->lock_count = 1;
    rv->oldest_lock = NOW - 2 * HOUR;
    snprintf(rv->lock_holder, sizeof(rv->lock_holder), "root@pve pid 4242");
    vec_push(&w->app.repos, rv);
    /* wrong password */
    rv = view(cloud, REPO_ERROR, NOW - 5 * 24 * HOUR);
    rv->error.code = LB_EAUTH;
    snprintf(rv->error.msg, sizeof(rv->error.msg),
             "cannot open repo 'cloud': wrong password (check password_file of [repo cloud])");
    vec_push(&w->app.repos, rv);
    /* being refreshed, figures from the cache */
    rv = view(nas, REPO_OK, NOW - 2 * HOUR);
    rv->from_cache = true;
    rv->refreshing = true;
    rv->refresh_started_ms = 1000;
    vec_push(&w->app.repos, rv);
    w->app.busy = 1;

    w->mgr = screen_mgr_new(&w->app, "testhost", record_command, w);
    w->ctx = (struct screen_ctx){ &w->app, NOW, 13000 };
    *state = w;
    return 0;
}

static void free_repo_cfg(void *p)
{
    struct repo_cfg *rc = p;

    free(rc->name);
    free(rc->url);
    free(rc->password_file);
    free(rc);
}

static void free_copy(void *p)
{
    struct job_copy *cp = p;

    free(cp->src);
    free(cp->dst);
    free(cp);
}

static void free_job(void *p)
{
    struct job_cfg *job = p;

    free(job->name);
    job->repos.free_item = free;
    job->paths.free_item = free;
    job->copies.free_item = free_copy;
    vec_release(&job->repos);
    vec_release(&job->paths);
    vec_release(&job->copies);
    free(job);
}

static int teardown(void **state)
{
    struct world *w = *state;

    screen_mgr_free(w->mgr);
    harness_term_close(&w->term);
    w->app.repos.free_item = free;
    vec_release(&w->app.repos);
    w->cfg.repos.free_item = free_repo_cfg;
    vec_release(&w->cfg.repos);
    w->cfg.jobs.free_item = free_job;
    vec_release(&w->cfg.jobs);
    unlink(w->dump);
    free(w);
    setlocale(LC_CTYPE, "C");
    return 0;
}

static void render(struct world *w)
{
    harness_render(w->mgr, &w->ctx, w->dump, &w->screen);
}

static void test_overview_80x24(void **state)
{
    struct world *w = *state;
    int row;

    render(w);
    harness_assert_tidy(&w->screen, 80, 24);
    assert_true(strstr(w->screen.lines[0], "lifeboat \u00b7 testhost") != NULL);
    assert_on_screen(&w->screen, "critical");
    assert_on_screen(&w->screen, "1 Overview");
    /* the 3-2-1 matrix: the daily data set reaches cloud through the weekly copy */
    row = harness_find(&w->screen, "daily");
    assert_true(row > 0);
    assert_non_null(strstr(w->screen.lines[row], "4h \u2713"));
    assert_non_null(strstr(w->screen.lines[row], "yes")); /* off-site copy exists */
    /* one row per repo with its state said plainly */
    assert_on_screen(&w->screen, "wrong password");
    assert_on_screen(&w->screen, "refreshing \u27f3 12s");
    assert_on_screen(&w->screen, "locked by root@");
    assert_on_screen(&w->screen, "cached");
    /* problems say what is wrong and what to do, in full */
    assert_on_screen(&w->screen, "alerts");
    assert_on_screen(&w->screen, "wrong password (check password_file of");
    /* the secret in the url never shows */
    assert_int_equal(harness_find(&w->screen, "hunter2"), -1);
    /* status line shows work in flight, function bar the keys */
    assert_on_screen(&w->screen, "refreshing 1 of 4 repos");
    assert_true(strstr(w->screen.lines[23], "? help") == w->screen.lines[23]);
    assert_non_null(strstr(w->screen.lines[23], "q quit"));
}

static void test_error_row_is_dimmed(void **state)
{
    struct world *w = *state;
    int row, col;
    bool dim = false;

    render(w);
    row = harness_find(&w->screen, "wrong password");
    assert_true(row > 0);
    /* the cached figures of the failing repo (e.g. its size) are drawn dim */
    for (col = 0; col < 80; col++) {
        cchar_t cc;
        wchar_t wch[8];
        attr_t attrs;
        short pair;

        mvin_wch(row, col, &cc);
        getcchar(&cc, wch, &attrs, &pair, NULL);
        if (wch[0] == L'G' && (attrs & A_DIM))
            dim = true; /* "3.0 GiB" */
    }
    assert_true(dim);
}

static void test_detail_never_shows_secrets(void **state)
{
    struct world *w = *state;

    screen_mgr_key(w->mgr, 'j', &w->ctx);
    screen_mgr_key(w->mgr, 'j', &w->ctx); /* cloud */
    screen_mgr_key(w->mgr, '\n', &w->ctx);
    render(w);
    harness_assert_tidy(&w->screen, 80, 24);
    assert_on_screen(&w->screen, "\u2500 repo cloud \u2500");
    assert_on_screen(&w->screen, "rest:https://backup:***@nas.example:8000/cloud");
    assert_on_screen(&w->screen, "from the file /etc/lifeboat/restic.pass");
    assert_on_screen(&w->screen, "last error  cannot open repo 'cloud': wrong password");
    assert_int_equal(harness_find(&w->screen, "hunter2"), -1);
    screen_mgr_key(w->mgr, KEY_ESC, &w->ctx);
    render(w);
    assert_int_equal(harness_find(&w->screen, "\u2500 repo cloud \u2500"), -1);
}

static void test_wide_terminal_shows_more(void **state)
{
    struct world *w = *state;

    resize_term(60, 200);
    render(w);
    harness_assert_tidy(&w->screen, 200, 60);
    assert_on_screen(&w->screen, "newest at");
    assert_on_screen(&w->screen, "url");
    assert_on_screen(&w->screen, "/mnt/usb-ssd/restic");
    assert_on_screen(&w->screen, "locked by root@pve pid 4242 for 2h");
    /* the selection's detail sits beside the problems */
    assert_on_screen(&w->screen, "selected \u00b7 os-ssd");
    resize_term(24, 80);
}

static void test_too_small(void **state)
{
    struct world *w = *state;

    resize_term(20, 60);
    render(w);
    assert_on_screen(&w->screen, "terminal too small: 60x20");
    assert_on_screen(&w->screen, "lifeboat needs at least 80x24");
    /* q still leaves; other keys do nothing */
    assert_int_equal(screen_mgr_key(w->mgr, 'j', &w->ctx), REACT_NONE);
    assert_true(screen_mgr_key(w->mgr, 'q', &w->ctx) & REACT_QUIT);
    resize_term(24, 80);
}

static void test_ascii_fallback(void **state)
{
    struct world *w = *state;

    glyph_set_utf8(false);
    render(w);
    glyph_set_utf8(true);
    harness_assert_tidy(&w->screen, 80, 24);
    for (int i = 0; i < w->screen.nlines; i++)
        for (const char *p = w->screen.lines[i]; *p; p++)
            if ((unsigned char)*p >= 0x80)
                fail_msg("non-ASCII on row %d: %s", i, w->screen.lines[i]);
    assert_on_screen(&w->screen, "+- 3-2-1 ---");
    assert_on_screen(&w->screen, "4h ok");
    assert_on_screen(&w->screen, "refreshing * 12s");
}

static void test_filter_help_and_command_line(void **state)
{
    struct world *w = *state;

    /* / filters the table live; Esc in the prompt clears it */
    screen_mgr_key(w->mgr, '/', &w->ctx);
    screen_mgr_key(w->mgr, 'u', &w->ctx);
    screen_mgr_key(w->mgr, 's', &w->ctx);
    render(w);
    assert_on_screen(&w->screen, "restic repositories \u00b7 1 of 4");
    assert_on_screen(&w->screen, "/us");
    screen_mgr_key(w->mgr, KEY_ESC, &w->ctx);
    render(w);
    assert_int_equal(harness_find(&w->screen, "repositories \u00b7 1 of 4"), -1);

    /* ? lists the keys of this screen; screens not built yet are not offered */
    screen_mgr_key(w->mgr, '?', &w->ctx);
    render(w);
    assert_on_screen(&w->screen, "keys \u00b7 Overview");
    assert_on_screen(&w->screen, "refresh every repository now");
    assert_int_equal(harness_find(&w->screen, "screen 3"), -1);
    screen_mgr_key(w->mgr, KEY_ESC, &w->ctx);

    /* : runs a command line through the command hook */
    screen_mgr_key(w->mgr, ':', &w->ctx);
    for (const char *p = "theme light"; *p; p++)
        screen_mgr_key(w->mgr, *p, &w->ctx);
    render(w);
    assert_on_screen(&w->screen, ":theme light");
    screen_mgr_key(w->mgr, '\n', &w->ctx);
    assert_string_equal(w->last_command, "theme light");
}

static void test_quit_asks_only_when_work_runs(void **state)
{
    struct world *w = *state;

    /* a refresh in flight is read-only: q leaves at once */
    assert_true(screen_mgr_key(w->mgr, 'q', &w->ctx) & REACT_QUIT);
    /* other work (a backup run, later) makes q ask first */
    w->app.busy = 2;
    assert_false(screen_mgr_key(w->mgr, 'q', &w->ctx) & REACT_QUIT);
    render(w);
    assert_on_screen(&w->screen, "quit anyway? (y/n)");
    assert_false(screen_mgr_key(w->mgr, 'n', &w->ctx) & REACT_QUIT);
    assert_false(screen_mgr_key(w->mgr, 'q', &w->ctx) & REACT_QUIT);
    assert_true(screen_mgr_key(w->mgr, 'y', &w->ctx) & REACT_QUIT);
    w->app.busy = 1;
    /* 3 opens the Runs screen (no job configured here: it says how to add one) */
    screen_mgr_key(w->mgr, '3', &w->ctx);
    render(w);
    assert_on_screen(&w->screen, "no [job NAME] in the config");
}

static void test_many_repos_scroll_and_say_so(void **state)
{
    struct world *w = *state;
    char name[32];

    for (int i = 0; i < 12; i++) {
        struct repo_cfg *rc;

        snprintf(name, sizeof(name), "extra-%02d", i);
        rc = repo_cfg(name, "/srv/extra", TIER_LOCAL);
        vec_push(&w->cfg.repos, rc);
        vec_push(&w->app.repos, view(rc, REPO_OK, NOW - HOUR));
    }
    render(w);
    harness_assert_tidy(&w->screen, 80, 24);
    /* copies that do not fit the matrix are announced, rows below the table too */
    assert_on_screen(&w->screen, "repos not shown");
    assert_on_screen(&w->screen, "more \u2500");
    assert_int_equal(harness_find(&w->screen, "extra-11"), -1);
    /* G goes to the last row: the table scrolls to show it */
    screen_mgr_key(w->mgr, 'G', &w->ctx);
    render(w);
    assert_on_screen(&w->screen, "extra-11");
    harness_assert_tidy(&w->screen, 80, 24);
}

/* The drills line: a cloud drill passed 40 days ago is overdue (monthly); a new one clears it. */
static void test_drill_line(void **state)
{
    struct world *w = *state;
    struct lb_err err = { 0 };
    char db[300];
    struct store_drill d = { 0 };

    snprintf(db, sizeof(db), "%s.db", w->dump);
    w->app.store = store_open(db, &err);
    assert_non_null(w->app.store);
    resize_term(60, 200);
    render(w);
    assert_on_screen(&w->screen, "drills cloud \u25b2 never passed");

    str_copy(d.kind, sizeof(d.kind), "cloud");
    str_copy(d.outcome, sizeof(d.outcome), "ok");
    d.started = NOW - 40 * 24 * HOUR;
    d.ended = d.started + 600;
    d.rto_ms = d.rpo_seconds = d.estimate_full_seconds = -1;
    assert_int_equal(store_drill_insert(w->app.store, &d, &err), 0);
    w->ctx.now += DRILL_LINE_REFRESH; /* the line rereads the store every so often */
    render(w);
    assert_on_screen(&w->screen, "cloud \u25b2 overdue, passed 40d ago");
    assert_int_equal(harness_find(&w->screen, "never passed"), -1);

    d.started = NOW - 2 * 24 * HOUR;
    assert_int_equal(store_drill_insert(w->app.store, &d, &err), 0);
    w->ctx.now += DRILL_LINE_REFRESH;
    render(w);
    assert_on_screen(&w->screen, "cloud \u2713 2d ago");
    harness_assert_tidy(&w->screen, 200, 60);

    resize_term(24, 80);
    store_close(w->app.store);
    w->app.store = NULL;
    unlink(db);
    snprintf(db, sizeof(db), "%s.db-wal", w->dump);
    unlink(db);
    snprintf(db, sizeof(db), "%s.db-shm", w->dump);
    unlink(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_overview_80x24, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_row_is_dimmed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_detail_never_shows_secrets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wide_terminal_shows_more, setup, teardown),
        cmocka_unit_test_setup_teardown(test_too_small, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ascii_fallback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_filter_help_and_command_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quit_asks_only_when_work_runs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_repos_scroll_and_say_so, setup, teardown),
        cmocka_unit_test_setup_teardown(test_drill_line, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
