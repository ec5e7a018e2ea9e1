#ifndef LIFEBOAT_BACKEND_FILL_H
#define LIFEBOAT_BACKEND_FILL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/*
 * The fill history of a [disk] mount and the date it fills up. Samples are
 * kept in the store (store_put_disk_fill: at most one an hour, one a day
 * after 30 days, a year in all); the estimate is a pure function over them.
 */

/* One sample: used bytes and the bytes that can be filled (used + available, as df counts). */
struct fill_sample {
    time_t at;
    uint64_t used;
    uint64_t total;
};

/* The window the estimate reads, and what it needs from it. */
#define FILL_WINDOW_S    (30 * 86400)
#define FILL_MIN_SAMPLES 3
#define FILL_MIN_SPAN_S  (2 * 86400)

struct fill_estimate {
    bool known;           /* false: too little data, or not growing */
    double bytes_per_day; /* least-squares growth (> 0 when known) */
    time_t full_at;       /* when used reaches total (the newest sample's time if already full) */
    double pct;           /* fill of the newest sample, percent */
};

/*
 * Estimate from samples (any order, n may be 0) the date the mount fills:
 * the least-squares slope of used over time across the samples within
 * FILL_WINDOW_S before now, run on from the newest sample to its total. Not
 * known with fewer than FILL_MIN_SAMPLES samples, a span under
 * FILL_MIN_SPAN_S, or a slope <= 0. Returns out->known.
 */
bool fill_estimate(const struct fill_sample *samples, size_t n, time_t now,
                   struct fill_estimate *out);

#endif
