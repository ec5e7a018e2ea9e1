/* Unit tests for backend/keys.c's pure parts: restic key list JSON, generated passwords, status. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/base/err.h"
#include "backend/base/vec.h"
#include "backend/keys.h"

static void test_parse_list(void **state)
{
    /* restic 0.14's shape (8-hex ids) and 0.17's (64-hex) */
    static const char j14[] =
        "[{\"current\":false,\"id\":\"30e3d61d\",\"userName\":\"root\",\"hostName\":\"vm\","
        "\"created\":\"2026-11-26 20:53:00\"},"
        "{\"current\":true,\"id\":\"8bbf5676\",\"userName\":\"root\",\"hostName\":\"vm\","
        "\"created\":\"2026-11-26 20:54:00\"}]";
    static const char j17[] = "[{\"current\":true,\"id\":\""
                              "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
                              "\"}]";
    struct vec ids = VEC_INIT(free);
    struct lb_err err = { 0 };
    char cur[65];

    (void)state;
    assert_int_equal(keys_parse_list(j14, strlen(j14), cur, sizeof(cur), &ids, &err), 0);
    assert_string_equal(cur, "8bbf5676");
    assert_int_equal(ids.len, 2);
    assert_string_equal(ids.items[0], "30e3d61d");
    vec_clear(&ids);
    assert_int_equal(keys_parse_list(j17, strlen(j17), cur, sizeof(cur), &ids, &err), 0);
    assert_int_equal(strlen(cur), 64);
    /* not an array: an error, no current key */
    assert_true(keys_parse_list("{\"id\":\"x\"}", 10, cur, sizeof(cur), NULL, &err) < 0);
    assert_string_equal(cur, "");
    assert_true(keys_parse_list("Fatal: wrong password", 21, cur, sizeof(cur), NULL, &err) < 0);
    vec_release(&ids);
}

static void test_generate(void **state)
{
    char a[64], b[64];
    struct lb_err err = { 0 };

    (void)state;
    assert_int_equal(keys_generate(a, sizeof(a), &err), 0);
    assert_int_equal(keys_generate(b, sizeof(b), &err), 0);
    assert_int_equal(strlen(a), 43);
    assert_string_not_equal(a, b);
    assert_int_equal(strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
                     43);
    /* too small a buffer is refused, not overrun */
    assert_true(keys_generate(a, 20, &err) < 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_list),
        cmocka_unit_test(test_generate),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
