/*
 * The Proxmox joins of the engine (backend/app_proxmox.h): guests with their
 * snapshots (counts, newest, oldest, stale against snapshot_max_age), the
 * newest complete PBS backup per guest with its verify state, backup-job
 * coverage (PVE's not-backed-up list wins), the health of each copy against
 * the RPO, the datastore's fill and estimated-full month, and the cache
 * document round trip.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/app_proxmox.h"
#include "backend/base/xalloc.h"
#include "backend/config.h"
#include "backend/pmx_cache.h"

#define NOW    ((time_t)1764100000) /* 2025-11-25 */
#define HOUR   3600
#define DAY    86400
#define MAXAGE (7 * DAY)

static struct pve_guest *guest(int vmid, const char *type, const char *name, const char *pool,
                               bool tmpl)
{
    struct pve_guest *g = xcalloc(1, sizeof(*g));

    g->vmid = vmid;
    snprintf(g->type, sizeof(g->type), "%s", type);
    g->name = xstrdup(name);
    g->node = xstrdup("pve");
    g->status = xstrdup("running");
    g->pool = xstrdup(pool);
    g->is_template = tmpl;
    return g;
}

static struct pve_snapshot_list *snaps(int n, const time_t *times, const char *current)
{
    struct pve_snapshot_list *l = xcalloc(1, sizeof(*l));

    vec_init(&l->snaps, pve_snapshot_free);
    for (int i = 0; i < n; i++) {
        struct pve_snapshot *s = xcalloc(1, sizeof(*s));

        s->name = xasprintf("s%d", i);
        s->snaptime = times[i];
        vec_push(&l->snaps, s);
    }
    l->current_parent = xstrdup(current);
    return l;
}

static struct pve_backup_job *job(const char *id, bool enabled, const char *vmids, bool all,
                                  const char *pool)
{
    struct pve_backup_job *j = xcalloc(1, sizeof(*j));

    j->id = xstrdup(id);
    j->enabled = enabled;
    j->vmid = xstrdup(vmids);
    j->all = all;
    j->pool = xstrdup(pool);
    return j;
}

static struct pbs_snapshot *backup(const char *type, const char *id, time_t t, bool complete,
                                   const char *verify)
{
    struct pbs_snapshot *s = xcalloc(1, sizeof(*s));

    snprintf(s->type, sizeof(s->type), "%s", type);
    s->id = xstrdup(id);
    s->time = t;
    s->complete = complete;
    snprintf(s->verify, sizeof(s->verify), "%s", verify);
    return s;
}

struct lab {
    struct vec guests, jobs, unbacked, backups, rows;
    struct pve_snapshot_list *lists[5];
    struct app_pmx p;
    struct pbs_cfg pbs;
};

static void lab_build(struct lab *l, bool with_pbs)
{
    static const time_t t100[] = { NOW - 10 * DAY, NOW - 1 * DAY };
    static const time_t t103[] = { NOW - 2 * HOUR };
    struct pve_unbacked *u = xcalloc(1, sizeof(*u));
    struct pmx_raw raw;

    memset(l, 0, sizeof(*l));
    vec_init(&l->guests, pve_guest_free);
    vec_init(&l->jobs, pve_backup_job_free);
    vec_init(&l->unbacked, pve_unbacked_free);
    vec_init(&l->backups, pbs_snapshot_free);
    vec_init(&l->rows, pmx_guest_free);
    /* out of vmid order on purpose: rows come sorted */
    vec_push(&l->guests, guest(103, "qemu", "web", "prod", false));
    vec_push(&l->guests, guest(100, "qemu", "pfsense", NULL, false));
    vec_push(&l->guests, guest(101, "lxc", "pihole", NULL, false));
    vec_push(&l->guests, guest(8000, "qemu", "tmpl", NULL, true));
    vec_push(&l->guests, guest(104, "qemu", "lab", "prod", false));
    l->lists[0] = snaps(1, t103, "s0");
    l->lists[1] = snaps(2, t100, "s1");
    l->lists[2] = snaps(0, NULL, NULL);
    l->lists[3] = NULL;
    l->lists[4] = NULL; /* 104: its snapshot list was not read */
    vec_push(&l->jobs, job("disabled-all", false, NULL, true, NULL));
    vec_push(&l->jobs, job("nightly", true, "100,101", false, NULL));
    vec_push(&l->jobs, job("prod-pool", true, NULL, false, "prod"));
    u->vmid = 104; /* PVE: 104 is in no job, whatever the pool says */
    snprintf(u->type, sizeof(u->type), "qemu");
    u->name = xstrdup("lab");
    vec_push(&l->unbacked, u);
    vec_push(&l->backups, backup("vm", "100", NOW - 20 * HOUR, true, "ok"));
    vec_push(&l->backups, backup("vm", "100", NOW - 1 * HOUR, false, ""));  /* still written */
    vec_push(&l->backups, backup("ct", "100", NOW - 5 * HOUR, true, "ok")); /* another guest */
    vec_push(&l->backups, backup("vm", "100", NOW - 50 * HOUR, true, "failed"));
    vec_push(&l->backups, backup("ct", "101", NOW - 40 * HOUR, true, "failed"));
    vec_push(&l->backups, backup("ct", "101", NOW - 64 * HOUR, true, "ok"));
    vec_push(&l->backups, backup("vm", "103", NOW - 4 * DAY, true, ""));
    raw = (struct pmx_raw){ &l->guests, l->lists, &l->jobs, &l->unbacked,
                            with_pbs ? &l->backups : NULL };
    pmx_join(&raw, NOW, MAXAGE, &l->rows);
    l->p.snapshot_max_age = MAXAGE;
    l->p.rpo = 26 * HOUR;
    l->p.pbs = with_pbs ? &l->pbs : NULL;
    l->p.guests = l->rows;
}

static void lab_free(struct lab *l)
{
    for (int i = 0; i < 5; i++)
        pve_snapshot_list_free(l->lists[i]);
    vec_release(&l->guests);
    vec_release(&l->jobs);
    vec_release(&l->unbacked);
    vec_release(&l->backups);
    vec_release(&l->rows);
}

static const struct pmx_guest *row(const struct lab *l, int vmid)
{
    for (size_t i = 0; i < l->rows.len; i++)
        if (((struct pmx_guest *)l->rows.items[i])->vmid == vmid)
            return l->rows.items[i];
    fail_msg("no row for %d", vmid);
    return NULL;
}

static void test_rows_sorted_templates_dropped(void **state)
{
    struct lab l;

    (void)state;
    lab_build(&l, true);
    assert_int_equal(l.rows.len, 4);
    assert_int_equal(((struct pmx_guest *)l.rows.items[0])->vmid, 100);
    assert_int_equal(((struct pmx_guest *)l.rows.items[1])->vmid, 101);
    assert_int_equal(((struct pmx_guest *)l.rows.items[2])->vmid, 103);
    assert_int_equal(((struct pmx_guest *)l.rows.items[3])->vmid, 104);
    lab_free(&l);
}

static void test_snapshots_and_staleness(void **state)
{
    struct lab l;
    const struct pmx_guest *g;

    (void)state;
    lab_build(&l, true);
    g = row(&l, 100);
    assert_true(g->snaps_known);
    assert_int_equal(g->snap_count, 2);
    assert_int_equal(g->snap_newest, NOW - DAY);
    assert_int_equal(g->snap_oldest, NOW - 10 * DAY);
    assert_int_equal(g->stale_count, 1); /* 10 d > 7 d */
    assert_true(((struct pmx_snap *)g->snaps.items[0])->stale);
    assert_false(((struct pmx_snap *)g->snaps.items[1])->stale);
    assert_true(((struct pmx_snap *)g->snaps.items[1])->is_current);
    assert_int_equal(pmx_rollback_health(&l.p, g, NOW), HEALTH_WARN);
    g = row(&l, 103);
    assert_int_equal(g->stale_count, 0);
    assert_int_equal(pmx_rollback_health(&l.p, g, NOW), HEALTH_OK);
    /* no snapshot: the rollback copy does not apply; a list not read is not "none" */
    assert_int_equal(pmx_rollback_health(&l.p, row(&l, 101), NOW), HEALTH_UNKNOWN);
    assert_false(row(&l, 104)->snaps_known);
    /* the same snapshot turns stale as time passes: 8 days later */
    assert_int_equal(pmx_rollback_health(&l.p, row(&l, 103), NOW + 8 * DAY), HEALTH_WARN);
    lab_free(&l);
}

static void test_backup_job_coverage(void **state)
{
    struct lab l;

    (void)state;
    lab_build(&l, true);
    /* an enabled job wins over a disabled one that selects it too */
    assert_string_equal(row(&l, 100)->job, "nightly");
    assert_true(row(&l, 100)->job_enabled);
    assert_string_equal(row(&l, 103)->job, "prod-pool"); /* by pool */
    /* 104 is in pool prod, but PVE's not-backed-up list says no job takes it */
    assert_null(row(&l, 104)->job);
    assert_true(row(&l, 104)->jobs_known);
    lab_free(&l);
}

static void test_newest_pbs_backup(void **state)
{
    struct lab l;
    const struct pmx_guest *g;

    (void)state;
    lab_build(&l, true);
    g = row(&l, 100);
    /* the incomplete one an hour ago and ct/100 are not vm 100's restore points */
    assert_int_equal(g->backup_newest, NOW - 20 * HOUR);
    assert_int_equal(g->backup_count, 2);
    assert_string_equal(g->verify, "ok");
    assert_int_equal(g->verify_failed, 1);
    assert_int_equal(pmx_pbs_health(&l.p, g, NOW), HEALTH_OK);
    g = row(&l, 101);
    assert_string_equal(g->verify, "failed");
    assert_int_equal(pmx_pbs_health(&l.p, g, NOW), HEALTH_CRIT);
    g = row(&l, 103); /* 4 days, RPO 26 h: over three times */
    assert_int_equal(pmx_pbs_health(&l.p, g, NOW), HEALTH_CRIT);
    assert_int_equal(pmx_pbs_health(&l.p, g, NOW - 2 * DAY), HEALTH_WARN);
    g = row(&l, 104); /* no backup and no job: a warning (the job problem says why) */
    assert_int_equal(g->backup_newest, 0);
    assert_int_equal(pmx_pbs_health(&l.p, g, NOW), HEALTH_WARN);
    lab_free(&l);
}

static void test_without_pbs(void **state)
{
    struct lab l;

    (void)state;
    lab_build(&l, false);
    assert_false(row(&l, 100)->pbs_known);
    assert_int_equal(pmx_pbs_health(&l.p, row(&l, 100), NOW), HEALTH_UNKNOWN);
    lab_free(&l);
}

static void test_problems_and_overall(void **state)
{
    struct lab l;

    (void)state;
    lab_build(&l, true);
    assert_int_equal(pmx_overall_health(&l.p, NOW), HEALTH_CRIT);
    lab_free(&l);
}

static void test_datastore_full_estimate(void **state)
{
    struct pmx_datastore ds = { 0 };
    char buf[64];

    (void)state;
    assert_int_equal(pmx_datastore_health(&ds, NOW), HEALTH_UNKNOWN);
    assert_string_equal(pmx_fmt_full(&ds, NOW, buf, sizeof(buf)), "");
    ds.known = true;
    ds.total = 1000;
    ds.used = 450;
    ds.has_estimate = true;
    ds.estimated_full = NOW + 400 * DAY; /* 2026-12-30: another year */
    assert_int_equal(pmx_datastore_health(&ds, NOW), HEALTH_OK);
    assert_string_equal(pmx_fmt_full(&ds, NOW, buf, sizeof(buf)), "~Dec 2026");
    ds.estimated_full = NOW + 20 * DAY; /* soon: the day */
    assert_string_equal(pmx_fmt_full(&ds, NOW, buf, sizeof(buf)), "~15 Dec");
    ds.estimated_full = NOW + 10 * DAY; /* full within two weeks: critical at any fill */
    assert_int_equal(pmx_datastore_health(&ds, NOW), HEALTH_CRIT);
    ds.estimated_full = 0;
    assert_string_equal(pmx_fmt_full(&ds, NOW, buf, sizeof(buf)), "not growing");
    ds.estimated_full = NOW - DAY;
    assert_string_equal(pmx_fmt_full(&ds, NOW, buf, sizeof(buf)), "shrinking");
    ds.used = 850;
    assert_int_equal(pmx_datastore_health(&ds, NOW), HEALTH_WARN);
    ds.used = 900;
    assert_int_equal(pmx_datastore_health(&ds, NOW), HEALTH_CRIT);
}

static void test_cache_round_trip(void **state)
{
    struct lab l;
    struct vec back = VEC_INIT(pmx_guest_free);
    struct pmx_datastore ds = { 0 };
    time_t a = 0, b = 0;
    struct lb_err err = { 0 };
    char *doc;
    const struct pmx_guest *x, *y;

    (void)state;
    lab_build(&l, true);
    l.p.pve_src.fetched_at = NOW - 60;
    l.p.pbs_src.fetched_at = NOW - 30;
    l.p.ds = (struct pmx_datastore){ NULL, true, 1000, 450, 550, true, NOW + 400 * DAY };
    doc = pmx_cache_encode(&l.p);
    assert_non_null(doc);
    assert_int_equal(pmx_cache_decode(doc, &back, &ds, &a, &b, &err), 0);
    assert_int_equal(a, NOW - 60);
    assert_int_equal(b, NOW - 30);
    assert_int_equal(back.len, l.rows.len);
    x = row(&l, 100);
    y = back.items[0];
    assert_int_equal(y->vmid, 100);
    assert_string_equal(y->name, x->name);
    assert_int_equal(y->snaps.len, 2);
    assert_string_equal(((struct pmx_snap *)y->snaps.items[1])->name, "s1");
    assert_true(((struct pmx_snap *)y->snaps.items[1])->is_current);
    assert_int_equal(y->backup_newest, x->backup_newest);
    assert_string_equal(y->verify, "ok");
    assert_string_equal(y->job, "nightly");
    assert_int_equal(ds.used, 450);
    assert_int_equal(ds.estimated_full, NOW + 400 * DAY);
    /* a document of another form is refused, not half-read */
    assert_int_equal(pmx_cache_decode("{\"version\":99}", &back, &ds, &a, &b, &err), -LB_EPARSE);
    assert_int_equal(pmx_cache_decode("not json", &back, &ds, &a, &b, &err), -LB_EPARSE);
    free(doc);
    vec_release(&back);
    lab_free(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows_sorted_templates_dropped),
        cmocka_unit_test(test_snapshots_and_staleness),
        cmocka_unit_test(test_backup_job_coverage),
        cmocka_unit_test(test_newest_pbs_backup),
        cmocka_unit_test(test_without_pbs),
        cmocka_unit_test(test_problems_and_overall),
        cmocka_unit_test(test_datastore_full_estimate),
        cmocka_unit_test(test_cache_round_trip),
    };

    setenv("TZ", "UTC", 1);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
