/*
 * The Schedule screen drawn without a person: a config with jobs and a quiet
 * window, curses writing to /dev/null, the screen read back with the dump.
 * What the operator sees at 80x24 and 200x60: the jobs, their next runs, the
 * week strip with the quiet window and the overlap said in words.
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
#include "backend/schedule.h"
#include "tui/crt.h"
#include "tui/glyph.h"
#include "tui/provide_curses.h"
#include "tui/scr_schedule.h"
#include "tui/screen.h"
#include "tui/theme.h"

#include "tests/unit/tui_harness.h"

struct world {
    struct config cfg;
    struct app app;
    struct screen_mgr *mgr;
    struct screen_ctx ctx;
    struct harness_term term;
    char dump[256];
    struct screen_text screen;
};

static time_t at(const char *s)
{
    struct tm tm = { 0 };

    assert_non_null(strptime(s, "%Y-%m-%d %H:%M", &tm));
    tm.tm_isdst = -1;
    return mktime(&tm);
}

static struct job_cfg *job(const char *name, const char *schedule, const char *repo)
{
    struct job_cfg *j = xcalloc(1, sizeof(*j));

    j->name = xstrdup(name);
    j->schedule = xstrdup(schedule);
    vec_init(&j->repos, free);
    vec_push(&j->repos, xstrdup(repo));
    return j;
}

static void free_job(void *p)
{
    struct job_cfg *j = p;

    free(j->name);
    free(j->schedule);
    vec_release(&j->repos);
    free(j);
}

static int setup(void **state)
{
    struct world *w = xcalloc(1, sizeof(*w));

    setenv("TZ", "UTC", 1);
    tzset();
    if (!setlocale(LC_CTYPE, "C.UTF-8"))
        return -1;
    if (harness_term_open(&w->term, 24, 80) < 0)
        return -1;
    snprintf(w->dump, sizeof(w->dump), "%s/lifeboat-sched-%d.txt",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());
    w->cfg.console.quiet_from = 60;
    w->cfg.console.quiet_to = 360;
    vec_init(&w->cfg.jobs, free_job);
    /* both use usb-ssd; nightly runs 03:00 for the assumed 30 min, verify at 03:15 */
    vec_push(&w->cfg.jobs, job("nightly", "*-*-* 03:00", "usb-ssd"));
    vec_push(&w->cfg.jobs, job("verify", "Sun 03:15", "usb-ssd"));
    vec_push(&w->cfg.jobs, job("noon", "*-*-* 12:00", "os-ssd"));
    w->app.cfg = &w->cfg;
    w->mgr = screen_mgr_new(&w->app, "testhost", NULL, NULL);
    w->ctx = (struct screen_ctx){ &w->app, at("2026-11-26 14:00"), 1000 };
    assert_true(screen_mgr_switch(w->mgr, 2));
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    struct world *w = *state;

    screen_mgr_free(w->mgr);
    harness_term_close(&w->term);
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

/* The strip row of a day label ("Sun 29"): the text after the label. */
static const char *strip_row(const struct world *w, const char *label)
{
    int row = harness_find(&w->screen, label);

    assert_true(row >= 0);
    return strstr(w->screen.lines[row], label) + strlen(label);
}

static void test_schedule_80x24(void **state)
{
    struct world *w = *state;
    const char *sun, *thu;
    int row;

    render(w);
    harness_assert_fits(&w->screen, 80, 24);
    assert_on_screen(&w->screen, "2 Schedule");
    row = harness_find(&w->screen, "nightly");
    assert_true(row > 0);
    assert_non_null(strstr(w->screen.lines[row], "*-*-* 03:00"));
    assert_non_null(strstr(w->screen.lines[row], "tomorrow 03:00"));
    assert_non_null(strstr(w->screen.lines[row], "never ran"));
    assert_on_screen(&w->screen, "Sun 03:15");
    /* the week: today first, seven days, the quiet window shaded */
    assert_on_screen(&w->screen, "quiet 01:00-06:00");
    thu = strip_row(w, "Thu 26");
    sun = strip_row(w, "Sun 29");
    assert_non_null(strstr(thu, "\u2591"));
    /* 30-minute cells: 03:00 nightly, 03:15-03:45 verify overlaps it on Sunday */
    assert_non_null(strstr(sun, "!"));
    assert_null(strstr(thu, "!"));
    assert_non_null(strstr(thu, "n"));
    /* the one day it happens on: the weekday, not "every day" */
    assert_on_screen(&w->screen,
                     "\u25b2 Sun 03:15-03:30  nightly overlaps verify: both use usb-ssd");
    /* the noon job runs outside the quiet window, and says so */
    assert_on_screen(&w->screen, "noon runs outside the quiet window 01:00-06:00");
}

static void test_schedule_200x60_and_keys(void **state)
{
    struct world *w = *state;
    int row;

    resize_term(60, 200);
    render(w);
    harness_assert_fits(&w->screen, 200, 60);
    /* room for every hour on the ruler and the later runs */
    assert_on_screen(&w->screen, "00    01    02");
    assert_on_screen(&w->screen, "Sun 03:15-03:30  nightly overlaps verify: both use usb-ssd, the "
                                 "second waits for the lock");
    assert_on_screen(&w->screen, "noon runs outside the quiet window 01:00-06:00");
    row = harness_find(&w->screen, "verify");
    assert_non_null(strstr(w->screen.lines[row], "2026-12-06 03:15"));
    /* j selects the next job: its detail is spelt out under the strip */
    screen_mgr_key(w->mgr, 'j', &w->ctx);
    render(w);
    assert_on_screen(&w->screen, "v verify: Sun 03:15");
    assert_on_screen(&w->screen, "runs 30m (assumed: no run seen)");
    resize_term(24, 80);
}

static void test_pure_helpers(void **state)
{
    struct schedule s;
    char letters[8], buf[64];
    struct sched_source_job a = { .name = "daily", .calendar = "daily", .last_outcome = -1 };
    struct sched_source_job b = { .name = "Daily copy", .calendar = "daily", .last_outcome = -1 };
    struct sched_source_job c = { .name = "42", .calendar = "daily", .last_outcome = -1 };

    (void)state;
    schedule_init(&s, -1, -1);
    schedule_add(&s, &a);
    schedule_add(&s, &b);
    schedule_add(&s, &c);
    sched_letters(&s, letters, sizeof(letters));
    assert_string_equal(letters, "dab"); /* unique: the next free letter of the name, else any */
    schedule_release(&s);
    assert_int_equal(sched_strip_per_hour(66), 2);
    assert_int_equal(sched_strip_per_hour(150), 6);
    assert_int_equal(sched_strip_per_hour(10), 1);
    sched_when_text(at("2026-11-26 22:00"), at("2026-11-26 14:00"), buf, sizeof(buf));
    assert_string_equal(buf, "today 22:00");
    sched_when_text(at("2026-11-29 04:30"), at("2026-11-26 14:00"), buf, sizeof(buf));
    assert_string_equal(buf, "Sun 04:30");
    sched_when_text(at("2026-12-06 04:30"), at("2026-11-26 14:00"), buf, sizeof(buf));
    assert_string_equal(buf, "2026-12-06 04:30");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_schedule_80x24, setup, teardown),
        cmocka_unit_test_setup_teardown(test_schedule_200x60_and_keys, setup, teardown),
        cmocka_unit_test(test_pure_helpers),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
