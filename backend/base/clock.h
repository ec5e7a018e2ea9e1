#ifndef LIFEBOAT_BACKEND_BASE_CLOCK_H
#define LIFEBOAT_BACKEND_BASE_CLOCK_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Monotonic milliseconds, for timers and durations. */
int64_t clock_mono_ms(void);

/*
 * Wall-clock seconds since the epoch. LIFEBOAT_NOW=<epoch seconds> in the
 * environment pins it (tests and screenshots), read once.
 */
time_t clock_now(void);

/* "YYYY-MM-DD HH:MM:SS" in local time (TZ honoured). Returns out. */
char *clock_fmt_local(time_t t, char *out, size_t n);
/* RFC 3339 in local time with offset: "2026-11-26T03:00:00+01:00". */
char *clock_fmt_rfc3339(time_t t, char *out, size_t n);

/*
 * Parse RFC 3339 / restic's time ("2026-11-26T03:00:12.123456789+01:00",
 * "...Z"). On success store epoch seconds and the UTC offset in seconds.
 */
int clock_parse_rfc3339(const char *s, time_t *t, int *utc_offset);

/* "YYYY-MM-DD HH:MM[:SS]" in local time. */
int clock_parse_local(const char *s, time_t *t);

#endif
