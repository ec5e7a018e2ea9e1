/*
 * lifeboat retention plan: the keep/remove decision of restic forget or of a
 * PBS/PVE prune for a snapshot list (DESIGN.md §2, §6), before anything is
 * deleted. The engine is pure (backend/retention.c); this layer reads the
 * input, finds the restic version to follow and prints the plan.
 */
#include "cli/cli.h"
#include "cli/cli_json.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "backend/app.h"
#include "backend/app_proxmox.h"
#include "backend/base/buf.h"
#include "backend/base/clock.h"
#include "backend/base/str.h"
#include "backend/base/xalloc.h"
#include "backend/config.h"
#include "backend/loop.h"
#include "backend/restic.h"
#include "backend/retention.h"
#include "backend/retention_json.h"
#include "backend/retview.h"
#include "backend/retview_pmx.h"
#include "backend/retview_srv.h"
#include "backend/spawn.h"
#include "backend/store.h"

#define INPUT_MAX ((size_t)1 << 30)

static const char *const usage_plan =
    "plan --engine restic|proxmox [--keep-last N] [--keep-hourly N] [--keep-daily N]\n"
    "       [--keep-weekly N] [--keep-monthly N] [--keep-yearly N] [--input FILE|-] [--json]\n"
    "  restic only: [--keep-within D] [--keep-within-hourly|daily|weekly|monthly|yearly D]\n"
    "       [--keep-tag T[,T...]]... [--restic-version X.Y]  (D like restic: 1y2m3d4h;\n"
    "       N may be 'unlimited' for restic >= 0.16)";

static const char *const rule_flags[RET_NRULES] = { "--keep-last",    "--keep-hourly",
                                                    "--keep-daily",   "--keep-weekly",
                                                    "--keep-monthly", "--keep-yearly" };
static const char *const rule_words[RET_NRULES] = { "last",   "hourly",  "daily",
                                                    "weekly", "monthly", "yearly" };

struct plan_args {
    const char *engine;
    const char *count_arg[RET_NRULES];
    const char *within_arg[RET_NRULES]; /* [0] --keep-within, [r] within rule r */
    const char *tags[RETENTION_MAX_TAG_LISTS];
    size_t n_tags;
    const char *input;
    const char *version;
    bool json;
};

static int read_input(const char *path, struct buf *b)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    char chunk[65536];
    size_t got;
    int rc = 0;

    if (!f) {
        cli_error("retention: cannot open '%s': %s", path, strerror(errno));
        return -1;
    }
    while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
        buf_append(b, chunk, got);
    if (ferror(f)) {
        cli_error("retention: cannot read '%s': %s", path, strerror(errno));
        rc = -1;
    } else if (b->truncated) {
        cli_error("retention: '%s' is larger than %zu MiB", path, INPUT_MAX >> 20);
        rc = -1;
    }
    if (f != stdin)
        fclose(f);
    return rc;
}

/* "0.14", "0.14.0", "restic 0.14.0 compiled with ..." -> 14 */
static int parse_version(const char *s, int *out)
{
    int64_t major = 0, minor = 0;
    char part[16];
    size_t i = 0;

    if (str_starts_with(s, "restic "))
        s += 7;
    while (*s >= '0' && *s <= '9' && i < sizeof(part) - 1)
        part[i++] = *s++;
    part[i] = '\0';
    if (!i || *s != '.' || str_to_i64(part, 0, 999, &major))
        return -1;
    s++;
    i = 0;
    while (*s >= '0' && *s <= '9' && i < sizeof(part) - 1)
        part[i++] = *s++;
    part[i] = '\0';
    if (!i || str_to_i64(part, 0, 999, &minor))
        return -1;
    if (*s && *s != '.' && *s != ' ' && *s != '\n' && *s != '-')
        return -1;
    *out = RETENTION_RESTIC_VERSION((int)major, (int)minor);
    return 0;
}

/* `restic version` of the restic on PATH ($LIFEBOAT_RESTIC if set). */
static int detect_restic_version(int *ver, char *line, size_t n)
{
    const char *prog = getenv("LIFEBOAT_RESTIC");
    const char *argv[] = { prog && *prog ? prog : "restic", "version", NULL };
    struct spawn_opts o = { .argv = argv, .timeout_ms = 15000 };
    struct buf out = BUF_INIT(65536), errb = BUF_INIT(65536);
    struct spawn_result res = { 0 };
    struct lb_err err = { 0 };
    struct loop *loop = loop_new();
    int rc = -1;
    char *nl;

    if (spawn_run_sync(loop, &o, &out, &errb, &res, &err) < 0) {
        cli_error("retention: cannot run '%s version': %s; pass --restic-version X.Y", argv[0],
                  err.msg);
        goto out;
    }
    if (res.exec_errno) {
        cli_error("retention: cannot run '%s': %s; install restic or pass --restic-version X.Y",
                  argv[0], strerror(res.exec_errno));
        goto out;
    }
    str_copy(line, n, buf_cstr(&out));
    nl = strchr(line, '\n');
    if (nl)
        *nl = '\0';
    nl = strstr(line, " compiled with");
    if (nl)
        *nl = '\0';
    str_sanitize(line);
    if (!res.exited || res.status != 0 || parse_version(line, ver)) {
        cli_error("retention: cannot tell the restic version from '%s version' (%s); "
                  "pass --restic-version X.Y",
                  argv[0], *line ? line : "no output");
        goto out;
    }
    rc = 0;
out:
    buf_release(&out);
    buf_release(&errb);
    loop_free(loop);
    return rc;
}

static int parse_count(enum retention_engine engine, int ver, int rule, const char *arg,
                       int64_t *out)
{
    int64_t v;

    if (!strcmp(arg, "unlimited")) {
        if (engine != RETENTION_RESTIC)
            return cli_usage("retention",
                             "%s unlimited: Proxmox has no unlimited count "
                             "(leave every rule out to keep all)",
                             rule_flags[rule]);
        if (ver < RETENTION_RESTIC_VERSION(0, 16))
            return cli_usage("retention",
                             "%s unlimited: restic %d.%d does not know 'unlimited' "
                             "(it came with 0.16)",
                             rule_flags[rule], ver / 1000, ver % 1000);
        *out = RETENTION_UNLIMITED;
        return 0;
    }
    if (str_to_i64(arg, -1000000000, 1000000000, &v))
        return cli_usage("retention", "%s: '%s' is not a count", rule_flags[rule], arg);
    if (v < 0) {
        if (engine != RETENTION_RESTIC)
            return cli_usage("retention", "%s: negative count '%s'", rule_flags[rule], arg);
        if (ver >= RETENTION_RESTIC_VERSION(0, 16)) {
            if (v != -1)
                return cli_usage("retention",
                                 "%s %s: negative values not allowed, use "
                                 "'unlimited' instead",
                                 rule_flags[rule], arg);
            v = RETENTION_UNLIMITED;
        } else {
            cli_error("warning: restic %d.%d treats %s %s as 'rule off' yet applies the "
                      "policy: with no other rule it removes every snapshot",
                      ver / 1000, ver % 1000, rule_flags[rule], arg);
        }
    }
    *out = v;
    return 0;
}

static void describe_policy(enum retention_engine engine, const struct retention_policy *p,
                            struct buf *b)
{
    char dur[64];
    bool any = false;

    for (int r = 0; r < RET_NRULES; r++) {
        if (p->keep[r] == 0 || (engine == RETENTION_PROXMOX && p->keep[r] < 0))
            continue;
        if (p->keep[r] == RETENTION_UNLIMITED &&
            (engine == RETENTION_RESTIC && p->restic_version >= RETENTION_RESTIC_VERSION(0, 16)))
            buf_printf(b, "%sall %s", any ? ", " : "keep ", rule_words[r]);
        else
            buf_printf(b, "%s%" PRId64 " %s", any ? ", " : "keep ", p->keep[r], rule_words[r]);
        any = true;
    }
    if (engine == RETENTION_RESTIC) {
        if (!(p->within.years == 0 && p->within.months == 0 && p->within.days == 0 &&
              p->within.hours == 0)) {
            buf_printf(b, "%swithin %s of the newest", any ? ", " : "keep ",
                       retention_fmt_duration(&p->within, dur, sizeof(dur)));
            any = true;
        }
        for (int r = 1; r < RET_NRULES; r++) {
            retention_fmt_duration(&p->within_rule[r - 1], dur, sizeof(dur));
            if (*dur) {
                buf_printf(b, "%s%s within %s", any ? ", " : "keep ", rule_words[r], dur);
                any = true;
            }
        }
        for (size_t i = 0; i < p->n_tag_lists; i++) {
            buf_printf(b, "%stag %s", any ? ", " : "keep ", p->tag_lists[i]);
            any = true;
        }
    }
    if (!any)
        buf_puts(b, engine == RETENTION_PROXMOX ? "no rule: keep all" : "empty policy: keep all");
}

static void print_table(const struct retention_input *in, const struct retention_policy *p,
                        const uint32_t *order, const char *header)
{
    uint32_t cur_group = UINT32_MAX;
    char tbuf[64], safe[512];
    int idw = 8;

    for (size_t i = 0; i < in->n; i++)
        if ((int)strlen(in->items[i].id) > idw)
            idw = (int)strlen(in->items[i].id) > 64 ? 64 : (int)strlen(in->items[i].id);

    printf("%s\n", header);
    for (size_t k = 0; k < in->n; k++) {
        size_t i = order[k];
        const struct retention_snap *s = &in->snaps[i];
        struct retention_reason_text rs[48];
        size_t nr = retention_reasons(in->engine, p, s, rs, 48);
        struct buf line = BUF_INIT(0);

        if (s->group != cur_group) {
            cur_group = s->group;
            str_copy(safe, sizeof(safe), in->group_labels[cur_group]);
            str_sanitize(safe);
            printf("\n%s%s\n", in->engine == RETENTION_RESTIC ? "snapshots of " : "group ",
                   *safe ? safe : "(no host, no path)");
            printf("  %-*s %-26s %-7s %s\n", idw, "ID", "TIME", "ACTION", "REASONS");
        }
        for (size_t r = 0; r < nr; r++)
            buf_printf(&line, "%s%s", r ? ", " : "", rs[r].text);
        str_copy(safe, sizeof(safe), in->items[i].id);
        str_sanitize(safe);
        printf("  %-*s ", idw, safe);
        str_copy(safe, sizeof(safe), retention_item_time(in, i, tbuf, sizeof(tbuf)));
        str_sanitize(safe);
        printf("%-26s %-7s %s\n", safe, s->keep ? "keep" : "remove", buf_cstr(&line));
        buf_release(&line);
    }
}

static int parse_plan_args(struct cli *cli, int argc, char **argv, struct plan_args *a)
{
    memset(a, 0, sizeof(*a));
    a->json = cli->json;
    a->input = "-";
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        const char **slot = NULL;

        if (!strcmp(o, "--json")) {
            a->json = true;
            continue;
        }
        if (!strcmp(o, "--engine"))
            slot = &a->engine;
        else if (!strcmp(o, "--input"))
            slot = &a->input;
        else if (!strcmp(o, "--restic-version"))
            slot = &a->version;
        else if (!strcmp(o, "--keep-within"))
            slot = &a->within_arg[0];
        else if (!strcmp(o, "--keep-tag")) {
            if (a->n_tags >= RETENTION_MAX_TAG_LISTS)
                return cli_usage("retention", "at most %d --keep-tag options",
                                 RETENTION_MAX_TAG_LISTS);
            slot = &a->tags[a->n_tags++];
        }
        for (int r = 0; r < RET_NRULES && !slot; r++) {
            char name[40];

            if (!strcmp(o, rule_flags[r]))
                slot = &a->count_arg[r];
            snprintf(name, sizeof(name), "--keep-within-%s", rule_words[r]);
            if (r > 0 && !strcmp(o, name))
                slot = &a->within_arg[r];
        }
        if (!slot)
            return cli_usage("retention", "unknown option '%s'", o);
        if (i + 1 >= argc)
            return cli_usage("retention", "%s needs a value", o);
        *slot = argv[++i];
    }
    if (!a->engine)
        return cli_usage("retention", "plan needs --engine restic|proxmox");
    if (strcmp(a->engine, "restic") && strcmp(a->engine, "proxmox"))
        return cli_usage("retention", "unknown engine '%s' (restic or proxmox)", a->engine);
    return 0;
}

static int cmd_plan(struct cli *cli, int argc, char **argv)
{
    struct plan_args a;
    struct retention_policy pol;
    struct retention_input in = { 0 };
    struct retention_result res;
    struct buf input = BUF_INIT(INPUT_MAX), header = BUF_INIT(0);
    struct lb_err err = { 0 };
    enum retention_engine engine;
    uint32_t *order = NULL;
    char verline[256] = "";
    int rc = parse_plan_args(cli, argc, argv, &a);

    if (rc)
        return rc;
    engine = strcmp(a.engine, "restic") ? RETENTION_PROXMOX : RETENTION_RESTIC;
    memset(&pol, 0, sizeof(pol));
    if (engine == RETENTION_PROXMOX) {
        if (a.version)
            return cli_usage("retention", "--restic-version is for --engine restic");
        for (int r = 0; r < RET_NRULES; r++)
            if (a.within_arg[r])
                return cli_usage("retention", "--keep-within* is restic only");
        if (a.n_tags)
            return cli_usage("retention", "--keep-tag is restic only");
    } else if (a.version) {
        if (parse_version(a.version, &pol.restic_version))
            return cli_usage("retention", "--restic-version '%s': want X.Y (e.g. 0.14)", a.version);
        snprintf(verline, sizeof(verline), "given by --restic-version");
    } else {
        char found[200];

        if (detect_restic_version(&pol.restic_version, found, sizeof(found)))
            return EXIT_FAIL;
        snprintf(verline, sizeof(verline), "%s on PATH", found);
    }
    for (int r = 0; r < RET_NRULES; r++) {
        if (a.count_arg[r] &&
            (rc = parse_count(engine, pol.restic_version, r, a.count_arg[r], &pol.keep[r])))
            return rc;
        if (a.within_arg[r]) {
            struct retention_duration *d = r == 0 ? &pol.within : &pol.within_rule[r - 1];

            if (retention_parse_duration(a.within_arg[r], d))
                return cli_usage("retention",
                                 "'%s' is not a restic duration (like 1y2m3d4h; "
                                 "units y m d h)",
                                 a.within_arg[r]);
        }
    }
    pol.tag_lists = a.tags;
    pol.n_tag_lists = a.n_tags;

    if (read_input(a.input, &input)) {
        rc = EXIT_FAIL;
        goto out;
    }
    if (retention_input_parse(&in, engine, input.data ? input.data : "", input.len, &err)) {
        cli_error("retention: cannot read snapshots from '%s': %s", a.input, err.msg);
        rc = EXIT_FAIL;
        goto out;
    }
    if (engine == RETENTION_PROXMOX) {
        /* buckets in the prune server's local time: here, TZ */
        for (size_t i = 0; i < in.n; i++) {
            time_t t = (time_t)in.snaps[i].time;
            struct tm tm;

            if (localtime_r(&t, &tm))
                in.snaps[i].utc_offset = (int32_t)tm.tm_gmtoff;
        }
    }
    order = xcalloc(in.n + 1, sizeof(*order));
    if (retention_plan(engine, &pol, in.snaps, in.n, (int64_t)clock_now(), order, &res, &err)) {
        cli_error("retention: %s", err.msg);
        rc = EXIT_USAGE;
        goto out;
    }

    if (engine == RETENTION_RESTIC)
        buf_printf(&header,
                   "restic forget policy of restic %d.%d (%s): ", pol.restic_version / 1000,
                   pol.restic_version % 1000, verline);
    else
        buf_puts(&header, "Proxmox (PBS/PVE) prune, buckets in local time: ");
    describe_policy(engine, &pol, &header);

    if (a.json) {
        char *js = retention_output_json(&in, &pol);

        fputs(js, stdout);
        free(js);
        fprintf(stderr, "lifeboat: retention: %s\n", buf_cstr(&header));
    } else {
        print_table(&in, &pol, order, buf_cstr(&header));
        printf("\n%zu snapshot%s in %zu group%s: keep %zu, remove %zu\n", in.n,
               in.n == 1 ? "" : "s", res.n_groups, res.n_groups == 1 ? "" : "s", res.kept,
               res.removed);
    }
    rc = 0;
    if (res.empty_group >= 0) {
        char safe[512];

        str_copy(safe, sizeof(safe), in.group_labels[res.empty_group]);
        str_sanitize(safe);
        if (res.restic_refuses)
            cli_error("warning: this policy keeps nothing of group \"%s\"; restic %d.%d "
                      "refuses such a run (\"refusing to delete last snapshot\") and removes "
                      "nothing at all",
                      safe, pol.restic_version / 1000, pol.restic_version % 1000);
        else
            cli_error("warning: this policy removes every snapshot of group \"%s\"%s", safe,
                      res.n_empty_groups > 1 ? " (and of other groups)" : "");
        rc = EXIT_WARN;
    }
out:
    free(order);
    retention_input_release(&in);
    buf_release(&input);
    buf_release(&header);
    return rc;
}

/* ---- retention show: the plan of every configured tier ---- */

static const char *const usage_show = "show [--json] [--cached] [--restic-version X.Y]";

static const char *health_word(enum health h)
{
    return h == HEALTH_OK     ? "ok"
           : h == HEALTH_WARN ? "warn"
           : h == HEALTH_CRIT ? "crit"
                              : "unknown";
}

static const char *expiry_word(enum retview_expiry e)
{
    switch (e) {
    case RV_EXPIRES:
        return "date";
    case RV_NEXT_RUN:
        return "next-run";
    case RV_KEPT_BEYOND:
        return "beyond";
    case RV_NO_NEW:
        break;
    }
    return "no-new-snapshots";
}

/* One tier as read for show. */
struct show_tier {
    const struct repo_view *rv;
    bool have; /* a cache exists */
    struct retview view;
    struct lb_err err;
    struct buf policy;
    struct retview_feeds feeds; /* for "fed by" */
    uint64_t size;
    bool size_known;
};

/* The PBS groups of the datastore as tiers (retview_pmx.h). */
struct pbs_tier {
    const struct retview_pbs_group *g;
    struct retview view;
    bool built;
    struct lb_err err;
    enum health h;
    bool srv_asked;         /* the server's prune dry-run was asked for */
    struct retview_srv srv; /* its answer beside the plan */
};

struct pbs_side {
    const struct app_pmx *p; /* NULL: no [pbs] */
    bool known;              /* the datastore's backups were read (live or cached) */
    struct vec groups;       /* struct retview_pbs_group * */
    struct pbs_tier *t;
    size_t n;
};

static enum health group_health(const struct app *app, const struct retview_pbs_group *g,
                                time_t now)
{
    const struct pmx_guest *gu = g->vmid ? app_pmx_guest(app, g->vmid) : NULL;
    int64_t rpo = app->pmx->rpo, age;

    if (gu && gu->pbs_known)
        return pmx_pbs_health(app->pmx, gu, now);
    if (!g->newest)
        return HEALTH_CRIT;
    age = (int64_t)(now - g->newest);
    return age <= rpo ? HEALTH_OK : age <= 3 * rpo ? HEALTH_WARN : HEALTH_CRIT;
}

static void pbs_side_build(struct pbs_side *ps, const struct app *app, time_t now)
{
    const struct app_pmx *p = app->pmx;
    const struct vec *backups;

    memset(ps, 0, sizeof(*ps));
    vec_init(&ps->groups, free);
    if (!p || !p->pbs)
        return;
    ps->p = p;
    backups = app_pmx_backups(app);
    if (!backups)
        return;
    ps->known = true;
    retview_pbs_groups(backups, p->pve_jobs_known ? &p->pve_jobs : NULL,
                       p->pbs_jobs_known ? &p->pbs_jobs : NULL, p->pbs->datastore, &ps->groups);
    ps->n = ps->groups.len;
    ps->t = xcalloc(ps->n ? ps->n : 1, sizeof(*ps->t));
    for (size_t i = 0; i < ps->n; i++) {
        struct pbs_tier *t = &ps->t[i];

        t->g = ps->groups.items[i];
        retview_srv_init(&t->srv);
        t->built = retview_build_pbs(&t->view, t->g, backups, NULL, now, &t->err) == 0;
        t->h = group_health(app, t->g, now);
    }
}

/* The server's own prune dry-run of every group, beside the engine's plan (live only). */
static void pbs_side_ask_server(struct pbs_side *ps, struct loop *loop)
{
    const struct retview_pbs_group **groups;
    const struct retview **views;
    struct retview_srv *out;
    struct lb_err err = { 0 };

    if (!ps->p || !ps->known || ps->p->pbs_src.failed || ps->p->pbs_src.from_cache || !ps->n)
        return;
    groups = xcalloc(ps->n, sizeof(*groups));
    views = xcalloc(ps->n, sizeof(*views));
    out = xcalloc(ps->n, sizeof(*out));
    for (size_t i = 0; i < ps->n; i++) {
        groups[i] = ps->t[i].g;
        views[i] = ps->t[i].built ? &ps->t[i].view : NULL;
        retview_srv_init(&out[i]);
    }
    if (retview_srv_fetch_sync(loop, ps->p->pbs, groups, views, ps->n, out, &err) < 0) {
        for (size_t i = 0; i < ps->n; i++) {
            out[i].done = out[i].failed = true;
            out[i].err = err;
        }
    }
    for (size_t i = 0; i < ps->n; i++) {
        retview_srv_release(&ps->t[i].srv);
        ps->t[i].srv = out[i];
        ps->t[i].srv_asked = true;
    }
    free(out);
    free(views);
    free(groups);
}

static bool srv_disagrees(const struct pbs_tier *t)
{
    return t->srv_asked && t->srv.done && !t->srv.failed && t->srv.diffs.len > 0;
}

static const struct retview_srv_diff *srv_diff_at(const struct pbs_tier *t, int64_t time)
{
    if (!t->srv_asked)
        return NULL;
    for (size_t i = 0; i < t->srv.diffs.len; i++) {
        const struct retview_srv_diff *d = t->srv.diffs.items[i];

        if (d->time == time)
            return d;
    }
    return NULL;
}

static void pbs_side_release(struct pbs_side *ps)
{
    for (size_t i = 0; i < ps->n; i++) {
        if (ps->t[i].built)
            retview_release(&ps->t[i].view);
        retview_srv_release(&ps->t[i].srv);
    }
    free(ps->t);
    vec_release(&ps->groups);
}

static json_t *plan_json(const struct retview *v)
{
    json_t *plan = json_array();

    for (size_t p = 0; p < v->n; p++) {
        const struct retview_point *pt = &v->pts[p];
        json_t *po = json_object(), *reasons = json_array();
        char names[256], *tok, *comma;

        json_object_set_new(po, "id", json_string(pt->id));
        json_object_set_new(po, "time", cli_json_time((time_t)pt->time));
        json_object_set_new(po, "keep", json_boolean(pt->keep));
        retview_reason_names(pt->reasons, ",", names, sizeof(names));
        for (tok = names; *tok; tok = comma ? comma + 1 : tok + strlen(tok)) {
            comma = strchr(tok, ',');
            if (comma)
                *comma = '\0';
            json_array_append_new(reasons, json_string(tok));
        }
        json_object_set_new(po, "reasons", reasons);
        json_object_set_new(po, "expiry", json_string(expiry_word(pt->exp)));
        json_object_set_new(po, "expires", cli_json_time(pt->expires));
        json_array_append_new(plan, po);
    }
    return plan;
}

/* null: not asked (cached or the datastore unread); else agrees true/false, or null with error. */
static json_t *srv_json(const struct pbs_tier *t)
{
    json_t *o, *diffs;
    char msg[LB_ERR_MSG_MAX];

    if (!t->srv_asked)
        return json_null();
    o = json_object();
    diffs = json_array();
    if (t->srv.failed) {
        str_copy(msg, sizeof(msg), t->srv.err.msg);
        str_sanitize(msg);
    }
    json_object_set_new(o, "agrees",
                        t->srv.failed ? json_null() : json_boolean(t->srv.diffs.len == 0));
    json_object_set_new(o, "error", t->srv.failed ? json_string(msg) : json_null());
    json_object_set_new(o, "compared", json_integer((json_int_t)t->srv.n_compared));
    for (size_t i = 0; i < t->srv.diffs.len; i++) {
        const struct retview_srv_diff *d = t->srv.diffs.items[i];
        json_t *x = json_object();

        json_object_set_new(x, "time", cli_json_time((time_t)d->time));
        json_object_set_new(x, "lifeboat", json_string(retview_srv_say_word(d->engine, true)));
        json_object_set_new(x, "server", json_string(retview_srv_say_word(d->server, false)));
        json_array_append_new(diffs, x);
    }
    json_object_set_new(o, "differences", diffs);
    return o;
}

static void pbs_json(const struct pbs_side *ps, json_t *tiers)
{
    const struct pmx_source *src = &ps->p->pbs_src;

    for (size_t i = 0; i < ps->n; i++) {
        const struct pbs_tier *t = &ps->t[i];
        const struct retview_pbs_group *g = t->g;
        const struct retview *v = &t->view;
        json_t *o = json_object(), *gaps = json_array();
        char pol[128], fed[300];

        json_object_set_new(o, "tier", json_string(g->label));
        json_object_set_new(o, "kind", json_string("pbs"));
        json_object_set_new(o, "class", json_string("local"));
        json_object_set_new(o, "datastore", json_string(ps->p->pbs->datastore));
        json_object_set_new(o, "policy",
                            json_string(retview_pmx_keep_text(&g->keep, pol, sizeof(pol))));
        json_object_set_new(o, "policy_from",
                            g->policy_from[0] ? json_string(g->policy_from) : json_null());
        json_object_set_new(o, "also_prunes",
                            g->also_prunes[0] ? json_string(g->also_prunes) : json_null());
        snprintf(fed, sizeof(fed), "PVE job %s (%s)%s", g->feed_job, g->feed_calendar,
                 g->feed_enabled ? "" : ", disabled");
        json_object_set_new(o, "fed_by", g->feed_job[0] ? json_string(fed) : json_null());
        json_object_set_new(o, "fetched_at", cli_json_time(src->fetched_at));
        json_object_set_new(o, "from_cache", json_boolean(src->from_cache || src->failed));
        json_object_set_new(o, "error",
                            !t->built     ? json_string(t->err.msg)
                            : src->failed ? json_string(src->error.msg)
                                          : json_null());
        json_object_set_new(o, "rpo_seconds", json_integer(ps->p->rpo));
        json_object_set_new(o, "rpo_status", json_string(health_word(t->h)));
        json_object_set_new(o, "points", json_integer((json_int_t)(t->built ? v->n : 0)));
        json_object_set_new(o, "kept", json_integer((json_int_t)(t->built ? v->kept : 0)));
        json_object_set_new(o, "removed", json_integer((json_int_t)(t->built ? v->removed : 0)));
        json_object_set_new(o, "protected", json_integer((json_int_t)g->n_protected));
        json_object_set_new(o, "unfinished", json_integer((json_int_t)g->n_partial));
        json_object_set_new(o, "oldest",
                            cli_json_time(t->built && v->n ? (time_t)v->pts[0].time : 0));
        json_object_set_new(o, "newest",
                            cli_json_time(t->built && v->n ? (time_t)v->pts[v->n - 1].time : 0));
        json_object_set_new(o, "next_forget", cli_json_time(t->built ? v->next_forget : 0));
        json_object_set_new(o, "size_bytes",
                            g->size ? json_integer((json_int_t)g->size) : json_null());
        for (size_t k = 0; t->built && k < v->n_gaps; k++)
            json_array_append_new(gaps, cli_json_time((time_t)v->gaps[k]));
        json_object_set_new(o, "gaps", gaps);
        json_object_set_new(o, "plan", t->built ? plan_json(v) : json_array());
        json_object_set_new(o, "server_dry_run", srv_json(t));
        json_array_append_new(tiers, o);
    }
}

/* The server's prune dry-run: agreement, or each snapshot on which the two differ. */
static void pbs_srv_lines(const struct pbs_tier *t)
{
    char a[64], msg[LB_ERR_MSG_MAX];

    if (!t->srv_asked)
        return;
    if (t->srv.failed) {
        str_copy(msg, sizeof(msg), t->srv.err.msg);
        str_sanitize(msg);
        printf("  server's prune dry-run: not compared (%s)\n", msg);
        return;
    }
    if (!t->srv.diffs.len) {
        printf("  server agrees: its prune dry-run decides the same for all %zu snapshot%s\n",
               t->srv.n_compared, t->srv.n_compared == 1 ? "" : "s");
        return;
    }
    printf("  SERVER DISAGREES: its prune dry-run differs on %zu snapshot%s (marked !):\n",
           t->srv.diffs.len, t->srv.diffs.len == 1 ? "" : "s");
    for (size_t i = 0; i < t->srv.diffs.len; i++) {
        const struct retview_srv_diff *d = t->srv.diffs.items[i];

        clock_fmt_local((time_t)d->time, a, sizeof(a));
        a[16] = '\0';
        printf("    %s: lifeboat says %s, the server says %s\n", a,
               retview_srv_say_word(d->engine, true), retview_srv_say_word(d->server, false));
    }
}

static void pbs_table(const struct pbs_side *ps, time_t now)
{
    const struct pmx_source *src = &ps->p->pbs_src;
    char a[64], b[64], c[64], msg[320];

    if (src->failed) {
        str_copy(msg, sizeof(msg), src->error.msg);
        str_sanitize(msg);
        printf("\nPBS datastore %s could not be read (%s)%s\n", ps->p->pbs->datastore, msg,
               ps->known ? ": its backups as last cached" : "");
    } else if (ps->known && src->from_cache && src->fetched_at) {
        printf("\nPBS datastore %s as cached %s ago\n", ps->p->pbs->datastore,
               str_fmt_age((int64_t)(now - src->fetched_at), a, sizeof(a)));
    }
    if (!ps->known) {
        printf("\nPBS datastore %s: backups not known (never read)\n", ps->p->pbs->datastore);
        return;
    }
    for (size_t i = 0; i < ps->n; i++) {
        const struct pbs_tier *t = &ps->t[i];
        const struct retview_pbs_group *g = t->g;
        const struct retview *v = &t->view;
        char pol[128];

        printf("\ntier %s (PBS %s, Proxmox prune in server local time): %s%s%s%s\n", g->label,
               ps->p->pbs->datastore, retview_pmx_keep_text(&g->keep, pol, sizeof(pol)),
               g->policy_from[0] ? " (" : "", g->policy_from, g->policy_from[0] ? ")" : "");
        if (g->also_prunes[0])
            printf("  %s prunes it too\n", g->also_prunes);
        if (g->feed_job[0])
            printf("  fed by PVE job %s (%s)%s", g->feed_job, g->feed_calendar,
                   g->feed_enabled ? "" : ", disabled: nothing new arrives");
        else
            printf("  no PVE job backs it up: its points stay until the policy changes");
        if (t->built && v->next_forget)
            printf("; the policy applies next at %s\n",
                   clock_fmt_local(v->next_forget, a, sizeof(a)));
        else
            printf("\n");
        if (g->n_protected || g->n_partial)
            printf("  not planned: %zu protected (never pruned), %zu unfinished\n", g->n_protected,
                   g->n_partial);
        if (!t->built) {
            str_copy(msg, sizeof(msg), t->err.msg);
            str_sanitize(msg);
            printf("  no plan: %s\n", msg);
            continue;
        }
        if (!v->n) {
            printf("  no restore point\n");
            continue;
        }
        clock_fmt_local((time_t)v->pts[0].time, a, sizeof(a));
        a[16] = '\0';
        printf("  %zu point%s (keep %zu, remove %zu), oldest %s; newest %s ago, RPO %s: %s\n", v->n,
               v->n == 1 ? "" : "s", v->kept, v->removed, a,
               str_fmt_age((int64_t)(now - v->pts[v->n - 1].time), b, sizeof(b)),
               str_fmt_age(ps->p->rpo, c, sizeof(c)), health_word(t->h));
        if (v->n_gaps) {
            printf("  %zu gap%s (a point the policy would keep is missing):", v->n_gaps,
                   v->n_gaps == 1 ? "" : "s");
            for (size_t k = 0; k < v->n_gaps && k < 10; k++) {
                clock_fmt_local((time_t)v->gaps[k], a, sizeof(a));
                a[16] = '\0';
                printf("%s %s", k ? "," : "", a);
            }
            printf("%s\n", v->n_gaps > 10 ? ", ..." : "");
        }
        pbs_srv_lines(t);
        printf("  %-16s  %-6s  %-22s  %s\n", "point", "action", "kept by", "expires");
        for (size_t k = v->n; k-- > 0;) {
            const struct retview_point *pt = &v->pts[k];
            char why[128], exp[64];

            clock_fmt_local((time_t)pt->time, a, sizeof(a));
            a[16] = '\0';
            retview_reason_names(pt->reasons, ", ", why, sizeof(why));
            printf("%s%-16s  %-6s  %-22s  %s\n", srv_diff_at(t, pt->time) ? "! " : "  ", a,
                   pt->keep ? "keep" : "remove",
                   pt->keep ? why : "-", retview_expiry_text(pt, now, exp, sizeof(exp)));
        }
    }
}

static void show_json(struct show_tier *t, size_t n, int ver, time_t now, const struct pbs_side *ps)
{
    json_t *root = json_object(), *tiers = json_array();
    char buf[64];
    char *text;

    json_object_set_new(root, "generated", cli_json_time(now));
    snprintf(buf, sizeof(buf), "%d.%d", ver / 1000, ver % 1000);
    json_object_set_new(root, "restic_version", json_string(buf));
    for (size_t i = 0; i < n; i++) {
        const struct repo_cfg *rc = t[i].rv->cfg;
        const struct retview *v = &t[i].view;
        json_t *o = json_object(), *gaps = json_array(), *plan = json_array();

        json_object_set_new(o, "tier", json_string(rc->name));
        json_object_set_new(o, "kind", json_string("restic"));
        json_object_set_new(o, "class",
                            json_string(rc->tier == TIER_OFFSITE ? "offsite" : "local"));
        json_object_set_new(o, "policy", json_string(buf_cstr(&t[i].policy)));
        json_object_set_new(o, "fed_by",
                            t[i].feeds.jobs[0] ? json_string(t[i].feeds.jobs) : json_null());
        json_object_set_new(o, "fetched_at", cli_json_time(t[i].rv->fetched_at));
        json_object_set_new(o, "from_cache",
                            json_boolean(t[i].rv->from_cache || t[i].rv->state != REPO_OK));
        json_object_set_new(o, "error",
                            t[i].err.msg[0]                ? json_string(t[i].err.msg)
                            : t[i].rv->state == REPO_ERROR ? json_string(t[i].rv->error.msg)
                                                           : json_null());
        json_object_set_new(o, "rpo_seconds", json_integer(t[i].rv->rpo));
        json_object_set_new(o, "rpo_status",
                            json_string(health_word(app_repo_health(t[i].rv, now))));
        json_object_set_new(o, "points", json_integer((json_int_t)v->n));
        json_object_set_new(o, "kept", json_integer((json_int_t)v->kept));
        json_object_set_new(o, "removed", json_integer((json_int_t)v->removed));
        json_object_set_new(o, "oldest", cli_json_time(v->n ? (time_t)v->pts[0].time : 0));
        json_object_set_new(o, "newest", cli_json_time(v->n ? (time_t)v->pts[v->n - 1].time : 0));
        json_object_set_new(o, "next_forget", cli_json_time(v->next_forget));
        json_object_set_new(o, "size_bytes",
                            t[i].size_known ? json_integer((json_int_t)t[i].size) : json_null());
        json_object_set_new(o, "freed_bytes_estimate",
                            t[i].size_known ? json_integer((json_int_t)retview_freed_estimate(
                                                  t[i].size, v->n, v->removed))
                                            : json_null());
        json_object_set_new(o, "price_per_gib_month",
                            rc->price_per_gib_month > 0 ? json_real(rc->price_per_gib_month)
                                                        : json_null());
        json_object_set_new(o, "cost_per_month",
                            rc->price_per_gib_month > 0 && t[i].size_known
                                ? json_real(retview_cost(t[i].size, rc->price_per_gib_month))
                                : json_null());
        for (size_t g = 0; g < v->n_gaps; g++)
            json_array_append_new(gaps, cli_json_time((time_t)v->gaps[g]));
        json_object_set_new(o, "gaps", gaps);
        for (size_t p = 0; p < v->n; p++) {
            const struct retview_point *pt = &v->pts[p];
            json_t *po = json_object(), *reasons = json_array();
            char names[256], *tok, *comma;

            json_object_set_new(po, "id", json_string(pt->id));
            json_object_set_new(po, "time", cli_json_time((time_t)pt->time));
            json_object_set_new(po, "keep", json_boolean(pt->keep));
            retview_reason_names(pt->reasons, ",", names, sizeof(names));
            for (tok = names; *tok; tok = comma ? comma + 1 : tok + strlen(tok)) {
                comma = strchr(tok, ',');
                if (comma)
                    *comma = '\0';
                json_array_append_new(reasons, json_string(tok));
            }
            json_object_set_new(po, "reasons", reasons);
            json_object_set_new(po, "expiry", json_string(expiry_word(pt->exp)));
            json_object_set_new(po, "expires", cli_json_time(pt->expires));
            json_array_append_new(plan, po);
        }
        json_object_set_new(o, "plan", plan);
        json_array_append_new(tiers, o);
    }
    if (ps->p)
        pbs_json(ps, tiers);
    json_object_set_new(root, "tiers", tiers);
    text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (text)
        puts(text);
    free(text);
    json_decref(root);
}

static void show_table(struct show_tier *t, size_t n, int ver, time_t now)
{
    printf("retention of every tier (restic %d.%d rules; nothing is deleted here)\n", ver / 1000,
           ver % 1000);
    for (size_t i = 0; i < n; i++) {
        const struct repo_cfg *rc = t[i].rv->cfg;
        const struct retview *v = &t[i].view;
        char name[128], a[64], b[64], c[64];
        enum health h = app_repo_health(t[i].rv, now);

        str_copy(name, sizeof(name), rc->name);
        str_sanitize(name);
        printf("\ntier %s (restic, %s): %s\n", name,
               rc->tier == TIER_OFFSITE ? "off-site" : "local", buf_cstr(&t[i].policy));
        if (t[i].err.msg[0] || !t[i].have) {
            str_copy(c, sizeof(c), t[i].err.msg[0] ? t[i].err.msg : "never read");
            printf("  no snapshots known: %s\n",
                   t[i].err.msg[0] ? t[i].err.msg : "the repo was never read");
            continue;
        }
        if (t[i].feeds.jobs[0]) {
            str_copy(c, sizeof(c), t[i].feeds.jobs);
            str_sanitize(c);
            if (v->next_forget)
                printf("  fed by %s; the policy applies next at %s\n", c,
                       clock_fmt_local(v->next_forget, a, sizeof(a)));
            else
                printf("  fed by %s\n", c);
        } else {
            printf("  no job writes into it: its points stay until the policy changes\n");
        }
        if (!v->n) {
            printf("  no restore point\n");
            continue;
        }
        clock_fmt_local((time_t)v->pts[0].time, a, sizeof(a));
        a[16] = '\0';
        printf(
            "  %zu point%s (keep %zu, remove %zu), oldest %s (%s ago); newest %s ago, RPO %s: %s\n",
            v->n, v->n == 1 ? "" : "s", v->kept, v->removed, a,
            str_fmt_age((int64_t)(now - v->pts[0].time), b, sizeof(b)),
            str_fmt_age((int64_t)(now - v->pts[v->n - 1].time), c, sizeof(c)),
            str_fmt_age(t[i].rv->rpo, name, sizeof(name)), health_word(h));
        if (t[i].size_known) {
            str_fmt_bytes(t[i].size, a, sizeof(a));
            if (rc->price_per_gib_month > 0)
                printf("  size %s, about %.2f a month at %g per GiB-month\n", a,
                       retview_cost(t[i].size, rc->price_per_gib_month), rc->price_per_gib_month);
            else
                printf("  size %s\n", a);
        }
        if (v->n_gaps) {
            printf("  %zu gap%s (a point the policy would keep is missing):", v->n_gaps,
                   v->n_gaps == 1 ? "" : "s");
            for (size_t g = 0; g < v->n_gaps && g < 10; g++) {
                clock_fmt_local((time_t)v->gaps[g], a, sizeof(a));
                a[16] = '\0';
                printf("%s %s", g ? "," : "", a);
            }
            printf("%s\n", v->n_gaps > 10 ? ", ..." : "");
        }
        printf("  %-16s  %-8s  %-6s  %-22s  %s\n", "point", "id", "action", "kept by", "expires");
        for (size_t p = v->n; p-- > 0;) {
            const struct retview_point *pt = &v->pts[p];
            char id[17], why[128], exp[64];

            clock_fmt_local((time_t)pt->time, a, sizeof(a));
            a[16] = '\0';
            str_copy(id, sizeof(id), pt->id);
            str_sanitize(id);
            retview_reason_names(pt->reasons, ", ", why, sizeof(why));
            printf("  %-16s  %-8.8s  %-6s  %-22s  %s\n", a, id, pt->keep ? "keep" : "remove",
                   pt->keep ? why : "-", retview_expiry_text(pt, now, exp, sizeof(exp)));
        }
    }
}

static void show_table_pbs(const struct pbs_side *ps, time_t now)
{
    if (ps->p)
        pbs_table(ps, now);
}

static int cmd_show(struct cli *cli, int argc, char **argv)
{
    bool json = cli->json, cached = false;
    const char *version = NULL;
    int ver = 0, rc = 0;
    struct config *cfg;
    struct loop *loop;
    struct app *app;
    struct show_tier *tiers;
    size_t n;
    time_t now;
    struct pbs_side ps;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json"))
            json = true;
        else if (!strcmp(argv[i], "--cached"))
            cached = true;
        else if (!strcmp(argv[i], "--restic-version") && i + 1 < argc)
            version = argv[++i];
        else
            return cli_usage("retention", "unknown argument '%s' (usage: lifeboat retention %s)",
                             argv[i], usage_show);
    }
    if (version) {
        if (parse_version(version, &ver))
            return cli_usage("retention", "--restic-version '%s': want X.Y (e.g. 0.14)", version);
    } else {
        char found[200];

        if (detect_restic_version(&ver, found, sizeof(found))) {
            ver = RETVIEW_RESTIC_DEFAULT;
            cli_error("retention: following restic %d.%d's rules", ver / 1000, ver % 1000);
        }
    }
    cfg = cli_load_config(cli, true);
    if (!cfg)
        return EXIT_CONFIG;
    loop = loop_new();
    app = app_new(loop, cfg, NULL);
    if (!cached) {
        app_refresh(app);
        app_pmx_refresh(app);
        while (app->busy || app_pmx_refreshing(app))
            loop_run_once(loop, 1000);
    }
    now = clock_now();
    n = app->repos.len;
    tiers = xcalloc(n ? n : 1, sizeof(*tiers));
    for (size_t i = 0; i < n; i++) {
        struct show_tier *t = &tiers[i];
        struct restic_repo_info info;
        time_t fetched = 0;
        struct retention_policy pol;

        t->rv = vec_get(&app->repos, i);
        buf_init(&t->policy, 0);
        retview_policy_from_keep(&t->rv->cfg->keep, ver, &pol);
        describe_policy(RETENTION_RESTIC, &pol, &t->policy);
        retview_feeds_from_config(&t->feeds, cfg, t->rv->cfg->name);
        memset(&info, 0, sizeof(info));
        vec_init(&info.snapshots, restic_snapshot_free);
        vec_init(&info.locks, restic_lock_free);
        if (!app->store) {
            str_copy(t->err.msg, sizeof(t->err.msg), "no state database");
        } else if (store_get_repo_info(app->store, t->rv->cache_key, &info, &fetched, &t->err) ==
                   0) {
            t->have = true;
            t->size = info.stats.total_size;
            t->size_known = info.stats_known;
            if (retview_build_repo(&t->view, cfg, t->rv->cfg, &info.snapshots, NULL, ver, now,
                                   &t->err) < 0)
                t->have = false;
        } else {
            lb_err_clear(&t->err);
        }
        restic_repo_info_release(&info);
        if (!t->have || t->view.n_gaps || t->rv->state == REPO_ERROR)
            rc = EXIT_WARN;
    }
    pbs_side_build(&ps, app, now);
    if (!cached)
        pbs_side_ask_server(&ps, loop);
    if (ps.p && (!ps.known || ps.p->pbs_src.failed))
        rc = EXIT_WARN;
    for (size_t i = 0; i < ps.n; i++)
        if (!ps.t[i].built || ps.t[i].view.n_gaps || srv_disagrees(&ps.t[i]))
            rc = EXIT_WARN;
    if (json) {
        show_json(tiers, n, ver, now, &ps);
    } else {
        show_table(tiers, n, ver, now);
        show_table_pbs(&ps, now);
    }
    pbs_side_release(&ps);
    for (size_t i = 0; i < n; i++) {
        retview_release(&tiers[i].view);
        retview_feeds_release(&tiers[i].feeds);
        buf_release(&tiers[i].policy);
    }
    free(tiers);
    app_free(app);
    loop_free(loop);
    return rc;
}

int cmd_retention(struct cli *cli, int argc, char **argv)
{
    if (argc < 2)
        return cli_usage("retention",
                         "which one? usage: lifeboat retention %s\n   or: lifeboat retention %s",
                         usage_plan, usage_show);
    if (!strcmp(argv[1], "plan"))
        return cmd_plan(cli, argc - 1, argv + 1);
    if (!strcmp(argv[1], "show"))
        return cmd_show(cli, argc - 1, argv + 1);
    return cli_usage("retention", "unknown subcommand '%s' (plan or show)", argv[1]);
}
