#include "backend/base/str.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int str_to_i64(const char *s, int64_t min, int64_t max, int64_t *out)
{
    char *end;
    long long v;

    if (!s || !*s || isspace((unsigned char)*s))
        return -1;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int str_to_duration(const char *s, int64_t *seconds)
{
    int64_t total = 0;
    const char *p = s;

    if (!s || !*s)
        return -1;
    while (*p) {
        char *end;
        long long v;
        int64_t mul;

        if (!isdigit((unsigned char)*p))
            return -1;
        errno = 0;
        v = strtoll(p, &end, 10);
        if (errno || v < 0)
            return -1;
        switch (*end) {
        case '\0':
            if (p != s)
                return -1; /* "1d12" is ambiguous */
            mul = 1;
            break;
        case 's':
            mul = 1;
            break;
        case 'm':
            mul = 60;
            break;
        case 'h':
            mul = 3600;
            break;
        case 'd':
            mul = 86400;
            break;
        case 'w':
            mul = 7 * 86400;
            break;
        default:
            return -1;
        }
        if (v > INT64_MAX / mul / 2)
            return -1;
        total += v * mul;
        p = *end ? end + 1 : end;
    }
    *seconds = total;
    return 0;
}

int str_to_double(const char *s, double *out)
{
    char *end;
    double v;

    if (!s || !*s || isspace((unsigned char)*s))
        return -1;
    errno = 0;
    v = strtod(s, &end);
    if (errno || *end || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

int str_to_percent(const char *s, double *pct)
{
    char tmp[32];
    size_t n;
    double v;

    if (!s)
        return -1;
    n = strlen(s);
    if (!n || n >= sizeof(tmp))
        return -1;
    memcpy(tmp, s, n + 1);
    if (tmp[n - 1] == '%')
        tmp[n - 1] = '\0';
    if (str_to_double(tmp, &v) || v < 0 || v > 100)
        return -1;
    *pct = v;
    return 0;
}

bool str_starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool str_ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);

    return a >= b && memcmp(s + a - b, suffix, b) == 0;
}

char *str_trim(char *s)
{
    char *e;

    while (*s == ' ' || *s == '\t')
        s++;
    e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
        *--e = '\0';
    return s;
}

bool str_copy(char *dst, size_t n, const char *src)
{
    size_t len = strlen(src);

    if (!n)
        return false;
    if (len >= n) {
        memcpy(dst, src, n - 1);
        dst[n - 1] = '\0';
        return false;
    }
    memcpy(dst, src, len + 1);
    return true;
}

/* Length of the valid UTF-8 sequence at p, or 0. */
static size_t utf8_len(const unsigned char *p)
{
    size_t n, i;
    unsigned cp;

    if (p[0] < 0x80)
        return 1;
    if (p[0] >= 0xc2 && p[0] <= 0xdf) {
        n = 2;
        cp = p[0] & 0x1f;
    } else if (p[0] >= 0xe0 && p[0] <= 0xef) {
        n = 3;
        cp = p[0] & 0x0f;
    } else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
        n = 4;
        cp = p[0] & 0x07;
    } else {
        return 0;
    }
    for (i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    if (cp >= 0x80 && cp <= 0x9f) /* C1 controls */
        return 0;
    return n;
}

void str_sanitize(char *s)
{
    unsigned char *p = (unsigned char *)s;

    while (*p) {
        size_t n = utf8_len(p);

        if (n == 0) {
            *p++ = '?';
        } else if (n == 1) {
            if (*p < 0x20 || *p == 0x7f)
                *p = (*p == '\t') ? ' ' : '?';
            p++;
        } else {
            p += n;
        }
    }
}

char *str_fmt_age(int64_t s, char *out, size_t n)
{
    if (s < 0)
        snprintf(out, n, "future");
    else if (s < 60)
        snprintf(out, n, "%llds", (long long)s);
    else if (s < 3600)
        snprintf(out, n, "%lldm", (long long)(s / 60));
    else if (s < 2 * 86400)
        snprintf(out, n, "%lldh", (long long)(s / 3600));
    else if (s < 60 * 86400)
        snprintf(out, n, "%lldd", (long long)(s / 86400));
    else
        snprintf(out, n, "%lldw", (long long)(s / (7 * 86400)));
    return out;
}

char *str_fmt_duration(int64_t s, char *out, size_t n)
{
    long long v = s < 0 ? 0 : (long long)s;

    if (v < 60)
        snprintf(out, n, "%llds", v);
    else if (v < 3600)
        snprintf(out, n, v % 60 ? "%lldm%02llds" : "%lldm", v / 60, v % 60);
    else if (v < 86400)
        snprintf(out, n, (v / 60) % 60 ? "%lldh%02lldm" : "%lldh", v / 3600, (v / 60) % 60);
    else
        snprintf(out, n, (v / 3600) % 24 ? "%lldd %lldh" : "%lldd", v / 86400, (v / 3600) % 24);
    return out;
}

char *str_fmt_bytes(uint64_t bytes, char *out, size_t n)
{
    static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
    double v = (double)bytes;
    size_t u = 0;

    while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
        v /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(out, n, "%llu B", (unsigned long long)bytes);
    else if (v < 10)
        snprintf(out, n, "%.1f %s", v, units[u]);
    else
        snprintf(out, n, "%.0f %s", v, units[u]);
    return out;
}
