/*
 * lifeboat smart [DISK] [--from-file FILE] [--json]
 *
 * SMART verdict and findings of a saved `smartctl --json` output (--from-file,
 * no config needed), of one configured [disk DISK], or of every configured
 * disk. A disk whose section has `source = FILE` reads that file instead of
 * running smartctl (demo and tests only). Exit 0 ok (or standby), 1 warn (or
 * SMART unavailable), 2 crit or error; 64 usage, 78 config.
 * --json: one object for DISK or FILE, an array of objects for every disk.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/base/clock.h"
#include "backend/base/err.h"
#include "backend/base/xalloc.h"
#include "backend/config.h"
#include "backend/loop.h"
#include "backend/smart.h"
#include "backend/smart_history.h"
#include "backend/smart_rules.h"
#include "backend/store.h"
#include "cli/cli.h"

static void print_human(const struct smart_data *d, const struct smart_report *r,
                        const char *disk, const char *device, const char *label)
{
    char *hint = smart_hint(d, disk);
    size_t i;
    struct smart_finding *f;

    printf("%s: SMART %s", label, smart_verdict_name(r->verdict));
    if (d->state != SMART_STATE_DATA)
        printf(" (%s)", smart_state_name(d->state));
    printf("\n");
    if (d->model || d->serial)
        printf("  drive     %s%s%s%s%s\n", d->model ? d->model : "?",
               d->serial ? "  serial " : "", d->serial ? d->serial : "",
               d->firmware ? "  firmware " : "", d->firmware ? d->firmware : "");
    if (d->device || device)
        printf("  device    %s%s%s%s%s\n", d->device ? d->device : device,
               smart_protocol_name(d->protocol) ? "  " : "",
               smart_protocol_name(d->protocol) ? smart_protocol_name(d->protocol) : "",
               d->device_type ? "  -d " : "", d->device_type ? d->device_type : "");
    if (r->counters.power_on_hours >= 0 || r->counters.temperature >= 0 ||
        r->counters.life_used >= 0) {
        const char *sep = "";

        printf("  health    ");
        if (r->counters.temperature >= 0) {
            printf("%lld °C", (long long)r->counters.temperature);
            sep = ", ";
        }
        if (r->counters.power_on_hours >= 0) {
            printf("%s%lld h powered on", sep, (long long)r->counters.power_on_hours);
            sep = ", ";
        }
        if (r->counters.life_used >= 0)
            printf("%s%lld%% life used", sep, (long long)r->counters.life_used);
        printf("\n");
    }
    if (d->exit_status > 0) {
        char *bits = smart_exit_describe(d->exit_status);

        printf("  smartctl  exit %d (%s)\n", d->exit_status, bits);
        free(bits);
    }
    vec_foreach(&r->findings, i, f)
    {
        printf("  %-4s  %s\n", smart_level_name(f->level), f->text);
    }
    if (hint)
        printf("  hint: %s\n", hint);
    free(hint);
}

/* Print one evaluated record; returns its exit code. */
static int print_report(const struct smart_data *d, const struct smart_report *r,
                        const char *disk, const char *device, const char *label, bool json,
                        bool in_array, bool first)
{
    if (json) {
        char *s = smart_report_json(d, r, disk, device);

        printf("%s%s%s", in_array && !first ? "," : "", s, in_array ? "" : "\n");
        free(s);
    } else {
        if (!first)
            printf("\n");
        print_human(d, r, disk, device, label);
    }
    return smart_verdict_exit(r->verdict);
}

/* Evaluate and print one record; returns its exit code. */
static int report(const struct smart_data *d, const struct smart_counters *prev,
                  const char *disk, const char *device, const char *label, bool json,
                  bool in_array, bool first)
{
    struct smart_report r;
    int rc;

    smart_rules_eval(d, prev, NULL, &r);
    rc = print_report(d, &r, disk, device, label, json, in_array, first);
    smart_report_release(&r);
    return rc;
}

/*
 * Read one configured disk through the history (smart_history.h): the -d type
 * that worked last time first, the previous sample for the growth rules, the
 * reading kept as a sample. When smartctl lacks the rights here, the root
 * job's spooled sample stands in (smart_reading_from_spool). Without a state
 * database it reads without history. New reading.
 */
static struct smart_reading *read_disk(const struct config *cfg, const struct disk_cfg *dk,
                                       struct loop **loop, struct store **st, bool *tried_store)
{
    struct smart_reading *rd = NULL;
    struct lb_err err = { 0 };

    if (!*tried_store) {
        *tried_store = true;
        *st = store_open(NULL, &err);
        if (!*st)
            cli_error("smart: no SMART history (growth rules off): %s", err.msg);
        lb_err_clear(&err);
    }
    if (!*loop)
        *loop = loop_new();
    if (smart_sample_disk_sync(*loop, *st, cfg->dir, dk, &rd, &err) < 0) {
        rd = xcalloc(1, sizeof(*rd));
        rd->disk = dk->name;
        rd->data = smart_data_new_state(SMART_STATE_OPEN_FAILED, err.msg);
        smart_rules_eval(rd->data, NULL, NULL, &rd->report);
        return rd;
    }
    smart_reading_from_spool(rd, *st, clock_now());
    return rd;
}

/* Print a disk's reading; returns its exit code. */
static int report_disk(const struct smart_reading *rd, const struct disk_cfg *dk, bool json,
                       bool in_array, bool first)
{
    return print_report(rd->data, &rd->report, dk->name, dk->device, dk->name, json, in_array,
                        first);
}

static int worse(int a, int b)
{
    return a > b ? a : b;
}

int cmd_smart(struct cli *cli, int argc, char **argv)
{
    const char *disk = NULL;
    const char *file = NULL;
    bool json = cli->json;
    struct config *cfg = NULL;
    struct loop *loop = NULL;
    struct store *st = NULL;
    bool tried_store = false;
    int rc = EXIT_OK_;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) {
            json = true;
        } else if (!strcmp(argv[i], "--from-file")) {
            if (i + 1 >= argc)
                return cli_usage("smart", "--from-file needs a FILE");
            file = argv[++i];
        } else if (!strncmp(argv[i], "--from-file=", 12)) {
            file = argv[i] + 12;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_usage("smart", "unknown option '%s'", argv[i]);
        } else if (!disk) {
            disk = argv[i];
        } else {
            return cli_usage("smart", "one DISK at a time (got '%s' and '%s')", disk, argv[i]);
        }
    }
    if (file && disk)
        return cli_usage("smart", "give either DISK or --from-file FILE, not both");

    if (file) {
        struct smart_data *d = NULL;
        struct lb_err err = { 0 };

        if (smart_parse_file(file, &d, &err) < 0) {
            cli_error("smart: %s", err.msg);
            if (err.code != LB_EPARSE)
                return EXIT_FAIL; /* nothing read: no verdict to print */
            d = smart_data_new_state(SMART_STATE_BAD_OUTPUT, err.msg);
        }
        rc = report(d, NULL, NULL, NULL, d->device ? d->device : file, json, false, true);
        smart_data_free(&d);
        return rc;
    }

    cfg = cli_load_config(cli, true);
    if (!cfg)
        return EXIT_CONFIG;
    if (disk) {
        struct disk_cfg *dk = config_disk(cfg, disk);
        struct smart_reading *rd;

        if (!dk) {
            cli_error("smart: no [disk %s] section in '%s'", disk, cfg->path);
            config_free(cfg);
            return EXIT_CONFIG;
        }
        rd = read_disk(cfg, dk, &loop, &st, &tried_store);
        rc = report_disk(rd, dk, json, false, true);
        smart_reading_free(rd);
    } else if (!cfg->disks.len) {
        cli_error("smart: no [disk NAME] section in '%s': add one, or use --from-file FILE",
                  cfg->path);
        rc = EXIT_CONFIG;
    } else {
        size_t i;
        struct disk_cfg *dk;

        if (json)
            printf("[");
        vec_foreach(&cfg->disks, i, dk)
        {
            struct smart_reading *rd = read_disk(cfg, dk, &loop, &st, &tried_store);

            rc = worse(rc, report_disk(rd, dk, json, true, i == 0));
            smart_reading_free(rd);
        }
        if (json)
            printf("]\n");
    }
    if (loop)
        loop_free(loop);
    store_close(st);
    config_free(cfg);
    return rc;
}
