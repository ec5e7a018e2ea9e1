/*
 * Retention engines on 1,000,000 snapshots with a full policy (keep-last,
 * -hourly, -daily, -weekly, -monthly, -yearly), restic and proxmox engines,
 * against a plain qsort of the same 1M timestamps in the same binary.
 * Target: each engine within 3x of the sort. Run by `make bench`.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend/base/err.h"
#include "backend/retention.h"

#define N      1000000
#define ROUNDS 5

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

    return (x > y) - (x < y);
}

/* xorshift: the same shuffled history every run */
static uint64_t rng = 88172645463325252ull;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

int main(void)
{
    int64_t *times = malloc(N * sizeof(*times)), *sorted = malloc(N * sizeof(*sorted));
    struct retention_snap *snaps = calloc(N, sizeof(*snaps));
    struct retention_policy p;
    struct retention_result res;
    struct lb_err err = { 0 };
    double best_sort = 1e9, best[2] = { 1e9, 1e9 };
    size_t kept[2] = { 0, 0 };

    if (!times || !sorted || !snaps)
        return 1;
    /* ~1M snapshots every ~5 minutes over ~10 years, in random input order */
    for (size_t i = 0; i < N; i++)
        times[i] = 1500000000 + (int64_t)i * 300 + (int64_t)(next_rand() % 240);
    for (size_t i = N - 1; i > 0; i--) {
        size_t j = next_rand() % (i + 1);
        int64_t t = times[i];

        times[i] = times[j];
        times[j] = t;
    }
    memset(&p, 0, sizeof(p));
    p.restic_version = RETENTION_RESTIC_VERSION(0, 16);
    p.keep[RET_LAST] = 10;
    p.keep[RET_HOURLY] = 48;
    p.keep[RET_DAILY] = 30;
    p.keep[RET_WEEKLY] = 12;
    p.keep[RET_MONTHLY] = 24;
    p.keep[RET_YEARLY] = 10;

    for (int r = 0; r < ROUNDS; r++) {
        double t0;

        memcpy(sorted, times, N * sizeof(*times));
        t0 = now_s();
        qsort(sorted, N, sizeof(*sorted), cmp_i64);
        if (now_s() - t0 < best_sort)
            best_sort = now_s() - t0;
        for (int e = 0; e < 2; e++) {
            for (size_t i = 0; i < N; i++) {
                memset(&snaps[i], 0, sizeof(snaps[i]));
                snaps[i].time = times[i];
                snaps[i].utc_offset = 3600;
            }
            t0 = now_s();
            if (retention_plan(e ? RETENTION_PROXMOX : RETENTION_RESTIC, &p, snaps, N, times[0],
                               NULL, &res, &err)) {
                fprintf(stderr, "plan failed: %s\n", err.msg);
                return 1;
            }
            if (now_s() - t0 < best[e])
                best[e] = now_s() - t0;
            kept[e] = res.kept;
        }
    }
    printf("qsort of %d int64 timestamps:   %8.1f ms (best of %d)\n", N, best_sort * 1e3, ROUNDS);
    printf(
        "restic engine, full policy:     %8.1f ms  = %.2fx the sort (kept %zu)  target <= 3x: %s\n",
        best[0] * 1e3, best[0] / best_sort, kept[0], best[0] <= 3 * best_sort ? "met" : "MISSED");
    printf(
        "proxmox engine, full policy:    %8.1f ms  = %.2fx the sort (kept %zu)  target <= 3x: %s\n",
        best[1] * 1e3, best[1] / best_sort, kept[1], best[1] <= 3 * best_sort ? "met" : "MISSED");
    free(times);
    free(sorted);
    free(snaps);
    return 0;
}
