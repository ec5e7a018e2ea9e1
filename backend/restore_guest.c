/*
 * Real guest restores from PBS (see restore_guest.h): a chain of API calls
 * over the loop. A read starts a call whose records go to rg->next; an
 * action starts a call whose UPID is followed to its end (pmx_action.h),
 * then rg->after runs. The config parsers and the comparison are the PBS
 * drill's (drill_pmx.h); the restore request is pve_restore_guest().
 */
#include "backend/restore_guest.h"

#include <ctype.h>
#include <jansson.h>
#include <stdarg.h>
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
#include "backend/drill_pmx.h"
#include "backend/drills.h"
#include "backend/http.h"
#include "backend/loop.h"
#include "backend/pmx_action.h"
#include "backend/proxmox.h"
#include "backend/pve.h"

#define TASK_MAX_MS   (8 * 3600 * 1000LL)
#define SHUTDOWN_S    180
#define LOG_TAIL      8

struct restore_guest {
    struct loop *loop;
    const struct config *cfg;
    struct store *st;
    struct http *http;
    struct pmx_client *pve;
    void (*on_update)(struct restore_guest *rg, void *arg);
    void *arg;
    enum restore_guest_phase phase, fallback;
    char error[512];
    char step[200];
    bool cancelled, shutdown, start, recorded;
    bool freeing; /* restore_guest_free: the cancelled follow's callback does nothing */
    struct pmx_call *call; /* a read */
    struct pmx_action act; /* an action: its request, then its task */
    void (*next)(struct restore_guest *rg, struct vec *out);
    void (*after)(struct restore_guest *rg);
    /* load */
    char node[64];
    char storage[64];
    struct vec guests;  /* struct rg_guest * */
    struct vec backups; /* struct rg_backup *, newest first */
    struct vec disk_storages; /* char *: "NAME CONTENT" of the node's enabled storages */
    char target_storage[64];  /* "" : PVE's choice */
    int next_free;
    /* prepare / go */
    struct rg_preview pv;
    struct vec backup_conf; /* struct drill_kv * */
    char *log_tail[LOG_TAIL];
    int nlog;
    bool restore_started, shutdown_tried;
    int64_t phase_ms, rto_start_ms;
    struct buf phases;
    struct store_drill rec;
};

/* ---------------------------------------------------------------- pure parts */

static const char *volid_time(const char *volid)
{
    const char *s = strrchr(volid, '/');

    return s ? s + 1 : volid;
}

int restore_guest_pick(const struct rg_backup *const *backups, size_t n, const char *selector,
                       struct lb_err *err)
{
    int found = -1, count = 0;
    struct buf b = BUF_INIT(0);
    size_t sl;

    if (!n)
        return lb_err_set(err, LB_ENOTFOUND, "no backup to choose from");
    if (!selector || !*selector || !strcmp(selector, "newest") || !strcmp(selector, "latest"))
        return 0;
    sl = strlen(selector);
    for (size_t i = 0; i < n; i++) {
        const char *t = volid_time(backups[i]->volid);

        if (!strcmp(backups[i]->volid, selector) || !strcmp(t, selector))
            return (int)i; /* exact */
        if (!strncmp(t, selector, sl)) {
            if (found < 0)
                found = (int)i;
            count++;
        }
    }
    if (count == 1)
        return found;
    for (size_t i = 0, shown = 0; i < n && shown < 6; i++) {
        const char *t = volid_time(backups[i]->volid);

        if (count > 1 && strncmp(t, selector, sl) != 0)
            continue;
        buf_printf(&b, "%s%s", shown++ ? ", " : "", t);
    }
    if (count > 1)
        lb_err_set(err, LB_EUSAGE,
                   "--backup '%s' matches %d backups (%s%s): give the whole time", selector,
                   count, buf_cstr(&b), count > 6 ? ", ..." : "");
    else
        lb_err_set(err, LB_ENOTFOUND,
                   "no backup at '%s'; the newest are: %s%s (UTC, as in the volume id)", selector,
                   buf_cstr(&b), n > 6 ? ", ..." : "");
    buf_release(&b);
    str_sanitize(err->msg);
    return -(int)err->code;
}

void restore_guest_confirm_word(const struct rg_guest *g, char *out, size_t n)
{
    snprintf(out, n, "%d-%s", g->vmid, g->name[0] ? g->name : "gone");
}

static bool is_mac(const char *s, size_t len)
{
    if (len != 17)
        return false;
    for (size_t i = 0; i < 17; i++)
        if (i % 3 == 2 ? s[i] != ':' : !isxdigit((unsigned char)s[i]))
            return false;
    return true;
}

void restore_guest_strip_mac(const char *in, char *out, size_t n)
{
    struct buf b = BUF_INIT(0);
    const char *p = in;

    while (*p) {
        const char *e = strchr(p, ','), *eq;
        size_t len = e ? (size_t)(e - p) : strlen(p);

        eq = memchr(p, '=', len);
        if (b.len)
            buf_puts(&b, ",");
        if (eq && is_mac(eq + 1, len - (size_t)(eq + 1 - p)))
            buf_printf(&b, "%.*s=*", (int)(eq - p), p);
        else
            buf_printf(&b, "%.*s", (int)len, p);
        p = e ? e + 1 : p + len;
    }
    str_copy(out, n, buf_cstr(&b));
    buf_release(&b);
}

/* ---------------------------------------------------------------- plumbing */

static void notify(struct restore_guest *rg)
{
    if (rg->on_update)
        rg->on_update(rg, rg->arg);
}

static void set_step(struct restore_guest *rg, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void set_step(struct restore_guest *rg, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(rg->step, sizeof(rg->step), fmt, ap);
    va_end(ap);
    str_sanitize(rg->step);
    log_info("restore guest: %s", rg->step);
    notify(rg);
}

static void phase_done(struct restore_guest *rg, const char *name)
{
    int64_t now = loop_now_ms(rg->loop);

    drill_phase_add(&rg->phases, name, now - rg->phase_ms, &rg->rec);
    rg->phase_ms = now;
}

static void record(struct restore_guest *rg)
{
    if (rg->rec.id) /* inserted when the restore started */
        drill_record_save(rg->st, &rg->rec, "restore");
}

static void finish(struct restore_guest *rg, const char *outcome)
{
    if (rg->phase == RG_DONE)
        return;
    rg->phase = RG_DONE;
    str_copy(rg->rec.outcome, sizeof(rg->rec.outcome), outcome);
    if (rg->error[0] && !rg->rec.error[0])
        str_copy(rg->rec.error, sizeof(rg->rec.error), rg->error);
    rg->rec.ended = clock_now();
    record(rg);
    set_step(rg, "restore %s", outcome);
}

/* Something went wrong: before go, back to the stable phase; during go, the record ends. */
static void fail(struct restore_guest *rg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct restore_guest *rg, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(rg->error, sizeof(rg->error), fmt, ap);
    va_end(ap);
    str_sanitize(rg->error);
    if (rg->phase != RG_RUNNING) {
        rg->phase = rg->fallback;
        set_step(rg, "%s", rg->error);
        return;
    }
    finish(rg, rg->cancelled ? "cancelled" : "failed");
}

static void on_read(int rc, const struct lb_err *err, struct vec *out, void *arg)
{
    struct restore_guest *rg = arg;

    rg->call = NULL;
    if (rc < 0) {
        fail(rg, "%s",
             !rg->cancelled         ? err->msg
             : rg->restore_started ? "cancelled by the operator"
                                   : "cancelled by the operator before the restore: nothing was "
                                     "changed");
        return;
    }
    rg->next(rg, out);
}

static void read_then(struct restore_guest *rg, struct pmx_call *call, const struct lb_err *err,
                      void (*next)(struct restore_guest *, struct vec *))
{
    rg->next = next;
    if (!call) {
        fail(rg, "%s", err->msg);
        return;
    }
    rg->call = call;
}

static void tail_push(struct restore_guest *rg, const char *t)
{
    char *s = xstrdup(t);

    str_sanitize(s);
    if (rg->nlog == LOG_TAIL) {
        free(rg->log_tail[0]);
        memmove(rg->log_tail, rg->log_tail + 1, sizeof(rg->log_tail[0]) * (LOG_TAIL - 1));
        rg->nlog--;
    }
    rg->log_tail[rg->nlog++] = s;
}

static void on_line(const struct pmx_log_line *line, void *arg)
{
    struct restore_guest *rg = arg;

    if (!line->t || !strcmp(line->t, "no content"))
        return;
    tail_push(rg, line->t);
    if (!str_starts_with(line->t, "TASK "))
        set_step(rg, "%s: %.140s", rg->act.what, line->t);
}

static void on_task_done(int rc, const struct lb_err *err, enum pmx_outcome outcome,
                         const char *exitstatus, void *arg)
{
    struct restore_guest *rg = arg;

    if (rg->freeing)
        return;
    if (rc < 0 && rg->cancelled && rg->restore_started && !strcmp(rg->act.what, "the restore")) {
        fail(rg, "lifeboat stopped following the restore into guest %d; the task goes on in "
                 "PVE: see 'lifeboat tasks' and check the guest",
             rg->pv.target);
        return;
    }
    if (rc < 0 || (outcome != PMX_OK && outcome != PMX_WARNINGS)) {
        struct buf b = BUF_INIT(0);

        buf_printf(&b, "%s failed: %s", rg->act.what,
                   rg->cancelled && rc < 0 ? "cancelled by the operator"
                   : rc < 0                ? err->msg
                   : exitstatus            ? exitstatus
                                           : "the task failed");
        if (rg->nlog > 1 || (rg->nlog && !str_starts_with(rg->log_tail[0], "TASK "))) {
            buf_puts(&b, " (task log:");
            int last = rg->nlog;

            if (last && str_starts_with(rg->log_tail[last - 1], "TASK "))
                last--; /* the exit status says it */
            for (int i = last > 3 ? last - 3 : 0; i < last; i++)
                buf_printf(&b, " %s%s", rg->log_tail[i], i + 1 < last ? " |" : "");
            buf_puts(&b, ")");
        }
        if (rg->restore_started && rg->pv.original && rg->rec.verified != 1 &&
            !strcmp(rg->act.what, "the restore"))
            buf_printf(&b, "; guest %d may be left without its disks or locked: look at it in "
                           "PVE before anything else",
                       rg->pv.target);
        fail(rg, "%s", buf_cstr(&b));
        buf_release(&b);
        return;
    }
    rg->after(rg);
}

static void task_then(struct restore_guest *rg, struct pmx_call *call, const struct lb_err *err,
                      const char *what, void (*after)(struct restore_guest *))
{
    rg->after = after;
    for (int i = 0; i < rg->nlog; i++)
        free(rg->log_tail[i]);
    rg->nlog = 0;
    pmx_action_start(&rg->act, call, err, what);
}

static const struct pve_guest *find_pve_guest(struct vec *guests, int vmid)
{
    for (size_t i = 0; i < guests->len; i++) {
        const struct pve_guest *g = guests->items[i];

        if (g && g->vmid == vmid)
            return g;
    }
    return NULL;
}

static struct rg_guest *find_guest(const struct restore_guest *rg, int vmid)
{
    for (size_t i = 0; i < rg->guests.len; i++) {
        struct rg_guest *g = rg->guests.items[i];

        if (g->vmid == vmid)
            return g;
    }
    return NULL;
}

static void read_guests(struct restore_guest *rg, void (*next)(struct restore_guest *, struct vec *))
{
    struct lb_err e = { 0 };

    rg->next = next;
    read_then(rg, pve_get_guests(rg->pve, on_read, rg, &e), &e, next);
}

static void read_config(struct restore_guest *rg, int vmid,
                        void (*next)(struct restore_guest *, struct vec *))
{
    struct lb_err e = { 0 };
    char path[200], need[64];
    struct pmx_req r = { 0 };

    snprintf(path, sizeof(path), "/nodes/%s/%s/%d/config", rg->pv.node, rg->pv.guest.type, vmid);
    snprintf(need, sizeof(need), "VM.Audit on /vms/%d", vmid);
    r.path = path;
    r.need = need;
    r.parse = drill_conf_parse_json;
    r.item_free = drill_kv_free;
    rg->next = next;
    read_then(rg, pmx_call_start(rg->pve, &r, on_read, rg, &e), &e, next);
}

/* nextid: {"data": "101"} or {"data": 101} -> one int record. */
static int parse_nextid(const char *body, size_t len, struct vec *out, struct lb_err *err)
{
    json_error_t je;
    json_t *root = json_loadb(body, len, 0, &je), *d;
    int64_t v = 0;
    int *p;

    if (!root)
        return lb_err_set(err, LB_EPARSE, "next free VMID: %s", je.text);
    d = json_object_get(root, "data");
    if (json_is_integer(d))
        v = json_integer_value(d);
    else if (!json_is_string(d) || str_to_i64(json_string_value(d), 100, 999999999, &v) < 0)
        v = 0;
    json_decref(root);
    if (v < 100)
        return lb_err_set(err, LB_EPARSE, "next free VMID: no id in the answer");
    p = xcalloc(1, sizeof(*p));
    *p = (int)v;
    vec_push(out, p);
    return 0;
}

static void read_nextid(struct restore_guest *rg, int vmid,
                        void (*next)(struct restore_guest *, struct vec *))
{
    struct lb_err e = { 0 };
    char path[64];
    struct pmx_req r = { .path = path, .need = "VM.Allocate on /vms", .parse = parse_nextid,
                         .item_free = free };

    if (vmid)
        snprintf(path, sizeof(path), "/cluster/nextid?vmid=%d", vmid);
    else
        snprintf(path, sizeof(path), "/cluster/nextid");
    rg->next = next;
    read_then(rg, pmx_call_start(rg->pve, &r, on_read, rg, &e), &e, next);
}

/* ---------------------------------------------------------------- load */

static int cmp_backup(const void *a, const void *b)
{
    const struct rg_backup *x = *(const struct rg_backup *const *)a;
    const struct rg_backup *y = *(const struct rg_backup *const *)b;

    return x->ctime < y->ctime ? 1 : x->ctime > y->ctime ? -1 : strcmp(x->volid, y->volid);
}

static int cmp_guest(const void *a, const void *b)
{
    const struct rg_guest *x = *(const struct rg_guest *const *)a;
    const struct rg_guest *y = *(const struct rg_guest *const *)b;

    return x->vmid - y->vmid;
}

static void load_nextid(struct restore_guest *rg, struct vec *out)
{
    rg->next_free = out->len ? *(int *)out->items[0] : 0;
    rg->phase = RG_CHOOSE;
    rg->error[0] = '\0';
    set_step(rg, "%zu guest(s), %zu backup(s) on %s", rg->guests.len, rg->backups.len,
             rg->storage);
}

static void load_backups(struct restore_guest *rg, struct vec *out)
{
    for (size_t i = 0; i < out->len; i++) {
        const struct pve_backup *b = out->items[i];
        struct rg_backup *r;
        struct rg_guest *g;

        if (!b->volid || b->vmid < 100)
            continue;
        r = xcalloc(1, sizeof(*r));
        str_copy(r->volid, sizeof(r->volid), b->volid);
        str_sanitize(r->volid);
        r->vmid = b->vmid;
        str_copy(r->type, sizeof(r->type), b->subtype[0] ? b->subtype : "qemu");
        r->ctime = b->ctime;
        r->size = b->size;
        str_copy(r->verify, sizeof(r->verify), b->verify);
        r->is_protected = b->is_protected;
        r->encrypted = b->encrypted;
        vec_push(&rg->backups, r);
        if (!(g = find_guest(rg, b->vmid))) {
            g = xcalloc(1, sizeof(*g));
            g->vmid = b->vmid;
            str_copy(g->type, sizeof(g->type), r->type);
            vec_push(&rg->guests, g);
        }
        g->nbackups++;
        if (b->ctime > g->newest)
            g->newest = b->ctime;
    }
    if (rg->backups.len > 1)
        qsort(rg->backups.items, rg->backups.len, sizeof(void *), cmp_backup);
    if (rg->guests.len > 1)
        qsort(rg->guests.items, rg->guests.len, sizeof(void *), cmp_guest);
    set_step(rg, "asking PVE for the next free VMID");
    read_nextid(rg, 0, load_nextid);
}

static void load_storages(struct restore_guest *rg, struct vec *out)
{
    struct lb_err e = { 0 };

    vec_clear(&rg->disk_storages);
    for (size_t i = 0; i < out->len; i++) {
        const struct pve_storage *s = out->items[i];
        char *entry;

        if (!s->storage || !s->enabled)
            continue;
        entry = xasprintf("%s %s", s->storage, s->content ? s->content : "");
        str_sanitize(entry); /* storage ids have no spaces: "NAME CONTENT" */
        if (s->type && !strcmp(s->type, "pbs") && !rg->storage[0]) {
            str_copy(rg->storage, sizeof(rg->storage), s->storage);
            str_sanitize(rg->storage);
        }
        vec_push(&rg->disk_storages, entry);
    }
    if (!rg->storage[0]) {
        fail(rg, "node %s has no PBS storage: add the PBS datastore as a storage in PVE",
             rg->node);
        return;
    }
    set_step(rg, "listing the backups on %s", rg->storage);
    rg->next = load_backups;
    read_then(rg, pve_get_backups(rg->pve, rg->node, rg->storage, 0, on_read, rg, &e), &e,
              load_backups);
}

static void load_guests(struct restore_guest *rg, struct vec *out)
{
    struct lb_err e = { 0 };

    vec_clear(&rg->guests);
    for (size_t i = 0; i < out->len; i++) {
        const struct pve_guest *p = out->items[i];
        struct rg_guest *g;

        if (p->is_template)
            continue;
        g = xcalloc(1, sizeof(*g));
        g->vmid = p->vmid;
        g->exists = true;
        str_copy(g->type, sizeof(g->type), p->type);
        str_copy(g->name, sizeof(g->name), p->name ? p->name : "");
        str_sanitize(g->name);
        str_copy(g->status, sizeof(g->status), p->status ? p->status : "");
        str_sanitize(g->status);
        vec_push(&rg->guests, g);
        if (!rg->node[0] && p->node) {
            str_copy(rg->node, sizeof(rg->node), p->node);
            str_sanitize(rg->node);
        }
    }
    if (!rg->node[0]) {
        fail(rg, "no node found on [pve %s] to restore on",
             pmx_client_name(rg->pve));
        return;
    }
    set_step(rg, "finding the PBS storage of node %s", rg->node);
    rg->next = load_storages;
    read_then(rg, pve_get_storages(rg->pve, rg->node, on_read, rg, &e), &e, load_storages);
}

int restore_guest_load(struct restore_guest *rg, struct lb_err *err)
{
    if (rg->phase == RG_LOADING || rg->phase >= RG_PREPARING)
        return lb_err_set(err, LB_EBUSY, "the restore is past choosing");
    vec_clear(&rg->backups);
    rg->storage[0] = rg->node[0] = rg->error[0] = '\0';
    rg->fallback = RG_IDLE;
    rg->phase = RG_LOADING;
    set_step(rg, "reading the guests of [pve %s]", pmx_client_name(rg->pve));
    read_guests(rg, load_guests);
    return 0;
}

const struct vec *restore_guest_guests(const struct restore_guest *rg)
{
    return &rg->guests;
}

size_t restore_guest_backups(const struct restore_guest *rg, int vmid,
                             const struct rg_backup **out, size_t max)
{
    size_t n = 0;

    for (size_t i = 0; i < rg->backups.len && n < max; i++) {
        const struct rg_backup *b = rg->backups.items[i];

        if (!vmid || b->vmid == vmid)
            out[n++] = b;
    }
    return n;
}

int restore_guest_next_free(const struct restore_guest *rg)
{
    return rg->next_free;
}

/* ---------------------------------------------------------------- prepare */

static void prep_ready(struct restore_guest *rg)
{
    rg->phase = RG_READY;
    rg->error[0] = '\0';
    set_step(rg, "ready: %s into %s %d", volid_time(rg->pv.backup.volid),
             rg->pv.original ? "the original" : "new guest", rg->pv.target);
}

static void prep_snapshots(struct restore_guest *rg, struct vec *out)
{
    const struct pve_snapshot_list *sl = out->len ? out->items[0] : NULL;

    vec_clear(&rg->pv.snapshots);
    for (size_t i = 0; sl && i < sl->snaps.len; i++) {
        const struct pve_snapshot *s = sl->snaps.items[i];
        char *n = xstrdup(s->name ? s->name : "?");

        str_sanitize(n);
        vec_push(&rg->pv.snapshots, n);
    }
    prep_ready(rg);
}

static void prep_current(struct restore_guest *rg, struct vec *out)
{
    const struct drill_kv *dg = drill_kv_find(out, "digest"), *pr = drill_kv_find(out, "protection");
    struct lb_err e = { 0 };

    str_copy(rg->pv.digest, sizeof(rg->pv.digest), dg ? dg->v : "");
    str_sanitize(rg->pv.digest);
    rg->pv.protection = pr && !strcmp(pr->v, "1");
    rg->pv.config_diffs = drill_conf_compare(&rg->backup_conf, out, rg->pv.config_why,
                                             sizeof(rg->pv.config_why));
    /* keys added since the backup are lost too */
    for (size_t i = 0; i < out->len; i++) {
        const struct drill_kv *kv = out->items[i];
        size_t l = strlen(rg->pv.config_why);

        if (!strcmp(kv->k, "digest") || !strcmp(kv->k, "parent") || !strcmp(kv->k, "lock") ||
            drill_kv_find(&rg->backup_conf, kv->k))
            continue;
        if (rg->pv.config_diffs++ < 4)
            snprintf(rg->pv.config_why + l, sizeof(rg->pv.config_why) - l,
                     "%s%s was added since the backup", l ? "; " : "", kv->k);
    }
    str_sanitize(rg->pv.config_why);
    set_step(rg, "reading the snapshots of guest %d", rg->pv.guest.vmid);
    rg->next = prep_snapshots;
    read_then(rg,
              pve_get_snapshots(rg->pve, rg->pv.node, rg->pv.guest.type, rg->pv.guest.vmid,
                                on_read, rg, &e),
              &e, prep_snapshots);
}

static void prep_status(struct restore_guest *rg, struct vec *out)
{
    const struct pve_guest *g = find_pve_guest(out, rg->pv.guest.vmid);

    if (!g) {
        fail(rg, "guest %d is gone from PVE: restore it to a new VMID instead", rg->pv.guest.vmid);
        return;
    }
    str_copy(rg->pv.status, sizeof(rg->pv.status), g->status ? g->status : "");
    str_sanitize(rg->pv.status);
    str_copy(rg->pv.lock, sizeof(rg->pv.lock), g->lock ? g->lock : "");
    str_sanitize(rg->pv.lock);
    str_copy(rg->pv.guest.status, sizeof(rg->pv.guest.status), rg->pv.status);
    set_step(rg, "reading the current config of guest %d", rg->pv.guest.vmid);
    read_config(rg, rg->pv.guest.vmid, prep_current);
}

static void prep_backup_conf(struct restore_guest *rg, struct vec *out)
{
    vec_clear(&rg->backup_conf);
    for (size_t i = 0; i < out->len; i++) {
        vec_push(&rg->backup_conf, out->items[i]);
        out->items[i] = NULL;
    }
    rg->pv.backup_keys = rg->backup_conf.len;
    if (!rg->backup_conf.len) {
        fail(rg, "the backup %s holds no guest config: choose another backup",
             rg->pv.backup.volid);
        return;
    }
    if (rg->pv.original) {
        set_step(rg, "reading the status of guest %d", rg->pv.guest.vmid);
        read_guests(rg, prep_status);
        return;
    }
    prep_ready(rg);
}

static void prep_read_backup(struct restore_guest *rg)
{
    struct lb_err e = { 0 };
    char path[512];
    struct buf q = BUF_INIT(0);
    struct pmx_req r = { .path = path,
                         .need = "VM.Backup / Datastore.AllocateSpace",
                         .parse = drill_conf_parse_extract,
                         .item_free = drill_kv_free };

    pmx_escape(&q, rg->pv.backup.volid);
    snprintf(path, sizeof(path), "/nodes/%s/vzdump/extractconfig?volume=%s", rg->pv.node,
             buf_cstr(&q));
    buf_release(&q);
    set_step(rg, "reading the config saved in %s", rg->pv.backup.volid);
    rg->next = prep_backup_conf;
    read_then(rg, pmx_call_start(rg->pve, &r, on_read, rg, &e), &e, prep_backup_conf);
}

static void prep_target_free(struct restore_guest *rg, struct vec *out)
{
    int v = out->len ? *(int *)out->items[0] : 0;

    if (!rg->pv.target)
        rg->pv.target = v; /* the next free one */
    else if (v != rg->pv.target) {
        fail(rg, "PVE says VMID %d is not free (it answered %d)", rg->pv.target, v);
        return;
    }
    if (find_guest(rg, rg->pv.target) && find_guest(rg, rg->pv.target)->exists) {
        fail(rg, "VMID %d is taken: choose a free one (next free: %d)", rg->pv.target,
             rg->next_free);
        return;
    }
    prep_read_backup(rg);
}

/* nextid?vmid=N answers 400 "VM N already exists": say it as the operator needs it. */
static void on_nextid(int rc, const struct lb_err *err, struct vec *out, void *arg)
{
    struct restore_guest *rg = arg;

    if (rc < 0 && !rg->cancelled && rg->pv.target) {
        rg->call = NULL;
        fail(rg, "VMID %d is not free (%s): choose a free one, or --original to restore over "
                 "guest %d",
             rg->pv.target, err->msg, rg->pv.guest.vmid);
        return;
    }
    on_read(rc, err, out, arg);
}

int restore_guest_prepare(struct restore_guest *rg, int vmid, const char *backup_volid,
                          int target, bool original, struct lb_err *err)
{
    const struct rg_guest *g = find_guest(rg, vmid);
    const struct rg_backup *b = NULL;
    struct lb_err e = { 0 };
    char path[64];
    struct pmx_req r = { .path = path, .need = "VM.Allocate on /vms", .parse = parse_nextid,
                         .item_free = free };
    struct pmx_call *call;

    if (rg->phase != RG_CHOOSE && rg->phase != RG_READY)
        return lb_err_set(err, LB_EBUSY, "load the guests and backups first");
    if (!g)
        return lb_err_set(err, LB_ENOTFOUND,
                          "guest %d is unknown: it is not a guest of [pve %s] and has no backup "
                          "on %s",
                          vmid, pmx_client_name(rg->pve), rg->storage);
    for (size_t i = 0; i < rg->backups.len && !b; i++) {
        const struct rg_backup *x = rg->backups.items[i];

        if (x->vmid == vmid && (!backup_volid || !strcmp(x->volid, backup_volid)))
            b = x;
    }
    if (!b)
        return backup_volid ? lb_err_set(err, LB_ENOTFOUND, "guest %d has no backup %s", vmid,
                                         backup_volid)
                            : lb_err_set(err, LB_ENOTFOUND,
                                         "guest %d has no backup on %s: run its backup job first",
                                         vmid, rg->storage);
    if (original && !g->exists)
        return lb_err_set(err, LB_ENOTFOUND,
                          "guest %d no longer exists, there is no original to restore over: "
                          "restore it to a new VMID (--vmid %d keeps its id)",
                          vmid, vmid);
    if (original && target && target != vmid)
        return lb_err_set(err, LB_EUSAGE, "--original restores over %d itself, not %d", vmid,
                          target);
    if (!original && target) {
        const struct rg_guest *t = find_guest(rg, target);

        if (target < 100 || target > 999999999)
            return lb_err_set(err, LB_EUSAGE, "VMID %d is not a guest id (100-999999999)",
                              target);
        if (t && t->exists)
            return lb_err_set(err, LB_EBUSY,
                              "VMID %d is taken by guest '%s': choose a free VMID (next free: "
                              "%d)%s",
                              target, t->name, rg->next_free,
                              target == vmid ? ", or --original to restore over it" : "");
    }
    memset(&rg->pv.guest, 0, sizeof(rg->pv.guest));
    vec_clear(&rg->pv.snapshots);
    rg->pv.guest = *g;
    rg->pv.backup = *b;
    str_copy(rg->pv.node, sizeof(rg->pv.node), rg->node);
    str_copy(rg->pv.storage, sizeof(rg->pv.storage), rg->storage);
    str_copy(rg->pv.disk_storage, sizeof(rg->pv.disk_storage), rg->target_storage);
    rg->pv.original = original;
    rg->pv.target = original ? vmid : target;
    rg->pv.status[0] = rg->pv.lock[0] = rg->pv.digest[0] = rg->pv.config_why[0] = '\0';
    rg->pv.config_diffs = 0;
    rg->pv.protection = false;
    rg->pv.data_loss_s = (int64_t)(clock_now() - b->ctime);
    rg->error[0] = '\0';
    rg->fallback = RG_CHOOSE;
    rg->phase = RG_PREPARING;
    if (original) {
        prep_read_backup(rg);
        return 0;
    }
    if (target)
        snprintf(path, sizeof(path), "/cluster/nextid?vmid=%d", target);
    else
        snprintf(path, sizeof(path), "/cluster/nextid");
    set_step(rg, "checking VMID %s is free", target ? "the target" : "(next free)");
    rg->next = prep_target_free;
    call = pmx_call_start(rg->pve, &r, on_nextid, rg, &e);
    if (!call) {
        fail(rg, "%s", e.msg);
        return 0;
    }
    rg->call = call;
    return 0;
}

int restore_guest_set_storage(struct restore_guest *rg, const char *storage, const char *type,
                              struct lb_err *err)
{
    const char *want = type && !strcmp(type, "lxc") ? "rootdir" : "images";
    struct buf names = BUF_INIT(0);
    int rc = -LB_ENOTFOUND;

    if (!storage || !*storage) {
        rg->target_storage[0] = '\0';
        return 0;
    }
    for (size_t i = 0; i < rg->disk_storages.len; i++) {
        const char *e = rg->disk_storages.items[i], *tab = strchr(e, ' ');
        size_t n = tab ? (size_t)(tab - e) : strlen(e);
        bool fits = tab && strstr(tab + 1, want);

        if (fits)
            buf_printf(&names, "%s%.*s", names.len ? ", " : "", (int)n, e);
        if (strlen(storage) == n && !strncmp(e, storage, n))
            rc = fits ? 0 : -LB_EUSAGE;
    }
    if (rc == 0)
        str_copy(rg->target_storage, sizeof(rg->target_storage), storage);
    else
        lb_err_set(err, -rc,
                   "storage '%s' %s on node %s; storages for %s disks: %s", storage,
                   rc == -LB_EUSAGE ? "holds no guest disks" : "does not exist or is disabled",
                   rg->node, type && !strcmp(type, "lxc") ? "container" : "VM",
                   names.len ? buf_cstr(&names) : "none");
    buf_release(&names);
    return rc;
}

const struct rg_preview *restore_guest_preview(const struct restore_guest *rg)
{
    return &rg->pv;
}

/* ---------------------------------------------------------------- go */

static void go_running(struct restore_guest *rg, struct vec *out)
{
    const struct pve_guest *g = find_pve_guest(out, rg->pv.target);
    size_t l = strlen(rg->rec.verify_note);

    if (!g || !g->status || strcmp(g->status, "running") != 0) {
        fail(rg, "restored guest %d did not run after its start (%s)", rg->pv.target,
             g && g->status ? g->status : "gone");
        return;
    }
    phase_done(rg, "start");
    snprintf(rg->rec.verify_note + l, sizeof(rg->rec.verify_note) - l, "; started and running");
    finish(rg, "ok");
}

static void go_started(struct restore_guest *rg)
{
    read_guests(rg, go_running);
}

static void power(struct restore_guest *rg, const char *action, const char *what,
                  void (*after)(struct restore_guest *))
{
    struct lb_err e = { 0 };
    char path[200], form[32];
    struct pmx_req r = { .method = "POST",
                         .path = path,
                         .need = "VM.PowerMgmt",
                         .timeout_ms = 60000,
                         .parse = pmx_parse_string,
                         .item_free = pmx_string_free };

    snprintf(path, sizeof(path), "/nodes/%s/%s/%d/status/%s", rg->pv.node, rg->pv.guest.type,
             rg->pv.target, action);
    if (!strcmp(action, "shutdown")) {
        snprintf(form, sizeof(form), "timeout=%d", SHUTDOWN_S);
        r.form = form;
    }
    task_then(rg, pmx_call_start(rg->pve, &r, pmx_action_answer, &rg->act, &e), &e, what,
              after);
}

static void strip_macs(const struct vec *in, struct vec *out)
{
    for (size_t i = 0; i < in->len; i++) {
        const struct drill_kv *kv = in->items[i];
        struct drill_kv *c = xcalloc(1, sizeof(*c));
        char v[1024];

        c->k = xstrdup(kv->k);
        if (str_starts_with(kv->k, "net")) {
            restore_guest_strip_mac(kv->v, v, sizeof(v));
            c->v = xstrdup(v);
        } else {
            c->v = xstrdup(kv->v);
        }
        vec_push(out, c);
    }
}

static void go_config(struct restore_guest *rg, struct vec *out)
{
    char why[256];
    int diffs;

    phase_done(rg, "verify");
    if (rg->pv.original) {
        diffs = drill_conf_compare(&rg->backup_conf, out, why, sizeof(why));
    } else { /* unique=1: new MAC addresses by design */
        struct vec a = VEC_INIT(drill_kv_free), b = VEC_INIT(drill_kv_free);

        strip_macs(&rg->backup_conf, &a);
        strip_macs(out, &b);
        diffs = drill_conf_compare(&a, &b, why, sizeof(why));
        vec_release(&a);
        vec_release(&b);
    }
    if (diffs) {
        rg->rec.verified = 0;
        snprintf(rg->rec.verify_note, sizeof(rg->rec.verify_note),
                 "%d difference%s from the backup's config: %.200s", diffs, diffs == 1 ? "" : "s",
                 why);
        fail(rg, "guest %d was restored but its config differs from the backup's: %s",
             rg->pv.target, why);
        return;
    }
    rg->rec.verified = 1;
    snprintf(rg->rec.verify_note, sizeof(rg->rec.verify_note),
             "config equal to the backup's (%zu keys, disks by size%s)", rg->backup_conf.len,
             rg->pv.original ? "" : ", MAC addresses new");
    rg->rec.rto_ms = loop_now_ms(rg->loop) - rg->rto_start_ms;
    record(rg);
    if (rg->start) {
        set_step(rg, "starting guest %d", rg->pv.target);
        power(rg, "start", "starting the restored guest", go_started);
        return;
    }
    finish(rg, "ok");
}

static void go_restored(struct restore_guest *rg)
{
    phase_done(rg, "restore");
    set_step(rg, "comparing the config of guest %d with the backup's", rg->pv.target);
    read_config(rg, rg->pv.target, go_config);
}

static void go_restore(struct restore_guest *rg)
{
    struct lb_err e = { 0 };
    unsigned flags = rg->pv.original ? PVE_RESTORE_FORCE : PVE_RESTORE_UNIQUE;

    if (rg->cancelled) {
        fail(rg, "cancelled by the operator before the restore: nothing was changed");
        return;
    }
    phase_done(rg, "prepare");
    rg->rto_start_ms = loop_now_ms(rg->loop);
    rg->restore_started = true;
    set_step(rg, "restoring %s into %s %d", rg->pv.backup.volid,
             rg->pv.original ? "the original guest" : "new guest", rg->pv.target);
    task_then(rg,
              pve_restore_guest(rg->pve, rg->pv.node, rg->pv.guest.type, rg->pv.target,
                                rg->pv.backup.volid,
                                rg->target_storage[0] ? rg->target_storage : NULL, flags,
                                pmx_action_answer, &rg->act, &e),
              &e, "the restore", go_restored);
}

static void go_digest(struct restore_guest *rg, struct vec *out)
{
    const struct drill_kv *dg = drill_kv_find(out, "digest");

    if (!dg || strcmp(dg->v, rg->pv.digest) != 0) {
        fail(rg, "guest %d's config changed since the preview (digest %.12s, previewed %.12s): "
                 "nothing was restored; look at the preview again",
             rg->pv.target, dg ? dg->v : "none", rg->pv.digest);
        return;
    }
    go_restore(rg);
}

static void go_check_stopped(struct restore_guest *rg, struct vec *out);

static void go_after_shutdown(struct restore_guest *rg)
{
    phase_done(rg, "shutdown");
    read_guests(rg, go_check_stopped);
}

static void go_check_stopped(struct restore_guest *rg, struct vec *out)
{
    const struct pve_guest *g = find_pve_guest(out, rg->pv.target);

    if (!g) {
        fail(rg, "guest %d is gone from PVE: nothing was restored", rg->pv.target);
        return;
    }
    if (g->lock) {
        fail(rg, "guest %d is locked (%s): wait for what runs on it; nothing was restored",
             rg->pv.target, g->lock);
        return;
    }
    if (g->status && !strcmp(g->status, "running")) {
        if (rg->shutdown && !rg->shutdown_tried) {
            rg->shutdown_tried = true;
            set_step(rg, "shutting guest %d down (clean shutdown, up to %d s)", rg->pv.target,
                     SHUTDOWN_S);
            power(rg, "shutdown", "the shutdown", go_after_shutdown);
            return;
        }
        fail(rg, rg->shutdown ? "guest %d is still running after its shutdown: nothing was "
                                "restored; stop it in PVE"
                              : "guest %d is running: shut it down first (lifeboat restore guest "
                                "... --shutdown does it cleanly); nothing was restored",
             rg->pv.target);
        return;
    }
    set_step(rg, "confirming guest %d's config is the one previewed", rg->pv.target);
    read_config(rg, rg->pv.target, go_digest);
}

int restore_guest_go(struct restore_guest *rg, bool shutdown, bool start, struct lb_err *err)
{
    const struct rg_preview *pv = &rg->pv;

    if (rg->phase != RG_READY)
        return lb_err_set(err, LB_EBUSY, "prepare the restore first (nothing is previewed)");
    rg->shutdown = shutdown;
    rg->start = start;
    rg->cancelled = false;
    rg->error[0] = '\0';
    memset(&rg->rec, 0, sizeof(rg->rec));
    str_copy(rg->rec.kind, sizeof(rg->rec.kind), "restore-guest");
    str_copy(rg->rec.repo, sizeof(rg->rec.repo), pmx_client_name(rg->pve));
    str_copy(rg->rec.outcome, sizeof(rg->rec.outcome), "running");
    rg->rec.started = clock_now();
    rg->rec.pid = getpid();
    if (pv->original)
        snprintf(rg->rec.target, sizeof(rg->rec.target),
                 "over the original guest %d (%s) on %s", pv->target, pv->guest.name, pv->node);
    else
        snprintf(rg->rec.target, sizeof(rg->rec.target), "new guest %d on %s", pv->target,
                 pv->node);
    str_sanitize(rg->rec.target);
    snprintf(rg->rec.scope, sizeof(rg->rec.scope), "backup %s of guest %d%s%s", pv->backup.volid,
             pv->guest.vmid, pv->guest.name[0] ? " " : "", pv->guest.name);
    str_sanitize(rg->rec.scope);
    str_copy(rg->rec.snapshot_id, sizeof(rg->rec.snapshot_id), volid_time(pv->backup.volid));
    str_sanitize(rg->rec.snapshot_id);
    rg->rec.snapshot_time = pv->backup.ctime;
    rg->rec.rpo_seconds = pv->backup.ctime ? (int64_t)(clock_now() - pv->backup.ctime) : -1;
    rg->rec.bytes = pv->backup.size;
    rg->rec.full_bytes = pv->backup.size;
    rg->rec.rto_ms = -1;
    rg->rec.verified = -1;
    rg->rec.estimate_full_seconds = -1;
    rg->rec.rto_target = rg->cfg->targets.rto_pbs;
    rg->rec.rpo_target = rg->cfg->targets.rpo_local;
    rg->phase = RG_RUNNING;
    rg->phase_ms = loop_now_ms(rg->loop);
    buf_reset(&rg->phases);
    if (rg->st && store_drill_insert(rg->st, &rg->rec, err) < 0) {
        rg->phase = RG_READY;
        return err->code ? -(int)err->code : -LB_EFAIL;
    }
    rg->recorded = true;
    log_info("restore %lld: %s into %s", (long long)rg->rec.id, pv->backup.volid, rg->rec.target);
    if (pv->original) {
        set_step(rg, "checking guest %d is stopped", pv->target);
        read_guests(rg, go_check_stopped);
        return 0;
    }
    go_restore(rg);
    return 0;
}

static void cancel_now(struct restore_guest *rg)
{
    fail(rg, "cancelled by the operator after the restore task ended");
}

void restore_guest_cancel(struct restore_guest *rg)
{
    if (rg->phase == RG_DONE || rg->cancelled)
        return;
    rg->cancelled = true;
    if (rg->phase != RG_RUNNING) {
        if (rg->call) {
            struct pmx_call *c = rg->call;

            rg->call = NULL;
            pmx_call_cancel(c);
        }
        return;
    }
    if (rg->act.follow && rg->restore_started) {
        /* the task runs on in PVE; stopping it half-way would leave a broken guest */
        pmx_action_unfollow(&rg->act); /* on_done fails the restore: the record ends cancelled */
        return;
    }
    if (rg->call || rg->act.call) {
        struct pmx_call *c = rg->call ? rg->call : rg->act.call;

        rg->call = rg->act.call = NULL;
        pmx_call_cancel(c);
        return;
    }
    if (rg->act.follow) {
        rg->after = cancel_now; /* a shutdown or start: let it end */
        return;
    }
    fail(rg, "cancelled by the operator");
}

enum restore_guest_phase restore_guest_phase(const struct restore_guest *rg)
{
    return rg->phase;
}

const char *restore_guest_error(const struct restore_guest *rg)
{
    return rg->error;
}

const char *restore_guest_step(const struct restore_guest *rg)
{
    return rg->step;
}

size_t restore_guest_log_tail(const struct restore_guest *rg, const char **lines, size_t n)
{
    size_t k = 0;

    for (int i = rg->nlog > (int)n ? rg->nlog - (int)n : 0; i < rg->nlog; i++)
        lines[k++] = rg->log_tail[i];
    return k;
}

const struct store_drill *restore_guest_record(const struct restore_guest *rg)
{
    return &rg->rec;
}

/* ---------------------------------------------------------------- life cycle */

struct restore_guest *restore_guest_new(struct loop *loop, const struct config *cfg,
                                        struct store *st,
                                        void (*on_update)(struct restore_guest *rg, void *arg),
                                        void *arg, struct lb_err *err)
{
    struct restore_guest *rg;
    const struct pve_cfg *pve;
    struct pmx_client_opts co = { 0 };

    if (!cfg->pves.len) {
        lb_err_set(err, LB_ECONFIG, "restoring a guest needs a [pve NAME] section in %s",
                   cfg->path);
        return NULL;
    }
    pve = cfg->pves.items[0];
    rg = xcalloc(1, sizeof(*rg));
    rg->loop = loop;
    rg->cfg = cfg;
    rg->st = st;
    rg->on_update = on_update;
    rg->arg = arg;
    vec_init(&rg->guests, free);
    vec_init(&rg->backups, free);
    vec_init(&rg->disk_storages, free);
    vec_init(&rg->backup_conf, drill_kv_free);
    vec_init(&rg->pv.snapshots, free);
    buf_init(&rg->phases, 512);
    rg->http = http_new(loop);
    co.product = PMX_PVE;
    co.name = pve->name;
    co.url = pve->url;
    co.token_file = pve->token_file;
    co.fingerprint = pve->fingerprint;
    if (!(rg->pve = pmx_client_new(loop, rg->http, &co, err))) {
        restore_guest_free(rg);
        return NULL;
    }
    rg->act.c = rg->pve;
    rg->act.node = rg->pv.node;
    rg->act.max_ms = TASK_MAX_MS;
    rg->act.on_line = on_line;
    rg->act.on_done = on_task_done;
    rg->act.arg = rg;
    return rg;
}

void restore_guest_free(struct restore_guest *rg)
{
    if (!rg)
        return;
    if (rg->phase == RG_RUNNING && rg->recorded) {
        rg->phase = RG_DONE;
        str_copy(rg->rec.outcome, sizeof(rg->rec.outcome), "interrupted");
        snprintf(rg->rec.error, sizeof(rg->rec.error),
                 "lifeboat stopped before the restore into guest %d finished; a started task "
                 "goes on in PVE: check the guest",
                 rg->pv.target);
        rg->rec.ended = clock_now();
        record(rg);
    }
    rg->on_update = NULL;
    rg->phase = RG_DONE;
    rg->freeing = true;
    pmx_action_unfollow(&rg->act); /* the task itself goes on in PVE */
    if (rg->pve)
        pmx_client_free(rg->pve);
    if (rg->http)
        http_free(rg->http);
    for (int i = 0; i < rg->nlog; i++)
        free(rg->log_tail[i]);
    vec_release(&rg->guests);
    vec_release(&rg->backups);
    vec_release(&rg->disk_storages);
    vec_release(&rg->backup_conf);
    vec_release(&rg->pv.snapshots);
    buf_release(&rg->phases);
    free(rg);
}
