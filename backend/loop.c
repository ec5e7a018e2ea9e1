/*
 * The reactor (after redis ae.c and tmux's libevent use): one poll() over the
 * registered fds, one-shot timers on the monotonic clock kept sorted by
 * (deadline, id) so equal deadlines fire in the order they were added, and a
 * self-pipe that turns signals into ordinary fd events.
 *
 * Callbacks may add and remove fds, timers and signal watchers, their own
 * included. Removal during a turn only marks the entry dead; dead entries are
 * compacted when no dispatch is running. Every registration carries a serial
 * number, so readiness seen by poll() is never delivered to a registration
 * that replaced a removed one on the same fd number.
 */
#include "backend/loop.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/base/clock.h"
#include "backend/base/log.h"
#include "backend/base/xalloc.h"

struct loop_fdreg {
    int fd;
    int events;
    loop_fd_cb cb;
    void *arg;
    uint64_t serial;
    bool dead;
};

struct loop_timer {
    int64_t deadline;
    uint64_t id;
    loop_timer_cb cb;
    void *arg;
};

struct loop_sigwatch {
    int signo;
    loop_signal_cb cb;
    void *arg;
    bool dead;
};

struct loop {
    struct loop_fdreg *fds;
    size_t nfds, capfds;
    uint64_t next_serial;

    struct loop_timer *timers; /* sorted by (deadline, id) */
    size_t ntimers, captimers;
    uint64_t next_timer_id;

    struct loop_sigwatch *sigs;
    size_t nsigs, capsigs;
    int sigpipe[2];

    loop_hook_cb before_sleep;
    void *before_sleep_arg;

    struct pollfd *pfds; /* scratch for one turn */
    uint64_t *pserial;
    size_t pcap;

    int depth; /* nesting of dispatch; entries are compacted at depth 0 */
    bool stopped;
    int64_t now;
};

/*
 * Signal state is process-wide: for each signal the write end of the pipe of
 * the loop that watches it (one loop per signal), and the action it replaced.
 */
#define LOOP_NSIG 65
static volatile sig_atomic_t sig_fd[LOOP_NSIG];
static bool sig_installed[LOOP_NSIG];
static struct sigaction sig_old[LOOP_NSIG];
static bool sig_fd_ready;

static void sig_table_init(void)
{
    int i;

    if (sig_fd_ready)
        return;
    for (i = 0; i < LOOP_NSIG; i++)
        sig_fd[i] = -1;
    sig_fd_ready = true;
}

static void on_signal(int signo)
{
    int saved = errno;
    unsigned char b = (unsigned char)signo;

    if (signo > 0 && signo < LOOP_NSIG && sig_fd[signo] >= 0) {
        ssize_t r = write(sig_fd[signo], &b, 1); /* full pipe: the wakeup is pending anyway */
        (void)r;
    }
    errno = saved;
}

struct loop *loop_new(void)
{
    struct loop *loop = xcalloc(1, sizeof(*loop));
    struct sigaction sa;

    sig_table_init();
    loop->sigpipe[0] = loop->sigpipe[1] = -1;
    loop->next_serial = 1;
    loop->next_timer_id = 1;
    loop->now = clock_mono_ms();

    /* A closed pipe or socket must give EPIPE, not kill lifeboat. */
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_IGN;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGPIPE, &sa, NULL);
    return loop;
}

static void sig_uninstall(struct loop *loop, int signo)
{
    if (!sig_installed[signo] || sig_fd[signo] != loop->sigpipe[1])
        return;
    sigaction(signo, &sig_old[signo], NULL);
    sig_installed[signo] = false;
    sig_fd[signo] = -1;
}

void loop_free(struct loop *loop)
{
    size_t i;

    if (!loop)
        return;
    for (i = 0; i < loop->nsigs; i++)
        if (!loop->sigs[i].dead)
            sig_uninstall(loop, loop->sigs[i].signo);
    if (loop->sigpipe[0] >= 0) {
        close(loop->sigpipe[0]);
        close(loop->sigpipe[1]);
    }
    free(loop->fds);
    free(loop->timers);
    free(loop->sigs);
    free(loop->pfds);
    free(loop->pserial);
    free(loop);
}

/* ---- fds ---- */

static struct loop_fdreg *fd_find(struct loop *loop, int fd)
{
    size_t i;

    for (i = 0; i < loop->nfds; i++)
        if (loop->fds[i].fd == fd && !loop->fds[i].dead)
            return &loop->fds[i];
    return NULL;
}

static struct loop_fdreg *fd_find_serial(struct loop *loop, uint64_t serial)
{
    size_t i;

    for (i = 0; i < loop->nfds; i++)
        if (loop->fds[i].serial == serial)
            return loop->fds[i].dead ? NULL : &loop->fds[i];
    return NULL;
}

static void compact(struct loop *loop)
{
    size_t i, j;

    if (loop->depth > 0)
        return;
    for (i = j = 0; i < loop->nfds; i++)
        if (!loop->fds[i].dead)
            loop->fds[j++] = loop->fds[i];
    loop->nfds = j;
    for (i = j = 0; i < loop->nsigs; i++)
        if (!loop->sigs[i].dead)
            loop->sigs[j++] = loop->sigs[i];
    loop->nsigs = j;
}

int loop_add_fd(struct loop *loop, int fd, int events, loop_fd_cb cb, void *arg)
{
    struct loop_fdreg *r;

    if (fd < 0 || !cb || fd_find(loop, fd))
        return -1;
    if (loop->nfds == loop->capfds) {
        loop->capfds = loop->capfds ? loop->capfds * 2 : 16;
        loop->fds = xrealloc(loop->fds, loop->capfds * sizeof(*loop->fds));
    }
    r = &loop->fds[loop->nfds++];
    r->fd = fd;
    r->events = events;
    r->cb = cb;
    r->arg = arg;
    r->serial = loop->next_serial++;
    r->dead = false;
    return 0;
}

void loop_mod_fd(struct loop *loop, int fd, int events)
{
    struct loop_fdreg *r = fd_find(loop, fd);

    if (r)
        r->events = events;
}

void loop_del_fd(struct loop *loop, int fd)
{
    struct loop_fdreg *r = fd_find(loop, fd);

    if (!r)
        return;
    r->dead = true;
    compact(loop);
}

/* ---- timers ---- */

uint64_t loop_add_timer(struct loop *loop, int64_t ms, loop_timer_cb cb, void *arg)
{
    struct loop_timer t;
    size_t lo, hi;

    if (ms < 0)
        ms = 0;
    t.deadline = clock_mono_ms() + ms;
    t.id = loop->next_timer_id++;
    t.cb = cb;
    t.arg = arg;
    if (loop->ntimers == loop->captimers) {
        loop->captimers = loop->captimers ? loop->captimers * 2 : 16;
        loop->timers = xrealloc(loop->timers, loop->captimers * sizeof(*loop->timers));
    }
    /* After every timer with deadline <= ours: ids only grow, so ties keep insertion order. */
    lo = 0;
    hi = loop->ntimers;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (loop->timers[mid].deadline <= t.deadline)
            lo = mid + 1;
        else
            hi = mid;
    }
    memmove(&loop->timers[lo + 1], &loop->timers[lo], (loop->ntimers - lo) * sizeof(t));
    loop->timers[lo] = t;
    loop->ntimers++;
    return t.id;
}

void loop_cancel_timer(struct loop *loop, uint64_t id)
{
    size_t i;

    if (!id)
        return;
    for (i = 0; i < loop->ntimers; i++) {
        if (loop->timers[i].id == id) {
            memmove(&loop->timers[i], &loop->timers[i + 1],
                    (loop->ntimers - i - 1) * sizeof(loop->timers[0]));
            loop->ntimers--;
            return;
        }
    }
}

/* Fire the timers due at loop->now that existed when this started. */
static int timers_fire(struct loop *loop)
{
    uint64_t limit = loop->next_timer_id;
    int fired = 0;

    while (loop->ntimers && loop->timers[0].deadline <= loop->now && loop->timers[0].id < limit) {
        struct loop_timer t = loop->timers[0];

        memmove(&loop->timers[0], &loop->timers[1], (loop->ntimers - 1) * sizeof(t));
        loop->ntimers--;
        t.cb(loop, t.arg);
        fired++;
    }
    return fired;
}

/* ---- signals ---- */

static void sigpipe_readable(struct loop *loop, int fd, int revents, void *arg)
{
    bool pending[LOOP_NSIG] = { false };
    unsigned char bytes[64];
    ssize_t n, k;
    int signo;

    (void)revents;
    (void)arg;
    while ((n = read(fd, bytes, sizeof(bytes))) > 0)
        for (k = 0; k < n; k++)
            if (bytes[k] < LOOP_NSIG)
                pending[bytes[k]] = true;
    for (signo = 1; signo < LOOP_NSIG; signo++) {
        size_t i, count;

        if (!pending[signo])
            continue;
        count = loop->nsigs; /* watchers added by a callback wait for the next signal */
        for (i = 0; i < count; i++) {
            struct loop_sigwatch w = loop->sigs[i];

            if (!w.dead && w.signo == signo)
                w.cb(loop, signo, w.arg);
        }
    }
}

static int sigpipe_open(struct loop *loop)
{
    if (loop->sigpipe[0] >= 0)
        return 0;
    if (pipe2(loop->sigpipe, O_CLOEXEC | O_NONBLOCK) < 0) {
        loop->sigpipe[0] = loop->sigpipe[1] = -1;
        return -1;
    }
    loop_add_fd(loop, loop->sigpipe[0], LOOP_READ, sigpipe_readable, NULL);
    return 0;
}

int loop_watch_signal(struct loop *loop, int signo, loop_signal_cb cb, void *arg)
{
    struct loop_sigwatch *w;

    if (signo <= 0 || signo >= LOOP_NSIG || !cb || sigpipe_open(loop) < 0)
        return -1;
    if (!sig_installed[signo] || sig_fd[signo] != loop->sigpipe[1]) {
        struct sigaction sa;

        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_signal;
        sigfillset(&sa.sa_mask);
        sa.sa_flags = SA_RESTART | (signo == SIGCHLD ? SA_NOCLDSTOP : 0);
        sig_fd[signo] = loop->sigpipe[1];
        if (sigaction(signo, &sa, sig_installed[signo] ? NULL : &sig_old[signo]) < 0) {
            sig_fd[signo] = -1;
            return -1;
        }
        sig_installed[signo] = true;
    }
    if (loop->nsigs == loop->capsigs) {
        loop->capsigs = loop->capsigs ? loop->capsigs * 2 : 8;
        loop->sigs = xrealloc(loop->sigs, loop->capsigs * sizeof(*loop->sigs));
    }
    w = &loop->sigs[loop->nsigs++];
    w->signo = signo;
    w->cb = cb;
    w->arg = arg;
    w->dead = false;
    return 0;
}

void loop_unwatch_signal(struct loop *loop, int signo, loop_signal_cb cb, void *arg)
{
    size_t i;
    bool others = false, found = false;

    for (i = 0; i < loop->nsigs; i++) {
        struct loop_sigwatch *w = &loop->sigs[i];

        if (w->dead || w->signo != signo)
            continue;
        if (!found && w->cb == cb && w->arg == arg) {
            w->dead = true;
            found = true;
        } else {
            others = true;
        }
    }
    if (found && !others)
        sig_uninstall(loop, signo);
    compact(loop);
}

void loop_signals_block(sigset_t *old)
{
    sigset_t all;

    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, old);
}

void loop_signals_restore(const sigset_t *old)
{
    sigprocmask(SIG_SETMASK, old, NULL);
}

void loop_signals_child_reset(void)
{
    struct sigaction sa;
    int signo;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    for (signo = 1; signo < LOOP_NSIG; signo++)
        if (sig_installed[signo] || signo == SIGPIPE)
            sigaction(signo, &sa, NULL);
}

/* ---- the turn ---- */

void loop_set_before_sleep(struct loop *loop, loop_hook_cb cb, void *arg)
{
    loop->before_sleep = cb;
    loop->before_sleep_arg = arg;
}

static int poll_timeout(struct loop *loop, int max_wait_ms)
{
    int64_t wait;

    if (!loop->ntimers)
        return max_wait_ms < 0 ? -1 : max_wait_ms;
    wait = loop->timers[0].deadline - clock_mono_ms();
    if (wait < 0)
        wait = 0;
    if (max_wait_ms >= 0 && wait > max_wait_ms)
        wait = max_wait_ms;
    return wait > INT_MAX ? INT_MAX : (int)wait;
}

int loop_run_once(struct loop *loop, int max_wait_ms)
{
    struct pollfd *pfds;
    uint64_t *pserial;
    size_t i, n = 0;
    int rc, dispatched = 0;
    /* A callback may turn the loop itself (spawn_run_sync): it gets its own arrays. */
    bool nested = loop->depth > 0;

    loop->depth++;
    if (loop->before_sleep)
        loop->before_sleep(loop, loop->before_sleep_arg);

    if (nested) {
        pfds = xcalloc(loop->nfds + 1, sizeof(*pfds));
        pserial = xcalloc(loop->nfds + 1, sizeof(*pserial));
    } else {
        if (loop->pcap < loop->nfds) {
            loop->pcap = loop->nfds;
            loop->pfds = xrealloc(loop->pfds, loop->pcap * sizeof(*loop->pfds));
            loop->pserial = xrealloc(loop->pserial, loop->pcap * sizeof(*loop->pserial));
        }
        pfds = loop->pfds;
        pserial = loop->pserial;
    }
    for (i = 0; i < loop->nfds; i++) {
        struct loop_fdreg *r = &loop->fds[i];

        if (r->dead)
            continue;
        pfds[n].fd = r->fd;
        pfds[n].events = (short)(((r->events & LOOP_READ) ? POLLIN : 0) |
                                 ((r->events & LOOP_WRITE) ? POLLOUT : 0));
        pfds[n].revents = 0;
        pserial[n] = r->serial;
        n++;
    }

    rc = poll(pfds, n, poll_timeout(loop, max_wait_ms));
    loop->now = clock_mono_ms();
    if (rc < 0 && errno != EINTR) {
        log_error("poll failed: %s", strerror(errno));
        dispatched = -1;
        goto out;
    }

    /* Entries may come and go while we dispatch: re-find each by serial. */
    for (i = 0; rc > 0 && i < n; i++) {
        short re = pfds[i].revents;
        struct loop_fdreg *r;
        int ev = 0;

        if (!re)
            continue;
        r = fd_find_serial(loop, pserial[i]);
        if (!r)
            continue;
        if (re & POLLIN)
            ev |= LOOP_READ;
        if (re & POLLOUT)
            ev |= LOOP_WRITE;
        if (re & (POLLERR | POLLHUP | POLLNVAL))
            ev |= LOOP_ERROR;
        r->cb(loop, r->fd, ev, r->arg);
        dispatched++;
        if (re & POLLNVAL) {
            /* Closed without loop_del_fd: drop it rather than spin on it. */
            r = fd_find_serial(loop, pserial[i]);
            if (r) {
                log_warn("loop: fd %d was closed while watched", r->fd);
                r->dead = true;
            }
        }
    }
    dispatched += timers_fire(loop);
out:
    if (nested) {
        free(pfds);
        free(pserial);
    }
    loop->depth--;
    compact(loop);
    return dispatched;
}

void loop_run(struct loop *loop)
{
    loop->stopped = false;
    while (!loop->stopped)
        if (loop_run_once(loop, -1) < 0)
            break;
}

void loop_stop(struct loop *loop)
{
    loop->stopped = true;
}

bool loop_stopped(const struct loop *loop)
{
    return loop->stopped;
}

int64_t loop_now_ms(struct loop *loop)
{
    return loop->now;
}
