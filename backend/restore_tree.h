#ifndef LIFEBOAT_BACKEND_RESTORE_TREE_H
#define LIFEBOAT_BACKEND_RESTORE_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "backend/base/err.h"
#include "backend/base/vec.h"

/*
 * A restic snapshot's file tree, built from `restic ls --json SNAPSHOT`
 * (restic 0.14: one JSON object a line, first the snapshot with
 * "struct_type":"snapshot", then one "node" a line with name, type, path,
 * size (files), mode, mtime...; 0.17+ says "message_type" instead). Lines may
 * come in any order: missing parent directories are made up as plain
 * directories and completed when their own line arrives.
 *
 * Paths are kept exactly as restic printed them (they name the files to
 * restore); every node also has a sanitized copy of its name for display.
 * Lines that are not JSON, name a relative path or one with "." or ".."
 * components are skipped (counted in `skipped`). Pure: no I/O.
 */

enum rtree_type { RT_DIR, RT_FILE, RT_SYMLINK, RT_OTHER };

struct rtree_node {
    char *path;  /* absolute path in the snapshot, as restic printed it ("/" for the root) */
    char *name;  /* last component, as printed ("" for the root) */
    char *shown; /* name with control characters replaced, for the screen */
    enum rtree_type type;
    uint64_t size;  /* a file's size; a directory: the sum of every file below (rtree_finish) */
    uint64_t files; /* a directory: how many files below (rtree_finish); a file: 1 */
    time_t mtime;   /* 0 unknown */
    long mtime_ns;
    unsigned perm; /* permission bits (mode & 07777) */
    bool listed;   /* its own line was seen (false: made up as a parent) */
    struct rtree_node *parent;
    struct vec children; /* struct rtree_node * (owned through the tree), sorted by rtree_finish */
};

struct rtree {
    struct rtree_node *root;
    bool snapshot_seen;
    char snapshot_id[65];
    time_t snapshot_time; /* 0 unknown */
    char hostname[128];   /* sanitized */
    struct vec paths;     /* char *: the snapshot's backed-up paths (sanitized) */
    size_t nodes;         /* nodes besides the root */
    size_t skipped;       /* lines skipped as unusable */
    size_t max_nodes;     /* refuse more (default 4 million) */
    /* private: path -> node index */
    struct rtree_node **slots;
    size_t nslots;
};

/* A new empty tree (root "/"). */
struct rtree *rtree_new(void);
void rtree_free(struct rtree *t);

/*
 * Feed one line of `restic ls --json`. 0 (used or skipped), or -LB_ETOOBIG
 * with err when the tree holds max_nodes already.
 */
int rtree_feed(struct rtree *t, const char *line, size_t len, struct lb_err *err);
/* After the last line: sort every directory (directories first, then by name) and sum sizes. */
void rtree_finish(struct rtree *t);
/* Parse a whole `restic ls --json` output (new tree in *out). 0 or negative with err. */
int rtree_parse(const char *text, size_t len, struct rtree **out, struct lb_err *err);

/* The node at path ("/srv/x", trailing '/' ignored), or NULL. Borrowed. */
struct rtree_node *rtree_find(const struct rtree *t, const char *path);
/* Is node a or one of its ancestors equal to b? */
bool rtree_within(const struct rtree_node *a, const struct rtree_node *b);

/*
 * Every file, symlink and other non-directory at or below node, in tree order
 * (after rtree_finish), pushed to out (borrowed pointers).
 */
void rtree_collect(struct rtree_node *node, struct vec *out);

#endif
