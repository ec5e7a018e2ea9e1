#ifndef LIFEBOAT_CLI_CLI_H
#define LIFEBOAT_CLI_CLI_H

#include <stdbool.h>

#include "backend/base/err.h"

/* Exit codes (DESIGN.md §2). */
enum {
    EXIT_OK_ = 0,
    EXIT_WARN = 1,
    EXIT_FAIL = 2,
    EXIT_USAGE = 64,
    EXIT_CONFIG = 78,
};

struct config;

/* Global options, parsed before the subcommand. */
struct cli {
    const char *config_path; /* -c FILE, or NULL */
    bool json;               /* --json given before the subcommand */
    const char *progname;
};

/*
 * A subcommand gets argc/argv starting at its own name (argv[0] = "status").
 * It returns the process exit code.
 */
struct cli_command {
    const char *name;
    const char *args;  /* usage after the name, for --help */
    const char *help;  /* one line */
    int (*run)(struct cli *cli, int argc, char **argv);
};

int cmd_console(struct cli *cli, int argc, char **argv);
int cmd_status(struct cli *cli, int argc, char **argv);
int cmd_config(struct cli *cli, int argc, char **argv);
int cmd_demo(struct cli *cli, int argc, char **argv);
int cmd_calendar(struct cli *cli, int argc, char **argv);
int cmd_retention(struct cli *cli, int argc, char **argv);
int cmd_smart(struct cli *cli, int argc, char **argv);
int cmd_schedule(struct cli *cli, int argc, char **argv);
int cmd_guests(struct cli *cli, int argc, char **argv);
int cmd_run(struct cli *cli, int argc, char **argv);
int cmd_history(struct cli *cli, int argc, char **argv);
int cmd_timers(struct cli *cli, int argc, char **argv);

/* "lifeboat: " + message on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Usage error: message + hint to --help; returns EXIT_USAGE. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Load the config for a command: prints every problem ("FILE:LINE: msg") and
 * returns NULL on failure (exit with EXIT_CONFIG then).
 */
struct config *cli_load_config(struct cli *cli, bool check_perms);

struct loop;

/*
 * Open the console on cfg (ownership passes) with loop (borrowed; it may
 * already hold jobs of the caller, like the demo's rclone). Needs a terminal.
 * Returns the exit code.
 */
int cli_run_console(struct loop *loop, struct config *cfg);

/*
 * config check of one Proxmox endpoint (cli/proxmox_check.c): report(ok, what,
 * message) once per finding (certificate vs pin, API and token, datastore).
 * product: PMX_PVE or PMX_PBS (backend/proxmox_model.h); datastore NULL for PVE.
 */
void cli_check_proxmox(int product, const char *name, const char *url, const char *token_file,
                       const char *pin, const char *datastore,
                       void (*report)(bool ok, const char *what, const char *msg, void *arg),
                       void *arg);

/* Does argv hold flag (e.g. "--json")? Also true when cli->json. */
bool cli_has_flag(int argc, char **argv, const char *flag);

#endif
