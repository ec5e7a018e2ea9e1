#ifndef LIFEBOAT_BACKEND_ALERT_H
#define LIFEBOAT_BACKEND_ALERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "backend/base/err.h"
#include "backend/base/vec.h"
#include "backend/store.h"

/*
 * Alerts: the state machine that turns rule hits (backend/rules.h) into
 * stored alerts, and the channels that tell the operator. The only libnotify
 * user: desktop notifications are sent by a short-lived child (lifeboat
 * re-executed as `lifeboat __notify`, see alert_desktop_helper) so the
 * synchronous D-Bus call never blocks the loop.
 *
 * State machine, per (rule, subject):
 *   fired        a hit with no open alert: stored and notified
 *   re-notified  still holding `renotify` after the last notification
 *                (and not acknowledged): notified again
 *   escalated    warn became crit: notified at once (an acknowledgement is
 *                dropped: the worse condition needs a new look)
 *   acknowledged from the console or `lifeboat alerts ack`, with a note: no
 *                more re-notifications
 *   resolved     the rule stayed clear for ALERT_CLEAR_EVALS evaluations, or
 *                for 2 evaluations ALERT_CLEAR_SECS apart: resolved and
 *                notified. A rule that comes back within ALERT_REFIRE_SECS of
 *                resolving reopens the same alert (flapping costs one alert,
 *                not a notification per flap).
 *
 * Channels ([alerts] channels): console (the alert list), desktop, ntfy,
 * gotify, webhook (JSON {rule, severity, subject, message, since, state}),
 * email (libcurl SMTP, auth from a 0600 file), healthchecks (per job:
 * /start, success, /fail with the log tail; see alert_hc_ping). URLs are
 * secrets (ntfy topics, healthchecks UUIDs, tokens): messages and logs show
 * them masked (alert_mask_url).
 */

#define ALERT_CLEAR_EVALS 3
#define ALERT_CLEAR_SECS  (15 * 60)
#define ALERT_REFIRE_SECS 3600

struct loop;
struct http;
struct config;
struct app;

enum alert_event { ALERT_EV_FIRED, ALERT_EV_RENOTIFIED, ALERT_EV_ESCALATED, ALERT_EV_RESOLVED };

/* One thing to tell the channels (all fields owned). */
struct alert_notice {
    enum alert_event event;
    int64_t id;
    char *rule;
    char *subject;
    int severity; /* 1 warn, 2 crit */
    char *message;
    time_t since;
};
void alert_notice_free(void *notice);

/* "fired", "re-notified", "escalated", "resolved". */
const char *alert_event_name(enum alert_event ev);
/* State of a stored alert: "fired", "re-notified", "acknowledged", "resolved". */
const char *alert_state_name(const struct store_alert *a);

/*
 * The state machine (pure): apply hits (struct rule_hit *) at time now to
 * alerts (struct store_alert *: the open ones and those resolved within
 * ALERT_REFIRE_SECS; changed ones get dirty, new ones are pushed with id 0)
 * and push what to tell to notices (struct alert_notice *, new; their id is
 * 0 for new alerts until stored: alert_evaluate fills it).
 */
void alert_machine_apply(struct vec *alerts, const struct vec *hits, time_t now, int64_t renotify,
                         struct vec *notices);

/*
 * Evaluate the rules on app's model and the stored history at now, update
 * the alert store in one transaction, and push the notices to send. 0 or
 * negative with err (no store, busy database...).
 */
int alert_evaluate(struct app *app, time_t now, struct vec *notices, struct lb_err *err);
/*
 * The same with the Proxmox records read for it (backend/rules.h; NULL: not
 * read, and the Proxmox alerts are left as they are).
 */
struct rules_pmx;
int alert_evaluate_with(struct app *app, time_t now, const struct rules_pmx *pmx,
                        struct vec *notices, struct lb_err *err);

/* What one channel said. */
struct alert_result {
    char channel[16];
    bool ok;
    char message[320]; /* masked: never a full URL or a token */
};

struct alert_send;

/*
 * Send notices through every configured channel (only: one channel name,
 * or NULL for all; "console" and "healthchecks" take no notices) on loop
 * with http (both borrowed). on_done runs once from the loop with the result
 * of each channel (struct alert_result *, borrowed for the call). Nothing
 * configured: on_done runs with no result. notices is copied. Returns the
 * send in flight (cancel with alert_send_cancel: on_done still runs).
 */
struct alert_send *alert_send_start(struct loop *loop, struct http *http, const struct config *cfg,
                                    const struct vec *notices, const char *only,
                                    void (*on_done)(const struct vec *results, void *arg),
                                    void *arg);
void alert_send_cancel(struct alert_send *s);

/*
 * For the CLI: send and turn the loop until done; results (struct
 * alert_result *, new) pushed to results when non-NULL.
 */
void alert_send_sync(struct loop *loop, struct http *http, const struct config *cfg,
                     const struct vec *notices, const char *only, struct vec *results);

/*
 * Healthchecks ping of job (when the healthchecks channel is on and a URL is
 * set for the job, or the global one): what = "start", "success" or "fail"
 * (body: the log tail, may be NULL). Turns the loop until done. Returns 1
 * when pinged, 0 when not configured, negative with err (masked URL) when
 * the ping failed.
 */
int alert_hc_ping(struct loop *loop, struct http *http, const struct config *cfg, const char *job,
                  const char *what, const char *body, struct lb_err *err);

/*
 * The same without waiting (e.g. /start while the run goes on): a failure is
 * logged. http must outlive the ping (http_free cancels it).
 */
int alert_hc_ping_start(struct http *http, const struct config *cfg, const char *job,
                        const char *what, const char *body);

/* "https://ntfy.example.com/…" — scheme and host only (new). */
char *alert_mask_url(const char *url);

/*
 * The `lifeboat __notify` helper: reads "URGENCY\nSUMMARY\nBODY..." (urgency
 * 0 low, 1 normal, 2 critical) from stdin and shows it through libnotify.
 * Exit status: 0 shown, 3 no session bus or notification server (the reason
 * on stderr), 64 bad input.
 */
int alert_desktop_helper(void);

#endif
