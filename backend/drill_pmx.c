/*
 * The rollback and PBS drills (see drill_pmx.h): a chain of steps over the
 * loop. A read step starts an API call whose records go to d->next; an
 * action step starts a call whose UPID is followed to its end (pmx_action.h),
 * then d->after runs. Any failure goes to fail(), which first removes what
 * the drill created (the drill snapshot, the restored guest), then records.
 */
#include "backend/drill_pmx.h"

#include <ctype.h>
#include <stdarg.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/base/buf.h"
#include "backend/base/clock.h"
#include "backend/base/log.h"
#include "backend/base/str.h"
#include "backend/base/xalloc.h"
#include "backend/config.h"
#include "backend/drills.h"
#include "backend/http.h"
#include "backend/loop.h"
#include "backend/pmx_action.h"
#include "backend/proxmox.h"
#include "backend/pve.h"
#include "backend/runlock.h"

#define DRILL_SNAP_PREFIX "lifeboat-drill-"
#define TASK_MAX_MS       (4 * 3600 * 1000LL)

struct drill_pmx {
    struct loop *loop;
    const struct config *cfg;
    struct store *st;
    struct http *http;
    struct pmx_client *pve;
    struct runlock *lock;
    void (*on_update)(struct drill_pmx *d, void *arg);
    void *arg;
    struct store_drill rec;
    char step[160];
    bool rollback; /* else pbs */
    bool done, cancelled, failing;
    struct pmx_call *call; /* a read */
    struct pmx_action act; /* an action: its request, then its task */
    bool freeing;          /* drill_pmx_free: callbacks of what it cancels do nothing */
    void (*next)(struct drill_pmx *d, struct vec *out);
    void (*after)(struct drill_pmx *d);
    char fail_text[512];
    struct buf phases;
    int64_t phase_ms, rto_start_ms;
    /* the guest */
    int vmid;
    char type[8], node[64], name[64];
    /* rollback */
    char prior_status[16], prior_parent[64], prior_digest[64];
    char snap[48];
    bool snap_made, snap_removed;
    int leftovers;
    /* pbs */
    int src_vmid;
    bool start;
    char storage[64], volid[256];
    struct vec backup_conf; /* struct drill_kv * */
    bool restore_started, restored_gone;
};

/* ---------------------------------------------------------------- pure parts */

void drill_kv_free(void *p)
{
    struct drill_kv *kv = p;

    if (!kv)
        return;
    free(kv->k);
    free(kv->v);
    free(kv);
}

static void kv_push(struct vec *out, const char *k, size_t kn, const char *v, size_t vn)
{
    struct drill_kv *kv = xcalloc(1, sizeof(*kv));

    kv->k = xasprintf("%.*s", (int)kn, k);
    kv->v = xasprintf("%.*s", (int)vn, v);
    vec_push(out, kv);
}

void drill_conf_parse_text(const char *text, struct vec *out)
{
    const char *p = text;

    while (p && *p) {
        const char *e = strchr(p, '\n'), *colon;
        size_t len = e ? (size_t)(e - p) : strlen(p);

        if (len && p[0] == '[')
            break; /* [snapshot] / [pending] sections: not the guest's current config */
        colon = memchr(p, ':', len);
        if (len && p[0] != '#' && colon) {
            const char *v = colon + 1;

            while (v < p + len && *v == ' ')
                v++;
            kv_push(out, p, (size_t)(colon - p), v, (size_t)(p + len - v));
        }
        p = e ? e + 1 : NULL;
    }
}

const struct drill_kv *drill_kv_find(const struct vec *v, const char *k)
{
    for (size_t i = 0; i < v->len; i++) {
        const struct drill_kv *kv = v->items[i];

        if (!strcmp(kv->k, k))
            return kv;
    }
    return NULL;
}

static bool is_disk_key(const char *k)
{
    static const char *const pre[] = { "scsi", "virtio", "sata", "ide", "mp", NULL };

    if (!strcmp(k, "rootfs") || !strcmp(k, "efidisk0") || !strcmp(k, "tpmstate0"))
        return true;
    for (size_t i = 0; pre[i]; i++) {
        size_t n = strlen(pre[i]);

        if (!strncmp(k, pre[i], n) && isdigit((unsigned char)k[n]))
            return !!strcmp(k, "scsihw");
    }
    return false;
}

/* A disk value without its volume: "local-lvm:vm-9100-disk-0,size=8G" -> ",size=8G". */
static const char *disk_opts(const char *v)
{
    const char *c = strchr(v, ',');

    if (strstr(v, "media=cdrom"))
        return v; /* an ISO keeps its name */
    return c ? c : "";
}

int drill_conf_compare(const struct vec *backup, const struct vec *restored, char *why, size_t n)
{
    int diffs = 0;
    struct buf b = BUF_INIT(0);

    for (size_t i = 0; i < backup->len; i++) {
        const struct drill_kv *kv = backup->items[i], *r;
        const char *a, *bv;

        if (!strcmp(kv->k, "digest") || !strcmp(kv->k, "parent") || !strcmp(kv->k, "lock"))
            continue;
        r = drill_kv_find(restored, kv->k);
        a = kv->v;
        bv = r ? r->v : NULL;
        if (bv && is_disk_key(kv->k)) {
            a = disk_opts(a);
            bv = disk_opts(bv);
        }
        if (bv && !strcmp(a, bv))
            continue;
        if (diffs++ < 3) {
            if (b.len)
                buf_puts(&b, "; ");
            if (bv)
                buf_printf(&b, "%s is '%.60s', the backup has '%.60s'", kv->k, bv, a);
            else
                buf_printf(&b, "%s of the backup is missing", kv->k);
        }
    }
    str_copy(why, n, diffs ? buf_cstr(&b) : "");
    str_sanitize(why);
    buf_release(&b);
    return diffs;
}

int drill_free_vmid(const int *taken, size_t n, int from, int to)
{
    if (from <= 0 || to < from)
        return 0;
    for (int v = from; v <= to; v++) {
        bool used = false;

        for (size_t i = 0; i < n && !used; i++)
            used = taken[i] == v;
        if (!used)
            return v;
    }
    return 0;
}

/* ---------------------------------------------------------------- API helpers */

int drill_conf_parse_json(const char *body, size_t len, struct vec *out, struct lb_err *err)
{
    json_error_t je;
    json_t *root = json_loadb(body, len, 0, &je), *data;
    const char *k;
    json_t *v;

    if (!root)
        return lb_err_set(err, LB_EPARSE, "guest config: %s", je.text);
    data = json_object_get(root, "data");
    if (!json_is_object(data)) {
        json_decref(root);
        return lb_err_set(err, LB_EPARSE, "guest config: no object in 'data'");
    }
    json_object_foreach(data, k, v)
    {
        char num[64];
        const char *s = NULL;

        if (json_is_string(v))
            s = json_string_value(v);
        else if (json_is_integer(v))
            snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v)), s = num;
        else if (json_is_real(v))
            snprintf(num, sizeof(num), "%g", json_real_value(v)), s = num;
        if (s)
            kv_push(out, k, strlen(k), s, strlen(s));
    }
    json_decref(root);
    return 0;
}

int drill_conf_parse_extract(const char *body, size_t len, struct vec *out, struct lb_err *err)
{
    json_error_t je;
    json_t *root = json_loadb(body, len, 0, &je), *data;

    if (!root)
        return lb_err_set(err, LB_EPARSE, "backup config: %s", je.text);
    data = json_object_get(root, "data");
    if (!json_is_string(data)) {
        json_decref(root);
        return lb_err_set(err, LB_EPARSE, "backup config: no text in 'data'");
    }
    drill_conf_parse_text(json_string_value(data), out);
    json_decref(root);
    return 0;
}

/* ---------------------------------------------------------------- the chain */

static void notify(struct drill_pmx *d)
{
    if (d->on_update)
        d->on_update(d, d->arg);
}

static void set_step(struct drill_pmx *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_step(struct drill_pmx *d, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(d->step, sizeof(d->step), fmt, ap);
    va_end(ap);
    str_sanitize(d->step);
    log_info("drill %lld (%s): %s", (long long)d->rec.id, d->rec.kind, d->step);
    notify(d);
}

static void phase_done(struct drill_pmx *d, const char *name)
{
    int64_t now = loop_now_ms(d->loop);

    drill_phase_add(&d->phases, name, now - d->phase_ms, &d->rec);
    d->phase_ms = now;
}

static void record(struct drill_pmx *d)
{
    if (d->rec.id) /* inserted when the drill started */
        drill_record_save(d->st, &d->rec, "drill");
}

static void finish(struct drill_pmx *d, const char *outcome)
{
    if (d->done)
        return;
    d->done = true;
    str_copy(d->rec.outcome, sizeof(d->rec.outcome), outcome);
    if (d->fail_text[0] && !d->rec.error[0])
        str_copy(d->rec.error, sizeof(d->rec.error), d->fail_text);
    d->rec.ended = clock_now();
    record(d);
    runlock_release(d->lock);
    d->lock = NULL;
    set_step(d, "%s drill %s", d->rec.kind, outcome);
}

static void cleanup(struct drill_pmx *d);

/* Something went wrong: remove what the drill made, then record it failed (or cancelled). */
static void fail(struct drill_pmx *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct drill_pmx *d, const char *fmt, ...)
{
    va_list ap;

    if (d->failing || d->done)
        return;
    d->failing = true;
    va_start(ap, fmt);
    vsnprintf(d->fail_text, sizeof(d->fail_text), fmt, ap);
    va_end(ap);
    str_sanitize(d->fail_text);
    cleanup(d);
}

static void on_read(int rc, const struct lb_err *err, struct vec *out, void *arg)
{
    struct drill_pmx *d = arg;
    void (*next)(struct drill_pmx *, struct vec *) = d->next;

    d->call = NULL;
    if (d->freeing)
        return;
    if (rc < 0) {
        if (d->failing)
            d->after = NULL, finish(d, d->cancelled ? "cancelled" : "failed");
        else
            fail(d, "%s", d->cancelled ? "cancelled by the operator" : err->msg);
        return;
    }
    next(d, out);
}

/* Start a read; its records go to next. */
static void read_then(struct drill_pmx *d, struct pmx_call *call, const struct lb_err *err,
                      void (*next)(struct drill_pmx *, struct vec *))
{
    d->next = next;
    if (!call) {
        if (d->failing)
            finish(d, d->cancelled ? "cancelled" : "failed");
        else
            fail(d, "%s", err->msg);
        return;
    }
    d->call = call;
}

static void on_task_done(int rc, const struct lb_err *err, enum pmx_outcome outcome,
                         const char *exitstatus, void *arg)
{
    struct drill_pmx *d = arg;
    void (*after)(struct drill_pmx *) = d->after;

    if (d->freeing)
        return;
    if (rc < 0 || (outcome != PMX_OK && outcome != PMX_WARNINGS)) {
        char what[96];

        str_copy(what, sizeof(what), d->act.what);
        if (d->failing) {
            /* a cleanup task failed: say so, leave it for the next start */
            size_t l = strlen(d->fail_text);

            snprintf(d->fail_text + l, sizeof(d->fail_text) - l, "; %s failed too: %s", what,
                     rc < 0 ? err->msg : exitstatus ? exitstatus : "?");
            finish(d, d->cancelled ? "cancelled" : "failed");
            return;
        }
        fail(d, "%s: %s", what,
             d->cancelled ? "cancelled by the operator" : rc < 0 ? err->msg
                                              : exitstatus ? exitstatus
                                                           : "the task failed");
        return;
    }
    after(d);
}

/* Start an action; its task is followed, then after runs. */
static void task_then(struct drill_pmx *d, struct pmx_call *call, const struct lb_err *err,
                      const char *what, void (*after)(struct drill_pmx *))
{
    d->after = after;
    pmx_action_start(&d->act, call, err, what);
}

static const struct pve_guest *find_guest(struct vec *guests, int vmid)
{
    for (size_t i = 0; i < guests->len; i++) {
        const struct pve_guest *g = guests->items[i];

        if (g && g->vmid == vmid)
            return g;
    }
    return NULL;
}

static void read_config(struct drill_pmx *d, int vmid, void (*next)(struct drill_pmx *, struct vec *))
{
    struct lb_err e = { 0 };
    char path[160], need[64];
    struct pmx_req r = { 0 };

    snprintf(path, sizeof(path), "/nodes/%s/%s/%d/config", d->node, d->type, vmid);
    snprintf(need, sizeof(need), "VM.Audit on /vms/%d", vmid);
    r.path = path;
    r.need = need;
    r.parse = drill_conf_parse_json;
    r.item_free = drill_kv_free;
    d->next = next;
    read_then(d, pmx_call_start(d->pve, &r, on_read, d, &e), &e, next);
}

static void read_guests(struct drill_pmx *d, void (*next)(struct drill_pmx *, struct vec *))
{
    struct lb_err e = { 0 };

    d->next = next;
    read_then(d, pve_get_guests(d->pve, on_read, d, &e), &e, next);
}

/* ---- cleanup (after a failure or a cancel) */

static void cleanup_gone(struct drill_pmx *d, struct vec *out)
{
    d->restored_gone = !find_guest(out, d->vmid);
    d->rec.cleaned = d->restored_gone;
    finish(d, d->cancelled ? "cancelled" : "failed");
}

static void cleanup_done(struct drill_pmx *d)
{
    if (d->rollback) {
        d->snap_removed = true;
        d->rec.cleaned = 1;
        finish(d, d->cancelled ? "cancelled" : "failed");
        return;
    }
    read_guests(d, cleanup_gone);
}

static void cleanup_stopped(struct drill_pmx *d)
{
    struct lb_err e = { 0 };

    task_then(d,
              pve_destroy(d->pve, d->node, d->type, d->vmid, d->cfg->drill.vmid_from,
                          d->cfg->drill.vmid_to, pmx_action_answer, &d->act, &e),
              &e, "destroying the restored guest", cleanup_done);
}

static void cleanup_guest(struct drill_pmx *d, struct vec *out)
{
    const struct pve_guest *g = find_guest(out, d->vmid);
    struct lb_err e = { 0 };
    char path[160];
    struct pmx_req r = { .method = "POST",
                         .path = path,
                         .need = "VM.PowerMgmt",
                         .parse = pmx_parse_string,
                         .item_free = pmx_string_free };

    if (!g) {
        d->rec.cleaned = 1;
        finish(d, d->cancelled ? "cancelled" : "failed");
        return;
    }
    if (g->status && !strcmp(g->status, "running")) {
        snprintf(path, sizeof(path), "/nodes/%s/%s/%d/status/stop", d->node, d->type, d->vmid);
        task_then(d, pmx_call_start(d->pve, &r, pmx_action_answer, &d->act, &e), &e,
                  "stopping the restored guest", cleanup_stopped);
        return;
    }
    cleanup_stopped(d);
}

static void cleanup(struct drill_pmx *d)
{
    struct lb_err e = { 0 };

    if (d->rollback && d->snap_made && !d->snap_removed) {
        set_step(d, "removing drill snapshot %s of %s", d->snap, d->name);
        task_then(d,
                  pve_snapshot_delete(d->pve, d->node, d->type, d->vmid, d->snap,
                                      pmx_action_answer, &d->act, &e),
                  &e, "removing the drill snapshot", cleanup_done);
        return;
    }
    if (!d->rollback && d->restore_started && !d->restored_gone) {
        set_step(d, "removing restored guest %d", d->vmid);
        read_guests(d, cleanup_guest);
        return;
    }
    if (d->rollback ? !d->snap_made : !d->restore_started)
        d->rec.cleaned = 1; /* nothing was created */
    finish(d, d->cancelled ? "cancelled" : "failed");
}

/* ---------------------------------------------------------------- rollback */

static void rb_snapshots(struct drill_pmx *d, struct vec *out);

static void rb_final_config(struct drill_pmx *d, struct vec *out)
{
    const struct drill_kv *dg = drill_kv_find(out, "digest"), *pa = drill_kv_find(out, "parent");
    const char *parent = pa ? pa->v : "";

    phase_done(d, "remove snapshot");
    if (!dg || strcmp(dg->v, d->prior_digest) != 0 || strcmp(parent, d->prior_parent) != 0) {
        d->rec.verified = 0;
        snprintf(d->rec.verify_note, sizeof(d->rec.verify_note),
                 "config digest after the drill %.12s, before %.12s (parent '%s', before '%s')",
                 dg ? dg->v : "(none)", d->prior_digest, parent, d->prior_parent);
        str_sanitize(d->rec.verify_note);
        snprintf(d->fail_text, sizeof(d->fail_text),
                 "the guest's config is not the one it had before the drill: %s",
                 d->rec.verify_note);
        finish(d, "failed");
        return;
    }
    d->rec.verified = 1;
    snprintf(d->rec.verify_note, sizeof(d->rec.verify_note),
             "status %s as before; config digest %.12s as before; drill snapshot removed",
             d->prior_status, d->prior_digest);
    str_sanitize(d->rec.verify_note);
    finish(d, "ok");
}

static void rb_deleted(struct drill_pmx *d)
{
    d->snap_removed = true;
    d->rec.cleaned = 1;
    set_step(d, "checking the config of %s against the one before the drill", d->name);
    read_config(d, d->vmid, rb_final_config);
}

static void rb_after_config(struct drill_pmx *d, struct vec *out)
{
    const struct drill_kv *pa = drill_kv_find(out, "parent");
    struct lb_err e = { 0 };

    if (!pa || strcmp(pa->v, d->snap) != 0) {
        fail(d, "after the rollback the guest runs on '%s', not on the drill snapshot %s",
             pa ? pa->v : "(no parent)", d->snap);
        return;
    }
    d->rec.rto_ms = loop_now_ms(d->loop) - d->rto_start_ms;
    phase_done(d, "confirm");
    set_step(d, "removing drill snapshot %s", d->snap);
    task_then(d,
              pve_snapshot_delete(d->pve, d->node, d->type, d->vmid, d->snap, pmx_action_answer,
                                  &d->act, &e),
              &e, "removing the drill snapshot", rb_deleted);
}

static void rb_after_guests(struct drill_pmx *d, struct vec *out)
{
    const struct pve_guest *g = find_guest(out, d->vmid);

    if (!g) {
        fail(d, "guest %d is gone after the rollback", d->vmid);
        return;
    }
    if (strcmp(g->status ? g->status : "", d->prior_status) != 0) {
        d->rec.verified = 0;
        fail(d, "after the rollback guest %d is %s, it was %s before", d->vmid,
             g->status ? g->status : "?", d->prior_status);
        return;
    }
    read_config(d, d->vmid, rb_after_config);
}

static void rb_rolled_back(struct drill_pmx *d)
{
    phase_done(d, "rollback");
    set_step(d, "confirming %s is %s and runs on the drill snapshot", d->name, d->prior_status);
    read_guests(d, rb_after_guests);
}

static void rb_created(struct drill_pmx *d)
{
    struct lb_err e = { 0 };
    bool lxc_running = !strcmp(d->type, "lxc") && !strcmp(d->prior_status, "running");

    phase_done(d, "snapshot");
    d->rto_start_ms = loop_now_ms(d->loop);
    d->rec.rpo_seconds = (int64_t)(clock_now() - d->rec.snapshot_time);
    set_step(d, "rolling %s back to %s", d->name, d->snap);
    task_then(d,
              pve_snapshot_rollback(d->pve, d->node, d->type, d->vmid, d->snap, lxc_running,
                                    pmx_action_answer, &d->act, &e),
              &e, "the rollback", rb_rolled_back);
}

static void rb_prior_config(struct drill_pmx *d, struct vec *out)
{
    const struct drill_kv *dg = drill_kv_find(out, "digest"), *pa = drill_kv_find(out, "parent");
    struct lb_err e = { 0 };
    bool vmstate = !strcmp(d->type, "qemu") && !strcmp(d->prior_status, "running");
    struct tm tm;
    time_t now = clock_now();

    if (!dg) {
        fail(d, "the config of guest %d has no digest: cannot confirm its state afterwards",
             d->vmid);
        return;
    }
    str_copy(d->prior_digest, sizeof(d->prior_digest), dg->v);
    str_copy(d->prior_parent, sizeof(d->prior_parent), pa ? pa->v : "");
    phase_done(d, "inspect");
    localtime_r(&now, &tm);
    strftime(d->snap, sizeof(d->snap), DRILL_SNAP_PREFIX "%Y%m%d-%H%M%S", &tm);
    str_copy(d->rec.snapshot_id, sizeof(d->rec.snapshot_id), d->snap);
    d->rec.snapshot_time = now;
    record(d);
    set_step(d, "snapshotting %s as %s%s", d->name, d->snap, vmstate ? " (with RAM)" : "");
    d->snap_made = true; /* from here, cleanup tries to remove it */
    task_then(d,
              pve_snapshot_create(d->pve, d->node, d->type, d->vmid, d->snap,
                                  "lifeboat rollback drill: removed when the drill ends", vmstate,
                                  pmx_action_answer, &d->act, &e),
              &e, "the drill snapshot", rb_created);
}

static void rb_leftover_gone(struct drill_pmx *d)
{
    struct lb_err e = { 0 };

    d->next = rb_snapshots;
    read_then(d, pve_get_snapshots(d->pve, d->node, d->type, d->vmid, on_read, d, &e), &e,
              rb_snapshots);
}

static void rb_snapshots(struct drill_pmx *d, struct vec *out)
{
    const struct pve_snapshot_list *sl = out->len ? out->items[0] : NULL;
    struct lb_err e = { 0 };

    for (size_t i = 0; sl && i < sl->snaps.len; i++) {
        const struct pve_snapshot *s = sl->snaps.items[i];

        if (!strncmp(s->name, DRILL_SNAP_PREFIX, strlen(DRILL_SNAP_PREFIX))) {
            char what[96];

            if (d->leftovers++ > 5) {
                fail(d, "drill snapshot %s of an earlier drill cannot be removed", s->name);
                return;
            }
            set_step(d, "removing %s left by an interrupted drill", s->name);
            snprintf(what, sizeof(what), "removing leftover snapshot %.48s", s->name);
            task_then(d,
                      pve_snapshot_delete(d->pve, d->node, d->type, d->vmid, s->name,
                                          pmx_action_answer, &d->act, &e),
                      &e, what, rb_leftover_gone);
            return;
        }
    }
    read_config(d, d->vmid, rb_prior_config);
}

static void rb_guests(struct drill_pmx *d, struct vec *out)
{
    const struct pve_guest *g = find_guest(out, d->vmid);
    struct lb_err e = { 0 };

    if (!g) {
        fail(d, "rollback_vmid %d is not a guest of [pve %s]: set [drill] rollback_vmid to the "
                "test guest",
             d->vmid, d->cfg->pves.len ? ((struct pve_cfg *)d->cfg->pves.items[0])->name : "?");
        return;
    }
    if (g->is_template) {
        fail(d, "guest %d is a template: a rollback drill needs an ordinary test guest", d->vmid);
        return;
    }
    if (g->lock) {
        fail(d, "guest %d is locked (%s): wait for what runs on it", d->vmid, g->lock);
        return;
    }
    str_copy(d->type, sizeof(d->type), g->type);
    str_copy(d->node, sizeof(d->node), g->node ? g->node : "");
    str_copy(d->prior_status, sizeof(d->prior_status), g->status ? g->status : "");
    snprintf(d->name, sizeof(d->name), "%s %d %s", !strcmp(g->type, "lxc") ? "ct" : "vm", g->vmid,
             g->name ? g->name : "");
    str_sanitize(d->name);
    str_copy(d->rec.target, sizeof(d->rec.target), d->name);
    record(d);
    set_step(d, "reading the snapshots of %s", d->name);
    d->next = rb_snapshots;
    read_then(d, pve_get_snapshots(d->pve, d->node, d->type, d->vmid, on_read, d, &e), &e,
              rb_snapshots);
}

/* ---------------------------------------------------------------- pbs */

static void pbs_gone(struct drill_pmx *d, struct vec *out)
{
    if (find_guest(out, d->vmid)) {
        snprintf(d->fail_text, sizeof(d->fail_text),
                 "guest %d is still listed after it was destroyed", d->vmid);
        finish(d, "failed");
        return;
    }
    d->restored_gone = true;
    d->rec.cleaned = 1;
    phase_done(d, "destroy");
    finish(d, d->rec.verified == 1 ? "ok" : "failed");
}

static void pbs_destroyed(struct drill_pmx *d)
{
    read_guests(d, pbs_gone);
}

static void pbs_destroy(struct drill_pmx *d)
{
    struct lb_err e = { 0 };

    set_step(d, "destroying restored guest %d", d->vmid);
    task_then(d,
              pve_destroy(d->pve, d->node, d->type, d->vmid, d->cfg->drill.vmid_from,
                          d->cfg->drill.vmid_to, pmx_action_answer, &d->act, &e),
              &e, "destroying the restored guest", pbs_destroyed);
}

static void power(struct drill_pmx *d, const char *action, const char *what,
                  void (*after)(struct drill_pmx *))
{
    struct lb_err e = { 0 };
    char path[160];
    struct pmx_req r = { .method = "POST",
                         .path = path,
                         .need = "VM.PowerMgmt",
                         .timeout_ms = 60000,
                         .parse = pmx_parse_string,
                         .item_free = pmx_string_free };

    snprintf(path, sizeof(path), "/nodes/%s/%s/%d/status/%s", d->node, d->type, d->vmid, action);
    task_then(d, pmx_call_start(d->pve, &r, pmx_action_answer, &d->act, &e), &e, what, after);
}

static void pbs_stopped(struct drill_pmx *d)
{
    phase_done(d, "stop");
    pbs_destroy(d);
}

static void pbs_running(struct drill_pmx *d, struct vec *out)
{
    const struct pve_guest *g = find_guest(out, d->vmid);

    if (!g || !g->status || strcmp(g->status, "running") != 0) {
        d->rec.verified = 0;
        fail(d, "restored guest %d did not run after its start (%s)", d->vmid,
             g && g->status ? g->status : "gone");
        return;
    }
    d->rec.rto_ms = loop_now_ms(d->loop) - d->rto_start_ms;
    phase_done(d, "start");
    size_t l = strlen(d->rec.verify_note);
    snprintf(d->rec.verify_note + l, sizeof(d->rec.verify_note) - l, "; started and running");
    set_step(d, "stopping restored guest %d", d->vmid);
    power(d, "stop", "stopping the restored guest", pbs_stopped);
}

static void pbs_started(struct drill_pmx *d)
{
    read_guests(d, pbs_running);
}

static void pbs_restored_config(struct drill_pmx *d, struct vec *out)
{
    char why[256];
    int diffs = drill_conf_compare(&d->backup_conf, out, why, sizeof(why));

    phase_done(d, "verify");
    if (diffs) {
        d->rec.verified = 0;
        snprintf(d->rec.verify_note, sizeof(d->rec.verify_note),
                 "%d difference%s from the backup's config: %.200s", diffs,
                 diffs == 1 ? "" : "s", why);
        fail(d, "the restored config differs from the backup's: %s", why);
        return;
    }
    d->rec.verified = 1;
    snprintf(d->rec.verify_note, sizeof(d->rec.verify_note),
             "config equal to the backup's (%zu keys, disks by size)", d->backup_conf.len);
    d->rec.rto_ms = loop_now_ms(d->loop) - d->rto_start_ms;
    record(d);
    if (d->start) {
        set_step(d, "starting restored guest %d", d->vmid);
        power(d, "start", "starting the restored guest", pbs_started);
        return;
    }
    pbs_destroy(d);
}

static void pbs_restored(struct drill_pmx *d)
{
    phase_done(d, "restore");
    set_step(d, "comparing the config of guest %d with the backup's", d->vmid);
    read_config(d, d->vmid, pbs_restored_config);
}

static void pbs_backup_conf(struct drill_pmx *d, struct vec *out)
{
    struct lb_err e = { 0 };

    for (size_t i = 0; i < out->len; i++) {
        vec_push(&d->backup_conf, out->items[i]);
        out->items[i] = NULL;
    }
    if (!d->backup_conf.len) {
        fail(d, "the backup %s holds no guest config", d->volid);
        return;
    }
    phase_done(d, "inspect");
    d->rto_start_ms = loop_now_ms(d->loop);
    d->restore_started = true;
    record(d);
    set_step(d, "restoring %s into new guest %d", d->volid, d->vmid);
    task_then(d,
              pve_restore(d->pve, d->node, d->type, d->vmid, d->volid, NULL,
                          d->cfg->drill.vmid_from, d->cfg->drill.vmid_to, pmx_action_answer,
                          &d->act, &e),
              &e, "the restore", pbs_restored);
}

static void pbs_backups(struct drill_pmx *d, struct vec *out)
{
    const struct pve_backup *best = NULL;
    struct lb_err e = { 0 };
    char path[512];
    struct buf q = BUF_INIT(0);
    struct pmx_req r = { .path = path,
                         .need = "VM.Backup / Datastore.AllocateSpace",
                         .parse = drill_conf_parse_extract,
                         .item_free = drill_kv_free };

    for (size_t i = 0; i < out->len; i++) {
        const struct pve_backup *b = out->items[i];

        if (b->vmid == d->src_vmid && (!best || b->ctime > best->ctime))
            best = b;
    }
    if (!best) {
        fail(d, "guest %d has no backup on storage %s: run its backup job first", d->src_vmid,
             d->storage);
        return;
    }
    str_copy(d->volid, sizeof(d->volid), best->volid);
    str_copy(d->type, sizeof(d->type), best->subtype[0] ? best->subtype : "qemu");
    str_copy(d->rec.snapshot_id, sizeof(d->rec.snapshot_id),
             strrchr(best->volid, '/') ? strrchr(best->volid, '/') + 1 : best->volid);
    str_sanitize(d->rec.snapshot_id);
    d->rec.snapshot_time = best->ctime;
    d->rec.rpo_seconds = best->ctime ? (int64_t)(clock_now() - best->ctime) : -1;
    d->rec.bytes = best->size;
    d->rec.full_bytes = best->size;
    snprintf(d->rec.scope, sizeof(d->rec.scope), "newest backup of guest %d: %s", d->src_vmid,
             best->volid);
    str_sanitize(d->rec.scope);
    record(d);
    pmx_escape(&q, d->volid);
    snprintf(path, sizeof(path), "/nodes/%s/vzdump/extractconfig?volume=%s", d->node,
             buf_cstr(&q));
    buf_release(&q);
    set_step(d, "reading the config saved in %s", d->volid);
    d->next = pbs_backup_conf;
    read_then(d, pmx_call_start(d->pve, &r, on_read, d, &e), &e, pbs_backup_conf);
}

static void pbs_storages(struct drill_pmx *d, struct vec *out)
{
    struct lb_err e = { 0 };

    for (size_t i = 0; i < out->len; i++) {
        const struct pve_storage *s = out->items[i];

        if (s->type && !strcmp(s->type, "pbs") && s->enabled) {
            str_copy(d->storage, sizeof(d->storage), s->storage);
            break;
        }
    }
    if (!d->storage[0]) {
        fail(d, "node %s has no PBS storage: add the PBS datastore as a storage in PVE",
             d->node);
        return;
    }
    set_step(d, "finding the newest backup of guest %d on %s", d->src_vmid, d->storage);
    d->next = pbs_backups;
    read_then(d, pve_get_backups(d->pve, d->node, d->storage, d->src_vmid, on_read, d, &e), &e,
              pbs_backups);
}

static void pbs_guests(struct drill_pmx *d, struct vec *out)
{
    int *taken = xcalloc(out->len + 1, sizeof(int));
    const struct pve_guest *src = find_guest(out, d->src_vmid);
    struct lb_err e = { 0 };

    for (size_t i = 0; i < out->len; i++)
        taken[i] = ((const struct pve_guest *)out->items[i])->vmid;
    d->vmid = drill_free_vmid(taken, out->len, d->cfg->drill.vmid_from, d->cfg->drill.vmid_to);
    free(taken);
    if (!d->vmid) {
        fail(d, "every VMID of restore_vmid_range %d-%d is taken: destroy a drill guest or "
                "widen the range",
             d->cfg->drill.vmid_from, d->cfg->drill.vmid_to);
        return;
    }
    if (src && src->node)
        str_copy(d->node, sizeof(d->node), src->node);
    else
        for (size_t i = 0; i < out->len && !d->node[0]; i++)
            if (((const struct pve_guest *)out->items[i])->node)
                str_copy(d->node, sizeof(d->node),
                         ((const struct pve_guest *)out->items[i])->node);
    if (!d->node[0]) {
        fail(d, "no node found on [pve] to restore on");
        return;
    }
    snprintf(d->rec.target, sizeof(d->rec.target), "new guest %d on %s", d->vmid, d->node);
    str_sanitize(d->rec.target);
    record(d);
    set_step(d, "finding the PBS storage of node %s", d->node);
    d->next = pbs_storages;
    read_then(d, pve_get_storages(d->pve, d->node, on_read, d, &e), &e, pbs_storages);
}

/* ---------------------------------------------------------------- life cycle */

struct drill_pmx *drill_pmx_new(struct loop *loop, const struct config *cfg, struct store *st,
                                const struct drill_pmx_opts *opts,
                                void (*on_update)(struct drill_pmx *d, void *arg), void *arg,
                                struct lb_err *err)
{
    struct drill_pmx *d;
    const struct pve_cfg *pve;
    struct pmx_client_opts co = { 0 };
    bool rollback = opts && opts->kind && !strcmp(opts->kind, "rollback");
    int holder = 0, recovered = 0;

    if (!opts || !opts->kind || (!rollback && strcmp(opts->kind, "pbs") != 0)) {
        lb_err_set(err, LB_EUSAGE, "which drill? rollback or pbs");
        return NULL;
    }
    if (!cfg->pves.len) {
        lb_err_set(err, LB_ECONFIG, "the %s drill needs a [pve NAME] section in %s", opts->kind,
                   cfg->path);
        return NULL;
    }
    pve = cfg->pves.items[0];
    if (rollback && cfg->drill.rollback_vmid <= 0) {
        lb_err_set(err, LB_ECONFIG,
                   "no test guest for the rollback drill: set [drill] rollback_vmid in %s (the "
                   "drill only ever touches that guest)",
                   cfg->path);
        return NULL;
    }
    if (!rollback && (cfg->drill.vmid_from <= 0 || cfg->drill.vmid_to < cfg->drill.vmid_from)) {
        lb_err_set(err, LB_ECONFIG,
                   "no VMIDs to restore into: set [drill] restore_vmid_range = 9100-9199 (free "
                   "ids) in %s",
                   cfg->path);
        return NULL;
    }
    if (!rollback && opts->vmid <= 0 && cfg->drill.rollback_vmid <= 0) {
        lb_err_set(err, LB_EUSAGE, "which guest's backup? give its VMID (--guest VMID)");
        return NULL;
    }
    d = xcalloc(1, sizeof(*d));
    d->loop = loop;
    d->cfg = cfg;
    d->st = st;
    d->on_update = on_update;
    d->arg = arg;
    d->rollback = rollback;
    d->start = opts->start;
    d->src_vmid = opts->vmid > 0 ? opts->vmid : cfg->drill.rollback_vmid;
    d->vmid = rollback ? cfg->drill.rollback_vmid : 0;
    buf_init(&d->phases, 1024);
    vec_init(&d->backup_conf, drill_kv_free);
    if (runlock_try(NULL, "drill", &d->lock, &holder, err) < 0) {
        if (err->code == LB_EBUSY)
            lb_err_set(err, LB_EBUSY,
                       "another drill is running (pid %d): wait for it or stop it first", holder);
        drill_pmx_free(d);
        return NULL;
    }
    if (drills_recover(cfg, st, &recovered, err) < 0) {
        drill_pmx_free(d);
        return NULL;
    }
    d->http = http_new(loop);
    co.product = PMX_PVE;
    co.name = pve->name;
    co.url = pve->url;
    co.token_file = pve->token_file;
    co.fingerprint = pve->fingerprint;
    if (!(d->pve = pmx_client_new(loop, d->http, &co, err))) {
        drill_pmx_free(d);
        return NULL;
    }
    d->act.c = d->pve;
    d->act.node = d->node;
    d->act.max_ms = TASK_MAX_MS;
    d->act.on_done = on_task_done;
    d->act.arg = d;
    str_copy(d->rec.kind, sizeof(d->rec.kind), opts->kind);
    str_copy(d->rec.repo, sizeof(d->rec.repo), pve->name);
    str_copy(d->rec.outcome, sizeof(d->rec.outcome), "running");
    str_copy(d->rec.scope, sizeof(d->rec.scope),
             rollback ? "snapshot, roll back, confirm status and config, remove the snapshot"
                      : "restore the newest backup into a free drill VMID, compare, destroy");
    snprintf(d->rec.target, sizeof(d->rec.target), rollback ? "guest %d" : "a VMID of %d-%d",
             rollback ? d->vmid : cfg->drill.vmid_from, cfg->drill.vmid_to);
    d->rec.pid = getpid();
    d->rec.rto_ms = -1;
    d->rec.rpo_seconds = -1;
    d->rec.verified = -1;
    d->rec.estimate_full_seconds = -1;
    d->rec.rto_target = rollback ? cfg->targets.rto_rollback : cfg->targets.rto_pbs;
    d->rec.rpo_target = cfg->targets.rpo_local;
    return d;
}

int drill_pmx_go(struct drill_pmx *d, struct lb_err *err)
{
    d->rec.started = clock_now();
    d->phase_ms = loop_now_ms(d->loop);
    if (d->st && store_drill_insert(d->st, &d->rec, err) < 0) {
        finish(d, "failed");
        return err->code ? -(int)err->code : -LB_EFAIL;
    }
    set_step(d, d->rollback ? "reading guest %d" : "reading the guests (source %d)",
             d->rollback ? d->vmid : d->src_vmid);
    read_guests(d, d->rollback ? rb_guests : pbs_guests);
    return 0;
}

static void cancel_now(struct drill_pmx *d)
{
    fail(d, "cancelled by the operator");
}

void drill_pmx_cancel(struct drill_pmx *d)
{
    if (d->done || d->cancelled)
        return;
    d->cancelled = true;
    if (d->failing)
        return; /* cleaning up already: let it end */
    if (d->call || d->act.call) {
        struct pmx_call *c = d->call ? d->call : d->act.call;

        d->call = d->act.call = NULL;
        pmx_call_cancel(c); /* its callback fails the drill: cleanup runs */
        return;
    }
    if (d->act.follow) {
        /* let the task end (the guest stays locked until it does), then clean up */
        d->after = cancel_now;
        return;
    }
    cancel_now(d);
}

bool drill_pmx_done(const struct drill_pmx *d)
{
    return d->done;
}

const struct store_drill *drill_pmx_record(const struct drill_pmx *d)
{
    return &d->rec;
}

const char *drill_pmx_step(const struct drill_pmx *d)
{
    return d->step;
}

void drill_pmx_free(struct drill_pmx *d)
{
    if (!d)
        return;
    if (!d->done && d->rec.id) {
        str_copy(d->fail_text, sizeof(d->fail_text),
                 d->act.follow
                     ? "lifeboat stopped before the drill finished: its started Proxmox task "
                       "goes on in PVE (what it creates may be left: the next drill removes it)"
                 : d->act.call
                     ? "lifeboat stopped before the drill finished: the Proxmox task it had just "
                       "asked for may go on in PVE (what it creates may be left: the next drill "
                       "removes it)"
                     : "lifeboat stopped before the drill finished (what it created may be "
                       "left: the next drill removes it)");
        d->done = true;
        str_copy(d->rec.outcome, sizeof(d->rec.outcome), "interrupted");
        str_copy(d->rec.error, sizeof(d->rec.error), d->fail_text);
        d->rec.ended = clock_now();
        record(d);
    }
    d->on_update = NULL;
    d->done = true;
    d->freeing = true;
    pmx_action_unfollow(&d->act); /* the task itself goes on in PVE */
    if (d->pve)
        pmx_client_free(d->pve);
    if (d->http)
        http_free(d->http);
    runlock_release(d->lock);
    vec_release(&d->backup_conf);
    buf_release(&d->phases);
    free(d);
}
