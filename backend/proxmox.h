#ifndef LIFEBOAT_BACKEND_PROXMOX_H
#define LIFEBOAT_BACKEND_PROXMOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend/base/err.h"
#include "backend/base/vec.h"
#include "backend/proxmox_model.h"

/*
 * The transport both Proxmox adapters share (pve.h, pbs.h build on it): one
 * client per configured endpoint, holding its base URL, its API token header
 * (read from token_file, wiped on free, never logged or shown) and its TLS
 * pin. Every call goes through http.h on the loop, with timeouts: nothing
 * blocks, a hung server ends in LB_ETIMEOUT. Answers are mapped to one clear
 * message naming the endpoint and what to do: 401 explains the token, 403 the
 * privilege it lacks (reference section 9), PVE's JSON and PBS's plain-text
 * errors both become the server's own words.
 *
 * Results come through pmx_result_fn with a vec of records (owned by the
 * call: the callback may take items by setting out->items[i] = NULL).
 */

struct loop;
struct http;
struct pmx_client;
struct pmx_call;

struct pmx_client_opts {
    enum pmx_product product;
    const char *name;           /* "main" (the config section's name) */
    const char *url;            /* "https://host:8006" (an /api2/json suffix is accepted) */
    const char *token_file;     /* one line USER@REALM!TOKENID=SECRET (PBS also NAME:SECRET) */
    const char *fingerprint;    /* SHA-256 pin, NULL: system CAs */
    int64_t connect_timeout_ms; /* 0: 5 s */
    int64_t timeout_ms;         /* 0: 20 s per request */
};

/*
 * New client; reads the token file (NULL with err: missing, unreadable,
 * not one line in the expected form -- the message never quotes it).
 */
struct pmx_client *pmx_client_new(struct loop *loop, struct http *http,
                                  const struct pmx_client_opts *opts, struct lb_err *err);
/*
 * Cancels what is in flight: their callbacks run at once with LB_ECANCELLED
 * (new calls started from them are refused). Cancel follows first.
 */
void pmx_client_free(struct pmx_client *c);
/*
 * Read token_file again (after a token rotation): later calls use it; calls
 * in flight keep the token they started with. On failure the old one stays.
 */
int pmx_client_reload_token(struct pmx_client *c, struct lb_err *err);
enum pmx_product pmx_client_product(const struct pmx_client *c);
const char *pmx_client_name(const struct pmx_client *c); /* borrowed */
const char *pmx_client_url(const struct pmx_client *c);  /* borrowed, as configured */
/* The token's id ("lifeboat@pve!console"), never the secret (borrowed). */
const char *pmx_client_token_id(const struct pmx_client *c);
struct loop *pmx_client_loop(const struct pmx_client *c);
/* Calls in flight. */
size_t pmx_client_active(const struct pmx_client *c);

/* Parse a whole response body into records (the parsers of pve.h / pbs.h). */
typedef int (*pmx_parse_fn)(const char *body, size_t len, struct vec *out, struct lb_err *err);
/* rc 0 and out filled, or a negative LB_E* with err. */
typedef void (*pmx_result_fn)(int rc, const struct lb_err *err, struct vec *out, void *arg);

struct pmx_req {
    const char *method; /* NULL: GET */
    const char *path;   /* under /api2/json, already escaped: "/cluster/resources?type=vm" */
    const char *form;   /* x-www-form-urlencoded body for POST/PUT (NULL: none) */
    const char *need;   /* the privilege it needs, for 403: "VM.Audit on /vms" */
    int64_t timeout_ms; /* 0: the client's */
    pmx_parse_fn parse;
    void (*item_free)(void *);
};

/* Start a call; NULL with err when it cannot start. done runs once, from the loop. */
struct pmx_call *pmx_call_start(struct pmx_client *c, const struct pmx_req *req, pmx_result_fn done,
                                void *arg, struct lb_err *err);
/* Stop it: done still runs, with LB_ECANCELLED. */
void pmx_call_cancel(struct pmx_call *call);

/* Append s percent-encoded as one path segment or form value. */
struct buf;
void pmx_escape(struct buf *b, const char *s);

/*
 * Parsers shared by both products: a UPID answer ({"data":"UPID:..."}, also
 * PVE vzdump's literal "OK"): one char * record; a task status: one struct
 * pmx_task_status; a task log page: struct pmx_log_line records.
 */
int pmx_parse_string(const char *body, size_t len, struct vec *out, struct lb_err *err);
int pmx_parse_task_status(const char *body, size_t len, struct vec *out, struct lb_err *err);
int pmx_parse_task_log(const char *body, size_t len, struct vec *out, struct lb_err *err);
/* GET /version of either product: one char * record, the version ("8.1.4", "3.2"). */
int pmx_parse_version(const char *body, size_t len, struct vec *out, struct lb_err *err);
struct pmx_call *pmx_get_version(struct pmx_client *c, pmx_result_fn done, void *arg,
                                 struct lb_err *err);

/*
 * Follow a task to its end: poll its status every poll_ms (0: 500 ms), page
 * through its log, hand each new line to on_line (may be NULL), then call
 * on_done once with the outcome and the exit status text ("OK", the error).
 * Gives up with LB_ETIMEOUT after max_ms (0: 1 hour) and with the error when
 * three polls in a row fail.
 */
struct pmx_follow;
struct pmx_follow_opts {
    const char *node; /* PVE: the node in the UPID; PBS: ignored (localhost) */
    const char *upid;
    int64_t poll_ms;
    int64_t max_ms;
    void (*on_line)(const struct pmx_log_line *line, void *arg);
    void (*on_done)(int rc, const struct lb_err *err, enum pmx_outcome outcome,
                    const char *exitstatus, void *arg);
    void *arg;
};
struct pmx_follow *pmx_follow_start(struct pmx_client *c, const struct pmx_follow_opts *opts,
                                    struct lb_err *err);
void pmx_follow_cancel(struct pmx_follow *f); /* on_done runs with LB_ECANCELLED */

/*
 * The certificate an endpoint presents, without sending a request (connect
 * only): on_done gets rc 0 and the "AA:BB:.." fingerprint, or the error.
 * matches: a pin is configured and equals it.
 */
typedef void (*pmx_probe_fn)(int rc, const struct lb_err *err, const char *fingerprint, void *arg);
int pmx_probe_certificate(struct pmx_client *c, pmx_probe_fn done, void *arg, struct lb_err *err);

/* Turn the loop until *flag is true (the CLI's way to wait; never the console's). */
void pmx_wait(struct loop *loop, const bool *flag);

#endif
