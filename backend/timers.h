#ifndef LIFEBOAT_BACKEND_TIMERS_H
#define LIFEBOAT_BACKEND_TIMERS_H

#include "backend/base/err.h"
#include "backend/base/vec.h"

/*
 * systemd units for lifeboat's jobs: lifeboat-JOB.service (Type=oneshot,
 * ExecStart = PROGRAM -c CONFIG run JOB, SIGTERM to lifeboat only so it can
 * stop restic cleanly) and lifeboat-JOB.timer (OnCalendar = the job's
 * schedule, Persistent=true, a small RandomizedDelaySec).
 */

struct config;
struct job_cfg;

/* The unit texts (new). program and config_path must be absolute. */
char *timers_service_text(const struct job_cfg *job, const char *program, const char *config_path);
char *timers_timer_text(const struct job_cfg *job);

/*
 * Write both units of every job into dir (made if missing), each schedule
 * first checked with the calendar engine: nothing is written when one is bad.
 * Files are replaced atomically (mode 0644); their paths are pushed to
 * written (new strings).
 */
int timers_install(const struct config *cfg, const char *dir, const char *program,
                   struct vec *written, struct lb_err *err);

#endif
