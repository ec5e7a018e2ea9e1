/* Unit tests for backend/base: bounded buffers, line splitting, parsing, formatting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "backend/base/buf.h"
#include "backend/base/clock.h"
#include "backend/base/err.h"
#include "backend/base/str.h"
#include "backend/base/vec.h"

static void test_buf_bounded(void **state)
{
    struct buf b = BUF_INIT(8);

    (void)state;
    assert_int_equal(buf_puts(&b, "hello"), 5);
    assert_int_equal(buf_puts(&b, " world"), 3);
    assert_true(b.truncated);
    assert_string_equal(buf_cstr(&b), "hello wo");
    buf_consume(&b, 6);
    assert_string_equal(buf_cstr(&b), "wo");
    buf_release(&b);
}

struct lines {
    char got[8][64];
    bool cut[8];
    int n;
};

static void collect(const char *line, size_t len, bool cut, void *arg)
{
    struct lines *l = arg;

    if (l->n < 8) {
        memcpy(l->got[l->n], line, len < 63 ? len : 63);
        l->got[l->n][len < 63 ? len : 63] = '\0';
        l->cut[l->n] = cut;
    }
    l->n++;
}

static void test_linesplit_pieces(void **state)
{
    struct linesplit ls;
    struct lines l = { 0 };
    const char *input = "first\r\nsec";

    (void)state;
    linesplit_init(&ls, 10, collect, &l);
    /* fed one byte at a time, as a pipe may deliver it */
    for (size_t i = 0; i < strlen(input); i++)
        linesplit_feed(&ls, input + i, 1);
    linesplit_feed(&ls, "ond\nthis line is far too long\nok\n", 33);
    linesplit_feed(&ls, "tail", 4);
    linesplit_flush(&ls);
    assert_int_equal(l.n, 5);
    assert_string_equal(l.got[0], "first");
    assert_string_equal(l.got[1], "second");
    assert_string_equal(l.got[2], "this line ");
    assert_true(l.cut[2]);
    assert_string_equal(l.got[3], "ok");
    assert_false(l.cut[3]);
    assert_string_equal(l.got[4], "tail");
    linesplit_release(&ls);
}

static void test_durations(void **state)
{
    int64_t s;
    double p;

    (void)state;
    assert_int_equal(str_to_duration("90s", &s), 0);
    assert_int_equal(s, 90);
    assert_int_equal(str_to_duration("26h", &s), 0);
    assert_int_equal(s, 26 * 3600);
    assert_int_equal(str_to_duration("8d", &s), 0);
    assert_int_equal(s, 8 * 86400);
    assert_int_equal(str_to_duration("1d12h", &s), 0);
    assert_int_equal(s, 36 * 3600);
    assert_int_equal(str_to_duration("15x", &s), -1);
    assert_int_equal(str_to_duration("", &s), -1);
    assert_int_equal(str_to_duration("-5m", &s), -1);
    assert_int_equal(str_to_percent("80%", &p), 0);
    assert_true(p == 80.0);
    assert_int_equal(str_to_percent("180%", &p), -1);
}

static void test_sanitize(void **state)
{
    char s[] = "vm\x1b[31mred\x07 caf\xc3\xa9 \xff end\x7f";

    (void)state;
    str_sanitize(s);
    assert_string_equal(s, "vm?[31mred? caf\xc3\xa9 ? end?");
}

static void test_formats(void **state)
{
    char out[32];

    (void)state;
    assert_string_equal(str_fmt_age(4 * 3600 + 5, out, sizeof(out)), "4h");
    assert_string_equal(str_fmt_age(5 * 86400, out, sizeof(out)), "5d");
    assert_string_equal(str_fmt_age(30, out, sizeof(out)), "30s");
    assert_string_equal(str_fmt_bytes(1536ull * 1024 * 1024, out, sizeof(out)), "1.5 GiB");
    assert_string_equal(str_fmt_bytes(512, out, sizeof(out)), "512 B");
    assert_string_equal(str_fmt_duration(6 * 60 + 12, out, sizeof(out)), "6m12s");
}

static void test_rfc3339(void **state)
{
    time_t t;
    int off;

    (void)state;
    assert_int_equal(clock_parse_rfc3339("2026-11-26T03:00:12.123456789+01:00", &t, &off), 0);
    assert_int_equal((long long)t, 1795658412LL);
    assert_int_equal(off, 3600);
    assert_int_equal(clock_parse_rfc3339("2026-11-26T02:00:12Z", &t, &off), 0);
    assert_int_equal((long long)t, 1795658412LL);
    assert_int_equal(clock_parse_rfc3339("2026-13-26T02:00:12Z", &t, &off), -1);
    assert_int_equal(clock_parse_rfc3339("yesterday", &t, &off), -1);
}

static void test_err(void **state)
{
    struct lb_err err = { 0 };

    (void)state;
    assert_int_equal(lb_err_set(&err, LB_ELOCKED, "repository is locked"), -LB_ELOCKED);
    lb_err_prefix(&err, "cannot read snapshots of '%s'", "usb-ssd");
    assert_string_equal(err.msg, "cannot read snapshots of 'usb-ssd': repository is locked");
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_vec(void **state)
{
    struct vec v = VEC_INIT(free);
    size_t i;
    char *s;

    (void)state;
    for (i = 0; i < 20; i++) {
        s = malloc(4);
        s[0] = (char)('t' - (char)i);
        s[1] = 0;
        vec_push(&v, s);
    }
    vec_sort(&v, cmp_str);
    assert_string_equal(vec_get(&v, 0), "a");
    vec_remove(&v, 0);
    assert_int_equal(v.len, 19);
    vec_foreach(&v, i, s) assert_non_null(s);
    vec_release(&v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buf_bounded), cmocka_unit_test(test_linesplit_pieces),
        cmocka_unit_test(test_durations),   cmocka_unit_test(test_sanitize),
        cmocka_unit_test(test_formats),     cmocka_unit_test(test_rfc3339),
        cmocka_unit_test(test_err),         cmocka_unit_test(test_vec),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
