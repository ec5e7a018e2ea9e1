/* Recent tasks of both products in one list, and the PBS disks (pmx_recent.h). */
#include "backend/pmx_recent.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "backend/base/str.h"
#include "backend/base/xalloc.h"
#include "backend/proxmox_json.h"

#define RECENT_VERSION 1

void pmx_recent_free(void *p)
{
    struct pmx_recent *r = p;

    if (!r)
        return;
    free(r->node);
    free(r->type);
    free(r->id);
    free(r->user);
    free(r->upid);
    free(r->status);
    free(r);
}

static char *dup_or(const char *s, const char *dflt)
{
    return xstrdup(s ? s : dflt);
}

void pmx_recent_add_pve(struct vec *rows, const struct vec *tasks)
{
    size_t i;
    const struct pmx_task_status *t;

    vec_foreach(tasks, i, t) {
        struct pmx_recent *r = xcalloc(1, sizeof(*r));
        struct pmx_upid u;

        r->product = PMX_PVE;
        r->upid = xstrdup(t->upid);
        r->node = dup_or(t->node, "");
        r->type = dup_or(t->type, "");
        r->id = dup_or(t->id, "");
        if (t->tokenid && t->user && !strchr(t->user, '!'))
            r->user = xasprintf("%s!%s", t->user, t->tokenid);
        else
            r->user = dup_or(t->user, "");
        r->started = t->starttime;
        if (!r->started && pmx_upid_parse(t->upid, &u, NULL) == 0)
            r->started = u.starttime;
        if (!t->running) {
            r->status = dup_or(t->exitstatus, "unknown");
            r->ended = t->endtime ? t->endtime : r->started;
        }
        vec_push(rows, r);
    }
}

void pmx_recent_add_pbs(struct vec *rows, const struct vec *tasks)
{
    size_t i;
    const struct pbs_task *t;

    vec_foreach(tasks, i, t) {
        struct pmx_recent *r = xcalloc(1, sizeof(*r));
        struct pmx_upid u;
        bool parsed = pmx_upid_parse(t->upid, &u, NULL) == 0;

        r->product = PMX_PBS;
        r->upid = xstrdup(t->upid);
        r->node = xstrdup(parsed ? u.node : "localhost"); /* the list says "localhost" */
        str_sanitize(r->node);
        r->type = dup_or(t->worker_type, "");
        r->id = dup_or(t->worker_id, "");
        r->user = dup_or(t->user, "");
        r->started = t->starttime ? t->starttime : parsed ? u.starttime : 0;
        if (t->status || t->endtime) {
            r->status = dup_or(t->status, "unknown");
            r->ended = t->endtime ? t->endtime : r->started;
        }
        vec_push(rows, r);
    }
}

static int newest_first(const void *a, const void *b)
{
    const struct pmx_recent *x = *(struct pmx_recent *const *)a;
    const struct pmx_recent *y = *(struct pmx_recent *const *)b;

    if (x->started != y->started)
        return x->started > y->started ? -1 : 1;
    return strcmp(y->upid, x->upid);
}

void pmx_recent_sort(struct vec *rows, size_t limit)
{
    if (rows->len > 1)
        qsort(rows->items, rows->len, sizeof(rows->items[0]), newest_first);
    while (limit && rows->len > limit)
        pmx_recent_free(vec_pop(rows));
}

enum pmx_outcome pmx_recent_outcome(const struct pmx_recent *r)
{
    enum pmx_outcome o = pmx_outcome_of(r->status);

    return o == PMX_UNKNOWN ? PMX_ERROR : o;
}

const char *pmx_recent_status(const struct pmx_recent *r)
{
    return r->status ? r->status : "running";
}

int pmx_recent_exit(const struct vec *rows)
{
    int rc = 0;
    size_t i;
    const struct pmx_recent *r;

    vec_foreach(rows, i, r) {
        enum pmx_outcome o = pmx_recent_outcome(r);

        if (o == PMX_ERROR)
            return 2;
        if (o == PMX_WARNINGS)
            rc = 1;
    }
    return rc;
}

int pmx_recent_product(const char *upid, enum pmx_product *out, struct lb_err *err)
{
    struct pmx_upid u;
    int rc = pmx_upid_parse(upid, &u, err);

    if (rc == 0)
        *out = u.product;
    return rc;
}

/* ---- the cache document ---- */

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

char *pmx_recent_encode(const struct vec *rows, const struct vec *disks)
{
    json_t *root = json_object(), *ta = json_array(), *da = json_array();
    size_t i;
    const struct pmx_recent *r;
    const struct pbs_disk *d;
    char *text;

    json_object_set_new(root, "version", json_integer(RECENT_VERSION));
    vec_foreach(rows, i, r) {
        json_t *o = json_object();

        json_object_set_new(o, "product", json_string(r->product == PMX_PBS ? "pbs" : "pve"));
        json_object_set_new(o, "node", json_string(r->node));
        json_object_set_new(o, "type", json_string(r->type));
        json_object_set_new(o, "id", json_string(r->id));
        json_object_set_new(o, "user", json_string(r->user));
        json_object_set_new(o, "upid", json_string(r->upid));
        json_object_set_new(o, "status", str_or_null(r->status));
        json_object_set_new(o, "started", json_integer((json_int_t)r->started));
        json_object_set_new(o, "ended", json_integer((json_int_t)r->ended));
        json_array_append_new(ta, o);
    }
    vec_foreach(disks, i, d) {
        json_t *o = json_object();

        json_object_set_new(o, "name", json_string(d->name));
        json_object_set_new(o, "used", str_or_null(d->used));
        json_object_set_new(o, "disk_type", str_or_null(d->disk_type));
        json_object_set_new(o, "status", str_or_null(d->status));
        json_object_set_new(o, "wearout", json_integer(d->wearout));
        json_object_set_new(o, "vendor", str_or_null(d->vendor));
        json_object_set_new(o, "model", str_or_null(d->model));
        json_object_set_new(o, "serial", str_or_null(d->serial));
        json_object_set_new(o, "devpath", str_or_null(d->devpath));
        json_object_set_new(o, "size", json_integer((json_int_t)d->size));
        json_array_append_new(da, o);
    }
    json_object_set_new(root, "tasks", ta);
    json_object_set_new(root, "disks", da);
    text = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    return text;
}

static char *get_str_or(json_t *o, const char *key, const char *dflt)
{
    char *s = pj_str(o, key);

    return s ? s : xstrdup(dflt);
}

int pmx_recent_decode(const char *doc, struct vec *rows, struct vec *disks, struct lb_err *err)
{
    json_error_t jerr;
    json_t *root = json_loads(doc, 0, &jerr), *o;
    size_t i;

    if (!json_is_object(root) || pj_int0(root, "version") != RECENT_VERSION) {
        json_decref(root);
        return lb_err_set(err, LB_EPARSE,
                          "the cached Proxmox task list is not in this version's form: it is "
                          "read again from the servers");
    }
    json_array_foreach(json_object_get(root, "tasks"), i, o) {
        struct pmx_recent *r;
        char *prod;

        if (!json_is_object(o) || !json_is_string(json_object_get(o, "upid")))
            continue;
        r = xcalloc(1, sizeof(*r));
        prod = pj_str(o, "product");
        r->product = prod && !strcmp(prod, "pbs") ? PMX_PBS : PMX_PVE;
        free(prod);
        r->upid = pj_str(o, "upid");
        r->node = get_str_or(o, "node", "");
        r->type = get_str_or(o, "type", "");
        r->id = get_str_or(o, "id", "");
        r->user = get_str_or(o, "user", "");
        r->status = pj_str(o, "status");
        r->started = (time_t)pj_int0(o, "started");
        r->ended = r->status ? (time_t)pj_int0(o, "ended") : 0;
        vec_push(rows, r);
    }
    json_array_foreach(json_object_get(root, "disks"), i, o) {
        struct pbs_disk *d;
        int64_t w;

        if (!json_is_object(o) || !json_is_string(json_object_get(o, "name")))
            continue;
        d = xcalloc(1, sizeof(*d));
        d->name = pj_str(o, "name");
        d->used = pj_str(o, "used");
        d->disk_type = pj_str(o, "disk_type");
        d->status = get_str_or(o, "status", "unknown");
        w = json_is_integer(json_object_get(o, "wearout")) ? pj_int0(o, "wearout") : -1;
        d->wearout = w >= 0 && w <= 100 ? (int)w : -1;
        d->vendor = pj_str(o, "vendor");
        d->model = pj_str(o, "model");
        d->serial = pj_str(o, "serial");
        d->devpath = pj_str(o, "devpath");
        d->size = (uint64_t)pj_int0(o, "size");
        vec_push(disks, d);
    }
    json_decref(root);
    return 0;
}

/* ---- PBS disks ---- */

bool pbs_disk_serial_match(const char *pbs_serial, const char *smart_serial)
{
    char a[128], b[128];
    char *x, *y;

    if (!pbs_serial || !smart_serial)
        return false;
    str_copy(a, sizeof(a), pbs_serial);
    str_copy(b, sizeof(b), smart_serial);
    x = str_trim(a);
    y = str_trim(b);
    return *x && *y && !strcasecmp(x, y);
}

int pbs_disk_level(const struct pbs_disk *d)
{
    if (d->status && !strcmp(d->status, "passed"))
        return 0;
    if (d->status && !strcmp(d->status, "failed"))
        return 2;
    return 1;
}

const char *pbs_disk_note(const struct pbs_disk *d)
{
    switch (pbs_disk_level(d)) {
    case 0:
        return "";
    case 2:
        return "the drive itself reports that it is failing: copy what is on it now and "
               "replace it";
    default:
        if (d->disk_type && !strcmp(d->disk_type, "usb"))
            return "PBS cannot read SMART through this USB bridge; lifeboat's own smartctl "
                   "with type = sat can";
        return "PBS could not read SMART of this disk (a USB bridge or RAID controller in "
               "the way?); lifeboat's own smartctl with type = sat can often read it";
    }
}
