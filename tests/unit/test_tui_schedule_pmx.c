/*
 * The Schedule screen with the Proxmox jobs, drawn without a person: a PVE
 * backup job at 02:00 (its last result not known, said why), a disabled one
 * left out, the PBS GC with its last run and length, lifeboat's own 02:10
 * job overlapping the PVE job inside the quiet window; the jobs as cached
 * with their age when PVE could not be read.
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
#include "backend/app_proxmox.h"
#include "backend/base/str.h"
#include "backend/base/xalloc.h"
#include "backend/config.h"
#include "backend/pmx_recent.h"
#include "backend/pve.h"
#include "tui/crt.h"
#include "tui/glyph.h"
#include "tui/provide_curses.h"
#include "tui/screen.h"
#include "tui/theme.h"

#include "tests/unit/tui_harness.h"

struct world {
    struct config cfg;
    struct app app;
    struct app_pmx pmx;
    struct pve_cfg pve;
    struct pbs_cfg pbs;
    struct screen_mgr *mgr;
    struct screen_ctx ctx;
    struct harness_term term;
    char dump[256];
    struct screen_text screen;
};

static time_t at(const char *s)
{
    struct tm tm = { 0 };

    assert_non_null(strptime(s, "%Y-%m-%d %H:%M", &tm));
    tm.tm_isdst = -1;
    return mktime(&tm);
}

static void free_job(void *p)
{
    struct job_cfg *j = p;

    free(j->name);
    free(j->schedule);
    vec_release(&j->repos);
    free(j);
}

static struct pve_backup_job *pve_job(const char *id, const char *schedule, bool enabled)
{
    struct pve_backup_job *j = xcalloc(1, sizeof(*j));

    j->id = xstrdup(id);
    j->schedule = xstrdup(schedule);
    j->enabled = enabled;
    j->storage = xstrdup("pbs-usb");
    j->vmid = xstrdup("100,101");
    return j;
}

static int setup(void **state)
{
    struct world *w = xcalloc(1, sizeof(*w));
    struct job_cfg *jc = xcalloc(1, sizeof(*jc));
    struct pbs_job *gc = xcalloc(1, sizeof(*gc));

    setenv("TZ", "UTC", 1);
    tzset();
    if (!setlocale(LC_CTYPE, "C.UTF-8"))
        return -1;
    if (harness_term_open(&w->term, 60, 200) < 0)
        return -1;
    snprintf(w->dump, sizeof(w->dump), "%s/lifeboat-schedpmx-%d.txt",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());
    w->cfg.console.quiet_from = 60;
    w->cfg.console.quiet_to = 360;
    vec_init(&w->cfg.jobs, free_job);
    jc->name = xstrdup("nightly");
    jc->schedule = xstrdup("*-*-* 02:10");
    vec_init(&jc->repos, free);
    vec_push(&jc->repos, xstrdup("usb-ssd"));
    vec_push(&w->cfg.jobs, jc);
    w->app.cfg = &w->cfg;

    /* the Proxmox side as the engine holds it */
    w->pve.name = xstrdup("lab");
    w->pbs.name = xstrdup("lab");
    w->pbs.datastore = xstrdup("usb-ssd");
    w->pmx.pve = &w->pve;
    w->pmx.pbs = &w->pbs;
    w->pmx.pve_src.configured = w->pmx.pbs_src.configured = true;
    w->pmx.pve_src.fetched_at = w->pmx.pbs_src.fetched_at = at("2026-11-26 13:59");
    vec_init(&w->pmx.pve_jobs, pve_backup_job_free);
    vec_init(&w->pmx.pbs_jobs, pbs_job_free);
    vec_push(&w->pmx.pve_jobs, pve_job("backup-83831498-c631", "02:00", true));
    vec_push(&w->pmx.pve_jobs, pve_job("backup-70025700-2302", "sun 05:00", false));
    w->pmx.pve_jobs_known = true;
    str_copy(gc->kind, sizeof(gc->kind), "gc");
    gc->id = xstrdup("usb-ssd");
    gc->store = xstrdup("usb-ssd");
    gc->schedule = xstrdup("daily");
    gc->last_state = xstrdup("OK");
    /* started 2026-11-26 00:00 UTC (0x6B077680), ended 98 s later */
    gc->last_upid = xstrdup("UPID:pbs:000004D2:0000162E:00000001:6B077680:garbage_collection:"
                            "usb-ssd:root@pam:");
    gc->last_end = at("2026-11-26 00:01") + 38;
    vec_push(&w->pmx.pbs_jobs, gc);
    w->pmx.pbs_jobs_known = true;
    w->app.pmx = &w->pmx;
    w->mgr = screen_mgr_new(&w->app, "testhost", NULL, NULL);
    w->ctx = (struct screen_ctx){ &w->app, at("2026-11-26 14:00"), 1000 };
    assert_true(screen_mgr_switch(w->mgr, 2));
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    struct world *w = *state;

    screen_mgr_free(w->mgr);
    harness_term_close(&w->term);
    vec_release(&w->cfg.jobs);
    vec_release(&w->pmx.pve_jobs);
    vec_release(&w->pmx.pbs_jobs);
    free(w->pve.name);
    free(w->pbs.name);
    free(w->pbs.datastore);
    unlink(w->dump);
    free(w);
    setlocale(LC_CTYPE, "C");
    return 0;
}

static void render(struct world *w)
{
    harness_render(w->mgr, &w->ctx, w->dump, &w->screen);
}

static void test_pmx_jobs_200x60(void **state)
{
    struct world *w = *state;

    render(w);
    harness_assert_fits(&w->screen, 200, 60);
    harness_assert_row_has(&w->screen, "backup-83831498-c631", "pve");
    harness_assert_row_has(&w->screen, "backup-83831498-c631", "tomorrow 02:00");
    harness_assert_row_has(&w->screen, "backup-83831498-c631", "not known");
    assert_on_screen(&w->screen,
                     "PVE jobs' last result: PVE does not say which job started a vzdump task");
    assert_true(harness_find(&w->screen, "backup-70025700-2302") < 0); /* disabled */
    assert_on_screen(&w->screen, "1 disabled or unscheduled Proxmox job left out");
    harness_assert_row_has(&w->screen, "gc usb-ssd", "pbs");
    harness_assert_row_has(&w->screen, "gc usb-ssd", "tomorrow 00:00");
    harness_assert_row_has(&w->screen, "gc usb-ssd", "1m38s");
    assert_on_screen(&w->screen, "nightly overlaps backup-83831498-c631");
}

static struct pbs_job *pbs_daily(const char *kind, const char *id)
{
    struct pbs_job *j = xcalloc(1, sizeof(*j));

    str_copy(j->kind, sizeof(j->kind), kind);
    j->id = xstrdup(id);
    j->store = xstrdup("usb-ssd");
    j->schedule = xstrdup("daily");
    return j;
}

/* Screen rows holding text. */
static int rows_with(const struct screen_text *s, const char *text)
{
    int n = 0;

    for (int i = 0; i < s->nlines; i++)
        n += strstr(s->lines[i], text) != NULL;
    return n;
}

/*
 * PBS's GC, verify and prune all "daily" (00:00) on usb-ssd, and lifeboat's
 * 02:10 job with the PVE 02:00 job: the same overlaps every day are one line
 * each, not 28, so the notes after them and the job's detail still show.
 */
static void test_daily_overlaps_one_line_each(void **state)
{
    struct world *w = *state;

    vec_push(&w->pmx.pbs_jobs, pbs_daily("verify", "v-3f2a9c1e-77d0"));
    vec_push(&w->pmx.pbs_jobs, pbs_daily("prune", "default-usb-ssd-1a2b"));
    screen_mgr_key(w->mgr, 'r', &w->ctx);
    render(w);
    harness_assert_fits(&w->screen, 200, 60);
    assert_on_screen(&w->screen,
                     "\u25b2 every day 00:00-00:01  gc usb-ssd overlaps verify v-3f2a9c1e-77d0: "
                     "both use usb-ssd, the second waits for the lock (outside the quiet window)");
    assert_on_screen(&w->screen, "every day 00:00-00:01  gc usb-ssd overlaps prune "
                                 "default-usb-ssd-1a2b: both use usb-ssd");
    assert_on_screen(&w->screen, "every day 00:00-00:30  verify v-3f2a9c1e-77d0 overlaps prune "
                                 "default-usb-ssd-1a2b: both use usb-ssd");
    /* lifeboat's job and the PVE job: inside the quiet window, so no "outside" */
    harness_assert_row_has(&w->screen,
                           "every day 02:10-02:30  nightly overlaps "
                           "backup-83831498-c631",
                           "2:30  nightly overlaps backup-83831498-c631");
    assert_null(
        strstr(w->screen.lines[harness_find(&w->screen, "nightly overlaps backup")], "outside"));
    assert_int_equal(rows_with(&w->screen, " overlaps "), 4);
    /* what comes after the overlaps now fits: the PVE note, the left-out job, the detail */
    assert_on_screen(&w->screen,
                     "PVE jobs' last result: PVE does not say which job started a vzdump task");
    assert_on_screen(&w->screen, "1 disabled or unscheduled Proxmox job left out");
    assert_on_screen(&w->screen, "n nightly: *-*-* 02:10");

    resize_term(24, 80);
    render(w);
    harness_assert_fits(&w->screen, 80, 24);
    assert_on_screen(&w->screen, "every day 00:00-00:01  gc usb-ssd overlaps verify");
}

/* The task list holds last night's run: pvescheduler's vzdump (root@pam) at 02:00. */
static void test_pve_last_run_from_tasks(void **state)
{
    struct world *w = *state;
    struct pmx_recent *r = xcalloc(1, sizeof(*r));

    r->product = PMX_PVE;
    r->node = xstrdup("pve");
    r->type = xstrdup("vzdump");
    r->id = xstrdup("");
    r->user = xstrdup("root@pam");
    r->upid = xstrdup("UPID:pve:0033F5E7:110A8027:6B07E4A4:vzdump::root@pam:");
    r->status = xstrdup("WARNINGS: 1");
    r->started = at("2026-11-26 02:00") + 4;
    r->ended = r->started + 22 * 60;
    vec_init(&w->pmx.recent, pmx_recent_free);
    vec_push(&w->pmx.recent, r);
    w->pmx.recent_known = true;
    render(w);
    harness_assert_row_has(&w->screen, "backup-83831498-c631", "▲ 11h");
    harness_assert_row_has(&w->screen, "backup-83831498-c631", "22m");
    assert_on_screen(&w->screen, "PVE jobs: the last run is the vzdump task PVE's scheduler");
    assert_true(harness_find(&w->screen, "does not say which job") < 0);
    /* its measured length (22 min), not a guess, still meets lifeboat's 02:10 job */
    assert_on_screen(&w->screen, "nightly overlaps backup-83831498-c631");
    vec_release(&w->pmx.recent);
}

static void test_pmx_jobs_cached_80x24(void **state)
{
    struct world *w = *state;

    resize_term(24, 80);
    w->pmx.pve_src.failed = true;
    lb_err_set(&w->pmx.pve_src.error, LB_ETIMEOUT, "PVE 'lab' did not answer within 20s");
    w->pmx.pve_src.fetched_at = at("2026-11-26 11:00");
    screen_mgr_key(w->mgr, 'r', &w->ctx);
    render(w);
    harness_assert_fits(&w->screen, 80, 24);
    assert_on_screen(&w->screen, "backup-83831498");
    assert_on_screen(&w->screen, "PVE not read (PVE 'lab' did not answer");
}

/*
 * s runs a PVE backup job now: on lifeboat's own job it says how to run it,
 * on a PBS job that it is not supported; on the PVE job it asks first,
 * naming the job, its guests, storage and mode; Esc starts nothing.
 */
static void test_run_now_asks_first(void **state)
{
    struct world *w = *state;

    resize_term(24, 80);
    screen_mgr_key(w->mgr, 'g', &w->ctx); /* nightly: lifeboat's own */
    screen_mgr_key(w->mgr, 's', &w->ctx);
    render(w);
    assert_on_screen(&w->screen, "nightly is lifeboat's own job: run it from the Runs screen");
    screen_mgr_key(w->mgr, 'G', &w->ctx); /* gc usb-ssd: PBS */
    screen_mgr_key(w->mgr, 's', &w->ctx);
    render(w);
    assert_on_screen(&w->screen, "gc usb-ssd is a PBS job: running it from lifeboat is not");
    screen_mgr_key(w->mgr, 'k', &w->ctx); /* the PVE job */
    screen_mgr_key(w->mgr, 's', &w->ctx);
    render(w);
    harness_assert_fits(&w->screen, 80, 24);
    assert_on_screen(&w->screen, "run backup job backup-83831498-c631 now?");
    assert_on_screen(&w->screen, "guests    100, 101");
    assert_on_screen(&w->screen, "storage   pbs-usb   mode snapshot");
    assert_on_screen(&w->screen, "Enter runs it   Esc cancels");
    screen_mgr_key(w->mgr, KEY_ESC, &w->ctx);
    render(w);
    assert_on_screen(&w->screen, "cancelled: backup job backup-83831498-c631 was not run");
    assert_true(harness_find(&w->screen, "now?") < 0);
    assert_int_equal(w->pmx.tasks.len, 0);
    /* Enter without a guest list: no node to run it on, said so; nothing started */
    screen_mgr_key(w->mgr, 's', &w->ctx);
    screen_mgr_key(w->mgr, '\n', &w->ctx);
    render(w);
    assert_on_screen(&w->screen, "no PVE node known to run backup job backup-83831498-c631 on");
    assert_int_equal(w->pmx.tasks.len, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_pmx_jobs_200x60, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pve_last_run_from_tasks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_daily_overlaps_one_line_each, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pmx_jobs_cached_80x24, setup, teardown),
        cmocka_unit_test_setup_teardown(test_run_now_asks_first, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
