#ifndef LIFEBOAT_BACKEND_BASE_PATH_H
#define LIFEBOAT_BACKEND_BASE_PATH_H

#include <stdbool.h>

/*
 * lifeboat's directories. Borrowed strings, valid for the process lifetime.
 * With create, the directory is made (mode 0700, parents as needed); NULL if
 * that fails.
 *   state:  $XDG_STATE_HOME/lifeboat  (else ~/.local/state/lifeboat)
 *   config: $XDG_CONFIG_HOME/lifeboat (else ~/.config/lifeboat)
 */
const char *path_state_dir(bool create);
const char *path_config_dir(bool create);

/* mkdir -p with mode for the last component. 0 or -1 (errno set). */
int path_mkdirs(const char *path, unsigned mode);

#endif
