/*
 * Unit tests for the smartctl adapter and the health rules: every real
 * capture in tests/fixtures/smartctl parsed and graded as a careful operator
 * would; each failure capture in its own state with its hint; growth across
 * two samples; integers above INT64_MAX; malformed input; the USB-bridge
 * fallback against a fake smartctl on PATH.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/base/err.h"
#include "backend/base/xalloc.h"
#include "backend/loop.h"
#include "backend/smart.h"
#include "backend/smart_rules.h"

#define FIX "tests/fixtures/smartctl/"

static struct smart_data *load(const char *name)
{
    char path[512];
    struct smart_data *d = NULL;
    struct lb_err err = { 0 };

    snprintf(path, sizeof(path), FIX "%s", name);
    if (smart_parse_file(path, &d, &err) < 0)
        fail_msg("%s: %s", name, err.msg);
    return d;
}

static const struct smart_finding *finding(const struct smart_report *r, const char *metric)
{
    size_t i;
    struct smart_finding *f;

    vec_foreach(&r->findings, i, f)
    {
        if (!strcmp(f->metric, metric))
            return f;
    }
    return NULL;
}

static void expect_finding(const struct smart_report *r, const char *metric,
                           enum smart_level level, const char *text_part)
{
    const struct smart_finding *f = finding(r, metric);

    if (!f)
        fail_msg("no finding '%s'", metric);
    assert_int_equal(f->level, level);
    if (text_part && !strstr(f->text, text_part))
        fail_msg("finding '%s' text lacks '%s': %s", metric, text_part, f->text);
}

/* ---- every real capture: fields and verdict ---- */

struct capture {
    const char *file;
    const char *model;
    const char *serial;
    enum smart_protocol proto;
    int exit_status;
    int64_t hours;
    int64_t temp;      /* SMART_NONE: not reported */
    int64_t life_used; /* SMART_NONE: not known */
    size_t nattrs;
    enum smart_verdict verdict;
};

static const struct capture captures[] = {
    { "sata-hdd-usbjmicron-failing-hitachi-smartctl7.1-exit216.json", "Hitachi HDS721050DLE630",
      "MSK423Y20S3HBC", SMART_PROTO_ATA, 216, 65592, 25, SMART_NONE, 17, SMART_VERDICT_CRIT },
    { "sata-ssd-samsung860evo-xall-devstat-smartctl7.0.json", "Samsung SSD 860 EVO 500GB",
      "S3YZNB0KB00864E", SMART_PROTO_ATA, 0, 14551, 36, 19, 14, SMART_VERDICT_OK },
    { "nvme-samsung970evo-media-errors-smartctl7.0.json", "Samsung SSD 970 EVO 500GB",
      "S466NX0M776250H", SMART_PROTO_NVME, 0, 12798, 35, 3, 0, SMART_VERDICT_CRIT },
    { "sata-hdd-seagate-reallocated304-smartctl7.3.json", "ST3500418AS", "REDACTED",
      SMART_PROTO_ATA, 0, 44668, 33, SMART_NONE, 22, SMART_VERDICT_CRIT },
    { "sata-hdd-hgst-errorlog-smartctl7.3-exit64.json", "HGST HUS724020ALE640", "REDACTED",
      SMART_PROTO_ATA, 64, 83425, 26, SMART_NONE, 17, SMART_VERDICT_OK },
    { "sata-ssd-kingston-sa400-smartctl7.3-exit4.json", "KINGSTON SA400M8120G", "REDACTED",
      SMART_PROTO_ATA, 4, 4994, 38, 2, 26, SMART_VERDICT_OK },
    { "sata-ssd-intel-dcs3500-worn-mwi15-smartctl7.3.json", "INTEL SSDSC2BB016T4", "REDACTED",
      SMART_PROTO_ATA, 0, 67329, 23, 85, 26, SMART_VERDICT_WARN },
    { "nvme-samsung-critical-warning16-smartctl7.3-exit8.json", "SAMSUNG MZWLL3T2HAJQ-00005",
      "REDACTED", SMART_PROTO_NVME, 8, 18376, 40, 0, 0, SMART_VERDICT_CRIT },
    { "nvme-crucial-p2-healthy-smartctl7.3.json", "CT250P2SSD8", "REDACTED", SMART_PROTO_NVME, 0,
      10147, 26, 0, 0, SMART_VERDICT_OK },
    { "usb-sat-sandisk-pssd-smartctl7.4.json", "SanDisk pSSD", "06c9f4c44", SMART_PROTO_ATA, 0,
      11, SMART_NONE, 0, 13, SMART_VERDICT_OK },
};

static void test_captures_fields_and_verdicts(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(captures) / sizeof(captures[0]); i++) {
        const struct capture *c = &captures[i];
        struct smart_data *d = load(c->file);
        struct smart_report r;

        print_message("%s\n", c->file);
        assert_int_equal(d->state, SMART_STATE_DATA);
        assert_string_equal(d->model, c->model);
        assert_string_equal(d->serial, c->serial);
        assert_int_equal(d->protocol, c->proto);
        assert_int_equal(d->exit_status, c->exit_status);
        assert_int_equal(d->power_on_hours, c->hours);
        assert_int_equal(d->temperature, c->temp);
        assert_int_equal(d->attrs.len, c->nattrs);
        smart_rules_eval(d, NULL, NULL, &r);
        assert_int_equal(r.counters.life_used, c->life_used);
        assert_int_equal(r.counters.temperature, c->temp);
        if (r.verdict != c->verdict)
            fail_msg("%s: verdict %s, expected %s", c->file, smart_verdict_name(r.verdict),
                     smart_verdict_name(c->verdict));
        assert_true(smart_result_usable(d));
        smart_report_release(&r);
        smart_data_free(&d);
    }
}

static void test_hitachi_failing_details(void **state)
{
    struct smart_data *d = load("sata-hdd-usbjmicron-failing-hitachi-smartctl7.1-exit216.json");
    const struct smart_attr *a = smart_attr_by_id(d, 5);
    struct smart_report r;

    (void)state;
    assert_non_null(a);
    assert_string_equal(a->name, "Reallocated_Sector_Ct");
    assert_int_equal(a->value, 1);
    assert_int_equal(a->thresh, 5);
    assert_int_equal(a->raw, 1975);
    assert_int_equal(a->when_failed, SMART_WF_NOW);
    assert_true(a->prefailure);
    assert_int_equal(d->passed, 0);
    assert_string_equal(d->device_type, "usbjmicron");
    assert_int_equal(d->error_log_count, 56);
    assert_int_equal(d->selftest_errors, 3);
    assert_int_equal(d->selftests.len, 21);
    /* temperature attribute packs min/max: the raw value is not a temperature */
    assert_int_equal(smart_attr_by_id(d, 194)->raw, 167504969753LL);

    smart_rules_eval(d, NULL, NULL, &r);
    expect_finding(&r, "smart_status", SMART_LEVEL_CRIT, "FAILED");
    expect_finding(&r, "attr.5", SMART_LEVEL_CRIT, "threshold 5");
    expect_finding(&r, "reallocated_sectors", SMART_LEVEL_CRIT, "1975");
    expect_finding(&r, "pending_sectors", SMART_LEVEL_CRIT, "is 8");
    expect_finding(&r, "self_test", SMART_LEVEL_WARN, "3 failed");
    expect_finding(&r, "reallocation_events", SMART_LEVEL_WARN, "3831");
    /* an error log seen for the first time is not graded */
    expect_finding(&r, "error_log", SMART_LEVEL_OK, "56");
    /* most severe first */
    assert_int_equal(((struct smart_finding *)r.findings.items[0])->level, SMART_LEVEL_CRIT);
    smart_report_release(&r);
    smart_data_free(&d);
}

static void test_wear_and_temperature_sources(void **state)
{
    struct smart_data *d = load("sata-ssd-samsung860evo-xall-devstat-smartctl7.0.json");
    struct smart_report r;

    (void)state;
    assert_int_equal(d->temp_op_limit_max, 70);
    assert_non_null(smart_devstat_get(d, 7, 8));
    smart_rules_eval(d, NULL, NULL, &r);
    expect_finding(&r, "life_used", SMART_LEVEL_OK, "device statistics");
    expect_finding(&r, "temperature", SMART_LEVEL_OK, "crit at 70");
    smart_report_release(&r);
    smart_data_free(&d);

    d = load("sata-ssd-intel-dcs3500-worn-mwi15-smartctl7.3.json");
    smart_rules_eval(d, NULL, NULL, &r);
    expect_finding(&r, "life_used", SMART_LEVEL_WARN, "Media_Wearout_Indicator normalized 15");
    smart_report_release(&r);
    smart_data_free(&d);

    /* Kingston: 233 is Flash_Writes_GiB, wear comes from 231 SSD_Life_Left; bit 2 = partial */
    d = load("sata-ssd-kingston-sa400-smartctl7.3-exit4.json");
    smart_rules_eval(d, NULL, NULL, &r);
    expect_finding(&r, "life_used", SMART_LEVEL_OK, "SSD_Life_Left");
    expect_finding(&r, "partial_data", SMART_LEVEL_OK, "bit 2");
    smart_report_release(&r);
    smart_data_free(&d);

    /* SanDisk behind a USB bridge: no temperature is "unknown", not a number */
    d = load("usb-sat-sandisk-pssd-smartctl7.4.json");
    smart_rules_eval(d, NULL, NULL, &r);
    expect_finding(&r, "temperature", SMART_LEVEL_OK, "unknown");
    assert_false(finding(&r, "temperature")->has_value);
    smart_report_release(&r);
    smart_data_free(&d);
}

static void test_nvme_findings(void **state)
{
    struct smart_data *d = load("nvme-samsung970evo-media-errors-smartctl7.0.json");
    struct smart_report r;

    (void)state;
    assert_int_equal(d->nvme.media_errors, 7);
    assert_int_equal(d->nvme.num_err_log_entries, 62);
    smart_rules_eval(d, NULL, NULL, &r);
    expect_finding(&r, "media_errors", SMART_LEVEL_CRIT, "7");
    assert_null(finding(&r, "critical_warning"));
    smart_report_release(&r);
    smart_data_free(&d);

    d = load("nvme-samsung-critical-warning16-smartctl7.3-exit8.json");
    smart_rules_eval(d, NULL, NULL, &r);
    expect_finding(&r, "critical_warning", SMART_LEVEL_CRIT, "volatile memory backup");
    assert_int_equal(finding(&r, "critical_warning")->value, 16);
    smart_report_release(&r);
    smart_data_free(&d);
}

static void test_seagate_reallocated_although_passed(void **state)
{
    struct smart_data *d = load("sata-hdd-seagate-reallocated304-smartctl7.3.json");
    struct smart_report r;

    (void)state;
    assert_int_equal(d->passed, 1);
    smart_rules_eval(d, NULL, NULL, &r);
    expect_finding(&r, "reallocated_sectors", SMART_LEVEL_CRIT, "is 304");
    /* the Seagate error-rate raw values are not error counts */
    assert_null(finding(&r, "attr.7"));
    assert_null(finding(&r, "command_timeout"));
    smart_report_release(&r);
    smart_data_free(&d);
}

/* ---- failure captures: own state, own hint ---- */

struct failure {
    const char *file;
    enum smart_state state;
    enum smart_verdict verdict;
    const char *reason_part;
    const char *hint_part;
};

static const struct failure failures[] = {
    { "synthetic-usb-unknown-bridge-exit1.json", SMART_STATE_UNKNOWN_BRIDGE,
      SMART_VERDICT_UNAVAILABLE, "Unknown USB bridge",
      "SMART not available through this USB bridge (USB id 0x152d:0x0583 (0x20b)): set type = "
      "sat" },
    { "local-smartctl7.3-nonroot-open-permission-denied.json", SMART_STATE_PERMISSION,
      SMART_VERDICT_ERROR, "Permission denied", "permission denied: smartctl needs root" },
    { "local-smartctl7.3-root-sandbox-open-eperm.json", SMART_STATE_SANDBOX, SMART_VERDICT_ERROR,
      "Operation not permitted", "container" },
    { "local-smartctl7.3-virtio-vda-auto-unable-to-detect.json", SMART_STATE_NO_DEVICE_TYPE,
      SMART_VERDICT_UNAVAILABLE, "Unable to detect device type", "virtio" },
    { "local-smartctl7.3-loopdev-d-sat-no-passthrough-json-o.json", SMART_STATE_NO_PASSTHROUGH,
      SMART_VERDICT_UNAVAILABLE, "Read Device Identity failed",
      "SMART not available through this USB bridge with type 'sat'" },
    { "synthetic-standby-exit2.json", SMART_STATE_STANDBY, SMART_VERDICT_STANDBY,
      "STANDBY mode", "asleep" },
};

static void test_failure_states_and_hints(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(failures) / sizeof(failures[0]); i++) {
        const struct failure *f = &failures[i];
        struct smart_data *d = load(f->file);
        struct smart_report r;
        char *hint = smart_hint(d, "usb-ssd");

        print_message("%s\n", f->file);
        if (d->state != f->state)
            fail_msg("%s: state %s", f->file, smart_state_name(d->state));
        assert_non_null(d->reason);
        if (!strstr(d->reason, f->reason_part))
            fail_msg("%s: reason '%s'", f->file, d->reason);
        assert_non_null(hint);
        if (!strstr(hint, f->hint_part))
            fail_msg("%s: hint '%s'", f->file, hint);
        smart_rules_eval(d, NULL, NULL, &r);
        assert_int_equal(r.verdict, f->verdict);
        assert_false(smart_result_usable(d));
        /* states that name the config section name the right one */
        if (strstr(hint, "[disk"))
            assert_non_null(strstr(hint, "[disk usb-ssd]"));
        free(hint);
        smart_report_release(&r);
        smart_data_free(&d);
    }
}

/* The GPL-licensed real capture stays outside the repo; test it when it is there. */
static void test_reference_folder_when_present(void **state)
{
    const char *dir = getenv("LIFEBOAT_SMART_REFERENCE");
    char path[1024];
    DIR *dh;
    struct dirent *e;
    int n = 0;

    (void)state;
    if (!dir)
        dir = "../shared/reference/smartctl";
    dh = opendir(dir);
    if (!dh) {
        skip();
        return;
    }
    while ((e = readdir(dh))) {
        struct smart_data *d = NULL;
        struct lb_err err = { 0 };

        if (!strstr(e->d_name, ".json"))
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (smart_parse_file(path, &d, &err) < 0)
            fail_msg("%s: %s", path, err.msg);
        if (strstr(e->d_name, "unknown-bridge"))
            assert_int_equal(d->state, SMART_STATE_UNKNOWN_BRIDGE);
        n++;
        smart_data_free(&d);
    }
    closedir(dh);
    assert_true(n >= 16);
}

/* ---- growth across two samples ---- */

static void test_growth_between_samples(void **state)
{
    struct smart_data *d = load("sata-hdd-hgst-errorlog-smartctl7.3-exit64.json");
    struct smart_counters prev;
    struct smart_report r;

    (void)state;
    /* same counters as now: nothing grew, still ok */
    smart_rules_eval(d, NULL, NULL, &r);
    prev = r.counters;
    smart_report_release(&r);
    assert_int_equal(prev.error_log, 12);
    assert_int_equal(prev.crc_errors, 12);
    smart_rules_eval(d, &prev, NULL, &r);
    assert_int_equal(r.verdict, SMART_VERDICT_OK);
    smart_report_release(&r);

    /* the previous sample had fewer log entries and CRC errors */
    prev.error_log = 10;
    prev.crc_errors = 11;
    smart_rules_eval(d, &prev, NULL, &r);
    assert_int_equal(r.verdict, SMART_VERDICT_WARN);
    expect_finding(&r, "error_log", SMART_LEVEL_WARN, "from 10 to 12");
    expect_finding(&r, "crc_errors", SMART_LEVEL_WARN, "from 11 to 12");
    smart_report_release(&r);

    /* a reallocated count that was 0 before and is 0 now is fine; unknown before is no growth */
    prev.error_log = SMART_NONE;
    prev.crc_errors = SMART_NONE;
    smart_rules_eval(d, &prev, NULL, &r);
    assert_int_equal(r.verdict, SMART_VERDICT_OK);
    smart_report_release(&r);
    smart_data_free(&d);

    /* 304 reallocated, 300 at the previous sample: growth is critical in itself */
    d = load("sata-hdd-seagate-reallocated304-smartctl7.3.json");
    smart_rules_eval(d, NULL, NULL, &r);
    prev = r.counters;
    smart_report_release(&r);
    prev.reallocated = 300;
    smart_rules_eval(d, &prev, NULL, &r);
    expect_finding(&r, "reallocated_sectors", SMART_LEVEL_CRIT, "grew from 300 to 304");
    smart_report_release(&r);
    smart_data_free(&d);

    /* NVMe unsafe shutdowns growing is reported, not graded */
    d = load("nvme-crucial-p2-healthy-smartctl7.3.json");
    smart_rules_eval(d, NULL, NULL, &r);
    prev = r.counters;
    smart_report_release(&r);
    prev.unsafe_shutdowns = 4;
    smart_rules_eval(d, &prev, NULL, &r);
    expect_finding(&r, "unsafe_shutdowns", SMART_LEVEL_OK, "from 4 to 5");
    assert_int_equal(r.verdict, SMART_VERDICT_OK);
    smart_report_release(&r);
    smart_data_free(&d);
}

/* ---- integers above INT64_MAX ---- */

static void test_big_integers(void **state)
{
    struct smart_data *d = load("synthetic-bigint-bridge-ffff.json");
    struct smart_report r;
    const char *doc = "{\"json_format_version\":[1,0],\"smartctl\":{\"exit_status\":0},"
                      "\"device\":{\"name\":\"/dev/sdz\",\"protocol\":\"ATA\"},"
                      "\"model_name\":\"X\",\"ata_smart_attributes\":{\"table\":[{\"id\":5,"
                      "\"name\":\"Reallocated_Sector_Ct\",\"value\":100,\"worst\":100,"
                      "\"thresh\":10,\"raw\":{\"value\":18446744073709551615,\"string\":"
                      "\"18446744073709551615\"}},{\"id\":9,\"name\":\"Power_On_Hours\","
                      "\"value\":99,\"raw\":{\"value\":1234,\"string\":\"1234\"}}]},"
                      "\"power_on_time\":{\"hours\":1234}}";
    struct lb_err err = { 0 };

    (void)state;
    assert_true(d->big_ints);
    assert_int_equal(d->nvme.data_units_read, INT64_MAX);
    assert_int_equal(d->nvme.data_units_written, INT64_MAX); /* 2^63 saturates */
    assert_int_equal(d->nvme.power_on_hours, 5120);          /* small numbers stay exact */
    assert_int_equal(d->temperature, 41);
    assert_string_equal(d->model, "Example NVMe 1TB");
    smart_rules_eval(d, NULL, NULL, &r);
    assert_int_equal(r.verdict, SMART_VERDICT_OK);
    assert_int_equal(r.counters.life_used, 4);
    smart_report_release(&r);
    smart_data_free(&d);

    assert_int_equal(smart_parse(doc, strlen(doc), &d, &err), 0);
    assert_true(d->big_ints);
    assert_int_equal(smart_attr_by_id(d, 5)->raw, INT64_MAX);
    assert_int_equal(smart_attr_by_id(d, 9)->raw, 1234);
    assert_int_equal(d->power_on_hours, 1234);
    smart_rules_eval(d, NULL, NULL, &r);
    expect_finding(&r, "reallocated_sectors", SMART_LEVEL_CRIT, NULL);
    smart_report_release(&r);
    smart_data_free(&d);
}

/* ---- malformed input never crashes and says what is wrong ---- */

static void test_malformed(void **state)
{
    static const char *const bad[] = {
        "",
        "{",
        "not json",
        "[1,2,3]",
        "{\"json_format_version\":[2,0],\"smartctl\":{}}",
        "{\"smartctl\":{\"exit_status\":0}}",
        "{\"json_format_version\":[1,0]}",
        "{\"json_format_version\":[1,0],\"smartctl\":{},\"a\":1,\"a\":2}",
    };
    char *truncated;
    FILE *f;
    char buf[4096];
    size_t n;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct smart_data *d = (struct smart_data *)1;
        struct lb_err err = { 0 };

        assert_int_equal(smart_parse(bad[i], strlen(bad[i]), &d, &err), -LB_EPARSE);
        assert_null(d);
        assert_true(err.msg[0] != '\0');
    }
    /* a capture cut in the middle, as a killed smartctl would leave it */
    f = fopen(FIX "nvme-crucial-p2-healthy-smartctl7.3.json", "rb");
    assert_non_null(f);
    n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    truncated = xstrndup(buf, n / 2);
    {
        struct smart_data *d = NULL;
        struct lb_err err = { 0 };

        assert_int_equal(smart_parse(truncated, strlen(truncated), &d, &err), -LB_EPARSE);
        assert_non_null(strstr(err.msg, "cannot parse smartctl output"));
    }
    free(truncated);
    {
        struct smart_data *d = NULL;
        struct lb_err err = { 0 };

        assert_int_equal(smart_parse_file(FIX "no-such-file.json", &d, &err), -LB_ENOTFOUND);
        assert_non_null(strstr(err.msg, "no-such-file.json"));
    }
    /* wrong types everywhere: parsed, nothing read, no crash */
    {
        const char *odd = "{\"json_format_version\":[1,0],\"smartctl\":{\"exit_status\":\"x\"},"
                          "\"device\":[],\"model_name\":5,\"ata_smart_attributes\":{\"table\":"
                          "[1,{\"id\":\"x\"},{\"id\":300},{\"id\":5,\"raw\":7}]},"
                          "\"temperature\":{\"current\":true},\"nvme_smart_health_information_"
                          "log\":[]}";
        struct smart_data *d = NULL;
        struct lb_err err = { 0 };
        struct smart_report r;

        assert_int_equal(smart_parse(odd, strlen(odd), &d, &err), 0);
        assert_int_equal(d->attrs.len, 1);
        assert_int_equal(smart_attr_by_id(d, 5)->raw, SMART_NONE);
        assert_int_equal(d->temperature, SMART_NONE);
        smart_rules_eval(d, NULL, NULL, &r);
        smart_report_release(&r);
        smart_data_free(&d);
    }
}

static void test_exit_bits_and_candidates(void **state)
{
    char *s = smart_exit_describe(216);
    const char *c[8];
    size_t n;

    (void)state;
    assert_non_null(strstr(s, "bit 3: SMART status says DISK FAILING"));
    assert_non_null(strstr(s, "bit 4:"));
    assert_non_null(strstr(s, "bit 6:"));
    assert_non_null(strstr(s, "bit 7:"));
    assert_null(strstr(s, "bit 0:"));
    free(s);

    n = smart_candidates(0x152d, c, 8);
    assert_int_equal(n, 4);
    assert_string_equal(c[0], "auto");
    assert_string_equal(c[1], "sat");
    assert_string_equal(c[2], "sat,12");
    assert_string_equal(c[3], "sntjmicron");
    n = smart_candidates(0x04e8, c, 8);
    assert_string_equal(c[n - 1], "sntasmedia");
    n = smart_candidates(0x0bda, c, 8);
    assert_string_equal(c[n - 1], "sntrealtek");
    n = smart_candidates(SMART_NONE, c, 8);
    assert_int_equal(n, 6);
    assert_string_equal(c[3], "sntjmicron");
    assert_string_equal(c[4], "sntasmedia");
    assert_string_equal(c[5], "sntrealtek");
}

/* ---- bridge fallback against a fake smartctl on PATH ---- */

struct fake {
    char dir[256];
    char log[300];
    char *old_path;
};

static void fake_link(struct fake *fk, const char *type, const char *capture)
{
    char from[512], to[512];
    char *cwd = getcwd(NULL, 0);

    snprintf(from, sizeof(from), "%s/" FIX "%s", cwd, capture);
    snprintf(to, sizeof(to), "%s/%s.json", fk->dir, type);
    free(cwd);
    assert_int_equal(symlink(from, to), 0);
}

static void fake_setup(struct fake *fk)
{
    char bin[300], target[512];
    char *cwd = getcwd(NULL, 0);
    const char *path = getenv("PATH");
    char *newpath;

    snprintf(fk->dir, sizeof(fk->dir), "%s/lifeboat-smart-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    assert_non_null(mkdtemp(fk->dir));
    snprintf(fk->log, sizeof(fk->log), "%s/calls.log", fk->dir);
    snprintf(bin, sizeof(bin), "%s/smartctl", fk->dir);
    snprintf(target, sizeof(target), "%s/" FIX "fake-smartctl.sh", cwd);
    assert_int_equal(symlink(target, bin), 0);
    free(cwd);
    fk->old_path = xstrdup(path ? path : "/usr/bin:/bin");
    newpath = xasprintf("%s:%s", fk->dir, fk->old_path);
    setenv("PATH", newpath, 1);
    free(newpath);
    unsetenv("LIFEBOAT_SMARTCTL");
    setenv("FAKE_SMARTCTL_DIR", fk->dir, 1);
    setenv("FAKE_SMARTCTL_LOG", fk->log, 1);
}

static void fake_teardown(struct fake *fk)
{
    DIR *dh = opendir(fk->dir);
    struct dirent *e;
    char p[600];

    while (dh && (e = readdir(dh))) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(p, sizeof(p), "%s/%s", fk->dir, e->d_name);
        unlink(p);
    }
    if (dh)
        closedir(dh);
    rmdir(fk->dir);
    setenv("PATH", fk->old_path, 1);
    free(fk->old_path);
}

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "r");
    char buf[4096];
    size_t n;

    if (!f)
        return xstrdup("");
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    return xstrdup(buf);
}

static struct smart_data *probe(const char *type, int vendor)
{
    struct loop *loop = loop_new();
    struct smart_data *d = NULL;
    struct lb_err err = { 0 };
    struct smart_probe_opts o = {
        .device = "/dev/disk/by-id/usb-Example_Disk_0123456789-0:0",
        .type = type,
        .usb_vendor = vendor,
        .timeout_ms = 20000,
    };

    if (smart_probe_sync(loop, &o, &d, &err) < 0)
        fail_msg("probe: %s", err.msg);
    loop_free(loop);
    return d;
}

static void test_fallback_finds_working_type(void **state)
{
    struct fake fk;
    struct smart_data *d;
    char *log;

    (void)state;
    fake_setup(&fk);
    fake_link(&fk, "auto", "synthetic-usb-unknown-bridge-exit1.json");
    fake_link(&fk, "sat", "local-smartctl7.3-loopdev-d-sat-no-passthrough-json-o.json");
    fake_link(&fk, "sat,12", "usb-sat-sandisk-pssd-smartctl7.4.json");
    d = probe("auto", 0x152d);
    log = read_all(fk.log);
    assert_string_equal(log, "auto /dev/disk/by-id/usb-Example_Disk_0123456789-0:0\n"
                             "sat /dev/disk/by-id/usb-Example_Disk_0123456789-0:0\n"
                             "sat,12 /dev/disk/by-id/usb-Example_Disk_0123456789-0:0\n");
    assert_int_equal(d->state, SMART_STATE_DATA);
    assert_string_equal(d->chosen_type, "sat,12");
    assert_string_equal(d->model, "SanDisk pSSD");
    assert_int_equal(d->attempts.len, 3);
    assert_int_equal(((struct smart_attempt *)d->attempts.items[0])->state,
                     SMART_STATE_UNKNOWN_BRIDGE);
    assert_int_equal(((struct smart_attempt *)d->attempts.items[1])->state,
                     SMART_STATE_NO_PASSTHROUGH);
    free(log);
    smart_data_free(&d);
    fake_teardown(&fk);
}

static void test_fallback_all_fail_is_unavailable(void **state)
{
    struct fake fk;
    struct smart_data *d;
    struct smart_report r;
    char *log;
    char *hint;

    (void)state;
    fake_setup(&fk);
    fake_link(&fk, "auto", "synthetic-usb-unknown-bridge-exit1.json");
    /* no sat / sat,12 / sntjmicron files: the fake answers "no pass-through" */
    d = probe(NULL, 0x152d);
    log = read_all(fk.log);
    assert_non_null(strstr(log, "auto "));
    assert_non_null(strstr(log, "\nsntjmicron "));
    assert_null(strstr(log, "sntasmedia")); /* JMicron vendor id: only the JMicron NVMe type */
    assert_int_equal(d->attempts.len, 4);
    assert_int_equal(d->state, SMART_STATE_UNKNOWN_BRIDGE);
    smart_rules_eval(d, NULL, NULL, &r);
    assert_int_equal(r.verdict, SMART_VERDICT_UNAVAILABLE);
    hint = smart_hint(d, "usb-ssd");
    assert_non_null(strstr(hint, "SMART not available through this USB bridge"));
    assert_non_null(strstr(hint, "[disk usb-ssd]"));
    free(hint);
    free(log);
    smart_report_release(&r);
    smart_data_free(&d);
    fake_teardown(&fk);
}

static void test_fallback_stops_and_fixed_type(void **state)
{
    struct fake fk;
    struct smart_data *d;
    char *log;

    (void)state;
    fake_setup(&fk);
    /* asleep: do not try other types (each would be another wake-up risk) */
    fake_link(&fk, "auto", "synthetic-standby-exit2.json");
    fake_link(&fk, "sat", "sata-ssd-kingston-sa400-smartctl7.3-exit4.json");
    d = probe("auto", SMART_NONE);
    assert_int_equal(d->state, SMART_STATE_STANDBY);
    assert_int_equal(d->attempts.len, 1);
    smart_data_free(&d);

    /* permission denied: another type cannot help */
    unlink(fk.log);
    fake_link(&fk, "sat,12", "local-smartctl7.3-nonroot-open-permission-denied.json");
    d = probe("sat,12", SMART_NONE);
    assert_int_equal(d->state, SMART_STATE_PERMISSION);
    assert_string_equal(d->chosen_type, "sat,12");
    smart_data_free(&d);

    /* a fixed type is used as given, once */
    unlink(fk.log);
    d = probe("sat", SMART_NONE);
    log = read_all(fk.log);
    assert_string_equal(log, "sat /dev/disk/by-id/usb-Example_Disk_0123456789-0:0\n");
    assert_int_equal(d->state, SMART_STATE_DATA);
    assert_string_equal(d->chosen_type, "sat");
    assert_string_equal(d->model, "KINGSTON SA400M8120G");
    free(log);
    smart_data_free(&d);
    fake_teardown(&fk);
}

static void test_smartctl_missing(void **state)
{
    struct smart_data *d;
    char *hint;

    (void)state;
    setenv("LIFEBOAT_SMARTCTL", "/nonexistent/smartctl", 1);
    d = probe("sat", SMART_NONE);
    unsetenv("LIFEBOAT_SMARTCTL");
    assert_int_equal(d->state, SMART_STATE_NOT_INSTALLED);
    hint = smart_hint(d, NULL);
    assert_non_null(strstr(hint, "apt install smartmontools"));
    free(hint);
    smart_data_free(&d);
}

static void test_report_json(void **state)
{
    struct smart_data *d = load("nvme-samsung970evo-media-errors-smartctl7.0.json");
    struct smart_report r;
    char *s;

    (void)state;
    smart_rules_eval(d, NULL, NULL, &r);
    s = smart_report_json(d, &r, NULL, NULL);
    assert_non_null(strstr(s, "\"verdict\":\"crit\""));
    assert_non_null(strstr(s, "\"protocol\":\"NVMe\""));
    assert_non_null(strstr(s, "\"temperature_c\":35"));
    assert_non_null(strstr(s, "\"metric\":\"media_errors\",\"level\":\"crit\",\"value\":7"));
    assert_non_null(strstr(s, "\"smartctl_exit_status\":0"));
    free(s);
    smart_report_release(&r);
    smart_data_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_captures_fields_and_verdicts),
        cmocka_unit_test(test_hitachi_failing_details),
        cmocka_unit_test(test_wear_and_temperature_sources),
        cmocka_unit_test(test_nvme_findings),
        cmocka_unit_test(test_seagate_reallocated_although_passed),
        cmocka_unit_test(test_failure_states_and_hints),
        cmocka_unit_test(test_reference_folder_when_present),
        cmocka_unit_test(test_growth_between_samples),
        cmocka_unit_test(test_big_integers),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_exit_bits_and_candidates),
        cmocka_unit_test(test_fallback_finds_working_type),
        cmocka_unit_test(test_fallback_all_fail_is_unavailable),
        cmocka_unit_test(test_fallback_stops_and_fixed_type),
        cmocka_unit_test(test_smartctl_missing),
        cmocka_unit_test(test_report_json),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
