/*
 * Unit tests for the fill history of [disk] mounts: the estimated-full date
 * (backend/fill.c), the disk-full-soon rule (backend/rules.c) and the
 * samples in a real state database (backend/store.c: roundtrip, at most one
 * an hour, thinned to one a day after 30 days, gone after a year).
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
#include "backend/config.h"
#include "backend/fill.h"
#include "backend/rules.h"
#include "backend/store.h"

#define H   3600
#define D   (24 * H)
#define GIB ((uint64_t)1 << 30)
/* 2026-03-02 00:00:00 UTC */
#define DAY0 ((time_t)1772409600)

static char s_usb[] = "usb-ssd", s_mount[] = "/mnt/usb-ssd";

/* ---- estimator ---- */

static void test_steady_growth(void **state)
{
    struct fill_sample s[10];
    struct fill_estimate e;
    time_t now = DAY0 + 9 * D + H;

    (void)state;
    for (int i = 0; i < 10; i++)
        s[i] = (struct fill_sample){ DAY0 + i * D, 50 * GIB + (uint64_t)i * 2 * GIB, 100 * GIB };
    assert_true(fill_estimate(s, 10, now, &e));
    assert_true(e.bytes_per_day > 1.999 * (double)GIB && e.bytes_per_day < 2.001 * (double)GIB);
    /* 68 GiB used of 100 at day 9, 2 GiB a day: 16 days on */
    assert_true(e.full_at >= DAY0 + 25 * D - 60 && e.full_at <= DAY0 + 25 * D + 60);
    assert_int_equal((int)(e.pct + 0.5), 68);
}

static void test_shrinking_or_flat(void **state)
{
    struct fill_sample s[6];
    struct fill_estimate e;
    time_t now = DAY0 + 6 * D;

    (void)state;
    for (int i = 0; i < 6; i++)
        s[i] = (struct fill_sample){ DAY0 + i * D, 80 * GIB - (uint64_t)i * GIB, 100 * GIB };
    assert_false(fill_estimate(s, 6, now, &e));
    assert_false(e.known);
    assert_int_equal((int)(e.pct + 0.5), 75); /* the fill is still known */
    for (int i = 0; i < 6; i++)
        s[i].used = 40 * GIB;
    assert_false(fill_estimate(s, 6, now, &e));
}

static void test_noise(void **state)
{
    struct fill_sample s[28];
    struct fill_estimate e;
    time_t now = DAY0 + 14 * D;

    (void)state;
    /* 1 GiB a day, each sample off by +-300 MiB (garbage collection, temp files) */
    for (int i = 0; i < 28; i++) {
        uint64_t base = 200 * GIB + (uint64_t)i * GIB / 2;

        s[i] = (struct fill_sample){ DAY0 + i * (D / 2),
                                     i % 2 ? base + 300 * (GIB >> 10) : base - 300 * (GIB >> 10),
                                     500 * GIB };
    }
    assert_true(fill_estimate(s, 28, now, &e));
    assert_true(e.bytes_per_day > 0.9 * (double)GIB && e.bytes_per_day < 1.1 * (double)GIB);
    /* about 286 GiB left at ~1 GiB a day: 260 to 320 days on */
    assert_true(e.full_at > now + 260 * D && e.full_at < now + 320 * D);
}

static void test_too_little_data(void **state)
{
    struct fill_sample s[6];
    struct fill_estimate e;
    time_t now = DAY0 + 60 * D;

    (void)state;
    assert_false(fill_estimate(NULL, 0, now, &e));
    /* two samples five days apart */
    s[0] = (struct fill_sample){ now - 5 * D, 10 * GIB, 100 * GIB };
    s[1] = (struct fill_sample){ now, 20 * GIB, 100 * GIB };
    assert_false(fill_estimate(s, 2, now, &e));
    /* five samples within a day */
    for (int i = 0; i < 5; i++)
        s[i] = (struct fill_sample){ now - D + i * H, (uint64_t)(10 + i) * GIB, 100 * GIB };
    assert_false(fill_estimate(s, 5, now, &e));
    /* plenty, but older than the 30-day window: only two recent ones count */
    for (int i = 0; i < 4; i++)
        s[i] =
            (struct fill_sample){ now - 50 * D + i * 3 * D, (uint64_t)(10 + i) * GIB, 100 * GIB };
    s[4] = (struct fill_sample){ now - 3 * D, 30 * GIB, 100 * GIB };
    s[5] = (struct fill_sample){ now, 31 * GIB, 100 * GIB };
    assert_false(fill_estimate(s, 6, now, &e));
    /* a third recent one spanning two days: known */
    s[3] = (struct fill_sample){ now - 2 * D, 30 * GIB + GIB / 2, 100 * GIB };
    assert_true(fill_estimate(s, 6, now, &e));
}

static void test_full_already(void **state)
{
    struct fill_sample s[4];
    struct fill_estimate e;
    time_t now = DAY0 + 3 * D + 5 * H;

    (void)state;
    for (int i = 0; i < 4; i++)
        s[i] = (struct fill_sample){ DAY0 + i * D, 97 * GIB + (uint64_t)i * GIB, 100 * GIB };
    assert_true(fill_estimate(s, 4, now, &e));
    assert_int_equal(e.full_at, DAY0 + 3 * D); /* the newest sample: full then */
    assert_int_equal((int)(e.pct + 0.5), 100);
}

/* ---- the rule ---- */

static const struct rule_hit *find(const struct vec *hits, const char *rule)
{
    const struct rule_hit *h;
    size_t i;

    vec_foreach(hits, i, h) {
        if (!strcmp(h->rule, rule) && !strcmp(h->subject, "usb-ssd"))
            return h;
    }
    return NULL;
}

static void test_rule_full_soon(void **state)
{
    struct disk_cfg dc = { .name = s_usb, .mount = s_mount, .fill_warn = 80, .fill_crit = 90 };
    struct disk_view dv = {
        .cfg = &dc, .mount_checked = true, .mount_present = true, .fill_pct = 71
    };
    struct vec disks = VEC_INIT(NULL), hits = VEC_INIT(free);
    struct rules_input in = { .now = DAY0, .disks = &disks };
    const struct rule_hit *h;

    (void)state;
    vec_push(&disks, &dv);
    /* no estimate: nothing */
    rules_evaluate(&in, &hits);
    assert_null(find(&hits, "disk-full-soon"));
    assert_true(rules_covers(&in, "disk-full-soon"));

    /* 2.1 GiB a day, full in 20 days: a warning naming mount, fill, growth and date */
    dv.fill_est = (struct fill_estimate){ .known = true,
                                          .bytes_per_day = 2.1 * (double)GIB,
                                          .full_at = DAY0 + 20 * D + 5 * H };
    rules_evaluate(&in, &hits);
    assert_non_null(h = find(&hits, "disk-full-soon"));
    assert_int_equal(h->severity, RULE_WARN);
    assert_string_equal(h->message, "/mnt/usb-ssd at 71 % grows about 2.1 GiB a day: full "
                                    "around 2026-03-22; prune or add space");
    assert_null(find(&hits, "disk-fill")); /* 71 % is under fill_warn */

    /* within 7 days: critical */
    vec_clear(&hits);
    dv.fill_est.full_at = DAY0 + 6 * D;
    rules_evaluate(&in, &hits);
    assert_int_equal(find(&hits, "disk-full-soon")->severity, RULE_CRIT);

    /* full already: critical, "now" */
    vec_clear(&hits);
    dv.fill_est.full_at = DAY0 - D;
    rules_evaluate(&in, &hits);
    assert_non_null(h = find(&hits, "disk-full-soon"));
    assert_int_equal(h->severity, RULE_CRIT);
    assert_non_null(strstr(h->message, "full now, 2026-03-02"));

    /* beyond 30 days: nothing */
    vec_clear(&hits);
    dv.fill_est.full_at = DAY0 + 31 * D;
    rules_evaluate(&in, &hits);
    assert_null(find(&hits, "disk-full-soon"));

    /* the mount gone: the mount alert, not a stale estimate */
    dv.fill_est.full_at = DAY0 + 3 * D;
    dv.mount_present = false;
    vec_clear(&hits);
    rules_evaluate(&in, &hits);
    assert_null(find(&hits, "disk-full-soon"));
    assert_non_null(find(&hits, "disk-mount"));

    vec_release(&disks);
    vec_release(&hits);
}

/* ---- the store ---- */

struct fx {
    char dir[64];
    char db[128];
    struct store *st;
};

static int setup(void **state)
{
    struct fx *fx = calloc(1, sizeof(*fx));
    struct lb_err err = { 0 };

    if (!fx)
        return -1;
    snprintf(fx->dir, sizeof(fx->dir), "/tmp/lifeboat-fill.XXXXXX");
    if (!mkdtemp(fx->dir))
        return -1;
    snprintf(fx->db, sizeof(fx->db), "%s/lifeboat.db", fx->dir);
    if (!(fx->st = store_open(fx->db, &err)))
        return -1;
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fx *fx = *state;
    char p[200];

    store_close(fx->st);
    unlink(fx->db);
    snprintf(p, sizeof(p), "%s-wal", fx->db);
    unlink(p);
    snprintf(p, sizeof(p), "%s-shm", fx->db);
    unlink(p);
    rmdir(fx->dir);
    free(fx);
    return 0;
}

static void test_store_roundtrip(void **state)
{
    struct fx *fx = *state;
    struct vec v = VEC_INIT(free);
    struct lb_err err = { 0 };
    const struct fill_sample *s;
    time_t t = DAY0 + 12 * H;

    assert_int_equal(store_put_disk_fill(fx->st, "usb-ssd", t, 3000 * GIB, 4000 * GIB, &err), 1);
    /* within the hour: not kept */
    assert_int_equal(store_put_disk_fill(fx->st, "usb-ssd", t + 1800, 3001 * GIB, 4000 * GIB, &err),
                     0);
    assert_int_equal(store_put_disk_fill(fx->st, "usb-ssd", t + H, 3002 * GIB, 4000 * GIB, &err),
                     1);
    /* another disk has its own hour */
    assert_int_equal(store_put_disk_fill(fx->st, "os-ssd", t + 60, 10 * GIB, 200 * GIB, &err), 1);

    /* what a reopened database reads back */
    store_close(fx->st);
    assert_non_null(fx->st = store_open(fx->db, &err));
    assert_int_equal(store_get_disk_fill(fx->st, "usb-ssd", 0, &v, &err), 0);
    assert_int_equal(v.len, 2);
    s = v.items[0];
    assert_int_equal(s->at, t);
    assert_true(s->used == 3000 * GIB && s->total == 4000 * GIB);
    s = v.items[1];
    assert_int_equal(s->at, t + H);
    assert_true(s->used == 3002 * GIB);
    vec_clear(&v);
    assert_int_equal(store_get_disk_fill(fx->st, "usb-ssd", t + 1, &v, &err), 0);
    assert_int_equal(v.len, 1);
    vec_release(&v);
}

static void test_store_thinning(void **state)
{
    struct fx *fx = *state;
    struct vec v = VEC_INIT(free);
    struct lb_err err = { 0 };
    const struct fill_sample *s;
    time_t now = DAY0 + 400 * D + 12 * H;
    size_t i;

    /* older than a year */
    assert_int_equal(store_put_disk_fill(fx->st, "usb-ssd", now - 370 * D, GIB, 9 * GIB, &err), 1);
    /* three whole days 40 to 38 days ago, hourly */
    for (int d = 40; d >= 38; d--)
        for (int h = 0; h < 24; h++)
            assert_int_equal(store_put_disk_fill(fx->st, "usb-ssd", DAY0 + (400 - d) * D + h * H,
                                                 (uint64_t)(2 * 24 * (40 - d) + h) * GIB,
                                                 1000 * GIB, &err),
                             1);
    /* the last hours, hourly */
    for (int h = 5; h >= 1; h--)
        assert_int_equal(
            store_put_disk_fill(fx->st, "usb-ssd", now - h * H, 500 * GIB, 1000 * GIB, &err), 1);
    assert_int_equal(store_put_disk_fill(fx->st, "usb-ssd", now, 501 * GIB, 1000 * GIB, &err), 1);

    assert_int_equal(store_get_disk_fill(fx->st, "usb-ssd", 0, &v, &err), 0);
    assert_int_equal(v.len, 3 + 6); /* one a day for the old days, every recent one */
    for (i = 0; i < 3; i++) {
        s = v.items[i];
        /* the last sample of its day stays */
        assert_int_equal(s->at, DAY0 + (360 + (time_t)i) * D + 23 * H);
        assert_true(s->used == (uint64_t)(2 * 24 * i + 23) * GIB);
    }
    s = v.items[8];
    assert_int_equal(s->at, now);
    vec_release(&v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_steady_growth),
        cmocka_unit_test(test_shrinking_or_flat),
        cmocka_unit_test(test_noise),
        cmocka_unit_test(test_too_little_data),
        cmocka_unit_test(test_full_already),
        cmocka_unit_test(test_rule_full_soon),
        cmocka_unit_test_setup_teardown(test_store_roundtrip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_thinning, setup, teardown),
    };

    setenv("TZ", "UTC", 1);
    tzset();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
