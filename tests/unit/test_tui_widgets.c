/* Pure widget logic: prompt editing, width-aware text fitting and wrapping, layout maths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "tui/action.h"
#include "tui/draw.h"
#include "tui/glyph.h"
#include "tui/layout.h"
#include "tui/prompt.h"
#include "tui/scr_overview.h"

static void test_prompt_editing(void **state)
{
    struct prompt p;

    (void)state;
    prompt_open(&p, ":", "");
    assert_true(p.active);
    for (const char *s = "theme light"; *s; s++)
        assert_int_equal(prompt_key(&p, *s), PROMPT_EDITING);
    assert_string_equal(p.text, "theme light");
    assert_int_equal(prompt_key(&p, 127), PROMPT_EDITING);
    assert_string_equal(p.text, "theme ligh");
    assert_int_equal(prompt_key(&p, KEYC('w')), PROMPT_EDITING);
    assert_string_equal(p.text, "theme ");
    assert_int_equal(prompt_key(&p, KEYC('u')), PROMPT_EDITING);
    assert_string_equal(p.text, "");
    /* function keys and control characters are not text */
    assert_int_equal(prompt_key(&p, KEYF(KEY_UP)), PROMPT_EDITING);
    assert_int_equal(prompt_key(&p, KEYC('a')), PROMPT_EDITING);
    assert_string_equal(p.text, "");
    /* UTF-8 in, one character out per backspace */
    prompt_key(&p, 0xe9);   /* é */
    prompt_key(&p, 0x2713); /* ✓ */
    assert_string_equal(p.text, "\xc3\xa9\xe2\x9c\x93");
    prompt_key(&p, KEYF(KEY_BACKSPACE));
    assert_string_equal(p.text, "\xc3\xa9");
    prompt_key(&p, 8);
    assert_string_equal(p.text, "");
    /* backspace on an empty line leaves, as in vim */
    assert_int_equal(prompt_key(&p, 127), PROMPT_CANCELLED);
    prompt_open(&p, "/", "usb");
    assert_string_equal(p.text, "usb");
    assert_int_equal(prompt_key(&p, KEY_ESC), PROMPT_CANCELLED);
    assert_int_equal(prompt_key(&p, '\n'), PROMPT_DONE);
}

static void test_prompt_is_bounded(void **state)
{
    struct prompt p;

    (void)state;
    prompt_open(&p, ":", "");
    for (int i = 0; i < 1000; i++)
        prompt_key(&p, 0x2713);
    assert_true(p.len < PROMPT_MAX);
    assert_int_equal(strlen(p.text), p.len);
    assert_int_equal(p.len % 3, 0); /* never half a character */
}

static void test_fit_and_width(void **state)
{
    wchar_t buf[64];

    (void)state;
    if (!setlocale(LC_CTYPE, "C.UTF-8"))
        skip();
    glyph_set_utf8(true);
    assert_int_equal(draw_width("abc"), 3);
    assert_int_equal(draw_width("4h \u2713"), 4);
    assert_int_equal(draw_width("\xe6\x97\xa5\xe6\x9c\xac"), 4); /* two wide CJK characters */
    assert_int_equal(draw_width("a\x01z"), 3);                   /* control shown as '?' */
    assert_int_equal(draw_fit("usb-ssd", 10, buf, 64), 7);
    assert_true(wcscmp(buf, L"usb-ssd") == 0);
    assert_int_equal(draw_fit("refreshing for a long time", 10, buf, 64), 10);
    assert_true(wcscmp(buf, L"refreshin\u2026") == 0);
    /* a wide character never straddles the edge */
    assert_int_equal(draw_fit("\xe6\x97\xa5\xe6\x9c\xac\xe6\x97\xa5", 4, buf, 64), 3);
    assert_int_equal(draw_fit("anything", 0, buf, 64), 0);
    /* ASCII mode: non-ASCII becomes '?', the ellipsis '~' */
    glyph_set_utf8(false);
    assert_int_equal(draw_width("4h \u2713"), 4);
    draw_fit("caf\xc3\xa9 au lait", 6, buf, 64);
    assert_true(wcscmp(buf, L"caf? ~") == 0);
    /* invalid UTF-8 is one '?' per byte in UTF-8 mode */
    glyph_set_utf8(true);
    assert_int_equal(draw_width("\xff\xfe"), 2);
    setlocale(LC_CTYPE, "C");
    glyph_set_utf8(false);
}

struct lines {
    char l[16][64];
    int n;
};

static void collect(const char *s, size_t len, void *arg)
{
    struct lines *ls = arg;

    if (ls->n < 16) {
        memcpy(ls->l[ls->n], s, len < 63 ? len : 63);
        ls->l[ls->n][len < 63 ? len : 63] = '\0';
    }
    ls->n++;
}

static void test_wrap(void **state)
{
    struct lines ls = { .n = 0 };

    (void)state;
    glyph_set_utf8(false);
    assert_int_equal(draw_wrap("newest snapshot is 2d old, over its RPO of 26h", 20, collect, &ls),
                     3);
    assert_string_equal(ls.l[0], "newest snapshot is");
    assert_string_equal(ls.l[1], "2d old, over its RPO");
    assert_string_equal(ls.l[2], "of 26h");
    ls.n = 0;
    /* a word longer than the width is cut, never lost */
    assert_int_equal(draw_wrap("rest:http://127.0.0.1:38321/cloud/", 10, collect, &ls), 4);
    assert_string_equal(ls.l[0], "rest:http:");
    assert_string_equal(ls.l[3], "oud/");
    assert_int_equal(draw_wrap("", 10, NULL, NULL), 0);
}

static int sum_shown(const int *w, int n, int gap)
{
    int sum = 0, shown = 0;

    for (int i = 0; i < n; i++)
        if (w[i]) {
            sum += w[i];
            shown++;
        }
    return sum + (shown > 1 ? (shown - 1) * gap : 0);
}

static void test_layout_columns(void **state)
{
    const struct col_spec cols[] = {
        { "name", 8, 20, 0, false },  { "state", 16, 40, 1, false }, { "size", 8, 9, 4, true },
        { "url", 20, 60, 11, false }, { "age", 6, 6, 2, false },
    };
    int w[5];

    (void)state;
    /* wide: everything, widened in priority order, never past max */
    assert_int_equal(layout_columns(cols, 5, 196, 2, w), 5);
    assert_int_equal(w[0], 20);
    assert_int_equal(w[1], 40);
    assert_int_equal(w[2], 9);
    assert_int_equal(w[4], 6);
    assert_true(sum_shown(w, 5, 2) <= 196);
    /* narrow: the least important column goes first */
    assert_int_equal(layout_columns(cols, 5, 50, 2, w), 4);
    assert_int_equal(w[3], 0);
    assert_int_equal(sum_shown(w, 5, 2), 50);
    /* too narrow for even the first: nothing overlaps */
    assert_int_equal(layout_columns(cols, 5, 5, 2, w), 0);
    assert_int_equal(sum_shown(w, 5, 2), 0);
}

static void test_overview_columns_80_and_200(void **state)
{
    int w[16];
    const char *titles[16];
    int n80, n200;

    (void)state;
    /* 80 columns: a box (2) and a margin each side (2) leave 76 */
    n80 = overview_repo_columns(76, w, titles, 16);
    assert_true(sum_shown(w, 12, 2) <= 76);
    for (int i = 0; i < 12; i++) {
        /* the columns an operator needs at any size */
        if (!strcmp(titles[i], "repo") || !strcmp(titles[i], "tier") ||
            !strcmp(titles[i], "newest") || !strcmp(titles[i], "snaps") ||
            !strcmp(titles[i], "state") || !strcmp(titles[i], "size") ||
            !strcmp(titles[i], "checked"))
            assert_true(w[i] > 0);
        if (!strcmp(titles[i], "state"))
            assert_true(w[i] >= 16); /* "refreshing ⟳ 12s" fits */
    }
    /* 200 columns: every column, more room each */
    n200 = overview_repo_columns(196, w, titles, 16);
    assert_true(n200 > n80);
    assert_int_equal(n200, 12);
    assert_true(sum_shown(w, 12, 2) <= 196);
}

static void test_layout_stack(void **state)
{
    int min[3] = { 4, 4, 3 }, want[3] = { 4, 6, -1 }, out[3];

    (void)state;
    /* 80x24: 20 rows between the chrome lines */
    layout_stack(20, 3, min, want, out);
    assert_int_equal(out[0], 4);
    assert_int_equal(out[1], 6);
    assert_int_equal(out[2], 10);
    /* many repos: the table grows, problems keep their minimum */
    want[1] = 3 + 30;
    layout_stack(20, 3, min, want, out);
    assert_int_equal(out[0] + out[1] + out[2], 20);
    assert_int_equal(out[2], 3);
    /* not even the minimums fit: later panels are dropped, never squeezed below */
    layout_stack(9, 3, min, want, out);
    assert_int_equal(out[0], 4);
    assert_int_equal(out[1], 5);
    assert_int_equal(out[2], 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prompt_editing), cmocka_unit_test(test_prompt_is_bounded),
        cmocka_unit_test(test_fit_and_width),  cmocka_unit_test(test_wrap),
        cmocka_unit_test(test_layout_columns), cmocka_unit_test(test_overview_columns_80_and_200),
        cmocka_unit_test(test_layout_stack),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
