/*
 * Proxmox VE adapter: paths and forms in, records out (see pve.h and the
 * reference, section 3). Parsers are lenient about number types and strict
 * about what must be there (a guest without a vmid is an error, not a guess).
 */
#include "backend/pve.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/base/buf.h"
#include "backend/base/str.h"
#include "backend/base/xalloc.h"
#include "backend/proxmox_json.h"

#define VMID_MAX 999999999

/* ---- parsers ---- */

static int vmid_of(json_t *e, int *out)
{
    int64_t v;

    if (!pj_int(e, "vmid", &v) || v < 0 || v > VMID_MAX)
        return -1;
    *out = (int)v;
    return 0;
}

static bool guest_type_ok(const char *t)
{
    return !strcmp(t, "qemu") || !strcmp(t, "lxc");
}

static int guest_from(json_t *e, const char *type, size_t i, struct vec *out, struct lb_err *err)
{
    struct pve_guest *g = xcalloc(1, sizeof(*g));
    bool b;
    int64_t v;

    if (vmid_of(e, &g->vmid) < 0) {
        pve_guest_free(g);
        return lb_err_set(err, LB_EPARSE, "guest %zu has no valid \"vmid\"", i + 1);
    }
    str_copy(g->type, sizeof(g->type), type);
    g->name = pj_str_or(e, "name", "");
    g->node = pj_str(e, "node");
    g->status = pj_str_or(e, "status", "unknown");
    g->lock = pj_str(e, "lock");
    g->tags = pj_str(e, "tags");
    g->pool = pj_str(e, "pool");
    if (pj_bool(e, "template", &b))
        g->is_template = b;
    pj_u64(e, "maxmem", &g->maxmem);
    pj_u64(e, "maxdisk", &g->maxdisk);
    if (pj_int(e, "uptime", &v))
        g->uptime = v;
    vec_push(out, g);
    return 0;
}

static int guest_item(json_t *e, size_t i, void *out, struct lb_err *err)
{
    char type[16];

    if (!pj_copy(e, "type", type, sizeof(type)) || !guest_type_ok(type))
        return 0; /* node, storage, pool, sdn entries */
    return guest_from(e, type, i, out, err);
}

int pve_parse_guests(const char *body, size_t len, struct vec *out, struct lb_err *err)
{
    return pj_each(body, len, "the guest list", guest_item, out, err);
}

/* A node's own list: every entry is a guest of the one type asked for. */
struct typed_list {
    const char *type;
    struct vec *out;
};

static int typed_guest_item(json_t *e, size_t i, void *ctx, struct lb_err *err)
{
    const struct typed_list *l = ctx;

    return guest_from(e, l->type, i, l->out, err);
}

static int parse_node_list(const char *body, size_t len, const char *type, struct vec *out,
                           struct lb_err *err)
{
    struct typed_list l = { type, out };

    return pj_each(body, len, "the guest list", typed_guest_item, &l, err);
}

int pve_parse_qemu_list(const char *body, size_t len, struct vec *out, struct lb_err *err)
{
    return parse_node_list(body, len, "qemu", out, err);
}

int pve_parse_lxc_list(const char *body, size_t len, struct vec *out, struct lb_err *err)
{
    return parse_node_list(body, len, "lxc", out, err);
}

static int snap_cmp(const void *a, const void *b)
{
    const struct pve_snapshot *x = *(const struct pve_snapshot *const *)a;
    const struct pve_snapshot *y = *(const struct pve_snapshot *const *)b;

    if (x->snaptime != y->snaptime)
        return x->snaptime < y->snaptime ? -1 : 1;
    return strcmp(x->name, y->name);
}

static int snapshot_item(json_t *e, size_t i, void *ctx, struct lb_err *err)
{
    struct pve_snapshot_list *l = ctx;
    char *name = pj_str(e, "name");
    struct pve_snapshot *s;
    int64_t t;
    bool b;

    if (!name)
        return lb_err_set(err, LB_EPARSE, "snapshot %zu has no \"name\"", i + 1);
    if (!strcmp(name, "current")) { /* the live state, not a snapshot */
        free(name);
        free(l->current_parent);
        l->current_parent = pj_str(e, "parent");
        if (pj_bool(e, "running", &b))
            l->running = b;
        return 0;
    }
    s = xcalloc(1, sizeof(*s));
    s->name = name;
    s->description = pj_str_or(e, "description", "");
    if (pj_int(e, "snaptime", &t) && t > 0)
        s->snaptime = (time_t)t;
    if (pj_bool(e, "vmstate", &b))
        s->vmstate = b;
    s->parent = pj_str(e, "parent");
    s->snapstate = pj_str(e, "snapstate");
    vec_push(&l->snaps, s);
    return 0;
}

int pve_parse_snapshots(const char *body, size_t len, struct vec *out, struct lb_err *err)
{
    struct pve_snapshot_list *l = xcalloc(1, sizeof(*l));
    int rc;

    vec_init(&l->snaps, pve_snapshot_free);
    rc = pj_each(body, len, "the snapshot list", snapshot_item, l, err);
    if (rc) {
        pve_snapshot_list_free(l);
        return rc;
    }
    vec_sort(&l->snaps, snap_cmp); /* PVE sends them in hash order */
    vec_push(out, l);
    return 0;
}

/* prune-backups: an object of (string) numbers, or PVE's "keep-daily=7,..." text. */
static void keep_from(json_t *v, struct pmx_keep *k)
{
    static const char *const keys[] = { "keep-last",   "keep-hourly",  "keep-daily",
                                        "keep-weekly", "keep-monthly", "keep-yearly" };
    int *slots[] = { &k->last, &k->hourly, &k->daily, &k->weekly, &k->monthly, &k->yearly };
    json_t *obj = v, *tmp = NULL;
    int64_t n;
    bool b;

    if (json_is_string(v)) { /* "keep-daily=7,keep-weekly=4" */
        const char *p = json_string_value(v);

        tmp = json_object();
        while (*p) {
            size_t m = strcspn(p, ",");
            char part[64], *eq;

            if (m < sizeof(part)) {
                memcpy(part, p, m);
                part[m] = '\0';
                eq = strchr(part, '=');
                if (eq) {
                    *eq = '\0';
                    json_object_set_new(tmp, str_trim(part), json_string(str_trim(eq + 1)));
                }
            }
            p += m;
            if (*p == ',')
                p++;
        }
        obj = tmp;
    }
    if (!json_is_object(obj))
        goto out;
    for (size_t i = 0; i < 6; i++) {
        if (pj_int(obj, keys[i], &n) && n > 0 && n < 100000) {
            *slots[i] = (int)n;
            k->set = true;
        }
    }
    if (pj_bool(obj, "keep-all", &b) && b) {
        k->all = true;
        k->set = true;
    }
out:
    json_decref(tmp);
}

static int backup_job_item(json_t *e, size_t i, void *out, struct lb_err *err)
{
    struct pve_backup_job *j = xcalloc(1, sizeof(*j));
    bool b;
    int64_t t;

    j->id = pj_str(e, "id");
    if (!j->id) {
        pve_backup_job_free(j);
        return lb_err_set(err, LB_EPARSE, "backup job %zu has no \"id\"", i + 1);
    }
    j->schedule = pj_str(e, "schedule");
    j->enabled = !pj_bool(e, "enabled", &b) || b; /* absent means enabled */
    if (pj_int(e, "next-run", &t) && t > 0)
        j->next_run = (time_t)t;
    j->storage = pj_str(e, "storage");
    j->vmid = pj_str(e, "vmid");
    if (pj_bool(e, "all", &b))
        j->all = b;
    j->exclude = pj_str(e, "exclude");
    j->pool = pj_str(e, "pool");
    j->node = pj_str(e, "node");
    j->mode = pj_str_or(e, "mode", "snapshot");
    j->comment = pj_str(e, "comment");
    j->notes_template = pj_str(e, "notes-template");
    keep_from(json_object_get(e, "prune-backups"), &j->keep);
    vec_push(out, j);
    return 0;
}

int pve_parse_backup_jobs(const char *body, size_t len, struct vec *out, struct lb_err *err)
{
    return pj_each(body, len, "the backup job list", backup_job_item, out, err);
}

static int unbacked_item(json_t *e, size_t i, void *out, struct lb_err *err)
{
    struct pve_unbacked *u = xcalloc(1, sizeof(*u));

    if (vmid_of(e, &u->vmid) < 0) {
        pve_unbacked_free(u);
        return lb_err_set(err, LB_EPARSE, "not-backed-up entry %zu has no valid \"vmid\"", i + 1);
    }
    pj_copy(e, "type", u->type, sizeof(u->type));
    u->name = pj_str(e, "name");
    vec_push(out, u);
    return 0;
}

int pve_parse_unbacked(const char *body, size_t len, struct vec *out, struct lb_err *err)
{
    return pj_each(body, len, "the not-backed-up list", unbacked_item, out, err);
}

static int backup_item(json_t *e, size_t i, void *out, struct lb_err *err)
{
    struct pve_backup *b;
    char content[16] = "";
    int64_t t;
    bool p;
    json_t *ver;

    pj_copy(e, "content", content, sizeof(content));
    if (*content && strcmp(content, "backup"))
        return 0;
    b = xcalloc(1, sizeof(*b));
    b->volid = pj_str(e, "volid");
    if (!b->volid || vmid_of(e, &b->vmid) < 0 || !pj_int(e, "ctime", &t)) {
        pve_backup_free(b);
        return lb_err_set(err, LB_EPARSE, "backup %zu lacks \"volid\", \"vmid\" or \"ctime\"",
                          i + 1);
    }
    b->ctime = (time_t)t;
    pj_copy(e, "subtype", b->subtype, sizeof(b->subtype));
    pj_u64(e, "size", &b->size);
    b->notes = pj_str(e, "notes");
    if (pj_bool(e, "protected", &p))
        b->is_protected = p;
    ver = json_object_get(e, "verification");
    if (json_is_object(ver))
        pj_copy(ver, "state", b->verify, sizeof(b->verify));
    b->encrypted = json_object_get(e, "encrypted") != NULL;
    vec_push(out, b);
    return 0;
}

int pve_parse_backups(const char *body, size_t len, struct vec *out, struct lb_err *err)
{
    return pj_each(body, len, "the storage content", backup_item, out, err);
}

static int storage_item(json_t *e, size_t i, void *out, struct lb_err *err)
{
    struct pve_storage *s = xcalloc(1, sizeof(*s));
    bool b;

    s->storage = pj_str(e, "storage");
    s->type = pj_str(e, "type");
    if (!s->storage || !s->type) {
        pve_storage_free(s);
        return lb_err_set(err, LB_EPARSE, "storage %zu lacks \"storage\" or \"type\"", i + 1);
    }
    s->content = pj_str(e, "content");
    s->active = pj_bool(e, "active", &b) && b;
    s->enabled = !pj_bool(e, "enabled", &b) || b;
    pj_u64(e, "total", &s->total);
    pj_u64(e, "used", &s->used);
    pj_u64(e, "avail", &s->avail);
    vec_push(out, s);
    return 0;
}

int pve_parse_storages(const char *body, size_t len, struct vec *out, struct lb_err *err)
{
    return pj_each(body, len, "the storage list", storage_item, out, err);
}

static int task_item(json_t *e, size_t i, void *out, struct lb_err *err)
{
    struct pmx_task_status *t = xcalloc(1, sizeof(*t));
    int64_t v;

    t->upid = pj_str(e, "upid");
    if (!t->upid) {
        pmx_task_status_free(t);
        return lb_err_set(err, LB_EPARSE, "task %zu has no \"upid\"", i + 1);
    }
    pj_task_fields(e, t);
    t->tokenid = pj_str(e, "tokenid");
    t->running = !json_object_get(e, "endtime");
    if (!t->running) {
        if (pj_int(e, "endtime", &v) && v > 0)
            t->endtime = (time_t)v;
        t->exitstatus = pj_str_or(e, "status", "unknown");
    }
    vec_push(out, t);
    return 0;
}

int pve_parse_tasks(const char *body, size_t len, struct vec *out, struct lb_err *err)
{
    return pj_each(body, len, "the task list", task_item, out, err);
}

/* ---- requests ---- */

static struct pmx_call *get(struct pmx_client *c, const char *path, const char *need,
                            pmx_parse_fn parse, void (*item_free)(void *), pmx_result_fn done,
                            void *arg, struct lb_err *err)
{
    struct pmx_req r = { .path = path, .need = need, .parse = parse, .item_free = item_free };

    return pmx_call_start(c, &r, done, arg, err);
}

static struct pmx_call *act(struct pmx_client *c, const char *method, const char *path,
                            const char *form, const char *need, pmx_result_fn done, void *arg,
                            struct lb_err *err)
{
    struct pmx_req r = { .method = method,
                         .path = path,
                         .form = form,
                         .need = need,
                         .timeout_ms = 60000,
                         .parse = pmx_parse_string,
                         .item_free = pmx_string_free };

    return pmx_call_start(c, &r, done, arg, err);
}

static int check_type(const char *type, struct lb_err *err)
{
    if (type && guest_type_ok(type))
        return 0;
    return lb_err_set(err, LB_EUSAGE, "guest type must be qemu or lxc, not '%s'",
                      type ? type : "(none)");
}

/* "/nodes/NODE" */
static void node_path(struct buf *b, const char *node)
{
    buf_puts(b, "/nodes/");
    pmx_escape(b, node);
}

/* "/nodes/NODE/TYPE/VMID" */
static void guest_path(struct buf *b, const char *node, const char *type, int vmid)
{
    node_path(b, node);
    buf_printf(b, "/%s/%d", type, vmid);
}

/* GET /nodes/NODE + rest */
static struct pmx_call *node_get(struct pmx_client *c, const char *node, const char *rest,
                                 const char *need, pmx_parse_fn parse, void (*item_free)(void *),
                                 pmx_result_fn done, void *arg, struct lb_err *err)
{
    struct buf path = BUF_INIT(0);
    struct pmx_call *call;

    node_path(&path, node);
    buf_puts(&path, rest);
    call = get(c, buf_cstr(&path), need, parse, item_free, done, arg, err);
    buf_release(&path);
    return call;
}

struct pmx_call *pve_get_guests(struct pmx_client *c, pmx_result_fn done, void *arg,
                                struct lb_err *err)
{
    return get(c, "/cluster/resources?type=vm", "VM.Audit on /vms", pve_parse_guests,
               pve_guest_free, done, arg, err);
}

struct pmx_call *pve_get_snapshots(struct pmx_client *c, const char *node, const char *type,
                                   int vmid, pmx_result_fn done, void *arg, struct lb_err *err)
{
    struct buf b = BUF_INIT(0);
    struct pmx_call *call;
    char need[64];

    if (check_type(type, err) < 0)
        return NULL;
    guest_path(&b, node, type, vmid);
    buf_puts(&b, "/snapshot");
    snprintf(need, sizeof(need), "VM.Audit on /vms/%d", vmid);
    call = get(c, buf_cstr(&b), need, pve_parse_snapshots, pve_snapshot_list_free, done, arg, err);
    buf_release(&b);
    return call;
}

struct pmx_call *pve_get_backup_jobs(struct pmx_client *c, pmx_result_fn done, void *arg,
                                     struct lb_err *err)
{
    return get(c, "/cluster/backup", "Sys.Audit on /", pve_parse_backup_jobs, pve_backup_job_free,
               done, arg, err);
}

struct pmx_call *pve_get_unbacked(struct pmx_client *c, pmx_result_fn done, void *arg,
                                  struct lb_err *err)
{
    return get(c, "/cluster/backup-info/not-backed-up", "Sys.Audit on /", pve_parse_unbacked,
               pve_unbacked_free, done, arg, err);
}

struct pmx_call *pve_get_backups(struct pmx_client *c, const char *node, const char *storage,
                                 int vmid, pmx_result_fn done, void *arg, struct lb_err *err)
{
    struct buf rest = BUF_INIT(0), need = BUF_INIT(0);
    struct pmx_call *call;

    buf_puts(&rest, "/storage/");
    pmx_escape(&rest, storage);
    buf_puts(&rest, "/content?content=backup");
    if (vmid)
        buf_printf(&rest, "&vmid=%d", vmid);
    buf_printf(&need, "Datastore.Audit on /storage/%s", storage);
    call = node_get(c, node, buf_cstr(&rest), buf_cstr(&need), pve_parse_backups, pve_backup_free,
                    done, arg, err);
    buf_release(&rest);
    buf_release(&need);
    return call;
}

struct pmx_call *pve_get_storages(struct pmx_client *c, const char *node, pmx_result_fn done,
                                  void *arg, struct lb_err *err)
{
    return node_get(c, node, "/storage", "Datastore.Audit on /storage", pve_parse_storages,
                    pve_storage_free, done, arg, err);
}

struct pmx_call *pve_get_tasks(struct pmx_client *c, const char *node, int limit,
                               pmx_result_fn done, void *arg, struct lb_err *err)
{
    char rest[64];

    snprintf(rest, sizeof(rest), "/tasks?source=archive&limit=%d", limit > 0 ? limit : 50);
    return node_get(c, node, rest, "Sys.Audit on /nodes/NODE", pve_parse_tasks,
                    pmx_task_status_free, done, arg, err);
}

struct pmx_call *pve_get_cluster_tasks(struct pmx_client *c, pmx_result_fn done, void *arg,
                                       struct lb_err *err)
{
    return get(c, "/cluster/tasks", "Sys.Audit on /nodes/NODE (tasks of other users)",
               pve_parse_tasks, pmx_task_status_free, done, arg, err);
}

/* ---- actions ---- */

int pve_check_snapname(const char *name, struct lb_err *err)
{
    size_t n = name ? strlen(name) : 0;

    if (n < 2 || n > 40)
        goto bad;
    if (!((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z')))
        goto bad;
    for (size_t i = 1; i < n; i++) {
        char ch = name[i];

        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '_' || ch == '-'))
            goto bad;
    }
    if (!strcasecmp(name, "current") || !strcasecmp(name, "pending"))
        return lb_err_set(err, LB_EUSAGE,
                          "'%s' is reserved by Proxmox: choose another snapshot "
                          "name",
                          name);
    return 0;
bad:
    return lb_err_set(err, LB_EUSAGE,
                      "'%.60s' is not a valid snapshot name: use 2-40 letters, digits, '_' or '-', "
                      "starting with a letter",
                      name ? name : "");
}

int pve_check_drill_vmid(int vmid, int from, int to, struct lb_err *err)
{
    if (from <= 0 || to < from)
        return lb_err_set(err, LB_ECONFIG,
                          "refusing to touch VMID %d: no drill range is configured (set "
                          "restore_vmid_range in [drill])",
                          vmid);
    if (vmid < from || vmid > to)
        return lb_err_set(err, LB_EPERM,
                          "refusing to touch VMID %d: it lies outside the drill range %d-%d "
                          "([drill] restore_vmid_range); lifeboat restores and destroys only "
                          "scratch guests",
                          vmid, from, to);
    return 0;
}

static char *snap_base(const char *node, const char *type, int vmid, const char *name)
{
    struct buf b = BUF_INIT(0);

    guest_path(&b, node, type, vmid);
    buf_puts(&b, "/snapshot");
    if (name) {
        buf_puts(&b, "/");
        pmx_escape(&b, name);
    }
    return buf_detach(&b);
}

struct pmx_call *pve_snapshot_create(struct pmx_client *c, const char *node, const char *type,
                                     int vmid, const char *name, const char *description,
                                     bool vmstate, pmx_result_fn done, void *arg,
                                     struct lb_err *err)
{
    struct buf form = BUF_INIT(0);
    struct pmx_call *call;
    char *path, need[64];

    if (check_type(type, err) < 0 || pve_check_snapname(name, err) < 0)
        return NULL;
    buf_puts(&form, "snapname=");
    pmx_escape(&form, name);
    if (description && *description) {
        buf_puts(&form, "&description=");
        pmx_escape(&form, description);
    }
    if (vmstate && !strcmp(type, "qemu"))
        buf_puts(&form, "&vmstate=1");
    path = snap_base(node, type, vmid, NULL);
    snprintf(need, sizeof(need), "VM.Snapshot on /vms/%d", vmid);
    call = act(c, "POST", path, buf_cstr(&form), need, done, arg, err);
    free(path);
    buf_release(&form);
    return call;
}

struct pmx_call *pve_snapshot_rollback(struct pmx_client *c, const char *node, const char *type,
                                       int vmid, const char *name, bool start, pmx_result_fn done,
                                       void *arg, struct lb_err *err)
{
    struct pmx_call *call;
    char *base, *path, need[96];

    if (check_type(type, err) < 0 || !name || !*name) {
        if (name && !*name)
            lb_err_set(err, LB_EUSAGE, "which snapshot? (no name given)");
        return NULL;
    }
    base = snap_base(node, type, vmid, name);
    path = xasprintf("%s/rollback", base);
    snprintf(need, sizeof(need), "VM.Snapshot.Rollback on /vms/%d%s", vmid,
             start ? " (and VM.PowerMgmt to start it)" : "");
    call = act(c, "POST", path, start ? "start=1" : "start=0", need, done, arg, err);
    free(path);
    free(base);
    return call;
}

struct pmx_call *pve_snapshot_delete(struct pmx_client *c, const char *node, const char *type,
                                     int vmid, const char *name, pmx_result_fn done, void *arg,
                                     struct lb_err *err)
{
    struct pmx_call *call;
    char *path, need[64];

    if (check_type(type, err) < 0)
        return NULL;
    if (!name || !*name) {
        lb_err_set(err, LB_EUSAGE, "which snapshot? (no name given)");
        return NULL;
    }
    path = snap_base(node, type, vmid, name);
    snprintf(need, sizeof(need), "VM.Snapshot on /vms/%d", vmid);
    call = act(c, "DELETE", path, NULL, need, done, arg, err);
    free(path);
    return call;
}

static void form_add(struct buf *form, const char *key, const char *value)
{
    if (!value || !*value)
        return;
    buf_printf(form, "%s%s=", form->len ? "&" : "", key);
    pmx_escape(form, value);
}

/* POST /nodes/NODE/vzdump with the form (released here) */
static struct pmx_call *vzdump_post(struct pmx_client *c, const char *node, struct buf *form,
                                    pmx_result_fn done, void *arg, struct lb_err *err)
{
    struct buf path = BUF_INIT(0);
    struct pmx_call *call;

    node_path(&path, node);
    buf_puts(&path, "/vzdump");
    call =
        act(c, "POST", buf_cstr(&path), buf_cstr(form),
            "VM.Backup on the guests and Datastore.AllocateSpace on the storage", done, arg, err);
    buf_release(form);
    buf_release(&path);
    return call;
}

struct pmx_call *pve_vzdump(struct pmx_client *c, const char *node, const char *vmids,
                            const char *storage, const char *mode, pmx_result_fn done, void *arg,
                            struct lb_err *err)
{
    struct buf form = BUF_INIT(0);

    form_add(&form, "vmid", vmids);
    form_add(&form, "storage", storage);
    form_add(&form, "mode", mode ? mode : "snapshot");
    return vzdump_post(c, node, &form, done, arg, err);
}

struct pmx_call *pve_backup_job_run(struct pmx_client *c, const char *node,
                                    const struct pve_backup_job *job, pmx_result_fn done, void *arg,
                                    struct lb_err *err)
{
    struct buf form = BUF_INIT(0);

    if (job->all || job->exclude) {
        buf_puts(&form, "all=1");
        form_add(&form, "exclude", job->exclude);
    } else if (job->pool) {
        form_add(&form, "pool", job->pool);
    } else if (job->vmid && *job->vmid) {
        form_add(&form, "vmid", job->vmid);
    } else {
        lb_err_set(err, LB_EUSAGE, "backup job '%s' selects no guest", job->id);
        return NULL;
    }
    form_add(&form, "storage", job->storage);
    form_add(&form, "mode", job->mode);
    form_add(&form, "notes-template", job->notes_template);
    return vzdump_post(c, job->node && *job->node ? job->node : node, &form, done, arg, err);
}

struct pmx_call *pve_restore_guest(struct pmx_client *c, const char *node, const char *type,
                                   int vmid, const char *archive, const char *storage,
                                   unsigned flags, pmx_result_fn done, void *arg,
                                   struct lb_err *err)
{
    struct buf form = BUF_INIT(0), path = BUF_INIT(0);
    struct pmx_call *call;
    char id[16];

    if (check_type(type, err) < 0)
        return NULL;
    if (vmid < 100 || vmid > 999999999) {
        lb_err_set(err, LB_EUSAGE, "VMID %d is not a guest id (100-999999999)", vmid);
        return NULL;
    }
    if (!archive || !strstr(archive, ":backup/")) {
        lb_err_set(err, LB_EUSAGE, "'%s' is not a backup volume (STORAGE:backup/...)",
                   archive ? archive : "");
        return NULL;
    }
    snprintf(id, sizeof(id), "%d", vmid);
    form_add(&form, "vmid", id);
    if (!strcmp(type, "qemu")) {
        form_add(&form, "archive", archive);
    } else {
        form_add(&form, "ostemplate", archive);
        buf_puts(&form, "&restore=1");
    }
    form_add(&form, "storage", storage);
    if (flags & PVE_RESTORE_UNIQUE)
        buf_puts(&form, "&unique=1");
    if (flags & PVE_RESTORE_FORCE)
        buf_puts(&form, "&force=1");
    node_path(&path, node); /* POST /nodes/NODE/TYPE */
    buf_printf(&path, "/%s", type);
    call = act(c, "POST", buf_cstr(&path), buf_cstr(&form),
               flags & PVE_RESTORE_FORCE
                   ? "VM.Backup on the guest and Datastore.AllocateSpace on the target storage"
                   : "VM.Allocate on /vms and Datastore.AllocateSpace on the target storage",
               done, arg, err);
    buf_release(&form);
    buf_release(&path);
    return call;
}

struct pmx_call *pve_restore(struct pmx_client *c, const char *node, const char *type, int vmid,
                             const char *archive, const char *storage, int from, int to,
                             pmx_result_fn done, void *arg, struct lb_err *err)
{
    if (check_type(type, err) < 0 || pve_check_drill_vmid(vmid, from, to, err) < 0)
        return NULL;
    /* unique: a drill copy must not clash with the original's MACs */
    return pve_restore_guest(c, node, type, vmid, archive, storage, PVE_RESTORE_UNIQUE, done, arg,
                             err);
}

struct pmx_call *pve_destroy(struct pmx_client *c, const char *node, const char *type, int vmid,
                             int from, int to, pmx_result_fn done, void *arg, struct lb_err *err)
{
    struct buf path = BUF_INIT(0);
    struct pmx_call *call;
    char need[64];

    if (check_type(type, err) < 0 || pve_check_drill_vmid(vmid, from, to, err) < 0)
        return NULL;
    guest_path(&path, node, type, vmid);
    buf_puts(&path, "?purge=1&destroy-unreferenced-disks=1");
    snprintf(need, sizeof(need), "VM.Allocate on /vms/%d", vmid);
    call = act(c, "DELETE", buf_cstr(&path), NULL, need, done, arg, err);
    buf_release(&path);
    return call;
}
