/*
 * Unit tests for backend/config.c: every key kind of DESIGN.md §3, the
 * defaults, every kind of bad input with its exact file:line message, the
 * secret-file rule on real files, and the shipped example config.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/base/buf.h"
#include "backend/base/xalloc.h"
#include "backend/config.h"

struct fx {
    char dir[256];
    struct vec problems;
    char *text; /* the problems, "LINE: msg\n" each */
};

static void rm_tree(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *e;

    if (d) {
        while ((e = readdir(d)) != NULL) {
            char *p;

            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            p = xasprintf("%s/%s", path, e->d_name);
            rm_tree(p);
            free(p);
        }
        closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

static int setup(void **state)
{
    struct fx *fx = xcalloc(1, sizeof(*fx));
    const char *tmp = getenv("TMPDIR");

    snprintf(fx->dir, sizeof(fx->dir), "%s/test_config.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(fx->dir))
        return -1;
    vec_init(&fx->problems, config_problem_free);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fx *fx = *state;

    rm_tree(fx->dir);
    vec_release(&fx->problems);
    free(fx->text);
    free(fx);
    return 0;
}

/* Write dir/name with mode; returns the path (new). */
static char *put(struct fx *fx, const char *name, const char *content, mode_t mode)
{
    char *path = xasprintf("%s/%s", fx->dir, name);
    FILE *f;

    unlink(path);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(content, f);
    fclose(f);
    assert_int_equal(chmod(path, mode), 0);
    return path;
}

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "r");
    struct buf b = BUF_INIT(0);
    char chunk[4096];
    size_t n;

    if (!f)
        fail_msg("cannot read %s: %s", path, strerror(errno));
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        buf_append(&b, chunk, n);
    fclose(f);
    return buf_detach(&b);
}

/* A path under the source tree (tests run from the top, or with $TOP set). */
static char *top_path(const char *rel)
{
    const char *top = getenv("TOP");

    return xasprintf("%s/%s", top && *top ? top : ".", rel);
}

/* Load dir/name; fx->text gets the problems as "LINE: msg" lines. */
static struct config *load(struct fx *fx, const char *name, bool check_perms, struct lb_err *err)
{
    char *path = xasprintf("%s/%s", fx->dir, name);
    struct config *cfg;
    struct buf b = BUF_INIT(0);
    size_t i;
    struct config_problem *p;

    vec_clear(&fx->problems);
    cfg = config_load(path, check_perms, &fx->problems, err);
    vec_foreach(&fx->problems, i, p) {
        assert_string_equal(p->file, path);
        buf_printf(&b, "%d: %s\n", p->line, p->msg);
    }
    free(fx->text);
    fx->text = buf_detach(&b);
    free(path);
    return cfg;
}

/* Write a config (mode 0600) and expect it to fail with exactly `want`. */
static void expect_problems(struct fx *fx, const char *content, const char *want)
{
    struct lb_err err = { 0 };
    struct config *cfg;

    free(put(fx, "lifeboat.conf", content, 0600));
    cfg = load(fx, "lifeboat.conf", true, &err);
    if (cfg) {
        config_free(cfg);
        fail_msg("config loaded, wanted problems:\n%s", want);
    }
    assert_string_equal(fx->text, want);
    assert_int_equal(err.code, LB_ECONFIG);
}

static struct config *expect_ok(struct fx *fx, const char *content)
{
    struct lb_err err = { 0 };
    struct config *cfg;

    free(put(fx, "lifeboat.conf", content, 0600));
    cfg = load(fx, "lifeboat.conf", true, &err);
    if (!cfg)
        fail_msg("config rejected:\n%s", fx->text);
    return cfg;
}

static const char *const secrets[] = { "pve.token", "pbs.token",    "restic-usb.pass",
                                       "cloud.env", "gotify.token", "smtp.auth" };

static void put_full(struct fx *fx)
{
    char *src = top_path("tests/fixtures/config/full.conf");
    char *text = read_all(src);

    free(put(fx, "lifeboat.conf", text, 0600));
    for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++)
        free(put(fx, secrets[i], "not-a-real-secret\n", 0600));
    free(text);
    free(src);
}

static char *in_dir(struct fx *fx, const char *rel)
{
    return xasprintf("%s/%s", fx->dir, rel);
}

#define assert_path(fx, got, rel)        \
    do {                                 \
        char *want_ = in_dir(fx, rel);   \
        assert_string_equal(got, want_); \
        free(want_);                     \
    } while (0)

/* ---- every key of §3 --------------------------------------------------- */

static void test_full_config_every_key(void **state)
{
    struct fx *fx = *state;
    struct lb_err err = { 0 };
    struct config *cfg;
    struct pve_cfg *pve;
    struct pbs_cfg *pbs;
    struct repo_cfg *r;
    struct job_cfg *j;
    struct job_copy *c;
    struct job_check *ck;
    struct disk_cfg *d;
    struct cfg_kv *kv;

    put_full(fx);
    cfg = load(fx, "lifeboat.conf", true, &err);
    if (!cfg)
        fail_msg("full.conf rejected:\n%s", fx->text);
    assert_path(fx, cfg->path, "lifeboat.conf");
    assert_string_equal(cfg->dir, fx->dir);

    assert_string_equal(cfg->console.theme, "default");
    assert_int_equal(cfg->console.refresh, 60);
    assert_int_equal(cfg->console.quiet_from, 60);
    assert_int_equal(cfg->console.quiet_to, 360);

    assert_int_equal(cfg->targets.rpo_local, 26 * 3600);
    assert_int_equal(cfg->targets.rpo_cloud, 8 * 86400);
    assert_int_equal(cfg->targets.rto_rollback, 15 * 60);
    assert_int_equal(cfg->targets.rto_pbs, 4 * 3600);
    assert_int_equal(cfg->targets.rto_cloud, 24 * 3600);

    assert_int_equal(cfg->pves.len, 1);
    pve = cfg->pves.items[0];
    assert_string_equal(pve->name, "main");
    assert_string_equal(pve->url, "https://proxmox-srv:8006");
    assert_path(fx, pve->token_file, "pve.token");
    assert_string_equal(pve->fingerprint, "3A:7F:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:"
                                          "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD");
    assert_int_equal(pve->snapshot_max_age, 7 * 86400);
    assert_int_equal(pve->line, 15);

    assert_int_equal(cfg->pbss.len, 1);
    pbs = cfg->pbss.items[0];
    assert_string_equal(pbs->name, "docker-srv");
    assert_string_equal(pbs->url, "https://127.0.0.1:8007");
    assert_path(fx, pbs->token_file, "pbs.token");
    assert_null(pbs->fingerprint);
    assert_string_equal(pbs->datastore, "usb-ssd");

    assert_int_equal(cfg->repos.len, 3);
    r = config_repo(cfg, "os-ssd");
    assert_non_null(r);
    assert_path(fx, r->url, "repos/os-ssd");
    assert_path(fx, config_repo_local_path(r), "repos/os-ssd");
    assert_string_equal(r->password_command, "cat os.pass"); /* inline comment gone */
    assert_null(r->password_file);
    assert_null(r->env_file);
    assert_int_equal(r->tier, TIER_LOCAL);
    assert_int_equal(r->keep.daily, 5);
    assert_int_equal(r->keep.weekly, 3);
    assert_int_equal(r->keep.monthly, 2);
    assert_int_equal(r->keep.last, 0);
    assert_int_equal(r->keep.within, 0);
    assert_int_equal(config_repo_rpo(cfg, r), 26 * 3600);

    r = config_repo(cfg, "usb-ssd");
    assert_non_null(r);
    assert_path(fx, r->url, "repos/usb-ssd");
    assert_path(fx, r->password_file, "restic-usb.pass");
    assert_int_equal(r->keep.last, -1);
    assert_int_equal(r->keep.hourly, 24);
    assert_int_equal(r->keep.daily, 7);
    assert_int_equal(r->keep.weekly, -1);
    assert_int_equal(r->keep.monthly, 12);
    assert_int_equal(r->keep.yearly, 3);
    assert_int_equal(r->keep.within, 2 * 86400);

    r = config_repo(cfg, "cloud");
    assert_non_null(r);
    assert_string_equal(r->url, "s3:https://s3.example.com/bucket/restic");
    assert_null(config_repo_local_path(r));
    assert_string_equal(r->password_command, "bw get password lifeboat/restic-cloud");
    assert_path(fx, r->env_file, "cloud.env");
    assert_int_equal(r->tier, TIER_OFFSITE);
    assert_int_equal(r->keep.weekly, 4);
    assert_true(r->price_per_gib_month > 0.00599 && r->price_per_gib_month < 0.00601);
    assert_int_equal(config_repo_rpo(cfg, r), 8 * 86400);
    assert_null(config_repo(cfg, "nope"));

    j = config_job(cfg, "daily");
    assert_non_null(j);
    assert_string_equal(j->schedule, "*-*-* 03:00");
    assert_int_equal(j->repos.len, 2);
    assert_string_equal(j->repos.items[0], "os-ssd");
    assert_string_equal(j->repos.items[1], "usb-ssd");
    assert_int_equal(j->paths.len, 2);
    assert_string_equal(j->paths.items[0], "/etc");
    assert_path(fx, j->paths.items[1], "data");
    assert_int_equal(j->exclude.len, 2);
    assert_string_equal(j->exclude.items[0], "*.tmp");
    assert_string_equal(j->exclude.items[1], "*.cache");
    assert_int_equal(j->checks.len, 1);
    ck = j->checks.items[0];
    assert_null(ck->repo);
    assert_string_equal(ck->subset, "2%");

    j = config_job(cfg, "weekly");
    assert_non_null(j);
    assert_string_equal(j->schedule, "Sun 04:30");
    assert_int_equal(j->repos.len, 0);
    assert_int_equal(j->copies.len, 2);
    c = j->copies.items[0];
    assert_string_equal(c->src, "usb-ssd");
    assert_string_equal(c->dst, "cloud");
    c = j->copies.items[1];
    assert_string_equal(c->src, "os-ssd");
    assert_string_equal(c->dst, "cloud");
    assert_int_equal(c->line, 56);
    assert_int_equal(j->checks.len, 2);
    ck = j->checks.items[0];
    assert_string_equal(ck->repo, "cloud");
    assert_string_equal(ck->subset, "1/52");
    ck = j->checks.items[1];
    assert_string_equal(ck->repo, "usb-ssd");
    assert_null(ck->subset);

    d = config_disk(cfg, "usb-ssd");
    assert_non_null(d);
    assert_string_equal(d->device, "/dev/disk/by-id/usb-Samsung_SSD_T7_S5SXNG0R123456");
    assert_string_equal(d->type, "sat,12");
    assert_string_equal(d->mount, "/mnt/usb-ssd");
    assert_true(d->fill_warn == 75);
    assert_true(d->fill_crit == 92);
    assert_path(fx, d->source, "smart/usb-ssd.json");

    assert_int_equal(cfg->alerts.channels.len, 7);
    assert_string_equal(cfg->alerts.channels.items[0], "console");
    assert_string_equal(cfg->alerts.channels.items[6], "email");
    assert_int_equal(cfg->alerts.renotify, 12 * 3600);
    assert_string_equal(cfg->alerts.ntfy_url, "https://ntfy.example.com/backups");
    assert_string_equal(cfg->alerts.gotify_url, "https://gotify.example.com");
    assert_path(fx, cfg->alerts.gotify_token_file, "gotify.token");
    assert_string_equal(cfg->alerts.webhook_url, "http://127.0.0.1:9000/hook");
    assert_string_equal(cfg->alerts.healthchecks_url, "https://hc.example.com/ping/UUID");
    assert_int_equal(cfg->alerts.healthchecks_job_urls.len, 1);
    kv = cfg->alerts.healthchecks_job_urls.items[0];
    assert_string_equal(kv->key, "daily");
    assert_string_equal(kv->value, "https://hc.example.com/ping/DAILY");
    assert_string_equal(cfg->alerts.smtp_url, "smtps://mail.example.com");
    assert_string_equal(cfg->alerts.smtp_from, "lifeboat@example.com");
    assert_string_equal(cfg->alerts.smtp_to, "me@example.com");
    assert_path(fx, cfg->alerts.smtp_auth_file, "smtp.auth");

    assert_int_equal(cfg->drill.rollback_vmid, 9000);
    assert_int_equal(cfg->drill.vmid_from, 9100);
    assert_int_equal(cfg->drill.vmid_to, 9199);
    assert_path(fx, cfg->drill.scratch, "drills");
    config_free(cfg);
}

static void test_defaults(void **state)
{
    struct fx *fx = *state;
    struct config *cfg;

    free(put(fx, "pve.token", "x\n", 0600));
    cfg = expect_ok(fx, "[repo r]\n"
                        "url = /srv/restic/r\n"
                        "password_command = pass show r\n"
                        "[disk d]\n"
                        "device = /dev/sda\n"
                        "[pve p]\n"
                        "url = https://pve:8006\n"
                        "token_file = pve.token\n");
    assert_int_equal(cfg->console.refresh, 60);
    assert_null(cfg->console.theme);
    assert_int_equal(cfg->console.quiet_from, 60);
    assert_int_equal(cfg->console.quiet_to, 360);
    assert_int_equal(cfg->targets.rpo_local, 26 * 3600);
    assert_int_equal(cfg->targets.rpo_cloud, 8 * 86400);
    assert_int_equal(cfg->targets.rto_rollback, 15 * 60);
    assert_int_equal(cfg->targets.rto_pbs, 4 * 3600);
    assert_int_equal(cfg->targets.rto_cloud, 24 * 3600);
    assert_int_equal(((struct repo_cfg *)cfg->repos.items[0])->tier, TIER_LOCAL);
    assert_int_equal(((struct pve_cfg *)cfg->pves.items[0])->snapshot_max_age, 7 * 86400);
    assert_string_equal(((struct disk_cfg *)cfg->disks.items[0])->type, "auto");
    assert_true(((struct disk_cfg *)cfg->disks.items[0])->fill_warn == 80);
    assert_true(((struct disk_cfg *)cfg->disks.items[0])->fill_crit == 90);
    assert_null(((struct disk_cfg *)cfg->disks.items[0])->mount);
    assert_int_equal(cfg->alerts.renotify, 24 * 3600);
    assert_int_equal(cfg->alerts.channels.len, 0);
    assert_string_equal(cfg->drill.scratch, "/var/tmp/lifeboat-drills");
    assert_int_equal(cfg->drill.rollback_vmid, 0);
    config_free(cfg);
}

static void test_inline_comments_and_layout(void **state)
{
    struct fx *fx = *state;
    struct config *cfg = expect_ok(fx, "\xEF\xBB\xBF; a BOM, comments of both kinds\n"
                                       "# hash comment\n"
                                       "[repo r]   ; trailing comment on a header\n"
                                       "  url = /srv/a;b   ; the ';' inside stays\n"
                                       "\tpassword_command = echo a#b\r\n"
                                       "keep=daily=3\n"
                                       "[console]\n"
                                       "quiet_window = off\n");
    struct repo_cfg *r = cfg->repos.items[0];

    assert_string_equal(r->url, "/srv/a;b");
    assert_string_equal(r->password_command, "echo a#b");
    assert_int_equal(r->keep.daily, 3);
    assert_int_equal(cfg->console.quiet_from, -1);
    config_free(cfg);
}

static void test_relative_paths_and_home(void **state)
{
    struct fx *fx = *state;
    const char *home = getenv("HOME");
    char *old_home = home ? xstrdup(home) : NULL;
    struct config *cfg;
    struct repo_cfg *r;

    setenv("HOME", "/home/tester", 1);
    cfg = expect_ok(fx, "[repo r]\n"
                        "url = local:../up/repo\n"
                        "password_command = x\n"
                        "[repo h]\n"
                        "url = ~/restic\n"
                        "password_command = x\n"
                        "[console]\n"
                        "theme = themes/mine.theme\n");
    r = config_repo(cfg, "r");
    assert_path(fx, r->url, "../up/repo");
    r = config_repo(cfg, "h");
    assert_string_equal(r->url, "/home/tester/restic");
    assert_path(fx, cfg->console.theme, "themes/mine.theme");
    config_free(cfg);
    if (old_home)
        setenv("HOME", old_home, 1);
    else
        unsetenv("HOME");
    free(old_home);
}

/* The config named by a relative path: its directory is made absolute. */
static void test_relative_config_path(void **state)
{
    struct fx *fx = *state;
    char *cwd = getcwd(NULL, 0);
    struct vec problems = VEC_INIT(config_problem_free);
    struct config *cfg;

    free(put(fx, "lifeboat.conf", "[repo r]\nurl = repo\npassword_command = x\n", 0600));
    assert_int_equal(chdir(fx->dir), 0);
    cfg = config_load("lifeboat.conf", true, &problems, NULL);
    assert_int_equal(chdir(cwd), 0);
    assert_non_null(cfg);
    assert_string_equal(cfg->dir, fx->dir);
    assert_path(fx, ((struct repo_cfg *)cfg->repos.items[0])->url, "repo");
    config_free(cfg);
    vec_release(&problems);
    free(cwd);
}

/* ---- bad input: one problem kind at a time, exact file:line ------------- */

static void test_corrupt_lines(void **state)
{
    expect_problems(*state,
                    "[repo\n"
                    "url = /x\n"
                    "[repo r]\n"
                    "url = /srv/r\n"
                    "novalue\n"
                    "password_command = c\n"
                    "url: /y\n"
                    "[repo r2] extra\n",
                    "1: '[repo' is not a section header (use [KIND] or [KIND NAME], e.g. [repo "
                    "usb-ssd])\n"
                    "5: 'novalue' is not a KEY = VALUE line\n"
                    "7: 'url: /y' is not a KEY = VALUE line (use '=')\n"
                    "8: '[repo r2] extra' has text after the closing ']'\n");
}

static void test_key_outside_section(void **state)
{
    expect_problems(*state, "url = /x\n[repo r]\nurl=/x\npassword_command=c\n",
                    "1: 'url' comes before any [section] header\n");
}

static void test_unknown_key(void **state)
{
    expect_problems(*state,
                    "[repo r]\n"
                    "url = /x\n"
                    "pasword_file = f\n"
                    "password_command = c\n"
                    "colour = red\n",
                    "3: [repo r] unknown key 'pasword_file' (did you mean 'password_file'?)\n"
                    "5: [repo r] unknown key 'colour' (valid keys: url, password_file, "
                    "password_command, env_file, tier, keep, price_per_gib_month, "
                    "budget_per_month)\n");
}

static void test_unknown_section(void **state)
{
    expect_problems(*state,
                    "[rep r]\n"
                    "url = /x\n"
                    "[backup]\n"
                    "[console x]\n"
                    "[job]\n"
                    "[job my job]\n"
                    "[disk -d]\n",
                    "1: unknown section [rep r] (did you mean [repo r]?)\n"
                    "3: unknown section [backup] (use [console], [targets], [pve NAME], [pbs "
                    "NAME], [repo NAME], [job NAME], [disk NAME], [alerts] or [drill])\n"
                    "4: section [console] takes no name (found 'x')\n"
                    "5: section [job] needs a name: [job NAME]\n"
                    "6: section name in '[job my]' has spaces: use one word, e.g. [job my-job]\n"
                    "7: section name '-d' is not valid (use letters, digits, '.', '_' and '-', "
                    "starting with a letter or digit)\n");
}

static void test_bad_durations_and_percent(void **state)
{
    expect_problems(*state,
                    "[console]\n"
                    "refresh = soon\n"
                    "quiet_window = 1am-6am\n"
                    "[targets]\n"
                    "rpo.local = 26 h\n"
                    "rto.pbs = 0s\n"
                    "[disk d]\n"
                    "device = /dev/sda\n"
                    "fill_warn = lots\n"
                    "fill_crit = 120%\n"
                    "type = sata\n",
                    "2: [console] refresh: 'soon' is not a duration (use e.g. 90s, 15m, 26h, 8d)\n"
                    "3: [console] quiet_window: '1am-6am' is not a window (use HH:MM-HH:MM, e.g. "
                    "01:00-06:00)\n"
                    "5: [targets] rpo.local: '26 h' is not a duration (use e.g. 90s, 15m, 26h, "
                    "8d)\n"
                    "6: [targets] rto.pbs: '0s' must be longer than 0\n"
                    "9: [disk d] fill_warn: 'lots' is not a percentage (use e.g. 80%)\n"
                    "10: [disk d] fill_crit: '120%' is not a percentage (use e.g. 80%)\n"
                    "11: [disk d] type: 'sata' is not a smartctl device type (use auto, sat, "
                    "sat,12, sntjmicron, sntasmedia, sntrealtek, nvme, usbjmicron, scsi, ata ...; "
                    "see smartctl -d)\n");
}

static void test_bad_keep(void **state)
{
    expect_problems(*state,
                    "[repo usb-ssd]\n"
                    "url = /x\n"
                    "password_command = c\n"
                    "keep = dayly=5 weekly=0 monthly within=forever daily=2 daily=3\n",
                    "4: [repo usb-ssd] keep: 'dayly=5' is not a rule (use last, hourly, daily, "
                    "weekly, monthly, yearly, within)\n"
                    "4: [repo usb-ssd] keep: weekly=0 is not a count (use a number from 1, or -1 / "
                    "unlimited)\n"
                    "4: [repo usb-ssd] keep: 'monthly' needs a value (e.g. monthly=5)\n"
                    "4: [repo usb-ssd] keep: within=forever is not a duration (use e.g. "
                    "within=30d)\n"
                    "4: [repo usb-ssd] keep: 'daily' is given twice\n");
}

static void test_password_sources(void **state)
{
    struct fx *fx = *state;

    free(put(fx, "r.pass", "x\n", 0600));
    expect_problems(fx,
                    "[repo both]\n"
                    "url = /x\n"
                    "password_file = r.pass\n"
                    "password_command = pass show x\n"
                    "[repo none]\n"
                    "url = /y\n"
                    "[repo nourl]\n"
                    "password_command = c\n",
                    "4: [repo both] has both password_file (line 3) and password_command (line 4): "
                    "keep one\n"
                    "5: [repo none] needs password_file = FILE (mode 0600) or password_command = "
                    "COMMAND\n"
                    "7: [repo nourl] needs url = PATH or s3:..., sftp:..., rest:... (the restic "
                    "repository)\n");
}

static void test_job_references(void **state)
{
    expect_problems(*state,
                    "[repo usb-ssd]\n"
                    "url = /x\n"
                    "password_command = c\n"
                    "[job daily]\n"
                    "schedule = *-*-* 03:00\n"
                    "repos = usb-ssd usb-sd offsite\n"
                    "paths = /etc\n"
                    "[job weekly]\n"
                    "copy = usb-ssd -> cloud\n"
                    "copy = usb-ssd cloud\n"
                    "check = cloud read-data-subset=3/2\n"
                    "check = read-data-subst=2%\n"
                    "[job idle]\n"
                    "schedule = daily\n"
                    "[job lost]\n"
                    "schedule = daily\n"
                    "paths = /srv\n"
                    "[job typo]\n"
                    "schedule = Mox 03:00\n"
                    "check = usb-ssd\n",
                    "6: [job daily] repos: no repo 'usb-sd' is defined (did you mean 'usb-ssd'?)\n"
                    "6: [job daily] repos: no repo 'offsite' is defined (add a [repo offsite] "
                    "section)\n"
                    "8: [job weekly] needs schedule = CALENDAR (e.g. *-*-* 03:00, see "
                    "systemd.time(7))\n"
                    "9: [job weekly] copy: no repo 'cloud' is defined (add a [repo cloud] "
                    "section)\n"
                    "10: [job weekly] copy: 'usb-ssd cloud' is not SRC -> DST (two repo names)\n"
                    "11: [job weekly] check: '3/2' is not a subset (use read-data-subset=N% such "
                    "as 2%, or n/t such as 1/52)\n"
                    "12: [job weekly] check: 'read-data-subst=2%' is not a check option (use "
                    "read-data-subset=N% such as 2%, or n/t such as 1/52)\n"
                    "13: [job idle] has nothing to do: set repos and paths (backup), copy = SRC "
                    "-> DST, or check = ...\n"
                    "17: [job lost] paths: there is no repos = ... to back them up into\n"
                    "19: [job typo] schedule: 'Mox 03:00' is not a calendar event: bad weekday "
                    "'Mox' at column 1 (see systemd.time(7); try lifeboat calendar 'Mox 03:00')\n");
}

static void test_duplicates(void **state)
{
    expect_problems(*state,
                    "[repo r]\n"
                    "url = /x\n"
                    "password_command = c\n"
                    "url = /y\n"
                    "[console]\n"
                    "[repo r]\n"
                    "url = /z\n"
                    "[console]\n",
                    "4: [repo r] duplicate key 'url' (first set on line 2): keep one\n"
                    "6: duplicate section [repo r] (first on line 1): merge them or rename one\n"
                    "8: duplicate section [console] (first on line 5): merge them or rename one\n");
}

static void test_endpoints_and_alerts(void **state)
{
    expect_problems(*state,
                    "[pve main]\n"
                    "url = http://pve:8006\n"
                    "token_file = /nonexistent/pve.token\n"
                    "fingerprint = 3A:7F\n"
                    "[pbs b]\n"
                    "url = pbs.lan\n"
                    "[alerts]\n"
                    "channels = console ntfy pager email\n"
                    "renotify = 1d\n"
                    "smtp.from = me\n"
                    "healthchecks.url.nightly = https://hc/ping/x\n"
                    "[drill]\n"
                    "rollback_vmid = 9150\n"
                    "restore_vmid_range = 9100-9199\n",
                    "2: [pve main] url: 'http://pve:8006' is plain http: Proxmox serves its API "
                    "over TLS, use https://pve:8006\n"
                    "3: [pve main] token_file: /nonexistent/pve.token does not exist\n"
                    "4: [pve main] fingerprint: '3A:7F' is not a SHA-256 fingerprint (64 hex "
                    "digits, e.g. 3A:7F:...; see the server's certificate page or `openssl x509 "
                    "-fingerprint -sha256`)\n"
                    "5: [pbs b] needs token_file = FILE (one line USER@REALM!TOKENID=SECRET, "
                    "mode 0600)\n"
                    "5: [pbs b] needs datastore = NAME (the PBS datastore)\n"
                    "6: [pbs b] url: 'pbs.lan' is not an https URL (use e.g. https://HOST:8007)\n"
                    "8: [alerts] channels: 'pager' is not a channel (use console, desktop, ntfy, "
                    "gotify, webhook, healthchecks, email)\n"
                    "8: [alerts] channels: 'ntfy' needs ntfy.url = https://HOST/TOPIC\n"
                    "8: [alerts] channels: 'email' needs smtp.url = smtps://HOST\n"
                    "8: [alerts] channels: 'email' needs smtp.to = NAME@DOMAIN\n"
                    "10: [alerts] smtp.from: 'me' is not a mail address (use NAME@DOMAIN)\n"
                    "11: [alerts] healthchecks.url.nightly: no job 'nightly' is defined\n"
                    "14: [drill] restore_vmid_range: 9100-9199 contains rollback_vmid 9150: "
                    "restore drills could overwrite the rollback test guest\n");
}

static void test_empty_values_and_fill_order(void **state)
{
    expect_problems(*state,
                    "[repo r]\n"
                    "url =\n"
                    "password_command = c\n"
                    "[disk d]\n"
                    "device = /dev/sdb\n"
                    "fill_warn = 95%\n",
                    "2: [repo r] url: needs a value\n"
                    "6: [disk d] fill_warn (95%) must be below fill_crit (90%)\n");
}

/* An over-long line is reported and the lines after it keep their numbers. */
static void test_long_line(void **state)
{
    struct fx *fx = *state;
    struct buf b = BUF_INIT(0);

    buf_puts(&b, "[repo r]\nurl = /x\npassword_command = ");
    for (int i = 0; i < 5000; i++)
        buf_puts(&b, "x");
    buf_puts(&b, "\ntier = moon\n");
    expect_problems(fx, buf_cstr(&b),
                    "1: [repo r] needs password_file = FILE (mode 0600) or password_command = "
                    "COMMAND\n"
                    "3: the line is longer than 4096 bytes\n"
                    "4: [repo r] tier: 'moon' is not a tier (use local or offsite)\n");
    buf_release(&b);
}

/* A wrong file (thousands of problems, or far too big) gives a bounded report. */
static void test_huge_inputs(void **state)
{
    struct fx *fx = *state;
    struct buf b = BUF_INIT(0);
    struct lb_err err = { 0 };
    struct config_problem *last;

    for (int i = 0; i < 3000; i++)
        buf_puts(&b, "[console]\nnonsense\n");
    free(put(fx, "lifeboat.conf", buf_cstr(&b), 0600));
    assert_null(load(fx, "lifeboat.conf", true, &err));
    assert_int_equal(fx->problems.len, 101);
    last = fx->problems.items[100];
    assert_int_equal(last->line, 0);
    /* 3000 bad lines + 511 duplicate [console] + one "more than 512 sections" */
    assert_string_equal(last->msg, "3412 more problems not shown: fix the ones above first");
    assert_non_null(strstr(err.msg, "/lifeboat.conf:2: 'nonsense' is not a KEY = VALUE line"));

    buf_reset(&b);
    for (int i = 0; i < 70000; i++)
        buf_puts(&b, "; a comment line\n");
    free(put(fx, "lifeboat.conf", buf_cstr(&b), 0600));
    assert_null(load(fx, "lifeboat.conf", true, &err));
    assert_string_equal(fx->text,
                        "0: the config is larger than 1048576 bytes: is this the right file?\n");
    buf_release(&b);
}

/* ---- permissions -------------------------------------------------------- */

static void test_world_readable_secret(void **state)
{
    struct fx *fx = *state;
    char *pass = put(fx, "r.pass", "x\n", 0644);
    char *want = xasprintf("3: [repo r] password_file: %s is readable by others (mode 0644): run "
                           "chmod 600 %s\n",
                           pass, pass);

    expect_problems(fx, "[repo r]\nurl = /x\npassword_file = r.pass\n", want);
    free(want);
    free(pass);
}

static void test_group_readable_config(void **state)
{
    struct fx *fx = *state;
    char *path = put(fx, "lifeboat.conf", "[repo r]\nurl = /x\npassword_command = c\n", 0640);
    char *want =
        xasprintf("0: %s is readable by its group (mode 0640): run chmod 600 %s\n", path, path);
    struct lb_err err = { 0 };
    struct config *cfg = load(fx, "lifeboat.conf", true, &err);

    assert_null(cfg);
    assert_string_equal(fx->text, want);
    free(want);
    /* without the permission rule (tests, demo) the same file loads */
    cfg = load(fx, "lifeboat.conf", false, &err);
    assert_non_null(cfg);
    config_free(cfg);
    free(path);
}

static void test_missing_secret_file(void **state)
{
    struct fx *fx = *state;
    char *want = xasprintf("3: [alerts] smtp.auth_file: %s/smtp.auth does not exist\n", fx->dir);

    expect_problems(fx, "[alerts]\nchannels = console\nsmtp.auth_file = smtp.auth\n", want);
    free(want);
}

static void test_secret_file_rule(void **state)
{
    struct fx *fx = *state;
    struct lb_err err = { 0 };
    char *ok = put(fx, "ok.token", "x\n", 0600);
    char *grp = put(fx, "g.token", "x\n", 0620);
    char *missing = in_dir(fx, "none.token");
    char *want;

    assert_int_equal(config_check_secret_file(ok, "token file", &err), 0);
    assert_int_equal(config_check_secret_file(grp, "token file", &err), -LB_EPERM);
    want =
        xasprintf("token file %s is writable by its group (mode 0620): run chmod 600 %s", grp, grp);
    assert_string_equal(err.msg, want);
    free(want);
    assert_int_equal(config_check_secret_file(missing, "token file", &err), -LB_ENOTFOUND);
    want = xasprintf("token file %s does not exist", missing);
    assert_string_equal(err.msg, want);
    free(want);
    assert_int_equal(config_check_secret_file(fx->dir, NULL, &err), -LB_EPERM);
    want = xasprintf("%s is not a regular file", fx->dir);
    assert_string_equal(err.msg, want);
    free(want);
    free(ok);
    free(grp);
    free(missing);
}

static void test_wrong_owner(void **state)
{
    struct fx *fx = *state;
    char *tok = put(fx, "t.token", "x\n", 0600);
    struct lb_err err = { 0 };

    if (geteuid() != 0 || chown(tok, 65534, (gid_t)-1)) {
        free(tok);
        skip();
        return;
    }
    assert_int_equal(config_check_secret_file(tok, NULL, &err), -LB_EPERM);
    assert_non_null(strstr(err.msg, "not by you (root): run chown root "));
    assert_non_null(strstr(err.msg, tok));
    free(tok);
}

static void test_missing_config(void **state)
{
    struct fx *fx = *state;
    struct lb_err err = { 0 };
    struct config *cfg = load(fx, "nope.conf", true, &err);
    char *want = xasprintf("%s/nope.conf: no such config file; start from "
                           "docs/lifeboat.conf.example (installed in share/doc/lifeboat/) or try "
                           "'lifeboat demo' (lifeboat reads -c FILE, else $LIFEBOAT_CONFIG, else "
                           "~/.config/lifeboat/lifeboat.conf, else /etc/lifeboat/lifeboat.conf)",
                           fx->dir);

    assert_null(cfg);
    assert_int_equal(fx->problems.len, 1);
    assert_int_equal(((struct config_problem *)fx->problems.items[0])->line, 0);
    assert_string_equal(err.msg, want);
    free(want);
}

/* Several problems of different kinds come back from one load, in line order. */
static void test_broken_fixture_reports_everything(void **state)
{
    struct fx *fx = *state;
    char *src = top_path("tests/fixtures/config/broken.conf");
    char *text = read_all(src);
    struct lb_err err = { 0 };
    struct config *cfg;
    char *first;

    free(put(fx, "usb.pass", "x\n", 0600));
    free(put(fx, "lifeboat.conf", text, 0600));
    cfg = load(fx, "lifeboat.conf", true, &err);
    assert_null(cfg);
    assert_string_equal(
        fx->text,
        "3: [console] refresh: 'soon' is not a duration (use e.g. 90s, 15m, 26h, 8d)\n"
        "4: [console] quiet_window: '1am-6am' is not a window (use HH:MM-HH:MM, e.g. "
        "01:00-06:00)\n"
        "6: '[repo' is not a section header (use [KIND] or [KIND NAME], e.g. [repo usb-ssd])\n"
        "12: [repo usb-ssd] has both password_file (line 11) and password_command (line 12): "
        "keep one\n"
        "13: [repo usb-ssd] keep: 'dayly=5' is not a rule (use last, hourly, daily, weekly, "
        "monthly, yearly, within)\n"
        "14: [repo usb-ssd] tier: 'cloud' is not a tier (use local or offsite)\n"
        "18: [job daily] repos: no repo 'offsite' is defined (add a [repo offsite] section)\n"
        "20: 'novalue' is not a KEY = VALUE line\n"
        "25: [disk usb-ssd] fill_crit: 'lots' is not a percentage (use e.g. 80%)\n"
        "27: unknown section [backup x] (use [console], [targets], [pve NAME], [pbs NAME], "
        "[repo NAME], [job NAME], [disk NAME], [alerts] or [drill])\n"
        "30: duplicate section [job daily] (first on line 16): merge them or rename one\n");
    first = xasprintf("%s/lifeboat.conf:3: [console] refresh: 'soon' is not a duration (use e.g. "
                      "90s, 15m, 26h, 8d)",
                      fx->dir);
    assert_string_equal(err.msg, first);
    free(first);
    free(text);
    free(src);
}

/* ---- paths and the shipped example ------------------------------------ */

static void test_default_path(void **state)
{
    struct fx *fx = *state;
    char *p, *xdg = in_dir(fx, "xdg"), *dir = in_dir(fx, "xdg/lifeboat");
    char *file = in_dir(fx, "xdg/lifeboat/lifeboat.conf");

    setenv("XDG_CONFIG_HOME", xdg, 1);
    unsetenv("LIFEBOAT_CONFIG");
    p = config_default_path("/explicit.conf");
    assert_string_equal(p, "/explicit.conf");
    free(p);
    setenv("LIFEBOAT_CONFIG", "/from/env.conf", 1);
    p = config_default_path(NULL);
    assert_string_equal(p, "/from/env.conf");
    free(p);
    unsetenv("LIFEBOAT_CONFIG");
    assert_int_equal(mkdir(xdg, 0700), 0);
    assert_int_equal(mkdir(dir, 0700), 0);
    free(put(fx, "xdg/lifeboat/lifeboat.conf", "", 0600));
    p = config_default_path(NULL);
    assert_string_equal(p, file);
    free(p);
    free(xdg);
    free(dir);
    free(file);
}

static void test_shipped_example_is_valid(void **state)
{
    char *path = top_path("docs/lifeboat.conf.example");
    struct vec problems = VEC_INIT(config_problem_free);
    struct lb_err err = { 0 };
    struct config *cfg;

    (void)state;
    /* its secret files live in /etc/lifeboat on a real host: check the syntax only */
    cfg = config_load(path, false, &problems, &err);
    if (!cfg)
        fail_msg("docs/lifeboat.conf.example: %s (%zu problems)", err.msg, problems.len);
    assert_true(cfg->repos.len >= 3);
    assert_true(cfg->jobs.len >= 2);
    config_free(cfg);
    vec_release(&problems);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
        T(test_full_config_every_key),
        T(test_defaults),
        T(test_inline_comments_and_layout),
        T(test_relative_paths_and_home),
        T(test_relative_config_path),
        T(test_corrupt_lines),
        T(test_key_outside_section),
        T(test_unknown_key),
        T(test_unknown_section),
        T(test_bad_durations_and_percent),
        T(test_bad_keep),
        T(test_password_sources),
        T(test_job_references),
        T(test_duplicates),
        T(test_endpoints_and_alerts),
        T(test_empty_values_and_fill_order),
        T(test_long_line),
        T(test_huge_inputs),
        T(test_world_readable_secret),
        T(test_group_readable_config),
        T(test_missing_secret_file),
        T(test_secret_file_rule),
        T(test_wrong_owner),
        T(test_missing_config),
        T(test_broken_fixture_reports_everything),
        T(test_default_path),
        T(test_shipped_example_is_valid),
#undef T
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
