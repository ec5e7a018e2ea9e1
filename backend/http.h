#ifndef LIFEBOAT_BACKEND_HTTP_H
#define LIFEBOAT_BACKEND_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend/base/err.h"

/*
 * HTTP(S) on libcurl's multi_socket API, driven by the loop (the only libcurl
 * user). Requests run concurrently; nothing blocks. TLS: system CAs, or a
 * pinned SHA-256 fingerprint of the server's leaf certificate checked in the
 * handshake before any request byte is sent.
 */

struct loop;
struct http;
struct http_req;

struct http_response {
    long status;        /* HTTP status; 0 when no response */
    int curl_code;      /* 0 on transfer success */
    enum lb_code code;  /* LB_EOK, or TIMEOUT, UNREACHABLE, TLS, TOOBIG, CANCELLED, FAIL */
    const char *error;  /* human message when code != OK (borrowed) */
    const char *body;   /* NUL-terminated (borrowed, valid during on_done) */
    size_t body_len;
    char peer_fingerprint[96]; /* "AA:BB:..." of the leaf cert seen, when pinning was requested */
    int64_t duration_ms;
    const char *reason; /* reason phrase of the status line ("" when none; borrowed like body) */
};

struct http_request_opts {
    const char *method;              /* NULL: GET */
    const char *url;
    const char *const *headers;      /* "Name: value", NULL-terminated; may hold secrets: never logged */
    const char *body;                /* request body (may be NULL) */
    size_t body_len;
    int64_t connect_timeout_ms;      /* 0: 10 s */
    int64_t timeout_ms;              /* 0: 60 s, whole transfer */
    size_t max_body;                 /* 0: 16 MiB; larger responses fail with LB_ETOOBIG */
    const char *pin_sha256;          /* "AA:BB:.." / hex without colons; NULL: system CAs */
    bool insecure;                   /* no verification at all (operator's explicit choice) */
    int retries;                     /* extra attempts for idempotent GETs on connect/5xx failures */
    /*
     * Only connect and finish the TLS handshake; send no request byte. The
     * leaf's SHA-256 fingerprint lands in peer_fingerprint whatever it is
     * (with a pin, a mismatch still fails with LB_ETLS). For showing the
     * fingerprint an endpoint presents (trust on first use is the operator's call).
     */
    bool connect_only;
    /*
     * Mail (an smtp:// or smtps:// url; set mail_from): body is the whole
     * message (headers, blank line, text) sent as is to mail_rcpt
     * (NULL-terminated). smtps:// is TLS from the start; smtp:// must upgrade
     * with STARTTLS, except to a loopback relay (127.0.0.1, ::1, localhost),
     * where it is tried. username/password (secrets, never logged) log in.
     * status is the server's last reply code (250).
     */
    const char *mail_from;
    const char *const *mail_rcpt;
    const char *username;
    const char *password;
    void (*on_done)(struct http_req *req, const struct http_response *res, void *arg);
    void *arg;
};

void http_global_init(void);
void http_global_cleanup(void);

struct http *http_new(struct loop *loop); /* new */
void http_free(struct http *http);        /* cancels what is in flight (on_done with CANCELLED) */

/* Start a request; on_done runs exactly once, from the loop (never from inside http_start). */
struct http_req *http_start(struct http *http, const struct http_request_opts *opts,
                            struct lb_err *err);
/* Stop a request; its on_done still runs once, from the loop, with LB_ECANCELLED. */
void http_cancel(struct http_req *req);
/* Requests in flight. */
size_t http_active(const struct http *http);

#endif
