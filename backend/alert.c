/*
 * Alerts: the state machine over rule hits, the alert store, and the
 * channels (desktop through a `lifeboat __notify` child, ntfy, Gotify,
 * webhook, email through http.c, healthchecks pings). The only libnotify
 * user.
 */
#include "backend/alert.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <jansson.h>
#include <libnotify/notify.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/app.h"
#include "backend/base/buf.h"
#include "backend/base/clock.h"
#include "backend/base/log.h"
#include "backend/base/str.h"
#include "backend/base/xalloc.h"
#include "backend/config.h"
#include "backend/http.h"
#include "backend/loop.h"
#include "backend/rules.h"
#include "backend/spawn.h"

#define SEND_TIMEOUT_MS   (30 * 1000)
#define DESKTOP_TIMEOUT_S 30
#define SECRET_MAX        4096

/* ---- names, masking ---- */

const char *alert_event_name(enum alert_event ev)
{
    switch (ev) {
    case ALERT_EV_FIRED:
        return "fired";
    case ALERT_EV_RENOTIFIED:
        return "re-notified";
    case ALERT_EV_ESCALATED:
        return "escalated";
    case ALERT_EV_RESOLVED:
        break;
    }
    return "resolved";
}

const char *alert_state_name(const struct store_alert *a)
{
    if (a->resolved_at)
        return "resolved";
    if (a->acked_at)
        return "acknowledged";
    return a->notify_count > 1 ? "re-notified" : "fired";
}

char *alert_mask_url(const char *url)
{
    const char *p = url ? strstr(url, "://") : NULL;
    const char *host, *end, *at;
    struct buf b = BUF_INIT(0);

    if (!p)
        return xstrdup("(url)");
    host = p + 3;
    end = host + strcspn(host, "/?#");
    at = memchr(host, '@', (size_t)(end - host));
    if (at)
        host = at + 1;
    buf_append(&b, url, (size_t)(p + 3 - url));
    buf_append(&b, host, (size_t)(end - host));
    if (*end)
        buf_puts(&b, "/\xe2\x80\xa6"); /* "/…": the path may be a token */
    return buf_detach(&b);
}

void alert_notice_free(void *p)
{
    struct alert_notice *n = p;

    if (!n)
        return;
    free(n->rule);
    free(n->subject);
    free(n->message);
    free(n);
}

static void notice_push(struct vec *notices, enum alert_event ev, const struct store_alert *a)
{
    struct alert_notice *n = xcalloc(1, sizeof(*n));

    n->event = ev;
    n->id = a->id;
    n->rule = xstrdup(a->rule);
    n->subject = xstrdup(a->subject);
    n->severity = a->severity;
    n->message = xstrdup(a->message);
    n->since = a->fired_at;
    vec_push(notices, n);
}

/* ---- the state machine ---- */

static void set_message(struct store_alert *a, const char *msg)
{
    if (a->message && !strcmp(a->message, msg))
        return;
    free(a->message);
    a->message = xstrdup(msg);
    a->dirty = true;
}

static struct store_alert *find_alert(struct vec *alerts, const char *rule, const char *subject,
                                      bool open)
{
    struct store_alert *a, *best = NULL;
    size_t i;

    vec_foreach(alerts, i, a) {
        if (strcmp(a->rule, rule) || strcmp(a->subject, subject))
            continue;
        if (open != !a->resolved_at)
            continue;
        if (!best || a->resolved_at > best->resolved_at)
            best = a;
    }
    return best;
}

static const struct rule_hit *find_hit(const struct vec *hits, const struct store_alert *a)
{
    const struct rule_hit *h;
    size_t i;

    vec_foreach(hits, i, h) {
        if (!strcmp(h->rule, a->rule) && !strcmp(h->subject, a->subject))
            return h;
    }
    return NULL;
}

static void notify_now(struct store_alert *a, enum alert_event ev, time_t now, struct vec *notices)
{
    a->notified_at = now;
    a->notify_count++;
    a->dirty = true;
    notice_push(notices, ev, a);
}

void alert_machine_apply(struct vec *alerts, const struct vec *hits, time_t now, int64_t renotify,
                         struct vec *notices)
{
    size_t i, n_before = alerts->len;
    struct store_alert *a;
    const struct rule_hit *h;

    for (i = 0; i < n_before; i++) {
        a = alerts->items[i];
        if (a->resolved_at)
            continue;
        h = find_hit(hits, a);
        if (h) {
            a->last_seen = now;
            a->dirty = true;
            a->clear_count = 0;
            a->clear_since = 0;
            set_message(a, h->message);
            if ((int)h->severity > a->severity) {
                a->severity = (int)h->severity;
                a->acked_at = 0; /* worse now: needs a new look */
                free(a->ack_note);
                a->ack_note = NULL;
                notify_now(a, ALERT_EV_ESCALATED, now, notices);
            } else {
                a->severity = (int)h->severity;
                if (!a->acked_at && renotify > 0 && now - a->notified_at >= renotify)
                    notify_now(a, ALERT_EV_RENOTIFIED, now, notices);
            }
            continue;
        }
        /* clear this time: resolve only once it stays clear (flapping) */
        if (!a->clear_since)
            a->clear_since = now;
        a->clear_count++;
        a->dirty = true;
        if (a->clear_count >= ALERT_CLEAR_EVALS ||
            (a->clear_count >= 2 && now - a->clear_since >= ALERT_CLEAR_SECS)) {
            a->resolved_at = now;
            notice_push(notices, ALERT_EV_RESOLVED, a);
        }
    }
    vec_foreach(hits, i, h) {
        if (find_alert(alerts, h->rule, h->subject, true))
            continue; /* handled above */
        a = find_alert(alerts, h->rule, h->subject, false);
        if (a && now - a->resolved_at <= ALERT_REFIRE_SECS) {
            /* back soon after resolving: the same alert, not a new one */
            int was = a->severity;

            a->resolved_at = 0;
            a->clear_count = 0;
            a->clear_since = 0;
            a->last_seen = now;
            a->severity = (int)h->severity;
            a->dirty = true;
            set_message(a, h->message);
            if (a->severity > was)
                notify_now(a, ALERT_EV_ESCALATED, now, notices);
            else if (!a->acked_at && renotify > 0 && now - a->notified_at >= renotify)
                notify_now(a, ALERT_EV_RENOTIFIED, now, notices);
            continue;
        }
        a = xcalloc(1, sizeof(*a));
        a->rule = xstrdup(h->rule);
        a->subject = xstrdup(h->subject);
        a->severity = (int)h->severity;
        a->message = xstrdup(h->message);
        a->fired_at = now;
        a->last_seen = now;
        vec_push(alerts, a);
        notify_now(a, ALERT_EV_FIRED, now, notices);
    }
}

/* ---- evaluation ---- */

struct eval_ctx {
    const struct rules_input *in;
    const struct vec *hits;
    time_t now;
    int64_t renotify;
    struct vec *notices;
};

static int eval_fn(struct vec *alerts, void *arg)
{
    struct eval_ctx *c = arg;
    struct vec aside = VEC_INIT(NULL);
    size_t i = 0;

    /* alerts of rules whose data this evaluation did not read neither clear nor change */
    while (i < alerts->len) {
        struct store_alert *a = alerts->items[i];

        if (rules_covers(c->in, a->rule)) {
            i++;
            continue;
        }
        vec_push(&aside, a);
        alerts->items[i] = NULL;
        vec_remove(alerts, i);
    }
    alert_machine_apply(alerts, c->hits, c->now, c->renotify, c->notices);
    for (i = 0; i < aside.len; i++)
        vec_push(alerts, aside.items[i]);
    vec_release(&aside);
    return 0;
}

int alert_evaluate(struct app *app, time_t now, struct vec *notices, struct lb_err *err)
{
    return alert_evaluate_with(app, now, NULL, notices, err);
}

int alert_evaluate_with(struct app *app, time_t now, const struct rules_pmx *pmx,
                        struct vec *notices, struct lb_err *err)
{
    struct vec jobs = VEC_INIT(rules_job_free);
    struct vec hits = VEC_INIT(free);
    struct vec fresh = VEC_INIT(alert_notice_free);
    struct vec open = VEC_INIT(store_alert_free);
    struct rules_input in = { 0 };
    struct rules_chores chores;
    struct eval_ctx c;
    struct alert_notice *n;
    struct store_alert *a;
    size_t i, k;
    int rc;

    if (!app->store)
        return lb_err_set(err, LB_EIO, "cannot evaluate alerts: the state database is not open");
    if ((rc = rules_jobs_load(app->store, app->cfg, &jobs, err)) < 0)
        goto out;
    in.now = now;
    in.cfg = app->cfg;
    in.repos = &app->repos;
    in.disks = &app->disks;
    in.jobs = &jobs;
    in.pmx = pmx;
    if (rules_chores_load(app->store, app->cfg, &chores, err) == 0)
        in.chores = &chores;
    else {
        log_warn("alert rules: drills and checklists not read: %s", err->msg);
        lb_err_clear(err);
    }
    rules_evaluate(&in, &hits);
    c.in = &in;
    c.hits = &hits;
    c.now = now;
    c.renotify = app->cfg->alerts.renotify;
    c.notices = &fresh;
    if ((rc = store_alerts_update(app->store, now - ALERT_REFIRE_SECS, eval_fn, &c, err)) < 0) {
        lb_err_prefix(err, "cannot update alerts");
        goto out;
    }
    /* new alerts got their id when written */
    if (store_alerts_list(app->store, 0, &open, NULL) == 0) {
        vec_foreach(&fresh, i, n) {
            vec_foreach(&open, k, a) {
                if (!n->id && !strcmp(a->rule, n->rule) && !strcmp(a->subject, n->subject))
                    n->id = a->id;
            }
        }
    }
    while (fresh.len) {
        n = fresh.items[0];
        fresh.items[0] = NULL;
        vec_remove(&fresh, 0);
        vec_push(notices, n);
    }
out:
    vec_release(&open);
    vec_release(&fresh);
    vec_release(&hits);
    vec_release(&jobs);
    return rc;
}

/* ---- secrets from files ---- */

/* The first line of a secret file (new), after the ownership/mode check. */
static char *read_secret_line(const char *path, const char *what, struct lb_err *err)
{
    char buf[SECRET_MAX];
    ssize_t n;
    int fd;
    char *nl;

    if (config_check_secret_file(path, what, err) < 0)
        return NULL;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        lb_err_set(err, LB_EIO, "cannot read %s %s: %s", what, path, strerror(errno));
        return NULL;
    }
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0) {
        lb_err_set(err, LB_EIO, "cannot read %s %s: %s", what, path,
                   n < 0 ? strerror(errno) : "the file is empty");
        return NULL;
    }
    buf[n] = '\0';
    nl = strpbrk(buf, "\r\n");
    if (nl)
        *nl = '\0';
    if (!buf[0]) {
        explicit_bzero(buf, sizeof(buf));
        lb_err_set(err, LB_EIO, "%s %s has an empty first line", what, path);
        return NULL;
    }
    nl = xstrdup(buf);
    explicit_bzero(buf, sizeof(buf));
    return nl;
}

static void free_secret(char *s)
{
    if (s) {
        explicit_bzero(s, strlen(s));
        free(s);
    }
}

/* ---- sending ---- */

struct part {
    struct alert_send *send;
    struct alert_result *result;
    struct http_req *req;
    struct spawn *sp;
    bool done;
};

struct alert_send {
    struct loop *loop;
    struct http *http;
    struct vec results; /* struct alert_result * */
    struct vec parts;   /* struct part * */
    size_t pending;
    uint64_t timer;
    bool cancelled;
    void (*on_done)(const struct vec *results, void *arg);
    void *arg;
};

static bool desktop_logged;

static bool has_channel(const struct config *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->alerts.channels.len; i++)
        if (!strcmp(cfg->alerts.channels.items[i], name))
            return true;
    return false;
}

static struct alert_result *result_for(struct alert_send *s, const char *channel)
{
    struct alert_result *r;
    size_t i;

    vec_foreach(&s->results, i, r) {
        if (!strcmp(r->channel, channel))
            return r;
    }
    r = xcalloc(1, sizeof(*r));
    str_copy(r->channel, sizeof(r->channel), channel);
    r->ok = true;
    vec_push(&s->results, r);
    return r;
}

static void result_fail(struct alert_result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void result_fail(struct alert_result *r, const char *fmt, ...)
{
    va_list ap;

    if (!r->ok)
        return; /* keep the first failure */
    r->ok = false;
    va_start(ap, fmt);
    vsnprintf(r->message, sizeof(r->message), fmt, ap);
    va_end(ap);
    str_sanitize(r->message);
}

static void send_finish(struct loop *loop, void *arg)
{
    struct alert_send *s = arg;
    struct alert_result *r;
    size_t i;

    (void)loop;
    s->timer = 0;
    vec_foreach(&s->results, i, r) {
        if (r->ok && !r->message[0])
            snprintf(r->message, sizeof(r->message), "sent");
        if (!r->ok && strcmp(r->channel, "desktop"))
            log_warn("alert channel %s: %s", r->channel, r->message);
    }
    if (s->on_done)
        s->on_done(&s->results, s->arg);
    vec_release(&s->results);
    vec_release(&s->parts);
    free(s);
}

static void part_done(struct part *p)
{
    struct alert_send *s = p->send;

    p->done = true;
    p->req = NULL;
    p->sp = NULL;
    if (--s->pending == 0 && !s->timer)
        s->timer = loop_add_timer(s->loop, 0, send_finish, s);
}

static struct part *part_new(struct alert_send *s, const char *channel)
{
    struct part *p = xcalloc(1, sizeof(*p));

    p->send = s;
    p->result = result_for(s, channel);
    vec_push(&s->parts, p);
    s->pending++;
    return p;
}

static void on_http_done(struct http_req *req, const struct http_response *res, void *arg)
{
    struct part *p = arg;

    (void)req;
    if (res->code != LB_EOK)
        result_fail(p->result, "%s", lb_code_text(res->code));
    else if (res->status >= 400 || (res->status && res->status < 200))
        result_fail(p->result, "the server answered %ld%s%s", res->status,
                    res->reason && *res->reason ? " " : "", res->reason ? res->reason : "");
    part_done(p);
}

static void http_part(struct alert_send *s, const char *channel, const char *url,
                      const struct http_request_opts *tmpl)
{
    struct part *p = part_new(s, channel);
    struct http_request_opts o = *tmpl;
    struct lb_err err = { 0 };
    char *shown = alert_mask_url(url);

    o.url = url;
    o.timeout_ms = SEND_TIMEOUT_MS;
    o.on_done = on_http_done;
    o.arg = p;
    p->req = http_start(s->http, &o, &err);
    if (!p->req) {
        result_fail(p->result, "cannot send to %s: %s", shown, lb_code_text(err.code));
        part_done(p);
    } else {
        snprintf(p->result->message, sizeof(p->result->message), "sent to %s", shown);
    }
    free(shown);
}

static const char *sev_word(int severity)
{
    return severity >= 2 ? "CRIT" : "WARN";
}

static void notice_title(const struct alert_notice *n, char *out, size_t len)
{
    if (n->event == ALERT_EV_RESOLVED)
        snprintf(out, len, "lifeboat: resolved: %s %s", n->rule, n->subject);
    else
        snprintf(out, len, "lifeboat: %s %s %s", sev_word(n->severity), n->rule, n->subject);
    str_sanitize(out);
}

static void send_ntfy(struct alert_send *s, const struct config *cfg, const struct alert_notice *n)
{
    char title[200], htitle[220], prio[32];
    const char *headers[4];
    struct http_request_opts o = { .method = "POST" };

    notice_title(n, title, sizeof(title));
    snprintf(htitle, sizeof(htitle), "Title: %s", title);
    snprintf(prio, sizeof(prio), "Priority: %d",
             n->event == ALERT_EV_RESOLVED ? 2
             : n->severity >= 2            ? 5
                                           : 4);
    headers[0] = htitle;
    headers[1] = prio;
    headers[2] = n->event == ALERT_EV_RESOLVED ? "Tags: white_check_mark" : "Tags: warning";
    headers[3] = NULL;
    o.headers = headers;
    o.body = n->message;
    o.body_len = strlen(n->message);
    http_part(s, "ntfy", cfg->alerts.ntfy_url, &o);
}

static void send_gotify(struct alert_send *s, const struct config *cfg,
                        const struct alert_notice *n)
{
    struct lb_err err = { 0 };
    char *token = read_secret_line(cfg->alerts.gotify_token_file, "gotify token file", &err);
    char title[200];
    char *url, *body, *hdr;
    const char *headers[3];
    json_t *j;
    struct http_request_opts o = { .method = "POST" };

    if (!token) {
        struct part *p = part_new(s, "gotify");

        result_fail(p->result, "%s", err.msg);
        part_done(p);
        return;
    }
    notice_title(n, title, sizeof(title));
    j = json_pack("{s:s, s:s, s:i}", "title", title, "message", n->message, "priority",
                  n->event == ALERT_EV_RESOLVED ? 2
                  : n->severity >= 2            ? 8
                                                : 5);
    body = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    url = xasprintf("%s%smessage", cfg->alerts.gotify_url,
                    str_ends_with(cfg->alerts.gotify_url, "/") ? "" : "/");
    hdr = xasprintf("X-Gotify-Key: %s", token);
    headers[0] = hdr;
    headers[1] = "Content-Type: application/json";
    headers[2] = NULL;
    o.headers = headers;
    o.body = body;
    o.body_len = body ? strlen(body) : 0;
    http_part(s, "gotify", url, &o);
    free_secret(hdr);
    free_secret(token);
    free(url);
    free(body);
}

static void send_webhook(struct alert_send *s, const struct config *cfg,
                         const struct alert_notice *n)
{
    char since[40];
    char *body;
    json_t *j;
    const char *headers[] = { "Content-Type: application/json", NULL };
    struct http_request_opts o = { .method = "POST", .headers = headers };

    j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "rule", n->rule, "severity",
                  n->severity >= 2 ? "crit" : "warn", "subject", n->subject, "message", n->message,
                  "since", clock_fmt_rfc3339(n->since, since, sizeof(since)), "state",
                  alert_event_name(n->event));
    if (n->id)
        json_object_set_new(j, "id", json_integer(n->id));
    body = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(j);
    o.body = body;
    o.body_len = body ? strlen(body) : 0;
    http_part(s, "webhook", cfg->alerts.webhook_url, &o);
    free(body);
}

static void send_email(struct alert_send *s, const struct config *cfg, const struct vec *notices)
{
    const struct alerts_cfg *a = &cfg->alerts;
    struct buf msg = BUF_INIT(0);
    struct lb_err err = { 0 };
    char *auth = NULL, *colon;
    const char *rcpt[2] = { a->smtp_to, NULL };
    struct http_request_opts o = { .method = "SEND", .mail_rcpt = rcpt };
    char date[64], host[128] = "lifeboat";
    struct alert_notice *n;
    size_t i;
    int ncrit = 0;
    time_t now = clock_now();
    struct tm tm;

    if (a->smtp_auth_file) {
        auth = read_secret_line(a->smtp_auth_file, "smtp auth file", &err);
        if (!auth || !(colon = strchr(auth, ':'))) {
            struct part *p = part_new(s, "email");

            result_fail(p->result, "%s",
                        auth ? "smtp auth file: the first line is not "
                               "USER:PASSWORD"
                             : err.msg);
            part_done(p);
            free_secret(auth);
            return;
        }
        *colon = '\0';
        o.username = auth;
        o.password = colon + 1;
    }
    gethostname(host, sizeof(host) - 1);
    vec_foreach(notices, i, n) {
        if (n->severity >= 2 && n->event != ALERT_EV_RESOLVED)
            ncrit++;
    }
    localtime_r(&now, &tm);
    strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S %z", &tm);
    buf_printf(&msg, "From: %s\r\nTo: %s\r\nDate: %s\r\n", a->smtp_from, a->smtp_to, date);
    if (notices->len == 1) {
        char title[200];

        notice_title(notices->items[0], title, sizeof(title));
        buf_printf(&msg, "Subject: %s\r\n", title);
    } else {
        buf_printf(&msg, "Subject: lifeboat: %zu alerts on %s (%d critical)\r\n", notices->len,
                   host, ncrit);
    }
    buf_puts(&msg, "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                   "Content-Transfer-Encoding: 8bit\r\n\r\n");
    vec_foreach(notices, i, n) {
        char since[40];

        buf_printf(&msg, "%s %s %s (%s since %s)\r\n  %s\r\n\r\n",
                   n->event == ALERT_EV_RESOLVED ? "RESOLVED" : sev_word(n->severity), n->rule,
                   n->subject, alert_event_name(n->event),
                   clock_fmt_rfc3339(n->since, since, sizeof(since)), n->message);
    }
    buf_printf(&msg, "-- \r\nlifeboat on %s\r\n", host);
    o.mail_from = a->smtp_from;
    o.body = buf_cstr(&msg);
    o.body_len = msg.len;
    http_part(s, "email", a->smtp_url, &o);
    buf_release(&msg);
    free_secret(auth);
}

/* ---- desktop: a `lifeboat __notify` child per notice ---- */

static void on_desktop_exit(struct spawn *sp, const struct spawn_result *res, void *arg)
{
    struct part *p = arg;
    const struct buf *e = spawn_stderr(sp);
    char why[256];

    str_copy(why, sizeof(why), e && e->len ? buf_cstr(e) : "");
    why[strcspn(why, "\r\n")] = '\0';
    if (!res->exited || res->status != 0) {
        if (res->exec_errno)
            snprintf(why, sizeof(why), "cannot run the notification helper: %s",
                     strerror(res->exec_errno));
        else if (res->timed_out)
            snprintf(why, sizeof(why), "the notification server did not answer in %d s",
                     DESKTOP_TIMEOUT_S);
        result_fail(p->result, "no desktop notification: %s", why[0] ? why : "helper failed");
        if (!desktop_logged) {
            desktop_logged = true;
            log_info("desktop notifications unavailable (%s): using the other channels",
                     p->result->message);
        }
    } else {
        snprintf(p->result->message, sizeof(p->result->message), "shown");
    }
    part_done(p);
}

static void send_desktop(struct alert_send *s, const struct alert_notice *n)
{
    static char self[4096];
    struct part *p = part_new(s, "desktop");
    char title[200];
    char *input;
    struct lb_err err = { 0 };
    ssize_t len;
    const char *argv[3];
    struct spawn_opts o = { 0 };

    if (!self[0]) {
        len = readlink("/proc/self/exe", self, sizeof(self) - 1);
        if (len <= 0) {
            self[0] = '\0';
            result_fail(p->result, "cannot find the lifeboat binary: %s", strerror(errno));
            part_done(p);
            return;
        }
        self[len] = '\0';
    }
    notice_title(n, title, sizeof(title));
    input = xasprintf("%d\n%s\n%s\n",
                      n->event == ALERT_EV_RESOLVED ? 0
                      : n->severity >= 2            ? 2
                                                    : 1,
                      title, n->message);
    argv[0] = self;
    argv[1] = "__notify";
    argv[2] = NULL;
    o.argv = argv;
    o.stdin_data = input;
    o.stdin_len = strlen(input);
    o.timeout_ms = DESKTOP_TIMEOUT_S * 1000;
    o.capture = true;
    o.capture_max = 2048;
    o.on_exit = on_desktop_exit;
    o.arg = p;
    p->sp = spawn_start(s->loop, &o, &err);
    if (!p->sp) {
        result_fail(p->result, "cannot start the notification helper: %s", err.msg);
        part_done(p);
    }
    free(input);
}

struct alert_send *alert_send_start(struct loop *loop, struct http *http, const struct config *cfg,
                                    const struct vec *notices, const char *only,
                                    void (*on_done)(const struct vec *results, void *arg),
                                    void *arg)
{
    struct alert_send *s = xcalloc(1, sizeof(*s));
    const struct alerts_cfg *a = &cfg->alerts;
    struct alert_notice *n;
    size_t i;

    s->loop = loop;
    s->http = http;
    s->on_done = on_done;
    s->arg = arg;
    vec_init(&s->results, free);
    vec_init(&s->parts, free);
    s->pending = 1; /* held until everything is started */
#define WANT(ch) (has_channel(cfg, ch) && (!only || !strcmp(only, ch)))
    if (notices->len) {
        vec_foreach(notices, i, n) {
            if (WANT("desktop"))
                send_desktop(s, n);
            if (WANT("ntfy") && a->ntfy_url)
                send_ntfy(s, cfg, n);
            if (WANT("gotify") && a->gotify_url && a->gotify_token_file)
                send_gotify(s, cfg, n);
            if (WANT("webhook") && a->webhook_url)
                send_webhook(s, cfg, n);
        }
        if (WANT("email") && a->smtp_url && a->smtp_from && a->smtp_to)
            send_email(s, cfg, notices);
    }
#undef WANT
    s->pending--;
    if (!s->pending)
        s->timer = loop_add_timer(loop, 0, send_finish, s);
    return s;
}

void alert_send_cancel(struct alert_send *s)
{
    struct part *p;
    size_t i;

    if (!s || s->cancelled)
        return;
    s->cancelled = true;
    vec_foreach(&s->parts, i, p) {
        if (p->done)
            continue;
        if (p->req)
            http_cancel(p->req);
        if (p->sp)
            spawn_cancel(p->sp);
    }
}

struct sync_wait {
    bool done;
    struct vec *results;
};

static void sync_done(const struct vec *results, void *arg)
{
    struct sync_wait *w = arg;
    struct alert_result *r;
    size_t i;

    w->done = true;
    if (!w->results)
        return;
    vec_foreach(results, i, r) {
        struct alert_result *c = xmalloc(sizeof(*c));

        *c = *r;
        vec_push(w->results, c);
    }
}

void alert_send_sync(struct loop *loop, struct http *http, const struct config *cfg,
                     const struct vec *notices, const char *only, struct vec *results)
{
    struct sync_wait w = { false, results };

    alert_send_start(loop, http, cfg, notices, only, sync_done, &w);
    while (!w.done)
        loop_run_once(loop, 1000);
}

/* ---- healthchecks ---- */

struct hc_wait {
    bool done;
    bool async; /* nobody waits: log the outcome and free */
    enum lb_code code;
    long status;
    char shown[200];
    char what[16];
};

static void hc_done(struct http_req *req, const struct http_response *res, void *arg)
{
    struct hc_wait *w = arg;

    (void)req;
    w->done = true;
    w->code = res->code;
    w->status = res->status;
    if (!w->async)
        return;
    if (res->code != LB_EOK && res->code != LB_ECANCELLED)
        log_warn("cannot ping healthchecks %s (%s): %s", w->shown, w->what,
                 lb_code_text(res->code));
    else if (res->status >= 400)
        log_warn("healthchecks %s (%s) answered %ld", w->shown, w->what, res->status);
    free(w);
}

/* Start a ping; 1 started, 0 not configured, negative with err. */
static int hc_start(struct http *http, const struct config *cfg, const char *job, const char *what,
                    const char *body, struct hc_wait *w, struct lb_err *err)
{
    const char *base = cfg->alerts.healthchecks_url;
    struct cfg_kv *kv;
    size_t i;
    char *url, *shown;
    struct http_request_opts o = { .method = "POST", .timeout_ms = SEND_TIMEOUT_MS };
    struct http_req *req;
    int rc = 1;

    if (!has_channel(cfg, "healthchecks"))
        return 0;
    vec_foreach(&cfg->alerts.healthchecks_job_urls, i, kv) {
        if (!strcmp(kv->key, job))
            base = kv->value;
    }
    if (!base)
        return 0;
    url = !strcmp(what, "success")
              ? xstrdup(base)
              : xasprintf("%s%s%s", base, str_ends_with(base, "/") ? "" : "/", what);
    shown = alert_mask_url(base);
    str_copy(w->shown, sizeof(w->shown), shown);
    str_copy(w->what, sizeof(w->what), what);
    o.url = url;
    o.body = body ? body : "";
    o.body_len = body ? strlen(body) : 0;
    o.on_done = hc_done;
    o.arg = w;
    req = http_start(http, &o, err);
    if (!req)
        rc = lb_err_set(err, err->code, "cannot ping healthchecks %s (%s)", shown, what);
    free(shown);
    free(url);
    return rc;
}

int alert_hc_ping_start(struct http *http, const struct config *cfg, const char *job,
                        const char *what, const char *body)
{
    struct hc_wait *w = xcalloc(1, sizeof(*w));
    struct lb_err err = { 0 };
    int rc;

    w->async = true;
    rc = hc_start(http, cfg, job, what, body, w, &err);
    if (rc <= 0) {
        if (rc < 0)
            log_warn("%s", err.msg);
        free(w);
    }
    return rc;
}

int alert_hc_ping(struct loop *loop, struct http *http, const struct config *cfg, const char *job,
                  const char *what, const char *body, struct lb_err *err)
{
    struct hc_wait w = { 0 };
    int rc = hc_start(http, cfg, job, what, body, &w, err);

    if (rc <= 0)
        return rc;
    while (!w.done)
        loop_run_once(loop, 1000);
    if (w.code != LB_EOK)
        rc = lb_err_set(err, w.code, "cannot ping healthchecks %s (%s): %s", w.shown, what,
                        lb_code_text(w.code));
    else if (w.status >= 400)
        rc =
            lb_err_set(err, LB_EFAIL, "healthchecks %s (%s) answered %ld", w.shown, what, w.status);
    if (rc < 0)
        log_warn("%s", err->msg);
    return rc;
}

/* ---- the __notify helper (runs in the child) ---- */

int alert_desktop_helper(void)
{
    struct buf in = BUF_INIT(16384);
    char chunk[4096];
    ssize_t n;
    static char empty[1];
    char *text, *summary, *body, *nl;
    int urgency, rc = 0;
    NotifyNotification *note;
    GError *gerr = NULL;

    while ((n = read(STDIN_FILENO, chunk, sizeof(chunk))) > 0)
        buf_append(&in, chunk, (size_t)n);
    text = buf_detach(&in);
    if (!text || !(nl = strchr(text, '\n'))) {
        fputs("lifeboat __notify: expected URGENCY, SUMMARY and BODY lines on stdin\n", stderr);
        free(text);
        return 64;
    }
    urgency = text[0] == '2'   ? NOTIFY_URGENCY_CRITICAL
              : text[0] == '0' ? NOTIFY_URGENCY_LOW
                               : NOTIFY_URGENCY_NORMAL;
    summary = nl + 1;
    nl = strchr(summary, '\n');
    body = nl ? nl + 1 : empty;
    if (nl)
        *nl = '\0';
    nl = body + strlen(body);
    while (nl > body && nl[-1] == '\n')
        *--nl = '\0';
    if (!notify_init("lifeboat")) {
        fputs("cannot initialise libnotify\n", stderr);
        free(text);
        return 3;
    }
    note = notify_notification_new(
        summary, body, urgency == NOTIFY_URGENCY_CRITICAL ? "dialog-error" : "dialog-warning");
    notify_notification_set_urgency(note, (NotifyUrgency)urgency);
    notify_notification_set_app_name(note, "lifeboat");
    notify_notification_set_timeout(
        note, urgency == NOTIFY_URGENCY_CRITICAL ? NOTIFY_EXPIRES_NEVER : NOTIFY_EXPIRES_DEFAULT);
    if (!notify_notification_show(note, &gerr)) {
        fprintf(stderr, "%s\n", gerr && gerr->message ? gerr->message : "no notification server");
        rc = 3;
    }
    if (gerr)
        g_error_free(gerr);
    g_object_unref(G_OBJECT(note));
    notify_uninit();
    free(text);
    return rc;
}
