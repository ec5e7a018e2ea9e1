/*
 * SMART history against a real database file: samples kept and read back
 * (counters a drive does not report stay unknown), thinning to one a day
 * after 30 days and nothing after two years, the remembered -d type, growth
 * of a counter between two stored readings turning an OK drive into a
 * warning, and the engine's disk view filled from a `source =` capture, then
 * from the database alone by the next console (as a console run by a normal
 * user shows what the root timer job read).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/app.h"
#include "backend/base/err.h"
#include "backend/base/vec.h"
#include "backend/base/xalloc.h"
#include "backend/config.h"
#include "backend/loop.h"
#include "backend/smart_history.h"
#include "backend/store.h"

#define FIX "tests/fixtures/smartctl/"
#define DAY 86400
#define NOW ((time_t)1795000000)

struct fx {
    char dir[64];
    char db[128];
    struct store *st;
};

static int setup(void **state)
{
    struct fx *fx = xcalloc(1, sizeof(*fx));
    struct lb_err err = { 0 };

    snprintf(fx->dir, sizeof(fx->dir), "/tmp/lifeboat-smarthist.XXXXXX");
    if (!mkdtemp(fx->dir))
        return -1;
    snprintf(fx->db, sizeof(fx->db), "%s/lifeboat.db", fx->dir);
    fx->st = store_open(fx->db, &err);
    if (!fx->st)
        return -1;
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fx *fx = *state;
    static const char *const names[] = { "lifeboat.db", "lifeboat.db-wal", "lifeboat.db-shm",
                                         "disk.json", "lifeboat.conf", "sat.json",
                                         "spool/usb-ssd.json" };
    char p[256];

    store_close(fx->st);
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(p, sizeof(p), "%s/%s", fx->dir, names[i]);
        unlink(p);
    }
    snprintf(p, sizeof(p), "%s/spool", fx->dir);
    rmdir(p);
    rmdir(fx->dir);
    free(fx);
    return 0;
}

static struct smart_sample sample(time_t at, enum smart_verdict v, int64_t temp, int64_t realloc)
{
    struct smart_sample s;

    memset(&s, 0, sizeof(s));
    smart_counters_none(&s.c);
    s.at = at;
    s.verdict = v;
    s.c.temperature = temp;
    s.c.reallocated = realloc;
    s.c.life_used = 7;
    return s;
}

static size_t count_since(struct store *st, const char *disk, time_t since)
{
    struct vec v = VEC_INIT(free);
    struct lb_err err = { 0 };
    size_t n;

    assert_int_equal(store_get_smart_samples(st, disk, since, &v, &err), 0);
    n = v.len;
    vec_release(&v);
    return n;
}

static void test_sample_roundtrip(void **state)
{
    struct fx *fx = *state;
    struct lb_err err = { 0 };
    struct smart_sample a = sample(NOW - DAY, SMART_VERDICT_OK, 38, 0);
    struct smart_sample b = sample(NOW, SMART_VERDICT_WARN, 41, 3);
    struct smart_sample got;
    struct vec v = VEC_INIT(free);
    char *doc = NULL;
    struct smart_sample *s0, *s1;

    assert_int_equal(store_put_smart_sample(fx->st, "usb-ssd", &a, "{\"old\":1}", &err), 0);
    assert_int_equal(store_put_smart_sample(fx->st, "usb-ssd", &b, "{\"new\":1}", &err), 0);
    assert_int_equal(store_put_smart_sample(fx->st, "other", &a, NULL, &err), 0);

    assert_int_equal(store_get_smart_samples(fx->st, "usb-ssd", 0, &v, &err), 0);
    assert_int_equal(v.len, 2);
    s0 = v.items[0];
    s1 = v.items[1];
    assert_int_equal(s0->at, NOW - DAY); /* oldest first */
    assert_int_equal(s0->verdict, SMART_VERDICT_OK);
    assert_int_equal(s0->c.temperature, 38);
    assert_int_equal(s1->verdict, SMART_VERDICT_WARN);
    assert_int_equal(s1->c.reallocated, 3);
    assert_int_equal(s1->c.life_used, 7);
    assert_int_equal(s1->c.media_errors, -1); /* not reported stays unknown, not 0 */
    assert_int_equal(s1->c.pending, -1);
    vec_release(&v);
    assert_int_equal(count_since(fx->st, "usb-ssd", NOW - 10), 1);

    /* the latest sample carries the kept document; the one before it does not */
    assert_int_equal(store_get_smart_last(fx->st, "usb-ssd", 0, &got, &doc, &err), 0);
    assert_int_equal(got.at, NOW);
    assert_string_equal(doc, "{\"new\":1}");
    free(doc);
    assert_int_equal(store_get_smart_last(fx->st, "usb-ssd", got.id, &got, &doc, &err), 0);
    assert_int_equal(got.at, NOW - DAY);
    assert_null(doc);
    assert_int_equal(store_get_smart_last(fx->st, "nothing", 0, &got, NULL, &err), -LB_ENOTFOUND);
}

static void test_thinning(void **state)
{
    struct fx *fx = *state;
    struct lb_err err = { 0 };
    time_t day40 = (NOW - 40 * DAY) / DAY * DAY; /* start of a UTC day 40 days back */
    struct smart_sample s;
    struct vec v = VEC_INIT(free);

    /* three readings on one day 40 days ago, two on another, two last week, one 800 days ago */
    s = sample(day40 + 3600, SMART_VERDICT_OK, 30, 0);
    assert_int_equal(store_put_smart_sample(fx->st, "d", &s, NULL, &err), 0);
    s = sample(day40 + 7200, SMART_VERDICT_OK, 31, 0);
    assert_int_equal(store_put_smart_sample(fx->st, "d", &s, NULL, &err), 0);
    s = sample(day40 + 80000, SMART_VERDICT_WARN, 44, 1);
    assert_int_equal(store_put_smart_sample(fx->st, "d", &s, NULL, &err), 0);
    s = sample(day40 - DAY + 10, SMART_VERDICT_OK, 29, 0);
    assert_int_equal(store_put_smart_sample(fx->st, "d", &s, NULL, &err), 0);
    s = sample(day40 - DAY + 20, SMART_VERDICT_OK, 28, 0);
    assert_int_equal(store_put_smart_sample(fx->st, "d", &s, NULL, &err), 0);
    s = sample(NOW - 5 * DAY, SMART_VERDICT_OK, 35, 1);
    assert_int_equal(store_put_smart_sample(fx->st, "d", &s, NULL, &err), 0);
    s = sample(NOW - 5 * DAY + 60, SMART_VERDICT_OK, 36, 1);
    assert_int_equal(store_put_smart_sample(fx->st, "d", &s, NULL, &err), 0);
    s = sample(NOW - 800 * DAY, SMART_VERDICT_OK, 20, 0);
    assert_int_equal(store_put_smart_sample(fx->st, "d", &s, NULL, &err), 0);
    s = sample(NOW - 800 * DAY, SMART_VERDICT_OK, 20, 0);
    assert_int_equal(store_put_smart_sample(fx->st, "other", &s, NULL, &err), 0);
    assert_int_equal(count_since(fx->st, "d", 0), 8);

    assert_int_equal(store_thin_smart_samples(fx->st, "d", NOW, &err), 0);
    assert_int_equal(store_get_smart_samples(fx->st, "d", 0, &v, &err), 0);
    assert_int_equal(v.len, 4); /* one per old day (2), both recent ones; the 800-day one gone */
    assert_int_equal(((struct smart_sample *)v.items[0])->at,
                     day40 - DAY + 20); /* the day's last */
    assert_int_equal(((struct smart_sample *)v.items[1])->at, day40 + 80000);
    assert_int_equal(((struct smart_sample *)v.items[1])->c.temperature, 44);
    assert_int_equal(((struct smart_sample *)v.items[2])->at, NOW - 5 * DAY);
    assert_int_equal(((struct smart_sample *)v.items[3])->at, NOW - 5 * DAY + 60);
    vec_release(&v);
    /* another disk's samples are left alone */
    assert_int_equal(count_since(fx->st, "other", 0), 1);
    /* thinning again changes nothing */
    assert_int_equal(store_thin_smart_samples(fx->st, "d", NOW, &err), 0);
    assert_int_equal(count_since(fx->st, "d", 0), 4);
}

static void test_disk_type(void **state)
{
    struct fx *fx = *state;
    struct lb_err err = { 0 };
    char *t = NULL;

    assert_int_equal(store_get_disk_type(fx->st, "usb-ssd", &t, &err), -LB_ENOTFOUND);
    assert_null(t);
    assert_int_equal(store_put_disk_type(fx->st, "usb-ssd", "sat", NOW, &err), 0);
    assert_int_equal(store_put_disk_type(fx->st, "usb-ssd", "sntasmedia", NOW + 1, &err), 0);
    assert_int_equal(store_get_disk_type(fx->st, "usb-ssd", &t, &err), 0);
    assert_string_equal(t, "sntasmedia");
    free(t);
}

/* Write FIX/name into path, with attribute 199's raw value and the error log count set. */
static void write_capture(const char *name, const char *path, int crc, int errlog)
{
    json_error_t jerr;
    json_t *root = json_load_file(name, 0, &jerr);
    json_t *tab, *a;
    size_t i;

    assert_non_null(root);
    tab = json_object_get(json_object_get(root, "ata_smart_attributes"), "table");
    json_array_foreach(tab, i, a) {
        if (json_integer_value(json_object_get(a, "id")) == 199) {
            json_t *raw = json_object_get(a, "raw");
            char s[16];

            snprintf(s, sizeof(s), "%d", crc);
            json_object_set_new(raw, "value", json_integer(crc));
            json_object_set_new(raw, "string", json_string(s));
        }
    }
    json_object_set_new(json_object_get(json_object_get(root, "ata_smart_error_log"), "summary"),
                        "count", json_integer(errlog));
    assert_int_equal(json_dump_file(root, path, 0), 0);
    json_decref(root);
}

static bool has_finding(const struct smart_report *r, const char *metric, enum smart_level level)
{
    size_t i;
    struct smart_finding *f;

    vec_foreach(&r->findings, i, f) {
        if (!strcmp(f->metric, metric) && f->level == level)
            return true;
    }
    return false;
}

static void test_growth_across_stored_samples(void **state)
{
    struct fx *fx = *state;
    struct lb_err err = { 0 };
    struct loop *loop = loop_new();
    struct disk_cfg dk = { 0 };
    struct smart_reading *rd = NULL;
    char path[256], name[] = "hgst", device[] = "/dev/sdz";

    snprintf(path, sizeof(path), "%s/disk.json", fx->dir);
    dk.name = name;
    dk.device = device;
    dk.source = path;

    /* first reading: 12 CRC errors and 12 error-log entries are old news, the drive is OK */
    write_capture(FIX "sata-hdd-hgst-errorlog-smartctl7.3-exit64.json", path, 12, 12);
    assert_int_equal(smart_sample_disk_sync(loop, fx->st, NULL, &dk, &rd, &err), 0);
    assert_false(rd->have_prev);
    assert_true(rd->stored);
    assert_int_equal(rd->report.verdict, SMART_VERDICT_OK);
    smart_reading_free(rd);

    /* the same again: no growth, still OK, now judged against the stored sample */
    assert_int_equal(smart_sample_disk_sync(loop, fx->st, NULL, &dk, &rd, &err), 0);
    assert_true(rd->have_prev);
    assert_int_equal(rd->prev.c.crc_errors, 12);
    assert_int_equal(rd->report.verdict, SMART_VERDICT_OK);
    smart_reading_free(rd);

    /* the cable starts to fail: CRC errors and the error log grow */
    write_capture(FIX "sata-hdd-hgst-errorlog-smartctl7.3-exit64.json", path, 15, 14);
    assert_int_equal(smart_sample_disk_sync(loop, fx->st, NULL, &dk, &rd, &err), 0);
    assert_true(rd->have_prev);
    assert_int_equal(rd->report.verdict, SMART_VERDICT_WARN);
    assert_true(has_finding(&rd->report, "crc_errors", SMART_LEVEL_WARN));
    assert_true(has_finding(&rd->report, "error_log", SMART_LEVEL_WARN));
    smart_reading_free(rd);
    assert_int_equal(count_since(fx->st, "hgst", 0), 3);

    /* the latest kept reading, read back as a console would at start, shows the growth */
    assert_int_equal(smart_history_latest(fx->st, "hgst", &rd, &err), 0);
    assert_int_equal(rd->report.verdict, SMART_VERDICT_WARN);
    assert_non_null(rd->data->model);
    smart_reading_free(rd);
    loop_free(loop);
}

static void test_selftest_status(void **state)
{
    struct smart_selftest_status st;
    struct lb_err err = { 0 };
    const char *running = "{\"ata_smart_data\":{\"self_test\":{\"status\":{\"value\":249,"
                          "\"string\":\"in progress, 90% of test remaining\","
                          "\"remaining_percent\":90}}}}";
    const char *done = "{\"ata_smart_data\":{\"self_test\":{\"status\":{\"value\":0,"
                       "\"string\":\"completed without error\",\"passed\":true}}}}";
    const char *failed = "{\"ata_smart_data\":{\"self_test\":{\"status\":{\"value\":121,"
                         "\"string\":\"completed: read failure\",\"passed\":false}}}}";

    (void)state;
    assert_int_equal(smart_selftest_status_parse(running, strlen(running), &st, &err), 0);
    assert_int_equal(st.state, SMART_SELFTEST_RUNNING);
    assert_int_equal(st.remaining_pct, 90);
    assert_int_equal(smart_selftest_status_parse(done, strlen(done), &st, &err), 0);
    assert_int_equal(st.state, SMART_SELFTEST_PASSED);
    assert_int_equal(smart_selftest_status_parse(failed, strlen(failed), &st, &err), 0);
    assert_int_equal(st.state, SMART_SELFTEST_FAILED);
    assert_string_equal(st.text, "completed: read failure");
    assert_int_equal(smart_selftest_status_parse("nope", 4, &st, &err), -LB_EPARSE);
}

static struct config *load(const struct fx *fx, const char *text)
{
    char path[256];
    FILE *f;
    struct vec problems = VEC_INIT(config_problem_free);
    struct lb_err err = { 0 };
    struct config *cfg;

    snprintf(path, sizeof(path), "%s/lifeboat.conf", fx->dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    chmod(path, 0600);
    cfg = config_load(path, false, &problems, &err);
    if (!cfg)
        print_message("config: %s\n", err.msg);
    assert_non_null(cfg);
    vec_release(&problems);
    return cfg;
}

static void test_app_disk_view_from_source(void **state)
{
    struct fx *fx = *state;
    struct loop *loop = loop_new();
    struct app *app;
    struct disk_view *dv;
    struct app_problem probs[16];
    size_t n;
    bool found = false;
    char text[1024], cwd[512];

    assert_non_null(getcwd(cwd, sizeof(cwd)));
    snprintf(text, sizeof(text),
             "[disk os-ssd]\n"
             "device = /dev/disk/by-id/ata-INTEL_SSDSC2BB016T4\n"
             "mount = /\n"
             "fill_warn = 98%%\n"
             "fill_crit = 99%%\n"
             "source = %s/" FIX "sata-ssd-intel-dcs3500-worn-mwi15-smartctl7.3.json\n",
             cwd);
    store_close(fx->st); /* the app opens the database itself */
    fx->st = NULL;

    app = app_new(loop, load(fx, text), fx->db);
    assert_int_equal(app->disks.len, 1);
    dv = app->disks.items[0];
    assert_null(dv->reading); /* nothing kept yet */
    assert_true(dv->mount_present);
    assert_true(dv->fill_pct > 0 && dv->fill_pct < 100);

    app_refresh_disks(app, false);
    assert_true(dv->refreshing);
    while (dv->refreshing)
        loop_run_once(loop, 1000);
    assert_non_null(dv->reading);
    assert_false(dv->from_store);
    assert_int_equal(dv->reading->report.verdict, SMART_VERDICT_WARN);
    assert_int_equal(dv->reading->report.counters.life_used, 85);
    assert_string_equal(dv->reading->data->model, "INTEL SSDSC2BB016T4");
    assert_int_equal(dv->history.len, 1);
    assert_int_equal(app_disk_health(dv), HEALTH_WARN);
    n = app_problems(app, time(NULL), probs, 16);
    for (size_t i = 0; i < n && i < 16; i++)
        if (!strcmp(probs[i].subject, "os-ssd") && strstr(probs[i].text, "SMART warn") &&
            strstr(probs[i].text, "85%"))
            found = true;
    assert_true(found);
    assert_int_equal(app_overall_health(app, time(NULL)), HEALTH_WARN);
    /* within the disk interval another refresh does not read again */
    app_refresh_disks(app, false);
    assert_false(dv->refreshing);
    app_free(app);

    /* the next console (e.g. a normal user's) starts from the kept reading */
    app = app_new(loop, load(fx, text), fx->db);
    dv = app->disks.items[0];
    assert_non_null(dv->reading);
    assert_true(dv->from_store);
    assert_int_equal(dv->reading->report.verdict, SMART_VERDICT_WARN);
    assert_int_equal(dv->history.len, 1);
    app_free(app);
    loop_free(loop);
}

static void test_selftest_refused_for_capture(void **state)
{
    struct fx *fx = *state;
    struct loop *loop = loop_new();
    struct app *app;
    struct lb_err err = { 0 };

    store_close(fx->st);
    fx->st = NULL;
    app = app_new(loop,
                  load(fx, "[disk demo]\ndevice = /dev/sdx\nsource = /nonexistent/capture.json\n"),
                  fx->db);
    assert_int_equal(app_disk_selftest_start(app, app->disks.items[0], &err), -LB_EUSAGE);
    assert_non_null(strstr(err.msg, "no drive to test"));
    app_free(app);
    loop_free(loop);
}

/* Copy a fixture to dir/name. */
static void copy_fixture(const char *fixture, const char *dir, const char *name)
{
    char path[256], buf[4096];
    FILE *in = fopen(fixture, "rb"), *out;
    size_t n;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    out = fopen(path, "wb");
    assert_non_null(in);
    assert_non_null(out);
    while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
        assert_int_equal(fwrite(buf, 1, n, out), n);
    fclose(in);
    assert_int_equal(fclose(out), 0);
}

/* The fake smartctl answers -d sat from fx->dir/sat.json; the spool is fx->dir/spool. */
static void fake_env(const struct fx *fx, char *spool, size_t n)
{
    char cwd[512], prog[700];

    assert_non_null(getcwd(cwd, sizeof(cwd)));
    snprintf(prog, sizeof(prog), "%s/" FIX "fake-smartctl.sh", cwd);
    snprintf(spool, n, "%s/spool", fx->dir);
    setenv("LIFEBOAT_SMARTCTL", prog, 1);
    setenv("FAKE_SMARTCTL_DIR", fx->dir, 1);
    setenv("LIFEBOAT_SPOOL_DIR", spool, 1);
}

static void fake_env_clear(void)
{
    unsetenv("LIFEBOAT_SMARTCTL");
    unsetenv("FAKE_SMARTCTL_DIR");
    unsetenv("LIFEBOAT_SPOOL_DIR");
}

/* A reading by smartctl as root shares its document: 0644 in the spool, even under umask 077. */
static void test_root_sample_writes_spool(void **state)
{
    struct fx *fx = *state;
    struct lb_err err = { 0 };
    struct loop *loop;
    struct disk_cfg dk = { 0 };
    struct smart_reading *rd = NULL;
    char spool[128], path[256], name[] = "usb-ssd", device[] = "/dev/sdz", type[] = "sat";
    struct stat st;
    struct smart_data *d = NULL;
    mode_t old;

    if (geteuid() != 0) {
        skip();
        return;
    }
    fake_env(fx, spool, sizeof(spool));
    copy_fixture(FIX "usb-sat-sandisk-pssd-smartctl7.4.json", fx->dir, "sat.json");
    dk.name = name;
    dk.device = device;
    dk.type = type;
    loop = loop_new();
    old = umask(077);
    assert_int_equal(smart_sample_disk_sync(loop, fx->st, NULL, &dk, &rd, &err), 0);
    umask(old);
    assert_int_equal(rd->data->state, SMART_STATE_DATA);
    smart_reading_free(rd);
    snprintf(path, sizeof(path), "%s/usb-ssd.json", spool);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0644);
    assert_int_equal(stat(spool, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0755);
    assert_int_equal(smart_parse_file(path, &d, &err), 0);
    assert_string_equal(d->model, "SanDisk pSSD");
    smart_data_free(&d);

    /* a reading that reads nothing leaves the shared sample alone */
    copy_fixture(FIX "local-smartctl7.3-nonroot-open-permission-denied.json", fx->dir, "sat.json");
    assert_int_equal(smart_sample_disk_sync(loop, fx->st, NULL, &dk, &rd, &err), 0);
    assert_int_equal(rd->data->state, SMART_STATE_PERMISSION);
    assert_false(rd->from_spool); /* the runner's reading never falls back */
    smart_reading_free(rd);
    assert_int_equal(smart_parse_file(path, &d, &err), 0);
    assert_string_equal(d->model, "SanDisk pSSD");
    smart_data_free(&d);
    loop_free(loop);
    fake_env_clear();
}

/* The console's smartctl is refused: the disk view shows the root job's sample and says so. */
static void test_app_disk_view_from_spool(void **state)
{
    struct fx *fx = *state;
    struct loop *loop = loop_new();
    struct app *app;
    struct disk_view *dv;
    char spool[128], path[256];
    struct app_problem probs[16];
    size_t n;
    bool found = false;

    fake_env(fx, spool, sizeof(spool));
    copy_fixture(FIX "local-smartctl7.3-nonroot-open-permission-denied.json", fx->dir, "sat.json");
    assert_int_equal(mkdir(spool, 0755), 0);
    copy_fixture(FIX "sata-ssd-intel-dcs3500-worn-mwi15-smartctl7.3.json", spool, "usb-ssd.json");
    store_close(fx->st);
    fx->st = NULL;

    app = app_new(loop, load(fx, "[disk usb-ssd]\ndevice = /dev/sdz\ntype = sat\n"), fx->db);
    dv = app->disks.items[0];
    app_refresh_disks(app, true);
    while (dv->refreshing)
        loop_run_once(loop, 1000);
    assert_non_null(dv->reading);
    assert_true(dv->reading->from_spool);
    assert_false(dv->reading->stored); /* root's sample is not the user's history */
    assert_int_equal(dv->live_state, SMART_STATE_PERMISSION);
    assert_int_equal(dv->reading->report.verdict, SMART_VERDICT_WARN);
    assert_string_equal(dv->reading->data->model, "INTEL SSDSC2BB016T4");
    assert_non_null(strstr(dv->live_hint, "read from the root job's sample at "));
    assert_non_null(strstr(dv->live_hint, "(smartctl needs root here)"));
    assert_non_null(strstr(dv->live_error, "Permission denied"));
    assert_int_equal(app_disk_health(dv), HEALTH_WARN);
    n = app_problems(app, time(NULL), probs, 16);
    for (size_t i = 0; i < n && i < 16; i++)
        if (!strcmp(probs[i].subject, "usb-ssd") && strstr(probs[i].text, "SMART warn") &&
            strstr(probs[i].text, "85%"))
            found = true;
    assert_true(found);
    app_free(app);

    /* without the spool file the permission problem is shown as before */
    snprintf(path, sizeof(path), "%s/usb-ssd.json", spool);
    assert_int_equal(unlink(path), 0);
    app = app_new(loop, load(fx, "[disk usb-ssd]\ndevice = /dev/sdz\ntype = sat\n"), fx->db);
    dv = app->disks.items[0];
    app_refresh_disks(app, true);
    while (dv->refreshing)
        loop_run_once(loop, 1000);
    assert_non_null(dv->reading);
    assert_false(dv->reading->from_spool);
    assert_int_equal(dv->reading->report.verdict, SMART_VERDICT_ERROR);
    assert_non_null(strstr(dv->live_hint, "root"));
    assert_null(strstr(dv->live_hint, "root job's sample"));
    app_free(app);
    loop_free(loop);
    fake_env_clear();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sample_roundtrip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_thinning, setup, teardown),
        cmocka_unit_test_setup_teardown(test_disk_type, setup, teardown),
        cmocka_unit_test_setup_teardown(test_growth_across_stored_samples, setup, teardown),
        cmocka_unit_test(test_selftest_status),
        cmocka_unit_test_setup_teardown(test_app_disk_view_from_source, setup, teardown),
        cmocka_unit_test_setup_teardown(test_selftest_refused_for_capture, setup, teardown),
        cmocka_unit_test_setup_teardown(test_root_sample_writes_spool, setup, teardown),
        cmocka_unit_test_setup_teardown(test_app_disk_view_from_spool, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
