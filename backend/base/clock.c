#include "backend/base/clock.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int64_t clock_mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

time_t clock_now(void)
{
    static int pinned = -1;
    static time_t pinned_at;

    if (pinned < 0) {
        const char *s = getenv("LIFEBOAT_NOW");
        char *end;
        long long v;

        pinned = 0;
        if (s && *s) {
            errno = 0;
            v = strtoll(s, &end, 10);
            if (!errno && !*end && v > 0) {
                pinned = 1;
                pinned_at = (time_t)v;
            }
        }
    }
    return pinned ? pinned_at : time(NULL);
}

char *clock_fmt_local(time_t t, char *out, size_t n)
{
    struct tm tm;

    localtime_r(&t, &tm);
    if (!strftime(out, n, "%Y-%m-%d %H:%M:%S", &tm) && n)
        out[0] = '\0';
    return out;
}

char *clock_fmt_rfc3339(time_t t, char *out, size_t n)
{
    struct tm tm;
    char tmp[40];
    long off;

    localtime_r(&t, &tm);
    strftime(tmp, sizeof(tmp), "%Y-%m-%dT%H:%M:%S", &tm);
    off = tm.tm_gmtoff;
    if (off == 0) {
        snprintf(out, n, "%sZ", tmp);
    } else {
        char sign = off < 0 ? '-' : '+';

        if (off < 0)
            off = -off;
        snprintf(out, n, "%s%c%02ld:%02ld", tmp, sign, off / 3600, (off / 60) % 60);
    }
    return out;
}

static int digits(const char **p, int count, int *val)
{
    int v = 0;

    for (int i = 0; i < count; i++) {
        if (!isdigit((unsigned char)**p))
            return -1;
        v = v * 10 + (**p - '0');
        (*p)++;
    }
    *val = v;
    return 0;
}

/* Days since the epoch of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static long long days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (unsigned)((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1);
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

    return era * 146097 + (long long)doe - 719468;
}

int clock_parse_rfc3339(const char *s, time_t *t, int *utc_offset)
{
    const char *p = s;
    int y, mo, d, h, mi, sec, oh = 0, om = 0, off = 0;

    if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' ||
        digits(&p, 2, &d))
        return -1;
    if (*p != 'T' && *p != 't' && *p != ' ')
        return -1;
    p++;
    if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi) || *p++ != ':' ||
        digits(&p, 2, &sec))
        return -1;
    if (*p == '.' || *p == ',') {
        p++;
        while (isdigit((unsigned char)*p))
            p++;
    }
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p == '-' ? -1 : 1;

        p++;
        if (digits(&p, 2, &oh))
            return -1;
        if (*p == ':')
            p++;
        if (digits(&p, 2, &om))
            return -1;
        off = sign * (oh * 3600 + om * 60);
    } else {
        return -1;
    }
    if (*p || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
        return -1;
    *t = (time_t)(days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - off);
    if (utc_offset)
        *utc_offset = off;
    return 0;
}

int clock_parse_local(const char *s, time_t *t)
{
    const char *p = s;
    struct tm tm;
    int y, mo, d, h, mi, sec = 0;

    if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' ||
        digits(&p, 2, &d) || *p++ != ' ' || digits(&p, 2, &h) || *p++ != ':' ||
        digits(&p, 2, &mi))
        return -1;
    if (*p == ':') {
        p++;
        if (digits(&p, 2, &sec))
            return -1;
    }
    if (*p || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59)
        return -1;
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    tm.tm_isdst = -1;
    *t = mktime(&tm);
    return *t == (time_t)-1 ? -1 : 0;
}
