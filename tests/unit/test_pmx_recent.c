/*
 * The recent tasks of both products in one list (backend/pmx_recent.c): PVE
 * and PBS task list items (reference 3.10, 4.11) become rows with the token
 * in the user, PBS's real node from the UPID, newest first; the exit code
 * and the outcome of each end status; the cache document round trip; PBS
 * disks (4.12): null wearout, padded vendor, the serial match against our
 * own smartctl view, and what an unknown / failed status means.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "backend/pbs.h"
#include "backend/pmx_recent.h"
#include "backend/pve.h"

#define PVE_LIST                                                                                \
    "{\"data\":["                                                                               \
    "{\"upid\":\"UPID:pve:00001A7A:1598E4A4:6B0792A0:vzdump::root@pam:\",\"node\":\"pve\","     \
    "\"pid\":6778,\"pstart\":362341540,\"starttime\":1795658400,\"type\":\"vzdump\","           \
    "\"id\":\"\",\"user\":\"root@pam\",\"endtime\":1795658781,\"status\":\"WARNINGS: 1\"},"     \
    "{\"upid\":\"UPID:pve:00001A7B:1598E4A4:6B079900:qmsnapshot:100:lifeboat@pve!console:\","   \
    "\"node\":\"pve\",\"pid\":6779,\"pstart\":362341540,\"starttime\":1795660032,"              \
    "\"type\":\"qmsnapshot\",\"id\":\"100\",\"user\":\"lifeboat@pve\",\"tokenid\":\"console\"}" \
    "]}"

#define PBS_LIST                                                                                   \
    "{\"data\":["                                                                                  \
    "{\"upid\":\"UPID:pbs:000002C0:000007BA:00000001:6B079480:verificationjob:"                    \
    "usb\\\\x2dssd\\\\x3av\\\\x2d3f2a:root@pam:\",\"node\":\"localhost\",\"pid\":704,"             \
    "\"pstart\":1978,\"starttime\":1795659904,\"worker_type\":\"verificationjob\","                \
    "\"worker_id\":\"usb-ssd:v-3f2a\",\"user\":\"root@pam\",\"endtime\":1795659999,"               \
    "\"status\":\"verification failed - please check the log for details\"},"                      \
    "{\"upid\":\"UPID:pbs:000002C0:000007BA:00000002:6B077680:prunejob:usb\\\\x2dssd:root@pam:\"," \
    "\"node\":\"localhost\",\"pid\":704,\"pstart\":1978,\"starttime\":1795651200,"                 \
    "\"worker_type\":\"prunejob\",\"worker_id\":\"usb-ssd\",\"user\":\"root@pam\","                \
    "\"endtime\":1795651203,\"status\":\"OK\"}"                                                    \
    "]}"

static void load(struct vec *rows)
{
    struct vec pve = VEC_INIT(pmx_task_status_free), pbs = VEC_INIT(pbs_task_free);
    struct lb_err err;

    assert_int_equal(pve_parse_tasks(PVE_LIST, strlen(PVE_LIST), &pve, &err), 0);
    assert_int_equal(pbs_parse_tasks(PBS_LIST, strlen(PBS_LIST), &pbs, &err), 0);
    pmx_recent_add_pve(rows, &pve);
    pmx_recent_add_pbs(rows, &pbs);
    vec_release(&pve);
    vec_release(&pbs);
}

static struct pmx_recent *row(struct vec *rows, size_t i)
{
    return rows->items[i];
}

static void test_merge(void **state)
{
    struct vec rows = VEC_INIT(pmx_recent_free);

    (void)state;
    load(&rows);
    pmx_recent_sort(&rows, 0);
    assert_int_equal(rows.len, 4);
    /* newest first: the console's snapshot (running), the verify job, the vzdump, the prune */
    assert_string_equal(row(&rows, 0)->type, "qmsnapshot");
    assert_string_equal(row(&rows, 1)->type, "verificationjob");
    assert_string_equal(row(&rows, 2)->type, "vzdump");
    assert_string_equal(row(&rows, 3)->type, "prunejob");
    /* a token task: the token in the user, like PBS shows it */
    assert_string_equal(row(&rows, 0)->user, "lifeboat@pve!console");
    assert_null(row(&rows, 0)->status);
    assert_int_equal(row(&rows, 0)->ended, 0);
    assert_string_equal(pmx_recent_status(row(&rows, 0)), "running");
    assert_int_equal(pmx_recent_outcome(row(&rows, 0)), PMX_RUNNING);
    /* PBS: the real node from the UPID, not "localhost"; the id as the list gives it */
    assert_int_equal(row(&rows, 1)->product, PMX_PBS);
    assert_string_equal(row(&rows, 1)->node, "pbs");
    assert_string_equal(row(&rows, 1)->id, "usb-ssd:v-3f2a");
    assert_int_equal(row(&rows, 1)->ended, 1795659999);
    assert_int_equal(pmx_recent_outcome(row(&rows, 1)), PMX_ERROR);
    /* PVE: endtime kept, the empty id of a multi-guest vzdump */
    assert_int_equal(row(&rows, 2)->product, PMX_PVE);
    assert_string_equal(row(&rows, 2)->id, "");
    assert_int_equal(row(&rows, 2)->ended, 1795658781);
    assert_int_equal(pmx_recent_outcome(row(&rows, 2)), PMX_WARNINGS);
    assert_int_equal(pmx_recent_exit(&rows), 2);
    /* the newest two only: still the failed one */
    pmx_recent_sort(&rows, 2);
    assert_int_equal(rows.len, 2);
    assert_int_equal(pmx_recent_exit(&rows), 2);
    vec_release(&rows);
}

static struct pmx_recent *mk(const char *status, time_t started)
{
    struct pmx_recent *r = calloc(1, sizeof(*r));

    r->upid = strdup("UPID:pve:1:2:3:x::root@pam:");
    r->node = strdup("pve");
    r->type = strdup("x");
    r->id = strdup("");
    r->user = strdup("root@pam");
    r->status = status ? strdup(status) : NULL;
    r->started = started;
    r->ended = status ? started + 1 : 0;
    return r;
}

static void test_exit(void **state)
{
    struct vec rows = VEC_INIT(pmx_recent_free);
    enum pmx_product p;
    struct lb_err err;

    (void)state;
    assert_int_equal(pmx_recent_exit(&rows), 0);
    vec_push(&rows, mk("OK", 10));
    vec_push(&rows, mk(NULL, 11));
    assert_int_equal(pmx_recent_exit(&rows), 0);
    vec_push(&rows, mk("WARNINGS: 3", 12));
    assert_int_equal(pmx_recent_exit(&rows), 1);
    vec_push(&rows, mk("unknown", 13)); /* PVE's own test: not OK, not WARNINGS -> error */
    assert_int_equal(pmx_recent_exit(&rows), 2);
    vec_release(&rows);

    assert_int_equal(
        pmx_recent_product("UPID:pve:00001A7A:1598E4A4:6B0792A0:vzdump::root@pam:", &p, &err), 0);
    assert_int_equal(p, PMX_PVE);
    assert_int_equal(
        pmx_recent_product("UPID:pbs:000002C0:000007BA:00000002:6B077680:prunejob:x:root@pam:", &p,
                           &err),
        0);
    assert_int_equal(p, PMX_PBS);
    assert_true(pmx_recent_product("vzdump", &p, &err) < 0);
}

#define DISKS                                                                                     \
    "{\"data\":["                                                                                 \
    "{\"name\":\"sda\",\"used\":\"filesystem\",\"disk-type\":\"ssd\",\"status\":\"passed\","      \
    "\"wearout\":99,\"vendor\":\"Samsung \",\"model\":\"PSSD T7\",\"serial\":\"S5SXNG0R123456\"," \
    "\"wwn\":null,\"devpath\":\"/dev/sda\",\"rpm\":null,\"size\":1000204886016,\"gpt\":true},"    \
    "{\"name\":\"sdb\",\"used\":\"filesystem\",\"disk-type\":\"usb\",\"status\":\"unknown\","     \
    "\"wearout\":null,\"vendor\":null,\"model\":\"pSSD\",\"serial\":\"06c9f4c44\","               \
    "\"wwn\":null,\"devpath\":\"/dev/sdb\",\"rpm\":null,\"size\":1000204886016,\"gpt\":true},"    \
    "{\"name\":\"sdc\",\"used\":\"unused\",\"disk-type\":\"hdd\",\"status\":\"failed\","          \
    "\"wearout\":null,\"serial\":\"WD-1\",\"size\":4000787030016,\"gpt\":false}"                  \
    "]}"

static void test_disks(void **state)
{
    struct vec d = VEC_INIT(pbs_disk_free), rows = VEC_INIT(pmx_recent_free);
    struct vec d2 = VEC_INIT(pbs_disk_free), rows2 = VEC_INIT(pmx_recent_free);
    struct pbs_disk *a, *b, *c;
    struct lb_err err;
    char *doc;

    (void)state;
    assert_int_equal(pbs_parse_disks(DISKS, strlen(DISKS), &d, &err), 0);
    assert_int_equal(d.len, 3);
    a = d.items[0];
    b = d.items[1];
    c = d.items[2];
    assert_string_equal(a->vendor, "Samsung"); /* udev's padding gone */
    assert_int_equal(a->wearout, 99);
    assert_int_equal(a->size, 1000204886016ULL);
    assert_int_equal(b->wearout, -1); /* null: not known */
    assert_null(b->vendor);
    assert_int_equal(pbs_disk_level(a), 0);
    assert_string_equal(pbs_disk_note(a), "");
    assert_int_equal(pbs_disk_level(b), 1);
    assert_non_null(strstr(pbs_disk_note(b), "USB bridge"));
    assert_non_null(strstr(pbs_disk_note(b), "type = sat"));
    assert_int_equal(pbs_disk_level(c), 2);
    assert_true(pbs_disk_serial_match(b->serial, " 06C9F4C44 "));
    assert_false(pbs_disk_serial_match(b->serial, "06c9f4c4"));
    assert_false(pbs_disk_serial_match("", ""));
    assert_false(pbs_disk_serial_match(NULL, "x"));

    /* the cache document round trip keeps every shown field */
    load(&rows);
    pmx_recent_sort(&rows, 0);
    doc = pmx_recent_encode(&rows, &d);
    assert_int_equal(pmx_recent_decode(doc, &rows2, &d2, &err), 0);
    assert_int_equal(rows2.len, rows.len);
    for (size_t i = 0; i < rows.len; i++) {
        struct pmx_recent *x = rows.items[i], *y = rows2.items[i];

        assert_int_equal(x->product, y->product);
        assert_string_equal(x->upid, y->upid);
        assert_string_equal(x->node, y->node);
        assert_string_equal(x->user, y->user);
        assert_string_equal(pmx_recent_status(x), pmx_recent_status(y));
        assert_int_equal(x->started, y->started);
        assert_int_equal(x->ended, y->ended);
    }
    assert_int_equal(d2.len, 3);
    assert_int_equal(((struct pbs_disk *)d2.items[1])->wearout, -1);
    assert_string_equal(((struct pbs_disk *)d2.items[1])->status, "unknown");
    assert_string_equal(((struct pbs_disk *)d2.items[0])->serial, "S5SXNG0R123456");
    free(doc);
    assert_int_equal(pmx_recent_decode("{\"version\":99}", &rows2, &d2, &err), -LB_EPARSE);
    assert_int_equal(pmx_recent_decode("not json", &rows2, &d2, &err), -LB_EPARSE);
    vec_release(&d);
    vec_release(&d2);
    vec_release(&rows);
    vec_release(&rows2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_merge),
        cmocka_unit_test(test_exit),
        cmocka_unit_test(test_disks),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
