/* Unit tests for backend/calendar: parsing in both dialects and next elapse, DST included. */
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
#include "backend/calendar.h"

static void set_tz(const char *tz)
{
    setenv("TZ", tz, 1);
    tzset();
}

/* "YYYY-MM-DD HH:MM:SS" in the current TZ <-> time_t */
static time_t local(const char *s)
{
    struct tm tm = { 0 };

    assert_non_null(strptime(s, "%Y-%m-%d %H:%M:%S", &tm));
    tm.tm_isdst = -1;
    return mktime(&tm);
}

static time_t utc(const char *s)
{
    struct tm tm = { 0 };

    assert_non_null(strptime(s, "%Y-%m-%d %H:%M:%S", &tm));
    return timegm(&tm);
}

static const char *fmt(time_t t, char *buf, size_t n)
{
    struct tm tm;

    localtime_r(&t, &tm);
    strftime(buf, n, "%Y-%m-%d %H:%M:%S %Z", &tm);
    return buf;
}

struct next_case {
    enum cal_dialect d;
    const char *tz;
    const char *expr;
    const char *from;    /* local time in tz */
    const char *want[6]; /* local times in tz with zone abbreviation, NULL-terminated */
};

static const struct next_case next_cases[] = {
    /* leap years and month ends */
    { CAL_SYSTEMD,
      "UTC",
      "*-02-29",
      "2026-01-01 00:00:00",
      { "2028-02-29 00:00:00 UTC", "2032-02-29 00:00:00 UTC", NULL } },
    { CAL_SYSTEMD,
      "UTC",
      "*-*-31 12:00",
      "2026-01-31 12:00:00",
      { "2026-03-31 12:00:00 UTC", "2026-05-31 12:00:00 UTC", "2026-07-31 12:00:00 UTC",
        "2026-08-31 12:00:00 UTC", NULL } },
    { CAL_SYSTEMD,
      "UTC",
      "*-*~1",
      "2028-01-31 00:00:00",
      { "2028-02-29 00:00:00 UTC", "2028-03-31 00:00:00 UTC", NULL } },
    { CAL_SYSTEMD,
      "UTC",
      "*-02~1..3",
      "2027-01-01 00:00:00",
      { "2027-02-26 00:00:00 UTC", "2027-02-27 00:00:00 UTC", "2027-02-28 00:00:00 UTC",
        "2028-02-27 00:00:00 UTC", NULL } },
    /* weekday and date must both match; ranges and full names */
    { CAL_SYSTEMD,
      "UTC",
      "Fri *-*-13",
      "2026-01-01 00:00:00",
      { "2026-02-13 00:00:00 UTC", "2026-03-13 00:00:00 UTC", "2026-11-13 00:00:00 UTC", NULL } },
    { CAL_SYSTEMD,
      "UTC",
      "Sat *-1..7 15:00",
      "2026-01-01 00:00:00",
      { "2026-01-03 15:00:00 UTC", "2026-02-07 15:00:00 UTC", NULL } },
    { CAL_SYSTEMD,
      "UTC",
      "saturday,Sunday 2026-01..02-* 9:00",
      "2026-01-30 00:00:00",
      { "2026-01-31 09:00:00 UTC", "2026-02-01 09:00:00 UTC", "2026-02-07 09:00:00 UTC", NULL } },
    /* repetitions */
    { CAL_SYSTEMD,
      "UTC",
      "*:0/20",
      "2026-01-01 23:30:00",
      { "2026-01-01 23:40:00 UTC", "2026-01-02 00:00:00 UTC", "2026-01-02 00:20:00 UTC", NULL } },
    { CAL_SYSTEMD,
      "UTC",
      "8..17/3:00",
      "2026-01-01 12:00:00",
      { "2026-01-01 14:00:00 UTC", "2026-01-01 17:00:00 UTC", "2026-01-02 08:00:00 UTC", NULL } },
    { CAL_SYSTEMD,
      "UTC",
      "*-*-1/10 00:00",
      "2026-02-25 00:00:00",
      { "2026-03-01 00:00:00 UTC", "2026-03-11 00:00:00 UTC", NULL } },
    /* systemd 252 quirk: minute 44+21 carries into the next day and 00:02 is skipped */
    { CAL_SYSTEMD,
      "UTC",
      "*:2/21",
      "2026-01-01 23:44:30",
      { "2026-01-02 00:23:00 UTC", "2026-01-02 00:44:00 UTC", "2026-01-02 01:02:00 UTC", NULL } },
    { CAL_SYSTEMD,
      "UTC",
      "quarterly",
      "2026-02-01 00:00:00",
      { "2026-04-01 00:00:00 UTC", "2026-07-01 00:00:00 UTC", NULL } },
    { CAL_SYSTEMD, "UTC", "2026-12-31 23:59:59", "2026-12-31 23:59:59", { NULL } },
    /* DST, Europe/Berlin: 02:30 does not exist on 2026-03-29 */
    { CAL_SYSTEMD,
      "Europe/Berlin",
      "*-*-* 02:30",
      "2026-03-28 13:00:00",
      { "2026-03-30 02:30:00 CEST", "2026-03-31 02:30:00 CEST", NULL } },
    { CAL_SYSTEMD,
      "Europe/Berlin",
      "*:30",
      "2026-03-29 01:10:00",
      { "2026-03-29 01:30:00 CET", "2026-03-29 03:30:00 CEST", NULL } },
    /* fall back: 02:30 happens twice on 2026-10-25, only the first counts */
    { CAL_SYSTEMD,
      "Europe/Berlin",
      "*:30",
      "2026-10-25 01:50:00",
      { "2026-10-25 02:30:00 CEST", "2026-10-25 03:30:00 CET", "2026-10-25 04:30:00 CET", NULL } },
    /* zone in the expression, printed in local time */
    { CAL_SYSTEMD,
      "Europe/Berlin",
      "daily America/New_York",
      "2026-01-01 00:00:00",
      { "2026-01-01 06:00:00 CET", "2026-01-02 06:00:00 CET", NULL } },
    { CAL_SYSTEMD,
      "Europe/Berlin",
      "12:00 UTC",
      "2026-07-01 00:00:00",
      { "2026-07-01 14:00:00 CEST", NULL } },
    /* proxmox dialect (reference §5) */
    { CAL_PROXMOX,
      "UTC",
      "5",
      "2026-01-01 10:05:00",
      { "2026-01-01 11:05:00 UTC", "2026-01-01 12:05:00 UTC", NULL } },
    { CAL_PROXMOX,
      "UTC",
      "*/30",
      "2026-01-01 10:05:00",
      { "2026-01-01 10:30:00 UTC", "2026-01-01 11:00:00 UTC", NULL } },
    { CAL_PROXMOX,
      "UTC",
      "8/15",
      "2026-01-01 10:50:00",
      { "2026-01-01 10:53:00 UTC", "2026-01-01 11:08:00 UTC", "2026-01-01 11:23:00 UTC", NULL } },
    { CAL_PROXMOX,
      "UTC",
      "06,18:30",
      "2026-01-01 10:00:00",
      { "2026-01-01 18:30:00 UTC", "2026-01-02 06:30:00 UTC", NULL } },
    { CAL_PROXMOX,
      "UTC",
      "fri..mon 02:00",
      "2026-01-01 12:00:00", /* a Thursday */
      { "2026-01-02 02:00:00 UTC", "2026-01-03 02:00:00 UTC", "2026-01-04 02:00:00 UTC",
        "2026-01-05 02:00:00 UTC", "2026-01-09 02:00:00 UTC", NULL } },
    { CAL_PROXMOX,
      "UTC",
      "mon,tue,wed,thu,fri 22",
      "2026-01-02 23:30:00", /* minute 22 */
      { "2026-01-05 00:22:00 UTC", "2026-01-05 01:22:00 UTC", NULL } },
    { CAL_PROXMOX,
      "UTC",
      "8..17/2:00",
      "2026-01-01 15:00:00",
      { "2026-01-01 16:00:00 UTC", "2026-01-02 08:00:00 UTC", NULL } },
    { CAL_PROXMOX,
      "UTC",
      "sat *-1..7 15:00",
      "2026-01-01 00:00:00",
      { "2026-01-03 15:00:00 UTC", "2026-02-07 15:00:00 UTC", NULL } },
    { CAL_PROXMOX,
      "Europe/Berlin",
      "02:00 UTC",
      "2026-07-01 00:00:00",
      { "2026-07-01 04:00:00 CEST", NULL } },
    { CAL_PROXMOX,
      "UTC",
      "semiannually",
      "2026-01-01 00:00:00",
      { "2026-07-01 00:00:00 UTC", "2027-01-01 00:00:00 UTC", NULL } },
    { CAL_PROXMOX, "UTC", "2021-02-29", "2020-01-01 00:00:00", { NULL } },
};

static void test_next_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(next_cases) / sizeof(next_cases[0]); i++) {
        const struct next_case *c = &next_cases[i];
        struct lb_err err = { 0 };
        struct cal_event *ev;
        time_t t, n;
        int k = 0;
        char buf[64];

        set_tz(c->tz);
        ev = cal_parse(c->expr, c->d, &err);
        if (!ev)
            fail_msg("'%s' does not parse: %s", c->expr, err.msg);
        t = local(c->from);
        for (; c->want[k]; k++) {
            if (cal_next(ev, t, &n) < 0)
                fail_msg("'%s': no elapse #%d, wanted %s", c->expr, k + 1, c->want[k]);
            if (strcmp(fmt(n, buf, sizeof(buf)), c->want[k]))
                fail_msg("'%s' TZ=%s from %s: #%d is %s, wanted %s", c->expr, c->tz, c->from, k + 1,
                         buf, c->want[k]);
            assert_true(n > t);
            t = n;
        }
        if (k < 2 && cal_next(ev, t, &n) == 0 && !c->want[0])
            fail_msg("'%s': elapses at %s, wanted never", c->expr, fmt(n, buf, sizeof(buf)));
        /* the event's own zone must not leak into the process */
        assert_string_equal(getenv("TZ"), c->tz);
        cal_free(ev);
    }
}

/* The exact instants of the DST cases, independent of formatting. */
static void test_dst_instants(void **state)
{
    struct cal_event *ev = cal_parse("*:50", CAL_SYSTEMD, NULL);
    time_t n;

    (void)state;
    set_tz("Europe/Berlin");
    assert_non_null(ev);
    /* base in the second pass of 02:xx (CET): 02:50 CET, not the earlier CEST one */
    assert_int_equal(cal_next(ev, utc("2026-10-25 01:40:00"), &n), 0);
    assert_int_equal(n, utc("2026-10-25 01:50:00"));
    /* base in the first pass (CEST): 02:50 CEST, then 03:50 CET; 02:50 CET is skipped */
    assert_int_equal(cal_next(ev, utc("2026-10-25 00:40:00"), &n), 0);
    assert_int_equal(n, utc("2026-10-25 00:50:00"));
    assert_int_equal(cal_next(ev, n, &n), 0);
    assert_int_equal(n, utc("2026-10-25 02:50:00"));
    cal_free(ev);

    set_tz("America/New_York");
    ev = cal_parse("*-*-* 02:15", CAL_SYSTEMD, NULL);
    assert_int_equal(cal_next(ev, utc("2026-03-07 12:00:00"), &n), 0);
    assert_int_equal(n, utc("2026-03-09 06:15:00")); /* 2026-03-08 02:15 does not exist */
    cal_free(ev);
}

static void test_fractions(void **state)
{
    struct cal_event *ev = cal_parse("*:*:0/0.5", CAL_SYSTEMD, NULL);
    int64_t n;

    (void)state;
    set_tz("UTC");
    assert_non_null(ev);
    assert_int_equal(cal_next_usec(ev, INT64_C(1767225600000000), &n), 0);
    assert_int_equal(n, INT64_C(1767225600500000));
    cal_free(ev);
    ev = cal_parse("*-*-* 1:2:3.1234567", CAL_SYSTEMD, NULL); /* rounded to 6 digits */
    assert_int_equal(cal_next_usec(ev, INT64_C(1767225600000000), &n), 0);
    assert_int_equal(n, INT64_C(1767225600000000) + INT64_C(3723123457));
    cal_free(ev);
}

struct bad_case {
    enum cal_dialect d;
    const char *expr;
    const char *msg; /* substring, with the column */
};

static const struct bad_case bad_cases[] = {
    { CAL_SYSTEMD, "Mox 12:00", "bad weekday 'Mox' at column 1" },
    { CAL_SYSTEMD, "Mon 25:00", "hour 25 out of range 0..23 at column 5" },
    { CAL_SYSTEMD, "*-13-01", "month 13 out of range 1..12 at column 3" },
    { CAL_SYSTEMD, "Fri..Mon", "at column 6" },
    { CAL_SYSTEMD, "*:30/30", "minute 30/30 never repeats" },
    { CAL_SYSTEMD, "*/5", "at column 2" },
    { CAL_SYSTEMD, "5", "at column 2" },
    { CAL_SYSTEMD, "12:00:00x", "unexpected 'x' at column 9" },
    { CAL_SYSTEMD, "daily Mars/Base", "column" },
    { CAL_SYSTEMD, "", "empty calendar event" },
    { CAL_SYSTEMD, "*-*~29", "counted from the month's end" },
    { CAL_SYSTEMD, "*:0/0", "repetition must not be 0" },
    { CAL_SYSTEMD, "2200-01-01", "year 2200 out of range" },
    { CAL_PROXMOX, "foo", "bad weekday 'foo' at column 1" },
    { CAL_PROXMOX, "60", "column" },
    { CAL_PROXMOX, "*-*~1", "column" },
    { CAL_PROXMOX, "", "expected a weekday, date or time" },
    { CAL_PROXMOX, "12:00 Europe/Berlin",
      "'Europe/Berlin' (the only time zone allowed is UTC) at column 7" },
};

static void test_bad_table(void **state)
{
    (void)state;
    set_tz("UTC");
    for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        struct lb_err err = { 0 };
        struct cal_event *ev = cal_parse(bad_cases[i].expr, bad_cases[i].d, &err);

        if (ev)
            fail_msg("'%s' parsed, wanted an error", bad_cases[i].expr);
        if (!strstr(err.msg, bad_cases[i].msg))
            fail_msg("'%s': error '%s' lacks '%s'", bad_cases[i].expr, err.msg, bad_cases[i].msg);
        assert_int_equal(err.code, LB_EPARSE);
    }
}

static void test_good_parses(void **state)
{
    static const char *const sd[] = {
        "minutely",      "HOURLY",        "weekly",
        "annually",      "semi-annually", "bi-annually",
        "Mon-Fri",       "Mon,",          "Monday..Wednesday,Sat 1..3:*",
        "*-*-* *:*:*",   "@1798761600",   "26-03-29 2:30",
        "*:0/5:07.5",    "Mon  12:00",    "daily utc",
        "daily Etc/UTC",
    };
    static const char *const pm[] = {
        "daily",
        "mon..fri 02:00",
        "sat 15:00",
        "*/30",
        "06,18:30",
        "sun 03:00",
        "*-*-01 04:00",
        "0",
        "2:00",
        "22:00",
        "mon,tue,wed,thu,fri 22",
        "Monday 2:00 UTC",
    };

    (void)state;
    set_tz("UTC");
    for (size_t i = 0; i < sizeof(sd) / sizeof(sd[0]); i++) {
        struct lb_err err = { 0 };
        struct cal_event *ev = cal_parse(sd[i], CAL_SYSTEMD, &err);

        if (!ev)
            fail_msg("systemd '%s': %s", sd[i], err.msg);
        cal_free(ev);
    }
    for (size_t i = 0; i < sizeof(pm) / sizeof(pm[0]); i++) {
        struct lb_err err = { 0 };
        struct cal_event *ev = cal_parse(pm[i], CAL_PROXMOX, &err);

        if (!ev)
            fail_msg("proxmox '%s': %s", pm[i], err.msg);
        cal_free(ev);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_next_table),  cmocka_unit_test(test_dst_instants),
        cmocka_unit_test(test_fractions),   cmocka_unit_test(test_bad_table),
        cmocka_unit_test(test_good_parses),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
