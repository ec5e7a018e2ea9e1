#ifndef LIFEBOAT_BACKEND_ALERT_WATCH_H
#define LIFEBOAT_BACKEND_ALERT_WATCH_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "backend/base/err.h"
#include "backend/base/vec.h"

/*
 * The console's alerts: the stored list it shows (read from the alert
 * store, so what the timer job found shows at once), the rules evaluated
 * after every refresh of the model (the Proxmox rules too, over the raw
 * records of the app's last Proxmox rounds: app_pmx_rules_input) the way
 * `lifeboat run` and `lifeboat alerts` do (backend/alert.h: the same state machine, so a console left
 * open notifies like the timer job does), the notices sent in the
 * background (never waiting on a channel), and acknowledgements.
 */

struct app;
struct http;
struct alert_send;
struct watch_token;

struct alert_watch {
    struct app *app;     /* borrowed */
    struct vec alerts;   /* struct store_alert *: the open ones, in alert_watch_cmp order */
    bool loaded;         /* the list was read from the store at least once */
    time_t evaluated_at; /* last evaluation by this console (0: none yet) */
    time_t refresh_seen; /* app->last_refresh that evaluation followed */
    int sent;            /* notices handed to the channels by this console */
    char error[600];     /* the last load, evaluation or send failed: why ("" none) */
    /* private */
    time_t pve_seen, pbs_seen; /* the Proxmox rounds (fetched_at) that evaluation followed */
    struct http *http;
    struct alert_send *send;
    struct watch_token *token;
};

/* new; reads the stored list when app has a store. */
struct alert_watch *alert_watch_new(struct app *app);
/* Cancels a send in flight (waits for it to wind down: at most a few loop turns). */
void alert_watch_free(struct alert_watch *w);

/* Reread the open alerts from the store. 0 or negative with err (also kept in w->error). */
int alert_watch_load(struct alert_watch *w, struct lb_err *err);

/*
 * Called after the model changed: when a refresh or a Proxmox round ended
 * since the last evaluation and no repo or disk is being read, evaluate the rules at now, store
 * the outcome, start sending the notices (if the app has a loop) and
 * reread the list. Returns true when it evaluated.
 */
bool alert_watch_poll(struct alert_watch *w, time_t now);
/* Evaluate now whatever refreshes (as poll does). 0 or negative with err. */
int alert_watch_evaluate(struct alert_watch *w, time_t now, struct lb_err *err);

/* Acknowledge the open alert id with note (NULL or "": none) and reread. 0 or negative. */
int alert_watch_ack(struct alert_watch *w, int64_t id, const char *note, time_t now,
                    struct lb_err *err);

/* Counts over the open alerts: unacknowledged warn / crit, acknowledged. */
void alert_watch_counts(const struct alert_watch *w, int *warn, int *crit, int *acked);

/*
 * Order of the list: not acknowledged before acknowledged, critical before
 * warning, then the oldest first (qsort comparator over struct store_alert **).
 */
int alert_watch_cmp(const void *a, const void *b);

#endif
