#ifndef LIFEBOAT_BACKEND_RETVIEW_H
#define LIFEBOAT_BACKEND_RETVIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "backend/base/err.h"
#include "backend/calendar.h"
#include "backend/retention.h"

/*
 * The retention view of one tier (a restic repo now; PBS groups once the
 * Proxmox adapter lands): every restore point with the rule that keeps it and
 * the date it expires, the gaps where a point the policy would keep is
 * missing, and what a changed policy (the what-if) would keep, remove and
 * cost. What `lifeboat retention show` prints and the Retention screen draws.
 * Nothing here deletes anything.
 *
 * Expiry: the date on which, with the schedule going on, a point falls out of
 * every rule. It is found by simulation: future snapshots are made at the
 * elapses of the calendar events that feed the tier (the backup job's
 * schedule; for a copy target, the source job's snapshots arriving at the
 * copy job's runs), and the policy is applied again at every arrival until
 * the point is dropped, for at most RETVIEW_MAX_ARRIVALS arrivals and
 * RETVIEW_HORIZON_YEARS years.
 *
 * Gaps: an expected snapshot (an elapse of a feeding event, old enough to have
 * arrived) with no snapshot near it, that the policy would keep, and whose
 * period for that rule (its day for daily, its ISO week for weekly, ...)
 * holds no other point: a restore point the operator should have and has not.
 *
 * Pure apart from the calendar engine's time zone switch and localtime().
 */

#define RETVIEW_MAX_ARRIVALS   20000
#define RETVIEW_HORIZON_YEARS  25
#define RETVIEW_GAP_GRACE      (3 * 3600) /* an expected snapshot counts after this */
#define RETVIEW_GAP_EARLY      3600       /* a snapshot this much before its slot still counts */
#define RETVIEW_MAX_GAP_CHECKS 2000
#define RETVIEW_MAX_FEEDS      8
#define RETVIEW_RESTIC_DEFAULT RETENTION_RESTIC_VERSION(0, 14) /* Debian 12's restic */

struct keep_policy;

/* Where new snapshots of a tier come from. Borrowed events. */
struct retview_feed {
    const struct cal_event *snap;   /* when snapshots are made (their time) */
    const struct cal_event *arrive; /* when they arrive (a copy job); NULL: at once */
};

/* One restore point as input. */
struct retview_in {
    char id[17]; /* restic short id (sanitized by the caller when shown) */
    int64_t time;
    int32_t utc_offset;
    uint32_t group; /* restic: host+paths group number */
};

enum retview_expiry {
    RV_EXPIRES,     /* expires holds the date it falls out of every rule */
    RV_NEXT_RUN,    /* the policy removes it now: it goes at the next forget (expires, or 0) */
    RV_KEPT_BEYOND, /* still kept at the end of the simulation (expires = that date) */
    RV_NO_NEW,      /* nothing new arrives in its group: the counts keep it */
};

struct retview_point {
    char id[17];
    int64_t time;
    int32_t utc_offset;
    uint32_t group;
    bool keep;
    uint32_t reasons; /* enum retention_reason bits */
    uint32_t oldest;  /* restic >= 0.18 "oldest" reason bits */
    enum retview_expiry exp;
    time_t expires;
};

struct retview {
    enum retention_engine engine;
    struct retention_policy policy;
    struct retview_point *pts; /* by time, oldest first */
    size_t n;
    size_t kept, removed;
    int64_t *gaps; /* expected snapshot times with no point, oldest first */
    size_t n_gaps;
    time_t next_forget; /* the next arrival (when the policy is applied next); 0: none */
    bool has_feed;
    bool refuses; /* restic >= 0.17 would refuse: the policy empties a group */
};

/* The restic policy of a config keep= line. */
void retview_policy_from_keep(const struct keep_policy *keep, int restic_version,
                              struct retention_policy *out);

/*
 * Plan pts (n, copied) under policy at now, with the expiry of every point
 * and the gaps, fed by feeds (n_feeds, may be 0). rv is filled (release with
 * retview_release). 0, or a negative code with err (a bad policy).
 */
int retview_build(struct retview *rv, enum retention_engine engine,
                  const struct retention_policy *policy, const struct retview_in *pts, size_t n,
                  const struct retview_feed *feeds, size_t n_feeds, time_t now, struct lb_err *err);
void retview_release(struct retview *rv);

/* "daily · weekly" style names of the reasons that keep a point ("" when removed). */
char *retview_reason_names(uint32_t reasons, const char *sep, char *out, size_t n);
/* The letter of the longest-lived reason: Y M W D H L (T for tags/within, P protected), ' '. */
char retview_reason_letter(uint32_t reasons);

/*
 * Bytes a removal frees, estimated: size * removed / total (deduplication
 * makes the real figure smaller: an upper bound). 0 when nothing is known.
 */
uint64_t retview_freed_estimate(uint64_t size_bytes, size_t total, size_t removed);
/* Monthly cost of size_bytes at price per GiB-month. */
double retview_cost(uint64_t size_bytes, double price_per_gib_month);

/* ---- from the config and the cache ---- */

struct config;
struct vec;

/* The feeds of a repo, with the events they own. */
struct retview_feeds {
    struct retview_feed feed[RETVIEW_MAX_FEEDS];
    size_t n;
    struct cal_event *ev[2 * RETVIEW_MAX_FEEDS]; /* owned */
    size_t n_ev;
    char jobs[128]; /* the jobs that write into the repo: "daily", "weekly (copy)" */
};

/*
 * What feeds repo: jobs backing up into it (their schedule), and jobs copying
 * into it (the source's backup schedule, arriving at the copy job's runs).
 * Jobs whose schedule does not parse are left out.
 */
void retview_feeds_from_config(struct retview_feeds *f, const struct config *cfg, const char *repo);
void retview_feeds_release(struct retview_feeds *f);

/*
 * Restore points from restic snapshots (struct restic_snapshot *), grouped by
 * host and paths as restic forget groups them. Returns a new array of
 * snapshots->len entries (at least one element allocated).
 */
struct retview_in *retview_in_from_restic(const struct vec *snapshots, size_t *n_groups);

struct repo_cfg;
/*
 * The view of a restic repo from its cached snapshots (struct restic_snapshot *)
 * under policy (NULL: the repo's keep= at restic_version), fed by the config's
 * jobs. 0, or a negative code with err.
 */
int retview_build_repo(struct retview *rv, const struct config *cfg, const struct repo_cfg *repo,
                       const struct vec *snapshots, const struct retention_policy *policy,
                       int restic_version, time_t now, struct lb_err *err);

/*
 * When a point goes, said short: "2026-12-21 (in 25d)", "next run Tue 03:00"
 * (removed now), "after 2051-01-01" (still kept when the simulation ends),
 * "not while nothing new arrives". Returns out.
 */
char *retview_expiry_text(const struct retview_point *p, time_t now, char *out, size_t n);

#endif
