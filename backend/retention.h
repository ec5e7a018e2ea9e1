#ifndef LIFEBOAT_BACKEND_RETENTION_H
#define LIFEBOAT_BACKEND_RETENTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend/base/err.h"

/*
 * Retention engines: which snapshots a keep policy keeps, and why. Pure: no
 * I/O, no clock, no time zone database. Two engines, each following its
 * reference exactly (docs: ../shared/reference/restic.md §1, proxmox-api.md §6):
 *
 *  - RETENTION_RESTIC: `restic forget`'s ApplyPolicy, per group, for the restic
 *    version given in the policy (0.14 .. 0.19 differ, see below). Buckets use
 *    the wall clock in the UTC offset stored in each snapshot.
 *  - RETENTION_PROXMOX: the PBS / PVE prune algorithm (rules in order, periods
 *    covered by an earlier rule's kept backup do not use up later counts,
 *    protected never removed nor counted, incomplete backups as PBS). Buckets use
 *    the wall clock at utc_offset, which the caller sets to the prune server's
 *    local offset at that instant (the engine itself knows no time zones).
 *
 * Cost: one sort of n records plus linear passes; the only allocations are a
 * few arrays per call (none per snapshot).
 */

enum retention_engine { RETENTION_RESTIC, RETENTION_PROXMOX };

enum retention_rule {
    RET_LAST,
    RET_HOURLY,
    RET_DAILY,
    RET_WEEKLY,
    RET_MONTHLY,
    RET_YEARLY,
    RET_NRULES
};

/* Reason bits, in the order restic lists its matches (tags come first, see tag_reasons). */
enum retention_reason {
    RETR_WITHIN = 1u << 0,          /* restic --keep-within */
    RETR_LAST = 1u << 1,            /* RETR_LAST << rule for the count rules */
    RETR_HOURLY = 1u << 2,
    RETR_DAILY = 1u << 3,
    RETR_WEEKLY = 1u << 4,
    RETR_MONTHLY = 1u << 5,
    RETR_YEARLY = 1u << 6,
    RETR_WITHIN_HOURLY = 1u << 7,   /* RETR_WITHIN_HOURLY << (rule - RET_HOURLY) */
    RETR_WITHIN_DAILY = 1u << 8,
    RETR_WITHIN_WEEKLY = 1u << 9,
    RETR_WITHIN_MONTHLY = 1u << 10,
    RETR_WITHIN_YEARLY = 1u << 11,
    RETR_PROTECTED = 1u << 12,      /* proxmox: protected snapshot */
    RETR_PARTIAL = 1u << 13,        /* proxmox: newest unfinished backup (keep-partial) */
    RETR_EMPTY = 1u << 14,          /* no rule at all: everything is kept */
};

/* PBS marks (proxmox engine); the restic engine uses only KEEP and REMOVE. */
enum retention_mark {
    RETM_NONE,
    RETM_KEEP,
    RETM_REMOVE,
    RETM_PROTECTED,
    RETM_KEEP_PARTIAL,
};

/* restic's Duration ("1y2m3d4h"); all zero = not set. Fields may be negative. */
struct retention_duration {
    int years, months, days, hours;
};

#define RETENTION_UNLIMITED (-1)
#define RETENTION_MAX_TAG_LISTS 32
/* restic version as one number: 0.14 -> 14, 0.16 -> 16, 1.2 -> 1002. */
#define RETENTION_RESTIC_VERSION(major, minor) ((major) * 1000 + (minor))

struct retention_policy {
    /*
     * Counts per rule: 0 = rule off, > 0 = count. RETENTION_UNLIMITED (-1) =
     * unlimited on restic >= 0.16. On restic < 0.16 a negative count turns the
     * rule off yet makes the policy non-empty (restic 0.14 then removes
     * everything, as it really does). proxmox: <= 0 = rule not used.
     */
    int64_t keep[RET_NRULES];
    /* restic only: --keep-within and --keep-within-{hourly..yearly} (index rule - 1). */
    struct retention_duration within;
    struct retention_duration within_rule[RET_NRULES - 1];
    /* restic only: --keep-tag lists, each "a,b" (a snapshot matches when it has all). Borrowed. */
    const char *const *tag_lists;
    size_t n_tag_lists;
    /* restic only: the version whose behaviour to follow (RETENTION_RESTIC_VERSION). */
    int restic_version;
};

struct retention_snap {
    /* ---- input (pointers borrowed, valid during the call) ---- */
    int64_t time;         /* epoch seconds */
    int32_t nsec;         /* nanoseconds (restic times have them; ordering uses them) */
    int32_t utc_offset;   /* seconds east of UTC whose wall clock gives the buckets */
    uint32_t group;       /* group number (retention_group() fills it); plans are per group */
    bool is_protected;    /* proxmox: never removed, never counted */
    bool incomplete;      /* proxmox: unfinished backup (no manifest) */
    const char *const *tags; /* restic: the snapshot's tags, for --keep-tag */
    size_t n_tags;
    /* ---- output ---- */
    bool keep;
    uint8_t mark;         /* enum retention_mark */
    uint32_t reasons;     /* enum retention_reason bits */
    uint32_t oldest;      /* restic >= 0.18: reason bits reported as "oldest ..." */
    uint32_t tag_reasons; /* bit i: matched policy tag_lists[i] */
};

struct retention_result {
    size_t n_groups;
    size_t kept, removed;
    /*
     * Groups in which the policy keeps nothing (a non-empty policy removing a
     * whole group). restic >= 0.17 refuses the whole run then ("refusing to
     * delete last snapshot of snapshot group"), so nothing is removed at all;
     * older restic removes the group. -1 when none: first such group otherwise.
     */
    int64_t empty_group;
    size_t n_empty_groups;
    bool restic_refuses; /* restic >= 0.17 and empty_group >= 0 */
};

/*
 * Number snapshots into groups by equal key strings (keys[i] for snaps[i];
 * NULL counts as ""). Groups are numbered in order of first appearance.
 * Returns the number of groups.
 */
size_t retention_group(struct retention_snap *snaps, const char *const *keys, size_t n);

/* True when the policy has no rule at all (restic's Empty(); proxmox: no count > 0). */
bool retention_policy_empty(enum retention_engine engine, const struct retention_policy *p);

/*
 * Decide keep/remove for every snapshot, per group. now (epoch seconds) is
 * used by the restic engine only: keep-within measures back from the newest
 * snapshot that is older than now. order, when non-NULL, receives n indexes
 * into snaps: by group (ascending), newest first within a group, which is the
 * order restic and PBS walk. Returns 0, or LB_EUSAGE for a bad policy.
 */
int retention_plan(enum retention_engine engine, const struct retention_policy *p,
                   struct retention_snap *snaps, size_t n, int64_t now, uint32_t *order,
                   struct retention_result *res, struct lb_err *err);

/* One reason of a snapshot: restic's exact text ("daily snapshot", "within 2d"). */
struct retention_reason_text {
    const char *name; /* short name ("daily", "within", "within-daily", "tags", "protected"...) */
    char text[160];   /* restic's string (restic engine) or PBS wording (proxmox) */
};

/*
 * The reasons of a planned snapshot, in restic's order (tags, within, counts,
 * within-rules). Returns the number written (at most max).
 */
size_t retention_reasons(enum retention_engine engine, const struct retention_policy *p,
                         const struct retention_snap *s, struct retention_reason_text *out,
                         size_t max);

/* Parse restic's duration ("1y2m3d4h", units y m d h, later ones override). 0 or -1. */
int retention_parse_duration(const char *s, struct retention_duration *d);
/* Format as restic does ("1y2m", zero parts left out). Returns out. */
char *retention_fmt_duration(const struct retention_duration *d, char *out, size_t n);

/*
 * Parse an RFC 3339 time with optional fraction ("2024-05-10T23:30:00.123456789-04:00",
 * "...Z"). Keeps nanoseconds and the offset. 0 or -1.
 */
int retention_parse_time(const char *s, int64_t *sec, int32_t *nsec, int32_t *utc_offset);

/* Wall-clock fields of t at the given offset (pure: no TZ database). */
struct retention_civil {
    int year, month, day, hour, minute, second;
    int iso_year, iso_week; /* ISO-8601 week (Monday first) */
    int weekday;            /* 0 = Monday .. 6 = Sunday */
};
void retention_civil(int64_t t, int32_t utc_offset, struct retention_civil *out);

#endif
