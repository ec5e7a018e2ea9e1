/*
 * Child jobs (after tmux job.c and git run-command.c).
 *
 * Everything the child needs (argv, environment, the candidate paths of the
 * program) is built before fork(); between fork() and exec the child makes
 * only async-signal-safe calls. The parent learns about exec failure through
 * a CLOEXEC pipe: EOF means exec succeeded, an int means errno.
 *
 * A job is finished when stdout, stderr and the exec pipe reached EOF and the
 * child was reaped (waitpid(pid, WNOHANG) on SIGCHLD, never blocking). Then
 * on_exit runs once and the job is freed.
 */
#include "backend/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backend/base/clock.h"
#include "backend/base/xalloc.h"
#include "backend/loop.h"

#define SPAWN_DEFAULT_GRACE_MS   3000
#define SPAWN_DEFAULT_MAX_OUTPUT ((size_t)64 << 20)
#define SPAWN_DEFAULT_CAPTURE    ((size_t)16 << 20)
#define SPAWN_READ_CHUNK         65536
#define SPAWN_READS_PER_TURN     16 /* a flooding child cannot starve the others */
#define SPAWN_DEFAULT_PATH       "/usr/local/bin:/usr/bin:/bin"

struct spawn_out {
    struct spawn *sp;
    enum spawn_stream which;
    int fd; /* -1 after EOF */
    size_t total;
    struct linesplit ls;
    struct buf capture;
};

struct spawn {
    struct loop *loop;
    pid_t pid;
    struct spawn_out out, err;

    int exec_fd;
    unsigned char exec_buf[sizeof(int)];
    size_t exec_got;

    int in_fd;
    char *in_data;
    size_t in_len, in_off;

    bool watching_chld;
    bool reaped;
    int wstatus;
    bool term_sent;
    uint64_t timeout_timer, kill_timer, abandon_timer;

    size_t max_output;
    int64_t kill_grace_ms;
    bool capture;
    int64_t start_ms;
    struct buf line; /* NUL-terminated copy of the line being delivered */
    struct spawn_result res;
    /*
     * While a callback of ours runs (on_line may turn the loop itself, e.g.
     * spawn_run_sync), the job must not be freed under our feet: hold counts
     * the frames in flight, and the finish waits until the last one returns.
     */
    int hold;
    bool finish_pending;

    void (*on_line)(struct spawn *sp, enum spawn_stream stream, const char *line, size_t len,
                    bool cut, void *arg);
    void (*on_exit)(struct spawn *sp, const struct spawn_result *res, void *arg);
    void *arg;
};

static void maybe_finish(struct spawn *sp);

static void close_fd(int *fd)
{
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

/* Keep our fds above 2 so the child's dup2() onto 0-2 never clobbers one of them. */
static int fd_high(int fd)
{
    int nfd;

    if (fd < 0 || fd > 2)
        return fd;
    nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    close(fd);
    return nfd;
}

static int pipe_high(int p[2], int flags)
{
    if (pipe2(p, flags) < 0)
        return -1;
    p[0] = fd_high(p[0]);
    p[1] = fd_high(p[1]);
    if (p[0] < 0 || p[1] < 0) {
        close_fd(&p[0]);
        close_fd(&p[1]);
        return -1;
    }
    return 0;
}

/* ---- environment and program lookup, all before fork() ---- */

static bool env_name_is(const char *entry, const char *name, size_t nlen)
{
    return !strncmp(entry, name, nlen) && entry[nlen] == '=';
}

static void env_remove(const char **envp, size_t *n, const char *name, size_t nlen)
{
    size_t i, j;

    for (i = j = 0; i < *n; i++)
        if (!env_name_is(envp[i], name, nlen))
            envp[j++] = envp[i];
    *n = j;
}

/* The child's environment: borrowed strings (new array), NULL-terminated. */
static const char **env_build(const struct spawn_opts *o, struct lb_err *err)
{
    size_t n = 0, cap = 1, i;
    const char **envp;

    for (i = 0; environ && environ[i]; i++)
        cap++;
    for (i = 0; o->env && o->env[i]; i++)
        cap++;
    envp = xcalloc(cap, sizeof(*envp));
    for (i = 0; environ && environ[i]; i++)
        if (!o->clear_env || env_name_is(environ[i], "PATH", 4))
            envp[n++] = environ[i];
    for (i = 0; o->unset_env && o->unset_env[i]; i++)
        env_remove(envp, &n, o->unset_env[i], strlen(o->unset_env[i]));
    for (i = 0; o->env && o->env[i]; i++) {
        const char *eq = strchr(o->env[i], '=');

        if (!eq || eq == o->env[i]) {
            /* Not printed: a misplaced value may be a secret. */
            lb_err_set(err, LB_EUSAGE, "cannot start '%s': environment entry %zu is not NAME=value",
                       o->argv[0], i + 1);
            free(envp);
            return NULL;
        }
        env_remove(envp, &n, o->env[i], (size_t)(eq - o->env[i]));
        envp[n++] = o->env[i];
    }
    envp[n] = NULL;
    return envp;
}

/* Paths to try for argv[0], like execvp() but with the child's PATH (new). */
static char **candidates_build(const char *prog, const char *const *envp)
{
    const char *path = SPAWN_DEFAULT_PATH, *p;
    size_t n = 1, i = 0;
    char **c;

    if (strchr(prog, '/')) {
        c = xcalloc(2, sizeof(*c));
        c[0] = xstrdup(prog);
        return c;
    }
    for (; *envp; envp++)
        if (env_name_is(*envp, "PATH", 4))
            path = *envp + 5;
    for (p = path; *p; p++)
        n += *p == ':';
    c = xcalloc(n + 1, sizeof(*c));
    for (p = path;; p++) {
        size_t len = strcspn(p, ":");

        c[i++] = len ? xasprintf("%.*s/%s", (int)len, p, prog) : xasprintf("./%s", prog);
        p += len;
        if (!*p)
            break;
    }
    return c;
}

static void strv_free(char **v)
{
    size_t i;

    for (i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
}

/* ---- the child, between fork() and exec: async-signal-safe calls only ---- */

static int move_fd(int fd, int to)
{
    return dup2(fd, to) < 0 ? -1 : 0; /* fd > 2 always (fd_high), so dup2 clears CLOEXEC */
}

__attribute__((noreturn)) static void child_run(const char *cwd, int in_fd, int out_fd, int err_fd,
                                                int exec_fd, char *const *cands, char *const *argv,
                                                char *const *envp, const sigset_t *oldmask)
{
    int e = 0;
    size_t i;
    bool eacces = false;

    loop_signals_child_reset();
    setpgid(0, 0);
    if (move_fd(in_fd, 0) < 0 || move_fd(out_fd, 1) < 0 || move_fd(err_fd, 2) < 0) {
        e = errno;
        goto fail;
    }
    /* Inherited descriptors (sockets, the console's files) must not leak into the child. */
    if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
        int fd;

        for (fd = 3; fd < 1024; fd++)
            fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
    loop_signals_restore(oldmask);
    if (cwd && chdir(cwd) < 0) {
        e = errno;
        goto fail;
    }
    e = ENOENT;
    for (i = 0; cands[i]; i++) {
        execve(cands[i], argv, envp);
        if (errno == EACCES)
            eacces = true;
        else if (errno != ENOENT && errno != ENOTDIR) {
            e = errno;
            break;
        }
    }
    if (eacces && e == ENOENT)
        e = EACCES;
fail:
    while (write(exec_fd, &e, sizeof(e)) < 0 && errno == EINTR)
        ;
    _exit(127);
}

/* ---- reading output ---- */

static void line_ready(const char *line, size_t len, bool cut, void *arg)
{
    struct spawn_out *o = arg;
    struct spawn *sp = o->sp;

    buf_reset(&sp->line);
    buf_append(&sp->line, line, len);
    sp->on_line(sp, o->which, buf_cstr(&sp->line), len, cut, sp->arg);
}

static void out_take(struct spawn_out *o, const char *data, size_t n)
{
    struct spawn *sp = o->sp;
    size_t keep = 0;

    if (o->total < sp->max_output)
        keep = sp->max_output - o->total < n ? sp->max_output - o->total : n;
    o->total = o->total + n < o->total ? (size_t)-1 : o->total + n;
    if (keep < n)
        sp->res.output_capped = true; /* keep draining so the child never blocks on a full pipe */
    if (!keep)
        return;
    if (sp->capture)
        buf_append(&o->capture, data, keep);
    if (sp->on_line)
        linesplit_feed(&o->ls, data, keep);
}

static void out_eof(struct spawn_out *o)
{
    if (o->fd < 0)
        return;
    loop_del_fd(o->sp->loop, o->fd);
    close_fd(&o->fd);
    if (o->sp->on_line)
        linesplit_flush(&o->ls);
}

static void out_readable(struct loop *loop, int fd, int revents, void *arg)
{
    struct spawn_out *o = arg;
    struct spawn *sp = o->sp;
    char chunk[SPAWN_READ_CHUNK];
    int round;

    (void)loop;
    (void)revents;
    sp->hold++;
    for (round = 0; round < SPAWN_READS_PER_TURN; round++) {
        ssize_t n = read(fd, chunk, sizeof(chunk));

        if (n > 0) {
            out_take(o, chunk, (size_t)n);
            if (o->fd != fd)
                break; /* a callback turned the loop and the stream ended meanwhile */
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        out_eof(o); /* EOF, or an error that ends the stream the same way */
        sp->finish_pending = true;
        break;
    }
    if (--sp->hold == 0 && sp->finish_pending)
        maybe_finish(sp);
}

/* Read what is buffered now (bounded), then close as if at EOF. */
static void out_drain(struct spawn_out *o)
{
    char chunk[SPAWN_READ_CHUNK];
    int round;

    for (round = 0; o->fd >= 0 && round < 4 * SPAWN_READS_PER_TURN; round++) {
        ssize_t n = read(o->fd, chunk, sizeof(chunk));

        if (n > 0)
            out_take(o, chunk, (size_t)n);
        else if (n < 0 && errno == EINTR)
            continue;
        else
            break;
    }
    out_eof(o);
}

static void exec_readable(struct loop *loop, int fd, int revents, void *arg)
{
    struct spawn *sp = arg;
    ssize_t n;

    (void)revents;
    for (;;) {
        n = read(fd, sp->exec_buf + sp->exec_got, sizeof(sp->exec_buf) - sp->exec_got);
        if (n > 0) {
            sp->exec_got += (size_t)n;
            if (sp->exec_got == sizeof(sp->exec_buf)) {
                memcpy(&sp->res.exec_errno, sp->exec_buf, sizeof(int));
                break;
            }
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        break;
    }
    loop_del_fd(loop, fd);
    close_fd(&sp->exec_fd);
    maybe_finish(sp);
}

/* ---- stdin ---- */

static void stdin_close(struct spawn *sp)
{
    if (sp->in_fd >= 0) {
        loop_del_fd(sp->loop, sp->in_fd);
        close_fd(&sp->in_fd);
    }
    if (sp->in_data) {
        explicit_bzero(sp->in_data, sp->in_len); /* may hold a password */
        free(sp->in_data);
        sp->in_data = NULL;
    }
}

static void stdin_writable(struct loop *loop, int fd, int revents, void *arg)
{
    struct spawn *sp = arg;

    (void)loop;
    (void)revents;
    while (sp->in_off < sp->in_len) {
        ssize_t n = write(fd, sp->in_data + sp->in_off, sp->in_len - sp->in_off);

        if (n > 0) {
            sp->in_off += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        break; /* EPIPE: the child does not read its input */
    }
    stdin_close(sp);
}

/* ---- reaping, killing, finishing ---- */

static void on_sigchld(struct loop *loop, int signo, void *arg);
static void on_abandon(struct loop *loop, void *arg);

static void unwatch_chld(struct spawn *sp)
{
    if (sp->watching_chld) {
        loop_unwatch_signal(sp->loop, SIGCHLD, on_sigchld, sp);
        sp->watching_chld = false;
    }
}

static void try_reap(struct spawn *sp)
{
    int st = 0;
    pid_t r;

    if (sp->reaped)
        return;
    do
        r = waitpid(sp->pid, &st, WNOHANG);
    while (r < 0 && errno == EINTR);
    if (r == 0)
        return;
    sp->reaped = true;
    sp->wstatus = r == sp->pid ? st : -1; /* -1: reaped elsewhere, status unknown */
    unwatch_chld(sp);
    /*
     * Output still buffered in the pipes arrives in the next turns. If they
     * stay open for the grace period, something the child left running
     * holds them: stop waiting for it then (on_abandon).
     */
    if ((sp->out.fd >= 0 || sp->err.fd >= 0) && !sp->abandon_timer)
        sp->abandon_timer = loop_add_timer(sp->loop, sp->kill_grace_ms, on_abandon, sp);
}

static void on_sigchld(struct loop *loop, int signo, void *arg)
{
    struct spawn *sp = arg;

    (void)loop;
    (void)signo;
    try_reap(sp);
    maybe_finish(sp);
}

static void signal_group(struct spawn *sp, int sig)
{
    /*
     * The group id stays ours while any member lives; once the child is
     * reaped and its pipes are closed there is nothing left to signal.
     */
    if (sp->reaped && sp->out.fd < 0 && sp->err.fd < 0)
        return;
    if (kill(-sp->pid, sig) < 0 && !sp->reaped)
        kill(sp->pid, sig);
}

static void on_abandon(struct loop *loop, void *arg)
{
    struct spawn *sp = arg;

    (void)loop;
    sp->abandon_timer = 0;
    try_reap(sp);
    if (!sp->reaped)
        return; /* SIGCHLD will come */
    /* Reaped, but a leftover process still holds the pipes: take what is there, stop waiting. */
    sp->hold++; /* out_drain calls on_line, which may turn the loop */
    out_drain(&sp->out);
    out_drain(&sp->err);
    if (sp->exec_fd >= 0) {
        loop_del_fd(sp->loop, sp->exec_fd);
        close_fd(&sp->exec_fd);
    }
    sp->hold--;
    maybe_finish(sp);
}

static void on_kill(struct loop *loop, void *arg)
{
    struct spawn *sp = arg;

    sp->kill_timer = 0;
    signal_group(sp, SIGKILL);
    if (!sp->abandon_timer)
        sp->abandon_timer = loop_add_timer(loop, sp->kill_grace_ms, on_abandon, sp);
}

static void terminate(struct spawn *sp)
{
    if (sp->term_sent)
        return;
    sp->term_sent = true;
    signal_group(sp, SIGTERM);
    sp->kill_timer = loop_add_timer(sp->loop, sp->kill_grace_ms, on_kill, sp);
}

static void on_timeout(struct loop *loop, void *arg)
{
    struct spawn *sp = arg;

    (void)loop;
    sp->timeout_timer = 0;
    if (sp->term_sent)
        return;
    sp->res.timed_out = true;
    terminate(sp);
}

static void spawn_destroy(struct spawn *sp)
{
    loop_cancel_timer(sp->loop, sp->timeout_timer);
    loop_cancel_timer(sp->loop, sp->kill_timer);
    loop_cancel_timer(sp->loop, sp->abandon_timer);
    unwatch_chld(sp);
    stdin_close(sp);
    if (sp->out.fd >= 0)
        loop_del_fd(sp->loop, sp->out.fd);
    if (sp->err.fd >= 0)
        loop_del_fd(sp->loop, sp->err.fd);
    if (sp->exec_fd >= 0)
        loop_del_fd(sp->loop, sp->exec_fd);
    close_fd(&sp->out.fd);
    close_fd(&sp->err.fd);
    close_fd(&sp->exec_fd);
    linesplit_release(&sp->out.ls);
    linesplit_release(&sp->err.ls);
    buf_release(&sp->out.capture);
    buf_release(&sp->err.capture);
    buf_release(&sp->line);
    free(sp);
}

static void maybe_finish(struct spawn *sp)
{
    if (sp->hold > 0) {
        sp->finish_pending = true; /* the frame holding it finishes the job */
        return;
    }
    sp->finish_pending = false;
    if (sp->out.fd >= 0 || sp->err.fd >= 0 || sp->exec_fd >= 0)
        return;
    try_reap(sp); /* the pipes usually close as the child exits */
    if (!sp->reaped)
        return;
    if (sp->wstatus >= 0 && WIFEXITED(sp->wstatus)) {
        sp->res.exited = true;
        sp->res.status = WEXITSTATUS(sp->wstatus);
    } else if (sp->wstatus >= 0 && WIFSIGNALED(sp->wstatus)) {
        sp->res.signo = WTERMSIG(sp->wstatus);
    }
    sp->res.duration_ms = clock_mono_ms() - sp->start_ms;
    if (sp->on_exit)
        sp->on_exit(sp, &sp->res, sp->arg);
    spawn_destroy(sp);
}

/* ---- the API ---- */

static void out_init(struct spawn_out *o, struct spawn *sp, enum spawn_stream which,
                     const struct spawn_opts *opts)
{
    o->sp = sp;
    o->which = which;
    o->fd = -1;
    linesplit_init(&o->ls, opts->max_line, line_ready, o);
    buf_init(&o->capture, opts->capture_max ? opts->capture_max : SPAWN_DEFAULT_CAPTURE);
}

struct spawn *spawn_start(struct loop *loop, const struct spawn_opts *opts, struct lb_err *err)
{
    int outp[2] = { -1, -1 }, errp[2] = { -1, -1 }, execp[2] = { -1, -1 }, inp[2] = { -1, -1 };
    const char **envp = NULL;
    char **cands = NULL, **argv = NULL, **envv = NULL;
    struct spawn *sp = NULL;
    size_t argc = 0, envc = 0;
    sigset_t oldmask;
    pid_t pid;
    int e;

    if (!opts->argv || !opts->argv[0] || !opts->argv[0][0]) {
        lb_err_set(err, LB_EUSAGE, "cannot start a job: no program given");
        return NULL;
    }
    envp = env_build(opts, err);
    if (!envp)
        return NULL;
    cands = candidates_build(opts->argv[0], envp);
    /* execve() wants char *const[]: copy the pointer arrays, not the strings. */
    while (opts->argv[argc])
        argc++;
    argv = xcalloc(argc + 1, sizeof(*argv));
    memcpy(argv, opts->argv, argc * sizeof(*argv));
    while (envp[envc])
        envc++;
    envv = xcalloc(envc + 1, sizeof(*envv));
    memcpy(envv, envp, envc * sizeof(*envv));

    /*
     * Only our ends are non-blocking: O_NONBLOCK lives in the open file
     * description, and a child whose stdout gave EAGAIN would fail ("write
     * error") instead of waiting for us to drain the pipe.
     */
    if (pipe_high(outp, O_CLOEXEC) < 0 || pipe_high(errp, O_CLOEXEC) < 0 ||
        pipe_high(execp, O_CLOEXEC) < 0 || fcntl(outp[0], F_SETFL, O_NONBLOCK) < 0 ||
        fcntl(errp[0], F_SETFL, O_NONBLOCK) < 0)
        goto fail_errno;
    if (opts->stdin_data) {
        if (pipe_high(inp, O_CLOEXEC) < 0)
            goto fail_errno;
        if (fcntl(inp[1], F_SETFL, O_NONBLOCK) < 0)
            goto fail_errno;
    } else {
        inp[0] = fd_high(open("/dev/null", O_RDONLY | O_CLOEXEC));
        if (inp[0] < 0)
            goto fail_errno;
    }
    if (fcntl(execp[0], F_SETFL, O_NONBLOCK) < 0)
        goto fail_errno;

    sp = xcalloc(1, sizeof(*sp));
    sp->loop = loop;
    sp->exec_fd = -1;
    sp->in_fd = -1;
    sp->max_output = opts->max_output ? opts->max_output : SPAWN_DEFAULT_MAX_OUTPUT;
    sp->kill_grace_ms = opts->kill_grace_ms > 0 ? opts->kill_grace_ms : SPAWN_DEFAULT_GRACE_MS;
    sp->capture = opts->capture;
    sp->on_line = opts->on_line;
    sp->on_exit = opts->on_exit;
    sp->arg = opts->arg;
    buf_init(&sp->line, 0);
    out_init(&sp->out, sp, SPAWN_STDOUT, opts);
    out_init(&sp->err, sp, SPAWN_STDERR, opts);
    /* Watch SIGCHLD before fork(): a child that exits at once must not be missed. */
    if (loop_watch_signal(loop, SIGCHLD, on_sigchld, sp) < 0)
        goto fail_errno;
    sp->watching_chld = true;

    sp->start_ms = clock_mono_ms();
    loop_signals_block(&oldmask);
    pid = fork();
    if (pid == 0)
        child_run(opts->cwd, inp[0], outp[1], errp[1], execp[1], cands, argv, envv, &oldmask);
    e = errno;
    loop_signals_restore(&oldmask);
    if (pid < 0) {
        errno = e;
        goto fail_errno;
    }
    sp->pid = pid;
    setpgid(pid, pid); /* also here, so a cancel right now already reaches the group */

    close_fd(&outp[1]);
    close_fd(&errp[1]);
    close_fd(&execp[1]);
    close_fd(&inp[0]);
    sp->out.fd = outp[0];
    sp->err.fd = errp[0];
    sp->exec_fd = execp[0];
    loop_add_fd(loop, sp->out.fd, LOOP_READ, out_readable, &sp->out);
    loop_add_fd(loop, sp->err.fd, LOOP_READ, out_readable, &sp->err);
    loop_add_fd(loop, sp->exec_fd, LOOP_READ, exec_readable, sp);
    if (opts->stdin_data) {
        sp->in_fd = inp[1];
        inp[1] = -1;
        if (opts->stdin_len) {
            sp->in_data = xmalloc(opts->stdin_len);
            memcpy(sp->in_data, opts->stdin_data, opts->stdin_len);
            sp->in_len = opts->stdin_len;
            loop_add_fd(loop, sp->in_fd, LOOP_WRITE, stdin_writable, sp);
        } else {
            close_fd(&sp->in_fd); /* empty input: EOF at once */
        }
    }
    if (opts->timeout_ms > 0)
        sp->timeout_timer = loop_add_timer(loop, opts->timeout_ms, on_timeout, sp);

    free(envp);
    free(envv);
    free(argv);
    strv_free(cands);
    return sp;

fail_errno:
    lb_err_set(err, LB_EIO, "cannot start '%s': %s", opts->argv[0], strerror(errno));
    close_fd(&outp[0]);
    close_fd(&outp[1]);
    close_fd(&errp[0]);
    close_fd(&errp[1]);
    close_fd(&execp[0]);
    close_fd(&execp[1]);
    close_fd(&inp[0]);
    close_fd(&inp[1]);
    if (sp) {
        sp->reaped = true;
        spawn_destroy(sp);
    }
    free(envp);
    free(envv);
    free(argv);
    strv_free(cands);
    return NULL;
}

void spawn_cancel(struct spawn *sp)
{
    if (!sp || sp->term_sent)
        return;
    sp->res.cancelled = true;
    terminate(sp);
}

void spawn_signal(struct spawn *sp, int signo)
{
    if (sp)
        signal_group(sp, signo);
}

int spawn_pid(const struct spawn *sp)
{
    return (int)sp->pid;
}

const struct buf *spawn_stdout(const struct spawn *sp)
{
    return &sp->out.capture;
}

const struct buf *spawn_stderr(const struct spawn *sp)
{
    return &sp->err.capture;
}

/* ---- synchronous use (CLI) ---- */

struct spawn_sync {
    bool done;
    struct buf *out, *err_out;
    struct spawn_result res;
    const struct spawn_opts *user;
};

static void sync_line(struct spawn *sp, enum spawn_stream stream, const char *line, size_t len,
                      bool cut, void *arg)
{
    struct spawn_sync *s = arg;

    s->user->on_line(sp, stream, line, len, cut, s->user->arg);
}

static void sync_exit(struct spawn *sp, const struct spawn_result *res, void *arg)
{
    struct spawn_sync *s = arg;

    if (s->out)
        buf_append(s->out, sp->out.capture.data ? sp->out.capture.data : "", sp->out.capture.len);
    if (s->err_out)
        buf_append(s->err_out, sp->err.capture.data ? sp->err.capture.data : "",
                   sp->err.capture.len);
    s->res = *res;
    s->done = true;
    if (s->user->on_exit)
        s->user->on_exit(sp, res, s->user->arg);
}

int spawn_run_sync(struct loop *loop, const struct spawn_opts *opts, struct buf *out,
                   struct buf *err_out, struct spawn_result *res, struct lb_err *err)
{
    struct spawn_sync s = { false, out, err_out, { 0 }, opts };
    struct spawn_opts o = *opts;
    struct lb_err local;

    if (!err)
        err = &local;

    o.capture = opts->capture || out || err_out;
    o.on_line = opts->on_line ? sync_line : NULL;
    o.on_exit = sync_exit;
    o.arg = &s;
    if (!spawn_start(loop, &o, err))
        return -(int)err->code;
    while (!s.done)
        loop_run_once(loop, -1);
    if (res)
        *res = s.res;
    return 0;
}
