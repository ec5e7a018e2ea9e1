/*
 * API token rotation of a [pve]/[pbs] section (see keys_token.h): a chain of
 * Proxmox calls on the loop, each callback starting the next step.
 */
#include "backend/keys_token.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/base/buf.h"
#include "backend/base/clock.h"
#include "backend/base/log.h"
#include "backend/base/path.h"
#include "backend/base/str.h"
#include "backend/base/vec.h"
#include "backend/base/xalloc.h"
#include "backend/config.h"
#include "backend/http.h"
#include "backend/keys.h"
#include "backend/loop.h"
#include "backend/proxmox.h"
#include "backend/runlock.h"

#define SECRET_MAX 256
#define ACL_TEXT   200

enum tr_phase { TR_NEW, TR_PLAN, TR_PLANNED, TR_GO, TR_DONE };

struct acl_entry {
    char path[256];
    char role[64];
    int propagate;
};

struct tok_info {
    char name[96];
    char comment[256];
    long long expire;
    int privsep; /* -1: not given (PBS) */
    int enable;  /* -1: not given (PVE) */
};

struct tok_secret {
    char value[SECRET_MAX];
};

struct tokrot {
    struct loop *loop;
    struct store *st;
    enum pmx_product product;
    char section[80]; /* "pve main" */
    char *url, *pin, *token_file, *datastore;
    char *tf_new, *tf_old;
    struct http *http;
    struct pmx_client *old_c, *new_c;
    void (*on_update)(struct tokrot *t, void *arg);
    void *arg;
    struct runlock *lock;
    enum tr_phase ph;
    bool freeing, cancelled;
    /* what the plan found */
    char user[128], old_name[96], new_name[96], old_id[224], new_id[224];
    char version[32];
    bool regen;
    struct tok_info old;
    struct vec acls; /* struct acl_entry * */
    size_t acl_i;
    char acl_text[ACL_TEXT];
    struct tokrot_plan plan;
    /* progress */
    int new_fd;       /* a): TOKEN_FILE.new made before the regenerate */
    bool created;     /* b): the new token exists on the server */
    bool regenerated; /* a): the old secret is dead */
    bool swapped;     /* TOKEN_FILE holds the new token, TOKEN_FILE.old the previous */
    bool old_deleted; /* b): the old token is deleted */
    char secret[SECRET_MAX];
    bool unsaved;     /* secret only in memory */
    char rescue[600]; /* where the new secret went when not in TOKEN_FILE */
    struct store_keyrot rec;
    char step[200];
    char advice[1024];
};

/* ---- pure parts ---- */

void tokrot_new_name(const char *old, const char *yyyymmdd, int n, char *out, size_t outn)
{
    size_t len = strlen(old), base = len;

    /* drop an earlier rotation's "-YYYYMMDD" (and "-N") */
    if (len > 2 && old[len - 2] == '-' && isdigit((unsigned char)old[len - 1]))
        len -= 2;
    if (len >= 9 && old[len - 9] == '-') {
        bool digits = true;

        for (size_t i = len - 8; i < len; i++)
            digits = digits && isdigit((unsigned char)old[i]);
        if (digits)
            base = len - 9;
    }
    if (n > 1)
        snprintf(out, outn, "%.*s-%s-%d", (int)base, old, yyyymmdd, n);
    else
        snprintf(out, outn, "%.*s-%s", (int)base, old, yyyymmdd);
}

/* ---- parsers (bodies are {"data": ...}) ---- */

static json_t *load_data(const char *body, size_t len, json_t **root, struct lb_err *err)
{
    json_error_t je;

    *root = json_loadb(body, len, 0, &je);
    if (!*root || !json_is_object(*root)) {
        lb_err_set(err, LB_EPARSE, "not a JSON object");
        return NULL;
    }
    return json_object_get(*root, "data");
}

static long long int_of(json_t *v, long long dflt)
{
    if (json_is_integer(v))
        return json_integer_value(v);
    if (json_is_true(v))
        return 1;
    if (json_is_false(v))
        return 0;
    if (json_is_string(v)) {
        int64_t x;

        if (str_to_i64(json_string_value(v), INT64_MIN, INT64_MAX, &x) == 0)
            return x;
    }
    return dflt;
}

static int parse_tokens(const char *body, size_t len, struct vec *out, struct lb_err *err)
{
    json_t *root, *data = load_data(body, len, &root, err), *it;
    size_t i;

    if (!json_is_array(data)) {
        json_decref(root);
        return lb_err_set(err, LB_EPARSE, "the token list is not an array");
    }
    json_array_foreach(data, i, it) {
        struct tok_info *t = xcalloc(1, sizeof(*t));
        const char *name = json_string_value(json_object_get(it, "token-name"));
        const char *id = json_string_value(json_object_get(it, "tokenid"));
        const char *cm = json_string_value(json_object_get(it, "comment"));

        if (!name && id) /* PVE: tokenid is the name; PBS: the full id */
            name = strchr(id, '!') ? strchr(id, '!') + 1 : id;
        str_copy(t->name, sizeof(t->name), name ? name : "");
        str_copy(t->comment, sizeof(t->comment), cm ? cm : "");
        t->expire = int_of(json_object_get(it, "expire"), 0);
        t->privsep = (int)int_of(json_object_get(it, "privsep"), -1);
        t->enable = (int)int_of(json_object_get(it, "enable"), -1);
        vec_push(out, t);
    }
    json_decref(root);
    return 0;
}

/* ACL entries: every entry, ugid kept in role as "UGID\nROLE" until filtered by the caller. */
struct acl_raw {
    char ugid[224];
    struct acl_entry e;
};

static int parse_acl(const char *body, size_t len, struct vec *out, struct lb_err *err)
{
    json_t *root, *data = load_data(body, len, &root, err), *it;
    size_t i;

    if (!json_is_array(data)) {
        json_decref(root);
        return lb_err_set(err, LB_EPARSE, "the ACL list is not an array");
    }
    json_array_foreach(data, i, it) {
        const char *ugid = json_string_value(json_object_get(it, "ugid"));
        const char *path = json_string_value(json_object_get(it, "path"));
        const char *role = json_string_value(json_object_get(it, "roleid"));
        struct acl_raw *a;

        if (!ugid || !path || !role)
            continue;
        a = xcalloc(1, sizeof(*a));
        str_copy(a->ugid, sizeof(a->ugid), ugid);
        str_copy(a->e.path, sizeof(a->e.path), path);
        str_copy(a->e.role, sizeof(a->e.role), role);
        a->e.propagate = (int)int_of(json_object_get(it, "propagate"), 1);
        vec_push(out, a);
    }
    json_decref(root);
    return 0;
}

static void secret_free(void *p)
{
    struct tok_secret *s = p;

    if (s)
        explicit_bzero(s->value, sizeof(s->value));
    free(s);
}

static int parse_secret(const char *body, size_t len, struct vec *out, struct lb_err *err)
{
    json_t *root, *data = load_data(body, len, &root, err);
    const char *v = json_is_object(data) ? json_string_value(json_object_get(data, "value")) : NULL;
    struct tok_secret *s;
    int rc = 0;

    if (!v || !*v || strlen(v) >= SECRET_MAX || strpbrk(v, " \t\r\n")) {
        rc = lb_err_set(err, LB_EPARSE, "the answer holds no usable token secret (\"value\")");
    } else {
        s = xcalloc(1, sizeof(*s));
        str_copy(s->value, sizeof(s->value), v);
        vec_push(out, s);
    }
    json_decref(root); /* the body itself belongs to the http layer */
    return rc;
}

static int parse_any(const char *body, size_t len, struct vec *out, struct lb_err *err)
{
    (void)body;
    (void)len;
    (void)out;
    (void)err;
    return 0;
}

/* ---- helpers ---- */

static const char *P(const struct tokrot *t)
{
    return pmx_product_name(t->product);
}

static void say(struct tokrot *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct tokrot *t, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(t->step, sizeof(t->step), fmt, ap);
    va_end(ap);
    str_sanitize(t->step);
    log_msg(LOG_INFO, "keys %s: %s", t->section, t->step);
    if (t->on_update)
        t->on_update(t, t->arg);
}

static void record(struct tokrot *t)
{
    struct lb_err e = { 0 };

    if (t->st && t->rec.id && store_keyrot_update(t->st, &t->rec, &e) < 0)
        log_msg(LOG_WARN, "keys: cannot record the token rotation: %s", e.msg);
}

static void stage(struct tokrot *t, const char *s)
{
    str_copy(t->rec.stage, sizeof(t->rec.stage), s);
    record(t);
}

static void wipe(struct tokrot *t)
{
    explicit_bzero(t->secret, sizeof(t->secret));
    if (t->new_fd >= 0) {
        close(t->new_fd);
        t->new_fd = -1;
        /* made before a regenerate that did not happen: nothing in it */
        if (!t->regenerated)
            unlink(t->tf_new);
    }
}

static void finish(struct tokrot *t, const char *outcome)
{
    if (!t->unsaved)
        wipe(t);
    else if (t->new_fd >= 0) {
        close(t->new_fd);
        t->new_fd = -1;
    }
    str_copy(t->rec.outcome, sizeof(t->rec.outcome), outcome);
    t->rec.ended = clock_now();
    record(t);
    t->ph = TR_DONE;
    runlock_release(t->lock);
    t->lock = NULL;
    say(t, "token rotation %s", outcome);
}

static void fail(struct tokrot *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Ends failed (or cancelled) with rec.error from fmt; t->advice set by the caller. */
static void fail(struct tokrot *t, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(t->rec.error, sizeof(t->rec.error), fmt, ap);
    va_end(ap);
    str_sanitize(t->rec.error);
    str_sanitize(t->advice);
    finish(t, t->cancelled && !t->regenerated && !t->old_deleted ? "cancelled" : "failed");
}

static void advise(struct tokrot *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void advise(struct tokrot *t, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(t->advice, sizeof(t->advice), fmt, ap);
    va_end(ap);
}

static const char *gui_where(const struct tokrot *t)
{
    return t->product == PMX_PVE ? "Datacenter > Permissions > API Tokens"
                                 : "Configuration > Access Control > API Token";
}

static struct pmx_call *call(struct tokrot *t, struct pmx_client *c, const char *method,
                             const char *path, const char *form, const char *need,
                             pmx_parse_fn parse, void (*item_free)(void *), pmx_result_fn done)
{
    struct pmx_req r = { .method = method,
                         .path = path,
                         .form = form,
                         .need = need,
                         .parse = parse,
                         .item_free = item_free };
    struct lb_err e = { 0 };
    struct pmx_call *pc = pmx_call_start(c, &r, done, t, &e);

    if (!pc) {
        /* reported like a failed answer, from the caller's step */
        log_msg(LOG_WARN, "keys %s: %s", t->section, e.msg);
    }
    return pc;
}

/* "/access/users/USER/token[/NAME]" */
static char *token_path(const struct tokrot *t, const char *name)
{
    struct buf b = BUF_INIT(2048);

    buf_puts(&b, "/access/users/");
    pmx_escape(&b, t->user);
    buf_puts(&b, "/token");
    if (name) {
        buf_puts(&b, "/");
        pmx_escape(&b, name);
    }
    return buf_detach(&b);
}

static const char *need_tokens(const struct tokrot *t)
{
    return t->product == PMX_PVE ? "User.Modify on /access/groups (or a token of the user itself)"
                                 : "Permissions.Modify on /access/users";
}

/* ---- the file ---- */

static int fsync_dir(const char *file)
{
    char *dir = xstrdup(file), *slash = strrchr(dir, '/');
    int fd, rc = 0;

    if (slash == dir)
        slash[1] = '\0';
    else if (slash)
        *slash = '\0';
    else
        str_copy(dir, 2, ".");
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || fsync(fd) < 0)
        rc = -1;
    if (fd >= 0)
        close(fd);
    free(dir);
    return rc;
}

static int open_new(struct tokrot *t, struct lb_err *err)
{
    t->new_fd = open(t->tf_new, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (t->new_fd < 0)
        return lb_err_set(err, LB_EIO, "cannot create %s: %s", t->tf_new, strerror(errno));
    if (fchmod(t->new_fd, 0600) < 0) {
        close(t->new_fd);
        t->new_fd = -1;
        unlink(t->tf_new);
        return lb_err_set(err, LB_EIO, "cannot make %s 0600: %s", t->tf_new, strerror(errno));
    }
    return 0;
}

static void token_line(const struct tokrot *t, struct buf *b)
{
    buf_printf(b, "%s%c%s\n", t->new_id, t->product == PMX_PVE ? '=' : ':', t->secret);
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* The secret to a 0600 file in the state directory when TOKEN_FILE.new cannot hold it. */
static bool rescue_secret(struct tokrot *t)
{
    const char *dir = path_state_dir(true);
    struct buf line = BUF_INIT(512);
    char *p;
    int fd;
    bool ok = false;

    if (!dir)
        return false;
    p = xasprintf("%s/%s-%s.token.rescued", dir, t->product == PMX_PVE ? "pve" : "pbs",
                  t->section + 4);
    fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd >= 0) {
        token_line(t, &line);
        ok = fchmod(fd, 0600) == 0 && write_all(fd, line.data, line.len) == 0 && fsync(fd) == 0;
        close(fd);
        explicit_bzero(line.data, line.len);
        if (!ok)
            unlink(p);
    }
    buf_release(&line);
    if (ok)
        str_copy(t->rescue, sizeof(t->rescue), p);
    free(p);
    return ok;
}

/* A copy of src as dst (new, 0600, synced): for file systems without hard links. */
static int copy_file(const char *src, const char *dst)
{
    char data[4096];
    ssize_t n;
    int in = open(src, O_RDONLY | O_CLOEXEC), out = -1, rc = -1, e;

    if (in < 0)
        return -1;
    out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (out < 0)
        goto done;
    while ((n = read(in, data, sizeof(data))) > 0)
        if (write_all(out, data, (size_t)n) < 0)
            goto done;
    if (n == 0 && fsync(out) == 0)
        rc = 0;
done:
    e = errno;
    explicit_bzero(data, sizeof(data));
    close(in);
    if (out >= 0) {
        close(out);
        if (rc < 0)
            unlink(dst);
    }
    errno = e;
    return rc;
}

/*
 * The new token into TOKEN_FILE: TOKEN_FILE.new (0600, fsynced; t->new_fd
 * when already open), the previous file linked to TOKEN_FILE.old, .new
 * renamed over TOKEN_FILE, the directory fsynced. written: .new holds it.
 */
static int install_file(struct tokrot *t, bool *written, struct lb_err *err)
{
    struct buf line = BUF_INIT(512);
    int rc = 0;

    *written = false;
    if (t->new_fd < 0 && (rc = open_new(t, err)) < 0)
        goto out;
    token_line(t, &line);
    if (write_all(t->new_fd, line.data, line.len) < 0 || fsync(t->new_fd) < 0) {
        rc = lb_err_set(err, LB_EIO, "cannot write %s: %s", t->tf_new, strerror(errno));
        close(t->new_fd);
        t->new_fd = -1;
        unlink(t->tf_new);
        goto out;
    }
    close(t->new_fd);
    t->new_fd = -1;
    *written = true;
    if (link(t->token_file, t->tf_old) < 0 && copy_file(t->token_file, t->tf_old) < 0) {
        rc = lb_err_set(err, LB_EIO, "cannot keep the previous token file as %s: %s", t->tf_old,
                        strerror(errno));
        goto out;
    }
    chmod(t->tf_old, 0600);
    if (rename(t->tf_new, t->token_file) < 0) {
        rc = lb_err_set(err, LB_EIO, "cannot rename %s over %s: %s", t->tf_new, t->token_file,
                        strerror(errno));
        unlink(t->tf_old);
        goto out;
    }
    fsync_dir(t->token_file);
    t->swapped = true;
out:
    if (line.data)
        explicit_bzero(line.data, line.len);
    buf_release(&line);
    return rc;
}

/* b): TOKEN_FILE.old back over TOKEN_FILE. */
static bool restore_file(struct tokrot *t)
{
    if (!t->swapped)
        return true;
    if (rename(t->tf_old, t->token_file) < 0)
        return false;
    fsync_dir(t->token_file);
    t->swapped = false;
    return true;
}

/* ---- steps ---- */

static void plan_version(int rc, const struct lb_err *err, struct vec *out, void *arg);
static void plan_tokens(int rc, const struct lb_err *err, struct vec *out, void *arg);
static void plan_acl(int rc, const struct lb_err *err, struct vec *out, void *arg);
static void step_create(struct tokrot *t);
static void step_acl_next(struct tokrot *t);
static void step_install(struct tokrot *t);
static void step_prove(struct tokrot *t);
static void undo_new_token(struct tokrot *t, const char *why);

static bool gone(struct tokrot *t, int rc)
{
    return t->freeing || rc == -LB_ECANCELLED;
}

static void plan_fail(struct tokrot *t, const struct lb_err *err, const char *what)
{
    advise(t, "Nothing was changed: the token in %s is as it was.", t->token_file);
    fail(t, "%s: %s", what, err ? err->msg : "cannot start the call");
}

static void plan_version(int rc, const struct lb_err *err, struct vec *out, void *arg)
{
    struct tokrot *t = arg;
    const char *v = out->len ? out->items[0] : "";
    int maj = 0, min = 0;
    char *path;

    if (gone(t, rc))
        return;
    if (rc < 0) {
        plan_fail(t, err, "cannot read the server's version");
        return;
    }
    str_copy(t->version, sizeof(t->version), v);
    str_sanitize(t->version);
    {
        int64_t x;
        char tmp[32], *dot;

        str_copy(tmp, sizeof(tmp), t->version);
        dot = strchr(tmp, '.');
        if (dot) {
            *dot = '\0';
            if (str_to_i64(tmp, 0, 1000, &x) == 0)
                maj = (int)x;
            dot[1 + strspn(dot + 1, "0123456789")] = '\0';
            if (str_to_i64(dot + 1, 0, 1000, &x) == 0)
                min = (int)x;
        }
    }
    /* token regenerate: PVE 9.1 (libpve-access-control 9.1.0), PBS ~3.4 (reference 7) */
    t->regen = t->product == PMX_PVE ? (maj > 9 || (maj == 9 && min >= 1))
                                     : (maj > 3 || (maj == 3 && min >= 4));
    say(t, "%s %s: reading the tokens of %s", P(t), t->version, t->user);
    path = token_path(t, NULL);
    if (!call(t, t->old_c, "GET", path, NULL, need_tokens(t), parse_tokens, free, plan_tokens))
        plan_fail(t, NULL, "cannot list the tokens");
    free(path);
}

static void plan_tokens(int rc, const struct lb_err *err, struct vec *out, void *arg)
{
    struct tokrot *t = arg;
    const struct tok_info *found = NULL;
    char day[16];
    struct tm tm;
    time_t now = clock_now();

    if (gone(t, rc))
        return;
    if (rc < 0) {
        plan_fail(t, err, "cannot list the API tokens");
        return;
    }
    for (size_t i = 0; i < out->len; i++)
        if (!strcmp(((struct tok_info *)out->items[i])->name, t->old_name))
            found = out->items[i];
    if (!found) {
        advise(t, "Nothing was changed. Check %s: does it hold the token in use?", t->token_file);
        fail(t, "%s '%s' lists no token '%s' for user %s", P(t), t->section + 4, t->old_name,
             t->user);
        return;
    }
    t->old = *found;
    localtime_r(&now, &tm);
    strftime(day, sizeof(day), "%Y%m%d", &tm);
    for (int n = 1; n < 10; n++) {
        bool taken = false;

        tokrot_new_name(t->old_name, day, n, t->new_name, sizeof(t->new_name));
        for (size_t i = 0; i < out->len; i++)
            taken = taken || !strcmp(((struct tok_info *)out->items[i])->name, t->new_name);
        if (!taken)
            break;
    }
    snprintf(t->new_id, sizeof(t->new_id), "%s!%s", t->user, t->new_name);
    say(t, "reading the ACL entries of %s", t->old_id);
    if (!call(t, t->old_c, "GET", "/access/acl", NULL,
              t->product == PMX_PVE ? "Sys.Audit or Permissions.Modify on /access"
                                    : "Sys.Audit on /access/acl",
              parse_acl, free, plan_acl))
        plan_fail(t, NULL, "cannot read the ACL");
}

static void plan_acl(int rc, const struct lb_err *err, struct vec *out, void *arg)
{
    struct tokrot *t = arg;
    size_t o = 0;

    if (gone(t, rc))
        return;
    if (rc < 0) {
        plan_fail(t, err, "cannot read the ACL entries");
        return;
    }
    vec_clear(&t->acls);
    t->acl_text[0] = '\0';
    for (size_t i = 0; i < out->len; i++) {
        struct acl_raw *a = out->items[i];
        struct acl_entry *e;

        if (strcmp(a->ugid, t->old_id) != 0)
            continue;
        e = xcalloc(1, sizeof(*e));
        *e = a->e;
        vec_push(&t->acls, e);
        if (o < sizeof(t->acl_text))
            o += (size_t)snprintf(t->acl_text + o, sizeof(t->acl_text) - o, "%s%s %s",
                                  o ? ", " : "", e->path, e->role);
    }
    str_sanitize(t->acl_text);
    t->plan.version = t->version;
    t->plan.regenerate = t->regen;
    t->plan.new_id = t->new_id;
    t->plan.nacl = t->acls.len;
    t->plan.acl_text = t->acl_text;
    t->ph = TR_PLANNED;
    if (t->cancelled) {
        advise(t, "Nothing was changed.");
        fail(t, "cancelled before anything changed");
        return;
    }
    say(t, "planned: %s",
        t->regen ? "regenerate the secret in place"
                 : "create a new token, copy its ACL entries, delete the old");
}

/* ---- a) regenerate ---- */

static void regen_done(int rc, const struct lb_err *err, struct vec *out, void *arg)
{
    struct tokrot *t = arg;
    struct lb_err e = { 0 };
    bool written;

    if (gone(t, rc))
        return;
    if (rc < 0) {
        if (err && (err->code == LB_EUSAGE || rc == -LB_EUSAGE) && strstr(err->msg, "regenerate")) {
            /* 400: this server has no regenerate after all; nothing changed */
            close(t->new_fd);
            t->new_fd = -1;
            unlink(t->tf_new);
            t->regen = false;
            t->plan.regenerate = false;
            snprintf(t->new_id, sizeof(t->new_id), "%s!%s", t->user, t->new_name);
            str_copy(t->rec.source, sizeof(t->rec.source), "token recreate");
            str_copy(t->rec.new_key, sizeof(t->rec.new_key), t->new_id);
            record(t);
            say(t, "%s %s refused regenerate (400): creating a new token instead", P(t),
                t->version);
            step_create(t);
            return;
        }
        advise(t,
               "The regenerate call failed; the token in %s should still work (a failed call "
               "changes nothing). Check with: lifeboat config check.",
               t->token_file);
        fail(t, "PUT regenerate of %s failed: %s", t->old_id, err ? err->msg : "?");
        return;
    }
    /* the old secret is dead from here on: the new one must be kept safe first */
    t->regenerated = true;
    str_copy(t->secret, sizeof(t->secret), ((struct tok_secret *)out->items[0])->value);
    stage(t, "regenerated");
    say(t, "writing the new secret to %s", t->token_file);
    if (install_file(t, &written, &e) < 0) {
        if (written) {
            advise(t,
                   "The token was regenerated: the old secret no longer works. The new secret "
                   "is in %s (0600): move it over the token file with 'mv %s %s'.",
                   t->tf_new, t->tf_new, t->token_file);
        } else if (rescue_secret(t)) {
            advise(t,
                   "The token was regenerated: the old secret no longer works. The new secret "
                   "could not be written next to the token file; it is in %s (0600): move it "
                   "over %s.",
                   t->rescue, t->token_file);
        } else {
            t->unsaved = true;
            advise(t,
                   "The token was regenerated: the old secret no longer works, and no file "
                   "could hold the new one. Show it now (it is not written anywhere) or "
                   "regenerate the token again in the GUI (%s).",
                   gui_where(t));
        }
        fail(t, "stopped after regenerate: %s", e.msg);
        return;
    }
    stage(t, "file written");
    step_prove(t);
}

static void step_regenerate(struct tokrot *t)
{
    struct lb_err e = { 0 };
    char *path;

    /* the place for the new secret exists before the old secret dies */
    if (open_new(t, &e) < 0) {
        advise(t,
               "Nothing was changed: the token in %s still works. Make its directory "
               "writable for lifeboat, then rotate again.",
               t->token_file);
        fail(t, "stopped before regenerate: %s", e.msg);
        return;
    }
    stage(t, "regenerate");
    say(t, "regenerating the secret of %s (PUT regenerate=1)", t->old_id);
    path = token_path(t, t->old_name);
    if (!call(t, t->old_c, "PUT", path, "regenerate=1", need_tokens(t), parse_secret, secret_free,
              regen_done)) {
        advise(t, "Nothing was changed.");
        fail(t, "cannot start the regenerate call");
    }
    free(path);
}

/* ---- b) create, copy ACLs, delete ---- */

static void created(int rc, const struct lb_err *err, struct vec *out, void *arg)
{
    struct tokrot *t = arg;

    if (gone(t, rc))
        return;
    if (rc < 0) {
        advise(t, "Nothing was changed: the token in %s still works.", t->token_file);
        fail(t, "cannot create the new token %s: %s", t->new_id, err ? err->msg : "?");
        return;
    }
    t->created = true;
    str_copy(t->secret, sizeof(t->secret), ((struct tok_secret *)out->items[0])->value);
    stage(t, "created");
    if (t->cancelled) {
        undo_new_token(t, "cancelled");
        return;
    }
    t->acl_i = 0;
    step_acl_next(t);
}

static void step_create(struct tokrot *t)
{
    struct buf form = BUF_INIT(4096);
    char *path = token_path(t, t->new_name);

    stage(t, "create");
    buf_printf(&form, "expire=%lld", t->old.expire > 0 ? t->old.expire : 0);
    buf_puts(&form, "&comment=");
    {
        char cm[300];

        snprintf(cm, sizeof(cm), "%s", t->old.comment[0] ? t->old.comment : "lifeboat");
        pmx_escape(&form, cm);
    }
    if (t->product == PMX_PVE)
        buf_printf(&form, "&privsep=%d", t->old.privsep == 0 ? 0 : 1);
    else if (t->old.enable == 0)
        buf_puts(&form, "&enable=0");
    say(t, "creating the token %s", t->new_id);
    if (!call(t, t->old_c, "POST", path, buf_cstr(&form), need_tokens(t), parse_secret, secret_free,
              created)) {
        advise(t, "Nothing was changed.");
        fail(t, "cannot start the create call");
    }
    free(path);
    buf_release(&form);
}

static void acl_done(int rc, const struct lb_err *err, struct vec *out, void *arg)
{
    struct tokrot *t = arg;
    char why[2048];

    (void)out;
    if (gone(t, rc))
        return;
    if (rc < 0) {
        const struct acl_entry *e = t->acls.items[t->acl_i];

        snprintf(why, sizeof(why), "cannot give %s the ACL entry %s %s: %s", t->new_id, e->path,
                 e->role, err ? err->msg : "?");
        undo_new_token(t, why);
        return;
    }
    t->acl_i++;
    step_acl_next(t);
}

static void step_acl_next(struct tokrot *t)
{
    struct buf form = BUF_INIT(4096);
    const struct acl_entry *e;

    if (t->cancelled) {
        undo_new_token(t, "cancelled");
        return;
    }
    if (t->acl_i >= t->acls.len) {
        stage(t, "acl copied");
        step_install(t);
        return;
    }
    e = t->acls.items[t->acl_i];
    buf_puts(&form, "path=");
    pmx_escape(&form, e->path);
    buf_puts(&form, t->product == PMX_PVE ? "&roles=" : "&role=");
    pmx_escape(&form, e->role);
    buf_puts(&form, t->product == PMX_PVE ? "&tokens=" : "&auth-id=");
    pmx_escape(&form, t->new_id);
    buf_printf(&form, "&propagate=%d", e->propagate ? 1 : 0);
    say(t, "copying ACL entry %zu of %zu to %s: %s %s", t->acl_i + 1, t->acls.len, t->new_id,
        e->path, e->role);
    if (!call(t, t->old_c, "PUT", "/access/acl", buf_cstr(&form),
              "Permissions.Modify on the ACL path", parse_any, NULL, acl_done))
        undo_new_token(t, "cannot start the ACL call");
    buf_release(&form);
}

static void step_install(struct tokrot *t)
{
    struct lb_err e = { 0 };
    bool written;
    char why[2048];

    say(t, "writing the new token to %s", t->token_file);
    if (install_file(t, &written, &e) < 0) {
        if (written)
            unlink(t->tf_new);
        snprintf(why, sizeof(why), "new token created but could not be written: %s", e.msg);
        undo_new_token(t, why);
        return;
    }
    stage(t, "file written");
    step_prove(t);
}

static void undone(int rc, const struct lb_err *err, struct vec *out, void *arg)
{
    struct tokrot *t = arg;
    char why[sizeof(t->rec.error)];

    (void)out;
    if (gone(t, rc))
        return;
    str_copy(why, sizeof(why), t->rec.error);
    if (rc < 0) {
        advise(t,
               "Stopped after creating the token %s: the old token %s still works and %s "
               "holds it; the new token could not be deleted (%s): delete token %s by hand in "
               "the GUI (%s).",
               t->new_id, t->old_id, t->token_file, err ? err->msg : "?", t->new_name,
               gui_where(t));
    } else {
        t->created = false;
        advise(t,
               "Stopped after creating the token %s: the old token %s still works and %s "
               "holds it; the new token was deleted again.",
               t->new_id, t->old_id, t->token_file);
    }
    fail(t, "%s", why);
}

/* b) failed before the old token was deleted: the previous file back, the new token deleted. */
static void undo_new_token(struct tokrot *t, const char *why)
{
    char *path;

    str_copy(t->rec.error, sizeof(t->rec.error), why);
    str_sanitize(t->rec.error);
    explicit_bzero(t->secret, sizeof(t->secret));
    if (!restore_file(t)) {
        advise(t,
               "Stopped after installing the new token %s: %s could not be put back, so %s "
               "holds the new token and %s the old one (both tokens exist and work): keep "
               "one and delete the other token in the GUI (%s).",
               t->new_id, t->tf_old, t->token_file, t->tf_old, gui_where(t));
        fail(t, "%s", why);
        return;
    }
    if (!t->created) {
        advise(t, "Nothing was changed: the token in %s still works.", t->token_file);
        fail(t, "%s", why);
        return;
    }
    stage(t, "undo");
    say(t, "deleting the new token %s again", t->new_id);
    path = token_path(t, t->new_name);
    if (!call(t, t->old_c, "DELETE", path, NULL, need_tokens(t), parse_any, NULL, undone)) {
        advise(t,
               "Stopped after creating the token %s: the old token %s still works and %s holds "
               "it; delete token %s by hand in the GUI (%s).",
               t->new_id, t->old_id, t->token_file, t->new_name, gui_where(t));
        fail(t, "%s", why);
    }
    free(path);
}

/* ---- proof, delete, end ---- */

static void cleanup_ok(struct tokrot *t)
{
    if (unlink(t->tf_old) < 0 && errno != ENOENT) {
        advise(t,
               "Rotated, but %s (the previous, now dead token) could not be removed: remove "
               "it by hand.",
               t->tf_old);
        fail(t, "cannot remove %s: %s", t->tf_old, strerror(errno));
        return;
    }
    fsync_dir(t->token_file);
    t->swapped = false;
    stage(t, "done");
    t->advice[0] = '\0';
    finish(t, "ok");
}

static void old_refused(int rc, const struct lb_err *err, struct vec *out, void *arg)
{
    struct tokrot *t = arg;

    (void)out;
    if (gone(t, rc))
        return;
    if (rc == -LB_EAUTH || (err && err->code == LB_EAUTH)) {
        cleanup_ok(t);
        return;
    }
    if (rc == 0) {
        advise(t,
               "The new token is in use through %s, but the server still accepts the old "
               "secret of %s: revoke it by hand in the GUI (%s).",
               t->token_file, t->old_id, gui_where(t));
        fail(t, "the old secret of %s still works after the rotation", t->old_id);
        return;
    }
    /* another failure (network): the deletion itself succeeded */
    log_msg(LOG_WARN, "keys %s: could not confirm the old token is refused: %s", t->section,
            err ? err->msg : "?");
    cleanup_ok(t);
}

static void step_check_old(struct tokrot *t)
{
    struct lb_err e = { 0 };

    say(t, "checking that the old secret of %s is refused", t->old_id);
    if (!pmx_get_version(t->old_c, old_refused, t, &e))
        cleanup_ok(t);
}

static void old_deleted(int rc, const struct lb_err *err, struct vec *out, void *arg)
{
    struct tokrot *t = arg;

    (void)out;
    if (gone(t, rc))
        return;
    if (rc < 0) {
        unlink(t->tf_old);
        t->swapped = false;
        advise(t,
               "The new token %s works and %s holds it; the old token %s could not be "
               "deleted: delete it by hand in the GUI (%s).",
               t->new_id, t->token_file, t->old_id, gui_where(t));
        fail(t, "cannot delete the old token %s: %s", t->old_id, err ? err->msg : "?");
        return;
    }
    t->old_deleted = true;
    stage(t, "old deleted");
    step_check_old(t);
}

static void step_delete_old(struct tokrot *t)
{
    char *path = token_path(t, t->old_name);

    stage(t, "delete old");
    say(t, "deleting the old token %s (with the new one)", t->old_id);
    if (!call(t, t->new_c, "DELETE", path, NULL, need_tokens(t), parse_any, NULL, old_deleted)) {
        struct lb_err e = { 0 };

        lb_err_set(&e, LB_EFAIL, "cannot start the call");
        old_deleted(-LB_EFAIL, &e, NULL, t);
    }
    free(path);
}

/* a) the new secret is in the file but does not work: nothing to roll back to. */
static void prove_failed(struct tokrot *t, const char *what, const struct lb_err *err)
{
    if (t->regenerated) {
        unlink(t->tf_old); /* the previous secret is dead */
        t->swapped = false;
        advise(t,
               "The token %s was regenerated and %s holds the new secret (the old secret no "
               "longer works), but %s failed with it. Check the token's ACL entries and "
               "enable/expire state in the GUI (%s).",
               t->old_id, t->token_file, what, gui_where(t));
        fail(t, "%s with the new secret: %s", what, err ? err->msg : "?");
        return;
    }
    {
        char why[2048];

        snprintf(why, sizeof(why), "the new token does not work through %s: %s: %s", t->token_file,
                 what, err ? err->msg : "?");
        undo_new_token(t, why);
    }
}

static void proved_acl(int rc, const struct lb_err *err, struct vec *out, void *arg)
{
    struct tokrot *t = arg;
    size_t n = 0;

    if (gone(t, rc))
        return;
    if (rc < 0) {
        prove_failed(t, "reading the ACL entries back", err);
        return;
    }
    for (size_t i = 0; i < out->len; i++)
        n += !strcmp(((struct acl_raw *)out->items[i])->ugid, t->new_id);
    if (n < t->acls.len) {
        struct lb_err e = { 0 };

        lb_err_set(&e, LB_EFAIL, "the new token has %zu ACL entries, the old one had %zu", n,
                   t->acls.len);
        prove_failed(t, "comparing the ACL entries", &e);
        return;
    }
    stage(t, "proven");
    step_delete_old(t);
}

static void proved_call(int rc, const struct lb_err *err, struct vec *out, void *arg)
{
    struct tokrot *t = arg;

    (void)out;
    if (gone(t, rc))
        return;
    if (rc < 0) {
        prove_failed(t, t->product == PMX_PVE ? "GET /cluster/backup" : "GET datastore status",
                     err);
        return;
    }
    if (t->regenerated) {
        stage(t, "proven");
        step_check_old(t);
        return;
    }
    say(t, "reading the ACL entries of %s back", t->new_id);
    if (!call(t, t->new_c, "GET", "/access/acl", NULL, "Sys.Audit on /access", parse_acl, free,
              proved_acl)) {
        struct lb_err e = { 0 };

        lb_err_set(&e, LB_EFAIL, "cannot start the call");
        prove_failed(t, "reading the ACL entries back", &e);
    }
}

static void proved_version(int rc, const struct lb_err *err, struct vec *out, void *arg)
{
    struct tokrot *t = arg;
    char *path;
    const char *need;

    (void)out;
    if (gone(t, rc))
        return;
    if (rc < 0) {
        prove_failed(t, "GET /version", err);
        return;
    }
    if (t->product == PMX_PVE) {
        path = xstrdup("/cluster/backup");
        need = "Sys.Audit on /";
    } else if (t->datastore) {
        struct buf b = BUF_INIT(1024);

        buf_puts(&b, "/admin/datastore/");
        pmx_escape(&b, t->datastore);
        buf_puts(&b, "/status");
        path = buf_detach(&b);
        need = "Datastore.Audit on /datastore/STORE";
    } else {
        path = xstrdup("/admin/datastore");
        need = "Datastore.Audit on /datastore";
    }
    say(t, "proving the new token through %s: GET %s", t->token_file, path);
    if (!call(t, t->new_c, "GET", path, NULL, need, parse_any, NULL, proved_call)) {
        struct lb_err e = { 0 };

        lb_err_set(&e, LB_EFAIL, "cannot start the call");
        prove_failed(t, "the proof call", &e);
    }
    free(path);
}

static void step_prove(struct tokrot *t)
{
    struct pmx_client_opts o = { 0 };
    struct lb_err e = { 0 };

    /* a fresh client reads TOKEN_FILE: the file itself is what is proven */
    o.product = t->product;
    o.name = t->section + 4;
    o.url = t->url;
    o.token_file = t->token_file;
    o.fingerprint = t->pin;
    pmx_client_free(t->new_c);
    t->new_c = pmx_client_new(t->loop, t->http, &o, &e);
    explicit_bzero(t->secret, sizeof(t->secret));
    if (!t->new_c) {
        prove_failed(t, "reading the new token file", &e);
        return;
    }
    if (strcmp(pmx_client_token_id(t->new_c), t->new_id) != 0) {
        lb_err_set(&e, LB_EFAIL, "it holds token '%s', not '%s'", pmx_client_token_id(t->new_c),
                   t->new_id);
        prove_failed(t, "reading the new token file", &e);
        return;
    }
    say(t, "proving the new token through %s: GET /version", t->token_file);
    if (!pmx_get_version(t->new_c, proved_version, t, &e))
        prove_failed(t, "GET /version", &e);
}

/* ---- public ---- */

struct tokrot *tokrot_new(struct loop *loop, const struct config *cfg, struct store *st,
                          const struct tokrot_opts *opts,
                          void (*on_update)(struct tokrot *t, void *arg), void *arg,
                          struct lb_err *err)
{
    const char *kind = opts->product == PMX_PVE ? "pve" : "pbs";
    const struct vec *secs = opts->product == PMX_PVE ? &cfg->pves : &cfg->pbss;
    const char *name = NULL, *url = NULL, *tf = NULL, *pin = NULL, *ds = NULL;
    struct pmx_client_opts co = { 0 };
    struct tokrot *t;
    char job[128];
    int holder = 0;
    const char *bang;

    for (size_t i = 0; i < secs->len; i++) {
        const char *n = opts->product == PMX_PVE ? ((struct pve_cfg *)secs->items[i])->name
                                                 : ((struct pbs_cfg *)secs->items[i])->name;

        if (opts->name ? !strcmp(opts->name, n) : secs->len == 1) {
            name = n;
            if (opts->product == PMX_PVE) {
                const struct pve_cfg *p = secs->items[i];

                url = p->url, tf = p->token_file, pin = p->fingerprint;
            } else {
                const struct pbs_cfg *p = secs->items[i];

                url = p->url, tf = p->token_file, pin = p->fingerprint, ds = p->datastore;
            }
        }
    }
    if (!name) {
        if (!secs->len)
            lb_err_set(err, LB_EUSAGE, "no [%s NAME] section in %s", kind,
                       cfg->path ? cfg->path : "the config");
        else if (!opts->name)
            lb_err_set(err, LB_EUSAGE, "%zu [%s] sections in %s: name the one to rotate", secs->len,
                       kind, cfg->path ? cfg->path : "the config");
        else
            lb_err_set(err, LB_EUSAGE, "no [%s %s] section in %s", kind, opts->name,
                       cfg->path ? cfg->path : "the config");
        return NULL;
    }
    if (!tf) {
        lb_err_set(err, LB_ECONFIG, "[%s %s] has no token_file", kind, name);
        return NULL;
    }
    t = xcalloc(1, sizeof(*t));
    t->loop = loop;
    t->st = st;
    t->product = opts->product;
    t->new_fd = -1;
    vec_init(&t->acls, free);
    snprintf(t->section, sizeof(t->section), "%s %s", kind, name);
    t->url = xstrdup(url);
    t->pin = xstrdup(pin);
    t->token_file = xstrdup(tf);
    t->datastore = xstrdup(ds);
    t->tf_new = xasprintf("%s.new", tf);
    t->tf_old = xasprintf("%s.old", tf);
    t->on_update = on_update;
    t->arg = arg;
    for (int i = 0; i < 2; i++) {
        const char *p = i ? t->tf_old : t->tf_new;

        if (access(p, F_OK) == 0) {
            lb_err_set(err, LB_EFAIL,
                       "%s exists, left by an earlier rotation (it may hold a token): find out "
                       "which token works (lifeboat config check), keep that one in %s, then "
                       "remove %s",
                       p, tf, p);
            tokrot_free(t);
            return NULL;
        }
    }
    {
        const char *dir = path_state_dir(false);
        char *rescued = dir ? xasprintf("%s/%s-%s.token.rescued", dir, kind, name) : NULL;
        bool left = rescued && access(rescued, F_OK) == 0;

        if (left)
            lb_err_set(err, LB_EFAIL,
                       "%s holds the secret of a regenerated token that could not be written "
                       "to %s: move it over that file (mv %s %s), then rotate again",
                       rescued, tf, rescued, tf);
        free(rescued);
        if (left) {
            tokrot_free(t);
            return NULL;
        }
    }
    t->http = http_new(loop);
    co.product = t->product;
    co.name = name;
    co.url = url;
    co.token_file = tf;
    co.fingerprint = pin;
    t->old_c = pmx_client_new(loop, t->http, &co, err);
    if (!t->old_c) {
        tokrot_free(t);
        return NULL;
    }
    str_copy(t->old_id, sizeof(t->old_id), pmx_client_token_id(t->old_c));
    bang = strchr(t->old_id, '!');
    snprintf(t->user, sizeof(t->user), "%.*s", bang ? (int)(bang - t->old_id) : 0, t->old_id);
    str_copy(t->old_name, sizeof(t->old_name), bang ? bang + 1 : "");
    snprintf(job, sizeof(job), "keys-%s-%s", kind, name);
    if (runlock_try(NULL, job, &t->lock, &holder, err) < 0) {
        if (err->code == LB_EBUSY)
            lb_err_set(err, LB_EBUSY,
                       "another rotation of the [%s %s] token is running (pid %d): wait for it",
                       kind, name, holder);
        tokrot_free(t);
        return NULL;
    }
    /* rows left "running" by a rotation that died: we hold the lock now */
    keys_mark_interrupted(st, t->section);
    t->plan.section = t->section;
    t->plan.token_file = t->token_file;
    t->plan.token_id = t->old_id;
    t->plan.version = "";
    t->plan.new_id = "";
    t->plan.acl_text = "";
    str_copy(t->rec.repo, sizeof(t->rec.repo), t->section);
    str_copy(t->rec.outcome, sizeof(t->rec.outcome), "running");
    str_copy(t->rec.stage, sizeof(t->rec.stage), "start");
    str_copy(t->rec.old_key, sizeof(t->rec.old_key), t->old_id);
    str_copy(t->step, sizeof(t->step), "ready");
    return t;
}

int tokrot_plan_start(struct tokrot *t, struct lb_err *err)
{
    if (t->ph != TR_NEW)
        return lb_err_set(err, LB_EFAIL, "the token rotation was planned already");
    t->ph = TR_PLAN;
    say(t, "asking %s '%s' for its version", P(t), t->section + 4);
    if (!pmx_get_version(t->old_c, plan_version, t, err)) {
        t->ph = TR_DONE;
        return -LB_EFAIL;
    }
    return 0;
}

bool tokrot_planned(const struct tokrot *t)
{
    return t->ph == TR_PLANNED;
}

const struct tokrot_plan *tokrot_plan(const struct tokrot *t)
{
    return &t->plan;
}

int tokrot_go(struct tokrot *t, struct lb_err *err)
{
    if (t->ph != TR_PLANNED)
        return lb_err_set(err, LB_EFAIL, "the token rotation is not planned");
    t->ph = TR_GO;
    t->rec.started = clock_now();
    str_copy(t->rec.source, sizeof(t->rec.source),
             t->regen ? "token regenerate" : "token recreate");
    str_copy(t->rec.new_key, sizeof(t->rec.new_key), t->regen ? t->old_id : t->new_id);
    if (t->regen)
        str_copy(t->new_id, sizeof(t->new_id), t->old_id);
    if (t->st && store_keyrot_insert(t->st, &t->rec, err) < 0) {
        advise(t, "Nothing was changed.");
        fail(t, "cannot record the rotation: %s", err->msg);
        return -LB_EFAIL;
    }
    if (t->regen) {
        step_regenerate(t);
    } else {
        step_create(t);
    }
    if (t->ph == TR_DONE && strcmp(t->rec.outcome, "ok") != 0)
        return lb_err_set(err, LB_EFAIL, "%s", t->rec.error);
    return 0;
}

void tokrot_cancel(struct tokrot *t)
{
    if (t->ph == TR_DONE)
        return;
    t->cancelled = true;
    if (t->ph == TR_NEW || t->ph == TR_PLANNED) {
        advise(t, "Nothing was changed.");
        fail(t, "cancelled before anything changed");
    }
    /* otherwise the step in flight sees it (plan_acl, created, step_acl_next) */
}

bool tokrot_done(const struct tokrot *t)
{
    return t->ph == TR_DONE;
}

const struct store_keyrot *tokrot_record(const struct tokrot *t)
{
    return &t->rec;
}

const char *tokrot_step(const struct tokrot *t)
{
    return t->step;
}

const char *tokrot_advice(const struct tokrot *t)
{
    return t->advice;
}

const char *tokrot_unsaved_secret(const struct tokrot *t)
{
    return t->unsaved && t->secret[0] ? t->secret : NULL;
}

void tokrot_free(struct tokrot *t)
{
    if (!t)
        return;
    t->freeing = true;
    pmx_client_free(t->new_c);
    pmx_client_free(t->old_c);
    http_free(t->http);
    t->unsaved = false;
    wipe(t);
    runlock_release(t->lock);
    vec_release(&t->acls);
    free(t->url);
    free(t->pin);
    free(t->token_file);
    free(t->datastore);
    free(t->tf_new);
    free(t->tf_old);
    free(t);
}
