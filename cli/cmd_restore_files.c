/* PLACEHOLDER: replaced by the real 'lifeboat restore files' in this session. */
#include "cli/cli.h"

int cmd_restore_files(struct cli *cli, int argc, char **argv)
{
    (void)cli;
    (void)argc;
    (void)argv;
    cli_error("restore files: not built yet");
    return 2;
}
