/*
 * `lifeboat restore files ...` and `lifeboat restore guest ...`: real
 * restores (cmd_restore_files.c, cmd_restore_guest.c). This file only picks
 * the kind.
 */
#include <string.h>

#include "cli/cli.h"

int cmd_restore(struct cli *cli, int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "files"))
        return cmd_restore_files(cli, argc - 1, argv + 1);
    if (argc >= 2 && !strcmp(argv[1], "guest"))
        return cmd_restore_guest(cli, argc - 1, argv + 1);
    return cli_usage("restore", "say what to restore: 'files REPO [SNAPSHOT]' or 'guest VMID'");
}
