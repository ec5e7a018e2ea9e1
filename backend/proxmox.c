/*
 * The Proxmox transport (see proxmox.h): token header, requests on the loop,
 * error mapping, shared parsers (UPID answers, task status and log), task
 * following and the connect-only certificate probe.
 */
#include "backend/proxmox.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/base/buf.h"
#include "backend/base/log.h"
#include "backend/base/str.h"
#include "backend/base/xalloc.h"
#include "backend/http.h"
#include "backend/loop.h"
#include "backend/proxmox_json.h"

#define DEFAULT_CONNECT_MS 5000
#define DEFAULT_TIMEOUT_MS 20000
#define MAX_BODY           ((size_t)32 << 20)
#define TOKEN_FILE_MAX     4096
#define FOLLOW_POLL_MS     500
#define FOLLOW_MAX_MS      (3600 * 1000)
#define FOLLOW_MAX_FAILS   3

/* ---- lenient JSON readers ---- */

int pj_envelope(const char *body, size_t len, const char *what, json_t **root, json_t **data,
                struct lb_err *err)
{
    json_error_t je;

    *root = json_loadb(body ? body : "", len, JSON_DECODE_ANY, &je);
    if (!*root)
        return lb_err_set(err, LB_EPARSE, "%s is not valid JSON (%s, at byte %d)", what, je.text,
                          je.position);
    if (!json_is_object(*root) || !(*data = json_object_get(*root, "data"))) {
        json_decref(*root);
        *root = NULL;
        return lb_err_set(err, LB_EPARSE, "%s has no \"data\" member", what);
    }
    return 0;
}

int pj_want_array(json_t *data, const char *what, struct lb_err *err)
{
    if (json_is_array(data))
        return 0;
    return lb_err_set(err, LB_EPARSE, "%s: \"data\" is not a list", what);
}

int pj_want_object(json_t *data, const char *what, struct lb_err *err)
{
    if (json_is_object(data))
        return 0;
    return lb_err_set(err, LB_EPARSE, "%s: \"data\" is not an object", what);
}

int pj_each(const char *body, size_t len, const char *what, pj_item_fn item, void *ctx,
            struct lb_err *err)
{
    json_t *root, *d, *e;
    size_t i;
    int rc = pj_envelope(body, len, what, &root, &d, err);

    if (rc || (rc = pj_want_array(d, what, err)))
        goto out;
    json_array_foreach(d, i, e) {
        if ((rc = item(e, i, ctx, err)))
            goto out;
    }
out:
    json_decref(root);
    return rc;
}

bool pj_int(json_t *obj, const char *key, int64_t *out)
{
    json_t *v = json_object_get(obj, key);

    if (json_is_integer(v)) {
        *out = json_integer_value(v);
        return true;
    }
    if (json_is_real(v)) {
        double d = json_real_value(v);

        if (d != floor(d) || d < -9.2e18 || d > 9.2e18)
            return false;
        *out = (int64_t)d;
        return true;
    }
    if (json_is_string(v)) {
        char tmp[32];

        if (!str_copy(tmp, sizeof(tmp), json_string_value(v)))
            return false;
        return str_to_i64(str_trim(tmp), INT64_MIN, INT64_MAX, out) == 0;
    }
    if (json_is_boolean(v)) {
        *out = json_is_true(v);
        return true;
    }
    return false;
}

bool pj_u64(json_t *obj, const char *key, uint64_t *out)
{
    json_t *v = json_object_get(obj, key);
    int64_t i;

    if (json_is_real(v)) { /* sizes beyond 2^63 do not happen; fractions are cut */
        double d = json_real_value(v);

        if (d < 0 || d > 1.8e19 || d != d)
            return false;
        *out = (uint64_t)d;
        return true;
    }
    if (!pj_int(obj, key, &i) || i < 0)
        return false;
    *out = (uint64_t)i;
    return true;
}

bool pj_bool(json_t *obj, const char *key, bool *out)
{
    json_t *v = json_object_get(obj, key);
    int64_t i;

    if (json_is_string(v)) {
        const char *s = json_string_value(v);

        if (!strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "on")) {
            *out = true;
            return true;
        }
        if (!strcmp(s, "false") || !strcmp(s, "no") || !strcmp(s, "off")) {
            *out = false;
            return true;
        }
    }
    if (!pj_int(obj, key, &i))
        return false;
    *out = i != 0;
    return true;
}

int64_t pj_int0(json_t *obj, const char *key)
{
    int64_t v;

    return pj_int(obj, key, &v) ? v : 0;
}

bool pj_true(json_t *obj, const char *key)
{
    bool v;

    return pj_bool(obj, key, &v) && v;
}

char *pj_str(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    char *s;

    if (json_is_string(v))
        s = xstrdup(json_string_value(v));
    else if (json_is_integer(v))
        s = xasprintf("%lld", (long long)json_integer_value(v));
    else if (json_is_real(v))
        s = xasprintf("%g", json_real_value(v));
    else
        return NULL;
    str_sanitize(s);
    return s;
}

char *pj_str_or(json_t *obj, const char *key, const char *dflt)
{
    char *s = pj_str(obj, key);

    return s ? s : xstrdup(dflt);
}

bool pj_copy(json_t *obj, const char *key, char *buf, size_t n)
{
    char *s = pj_str(obj, key);
    bool ok = s && str_copy(buf, n, s);

    if (!ok && n)
        buf[0] = '\0';
    free(s);
    return ok;
}

/* ---- client ---- */

struct pmx_client {
    struct loop *loop;
    struct http *http;
    bool freeing;
    enum pmx_product product;
    char *name;
    char *url;  /* as configured */
    char *base; /* ".../api2/json" */
    char *auth; /* "Authorization: P?EAPIToken=..." (secret: wiped on free) */
    char *token_id;
    char *token_file;
    char *pin;
    int64_t connect_ms, timeout_ms;
    struct pmx_call *calls;
    size_t active;
};

struct pmx_call {
    struct pmx_client *c;
    struct pmx_call *prev, *next;
    struct http_req *req;
    char *method;
    char *path;
    char *need;
    pmx_parse_fn parse;
    void (*item_free)(void *);
    pmx_result_fn done;
    void *arg;
    /* probes */
    pmx_probe_fn probe_done;
};

static void call_unlink(struct pmx_call *call);

static const char *label(const struct pmx_client *c)
{
    return pmx_product_name(c->product);
}

/* Read the token file: one line USER@REALM!ID{=|:}SECRET. Fills c->auth, c->token_id. */
static int read_token(struct pmx_client *c, const char *path, struct lb_err *err)
{
    char buf[TOKEN_FILE_MAX + 1];
    size_t len = 0;
    ssize_t n;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    char *line, *bang, *sep, *eq, *colon;
    int rc = 0;

    if (fd < 0)
        return lb_err_set(err, errno == ENOENT ? LB_ENOTFOUND : LB_EIO,
                          "cannot read the %s token file %s: %s", label(c), path, strerror(errno));
    while (len < sizeof(buf) - 1 && (n = read(fd, buf + len, sizeof(buf) - 1 - len)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = lb_err_set(err, LB_EIO, "cannot read the %s token file %s: %s", label(c), path,
                            strerror(errno));
            goto out;
        }
        len += (size_t)n;
    }
    buf[len] = '\0';
    line = str_trim(buf);
    line[strcspn(line, "\r\n")] = '\0';
    str_trim(line);
    bang = strchr(line, '!');
    eq = bang ? strchr(bang, '=') : NULL;
    colon = bang ? strchr(bang, ':') : NULL;
    sep = eq && (!colon || eq < colon) ? eq : colon;
    if (!bang || !sep || sep == bang + 1 || !sep[1] || !strchr(line, '@') ||
        strchr(line, '@') > bang || strpbrk(line, " \t") || (c->product == PMX_PVE && sep != eq)) {
        rc = lb_err_set(err, LB_ECONFIG,
                        "the %s token file %s is not one line %s: create an API token in %s "
                        "and write its id and secret there",
                        label(c), path,
                        c->product == PMX_PVE ? "USER@REALM!TOKENID=SECRET"
                                              : "USER@REALM!TOKENNAME:SECRET",
                        c->product == PMX_PVE ? "Datacenter > Permissions > API Tokens"
                                              : "Configuration > Access Control > API Token");
        goto out;
    }
    c->token_id = xasprintf("%.*s", (int)(sep - line), line);
    str_sanitize(c->token_id);
    if (c->product == PMX_PVE)
        c->auth = xasprintf("Authorization: PVEAPIToken=%s", line);
    else /* PBS splits at the first ':' (reference 1.2) */
        c->auth = xasprintf("Authorization: PBSAPIToken=%s:%s", c->token_id, sep + 1);
out:
    explicit_bzero(buf, sizeof(buf));
    close(fd);
    return rc;
}

struct pmx_client *pmx_client_new(struct loop *loop, struct http *http,
                                  const struct pmx_client_opts *opts, struct lb_err *err)
{
    struct pmx_client *c = xcalloc(1, sizeof(*c));
    size_t n;

    c->loop = loop;
    c->http = http;
    c->product = opts->product;
    c->name = xstrdup(opts->name ? opts->name : "");
    c->url = xstrdup(opts->url ? opts->url : "");
    n = strlen(c->url);
    while (n && c->url[n - 1] == '/')
        n--;
    if (n >= 10 && !strncmp(c->url + n - 10, "/api2/json", 10))
        c->base = xasprintf("%.*s", (int)n, c->url);
    else
        c->base = xasprintf("%.*s/api2/json", (int)n, c->url);
    c->pin = xstrdup(opts->fingerprint);
    c->token_file = xstrdup(opts->token_file);
    c->connect_ms = opts->connect_timeout_ms > 0 ? opts->connect_timeout_ms : DEFAULT_CONNECT_MS;
    c->timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : DEFAULT_TIMEOUT_MS;
    if (!opts->token_file) {
        lb_err_set(err, LB_ECONFIG, "%s '%s' has no token_file", label(c), c->name);
        goto fail;
    }
    if (read_token(c, opts->token_file, err) < 0) {
        lb_err_prefix(err, "%s '%s'", label(c), c->name);
        goto fail;
    }
    return c;
fail:
    pmx_client_free(c);
    return NULL;
}

void pmx_client_free(struct pmx_client *c)
{
    if (!c)
        return;
    c->freeing = true;
    while (c->calls) {
        struct pmx_call *call = c->calls;
        pmx_result_fn done = call->done;
        pmx_probe_fn probe = call->probe_done;
        struct lb_err err;
        struct vec none = VEC_INIT(NULL);

        /* Tell the requester now; the http request is cancelled and, once
         * delivered, freed by on_http_done (it sees call->c == NULL). */
        lb_err_set(&err, LB_ECANCELLED, "%s '%s': %s %s: cancelled", label(c), c->name,
                   call->method, call->path);
        call_unlink(call);
        call->done = NULL;
        call->probe_done = NULL;
        http_cancel(call->req);
        if (done)
            done(-LB_ECANCELLED, &err, &none, call->arg);
        else if (probe)
            probe(-LB_ECANCELLED, &err, NULL, call->arg);
    }
    if (c->auth)
        explicit_bzero(c->auth, strlen(c->auth));
    free(c->auth);
    free(c->token_id);
    free(c->token_file);
    free(c->name);
    free(c->url);
    free(c->base);
    free(c->pin);
    free(c);
}

int pmx_client_reload_token(struct pmx_client *c, struct lb_err *err)
{
    char *auth = c->auth, *id = c->token_id;
    int rc;

    c->auth = NULL;
    c->token_id = NULL;
    rc = read_token(c, c->token_file, err);
    if (rc < 0) {
        free(c->auth);
        free(c->token_id);
        c->auth = auth;
        c->token_id = id;
        lb_err_prefix(err, "%s '%s'", label(c), c->name);
        return rc;
    }
    if (auth)
        explicit_bzero(auth, strlen(auth));
    free(auth);
    free(id);
    return 0;
}

enum pmx_product pmx_client_product(const struct pmx_client *c)
{
    return c->product;
}

const char *pmx_client_name(const struct pmx_client *c)
{
    return c->name;
}

const char *pmx_client_url(const struct pmx_client *c)
{
    return c->url;
}

const char *pmx_client_token_id(const struct pmx_client *c)
{
    return c->token_id;
}

struct loop *pmx_client_loop(const struct pmx_client *c)
{
    return c->loop;
}

size_t pmx_client_active(const struct pmx_client *c)
{
    return c->active;
}

void pmx_escape(struct buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";

    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '_' || *p == '.' || *p == '~') {
            buf_append(b, p, 1);
        } else {
            char e[3] = { '%', hex[*p >> 4], hex[*p & 15] };

            buf_append(b, e, 3);
        }
    }
}

/* ---- error mapping ---- */

/* The server's own words: PVE's JSON "message" (+ "errors"), else the reason phrase; PBS's text. */
static void server_words(const struct pmx_client *c, const struct http_response *res,
                         struct buf *out)
{
    json_t *root = NULL;

    if (c->product == PMX_PVE) {
        root = json_loadb(res->body ? res->body : "", res->body_len, 0, NULL);
        if (root && json_is_object(root)) {
            json_t *m = json_object_get(root, "message"), *errs = json_object_get(root, "errors");
            const char *k;
            json_t *v;

            if (json_is_string(m))
                buf_puts(out, json_string_value(m));
            else if (res->reason && *res->reason)
                buf_puts(out, res->reason);
            while (out->len && (out->data[out->len - 1] == '\n' || out->data[out->len - 1] == ' '))
                out->data[--out->len] = '\0';
            if (json_is_object(errs)) {
                json_object_foreach(errs, k, v) {
                    if (json_is_string(v))
                        buf_printf(out, "%s%s: %s", out->len ? "; " : "", k, json_string_value(v));
                }
            }
        } else if (res->reason && *res->reason) {
            buf_puts(out, res->reason);
        }
        json_decref(root);
    } else {
        const char *b = res->body ? res->body : "";
        size_t n = res->body_len;

        while (n && (b[n - 1] == '\n' || b[n - 1] == ' '))
            n--;
        buf_append(out, b, n > 300 ? 300 : n);
        if (!out->len && res->reason)
            buf_puts(out, res->reason);
    }
    /* one line */
    for (size_t i = 0; i < out->len; i++)
        if (out->data[i] == '\n' || out->data[i] == '\r')
            out->data[i] = ' ';
    if (!out->len)
        buf_printf(out, "HTTP %ld", res->status);
    str_sanitize(out->data);
}

static int map_error(const struct pmx_call *call, const struct http_response *res,
                     struct lb_err *err)
{
    const struct pmx_client *c = call->c;
    const char *L = label(c);
    struct buf words = BUF_INIT(1024);
    int rc;

    if (res->code != LB_EOK) {
        switch (res->code) {
        case LB_ETIMEOUT:
            rc = lb_err_set(err, LB_ETIMEOUT,
                            "%s '%s' (%s) did not answer %s %s in time (%s): is the server "
                            "overloaded or hanging? lifeboat stopped waiting",
                            L, c->name, c->url, call->method, call->path, res->error);
            break;
        case LB_EUNREACHABLE:
            rc = lb_err_set(err, LB_EUNREACHABLE,
                            "cannot reach %s '%s' at %s: %s (is the host up and the port right?)",
                            L, c->name, c->url, res->error);
            break;
        case LB_ETLS:
            rc = lb_err_set(err, LB_ETLS, "%s '%s': %s", L, c->name, res->error);
            break;
        default:
            rc = lb_err_set(err, res->code, "%s '%s': %s", L, c->name,
                            res->error ? res->error : "request failed");
        }
        buf_release(&words);
        return rc;
    }
    server_words(c, res, &words);
    if (res->status == 401) {
        rc = lb_err_set(err, LB_EAUTH,
                        "%s '%s' refused the API token '%s' from %s (401 %s): check that the "
                        "token exists, is enabled and not expired, and that the file holds its "
                        "current secret",
                        L, c->name, c->token_id, c->token_file, buf_cstr(&words));
    } else if (res->status == 403) {
        rc = lb_err_set(
            err, LB_EPERM,
            "%s '%s' denied %s %s to token '%s' (403 %s): the token lacks %s; grant it with %s", L,
            c->name, call->method, call->path, c->token_id, buf_cstr(&words),
            call->need ? call->need : "a privilege this call needs",
            c->product == PMX_PVE
                ? "'pveum acl modify PATH --tokens TOKEN --roles ROLE' (a privilege-separated "
                  "token needs its own ACL entries)"
                : "'proxmox-backup-manager acl update PATH ROLE --auth-id TOKEN' (a new token "
                  "has no privileges of its own)");
    } else if (res->status == 404 || res->status == 501) {
        rc = lb_err_set(err, LB_ENOTFOUND,
                        "%s '%s' does not offer %s %s (%ld %s): too old a version?", L, c->name,
                        call->method, call->path, res->status, buf_cstr(&words));
    } else {
        rc = lb_err_set(err, res->status >= 500 ? LB_EFAIL : LB_EUSAGE, "%s '%s': %s %s: %s (%ld)",
                        L, c->name, call->method, call->path, buf_cstr(&words), res->status);
    }
    buf_release(&words);
    return rc;
}

/* ---- calls ---- */

static void call_unlink(struct pmx_call *call)
{
    struct pmx_client *c = call->c;

    if (!c)
        return;
    if (call->prev)
        call->prev->next = call->next;
    else
        c->calls = call->next;
    if (call->next)
        call->next->prev = call->prev;
    c->active--;
    call->c = NULL;
}

static void call_free(struct pmx_call *call)
{
    free(call->method);
    free(call->path);
    free(call->need);
    free(call);
}

static void on_http_done(struct http_req *req, const struct http_response *res, void *arg)
{
    struct pmx_call *call = arg;
    struct lb_err err = { 0 };
    struct vec out = VEC_INIT(call->item_free);
    int rc;

    (void)req;
    if (!call->c) { /* client gone */
        call_free(call);
        return;
    }
    if (call->probe_done) {
        pmx_probe_fn fn = call->probe_done;

        if (res->code == LB_EOK)
            rc = 0;
        else
            rc = map_error(call, res, &err);
        call_unlink(call);
        fn(rc, rc ? &err : NULL, res->peer_fingerprint[0] ? res->peer_fingerprint : NULL,
           call->arg);
        call_free(call);
        return;
    }
    if (res->code != LB_EOK || res->status < 200 || res->status > 299) {
        rc = map_error(call, res, &err);
    } else {
        rc = call->parse(res->body, res->body_len, &out, &err);
        if (rc < 0)
            lb_err_prefix(&err, "%s '%s' sent a bad answer to %s %s", label(call->c), call->c->name,
                          call->method, call->path);
    }
    if (rc < 0)
        log_warn("%s", err.msg);
    call_unlink(call);
    if (call->done)
        call->done(rc, rc < 0 ? &err : NULL, &out, call->arg);
    vec_release(&out);
    call_free(call);
}

static struct pmx_call *call_new(struct pmx_client *c, const char *method, const char *path)
{
    struct pmx_call *call = xcalloc(1, sizeof(*call));

    call->c = c;
    call->method = xstrdup(method);
    call->path = xstrdup(path);
    call->next = c->calls;
    if (c->calls)
        c->calls->prev = call;
    c->calls = call;
    c->active++;
    return call;
}

struct pmx_call *pmx_call_start(struct pmx_client *c, const struct pmx_req *r, pmx_result_fn done,
                                void *arg, struct lb_err *err)
{
    const char *method = r->method ? r->method : "GET";
    struct pmx_call *call;
    char *url = xasprintf("%s%s", c->base, r->path);
    const char *headers[4] = { c->auth, NULL, NULL, NULL };
    struct http_request_opts o = { 0 };

    if (c->freeing) {
        free(url);
        lb_err_set(err, LB_ECANCELLED, "%s '%s': shutting down", label(c), c->name);
        return NULL;
    }
    call = call_new(c, method, r->path);
    call->need = xstrdup(r->need);
    call->parse = r->parse;
    call->item_free = r->item_free;
    call->done = done;
    call->arg = arg;
    if (r->form)
        headers[1] = "Content-Type: application/x-www-form-urlencoded";
    headers[r->form ? 2 : 1] = "Accept: application/json";
    o.method = method;
    o.url = url;
    o.headers = headers;
    o.body = r->form;
    o.body_len = r->form ? strlen(r->form) : 0;
    o.connect_timeout_ms = c->connect_ms;
    o.timeout_ms = r->timeout_ms > 0 ? r->timeout_ms : c->timeout_ms;
    o.max_body = MAX_BODY;
    o.pin_sha256 = c->pin;
    o.retries = !strcmp(method, "GET") ? 1 : 0; /* never repeat an action */
    o.on_done = on_http_done;
    o.arg = call;
    call->req = http_start(c->http, &o, err);
    free(url);
    if (!call->req) {
        lb_err_prefix(err, "%s '%s'", label(c), c->name);
        call_unlink(call);
        call_free(call);
        return NULL;
    }
    return call;
}

void pmx_call_cancel(struct pmx_call *call)
{
    if (call && call->req)
        http_cancel(call->req);
}

int pmx_probe_certificate(struct pmx_client *c, pmx_probe_fn done, void *arg, struct lb_err *err)
{
    struct pmx_call *call;
    struct http_request_opts o = { 0 };

    if (c->freeing)
        return lb_err_set(err, LB_ECANCELLED, "%s '%s': shutting down", label(c), c->name);
    call = call_new(c, "CONNECT", "/");
    call->probe_done = done;
    call->arg = arg;
    o.url = c->base;
    o.connect_only = true;
    o.connect_timeout_ms = c->connect_ms;
    o.timeout_ms = c->connect_ms + 2000;
    o.pin_sha256 = c->pin;
    o.on_done = on_http_done;
    o.arg = call;
    call->req = http_start(c->http, &o, err);
    if (!call->req) {
        call_unlink(call);
        call_free(call);
        return -(err ? (int)err->code : LB_EFAIL);
    }
    return 0;
}

void pmx_wait(struct loop *loop, const bool *flag)
{
    while (!*flag)
        loop_run_once(loop, 1000);
}

/* ---- shared parsers ---- */

/* "3.2" (PBS puts the patch level in "release") vs "8.1.4" (PVE: complete). */
static bool c_is_short(const char *v)
{
    const char *dot = strchr(v, '.');

    return dot && !strchr(dot + 1, '.');
}

int pmx_parse_string(const char *body, size_t len, struct vec *out, struct lb_err *err)
{
    json_t *root, *data;
    int rc = pj_envelope(body, len, "the answer", &root, &data, err);
    char *s;

    if (rc)
        return rc;
    if (!json_is_string(data)) {
        json_decref(root);
        return lb_err_set(err, LB_EPARSE, "the answer is not a task id (UPID)");
    }
    s = xstrdup(json_string_value(data));
    str_sanitize(s);
    vec_push(out, s);
    json_decref(root);
    return 0;
}

void pj_task_fields(json_t *e, struct pmx_task_status *t)
{
    int64_t v;

    t->node = pj_str(e, "node");
    t->type = pj_str(e, "type");
    t->id = pj_str(e, "id");
    t->user = pj_str(e, "user");
    if (pj_int(e, "starttime", &v))
        t->starttime = (time_t)v;
}

int pmx_parse_task_status(const char *body, size_t len, struct vec *out, struct lb_err *err)
{
    json_t *root, *d;
    struct pmx_task_status *t;
    char *status;
    int rc = pj_envelope(body, len, "the task status", &root, &d, err);

    if (rc || (rc = pj_want_object(d, "the task status", err)))
        goto out;
    status = pj_str(d, "status");
    if (!status) {
        rc = lb_err_set(err, LB_EPARSE, "the task status has no \"status\"");
        goto out;
    }
    t = xcalloc(1, sizeof(*t));
    t->upid = pj_str(d, "upid");
    pj_task_fields(d, t);
    t->running = !strcmp(status, "running");
    if (!t->running) {
        t->exitstatus = pj_str_or(d, "exitstatus", "unknown");
    }
    free(status);
    vec_push(out, t);
out:
    json_decref(root);
    return rc;
}

static int log_line_item(json_t *e, size_t i, void *out, struct lb_err *err)
{
    int64_t n;
    struct pmx_log_line *l;

    if (!pj_int(e, "n", &n) || n < 1 || n > INT32_MAX)
        return lb_err_set(err, LB_EPARSE, "task log line %zu has no line number", i + 1);
    l = xcalloc(1, sizeof(*l));
    l->n = (int)n;
    l->t = pj_str_or(e, "t", "");
    vec_push(out, l);
    return 0;
}

int pmx_parse_task_log(const char *body, size_t len, struct vec *out, struct lb_err *err)
{
    return pj_each(body, len, "the task log", log_line_item, out, err);
}

int pmx_parse_version(const char *body, size_t len, struct vec *out, struct lb_err *err)
{
    json_t *root, *d;
    char *v;
    int rc = pj_envelope(body, len, "the version", &root, &d, err);

    if (rc || (rc = pj_want_object(d, "the version", err)))
        goto out;
    v = pj_str(d, "version");
    if (!v) {
        rc = lb_err_set(err, LB_EPARSE, "the version answer has no \"version\"");
        goto out;
    }
    if (json_is_string(json_object_get(d, "release")) && !strchr(v, '-')) {
        /* PBS: version "3.2", release "4" -> "3.2-4" */
        char *r = pj_str(d, "release");

        if (c_is_short(v)) {
            char *both = xasprintf("%s-%s", v, r);

            free(v);
            v = both;
        }
        free(r);
    }
    vec_push(out, v);
out:
    json_decref(root);
    return rc;
}

struct pmx_call *pmx_get_version(struct pmx_client *c, pmx_result_fn done, void *arg,
                                 struct lb_err *err)
{
    struct pmx_req r = { .path = "/version",
                         .need = "a valid token (any privilege)",
                         .parse = pmx_parse_version,
                         .item_free = pmx_string_free };

    return pmx_call_start(c, &r, done, arg, err);
}

/* ---- following a task ---- */

struct pmx_follow {
    struct pmx_client *c;
    struct loop *loop;
    struct pmx_follow_opts o;
    char *node;
    char *upid;
    char *base_path; /* ".../tasks/UPID" */
    struct pmx_call *call;
    uint64_t timer;
    int64_t started_ms;
    int last_n;   /* highest log line seen */
    bool stopped; /* the status said so: read the rest of the log, then finish */
    char *exitstatus;
    int fails;
    bool finishing;
};

static void follow_step(struct pmx_follow *f);

static void follow_finish(struct pmx_follow *f, int rc, const struct lb_err *err)
{
    enum pmx_outcome oc = rc ? PMX_UNKNOWN : pmx_outcome_of(f->exitstatus);

    if (f->timer)
        loop_cancel_timer(f->loop, f->timer);
    f->timer = 0;
    if (f->o.on_done)
        f->o.on_done(rc, err, oc, f->exitstatus, f->o.arg);
    free(f->node);
    free(f->upid);
    free(f->base_path);
    free(f->exitstatus);
    free(f);
}

static void on_follow_timer(struct loop *loop, void *arg)
{
    struct pmx_follow *f = arg;

    (void)loop;
    f->timer = 0;
    follow_step(f);
}

static void follow_later(struct pmx_follow *f)
{
    f->timer = loop_add_timer(f->loop, f->o.poll_ms, on_follow_timer, f);
}

static bool follow_failed(struct pmx_follow *f, int rc, const struct lb_err *err)
{
    if (!rc)
        return false;
    if (rc == -LB_ECANCELLED || rc == -LB_EAUTH || rc == -LB_EPERM ||
        ++f->fails >= FOLLOW_MAX_FAILS) {
        follow_finish(f, rc, err);
        return true;
    }
    follow_later(f);
    return true;
}

static void on_log(int rc, const struct lb_err *err, struct vec *out, void *arg)
{
    struct pmx_follow *f = arg;
    size_t i;
    struct pmx_log_line *l;
    bool more = false;

    f->call = NULL;
    if (follow_failed(f, rc, err))
        return;
    f->fails = 0;
    vec_foreach(out, i, l) {
        if (l->n <= f->last_n)
            continue;
        /* an empty PVE log is one line "no content" (reference 3.10) */
        if (f->c->product == PMX_PVE && l->n == 1 && out->len == 1 && !strcmp(l->t, "no content"))
            continue;
        f->last_n = l->n;
        more = true;
        if (f->o.on_line)
            f->o.on_line(l, f->o.arg);
    }
    if (more && out->len >= 50) { /* a full page: read on at once */
        follow_step(f);
        return;
    }
    if (f->stopped) {
        follow_finish(f, 0, NULL);
        return;
    }
    follow_later(f);
}

static void follow_read_log(struct pmx_follow *f)
{
    struct lb_err err;
    struct pmx_req r = { 0 };
    /* PVE: start = lines to skip; PBS: start = first line number (reference 3.10, 4.11) */
    char *path = xasprintf("%s/log?start=%d&limit=50", f->base_path,
                           f->c->product == PMX_PVE ? f->last_n : f->last_n + 1);

    r.path = path;
    r.need = f->c->product == PMX_PVE ? "Sys.Audit on /nodes/NODE (tasks of other users)"
                                      : "Sys.Audit on /system/tasks (tasks of other users)";
    r.parse = pmx_parse_task_log;
    r.item_free = pmx_log_line_free;
    f->call = pmx_call_start(f->c, &r, on_log, f, &err);
    free(path);
    if (!f->call)
        follow_finish(f, -(int)err.code, &err);
}

static void on_status(int rc, const struct lb_err *err, struct vec *out, void *arg)
{
    struct pmx_follow *f = arg;
    struct pmx_task_status *t;

    f->call = NULL;
    if (follow_failed(f, rc, err))
        return;
    f->fails = 0;
    t = out->len ? out->items[0] : NULL;
    if (t && !t->running) {
        f->stopped = true;
        f->exitstatus = t->exitstatus;
        t->exitstatus = NULL;
    }
    follow_read_log(f);
}

static void follow_step(struct pmx_follow *f)
{
    struct lb_err err;
    struct pmx_req r = { 0 };
    char *path;

    if (loop_now_ms(f->loop) - f->started_ms > f->o.max_ms) {
        lb_err_set(&err, LB_ETIMEOUT,
                   "task %s is still running after %lld s: lifeboat stopped "
                   "following it (it goes on on the server)",
                   f->upid, (long long)(f->o.max_ms / 1000));
        follow_finish(f, -LB_ETIMEOUT, &err);
        return;
    }
    if (f->stopped) {
        follow_read_log(f);
        return;
    }
    path = xasprintf("%s/status", f->base_path);
    r.path = path;
    r.need = "Sys.Audit on the node (tasks of other users)";
    r.parse = pmx_parse_task_status;
    r.item_free = pmx_task_status_free;
    f->call = pmx_call_start(f->c, &r, on_status, f, &err);
    free(path);
    if (!f->call)
        follow_finish(f, -(int)err.code, &err);
}

struct pmx_follow *pmx_follow_start(struct pmx_client *c, const struct pmx_follow_opts *opts,
                                    struct lb_err *err)
{
    struct pmx_follow *f;
    struct pmx_upid u;
    struct buf b = BUF_INIT(0);

    if (pmx_upid_parse(opts->upid, &u, err) < 0)
        return NULL;
    f = xcalloc(1, sizeof(*f));
    f->c = c;
    f->loop = c->loop;
    f->o = *opts;
    if (f->o.poll_ms <= 0)
        f->o.poll_ms = FOLLOW_POLL_MS;
    if (f->o.max_ms <= 0)
        f->o.max_ms = FOLLOW_MAX_MS;
    f->node = xstrdup(c->product == PMX_PBS ? "localhost"
                                            : (opts->node && *opts->node ? opts->node : u.node));
    f->upid = xstrdup(opts->upid);
    f->o.node = f->node;
    f->o.upid = f->upid;
    buf_puts(&b, "/nodes/");
    pmx_escape(&b, f->node);
    buf_puts(&b, "/tasks/");
    pmx_escape(&b, f->upid);
    f->base_path = buf_detach(&b);
    f->started_ms = loop_now_ms(f->loop);
    /* the first look from the loop, never from inside the caller */
    f->timer = loop_add_timer(f->loop, 0, on_follow_timer, f);
    return f;
}

void pmx_follow_cancel(struct pmx_follow *f)
{
    struct lb_err err;

    if (!f)
        return;
    if (f->call) {
        struct pmx_call *call = f->call;

        /* its callback must not run into a freed follow */
        call_unlink(call);
        call->done = NULL;
        http_cancel(call->req);
        f->call = NULL;
    }
    lb_err_set(&err, LB_ECANCELLED, "following task %s: cancelled", f->upid);
    follow_finish(f, -LB_ECANCELLED, &err);
}
