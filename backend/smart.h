#ifndef LIFEBOAT_BACKEND_SMART_H
#define LIFEBOAT_BACKEND_SMART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend/base/err.h"
#include "backend/base/vec.h"

/*
 * The smartctl adapter: `smartctl --json` output in, a plain model record out
 * (reference: shared/reference/smart.md). Every key of smartctl's document may
 * be missing; missing numbers read as SMART_NONE (-1), missing strings as NULL.
 * The health rules live in smart_rules.h; this module only reads and classifies.
 *
 * A run that produced no health data is not a parser error: it parses to a
 * record whose `state` says why (unknown USB bridge, permission denied, disk in
 * standby ...), and smart_hint() explains what to do about it.
 */

#define SMART_NONE (-1)

enum smart_protocol { SMART_PROTO_UNKNOWN, SMART_PROTO_ATA, SMART_PROTO_NVME, SMART_PROTO_SCSI };

/* smartctl exit-status bits (smartctl(8) EXIT STATUS). */
enum smart_exit_bit {
    SMART_EXIT_CMDLINE = 1 << 0,     /* command line / device type / USB bridge problem */
    SMART_EXIT_OPEN = 1 << 1,        /* open or identify failed, or the disk is in standby */
    SMART_EXIT_CMD_FAILED = 1 << 2,  /* some SMART command failed: data may be partial */
    SMART_EXIT_FAILING = 1 << 3,     /* "DISK FAILING" / NVMe critical warning */
    SMART_EXIT_PREFAIL_NOW = 1 << 4, /* a pre-fail attribute is at or below threshold */
    SMART_EXIT_PAST = 1 << 5,        /* an attribute was at or below threshold in the past */
    SMART_EXIT_ERRLOG = 1 << 6,      /* the device error log has entries */
    SMART_EXIT_SELFTEST = 1 << 7,    /* the self-test log has errors */
};

/*
 * Why a run has (or has not) health data. X(enum suffix, json name, verdict
 * class): D = data read, S = standby, U = SMART unavailable on this path,
 * E = error.
 */
#define SMART_STATES(X)                                                                            \
    X(DATA, "data", 'D')                                                                           \
    X(STANDBY, "standby", 'S')                                                                     \
    X(NO_SMART, "no_smart", 'U')                                                                   \
    X(UNKNOWN_BRIDGE, "unknown_usb_bridge", 'U')                                                   \
    X(NO_PASSTHROUGH, "no_passthrough", 'U')                                                       \
    X(NO_DEVICE_TYPE, "unknown_device_type", 'U')                                                  \
    X(PERMISSION, "permission_denied", 'E')                                                        \
    X(SANDBOX, "open_not_permitted", 'E')                                                          \
    X(NO_CAPABILITY, "missing_capability", 'E')                                                    \
    X(NO_DEVICE, "no_such_device", 'E')                                                            \
    X(BAD_ARGS, "bad_arguments", 'E')                                                              \
    X(OPEN_FAILED, "open_failed", 'E')                                                             \
    X(NOT_INSTALLED, "smartctl_missing", 'E')                                                      \
    X(TIMEOUT, "timed_out", 'E')                                                                   \
    X(BAD_OUTPUT, "bad_output", 'E')

enum smart_state {
#define X(name, json, cls) SMART_STATE_##name,
    SMART_STATES(X)
#undef X
};

enum smart_when_failed { SMART_WF_NONE, SMART_WF_NOW, SMART_WF_PAST };

/* One row of ata_smart_attributes.table. */
struct smart_attr {
    int id;
    char *name;     /* owned; NULL when absent */
    int value;      /* normalized; SMART_NONE when absent */
    int worst;
    int thresh;
    int64_t raw;    /* raw.value (exact from raw.string when that is a plain number) */
    char *raw_str;  /* owned raw.string, NULL when absent */
    enum smart_when_failed when_failed;
    bool prefailure;
};

/* One entry of ata_device_statistics.pages[].table. */
struct smart_devstat {
    int page;
    int offset;
    char *name; /* owned */
    int64_t value;
    bool valid;
};

/* One self-test log entry (ATA standard/extended or NVMe 7.4+), newest first. */
struct smart_selftest {
    char *type;   /* owned: "Short offline", "Extended offline" ... */
    char *status; /* owned: "Completed without error", "Completed: read failure" ... */
    int passed;   /* 1, 0, or SMART_NONE when the log does not say */
    int64_t hours; /* lifetime hours at the test (ATA: 16-bit, wraps at 65536) */
    int64_t lba;   /* first failing LBA or SMART_NONE */
};

struct smart_nvme {
    bool present; /* nvme_smart_health_information_log was there */
    int64_t critical_warning;
    int64_t temperature;
    int64_t available_spare;
    int64_t available_spare_threshold;
    int64_t percentage_used;
    int64_t data_units_read;
    int64_t data_units_written;
    int64_t power_cycles;
    int64_t power_on_hours;
    int64_t unsafe_shutdowns;
    int64_t media_errors;
    int64_t num_err_log_entries;
    int64_t warning_temp_time;
    int64_t critical_comp_time;
    int64_t wctemp; /* warning composite temperature threshold (7.5 JSON or 7.3 text) */
    int64_t cctemp; /* critical composite temperature threshold */
};

/* One try of the device-type fallback (smart_probe). */
struct smart_attempt {
    char *type; /* owned: the -d value, "auto" for none */
    enum smart_state state;
    int exit_status;
    char *reason; /* owned: smartctl's message, or NULL */
};

struct smart_data {
    enum smart_state state;
    char *reason;        /* owned: smartctl's own words for a failure (message or text line) */
    int exit_status;     /* smartctl.exit_status (also the process exit code); SMART_NONE unknown */
    int smartctl_major;  /* smartctl.version, SMART_NONE unknown */
    int smartctl_minor;
    bool big_ints;       /* the document needed JSON_DECODE_INT_AS_REAL (numbers above INT64_MAX) */
    int64_t local_time;  /* local_time.time_t */

    /* identity (all owned, NULL when absent) */
    char *device;        /* device.name */
    char *info_name;     /* device.info_name, "/dev/sda [SAT]" */
    char *device_type;   /* device.type smartctl used: "sat", "nvme", "usbjmicron" ... */
    enum smart_protocol protocol;
    char *model;
    char *model_family;
    char *serial;
    char *firmware;
    int64_t capacity_bytes;
    int64_t rotation_rate; /* 0 = SSD, rpm for HDD, SMART_NONE unknown */

    /* health */
    int smart_available; /* smart_support.*: 1, 0, SMART_NONE */
    int smart_enabled;
    int passed;          /* smart_status.passed: 1, 0, SMART_NONE */
    bool attribute_check; /* "This result is based on an Attribute check" */
    struct vec attrs;    /* struct smart_attr *, owned */
    struct vec devstats; /* struct smart_devstat *, owned */
    struct smart_nvme nvme;

    int64_t temperature;      /* temperature.current, °C */
    int64_t temp_op_limit_max; /* temperature.op_limit_max (device's own limit) */
    int64_t temp_limit_max;
    int64_t power_on_hours;
    int64_t power_cycles;
    int64_t error_log_count;  /* ata_smart_error_log.{summary,extended}.count */

    struct vec selftests;     /* struct smart_selftest *, owned, newest first */
    int64_t selftest_errors;  /* error_count_total */
    int64_t selftest_outdated; /* error_count_outdated */

    /* the document as smartctl printed it (owned; what the history keeps of the latest reading) */
    char *json;
    size_t json_len;

    /* filled by smart_probe */
    char *chosen_type;   /* owned: the -d value that gave this result ("auto" = none) */
    struct vec attempts; /* struct smart_attempt *, owned, in the order tried */
};

/*
 * Parse one smartctl --json document (len bytes, need not be NUL-terminated).
 * On success *out is a new record (free with smart_data_free); documents that
 * report a failure parse fine and carry it in ->state. Malformed JSON, a
 * top level that is not an object or json_format_version[0] != 1 give
 * -LB_EPARSE, err filled and *out NULL. Integers above INT64_MAX are read by
 * a retry with JSON_DECODE_INT_AS_REAL (then ->big_ints is set).
 */
int smart_parse(const char *json, size_t len, struct smart_data **out, struct lb_err *err);
/* Read a file (at most 16 MiB) and parse it; err names the file. */
int smart_parse_file(const char *path, struct smart_data **out, struct lb_err *err);

/* A record carrying only a state (for failures before any output). New. */
struct smart_data *smart_data_new_state(enum smart_state state, const char *reason);
void smart_data_free(struct smart_data **d);

/* Lookups (borrowed, NULL when absent). */
const struct smart_attr *smart_attr_by_id(const struct smart_data *d, int id);
const struct smart_attr *smart_attr_by_name(const struct smart_data *d, const char *name);
const struct smart_devstat *smart_devstat_get(const struct smart_data *d, int page, int offset);

/* "data", "unknown_usb_bridge" ... (static). */
const char *smart_state_name(enum smart_state state);
/* 'D', 'S', 'U' or 'E' (see SMART_STATES). */
char smart_state_class(enum smart_state state);
/* "ATA", "NVMe", "SCSI" or NULL. */
const char *smart_protocol_name(enum smart_protocol p);
/*
 * One line naming the meaning of each set exit-status bit, e.g.
 * "bit 3: SMART status says DISK FAILING; bit 6: error log has entries" (new).
 */
char *smart_exit_describe(int exit_status);

/*
 * What to do about a record's state, for a disk called disk (the config
 * section name; may be NULL). NULL when there is nothing to do (data read).
 * New string.
 */
char *smart_hint(const struct smart_data *d, const char *disk);

/*
 * Running smartctl. smart_probe_start runs
 *   PROGRAM --json=co -a -l devstat -n standby [-d TYPE] DEVICE
 * (PROGRAM = $LIFEBOAT_SMARTCTL, else "smartctl") through the loop. With
 * type "auto" (or NULL) it walks the fallback order of smart_candidates() and
 * accepts the first result with identity and health data (attributes or the
 * NVMe health log); a disk in standby, a permission problem or a missing
 * device stop the walk at once. A fixed type is used as given.
 * on_done gets a new record (the callee frees it) with chosen_type and the
 * attempts filled. The probe frees itself after on_done returns.
 */
struct loop;
struct smart_probe;

struct smart_probe_opts {
    const char *device;  /* path, e.g. /dev/disk/by-id/usb-... */
    const char *type;    /* "auto"/NULL or a -d value */
    int usb_vendor;      /* USB vendor id, or SMART_NONE to look it up in sysfs */
    int64_t timeout_ms;  /* per smartctl run; 0: 30 s */
    void (*on_done)(struct smart_data *result, void *arg);
    void *arg;
};

struct smart_probe *smart_probe_start(struct loop *loop, const struct smart_probe_opts *opts,
                                      struct lb_err *err);
/* Stop the running smartctl; on_done still runs (state TIMEOUT, reason "cancelled"). */
void smart_probe_cancel(struct smart_probe *p);
/* Run a probe to completion by turning the loop (CLI). *out new. */
int smart_probe_sync(struct loop *loop, const struct smart_probe_opts *opts,
                     struct smart_data **out, struct lb_err *err);

/*
 * The -d values type "auto" tries, in order: "auto" (smartctl's own
 * detection), "sat", "sat,12", then the USB-NVMe bridge types for the USB
 * vendor (0x152d JMicron: sntjmicron; 0x174c ASMedia, 0x04e8 Samsung:
 * sntasmedia; 0x0bda Realtek: sntrealtek; unknown: all three). Fills out
 * (static strings) and returns the count.
 */
size_t smart_candidates(int usb_vendor, const char **out, size_t max);
/* Does this result count as found (identity and health data, exit bits 0-1 clear)? */
bool smart_result_usable(const struct smart_data *d);
/* USB idVendor of the device behind a block-device path, from sysfs; SMART_NONE if not USB. */
int smart_usb_vendor(const char *device);

#endif
