/*
 * lifeboat smart [DISK] [--from-file FILE] [--json]
 * lifeboat smart --pbs [DISK] [--json] [--timeout DURATION]
 *
 * SMART verdict and findings of a saved `smartctl --json` output (--from-file,
 * no config needed), of one configured [disk DISK], or of every configured
 * disk. A disk whose section has `source = FILE` reads that file instead of
 * running smartctl (demo and tests only). Exit 0 ok (or standby), 1 warn (or
 * SMART unavailable), 2 crit or error; 64 usage, 78 config.
 * --json: one object for DISK or FILE, an array of objects for every disk.
 *
 * --pbs: the disks of the first [pbs] host as PBS reports them
 * (/nodes/localhost/disks/list): name, model, serial, type, use, size, PBS's
 * SMART status and wearout (life left), and the configured [disk] with the
 * same serial (lifeboat's own smartctl view). Exit 0 all passed, 1 a status
 * PBS could not read (unknown, explained), 2 a failed one or the list could
 * not be read. --json: one array of objects.
 *
 * --pbs DISK: one disk's SMART as PBS reports it (/nodes/localhost/disks/
 * smart?disk=DISK, DISK as PBS lists it: sda, nvme0n1): status, wearout and
 * the attribute table (ATA: id, name, normalized/worst/threshold, raw, flags,
 * an attribute at or below its non-zero threshold marked FAILING; NVMe: the
 * health-log keys and values). Exit 0 passed, 1 unknown, 2 failed (or an
 * attribute failing) or the answer could not be read. --json: one object
 * {disk, status, wearout, attributes: [...]}, numbers as numbers.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/base/clock.h"
#include "backend/base/err.h"
#include "backend/base/str.h"
#include "backend/base/xalloc.h"
#include "backend/config.h"
#include "backend/http.h"
#include "backend/loop.h"
#include "backend/pbs.h"
#include "backend/pbs_smart.h"
#include "backend/pmx_recent.h"
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

/* ---- --pbs: the disks as PBS reports them ---- */

struct pbs_fetch {
    bool done;
    int rc;
    struct lb_err err;
    struct vec disks; /* struct pbs_disk * */
};

static void on_pbs_disks(int rc, const struct lb_err *err, struct vec *out, void *arg)
{
    struct pbs_fetch *f = arg;

    f->done = true;
    f->rc = rc;
    if (rc && err)
        f->err = *err;
    for (size_t i = 0; !rc && i < out->len; i++) {
        vec_push(&f->disks, out->items[i]);
        out->items[i] = NULL;
    }
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static int pbs_disks(const struct config *cfg, bool json, int64_t timeout_ms)
{
    const struct pbs_cfg *pc = cfg->pbss.items[0];
    struct loop *loop = loop_new();
    struct http *http = http_new(loop);
    struct pmx_client_opts o = { .product = PMX_PBS,
                                 .name = pc->name,
                                 .url = pc->url,
                                 .token_file = pc->token_file,
                                 .fingerprint = pc->fingerprint,
                                 .timeout_ms = timeout_ms };
    struct pbs_fetch f = { 0 };
    struct pmx_client *c;
    const char **ours = NULL;    /* per PBS disk: the [disk] with its serial, NULL */
    const char **verdict = NULL; /* and lifeboat's own verdict on it */
    struct store *st = NULL;
    bool tried_store = false;
    struct loop *sloop = NULL;
    int rc = EXIT_OK_;
    size_t i;
    struct pbs_disk *d;

    vec_init(&f.disks, pbs_disk_free);
    c = pmx_client_new(loop, http, &o, &f.err);
    if (c && pbs_get_disks(c, on_pbs_disks, &f, &f.err))
        pmx_wait(loop, &f.done);
    else
        f.rc = -(int)f.err.code;
    if (f.rc) {
        str_sanitize(f.err.msg);
        cli_error("smart --pbs: the disk list of PBS '%s' (GET /nodes/localhost/disks/list) "
                  "could not be read: %s",
                  pc->name, f.err.msg);
        rc = EXIT_FAIL;
        goto out;
    }
    /* our own view of each configured disk, for its serial */
    ours = xcalloc(f.disks.len + 1, sizeof(*ours));
    verdict = xcalloc(f.disks.len + 1, sizeof(*verdict));
    for (size_t k = 0; k < cfg->disks.len; k++) {
        const struct disk_cfg *dk = cfg->disks.items[k];
        struct smart_reading *rd = read_disk(cfg, dk, &sloop, &st, &tried_store);

        vec_foreach(&f.disks, i, d) {
            if (!ours[i] && rd->data && pbs_disk_serial_match(d->serial, rd->data->serial)) {
                ours[i] = dk->name;
                verdict[i] = smart_verdict_name(rd->report.verdict);
            }
        }
        smart_reading_free(rd);
    }
    if (json) {
        json_t *arr = json_array();
        char *text;

        vec_foreach(&f.disks, i, d) {
            json_t *e = json_object();

            json_object_set_new(e, "name", json_string(d->name));
            json_object_set_new(e, "vendor", str_or_null(d->vendor));
            json_object_set_new(e, "model", str_or_null(d->model));
            json_object_set_new(e, "serial", str_or_null(d->serial));
            json_object_set_new(e, "type", str_or_null(d->disk_type));
            json_object_set_new(e, "used", str_or_null(d->used));
            json_object_set_new(e, "size", json_integer((json_int_t)d->size));
            json_object_set_new(e, "status", json_string(d->status));
            json_object_set_new(e, "wearout",
                                d->wearout >= 0 ? json_integer(d->wearout) : json_null());
            json_object_set_new(e, "note",
                                *pbs_disk_note(d) ? json_string(pbs_disk_note(d)) : json_null());
            json_object_set_new(e, "disk", str_or_null(ours[i]));
            json_object_set_new(e, "disk_smart", str_or_null(verdict[i]));
            json_array_append_new(arr, e);
        }
        text = json_dumps(arr, JSON_INDENT(2));
        printf("%s\n", text ? text : "[]");
        free(text);
        json_decref(arr);
    } else {
        printf("disks of PBS '%s' as PBS reports them\n", pc->name);
        printf("%-9s %-24s %-16s %-5s %-11s %9s %-8s %-8s %s\n", "NAME", "MODEL", "SERIAL", "TYPE",
               "USED", "SIZE", "SMART", "LIFE", "OURS");
        vec_foreach(&f.disks, i, d) {
            char model[128], size[32], life[16], our[96];

            snprintf(model, sizeof(model), "%s%s%s", d->vendor ? d->vendor : "",
                     d->vendor ? " " : "", d->model ? d->model : "-");
            str_fmt_bytes(d->size, size, sizeof(size));
            if (d->wearout >= 0)
                snprintf(life, sizeof(life), "%d%%", d->wearout);
            else
                snprintf(life, sizeof(life), "-");
            if (ours[i])
                snprintf(our, sizeof(our), "= [disk %s], SMART %s here", ours[i], verdict[i]);
            else
                snprintf(our, sizeof(our), "-");
            printf("%-9s %-24s %-16s %-5s %-11s %9s %-8s %-8s %s\n", d->name, model,
                   d->serial ? d->serial : "-", d->disk_type ? d->disk_type : "-",
                   d->used ? d->used : "-", size, d->status, life, our);
            if (*pbs_disk_note(d))
                printf("  %s: %s\n", pbs_disk_level(d) == 2 ? "crit" : "note", pbs_disk_note(d));
        }
        if (!f.disks.len)
            printf("(PBS lists no disks)\n");
    }
    vec_foreach(&f.disks, i, d) {
        rc = worse(rc, pbs_disk_level(d));
    }
out:
    free(ours);
    free(verdict);
    if (sloop)
        loop_free(sloop);
    store_close(st);
    vec_release(&f.disks);
    pmx_client_free(c);
    http_free(http);
    loop_free(loop);
    return rc;
}

/* ---- --pbs DISK: one disk's SMART as PBS reports it ---- */

struct smart_fetch {
    bool done;
    int rc;
    struct lb_err err;
    struct pbs_smart *smart;
};

static void on_pbs_smart(int rc, const struct lb_err *err, struct vec *out, void *arg)
{
    struct smart_fetch *f = arg;

    f->done = true;
    f->rc = rc;
    if (rc && err)
        f->err = *err;
    if (!rc && out->len) {
        f->smart = out->items[0];
        out->items[0] = NULL;
    }
}

static json_t *num_or_null(bool has, double v)
{
    if (!has)
        return json_null();
    if (v == (double)(long long)v)
        return json_integer((json_int_t)v);
    return json_real(v);
}

static void print_smart_json(const struct pbs_smart *s)
{
    json_t *o = json_object(), *arr = json_array();
    size_t i;
    const struct pbs_smart_attr *a;
    char *text;

    json_object_set_new(o, "disk", json_string(s->disk));
    json_object_set_new(o, "status", json_string(s->status));
    json_object_set_new(o, "wearout", s->wearout >= 0 ? json_integer(s->wearout) : json_null());
    json_object_set_new(o, "type", json_string(s->ata ? "ata" : s->attrs.len ? "nvme" : "none"));
    vec_foreach(&s->attrs, i, a) {
        json_t *e = json_object();

        json_object_set_new(e, "id", a->id >= 0 ? json_integer(a->id) : json_null());
        json_object_set_new(e, "name", json_string(a->name));
        json_object_set_new(e, "normalized", num_or_null(a->has_normalized, a->normalized));
        json_object_set_new(e, "worst", num_or_null(a->has_worst, a->worst));
        json_object_set_new(e, "threshold", num_or_null(a->has_threshold, a->threshold));
        json_object_set_new(e, "raw", json_string(a->raw));
        json_object_set_new(e, "value", a->has_value ? json_integer(a->value) : json_null());
        json_object_set_new(e, "flags", str_or_null(a->flags));
        json_object_set_new(e, "failing", json_boolean(a->failing));
        json_array_append_new(arr, e);
    }
    json_object_set_new(o, "attributes", arr);
    text = json_dumps(o, JSON_INDENT(2));
    printf("%s\n", text ? text : "{}");
    free(text);
    json_decref(o);
}

static void fmt_num(bool has, double v, char *out, size_t n)
{
    if (!has)
        snprintf(out, n, "-");
    else if (v == (double)(long long)v)
        snprintf(out, n, "%lld", (long long)v);
    else
        snprintf(out, n, "%.1f", v);
}

static void print_smart_text(const struct pbs_smart *s, const char *pbs)
{
    size_t i;
    const struct pbs_smart_attr *a;
    size_t failing = pbs_smart_failing(s);

    printf("%s on PBS '%s': SMART %s", s->disk, pbs, s->status);
    if (s->wearout >= 0)
        printf(", %d%% life left", s->wearout);
    printf("\n");
    if (failing)
        printf("  crit: %zu attribute%s at or below %s threshold: the drive predicts its own "
               "failure; copy what is on it now and replace it\n",
               failing, failing == 1 ? "" : "s", failing == 1 ? "its" : "their");
    if (!strcmp(s->status, "unknown"))
        printf("  note: PBS could not read SMART of this disk (a USB bridge needs smartctl "
               "-d sat, which PBS does not add); lifeboat's own [disk] with type = sat can\n");
    if (!s->attrs.len) {
        printf("  (PBS reports no attributes)\n");
        return;
    }
    if (s->ata) {
        printf("  %3s  %-24s %5s %5s %6s  %-20s %s\n", "ID", "ATTRIBUTE", "VALUE", "WORST",
               "THRESH", "RAW", "FLAGS");
        vec_foreach(&s->attrs, i, a) {
            char id[24], nv[32], wv[32], tv[32];

            if (a->id >= 0)
                snprintf(id, sizeof(id), "%lld", a->id);
            else
                snprintf(id, sizeof(id), "-");
            fmt_num(a->has_normalized, a->normalized, nv, sizeof(nv));
            fmt_num(a->has_worst, a->worst, wv, sizeof(wv));
            fmt_num(a->has_threshold, a->threshold, tv, sizeof(tv));
            printf("  %3s  %-24s %5s %5s %6s  %-20s %s%s\n", id, a->name, nv, wv, tv, a->raw,
                   a->flags ? a->flags : "-", a->failing ? "  FAILING" : "");
        }
    } else {
        printf("  %-34s %s\n", "HEALTH LOG", "VALUE");
        vec_foreach(&s->attrs, i, a) {
            printf("  %-34s %s\n", a->name, a->raw);
        }
    }
}

static int pbs_smart_one(const struct config *cfg, const char *disk, bool json, int64_t timeout_ms)
{
    const struct pbs_cfg *pc = cfg->pbss.items[0];
    struct loop *loop = loop_new();
    struct http *http = http_new(loop);
    struct pmx_client_opts o = { .product = PMX_PBS,
                                 .name = pc->name,
                                 .url = pc->url,
                                 .token_file = pc->token_file,
                                 .fingerprint = pc->fingerprint,
                                 .timeout_ms = timeout_ms };
    struct smart_fetch f = { 0 };
    struct pmx_client *c;
    int rc;

    c = pmx_client_new(loop, http, &o, &f.err);
    if (c && pbs_get_smart(c, disk, false, on_pbs_smart, &f, &f.err))
        pmx_wait(loop, &f.done);
    else
        f.rc = -(int)f.err.code;
    if (f.rc || !f.smart) {
        char name[64];

        str_copy(name, sizeof(name), disk);
        str_sanitize(name);
        str_sanitize(f.err.msg);
        cli_error("smart --pbs %s: the SMART data of disk '%s' on PBS '%s' "
                  "(GET /nodes/localhost/disks/smart?disk=%s) could not be read: %s",
                  name, name, pc->name, name, f.rc ? f.err.msg : "an empty answer");
        rc = EXIT_FAIL;
        goto out;
    }
    f.smart->disk = xstrdup(disk);
    str_sanitize(f.smart->disk);
    if (json)
        print_smart_json(f.smart);
    else
        print_smart_text(f.smart, pc->name);
    rc = pbs_smart_level(f.smart);
out:
    pbs_smart_free(f.smart);
    pmx_client_free(c);
    http_free(http);
    loop_free(loop);
    return rc;
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
    bool pbs = false;
    int64_t timeout = 20;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) {
            json = true;
        } else if (!strcmp(argv[i], "--timeout") && i + 1 < argc) {
            if (str_to_duration(argv[++i], &timeout) < 0 || timeout < 1)
                return cli_usage("smart", "--timeout wants a duration like 20s, not '%s'", argv[i]);
        } else if (!strcmp(argv[i], "--pbs")) {
            pbs = true;
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
    if (pbs && file)
        return cli_usage("smart", "--pbs reads PBS's view: no --from-file");
    if (pbs) {
        cfg = cli_load_config(cli, true);
        if (!cfg)
            return EXIT_CONFIG;
        if (!cfg->pbss.len) {
            cli_error("smart --pbs: %s has no [pbs NAME] section: add one with url and "
                      "token_file",
                      cfg->path);
            rc = EXIT_CONFIG;
        } else if (disk) {
            rc = pbs_smart_one(cfg, disk, json, timeout * 1000);
        } else {
            rc = pbs_disks(cfg, json, timeout * 1000);
        }
        config_free(cfg);
        return rc;
    }

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
