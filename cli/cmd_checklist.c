/*
 * `lifeboat checklist daily|weekly|monthly|quarterly [--report] [--json]`:
 * the runbook's checklist with the evidence lifeboat gathers itself; items
 * only the operator can answer are listed "to confirm in the console" (a
 * headless run never ticks them). The run is recorded. --report: a Markdown
 * evidence report (the checklist now, the month's drills and checklist runs).
 * Exit 0 complete, 1 open (items to confirm or unknown), 2 an item failed.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/base/clock.h"
#include "backend/base/str.h"
#include "backend/checklist.h"
#include "backend/config.h"
#include "backend/store.h"
#include "cli/cli.h"

static const char *mark(const struct store_checklist_item *it)
{
    if (!strcmp(it->state, "ok") || !strcmp(it->state, "confirmed"))
        return "[x]";
    if (!strcmp(it->state, "failed"))
        return "[!]";
    return "[ ]";
}

static void print_report(struct store *st, const struct store_checklist_run *run)
{
    char t[32], b[32];
    struct tm tm;
    time_t now = run->started, month;
    struct vec drills = VEC_INIT(free), runs = VEC_INIT(store_checklist_run_free);
    struct lb_err err = { 0 };

    localtime_r(&now, &tm);
    tm.tm_mday = 1;
    tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
    tm.tm_isdst = -1;
    month = mktime(&tm);
    printf("# lifeboat %s checklist, %s\n\n", run->kind, clock_fmt_local(now, t, sizeof(t)));
    printf("Outcome: **%s** (recorded as run %lld by %s)\n\n", run->outcome, (long long)run->id,
           run->who);
    for (size_t i = 0; i < run->items.len; i++) {
        const struct store_checklist_item *it = run->items.items[i];

        printf("- %s **%s** — %s\n", mark(it), it->title,
               checklist_item_manual(it) ? it->evidence + strlen("to confirm: ") : it->evidence);
        if (checklist_item_manual(it))
            printf("  - to confirm in the console (not verified by lifeboat)\n");
    }
    printf("\n## Drills this month\n\n");
    if (store_drills_recent(st, NULL, 200, &drills, &err) == 0) {
        int n = 0;

        printf("| started | kind | outcome | restore point | RTO | RPO | verified |\n");
        printf("|---|---|---|---|---|---|---|\n");
        for (size_t i = 0; i < drills.len; i++) {
            const struct store_drill *d = drills.items[i];
            char rto[32] = "-", rpo[32] = "-";

            if (d->started < month)
                continue;
            n++;
            if (d->rto_ms >= 0)
                str_fmt_duration(d->rto_ms / 1000, rto, sizeof(rto));
            if (d->rpo_seconds >= 0)
                str_fmt_duration(d->rpo_seconds, rpo, sizeof(rpo));
            printf("| %s | %s | %s | %s | %s | %s | %s |\n",
                   clock_fmt_local(d->started, t, sizeof(t)), d->kind, d->outcome,
                   d->snapshot_id[0] ? d->snapshot_id : "-", rto, rpo,
                   d->verified == 1 ? "yes" : d->verified == 0 ? "NO" : "-");
        }
        if (!n)
            printf("| none | | | | | | |\n");
    }
    printf("\n## Checklist runs this month\n\n");
    if (store_checklist_runs(st, NULL, month, 100, &runs, &err) == 0) {
        for (size_t i = 0; i < runs.len; i++) {
            const struct store_checklist_run *r = runs.items[i];
            size_t ok = 0;

            for (size_t k = 0; k < r->items.len; k++)
                ok += !strcmp(mark(r->items.items[k]), "[x]");
            printf("- %s %s: %s, %zu of %zu items ok or confirmed\n",
                   clock_fmt_local(r->started, t, sizeof(t)), r->kind, r->outcome, ok,
                   r->items.len);
        }
        if (!runs.len)
            printf("- none\n");
    }
    (void)b;
    vec_release(&drills);
    vec_release(&runs);
}

int cmd_checklist(struct cli *cli, int argc, char **argv)
{
    bool json = cli->json, report = false;
    const char *kind = NULL, *user = getenv("USER");
    struct config *cfg;
    struct store *st;
    struct lb_err err = { 0 };
    struct store_checklist_run run = { 0 };
    int rc = 0, failed = 0, open = 0;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json"))
            json = true;
        else if (!strcmp(argv[i], "--report"))
            report = true;
        else if (argv[i][0] == '-')
            return cli_usage("checklist", "unknown option '%s'", argv[i]);
        else if (!kind)
            kind = argv[i];
        else
            return cli_usage("checklist", "one checklist at a time ('%s' is extra)", argv[i]);
    }
    if (!checklist_kind_ok(kind))
        return cli_usage("checklist", "which checklist? daily, weekly, monthly or quarterly%s",
                         kind ? " (not that one)" : "");
    if (!(cfg = cli_load_config(cli, false)))
        return EXIT_CONFIG;
    if (!(st = store_open(NULL, &err))) {
        cli_error("%s", err.msg);
        config_free(cfg);
        return EXIT_FAIL;
    }
    vec_init(&run.items, free);
    checklist_build(cfg, st, kind, clock_now(), &run);
    str_copy(run.who, sizeof(run.who), user && *user ? user : "headless");
    str_sanitize(run.who);
    run.ended = clock_now();
    if (store_checklist_save(st, &run, &err) < 0) {
        cli_error("cannot record the checklist run: %s", err.msg);
        rc = EXIT_FAIL;
    }
    for (size_t i = 0; i < run.items.len; i++) {
        const struct store_checklist_item *it = run.items.items[i];

        failed += !strcmp(it->state, "failed");
        open += strcmp(mark(it), "[x]") != 0;
    }
    if (report) {
        print_report(st, &run);
    } else if (json) {
        json_t *o = json_object(), *arr = json_array();
        char *text;

        json_object_set_new(o, "id", json_integer(run.id));
        json_object_set_new(o, "kind", json_string(run.kind));
        json_object_set_new(o, "outcome", json_string(run.outcome));
        for (size_t i = 0; i < run.items.len; i++) {
            const struct store_checklist_item *it = run.items.items[i];
            json_t *j = json_object();

            json_object_set_new(j, "key", json_string(it->key));
            json_object_set_new(j, "title", json_string(it->title));
            json_object_set_new(j, "state", json_string(it->state));
            json_object_set_new(j, "manual", json_boolean(checklist_item_manual(it)));
            json_object_set_new(j, "evidence", json_string(it->evidence));
            json_array_append_new(arr, j);
        }
        json_object_set_new(o, "items", arr);
        text = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (text)
            puts(text);
        free(text);
        json_decref(o);
    } else {
        printf("%s checklist: %s\n", run.kind, run.outcome);
        for (size_t i = 0; i < run.items.len; i++) {
            const struct store_checklist_item *it = run.items.items[i];

            printf("%s %s\n    %s\n", mark(it), it->title,
                   checklist_item_manual(it) ? "to confirm in the console" : it->evidence);
            if (checklist_item_manual(it))
                printf("    %s\n", it->evidence + strlen("to confirm: "));
        }
        if (open)
            printf("\n%d item%s not ticked: confirm them in the console (Drills & chores, 7)\n",
                   open, open == 1 ? "" : "s");
    }
    if (!rc)
        rc = failed ? EXIT_FAIL : open ? EXIT_WARN : 0;
    vec_release(&run.items);
    store_close(st);
    config_free(cfg);
    return rc;
}
