/* PLACEHOLDER: replaced by the real implementation of 'lifeboat config'. */
#include "cli/cli.h"

int cmd_config(struct cli *cli, int argc, char **argv)
{
    (void)cli;
    (void)argc;
    (void)argv;
    cli_error("config: not built yet");
    return EXIT_FAIL;
}
