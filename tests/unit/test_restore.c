/*
 * Unit tests for backend/restore_tree.c: the tree built from real
 * `restic ls --json` output of restic 0.14 (tests/fixtures/restic/ls-0.14.json),
 * lines in another order, repeats and garbage, names sanitized for display
 * while paths stay exact, the node limit, restic --include escaping, and the
 * order of snapshots made within one second (the wizard lists newest first).
 * And backend/restore.c's preview of 30 000 files (from a stand-in restic that
 * prints their listing) made a chunk per loop turn: counts right, cancellable
 * in the middle, freed in the middle without a leak.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backend/base/buf.h"
#include "backend/base/path.h"
#include "backend/base/vec.h"
#include "backend/base/xalloc.h"
#include "backend/config.h"
#include "backend/drills.h"
#include "backend/loop.h"
#include "backend/restic.h"
#include "backend/restore.h"
#include "backend/restore_tree.h"

static char *fixture(const char *name, size_t *len)
{
    const char *top = getenv("TOP");
    char *path = xasprintf("%s/tests/fixtures/restic/%s", top && *top ? top : ".", name);
    FILE *f = fopen(path, "rb");
    struct buf b = BUF_INIT(0);
    char chunk[4096];
    size_t n;

    if (!f)
        fail_msg("cannot open fixture %s: %s", path, strerror(errno));
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        buf_append(&b, chunk, n);
    fclose(f);
    free(path);
    *len = b.len;
    return buf_detach(&b);
}

static struct rtree *parse_text(const char *text)
{
    struct rtree *t = NULL;
    struct lb_err err = { 0 };

    assert_int_equal(rtree_parse(text, strlen(text), &t, &err), 0);
    assert_non_null(t);
    return t;
}

static void test_fixture_tree(void **state)
{
    size_t len;
    char *text = fixture("ls-0.14.json", &len);
    struct rtree *t = NULL;
    struct lb_err err = { 0 };
    struct rtree_node *data, *n;
    static const char *const order[] = { "empty",
                                         "sub",
                                         "a.txt",
                                         "e\033[31mvil.txt",
                                         "link",
                                         "\xc3\xbc"
                                         "n\xc3\xaf"
                                         "code.txt" };

    (void)state;
    assert_int_equal(rtree_parse(text, len, &t, &err), 0);
    assert_true(t->snapshot_seen);
    assert_int_equal(strlen(t->snapshot_id), 64);
    assert_string_equal(t->hostname, "fixture-host");
    assert_int_equal(t->paths.len, 1);
    assert_string_equal(t->paths.items[0], "/tmp/fx/data");
    assert_true(t->snapshot_time > 1700000000);
    assert_int_equal(t->skipped, 0);

    data = rtree_find(t, "/tmp/fx/data");
    assert_non_null(data);
    assert_int_equal(data->type, RT_DIR);
    assert_true(data->listed);
    /* directories first, then names in byte order */
    assert_int_equal(data->children.len, 6);
    for (size_t i = 0; i < 6; i++)
        assert_string_equal(((struct rtree_node *)data->children.items[i])->name, order[i]);
    /* a directory's size is every file below it; files counts every non-directory */
    assert_int_equal(data->size, 6 + 5 + 1000 + 2 + 2);
    assert_int_equal(data->files, 6);
    assert_int_equal(t->root->size, data->size);

    n = rtree_find(t, "/tmp/fx/data/sub/b.bin");
    assert_non_null(n);
    assert_int_equal(n->type, RT_FILE);
    assert_int_equal(n->size, 1000);
    assert_int_equal(n->perm, 0644);
    assert_true(n->mtime > 1700000000);
    assert_ptr_equal(n->parent, rtree_find(t, "/tmp/fx/data/sub"));
    assert_int_equal(rtree_find(t, "/tmp/fx/data/link")->type, RT_SYMLINK);
    assert_int_equal(rtree_find(t, "/tmp/fx/data/empty")->files, 0);

    /* the escape sequence stays in the path (it names the file) but never reaches the screen */
    n = rtree_find(t, "/tmp/fx/data/e\033[31mvil.txt");
    assert_non_null(n);
    assert_null(strchr(n->shown, '\033'));
    assert_string_equal(n->shown, "e?[31mvil.txt");
    /* UTF-8 names are shown as they are */
    n = rtree_find(t, "/tmp/fx/data/\xc3\xbc"
                      "n\xc3\xaf"
                      "code.txt");
    assert_non_null(n);
    assert_string_equal(n->shown, n->name);

    /* lookups: trailing and repeated slashes; nothing for missing or ".." paths */
    assert_ptr_equal(rtree_find(t, "/tmp/fx/data/"), data);
    assert_ptr_equal(rtree_find(t, "//tmp//fx/data"), data);
    assert_ptr_equal(rtree_find(t, "/"), t->root);
    assert_null(rtree_find(t, "/tmp/fx/data/nope"));
    assert_null(rtree_find(t, "/tmp/fx/data/sub/../a.txt"));
    assert_null(rtree_find(t, "tmp/fx/data"));
    rtree_free(t);
    free(text);
}

static void test_collect(void **state)
{
    size_t len;
    char *text = fixture("ls-0.14.json", &len);
    struct rtree *t = NULL;
    struct lb_err err = { 0 };
    struct vec v = VEC_INIT(NULL);
    struct rtree_node *sub, *data;

    (void)state;
    assert_int_equal(rtree_parse(text, len, &t, &err), 0);
    sub = rtree_find(t, "/tmp/fx/data/sub");
    data = rtree_find(t, "/tmp/fx/data");
    rtree_collect(sub, &v);
    assert_int_equal(v.len, 2);
    /* tree order: a directory's subdirectories before its files */
    assert_string_equal(((struct rtree_node *)v.items[0])->path, "/tmp/fx/data/sub/deep/c.txt");
    assert_string_equal(((struct rtree_node *)v.items[1])->path, "/tmp/fx/data/sub/b.bin");
    assert_true(rtree_within(v.items[0], sub));
    assert_true(rtree_within(sub, data));
    assert_false(rtree_within(data, sub));
    vec_clear(&v);
    rtree_collect(rtree_find(t, "/tmp/fx/data/a.txt"), &v);
    assert_int_equal(v.len, 1);
    vec_clear(&v);
    rtree_collect(t->root, &v);
    assert_int_equal(v.len, 6);
    vec_release(&v);
    rtree_free(t);
    free(text);
}

/* Children before their parents, repeats, garbage, relative and ".." paths, a file in the way. */
static void test_out_of_order_and_garbage(void **state)
{
    struct rtree *t = parse_text(
        "{\"struct_type\":\"node\",\"type\":\"file\",\"path\":\"/a/b/c.txt\",\"name\":\"c.txt\","
        "\"size\":10,\"mtime\":\"2026-01-02T03:04:05.5Z\"}\n"
        "not json at all\n"
        "[1,2,3]\n"
        "{\"struct_type\":\"node\",\"type\":\"dir\",\"path\":\"/a/b\",\"name\":\"b\"}\n"
        "{\"struct_type\":\"node\",\"type\":\"dir\",\"path\":\"/a/b\",\"name\":\"b\"}\n"
        "{\"struct_type\":\"node\",\"type\":\"file\",\"path\":\"relative/x\",\"size\":5}\n"
        "{\"struct_type\":\"node\",\"type\":\"file\",\"path\":\"/a/../etc/passwd\",\"size\":5}\n"
        "{\"struct_type\":\"node\",\"type\":\"file\",\"path\":\"/a/b/c.txt/d\",\"size\":5}\n"
        "{\"struct_type\":\"node\",\"type\":\"file\",\"path\":\"/a/big\",\"size\":-4}\n"
        "{\"struct_type\":\"snapshot\",\"id\":\"abc\",\"time\":\"bad\"}\n"
        "{\"struct_type\":\"snapshot\",\"id\":\"second\"}\n"
        "{\"message_type\":\"node\",\"type\":\"file\",\"path\":\"/a/new\",\"size\":7}\n");
    struct rtree_node *a = rtree_find(t, "/a"), *b = rtree_find(t, "/a/b"), *c;

    (void)state;
    assert_true(t->snapshot_seen);
    assert_string_equal(t->snapshot_id, "abc");
    assert_int_equal(t->snapshot_time, 0);
    assert_non_null(a);
    assert_false(a->listed); /* made up as a parent, never listed itself */
    assert_true(b->listed);
    assert_int_equal(b->children.len, 1);
    c = rtree_find(t, "/a/b/c.txt");
    assert_int_equal(c->size, 10);
    assert_int_equal(c->mtime_ns, 500000000);
    assert_null(rtree_find(t, "/a/b/c.txt/d"));
    assert_null(rtree_find(t, "/etc/passwd"));
    assert_int_equal(rtree_find(t, "/a/big")->size, 0);
    assert_int_equal(rtree_find(t, "/a/new")->size, 7); /* restic 0.17+: message_type */
    assert_int_equal(a->size, 17);
    assert_int_equal(a->files, 3);
    /* not json, an array, the repeated dir, relative, "..", under a file, the second snapshot */
    assert_int_equal(t->skipped, 7);
    assert_int_equal(t->nodes, 5);
    rtree_free(t);
}

static void test_limit(void **state)
{
    struct rtree *t = rtree_new();
    struct lb_err err = { 0 };
    char line[128];
    int rc = 0, i;

    (void)state;
    t->max_nodes = 10;
    for (i = 0; i < 20 && rc == 0; i++) {
        snprintf(line, sizeof(line),
                 "{\"struct_type\":\"node\",\"type\":\"file\",\"path\":\"/f%d\",\"size\":1}", i);
        rc = rtree_feed(t, line, strlen(line), &err);
    }
    assert_int_equal(rc, -LB_ETOOBIG);
    assert_int_equal(i, 11);
    assert_non_null(strstr(err.msg, "more than 10"));
    rtree_free(t);
}

static void test_many_in_one_dir(void **state)
{
    struct rtree *t = rtree_new();
    struct lb_err err = { 0 };
    char line[128];

    (void)state;
    for (int i = 0; i < 5000; i++) {
        snprintf(line, sizeof(line),
                 "{\"struct_type\":\"node\",\"type\":\"file\",\"path\":\"/d/f%05d\",\"size\":2}",
                 4999 - i);
        assert_int_equal(rtree_feed(t, line, strlen(line), &err), 0);
    }
    rtree_finish(t);
    assert_int_equal(rtree_find(t, "/d")->files, 5000);
    assert_int_equal(rtree_find(t, "/d")->size, 10000);
    assert_string_equal(((struct rtree_node *)rtree_find(t, "/d")->children.items[0])->name,
                        "f00000");
    assert_non_null(rtree_find(t, "/d/f04321"));
    rtree_free(t);
}

static void test_include_pattern(void **state)
{
    char *p;

    (void)state;
    p = restore_include_pattern("/srv/plain dir/file.txt");
    assert_string_equal(p, "/srv/plain dir/file.txt");
    free(p);
    p = restore_include_pattern("/srv/st*r?[a]\\b");
    assert_string_equal(p, "/srv/st\\*r\\?\\[a]\\\\b");
    free(p);
}

/* restore files lists snapshots newest first: two made within one second keep their order */
static void test_snapshots_same_second(void **state)
{
    static const char json[] =
        "[{\"time\":\"2026-11-27T00:07:06.9Z\",\"tree\":\"t\",\"paths\":[\"/a\"],"
        "\"hostname\":\"newer\",\"id\":"
        "\"1111111111111111111111111111111111111111111111111111111111111111\"},"
        "{\"time\":\"2026-11-27T00:07:06.123456789Z\",\"tree\":\"t\",\"paths\":[\"/a\"],"
        "\"hostname\":\"older\",\"id\":"
        "\"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff\"}]";
    struct vec v = VEC_INIT(restic_snapshot_free);
    struct lb_err err = { 0 };
    const struct restic_snapshot *a, *b;

    (void)state;
    assert_int_equal(restic_parse_snapshots(json, strlen(json), &v, &err), 0);
    assert_int_equal(v.len, 2);
    a = v.items[0];
    b = v.items[1];
    assert_string_equal(a->hostname, "older"); /* oldest first, by the full time */
    assert_string_equal(b->hostname, "newer");
    assert_int_equal(a->time, b->time);
    assert_int_equal(a->time_ns, 123456789);
    assert_int_equal(b->time_ns, 900000000);
    vec_release(&v);
}


/* ---- the preview runs a chunk per loop turn (never blocks the screen) ---- */

#define MANY 30000

static void write_text(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    chmod(path, mode);
}

static void count_update(struct restore *r, void *arg)
{
    (void)r;
    (*(int *)arg)++;
}

static void test_preview_in_chunks(void **state)
{
    const char *tmp = getenv("TMPDIR");
    char *dir = xasprintf("%s/lb-restore-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    char *p, *dest;
    struct buf b = BUF_INIT(0);
    struct vec problems = VEC_INIT(free), paths = VEC_INIT(NULL);
    struct config *cfg;
    struct loop *loop;
    struct restore *r;
    const struct restore_view *v;
    struct lb_err err = { 0 };
    struct timespec ts[2] = { { 1767225600, 0 }, { 1767225600, 0 } }; /* 2026-01-01T00:00:00Z */
    int updates = 0, turns = 0;
    size_t done;

    (void)state;
    assert_non_null(mkdtemp(dir));
    /* hermetic: the restore lock lives in the state directory */
    p = xasprintf("%s/state", dir);
    setenv("XDG_STATE_HOME", p, 1);
    free(p);
    p = xasprintf("%s/cache", dir);
    setenv("XDG_CACHE_HOME", p, 1);
    free(p);
    /* `restic ls --json` of a snapshot of 30 000 small files, from a stand-in restic */
    buf_puts(&b,
             "{\"time\":\"2026-01-02T00:00:00Z\",\"tree\":\"ab\",\"paths\":[\"/src\"],"
             "\"hostname\":\"h\",\"id\":\"0123456789abcdef\",\"short_id\":\"01234567\","
             "\"struct_type\":\"snapshot\"}\n"
             "{\"name\":\"src\",\"type\":\"dir\",\"path\":\"/src\",\"struct_type\":\"node\"}\n");
    for (int d = 0; d < MANY / 1000; d++) {
        buf_printf(&b,
                   "{\"name\":\"d%02d\",\"type\":\"dir\",\"path\":\"/src/d%02d\","
                   "\"struct_type\":\"node\"}\n",
                   d, d);
        for (int f = 0; f < 1000; f++)
            buf_printf(&b,
                       "{\"name\":\"f%04d\",\"type\":\"file\",\"path\":\"/src/d%02d/f%04d\","
                       "\"size\":5,\"mtime\":\"2026-01-01T00:00:00Z\",\"struct_type\":\"node\"}\n",
                       f, d, f);
    }
    p = xasprintf("%s/ls.json", dir);
    write_text(p, buf_cstr(&b), 0600);
    free(p);
    buf_reset(&b);
    buf_printf(&b, "#!/bin/sh\nexec cat '%s/ls.json'\n", dir);
    p = xasprintf("%s/restic.sh", dir);
    write_text(p, buf_cstr(&b), 0700);
    setenv("LIFEBOAT_RESTIC", p, 1);
    free(p);
    p = xasprintf("%s/pass", dir);
    write_text(p, "pw\n", 0600);
    free(p);
    buf_reset(&b);
    buf_printf(&b, "[repo usb]\nurl = %s/repo\npassword_file = %s/pass\n\n", dir, dir);
    buf_printf(&b, "[drill]\nscratch = %s/scratch\n", dir);
    p = xasprintf("%s/lifeboat.conf", dir);
    write_text(p, buf_cstr(&b), 0600);
    cfg = config_load(p, false, &problems, &err);
    free(p);
    if (!cfg)
        print_message("config: %s\n", err.msg);
    assert_non_null(cfg);
    /* at the target: one file of another size, one identical (size and mtime) */
    dest = xasprintf("%s/dest", dir);
    p = xasprintf("%s/src/d07", dest);
    assert_int_equal(path_mkdirs(p, 0700), 0);
    free(p);
    p = xasprintf("%s/src/d07/f0001", dest);
    write_text(p, "abc", 0600);
    free(p);
    p = xasprintf("%s/src/d07/f0002", dest);
    write_text(p, "abcde", 0600);
    assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
    free(p);

    loop = loop_new();
    r = restore_new(loop, cfg, NULL, "usb", NULL, count_update, &updates, &err);
    if (!r)
        print_message("restore_new: %s\n", err.msg);
    assert_non_null(r);
    v = restore_view(r);
    assert_int_equal(restore_list(r, "latest", &err), 0);
    while (v->phase != RESTORE_IDLE)
        loop_run_once(loop, 100);
    assert_int_equal(v->error.code, 0);
    assert_int_equal(v->tree->root->files, MANY);

    {
        static char src[] = "/src";

        vec_push(&paths, src);
    }
    assert_int_equal(restore_plan(r, &paths, RESTORE_FOLDER, dest, &err), 0);
    /* nothing looked at yet: the screen gets the loop back first */
    assert_int_equal(v->phase, RESTORE_PREVIEW);
    assert_true(restore_busy(r));
    assert_int_equal(v->check_done, 0);
    assert_int_equal(v->check_total, MANY);
    loop_run_once(loop, 0);
    /* one turn, one chunk: a key read in the next turn is answered long before the end */
    assert_int_equal(v->phase, RESTORE_PREVIEW);
    assert_true(v->check_done > 0 && v->check_done < MANY);
    updates = 0;
    while (v->phase == RESTORE_PREVIEW) {
        done = v->check_done;
        loop_run_once(loop, 0);
        assert_true(v->check_done > done || v->phase != RESTORE_PREVIEW);
        turns++;
    }
    assert_true(turns >= 5);
    assert_true(updates >= turns); /* the wizard's "checking N of M" is told each turn */
    assert_int_equal(v->phase, RESTORE_IDLE);
    assert_true(v->planned);
    assert_int_equal(v->scope_files, MANY);
    assert_int_equal(v->n_overwrite, 1);
    assert_int_equal(v->n_identical, 1);
    assert_int_equal(v->n_create, MANY - 2);
    assert_true(restore_needs_confirm(r));

    /* Esc in the middle: cancelled, not planned, nothing more looked at */
    assert_int_equal(restore_plan(r, &paths, RESTORE_FOLDER, dest, &err), 0);
    loop_run_once(loop, 0);
    done = v->check_done;
    assert_true(done > 0 && done < MANY);
    restore_cancel(r);
    assert_int_equal(v->phase, RESTORE_IDLE);
    assert_false(v->planned);
    assert_false(restore_busy(r));
    assert_int_equal(v->error.code, LB_ECANCELLED);
    loop_run_once(loop, 0);
    assert_int_equal(v->phase, RESTORE_IDLE);
    assert_false(v->planned);

    /* closed in the middle of a preview: nothing leaks (LSan), nothing recorded */
    assert_int_equal(restore_plan(r, &paths, RESTORE_FOLDER, dest, &err), 0);
    loop_run_once(loop, 0);
    restore_free(r);
    loop_run_once(loop, 0);
    loop_free(loop);
    config_free(cfg);
    vec_release(&paths);
    vec_release(&problems);
    buf_release(&b);
    unsetenv("LIFEBOAT_RESTIC");
    assert_int_equal(drills_remove_tree(dir), 0);
    free(dest);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture_tree),
        cmocka_unit_test(test_collect),
        cmocka_unit_test(test_out_of_order_and_garbage),
        cmocka_unit_test(test_limit),
        cmocka_unit_test(test_many_in_one_dir),
        cmocka_unit_test(test_include_pattern),
        cmocka_unit_test(test_snapshots_same_second),
        cmocka_unit_test(test_preview_in_chunks),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
