/*
 * Reading a [disk] and keeping its history: source file or smartctl (the
 * remembered -d type first), the rules against the previous stored sample,
 * the sample and the document into the store. Also the self-test status
 * parser (this is a parser of smartctl output: jansson is allowed here).
 */
#include "backend/smart_history.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/base/clock.h"
#include "backend/base/log.h"
#include "backend/base/str.h"
#include "backend/base/xalloc.h"
#include "backend/config.h"
#include "backend/loop.h"
#include "backend/store.h"

struct smart_sampler {
    struct loop *loop;
    struct store *store;
    const struct disk_cfg *disk;
    char *source;     /* owned: absolute path of the source file, or NULL */
    char *remembered; /* owned: the -d type stored for this disk, or NULL */
    bool retried;     /* the remembered type failed: the auto walk runs */
    struct smart_probe *probe;
    uint64_t timer; /* delivers a source reading from the loop */
    bool cancelled;
    struct smart_reading *rd;
    smart_sample_cb cb;
    void *arg;
};

void smart_sample_fill(struct smart_sample *s, const struct smart_report *r, time_t at)
{
    memset(s, 0, sizeof(*s));
    s->at = at;
    s->verdict = r->verdict;
    s->c = r->counters;
}

void smart_reading_free(struct smart_reading *rd)
{
    if (!rd)
        return;
    smart_data_free(&rd->data);
    smart_report_release(&rd->report);
    free(rd);
}

/* The previous sample with data of this disk (for the growth rules). */
static bool previous(struct store *store, const char *disk, int64_t before_id,
                     struct smart_sample *out)
{
    struct lb_err err = { 0 };

    if (!store)
        return false;
    return store_get_smart_last(store, disk, before_id, out, NULL, &err) == 0;
}

/* Evaluate data into a new reading (takes data). */
static struct smart_reading *reading_new(struct store *store, const char *disk,
                                         struct smart_data *data, time_t at, int64_t before_id)
{
    struct smart_reading *rd = xcalloc(1, sizeof(*rd));

    rd->disk = disk;
    rd->at = at;
    rd->data = data;
    rd->have_prev = previous(store, disk, before_id, &rd->prev);
    smart_rules_eval(data, rd->have_prev ? &rd->prev.c : NULL, NULL, &rd->report);
    return rd;
}

/* Keep a reading with data as a sample (with its document), and the type that worked. */
static void reading_store(struct smart_sampler *s, struct smart_reading *rd)
{
    struct smart_sample sample;
    const struct smart_data *d = rd->data;

    if (!s->store || d->state != SMART_STATE_DATA || s->cancelled)
        return;
    smart_sample_fill(&sample, &rd->report, rd->at);
    if (store_put_smart_sample(s->store, rd->disk, &sample, d->json, &rd->store_err) == 0) {
        rd->stored = true;
        store_thin_smart_samples(s->store, rd->disk, rd->at, NULL);
    } else {
        log_warn("cannot keep the SMART sample of disk '%s': %s", rd->disk, rd->store_err.msg);
    }
    if (!s->source && d->chosen_type && smart_result_usable(d) &&
        (!s->remembered || strcmp(s->remembered, d->chosen_type) != 0))
        store_put_disk_type(s->store, rd->disk, d->chosen_type, rd->at, NULL);
}

static void sampler_free(struct smart_sampler *s)
{
    smart_reading_free(s->rd);
    free(s->source);
    free(s->remembered);
    free(s);
}

static void deliver(struct smart_sampler *s, struct smart_data *data)
{
    s->rd = reading_new(s->store, s->disk->name, data, clock_now(), 0);
    reading_store(s, s->rd);
    s->cb(s->rd, s->arg);
    sampler_free(s);
}

static void on_source_timer(struct loop *loop, void *arg)
{
    struct smart_sampler *s = arg;
    struct smart_data *d = NULL;
    struct lb_err err = { 0 };

    (void)loop;
    s->timer = 0;
    if (s->cancelled)
        d = smart_data_new_state(SMART_STATE_TIMEOUT, "cancelled");
    else if (smart_parse_file(s->source, &d, &err) < 0)
        d = smart_data_new_state(SMART_STATE_BAD_OUTPUT, err.msg);
    deliver(s, d);
}

/* States after which the auto walk cannot help either. */
static bool final_state(enum smart_state st)
{
    switch (st) {
    case SMART_STATE_STANDBY:
    case SMART_STATE_PERMISSION:
    case SMART_STATE_SANDBOX:
    case SMART_STATE_NO_CAPABILITY:
    case SMART_STATE_NO_DEVICE:
    case SMART_STATE_NOT_INSTALLED:
    case SMART_STATE_TIMEOUT:
        return true;
    default:
        return false;
    }
}

static int start_probe(struct smart_sampler *s, const char *type, struct lb_err *err);

static void on_probe_done(struct smart_data *result, void *arg)
{
    struct smart_sampler *s = arg;
    struct lb_err err = { 0 };

    s->probe = NULL;
    if (!s->cancelled && s->remembered && !s->retried && !smart_result_usable(result) &&
        !final_state(result->state)) {
        /* the type that worked last time does not any more (another enclosure?): walk again */
        log_info("disk '%s': remembered type '%s' gave %s; trying every type", s->disk->name,
                 s->remembered, smart_state_name(result->state));
        s->retried = true;
        if (start_probe(s, "auto", &err) == 0) {
            smart_data_free(&result);
            return;
        }
    }
    deliver(s, result);
}

static int start_probe(struct smart_sampler *s, const char *type, struct lb_err *err)
{
    struct smart_probe_opts o = {
        .device = s->disk->device,
        .type = type,
        .usb_vendor = SMART_NONE,
        .on_done = on_probe_done,
        .arg = s,
    };

    s->probe = smart_probe_start(s->loop, &o, err);
    return s->probe ? 0 : -(int)(err && err->code ? err->code : LB_EFAIL);
}

struct smart_sampler *smart_sample_disk(struct loop *loop, struct store *store, const char *cfg_dir,
                                        const struct disk_cfg *disk, smart_sample_cb cb, void *arg,
                                        struct lb_err *err)
{
    struct smart_sampler *s = xcalloc(1, sizeof(*s));
    const char *type = disk->type && *disk->type ? disk->type : "auto";

    s->loop = loop;
    s->store = store;
    s->disk = disk;
    s->cb = cb;
    s->arg = arg;
    if (disk->source) {
        s->source = disk->source[0] == '/' || !cfg_dir ? xstrdup(disk->source)
                                                       : xasprintf("%s/%s", cfg_dir, disk->source);
        s->timer = loop_add_timer(loop, 0, on_source_timer, s);
        return s;
    }
    if (!strcmp(type, "auto") && store) {
        char *t = NULL;

        if (store_get_disk_type(store, disk->name, &t, NULL) == 0 && t && *t) {
            s->remembered = t;
            type = t;
        } else {
            free(t);
        }
    }
    if (start_probe(s, type, err) < 0) {
        sampler_free(s);
        return NULL;
    }
    return s;
}

void smart_sample_cancel(struct smart_sampler *s)
{
    if (!s)
        return;
    s->cancelled = true;
    if (s->probe) {
        smart_probe_cancel(s->probe);
    } else if (s->timer) {
        loop_cancel_timer(s->loop, s->timer);
        on_source_timer(s->loop, s);
    }
}

struct sample_sync {
    bool done;
    struct smart_reading *rd;
};

static void sync_cb(struct smart_reading *rd, void *arg)
{
    struct sample_sync *ss = arg;
    struct smart_reading *copy = xcalloc(1, sizeof(*copy));

    *copy = *rd; /* take everything: the sampler frees only the shell */
    rd->data = NULL;
    memset(&rd->report, 0, sizeof(rd->report));
    vec_init(&rd->report.findings, NULL);
    ss->rd = copy;
    ss->done = true;
}

int smart_sample_disk_sync(struct loop *loop, struct store *store, const char *cfg_dir,
                           const struct disk_cfg *disk, struct smart_reading **out,
                           struct lb_err *err)
{
    struct sample_sync ss = { false, NULL };

    *out = NULL;
    if (!smart_sample_disk(loop, store, cfg_dir, disk, sync_cb, &ss, err))
        return -(int)(err && err->code ? err->code : LB_EFAIL);
    while (!ss.done)
        loop_run_once(loop, -1);
    *out = ss.rd;
    return 0;
}

int smart_history_latest(struct store *store, const char *disk, struct smart_reading **out,
                         struct lb_err *err)
{
    struct smart_sample last;
    char *doc = NULL;
    struct smart_data *d = NULL;
    struct lb_err perr = { 0 };
    int rc;

    *out = NULL;
    if (!store)
        return -LB_ENOTFOUND;
    rc = store_get_smart_last(store, disk, 0, &last, &doc, err);
    if (rc < 0)
        return rc;
    if (!doc)
        return lb_err_set(err, LB_ENOTFOUND, "no SMART document kept for disk '%s'", disk);
    if (smart_parse(doc, strlen(doc), &d, &perr) < 0) {
        free(doc);
        return lb_err_set(err, LB_EPARSE, "the SMART document kept for disk '%s' is damaged: %s",
                          disk, perr.msg);
    }
    free(doc);
    *out = reading_new(store, disk, d, last.at, last.id);
    (*out)->stored = true;
    return 0;
}

/* ---- self-test status ---- */

static json_t *path2(json_t *root, const char *a, const char *b)
{
    json_t *x = json_object_get(root, a);

    return x && b ? json_object_get(x, b) : x;
}

int smart_selftest_status_parse(const char *json, size_t len, struct smart_selftest_status *out,
                                struct lb_err *err)
{
    json_error_t jerr;
    json_t *root, *st, *x;

    memset(out, 0, sizeof(*out));
    out->state = SMART_SELFTEST_NONE;
    out->remaining_pct = SMART_NONE;
    root = json_loadb(json, len, JSON_DECODE_INT_AS_REAL, &jerr);
    if (!root || !json_is_object(root)) {
        json_decref(root);
        return lb_err_set(err, LB_EPARSE, "cannot parse smartctl output: %s", jerr.text);
    }
    st = path2(path2(root, "ata_smart_data", "self_test"), "status", NULL);
    if (json_is_object(st)) {
        json_t *v = json_object_get(st, "value");
        int value = json_is_number(v) ? (int)json_number_value(v) : -1;
        json_t *s = json_object_get(st, "string");
        json_t *passed = json_object_get(st, "passed");

        if (json_is_string(s))
            str_copy(out->text, sizeof(out->text), json_string_value(s));
        x = json_object_get(st, "remaining_percent");
        if (value >= 0xf0 && value <= 0xff) {
            /* low nibble: tenths remaining */
            out->state = SMART_SELFTEST_RUNNING;
            out->remaining_pct = json_is_number(x) ? (int)json_number_value(x) : (value & 0xf) * 10;
        } else if (value == 0 || json_is_true(passed)) {
            out->state = SMART_SELFTEST_PASSED;
        } else if (value > 0 || json_is_false(passed)) {
            out->state = SMART_SELFTEST_FAILED;
        }
    } else {
        json_t *nv = json_object_get(root, "nvme_self_test_log");
        json_t *op = path2(nv, "current_self_test_operation", "value");

        if (json_is_number(op) && json_number_value(op) != 0) {
            json_t *pct = json_object_get(nv, "current_self_test_completion_percent");

            out->state = SMART_SELFTEST_RUNNING;
            if (json_is_number(pct))
                out->remaining_pct = 100 - (int)json_number_value(pct);
            snprintf(out->text, sizeof(out->text), "in progress");
        } else if (nv) {
            json_t *tab = json_object_get(nv, "table");
            json_t *first = json_is_array(tab) ? json_array_get(tab, 0) : NULL;
            json_t *res = path2(first, "self_test_result", NULL);
            json_t *rv = json_is_object(res) ? json_object_get(res, "value") : NULL;
            json_t *rs = json_is_object(res) ? json_object_get(res, "string") : NULL;

            if (json_is_string(rs))
                str_copy(out->text, sizeof(out->text), json_string_value(rs));
            if (json_is_number(rv))
                out->state =
                    json_number_value(rv) == 0 ? SMART_SELFTEST_PASSED : SMART_SELFTEST_FAILED;
        }
    }
    str_sanitize(out->text);
    json_decref(root);
    return 0;
}
