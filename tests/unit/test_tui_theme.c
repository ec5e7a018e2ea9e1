/* Theme files: the parser (good and bad lines), colours, the built-in and shipped themes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "backend/base/vec.h"
#include "tui/theme.h"

static void test_parse_good_lines(void **state)
{
    struct theme t;
    struct vec problems = VEC_INIT(free);
    const char *text = "# a comment\n"
                       "\n"
                       "status-ok   green  default\n"
                       "  selection black cyan bold reverse   # trailing comment\n"
                       "age-crit color196 color52 underline\n"
                       "title brightwhite -1\n";

    (void)state;
    theme_init_mono(&t, "t");
    assert_int_equal(theme_parse(&t, text, "t.theme", &problems), 0);
    assert_int_equal(problems.len, 0);
    assert_int_equal(t.el[EL_STATUS_OK].fg, 2);
    assert_int_equal(t.el[EL_STATUS_OK].bg, -1);
    assert_int_equal(t.el[EL_STATUS_OK].attrs, A_NORMAL);
    assert_int_equal(t.el[EL_SELECTION].fg, 0);
    assert_int_equal(t.el[EL_SELECTION].bg, 6);
    assert_int_equal(t.el[EL_SELECTION].attrs, A_BOLD | A_REVERSE);
    assert_int_equal(t.el[EL_AGE_CRIT].fg, 196);
    assert_int_equal(t.el[EL_AGE_CRIT].bg, 52);
    assert_int_equal(t.el[EL_TITLE].fg, 15);
    /* untouched elements keep the monochrome look */
    assert_int_equal(t.el[EL_TAB_ACTIVE].fg, -1);
    assert_true(t.el[EL_TAB_ACTIVE].attrs & A_REVERSE);
    vec_release(&problems);
}

static void test_parse_bad_lines_reported_and_skipped(void **state)
{
    struct theme t;
    struct vec problems = VEC_INIT(free);
    const char *text = "status-ok green default\n"
                       "no-such-thing red default\n"
                       "status-warn purple default\n"
                       "status-crit red\n"
                       "selection black cyan blinking\n"
                       "border color256 default\n"
                       "dim default default dim\n";

    (void)state;
    theme_init_mono(&t, "t");
    assert_int_equal(theme_parse(&t, text, "my.theme", &problems), 5);
    assert_int_equal(problems.len, 5);
    assert_string_equal(problems.items[0], "my.theme:2: unknown element 'no-such-thing'");
    assert_non_null(strstr(problems.items[1], "my.theme:3: unknown colour 'purple'"));
    assert_non_null(strstr(problems.items[2], "my.theme:4: 'status-crit' needs a foreground"));
    assert_non_null(strstr(problems.items[3], "my.theme:5: unknown attribute 'blinking'"));
    assert_non_null(strstr(problems.items[4], "my.theme:6: unknown colour 'color256'"));
    /* good lines around the bad ones still apply; bad ones change nothing */
    assert_int_equal(t.el[EL_STATUS_OK].fg, 2);
    assert_int_equal(t.el[EL_STATUS_WARN].fg, -1);
    assert_true(t.el[EL_STATUS_WARN].attrs & A_BOLD); /* still the mono look */
    assert_int_equal(t.el[EL_SELECTION].attrs, A_REVERSE);
    assert_int_equal(t.el[EL_DIM].attrs, A_DIM);
    vec_release(&problems);
}

static void test_problem_text_is_sanitized(void **state)
{
    struct theme t;
    struct vec problems = VEC_INIT(free);

    (void)state;
    theme_init_mono(&t, "t");
    assert_int_equal(theme_parse(&t, "\x1b[31mevil red default\n", "x.theme", &problems), 1);
    assert_null(strchr(problems.items[0], '\x1b'));
    vec_release(&problems);
}

static void test_colors(void **state)
{
    short c;

    (void)state;
    assert_int_equal(theme_parse_color("default", &c), 0);
    assert_int_equal(c, -1);
    assert_int_equal(theme_parse_color("magenta", &c), 0);
    assert_int_equal(c, 5);
    assert_int_equal(theme_parse_color("brightblue", &c), 0);
    assert_int_equal(c, 12);
    assert_int_equal(theme_parse_color("grey", &c), 0);
    assert_int_equal(c, 8);
    assert_int_equal(theme_parse_color("color0", &c), 0);
    assert_int_equal(c, 0);
    assert_int_equal(theme_parse_color("color255", &c), 0);
    assert_int_equal(c, 255);
    assert_int_equal(theme_parse_color("color-1", &c), -1);
    assert_int_equal(theme_parse_color("color", &c), -1);
    assert_int_equal(theme_parse_color("Red", &c), -1);
}

static void test_builtin_and_shipped_themes_parse_cleanly(void **state)
{
    static const char *const names[] = { "default",
                                         "mono",
                                         "themes/default.theme",
                                         "themes/light.theme",
                                         "themes/high-contrast.theme",
                                         "themes/mono.theme" };

    (void)state;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        struct theme t;
        struct vec problems = VEC_INIT(free);
        struct lb_err err = { 0 };

        assert_int_equal(theme_load(names[i], &t, &problems, &err), 0);
        if (problems.len)
            fail_msg("%s: %s", names[i], (const char *)problems.items[0]);
        vec_release(&problems);
    }
}

static void test_every_element_in_the_default_theme(void **state)
{
    extern const char builtin_theme_text[];

    (void)state;
    /* the compiled-in default names every element, so none falls back by accident */
    for (int i = 0; i < EL_COUNT; i++) {
        char needle[64];

        snprintf(needle, sizeof(needle), "\n%s ", theme_el_name((enum theme_el)i));
        if (!strstr(builtin_theme_text, needle))
            fail_msg("default.theme lacks element '%s'", theme_el_name((enum theme_el)i));
    }
}

static void test_load_errors(void **state)
{
    struct theme t;
    struct lb_err err = { 0 };

    (void)state;
    assert_true(theme_load("no-such-theme", &t, NULL, &err) < 0);
    assert_non_null(strstr(err.msg, "no theme named 'no-such-theme'"));
    assert_true(theme_load(".hidden", &t, NULL, &err) < 0);
    assert_true(theme_load("/nonexistent/x.theme", &t, NULL, &err) < 0);
    assert_non_null(strstr(err.msg, "cannot read theme '/nonexistent/x.theme'"));
}

static void test_cycle(void **state)
{
    const char *n = "default";

    (void)state;
    assert_string_equal(theme_next_name("default"), "light");
    assert_string_equal(theme_next_name("mono"), "default");
    assert_string_equal(theme_next_name("my-own"), "default");
    for (size_t i = 0; i < theme_builtin_count; i++)
        n = theme_next_name(n);
    assert_string_equal(n, "default");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_good_lines),
        cmocka_unit_test(test_parse_bad_lines_reported_and_skipped),
        cmocka_unit_test(test_problem_text_is_sanitized),
        cmocka_unit_test(test_colors),
        cmocka_unit_test(test_builtin_and_shipped_themes_parse_cleanly),
        cmocka_unit_test(test_every_element_in_the_default_theme),
        cmocka_unit_test(test_load_errors),
        cmocka_unit_test(test_cycle),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
