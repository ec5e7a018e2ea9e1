#ifndef LIFEBOAT_BACKEND_TZONE_H
#define LIFEBOAT_BACKEND_TZONE_H

/*
 * IANA time zones by name, for calendar events that carry their own zone.
 *
 * libc converts times only in "the" zone of the process ($TZ). tzone_push()
 * switches it to a named zone and tzone_pop() puts the old value back
 * (including "TZ unset"). This is a process-wide side effect: lifeboat is
 * single-threaded and nothing may run between push and pop, so callers keep
 * the pair within one function. backend/calendar.c is the only user.
 */

#include <stdbool.h>

/*
 * Is name an installed IANA zone ("Europe/Berlin")? Same rules as systemd:
 * [A-Za-z0-9/_+-] only, no empty component, and a TZif file
 * under $TZDIR or /usr/share/zoneinfo.
 */
bool tzone_valid(const char *name);

struct tzone_saved {
    char *old; /* new copy of the previous $TZ, or NULL */
    bool was_set;
};

/* Switch $TZ to name (and tzset()). 0 or -1. */
int tzone_push(const char *name, struct tzone_saved *saved);
/* Restore $TZ as it was before tzone_push() (and tzset()). */
void tzone_pop(struct tzone_saved *saved);

#endif
