/*
 * The per-job run lock: flock(LOCK_EX | LOCK_NB) on a file in the state
 * directory, with the holder's PID written into it for "held by PID N".
 */
#include "backend/runlock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "backend/base/path.h"
#include "backend/base/str.h"
#include "backend/base/xalloc.h"

struct runlock {
    int fd;
    char *path;
};

/* The PID written in the file by its holder, 0 when unreadable. */
static int read_pid(int fd)
{
    char b[32];
    ssize_t n = pread(fd, b, sizeof(b) - 1, 0);
    int64_t pid;

    if (n <= 0)
        return 0;
    b[n] = '\0';
    b[strcspn(b, "\n")] = '\0';
    return str_to_i64(b, 1, INT32_MAX, &pid) == 0 ? (int)pid : 0;
}

int runlock_try(const char *dir, const char *job, struct runlock **out, int *holder_pid,
                struct lb_err *err)
{
    char *path;
    char pid[32];
    int fd, n;

    *out = NULL;
    if (holder_pid)
        *holder_pid = 0;
    if (!dir && !(dir = path_state_dir(true)))
        return lb_err_set(err, LB_EIO, "cannot create state directory %s: %s",
                          path_state_dir(false), strerror(errno));
    path = xasprintf("%s/run-%s.lock", dir, job);
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        int rc = lb_err_set(err, LB_EIO, "cannot open run lock %s: %s", path, strerror(errno));

        free(path);
        return rc;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        int e = errno, holder = read_pid(fd), rc;

        close(fd);
        if (e == EWOULDBLOCK) {
            if (holder_pid)
                *holder_pid = holder;
            if (holder)
                rc = lb_err_set(err, LB_EBUSY,
                                "job '%s' is already running (PID %d holds %s): wait for it, or "
                                "use --wait",
                                job, holder, path);
            else
                rc = lb_err_set(err, LB_EBUSY,
                                "job '%s' is already running (another process holds %s): wait "
                                "for it, or use --wait",
                                job, path);
        } else {
            rc = lb_err_set(err, LB_EIO, "cannot lock %s: %s", path, strerror(e));
        }
        free(path);
        return rc;
    }
    n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
    if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t)n, 0) != n) {
        int rc = lb_err_set(err, LB_EIO, "cannot write run lock %s: %s", path, strerror(errno));

        close(fd);
        free(path);
        return rc;
    }
    *out = xcalloc(1, sizeof(**out));
    (*out)->fd = fd;
    (*out)->path = path;
    return 0;
}

void runlock_release(struct runlock *lock)
{
    if (!lock)
        return;
    /* the PID goes first, so a reader never names a process that no longer holds it */
    if (ftruncate(lock->fd, 0) < 0) {
        /* nothing to do: the lock goes with the descriptor anyway */
    }
    close(lock->fd);
    free(lock->path);
    free(lock);
}

const char *runlock_path(const struct runlock *lock)
{
    return lock->path;
}
