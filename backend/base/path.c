#include "backend/base/path.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "backend/base/xalloc.h"

int path_mkdirs(const char *path, unsigned mode)
{
    char *p = xstrdup(path);
    int rc = 0;

    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0755) < 0 && errno != EEXIST) {
            rc = -1;
            break;
        }
        *s = '/';
    }
    if (!rc && mkdir(p, (mode_t)mode) < 0 && errno != EEXIST)
        rc = -1;
    free(p);
    return rc;
}

static const char *xdg_dir(char **cache, const char *env, const char *fallback, bool create)
{
    if (!*cache) {
        const char *base = getenv(env);
        const char *home = getenv("HOME");

        if (base && *base == '/')
            *cache = xasprintf("%s/lifeboat", base);
        else if (home && *home)
            *cache = xasprintf("%s/%s/lifeboat", home, fallback);
        else
            *cache = xstrdup("/tmp/lifeboat");
    }
    if (create && path_mkdirs(*cache, 0700) < 0)
        return NULL;
    return *cache;
}

const char *path_state_dir(bool create)
{
    static char *dir;

    return xdg_dir(&dir, "XDG_STATE_HOME", ".local/state", create);
}

const char *path_config_dir(bool create)
{
    static char *dir;

    return xdg_dir(&dir, "XDG_CONFIG_HOME", ".config", create);
}
