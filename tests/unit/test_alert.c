/*
 * Unit tests for backend/alert.c's state machine with an injected clock:
 * fire, re-notify at the interval and not before, acknowledge (no more
 * reminders), escalation, damped resolution, re-fire within the window is
 * the same alert; the same through the real store (transactions, ack); URL
 * masking.
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

#include "backend/alert.h"
#include "backend/base/str.h"
#include "backend/base/vec.h"
#include "backend/base/xalloc.h"
#include "backend/rules.h"
#include "backend/store.h"

#define M        60
#define H        3600
#define T0       ((time_t)1772409600)
#define RENOTIFY (24 * H)

static void set_hit(struct vec *hits, const char *rule, const char *subject, enum rule_severity sev,
                    const char *msg)
{
    struct rule_hit *h = xcalloc(1, sizeof(*h));

    str_copy(h->rule, sizeof(h->rule), rule);
    str_copy(h->subject, sizeof(h->subject), subject);
    h->severity = sev;
    str_copy(h->message, sizeof(h->message), msg);
    vec_push(hits, h);
}

/* One evaluation: returns the events, "fired resolved ..." in order. */
static const char *step(struct vec *alerts, const struct vec *hits, time_t now)
{
    static char out[256];
    struct vec notices = VEC_INIT(alert_notice_free);
    struct alert_notice *n;
    size_t i;

    out[0] = '\0';
    alert_machine_apply(alerts, hits, now, RENOTIFY, &notices);
    vec_foreach(&notices, i, n) {
        size_t len = strlen(out);

        snprintf(out + len, sizeof(out) - len, "%s%s", len ? " " : "", alert_event_name(n->event));
    }
    vec_release(&notices);
    return out;
}

static void test_fire_renotify_ack(void **state)
{
    struct vec alerts = VEC_INIT(store_alert_free), hits = VEC_INIT(free), none = VEC_INIT(free);
    struct store_alert *a;

    (void)state;
    set_hit(&hits, "job-failed", "daily", RULE_CRIT, "the last run failed");
    assert_string_equal(step(&alerts, &hits, T0), "fired");
    assert_int_equal(alerts.len, 1);
    a = alerts.items[0];
    assert_string_equal(alert_state_name(a), "fired");
    assert_int_equal(a->fired_at, T0);
    /* still failing an hour later, and 23 h later: no reminder yet */
    assert_string_equal(step(&alerts, &hits, T0 + H), "");
    assert_string_equal(step(&alerts, &hits, T0 + 23 * H), "");
    /* after the interval: re-notified once */
    assert_string_equal(step(&alerts, &hits, T0 + 24 * H), "re-notified");
    assert_string_equal(alert_state_name(a), "re-notified");
    assert_int_equal(a->notify_count, 2);
    assert_string_equal(step(&alerts, &hits, T0 + 30 * H), "");
    /* acknowledged: no more reminders, however long it lasts */
    a->acked_at = T0 + 31 * H;
    a->ack_note = xstrdup("disk on order");
    assert_string_equal(step(&alerts, &hits, T0 + 48 * H), "");
    assert_string_equal(step(&alerts, &hits, T0 + 200 * H), "");
    assert_string_equal(alert_state_name(a), "acknowledged");
    assert_int_equal(alerts.len, 1);
    assert_int_equal(a->fired_at, T0); /* since: unchanged */
    vec_release(&none);
    vec_release(&hits);
    vec_release(&alerts);
}

static void test_escalation_drops_ack(void **state)
{
    struct vec alerts = VEC_INIT(store_alert_free), hits = VEC_INIT(free);
    struct store_alert *a;

    (void)state;
    set_hit(&hits, "repo-rpo", "usb-ssd", RULE_WARN, "2d old");
    assert_string_equal(step(&alerts, &hits, T0), "fired");
    a = alerts.items[0];
    a->acked_at = T0 + M;
    ((struct rule_hit *)hits.items[0])->severity = RULE_CRIT;
    str_copy(((struct rule_hit *)hits.items[0])->message, 400, "4d old");
    assert_string_equal(step(&alerts, &hits, T0 + H), "escalated");
    assert_int_equal(a->severity, 2);
    assert_int_equal(a->acked_at, 0);
    assert_string_equal(a->message, "4d old");
    /* better again (crit -> warn): quietly */
    ((struct rule_hit *)hits.items[0])->severity = RULE_WARN;
    assert_string_equal(step(&alerts, &hits, T0 + 2 * H), "");
    assert_int_equal(a->severity, 1);
    vec_release(&hits);
    vec_release(&alerts);
}

static void test_resolve_is_damped(void **state)
{
    struct vec alerts = VEC_INIT(store_alert_free), hits = VEC_INIT(free), none = VEC_INIT(free);
    struct store_alert *a;

    (void)state;
    set_hit(&hits, "disk-fill", "usb-ssd", RULE_WARN, "85% full");
    assert_string_equal(step(&alerts, &hits, T0), "fired");
    a = alerts.items[0];
    /* clear twice within minutes: still open */
    assert_string_equal(step(&alerts, &none, T0 + M), "");
    assert_string_equal(step(&alerts, &none, T0 + 2 * M), "");
    assert_int_equal(a->resolved_at, 0);
    /* back: the clear streak restarts */
    assert_string_equal(step(&alerts, &hits, T0 + 3 * M), "");
    assert_int_equal(a->clear_count, 0);
    /* clear three evaluations in a row: resolved */
    assert_string_equal(step(&alerts, &none, T0 + 4 * M), "");
    assert_string_equal(step(&alerts, &none, T0 + 5 * M), "");
    assert_string_equal(step(&alerts, &none, T0 + 6 * M), "resolved");
    assert_int_equal(a->resolved_at, T0 + 6 * M);
    assert_string_equal(alert_state_name(a), "resolved");
    /* back within the re-fire window: the same alert reopens, without a new notification */
    assert_string_equal(step(&alerts, &hits, T0 + 30 * M), "");
    assert_int_equal(alerts.len, 1);
    assert_int_equal(a->resolved_at, 0);
    assert_int_equal(a->fired_at, T0);
    /* two clear evaluations 15 minutes apart also resolve (a daily timer evaluates rarely) */
    assert_string_equal(step(&alerts, &none, T0 + 40 * M), "");
    assert_string_equal(step(&alerts, &none, T0 + 55 * M), "resolved");
    /* back after the window: a new alert */
    assert_string_equal(step(&alerts, &hits, T0 + 55 * M + ALERT_REFIRE_SECS + 1), "fired");
    assert_int_equal(alerts.len, 2);
    vec_release(&none);
    vec_release(&hits);
    vec_release(&alerts);
}

/* ---- through the store ---- */

struct upd {
    struct vec *hits;
    time_t now;
    struct vec *notices;
};

static int upd_fn(struct vec *alerts, void *arg)
{
    struct upd *u = arg;

    alert_machine_apply(alerts, u->hits, u->now, RENOTIFY, u->notices);
    return 0;
}

static size_t store_step(struct store *st, struct vec *hits, time_t now)
{
    struct vec notices = VEC_INIT(alert_notice_free);
    struct upd u = { hits, now, &notices };
    struct lb_err err = { 0 };
    size_t n;

    assert_int_equal(store_alerts_update(st, now - ALERT_REFIRE_SECS, upd_fn, &u, &err), 0);
    n = notices.len;
    vec_release(&notices);
    return n;
}

static void test_store_roundtrip(void **state)
{
    char dir[64], db[128], p[160];
    struct lb_err err = { 0 };
    struct store *st;
    struct vec hits = VEC_INIT(free), none = VEC_INIT(free), open = VEC_INIT(store_alert_free);
    struct store_alert *a;

    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/lifeboat-alert.XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(db, sizeof(db), "%s/lifeboat.db", dir);
    assert_non_null(st = store_open(db, &err));
    set_hit(&hits, "job-failed", "daily", RULE_CRIT, "failed");
    set_hit(&hits, "repo-rpo", "cloud", RULE_WARN, "9d old");
    assert_int_equal(store_step(st, &hits, T0), 2);
    assert_int_equal(store_step(st, &hits, T0 + H), 0);
    assert_int_equal(store_alerts_list(st, 0, &open, &err), 0);
    assert_int_equal(open.len, 2);
    a = open.items[0];
    assert_string_equal(a->rule, "job-failed");
    assert_int_equal(a->severity, 2);
    assert_int_equal(a->last_seen, T0 + H);
    /* acknowledge through the store: the reminder a day later does not come */
    assert_int_equal(store_alert_ack(st, a->id, "restic upgraded, rerun tonight", T0 + 2 * H, &err),
                     0);
    assert_int_equal(store_step(st, &hits, T0 + 25 * H), 1); /* only cloud's reminder */
    vec_clear(&open);
    assert_int_equal(store_alerts_list(st, 0, &open, &err), 0);
    a = open.items[0];
    assert_string_equal(alert_state_name(a), "acknowledged");
    assert_string_equal(a->ack_note, "restic upgraded, rerun tonight");
    assert_string_equal(alert_state_name(open.items[1]), "re-notified");
    /* an unknown alert cannot be acknowledged */
    assert_int_equal(store_alert_ack(st, 9999, NULL, T0, &err), -LB_ENOTFOUND);
    assert_non_null(strstr(err.msg, "no open alert #9999"));
    /* everything clears: resolved after three clear evaluations, then not listed as open */
    assert_int_equal(store_step(st, &none, T0 + 26 * H), 0);
    assert_int_equal(store_step(st, &none, T0 + 27 * H), 2); /* 1 h apart: resolved */
    vec_clear(&open);
    assert_int_equal(store_alerts_list(st, 0, &open, &err), 0);
    assert_int_equal(open.len, 0);
    vec_clear(&open);
    assert_int_equal(store_alerts_list(st, T0 + 27 * H, &open, &err), 0);
    assert_int_equal(open.len, 2);
    store_close(st);
    vec_release(&open);
    vec_release(&none);
    vec_release(&hits);
    snprintf(p, sizeof(p), "%s-wal", db);
    unlink(p);
    snprintf(p, sizeof(p), "%s-shm", db);
    unlink(p);
    unlink(db);
    rmdir(dir);
}

static void test_mask_url(void **state)
{
    char *m;

    (void)state;
    m = alert_mask_url("https://hc-ping.com/0c1f6b9a-3b5e-4a1e-9f2a-secretuuid");
    assert_null(strstr(m, "secretuuid"));
    assert_non_null(strstr(m, "https://hc-ping.com/"));
    free(m);
    m = alert_mask_url("https://user:pw@ntfy.example.com/mytopic?auth=tok");
    assert_null(strstr(m, "pw"));
    assert_null(strstr(m, "mytopic"));
    assert_null(strstr(m, "tok"));
    assert_non_null(strstr(m, "ntfy.example.com"));
    free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fire_renotify_ack), cmocka_unit_test(test_escalation_drops_ack),
        cmocka_unit_test(test_resolve_is_damped), cmocka_unit_test(test_store_roundtrip),
        cmocka_unit_test(test_mask_url),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
