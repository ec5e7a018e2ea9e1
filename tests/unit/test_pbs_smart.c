/*
 * One disk's SMART as PBS reports it (backend/pbs_smart.c, reference 4.12):
 * a realistic ATA answer (PBS's tools/disks/smart.rs shape: id a number,
 * normalized/worst/threshold reals, value = raw = smartctl's raw string,
 * a temperature raw with its Min/Max) with one attribute at its threshold,
 * the lenient forms (numbers as strings, no raw before 2.2.7, PVE's
 * "health"), an NVMe health log, the USB disk PBS cannot read, and answers
 * that are not SMART data.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "backend/pbs_smart.h"

static struct pbs_smart *parse(struct vec *v, const char *body)
{
    struct lb_err err = { 0 };

    vec_init(v, pbs_smart_free);
    assert_int_equal(pbs_parse_smart(body, strlen(body), v, &err), 0);
    assert_int_equal(v->len, 1);
    return v->items[0];
}

static const struct pbs_smart_attr *attr(const struct pbs_smart *s, const char *name)
{
    size_t i;
    const struct pbs_smart_attr *a;

    vec_foreach(&s->attrs, i, a) {
        if (!strcmp(a->name, name))
            return a;
    }
    fail_msg("no attribute %s", name);
    return NULL;
}

static void test_ata_failing(void **state)
{
    struct vec v;
    const char *body =
        "{\"data\":{\"status\":\"failed\",\"wearout\":99.0,\"attributes\":["
        "{\"id\":5,\"name\":\"Reallocated_Sector_Ct\",\"flags\":\"PO--CK\",\"normalized\":5.0,"
        "\"worst\":5.0,\"threshold\":10.0,\"value\":\"1975\",\"raw\":\"1975\"},"
        "{\"id\":177,\"name\":\"Wear_Leveling_Count\",\"flags\":\"PO--C-\",\"normalized\":99.0,"
        "\"worst\":99.0,\"threshold\":0.0,\"value\":\"9\",\"raw\":\"9\"},"
        "{\"id\":190,\"name\":\"Airflow_Temperature_Cel\",\"flags\":\"-O--CK\",\"normalized\":63.0,"
        "\"worst\":52.0,\"threshold\":0.0,\"value\":\"37 (Min/Max 21/48)\","
        "\"raw\":\"37 (Min/Max 21/48)\"},"
        "{\"id\":179,\"name\":\"Used_Rsvd_Blk_Cnt_Tot\",\"flags\":\"PO--C-\",\"normalized\":100.0,"
        "\"worst\":100.0,\"threshold\":10.0,\"value\":\"0\",\"raw\":\"0\"}]}}";
    struct pbs_smart *s = parse(&v, body);
    const struct pbs_smart_attr *a;

    (void)state;
    assert_string_equal(s->status, "failed");
    assert_int_equal(s->wearout, 99);
    assert_true(s->ata);
    assert_int_equal(s->attrs.len, 4);
    a = attr(s, "Reallocated_Sector_Ct");
    assert_int_equal(a->id, 5);
    assert_string_equal(a->flags, "PO--CK");
    assert_true(a->has_normalized && a->has_worst && a->has_threshold);
    assert_true(a->normalized == 5.0 && a->worst == 5.0 && a->threshold == 10.0);
    assert_string_equal(a->raw, "1975");
    assert_true(a->has_value);
    assert_int_equal(a->value, 1975);
    assert_true(a->failing); /* 5 <= 10 */
    a = attr(s, "Wear_Leveling_Count");
    assert_false(a->failing); /* threshold 0: never failing */
    a = attr(s, "Airflow_Temperature_Cel");
    assert_string_equal(a->raw, "37 (Min/Max 21/48)");
    assert_true(a->has_value);
    assert_int_equal(a->value, 37);
    assert_false(attr(s, "Used_Rsvd_Blk_Cnt_Tot")->failing); /* 100 > 10 */
    assert_int_equal(pbs_smart_failing(s), 1);
    assert_int_equal(pbs_smart_level(s), 2);
    vec_release(&v);
}

/* At the threshold is failing too; a passed status with it is still level 2. */
static void test_at_threshold(void **state)
{
    struct vec v;
    struct pbs_smart *s = parse(
        &v, "{\"data\":{\"status\":\"passed\",\"wearout\":null,\"attributes\":["
            "{\"id\":\"  9\",\"name\":\"Power_On_Hours\",\"normalized\":\"36\",\"worst\":\"36\","
            "\"threshold\":\"36\",\"raw\":12345,\"flags\":\"-O--CK\"}]}}");

    (void)state;
    assert_int_equal(s->wearout, -1);
    assert_int_equal(s->attrs.len, 1);
    assert_int_equal(attr(s, "Power_On_Hours")->id, 9); /* PVE-style padded string id */
    assert_string_equal(attr(s, "Power_On_Hours")->raw, "12345");
    assert_true(attr(s, "Power_On_Hours")->failing);
    assert_int_equal(pbs_smart_level(s), 2);
    vec_release(&v);
}

/* Before PBS 2.2.7 there is no raw: value stands in. PVE calls the status health. */
static void test_old_forms(void **state)
{
    struct vec v;
    struct pbs_smart *s =
        parse(&v, "{\"data\":{\"health\":\"PASSED\",\"wearout\":\"97\",\"attributes\":["
                  "{\"id\":194,\"name\":\"Temperature_Celsius\",\"normalized\":64,"
                  "\"worst\":40,\"threshold\":0,\"value\":\"36 (0 20 0 0 0)\"},"
                  "{\"name\":\"weird\",\"normalized\":\"n/a\",\"threshold\":\"\"},"
                  "17, null]}}");

    (void)state;
    assert_string_equal(s->status, "passed");
    assert_int_equal(s->wearout, 97);
    assert_int_equal(s->attrs.len, 2); /* the non-objects skipped */
    assert_string_equal(attr(s, "Temperature_Celsius")->raw, "36 (0 20 0 0 0)");
    assert_int_equal(attr(s, "Temperature_Celsius")->value, 36);
    assert_false(attr(s, "weird")->has_normalized);
    assert_false(attr(s, "weird")->has_threshold);
    assert_false(attr(s, "weird")->failing);
    assert_string_equal(attr(s, "weird")->raw, "");
    assert_false(attr(s, "weird")->has_value);
    assert_int_equal(pbs_smart_level(s), 0);
    vec_release(&v);
}

static void test_nvme(void **state)
{
    struct vec v;
    struct pbs_smart *s =
        parse(&v, "{\"data\":{\"status\":\"passed\",\"wearout\":97,\"attributes\":["
                  "{\"name\":\"available_spare\",\"value\":\"100\",\"raw\":\"100\"},"
                  "{\"name\":\"media_errors\",\"value\":\"0\",\"raw\":\"0\"},"
                  "{\"name\":\"percentage_used\",\"value\":\"3\",\"raw\":\"3\"},"
                  "{\"name\":\"data_units_written\",\"value\":\"1002900\",\"raw\":\"1002900\"}]}}");

    (void)state;
    assert_false(s->ata);
    assert_int_equal(s->attrs.len, 4);
    assert_int_equal(attr(s, "percentage_used")->id, -1);
    assert_null(attr(s, "percentage_used")->flags);
    assert_int_equal(attr(s, "percentage_used")->value, 3);
    assert_int_equal(attr(s, "data_units_written")->value, 1002900);
    assert_int_equal(pbs_smart_failing(s), 0);
    assert_int_equal(pbs_smart_level(s), 0);
    vec_release(&v);
}

/* The USB disk behind a bridge: status unknown, nothing else. */
static void test_unknown(void **state)
{
    struct vec v;
    struct pbs_smart *s =
        parse(&v, "{\"data\":{\"status\":\"unknown\",\"wearout\":null,\"attributes\":[]}}");

    (void)state;
    assert_string_equal(s->status, "unknown");
    assert_int_equal(s->wearout, -1);
    assert_int_equal(s->attrs.len, 0);
    assert_int_equal(pbs_smart_level(s), 1);
    vec_release(&v);
    s = parse(&v, "{\"data\":{}}"); /* nothing at all: unknown */
    assert_string_equal(s->status, "unknown");
    assert_int_equal(pbs_smart_level(s), 1);
    vec_release(&v);
}

static void test_not_smart(void **state)
{
    const char *bad[] = { "{\"data\":[]}", "{\"data\":{\"attributes\":{}}}", "not json",
                          "{\"data\":\"OK\"}" };

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct vec v = VEC_INIT(pbs_smart_free);
        struct lb_err err = { 0 };

        assert_int_equal(pbs_parse_smart(bad[i], strlen(bad[i]), &v, &err), -LB_EPARSE);
        assert_int_equal(v.len, 0);
        assert_true(err.msg[0] != '\0');
        vec_release(&v);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ata_failing), cmocka_unit_test(test_at_threshold),
        cmocka_unit_test(test_old_forms),   cmocka_unit_test(test_nvme),
        cmocka_unit_test(test_unknown),     cmocka_unit_test(test_not_smart),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
