/*
 * The Retention screen drawn without a person: a real state database with
 * cached snapshots of two repos, curses writing to /dev/null, the screen read
 * back with the dump. At 80x24 and 200x60: the marks of the timeline, the
 * rules that keep each point and when it expires, the gap, and the what-if
 * editor changing a count live (nothing deleted).
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
#include "backend/base/xalloc.h"
#include "backend/config.h"
#include "backend/restic.h"
#include "backend/store.h"
#include "tui/crt.h"
#include "tui/glyph.h"
#include "tui/provide_curses.h"
#include "tui/scr_retention.h"
#include "tui/screen.h"
#include "tui/theme.h"

#include "tests/unit/tui_harness.h"

#define DAY 86400

struct world {
    struct config cfg;
    struct app app;
    struct screen_mgr *mgr;
    struct screen_ctx ctx;
    struct harness_term term;
    char dump[256];
    char db[256];
    struct screen_text screen;
};

static time_t at(const char *s)
{
    struct tm tm = { 0 };

    assert_non_null(strptime(s, "%Y-%m-%d %H:%M", &tm));
    tm.tm_isdst = -1;
    return mktime(&tm);
}

static struct repo_cfg *repo(const char *name, const char *url)
{
    struct repo_cfg *r = xcalloc(1, sizeof(*r));

    r->name = xstrdup(name);
    r->url = xstrdup(url);
    r->keep.daily = 5;
    r->keep.weekly = 3;
    r->keep.monthly = 2;
    return r;
}

static void free_repo(void *p)
{
    struct repo_cfg *r = p;

    free(r->name);
    free(r->url);
    free(r);
}

/* Cache daily 03:00 snapshots of the last `days` days up to `last` (skipping skip) for rv. */
static void cache(struct world *w, struct repo_view *rv, time_t last, int days, time_t skip)
{
    struct restic_repo_info info;
    struct lb_err err = { 0 };

    memset(&info, 0, sizeof(info));
    vec_init(&info.snapshots, restic_snapshot_free);
    vec_init(&info.locks, restic_lock_free);
    for (int d = days - 1; d >= 0; d--) {
        struct restic_snapshot *s = xcalloc(1, sizeof(*s));

        s->time = last - (time_t)d * DAY;
        if (s->time == skip) {
            free(s);
            continue;
        }
        snprintf(s->id, sizeof(s->id), "%08x%056d", (unsigned)s->time, 0);
        snprintf(s->short_id, sizeof(s->short_id), "%08x", (unsigned)s->time);
        s->hostname = xstrdup("docker-srv");
        vec_init(&s->paths, free);
        vec_push(&s->paths, xstrdup("/srv"));
        vec_init(&s->tags, free);
        vec_push(&info.snapshots, s);
    }
    info.stats_known = true;
    info.stats.total_size = 10ull << 30;
    assert_int_equal(store_put_repo_info(w->app.store, rv->cache_key, &info, last, &err), 0);
    restic_repo_info_release(&info);
}

static int setup(void **state)
{
    struct world *w = xcalloc(1, sizeof(*w));
    struct lb_err err = { 0 };
    struct job_cfg *job;
    struct repo_cfg *os, *cloud;
    struct repo_view *rv;

    setenv("TZ", "UTC", 1);
    tzset();
    if (!setlocale(LC_CTYPE, "C.UTF-8"))
        return -1;
    if (harness_term_open(&w->term, 24, 80) < 0)
        return -1;
    snprintf(w->dump, sizeof(w->dump), "%s/lifeboat-ret-%d.txt",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());
    snprintf(w->db, sizeof(w->db), "%s/lifeboat-ret-%d.db",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());
    unlink(w->db);
    w->app.store = store_open(w->db, &err);
    assert_non_null(w->app.store);

    os = repo("os-ssd", "/srv/restic/os");
    cloud = repo("cloud", "s3:https://s3.example/bucket");
    cloud->tier = TIER_OFFSITE;
    cloud->keep = (struct keep_policy){ .weekly = 4 };
    cloud->price_per_gib_month = 0.006;
    vec_init(&w->cfg.repos, free_repo);
    vec_push(&w->cfg.repos, os);
    vec_push(&w->cfg.repos, cloud);
    job = xcalloc(1, sizeof(*job));
    job->name = xstrdup("daily");
    job->schedule = xstrdup("*-*-* 03:00");
    vec_init(&job->repos, free);
    vec_push(&job->repos, xstrdup("os-ssd"));
    vec_push(&w->cfg.jobs, job);
    w->app.cfg = &w->cfg;
    vec_init(&w->app.repos, free);
    rv = xcalloc(1, sizeof(*rv));
    rv->cfg = os;
    rv->state = REPO_OK;
    rv->rpo = 26 * 3600;
    rv->newest = at("2026-11-26 03:00");
    restic_repo_key(os, rv->cache_key, sizeof(rv->cache_key));
    vec_push(&w->app.repos, rv);
    /* forty days, one missing inside the daily zone */
    cache(w, rv, at("2026-11-26 03:00"), 40, at("2026-11-24 03:00"));
    rv = xcalloc(1, sizeof(*rv));
    rv->cfg = cloud;
    rv->state = REPO_OK;
    rv->rpo = 8 * DAY;
    rv->newest = at("2026-11-22 03:00");
    restic_repo_key(cloud, rv->cache_key, sizeof(rv->cache_key));
    vec_push(&w->app.repos, rv);
    cache(w, rv, at("2026-11-22 03:00"), 28, 0);
    w->mgr = screen_mgr_new(&w->app, "testhost", NULL, NULL);
    w->ctx = (struct screen_ctx){ &w->app, at("2026-11-26 14:00"), 1000 };
    assert_true(screen_mgr_switch(w->mgr, 5));
    *state = w;
    return 0;
}

static void free_job(void *p)
{
    struct job_cfg *j = p;

    free(j->name);
    free(j->schedule);
    vec_release(&j->repos);
    free(j);
}

static int teardown(void **state)
{
    struct world *w = *state;

    screen_mgr_free(w->mgr);
    harness_term_close(&w->term);
    store_close(w->app.store);
    vec_release(&w->app.repos);
    w->cfg.jobs.free_item = free_job;
    vec_release(&w->cfg.jobs);
    vec_release(&w->cfg.repos);
    unlink(w->dump);
    unlink(w->db);
    free(w);
    setlocale(LC_CTYPE, "C");
    return 0;
}

static void render(struct world *w)
{
    harness_render(w->mgr, &w->ctx, w->dump, &w->screen);
}

/* The timeline row of a tier: the text after its name. */
static const char *marks_of(const struct world *w, const char *name)
{
    for (int i = 0; i < w->screen.nlines; i++) {
        const char *p = strstr(w->screen.lines[i], name);

        if (p && p < w->screen.lines[i] + 8 && strstr(w->screen.lines[i], "\u2502 "))
            return p + strlen(name);
    }
    harness_show(&w->screen);
    fail_msg("no timeline row for %s", name);
    return NULL;
}

static void test_retention_80x24(void **state)
{
    struct world *w = *state;
    const char *m;
    int row;

    render(w);
    harness_assert_fits(&w->screen, 80, 24);
    assert_on_screen(&w->screen, "5 Retention");
    assert_on_screen(&w->screen, "policy daily=5 weekly=3 monthly=2");
    assert_on_screen(&w->screen, "fed by daily");
    /* 39 points, the gap of the 24th said and marked */
    assert_on_screen(&w->screen, "39 points");
    assert_on_screen(&w->screen, "1 gap");
    m = marks_of(w, "os-ssd");
    assert_non_null(strstr(m, "D"));
    assert_non_null(strstr(m, "W"));
    assert_non_null(strstr(m, "M"));
    assert_non_null(strstr(m, "\u25b2"));
    assert_non_null(strstr(m, "\u2717")); /* points the policy removes at the next run */
    /* the newest point: every rule, until Dec 1 */
    row = harness_find(&w->screen, "2026-11-26 03:00");
    assert_true(row > 0);
    assert_non_null(strstr(w->screen.lines[row], "keep"));
    assert_non_null(strstr(w->screen.lines[row], "2026-12-01 (in 5d)"));
}

static void test_retention_200x60_tiers_and_whatif(void **state)
{
    struct world *w = *state;
    int row;

    resize_term(60, 200);
    render(w);
    harness_assert_fits(&w->screen, 200, 60);
    row = harness_find(&w->screen, "2026-11-26 03:00");
    assert_non_null(strstr(w->screen.lines[row], "daily \u00b7 weekly \u00b7 monthly"));
    row = harness_find(&w->screen, "2026-11-19 03:00");
    assert_non_null(strstr(w->screen.lines[row], "would go"));
    assert_non_null(strstr(w->screen.lines[row], "next run Fri 03:00"));
    /* l: the next tier, the cloud: weekly=4, nothing feeds it here, cost per month shown */
    screen_mgr_key(w->mgr, 'l', &w->ctx);
    render(w);
    assert_on_screen(&w->screen, "points of cloud");
    assert_on_screen(&w->screen, "policy weekly=4");
    assert_on_screen(&w->screen, "no job writes into it");
    assert_on_screen(&w->screen, "about $0.06/month");
    assert_on_screen(&w->screen, "not while nothing new arrives");
    /* back to os-ssd; e opens the what-if on daily; two fewer dailies: more would go */
    screen_mgr_key(w->mgr, 'h', &w->ctx);
    screen_mgr_key(w->mgr, 'e', &w->ctx);
    render(w);
    assert_on_screen(&w->screen, "what-if");
    assert_on_screen(&w->screen, "keep 7 \u00b7 would go 32");
    screen_mgr_key(w->mgr, '-', &w->ctx);
    screen_mgr_key(w->mgr, '-', &w->ctx);
    render(w);
    assert_on_screen(&w->screen, "keep 6 \u00b7 would go 33");
    assert_on_screen(&w->screen, "frees up to");
    row = harness_find(&w->screen, "2026-11-26 03:00");
    assert_non_null(strstr(w->screen.lines[row], "2026-11-29 (in 3d)"));
    /* Esc leaves the what-if: the configured policy again, nothing changed */
    screen_mgr_key(w->mgr, KEY_ESC, &w->ctx);
    render(w);
    assert_int_equal(harness_find(&w->screen, "would go 33"), -1);
    row = harness_find(&w->screen, "2026-11-26 03:00");
    assert_non_null(strstr(w->screen.lines[row], "2026-12-01 (in 5d)"));
    resize_term(24, 80);
}

static void test_axis(void **state)
{
    struct ret_label l[32];
    size_t n;
    time_t t0 = at("2026-09-01 00:00"), t1 = at("2026-11-26 00:00");

    (void)state;
    assert_int_equal(ret_axis_col(t0, t0, t1, 50), 0);
    assert_int_equal(ret_axis_col(t1, t0, t1, 50), 49);
    assert_int_equal(ret_axis_col(t0 - 1, t0, t1, 50), -1);
    /* 86 days: weeks, labels never touching */
    n = ret_axis_labels(t0, t1, 60, l, 32);
    assert_true(n >= 3);
    for (size_t i = 1; i < n; i++)
        assert_true(l[i].col > l[i - 1].col + (int)strlen(l[i - 1].text));
    /* a year: months, January says its year */
    n = ret_axis_labels(at("2025-11-01 00:00"), t1, 150, l, 32);
    assert_true(n >= 10);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(l[i].text, "2026"))
            return;
    fail_msg("no year label");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_retention_80x24, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retention_200x60_tiers_and_whatif, setup, teardown),
        cmocka_unit_test(test_axis),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
