#ifndef LIFEBOAT_BACKEND_RUNLOCK_H
#define LIFEBOAT_BACKEND_RUNLOCK_H

#include "backend/base/err.h"

/*
 * One run of a job at a time, across processes: an flock(2) on
 * DIR/run-JOB.lock (DIR: the state directory) that holds the PID of the run.
 * The kernel drops the lock when its process dies, even by SIGKILL, so a lock
 * can never go stale; the file itself stays. The descriptor is close-on-exec:
 * restic children never hold it.
 */

struct runlock;

/*
 * Take the lock of job without waiting. 0 with *out (new); -LB_EBUSY with
 * *holder_pid (0 when unknown) and err naming the PID when another process
 * holds it; another negative code when the file cannot be opened.
 * dir NULL: the state directory.
 */
int runlock_try(const char *dir, const char *job, struct runlock **out, int *holder_pid,
                struct lb_err *err);
/* Release and free (NULL is fine). The file is left in place (removing it would race). */
void runlock_release(struct runlock *lock);
/* The lock file's path (borrowed). */
const char *runlock_path(const struct runlock *lock);

#endif
