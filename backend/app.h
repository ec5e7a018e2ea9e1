#ifndef LIFEBOAT_BACKEND_APP_H
#define LIFEBOAT_BACKEND_APP_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "backend/base/err.h"
#include "backend/base/vec.h"
#include "backend/fill.h"
#include "backend/smart_history.h"

/*
 * The engine both front ends drive: owns the config, the store, the loop and
 * the adapters; keeps the model (what the screens and `status` show); starts
 * background refreshes and tells the front end when the model changed.
 * Front ends read the model through const pointers and never write it.
 */

struct loop;
struct store;
struct config;
struct repo_cfg;

enum repo_state {
    REPO_UNKNOWN,  /* nothing known yet (no cache, first refresh pending) */
    REPO_OK,       /* last refresh worked */
    REPO_ERROR,    /* last refresh failed: see error (cached figures may still be shown) */
};

/* What the Overview shows for one restic repo. */
struct repo_view {
    const struct repo_cfg *cfg; /* borrowed from the config */
    char cache_key[96];     /* restic_repo_key(): the repo's rows in the store */
    enum repo_state state;
    struct lb_err error;    /* when state == REPO_ERROR */
    bool refreshing;        /* a refresh is in flight */
    int64_t refresh_started_ms; /* loop time the refresh started (for "12s" ages) */
    bool from_cache;        /* figures come from the database, not yet confirmed live */
    time_t fetched_at;      /* when the figures were read from the repo (0: never) */
    time_t newest;          /* newest snapshot time (0: no snapshot) */
    time_t oldest;
    int snapshot_count;
    uint64_t size_bytes;
    bool size_known;
    int lock_count;         /* locks seen in the repo */
    time_t oldest_lock;     /* time of the oldest lock */
    char lock_holder[128];  /* "user@host pid 1234" of the oldest lock */
    int64_t rpo;            /* seconds, from tier and [targets] */
};

/*
 * Severity of a repo against its RPO: ok while the newest snapshot is within
 * the RPO; warn up to three times the RPO (a missed night or two); crit beyond
 * that or with no snapshot at all. A repo that cannot be read now, or holds
 * locks, is at least warn; a wrong password, a missing repo or a missing
 * restic is crit (backups into it fail too).
 */
enum health { HEALTH_OK, HEALTH_WARN, HEALTH_CRIT, HEALTH_UNKNOWN };

enum app_change {
    APP_CHANGED_REPOS = 1 << 0,
    APP_CHANGED_BUSY = 1 << 1, /* work started/ended (spinner) */
    APP_CHANGED_MESSAGE = 1 << 2,
    APP_CHANGED_DISKS = 1 << 3,
    APP_CHANGED_PROXMOX = 1 << 8, /* app->pmx (backend/app_proxmox.h) */
};

struct disk_cfg;
struct app_pmx;
struct app_runs;

/* A short self-test the console started and follows (app_disk_selftest_start). */
enum disk_selftest {
    DISK_SELFTEST_IDLE,     /* none started from this console */
    DISK_SELFTEST_STARTING, /* smartctl -t short is running */
    DISK_SELFTEST_RUNNING,  /* the drive tests; polled every few seconds */
    DISK_SELFTEST_DONE,     /* finished: selftest_text says how */
    DISK_SELFTEST_FAILED,   /* could not start, failed, or aborted */
};

/*
 * What the Disks screen shows for one [disk]: the latest reading (live, or
 * the latest stored one: a console run as a normal user shows what the root
 * timer job read), its verdict and findings, 90 days of samples, the mount.
 */
struct disk_view {
    const struct disk_cfg *cfg;     /* borrowed from the config */
    struct smart_reading *reading;  /* latest reading with its report; NULL: none yet */
    bool from_store;                /* the reading comes from the database */
    struct vec history;             /* struct smart_sample *, last 90 days, oldest first */
    bool refreshing;
    int64_t refresh_started_ms;
    time_t tried_at;                /* last live attempt (0: none) */
    enum smart_state live_state;    /* its state (SMART_STATE_DATA when it read the drive) */
    char live_error[320];           /* when the last live attempt read nothing: why */
    char live_hint[320];            /* and what to do (may be empty) */
    /* the mount (cfg->mount): present = a mounted file system, not a bare directory */
    bool mount_checked;
    bool mount_present;
    char mount_error[160];
    uint64_t mount_size, mount_avail;
    double fill_pct;                /* used / (used + avail), as df shows it */
    uint64_t mount_used;            /* bytes used (blocks - free) */
    struct fill_estimate fill_est;  /* when the mount fills up (stored fill history) */
    /* self-test */
    enum disk_selftest selftest;
    int selftest_remaining;         /* percent, -1 unknown */
    time_t selftest_started;
    char selftest_text[200];
    /* private */
    struct smart_sampler *sampler;
    void *selftest_op;
};

struct app {
    struct loop *loop;
    struct config *cfg;
    struct store *store; /* NULL when the database could not be opened (message says why) */
    struct vec repos;    /* struct repo_view * in config order */
    struct vec disks;    /* struct disk_view * in config order */
    struct app_pmx *pmx; /* Proxmox VE / PBS section (backend/app_proxmox.h); set by app_new */
    struct app_runs *runs; /* lifeboat's jobs and runs (backend/app_runs.h); set by app_new */
    time_t last_refresh; /* wall time the last refresh finished */
    int busy;            /* operations in flight */
    char message[512];   /* latest notice for the status line (empty: none) */
    bool message_is_error;

    /* Set by the front end: called after the model changed (flags: enum app_change). */
    void (*on_change)(struct app *app, unsigned flags, void *arg);
    void *on_change_arg;

    /* private */
    struct vec ops;
    uint64_t refresh_timer;
};

/*
 * Create the engine on a loaded config (ownership of cfg passes to the app)
 * and an open loop (borrowed). Opens the store (db_path NULL: default) and
 * fills the model from the cache at once. Never fails for an unreachable repo
 * or a bad database: those show in the model.
 */
struct app *app_new(struct loop *loop, struct config *cfg, const char *db_path);
void app_free(struct app *app);

/* Start a background refresh of every repo (no-op for those already refreshing). */
void app_refresh(struct app *app);
/* Refresh every cfg->console.refresh seconds from now on. */
void app_start_auto_refresh(struct app *app);
/* Cancel what is in flight (on quit). */
void app_cancel_all(struct app *app);

/* Freshness of a repo against its RPO at time now. */
enum health app_repo_health(const struct repo_view *rv, time_t now);
/* One thing wrong, said so the operator knows what to do. */
struct app_problem {
    enum health severity; /* HEALTH_WARN or HEALTH_CRIT */
    char subject[64];     /* "usb-ssd" */
    char text[320];       /* "newest snapshot is 3d old (RPO 26h): did last night's job run?" */
};

/*
 * The problems of every repo at time now, worst first, at most max of them
 * written to out. Returns how many there are in all.
 */
size_t app_problems(const struct app *app, time_t now, struct app_problem *out, size_t max);

/* Worst health over every repo. */
enum health app_overall_health(const struct app *app, time_t now);

/* ---- disks (backend/app_disks.c) ---- */

/* Health of a disk: its SMART verdict (a failing live read is a warning) and its mount. */
enum health app_disk_health(const struct disk_view *dv);
/* Mount fill against fill_warn / fill_crit (HEALTH_UNKNOWN: no mount configured or not known). */
enum health app_disk_fill_health(const struct disk_view *dv);
/* Read every disk now (force), or those not read for the disk interval (30 min). */
void app_refresh_disks(struct app *app, bool force);
/*
 * Start `smartctl -t short` on the disk and follow it until it ends (the
 * caller asked the operator first). 0, or negative with err (a saved capture
 * has no drive to test; one is already running ...).
 */
int app_disk_selftest_start(struct app *app, struct disk_view *dv, struct lb_err *err);
/* The disk the Overview shows first: the one called or built like a USB SSD, else the first. */
const struct disk_view *app_main_disk(const struct app *app);

/* For app.c: set up, load from the store, cancel, release, problems. */
void app_disks_init(struct app *app);
void app_disks_cancel(struct app *app);
void app_disks_release(struct app *app);
void app_disks_problems(const struct app *app, time_t now, struct app_problem *out, size_t max,
                        size_t *n);

#endif
