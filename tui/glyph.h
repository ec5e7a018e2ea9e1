#ifndef LIFEBOAT_TUI_GLYPH_H
#define LIFEBOAT_TUI_GLYPH_H

#include <stdbool.h>

/*
 * Every symbol the console draws, in a UTF-8 and an ASCII form, so that
 * `LANG=C` over SSH still reads right. Drawing code asks glyph(G_X) and
 * never writes a non-ASCII literal. The ASCII form may be wider than the
 * UTF-8 one ("ok" vs "✓"): measure with draw_width(), never assume 1.
 */
#define GLYPHS(X)                                                   \
    X(OK, "\u2713", "ok")  /* ✓ */                                \
    X(WARN, "\u25b2", "!") /* ▲ */                                \
    X(CRIT, "\u2717", "x") /* ✗ */                                \
    X(SPIN, "\u27f3", "*") /* ⟳ */                                \
    X(UNKNOWN, "?", "?")                                            \
    X(NA, "\u00b7", ".")        /* · a copy that does not apply */ \
    X(SEP, "\u00b7", "-")       /* · between header items */       \
    X(ELLIPSIS, "\u2026", "~")  /* … */                           \
    X(ARROW, "\u2192", "->")    /* → */                           \
    X(SELECT, "\u25b8", ">")    /* ▸ selected row */              \
    X(UP, "\u2191", "Up")       /* ↑ */                           \
    X(DOWN, "\u2193", "Down")   /* ↓ */                           \
    X(BAR_FULL, "\u2588", "#")  /* █ */                           \
    X(BAR_EMPTY, "\u2591", ".") /* ░ */                           \
    X(HLINE, "\u2500", "-")     /* ─ */                           \
    X(VLINE, "\u2502", "|")     /* │ */                           \
    X(ULCORNER, "\u250c", "+")  /* ┌ */                           \
    X(URCORNER, "\u2510", "+")  /* ┐ */                           \
    X(LLCORNER, "\u2514", "+")  /* └ */                           \
    X(LRCORNER, "\u2518", "+")  /* ┘ */                           \
    X(SPARK1, "\u2581", "_")    /* ▁ sparkline levels, low to high */ \
    X(SPARK2, "\u2582", "_")                                       \
    X(SPARK3, "\u2583", ".")                                       \
    X(SPARK4, "\u2584", "-")                                       \
    X(SPARK5, "\u2585", "=")                                       \
    X(SPARK6, "\u2586", "+")                                       \
    X(SPARK7, "\u2587", "*")                                       \
    X(SPARK8, "\u2588", "#")    /* █ */                           \
    X(DEGREE_C, "\u00b0C", "C") /* °C */

enum glyph {
#define X(id, u, a) G_##id,
    GLYPHS(X)
#undef X
        G_COUNT
};

/* Pick the UTF-8 (true) or ASCII (false) forms. ASCII until told otherwise. */
void glyph_set_utf8(bool utf8);
bool glyph_utf8(void);
/* The glyph's text in the current mode (static). */
const char *glyph(enum glyph g);
/* The text of either form regardless of the mode (static; tests). */
const char *glyph_form(enum glyph g, bool utf8);

/*
 * Is this codeset name UTF-8 ("UTF-8", "utf8")? The console passes
 * nl_langinfo(CODESET) after setlocale().
 */
bool glyph_codeset_is_utf8(const char *codeset);

#endif
