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

#define ITER 2000000

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
    time_t t = 1795000000, next;
    double t0, el;
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
    t0 = now_s();
    for (long i = 0; i < ITER; i++) {
        const struct cal_event *e = ev[(size_t)i % NEV];

        /* walk forward so every call starts somewhere else */
        if (cal_next(e, t, &next) == 0) {
            sum += (uint64_t)next;
            t += 7919;
        }
    }
    el = now_s() - t0;
    printf("calendar next elapse, %zu events mixed, TZ=Europe/Berlin: %d in %.3f s = %.0f /s  "
           "target >= 1000000/s: %s (checksum %llu)\n",
           NEV, ITER, el, ITER / el, ITER / el >= 1e6 ? "met" : "MISSED",
           (unsigned long long)(sum % 1000));
    /* each event alone, to see where the time goes */
    for (size_t k = 0; k < NEV; k++) {
        long iter = ITER / 8;

        t = 1795000000;
        t0 = now_s();
        for (long i = 0; i < iter; i++) {
            if (cal_next(ev[k], t, &next) == 0) {
                sum += (uint64_t)next;
                t += 7919;
            }
        }
        el = now_s() - t0;
        printf("  %-30s %-8s %10.0f /s\n", events[k].expr,
               events[k].d == CAL_SYSTEMD ? "systemd" : "proxmox", iter / el);
    }
    for (size_t i = 0; i < NEV; i++)
        cal_free(ev[i]);
    return 0;
}
