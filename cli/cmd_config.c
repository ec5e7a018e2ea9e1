/*
 * lifeboat config check: load the config under the permission rule and print
 * every problem (exit 78), or a summary of what is configured followed by the
 * checks of each endpoint (exit 1 when a check warns, else 0).
 *
 * Endpoint checks are one function per kind (check_repo, check_pve,
 * check_pbs) feeding one report, so reachability and TLS fingerprint checks
 * can be added per endpoint through the app layer without touching the rest.
 * Secrets are never read or printed here: only where they come from.
 */
#include "cli/cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "backend/base/buf.h"
#include "backend/base/str.h"
#include "backend/base/xalloc.h"
#include "backend/config.h"
#include "backend/proxmox_model.h"

enum check_level { CHECK_OK, CHECK_WARN };

struct check_report {
    int warnings;
    int oks;
};

/* Print one line built from fmt, with outside text made harmless. */
static void out_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void out_line(const char *fmt, ...)
{
    va_list ap;
    char *s;

    va_start(ap, fmt);
    s = xvasprintf(fmt, ap);
    va_end(ap);
    str_sanitize(s);
    puts(s);
    free(s);
}

static void report(struct check_report *rep, enum check_level level, const char *what,
                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void report(struct check_report *rep, enum check_level level, const char *what,
                   const char *fmt, ...)
{
    va_list ap;
    char *msg;

    va_start(ap, fmt);
    msg = xvasprintf(fmt, ap);
    va_end(ap);
    out_line("  %-8s %s: %s", level == CHECK_OK ? "ok" : "warning", what, msg);
    free(msg);
    if (level == CHECK_OK)
        rep->oks++;
    else
        rep->warnings++;
}

/* ---- endpoint checks --------------------------------------------------- */

/* A local repo: its directory is there and holds a restic repository. */
static void check_repo(const struct config *cfg, const struct repo_cfg *repo,
                       struct check_report *rep)
{
    const char *dir = config_repo_local_path(repo);
    char *what = xasprintf("repo %s", repo->name);
    char *cfgfile;
    struct stat st;

    (void)cfg;
    if (!dir)
        goto out; /* remote: reachability comes with the app layer */
    if (stat(dir, &st)) {
        if (errno == ENOENT)
            report(rep, CHECK_WARN, what, "%s is missing: is the disk mounted?", dir);
        else
            report(rep, CHECK_WARN, what, "cannot look at %s: %s", dir, strerror(errno));
        goto out;
    }
    if (!S_ISDIR(st.st_mode)) {
        report(rep, CHECK_WARN, what, "%s is not a directory", dir);
        goto out;
    }
    cfgfile = xasprintf("%s/config", dir);
    if (stat(cfgfile, &st))
        report(rep, CHECK_WARN, what,
               "%s holds no restic repository (create it with restic init, or fix url)", dir);
    else
        report(rep, CHECK_OK, what, "%s is there", dir);
    free(cfgfile);
out:
    free(what);
}

/*
 * Proxmox VE / PBS endpoints (cli/proxmox_check.c): the certificate each
 * presents and whether it matches the pin, the API with the token, the PBS
 * datastore.
 */
static void on_proxmox_finding(bool ok, const char *what, const char *msg, void *arg)
{
    report(arg, ok ? CHECK_OK : CHECK_WARN, what, "%s", msg);
}

static void check_pve(const struct config *cfg, const struct pve_cfg *pve, struct check_report *rep)
{
    (void)cfg;
    cli_check_proxmox(PMX_PVE, pve->name, pve->url, pve->token_file, pve->fingerprint, NULL,
                      on_proxmox_finding, rep);
}

static void check_pbs(const struct config *cfg, const struct pbs_cfg *pbs, struct check_report *rep)
{
    (void)cfg;
    cli_check_proxmox(PMX_PBS, pbs->name, pbs->url, pbs->token_file, pbs->fingerprint,
                      pbs->datastore, on_proxmox_finding, rep);
}

/* ---- summary ----------------------------------------------------------- */

static void join_words(struct buf *b, const struct vec *v)
{
    for (size_t i = 0; i < v->len; i++)
        buf_printf(b, "%s%s", i ? " " : "", (const char *)v->items[i]);
}

static void print_repos(const struct config *cfg)
{
    size_t i;
    struct repo_cfg *r;

    if (!cfg->repos.len)
        return;
    out_line("repos");
    vec_foreach(&cfg->repos, i, r) {
        struct buf pw = BUF_INIT(0);

        if (r->password_file)
            buf_printf(&pw, "password from file %s", r->password_file);
        else
            buf_printf(&pw, "password from a command");
        if (r->env_file)
            buf_printf(&pw, ", environment from %s", r->env_file);
        out_line("  %-12s %-8s %s", r->name, r->tier == TIER_OFFSITE ? "offsite" : "local", r->url);
        out_line("  %-12s %-8s %s", "", "", buf_cstr(&pw));
        buf_release(&pw);
    }
}

static void print_jobs(const struct config *cfg)
{
    size_t i;
    struct job_cfg *j;

    if (!cfg->jobs.len)
        return;
    out_line("jobs");
    vec_foreach(&cfg->jobs, i, j) {
        struct buf what = BUF_INIT(0);
        size_t k;
        struct job_copy *c;
        struct job_check *ck;

        if (j->paths.len) {
            buf_puts(&what, "backup ");
            join_words(&what, &j->paths);
            buf_puts(&what, " to ");
            join_words(&what, &j->repos);
        }
        vec_foreach(&j->copies, k, c) {
            buf_printf(&what, "%scopy %s -> %s", what.len ? "; " : "", c->src, c->dst);
        }
        vec_foreach(&j->checks, k, ck) {
            buf_printf(&what, "%scheck %s", what.len ? "; " : "",
                       ck->repo ? ck->repo : "its repos");
            if (ck->subset)
                buf_printf(&what, " (reading %s of the data)", ck->subset);
        }
        out_line("  %-12s %-16s %s", j->name, j->schedule, buf_cstr(&what));
        buf_release(&what);
    }
}

static void print_proxmox(const struct config *cfg)
{
    size_t i;
    struct pve_cfg *v;
    struct pbs_cfg *b;

    if (!cfg->pves.len && !cfg->pbss.len)
        return;
    out_line("proxmox");
    vec_foreach(&cfg->pves, i, v) {
        char *label = xasprintf("pve %s", v->name);

        out_line("  %-16s %s, %s", label, v->url,
                 v->fingerprint ? "certificate fingerprint pinned"
                                : "certificate checked against system CAs");
        free(label);
    }
    vec_foreach(&cfg->pbss, i, b) {
        char *label = xasprintf("pbs %s", b->name);

        out_line("  %-16s %s, datastore %s, %s", label, b->url, b->datastore,
                 b->fingerprint ? "certificate fingerprint pinned"
                                : "certificate checked against system CAs");
        free(label);
    }
}

static void print_disks(const struct config *cfg)
{
    size_t i;
    struct disk_cfg *d;

    if (!cfg->disks.len)
        return;
    out_line("disks");
    vec_foreach(&cfg->disks, i, d) {
        out_line("  %-12s %s, type %s%s%s, fill warn %g%% crit %g%%", d->name, d->device, d->type,
                 d->mount ? ", mount " : "", d->mount ? d->mount : "", d->fill_warn, d->fill_crit);
    }
}

static void print_alerts(const struct config *cfg)
{
    struct buf b = BUF_INIT(0);

    if (!cfg->alerts.channels.len)
        return;
    join_words(&b, &cfg->alerts.channels);
    out_line("alerts");
    out_line("  channels: %s", buf_cstr(&b));
    buf_release(&b);
}

static const char *plural(size_t n)
{
    return n == 1 ? "" : "s";
}

static int config_check(struct cli *cli)
{
    struct check_report rep = { 0 };
    struct config *cfg = cli_load_config(cli, true);
    size_t i;
    struct repo_cfg *r;
    struct pve_cfg *v;
    struct pbs_cfg *b;

    if (!cfg)
        return EXIT_CONFIG;
    out_line("%s: ok (%zu repo%s, %zu job%s, %zu pve, %zu pbs, %zu disk%s)", cfg->path,
             cfg->repos.len, plural(cfg->repos.len), cfg->jobs.len, plural(cfg->jobs.len),
             cfg->pves.len, cfg->pbss.len, cfg->disks.len, plural(cfg->disks.len));
    print_repos(cfg);
    print_jobs(cfg);
    print_proxmox(cfg);
    print_disks(cfg);
    print_alerts(cfg);
    out_line("checks");
    vec_foreach(&cfg->repos, i, r) {
        check_repo(cfg, r, &rep);
    }
    vec_foreach(&cfg->pves, i, v) {
        check_pve(cfg, v, &rep);
    }
    vec_foreach(&cfg->pbss, i, b) {
        check_pbs(cfg, b, &rep);
    }
    if (!rep.oks && !rep.warnings)
        out_line("  nothing to check yet");
    config_free(cfg);
    if (rep.warnings) {
        out_line("%d warning%s", rep.warnings, rep.warnings == 1 ? "" : "s");
        return EXIT_WARN;
    }
    return 0;
}

int cmd_config(struct cli *cli, int argc, char **argv)
{
    if (argc < 2)
        return cli_usage("config", "missing subcommand (use: lifeboat config check)");
    if (strcmp(argv[1], "check"))
        return cli_usage("config", "unknown subcommand '%s' (use: lifeboat config check)", argv[1]);
    if (argc > 2)
        return cli_usage("config", "check takes no arguments (got '%s')", argv[2]);
    return config_check(cli);
}
