/*
 * The retention view of a tier: plan, expiry by simulation, gaps, and the
 * estimates of the what-if.
 */
#include "backend/retview.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/base/buf.h"
#include "backend/base/xalloc.h"
#include "backend/base/str.h"
#include "backend/base/vec.h"
#include "backend/config.h"
#include "backend/restic.h"

/* Work bound of the simulation: snapshots planned over all arrivals. */
#define SIM_MAX_WORK ((size_t)8 * 1000 * 1000)
/* Expected snapshots enumerated when looking for gaps. */
#define GAP_MAX_EXPECTED 100000

void retview_policy_from_keep(const struct keep_policy *keep, int restic_version,
                              struct retention_policy *out)
{
    memset(out, 0, sizeof(*out));
    out->restic_version = restic_version;
    out->keep[RET_LAST] = keep->last;
    out->keep[RET_HOURLY] = keep->hourly;
    out->keep[RET_DAILY] = keep->daily;
    out->keep[RET_WEEKLY] = keep->weekly;
    out->keep[RET_MONTHLY] = keep->monthly;
    out->keep[RET_YEARLY] = keep->yearly;
    /* restic < 0.16 has no unlimited: the runner passes a huge count instead */
    for (int r = 0; r < RET_NRULES; r++)
        if (out->keep[r] < 0 && restic_version < RETENTION_RESTIC_VERSION(0, 16))
            out->keep[r] = 1000000;
    if (keep->within > 0) {
        int64_t h = keep->within / 3600;

        if (h % 24 == 0)
            out->within.days = (int)(h / 24);
        else
            out->within.hours = (int)h;
    }
}

void retview_release(struct retview *rv)
{
    free(rv->pts);
    free(rv->gaps);
    memset(rv, 0, sizeof(*rv));
}

static int32_t local_offset(int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;

    if (!localtime_r(&tt, &tm))
        return 0;
    return (int32_t)tm.tm_gmtoff;
}

static int point_cmp(const void *pa, const void *pb)
{
    const struct retview_point *a = pa, *b = pb;

    if (a->time != b->time)
        return a->time < b->time ? -1 : 1;
    return strcmp(a->id, b->id);
}

/* ---- arrivals ---- */

struct arrival {
    int64_t time; /* the snapshot's time */
    int64_t at;   /* when it arrives (the forget after it runs then) */
};

static int arrival_cmp(const void *pa, const void *pb)
{
    const struct arrival *a = pa, *b = pb;

    if (a->at != b->at)
        return a->at < b->at ? -1 : 1;
    return a->time < b->time ? -1 : a->time > b->time;
}

/* The first elapse of ev at or after t; 0 when none. */
static int64_t at_or_after(const struct cal_event *ev, int64_t t)
{
    time_t next;

    return cal_next(ev, (time_t)(t - 1), &next) == 0 ? (int64_t)next : 0;
}

static size_t make_arrivals(const struct retview_feed *feeds, size_t n_feeds, time_t now,
                            int64_t newest, struct arrival **out)
{
    size_t n = 0, cap = 64;
    struct arrival *v = xmalloc(cap * sizeof(*v));
    int64_t horizon = (int64_t)now + (int64_t)RETVIEW_HORIZON_YEARS * 366 * 86400;

    for (size_t f = 0; f < n_feeds; f++) {
        int64_t t = now;
        time_t next;
        size_t made = 0;

        if (!feeds[f].snap)
            continue;
        /* a copy target: snapshots made since its newest point arrive at the next copy */
        if (feeds[f].arrive) {
            t = newest > now - 8 * 86400 ? newest : now - 8 * 86400;
            if (t > now)
                t = now;
        }
        while (made < RETVIEW_MAX_ARRIVALS && cal_next(feeds[f].snap, (time_t)t, &next) == 0 &&
               next <= horizon) {
            int64_t at = feeds[f].arrive ? at_or_after(feeds[f].arrive, next) : next;

            t = next;
            if (!at || at <= now)
                continue;
            if (n == cap) {
                cap *= 2;
                v = xrealloc(v, cap * sizeof(*v));
            }
            v[n++] = (struct arrival){ next, at };
            made++;
        }
    }
    qsort(v, n, sizeof(*v), arrival_cmp);
    if (n > RETVIEW_MAX_ARRIVALS)
        n = RETVIEW_MAX_ARRIVALS;
    *out = v;
    return n;
}

/* ---- simulation ---- */

/* A snapshot of the simulation: a real point (idx >= 0) or a simulated one (-1). */
struct sim_item {
    int64_t time;
    int32_t utc_offset;
    int64_t idx;
};

static void simulate(struct retview *rv, uint32_t target, const struct arrival *arr, size_t n_arr,
                     struct lb_err *err)
{
    size_t cap = rv->n + 64, n = 0, work = 0, a = 0;
    struct sim_item *w = xmalloc(cap * sizeof(*w));
    struct retention_snap *snaps = NULL;
    size_t snaps_cap = 0;
    struct retention_result res;
    size_t alive = 0;
    int64_t last_at = 0;

    for (size_t i = 0; i < rv->n; i++) {
        if (rv->pts[i].group != target || !rv->pts[i].keep)
            continue;
        w[n++] = (struct sim_item){ rv->pts[i].time, rv->pts[i].utc_offset, (int64_t)i };
        alive++;
    }
    while (a < n_arr && alive && work < SIM_MAX_WORK) {
        int64_t at = arr[a].at;

        for (; a < n_arr && arr[a].at == at; a++) {
            if (n == cap) {
                cap *= 2;
                w = xrealloc(w, cap * sizeof(*w));
            }
            w[n++] = (struct sim_item){ arr[a].time, local_offset(arr[a].time), -1 };
        }
        last_at = at;
        if (n > snaps_cap) {
            snaps_cap = cap;
            snaps = xrealloc(snaps, snaps_cap * sizeof(*snaps));
        }
        memset(snaps, 0, n * sizeof(*snaps));
        for (size_t i = 0; i < n; i++) {
            snaps[i].time = w[i].time;
            snaps[i].utc_offset = w[i].utc_offset;
        }
        if (retention_plan(rv->engine, &rv->policy, snaps, n, at, NULL, &res, err) < 0)
            break;
        work += n;
        /* drop what the forget after this arrival removes */
        size_t k = 0;

        for (size_t i = 0; i < n; i++) {
            if (snaps[i].keep) {
                w[k++] = w[i];
                continue;
            }
            if (w[i].idx >= 0) {
                rv->pts[w[i].idx].exp = RV_EXPIRES;
                rv->pts[w[i].idx].expires = (time_t)at;
                alive--;
            }
        }
        n = k;
    }
    for (size_t i = 0; i < n; i++) {
        if (w[i].idx >= 0) {
            rv->pts[w[i].idx].exp = RV_KEPT_BEYOND;
            rv->pts[w[i].idx].expires = (time_t)(last_at ? last_at : 0);
        }
    }
    free(snaps);
    free(w);
}

/* ---- gaps ---- */

static bool point_near(const struct retview *rv, uint32_t group, int64_t from, int64_t to)
{
    size_t lo = 0, hi = rv->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (rv->pts[mid].time < from)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < rv->n && rv->pts[lo].time < to; lo++)
        if (rv->pts[lo].group == group)
            return true;
    return false;
}

static int64_t bucket(int rule, int64_t t, int32_t off)
{
    struct retention_civil c;

    retention_civil(t, off, &c);
    switch (rule) {
    case RET_HOURLY:
        return ((int64_t)c.year * 10000 + c.month * 100 + c.day) * 100 + c.hour;
    case RET_DAILY:
        return (int64_t)c.year * 10000 + c.month * 100 + c.day;
    case RET_WEEKLY:
        return (int64_t)c.iso_year * 100 + c.iso_week;
    case RET_MONTHLY:
        return (int64_t)c.year * 100 + c.month;
    default:
        return c.year;
    }
}

/* Would a point at t be kept, alone in the period of one of the rules keeping it? */
static bool would_fill_gap(struct retview *rv, uint32_t target, int64_t t, time_t now,
                           struct retention_snap *snaps, struct lb_err *err)
{
    size_t n = 0;
    struct retention_result res;
    int32_t off = local_offset(t);
    uint32_t why;

    for (size_t i = 0; i < rv->n; i++) {
        if (rv->pts[i].group != target)
            continue;
        memset(&snaps[n], 0, sizeof(snaps[n]));
        snaps[n].time = rv->pts[i].time;
        snaps[n].utc_offset = rv->pts[i].utc_offset;
        n++;
    }
    memset(&snaps[n], 0, sizeof(snaps[n]));
    snaps[n].time = t;
    snaps[n].utc_offset = off;
    n++;
    if (retention_plan(rv->engine, &rv->policy, snaps, n, now, NULL, &res, err) < 0)
        return false;
    if (!snaps[n - 1].keep)
        return false;
    why = snaps[n - 1].reasons;
    if (why & (RETR_LAST | RETR_WITHIN | RETR_WITHIN_HOURLY | RETR_WITHIN_DAILY |
               RETR_WITHIN_WEEKLY | RETR_WITHIN_MONTHLY | RETR_WITHIN_YEARLY))
        return true;
    for (int r = RET_HOURLY; r < RET_NRULES; r++) {
        bool alone = true;
        int64_t key;

        if (!(why & (RETR_LAST << r)))
            continue;
        key = bucket(r, t, off);
        for (size_t i = 0; i < rv->n && alone; i++)
            if (rv->pts[i].group == target &&
                bucket(r, rv->pts[i].time, rv->pts[i].utc_offset) == key)
                alone = false;
        if (alone)
            return true;
    }
    return false;
}

static void find_gaps(struct retview *rv, uint32_t target, const struct retview_feed *feeds,
                      size_t n_feeds, time_t now, struct lb_err *err)
{
    size_t cap = 16;
    int64_t oldest = rv->n ? rv->pts[0].time : 0;
    struct retention_snap *snaps;
    int64_t *expected = NULL;
    size_t n_exp = 0, exp_cap = 0;

    if (!rv->n)
        return;
    snaps = xmalloc((rv->n + 1) * sizeof(*snaps));
    rv->gaps = xmalloc(cap * sizeof(*rv->gaps));
    for (size_t f = 0; f < n_feeds; f++) {
        time_t t = (time_t)oldest, next;

        if (!feeds[f].snap)
            continue;
        while (n_exp < GAP_MAX_EXPECTED && cal_next(feeds[f].snap, t, &next) == 0 && next < now) {
            time_t after;
            int64_t at = feeds[f].arrive ? at_or_after(feeds[f].arrive, next) : next;

            t = next;
            if (!at || at + RETVIEW_GAP_GRACE > now)
                continue;
            if (cal_next(feeds[f].snap, next, &after) != 0)
                after = next + 86400;
            if (point_near(rv, target, (int64_t)next - RETVIEW_GAP_EARLY,
                           (int64_t)after - RETVIEW_GAP_EARLY))
                continue;
            if (n_exp == exp_cap) {
                exp_cap = exp_cap ? exp_cap * 2 : 64;
                expected = xrealloc(expected, exp_cap * sizeof(*expected));
            }
            expected[n_exp++] = next;
        }
    }
    /* the most recent ones are those an operator acts on */
    for (size_t i = n_exp > RETVIEW_MAX_GAP_CHECKS ? n_exp - RETVIEW_MAX_GAP_CHECKS : 0; i < n_exp;
         i++) {
        bool dup = false;

        for (size_t g = 0; g < rv->n_gaps && !dup; g++)
            dup = rv->gaps[g] == expected[i];
        if (dup || !would_fill_gap(rv, target, expected[i], now, snaps, err))
            continue;
        if (rv->n_gaps == cap) {
            cap *= 2;
            rv->gaps = xrealloc(rv->gaps, cap * sizeof(*rv->gaps));
        }
        rv->gaps[rv->n_gaps++] = expected[i];
    }
    /* feeds may interleave: oldest first */
    for (size_t i = 1; i < rv->n_gaps; i++)
        for (size_t k = i; k > 0 && rv->gaps[k - 1] > rv->gaps[k]; k--) {
            int64_t tmp = rv->gaps[k];

            rv->gaps[k] = rv->gaps[k - 1];
            rv->gaps[k - 1] = tmp;
        }
    free(expected);
    free(snaps);
}

int retview_build(struct retview *rv, enum retention_engine engine,
                  const struct retention_policy *policy, const struct retview_in *in, size_t n,
                  const struct retview_feed *feeds, size_t n_feeds, time_t now, struct lb_err *err)
{
    struct retention_snap *snaps;
    struct retention_result res;
    struct arrival *arr = NULL;
    size_t n_arr;
    uint32_t target = 0;
    int rc;

    memset(rv, 0, sizeof(*rv));
    rv->engine = engine;
    rv->policy = *policy;
    rv->pts = xcalloc(n ? n : 1, sizeof(*rv->pts));
    rv->n = n;
    for (size_t i = 0; i < n; i++) {
        memcpy(rv->pts[i].id, in[i].id, sizeof(rv->pts[i].id));
        rv->pts[i].id[sizeof(rv->pts[i].id) - 1] = '\0';
        rv->pts[i].time = in[i].time;
        rv->pts[i].utc_offset = in[i].utc_offset;
        rv->pts[i].group = in[i].group;
    }
    qsort(rv->pts, n, sizeof(*rv->pts), point_cmp);

    snaps = xcalloc(n ? n : 1, sizeof(*snaps));
    for (size_t i = 0; i < n; i++) {
        snaps[i].time = rv->pts[i].time;
        snaps[i].utc_offset = rv->pts[i].utc_offset;
        snaps[i].group = rv->pts[i].group;
    }
    rc = retention_plan(engine, policy, snaps, n, (int64_t)now, NULL, &res, err);
    if (rc < 0 || rc > 0) {
        free(snaps);
        retview_release(rv);
        return rc < 0 ? rc : -rc;
    }
    rv->refuses = res.restic_refuses;
    for (size_t i = 0; i < n; i++) {
        rv->pts[i].keep = snaps[i].keep;
        rv->pts[i].reasons = snaps[i].reasons;
        rv->pts[i].oldest = snaps[i].oldest;
        rv->pts[i].exp = snaps[i].keep ? RV_NO_NEW : RV_NEXT_RUN;
        if (snaps[i].keep)
            rv->kept++;
        else
            rv->removed++;
    }
    free(snaps);
    if (n)
        target = rv->pts[n - 1].group; /* new snapshots join the group of the newest */

    for (size_t f = 0; f < n_feeds; f++)
        if (feeds[f].snap)
            rv->has_feed = true;
    n_arr = make_arrivals(feeds, n_feeds, now, n ? rv->pts[n - 1].time : 0, &arr);
    rv->next_forget = n_arr ? (time_t)arr[0].at : 0;
    for (size_t i = 0; i < n; i++)
        if (!rv->pts[i].keep)
            rv->pts[i].expires = rv->next_forget;
    if (n_arr)
        simulate(rv, target, arr, n_arr, err);
    free(arr);
    find_gaps(rv, target, feeds, n_feeds, now, err);
    return 0;
}

char *retview_reason_names(uint32_t reasons, const char *sep, char *out, size_t n)
{
    static const struct {
        uint32_t bit;
        const char *name;
    } names[] = {
        { RETR_PROTECTED, "protected" },
        { RETR_PARTIAL, "partial" },
        { RETR_EMPTY, "no rule" },
        { RETR_WITHIN, "within" },
        { RETR_LAST, "last" },
        { RETR_HOURLY, "hourly" },
        { RETR_DAILY, "daily" },
        { RETR_WEEKLY, "weekly" },
        { RETR_MONTHLY, "monthly" },
        { RETR_YEARLY, "yearly" },
        { RETR_WITHIN_HOURLY, "within-hourly" },
        { RETR_WITHIN_DAILY, "within-daily" },
        { RETR_WITHIN_WEEKLY, "within-weekly" },
        { RETR_WITHIN_MONTHLY, "within-monthly" },
        { RETR_WITHIN_YEARLY, "within-yearly" },
    };
    size_t used = 0;

    if (n)
        out[0] = '\0';
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        int w;

        if (!(reasons & names[i].bit))
            continue;
        w = snprintf(out + used, n - used, "%s%s", used ? sep : "", names[i].name);
        if (w < 0 || (size_t)w >= n - used)
            break;
        used += (size_t)w;
    }
    return out;
}

char retview_reason_letter(uint32_t reasons)
{
    if (reasons & RETR_PROTECTED)
        return 'P';
    if (reasons & (RETR_YEARLY | RETR_WITHIN_YEARLY))
        return 'Y';
    if (reasons & (RETR_MONTHLY | RETR_WITHIN_MONTHLY))
        return 'M';
    if (reasons & (RETR_WEEKLY | RETR_WITHIN_WEEKLY))
        return 'W';
    if (reasons & (RETR_DAILY | RETR_WITHIN_DAILY))
        return 'D';
    if (reasons & (RETR_HOURLY | RETR_WITHIN_HOURLY))
        return 'H';
    if (reasons & RETR_LAST)
        return 'L';
    if (reasons & (RETR_WITHIN | RETR_EMPTY | RETR_PARTIAL))
        return 'T';
    return ' ';
}

uint64_t retview_freed_estimate(uint64_t size_bytes, size_t total, size_t removed)
{
    if (!total || !removed)
        return 0;
    if (removed >= total)
        return size_bytes;
    return (uint64_t)((long double)size_bytes * (long double)removed / (long double)total);
}

double retview_cost(uint64_t size_bytes, double price_per_gib_month)
{
    return (double)size_bytes / (1024.0 * 1024.0 * 1024.0) * price_per_gib_month;
}

/* ---- from the config and the cache ---- */

static bool has_name(const struct vec *names, const char *name)
{
    size_t i;
    char *s;

    vec_foreach(names, i, s) {
        if (!strcmp(s, name))
            return true;
    }
    return false;
}

static struct cal_event *feeds_event(struct retview_feeds *f, const char *expr)
{
    struct lb_err err = { 0 };
    struct cal_event *ev;

    if (!expr || f->n_ev >= 2 * RETVIEW_MAX_FEEDS)
        return NULL;
    ev = cal_parse(expr, CAL_SYSTEMD, &err);
    if (ev)
        f->ev[f->n_ev++] = ev;
    return ev;
}

static void feeds_note(struct retview_feeds *f, const char *job, const char *how)
{
    size_t used = strlen(f->jobs);

    snprintf(f->jobs + used, sizeof(f->jobs) - used, "%s%s%s", used ? ", " : "", job, how);
}

void retview_feeds_from_config(struct retview_feeds *f, const struct config *cfg, const char *repo)
{
    size_t i, k, m;
    struct job_cfg *job, *src;
    struct job_copy *cp;

    memset(f, 0, sizeof(*f));
    if (!cfg)
        return;
    vec_foreach(&cfg->jobs, i, job) {
        if (f->n < RETVIEW_MAX_FEEDS && has_name(&job->repos, repo)) {
            struct cal_event *ev = feeds_event(f, job->schedule);

            if (ev) {
                f->feed[f->n++] = (struct retview_feed){ ev, NULL };
                feeds_note(f, job->name, "");
            }
        }
        vec_foreach(&job->copies, k, cp) {
            struct cal_event *copy_ev;
            bool fed = false;

            if (strcmp(cp->dst, repo) || f->n >= RETVIEW_MAX_FEEDS)
                continue;
            copy_ev = feeds_event(f, job->schedule);
            if (!copy_ev)
                continue;
            feeds_note(f, job->name, " (copy)");
            vec_foreach(&cfg->jobs, m, src) {
                struct cal_event *ev;

                if (f->n >= RETVIEW_MAX_FEEDS || !has_name(&src->repos, cp->src))
                    continue;
                ev = feeds_event(f, src->schedule);
                if (ev) {
                    f->feed[f->n++] = (struct retview_feed){ ev, copy_ev };
                    fed = true;
                }
            }
            if (!fed) /* the source is itself a copy target: snapshots appear at the copy */
                f->feed[f->n++] = (struct retview_feed){ copy_ev, NULL };
        }
    }
}

void retview_feeds_release(struct retview_feeds *f)
{
    for (size_t i = 0; i < f->n_ev; i++)
        cal_free(f->ev[i]);
    memset(f, 0, sizeof(*f));
}

struct retview_in *retview_in_from_restic(const struct vec *snapshots, size_t *n_groups)
{
    size_t n = snapshots->len, ng = 0;
    struct retview_in *out = xcalloc(n ? n : 1, sizeof(*out));
    char **keys = xcalloc(n ? n : 1, sizeof(*keys));

    for (size_t i = 0; i < n; i++) {
        const struct restic_snapshot *s = vec_get(snapshots, i);
        struct buf key = BUF_INIT(0);
        size_t k;
        char *p;
        uint32_t g = (uint32_t)ng;

        buf_puts(&key, s->hostname ? s->hostname : "");
        vec_foreach(&s->paths, k, p) {
            buf_puts(&key, "\n");
            buf_puts(&key, p);
        }
        buf_puts(&key, "");
        keys[ng] = buf_detach(&key); /* one key per group */
        for (size_t j = 0; j < ng; j++) {
            if (!strcmp(keys[j], keys[ng])) {
                g = (uint32_t)j;
                break;
            }
        }
        if (g == ng)
            ng++;
        else
            free(keys[ng]);
        str_copy(out[i].id, sizeof(out[i].id), s->short_id[0] ? s->short_id : s->id);
        out[i].time = (int64_t)s->time;
        out[i].utc_offset = s->utc_offset;
        out[i].group = g;
    }
    for (size_t i = 0; i < ng; i++)
        free(keys[i]);
    free(keys);
    if (n_groups)
        *n_groups = ng;
    return out;
}

int retview_build_repo(struct retview *rv, const struct config *cfg, const struct repo_cfg *repo,
                       const struct vec *snapshots, const struct retention_policy *policy,
                       int restic_version, time_t now, struct lb_err *err)
{
    struct retention_policy pol;
    struct retview_feeds feeds;
    struct retview_in *in;
    int rc;

    if (policy)
        pol = *policy;
    else
        retview_policy_from_keep(&repo->keep, restic_version, &pol);
    retview_feeds_from_config(&feeds, cfg, repo->name);
    in = retview_in_from_restic(snapshots, NULL);
    rc = retview_build(rv, RETENTION_RESTIC, &pol, in, snapshots->len, feeds.feed, feeds.n, now,
                       err);
    free(in);
    retview_feeds_release(&feeds);
    return rc;
}

static int days_between(time_t from, time_t to)
{
    return (int)((to - from + 43200) / 86400);
}

char *retview_expiry_text(const struct retview_point *p, time_t now, char *out, size_t n)
{
    char date[32];
    struct tm tm;
    time_t t = p->expires;

    if (t)
        localtime_r(&t, &tm);
    switch (p->exp) {
    case RV_EXPIRES:
        strftime(date, sizeof(date), "%Y-%m-%d", &tm);
        if (t - now < 86400)
            snprintf(out, n, "%s (next run)", date);
        else
            snprintf(out, n, "%s (in %dd)", date, days_between(now, t));
        break;
    case RV_NEXT_RUN:
        if (t) {
            strftime(date, sizeof(date), t - now < 6 * 86400 ? "%a %H:%M" : "%Y-%m-%d", &tm);
            snprintf(out, n, "next run %s", date);
        } else {
            snprintf(out, n, "at the next forget");
        }
        break;
    case RV_KEPT_BEYOND:
        if (t) {
            strftime(date, sizeof(date), "%Y-%m-%d", &tm);
            snprintf(out, n, "after %s", date);
        } else {
            snprintf(out, n, "not soon");
        }
        break;
    case RV_NO_NEW:
        snprintf(out, n, "not while nothing new arrives");
        break;
    }
    return out;
}
