/*
 * Retention engines (see retention.h): restic forget's ApplyPolicy by version,
 * and the PBS/PVE prune algorithm. Pure functions over arrays: one sort, then
 * linear passes with integer bucket keys.
 */
#include "backend/retention.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/base/xalloc.h"

/* ---- calendar arithmetic (proleptic Gregorian, as Go and strftime use) ---- */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;

    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

/* Days since 1970-01-01 of y-m-d (H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    int64_t era;
    int64_t yoe, doy, doe;

    y -= m <= 2;
    era = floor_div(y, 400);
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    int64_t era, doe, yoe, doy, mp;

    z += 719468;
    era = floor_div(z, 146097);
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

void retention_civil(int64_t t, int32_t utc_offset, struct retention_civil *out)
{
    int64_t local = t + utc_offset;
    int64_t days = floor_div(local, 86400);
    int64_t sod = local - days * 86400;
    int64_t y, ty;
    int m, d, tm, td;
    int64_t thursday;

    civil_from_days(days, &y, &m, &d);
    out->year = (int)y;
    out->month = m;
    out->day = d;
    out->hour = (int)(sod / 3600);
    out->minute = (int)(sod % 3600 / 60);
    out->second = (int)(sod % 60);
    /* 1970-01-01 was a Thursday: Monday = 0 */
    out->weekday = (int)(days + 3 - floor_div(days + 3, 7) * 7);
    thursday = days - out->weekday + 3;
    civil_from_days(thursday, &ty, &tm, &td);
    out->iso_year = (int)ty;
    out->iso_week = (int)((thursday - days_from_civil(ty, 1, 1)) / 7 + 1);
}

/* ---- durations and times ---- */

int retention_parse_duration(const char *s, struct retention_duration *d)
{
    struct retention_duration r = { 0, 0, 0, 0 };

    while (*s == ' ' || *s == '\t')
        s++;
    if (!*s)
        return -1;
    while (*s && *s != ' ' && *s != '\t') {
        bool neg = false;
        int64_t num = 0;
        int digits = 0;

        if (*s == '-') {
            neg = true;
            s++;
        }
        while (*s >= '0' && *s <= '9') {
            num = num * 10 + (*s - '0');
            if (num > 1000000)
                return -1;
            s++;
            digits++;
        }
        if (!digits)
            return -1;
        if (neg)
            num = -num;
        switch (*s) {
        case 'y': r.years = (int)num; break;
        case 'm': r.months = (int)num; break;
        case 'd': r.days = (int)num; break;
        case 'h': r.hours = (int)num; break;
        default: return -1;
        }
        s++;
    }
    while (*s == ' ' || *s == '\t')
        s++;
    if (*s)
        return -1;
    *d = r;
    return 0;
}

char *retention_fmt_duration(const struct retention_duration *d, char *out, size_t n)
{
    size_t len = 0;
    const int parts[4] = { d->years, d->months, d->days, d->hours };
    const char units[4] = { 'y', 'm', 'd', 'h' };

    if (!n)
        return out;
    out[0] = '\0';
    for (int i = 0; i < 4; i++) {
        int w;

        if (!parts[i] || len >= n)
            continue;
        w = snprintf(out + len, n - len, "%d%c", parts[i], units[i]);
        if (w > 0)
            len += (size_t)w;
    }
    return out;
}

static bool duration_zero(const struct retention_duration *d)
{
    return !d->years && !d->months && !d->days && !d->hours;
}

static int parse_digits(const char **p, int n, int *out)
{
    int v = 0;

    for (int i = 0; i < n; i++) {
        if ((*p)[i] < '0' || (*p)[i] > '9')
            return -1;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

int retention_parse_time(const char *s, int64_t *sec, int32_t *nsec, int32_t *utc_offset)
{
    int y, mo, d, h, mi, se, oh = 0, om = 0;
    int32_t ns = 0;
    int off = 0;

    if (parse_digits(&s, 4, &y) || *s++ != '-' || parse_digits(&s, 2, &mo) || *s++ != '-' ||
        parse_digits(&s, 2, &d))
        return -1;
    if (*s != 'T' && *s != 't' && *s != ' ')
        return -1;
    s++;
    if (parse_digits(&s, 2, &h) || *s++ != ':' || parse_digits(&s, 2, &mi) || *s++ != ':' ||
        parse_digits(&s, 2, &se))
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
        return -1;
    if (*s == '.' || *s == ',') {
        int digits = 0;

        s++;
        while (*s >= '0' && *s <= '9') {
            if (digits < 9) {
                ns = ns * 10 + (*s - '0');
                digits++;
            }
            s++;
        }
        if (!digits)
            return -1;
        for (; digits < 9; digits++)
            ns *= 10;
    }
    if (*s == 'Z' || *s == 'z') {
        s++;
    } else if (*s == '+' || *s == '-') {
        int sign = *s == '-' ? -1 : 1;

        s++;
        if (parse_digits(&s, 2, &oh) || *s++ != ':' || parse_digits(&s, 2, &om) || oh > 23 ||
            om > 59)
            return -1;
        off = sign * (oh * 3600 + om * 60);
    } else {
        return -1;
    }
    if (*s)
        return -1;
    *sec = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - off;
    *nsec = ns;
    *utc_offset = off;
    return 0;
}

/*
 * Go's t.AddDate(-y, -m, -d).Add(-h hours) in t's fixed offset: the date is
 * normalised like time.Date (month overflow first, then days).
 */
static int64_t go_sub_duration(int64_t t, int32_t off, const struct retention_duration *dur)
{
    int64_t local = t + off;
    int64_t days = floor_div(local, 86400);
    int64_t sod = local - days * 86400;
    int64_t y, mm;
    int m, d;

    civil_from_days(days, &y, &m, &d);
    y -= dur->years;
    mm = (int64_t)m - 1 - dur->months;
    y += floor_div(mm, 12);
    mm -= floor_div(mm, 12) * 12;
    days = days_from_civil(y, (int)mm + 1, 1) + (d - 1) - dur->days;
    return days * 86400 + sod - off - (int64_t)dur->hours * 3600;
}

/* ---- grouping and sorting ---- */

struct key_rec {
    const char *key;
    uint32_t idx;
};

static int cmp_key_rec(const void *a, const void *b)
{
    const struct key_rec *x = a, *y = b;
    int c = strcmp(x->key, y->key);

    if (c)
        return c;
    return (x->idx > y->idx) - (x->idx < y->idx);
}

size_t retention_group(struct retention_snap *snaps, const char *const *keys, size_t n)
{
    struct key_rec *recs;
    uint32_t *first; /* smallest index of each sorted run */
    uint32_t *run_of;
    size_t runs = 0, groups = 0;
    uint32_t *gid;

    if (!n)
        return 0;
    recs = xmalloc(n * sizeof(*recs));
    for (size_t i = 0; i < n; i++) {
        recs[i].key = keys && keys[i] ? keys[i] : "";
        recs[i].idx = (uint32_t)i;
    }
    qsort(recs, n, sizeof(*recs), cmp_key_rec);
    run_of = xmalloc(n * sizeof(*run_of));
    first = xmalloc(n * sizeof(*first));
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || strcmp(recs[i].key, recs[i - 1].key)) {
            first[runs] = recs[i].idx; /* sorted by idx within a run: the first is the smallest */
            runs++;
        }
        run_of[recs[i].idx] = (uint32_t)(runs - 1);
    }
    /* number runs in order of first appearance */
    gid = xmalloc(runs * sizeof(*gid));
    for (size_t r = 0; r < runs; r++)
        gid[r] = UINT32_MAX;
    for (size_t i = 0; i < n; i++) {
        uint32_t r = run_of[i];

        if (gid[r] == UINT32_MAX)
            gid[r] = (uint32_t)groups++;
        snaps[i].group = gid[r];
    }
    free(gid);
    free(first);
    free(run_of);
    free(recs);
    return groups;
}

/*
 * The working record of one snapshot: everything the engines read and write,
 * kept contiguous in walk order (sorting an index and chasing it into the
 * caller's array would miss the cache on every step of every pass).
 */
struct rec {
    int64_t t;
    int32_t nsec;
    int32_t off;
    uint32_t group;
    uint32_t idx;
    uint32_t reasons;
    uint32_t oldest;
    uint32_t tag_reasons;
    uint8_t mark;
    bool keep;
    bool is_protected;
    bool incomplete;
};

/*
 * Stable LSD radix sort into walk order: group ascending, newest first
 * (time, then nanoseconds, descending), input order for ties (stability).
 * Each field costs ceil(bits of its range / 11) passes; constant fields none.
 */
#define RADIX_BITS 11
#define RADIX_SIZE (1u << RADIX_BITS)

static uint64_t rec_field(const struct rec *r, int f, uint64_t base)
{
    switch (f) {
    case 0: return base - (uint64_t)(int64_t)r->nsec;        /* descending */
    case 1: return base - (uint64_t)r->t;                    /* descending */
    default: return (uint64_t)r->group - base;               /* ascending */
    }
}

static void sort_recs(struct rec **recs, size_t n)
{
    struct rec *src = *recs, *dst = xmalloc(n * sizeof(*dst));
    size_t *count = xmalloc(RADIX_SIZE * sizeof(*count));

    for (int f = 0; f < 3; f++) {
        int64_t lo = INT64_MAX, hi = INT64_MIN;
        uint64_t base, range;
        int bits = 0;

        for (size_t i = 0; i < n; i++) {
            int64_t v = f == 0 ? src[i].nsec : f == 1 ? src[i].t : (int64_t)src[i].group;

            if (v < lo)
                lo = v;
            if (v > hi)
                hi = v;
        }
        range = (uint64_t)hi - (uint64_t)lo;
        base = f == 2 ? (uint64_t)lo : (uint64_t)hi;
        while (bits < 64 && (range >> bits))
            bits++;
        for (int shift = 0; shift < bits; shift += RADIX_BITS) {
            size_t sum = 0;
            struct rec *tmp;

            memset(count, 0, RADIX_SIZE * sizeof(*count));
            for (size_t i = 0; i < n; i++)
                count[(rec_field(&src[i], f, base) >> shift) & (RADIX_SIZE - 1)]++;
            for (size_t d = 0; d < RADIX_SIZE; d++) {
                size_t c = count[d];

                count[d] = sum;
                sum += c;
            }
            for (size_t i = 0; i < n; i++)
                dst[count[(rec_field(&src[i], f, base) >> shift) & (RADIX_SIZE - 1)]++] = src[i];
            tmp = src;
            src = dst;
            dst = tmp;
        }
    }
    free(count);
    free(dst);
    *recs = src;
}

/* ---- policy helpers ---- */

bool retention_policy_empty(enum retention_engine engine, const struct retention_policy *p)
{
    if (engine == RETENTION_PROXMOX) {
        for (int r = 0; r < RET_NRULES; r++)
            if (p->keep[r] > 0)
                return false;
        return true;
    }
    for (int r = 0; r < RET_NRULES; r++)
        if (p->keep[r] != 0)
            return false;
    if (!duration_zero(&p->within))
        return false;
    for (int r = 0; r < RET_NRULES - 1; r++)
        if (!duration_zero(&p->within_rule[r]))
            return false;
    return p->n_tag_lists == 0;
}

/* restic's HasTags: every tag of the comma list; "" matches an untagged snapshot. */
static bool snap_has_tags(const struct retention_snap *s, const char *list)
{
    const char *p = list;

    for (;;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *a = p, *b = p + len;
        bool found = false;

        while (a < b && (*a == ' ' || *a == '\t'))
            a++;
        while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
            b--;
        if (a == b && s->n_tags == 0)
            return true;
        for (size_t i = 0; i < s->n_tags && !found; i++)
            if (strlen(s->tags[i]) == (size_t)(b - a) && !memcmp(s->tags[i], a, (size_t)(b - a)))
                found = true;
        if (!found)
            return false;
        if (!end)
            return true;
        p = end + 1;
    }
}

static void mark_keep(struct rec *s, uint32_t reason)
{
    s->keep = true;
    s->mark = RETM_KEEP;
    s->reasons |= reason;
}

/*
 * Bucket keys for equality tests (all rules only ever compare keys for
 * equality): hour and day numbers of the wall clock, the Monday-based week
 * number (one ISO week each), year*12+month, year.
 */
static void fast_keys(int64_t t, int32_t off, int64_t keys[RET_NRULES])
{
    int64_t local = t + off;
    int64_t days = floor_div(local, 86400);
    int64_t y;
    int m, d;

    civil_from_days(days, &y, &m, &d);
    keys[RET_LAST] = 0;
    keys[RET_HOURLY] = floor_div(local, 3600);
    keys[RET_DAILY] = days;
    keys[RET_WEEKLY] = floor_div(days + 3, 7); /* 1970-01-01 was a Thursday */
    keys[RET_MONTHLY] = y * 12 + (m - 1);
    keys[RET_YEARLY] = y;
}

/* ---- restic ---- */

static void plan_restic_group(const struct retention_policy *p,
                              const struct retention_snap *snaps, struct rec *g, size_t n,
                              int64_t now)
{
    int ver = p->restic_version;
    int64_t count[RET_NRULES];
    int64_t last[RET_NRULES];
    int64_t lastw[RET_NRULES];
    bool have_latest = false;
    int64_t latest_t = 0;
    int32_t latest_ns = 0, latest_off = 0;
    int64_t cut_t[RET_NRULES]; /* [0] = --keep-within, [r] = within rule r */
    bool within_on[RET_NRULES];
    bool any_within = false;
    bool seen[RET_NRULES], seenw[RET_NRULES];

    for (int r = 0; r < RET_NRULES; r++) {
        count[r] = p->keep[r];
        last[r] = 0;
        lastw[r] = 0;
        seen[r] = false;
        seenw[r] = false;
    }
    /* newest snapshot strictly before now (Go: After(latest) && Before(now)) */
    for (size_t i = 0; i < n; i++) {
        if (g[i].t < now) {
            have_latest = true;
            latest_t = g[i].t;
            latest_ns = g[i].nsec;
            latest_off = g[i].off;
            break; /* g is newest first, so the first one before now is the newest */
        }
    }
    for (int r = 0; r < RET_NRULES; r++) {
        const struct retention_duration *d = r == 0 ? &p->within : &p->within_rule[r - 1];

        within_on[r] = !duration_zero(d);
        any_within |= within_on[r];
        if (within_on[r] && have_latest)
            cut_t[r] = go_sub_duration(latest_t, latest_off, d);
        else
            cut_t[r] = INT64_MIN;
    }

    for (size_t nr = 0; nr < n; nr++) {
        struct rec *s = &g[nr];
        bool oldest = nr == n - 1;
        int64_t keys[RET_NRULES];

        for (size_t l = 0; l < p->n_tag_lists && l < RETENTION_MAX_TAG_LISTS; l++) {
            if (snap_has_tags(&snaps[s->idx], p->tag_lists[l])) {
                s->keep = true;
                s->mark = RETM_KEEP;
                s->tag_reasons |= 1u << l;
            }
        }
        fast_keys(s->t, s->off, keys);
        keys[RET_LAST] = (int64_t)nr;
#define AFTER_CUT(r)                                                                               \
    (cut_t[r] == INT64_MIN || s->t > cut_t[r] || (s->t == cut_t[r] && s->nsec > latest_ns))
        if (within_on[0] && AFTER_CUT(0))
            mark_keep(s, RETR_WITHIN);
        for (int r = 0; r < RET_NRULES; r++) {
            bool active = ver >= RETENTION_RESTIC_VERSION(0, 16)
                              ? (count[r] > 0 || count[r] == RETENTION_UNLIMITED)
                              : count[r] > 0;
            bool same;

            if (!active)
                continue;
            same = seen[r] && keys[r] == last[r];
            if (!same || (oldest && ver >= RETENTION_RESTIC_VERSION(0, 16))) {
                mark_keep(s, RETR_LAST << r);
                if (same && ver >= RETENTION_RESTIC_VERSION(0, 18))
                    s->oldest |= RETR_LAST << r;
                last[r] = keys[r];
                seen[r] = true;
                if (count[r] > 0)
                    count[r]--;
            }
        }
        for (int r = RET_HOURLY; any_within && r < RET_NRULES; r++) {
            uint32_t bit = RETR_WITHIN_HOURLY << (r - RET_HOURLY);
            bool same;

            if (!within_on[r] || !AFTER_CUT(r))
                continue;
            same = seenw[r] && keys[r] == lastw[r];
            if (!same || (oldest && ver >= RETENTION_RESTIC_VERSION(0, 18))) {
                mark_keep(s, bit);
                if (same)
                    s->oldest |= bit;
                lastw[r] = keys[r];
                seenw[r] = true;
            }
        }
#undef AFTER_CUT
        if (!s->keep)
            s->mark = RETM_REMOVE;
    }
}

/* ---- proxmox ---- */

/* An open-addressing set of int64 keys; stamps make clearing free. */
struct keyset {
    int64_t *keys;
    uint32_t *stamp;
    size_t mask;
    uint32_t cur;
    size_t len;
};

static void keyset_init(struct keyset *ks, size_t max_items)
{
    size_t cap = 16;

    while (cap < max_items * 2)
        cap <<= 1;
    ks->keys = xmalloc(cap * sizeof(*ks->keys));
    ks->stamp = xcalloc(cap, sizeof(*ks->stamp));
    ks->mask = cap - 1;
    ks->cur = 0;
    ks->len = 0;
}

static void keyset_release(struct keyset *ks)
{
    free(ks->keys);
    free(ks->stamp);
}

static void keyset_clear(struct keyset *ks)
{
    ks->cur++;
    ks->len = 0;
}

static size_t keyset_slot(const struct keyset *ks, int64_t key)
{
    uint64_t h = (uint64_t)key * 0x9E3779B97F4A7C15ull;

    return (size_t)(h >> 32 ^ h) & ks->mask;
}

static bool keyset_has(const struct keyset *ks, int64_t key)
{
    for (size_t i = keyset_slot(ks, key);; i = (i + 1) & ks->mask) {
        if (ks->stamp[i] != ks->cur)
            return false;
        if (ks->keys[i] == key)
            return true;
    }
}

static void keyset_add(struct keyset *ks, int64_t key)
{
    for (size_t i = keyset_slot(ks, key);; i = (i + 1) & ks->mask) {
        if (ks->stamp[i] != ks->cur) {
            ks->stamp[i] = ks->cur;
            ks->keys[i] = key;
            ks->len++;
            return;
        }
        if (ks->keys[i] == key)
            return;
    }
}

static int64_t proxmox_key(const struct rec *s, int rule)
{
    int64_t local = s->t + s->off;
    int64_t keys[RET_NRULES];

    switch (rule) {
    case RET_LAST: return s->t; /* the exact backup time: every snapshot its own bucket */
    case RET_HOURLY: return floor_div(local, 3600);
    case RET_DAILY: return floor_div(local, 86400);
    case RET_WEEKLY: return floor_div(floor_div(local, 86400) + 3, 7);
    default: fast_keys(s->t, s->off, keys); return keys[rule];
    }
}

/* kept: scratch of n indexes (the snapshots marked keep so far, in any order) */
static void plan_proxmox_group(const struct retention_policy *p, struct rec *g, size_t n,
                               struct keyset *covered, struct keyset *taken, uint32_t *kept)
{
    bool keep_unfinished = true;
    size_t n_kept = 0;

    if (retention_policy_empty(RETENTION_PROXMOX, p)) {
        for (size_t i = 0; i < n; i++) {
            g[i].keep = true;
            g[i].mark = g[i].is_protected ? RETM_PROTECTED : RETM_KEEP;
            g[i].reasons = g[i].is_protected ? RETR_PROTECTED : RETR_EMPTY;
        }
        return;
    }
    /* PBS remove_incomplete_snapshots */
    for (size_t i = 0; i < n; i++) {
        if (!g[i].incomplete) {
            keep_unfinished = false;
            continue;
        }
        g[i].mark = keep_unfinished ? RETM_KEEP_PARTIAL : RETM_REMOVE;
        keep_unfinished = false;
    }
    /* PBS mark_selections, rule by rule */
    for (int r = 0; r < RET_NRULES; r++) {
        int64_t want = p->keep[r];

        if (want <= 0)
            continue;
        keyset_clear(covered);
        keyset_clear(taken);
        for (size_t k = 0; k < n_kept; k++)
            keyset_add(covered, proxmox_key(&g[kept[k]], r));
        for (size_t i = 0; i < n; i++) {
            struct rec *s = &g[i];
            int64_t key;

            if (s->mark != RETM_NONE)
                continue;
            if (s->is_protected) {
                s->mark = RETM_PROTECTED;
                continue;
            }
            key = proxmox_key(s, r);
            if (n_kept && keyset_has(covered, key))
                continue;
            if (!keyset_has(taken, key)) {
                if ((int64_t)taken->len >= want)
                    break;
                keyset_add(taken, key);
                s->mark = RETM_KEEP;
                s->reasons |= RETR_LAST << r;
                kept[n_kept++] = (uint32_t)i;
            } else {
                s->mark = RETM_REMOVE;
            }
        }
    }
    for (size_t i = 0; i < n; i++) {
        struct rec *s = &g[i];

        if (s->is_protected) {
            s->mark = RETM_PROTECTED;
            s->reasons = RETR_PROTECTED;
        } else if (s->mark == RETM_NONE) {
            s->mark = RETM_REMOVE;
        } else if (s->mark == RETM_KEEP_PARTIAL) {
            s->reasons = RETR_PARTIAL;
        }
        s->keep = s->mark == RETM_KEEP || s->mark == RETM_PROTECTED || s->mark == RETM_KEEP_PARTIAL;
    }
}

/* ---- plan ---- */

int retention_plan(enum retention_engine engine, const struct retention_policy *p,
                   struct retention_snap *snaps, size_t n, int64_t now, uint32_t *order,
                   struct retention_result *res, struct lb_err *err)
{
    struct rec *recs = NULL;
    struct keyset covered = { 0 }, taken = { 0 };
    uint32_t *kept_idx = NULL;
    bool empty = retention_policy_empty(engine, p);

    memset(res, 0, sizeof(*res));
    res->empty_group = -1;
    if (engine != RETENTION_RESTIC && engine != RETENTION_PROXMOX)
        return lb_err_set(err, LB_EUSAGE, "unknown retention engine %d", (int)engine);
    if (p->n_tag_lists > RETENTION_MAX_TAG_LISTS)
        return lb_err_set(err, LB_EUSAGE, "too many --keep-tag lists (%zu, at most %d)",
                          p->n_tag_lists, RETENTION_MAX_TAG_LISTS);
    if (n > UINT32_MAX - 1)
        return lb_err_set(err, LB_ETOOBIG, "too many snapshots (%zu)", n);
    if (!n)
        return 0;

    recs = xcalloc(n, sizeof(*recs));
    for (size_t i = 0; i < n; i++) {
        const struct retention_snap *s = &snaps[i];

        recs[i].t = s->time;
        recs[i].nsec = engine == RETENTION_RESTIC ? s->nsec : 0;
        recs[i].off = s->utc_offset;
        recs[i].group = s->group;
        recs[i].idx = (uint32_t)i;
        recs[i].is_protected = engine == RETENTION_PROXMOX && s->is_protected;
        recs[i].incomplete = engine == RETENTION_PROXMOX && s->incomplete;
    }
    sort_recs(&recs, n);

    if (engine == RETENTION_PROXMOX && !empty) {
        size_t max_group = 0;

        for (size_t i = 0, start = 0; i <= n; i++) {
            if (i == n || recs[i].group != recs[start].group) {
                if (i - start > max_group)
                    max_group = i - start;
                start = i;
            }
        }
        /* a group keeps at most sum(counts) snapshots by rule */
        keyset_init(&covered, max_group);
        keyset_init(&taken, max_group);
        kept_idx = xmalloc(max_group * sizeof(*kept_idx));
    }

    for (size_t start = 0; start < n;) {
        size_t end = start + 1;
        size_t kept = 0;

        while (end < n && recs[end].group == recs[start].group)
            end++;
        if (engine == RETENTION_RESTIC && empty) {
            for (size_t i = start; i < end; i++)
                mark_keep(&recs[i], RETR_EMPTY);
        } else if (engine == RETENTION_RESTIC) {
            plan_restic_group(p, snaps, recs + start, end - start, now);
        } else {
            plan_proxmox_group(p, recs + start, end - start, &covered, &taken, kept_idx);
        }
        for (size_t i = start; i < end; i++)
            kept += recs[i].keep;
        if (!kept && !empty) {
            if (res->empty_group < 0)
                res->empty_group = recs[start].group;
            res->n_empty_groups++;
        }
        res->kept += kept;
        res->removed += (end - start) - kept;
        res->n_groups++;
        start = end;
    }
    res->restic_refuses = engine == RETENTION_RESTIC && res->empty_group >= 0 &&
                          p->restic_version >= RETENTION_RESTIC_VERSION(0, 17);
    for (size_t i = 0; i < n; i++) {
        struct retention_snap *s = &snaps[recs[i].idx];

        s->keep = recs[i].keep;
        s->mark = recs[i].mark;
        s->reasons = recs[i].reasons;
        s->oldest = recs[i].oldest;
        s->tag_reasons = recs[i].tag_reasons;
        if (order)
            order[i] = recs[i].idx;
    }
    if (kept_idx) {
        keyset_release(&covered);
        keyset_release(&taken);
        free(kept_idx);
    }
    free(recs);
    return 0;
}

/* ---- reasons as text ---- */

static const char *const rule_names[RET_NRULES] = { "last", "hourly", "daily",
                                                    "weekly", "monthly", "yearly" };
static const char *const within_names[RET_NRULES] = { "within", "within-hourly", "within-daily",
                                                      "within-weekly", "within-monthly",
                                                      "within-yearly" };

static void put_reason(struct retention_reason_text *out, size_t max, size_t *k, const char *name,
                       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void put_reason(struct retention_reason_text *out, size_t max, size_t *k, const char *name,
                       const char *fmt, ...)
{
    va_list ap;

    if (*k >= max)
        return;
    out[*k].name = name;
    va_start(ap, fmt);
    vsnprintf(out[*k].text, sizeof(out[*k].text), fmt, ap);
    va_end(ap);
    (*k)++;
}

/* "[a, b]" as Go prints a TagList */
static void fmt_taglist(const char *list, char *out, size_t n)
{
    size_t len = 0;
    const char *p = list;

    len += (size_t)snprintf(out, n, "[");
    for (bool first = true;; first = false) {
        const char *end = strchr(p, ',');
        size_t tl = end ? (size_t)(end - p) : strlen(p);
        const char *a = p, *b = p + tl;

        while (a < b && (*a == ' ' || *a == '\t'))
            a++;
        while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
            b--;
        if (len < n)
            len += (size_t)snprintf(out + len, n - len, "%s%.*s", first ? "" : ", ",
                                    (int)(b - a), a);
        if (!end)
            break;
        p = end + 1;
    }
    if (len < n)
        snprintf(out + len, n - len, "]");
}

size_t retention_reasons(enum retention_engine engine, const struct retention_policy *p,
                         const struct retention_snap *s, struct retention_reason_text *out,
                         size_t max)
{
    size_t k = 0;
    char dur[64];
    char tl[128];

    if (engine == RETENTION_PROXMOX) {
        if (s->reasons & RETR_PROTECTED)
            put_reason(out, max, &k, "protected", "protected");
        if (s->reasons & RETR_PARTIAL)
            put_reason(out, max, &k, "keep-partial", "keep-partial (newest unfinished backup)");
        if (s->reasons & RETR_EMPTY)
            put_reason(out, max, &k, "keep-all", "keep-all (no keep rule set)");
        for (int r = 0; r < RET_NRULES; r++)
            if (s->reasons & (RETR_LAST << r))
                put_reason(out, max, &k, rule_names[r], "keep-%s", rule_names[r]);
        return k;
    }
    for (size_t l = 0; l < p->n_tag_lists && l < RETENTION_MAX_TAG_LISTS; l++) {
        if (s->tag_reasons & (1u << l)) {
            fmt_taglist(p->tag_lists[l], tl, sizeof(tl));
            put_reason(out, max, &k, "tags", "has tags %s", tl);
        }
    }
    if (s->reasons & RETR_EMPTY)
        put_reason(out, max, &k, "empty-policy", "policy is empty");
    if (s->reasons & RETR_WITHIN)
        put_reason(out, max, &k, "within", "within %s",
                   retention_fmt_duration(&p->within, dur, sizeof(dur)));
    for (int r = 0; r < RET_NRULES; r++)
        if (s->reasons & (RETR_LAST << r))
            put_reason(out, max, &k, rule_names[r], "%s%s snapshot",
                       (s->oldest & (RETR_LAST << r)) ? "oldest " : "", rule_names[r]);
    for (int r = RET_HOURLY; r < RET_NRULES; r++) {
        uint32_t bit = RETR_WITHIN_HOURLY << (r - RET_HOURLY);

        if (s->reasons & bit)
            put_reason(out, max, &k, within_names[r], "%s%s within %s",
                       (s->oldest & bit) ? "oldest " : "", rule_names[r],
                       retention_fmt_duration(&p->within_rule[r - 1], dur, sizeof(dur)));
    }
    return k;
}
