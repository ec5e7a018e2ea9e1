#ifndef LIFEBOAT_BACKEND_BASE_STR_H
#define LIFEBOAT_BACKEND_BASE_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Strict integer parse: the whole string, in [min, max]. 0 or -1. */
int str_to_i64(const char *s, int64_t min, int64_t max, int64_t *out);
/* Duration "90s", "15m", "26h", "8d", "2w", or combined "1d12h"; bare number = seconds. */
int str_to_duration(const char *s, int64_t *seconds);
/* Percentage "80%" (or "80") in [0, 100]. */
int str_to_percent(const char *s, double *pct);
/* Decimal number ("0.006"). */
int str_to_double(const char *s, double *out);

bool str_starts_with(const char *s, const char *prefix);
bool str_ends_with(const char *s, const char *suffix);
/* Trim spaces and tabs in place; returns s moved past leading blanks. */
char *str_trim(char *s);
/* bounded copy, always NUL-terminated; returns false when cut */
bool str_copy(char *dst, size_t n, const char *src);

/*
 * Replace control characters (C0, DEL, C1 and ESC sequences' introducers)
 * with '?', in place, so outside text can never drive the terminal. Valid
 * UTF-8 is kept; invalid bytes become '?'.
 */
void str_sanitize(char *s);

/* "4h", "5d", "2h 10m", "45s", "3w"; negative ages give "future". Returns out. */
char *str_fmt_age(int64_t seconds, char *out, size_t n);
/* Like str_fmt_age but with two units when useful ("1d 3h", "2h 10m"). */
char *str_fmt_duration(int64_t seconds, char *out, size_t n);
/* "1.2 GiB", "812 MiB", "0 B". */
char *str_fmt_bytes(uint64_t bytes, char *out, size_t n);

#endif
