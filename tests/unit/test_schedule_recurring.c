/*
 * Unit tests for the recurring overlaps of backend/schedule: the same two
 * jobs at the same local time on several days make one group (PBS's GC,
 * verify and prune all "daily" on one datastore: three groups of seven days,
 * not 21 lines), an overlap of one day stays its own, a few days are named,
 * and a DST change day groups by the local time the operator reads.
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

#include "backend/base/xalloc.h"
#include "backend/calendar.h"
#include "backend/schedule.h"
#include "tests/unit/sched_fixture.h"

static size_t add(struct schedule *s, const char *name, const char *cal, int64_t dur,
                  const char *const *touches)
{
    return sched_fx_add(s, SCHED_PBS, name, cal, dur, touches);
}

/* The group of jobs a and b starting at local HH:MM from_min, or NULL. */
static struct sched_recurring *group(const struct schedule *s, size_t a, size_t b, int from_min)
{
    size_t i;
    struct sched_recurring *g;

    vec_foreach(&s->recurring, i, g) {
        if (g->a == a && g->b == b && g->from_min == from_min)
            return g;
    }
    return NULL;
}

static void test_daily_jobs_one_group_each(void **state)
{
    static const char *const ds[] = { "usb-ssd", NULL };
    struct schedule s;
    struct sched_recurring *g;
    char buf[128];
    size_t gc, verify, prune;

    (void)state;
    set_tz("UTC");
    schedule_init(&s, 60, 360);
    gc = add(&s, "gc usb-ssd", "*-*-* 00:00", 98, ds);
    verify = add(&s, "verify v-3f2a", "*-*-* 00:00", 60, ds);
    prune = add(&s, "prune default", "*-*-* 00:00", 60, ds);
    schedule_compute(&s, at("2026-11-26 14:00")); /* Thursday */
    /* the overlaps themselves stay one per day and pair */
    assert_int_equal(s.overlaps.len, 21);
    assert_int_equal(s.recurring.len, 3);
    assert_int_equal(s.recurring_seen, 21);
    g = group(&s, gc, verify, 0);
    assert_non_null(g);
    assert_int_equal(g->to_min, 1);
    assert_int_equal(g->count, 7);
    assert_int_equal(g->ndays, 7);
    assert_int_equal(g->days, 0x7f);
    assert_int_equal(g->weekdays, 0x7f);
    assert_false(g->in_quiet);
    assert_string_equal(g->shared, "usb-ssd");
    assert_int_equal(g->first, at("2026-11-26 00:00"));
    assert_int_equal(g->first_to, at("2026-11-26 00:01"));
    assert_string_equal(schedule_recurring_days(&s, g, true, buf, sizeof(buf)), "every day");
    assert_non_null(group(&s, gc, prune, 0));
    assert_non_null(group(&s, verify, prune, 0));
    assert_int_equal(group(&s, verify, prune, 0)->ndays, 7);
    schedule_release(&s);
}

static void test_some_days_stay_apart(void **state)
{
    static const char *const local[] = { "local", NULL };
    struct schedule s;
    struct sched_recurring *g;
    char buf[128];
    size_t daily, sunday, weekend, workdays;

    (void)state;
    set_tz("UTC");
    schedule_init(&s, 60, 360);
    daily = add(&s, "daily", "*-*-* 03:00", 0, local); /* 03:00-03:30 */
    sunday = add(&s, "weekly", "Sun 03:15", 0, local); /* meets it on Sunday */
    weekend = add(&s, "weekend", "Sat,Sun 07:00", 600, NULL);
    workdays = add(&s, "workdays", "Mon..Fri 07:00", 600, NULL);
    add(&s, "morning", "*-*-* 07:05", 60, NULL);
    schedule_compute(&s, at("2026-11-26 14:00")); /* Thursday */

    g = group(&s, daily, sunday, 3 * 60 + 15);
    assert_non_null(g);
    assert_int_equal(g->ndays, 1);
    assert_int_equal(g->count, 1);
    assert_int_equal(g->to_min, 3 * 60 + 30);
    assert_true(g->in_quiet);
    assert_string_equal(g->shared, "local");
    assert_int_equal(g->weekdays, 1u << 0); /* Sunday */
    assert_string_equal(schedule_recurring_days(&s, g, true, buf, sizeof(buf)), "Sun 2026-11-29");
    /* Saturday and Sunday, in the window's order */
    g = group(&s, weekend, weekend + 2, 7 * 60 + 5);
    assert_non_null(g);
    assert_int_equal(g->ndays, 2);
    assert_false(g->in_quiet);
    assert_string_equal(g->shared, "");
    assert_string_equal(schedule_recurring_days(&s, g, false, buf, sizeof(buf)), "Sat, Sun");
    /* five days of seven: the two missing ones named */
    g = group(&s, workdays, workdays + 1, 7 * 60 + 5);
    assert_non_null(g);
    assert_int_equal(g->ndays, 5);
    assert_string_equal(schedule_recurring_days(&s, g, false, buf, sizeof(buf)),
                        "every day but Sat, Sun");
    assert_int_equal(s.recurring.len, 3);
    assert_int_equal(s.recurring_seen, s.overlaps.len);
    /* a short buffer is cut, never overrun */
    assert_string_equal(schedule_recurring_days(&s, g, false, buf, 10), "every day");
    schedule_release(&s);
}

/*
 * Runs across midnight: the window (today 00:00 to a week later) cuts the
 * tail of yesterday's 23:30 overlap at its start and the last night's at its
 * end; both are parts of the one "every day 23:30-00:30", not lines of their own.
 */
static void test_across_midnight_at_the_window_edges(void **state)
{
    struct schedule s;
    struct sched_recurring *g;
    struct sched_overlap *first, *last;
    char buf[128];
    size_t a;

    (void)state;
    set_tz("UTC");
    schedule_init(&s, 60, 360);
    a = add(&s, "late", "*-*-* 23:30", 3600, NULL);
    add(&s, "later", "*-*-* 23:30", 3600, NULL);
    schedule_compute(&s, at("2026-11-26 14:00"));
    /* the overlaps themselves: the cut tail, six whole nights, the cut last one */
    assert_int_equal(s.overlaps.len, 8);
    first = vec_get(&s.overlaps, 0);
    last = vec_get(&s.overlaps, 7);
    assert_int_equal(first->from, at("2026-11-26 00:00"));
    assert_int_equal(first->to, at("2026-11-26 00:30"));
    assert_true(first->cut_from);
    assert_false(first->cut_to);
    assert_int_equal(last->from, at("2026-12-02 23:30"));
    assert_int_equal(last->to, at("2026-12-03 00:00"));
    assert_true(last->cut_to);
    assert_false(((struct sched_overlap *)vec_get(&s.overlaps, 3))->cut_from);
    /* grouped: one line */
    assert_int_equal(s.recurring.len, 1);
    g = vec_get(&s.recurring, 0);
    assert_int_equal(g->a, a);
    assert_int_equal(g->from_min, 23 * 60 + 30);
    assert_int_equal(g->to_min, 30);
    assert_false(g->in_quiet);
    assert_int_equal(g->ndays, 7);
    assert_int_equal(g->count, 8);
    assert_int_equal(s.recurring_seen, 8);
    assert_int_equal(g->first, at("2026-11-26 23:30"));
    assert_int_equal(g->first_to, at("2026-11-27 00:30"));
    assert_string_equal(schedule_recurring_days(&s, g, true, buf, sizeof(buf)), "every day");
    schedule_release(&s);
}

/*
 * Europe/Berlin, the week of 2027-03-28 (02:00 -> 03:00). Grouped by the
 * local time the operator reads: the daily 00:00 jobs keep their 00:00 on
 * the short day and stay one group of seven; a run of an hour from 01:30
 * ends at 03:30 local that day, so that day's overlap is its own line at its
 * real time and the others say "every day but Sun".
 */
static void test_dst_day(void **state)
{
    static const char *const ds[] = { "usb-ssd", NULL };
    struct schedule s;
    struct sched_recurring *g;
    char buf[128];
    size_t gc, a;

    (void)state;
    set_tz("Europe/Berlin");
    schedule_init(&s, 60, 360);
    gc = add(&s, "gc usb-ssd", "*-*-* 00:00", 98, ds);
    add(&s, "verify v-3f2a", "*-*-* 00:00", 60, ds);
    a = add(&s, "nightly", "*-*-* 01:30", 3600, NULL);
    add(&s, "vzdump", "*-*-* 01:30", 3600, NULL);
    schedule_compute(&s, at("2027-03-25 14:00")); /* Thursday */

    g = group(&s, gc, gc + 1, 0);
    assert_non_null(g);
    assert_int_equal(g->ndays, 7);
    assert_int_equal(g->to_min, 1);
    assert_string_equal(schedule_recurring_days(&s, g, false, buf, sizeof(buf)), "every day");

    g = group(&s, a, a + 1, 90);
    assert_non_null(g);
    assert_int_equal(s.recurring.len, 3);
    assert_int_equal(s.overlaps.len, 14);
    /* two groups of the same pair at 01:30: 01:30-02:30 on six days, 01:30-03:30 on Sunday */
    {
        struct sched_recurring *six = NULL, *sun = NULL, *c;
        size_t i;

        vec_foreach(&s.recurring, i, c) {
            if (c->a != a)
                continue;
            if (c->to_min == 2 * 60 + 30)
                six = c;
            else if (c->to_min == 3 * 60 + 30)
                sun = c;
        }
        assert_non_null(six);
        assert_non_null(sun);
        assert_int_equal(six->ndays, 6);
        assert_string_equal(schedule_recurring_days(&s, six, false, buf, sizeof(buf)),
                            "every day but Sun");
        assert_int_equal(sun->ndays, 1);
        assert_int_equal(sun->first, at("2027-03-28 01:30"));
        assert_int_equal(sun->first_to - sun->first, 3600);
        assert_string_equal(schedule_recurring_days(&s, sun, true, buf, sizeof(buf)),
                            "Sun 2027-03-28");
    }
    schedule_release(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_daily_jobs_one_group_each),
        cmocka_unit_test(test_some_days_stay_apart),
        cmocka_unit_test(test_across_midnight_at_the_window_edges),
        cmocka_unit_test(test_dst_day),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
