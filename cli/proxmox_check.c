/*
 * The Proxmox part of `lifeboat config check`: for one [pve]/[pbs] endpoint,
 * the certificate it presents (fetched without sending a request) and whether
 * it matches the pin, then an authenticated GET /version, and for PBS the
 * configured datastore. Trust on first use stays the operator's decision: an
 * unpinned self-signed certificate is shown, never accepted.
 */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/base/str.h"
#include "backend/base/xalloc.h"
#include "backend/http.h"
#include "backend/loop.h"
#include "backend/pbs.h"
#include "backend/proxmox.h"

struct pcheck {
    bool done;
    int rc;
    struct lb_err err;
    char fingerprint[96];
    char *text; /* version */
    struct pbs_status st;
};

static void on_probe(int rc, const struct lb_err *err, const char *fp, void *arg)
{
    struct pcheck *p = arg;

    p->rc = rc;
    if (err)
        p->err = *err;
    if (fp)
        str_copy(p->fingerprint, sizeof(p->fingerprint), fp);
    p->done = true;
}

static void on_result(int rc, const struct lb_err *err, struct vec *out, void *arg)
{
    struct pcheck *p = arg;

    p->rc = rc;
    if (err)
        p->err = *err;
    if (!rc && out->len && out->free_item == pmx_string_free) {
        p->text = out->items[0];
        out->items[0] = NULL;
    } else if (!rc && out->len) {
        p->st = *(struct pbs_status *)out->items[0];
    }
    p->done = true;
}

static bool same_fp(const char *a, const char *b)
{
    return a && b && !strcasecmp(a, b);
}

void cli_check_proxmox(int product, const char *name, const char *url, const char *token_file,
                       const char *pin, const char *datastore,
                       void (*report)(bool ok, const char *what, const char *msg, void *arg),
                       void *arg)
{
    struct loop *loop = loop_new();
    struct http *http = http_new(loop);
    struct pmx_client_opts o = { .product = product,
                                 .name = name,
                                 .url = url,
                                 .token_file = token_file,
                                 .fingerprint = pin,
                                 .connect_timeout_ms = 5000,
                                 .timeout_ms = 10000 };
    struct pmx_client *c;
    struct pcheck p = { 0 };
    struct lb_err err;
    char *what = xasprintf("%s %s", product == PMX_PVE ? "pve" : "pbs", name);
    char *msg = NULL;
    bool cert_ok = false;

    c = pmx_client_new(loop, http, &o, &err);
    if (!c) {
        report(false, what, err.msg, arg);
        goto out;
    }
    /* 1. the certificate, before anything is sent */
    if (pmx_probe_certificate(c, on_probe, &p, &err) < 0) {
        report(false, what, err.msg, arg);
        goto out;
    }
    pmx_wait(loop, &p.done);
    if (p.fingerprint[0] && pin) {
        cert_ok = same_fp(p.fingerprint, pin);
        msg = cert_ok ? xasprintf("certificate %s matches the pin", p.fingerprint)
                      : xasprintf("certificate %s does not match the pin %s: if the server's "
                                  "certificate was renewed on purpose, check this fingerprint "
                                  "on the server and update fingerprint =",
                                  p.fingerprint, pin);
        report(cert_ok, what, msg, arg);
    } else if (p.rc) {
        report(false, what, p.err.msg, arg);
    }
    if (p.rc || (pin && !cert_ok))
        goto out;

    /* 2. the API with the token (system CAs when nothing is pinned) */
    memset(&p.err, 0, sizeof(p.err));
    p.done = false;
    if (!pmx_get_version(c, on_result, &p, &err)) {
        report(false, what, err.msg, arg);
        goto out;
    }
    pmx_wait(loop, &p.done);
    if (p.rc == -LB_ETLS && !pin && p.fingerprint[0]) {
        free(msg);
        msg = xasprintf("certificate %s is not trusted by the system CAs: if that is the "
                        "fingerprint the server shows (%s), pin it with fingerprint = %s",
                        p.fingerprint,
                        product == PMX_PVE ? "node > System > Certificates"
                                           : "Dashboard > Show Fingerprint",
                        p.fingerprint);
        report(false, what, msg, arg);
        goto out;
    }
    if (p.rc) {
        report(false, what, p.err.msg, arg);
        goto out;
    }
    if (!pin) {
        free(msg);
        msg = xasprintf("certificate %s, trusted by the system CAs", p.fingerprint);
        report(true, what, msg, arg);
    }
    free(msg);
    msg = xasprintf("%s %s answers to token '%s'", pmx_product_name(product), p.text,
                    pmx_client_token_id(c));
    report(true, what, msg, arg);

    /* 3. PBS: the datastore */
    if (product == PMX_PBS && datastore) {
        char used[32], total[32];

        p.done = false;
        if (!pbs_get_status(c, datastore, on_result, &p, &err)) {
            report(false, what, err.msg, arg);
            goto out;
        }
        pmx_wait(loop, &p.done);
        free(msg);
        if (p.rc)
            msg = xstrdup(p.err.msg);
        else
            msg = xasprintf("datastore %s: %s of %s used", datastore,
                            str_fmt_bytes(p.st.used, used, sizeof(used)),
                            str_fmt_bytes(p.st.total, total, sizeof(total)));
        report(!p.rc, what, msg, arg);
    }
out:
    free(msg);
    free(p.text);
    free(what);
    pmx_client_free(c);
    http_free(http);
    loop_free(loop);
}
