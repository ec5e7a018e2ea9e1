/*
 * smartctl --json reader: the document in, struct smart_data out. Failure
 * documents (no device, open refused, unknown USB bridge ...) are classified
 * into a state with smartctl's own reason; see reference smart.md §1.10, §2.6.
 */
#include "backend/smart.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/base/buf.h"
#include "backend/base/str.h"
#include "backend/base/xalloc.h"

#define SMART_FILE_MAX (16u << 20)

static const struct {
    const char *json;
    char cls;
} state_info[] = {
#define X(name, json, cls) { json, cls },
    SMART_STATES(X)
#undef X
};

const char *smart_state_name(enum smart_state state)
{
    if ((size_t)state >= sizeof(state_info) / sizeof(state_info[0]))
        return "bad_output";
    return state_info[state].json;
}

char smart_state_class(enum smart_state state)
{
    if ((size_t)state >= sizeof(state_info) / sizeof(state_info[0]))
        return 'E';
    return state_info[state].cls;
}

const char *smart_protocol_name(enum smart_protocol p)
{
    switch (p) {
    case SMART_PROTO_ATA:
        return "ATA";
    case SMART_PROTO_NVME:
        return "NVMe";
    case SMART_PROTO_SCSI:
        return "SCSI";
    case SMART_PROTO_UNKNOWN:
        break;
    }
    return NULL;
}

char *smart_exit_describe(int exit_status)
{
    static const char *const bits[8] = {
        "command line or device type not accepted",
        "device open or identify failed, or the disk is in standby",
        "some SMART command failed (data may be partial)",
        "SMART status says DISK FAILING",
        "a pre-fail attribute is at or below its threshold now",
        "an attribute was at or below its threshold in the past",
        "the device error log has entries",
        "the self-test log has errors",
    };
    struct buf b = BUF_INIT(0);

    if (exit_status < 0)
        return xstrdup("unknown");
    for (int i = 0; i < 8; i++)
        if (exit_status & (1 << i))
            buf_printf(&b, "%sbit %d: %s", b.len ? "; " : "", i, bits[i]);
    if (exit_status > 255)
        buf_printf(&b, "%sunknown bits 0x%x", b.len ? "; " : "", (unsigned)exit_status & ~0xffu);
    if (!b.len)
        buf_puts(&b, "none");
    return buf_detach(&b);
}

/* ---- record lifecycle ---- */

static void attr_free(void *p)
{
    struct smart_attr *a = p;

    free(a->name);
    free(a->raw_str);
    free(a);
}

static void devstat_free(void *p)
{
    struct smart_devstat *s = p;

    free(s->name);
    free(s);
}

static void selftest_free(void *p)
{
    struct smart_selftest *t = p;

    free(t->type);
    free(t->status);
    free(t);
}

static void attempt_free(void *p)
{
    struct smart_attempt *a = p;

    free(a->type);
    free(a->reason);
    free(a);
}

static struct smart_data *data_new(void)
{
    struct smart_data *d = xcalloc(1, sizeof(*d));
    int64_t *nv[] = {
        &d->nvme.critical_warning,   &d->nvme.temperature,        &d->nvme.available_spare,
        &d->nvme.available_spare_threshold, &d->nvme.percentage_used, &d->nvme.data_units_read,
        &d->nvme.data_units_written, &d->nvme.power_cycles,       &d->nvme.power_on_hours,
        &d->nvme.unsafe_shutdowns,   &d->nvme.media_errors,       &d->nvme.num_err_log_entries,
        &d->nvme.warning_temp_time,  &d->nvme.critical_comp_time, &d->nvme.wctemp,
        &d->nvme.cctemp,
    };

    for (size_t i = 0; i < sizeof(nv) / sizeof(nv[0]); i++)
        *nv[i] = SMART_NONE;
    d->state = SMART_STATE_DATA;
    d->exit_status = SMART_NONE;
    d->smartctl_major = d->smartctl_minor = SMART_NONE;
    d->local_time = SMART_NONE;
    d->capacity_bytes = d->rotation_rate = SMART_NONE;
    d->smart_available = d->smart_enabled = d->passed = SMART_NONE;
    d->temperature = d->temp_op_limit_max = d->temp_limit_max = SMART_NONE;
    d->power_on_hours = d->power_cycles = d->error_log_count = SMART_NONE;
    d->selftest_errors = d->selftest_outdated = SMART_NONE;
    vec_init(&d->attrs, attr_free);
    vec_init(&d->devstats, devstat_free);
    vec_init(&d->selftests, selftest_free);
    vec_init(&d->attempts, attempt_free);
    return d;
}

struct smart_data *smart_data_new_state(enum smart_state state, const char *reason)
{
    struct smart_data *d = data_new();

    d->state = state;
    d->reason = xstrdup(reason);
    if (d->reason)
        str_sanitize(d->reason);
    return d;
}

void smart_data_free(struct smart_data **dp)
{
    struct smart_data *d = dp ? *dp : NULL;

    if (!d)
        return;
    free(d->reason);
    free(d->device);
    free(d->info_name);
    free(d->device_type);
    free(d->model);
    free(d->model_family);
    free(d->serial);
    free(d->firmware);
    free(d->chosen_type);
    free(d->json);
    vec_release(&d->attrs);
    vec_release(&d->devstats);
    vec_release(&d->selftests);
    vec_release(&d->attempts);
    free(d);
    *dp = NULL;
}

const struct smart_attr *smart_attr_by_id(const struct smart_data *d, int id)
{
    size_t i;
    struct smart_attr *a;

    vec_foreach(&d->attrs, i, a)
    {
        if (a->id == id)
            return a;
    }
    return NULL;
}

const struct smart_attr *smart_attr_by_name(const struct smart_data *d, const char *name)
{
    size_t i;
    struct smart_attr *a;

    vec_foreach(&d->attrs, i, a)
    {
        if (a->name && !strcmp(a->name, name))
            return a;
    }
    return NULL;
}

const struct smart_devstat *smart_devstat_get(const struct smart_data *d, int page, int offset)
{
    size_t i;
    struct smart_devstat *s;

    vec_foreach(&d->devstats, i, s)
    {
        if (s->page == page && s->offset == offset)
            return s;
    }
    return NULL;
}

/* ---- jansson helpers: every key may be missing or of the wrong type ---- */

static json_t *jobj(json_t *o, const char *key)
{
    json_t *v = json_is_object(o) ? json_object_get(o, key) : NULL;

    return json_is_object(v) ? v : NULL;
}

static json_t *jarr(json_t *o, const char *key)
{
    json_t *v = json_is_object(o) ? json_object_get(o, key) : NULL;

    return json_is_array(v) ? v : NULL;
}

static const char *jstr(json_t *o, const char *key)
{
    json_t *v = json_is_object(o) ? json_object_get(o, key) : NULL;

    return json_is_string(v) ? json_string_value(v) : NULL;
}

static char *jdup(json_t *o, const char *key)
{
    char *s = xstrdup(jstr(o, key));

    if (s)
        str_sanitize(s);
    return s;
}

/* A decimal string (smartctl's KEY_s companions), saturated at INT64_MAX. */
static bool dec_to_i64(const char *s, int64_t *out)
{
    unsigned long long v;
    char *end;

    if (!s || *s < '0' || *s > '9')
        return false;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (*end)
        return false;
    *out = (errno == ERANGE || v > (unsigned long long)INT64_MAX) ? INT64_MAX : (int64_t)v;
    return true;
}

/*
 * A number as int64: integers as they are; reals (the JSON_DECODE_INT_AS_REAL
 * retry) via the exact KEY_s companion when smartctl wrote one, else rounded
 * and saturated. Returns false when absent or not a number.
 */
static bool jnum(json_t *o, const char *key, int64_t *out)
{
    json_t *v = json_is_object(o) ? json_object_get(o, key) : NULL;
    double r;
    char skey[96];

    if (json_is_integer(v)) {
        *out = json_integer_value(v);
        return true;
    }
    if (!json_is_real(v))
        return false;
    snprintf(skey, sizeof(skey), "%s_s", key);
    if (dec_to_i64(jstr(o, skey), out))
        return true;
    r = json_real_value(v);
    if (isnan(r))
        return false;
    if (r >= 9223372036854775807.0)
        *out = INT64_MAX;
    else if (r <= -9223372036854775807.0)
        *out = INT64_MIN;
    else
        *out = (int64_t)llround(r);
    return true;
}

static int64_t jnum_or(json_t *o, const char *key, int64_t dflt)
{
    int64_t v;

    return jnum(o, key, &v) ? v : dflt;
}

static int jint_or(json_t *o, const char *key, int dflt)
{
    int64_t v;

    if (!jnum(o, key, &v) || v < INT_MIN || v > INT_MAX)
        return dflt;
    return (int)v;
}

static int jbool(json_t *o, const char *key)
{
    json_t *v = json_is_object(o) ? json_object_get(o, key) : NULL;

    return json_is_boolean(v) ? json_is_true(v) : SMART_NONE;
}

/* ---- sections ---- */

static void parse_attrs(struct smart_data *d, json_t *root)
{
    json_t *table = jarr(jobj(root, "ata_smart_attributes"), "table");
    size_t i;
    json_t *row;

    json_array_foreach(table, i, row)
    {
        struct smart_attr *a;
        json_t *raw = jobj(row, "raw");
        const char *wf = jstr(row, "when_failed");
        int64_t id;

        if (!jnum(row, "id", &id) || id < 1 || id > 255)
            continue;
        a = xcalloc(1, sizeof(*a));
        a->id = (int)id;
        a->name = jdup(row, "name");
        a->value = jint_or(row, "value", SMART_NONE);
        a->worst = jint_or(row, "worst", SMART_NONE);
        a->thresh = jint_or(row, "thresh", SMART_NONE);
        a->raw_str = jdup(raw, "string");
        /* a plain decimal raw.string is exact even when raw.value came back as a real */
        if (!dec_to_i64(a->raw_str, &a->raw))
            a->raw = jnum_or(raw, "value", SMART_NONE);
        if (wf && (!strcmp(wf, "now") || !strcmp(wf, "FAILING_NOW")))
            a->when_failed = SMART_WF_NOW;
        else if (wf && (!strcmp(wf, "past") || !strcmp(wf, "In_the_past")))
            a->when_failed = SMART_WF_PAST;
        a->prefailure = jbool(jobj(row, "flags"), "prefailure") == 1;
        vec_push(&d->attrs, a);
    }
}

static void parse_devstats(struct smart_data *d, json_t *root)
{
    json_t *pages = jarr(jobj(root, "ata_device_statistics"), "pages");
    size_t i, k;
    json_t *page, *row;

    json_array_foreach(pages, i, page)
    {
        int num = jint_or(page, "number", SMART_NONE);

        json_array_foreach(jarr(page, "table"), k, row)
        {
            struct smart_devstat *s;
            int64_t value;
            int valid = jbool(jobj(row, "flags"), "valid");

            if (!jnum(row, "value", &value))
                continue;
            s = xcalloc(1, sizeof(*s));
            s->page = num;
            s->offset = jint_or(row, "offset", SMART_NONE);
            s->name = jdup(row, "name");
            s->value = value;
            s->valid = valid != 0; /* absent flag: trust the value */
            vec_push(&d->devstats, s);
        }
    }
}

static void parse_selftests(struct smart_data *d, json_t *root)
{
    json_t *log = jobj(root, "ata_smart_self_test_log");
    json_t *part = jobj(log, "extended") ? jobj(log, "extended") : jobj(log, "standard");
    json_t *nvme = jobj(root, "nvme_self_test_log");
    size_t i;
    json_t *row;

    if (part) {
        d->selftest_errors = jnum_or(part, "error_count_total", SMART_NONE);
        d->selftest_outdated = jnum_or(part, "error_count_outdated", SMART_NONE);
        json_array_foreach(jarr(part, "table"), i, row)
        {
            struct smart_selftest *t = xcalloc(1, sizeof(*t));
            json_t *status = jobj(row, "status");

            t->type = jdup(jobj(row, "type"), "string");
            t->status = jdup(status, "string");
            t->passed = jbool(status, "passed");
            t->hours = jnum_or(row, "lifetime_hours", SMART_NONE);
            t->lba = jnum_or(row, "lba", SMART_NONE);
            vec_push(&d->selftests, t);
        }
    } else if (nvme) {
        /* smartctl 7.4+: result 0 = no error, 5-7 = failures, others = aborted */
        json_array_foreach(jarr(nvme, "table"), i, row)
        {
            struct smart_selftest *t = xcalloc(1, sizeof(*t));
            json_t *res = jobj(row, "self_test_result");
            int64_t rv = jnum_or(res, "value", SMART_NONE);

            t->type = jdup(jobj(row, "self_test_code"), "string");
            t->status = jdup(res, "string");
            t->passed = rv == 0 ? 1 : (rv >= 5 && rv <= 7) ? 0 : SMART_NONE;
            t->hours = jnum_or(row, "power_on_hours", SMART_NONE);
            t->lba = jnum_or(row, "lba", SMART_NONE);
            vec_push(&d->selftests, t);
        }
    }
}

/* "Warning  Comp. Temp. Threshold:     70 Celsius" (7.3 plain text, --json=o) */
static int64_t text_threshold(const char *line, const char *label)
{
    const char *p = strstr(line, label);
    int64_t v = 0;
    bool any = false;

    if (!p)
        return SMART_NONE;
    p = strchr(p, ':');
    if (!p)
        return SMART_NONE;
    for (p++; *p == ' ' || *p == '\t'; p++)
        ;
    for (; *p >= '0' && *p <= '9' && v < 100000; p++) {
        v = v * 10 + (*p - '0');
        any = true;
    }
    return any ? v : SMART_NONE;
}

static void parse_nvme(struct smart_data *d, json_t *root)
{
    json_t *log = jobj(root, "nvme_smart_health_information_log");
    json_t *thr = jobj(root, "nvme_composite_temperature_threshold");
    struct smart_nvme *n = &d->nvme;

    if (log) {
        n->present = true;
        n->critical_warning = jnum_or(log, "critical_warning", SMART_NONE);
        n->temperature = jnum_or(log, "temperature", SMART_NONE);
        n->available_spare = jnum_or(log, "available_spare", SMART_NONE);
        n->available_spare_threshold = jnum_or(log, "available_spare_threshold", SMART_NONE);
        n->percentage_used = jnum_or(log, "percentage_used", SMART_NONE);
        n->data_units_read = jnum_or(log, "data_units_read", SMART_NONE);
        n->data_units_written = jnum_or(log, "data_units_written", SMART_NONE);
        n->power_cycles = jnum_or(log, "power_cycles", SMART_NONE);
        n->power_on_hours = jnum_or(log, "power_on_hours", SMART_NONE);
        n->unsafe_shutdowns = jnum_or(log, "unsafe_shutdowns", SMART_NONE);
        n->media_errors = jnum_or(log, "media_errors", SMART_NONE);
        n->num_err_log_entries = jnum_or(log, "num_err_log_entries", SMART_NONE);
        n->warning_temp_time = jnum_or(log, "warning_temp_time", SMART_NONE);
        n->critical_comp_time = jnum_or(log, "critical_comp_time", SMART_NONE);
    }
    n->wctemp = jnum_or(thr, "warning", SMART_NONE);
    n->cctemp = jnum_or(thr, "critical", SMART_NONE);
}

static void scan_output(struct smart_data *d, json_t *output)
{
    size_t i;
    json_t *line;

    json_array_foreach(output, i, line)
    {
        const char *s = json_string_value(line);

        if (!s)
            continue;
        if (d->nvme.wctemp == SMART_NONE)
            d->nvme.wctemp = text_threshold(s, "Warning  Comp. Temp. Threshold");
        if (d->nvme.cctemp == SMART_NONE)
            d->nvme.cctemp = text_threshold(s, "Critical Comp. Temp. Threshold");
        if (strstr(s, "based on an Attribute check"))
            d->attribute_check = true;
    }
}

/* ---- failure classification (reference §1.10 table, §2.6) ---- */

static void set_reason(struct smart_data *d, const char *s)
{
    if (d->reason || !s)
        return;
    d->reason = xstrdup(s);
    str_sanitize(d->reason);
}

/* First error message, else first warning, else NULL. */
static const char *first_message(json_t *msgs, const char *severity)
{
    size_t i;
    json_t *m;

    json_array_foreach(msgs, i, m)
    {
        const char *sev = jstr(m, "severity");

        if (sev && !strcmp(sev, severity) && jstr(m, "string"))
            return jstr(m, "string");
    }
    return NULL;
}

/* The plain-text line that explains an identify failure (only with --json=o). */
static const char *output_reason(json_t *output)
{
    static const char *const keys[] = { "failed:", "failed [", "Unknown USB bridge",
                                        "Unable to detect", "No such device" };
    size_t i;
    json_t *line;

    json_array_foreach(output, i, line)
    {
        const char *s = json_string_value(line);

        for (size_t k = 0; s && k < sizeof(keys) / sizeof(keys[0]); k++)
            if (strstr(s, keys[k]))
                return s;
    }
    return NULL;
}

static bool has(const char *s, const char *needle)
{
    return s && strstr(s, needle);
}

static void classify(struct smart_data *d, json_t *smartctl)
{
    json_t *msgs = jarr(smartctl, "messages");
    json_t *output = jarr(smartctl, "output");
    const char *err = first_message(msgs, "error");
    const char *text = output_reason(output);
    const char *why = err ? err : text;
    int ex = d->exit_status < 0 ? 0 : d->exit_status;
    size_t i;
    json_t *m;

    json_array_foreach(msgs, i, m)
    {
        if (has(jstr(m, "string"), "based on an Attribute check"))
            d->attribute_check = true;
    }
    if (ex & SMART_EXIT_CMDLINE) {
        set_reason(d, why);
        if (has(why, "USB bridge"))
            d->state = SMART_STATE_UNKNOWN_BRIDGE;
        else if (has(why, "Unable to detect device type"))
            d->state = SMART_STATE_NO_DEVICE_TYPE;
        else
            d->state = SMART_STATE_BAD_ARGS;
        return;
    }
    if (ex & SMART_EXIT_OPEN) {
        json_array_foreach(msgs, i, m)
        {
            const char *sev = jstr(m, "severity");

            if (sev && !strcmp(sev, "information") && str_starts_with(jstr(m, "string") ?
                                                                      jstr(m, "string") : "",
                                                                      "Device is in")) {
                d->state = SMART_STATE_STANDBY;
                set_reason(d, jstr(m, "string"));
                return;
            }
        }
        set_reason(d, why);
        if (has(why, "open device") && has(why, "Permission denied"))
            d->state = SMART_STATE_PERMISSION;
        else if (has(why, "open device") && has(why, "Operation not permitted"))
            d->state = SMART_STATE_SANDBOX;
        else if (has(why, "Permission denied") || has(why, "Operation not permitted"))
            d->state = SMART_STATE_NO_CAPABILITY; /* opened, but the pass-through ioctl refused */
        else if (has(why, "No such device") || has(why, "No such file"))
            d->state = SMART_STATE_NO_DEVICE;
        else if (has(why, "Identity failed") || has(why, "Identify Controller failed") ||
                 has(why, "Inquiry") || has(why, "Invalid argument") || (!why && d->device))
            d->state = SMART_STATE_NO_PASSTHROUGH;
        else
            d->state = SMART_STATE_OPEN_FAILED;
        return;
    }
    if (d->smart_available == 0) {
        d->state = SMART_STATE_NO_SMART;
        set_reason(d, why ? why : "SMART support is not available on this device");
        return;
    }
    if (!d->model && !d->attrs.len && !d->nvme.present && d->passed == SMART_NONE) {
        d->state = SMART_STATE_NO_SMART;
        set_reason(d, why ? why : "smartctl returned no identity and no health data");
    }
}

static enum smart_protocol protocol_of(const char *s)
{
    if (!s)
        return SMART_PROTO_UNKNOWN;
    if (!strcmp(s, "ATA"))
        return SMART_PROTO_ATA;
    if (!strcmp(s, "NVMe"))
        return SMART_PROTO_NVME;
    if (!strcmp(s, "SCSI"))
        return SMART_PROTO_SCSI;
    return SMART_PROTO_UNKNOWN;
}

static int parse_doc(json_t *root, struct smart_data *d, struct lb_err *err)
{
    json_t *ver = jarr(root, "json_format_version");
    json_t *smartctl = jobj(root, "smartctl");
    json_t *sver = jarr(smartctl, "version");
    json_t *dev = jobj(root, "device");
    json_t *temp = jobj(root, "temperature");
    json_t *elog = jobj(root, "ata_smart_error_log");
    json_t *status = jobj(root, "smart_status");
    json_t *major = json_array_get(ver, 0);

    if (!json_is_object(root))
        return lb_err_set(err, LB_EPARSE, "smartctl output is not a JSON object");
    if (!json_is_number(major))
        return lb_err_set(err, LB_EPARSE,
                          "smartctl output has no json_format_version: is it smartctl --json?");
    if (json_number_value(major) != 1.0)
        return lb_err_set(err, LB_EPARSE,
                          "unsupported smartctl JSON format version %g (lifeboat reads 1.x)",
                          json_number_value(major));
    if (!smartctl)
        return lb_err_set(err, LB_EPARSE, "smartctl output lacks the 'smartctl' object");

    d->exit_status = jint_or(smartctl, "exit_status", SMART_NONE);
    if (json_is_number(json_array_get(sver, 0)))
        d->smartctl_major = (int)json_number_value(json_array_get(sver, 0));
    if (json_is_number(json_array_get(sver, 1)))
        d->smartctl_minor = (int)json_number_value(json_array_get(sver, 1));
    d->local_time = jnum_or(jobj(root, "local_time"), "time_t", SMART_NONE);

    d->device = jdup(dev, "name");
    d->info_name = jdup(dev, "info_name");
    d->device_type = jdup(dev, "type");
    d->protocol = protocol_of(jstr(dev, "protocol"));
    d->model = jdup(root, "model_name");
    if (!d->model)
        d->model = jdup(root, "scsi_model_name");
    d->model_family = jdup(root, "model_family");
    d->serial = jdup(root, "serial_number");
    d->firmware = jdup(root, "firmware_version");
    d->capacity_bytes = jnum_or(jobj(root, "user_capacity"), "bytes", SMART_NONE);
    if (d->capacity_bytes == SMART_NONE)
        d->capacity_bytes = jnum_or(root, "nvme_total_capacity", SMART_NONE);
    d->rotation_rate = jnum_or(root, "rotation_rate", SMART_NONE);

    d->smart_available = jbool(jobj(root, "smart_support"), "available");
    d->smart_enabled = jbool(jobj(root, "smart_support"), "enabled");
    d->passed = jbool(status, "passed");

    parse_attrs(d, root);
    parse_devstats(d, root);
    parse_nvme(d, root);
    parse_selftests(d, root);

    d->temperature = jnum_or(temp, "current", SMART_NONE);
    if (d->temperature == SMART_NONE)
        d->temperature = d->nvme.temperature;
    d->temp_op_limit_max = jnum_or(temp, "op_limit_max", SMART_NONE);
    d->temp_limit_max = jnum_or(temp, "limit_max", SMART_NONE);
    d->power_on_hours = jnum_or(jobj(root, "power_on_time"), "hours", SMART_NONE);
    if (d->power_on_hours == SMART_NONE)
        d->power_on_hours = d->nvme.power_on_hours;
    d->power_cycles = jnum_or(root, "power_cycle_count", SMART_NONE);
    if (d->power_cycles == SMART_NONE)
        d->power_cycles = d->nvme.power_cycles;
    d->error_log_count = jnum_or(jobj(elog, "extended"), "count", SMART_NONE);
    if (d->error_log_count == SMART_NONE)
        d->error_log_count = jnum_or(jobj(elog, "summary"), "count", SMART_NONE);

    scan_output(d, jarr(smartctl, "output"));
    classify(d, smartctl);
    return 0;
}

int smart_parse(const char *json, size_t len, struct smart_data **out, struct lb_err *err)
{
    json_error_t jerr;
    json_t *root;
    struct smart_data *d;
    bool big = false;
    int rc;

    *out = NULL;
    root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root && json_error_code(&jerr) == json_error_numeric_overflow) {
        /* smartctl prints bogus 64-bit counters (all-0xFF bridge data) as plain numbers */
        root = json_loadb(json, len, JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL, &jerr);
        big = true;
    }
    if (!root)
        return lb_err_set(err, LB_EPARSE, "cannot parse smartctl output: %s (line %d, column %d)",
                          jerr.text, jerr.line, jerr.column);
    d = data_new();
    d->big_ints = big;
    rc = parse_doc(root, d, err);
    json_decref(root);
    if (rc < 0) {
        smart_data_free(&d);
        return rc;
    }
    d->json = xmalloc(len + 1);
    memcpy(d->json, json, len);
    d->json[len] = '\0';
    d->json_len = len;
    *out = d;
    return 0;
}

int smart_parse_file(const char *path, struct smart_data **out, struct lb_err *err)
{
    struct buf b = BUF_INIT(SMART_FILE_MAX + 1);
    char chunk[65536];
    FILE *f = fopen(path, "rb");
    size_t n;
    int rc;

    *out = NULL;
    if (!f)
        return lb_err_set(err, errno == ENOENT ? LB_ENOTFOUND : LB_EIO, "cannot read '%s': %s",
                          path, strerror(errno));
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0 && !b.truncated)
        buf_append(&b, chunk, n);
    if (ferror(f)) {
        rc = lb_err_set(err, LB_EIO, "cannot read '%s': %s", path, strerror(errno));
        goto out;
    }
    if (b.truncated || b.len > SMART_FILE_MAX) {
        rc = lb_err_set(err, LB_ETOOBIG, "'%s' is larger than %u MiB: not a smartctl output",
                        path, SMART_FILE_MAX >> 20);
        goto out;
    }
    rc = smart_parse(b.data ? b.data : "", b.len, out, err);
    if (rc < 0)
        lb_err_prefix(err, "'%s'", path);
out:
    fclose(f);
    buf_release(&b);
    return rc;
}

/* ---- hints ---- */

/* "[0x048d:0x1234 (0x200)]" from an Unknown USB bridge message, or NULL. */
static char *usb_id(const char *reason)
{
    const char *p = reason ? strstr(reason, "[0x") : NULL;
    const char *e = p ? strchr(p, ']') : NULL;

    return e ? xstrndup(p + 1, (size_t)(e - p - 1)) : NULL;
}

char *smart_hint(const struct smart_data *d, const char *disk)
{
    char sect[160];
    char *id = NULL;
    char *h = NULL;

    snprintf(sect, sizeof(sect), "[disk %s]", disk ? disk : "NAME");
    switch (d->state) {
    case SMART_STATE_DATA:
        break;
    case SMART_STATE_STANDBY:
        h = xstrdup("the disk is asleep (standby) and was not woken: the last sample stays "
                    "valid; it is read again when the disk is awake");
        break;
    case SMART_STATE_NO_SMART:
        h = xasprintf("SMART not available through this USB bridge or device: set type = sat "
                      "(or sat,12, sntjmicron, sntasmedia, sntrealtek) in %s, or use an "
                      "enclosure whose bridge passes SMART through",
                      sect);
        break;
    case SMART_STATE_UNKNOWN_BRIDGE:
        id = usb_id(d->reason);
        h = xasprintf("SMART not available through this USB bridge%s%s%s: set type = sat (or "
                      "sat,12, sntjmicron, sntasmedia, sntrealtek) in %s; with type = auto "
                      "lifeboat tries them in turn; 'update-smart-drivedb' may teach smartctl "
                      "this bridge",
                      id ? " (USB id " : "", id ? id : "", id ? ")" : "", sect);
        break;
    case SMART_STATE_NO_PASSTHROUGH:
        h = xasprintf("SMART not available through this USB bridge with type '%s': the bridge "
                      "does not pass ATA/NVMe commands; try another type = (sat, sat,12, "
                      "sntjmicron, sntasmedia, sntrealtek) in %s; a bridge bound to the 'uas' "
                      "driver may need the usb-storage quirk (reference: smartmontools wiki "
                      "SAT-with-UAS-Linux)",
                      d->device_type ? d->device_type : (d->chosen_type ? d->chosen_type : "auto"),
                      sect);
        break;
    case SMART_STATE_NO_DEVICE_TYPE:
        h = xasprintf("smartctl cannot tell what kind of device this is: set type = sat, nvme "
                      "or a USB bridge type in %s; virtual disks (virtio, loop) have no SMART",
                      sect);
        break;
    case SMART_STATE_PERMISSION:
        h = xstrdup("permission denied: smartctl needs root; the root timer job (lifeboat run) "
                    "records samples the console can read, or run 'sudo lifeboat smart'");
        break;
    case SMART_STATE_SANDBOX:
        h = xstrdup("opening the device is not permitted (container, sandbox or security "
                    "module): run lifeboat on the host, or pass the device into the container "
                    "with the SYS_RAWIO capability");
        break;
    case SMART_STATE_NO_CAPABILITY:
        h = xstrdup("the device opened but SMART commands were refused: smartctl needs root "
                    "(CAP_SYS_RAWIO for SATA, CAP_SYS_ADMIN for NVMe); the root timer job "
                    "records samples the console can read");
        break;
    case SMART_STATE_NO_DEVICE:
        h = xasprintf("the device is not there: is the disk plugged in? check device = in %s "
                      "(a /dev/disk/by-id/ path survives re-plugging)",
                      sect);
        break;
    case SMART_STATE_BAD_ARGS:
        h = xasprintf("smartctl refused the command line: check type = in %s against "
                      "'smartctl -h' (Debian 12 ships smartctl 7.3)",
                      sect);
        break;
    case SMART_STATE_OPEN_FAILED:
        h = xasprintf("smartctl could not open the device: check device = in %s", sect);
        break;
    case SMART_STATE_NOT_INSTALLED:
        h = xstrdup("smartctl is not installed: apt install smartmontools (or set "
                    "LIFEBOAT_SMARTCTL to its path)");
        break;
    case SMART_STATE_TIMEOUT:
        h = xstrdup("smartctl did not finish in time: a hung USB bridge can cause this; "
                    "re-plug the disk and try again");
        break;
    case SMART_STATE_BAD_OUTPUT:
        h = xstrdup("smartctl's output could not be read: run smartctl --json -a on the device "
                    "by hand and report the output");
        break;
    }
    free(id);
    return h;
}
