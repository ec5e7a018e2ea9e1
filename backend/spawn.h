#ifndef LIFEBOAT_BACKEND_SPAWN_H
#define LIFEBOAT_BACKEND_SPAWN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend/base/buf.h"
#include "backend/base/err.h"

/*
 * Child jobs: argv only (no shell), non-blocking stdout/stderr pipes split into
 * lines, stdin from a buffer or /dev/null, environment control (secrets go in
 * the environment, never argv), a timeout with SIGTERM then SIGKILL, and
 * two-phase completion: on_exit runs once, after both pipes reached EOF *and*
 * the child was reaped (or kill_grace_ms after it was reaped, when a process it
 * left running still holds the pipes). Exec failure is reported through a CLOEXEC pipe.
 * The child runs in its own process group; cancel/timeout signal the group.
 */

struct loop;
struct spawn;

enum spawn_stream { SPAWN_STDOUT = 1, SPAWN_STDERR = 2 };

struct spawn_result {
    bool exited;        /* normal exit: status holds the code */
    int status;         /* exit code when exited */
    int signo;          /* terminating signal when !exited */
    bool timed_out;     /* killed because timeout_ms passed */
    bool cancelled;     /* killed by spawn_cancel() */
    int exec_errno;     /* exec failed (ENOENT: program not installed); 0 otherwise */
    bool output_capped; /* more output than max_output: the rest was dropped */
    int64_t duration_ms;
};

struct spawn_opts {
    const char *const *argv; /* argv[0] is searched in PATH */
    const char *cwd;         /* NULL: inherit */
    bool clear_env;          /* start from an empty environment (PATH is kept) */
    const char *const *env;  /* "NAME=value" to set, NULL-terminated; may be NULL */
    const char *const *unset_env; /* names to remove, NULL-terminated; may be NULL */
    const char *stdin_data;  /* bytes written to the child's stdin, then closed; NULL: /dev/null */
    size_t stdin_len;
    int64_t timeout_ms;      /* 0: none. Then SIGTERM, and SIGKILL kill_grace_ms later */
    int64_t kill_grace_ms;   /* 0: 3000 */
    size_t max_line;         /* longest line delivered whole (0: 64 KiB); longer ones are cut */
    size_t max_output;       /* total bytes read per stream before dropping (0: 64 MiB) */
    bool capture;            /* also keep stdout/stderr in spawn_stdout()/spawn_stderr() buffers */
    size_t capture_max;      /* cap of each capture buffer (0: 16 MiB) */

    /*
     * Called for each complete line (cut=true when longer than max_line). line is
     * NUL-terminated, without the newline (borrowed, valid during the call). May be NULL.
     */
    void (*on_line)(struct spawn *sp, enum spawn_stream stream, const char *line, size_t len,
                    bool cut, void *arg);
    /* Called once when the job is finished (see above). The spawn is freed after it returns. */
    void (*on_exit)(struct spawn *sp, const struct spawn_result *res, void *arg);
    void *arg;
};

/* Start a job. NULL and err filled when pipes or fork fail (exec failure comes via on_exit). */
struct spawn *spawn_start(struct loop *loop, const struct spawn_opts *opts, struct lb_err *err);
/* Ask the job to stop: SIGTERM now, SIGKILL after the grace period. on_exit still runs. */
void spawn_cancel(struct spawn *sp);
/*
 * Send signo to the job's process group now (e.g. SIGINT, which restic handles
 * by removing its lock and exiting 130). Nothing else changes: no timer, and
 * on_exit reports the exit as it happens. Use spawn_cancel() to make sure.
 */
void spawn_signal(struct spawn *sp, int signo);
int spawn_pid(const struct spawn *sp);
/* Captured output so far (borrowed, valid until on_exit returns). */
const struct buf *spawn_stdout(const struct spawn *sp);
const struct buf *spawn_stderr(const struct spawn *sp);

/*
 * Run a job to completion by turning the loop (for the CLI; the console must
 * use spawn_start). Captures both streams into out/err_out when non-NULL
 * (caller initialises them with their caps). Returns 0 when it ran (inspect
 * res), or a negative code with err filled when it could not start.
 */
int spawn_run_sync(struct loop *loop, const struct spawn_opts *opts, struct buf *out,
                   struct buf *err_out, struct spawn_result *res, struct lb_err *err);

#endif
