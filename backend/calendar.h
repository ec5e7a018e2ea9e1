#ifndef LIFEBOAT_BACKEND_CALENDAR_H
#define LIFEBOAT_BACKEND_CALENDAR_H

/*
 * Calendar events: parse an event and compute when it next elapses.
 *
 * Two dialects share one engine:
 *   CAL_SYSTEMD  systemd's OnCalendar= (systemd.time(7), as systemd 252 parses
 *                it): weekdays, [[Y-]M-]D with '-' or '~' (last days of the
 *                month), H:M[:S[.frac]], lists, a..b, a/b, a..b/c, keywords
 *                (minutely ... semiannually), @EPOCH, and a trailing " UTC" or
 *                IANA zone ("Europe/Berlin").
 *   CAL_PROXMOX  PVE backup jobs and PBS jobs (proxmox-time): same family, but
 *                a bare number is a minute ("30" = every hour at :30), weekday
 *                ranges wrap ("fri..mon"), "*\/N" is allowed, repetitions need
 *                not fire twice, no '~', no fractions, no zone but "UTC".
 *
 * Next elapse follows systemd in both dialects: the search walks the wall
 * clock of the event's zone forward from one microsecond after the given
 * time; a wall time that does not exist (spring forward) is skipped, and a
 * wall time that happens twice (fall back) counts once, at its first
 * occurrence after the given time.
 *
 * Time zones: local time is the process's TZ. An event with its own zone is
 * evaluated by switching TZ for the duration of cal_next() (backend/tzone.c,
 * the one place that does it); lifeboat is single-threaded, so nobody sees it.
 * Limitation: systemd also accepts the local zone's abbreviations ("CET" while
 * TZ=Europe/Berlin) to force DST off/on; lifeboat reads such a word as the
 * IANA zone of that name when one exists and rejects it otherwise.
 *
 * Apart from that zone switch the engine is pure: no I/O, no state.
 */

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "backend/base/err.h"

enum cal_dialect {
    CAL_SYSTEMD,
    CAL_PROXMOX,
};

struct cal_event;

/*
 * Parse expr. Returns a new event (cal_free()), or NULL with err filled:
 * "bad weekday 'Mox' at column 1". bad_at (may be NULL) gets the byte offset
 * of the offending part.
 */
struct cal_event *cal_parse_at(const char *expr, enum cal_dialect d, size_t *bad_at,
                               struct lb_err *err);
struct cal_event *cal_parse(const char *expr, enum cal_dialect d, struct lb_err *err);
void cal_free(struct cal_event *ev);

/* "systemd" / "proxmox" -> dialect; -1 when unknown. */
int cal_dialect_from_name(const char *name);

/*
 * First elapse strictly after the second `after` (so >= after + 1).
 * 0, or -LB_ENOTFOUND when the event never elapses again (before 2200).
 */
int cal_next(const struct cal_event *ev, time_t after, time_t *next);

/*
 * The same in microseconds since the epoch: first elapse > after_us, as
 * systemd computes it (events with fractional seconds elapse between seconds).
 */
int cal_next_usec(const struct cal_event *ev, int64_t after_us, int64_t *next_us);

/* The event's own zone ("Europe/Berlin"), "UTC", or NULL for local time. Borrowed. */
const char *cal_zone(const struct cal_event *ev);

#endif
