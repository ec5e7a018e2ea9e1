/*
 * What the schedule unit tests share: a time zone set for the process, a
 * local "YYYY-MM-DD HH:MM" turned into a time_t, and a job added with a
 * calendar (systemd dialect), a typical length and what it touches.
 * Include after <cmocka.h>.
 */
#ifndef LIFEBOAT_TESTS_SCHED_FIXTURE_H
#define LIFEBOAT_TESTS_SCHED_FIXTURE_H

#include <stdlib.h>
#include <time.h>

#include "backend/schedule.h"

static inline void set_tz(const char *tz)
{
    setenv("TZ", tz, 1);
    tzset();
}

/* "YYYY-MM-DD HH:MM" in the current TZ -> time_t */
static inline time_t at(const char *s)
{
    struct tm tm = { 0 };

    assert_non_null(strptime(s, "%Y-%m-%d %H:%M", &tm));
    tm.tm_isdst = -1;
    return mktime(&tm);
}

static inline size_t sched_fx_add(struct schedule *s, enum sched_where where, const char *name,
                                  const char *cal, int64_t dur, const char *const *touches)
{
    struct sched_source_job j = {
        .name = name,
        .where = where,
        .calendar = cal,
        .dialect = CAL_SYSTEMD,
        .touches = touches,
        .last_outcome = -1,
        .typical_duration = dur,
    };

    return schedule_add(s, &j);
}

#endif
