/*
 * PBS backup groups as retention tiers (retview_pmx): grouping, the policy
 * that applies (the datastore's prune job first, else the PVE job's
 * prune-backups, else keep all), protected and unfinished backups kept out
 * of the plan, buckets in the server's local time (TZ Europe/Berlin), and
 * the expiry found by simulating the PVE job's schedule.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend/base/str.h"
#include "backend/base/xalloc.h"
#include "backend/retview_pmx.h"

static time_t local(int y, int mo, int d, int h, int mi)
{
    struct tm tm = { .tm_year = y - 1900,
                     .tm_mon = mo - 1,
                     .tm_mday = d,
                     .tm_hour = h,
                     .tm_min = mi,
                     .tm_isdst = -1 };

    return mktime(&tm);
}

static void snap(struct vec *v, const char *type, const char *id, time_t t, bool complete,
                 bool prot)
{
    struct pbs_snapshot *s = xcalloc(1, sizeof(*s));

    str_copy(s->type, sizeof(s->type), type);
    s->id = xstrdup(id);
    s->time = t;
    s->complete = complete;
    s->is_protected = prot;
    s->has_size = true;
    s->size = 1000;
    vec_push(v, s);
}

static struct pve_backup_job *pve_job(const char *id, const char *sched, const char *vmids,
                                      int daily, int weekly)
{
    struct pve_backup_job *j = xcalloc(1, sizeof(*j));

    j->id = xstrdup(id);
    j->schedule = xstrdup(sched);
    j->vmid = xstrdup(vmids);
    j->enabled = true;
    j->keep.set = daily || weekly;
    j->keep.daily = daily;
    j->keep.weekly = weekly;
    return j;
}

static struct pbs_job *prune_job(const char *id, int daily)
{
    struct pbs_job *j = xcalloc(1, sizeof(*j));

    str_copy(j->kind, sizeof(j->kind), "prune");
    j->id = xstrdup(id);
    j->store = xstrdup("usb-ssd");
    j->schedule = xstrdup("daily");
    j->keep.set = true;
    j->keep.daily = daily;
    return j;
}

/* 40 nights of vm/100 at 02:00 local up to Wed 2026-11-25, one protected, one unfinished. */
static void lab(struct vec *backups, struct vec *pve, struct vec *pbs)
{
    vec_init(backups, pbs_snapshot_free);
    vec_init(pve, pve_backup_job_free);
    vec_init(pbs, pbs_job_free);
    for (int d = 0; d < 40; d++)
        snap(backups, "vm", "100", local(2026, 10, 17 + d, 2, 0), true, false);
    snap(backups, "vm", "100", local(2026, 9, 1, 2, 0), true, true);
    snap(backups, "vm", "100", local(2026, 11, 25, 14, 0), false, false);
    /* ct/102: the same local day, but two UTC days */
    snap(backups, "ct", "102", local(2026, 11, 20, 0, 30), true, false);
    snap(backups, "ct", "102", local(2026, 11, 20, 23, 30), true, false);
    snap(backups, "host", "pve", local(2026, 11, 1, 3, 0), true, false);
    vec_push(pve, pve_job("backup-1", "02:00", "100,102", 5, 3));
}

static struct retview_pbs_group *group(struct vec *gs, const char *label)
{
    for (size_t i = 0; i < gs->len; i++) {
        struct retview_pbs_group *g = gs->items[i];

        if (!strcmp(g->label, label))
            return g;
    }
    fail_msg("no group %s", label);
    return NULL;
}

static void test_groups_and_policy(void **state)
{
    struct vec backups, pve, pbs, gs = VEC_INIT(free);
    struct retview_pbs_group *g;
    struct retention_policy pol;

    (void)state;
    lab(&backups, &pve, &pbs);
    /* no PBS prune job: the PVE job's prune-backups */
    retview_pbs_groups(&backups, &pve, &pbs, "usb-ssd", &gs);
    assert_int_equal(gs.len, 3);
    assert_string_equal(((struct retview_pbs_group *)gs.items[0])->label, "ct/102");
    assert_string_equal(((struct retview_pbs_group *)gs.items[1])->label, "host/pve");
    assert_string_equal(((struct retview_pbs_group *)gs.items[2])->label, "vm/100");
    g = group(&gs, "vm/100");
    assert_int_equal(g->vmid, 100);
    assert_int_equal(g->n_backups, 40);
    assert_int_equal(g->n_protected, 1);
    assert_int_equal(g->n_partial, 1);
    assert_int_equal(g->size, 40000);
    assert_string_equal(g->policy_from, "PVE job backup-1");
    assert_string_equal(g->feed_job, "backup-1");
    assert_string_equal(g->feed_calendar, "02:00");
    retview_policy_from_pmx(&g->keep, &pol);
    assert_int_equal(pol.keep[RET_DAILY], 5);
    assert_int_equal(pol.keep[RET_WEEKLY], 3);
    assert_int_equal(pol.keep[RET_MONTHLY], 0);
    g = group(&gs, "host/pve"); /* no guest, no job: keep all */
    assert_int_equal(g->vmid, 0);
    assert_string_equal(g->policy_from, "");
    assert_string_equal(g->feed_job, "");
    vec_clear(&gs);

    /* a PBS prune job on the datastore wins; the PVE job pruning too is named */
    vec_push(&pbs, prune_job("p-1", 7));
    retview_pbs_groups(&backups, &pve, &pbs, "usb-ssd", &gs);
    g = group(&gs, "vm/100");
    assert_string_equal(g->policy_from, "PBS prune job p-1");
    assert_int_equal(g->keep.daily, 7);
    assert_string_equal(g->also_prunes, "PVE job backup-1 (daily=5 weekly=3)");
    vec_clear(&gs);
    /* ... but not one of another datastore */
    retview_pbs_groups(&backups, &pve, &pbs, "other", &gs);
    assert_string_equal(group(&gs, "vm/100")->policy_from, "PVE job backup-1");
    vec_release(&gs);
    vec_release(&backups);
    vec_release(&pve);
    vec_release(&pbs);
}

static void test_plan_and_expiry(void **state)
{
    struct vec backups, pve, pbs, gs = VEC_INIT(free);
    struct retview rv;
    struct lb_err err = { 0 };
    time_t now = local(2026, 11, 25, 12, 0); /* Wednesday */
    const struct retview_point *sat = NULL;
    struct tm tm;
    size_t daily = 0;

    (void)state;
    lab(&backups, &pve, &pbs);
    retview_pbs_groups(&backups, &pve, &pbs, "usb-ssd", &gs);
    assert_int_equal(retview_build_pbs(&rv, group(&gs, "vm/100"), &backups, NULL, now, &err), 0);
    assert_int_equal(rv.engine, RETENTION_PROXMOX);
    assert_int_equal(rv.n, 40); /* the protected and the unfinished one are not planned */
    assert_true(rv.has_feed);
    /* 5 nights kept daily, 3 more ISO weeks kept weekly (their Sundays) */
    assert_int_equal(rv.kept, 8);
    for (size_t i = 0; i < rv.n; i++) {
        /* Berlin: summer time until 2026-10-25 03:00, then winter time */
        assert_int_equal(rv.pts[i].utc_offset,
                         rv.pts[i].time < local(2026, 10, 25, 3, 0) ? 7200 : 3600);
        if (rv.pts[i].reasons & RETR_DAILY)
            daily++;
        if (rv.pts[i].time == local(2026, 11, 21, 2, 0))
            sat = &rv.pts[i];
    }
    assert_int_equal(daily, 5);
    assert_string_equal(rv.pts[rv.n - 1].id, "20261125T010000Z");
    /* Saturday is the oldest daily: Thursday 02:00 local brings the backup that pushes it out */
    assert_non_null(sat);
    assert_true(sat->keep);
    assert_int_equal(sat->exp, RV_EXPIRES);
    localtime_r(&sat->expires, &tm);
    assert_int_equal(tm.tm_mday, 26);
    assert_int_equal(tm.tm_hour, 2);
    assert_int_equal(rv.next_forget, local(2026, 11, 26, 2, 0));
    retview_release(&rv);

    /* ct/102: 00:30 and 23:30 of the same local day (two UTC days): one daily bucket */
    assert_int_equal(retview_build_pbs(&rv, group(&gs, "ct/102"), &backups, NULL, now, &err), 0);
    assert_int_equal(rv.n, 2);
    assert_false(rv.pts[0].keep);
    assert_true(rv.pts[1].keep);
    retview_release(&rv);

    /* host/pve: no rule, nothing new arrives: kept, no date */
    assert_int_equal(retview_build_pbs(&rv, group(&gs, "host/pve"), &backups, NULL, now, &err), 0);
    assert_int_equal(rv.kept, 1);
    assert_false(rv.has_feed);
    assert_int_equal(rv.pts[0].exp, RV_NO_NEW);
    retview_release(&rv);
    vec_release(&gs);
    vec_release(&backups);
    vec_release(&pve);
    vec_release(&pbs);
}

static void test_keep_text(void **state)
{
    struct pmx_keep k = { .set = true, .daily = 5, .monthly = 2 };
    char buf[64];

    (void)state;
    assert_string_equal(retview_pmx_keep_text(&k, buf, sizeof(buf)), "daily=5 monthly=2");
    k.all = true;
    assert_string_equal(retview_pmx_keep_text(&k, buf, sizeof(buf)), "no rule: keep all");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_groups_and_policy),
        cmocka_unit_test(test_plan_and_expiry),
        cmocka_unit_test(test_keep_text),
    };

    setenv("TZ", "Europe/Berlin", 1);
    tzset();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
