/* Unit tests for backend/loop: timers, fd readiness, changes during dispatch, signals, hooks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/loop.h"

/* ---- timers ---- */

struct order {
    int got[16];
    int n;
    struct loop *loop;
    uint64_t cancel_me;
};

struct tag {
    struct order *o;
    int id;
};

static void record_timer(struct loop *loop, void *arg)
{
    struct tag *t = arg;

    (void)loop;
    if (t->o->n < 16)
        t->o->got[t->o->n] = t->id;
    t->o->n++;
}

static void run_until(struct loop *loop, const int *counter, int want)
{
    int turns = 0;

    while (*counter < want && turns++ < 1000)
        loop_run_once(loop, 1000);
    assert_int_equal(*counter, want);
}

static void test_timers_fire_in_deadline_order(void **state)
{
    struct loop *loop = loop_new();
    struct order o = { { 0 }, 0, loop, 0 };
    struct tag t[7] = { { &o, 30 }, { &o, 10 }, { &o, 20 }, { &o, 11 },
                        { &o, 0 },  { &o, 15 }, { &o, 12 } };
    uint64_t cancelled;

    (void)state;
    loop_add_timer(loop, 30, record_timer, &t[0]);
    loop_add_timer(loop, 10, record_timer, &t[1]);
    loop_add_timer(loop, 20, record_timer, &t[2]);
    loop_add_timer(loop, 10, record_timer, &t[3]); /* same delay: after t[1] */
    loop_add_timer(loop, 0, record_timer, &t[4]);
    cancelled = loop_add_timer(loop, 15, record_timer, &t[5]);
    loop_add_timer(loop, 10, record_timer, &t[6]); /* same delay again: after t[3] */
    loop_cancel_timer(loop, cancelled);

    run_until(loop, &o.n, 6);
    assert_int_equal(o.got[0], 0);
    assert_int_equal(o.got[1], 10);
    assert_int_equal(o.got[2], 11);
    assert_int_equal(o.got[3], 12);
    assert_int_equal(o.got[4], 20);
    assert_int_equal(o.got[5], 30);
    /* Nothing left: the cancelled timer never fires. */
    loop_run_once(loop, 50);
    assert_int_equal(o.n, 6);
    loop_free(loop);
}

static void test_equal_deadlines_keep_insertion_order(void **state)
{
    struct loop *loop = loop_new();
    struct order o = { { 0 }, 0, loop, 0 };
    struct tag t[8];
    int i;

    (void)state;
    for (i = 0; i < 8; i++) {
        t[i].o = &o;
        t[i].id = i;
        loop_add_timer(loop, 5, record_timer, &t[i]);
    }
    run_until(loop, &o.n, 8);
    for (i = 0; i < 8; i++)
        assert_int_equal(o.got[i], i);
    loop_free(loop);
}

struct early {
    struct loop *loop;
    int64_t added_at;
    int64_t fired_at;
    int fired;
};

static void note_fire(struct loop *loop, void *arg)
{
    struct early *e = arg;

    e->fired_at = loop_now_ms(loop);
    e->fired++;
}

static void test_timer_never_fires_early(void **state)
{
    struct loop *loop = loop_new();
    struct early e = { loop, 0, 0, 0 };

    (void)state;
    e.added_at = loop_now_ms(loop);
    loop_add_timer(loop, 40, note_fire, &e);
    run_until(loop, &e.fired, 1);
    assert_true(e.fired_at - e.added_at >= 40);
    loop_free(loop);
}

static void cancel_other(struct loop *loop, void *arg)
{
    struct order *o = arg;

    loop_cancel_timer(loop, o->cancel_me);
    o->n += 100;
}

static void test_timer_callback_cancels_a_due_timer(void **state)
{
    struct loop *loop = loop_new();
    struct order o = { { 0 }, 0, loop, 0 };
    struct tag victim = { &o, 1 };

    (void)state;
    loop_add_timer(loop, 0, cancel_other, &o);
    o.cancel_me = loop_add_timer(loop, 0, record_timer, &victim);
    loop_run_once(loop, 100);
    loop_run_once(loop, 20);
    assert_int_equal(o.n, 100); /* cancel_other ran, the victim never did */
    loop_free(loop);
}

/* ---- fds ---- */

struct pipes {
    int a[2], b[2], c[2];
    int a_calls, b_calls, c_calls;
    bool swap; /* a's callback replaces b with c on the same fd number */
};

static void c_cb(struct loop *loop, int fd, int revents, void *arg)
{
    struct pipes *p = arg;
    char ch;

    (void)loop;
    (void)revents;
    p->c_calls++;
    assert_int_equal(read(fd, &ch, 1), 1);
}

static void a_cb(struct loop *loop, int fd, int revents, void *arg)
{
    struct pipes *p = arg;
    char ch;

    assert_true(revents & LOOP_READ);
    assert_int_equal(read(fd, &ch, 1), 1);
    p->a_calls++;
    /* Remove itself and the other (also ready) fd. */
    loop_del_fd(loop, fd);
    loop_del_fd(loop, p->b[0]);
    if (p->swap) {
        int old = p->b[0];

        close(p->b[0]);
        close(p->b[1]);
        assert_int_equal(pipe2(p->c, O_NONBLOCK | O_CLOEXEC), 0);
        assert_int_equal(p->c[0], old); /* the lowest free number: the one b had */
        assert_int_equal(loop_add_fd(loop, p->c[0], LOOP_READ, c_cb, p), 0);
        p->b[0] = p->b[1] = -1;
    }
}

static void b_cb(struct loop *loop, int fd, int revents, void *arg)
{
    struct pipes *p = arg;

    (void)loop;
    (void)fd;
    (void)revents;
    p->b_calls++;
}

static void test_fd_callback_removes_itself_and_another(void **state)
{
    struct loop *loop = loop_new();
    struct pipes p;

    (void)state;
    memset(&p, 0, sizeof(p));
    assert_int_equal(pipe2(p.a, O_NONBLOCK | O_CLOEXEC), 0);
    assert_int_equal(pipe2(p.b, O_NONBLOCK | O_CLOEXEC), 0);
    assert_int_equal(loop_add_fd(loop, p.a[0], LOOP_READ, a_cb, &p), 0);
    assert_int_equal(loop_add_fd(loop, p.b[0], LOOP_READ, b_cb, &p), 0);
    assert_int_equal(loop_add_fd(loop, p.b[0], LOOP_READ, b_cb, &p), -1); /* one per fd */

    /* Nothing written yet: nothing fires. */
    assert_int_equal(loop_run_once(loop, 0), 0);
    assert_int_equal(write(p.a[1], "x", 1), 1);
    assert_int_equal(write(p.b[1], "y", 1), 1);
    loop_run_once(loop, 1000);
    assert_int_equal(p.a_calls, 1);
    assert_int_equal(p.b_calls, 0); /* removed by a_cb before its turn came */
    assert_int_equal(write(p.a[1], "x", 1), 1);
    loop_run_once(loop, 20);
    assert_int_equal(p.a_calls, 1);
    assert_int_equal(p.b_calls, 0);

    close(p.a[0]);
    close(p.a[1]);
    close(p.b[0]);
    close(p.b[1]);
    loop_free(loop);
}

static void test_fd_reused_during_dispatch_gets_no_stale_event(void **state)
{
    struct loop *loop = loop_new();
    struct pipes p;

    (void)state;
    memset(&p, 0, sizeof(p));
    p.swap = true;
    assert_int_equal(pipe2(p.a, O_NONBLOCK | O_CLOEXEC), 0);
    assert_int_equal(pipe2(p.b, O_NONBLOCK | O_CLOEXEC), 0);
    assert_int_equal(loop_add_fd(loop, p.a[0], LOOP_READ, a_cb, &p), 0);
    assert_int_equal(loop_add_fd(loop, p.b[0], LOOP_READ, b_cb, &p), 0);
    assert_int_equal(write(p.a[1], "x", 1), 1);
    assert_int_equal(write(p.b[1], "y", 1), 1);
    loop_run_once(loop, 1000);
    assert_int_equal(p.a_calls, 1);
    assert_int_equal(p.b_calls, 0);
    assert_int_equal(p.c_calls, 0); /* b's readiness is not c's */
    assert_int_equal(write(p.c[1], "z", 1), 1);
    loop_run_once(loop, 1000);
    assert_int_equal(p.c_calls, 1);

    loop_del_fd(loop, p.c[0]);
    close(p.a[0]);
    close(p.a[1]);
    close(p.c[0]);
    close(p.c[1]);
    loop_free(loop);
}

struct wr {
    int writable, hup;
};

static void wr_cb(struct loop *loop, int fd, int revents, void *arg)
{
    struct wr *w = arg;

    if (revents & LOOP_WRITE)
        w->writable++;
    if (revents & LOOP_ERROR) {
        w->hup++;
        loop_del_fd(loop, fd);
    }
    loop_mod_fd(loop, fd, 0); /* no longer interested in writability */
}

static void test_write_interest_and_hangup(void **state)
{
    struct loop *loop = loop_new();
    struct wr w = { 0, 0 };
    int p[2];

    (void)state;
    assert_int_equal(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
    assert_int_equal(loop_add_fd(loop, p[1], LOOP_WRITE, wr_cb, &w), 0);
    loop_run_once(loop, 1000);
    assert_int_equal(w.writable, 1);
    loop_run_once(loop, 10);
    assert_int_equal(w.writable, 1); /* mod_fd(0) stopped it */
    close(p[0]);                     /* reader gone: error on the writer */
    loop_run_once(loop, 1000);
    assert_int_equal(w.hup, 1);
    close(p[1]);
    loop_free(loop);
}

/* A timer that re-arms itself at 0 ms must not starve fds. */
struct starve {
    int ticks;
    int reads;
    int wfd;
};

static void rearm(struct loop *loop, void *arg)
{
    struct starve *s = arg;

    s->ticks++;
    if (s->ticks == 3)
        assert_int_equal(write(s->wfd, "x", 1), 1);
    if (s->reads == 0 && s->ticks < 100000)
        loop_add_timer(loop, 0, rearm, s);
}

static void starve_read(struct loop *loop, int fd, int revents, void *arg)
{
    struct starve *s = arg;
    char ch;

    (void)revents;
    s->reads++;
    assert_int_equal(read(fd, &ch, 1), 1);
    loop_del_fd(loop, fd);
}

static void test_zero_timer_does_not_starve_fds(void **state)
{
    struct loop *loop = loop_new();
    struct starve s = { 0, 0, -1 };
    int p[2], turns = 0;

    (void)state;
    assert_int_equal(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
    s.wfd = p[1];
    loop_add_fd(loop, p[0], LOOP_READ, starve_read, &s);
    loop_add_timer(loop, 0, rearm, &s);
    while (s.reads == 0 && turns++ < 20)
        loop_run_once(loop, 1000);
    assert_int_equal(s.reads, 1);
    assert_true(s.ticks < 10); /* one tick per turn, the fd got its turn */
    loop_run_once(loop, 0);    /* the last armed timer fires and stops re-arming */
    assert_int_equal(loop_run_once(loop, 0), 0);
    close(p[0]);
    close(p[1]);
    loop_free(loop);
}

/* ---- signals ---- */

struct sigs {
    int first, second;
    int last_signo;
};

static void sig_first(struct loop *loop, int signo, void *arg)
{
    struct sigs *s = arg;

    (void)loop;
    s->first++;
    s->last_signo = signo;
}

static void sig_second(struct loop *loop, int signo, void *arg)
{
    struct sigs *s = arg;

    (void)loop;
    (void)signo;
    s->second++;
}

static void test_signal_through_self_pipe(void **state)
{
    struct loop *loop = loop_new();
    struct sigs s = { 0, 0, 0 };
    int turns = 0;

    (void)state;
    assert_int_equal(loop_watch_signal(loop, SIGUSR1, sig_first, &s), 0);
    assert_int_equal(loop_watch_signal(loop, SIGUSR1, sig_second, &s), 0);
    raise(SIGUSR1);
    /* The handler only wrote to the pipe: nothing ran yet. */
    assert_int_equal(s.first, 0);
    while (s.first == 0 && turns++ < 10)
        loop_run_once(loop, 1000);
    assert_int_equal(s.first, 1);
    assert_int_equal(s.second, 1);
    assert_int_equal(s.last_signo, SIGUSR1);

    loop_unwatch_signal(loop, SIGUSR1, sig_first, &s);
    raise(SIGUSR1);
    turns = 0;
    while (s.second == 1 && turns++ < 10)
        loop_run_once(loop, 1000);
    assert_int_equal(s.first, 1);
    assert_int_equal(s.second, 2);
    loop_unwatch_signal(loop, SIGUSR1, sig_second, &s);
    loop_free(loop);
}

/* ---- hook, run/stop ---- */

struct hook {
    int calls;
    int timers;
};

static void before_sleep(struct loop *loop, void *arg)
{
    struct hook *h = arg;

    (void)loop;
    h->calls++;
}

static void tick_then_stop(struct loop *loop, void *arg)
{
    struct hook *h = arg;

    if (++h->timers < 3)
        loop_add_timer(loop, 1, tick_then_stop, h);
    else
        loop_stop(loop);
}

static void test_before_sleep_and_run_stop(void **state)
{
    struct loop *loop = loop_new();
    struct hook h = { 0, 0 };

    (void)state;
    loop_set_before_sleep(loop, before_sleep, &h);
    loop_run_once(loop, 0);
    loop_run_once(loop, 0);
    assert_int_equal(h.calls, 2);

    loop_add_timer(loop, 1, tick_then_stop, &h);
    loop_run(loop);
    assert_true(loop_stopped(loop));
    assert_int_equal(h.timers, 3);
    assert_true(h.calls >= 5);
    loop_free(loop);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timers_fire_in_deadline_order),
        cmocka_unit_test(test_equal_deadlines_keep_insertion_order),
        cmocka_unit_test(test_timer_never_fires_early),
        cmocka_unit_test(test_timer_callback_cancels_a_due_timer),
        cmocka_unit_test(test_fd_callback_removes_itself_and_another),
        cmocka_unit_test(test_fd_reused_during_dispatch_gets_no_stale_event),
        cmocka_unit_test(test_write_interest_and_hangup),
        cmocka_unit_test(test_zero_timer_does_not_starve_fds),
        cmocka_unit_test(test_signal_through_self_pipe),
        cmocka_unit_test(test_before_sleep_and_run_stop),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
