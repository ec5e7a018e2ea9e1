/* Actions and keymaps: defaults, per-screen fallback, key names, generated help and bar. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "tui/action.h"
#include "tui/glyph.h"
#include "tui/keymap.h"

struct maps {
    struct keymap global, screen;
};

static int setup(void **state)
{
    struct maps *m = calloc(1, sizeof(*m));

    keymap_init(&m->global, "global", NULL);
    keymap_load_defaults(&m->global);
    keymap_init(&m->screen, "overview", &m->global);
    keymap_load_defaults(&m->screen);
    *state = m;
    glyph_set_utf8(false);
    return 0;
}

static int teardown(void **state)
{
    struct maps *m = *state;

    keymap_release(&m->global);
    keymap_release(&m->screen);
    free(m);
    return 0;
}

static void test_default_keys(void **state)
{
    struct maps *m = *state;

    /* the keys SCREENS.md promises */
    assert_int_equal(keymap_lookup(&m->screen, 'q'), ACTION_QUIT);
    assert_int_equal(keymap_lookup(&m->screen, '?'), ACTION_HELP);
    assert_int_equal(keymap_lookup(&m->screen, KEYF(KEY_F(1))), ACTION_HELP);
    assert_int_equal(keymap_lookup(&m->screen, 'r'), ACTION_REFRESH);
    assert_int_equal(keymap_lookup(&m->screen, 'T'), ACTION_THEME_NEXT);
    assert_int_equal(keymap_lookup(&m->screen, ':'), ACTION_COMMAND);
    assert_int_equal(keymap_lookup(&m->screen, '/'), ACTION_FILTER);
    assert_int_equal(keymap_lookup(&m->screen, 'j'), ACTION_MOVE_DOWN);
    assert_int_equal(keymap_lookup(&m->screen, KEYF(KEY_DOWN)), ACTION_MOVE_DOWN);
    assert_int_equal(keymap_lookup(&m->screen, 'k'), ACTION_MOVE_UP);
    assert_int_equal(keymap_lookup(&m->screen, 'g'), ACTION_MOVE_FIRST);
    assert_int_equal(keymap_lookup(&m->screen, 'G'), ACTION_MOVE_LAST);
    assert_int_equal(keymap_lookup(&m->screen, KEYF(KEY_NPAGE)), ACTION_PAGE_DOWN);
    assert_int_equal(keymap_lookup(&m->screen, '\n'), ACTION_ENTER);
    assert_int_equal(keymap_lookup(&m->screen, KEY_ESC), ACTION_BACK);
    assert_int_equal(keymap_lookup(&m->screen, '\t'), ACTION_SCREEN_NEXT);
    assert_int_equal(keymap_lookup(&m->screen, KEYF(KEY_BTAB)), ACTION_SCREEN_PREV);
    assert_int_equal(keymap_lookup(&m->screen, KEYC('l')), ACTION_REDRAW);
    for (int n = 1; n <= 7; n++)
        assert_int_equal(action_screen_number(keymap_lookup(&m->screen, '0' + n)), n);
    assert_int_equal(keymap_lookup(&m->screen, 'Z'), ACTION_NONE);
}

static void test_no_key_bound_twice(void **state)
{
    (void)state;
    /*
     * one key, one action in the defaults of a keymap and the global one under
     * it (a duplicate would silently lose one); screens may share a key for
     * their own actions (s starts a job, a drill, a self-test)
     */
    for (int a = ACTION_NONE + 1; a < ACTION_COUNT; a++)
        for (const int *k = action_info((enum action)a)->keys; *k; k++)
            for (int b = a + 1; b < ACTION_COUNT; b++)
                for (const int *l = action_info((enum action)b)->keys; *l; l++)
                    if (*k == *l &&
                        (!strcmp(action_info((enum action)a)->keymap,
                                 action_info((enum action)b)->keymap) ||
                         !strcmp(action_info((enum action)a)->keymap, "global") ||
                         !strcmp(action_info((enum action)b)->keymap, "global")))
                        fail_msg("key %d bound to %s and %s", *k, action_info((enum action)a)->name,
                                 action_info((enum action)b)->name);
}

static void test_screen_map_shadows_global(void **state)
{
    struct maps *m = *state;
    int keys[8];

    keymap_bind(&m->screen, 'r', ACTION_MOVE_FIRST);
    assert_int_equal(keymap_lookup(&m->screen, 'r'), ACTION_MOVE_FIRST);
    assert_int_equal(keymap_lookup(&m->global, 'r'), ACTION_REFRESH);
    /* refresh is still reachable by F5 only, from the screen */
    assert_int_equal(keymap_keys_of(&m->screen, ACTION_REFRESH, keys, 8), 1);
    assert_int_equal(keys[0], KEYF(KEY_F(5)));
    /* rebinding replaces, never duplicates */
    keymap_bind(&m->screen, 'r', ACTION_MOVE_LAST);
    assert_int_equal(keymap_lookup(&m->screen, 'r'), ACTION_MOVE_LAST);
    assert_int_equal(keymap_keys_of(&m->screen, ACTION_MOVE_FIRST, keys, 8), 2); /* g Home */
}

static void test_key_names_round_trip(void **state)
{
    static const int keys[] = { 'q',
                                '?',
                                '\n',
                                KEY_ESC,
                                '\t',
                                KEYF(KEY_BTAB),
                                KEYF(KEY_NPAGE),
                                KEYF(KEY_F(5)),
                                KEYC('l'),
                                KEYF(KEY_UP),
                                KEYF(KEY_HOME) };
    char name[16];

    (void)state;
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        keymap_key_name(keys[i], name, sizeof(name));
        assert_int_equal(keymap_parse_key(name), keys[i]);
    }
    assert_string_equal(keymap_key_name(KEYC('l'), name, sizeof(name)), "C-l");
    assert_string_equal(keymap_key_name(KEYF(KEY_F(10)), name, sizeof(name)), "F10");
    assert_string_equal(keymap_key_name(0xe9, name, sizeof(name)), "\xc3\xa9");
    assert_int_equal(keymap_parse_key("Hyper-x"), 0);
    glyph_set_utf8(true);
    assert_string_equal(keymap_key_name(KEYF(KEY_UP), name, sizeof(name)), "\u2191");
    glyph_set_utf8(false);
}

static void test_action_names(void **state)
{
    (void)state;
    assert_int_equal(action_by_name("refresh"), ACTION_REFRESH);
    assert_int_equal(action_by_name("theme-next"), ACTION_THEME_NEXT);
    assert_int_equal(action_by_name("nope"), ACTION_NONE);
    assert_null(action_info(ACTION_NONE));
    for (int a = ACTION_NONE + 1; a < ACTION_COUNT; a++) {
        const struct action_info *ai = action_info((enum action)a);

        assert_int_equal(ai->action, a);
        assert_true(ai->help && *ai->help);
        assert_true(ai->keys[0] != 0);
    }
}

static const char *hide_screens(enum action a, void *arg)
{
    (void)arg;
    if (action_screen_number(a) > 1)
        return NULL;
    return action_info(a)->help;
}

static void test_help_lists_every_binding(void **state)
{
    struct maps *m = *state;
    struct help_line lines[64];
    size_t n = keymap_help(&m->screen, NULL, NULL, lines, 64);
    bool seen[ACTION_COUNT] = { false };

    size_t expected = 0;

    /* the help of a screen lists every global action and the screen's own, no other */
    for (int a = ACTION_NONE + 1; a < ACTION_COUNT; a++) {
        const char *map = action_info((enum action)a)->keymap;

        if (!strcmp(map, "global") || !strcmp(map, "overview"))
            expected++;
    }
    assert_int_equal(n, expected);
    for (size_t i = 0; i < n; i++)
        seen[lines[i].action] = true;
    for (int a = ACTION_NONE + 1; a < ACTION_COUNT; a++) {
        const char *map = action_info((enum action)a)->keymap;

        assert_int_equal(seen[a], !strcmp(map, "global") || !strcmp(map, "overview"));
    }
    for (size_t i = 0; i < n; i++) {
        if (lines[i].action == ACTION_HELP)
            assert_string_equal(lines[i].keys, "? F1");
        if (lines[i].action == ACTION_ENTER)
            assert_string_equal(lines[i].keys, "Enter"); /* Return and KP-Enter folded in */
    }
    /* screens not built are left out by the describe callback */
    n = keymap_help(&m->screen, hide_screens, NULL, lines, 64);
    assert_int_equal(n, expected - 6);
    /* a key rebound in the screen shows in its help */
    keymap_bind(&m->screen, 'x', ACTION_REFRESH);
    n = keymap_help(&m->screen, NULL, NULL, lines, 64);
    for (size_t i = 0; i < n; i++)
        if (lines[i].action == ACTION_REFRESH)
            assert_string_equal(lines[i].keys, "x r F5");
}

static void test_fbar(void **state)
{
    struct maps *m = *state;
    struct fbar_item items[16];
    size_t n = keymap_fbar(&m->screen, items, 16);

    assert_true(n >= 5);
    assert_int_equal(items[0].action, ACTION_HELP);
    assert_string_equal(items[0].key, "?");
    assert_string_equal(items[0].label, "help");
    /* the global actions end with quit; the screen's own (overview: ack, alerts) follow */
    {
        size_t q = n;

        for (size_t i = 0; i < n; i++)
            if (items[i].action == ACTION_QUIT)
                q = i;
        assert_true(q < n);
        assert_string_equal(items[q].key, "q");
        for (size_t i = q + 1; i < n; i++)
            assert_string_equal(action_info(items[i].action)->keymap, "overview");
    }
    for (size_t i = 0; i < n; i++)
        assert_non_null(action_info(items[i].action)->label);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_default_keys, setup, teardown),
        cmocka_unit_test(test_no_key_bound_twice),
        cmocka_unit_test_setup_teardown(test_screen_map_shadows_global, setup, teardown),
        cmocka_unit_test(test_key_names_round_trip),
        cmocka_unit_test(test_action_names),
        cmocka_unit_test_setup_teardown(test_help_lists_every_binding, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fbar, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
