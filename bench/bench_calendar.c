/*
 * Calendar engine: next-elapse computations per second, for a mix of events
 * (daily, weekly, minutely, ranges and lists, a zoned one), in both dialects.
 * Target: >= 1,000,000 per second. Run by `make bench`.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "backend/base/err.h"
#include "backend/calendar.h"

#define ITER   2000000
#define ROUNDS 3
#define START  ((time_t)1795000000) /* late 2026 */
#define SPAN   (20L * 365 * 86400)

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const struct {
    const char *expr;
    enum cal_dialect d;
} events[] = {
    { "*-*-* 03:00", CAL_SYSTEMD },
    { "Sun 04:30", CAL_SYSTEMD },
    { "Mon..Fri *-*-* 08..18:00/15", CAL_SYSTEMD },
    { "*-*-1,15 02:30:00", CAL_SYSTEMD },
    { "minutely", CAL_SYSTEMD },
    { "sat 05:00", CAL_PROXMOX },
    { "mon..fri 21:00", CAL_PROXMOX },
    { "*/30", CAL_PROXMOX },
};
#define NEV (sizeof(events) / sizeof(events[0]))

int main(void)
{
    struct cal_event *ev[NEV];
    struct lb_err err = { 0 };
    time_t t, next;
    long misses = 0;
    double t0, el = 0;
    uint64_t sum = 0;

    setenv("TZ", "Europe/Berlin", 1);
    tzset();
    for (size_t i = 0; i < NEV; i++) {
        ev[i] = cal_parse(events[i].expr, events[i].d, &err);
        if (!ev[i]) {
            fprintf(stderr, "%s: %s\n", events[i].expr, err.msg);
            return 1;
        }
    }
    /* best of ROUNDS: the machine is shared, the best round is the engine's speed */
    for (int r = 0; r < ROUNDS; r++) {
        double round_el;

        t0 = now_s();
        for (long i = 0; i < ITER; i++) {
            const struct cal_event *e = ev[(size_t)i % NEV];

            /* start somewhere else every call, always within the next 20 years */
            t = START + (time_t)((i * 7919L) % SPAN);
            if (cal_next(e, t, &next) == 0)
                sum += (uint64_t)next;
            else
                misses++;
        }
        round_el = now_s() - t0;
        if (r == 0 || round_el < el)
            el = round_el;
    }
    printf(
        "calendar next elapse, %zu events mixed, TZ=Europe/Berlin: %d in %.3f s (best of 3) = %.0f /s  "
        "target >= 1000000/s: %s (checksum %llu)\n",
        NEV, ITER, el, ITER / el, ITER / el >= 1e6 ? "met" : "MISSED",
        (unsigned long long)(sum % 1000));
    if (misses) {
        fprintf(stderr, "%ld calls found no elapse: the figures are not valid\n", misses);
        return 1;
    }
    /* each event alone, to see where the time goes */
    for (size_t k = 0; k < NEV; k++) {
        long iter = ITER / 8;

        t0 = now_s();
        for (long i = 0; i < iter; i++) {
            t = START + (time_t)((i * 7919L) % SPAN);
            if (cal_next(ev[k], t, &next) == 0)
                sum += (uint64_t)next;
            else
                misses++;
        }
        el = now_s() - t0;
        printf("  %-30s %-8s %10.0f /s\n", events[k].expr,
               events[k].d == CAL_SYSTEMD ? "systemd" : "proxmox", iter / el);
    }
    for (size_t i = 0; i < NEV; i++)
        cal_free(ev[i]);
    return misses ? 1 : 0;
}
