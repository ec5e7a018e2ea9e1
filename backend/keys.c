#include "backend/keys.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/base/buf.h"
#include "backend/base/clock.h"
#include "backend/base/log.h"
#include "backend/base/str.h"
#include "backend/base/xalloc.h"
#include "backend/config.h"
#include "backend/loop.h"
#include "backend/restic.h"
#include "backend/runlock.h"
#include "backend/spawn.h"

#define PW_MAX     4096
#define RESTIC_TMO (10 * 60 * 1000)
#define CMD_TMO    (2 * 60 * 1000)

enum kr_phase {
    KR_READ,
    KR_LIST_OLD,
    KR_ADD,
    KR_LIST_NEW,
    KR_STORE,
    KR_WAIT,
    KR_CHECK,
    KR_VERIFY,
    KR_REMOVE,
    KR_UNDO,
    KR_DONE
};

struct keyrot {
    struct loop *loop;
    const struct config *cfg;
    struct store *st;
    const struct repo_cfg *repo;
    void (*on_update)(struct keyrot *k, void *arg);
    void *arg;
    struct runlock *lock;
    enum kr_phase ph;
    bool done, cancelled, orphan;
    struct store_keyrot rec;
    char *old_pw; /* the password the source returned at the start */
    size_t old_len;
    char new_pw[PW_MAX];
    size_t new_len;
    bool generated;
    char *new_file;   /* the operator's --new-password-file */
    char tmp_old[64]; /* 0600 temp files holding the passwords for restic */
    char tmp_new[64];
    char *pf, *pf_new, *pf_old; /* password_file and its .new/.old */
    bool pf_swapped;            /* pf is the new password, pf_old the old one */
    bool pf_new_ours;           /* we wrote pf_new */
    struct vec env_src;         /* restic's env through the configured source */
    struct vec env_old;         /* the same with RESTIC_PASSWORD_FILE = tmp_old */
    struct vec ids_before;
    struct spawn *sp;
    void (*next)(struct keyrot *k, const struct spawn_result *res, const char *out,
                 const char *errtext);
    char step[160];
    char advice[768];
    char undo_why[512];
};

/* ---- pure parts ---- */

int keys_parse_list(const char *json, size_t len, char *cur, size_t n, struct vec *ids,
                    struct lb_err *err)
{
    json_error_t je;
    json_t *root = json_loadb(json, len, 0, &je), *it;
    size_t i;

    if (cur && n)
        cur[0] = '\0';
    if (!root || !json_is_array(root)) {
        json_decref(root);
        return lb_err_set(err, LB_EPARSE, "restic key list --json: not a JSON array");
    }
    json_array_foreach(root, i, it) {
        const char *id = json_string_value(json_object_get(it, "id"));

        if (!id)
            continue;
        if (ids)
            vec_push(ids, xstrdup(id));
        if (json_is_true(json_object_get(it, "current")) && cur)
            str_copy(cur, n, id);
    }
    json_decref(root);
    return 0;
}

int keys_generate(char *out, size_t n, struct lb_err *err)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    unsigned char raw[33];
    size_t got = 0, o = 0;
    int fd;

    if (n < 45)
        return lb_err_set(err, LB_EFAIL, "password buffer too small");
    fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return lb_err_set(err, LB_EIO, "cannot open /dev/urandom: %s", strerror(errno));
    while (got < sizeof(raw)) {
        ssize_t r = read(fd, raw + got, sizeof(raw) - got);

        if (r <= 0) {
            close(fd);
            return lb_err_set(err, LB_EIO, "cannot read /dev/urandom");
        }
        got += (size_t)r;
    }
    close(fd);
    /* 6 bits a character: 32 bytes -> 43 characters (256 bits) */
    for (size_t bit = 0; bit + 6 <= 32 * 8 + 2 && o < 43; bit += 6) {
        size_t byte = bit / 8, sh = bit % 8;
        unsigned v = ((unsigned)raw[byte] << 8 | raw[byte + 1]) >> (10 - sh);

        out[o++] = abc[v & 63];
    }
    out[o] = '\0';
    explicit_bzero(raw, sizeof(raw));
    return 0;
}

/* ---- helpers ---- */

static void say(struct keyrot *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct keyrot *k, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(k->step, sizeof(k->step), fmt, ap);
    va_end(ap);
    log_msg(LOG_INFO, "keys %s: %s", k->repo->name, k->step);
    if (k->on_update)
        k->on_update(k, k->arg);
}

static void stage(struct keyrot *k, const char *s)
{
    struct lb_err e = { 0 };

    str_copy(k->rec.stage, sizeof(k->rec.stage), s);
    if (k->st && k->rec.id && store_keyrot_update(k->st, &k->rec, &e) < 0)
        log_msg(LOG_WARN, "keys: cannot record the rotation: %s", e.msg);
}

/* Write len bytes to a new 0600 temp file; path into out. */
static int write_temp(const char *data, size_t len, char *out, size_t n, struct lb_err *err)
{
    const char *dir = getenv("TMPDIR");
    int fd;
    size_t off = 0;

    snprintf(out, n, "%s/lifeboat-key-XXXXXX", dir && *dir ? dir : "/tmp");
    fd = mkstemp(out);
    if (fd < 0) {
        int e = errno;

        out[0] = '\0';
        return lb_err_set(err, LB_EIO, "cannot create a temp file for the password: %s",
                          strerror(e));
    }
    fchmod(fd, 0600);
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);

        if (w <= 0) {
            close(fd);
            unlink(out);
            out[0] = '\0';
            return lb_err_set(err, LB_EIO, "cannot write a temp file for the password");
        }
        off += (size_t)w;
    }
    close(fd);
    return 0;
}

/* Write data + "\n" to path (new, 0600, synced). */
static int write_secret_file(const char *path, const char *data, size_t len, struct lb_err *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    int rc = 0;

    if (fd < 0)
        return lb_err_set(err, LB_EIO, "cannot create %s: %s", path, strerror(errno));
    if (write(fd, data, len) != (ssize_t)len || write(fd, "\n", 1) != 1 || fsync(fd) < 0)
        rc = lb_err_set(err, LB_EIO, "cannot write %s: %s", path, strerror(errno));
    close(fd);
    if (rc < 0)
        unlink(path);
    return rc;
}

/* A secret file read whole (at most PW_MAX); trailing newlines dropped when trim. */
static int read_secret(const char *path, char *out, size_t n, size_t *len, struct lb_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    size_t got = 0;
    ssize_t r;

    if (fd < 0)
        return lb_err_set(err, errno == ENOENT ? LB_ENOTFOUND : LB_EIO, "cannot read %s: %s", path,
                          strerror(errno));
    while (got + 1 < n && (r = read(fd, out + got, n - 1 - got)) > 0)
        got += (size_t)r;
    close(fd);
    while (got && (out[got - 1] == '\n' || out[got - 1] == '\r'))
        got--;
    out[got] = '\0';
    *len = got;
    if (!got)
        return lb_err_set(err, LB_EFAIL, "%s is empty: it must hold the password", path);
    if (memchr(out, '\n', got))
        return lb_err_set(err, LB_EFAIL,
                          "%s holds more than one line: restic would not read it "
                          "as one password",
                          path);
    return 0;
}

static void wipe_temps(struct keyrot *k)
{
    if (k->tmp_old[0]) {
        unlink(k->tmp_old);
        k->tmp_old[0] = '\0';
    }
    if (k->tmp_new[0]) {
        unlink(k->tmp_new);
        k->tmp_new[0] = '\0';
    }
}

static void finish(struct keyrot *k, const char *outcome)
{
    struct lb_err e = { 0 };

    wipe_temps(k);
    if (k->old_pw)
        explicit_bzero(k->old_pw, k->old_len);
    explicit_bzero(k->new_pw, sizeof(k->new_pw));
    if (k->pf_new && k->pf_new_ours && !k->pf_swapped)
        unlink(k->pf_new);
    str_copy(k->rec.outcome, sizeof(k->rec.outcome), outcome);
    k->rec.ended = clock_now();
    if (k->st && k->rec.id && store_keyrot_update(k->st, &k->rec, &e) < 0)
        log_msg(LOG_WARN, "keys: cannot record the rotation: %s", e.msg);
    k->ph = KR_DONE;
    k->done = true;
    runlock_release(k->lock);
    k->lock = NULL;
    say(k, "rotation %s", outcome);
}

/* The advice with OLDID / NEWID replaced by the key ids (8 characters). */
static void expand_ids(struct keyrot *k, const char *advice)
{
    size_t o = 0;

    for (const char *p = advice; *p && o + 9 < sizeof(k->advice); p++) {
        const char *id = !strncmp(p, "OLDID", 5)   ? k->rec.old_key
                         : !strncmp(p, "NEWID", 5) ? k->rec.new_key
                                                   : NULL;

        if (id && *id) {
            o += (size_t)snprintf(k->advice + o, sizeof(k->advice) - o, "%.8s", id);
            p += 4;
        } else {
            k->advice[o++] = *p;
        }
    }
    k->advice[o] = '\0';
}

static void fail(struct keyrot *k, const char *advice, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fail(struct keyrot *k, const char *advice, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(k->rec.error, sizeof(k->rec.error), fmt, ap);
    va_end(ap);
    str_sanitize(k->rec.error);
    expand_ids(k, advice ? advice : "");
    finish(k, k->cancelled ? "cancelled" : "failed");
}

static void on_exit_cb(struct spawn *sp, const struct spawn_result *res, void *arg)
{
    struct keyrot *k = arg;
    char *out = xstrdup(buf_cstr(spawn_stdout(sp)));
    char *errtext = xstrdup(buf_cstr(spawn_stderr(sp)));

    k->sp = NULL;
    if (k->orphan)
        keyrot_free(k);
    else
        k->next(k, res, out, errtext);
    free(out);
    free(errtext);
}

/* Run restic with env and extra args; next gets the result. */
static int run_restic(struct keyrot *k, const struct vec *env, const char *const *args,
                      void (*next)(struct keyrot *, const struct spawn_result *, const char *,
                                   const char *))
{
    const char *argv[12];
    size_t n = 0;
    struct spawn_opts o = { 0 };
    struct lb_err e = { 0 };

    argv[n++] = restic_program();
    argv[n++] = "--no-cache";
    for (size_t i = 0; args[i] && n < 11; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    o.argv = argv;
    o.env = (const char *const *)env->items;
    o.unset_env = restic_unset_env();
    o.timeout_ms = RESTIC_TMO;
    o.capture = true;
    o.capture_max = 1 << 20;
    o.on_exit = on_exit_cb;
    o.arg = k;
    k->next = next;
    k->sp = spawn_start(k->loop, &o, &e);
    if (!k->sp) {
        fail(k, NULL, "cannot start restic: %s", e.msg);
        return -1;
    }
    return 0;
}

static bool res_ok(const struct spawn_result *res)
{
    return res->exited && res->status == 0;
}

/* A restic failure as one line, classified. */
static void restic_why(struct keyrot *k, const struct spawn_result *res, const char *errtext,
                       char *out, size_t n)
{
    struct lb_err e = { 0 };

    restic_classify_failure(k->repo->name, res->exited ? res->status : -1, res->signo,
                            res->timed_out, res->exec_errno, errtext, &e);
    str_copy(out, n, e.msg);
}

/* ---- the steps ---- */

static void step_list_old(struct keyrot *k);
static void step_add(struct keyrot *k);
static void step_store(struct keyrot *k);
static void step_verify(struct keyrot *k);
static void undo_new_key(struct keyrot *k, const char *why);

static void got_command_pw(struct keyrot *k, const struct spawn_result *res, const char *out,
                           const char *errtext)
{
    size_t len = strcspn(out, "\r\n");

    (void)errtext;
    if (k->cancelled) {
        fail(k, "Nothing was changed.", "cancelled");
        return;
    }
    if (!res_ok(res) || !len) {
        fail(k, "Nothing was changed.",
             "the password_command of repo '%s' %s: it must print the current password",
             k->repo->name, !res_ok(res) ? "failed" : "printed nothing");
        return;
    }
    k->old_pw = xstrndup(out, len);
    k->old_len = len;
    step_list_old(k);
}

static void step_read(struct keyrot *k)
{
    struct lb_err e = { 0 };

    k->ph = KR_READ;
    stage(k, "read");
    say(k, "reading the current password from the %s",
        k->repo->password_file ? "password file" : "password command");
    if (k->repo->password_file) {
        char *pw = xmalloc(PW_MAX);

        if (read_secret(k->pf, pw, PW_MAX, &k->old_len, &e) < 0) {
            explicit_bzero(pw, PW_MAX);
            free(pw);
            {
                fail(k, "Nothing was changed.", "%s", e.msg);
                return;
            }
        }
        k->old_pw = pw;
        step_list_old(k);
    } else {
        const char *argv[] = { "/bin/sh", "-c", k->repo->password_command, NULL };
        struct spawn_opts o = { 0 };

        o.argv = argv;
        o.timeout_ms = CMD_TMO;
        o.capture = true;
        o.capture_max = PW_MAX;
        o.on_exit = on_exit_cb;
        o.arg = k;
        k->next = got_command_pw;
        k->sp = spawn_start(k->loop, &o, &e);
        if (!k->sp)
            fail(k, "Nothing was changed.", "cannot run the password_command: %s", e.msg);
    }
}

static void listed_old(struct keyrot *k, const struct spawn_result *res, const char *out,
                       const char *errtext)
{
    struct lb_err e = { 0 };
    char why[512];

    if (k->cancelled) {
        fail(k, "Nothing was changed.", "cancelled");
        return;
    }
    if (!res_ok(res)) {
        restic_why(k, res, errtext, why, sizeof(why));
        {
            fail(k, "Nothing was changed.", "the current password does not open the repo: %s", why);
            return;
        }
    }
    if (keys_parse_list(out, strlen(out), k->rec.old_key, sizeof(k->rec.old_key), &k->ids_before,
                        &e) < 0 ||
        !k->rec.old_key[0]) {
        fail(k, "Nothing was changed.", "restic key list: no key in use (%s)",
             e.msg[0] ? e.msg : "no current key");
        return;
    }
    stage(k, "listed");
    step_add(k);
}

static void step_list_old(struct keyrot *k)
{
    static const char *const args[] = { "key", "list", "--json", NULL };
    struct lb_err e = { 0 };

    k->ph = KR_LIST_OLD;
    if (write_temp(k->old_pw, k->old_len, k->tmp_old, sizeof(k->tmp_old), &e) < 0) {
        fail(k, "Nothing was changed.", "%s", e.msg);
        return;
    }
    for (size_t i = 0; i < k->env_src.len && k->env_src.items[i]; i++) {
        const char *v = k->env_src.items[i];

        if (!str_starts_with(v, "RESTIC_PASSWORD_FILE=") &&
            !str_starts_with(v, "RESTIC_PASSWORD_COMMAND="))
            vec_push(&k->env_old, xstrdup(v));
    }
    vec_push(&k->env_old, xasprintf("RESTIC_PASSWORD_FILE=%s", k->tmp_old));
    vec_push(&k->env_old, NULL);
    say(k, "opening the repo with the current password");
    run_restic(k, &k->env_old, args, listed_old);
}

static void listed_new(struct keyrot *k, const struct spawn_result *res, const char *out,
                       const char *errtext)
{
    struct vec ids = VEC_INIT(free);
    struct lb_err e = { 0 };
    char cur[65], why[512];

    if (!res_ok(res)) {
        restic_why(k, res, errtext, why, sizeof(why));
        {
            fail(k,
                 "A new key may have been added; the old password still opens the repo. "
                 "Check with: restic key list",
                 "listing the keys after key add failed: %s", why);
            return;
        }
    }
    keys_parse_list(out, strlen(out), cur, sizeof(cur), &ids, &e);
    for (size_t i = 0; i < ids.len && !k->rec.new_key[0]; i++) {
        bool known = false;

        for (size_t j = 0; j < k->ids_before.len; j++)
            known = known || !strcmp(ids.items[i], k->ids_before.items[j]);
        if (!known)
            str_copy(k->rec.new_key, sizeof(k->rec.new_key), ids.items[i]);
    }
    vec_release(&ids);
    if (!k->rec.new_key[0]) {
        fail(k, "The old password still opens the repo.",
             "restic key add ran but no new key is listed");
        return;
    }
    stage(k, "key add");
    if (k->cancelled) {
        undo_new_key(k, "cancelled");
        return;
    }
    step_store(k);
}

static void added(struct keyrot *k, const struct spawn_result *res, const char *out,
                  const char *errtext)
{
    static const char *const args[] = { "key", "list", "--json", NULL };
    char why[512];

    (void)out;
    if (!res_ok(res)) {
        restic_why(k, res, errtext, why, sizeof(why));
        {
            fail(k, "No key was added; the old password opens the repo as before.",
                 "restic key add failed: %s", why);
            return;
        }
    }
    k->ph = KR_LIST_NEW;
    say(k, "new key added; finding its id");
    run_restic(k, &k->env_old, args, listed_new);
}

static void step_add(struct keyrot *k)
{
    struct lb_err e = { 0 };
    static const char *args[] = { "key", "add", "--new-password-file", NULL, NULL };

    k->ph = KR_ADD;
    if (k->new_file) {
        if (read_secret(k->new_file, k->new_pw, sizeof(k->new_pw), &k->new_len, &e) < 0) {
            fail(k, "Nothing was changed.", "the new password: %s", e.msg);
            return;
        }
    } else if (k->pf_new && access(k->pf_new, F_OK) == 0) {
        if (read_secret(k->pf_new, k->new_pw, sizeof(k->new_pw), &k->new_len, &e) < 0) {
            fail(k, "Nothing was changed.", "the new password: %s", e.msg);
            return;
        }
    } else {
        if (keys_generate(k->new_pw, sizeof(k->new_pw), &e) < 0) {
            fail(k, "Nothing was changed.", "%s", e.msg);
            return;
        }
        k->new_len = strlen(k->new_pw);
        k->generated = true;
    }
    if (k->new_len == k->old_len && !memcmp(k->new_pw, k->old_pw, k->new_len)) {
        fail(k, "Nothing was changed.", "the new password is the current one: choose another");
        return;
    }
    if (k->new_len < 12) {
        fail(k, "Nothing was changed.", "the new password has %zu characters: use at least 12",
             k->new_len);
        return;
    }
    if (write_temp(k->new_pw, k->new_len, k->tmp_new, sizeof(k->tmp_new), &e) < 0) {
        fail(k, "Nothing was changed.", "%s", e.msg);
        return;
    }
    args[3] = k->tmp_new;
    say(k, "adding a new key (restic key add)");
    run_restic(k, &k->env_old, args, added);
}

/* password_file: pf.new (0600) over pf, the old one kept as pf.old. */
static void store_file(struct keyrot *k)
{
    struct lb_err e = { 0 };

    if (access(k->pf_new, F_OK) != 0) {
        if (write_secret_file(k->pf_new, k->new_pw, k->new_len, &e) < 0) {
            undo_new_key(k, e.msg);
            return;
        }
        k->pf_new_ours = true;
    }
    chmod(k->pf_new, 0600);
    if (link(k->pf, k->pf_old) < 0) {
        undo_new_key(k, "cannot keep the previous password file");
        return;
    }
    if (rename(k->pf_new, k->pf) < 0) {
        unlink(k->pf_old);
        {
            undo_new_key(k, "cannot rename the new password file over the old one");
            return;
        }
    }
    k->pf_swapped = true;
    stage(k, "store");
    step_verify(k);
}

static void checked_command(struct keyrot *k, const struct spawn_result *res, const char *out,
                            const char *errtext)
{
    size_t len = strcspn(out, "\r\n");

    (void)errtext;
    if (res_ok(res) && len == k->new_len && !memcmp(out, k->new_pw, len)) {
        if (k->cancelled) {
            /* the vault holds the new password already: removing the new key would lock it out */
            fail(k,
                 "Both keys are in the repo and open it; the password_command returns the new "
                 "password. Finish by removing the old key: restic key remove OLDID.",
                 "cancelled after the vault was updated; old key %.8s kept, new key %.8s kept",
                 k->rec.old_key, k->rec.new_key);
            return;
        }
        stage(k, "store");
        {
            step_verify(k);
            return;
        }
    }
    if (res_ok(res) && len == k->old_len && !memcmp(out, k->old_pw, len)) {
        undo_new_key(k, "the password_command still returns the old password");
        return;
    }
    fail(k,
         "Both keys are in the repo and open it: the old one and the new one. Make the "
         "password_command return the new password, then remove the old key with "
         "'restic key remove OLDID'; or keep the old password and remove the new key.",
         "the password_command %s (it returns neither the old nor the new password); new key %.8s",
         res_ok(res) ? "returns another password" : "failed", k->rec.new_key);
}

static void step_check(struct keyrot *k)
{
    const char *argv[] = { "/bin/sh", "-c", k->repo->password_command, NULL };
    struct spawn_opts o = { 0 };
    struct lb_err e = { 0 };

    k->ph = KR_CHECK;
    say(k, "reading the password command again");
    o.argv = argv;
    o.timeout_ms = CMD_TMO;
    o.capture = true;
    o.capture_max = PW_MAX;
    o.on_exit = on_exit_cb;
    o.arg = k;
    k->next = checked_command;
    k->sp = spawn_start(k->loop, &o, &e);
    if (!k->sp)
        fail(k, "Both keys are in the repo and open it.", "cannot run the password_command: %s",
             e.msg);
}

static void step_store(struct keyrot *k)
{
    k->ph = KR_STORE;
    if (k->repo->password_file) {
        say(k, "installing the new password file");
        {
            store_file(k);
            return;
        }
    }
    k->ph = KR_WAIT;
    say(k, "waiting: store the new password where the password_command reads it");
}

static void removed(struct keyrot *k, const struct spawn_result *res, const char *out,
                    const char *errtext)
{
    char why[512];

    (void)out;
    if (!res_ok(res)) {
        restic_why(k, res, errtext, why, sizeof(why));
        {
            fail(k,
                 "The new password opens the repo through its source; the old key is still "
                 "in the repo: remove it with 'restic key remove OLDID'.",
                 "restic key remove %.8s failed: %s", k->rec.old_key, why);
            return;
        }
    }
    if (k->pf_old)
        unlink(k->pf_old);
    k->pf_swapped = false;
    stage(k, "done");
    finish(k, "ok");
}

static void verified(struct keyrot *k, const struct spawn_result *res, const char *out,
                     const char *errtext)
{
    static const char *args[] = { "key", "remove", NULL, NULL };
    char cur[65], why[512];
    struct lb_err e = { 0 };

    if (!res_ok(res) || keys_parse_list(out, strlen(out), cur, sizeof(cur), NULL, &e) < 0) {
        if (!res_ok(res))
            restic_why(k, res, errtext, why, sizeof(why));
        else
            str_copy(why, sizeof(why), e.msg);
        {
            undo_new_key(k, why);
            return;
        }
    }
    if (strcmp(cur, k->rec.new_key) != 0) {
        undo_new_key(k, "the configured source opened the repo with another key");
        return;
    }
    stage(k, "verify");
    if (k->cancelled) {
        undo_new_key(k, "cancelled");
        return;
    }
    k->ph = KR_REMOVE;
    args[2] = k->rec.old_key;
    say(k, "the new password opens the repo through its source; removing the old key %.8s",
        k->rec.old_key);
    run_restic(k, &k->env_src, args, removed);
}

static void step_verify(struct keyrot *k)
{
    static const char *const args[] = { "key", "list", "--json", NULL };

    k->ph = KR_VERIFY;
    say(k, "opening the repo through the configured %s",
        k->repo->password_file ? "password_file" : "password_command");
    run_restic(k, &k->env_src, args, verified);
}

/* ---- undo: back to the old key only ---- */


static void undone(struct keyrot *k, const struct spawn_result *res, const char *out,
                   const char *errtext)
{
    char why[512];

    (void)out;
    if (!res_ok(res)) {
        restic_why(k, res, errtext, why, sizeof(why));
        {
            fail(k,
                 "The old password opens the repo; the new key stays too (remove it with "
                 "'restic key remove NEWID').",
                 "%s; removing the new key %.8s failed: %s", k->undo_why, k->rec.new_key, why);
            return;
        }
    }
    fail(k,
         k->repo->password_file
             ? "The old key was kept and the password file holds the old password again: the "
               "repo opens as before. Fix the cause and run the rotation again."
             : "The old key was kept and the new one removed: the repo opens with the old "
               "password as before. Store the new password in the vault when asked, then run "
               "the rotation again.",
         "%s; the rotation stopped before removing the old key %.8s", k->undo_why, k->rec.old_key);
}

static void undo_new_key(struct keyrot *k, const char *why)
{
    static const char *args[] = { "key", "remove", NULL, NULL };

    str_copy(k->undo_why, sizeof(k->undo_why), why);
    str_sanitize(k->undo_why);
    k->ph = KR_UNDO;
    if (k->pf_swapped) {
        /* the password file back to the old password before anything else */
        if (rename(k->pf_old, k->pf) < 0) {
            fail(k,
                 "Both keys are in the repo. The password file holds the NEW password; "
                 "the old one is in the .old file next to it.",
                 "%s; putting back the old password file failed: %s", k->undo_why, strerror(errno));
            return;
        }
        k->pf_swapped = false;
    }
    args[2] = k->rec.new_key;
    say(k, "undoing: removing the new key %.8s with the old password", k->rec.new_key);
    run_restic(k, &k->env_old, args, undone);
}

/* ---- public ---- */

void keys_mark_interrupted(struct store *st, const char *what)
{
    struct vec old = VEC_INIT(free);
    struct lb_err e = { 0 };

    if (!st || store_keyrots_recent(st, what, 20, &old, &e) < 0)
        goto out;
    for (size_t i = 0; i < old.len; i++) {
        struct store_keyrot *r = old.items[i];

        if (!strcmp(r->outcome, "running")) {
            str_copy(r->outcome, sizeof(r->outcome), "interrupted");
            if (!r->ended)
                r->ended = clock_now();
            store_keyrot_update(st, r, &e);
        }
    }
out:
    vec_release(&old);
}

struct keyrot *keyrot_new(struct loop *loop, const struct config *cfg, struct store *st,
                          const struct keyrot_opts *opts,
                          void (*on_update)(struct keyrot *k, void *arg), void *arg,
                          struct lb_err *err)
{
    struct keyrot *k;
    const struct repo_cfg *repo = opts->repo ? config_repo(cfg, opts->repo) : NULL;
    int holder = 0;
    char job[96];

    if (!repo) {
        lb_err_set(err, LB_EUSAGE, "no [repo %s] in %s: name one of the configured repos",
                   opts->repo ? opts->repo : "?", cfg->path ? cfg->path : "the config");
        return NULL;
    }
    k = xcalloc(1, sizeof(*k));
    k->loop = loop;
    k->cfg = cfg;
    k->st = st;
    k->repo = repo;
    k->on_update = on_update;
    k->arg = arg;
    vec_init(&k->env_src, free);
    vec_init(&k->env_old, free);
    vec_init(&k->ids_before, free);
    k->new_file = xstrdup(opts->new_password_file);
    if (restic_build_env(repo, cfg->dir, &k->env_src, err) < 0) {
        keyrot_free(k);
        return NULL;
    }
    if (repo->password_file) {
        k->pf = xstrdup(repo->password_file);
        k->pf_new = xasprintf("%s.new", k->pf);
        k->pf_old = xasprintf("%s.old", k->pf);
        if (access(k->pf_old, F_OK) == 0) {
            lb_err_set(err, LB_EFAIL,
                       "%s exists, left by an earlier rotation: find out which password opens "
                       "repo '%s' (restic key list), then remove it",
                       k->pf_old, repo->name);
            keyrot_free(k);
            return NULL;
        }
    }
    snprintf(job, sizeof(job), "keys-%s", repo->name);
    if (runlock_try(NULL, job, &k->lock, &holder, err) < 0) {
        if (err->code == LB_EBUSY)
            lb_err_set(err, LB_EBUSY,
                       "another key rotation of repo '%s' is running (pid %d): wait for it",
                       repo->name, holder);
        keyrot_free(k);
        return NULL;
    }
    /* rows left "running" by a rotation that died: we hold the lock now */
    keys_mark_interrupted(st, repo->name);
    str_copy(k->rec.repo, sizeof(k->rec.repo), repo->name);
    str_copy(k->rec.source, sizeof(k->rec.source),
             repo->password_file ? "password_file" : "password_command");
    str_copy(k->rec.outcome, sizeof(k->rec.outcome), "running");
    str_copy(k->rec.stage, sizeof(k->rec.stage), "start");
    str_copy(k->step, sizeof(k->step), "ready");
    return k;
}

int keyrot_go(struct keyrot *k, struct lb_err *err)
{
    k->rec.started = clock_now();
    if (k->st && store_keyrot_insert(k->st, &k->rec, err) < 0) {
        finish(k, "failed");
        return -1;
    }
    step_read(k);
    if (k->done && strcmp(k->rec.outcome, "ok") != 0) {
        lb_err_set(err, LB_EFAIL, "%s", k->rec.error);
        return -1;
    }
    return 0;
}

bool keyrot_waiting(const struct keyrot *k)
{
    return k->ph == KR_WAIT && !k->done;
}

const char *keyrot_secret_to_show(const struct keyrot *k)
{
    return k->generated && !k->repo->password_file && !k->done ? k->new_pw : NULL;
}

void keyrot_continue(struct keyrot *k)
{
    if (keyrot_waiting(k))
        step_check(k);
}

void keyrot_cancel(struct keyrot *k)
{
    if (k->done)
        return;
    k->cancelled = true;
    if (k->ph == KR_WAIT)
        step_check(k); /* what the source returns now decides what is undone */
    /* otherwise the step in flight ends and sees cancelled; restic calls are short */
}

bool keyrot_done(const struct keyrot *k)
{
    return k->done;
}

const struct store_keyrot *keyrot_record(const struct keyrot *k)
{
    return &k->rec;
}

const char *keyrot_step(const struct keyrot *k)
{
    return k->step;
}

const char *keyrot_advice(const struct keyrot *k)
{
    return k->advice;
}

void keyrot_free(struct keyrot *k)
{
    if (!k)
        return;
    if (k->sp) {
        /* freed from on_exit once the child is gone; the row stays "running" -> interrupted */
        k->orphan = true;
        spawn_cancel(k->sp);
        return;
    }
    wipe_temps(k);
    if (k->old_pw) {
        explicit_bzero(k->old_pw, k->old_len);
        free(k->old_pw);
    }
    explicit_bzero(k->new_pw, sizeof(k->new_pw));
    if (k->pf_new && k->pf_new_ours && !k->pf_swapped)
        unlink(k->pf_new);
    runlock_release(k->lock);
    vec_release(&k->env_src);
    vec_release(&k->env_old);
    vec_release(&k->ids_before);
    free(k->new_file);
    free(k->pf);
    free(k->pf_new);
    free(k->pf_old);
    free(k);
}

/* ---- status ---- */

static void secret_file(struct vec *out, time_t now, const char *what, const char *path)
{
    struct keys_secret *s;
    struct stat sb;

    if (!path)
        return;
    s = xcalloc(1, sizeof(*s));
    str_copy(s->what, sizeof(s->what), what);
    str_copy(s->path, sizeof(s->path), path);
    if (stat(path, &sb) < 0) {
        str_copy(s->how, sizeof(s->how), "none");
        snprintf(s->note, sizeof(s->note), "cannot read it: %s", strerror(errno));
        s->overdue = true;
    } else {
        s->changed = sb.st_mtime;
        str_copy(s->how, sizeof(s->how), "file mtime");
        s->overdue = now - s->changed > KEYS_CADENCE_S;
    }
    vec_push(out, s);
}

/* An API token's last rotation (backend/keys_token.c records it as "pve NAME"). */
static void token_rotation(struct keys_secret *s, struct store *st, const char *kind,
                           const char *name, time_t now)
{
    struct vec rots = VEC_INIT(free);
    struct lb_err e = { 0 };
    char sec[96];

    snprintf(sec, sizeof(sec), "%s %s", kind, name);
    if (st && store_keyrots_recent(st, sec, 20, &rots, &e) == 0)
        for (size_t j = 0; j < rots.len; j++) {
            const struct store_keyrot *r = rots.items[j];

            if (strcmp(r->outcome, "ok") != 0)
                continue;
            if (r->ended >= s->changed) {
                s->changed = r->ended;
                str_copy(s->how, sizeof(s->how), "rotation");
                s->overdue = now - s->changed > KEYS_CADENCE_S;
                if (!strcmp(r->old_key, r->new_key))
                    snprintf(s->note, sizeof(s->note), "token %.100s (regenerated)", r->new_key);
                else
                    snprintf(s->note, sizeof(s->note), "token %.70s (was %.70s)", r->new_key,
                             r->old_key);
            }
            break;
        }
    vec_release(&rots);
}

void keys_status(const struct config *cfg, struct store *st, time_t now, struct vec *out)
{
    char what[96];

    if (!out->free_item)
        out->free_item = free;
    for (size_t i = 0; i < cfg->repos.len; i++) {
        const struct repo_cfg *r = cfg->repos.items[i];
        struct vec rots = VEC_INIT(free);
        const struct store_keyrot *last = NULL;
        struct lb_err e = { 0 };
        struct keys_secret *s;

        if (st && store_keyrots_recent(st, r->name, 20, &rots, &e) == 0)
            for (size_t j = 0; j < rots.len && !last; j++)
                if (!strcmp(((const struct store_keyrot *)rots.items[j])->outcome, "ok"))
                    last = rots.items[j];
        snprintf(what, sizeof(what), "repo %s %s", r->name,
                 r->password_file ? "password_file" : "password_command");
        if (r->password_file) {
            secret_file(out, now, what, r->password_file);
            s = out->items[out->len - 1];
        } else {
            s = xcalloc(1, sizeof(*s));
            str_copy(s->what, sizeof(s->what), what);
            str_copy(s->how, sizeof(s->how), "none");
            s->overdue = true;
            str_copy(s->note, sizeof(s->note), "no rotation recorded");
            vec_push(out, s);
        }
        if (last && last->ended >= s->changed) {
            s->changed = last->ended;
            str_copy(s->how, sizeof(s->how), "rotation");
            s->overdue = now - s->changed > KEYS_CADENCE_S;
            snprintf(s->note, sizeof(s->note), "key %.8s (was %.8s)", last->new_key, last->old_key);
        }
        vec_release(&rots);
        if (r->env_file) {
            snprintf(what, sizeof(what), "repo %s env_file", r->name);
            secret_file(out, now, what, r->env_file);
        }
    }
    for (size_t i = 0; i < cfg->pves.len; i++) {
        const struct pve_cfg *p = cfg->pves.items[i];

        snprintf(what, sizeof(what), "pve %s token_file", p->name);
        secret_file(out, now, what, p->token_file);
        token_rotation(out->items[out->len - 1], st, "pve", p->name, now);
    }
    for (size_t i = 0; i < cfg->pbss.len; i++) {
        const struct pbs_cfg *p = cfg->pbss.items[i];

        snprintf(what, sizeof(what), "pbs %s token_file", p->name);
        secret_file(out, now, what, p->token_file);
        token_rotation(out->items[out->len - 1], st, "pbs", p->name, now);
    }
    secret_file(out, now, "alerts gotify.token_file", cfg->alerts.gotify_token_file);
    secret_file(out, now, "alerts smtp.auth_file", cfg->alerts.smtp_auth_file);
}
