/*
 * lifeboat.conf: read, validate and resolve (DESIGN.md §3).
 *
 * The file is read whole (at most CONFIG_MAX_BYTES) and scanned line by line
 * first. The scan finds section headers, malformed lines and over-long lines,
 * so every problem gets its own file:line and every key is mapped to the exact
 * section instance it sits in (libinih reports only the first bad line and
 * says nothing about empty or repeated sections). libinih then parses the
 * `key = value` lines of a copy where every other line is blanked, so its line
 * numbers stay those of the file, and each pair goes through the key table of
 * its section. Cross-references (a job's repos, per-job healthchecks URLs...)
 * are checked once everything is read. Loading never stops at the first
 * problem: the user gets the whole list in one run.
 */
#include "backend/config.h"

#define INI_HANDLER_LINENO 1
#include <ini.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/base/buf.h"
#include "backend/base/path.h"
#include "backend/base/str.h"
#include "backend/base/xalloc.h"
#include "backend/calendar.h"

#define CONFIG_MAX_BYTES (1024 * 1024)
#define CONFIG_MAX_LINE  4096
#define NAME_MAX_LEN     64
#define MAX_SECTIONS     512 /* bounds the work on a wrong or hostile file */
#define MAX_KEYS         256 /* KEY = VALUE lines in one section */
#define MAX_SHOWN        100 /* problems handed back; the rest are counted */
#define VMID_MIN         100
#define VMID_MAX         999999999

struct loader;
struct sect;

enum key_type {
    KT_STR,      /* char *, as written */
    KT_PATH,     /* char *, relative paths resolved */
    KT_SECRET,   /* char *, resolved; the secret-file rule applies */
    KT_DURATION, /* int64_t seconds, > 0 */
    KT_PERCENT,  /* double in [0, 100] */
    KT_LIST,     /* struct vec of char *, space-separated */
    KT_FN,       /* parse() does everything */
};

enum {
    KF_REPEAT = 1, /* may appear several times in one section */
    KF_PREFIX = 2, /* name is a prefix: "healthchecks.url." + JOB */
};

struct key_spec {
    const char *name;
    enum key_type type;
    size_t off;         /* the field in the section object */
    const char *expect; /* what a good value looks like */
    void (*parse)(struct loader *ld, struct sect *s, const char *key, const char *val, int line);
    unsigned flags;
};

struct sect_spec {
    const char *kind;
    bool named;
    const struct key_spec *keys;
    size_t nkeys;
    void *(*create)(struct loader *ld, const char *name, int line);
    void (*finish)(struct loader *ld, struct sect *s);
};

struct seen_key {
    char *key;
    int line;
    bool bad; /* its value was rejected */
};

/* One [section] of the file. */
struct sect {
    const struct sect_spec *spec; /* NULL: a broken header */
    char *label;                  /* "[repo usb-ssd]" */
    int line;
    void *obj;       /* struct repo_cfg *, &cfg->console ... */
    bool skip;       /* broken, unknown or duplicate: its keys are ignored */
    struct vec seen; /* struct seen_key *, one per distinct key */
    int nkeys;       /* KEY = VALUE lines seen */
};

enum line_kind { LINE_BLANK, LINE_SECTION, LINE_KV, LINE_BAD };

struct loader {
    struct config *cfg;
    const char *file; /* as given, for messages */
    bool check_perms;
    struct vec *problems; /* the caller's */
    struct vec found;     /* struct config_problem *, until problems_flush() */
    size_t nproblems;
    struct lb_err *err;
    struct vec sects; /* struct sect * */
    int nlines;
    unsigned char *kinds; /* [1..nlines]: enum line_kind */
    int *line_sect;       /* [1..nlines]: index in sects, -1 before any header */
    int *kv_lines;        /* the KEY = VALUE lines in order */
    int nkv, next_kv;
};

/* ---- problems ---------------------------------------------------------- */

static void problem_at(struct loader *ld, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void problem_at(struct loader *ld, int line, const char *fmt, ...)
{
    struct config_problem *p = xcalloc(1, sizeof(*p));
    va_list ap;

    va_start(ap, fmt);
    p->msg = xvasprintf(fmt, ap);
    va_end(ap);
    str_sanitize(p->msg);
    p->file = xstrdup(ld->file);
    str_sanitize(p->file);
    p->line = line;
    ld->nproblems++;
    vec_push(&ld->found, p);
}

/*
 * Hand the problems over in line order (the file-level ones, line 0, first)
 * and put the first into err.
 */
struct ranked {
    struct config_problem *p;
    size_t seq; /* found order: ties on a line keep it */
};

static int ranked_cmp(const void *a, const void *b)
{
    const struct ranked *ra = a, *rb = b;

    if (ra->p->line != rb->p->line)
        return ra->p->line < rb->p->line ? -1 : 1;
    return ra->seq < rb->seq ? -1 : ra->seq > rb->seq;
}

static void problems_flush(struct loader *ld)
{
    struct vec *v = &ld->found;
    struct ranked *r = xcalloc(v->len ? v->len : 1, sizeof(*r));

    for (size_t i = 0; i < v->len; i++) {
        r[i].p = v->items[i];
        r[i].seq = i;
    }
    qsort(r, v->len, sizeof(*r), ranked_cmp);
    for (size_t i = 0; i < v->len; i++) {
        struct config_problem *p = r[i].p;

        if (!i && p->line)
            lb_err_set(ld->err, LB_ECONFIG, "%s:%d: %s", p->file, p->line, p->msg);
        else if (!i)
            lb_err_set(ld->err, LB_ECONFIG, "%s: %s", p->file, p->msg);
        if (ld->problems && i < MAX_SHOWN)
            vec_push(ld->problems, p);
        else
            config_problem_free(p);
    }
    free(r);
    if (ld->problems && v->len > MAX_SHOWN) {
        struct config_problem *p = xcalloc(1, sizeof(*p));

        p->file = xstrdup(ld->file);
        str_sanitize(p->file);
        p->msg =
            xasprintf("%zu more problems not shown: fix the ones above first", v->len - MAX_SHOWN);
        vec_push(ld->problems, p);
    }
    v->len = 0;
    vec_release(v);
}

/* "[repo x] key: message" */
static void problem_key(struct loader *ld, const struct sect *s, const char *key, int line,
                        const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void problem_key(struct loader *ld, const struct sect *s, const char *key, int line,
                        const char *fmt, ...)
{
    va_list ap;
    char *msg;

    va_start(ap, fmt);
    msg = xvasprintf(fmt, ap);
    va_end(ap);
    problem_at(ld, line, "%s %s: %s", s->label, key, msg);
    free(msg);
}

void config_problem_free(void *p)
{
    struct config_problem *cp = p;

    if (!cp)
        return;
    free(cp->file);
    free(cp->msg);
    free(cp);
}

/* ---- small helpers ----------------------------------------------------- */

static int edit_distance(const char *a, const char *b)
{
    int prev[NAME_MAX_LEN + 1], cur[NAME_MAX_LEN + 1];
    size_t la = strlen(a), lb = strlen(b);

    if (la > NAME_MAX_LEN || lb > NAME_MAX_LEN)
        return 99;
    for (size_t j = 0; j <= lb; j++)
        prev[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            int del = prev[j] + 1, ins = cur[j - 1] + 1;

            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, sizeof(int) * (lb + 1));
    }
    return prev[lb];
}

static bool name_ok(const char *s)
{
    size_t n = strlen(s);

    if (!n || n > NAME_MAX_LEN || !isalnum((unsigned char)s[0]))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && !strchr("._-", s[i]))
            return false;
    return true;
}

static const char name_rule[] =
    "use letters, digits, '.', '_' and '-', starting with a letter or digit";

/* Split on spaces and tabs into a vec of new strings. */
static void split_words(const char *val, struct vec *out)
{
    const char *p = val;

    while (*p) {
        size_t n;

        while (*p == ' ' || *p == '\t')
            p++;
        n = strcspn(p, " \t");
        if (n)
            vec_push(out, xstrndup(p, n));
        p += n;
    }
}

/* A path as written, made absolute: ~/ is $HOME, relative is against cfg->dir. New. */
static char *resolve_path(const struct config *cfg, const char *val)
{
    const char *home = getenv("HOME");

    if (val[0] == '/')
        return xstrdup(val);
    if (val[0] == '~' && val[1] == '/' && home && *home)
        return xasprintf("%s/%s", home, val + 2);
    while (val[0] == '.' && val[1] == '/')
        val += 2;
    if (!*val || !strcmp(val, "."))
        return xstrdup(cfg->dir);
    return xasprintf("%s/%s", cfg->dir, val);
}

/* A trimmed copy of the first n bytes of s. New. */
static char *dup_trim(const char *s, size_t n)
{
    while (n && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    return xstrndup(s, n);
}

static bool is_shell_safe(const char *s)
{
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr("/._-+:,@%=", *s))
            return false;
    return true;
}

/* ---- the secret-file rule --------------------------------------------- */

static char *user_name(uid_t uid)
{
    struct passwd *pw = getpwuid(uid);

    if (pw && pw->pw_name)
        return xstrdup(pw->pw_name);
    return xasprintf("%u", (unsigned)uid);
}

/*
 * The ownership/mode rule on a stat result: NULL when fine, else the tail of
 * a message ("is readable by others (mode 0644): run chmod 600 PATH"), new.
 */
static char *perm_problem(const char *path, const struct stat *st)
{
    uid_t me = geteuid();
    unsigned mode = (unsigned)(st->st_mode & 07777);
    char *q = is_shell_safe(path) ? xstrdup(path) : xasprintf("'%s'", path);
    char *msg = NULL;

    if (st->st_uid != me) {
        char *owner = user_name(st->st_uid), *you = user_name(me);

        msg = xasprintf("is owned by %s, not by you (%s): run chown %s %s%s", owner, you, you, q,
                        (mode & 077) ? " and chmod 600 on it" : "");
        free(owner);
        free(you);
    } else if (mode & 077) {
        const char *what = (mode & 044) ? "readable" : (mode & 022) ? "writable" : "accessible";
        const char *who = (mode & 007) ? "others" : "its group";

        msg = xasprintf("is %s by %s (mode %04o): run chmod 600 %s", what, who, mode, q);
    }
    free(q);
    return msg;
}

int config_check_secret_file(const char *path, const char *what, struct lb_err *err)
{
    struct stat st;
    const char *sp = what ? " " : "";
    char *msg;
    int rc;

    if (!what)
        what = "";
    if (stat(path, &st)) {
        if (errno == ENOENT || errno == ENOTDIR)
            return lb_err_set(err, LB_ENOTFOUND, "%s%s%s does not exist", what, sp, path);
        return lb_err_set(err, LB_EPERM, "cannot check %s%s%s: %s", what, sp, path,
                          strerror(errno));
    }
    if (!S_ISREG(st.st_mode))
        return lb_err_set(err, LB_EPERM, "%s%s%s is not a regular file", what, sp, path);
    msg = perm_problem(path, &st);
    if (!msg)
        return 0;
    rc = lb_err_set(err, LB_EPERM, "%s%s%s %s", what, sp, path, msg);
    free(msg);
    return rc;
}

/* ---- defaults, allocation, free --------------------------------------- */

static void pve_free(void *p)
{
    struct pve_cfg *c = p;

    free(c->name);
    free(c->url);
    free(c->token_file);
    free(c->fingerprint);
    free(c);
}

static void pbs_free(void *p)
{
    struct pbs_cfg *c = p;

    free(c->name);
    free(c->url);
    free(c->token_file);
    free(c->fingerprint);
    free(c->datastore);
    free(c);
}

static void repo_free(void *p)
{
    struct repo_cfg *c = p;

    free(c->name);
    free(c->url);
    free(c->password_file);
    free(c->password_command);
    free(c->env_file);
    free(c);
}

static void copy_free(void *p)
{
    struct job_copy *c = p;

    free(c->src);
    free(c->dst);
    free(c);
}

static void check_free(void *p)
{
    struct job_check *c = p;

    free(c->repo);
    free(c->subset);
    free(c);
}

static void job_free(void *p)
{
    struct job_cfg *c = p;

    free(c->name);
    free(c->schedule);
    vec_release(&c->repos);
    vec_release(&c->paths);
    vec_release(&c->exclude);
    vec_release(&c->copies);
    vec_release(&c->checks);
    free(c);
}

static void disk_free(void *p)
{
    struct disk_cfg *c = p;

    free(c->name);
    free(c->device);
    free(c->type);
    free(c->mount);
    free(c->source);
    free(c);
}

static void kv_free(void *p)
{
    struct cfg_kv *kv = p;

    free(kv->key);
    free(kv->value);
    free(kv);
}

static struct config *config_new(void)
{
    struct config *cfg = xcalloc(1, sizeof(*cfg));

    cfg->console.refresh = 60;
    cfg->console.quiet_from = 60;
    cfg->console.quiet_to = 360;
    cfg->targets.rpo_local = 26 * 3600;
    cfg->targets.rpo_cloud = 8 * 86400;
    cfg->targets.rto_rollback = 15 * 60;
    cfg->targets.rto_pbs = 4 * 3600;
    cfg->targets.rto_cloud = 24 * 3600;
    vec_init(&cfg->pves, pve_free);
    vec_init(&cfg->pbss, pbs_free);
    vec_init(&cfg->repos, repo_free);
    vec_init(&cfg->jobs, job_free);
    vec_init(&cfg->disks, disk_free);
    vec_init(&cfg->alerts.channels, free);
    vec_init(&cfg->alerts.healthchecks_job_urls, kv_free);
    cfg->alerts.renotify = 24 * 3600;
    cfg->drill.scratch = xstrdup("/var/tmp/lifeboat-drills");
    return cfg;
}

void config_free(struct config *cfg)
{
    struct alerts_cfg *a;

    if (!cfg)
        return;
    a = &cfg->alerts;
    free(cfg->path);
    free(cfg->dir);
    free(cfg->console.theme);
    vec_release(&cfg->pves);
    vec_release(&cfg->pbss);
    vec_release(&cfg->repos);
    vec_release(&cfg->jobs);
    vec_release(&cfg->disks);
    vec_release(&a->channels);
    free(a->ntfy_url);
    free(a->gotify_url);
    free(a->gotify_token_file);
    free(a->webhook_url);
    free(a->healthchecks_url);
    vec_release(&a->healthchecks_job_urls);
    free(a->smtp_url);
    free(a->smtp_from);
    free(a->smtp_to);
    free(a->smtp_auth_file);
    free(a->metrics_file);
    free(cfg->drill.scratch);
    free(cfg);
}

static void *pve_create(struct loader *ld, const char *name, int line)
{
    struct pve_cfg *c = xcalloc(1, sizeof(*c));

    c->name = xstrdup(name);
    c->line = line;
    c->snapshot_max_age = 7 * 86400;
    vec_push(&ld->cfg->pves, c);
    return c;
}

static void *pbs_create(struct loader *ld, const char *name, int line)
{
    struct pbs_cfg *c = xcalloc(1, sizeof(*c));

    c->name = xstrdup(name);
    c->line = line;
    vec_push(&ld->cfg->pbss, c);
    return c;
}

static void *repo_create(struct loader *ld, const char *name, int line)
{
    struct repo_cfg *c = xcalloc(1, sizeof(*c));

    c->name = xstrdup(name);
    c->line = line;
    c->tier = TIER_LOCAL;
    vec_push(&ld->cfg->repos, c);
    return c;
}

static void *job_create(struct loader *ld, const char *name, int line)
{
    struct job_cfg *c = xcalloc(1, sizeof(*c));

    c->name = xstrdup(name);
    c->line = line;
    vec_init(&c->repos, free);
    vec_init(&c->paths, free);
    vec_init(&c->exclude, free);
    vec_init(&c->copies, copy_free);
    vec_init(&c->checks, check_free);
    c->timeout = 12 * 3600;
    c->unlock_after = 30 * 60;
    vec_push(&ld->cfg->jobs, c);
    return c;
}

static void *disk_create(struct loader *ld, const char *name, int line)
{
    struct disk_cfg *c = xcalloc(1, sizeof(*c));

    c->name = xstrdup(name);
    c->line = line;
    c->type = xstrdup("auto");
    c->fill_warn = 80;
    c->fill_crit = 90;
    vec_push(&ld->cfg->disks, c);
    return c;
}

static void *console_create(struct loader *ld, const char *name, int line)
{
    (void)name;
    (void)line;
    return &ld->cfg->console;
}

static void *targets_create(struct loader *ld, const char *name, int line)
{
    (void)name;
    (void)line;
    return &ld->cfg->targets;
}

static void *alerts_create(struct loader *ld, const char *name, int line)
{
    (void)name;
    (void)line;
    return &ld->cfg->alerts;
}

static void *drill_create(struct loader *ld, const char *name, int line)
{
    (void)name;
    (void)line;
    return &ld->cfg->drill;
}

/* ---- value parsers ----------------------------------------------------- */

static struct seen_key *sect_seen(const struct sect *s, const char *key)
{
    size_t i;
    struct seen_key *k;

    vec_foreach(&s->seen, i, k) {
        if (!strcmp(k->key, key))
            return k;
    }
    return NULL;
}

/* The line a key was first set on, 0 when not set. */
static int sect_key_line(const struct sect *s, const char *key)
{
    const struct seen_key *k = sect_seen(s, key);

    return k ? k->line : 0;
}

/* Was the key given but (one of) its value(s) rejected? */
static bool sect_key_bad(const struct sect *s, const char *key)
{
    const struct seen_key *k = sect_seen(s, key);

    return k && k->bad;
}

static bool url_has_host(const char *rest)
{
    return *rest && *rest != '/' && *rest != ':' && !strpbrk(rest, " \t");
}

/* pve/pbs url: https://HOST[:PORT] */
static void parse_api_url(struct loader *ld, struct sect *s, const char *key, const char *val,
                          int line)
{
    if (str_starts_with(val, "http://")) {
        problem_key(ld, s, key, line,
                    "'%s' is plain http: Proxmox serves its API over TLS, use https://%s", val,
                    val + 7);
        return;
    }
    if (!str_starts_with(val, "https://") || !url_has_host(val + 8)) {
        problem_key(ld, s, key, line, "'%s' is not an https URL (use e.g. https://HOST:%s)", val,
                    strcmp(s->spec->kind, "pbs") ? "8006" : "8007");
        return;
    }
    if (!strcmp(s->spec->kind, "pve"))
        ((struct pve_cfg *)s->obj)->url = xstrdup(val);
    else
        ((struct pbs_cfg *)s->obj)->url = xstrdup(val);
}

/* SHA-256 of a certificate: 32 hex bytes, colons optional; kept as AA:BB:... */
static void parse_fingerprint(struct loader *ld, struct sect *s, const char *key, const char *val,
                              int line)
{
    char out[32 * 3];
    size_t n = 0;
    char **dst;

    for (const char *p = val; *p; p++) {
        if (*p == ':')
            continue;
        if (!isxdigit((unsigned char)*p) || n >= 64) {
            n = 0;
            break;
        }
        if (n && !(n % 2))
            out[n / 2 * 3 - 1] = ':';
        out[n / 2 * 3 + n % 2] = (char)toupper((unsigned char)*p);
        n++;
    }
    if (n != 64) {
        problem_key(ld, s, key, line,
                    "'%s' is not a SHA-256 fingerprint (64 hex digits, e.g. 3A:7F:...; "
                    "see the server's certificate page or `openssl x509 -fingerprint -sha256`)",
                    val);
        return;
    }
    out[sizeof(out) - 1] = '\0';
    dst = !strcmp(s->spec->kind, "pve") ? &((struct pve_cfg *)s->obj)->fingerprint
                                        : &((struct pbs_cfg *)s->obj)->fingerprint;
    *dst = xstrdup(out);
}

static const char *const remote_prefixes[] = { "s3:", "b2:",    "sftp:",  "rest:",
                                               "gs:", "azure:", "swift:", "rclone:" };

const char *config_repo_local_path(const struct repo_cfg *repo)
{
    if (!repo || !repo->url)
        return NULL;
    for (size_t i = 0; i < sizeof(remote_prefixes) / sizeof(remote_prefixes[0]); i++)
        if (str_starts_with(repo->url, remote_prefixes[i]))
            return NULL;
    return repo->url;
}

static void parse_repo_url(struct loader *ld, struct sect *s, const char *key, const char *val,
                           int line)
{
    struct repo_cfg *r = s->obj;
    const char *colon = strchr(val, ':');
    const char *slash = strchr(val, '/');

    for (size_t i = 0; i < sizeof(remote_prefixes) / sizeof(remote_prefixes[0]); i++) {
        if (str_starts_with(val, remote_prefixes[i])) {
            if (!val[strlen(remote_prefixes[i])]) {
                problem_key(ld, s, key, line, "'%s' names a backend but no location", val);
                return;
            }
            r->url = xstrdup(val);
            return;
        }
    }
    if (str_starts_with(val, "local:"))
        val += 6;
    else if (colon && (!slash || colon < slash)) {
        problem_key(ld, s, key, line,
                    "'%s' is not a restic repository (use a path, or s3:, b2:, sftp:, rest:, "
                    "gs:, azure:, swift:, rclone:)",
                    val);
        return;
    }
    if (!*val) {
        problem_key(ld, s, key, line, "needs a path after local:");
        return;
    }
    r->url = resolve_path(ld->cfg, val);
}

static void parse_tier(struct loader *ld, struct sect *s, const char *key, const char *val,
                       int line)
{
    struct repo_cfg *r = s->obj;

    if (!strcmp(val, "local"))
        r->tier = TIER_LOCAL;
    else if (!strcmp(val, "offsite"))
        r->tier = TIER_OFFSITE;
    else
        problem_key(ld, s, key, line, "'%s' is not a tier (use local or offsite)", val);
}

static const char keep_rules[] = "use last, hourly, daily, weekly, monthly, yearly, within";

static void parse_keep(struct loader *ld, struct sect *s, const char *key, const char *val,
                       int line)
{
    struct repo_cfg *r = s->obj;
    struct keep_policy k = { 0 };
    struct vec words = VEC_INIT(free);
    bool ok = true;
    size_t i;
    char *w;

    split_words(val, &words);
    vec_foreach(&words, i, w) {
        char *eq = strchr(w, '=');
        int *slot = NULL;
        const char *v;
        int64_t n;

        if (eq)
            *eq = '\0';
        if (!strcmp(w, "last"))
            slot = &k.last;
        else if (!strcmp(w, "hourly"))
            slot = &k.hourly;
        else if (!strcmp(w, "daily"))
            slot = &k.daily;
        else if (!strcmp(w, "weekly"))
            slot = &k.weekly;
        else if (!strcmp(w, "monthly"))
            slot = &k.monthly;
        else if (!strcmp(w, "yearly"))
            slot = &k.yearly;
        else if (strcmp(w, "within")) {
            if (eq)
                *eq = '=';
            problem_key(ld, s, key, line, "'%s' is not a rule (%s)", w, keep_rules);
            ok = false;
            continue;
        }
        if (!eq || !eq[1]) {
            problem_key(ld, s, key, line, "'%s' needs a value (e.g. %s=5)", w, w);
            ok = false;
            continue;
        }
        v = eq + 1;
        if (!slot) { /* within */
            if (k.within) {
                problem_key(ld, s, key, line, "'within' is given twice");
                ok = false;
            } else if (str_to_duration(v, &k.within) || k.within <= 0) {
                problem_key(ld, s, key, line, "within=%s is not a duration (use e.g. within=30d)",
                            v);
                ok = false;
            }
            continue;
        }
        if (*slot) {
            problem_key(ld, s, key, line, "'%s' is given twice", w);
            ok = false;
            continue;
        }
        if (!strcmp(v, "unlimited"))
            n = -1;
        else if (str_to_i64(v, -1, 1000000, &n) || n == 0)
            n = 0;
        if (!n) {
            problem_key(ld, s, key, line,
                        "%s=%s is not a count (use a number from 1, or -1 / unlimited)", w, v);
            ok = false;
            continue;
        }
        *slot = (int)n;
    }
    if (!words.len) {
        problem_key(ld, s, key, line, "needs at least one rule (e.g. daily=7 weekly=4)");
        ok = false;
    }
    vec_release(&words);
    if (ok)
        r->keep = k;
}

static void parse_price(struct loader *ld, struct sect *s, const char *key, const char *val,
                        int line)
{
    struct repo_cfg *r = s->obj;
    double d;

    if (str_to_double(val, &d) || d < 0 || d > 1e6)
        problem_key(ld, s, key, line,
                    "'%s' is not a price (a number per GiB and month, e.g. 0.006)", val);
    else
        r->price_per_gib_month = d;
}

/* budget_per_month: the most the repo may cost a month (price_per_gib_month x size) */
static void parse_budget(struct loader *ld, struct sect *s, const char *key, const char *val,
                         int line)
{
    struct repo_cfg *r = s->obj;
    double d;

    if (str_to_double(val, &d) || d <= 0 || d > 1e9)
        problem_key(ld, s, key, line,
                    "'%s' is not a budget (a positive amount per month, e.g. 5.00)", val);
    else
        r->budget_per_month = d;
}

static void parse_repo_names(struct loader *ld, struct sect *s, const char *key, const char *val,
                             int line)
{
    struct job_cfg *j = s->obj;

    split_words(val, &j->repos);
    for (size_t i = 0; i < j->repos.len; i++) {
        const char *n = j->repos.items[i];

        if (!name_ok(n))
            problem_key(ld, s, key, line, "'%s' is not a repo name (%s)", n, name_rule);
        for (size_t k = 0; k < i; k++)
            if (!strcmp(j->repos.items[k], n))
                problem_key(ld, s, key, line, "'%s' is listed twice", n);
    }
}

static void parse_paths(struct loader *ld, struct sect *s, const char *key, const char *val,
                        int line)
{
    struct job_cfg *j = s->obj;
    struct vec words = VEC_INIT(free);
    size_t i;
    char *w;

    (void)key;
    (void)line;
    split_words(val, &words);
    vec_foreach(&words, i, w) {
        vec_push(&j->paths, resolve_path(ld->cfg, w));
    }
    vec_release(&words);
}

static void parse_copy(struct loader *ld, struct sect *s, const char *key, const char *val,
                       int line)
{
    struct job_cfg *j = s->obj;
    const char *arrow = strstr(val, "->");
    struct job_copy *c;
    char *src, *dst;

    if (!arrow) {
        problem_key(ld, s, key, line, "'%s' is not SRC -> DST (two repo names)", val);
        return;
    }
    src = dup_trim(val, (size_t)(arrow - val));
    dst = dup_trim(arrow + 2, strlen(arrow + 2));
    if (!name_ok(src) || !name_ok(dst)) {
        problem_key(ld, s, key, line, "'%s' is not SRC -> DST (two repo names; %s)", val,
                    name_rule);
    } else if (!strcmp(src, dst)) {
        problem_key(ld, s, key, line, "'%s' copies a repo onto itself", val);
    } else {
        c = xcalloc(1, sizeof(*c));
        c->src = src;
        c->dst = dst;
        c->line = line;
        vec_push(&j->copies, c);
        return;
    }
    free(src);
    free(dst);
}

/* schedule = a systemd calendar event, checked with the engine the runner uses */
static void parse_schedule(struct loader *ld, struct sect *s, const char *key, const char *val,
                           int line)
{
    struct job_cfg *j = s->obj;
    struct lb_err e = { 0 };
    struct cal_event *ev = cal_parse(val, CAL_SYSTEMD, &e);

    if (!ev) {
        problem_key(ld, s, key, line,
                    "'%s' is not a calendar event: %s (see systemd.time(7); try lifeboat "
                    "calendar '%s')",
                    val, e.msg, val);
        return;
    }
    cal_free(ev);
    j->schedule = xstrdup(val);
}

static const char subset_rule[] = "use read-data-subset=N% such as 2%, or n/t such as 1/52";

static bool subset_ok(const char *v)
{
    const char *slash = strchr(v, '/');
    double pct;

    if (str_ends_with(v, "%"))
        return !str_to_percent(v, &pct) && pct > 0;
    if (slash) {
        char *n = xstrndup(v, (size_t)(slash - v));
        int64_t a, b;
        bool ok =
            !str_to_i64(n, 1, 1000000, &a) && !str_to_i64(slash + 1, 1, 1000000, &b) && a <= b;

        free(n);
        return ok;
    }
    return false;
}

/* check = [REPO] [read-data-subset=N%|n/t] */
static void parse_check(struct loader *ld, struct sect *s, const char *key, const char *val,
                        int line)
{
    struct job_cfg *j = s->obj;
    struct job_check *c = xcalloc(1, sizeof(*c));
    struct vec words = VEC_INIT(free);
    bool ok = true;
    size_t i;
    char *w;

    split_words(val, &words);
    vec_foreach(&words, i, w) {
        if (str_starts_with(w, "read-data-subset=")) {
            const char *v = w + strlen("read-data-subset=");

            if (c->subset) {
                problem_key(ld, s, key, line, "read-data-subset is given twice");
                ok = false;
            } else if (!subset_ok(v)) {
                problem_key(ld, s, key, line, "'%s' is not a subset (%s)", v, subset_rule);
                ok = false;
            } else {
                c->subset = xstrdup(v);
            }
        } else if (strchr(w, '=') || w[0] == '-') {
            problem_key(ld, s, key, line, "'%s' is not a check option (%s)", w, subset_rule);
            ok = false;
        } else if (c->repo) {
            problem_key(ld, s, key, line,
                        "'%s' is a second repo name (one check line checks one repo, or every "
                        "repo of the job when none is named)",
                        w);
            ok = false;
        } else if (!name_ok(w)) {
            problem_key(ld, s, key, line, "'%s' is not a repo name (%s)", w, name_rule);
            ok = false;
        } else {
            c->repo = xstrdup(w);
        }
    }
    vec_release(&words);
    if (ok) {
        c->line = line;
        vec_push(&j->checks, c);
    } else {
        check_free(c);
    }
}

/* "HH:MM" -> minutes after midnight, or -1 */
static int parse_hhmm(const char *s, size_t n)
{
    int h, m;

    if (n != 5 || !isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) || s[2] != ':' ||
        !isdigit((unsigned char)s[3]) || !isdigit((unsigned char)s[4]))
        return -1;
    h = (s[0] - '0') * 10 + (s[1] - '0');
    m = (s[3] - '0') * 10 + (s[4] - '0');
    if (h > 23 || m > 59)
        return -1;
    return h * 60 + m;
}

static void parse_quiet_window(struct loader *ld, struct sect *s, const char *key, const char *val,
                               int line)
{
    struct console_cfg *c = s->obj;
    const char *dash = strchr(val, '-');
    int from, to;

    if (!strcmp(val, "off") || !strcmp(val, "none")) {
        c->quiet_from = c->quiet_to = -1;
        return;
    }
    from = dash ? parse_hhmm(val, (size_t)(dash - val)) : -1;
    to = dash ? parse_hhmm(dash + 1, strlen(dash + 1)) : -1;
    if (from < 0 || to < 0) {
        problem_key(ld, s, key, line, "'%s' is not a window (use HH:MM-HH:MM, e.g. 01:00-06:00)",
                    val);
        return;
    }
    if (from == to) {
        problem_key(ld, s, key, line, "'%s' is empty (start and end are equal)", val);
        return;
    }
    c->quiet_from = from;
    c->quiet_to = to;
}

static void parse_theme(struct loader *ld, struct sect *s, const char *key, const char *val,
                        int line)
{
    struct console_cfg *c = s->obj;

    (void)key;
    (void)line;
    /* a bare name is looked up among the themes; anything with a slash is a file */
    c->theme = strchr(val, '/') ? resolve_path(ld->cfg, val) : xstrdup(val);
}

static void parse_vmid(struct loader *ld, struct sect *s, const char *key, const char *val,
                       int line)
{
    struct drill_cfg *d = s->obj;
    int64_t n;

    if (str_to_i64(val, VMID_MIN, VMID_MAX, &n))
        problem_key(ld, s, key, line, "'%s' is not a guest id (a number from %d to %d)", val,
                    VMID_MIN, VMID_MAX);
    else
        d->rollback_vmid = (int)n;
}

static void parse_vmid_range(struct loader *ld, struct sect *s, const char *key, const char *val,
                             int line)
{
    struct drill_cfg *d = s->obj;
    const char *dash = strchr(val, '-');
    int64_t a = 0, b = 0;
    char *first = dash ? xstrndup(val, (size_t)(dash - val)) : NULL;
    bool ok = first && !str_to_i64(first, VMID_MIN, VMID_MAX, &a) &&
              !str_to_i64(dash + 1, VMID_MIN, VMID_MAX, &b);

    free(first);
    if (!ok)
        problem_key(ld, s, key, line,
                    "'%s' is not a range of guest ids (use FIRST-LAST, e.g. 9100-9199)", val);
    else if (a > b)
        problem_key(ld, s, key, line, "'%s' ends before it starts", val);
    else {
        d->vmid_from = (int)a;
        d->vmid_to = (int)b;
    }
}

static const char *const smart_types[] = {
    "auto",       "ata",        "scsi",        "nvme",       "sat",
    "usbcypress", "usbjmicron", "usbprolific", "usbsunplus", "sntasmedia",
    "sntjmicron", "sntrealtek", "marvell",     "megaraid",   "areca",
    "3ware",      "cciss",      "hpt",         "aacraid",
};

static void parse_disk_type(struct loader *ld, struct sect *s, const char *key, const char *val,
                            int line)
{
    struct disk_cfg *d = s->obj;
    size_t base = strcspn(val, ",+");
    bool known = false;

    for (size_t i = 0; i < sizeof(smart_types) / sizeof(smart_types[0]); i++)
        if (strlen(smart_types[i]) == base && !strncmp(val, smart_types[i], base))
            known = true;
    for (const char *p = val; known && *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr(",+", *p))
            known = false;
    if (!known) {
        problem_key(ld, s, key, line,
                    "'%s' is not a smartctl device type (use auto, sat, sat,12, sntjmicron, "
                    "sntasmedia, sntrealtek, nvme, usbjmicron, scsi, ata ...; see smartctl -d)",
                    val);
        return;
    }
    free(d->type);
    d->type = xstrdup(val);
}

static const char *const channel_names[] = { "console", "desktop",      "ntfy", "gotify",
                                             "webhook", "healthchecks", "email" };

static void parse_channels(struct loader *ld, struct sect *s, const char *key, const char *val,
                           int line)
{
    struct alerts_cfg *a = s->obj;
    struct vec words = VEC_INIT(free);
    size_t i;
    char *w;

    split_words(val, &words);
    vec_foreach(&words, i, w) {
        const char *name = !strcmp(w, "smtp") ? "email" : w;
        bool known = false, dup = false;

        for (size_t k = 0; k < sizeof(channel_names) / sizeof(channel_names[0]); k++)
            known |= !strcmp(name, channel_names[k]);
        for (size_t k = 0; k < a->channels.len; k++)
            dup |= !strcmp(name, a->channels.items[k]);
        if (!known)
            problem_key(ld, s, key, line,
                        "'%s' is not a channel (use console, desktop, ntfy, gotify, webhook, "
                        "healthchecks, email)",
                        w);
        else if (dup)
            problem_key(ld, s, key, line, "'%s' is listed twice", w);
        else
            vec_push(&a->channels, xstrdup(name));
    }
    vec_release(&words);
}

static bool web_url_ok(const char *v)
{
    if (str_starts_with(v, "https://"))
        return url_has_host(v + 8);
    if (str_starts_with(v, "http://"))
        return url_has_host(v + 7);
    return false;
}

/* ntfy.url, gotify.url, webhook.url, healthchecks.url */
static void parse_web_url(struct loader *ld, struct sect *s, const char *key, const char *val,
                          int line)
{
    struct alerts_cfg *a = s->obj;
    char **dst = NULL;

    if (!web_url_ok(val)) {
        problem_key(ld, s, key, line, "'%s' is not an http(s) URL (use https://HOST/...)", val);
        return;
    }
    if (!strcmp(key, "ntfy.url"))
        dst = &a->ntfy_url;
    else if (!strcmp(key, "gotify.url"))
        dst = &a->gotify_url;
    else if (!strcmp(key, "webhook.url"))
        dst = &a->webhook_url;
    else if (!strcmp(key, "healthchecks.url"))
        dst = &a->healthchecks_url;
    if (dst)
        *dst = xstrdup(val);
}

/* healthchecks.url.JOB */
static void parse_hc_job_url(struct loader *ld, struct sect *s, const char *key, const char *val,
                             int line)
{
    struct alerts_cfg *a = s->obj;
    const char *job = key + strlen("healthchecks.url.");
    struct cfg_kv *kv;

    if (!name_ok(job)) {
        problem_key(ld, s, key, line, "'%s' is not a job name (%s)", job, name_rule);
        return;
    }
    if (!web_url_ok(val)) {
        problem_key(ld, s, key, line, "'%s' is not an http(s) URL (use https://HOST/ping/UUID)",
                    val);
        return;
    }
    kv = xcalloc(1, sizeof(*kv));
    kv->key = xstrdup(job);
    kv->value = xstrdup(val);
    kv->line = line;
    vec_push(&a->healthchecks_job_urls, kv);
}

static void parse_smtp_url(struct loader *ld, struct sect *s, const char *key, const char *val,
                           int line)
{
    struct alerts_cfg *a = s->obj;

    if ((str_starts_with(val, "smtps://") && url_has_host(val + 8)) ||
        (str_starts_with(val, "smtp://") && url_has_host(val + 7)))
        a->smtp_url = xstrdup(val);
    else
        problem_key(ld, s, key, line,
                    "'%s' is not a mail server URL (use smtps://HOST or smtp://HOST:587)", val);
}

static void parse_address(struct loader *ld, struct sect *s, const char *key, const char *val,
                          int line)
{
    struct alerts_cfg *a = s->obj;
    const char *at = strchr(val, '@');

    if (!at || at == val || !at[1] || strpbrk(val, " \t<>")) {
        problem_key(ld, s, key, line, "'%s' is not a mail address (use NAME@DOMAIN)", val);
        return;
    }
    if (!strcmp(key, "smtp.from"))
        a->smtp_from = xstrdup(val);
    else
        a->smtp_to = xstrdup(val);
}

/* ---- the schema -------------------------------------------------------- */

#define KEY(n, t, st, f, ex)                      \
    {                                             \
        n, t, offsetof(struct st, f), ex, NULL, 0 \
    }
#define KEYFN(n, fn, flags)          \
    {                                \
        n, KT_FN, 0, NULL, fn, flags \
    }
#define DUR_EX       "a duration such as 90s, 15m, 26h or 8d"
#define PCT_EX       "a percentage such as 80%"
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const struct key_spec console_keys[] = {
    KEYFN("theme", parse_theme, 0),
    KEY("refresh", KT_DURATION, console_cfg, refresh, DUR_EX),
    KEYFN("quiet_window", parse_quiet_window, 0),
};

static const struct key_spec targets_keys[] = {
    KEY("rpo.local", KT_DURATION, targets_cfg, rpo_local, DUR_EX),
    KEY("rpo.cloud", KT_DURATION, targets_cfg, rpo_cloud, DUR_EX),
    KEY("rto.rollback", KT_DURATION, targets_cfg, rto_rollback, DUR_EX),
    KEY("rto.pbs", KT_DURATION, targets_cfg, rto_pbs, DUR_EX),
    KEY("rto.cloud", KT_DURATION, targets_cfg, rto_cloud, DUR_EX),
};

static const struct key_spec pve_keys[] = {
    KEYFN("url", parse_api_url, 0),
    KEY("token_file", KT_SECRET, pve_cfg, token_file, "a file path"),
    KEYFN("fingerprint", parse_fingerprint, 0),
    KEY("snapshot_max_age", KT_DURATION, pve_cfg, snapshot_max_age, DUR_EX),
};

static const struct key_spec pbs_keys[] = {
    KEYFN("url", parse_api_url, 0),
    KEY("token_file", KT_SECRET, pbs_cfg, token_file, "a file path"),
    KEYFN("fingerprint", parse_fingerprint, 0),
    KEY("datastore", KT_STR, pbs_cfg, datastore, "the datastore name"),
};

static const struct key_spec repo_keys[] = {
    KEYFN("url", parse_repo_url, 0),
    KEY("password_file", KT_SECRET, repo_cfg, password_file, "a file path"),
    KEY("password_command", KT_STR, repo_cfg, password_command, "a command printing the password"),
    KEY("env_file", KT_SECRET, repo_cfg, env_file, "a file path"),
    KEYFN("tier", parse_tier, 0),
    KEYFN("keep", parse_keep, 0),
    KEYFN("price_per_gib_month", parse_price, 0),
    KEYFN("budget_per_month", parse_budget, 0),
};

static const struct key_spec job_keys[] = {
    KEYFN("schedule", parse_schedule, 0),
    KEYFN("repos", parse_repo_names, 0),
    KEYFN("paths", parse_paths, 0),
    KEY("exclude", KT_LIST, job_cfg, exclude, "restic exclude patterns"),
    KEYFN("copy", parse_copy, KF_REPEAT),
    KEYFN("check", parse_check, KF_REPEAT),
    KEY("timeout", KT_DURATION, job_cfg, timeout, DUR_EX),
    KEY("unlock_after", KT_DURATION, job_cfg, unlock_after, DUR_EX),
};

static const struct key_spec disk_keys[] = {
    KEY("device", KT_STR, disk_cfg, device, "a device such as /dev/disk/by-id/..."),
    KEYFN("type", parse_disk_type, 0),
    KEY("mount", KT_PATH, disk_cfg, mount, "the mount point"),
    KEY("fill_warn", KT_PERCENT, disk_cfg, fill_warn, PCT_EX),
    KEY("fill_crit", KT_PERCENT, disk_cfg, fill_crit, PCT_EX),
    KEY("source", KT_PATH, disk_cfg, source, "a saved smartctl --json file"),
};

static const struct key_spec alerts_keys[] = {
    KEYFN("channels", parse_channels, 0),
    KEY("renotify", KT_DURATION, alerts_cfg, renotify, DUR_EX),
    KEYFN("ntfy.url", parse_web_url, 0),
    KEYFN("gotify.url", parse_web_url, 0),
    KEY("gotify.token_file", KT_SECRET, alerts_cfg, gotify_token_file, "a file path"),
    KEYFN("webhook.url", parse_web_url, 0),
    KEYFN("healthchecks.url", parse_web_url, 0),
    KEYFN("healthchecks.url.", parse_hc_job_url, KF_PREFIX),
    KEYFN("smtp.url", parse_smtp_url, 0),
    KEYFN("smtp.from", parse_address, 0),
    KEYFN("smtp.to", parse_address, 0),
    KEY("smtp.auth_file", KT_SECRET, alerts_cfg, smtp_auth_file, "a file path"),
    KEY("metrics_file", KT_PATH, alerts_cfg, metrics_file, "a file path"),
};

static const struct key_spec drill_keys[] = {
    KEYFN("rollback_vmid", parse_vmid, 0),
    KEYFN("restore_vmid_range", parse_vmid_range, 0),
    KEY("scratch", KT_PATH, drill_cfg, scratch, "a directory"),
};

static void pve_finish(struct loader *ld, struct sect *s);
static void pbs_finish(struct loader *ld, struct sect *s);
static void repo_finish(struct loader *ld, struct sect *s);
static void job_finish(struct loader *ld, struct sect *s);
static void disk_finish(struct loader *ld, struct sect *s);
static void drill_finish(struct loader *ld, struct sect *s);
static void alerts_finish(struct loader *ld, struct sect *s);

#define SECT(kind, named, keys, create, finish)            \
    {                                                      \
        kind, named, keys, ARRAY_LEN(keys), create, finish \
    }

static const struct sect_spec sect_specs[] = {
    SECT("console", false, console_keys, console_create, NULL),
    SECT("targets", false, targets_keys, targets_create, NULL),
    SECT("pve", true, pve_keys, pve_create, pve_finish),
    SECT("pbs", true, pbs_keys, pbs_create, pbs_finish),
    SECT("repo", true, repo_keys, repo_create, repo_finish),
    SECT("job", true, job_keys, job_create, job_finish),
    SECT("disk", true, disk_keys, disk_create, disk_finish),
    SECT("alerts", false, alerts_keys, alerts_create, alerts_finish),
    SECT("drill", false, drill_keys, drill_create, drill_finish),
};

static const char section_list[] =
    "use [console], [targets], [pve NAME], [pbs NAME], [repo NAME], [job NAME], [disk NAME], "
    "[alerts] or [drill]";

/* ---- one key ----------------------------------------------------------- */

static const struct key_spec *key_lookup(const struct sect_spec *spec, const char *key)
{
    for (size_t i = 0; i < spec->nkeys; i++) {
        const struct key_spec *k = &spec->keys[i];

        if (k->flags & KF_PREFIX) {
            if (str_starts_with(key, k->name) && strlen(key) > strlen(k->name))
                return k;
        } else if (!strcmp(key, k->name)) {
            return k;
        }
    }
    return NULL;
}

static void unknown_key(struct loader *ld, struct sect *s, const char *key, int line)
{
    const struct sect_spec *spec = s->spec;
    const char *best = NULL;
    int best_d = 3;
    struct buf list = BUF_INIT(0);

    for (size_t i = 0; i < spec->nkeys; i++) {
        int d = edit_distance(key, spec->keys[i].name);

        if (d < best_d) {
            best_d = d;
            best = spec->keys[i].name;
        }
        buf_printf(&list, "%s%s%s", i ? ", " : "", spec->keys[i].name,
                   (spec->keys[i].flags & KF_PREFIX) ? "JOB" : "");
    }
    if (best && !(key_lookup(spec, best) && (key_lookup(spec, best)->flags & KF_PREFIX)))
        problem_at(ld, line, "%s unknown key '%s' (did you mean '%s'?)", s->label, key, best);
    else
        problem_at(ld, line, "%s unknown key '%s' (valid keys: %s)", s->label, key,
                   buf_cstr(&list));
    buf_release(&list);
}

static void handle_value(struct loader *ld, struct sect *s, const struct key_spec *k,
                         const char *key, const char *val, int line);

static void handle_key(struct loader *ld, struct sect *s, const char *key, const char *val,
                       int line)
{
    const struct key_spec *k = key_lookup(s->spec, key);
    int first = sect_key_line(s, key);
    struct seen_key *seen;
    size_t before;

    if (!k) {
        unknown_key(ld, s, key, line);
        return;
    }
    if (first && !(k->flags & KF_REPEAT)) {
        problem_at(ld, line, "%s duplicate key '%s' (first set on line %d): keep one", s->label,
                   key, first);
        return;
    }
    if (++s->nkeys > MAX_KEYS) {
        if (s->nkeys == MAX_KEYS + 1)
            problem_at(ld, line, "%s has more than %d keys: the rest are ignored", s->label,
                       MAX_KEYS);
        return;
    }
    seen = first ? sect_seen(s, key) : NULL;
    if (!seen) {
        seen = xcalloc(1, sizeof(*seen));
        seen->key = xstrdup(key);
        seen->line = line;
        vec_push(&s->seen, seen);
    }
    before = ld->nproblems;
    handle_value(ld, s, k, key, val, line);
    if (ld->nproblems > before)
        seen->bad = true;
}

/* Parse one value into the section's object. */
static void handle_value(struct loader *ld, struct sect *s, const struct key_spec *k,
                         const char *key, const char *val, int line)
{
    void *field;

    if (!*val) {
        if (k->expect)
            problem_key(ld, s, key, line, "needs a value (%s)", k->expect);
        else
            problem_key(ld, s, key, line, "needs a value");
        return;
    }
    field = (char *)s->obj + k->off;
    switch (k->type) {
    case KT_STR:
        *(char **)field = xstrdup(val);
        break;
    case KT_PATH:
        free(*(char **)field); /* replaces a default (drill scratch) */
        *(char **)field = resolve_path(ld->cfg, val);
        break;
    case KT_SECRET: {
        char *path = resolve_path(ld->cfg, val);
        struct lb_err e = { 0 };

        if (ld->check_perms && config_check_secret_file(path, NULL, &e))
            problem_key(ld, s, key, line, "%s", e.msg);
        *(char **)field = path;
        break;
    }
    case KT_DURATION: {
        int64_t secs;

        if (str_to_duration(val, &secs))
            problem_key(ld, s, key, line, "'%s' is not a duration (use e.g. 90s, 15m, 26h, 8d)",
                        val);
        else if (secs <= 0)
            problem_key(ld, s, key, line, "'%s' must be longer than 0", val);
        else
            *(int64_t *)field = secs;
        break;
    }
    case KT_PERCENT: {
        double pct;

        if (str_to_percent(val, &pct))
            problem_key(ld, s, key, line, "'%s' is not a percentage (use e.g. 80%%)", val);
        else
            *(double *)field = pct;
        break;
    }
    case KT_LIST:
        split_words(val, (struct vec *)field);
        break;
    case KT_FN:
        k->parse(ld, s, key, val, line);
        break;
    }
}

/* ---- per-section checks ------------------------------------------------ */

static void need_key(struct loader *ld, struct sect *s, const char *key, const void *value,
                     const char *example)
{
    if (!value && !sect_key_line(s, key))
        problem_at(ld, s->line, "%s needs %s = %s", s->label, key, example);
}

static void pve_finish(struct loader *ld, struct sect *s)
{
    struct pve_cfg *c = s->obj;

    need_key(ld, s, "url", c->url, "https://HOST:8006");
    need_key(ld, s, "token_file", c->token_file,
             "FILE (one line USER@REALM!TOKENID=SECRET, mode 0600)");
}

static void pbs_finish(struct loader *ld, struct sect *s)
{
    struct pbs_cfg *c = s->obj;

    need_key(ld, s, "url", c->url, "https://HOST:8007");
    need_key(ld, s, "token_file", c->token_file,
             "FILE (one line USER@REALM!TOKENID=SECRET, mode 0600)");
    need_key(ld, s, "datastore", c->datastore, "NAME (the PBS datastore)");
}

static void repo_finish(struct loader *ld, struct sect *s)
{
    struct repo_cfg *c = s->obj;
    int lf = sect_key_line(s, "password_file"), lc = sect_key_line(s, "password_command");

    need_key(ld, s, "url", c->url, "PATH or s3:..., sftp:..., rest:... (the restic repository)");
    if (lf && lc)
        problem_at(ld, lc,
                   "%s has both password_file (line %d) and password_command (line %d): keep one",
                   s->label, lf, lc);
    else if (!lf && !lc)
        problem_at(ld, s->line,
                   "%s needs password_file = FILE (mode 0600) or password_command = COMMAND",
                   s->label);
}

static void job_finish(struct loader *ld, struct sect *s)
{
    struct job_cfg *j = s->obj;
    int lr = sect_key_line(s, "repos"), lp = sect_key_line(s, "paths");

    need_key(ld, s, "schedule", j->schedule, "CALENDAR (e.g. *-*-* 03:00, see systemd.time(7))");
    if (lp && !lr)
        problem_at(ld, lp, "%s paths: there is no repos = ... to back them up into", s->label);
    else if (lr && !lp && !sect_key_line(s, "check"))
        problem_at(ld, lr,
                   "%s repos: nothing to do with them: add paths = ... to back up, or check = ...",
                   s->label);
    else if (!lr && !lp && !sect_key_line(s, "copy") && !sect_key_line(s, "check"))
        problem_at(ld, s->line,
                   "%s has nothing to do: set repos and paths (backup), copy = SRC -> DST, or "
                   "check = ...",
                   s->label);
}

static void disk_finish(struct loader *ld, struct sect *s)
{
    struct disk_cfg *d = s->obj;
    int lw = sect_key_line(s, "fill_warn"), lc = sect_key_line(s, "fill_crit");

    need_key(ld, s, "device", d->device, "/dev/disk/by-id/...");
    if (d->fill_warn >= d->fill_crit && !sect_key_bad(s, "fill_warn") &&
        !sect_key_bad(s, "fill_crit"))
        problem_at(ld,
                   lw > lc ? lw
                   : lc    ? lc
                           : s->line,
                   "%s fill_warn (%g%%) must be below fill_crit (%g%%)", s->label, d->fill_warn,
                   d->fill_crit);
}

static void drill_finish(struct loader *ld, struct sect *s)
{
    struct drill_cfg *d = s->obj;

    if (d->rollback_vmid && d->vmid_from && d->rollback_vmid >= d->vmid_from &&
        d->rollback_vmid <= d->vmid_to)
        problem_at(ld, sect_key_line(s, "restore_vmid_range"),
                   "%s restore_vmid_range: %d-%d contains rollback_vmid %d: restore drills "
                   "could overwrite the rollback test guest",
                   s->label, d->vmid_from, d->vmid_to, d->rollback_vmid);
}

static bool has_channel(const struct alerts_cfg *a, const char *name)
{
    for (size_t i = 0; i < a->channels.len; i++)
        if (!strcmp(a->channels.items[i], name))
            return true;
    return false;
}

static void alerts_finish(struct loader *ld, struct sect *s)
{
    struct alerts_cfg *a = s->obj;
    int line = sect_key_line(s, "channels");
    static const struct {
        const char *channel, *key;
        size_t off;
        const char *example;
    } needs[] = {
        { "ntfy", "ntfy.url", offsetof(struct alerts_cfg, ntfy_url), "https://HOST/TOPIC" },
        { "gotify", "gotify.url", offsetof(struct alerts_cfg, gotify_url), "https://HOST" },
        { "gotify", "gotify.token_file", offsetof(struct alerts_cfg, gotify_token_file),
          "FILE (mode 0600)" },
        { "webhook", "webhook.url", offsetof(struct alerts_cfg, webhook_url), "https://HOST/..." },
        { "email", "smtp.url", offsetof(struct alerts_cfg, smtp_url), "smtps://HOST" },
        { "email", "smtp.from", offsetof(struct alerts_cfg, smtp_from), "NAME@DOMAIN" },
        { "email", "smtp.to", offsetof(struct alerts_cfg, smtp_to), "NAME@DOMAIN" },
    };

    for (size_t i = 0; i < ARRAY_LEN(needs); i++) {
        char *const *v = (char *const *)(const void *)((const char *)a + needs[i].off);

        if (has_channel(a, needs[i].channel) && !*v && !sect_key_line(s, needs[i].key))
            problem_at(ld, line, "%s channels: '%s' needs %s = %s", s->label, needs[i].channel,
                       needs[i].key, needs[i].example);
    }
    if (has_channel(a, "healthchecks") && !a->healthchecks_url &&
        !sect_key_line(s, "healthchecks.url") && !a->healthchecks_job_urls.len)
        problem_at(ld, line,
                   "%s channels: 'healthchecks' needs healthchecks.url = https://HOST/ping/UUID "
                   "(or healthchecks.url.JOB = ... per job)",
                   s->label);
}

/* ---- cross-references -------------------------------------------------- */

static void need_repo(struct loader *ld, const struct sect *s, const char *key, int line,
                      const char *name)
{
    const struct repo_cfg *best = NULL;
    int best_d = 3;
    size_t i;
    struct repo_cfg *r;

    if (config_repo(ld->cfg, name))
        return;
    vec_foreach(&ld->cfg->repos, i, r) {
        int d = edit_distance(name, r->name);

        if (d < best_d) {
            best_d = d;
            best = r;
        }
    }
    if (best)
        problem_key(ld, s, key, line, "no repo '%s' is defined (did you mean '%s'?)", name,
                    best->name);
    else
        problem_key(ld, s, key, line, "no repo '%s' is defined (add a [repo %s] section)", name,
                    name);
}

static void cross_check(struct loader *ld)
{
    size_t i;
    struct sect *s;

    vec_foreach(&ld->sects, i, s) {
        if (s->skip || strcmp(s->spec->kind, "job"))
            continue;
        struct job_cfg *j = s->obj;
        size_t k;
        char *name;
        struct job_copy *c;
        struct job_check *ck;

        vec_foreach(&j->repos, k, name) {
            if (name_ok(name))
                need_repo(ld, s, "repos", sect_key_line(s, "repos"), name);
        }
        vec_foreach(&j->copies, k, c) {
            need_repo(ld, s, "copy", c->line, c->src);
            need_repo(ld, s, "copy", c->line, c->dst);
        }
        vec_foreach(&j->checks, k, ck) {
            if (ck->repo)
                need_repo(ld, s, "check", ck->line, ck->repo);
            else if (!j->repos.len)
                problem_key(ld, s, "check", ck->line,
                            "names no repo and the job has no repos = ...: write the repo first, "
                            "e.g. check = NAME read-data-subset=2%%");
        }
    }
    vec_foreach(&ld->sects, i, s) {
        if (s->skip || strcmp(s->spec->kind, "alerts"))
            continue;
        struct alerts_cfg *a = s->obj;
        size_t k;
        struct cfg_kv *kv;

        vec_foreach(&a->healthchecks_job_urls, k, kv) {
            if (!config_job(ld->cfg, kv->key))
                problem_at(ld, kv->line, "%s healthchecks.url.%s: no job '%s' is defined", s->label,
                           kv->key, kv->key);
        }
    }
}

/* ---- the line scan ----------------------------------------------------- */

static void sect_free(void *p)
{
    struct sect *s = p;
    size_t i;
    struct seen_key *k;

    vec_foreach(&s->seen, i, k) {
        free(k->key);
        free(k);
    }
    vec_release(&s->seen);
    free(s->label);
    free(s);
}

static const struct sect_spec *spec_lookup(const char *kind)
{
    for (size_t i = 0; i < ARRAY_LEN(sect_specs); i++)
        if (!strcmp(kind, sect_specs[i].kind))
            return &sect_specs[i];
    return NULL;
}

/* A short, printable quote of a bad line for messages. New. */
static char *quote_line(const char *s, size_t n)
{
    char *q = xstrndup(s, n > 60 ? 60 : n);

    if (n > 60) {
        char *t = xasprintf("%s...", q);

        free(q);
        q = t;
    }
    return q;
}

/*
 * A "[...]" line (text starts at '[', n bytes, trailing blanks removed).
 * Appends a struct sect (skip set when the header is bad).
 */
static void scan_header(struct loader *ld, const char *text, size_t n, int line)
{
    struct sect *s = xcalloc(1, sizeof(*s));
    const char *close = memchr(text, ']', n);
    struct vec words = VEC_INIT(free);
    const char *kind, *name;

    vec_init(&s->seen, NULL);
    s->line = line;
    s->skip = true;
    vec_push(&ld->sects, s);
    if (ld->sects.len > MAX_SECTIONS) {
        s->label = xstrdup("[?]");
        if (ld->sects.len == MAX_SECTIONS + 1)
            problem_at(ld, line, "more than %d sections: the sections from here on are ignored",
                       MAX_SECTIONS);
        return;
    }
    if (!close) {
        char *q = quote_line(text, n);

        s->label = xstrdup("[?]");
        problem_at(ld, line,
                   "'%s' is not a section header (use [KIND] or [KIND NAME], e.g. [repo usb-ssd])",
                   q);
        free(q);
        return;
    }
    {
        const char *after = close + 1;
        size_t rest = n - (size_t)(after - text);

        while (rest && (*after == ' ' || *after == '\t')) {
            after++;
            rest--;
        }
        if (rest && *after != ';' && *after != '#') {
            char *q = quote_line(text, n);

            s->label = xstrdup("[?]");
            problem_at(ld, line, "'%s' has text after the closing ']'", q);
            free(q);
            return;
        }
    }
    {
        char *inner = xstrndup(text + 1, (size_t)(close - text - 1));

        split_words(inner, &words);
        free(inner);
    }
    kind = words.len ? words.items[0] : "";
    name = words.len > 1 ? words.items[1] : NULL;
    s->spec = spec_lookup(kind);
    s->label = name ? xasprintf("[%s %s]", kind, name) : xasprintf("[%s]", kind);
    if (!s->spec) {
        const char *best = NULL;
        int best_d = 3;

        for (size_t i = 0; i < ARRAY_LEN(sect_specs); i++) {
            int d = edit_distance(kind, sect_specs[i].kind);

            if (d < best_d) {
                best_d = d;
                best = sect_specs[i].kind;
            }
        }
        if (best)
            problem_at(ld, line, "unknown section %s (did you mean [%s%s%s]?)", s->label, best,
                       name ? " " : "", name ? name : "");
        else
            problem_at(ld, line, "unknown section %s (%s)", s->label, section_list);
    } else if (s->spec->named && !name) {
        problem_at(ld, line, "section [%s] needs a name: [%s NAME]", kind, kind);
    } else if (!s->spec->named && name) {
        problem_at(ld, line, "section [%s] takes no name (found '%s')", kind, name);
    } else if (words.len > 2) {
        problem_at(ld, line, "section name in '%s' has spaces: use one word, e.g. [%s %s-%s]",
                   s->label, kind, name, (const char *)words.items[2]);
    } else if (name && !name_ok(name)) {
        problem_at(ld, line, "section name '%s' is not valid (%s)", name, name_rule);
    } else {
        size_t i;
        struct sect *o;

        vec_foreach(&ld->sects, i, o) {
            if (o != s && o->spec == s->spec && !strcmp(o->label, s->label)) {
                problem_at(ld, line,
                           "duplicate section %s (first on line %d): merge them or "
                           "rename one",
                           s->label, o->line);
                goto out;
            }
        }
        s->skip = false;
        s->obj = s->spec->create(ld, name, line);
    }
out:
    vec_release(&words);
}

/*
 * Scan text (len bytes, may hold NULs) line by line; fill ld's line tables
 * and the sections; append to ini_in a copy holding only the good KEY = VALUE
 * lines (every other line empty).
 */
static void scan(struct loader *ld, const char *text, size_t len, struct buf *ini_in)
{
    const char *p = text, *end = text + len;
    int nlines = 1, cur = -1;

    for (const char *q = text; q < end; q++)
        nlines += *q == '\n';
    ld->nlines = nlines;
    ld->kinds = xcalloc((size_t)nlines + 1, 1);
    ld->line_sect = xcalloc((size_t)nlines + 1, sizeof(int));
    ld->kv_lines = xcalloc((size_t)nlines + 1, sizeof(int));
    for (int line = 1; p <= end && line <= nlines; line++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        const char *t = p;
        size_t tn = n;
        enum line_kind kind = LINE_BLANK;

        if (line == 1 && tn >= 3 && !memcmp(t, "\xEF\xBB\xBF", 3)) {
            t += 3;
            tn -= 3;
        }
        while (tn && (t[tn - 1] == '\r' || t[tn - 1] == ' ' || t[tn - 1] == '\t'))
            tn--;
        while (tn && (*t == ' ' || *t == '\t')) {
            t++;
            tn--;
        }
        if (memchr(t, '\0', tn)) {
            problem_at(ld, line, "the line holds a NUL byte (is this a text file?)");
            kind = LINE_BAD;
        } else if (tn > CONFIG_MAX_LINE) {
            problem_at(ld, line, "the line is longer than %d bytes", CONFIG_MAX_LINE);
            kind = LINE_BAD;
        } else if (!tn || *t == ';' || *t == '#') {
            kind = LINE_BLANK;
        } else if (*t == '[') {
            scan_header(ld, t, tn, line);
            cur = (int)ld->sects.len - 1;
            kind = LINE_SECTION;
        } else {
            /* as libinih: the first '=' or ':' not inside an inline " ;" comment */
            size_t i = 0;

            for (; i < tn; i++) {
                if (t[i] == '=' || t[i] == ':')
                    break;
                if (t[i] == ';' && i && (t[i - 1] == ' ' || t[i - 1] == '\t'))
                    break;
            }
            if (i < tn && t[i] == '=') {
                kind = LINE_KV;
            } else {
                char *q = quote_line(t, tn);

                if (i < tn && t[i] == ':')
                    problem_at(ld, line, "'%s' is not a KEY = VALUE line (use '=')", q);
                else
                    problem_at(ld, line, "'%s' is not a KEY = VALUE line", q);
                free(q);
                kind = LINE_BAD;
            }
        }
        ld->kinds[line] = (unsigned char)kind;
        ld->line_sect[line] = cur;
        if (kind == LINE_KV) {
            ld->kv_lines[ld->nkv++] = line;
            buf_append(ini_in, t, tn);
        }
        buf_puts(ini_in, "\n");
        if (!nl)
            break;
        p = nl + 1;
    }
}

static int on_pair(void *user, const char *section, const char *name, const char *value, int lineno)
{
    struct loader *ld = user;
    int line;
    struct sect *s;

    (void)section;
    /* libinih's line number, checked against our own count of KEY = VALUE lines */
    if (lineno < 1 || lineno > ld->nlines || ld->kinds[lineno] != LINE_KV)
        lineno = ld->next_kv < ld->nkv ? ld->kv_lines[ld->next_kv] : 0;
    ld->next_kv++;
    line = lineno;
    if (!line)
        return 1;
    if (ld->line_sect[line] < 0) {
        problem_at(ld, line, "'%s' comes before any [section] header", name);
        return 1;
    }
    s = ld->sects.items[ld->line_sect[line]];
    if (!s->skip)
        handle_key(ld, s, name, value ? value : "", line);
    return 1;
}

/* Run libinih on the prepared text with the settings this file format needs. */
static void parse_pairs(struct loader *ld, const char *ini_text)
{
    bool old_multi = ini_allow_multiline, old_inline = ini_allow_inline_comments;
    bool old_stack = ini_use_stack, old_realloc = ini_allow_realloc;
    bool old_novalue = ini_allow_no_value, old_stop = ini_stop_on_first_error;
    int old_max = ini_max_line;
    char *old_prefixes = ini_inline_comment_prefixes;
    static char semicolon[] = ";";

    ini_allow_multiline = false; /* an indented line is not a continuation */
    ini_allow_inline_comments = true;
    ini_inline_comment_prefixes = semicolon;
    ini_use_stack = false;
    ini_allow_realloc = true;
    ini_max_line = CONFIG_MAX_LINE * 2 + 3;
    ini_allow_no_value = false;
    ini_stop_on_first_error = false;
    ini_parse_string(ini_text, on_pair, ld);
    ini_allow_multiline = old_multi;
    ini_allow_inline_comments = old_inline;
    ini_inline_comment_prefixes = old_prefixes;
    ini_use_stack = old_stack;
    ini_allow_realloc = old_realloc;
    ini_max_line = old_max;
    ini_allow_no_value = old_novalue;
    ini_stop_on_first_error = old_stop;
}

/* ---- loading ----------------------------------------------------------- */

char *config_default_path(const char *explicit_path)
{
    const char *env = getenv("LIFEBOAT_CONFIG");
    const char *dir;
    char *user;

    if (explicit_path && *explicit_path)
        return xstrdup(explicit_path);
    if (env && *env)
        return xstrdup(env);
    dir = path_config_dir(false);
    user = dir ? xasprintf("%s/lifeboat.conf", dir) : NULL;
    if (user && !access(user, F_OK))
        return user;
    if (!access("/etc/lifeboat/lifeboat.conf", F_OK) || !user) {
        free(user);
        return xstrdup("/etc/lifeboat/lifeboat.conf");
    }
    return user; /* neither exists: name the user's own file in the error */
}

static char *abs_dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir, *cwd, *res;

    if (slash == path)
        return xstrdup("/");
    dir = slash ? xstrndup(path, (size_t)(slash - path)) : xstrdup(".");
    if (dir[0] == '/')
        return dir;
    cwd = getcwd(NULL, 0);
    if (!cwd)
        return dir;
    if (!strcmp(dir, "."))
        res = xstrdup(cwd);
    else
        res = xasprintf("%s/%s", cwd, dir[0] == '.' && dir[1] == '/' ? dir + 2 : dir);
    free(cwd);
    free(dir);
    return res;
}

/* Read the whole file into a new buffer; problems are reported. */
static char *read_config(struct loader *ld, const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    struct buf b = BUF_INIT(CONFIG_MAX_BYTES + 1);
    char chunk[8192];
    ssize_t n;

    if (fd < 0) {
        if (errno == ENOENT)
            problem_at(ld, 0,
                       "no such config file; start from docs/lifeboat.conf.example (installed "
                       "in share/doc/lifeboat/) or try 'lifeboat demo' (lifeboat reads -c FILE, "
                       "else $LIFEBOAT_CONFIG, else ~/.config/lifeboat/lifeboat.conf, else "
                       "/etc/lifeboat/lifeboat.conf)");
        else
            problem_at(ld, 0, "cannot open the config: %s", strerror(errno));
        return NULL;
    }
    if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
        problem_at(ld, 0, "the config is not a regular file");
        close(fd);
        return NULL;
    }
    if (ld->check_perms) {
        char *msg = perm_problem(ld->cfg->path, &st);

        if (msg) {
            problem_at(ld, 0, "%s %s", ld->cfg->path, msg);
            free(msg);
        }
    }
    while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            problem_at(ld, 0, "cannot read the config: %s", strerror(errno));
            close(fd);
            buf_release(&b);
            return NULL;
        }
        buf_append(&b, chunk, (size_t)n);
        if (b.truncated)
            break;
    }
    close(fd);
    if (b.truncated) {
        problem_at(ld, 0, "the config is larger than %d bytes: is this the right file?",
                   CONFIG_MAX_BYTES);
        buf_release(&b);
        return NULL;
    }
    *len = b.len;
    if (!b.len) {
        buf_release(&b);
        return xstrdup("");
    }
    return buf_detach(&b);
}

struct config *config_load(const char *path, bool check_perms, struct vec *problems,
                           struct lb_err *err)
{
    struct loader ld = { 0 };
    struct buf ini_in = BUF_INIT(0);
    struct config *cfg = config_new();
    size_t len = 0, i;
    char *text;
    struct sect *s;

    lb_err_clear(err);
    ld.cfg = cfg;
    ld.file = path;
    ld.check_perms = check_perms;
    ld.problems = problems;
    ld.err = err;
    vec_init(&ld.sects, sect_free);
    vec_init(&ld.found, config_problem_free);
    {
        char *dir = abs_dir_of(path);
        const char *base = strrchr(path, '/');

        cfg->dir = dir;
        cfg->path = xasprintf("%s%s%s", dir, strcmp(dir, "/") ? "/" : "", base ? base + 1 : path);
    }
    text = read_config(&ld, path, &len);
    if (text) {
        scan(&ld, text, len, &ini_in);
        parse_pairs(&ld, buf_cstr(&ini_in));
        vec_foreach(&ld.sects, i, s) {
            if (!s->skip && s->spec->finish)
                s->spec->finish(&ld, s);
        }
        cross_check(&ld);
    }
    free(text);
    buf_release(&ini_in);
    vec_release(&ld.sects);
    free(ld.kinds);
    free(ld.line_sect);
    free(ld.kv_lines);
    problems_flush(&ld);
    if (ld.nproblems || !text) {
        config_free(cfg);
        return NULL;
    }
    return cfg;
}

/* ---- lookups ----------------------------------------------------------- */

struct repo_cfg *config_repo(const struct config *cfg, const char *name)
{
    size_t i;
    struct repo_cfg *r;

    vec_foreach(&cfg->repos, i, r) {
        if (!strcmp(r->name, name))
            return r;
    }
    return NULL;
}

struct job_cfg *config_job(const struct config *cfg, const char *name)
{
    size_t i;
    struct job_cfg *j;

    vec_foreach(&cfg->jobs, i, j) {
        if (!strcmp(j->name, name))
            return j;
    }
    return NULL;
}

struct disk_cfg *config_disk(const struct config *cfg, const char *name)
{
    size_t i;
    struct disk_cfg *d;

    vec_foreach(&cfg->disks, i, d) {
        if (!strcmp(d->name, name))
            return d;
    }
    return NULL;
}

int64_t config_repo_rpo(const struct config *cfg, const struct repo_cfg *repo)
{
    return repo->tier == TIER_OFFSITE ? cfg->targets.rpo_cloud : cfg->targets.rpo_local;
}
