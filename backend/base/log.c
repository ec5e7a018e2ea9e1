#include "backend/base/log.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend/base/path.h"
#include "backend/base/xalloc.h"

static int log_fd = -1;
static enum log_level log_max = LOG_INFO;

int log_open(const char *path)
{
    char *def = NULL;
    const char *lvl = getenv("LIFEBOAT_LOG_LEVEL");

    if (lvl && !strcmp(lvl, "debug"))
        log_max = LOG_DEBUG;
    if (log_fd >= 0)
        return 0;
    if (!path) {
        const char *dir = path_state_dir(true);

        if (!dir)
            return -1;
        def = xasprintf("%s/lifeboat.log", dir);
        path = def;
    }
    log_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    free(def);
    return log_fd >= 0 ? 0 : -1;
}

void log_close(void)
{
    if (log_fd >= 0)
        close(log_fd);
    log_fd = -1;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
    static const char *const names[] = { "error", "warn", "info", "debug" };
    char line[2048];
    struct tm tm;
    time_t now;
    va_list ap;
    int n, m;

    if (log_fd < 0 || level > log_max)
        return;
    now = time(NULL);
    localtime_r(&now, &tm);
    n = (int)strftime(line, sizeof(line), "%Y-%m-%d %H:%M:%S ", &tm);
    m = snprintf(line + n, sizeof(line) - (size_t)n, "[%d] %s: ", (int)getpid(), names[level]);
    n += m;
    va_start(ap, fmt);
    m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
    va_end(ap);
    if (m < 0)
        m = 0;
    n += m;
    if (n > (int)sizeof(line) - 2)
        n = (int)sizeof(line) - 2;
    for (int i = 0; i < n; i++)
        if ((unsigned char)line[i] < 0x20)
            line[i] = ' ';
    line[n++] = '\n';
    if (write(log_fd, line, (size_t)n) < 0) {
        /* a log that cannot be written is not worth dying for */
    }
}
