/* The pure parts of the Proxmox drills: config comparison, free VMID choice, config text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "backend/drill_pmx.h"

static void test_free_vmid(void **state)
{
    const int taken[] = { 100, 9100, 9101, 9103 };

    (void)state;
    assert_int_equal(drill_free_vmid(taken, 4, 9100, 9110), 9102);
    assert_int_equal(drill_free_vmid(taken, 4, 9100, 9101), 0); /* all taken */
    assert_int_equal(drill_free_vmid(taken, 0, 9100, 9101), 9100);
    assert_int_equal(drill_free_vmid(taken, 4, 0, 0), 0); /* no range: nothing */
}

static void test_conf_compare(void **state)
{
    struct vec b = VEC_INIT(drill_kv_free), r = VEC_INIT(drill_kv_free);
    char why[256];

    (void)state;
    drill_conf_parse_text("# comment\nname: web\nmemory: 2048\n"
                          "scsi0: local-lvm:vm-100-disk-0,size=32G\nnet0: virtio=AA:BB,bridge=vmbr0\n"
                          "[pre-upgrade]\nmemory: 1024\n",
                          &b);
    assert_int_equal(b.len, 4); /* the snapshot section is not the current config */
    drill_conf_parse_text("name: web\nmemory: 2048\ndigest: abc\n"
                          "scsi0: local-lvm:vm-9100-disk-0,size=32G\nnet0: virtio=AA:BB,bridge=vmbr0\n",
                          &r);
    assert_int_equal(drill_conf_compare(&b, &r, why, sizeof(why)), 0);
    assert_string_equal(why, "");
    vec_release(&r);
    vec_init(&r, drill_kv_free);
    drill_conf_parse_text("name: web\nmemory: 1024\nscsi0: local-lvm:vm-9100-disk-0,size=8G\n", &r);
    assert_int_equal(drill_conf_compare(&b, &r, why, sizeof(why)), 3);
    assert_non_null(strstr(why, "memory is '1024', the backup has '2048'"));
    assert_non_null(strstr(why, "scsi0"));
    assert_non_null(strstr(why, "net0 of the backup is missing"));
    vec_release(&b);
    vec_release(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_free_vmid),
        cmocka_unit_test(test_conf_compare),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
