/*
 * `lifeboat keys rotate REPO [--yes] [--new-password-file F] [--json]`,
 * `lifeboat keys rotate-token pve|pbs [NAME] [--yes] [--json]` and
 * `lifeboat keys status [--json]` (backend/keys.h and keys_token.h have the
 * rotations' steps).
 * rotate exits 0 when the old key is gone and the new one opens the repo
 * through its source, 2 otherwise (the old key is then still there), 64 on
 * usage. status exits 1 when a secret is older than the monthly cadence.
 */
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/base/clock.h"
#include "backend/base/str.h"
#include "backend/config.h"
#include "backend/keys.h"
#include "backend/keys_token.h"
#include "backend/loop.h"
#include "backend/store.h"
#include "cli/cli.h"

static const char ROTATE_HELP[] =
    "usage: lifeboat keys rotate REPO [--yes] [--new-password-file FILE] [--json]\n"
    "       lifeboat keys rotate-token pve|pbs [NAME] [--yes] [--json]\n"
    "       lifeboat keys status [--json]\n"
    "\n"
    "rotate replaces the key of a restic repo. The old key is removed only after\n"
    "the new password has opened the repo through the configured source:\n"
    "  1. the current password is read from the source into memory;\n"
    "  2. restic key list with it gives the old key id;\n"
    "  3. the new password: --new-password-file FILE, else PASSWORD_FILE.new when\n"
    "     the operator wrote one, else 43 random characters;\n"
    "  4. restic key add (both passwords in 0600 temp files, never argv);\n"
    "  5. password_file: PASSWORD_FILE.new (0600) is renamed over the file, the\n"
    "     previous one kept as PASSWORD_FILE.old; password_command: you store the\n"
    "     new password in your vault (a generated one is shown once, on a terminal),\n"
    "     press Enter, and lifeboat runs the command and compares;\n"
    "  6. restic key list through the configured source must use the new key;\n"
    "  7. restic key remove OLD; PASSWORD_FILE.old removed; key ids and dates\n"
    "     (never a secret) recorded.\n"
    "A failure before 7 keeps the old key and says how the repo is left.\n"
    "--yes skips the confirmation (a password_file repo then runs without any\n"
    "question). Without a terminal, a password_command repo needs\n"
    "--new-password-file and a line on stdin once the vault holds it.\n"
    "\n"
    "rotate-token replaces the API token of the [pve NAME] or [pbs NAME] section\n"
    "(NAME may be left out when there is one). Where the server has token\n"
    "regenerate (PVE 9.1, PBS 3.4) the secret is regenerated in place, its ACL\n"
    "entries kept; else a new token OLD-YYYYMMDD is created with the old one's\n"
    "comment, expiry and ACL entries. TOKEN_FILE.new (0600, same directory) is\n"
    "renamed over the token file, the previous one kept as TOKEN_FILE.old until\n"
    "the new token has answered GET /version and a call lifeboat needs through\n"
    "the file; only then is the old token deleted (it must then get 401) and\n"
    "TOKEN_FILE.old removed. A failure leaves a working token in the token file\n"
    "and says where it stopped. The token must be allowed to manage its user's\n"
    "tokens and ACL entries. --yes is needed without a terminal (the old token\n"
    "stops working).\n"
    "\n"
    "status lists every secret (password, token, env and auth files, recorded\n"
    "rotations) with its age against the monthly cadence; exit 1 when one is due.\n";

struct kcli {
    struct loop *loop;
    struct keyrot *k;
    bool json;
    char shown[160];
};

static void on_update(struct keyrot *k, void *arg)
{
    struct kcli *c = arg;

    if (keyrot_done(k) || keyrot_waiting(k)) {
        loop_stop(c->loop);
        if (keyrot_done(k))
            return;
    }
    if (!c->json && strcmp(c->shown, keyrot_step(k)) != 0) {
        str_copy(c->shown, sizeof(c->shown), keyrot_step(k));
        fprintf(stderr, "lifeboat: keys: %s\n", c->shown);
    }
}

static void on_signal(struct loop *loop, int signo, void *arg)
{
    struct kcli *c = arg;

    (void)loop;
    (void)signo;
    keyrot_cancel(c->k);
}

static json_t *rec_json(const struct store_keyrot *r, const char *advice)
{
    char t1[40], t2[40];

    return json_pack("{s:I,s:s,s:s,s:s,s:s,s:s?,s:s?,s:s,s:s?,s:s?,s:s?}", "id", (json_int_t)r->id,
                     "repo", r->repo, "source", r->source, "outcome", r->outcome, "stage", r->stage,
                     "old_key", r->old_key[0] ? r->old_key : NULL, "new_key",
                     r->new_key[0] ? r->new_key : NULL, "started",
                     clock_fmt_rfc3339(r->started, t1, sizeof(t1)), "ended",
                     r->ended ? clock_fmt_rfc3339(r->ended, t2, sizeof(t2)) : NULL, "error",
                     r->error[0] ? r->error : NULL, "advice", advice && *advice ? advice : NULL);
}

/* Wait for the operator to store the new password (stdin line). false: cancel. */
static bool wait_operator(struct kcli *c)
{
    const char *secret = keyrot_secret_to_show(c->k);
    char line[64];

    if (secret && isatty(STDERR_FILENO))
        fprintf(stderr,
                "\nThe new password (shown once, store it in your vault now):\n\n    %s\n\n",
                secret);
    fprintf(stderr, "lifeboat: keys: the new key is added. Store the new password where the "
                    "password_command reads it, then press Enter (or type 'cancel'):\n");
    if (!fgets(line, sizeof(line), stdin))
        return false;
    if (secret && isatty(STDERR_FILENO))
        fprintf(stderr, "\033[5A\033[J"); /* take the password off the screen */
    return strncmp(line, "cancel", 6) != 0;
}

static bool confirm(const char *repo, const char *source)
{
    char line[128];

    fprintf(stderr,
            "Rotate the key of repo '%s' (%s)? A new key is added, proven through the source, "
            "then the old key is removed. Type the repo name to go on: ",
            repo, source);
    if (!fgets(line, sizeof(line), stdin))
        return false;
    line[strcspn(line, "\r\n")] = '\0';
    return !strcmp(line, repo);
}

static int rotate(struct cli *cli, int argc, char **argv)
{
    struct keyrot_opts o = { 0 };
    bool yes = false, json = cli->json;
    struct config *cfg;
    struct store *st = NULL;
    struct lb_err err = { 0 };
    struct kcli c = { 0 };
    const struct repo_cfg *repo;
    static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
    struct store_keyrot rec;
    char advice[768];

    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--yes"))
            yes = true;
        else if (!strcmp(argv[i], "--json"))
            json = true;
        else if (!strcmp(argv[i], "--new-password-file") && i + 1 < argc)
            o.new_password_file = argv[++i];
        else if (argv[i][0] == '-')
            return cli_usage("keys", "unknown option '%s'", argv[i]);
        else if (!o.repo)
            o.repo = argv[i];
        else
            return cli_usage("keys", "one repo at a time ('%s' too many)", argv[i]);
    }
    if (!o.repo)
        return cli_usage("keys", "keys rotate needs a REPO");
    if (!(cfg = cli_load_config(cli, true)))
        return EXIT_CONFIG;
    repo = config_repo(cfg, o.repo);
    if (!repo) {
        cli_error("no [repo %s] in %s: name one of the configured repos", o.repo, cfg->path);
        config_free(cfg);
        return EXIT_USAGE;
    }
    if (repo->password_command && !o.new_password_file && !isatty(STDERR_FILENO)) {
        config_free(cfg);
        return cli_usage("keys",
                         "repo '%s' uses a password_command: without a terminal to show a new "
                         "password, give it with --new-password-file FILE",
                         o.repo);
    }
    if (!yes) {
        if (!isatty(STDIN_FILENO)) {
            config_free(cfg);
            return cli_usage("keys", "key rotation removes a key: add --yes to run it headless");
        }
        if (!confirm(o.repo, repo->password_file ? "password_file" : "password_command")) {
            cli_error("not confirmed: nothing was changed");
            config_free(cfg);
            return EXIT_FAIL;
        }
    }
    if (!(st = store_open(NULL, &err))) {
        cli_error("%s", err.msg);
        config_free(cfg);
        return EXIT_FAIL;
    }
    c.json = json;
    c.loop = loop_new();
    c.k = keyrot_new(c.loop, cfg, st, &o, on_update, &c, &err);
    if (!c.k) {
        cli_error("%s", err.msg);
        loop_free(c.loop);
        store_close(st);
        config_free(cfg);
        return err.code == LB_EUSAGE ? EXIT_USAGE : EXIT_FAIL;
    }
    for (size_t i = 0; i < 3; i++)
        loop_watch_signal(c.loop, sigs[i], on_signal, &c);
    if (keyrot_go(c.k, &err) == 0) {
        while (!keyrot_done(c.k)) {
            loop_run(c.loop);
            if (keyrot_waiting(c.k)) {
                if (wait_operator(&c))
                    keyrot_continue(c.k);
                else
                    keyrot_cancel(c.k);
            }
        }
    }
    rec = *keyrot_record(c.k);
    str_copy(advice, sizeof(advice), keyrot_advice(c.k));
    for (size_t i = 0; i < 3; i++)
        loop_unwatch_signal(c.loop, sigs[i], on_signal, &c);
    keyrot_free(c.k);
    loop_free(c.loop);
    store_close(st);
    config_free(cfg);
    if (json) {
        json_t *j = rec_json(&rec, advice);
        char *s = json_dumps(j, JSON_INDENT(2));

        printf("%s\n", s);
        free(s);
        json_decref(j);
    } else if (!strcmp(rec.outcome, "ok")) {
        printf("repo %s: key rotated; the new key %.8s opens it through its %s, the old key %.8s "
               "is removed\n",
               rec.repo, rec.new_key, rec.source, rec.old_key);
    }
    if (strcmp(rec.outcome, "ok") != 0) {
        if (!json) {
            cli_error("key rotation of repo '%s' %s at step '%s': %s", rec.repo, rec.outcome,
                      rec.stage, rec.error);
            if (advice[0])
                fprintf(stderr, "lifeboat: %s\n", advice);
        }
        return EXIT_FAIL;
    }
    return 0;
}


/* ---- rotate-token ---- */

struct tcli {
    struct loop *loop;
    struct tokrot *t;
    bool json;
    char shown[200];
};

static void tok_update(struct tokrot *t, void *arg)
{
    struct tcli *c = arg;

    if (tokrot_done(t) || tokrot_planned(t))
        loop_stop(c->loop);
    if (!c->json && !tokrot_done(t) && strcmp(c->shown, tokrot_step(t)) != 0) {
        str_copy(c->shown, sizeof(c->shown), tokrot_step(t));
        fprintf(stderr, "lifeboat: keys: %s\n", c->shown);
    }
}

static void tok_signal(struct loop *loop, int signo, void *arg)
{
    struct tcli *c = arg;

    (void)loop;
    (void)signo;
    tokrot_cancel(c->t);
}

static void tok_summary(const struct tokrot_plan *p)
{
    fprintf(stderr, "\n  %s token %s (in %s), server version %s\n", p->section, p->token_id,
            p->token_file, p->version);
    if (p->regenerate)
        fprintf(stderr,
                "  regenerate its secret in place (its %zu ACL entries stay); the old secret "
                "stops working at once\n",
                p->nacl);
    else
        fprintf(stderr,
                "  create the token %s, copy the %zu ACL entries (%s), prove it through the "
                "file, then delete %s\n",
                p->new_id, p->nacl, p->nacl ? p->acl_text : "none", p->token_id);
}

static bool tok_confirm(const char *token)
{
    char line[256];

    fprintf(stderr, "\nType the token id (%s) to go on: ", token);
    if (!fgets(line, sizeof(line), stdin))
        return false;
    line[strcspn(line, "\r\n")] = '\0';
    return !strcmp(line, token);
}

static void tok_offer_secret(struct tcli *c)
{
    const char *s = tokrot_unsaved_secret(c->t);
    char line[16];

    if (!s || !isatty(STDIN_FILENO) || !isatty(STDERR_FILENO))
        return;
    fprintf(stderr, "lifeboat: the new secret is only in memory. Show it once now to store it "
                    "by hand? [y/N] ");
    if (fgets(line, sizeof(line), stdin) && (line[0] == 'y' || line[0] == 'Y'))
        fprintf(stderr, "\n    %s\n\n", s);
}

static int rotate_token(struct cli *cli, int argc, char **argv)
{
    struct tokrot_opts o = { 0 };
    bool yes = false, json = cli->json, got = false;
    struct config *cfg;
    struct store *st = NULL;
    struct lb_err err = { 0 };
    struct tcli c = { 0 };
    static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
    struct store_keyrot rec;
    struct tokrot_plan plan;
    char advice[1024], version[32], acl[200];
    int rc = 0;

    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--yes"))
            yes = true;
        else if (!strcmp(argv[i], "--json"))
            json = true;
        else if (argv[i][0] == '-')
            return cli_usage("keys", "unknown option '%s'", argv[i]);
        else if (!got && (!strcmp(argv[i], "pve") || !strcmp(argv[i], "pbs"))) {
            o.product = !strcmp(argv[i], "pve") ? PMX_PVE : PMX_PBS;
            got = true;
        } else if (got && !o.name)
            o.name = argv[i];
        else
            return cli_usage("keys", "keys rotate-token pve|pbs [NAME] ('%s' unexpected)", argv[i]);
    }
    if (!got)
        return cli_usage("keys", "keys rotate-token needs pve or pbs");
    if (!yes && (!isatty(STDIN_FILENO) || !isatty(STDERR_FILENO)))
        return cli_usage("keys", "token rotation ends the old token: add --yes to run it "
                                 "headless");
    if (!(cfg = cli_load_config(cli, true)))
        return EXIT_CONFIG;
    if (!(st = store_open(NULL, &err))) {
        cli_error("%s", err.msg);
        config_free(cfg);
        return EXIT_FAIL;
    }
    c.json = json;
    c.loop = loop_new();
    c.t = tokrot_new(c.loop, cfg, st, &o, tok_update, &c, &err);
    if (!c.t) {
        cli_error("%s", err.msg);
        loop_free(c.loop);
        store_close(st);
        config_free(cfg);
        return err.code == LB_EUSAGE ? EXIT_USAGE : EXIT_FAIL;
    }
    for (size_t i = 0; i < 3; i++)
        loop_watch_signal(c.loop, sigs[i], tok_signal, &c);
    if (tokrot_plan_start(c.t, &err) == 0) {
        while (!tokrot_done(c.t) && !tokrot_planned(c.t))
            loop_run(c.loop);
        if (tokrot_planned(c.t)) {
            if (!json || !yes)
                tok_summary(tokrot_plan(c.t));
            if (!yes && !tok_confirm(tokrot_plan(c.t)->token_id))
                tokrot_cancel(c.t);
            else if (tokrot_go(c.t, &err) == 0)
                while (!tokrot_done(c.t))
                    loop_run(c.loop);
        }
    }
    tok_offer_secret(&c);
    rec = *tokrot_record(c.t);
    plan = *tokrot_plan(c.t);
    str_copy(version, sizeof(version), plan.version);
    str_copy(acl, sizeof(acl), plan.acl_text);
    str_copy(advice, sizeof(advice), tokrot_advice(c.t));
    for (size_t i = 0; i < 3; i++)
        loop_unwatch_signal(c.loop, sigs[i], tok_signal, &c);
    tokrot_free(c.t);
    loop_free(c.loop);
    store_close(st);
    config_free(cfg);
    if (!rec.outcome[0] || !strcmp(rec.outcome, "running"))
        str_copy(rec.outcome, sizeof(rec.outcome), "failed");
    if (json) {
        json_t *j = rec_json(&rec, advice);
        char *s;

        json_object_set_new(j, "method", json_string(rec.source[0] ? rec.source : "none"));
        json_object_set_new(j, "server_version", json_string(version));
        json_object_set_new(j, "acl_entries", json_integer((json_int_t)plan.nacl));
        s = json_dumps(j, JSON_INDENT(2));
        printf("%s\n", s);
        free(s);
        json_decref(j);
    } else if (!strcmp(rec.outcome, "ok")) {
        if (!strcmp(rec.source, "token regenerate"))
            printf("%s: token %s regenerated; the new secret is in its token file and works, "
                   "the old secret is refused\n",
                   rec.repo, rec.old_key);
        else
            printf("%s: token %s replaced by %s (%zu ACL entries copied: %s); it works through "
                   "the token file, the old token is deleted\n",
                   rec.repo, rec.old_key, rec.new_key, plan.nacl, plan.nacl ? acl : "none");
    }
    if (strcmp(rec.outcome, "ok") != 0) {
        if (!json) {
            cli_error("token rotation of [%s] %s at step '%s': %s", rec.repo, rec.outcome,
                      rec.stage, rec.error[0] ? rec.error : "not confirmed");
            if (advice[0])
                fprintf(stderr, "lifeboat: %s\n", advice);
        }
        rc = EXIT_FAIL;
    }
    return rc;
}

static int status(struct cli *cli, int argc, char **argv)
{
    bool json = cli->json || cli_has_flag(argc, argv, "--json");
    struct config *cfg;
    struct store *st;
    struct lb_err err = { 0 };
    struct vec out = VEC_INIT(free);
    time_t now = clock_now();
    int overdue = 0;

    for (int i = 2; i < argc; i++)
        if (strcmp(argv[i], "--json") != 0)
            return cli_usage("keys", "unknown argument '%s'", argv[i]);
    if (!(cfg = cli_load_config(cli, false)))
        return EXIT_CONFIG;
    st = store_open(NULL, &err);
    if (!st)
        fprintf(stderr, "lifeboat: %s (rotations not read)\n", err.msg);
    keys_status(cfg, st, now, &out);
    if (json) {
        json_t *arr = json_array(), *root;
        char *s;

        for (size_t i = 0; i < out.len; i++) {
            const struct keys_secret *k = out.items[i];
            char t[40];

            json_array_append_new(
                arr,
                json_pack(
                    "{s:s,s:s?,s:s?,s:o,s:s,s:b,s:s?}", "secret", k->what, "path",
                    k->path[0] ? k->path : NULL, "changed",
                    k->changed ? clock_fmt_rfc3339(k->changed, t, sizeof(t)) : NULL, "age_seconds",
                    k->changed ? json_integer((json_int_t)(now - k->changed)) : json_null(), "from",
                    k->how, "overdue", k->overdue, "note", k->note[0] ? k->note : NULL));
            overdue += k->overdue;
        }
        root = json_pack("{s:I,s:o}", "cadence_days", (json_int_t)(KEYS_CADENCE_S / 86400),
                         "secrets", arr);
        s = json_dumps(root, JSON_INDENT(2));
        printf("%s\n", s);
        free(s);
        json_decref(root);
    } else {
        printf("%-34s %-10s %-11s %s\n", "SECRET", "AGE", "STATE", "FROM");
        for (size_t i = 0; i < out.len; i++) {
            const struct keys_secret *k = out.items[i];
            char a[32];

            printf("%-34s %-10s %-11s %s%s%s\n", k->what,
                   k->changed ? str_fmt_age(now - k->changed, a, sizeof(a)) : "?",
                   k->overdue ? "DUE" : "ok", k->how, k->note[0] ? ": " : "", k->note);
            overdue += k->overdue;
        }
        if (!out.len)
            printf("no secret configured\n");
        printf("cadence: monthly (%lld days); %d due\n", KEYS_CADENCE_S / 86400, overdue);
    }
    vec_release(&out);
    if (st)
        store_close(st);
    config_free(cfg);
    return overdue ? EXIT_WARN : 0;
}

int cmd_keys(struct cli *cli, int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(ROTATE_HELP, argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : 0;
    }
    for (int i = 2; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(ROTATE_HELP, stdout);
            return 0;
        }
    if (!strcmp(argv[1], "rotate"))
        return rotate(cli, argc, argv);
    if (!strcmp(argv[1], "rotate-token"))
        return rotate_token(cli, argc, argv);
    if (!strcmp(argv[1], "status"))
        return status(cli, argc, argv);
    return cli_usage("keys", "unknown subcommand '%s' (rotate, rotate-token or status)", argv[1]);
}
