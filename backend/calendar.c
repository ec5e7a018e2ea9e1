/*
 * Calendar events (systemd OnCalendar= and Proxmox job schedules): parser and
 * next-elapse engine. See calendar.h for the two dialects and the DST rules.
 *
 * An event is six chains of components (year, month, day, hour, minute,
 * microsecond-of-minute) plus a weekday mask. A component is start[..stop][/repeat];
 * an empty chain matches every value. The engine searches the wall clock
 * field by field (year, month, day, weekday, hour, minute, second) and maps
 * each candidate to an instant only at the end, with localtime_r() probes.
 */
#include "backend/calendar.h"

#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "backend/base/xalloc.h"
#include "backend/tzone.h"

#define USEC           1000000
#define MIN_YEAR       1970
#define MAX_YEAR       2199
#define MAX_COMPONENTS 241 /* systemd's limit on list length */
#define SEARCH_STEPS   100000

struct cal_comp {
    int start;
    int stop;   /* -1: none */
    int repeat; /* 0: none */
    int pos;    /* byte offset in the expression, for messages */
};

struct cal_chain {
    struct cal_comp *v;
    int n; /* 0: every value */
};

struct cal_event {
    enum cal_dialect dialect;
    unsigned wdays; /* bit 0 = Monday ... bit 6 = Sunday; 0 = every day */
    bool utc;
    bool eom; /* day chain counts from the end of the month ('~') */
    char *zone;
    struct cal_chain year, month, day, hour, minute, usec;
};

/* ---- calendar arithmetic (proleptic Gregorian, no libc) ---- */

static int64_t days_from_civil(int64_t y, int m, int d)
{
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
    int64_t era, doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static bool is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
    static const int dim[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

    return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;

    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* ---- chains ---- */

static void chain_add(struct cal_chain *c, int start, int stop, int repeat, int pos)
{
    c->v = xrealloc(c->v, sizeof(*c->v) * (size_t)(c->n + 1));
    c->v[c->n++] = (struct cal_comp){ start, stop, repeat, pos };
}

static void chain_release(struct cal_chain *c)
{
    free(c->v);
    c->v = NULL;
    c->n = 0;
}

static void chain_const(struct cal_chain *c, int v)
{
    chain_release(c);
    chain_add(c, v, -1, 0, 0);
}

/* Smallest value >= val matched by one component of c; INT_MAX when none. */
static int comp_next(int start, int stop, int repeat, int val)
{
    int64_t k;

    if (start >= val)
        return start;
    if (repeat <= 0)
        return INT_MAX;
    k = start + (int64_t)repeat * (((int64_t)val - start + repeat - 1) / repeat);
    if (stop >= 0 && k > stop)
        return INT_MAX;
    return k > INT_MAX ? INT_MAX : (int)k;
}

static int chain_next(const struct cal_chain *c, int val)
{
    int best = INT_MAX;

    if (c->n == 0)
        return val;
    for (int i = 0; i < c->n; i++) {
        int k = comp_next(c->v[i].start, c->v[i].stop, c->v[i].repeat, val);

        if (k < best)
            best = k;
    }
    return best;
}

/* Day chain: "~N" counts back from the last day of the month (N=1 is the last). */
static int day_next(const struct cal_event *ev, int dim, int val)
{
    int best = INT_MAX;

    if (!ev->eom || ev->day.n == 0)
        return chain_next(&ev->day, val);
    for (int i = 0; i < ev->day.n; i++) {
        const struct cal_comp *c = &ev->day.v[i];
        int start = dim + 1 - c->start;
        int stop = c->stop >= 0 ? dim + 1 - c->stop : -1;
        int k;

        if (stop > 0) {
            int t = start;

            start = stop;
            stop = t;
        }
        k = comp_next(start, stop, c->repeat, val);
        if (k < best)
            best = k;
    }
    return best;
}

/* ---- the search over wall-clock fields ---- */

struct wall {
    int y, mo, d, h, mi;
    int us; /* microsecond of the minute */
};

static void wall_carry(struct wall *w)
{
    if (w->us >= 60 * USEC) {
        w->mi += w->us / (60 * USEC);
        w->us %= 60 * USEC;
    }
    if (w->mi >= 60) {
        w->h += w->mi / 60;
        w->mi %= 60;
    }
    if (w->h >= 24) {
        w->d += w->h / 24;
        w->h %= 24;
    }
    while (w->mo > 12) {
        w->y++;
        w->mo -= 12;
    }
    while (w->d > days_in_month(w->y, w->mo)) {
        w->d -= days_in_month(w->y, w->mo);
        if (++w->mo > 12) {
            w->mo = 1;
            w->y++;
        }
    }
}

static void next_year(struct wall *w)
{
    *w = (struct wall){ w->y + 1, 1, 1, 0, 0, 0 };
}

static void next_month(struct wall *w)
{
    *w = (struct wall){ w->y, w->mo + 1, 1, 0, 0, 0 };
    wall_carry(w);
}

static void next_day(struct wall *w)
{
    *w = (struct wall){ w->y, w->mo, w->d + 1, 0, 0, 0 };
    wall_carry(w);
}

static void next_hour(struct wall *w)
{
    *w = (struct wall){ w->y, w->mo, w->d, w->h + 1, 0, 0 };
    wall_carry(w);
}

static void next_minute(struct wall *w)
{
    *w = (struct wall){ w->y, w->mo, w->d, w->h, w->mi + 1, 0 };
    wall_carry(w);
}

static int weekday(int y, int m, int d) /* 0 = Monday */
{
    int64_t z = days_from_civil(y, m, d);

    return (int)(((z % 7) + 7 + 3) % 7);
}

/*
 * systemd quirk, kept on purpose (timers really fire like this): a repetition
 * without an end ("*:2/21") can step past the end of its field (minute 65).
 * systemd lets mktime() carry that into the next hour/day/... and then resets
 * only the unit right below the highest one that changed, so "23:65" becomes
 * 00:05 of the next day and 00:02 is skipped. w holds the out-of-range value
 * with every lower field already at its minimum.
 */
static void sd_overflow(struct wall *w)
{
    struct wall t = *w;

    wall_carry(&t);
    if (t.y != w->y)
        t.mo = 1;
    else if (t.mo != w->mo)
        t.d = 1;
    else if (t.d != w->d)
        t.h = 0;
    else if (t.h != w->h)
        t.mi = 0;
    else if (t.mi != w->mi)
        t.us %= USEC; /* second 0; systemd keeps the fraction */
    *w = t;
}

/*
 * A field's next value is past its range and *w holds it: systemd normalizes
 * (sd_overflow), proxmox moves on to `restart` (the next larger unit).
 */
static void past_range(const struct cal_event *ev, struct wall *w, struct wall restart)
{
    if (ev->dialect == CAL_SYSTEMD) {
        sd_overflow(w);
    } else {
        *w = restart;
        wall_carry(w);
    }
}

/* Move *w to the first matching wall time >= *w. 0, or -1 when none before 2200. */
static int find_wall(const struct cal_event *ev, struct wall *w)
{
    for (int step = 0; step < SEARCH_STEPS; step++) {
        struct wall o;
        int v, dim;

        if (w->y > MAX_YEAR)
            return -1;
        v = chain_next(&ev->year, w->y);
        if (v > MAX_YEAR)
            return -1;
        if (v != w->y)
            *w = (struct wall){ v, 1, 1, 0, 0, 0 };

        o = *w;
        v = chain_next(&ev->month, w->mo);
        if (v == INT_MAX) {
            next_year(w);
            continue;
        }
        if (v != w->mo) {
            *w = (struct wall){ o.y, v, 1, 0, 0, 0 };
            if (v > 12) {
                past_range(ev, w, (struct wall){ o.y + 1, 1, 1, 0, 0, 0 });
                continue;
            }
        }

        o = *w;
        dim = days_in_month(w->y, w->mo);
        v = day_next(ev, dim, w->d);
        if (v == INT_MAX) {
            next_month(w);
            continue;
        }
        if (v != w->d) {
            *w = (struct wall){ o.y, o.mo, v, 0, 0, 0 };
            if (v > dim) {
                past_range(ev, w, (struct wall){ o.y, o.mo + 1, 1, 0, 0, 0 });
                continue;
            }
        }

        if (ev->wdays && !(ev->wdays & (1u << weekday(w->y, w->mo, w->d)))) {
            next_day(w);
            continue;
        }

        o = *w;
        v = chain_next(&ev->hour, w->h);
        if (v == INT_MAX) {
            next_day(w);
            continue;
        }
        if (v != w->h) {
            *w = (struct wall){ o.y, o.mo, o.d, v, 0, 0 };
            if (v > 23) {
                past_range(ev, w, (struct wall){ o.y, o.mo, o.d + 1, 0, 0, 0 });
                continue;
            }
        }

        o = *w;
        v = chain_next(&ev->minute, w->mi);
        if (v == INT_MAX) {
            next_hour(w);
            continue;
        }
        if (v != w->mi) {
            *w = (struct wall){ o.y, o.mo, o.d, o.h, v, 0 };
            if (v > 59) {
                past_range(ev, w, (struct wall){ o.y, o.mo, o.d, o.h + 1, 0, 0 });
                continue;
            }
        }

        o = *w;
        v = chain_next(&ev->usec, w->us);
        if (v == INT_MAX) {
            next_minute(w);
            continue;
        }
        w->us = v;
        if (v >= 60 * USEC) {
            past_range(ev, w, (struct wall){ o.y, o.mo, o.d, o.h, o.mi + 1, 0 });
            continue;
        }
        return 0;
    }
    return -1;
}

/* Wall-clock seconds of w, counted like epoch seconds ("local epoch"). */
static int64_t wall_secs(const struct wall *w)
{
    return days_from_civil(w->y, w->mo, w->d) * 86400 + w->h * 3600 + w->mi * 60 + w->us / USEC;
}

static void wall_from_secs(int64_t l, struct wall *w)
{
    int64_t days = floor_div(l, 86400);
    int64_t rem = l - days * 86400;

    civil_from_days(days, &w->y, &w->mo, &w->d);
    w->h = (int)(rem / 3600);
    w->mi = (int)(rem / 60 % 60);
    w->us = (int)(rem % 60) * USEC;
}

/* UTC offset in effect at instant t in the current TZ. */
static long offset_at(int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;

    if (!localtime_r(&tt, &tm))
        return 0;
    return tm.tm_gmtoff;
}

/*
 * Instants whose local wall clock reads l (0, 1 or 2 of them, ascending).
 * When there is none (a spring-forward gap), *gap_end gets the first wall
 * time after the gap.
 */
static int local_instants(int64_t l, int64_t out[2], int64_t *gap_end)
{
    long oa = offset_at(l - 86400), ob = offset_at(l + 86400);
    int64_t cand[3];
    int nc = 0, n = 0;

    cand[nc++] = l - oa;
    if (ob != oa)
        cand[nc++] = l - ob;
    else
        cand[nc++] = l - offset_at(l - oa); /* odd zones: two changes within days */
    for (int i = 0; i < nc; i++) {
        bool dup = false;

        if (offset_at(cand[i]) != l - cand[i])
            continue;
        for (int j = 0; j < n; j++)
            dup |= out[j] == cand[i];
        if (!dup)
            out[n++] = cand[i];
    }
    if (n == 2 && out[0] > out[1]) {
        int64_t t = out[0];

        out[0] = out[1];
        out[1] = t;
    }
    if (n == 0) {
        /* first instant whose wall clock is past l: binary search over the gap */
        int64_t lo = l - (oa > ob ? oa : ob) - 1, hi = l - (oa < ob ? oa : ob) + 1;

        if (hi + offset_at(hi) <= l) {
            *gap_end = l + 1;
            return 0;
        }
        while (hi - lo > 1) {
            int64_t mid = lo + (hi - lo) / 2;

            if (mid + offset_at(mid) > l)
                hi = mid;
            else
                lo = mid;
        }
        *gap_end = hi + offset_at(hi);
        if (*gap_end <= l)
            *gap_end = l + 1;
    }
    return n;
}

static int next_impl(const struct cal_event *ev, int64_t after_us, int64_t *next_us)
{
    int64_t start = after_us + 1;
    int64_t t = floor_div(start, USEC);
    struct wall w;

    if (ev->utc) {
        wall_from_secs(t, &w);
    } else {
        time_t tt = (time_t)t;
        struct tm tm;

        if (!localtime_r(&tt, &tm))
            return -LB_ENOTFOUND;
        w = (struct wall){ tm.tm_year + 1900, tm.tm_mon + 1,
                           tm.tm_mday,        tm.tm_hour,
                           tm.tm_min,         (tm.tm_sec > 59 ? 59 : tm.tm_sec) * USEC };
    }
    w.us += (int)(start - t * USEC);

    for (int step = 0; step < SEARCH_STEPS; step++) {
        int64_t l, inst[2], gap_end = 0;
        int frac, n;

        if (find_wall(ev, &w) < 0)
            return -LB_ENOTFOUND;
        l = wall_secs(&w);
        frac = w.us % USEC;
        if (ev->utc) {
            *next_us = l * USEC + frac;
            return 0;
        }
        n = local_instants(l, inst, &gap_end);
        for (int i = 0; i < n; i++) {
            if (inst[i] * USEC + frac > after_us) {
                *next_us = inst[i] * USEC + frac;
                return 0;
            }
        }
        if (n == 0) {
            wall_from_secs(gap_end, &w); /* skipped: the wall time does not exist */
        } else {
            w.us++; /* only occurrences before `after`: try the next wall time */
            wall_carry(&w);
        }
    }
    return -LB_ENOTFOUND;
}

int cal_next_usec(const struct cal_event *ev, int64_t after_us, int64_t *next_us)
{
    struct tzone_saved saved;
    int rc;

    if (!ev->zone || ev->utc)
        return next_impl(ev, after_us, next_us);
    if (tzone_push(ev->zone, &saved) < 0) {
        tzone_pop(&saved);
        return -LB_ENOTFOUND;
    }
    rc = next_impl(ev, after_us, next_us);
    tzone_pop(&saved);
    return rc;
}

int cal_next(const struct cal_event *ev, time_t after, time_t *next)
{
    int64_t n;
    int rc = cal_next_usec(ev, (int64_t)after * USEC + (USEC - 1), &n);

    if (rc == 0)
        *next = (time_t)floor_div(n, USEC);
    return rc;
}

const char *cal_zone(const struct cal_event *ev)
{
    return ev->utc ? "UTC" : ev->zone;
}

int cal_dialect_from_name(const char *name)
{
    if (!strcmp(name, "systemd"))
        return CAL_SYSTEMD;
    if (!strcmp(name, "proxmox") || !strcmp(name, "pve") || !strcmp(name, "pbs"))
        return CAL_PROXMOX;
    return -1;
}

void cal_free(struct cal_event *ev)
{
    if (!ev)
        return;
    chain_release(&ev->year);
    chain_release(&ev->month);
    chain_release(&ev->day);
    chain_release(&ev->hour);
    chain_release(&ev->minute);
    chain_release(&ev->usec);
    free(ev->zone);
    free(ev);
}

/* ---- parsing, shared ---- */

struct ps {
    const char *s; /* the text being parsed (a NUL-terminated copy) */
    const char *p;
    bool failed;
    int bad; /* offset of the furthest failure */
    char msg[160];
};

__attribute__((format(printf, 3, 4))) static int ps_fail(struct ps *ps, const char *at,
                                                         const char *fmt, ...)
{
    va_list ap;
    int off = (int)(at - ps->s);

    if (ps->failed && off < ps->bad)
        return -1;
    ps->failed = true;
    ps->bad = off;
    va_start(ap, fmt);
    vsnprintf(ps->msg, sizeof(ps->msg), fmt, ap);
    va_end(ap);
    return -1;
}

/* The word at p (letters, digits and a few more), quoted in messages. */
static int word_len(const char *p)
{
    int n = 0;

    while (p[n] && p[n] != ' ' && p[n] != ',' && n < 40)
        n++;
    return n;
}

static const struct {
    const char *name;
    int nr;
} day_names[] = {
    { "monday", 0 },   { "mon", 0 },      { "tuesday", 1 }, { "tue", 1 },    { "wednesday", 2 },
    { "wed", 2 },      { "thursday", 3 }, { "thu", 3 },     { "friday", 4 }, { "fri", 4 },
    { "saturday", 5 }, { "sat", 5 },      { "sunday", 6 },  { "sun", 6 },
};

/* ---- systemd dialect (systemd 252 calendarspec.c behaviour) ---- */

static int sd_decimal(struct ps *ps, bool usec, int *out)
{
    const char *p = ps->p, *at = ps->p;
    unsigned long long v = 0;

    if (!*p)
        return ps_fail(ps, p, "expected a number at the end");
    if (!isdigit((unsigned char)*p))
        return ps_fail(ps, p, "expected a number at '%.*s'", word_len(p), p);
    while (isdigit((unsigned char)*p)) {
        if (v <= (unsigned long long)INT_MAX * 10)
            v = v * 10 + (unsigned)(*p - '0');
        p++;
    }
    if (usec) {
        v *= USEC;
        if (p[0] == '.' && p[1] != '.') {
            unsigned frac = 0;
            int i;

            p++;
            if (!isdigit((unsigned char)*p))
                return ps_fail(ps, p, "expected digits after the decimal point");
            for (i = 0; i < 6; i++) {
                frac *= 10;
                if (isdigit((unsigned char)*p))
                    frac += (unsigned)(*p++ - '0');
            }
            if (*p >= '5' && *p <= '9')
                frac++;
            while (isdigit((unsigned char)*p))
                p++;
            v += frac;
        }
    }
    if (v > INT_MAX)
        return ps_fail(ps, at, "number '%.*s' is too large", (int)(p - at), at);
    ps->p = p;
    *out = (int)v;
    return 0;
}

static int sd_chain(struct ps *ps, bool usec, struct cal_chain *c)
{
    chain_release(c);
    if (*ps->p == '*') {
        ps->p++;
        if (usec)
            chain_add(c, 0, -1, USEC, (int)(ps->p - ps->s - 1));
        return 0;
    }
    for (int n = 0;; n++) {
        const char *at = ps->p;
        int start, stop = -1, repeat = 0;

        if (n >= MAX_COMPONENTS)
            return ps_fail(ps, at, "too many list items (at most %d)", MAX_COMPONENTS);
        if (sd_decimal(ps, usec, &start) < 0)
            return -1;
        if (ps->p[0] == '.' && ps->p[1] == '.') {
            ps->p += 2;
            if (sd_decimal(ps, usec, &stop) < 0)
                return -1;
            repeat = usec ? USEC : 1;
        }
        if (*ps->p == '/') {
            const char *rat = ++ps->p;

            if (sd_decimal(ps, usec, &repeat) < 0)
                return -1;
            if (repeat == 0)
                return ps_fail(ps, rat, "repetition must not be 0");
        } else {
            if (start > INT_MAX - repeat)
                return ps_fail(ps, at, "number is too large");
            if (usec && stop >= 0 && start + repeat > stop)
                return ps_fail(ps, at, "range '%.*s' is shorter than a second; give a repetition",
                               (int)(ps->p - at), at);
        }
        if (*ps->p && !strchr(" ,-~:", *ps->p))
            return ps_fail(ps, ps->p, "unexpected '%c'", *ps->p);
        chain_add(c, start, stop, repeat, (int)(at - ps->s));
        if (*ps->p != ',')
            return 0;
        ps->p++;
    }
}

static int sd_weekdays(struct ps *ps, struct cal_event *ev)
{
    int l = -1;
    bool first = true;

    for (;;) {
        const char *at = ps->p;
        size_t i;

        for (i = 0; i < sizeof(day_names) / sizeof(day_names[0]); i++) {
            size_t k = strlen(day_names[i].name);

            if (strncasecmp(ps->p, day_names[i].name, k))
                continue;
            if (ps->p[k] && !strchr("-., ", ps->p[k]))
                return ps_fail(ps, at, "bad weekday '%.*s'", word_len(at), at);
            ev->wdays |= 1u << day_names[i].nr;
            if (l >= 0) {
                if (l > day_names[i].nr)
                    return ps_fail(ps, at,
                                   "weekday range ends before it starts (systemd "
                                   "ranges do not wrap; list the days)");
                for (int j = l + 1; j < day_names[i].nr; j++)
                    ev->wdays |= 1u << j;
            }
            ps->p += k;
            break;
        }
        if (i >= sizeof(day_names) / sizeof(day_names[0])) {
            if (first)
                return 0;
            if (isalpha((unsigned char)*at))
                return ps_fail(ps, at, "bad weekday '%.*s'", word_len(at), at);
            return ps_fail(ps, at, "expected a weekday after '%c'", at > ps->s ? at[-1] : ' ');
        }
        if (!*ps->p)
            return 0;
        if (*ps->p == ' ') {
            ps->p += strspn(ps->p, " ");
            return 0;
        }
        if (*ps->p == '.') {
            if (l >= 0 || ps->p[1] != '.')
                return ps_fail(ps, ps->p, "bad weekday range");
            l = day_names[i].nr;
            ps->p += 2;
        } else if (*ps->p == '-') {
            if (l >= 0)
                return ps_fail(ps, ps->p, "bad weekday range");
            l = day_names[i].nr;
            ps->p += 1;
        } else if (*ps->p == ',') {
            l = -1;
            ps->p += 1;
        }
        if (!*ps->p || *ps->p == ' ') {
            ps->p += strspn(ps->p, " ");
            if (l >= 0)
                return ps_fail(ps, ps->p, "weekday range has no end");
            return 0;
        }
        first = false;
    }
}

static int sd_timestamp(struct ps *ps, struct cal_event *ev)
{
    const char *at = ++ps->p;
    unsigned long long v = 0;
    int y, m, d;
    int64_t days, rem;

    if (!isdigit((unsigned char)*ps->p))
        return ps_fail(ps, at, "expected seconds since the epoch after '@'");
    while (isdigit((unsigned char)*ps->p)) {
        if (v < 1000000000000000ULL)
            v = v * 10 + (unsigned)(*ps->p - '0');
        ps->p++;
    }
    if (v >= 1000000000000000ULL)
        return ps_fail(ps, at, "timestamp is too large");
    days = (int64_t)(v / 86400);
    rem = (int64_t)(v % 86400);
    civil_from_days(days, &y, &m, &d);
    chain_const(&ev->year, y);
    ev->year.v[0].pos = (int)(at - ps->s);
    chain_const(&ev->month, m);
    chain_const(&ev->day, d);
    chain_const(&ev->hour, (int)(rem / 3600));
    chain_const(&ev->minute, (int)(rem / 60 % 60));
    chain_const(&ev->usec, (int)(rem % 60) * USEC);
    ev->utc = true;
    return 1;
}

/* 1: a date was parsed (or @epoch, which has its time), 0: none (a time follows), -1 */
static int sd_date(struct ps *ps, struct cal_event *ev)
{
    struct cal_chain first = { 0 }, second = { 0 }, third = { 0 };
    const char *begin = ps->p;
    int rc = -1;

    if (!*ps->p)
        return 0;
    if (*ps->p == '@')
        return sd_timestamp(ps, ev) < 0 ? -1 : 2;
    if (sd_chain(ps, false, &first) < 0)
        goto out;
    if (!*ps->p || *ps->p == ':') {
        ps->p = begin; /* it was a time */
        rc = 0;
        goto out;
    }
    if (*ps->p == '~')
        ev->eom = true;
    else if (*ps->p != '-') {
        ps_fail(ps, ps->p, "expected '-' in the date or ':' in the time");
        goto out;
    }
    ps->p++;
    if (sd_chain(ps, false, &second) < 0)
        goto out;
    if (!*ps->p || *ps->p == ' ') {
        ps->p += strspn(ps->p, " ");
        ev->month = first;
        ev->day = second;
        first = second = (struct cal_chain){ 0 };
        rc = 1;
        goto out;
    }
    if (ev->eom) {
        ps_fail(ps, ps->p, "'~' must come between month and day");
        goto out;
    }
    if (*ps->p == '~')
        ev->eom = true;
    else if (*ps->p != '-') {
        ps_fail(ps, ps->p, "unexpected '%c' in the date", *ps->p);
        goto out;
    }
    ps->p++;
    if (sd_chain(ps, false, &third) < 0)
        goto out;
    if (*ps->p && *ps->p != ' ') {
        ps_fail(ps, ps->p, "unexpected '%c' after the date", *ps->p);
        goto out;
    }
    ps->p += strspn(ps->p, " ");
    ev->year = first;
    ev->month = second;
    ev->day = third;
    first = second = third = (struct cal_chain){ 0 };
    rc = 1;
out:
    chain_release(&first);
    chain_release(&second);
    chain_release(&third);
    return rc;
}

static int sd_time(struct ps *ps, struct cal_event *ev)
{
    if (!*ps->p) {
        chain_const(&ev->hour, 0);
        chain_const(&ev->minute, 0);
        chain_const(&ev->usec, 0);
        return 0;
    }
    if (sd_chain(ps, false, &ev->hour) < 0)
        return -1;
    if (!*ps->p)
        return ps_fail(ps, ps->p, "expected ':' and minutes after the hour");
    if (*ps->p != ':')
        return ps_fail(ps, ps->p, "unexpected '%c', expected ':' after the hour", *ps->p);
    ps->p++;
    if (sd_chain(ps, false, &ev->minute) < 0)
        return -1;
    if (!*ps->p) {
        chain_const(&ev->usec, 0);
        return 0;
    }
    if (*ps->p != ':')
        return ps_fail(ps, ps->p, "unexpected '%c' in the time", *ps->p);
    ps->p++;
    if (sd_chain(ps, true, &ev->usec) < 0)
        return -1;
    if (*ps->p)
        return ps_fail(ps, ps->p, "unexpected '%c' after the time", *ps->p);
    return 0;
}

static int comp_cmp(const void *a, const void *b)
{
    const struct cal_comp *x = a, *y = b;

    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    if (x->stop != y->stop)
        return x->stop < y->stop ? -1 : 1;
    return (x->repeat > y->repeat) - (x->repeat < y->repeat);
}

static void sd_normalize_chain(struct cal_chain *c)
{
    int n = 0;

    for (int i = 0; i < c->n; i++) {
        struct cal_comp *k = &c->v[i];

        if (k->stop > k->start && k->repeat > 0)
            k->stop -= (k->stop - k->start) % k->repeat;
        if ((k->stop > k->start && k->repeat > 0 && k->start + k->repeat > k->stop) ||
            k->start == k->stop) {
            k->repeat = 0;
            k->stop = -1;
        }
    }
    if (c->n <= 1)
        return;
    qsort(c->v, (size_t)c->n, sizeof(*c->v), comp_cmp);
    for (int i = 0; i < c->n; i++)
        if (n == 0 || comp_cmp(&c->v[n - 1], &c->v[i]))
            c->v[n++] = c->v[i];
    c->n = n;
}

static void fmt_val(char *out, size_t n, int v, bool usec)
{
    if (!usec)
        snprintf(out, n, "%d", v);
    else if (v % USEC)
        snprintf(out, n, "%d.%06d", v / USEC, v % USEC);
    else
        snprintf(out, n, "%d", v / USEC);
}

static int sd_check_chain(struct ps *ps, const struct cal_chain *c, const char *what, int from,
                          int to, bool eom, bool usec)
{
    char a[32], b[32], r[32], lo[32], hi[32];

    if (eom)
        to -= 3;
    fmt_val(lo, sizeof(lo), from, usec);
    fmt_val(hi, sizeof(hi), to, usec);
    for (int i = 0; i < c->n; i++) {
        const struct cal_comp *k = &c->v[i];
        const char *at = ps->s + k->pos;

        fmt_val(a, sizeof(a), k->start, usec);
        fmt_val(b, sizeof(b), k->stop, usec);
        fmt_val(r, sizeof(r), k->repeat, usec);
        if (k->start < from || k->start > to)
            return ps_fail(ps, at, "%s %s out of range %s..%s%s", what, a, lo, hi,
                           eom ? " (counted from the month's end)" : "");
        if (k->repeat > to - from)
            return ps_fail(ps, at, "repetition /%s is too large for the %s", r, what);
        if (k->stop >= 0) {
            if (k->stop < from || k->stop > to)
                return ps_fail(ps, at, "%s %s out of range %s..%s", what, b, lo, hi);
            if (k->start + k->repeat > k->stop)
                return ps_fail(ps, at, "%s range %s..%s is empty", what, a, b);
        } else if (eom ? k->start - k->repeat < from : k->start + k->repeat > to) {
            return ps_fail(ps, at, "%s %s/%s never repeats within %s..%s", what, a, r, lo, hi);
        }
    }
    return 0;
}

static void fix_year(struct cal_chain *c)
{
    for (int i = 0; i < c->n; i++) {
        int *f[2] = { &c->v[i].start, &c->v[i].stop };

        for (int j = 0; j < 2; j++) {
            if (*f[j] >= 0 && *f[j] < 70)
                *f[j] += 2000;
            else if (*f[j] >= 70 && *f[j] < 100)
                *f[j] += 1900;
        }
    }
}

static bool sd_keyword(const char *s, struct cal_event *ev)
{
    static const char *const yearly[] = { "annually", "yearly", "anually" };
    static const char *const semi[] = { "biannually", "bi-annually", "semiannually",
                                        "semi-annually" };
    bool hit = false;

    if (!strcasecmp(s, "minutely")) {
        chain_const(&ev->usec, 0);
        return true;
    }
    if (!strcasecmp(s, "hourly")) {
        chain_const(&ev->minute, 0);
        chain_const(&ev->usec, 0);
        return true;
    }
    if (!strcasecmp(s, "daily") || !strcasecmp(s, "weekly")) {
        hit = true;
        if (tolower((unsigned char)s[0]) == 'w')
            ev->wdays = 1;
    } else if (!strcasecmp(s, "monthly")) {
        hit = true;
        chain_const(&ev->day, 1);
    } else if (!strcasecmp(s, "quarterly")) {
        hit = true;
        chain_const(&ev->month, 1);
        chain_add(&ev->month, 4, -1, 0, 0);
        chain_add(&ev->month, 7, -1, 0, 0);
        chain_add(&ev->month, 10, -1, 0, 0);
        chain_const(&ev->day, 1);
    } else {
        for (size_t i = 0; i < 3; i++)
            if (!strcasecmp(s, yearly[i])) {
                hit = true;
                chain_const(&ev->month, 1);
                chain_const(&ev->day, 1);
            }
        for (size_t i = 0; i < 4; i++)
            if (!strcasecmp(s, semi[i])) {
                hit = true;
                chain_const(&ev->month, 1);
                chain_add(&ev->month, 7, -1, 0, 0);
                chain_const(&ev->day, 1);
            }
    }
    if (hit) {
        chain_const(&ev->hour, 0);
        chain_const(&ev->minute, 0);
        chain_const(&ev->usec, 0);
    }
    return hit;
}

static int sd_parse(struct ps *ps, char *buf, struct cal_event *ev)
{
    size_t len = strlen(buf);
    int r;

    if (len >= 4 && !strcasecmp(buf + len - 4, " UTC")) {
        ev->utc = true;
        buf[len - 4] = '\0';
    } else {
        char *sp = strrchr(buf, ' ');

        if (sp && tzone_valid(sp + 1)) {
            ev->zone = xstrdup(sp + 1);
            *sp = '\0';
            if (!strcmp(ev->zone, "UTC"))
                ev->utc = true;
        }
    }
    if (!*buf)
        return ps_fail(ps, buf, "empty calendar event");
    if (sd_keyword(buf, ev))
        return 0;
    if (sd_weekdays(ps, ev) < 0)
        return -1;
    if (!ev->wdays && isalpha((unsigned char)*ps->p))
        return ps_fail(ps, ps->p, "bad weekday '%.*s'", word_len(ps->p), ps->p);
    r = sd_date(ps, ev);
    if (r < 0)
        return -1;
    if (r < 2 && sd_time(ps, ev) < 0)
        return -1;
    if (*ps->p)
        return ps_fail(ps, ps->p, "unexpected '%.*s'", word_len(ps->p), ps->p);

    if (ev->wdays >= 127)
        ev->wdays = 0;
    if (ev->eom && ev->day.n == 0)
        ev->eom = false;
    fix_year(&ev->year);
    sd_normalize_chain(&ev->year);
    sd_normalize_chain(&ev->month);
    sd_normalize_chain(&ev->day);
    sd_normalize_chain(&ev->hour);
    sd_normalize_chain(&ev->minute);
    sd_normalize_chain(&ev->usec);
    if (sd_check_chain(ps, &ev->year, "year", MIN_YEAR, MAX_YEAR, false, false) < 0 ||
        sd_check_chain(ps, &ev->month, "month", 1, 12, false, false) < 0 ||
        sd_check_chain(ps, &ev->day, "day", 1, 31, ev->eom, false) < 0 ||
        sd_check_chain(ps, &ev->hour, "hour", 0, 23, false, false) < 0 ||
        sd_check_chain(ps, &ev->minute, "minute", 0, 59, false, false) < 0 ||
        sd_check_chain(ps, &ev->usec, "second", 0, 60 * USEC - 1, false, true) < 0)
        return -1;
    return 0;
}

/* ---- proxmox dialect (proxmox-time calendar_event.rs behaviour) ---- */

static bool eat(const char **p, char c)
{
    if (**p != c)
        return false;
    (*p)++;
    return true;
}

static int pm_num(struct ps *ps, const char **pp, int max, const char *what, int *out)
{
    const char *p = *pp;
    long long v = 0;

    if (!isdigit((unsigned char)*p))
        return ps_fail(ps, p, "expected a number");
    while (isdigit((unsigned char)*p)) {
        if (v < 100000000)
            v = v * 10 + (*p - '0');
        p++;
    }
    if (v >= max)
        return ps_fail(ps, *pp, "%s %.*s out of range (at most %d)", what, (int)(p - *pp), *pp,
                       max - 1);
    *pp = p;
    *out = (int)v;
    return 0;
}

/* One item: N | N..M | N/R | N..M/R. 0 or -1 (*pp unchanged on failure). */
static int pm_item(struct ps *ps, const char **pp, int max, const char *what, struct cal_chain *c,
                   int scale)
{
    const char *p = *pp, *at = *pp;
    int a, b, r;

    if (pm_num(ps, &p, max, what, &a) < 0)
        return -1;
    if (p[0] == '.' && p[1] == '.') {
        const char *q = p + 2;

        if (pm_num(ps, &q, max, what, &b) == 0) {
            if (a > b)
                return ps_fail(ps, at, "%s range %d..%d ends before it starts", what, a, b);
            p = q;
            if (*p == '/') {
                q = p + 1;
                if (pm_num(ps, &q, max, "repetition", &r) < 0)
                    return -1;
                p = q;
                if (r > 0)
                    chain_add(c, a * scale, b * scale, r * scale, (int)(at - ps->s));
                else
                    chain_add(c, a * scale, -1, 0, (int)(at - ps->s));
            } else {
                chain_add(c, a * scale, b * scale, scale, (int)(at - ps->s));
            }
            *pp = p;
            return 0;
        }
    }
    if (*p == '/') {
        const char *q = p + 1;

        if (pm_num(ps, &q, max, "repetition", &r) < 0)
            return -1;
        p = q;
        chain_add(c, a * scale, -1, r > 0 ? r * scale : 0, (int)(at - ps->s));
    } else {
        chain_add(c, a * scale, -1, 0, (int)(at - ps->s));
    }
    *pp = p;
    return 0;
}

/* "*", "*\/R" or a comma list. On failure *pp and c are unchanged. */
static int pm_list(struct ps *ps, const char **pp, int first, int max, const char *what,
                   struct cal_chain *c, int scale)
{
    const char *p = *pp;
    struct cal_chain tmp = { 0 };

    if (*p == '*') {
        p++;
        if (*p == '/') {
            const char *q = p + 1;
            int r;

            if (pm_num(ps, &q, max, "repetition", &r) < 0)
                return -1;
            if (r > 0) {
                chain_release(c);
                chain_add(c, first * scale, -1, r * scale, (int)(*pp - ps->s));
                *pp = q;
                return 0;
            }
        }
        chain_release(c);
        if (scale == USEC)
            chain_add(c, 0, -1, USEC, (int)(*pp - ps->s));
        *pp = p;
        return 0;
    }
    if (pm_item(ps, &p, max, what, &tmp, scale) < 0)
        return -1;
    while (*p == ',') {
        const char *q = p + 1;

        if (pm_item(ps, &q, max, what, &tmp, scale) < 0)
            break; /* nom: the list ends before the comma */
        p = q;
    }
    chain_release(c);
    *c = tmp;
    *pp = p;
    return 0;
}

static int pm_weekday(struct ps *ps, const char **pp, int *nr)
{
    const char *p = *pp;
    int n = 0;

    while (isalpha((unsigned char)p[n]))
        n++;
    if (n == 0)
        return ps_fail(ps, p, "expected a weekday");
    for (size_t i = 0; i < sizeof(day_names) / sizeof(day_names[0]); i++) {
        if ((size_t)n == strlen(day_names[i].name) &&
            !strncasecmp(p, day_names[i].name, (size_t)n)) {
            *nr = day_names[i].nr;
            *pp = p + n;
            return 0;
        }
    }
    return ps_fail(ps, p, "bad weekday '%.*s'", n, p);
}

static bool pm_keyword(const char *s, struct cal_event *ev)
{
    static const struct {
        const char *name;
        int months; /* bits of months 1..12; 0 = every */
        bool day1, weekly, daily, hourly;
    } kw[] = {
        { "minutely", 0, false, false, false, false },
        { "hourly", 0, false, false, false, true },
        { "daily", 0, false, false, true, true },
        { "weekly", 0, false, true, true, true },
        { "monthly", 0, true, false, true, true },
        { "yearly", 1 << 1, true, false, true, true },
        { "annually", 1 << 1, true, false, true, true },
        { "quarterly", (1 << 1) | (1 << 4) | (1 << 7) | (1 << 10), true, false, true, true },
        { "semiannually", (1 << 1) | (1 << 7), true, false, true, true },
        { "semi-annually", (1 << 1) | (1 << 7), true, false, true, true },
    };

    for (size_t i = 0; i < sizeof(kw) / sizeof(kw[0]); i++) {
        if (strcmp(s, kw[i].name))
            continue;
        chain_const(&ev->usec, 0);
        if (kw[i].hourly)
            chain_const(&ev->minute, 0);
        if (kw[i].daily)
            chain_const(&ev->hour, 0);
        if (kw[i].weekly)
            ev->wdays = 1;
        if (kw[i].day1)
            chain_const(&ev->day, 1);
        for (int m = 1; m <= 12; m++)
            if (kw[i].months & (1 << m))
                chain_add(&ev->month, m, -1, 0, 0);
        return true;
    }
    return false;
}

static int pm_parse(struct ps *ps, char *buf, struct cal_event *ev)
{
    size_t len = strlen(buf);
    bool any = false;
    const char *p, *q;
    struct cal_chain y = { 0 }, m = { 0 }, d = { 0 };

    if (len >= 3 && !strcmp(buf + len - 3, "UTC")) {
        ev->utc = true;
        len -= 3;
        while (len > 0 && buf[len - 1] == ' ')
            len--;
        buf[len] = '\0';
    }
    p = buf;
    if (isalpha((unsigned char)*p)) {
        if (pm_keyword(p, ev))
            return 0;
        for (;;) {
            int a, b;

            if (pm_weekday(ps, &p, &a) < 0)
                return -1;
            b = a;
            if (p[0] == '.' && p[1] == '.') {
                q = p + 2;
                if (pm_weekday(ps, &q, &b) == 0)
                    p = q;
                else
                    b = a;
            }
            if (a <= b) {
                for (int k = a; k <= b; k++)
                    ev->wdays |= 1u << k;
            } else {
                for (int k = a; k <= 6; k++)
                    ev->wdays |= 1u << k;
                for (int k = 0; k <= b; k++)
                    ev->wdays |= 1u << k;
            }
            if (*p != ',' || !isalpha((unsigned char)p[1]))
                break;
            p++;
        }
        any = true;
        p += strspn(p, " ");
    }
    /* date: [Y-]M-D */
    q = p;
    if (pm_list(ps, &q, 0, 2200, "year", &y, 1) == 0 && eat(&q, '-') &&
        pm_list(ps, &q, 1, 13, "month", &m, 1) == 0 && eat(&q, '-') &&
        pm_list(ps, &q, 1, 32, "day", &d, 1) == 0) {
        ev->year = y;
        ev->month = m;
        ev->day = d;
        y = m = d = (struct cal_chain){ 0 };
        p = q;
        any = true;
        p += strspn(p, " ");
    } else {
        chain_release(&y);
        chain_release(&m);
        chain_release(&d);
        q = p;
        if (pm_list(ps, &q, 1, 13, "month", &m, 1) == 0 && eat(&q, '-') &&
            pm_list(ps, &q, 1, 32, "day", &d, 1) == 0) {
            ev->month = m;
            ev->day = d;
            m = d = (struct cal_chain){ 0 };
            p = q;
            any = true;
            p += strspn(p, " ");
        }
        chain_release(&m);
        chain_release(&d);
    }
    /* time: [H:]M[:S] */
    {
        struct cal_chain h = { 0 }, mi = { 0 }, s = { 0 };
        bool have_h = false;

        q = p;
        if (pm_list(ps, &q, 0, 24, "hour", &h, 1) == 0 && *q == ':') {
            q++;
            have_h = true;
        } else {
            chain_release(&h);
            q = p;
        }
        if (pm_list(ps, &q, 0, 60, "minute", &mi, 1) == 0) {
            const char *r = q;

            if (eat(&r, ':') && pm_list(ps, &r, 0, 60, "second", &s, USEC) == 0)
                q = r;
            else
                chain_const(&s, 0);
            ev->hour = have_h ? h : (struct cal_chain){ 0 };
            if (!have_h)
                chain_release(&h);
            ev->minute = mi;
            ev->usec = s;
            p = q;
            any = true;
        } else {
            chain_release(&h);
            chain_release(&mi);
            chain_const(&ev->hour, 0);
            chain_const(&ev->minute, 0);
            chain_const(&ev->usec, 0);
        }
    }
    if (!any)
        return ps_fail(ps, p, "expected a weekday, date or time");
    p += strspn(p, " ");
    if (*p)
        return ps_fail(ps, p, "unexpected '%.*s'%s", word_len(p), p,
                       isalpha((unsigned char)*p) ? " (the only time zone allowed is UTC)" : "");
    if (ev->wdays >= 127)
        ev->wdays = 0;
    return 0;
}

struct cal_event *cal_parse_at(const char *expr, enum cal_dialect d, size_t *bad_at,
                               struct lb_err *err)
{
    struct cal_event *ev = xcalloc(1, sizeof(*ev));
    char *copy = xstrdup(expr ? expr : "");
    struct ps ps = { .s = copy, .p = copy };
    int rc;

    ev->dialect = d;
    rc = d == CAL_PROXMOX ? pm_parse(&ps, copy, ev) : sd_parse(&ps, copy, ev);
    if (rc < 0) {
        if (bad_at)
            *bad_at = (size_t)ps.bad;
        lb_err_set(err, LB_EPARSE, "%s at column %d", ps.failed ? ps.msg : "bad calendar event",
                   ps.bad + 1);
        cal_free(ev);
        ev = NULL;
    }
    free(copy);
    return ev;
}

struct cal_event *cal_parse(const char *expr, enum cal_dialect d, struct lb_err *err)
{
    return cal_parse_at(expr, d, NULL, err);
}
