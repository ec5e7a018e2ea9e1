/* Wording and colouring decisions of the repo views. */
#include "tui/fmt.h"

#include <stdio.h>
#include <string.h>

#include "backend/base/str.h"
#include "backend/config.h"

enum theme_el fmt_age_el(enum health h)
{
    switch (h) {
    case HEALTH_OK:
        return EL_AGE_FRESH;
    case HEALTH_WARN:
        return EL_AGE_STALE;
    case HEALTH_CRIT:
        return EL_AGE_CRIT;
    case HEALTH_UNKNOWN:
        break;
    }
    return EL_STATUS_UNKNOWN;
}

enum theme_el fmt_status_el(enum health h)
{
    switch (h) {
    case HEALTH_OK:
        return EL_STATUS_OK;
    case HEALTH_WARN:
        return EL_STATUS_WARN;
    case HEALTH_CRIT:
        return EL_STATUS_CRIT;
    case HEALTH_UNKNOWN:
        break;
    }
    return EL_STATUS_UNKNOWN;
}

enum glyph fmt_health_glyph(enum health h)
{
    switch (h) {
    case HEALTH_OK:
        return G_OK;
    case HEALTH_WARN:
        return G_WARN;
    case HEALTH_CRIT:
        return G_CRIT;
    case HEALTH_UNKNOWN:
        break;
    }
    return G_UNKNOWN;
}

char *fmt_newest(const struct repo_view *rv, enum health h, time_t now, char *out, size_t n)
{
    char age[32];

    if (rv->state == REPO_UNKNOWN && !rv->newest)
        snprintf(out, n, "%s", glyph(G_UNKNOWN));
    else if (!rv->newest)
        snprintf(out, n, "none %s", glyph(fmt_health_glyph(h)));
    else
        snprintf(out, n, "%s %s", str_fmt_age((int64_t)(now - rv->newest), age, sizeof(age)),
                 glyph(fmt_health_glyph(h)));
    return out;
}

char *fmt_checked(const struct repo_view *rv, time_t now, char *out, size_t n)
{
    char age[32];

    if (!rv->fetched_at)
        snprintf(out, n, "never");
    else
        snprintf(out, n, "%s%s", str_fmt_age((int64_t)(now - rv->fetched_at), age, sizeof(age)),
                 rv->from_cache ? " cached" : "");
    return out;
}

/* The part of an error message after its "cannot ... 'name': " context. */
static const char *error_tail(const char *msg)
{
    const char *p = strstr(msg, "': ");

    return p ? p + 3 : msg;
}

char *fmt_state(const struct repo_view *rv, time_t now, int64_t now_ms, char *out, size_t n,
                enum theme_el *el)
{
    char age[32];

    if (rv->refreshing) {
        int64_t secs = (now_ms - rv->refresh_started_ms) / 1000;

        snprintf(out, n, "refreshing %s %llds", glyph(G_SPIN), (long long)(secs < 0 ? 0 : secs));
        *el = EL_SPINNER;
    } else if (rv->state == REPO_UNKNOWN) {
        snprintf(out, n, "not read yet");
        *el = EL_STATUS_UNKNOWN;
    } else if (rv->state == REPO_OK) {
        if (rv->lock_count) {
            snprintf(out, n, "ok, %d lock%s", rv->lock_count, rv->lock_count == 1 ? "" : "s");
            *el = EL_STATUS_WARN;
        } else {
            snprintf(out, n, "ok");
            *el = EL_STATUS_OK;
        }
    } else {
        *el = EL_STATUS_CRIT;
        switch (rv->error.code) {
        case LB_ELOCKED:
            if (rv->lock_holder[0] && rv->oldest_lock)
                snprintf(out, n, "locked by %s for %s", rv->lock_holder,
                         str_fmt_age((int64_t)(now - rv->oldest_lock), age, sizeof(age)));
            else
                snprintf(out, n, "%s", error_tail(rv->error.msg));
            break;
        case LB_EAUTH:
            snprintf(out, n, "wrong password");
            break;
        case LB_EUNREACHABLE:
            snprintf(out, n, "unreachable");
            break;
        case LB_ENOREPO:
            snprintf(out, n, "no repository there");
            break;
        case LB_EMISSING_TOOL:
            snprintf(out, n, "restic not installed");
            break;
        case LB_ETIMEOUT:
            snprintf(out, n, "timed out");
            break;
        case LB_EPERM:
            snprintf(out, n, "permission denied");
            break;
        default:
            snprintf(out, n, "%s", rv->error.msg[0] ? error_tail(rv->error.msg) : "failed");
            break;
        }
    }
    str_sanitize(out);
    return out;
}

char *fmt_redact_url(const char *url, char *out, size_t n)
{
    const char *scheme_end, *at, *slash, *colon;

    str_copy(out, n, url ? url : "");
    scheme_end = strstr(out, "://");
    if (scheme_end) {
        const char *host = scheme_end + 3;

        slash = strchr(host, '/');
        at = strchr(host, '@');
        if (at && (!slash || at < slash)) {
            colon = memchr(host, ':', (size_t)(at - host));
            if (colon) {
                /* user:password@ -> user:***@ */
                char rest[1024];

                str_copy(rest, sizeof(rest), at);
                snprintf(out + (colon - out) + 1, n - (size_t)(colon - out) - 1, "***%s", rest);
            }
        }
    }
    str_sanitize(out);
    return out;
}

char *fmt_keep(const struct keep_policy *keep, char *out, size_t n)
{
    const struct {
        const char *name;
        int v;
    } rules[] = {
        { "last", keep->last },     { "hourly", keep->hourly },   { "daily", keep->daily },
        { "weekly", keep->weekly }, { "monthly", keep->monthly }, { "yearly", keep->yearly },
    };
    size_t used = 0;
    char within[32];

    out[0] = '\0';
    for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]) && used < n; i++) {
        if (!rules[i].v)
            continue;
        if (rules[i].v < 0)
            used += (size_t)snprintf(out + used, n - used, "%s%s=unlimited", used ? " " : "",
                                     rules[i].name);
        else
            used += (size_t)snprintf(out + used, n - used, "%s%s=%d", used ? " " : "",
                                     rules[i].name, rules[i].v);
    }
    if (keep->within && used < n)
        used += (size_t)snprintf(out + used, n - used, "%swithin=%s", used ? " " : "",
                                 str_fmt_age(keep->within, within, sizeof(within)));
    if (!out[0])
        snprintf(out, n, "not set");
    return out;
}
