/*
 * The demo lab's SMART captures: two real `smartctl --json` documents from
 * tests/fixtures/smartctl (see SOURCES.md there for where they come from and
 * their licences: telegraf, MIT; smartctl_exporter, Apache-2.0), minified and
 * cut into pieces a C compiler takes. Generated from the fixtures; do not edit
 * by hand.
 */
#include "backend/demo_smart.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "backend/base/xalloc.h"

/* usb-sat-sandisk-pssd-smartctl7.4.json: a healthy USB SSD behind a SAT bridge (6301 bytes) */
static const char *const usb_ssd[] = {
    "{\"json_format_version\":[1,0],\"smartctl\":{\"version\":[7,4],\"pre_release\":false,\"svn_revision\":\"553",
    "0\",\"platform_info\":\"x86_64-linux-6.8.1-arch1-1\",\"build_info\":\"(local build)\",\"argv\":[\"smartctl\",",
    "\"-a\",\"-d\",\"sat\",\"/dev/sda\",\"--json\"],\"drive_database_version\":{\"string\":\"7.3/5528\"},\"exit_status",
    "\":0},\"local_time\":{\"time_t\":1711370961,\"asctime\":\"Mon Mar 25 06:49:21 2024 MDT\"},\"device\":{\"name",
    "\":\"/dev/sda\",\"info_name\":\"/dev/sda [SAT]\",\"type\":\"sat\",\"protocol\":\"ATA\"},\"model_family\":\"SanDisk",
    " based SSDs\",\"model_name\":\"SanDisk pSSD\",\"serial_number\":\"06c9f4c44\",\"wwn\":{\"naa\":5,\"oui\":6980,\"",
    "id\":2674672716},\"firmware_version\":\"3\",\"user_capacity\":{\"blocks\":30651688,\"bytes\":15693664256},\"",
    "logical_block_size\":512,\"physical_block_size\":512,\"rotation_rate\":0,\"form_factor\":{\"ata_value\":4",
    ",\"name\":\"1.8 inches\"},\"trim\":{\"supported\":true,\"deterministic\":true,\"zeroed\":true},\"in_smartctl_",
    "database\":true,\"ata_version\":{\"string\":\"ATA8-ACS T13/1699-D revision 2d\",\"major_value\":496,\"mino",
    "r_value\":263},\"sata_version\":{\"string\":\"SATA 2.6\",\"value\":17},\"interface_speed\":{\"max\":{\"sata_va",
    "lue\":14,\"string\":\"6.0 Gb/s\",\"units_per_second\":60,\"bits_per_unit\":100000000},\"current\":{\"sata_va",
    "lue\":2,\"string\":\"3.0 Gb/s\",\"units_per_second\":30,\"bits_per_unit\":100000000}},\"smart_support\":{\"a",
    "vailable\":true,\"enabled\":true},\"smart_status\":{\"passed\":true},\"ata_smart_data\":{\"offline_data_co",
    "llection\":{\"status\":{\"value\":0,\"string\":\"was never started\"},\"completion_seconds\":120},\"self_tes",
    "t\":{\"status\":{\"value\":0,\"string\":\"completed without error\",\"passed\":true},\"polling_minutes\":{\"sh",
    "ort\":2,\"extended\":3}},\"capabilities\":{\"values\":[81,3],\"exec_offline_immediate_supported\":true,\"o",
    "ffline_is_aborted_upon_new_cmd\":false,\"offline_surface_scan_supported\":false,\"self_tests_support",
    "ed\":true,\"conveyance_self_test_supported\":false,\"selective_self_test_supported\":true,\"attribute_",
    "autosave_enabled\":true,\"error_logging_supported\":true,\"gp_logging_supported\":true}},\"ata_smart_a",
    "ttributes\":{\"revision\":1,\"table\":[{\"id\":5,\"name\":\"Reallocated_Sector_Ct\",\"value\":100,\"worst\":100",
    ",\"thresh\":0,\"when_failed\":\"\",\"flags\":{\"value\":2,\"string\":\"-O---- \",\"prefailure\":false,\"updated_o",
    "nline\":true,\"performance\":false,\"error_rate\":false,\"event_count\":false,\"auto_keep\":false},\"raw\":",
    "{\"value\":0,\"string\":\"0\"}},{\"id\":9,\"name\":\"Power_On_Hours\",\"value\":100,\"worst\":100,\"thresh\":0,\"wh",
    "en_failed\":\"\",\"flags\":{\"value\":2,\"string\":\"-O---- \",\"prefailure\":false,\"updated_online\":true,\"pe",
    "rformance\":false,\"error_rate\":false,\"event_count\":false,\"auto_keep\":false},\"raw\":{\"value\":11,\"st",
    "ring\":\"11\"}},{\"id\":12,\"name\":\"Power_Cycle_Count\",\"value\":100,\"worst\":100,\"thresh\":0,\"when_failed",
    "\":\"\",\"flags\":{\"value\":2,\"string\":\"-O---- \",\"prefailure\":false,\"updated_online\":true,\"performance",
    "\":false,\"error_rate\":false,\"event_count\":false,\"auto_keep\":false},\"raw\":{\"value\":223,\"string\":\"2",
    "23\"}},{\"id\":171,\"name\":\"Program_Fail_Count\",\"value\":100,\"worst\":100,\"thresh\":0,\"when_failed\":\"\",",
    "\"flags\":{\"value\":2,\"string\":\"-O---- \",\"prefailure\":false,\"updated_online\":true,\"performance\":fal",
    "se,\"error_rate\":false,\"event_count\":false,\"auto_keep\":false},\"raw\":{\"value\":0,\"string\":\"0\"}},{\"i",
    "d\":172,\"name\":\"Erase_Fail_Count\",\"value\":100,\"worst\":100,\"thresh\":0,\"when_failed\":\"\",\"flags\":{\"v",
    "alue\":2,\"string\":\"-O---- \",\"prefailure\":false,\"updated_online\":true,\"performance\":false,\"error_r",
    "ate\":false,\"event_count\":false,\"auto_keep\":false},\"raw\":{\"value\":0,\"string\":\"0\"}},{\"id\":173,\"nam",
    "e\":\"Avg_Write/Erase_Count\",\"value\":100,\"worst\":100,\"thresh\":0,\"when_failed\":\"\",\"flags\":{\"value\":",
    "2,\"string\":\"-O---- \",\"prefailure\":false,\"updated_online\":true,\"performance\":false,\"error_rate\":f",
    "alse,\"event_count\":false,\"auto_keep\":false},\"raw\":{\"value\":3,\"string\":\"3\"}},{\"id\":174,\"name\":\"Un",
    "expect_Power_Loss_Ct\",\"value\":100,\"worst\":100,\"thresh\":0,\"when_failed\":\"\",\"flags\":{\"value\":2,\"st",
    "ring\":\"-O---- \",\"prefailure\":false,\"updated_online\":true,\"performance\":false,\"error_rate\":false,",
    "\"event_count\":false,\"auto_keep\":false},\"raw\":{\"value\":114,\"string\":\"114\"}},{\"id\":187,\"name\":\"Rep",
    "orted_Uncorrect\",\"value\":100,\"worst\":100,\"thresh\":0,\"when_failed\":\"\",\"flags\":{\"value\":2,\"string\"",
    ":\"-O---- \",\"prefailure\":false,\"updated_online\":true,\"performance\":false,\"error_rate\":false,\"even",
    "t_count\":false,\"auto_keep\":false},\"raw\":{\"value\":0,\"string\":\"0\"}},{\"id\":230,\"name\":\"Perc_Write/E",
    "rase_Count\",\"value\":100,\"worst\":100,\"thresh\":0,\"when_failed\":\"\",\"flags\":{\"value\":2,\"string\":\"-O-",
    "--- \",\"prefailure\":false,\"updated_online\":true,\"performance\":false,\"error_rate\":false,\"event_cou",
    "nt\":false,\"auto_keep\":false},\"raw\":{\"value\":10,\"string\":\"10\"}},{\"id\":232,\"name\":\"Perc_Avail_Resr",
    "vd_Space\",\"value\":100,\"worst\":100,\"thresh\":5,\"when_failed\":\"\",\"flags\":{\"value\":3,\"string\":\"PO---",
    "- \",\"prefailure\":true,\"updated_online\":true,\"performance\":false,\"error_rate\":false,\"event_count\"",
    ":false,\"auto_keep\":false},\"raw\":{\"value\":0,\"string\":\"0\"}},{\"id\":234,\"name\":\"Perc_Write/Erase_Ct_",
    "BC\",\"value\":100,\"worst\":100,\"thresh\":0,\"when_failed\":\"\",\"flags\":{\"value\":2,\"string\":\"-O---- \",\"p",
    "refailure\":false,\"updated_online\":true,\"performance\":false,\"error_rate\":false,\"event_count\":fals",
    "e,\"auto_keep\":false},\"raw\":{\"value\":0,\"string\":\"0\"}},{\"id\":241,\"name\":\"Total_LBAs_Written\",\"valu",
    "e\":100,\"worst\":100,\"thresh\":0,\"when_failed\":\"\",\"flags\":{\"value\":2,\"string\":\"-O---- \",\"prefailure",
    "\":false,\"updated_online\":true,\"performance\":false,\"error_rate\":false,\"event_count\":false,\"auto_k",
    "eep\":false},\"raw\":{\"value\":10171055,\"string\":\"10171055\"}},{\"id\":242,\"name\":\"Total_LBAs_Read\",\"va",
    "lue\":100,\"worst\":100,\"thresh\":0,\"when_failed\":\"\",\"flags\":{\"value\":2,\"string\":\"-O---- \",\"prefailu",
    "re\":false,\"updated_online\":true,\"performance\":false,\"error_rate\":false,\"event_count\":false,\"auto",
    "_keep\":false},\"raw\":{\"value\":94845144,\"string\":\"94845144\"}}]},\"power_on_time\":{\"hours\":11},\"powe",
    "r_cycle_count\":223,\"ata_smart_error_log\":{\"summary\":{\"revision\":1,\"count\":0}},\"ata_smart_self_te",
    "st_log\":{\"standard\":{\"revision\":1,\"count\":0}},\"ata_smart_selective_self_test_log\":{\"revision\":1,",
    "\"table\":[{\"lba_min\":0,\"lba_max\":0,\"status\":{\"value\":0,\"string\":\"Not_testing\"}},{\"lba_min\":0,\"lba",
    "_max\":0,\"status\":{\"value\":0,\"string\":\"Not_testing\"}},{\"lba_min\":0,\"lba_max\":0,\"status\":{\"value\":",
    "0,\"string\":\"Not_testing\"}},{\"lba_min\":0,\"lba_max\":0,\"status\":{\"value\":0,\"string\":\"Not_testing\"}}",
    ",{\"lba_min\":0,\"lba_max\":0,\"status\":{\"value\":0,\"string\":\"Not_testing\"}}],\"flags\":{\"value\":0,\"rema",
    "inder_scan_enabled\":false},\"power_up_scan_resume_minutes\":0}}",
    NULL,
};

/* sata-ssd-intel-dcs3500-worn-mwi15-smartctl7.3.json: a worn SATA SSD, 85% of its life used (8927 bytes) */
static const char *const worn_ssd[] = {
    "{\"ata_smart_attributes\":{\"revision\":16401,\"table\":[{\"flags\":{\"auto_keep\":true,\"error_rate\":false",
    ",\"event_count\":true,\"performance\":false,\"prefailure\":false,\"string\":\"-O--CK \",\"updated_online\":t",
    "rue,\"value\":50},\"id\":5,\"name\":\"Reallocated_Sector_Ct\",\"raw\":{\"string\":\"0\",\"value\":0},\"thresh\":0,",
    "\"value\":100,\"when_failed\":\"\",\"worst\":100},{\"flags\":{\"auto_keep\":true,\"error_rate\":false,\"event_c",
    "ount\":true,\"performance\":false,\"prefailure\":false,\"string\":\"-O--CK \",\"updated_online\":true,\"valu",
    "e\":50},\"id\":9,\"name\":\"Power_On_Hours\",\"raw\":{\"string\":\"67329\",\"value\":67329},\"thresh\":0,\"value\":",
    "100,\"when_failed\":\"\",\"worst\":100},{\"flags\":{\"auto_keep\":true,\"error_rate\":false,\"event_count\":tr",
    "ue,\"performance\":false,\"prefailure\":false,\"string\":\"-O--CK \",\"updated_online\":true,\"value\":50},\"",
    "id\":12,\"name\":\"Power_Cycle_Count\",\"raw\":{\"string\":\"32\",\"value\":32},\"thresh\":0,\"value\":100,\"when_",
    "failed\":\"\",\"worst\":100},{\"flags\":{\"auto_keep\":true,\"error_rate\":false,\"event_count\":true,\"perfor",
    "mance\":false,\"prefailure\":true,\"string\":\"PO--CK \",\"updated_online\":true,\"value\":51},\"id\":170,\"na",
    "me\":\"Available_Reservd_Space\",\"raw\":{\"string\":\"0\",\"value\":0},\"thresh\":10,\"value\":100,\"when_faile",
    "d\":\"\",\"worst\":100},{\"flags\":{\"auto_keep\":true,\"error_rate\":false,\"event_count\":true,\"performance",
    "\":false,\"prefailure\":false,\"string\":\"-O--CK \",\"updated_online\":true,\"value\":50},\"id\":171,\"name\":",
    "\"Program_Fail_Count\",\"raw\":{\"string\":\"0\",\"value\":0},\"thresh\":0,\"value\":100,\"when_failed\":\"\",\"wor",
    "st\":100},{\"flags\":{\"auto_keep\":true,\"error_rate\":false,\"event_count\":true,\"performance\":false,\"p",
    "refailure\":false,\"string\":\"-O--CK \",\"updated_online\":true,\"value\":50},\"id\":172,\"name\":\"Erase_Fai",
    "l_Count\",\"raw\":{\"string\":\"0\",\"value\":0},\"thresh\":0,\"value\":100,\"when_failed\":\"\",\"worst\":100},{\"f",
    "lags\":{\"auto_keep\":true,\"error_rate\":false,\"event_count\":true,\"performance\":false,\"prefailure\":f",
    "alse,\"string\":\"-O--CK \",\"updated_online\":true,\"value\":50},\"id\":174,\"name\":\"Unsafe_Shutdown_Count",
    "\",\"raw\":{\"string\":\"29\",\"value\":29},\"thresh\":0,\"value\":100,\"when_failed\":\"\",\"worst\":100},{\"flags\"",
    ":{\"auto_keep\":true,\"error_rate\":false,\"event_count\":true,\"performance\":false,\"prefailure\":true,\"",
    "string\":\"PO--CK \",\"updated_online\":true,\"value\":51},\"id\":175,\"name\":\"Power_Loss_Cap_Test\",\"raw\":",
    "{\"string\":\"8670 (398 2929)\",\"value\":1709588947422},\"thresh\":10,\"value\":100,\"when_failed\":\"\",\"wor",
    "st\":100},{\"flags\":{\"auto_keep\":true,\"error_rate\":false,\"event_count\":true,\"performance\":false,\"p",
    "refailure\":false,\"string\":\"-O--CK \",\"updated_online\":true,\"value\":50},\"id\":183,\"name\":\"SATA_Down",
    "shift_Count\",\"raw\":{\"string\":\"0\",\"value\":0},\"thresh\":0,\"value\":100,\"when_failed\":\"\",\"worst\":100}",
    ",{\"flags\":{\"auto_keep\":true,\"error_rate\":false,\"event_count\":true,\"performance\":false,\"prefailur",
    "e\":true,\"string\":\"PO--CK \",\"updated_online\":true,\"value\":51},\"id\":184,\"name\":\"End-to-End_Error\",",
    "\"raw\":{\"string\":\"0\",\"value\":0},\"thresh\":90,\"value\":100,\"when_failed\":\"\",\"worst\":100},{\"flags\":{\"",
    "auto_keep\":true,\"error_rate\":false,\"event_count\":true,\"performance\":false,\"prefailure\":false,\"st",
    "ring\":\"-O--CK \",\"updated_online\":true,\"value\":50},\"id\":187,\"name\":\"Reported_Uncorrect\",\"raw\":{\"s",
    "tring\":\"0\",\"value\":0},\"thresh\":0,\"value\":100,\"when_failed\":\"\",\"worst\":100},{\"flags\":{\"auto_keep\"",
    ":true,\"error_rate\":false,\"event_count\":false,\"performance\":false,\"prefailure\":false,\"string\":\"-O",
    "---K \",\"updated_online\":true,\"value\":34},\"id\":190,\"name\":\"Temperature_Case\",\"raw\":{\"string\":\"23 ",
    "(Min/Max 20/29)\",\"value\":487850007},\"thresh\":0,\"value\":77,\"when_failed\":\"\",\"worst\":71},{\"flags\":",
    "{\"auto_keep\":true,\"error_rate\":false,\"event_count\":true,\"performance\":false,\"prefailure\":false,\"",
    "string\":\"-O--CK \",\"updated_online\":true,\"value\":50},\"id\":192,\"name\":\"Unsafe_Shutdown_Count\",\"raw",
    "\":{\"string\":\"29\",\"value\":29},\"thresh\":0,\"value\":100,\"when_failed\":\"\",\"worst\":100},{\"flags\":{\"aut",
    "o_keep\":true,\"error_rate\":false,\"event_count\":false,\"performance\":false,\"prefailure\":false,\"stri",
    "ng\":\"-O---K \",\"updated_online\":true,\"value\":34},\"id\":194,\"name\":\"Temperature_Internal\",\"raw\":{\"s",
    "tring\":\"23\",\"value\":23},\"thresh\":0,\"value\":100,\"when_failed\":\"\",\"worst\":100},{\"flags\":{\"auto_kee",
    "p\":false,\"error_rate\":false,\"event_count\":true,\"performance\":false,\"prefailure\":false,\"string\":\"",
    "-O--C- \",\"updated_online\":true,\"value\":18},\"id\":197,\"name\":\"Current_Pending_Sector\",\"raw\":{\"stri",
    "ng\":\"0\",\"value\":0},\"thresh\":0,\"value\":100,\"when_failed\":\"\",\"worst\":100},{\"flags\":{\"auto_keep\":tr",
    "ue,\"error_rate\":true,\"event_count\":true,\"performance\":true,\"prefailure\":false,\"string\":\"-OSRCK \"",
    ",\"updated_online\":true,\"value\":62},\"id\":199,\"name\":\"CRC_Error_Count\",\"raw\":{\"string\":\"0\",\"value\"",
    ":0},\"thresh\":0,\"value\":100,\"when_failed\":\"\",\"worst\":100},{\"flags\":{\"auto_keep\":true,\"error_rate\"",
    ":false,\"event_count\":true,\"performance\":false,\"prefailure\":false,\"string\":\"-O--CK \",\"updated_onl",
    "ine\":true,\"value\":50},\"id\":225,\"name\":\"Host_Writes_32MiB\",\"raw\":{\"string\":\"62594010\",\"value\":625",
    "94010},\"thresh\":0,\"value\":100,\"when_failed\":\"\",\"worst\":100},{\"flags\":{\"auto_keep\":true,\"error_ra",
    "te\":false,\"event_count\":true,\"performance\":false,\"prefailure\":false,\"string\":\"-O--CK \",\"updated_",
    "online\":true,\"value\":50},\"id\":226,\"name\":\"Workld_Media_Wear_Indic\",\"raw\":{\"string\":\"65535\",\"valu",
    "e\":65535},\"thresh\":0,\"value\":100,\"when_failed\":\"\",\"worst\":100},{\"flags\":{\"auto_keep\":true,\"error",
    "_rate\":false,\"event_count\":true,\"performance\":false,\"prefailure\":false,\"string\":\"-O--CK \",\"updat",
    "ed_online\":true,\"value\":50},\"id\":227,\"name\":\"Workld_Host_Reads_Perc\",\"raw\":{\"string\":\"65535\",\"va",
    "lue\":65535},\"thresh\":0,\"value\":100,\"when_failed\":\"\",\"worst\":100},{\"flags\":{\"auto_keep\":true,\"err",
    "or_rate\":false,\"event_count\":true,\"performance\":false,\"prefailure\":false,\"string\":\"-O--CK \",\"upd",
    "ated_online\":true,\"value\":50},\"id\":228,\"name\":\"Workload_Minutes\",\"raw\":{\"string\":\"65535\",\"value\"",
    ":65535},\"thresh\":0,\"value\":100,\"when_failed\":\"\",\"worst\":100},{\"flags\":{\"auto_keep\":true,\"error_r",
    "ate\":false,\"event_count\":true,\"performance\":false,\"prefailure\":true,\"string\":\"PO--CK \",\"updated_",
    "online\":true,\"value\":51},\"id\":232,\"name\":\"Available_Reservd_Space\",\"raw\":{\"string\":\"0\",\"value\":0",
    "},\"thresh\":10,\"value\":100,\"when_failed\":\"\",\"worst\":100},{\"flags\":{\"auto_keep\":true,\"error_rate\":",
    "false,\"event_count\":true,\"performance\":false,\"prefailure\":false,\"string\":\"-O--CK \",\"updated_onli",
    "ne\":true,\"value\":50},\"id\":233,\"name\":\"Media_Wearout_Indicator\",\"raw\":{\"string\":\"0\",\"value\":0},\"t",
    "hresh\":0,\"value\":15,\"when_failed\":\"\",\"worst\":15},{\"flags\":{\"auto_keep\":true,\"error_rate\":false,\"",
    "event_count\":true,\"performance\":false,\"prefailure\":false,\"string\":\"-O--CK \",\"updated_online\":tru",
    "e,\"value\":50},\"id\":234,\"name\":\"Thermal_Throttle\",\"raw\":{\"string\":\"0/0\",\"value\":0},\"thresh\":0,\"va",
    "lue\":100,\"when_failed\":\"\",\"worst\":100},{\"flags\":{\"auto_keep\":true,\"error_rate\":false,\"event_coun",
    "t\":true,\"performance\":false,\"prefailure\":false,\"string\":\"-O--CK \",\"updated_online\":true,\"value\":",
    "50},\"id\":241,\"name\":\"Host_Writes_32MiB\",\"raw\":{\"string\":\"62594010\",\"value\":62594010},\"thresh\":0,",
    "\"value\":100,\"when_failed\":\"\",\"worst\":100},{\"flags\":{\"auto_keep\":true,\"error_rate\":false,\"event_c",
    "ount\":true,\"performance\":false,\"prefailure\":false,\"string\":\"-O--CK \",\"updated_online\":true,\"valu",
    "e\":50},\"id\":242,\"name\":\"Host_Reads_32MiB\",\"raw\":{\"string\":\"12767078\",\"value\":12767078},\"thresh\":",
    "0,\"value\":100,\"when_failed\":\"\",\"worst\":100},{\"flags\":{\"auto_keep\":true,\"error_rate\":false,\"event",
    "_count\":true,\"performance\":false,\"prefailure\":false,\"string\":\"-O--CK \",\"updated_online\":true,\"va",
    "lue\":50},\"id\":243,\"name\":\"NAND_Writes_32MiB\",\"raw\":{\"string\":\"138721860\",\"value\":138721860},\"thr",
    "esh\":0,\"value\":100,\"when_failed\":\"\",\"worst\":100}]},\"ata_smart_error_log\":{\"summary\":{\"count\":0,\"",
    "revision\":1}},\"ata_version\":{\"major_value\":2044,\"minor_value\":109,\"string\":\"ACS-3 T13/2161-D rev",
    "ision 5\"},\"device\":{\"info_name\":\"/dev/sdf [SAT]\",\"name\":\"/dev/sdf\",\"protocol\":\"ATA\",\"type\":\"sat\"",
    "},\"firmware_version\":\"REDACTED\",\"form_factor\":{\"ata_value\":3,\"name\":\"2.5 inches\"},\"in_smartctl_d",
    "atabase\":true,\"interface_speed\":{\"current\":{\"bits_per_unit\":100000000,\"sata_value\":3,\"string\":\"6",
    ".0 Gb/s\",\"units_per_second\":60},\"max\":{\"bits_per_unit\":100000000,\"sata_value\":14,\"string\":\"6.0 G",
    "b/s\",\"units_per_second\":60}},\"json_format_version\":[1,0],\"local_time\":{\"asctime\":\"Fri Feb 13 23:",
    "31:30 2009 UTC\",\"time_t\":1234567890},\"logical_block_size\":512,\"model_family\":\"Intel 730 and DC S",
    "35x0/3610/3700 Series SSDs\",\"model_name\":\"INTEL SSDSC2BB016T4\",\"physical_block_size\":4096,\"power",
    "_cycle_count\":32,\"power_on_time\":{\"hours\":67329},\"rotation_rate\":0,\"sata_version\":{\"string\":\"SAT",
    "A 3.1\",\"value\":127},\"serial_number\":\"REDACTED\",\"smart_status\":{\"passed\":true},\"smart_support\":{\"",
    "available\":true,\"enabled\":true},\"smartctl\":{\"argv\":[\"smartctl\",\"--json\",\"--info\",\"--health\",\"--a",
    "ttributes\",\"--tolerance=verypermissive\",\"--nocheck=standby\",\"--format=brief\",\"--log=error\",\"/dev",
    "/sdf\"],\"build_info\":\"REDACTED\",\"exit_status\":0,\"platform_info\":\"REDACTED\",\"version\":[7,3]},\"temp",
    "erature\":{\"current\":23},\"trim\":{\"deterministic\":true,\"supported\":true,\"zeroed\":true},\"user_capac",
    "ity\":{\"blocks\":3125627568,\"bytes\":1600321314816},\"wwn\":{\"id\":1234567890,\"naa\":5,\"oui\":6083300}}",
    NULL,
};

static int write_pieces(const char *path, const char *const *pieces, struct lb_err *err)
{
    char *tmp = xasprintf("%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    int rc = 0;

    if (!f) {
        rc = lb_err_set(err, LB_EIO, "cannot write '%s': %s", tmp, strerror(errno));
        free(tmp);
        return rc;
    }
    for (size_t i = 0; pieces[i]; i++)
        fputs(pieces[i], f);
    fputc('\n', f);
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        rc = lb_err_set(err, LB_EIO, "cannot write '%s': %s", path, strerror(errno));
        remove(tmp);
    }
    free(tmp);
    return rc;
}

int demo_smart_write(const char *dir, struct lb_err *err)
{
    char *path = xasprintf("%s/%s", dir, DEMO_SMART_USB_SSD);
    int rc = write_pieces(path, usb_ssd, err);

    free(path);
    if (rc)
        return rc;
    path = xasprintf("%s/%s", dir, DEMO_SMART_OS_SSD);
    rc = write_pieces(path, worn_ssd, err);
    free(path);
    return rc;
}

char *demo_smart_mount_of(const char *path)
{
    char *p = realpath(path, NULL);
    struct stat st, up;

    if (!p)
        return xstrdup("/");
    while (strcmp(p, "/") != 0) {
        char *slash = strrchr(p, '/');
        char *parent = slash == p ? xstrdup("/") : xstrndup(p, (size_t)(slash - p));
        bool top = stat(p, &st) < 0 || stat(parent, &up) < 0 || up.st_dev != st.st_dev;

        if (top) {
            free(parent);
            break;
        }
        free(p);
        p = parent;
    }
    return p;
}
