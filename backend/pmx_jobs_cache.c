/* The job side of the Proxmox inventory cache (pmx_jobs_cache.h). */
#include "backend/pmx_jobs_cache.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "backend/base/str.h"
#include "backend/base/xalloc.h"
#include "backend/proxmox_json.h"

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *keep_json(const struct pmx_keep *k)
{
    json_t *o = json_object();

    json_object_set_new(o, "set", json_boolean(k->set));
    json_object_set_new(o, "all", json_boolean(k->all));
    json_object_set_new(o, "last", json_integer(k->last));
    json_object_set_new(o, "hourly", json_integer(k->hourly));
    json_object_set_new(o, "daily", json_integer(k->daily));
    json_object_set_new(o, "weekly", json_integer(k->weekly));
    json_object_set_new(o, "monthly", json_integer(k->monthly));
    json_object_set_new(o, "yearly", json_integer(k->yearly));
    return o;
}

static json_t *pve_jobs_json(const struct vec *jobs)
{
    json_t *a = json_array();
    size_t i;
    struct pve_backup_job *j;

    vec_foreach(jobs, i, j) {
        json_t *o = json_object();

        json_object_set_new(o, "id", str_or_null(j->id));
        json_object_set_new(o, "schedule", str_or_null(j->schedule));
        json_object_set_new(o, "enabled", json_boolean(j->enabled));
        json_object_set_new(o, "next_run", json_integer((json_int_t)j->next_run));
        json_object_set_new(o, "storage", str_or_null(j->storage));
        json_object_set_new(o, "vmid", str_or_null(j->vmid));
        json_object_set_new(o, "all", json_boolean(j->all));
        json_object_set_new(o, "exclude", str_or_null(j->exclude));
        json_object_set_new(o, "pool", str_or_null(j->pool));
        json_object_set_new(o, "node", str_or_null(j->node));
        json_object_set_new(o, "mode", str_or_null(j->mode));
        json_object_set_new(o, "comment", str_or_null(j->comment));
        json_object_set_new(o, "keep", keep_json(&j->keep));
        json_array_append_new(a, o);
    }
    return a;
}

static json_t *pbs_jobs_json(const struct vec *jobs)
{
    json_t *a = json_array();
    size_t i;
    struct pbs_job *j;

    vec_foreach(jobs, i, j) {
        json_t *o = json_object();

        json_object_set_new(o, "kind", json_string(j->kind));
        json_object_set_new(o, "id", str_or_null(j->id));
        json_object_set_new(o, "store", str_or_null(j->store));
        json_object_set_new(o, "schedule", str_or_null(j->schedule));
        json_object_set_new(o, "disabled", json_boolean(j->disabled));
        json_object_set_new(o, "next_run", json_integer((json_int_t)j->next_run));
        json_object_set_new(o, "last_state", str_or_null(j->last_state));
        json_object_set_new(o, "last_upid", str_or_null(j->last_upid));
        json_object_set_new(o, "last_end", json_integer((json_int_t)j->last_end));
        json_object_set_new(o, "keep", keep_json(&j->keep));
        json_array_append_new(a, o);
    }
    return a;
}

static json_t *backups_json(const struct vec *backups)
{
    json_t *a = json_array();
    size_t i;
    struct pbs_snapshot *s;

    vec_foreach(backups, i, s) {
        json_t *o = json_object();

        json_object_set_new(o, "type", json_string(s->type));
        json_object_set_new(o, "id", str_or_null(s->id));
        json_object_set_new(o, "time", json_integer((json_int_t)s->time));
        json_object_set_new(o, "size",
                            s->has_size ? json_integer((json_int_t)s->size) : json_null());
        json_object_set_new(o, "complete", json_boolean(s->complete));
        json_object_set_new(o, "protected", json_boolean(s->is_protected));
        json_object_set_new(o, "verify", json_string(s->verify));
        json_object_set_new(o, "encrypted", json_boolean(s->encrypted));
        json_array_append_new(a, o);
    }
    return a;
}

char *pmx_jobs_cache_add(char *doc, const struct app_pmx *p, const struct vec *backups)
{
    json_error_t jerr;
    json_t *root;
    char *text;

    if (!doc)
        return NULL;
    root = json_loads(doc, 0, &jerr);
    if (!json_is_object(root)) {
        json_decref(root);
        return doc;
    }
    if (p->pve_jobs_known)
        json_object_set_new(root, "pve_jobs", pve_jobs_json(&p->pve_jobs));
    if (p->pbs_jobs_known)
        json_object_set_new(root, "pbs_jobs", pbs_jobs_json(&p->pbs_jobs));
    if (backups)
        json_object_set_new(root, "pbs_backups", backups_json(backups));
    text = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    if (!text)
        return doc;
    free(doc);
    return text;
}

static void get_fixed(json_t *o, const char *key, char *out, size_t n)
{
    char *s = pj_str(o, key);

    str_copy(out, n, s ? s : "");
    free(s);
}

static void get_keep(json_t *o, struct pmx_keep *k)
{
    json_t *ko = json_object_get(o, "keep");

    memset(k, 0, sizeof(*k));
    if (!json_is_object(ko))
        return;
    k->set = pj_true(ko, "set");
    k->all = pj_true(ko, "all");
    k->last = (int)pj_int0(ko, "last");
    k->hourly = (int)pj_int0(ko, "hourly");
    k->daily = (int)pj_int0(ko, "daily");
    k->weekly = (int)pj_int0(ko, "weekly");
    k->monthly = (int)pj_int0(ko, "monthly");
    k->yearly = (int)pj_int0(ko, "yearly");
}

int pmx_jobs_cache_read(const char *doc, struct app_pmx *p, struct vec *backups, bool *have_backups,
                        struct lb_err *err)
{
    json_error_t jerr;
    json_t *root = json_loads(doc, 0, &jerr), *arr, *o;
    size_t i;

    *have_backups = false;
    if (!json_is_object(root)) {
        json_decref(root);
        return lb_err_set(err, LB_EPARSE, "the cached Proxmox inventory does not parse");
    }
    arr = json_object_get(root, "pve_jobs");
    if (json_is_array(arr)) {
        p->pve_jobs_known = true;
        json_array_foreach(arr, i, o) {
            struct pve_backup_job *j;

            if (!json_is_object(o))
                continue;
            j = xcalloc(1, sizeof(*j));
            j->id = pj_str(o, "id");
            if (!j->id)
                j->id = xstrdup("");
            j->schedule = pj_str(o, "schedule");
            j->enabled = pj_true(o, "enabled");
            j->next_run = (time_t)pj_int0(o, "next_run");
            j->storage = pj_str(o, "storage");
            j->vmid = pj_str(o, "vmid");
            j->all = pj_true(o, "all");
            j->exclude = pj_str(o, "exclude");
            j->pool = pj_str(o, "pool");
            j->node = pj_str(o, "node");
            j->mode = pj_str(o, "mode");
            j->comment = pj_str(o, "comment");
            get_keep(o, &j->keep);
            vec_push(&p->pve_jobs, j);
        }
    }
    arr = json_object_get(root, "pbs_jobs");
    if (json_is_array(arr)) {
        p->pbs_jobs_known = true;
        json_array_foreach(arr, i, o) {
            struct pbs_job *j;

            if (!json_is_object(o))
                continue;
            j = xcalloc(1, sizeof(*j));
            get_fixed(o, "kind", j->kind, sizeof(j->kind));
            j->id = pj_str(o, "id");
            if (!j->id)
                j->id = xstrdup("");
            j->store = pj_str(o, "store");
            j->schedule = pj_str(o, "schedule");
            j->disabled = pj_true(o, "disabled");
            j->next_run = (time_t)pj_int0(o, "next_run");
            j->last_state = pj_str(o, "last_state");
            j->last_upid = pj_str(o, "last_upid");
            j->last_end = (time_t)pj_int0(o, "last_end");
            get_keep(o, &j->keep);
            vec_push(&p->pbs_jobs, j);
        }
    }
    arr = json_object_get(root, "pbs_backups");
    if (json_is_array(arr)) {
        *have_backups = true;
        json_array_foreach(arr, i, o) {
            struct pbs_snapshot *s;
            json_t *size;

            if (!json_is_object(o))
                continue;
            s = xcalloc(1, sizeof(*s));
            get_fixed(o, "type", s->type, sizeof(s->type));
            s->id = pj_str(o, "id");
            if (!s->id)
                s->id = xstrdup("");
            s->time = (time_t)pj_int0(o, "time");
            size = json_object_get(o, "size");
            s->has_size = json_is_integer(size);
            s->size = s->has_size ? (uint64_t)json_integer_value(size) : 0;
            s->complete = pj_true(o, "complete");
            s->is_protected = pj_true(o, "protected");
            get_fixed(o, "verify", s->verify, sizeof(s->verify));
            s->encrypted = pj_true(o, "encrypted");
            vec_push(backups, s);
        }
    }
    json_decref(root);
    return 0;
}
