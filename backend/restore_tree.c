/*
 * A snapshot's file tree from `restic ls --json` (see restore_tree.h). Nodes
 * are found by path through an open-addressing index, so a listing of
 * millions of files in any order builds in linear time.
 */
#include "backend/restore_tree.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "backend/base/clock.h"
#include "backend/base/str.h"
#include "backend/base/xalloc.h"

#define PATH_MAX_LEN  4096
#define MAX_NODES_DEF ((size_t)4 << 20)

static void node_free(void *p);

static struct rtree_node *node_new(const char *path, size_t len, struct rtree_node *parent)
{
    struct rtree_node *n = xcalloc(1, sizeof(*n));
    const char *slash;

    n->path = xstrndup(path, len);
    slash = strrchr(n->path, '/');
    n->name = xstrdup(slash ? slash + 1 : n->path);
    n->shown = xstrdup(n->name);
    str_sanitize(n->shown);
    n->type = RT_DIR;
    n->parent = parent;
    vec_init(&n->children, node_free);
    return n;
}

static void node_free(void *p)
{
    struct rtree_node *n = p;

    if (!n)
        return;
    vec_release(&n->children);
    free(n->path);
    free(n->name);
    free(n->shown);
    free(n);
}

/* ---- the path index ---- */

static uint64_t hash(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ULL;

    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static struct rtree_node **slot_of(const struct rtree *t, const char *path, size_t len)
{
    size_t i = (size_t)hash(path, len) & (t->nslots - 1);

    for (;;) {
        struct rtree_node *n = t->slots[i];

        if (!n || (strlen(n->path) == len && !memcmp(n->path, path, len)))
            return &t->slots[i];
        i = (i + 1) & (t->nslots - 1);
    }
}

static void index_add(struct rtree *t, struct rtree_node *n)
{
    if ((t->nodes + 2) * 2 > t->nslots) {
        struct rtree_node **old = t->slots;
        size_t oldn = t->nslots;

        t->nslots = oldn * 2;
        t->slots = xcalloc(t->nslots, sizeof(*t->slots));
        for (size_t i = 0; i < oldn; i++)
            if (old[i])
                *slot_of(t, old[i]->path, strlen(old[i]->path)) = old[i];
        free(old);
    }
    *slot_of(t, n->path, strlen(n->path)) = n;
}

static struct rtree_node *lookup(const struct rtree *t, const char *path, size_t len)
{
    if (len == 1 && path[0] == '/')
        return t->root;
    return *slot_of(t, path, len);
}

struct rtree *rtree_new(void)
{
    struct rtree *t = xcalloc(1, sizeof(*t));

    t->root = node_new("/", 1, NULL);
    free(t->root->name);
    t->root->name = xstrdup("");
    t->root->shown[0] = '\0';
    t->root->listed = true;
    vec_init(&t->paths, free);
    t->max_nodes = MAX_NODES_DEF;
    t->nslots = 64;
    t->slots = xcalloc(t->nslots, sizeof(*t->slots));
    return t;
}

void rtree_free(struct rtree *t)
{
    if (!t)
        return;
    node_free(t->root);
    vec_release(&t->paths);
    free(t->slots);
    free(t);
}

/*
 * Normalise an absolute path into out: repeated and trailing slashes
 * dropped. false for a relative path, "." or ".." components, or too long.
 */
static bool normalise(const char *in, char *out, size_t n, size_t *outlen)
{
    size_t o = 0;
    const char *p = in;

    if (!in || in[0] != '/')
        return false;
    while (*p) {
        const char *s;
        size_t len;

        while (*p == '/')
            p++;
        if (!*p)
            break;
        s = p;
        while (*p && *p != '/')
            p++;
        len = (size_t)(p - s);
        if ((len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'))
            return false;
        if (o + 1 + len + 1 > n)
            return false;
        out[o++] = '/';
        memcpy(out + o, s, len);
        o += len;
    }
    if (o == 0)
        out[o++] = '/';
    out[o] = '\0';
    *outlen = o;
    return true;
}

/* The directory at path (normalised), made up with its missing parents. NULL: a file is in the way.
 */
static struct rtree_node *ensure_dir(struct rtree *t, const char *path, size_t len)
{
    struct rtree_node *n = lookup(t, path, len), *parent;
    size_t plen;

    if (n)
        return n->type == RT_DIR ? n : NULL;
    plen = len;
    while (plen > 0 && path[plen - 1] != '/')
        plen--;
    parent = ensure_dir(t, path, plen > 1 ? plen - 1 : 1);
    if (!parent)
        return NULL;
    n = node_new(path, len, parent);
    vec_push(&parent->children, n);
    t->nodes++;
    index_add(t, n);
    return n;
}

static enum rtree_type type_of(const char *s)
{
    if (!s)
        return RT_OTHER;
    if (!strcmp(s, "dir"))
        return RT_DIR;
    if (!strcmp(s, "file"))
        return RT_FILE;
    if (!strcmp(s, "symlink"))
        return RT_SYMLINK;
    return RT_OTHER;
}

/* "...T..:..:..[.fraction]..." -> nanoseconds of the fraction. */
static long frac_ns(const char *s)
{
    const char *dot = strchr(s, '.');
    long ns = 0;
    int digits = 0;

    if (!dot || dot < strchr(s, 'T'))
        return 0;
    for (dot++; *dot >= '0' && *dot <= '9'; dot++) {
        if (digits < 9) {
            ns = ns * 10 + (*dot - '0');
            digits++;
        }
    }
    while (digits++ < 9)
        ns *= 10;
    return ns;
}

static void snapshot_line(struct rtree *t, json_t *j)
{
    const char *id = json_string_value(json_object_get(j, "id"));
    const char *tm = json_string_value(json_object_get(j, "time"));
    const char *host = json_string_value(json_object_get(j, "hostname"));
    json_t *paths = json_object_get(j, "paths"), *p;
    size_t i;
    int off;

    if (t->snapshot_seen) {
        t->skipped++;
        return;
    }
    t->snapshot_seen = true;
    if (id) {
        str_copy(t->snapshot_id, sizeof(t->snapshot_id), id);
        str_sanitize(t->snapshot_id);
    }
    if (!tm || clock_parse_rfc3339(tm, &t->snapshot_time, &off) < 0)
        t->snapshot_time = 0;
    if (host) {
        str_copy(t->hostname, sizeof(t->hostname), host);
        str_sanitize(t->hostname);
    }
    json_array_foreach(paths, i, p) {
        if (json_is_string(p) && t->paths.len < 1024) {
            char *s = xstrdup(json_string_value(p));

            str_sanitize(s);
            vec_push(&t->paths, s);
        }
    }
}

static int node_line(struct rtree *t, json_t *j, struct lb_err *err)
{
    const char *path = json_string_value(json_object_get(j, "path"));
    const char *tm = json_string_value(json_object_get(j, "mtime"));
    enum rtree_type type = type_of(json_string_value(json_object_get(j, "type")));
    json_int_t size = json_integer_value(json_object_get(j, "size"));
    json_int_t mode = json_integer_value(json_object_get(j, "mode"));
    char norm[PATH_MAX_LEN + 2];
    size_t len, plen;
    struct rtree_node *n, *parent;
    int off;

    if (!normalise(path, norm, sizeof(norm), &len) || len == 1) {
        t->skipped++;
        return 0;
    }
    n = lookup(t, norm, len);
    if (n) {
        /* a directory made up as a parent gets its own line now; anything else is a repeat */
        if (n->listed || (type != RT_DIR && n->children.len)) {
            t->skipped++;
            return 0;
        }
    } else {
        if (t->nodes >= t->max_nodes)
            return lb_err_set(err, LB_ETOOBIG,
                              "the snapshot lists more than %zu entries: too many to browse",
                              t->max_nodes);
        plen = len;
        while (plen > 0 && norm[plen - 1] != '/')
            plen--;
        parent = ensure_dir(t, norm, plen > 1 ? plen - 1 : 1);
        if (!parent) {
            t->skipped++; /* a file stands where its parent directory should be */
            return 0;
        }
        n = node_new(norm, len, parent);
        vec_push(&parent->children, n);
        t->nodes++;
        index_add(t, n);
    }
    n->listed = true;
    n->type = type;
    n->size = type == RT_FILE && size > 0 ? (uint64_t)size : 0;
    n->files = type == RT_DIR ? 0 : 1;
    n->perm = mode > 0 ? (unsigned)(mode & 0777) : 0;
    if (tm && clock_parse_rfc3339(tm, &n->mtime, &off) == 0)
        n->mtime_ns = frac_ns(tm);
    else
        n->mtime = 0;
    return 0;
}

int rtree_feed(struct rtree *t, const char *line, size_t len, struct lb_err *err)
{
    json_t *j = json_loadb(line, len, 0, NULL);
    const char *kind;
    int rc = 0;

    if (!j || !json_is_object(j)) {
        json_decref(j);
        t->skipped++;
        return 0;
    }
    kind = json_string_value(json_object_get(j, "struct_type"));
    if (!kind)
        kind = json_string_value(json_object_get(j, "message_type"));
    if (kind && !strcmp(kind, "snapshot"))
        snapshot_line(t, j);
    else if ((kind && !strcmp(kind, "node")) || (!kind && json_object_get(j, "path")))
        rc = node_line(t, j, err);
    else
        t->skipped++;
    json_decref(j);
    return rc;
}

static int cmp_nodes(const void *a, const void *b)
{
    const struct rtree_node *x = *(const struct rtree_node *const *)a;
    const struct rtree_node *y = *(const struct rtree_node *const *)b;

    if ((x->type == RT_DIR) != (y->type == RT_DIR))
        return x->type == RT_DIR ? -1 : 1;
    return strcmp(x->name, y->name);
}

static void finish_node(struct rtree_node *n)
{
    size_t i;
    struct rtree_node *c;

    if (n->type != RT_DIR)
        return;
    n->size = 0;
    n->files = 0;
    vec_sort(&n->children, cmp_nodes);
    vec_foreach(&n->children, i, c) {
        finish_node(c);
        n->size += c->size;
        n->files += c->files;
    }
}

void rtree_finish(struct rtree *t)
{
    finish_node(t->root);
}

int rtree_parse(const char *text, size_t len, struct rtree **out, struct lb_err *err)
{
    struct rtree *t = rtree_new();
    size_t i = 0;

    while (i < len) {
        const char *s = text + i, *nl = memchr(s, '\n', len - i);
        size_t n = nl ? (size_t)(nl - s) : len - i;

        int rc = rtree_feed(t, s, n, err);

        if (rc < 0) {
            rtree_free(t);
            *out = NULL;
            return rc;
        }
        i += n + 1;
    }
    rtree_finish(t);
    *out = t;
    return 0;
}

struct rtree_node *rtree_find(const struct rtree *t, const char *path)
{
    char norm[PATH_MAX_LEN + 2];
    size_t len;

    if (!normalise(path, norm, sizeof(norm), &len))
        return NULL;
    return lookup(t, norm, len);
}

bool rtree_within(const struct rtree_node *a, const struct rtree_node *b)
{
    for (; a; a = a->parent)
        if (a == b)
            return true;
    return false;
}

void rtree_collect(struct rtree_node *node, struct vec *out)
{
    size_t i;
    struct rtree_node *c;

    if (node->type != RT_DIR) {
        vec_push(out, node);
        return;
    }
    vec_foreach(&node->children, i, c)
        rtree_collect(c, out);
}
