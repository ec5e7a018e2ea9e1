/*
 * The Proxmox jobs joined into the schedule (schedule_add_pmx) and carried
 * through the inventory cache (pmx_jobs_cache): names, calendars in the
 * proxmox dialect, disabled jobs left out, last runs from PBS job state,
 * an end older than the UPID's start not taken as a length, the cache
 * round trip, and an old document without the job keys.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "backend/app_proxmox.h"
#include "backend/base/str.h"
#include "backend/base/xalloc.h"
#include "backend/pmx_jobs_cache.h"
#include "backend/schedule_pmx.h"
#include "backend/store.h"

/* 2026-11-26 00:00:00 UTC */
#define T0 1795651200
#define UPID_T0 \
    "UPID:pbs:000004D2:0000162E:00000001:6B077680:verificationjob:usb-ssd\\x3av-1:root@pam:"

static struct pve_backup_job *pve_job(const char *id, const char *schedule, bool enabled)
{
    struct pve_backup_job *j = xcalloc(1, sizeof(*j));

    j->id = xstrdup(id);
    j->schedule = xstrdup(schedule);
    j->enabled = enabled;
    j->storage = xstrdup("pbs-usb");
    j->keep.set = true;
    j->keep.daily = 5;
    j->keep.weekly = 3;
    return j;
}

static struct pbs_job *pbs_job(const char *kind, const char *id, const char *schedule,
                               const char *state, const char *upid, time_t end)
{
    struct pbs_job *j = xcalloc(1, sizeof(*j));

    str_copy(j->kind, sizeof(j->kind), kind);
    j->id = xstrdup(id);
    j->store = xstrdup("usb-ssd");
    j->schedule = schedule ? xstrdup(schedule) : NULL;
    j->last_state = state ? xstrdup(state) : NULL;
    j->last_upid = upid ? xstrdup(upid) : NULL;
    j->last_end = end;
    return j;
}

static void fill(struct vec *pve, struct vec *pbs)
{
    vec_init(pve, pve_backup_job_free);
    vec_init(pbs, pbs_job_free);
    vec_push(pve, pve_job("backup-1", "02:00", true));
    vec_push(pve, pve_job("backup-2", "sun 05:00", false));
    vec_push(pbs, pbs_job("verify", "v-1", "daily", "OK", UPID_T0, T0 + 600));
    vec_push(pbs, pbs_job("prune", "p-1", "daily", "WARNINGS: 2", UPID_T0, T0 - 3600));
    vec_push(pbs, pbs_job("gc", "usb-ssd", "daily", NULL, UPID_T0, 0));
    vec_push(pbs, pbs_job("sync", "s-1", NULL, NULL, NULL, 0)); /* no schedule: manual only */
    vec_push(pbs, pbs_job("verify", "v-2", "sat", "some error", NULL, 0)); /* no UPID */
}

static void test_join(void **state)
{
    struct vec pve, pbs;
    struct schedule s;
    struct sched_pmx_counts c;
    struct sched_job *j;

    (void)state;
    fill(&pve, &pbs);
    schedule_init(&s, 60, 360);
    schedule_add_pmx(&s, &pve, &pbs, &c);
    assert_int_equal(c.pve, 1);
    assert_int_equal(c.pve_disabled, 1);
    assert_int_equal(c.pbs, 4);
    assert_int_equal(c.pbs_disabled, 1);
    assert_int_equal(s.jobs.len, 5);

    j = s.jobs.items[0];
    assert_string_equal(j->name, "backup-1");
    assert_int_equal(j->where, SCHED_PVE);
    assert_int_equal(j->dialect, CAL_PROXMOX);
    assert_non_null(j->ev);
    assert_false(j->has_last);
    assert_string_equal(j->touches.items[0], "pbs-usb");

    j = s.jobs.items[1]; /* finished: start from the UPID, end and outcome from the state */
    assert_string_equal(j->name, "verify v-1");
    assert_int_equal(j->where, SCHED_PBS);
    assert_true(j->has_last);
    assert_int_equal(j->last_started, T0);
    assert_int_equal(j->last_ended, T0 + 600);
    assert_int_equal(j->last_outcome, RUN_OK);
    assert_int_equal(j->duration, 600);
    assert_false(j->duration_estimated);
    assert_string_equal(j->touches.items[0], "usb-ssd");

    j = s.jobs.items[2]; /* the end is older than the UPID's start: no length from it */
    assert_string_equal(j->name, "prune p-1");
    assert_int_equal(j->last_outcome, RUN_WARNING);
    assert_int_equal(j->last_started, T0 - 3600);
    assert_int_equal(j->last_ended, T0 - 3600);
    assert_true(j->duration_estimated);

    j = s.jobs.items[3]; /* no state yet: running since the UPID's start */
    assert_string_equal(j->name, "gc usb-ssd");
    assert_int_equal(j->last_outcome, RUN_RUNNING);
    assert_int_equal(j->last_started, T0);
    assert_int_equal(j->last_ended, 0);

    j = s.jobs.items[4]; /* a state without a UPID: the start is unknown, so no last run */
    assert_string_equal(j->name, "verify v-2");
    assert_false(j->has_last);

    schedule_compute(&s, T0 + 12 * 3600);
    j = s.jobs.items[0];
    assert_int_equal(j->n_next, SCHED_NEXT);
    schedule_release(&s);

    /* not known: nothing added */
    schedule_init(&s, -1, -1);
    schedule_add_pmx(&s, NULL, NULL, &c);
    assert_int_equal(s.jobs.len, 0);
    assert_int_equal(c.pve + c.pbs + c.pve_disabled + c.pbs_disabled, 0);
    schedule_release(&s);
    vec_release(&pve);
    vec_release(&pbs);
}

static void test_outcome(void **state)
{
    (void)state;
    assert_int_equal(schedule_pmx_outcome("OK", true), RUN_OK);
    assert_int_equal(schedule_pmx_outcome("WARNINGS: 3", true), RUN_WARNING);
    assert_int_equal(schedule_pmx_outcome("unknown", true), RUN_INTERRUPTED);
    assert_int_equal(schedule_pmx_outcome("job failed: no space", true), RUN_FAILED);
    assert_int_equal(schedule_pmx_outcome(NULL, false), RUN_RUNNING);
}

static void test_cache_round_trip(void **state)
{
    struct app_pmx p = { 0 }, q = { 0 };
    struct vec backups = VEC_INIT(pbs_snapshot_free), back = VEC_INIT(pbs_snapshot_free);
    struct pbs_snapshot *b = xcalloc(1, sizeof(*b));
    struct lb_err err = { 0 };
    bool have = false;
    char *doc;
    struct pve_backup_job *pj;
    struct pbs_job *bj;

    (void)state;
    fill(&p.pve_jobs, &p.pbs_jobs);
    p.pve_jobs_known = p.pbs_jobs_known = true;
    str_copy(b->type, sizeof(b->type), "vm");
    b->id = xstrdup("100");
    b->time = T0;
    b->complete = true;
    b->is_protected = true;
    b->has_size = true;
    b->size = 1234;
    str_copy(b->verify, sizeof(b->verify), "ok");
    vec_push(&backups, b);
    doc = pmx_jobs_cache_add(xstrdup("{\"version\":1,\"guests\":[]}"), &p, &backups);
    assert_non_null(strstr(doc, "\"version\""));
    vec_init(&q.pve_jobs, pve_backup_job_free);
    vec_init(&q.pbs_jobs, pbs_job_free);
    assert_int_equal(pmx_jobs_cache_read(doc, &q, &back, &have, &err), 0);
    assert_true(q.pve_jobs_known && q.pbs_jobs_known && have);
    assert_int_equal(q.pve_jobs.len, 2);
    assert_int_equal(q.pbs_jobs.len, 5);
    pj = q.pve_jobs.items[1];
    assert_string_equal(pj->id, "backup-2");
    assert_string_equal(pj->schedule, "sun 05:00");
    assert_false(pj->enabled);
    assert_true(pj->keep.set);
    assert_int_equal(pj->keep.daily, 5);
    assert_int_equal(pj->keep.weekly, 3);
    bj = q.pbs_jobs.items[2];
    assert_string_equal(bj->kind, "gc");
    assert_string_equal(bj->last_upid, UPID_T0);
    assert_null(bj->last_state);
    assert_int_equal(back.len, 1);
    b = back.items[0];
    assert_string_equal(b->id, "100");
    assert_int_equal(b->time, T0);
    assert_true(b->complete && b->is_protected && b->has_size);
    assert_int_equal(b->size, 1234);
    free(doc);
    vec_release(&q.pve_jobs);
    vec_release(&q.pbs_jobs);
    vec_release(&back);

    /* an older document: nothing known, still 0 */
    vec_init(&q.pve_jobs, pve_backup_job_free);
    q.pve_jobs_known = q.pbs_jobs_known = false;
    assert_int_equal(pmx_jobs_cache_read("{\"version\":1}", &q, &back, &have, &err), 0);
    assert_false(q.pve_jobs_known || q.pbs_jobs_known || have);
    assert_int_equal(pmx_jobs_cache_read("not json", &q, &back, &have, &err), -LB_EPARSE);
    vec_release(&q.pve_jobs);
    vec_release(&p.pve_jobs);
    vec_release(&p.pbs_jobs);
    vec_release(&backups);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_join),
        cmocka_unit_test(test_outcome),
        cmocka_unit_test(test_cache_round_trip),
    };

    setenv("TZ", "UTC", 1);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
