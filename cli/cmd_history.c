/* `lifeboat history [--job J] [--limit N] [--json]`: past runs, newest first, with their steps. */
#include "cli/cli.h"
#include "cli/cli_json.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/base/clock.h"
#include "backend/base/str.h"
#include "backend/base/xalloc.h"
#include "backend/store.h"

#define DEFAULT_LIMIT 20

/* A stored JSON text as an object (NULL when absent or not JSON). */
static json_t *parse_obj(const char *text)
{
    return text ? json_loads(text, 0, NULL) : NULL;
}

static uint64_t data_added(const struct vec *steps)
{
    uint64_t sum = 0;
    size_t i;
    struct store_step *s;

    vec_foreach(steps, i, s) {
        json_t *f = parse_obj(s->figures_json), *d = json_object_get(f, "data_added");

        if (json_is_integer(d) && json_integer_value(d) > 0)
            sum += (uint64_t)json_integer_value(d);
        json_decref(f);
    }
    return sum;
}

static json_t *run_json(const struct store_run *r, const struct vec *steps)
{
    json_t *o = json_object(), *arr = json_array();
    size_t i;
    struct store_step *s;

    json_object_set_new(o, "id", json_integer(r->id));
    json_object_set_new(o, "job", json_string(r->job));
    json_object_set_new(o, "started", cli_json_time(r->started));
    json_object_set_new(o, "ended", cli_json_time(r->ended));
    json_object_set_new(o, "duration_seconds",
                        r->ended ? json_integer((json_int_t)(r->ended - r->started)) : json_null());
    json_object_set_new(o, "outcome", json_string(store_outcome_text(r->outcome)));
    json_object_set_new(o, "pid", json_integer(r->pid));
    json_object_set_new(o, "summary", r->summary ? json_string(r->summary) : json_null());
    json_object_set_new(o, "data_added", json_integer((json_int_t)data_added(steps)));
    vec_foreach(steps, i, s) {
        json_t *j = json_object(), *f = parse_obj(s->figures_json),
               *p = parse_obj(s->progress_json);

        json_object_set_new(j, "kind", json_string(s->kind));
        json_object_set_new(j, "target", s->target ? json_string(s->target) : json_null());
        json_object_set_new(j, "started", cli_json_time(s->started));
        json_object_set_new(j, "ended", cli_json_time(s->ended));
        json_object_set_new(j, "duration_seconds",
                            s->ended ? json_integer((json_int_t)(s->ended - s->started))
                                     : json_null());
        json_object_set_new(j, "outcome", json_string(store_outcome_text(s->outcome)));
        json_object_set_new(j, "message", s->message ? json_string(s->message) : json_null());
        json_object_set_new(j, "figures", f ? f : json_object());
        json_object_set_new(j, "progress", p ? p : json_null());
        json_object_set_new(j, "log_excerpt",
                            s->log_excerpt ? json_string(s->log_excerpt) : json_null());
        json_array_append_new(arr, j);
    }
    json_object_set_new(o, "steps", arr);
    return o;
}

/* A short figure for a step line ("+1.2 MiB, snapshot 1a2b3c4d", "removed 3"). */
static void step_figure(const struct store_step *s, char *out, size_t n)
{
    json_t *f = parse_obj(s->figures_json), *v;
    char b[32];

    out[0] = '\0';
    if (!f)
        return;
    if (!strcmp(s->kind, "backup") && (v = json_object_get(f, "data_added")))
        snprintf(out, n, "+%s, snapshot %s",
                 str_fmt_bytes((uint64_t)json_integer_value(v), b, sizeof(b)),
                 json_string_value(json_object_get(f, "snapshot_id"))
                     ? json_string_value(json_object_get(f, "snapshot_id"))
                     : "?");
    else if (!strcmp(s->kind, "forget") && (v = json_object_get(f, "restic")))
        snprintf(out, n, "kept %lld, removed %lld%s",
                 (long long)json_integer_value(json_object_get(v, "keep")),
                 (long long)json_integer_value(json_object_get(v, "remove")),
                 json_is_false(json_object_get(f, "agree")) ? " (preview differed)" : "");
    else if (!strcmp(s->kind, "copy") && (v = json_object_get(f, "copied")))
        snprintf(out, n, "%lld copied", (long long)json_integer_value(v));
    else if (!strcmp(s->kind, "check") && (v = json_object_get(f, "subset"))) {
        json_t *cov = json_object_get(f, "covered"), *of = json_object_get(f, "of");

        if (cov && of)
            snprintf(out, n, "subset %s, %lld of %lld read", json_string_value(v) ? json_string_value(v) : "?",
                     (long long)json_integer_value(cov), (long long)json_integer_value(of));
        else
            snprintf(out, n, "subset %s", json_string_value(v) ? json_string_value(v) : "?");
    }
    json_decref(f);
    str_sanitize(out);
}

static void print_run(const struct store_run *r, const struct vec *steps)
{
    char when[40], d[32], b[32];
    size_t i;
    struct store_step *s;

    clock_fmt_local(r->started, when, sizeof(when));
    if (r->ended)
        str_fmt_duration((int64_t)(r->ended - r->started), d, sizeof(d));
    else
        str_copy(d, sizeof(d), "-");
    printf("#%-5lld %-12s %s  %-8s %-11s %s added\n", (long long)r->id, r->job, when, d,
           store_outcome_text(r->outcome), str_fmt_bytes(data_added(steps), b, sizeof(b)));
    vec_foreach(steps, i, s) {
        char label[80], fig[200];
        char *msg = s->message ? xstrdup(s->message) : NULL;

        snprintf(label, sizeof(label), "%s%s%s", s->kind, s->target ? " " : "",
                 s->target ? s->target : "");
        str_sanitize(label);
        if (s->ended)
            str_fmt_duration((int64_t)(s->ended - s->started), d, sizeof(d));
        else
            str_copy(d, sizeof(d), "-");
        step_figure(s, fig, sizeof(fig));
        if (s->outcome == RUN_RUNNING && s->progress_json) {
            json_t *p = parse_obj(s->progress_json);

            snprintf(fig, sizeof(fig), "%.1f%% done",
                     json_number_value(json_object_get(p, "percent")));
            json_decref(p);
        }
        printf("       %-32s %-11s %-8s %s\n", label, store_outcome_text(s->outcome), d, fig);
        if (msg && s->outcome != RUN_OK) {
            str_sanitize(msg);
            printf("         %s\n", msg);
        }
        free(msg);
    }
}

int cmd_history(struct cli *cli, int argc, char **argv)
{
    const char *job = NULL;
    int64_t limit = DEFAULT_LIMIT;
    bool json = cli->json;
    struct vec runs = VEC_INIT(store_run_free);
    struct lb_err err = { 0 };
    struct store *st;
    json_t *arr = NULL;
    size_t i;
    struct store_run *r;
    int rc = EXIT_OK_;

    for (int k = 1; k < argc; k++) {
        if (!strcmp(argv[k], "--json")) {
            json = true;
        } else if (!strcmp(argv[k], "--job") && k + 1 < argc) {
            job = argv[++k];
        } else if (!strcmp(argv[k], "--limit") && k + 1 < argc) {
            if (str_to_i64(argv[++k], 1, 100000, &limit) < 0)
                return cli_usage("history", "--limit needs a number from 1 to 100000, not '%s'",
                                 argv[k]);
        } else {
            return cli_usage("history", "unknown argument '%s'", argv[k]);
        }
    }
    if (!(st = store_open(NULL, &err))) {
        cli_error("%s", err.msg);
        return EXIT_FAIL;
    }
    if (store_runs_recent(st, job, (int)limit, &runs, &err) < 0) {
        cli_error("%s", err.msg);
        rc = EXIT_FAIL;
        goto out;
    }
    if (json)
        arr = json_array();
    else if (!runs.len)
        printf("no runs recorded%s%s%s yet\n", job ? " of job '" : "", job ? job : "",
               job ? "'" : "");
    vec_foreach(&runs, i, r) {
        struct vec steps = VEC_INIT(store_step_free);
        struct store_run *full = NULL;

        if (store_run_get(st, r->id, &full, &steps, &err) < 0) {
            cli_error("%s", err.msg);
            rc = EXIT_FAIL;
            vec_release(&steps);
            break;
        }
        if (json)
            json_array_append_new(arr, run_json(full, &steps));
        else
            print_run(full, &steps);
        store_run_free(full);
        vec_release(&steps);
    }
    if (json) {
        char *text = json_dumps(arr, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

        if (text)
            puts(text);
        free(text);
        json_decref(arr);
    }
out:
    vec_release(&runs);
    store_close(st);
    return rc;
}
