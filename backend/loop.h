#ifndef LIFEBOAT_BACKEND_LOOP_H
#define LIFEBOAT_BACKEND_LOOP_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

/*
 * The reactor: one poll() over registered fds, monotonic one-shot timers, a
 * signal self-pipe and a before-sleep hook (where the console draws). Nothing
 * else in lifeboat waits. Single-threaded; callbacks may add and remove fds
 * and timers (including their own) freely.
 */

struct loop;

enum { LOOP_READ = 1, LOOP_WRITE = 2 };
/* revents passed to fd callbacks: LOOP_READ / LOOP_WRITE, plus LOOP_ERROR on POLLERR/POLLHUP/POLLNVAL */
enum { LOOP_ERROR = 4 };

typedef void (*loop_fd_cb)(struct loop *loop, int fd, int revents, void *arg);
typedef void (*loop_timer_cb)(struct loop *loop, void *arg);
typedef void (*loop_signal_cb)(struct loop *loop, int signo, void *arg);
typedef void (*loop_hook_cb)(struct loop *loop, void *arg);

struct loop *loop_new(void); /* new */
void loop_free(struct loop *loop);

/* Watch fd for events (LOOP_READ|LOOP_WRITE). One registration per fd. 0 or -1. */
int loop_add_fd(struct loop *loop, int fd, int events, loop_fd_cb cb, void *arg);
void loop_mod_fd(struct loop *loop, int fd, int events);
void loop_del_fd(struct loop *loop, int fd);

/* One-shot timer after ms milliseconds; returns an id > 0 for loop_cancel_timer. */
uint64_t loop_add_timer(struct loop *loop, int64_t ms, loop_timer_cb cb, void *arg);
void loop_cancel_timer(struct loop *loop, uint64_t id);

/*
 * Deliver signo through the self-pipe to cb (in loop context, never in the
 * handler). Several watchers of one signal are all called. SIGCHLD is used by
 * spawn.c. 0 or -1.
 */
int loop_watch_signal(struct loop *loop, int signo, loop_signal_cb cb, void *arg);
void loop_unwatch_signal(struct loop *loop, int signo, loop_signal_cb cb, void *arg);

/* Called once per turn, just before poll() sleeps. */
void loop_set_before_sleep(struct loop *loop, loop_hook_cb cb, void *arg);

/* One turn: dispatch ready fds, due timers and signals; wait at most max_wait_ms (-1: no limit). */
int loop_run_once(struct loop *loop, int max_wait_ms);
/* Run until loop_stop(). */
void loop_run(struct loop *loop);
void loop_stop(struct loop *loop);
bool loop_stopped(const struct loop *loop);

/* Milliseconds on the monotonic clock, cached per turn. */
int64_t loop_now_ms(struct loop *loop);

/*
 * For spawn.c around fork(): loop_signals_block() blocks every signal and
 * saves the previous mask in *old; loop_signals_restore() puts it back. In the
 * child, before exec, loop_signals_child_reset() returns every signal lifeboat
 * handles (and the ignored SIGPIPE) to its default. All async-signal-safe.
 */
void loop_signals_block(sigset_t *old);
void loop_signals_restore(const sigset_t *old);
void loop_signals_child_reset(void);

#endif
