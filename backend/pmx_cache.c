/* The Proxmox inventory cache document (pmx_cache.h). */
#include "backend/pmx_cache.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "backend/base/str.h"
#include "backend/base/xalloc.h"
#include "backend/proxmox_json.h"

#define CACHE_VERSION 1

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

char *pmx_cache_encode(const struct app_pmx *p)
{
    json_t *root = json_object(), *guests = json_array(), *ds = json_object();
    size_t i;
    struct pmx_guest *g;
    char *text;

    json_object_set_new(root, "version", json_integer(CACHE_VERSION));
    json_object_set_new(root, "pve_at", json_integer((json_int_t)p->pve_src.fetched_at));
    json_object_set_new(root, "pbs_at", json_integer((json_int_t)p->pbs_src.fetched_at));
    vec_foreach(&p->guests, i, g) {
        json_t *o = json_object(), *snaps = json_array();
        size_t k;
        struct pmx_snap *s;

        json_object_set_new(o, "vmid", json_integer(g->vmid));
        json_object_set_new(o, "type", json_string(g->type));
        json_object_set_new(o, "name", json_string(g->name ? g->name : ""));
        json_object_set_new(o, "node", str_or_null(g->node));
        json_object_set_new(o, "status", str_or_null(g->status));
        json_object_set_new(o, "lock", str_or_null(g->lock));
        json_object_set_new(o, "pool", str_or_null(g->pool));
        json_object_set_new(o, "snaps_known", json_boolean(g->snaps_known));
        vec_foreach(&g->snaps, k, s) {
            json_t *so = json_object();

            json_object_set_new(so, "name", json_string(s->name ? s->name : ""));
            json_object_set_new(so, "description", str_or_null(s->description));
            json_object_set_new(so, "parent", str_or_null(s->parent));
            json_object_set_new(so, "snaptime", json_integer((json_int_t)s->snaptime));
            json_object_set_new(so, "vmstate", json_boolean(s->vmstate));
            json_object_set_new(so, "current", json_boolean(s->is_current));
            json_object_set_new(so, "snapstate", str_or_null(s->snapstate));
            json_array_append_new(snaps, so);
        }
        json_object_set_new(o, "snapshots", snaps);
        json_object_set_new(o, "pbs_known", json_boolean(g->pbs_known));
        json_object_set_new(o, "backup_count", json_integer(g->backup_count));
        json_object_set_new(o, "backup_newest", json_integer((json_int_t)g->backup_newest));
        json_object_set_new(o, "verify", json_string(g->verify));
        json_object_set_new(o, "verify_failed", json_integer(g->verify_failed));
        json_object_set_new(o, "jobs_known", json_boolean(g->jobs_known));
        json_object_set_new(o, "job", str_or_null(g->job));
        json_object_set_new(o, "job_enabled", json_boolean(g->job_enabled));
        json_array_append_new(guests, o);
    }
    json_object_set_new(root, "guests", guests);
    json_object_set_new(ds, "known", json_boolean(p->ds.known));
    json_object_set_new(ds, "total", json_integer((json_int_t)p->ds.total));
    json_object_set_new(ds, "used", json_integer((json_int_t)p->ds.used));
    json_object_set_new(ds, "avail", json_integer((json_int_t)p->ds.avail));
    json_object_set_new(ds, "has_estimate", json_boolean(p->ds.has_estimate));
    json_object_set_new(ds, "estimated_full", json_integer((json_int_t)p->ds.estimated_full));
    json_object_set_new(root, "datastore", ds);
    text = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    return text;
}

static void snap_release(void *p)
{
    struct pmx_snap *s = p;

    if (!s)
        return;
    free(s->name);
    free(s->description);
    free(s->parent);
    free(s->snapstate);
    free(s);
}

int pmx_cache_decode(const char *doc, struct vec *guests, struct pmx_datastore *ds, time_t *pve_at,
                     time_t *pbs_at, struct lb_err *err)
{
    json_error_t jerr;
    json_t *root = json_loads(doc, 0, &jerr), *arr, *o, *d;
    size_t i;

    if (!json_is_object(root) || pj_int0(root, "version") != CACHE_VERSION) {
        json_decref(root);
        return lb_err_set(err, LB_EPARSE,
                          "the cached Proxmox inventory is not in this version's "
                          "form: it is read again from the servers");
    }
    *pve_at = (time_t)pj_int0(root, "pve_at");
    *pbs_at = (time_t)pj_int0(root, "pbs_at");
    arr = json_object_get(root, "guests");
    json_array_foreach(arr, i, o) {
        struct pmx_guest *g;
        json_t *snaps, *so;
        size_t k;
        char *type;

        if (!json_is_object(o) || !json_is_integer(json_object_get(o, "vmid")))
            continue;
        g = xcalloc(1, sizeof(*g));
        vec_init(&g->snaps, snap_release);
        g->vmid = (int)pj_int0(o, "vmid");
        type = pj_str(o, "type");
        str_copy(g->type, sizeof(g->type), type && !strcmp(type, "lxc") ? "lxc" : "qemu");
        free(type);
        g->name = pj_str(o, "name");
        if (!g->name)
            g->name = xstrdup("");
        g->node = pj_str(o, "node");
        if (!g->node)
            g->node = xstrdup("localhost");
        g->status = pj_str(o, "status");
        if (!g->status)
            g->status = xstrdup("");
        g->lock = pj_str(o, "lock");
        g->pool = pj_str(o, "pool");
        g->snaps_known = pj_true(o, "snaps_known");
        snaps = json_object_get(o, "snapshots");
        json_array_foreach(snaps, k, so) {
            struct pmx_snap *s;

            if (!json_is_object(so))
                continue;
            s = xcalloc(1, sizeof(*s));
            s->name = pj_str(so, "name");
            if (!s->name)
                s->name = xstrdup("");
            s->description = pj_str(so, "description");
            if (!s->description)
                s->description = xstrdup("");
            s->parent = pj_str(so, "parent");
            s->snaptime = (time_t)pj_int0(so, "snaptime");
            s->vmstate = pj_true(so, "vmstate");
            s->is_current = pj_true(so, "current");
            s->snapstate = pj_str(so, "snapstate");
            vec_push(&g->snaps, s);
        }
        g->pbs_known = pj_true(o, "pbs_known");
        g->backup_count = (int)pj_int0(o, "backup_count");
        g->backup_newest = (time_t)pj_int0(o, "backup_newest");
        {
            char *v = pj_str(o, "verify");

            str_copy(g->verify, sizeof(g->verify), v ? v : "");
            free(v);
        }
        g->verify_failed = (int)pj_int0(o, "verify_failed");
        g->jobs_known = pj_true(o, "jobs_known");
        g->job = pj_str(o, "job");
        g->job_enabled = pj_true(o, "job_enabled");
        vec_push(guests, g);
    }
    d = json_object_get(root, "datastore");
    if (json_is_object(d)) {
        ds->known = pj_true(d, "known");
        ds->total = (uint64_t)pj_int0(d, "total");
        ds->used = (uint64_t)pj_int0(d, "used");
        ds->avail = (uint64_t)pj_int0(d, "avail");
        ds->has_estimate = pj_true(d, "has_estimate");
        ds->estimated_full = (time_t)pj_int0(d, "estimated_full");
    }
    json_decref(root);
    return 0;
}
