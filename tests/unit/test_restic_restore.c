/*
 * Unit tests for backend/restic_restore.c, the glue the cloud drill and
 * restore files share, on a real loop: the progress measure sums every item
 * over several loop turns (other timers run between its chunks) and reports
 * it, and goes on each second; with more items than its cap it reports time
 * only and measures nothing; stopped (also from inside its report) it
 * reports no more. The rate and ETA, and restic's stderr kept bounded.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "backend/base/buf.h"
#include "backend/base/vec.h"
#include "backend/base/xalloc.h"
#include "backend/loop.h"
#include "backend/restic_restore.h"

#define NITEMS 5000 /* three chunks of the pass */

struct fx {
    struct loop *loop;
    struct vec items; /* uint64_t * (the bytes of each "file") */
    struct restic_progress prog;
    /* what the measure did */
    size_t ones; /* one() calls */
    int reports, measured_reports;
    uint64_t last_sum;
    bool stop_in_report;
    /* a timer re-armed each time it runs: did the loop go on answering? */
    uint64_t ticker;
    int ticks;
    int tick_of_first, tick_of_last; /* at the pass's first and last item */
    size_t max_per_tick, this_tick_items;
    int this_tick;
};

static void tick(struct loop *loop, void *arg)
{
    struct fx *fx = arg;

    fx->ticks++;
    fx->ticker = loop_add_timer(loop, 0, tick, fx);
}

static uint64_t one(void *arg, const void *item)
{
    struct fx *fx = arg;

    if (fx->ones % NITEMS == 0)
        fx->tick_of_first = fx->ticks;
    if (fx->ones % NITEMS == NITEMS - 1)
        fx->tick_of_last = fx->ticks;
    if (fx->this_tick != fx->ticks) {
        fx->this_tick = fx->ticks;
        fx->this_tick_items = 0;
    }
    if (++fx->this_tick_items > fx->max_per_tick)
        fx->max_per_tick = fx->this_tick_items;
    fx->ones++;
    return *(const uint64_t *)item;
}

static void report(void *arg, bool measured, uint64_t sum)
{
    struct fx *fx = arg;

    fx->reports++;
    if (measured)
        fx->measured_reports++;
    fx->last_sum = sum;
    if (fx->stop_in_report)
        restic_progress_stop(&fx->prog);
}

static int setup(void **state)
{
    struct fx *fx = xcalloc(1, sizeof(*fx));

    fx->loop = loop_new();
    vec_init(&fx->items, free);
    for (uint64_t i = 1; i <= NITEMS; i++) {
        uint64_t *v = xcalloc(1, sizeof(*v));

        *v = i;
        vec_push(&fx->items, v);
    }
    fx->this_tick = -1;
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fx *fx = *state;

    restic_progress_stop(&fx->prog);
    if (fx->ticker)
        loop_cancel_timer(fx->loop, fx->ticker);
    vec_release(&fx->items);
    loop_free(fx->loop);
    free(fx);
    return 0;
}

/* Turn the loop until n reports came (bounded: a measure that never reports fails). */
static void run_until_reports(struct fx *fx, int n)
{
    int64_t give_up = loop_now_ms(fx->loop) + 20000;

    while (fx->reports < n && loop_now_ms(fx->loop) < give_up)
        loop_run_once(fx->loop, 2000);
}

static void test_pass_sums_every_item_over_several_turns(void **state)
{
    struct fx *fx = *state;
    const uint64_t want = (uint64_t)NITEMS * (NITEMS + 1) / 2;

    restic_progress_start(&fx->prog, fx->loop, &fx->items, 20000, one, report, fx);
    fx->ticker = loop_add_timer(fx->loop, 0, tick, fx);
    run_until_reports(fx, 1);
    assert_int_equal(fx->reports, 1);
    assert_int_equal(fx->measured_reports, 1);
    assert_true(fx->last_sum == want);
    assert_int_equal(fx->ones, NITEMS);
    /* the pass went a chunk per turn: the other timer ran between its first and last item */
    assert_true(fx->tick_of_last > fx->tick_of_first);
    assert_true(fx->max_per_tick <= RESTIC_MEASURE_CHUNK);
    loop_cancel_timer(fx->loop, fx->ticker);
    fx->ticker = 0;

    /* and it goes on: a second later, another whole pass */
    run_until_reports(fx, 2);
    assert_int_equal(fx->measured_reports, 2);
    assert_true(fx->last_sum == want);
    assert_int_equal(fx->ones, 2 * NITEMS);
}

static void test_over_the_cap_reports_time_only(void **state)
{
    struct fx *fx = *state;

    restic_progress_start(&fx->prog, fx->loop, &fx->items, NITEMS - 1, one, report, fx);
    run_until_reports(fx, 2);
    assert_int_equal(fx->reports, 2);
    assert_int_equal(fx->measured_reports, 0);
    assert_int_equal(fx->ones, 0);
}

static void test_stopped_reports_no_more(void **state)
{
    struct fx *fx = *state;

    /* stopped before the first second: nothing at all */
    restic_progress_start(&fx->prog, fx->loop, &fx->items, 20000, one, report, fx);
    restic_progress_stop(&fx->prog);
    assert_int_equal(loop_run_once(fx->loop, 1500) >= 0, 1); /* past the first second */
    assert_int_equal(fx->reports, 0);
    assert_int_equal(fx->ones, 0);

    /* stopped from inside its report (the engine's run ended there): no next pass */
    fx->stop_in_report = true;
    restic_progress_start(&fx->prog, fx->loop, &fx->items, 20000, one, report, fx);
    run_until_reports(fx, 1);
    assert_int_equal(fx->reports, 1);
    assert_false(fx->prog.timer);
    loop_run_once(fx->loop, 1500); /* past the next second */
    assert_int_equal(fx->reports, 1);
    assert_int_equal(fx->ones, NITEMS);
}

static void test_rate_and_eta(void **state)
{
    double rate = -7;
    int64_t eta = -7;

    (void)state;
    /* nothing measured yet (no time, no bytes): left as they were */
    restic_progress_rate(0, 100, 1000, &rate, &eta);
    restic_progress_rate(500, 0, 1000, &rate, &eta);
    assert_true(rate == -7 && eta == -7);
    /* 250 of 1000 bytes in 2 s: 125 B/s, 6 s to go */
    restic_progress_rate(2000, 250, 1000, &rate, &eta);
    assert_true(rate == 125.0);
    assert_int_equal(eta, 6);
    /* more than the scope (files grew): a rate, no ETA */
    restic_progress_rate(1000, 2000, 1000, &rate, &eta);
    assert_true(rate == 2000.0);
    assert_int_equal(eta, -1);
}

static void test_stderr_kept_bounded(void **state)
{
    struct buf b = BUF_INIT(RESTIC_ERR_TEXT_MAX + 512);
    char line[100];

    (void)state;
    memset(line, 'x', sizeof(line));
    restic_keep_stderr(&b, "Fatal: wrong password or no key found", 37);
    assert_string_equal(buf_cstr(&b), "Fatal: wrong password or no key found\n");
    for (int i = 0; i < 200; i++)
        restic_keep_stderr(&b, line, sizeof(line));
    /* the first lines stay whole; past the bound no more is kept */
    assert_true(b.len >= RESTIC_ERR_TEXT_MAX && b.len <= RESTIC_ERR_TEXT_MAX + sizeof(line) + 1);
    assert_true(!strncmp(buf_cstr(&b), "Fatal: wrong password", 21));
    buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_pass_sums_every_item_over_several_turns, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_over_the_cap_reports_time_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stopped_reports_no_more, setup, teardown),
        cmocka_unit_test(test_rate_and_eta),
        cmocka_unit_test(test_stderr_kept_bounded),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
