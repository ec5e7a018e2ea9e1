/* `lifeboat timers install [--dir D]`: systemd service + timer units for the configured jobs. */
#include "cli/cli.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/base/path.h"
#include "backend/base/xalloc.h"
#include "backend/config.h"
#include "backend/timers.h"

int cmd_timers(struct cli *cli, int argc, char **argv)
{
    const char *dir = NULL;
    char *default_dir = NULL, *program = NULL, *config_abs = NULL;
    struct vec written = VEC_INIT(free);
    struct lb_err err = { 0 };
    struct config *cfg;
    bool user = geteuid() != 0;
    int rc = EXIT_OK_;
    size_t i;
    const char *p;

    if (argc < 2 || strcmp(argv[1], "install"))
        return cli_usage("timers", "say 'lifeboat timers install [--dir D]'");
    for (int k = 2; k < argc; k++) {
        if (!strcmp(argv[k], "--dir") && k + 1 < argc)
            dir = argv[++k];
        else
            return cli_usage("timers", "unknown argument '%s'", argv[k]);
    }
    if (!(cfg = cli_load_config(cli, true)))
        return EXIT_CONFIG;
    if (!dir) {
        if (user) {
            const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");

            default_dir = xdg && *xdg ? xasprintf("%s/systemd/user", xdg)
                                      : xasprintf("%s/.config/systemd/user", home ? home : ".");
        } else {
            default_dir = xstrdup("/etc/systemd/system");
        }
        dir = default_dir;
    }
    program = realpath("/proc/self/exe", NULL);
    config_abs = realpath(cfg->path, NULL);
    if (!program || !config_abs) {
        cli_error("cannot find the absolute path of %s", program ? cfg->path : "lifeboat itself");
        rc = EXIT_FAIL;
        goto out;
    }
    free(cfg->path);
    cfg->path = xstrdup(config_abs);
    if (timers_install(cfg, dir, program, &written, &err) < 0) {
        cli_error("%s", err.msg);
        rc = err.code == LB_ECONFIG ? EXIT_CONFIG : EXIT_FAIL;
        goto out;
    }
    vec_foreach(&written, i, p) {
        printf("wrote %s\n", p);
    }
    printf("\nenable them with:\n  systemctl %sdaemon-reload\n  systemctl %senable --now", user ? "--user " : "",
           user ? "--user " : "");
    for (i = 0; i < cfg->jobs.len; i++)
        printf(" lifeboat-%s.timer", ((struct job_cfg *)cfg->jobs.items[i])->name);
    printf("\nand see them with: systemctl %slist-timers 'lifeboat-*'\n", user ? "--user " : "");
out:
    vec_release(&written);
    free(default_dir);
    free(program);
    free(config_abs);
    config_free(cfg);
    return rc;
}
