#ifndef LIFEBOAT_BACKEND_TREE_RM_H
#define LIFEBOAT_BACKEND_TREE_RM_H

#include <stddef.h>

#include "backend/base/err.h"

/*
 * Remove a directory tree through the loop, a bounded chunk of entries per
 * loop turn, so the screen keeps answering while a restore of many thousand
 * files goes away (drills_remove_tree() in drills.h is the synchronous one,
 * for when nothing is on screen).
 *
 * No symlink is followed (a link is removed as a link, the root included)
 * and no other file system is entered (a mount point inside the tree stays,
 * with what is mounted on it, and is reported). Read-only directories (as
 * restic restores them) are made writable before their entries go. An entry
 * that is gone already (ENOENT) is not an error. On an error the walk goes
 * on removing what it can; the first error (path and errno) is reported at
 * the end.
 *
 * One directory's listing is read in one go (fts(3)): the chunk bounds the
 * entries removed per turn, not the size of a single directory read.
 */

struct loop;
struct tree_rm;

/*
 * rc is 0 when the tree is gone, else -errno of the first failure and
 * failed_path names its entry (borrowed, valid during the call; NULL when
 * rc is 0).
 */
typedef void (*tree_rm_done_cb)(int rc, const char *failed_path, void *arg);

/*
 * Start removing path (new; freed by the module right after done returns,
 * or by tree_rm_cancel before). done is always called from the loop, never
 * from inside tree_rm_start: a missing path is done on the first turn, rc 0.
 * NULL with err when the walk cannot start.
 */
struct tree_rm *tree_rm_start(struct loop *loop, const char *path, tree_rm_done_cb done, void *arg,
                              struct lb_err *err);

/* Stop and free without calling done (teardown). What was removed stays removed. NULL: no-op. */
void tree_rm_cancel(struct tree_rm *rm);

/* Entries removed so far. */
size_t tree_rm_removed(const struct tree_rm *rm);

#endif
