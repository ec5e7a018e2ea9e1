#ifndef LIFEBOAT_TUI_SCR_SCHEDULE_H
#define LIFEBOAT_TUI_SCR_SCHEDULE_H

#include <stddef.h>
#include <time.h>

/* Screen 2, Schedule (its ops are scr_schedule_ops in screen.h). Pure helpers, for tests. */

struct schedule;

/*
 * One letter per job (the first 64), lower case, unique where possible: the
 * first letter of its name not yet taken, else any free letter, else '*'.
 * letters holds at least jobs + 1 chars.
 */
void sched_letters(const struct schedule *s, char *letters, size_t n);

/* Cells per hour of the strip for an inner width (1, 2, 3, 4 or 6: minutes that divide 60). */
int sched_strip_per_hour(int width);

/* "today 03:00", "tomorrow 03:00", "Sun 04:30" (within a week), else "2026-12-01". */
char *sched_when_text(time_t t, time_t now, char *out, size_t n);

#endif
