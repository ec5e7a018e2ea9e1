/* The engine's judgement of a repo: health against the RPO and the problems it reports. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "backend/app.h"
#include "backend/config.h"
#include "backend/restic.h"

#define H 3600
#define D 86400

static char repo_name[] = "usb-ssd";
static struct repo_cfg repo_cfg_local = { .name = repo_name, .tier = TIER_LOCAL };

static struct repo_view view(time_t now, int64_t age)
{
    struct repo_view rv;

    memset(&rv, 0, sizeof(rv));
    rv.cfg = &repo_cfg_local;
    rv.state = REPO_OK;
    rv.rpo = 26 * H;
    rv.newest = age < 0 ? 0 : now - age;
    rv.snapshot_count = age < 0 ? 0 : 5;
    rv.fetched_at = now - 60;
    return rv;
}

static void test_health_against_rpo(void **state)
{
    time_t now = 1795658412;
    struct repo_view rv;

    (void)state;
    rv = view(now, 4 * H);
    assert_int_equal(app_repo_health(&rv, now), HEALTH_OK);
    rv = view(now, 26 * H);
    assert_int_equal(app_repo_health(&rv, now), HEALTH_OK); /* exactly at the RPO */
    rv = view(now, 26 * H + 1);
    assert_int_equal(app_repo_health(&rv, now), HEALTH_WARN);
    rv = view(now, 3 * D);
    assert_int_equal(app_repo_health(&rv, now), HEALTH_WARN); /* 72h <= 3 x 26h */
    rv = view(now, 4 * D);
    assert_int_equal(app_repo_health(&rv, now), HEALTH_CRIT);
    rv = view(now, -1);
    assert_int_equal(app_repo_health(&rv, now), HEALTH_CRIT); /* no restore point */
    rv.state = REPO_UNKNOWN;
    assert_int_equal(app_repo_health(&rv, now), HEALTH_UNKNOWN);
}

static void test_errors_and_locks_raise_health(void **state)
{
    time_t now = 1795658412;
    struct repo_view rv = view(now, H);

    (void)state;
    rv.lock_count = 1;
    assert_int_equal(app_repo_health(&rv, now), HEALTH_WARN);
    rv.lock_count = 0;
    rv.state = REPO_ERROR;
    rv.error.code = LB_EUNREACHABLE;
    assert_int_equal(app_repo_health(&rv, now), HEALTH_WARN);
    rv.error.code = LB_EAUTH;
    assert_int_equal(app_repo_health(&rv, now), HEALTH_CRIT);
}

static void test_never_read_repo_is_judged_by_its_error(void **state)
{
    time_t now = 1795658412;
    struct repo_view rv = view(now, -1);

    (void)state;
    rv.fetched_at = 0;
    rv.state = REPO_ERROR;
    rv.error.code = LB_EUNREACHABLE; /* the cloud is down: we do not know its age */
    assert_int_equal(app_repo_health(&rv, now), HEALTH_WARN);
    rv.error.code = LB_ENOREPO;
    assert_int_equal(app_repo_health(&rv, now), HEALTH_CRIT);
}

static void test_problems_say_what_to_do(void **state)
{
    time_t now = 1795658412;
    struct app app;
    struct repo_view a = view(now, 3 * D), b = view(now, H);
    struct app_problem probs[4];
    size_t n;

    (void)state;
    memset(&app, 0, sizeof(app));
    vec_init(&app.repos, NULL);
    b.lock_count = 1;
    b.oldest_lock = now - 2 * H;
    snprintf(b.lock_holder, sizeof(b.lock_holder), "root@docker-srv pid 42");
    vec_push(&app.repos, &a);
    vec_push(&app.repos, &b);
    n = app_problems(&app, now, probs, 4);
    assert_int_equal(n, 2);
    assert_string_equal(probs[0].subject, "usb-ssd");
    assert_non_null(strstr(probs[0].text, "3d old, over its RPO of 26h"));
    assert_non_null(strstr(probs[1].text, "restic unlock"));
    assert_non_null(strstr(probs[1].text, "root@docker-srv pid 42"));
    assert_int_equal(app_overall_health(&app, now), HEALTH_WARN);
    vec_release(&app.repos);
}

static void test_cache_key_follows_the_url_not_its_password(void **state)
{
    char u1[] = "rest:https://user:hunter2@cloud.example/restic";
    char u2[] = "rest:https://user:other@cloud.example/restic";
    char u3[] = "rest:https://cloud.example/elsewhere";
    char name[] = "cloud";
    struct repo_cfg a = { .name = name, .url = u1 }, b = { .name = name, .url = u2 },
                    c = { .name = name, .url = u3 };
    char ka[96], kb[96], kc[96];

    (void)state;
    restic_repo_key(&a, ka, sizeof(ka));
    restic_repo_key(&b, kb, sizeof(kb));
    restic_repo_key(&c, kc, sizeof(kc));
    assert_string_equal(ka, kb); /* a new password is the same repo */
    assert_string_not_equal(ka, kc); /* another place is another repo: no stale figures */
    assert_null(strstr(ka, "hunter2"));
    assert_true(strncmp(ka, "cloud@", 6) == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_health_against_rpo),
        cmocka_unit_test(test_errors_and_locks_raise_health),
        cmocka_unit_test(test_never_read_repo_is_judged_by_its_error),
        cmocka_unit_test(test_problems_say_what_to_do),
        cmocka_unit_test(test_cache_key_follows_the_url_not_its_password),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
