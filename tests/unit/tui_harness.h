/*
 * The shared part of the headless console tests: draw the console onto a
 * curses screen that writes to /dev/null, dump it (crt_dump) and read the
 * rows back, then look for text on them. Each test keeps its own world and
 * setup; its world holds a struct screen_text that harness_render() fills.
 *
 * Include after <cmocka.h> (with its setjmp/stdarg/stddef prerequisites).
 */
#ifndef LIFEBOAT_TESTS_TUI_HARNESS_H
#define LIFEBOAT_TESTS_TUI_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "tui/crt.h"
#include "tui/glyph.h"
#include "tui/provide_curses.h"
#include "tui/screen.h"
#include "tui/theme.h"

#define HARNESS_ROWS      80
#define HARNESS_ROW_BYTES 1024

/* A curses screen that draws into /dev/null. */
struct harness_term {
    SCREEN *scr;
    FILE *out, *in;
};

/*
 * Start curses on a rows x cols screen writing to /dev/null, with UTF-8
 * glyphs and the mono theme. -1 when curses cannot start.
 */
static inline int harness_term_open(struct harness_term *t, int rows, int cols)
{
    struct theme mono;

    setenv("TERM", "xterm-256color", 1);
    t->out = fopen("/dev/null", "w");
    t->in = fopen("/dev/null", "r");
    t->scr = newterm(NULL, t->out, t->in);
    if (!t->scr)
        return -1;
    set_term(t->scr);
    resize_term(rows, cols);
    glyph_set_utf8(true);
    theme_init_mono(&mono, "mono");
    theme_use(&mono, false);
    return 0;
}

static inline void harness_term_close(struct harness_term *t)
{
    endwin();
    delscreen(t->scr);
    fclose(t->out);
    fclose(t->in);
}

/* What the screen showed at the last harness_render(), one row a line. */
struct screen_text {
    char lines[HARNESS_ROWS][HARNESS_ROW_BYTES];
    int nlines;
};

/* Draw, dump to the file dump and read the screen back into s. */
static inline void harness_render(struct screen_mgr *mgr, const struct screen_ctx *ctx,
                                  const char *dump, struct screen_text *s)
{
    FILE *f;

    screen_mgr_render(mgr, ctx);
    assert_int_equal(crt_dump(dump), 0);
    f = fopen(dump, "r");
    assert_non_null(f);
    s->nlines = 0;
    while (s->nlines < HARNESS_ROWS && fgets(s->lines[s->nlines], sizeof(s->lines[0]), f)) {
        s->lines[s->nlines][strcspn(s->lines[s->nlines], "\n")] = '\0';
        s->nlines++;
    }
    fclose(f);
}

/* The first row showing text, or -1. */
static inline int harness_find(const struct screen_text *s, const char *text)
{
    for (int i = 0; i < s->nlines; i++)
        if (strstr(s->lines[i], text))
            return i;
    return -1;
}

/* Print the screen into the test output, to see why a check failed. */
static inline void harness_show(const struct screen_text *s)
{
    for (int i = 0; i < s->nlines; i++)
        print_message("|%s\n", s->lines[i]);
}

#define assert_on_screen(s, text)                \
    do {                                         \
        if (harness_find(s, text) < 0) {         \
            harness_show(s);                     \
            fail_msg("not on screen: %s", text); \
        }                                        \
    } while (0)

#define assert_not_on_screen(s, text)                     \
    do {                                                  \
        if (harness_find(s, text) >= 0) {                 \
            harness_show(s);                              \
            fail_msg("unexpectedly on screen: %s", text); \
        }                                                 \
    } while (0)

/* The first row showing key also shows text. */
static inline void harness_assert_row_has(const struct screen_text *s, const char *key,
                                          const char *text)
{
    int row = harness_find(s, key);

    if (row < 0 || !strstr(s->lines[row], text)) {
        harness_show(s);
        fail_msg("the row with '%s' does not say '%s'", key, text);
    }
}

/* Terminal columns a row takes; the row must be valid UTF-8. */
static inline int harness_width(const char *row)
{
    wchar_t wbuf[HARNESS_ROW_BYTES];
    size_t n = mbstowcs(wbuf, row, HARNESS_ROW_BYTES);

    assert_true(n != (size_t)-1);
    return wcswidth(wbuf, n);
}

/* The screen has rows rows and every one fits in cols columns. */
static inline void harness_assert_fits(const struct screen_text *s, int cols, int rows)
{
    assert_int_equal(s->nlines, rows);
    for (int i = 0; i < s->nlines; i++) {
        int lw = harness_width(s->lines[i]);

        if (lw > cols) {
            harness_show(s);
            fail_msg("row %d is %d wide: %s", i, lw, s->lines[i]);
        }
    }
}

/* As harness_assert_fits, and every box is closed on the right edge. */
static inline void harness_assert_tidy(const struct screen_text *s, int cols, int rows)
{
    harness_assert_fits(s, cols, rows);
    for (int i = 0; i < s->nlines; i++)
        if (!strncmp(s->lines[i], "\u250c", 3) && harness_width(s->lines[i]) != cols) {
            harness_show(s);
            fail_msg("box on row %d does not reach the right edge", i);
        }
}

#endif
