/* PLACEHOLDER: replaced by the real implementation of 'lifeboat calendar'. */
#include "cli/cli.h"

int cmd_calendar(struct cli *cli, int argc, char **argv)
{
    (void)cli;
    (void)argc;
    (void)argv;
    cli_error("calendar: not built yet");
    return EXIT_FAIL;
}
