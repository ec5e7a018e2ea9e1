#ifndef LIFEBOAT_BACKEND_CONFIG_H
#define LIFEBOAT_BACKEND_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend/base/err.h"
#include "backend/base/vec.h"

/*
 * lifeboat.conf (DESIGN.md §3): INI via libinih, `[kind name]` sections.
 * Every key of the schema is parsed and validated here; unknown keys and bad
 * values are errors with file:line. Secret files (token_file, password_file,
 * env_file, auth files) and the config itself must be owned by the user and
 * not readable by group/other. Secrets themselves are never read here.
 *
 * After loading, every file path is absolute (relative ones resolve against
 * the config's directory, "~/" against $HOME): secret files, repo urls that
 * are paths, job paths, disk mount/source, drill scratch, and a theme that
 * contains a '/'. pve/pbs fingerprints are normalised to "AA:BB:..." (upper
 * case, 32 bytes). Alert channel "smtp" is stored as "email". A job's repos
 * and copy/check repo names and each healthchecks.url.JOB name are defined.
 */

enum repo_tier { TIER_LOCAL, TIER_OFFSITE };

/* keep = daily=5 weekly=3 monthly=2 ; -1 = unlimited, 0 = rule not set */
struct keep_policy {
    int last, hourly, daily, weekly, monthly, yearly;
    int64_t within; /* seconds, 0 = unset */
};

struct console_cfg {
    char *theme;      /* NULL: default */
    int64_t refresh;  /* seconds (default 60) */
    int quiet_from;   /* minutes after midnight; -1 unset (default 01:00-06:00) */
    int quiet_to;
};

struct targets_cfg {
    int64_t rpo_local;   /* default 26h */
    int64_t rpo_cloud;   /* default 8d */
    int64_t rto_rollback; /* 15m */
    int64_t rto_pbs;     /* 4h */
    int64_t rto_cloud;   /* 24h */
};

struct pve_cfg {
    char *name;
    char *url;
    char *token_file;
    char *fingerprint; /* NULL: system CAs */
    int64_t snapshot_max_age; /* default 7d */
    int line;
};

struct pbs_cfg {
    char *name;
    char *url;
    char *token_file;
    char *fingerprint;
    char *datastore;
    int line;
};

struct repo_cfg {
    char *name;
    char *url;
    char *password_file;    /* exactly one of password_file / password_command */
    char *password_command;
    char *env_file;         /* NULL when unset */
    enum repo_tier tier;    /* default local */
    struct keep_policy keep;
    double price_per_gib_month; /* 0 unset */
    double budget_per_month;    /* 0 unset: alert when price x size is above it */
    int line;
};

struct job_copy {
    char *src; /* repo names */
    char *dst;
    int line;  /* of its copy = line */
};

struct job_check {
    char *repo;   /* NULL: every repo of the job */
    char *subset; /* "2%", "1/52", NULL: plain check */
    int line;     /* of its check = line */
};

struct job_cfg {
    char *name;
    char *schedule;     /* systemd calendar event, as written */
    struct vec repos;   /* char * repo names */
    struct vec paths;   /* char * */
    struct vec exclude; /* char * */
    struct vec copies;  /* struct job_copy * */
    struct vec checks;  /* struct job_check * */
    int line;
    int64_t timeout;      /* seconds one step may take before restic is stopped (default 12h) */
    int64_t unlock_after; /* seconds: stale restic locks of this host older than this are removed (30m) */
};

struct disk_cfg {
    char *name;
    char *device;
    char *type;   /* "auto" default */
    char *mount;  /* NULL when unset */
    double fill_warn; /* percent, default 80 */
    double fill_crit; /* default 90 */
    char *source; /* saved smartctl JSON (demo/tests) */
    int line;
};

struct alerts_cfg {
    struct vec channels; /* char * */
    int64_t renotify;    /* default 24h */
    char *ntfy_url;
    char *gotify_url;
    char *gotify_token_file;
    char *webhook_url;
    char *healthchecks_url;
    struct vec healthchecks_job_urls; /* struct cfg_kv * (job name, url) */
    char *smtp_url;
    char *smtp_from;
    char *smtp_to;
    char *smtp_auth_file;
    char *metrics_file; /* NULL: `lifeboat run` writes no metrics */
};

struct cfg_kv {
    char *key;
    char *value;
    int line;
};

struct drill_cfg {
    int rollback_vmid;  /* 0 unset */
    int vmid_from;      /* restore_vmid_range, 0 unset */
    int vmid_to;
    char *scratch;      /* default /var/tmp/lifeboat-drills */
};

struct config {
    char *path;  /* the file read */
    char *dir;   /* its directory (relative paths in the file resolve against it) */
    struct console_cfg console;
    struct targets_cfg targets;
    struct vec pves;   /* struct pve_cfg * */
    struct vec pbss;   /* struct pbs_cfg * */
    struct vec repos;  /* struct repo_cfg * */
    struct vec jobs;   /* struct job_cfg * */
    struct vec disks;  /* struct disk_cfg * */
    struct alerts_cfg alerts;
    struct drill_cfg drill;
};

/* One problem found while loading. */
struct config_problem {
    char *file;
    int line;   /* 0: not about a line */
    char *msg;
};

/*
 * Resolve the config path: explicit (-c) if given, else $LIFEBOAT_CONFIG,
 * else $XDG_CONFIG_HOME/lifeboat/lifeboat.conf (~/.config/...), else
 * /etc/lifeboat/lifeboat.conf. Returns new string.
 */
char *config_default_path(const char *explicit_path);

/*
 * Load and validate. Returns a config (new) when the file parsed with no
 * problem; otherwise NULL, every problem appended to problems (struct
 * config_problem *, owned by the vec: init it with config_problem_free) and
 * err set to the first one as "FILE:LINE: message". check_perms: enforce the
 * ownership/mode rule on the config and every secret file it names (a
 * missing secret file is then a problem too). Problems come in line order
 * (file-level ones, line 0, first); at most 100 plus a "N more" line.
 */
struct config *config_load(const char *path, bool check_perms, struct vec *problems,
                           struct lb_err *err);
void config_free(struct config *cfg);
void config_problem_free(void *p);

/* Lookups (borrowed). */
struct repo_cfg *config_repo(const struct config *cfg, const char *name);
struct job_cfg *config_job(const struct config *cfg, const char *name);
struct disk_cfg *config_disk(const struct config *cfg, const char *name);

/*
 * The directory of a repo whose url is a local path (absolute after loading;
 * "local:" stripped), borrowed; NULL for a remote repo (s3:, b2:, sftp:,
 * rest:, gs:, azure:, swift:, rclone:).
 */
const char *config_repo_local_path(const struct repo_cfg *repo);

/* RPO of a repo from its tier and [targets]. */
int64_t config_repo_rpo(const struct config *cfg, const struct repo_cfg *repo);

/*
 * The secret-file rule on one path: 0, or -LB_EPERM with a message naming the
 * file and the chmod/chown to run, or -LB_ENOTFOUND.
 */
int config_check_secret_file(const char *path, const char *what, struct lb_err *err);

#endif
