/*
 * Retention input and output JSON (see retention_json.h). The only jansson
 * user of the retention code; the engine itself stays pure.
 */
#include "backend/retention_json.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/base/buf.h"
#include "backend/base/xalloc.h"

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Strings of a JSON array (null or missing = empty). -1 when not an array of strings. */
static int string_array(json_t *v, char ***out, size_t *n)
{
    size_t i;
    json_t *e;

    *out = NULL;
    *n = 0;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_array(v))
        return -1;
    *out = xcalloc(json_array_size(v) + 1, sizeof(char *));
    json_array_foreach(v, i, e)
    {
        if (!json_is_string(e))
            return -1;
        (*out)[(*n)++] = xstrdup(json_string_value(e));
    }
    return 0;
}

static void free_strings(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* restic's group key and label: host + sorted paths (forget's default --group-by host,paths). */
static void restic_group_key(const char *host, char **paths, size_t n_paths, struct buf *key,
                             struct buf *label)
{
    char **sorted = xcalloc(n_paths + 1, sizeof(char *));

    memcpy(sorted, paths, n_paths * sizeof(char *));
    qsort(sorted, n_paths, sizeof(char *), cmp_str);
    buf_reset(key);
    buf_reset(label);
    /* length-prefixed parts: unambiguous whatever the names contain */
    buf_printf(key, "%zu:%s", strlen(host), host);
    if (*host)
        buf_printf(label, "host %s", host);
    if (n_paths)
        buf_printf(label, "%spath [", *host ? ", " : "");
    for (size_t i = 0; i < n_paths; i++) {
        buf_printf(key, "|%zu:%s", strlen(sorted[i]), sorted[i]);
        buf_printf(label, "%s%s", i ? " " : "", sorted[i]);
    }
    if (n_paths)
        buf_puts(label, "]");
    free(sorted);
}

static int parse_restic(struct retention_input *in, json_t *root, char **keys, char **labels,
                        struct lb_err *err)
{
    struct buf key = BUF_INIT(0), label = BUF_INIT(0);
    size_t i;
    json_t *e;
    int rc = 0;

    json_array_foreach(root, i, e)
    {
        struct retention_snap *s = &in->snaps[i];
        struct retention_item *it = &in->items[i];
        json_t *t = json_object_get(e, "time");
        json_t *sid = json_object_get(e, "short_id");
        json_t *id = json_object_get(e, "id");
        json_t *host = json_object_get(e, "hostname");
        char **paths = NULL;
        size_t n_paths = 0;
        int64_t sec;
        int32_t ns, off;

        in->n = i + 1;
        if (!json_is_object(e)) {
            rc = lb_err_set(err, LB_EPARSE, "snapshot %zu is not a JSON object", i + 1);
            goto out;
        }
        if (!json_is_string(t) || retention_parse_time(json_string_value(t), &sec, &ns, &off)) {
            rc = lb_err_set(err, LB_EPARSE,
                            "snapshot %zu: 'time' is missing or not an RFC 3339 time", i + 1);
            goto out;
        }
        if (!json_is_string(sid) && !json_is_string(id)) {
            rc = lb_err_set(err, LB_EPARSE, "snapshot %zu: no 'short_id' or 'id'", i + 1);
            goto out;
        }
        if (json_is_string(sid))
            it->id = xstrdup(json_string_value(sid));
        else
            it->id = xstrndup(json_string_value(id), 8);
        it->time = xstrdup(json_string_value(t));
        s->time = sec;
        s->nsec = ns;
        s->utc_offset = off;
        if (string_array(json_object_get(e, "tags"), &it->tags, &it->n_tags)) {
            rc = lb_err_set(err, LB_EPARSE, "snapshot %zu: 'tags' is not a list of strings", i + 1);
            goto out;
        }
        s->tags = (const char *const *)it->tags;
        s->n_tags = it->n_tags;
        if (string_array(json_object_get(e, "paths"), &paths, &n_paths)) {
            free_strings(paths, n_paths);
            rc = lb_err_set(err, LB_EPARSE, "snapshot %zu: 'paths' is not a list of strings",
                            i + 1);
            goto out;
        }
        restic_group_key(json_is_string(host) ? json_string_value(host) : "", paths, n_paths,
                         &key, &label);
        free_strings(paths, n_paths);
        keys[i] = buf_detach(&key);
        labels[i] = buf_detach(&label);
    }
out:
    buf_release(&key);
    buf_release(&label);
    return rc;
}

static int parse_proxmox(struct retention_input *in, json_t *root, char **keys, char **labels,
                         struct lb_err *err)
{
    size_t i;
    json_t *e;

    json_array_foreach(root, i, e)
    {
        struct retention_snap *s = &in->snaps[i];
        struct retention_item *it = &in->items[i];
        json_t *t = json_object_get(e, "backup-time");
        json_t *type = json_object_get(e, "backup-type");
        json_t *bid = json_object_get(e, "backup-id");
        json_t *ns = json_object_get(e, "ns");
        json_t *prot = json_object_get(e, "protected");
        json_t *inc = json_object_get(e, "incomplete");
        const char *ty = json_is_string(type) ? json_string_value(type) : "";
        const char *id = "";
        char idbuf[32];

        in->n = i + 1;
        if (!json_is_object(e))
            return lb_err_set(err, LB_EPARSE, "snapshot %zu is not a JSON object", i + 1);
        if (!json_is_integer(t))
            return lb_err_set(err, LB_EPARSE,
                              "snapshot %zu: 'backup-time' is missing or not epoch seconds", i + 1);
        if (json_is_string(bid)) {
            id = json_string_value(bid);
        } else if (json_is_integer(bid)) {
            snprintf(idbuf, sizeof(idbuf), "%" JSON_INTEGER_FORMAT, json_integer_value(bid));
            id = idbuf;
        }
        s->time = json_integer_value(t);
        s->nsec = 0;
        s->utc_offset = 0;
        s->is_protected = json_is_true(prot) || (json_is_integer(prot) && json_integer_value(prot));
        s->incomplete = json_is_true(inc) || (json_is_integer(inc) && json_integer_value(inc));
        if (*ty || *id)
            it->id = xasprintf("%s/%s/%" PRId64, ty, id, s->time);
        else
            it->id = xasprintf("%" PRId64, s->time);
        keys[i] = xasprintf("%s|%zu:%s|%s", json_is_string(ns) ? json_string_value(ns) : "",
                            strlen(ty), ty, id);
        if (json_is_string(ns) && *json_string_value(ns))
            labels[i] = xasprintf("ns %s, %s/%s", json_string_value(ns), ty, id);
        else
            labels[i] = xasprintf("%s/%s", ty, id);
    }
    return 0;
}

int retention_input_parse(struct retention_input *in, enum retention_engine engine,
                          const char *json, size_t len, struct lb_err *err)
{
    json_error_t jerr;
    json_t *root;
    char **keys = NULL, **labels = NULL;
    size_t n;
    int rc;

    memset(in, 0, sizeof(*in));
    in->engine = engine;
    root = json_loadb(json, len, JSON_DECODE_ANY, &jerr);
    if (!root)
        return lb_err_set(err, LB_EPARSE, "input is not JSON (line %d: %s)", jerr.line,
                          jerr.text);
    if (json_is_null(root)) {
        json_decref(root);
        return 0; /* restic prints null for no snapshots */
    }
    if (!json_is_array(root)) {
        json_decref(root);
        return lb_err_set(err, LB_EPARSE, "input is not a JSON array of snapshots");
    }
    n = json_array_size(root);
    in->snaps = xcalloc(n + 1, sizeof(*in->snaps));
    in->items = xcalloc(n + 1, sizeof(*in->items));
    keys = xcalloc(n + 1, sizeof(char *));
    labels = xcalloc(n + 1, sizeof(char *));
    if (engine == RETENTION_RESTIC)
        rc = parse_restic(in, root, keys, labels, err);
    else
        rc = parse_proxmox(in, root, keys, labels, err);
    if (rc == 0) {
        in->n_groups = retention_group(in->snaps, (const char *const *)keys, n);
        in->group_labels = xcalloc(in->n_groups + 1, sizeof(char *));
        for (size_t i = 0; i < n; i++) {
            uint32_t g = in->snaps[i].group;

            if (!in->group_labels[g]) {
                in->group_labels[g] = labels[i];
                labels[i] = NULL;
            }
        }
    }
    for (size_t i = 0; i < n; i++) {
        free(keys[i]);
        free(labels[i]);
    }
    free(keys);
    free(labels);
    json_decref(root);
    if (rc)
        retention_input_release(in);
    return rc;
}

void retention_input_release(struct retention_input *in)
{
    for (size_t i = 0; i < in->n; i++) {
        free(in->items[i].id);
        free(in->items[i].time);
        free_strings(in->items[i].tags, in->items[i].n_tags);
    }
    for (size_t g = 0; g < in->n_groups; g++)
        free(in->group_labels[g]);
    free(in->group_labels);
    free(in->items);
    free(in->snaps);
    memset(in, 0, sizeof(*in));
}

const char *retention_item_time(const struct retention_input *in, size_t i, char *buf, size_t n)
{
    const struct retention_snap *s = &in->snaps[i];
    struct retention_civil c;
    int off = s->utc_offset;

    if (in->items[i].time)
        return in->items[i].time;
    retention_civil(s->time, s->utc_offset, &c);
    if (off == 0)
        snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02dZ", c.year, c.month, c.day, c.hour,
                 c.minute, c.second);
    else
        snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", c.year, c.month, c.day,
                 c.hour, c.minute, c.second, off < 0 ? '-' : '+', abs(off) / 3600,
                 abs(off) % 3600 / 60);
    return buf;
}

static const char *mark_name(uint8_t mark)
{
    switch (mark) {
    case RETM_KEEP: return "keep";
    case RETM_REMOVE: return "remove";
    case RETM_PROTECTED: return "protected";
    case RETM_KEEP_PARTIAL: return "keep-partial";
    default: return "none";
    }
}

char *retention_output_json(const struct retention_input *in, const struct retention_policy *p)
{
    struct buf out = BUF_INIT(0);

    buf_puts(&out, "[");
    for (size_t i = 0; i < in->n; i++) {
        const struct retention_snap *s = &in->snaps[i];
        struct retention_reason_text rs[48];
        size_t nr = retention_reasons(in->engine, p, s, rs, 48);
        json_t *o = json_object();
        json_t *reasons = json_array();
        json_t *matches = json_array();
        char tbuf[64];
        char *line;

        for (size_t k = 0; k < nr; k++) {
            json_array_append_new(reasons, json_string(rs[k].name));
            json_array_append_new(matches, json_string(rs[k].text));
        }
        json_object_set_new(o, "id", json_string(in->items[i].id));
        json_object_set_new(o, "time", json_string(retention_item_time(in, i, tbuf, sizeof(tbuf))));
        json_object_set_new(o, "keep", json_boolean(s->keep));
        json_object_set_new(o, "reasons", reasons);
        json_object_set_new(o, "group", json_string(in->group_labels[s->group]));
        if (in->engine == RETENTION_RESTIC) {
            json_object_set_new(o, "matches", matches);
        } else {
            json_decref(matches);
            json_object_set_new(o, "mark", json_string(mark_name(s->mark)));
            json_object_set_new(o, "protected", json_boolean(s->is_protected));
        }
        line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
        buf_printf(&out, "%s\n%s", i ? "," : "", line ? line : "{}");
        free(line);
        json_decref(o);
    }
    buf_puts(&out, "\n]\n");
    return buf_detach(&out);
}
