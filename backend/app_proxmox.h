#ifndef LIFEBOAT_BACKEND_APP_PROXMOX_H
#define LIFEBOAT_BACKEND_APP_PROXMOX_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "backend/app.h"
#include "backend/base/err.h"
#include "backend/base/vec.h"
#include "backend/proxmox_model.h"

/*
 * The Proxmox section of the engine's model (app->pmx): copies 0 (PVE
 * snapshots, "rollback") and 1 (PBS backups) of every guest of the first
 * [pve] section and the datastore of the first [pbs] section. Filled from
 * the store's cache at once, refreshed in the background on the console's
 * cadence (every call through the loop, with timeouts: a hung server leaves
 * the previous figures, a spinner and an age), and the actions the
 * Snapshots screen offers (create / rollback / delete), each followed live
 * to its end as a task. Front ends read it through const pointers.
 */

struct pve_cfg;
struct pbs_cfg;

/* One snapshot of a guest as the Snapshots screen shows it. */
struct pmx_snap {
    char *name;
    char *description; /* "" when none */
    char *parent;      /* NULL: first */
    time_t snaptime;   /* 0: unknown */
    bool vmstate;      /* RAM saved with it */
    bool stale;        /* older than snapshot_max_age */
    bool is_current;   /* the state "current" runs on (PVE's parent of "current") */
    char *snapstate;   /* NULL, "prepare", "delete": a task works on it */
};

/* One guest (templates left out), its copies 0 and 1 joined. */
struct pmx_guest {
    int vmid;
    char type[8]; /* "qemu" | "lxc" */
    char *name;
    char *node;
    char *status; /* "running", "stopped" */
    char *lock;   /* NULL when none */
    char *pool;
    bool snaps_known; /* its snapshot list was read */
    struct vec snaps; /* struct pmx_snap *, oldest first */
    int snap_count;
    time_t snap_newest, snap_oldest; /* 0: none */
    int stale_count;
    /* newest complete PBS backup of the guest */
    bool pbs_known; /* the datastore's snapshots were read */
    int backup_count;
    time_t backup_newest; /* 0: none */
    char verify[8];       /* its verify state: "ok", "failed", "" never verified */
    int verify_failed;    /* backups of the guest whose verification failed */
    /* backup-job coverage */
    bool jobs_known;
    char *job; /* id of the job covering it (an enabled one first), NULL: none */
    bool job_enabled;
};
void pmx_guest_free(void *p);

/* One endpoint's freshness. */
struct pmx_source {
    bool configured;
    bool refreshing;
    int64_t refresh_started_ms; /* loop time (spinner "12s") */
    time_t fetched_at;          /* last complete read (0: never) */
    bool from_cache;            /* figures from the database, not yet read live */
    bool failed;                /* the last refresh failed: error */
    struct lb_err error;
};

/* A task the console started and follows (create / rollback / delete a snapshot). */
enum pmx_task_state { PMX_TASK_STARTING, PMX_TASK_RUNNING, PMX_TASK_DONE };
#define PMX_TASK_LOG_MAX 200
struct pmx_task {
    unsigned id;
    char action[16]; /* "create", "rollback", "delete"; "job" (a backup job run), "backup" */
    int vmid;        /* 0: a backup job's run (no one guest) */
    char node[64];   /* the node the task runs on ("": the guest's) */
    char snapshot[48];
    char what[200]; /* "snapshot pre-test of vm 100 pfsense" (sanitized) */
    char job[64];   /* action "job": the PVE backup job's id */
    enum pmx_task_state state;
    enum pmx_outcome outcome; /* when DONE */
    char exitstatus[256];     /* the server's words, or lifeboat's error */
    char upid[256];
    time_t started, ended;
    int64_t started_ms;
    struct vec log; /* char *, the last PMX_TASK_LOG_MAX lines of the task log */
    /* private */
    void *call, *follow;
    struct app *app;
};

/* The datastore of the [pbs] section. */
struct pmx_datastore {
    char *name;
    bool known;
    uint64_t total, used, avail;
    bool has_estimate;
    time_t estimated_full; /* 0: not growing; in the past: shrinking */
};

/*
 * The log of one task as the Runs screen shows it (app_pmx_log_open): paged
 * through the API to its end through the loop, a running task followed.
 */
#define PMX_LOG_VIEW_MAX 20000 /* lines kept (the first ones; truncated says so) */
struct pmx_log_view {
    char upid[256];
    enum pmx_product product;
    bool open;
    bool loading;   /* pages still coming (or the task still runs) */
    bool truncated; /* more than PMX_LOG_VIEW_MAX lines */
    int64_t started_ms;
    struct vec lines;         /* char *, sanitized */
    enum pmx_outcome outcome; /* when !loading and no error */
    char exitstatus[256];
    char error[600]; /* the log could not be read ("": none) */
    void *follow;    /* private */
};

/*
 * One PBS disk's SMART as PBS reports it, open on the Disks screen
 * (app_pbs_smart_open, backend/app_pbs_smart.c): read through the loop.
 */
struct pbs_smart;
struct pbs_smart_view {
    bool open;
    bool loading;
    char disk[64];           /* the PBS disk name, sanitized */
    int64_t started_ms;      /* loop time the read began */
    struct pbs_smart *smart; /* the answer (backend/pbs_smart.h), NULL until read */
    char error[1024];        /* could not be read ("": none) */
    unsigned gen;            /* private: which request is current */
    void *call;              /* private */
};

struct app_pmx {
    const struct pve_cfg *pve; /* borrowed from the config; NULL: no [pve] */
    const struct pbs_cfg *pbs; /* NULL: no [pbs] */
    int64_t snapshot_max_age;  /* seconds */
    int64_t rpo;               /* [targets] rpo.local, for PBS backups */
    struct pmx_source pve_src, pbs_src;
    struct vec guests; /* struct pmx_guest *, by vmid */
    struct pmx_datastore ds;
    struct vec tasks; /* struct pmx_task *, oldest first; the last few done ones kept */
    /* backup jobs of both products (the Schedule screen, `lifeboat schedule`, retention) */
    bool pve_jobs_known;      /* read at least once, live or from the cache */
    struct vec pve_jobs;      /* struct pve_backup_job *, as /cluster/backup lists them */
    bool pbs_jobs_known;      /* the datastore's job lists were read */
    struct vec pbs_jobs;      /* struct pbs_job *: verify, prune, sync and the GC (kind "gc") */
    char pbs_jobs_error[256]; /* a job list could not be read in the last round ("": none) */
    /* recent tasks of both products, whoever started them (the Runs screen; app_pmx_recent.c) */
    bool recent_known;         /* read live or from the cache */
    bool recent_from_cache;    /* not yet read live */
    time_t recent_at;          /* the last live read of either task list (0: never) */
    struct vec recent;         /* struct pmx_recent * (backend/pmx_recent.h), newest first */
    char recent_error[2][256]; /* per enum pmx_product: its list not read last round ("") */
    /* the disks of the PBS host as PBS reports them (the Disks screen) */
    bool pbs_disks_known;
    bool pbs_disks_from_cache;
    struct vec pbs_disks;      /* struct pbs_disk * */
    char pbs_disks_error[256]; /* not read in the last PBS round ("": none) */
    struct pmx_log_view log;   /* the task log open on the Runs screen */
    /* a PBS disk's SMART open on the Disks screen (app_pbs_smart.c) */
    struct pbs_smart_view smart;
    /* private: the engine's state (app_proxmox.c) */
    struct app_pmx_priv *priv;
};

/* ---- the joins (pure: unit-tested) ---- */

/* The raw records of one refresh (owned by the caller; any vec may be empty). */
struct pmx_raw {
    struct vec *guests;               /* struct pve_guest * (templates are dropped) */
    struct pve_snapshot_list **snaps; /* per guest, in guests order; NULL entries: not read */
    struct vec *jobs;                 /* struct pve_backup_job *; NULL: not read */
    struct vec *unbacked;             /* struct pve_unbacked *; NULL: not read */
    struct vec *backups;              /* struct pbs_snapshot *; NULL: not read */
};

/*
 * Build the guest rows of raw into out (struct pmx_guest *, by vmid, new):
 * snapshot counts, newest/oldest, stale ones (snaptime older than max_age
 * at now), the newest complete PBS backup with its verify state, and the
 * covering job (PVE's not-backed-up list wins over the job selection).
 */
void pmx_join(const struct pmx_raw *raw, time_t now, int64_t max_age, struct vec *out);

/* Rollback copy of a guest: HEALTH_UNKNOWN without snapshots (not applicable), WARN if stale. */
enum health pmx_rollback_health(const struct app_pmx *p, const struct pmx_guest *g, time_t now);
/*
 * PBS copy: HEALTH_UNKNOWN when no [pbs] or not read; ok within the RPO
 * (rpo.local), warn up to three times it, crit beyond; no backup at all is
 * crit when a job covers the guest (the job fails), warn when none does; a
 * failed verify of the newest backup is crit.
 */
enum health pmx_pbs_health(const struct app_pmx *p, const struct pmx_guest *g, time_t now);
/* Datastore fill: warn from 80 %, crit from 90 % or when full within 14 days. */
enum health pmx_datastore_health(const struct pmx_datastore *ds, time_t now);
/* "~Aug 2026", "not growing", "shrinking", "" (no estimate). Returns out. */
char *pmx_fmt_full(const struct pmx_datastore *ds, time_t now, char *out, size_t n);
/* "vm 100 pfsense" / "ct 102 pihole" (sanitized). Returns out. */
char *pmx_guest_label(const struct pmx_guest *g, char *out, size_t n);
/* Worst of the Proxmox copies, datastore and endpoints (HEALTH_OK when nothing is configured). */
enum health pmx_overall_health(const struct app_pmx *p, time_t now);

/* ---- the engine (app.c calls these) ---- */

void app_pmx_init(struct app *app);
void app_pmx_refresh(struct app *app);
void app_pmx_cancel(struct app *app);
void app_pmx_release(struct app *app);
/* The token file of product was rewritten (a token rotation): later calls read it again. */
void app_pmx_token_changed(struct app *app, enum pmx_product product);
void app_pmx_problems(const struct app *app, time_t now, struct app_problem *out, size_t max,
                      size_t *n);
/*
 * The datastore's backups (struct pbs_snapshot *, oldest first) from the last
 * PBS round, else from the cache; NULL when never read (borrowed).
 */
const struct vec *app_pmx_backups(const struct app *app);

/*
 * The raw records of the last live rounds as the Proxmox alert rules read
 * them (backend/rules.h), borrowed until the next round ends: guests, their
 * snapshots, the backup jobs and the not-backed-up list of the last complete
 * PVE round; the datastore's snapshots, recent tasks and usage of the last
 * PBS round. A member not read live (only the cache, or failed) stays NULL,
 * so its rules neither fire nor clear. False when nothing is read yet.
 */
struct rules_pmx;
bool app_pmx_rules_input(const struct app *app, struct rules_pmx *out);

/* A refresh of either endpoint is in flight. */
bool app_pmx_refreshing(const struct app *app);

/* The guest with vmid (borrowed), NULL. */
const struct pmx_guest *app_pmx_guest(const struct app *app, int vmid);
/* Is vmid one that drills may touch ([drill] rollback_vmid or restore_vmid_range)? */
bool app_pmx_is_drill_guest(const struct app *app, int vmid);

/*
 * Actions on a guest's snapshots, after the front end asked the operator.
 * Each starts the API call and follows the task it starts to its end
 * (app->pmx->tasks; APP_CHANGED_PROXMOX on every step), then rereads the
 * guest's snapshots. 0, or negative with err (no such guest, bad name, a
 * task already runs on the guest, the endpoint is not usable).
 */
int app_pmx_snapshot_create(struct app *app, int vmid, const char *name, const char *description,
                            bool vmstate, struct lb_err *err);
int app_pmx_snapshot_rollback(struct app *app, int vmid, const char *name, struct lb_err *err);
int app_pmx_snapshot_delete(struct app *app, int vmid, const char *name, struct lb_err *err);
/* The task running on vmid (borrowed), NULL. */
const struct pmx_task *app_pmx_task_on(const struct app *app, int vmid);

/*
 * Backups started from the console (issue 5), followed as tasks like the
 * snapshot actions above; when one ends PVE and PBS are reread (the new
 * backups freshen the PBS column). app_pmx_backup_job_run is PVE's "Run
 * now" of backup job id (its selection, storage, mode and notes; a disabled
 * job runs too, as in PVE's GUI) on the job's node, else the node of the
 * first guest it selects. app_pmx_backup_guest backs up one guest (mode
 * snapshot) to storage. 0, or negative with err (no such job or guest, a
 * task already runs on it, the endpoint is not usable).
 */
int app_pmx_backup_job_run(struct app *app, const char *id, struct lb_err *err);
int app_pmx_backup_guest(struct app *app, int vmid, const char *storage, struct lb_err *err);
/* The PVE backup job with id (borrowed), NULL. */
const struct pve_backup_job *app_pmx_backup_job(const struct app *app, const char *id);
/* The node a job's run goes to (see above), NULL when no guest is known (borrowed). */
const char *app_pmx_backup_job_node(const struct app *app, const struct pve_backup_job *job);
/*
 * The storage a backup of vmid goes to: that of the job covering it, else
 * that of the first (enabled) backup job; NULL when PVE lists no job (borrowed).
 */
const char *app_pmx_backup_storage(const struct app *app, int vmid);

/*
 * The log of a task of either product (the UPID says which) into
 * app->pmx->log, read through the loop (APP_CHANGED_PROXMOX as pages come).
 * Opening another closes the one before. 0, or negative with err (not a
 * UPID, its product not configured).
 */
int app_pmx_log_open(struct app *app, const char *upid, struct lb_err *err);
void app_pmx_log_close(struct app *app);

/*
 * Read one PBS disk's SMART (GET /nodes/localhost/disks/smart?disk=NAME) into
 * app->pmx->smart through the loop (APP_CHANGED_PROXMOX when it arrives).
 * Opening another closes the one before; close cancels a read in flight.
 * 0, or negative with err (no [pbs]; or the endpoint not usable, a bad
 * name: then the view is open with the error in it).
 */
int app_pbs_smart_open(struct app *app, const char *disk, struct lb_err *err);
void app_pbs_smart_close(struct app *app);

/* ---- recent tasks and PBS disks (app_pmx_recent.c; app_proxmox.c calls these) ---- */

void app_pmx_recent_init(struct app *app);
/*
 * A round read the tasks of product (PVE: struct pmx_task_status *, PBS:
 * struct pbs_task *); tasks NULL: the list failed with error.
 */
void app_pmx_recent_take(struct app *app, enum pmx_product product, const struct vec *tasks,
                         const char *error);
/* The PBS round's disk list (struct pbs_disk *, moved out), NULL: failed with error. */
void app_pmx_disks_take(struct app *app, struct vec *disks, const char *error);
void app_pmx_recent_cancel(struct app *app);
void app_pmx_recent_release(struct app *app);
/* The client of product (made on first use), NULL with err (app_proxmox.c). */
struct pmx_client *app_pmx_client(struct app *app, enum pmx_product product, struct lb_err *err);

#endif
