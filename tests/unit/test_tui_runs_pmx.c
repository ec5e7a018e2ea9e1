/*
 * The Runs screen's Proxmox tasks (t) and the Disks screen's PBS section
 * drawn without a person: a config with [pve] and [pbs] (never contacted),
 * the engine's task rows and PBS disks filled as a refresh leaves them,
 * curses writing to /dev/null and the screen read back. At 80x24 and 200x60
 * every row fits, the failed verify job is marked, the warning and the
 * running task say so, t goes back to the jobs; the USB disk's unknown
 * status is explained.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/app.h"
#include "backend/app_proxmox.h"
#include "backend/base/xalloc.h"
#include "backend/config.h"
#include "backend/loop.h"
#include "backend/pbs_smart.h"
#include "backend/pmx_recent.h"
#include "tui/screen.h"

#include "tests/unit/tui_harness.h"

struct world {
    char dir[256], conf[300], tok[300];
    struct loop *loop;
    struct app *app;
    struct screen_mgr *mgr;
    struct screen_ctx ctx;
    struct harness_term term;
    char dump[320];
    struct screen_text screen;
    time_t now;
};

static void put_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    chmod(path, 0600);
}

static void row(struct world *w, enum pmx_product p, const char *type, const char *id,
                const char *status, time_t started, time_t took)
{
    struct pmx_recent *r = xcalloc(1, sizeof(*r));

    r->product = p;
    r->node = xstrdup(p == PMX_PBS ? "pbs" : "pve");
    r->type = xstrdup(type);
    r->id = xstrdup(id);
    r->user = xstrdup("root@pam");
    r->upid =
        xasprintf("UPID:%s:0000%04X:00000001:%08llX:%s:%s:root@pam:", r->node,
                  (unsigned)(w->app->pmx->recent.len + 1), (unsigned long long)started, type, id);
    r->status = status ? xstrdup(status) : NULL;
    r->started = started;
    r->ended = status ? started + took : 0;
    vec_push(&w->app->pmx->recent, r);
}

static void disk(struct world *w, const char *name, const char *status, int wearout,
                 const char *type, const char *serial)
{
    struct pbs_disk *d = xcalloc(1, sizeof(*d));

    d->name = xstrdup(name);
    d->status = xstrdup(status);
    d->wearout = wearout;
    d->disk_type = xstrdup(type);
    d->used = xstrdup("filesystem");
    d->model = xstrdup("pSSD");
    d->vendor = xstrdup("SanDisk");
    d->serial = xstrdup(serial);
    d->size = 1000204886016ULL;
    vec_push(&w->app->pmx->pbs_disks, d);
}

static int setup(void **state)
{
    struct world *w = xcalloc(1, sizeof(*w));
    struct lb_err err = { 0 };
    struct vec problems = VEC_INIT(config_problem_free);
    struct config *cfg;
    char text[2048];
    time_t night;

    if (!setlocale(LC_CTYPE, "C.UTF-8"))
        return -1;
    w->now = time(NULL);
    snprintf(w->dir, sizeof(w->dir), "%s/lifeboat-runs-pmx-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(w->dir))
        return -1;
    snprintf(w->conf, sizeof(w->conf), "%s/lifeboat.conf", w->dir);
    snprintf(w->tok, sizeof(w->tok), "%s/token", w->dir);
    put_file(w->tok, "lifeboat@pve!console=00000000-0000-0000-0000-000000000000\n");
    snprintf(text, sizeof(text),
             "[pve main]\nurl = https://127.0.0.1:1\ntoken_file = %s\n\n"
             "[pbs lab]\nurl = https://127.0.0.1:1\ntoken_file = %s\ndatastore = usb-ssd\n",
             w->tok, w->tok);
    put_file(w->conf, text);
    cfg = config_load(w->conf, false, &problems, &err);
    vec_release(&problems);
    if (!cfg)
        return -1;
    if (harness_term_open(&w->term, 24, 80) < 0)
        return -1;
    snprintf(w->dump, sizeof(w->dump), "%s/screen.txt", w->dir);
    w->loop = loop_new();
    w->app = app_new(w->loop, cfg, NULL);
    w->mgr = screen_mgr_new(w->app, "testhost", NULL, NULL);
    w->ctx = (struct screen_ctx){ w->app, w->now, 13000 };
    /* what a refresh leaves: both lists, newest first */
    night = w->now - 20 * 3600;
    row(w, PMX_PVE, "qmsnapshot", "100", NULL, w->now - 5, 0);
    row(w, PMX_PBS, "verificationjob", "usb-ssd:v-3f2a9c1e-77d0",
        "verification failed - please check the log for details", night + 480, 95);
    row(w, PMX_PVE, "vzdump", "", "WARNINGS: 1", night, 381);
    row(w, PMX_PBS, "prunejob", "usb-ssd", "OK", night - 7200, 3);
    w->app->pmx->recent_known = true;
    w->app->pmx->recent_at = w->now - 30;
    disk(w, "sda", "passed", 99, "ssd", "S5SXNG0R123456");
    disk(w, "sdb", "unknown", -1, "usb", "06c9f4c44");
    disk(w, "sdc", "failed", 12, "hdd", "WX41");
    w->app->pmx->pbs_disks_known = true;
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    struct world *w = *state;

    screen_mgr_free(w->mgr);
    harness_term_close(&w->term);
    app_cancel_all(w->app);
    app_free(w->app);
    loop_free(w->loop);
    unlink(w->dump);
    unlink(w->conf);
    unlink(w->tok);
    rmdir(w->dir);
    free(w);
    setlocale(LC_CTYPE, "C");
    return 0;
}

static void render(struct world *w)
{
    harness_render(w->mgr, &w->ctx, w->dump, &w->screen);
}

static void key(struct world *w, int k)
{
    screen_mgr_key(w->mgr, k, &w->ctx);
}

static void tasks_checks(struct world *w)
{
    assert_on_screen(&w->screen, "Proxmox tasks \u00b7 whoever started them \u00b7 4");
    assert_on_screen(&w->screen, "read 30s ago");
    harness_assert_row_has(&w->screen, "verificationjob", "\u2717 verification failed");
    harness_assert_row_has(&w->screen, "verificationjob", "pbs ");
    harness_assert_row_has(&w->screen, "vzdump ", "\u25b2 WARNINGS: 1");
    harness_assert_row_has(&w->screen, "vzdump ", "6m21s");
    harness_assert_row_has(&w->screen, "qmsnapshot 100", "\u27f3 running");
    harness_assert_row_has(&w->screen, "prunejob usb-ssd", "\u2713 OK");
    assert_on_screen(&w->screen, "t pve/pbs");
}

static void test_tasks(void **state)
{
    struct world *w = *state;

    key(w, '3');
    key(w, 't');
    render(w);
    harness_assert_tidy(&w->screen, 80, 24);
    tasks_checks(w);
    /* newest first: the running snapshot above the verify job above the vzdump */
    assert_true(harness_find(&w->screen, "qmsnapshot") <
                harness_find(&w->screen, "verificationjob"));
    assert_true(harness_find(&w->screen, "verificationjob") < harness_find(&w->screen, "vzdump"));

    resize_term(60, 200);
    render(w);
    harness_assert_tidy(&w->screen, 200, 60);
    tasks_checks(w);
    harness_assert_row_has(&w->screen, "verificationjob",
                           "verification failed - please check the log for details");
    harness_assert_row_has(&w->screen, "verificationjob usb-ssd:v-3f2a9c1e-77d0", "root@pam");

    /* s here is not a job start */
    key(w, 's');
    render(w);
    assert_on_screen(&w->screen, "these are Proxmox tasks: t goes back to lifeboat's jobs");
    key(w, 't');
    render(w);
    assert_not_on_screen(&w->screen, "Proxmox tasks");
    assert_on_screen(&w->screen, "no [job NAME] in the config");
    resize_term(24, 80);
}

static void disks_checks(struct world *w)
{
    assert_on_screen(&w->screen, "PBS lab disks \u00b7 as PBS reports them");
    harness_assert_row_has(&w->screen, "sda ", "\u2713 passed");
    harness_assert_row_has(&w->screen, "sda ", "99%");
    harness_assert_row_has(&w->screen, "sdb ", "? unknown");
    harness_assert_row_has(&w->screen, "sdc ", "\u2717 failed");
    assert_on_screen(&w->screen, "sdb: PBS cannot read SMART through this USB bridge");
    assert_on_screen(&w->screen, "sdc: the drive itself reports that it is failing");
}

static void test_disks(void **state)
{
    struct world *w = *state;

    key(w, '4');
    render(w);
    harness_assert_tidy(&w->screen, 80, 24);
    assert_on_screen(&w->screen, "no [disk NAME] section");
    disks_checks(w);
    resize_term(60, 200);
    render(w);
    harness_assert_tidy(&w->screen, 200, 60);
    disks_checks(w);
    resize_term(24, 80);
}

/* What PBS answers for a failing SATA SSD (the simulator's sda with /_sim/disk failing). */
static const char SMART_BODY[] =
    "{\"data\":{\"status\":\"failed\",\"wearout\":99.0,\"attributes\":["
    "{\"id\":5,\"name\":\"Reallocated_Sector_Ct\",\"flags\":\"PO--CK\",\"normalized\":5.0,"
    "\"worst\":5.0,\"threshold\":10.0,\"value\":\"1975\",\"raw\":\"1975\"},"
    "{\"id\":9,\"name\":\"Power_On_Hours\",\"flags\":\"-O--CK\",\"normalized\":99.0,"
    "\"worst\":99.0,\"threshold\":0.0,\"value\":\"2871\",\"raw\":\"2871\"},"
    "{\"id\":190,\"name\":\"Airflow_Temperature_Cel\",\"flags\":\"-O--CK\",\"normalized\":63.0,"
    "\"worst\":52.0,\"threshold\":0.0,\"value\":\"37 (Min/Max 21/48)\","
    "\"raw\":\"37 (Min/Max 21/48)\"}]}}";

static void smart_checks(struct world *w, int cols, int rows)
{
    harness_assert_tidy(&w->screen, cols, rows);
    assert_on_screen(&w->screen, "PBS lab \u00b7 sda \u00b7 SMART as PBS reports it");
    assert_on_screen(&w->screen, "\u2717 failed  99% life left  1 attribute failing");
    harness_assert_row_has(&w->screen, "  5 Reallocated_Sector_Ct ", "PO--CK \u2717");
    harness_assert_row_has(&w->screen, "  5 Reallocated_Sector_Ct ", "    5     5     10  1975");
    harness_assert_row_has(&w->screen, "190 Airflow_Temperature_Cel", "37 (Min/Max 21/48)");
    assert_on_screen(&w->screen, "1-3 of 3");
}

/* Enter on a PBS row starts the read (a spinner, nothing blocks); the answer drawn; Esc back. */
static void test_disks_smart(void **state)
{
    struct world *w = *state;
    struct pbs_smart_view *v = &w->app->pmx->smart;
    struct vec out = VEC_INIT(pbs_smart_free);
    struct lb_err err = { 0 };

    key(w, '4');
    render(w);
    assert_on_screen(&w->screen, "as PBS reports them \u00b7 Enter: SMART"); /* on sda */
    key(w, '\n');
    render(w);
    assert_true(v->open && v->loading);
    assert_on_screen(&w->screen, "sda \u00b7 SMART as PBS reports it");
    assert_on_screen(&w->screen, "reading");
    /* the answer as the loop would hand it over */
    app_pbs_smart_close(w->app);
    assert_int_equal(pbs_parse_smart(SMART_BODY, strlen(SMART_BODY), &out, &err), 0);
    v->open = true;
    snprintf(v->disk, sizeof(v->disk), "sda");
    v->smart = out.items[0];
    out.items[0] = NULL;
    vec_release(&out);
    render(w);
    smart_checks(w, 80, 24);
    resize_term(60, 200);
    render(w);
    smart_checks(w, 200, 60);
    resize_term(24, 80);
    key(w, 27);
    render(w);
    assert_false(v->open);
    assert_not_on_screen(&w->screen, "SMART as PBS reports it");
    assert_on_screen(&w->screen, "PBS lab disks \u00b7 as PBS reports them");
}

/* The token file gone: the panel opens with the reason, nothing hangs. */
static void test_disks_smart_no_token(void **state)
{
    struct world *w = *state;
    struct pbs_smart_view *v = &w->app->pmx->smart;

    unlink(w->tok);
    key(w, '4');
    key(w, '\n');
    render(w);
    assert_true(v->open);
    assert_false(v->loading);
    assert_null(v->smart);
    harness_assert_tidy(&w->screen, 80, 24);
    assert_on_screen(&w->screen, "sda \u00b7 SMART as PBS reports it");
    assert_on_screen(&w->screen, "the SMART data of sda could not be read");
    assert_non_null(strstr(v->error, w->tok)); /* names the file (wrapped on screen) */
    key(w, 27);
    render(w);
    assert_false(v->open);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_tasks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_disks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_disks_smart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_disks_smart_no_token, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
