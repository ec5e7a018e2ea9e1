/*
 * libFuzzer target for the `restic ls --json` parser behind restore files
 * (backend/restore_tree.c): any bytes in, never a crash, a leak or undefined
 * behaviour; and the tree it builds stays consistent: every node is found
 * again by its path, lies below its parent, the root's file count is the
 * number of non-directories collected below it, and no shown name holds a
 * control character.
 *
 * fuzz-sources: backend/restore_tree.c
 * fuzz-pkgs: jansson
 * fuzz-seeds: tests/fixtures/restic
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backend/base/vec.h"
#include "backend/restore_tree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_node(const struct rtree *t, const struct rtree_node *n)
{
    size_t i;
    const struct rtree_node *c;

    if (rtree_find(t, n->path) != n)
        abort();
    for (const unsigned char *p = (const unsigned char *)n->shown; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            abort();
    vec_foreach(&n->children, i, c) {
        if (c->parent != n || n->type != RT_DIR)
            abort();
        check_node(t, c);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rtree *t = NULL;
    struct lb_err err = { 0 };
    struct vec all = VEC_INIT(NULL);

    if (rtree_parse((const char *)data, size, &t, &err) < 0)
        return 0;
    check_node(t, t->root);
    rtree_collect(t->root, &all);
    if (all.len != t->root->files)
        abort();
    vec_release(&all);
    rtree_free(t);
    return 0;
}
