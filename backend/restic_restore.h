#ifndef LIFEBOAT_BACKEND_RESTIC_RESTORE_H
#define LIFEBOAT_BACKEND_RESTIC_RESTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend/base/buf.h"
#include "backend/base/err.h"
#include "backend/base/vec.h"
#include "backend/spawn.h"

/*
 * The glue of the engines that run `restic restore` into a target through
 * the loop: the cloud drill (backend/drills.c) and restore files
 * (backend/restore.c). Each keeps its own steps (the drill's verify and
 * scratch cleanup, the restore's preview, check and records); this is what
 * they run the same way:
 *
 *  - one restic child on a repo: argv without secrets, the repository and
 *    password source in the environment of restic_build_env, the inherited
 *    sources removed, SIGTERM then SIGKILL after a grace period;
 *  - restic's stderr kept, bounded, for the failure's message, and a failed
 *    run turned into a clear error naming the repo;
 *  - the progress measure while restic writes: each second, what landed at
 *    the target, a chunk of files per loop turn (the screen keeps
 *    answering), and the rate and ETA it gives.
 */

struct loop;

/* stderr text kept per run (the start of it: restic says what failed first) */
#define RESTIC_ERR_TEXT_MAX 4000

struct restic_child_opts {
    bool no_cache;           /* --no-cache before args */
    const char *const *args; /* after the program name (and --no-cache) */
    size_t nargs;
    int64_t timeout_ms; /* 0: none */
    bool capture;       /* keep stdout (spawn_stdout), at most capture_max bytes */
    size_t capture_max;
    void (*on_line)(struct spawn *sp, enum spawn_stream stream, const char *line, size_t len,
                    bool cut, void *arg);
    void (*on_exit)(struct spawn *sp, const struct spawn_result *res, void *arg);
    void *arg;
};

/*
 * Start restic on repo repo_name with env (restic_build_env's, NULL-terminated)
 * and the unset list of restic_unset_env(). *sp is the child (set before any
 * callback can run), or NULL and err says "cannot run restic on repo 'NAME': ..."
 * and the negative code is returned. Output past the capture (or 4 GiB of a
 * long listing when not capturing) is dropped and reported as output_capped.
 */
int restic_child_start(struct loop *loop, const char *repo_name, const struct vec *env,
                       const struct restic_child_opts *o, struct spawn **sp, struct lb_err *err);

/* One line of restic's stderr into text, while text holds less than RESTIC_ERR_TEXT_MAX. */
void restic_keep_stderr(struct buf *text, const char *line, size_t len);

/* A failed run (res) as a clear error naming the repo (restic_classify_failure). */
int restic_result_error(const char *repo_name, const struct spawn_result *res,
                        const char *stderr_text, struct lb_err *err);

/*
 * The progress measure: a second after restic_progress_start and after
 * each pass, a pass over items (a vec the owner keeps unchanged meanwhile)
 * sums one(arg, item) over them, RESTIC_MEASURE_CHUNK items per loop turn,
 * then report(arg, true, sum). With more than measure_max items there is no
 * pass: report(arg, false, 0) each second (time only). Owned by its engine
 * (embedded, zeroed); the engine stops it whenever restic's run ends.
 */
#define RESTIC_PROGRESS_MS   1000
#define RESTIC_MEASURE_CHUNK 2000

struct restic_progress {
    struct loop *loop;
    bool running;   /* started and not stopped (report may stop it) */
    uint64_t timer; /* the next second, or the next chunk of a pass */
    const struct vec *items;
    size_t measure_max;
    size_t at; /* the pass: where it is and what it summed */
    uint64_t sum;
    uint64_t (*one)(void *arg, const void *item);
    void (*report)(void *arg, bool measured, uint64_t sum);
    void *arg;
};

void restic_progress_start(struct restic_progress *p, struct loop *loop, const struct vec *items,
                           size_t measure_max, uint64_t (*one)(void *arg, const void *item),
                           void (*report)(void *arg, bool measured, uint64_t sum), void *arg);
/*
 * No more ticks nor chunks (a pass under way is dropped); may be called from
 * report. Stopped or never started: no-op.
 */
void restic_progress_stop(struct restic_progress *p);

/*
 * The rate (bytes/s) and ETA (s, -1 when done passed scope) of done bytes
 * of scope after ms; left as they are while ms or done is 0.
 */
void restic_progress_rate(int64_t ms, uint64_t done, uint64_t scope, double *rate, int64_t *eta_s);

#endif
