/*
 * The restic adapter: environment in, JSON out, failures turned into clear
 * errors. Children run through spawn.h (never blocking); the repository and
 * the password source go through the environment, never argv.
 *
 * Facts this relies on (restic 0.14, checked here; newer from the source):
 * `snapshots --json` prints an array (`[]`, or `null` in some versions, when
 * empty), `stats --json --mode raw-data` one object, `cat lock ID` one object;
 * failures exit 1 on 0.14 and are told apart by stderr text, while 0.17+ also
 * use exit 10 (no repository), 11 (locked), 12 (wrong password).
 */
#include "backend/restic.h"

#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "backend/base/buf.h"
#include "backend/base/clock.h"
#include "backend/base/log.h"
#include "backend/base/str.h"
#include "backend/base/xalloc.h"
#include "backend/config.h"
#include "backend/loop.h"
#include "backend/spawn.h"

#define MAX_LOCKS_READ      20
#define CAT_LOCK_TIMEOUT_MS 10000 /* restic retries a vanished lock file for ~40 s */
#define KILL_GRACE_MS       2000
#define SNAPSHOTS_MAX       ((size_t)64 << 20)
#define STDERR_MAX          ((size_t)64 << 10)
#define ENV_FILE_MAX        ((size_t)64 << 10)
#define DETAIL_MAX          200

/* ---- model ---- */

void restic_snapshot_free(void *p)
{
    struct restic_snapshot *s = p;

    if (!s)
        return;
    free(s->hostname);
    free(s->username);
    free(s->tree);
    free(s->parent);
    vec_release(&s->paths);
    vec_release(&s->tags);
    free(s);
}

void restic_lock_free(void *p)
{
    struct restic_lock *l = p;

    if (!l)
        return;
    free(l->hostname);
    free(l->username);
    free(l);
}

void restic_repo_info_release(struct restic_repo_info *info)
{
    if (!info->snapshots.free_item)
        info->snapshots.free_item = restic_snapshot_free;
    if (!info->locks.free_item)
        info->locks.free_item = restic_lock_free;
    vec_release(&info->snapshots);
    vec_release(&info->locks);
    memset(&info->stats, 0, sizeof(info->stats));
    info->stats_known = false;
}

const char *restic_program(void)
{
    const char *p = getenv("LIFEBOAT_RESTIC");

    return p && *p ? p : "restic";
}

/* ---- JSON parsers ---- */

static json_t *load_json(const char *what, const char *json, size_t len, struct lb_err *err)
{
    json_error_t jerr;
    json_t *root = json_loadb(json, len, JSON_DECODE_ANY, &jerr);

    if (!root)
        lb_err_set(err, LB_EPARSE, "restic %s printed malformed JSON (line %d: %s)", what,
                   jerr.line, jerr.text);
    return root;
}

/* A string member copied (new), "" when absent; -1 when present but not a string. */
static int get_str(json_t *obj, const char *key, char **out)
{
    json_t *v = json_object_get(obj, key);

    *out = NULL;
    if (!v || json_is_null(v)) {
        *out = xstrdup("");
        return 0;
    }
    if (!json_is_string(v))
        return -1;
    *out = xstrndup(json_string_value(v), json_string_length(v));
    return 0;
}

static int get_str_list(json_t *obj, const char *key, struct vec *out)
{
    json_t *v = json_object_get(obj, key), *item;
    size_t i;

    if (!v || json_is_null(v))
        return 0;
    if (!json_is_array(v))
        return -1;
    json_array_foreach(v, i, item) {
        if (!json_is_string(item))
            return -1;
        vec_push(out, xstrndup(json_string_value(item), json_string_length(item)));
    }
    return 0;
}

static bool is_hex(const char *s, size_t min, size_t max)
{
    size_t n = strlen(s);

    if (n < min || n > max)
        return false;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
            return false;
    return true;
}

static int parse_one_snapshot(json_t *o, size_t idx, struct restic_snapshot **out,
                              struct lb_err *err)
{
    struct restic_snapshot *s = xcalloc(1, sizeof(*s));
    json_t *v;
    const char *why = NULL;

    vec_init(&s->paths, free);
    vec_init(&s->tags, free);
    if (!json_is_object(o)) {
        why = "not an object";
        goto bad;
    }
    v = json_object_get(o, "id");
    if (!json_is_string(v) || !is_hex(json_string_value(v), 8, 64)) {
        why = "no valid \"id\"";
        goto bad;
    }
    str_copy(s->id, sizeof(s->id), json_string_value(v));
    v = json_object_get(o, "short_id");
    if (json_is_string(v) && is_hex(json_string_value(v), 1, 16))
        str_copy(s->short_id, sizeof(s->short_id), json_string_value(v));
    else
        snprintf(s->short_id, sizeof(s->short_id), "%.8s", s->id);
    v = json_object_get(o, "time");
    if (!json_is_string(v) ||
        clock_parse_rfc3339(json_string_value(v), &s->time, &s->utc_offset) < 0) {
        why = "no valid \"time\"";
        goto bad;
    }
    {
        /* the fraction of "...T03:00:12.123456789+01:00" as nanoseconds */
        const char *p = strchr(json_string_value(v), 'T');
        int digits = 0;

        p = p ? strchr(p, '.') : NULL;
        if (p) {
            for (p++; *p >= '0' && *p <= '9'; p++)
                if (digits++ < 9)
                    s->time_ns = s->time_ns * 10 + (*p - '0');
            for (; digits < 9; digits++)
                s->time_ns *= 10;
        }
    }
    if (get_str(o, "hostname", &s->hostname) < 0 || get_str(o, "username", &s->username) < 0 ||
        get_str(o, "tree", &s->tree) < 0) {
        why = "a field that is not a string";
        goto bad;
    }
    v = json_object_get(o, "parent");
    if (json_is_string(v) && json_string_length(v))
        s->parent = xstrdup(json_string_value(v));
    else if (v && !json_is_null(v) && !json_is_string(v)) {
        why = "a \"parent\" that is not a string";
        goto bad;
    }
    if (get_str_list(o, "paths", &s->paths) < 0 || get_str_list(o, "tags", &s->tags) < 0) {
        why = "\"paths\" or \"tags\" not a list of strings";
        goto bad;
    }
    *out = s;
    return 0;
bad:
    restic_snapshot_free(s);
    return lb_err_set(err, LB_EPARSE, "restic snapshots printed a snapshot (#%zu) with %s", idx + 1,
                      why);
}

static int snapshot_cmp(const void *a, const void *b)
{
    const struct restic_snapshot *x = *(const struct restic_snapshot *const *)a;
    const struct restic_snapshot *y = *(const struct restic_snapshot *const *)b;

    if (x->time != y->time)
        return x->time < y->time ? -1 : 1;
    if (x->time_ns != y->time_ns)
        return x->time_ns < y->time_ns ? -1 : 1;
    return strcmp(x->id, y->id);
}

int restic_parse_snapshots(const char *json, size_t len, struct vec *out, struct lb_err *err)
{
    json_t *root = load_json("snapshots", json, len, err), *item;
    struct vec got = VEC_INIT(restic_snapshot_free);
    size_t i;
    int rc = 0;

    if (!root)
        return -LB_EPARSE;
    if (json_is_null(root))
        goto out;
    if (!json_is_array(root)) {
        rc = lb_err_set(err, LB_EPARSE, "restic snapshots printed JSON that is not a list");
        goto out;
    }
    json_array_foreach(root, i, item) {
        struct restic_snapshot *s = NULL;

        if ((rc = parse_one_snapshot(item, i, &s, err)) < 0)
            goto out;
        vec_push(&got, s);
    }
    vec_sort(&got, snapshot_cmp);
    for (i = 0; i < got.len; i++)
        vec_push(out, got.items[i]);
    got.len = 0;
out:
    vec_release(&got);
    json_decref(root);
    return rc;
}

/* A non-negative integer member; absent gives 0 unless required. */
static int get_count(json_t *o, const char *key, bool required, uint64_t *out)
{
    json_t *v = json_object_get(o, key);

    *out = 0;
    if (!v)
        return required ? -1 : 0;
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return -1;
    *out = (uint64_t)json_integer_value(v);
    return 0;
}

int restic_parse_stats(const char *json, size_t len, struct restic_stats *out, struct lb_err *err)
{
    json_t *root = load_json("stats", json, len, err);
    int rc = 0;

    if (!root)
        return -LB_EPARSE;
    memset(out, 0, sizeof(*out));
    /* 0.15+ leave total_file_count out in raw-data mode (omitempty) */
    if (!json_is_object(root) || get_count(root, "total_size", true, &out->total_size) < 0 ||
        get_count(root, "total_file_count", false, &out->total_file_count) < 0 ||
        get_count(root, "snapshots_count", false, &out->snapshots_count) < 0)
        rc = lb_err_set(err, LB_EPARSE,
                        "restic stats printed JSON without a valid \"total_size\" and counts");
    json_decref(root);
    return rc;
}

int restic_parse_lock(const char *json, size_t len, struct restic_lock *out, struct lb_err *err)
{
    json_t *root = load_json("cat lock", json, len, err), *v;
    int rc = 0;

    if (!root)
        return -LB_EPARSE;
    out->hostname = out->username = NULL;
    v = json_object_get(root, "time");
    if (!json_is_object(root) || !json_is_string(v) ||
        clock_parse_rfc3339(json_string_value(v), &out->time, NULL) < 0) {
        rc = lb_err_set(err, LB_EPARSE, "restic cat lock printed JSON without a valid \"time\"");
        goto out;
    }
    v = json_object_get(root, "exclusive");
    out->exclusive = json_is_true(v);
    if (v && !json_is_boolean(v)) {
        rc = lb_err_set(err, LB_EPARSE, "restic cat lock printed a non-boolean \"exclusive\"");
        goto out;
    }
    v = json_object_get(root, "pid");
    out->pid = json_is_integer(v) && json_integer_value(v) > 0 && json_integer_value(v) <= INT32_MAX
                   ? (int)json_integer_value(v)
                   : 0;
    if (get_str(root, "hostname", &out->hostname) < 0 ||
        get_str(root, "username", &out->username) < 0) {
        free(out->hostname);
        free(out->username);
        out->hostname = out->username = NULL;
        rc = lb_err_set(err, LB_EPARSE, "restic cat lock printed a field that is not a string");
    }
out:
    json_decref(root);
    return rc;
}

/* ---- failure classification ---- */

/* stderr without ANSI escapes and without retry/rclone noise (new). */
static char *clean_stderr(const char *text)
{
    struct buf b = BUF_INIT(0);
    const char *line = text ? text : "";

    while (*line) {
        size_t len = strcspn(line, "\n");
        struct buf l = BUF_INIT(0);

        for (size_t i = 0; i < len; i++) {
            if (line[i] == '\033') {
                /* CSI: ESC [ params final(0x40-0x7e); other escapes: skip one byte */
                if (i + 1 < len && line[i + 1] == '[') {
                    i += 2;
                    while (i < len && !(line[i] >= 0x40 && line[i] <= 0x7e))
                        i++;
                } else {
                    i++;
                }
                continue;
            }
            buf_append(&l, &line[i], 1);
        }
        if (!str_starts_with(buf_cstr(&l), "rclone:") &&
            !strstr(buf_cstr(&l), "returned error, retrying after")) {
            buf_puts(&b, buf_cstr(&l));
            buf_puts(&b, "\n");
        }
        buf_release(&l);
        line += len;
        if (*line == '\n')
            line++;
    }
    return buf_detach(&b);
}

/* The line of text containing needle (new), or NULL. */
static char *line_with(const char *text, const char *needle)
{
    const char *p = strstr(text, needle), *start, *end;

    if (!p)
        return NULL;
    start = p;
    while (start > text && start[-1] != '\n')
        start--;
    end = p + strcspn(p, "\n");
    return xstrndup(start, (size_t)(end - start));
}

/* The line after the one containing needle (new), or NULL. */
static char *line_after(const char *text, const char *needle)
{
    const char *p = strstr(text, needle);

    if (!p || !(p = strchr(p, '\n')))
        return NULL;
    p++;
    return *p ? xstrndup(p, strcspn(p, "\n")) : NULL;
}

/* The first non-empty line, without a "Fatal: " prefix, cut and sanitized (new). */
static char *first_line(const char *text)
{
    const char *p = text;
    char *s;

    while (*p == '\n' || *p == ' ')
        p++;
    if (str_starts_with(p, "Fatal: "))
        p += 7;
    s = xstrndup(p, strcspn(p, "\n"));
    if (strlen(s) > DETAIL_MAX)
        memcpy(s + DETAIL_MAX - 3, "...", 4);
    str_sanitize(s);
    return s;
}

/* Seconds in a Go duration ("1.5s", "2m3.5s", "1h2m", "350ms"); -1 when not one. */
static double go_duration(const char *s, const char **end)
{
    double total = 0;
    bool any = false;

    while ((*s >= '0' && *s <= '9') || *s == '.') {
        char *after;
        double v = strtod(s, &after);
        double unit;

        if (after == s)
            break;
        s = after;
        if (str_starts_with(s, "ms"))
            unit = 1e-3, s += 2;
        else if (str_starts_with(s, "us"))
            unit = 1e-6, s += 2;
        else if (str_starts_with(s, "\xc2\xb5s"))
            unit = 1e-6, s += 3;
        else if (str_starts_with(s, "ns"))
            unit = 1e-9, s += 2;
        else if (*s == 'h')
            unit = 3600, s++;
        else if (*s == 'm')
            unit = 60, s++;
        else if (*s == 's')
            unit = 1, s++;
        else
            return -1;
        total += v * unit;
        any = true;
    }
    if (end)
        *end = s;
    return any ? total : -1;
}

/*
 * "repository is already locked exclusively by PID 7013 on vm by root (UID 0, GID 0)
 *  lock was created at 2026-11-26 20:52:14 (1.533440705s ago)"
 * -> "locked exclusively by PID 7013 on vm by root since 2026-11-26 20:52:14 (1s ago)"
 */
static void describe_lock(const char *text, char *out, size_t n)
{
    char *l = line_with(text, "already locked");
    char *created = line_with(text, "lock was created at ");
    const char *holder = l ? strstr(l, "already locked") + strlen("already locked") : NULL;
    struct buf b = BUF_INIT(0);

    buf_puts(&b, "repository is locked");
    if (holder) {
        size_t hl = strcspn(holder, "(");

        while (hl && holder[hl - 1] == ' ')
            hl--;
        buf_append(&b, holder, hl);
    }
    if (created) {
        const char *at = strstr(created, "lock was created at ") + strlen("lock was created at ");
        const char *paren = strchr(at, '(');
        size_t al = paren ? (size_t)(paren - at) : strlen(at);
        double age = paren ? go_duration(paren + 1, NULL) : -1;

        while (al && at[al - 1] == ' ')
            al--;
        buf_puts(&b, " since ");
        buf_append(&b, at, al);
        /* restic's own text, but bounded: a garbled "(91E324713s" must not overflow */
        if (age >= 0 && age < 1e12) {
            char a[32];

            buf_printf(&b, " (%s ago)", str_fmt_age((int64_t)age, a, sizeof(a)));
        }
    }
    buf_puts(&b, "; if no restic is running there any more, remove the stale lock with "
                 "`restic unlock`");
    str_copy(out, n, buf_cstr(&b));
    str_sanitize(out);
    buf_release(&b);
    free(l);
    free(created);
}

static const char *signal_name(int signo)
{
    const char *abbrev = sigabbrev_np(signo);

    return abbrev ? abbrev : "unknown";
}

/* The classification; pw_hint (may be NULL) is added to a wrong-password message. */
static int classify(const char *name, const char *pw_hint, int exit_code, int signo, bool timed_out,
                    int exec_errno, const char *stderr_text, struct lb_err *err)
{
    char *text = clean_stderr(stderr_text);
    char *detail = NULL, *s = NULL;
    char msg[LB_ERR_MSG_MAX];
    int rc;

    if (exec_errno == ENOENT) {
        if (strcmp(restic_program(), "restic") == 0)
            rc = lb_err_set(err, LB_EMISSING_TOOL,
                            "cannot read repo '%s': restic is not installed (apt install restic)",
                            name);
        else
            rc = lb_err_set(err, LB_EMISSING_TOOL,
                            "cannot read repo '%s': restic program %s (from LIFEBOAT_RESTIC) does "
                            "not exist",
                            name, restic_program());
    } else if (exec_errno) {
        rc = lb_err_set(err, exec_errno == EACCES ? LB_EPERM : LB_EFAIL,
                        "cannot read repo '%s': cannot run %s: %s", name, restic_program(),
                        strerror(exec_errno));
    } else if (timed_out) {
        rc = lb_err_set(err, LB_ETIMEOUT,
                        "cannot read repo '%s': restic did not answer in time (is the repository "
                        "reachable?)",
                        name);
    } else if (exit_code == 12 || strstr(text, "wrong password or no key found")) {
        rc = lb_err_set(err, LB_EAUTH, "cannot read repo '%s': wrong password%s%s%s", name,
                        pw_hint ? " (check " : "", pw_hint ? pw_hint : "", pw_hint ? ")" : "");
    } else if ((s = line_with(text, "Resolving password failed: "))) {
        detail = first_line(strstr(s, "Resolving password failed: ") +
                            strlen("Resolving password failed: "));
        if (str_starts_with(detail, "exit status"))
            rc =
                lb_err_set(err, LB_EAUTH, "cannot read repo '%s': the password command failed (%s)",
                           name, detail);
        else
            rc = lb_err_set(err, LB_EAUTH, "cannot read repo '%s': cannot get the password: %s",
                            name, detail);
    } else if (strstr(text, "an empty password is not a password")) {
        rc = lb_err_set(err, LB_EAUTH, "cannot read repo '%s': the password is empty", name);
    } else if (strstr(text, "(401)") || strstr(text, "401 Unauthorized") || strstr(text, "(403)") ||
               strstr(text, "403 Forbidden")) {
        /* checked before "unable to open config file", which REST 401 also prints */
        rc = lb_err_set(err, LB_EAUTH,
                        "cannot read repo '%s': the server refused the credentials (%s)", name,
                        strstr(text, "401") ? "HTTP 401" : "HTTP 403");
    } else if (exit_code == 11 || strstr(text, "repository is already locked")) {
        describe_lock(text, msg, sizeof(msg));
        rc = lb_err_set(err, LB_ELOCKED, "cannot read repo '%s': %s", name, msg);
    } else if (strstr(text, "connection refused") || strstr(text, "no such host") ||
               strstr(text, "network is unreachable") || strstr(text, "i/o timeout") ||
               strstr(text, "dial tcp")) {
        /* before the "no repository" case: restic 0.14 asks "Is there a repository" here too */
        const char *why = strstr(text, "connection refused")      ? "connection refused"
                          : strstr(text, "no such host")          ? "no such host"
                          : strstr(text, "network is unreachable") ? "network is unreachable"
                                                                   : "no answer";

        rc = lb_err_set(err, LB_EUNREACHABLE,
                        "cannot read repo '%s': cannot reach its server (%s): is it up, and is "
                        "the network there?",
                        name, why);
    } else if (exit_code == 10 ||
               strstr(text, "Is there a repository at the following location?") ||
               (strstr(text, "unable to open config file") &&
                (strstr(text, "no such file or directory") || strstr(text, "does not exist")))) {
        detail = line_after(text, "Is there a repository at the following location?");
        if (detail)
            str_sanitize(detail);
        rc = lb_err_set(err, LB_ENOREPO,
                        "cannot read repo '%s': there is no restic repository at %s (check the "
                        "url, or run restic init)",
                        name, detail && *detail ? detail : "the configured location");
    } else if (signo > 0 || exit_code < 0) {
        rc = lb_err_set(err, LB_EFAIL,
                        "cannot read repo '%s': restic was killed by signal %d (SIG%s)", name,
                        signo, signal_name(signo));
    } else if (exit_code == 130) {
        rc = lb_err_set(err, LB_ECANCELLED, "cannot read repo '%s': restic was interrupted", name);
    } else if (strstr(text, "no space left on device")) {
        rc = lb_err_set(err, LB_ENOSPACE, "cannot read repo '%s': no space left on device", name);
    } else if (strstr(text, "permission denied")) {
        detail = first_line(text);
        rc = lb_err_set(err, LB_EPERM, "cannot read repo '%s': %s", name, detail);
    } else {
        detail = first_line(text);
        rc = lb_err_set(err, LB_EFAIL, "cannot read repo '%s': restic failed (exit %d)%s%s", name,
                        exit_code, *detail ? ": " : "", detail);
    }
    free(s);
    free(detail);
    free(text);
    return rc;
}

int restic_classify_failure(const char *repo_name, int exit_code, int signo, bool timed_out,
                            int exec_errno, const char *stderr_text, struct lb_err *err)
{
    return classify(repo_name, NULL, exit_code, signo, timed_out, exec_errno, stderr_text, err);
}

/* ---- environment ---- */

static char *resolve(const char *path, const char *config_dir)
{
    if (path[0] == '/' || !config_dir || !*config_dir)
        return xstrdup(path);
    return xasprintf("%s/%s", config_dir, path);
}

/* restic variables lifeboat sets from lifeboat.conf: an env_file may not set them. */
static bool reserved_name(const char *name, size_t len)
{
    static const char *const names[] = { "RESTIC_REPOSITORY", "RESTIC_REPOSITORY_FILE",
                                         "RESTIC_PASSWORD", "RESTIC_PASSWORD_FILE",
                                         "RESTIC_PASSWORD_COMMAND" };

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strlen(names[i]) == len && memcmp(names[i], name, len) == 0)
            return true;
    return false;
}

static int read_file(const char *path, struct buf *b, struct lb_err *err)
{
    FILE *f = fopen(path, "re");
    char chunk[4096];
    size_t n;

    if (!f)
        return lb_err_set(err, errno == ENOENT ? LB_ENOTFOUND : LB_EIO,
                          "cannot read env_file %s: %s", path, strerror(errno));
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        if (buf_append(b, chunk, n) < n)
            break;
    if (ferror(f) || b->truncated) {
        int e = ferror(f) ? errno : EFBIG;

        fclose(f);
        return lb_err_set(err, LB_EIO, "cannot read env_file %s: %s", path,
                          e == EFBIG ? "larger than 64 KiB" : strerror(e));
    }
    fclose(f);
    return 0;
}

/* Parse one KEY=VALUE line of an env_file into env (or skip it). */
static int env_line(char *line, const char *path, int lineno, struct vec *env, struct lb_err *err)
{
    char *p = str_trim(line), *eq, *val;
    size_t nlen, vlen;

    if (!*p || *p == '#')
        return 0;
    if (str_starts_with(p, "export ") || str_starts_with(p, "export\t"))
        p = str_trim(p + 7);
    eq = strchr(p, '=');
    nlen = eq ? (size_t)(eq - p) : 0;
    while (nlen && (p[nlen - 1] == ' ' || p[nlen - 1] == '\t'))
        nlen--; /* "NAME = value" */
    if (!eq || !nlen || (p[0] >= '0' && p[0] <= '9'))
        goto bad;
    for (size_t i = 0; i < nlen; i++)
        if (!(p[i] == '_' || (p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= 'a' && p[i] <= 'z') ||
              (p[i] >= '0' && p[i] <= '9')))
            goto bad;
    val = str_trim(eq + 1);
    vlen = strlen(val);
    if (vlen >= 2 && (val[0] == '"' || val[0] == '\'') && val[vlen - 1] == val[0]) {
        val[vlen - 1] = '\0';
        val++;
    } else if (vlen && (val[0] == '"' || val[0] == '\'')) {
        /* never echo the value: it may be a secret */
        return lb_err_set(err, LB_ECONFIG, "%s:%d: unterminated quote in the value of %.*s", path,
                          lineno, (int)nlen, p);
    }
    if (reserved_name(p, nlen)) {
        log_warn("%s:%d: %.*s is ignored: lifeboat.conf sets the repository and password", path,
                 lineno, (int)nlen, p);
        return 0;
    }
    vec_push(env, xasprintf("%.*s=%s", (int)nlen, p, val));
    return 0;
bad:
    return lb_err_set(err, LB_ECONFIG, "%s:%d: expected NAME=value (optionally after `export `)",
                      path, lineno);
}

int restic_build_env(const struct repo_cfg *repo, const char *config_dir, struct vec *env_out,
                     struct lb_err *err)
{
    struct vec env = VEC_INIT(free);
    int rc = 0;

    if (!env_out->free_item)
        env_out->free_item = free;
    if (!repo->url || !*repo->url) {
        rc = lb_err_set(err, LB_ECONFIG, "repo '%s' has no url", repo->name);
        goto out;
    }
    if (!strchr(repo->url, ':') && repo->url[0] != '/') {
        char *u = resolve(repo->url, config_dir);

        vec_push(&env, xasprintf("RESTIC_REPOSITORY=%s", u));
        free(u);
    } else {
        vec_push(&env, xasprintf("RESTIC_REPOSITORY=%s", repo->url));
    }
    if (repo->password_file) {
        char *p = resolve(repo->password_file, config_dir);

        vec_push(&env, xasprintf("RESTIC_PASSWORD_FILE=%s", p));
        free(p);
    } else if (repo->password_command) {
        vec_push(&env, xasprintf("RESTIC_PASSWORD_COMMAND=%s", repo->password_command));
    } else {
        rc = lb_err_set(err, LB_ECONFIG, "repo '%s' has neither password_file nor password_command",
                        repo->name);
        goto out;
    }
    if (repo->env_file) {
        char *path = resolve(repo->env_file, config_dir);
        struct buf b = BUF_INIT(ENV_FILE_MAX);
        char *line, *next;
        int lineno = 0;

        rc = read_file(path, &b, err);
        for (line = b.data; rc == 0 && line; line = next) {
            next = strchr(line, '\n');
            if (next)
                *next++ = '\0';
            lineno++;
            if (!*line && !next)
                break;
            rc = env_line(line, path, lineno, &env, err);
        }
        buf_release(&b);
        free(path);
        if (rc < 0)
            goto out;
    }
    for (size_t i = 0; i < env.len; i++)
        vec_push(env_out, env.items[i]);
    env.len = 0;
    vec_push(env_out, NULL);
out:
    vec_release(&env);
    return rc;
}

/*
 * Inherited variables removed from restic's environment (spawn removes these
 * before it sets the ones from restic_build_env): other password sources would
 * conflict with ours, and RESTIC_HOST (0.17+) silently filters listings.
 */
const char *const *restic_unset_env(void)
{
    static const char *const names[] = { "RESTIC_PASSWORD",
                                         "RESTIC_PASSWORD_FILE",
                                         "RESTIC_PASSWORD_COMMAND",
                                         "RESTIC_REPOSITORY",
                                         "RESTIC_REPOSITORY_FILE",
                                         "RESTIC_HOST",
                                         NULL };

    return names;
}

/* ---- refresh ---- */

enum stage { STAGE_SNAPSHOTS, STAGE_STATS, STAGE_LIST_LOCKS, STAGE_CAT_LOCK };

struct restic_op {
    struct loop *loop;
    char *name;
    char *local_path; /* the repository directory when the url is a local path */
    char *pw_hint;    /* "password_file /x" or "password_command" */
    struct vec env;   /* char *, NULL-terminated */
    int64_t timeout_ms;
    void (*done)(int rc, const struct restic_repo_info *info, const struct lb_err *err, void *arg);
    void *arg;

    enum stage stage;
    struct spawn *sp;
    uint64_t fail_timer;
    bool cancelled;
    struct lb_err fail;
    struct restic_repo_info info;
    struct vec lock_ids; /* char * */
    size_t lock_next;
};

static void op_free(struct restic_op *op)
{
    free(op->name);
    free(op->local_path);
    free(op->pw_hint);
    vec_release(&op->env);
    restic_repo_info_release(&op->info);
    vec_release(&op->lock_ids);
    free(op);
}

static void op_finish(struct restic_op *op, int rc, const struct lb_err *err)
{
    op->done(rc, rc == 0 ? &op->info : NULL, rc == 0 ? NULL : err, op->arg);
    op_free(op);
}

static void on_child_exit(struct spawn *sp, const struct spawn_result *res, void *arg);

static int op_spawn(struct restic_op *op, const char *const *args, int64_t timeout_ms,
                    size_t capture_max, struct lb_err *err)
{
    const char *argv[8];
    struct spawn_opts o;
    size_t n = 0;

    argv[n++] = restic_program();
    argv[n++] = "--no-lock";
    for (; *args && n < 7; args++)
        argv[n++] = *args;
    argv[n] = NULL;
    memset(&o, 0, sizeof(o));
    o.argv = argv;
    o.env = (const char *const *)op->env.items;
    o.unset_env = restic_unset_env();
    o.timeout_ms = timeout_ms;
    o.kill_grace_ms = KILL_GRACE_MS;
    o.capture = true;
    o.capture_max = capture_max;
    o.on_exit = on_child_exit;
    o.arg = op;
    op->sp = spawn_start(op->loop, &o, err);
    if (!op->sp) {
        lb_err_prefix(err, "cannot read repo '%s'", op->name);
        return -(int)(err->code ? err->code : LB_EFAIL);
    }
    return 0;
}

static int start_stage(struct restic_op *op, enum stage stage, struct lb_err *err)
{
    static const char *const snapshots[] = { "snapshots", "--json", NULL };
    static const char *const stats[] = { "stats", "--json", "--mode", "raw-data", NULL };
    static const char *const list_locks[] = { "list", "locks", NULL };
    const char *cat_lock[] = { "cat", "lock", NULL, NULL };
    int64_t t = op->timeout_ms;

    op->stage = stage;
    switch (stage) {
    case STAGE_SNAPSHOTS:
        return op_spawn(op, snapshots, t, SNAPSHOTS_MAX, err);
    case STAGE_STATS:
        return op_spawn(op, stats, t, STDERR_MAX, err);
    case STAGE_LIST_LOCKS:
        return op_spawn(op, list_locks, t, STDERR_MAX, err);
    case STAGE_CAT_LOCK:
        cat_lock[2] = op->lock_ids.items[op->lock_next];
        return op_spawn(op, cat_lock, t > 0 && t < CAT_LOCK_TIMEOUT_MS ? t : CAT_LOCK_TIMEOUT_MS,
                        STDERR_MAX, err);
    }
    return lb_err_set(err, LB_EFAIL, "bad stage");
}

/* After restic said "no repository": is a local repository's disk there at all? */
static void refine_missing(struct restic_op *op, struct lb_err *err)
{
    struct stat stbuf;
    char *config;

    if (!op->local_path)
        return;
    if (stat(op->local_path, &stbuf) < 0 && errno == ENOENT) {
        lb_err_set(err, LB_ENOREPO,
                   "cannot read repo '%s': repository path %s does not exist: is the disk "
                   "mounted?",
                   op->name, op->local_path);
        return;
    }
    config = xasprintf("%s/config", op->local_path);
    if (stat(config, &stbuf) < 0 && errno == ENOENT)
        lb_err_set(err, LB_ENOREPO,
                   "cannot read repo '%s': %s is not a restic repository (no config file): "
                   "check the url, or run restic init",
                   op->name, op->local_path);
    free(config);
}

static int next_after_locks(struct restic_op *op, struct lb_err *err)
{
    while (op->lock_next < op->lock_ids.len) {
        if (start_stage(op, STAGE_CAT_LOCK, err) == 0)
            return 1;
        log_warn("%s", err->msg);
        op->lock_next++;
    }
    return 0;
}

/* Collect the lock ids printed by `restic list locks` (capped). */
static void collect_lock_ids(struct restic_op *op, const char *out)
{
    const char *p = out;

    while (*p && op->lock_ids.len < MAX_LOCKS_READ) {
        size_t len = strcspn(p, "\n");
        char *id = xstrndup(p, len);

        if (is_hex(str_trim(id), 64, 64))
            vec_push(&op->lock_ids, xstrdup(str_trim(id)));
        free(id);
        p += len;
        if (*p == '\n')
            p++;
    }
}

static void on_child_exit(struct spawn *sp, const struct spawn_result *res, void *arg)
{
    struct restic_op *op = arg;
    const struct buf *out = spawn_stdout(sp), *errb = spawn_stderr(sp);
    bool ok = res->exited && res->status == 0 && !res->exec_errno && !res->timed_out;
    struct lb_err err = { 0 };
    int rc;

    op->sp = NULL;
    if (op->cancelled || res->cancelled) {
        lb_err_set(&err, LB_ECANCELLED, "cannot read repo '%s': cancelled", op->name);
        op_finish(op, -LB_ECANCELLED, &err);
        return;
    }
    switch (op->stage) {
    case STAGE_SNAPSHOTS:
        if (!ok) {
            rc = classify(op->name, op->pw_hint, res->exited ? res->status : -1, res->signo,
                          res->timed_out, res->exec_errno, buf_cstr(errb), &err);
            if (rc == -LB_ENOREPO)
                refine_missing(op, &err);
            op_finish(op, rc, &err);
            return;
        }
        if (out->truncated || res->output_capped) {
            lb_err_set(&err, LB_ETOOBIG,
                       "cannot read repo '%s': restic snapshots printed more than %zu MiB",
                       op->name, SNAPSHOTS_MAX >> 20);
            op_finish(op, -LB_ETOOBIG, &err);
            return;
        }
        if ((rc = restic_parse_snapshots(out->data ? out->data : "", out->len, &op->info.snapshots,
                                         &err)) < 0) {
            lb_err_prefix(&err, "cannot read repo '%s'", op->name);
            op_finish(op, rc, &err);
            return;
        }
        rc = start_stage(op, STAGE_STATS, &err);
        break;
    case STAGE_STATS:
        if (ok && restic_parse_stats(buf_cstr(out), out->len, &op->info.stats, &err) == 0) {
            op->info.stats_known = true;
        } else {
            if (!ok)
                classify(op->name, op->pw_hint, res->exited ? res->status : -1, res->signo,
                         res->timed_out, res->exec_errno, buf_cstr(errb), &err);
            log_warn("repo '%s': size unknown: %s", op->name, err.msg);
        }
        rc = start_stage(op, STAGE_LIST_LOCKS, &err);
        break;
    case STAGE_LIST_LOCKS:
        if (ok)
            collect_lock_ids(op, buf_cstr(out));
        else
            log_warn("repo '%s': cannot list locks (exit %d)", op->name, res->status);
        if (next_after_locks(op, &err))
            return;
        op_finish(op, 0, NULL);
        return;
    case STAGE_CAT_LOCK: {
        struct restic_lock *l = xcalloc(1, sizeof(*l));

        /* a lock can vanish between list and cat (its restic finished): skip it */
        if (ok && restic_parse_lock(buf_cstr(out), out->len, l, &err) == 0) {
            str_copy(l->id, sizeof(l->id), op->lock_ids.items[op->lock_next]);
            vec_push(&op->info.locks, l);
        } else {
            restic_lock_free(l);
        }
        op->lock_next++;
        if (next_after_locks(op, &err))
            return;
        op_finish(op, 0, NULL);
        return;
    }
    default:
        rc = -LB_EFAIL;
        break;
    }
    if (rc < 0) {
        /* a later stage could not even start: deliver what we have */
        log_warn("%s", err.msg);
        op_finish(op, 0, NULL);
    }
}

static void on_fail_timer(struct loop *loop, void *arg)
{
    struct restic_op *op = arg;

    (void)loop;
    op->fail_timer = 0;
    if (op->cancelled)
        lb_err_set(&op->fail, LB_ECANCELLED, "cannot read repo '%s': cancelled", op->name);
    op_finish(op, -(int)op->fail.code, &op->fail);
}

struct restic_op *restic_refresh_start(struct loop *loop, const struct repo_cfg *repo,
                                       const char *config_dir, int64_t timeout_ms,
                                       void (*done)(int rc, const struct restic_repo_info *info,
                                                    const struct lb_err *err, void *arg),
                                       void *arg)
{
    struct restic_op *op = xcalloc(1, sizeof(*op));
    const char *url = repo->url ? repo->url : "";

    op->loop = loop;
    op->name = xstrdup(repo->name ? repo->name : "?");
    op->timeout_ms = timeout_ms;
    op->done = done;
    op->arg = arg;
    vec_init(&op->env, free);
    vec_init(&op->info.snapshots, restic_snapshot_free);
    vec_init(&op->info.locks, restic_lock_free);
    vec_init(&op->lock_ids, free);
    if (str_starts_with(url, "local:"))
        url += 6;
    if (url[0] == '/')
        op->local_path = xstrdup(url);
    else if (*url && !strchr(url, ':'))
        op->local_path = resolve(url, config_dir);
    if (repo->password_file) {
        char *p = resolve(repo->password_file, config_dir);

        op->pw_hint = xasprintf("password_file %s", p);
        free(p);
    } else {
        op->pw_hint = xstrdup("password_command");
    }

    /* Failures to start are delivered from the loop: done never runs inside this call. */
    if (restic_build_env(repo, config_dir, &op->env, &op->fail) < 0)
        lb_err_prefix(&op->fail, "cannot read repo '%s'", op->name);
    if (op->fail.code != LB_EOK || start_stage(op, STAGE_SNAPSHOTS, &op->fail) < 0) {
        if (op->fail.code == LB_EOK)
            op->fail.code = LB_EFAIL;
        op->fail_timer = loop_add_timer(loop, 0, on_fail_timer, op);
    }
    return op;
}

void restic_op_cancel(struct restic_op *op)
{
    if (!op || op->cancelled)
        return;
    op->cancelled = true;
    if (op->sp)
        spawn_cancel(op->sp);
}

/* ---- runner additions: backup --json lines, forget --json, version, argv, copy env ---- */

static uint64_t json_u64(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);

    if (json_is_integer(v) && json_integer_value(v) > 0)
        return (uint64_t)json_integer_value(v);
    if (json_is_real(v) && json_real_value(v) > 0)
        return (uint64_t)json_real_value(v);
    return 0;
}

static double json_num(json_t *o, const char *key, double dflt)
{
    json_t *v = json_object_get(o, key);

    return json_is_number(v) ? json_number_value(v) : dflt;
}

static void copy_sanitized(char *dst, size_t n, const char *src)
{
    str_copy(dst, n, src ? src : "");
    str_sanitize(dst);
}

/* restic 0.14 prints the raw Go error ({"Op":"open","Path":..,"Err":13}); 0.18+ {"message":..}. */
static void backup_error_text(json_t *e, char *out, size_t n)
{
    json_t *m = json_object_get(e, "message"), *op = json_object_get(e, "Op"),
           *path = json_object_get(e, "Path"), *no = json_object_get(e, "Err");

    if (json_is_string(e)) {
        copy_sanitized(out, n, json_string_value(e));
    } else if (json_is_string(m)) {
        copy_sanitized(out, n, json_string_value(m));
    } else if (json_is_string(op) && json_is_integer(no)) {
        snprintf(out, n, "%s %s: %s", json_string_value(op),
                 json_is_string(path) ? json_string_value(path) : "?",
                 strerror((int)json_integer_value(no)));
        str_sanitize(out);
    } else {
        str_copy(out, n, "unreadable (restic gave no detail)");
    }
}

int restic_parse_backup_line(const char *line, size_t len, struct restic_backup_msg *msg)
{
    json_t *root, *t;
    const char *type;

    memset(msg, 0, sizeof(*msg));
    msg->seconds_remaining = -1;
    if (!len || line[0] != '{')
        return -LB_EPARSE;
    root = json_loadb(line, len, 0, NULL);
    if (!json_is_object(root)) {
        json_decref(root);
        return -LB_EPARSE;
    }
    t = json_object_get(root, "message_type");
    type = json_is_string(t) ? json_string_value(t) : "";
    /* 0.14-0.15 send scan_finished as a "status" with an "action" (a bug): not progress */
    if (!strcmp(type, "status") && !json_object_get(root, "action")) {
        double pct = json_num(root, "percent_done", 0) * 100.0;

        msg->kind = RESTIC_MSG_STATUS;
        msg->percent = pct < 0 ? 0 : pct > 100 ? 100 : pct;
        msg->files_done = json_u64(root, "files_done");
        msg->total_files = json_u64(root, "total_files");
        msg->bytes_done = json_u64(root, "bytes_done");
        msg->total_bytes = json_u64(root, "total_bytes");
        msg->error_count = json_u64(root, "error_count");
        msg->seconds_elapsed = (int64_t)json_u64(root, "seconds_elapsed");
        if (json_object_get(root, "seconds_remaining"))
            msg->seconds_remaining = (int64_t)json_u64(root, "seconds_remaining");
    } else if (!strcmp(type, "summary")) {
        json_t *id = json_object_get(root, "snapshot_id");

        msg->kind = RESTIC_MSG_SUMMARY;
        msg->files_new = json_u64(root, "files_new");
        msg->files_changed = json_u64(root, "files_changed");
        msg->files_unmodified = json_u64(root, "files_unmodified");
        msg->dirs_new = json_u64(root, "dirs_new");
        msg->dirs_changed = json_u64(root, "dirs_changed");
        msg->data_added = json_u64(root, "data_added");
        msg->total_files_processed = json_u64(root, "total_files_processed");
        msg->total_bytes_processed = json_u64(root, "total_bytes_processed");
        msg->total_duration = json_num(root, "total_duration", 0);
        msg->dry_run = json_is_true(json_object_get(root, "dry_run"));
        if (json_is_string(id) && is_hex(json_string_value(id), 1, 64))
            str_copy(msg->snapshot_id, sizeof(msg->snapshot_id), json_string_value(id));
    } else if (!strcmp(type, "error")) {
        json_t *item = json_object_get(root, "item");

        msg->kind = RESTIC_MSG_ERROR;
        backup_error_text(json_object_get(root, "error"), msg->error, sizeof(msg->error));
        copy_sanitized(msg->item, sizeof(msg->item), json_is_string(item) ? json_string_value(item)
                                                                          : "");
    } else {
        msg->kind = RESTIC_MSG_OTHER;
    }
    json_decref(root);
    return 0;
}

static int forget_ids(json_t *arr, struct vec *out)
{
    json_t *s;
    size_t i;

    if (!arr || json_is_null(arr))
        return 0;
    if (!json_is_array(arr))
        return -1;
    json_array_foreach(arr, i, s) {
        json_t *sid = json_object_get(s, "short_id"), *id = json_object_get(s, "id");

        if (json_is_string(sid) && is_hex(json_string_value(sid), 1, 16))
            vec_push(out, xstrdup(json_string_value(sid)));
        else if (json_is_string(id) && is_hex(json_string_value(id), 8, 64))
            vec_push(out, xstrndup(json_string_value(id), 8));
        else
            return -1;
    }
    return 0;
}

int restic_parse_forget(const char *json, size_t len, struct vec *keep, struct vec *remove,
                        struct lb_err *err)
{
    json_t *root, *g;
    size_t i, k;
    int rc = 0;

    for (k = 0; k < len && (json[k] == ' ' || json[k] == '\n' || json[k] == '\r'); k++)
        ;
    if (k == len)
        return 0; /* no groups: restic prints nothing */
    if (!(root = load_json("forget", json, len, err)))
        return -LB_EPARSE;
    if (json_is_null(root))
        goto out;
    if (!json_is_array(root)) {
        rc = lb_err_set(err, LB_EPARSE, "restic forget printed JSON that is not a list of groups");
        goto out;
    }
    json_array_foreach(root, i, g) {
        if (!json_is_object(g) || forget_ids(json_object_get(g, "keep"), keep) < 0 ||
            forget_ids(json_object_get(g, "remove"), remove) < 0) {
            rc = lb_err_set(err, LB_EPARSE,
                            "restic forget printed a group (#%zu) without valid keep/remove lists",
                            i + 1);
            goto out;
        }
    }
out:
    json_decref(root);
    return rc;
}

int restic_parse_version(const char *text, int *version)
{
    const char *p = text ? strstr(text, "restic ") : NULL;
    char *end;
    long major, minor;

    if (!p)
        return -1;
    p += 7;
    major = strtol(p, &end, 10);
    if (end == p || *end != '.' || major < 0 || major > 99)
        return -1;
    p = end + 1;
    minor = strtol(p, &end, 10);
    if (end == p || minor < 0 || minor > 999)
        return -1;
    *version = (int)(major * 1000 + minor);
    return 0;
}

void restic_keep_args(const struct keep_policy *keep, int restic_version, struct vec *args)
{
    const struct {
        const char *flag;
        int n;
    } rules[] = {
        { "--keep-last", keep->last },       { "--keep-hourly", keep->hourly },
        { "--keep-daily", keep->daily },     { "--keep-weekly", keep->weekly },
        { "--keep-monthly", keep->monthly }, { "--keep-yearly", keep->yearly },
    };

    for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
        if (!rules[i].n)
            continue;
        vec_push(args, xstrdup(rules[i].flag));
        if (rules[i].n > 0)
            vec_push(args, xasprintf("%d", rules[i].n));
        else if (restic_version >= 16)
            vec_push(args, xstrdup("unlimited"));
        else
            vec_push(args, xstrdup("1000000"));
    }
    if (keep->within > 0) {
        vec_push(args, xstrdup("--keep-within"));
        if (keep->within % 86400 == 0)
            vec_push(args, xasprintf("%lldd", (long long)(keep->within / 86400)));
        else
            vec_push(args, xasprintf("%lldh", (long long)((keep->within + 3599) / 3600)));
    }
}

/* "NAME=value" -> "NEWNAME=value" (new) when entry starts with "NAME=". */
static char *rename_var(const char *entry, const char *name, const char *newname)
{
    size_t n = strlen(name);

    if (strncmp(entry, name, n) || entry[n] != '=')
        return NULL;
    return xasprintf("%s%s", newname, entry + n);
}

static bool env_has_name(const struct vec *env, const char *entry)
{
    size_t n = strcspn(entry, "=");

    for (size_t i = 0; i < env->len; i++) {
        const char *e = env->items[i];

        if (e && !strncmp(e, entry, n) && e[n] == '=')
            return true;
    }
    return false;
}

int restic_build_copy_env(const struct repo_cfg *src, const struct repo_cfg *dst,
                          const char *config_dir, struct vec *env_out, struct lb_err *err)
{
    static const char *const names[][2] = {
        { "RESTIC_REPOSITORY", "RESTIC_FROM_REPOSITORY" },
        { "RESTIC_PASSWORD_FILE", "RESTIC_FROM_PASSWORD_FILE" },
        { "RESTIC_PASSWORD_COMMAND", "RESTIC_FROM_PASSWORD_COMMAND" },
    };
    struct vec d = VEC_INIT(free), s = VEC_INIT(free);
    int rc;

    if (!env_out->free_item)
        env_out->free_item = free;
    if ((rc = restic_build_env(dst, config_dir, &d, err)) < 0 ||
        (rc = restic_build_env(src, config_dir, &s, err)) < 0)
        goto out;
    vec_pop(&d); /* the NULL terminators */
    vec_pop(&s);
    for (size_t i = 0; i < s.len; i++) {
        const char *e = s.items[i];
        char *renamed = NULL;

        for (size_t k = 0; k < 3 && !renamed; k++)
            renamed = rename_var(e, names[k][0], names[k][1]);
        if (renamed)
            vec_push(&d, renamed);
        else if (!env_has_name(&d, e))
            vec_push(&d, xstrdup(e));
    }
    for (size_t i = 0; i < d.len; i++)
        vec_push(env_out, d.items[i]);
    d.len = 0;
    vec_push(env_out, NULL);
out:
    vec_release(&d);
    vec_release(&s);
    return rc;
}

const char *const *restic_unset_env_copy(void)
{
    static const char *const names[] = { "RESTIC_PASSWORD",
                                         "RESTIC_PASSWORD_FILE",
                                         "RESTIC_PASSWORD_COMMAND",
                                         "RESTIC_REPOSITORY",
                                         "RESTIC_REPOSITORY_FILE",
                                         "RESTIC_HOST",
                                         "RESTIC_FROM_REPOSITORY",
                                         "RESTIC_FROM_REPOSITORY_FILE",
                                         "RESTIC_FROM_PASSWORD",
                                         "RESTIC_FROM_PASSWORD_FILE",
                                         "RESTIC_FROM_PASSWORD_COMMAND",
                                         NULL };

    return names;
}

void restic_repo_key(const struct repo_cfg *repo, char *out, size_t n)
{
    const char *url = repo->url ? repo->url : "";
    const char *scheme = strstr(url, "://");
    const char *at = NULL;
    uint64_t h = 1469598103934665603ull;

    /* skip "user:password@" after a scheme, up to the first '/' of the path */
    if (scheme) {
        const char *host = scheme + 3;
        const char *slash = strchr(host, '/');

        at = memchr(host, '@', slash ? (size_t)(slash - host) : strlen(host));
    }
    for (const char *p = url; *p; p++) {
        if (at && p == scheme + 3)
            p = at + 1;
        h ^= (unsigned char)*p;
        h *= 1099511628211ull;
    }
    snprintf(out, n, "%s@%016llx", repo->name, (unsigned long long)h);
}
