#ifndef LIFEBOAT_BACKEND_SMART_RULES_H
#define LIFEBOAT_BACKEND_SMART_RULES_H

#include <stdbool.h>
#include <stdint.h>

#include "backend/base/vec.h"
#include "backend/smart.h"

/*
 * SMART health rules (reference smart.md §3.6), pure: a parsed record and,
 * optionally, the counters of the previous sample in; a verdict and findings
 * out. Each finding names the attribute, its value, the threshold and why it
 * matters. The verdict is the worst finding level for records with data, or
 * the collection state (error / standby / unavailable) for records without.
 */

enum smart_level { SMART_LEVEL_OK, SMART_LEVEL_WARN, SMART_LEVEL_CRIT };

enum smart_verdict {
    SMART_VERDICT_OK,
    SMART_VERDICT_WARN,
    SMART_VERDICT_CRIT,
    SMART_VERDICT_ERROR,
    SMART_VERDICT_STANDBY,
    SMART_VERDICT_UNAVAILABLE,
};

/*
 * The counters the rules compare across samples (what the history keeps).
 * SMART_NONE (-1) = not reported by this drive.
 */
struct smart_counters {
    int64_t reallocated;      /* ATA 5 raw */
    int64_t pending;          /* ATA 197 raw */
    int64_t offline_unc;      /* ATA 198 raw */
    int64_t reported_unc;     /* ATA 187 raw */
    int64_t cmd_timeout;      /* ATA 188 (Seagate: last of the three counters) */
    int64_t realloc_events;   /* ATA 196 raw */
    int64_t spin_retry;       /* ATA 10 raw */
    int64_t crc_errors;       /* ATA 199 raw */
    int64_t error_log;        /* ATA error log count */
    int64_t selftest_errors;  /* ATA self-test log error_count_total */
    int64_t media_errors;     /* NVMe */
    int64_t nvme_err_log;     /* NVMe num_err_log_entries */
    int64_t unsafe_shutdowns; /* NVMe unsafe_shutdowns, ATA 192/174 */
    int64_t warning_temp_time; /* NVMe minutes above WCTEMP */
    int64_t critical_comp_time; /* NVMe minutes above CCTEMP */
    int64_t power_on_hours;
    int64_t temperature;      /* °C, sane values only */
    int64_t life_used;        /* % of rated endurance used */
};

/* Thresholds marked "L" (lifeboat's choice) in the reference; smart_limits_default() fills them. */
struct smart_limits {
    int life_warn, life_crit;           /* % used: 80, 95 */
    int spare_margin;                   /* NVMe spare warn at threshold + 10 */
    int realloc_crit;                   /* 17 */
    int cmd_timeout_crit;               /* 101 */
    int hdd_temp_warn, hdd_temp_crit;   /* 50, 60 */
    int ssd_temp_warn, ssd_temp_crit;   /* 60, 70 */
    int nvme_temp_warn, nvme_temp_crit; /* 70, 80 when the drive gives no WCTEMP/CCTEMP */
    int limit_margin;                   /* warn 10 °C below the drive's own limit */
};

struct smart_finding {
    char *metric;     /* owned: "reallocated_sectors", "life_used", "attr.5" ... */
    enum smart_level level;
    bool has_value;   /* value is meaningful (else JSON null) */
    int64_t value;
    char *text;       /* owned: the sentence for the operator */
};

struct smart_report {
    enum smart_verdict verdict;
    struct vec findings;       /* struct smart_finding *, owned, most severe first */
    struct smart_counters counters;
};

void smart_limits_default(struct smart_limits *lim);
/* Read the counters out of a record (all SMART_NONE when it has no data). */
void smart_counters_get(const struct smart_data *d, struct smart_counters *c);
void smart_counters_none(struct smart_counters *c);

/*
 * Evaluate d. prev: counters of the previous sample of the same drive, or
 * NULL; lim: NULL for the defaults. report is initialised here; release it
 * with smart_report_release().
 */
void smart_rules_eval(const struct smart_data *d, const struct smart_counters *prev,
                      const struct smart_limits *lim, struct smart_report *report);
void smart_report_release(struct smart_report *report);

/* "ok", "warn", "crit" / "ok" ... "unavailable" (static). */
const char *smart_level_name(enum smart_level level);
const char *smart_verdict_name(enum smart_verdict verdict);
/* Exit code for the CLI: 0 ok/standby, 1 warn/unavailable, 2 crit/error. */
int smart_verdict_exit(enum smart_verdict verdict);

/*
 * The `lifeboat smart --json` object (DESIGN.md §2, issue 6): device, model,
 * serial, protocol, verdict, temperature_c, power_on_hours, life_used_pct,
 * findings [{metric, level, value, text}], smartctl_exit_status, plus disk,
 * state, hint, reason, type (the -d value that reached the drive: set for
 * data and standby, null otherwise), device_type (smartctl's) and attempts
 * ({type, state, exit_status, reason} per -d value tried). disk and
 * device (the configured path, used when smartctl named none) may be NULL.
 * Compact, one line, no newline. New string (smart_report.c).
 */
char *smart_report_json(const struct smart_data *d, const struct smart_report *r,
                        const char *disk, const char *device);

#endif
