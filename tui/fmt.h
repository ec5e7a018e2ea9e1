#ifndef LIFEBOAT_TUI_FMT_H
#define LIFEBOAT_TUI_FMT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "backend/app.h"
#include "tui/glyph.h"
#include "tui/theme.h"

/*
 * What the console says about a repo, as text and theme element: pure
 * functions over the model, so the decisions (colour of an age, wording of
 * a state) are tested without a terminal. Text is sanitized.
 */

struct keep_policy;

/* Element for a newest-snapshot age of this health (AGE_FRESH/STALE/CRIT, STATUS_UNKNOWN). */
enum theme_el fmt_age_el(enum health h);
/* Element for a status mark of this health (STATUS_OK/WARN/CRIT/UNKNOWN). */
enum theme_el fmt_status_el(enum health h);
/* The mark of a health: ✓ ▲ ✗ ? (ok ! x ? in ASCII). */
enum glyph fmt_health_glyph(enum health h);

/* "4h ✓", "none ✗" (no snapshot), "?" (nothing known yet). Returns out. */
char *fmt_newest(const struct repo_view *rv, enum health h, time_t now, char *out, size_t n);

/* "2m", "2m cached" (figures from the database), "never". Returns out. */
char *fmt_checked(const struct repo_view *rv, time_t now, char *out, size_t n);

/*
 * The state cell: "ok", "refreshing ⟳ 12s", or the error said short
 * ("locked by root@host pid 123 for 2h", "wrong password", "unreachable").
 * *el is the element to draw it with. Returns out.
 */
char *fmt_state(const struct repo_view *rv, time_t now, int64_t now_ms, char *out, size_t n,
                enum theme_el *el);

/* A repo URL with any password in it masked ("rest:https://u:***@h/"). Returns out. */
char *fmt_redact_url(const char *url, char *out, size_t n);

/* "daily=5 weekly=3 monthly=2", or "not set". Returns out. */
char *fmt_keep(const struct keep_policy *keep, char *out, size_t n);

#endif
