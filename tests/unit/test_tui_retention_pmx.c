/*
 * The Retention screen with PBS backup groups as tiers and the console's
 * own `restic version`, drawn without a person: a real engine (app_new on a
 * config with a [pbs] section and a state database holding the cached
 * inventory: the datastore's backups and its prune job), a fake restic
 * answering 0.17.3 through spawn; the header then follows restic 0.17 and
 * says where that comes from, and the group vm/100 shows its policy and
 * where it comes from, its points with the rule that keeps them, and what
 * a what-if change would remove.
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
#include <wchar.h>

#include "backend/app.h"
#include "backend/base/buf.h"
#include "backend/base/xalloc.h"
#include "backend/config.h"
#include "backend/loop.h"
#include "backend/store.h"
#include "tui/crt.h"
#include "tui/glyph.h"
#include "tui/provide_curses.h"
#include "tui/screen.h"
#include "tui/theme.h"

#include "tests/unit/tui_harness.h"

#define URL "https://127.0.0.1:9"

struct world {
    char dir[256], db[300], dump[300];
    struct loop *loop;
    struct app *app;
    struct screen_mgr *mgr;
    struct screen_ctx ctx;
    struct harness_term term;
    bool changed;
    struct screen_text screen;
};

static time_t local(int y, int mo, int d, int h, int mi)
{
    struct tm tm = { .tm_year = y - 1900,
                     .tm_mon = mo - 1,
                     .tm_mday = d,
                     .tm_hour = h,
                     .tm_min = mi,
                     .tm_isdst = -1 };

    return mktime(&tm);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    chmod(path, mode);
}

static void on_change(struct app *app, unsigned flags, void *arg)
{
    struct world *w = arg;

    (void)app;
    if (flags & APP_CHANGED_BUSY)
        w->changed = true;
}

static int setup(void **state)
{
    struct world *w = xcalloc(1, sizeof(*w));
    char path[320], fake[320];
    struct buf doc = BUF_INIT(0);
    struct store *st;
    struct lb_err err = { 0 };
    struct vec problems = VEC_INIT(config_problem_free);
    struct config *cfg;
    time_t now = local(2026, 11, 25, 12, 0);

    setenv("TZ", "Europe/Berlin", 1);
    tzset();
    if (!setlocale(LC_CTYPE, "C.UTF-8"))
        return -1;
    snprintf(w->dir, sizeof(w->dir), "%s/lifeboat-retpmx-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    assert_non_null(mkdtemp(w->dir));
    snprintf(w->db, sizeof(w->db), "%s/state.db", w->dir);
    snprintf(w->dump, sizeof(w->dump), "%s/dump.txt", w->dir);
    /* a restic that answers like 0.17.3 */
    snprintf(fake, sizeof(fake), "%s/restic", w->dir);
    write_file(fake, "#!/bin/sh\necho 'restic 0.17.3 compiled with go1.22.5 on linux/amd64'\n",
               0700);
    setenv("LIFEBOAT_RESTIC", fake, 1);
    snprintf(path, sizeof(path), "%s/pbs.token", w->dir);
    write_file(path, "lifeboat@pbs!console:00000000-0000-0000-0000-000000000000\n", 0600);
    /* the cached inventory: 40 nights of vm/100 at 02:00, the datastore's prune job */
    buf_printf(&doc,
               "{\"version\":1,\"pve_at\":0,\"pbs_at\":%lld,\"guests\":[],"
               "\"datastore\":{},\"pbs_jobs\":[{\"kind\":\"prune\",\"id\":\"p-1\","
               "\"store\":\"usb-ssd\",\"schedule\":\"daily\",\"disabled\":false,"
               "\"keep\":{\"set\":true,\"daily\":5,\"weekly\":2}}],\"pbs_backups\":[",
               (long long)now - 600);
    for (int d = 0; d < 40; d++)
        buf_printf(&doc,
                   "%s{\"type\":\"vm\",\"id\":\"100\",\"time\":%lld,\"size\":1000,"
                   "\"complete\":true,\"protected\":false,\"verify\":\"ok\"}",
                   d ? "," : "", (long long)local(2026, 10, 17 + d, 2, 0));
    buf_puts(&doc, "]}");
    st = store_open(w->db, &err);
    assert_non_null(st);
    assert_int_equal(
        store_put_inventory(st, "proxmox - " URL " usb-ssd", buf_cstr(&doc), now - 600, &err), 0);
    store_close(st);
    buf_release(&doc);
    snprintf(path, sizeof(path), "%s/lifeboat.conf", w->dir);
    {
        char text[1024];

        snprintf(text, sizeof(text),
                 "[repo os-ssd]\nurl = %s/repo\npassword_file = %s/pbs.token\n"
                 "keep = daily=7\n\n"
                 "[pbs lab]\nurl = " URL "\ntoken_file = %s/pbs.token\ndatastore = usb-ssd\n",
                 w->dir, w->dir, w->dir);
        write_file(path, text, 0600);
    }
    cfg = config_load(path, false, &problems, &err);
    if (!cfg)
        print_message("config: %s\n", err.msg);
    assert_non_null(cfg);
    vec_release(&problems);
    w->loop = loop_new();
    w->app = app_new(w->loop, cfg, w->db);
    w->app->on_change = on_change;
    w->app->on_change_arg = w;

    if (harness_term_open(&w->term, 60, 200) < 0)
        return -1;
    w->mgr = screen_mgr_new(w->app, "testhost", NULL, NULL);
    w->ctx = (struct screen_ctx){ w->app, now, 1000 };
    assert_true(screen_mgr_switch(w->mgr, 5));
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    struct world *w = *state;
    char cmd[600];

    screen_mgr_free(w->mgr);
    harness_term_close(&w->term);
    app_free(w->app);
    loop_free(w->loop);
    unsetenv("LIFEBOAT_RESTIC");
    snprintf(cmd, sizeof(cmd), "%s/restic", w->dir);
    unlink(cmd);
    snprintf(cmd, sizeof(cmd), "%s/pbs.token", w->dir);
    unlink(cmd);
    snprintf(cmd, sizeof(cmd), "%s/lifeboat.conf", w->dir);
    unlink(cmd);
    unlink(w->dump);
    unlink(w->db);
    snprintf(cmd, sizeof(cmd), "%s-wal", w->db);
    unlink(cmd);
    snprintf(cmd, sizeof(cmd), "%s-shm", w->db);
    unlink(cmd);
    rmdir(w->dir);
    free(w);
    setlocale(LC_CTYPE, "C");
    return 0;
}

static void render(struct world *w)
{
    harness_render(w->mgr, &w->ctx, w->dump, &w->screen);
}

static void test_pbs_tier_and_restic_version(void **state)
{
    struct world *w = *state;
    int row;

    /* the first draw: restic was asked, it has not answered yet */
    render(w);
    assert_on_screen(&w->screen, " os-ssd ");
    assert_on_screen(&w->screen, "restic 0.14 rules");
    assert_on_screen(&w->screen, "asking restic its version");
    /* restic answers through spawn: the restic tier follows 0.17 and says why */
    for (int i = 0; i < 100 && !w->changed; i++)
        loop_run_once(w->loop, 100);
    assert_true(w->changed);
    render(w);
    assert_on_screen(&w->screen, "restic 0.17 rules");
    assert_on_screen(&w->screen, "restic 0.17.3 here");

    /* the PBS group, the next tier */
    screen_mgr_key(w->mgr, 'l', &w->ctx);
    render(w);
    assert_on_screen(&w->screen, " vm/100 ");
    assert_on_screen(&w->screen, "Proxmox prune rules, server local time");
    assert_on_screen(&w->screen, "policy daily=5 weekly=2 (PBS prune job p-1)");
    assert_on_screen(&w->screen, "no PVE job backs it up");
    assert_on_screen(&w->screen, "40 points");
    assert_on_screen(&w->screen, "33 would go at the next prune");
    /* the newest: kept daily; one a week ago Sunday: weekly */
    row = harness_find(&w->screen, "2026-11-25 02:00");
    assert_true(row > 0);
    assert_non_null(strstr(w->screen.lines[row], "keep"));
    assert_non_null(strstr(w->screen.lines[row], "daily"));
    row = harness_find(&w->screen, "2026-11-15 02:00");
    assert_true(row > 0);
    assert_non_null(strstr(w->screen.lines[row], "weekly"));
    row = harness_find(&w->screen, "2026-11-14 02:00");
    assert_true(row > 0);
    assert_non_null(strstr(w->screen.lines[row], "would go"));

    /* the what-if: weekly 2 -> 3 keeps one more */
    screen_mgr_key(w->mgr, 'e', &w->ctx);
    screen_mgr_key(w->mgr, 'l', &w->ctx); /* daily -> weekly */
    screen_mgr_key(w->mgr, '+', &w->ctx);
    render(w);
    assert_on_screen(&w->screen, "keep 8");
    assert_on_screen(&w->screen, "would go 32");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_pbs_tier_and_restic_version, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
