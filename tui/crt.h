#ifndef LIFEBOAT_TUI_CRT_H
#define LIFEBOAT_TUI_CRT_H

#include <stdbool.h>

#include "backend/base/err.h"

/*
 * The terminal: set up curses (cbreak, no echo, keypad, non-blocking input,
 * ESC delay 25 ms, no cursor, default colours), detect UTF-8 and colours,
 * and give it back on every way out: crt_done() is idempotent and also runs
 * from atexit and the out-of-memory hook. While curses owns the screen,
 * stderr goes to $XDG_STATE_HOME/lifeboat/console-stderr.log and is replayed
 * on the terminal by crt_done().
 */

/* 0, or -LB_EIO with err when the terminal cannot be set up (unknown TERM...). */
int crt_init(struct lb_err *err);
void crt_done(void);
bool crt_active(void);

/* UTF-8 locale (glyphs in their UTF-8 form)? */
bool crt_utf8(void);
/* Colours available and wanted (not NO_COLOR)? */
bool crt_color(void);
/* Why there are no colours ("NO_COLOR is set", "the terminal has no colours"), or NULL. */
const char *crt_no_color_reason(void);

/*
 * Read one pending key without waiting: 0 and *key (a code point,
 * KEYF(KEY_x) for function keys, KEYF(KEY_RESIZE) after a resize), or -1
 * when nothing is pending.
 */
int crt_read_key(int *key);

/* Write the screen's text (one line per row, trailing blanks cut) to path, atomically. */
int crt_dump(const char *path);

#endif
