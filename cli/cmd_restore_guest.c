/* PLACEHOLDER: replaced by the real 'lifeboat restore guest' in this session. */
#include "cli/cli.h"

int cmd_restore_guest(struct cli *cli, int argc, char **argv)
{
    (void)cli;
    (void)argc;
    (void)argv;
    cli_error("restore guest: not built yet");
    return 2;
}
