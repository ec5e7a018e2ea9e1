/*
 * The console's alerts drawn without a person: a hand-filled model and a
 * real state database, curses writing to /dev/null, the screen read back
 * with the screen dump. The rules run after a refresh as the timer job's
 * do, the stale repo's alert shows in the Overview's alerts panel, `a`
 * asks a note in the prompt and acknowledges it in the store, `A` lists
 * every open alert with its state and note, Esc on the prompt changes
 * nothing; at 80x24 and 200x60.
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

#include "backend/alert.h"
#include "backend/app.h"
#include "backend/base/xalloc.h"
#include "backend/config.h"
#include "backend/store.h"
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
    char dir[256];
    char db[320];
    char dump[320];
    struct screen_text screen;
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

static struct repo_view *view(struct repo_cfg *rc, time_t newest)
{
    struct repo_view *rv = xcalloc(1, sizeof(*rv));

    rv->cfg = rc;
    rv->state = REPO_OK;
    rv->rpo = rc->tier == TIER_OFFSITE ? 8 * 24 * HOUR : 26 * HOUR;
    rv->newest = newest;
    rv->oldest = newest - 30 * 24 * HOUR;
    rv->snapshot_count = 12;
    rv->size_known = true;
    rv->size_bytes = 3ull << 30;
    rv->fetched_at = NOW - 60;
    return rv;
}

static void size_to(int rows, int cols)
{
    resize_term(rows, cols);
}

static int setup(void **state)
{
    struct world *w = xcalloc(1, sizeof(*w));
    struct repo_cfg *os, *usb, *cloud;
    struct lb_err err = { 0 };

    if (!setlocale(LC_CTYPE, "C.UTF-8"))
        return -1;
    snprintf(w->dir, sizeof(w->dir), "%s/lifeboat-tui-alerts-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(w->dir))
        return -1;
    snprintf(w->db, sizeof(w->db), "%s/lifeboat.db", w->dir);
    snprintf(w->dump, sizeof(w->dump), "%s/screen.txt", w->dir);
    if (harness_term_open(&w->term, 24, 80) < 0)
        return -1;

    os = repo_cfg("os-ssd", "/srv/restic/os", TIER_LOCAL);
    usb = repo_cfg("usb-ssd", "/mnt/usb-ssd/restic", TIER_LOCAL);
    cloud = repo_cfg("cloud", "s3:https://s3.example.com/bucket", TIER_OFFSITE);
    vec_push(&w->cfg.repos, os);
    vec_push(&w->cfg.repos, usb);
    vec_push(&w->cfg.repos, cloud);
    w->cfg.alerts.renotify = 24 * HOUR;

    w->app.cfg = &w->cfg;
    w->app.store = store_open(w->db, &err);
    if (!w->app.store) {
        print_error("%s\n", err.msg);
        return -1;
    }
    vec_push(&w->app.repos, view(os, NOW - 4 * HOUR));
    vec_push(&w->app.repos, view(usb, NOW - 50 * HOUR)); /* over its 26h RPO: warn */
    vec_push(&w->app.repos, view(cloud, NOW - 2 * 24 * HOUR));

    w->mgr = screen_mgr_new(&w->app, "testhost", NULL, NULL);
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

static int teardown(void **state)
{
    struct world *w = *state;

    screen_mgr_free(w->mgr);
    harness_term_close(&w->term);
    store_close(w->app.store);
    w->app.repos.free_item = free;
    vec_release(&w->app.repos);
    w->cfg.repos.free_item = free_repo_cfg;
    vec_release(&w->cfg.repos);
    unlink(w->dump);
    unlink(w->db);
    {
        char p[400];

        snprintf(p, sizeof(p), "%s-wal", w->db);
        unlink(p);
        snprintf(p, sizeof(p), "%s-shm", w->db);
        unlink(p);
    }
    rmdir(w->dir);
    free(w);
    setlocale(LC_CTYPE, "C");
    return 0;
}

static void render(struct world *w)
{
    harness_render(w->mgr, &w->ctx, w->dump, &w->screen);
}

/* A refresh ended: the console evaluates the rules as the timer job does. */
static void refreshed(struct world *w)
{
    w->app.last_refresh = w->ctx.now;
    screen_mgr_model_changed(w->mgr, APP_CHANGED_REPOS, &w->ctx);
}

static void type(struct world *w, const char *text)
{
    for (const char *p = text; *p; p++)
        screen_mgr_key(w->mgr, (unsigned char)*p, &w->ctx);
}

/* The stored alerts (open ones), oldest first. */
static void stored(struct world *w, struct vec *out)
{
    struct lb_err err = { 0 };

    vec_init(out, store_alert_free);
    assert_int_equal(store_alerts_list(w->app.store, 0, out, &err), 0);
}

static const struct store_alert *stored_find(const struct vec *v, const char *rule,
                                             const char *subject)
{
    for (size_t i = 0; i < v->len; i++) {
        const struct store_alert *a = v->items[i];

        if (!strcmp(a->rule, rule) && !strcmp(a->subject, subject))
            return a;
    }
    return NULL;
}

static void test_stale_repo_alert_is_listed(void **state)
{
    struct world *w = *state;
    struct vec v;
    int row;

    /* before any evaluation the live problem shows, not yet as an alert to ack */
    render(w);
    assert_on_screen(&w->screen, "alerts");
    assert_on_screen(&w->screen, "usb-ssd");
    assert_not_on_screen(&w->screen, "a: ack");

    refreshed(w);
    stored(w, &v);
    assert_non_null(stored_find(&v, "repo-rpo", "usb-ssd"));
    assert_null(stored_find(&v, "repo-rpo", "os-ssd"));
    vec_release(&v);

    render(w);
    harness_assert_fits(&w->screen, 80, 24);
    assert_on_screen(&w->screen, "alerts \u00b7 1 open");
    row = harness_find(&w->screen, "newest restore point is");
    assert_true(row > 0);
    assert_non_null(strstr(w->screen.lines[row], "usb-ssd"));
    assert_on_screen(&w->screen, "a: ack usb-ssd");
    /* the function bar offers the keys */
    assert_non_null(strstr(w->screen.lines[23], "a ack"));
}

static void test_ack_with_note(void **state)
{
    struct world *w = *state;
    struct vec v;
    const struct store_alert *a;

    refreshed(w);
    screen_mgr_key(w->mgr, 'a', &w->ctx);
    render(w);
    /* the prompt names the alert it acknowledges */
    assert_non_null(strstr(w->screen.lines[22], "ack usb-ssd repo-rpo; note:"));
    type(w, "disk swapped, backup tonight");
    render(w);
    assert_non_null(strstr(w->screen.lines[22], "disk swapped, backup tonight"));
    screen_mgr_key(w->mgr, '\n', &w->ctx);

    stored(w, &v);
    a = stored_find(&v, "repo-rpo", "usb-ssd");
    assert_non_null(a);
    assert_int_equal(a->acked_at, NOW);
    assert_string_equal(a->ack_note, "disk swapped, backup tonight");
    assert_string_equal(alert_state_name(a), "acknowledged");
    vec_release(&v);

    render(w);
    harness_assert_fits(&w->screen, 80, 24);
    assert_on_screen(&w->screen, "usb-ssd repo-rpo acknowledged");
    assert_on_screen(&w->screen, "1 acknowledged");
    assert_on_screen(&w->screen, "acknowledged (disk swapped, backup tonight)");
    /* nothing left to acknowledge from the panel */
    assert_not_on_screen(&w->screen, "a: ack");

    /* a later evaluation keeps it acknowledged while the repo stays stale */
    w->ctx.now += 600;
    refreshed(w);
    stored(w, &v);
    a = stored_find(&v, "repo-rpo", "usb-ssd");
    assert_non_null(a);
    assert_true(a->acked_at != 0);
    vec_release(&v);
}

static void test_escape_leaves_it_open(void **state)
{
    struct world *w = *state;
    struct vec v;

    refreshed(w);
    screen_mgr_key(w->mgr, 'a', &w->ctx);
    type(w, "never mind");
    screen_mgr_key(w->mgr, KEY_ESC, &w->ctx);
    stored(w, &v);
    assert_int_equal(((const struct store_alert *)stored_find(&v, "repo-rpo", "usb-ssd"))->acked_at,
                     0);
    vec_release(&v);
    render(w);
    assert_on_screen(&w->screen, "usb-ssd repo-rpo not acknowledged");
    assert_on_screen(&w->screen, "a: ack usb-ssd");
}

static void test_alerts_overlay(void **state)
{
    struct world *w = *state;
    int row;

    /* a second, critical alert: the cloud repo cannot be opened */
    {
        struct repo_view *cloud = w->app.repos.items[2];

        cloud->state = REPO_ERROR;
        cloud->error.code = LB_EAUTH;
        snprintf(cloud->error.msg, sizeof(cloud->error.msg),
                 "cannot open repo 'cloud': wrong password (check password_command of [repo "
                 "cloud])");
    }
    refreshed(w);
    size_to(60, 200);
    render(w);
    harness_assert_fits(&w->screen, 200, 60);
    assert_on_screen(&w->screen, "alerts \u00b7 2 open");
    /* the critical one comes first and is the one `a` takes */
    assert_on_screen(&w->screen, "a: ack cloud");

    screen_mgr_key(w->mgr, 'A', &w->ctx);
    render(w);
    harness_assert_fits(&w->screen, 200, 60);
    assert_on_screen(&w->screen, "2 open \u00b7 0 acknowledged");
    row = harness_find(&w->screen, "repo-error");
    assert_true(row > 0);
    assert_non_null(strstr(w->screen.lines[row], "fired"));
    assert_true(harness_find(&w->screen, "repo-rpo") > row); /* warn after crit */
    /* the selected alert whole, with what to do */
    assert_on_screen(&w->screen, "critical cloud \u00b7 repo-error since");
    assert_on_screen(&w->screen, "check password_command of [repo cloud]");

    /* select the second and acknowledge it from the overlay */
    screen_mgr_key(w->mgr, 'j', &w->ctx);
    screen_mgr_key(w->mgr, 'a', &w->ctx);
    render(w);
    assert_non_null(strstr(w->screen.lines[58], "ack usb-ssd repo-rpo; note:"));
    type(w, "known");
    screen_mgr_key(w->mgr, '\n', &w->ctx);
    render(w);
    assert_on_screen(&w->screen, "1 open \u00b7 1 acknowledged");
    row = harness_find(&w->screen, "usb-ssd           repo-rpo");
    assert_true(row > 0);
    assert_non_null(strstr(w->screen.lines[row], "acknowledged"));
    /* the list keeps the unacknowledged first: the selection follows to the acked one */
    assert_on_screen(&w->screen, "acknowledged");

    /* Esc closes the overlay; the panel still there */
    screen_mgr_key(w->mgr, KEY_ESC, &w->ctx);
    render(w);
    assert_not_on_screen(&w->screen, "j/k move");
    assert_on_screen(&w->screen, "a: ack cloud");

    /* and at 80x24 the overlay fits */
    size_to(24, 80);
    screen_mgr_key(w->mgr, 'A', &w->ctx);
    render(w);
    harness_assert_fits(&w->screen, 80, 24);
    assert_on_screen(&w->screen, "repo-error");
    assert_on_screen(&w->screen, "Esc closes");
}

static void test_resolved_leaves_the_panel(void **state)
{
    struct world *w = *state;
    struct repo_view *usb = w->app.repos.items[1];

    refreshed(w);
    render(w);
    assert_on_screen(&w->screen, "a: ack usb-ssd");
    /* the job ran: the rule clears, and after the damping evaluations it resolves */
    usb->newest = w->ctx.now - HOUR;
    for (int i = 0; i < 3; i++) {
        w->ctx.now += 60;
        refreshed(w);
    }
    render(w);
    assert_not_on_screen(&w->screen, "a: ack");
    assert_on_screen(&w->screen, "no open alert");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_stale_repo_alert_is_listed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ack_with_note, setup, teardown),
        cmocka_unit_test_setup_teardown(test_escape_leaves_it_open, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alerts_overlay, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resolved_leaves_the_panel, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
