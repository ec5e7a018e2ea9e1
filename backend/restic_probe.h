#ifndef LIFEBOAT_BACKEND_RESTIC_PROBE_H
#define LIFEBOAT_BACKEND_RESTIC_PROBE_H

#include <stdbool.h>

#include "backend/base/err.h"

/*
 * `restic version` of the restic on PATH ($LIFEBOAT_RESTIC when set), asked
 * once in the background through spawn (the console's start): which
 * version's forget policy the Retention screen follows. Until it answers,
 * or when it cannot (no restic, an answer that does not parse), the caller
 * keeps its default and says so.
 */

struct loop;
struct restic_probe;

enum restic_probe_state {
    RESTIC_PROBE_RUNNING,
    RESTIC_PROBE_DONE,   /* version and line hold the answer */
    RESTIC_PROBE_FAILED, /* error says why */
};

/* done runs once from the loop when the answer is in (not after restic_probe_free). */
typedef void (*restic_probe_fn)(struct restic_probe *p, void *arg);

/* Start it; NULL with err when the child cannot be started. */
struct restic_probe *restic_probe_start(struct loop *loop, restic_probe_fn done, void *arg,
                                        struct lb_err *err);
enum restic_probe_state restic_probe_state(const struct restic_probe *p);
/* RETENTION_RESTIC_VERSION number (0.14 -> 14) when DONE, else 0. */
int restic_probe_version(const struct restic_probe *p);
/* "restic 0.14.0" (sanitized) when DONE; the reason when FAILED; "" while running. */
const char *restic_probe_text(const struct restic_probe *p);
/* Stop it if still running (turns the loop until the child is gone) and free it. NULL-safe. */
void restic_probe_free(struct restic_probe *p);

#endif
