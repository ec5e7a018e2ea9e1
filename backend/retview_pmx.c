/* PBS backup groups as retention tiers (retview_pmx.h). */
#include "backend/retview_pmx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/base/str.h"
#include "backend/base/xalloc.h"
#include "backend/calendar.h"

void retview_policy_from_pmx(const struct pmx_keep *k, struct retention_policy *out)
{
    memset(out, 0, sizeof(*out));
    if (!k->set || k->all)
        return;
    out->keep[RET_LAST] = k->last > 0 ? k->last : 0;
    out->keep[RET_HOURLY] = k->hourly > 0 ? k->hourly : 0;
    out->keep[RET_DAILY] = k->daily > 0 ? k->daily : 0;
    out->keep[RET_WEEKLY] = k->weekly > 0 ? k->weekly : 0;
    out->keep[RET_MONTHLY] = k->monthly > 0 ? k->monthly : 0;
    out->keep[RET_YEARLY] = k->yearly > 0 ? k->yearly : 0;
}

char *retview_pmx_keep_text(const struct pmx_keep *k, char *out, size_t n)
{
    const int v[] = { k->last, k->hourly, k->daily, k->weekly, k->monthly, k->yearly };
    static const char *const names[] = { "last", "hourly", "daily", "weekly", "monthly", "yearly" };
    size_t used = 0;

    out[0] = '\0';
    if (k->set && !k->all) {
        for (size_t i = 0; i < 6; i++) {
            int w;

            if (v[i] <= 0)
                continue;
            w = snprintf(out + used, n - used, "%s%s=%d", used ? " " : "", names[i], v[i]);
            if (w < 0 || (size_t)w >= n - used)
                break;
            used += (size_t)w;
        }
    }
    if (!out[0])
        snprintf(out, n, "no rule: keep all");
    return out;
}

static bool keeps_something(const struct pmx_keep *k)
{
    return k->set && !k->all &&
           (k->last > 0 || k->hourly > 0 || k->daily > 0 || k->weekly > 0 || k->monthly > 0 ||
            k->yearly > 0);
}

static int group_cmp(const void *pa, const void *pb)
{
    const struct retview_pbs_group *a = *(const struct retview_pbs_group *const *)pa;
    const struct retview_pbs_group *b = *(const struct retview_pbs_group *const *)pb;
    int c = strcmp(a->type, b->type);

    if (c)
        return c;
    if (a->vmid != b->vmid)
        return a->vmid < b->vmid ? -1 : 1;
    return strcmp(a->id, b->id);
}

static struct retview_pbs_group *find_group(struct vec *out, size_t from, const char *type,
                                            const char *id)
{
    for (size_t i = from; i < out->len; i++) {
        struct retview_pbs_group *g = out->items[i];

        if (!strcmp(g->type, type) && !strcmp(g->id, id))
            return g;
    }
    return NULL;
}

/* The PVE job covering vmid: an enabled one first. */
static const struct pve_backup_job *feed_of(const struct vec *pve_jobs, int vmid)
{
    const struct pve_backup_job *best = NULL;

    for (size_t i = 0; pve_jobs && vmid > 0 && i < pve_jobs->len; i++) {
        const struct pve_backup_job *j = pve_jobs->items[i];

        if (!pve_job_selects(j, vmid, NULL))
            continue;
        if (j->enabled)
            return j;
        if (!best)
            best = j;
    }
    return best;
}

static const struct pbs_job *prune_job_of(const struct vec *pbs_jobs, const char *datastore)
{
    for (size_t i = 0; pbs_jobs && i < pbs_jobs->len; i++) {
        const struct pbs_job *j = pbs_jobs->items[i];

        if (strcmp(j->kind, "prune") || j->disabled || !keeps_something(&j->keep))
            continue;
        if (datastore && j->store && strcmp(j->store, datastore))
            continue;
        return j;
    }
    return NULL;
}

void retview_pbs_groups(const struct vec *backups, const struct vec *pve_jobs,
                        const struct vec *pbs_jobs, const char *datastore, struct vec *out)
{
    size_t first = out->len;
    const struct pbs_job *prune = prune_job_of(pbs_jobs, datastore);

    for (size_t i = 0; backups && i < backups->len; i++) {
        const struct pbs_snapshot *s = backups->items[i];
        struct retview_pbs_group *g = find_group(out, first, s->type, s->id ? s->id : "");

        if (!g) {
            char *end = NULL;
            long v;

            g = xcalloc(1, sizeof(*g));
            str_copy(g->type, sizeof(g->type), s->type);
            str_copy(g->id, sizeof(g->id), s->id ? s->id : "");
            str_sanitize(g->type);
            str_sanitize(g->id);
            snprintf(g->label, sizeof(g->label), "%s/%s", g->type, g->id);
            v = strtol(g->id, &end, 10);
            if (strcmp(g->type, "host") && end && end != g->id && !*end && v > 0 && v < 1000000000)
                g->vmid = (int)v;
            vec_push(out, g);
        }
        if (s->is_protected) {
            g->n_protected++;
        } else if (!s->complete) {
            g->n_partial++;
        } else {
            g->n_backups++;
            if (s->has_size)
                g->size += s->size;
            if (s->time > g->newest)
                g->newest = s->time;
        }
    }
    for (size_t i = first; i < out->len; i++) {
        struct retview_pbs_group *g = out->items[i];
        const struct pve_backup_job *feed = feed_of(pve_jobs, g->vmid);
        char rule[96];

        if (feed) {
            str_copy(g->feed_job, sizeof(g->feed_job), feed->id ? feed->id : "");
            str_copy(g->feed_calendar, sizeof(g->feed_calendar),
                     feed->schedule ? feed->schedule : "");
            g->feed_enabled = feed->enabled;
        }
        if (prune) {
            g->keep = prune->keep;
            snprintf(g->policy_from, sizeof(g->policy_from), "PBS prune job %s",
                     prune->id ? prune->id : "?");
            if (feed && keeps_something(&feed->keep))
                snprintf(g->also_prunes, sizeof(g->also_prunes), "PVE job %s (%s)", g->feed_job,
                         retview_pmx_keep_text(&feed->keep, rule, sizeof(rule)));
        } else if (feed && feed->keep.set) {
            g->keep = feed->keep;
            snprintf(g->policy_from, sizeof(g->policy_from), "PVE job %s", g->feed_job);
        }
        str_sanitize(g->policy_from);
        str_sanitize(g->also_prunes);
        str_sanitize(g->feed_job);
        str_sanitize(g->feed_calendar);
    }
    if (out->len > first)
        qsort(out->items + first, out->len - first, sizeof(void *), group_cmp);
}

int retview_build_pbs(struct retview *rv, const struct retview_pbs_group *g,
                      const struct vec *backups, const struct retention_policy *policy, time_t now,
                      struct lb_err *err)
{
    struct retention_policy pol;
    struct retview_in *in = xcalloc(backups && backups->len ? backups->len : 1, sizeof(*in));
    struct retview_feed feed = { 0 };
    struct cal_event *ev = NULL;
    struct lb_err cerr = { 0 };
    size_t n = 0;
    int rc;

    if (policy)
        pol = *policy;
    else
        retview_policy_from_pmx(&g->keep, &pol);
    for (size_t i = 0; backups && i < backups->len; i++) {
        const struct pbs_snapshot *s = backups->items[i];
        time_t t = s->time;
        struct tm tm, ut;

        if (strcmp(s->type, g->type) || strcmp(s->id ? s->id : "", g->id) || s->is_protected ||
            !s->complete)
            continue;
        in[n].time = (int64_t)t;
        /* the server's local time: its buckets (days, ISO weeks) are local */
        in[n].utc_offset = localtime_r(&t, &tm) ? (int32_t)tm.tm_gmtoff : 0;
        if (gmtime_r(&t, &ut))
            strftime(in[n].id, sizeof(in[n].id), "%Y%m%dT%H%M%SZ", &ut);
        n++;
    }
    if (g->feed_job[0] && g->feed_enabled && g->feed_calendar[0]) {
        ev = cal_parse(g->feed_calendar, CAL_PROXMOX, &cerr);
        feed.snap = ev;
    }
    rc = retview_build(rv, RETENTION_PROXMOX, &pol, in, n, &feed, ev ? 1 : 0, now, err);
    cal_free(ev);
    free(in);
    return rc;
}
