/*
 * When a mount fills up: a least-squares line through its recent fill
 * samples.
 */
#include "backend/fill.h"

#include <math.h>
#include <string.h>

bool fill_estimate(const struct fill_sample *s, size_t n, time_t now, struct fill_estimate *out)
{
    const struct fill_sample *newest = NULL;
    time_t first = 0, last = 0;
    double mt = 0, mu = 0, sxy = 0, sxx = 0, slope, left;
    size_t k = 0;

    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < n; i++) {
        if (s[i].at < now - FILL_WINDOW_S || s[i].at > now)
            continue;
        if (!k || s[i].at < first)
            first = s[i].at;
        if (!k || s[i].at >= last) {
            last = s[i].at;
            newest = &s[i];
        }
        k++;
    }
    if (!newest)
        return false;
    out->pct = newest->total ? 100.0 * (double)newest->used / (double)newest->total : 0;
    if (k < FILL_MIN_SAMPLES || last - first < FILL_MIN_SPAN_S)
        return false;
    /* times relative to the first sample keep the sums small and exact enough */
    for (size_t i = 0; i < n; i++) {
        if (s[i].at < now - FILL_WINDOW_S || s[i].at > now)
            continue;
        mt += (double)(s[i].at - first);
        mu += (double)s[i].used;
    }
    mt /= (double)k;
    mu /= (double)k;
    for (size_t i = 0; i < n; i++) {
        double dt, du;

        if (s[i].at < now - FILL_WINDOW_S || s[i].at > now)
            continue;
        dt = (double)(s[i].at - first) - mt;
        du = (double)s[i].used - mu;
        sxy += dt * du;
        sxx += dt * dt;
    }
    if (sxx <= 0)
        return false;
    slope = sxy / sxx; /* bytes a second */
    if (!(slope > 0) || !isfinite(slope))
        return false;
    out->known = true;
    out->bytes_per_day = slope * 86400.0;
    if (newest->used >= newest->total) {
        out->full_at = newest->at;
        return true;
    }
    left = (double)(newest->total - newest->used) / slope;
    /* beyond a century is "not in sight": clamp instead of overflowing time_t */
    if (left > 100.0 * 365 * 86400)
        left = 100.0 * 365 * 86400;
    out->full_at = newest->at + (time_t)ceil(left);
    return true;
}
