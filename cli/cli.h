#ifndef LIFEBOAT_CLI_CLI_H
#define LIFEBOAT_CLI_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

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
int cmd_drill(struct cli *cli, int argc, char **argv);
int cmd_drills(struct cli *cli, int argc, char **argv);
int cmd_alerts(struct cli *cli, int argc, char **argv);
int cmd_metrics(struct cli *cli, int argc, char **argv);
int cmd_checklist(struct cli *cli, int argc, char **argv);
int cmd_keys(struct cli *cli, int argc, char **argv);
int cmd_restore(struct cli *cli, int argc, char **argv);
int cmd_restore_files(struct cli *cli, int argc, char **argv); /* lifeboat restore files */
int cmd_restore_guest(struct cli *cli, int argc, char **argv); /* lifeboat restore guest */
int cmd_tasks(struct cli *cli, int argc, char **argv);
int cmd_notify_helper(struct cli *cli, int argc, char **argv); /* hidden: lifeboat __notify */

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

struct app;
struct store_alert;
struct json_t;
/*
 * Alerts (cli/cmd_alerts.c): evaluate the rules on app's model (refreshed by
 * the caller) at now, update the alert store and notify through the
 * configured channels, waiting for the sends. quiet: failures only logged.
 */
int cli_alerts_evaluate(struct loop *loop, struct app *app, time_t now, bool quiet);
/*
 * The Prometheus exposition of app's model at now written to out (temp
 * file and rename), or stdout when out is NULL. 0, or -1 after saying why.
 */
int cli_metrics_write(const struct app *app, time_t now, const char *out);
/* One stored alert as `alerts --json` and `status --json` show it (new). */
struct json_t *cli_alert_json(const struct store_alert *a);
/*
 * After `lifeboat run JOB` (cli/cmd_run.c): healthchecks finish ping with the
 * log tail of run_id, a refresh of the model, the rules and notifications.
 * cfg_path: the config the run used.
 */
void cli_alerts_after_run(const char *cfg_path, const char *job, int64_t run_id,
                          int outcome_exit);
/*
 * Healthchecks /start ping of job as its run starts, on the run's loop
 * without waiting: returns the http to free (http_free) after the run, or
 * NULL when nothing was sent (not configured).
 */
struct http;
struct http *cli_alerts_run_start(struct loop *loop, const struct config *cfg, const char *job);

/* Does argv hold flag (e.g. "--json")? Also true when cli->json. */
bool cli_has_flag(int argc, char **argv, const char *flag);

#endif
