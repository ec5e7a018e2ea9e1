/*
 * Unit tests for backend/tree_rm.c on real files in a mkdtemp directory,
 * driven by a real loop: thousands of files in nested read-only directories
 * go away completely over several loop turns (other timers ran between the
 * chunks); a symlink is removed as a link and its target survives; a
 * missing path is done on the first turn; a mount point inside the tree is
 * neither entered nor removed and is reported (needs a private mount
 * namespace, else skipped); directories replaced by files while the walk
 * runs are reported and the rest is removed; cancel in the middle calls
 * nothing and frees everything (LSan in the asan build).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "backend/base/xalloc.h"
#include "backend/drills.h"
#include "backend/loop.h"
#include "backend/tree_rm.h"
#include "tests/unit/file_fixture.h"

struct fx {
    char dir[256];
    struct loop *loop;
    /* what done reported */
    int calls;
    int rc;
    char failed[512];
    /* a timer re-armed each turn: did the loop go on answering? */
    uint64_t ticker;
    int ticks;
    int ticks_at_done;
};

static int setup(void **state)
{
    struct fx *fx = xcalloc(1, sizeof(*fx));
    const char *tmp = getenv("TMPDIR");

    snprintf(fx->dir, sizeof(fx->dir), "%s/test_tree_rm.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(fx->dir))
        return -1;
    fx->loop = loop_new();
    *state = fx;
    return 0;
}

static void dac_caps(bool on);

static int teardown(void **state)
{
    struct fx *fx = *state;

    dac_caps(true); /* a failed assertion may have left them off */

    if (fx->ticker)
        loop_cancel_timer(fx->loop, fx->ticker);
    drills_remove_tree(fx->dir);
    loop_free(fx->loop);
    free(fx);
    return 0;
}

static void on_done(int rc, const char *failed_path, void *arg)
{
    struct fx *fx = arg;

    fx->calls++;
    fx->rc = rc;
    fx->ticks_at_done = fx->ticks;
    snprintf(fx->failed, sizeof(fx->failed), "%s", failed_path ? failed_path : "");
    if (rc == 0)
        assert_null(failed_path);
}

static void tick(struct loop *loop, void *arg)
{
    struct fx *fx = arg;

    fx->ticks++;
    fx->ticker = loop_add_timer(loop, 0, tick, fx);
}

/*
 * Root ignores a directory's write bit (CAP_DAC_OVERRIDE, CAP_FOWNER): drop
 * them from the effective set while a read-only tree is removed, so that the
 * removal has to open the directories up as it would for anyone else.
 */
static void dac_caps(bool on)
{
    struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
    struct __user_cap_data_struct c[2];
    unsigned mask = 1u << CAP_DAC_OVERRIDE | 1u << CAP_DAC_READ_SEARCH | 1u << CAP_FOWNER;

    if (syscall(SYS_capget, &h, c) < 0)
        return;
    if (on)
        c[0].effective |= mask & c[0].permitted;
    else
        c[0].effective &= ~mask;
    assert_int_equal(syscall(SYS_capset, &h, c), 0);
}

/* Turn the loop until done was called; returns the turns it took. */
static int run_until_done(struct fx *fx)
{
    int turns = 0;

    while (!fx->calls && turns < 10000) {
        loop_run_once(fx->loop, 1000);
        turns++;
    }
    assert_int_equal(fx->calls, 1);
    return turns;
}

static char *path_of(const struct fx *fx, const char *rel)
{
    return xasprintf("%s/%s", fx->dir, rel);
}

/* root/aI/bJ/fK: na x nb directories of nf files; every directory read-only afterwards. */
static void make_tree(const char *root, int na, int nb, int nf)
{
    char p[1024];

    assert_int_equal(mkdir(root, 0700), 0);
    for (int i = 0; i < na; i++) {
        snprintf(p, sizeof(p), "%s/a%d", root, i);
        assert_int_equal(mkdir(p, 0700), 0);
        for (int j = 0; j < nb; j++) {
            snprintf(p, sizeof(p), "%s/a%d/b%d", root, i, j);
            assert_int_equal(mkdir(p, 0700), 0);
            for (int k = 0; k < nf; k++) {
                snprintf(p, sizeof(p), "%s/a%d/b%d/f%d", root, i, j, k);
                put_file(p, "restored\n", 0400);
            }
            snprintf(p, sizeof(p), "%s/a%d/b%d", root, i, j);
            assert_int_equal(chmod(p, 0500), 0);
        }
        snprintf(p, sizeof(p), "%s/a%d", root, i);
        assert_int_equal(chmod(p, 0500), 0);
    }
    assert_int_equal(chmod(root, 0500), 0);
}

/* 3000 files in 3x4 read-only directories: all gone, over more than one turn. */
static void test_big_readonly_tree_goes_in_chunks(void **state)
{
    struct fx *fx = *state;
    char *root = path_of(fx, "scratch");
    struct lb_err err = { 0 };
    struct tree_rm *rm;
    int turns;

    make_tree(root, 3, 4, 250);
    dac_caps(false);
    rm = tree_rm_start(fx->loop, root, on_done, fx, &err);
    assert_non_null(rm);
    assert_int_equal(fx->calls, 0); /* never from inside start */
    fx->ticker = loop_add_timer(fx->loop, 0, tick, fx);
    turns = run_until_done(fx);
    dac_caps(true);
    assert_int_equal(fx->rc, 0);
    assert_true(gone(root));
    /* 3032 entries at 2000 a turn: at least two turns, and the other timer ran between them */
    assert_true(turns >= 2);
    assert_true(fx->ticks_at_done >= 1);
    free(root);
}

/* A link to a directory outside is removed as a link; the root given as a link likewise. */
static void test_symlinks_are_not_followed(void **state)
{
    struct fx *fx = *state;
    char *root = path_of(fx, "scratch"), *outside = path_of(fx, "outside");
    char *keep = path_of(fx, "outside/keep"), *link = path_of(fx, "scratch/sub/out");
    char *dangling = path_of(fx, "scratch/dangling"), *sub = path_of(fx, "scratch/sub");
    char *rootlink = path_of(fx, "rootlink");
    struct lb_err err = { 0 };

    assert_int_equal(mkdir(outside, 0700), 0);
    put_file(keep, "precious\n", 0600);
    assert_int_equal(mkdir(root, 0700), 0);
    assert_int_equal(mkdir(sub, 0700), 0);
    assert_int_equal(symlink(outside, link), 0);
    assert_int_equal(symlink("/nonexistent/target", dangling), 0);
    assert_int_equal(chmod(sub, 0500), 0);

    dac_caps(false);
    assert_non_null(tree_rm_start(fx->loop, root, on_done, fx, &err));
    run_until_done(fx);
    dac_caps(true);
    assert_int_equal(fx->rc, 0);
    assert_true(gone(root));
    assert_false(gone(keep)); /* the link's target and what it holds are untouched */

    /* the path itself a link to a directory: the link goes, the directory stays */
    assert_int_equal(symlink(outside, rootlink), 0);
    fx->calls = 0;
    assert_non_null(tree_rm_start(fx->loop, rootlink, on_done, fx, &err));
    run_until_done(fx);
    assert_int_equal(fx->rc, 0);
    assert_true(gone(rootlink));
    assert_false(gone(keep));
    free(root);
    free(outside);
    free(keep);
    free(link);
    free(dangling);
    free(sub);
    free(rootlink);
}

static void test_missing_path_is_done_on_the_first_turn(void **state)
{
    struct fx *fx = *state;
    char *root = path_of(fx, "never-made");
    struct lb_err err = { 0 };

    assert_non_null(tree_rm_start(fx->loop, root, on_done, fx, &err));
    assert_int_equal(fx->calls, 0);
    assert_int_equal(run_until_done(fx), 1);
    assert_int_equal(fx->rc, 0);
    free(root);
}

/*
 * A file system mounted inside the tree: not entered (its file survives),
 * its mount point cannot go (EBUSY) and is the error reported; everything
 * else is removed. Runs in a private mount namespace (root with
 * CAP_SYS_ADMIN), else skipped.
 */
static void test_mount_point_is_reported_not_entered(void **state)
{
    struct fx *fx = *state;
    char *root = path_of(fx, "scratch"), *mnt = path_of(fx, "scratch/mnt");
    char *inside = path_of(fx, "scratch/mnt/on-tmpfs"), *other = path_of(fx, "scratch/other");
    struct lb_err err = { 0 };

    if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
        print_message("skipped: no private mount namespace here (%s)\n", strerror(errno));
        goto skip;
    }
    make_tree(root, 2, 2, 10);
    assert_int_equal(chmod(root, 0700), 0);
    assert_int_equal(mkdir(mnt, 0700), 0);
    if (mount("lifeboat-test", mnt, "tmpfs", 0, "size=1m") < 0) {
        print_message("skipped: cannot mount a tmpfs (%s)\n", strerror(errno));
        goto skip;
    }
    put_file(inside, "another file system\n", 0600);
    put_file(other, "x\n", 0600);
    assert_int_equal(chmod(root, 0500), 0);

    assert_non_null(tree_rm_start(fx->loop, root, on_done, fx, &err));
    run_until_done(fx);
    assert_int_equal(fx->rc, -EBUSY);
    assert_string_equal(fx->failed, mnt);
    assert_false(gone(inside)); /* never crossed into the mount */
    assert_true(gone(other));
    {
        char *a0 = path_of(fx, "scratch/a0");

        assert_true(gone(a0)); /* the rest went */
        free(a0);
    }
    assert_int_equal(umount2(mnt, MNT_DETACH), 0);
    free(root);
    free(mnt);
    free(inside);
    free(other);
    return;
skip:
    free(root);
    free(mnt);
    free(inside);
    free(other);
    skip();
}

/*
 * Directories replaced by files after the walk listed them (works for any
 * user): each is reported as not a directory, the walk goes on, done is called
 * once with the first failure, and everything not replaced is removed.
 */
static void test_directories_replaced_mid_walk(void **state)
{
    struct fx *fx = *state;
    char *root = path_of(fx, "scratch"), *moved = path_of(fx, "moved");
    char p[1024], q[1100], kept[1200] = "";
    struct lb_err err = { 0 };
    struct stat sb;
    int replaced = 0, left = 0;
    DIR *dir;
    struct dirent *e;

    assert_int_equal(mkdir(moved, 0700), 0);
    assert_int_equal(mkdir(root, 0700), 0);
    for (int i = 0; i < 10; i++) {
        snprintf(p, sizeof(p), "%s/d%02d", root, i);
        assert_int_equal(mkdir(p, 0700), 0);
        for (int k = 0; k < 300; k++) {
            snprintf(q, sizeof(q), "%s/f%d", p, k);
            put_file(q, "x\n", 0600);
        }
    }
    assert_non_null(tree_rm_start(fx->loop, root, on_done, fx, &err));
    loop_run_once(fx->loop, 1000); /* the first chunk: the root is listed, some of it gone */
    assert_int_equal(fx->calls, 0);
    for (int i = 0; i < 10; i++) {
        snprintf(p, sizeof(p), "%s/d%02d", root, i);
        if (lstat(p, &sb) < 0 || !S_ISDIR(sb.st_mode))
            continue;
        snprintf(q, sizeof(q), "%s/d%02d", moved, i);
        assert_int_equal(rename(p, q), 0);
        put_file(p, "not a directory any more\n", 0600);
        if (!replaced)
            snprintf(kept, sizeof(kept), "%s/f299", q);
        replaced++;
    }
    assert_true(replaced > 0 && replaced < 10);
    run_until_done(fx);
    assert_int_equal(fx->rc, -ENOTDIR);
    assert_int_equal(strncmp(fx->failed, root, strlen(root)), 0);
    assert_int_equal(strncmp(fx->failed + strlen(root), "/d", 2), 0);
    /* what is left are exactly the replacements, and what was moved away is whole */
    dir = opendir(root);
    assert_non_null(dir);
    while ((e = readdir(dir))) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(p, sizeof(p), "%s/%s", root, e->d_name);
        assert_int_equal(lstat(p, &sb), 0);
        assert_true(S_ISREG(sb.st_mode));
        left++;
    }
    closedir(dir);
    assert_int_equal(left, replaced);
    assert_false(gone(kept));
    free(root);
    free(moved);
}

/* Cancel after the first chunk: done never runs, nothing leaks, the rest stays. */
static void test_cancel_mid_walk(void **state)
{
    struct fx *fx = *state;
    char *root = path_of(fx, "scratch");
    struct lb_err err = { 0 };
    struct tree_rm *rm;

    make_tree(root, 3, 4, 250);
    rm = tree_rm_start(fx->loop, root, on_done, fx, &err);
    assert_non_null(rm);
    loop_run_once(fx->loop, 1000);
    assert_true(tree_rm_removed(rm) > 0);
    tree_rm_cancel(rm);
    for (int i = 0; i < 5; i++)
        loop_run_once(fx->loop, 10);
    assert_int_equal(fx->calls, 0);
    assert_false(gone(root));
    free(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_big_readonly_tree_goes_in_chunks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_symlinks_are_not_followed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_path_is_done_on_the_first_turn, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_directories_replaced_mid_walk, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel_mid_walk, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mount_point_is_reported_not_entered, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
