/* PLACEHOLDER: replaced by the real 'lifeboat tasks' in this session. */
#include "cli/cli.h"

int cmd_tasks(struct cli *cli, int argc, char **argv)
{
    (void)cli;
    (void)argc;
    (void)argv;
    cli_error("tasks: not built yet");
    return 2;
}
