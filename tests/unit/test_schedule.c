/*
 * Unit tests for backend/schedule (next runs, overlaps, the week strip, the
 * quiet window) and backend/retview (expiry by simulation, gaps, the what-if
 * estimates): the pure parts of the Schedule and Retention screens.
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

#include "backend/base/err.h"
#include "backend/base/xalloc.h"
#include "backend/calendar.h"
#include "backend/retview.h"
#include "backend/schedule.h"
#include "tests/unit/sched_fixture.h"

#define DAY 86400

static size_t add(struct schedule *s, const char *name, const char *cal, int64_t dur,
                  const char *const *touches)
{
    return sched_fx_add(s, SCHED_LIFEBOAT, name, cal, dur, touches);
}

/* ---- schedule ---- */

static void test_next_runs_and_bad_calendar(void **state)
{
    struct schedule s;
    struct sched_job *j;

    (void)state;
    set_tz("UTC");
    schedule_init(&s, 60, 360);
    add(&s, "daily", "*-*-* 03:00", 0, NULL);
    add(&s, "broken", "Mox 03:00", 0, NULL);
    schedule_compute(&s, at("2026-11-26 14:00"));
    j = vec_get(&s.jobs, 0);
    assert_int_equal(j->n_next, 3);
    assert_int_equal(j->next[0], at("2026-11-27 03:00"));
    assert_int_equal(j->next[2], at("2026-11-29 03:00"));
    assert_true(j->duration_estimated);
    assert_int_equal(j->duration, SCHED_DEFAULT_DURATION);
    assert_false(j->outside_quiet);
    j = vec_get(&s.jobs, 1);
    assert_null(j->ev);
    assert_int_equal(j->n_next, 0);
    assert_non_null(strstr(j->error, "Mox"));
    schedule_release(&s);
}

static void test_overlap_shared_repo_in_quiet_window(void **state)
{
    const char *const t_daily[] = { "os-ssd", "usb-ssd", NULL };
    const char *const t_weekly[] = { "usb-ssd", "cloud", NULL };
    const char *const t_other[] = { "nas", NULL };
    struct schedule s;
    struct sched_overlap *o;

    (void)state;
    set_tz("UTC");
    schedule_init(&s, 60, 360);
    add(&s, "daily", "*-*-* 03:00", 2 * 3600, t_daily); /* 03:00-05:00 */
    add(&s, "weekly", "Sun 04:30", 1800, t_weekly);     /* Sunday 04:30-05:00 */
    add(&s, "late", "*-*-* 05:00", 600, t_other);       /* starts as they end: no overlap */
    schedule_compute(&s, at("2026-11-26 14:00"));       /* a Thursday */
    assert_int_equal(s.overlaps.len, 1);
    o = vec_get(&s.overlaps, 0);
    assert_int_equal(o->a, 0);
    assert_int_equal(o->b, 1);
    assert_int_equal(o->from, at("2026-11-29 04:30"));
    assert_int_equal(o->to, at("2026-11-29 05:00"));
    assert_true(o->in_quiet);
    assert_string_equal(o->shared, "usb-ssd");
    schedule_release(&s);
}

static void test_outside_quiet_window_wrapping(void **state)
{
    struct schedule s;

    (void)state;
    set_tz("UTC");
    assert_true(schedule_in_quiet(22 * 60, 2 * 60, 23 * 60));
    assert_true(schedule_in_quiet(22 * 60, 2 * 60, 60));
    assert_false(schedule_in_quiet(22 * 60, 2 * 60, 2 * 60));
    assert_false(schedule_in_quiet(-1, -1, 60));
    schedule_init(&s, 22 * 60, 2 * 60);
    add(&s, "night", "*-*-* 23:30", 0, NULL);
    add(&s, "noon", "*-*-* 12:00", 0, NULL);
    schedule_compute(&s, at("2026-11-26 14:00"));
    assert_false(((struct sched_job *)vec_get(&s.jobs, 0))->outside_quiet);
    assert_true(((struct sched_job *)vec_get(&s.jobs, 1))->outside_quiet);
    schedule_release(&s);
}

static void test_strip_cells(void **state)
{
    struct schedule s;
    struct sched_cell *cells = xcalloc(7 * 24 * 4, sizeof(*cells));
    size_t n;

    (void)state;
    set_tz("UTC");
    schedule_init(&s, 60, 360);
    add(&s, "daily", "*-*-* 03:00", 2 * 3600, NULL);
    add(&s, "weekly", "Sun 04:30", 3600, NULL);
    schedule_compute(&s, at("2026-11-26 14:00"));
    assert_int_equal(s.from, at("2026-11-26 00:00"));
    n = schedule_strip(&s, s.from, 7, 4, cells);
    assert_int_equal(n, 7 * 24 * 4);
    /* day 0, 03:00-05:00 is daily: cells 12..19 */
    assert_int_equal(cells[11].jobs, 0);
    assert_int_equal(cells[12].jobs, 1);
    assert_int_equal(cells[19].jobs, 1);
    assert_int_equal(cells[20].jobs, 0);
    /* quiet 01:00-06:00 shaded, the rest not */
    assert_false(cells[3].quiet);
    assert_true(cells[4].quiet);
    assert_true(cells[23].quiet);
    assert_false(cells[24].quiet);
    /* past: the morning of day 0 is over at 14:00, the evening is not */
    assert_true(cells[12].past);
    assert_false(cells[60].past);
    /* Sunday (day 3): 04:30-05:00 both run -> overlap; 05:00-05:30 weekly alone */
    {
        size_t sun = 3 * 96;

        assert_int_equal(cells[sun + 18].jobs, 3);
        assert_true(cells[sun + 18].overlap);
        assert_true(cells[sun + 19].overlap);
        assert_int_equal(cells[sun + 20].jobs, 2);
        assert_false(cells[sun + 20].overlap);
        assert_false(cells[sun + 12].overlap); /* 03:00 daily alone */
    }
    schedule_release(&s);
    free(cells);
}

static void test_strip_over_dst(void **state)
{
    struct schedule s;
    struct sched_cell *cells = xcalloc(7 * 24, sizeof(*cells));
    size_t n;

    (void)state;
    set_tz("Europe/Berlin");
    schedule_init(&s, 60, 360);
    add(&s, "daily", "*-*-* 03:00", 600, NULL);
    schedule_compute(&s, at("2026-03-28 12:00")); /* the 29th springs forward at 02:00 */
    n = schedule_strip(&s, s.from, 7, 1, cells);
    assert_int_equal(n, 7 * 24);
    /* day 1 (the 29th): 02:00 does not exist (an empty cell), 03:00 runs */
    assert_int_equal(cells[24 + 2].start, cells[24 + 2].end);
    assert_int_equal(cells[24 + 3].jobs, 1);
    assert_int_equal(cells[24 + 3].start, at("2026-03-29 03:00"));
    for (size_t i = 0; i < n; i++)
        assert_true(cells[i].end >= cells[i].start);
    schedule_release(&s);
    free(cells);
    set_tz("UTC");
}

/* ---- retention view ---- */

static struct cal_event *ev(const char *expr)
{
    struct lb_err err = { 0 };
    struct cal_event *e = cal_parse(expr, CAL_SYSTEMD, &err);

    assert_non_null(e);
    return e;
}

/* Daily points at 03:00 from first to last day (as "YYYY-MM-DD"), skipping the listed days. */
static size_t dailies(struct retview_in *out, size_t max, const char *first, int days,
                      const char *const *skip)
{
    char day[32];
    time_t t0;
    size_t n = 0;

    snprintf(day, sizeof(day), "%s 03:00", first);
    t0 = at(day);
    for (int d = 0; d < days && n < max; d++) {
        time_t t = t0 + (time_t)d * DAY;
        struct tm tm;
        char ymd[16];
        bool skipped = false;

        gmtime_r(&t, &tm);
        strftime(ymd, sizeof(ymd), "%Y-%m-%d", &tm);
        for (const char *const *s = skip; s && *s; s++)
            skipped |= !strcmp(*s, ymd);
        if (skipped)
            continue;
        memset(&out[n], 0, sizeof(out[n]));
        snprintf(out[n].id, sizeof(out[n].id), "%08x", (unsigned)d);
        out[n].time = t;
        n++;
    }
    return n;
}

static const struct retview_point *point_at(const struct retview *rv, const char *when)
{
    time_t t = at(when);

    for (size_t i = 0; i < rv->n; i++)
        if (rv->pts[i].time == t)
            return &rv->pts[i];
    fail_msg("no point at %s", when);
    return NULL;
}

static void policy_5_3_2(struct retention_policy *p)
{
    memset(p, 0, sizeof(*p));
    p->restic_version = RETENTION_RESTIC_VERSION(0, 14);
    p->keep[RET_DAILY] = 5;
    p->keep[RET_WEEKLY] = 3;
    p->keep[RET_MONTHLY] = 2;
}

static void test_expiry_follows_the_daily_schedule(void **state)
{
    struct retview_in in[64];
    size_t n;
    struct retention_policy p;
    struct cal_event *daily = ev("*-*-* 03:00");
    struct retview_feed feed = { daily, NULL };
    struct retview rv;
    struct lb_err err = { 0 };
    const struct retview_point *pt;

    (void)state;
    set_tz("UTC");
    policy_5_3_2(&p);
    /* every day from Oct 18 to Thu Nov 26 (as the demo lab), now Thursday afternoon */
    n = dailies(in, 64, "2026-10-18", 40, NULL);
    assert_int_equal(
        retview_build(&rv, RETENTION_RESTIC, &p, in, n, &feed, 1, at("2026-11-26 14:00"), &err), 0);
    assert_int_equal(rv.next_forget, at("2026-11-27 03:00"));
    assert_int_equal(rv.n_gaps, 0);
    /* newest: daily, weekly, monthly; out of every rule once Dec 1 is the 5th newer daily */
    pt = point_at(&rv, "2026-11-26 03:00");
    assert_true(pt->keep);
    assert_true(pt->reasons & RETR_DAILY);
    assert_true(pt->reasons & RETR_WEEKLY);
    assert_true(pt->reasons & RETR_MONTHLY);
    assert_int_equal(pt->exp, RV_EXPIRES);
    assert_int_equal(pt->expires, at("2026-12-01 03:00"));
    /* Sunday the 22nd: newest of its ISO week, kept weekly until a 4th week starts Mon Dec 7 */
    pt = point_at(&rv, "2026-11-22 03:00");
    assert_int_equal(pt->expires, at("2026-12-07 03:00"));
    /* Oct 31: October's monthly, until December's first point */
    pt = point_at(&rv, "2026-10-31 03:00");
    assert_true(pt->reasons & RETR_MONTHLY);
    assert_int_equal(pt->expires, at("2026-12-01 03:00"));
    /* Mon Nov 23: a plain daily, out once five newer dailies exist (24th to 28th) */
    pt = point_at(&rv, "2026-11-23 03:00");
    assert_int_equal(pt->reasons, RETR_DAILY);
    assert_int_equal(pt->expires, at("2026-11-28 03:00"));
    /* something the policy removes now goes at the next run */
    pt = point_at(&rv, "2026-11-19 03:00");
    assert_false(pt->keep);
    assert_int_equal(pt->exp, RV_NEXT_RUN);
    assert_int_equal(pt->expires, at("2026-11-27 03:00"));
    retview_release(&rv);

    /* with no job feeding the tier, the counts keep what they keep */
    assert_int_equal(
        retview_build(&rv, RETENTION_RESTIC, &p, in, n, NULL, 0, at("2026-11-26 14:00"), &err), 0);
    assert_false(rv.has_feed);
    assert_int_equal(point_at(&rv, "2026-11-26 03:00")->exp, RV_NO_NEW);
    assert_int_equal(rv.n_gaps, 0);
    retview_release(&rv);
    cal_free(daily);
}

static void test_unlimited_is_bounded(void **state)
{
    struct retview_in in[8];
    size_t n;
    struct retention_policy p;
    struct cal_event *hourly = ev("hourly");
    struct retview_feed feed = { hourly, NULL };
    struct retview rv;
    struct lb_err err = { 0 };

    (void)state;
    set_tz("UTC");
    memset(&p, 0, sizeof(p));
    p.restic_version = RETENTION_RESTIC_VERSION(0, 16);
    p.keep[RET_LAST] = RETENTION_UNLIMITED;
    n = dailies(in, 8, "2026-11-20", 5, NULL);
    assert_int_equal(
        retview_build(&rv, RETENTION_RESTIC, &p, in, n, &feed, 1, at("2026-11-26 14:00"), &err), 0);
    for (size_t i = 0; i < rv.n; i++) {
        assert_true(rv.pts[i].keep);
        assert_int_equal(rv.pts[i].exp, RV_KEPT_BEYOND);
        assert_true(rv.pts[i].expires > at("2026-11-27 00:00"));
    }
    retview_release(&rv);
    cal_free(hourly);
}

static void test_gaps(void **state)
{
    /* Nov 24 missing: inside the daily zone, a gap. Nov 10 missing: a Tuesday whose ISO week
     * already has its weekly point (Sun Nov 15), not a gap. */
    const char *const skip[] = { "2026-11-24", "2026-11-10", NULL };
    struct retview_in in[64];
    size_t n;
    struct retention_policy p;
    struct cal_event *daily = ev("*-*-* 03:00");
    struct retview_feed feed = { daily, NULL };
    struct retview rv;
    struct lb_err err = { 0 };

    (void)state;
    set_tz("UTC");
    policy_5_3_2(&p);
    n = dailies(in, 64, "2026-10-18", 40, skip);
    assert_int_equal(
        retview_build(&rv, RETENTION_RESTIC, &p, in, n, &feed, 1, at("2026-11-26 14:00"), &err), 0);
    assert_int_equal(rv.n_gaps, 1);
    assert_int_equal(rv.gaps[0], at("2026-11-24 03:00"));
    retview_release(&rv);

    /* tonight's run is not a gap before it had time to happen (grace), last night's is */
    n = dailies(in, 64, "2026-10-18", 39, NULL); /* up to Nov 25 */
    assert_int_equal(
        retview_build(&rv, RETENTION_RESTIC, &p, in, n, &feed, 1, at("2026-11-26 04:00"), &err), 0);
    assert_int_equal(rv.n_gaps, 0);
    retview_release(&rv);
    assert_int_equal(
        retview_build(&rv, RETENTION_RESTIC, &p, in, n, &feed, 1, at("2026-11-26 14:00"), &err), 0);
    assert_int_equal(rv.n_gaps, 1);
    assert_int_equal(rv.gaps[0], at("2026-11-26 03:00"));
    retview_release(&rv);
    cal_free(daily);
}

static void test_copy_target_weekly(void **state)
{
    /* the cloud keeps weekly=4 of snapshots made daily and copied on Sundays 04:30 */
    struct retview_in in[64];
    size_t n;
    struct retention_policy p;
    struct cal_event *daily = ev("*-*-* 03:00"), *weekly = ev("Sun 04:30");
    struct retview_feed feed = { daily, weekly };
    struct retview rv;
    struct lb_err err = { 0 };
    const struct retview_point *pt;

    (void)state;
    set_tz("UTC");
    memset(&p, 0, sizeof(p));
    p.restic_version = RETENTION_RESTIC_VERSION(0, 14);
    p.keep[RET_WEEKLY] = 4;
    /* copied up to Sunday Nov 22; now Thursday Nov 26 */
    n = dailies(in, 64, "2026-10-26", 28, NULL);
    assert_int_equal(
        retview_build(&rv, RETENTION_RESTIC, &p, in, n, &feed, 1, at("2026-11-26 14:00"), &err), 0);
    assert_int_equal(rv.next_forget, at("2026-11-29 04:30"));
    assert_int_equal(rv.n_gaps, 0);
    /* the oldest weekly kept (Sun Nov 1) goes when the week of Nov 23 arrives on Sunday 29 */
    pt = point_at(&rv, "2026-11-01 03:00");
    assert_true(pt->keep);
    assert_int_equal(pt->expires, at("2026-11-29 04:30"));
    /* Nov 22 stays 4 more weeks: it goes with the copy of Dec 20 */
    pt = point_at(&rv, "2026-11-22 03:00");
    assert_int_equal(pt->expires, at("2026-12-20 04:30"));
    retview_release(&rv);
    cal_free(daily);
    cal_free(weekly);
}

static void test_estimates_and_words(void **state)
{
    char buf[128];

    (void)state;
    assert_int_equal(retview_freed_estimate(1000, 10, 0), 0);
    assert_int_equal(retview_freed_estimate(1000, 10, 3), 300);
    assert_int_equal(retview_freed_estimate(1000, 10, 10), 1000);
    assert_int_equal(retview_freed_estimate(1000, 0, 0), 0);
    assert_true(retview_cost(182ull << 30, 0.006) > 1.091 &&
                retview_cost(182ull << 30, 0.006) < 1.093);
    retview_reason_names(RETR_DAILY | RETR_WEEKLY, " + ", buf, sizeof(buf));
    assert_string_equal(buf, "daily + weekly");
    assert_int_equal(retview_reason_letter(RETR_DAILY | RETR_MONTHLY), 'M');
    assert_int_equal(retview_reason_letter(RETR_LAST), 'L');
    assert_int_equal(retview_reason_letter(0), ' ');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_next_runs_and_bad_calendar),
        cmocka_unit_test(test_overlap_shared_repo_in_quiet_window),
        cmocka_unit_test(test_outside_quiet_window_wrapping),
        cmocka_unit_test(test_strip_cells),
        cmocka_unit_test(test_strip_over_dst),
        cmocka_unit_test(test_expiry_follows_the_daily_schedule),
        cmocka_unit_test(test_unlimited_is_bounded),
        cmocka_unit_test(test_gaps),
        cmocka_unit_test(test_copy_target_weekly),
        cmocka_unit_test(test_estimates_and_words),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
