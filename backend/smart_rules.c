/*
 * SMART health rules (reference smart.md §3.6). Pure: no I/O, no clock.
 * Sources of the thresholds: B = Backblaze drive stats, S = Scrutiny, SD =
 * smartd/smartctl docs, NV = NVMe spec, L = lifeboat's choice (in limits).
 */
#include "backend/smart_rules.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/base/xalloc.h"

void smart_limits_default(struct smart_limits *lim)
{
    *lim = (struct smart_limits){
        .life_warn = 80,
        .life_crit = 95,
        .spare_margin = 10,
        .realloc_crit = 17,
        .cmd_timeout_crit = 101,
        .hdd_temp_warn = 50,
        .hdd_temp_crit = 60,
        .ssd_temp_warn = 60,
        .ssd_temp_crit = 70,
        .nvme_temp_warn = 70,
        .nvme_temp_crit = 80,
        .limit_margin = 10,
    };
}

const char *smart_level_name(enum smart_level level)
{
    switch (level) {
    case SMART_LEVEL_OK:
        return "ok";
    case SMART_LEVEL_WARN:
        return "warn";
    case SMART_LEVEL_CRIT:
        return "crit";
    }
    return "crit";
}

const char *smart_verdict_name(enum smart_verdict verdict)
{
    switch (verdict) {
    case SMART_VERDICT_OK:
        return "ok";
    case SMART_VERDICT_WARN:
        return "warn";
    case SMART_VERDICT_CRIT:
        return "crit";
    case SMART_VERDICT_ERROR:
        return "error";
    case SMART_VERDICT_STANDBY:
        return "standby";
    case SMART_VERDICT_UNAVAILABLE:
        return "unavailable";
    }
    return "error";
}

int smart_verdict_exit(enum smart_verdict verdict)
{
    switch (verdict) {
    case SMART_VERDICT_OK:
    case SMART_VERDICT_STANDBY:
        return 0;
    case SMART_VERDICT_WARN:
    case SMART_VERDICT_UNAVAILABLE:
        return 1;
    case SMART_VERDICT_CRIT:
    case SMART_VERDICT_ERROR:
        break;
    }
    return 2;
}

static void finding_free(void *p)
{
    struct smart_finding *f = p;

    free(f->metric);
    free(f->text);
    free(f);
}

void smart_report_release(struct smart_report *r)
{
    vec_release(&r->findings);
}

__attribute__((format(printf, 6, 7))) static void add(struct smart_report *r, const char *metric,
                                                       enum smart_level level, bool has_value,
                                                       int64_t value, const char *fmt, ...)
{
    struct smart_finding *f = xcalloc(1, sizeof(*f));
    va_list ap;

    f->metric = xstrdup(metric);
    f->level = level;
    f->has_value = has_value;
    f->value = value;
    va_start(ap, fmt);
    f->text = xvasprintf(fmt, ap);
    va_end(ap);
    vec_push(&r->findings, f);
}

/* ---- counters ---- */

/* Integers in a raw string: "33 (0 19 0 0 0)" -> 33 0 19 0 0 0. Returns the count. */
static size_t raw_numbers(const char *s, int64_t *out, size_t max)
{
    size_t n = 0;

    while (s && *s && n < max) {
        int64_t v = 0;

        if (*s < '0' || *s > '9') {
            s++;
            continue;
        }
        for (; *s >= '0' && *s <= '9'; s++)
            v = v > (INT64_MAX - 9) / 10 ? INT64_MAX : v * 10 + (*s - '0');
        out[n++] = v;
    }
    return n;
}

/* The counter an attribute's raw value stands for (first number of a composite raw). */
static int64_t attr_count(const struct smart_attr *a)
{
    int64_t nums[8];

    if (!a)
        return SMART_NONE;
    if (a->raw_str && raw_numbers(a->raw_str, nums, 8) > 1)
        return nums[0];
    return a->raw;
}

static const struct smart_attr *attr_named(const struct smart_data *d, int id, const char *part)
{
    const struct smart_attr *a = smart_attr_by_id(d, id);

    if (a && part && a->name && !strstr(a->name, part))
        return NULL; /* same id, another vendor's meaning */
    return a;
}

/* 188: Seagate packs three 16-bit counters; the last is the timeout count (Scrutiny). */
static int64_t cmd_timeout(const struct smart_data *d)
{
    const struct smart_attr *a = attr_named(d, 188, "Timeout");
    int64_t nums[8];

    if (!a)
        return SMART_NONE;
    if (a->raw_str && raw_numbers(a->raw_str, nums, 8) == 3)
        return nums[2];
    return a->raw;
}

static bool temp_sane(int64_t t)
{
    return t > 0 && t <= 100;
}

struct wear {
    int64_t used;
    char source[120];
};

/* PBS's wear-attribute priority (reference §3.3); "remaining" percentages unless marked used. */
static const struct {
    const char *name;
    bool used;
} wear_names[] = {
    { "Media_Wearout_Indicator", false }, { "SSD_Life_Left", false },
    { "Wear_Leveling_Count", false },     { "Perc_Write/Erase_Ct_BC", false },
    { "Perc_Rated_Life_Remain", false },  { "Remaining_Lifetime_Perc", false },
    { "Percent_Lifetime_Remain", false }, { "Lifetime_Left", false },
    { "PCT_Life_Remaining", false },      { "Lifetime_Remaining", false },
    { "Percent_Life_Remaining", false },  { "Percent_Lifetime_Used", true },
    { "Perc_Rated_Life_Used", true },
};

static void life_used(const struct smart_data *d, struct wear *w)
{
    const struct smart_devstat *s = smart_devstat_get(d, 7, 8);

    w->used = SMART_NONE;
    w->source[0] = '\0';
    if (s && s->valid && s->value >= 0 && s->value <= 255) {
        w->used = s->value;
        snprintf(w->source, sizeof(w->source), "device statistics \"Percentage Used Endurance "
                                               "Indicator\"");
        return;
    }
    for (size_t i = 0; i < sizeof(wear_names) / sizeof(wear_names[0]); i++) {
        const struct smart_attr *a = smart_attr_by_name(d, wear_names[i].name);

        if (!a)
            continue;
        if (wear_names[i].used && a->raw >= 0 && a->raw <= 255) {
            w->used = a->raw;
            snprintf(w->source, sizeof(w->source), "attribute %d %s raw %lld", a->id, a->name,
                     (long long)a->raw);
            return;
        }
        if (!wear_names[i].used && a->value >= 0 && a->value <= 100) {
            w->used = 100 - a->value;
            snprintf(w->source, sizeof(w->source), "attribute %d %s normalized %d (%% remaining)",
                     a->id, a->name, a->value);
            return;
        }
    }
    /* 255 together with a 255 spare is an all-0xFF bridge answer, not wear */
    if (d->nvme.present && d->nvme.percentage_used >= 0 &&
        !(d->nvme.percentage_used == 255 && d->nvme.available_spare == 255)) {
        w->used = d->nvme.percentage_used;
        snprintf(w->source, sizeof(w->source), "NVMe percentage_used");
    }
}

void smart_counters_none(struct smart_counters *c)
{
    int64_t *f[] = {
        &c->reallocated,    &c->pending,       &c->offline_unc,      &c->reported_unc,
        &c->cmd_timeout,    &c->realloc_events, &c->spin_retry,      &c->crc_errors,
        &c->error_log,      &c->selftest_errors, &c->media_errors,   &c->nvme_err_log,
        &c->unsafe_shutdowns, &c->warning_temp_time, &c->critical_comp_time,
        &c->power_on_hours, &c->temperature,   &c->life_used,
    };

    for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
        *f[i] = SMART_NONE;
}

void smart_counters_get(const struct smart_data *d, struct smart_counters *c)
{
    struct wear w;
    const struct smart_attr *unsafe;

    smart_counters_none(c);
    if (d->state != SMART_STATE_DATA)
        return;
    c->reallocated = attr_count(smart_attr_by_id(d, 5));
    c->pending = attr_count(smart_attr_by_id(d, 197));
    c->offline_unc = attr_count(smart_attr_by_id(d, 198));
    c->reported_unc = attr_count(smart_attr_by_id(d, 187));
    c->cmd_timeout = cmd_timeout(d);
    c->realloc_events = attr_count(attr_named(d, 196, "Realloc"));
    c->spin_retry = attr_count(attr_named(d, 10, "Spin_Retry"));
    c->crc_errors = attr_count(attr_named(d, 199, "CRC"));
    c->error_log = d->error_log_count;
    c->selftest_errors = d->selftest_errors;
    c->media_errors = d->nvme.media_errors;
    c->nvme_err_log = d->nvme.num_err_log_entries;
    c->unsafe_shutdowns = d->nvme.unsafe_shutdowns;
    unsafe = attr_named(d, 192, "Unsafe_Shutdown");
    if (!unsafe)
        unsafe = attr_named(d, 174, "Power_Loss");
    if (!unsafe)
        unsafe = attr_named(d, 174, "Unsafe_Shutdown");
    if (c->unsafe_shutdowns == SMART_NONE && unsafe)
        c->unsafe_shutdowns = attr_count(unsafe);
    c->warning_temp_time = d->nvme.warning_temp_time;
    c->critical_comp_time = d->nvme.critical_comp_time;
    c->power_on_hours = d->power_on_hours;
    c->temperature = temp_sane(d->temperature) ? d->temperature : SMART_NONE;
    life_used(d, &w);
    c->life_used = w.used;
}

/* A counter of the previous sample that was known and is now larger. */
#define GREW(field) (prev && prev->field >= 0 && c->field > prev->field)
#define PREV(field) (prev ? prev->field : SMART_NONE)

/* ---- rule groups ---- */

static void rules_collection(const struct smart_data *d, struct smart_report *r)
{
    if (d->exit_status > 0 && (d->exit_status & SMART_EXIT_CMD_FAILED))
        add(r, "partial_data", SMART_LEVEL_OK, true, d->exit_status,
            "smartctl exit status %d has bit 2 set: some SMART command or log failed through "
            "this device or bridge, so a part of the data is missing; what was read is graded",
            d->exit_status);
    if (d->attribute_check)
        add(r, "attribute_check", SMART_LEVEL_OK, false, 0,
            "the bridge does not pass the drive's own SMART status: smartctl graded it from the "
            "attribute thresholds instead");
    if (d->smart_enabled == 0)
        add(r, "smart_disabled", SMART_LEVEL_WARN, false, 0,
            "SMART is disabled on the drive, so it records no health data: enable it with "
            "'smartctl -s on DEVICE'");
}

static void rules_overall(const struct smart_data *d, struct smart_report *r)
{
    size_t i;
    const struct smart_attr *a;
    const struct smart_selftest *newest = d->selftests.len ? d->selftests.items[0] : NULL;

    if (d->passed == 0 && d->protocol != SMART_PROTO_NVME)
        add(r, "smart_status", SMART_LEVEL_CRIT, true, 0,
            "SMART overall-health self-assessment FAILED: the drive itself predicts its "
            "failure (typically within 24 hours); copy the data off and replace it");
    vec_foreach(&d->attrs, i, a)
    {
        char metric[24];
        const char *name = a->name ? a->name : "Unknown_Attribute";

        snprintf(metric, sizeof(metric), "attr.%d", a->id);
        if (a->when_failed == SMART_WF_NOW && a->prefailure)
            add(r, metric, SMART_LEVEL_CRIT, true, a->value,
                "attribute %d %s is FAILING NOW: normalized value %d is at or below the vendor "
                "threshold %d; it is a pre-fail attribute, so the vendor expects the drive to "
                "fail soon",
                a->id, name, a->value, a->thresh);
        else if (a->when_failed == SMART_WF_NOW)
            add(r, metric, SMART_LEVEL_WARN, true, a->value,
                "attribute %d %s is at or below its threshold now (value %d, threshold %d): a "
                "usage attribute, so the drive is past its design life rather than failing",
                a->id, name, a->value, a->thresh);
        else if (a->when_failed == SMART_WF_PAST)
            add(r, metric, SMART_LEVEL_WARN, true, a->worst,
                "attribute %d %s was at or below its threshold in the past (worst %d, threshold "
                "%d): the drive has been out of specification once",
                a->id, name, a->worst, a->thresh);
    }
    if (newest && newest->passed == 0) {
        add(r, "self_test", SMART_LEVEL_CRIT, false, 0,
            "the latest self-test (%s) failed: \"%s\"%s; the drive could not read its own "
            "surface",
            newest->type ? newest->type : "?", newest->status ? newest->status : "?",
            newest->lba >= 0 ? " at a known LBA" : "");
    } else if (d->selftest_errors > 0 &&
               d->selftest_errors > (d->selftest_outdated > 0 ? d->selftest_outdated : 0)) {
        add(r, "self_test", SMART_LEVEL_WARN, true, d->selftest_errors,
            "the self-test log holds %lld failed test(s) although the latest passed: the "
            "surface failed before; run an extended test (smartctl -t long)",
            (long long)d->selftest_errors);
    }
}

static void rules_ata(const struct smart_data *d, const struct smart_counters *c,
                      const struct smart_counters *prev, const struct smart_limits *lim,
                      struct smart_report *r)
{
    if (c->reallocated > 0 || GREW(reallocated)) {
        enum smart_level lv = c->reallocated >= lim->realloc_crit || GREW(reallocated) ?
                                  SMART_LEVEL_CRIT : SMART_LEVEL_WARN;

        if (GREW(reallocated))
            add(r, "reallocated_sectors", lv, true, c->reallocated,
                "attribute 5 Reallocated_Sector_Ct grew from %lld to %lld since the previous "
                "sample: the drive is remapping failing sectors right now (crit on any "
                "increase)",
                (long long)PREV(reallocated), (long long)c->reallocated);
        else
            add(r, "reallocated_sectors", lv, true, c->reallocated,
                "attribute 5 Reallocated_Sector_Ct is %lld (warn at 1, crit at %d): sectors "
                "already failed and were replaced by spares; drives with %d or more fail "
                "several times more often (Backblaze)",
                (long long)c->reallocated, lim->realloc_crit, lim->realloc_crit);
    }
    if (c->reported_unc > 0)
        add(r, "reported_uncorrectable", SMART_LEVEL_CRIT, true, c->reported_unc,
            "attribute 187 Reported_Uncorrect is %lld (crit at 1): reads failed that the "
            "drive's error correction could not repair, so data was already lost",
            (long long)c->reported_unc);
    if (c->cmd_timeout > 0)
        add(r, "command_timeout", c->cmd_timeout >= lim->cmd_timeout_crit ? SMART_LEVEL_CRIT :
                                                                             SMART_LEVEL_WARN,
            true, c->cmd_timeout,
            "attribute 188 Command_Timeout is %lld (warn at 1, crit at %d): commands were "
            "aborted for taking too long; a failing drive, power or a flaky cable/bridge",
            (long long)c->cmd_timeout, lim->cmd_timeout_crit);
    if (c->pending > 0)
        add(r, "pending_sectors", SMART_LEVEL_CRIT, true, c->pending,
            "attribute 197 Current_Pending_Sector is %lld (crit at 1): sectors the drive "
            "could not read and waits to remap; reads there fail now",
            (long long)c->pending);
    if (c->offline_unc > 0)
        add(r, "offline_uncorrectable", SMART_LEVEL_CRIT, true, c->offline_unc,
            "attribute 198 Offline_Uncorrectable is %lld (crit at 1): sectors the offline "
            "surface scan could not read; data in them is lost",
            (long long)c->offline_unc);
    if (c->spin_retry > 0 && d->rotation_rate != 0)
        add(r, "spin_retry", SMART_LEVEL_CRIT, true, c->spin_retry,
            "attribute 10 Spin_Retry_Count is %lld (crit at 1): the motor needed retries to "
            "spin up; a mechanical or power problem",
            (long long)c->spin_retry);
    if (c->realloc_events > 0 || GREW(realloc_events)) {
        if (GREW(realloc_events))
            add(r, "reallocation_events", SMART_LEVEL_CRIT, true, c->realloc_events,
                "attribute 196 Reallocated_Event_Count grew from %lld to %lld since the "
                "previous sample: the drive is remapping sectors right now",
                (long long)PREV(realloc_events), (long long)c->realloc_events);
        else
            add(r, "reallocation_events", SMART_LEVEL_WARN, true, c->realloc_events,
                "attribute 196 Reallocated_Event_Count is %lld (warn at 1, crit on growth): "
                "the drive has had to remap sectors",
                (long long)c->realloc_events);
    }
    {
        const struct smart_attr *e2e = attr_named(d, 184, "End");

        if (e2e && e2e->value >= 0 && e2e->value < 100)
            add(r, "end_to_end_errors", SMART_LEVEL_CRIT, true, e2e->value,
                "attribute 184 End-to-End_Error normalized %d is below 100: data was "
                "corrupted between the drive's cache and its media",
                e2e->value);
        else if (e2e && attr_count(e2e) > 0)
            add(r, "end_to_end_errors", SMART_LEVEL_WARN, true, attr_count(e2e),
                "attribute 184 End-to-End_Error is %lld (warn at 1): parity errors inside the "
                "drive's data path",
                (long long)attr_count(e2e));
    }
    if (GREW(crc_errors))
        add(r, "crc_errors", SMART_LEVEL_WARN, true, c->crc_errors,
            "attribute 199 UDMA_CRC_Error_Count grew from %lld to %lld: transfers between the "
            "drive and the host are corrupted; check the cable, the USB bridge and the port",
            (long long)PREV(crc_errors), (long long)c->crc_errors);
    else if (c->crc_errors > 0)
        add(r, "crc_errors", SMART_LEVEL_OK, true, c->crc_errors,
            "attribute 199 UDMA_CRC_Error_Count is %lld: link errors recorded at some time; "
            "only growth matters (warn when it grows)",
            (long long)c->crc_errors);
    if (GREW(error_log))
        add(r, "error_log", SMART_LEVEL_WARN, true, c->error_log,
            "the drive's error log grew from %lld to %lld entries since the previous sample: "
            "the drive reported new command errors",
            (long long)PREV(error_log), (long long)c->error_log);
    else if (c->error_log > 0)
        add(r, "error_log", SMART_LEVEL_OK, true, c->error_log,
            "the drive's error log holds %lld entries over its life; common on healthy drives, "
            "it matters when it grows",
            (long long)c->error_log);
}

static void rules_nvme(const struct smart_data *d, const struct smart_counters *c,
                       const struct smart_counters *prev, const struct smart_limits *lim,
                       struct smart_report *r)
{
    const struct smart_nvme *n = &d->nvme;

    if (!n->present) {
        if (d->passed == 0)
            add(r, "smart_status", SMART_LEVEL_CRIT, true, 0,
                "SMART overall-health self-assessment FAILED: the drive reports a critical "
                "warning; copy the data off and replace it");
        return;
    }
    if (n->critical_warning > 0) {
        static const char *const bits[] = {
            "available spare below threshold",
            "temperature above or below its threshold",
            "NVM subsystem reliability degraded",
            "media placed in read-only mode",
            "volatile memory backup device failed",
            "persistent memory region unreliable",
        };
        char names[320] = "";
        size_t len = 0;

        for (int b = 0; b < 8; b++) {
            if (!(n->critical_warning & (1 << b)))
                continue;
            len += (size_t)snprintf(names + len, len < sizeof(names) ? sizeof(names) - len : 0,
                                    "%s%s (bit %d)", len ? ", " : "",
                                    b < 6 ? bits[b] : "reserved bit", b);
            if (len >= sizeof(names))
                break;
        }
        add(r, "critical_warning", SMART_LEVEL_CRIT, true, n->critical_warning,
            "NVMe critical warning 0x%02llx: %s; any set bit means the controller reports a "
            "condition that endangers the data",
            (unsigned long long)n->critical_warning, names);
    }
    if (n->available_spare >= 0 && n->available_spare <= 100 &&
        n->available_spare_threshold >= 0 && n->available_spare_threshold <= 100) {
        if (n->available_spare < n->available_spare_threshold)
            add(r, "available_spare", SMART_LEVEL_CRIT, true, n->available_spare,
                "NVMe available spare %lld%% is below the drive's threshold %lld%%: it is "
                "running out of blocks to replace worn ones",
                (long long)n->available_spare, (long long)n->available_spare_threshold);
        else if (n->available_spare <= n->available_spare_threshold + lim->spare_margin)
            add(r, "available_spare", SMART_LEVEL_WARN, true, n->available_spare,
                "NVMe available spare %lld%% is within %d points of the drive's threshold "
                "%lld%%: spare blocks are nearly used up",
                (long long)n->available_spare, lim->spare_margin,
                (long long)n->available_spare_threshold);
    }
    if (n->media_errors > 0)
        add(r, "media_errors", SMART_LEVEL_CRIT, true, n->media_errors,
            "NVMe media and data integrity errors: %lld (crit at 1): the drive returned data "
            "it could not correct, so some data was lost",
            (long long)n->media_errors);
    if (GREW(nvme_err_log))
        add(r, "nvme_error_log", SMART_LEVEL_OK, true, c->nvme_err_log,
            "NVMe error log entries grew from %lld to %lld: informational (many are harmless "
            "host commands the drive rejected)",
            (long long)PREV(nvme_err_log), (long long)c->nvme_err_log);
}

static void rules_wear(const struct smart_data *d, const struct smart_limits *lim,
                       struct smart_report *r)
{
    struct wear w;

    life_used(d, &w);
    if (w.used < 0)
        return;
    add(r, "life_used", w.used >= lim->life_crit  ? SMART_LEVEL_CRIT :
                        w.used >= lim->life_warn ? SMART_LEVEL_WARN :
                                                   SMART_LEVEL_OK,
        true, w.used,
        "%lld%% of the rated write endurance used, from %s (warn at %d%%, crit at %d%%): "
        "flash wears out with writes and fails when the endurance is spent",
        (long long)w.used, w.source, lim->life_warn, lim->life_crit);
}

static void rules_temperature(const struct smart_data *d, const struct smart_counters *c,
                              const struct smart_counters *prev, const struct smart_limits *lim,
                              struct smart_report *r)
{
    int64_t t = d->temperature;
    int64_t warn, crit;
    const char *basis;
    enum smart_level lv;

    if (d->protocol == SMART_PROTO_NVME) {
        bool own_w = d->nvme.wctemp > 0 && d->nvme.wctemp < 150;
        bool own_c = d->nvme.cctemp > 0 && d->nvme.cctemp < 150;

        warn = own_w ? d->nvme.wctemp : lim->nvme_temp_warn;
        crit = own_c ? d->nvme.cctemp : lim->nvme_temp_crit;
        basis = own_w || own_c ? "the drive's own WCTEMP/CCTEMP" : "lifeboat's NVMe defaults";
    } else if (d->temp_op_limit_max >= 30 && d->temp_op_limit_max < 150) {
        crit = d->temp_op_limit_max;
        warn = crit - lim->limit_margin;
        basis = "the drive's specified maximum operating temperature";
    } else if (d->rotation_rate > 0) {
        warn = lim->hdd_temp_warn;
        crit = lim->hdd_temp_crit;
        basis = "lifeboat's hard-disk defaults";
    } else {
        warn = lim->ssd_temp_warn;
        crit = lim->ssd_temp_crit;
        basis = "lifeboat's SSD defaults";
    }
    if (!temp_sane(t)) {
        add(r, "temperature", SMART_LEVEL_OK, false, 0,
            "temperature unknown: the drive or its USB bridge reports none%s", t == SMART_NONE ?
                                                                                   "" :
                                                                                   " that is "
                                                                                   "plausible");
    } else {
        lv = t >= crit ? SMART_LEVEL_CRIT : t >= warn ? SMART_LEVEL_WARN : SMART_LEVEL_OK;
        add(r, "temperature", lv, true, t,
            "temperature %lld °C (warn at %lld °C, crit at %lld °C from %s): heat shortens "
            "the life of flash and mechanics; check airflow around the enclosure",
            (long long)t, (long long)warn, (long long)crit, basis);
    }
    if (GREW(critical_comp_time))
        add(r, "critical_temp_time", SMART_LEVEL_CRIT, true, c->critical_comp_time,
            "minutes above the critical temperature grew from %lld to %lld: the drive has been "
            "overheating since the previous sample",
            (long long)PREV(critical_comp_time), (long long)c->critical_comp_time);
    else if (GREW(warning_temp_time))
        add(r, "warning_temp_time", SMART_LEVEL_WARN, true, c->warning_temp_time,
            "minutes above the warning temperature grew from %lld to %lld since the previous "
            "sample",
            (long long)PREV(warning_temp_time), (long long)c->warning_temp_time);
}

static void rules_power(const struct smart_counters *c, const struct smart_counters *prev,
                        struct smart_report *r)
{
    if (GREW(unsafe_shutdowns))
        add(r, "unsafe_shutdowns", SMART_LEVEL_OK, true, c->unsafe_shutdowns,
            "unsafe shutdowns grew from %lld to %lld: the disk lost power without a clean "
            "stop (USB unplugged without eject?)",
            (long long)PREV(unsafe_shutdowns), (long long)c->unsafe_shutdowns);
}

static void add_state_finding(const struct smart_data *d, struct smart_report *r)
{
    char cls = smart_state_class(d->state);

    add(r, "collection", cls == 'E' ? SMART_LEVEL_CRIT : cls == 'U' ? SMART_LEVEL_WARN :
                                                                      SMART_LEVEL_OK,
        false, 0, "%s: %s", smart_state_name(d->state),
        d->reason ? d->reason : "no health data");
}

/* Most severe first; order within a level kept. */
static void sort_findings(struct smart_report *r)
{
    struct vec sorted = VEC_INIT(finding_free);

    for (int lv = SMART_LEVEL_CRIT; lv >= SMART_LEVEL_OK; lv--) {
        size_t i;
        struct smart_finding *f;

        vec_foreach(&r->findings, i, f)
        {
            if ((int)f->level == lv)
                vec_push(&sorted, f);
        }
    }
    r->findings.free_item = NULL;
    vec_release(&r->findings);
    r->findings = sorted;
}

void smart_rules_eval(const struct smart_data *d, const struct smart_counters *prev,
                      const struct smart_limits *limits, struct smart_report *r)
{
    struct smart_limits dflt;
    const struct smart_limits *lim = limits;
    struct smart_counters *c = &r->counters;
    enum smart_level worst = SMART_LEVEL_OK;
    size_t i;
    struct smart_finding *f;

    if (!lim) {
        smart_limits_default(&dflt);
        lim = &dflt;
    }
    vec_init(&r->findings, finding_free);
    smart_counters_get(d, c);
    switch (smart_state_class(d->state)) {
    case 'S':
        r->verdict = SMART_VERDICT_STANDBY;
        add_state_finding(d, r);
        return;
    case 'U':
        r->verdict = SMART_VERDICT_UNAVAILABLE;
        add_state_finding(d, r);
        return;
    case 'E':
        r->verdict = SMART_VERDICT_ERROR;
        add_state_finding(d, r);
        return;
    default:
        break;
    }
    rules_collection(d, r);
    rules_overall(d, r);
    if (d->protocol == SMART_PROTO_NVME)
        rules_nvme(d, c, prev, lim, r);
    else
        rules_ata(d, c, prev, lim, r);
    rules_wear(d, lim, r);
    rules_temperature(d, c, prev, lim, r);
    rules_power(c, prev, r);
    vec_foreach(&r->findings, i, f)
    {
        if (f->level > worst)
            worst = f->level;
    }
    r->verdict = worst == SMART_LEVEL_CRIT ? SMART_VERDICT_CRIT :
                 worst == SMART_LEVEL_WARN ? SMART_VERDICT_WARN :
                                             SMART_VERDICT_OK;
    sort_findings(r);
}
