/*
 * PVE parsers on real captured responses (tests/fixtures/proxmox/, see its
 * README): every field lifeboat reads equals the capture; the quirks (string
 * vmid before PVE 8.2, string numbers in prune-backups, unordered snapshot
 * lists with "current" last); UPID parsing for both products; task outcomes;
 * the drill-range and snapshot-name guards.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/base/xalloc.h"
#include "backend/proxmox.h"
#include "backend/pve.h"

static char *fixture(const char *name, size_t *len)
{
    const char *top = getenv("TOP");
    char *path = xasprintf("%s/tests/fixtures/proxmox/%s", top && *top ? top : ".", name);
    FILE *f = fopen(path, "rb");
    char *buf = xmalloc(1 << 20);

    assert_non_null(f);
    *len = fread(buf, 1, (1 << 20) - 1, f);
    buf[*len] = '\0';
    fclose(f);
    free(path);
    return buf;
}

static void parse_fixture(const char *name, pmx_parse_fn parse, struct vec *out)
{
    size_t len;
    char *body = fixture(name, &len);
    struct lb_err err = { 0 };

    assert_int_equal(parse(body, len, out, &err), 0);
    free(body);
}

static void test_cluster_resources(void **state)
{
    struct vec v = VEC_INIT(pve_guest_free);
    struct pve_guest *g;

    (void)state;
    parse_fixture("pve-GET-cluster-resources--type-vm.json", pve_parse_guests, &v);
    assert_int_equal(v.len, 6);
    g = v.items[0];
    assert_int_equal(g->vmid, 100);
    assert_string_equal(g->type, "qemu");
    assert_string_equal(g->name, "pxe.home.arpa");
    assert_string_equal(g->node, "pve");
    assert_string_equal(g->status, "running");
    assert_false(g->is_template);
    assert_true(g->maxmem == 4294967296ULL);
    assert_true(g->maxdisk == 34359738368ULL);
    assert_int_equal(g->uptime, 669);
    assert_null(g->pool);
    g = v.items[1];
    assert_int_equal(g->vmid, 101);
    assert_string_equal(g->node, "pve2");
    assert_string_equal(g->pool, "pool1");
    assert_string_equal(g->status, "stopped");
    g = v.items[2];
    assert_string_equal(g->type, "lxc");
    assert_int_equal(g->vmid, 102);
    g = v.items[5];
    assert_int_equal(g->vmid, 105);
    assert_string_equal(g->name, ""); /* a CT without hostname */
    vec_release(&v);
}

static void test_node_lists_string_vmid(void **state)
{
    struct vec v = VEC_INIT(pve_guest_free);
    struct pve_guest *g;

    (void)state;
    parse_fixture("pve-GET-nodes-node-lxc--pre-8.2-string-vmid.json", pve_parse_lxc_list, &v);
    assert_int_equal(v.len, 4);
    g = v.items[0];
    assert_int_equal(g->vmid, 103); /* "103" in the capture */
    assert_string_equal(g->type, "lxc");
    assert_null(g->node);
    g = v.items[1];
    assert_int_equal(g->vmid, 102);
    assert_string_equal(g->status, "running");
    vec_release(&v);

    vec_init(&v, pve_guest_free);
    parse_fixture("pve-GET-nodes-node-qemu.json", pve_parse_qemu_list, &v);
    assert_int_equal(v.len, 2);
    assert_int_equal(((struct pve_guest *)v.items[0])->vmid, 101);
    assert_int_equal(((struct pve_guest *)v.items[1])->vmid, 100);
    assert_string_equal(((struct pve_guest *)v.items[1])->type, "qemu");
    vec_release(&v);
}

static void test_backup_jobs(void **state)
{
    struct vec v = VEC_INIT(pve_backup_job_free);
    struct pve_backup_job *j;

    (void)state;
    parse_fixture("pve-GET-cluster-backup.json", pve_parse_backup_jobs, &v);
    assert_int_equal(v.len, 2);
    j = v.items[0];
    assert_string_equal(j->id, "backup-83831498-c631");
    assert_string_equal(j->schedule, "06,18:30");
    assert_string_equal(j->storage, "local");
    assert_string_equal(j->vmid, "100");
    assert_string_equal(j->mode, "snapshot");
    assert_true(j->enabled);
    assert_int_equal(j->next_run, 1735138800);
    assert_false(j->keep.set);
    assert_true(pve_job_selects(j, 100, NULL));
    assert_false(pve_job_selects(j, 101, NULL));
    j = v.items[1];
    assert_string_equal(j->vmid, "100,101,102");
    assert_string_equal(j->schedule, "sat 15:00");
    assert_true(pve_job_selects(j, 102, NULL));
    assert_false(pve_job_selects(j, 10, NULL));
    vec_release(&v);
}

static void test_prune_backups_strings_and_selection(void **state)
{
    static const char body[] =
        "{\"data\":[{\"id\":\"j1\",\"type\":\"vzdump\",\"schedule\":\"02:00\",\"all\":1,"
        "\"exclude\":\"104,105\",\"enabled\":\"0\",\"prune-backups\":{\"keep-daily\":\"7\","
        "\"keep-weekly\":\"4\"}},{\"id\":\"j2\",\"pool\":\"prod\",\"prune-backups\":"
        "\"keep-last=3,keep-monthly=2\"}]}";
    struct vec v = VEC_INIT(pve_backup_job_free);
    struct lb_err err;
    struct pve_backup_job *j;

    (void)state;
    assert_int_equal(pve_parse_backup_jobs(body, sizeof(body) - 1, &v, &err), 0);
    j = v.items[0];
    assert_false(j->enabled);
    assert_true(j->keep.set);
    assert_int_equal(j->keep.daily, 7);
    assert_int_equal(j->keep.weekly, 4);
    assert_true(pve_job_selects(j, 100, NULL));
    assert_false(pve_job_selects(j, 104, NULL));
    j = v.items[1];
    assert_true(j->enabled); /* absent = enabled */
    assert_int_equal(j->keep.last, 3);
    assert_int_equal(j->keep.monthly, 2);
    assert_true(pve_job_selects(j, 5, "prod"));
    assert_false(pve_job_selects(j, 5, "lab"));
    assert_false(pve_job_selects(j, 5, NULL));
    vec_release(&v);
}

static void test_storage_content(void **state)
{
    struct vec v = VEC_INIT(pve_backup_free);
    struct pve_backup *b;

    (void)state;
    parse_fixture("pve-GET-nodes-node-storage-storage-content--pbs-storage.json", pve_parse_backups,
                  &v);
    assert_int_equal(v.len, 2);
    b = v.items[0];
    assert_string_equal(b->volid, "datastore:backup/vm/931/2023-12-14T04:34:34Z");
    assert_int_equal(b->vmid, 931);
    assert_string_equal(b->subtype, "qemu");
    assert_int_equal(b->ctime, 1702528474);
    assert_true(b->size == 273804166061ULL);
    assert_string_equal(b->verify, ""); /* never verified */
    assert_false(b->is_protected);
    vec_release(&v);
}

static void test_tasks(void **state)
{
    struct vec v = VEC_INIT(pmx_task_status_free);
    struct pmx_task_status *t;
    struct pmx_upid u;
    struct lb_err err;

    (void)state;
    parse_fixture("pve-GET-nodes-node-tasks.json", pve_parse_tasks, &v);
    assert_int_equal(v.len, 3);
    t = v.items[1];
    assert_false(t->running);
    assert_string_equal(t->exitstatus, "command 'ifreload -a' failed: exit code 1");
    assert_int_equal(pmx_outcome_of(t->exitstatus), PMX_ERROR);
    assert_int_equal(pmx_outcome_of(((struct pmx_task_status *)v.items[0])->exitstatus), PMX_OK);
    /* the UPID's hex fields equal the decimal fields of the same capture */
    assert_int_equal(pmx_upid_parse(t->upid, &u, &err), 0);
    assert_int_equal(u.product, PMX_PVE);
    assert_string_equal(u.node, "iaclab-01-01");
    assert_int_equal(u.pid, 10717);
    assert_true(u.pstart == 362369675);
    assert_int_equal(u.starttime, 1627975784);
    assert_string_equal(u.type, "srvreload");
    assert_string_equal(u.id, "networking");
    assert_string_equal(u.user, "root@pam");
    vec_release(&v);
}

static void test_snapshots_unordered_current_last(void **state)
{
    static const char body[] =
        "{\"data\":[{\"name\":\"pre-upgrade\",\"description\":\"before apt full-upgrade\","
        "\"snaptime\":1742890730,\"vmstate\":1,\"parent\":\"weekly\"},"
        "{\"name\":\"weekly\",\"description\":\"\",\"snaptime\":\"1742286000\",\"vmstate\":0},"
        "{\"name\":\"half\",\"description\":\"\",\"snaptime\":1742890999,\"snapstate\":\"prepare\","
        "\"parent\":\"pre-upgrade\"},"
        "{\"name\":\"current\",\"description\":\"You are here!\",\"running\":1,"
        "\"digest\":\"4f0c\",\"parent\":\"pre-upgrade\"}]}";
    struct vec v = VEC_INIT(pve_snapshot_list_free);
    struct pve_snapshot_list *l;
    struct pve_snapshot *s;
    struct lb_err err;

    (void)state;
    assert_int_equal(pve_parse_snapshots(body, sizeof(body) - 1, &v, &err), 0);
    l = v.items[0];
    assert_int_equal(l->snaps.len, 3); /* "current" is not a snapshot */
    assert_string_equal(l->current_parent, "pre-upgrade");
    assert_true(l->running);
    s = l->snaps.items[0]; /* sorted oldest first */
    assert_string_equal(s->name, "weekly");
    assert_int_equal(s->snaptime, 1742286000); /* a string number */
    assert_null(s->parent);
    s = l->snaps.items[1];
    assert_string_equal(s->name, "pre-upgrade");
    assert_true(s->vmstate);
    assert_string_equal(s->description, "before apt full-upgrade");
    s = l->snaps.items[2];
    assert_string_equal(s->snapstate, "prepare");
    vec_release(&v);
}

static void test_bad_bodies(void **state)
{
    static const char *const bodies[] = {
        "",
        "<html>502 Bad Gateway</html>",
        "{\"data\":[{\"vmid\":100,",
        "{\"nodata\":[]}",
        "{\"data\":{}}",
        "{\"data\":[{\"type\":\"qemu\",\"name\":\"x\"}]}",
        "[1,2]",
    };
    struct lb_err err;

    (void)state;
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        struct vec v = VEC_INIT(pve_guest_free);

        assert_int_equal(pve_parse_guests(bodies[i], strlen(bodies[i]), &v, &err), -LB_EPARSE);
        assert_int_equal(err.code, LB_EPARSE);
        assert_int_equal(v.len, 0);
        vec_release(&v);
    }
}

static void test_upid(void **state)
{
    struct pmx_upid u;
    struct lb_err err;

    (void)state;
    assert_int_equal(
        pmx_upid_parse("UPID:pve:0033F5E7:110A8027:6A11DD1B:vzdump:103:root@pam:", &u, &err), 0);
    assert_int_equal(u.product, PMX_PVE);
    assert_int_equal(u.pid, 0x33F5E7);
    assert_int_equal(u.starttime, 0x6A11DD1B);
    assert_string_equal(u.type, "vzdump");
    assert_string_equal(u.id, "103");
    /* multi-guest vzdump: empty id; a token as user */
    assert_int_equal(
        pmx_upid_parse("UPID:pve:00123ABC:0456DEF0:67E27B2A:vzdump::lifeboat@pve!console:", &u,
                       &err),
        0);
    assert_string_equal(u.id, "");
    assert_string_equal(u.user, "lifeboat@pve!console");
    /* pstart with 9 digits after long uptimes */
    assert_int_equal(
        pmx_upid_parse("UPID:pve:00001234:1110A8027:6A11DD1B:qmstart:100:root@pam:", &u, &err), 0);
    assert_true(u.pstart == 0x1110A8027ULL);
    /* PBS: task_id field and systemd-escaped worker id (the real capture's) */
    assert_int_equal(pmx_upid_parse("UPID:pbs:000002C0:000007BA:00000001:67DE4FC4:"
                                    "verificationjob:fs01\\x3av\\x2dee54fa7e\\x2d61f0:root@pam:",
                                    &u, &err),
                     0);
    assert_int_equal(u.product, PMX_PBS);
    assert_int_equal(u.task_id, 1);
    assert_int_equal(u.starttime, 0x67DE4FC4);
    assert_string_equal(u.type, "verificationjob");
    assert_string_equal(u.id, "fs01:v-ee54fa7e-61f0");
    assert_int_equal(pmx_upid_parse("UPID:pbs:000003E1:0001A2B3:00000004:67E1A2C0:"
                                    "verify_group:usb\\x3avm-100:root@pam:",
                                    &u, &err),
                     0);
    assert_string_equal(u.id, "usb:vm/100"); /* '-' stands for '/' */
    /* refused */
    assert_int_equal(pmx_upid_parse("OK", &u, &err), -LB_EPARSE);
    assert_int_equal(pmx_upid_parse("UPID:pve:123:456:789:vzdump:1:root@pam:", &u, &err),
                     -LB_EPARSE); /* short hex */
    assert_int_equal(
        pmx_upid_parse("UPID:pve:0033F5E7:110A8027:6A11DD1B:vzdump:103:root@pam", &u, &err),
        -LB_EPARSE); /* no trailing colon */
    assert_int_equal(
        pmx_upid_parse("UPID:pve:0033F5E7:110A8027:6A11DD1B:vz dump:103:root@pam:", &u, &err),
        -LB_EPARSE);
    assert_int_equal(pmx_upid_parse(NULL, &u, &err), -LB_EPARSE);
}

static void test_outcomes(void **state)
{
    (void)state;
    assert_int_equal(pmx_outcome_of(NULL), PMX_RUNNING);
    assert_int_equal(pmx_outcome_of("OK"), PMX_OK);
    assert_int_equal(pmx_outcome_of("WARNINGS: 2"), PMX_WARNINGS);
    assert_int_equal(pmx_outcome_of("job errors"), PMX_ERROR);
    assert_int_equal(pmx_outcome_of("unknown"), PMX_UNKNOWN);
    assert_int_equal(pmx_outcome_of("ok"), PMX_ERROR); /* only "OK" is OK (PVE's own test) */
}

static void test_guards(void **state)
{
    struct lb_err err;

    (void)state;
    assert_int_equal(pve_check_snapname("pre-upgrade_2", &err), 0);
    assert_int_equal(pve_check_snapname("current", &err), -LB_EUSAGE);
    assert_int_equal(pve_check_snapname("Pending", &err), -LB_EUSAGE);
    assert_int_equal(pve_check_snapname("1st", &err), -LB_EUSAGE);
    assert_int_equal(pve_check_snapname("a", &err), -LB_EUSAGE);
    assert_int_equal(pve_check_snapname("has space", &err), -LB_EUSAGE);
    assert_int_equal(pve_check_snapname("a23456789012345678901234567890123456789012", &err),
                     -LB_EUSAGE);
    assert_int_equal(pve_check_drill_vmid(9100, 9100, 9199, &err), 0);
    assert_int_equal(pve_check_drill_vmid(9199, 9100, 9199, &err), 0);
    assert_int_equal(pve_check_drill_vmid(100, 9100, 9199, &err), -LB_EPERM);
    assert_non_null(strstr(err.msg, "outside the drill range 9100-9199"));
    assert_int_equal(pve_check_drill_vmid(9100, 0, 0, &err), -LB_ECONFIG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cluster_resources),
        cmocka_unit_test(test_node_lists_string_vmid),
        cmocka_unit_test(test_backup_jobs),
        cmocka_unit_test(test_prune_backups_strings_and_selection),
        cmocka_unit_test(test_storage_content),
        cmocka_unit_test(test_tasks),
        cmocka_unit_test(test_snapshots_unordered_current_last),
        cmocka_unit_test(test_bad_bodies),
        cmocka_unit_test(test_upid),
        cmocka_unit_test(test_outcomes),
        cmocka_unit_test(test_guards),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
