/* The pure parts of the real guest restore: choosing a backup by time, the confirmation word,
 * MAC addresses left out of the config comparison of a unique restore. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "backend/base/str.h"
#include "backend/restore_guest.h"

static struct rg_backup bk[4];
static const struct rg_backup *list[4];

static void fill(void)
{
    static const char *const v[] = {
        "pbs:backup/vm/100/2026-11-26T02:00:00Z", "pbs:backup/vm/100/2026-11-25T02:00:00Z",
        "pbs:backup/vm/100/2026-11-24T02:00:00Z", "pbs:backup/vm/100/2026-10-01T02:00:00Z",
    };

    for (int i = 0; i < 4; i++) {
        memset(&bk[i], 0, sizeof(bk[i]));
        str_copy(bk[i].volid, sizeof(bk[i].volid), v[i]);
        bk[i].vmid = 100;
        list[i] = &bk[i];
    }
}

static void test_pick(void **state)
{
    struct lb_err err = { 0 };

    (void)state;
    fill();
    assert_int_equal(restore_guest_pick(list, 4, NULL, &err), 0);
    assert_int_equal(restore_guest_pick(list, 4, "newest", &err), 0);
    assert_int_equal(restore_guest_pick(list, 4, "2026-11-24T02:00:00Z", &err), 2);
    assert_int_equal(restore_guest_pick(list, 4, "pbs:backup/vm/100/2026-11-25T02:00:00Z", &err),
                     1);
    assert_int_equal(restore_guest_pick(list, 4, "2026-10", &err), 3); /* a unique prefix */
    assert_int_equal(restore_guest_pick(list, 4, "2026-11-24T02:00:00", &err), 2); /* no Z */
    assert_true(restore_guest_pick(list, 4, "2026-11", &err) < 0); /* three match */
    assert_non_null(strstr(err.msg, "matches 3 backups"));
    assert_true(restore_guest_pick(list, 4, "2025-01-01", &err) < 0);
    assert_non_null(strstr(err.msg, "no backup at '2025-01-01'; the newest are: 2026-11-26"));
    assert_true(restore_guest_pick(list, 0, NULL, &err) < 0);
}

static void test_confirm_word(void **state)
{
    struct rg_guest g = { .vmid = 101 };
    char w[64];

    (void)state;
    str_copy(g.name, sizeof(g.name), "docker-srv");
    restore_guest_confirm_word(&g, w, sizeof(w));
    assert_string_equal(w, "101-docker-srv");
}

static void test_strip_mac(void **state)
{
    char out[256];

    (void)state;
    restore_guest_strip_mac("virtio=BC:24:11:00:00:64,bridge=vmbr0,firewall=1", out, sizeof(out));
    assert_string_equal(out, "virtio=*,bridge=vmbr0,firewall=1");
    restore_guest_strip_mac("name=eth0,bridge=vmbr0,hwaddr=bc:24:11:00:00:66,ip=dhcp", out,
                            sizeof(out));
    assert_string_equal(out, "name=eth0,bridge=vmbr0,hwaddr=*,ip=dhcp");
    restore_guest_strip_mac("virtio,bridge=vmbr0", out, sizeof(out)); /* no MAC: as it was */
    assert_string_equal(out, "virtio,bridge=vmbr0");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pick),
        cmocka_unit_test(test_confirm_word),
        cmocka_unit_test(test_strip_mac),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
