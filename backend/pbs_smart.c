/* One disk's SMART as PBS reports it (pbs_smart.h, reference 4.12). */
#include "backend/pbs_smart.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/base/buf.h"
#include "backend/base/str.h"
#include "backend/base/xalloc.h"
#include "backend/proxmox_json.h"

#define MAX_ATTRS 512 /* more than any drive has; a runaway answer is cut here */

static void attr_free(void *p)
{
    struct pbs_smart_attr *a = p;

    if (!a)
        return;
    free(a->name);
    free(a->flags);
    free(a->raw);
    free(a);
}

void pbs_smart_free(void *p)
{
    struct pbs_smart *s = p;

    if (!s)
        return;
    free(s->disk);
    free(s->status);
    vec_release(&s->attrs);
    free(s);
}

/* A finite number: a JSON number or a numeric string ("  5", "100.0"). */
static bool num(json_t *o, const char *key, double *out)
{
    json_t *v = json_object_get(o, key);

    if (json_is_number(v)) {
        *out = json_number_value(v);
        return isfinite(*out);
    }
    if (json_is_string(v)) {
        char tmp[64], *t, *end;

        if (!str_copy(tmp, sizeof(tmp), json_string_value(v)))
            return false;
        t = str_trim(tmp);
        if (!*t)
            return false;
        errno = 0;
        *out = strtod(t, &end);
        return !*end && !errno && isfinite(*out);
    }
    return false;
}

/* The raw text: a string as sent, a number as its decimal text; NULL when neither. */
static char *raw_text(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    char *s;

    if (json_is_string(v)) {
        s = xstrdup(json_string_value(v));
        str_sanitize(s);
        return s;
    }
    if (json_is_integer(v))
        return xasprintf("%lld", (long long)json_integer_value(v));
    if (json_is_real(v)) {
        double d = json_real_value(v);

        if (!isfinite(d))
            return NULL;
        return d == floor(d) && fabs(d) < 1e18 ? xasprintf("%.0f", d) : xasprintf("%g", d);
    }
    return NULL;
}

/* The number a raw text starts with: "37 (Min/Max 21/48)" -> 37, "0" -> 0. */
static bool raw_value(const char *raw, long long *out)
{
    char tmp[32];
    size_t n = 0;
    int64_t v;

    while (*raw == ' ')
        raw++;
    while (n + 1 < sizeof(tmp) && (raw[n] >= '0' && raw[n] <= '9'))
        n++;
    if (!n || n + 1 >= sizeof(tmp) || (raw[n] && raw[n] != ' '))
        return false;
    memcpy(tmp, raw, n);
    tmp[n] = '\0';
    if (str_to_i64(tmp, 0, INT64_MAX, &v) < 0)
        return false;
    *out = (long long)v;
    return true;
}

static struct pbs_smart_attr *parse_attr(json_t *e)
{
    struct pbs_smart_attr *a;
    double d;

    if (!json_is_object(e))
        return NULL;
    a = xcalloc(1, sizeof(*a));
    a->name = pj_str(e, "name");
    if (!a->name)
        a->name = xstrdup("?");
    a->id = -1;
    if (num(e, "id", &d) && d >= 0 && d <= 255 && d == floor(d))
        a->id = (long long)d;
    a->flags = pj_str(e, "flags");
    a->has_normalized = num(e, "normalized", &a->normalized);
    a->has_worst = num(e, "worst", &a->worst);
    a->has_threshold = num(e, "threshold", &a->threshold);
    a->raw = raw_text(e, "raw");
    if (!a->raw)
        a->raw = raw_text(e, "value");
    if (!a->raw)
        a->raw = xstrdup("");
    a->has_value = raw_value(a->raw, &a->value);
    a->failing =
        a->has_normalized && a->has_threshold && a->threshold > 0 && a->normalized <= a->threshold;
    return a;
}

int pbs_parse_smart(const char *body, size_t len, struct vec *out, struct lb_err *err)
{
    json_t *root, *d, *attrs, *e, *w;
    struct pbs_smart *s;
    size_t i;
    int rc = pj_envelope(body, len, "the SMART data", &root, &d, err);

    if (rc || (rc = pj_want_object(d, "the SMART data", err)))
        goto out;
    attrs = json_object_get(d, "attributes");
    if (attrs && !json_is_array(attrs) && !json_is_null(attrs)) {
        rc = lb_err_set(err, LB_EPARSE, "the SMART data: \"attributes\" is not a list");
        goto out;
    }
    s = xcalloc(1, sizeof(*s));
    vec_init(&s->attrs, attr_free);
    s->status = pj_str(d, "status");
    if (!s->status) /* PVE's name for it, should a proxy answer in its words */
        s->status = pj_str(d, "health");
    if (!s->status)
        s->status = xstrdup("unknown");
    for (char *p = s->status; *p; p++) /* PVE says PASSED */
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    s->wearout = -1;
    w = json_object_get(d, "wearout");
    {
        double v;

        if ((json_is_number(w) || json_is_string(w)) && num(d, "wearout", &v) && v >= 0 && v <= 100)
            s->wearout = (int)(v + 0.5);
    }
    json_array_foreach(attrs, i, e) {
        struct pbs_smart_attr *a;

        if (s->attrs.len >= MAX_ATTRS)
            break;
        a = parse_attr(e);
        if (!a)
            continue;
        if (a->id >= 0 || a->has_normalized)
            s->ata = true;
        vec_push(&s->attrs, a);
    }
    vec_push(out, s);
out:
    json_decref(root);
    return rc;
}

struct pmx_call *pbs_get_smart(struct pmx_client *c, const char *disk, bool healthonly,
                               pmx_result_fn done, void *arg, struct lb_err *err)
{
    struct buf path = BUF_INIT(0);
    struct pmx_req r = { .need = "Sys.Audit on /system/disks",
                         .parse = pbs_parse_smart,
                         .item_free = pbs_smart_free };
    struct pmx_call *cl;

    if (!disk || !*disk || strchr(disk, '/')) {
        lb_err_set(err, LB_EUSAGE,
                   "a PBS disk is named as PBS lists it ('sda', 'nvme0n1'), not '%s'",
                   disk ? disk : "");
        return NULL;
    }
    buf_puts(&path, "/nodes/localhost/disks/smart?disk=");
    pmx_escape(&path, disk);
    if (healthonly)
        buf_puts(&path, "&healthonly=1");
    r.path = buf_cstr(&path);
    cl = pmx_call_start(c, &r, done, arg, err);
    buf_release(&path);
    return cl;
}

size_t pbs_smart_failing(const struct pbs_smart *s)
{
    size_t i, n = 0;
    const struct pbs_smart_attr *a;

    vec_foreach(&s->attrs, i, a) {
        n += a->failing;
    }
    return n;
}

int pbs_smart_level(const struct pbs_smart *s)
{
    if (!strcmp(s->status, "failed") || pbs_smart_failing(s))
        return 2;
    return strcmp(s->status, "passed") ? 1 : 0;
}
