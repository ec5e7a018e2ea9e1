#ifndef LIFEBOAT_BACKEND_RESTIC_H
#define LIFEBOAT_BACKEND_RESTIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "backend/base/err.h"
#include "backend/base/vec.h"

/*
 * The restic adapter: runs restic as a child through the loop (never blocks),
 * with the repository and password handed over in the environment
 * (RESTIC_REPOSITORY, RESTIC_PASSWORD_FILE or RESTIC_PASSWORD_COMMAND, and the
 * repo's env_file variables), never argv. Parses --json output into model
 * records and maps failures to clear errors for restic 0.14 (Debian 12) and
 * newer (exit codes 10/11/12).
 */

struct loop;
struct repo_cfg;
struct restic_op;

struct restic_snapshot {
    char id[65];
    char short_id[17];
    time_t time;    /* epoch seconds */
    int utc_offset; /* seconds east of UTC, as recorded in the snapshot's timestamp */
    char *hostname;
    char *username;
    char *tree;
    char *parent;   /* NULL when none */
    struct vec paths; /* char * */
    struct vec tags;  /* char * */
    long time_ns;     /* the nanoseconds of time: orders snapshots made within one second */
};

struct restic_stats {
    uint64_t total_size;       /* bytes (restore-size or raw-data mode, per the call) */
    uint64_t total_file_count;
    uint64_t snapshots_count;
};

/* A lock found in the repo (restic list locks + cat lock). */
struct restic_lock {
    char id[65];
    time_t time;
    bool exclusive;
    char *hostname;
    char *username;
    int pid;
};

/* Everything one repo looked like at one refresh. */
struct restic_repo_info {
    struct vec snapshots; /* struct restic_snapshot *, sorted by time ascending */
    struct restic_stats stats; /* raw-data stats: size of the repo's data */
    bool stats_known;
    struct vec locks;     /* struct restic_lock * */
};

void restic_snapshot_free(void *snap);
void restic_lock_free(void *lock);
void restic_repo_info_release(struct restic_repo_info *info);

/* Parse `restic snapshots --json` (an array; restic prints `null` for none). */
int restic_parse_snapshots(const char *json, size_t len, struct vec *out, struct lb_err *err);
/* Parse `restic stats --json`. */
int restic_parse_stats(const char *json, size_t len, struct restic_stats *out, struct lb_err *err);
/* Parse `restic cat lock ID` JSON. */
int restic_parse_lock(const char *json, size_t len, struct restic_lock *out, struct lb_err *err);

/*
 * Turn a failed restic run into a clear error: wrong password, repository
 * missing, repository locked (with holder and age when restic says), timeout,
 * restic not installed, killed, unreadable output... exit_code -1 for a
 * signal. stderr_text is restic's stderr (secrets never appear there).
 * Fills err (message names the repo) and returns its -code.
 */
int restic_classify_failure(const char *repo_name, int exit_code, int signo, bool timed_out,
                            int exec_errno, const char *stderr_text, struct lb_err *err);

/*
 * The environment for running restic on repo (NULL-terminated "K=V" strings
 * pushed into env_out, owned by it): RESTIC_REPOSITORY, the password source,
 * the env_file's variables. Relative paths resolve against config_dir.
 * Fails (with the file and the fix) when the env_file is unreadable.
 */
int restic_build_env(const struct repo_cfg *repo, const char *config_dir, struct vec *env_out,
                     struct lb_err *err);

/*
 * Inherited variables to remove from restic's environment (NULL-terminated,
 * static): other password/repository sources and RESTIC_HOST. Pass as
 * spawn_opts.unset_env together with the env of restic_build_env (spawn
 * removes these first, then sets env). An env_file may not set RESTIC_REPOSITORY*
 * or RESTIC_PASSWORD* (lifeboat.conf does): such lines are ignored with a warning.
 */
const char *const *restic_unset_env(void);

/*
 * The key under which a repo's cache is stored: "NAME@HASH", where HASH is a
 * 64-bit FNV-1a of the url without any user:password part. Renaming a repo or
 * pointing it elsewhere starts a fresh cache instead of showing another
 * repo's figures; the url itself (which may hold credentials) is never stored.
 */
void restic_repo_key(const struct repo_cfg *repo, char *out, size_t n);

/* The restic program: $LIFEBOAT_RESTIC if set, else "restic". */
const char *restic_program(void);

/*
 * Refresh one repo: snapshots, raw-data stats and locks, each a child through
 * the loop, with a timeout. done runs once with info (borrowed, valid during
 * the callback) or rc < 0 and err. The op frees itself after done.
 * done never runs inside restic_refresh_start (a failure to start comes from
 * the loop). After restic_op_cancel, done still runs once (rc -LB_ECANCELLED),
 * possibly later from the loop; the caller must not use op after done.
 * A stats failure leaves stats_known false; unreadable locks are skipped.
 */
struct restic_op *restic_refresh_start(struct loop *loop, const struct repo_cfg *repo,
                                       const char *config_dir, int64_t timeout_ms,
                                       void (*done)(int rc, const struct restic_repo_info *info,
                                                    const struct lb_err *err, void *arg),
                                       void *arg);
void restic_op_cancel(struct restic_op *op);

/* ---- runner additions (backend/jobs.c): backup progress, forget decisions, argv ---- */

enum restic_msg_kind { RESTIC_MSG_OTHER, RESTIC_MSG_STATUS, RESTIC_MSG_SUMMARY, RESTIC_MSG_ERROR };

/* One line of `restic backup --json` (stdout: status/summary; stderr: error). */
struct restic_backup_msg {
    enum restic_msg_kind kind;
    /* status (fields restic leaves out are 0; seconds_remaining -1 when absent) */
    double percent; /* 0..100 */
    uint64_t files_done, total_files, bytes_done, total_bytes, error_count;
    int64_t seconds_elapsed, seconds_remaining;
    /* summary */
    uint64_t files_new, files_changed, files_unmodified, dirs_new, dirs_changed, data_added,
        total_files_processed, total_bytes_processed;
    double total_duration;
    char snapshot_id[65];
    bool dry_run;
    /* error: "open /x: permission denied" style text and the item (sanitized) */
    char error[256];
    char item[256];
};

/*
 * Parse one line of `restic backup --json`. Returns 0 with msg filled (kind
 * RESTIC_MSG_OTHER for JSON of another type, e.g. verbose_status), or -LB_EPARSE
 * when the line is not a JSON object (restic's plain-text warnings on stderr).
 */
int restic_parse_backup_line(const char *line, size_t len, struct restic_backup_msg *msg);

/*
 * Parse `restic forget --json`: the short ids (8 hex, new strings) kept and
 * removed over every group. Empty output (no groups) is not an error.
 */
int restic_parse_forget(const char *json, size_t len, struct vec *keep, struct vec *remove,
                        struct lb_err *err);

/* "restic 0.14.0 compiled with ..." -> RETENTION_RESTIC_VERSION(0, 14) style number (14). 0 or -1. */
int restic_parse_version(const char *text, int *version);

struct keep_policy;
/*
 * The forget flags of a keep policy, pushed as new strings ("--keep-daily",
 * "5", ...). Unlimited (-1) is passed as a count of 1000000 on restic < 0.16
 * (where -1 would remove everything); keep.within as "Nd" or "Nh".
 */
void restic_keep_args(const struct keep_policy *keep, int restic_version, struct vec *args);

/*
 * The environment for `restic copy` and `restic init --copy-chunker-params`
 * (restic 0.14+: -r is the destination): dst's variables as restic_build_env
 * gives them, plus src's repository and password source as RESTIC_FROM_*.
 * src's env_file variables are added only when dst does not set the same name.
 */
int restic_build_copy_env(const struct repo_cfg *src, const struct repo_cfg *dst,
                          const char *config_dir, struct vec *env_out, struct lb_err *err);
/* restic_unset_env() plus the inherited RESTIC_FROM_* variables (static, NULL-terminated). */
const char *const *restic_unset_env_copy(void);

#endif
