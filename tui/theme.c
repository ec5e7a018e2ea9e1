/*
 * Themes: the element table, the theme-file parser, lookup of theme files
 * and the active attribute table (the only place colour pairs are made).
 */
#include "tui/theme.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/base/str.h"
#include "backend/base/xalloc.h"

#ifndef LIFEBOAT_PREFIX
#    define LIFEBOAT_PREFIX "/usr/local"
#endif

/* A theme file is a few dozen lines; anything bigger is not a theme. */
#define THEME_FILE_MAX (64 * 1024)

extern const char builtin_theme_text[];

static const char *const el_names[EL_COUNT] = {
#define X(id, name, mono) [EL_##id] = name,
    THEME_ELEMENTS(X)
#undef X
};

static const attr_t el_mono[EL_COUNT] = {
#define X(id, name, mono) [EL_##id] = (mono),
    THEME_ELEMENTS(X)
#undef X
};

const char *const theme_builtin_names[] = { "default", "light", "high-contrast", "mono" };
const size_t theme_builtin_count = sizeof(theme_builtin_names) / sizeof(theme_builtin_names[0]);

const char *theme_el_name(enum theme_el el)
{
    return (unsigned)el < EL_COUNT ? el_names[el] : NULL;
}

void theme_init_mono(struct theme *t, const char *name)
{
    memset(t, 0, sizeof(*t));
    str_copy(t->name, sizeof(t->name), name ? name : "mono");
    for (int i = 0; i < EL_COUNT; i++) {
        t->el[i].fg = -1;
        t->el[i].bg = -1;
        t->el[i].attrs = el_mono[i];
    }
}

static const char *const color_names[] = { "black", "red",     "green", "yellow",
                                           "blue",  "magenta", "cyan",  "white" };

int theme_parse_color(const char *s, short *out)
{
    int64_t n;

    if (!strcmp(s, "default") || !strcmp(s, "-1")) {
        *out = -1;
        return 0;
    }
    if (!strcmp(s, "gray") || !strcmp(s, "grey")) {
        *out = 8;
        return 0;
    }
    for (int i = 0; i < 8; i++) {
        if (!strcmp(s, color_names[i])) {
            *out = (short)i;
            return 0;
        }
        if (str_starts_with(s, "bright") && !strcmp(s + 6, color_names[i])) {
            *out = (short)(8 + i);
            return 0;
        }
    }
    if (str_starts_with(s, "color") && str_to_i64(s + 5, 0, 255, &n) == 0) {
        *out = (short)n;
        return 0;
    }
    return -1;
}

static int parse_attr(const char *s, attr_t *out)
{
    static const struct {
        const char *name;
        attr_t attr;
    } attrs[] = {
        { "normal", A_NORMAL },   { "bold", A_BOLD }, { "underline", A_UNDERLINE },
        { "reverse", A_REVERSE }, { "dim", A_DIM },   { "standout", A_STANDOUT },
        { "italic", A_ITALIC },
    };

    for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
        if (!strcmp(s, attrs[i].name)) {
            *out |= attrs[i].attr;
            return 0;
        }
    }
    return -1;
}

static int find_element(const char *s)
{
    for (int i = 0; i < EL_COUNT; i++)
        if (!strcmp(s, el_names[i]))
            return i;
    return -1;
}

static void problem(struct vec *problems, const char *origin, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void problem(struct vec *problems, const char *origin, int line, const char *fmt, ...)
{
    char msg[256];
    char *s;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    s = xasprintf("%s:%d: %s", origin, line, msg);
    str_sanitize(s);
    if (problems)
        vec_push(problems, s);
    else
        free(s);
}

/* Split s in place into at most max blank-separated words; returns the count. */
static int split_words(char *s, char **words, int max)
{
    int n = 0;

    while (*s) {
        while (*s == ' ' || *s == '\t')
            *s++ = '\0';
        if (!*s)
            break;
        if (n == max)
            return max + 1; /* too many */
        words[n++] = s;
        while (*s && *s != ' ' && *s != '\t')
            s++;
    }
    return n;
}

static int parse_line(struct theme *t, char *line, const char *origin, int lineno,
                      struct vec *problems)
{
    char *words[10];
    char *hash = strchr(line, '#');
    int n, el;
    struct theme_style st = { -1, -1, A_NORMAL };

    if (hash)
        *hash = '\0';
    n = split_words(line, words, 9);
    if (n == 0)
        return 0;
    if (n > 9) {
        problem(problems, origin, lineno, "too many words (want: element fg bg [attr...])");
        return -1;
    }
    el = find_element(words[0]);
    if (el < 0) {
        problem(problems, origin, lineno, "unknown element '%s'", words[0]);
        return -1;
    }
    if (n < 3) {
        problem(problems, origin, lineno, "'%s' needs a foreground and a background colour",
                words[0]);
        return -1;
    }
    if (theme_parse_color(words[1], &st.fg) < 0) {
        problem(problems, origin, lineno,
                "unknown colour '%s' (try red, brightred, color208, default)", words[1]);
        return -1;
    }
    if (theme_parse_color(words[2], &st.bg) < 0) {
        problem(problems, origin, lineno,
                "unknown colour '%s' (try red, brightred, color208, default)", words[2]);
        return -1;
    }
    for (int i = 3; i < n; i++) {
        if (parse_attr(words[i], &st.attrs) < 0) {
            problem(problems, origin, lineno,
                    "unknown attribute '%s' (bold underline reverse dim standout italic normal)",
                    words[i]);
            return -1;
        }
    }
    t->el[el] = st;
    return 0;
}

int theme_parse(struct theme *t, const char *text, const char *origin, struct vec *problems)
{
    char *copy = xstrdup(text ? text : "");
    char *line = copy;
    int lineno = 0, bad = 0;

    while (line) {
        char *nl = strchr(line, '\n');

        if (nl)
            *nl = '\0';
        lineno++;
        if (parse_line(t, line, origin, lineno, problems) < 0)
            bad++;
        line = nl ? nl + 1 : NULL;
    }
    free(copy);
    return bad;
}

const char *theme_next_name(const char *current)
{
    for (size_t i = 0; i < theme_builtin_count; i++)
        if (current && !strcmp(current, theme_builtin_names[i]))
            return theme_builtin_names[(i + 1) % theme_builtin_count];
    return theme_builtin_names[0];
}

/* Read a whole small file (new string) or NULL with errno set. */
static char *read_small_file(const char *path)
{
    FILE *f = fopen(path, "r");
    char *data;
    size_t n;

    if (!f)
        return NULL;
    data = xmalloc(THEME_FILE_MAX + 1);
    n = fread(data, 1, THEME_FILE_MAX + 1, f);
    fclose(f);
    if (n > THEME_FILE_MAX) {
        free(data);
        errno = EFBIG;
        return NULL;
    }
    data[n] = '\0';
    return data;
}

/* Directory of the running binary (new) or NULL. */
static char *exe_dir(void)
{
    char buf[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
    char *slash;

    if (n <= 0)
        return NULL;
    buf[n] = '\0';
    slash = strrchr(buf, '/');
    if (!slash)
        return NULL;
    *slash = '\0';
    return xstrdup(buf);
}

static bool valid_theme_name(const char *name)
{
    if (!*name || name[0] == '.')
        return false;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_' || *p == '.'))
            return false;
    return true;
}

int theme_load(const char *name, struct theme *out, struct vec *problems, struct lb_err *err)
{
    char *dir, *text = NULL, *path = NULL;
    char *cand[4] = { NULL };
    int ncand = 0, rc = 0;
    const char *base;

    if (!name || !*name || !strcmp(name, "default")) {
        theme_init_mono(out, "default");
        theme_parse(out, builtin_theme_text, "default.theme (built in)", problems);
        return 0;
    }
    if (!strcmp(name, "mono")) {
        theme_init_mono(out, "mono");
        return 0;
    }
    if (strchr(name, '/')) {
        path = xstrdup(name);
        text = read_small_file(path);
        if (!text)
            rc = lb_err_set(err, LB_ENOTFOUND, "cannot read theme '%s': %s", name, strerror(errno));
        goto parse;
    }
    if (!valid_theme_name(name))
        return lb_err_set(err, LB_ENOTFOUND,
                          "no theme named '%s' (try default, light, "
                          "high-contrast, mono or a path)",
                          name);
    dir = exe_dir();
    if (dir) {
        cand[ncand++] = xasprintf("%s/themes/%s.theme", dir, name);
        cand[ncand++] = xasprintf("%s/../share/lifeboat/themes/%s.theme", dir, name);
        /* a development build in BUILD/VARIANT/ of the source tree */
        cand[ncand++] = xasprintf("%s/../../themes/%s.theme", dir, name);
        free(dir);
    }
    cand[ncand++] = xasprintf("%s/share/lifeboat/themes/%s.theme", LIFEBOAT_PREFIX, name);
    for (int i = 0; i < ncand && !text; i++) {
        text = read_small_file(cand[i]);
        if (text)
            path = xstrdup(cand[i]);
    }
    if (!text)
        rc = lb_err_set(err, LB_ENOTFOUND,
                        "no theme named '%s': looked for %s.theme in themes/ beside lifeboat "
                        "and in %s/share/lifeboat/themes",
                        name, name, LIFEBOAT_PREFIX);
    for (int i = 0; i < ncand; i++)
        free(cand[i]);
parse:
    if (text) {
        base = strrchr(path, '/');
        theme_init_mono(out, name);
        if (strchr(name, '/')) {
            /* a path: the theme's name is its file name without .theme */
            char nm[64];

            str_copy(nm, sizeof(nm), base ? base + 1 : path);
            if (str_ends_with(nm, ".theme"))
                nm[strlen(nm) - 6] = '\0';
            str_copy(out->name, sizeof(out->name), nm);
        }
        theme_parse(out, text, path, problems);
    }
    free(text);
    free(path);
    return rc;
}

/* ---- the active theme ---- */

static attr_t active[EL_COUNT];
static struct {
    short fg, bg;
} pairs[256];
static int npairs;

static short clamp_color(short c)
{
    if (c < 0)
        return -1;
    if (c >= COLORS) {
        /* bright colours on an 8-colour terminal: the plain one */
        if (c < 16 && COLORS >= 8)
            return (short)(c - 8);
        return -1;
    }
    return c;
}

static int pair_for(short fg, short bg)
{
    if (fg < 0 && bg < 0)
        return 0;
    for (int i = 1; i <= npairs; i++)
        if (pairs[i].fg == fg && pairs[i].bg == bg)
            return i;
    if (npairs + 1 >= (int)(sizeof(pairs) / sizeof(pairs[0])) || npairs + 1 >= COLOR_PAIRS)
        return 0;
    npairs++;
    pairs[npairs].fg = fg;
    pairs[npairs].bg = bg;
    init_pair((short)npairs, fg, bg);
    return npairs;
}

void theme_use(const struct theme *t, bool color)
{
    npairs = 0;
    for (int i = 0; i < EL_COUNT; i++) {
        if (!color || !t) {
            active[i] = el_mono[i];
            continue;
        }
        int pair = pair_for(clamp_color(t->el[i].fg), clamp_color(t->el[i].bg));

        active[i] = t->el[i].attrs | (attr_t)COLOR_PAIR(pair);
    }
}

attr_t theme_attr(enum theme_el el)
{
    return (unsigned)el < EL_COUNT ? active[el] : A_NORMAL;
}
