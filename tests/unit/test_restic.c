/*
 * Unit tests for backend/restic.c without running restic: parsing of real
 * restic 0.14 output captured on this machine (tests/fixtures/restic/, see
 * README there), classification of real stderr texts and of the exit codes
 * of newer versions, and the environment handed to restic.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/base/buf.h"
#include "backend/base/err.h"
#include "backend/base/vec.h"
#include "backend/base/xalloc.h"
#include "backend/config.h"
#include "backend/restic.h"

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
    if (len)
        *len = b.len;
    return buf_detach(&b);
}

static void test_parse_snapshots_fixture(void **state)
{
    size_t len;
    char *json = fixture("snapshots-0.14.json", &len);
    struct vec v = VEC_INIT(restic_snapshot_free);
    struct lb_err err = { 0 };
    struct restic_snapshot *s;

    (void)state;
    assert_int_equal(restic_parse_snapshots(json, len, &v, &err), 0);
    assert_int_equal(v.len, 3);

    s = v.items[0];
    assert_string_equal(s->id, "edcf2eadb4c82cd761267279f843d386297d61b9d7bf61dac732123d91235ff4");
    assert_string_equal(s->short_id, "edcf2ead");
    /* "2026-11-20T03:00:00+01:00" */
    assert_int_equal(s->time, 1795140000);
    assert_int_equal(s->utc_offset, 3600);
    assert_string_equal(s->hostname, "pve1");
    assert_string_equal(s->username, "root");
    assert_string_equal(s->tree,
                        "58c30d9e19876593c2dfbe333e537c0607e60ac9690742c46400471ae4fc5b53");
    assert_null(s->parent);
    assert_int_equal(s->paths.len, 1);
    assert_string_equal(s->paths.items[0], "/tmp/h3cap/data");
    assert_int_equal(s->tags.len, 2);
    assert_string_equal(s->tags.items[0], "nightly"); /* order as given at backup time */
    assert_string_equal(s->tags.items[1], "daily");

    s = v.items[1];
    assert_int_equal(s->time, 1795575600); /* 2026-11-25T03:00:00Z */
    assert_int_equal(s->utc_offset, 0);
    assert_string_equal(s->parent,
                        "edcf2eadb4c82cd761267279f843d386297d61b9d7bf61dac732123d91235ff4");
    assert_int_equal(s->tags.len, 0);

    s = v.items[2];
    assert_string_equal(s->short_id, "31acea8c");
    assert_int_equal(s->time, 1795728098); /* 2026-11-26T21:21:38.556878477Z */
    assert_int_equal(s->paths.len, 2);
    assert_int_equal(s->tags.len, 1);
    assert_string_equal(s->tags.items[0], "a b");

    vec_release(&v);
    free(json);
}

static void test_parse_snapshots_sorted_by_time(void **state)
{
    /* newest first in the input (e.g. a tag rewrite or another tool): sorted ascending */
    static const char json[] =
        "[{\"time\":\"2026-11-25T03:00:00Z\",\"tree\":\"aa\",\"paths\":[\"/a\"],"
        "\"id\":\"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\",\"short_id\":\"bbbbbbbb\"},"
        "{\"time\":\"2026-11-25T03:00:00+01:00\",\"tree\":\"aa\",\"paths\":null,\"hostname\":\"h\","
        "\"id\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}]";
    struct vec v = VEC_INIT(restic_snapshot_free);
    struct lb_err err = { 0 };
    struct restic_snapshot *s;

    (void)state;
    assert_int_equal(restic_parse_snapshots(json, strlen(json), &v, &err), 0);
    assert_int_equal(v.len, 2);
    s = v.items[0];
    assert_string_equal(s->short_id, "aaaaaaaa"); /* derived when missing */
    assert_int_equal(s->time, 1795572000);
    assert_int_equal(s->paths.len, 0);
    assert_string_equal(s->username, "");
    s = v.items[1];
    assert_int_equal(s->time, 1795575600);
    vec_release(&v);
}

static void test_parse_snapshots_empty(void **state)
{
    size_t len;
    char *json = fixture("snapshots-empty-0.14.json", &len);
    struct vec v = VEC_INIT(restic_snapshot_free);
    struct lb_err err = { 0 };

    (void)state;
    assert_int_equal(restic_parse_snapshots(json, len, &v, &err), 0);
    assert_int_equal(v.len, 0);
    assert_int_equal(restic_parse_snapshots("null\n", 5, &v, &err), 0);
    assert_int_equal(v.len, 0);
    vec_release(&v);
    free(json);
}

static void test_parse_snapshots_malformed(void **state)
{
    static const char *const bad[] = {
        "",
        "[{\"time\":\"2026-11-25T03:00:00Z\",\"id\":\"ab",        /* cut off */
        "reading repository password from stdin\n[]",             /* text before JSON */
        "{\"time\":\"x\"}",                                       /* not a list */
        "[{\"time\":\"yesterday\",\"id\":\"abababababababab\"}]", /* bad time */
        "[{\"time\":\"2026-11-25T03:00:00Z\"}]",                  /* no id */
        "[{\"time\":\"2026-11-25T03:00:00Z\",\"id\":\"abababababababab\",\"paths\":[1]}]",
        "[42]",
    };
    struct lb_err err;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct vec v = VEC_INIT(restic_snapshot_free);

        memset(&err, 0, sizeof(err));
        assert_int_equal(restic_parse_snapshots(bad[i], strlen(bad[i]), &v, &err), -LB_EPARSE);
        assert_int_equal(err.code, LB_EPARSE);
        assert_non_null(strstr(err.msg, "restic snapshots"));
        assert_int_equal(v.len, 0); /* nothing half-parsed is handed out */
        vec_release(&v);
    }
}

static void test_parse_stats(void **state)
{
    size_t len;
    char *json = fixture("stats-raw-data-0.14.json", &len);
    struct restic_stats st;
    struct lb_err err = { 0 };

    (void)state;
    assert_int_equal(restic_parse_stats(json, len, &st, &err), 0);
    assert_true(st.total_size == 3112);
    assert_true(st.total_file_count == 0);
    assert_true(st.snapshots_count == 3);
    free(json);

    json = fixture("stats-raw-data-empty-0.14.json", &len);
    assert_int_equal(restic_parse_stats(json, len, &st, &err), 0);
    assert_true(st.total_size == 0 && st.snapshots_count == 0);
    free(json);

    /* 0.15+ raw-data: total_file_count left out, compression fields added */
    {
        static const char newer[] =
            "{\"total_size\":153929,\"total_uncompressed_size\":300000,\"compression_ratio\":1.9,"
            "\"total_blob_count\":223,\"snapshots_count\":46}";

        assert_int_equal(restic_parse_stats(newer, strlen(newer), &st, &err), 0);
        assert_true(st.total_size == 153929 && st.snapshots_count == 46 &&
                    st.total_file_count == 0);
    }
    assert_int_equal(restic_parse_stats("{\"snapshots_count\":1}", 21, &st, &err), -LB_EPARSE);
    assert_non_null(strstr(err.msg, "restic stats"));
    assert_int_equal(restic_parse_stats("{\"total_size\":-5}", 17, &st, &err), -LB_EPARSE);
    assert_int_equal(restic_parse_stats("{\"total_size\":", 14, &st, &err), -LB_EPARSE);
    assert_int_equal(restic_parse_stats("[]", 2, &st, &err), -LB_EPARSE);
}

static void test_parse_lock(void **state)
{
    size_t len;
    char *json = fixture("lock-exclusive-0.14.json", &len);
    struct restic_lock l;
    struct lb_err err = { 0 };

    (void)state;
    memset(&l, 0, sizeof(l));
    assert_int_equal(restic_parse_lock(json, len, &l, &err), 0);
    assert_true(l.exclusive);
    assert_int_equal(l.pid, 9035);
    assert_string_equal(l.hostname, "vm");
    assert_string_equal(l.username, "root");
    assert_int_equal(l.time, 1795728164); /* 2026-11-26T21:22:44.44058562Z */
    free(l.hostname);
    free(l.username);
    free(json);

    json = fixture("lock-shared-0.14.json", &len);
    memset(&l, 0, sizeof(l));
    assert_int_equal(restic_parse_lock(json, len, &l, &err), 0);
    assert_false(l.exclusive);
    assert_int_equal(l.pid, 5598);
    free(l.hostname);
    free(l.username);
    free(json);

    memset(&l, 0, sizeof(l));
    assert_int_equal(restic_parse_lock("{\"exclusive\":true}", 18, &l, &err), -LB_EPARSE);
    assert_non_null(strstr(err.msg, "cat lock"));
    assert_int_equal(restic_parse_lock("not json", 8, &l, &err), -LB_EPARSE);
    assert_null(l.hostname);
}

/* classification of real restic 0.14 stderr (all exit 1 there) */

static void test_classify_wrong_password(void **state)
{
    char *text = fixture("wrong-password-0.14.stderr", NULL);
    struct lb_err err = { 0 };

    (void)state;
    assert_int_equal(restic_classify_failure("usb-ssd", 1, 0, false, 0, text, &err), -LB_EAUTH);
    assert_string_equal(err.msg, "cannot read repo 'usb-ssd': wrong password");
    /* restic 0.17.1+: exit 12 says it without any text */
    assert_int_equal(restic_classify_failure("usb-ssd", 12, 0, false, 0, "", &err), -LB_EAUTH);
    free(text);
}

static void test_classify_missing_repo(void **state)
{
    char *text = fixture("missing-repo-0.14.stderr", NULL);
    struct lb_err err = { 0 };

    (void)state;
    assert_int_equal(restic_classify_failure("nas", 1, 0, false, 0, text, &err), -LB_ENOREPO);
    assert_non_null(strstr(err.msg, "cannot read repo 'nas'"));
    assert_non_null(strstr(err.msg, "/tmp/h3cap/nonexistent"));
    assert_non_null(strstr(err.msg, "restic init"));
    free(text);
    /* 0.17+ wording and exit 10 */
    assert_int_equal(restic_classify_failure(
                         "nas", 10, 0, false, 0,
                         "Fatal: repository does not exist: unable to open config file: stat "
                         "/srv/x/config: no such file or directory\nIs there a repository at "
                         "the following location?\n/srv/x\n",
                         &err),
                     -LB_ENOREPO);
    assert_non_null(strstr(err.msg, "/srv/x"));
    assert_int_equal(restic_classify_failure("nas", 10, 0, false, 0, "", &err), -LB_ENOREPO);
}

static void test_classify_rest_401_is_not_missing(void **state)
{
    /* reference text (REST 401): same first words as a missing repo */
    static const char text[] = "Fatal: unable to open config file: unexpected HTTP response (401): "
                               "401 Unauthorized\nIs there a repository at the following "
                               "location?\nrest:http://127.0.0.1:18082/\n";
    struct lb_err err = { 0 };

    (void)state;
    assert_int_equal(restic_classify_failure("cloud", 1, 0, false, 0, text, &err), -LB_EAUTH);
    assert_non_null(strstr(err.msg, "401"));
}

static void test_classify_locked(void **state)
{
    char *text = fixture("locked-exclusive-0.14.stderr", NULL);
    struct lb_err err = { 0 };

    (void)state;
    assert_int_equal(restic_classify_failure("usb-ssd", 1, 0, false, 0, text, &err), -LB_ELOCKED);
    assert_non_null(strstr(err.msg, "cannot read repo 'usb-ssd': repository is locked "
                                    "exclusively by PID 9035 on vm by root since "
                                    "2026-11-26 21:22:44 (2s ago)"));
    assert_non_null(strstr(err.msg, "restic unlock"));
    free(text);

    text = fixture("locked-shared-0.14.stderr", NULL);
    assert_int_equal(restic_classify_failure("usb-ssd", 1, 0, false, 0, text, &err), -LB_ELOCKED);
    assert_non_null(strstr(err.msg, "locked by PID 5598 on vm by root since 2026-11-26 21:21:49"));
    assert_null(strstr(err.msg, "exclusively"));
    free(text);

    /* 0.17+: exit 11; ages in minutes and hours as Go prints them */
    assert_int_equal(restic_classify_failure(
                         "b2", 11, 0, false, 0,
                         "unable to create lock in backend: repository is already locked "
                         "exclusively by PID 7013 on pve1 by root (UID 0, GID 0)\nlock was "
                         "created at 2026-11-26 18:52:14 (2h0m5.5s ago)\nstorage ID c3c268c2\n",
                         &err),
                     -LB_ELOCKED);
    assert_non_null(strstr(err.msg, "PID 7013 on pve1 by root since 2026-11-26 18:52:14 (2h"));
    assert_int_equal(restic_classify_failure("b2", 11, 0, false, 0, "", &err), -LB_ELOCKED);
}

static void test_classify_password_source(void **state)
{
    char *text = fixture("password-file-missing-0.14.stderr", NULL);
    struct lb_err err = { 0 };

    (void)state;
    assert_int_equal(restic_classify_failure("nas", 1, 0, false, 0, text, &err), -LB_EAUTH);
    assert_string_equal(err.msg,
                        "cannot read repo 'nas': cannot get the password: /tmp/h3cap/nopw does "
                        "not exist");
    free(text);
    text = fixture("password-command-failed-0.14.stderr", NULL);
    assert_int_equal(restic_classify_failure("nas", 1, 0, false, 0, text, &err), -LB_EAUTH);
    assert_string_equal(err.msg,
                        "cannot read repo 'nas': the password command failed (exit status 3)");
    free(text);
}

static void test_classify_process_failures(void **state)
{
    struct lb_err err = { 0 };

    (void)state;
    unsetenv("LIFEBOAT_RESTIC");
    assert_int_equal(restic_classify_failure("nas", -1, 0, false, ENOENT, "", &err),
                     -LB_EMISSING_TOOL);
    assert_string_equal(err.msg,
                        "cannot read repo 'nas': restic is not installed (apt install restic)");
    assert_int_equal(restic_classify_failure("nas", -1, 15, true, 0, "", &err), -LB_ETIMEOUT);
    assert_non_null(strstr(err.msg, "'nas'"));
    assert_int_equal(restic_classify_failure("nas", -1, 9, false, 0, "", &err), -LB_EFAIL);
    assert_non_null(strstr(err.msg, "SIGKILL"));
    assert_int_equal(restic_classify_failure("nas", 130, 0, false, 0,
                                             "\033[2Ksignal interrupt received, cleaning up\n",
                                             &err),
                     -LB_ECANCELLED);
    /* an unknown failure shows restic's first line, without escapes or retry noise */
    assert_int_equal(restic_classify_failure(
                         "nas", 1, 0, false, 0,
                         "Load(<lock/00000000>, 0, 0) returned error, retrying after 552ms: x\n"
                         "\033[31mFatal: something \033]0;title\007odd\033[0m happened\n",
                         &err),
                     -LB_EFAIL);
    assert_non_null(strstr(err.msg, "exit 1"));
    assert_non_null(strstr(err.msg, "something"));
    assert_null(strchr(err.msg, '\033'));
    assert_null(strchr(err.msg, '\007'));
    assert_null(strstr(err.msg, "retrying"));
}

/* ---- environment ---- */

static const char *env_get(const struct vec *env, const char *name)
{
    size_t n = strlen(name);

    for (size_t i = 0; i < env->len && env->items[i]; i++) {
        const char *e = env->items[i];

        if (strncmp(e, name, n) == 0 && e[n] == '=')
            return e + n + 1;
    }
    return NULL;
}

struct envfx {
    char dir[64];
    char file[128];
};

static int env_setup(void **state)
{
    struct envfx *fx = xcalloc(1, sizeof(*fx));

    snprintf(fx->dir, sizeof(fx->dir), "/tmp/lifeboat-env.XXXXXX");
    if (!mkdtemp(fx->dir))
        return -1;
    snprintf(fx->file, sizeof(fx->file), "%s/b2.env", fx->dir);
    *state = fx;
    return 0;
}

static int env_teardown(void **state)
{
    struct envfx *fx = *state;

    unlink(fx->file);
    rmdir(fx->dir);
    free(fx);
    return 0;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_build_env(void **state)
{
    struct envfx *fx = *state;
    struct repo_cfg repo;
    struct vec env = VEC_INIT(free);
    struct lb_err err = { 0 };
    char name[] = "b2", url[] = "b2:bucket:lab", pwfile[] = "secrets/b2.pass", envfile[] = "b2.env",
         pwcmd[] = "pass show restic/b2", local[] = "/mnt/usb/restic";

    memset(&repo, 0, sizeof(repo));
    repo.name = name;
    repo.url = url;
    repo.password_file = pwfile; /* relative: against the config dir */
    repo.env_file = envfile;
    write_file(fx->file, "# B2 keys\n"
                         "\n"
                         "B2_ACCOUNT_ID=0012345\n"
                         "export B2_ACCOUNT_KEY=\"K001 with spaces\"\n"
                         "  RESTIC_COMPRESSION = 'max'  \n"
                         "RESTIC_PASSWORD=ignored-because-lifeboat.conf-sets-it\n"
                         "EMPTY=\n"
                         "HALF=\"abc'\n");
    /* a value may not open a quote it does not close... */
    assert_int_equal(restic_build_env(&repo, fx->dir, &env, &err), -LB_ECONFIG);
    assert_non_null(strstr(err.msg, fx->file));
    assert_non_null(strstr(err.msg, ":8:"));
    assert_null(strstr(err.msg, "abc")); /* never echo a value: it may be a secret */
    assert_int_equal(env.len, 0);

    write_file(fx->file, "# B2 keys\n"
                         "\n"
                         "B2_ACCOUNT_ID=0012345\n"
                         "export B2_ACCOUNT_KEY=\"K001 with spaces\"\n"
                         "  RESTIC_COMPRESSION = 'max'  \n"
                         "RESTIC_PASSWORD=ignored-because-lifeboat.conf-sets-it\n"
                         "EMPTY=\n"
                         "QUOTE=it's");
    assert_int_equal(restic_build_env(&repo, fx->dir, &env, &err), 0);
    assert_null(env.items[env.len - 1]); /* NULL-terminated, usable as spawn env */
    assert_string_equal(env_get(&env, "RESTIC_REPOSITORY"), "b2:bucket:lab");
    {
        char *want = xasprintf("%s/secrets/b2.pass", fx->dir);

        assert_string_equal(env_get(&env, "RESTIC_PASSWORD_FILE"), want);
        free(want);
    }
    assert_null(env_get(&env, "RESTIC_PASSWORD_COMMAND"));
    assert_null(env_get(&env, "RESTIC_PASSWORD"));
    assert_string_equal(env_get(&env, "B2_ACCOUNT_ID"), "0012345");
    assert_string_equal(env_get(&env, "B2_ACCOUNT_KEY"), "K001 with spaces");
    assert_string_equal(env_get(&env, "RESTIC_COMPRESSION"), "max");
    assert_string_equal(env_get(&env, "EMPTY"), "");
    assert_string_equal(env_get(&env, "QUOTE"), "it's");
    vec_release(&env);

    /* syntax errors name file:line */
    write_file(fx->file, "A=1\nthis is not an assignment\n");
    vec_init(&env, free);
    assert_int_equal(restic_build_env(&repo, fx->dir, &env, &err), -LB_ECONFIG);
    assert_non_null(strstr(err.msg, ":2:"));
    write_file(fx->file, "1ABC=x\n");
    assert_int_equal(restic_build_env(&repo, fx->dir, &env, &err), -LB_ECONFIG);
    assert_non_null(strstr(err.msg, ":1:"));

    /* an unreadable env_file is an error naming it */
    unlink(fx->file);
    assert_true(restic_build_env(&repo, fx->dir, &env, &err) < 0);
    assert_non_null(strstr(err.msg, fx->file));
    assert_int_equal(env.len, 0);

    /* password_command, absolute paths kept, no env_file */
    repo.password_file = NULL;
    repo.password_command = pwcmd;
    repo.env_file = NULL;
    repo.url = local;
    assert_int_equal(restic_build_env(&repo, "/etc/lifeboat", &env, &err), 0);
    assert_string_equal(env_get(&env, "RESTIC_PASSWORD_COMMAND"), "pass show restic/b2");
    assert_null(env_get(&env, "RESTIC_PASSWORD_FILE"));
    assert_string_equal(env_get(&env, "RESTIC_REPOSITORY"), "/mnt/usb/restic");
    vec_release(&env);

    /* the inherited sources that would conflict are removed */
    {
        const char *const *u = restic_unset_env();
        bool pw = false, host = false;

        for (; *u; u++) {
            pw |= strcmp(*u, "RESTIC_PASSWORD") == 0;
            host |= strcmp(*u, "RESTIC_HOST") == 0;
        }
        assert_true(pw && host);
    }
}

/* Found by fuzz_restic: a garbled lock age ("91E324713s") once overflowed a cast. */
static void test_classify_garbled_lock_age(void **state)
{
    struct lb_err err = { 0 };
    const char *text = "Fatal: unable to create lock in backend: repository is already locked "
                       "exclusively by PID 1 on h by rex0, GID 0)\n"
                       "lock was created at 2X261:9 (91E324713s\"shoid\"ocks\n";

    (void)state;
    assert_int_equal(restic_classify_failure("usb-ssd", 1, 0, false, 0, text, &err), -LB_ELOCKED);
    assert_non_null(strstr(err.msg, "usb-ssd"));
    assert_null(strstr(err.msg, " ago)")); /* an age that makes no sense is left out */
}

static void test_program(void **state)
{
    (void)state;
    unsetenv("LIFEBOAT_RESTIC");
    assert_string_equal(restic_program(), "restic");
    setenv("LIFEBOAT_RESTIC", "/opt/restic-0.17/restic", 1);
    assert_string_equal(restic_program(), "/opt/restic-0.17/restic");
    unsetenv("LIFEBOAT_RESTIC");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_snapshots_fixture),
        cmocka_unit_test(test_parse_snapshots_sorted_by_time),
        cmocka_unit_test(test_parse_snapshots_empty),
        cmocka_unit_test(test_parse_snapshots_malformed),
        cmocka_unit_test(test_parse_stats),
        cmocka_unit_test(test_parse_lock),
        cmocka_unit_test(test_classify_wrong_password),
        cmocka_unit_test(test_classify_missing_repo),
        cmocka_unit_test(test_classify_rest_401_is_not_missing),
        cmocka_unit_test(test_classify_locked),
        cmocka_unit_test(test_classify_password_source),
        cmocka_unit_test(test_classify_process_failures),
        cmocka_unit_test_setup_teardown(test_build_env, env_setup, env_teardown),
        cmocka_unit_test(test_classify_garbled_lock_age), cmocka_unit_test(test_program),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
