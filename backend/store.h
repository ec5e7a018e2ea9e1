#ifndef LIFEBOAT_BACKEND_STORE_H
#define LIFEBOAT_BACKEND_STORE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "backend/base/err.h"
#include "backend/base/vec.h"

/*
 * The state database (the only SQLite user): $XDG_STATE_HOME/lifeboat/lifeboat.db,
 * WAL, a short busy timeout, migrations by user_version, one transaction per
 * logical change (a failure leaves the previous state whole).
 */

struct store;
struct restic_repo_info;

struct store *store_open(const char *path, struct lb_err *err); /* NULL path: the default */
void store_close(struct store *st);
/* The schema version (PRAGMA user_version) after migrations. */
int store_schema_version(struct store *st);

/* Cache of one repo as last seen: replaces the previous cache in one transaction. */
int store_put_repo_info(struct store *st, const char *repo, const struct restic_repo_info *info,
                        time_t fetched_at, struct lb_err *err);
/*
 * Read the cache of one repo into info (initialised by the caller, zeroed).
 * Returns 0 with *fetched_at set, -LB_ENOTFOUND when never fetched.
 */
int store_get_repo_info(struct store *st, const char *repo, struct restic_repo_info *info,
                        time_t *fetched_at, struct lb_err *err);
/* Remember the last refresh failure of a repo (NULL message clears it). */
int store_put_repo_error(struct store *st, const char *repo, int code, const char *message,
                         time_t at, struct lb_err *err);

/* Runs and steps (the runner issue fills these in). */
enum run_outcome { RUN_RUNNING, RUN_OK, RUN_WARNING, RUN_FAILED, RUN_INTERRUPTED, RUN_CANCELLED };

int store_run_begin(struct store *st, const char *job, time_t started, int pid, int64_t *run_id,
                    struct lb_err *err);
int store_run_finish(struct store *st, int64_t run_id, time_t ended, enum run_outcome outcome,
                     const char *summary, struct lb_err *err);
int store_step_add(struct store *st, int64_t run_id, const char *kind, const char *target,
                   time_t started, int64_t *step_id, struct lb_err *err);
int store_step_finish(struct store *st, int64_t step_id, time_t ended, enum run_outcome outcome,
                      const char *figures_json, const char *log_excerpt, struct lb_err *err);

#endif
