/* PLACEHOLDER: replaced by the real implementation of 'lifeboat retention'. */
#include "cli/cli.h"

int cmd_retention(struct cli *cli, int argc, char **argv)
{
    (void)cli;
    (void)argc;
    (void)argv;
    cli_error("retention: not built yet");
    return EXIT_FAIL;
}
