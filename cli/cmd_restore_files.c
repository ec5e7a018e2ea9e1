/*
 * `lifeboat restore files REPO [SNAPSHOT] [--path P]... [--target DIR | --original]
 *  [--yes] [--json] [--list]`: restore files from a restic snapshot
 * (backend/restore.c). Default target: a fresh directory below [drill]
 * scratch. Over the original location (or over different files in a
 * folder) it prints the preview first and writes only with --yes.
 * --list prints one directory level of the snapshot instead.
 * Exit 0 restored (or listed), 2 failed or not confirmed, 64 usage, 78 config.
 */
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/base/clock.h"
#include "backend/base/str.h"
#include "backend/base/xalloc.h"
#include "backend/config.h"
#include "backend/loop.h"
#include "backend/restore.h"
#include "backend/store.h"
#include "cli/cli.h"
#include "cli/cli_json.h"

#define PREVIEW_LINES 50 /* of each kind */

struct rf_cli {
    struct loop *loop;
    struct restore *r;
    bool json;
    int64_t last_progress_ms;
};

static void on_update(struct restore *r, void *arg)
{
    struct rf_cli *c = arg;
    const struct restore_view *v = restore_view(r);
    int64_t now = loop_now_ms(c->loop);
    char b1[32], b2[32], b3[32], b4[32];

    if (v->phase == RESTORE_IDLE || v->phase == RESTORE_DONE) {
        loop_stop(c->loop);
        return;
    }
    if (c->json || v->phase != RESTORE_RUNNING)
        return;
    if (!c->last_progress_ms) {
        c->last_progress_ms = now;
        return;
    }
    if (now - c->last_progress_ms < 5000)
        return;
    c->last_progress_ms = now;
    fprintf(stderr, "  %s of %s  %s/s  ETA %s\n", str_fmt_bytes(v->bytes_done, b1, sizeof(b1)),
            str_fmt_bytes(v->scope_bytes, b2, sizeof(b2)),
            str_fmt_bytes((uint64_t)v->rate, b3, sizeof(b3)),
            v->eta_s >= 0 ? str_fmt_duration(v->eta_s, b4, sizeof(b4)) : "?");
}

static void on_signal(struct loop *loop, int signo, void *arg)
{
    struct rf_cli *c = arg;

    (void)loop;
    (void)signo;
    restore_cancel(c->r);
}

/* The record as one object. */
static json_t *record_json(const struct restore_view *v)
{
    const struct store_drill *d = &v->rec;
    json_t *o = json_object(), *sn = json_object(), *pv = json_object();

    json_object_set_new(o, "id", d->id ? json_integer(d->id) : json_null());
    json_object_set_new(o, "kind", json_string(d->kind));
    json_object_set_new(o, "outcome", json_string(d->outcome));
    json_object_set_new(o, "repo", json_string(d->repo));
    json_object_set_new(sn, "id", d->snapshot_id[0] ? json_string(d->snapshot_id) : json_null());
    json_object_set_new(sn, "time", cli_json_time(d->snapshot_time));
    json_object_set_new(sn, "hostname",
                        v->tree && v->tree->hostname[0] ? json_string(v->tree->hostname)
                                                        : json_null());
    json_object_set_new(o, "snapshot", sn);
    json_object_set_new(o, "paths", json_string(d->scope));
    json_object_set_new(o, "target", d->target[0] ? json_string(d->target) : json_null());
    json_object_set_new(o, "target_kind",
                        json_string(v->target_kind == RESTORE_ORIGINAL ? "original"
                                    : v->target_kind == RESTORE_FOLDER ? "folder"
                                                                       : "scratch"));
    json_object_set_new(o, "started", cli_json_time(d->started));
    json_object_set_new(o, "ended", cli_json_time(d->ended));
    json_object_set_new(o, "duration_seconds",
                        d->rto_ms >= 0 ? json_real((double)d->rto_ms / 1000.0) : json_null());
    json_object_set_new(o, "bytes", json_integer((json_int_t)d->bytes));
    json_object_set_new(o, "files", json_integer((json_int_t)d->files));
    if (v->planned) {
        json_object_set_new(pv, "create", json_integer((json_int_t)v->n_create));
        json_object_set_new(pv, "overwrite", json_integer((json_int_t)v->n_overwrite));
        json_object_set_new(pv, "identical", json_integer((json_int_t)v->n_identical));
        json_object_set_new(o, "preview", pv);
    } else {
        json_decref(pv);
        json_object_set_new(o, "preview", json_null());
    }
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

static void print_record(const struct restore_view *v)
{
    const struct store_drill *d = &v->rec;
    char b1[32], b2[32], t[32];

    printf("restore %lld: files of '%s' %s\n", (long long)d->id, d->repo, d->outcome);
    if (d->snapshot_id[0])
        printf("  snapshot   %.8s  %s\n", d->snapshot_id,
               d->snapshot_time ? clock_fmt_local(d->snapshot_time, t, sizeof(t)) : "?");
    printf("  paths      %s\n", d->scope[0] ? d->scope : "-");
    printf("  target     %s\n", d->target[0] ? d->target : "-");
    if (d->rto_ms >= 0) {
        double s = (double)d->rto_ms / 1000.0;

        printf("  restored   %s in %llu file%s in %.1f s (%s/s)\n",
               str_fmt_bytes(d->bytes, b1, sizeof(b1)), (unsigned long long)d->files,
               d->files == 1 ? "" : "s", s,
               str_fmt_bytes(s > 0 ? (uint64_t)((double)d->bytes / s) : 0, b2, sizeof(b2)));
    }
    if (d->error[0])
        printf("  error      %s\n", d->error);
}

static const char *type_mark(enum rtree_type t)
{
    return t == RT_DIR ? "d" : t == RT_FILE ? "-" : t == RT_SYMLINK ? "l" : "?";
}

/* --list: one directory level (or one file). */
static int print_level(const struct restore_view *v, const char *path, bool json)
{
    const struct rtree *t = v->tree;
    struct rtree_node *n = rtree_find(t, path ? path : "/"), *c;
    char tb[32], b1[32];
    size_t i;

    if (!n) {
        char *shown = xstrdup(path);

        str_sanitize(shown);
        cli_error("snapshot %.8s holds no %s", t->snapshot_id, shown);
        free(shown);
        return EXIT_FAIL;
    }
    if (json) {
        json_t *o = json_object(), *arr = json_array(), *sn = json_object();
        struct vec one = VEC_INIT(NULL);
        const struct vec *list = &n->children;

        if (n->type != RT_DIR) {
            vec_push(&one, n);
            list = &one;
        }
        json_object_set_new(sn, "id", json_string(t->snapshot_id));
        json_object_set_new(sn, "time", cli_json_time(t->snapshot_time));
        json_object_set_new(sn, "hostname", json_string(t->hostname));
        json_object_set_new(o, "snapshot", sn);
        json_object_set_new(o, "path", json_string(n->path));
        vec_foreach(list, i, c) {
            json_t *e = json_object();

            json_object_set_new(e, "name", json_string(c->shown));
            json_object_set_new(e, "path", json_string(c->path));
            json_object_set_new(e, "type",
                                json_string(c->type == RT_DIR       ? "dir"
                                            : c->type == RT_FILE    ? "file"
                                            : c->type == RT_SYMLINK ? "symlink"
                                                                    : "other"));
            json_object_set_new(e, "size", json_integer((json_int_t)c->size));
            if (c->type == RT_DIR)
                json_object_set_new(e, "files", json_integer((json_int_t)c->files));
            json_object_set_new(e, "mtime", cli_json_time(c->mtime));
            json_array_append_new(arr, e);
        }
        json_object_set_new(o, "entries", arr);
        vec_release(&one);
        print_json(o);
        return 0;
    }
    {
        char *shown = xstrdup(n->path);

        str_sanitize(shown);
        printf("snapshot %.8s  %s  host %s  %s\n", t->snapshot_id,
               t->snapshot_time ? clock_fmt_local(t->snapshot_time, tb, sizeof(tb)) : "?",
               t->hostname[0] ? t->hostname : "?", shown);
        free(shown);
    }
    if (n->type != RT_DIR) {
        printf("%s %10s  %s\n", type_mark(n->type), str_fmt_bytes(n->size, b1, sizeof(b1)),
               n->shown);
        return 0;
    }
    vec_foreach(&n->children, i, c) {
        tb[0] = '\0';
        if (c->mtime) {
            clock_fmt_local(c->mtime, tb, sizeof(tb));
            tb[16] = '\0';
        }
        printf("%s %10s  %-16s  %s%s\n", type_mark(c->type), str_fmt_bytes(c->size, b1, sizeof(b1)),
               tb, c->shown, c->type == RT_DIR ? "/" : "");
    }
    if (!n->children.len)
        printf("(empty)\n");
    return 0;
}

static void print_preview(FILE *f, const struct restore *r)
{
    const struct restore_view *v = restore_view(r);
    static const enum restore_effect order[] = { RFX_OVERWRITE, RFX_CREATE, RFX_IDENTICAL };
    static const char *const names[] = { "create", "overwrite", "identical" };
    char b1[32], tb[32];
    bool list = restore_needs_confirm(r);

    fprintf(f, "restore from repo '%s', snapshot %.8s (%s, host %s)\n", v->rec.repo,
            v->rec.snapshot_id,
            v->rec.snapshot_time ? clock_fmt_local(v->rec.snapshot_time, tb, sizeof(tb)) : "?",
            v->tree && v->tree->hostname[0] ? v->tree->hostname : "?");
    fprintf(f, "  paths    %s\n", v->rec.scope);
    fprintf(f, "  target   %s%s\n", v->rec.target,
            v->target_kind == RESTORE_ORIGINAL  ? " (the original location: files land where "
                                                  "they were backed up)"
            : v->target_kind == RESTORE_SCRATCH ? " (scratch, a fresh directory)"
                                                : "");
    fprintf(f, "  files    %llu (%s): %zu to overwrite, %zu identical, %zu to create\n",
            (unsigned long long)v->scope_files, str_fmt_bytes(v->scope_bytes, b1, sizeof(b1)),
            v->n_overwrite, v->n_identical, v->n_create);
    if (!list)
        return;
    for (size_t k = 0; k < 3; k++) {
        size_t shown = 0, total = 0, i;
        struct restore_item *it;

        vec_foreach(&v->items, i, it) {
            char *p;

            if (it->effect != order[k])
                continue;
            if (++total > PREVIEW_LINES)
                continue;
            shown++;
            p = xstrdup(it->node->path);
            str_sanitize(p);
            fprintf(f, "%-10s %s%s%s%s\n", names[order[k]], p, it->why[0] ? "  (" : "", it->why,
                    it->why[0] ? ")" : "");
            free(p);
        }
        if (total > shown)
            fprintf(f, "%-10s ... and %zu more\n", names[order[k]], total - shown);
    }
}

/* Run the loop until the restore's step is over. */
static void wait_step(struct rf_cli *c)
{
    const struct restore_view *v = restore_view(c->r);

    while (v->phase != RESTORE_IDLE && v->phase != RESTORE_DONE)
        loop_run(c->loop);
}

static int finish_cli(struct rf_cli *c, int rc)
{
    const struct restore_view *v = restore_view(c->r);

    if (c->json)
        print_json(record_json(v));
    else if (v->rec.id && v->phase == RESTORE_DONE)
        print_record(v);
    return rc;
}

#define usage(...) cli_usage("restore files", __VA_ARGS__)

int cmd_restore_files(struct cli *cli, int argc, char **argv)
{
    bool json = cli->json, yes = false, list = false, original = false;
    const char *repo = NULL, *snapshot = NULL, *target = NULL;
    struct vec paths = VEC_INIT(free);
    struct rf_cli c = { 0 };
    struct config *cfg = NULL;
    struct store *st = NULL;
    struct lb_err err = { 0 };
    struct restore_opts ro = { 0 };
    char folder[PATH_MAX + 1];
    int rc = EXIT_FAIL;
    static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];

        if (!strcmp(a, "--json"))
            json = true;
        else if (!strcmp(a, "--yes") || !strcmp(a, "-y"))
            yes = true;
        else if (!strcmp(a, "--list"))
            list = true;
        else if (!strcmp(a, "--original"))
            original = true;
        else if (!strcmp(a, "--path") || !strcmp(a, "--target")) {
            if (i + 1 >= argc) {
                vec_release(&paths);
                return usage("%s needs a value", a);
            }
            if (!strcmp(a, "--target")) {
                target = argv[++i];
                continue;
            }
            if (argv[++i][0] != '/') {
                vec_release(&paths);
                return usage("--path takes an absolute path of the snapshot ('%s')", argv[i]);
            }
            vec_push(&paths, xstrdup(argv[i]));
        } else if (a[0] == '-') {
            vec_release(&paths);
            return usage("unknown option '%s'", a);
        } else if (!repo)
            repo = a;
        else if (!snapshot)
            snapshot = a;
        else {
            vec_release(&paths);
            return usage("one repo and one snapshot ('%s' is extra)", a);
        }
    }
    if (!repo) {
        vec_release(&paths);
        return usage("which repo? lifeboat restore files REPO [SNAPSHOT] ...");
    }
    if (target && original) {
        vec_release(&paths);
        return usage("--target and --original exclude each other");
    }
    if (list && paths.len > 1) {
        vec_release(&paths);
        return usage("--list shows one directory: give at most one --path");
    }
    if (target && !*target) {
        vec_release(&paths);
        return usage("--target needs a directory");
    }
    if (target && target[0] != '/') {
        char cwd[PATH_MAX];

        if (!getcwd(cwd, sizeof(cwd))) {
            vec_release(&paths);
            cli_error("cannot resolve --target %s: the current directory is unknown", target);
            return EXIT_FAIL;
        }
        snprintf(folder, sizeof(folder), "%s/%s", strcmp(cwd, "/") ? cwd : "", target);
        target = folder;
    }
    if (!(cfg = cli_load_config(cli, true))) {
        vec_release(&paths);
        return EXIT_CONFIG;
    }
    if (!(st = store_open(NULL, &err))) {
        cli_error("%s", err.msg);
        goto out;
    }
    c.json = json;
    c.loop = loop_new();
    ro.record_all = !list;
    c.r = restore_new(c.loop, cfg, st, repo, &ro, on_update, &c, &err);
    if (!c.r) {
        cli_error("%s", err.msg);
        goto out;
    }
    for (size_t i = 0; i < 3; i++)
        loop_watch_signal(c.loop, sigs[i], on_signal, &c);

    if (restore_list(c.r, snapshot, &err) < 0) {
        cli_error("%s", err.msg);
        rc = list ? EXIT_FAIL : finish_cli(&c, EXIT_FAIL);
        goto out_sig;
    }
    wait_step(&c);
    if (restore_view(c.r)->error.code) {
        cli_error("%s", restore_view(c.r)->error.msg);
        rc = list ? EXIT_FAIL : finish_cli(&c, EXIT_FAIL);
        goto out_sig;
    }
    if (list) {
        rc = print_level(restore_view(c.r), paths.len ? paths.items[0] : "/", json);
        goto out_sig;
    }
    if (restore_plan(c.r, &paths,
                     original ? RESTORE_ORIGINAL
                     : target ? RESTORE_FOLDER
                              : RESTORE_SCRATCH,
                     target, &err) < 0) {
        cli_error("%s", err.msg);
        rc = finish_cli(&c, EXIT_FAIL);
        goto out_sig;
    }
    wait_step(&c); /* the preview runs through the loop */
    if (!restore_view(c.r)->planned) {
        cli_error("%s", restore_view(c.r)->error.msg);
        rc = finish_cli(&c, EXIT_FAIL);
        goto out_sig;
    }
    print_preview(json ? stderr : stdout, c.r);
    if (restore_needs_confirm(c.r) && !yes) {
        char msg[700];

        snprintf(msg, sizeof(msg), "not confirmed: restoring over %s needs --yes; nothing written",
                 restore_view(c.r)->rec.target);
        restore_abandon(c.r, msg);
        cli_error("%s (the preview above says what would change)", msg);
        rc = finish_cli(&c, EXIT_FAIL);
        goto out_sig;
    }
    if (!json)
        fprintf(stderr, "lifeboat: restoring into %s\n", restore_view(c.r)->rec.target);
    if (restore_go(c.r, &err) < 0 && restore_view(c.r)->phase != RESTORE_DONE) {
        cli_error("%s", err.msg);
        rc = finish_cli(&c, EXIT_FAIL);
        goto out_sig;
    }
    wait_step(&c);
    rc = !strcmp(restore_view(c.r)->rec.outcome, "ok") ? 0 : EXIT_FAIL;
    if (rc && restore_view(c.r)->rec.error[0])
        cli_error("%s", restore_view(c.r)->rec.error);
    rc = finish_cli(&c, rc);
out_sig:
    for (size_t i = 0; i < 3; i++)
        loop_unwatch_signal(c.loop, sigs[i], on_signal, &c);
out:
    restore_free(c.r);
    if (c.loop)
        loop_free(c.loop);
    store_close(st);
    config_free(cfg);
    vec_release(&paths);
    return rc;
}
