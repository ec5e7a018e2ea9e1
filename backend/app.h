#ifndef LIFEBOAT_BACKEND_APP_H
#define LIFEBOAT_BACKEND_APP_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "backend/base/err.h"
#include "backend/base/vec.h"

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
};

struct app {
    struct loop *loop;
    struct config *cfg;
    struct store *store; /* NULL when the database could not be opened (message says why) */
    struct vec repos;    /* struct repo_view * in config order */
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

#endif
