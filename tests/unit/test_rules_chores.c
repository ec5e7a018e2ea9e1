/*
 * The chore rules (backend/rules.c) over a real state database: drills and
 * checklists overdue against their cadence, only the drill kinds the config
 * allows, a failed drill does not count, a fresh install (no job run yet,
 * or younger than the cadence) is not nagged; a repo password file older
 * than the rotation cadence (its mtime), a password_command never rotated.
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
#include <sys/time.h>
#include <unistd.h>

#include "backend/base/vec.h"
#include "backend/base/xalloc.h"
#include "backend/config.h"
#include "backend/rules.h"
#include "backend/store.h"

#define H   3600
#define D   (24 * H)
#define NOW ((time_t)1772409600 + 100 * D)

struct fx {
    char dir[64], db[128];
    struct store *st;
    struct config cfg;
    struct pve_cfg pve;
    struct repo_cfg cloud;
    struct vec jobs;
    struct job_cfg job_cfg;
    struct rules_job job;
};

static char s_cloud[] = "cloud", s_main[] = "main", s_daily[] = "daily";

static int setup(void **state)
{
    struct fx *f = xcalloc(1, sizeof(*f));
    struct lb_err err = { 0 };

    snprintf(f->dir, sizeof(f->dir), "/tmp/lifeboat-chores-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->db, sizeof(f->db), "%s/lifeboat.db", f->dir);
    f->st = store_open(f->db, &err);
    if (!f->st)
        return -1;
    f->cloud.name = s_cloud;
    f->cloud.tier = TIER_OFFSITE;
    vec_push(&f->cfg.repos, &f->cloud);
    f->pve.name = s_main;
    vec_push(&f->cfg.pves, &f->pve);
    f->cfg.drill.rollback_vmid = 9000; /* rollback drills apply; pbs ones not ([pbs] missing) */
    f->job_cfg.name = s_daily;         /* no schedule: no dead man; no last run: no job rule */
    f->job.cfg = &f->job_cfg;
    vec_init(&f->jobs, NULL);
    vec_push(&f->jobs, &f->job);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    char p[160];

    store_close(f->st);
    vec_release(&f->cfg.repos);
    vec_release(&f->cfg.pves);
    vec_release(&f->jobs);
    unlink(f->db);
    snprintf(p, sizeof(p), "%s-wal", f->db);
    unlink(p);
    snprintf(p, sizeof(p), "%s-shm", f->db);
    unlink(p);
    rmdir(f->dir);
    free(f);
    return 0;
}

static void eval(struct fx *f, struct vec *hits)
{
    struct rules_chores c;
    struct lb_err err = { 0 };
    struct rules_input in = { .now = NOW, .cfg = &f->cfg, .jobs = &f->jobs, .chores = &c };

    assert_int_equal(rules_chores_load(f->st, &f->cfg, &c, &err), 0);
    vec_clear(hits);
    rules_evaluate(&in, hits);
}

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

static void drill(struct fx *f, const char *kind, time_t started, const char *outcome)
{
    struct store_drill d;
    struct lb_err err = { 0 };

    memset(&d, 0, sizeof(d));
    snprintf(d.kind, sizeof(d.kind), "%s", kind);
    snprintf(d.outcome, sizeof(d.outcome), "%s", outcome);
    d.started = started;
    d.ended = started + 600;
    d.rto_ms = 600000;
    d.rpo_seconds = -1;
    d.verified = -1;
    d.estimate_full_seconds = -1;
    assert_int_equal(store_drill_insert(f->st, &d, &err), 0);
}

static void checklist(struct fx *f, const char *kind, time_t started, const char *outcome)
{
    struct store_checklist_run r;
    struct lb_err err = { 0 };

    memset(&r, 0, sizeof(r));
    vec_init(&r.items, free);
    snprintf(r.kind, sizeof(r.kind), "%s", kind);
    snprintf(r.outcome, sizeof(r.outcome), "%s", outcome);
    r.started = started;
    r.ended = started + 60;
    assert_int_equal(store_checklist_save(f->st, &r, &err), 0);
    vec_release(&r.items);
}

static void test_fresh_install_is_not_nagged(void **state)
{
    struct fx *f = *state;
    struct vec hits = VEC_INIT(free);

    eval(f, &hits); /* no run at all */
    assert_int_equal(hits.len, 0);
    f->job.first_started = NOW - 5 * D; /* backing up for 5 days: within every cadence */
    eval(f, &hits);
    assert_int_equal(hits.len, 0);
    vec_release(&hits);
}

static void test_overdue(void **state)
{
    struct fx *f = *state;
    struct vec hits = VEC_INIT(free);
    const struct rule_hit *h;

    f->job.first_started = NOW - 40 * D;
    eval(f, &hits);
    h = find(&hits, "drill-overdue", "drill cloud");
    assert_non_null(h);
    assert_int_equal(h->severity, RULE_WARN);
    assert_non_null(strstr(h->message, "no successful cloud restore drill since backups began"));
    assert_non_null(strstr(h->message, "'lifeboat drill cloud'"));
    assert_non_null(find(&hits, "drill-overdue", "drill rollback"));
    assert_null(find(&hits, "drill-overdue", "drill pbs")); /* no [pbs]: not applicable */
    h = find(&hits, "checklist-overdue", "checklist monthly");
    assert_non_null(h);
    assert_non_null(strstr(h->message, "'lifeboat checklist monthly'"));
    assert_null(find(&hits, "checklist-overdue", "checklist quarterly")); /* 40 < 92 days */

    /* a failed cloud drill does not count; a successful one 10 days ago does */
    drill(f, "cloud", NOW - 2 * D, "failed");
    eval(f, &hits);
    assert_non_null(find(&hits, "drill-overdue", "drill cloud"));
    drill(f, "cloud", NOW - 10 * D, "ok");
    eval(f, &hits);
    assert_null(find(&hits, "drill-overdue", "drill cloud"));
    /* rollback is weekly: 10 days ago is overdue, and it says so with the age */
    drill(f, "rollback", NOW - 10 * D, "ok");
    eval(f, &hits);
    h = find(&hits, "drill-overdue", "drill rollback");
    assert_non_null(h);
    assert_non_null(strstr(h->message, "was 10d ago (due every 7d)"));
    drill(f, "rollback", NOW - 2 * D, "ok");
    eval(f, &hits);
    assert_null(find(&hits, "drill-overdue", "drill rollback"));

    /* an open (incomplete) checklist is not a complete one */
    checklist(f, "monthly", NOW - D, "open");
    eval(f, &hits);
    assert_non_null(find(&hits, "checklist-overdue", "checklist monthly"));
    checklist(f, "monthly", NOW - D, "complete");
    eval(f, &hits);
    assert_null(find(&hits, "checklist-overdue", "checklist monthly"));
    vec_release(&hits);
}

static void test_secrets(void **state)
{
    struct fx *f = *state;
    struct vec hits = VEC_INIT(free);
    const struct rule_hit *h;
    char pass[128];
    struct timeval tv[2];
    FILE *fp;

    /* the cloud repo's password comes from a command: no rotation recorded */
    f->job.first_started = NOW - 40 * D;
    eval(f, &hits);
    h = find(&hits, "secret-overdue", "repo cloud password_command");
    assert_non_null(h);
    assert_non_null(strstr(h->message, "no rotation recorded since backups began"));
    assert_non_null(strstr(h->message, "'lifeboat keys rotate cloud'"));

    /* a password file changed 2 days ago is fresh; one unchanged for 40 days is due */
    snprintf(pass, sizeof(pass), "%s/cloud.pass", f->dir);
    fp = fopen(pass, "w");
    assert_non_null(fp);
    fputs("test-only\n", fp);
    fclose(fp);
    f->cloud.password_file = pass;
    tv[0].tv_sec = tv[1].tv_sec = NOW - 2 * D;
    tv[0].tv_usec = tv[1].tv_usec = 0;
    assert_int_equal(utimes(pass, tv), 0);
    eval(f, &hits);
    assert_null(find(&hits, "secret-overdue", "repo cloud password_file"));
    tv[0].tv_sec = tv[1].tv_sec = NOW - 40 * D;
    tv[0].tv_usec = tv[1].tv_usec = 0;
    assert_int_equal(utimes(pass, tv), 0);
    eval(f, &hits);
    h = find(&hits, "secret-overdue", "repo cloud password_file");
    assert_non_null(h);
    assert_non_null(strstr(h->message, "not rotated for 40d"));
    assert_non_null(strstr(h->message, "(due every 31d)"));
    f->cloud.password_file = NULL;
    unlink(pass);
    vec_release(&hits);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_fresh_install_is_not_nagged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overdue, setup, teardown),
        cmocka_unit_test_setup_teardown(test_secrets, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
