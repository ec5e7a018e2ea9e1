/*
 * `lifeboat restore guest VMID [--backup TIME|newest] [--vmid N | --original]
 *  [--storage NAME] [--start] [--shutdown] [--yes --confirm VMID-NAME] [--json]`
 *
 * A real restore of a Proxmox guest from PBS (backend/restore_guest.h).
 * Without --original the backup goes into a new guest: --vmid N (checked
 * free) or the next free VMID; nothing existing is touched, so it needs no
 * confirmation. Over the original the preview (what is lost) is printed and
 * nothing happens (exit 2) unless BOTH --yes and --confirm VMID-NAME (the
 * guest's id and current name, e.g. 100-pfsense) are given: a script must
 * name the exact guest it destroys, and a renamed or different guest does
 * not match. A running original is refused unless --shutdown asks lifeboat
 * to shut it down cleanly first (never a hard stop).
 */
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/base/clock.h"
#include "backend/base/str.h"
#include "backend/config.h"
#include "backend/loop.h"
#include "backend/restore_guest.h"
#include "backend/store.h"
#include "cli/cli.h"
#include "cli/cli_json.h"

#define MAX_BACKUPS 4096

struct rg_cli {
    struct loop *loop;
    struct restore_guest *rg;
    bool json;
    char shown[200];
};

static bool settled(enum restore_guest_phase p)
{
    return p != RG_LOADING && p != RG_PREPARING && p != RG_RUNNING;
}

static void on_update(struct restore_guest *rg, void *arg)
{
    struct rg_cli *c = arg;

    if (settled(restore_guest_phase(rg))) {
        loop_stop(c->loop);
        return;
    }
    if (!c->json && restore_guest_phase(rg) == RG_RUNNING &&
        strcmp(c->shown, restore_guest_step(rg)) != 0) {
        str_copy(c->shown, sizeof(c->shown), restore_guest_step(rg));
        fprintf(stderr, "lifeboat: restore: %s\n", c->shown);
    }
}

static void on_signal(struct loop *loop, int signo, void *arg)
{
    struct rg_cli *c = arg;

    (void)loop;
    (void)signo;
    restore_guest_cancel(c->rg);
}

static void wait_settled(struct rg_cli *c)
{
    if (!settled(restore_guest_phase(c->rg)))
        loop_run(c->loop);
}

static json_t *preview_json(const struct rg_preview *pv)
{
    json_t *o = json_object(), *g = json_object(), *b = json_object(), *t = json_object();

    json_object_set_new(g, "vmid", json_integer(pv->guest.vmid));
    json_object_set_new(g, "type", json_string(pv->guest.type));
    json_object_set_new(g, "name", pv->guest.name[0] ? json_string(pv->guest.name) : json_null());
    json_object_set_new(g, "exists", json_boolean(pv->guest.exists));
    json_object_set_new(o, "guest", g);
    json_object_set_new(b, "volid", json_string(pv->backup.volid));
    json_object_set_new(b, "time", cli_json_time(pv->backup.ctime));
    json_object_set_new(b, "size", json_integer((json_int_t)pv->backup.size));
    json_object_set_new(b, "verify", pv->backup.verify[0] ? json_string(pv->backup.verify)
                                                          : json_null());
    json_object_set_new(b, "protected", json_boolean(pv->backup.is_protected));
    json_object_set_new(o, "backup", b);
    json_object_set_new(t, "vmid", json_integer(pv->target));
    json_object_set_new(t, "original", json_boolean(pv->original));
    json_object_set_new(t, "node", json_string(pv->node));
    json_object_set_new(t, "storage", pv->disk_storage[0] ? json_string(pv->disk_storage)
                                                          : json_null());
    json_object_set_new(o, "target", t);
    if (pv->original) {
        json_t *l = json_object(), *sn = json_array();

        json_object_set_new(l, "status", json_string(pv->status));
        json_object_set_new(l, "digest", json_string(pv->digest));
        json_object_set_new(l, "config_differences", json_integer(pv->config_diffs));
        json_object_set_new(l, "config_why", pv->config_why[0] ? json_string(pv->config_why)
                                                               : json_null());
        for (size_t i = 0; i < pv->snapshots.len; i++)
            json_array_append_new(sn, json_string(pv->snapshots.items[i]));
        json_object_set_new(l, "snapshots_removed", sn);
        json_object_set_new(l, "data_loss_seconds", json_integer(pv->data_loss_s));
        json_object_set_new(l, "protection", json_boolean(pv->protection));
        json_object_set_new(o, "loss", l);
    } else {
        json_object_set_new(o, "loss", json_null());
    }
    return o;
}

static json_t *record_json(const struct store_drill *d)
{
    json_t *o = json_object();

    json_object_set_new(o, "id", json_integer(d->id));
    json_object_set_new(o, "kind", json_string(d->kind));
    json_object_set_new(o, "outcome", json_string(d->outcome));
    json_object_set_new(o, "target", json_string(d->target));
    json_object_set_new(o, "scope", json_string(d->scope));
    json_object_set_new(o, "started", cli_json_time(d->started));
    json_object_set_new(o, "ended", cli_json_time(d->ended));
    json_object_set_new(o, "rto_seconds",
                        d->rto_ms >= 0 ? json_real((double)d->rto_ms / 1000.0) : json_null());
    json_object_set_new(o, "rpo_seconds", d->rpo_seconds >= 0 ? json_integer(d->rpo_seconds)
                                                              : json_null());
    json_object_set_new(o, "verified", json_boolean(d->verified == 1));
    json_object_set_new(o, "verification", d->verify_note[0] ? json_string(d->verify_note)
                                                             : json_null());
    json_object_set_new(o, "phases", json_string(d->phases));
    json_object_set_new(o, "error", d->error[0] ? json_string(d->error) : json_null());
    return o;
}

static void print_json(json_t *j)
{
    char *text = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));

    if (text)
        puts(text);
    free(text);
    json_decref(j);
}

static void print_preview(const struct rg_preview *pv, const char *word)
{
    char t[32], b1[32], b2[32];
    time_t now = clock_now();

    clock_fmt_local(pv->backup.ctime, t, sizeof(t));
    printf("guest      %d %s (%s)%s\n", pv->guest.vmid, pv->guest.name[0] ? pv->guest.name : "",
           pv->guest.type, pv->guest.exists ? "" : "  -- no longer in PVE");
    printf("backup     %s\n", pv->backup.volid);
    printf("           %s, %s old, %s, verify %s%s\n", t,
           str_fmt_age(now - pv->backup.ctime, b1, sizeof(b1)),
           str_fmt_bytes(pv->backup.size, b2, sizeof(b2)),
           pv->backup.verify[0] ? pv->backup.verify : "never",
           pv->backup.encrypted ? ", encrypted" : "");
    if (pv->disk_storage[0])
        printf("disks on   storage %s\n", pv->disk_storage);
    if (!pv->original) {
        printf("target     new guest %d on %s (new MAC addresses; guest %d is not touched)\n",
               pv->target, pv->node, pv->guest.vmid);
        return;
    }
    printf("target     THE ORIGINAL guest %d on %s: it is replaced by the backup\n", pv->target,
           pv->node);
    printf("lost       the guest's current state: status %s%s%s, config digest %.12s\n",
           pv->status, pv->lock[0] ? ", locked " : "", pv->lock, pv->digest);
    if (pv->config_diffs)
        printf("           config changes since the backup (%d): %s\n", pv->config_diffs,
               pv->config_why);
    else
        printf("           config: the same as the backup's\n");
    printf("           every change to its disks since %s (%s of data)\n", t,
           str_fmt_duration(pv->data_loss_s, b1, sizeof(b1)));
    if (pv->snapshots.len) {
        printf("           its %zu snapshot(s):", pv->snapshots.len);
        for (size_t i = 0; i < pv->snapshots.len; i++)
            printf(" %s", (const char *)pv->snapshots.items[i]);
        printf("\n");
    } else {
        printf("           (it has no snapshots)\n");
    }
    if (pv->protection)
        printf("warning    the guest has protection=1: PVE refuses to restore over it until "
               "it is turned off\n");
    printf("confirm    --yes --confirm %s\n", word);
}

static int parse_vmid(const char *s, int *out)
{
    int64_t v;

    if (str_to_i64(s, 100, 999999999, &v) < 0)
        return -1;
    *out = (int)v;
    return 0;
}

int cmd_restore_guest(struct cli *cli, int argc, char **argv)
{
    bool json = cli->json, yes = false, original = false, start = false, shutdown = false;
    const char *backup = NULL, *confirm = NULL, *storage = NULL;
    int vmid = 0, target = 0, rc = EXIT_FAIL;
    struct config *cfg = NULL;
    struct store *st = NULL;
    struct lb_err err = { 0 };
    struct rg_cli c = { 0 };
    static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
    const struct rg_backup **list = NULL;
    size_t n;
    int pick;
    const struct rg_preview *pv;
    char word[96];

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];

        if (!strcmp(a, "--json"))
            json = true;
        else if (!strcmp(a, "--yes") || !strcmp(a, "-y"))
            yes = true;
        else if (!strcmp(a, "--original"))
            original = true;
        else if (!strcmp(a, "--start"))
            start = true;
        else if (!strcmp(a, "--shutdown"))
            shutdown = true;
        else if (!strcmp(a, "--backup") && i + 1 < argc)
            backup = argv[++i];
        else if (!strcmp(a, "--storage") && i + 1 < argc)
            storage = argv[++i];
        else if (!strcmp(a, "--confirm") && i + 1 < argc)
            confirm = argv[++i];
        else if (!strcmp(a, "--vmid") && i + 1 < argc) {
            if (parse_vmid(argv[++i], &target) < 0)
                return cli_usage("restore guest", "--vmid takes a VMID of 100-999999999 ('%s')", argv[i]);
        } else if (a[0] == '-')
            return cli_usage("restore guest", "unknown option '%s'", a);
        else if (!vmid) {
            if (parse_vmid(a, &vmid) < 0)
                return cli_usage("restore guest", "'%s' is not a VMID (100-999999999)", a);
        } else
            return cli_usage("restore guest", "one guest at a time ('%s' is extra)", a);
    }
    if (!vmid)
        return cli_usage("restore guest", "which guest? give its VMID");
    if (original && target)
        return cli_usage("restore guest",
                         "--original and --vmid exclude each other: over the original or into "
                         "a new VMID");
    if (confirm && !original)
        return cli_usage("restore guest", "--confirm is for --original only");
    if (!(cfg = cli_load_config(cli, true)))
        return EXIT_CONFIG;
    if (!(st = store_open(NULL, &err))) {
        cli_error("%s", err.msg);
        config_free(cfg);
        return EXIT_FAIL;
    }
    c.json = json;
    c.loop = loop_new();
    if (!(c.rg = restore_guest_new(c.loop, cfg, st, on_update, &c, &err))) {
        cli_error("%s", err.msg);
        rc = err.code == LB_ECONFIG ? EXIT_CONFIG : EXIT_FAIL;
        goto out;
    }
    for (size_t i = 0; i < 3; i++)
        loop_watch_signal(c.loop, sigs[i], on_signal, &c);
    /* 1: guests, backups, next free VMID */
    if (restore_guest_load(c.rg, &err) < 0) {
        cli_error("%s", err.msg);
        goto out;
    }
    wait_settled(&c);
    if (restore_guest_phase(c.rg) != RG_CHOOSE) {
        cli_error("restore guest %d: %s", vmid, restore_guest_error(c.rg));
        goto out;
    }
    /* 2: which backup, which target, the preview */
    list = calloc(MAX_BACKUPS, sizeof(*list));
    if (!list) {
        cli_error("out of memory");
        goto out;
    }
    n = restore_guest_backups(c.rg, vmid, list, MAX_BACKUPS);
    if (!n) {
        if (restore_guest_prepare(c.rg, vmid, NULL, target, original, &err) < 0)
            cli_error("restore guest: %s", err.msg);
        goto out;
    }
    if ((pick = restore_guest_pick(list, n, backup, &err)) < 0) {
        cli_error("restore guest %d: %s", vmid, err.msg);
        goto out;
    }
    if (restore_guest_set_storage(c.rg, storage, list[pick]->type, &err) < 0) {
        cli_error("restore guest %d: %s", vmid, err.msg);
        goto out;
    }
    if (restore_guest_prepare(c.rg, vmid, list[pick]->volid, target, original, &err) < 0) {
        cli_error("restore guest: %s", err.msg);
        goto out;
    }
    wait_settled(&c);
    if (restore_guest_phase(c.rg) != RG_READY) {
        cli_error("restore guest %d: %s", vmid, restore_guest_error(c.rg));
        goto out;
    }
    pv = restore_guest_preview(c.rg);
    restore_guest_confirm_word(&pv->guest, word, sizeof(word));
    if (original) {
        const char *refuse = NULL;
        char again[200];

        snprintf(again, sizeof(again),
                 "nothing done: this replaces the guest; to go ahead add --yes --confirm %s",
                 word);
        if (!yes)
            refuse = again;
        else if (!confirm)
            refuse = "nothing done: --yes over the original also needs --confirm VMID-NAME "
                     "(see the preview)";
        else if (strcmp(confirm, word) != 0)
            refuse = "nothing done: --confirm does not name this guest (VMID-NAME as in the "
                     "preview; has it been renamed?)";
        else if (pv->protection)
            refuse = "nothing done: the guest has protection=1 and PVE refuses to restore over "
                     "it; turn protection off in PVE (Options) first";
        else if (!strcmp(pv->status, "running") && !shutdown)
            refuse = "nothing done: the guest is running; shut it down first, or add --shutdown "
                     "and lifeboat shuts it down cleanly before the restore";
        if (refuse) {
            if (json)
                print_json(preview_json(pv));
            else
                print_preview(pv, word);
            cli_error("restore guest %d: %s", vmid, refuse);
            goto out;
        }
    }
    if (!json)
        print_preview(pv, word);
    /* 3: the restore */
    if (restore_guest_go(c.rg, shutdown, start, &err) < 0) {
        cli_error("restore guest %d: %s", vmid, err.msg);
        goto out;
    }
    wait_settled(&c);
    {
        const struct store_drill *r = restore_guest_record(c.rg);
        const char *tail[8];
        size_t nt = restore_guest_log_tail(c.rg, tail, 8);

        if (json) {
            json_t *o = preview_json(pv), *lt = json_array();

            for (size_t i = 0; i < nt; i++)
                json_array_append_new(lt, json_string(tail[i]));
            json_object_set_new(o, "record", record_json(r));
            json_object_set_new(o, "task_log_tail", lt);
            print_json(o);
        } else {
            printf("outcome    %s (record %lld, lifeboat drills)\n", r->outcome,
                   (long long)r->id);
            if (r->rto_ms >= 0)
                printf("took       %.1f s (restore to confirmed config)\n",
                       (double)r->rto_ms / 1000.0);
            if (r->verify_note[0])
                printf("verified   %s\n", r->verify_note);
            if (r->phases[0])
                printf("phases     %s\n", r->phases);
        }
        rc = !strcmp(r->outcome, "ok") ? EXIT_OK_ : EXIT_FAIL;
        if (rc && r->error[0]) {
            cli_error("restore guest %d: %s", vmid, r->error);
            for (size_t i = 0; i < nt && !json; i++)
                fprintf(stderr, "  task log: %s\n", tail[i]);
        }
    }
out:
    free(list);
    if (c.rg) {
        for (size_t i = 0; i < 3; i++)
            loop_unwatch_signal(c.loop, sigs[i], on_signal, &c);
        restore_guest_free(c.rg);
    }
    loop_free(c.loop);
    store_close(st);
    config_free(cfg);
    return rc;
}
