/* Named time zones: validity check and a scoped $TZ switch (see tzone.h). */
#include "backend/tzone.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backend/base/xalloc.h"

static bool name_ok(const char *name)
{
    const char *p;
    size_t comp = 0;

    if (!*name || *name == '/' || strlen(name) > 255)
        return false;
    for (p = name; *p; p++) {
        char c = *p;

        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '/' || c == '_' || c == '+' || c == '-'))
            return false;
        if (c == '/') {
            if (comp == 0)
                return false;
            comp = 0;
        } else {
            comp++;
        }
    }
    if (comp == 0)
        return false;
    return true;
}

bool tzone_valid(const char *name)
{
    const char *dir = getenv("TZDIR");
    char path[512];
    char magic[4];
    struct stat st;
    bool ok = false;
    int fd;

    if (!name || !name_ok(name))
        return false;
    if (!dir || !*dir)
        dir = "/usr/share/zoneinfo";
    if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
        return false;
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return false;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && read(fd, magic, 4) == 4 &&
        !memcmp(magic, "TZif", 4))
        ok = true;
    close(fd);
    return ok;
}

int tzone_push(const char *name, struct tzone_saved *saved)
{
    const char *old = getenv("TZ");
    char *val;
    int rc;

    saved->was_set = old != NULL;
    saved->old = old ? xstrdup(old) : NULL;
    val = xasprintf(":%s", name);
    rc = setenv("TZ", val, 1);
    free(val);
    tzset();
    return rc ? -1 : 0;
}

void tzone_pop(struct tzone_saved *saved)
{
    if (saved->was_set)
        setenv("TZ", saved->old, 1);
    else
        unsetenv("TZ");
    free(saved->old);
    saved->old = NULL;
    tzset();
}
