#ifndef LIFEBOAT_TUI_DRAW_H
#define LIFEBOAT_TUI_DRAW_H

#include <stddef.h>
#include <wchar.h>

#include "tui/provide_curses.h"

/*
 * Drawing primitives on stdscr that know display widths: UTF-8 text is
 * measured with wcwidth, cut with an ellipsis, and in ASCII mode (see
 * glyph.h) every non-ASCII character becomes '?'. Callers pass text that
 * went through str_sanitize() when it came from outside.
 */

struct rect {
    int y, x, h, w;
};

enum align { ALIGN_LEFT, ALIGN_RIGHT };

/* Display columns of s in the current glyph mode. */
int draw_width(const char *s);

/*
 * Decode s into at most maxw columns of wide characters (out holds outn
 * entries, NUL-terminated); when s is wider, it is cut and ends in an
 * ellipsis. Returns the columns used. Pure (no curses).
 */
int draw_fit(const char *s, int maxw, wchar_t *out, size_t outn);

/* Draw s at (y, x) in at most w columns with attr; returns the columns drawn. */
int draw_text(int y, int x, int w, attr_t attr, const char *s);
/* Draw s padded (or cut) to exactly w columns. */
void draw_field(int y, int x, int w, attr_t attr, const char *s, enum align align);
/* w spaces. */
void draw_fill(int y, int x, int w, attr_t attr);
/* A box around r with an optional title in its top edge. */
void draw_box(struct rect r, attr_t border, const char *title, attr_t title_attr);
/* Clear the inside of r (its border excluded when border is set). */
void draw_clear(struct rect r, attr_t attr);

/*
 * Word-wrap s into lines of at most w columns: calls line(start, len) for
 * each (byte ranges of s). Returns the number of lines. Pure.
 */
int draw_wrap(const char *s, int w, void (*line)(const char *start, size_t len, void *arg),
              void *arg);

#endif
