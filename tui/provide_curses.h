#ifndef LIFEBOAT_TUI_PROVIDE_CURSES_H
#define LIFEBOAT_TUI_PROVIDE_CURSES_H

/*
 * The one place that includes curses. ncursesw's pkg-config flags bring
 * _XOPEN_SOURCE=600, which turns on the wide-character API (wget_wch,
 * mvaddnwstr, cchar_t); every tui/ file that draws includes this header.
 */
#include <curses.h>

#endif
