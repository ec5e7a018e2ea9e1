/*
 * Proxmox records: frees, UPID parsing, task outcomes, backup-job selection.
 * Pure code, no I/O (see proxmox_model.h).
 */
#include "backend/proxmox_model.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "backend/base/str.h"

const char *pmx_product_name(enum pmx_product p)
{
    return p == PMX_PBS ? "PBS" : "PVE";
}

/* ---- UPID ---- */

/* Split s at ':' into at most max fields (pointers into buf). Returns the count. */
static int split_colon(char *buf, char **f, int max)
{
    int n = 0;
    char *p = buf;

    while (n < max) {
        char *c = strchr(p, ':');

        f[n++] = p;
        if (!c)
            break;
        *c = '\0';
        p = c + 1;
    }
    return n;
}

static int hex_field(const char *s, int min_digits, uint64_t *out)
{
    uint64_t v = 0;
    size_t n = strlen(s);

    if ((int)n < min_digits || n > 16)
        return -1;
    for (size_t i = 0; i < n; i++) {
        int d;

        if (!isxdigit((unsigned char)s[i]))
            return -1;
        d = isdigit((unsigned char)s[i]) ? s[i] - '0' : tolower((unsigned char)s[i]) - 'a' + 10;
        v = v << 4 | (uint64_t)d;
    }
    *out = v;
    return 0;
}

/* Undo systemd unit-name escaping: "\x3a" -> ':', '-' -> '/'. */
static void systemd_unescape(const char *in, char *out, size_t n)
{
    size_t k = 0;

    for (size_t i = 0; in[i] && k + 1 < n; i++) {
        uint64_t v;
        char hex[3];

        if (in[i] == '\\' && in[i + 1] == 'x' && in[i + 2] && in[i + 3]) {
            hex[0] = in[i + 2];
            hex[1] = in[i + 3];
            hex[2] = '\0';
            if (hex_field(hex, 2, &v) == 0) {
                out[k++] = (char)v;
                i += 3;
                continue;
            }
        }
        out[k++] = in[i] == '-' ? '/' : in[i];
    }
    out[k] = '\0';
}

static bool field_ok(const char *s, bool may_be_empty)
{
    if (!*s)
        return may_be_empty;
    for (; *s; s++)
        if (isspace((unsigned char)*s) || *s == '/')
            return false;
    return true;
}

int pmx_upid_parse(const char *s, struct pmx_upid *out, struct lb_err *err)
{
    char buf[512];
    char *f[12];
    int n;
    uint64_t pid, pstart, task_id = 0, start;
    int k;

    memset(out, 0, sizeof(*out));
    if (!s || !str_starts_with(s, "UPID:") || strlen(s) >= sizeof(buf))
        goto bad;
    str_copy(buf, sizeof(buf), s + 5);
    n = split_colon(buf, f, 12);
    /* PVE: node pid pstart starttime type id user "" ; PBS has task_id after pstart */
    if (n == 8 && !*f[7])
        out->product = PMX_PVE;
    else if (n == 9 && !*f[8])
        out->product = PMX_PBS;
    else
        goto bad;
    if (!field_ok(f[0], false) || hex_field(f[1], 8, &pid) || hex_field(f[2], 8, &pstart))
        goto bad;
    k = 3;
    if (out->product == PMX_PBS && hex_field(f[k++], 8, &task_id))
        goto bad;
    if (hex_field(f[k], 8, &start) || !field_ok(f[k + 1], false) || !field_ok(f[k + 2], true) ||
        !field_ok(f[k + 3], false) || pid > UINT32_MAX)
        goto bad;
    str_copy(out->node, sizeof(out->node), f[0]);
    out->pid = (uint32_t)pid;
    out->pstart = pstart;
    out->task_id = task_id;
    out->starttime = (time_t)start;
    str_copy(out->type, sizeof(out->type), f[k + 1]);
    if (out->product == PMX_PBS)
        systemd_unescape(f[k + 2], out->id, sizeof(out->id));
    else
        str_copy(out->id, sizeof(out->id), f[k + 2]);
    str_copy(out->user, sizeof(out->user), f[k + 3]);
    str_sanitize(out->node);
    str_sanitize(out->type);
    str_sanitize(out->id);
    str_sanitize(out->user);
    return 0;
bad:
    return lb_err_set(err, LB_EPARSE, "not a Proxmox task id (UPID): '%.80s'", s ? s : "");
}

enum pmx_outcome pmx_outcome_of(const char *status)
{
    if (!status)
        return PMX_RUNNING;
    if (!strcmp(status, "OK"))
        return PMX_OK;
    if (str_starts_with(status, "WARNINGS: "))
        return PMX_WARNINGS;
    if (!strcmp(status, "unknown") || !strcmp(status, "unexpected status"))
        return PMX_UNKNOWN;
    return PMX_ERROR;
}

/* ---- backup job selection ---- */

static bool list_has(const char *list, int vmid)
{
    const char *p = list;

    while (p && *p) {
        int64_t v;
        char num[16];
        size_t n = strcspn(p, ",; ");

        if (n && n < sizeof(num)) {
            memcpy(num, p, n);
            num[n] = '\0';
            if (str_to_i64(num, 0, INT32_MAX, &v) == 0 && v == vmid)
                return true;
        }
        p += n;
        while (*p == ',' || *p == ';' || *p == ' ')
            p++;
    }
    return false;
}

bool pve_job_selects(const struct pve_backup_job *job, int vmid, const char *pool)
{
    if (job->all || job->exclude)
        return !list_has(job->exclude, vmid);
    if (job->pool)
        return pool && !strcmp(pool, job->pool);
    return list_has(job->vmid, vmid);
}

/* ---- frees ---- */

void pmx_task_status_free(void *p)
{
    struct pmx_task_status *t = p;

    if (!t)
        return;
    free(t->upid);
    free(t->node);
    free(t->type);
    free(t->id);
    free(t->user);
    free(t->exitstatus);
    free(t->tokenid);
    free(t);
}

void pmx_log_line_free(void *p)
{
    struct pmx_log_line *l = p;

    if (!l)
        return;
    free(l->t);
    free(l);
}

void pve_guest_free(void *p)
{
    struct pve_guest *g = p;

    if (!g)
        return;
    free(g->name);
    free(g->node);
    free(g->status);
    free(g->lock);
    free(g->tags);
    free(g->pool);
    free(g);
}

void pve_snapshot_free(void *p)
{
    struct pve_snapshot *s = p;

    if (!s)
        return;
    free(s->name);
    free(s->description);
    free(s->parent);
    free(s->snapstate);
    free(s);
}

void pve_snapshot_list_free(void *p)
{
    struct pve_snapshot_list *l = p;

    if (!l)
        return;
    vec_release(&l->snaps);
    free(l->current_parent);
    free(l);
}

void pve_backup_job_free(void *p)
{
    struct pve_backup_job *j = p;

    if (!j)
        return;
    free(j->id);
    free(j->schedule);
    free(j->storage);
    free(j->vmid);
    free(j->exclude);
    free(j->pool);
    free(j->node);
    free(j->mode);
    free(j->comment);
    free(j->notes_template);
    free(j);
}

void pve_unbacked_free(void *p)
{
    struct pve_unbacked *u = p;

    if (!u)
        return;
    free(u->name);
    free(u);
}

void pve_backup_free(void *p)
{
    struct pve_backup *b = p;

    if (!b)
        return;
    free(b->volid);
    free(b->notes);
    free(b);
}

void pve_storage_free(void *p)
{
    struct pve_storage *s = p;

    if (!s)
        return;
    free(s->storage);
    free(s->type);
    free(s->content);
    free(s);
}

void pbs_datastore_free(void *p)
{
    struct pbs_datastore *d = p;

    if (!d)
        return;
    free(d->store);
    free(d->comment);
    free(d->maintenance);
    free(d);
}

void pbs_status_free(void *p)
{
    free(p);
}

void pbs_usage_free(void *p)
{
    struct pbs_usage *u = p;

    if (!u)
        return;
    free(u->store);
    free(u->error);
    free(u);
}

void pbs_group_free(void *p)
{
    struct pbs_group *g = p;

    if (!g)
        return;
    free(g->id);
    free(g->owner);
    free(g->comment);
    free(g);
}

void pbs_snapshot_free(void *p)
{
    struct pbs_snapshot *s = p;

    if (!s)
        return;
    free(s->id);
    free(s->owner);
    free(s->comment);
    free(s->verify_upid);
    free(s);
}

void pbs_gc_free(void *p)
{
    struct pbs_gc *g = p;

    if (!g)
        return;
    free(g->store);
    free(g->schedule);
    free(g->last_state);
    free(g->upid);
    free(g);
}

void pbs_job_free(void *p)
{
    struct pbs_job *j = p;

    if (!j)
        return;
    free(j->id);
    free(j->store);
    free(j->schedule);
    free(j->last_state);
    free(j->last_upid);
    free(j);
}

void pbs_disk_free(void *p)
{
    struct pbs_disk *d = p;

    if (!d)
        return;
    free(d->name);
    free(d->used);
    free(d->disk_type);
    free(d->status);
    free(d->vendor);
    free(d->model);
    free(d->serial);
    free(d->devpath);
    free(d);
}

void pbs_task_free(void *p)
{
    struct pbs_task *t = p;

    if (!t)
        return;
    free(t->upid);
    free(t->worker_type);
    free(t->worker_id);
    free(t->user);
    free(t->status);
    free(t);
}

void pbs_prune_item_free(void *p)
{
    struct pbs_prune_item *i = p;

    if (!i)
        return;
    free(i->id);
    free(i);
}

void pmx_string_free(void *p)
{
    free(p);
}
