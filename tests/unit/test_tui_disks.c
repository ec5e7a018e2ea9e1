/*
 * The Disks screen drawn without a person: two disks read from real
 * smartctl captures (a healthy USB SSD, a worn SATA SSD), curses writing to
 * /dev/null, the screen read back with the screen dump. Checks what an
 * operator sees at 80x24 and 200x60, the failing wear attribute, the mount
 * line, the Overview's disk line, and the self-test question naming the
 * device before anything runs.
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
#include <unistd.h>
#include <wchar.h>

#include "backend/app.h"
#include "backend/base/xalloc.h"
#include "backend/config.h"
#include "backend/smart_history.h"
#include "tui/crt.h"
#include "tui/glyph.h"
#include "tui/provide_curses.h"
#include "tui/screen.h"
#include "tui/theme.h"

#include "tests/unit/tui_harness.h"

#define FIX "tests/fixtures/smartctl/"
#define NOW ((time_t)1795000000)

struct world {
    struct config cfg;
    struct app app;
    struct screen_mgr *mgr;
    struct screen_ctx ctx;
    struct harness_term term;
    char dump[256];
    struct screen_text screen;
};

static struct disk_view *disk(struct world *w, const char *name, const char *device,
                              const char *capture, const char *mount)
{
    struct disk_cfg *dc = xcalloc(1, sizeof(*dc));
    struct disk_view *dv = xcalloc(1, sizeof(*dv));
    struct smart_reading *rd = xcalloc(1, sizeof(*rd));
    struct lb_err err = { 0 };

    dc->name = xstrdup(name);
    dc->device = xstrdup(device);
    dc->mount = mount ? xstrdup(mount) : NULL;
    dc->fill_warn = 80;
    dc->fill_crit = 90;
    vec_push(&w->cfg.disks, dc);
    assert_int_equal(smart_parse_file(capture, &rd->data, &err), 0);
    rd->disk = dc->name;
    rd->at = NOW - 120;
    smart_rules_eval(rd->data, NULL, NULL, &rd->report);
    dv->cfg = dc;
    dv->reading = rd;
    dv->selftest_remaining = -1;
    vec_init(&dv->history, free);
    for (int i = 0; i < 30; i++) {
        struct smart_sample *s = xcalloc(1, sizeof(*s));

        smart_sample_fill(s, &rd->report, NOW - (time_t)(29 - i) * 86400 * 3);
        s->c.temperature = rd->report.counters.temperature >= 0 ? 20 + i / 3 : -1;
        vec_push(&dv->history, s);
    }
    if (mount) {
        dv->mount_checked = true;
        dv->mount_present = true;
        dv->fill_pct = 61;
        dv->mount_size = 1000ull << 30;
        dv->mount_avail = 390ull << 30;
    }
    vec_push(&w->app.disks, dv);
    return dv;
}

static int setup(void **state)
{
    struct world *w = xcalloc(1, sizeof(*w));

    if (!setlocale(LC_CTYPE, "C.UTF-8"))
        return -1;
    if (harness_term_open(&w->term, 24, 80) < 0)
        return -1;
    snprintf(w->dump, sizeof(w->dump), "%s/lifeboat-disks-%d.txt",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());
    w->app.cfg = &w->cfg;
    w->app.last_refresh = NOW - 30;
    disk(w, "usb-ssd", "/dev/disk/by-id/usb-SanDisk_Portable_SSD-0:0",
         FIX "usb-sat-sandisk-pssd-smartctl7.4.json", "/mnt/usb-ssd");
    disk(w, "os-ssd", "/dev/disk/by-id/ata-INTEL_SSDSC2BB016T4",
         FIX "sata-ssd-intel-dcs3500-worn-mwi15-smartctl7.3.json", NULL);
    w->mgr = screen_mgr_new(&w->app, "testhost", NULL, NULL);
    w->ctx = (struct screen_ctx){ &w->app, NOW, 13000 };
    *state = w;
    return 0;
}

static void free_disk_cfg(void *p)
{
    struct disk_cfg *dc = p;

    free(dc->name);
    free(dc->device);
    free(dc->mount);
    free(dc);
}

static void free_view(void *p)
{
    struct disk_view *dv = p;

    smart_reading_free(dv->reading);
    vec_release(&dv->history);
    free(dv);
}

static int teardown(void **state)
{
    struct world *w = *state;

    screen_mgr_free(w->mgr);
    harness_term_close(&w->term);
    w->app.disks.free_item = free_view;
    vec_release(&w->app.disks);
    w->cfg.disks.free_item = free_disk_cfg;
    vec_release(&w->cfg.disks);
    unlink(w->dump);
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

static void test_disks_80x24(void **state)
{
    struct world *w = *state;
    int row;

    key(w, '4');
    render(w);
    harness_assert_fits(&w->screen, 80, 24);
    assert_on_screen(&w->screen, "4 Disks");
    /* one row per disk with its verdict */
    row = harness_find(&w->screen, "usb-ssd ");
    assert_true(row > 0);
    assert_non_null(strstr(w->screen.lines[row], "ok \u2713"));
    assert_non_null(strstr(w->screen.lines[row], "61%"));
    row = harness_find(&w->screen, "os-ssd ");
    assert_true(row > 0);
    assert_non_null(strstr(w->screen.lines[row], "warn \u25b2"));
    assert_non_null(strstr(w->screen.lines[row], "85%"));
    /* the selected disk in detail; the rest is a page away */
    assert_on_screen(&w->screen, "usb-ssd \u00b7 SanDisk pSSD");
    assert_on_screen(&w->screen, "temperature unknown");
    assert_on_screen(&w->screen, "more (PgDn)");
    assert_on_screen(&w->screen, "s self-test");
    /* the worn disk: its finding is said in words */
    key(w, 'j');
    render(w);
    harness_assert_fits(&w->screen, 80, 24);
    assert_on_screen(&w->screen, "85% of the rated write endurance used");
}

static void test_disks_200x60(void **state)
{
    struct world *w = *state;
    int row;

    resize_term(60, 200);
    key(w, '4');
    key(w, 'j');
    render(w);
    harness_assert_fits(&w->screen, 200, 60);
    /* findings, mount-less disk, trends and attributes side by side, nothing to page */
    assert_on_screen(&w->screen, "self-test and attributes");
    assert_on_screen(&w->screen, "last 90 days");
    row = harness_find(&w->screen, "233 Media_Wearout_Indicator");
    assert_true(row > 0);
    assert_non_null(strstr(w->screen.lines[row], "\u25b2")); /* the wear attribute is flagged */
    row = harness_find(&w->screen, "5 Reallocated_Sector_Ct");
    assert_true(row > 0);
    assert_null(strstr(w->screen.lines[row], "\u25b2"));
    assert_on_screen(&w->screen, "67329 h on");
    assert_int_equal(harness_find(&w->screen, "more (PgDn)"), -1);
    /* the USB SSD with its mount */
    key(w, 'k');
    render(w);
    assert_on_screen(&w->screen, "mount /mnt/usb-ssd");
    assert_on_screen(&w->screen, "61% used");
    assert_on_screen(&w->screen, "390 GiB of 1000 GiB");
}

static void test_selftest_asks_first(void **state)
{
    struct world *w = *state;

    key(w, '4');
    key(w, 's');
    render(w);
    harness_assert_fits(&w->screen, 80, 24);
    assert_on_screen(&w->screen, "start a short self-test?");
    assert_on_screen(&w->screen, "/dev/disk/by-id/usb-SanDisk_Portable_SSD-0:0");
    assert_on_screen(&w->screen, "Enter starts it");
    /* Esc: nothing started, the question is gone */
    key(w, KEY_ESC);
    render(w);
    assert_int_equal(harness_find(&w->screen, "start a short self-test?"), -1);
    assert_int_equal(((struct disk_view *)w->app.disks.items[0])->selftest, DISK_SELFTEST_IDLE);
}

static void test_overview_disk_line(void **state)
{
    struct world *w = *state;
    int row;

    render(w);
    harness_assert_fits(&w->screen, 80, 24);
    row = harness_find(&w->screen, "disk usb-ssd ok");
    if (row < 0)
        harness_show(&w->screen);
    assert_true(row > 0);
    assert_non_null(strstr(w->screen.lines[row], "fill 61%"));
    assert_non_null(strstr(w->screen.lines[row], "os-ssd warn"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_disks_80x24, setup, teardown),
        cmocka_unit_test_setup_teardown(test_disks_200x60, setup, teardown),
        cmocka_unit_test_setup_teardown(test_selftest_asks_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overview_disk_line, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
