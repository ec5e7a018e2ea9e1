/*
 * The schedule service: jobs from every source, their next runs, last
 * results, and the overlaps of their runs over the coming week.
 */
#include "backend/schedule.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/base/err.h"
#include "backend/base/str.h"
#include "backend/base/xalloc.h"
#include "backend/config.h"
#include "backend/store.h"

static void job_free(void *p)
{
    struct sched_job *j = p;

    if (!j)
        return;
    free(j->name);
    free(j->calendar);
    free(j->last_upid);
    vec_release(&j->touches);
    cal_free(j->ev);
    free(j);
}

void schedule_init(struct schedule *s, int quiet_from, int quiet_to)
{
    memset(s, 0, sizeof(*s));
    vec_init(&s->jobs, job_free);
    vec_init(&s->overlaps, free);
    vec_init(&s->recurring, free);
    s->quiet_from = quiet_from;
    s->quiet_to = quiet_to;
}

void schedule_release(struct schedule *s)
{
    vec_release(&s->jobs);
    vec_release(&s->overlaps);
    vec_release(&s->recurring);
}

const char *schedule_where_name(enum sched_where w)
{
    switch (w) {
    case SCHED_PVE:
        return "pve";
    case SCHED_PBS:
        return "pbs";
    case SCHED_LIFEBOAT:
        break;
    }
    return "lifeboat";
}

static void add_touch(struct sched_job *j, const char *what)
{
    size_t i;
    char *t;

    if (!what || !*what)
        return;
    vec_foreach(&j->touches, i, t) {
        if (!strcmp(t, what))
            return;
    }
    vec_push(&j->touches, xstrdup(what));
}

size_t schedule_add(struct schedule *s, const struct sched_source_job *src)
{
    struct sched_job *j = xcalloc(1, sizeof(*j));
    struct lb_err err = { 0 };

    j->name = xstrdup(src->name ? src->name : "?");
    j->where = src->where;
    j->calendar = xstrdup(src->calendar ? src->calendar : "");
    j->dialect = src->dialect;
    vec_init(&j->touches, free);
    for (const char *const *t = src->touches; t && *t; t++)
        add_touch(j, *t);
    if (!src->calendar || !*src->calendar) {
        str_copy(j->error, sizeof(j->error), "no schedule");
    } else {
        j->ev = cal_parse(src->calendar, src->dialect, &err);
        if (!j->ev)
            str_copy(j->error, sizeof(j->error), err.msg[0] ? err.msg : "bad calendar event");
    }
    if (src->last_started) {
        j->has_last = true;
        j->last_started = src->last_started;
        j->last_ended = src->last_ended;
        j->last_outcome = src->last_outcome;
        j->last_upid = src->last_upid ? xstrdup(src->last_upid) : NULL;
    }
    j->duration = src->typical_duration;
    if (j->duration <= 0) {
        j->duration = SCHED_DEFAULT_DURATION;
        j->duration_estimated = true;
    }
    if (j->duration < SCHED_MIN_DURATION)
        j->duration = SCHED_MIN_DURATION;
    vec_push(&s->jobs, j);
    return s->jobs.len - 1;
}

void schedule_add_config(struct schedule *s, const struct config *cfg)
{
    size_t i, k;
    struct job_cfg *jc;

    if (!cfg)
        return;
    vec_foreach(&cfg->jobs, i, jc) {
        struct sched_source_job src = {
            .name = jc->name,
            .where = SCHED_LIFEBOAT,
            .calendar = jc->schedule,
            .dialect = CAL_SYSTEMD,
            .last_outcome = -1,
        };
        size_t idx = schedule_add(s, &src);
        struct sched_job *j = vec_get(&s->jobs, idx);
        char *name;
        struct job_copy *cp;
        struct job_check *ck;

        vec_foreach(&jc->repos, k, name)
            add_touch(j, name);
        vec_foreach(&jc->copies, k, cp) {
            add_touch(j, cp->src);
            add_touch(j, cp->dst);
        }
        vec_foreach(&jc->checks, k, ck)
            add_touch(j, ck->repo);
    }
}

void schedule_add_runs(struct schedule *s, struct store *st)
{
    size_t i;
    struct sched_job *j;

    if (!st)
        return;
    vec_foreach(&s->jobs, i, j) {
        struct vec runs = VEC_INIT(store_run_free);
        struct lb_err err = { 0 };
        int64_t longest = 0;
        int finished = 0;

        if (j->where != SCHED_LIFEBOAT)
            continue;
        if (store_runs_recent(st, j->name, 8, &runs, &err) < 0 || !runs.len) {
            vec_release(&runs);
            continue;
        }
        for (size_t r = 0; r < runs.len; r++) {
            struct store_run *run = vec_get(&runs, r);

            if (r == 0) {
                j->has_last = true;
                j->last_started = run->started;
                j->last_ended = run->ended;
                j->last_outcome = (int)run->outcome;
            }
            if (run->outcome == RUN_RUNNING || run->ended < run->started || finished >= 5)
                continue;
            finished++;
            if (run->ended - run->started > longest)
                longest = run->ended - run->started;
        }
        if (finished) {
            j->duration = longest < SCHED_MIN_DURATION ? SCHED_MIN_DURATION : longest;
            j->duration_estimated = false;
        }
        vec_release(&runs);
    }
}

bool schedule_in_quiet(int from, int to, int minute_of_day)
{
    if (from < 0 || to < 0 || from == to)
        return false;
    if (from < to)
        return minute_of_day >= from && minute_of_day < to;
    return minute_of_day >= from || minute_of_day < to; /* wraps midnight */
}

static int minute_of_day(time_t t)
{
    struct tm tm;

    localtime_r(&t, &tm);
    return tm.tm_hour * 60 + tm.tm_min;
}

time_t schedule_day_start(time_t t, int days)
{
    struct tm tm;

    localtime_r(&t, &tm);
    tm.tm_mday += days;
    tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
    tm.tm_isdst = -1;
    return mktime(&tm);
}

/* The local time of hour h (may be 24 and more) of the day starting at day0. */
static time_t hour_start(time_t day0, int h)
{
    struct tm tm;

    localtime_r(&day0, &tm);
    tm.tm_hour = h;
    tm.tm_min = tm.tm_sec = 0;
    tm.tm_isdst = -1;
    return mktime(&tm);
}

size_t schedule_runs(const struct sched_job *j, time_t from, time_t to,
                     void (*fn)(time_t start, time_t end, void *arg), void *arg)
{
    time_t t = from - (time_t)j->duration, next;
    size_t n = 0;

    if (!j->ev)
        return 0;
    while (n < SCHED_MAX_RUNS && cal_next(j->ev, t, &next) == 0 && next < to) {
        time_t end = next + (time_t)j->duration;

        if (end > from) {
            if (fn)
                fn(next, end, arg);
            n++;
        }
        t = next;
    }
    return n;
}

/* ---- overlaps ---- */

struct span {
    time_t start, end;
};

struct spans {
    struct span *v;
    size_t n, cap;
};

static void span_add(time_t start, time_t end, void *arg)
{
    struct spans *sp = arg;

    if (sp->n == sp->cap) {
        sp->cap = sp->cap ? sp->cap * 2 : 16;
        sp->v = xrealloc(sp->v, sp->cap * sizeof(*sp->v));
    }
    sp->v[sp->n++] = (struct span){ start, end };
}

static const char *shared_touch(const struct sched_job *a, const struct sched_job *b)
{
    size_t i, k;
    char *ta, *tb;

    vec_foreach(&a->touches, i, ta) {
        vec_foreach(&b->touches, k, tb) {
            if (!strcmp(ta, tb))
                return ta;
        }
    }
    return NULL;
}

/* Both run in [lo, hi): kept within the window, cut ends said. */
static void add_overlap(struct schedule *s, size_t a, size_t b, time_t lo, time_t hi,
                        const char *shared)
{
    struct sched_overlap *o;
    time_t from = lo < s->from ? s->from : lo, to = hi > s->to ? s->to : hi;

    /* the same pair again, touching the last one: extend it */
    for (size_t i = s->overlaps.len; i-- > 0;) {
        o = vec_get(&s->overlaps, i);
        if (o->a == a && o->b == b) {
            if (from <= o->to) {
                if (to > o->to)
                    o->to = to;
                if (to >= o->to)
                    o->cut_to = o->cut_to || hi > s->to;
                return;
            }
            break;
        }
    }
    s->overlaps_total++;
    if (s->overlaps.len >= SCHED_MAX_OVERLAPS * 4)
        return;
    o = xcalloc(1, sizeof(*o));
    o->a = a;
    o->b = b;
    o->from = from;
    o->to = to;
    o->in_quiet = schedule_in_quiet(s->quiet_from, s->quiet_to, minute_of_day(from));
    o->cut_from = lo < s->from;
    o->cut_to = hi > s->to;
    if (shared)
        str_copy(o->shared, sizeof(o->shared), shared);
    vec_push(&s->overlaps, o);
}

static int overlap_cmp(const void *pa, const void *pb)
{
    const struct sched_overlap *a = *(const struct sched_overlap *const *)pa;
    const struct sched_overlap *b = *(const struct sched_overlap *const *)pb;

    if (a->from != b->from)
        return a->from < b->from ? -1 : 1;
    if (a->a != b->a)
        return a->a < b->a ? -1 : 1;
    return a->b < b->b ? -1 : a->b > b->b;
}

/* ---- recurring overlaps ---- */

static int recurring_cmp(const void *pa, const void *pb)
{
    const struct sched_recurring *a = *(const struct sched_recurring *const *)pa;
    const struct sched_recurring *b = *(const struct sched_recurring *const *)pb;

    if (a->first != b->first)
        return a->first < b->first ? -1 : 1;
    if (a->a != b->a)
        return a->a < b->a ? -1 : 1;
    return a->b < b->b ? -1 : a->b > b->b;
}

/*
 * The group o belongs to, or NULL: the same pair and shared store; the same
 * local from and to, except where the window cut o (its cut end is not its
 * own: a cut start matches by the end, a cut end by the start and quiet).
 */
static struct sched_recurring *find_group(const struct schedule *s, const struct sched_overlap *o,
                                          int fm, int tm_)
{
    size_t k;
    struct sched_recurring *c;

    vec_foreach(&s->recurring, k, c) {
        if (c->a != o->a || c->b != o->b || strcmp(c->shared, o->shared))
            continue;
        if (o->cut_from && o->cut_to)
            continue;
        if (!o->cut_from && (c->from_min != fm || c->in_quiet != o->in_quiet))
            continue;
        if (!o->cut_to && c->to_min != tm_)
            continue;
        return c;
    }
    return NULL;
}

/* s->overlaps (sorted, not yet cut to SCHED_MAX_OVERLAPS) into s->recurring. */
static void group_overlaps(struct schedule *s)
{
    time_t bound[SCHED_DAYS + 1];
    size_t i;
    struct sched_overlap *o;

    vec_clear(&s->recurring);
    s->recurring_seen = 0;
    for (int d = 0; d <= SCHED_DAYS; d++)
        bound[d] = schedule_day_start(s->from, d);
    /* whole ones first, then those the window's edges cut join the group they belong to */
    for (int pass = 0; pass < 2; pass++) {
        vec_foreach(&s->overlaps, i, o) {
            struct sched_recurring *g;
            int fm = minute_of_day(o->from), tm_ = minute_of_day(o->to), day = -1;
            struct tm tm;

            if ((o->cut_from || o->cut_to) != (pass == 1))
                continue;
            g = find_group(s, o, fm, tm_);
            if (!g) {
                g = xcalloc(1, sizeof(*g));
                g->a = o->a;
                g->b = o->b;
                g->from_min = fm;
                g->to_min = tm_;
                g->in_quiet = o->in_quiet;
                str_copy(g->shared, sizeof(g->shared), o->shared);
                g->first = o->from;
                g->first_to = o->to;
                vec_push(&s->recurring, g);
            } else if (o->cut_from) {
                /* the tail of the run of the day before the window: no day of its own */
                g->count++;
                s->recurring_seen++;
                continue;
            }
            g->count++;
            s->recurring_seen++;
            for (int d = 0; d < SCHED_DAYS; d++)
                if (o->from >= bound[d] && o->from < bound[d + 1])
                    day = d;
            if (day >= 0 && !(g->days & (1u << day))) {
                g->days |= 1u << day;
                g->ndays++;
            }
            localtime_r(&o->from, &tm);
            g->weekdays |= 1u << tm.tm_wday;
        }
    }
    vec_sort(&s->recurring, recurring_cmp);
}

char *schedule_recurring_days(const struct schedule *s, const struct sched_recurring *g,
                              bool with_date, char *out, size_t n)
{
    bool but = g->ndays >= SCHED_DAYS - 2 && g->ndays < SCHED_DAYS;
    size_t used;
    struct tm tm;

    if (!n)
        return out;
    out[0] = '\0';
    if (g->ndays >= SCHED_DAYS) {
        snprintf(out, n, "every day");
        return out;
    }
    if (g->ndays <= 1) {
        localtime_r(&g->first, &tm);
        strftime(out, n, with_date ? "%a %Y-%m-%d" : "%a", &tm);
        return out;
    }
    used = (size_t)snprintf(out, n, "%s", but ? "every day but " : "");
    for (int d = 0, listed = 0; d < SCHED_DAYS && used < n; d++) {
        time_t t;
        char wd[16];

        if (!(g->days & (1u << d)) != but)
            continue;
        t = schedule_day_start(s->from, d);
        localtime_r(&t, &tm);
        strftime(wd, sizeof(wd), "%a", &tm);
        used += (size_t)snprintf(out + used, n - used, "%s%s", listed++ ? ", " : "", wd);
    }
    return out;
}

void schedule_compute(struct schedule *s, time_t now)
{
    size_t n = s->jobs.len;
    struct spans *runs = xcalloc(n ? n : 1, sizeof(*runs));

    s->now = now;
    s->from = schedule_day_start(now, 0);
    s->to = schedule_day_start(now, SCHED_DAYS);
    vec_clear(&s->overlaps);
    s->overlaps_total = 0;
    for (size_t i = 0; i < n; i++) {
        struct sched_job *j = vec_get(&s->jobs, i);
        time_t t = now, next;

        j->n_next = 0;
        j->outside_quiet = false;
        while (j->ev && j->n_next < SCHED_NEXT && cal_next(j->ev, t, &next) == 0) {
            j->next[j->n_next++] = next;
            t = next;
        }
        schedule_runs(j, s->from, s->to, span_add, &runs[i]);
        for (size_t r = 0; r < runs[i].n; r++) {
            if (s->quiet_from >= 0 && runs[i].v[r].start >= s->from &&
                !schedule_in_quiet(s->quiet_from, s->quiet_to, minute_of_day(runs[i].v[r].start)))
                j->outside_quiet = true;
        }
    }
    for (size_t a = 0; a < n; a++) {
        for (size_t b = a + 1; b < n; b++) {
            const char *shared = shared_touch(vec_get(&s->jobs, a), vec_get(&s->jobs, b));
            size_t ia = 0, ib = 0;

            /* both lists are in start order; runs of one job may overlap each other */
            while (ia < runs[a].n && ib < runs[b].n) {
                struct span x = runs[a].v[ia], y = runs[b].v[ib];
                time_t lo = x.start > y.start ? x.start : y.start;
                time_t hi = x.end < y.end ? x.end : y.end;

                if (lo < hi)
                    add_overlap(s, a, b, lo, hi, shared);
                if (x.end < y.end)
                    ia++;
                else
                    ib++;
            }
        }
    }
    vec_sort(&s->overlaps, overlap_cmp);
    group_overlaps(s);
    while (s->overlaps.len > SCHED_MAX_OVERLAPS)
        vec_remove(&s->overlaps, s->overlaps.len - 1);
    for (size_t i = 0; i < n; i++)
        free(runs[i].v);
    free(runs);
}

/* ---- the strip ---- */

struct strip_fill {
    struct sched_cell *cells;
    size_t ncells;
    uint64_t bit;
};

/* First cell whose end is after t. */
static size_t cell_at(const struct sched_cell *cells, size_t n, time_t t)
{
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (cells[mid].end <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void strip_mark(time_t start, time_t end, void *arg)
{
    struct strip_fill *f = arg;

    for (size_t c = cell_at(f->cells, f->ncells, start); c < f->ncells && f->cells[c].start < end;
         c++) {
        if (f->cells[c].end > f->cells[c].start)
            f->cells[c].jobs |= f->bit;
    }
}

size_t schedule_strip(const struct schedule *s, time_t day0, int days, int per_hour,
                      struct sched_cell *cells)
{
    size_t n = 0, i;
    struct sched_job *j;
    struct sched_overlap *o;

    if (per_hour < 1)
        per_hour = 1;
    if (per_hour > 12)
        per_hour = 12;
    for (int d = 0; d < days; d++) {
        time_t dstart = schedule_day_start(day0, d);

        for (int h = 0; h < 24; h++) {
            time_t hs = hour_start(dstart, h), he = hour_start(dstart, h + 1);

            if (he < hs)
                he = hs;
            for (int k = 0; k < per_hour; k++) {
                struct sched_cell *c = &cells[n++];

                memset(c, 0, sizeof(*c));
                c->start = hs + (he - hs) * k / per_hour;
                c->end = hs + (he - hs) * (k + 1) / per_hour;
                c->quiet =
                    schedule_in_quiet(s->quiet_from, s->quiet_to, h * 60 + 60 * k / per_hour);
                c->past = c->end <= s->now;
            }
        }
    }
    vec_foreach(&s->jobs, i, j) {
        struct strip_fill f = { cells, n, 0 };

        if (i >= 64)
            break;
        f.bit = (uint64_t)1 << i;
        if (n)
            schedule_runs(j, cells[0].start, cells[n - 1].end, strip_mark, &f);
    }
    vec_foreach(&s->overlaps, i, o) {
        for (size_t c = cell_at(cells, n, o->from); c < n && cells[c].start < o->to; c++)
            cells[c].overlap = true;
    }
    return n;
}
