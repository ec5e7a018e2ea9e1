/* PLACEHOLDER: replaced by the real implementation of 'lifeboat demo'. */
#include "cli/cli.h"

int cmd_demo(struct cli *cli, int argc, char **argv)
{
    (void)cli;
    (void)argc;
    (void)argv;
    cli_error("demo: not built yet");
    return EXIT_FAIL;
}
