/*
 * The Proxmox jobs joined into the schedule (schedule_add_pmx) and carried
 * through the inventory cache (pmx_jobs_cache): names, calendars in the
 * proxmox dialect, disabled jobs left out, last runs from PBS job state,
 * an end older than the UPID's start not taken as a length, the cache
 * round trip, and an old document without the job keys. A PVE job's last
 * run is the vzdump task pvescheduler started at its time, when only that
 * job was due then.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>

#include "backend/app_proxmox.h"
#include "backend/base/str.h"
#include "backend/base/xalloc.h"
#include "backend/pmx_jobs_cache.h"
#include "backend/pmx_recent.h"
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
    schedule_add_pmx(&s, &pve, &pbs, NULL, &c);
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
    schedule_add_pmx(&s, NULL, NULL, NULL, &c);
    assert_int_equal(s.jobs.len, 0);
    assert_int_equal(c.pve + c.pbs + c.pve_disabled + c.pbs_disabled, 0);
    schedule_release(&s);
    vec_release(&pve);
    vec_release(&pbs);
}

static struct pmx_recent *task(const char *node, const char *user, time_t started,
                               const char *status, time_t ended)
{
    struct pmx_recent *r = xcalloc(1, sizeof(*r));
    char upid[128];

    snprintf(upid, sizeof(upid), "UPID:%s:0000AAAA:0000BBBB:%08llX:vzdump::%s:", node,
             (unsigned long long)started, user);
    r->product = PMX_PVE;
    r->node = xstrdup(node);
    r->type = xstrdup("vzdump");
    r->id = xstrdup("");
    r->user = xstrdup(user);
    r->upid = xstrdup(upid);
    r->status = status ? xstrdup(status) : NULL;
    r->started = started;
    r->ended = ended;
    return r;
}

static struct sched_job *find(struct schedule *s, const char *name)
{
    for (size_t i = 0; i < s->jobs.len; i++) {
        struct sched_job *j = s->jobs.items[i];

        if (!strcmp(j->name, name))
            return j;
    }
    fail_msg("no job %s", name);
    return NULL;
}

static void test_pve_last_run(void **state)
{
    struct vec pve = VEC_INIT(pve_backup_job_free), recent = VEC_INIT(pmx_recent_free);
    struct pve_backup_job *pinned;
    struct schedule s;
    struct sched_pmx_counts c;
    struct sched_job *j;
    time_t night = T0 + 2 * 3600; /* Thu 2026-11-26 02:00 UTC */

    (void)state;
    vec_push(&pve, pve_job("backup-1", "02:00", true));
    vec_push(&pve, pve_job("backup-2", "sun 05:00", false));
    pinned = pve_job("backup-3", "sat 03:00", true);
    pinned->node = xstrdup("pve2");
    vec_push(&pve, pinned);
    /* newest first, as the task list comes; the console's run now at 02:00 is not the job's */
    vec_push(&recent, task("pve", "lifeboat@pve!console", night + 86400 + 1, "job errors", 0));
    vec_push(&recent, task("pve", "root@pam", night + 8 * 3600 + 17, "OK", night + 9 * 3600));
    vec_push(&recent,
             task("pve", "lifeboat@pve!console", night + 3 * 3600, "OK", night + 4 * 3600));
    vec_push(&recent, task("pve", "root@pam", night + 4, "WARNINGS: 1", night + 395));
    vec_push(&recent, task("pve", "root@pam", night - 86400 + 2, "OK", night - 86400 + 300));
    vec_push(&recent, task("pve", "root@pam", T0 - 5 * 86400 + 3 * 3600 + 5, "OK",
                           T0 - 5 * 86400 + 4 * 3600)); /* Sat 03:00, but on node pve */

    schedule_init(&s, -1, -1);
    schedule_add_pmx(&s, &pve, NULL, &recent, &c);
    assert_int_equal(c.pve, 2);
    assert_int_equal(c.pve_matched, 1);
    /* runs by hand (10:00, the console's) are not the schedule's: last night's is */
    j = find(&s, "backup-1");
    assert_true(j->has_last);
    assert_int_equal(j->last_started, night + 4);
    assert_int_equal(j->last_ended, night + 395);
    assert_int_equal(j->last_outcome, RUN_WARNING);
    assert_non_null(strstr(j->last_upid, ":vzdump::root@pam:"));
    assert_int_equal(j->duration, 391);
    /* due on Saturday at 03:00 on pve2: a task on pve at that time is not its run */
    j = find(&s, "backup-3");
    assert_false(j->has_last);
    schedule_release(&s);

    /* still running: the last run is the running one */
    vec_clear(&recent);
    vec_push(&recent, task("pve", "root@pam", night + 2, NULL, 0));
    schedule_init(&s, -1, -1);
    schedule_add_pmx(&s, &pve, NULL, &recent, &c);
    j = find(&s, "backup-1");
    assert_true(j->has_last);
    assert_int_equal(j->last_outcome, RUN_RUNNING);
    schedule_release(&s);

    /* a second job due the same minute (no node): which one ran is not known */
    free(pinned->schedule);
    pinned->schedule = xstrdup("*-*-* 02:00");
    free(pinned->node);
    pinned->node = NULL;
    schedule_init(&s, -1, -1);
    schedule_add_pmx(&s, &pve, NULL, &recent, &c);
    assert_int_equal(c.pve_matched, 0);
    assert_false(find(&s, "backup-1")->has_last);
    assert_false(find(&s, "backup-3")->has_last);
    schedule_release(&s);

    /* Run now from this console: its run is the job's last, running, then as it ended */
    {
        struct pmx_task own = { 0 }, other = { 0 }, older = { 0 };
        struct vec tasks = VEC_INIT(NULL);

        free(pinned->schedule);
        pinned->schedule = xstrdup("sat 03:00");
        str_copy(own.action, sizeof(own.action), "job");
        str_copy(own.job, sizeof(own.job), "backup-1");
        str_copy(own.upid, sizeof(own.upid),
                 "UPID:pve:0000CCCC:0000DDDD:6B0800AA:vzdump::lifeboat@pve!console:");
        own.state = PMX_TASK_RUNNING;
        own.started = night + 8 * 3600;
        other = own;
        str_copy(other.job, sizeof(other.job), "backup-3"); /* another job's run */
        other.started = night + 9 * 3600;
        older = own;
        older.started = night - 3600; /* before last night's scheduled run: not the last */
        older.state = PMX_TASK_DONE;
        older.outcome = PMX_ERROR;
        vec_push(&tasks, &older);
        vec_push(&tasks, &own);
        schedule_init(&s, -1, -1);
        schedule_add_pmx(&s, &pve, NULL, &recent, &c);
        schedule_pmx_console_runs(&s, &tasks);
        j = find(&s, "backup-1");
        assert_true(j->has_last);
        assert_int_equal(j->last_outcome, RUN_RUNNING);
        assert_int_equal(j->last_started, night + 8 * 3600);
        assert_int_equal(j->last_ended, 0);
        assert_string_equal(j->last_upid, own.upid);
        schedule_release(&s);

        own.state = PMX_TASK_DONE;
        own.outcome = PMX_ERROR;
        own.ended = own.started + 600;
        vec_push(&tasks, &other);
        schedule_init(&s, -1, -1);
        schedule_add_pmx(&s, &pve, NULL, &recent, &c);
        schedule_pmx_console_runs(&s, &tasks);
        j = find(&s, "backup-1");
        assert_int_equal(j->last_outcome, RUN_FAILED);
        assert_int_equal(j->last_ended, own.started + 600);
        j = find(&s, "backup-3"); /* its own run, nothing of backup-1's */
        assert_true(j->has_last);
        assert_int_equal(j->last_started, night + 9 * 3600);
        schedule_release(&s);

        /* only the older failure: last night's scheduled run stays the last */
        vec_clear(&tasks);
        vec_push(&tasks, &older);
        schedule_init(&s, -1, -1);
        schedule_add_pmx(&s, &pve, NULL, &recent, &c);
        schedule_pmx_console_runs(&s, &tasks);
        j = find(&s, "backup-1");
        assert_int_equal(j->last_outcome, RUN_RUNNING); /* recent: the 02:00:02 run, running */
        assert_int_equal(j->last_started, night + 2);
        schedule_release(&s);
        vec_release(&tasks);
    }

    /* no task list: unknown, as before */
    schedule_init(&s, -1, -1);
    schedule_add_pmx(&s, &pve, NULL, NULL, &c);
    assert_false(find(&s, "backup-1")->has_last);
    schedule_release(&s);
    vec_release(&recent);
    vec_release(&pve);
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
    setenv("TZ", "UTC", 1); /* the calendars elapse in local time */
    tzset();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_join),
        cmocka_unit_test(test_outcome),
        cmocka_unit_test(test_pve_last_run),
        cmocka_unit_test(test_cache_round_trip),
    };

    setenv("TZ", "UTC", 1);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
