/*
 * Unit tests for backend/spawn: real child processes driven by the loop.
 * Streaming, stream separation, exit status and signals, timeouts with
 * SIGTERM then SIGKILL, output caps, exec failure, environment, stdin, cancel.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/loop.h"
#include "backend/spawn.h"

#define MAXL 64

struct job {
    struct loop *loop;
    struct spawn *sp;
    char lines[2][MAXL][128]; /* [stream-1][i] */
    int n[2];
    bool done;
    int exits;
    struct spawn_result res;
    struct buf out, err;  /* copies of the captures */
    const char *touch_on; /* create touch_path when this line arrives */
    const char *touch_path;
    bool cancel_on_line;
    int lines_before_exit;
};

static void job_line(struct spawn *sp, enum spawn_stream stream, const char *line, size_t len,
                     bool cut, void *arg)
{
    struct job *j = arg;
    int s = stream == SPAWN_STDOUT ? 0 : 1;

    (void)cut;
    assert_int_equal(line[len], '\0'); /* delivered NUL-terminated */
    if (j->n[s] < MAXL)
        snprintf(j->lines[s][j->n[s]], sizeof(j->lines[s][0]), "%s", line);
    j->n[s]++;
    if (j->touch_on && !strcmp(line, j->touch_on)) {
        int fd = open(j->touch_path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);

        assert_true(fd >= 0);
        close(fd);
    }
    if (j->cancel_on_line)
        spawn_cancel(sp);
}

static void job_exit(struct spawn *sp, const struct spawn_result *res, void *arg)
{
    struct job *j = arg;

    j->res = *res;
    j->done = true;
    j->exits++;
    buf_append(&j->out, buf_cstr(spawn_stdout(sp)), spawn_stdout(sp)->len);
    buf_append(&j->err, buf_cstr(spawn_stderr(sp)), spawn_stderr(sp)->len);
}

static void job_init(struct job *j, struct loop *loop)
{
    memset(j, 0, sizeof(*j));
    j->loop = loop;
    buf_init(&j->out, 0);
    buf_init(&j->err, 0);
}

static void job_release(struct job *j)
{
    buf_release(&j->out);
    buf_release(&j->err);
}

static struct spawn_opts job_opts(struct job *j, const char *const *argv)
{
    struct spawn_opts o;

    memset(&o, 0, sizeof(o));
    o.argv = argv;
    o.capture = true;
    o.timeout_ms = 20000; /* a hung test fails instead of hanging */
    o.kill_grace_ms = 300;
    o.on_line = job_line;
    o.on_exit = job_exit;
    o.arg = j;
    return o;
}

static void job_wait(struct job *j)
{
    int turns = 0;

    while (!j->done && turns++ < 100000)
        loop_run_once(j->loop, 1000);
    assert_true(j->done);
}

static void job_run(struct job *j, const struct spawn_opts *o)
{
    struct lb_err err;

    j->sp = spawn_start(j->loop, o, &err);
    assert_non_null(j->sp);
    job_wait(j);
    assert_int_equal(j->exits, 1);
}

static void test_output_is_streamed_in_pieces(void **state)
{
    struct loop *loop = loop_new();
    char dir[] = "/tmp/lb-spawn-XXXXXX", path[64];
    struct job j;
    struct spawn_opts o;
    /*
     * "ab" arrives in two writes; then the child waits until the test has
     * seen "first" (it creates $F from on_line): a runner that only delivered
     * output at exit would never get there, and the timeout would fire.
     */
    const char *argv[] = { "sh", "-c",
                           "printf a; sleep 0.2; printf 'b\\n'; echo first; "
                           "while [ ! -e \"$F\" ]; do sleep 0.05; done; printf 'second\\nlast'",
                           NULL };
    char envset[96];
    const char *env[] = { envset, NULL };

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/go", dir);
    snprintf(envset, sizeof(envset), "F=%s", path);
    job_init(&j, loop);
    j.touch_on = "first";
    j.touch_path = path;
    o = job_opts(&j, argv);
    o.env = env;
    job_run(&j, &o);

    assert_false(j.res.timed_out);
    assert_true(j.res.exited);
    assert_int_equal(j.res.status, 0);
    assert_int_equal(j.n[0], 4);
    assert_string_equal(j.lines[0][0], "ab");
    assert_string_equal(j.lines[0][1], "first");
    assert_string_equal(j.lines[0][2], "second");
    assert_string_equal(j.lines[0][3], "last"); /* unterminated last line is delivered */
    assert_string_equal(buf_cstr(&j.out), "ab\nfirst\nsecond\nlast");
    assert_int_equal(j.n[1], 0);
    unlink(path);
    rmdir(dir);
    job_release(&j);
    loop_free(loop);
}

static void test_stdout_stderr_separated_and_exit_status(void **state)
{
    struct loop *loop = loop_new();
    struct job j;
    struct spawn_opts o;
    const char *argv[] = { "sh", "-c", "echo out1; echo err1 >&2; echo out2; exit 3", NULL };

    (void)state;
    job_init(&j, loop);
    o = job_opts(&j, argv);
    job_run(&j, &o);
    assert_true(j.res.exited);
    assert_int_equal(j.res.status, 3);
    assert_int_equal(j.res.exec_errno, 0);
    assert_int_equal(j.n[0], 2);
    assert_string_equal(j.lines[0][0], "out1");
    assert_string_equal(j.lines[0][1], "out2");
    assert_int_equal(j.n[1], 1);
    assert_string_equal(j.lines[1][0], "err1");
    assert_string_equal(buf_cstr(&j.out), "out1\nout2\n");
    assert_string_equal(buf_cstr(&j.err), "err1\n");
    job_release(&j);
    loop_free(loop);
}

static void test_signal_death(void **state)
{
    struct loop *loop = loop_new();
    struct job j;
    struct spawn_opts o;
    const char *argv[] = { "sh", "-c", "echo dying; kill -KILL $$", NULL };

    (void)state;
    job_init(&j, loop);
    o = job_opts(&j, argv);
    job_run(&j, &o);
    assert_false(j.res.exited);
    assert_int_equal(j.res.signo, SIGKILL);
    assert_false(j.res.timed_out);
    assert_false(j.res.cancelled);
    assert_int_equal(j.n[0], 1);
    job_release(&j);
    loop_free(loop);
}

static void test_timeout_kills_a_child_that_never_exits(void **state)
{
    struct loop *loop = loop_new();
    struct job j;
    struct spawn_opts o;
    /* The grandchild keeps the pipes open: the group kill must reach it too. */
    const char *argv[] = { "sh", "-c", "sleep 30 & sleep 30", NULL };

    (void)state;
    job_init(&j, loop);
    o = job_opts(&j, argv);
    o.timeout_ms = 200;
    job_run(&j, &o);
    assert_true(j.res.timed_out);
    assert_false(j.res.exited);
    assert_int_equal(j.res.signo, SIGTERM);
    job_release(&j);
    loop_free(loop);
}

static void test_timeout_escalates_to_sigkill(void **state)
{
    struct loop *loop = loop_new();
    struct job j;
    struct spawn_opts o;
    /* Survives SIGTERM (and says so), so only SIGKILL ends it. */
    const char *argv[] = { "sh", "-c",
                           "trap 'echo got-term' TERM; echo ready; "
                           "while :; do sleep 30 & wait; done",
                           NULL };

    (void)state;
    job_init(&j, loop);
    o = job_opts(&j, argv);
    o.timeout_ms = 1000;
    o.kill_grace_ms = 300;
    job_run(&j, &o);
    assert_true(j.res.timed_out);
    assert_false(j.res.exited);
    assert_int_equal(j.res.signo, SIGKILL);
    assert_string_equal(j.lines[0][0], "ready");
    assert_true(j.n[0] >= 2);
    assert_string_equal(j.lines[0][1], "got-term"); /* SIGTERM came first */
    job_release(&j);
    loop_free(loop);
}

static void test_leftover_grandchild_does_not_hold_the_job(void **state)
{
    struct loop *loop = loop_new();
    struct job j;
    struct spawn_opts o;
    /* The shell exits at once; the background sleep keeps stdout open a while longer. */
    const char *argv[] = { "sh", "-c", "echo bye; sleep 5 &", NULL };

    (void)state;
    job_init(&j, loop);
    o = job_opts(&j, argv);
    o.kill_grace_ms = 300;
    job_run(&j, &o);
    assert_false(j.res.timed_out);
    assert_true(j.res.exited);
    assert_int_equal(j.res.status, 0);
    assert_int_equal(j.n[0], 1);
    assert_string_equal(j.lines[0][0], "bye");
    job_release(&j);
    loop_free(loop);
}

static void test_cancel(void **state)
{
    struct loop *loop = loop_new();
    struct job j;
    struct spawn_opts o;
    const char *argv[] = { "sh", "-c", "echo started; exec sleep 30", NULL };

    (void)state;
    job_init(&j, loop);
    j.cancel_on_line = true;
    o = job_opts(&j, argv);
    job_run(&j, &o);
    assert_true(j.res.cancelled);
    assert_false(j.res.timed_out);
    assert_int_equal(j.res.signo, SIGTERM);
    job_release(&j);
    loop_free(loop);
}

static long maxrss_kb(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static void test_flood_is_capped_and_completes(void **state)
{
    struct loop *loop = loop_new();
    struct job j;
    struct spawn_opts o;
    /* 200 MB with no newline on stdout, plus lines on stderr. */
    const char *argv[] = { "sh", "-c", "head -c 200000000 /dev/zero; seq 1 100000 >&2", NULL };
    long before = maxrss_kb();

    (void)state;
    job_init(&j, loop);
    o = job_opts(&j, argv);
    o.max_output = 1 << 20;
    o.max_line = 4096;
    job_run(&j, &o);
    assert_false(j.res.timed_out); /* the child was never blocked on a full pipe */
    assert_true(j.res.exited);
    assert_int_equal(j.res.status, 0);
    assert_true(j.res.output_capped);
    assert_int_equal(j.out.len, 1 << 20);
    /* stdout lines were cut at max_line; stderr kept its own budget up to the cap */
    assert_true(j.n[0] >= 1);
    assert_true(j.n[1] > 1000);
    assert_string_equal(j.lines[1][0], "1");
    assert_true(j.err.len <= (1 << 20));
    assert_true(maxrss_kb() - before < 64 * 1024);
    job_release(&j);
    loop_free(loop);
}

static void test_exec_failure_reports_enoent(void **state)
{
    struct loop *loop = loop_new();
    struct job j;
    struct spawn_opts o;
    const char *argv[] = { "lifeboat-no-such-program-42", "x", NULL };
    const char *argv2[] = { "/nonexistent/dir/prog", NULL };

    (void)state;
    job_init(&j, loop);
    o = job_opts(&j, argv);
    job_run(&j, &o);
    assert_int_equal(j.res.exec_errno, ENOENT);
    assert_int_equal(j.res.status, 127);
    assert_int_equal(j.n[0] + j.n[1], 0);
    job_release(&j);

    job_init(&j, loop);
    o = job_opts(&j, argv2);
    job_run(&j, &o);
    assert_int_equal(j.res.exec_errno, ENOENT);
    job_release(&j);
    loop_free(loop);
}

static bool has_line(const struct job *j, const char *want)
{
    int i;

    for (i = 0; i < j->n[0] && i < MAXL; i++)
        if (!strcmp(j->lines[0][i], want))
            return true;
    return false;
}

static bool has_prefix(const struct job *j, const char *prefix)
{
    int i;

    for (i = 0; i < j->n[0] && i < MAXL; i++)
        if (!strncmp(j->lines[0][i], prefix, strlen(prefix)))
            return true;
    return false;
}

static void test_environment_set_unset_clear(void **state)
{
    struct loop *loop = loop_new();
    struct job j;
    struct spawn_opts o;
    const char *argv[] = { "env", NULL };
    const char *env[] = { "LB_T_SET=hello world", "LB_T_KEEP=replaced", NULL };
    const char *unset[] = { "LB_T_DROP", NULL };
    int i;

    (void)state;
    setenv("LB_T_KEEP", "original", 1);
    setenv("LB_T_DROP", "secret", 1);
    setenv("LB_T_OTHER", "inherited", 1);

    job_init(&j, loop);
    o = job_opts(&j, argv);
    o.env = env;
    o.unset_env = unset;
    job_run(&j, &o);
    assert_int_equal(j.res.status, 0);
    assert_true(has_line(&j, "LB_T_SET=hello world"));
    assert_true(has_line(&j, "LB_T_KEEP=replaced"));
    assert_false(has_prefix(&j, "LB_T_KEEP=original"));
    assert_true(has_line(&j, "LB_T_OTHER=inherited"));
    assert_false(has_prefix(&j, "LB_T_DROP="));
    job_release(&j);

    job_init(&j, loop);
    o = job_opts(&j, argv);
    o.clear_env = true;
    o.env = env;
    job_run(&j, &o);
    assert_int_equal(j.res.status, 0);
    assert_int_equal(j.n[0], 3); /* PATH and the two we set, nothing inherited */
    for (i = 0; i < j.n[0]; i++)
        assert_true(!strncmp(j.lines[0][i], "PATH=", 5) || !strncmp(j.lines[0][i], "LB_T_", 5));
    assert_true(has_prefix(&j, "PATH="));
    assert_false(has_prefix(&j, "LB_T_OTHER="));
    job_release(&j);

    unsetenv("LB_T_KEEP");
    unsetenv("LB_T_DROP");
    unsetenv("LB_T_OTHER");
    loop_free(loop);
}

static void test_stdin_data_and_cwd(void **state)
{
    struct loop *loop = loop_new();
    struct job j;
    struct spawn_opts o;
    const char *cat[] = { "cat", NULL };
    const char *wc[] = { "wc", "-c", NULL };
    const char *pwd[] = { "pwd", NULL };
    size_t big = 3 << 20; /* more than a pipe holds: written as the child reads */
    char *data = malloc(big);

    (void)state;
    job_init(&j, loop);
    o = job_opts(&j, cat);
    o.stdin_data = "hello\nworld";
    o.stdin_len = strlen(o.stdin_data);
    job_run(&j, &o);
    assert_int_equal(j.n[0], 2);
    assert_string_equal(j.lines[0][0], "hello");
    assert_string_equal(j.lines[0][1], "world");
    job_release(&j);

    memset(data, 'z', big);
    job_init(&j, loop);
    o = job_opts(&j, wc);
    o.stdin_data = data;
    o.stdin_len = big;
    job_run(&j, &o);
    assert_int_equal(j.n[0], 1);
    assert_string_equal(j.lines[0][0], "3145728");
    job_release(&j);
    free(data);

    /* Without stdin_data the child reads /dev/null, never our terminal. */
    job_init(&j, loop);
    o = job_opts(&j, cat);
    job_run(&j, &o);
    assert_true(j.res.exited);
    assert_int_equal(j.n[0], 0);
    job_release(&j);

    job_init(&j, loop);
    o = job_opts(&j, pwd);
    o.cwd = "/";
    job_run(&j, &o);
    assert_string_equal(j.lines[0][0], "/");
    job_release(&j);
    loop_free(loop);
}

static void test_many_children_at_once(void **state)
{
    struct loop *loop = loop_new();
    struct job j[5];
    struct spawn_opts o;
    const char *argv[] = { "sh", "-c", "sleep 0.1; echo done", NULL };
    struct lb_err err;
    int i, turns = 0;
    bool all = false;

    (void)state;
    for (i = 0; i < 5; i++) {
        job_init(&j[i], loop);
        o = job_opts(&j[i], argv);
        assert_non_null(spawn_start(loop, &o, &err));
    }
    while (!all && turns++ < 10000) {
        loop_run_once(loop, 1000);
        for (all = true, i = 0; i < 5; i++)
            all = all && j[i].done;
    }
    for (i = 0; i < 5; i++) {
        assert_true(j[i].done);
        assert_int_equal(j[i].res.status, 0);
        assert_string_equal(j[i].lines[0][0], "done");
        job_release(&j[i]);
    }
    loop_free(loop);
}

static void test_run_sync(void **state)
{
    struct loop *loop = loop_new();
    struct spawn_opts o;
    struct spawn_result res;
    struct buf out = BUF_INIT(4), err_out = BUF_INIT(1024);
    struct lb_err err;
    const char *argv[] = { "sh", "-c", "echo hello; echo oops >&2; exit 2", NULL };
    const char *bad[] = { "", NULL };

    (void)state;
    memset(&o, 0, sizeof(o));
    o.argv = argv;
    assert_int_equal(spawn_run_sync(loop, &o, &out, &err_out, &res, &err), 0);
    assert_true(res.exited);
    assert_int_equal(res.status, 2);
    assert_string_equal(buf_cstr(&out), "hell"); /* the caller's cap holds */
    assert_true(out.truncated);
    assert_string_equal(buf_cstr(&err_out), "oops\n");

    o.argv = bad;
    assert_true(spawn_run_sync(loop, &o, NULL, NULL, &res, &err) < 0);
    assert_int_equal(err.code, LB_EUSAGE);
    buf_release(&out);
    buf_release(&err_out);
    loop_free(loop);
}

/* spawn_run_sync from inside another job's on_line: the loop turns inside its own dispatch. */
struct nested {
    struct loop *loop;
    struct job outer;
    char inner_out[64];
    int inner_status;
};

static void nested_line(struct spawn *sp, enum spawn_stream stream, const char *line, size_t len,
                        bool cut, void *arg)
{
    struct nested *n = arg;
    const char *argv[] = { "sh", "-c", "echo nested; exit 4", NULL };
    struct spawn_opts o;
    struct spawn_result res;
    struct buf out = BUF_INIT(64);
    struct lb_err err;

    job_line(sp, stream, line, len, cut, &n->outer);
    if (strcmp(line, "go"))
        return;
    memset(&o, 0, sizeof(o));
    o.argv = argv;
    assert_int_equal(spawn_run_sync(n->loop, &o, &out, NULL, &res, &err), 0);
    snprintf(n->inner_out, sizeof(n->inner_out), "%s", buf_cstr(&out));
    n->inner_status = res.status;
    buf_release(&out);
}

static void nested_exit(struct spawn *sp, const struct spawn_result *res, void *arg)
{
    struct nested *n = arg;

    job_exit(sp, res, &n->outer);
}

static void test_run_sync_nested_in_a_callback(void **state)
{
    struct nested n;
    struct spawn_opts o;
    const char *argv[] = { "sh", "-c", "echo go; echo err >&2; sleep 0.1; echo after", NULL };

    (void)state;
    memset(&n, 0, sizeof(n));
    n.loop = loop_new();
    job_init(&n.outer, n.loop);
    o = job_opts(&n.outer, argv);
    o.on_line = nested_line;
    o.on_exit = nested_exit;
    o.arg = &n;
    job_run(&n.outer, &o);
    assert_string_equal(n.inner_out, "nested\n");
    assert_int_equal(n.inner_status, 4);
    assert_int_equal(n.outer.n[0], 2);
    assert_string_equal(n.outer.lines[0][1], "after");
    assert_int_equal(n.outer.n[1], 1);
    job_release(&n.outer);
    loop_free(n.loop);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_output_is_streamed_in_pieces),
        cmocka_unit_test(test_stdout_stderr_separated_and_exit_status),
        cmocka_unit_test(test_signal_death),
        cmocka_unit_test(test_timeout_kills_a_child_that_never_exits),
        cmocka_unit_test(test_timeout_escalates_to_sigkill),
        cmocka_unit_test(test_leftover_grandchild_does_not_hold_the_job),
        cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_flood_is_capped_and_completes),
        cmocka_unit_test(test_exec_failure_reports_enoent),
        cmocka_unit_test(test_environment_set_unset_clear),
        cmocka_unit_test(test_stdin_data_and_cwd),
        cmocka_unit_test(test_many_children_at_once),
        cmocka_unit_test(test_run_sync),
        cmocka_unit_test(test_run_sync_nested_in_a_callback),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
