#include "backend/retview_srv.h"

#include <stdlib.h>
#include <string.h>

#include "backend/base/xalloc.h"
#include "backend/config.h"
#include "backend/http.h"
#include "backend/loop.h"
#include "backend/pbs.h"
#include "backend/proxmox.h"
#include "backend/proxmox_model.h"

void retview_srv_init(struct retview_srv *s)
{
    memset(s, 0, sizeof(*s));
    vec_init(&s->diffs, free);
}

void retview_srv_release(struct retview_srv *s)
{
    vec_release(&s->diffs);
}

const char *retview_srv_say_word(enum retview_srv_say w, bool engine)
{
    if (w == SRV_SAY_KEEP)
        return "keep";
    if (w == SRV_SAY_REMOVE)
        return "remove";
    return engine ? "not planned" : "not listed";
}

static void add_diff(struct retview_srv *s, int64_t t, enum retview_srv_say e,
                     enum retview_srv_say sv)
{
    struct retview_srv_diff *d = xcalloc(1, sizeof(*d));

    d->time = t;
    d->engine = e;
    d->server = sv;
    vec_push(&s->diffs, d);
}

static int diff_cmp(const void *a, const void *b)
{
    const struct retview_srv_diff *x = *(const struct retview_srv_diff *const *)a;
    const struct retview_srv_diff *y = *(const struct retview_srv_diff *const *)b;

    return (x->time > y->time) - (x->time < y->time);
}

void retview_srv_compare(struct retview_srv *s, const struct retview *v, const struct vec *items)
{
    bool *seen = xcalloc(v->n ? v->n : 1, sizeof(*seen));

    vec_clear(&s->diffs);
    s->n_compared = 0;
    for (size_t i = 0; i < items->len; i++) {
        const struct pbs_prune_item *it = items->items[i];
        enum retview_srv_say sv;
        size_t k;

        if (!it)
            continue;
        sv = it->keep ? SRV_SAY_KEEP : SRV_SAY_REMOVE;
        for (k = 0; k < v->n; k++)
            if (!seen[k] && v->pts[k].time == (int64_t)it->time)
                break;
        if (k == v->n) {
            /* protected or unfinished: lifeboat does not plan it; only a removal differs */
            if (!it->is_protected && !it->keep)
                add_diff(s, (int64_t)it->time, SRV_SAY_ABSENT, sv);
            continue;
        }
        seen[k] = true;
        s->n_compared++;
        if (v->pts[k].keep != it->keep)
            add_diff(s, (int64_t)it->time, v->pts[k].keep ? SRV_SAY_KEEP : SRV_SAY_REMOVE, sv);
    }
    for (size_t k = 0; k < v->n; k++)
        if (!seen[k])
            add_diff(s, v->pts[k].time, v->pts[k].keep ? SRV_SAY_KEEP : SRV_SAY_REMOVE,
                     SRV_SAY_ABSENT);
    if (s->diffs.len > 1)
        qsort(s->diffs.items, s->diffs.len, sizeof(void *), diff_cmp);
    free(seen);
    s->done = true;
}

struct srv_req {
    struct retview_srv *s;
    const struct retview *v;
    size_t *pending;
};

static void on_dry_run(int rc, const struct lb_err *err, struct vec *out, void *arg)
{
    struct srv_req *r = arg;

    if (rc < 0) {
        r->s->failed = true;
        r->s->done = true;
        if (err)
            r->s->err = *err;
        else
            lb_err_set(&r->s->err, LB_EFAIL, "the prune dry-run failed");
    } else {
        retview_srv_compare(r->s, r->v, out);
    }
    (*r->pending)--;
}

int retview_srv_fetch_sync(struct loop *loop, const struct pbs_cfg *pbs,
                           const struct retview_pbs_group *const *groups,
                           const struct retview *const *views, size_t n, struct retview_srv *out,
                           struct lb_err *err)
{
    struct pmx_client_opts co = { 0 };
    struct http *http;
    struct pmx_client *c;
    struct srv_req *reqs;
    size_t pending = 0;

    co.product = PMX_PBS;
    co.name = pbs->name;
    co.url = pbs->url;
    co.token_file = pbs->token_file;
    co.fingerprint = pbs->fingerprint;
    http = http_new(loop);
    if (!(c = pmx_client_new(loop, http, &co, err))) {
        http_free(http);
        return err->code ? -(int)err->code : -LB_ECONFIG;
    }
    reqs = xcalloc(n ? n : 1, sizeof(*reqs));
    for (size_t i = 0; i < n; i++) {
        struct lb_err e = { 0 };

        reqs[i] = (struct srv_req){ .s = &out[i], .v = views[i], .pending = &pending };
        if (!views[i]) {
            out[i].done = out[i].failed = true;
            lb_err_set(&out[i].err, LB_EFAIL, "no plan of lifeboat's to compare with");
            continue;
        }
        pending++;
        if (!pbs_prune_dry_run(c, pbs->datastore, groups[i]->type, groups[i]->id,
                               &groups[i]->keep, on_dry_run, &reqs[i], &e)) {
            pending--;
            out[i].done = out[i].failed = true;
            out[i].err = e;
        }
    }
    while (pending > 0)
        loop_run_once(loop, 1000);
    pmx_client_free(c);
    http_free(http);
    free(reqs);
    return 0;
}
