/*
 * Unit tests for backend/rules.c: each rule fires on a constructed model or
 * history, with the severity and the advice a user sees, and clears when the
 * condition is gone. Job rules read a real state database (temp file).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend/app.h"
#include "backend/base/vec.h"
#include "backend/base/xalloc.h"
#include "backend/config.h"
#include "backend/rules.h"
#include "backend/store.h"

#define H 3600
#define D (24 * H)
/* 2026-03-02 00:00:00 UTC, a Monday */
#define DAY0 ((time_t)1772409600)

/* config strings are char * */
static char s_usb[] = "usb-ssd", s_cloud[] = "cloud", s_daily[] = "daily",
            s_sched[] = "*-*-* 03:00", s_mount[] = "/mnt/usb-ssd";

static const struct rule_hit *find(const struct vec *hits, const char *rule, const char *subject)
{
    const struct rule_hit *h;
    size_t i;

    vec_foreach(hits, i, h) {
        if (!strcmp(h->rule, rule) && !strcmp(h->subject, subject))
            return h;
    }
    return NULL;
}

static void eval(struct vec *hits, time_t now, struct vec *repos, struct vec *disks,
                 struct vec *jobs)
{
    struct rules_input in = { .now = now, .repos = repos, .disks = disks, .jobs = jobs };

    vec_clear(hits);
    rules_evaluate(&in, hits);
}

static void test_repo_rpo(void **state)
{
    struct repo_cfg rc = { .name = s_usb, .tier = TIER_LOCAL };
    struct repo_view rv = { .cfg = &rc, .state = REPO_OK, .rpo = 26 * H };
    struct vec repos = VEC_INIT(NULL), hits = VEC_INIT(free);
    time_t now = DAY0 + 10 * D;
    const struct rule_hit *h;

    (void)state;
    vec_push(&repos, &rv);
    rv.fetched_at = now;
    rv.newest = now - 20 * H; /* fresh */
    rv.snapshot_count = 3;
    eval(&hits, now, &repos, NULL, NULL);
    assert_int_equal(hits.len, 0);

    rv.newest = now - 2 * D; /* one missed night */
    eval(&hits, now, &repos, NULL, NULL);
    assert_non_null(h = find(&hits, "repo-rpo", "usb-ssd"));
    assert_int_equal(h->severity, RULE_WARN);
    assert_non_null(strstr(h->message, "2d old, over its RPO of 26h"));

    rv.newest = now - 4 * D; /* beyond 3x the RPO */
    eval(&hits, now, &repos, NULL, NULL);
    assert_non_null(h = find(&hits, "repo-rpo", "usb-ssd"));
    assert_int_equal(h->severity, RULE_CRIT);

    rv.newest = 0; /* read, but empty */
    eval(&hits, now, &repos, NULL, NULL);
    assert_null(find(&hits, "repo-rpo", "usb-ssd"));
    assert_non_null(h = find(&hits, "repo-empty", "usb-ssd"));
    assert_int_equal(h->severity, RULE_CRIT);

    rv.newest = now - H; /* a backup ran: clear */
    eval(&hits, now, &repos, NULL, NULL);
    assert_int_equal(hits.len, 0);
    vec_release(&hits);
    vec_release(&repos);
}

static void test_repo_error_and_locks(void **state)
{
    struct repo_cfg rc = { .name = s_cloud, .tier = TIER_OFFSITE };
    struct repo_view rv = { .cfg = &rc, .state = REPO_ERROR, .rpo = 8 * D };
    struct vec repos = VEC_INIT(NULL), hits = VEC_INIT(free);
    time_t now = DAY0 + 10 * D;
    const struct rule_hit *h;

    (void)state;
    vec_push(&repos, &rv);
    rv.error.code = LB_EAUTH;
    snprintf(rv.error.msg, sizeof(rv.error.msg), "wrong password for repo 'cloud'");
    eval(&hits, now, &repos, NULL, NULL);
    assert_non_null(h = find(&hits, "repo-error", "cloud"));
    assert_int_equal(h->severity, RULE_CRIT);
    assert_non_null(strstr(h->message, "wrong password"));

    rv.error.code = LB_EUNREACHABLE; /* a passing network problem: a warning */
    eval(&hits, now, &repos, NULL, NULL);
    assert_int_equal(find(&hits, "repo-error", "cloud")->severity, RULE_WARN);

    rv.state = REPO_OK;
    rv.fetched_at = now;
    rv.newest = now - D;
    rv.lock_count = 2;
    rv.oldest_lock = now - 5 * H;
    snprintf(rv.lock_holder, sizeof(rv.lock_holder), "root@docker-srv pid 42");
    eval(&hits, now, &repos, NULL, NULL);
    assert_null(find(&hits, "repo-error", "cloud"));
    assert_non_null(h = find(&hits, "repo-locks", "cloud"));
    assert_non_null(strstr(h->message, "2 locks"));
    assert_non_null(strstr(h->message, "restic unlock"));

    rv.lock_count = 0;
    eval(&hits, now, &repos, NULL, NULL);
    assert_int_equal(hits.len, 0);
    vec_release(&hits);
    vec_release(&repos);
}

static void test_cloud_budget(void **state)
{
    struct repo_cfg rc = {
        .name = s_cloud, .tier = TIER_OFFSITE, .price_per_gib_month = 0.01, .budget_per_month = 5.0
    };
    struct repo_view rv = { .cfg = &rc, .state = REPO_OK, .rpo = 8 * D };
    struct vec repos = VEC_INIT(NULL), hits = VEC_INIT(free);
    time_t now = DAY0 + 10 * D;
    const struct rule_hit *h;

    (void)state;
    vec_push(&repos, &rv);
    rv.fetched_at = now;
    rv.newest = now - D;
    rv.size_known = true;
    rv.size_bytes = (uint64_t)400 << 30; /* 400 GiB: 4.00 a month */
    eval(&hits, now, &repos, NULL, NULL);
    assert_null(find(&hits, "cloud-budget", "cloud"));

    rv.size_bytes = (uint64_t)600 << 30; /* 6.00 a month */
    eval(&hits, now, &repos, NULL, NULL);
    assert_non_null(h = find(&hits, "cloud-budget", "cloud"));
    assert_int_equal(h->severity, RULE_WARN);
    assert_non_null(strstr(h->message, "6.00 a month, over its budget of 5.00"));

    rc.budget_per_month = 0; /* no budget set: no rule */
    eval(&hits, now, &repos, NULL, NULL);
    assert_null(find(&hits, "cloud-budget", "cloud"));
    vec_release(&hits);
    vec_release(&repos);
}

/* ---- jobs, on a real store ---- */

struct fx {
    char dir[64];
    char db[128];
    struct store *st;
    struct config cfg;
    struct job_cfg job;
};

static int setup(void **state)
{
    struct fx *fx = xcalloc(1, sizeof(*fx));
    struct lb_err err = { 0 };

    snprintf(fx->dir, sizeof(fx->dir), "/tmp/lifeboat-rules.XXXXXX");
    if (!mkdtemp(fx->dir))
        return -1;
    snprintf(fx->db, sizeof(fx->db), "%s/lifeboat.db", fx->dir);
    fx->st = store_open(fx->db, &err);
    if (!fx->st)
        return -1;
    fx->job.name = s_daily;
    fx->job.schedule = s_sched;
    vec_init(&fx->cfg.jobs, NULL);
    vec_push(&fx->cfg.jobs, &fx->job);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fx *fx = *state;
    char p[256];

    store_close(fx->st);
    vec_release(&fx->cfg.jobs);
    snprintf(p, sizeof(p), "%s/lifeboat.db-wal", fx->dir);
    unlink(p);
    snprintf(p, sizeof(p), "%s/lifeboat.db-shm", fx->dir);
    unlink(p);
    unlink(fx->db);
    rmdir(fx->dir);
    free(fx);
    return 0;
}

static int64_t add_run(struct fx *fx, time_t started, enum run_outcome outcome,
                       const char *step_message)
{
    int64_t run, step;

    assert_int_equal(store_run_begin(fx->st, "daily", started, 1, &run, NULL), 0);
    if (outcome != RUN_RUNNING) {
        assert_int_equal(store_step_add(fx->st, run, "backup", "usb-ssd", started, &step, NULL), 0);
        assert_int_equal(
            store_step_finish(fx->st, step, started + 600, outcome, NULL, "restic: some log", NULL),
            0);
        if (step_message)
            assert_int_equal(store_step_message(fx->st, step, step_message, NULL), 0);
        assert_int_equal(store_run_finish(fx->st, run, started + 700, outcome, NULL, NULL), 0);
    }
    return run;
}

static void eval_jobs(struct fx *fx, struct vec *hits, time_t now)
{
    struct vec jobs = VEC_INIT(rules_job_free);

    assert_int_equal(rules_jobs_load(fx->st, &fx->cfg, &jobs, NULL), 0);
    eval(hits, now, NULL, NULL, &jobs);
    vec_release(&jobs);
}

static void test_job_last_run(void **state)
{
    struct fx *fx = *state;
    struct vec hits = VEC_INIT(free);
    const struct rule_hit *h;
    time_t t = DAY0 + 3 * H;

    /* no run at all: nothing here (the repo rules say "no snapshot") */
    eval_jobs(fx, &hits, t);
    assert_int_equal(hits.len, 0);

    add_run(fx, t, RUN_OK, NULL);
    eval_jobs(fx, &hits, t + H);
    assert_int_equal(hits.len, 0);

    add_run(fx, t + D, RUN_FAILED, "restic backup failed: repository is locked");
    eval_jobs(fx, &hits, t + D + H);
    assert_non_null(h = find(&hits, "job-failed", "daily"));
    assert_int_equal(h->severity, RULE_CRIT);
    assert_non_null(strstr(h->message, "failed: restic backup failed: repository is locked"));
    assert_non_null(strstr(h->message, "lifeboat run daily"));

    /* a run in progress does not hide the failure of the last finished one */
    add_run(fx, t + D + 2 * H, RUN_RUNNING, NULL);
    eval_jobs(fx, &hits, t + D + 2 * H + 60);
    assert_non_null(find(&hits, "job-failed", "daily"));
    store_runs_interrupt(fx->st, "daily", NULL, NULL); /* that run is gone now */

    add_run(fx, t + 2 * D, RUN_WARNING, "skipped: /mnt/usb-ssd is not mounted");
    eval_jobs(fx, &hits, t + 2 * D + H);
    assert_null(find(&hits, "job-failed", "daily"));
    assert_non_null(h = find(&hits, "job-partial", "daily"));
    assert_int_equal(h->severity, RULE_WARN);
    assert_non_null(strstr(h->message, "/mnt/usb-ssd is not mounted"));

    add_run(fx, t + 3 * D, RUN_OK, NULL); /* fixed: clear */
    eval_jobs(fx, &hits, t + 3 * D + H);
    assert_int_equal(hits.len, 0);
    vec_release(&hits);
}

static void test_job_deadman(void **state)
{
    struct fx *fx = *state;
    struct vec hits = VEC_INIT(free);
    const struct rule_hit *h;
    time_t t = DAY0 + 3 * H; /* runs at 03:00 UTC */

    add_run(fx, t, RUN_OK, NULL);
    /* the next run is due day 1 03:00; within the 2 h grace nothing fires */
    eval_jobs(fx, &hits, t + D + H);
    assert_null(find(&hits, "job-deadman", "daily"));
    /* day 1 06:00: one run missed */
    eval_jobs(fx, &hits, t + D + 3 * H);
    assert_non_null(h = find(&hits, "job-deadman", "daily"));
    assert_int_equal(h->severity, RULE_WARN);
    assert_non_null(strstr(h->message, "no successful run for 27h"));
    assert_non_null(strstr(h->message, "a run was due at 2026-03-03 03:00"));
    assert_non_null(strstr(h->message, "timers install"));
    /* day 2 06:00: two missed */
    eval_jobs(fx, &hits, t + 2 * D + 3 * H);
    assert_int_equal(find(&hits, "job-deadman", "daily")->severity, RULE_CRIT);
    /* a run due and under way: not dead */
    add_run(fx, t + 2 * D + 3 * H, RUN_RUNNING, NULL);
    eval_jobs(fx, &hits, t + 2 * D + 5 * H + 1);
    assert_null(find(&hits, "job-deadman", "daily"));
    store_runs_interrupt(fx->st, "daily", NULL, NULL);
    /* a successful run: resolved */
    add_run(fx, t + 2 * D + 6 * H, RUN_OK, NULL);
    eval_jobs(fx, &hits, t + 2 * D + 7 * H);
    assert_int_equal(hits.len, 0);
    vec_release(&hits);
}

/* ---- disks ---- */

static void test_disks(void **state)
{
    struct disk_cfg dc = { .name = s_usb, .mount = s_mount, .fill_warn = 80, .fill_crit = 90 };
    struct disk_view dv = { .cfg = &dc, .mount_checked = true, .mount_present = true };
    struct smart_reading rd = { .disk = "usb-ssd" };
    struct vec disks = VEC_INIT(NULL), hits = VEC_INIT(free);
    const struct rule_hit *h;
    time_t now = DAY0;

    (void)state;
    vec_push(&disks, &dv);
    dv.fill_pct = 50;
    eval(&hits, now, NULL, &disks, NULL);
    assert_int_equal(hits.len, 0);

    dv.fill_pct = 85;
    eval(&hits, now, NULL, &disks, NULL);
    assert_non_null(h = find(&hits, "disk-fill", "usb-ssd"));
    assert_int_equal(h->severity, RULE_WARN);
    assert_non_null(strstr(h->message, "/mnt/usb-ssd is 85% full"));

    dv.fill_pct = 93;
    eval(&hits, now, NULL, &disks, NULL);
    assert_int_equal(find(&hits, "disk-fill", "usb-ssd")->severity, RULE_CRIT);

    dv.mount_present = false;
    eval(&hits, now, NULL, &disks, NULL);
    assert_null(find(&hits, "disk-fill", "usb-ssd"));
    assert_int_equal(find(&hits, "disk-mount", "usb-ssd")->severity, RULE_CRIT);

    dv.mount_present = true;
    dv.fill_pct = 40;
    rd.report.verdict = SMART_VERDICT_WARN;
    dv.reading = &rd;
    eval(&hits, now, NULL, &disks, NULL);
    assert_non_null(h = find(&hits, "disk-smart", "usb-ssd"));
    assert_int_equal(h->severity, RULE_WARN);
    rd.report.verdict = SMART_VERDICT_CRIT;
    eval(&hits, now, NULL, &disks, NULL);
    assert_int_equal(find(&hits, "disk-smart", "usb-ssd")->severity, RULE_CRIT);
    rd.report.verdict = SMART_VERDICT_OK;
    eval(&hits, now, NULL, &disks, NULL);
    assert_int_equal(hits.len, 0);
    vec_release(&hits);
    vec_release(&disks);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_repo_rpo),
        cmocka_unit_test(test_repo_error_and_locks),
        cmocka_unit_test(test_cloud_budget),
        cmocka_unit_test_setup_teardown(test_job_last_run, setup, teardown),
        cmocka_unit_test_setup_teardown(test_job_deadman, setup, teardown),
        cmocka_unit_test(test_disks),
    };

    setenv("TZ", "UTC", 1);
    tzset();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
