/*
 * The Snapshots screen (6) and the Proxmox parts of the Overview drawn
 * without a person: a hand-filled model, curses writing to /dev/null, the
 * screen read back with the screen dump, at 80x24 and 200x60. Checks the
 * guests with their copies, the stale snapshot, the snapshot list with the
 * current one, the task panel with its log tail, and that every action asks
 * first and names its target (a rollback of a guest outside the drill range
 * wants its VMID typed).
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
#include "backend/base/xalloc.h"
#include "backend/config.h"
#include "backend/proxmox_model.h"
#include "tui/action.h"
#include "tui/crt.h"
#include "tui/glyph.h"
#include "tui/provide_curses.h"
#include "tui/screen.h"
#include "tui/theme.h"

#include "tests/unit/tui_harness.h"

#define NOW  ((time_t)1795000000)
#define HOUR 3600
#define DAY  86400

struct world {
    struct config cfg;
    struct pve_cfg pve;
    struct pbs_cfg pbs;
    struct app app;
    struct app_pmx pmx;
    struct screen_mgr *mgr;
    struct screen_ctx ctx;
    struct harness_term term;
    char names[4][32];
    char dump[256];
    struct screen_text screen;
};

static void snap_free(void *p)
{
    struct pmx_snap *s = p;

    free(s->name);
    free(s->description);
    free(s->parent);
    free(s->snapstate);
    free(s);
}

static void add_snap(struct pmx_guest *g, const char *name, time_t t, bool ram, const char *parent,
                     const char *desc, bool current)
{
    struct pmx_snap *s = xcalloc(1, sizeof(*s));

    s->name = xstrdup(name);
    s->snaptime = t;
    s->vmstate = ram;
    s->parent = xstrdup(parent);
    s->description = xstrdup(desc);
    s->is_current = current;
    vec_push(&g->snaps, s);
    g->snap_count++;
    if (!g->snap_newest || t > g->snap_newest)
        g->snap_newest = t;
    if (!g->snap_oldest || t < g->snap_oldest)
        g->snap_oldest = t;
}

static struct pmx_guest *add_guest(struct world *w, int vmid, const char *type, const char *name,
                                   const char *job, time_t backup, const char *verify)
{
    struct pmx_guest *g = xcalloc(1, sizeof(*g));

    g->vmid = vmid;
    snprintf(g->type, sizeof(g->type), "%s", type);
    g->name = xstrdup(name);
    g->node = xstrdup("pve");
    g->status = xstrdup("running");
    vec_init(&g->snaps, snap_free);
    g->snaps_known = g->pbs_known = g->jobs_known = true;
    g->job = xstrdup(job);
    g->job_enabled = job != NULL;
    g->backup_newest = backup;
    g->backup_count = backup ? 9 : 0;
    snprintf(g->verify, sizeof(g->verify), "%s", verify);
    vec_push(&w->pmx.guests, g);
    return g;
}

static void resize(struct world *w, int cols, int lines)
{
    (void)w;
    resize_term(lines, cols);
}

static int setup(void **state)
{
    struct world *w = xcalloc(1, sizeof(*w));
    struct pmx_guest *g;
    struct pmx_task *t;

    if (!setlocale(LC_CTYPE, "C.UTF-8"))
        return -1;
    snprintf(w->names[0], sizeof(w->names[0]), "main");
    snprintf(w->names[1], sizeof(w->names[1]), "https://pve.example:8006");
    snprintf(w->names[2], sizeof(w->names[2]), "docker-srv");
    snprintf(w->names[3], sizeof(w->names[3]), "usb-ssd");
    if (harness_term_open(&w->term, 24, 80) < 0)
        return -1;
    snprintf(w->dump, sizeof(w->dump), "%s/lifeboat-snaps-%d.txt",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());

    w->pve.name = w->names[0];
    w->pve.url = w->names[1];
    w->pve.snapshot_max_age = 7 * DAY;
    w->pbs.name = w->names[2];
    w->pbs.datastore = w->names[3];
    w->cfg.drill.rollback_vmid = 9000;
    w->app.cfg = &w->cfg;
    w->app.pmx = &w->pmx;
    w->pmx.pve = &w->pve;
    w->pmx.pbs = &w->pbs;
    w->pmx.snapshot_max_age = 7 * DAY;
    w->pmx.rpo = 26 * HOUR;
    w->pmx.pve_src.configured = w->pmx.pbs_src.configured = true;
    w->pmx.pve_src.fetched_at = w->pmx.pbs_src.fetched_at = NOW - 120;
    vec_init(&w->pmx.guests, pmx_guest_free);
    vec_init(&w->pmx.tasks, NULL);
    g = add_guest(w, 100, "qemu", "pfsense", "backup-nightly", NOW - 20 * HOUR, "ok");
    add_snap(g, "weekly", NOW - 6 * DAY, false, NULL, "weekly before updates", false);
    add_snap(g, "pre-upgrade", NOW - 2 * DAY, true, "weekly", "before pfSense 2.7.2", true);
    g = add_guest(w, 101, "qemu", "docker-srv", "backup-nightly", NOW - 19 * HOUR, "ok");
    add_snap(g, "before-compose-update", NOW - 20 * DAY, false, NULL, "", true);
    g->stale_count = 1;
    add_guest(w, 103, "lxc", "nextcloud", "backup-nightly", NOW - 19 * HOUR, "failed");
    add_guest(w, 104, "qemu", "homeassistant", NULL, 0, "");
    g = add_guest(w, 9000, "qemu", "drill-test", "backup-nightly", NOW - 10 * HOUR, "ok");
    add_snap(g, "clean", NOW - 2 * DAY, false, NULL, "drill base", true);
    w->pmx.ds = (struct pmx_datastore){ w->names[3],  true, 1000ull << 30,  450ull << 30,
                                        550ull << 30, true, NOW + 200 * DAY };
    /* a finished task with its log */
    t = xcalloc(1, sizeof(*t));
    t->vmid = 100;
    snprintf(t->what, sizeof(t->what), "create snapshot lb-test of vm 100 pfsense");
    t->state = PMX_TASK_DONE;
    t->outcome = PMX_OK;
    t->started = NOW - 10;
    t->ended = NOW - 7;
    vec_init(&t->log, free);
    vec_push(&t->log, xstrdup("snapshotting 'drive-scsi0' (local-lvm:vm-100-disk-0)"));
    vec_push(&t->log, xstrdup("TASK OK"));
    vec_push(&w->pmx.tasks, t);

    w->mgr = screen_mgr_new(&w->app, "testhost", NULL, NULL);
    w->ctx = (struct screen_ctx){ &w->app, NOW, 13000 };
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    struct world *w = *state;

    screen_mgr_free(w->mgr);
    harness_term_close(&w->term);
    vec_release(&w->pmx.guests);
    for (size_t i = 0; i < w->pmx.tasks.len; i++) {
        struct pmx_task *t = w->pmx.tasks.items[i];

        vec_release(&t->log);
        free(t);
    }
    vec_release(&w->pmx.tasks);
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

static void type(struct world *w, const char *s)
{
    for (; *s; s++)
        key(w, (unsigned char)*s);
}

static void test_guests_and_snapshots_80x24(void **state)
{
    struct world *w = *state;

    resize(w, 80, 24);
    key(w, '6');
    render(w);
    harness_assert_fits(&w->screen, 80, 24);
    assert_on_screen(&w->screen, "guests");
    assert_on_screen(&w->screen, "vm 100 pfsense");
    assert_on_screen(&w->screen, "ct 103 nextcloud");
    assert_on_screen(&w->screen, "vm 9000 drill-test");
    assert_on_screen(&w->screen, "20d \u25b2");        /* the stale snapshot of 101 */
    assert_on_screen(&w->screen, "19h \u2717 verify"); /* 103's newest backup failed verify */
    assert_on_screen(&w->screen, "none \u25b2");       /* 104: no backup, no job */
    assert_on_screen(&w->screen, "snapshots \u00b7 vm 100 pfsense");
    assert_on_screen(&w->screen, "pre-upgrade (current)");
    assert_on_screen(&w->screen, "limit 7d");
    /* the task that ended, with its log tail */
    assert_on_screen(&w->screen, "create snapshot lb-test of vm 100 pfsense");
    assert_on_screen(&w->screen, "TASK OK");
}

static void test_wide_200x60(void **state)
{
    struct world *w = *state;

    resize(w, 200, 60);
    key(w, '6');
    render(w);
    harness_assert_fits(&w->screen, 200, 60);
    assert_on_screen(&w->screen, "backup-nightly");
    assert_on_screen(&w->screen, "oldest");
    assert_on_screen(&w->screen, "before pfSense 2.7.2");
    assert_on_screen(&w->screen, "weekly before updates");
    assert_on_screen(&w->screen, "PBS usb-ssd");
    assert_on_screen(&w->screen, "45 %");
    key(w, KEYF(KEY_DOWN)); /* 101 */
    render(w);
    assert_on_screen(&w->screen, "snapshots \u00b7 vm 101 docker-srv");
    assert_on_screen(&w->screen, "before-compose-update (current)");
    resize(w, 80, 24);
}

static void test_create_asks_name_then_confirms(void **state)
{
    struct world *w = *state;

    resize(w, 80, 24);
    key(w, '6');
    key(w, 'g');
    key(w, 'c');
    render(w);
    assert_on_screen(&w->screen, "create a snapshot of vm 100 pfsense");
    assert_on_screen(&w->screen, "name: lb-");
    /* a name PVE refuses is said so and the question stays */
    key(w, KEYC('u'));
    type(w, "1bad name");
    key(w, '\n');
    render(w);
    assert_on_screen(&w->screen, "name: 1bad name");
    key(w, KEYC('u'));
    type(w, "before-test");
    key(w, '\n');
    render(w);
    assert_on_screen(&w->screen, "Create snapshot 'before-test' of vm 100 pfsense now?");
    assert_on_screen(&w->screen, "Enter creates it");
    key(w, KEY_ESC);
    render(w);
    assert_on_screen(&w->screen, "cancelled: nothing was changed");
    assert_not_on_screen(&w->screen, "Enter creates it");
}

static void test_rollback_of_a_real_guest_wants_its_vmid(void **state)
{
    struct world *w = *state;

    resize(w, 80, 24);
    key(w, '6');
    key(w, 'g');
    key(w, 'R'); /* not in the snapshot list yet */
    render(w);
    assert_on_screen(&w->screen, "pick a snapshot first");
    key(w, '\n'); /* into the snapshots: the newest is selected */
    key(w, 'k');  /* weekly */
    key(w, 'R');
    render(w);
    assert_on_screen(&w->screen, "roll vm 100 pfsense back?");
    assert_on_screen(&w->screen, "weekly");
    assert_on_screen(&w->screen, "is lost");
    assert_on_screen(&w->screen, "type 100 to roll it back");
    type(w, "101");
    key(w, '\n');
    render(w);
    assert_on_screen(&w->screen, "type 100 to roll it back (Esc cancels)");
    key(w, KEY_ESC);
    render(w);
    assert_on_screen(&w->screen, "cancelled: nothing was changed");
    key(w, KEY_ESC); /* back to the guests */
}

static void test_rollback_of_the_drill_guest_and_delete(void **state)
{
    struct world *w = *state;

    resize(w, 80, 24);
    key(w, '6');
    key(w, 'G'); /* 9000 drill-test */
    key(w, '\n');
    key(w, 'R');
    render(w);
    assert_on_screen(&w->screen, "roll vm 9000 drill-test back?");
    assert_on_screen(&w->screen, "drill guest: Enter rolls back");
    key(w, KEY_ESC);
    key(w, 'D');
    render(w);
    assert_on_screen(&w->screen, "delete a snapshot of vm 9000 drill-test?");
    assert_on_screen(&w->screen, "Delete snapshot 'clean' of vm 9000 drill-test?");
    /* Enter goes to the engine, which is not running in this test: its error is shown */
    key(w, '\n');
    render(w);
    assert_on_screen(&w->screen, "the Proxmox engine is not running");
    key(w, KEY_ESC);
}

/* b: back the guest up to PBS now, to the storage of its job; asks first naming both. */
static void test_backup_now_asks_naming_guest_and_storage(void **state)
{
    struct world *w = *state;
    struct pve_backup_job *j;

    resize(w, 80, 24);
    key(w, '6');
    key(w, 'b'); /* vm 100, no job list read: no storage to name */
    render(w);
    assert_on_screen(&w->screen, "no backup storage known for vm 100 pfsense");
    assert_true(harness_find(&w->screen, "to PBS now?") < 0);

    vec_init(&w->pmx.pve_jobs, pve_backup_job_free);
    j = xcalloc(1, sizeof(*j));
    j->id = xstrdup("backup-nightly");
    j->enabled = true;
    j->storage = xstrdup("pbs-usb");
    j->vmid = xstrdup("100,101,103,9000");
    vec_push(&w->pmx.pve_jobs, j);
    key(w, 'b');
    render(w);
    harness_assert_fits(&w->screen, 80, 24);
    assert_on_screen(&w->screen, "back up vm 100 pfsense to PBS now?");
    assert_on_screen(&w->screen, "storage   pbs-usb  (the storage of the backup job covering it)");
    assert_on_screen(&w->screen, "Enter backs it up   Esc cancels");
    key(w, KEY_ESC);
    render(w);
    assert_on_screen(&w->screen, "cancelled: nothing was changed");
    assert_int_equal(w->pmx.tasks.len, 1); /* only the task of the setup */

    /* a guest no job covers: the storage the jobs write to, said so */
    key(w, 'G');
    key(w, 'k'); /* 104 homeassistant */
    key(w, 'b');
    render(w);
    assert_on_screen(&w->screen, "back up vm 104 homeassistant to PBS now?");
    assert_on_screen(&w->screen, "no backup job covers it");
    /* Enter goes to the engine, which is not running in this test: its error is shown */
    key(w, '\n');
    render(w);
    assert_on_screen(&w->screen, "the Proxmox engine is not running");
    assert_int_equal(w->pmx.tasks.len, 1);
    vec_release(&w->pmx.pve_jobs);
}

static void test_overview_matrix_and_datastore(void **state)
{
    struct world *w = *state;

    resize(w, 100, 30);
    key(w, '1');
    render(w);
    harness_assert_fits(&w->screen, 100, 30);
    assert_on_screen(&w->screen, "rollback");
    assert_on_screen(&w->screen, "PBS");
    assert_on_screen(&w->screen, "vm 100 pfsense");
    assert_on_screen(&w->screen, "20h \u2713");
    assert_on_screen(&w->screen, "PBS usb-ssd");
    assert_on_screen(&w->screen, "full ~");
    resize(w, 80, 24);
    render(w);
    harness_assert_fits(&w->screen, 80, 24);
    assert_on_screen(&w->screen, "vm 100 pfsense");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_guests_and_snapshots_80x24, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wide_200x60, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_asks_name_then_confirms, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rollback_of_a_real_guest_wants_its_vmid, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_rollback_of_the_drill_guest_and_delete, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_backup_now_asks_naming_guest_and_storage, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_overview_matrix_and_datastore, setup, teardown),
    };

    setenv("TZ", "UTC", 1);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
