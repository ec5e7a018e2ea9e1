/*
 * Reading a [disk] and keeping its history: source file or smartctl (the
 * remembered -d type first), the rules against the previous stored sample,
 * the sample and the document into the store. Also the self-test status
 * parser (this is a parser of smartctl output: jansson is allowed here).
 */
#include "backend/smart_history.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* A root reading by smartctl with data: share its document through the spool. */
static void reading_spool(struct smart_sampler *s, const struct smart_reading *rd)
{
    const struct smart_data *d = rd->data;
    struct lb_err err = { 0 };

    if (s->source || s->cancelled || d->state != SMART_STATE_DATA || !d->json || geteuid() != 0)
        return;
    if (smart_spool_write(rd->disk, d->json, d->json_len, &err) < 0)
        log_warn("disk '%s': %s", rd->disk, err.msg);
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
    reading_spool(s, s->rd);
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

/* ---- the shared spool ---- */

char *smart_spool_path(const char *disk)
{
    const char *dir = getenv("LIFEBOAT_SPOOL_DIR");

    if (!disk || !*disk || strchr(disk, '/') || disk[0] == '.')
        return NULL;
    return xasprintf("%s/%s.json", dir && *dir ? dir : SMART_SPOOL_DIR, disk);
}

/* mkdir -p the directory part of path; directories made here get 0755 whatever the umask. */
static int spool_mkdirs(const char *path, struct lb_err *err)
{
    char *p = xstrdup(path);
    char *slash = strrchr(p, '/');
    int rc = 0;

    if (slash)
        *slash = '\0';
    for (char *q = p + 1; slash && rc == 0; q++) {
        bool end = *q == '\0';

        if (*q != '/' && !end)
            continue;
        *q = '\0';
        if (mkdir(p, 0755) == 0)
            (void)chmod(p, 0755);
        else if (errno != EEXIST)
            rc = lb_err_set(err, LB_EIO, "cannot create the SMART spool directory '%s': %s", p,
                            strerror(errno));
        if (end)
            break;
        *q = '/';
    }
    free(p);
    return rc;
}

int smart_spool_write(const char *disk, const char *doc, size_t len, struct lb_err *err)
{
    char *path = smart_spool_path(disk);
    char *tmp;
    int fd, rc = 0;
    size_t off = 0;

    if (!path)
        return lb_err_set(err, LB_EUSAGE, "disk name '%s' cannot name a spool file", disk);
    if (spool_mkdirs(path, err) < 0) {
        free(path);
        return -LB_EIO;
    }
    tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) {
        rc = lb_err_set(err, LB_EIO, "cannot write the SMART spool file '%s': %s", tmp,
                        strerror(errno));
        goto out;
    }
    if (fchmod(fd, 0644) < 0)
        rc = lb_err_set(err, LB_EIO, "cannot make '%s' readable: %s", tmp, strerror(errno));
    while (rc == 0 && off < len) {
        ssize_t w = write(fd, doc + off, len - off);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            rc = lb_err_set(err, LB_EIO, "cannot write the SMART spool file '%s': %s", tmp,
                            w < 0 ? strerror(errno) : "short write");
        else
            off += (size_t)w;
    }
    if (rc == 0 && fsync(fd) < 0)
        rc = lb_err_set(err, LB_EIO, "cannot write the SMART spool file '%s': %s", tmp,
                        strerror(errno));
    if (close(fd) < 0 && rc == 0)
        rc = lb_err_set(err, LB_EIO, "cannot write the SMART spool file '%s': %s", tmp,
                        strerror(errno));
    if (rc == 0 && rename(tmp, path) < 0)
        rc = lb_err_set(err, LB_EIO, "cannot put the SMART spool file in place at '%s': %s", path,
                        strerror(errno));
    if (rc < 0)
        (void)unlink(tmp);
out:
    free(tmp);
    free(path);
    return rc;
}

bool smart_state_needs_root(enum smart_state st)
{
    return st == SMART_STATE_PERMISSION || st == SMART_STATE_SANDBOX ||
           st == SMART_STATE_NO_CAPABILITY;
}

/* Add a finding to an evaluated report, keeping the most severe first. */
static void report_add(struct smart_report *r, const char *metric, enum smart_level level,
                       int64_t value, char *text)
{
    struct smart_finding *f = xcalloc(1, sizeof(*f));
    size_t i;

    f->metric = xstrdup(metric);
    f->level = level;
    f->has_value = true;
    f->value = value;
    f->text = text;
    vec_push(&r->findings, f);
    for (i = r->findings.len - 1; i > 0; i--) {
        struct smart_finding *before = r->findings.items[i - 1];

        if (before->level >= level)
            break;
        r->findings.items[i - 1] = f;
        r->findings.items[i] = before;
    }
    if (level == SMART_LEVEL_WARN && r->verdict == SMART_VERDICT_OK)
        r->verdict = SMART_VERDICT_WARN;
}

bool smart_reading_from_spool(struct smart_reading *rd, struct store *store, time_t now)
{
    struct smart_data *d = NULL;
    struct lb_err err = { 0 };
    struct stat st;
    char *path;
    char when[32], age[32];
    int64_t old;

    if (!rd->data || !smart_state_needs_root(rd->data->state))
        return false;
    path = smart_spool_path(rd->disk);
    if (!path)
        return false;
    if (stat(path, &st) < 0) {
        if (errno != ENOENT)
            log_warn("disk '%s': cannot read the root job's SMART sample '%s': %s", rd->disk, path,
                     strerror(errno));
        free(path);
        return false;
    }
    if (smart_parse_file(path, &d, &err) < 0 || d->state != SMART_STATE_DATA) {
        log_warn("disk '%s': the root job's SMART sample '%s' cannot be used: %s", rd->disk, path,
                 d ? smart_state_name(d->state) : err.msg);
        smart_data_free(&d);
        free(path);
        return false;
    }
    free(path);
    rd->live_state = rd->data->state;
    str_copy(rd->live_reason, sizeof(rd->live_reason),
             rd->data->reason ? rd->data->reason : smart_state_name(rd->data->state));
    str_sanitize(rd->live_reason);
    smart_data_free(&rd->data);
    smart_report_release(&rd->report);
    rd->data = d;
    rd->at = st.st_mtime;
    rd->from_spool = true;
    rd->stored = false;
    /* growth only against a sample older than the spooled one */
    rd->have_prev = previous(store, rd->disk, 0, &rd->prev) && rd->prev.at < rd->at;
    smart_rules_eval(d, rd->have_prev ? &rd->prev.c : NULL, NULL, &rd->report);
    clock_fmt_local(rd->at, when, sizeof(when));
    old = (int64_t)(now - rd->at);
    report_add(&rd->report, "root_sample", SMART_LEVEL_OK, old,
               xasprintf("read from the root job's sample at %s (smartctl needs root here)", when));
    if (old > SMART_SPOOL_STALE_S) {
        str_fmt_age(old, age, sizeof(age));
        report_add(&rd->report, "root_sample_age", SMART_LEVEL_WARN, old,
                   xasprintf("the root job's sample is stale: %s old (older than 48 h); is the "
                             "timer job (lifeboat run with this disk) still running?",
                             age));
    }
    return true;
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
