#ifndef LIFEBOAT_TUI_THEME_H
#define LIFEBOAT_TUI_THEME_H

#include <stdbool.h>
#include <stddef.h>

#include "backend/base/err.h"
#include "backend/base/vec.h"
#include "tui/provide_curses.h"

/*
 * Themes map semantic elements to colours and attributes. Drawing code only
 * ever writes theme_attr(EL_X); no colour pair is named outside theme.c.
 *
 * A theme file has one line per element:   element fg bg [attr...]
 *   colours: default (or -1), black red green yellow blue magenta cyan white,
 *            bright<colour> (8-15), gray, colorN (0-255)
 *   attrs:   bold underline reverse dim standout italic normal
 * '#' starts a comment. Elements a file leaves out keep the monochrome look.
 * themes/default.theme is compiled in; "mono" is built in (attributes only)
 * and is what NO_COLOR or a terminal without colours gets.
 *
 * X(ID, "name in theme files", monochrome attributes)
 */
#define THEME_ELEMENTS(X)                               \
    X(NORMAL, "normal", A_NORMAL)                       \
    X(TITLE, "title", A_BOLD)                           \
    X(TAB, "tab", A_NORMAL)                             \
    X(TAB_ACTIVE, "tab-active", A_REVERSE | A_BOLD)     \
    X(STATUS_OK, "status-ok", A_NORMAL)                 \
    X(STATUS_WARN, "status-warn", A_BOLD)               \
    X(STATUS_CRIT, "status-crit", A_BOLD | A_UNDERLINE) \
    X(STATUS_UNKNOWN, "status-unknown", A_DIM)          \
    X(AGE_FRESH, "age-fresh", A_NORMAL)                 \
    X(AGE_STALE, "age-stale", A_BOLD)                   \
    X(AGE_CRIT, "age-crit", A_BOLD | A_UNDERLINE)       \
    X(SELECTION, "selection", A_REVERSE)                \
    X(BORDER, "border", A_NORMAL)                       \
    X(PANEL_TITLE, "panel-title", A_BOLD)               \
    X(COLUMN_HEADER, "column-header", A_BOLD)           \
    X(DIM, "dim", A_DIM)                                \
    X(LABEL, "label", A_DIM)                            \
    X(FBAR_KEY, "fbar-key", A_BOLD)                     \
    X(FBAR_LABEL, "fbar-label", A_REVERSE)              \
    X(SPINNER, "spinner", A_BOLD)                       \
    X(MESSAGE, "message", A_NORMAL)                     \
    X(ERROR, "error", A_BOLD | A_REVERSE)               \
    X(HELP_KEY, "help-key", A_BOLD)                     \
    X(PROMPT, "prompt", A_BOLD)

enum theme_el {
#define X(id, name, mono) EL_##id,
    THEME_ELEMENTS(X)
#undef X
        EL_COUNT
};

struct theme_style {
    short fg, bg; /* -1: the terminal's default */
    attr_t attrs;
};

struct theme {
    char name[64];
    struct theme_style el[EL_COUNT];
};

/* The element's name in theme files ("status-ok"), or NULL. */
const char *theme_el_name(enum theme_el el);

/* Every element at default colours with its monochrome attributes. */
void theme_init_mono(struct theme *t, const char *name);

/*
 * Apply theme-file text on top of t. Each bad line is reported as
 * "ORIGIN:LINE: ..." (new strings pushed to problems, which owns them) and
 * skipped; good lines still apply. Returns the number of bad lines.
 */
int theme_parse(struct theme *t, const char *text, const char *origin, struct vec *problems);

/* Parse one colour word; 0 or -1. */
int theme_parse_color(const char *s, short *out);

/* The built-in theme names, in the order `T` cycles through them. */
extern const char *const theme_builtin_names[];
extern const size_t theme_builtin_count;
/* The name after current in the cycle (static). */
const char *theme_next_name(const char *current);

/*
 * Load a theme by name ("default", "light", a file in a themes directory) or
 * by path (contains '/'). "default" is compiled in, "mono" built in; other
 * names are looked up in themes/ beside the binary, then
 * PREFIX/share/lifeboat/themes. Bad lines go to problems as above; a theme
 * that cannot be found or read fails with err naming where it looked.
 */
int theme_load(const char *name, struct theme *out, struct vec *problems, struct lb_err *err);

/*
 * Make t the active theme (needs curses started). With color false (NO_COLOR,
 * or a terminal without colours) only the monochrome attributes are used.
 */
void theme_use(const struct theme *t, bool color);
/* Attributes (colour pair included) to draw element el with. */
attr_t theme_attr(enum theme_el el);

#endif
