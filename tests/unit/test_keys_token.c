/* Unit tests for backend/keys_token.c's pure part: the new token's name. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "backend/keys_token.h"

static void test_new_name(void **state)
{
    char out[96];

    (void)state;
    tokrot_new_name("console", "20261127", 1, out, sizeof(out));
    assert_string_equal(out, "console-20261127");
    /* an earlier rotation's date is replaced, not stacked */
    tokrot_new_name("console-20261001", "20261127", 1, out, sizeof(out));
    assert_string_equal(out, "console-20261127");
    /* ... also with its same-day counter */
    tokrot_new_name("console-20261127-2", "20261127", 3, out, sizeof(out));
    assert_string_equal(out, "console-20261127-3");
    /* a name that merely ends in digits keeps them */
    tokrot_new_name("backup-2", "20261127", 1, out, sizeof(out));
    assert_string_equal(out, "backup-2-20261127");
    tokrot_new_name("node7", "20261127", 1, out, sizeof(out));
    assert_string_equal(out, "node7-20261127");
    tokrot_new_name("a-1234567", "20261127", 1, out, sizeof(out));
    assert_string_equal(out, "a-1234567-20261127");
    /* a short buffer is never overrun */
    tokrot_new_name("console", "20261127", 1, out, 8);
    assert_string_equal(out, "console");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_name),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
