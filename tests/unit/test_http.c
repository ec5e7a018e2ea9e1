/*
 * Unit tests for backend/http against a real local server
 * (tests/unit/http_server.py, plain and TLS with a certificate made here by
 * openssl), everything driven by one loop: concurrency with a child process,
 * timeouts, refused connections, body caps, TLS pinning, retries, cancel.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <libgen.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "backend/base/str.h"
#include "backend/http.h"
#include "backend/loop.h"
#include "backend/spawn.h"

struct server {
    struct spawn *sp;
    int port;
    bool exited;
    char err[1024];
};

struct env {
    struct loop *loop;
    char dir[64];
    char script[4096];
    char fingerprint[128]; /* "AA:BB:..." from openssl */
    struct server plain, tls;
};

static struct env E;

/* ---- servers ---- */

static void server_line(struct spawn *sp, enum spawn_stream stream, const char *line, size_t len,
                        bool cut, void *arg)
{
    struct server *s = arg;
    int64_t port;

    (void)sp;
    (void)len;
    (void)cut;
    if (stream == SPAWN_STDOUT && !s->port && str_to_i64(line, 1, 65535, &port) == 0)
        s->port = (int)port;
    else if (stream == SPAWN_STDERR && strlen(s->err) + len + 2 < sizeof(s->err))
        snprintf(s->err + strlen(s->err), sizeof(s->err) - strlen(s->err), "%s\n", line);
}

static void server_exit(struct spawn *sp, const struct spawn_result *res, void *arg)
{
    struct server *s = arg;

    (void)sp;
    (void)res;
    s->exited = true;
}

static int server_start(struct server *s, bool tls)
{
    char cert[128], key[128];
    const char *argv[] = { "python3", E.script, "--cert", cert, "--key", key, NULL };
    struct spawn_opts o;
    struct lb_err err;
    int turns = 0;

    snprintf(cert, sizeof(cert), "%s/cert.pem", E.dir);
    snprintf(key, sizeof(key), "%s/key.pem", E.dir);
    if (!tls)
        argv[2] = NULL;
    memset(&o, 0, sizeof(o));
    o.argv = argv;
    o.kill_grace_ms = 1000;
    o.on_line = server_line;
    o.on_exit = server_exit;
    o.arg = s;
    s->sp = spawn_start(E.loop, &o, &err);
    if (!s->sp) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    while (!s->port && !s->exited && turns++ < 200)
        loop_run_once(E.loop, 100);
    if (!s->port) {
        fprintf(stderr, "http_server.py did not start:\n%s", s->err);
        return -1;
    }
    return 0;
}

static void server_stop(struct server *s)
{
    int turns = 0;

    if (!s->sp || s->exited)
        return;
    spawn_cancel(s->sp);
    while (!s->exited && turns++ < 1000)
        loop_run_once(E.loop, 100);
}

static int run_tool(const char *const *argv, struct buf *out)
{
    struct spawn_opts o;
    struct spawn_result res;
    struct buf err_out = BUF_INIT(4096);
    struct lb_err err;
    int rc;

    memset(&o, 0, sizeof(o));
    o.argv = argv;
    o.cwd = E.dir;
    o.timeout_ms = 30000;
    rc = spawn_run_sync(E.loop, &o, out, &err_out, &res, &err);
    if (rc < 0 || !res.exited || res.status != 0) {
        fprintf(stderr, "%s failed: %s%s\n", argv[0], rc < 0 ? err.msg : "", buf_cstr(&err_out));
        rc = -1;
    }
    buf_release(&err_out);
    return rc;
}

static bool find_script(void)
{
    const char *top = getenv("TOP");
    char exe[4096];
    ssize_t n;

    if (top && *top) {
        snprintf(E.script, sizeof(E.script), "%s/tests/unit/http_server.py", top);
        if (access(E.script, R_OK) == 0)
            return true;
    }
    snprintf(E.script, sizeof(E.script), "tests/unit/http_server.py");
    if (access(E.script, R_OK) == 0)
        return true;
    /* $(BUILD)/$(VARIANT)/tests/test_http -> the repository is three levels up */
    n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0)
        return false;
    exe[n] = '\0';
    snprintf(E.script, sizeof(E.script), "%s/../../../tests/unit/http_server.py", dirname(exe));
    return access(E.script, R_OK) == 0;
}

static int group_setup(void **state)
{
    /* clang-format off */
    const char *req[] = { "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                          "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "key.pem",
                          "-out", "cert.pem", "-days", "3650", "-subj", "/CN=lifeboat.test",
                          "-addext", "subjectAltName=DNS:lifeboat.test", NULL };
    const char *fp[] = { "openssl", "x509", "-in", "cert.pem", "-noout", "-fingerprint",
                         "-sha256", NULL };
    /* clang-format on */
    struct buf out = BUF_INIT(4096);
    const char *eq;

    (void)state;
    memset(&E, 0, sizeof(E));
    http_global_init();
    E.loop = loop_new();
    snprintf(E.dir, sizeof(E.dir), "/tmp/lb-http-XXXXXX");
    if (!mkdtemp(E.dir) || !find_script())
        return -1;
    if (run_tool(req, &out) < 0 || run_tool(fp, &out) < 0)
        return -1;
    /* "sha256 Fingerprint=D6:BE:...:C9" */
    eq = strchr(buf_cstr(&out), '=');
    if (!eq)
        return -1;
    snprintf(E.fingerprint, sizeof(E.fingerprint), "%.95s", eq + 1);
    buf_release(&out);
    if (strlen(E.fingerprint) != 95)
        return -1;
    if (server_start(&E.plain, false) < 0 || server_start(&E.tls, true) < 0)
        return -1;
    return 0;
}

static int group_teardown(void **state)
{
    char path[128];

    (void)state;
    server_stop(&E.plain);
    server_stop(&E.tls);
    snprintf(path, sizeof(path), "%s/cert.pem", E.dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/key.pem", E.dir);
    unlink(path);
    rmdir(E.dir);
    loop_free(E.loop);
    http_global_cleanup();
    return 0;
}

/* ---- requests ---- */

struct got {
    bool done;
    int seq; /* completion order */
    enum lb_code code;
    long status;
    struct buf body;
    char error[512];
    char fingerprint[96];
    bool in_start;
    bool during_start; /* on_done ran inside http_start: must never happen */
};

static int completions;

static void got_done(struct http_req *req, const struct http_response *res, void *arg)
{
    struct got *g = arg;

    (void)req;
    assert_false(g->done);
    g->during_start = g->in_start;
    g->done = true;
    g->seq = ++completions;
    g->code = res->code;
    g->status = res->status;
    buf_init(&g->body, 0);
    buf_append(&g->body, res->body, res->body_len);
    snprintf(g->error, sizeof(g->error), "%s", res->error ? res->error : "");
    memcpy(g->fingerprint, res->peer_fingerprint, sizeof(g->fingerprint));
    if (getenv("LB_TEST_VERBOSE")) /* to see the messages a user would get */
        fprintf(stderr, "done: code=%d status=%ld error=%s\n", res->code, res->status, g->error);
}

static struct http_request_opts opts_for(struct got *g, const char *url)
{
    struct http_request_opts o;

    memset(&o, 0, sizeof(o));
    memset(g, 0, sizeof(*g));
    o.url = url;
    o.timeout_ms = 20000;
    o.on_done = got_done;
    o.arg = g;
    return o;
}

static struct http_req *start(struct http *http, const struct http_request_opts *o, struct got *g)
{
    struct lb_err err;
    struct http_req *req;

    g->in_start = true;
    req = http_start(http, o, &err);
    g->in_start = false;
    if (!req)
        fprintf(stderr, "http_start: %s\n", err.msg);
    assert_non_null(req);
    assert_false(g->done); /* never re-entrantly from http_start */
    return req;
}

static void wait_for(struct got *g)
{
    int turns = 0;

    while (!g->done && turns++ < 100000)
        loop_run_once(E.loop, 1000);
    assert_true(g->done);
    assert_false(g->during_start);
}

static void run(struct http *http, const struct http_request_opts *o, struct got *g)
{
    start(http, o, g);
    wait_for(g);
}

static void got_release(struct got *g)
{
    buf_release(&g->body);
}

static void url(char *out, size_t n, bool tls, const char *path)
{
    snprintf(out, n, "%s://127.0.0.1:%d%s", tls ? "https" : "http", tls ? E.tls.port : E.plain.port,
             path);
}

static void test_get(void **state)
{
    struct http *http = http_new(E.loop);
    struct http_request_opts o;
    struct got g;
    char u[256];

    (void)state;
    url(u, sizeof(u), false, "/ok");
    o = opts_for(&g, u);
    run(http, &o, &g);
    assert_int_equal(g.code, LB_EOK);
    assert_int_equal(g.status, 200);
    assert_string_equal(buf_cstr(&g.body), "ok\n");
    assert_string_equal(g.error, "");
    assert_int_equal(http_active(http), 0);
    got_release(&g);

    url(u, sizeof(u), false, "/status?code=404");
    o = opts_for(&g, u);
    run(http, &o, &g);
    assert_int_equal(g.code, LB_EOK); /* the transfer worked; the status tells the rest */
    assert_int_equal(g.status, 404);
    got_release(&g);
    http_free(http);
}

static void test_post_echo(void **state)
{
    struct http *http = http_new(E.loop);
    struct http_request_opts o;
    struct got g;
    char u[256];
    const char *headers[] = { "X-Lifeboat-Test: yes", "Content-Type: application/json", NULL };
    const char *body = "{\"n\": 1}";

    (void)state;
    url(u, sizeof(u), false, "/echo");
    o = opts_for(&g, u);
    o.method = "POST";
    o.headers = headers;
    o.body = body;
    o.body_len = strlen(body);
    run(http, &o, &g);
    assert_int_equal(g.code, LB_EOK);
    assert_int_equal(g.status, 200);
    assert_true(str_starts_with(buf_cstr(&g.body), "POST\n"));
    assert_non_null(strstr(buf_cstr(&g.body), "\nx-lifeboat-test: yes\n"));
    assert_non_null(strstr(buf_cstr(&g.body), "\ncontent-type: application/json\n"));
    assert_non_null(strstr(buf_cstr(&g.body), "\ncontent-length: 8\n"));
    assert_true(str_ends_with(buf_cstr(&g.body), "\n\n{\"n\": 1}"));
    got_release(&g);

    o = opts_for(&g, u);
    o.method = "DELETE";
    run(http, &o, &g);
    assert_int_equal(g.status, 200);
    assert_true(str_starts_with(buf_cstr(&g.body), "DELETE\n"));
    got_release(&g);

    o = opts_for(&g, u);
    o.method = "GET\r\nX-Evil: 1";
    assert_null(http_start(http, &o, NULL));
    http_free(http);
}

/* Two requests and a child, one loop: nobody waits for anybody. */
struct together {
    struct got *slow;
    int lines;
    int lines_while_slow_in_flight;
    bool child_done;
};

static void together_line(struct spawn *sp, enum spawn_stream stream, const char *line, size_t len,
                          bool cut, void *arg)
{
    struct together *t = arg;

    (void)sp;
    (void)stream;
    (void)line;
    (void)len;
    (void)cut;
    t->lines++;
    if (!t->slow->done)
        t->lines_while_slow_in_flight++;
}

static void together_exit(struct spawn *sp, const struct spawn_result *res, void *arg)
{
    struct together *t = arg;

    (void)sp;
    (void)res;
    t->child_done = true;
}

static void test_concurrent_requests_and_child(void **state)
{
    struct http *http = http_new(E.loop);
    struct http_request_opts o1, o2;
    struct got slow, fast;
    struct together t = { &slow, 0, 0, false };
    const char *argv[] = { "sh", "-c", "for i in 1 2 3 4 5; do echo line $i; sleep 0.1; done",
                           NULL };
    struct spawn_opts so;
    struct lb_err err;
    char u1[256], u2[256];
    int turns = 0;

    (void)state;
    url(u1, sizeof(u1), false, "/slow?ms=1500");
    url(u2, sizeof(u2), false, "/ok");
    o1 = opts_for(&slow, u1);
    o2 = opts_for(&fast, u2);
    start(http, &o1, &slow);
    start(http, &o2, &fast);
    assert_int_equal(http_active(http), 2);
    memset(&so, 0, sizeof(so));
    so.argv = argv;
    so.on_line = together_line;
    so.on_exit = together_exit;
    so.arg = &t;
    assert_non_null(spawn_start(E.loop, &so, &err));

    while ((!slow.done || !fast.done || !t.child_done) && turns++ < 100000)
        loop_run_once(E.loop, 1000);
    assert_true(slow.done && fast.done && t.child_done);
    assert_int_equal(slow.code, LB_EOK);
    assert_int_equal(fast.code, LB_EOK);
    assert_string_equal(buf_cstr(&slow.body), "slow\n");
    assert_true(fast.seq < slow.seq); /* the fast one did not wait for the slow one */
    assert_int_equal(t.lines, 5);
    assert_true(t.lines_while_slow_in_flight >= 1);
    got_release(&slow);
    got_release(&fast);
    http_free(http);
}

static void test_timeout(void **state)
{
    struct http *http = http_new(E.loop);
    struct http_request_opts o;
    struct got g;
    char u[256];

    (void)state;
    url(u, sizeof(u), false, "/hang?token=s3cret");
    o = opts_for(&g, u);
    o.timeout_ms = 300;
    o.retries = 2; /* a slow answer is not a connect failure: not retried */
    run(http, &o, &g);
    assert_int_equal(g.code, LB_ETIMEOUT);
    assert_int_equal(g.status, 0);
    assert_non_null(strstr(g.error, "/hang"));
    assert_null(strstr(g.error, "s3cret")); /* queries stay out of messages */
    got_release(&g);
    http_free(http);
}

static int free_port(void)
{
    struct sockaddr_in a;
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int port;

    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    port = ntohs(a.sin_port);
    close(fd); /* nobody listens there now */
    return port;
}

static void test_connect_refused(void **state)
{
    struct http *http = http_new(E.loop);
    struct http_request_opts o;
    struct got g;
    char u[256];

    (void)state;
    snprintf(u, sizeof(u), "http://127.0.0.1:%d/ok", free_port());
    o = opts_for(&g, u);
    o.retries = 1;
    run(http, &o, &g);
    assert_int_equal(g.code, LB_EUNREACHABLE);
    assert_int_equal(g.status, 0);
    assert_non_null(strstr(g.error, "127.0.0.1"));
    got_release(&g);
    http_free(http);
}

static void test_body_cap(void **state)
{
    struct http *http = http_new(E.loop);
    struct http_request_opts o;
    struct got g;
    char u[256];

    (void)state;
    /* No Content-Length: the write callback has to stop it. */
    url(u, sizeof(u), false, "/big?bytes=5000000&cl=0");
    o = opts_for(&g, u);
    o.max_body = 10000;
    run(http, &o, &g);
    assert_int_equal(g.code, LB_ETOOBIG);
    assert_true(g.body.len <= 10000);
    assert_non_null(strstr(g.error, "larger than 10000 bytes"));
    got_release(&g);

    /* With Content-Length. */
    url(u, sizeof(u), false, "/big?bytes=5000000");
    o = opts_for(&g, u);
    o.max_body = 10000;
    run(http, &o, &g);
    assert_int_equal(g.code, LB_ETOOBIG);
    got_release(&g);

    /* Exactly at the cap is fine. */
    url(u, sizeof(u), false, "/big?bytes=10000&cl=0");
    o = opts_for(&g, u);
    o.max_body = 10000;
    run(http, &o, &g);
    assert_int_equal(g.code, LB_EOK);
    assert_int_equal(g.body.len, 10000);
    got_release(&g);
    http_free(http);
}

static void lower_no_colons(const char *in, char *out)
{
    for (; *in; in++)
        if (*in != ':')
            *out++ = (char)(*in >= 'A' && *in <= 'F' ? *in - 'A' + 'a' : *in);
    *out = '\0';
}

static void test_tls_pin(void **state)
{
    struct http *http = http_new(E.loop);
    struct http_request_opts o;
    struct got g;
    char u[256], plain_hex[96], lower[128], wrong[128];
    const char *good[3];
    int i;

    (void)state;
    url(u, sizeof(u), true, "/ok");
    lower_no_colons(E.fingerprint, plain_hex);
    snprintf(lower, sizeof(lower), "%s", E.fingerprint);
    for (i = 0; lower[i]; i++)
        if (lower[i] >= 'A' && lower[i] <= 'F')
            lower[i] = (char)(lower[i] - 'A' + 'a');
    good[0] = E.fingerprint;
    good[1] = plain_hex;
    good[2] = lower;
    /* A different fingerprint: the real one with its first byte changed. */
    snprintf(wrong, sizeof(wrong), "%s", E.fingerprint);
    wrong[0] = wrong[0] == '0' ? '1' : '0';

    for (i = 0; i < 3; i++) {
        o = opts_for(&g, u);
        o.pin_sha256 = good[i];
        run(http, &o, &g);
        assert_int_equal(g.code, LB_EOK);
        assert_int_equal(g.status, 200);
        assert_string_equal(buf_cstr(&g.body), "ok\n");
        assert_string_equal(g.fingerprint, E.fingerprint);
        got_release(&g);

        /* Right after a good handshake, a wrong pin must still fail (no reuse). */
        o = opts_for(&g, u);
        o.pin_sha256 = wrong;
        run(http, &o, &g);
        assert_int_equal(g.code, LB_ETLS);
        assert_int_equal(g.status, 0);
        assert_non_null(strstr(g.error, E.fingerprint)); /* what the server presented */
        assert_string_equal(g.fingerprint, E.fingerprint);
        got_release(&g);
    }

    o = opts_for(&g, u);
    o.pin_sha256 = "not-a-fingerprint";
    assert_null(http_start(http, &o, NULL));
    http_free(http);
}

static void test_tls_default_cas_reject_self_signed(void **state)
{
    struct http *http = http_new(E.loop);
    struct http_request_opts o;
    struct got g;
    char u[256];

    (void)state;
    url(u, sizeof(u), true, "/ok");
    o = opts_for(&g, u);
    run(http, &o, &g);
    assert_int_equal(g.code, LB_ETLS);
    assert_non_null(strstr(g.error, "certificate"));
    got_release(&g);

    /* The operator's explicit choice. */
    o = opts_for(&g, u);
    o.insecure = true;
    run(http, &o, &g);
    assert_int_equal(g.code, LB_EOK);
    assert_int_equal(g.status, 200);
    got_release(&g);
    http_free(http);
}

static void test_retries(void **state)
{
    struct http *http = http_new(E.loop);
    struct http_request_opts o;
    struct got g;
    char u[256];

    (void)state;
    url(u, sizeof(u), false, "/flaky?key=a&fail=2");
    o = opts_for(&g, u);
    o.retries = 2;
    run(http, &o, &g);
    assert_int_equal(g.code, LB_EOK);
    assert_int_equal(g.status, 200);
    assert_string_equal(buf_cstr(&g.body), "recovered\n");
    got_release(&g);

    /* Not enough retries: the last answer is reported. */
    url(u, sizeof(u), false, "/flaky?key=b&fail=3");
    o = opts_for(&g, u);
    o.retries = 1;
    run(http, &o, &g);
    assert_int_equal(g.status, 503);
    got_release(&g);

    /* POST is not idempotent: never retried. */
    url(u, sizeof(u), false, "/flaky?key=c&fail=1");
    o = opts_for(&g, u);
    o.method = "POST";
    o.retries = 3;
    run(http, &o, &g);
    assert_int_equal(g.status, 503);
    got_release(&g);
    http_free(http);
}

static void test_cancel_and_free(void **state)
{
    struct http *http = http_new(E.loop);
    struct http_request_opts o;
    struct got a, b, c;
    struct http_req *req;
    char u[256];

    (void)state;
    url(u, sizeof(u), false, "/hang");
    o = opts_for(&a, u);
    req = start(http, &o, &a);
    loop_run_once(E.loop, 50);
    http_cancel(req);
    assert_false(a.done); /* reported from the loop */
    wait_for(&a);
    assert_int_equal(a.code, LB_ECANCELLED);
    assert_int_equal(http_active(http), 0);
    got_release(&a);

    o = opts_for(&b, u);
    start(http, &o, &b);
    o = opts_for(&c, u);
    o.retries = 1;
    start(http, &o, &c);
    loop_run_once(E.loop, 50);
    assert_int_equal(http_active(http), 2);
    http_free(http); /* cancels both, reporting each once */
    assert_true(b.done && c.done);
    assert_int_equal(b.code, LB_ECANCELLED);
    assert_int_equal(c.code, LB_ECANCELLED);
    got_release(&b);
    got_release(&c);
    loop_run_once(E.loop, 20); /* nothing of http is left in the loop */
}

/* on_done may start the next request, and the last one may free the whole http. */
struct chain {
    struct http *http;
    char url[256];
    int done;
    bool freed;
};

static void chain_done(struct http_req *req, const struct http_response *res, void *arg)
{
    struct chain *c = arg;
    struct http_request_opts o;

    (void)req;
    assert_int_equal(res->code, LB_EOK);
    assert_int_equal(res->status, 200);
    if (++c->done < 3) {
        memset(&o, 0, sizeof(o));
        o.url = c->url;
        o.on_done = chain_done;
        o.arg = c;
        assert_non_null(http_start(c->http, &o, NULL));
    } else {
        http_free(c->http);
        c->freed = true;
    }
}

static void test_on_done_starts_next_and_frees(void **state)
{
    struct chain c;
    struct http_request_opts o;
    int turns = 0;

    (void)state;
    memset(&c, 0, sizeof(c));
    c.http = http_new(E.loop);
    url(c.url, sizeof(c.url), false, "/ok");
    memset(&o, 0, sizeof(o));
    o.url = c.url;
    o.on_done = chain_done;
    o.arg = &c;
    assert_non_null(http_start(c.http, &o, NULL));
    while (!c.freed && turns++ < 10000)
        loop_run_once(E.loop, 1000);
    assert_true(c.freed);
    assert_int_equal(c.done, 3);
    loop_run_once(E.loop, 20);
}

static void test_cancel_while_waiting_to_retry(void **state)
{
    struct http *http = http_new(E.loop);
    struct http_request_opts o;
    struct http_req *req;
    struct got g;
    char u[256];
    int turns = 0;

    (void)state;
    url(u, sizeof(u), false, "/flaky?key=d&fail=100");
    o = opts_for(&g, u);
    o.retries = 5;
    req = start(http, &o, &g);
    while (turns++ < 20) /* the first 503 arrives, the retry is waiting */
        loop_run_once(E.loop, 10);
    http_cancel(req);
    wait_for(&g);
    assert_int_equal(g.code, LB_ECANCELLED);
    assert_int_equal(http_active(http), 0);
    got_release(&g);
    http_free(http);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get),
        cmocka_unit_test(test_post_echo),
        cmocka_unit_test(test_concurrent_requests_and_child),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_connect_refused),
        cmocka_unit_test(test_body_cap),
        cmocka_unit_test(test_tls_pin),
        cmocka_unit_test(test_tls_default_cas_reject_self_signed),
        cmocka_unit_test(test_retries),
        cmocka_unit_test(test_cancel_and_free),
        cmocka_unit_test(test_on_done_starts_next_and_frees),
        cmocka_unit_test(test_cancel_while_waiting_to_retry),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
