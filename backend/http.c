/*
 * HTTP(S) on libcurl's multi_socket API, driven by the loop (after curl's
 * docs/examples/ephiperfifo.c). The only libcurl user in lifeboat.
 *
 * curl tells us which sockets to watch (socket callback -> loop_add_fd /
 * loop_mod_fd / loop_del_fd) and when to call back (timer callback -> one
 * loop timer); we call curl_multi_socket_action() from the loop and then
 * collect CURLMSG_DONE. We never call libcurl from inside its callbacks, and
 * requesters' on_done always runs from its own loop timer, so user code never
 * runs inside libcurl or inside http_start().
 *
 * TLS pinning (TESTING.md §5, recipe c2): an SSL_CTX callback installs a
 * certificate verify callback that replaces chain verification by comparing
 * the leaf certificate's SHA-256 with the pin, before any request byte is
 * sent. curl would skip that callback on a reused connection or a resumed TLS
 * session, so pinned requests always use a fresh connection, never leave it
 * for reuse and never cache sessions.
 */
#include "backend/http.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "backend/base/buf.h"
#include "backend/base/clock.h"
#include "backend/base/log.h"
#include "backend/base/xalloc.h"
#include "backend/loop.h"

#define HTTP_DEFAULT_CONNECT_MS 10000
#define HTTP_DEFAULT_TIMEOUT_MS 60000
#define HTTP_DEFAULT_MAX_BODY   ((size_t)16 << 20)
#define HTTP_BACKOFF_MS         250
#define HTTP_BACKOFF_MAX_MS     4000

enum req_state {
    REQ_RUNNING,    /* an easy handle is in the multi */
    REQ_BACKOFF,    /* waiting to retry */
    REQ_DONE,       /* result known, on_done scheduled */
    REQ_DELIVERING, /* inside on_done */
};

struct http {
    struct loop *loop;
    CURLM *multi;
    uint64_t timer;
    struct http_req *reqs;
    size_t active;
    bool freeing;
    int *fds; /* sockets we watch for curl */
    size_t nfds, capfds;
};

struct http_req {
    struct http *http;
    struct http_req *prev, *next;
    enum req_state state;
    CURL *easy;
    uint64_t timer; /* retry backoff, or the completion */

    char *method;
    char *url;
    char *url_shown; /* without user info and query, for messages */
    struct curl_slist *headers;
    char *body;
    size_t body_len;
    long connect_timeout_ms, timeout_ms;
    size_t max_body;
    bool pinned;
    unsigned char pin[32];
    bool insecure;
    bool connect_only;
    /* mail (SMTP) */
    char *mail_from;
    struct curl_slist *mail_rcpt;
    char *username, *password;
    size_t upload_off;
    int retries_left;
    int attempt;

    struct buf resp;
    bool too_big;
    bool pin_mismatch;
    char errbuf[CURL_ERROR_SIZE];
    char fingerprint[96];
    char reason[128];
    char message[512];
    int64_t start_ms;
    struct http_response res;

    void (*on_done)(struct http_req *req, const struct http_response *res, void *arg);
    void *arg;
};

void http_global_init(void)
{
    const curl_version_info_data *v;

    curl_global_init(CURL_GLOBAL_DEFAULT);
    v = curl_version_info(CURLVERSION_NOW);
    if (v && !(v->features & CURL_VERSION_ASYNCHDNS))
        log_warn("libcurl %s resolves names synchronously: a slow DNS server can freeze lifeboat",
                 v->version);
}

void http_global_cleanup(void)
{
    curl_global_cleanup();
}

/* ---- small helpers ---- */

static void fingerprint_fmt(const unsigned char *md, char out[96])
{
    static const char hex[] = "0123456789ABCDEF";
    size_t i;

    for (i = 0; i < 32; i++) {
        out[i * 3] = hex[md[i] >> 4];
        out[i * 3 + 1] = hex[md[i] & 15];
        out[i * 3 + 2] = i == 31 ? '\0' : ':';
    }
}

/* "AA:BB:..", "aabb..", "aa:bb.." -> 32 bytes. 0 or -1. */
static int pin_parse(const char *s, unsigned char out[32])
{
    size_t n = 0;
    int hi = -1;

    for (; *s; s++) {
        int v;

        if (*s == ':' || *s == ' ')
            continue;
        if (!isxdigit((unsigned char)*s))
            return -1;
        v = isdigit((unsigned char)*s) ? *s - '0' : tolower((unsigned char)*s) - 'a' + 10;
        if (hi < 0) {
            hi = v;
        } else {
            if (n == 32)
                return -1;
            out[n++] = (unsigned char)(hi << 4 | v);
            hi = -1;
        }
    }
    return n == 32 && hi < 0 ? 0 : -1;
}

/* The URL for messages and logs: no "user:pass@", no query (it may carry secrets). */
static char *url_for_humans(const char *url)
{
    const char *p = strstr(url, "://"), *auth, *end, *at;
    struct buf b = BUF_INIT(0);

    auth = p ? p + 3 : url;
    end = auth + strcspn(auth, "/?#");
    buf_append(&b, url, (size_t)(auth - url));
    at = memchr(auth, '@', (size_t)(end - auth));
    if (at)
        auth = at + 1;
    buf_append(&b, auth, strcspn(auth, "?#"));
    return buf_detach(&b);
}

static void wipe(char *p, size_t n)
{
    if (p)
        explicit_bzero(p, n);
}

static void headers_free(struct curl_slist *h)
{
    struct curl_slist *i;

    for (i = h; i; i = i->next)
        wipe(i->data, strlen(i->data)); /* may hold an API token */
    curl_slist_free_all(h);
}

/* ---- TLS ---- */

static int cert_verify(X509_STORE_CTX *x, void *arg)
{
    struct http_req *req = arg;
    X509 *leaf = X509_STORE_CTX_get0_cert(x);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;

    if (!leaf || !X509_digest(leaf, EVP_sha256(), md, &len) || len != 32) {
        X509_STORE_CTX_set_error(x, X509_V_ERR_APPLICATION_VERIFICATION);
        return 0;
    }
    fingerprint_fmt(md, req->fingerprint);
    if (!req->pinned || CRYPTO_memcmp(md, req->pin, 32) == 0) { /* !pinned: a connect-only probe */
        X509_STORE_CTX_set_error(x, X509_V_OK);
        return 1;
    }
    req->pin_mismatch = true;
    X509_STORE_CTX_set_error(x, X509_V_ERR_APPLICATION_VERIFICATION);
    return 0;
}

static CURLcode ssl_ctx_setup(CURL *easy, void *sslctx, void *arg)
{
    (void)easy;
    SSL_CTX_set_verify(sslctx, SSL_VERIFY_PEER, NULL);
    SSL_CTX_set_cert_verify_callback(sslctx, cert_verify, arg);
    return CURLE_OK;
}

/* ---- one attempt: an easy handle ---- */

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *arg)
{
    struct http_req *req = arg;
    size_t n = size * nmemb;

    if (req->resp.len + n > req->max_body) {
        req->too_big = true;
        return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
    }
    buf_append(&req->resp, ptr, n);
    return n;
}

/* Keep the reason phrase of the last status line ("HTTP/1.1 500 Configuration file ..."). */
static size_t on_header(char *ptr, size_t size, size_t nmemb, void *arg)
{
    struct http_req *req = arg;
    size_t n = size * nmemb, i = 0, k = 0;

    if (n < 12 || strncmp(ptr, "HTTP/", 5))
        return n;
    while (i < n && ptr[i] != ' ')
        i++;
    i++;
    while (i < n && ptr[i] != ' ' && ptr[i] != '\r' && ptr[i] != '\n')
        i++; /* the code */
    if (i < n && ptr[i] == ' ')
        i++;
    for (; i < n && ptr[i] != '\r' && ptr[i] != '\n' && k + 1 < sizeof(req->reason); i++)
        req->reason[k++] = ptr[i];
    req->reason[k] = '\0';
    return n;
}

/* The message of a mail, handed to curl as it reads. */
static size_t on_upload(char *ptr, size_t size, size_t nmemb, void *arg)
{
    struct http_req *req = arg;
    size_t n = size * nmemb, left = req->body_len - req->upload_off;

    if (n > left)
        n = left;
    memcpy(ptr, req->body + req->upload_off, n);
    req->upload_off += n;
    return n;
}

/* smtp://127.0.0.1..., smtp://[::1]..., smtp://localhost... */
static bool url_host_is_loopback(const char *url)
{
    const char *h = strstr(url, "://"), *at, *end;
    size_t n;

    h = h ? h + 3 : url;
    end = h + strcspn(h, "/?#");
    at = memchr(h, '@', (size_t)(end - h));
    if (at)
        h = at + 1;
    n = strcspn(h, ":/?#");
    if (*h == '[')
        return !strncmp(h, "[::1]", 5);
    return (n == 9 && !strncmp(h, "localhost", 9)) || (n >= 4 && !strncmp(h, "127.", 4));
}

static bool method_is(const struct http_req *req, const char *m)
{
    return !strcmp(req->method, m);
}

static CURL *easy_build(struct http_req *req, struct lb_err *err)
{
    CURL *e = curl_easy_init();
    CURLcode rc = CURLE_OK;

    if (!e) {
        lb_err_set(err, LB_EFAIL, "cannot %s %s: cannot create a libcurl handle", req->method,
                   req->url_shown);
        return NULL;
    }
#define SET(opt, val)                           \
    do {                                        \
        if (rc == CURLE_OK)                     \
            rc = curl_easy_setopt(e, opt, val); \
    } while (0)
    SET(CURLOPT_URL, req->url);
    SET(CURLOPT_PRIVATE, req);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_ERRORBUFFER, req->errbuf);
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_WRITEDATA, req);
    SET(CURLOPT_HEADERFUNCTION, on_header);
    SET(CURLOPT_HEADERDATA, req);
    SET(CURLOPT_CONNECTTIMEOUT_MS, req->connect_timeout_ms);
    SET(CURLOPT_TIMEOUT_MS, req->timeout_ms);
    SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)req->max_body);
    if (req->mail_from) {
        req->upload_off = 0;
        SET(CURLOPT_PROTOCOLS_STR, "smtp,smtps");
        SET(CURLOPT_MAIL_FROM, req->mail_from);
        SET(CURLOPT_MAIL_RCPT, req->mail_rcpt);
        SET(CURLOPT_UPLOAD, 1L);
        SET(CURLOPT_READFUNCTION, on_upload);
        SET(CURLOPT_READDATA, req);
        SET(CURLOPT_INFILESIZE_LARGE, (curl_off_t)req->body_len);
        if (!strncmp(req->url, "smtp://", 7))
            SET(CURLOPT_USE_SSL,
                url_host_is_loopback(req->url) ? (long)CURLUSESSL_TRY : (long)CURLUSESSL_ALL);
        if (req->username) {
            SET(CURLOPT_USERNAME, req->username);
            SET(CURLOPT_PASSWORD, req->password ? req->password : "");
        }
    } else {
        SET(CURLOPT_PROTOCOLS_STR, "http,https");
        SET(CURLOPT_HTTPHEADER, req->headers);
    }
    if (req->mail_from) {
        /* the message goes through on_upload */
    } else if (method_is(req, "GET")) {
        SET(CURLOPT_HTTPGET, 1L);
    } else if (method_is(req, "HEAD")) {
        SET(CURLOPT_NOBODY, 1L);
    } else {
        if (method_is(req, "POST"))
            SET(CURLOPT_POST, 1L);
        else
            SET(CURLOPT_CUSTOMREQUEST, req->method);
        if (req->body || method_is(req, "POST") || method_is(req, "PUT")) {
            SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
            SET(CURLOPT_POSTFIELDS, req->body ? req->body : "");
        }
    }
    if (req->connect_only) {
        SET(CURLOPT_CONNECT_ONLY, 1L);
        SET(CURLOPT_FRESH_CONNECT, 1L);
        SET(CURLOPT_FORBID_REUSE, 1L);
        SET(CURLOPT_SSL_SESSIONID_CACHE, 0L);
        /* a probe sends nothing: look at whatever certificate comes (the pin, if any, still holds) */
        SET(CURLOPT_SSL_VERIFYPEER, req->pinned ? 1L : 0L);
        SET(CURLOPT_SSL_VERIFYHOST, 0L);
        SET(CURLOPT_SSL_CTX_FUNCTION, ssl_ctx_setup);
        SET(CURLOPT_SSL_CTX_DATA, req);
    } else if (req->insecure) {
        SET(CURLOPT_SSL_VERIFYPEER, 0L);
        SET(CURLOPT_SSL_VERIFYHOST, 0L);
    } else if (req->pinned) {
        SET(CURLOPT_SSL_VERIFYPEER, 1L); /* curl then also insists on X509_V_OK */
        SET(CURLOPT_SSL_VERIFYHOST, 0L); /* the pin replaces the name check */
        SET(CURLOPT_FRESH_CONNECT, 1L);
        SET(CURLOPT_FORBID_REUSE, 1L);
        SET(CURLOPT_SSL_SESSIONID_CACHE, 0L);
        SET(CURLOPT_SSL_CTX_FUNCTION, ssl_ctx_setup);
        SET(CURLOPT_SSL_CTX_DATA, req);
    }
#undef SET
    if (rc != CURLE_OK) {
        lb_err_set(err, req->pinned && rc == CURLE_NOT_BUILT_IN ? LB_ETLS : LB_EFAIL,
                   "cannot %s %s: libcurl: %s%s", req->method, req->url_shown,
                   curl_easy_strerror(rc),
                   req->pinned && rc == CURLE_NOT_BUILT_IN
                       ? " (certificate pinning needs libcurl built with OpenSSL)"
                       : "");
        curl_easy_cleanup(e);
        return NULL;
    }
    return e;
}

static int attempt_start(struct http_req *req, struct lb_err *err)
{
    CURLMcode mc;

    buf_reset(&req->resp);
    req->too_big = false;
    req->pin_mismatch = false;
    req->errbuf[0] = '\0';
    req->fingerprint[0] = '\0';
    req->reason[0] = '\0';
    req->easy = easy_build(req, err);
    if (!req->easy)
        return -1;
    mc = curl_multi_add_handle(req->http->multi, req->easy);
    if (mc != CURLM_OK) {
        curl_easy_cleanup(req->easy);
        req->easy = NULL;
        return lb_err_set(err, LB_EFAIL, "cannot %s %s: libcurl: %s", req->method, req->url_shown,
                          curl_multi_strerror(mc));
    }
    req->state = REQ_RUNNING;
    req->attempt++;
    return 0;
}

static void attempt_drop(struct http_req *req)
{
    if (!req->easy)
        return;
    curl_multi_remove_handle(req->http->multi, req->easy);
    curl_easy_cleanup(req->easy);
    req->easy = NULL;
}

/* ---- completion ---- */

static void req_free(struct http_req *req)
{
    headers_free(req->headers);
    curl_slist_free_all(req->mail_rcpt);
    free(req->mail_from);
    if (req->username)
        wipe(req->username, strlen(req->username));
    if (req->password)
        wipe(req->password, strlen(req->password));
    free(req->username);
    free(req->password);
    wipe(req->body, req->body_len);
    free(req->body);
    free(req->method);
    free(req->url);
    free(req->url_shown);
    buf_release(&req->resp);
    free(req);
}

static void deliver(struct http_req *req)
{
    struct http *http = req->http;

    loop_cancel_timer(http->loop, req->timer);
    req->timer = 0;
    if (req->prev)
        req->prev->next = req->next;
    else
        http->reqs = req->next;
    if (req->next)
        req->next->prev = req->prev;
    http->active--;

    req->res.error = req->res.code == LB_EOK ? NULL : req->message;
    req->res.body = buf_cstr(&req->resp);
    req->res.body_len = req->resp.len;
    memcpy(req->res.peer_fingerprint, req->fingerprint, sizeof(req->fingerprint));
    req->res.reason = req->reason;
    req->res.duration_ms = clock_mono_ms() - req->start_ms;
    req->state = REQ_DELIVERING;
    /* Nothing touches http after this: on_done may free it. */
    if (req->on_done)
        req->on_done(req, &req->res, req->arg);
    req_free(req);
}

static void on_complete_timer(struct loop *loop, void *arg)
{
    struct http_req *req = arg;

    (void)loop;
    req->timer = 0;
    deliver(req);
}

static void complete(struct http_req *req, enum lb_code code)
{
    req->res.code = code;
    req->state = REQ_DONE;
    if (!req->timer)
        req->timer = loop_add_timer(req->http->loop, 0, on_complete_timer, req);
}

static void on_retry_timer(struct loop *loop, void *arg)
{
    struct http_req *req = arg;
    struct lb_err err;

    (void)loop;
    req->timer = 0;
    if (attempt_start(req, &err) < 0) {
        snprintf(req->message, sizeof(req->message), "%s", err.msg);
        req->res.status = 0;
        complete(req, err.code);
    }
}

static bool retryable(const struct http_req *req, CURLcode rc, long status, bool connected)
{
    if (req->retries_left <= 0 || !(method_is(req, "GET") || method_is(req, "HEAD")))
        return false;
    switch (rc) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
        return true;
    case CURLE_OPERATION_TIMEDOUT:
        return !connected; /* a connect timeout; a slow answer is not retried */
    case CURLE_OK:
        return status == 500 || status == 502 || status == 503 || status == 504;
    default:
        return false;
    }
}

static bool is_tls_error(CURLcode rc)
{
    switch (rc) {
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
        return true;
    default:
        return false;
    }
}

static void attempt_done(struct http_req *req, CURLcode rc)
{
    long status = 0;
    curl_off_t connect_us = 0;
    const char *why = req->errbuf[0] ? req->errbuf : curl_easy_strerror(rc);
    const char *pre = req->method, *url = req->url_shown;
    enum lb_code code;
    char shown_pin[96];

    curl_easy_getinfo(req->easy, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(req->easy, CURLINFO_CONNECT_TIME_T, &connect_us);
    if (retryable(req, rc, status, connect_us > 0)) {
        int64_t ms = HTTP_BACKOFF_MS << (req->attempt > 4 ? 4 : req->attempt - 1);

        attempt_drop(req);
        req->retries_left--;
        req->state = REQ_BACKOFF;
        log_debug("http: %s %s: attempt %d failed (%s, status %ld), retrying", pre, url,
                  req->attempt, curl_easy_strerror(rc), status);
        req->timer =
            loop_add_timer(req->http->loop, ms < HTTP_BACKOFF_MAX_MS ? ms : HTTP_BACKOFF_MAX_MS,
                           on_retry_timer, req);
        return;
    }
    req->res.status = status;
    req->res.curl_code = (int)rc;
    if (rc == CURLE_OK) {
        code = LB_EOK;
        req->message[0] = '\0';
    } else if (req->too_big || rc == CURLE_FILESIZE_EXCEEDED) {
        code = LB_ETOOBIG;
        snprintf(req->message, sizeof(req->message),
                 "cannot %s %s: the response is larger than %zu bytes", pre, url, req->max_body);
    } else if (rc == CURLE_OPERATION_TIMEDOUT) {
        code = LB_ETIMEOUT;
        snprintf(req->message, sizeof(req->message), "cannot %s %s: %s", pre, url, why);
    } else if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
               rc == CURLE_COULDNT_RESOLVE_PROXY) {
        code = LB_EUNREACHABLE;
        snprintf(req->message, sizeof(req->message), "cannot %s %s: %s", pre, url, why);
    } else if (req->pin_mismatch) {
        code = LB_ETLS;
        fingerprint_fmt(req->pin, shown_pin);
        snprintf(
            req->message, sizeof(req->message),
            "cannot %s %s: the server's certificate has SHA-256 fingerprint %s, but the "
            "pin is %s; if the certificate was renewed on purpose, check it and update the pin",
            pre, url, req->fingerprint, shown_pin);
    } else if (is_tls_error(rc)) {
        code = LB_ETLS;
        snprintf(req->message, sizeof(req->message), "cannot %s %s: %s%s", pre, url, why,
                 req->pinned ? ""
                             : " (for a self-signed server, pin its SHA-256 certificate "
                               "fingerprint)");
    } else {
        code = LB_EFAIL;
        snprintf(req->message, sizeof(req->message), "cannot %s %s: %s", pre, url, why);
    }
    attempt_drop(req);
    complete(req, code);
}

/* Collect finished transfers. Never runs user code (completion is a timer). */
static void check_done(struct http *http)
{
    CURLMsg *msg;
    int left;

    while ((msg = curl_multi_info_read(http->multi, &left))) {
        CURLcode rc = msg->data.result;
        char *priv = NULL;

        if (msg->msg != CURLMSG_DONE)
            continue;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
        if (priv)
            attempt_done((struct http_req *)(void *)priv, rc); /* msg is invalid from here on */
    }
}

/* ---- curl <-> loop ---- */

static void on_socket_ready(struct loop *loop, int fd, int revents, void *arg)
{
    struct http *http = arg;
    int action = 0, running;

    (void)loop;
    if (revents & LOOP_READ)
        action |= CURL_CSELECT_IN;
    if (revents & LOOP_WRITE)
        action |= CURL_CSELECT_OUT;
    if ((revents & LOOP_ERROR) && !action)
        action = CURL_CSELECT_IN | CURL_CSELECT_OUT; /* let curl read/write to learn the error */
    curl_multi_socket_action(http->multi, fd, action, &running);
    check_done(http);
}

static int curl_socket_cb(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
    struct http *http = userp;
    int ev = 0;

    size_t i;

    (void)easy;
    (void)socketp;
    for (i = 0; i < http->nfds && http->fds[i] != s; i++)
        ;
    if (what == CURL_POLL_REMOVE) {
        if (i < http->nfds) {
            loop_del_fd(http->loop, s);
            http->fds[i] = http->fds[--http->nfds];
        }
        return 0;
    }
    if (what & CURL_POLL_IN)
        ev |= LOOP_READ;
    if (what & CURL_POLL_OUT)
        ev |= LOOP_WRITE;
    if (i < http->nfds) {
        loop_mod_fd(http->loop, s, ev);
        return 0;
    }
    if (loop_add_fd(http->loop, s, ev, on_socket_ready, http) < 0) {
        log_error("http: cannot watch socket %d (already watched by someone else)", s);
        return -1;
    }
    if (http->nfds == http->capfds) {
        http->capfds = http->capfds ? http->capfds * 2 : 8;
        http->fds = xrealloc(http->fds, http->capfds * sizeof(*http->fds));
    }
    http->fds[http->nfds++] = s;
    return 0;
}

static void on_curl_timer(struct loop *loop, void *arg)
{
    struct http *http = arg;
    int running;

    (void)loop;
    http->timer = 0;
    curl_multi_socket_action(http->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    check_done(http);
}

static int curl_timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
    struct http *http = userp;

    (void)multi;
    loop_cancel_timer(http->loop, http->timer);
    http->timer = 0;
    /* -1: no timer. 0: "soon" -- the next loop turn, never from in here. */
    if (timeout_ms >= 0)
        http->timer = loop_add_timer(http->loop, timeout_ms, on_curl_timer, http);
    return 0;
}

/* ---- API ---- */

struct http *http_new(struct loop *loop)
{
    struct http *http = xcalloc(1, sizeof(*http));

    http->loop = loop;
    http->multi = curl_multi_init();
    if (!http->multi) {
        free(http);
        return NULL;
    }
    curl_multi_setopt(http->multi, CURLMOPT_SOCKETFUNCTION, curl_socket_cb);
    curl_multi_setopt(http->multi, CURLMOPT_SOCKETDATA, http);
    curl_multi_setopt(http->multi, CURLMOPT_TIMERFUNCTION, curl_timer_cb);
    curl_multi_setopt(http->multi, CURLMOPT_TIMERDATA, http);
    return http;
}

void http_free(struct http *http)
{
    if (!http)
        return;
    http->freeing = true;
    while (http->reqs) {
        struct http_req *req = http->reqs;

        if (req->state == REQ_RUNNING || req->state == REQ_BACKOFF) {
            attempt_drop(req);
            req->res.status = 0;
            snprintf(req->message, sizeof(req->message), "cannot %s %s: cancelled", req->method,
                     req->url_shown);
            req->res.code = LB_ECANCELLED;
            req->state = REQ_DONE;
        }
        deliver(req); /* unlinks req; cancels its timer */
    }
    curl_multi_cleanup(http->multi);
    loop_cancel_timer(http->loop, http->timer);
    /* Whatever curl closed without telling us. */
    while (http->nfds)
        loop_del_fd(http->loop, http->fds[--http->nfds]);
    free(http->fds);
    free(http);
}

struct http_req *http_start(struct http *http, const struct http_request_opts *opts,
                            struct lb_err *err)
{
    struct http_req *req;
    const char *m = opts->method ? opts->method : "GET";
    size_t i;

    if (http->freeing) {
        lb_err_set(err, LB_ECANCELLED, "cannot start a request while shutting down");
        return NULL;
    }
    if (!opts->url || !*opts->url) {
        lb_err_set(err, LB_EUSAGE, "cannot start a request: no URL given");
        return NULL;
    }
    for (i = 0; m[i]; i++)
        if (!isupper((unsigned char)m[i]))
            break;
    if (!*m || m[i]) {
        lb_err_set(err, LB_EUSAGE, "cannot start a request: invalid method '%s'", m);
        return NULL;
    }
    req = xcalloc(1, sizeof(*req));
    req->http = http;
    req->method = xstrdup(m);
    req->url = xstrdup(opts->url);
    req->url_shown = url_for_humans(opts->url);
    if (opts->pin_sha256 && !opts->insecure) {
        if (pin_parse(opts->pin_sha256, req->pin) < 0) {
            lb_err_set(err, LB_ECONFIG,
                       "cannot %s %s: invalid certificate pin '%s': expected a SHA-256 "
                       "fingerprint (64 hex digits, colons optional)",
                       req->method, req->url_shown, opts->pin_sha256);
            goto fail;
        }
        req->pinned = true;
    }
    req->insecure = opts->insecure;
    req->connect_only = opts->connect_only;
    if (opts->mail_from) {
        req->mail_from = xstrdup(opts->mail_from);
        for (i = 0; opts->mail_rcpt && opts->mail_rcpt[i]; i++)
            req->mail_rcpt = curl_slist_append(req->mail_rcpt, opts->mail_rcpt[i]);
        req->username = xstrdup(opts->username);
        req->password = xstrdup(opts->password);
    }
    req->headers = curl_slist_append(NULL, "Expect:"); /* no 100-continue round trip */
    for (i = 0; opts->headers && opts->headers[i]; i++)
        req->headers = curl_slist_append(req->headers, opts->headers[i]);
    if (opts->body) {
        req->body = xmalloc(opts->body_len + 1);
        memcpy(req->body, opts->body, opts->body_len);
        req->body[opts->body_len] = '\0';
        req->body_len = opts->body_len;
    }
    req->connect_timeout_ms =
        (long)(opts->connect_timeout_ms > 0 ? opts->connect_timeout_ms : HTTP_DEFAULT_CONNECT_MS);
    req->timeout_ms = (long)(opts->timeout_ms > 0 ? opts->timeout_ms : HTTP_DEFAULT_TIMEOUT_MS);
    req->max_body = opts->max_body ? opts->max_body : HTTP_DEFAULT_MAX_BODY;
    req->retries_left = opts->retries > 0 ? opts->retries : 0;
    req->on_done = opts->on_done;
    req->arg = opts->arg;
    req->start_ms = clock_mono_ms();
    buf_init(&req->resp, req->max_body);
    if (attempt_start(req, err) < 0)
        goto fail;
    req->next = http->reqs;
    if (http->reqs)
        http->reqs->prev = req;
    http->reqs = req;
    http->active++;
    return req;
fail:
    req_free(req);
    return NULL;
}

void http_cancel(struct http_req *req)
{
    if (!req || req->state == REQ_DELIVERING)
        return;
    if (req->state == REQ_RUNNING)
        attempt_drop(req);
    if (req->state == REQ_BACKOFF) {
        loop_cancel_timer(req->http->loop, req->timer);
        req->timer = 0;
    }
    req->res.status = 0;
    snprintf(req->message, sizeof(req->message), "cannot %s %s: cancelled", req->method,
             req->url_shown);
    complete(req, LB_ECANCELLED);
}

size_t http_active(const struct http *http)
{
    return http->active;
}
