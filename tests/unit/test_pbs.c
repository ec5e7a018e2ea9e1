/*
 * PBS parsers on a real captured snapshot list (tests/fixtures/proxmox/) and
 * on the documented shapes (reference section 4): fields equal the capture,
 * nulls where PBS serializes them, the incomplete-snapshot rule, the prune
 * answer, job states.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/base/xalloc.h"
#include "backend/pbs.h"

static char *fixture(const char *name, size_t *len)
{
    const char *top = getenv("TOP");
    char *path = xasprintf("%s/tests/fixtures/proxmox/%s", top && *top ? top : ".", name);
    FILE *f = fopen(path, "rb");
    char *buf = xmalloc(1 << 20);

    assert_non_null(f);
    *len = fread(buf, 1, (1 << 20) - 1, f);
    buf[*len] = '\0';
    fclose(f);
    free(path);
    return buf;
}

static void test_snapshot_capture(void **state)
{
    size_t len;
    char *body =
        fixture("pbs-GET-admin-datastore-store-snapshots--via-client-snapshot-list.json", &len);
    struct vec v = VEC_INIT(pbs_snapshot_free);
    struct lb_err err;
    struct pbs_snapshot *s;

    (void)state;
    assert_int_equal(pbs_parse_snapshots(body, len, &v, &err), 0);
    assert_int_equal(v.len, 2);
    s = v.items[0]; /* sorted: the older one first (the capture has it second) */
    assert_string_equal(s->type, "vm");
    assert_string_equal(s->id, "103");
    assert_int_equal(s->time, 1742550846);
    assert_true(s->has_size);
    assert_true(s->size == 34359739369ULL);
    assert_true(s->complete);
    assert_false(s->is_protected);
    assert_false(s->encrypted);
    assert_string_equal(s->owner, "user");
    assert_string_equal(s->comment, "pfsense01");
    assert_string_equal(s->verify, "ok");
    assert_string_equal(s->verify_upid,
                        "UPID:pbs:000002C0:000007BA:00000001:67DE4FC4:"
                        "verificationjob:fs01\\x3av\\x2dee54fa7e\\x2d61f0:root@pam:");
    s = v.items[1];
    assert_int_equal(s->time, 1742890730);
    assert_true(s->size == 34359739269ULL);
    assert_string_equal(s->verify, ""); /* never verified */
    assert_null(s->verify_upid);
    vec_release(&v);
    free(body);
}

static void test_incomplete_and_nulls(void **state)
{
    static const char body[] =
        "{\"data\":[{\"backup-type\":\"ct\",\"backup-id\":\"102\",\"backup-time\":1742890000,"
        "\"files\":[{\"filename\":\"root.pxar.didx\"}],\"protected\":true,\"comment\":null,"
        "\"fingerprint\":\"aa:bb\"}]}";
    struct vec v = VEC_INIT(pbs_snapshot_free);
    struct lb_err err;
    struct pbs_snapshot *s;

    (void)state;
    assert_int_equal(pbs_parse_snapshots(body, sizeof(body) - 1, &v, &err), 0);
    s = v.items[0];
    assert_false(s->complete); /* no index.json.blob: running or aborted */
    assert_false(s->has_size);
    assert_true(s->is_protected);
    assert_null(s->comment);
    assert_true(s->encrypted);
    vec_release(&v);
}

static void test_datastores_usage_gc_jobs(void **state)
{
    static const char ds[] = "{\"data\":[{\"store\":\"usb\",\"comment\":null}]}";
    static const char usage[] =
        "{\"data\":[{\"store\":\"usb\",\"total\":1000,\"used\":400,\"avail\":600,"
        "\"history\":[0.3,null,0.4],\"estimated-full-date\":1767225600},"
        "{\"store\":\"gone\",\"error\":\"datastore 'gone' is not mounted\"}]}";
    static const char gc[] =
        "{\"data\":{\"store\":\"usb\",\"schedule\":\"daily\",\"next-run\":1742947200,"
        "\"last-run-state\":\"OK\",\"last-run-endtime\":1742861102,\"duration\":98,"
        "\"upid\":null,\"index-data-bytes\":3321123311616,\"disk-bytes\":402112342016}}";
    static const char jobs[] =
        "{\"data\":[{\"id\":\"default-usb-1a2b\",\"store\":\"usb\",\"schedule\":\"daily\","
        "\"keep-daily\":5,\"keep-weekly\":3,\"keep-monthly\":2,\"next-run\":1742947200,"
        "\"last-run-state\":\"OK\",\"last-run-upid\":\"UPID:x\",\"last-run-endtime\":1742860805}"
        ",{\"id\":\"v1\",\"store\":\"usb\",\"disable\":true}],\"digest\":\"3f1a\"}";
    static const char prune[] =
        "{\"data\":[{\"backup-type\":\"vm\",\"backup-id\":\"100\",\"backup-time\":1742550846,"
        "\"keep\":false,\"protected\":false},{\"backup-type\":\"vm\",\"backup-id\":\"100\","
        "\"backup-time\":1742890730,\"keep\":true,\"protected\":true}]}";
    struct vec v = VEC_INIT(pbs_datastore_free);
    struct lb_err err;

    (void)state;
    assert_int_equal(pbs_parse_datastores(ds, sizeof(ds) - 1, &v, &err), 0);
    assert_string_equal(((struct pbs_datastore *)v.items[0])->store, "usb");
    assert_null(((struct pbs_datastore *)v.items[0])->comment);
    vec_release(&v);

    vec_init(&v, pbs_usage_free);
    assert_int_equal(pbs_parse_usage(usage, sizeof(usage) - 1, &v, &err), 0);
    assert_true(((struct pbs_usage *)v.items[0])->known);
    assert_true(((struct pbs_usage *)v.items[0])->has_estimate);
    assert_int_equal(((struct pbs_usage *)v.items[0])->estimated_full, 1767225600);
    assert_false(((struct pbs_usage *)v.items[1])->known);
    assert_string_equal(((struct pbs_usage *)v.items[1])->error, "datastore 'gone' is not mounted");
    vec_release(&v);

    vec_init(&v, pbs_gc_free);
    assert_int_equal(pbs_parse_gc(gc, sizeof(gc) - 1, &v, &err), 0);
    assert_null(((struct pbs_gc *)v.items[0])->upid);
    assert_string_equal(((struct pbs_gc *)v.items[0])->last_state, "OK");
    assert_true(((struct pbs_gc *)v.items[0])->disk_bytes == 402112342016ULL);
    vec_release(&v);

    vec_init(&v, pbs_job_free);
    assert_int_equal(pbs_parse_jobs(jobs, sizeof(jobs) - 1, &v, &err), 0);
    assert_int_equal(((struct pbs_job *)v.items[0])->keep.daily, 5);
    assert_int_equal(((struct pbs_job *)v.items[0])->keep.monthly, 2);
    assert_int_equal(((struct pbs_job *)v.items[0])->last_end, 1742860805);
    assert_true(((struct pbs_job *)v.items[1])->disabled);
    assert_null(((struct pbs_job *)v.items[1])->last_state);
    vec_release(&v);

    vec_init(&v, pbs_prune_item_free);
    assert_int_equal(pbs_parse_prune(prune, sizeof(prune) - 1, &v, &err), 0);
    assert_false(((struct pbs_prune_item *)v.items[0])->keep);
    assert_true(((struct pbs_prune_item *)v.items[1])->keep);
    assert_true(((struct pbs_prune_item *)v.items[1])->is_protected);
    vec_release(&v);
}

static void test_bad(void **state)
{
    static const char *const bodies[] = {
        "authentication failed",
        "{\"data\":[{\"backup-type\":\"vm\",\"backup-id\":\"1\"}]}", /* no time */
        "{\"data\":[{\"backup-type\":\"disk\",\"backup-id\":\"1\",\"backup-time\":5}]}",
        "{\"data\":{}}",
    };
    struct lb_err err;

    (void)state;
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        struct vec v = VEC_INIT(pbs_snapshot_free);

        assert_int_equal(pbs_parse_snapshots(bodies[i], strlen(bodies[i]), &v, &err), -LB_EPARSE);
        assert_int_equal(v.len, 0);
        vec_release(&v);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_snapshot_capture),
        cmocka_unit_test(test_incomplete_and_nulls),
        cmocka_unit_test(test_datastores_usage_gc_jobs),
        cmocka_unit_test(test_bad),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
