/*
 * The Proxmox rules (backend/rules.c) on constructed model records: a stale
 * snapshot, a guest in no backup job (and one only in a disabled job; the
 * drill guest needs none), a
 * failed verify of the newest backup and of an older one, backups never
 * verified, a failed PBS task that a later success clears, the datastore
 * fill and its estimated-full date. And through the alert store: an
 * evaluation that did not read Proxmox (the timer job's, the console's)
 * neither resolves nor changes a Proxmox alert; one that read it and found
 * it clear resolves it after the damping.
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
#include "backend/app.h"
#include "backend/base/vec.h"
#include "backend/base/xalloc.h"
#include "backend/config.h"
#include "backend/proxmox_model.h"
#include "backend/rules.h"
#include "backend/store.h"

#define H   3600
#define D   (24 * H)
#define NOW ((time_t)1772409600 + 40 * D)

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

static size_t count(const struct vec *hits, const char *rule)
{
    const struct rule_hit *h;
    size_t i, n = 0;

    vec_foreach(hits, i, h)
        n += !strcmp(h->rule, rule);
    return n;
}

static void eval(const struct rules_pmx *p, struct vec *hits)
{
    struct rules_input in = { .now = NOW, .pmx = p };

    vec_clear(hits);
    rules_evaluate(&in, hits);
}

static struct pve_guest *guest(int vmid, const char *type, const char *name)
{
    struct pve_guest *g = xcalloc(1, sizeof(*g));

    g->vmid = vmid;
    snprintf(g->type, sizeof(g->type), "%s", type);
    g->name = xstrdup(name);
    g->node = xstrdup("pve");
    g->status = xstrdup("running");
    return g;
}

static struct pve_snapshot_list *snaps(int n, const char **names, const time_t *times)
{
    struct pve_snapshot_list *l = xcalloc(1, sizeof(*l));

    vec_init(&l->snaps, pve_snapshot_free);
    for (int i = 0; i < n; i++) {
        struct pve_snapshot *s = xcalloc(1, sizeof(*s));

        s->name = xstrdup(names[i]);
        s->description = xstrdup("");
        s->snaptime = times[i];
        vec_push(&l->snaps, s);
    }
    return l;
}

static struct pve_backup_job *job(const char *id, const char *vmids, bool enabled)
{
    struct pve_backup_job *j = xcalloc(1, sizeof(*j));

    j->id = xstrdup(id);
    j->vmid = vmids ? xstrdup(vmids) : NULL;
    j->all = !vmids;
    j->enabled = enabled;
    return j;
}

static struct pbs_snapshot *backup(const char *type, const char *id, time_t t, const char *verify)
{
    struct pbs_snapshot *s = xcalloc(1, sizeof(*s));

    snprintf(s->type, sizeof(s->type), "%s", type);
    s->id = xstrdup(id);
    s->time = t;
    s->complete = true;
    snprintf(s->verify, sizeof(s->verify), "%s", verify);
    return s;
}

static struct pbs_task *task(const char *type, const char *id, time_t start, const char *status)
{
    struct pbs_task *t = xcalloc(1, sizeof(*t));

    t->worker_type = xstrdup(type);
    t->worker_id = xstrdup(id);
    t->starttime = start;
    t->endtime = start + 600;
    t->status = xstrdup(status);
    t->upid = xstrdup("UPID:pbs:x");
    return t;
}

static void test_snapshot_age(void **state)
{
    struct vec guests = VEC_INIT(pve_guest_free), hits = VEC_INIT(free);
    const char *n1[] = { "pre-upgrade" }, *n2[] = { "a", "b", "c" }, *n3[] = { "today" };
    time_t t1[] = { NOW - 9 * D }, t2[] = { NOW - 20 * D, NOW - 10 * D, NOW - H },
           t3[] = { NOW - H };
    struct pve_snapshot_list *l[4];
    struct rules_pmx p = { .snapshot_max_age = 7 * D, .guests = &guests, .snaps = l };
    const struct rule_hit *h;

    (void)state;
    vec_push(&guests, guest(101, "qemu", "homeassist"));
    vec_push(&guests, guest(200, "lxc", "vaultwarden"));
    vec_push(&guests, guest(102, "qemu", "pihole"));
    vec_push(&guests, guest(103, "qemu", "unread"));
    l[0] = snaps(1, n1, t1);
    l[1] = snaps(3, n2, t2);
    l[2] = snaps(1, n3, t3);
    l[3] = NULL; /* not read: says nothing */
    eval(&p, &hits);
    h = find(&hits, "pve-snapshot-age", "vm 101");
    assert_non_null(h);
    assert_int_equal(h->severity, RULE_WARN);
    assert_non_null(
        strstr(h->message, "snapshot 'pre-upgrade' of homeassist is 9d old (limit 7d)"));
    assert_non_null(strstr(h->message, "Snapshots screen"));
    h = find(&hits, "pve-snapshot-age", "ct 200");
    assert_non_null(h);
    assert_non_null(
        strstr(h->message, "2 snapshots of vaultwarden are older than 7d, the oldest 'a' 20d"));
    assert_int_equal(count(&hits, "pve-snapshot-age"), 2);

    /* a longer limit clears them */
    p.snapshot_max_age = 30 * D;
    eval(&p, &hits);
    assert_int_equal(count(&hits, "pve-snapshot-age"), 0);
    for (int i = 0; i < 3; i++)
        pve_snapshot_list_free(l[i]);
    vec_release(&guests);
    vec_release(&hits);
}

static void test_unbacked(void **state)
{
    struct vec guests = VEC_INIT(pve_guest_free), jobs = VEC_INIT(pve_backup_job_free),
               unbacked = VEC_INIT(pve_unbacked_free), hits = VEC_INIT(free);
    struct rules_pmx p = { .guests = &guests, .jobs = &jobs };
    struct pve_unbacked *u;
    const struct rule_hit *h;

    (void)state;
    vec_push(&guests, guest(100, "qemu", "nextcloud"));
    vec_push(&guests, guest(203, "lxc", "test"));
    vec_push(&guests, guest(104, "qemu", "old"));
    vec_push(&jobs, job("backup-daily", "100", true));
    vec_push(&jobs, job("backup-old", "104", false));
    eval(&p, &hits);
    assert_null(find(&hits, "pve-unbacked", "vm 100"));
    h = find(&hits, "pve-unbacked", "ct 203");
    assert_non_null(h);
    assert_non_null(strstr(h->message, "test is in no backup job"));
    h = find(&hits, "pve-unbacked", "vm 104");
    assert_non_null(h);
    assert_non_null(strstr(h->message, "only in the disabled backup job 'backup-old'"));
    /* the [drill] test guest is scratch: no backup needed */
    {
        struct config cfg = { 0 };
        struct rules_input in = { .now = NOW, .cfg = &cfg, .pmx = &p };

        cfg.drill.rollback_vmid = 104;
        vec_clear(&hits);
        rules_evaluate(&in, &hits);
        assert_null(find(&hits, "pve-unbacked", "vm 104"));
        assert_non_null(find(&hits, "pve-unbacked", "ct 203"));
    }

    /* PVE's own not-backed-up list wins over the job selection */
    u = xcalloc(1, sizeof(*u));
    u->vmid = 100;
    snprintf(u->type, sizeof(u->type), "qemu");
    u->name = xstrdup("nextcloud");
    vec_push(&unbacked, u);
    p.unbacked = &unbacked;
    eval(&p, &hits);
    assert_non_null(find(&hits, "pve-unbacked", "vm 100"));

    /* an "all" job covers everyone PVE does not list */
    vec_clear(&unbacked);
    vec_push(&jobs, job("backup-all", NULL, true));
    eval(&p, &hits);
    assert_int_equal(count(&hits, "pve-unbacked"), 0);
    vec_release(&guests);
    vec_release(&jobs);
    vec_release(&unbacked);
    vec_release(&hits);
}

static void test_verify(void **state)
{
    struct vec b = VEC_INIT(pbs_snapshot_free), hits = VEC_INIT(free);
    struct rules_pmx p = { .datastore = "usb-ssd", .backups = &b };
    const struct rule_hit *h;

    (void)state;
    /* vm 100: newest failed -> crit */
    vec_push(&b, backup("vm", "100", NOW - 2 * D, "ok"));
    vec_push(&b, backup("vm", "100", NOW - D, "failed"));
    /* ct 200: an older one failed, the newest ok -> warn */
    vec_push(&b, backup("ct", "200", NOW - 3 * D, "failed"));
    vec_push(&b, backup("ct", "200", NOW - D, "ok"));
    /* vm 101: all fine */
    vec_push(&b, backup("vm", "101", NOW - D, "ok"));
    eval(&p, &hits);
    h = find(&hits, "pbs-verify", "vm 100");
    assert_non_null(h);
    assert_int_equal(h->severity, RULE_CRIT);
    assert_non_null(strstr(h->message, "newest PBS backup"));
    assert_non_null(strstr(h->message, "failed verification"));
    h = find(&hits, "pbs-verify", "ct 200");
    assert_non_null(h);
    assert_int_equal(h->severity, RULE_WARN);
    assert_non_null(strstr(h->message, "1 older PBS backup failed verification"));
    assert_null(find(&hits, "pbs-verify", "vm 101"));
    assert_int_equal(count(&hits, "pbs-verify"), 2);
    assert_null(find(&hits, "pbs-unverified", "usb-ssd"));

    /* never verified: fine while young, a warning once older than the limit */
    vec_push(&b, backup("vm", "102", NOW - 3 * D, ""));
    eval(&p, &hits);
    assert_null(find(&hits, "pbs-unverified", "usb-ssd"));
    vec_push(&b, backup("vm", "102", NOW - 20 * D, ""));
    vec_push(&b, backup("vm", "103", NOW - 16 * D, ""));
    eval(&p, &hits);
    h = find(&hits, "pbs-unverified", "usb-ssd");
    assert_non_null(h);
    assert_non_null(strstr(h->message, "2 backups older than 14d never verified (the oldest 20d"));
    assert_non_null(strstr(h->message, "verify job"));
    vec_release(&b);
    vec_release(&hits);
}

static void test_tasks(void **state)
{
    struct vec t = VEC_INIT(pbs_task_free), hits = VEC_INIT(free);
    struct rules_pmx p = { .tasks = &t };
    const struct rule_hit *h;

    (void)state;
    vec_push(&t, task("verificationjob", "usb-ssd:v-3f2a", NOW - 2 * D, "OK"));
    vec_push(&t,
             task("verificationjob", "usb-ssd:v-3f2a", NOW - D, "verification failed - 1 errors"));
    vec_push(&t, task("garbage_collection", "usb-ssd", NOW - D, "OK"));
    vec_push(&t, task("prune", "usb-ssd", NOW - 20 * D, "error: too old to matter"));
    eval(&p, &hits);
    h = find(&hits, "pbs-task", "verificationjob usb-ssd:v-3f2a");
    assert_non_null(h);
    assert_non_null(strstr(h->message, "verification failed - 1 errors"));
    assert_int_equal(count(&hits, "pbs-task"), 1); /* GC ok; the prune failure is old */

    /* the next run succeeded: cleared */
    vec_push(&t, task("verificationjob", "usb-ssd:v-3f2a", NOW - H, "OK"));
    eval(&p, &hits);
    assert_int_equal(count(&hits, "pbs-task"), 0);
    /* a run still going says nothing */
    vec_push(&t, task("verificationjob", "usb-ssd:v-3f2a", NOW - 60, NULL));
    ((struct pbs_task *)t.items[t.len - 1])->endtime = 0;
    eval(&p, &hits);
    assert_int_equal(count(&hits, "pbs-task"), 0);
    vec_release(&t);
    vec_release(&hits);
}

static struct pbs_disk *pdisk(const char *name, const char *status)
{
    struct pbs_disk *d = xcalloc(1, sizeof(*d));

    d->name = xstrdup(name);
    d->status = xstrdup(status);
    d->model = xstrdup("WD Elements");
    d->serial = xstrdup("WX41");
    d->wearout = -1;
    return d;
}

/* PBS's own SMART status of its disks: failed is crit, unknown (a USB bridge) no alert. */
static void test_pbs_disks(void **state)
{
    struct vec d = VEC_INIT(pbs_disk_free), hits = VEC_INIT(free);
    struct rules_pmx p = { .disks = &d };
    const struct rule_hit *h;

    (void)state;
    vec_push(&d, pdisk("sda", "passed"));
    vec_push(&d, pdisk("sdb", "unknown"));
    eval(&p, &hits);
    assert_int_equal(count(&hits, "pbs-disk"), 0);
    vec_push(&d, pdisk("sdc", "failed"));
    eval(&p, &hits);
    assert_int_equal(count(&hits, "pbs-disk"), 1);
    h = find(&hits, "pbs-disk", "pbs disk sdc");
    assert_non_null(h);
    assert_int_equal(h->severity, RULE_CRIT);
    assert_non_null(strstr(h->message, "serial WX41"));
    vec_release(&d);
    vec_release(&hits);
}

static void test_datastore(void **state)
{
    struct pbs_usage u = { .known = true, .total = 1000, .used = 850 };
    struct vec hits = VEC_INIT(free);
    struct rules_pmx p = { .datastore = "usb-ssd", .usage = &u };
    const struct rule_hit *h;

    (void)state;
    eval(&p, &hits);
    h = find(&hits, "pbs-fill", "usb-ssd");
    assert_non_null(h);
    assert_int_equal(h->severity, RULE_WARN);
    assert_non_null(strstr(h->message, "85% full (warn at 80%, critical at 90%)"));
    u.used = 950;
    eval(&p, &hits);
    assert_int_equal(find(&hits, "pbs-fill", "usb-ssd")->severity, RULE_CRIT);
    u.used = 500;
    eval(&p, &hits);
    assert_null(find(&hits, "pbs-fill", "usb-ssd"));

    /* estimated full: inside 30 days warn, inside 7 crit, further or shrinking nothing */
    u.has_estimate = true;
    u.estimated_full = NOW + 20 * D;
    eval(&p, &hits);
    h = find(&hits, "pbs-full-soon", "usb-ssd");
    assert_non_null(h);
    assert_int_equal(h->severity, RULE_WARN);
    assert_non_null(strstr(h->message, "(in 20d)"));
    u.estimated_full = NOW + 3 * D;
    eval(&p, &hits);
    assert_int_equal(find(&hits, "pbs-full-soon", "usb-ssd")->severity, RULE_CRIT);
    u.estimated_full = NOW + 90 * D;
    eval(&p, &hits);
    assert_null(find(&hits, "pbs-full-soon", "usb-ssd"));
    u.estimated_full = NOW - 10 * D; /* shrinking */
    eval(&p, &hits);
    assert_null(find(&hits, "pbs-full-soon", "usb-ssd"));
    vec_release(&hits);
}

static void test_covers(void **state)
{
    struct vec b = VEC_INIT(NULL);
    struct rules_pmx p = { .backups = &b };
    struct rules_input none = { .now = NOW }, some = { .now = NOW, .pmx = &p };

    (void)state;
    assert_true(rules_covers(&none, "repo-rpo"));
    assert_true(rules_covers(&none, "disk-smart"));
    assert_false(rules_covers(&none, "pve-snapshot-age"));
    assert_false(rules_covers(&none, "pbs-verify"));
    assert_true(rules_covers(&some, "pbs-verify"));
    assert_true(rules_covers(&some, "pbs-unverified"));
    assert_false(rules_covers(&some, "pbs-task"));
    assert_false(rules_covers(&some, "pve-unbacked"));
}

/* ---- through the alert store ---- */

static struct store_alert *stored(struct store *st, const char *rule, const char *subject,
                                  struct vec *v)
{
    struct lb_err err = { 0 };

    vec_clear(v);
    assert_int_equal(store_alerts_list(st, NOW - 30 * D, v, &err), 0);
    for (size_t i = 0; i < v->len; i++) {
        struct store_alert *a = v->items[i];

        if (!strcmp(a->rule, rule) && !strcmp(a->subject, subject))
            return a;
    }
    return NULL;
}

static void test_unread_proxmox_is_left_alone(void **state)
{
    char dir[] = "/tmp/lifeboat-rules-pmx-XXXXXX", db[128];
    struct config cfg = { 0 };
    struct app app = { 0 };
    struct lb_err err = { 0 };
    struct vec notices = VEC_INIT(alert_notice_free), v = VEC_INIT(store_alert_free);
    struct vec guests = VEC_INIT(pve_guest_free);
    const char *n1[] = { "pre-upgrade" };
    time_t t1[] = { NOW - 9 * D };
    struct pve_snapshot_list *l[1];
    struct rules_pmx p = { .snapshot_max_age = 7 * D, .guests = &guests, .snaps = l };
    struct store_alert *a;
    time_t now = NOW;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(db, sizeof(db), "%s/lifeboat.db", dir);
    app.cfg = &cfg;
    cfg.alerts.renotify = 24 * H;
    app.store = store_open(db, &err);
    assert_non_null(app.store);
    vec_push(&guests, guest(101, "qemu", "homeassist"));
    l[0] = snaps(1, n1, t1);

    assert_int_equal(alert_evaluate_with(&app, now, &p, &notices, &err), 0);
    assert_int_equal(notices.len, 1);
    a = stored(app.store, "pve-snapshot-age", "vm 101", &v);
    assert_non_null(a);
    assert_false(a->resolved_at);

    /* evaluations without Proxmox (timer job, console) for hours: left open, untouched */
    for (int i = 0; i < 6; i++) {
        now += 20 * 60;
        vec_clear(&notices);
        assert_int_equal(alert_evaluate(&app, now, &notices, &err), 0);
        assert_int_equal(notices.len, 0);
    }
    a = stored(app.store, "pve-snapshot-age", "vm 101", &v);
    assert_non_null(a);
    assert_int_equal(a->resolved_at, 0);
    assert_int_equal(a->clear_count, 0);

    /* Proxmox read and the snapshot gone: resolved after the damping */
    vec_clear(&((struct pve_snapshot_list *)l[0])->snaps);
    for (int i = 0; i < 3; i++) {
        now += 20 * 60;
        assert_int_equal(alert_evaluate_with(&app, now, &p, &notices, &err), 0);
    }
    a = stored(app.store, "pve-snapshot-age", "vm 101", &v);
    assert_non_null(a);
    assert_true(a->resolved_at != 0);

    pve_snapshot_list_free(l[0]);
    vec_release(&guests);
    vec_release(&notices);
    vec_release(&v);
    store_close(app.store);
    {
        char p2[160];

        unlink(db);
        snprintf(p2, sizeof(p2), "%s-wal", db);
        unlink(p2);
        snprintf(p2, sizeof(p2), "%s-shm", db);
        unlink(p2);
    }
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_snapshot_age), cmocka_unit_test(test_unbacked),
        cmocka_unit_test(test_verify),       cmocka_unit_test(test_tasks),
        cmocka_unit_test(test_datastore),    cmocka_unit_test(test_pbs_disks),
        cmocka_unit_test(test_covers),       cmocka_unit_test(test_unread_proxmox_is_left_alone),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
