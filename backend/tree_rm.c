/*
 * Removing a tree a chunk per loop turn (see tree_rm.h): one fts(3) walk,
 * physical (no symlink followed), on one device, without chdir (the process
 * keeps its working directory: nothing else in lifeboat is disturbed).
 * Directories are opened up (0700) when first seen, before fts reads them,
 * and removed when seen again after their entries (post-order).
 */
#include "backend/tree_rm.h"

#include <errno.h>
#include <fts.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "backend/base/xalloc.h"
#include "backend/loop.h"

#define TREE_RM_CHUNK 2000 /* entries handled per loop turn */

struct tree_rm {
    struct loop *loop;
    FTS *fts;
    char *path;
    tree_rm_done_cb done;
    void *arg;
    uint64_t timer;
    dev_t dev; /* the root's file system */
    bool dev_seen;
    size_t removed;
    int first_errno; /* 0: no failure yet */
    char *first_path;
};

static void keep_error(struct tree_rm *rm, const char *path, int e)
{
    if (e == ENOENT || rm->first_errno)
        return;
    rm->first_errno = e;
    rm->first_path = xstrdup(path);
}

/* One entry of the walk. */
static void handle(struct tree_rm *rm, FTSENT *p)
{
    switch (p->fts_info) {
    case FTS_D:
        if (p->fts_level == FTS_ROOTLEVEL) {
            rm->dev = p->fts_statp->st_dev;
            rm->dev_seen = true;
        }
        /* restored directories may be read-only: open them up before their entries go */
        if (rm->dev_seen && p->fts_statp->st_dev == rm->dev && chmod(p->fts_accpath, 0700) < 0)
            keep_error(rm, p->fts_path, errno);
        break;
    case FTS_DP:
        /* entries first, then the directory (a mount point stays: EBUSY, reported) */
        if (rmdir(p->fts_accpath) < 0)
            keep_error(rm, p->fts_path, errno);
        else
            rm->removed++;
        break;
    case FTS_DNR: /* unreadable or replaced while the walk ran: try the directory itself */
        keep_error(rm, p->fts_path, p->fts_errno);
        if (rmdir(p->fts_accpath) < 0)
            keep_error(rm, p->fts_path, errno);
        else
            rm->removed++;
        break;
    case FTS_ERR:
    case FTS_NS:
        keep_error(rm, p->fts_path, p->fts_errno);
        break;
    case FTS_DC:
        keep_error(rm, p->fts_path, ELOOP);
        break;
    default: /* FTS_F, FTS_SL, FTS_SLNONE, FTS_DEFAULT: files, links, devices, sockets */
        if (unlink(p->fts_accpath) < 0)
            keep_error(rm, p->fts_path, errno);
        else
            rm->removed++;
        break;
    }
}

static void rm_free(struct tree_rm *rm)
{
    if (rm->timer)
        loop_cancel_timer(rm->loop, rm->timer);
    if (rm->fts)
        fts_close(rm->fts);
    free(rm->path);
    free(rm->first_path);
    free(rm);
}

static void step(struct loop *loop, void *arg)
{
    struct tree_rm *rm = arg;
    FTSENT *p;
    int n;

    rm->timer = 0;
    for (n = 0; n < TREE_RM_CHUNK; n++) {
        errno = 0;
        p = fts_read(rm->fts);
        if (!p) {
            if (errno)
                keep_error(rm, rm->path, errno);
            /* the walk is over: report, then let go */
            rm->done(rm->first_errno ? -rm->first_errno : 0, rm->first_path, rm->arg);
            rm_free(rm);
            return;
        }
        handle(rm, p);
    }
    rm->timer = loop_add_timer(loop, 0, step, rm);
}

struct tree_rm *tree_rm_start(struct loop *loop, const char *path, tree_rm_done_cb done, void *arg,
                              struct lb_err *err)
{
    struct tree_rm *rm;
    char *paths[2];

    if (!path || !*path) {
        lb_err_set(err, LB_EUSAGE, "no directory given to remove");
        return NULL;
    }
    rm = xcalloc(1, sizeof(*rm));
    rm->loop = loop;
    rm->path = xstrdup(path);
    rm->done = done;
    rm->arg = arg;
    paths[0] = rm->path;
    paths[1] = NULL;
    /* a missing root comes back as FTS_NS with ENOENT on the first turn: done, rc 0 */
    rm->fts = fts_open(paths, FTS_PHYSICAL | FTS_XDEV | FTS_NOCHDIR, NULL);
    if (!rm->fts) {
        lb_err_set(err, LB_EIO, "cannot remove %s: %s", path, strerror(errno));
        rm_free(rm);
        return NULL;
    }
    rm->timer = loop_add_timer(loop, 0, step, rm);
    return rm;
}

void tree_rm_cancel(struct tree_rm *rm)
{
    if (rm)
        rm_free(rm);
}

size_t tree_rm_removed(const struct tree_rm *rm)
{
    return rm->removed;
}
