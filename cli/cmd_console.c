/* `lifeboat` with no command: the console. */
#include "cli/cli.h"

#include <stdio.h>
#include <unistd.h>

#include "backend/app.h"
#include "backend/config.h"
#include "backend/loop.h"
#include "tui/tui.h"

int cli_run_console(struct loop *loop, struct config *cfg)
{
    struct app *app;
    int rc;

    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        config_free(cfg);
        cli_error("the console needs a terminal; in scripts use 'lifeboat status'");
        return EXIT_USAGE;
    }
    app = app_new(loop, cfg, NULL);
    rc = tui_run(app);
    app_free(app);
    return rc;
}

int cmd_console(struct cli *cli, int argc, char **argv)
{
    struct config *cfg;
    struct loop *loop;
    int rc;

    (void)argc;
    (void)argv;
    cfg = cli_load_config(cli, true);
    if (!cfg)
        return EXIT_CONFIG;
    loop = loop_new();
    rc = cli_run_console(loop, cfg);
    loop_free(loop);
    return rc;
}
