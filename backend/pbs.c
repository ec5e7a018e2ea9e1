/*
 * Proxmox Backup Server adapter: paths and forms in, records out (see pbs.h
 * and the reference, section 4). PBS sends real JSON numbers and booleans but
 * serializes some absent values as null (comment, wearout, worker_id, GC upid).
 */
#include "backend/pbs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/base/buf.h"
#include "backend/base/str.h"
#include "backend/base/xalloc.h"
#include "backend/proxmox_json.h"

static time_t time_of(json_t *e, const char *key)
{
    int64_t v;

    return pj_int(e, key, &v) && v > 0 ? (time_t)v : 0;
}

static int datastore_item(json_t *e, size_t i, void *out, struct lb_err *err)
{
    struct pbs_datastore *ds = xcalloc(1, sizeof(*ds));

    ds->store = pj_str(e, "store");
    if (!ds->store) {
        pbs_datastore_free(ds);
        return lb_err_set(err, LB_EPARSE, "datastore %zu has no \"store\"", i + 1);
    }
    ds->comment = pj_str(e, "comment");
    ds->maintenance = pj_str(e, "maintenance");
    vec_push(out, ds);
    return 0;
}

int pbs_parse_datastores(const char *body, size_t len, struct vec *out, struct lb_err *err)
{
    return pj_each(body, len, "the datastore list", datastore_item, out, err);
}

int pbs_parse_status(const char *body, size_t len, struct vec *out, struct lb_err *err)
{
    json_t *root, *d;
    struct pbs_status *st;
    int rc = pj_envelope(body, len, "the datastore status", &root, &d, err);

    if (rc || (rc = pj_want_object(d, "the datastore status", err)))
        goto out;
    st = xcalloc(1, sizeof(*st));
    if (!pj_u64(d, "total", &st->total) || !pj_u64(d, "used", &st->used) ||
        !pj_u64(d, "avail", &st->avail)) {
        free(st);
        rc = lb_err_set(err, LB_EPARSE, "the datastore status lacks total/used/avail");
        goto out;
    }
    vec_push(out, st);
out:
    json_decref(root);
    return rc;
}

static int usage_item(json_t *e, size_t i, void *out, struct lb_err *err)
{
    struct pbs_usage *u = xcalloc(1, sizeof(*u));
    int64_t v;

    u->store = pj_str(e, "store");
    if (!u->store) {
        pbs_usage_free(u);
        return lb_err_set(err, LB_EPARSE, "datastore usage %zu has no \"store\"", i + 1);
    }
    u->known = pj_u64(e, "total", &u->total) && pj_u64(e, "used", &u->used) &&
               pj_u64(e, "avail", &u->avail);
    if (pj_int(e, "estimated-full-date", &v)) {
        u->has_estimate = true;
        u->estimated_full = (time_t)v;
    }
    u->error = pj_str(e, "error");
    vec_push(out, u);
    return 0;
}

int pbs_parse_usage(const char *body, size_t len, struct vec *out, struct lb_err *err)
{
    return pj_each(body, len, "the datastore usage", usage_item, out, err);
}

static bool backup_type_ok(const char *t)
{
    return !strcmp(t, "vm") || !strcmp(t, "ct") || !strcmp(t, "host");
}

static int group_item(json_t *e, size_t i, void *out, struct lb_err *err)
{
    struct pbs_group *g = xcalloc(1, sizeof(*g));
    int64_t n;

    g->id = pj_str(e, "backup-id");
    if (!pj_copy(e, "backup-type", g->type, sizeof(g->type)) || !backup_type_ok(g->type) ||
        !g->id) {
        pbs_group_free(g);
        return lb_err_set(err, LB_EPARSE, "group %zu lacks a valid backup-type or backup-id",
                          i + 1);
    }
    g->last_backup = time_of(e, "last-backup");
    if (pj_int(e, "backup-count", &n) && n >= 0 && n < INT32_MAX)
        g->count = (int)n;
    g->owner = pj_str(e, "owner");
    g->comment = pj_str(e, "comment");
    vec_push(out, g);
    return 0;
}

int pbs_parse_groups(const char *body, size_t len, struct vec *out, struct lb_err *err)
{
    return pj_each(body, len, "the backup group list", group_item, out, err);
}

static int snap_cmp(const void *a, const void *b)
{
    const struct pbs_snapshot *x = *(const struct pbs_snapshot *const *)a;
    const struct pbs_snapshot *y = *(const struct pbs_snapshot *const *)b;
    int c = strcmp(x->type, y->type);

    if (c)
        return c;
    if ((c = strcmp(x->id, y->id)))
        return c;
    return x->time < y->time ? -1 : x->time > y->time;
}

static int snapshot_item(json_t *e, size_t i, void *out, struct lb_err *err)
{
    struct pbs_snapshot *s = xcalloc(1, sizeof(*s));
    json_t *files = json_object_get(e, "files"), *f, *ver;
    size_t k;
    bool b;

    s->id = pj_str(e, "backup-id");
    s->time = time_of(e, "backup-time");
    if (!pj_copy(e, "backup-type", s->type, sizeof(s->type)) || !backup_type_ok(s->type) ||
        !s->id || !s->time) {
        pbs_snapshot_free(s);
        return lb_err_set(err, LB_EPARSE,
                          "snapshot %zu lacks a valid backup-type, backup-id or backup-time",
                          i + 1);
    }
    s->has_size = pj_u64(e, "size", &s->size);
    json_array_foreach(files, k, f) {
        const char *name = json_is_string(f) ? json_string_value(f)
                                             : json_string_value(json_object_get(f, "filename"));
        const char *mode = json_string_value(json_object_get(f, "crypt-mode"));

        if (name && !strcmp(name, "index.json.blob"))
            s->complete = true;
        if (mode && !strcmp(mode, "encrypt"))
            s->encrypted = true;
    }
    s->owner = pj_str(e, "owner");
    s->comment = pj_str(e, "comment");
    if (pj_bool(e, "protected", &b))
        s->is_protected = b;
    ver = json_object_get(e, "verification");
    if (json_is_object(ver)) {
        pj_copy(ver, "state", s->verify, sizeof(s->verify));
        s->verify_upid = pj_str(ver, "upid");
    }
    if (json_object_get(e, "fingerprint"))
        s->encrypted = true;
    vec_push(out, s);
    return 0;
}

int pbs_parse_snapshots(const char *body, size_t len, struct vec *out, struct lb_err *err)
{
    size_t first = out->len;
    int rc = pj_each(body, len, "the snapshot list", snapshot_item, out, err);

    /* sort what this call added */
    if (!rc && out->len > first) {
        struct vec tail = { out->items + first, out->len - first, out->len - first, NULL };

        vec_sort(&tail, snap_cmp);
    }
    return rc;
}

static int gc_from(json_t *e, struct vec *out, struct lb_err *err)
{
    struct pbs_gc *g = xcalloc(1, sizeof(*g));

    g->store = pj_str(e, "store");
    if (!g->store) {
        pbs_gc_free(g);
        return lb_err_set(err, LB_EPARSE, "the GC status has no \"store\"");
    }
    g->schedule = pj_str(e, "schedule");
    g->next_run = time_of(e, "next-run");
    g->last_state = pj_str(e, "last-run-state");
    g->last_end = time_of(e, "last-run-endtime");
    g->upid = pj_str(e, "upid");
    pj_u64(e, "index-data-bytes", &g->index_data_bytes);
    pj_u64(e, "disk-bytes", &g->disk_bytes);
    pj_u64(e, "removed-bytes", &g->removed_bytes);
    pj_u64(e, "pending-bytes", &g->pending_bytes);
    vec_push(out, g);
    return 0;
}

int pbs_parse_gc(const char *body, size_t len, struct vec *out, struct lb_err *err)
{
    json_t *root, *d, *e;
    size_t i;
    int rc = pj_envelope(body, len, "the GC status", &root, &d, err);

    if (rc)
        return rc;
    if (json_is_object(d)) {
        rc = gc_from(d, out, err);
    } else if (json_is_array(d)) {
        json_array_foreach(d, i, e) {
            if ((rc = gc_from(e, out, err)))
                break;
        }
    } else {
        rc = lb_err_set(err, LB_EPARSE, "the GC status is neither an object nor a list");
    }
    json_decref(root);
    return rc;
}

static int job_item(json_t *e, size_t i, void *out, struct lb_err *err)
{
    static const char *const keys[] = { "keep-last",   "keep-hourly",  "keep-daily",
                                        "keep-weekly", "keep-monthly", "keep-yearly" };
    struct pbs_job *j = xcalloc(1, sizeof(*j));
    int *slots[] = { &j->keep.last,   &j->keep.hourly,  &j->keep.daily,
                     &j->keep.weekly, &j->keep.monthly, &j->keep.yearly };
    bool b;
    int64_t n;

    j->id = pj_str(e, "id");
    j->store = pj_str(e, "store");
    if (!j->id || !j->store) {
        pbs_job_free(j);
        return lb_err_set(err, LB_EPARSE, "job %zu lacks \"id\" or \"store\"", i + 1);
    }
    j->schedule = pj_str(e, "schedule");
    j->disabled = pj_bool(e, "disable", &b) && b;
    j->next_run = time_of(e, "next-run");
    j->last_state = pj_str(e, "last-run-state");
    j->last_upid = pj_str(e, "last-run-upid");
    j->last_end = time_of(e, "last-run-endtime");
    for (size_t k = 0; k < 6; k++) {
        if (pj_int(e, keys[k], &n) && n > 0 && n < 100000) {
            *slots[k] = (int)n;
            j->keep.set = true;
        }
    }
    vec_push(out, j);
    return 0;
}

int pbs_parse_jobs(const char *body, size_t len, struct vec *out, struct lb_err *err)
{
    return pj_each(body, len, "the job list", job_item, out, err);
}

static int disk_item(json_t *e, size_t i, void *out, struct lb_err *err)
{
    struct pbs_disk *k = xcalloc(1, sizeof(*k));
    int64_t n;
    json_t *w = json_object_get(e, "wearout");

    k->name = pj_str(e, "name");
    if (!k->name) {
        pbs_disk_free(k);
        return lb_err_set(err, LB_EPARSE, "disk %zu has no \"name\"", i + 1);
    }
    k->used = pj_str(e, "used");
    k->disk_type = pj_str(e, "disk-type");
    k->status = pj_str_or(e, "status", "unknown");
    k->wearout = -1;
    if (json_is_number(w)) {
        double v = json_number_value(w);

        if (v >= 0 && v <= 100)
            k->wearout = (int)(v + 0.5);
    }
    k->vendor = pj_str(e, "vendor");
    if (k->vendor) { /* PBS passes udev's padding on ("Samsung ") */
        char *t = str_trim(k->vendor);

        memmove(k->vendor, t, strlen(t) + 1);
    }
    k->model = pj_str(e, "model");
    k->serial = pj_str(e, "serial");
    k->devpath = pj_str(e, "devpath");
    if (pj_int(e, "size", &n) && n > 0)
        k->size = (uint64_t)n;
    vec_push(out, k);
    return 0;
}

int pbs_parse_disks(const char *body, size_t len, struct vec *out, struct lb_err *err)
{
    return pj_each(body, len, "the disk list", disk_item, out, err);
}

static int task_item(json_t *e, size_t i, void *out, struct lb_err *err)
{
    struct pbs_task *t = xcalloc(1, sizeof(*t));

    t->upid = pj_str(e, "upid");
    t->worker_type = pj_str(e, "worker_type");
    if (!t->upid || !t->worker_type) {
        pbs_task_free(t);
        return lb_err_set(err, LB_EPARSE, "task %zu lacks \"upid\" or \"worker_type\"", i + 1);
    }
    t->worker_id = pj_str(e, "worker_id");
    t->user = pj_str(e, "user");
    t->starttime = time_of(e, "starttime");
    t->endtime = time_of(e, "endtime");
    t->status = pj_str(e, "status");
    vec_push(out, t);
    return 0;
}

int pbs_parse_tasks(const char *body, size_t len, struct vec *out, struct lb_err *err)
{
    return pj_each(body, len, "the task list", task_item, out, err);
}

static int prune_item(json_t *e, size_t i, void *out, struct lb_err *err)
{
    struct pbs_prune_item *p = xcalloc(1, sizeof(*p));
    bool b;

    p->id = pj_str(e, "backup-id");
    p->time = time_of(e, "backup-time");
    if (!pj_copy(e, "backup-type", p->type, sizeof(p->type)) || !p->id || !p->time ||
        !pj_bool(e, "keep", &b)) {
        pbs_prune_item_free(p);
        return lb_err_set(err, LB_EPARSE, "prune item %zu lacks type, id, time or keep", i + 1);
    }
    p->keep = b;
    if (pj_bool(e, "protected", &b))
        p->is_protected = b;
    vec_push(out, p);
    return 0;
}

int pbs_parse_prune(const char *body, size_t len, struct vec *out, struct lb_err *err)
{
    return pj_each(body, len, "the prune answer", prune_item, out, err);
}

/* ---- requests ---- */

static struct pmx_call *call(struct pmx_client *c, const char *method, const char *path,
                             const char *form, const char *need, pmx_parse_fn parse,
                             void (*item_free)(void *), pmx_result_fn done, void *arg,
                             struct lb_err *err)
{
    struct pmx_req r = { .method = method,
                         .path = path,
                         .form = form,
                         .need = need,
                         .parse = parse,
                         .item_free = item_free };

    return pmx_call_start(c, &r, done, arg, err);
}

static int check_kind(const char *kind, struct lb_err *err)
{
    if (kind && (!strcmp(kind, "verify") || !strcmp(kind, "prune") || !strcmp(kind, "sync")))
        return 0;
    return lb_err_set(err, LB_EUSAGE, "PBS job kind must be verify, prune or sync");
}

/* "/admin/datastore/STORE" + rest, and "Datastore.X on /datastore/STORE" */
static struct pmx_call *store_call(struct pmx_client *c, const char *method, const char *store,
                                   const char *rest, const char *form, const char *priv,
                                   pmx_parse_fn parse, void (*item_free)(void *),
                                   pmx_result_fn done, void *arg, struct lb_err *err)
{
    struct buf path = BUF_INIT(0), need = BUF_INIT(0);
    struct pmx_call *cl;

    buf_puts(&path, "/admin/datastore/");
    pmx_escape(&path, store);
    buf_puts(&path, rest);
    buf_printf(&need, "%s on /datastore/%s", priv, store);
    cl = call(c, method, buf_cstr(&path), form, buf_cstr(&need), parse, item_free, done, arg, err);
    buf_release(&path);
    buf_release(&need);
    return cl;
}

struct pmx_call *pbs_get_datastores(struct pmx_client *c, pmx_result_fn done, void *arg,
                                    struct lb_err *err)
{
    return call(c, NULL, "/admin/datastore", NULL, "Datastore.Audit on /datastore/STORE",
                pbs_parse_datastores, pbs_datastore_free, done, arg, err);
}

struct pmx_call *pbs_get_status(struct pmx_client *c, const char *store, pmx_result_fn done,
                                void *arg, struct lb_err *err)
{
    return store_call(c, NULL, store, "/status", NULL, "Datastore.Audit", pbs_parse_status,
                      pbs_status_free, done, arg, err);
}

struct pmx_call *pbs_get_usage(struct pmx_client *c, pmx_result_fn done, void *arg,
                               struct lb_err *err)
{
    return call(c, NULL, "/status/datastore-usage", NULL, "Datastore.Audit on /datastore/STORE",
                pbs_parse_usage, pbs_usage_free, done, arg, err);
}

struct pmx_call *pbs_get_groups(struct pmx_client *c, const char *store, pmx_result_fn done,
                                void *arg, struct lb_err *err)
{
    return store_call(c, NULL, store, "/groups", NULL, "Datastore.Audit", pbs_parse_groups,
                      pbs_group_free, done, arg, err);
}

struct pmx_call *pbs_get_snapshots(struct pmx_client *c, const char *store, const char *type,
                                   const char *id, pmx_result_fn done, void *arg,
                                   struct lb_err *err)
{
    struct buf rest = BUF_INIT(0);
    struct pmx_call *cl;

    buf_puts(&rest, "/snapshots");
    if (type && id) {
        buf_puts(&rest, "?backup-type=");
        pmx_escape(&rest, type);
        buf_puts(&rest, "&backup-id=");
        pmx_escape(&rest, id);
    }
    cl = store_call(c, NULL, store, buf_cstr(&rest), NULL, "Datastore.Audit", pbs_parse_snapshots,
                    pbs_snapshot_free, done, arg, err);
    buf_release(&rest);
    return cl;
}

struct pmx_call *pbs_get_gc(struct pmx_client *c, const char *store, pmx_result_fn done, void *arg,
                            struct lb_err *err)
{
    return store_call(c, NULL, store, "/gc", NULL, "Datastore.Audit", pbs_parse_gc, pbs_gc_free,
                      done, arg, err);
}

struct pmx_call *pbs_get_jobs(struct pmx_client *c, const char *kind, const char *store,
                              pmx_result_fn done, void *arg, struct lb_err *err)
{
    struct buf path = BUF_INIT(0);
    struct pmx_call *cl;

    if (check_kind(kind, err) < 0)
        return NULL;
    buf_printf(&path, "/admin/%s", kind);
    if (store) {
        buf_puts(&path, "?store=");
        pmx_escape(&path, store);
    }
    cl = call(c, NULL, buf_cstr(&path), NULL, "Datastore.Audit on /datastore/STORE", pbs_parse_jobs,
              pbs_job_free, done, arg, err);
    buf_release(&path);
    return cl;
}

struct pmx_call *pbs_get_tasks(struct pmx_client *c, int limit, pmx_result_fn done, void *arg,
                               struct lb_err *err)
{
    char path[64];

    snprintf(path, sizeof(path), "/nodes/localhost/tasks?limit=%d", limit > 0 ? limit : 50);
    return call(c, NULL, path, NULL, "Sys.Audit on /system/tasks", pbs_parse_tasks, pbs_task_free,
                done, arg, err);
}

struct pmx_call *pbs_get_disks(struct pmx_client *c, pmx_result_fn done, void *arg,
                               struct lb_err *err)
{
    return call(c, NULL, "/nodes/localhost/disks/list", NULL, "Sys.Audit on /system/disks",
                pbs_parse_disks, pbs_disk_free, done, arg, err);
}

struct pmx_call *pbs_prune_dry_run(struct pmx_client *c, const char *store, const char *type,
                                   const char *id, const struct pmx_keep *keep, pmx_result_fn done,
                                   void *arg, struct lb_err *err)
{
    static const char *const keys[] = { "keep-last",   "keep-hourly",  "keep-daily",
                                        "keep-weekly", "keep-monthly", "keep-yearly" };
    const int vals[] = { keep->last,   keep->hourly,  keep->daily,
                         keep->weekly, keep->monthly, keep->yearly };
    struct buf form = BUF_INIT(0);
    struct pmx_call *cl;

    buf_puts(&form, "dry-run=1&backup-type=");
    pmx_escape(&form, type);
    buf_puts(&form, "&backup-id=");
    pmx_escape(&form, id);
    for (size_t k = 0; k < 6; k++) /* PBS rejects 0: send only rules in use */
        if (vals[k] > 0)
            buf_printf(&form, "&%s=%d", keys[k], vals[k]);
    cl = store_call(c, "POST", store, "/prune", buf_cstr(&form), "Datastore.Prune or .Modify",
                    pbs_parse_prune, pbs_prune_item_free, done, arg, err);
    buf_release(&form);
    return cl;
}

struct pmx_call *pbs_verify(struct pmx_client *c, const char *store, const char *type,
                            const char *id, time_t time, pmx_result_fn done, void *arg,
                            struct lb_err *err)
{
    struct buf form = BUF_INIT(0);
    struct pmx_call *cl;

    if (type && id) {
        buf_puts(&form, "backup-type=");
        pmx_escape(&form, type);
        buf_puts(&form, "&backup-id=");
        pmx_escape(&form, id);
        if (time)
            buf_printf(&form, "&backup-time=%lld", (long long)time);
    }
    cl = store_call(c, "POST", store, "/verify", form.len ? buf_cstr(&form) : "",
                    "Datastore.Verify", pmx_parse_string, pmx_string_free, done, arg, err);
    buf_release(&form);
    return cl;
}

struct pmx_call *pbs_job_run(struct pmx_client *c, const char *kind, const char *id,
                             pmx_result_fn done, void *arg, struct lb_err *err)
{
    struct buf path = BUF_INIT(0);
    struct pmx_call *cl;

    if (check_kind(kind, err) < 0)
        return NULL;
    buf_printf(&path, "/admin/%s/", kind);
    pmx_escape(&path, id);
    buf_puts(&path, "/run");
    cl = call(c, "POST", buf_cstr(&path), "", "Datastore.Verify/Prune/Modify on the datastore",
              pmx_parse_string, pmx_string_free, done, arg, err);
    buf_release(&path);
    return cl;
}

struct pmx_call *pbs_gc_start(struct pmx_client *c, const char *store, pmx_result_fn done,
                              void *arg, struct lb_err *err)
{
    return store_call(c, "POST", store, "/gc", "", "Datastore.Modify", pmx_parse_string,
                      pmx_string_free, done, arg, err);
}
