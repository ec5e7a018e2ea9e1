/*
 * lifeboat: the operator console and runner for a homelab 3-2-1 backup
 * strategy (Proxmox VE snapshots, Proxmox Backup Server, restic).
 * main() parses the global options and hands over to one subcommand.
 */
#include "cli/cli.h"

#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/base/log.h"
#include "backend/config.h"
#include "backend/http.h"

#ifndef LIFEBOAT_VERSION
#    define LIFEBOAT_VERSION "0.1.0"
#endif

static const struct cli_command commands[] = {
    { "status", "[--json]", "3-2-1 matrix and freshness of every copy; exit 0 ok, 1 warning, 2 critical",
      cmd_status },
    { "config", "check", "validate the config, file permissions and every endpoint", cmd_config },
    { "demo", "[DIR] [--setup-only | --serve]",
      "build (or reuse) a demo lab in DIR (./demo-lab) and open the console; --setup-only: "
      "build it, print its config path; --serve: serve its cloud repo until Ctrl-C",
      cmd_demo },
    { "calendar", "EXPR [--count N] [--from 'YYYY-MM-DD HH:MM:SS'] [--dialect systemd|proxmox]",
      "next elapse times of a calendar event (default 5; --from also '... UTC', @EPOCH)",
      cmd_calendar },
    { "schedule", "[--json] [--cached]",
      "every job (lifeboat's, PVE backup jobs, PBS jobs) with its calendar event, next runs, last "
      "result, and overlaps in the week; --cached: the Proxmox jobs as last cached",
      cmd_schedule },
    { "retention", "plan --engine restic|proxmox [--keep-* N] [--input FILE|-] [--json] | show [--json]",
      "keep/remove decision for a snapshot list; show: the plan of every tier, with expiry and gaps",
      cmd_retention },
    { "guests", "[--json] [--timeout DURATION]",
      "Proxmox guests: snapshots (count, newest, oldest), newest PBS backup, verify state, "
      "covered by a backup job or not",
      cmd_guests },
    { "smart", "[DISK] [--from-file FILE] [--json] | --pbs [PBSDISK] [--json] [--timeout D]",
      "SMART verdict of a configured disk, or of a saved smartctl --json output; --pbs: the PBS "
      "host's disks as PBS reports them, tied to [disk] by serial; --pbs PBSDISK (sda): that "
      "disk's SMART attributes as PBS reads them",
      cmd_smart },
    { "run", "JOB [--dry-run] [--wait]",
      "run a configured restic job headless and record it; exit 0 ok, 1 warnings, 2 failed; "
      "--dry-run: print the steps and restic commands; --wait: wait for a running one",
      cmd_run },
    { "history", "[--job J] [--limit N] [--json]", "past runs, newest first, with their steps",
      cmd_history },
    { "timers", "install [--dir D]",
      "write systemd service+timer units for the configured jobs (default: /etc/systemd/system "
      "as root, else ~/.config/systemd/user)",
      cmd_timers },
    { "alerts", "[--json] | test [CHANNEL] | ack ID [NOTE]",
      "open alerts (after a refresh and the rules; exit 0 none, 1 warning, 2 critical); test: "
      "a test message through each channel; ack: acknowledge one (no more reminders)",
      cmd_alerts },
    { "metrics", "[--out FILE]",
      "Prometheus text exposition (node_exporter textfile collector; --out: written to a temp "
      "file and renamed)",
      cmd_metrics },
    { "checklist", "daily|weekly|monthly|quarterly [--report] [--json]",
      "the runbook's checklist with the evidence lifeboat finds (job runs, SMART, drills, key "
      "ages); items only you can answer are left to confirm in the console; --report: Markdown",
      cmd_checklist },
    { "keys",
      "rotate REPO [--yes] [--new-password-file F] [--json] | rotate-token pve|pbs [NAME] [--yes] "
      "[--json] | status [--json]",
      "rotate: replace a restic repo's key, the old one removed only once the new password opens "
      "the repo through its source; rotate-token: a new PVE/PBS API token secret (regenerated, "
      "or a new token with the old one's ACL entries), proven through the token file before the "
      "old one goes; status: every secret's age against the monthly cadence",
      cmd_keys },
    { "drill", "rollback|pbs|cloud [--yes] [--json] [--guest VMID] [--start] [--repo R] [--snapshot ID] [--path P]",
      "run a restore drill headless into scratch targets, measure RTO/RPO and print its record",
      cmd_drill },
    { "restore",
      "files REPO [SNAPSHOT] [--path P]... [--target DIR | --original] [--yes] [--json] [--list] | "
      "guest VMID [--backup TIME|newest] [--vmid N | --original] [--storage S] [--start] "
      "[--shutdown] [--yes --confirm VMID-NAME] [--json]",
      "real restores: files from a restic snapshot (scratch by default; over the originals only "
      "after a preview and --yes; --list: a directory of the snapshot), or a guest from PBS to a "
      "new VMID, or over the original only with --yes --confirm VMID-NAME",
      cmd_restore },
    { "tasks", "[--json] [--limit N] [--timeout DURATION] | log UPID",
      "recent Proxmox VE and PBS tasks, whoever started them, with their status (exit 0 all OK, "
      "1 warnings, 2 a failed task or endpoint); log: a task's whole log",
      cmd_tasks },
    { "drills", "[--json]", "past drills with measured RTO/RPO against [targets], and past restores; exit 1 "
      "when a drill is overdue",
      cmd_drills },
};

/* Not in --help: the desktop notification helper (backend/alert.h). */
static const struct cli_command hidden_commands[] = {
    { "__notify", "", "", cmd_notify_helper },
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: lifeboat [-c FILE] [COMMAND [ARGS]]\n"
            "\n"
            "With no command, lifeboat opens the console.\n"
            "\n"
            "Commands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        fprintf(out, "  %s %s\n", commands[i].name, commands[i].args);
        fprintf(out, "      %s\n", commands[i].help);
    }
    fprintf(out,
            "\n"
            "Options:\n"
            "  -c FILE        config file (else $LIFEBOAT_CONFIG, else\n"
            "                 $XDG_CONFIG_HOME/lifeboat/lifeboat.conf, else /etc/lifeboat/lifeboat.conf)\n"
            "  --json         machine-readable output where a command offers it\n"
            "  -h, --help     this help\n"
            "  --version      print the version\n"
            "\n"
            "Exit codes: 0 ok, 1 warning or partial, 2 failure or critical, 64 usage, 78 config.\n"
            "NO_COLOR is honoured. See lifeboat(1).\n");
}

void cli_error(const char *fmt, ...)
{
    va_list ap;

    fputs("lifeboat: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;

    fputs("lifeboat: ", stderr);
    if (cmd)
        fprintf(stderr, "%s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\n(see lifeboat --help)\n", stderr);
    return EXIT_USAGE;
}

bool cli_has_flag(int argc, char **argv, const char *flag)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], flag))
            return true;
    return false;
}

struct config *cli_load_config(struct cli *cli, bool check_perms)
{
    struct vec problems = VEC_INIT(config_problem_free);
    struct lb_err err = { 0 };
    char *path = config_default_path(cli->config_path);
    struct config *cfg = config_load(path, check_perms, &problems, &err);
    size_t i;
    struct config_problem *p;

    if (!cfg) {
        if (!problems.len)
            cli_error("%s", err.msg);
        vec_foreach(&problems, i, p)
        {
            if (p->line)
                fprintf(stderr, "%s:%d: %s\n", p->file, p->line, p->msg);
            else
                fprintf(stderr, "%s: %s\n", p->file, p->msg);
        }
    }
    vec_release(&problems);
    free(path);
    return cfg;
}

int main(int argc, char **argv)
{
    struct cli cli = { .progname = "lifeboat" };
    int i = 1;
    int rc;

    setlocale(LC_ALL, "");
    for (; i < argc; i++) {
        const char *a = argv[i];

        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--version")) {
            printf("lifeboat %s\n", LIFEBOAT_VERSION);
            return 0;
        } else if (!strcmp(a, "-c")) {
            if (i + 1 >= argc)
                return cli_usage(NULL, "-c needs a FILE");
            cli.config_path = argv[++i];
        } else if (!strncmp(a, "-c", 2) && a[2]) {
            cli.config_path = a + 2;
        } else if (!strcmp(a, "--json")) {
            cli.json = true;
        } else if (a[0] == '-') {
            return cli_usage(NULL, "unknown option '%s'", a);
        } else {
            break;
        }
    }

    http_global_init();
    log_open(NULL);
    if (i >= argc) {
        rc = cmd_console(&cli, 0, NULL);
    } else {
        const struct cli_command *cmd = NULL;

        for (size_t k = 0; k < sizeof(commands) / sizeof(commands[0]); k++)
            if (!strcmp(argv[i], commands[k].name))
                cmd = &commands[k];
        for (size_t k = 0; k < sizeof(hidden_commands) / sizeof(hidden_commands[0]); k++)
            if (!strcmp(argv[i], hidden_commands[k].name))
                cmd = &hidden_commands[k];
        if (!cmd) {
            rc = cli_usage(NULL, "unknown command '%s'", argv[i]);
        } else if (cli_has_flag(argc - i, argv + i, "--help") ||
                   cli_has_flag(argc - i, argv + i, "-h")) {
            printf("usage: lifeboat %s %s\n  %s\n", cmd->name, cmd->args, cmd->help);
            rc = 0;
        } else {
            rc = cmd->run(&cli, argc - i, argv + i);
        }
    }
    log_close();
    http_global_cleanup();
    return rc;
}
