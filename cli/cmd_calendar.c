/*
 * lifeboat calendar EXPR [--count N] [--from TIME] [--dialect systemd|proxmox]
 *
 * Prints the next N elapse times of a calendar event, one
 * "YYYY-MM-DD HH:MM:SS" a line in local time ($TZ honoured), like
 * `systemd-analyze calendar --iterations=N`. N defaults to 5; --from defaults
 * to now and takes "YYYY-MM-DD HH:MM[:SS]" (local time), the same with a
 * trailing " UTC", or "@EPOCH". Exit 0; 1 when the event never elapses
 * again (fewer lines than asked); 64 for a bad expression or option.
 *
 * Like systemd-analyze, several expressions may be given: each block then
 * starts with "# EXPR" (and "# error: ..." when it does not parse), blocks
 * are separated by a blank line, and the exit code is the worst one.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/base/clock.h"
#include "backend/base/str.h"
#include "backend/base/xalloc.h"
#include "backend/calendar.h"
#include "cli/cli.h"

#define DEFAULT_COUNT 5
#define MAX_COUNT     100000

static int parse_from(const char *s, time_t *t)
{
    size_t n = strlen(s);
    int64_t v;

    if (s[0] == '@')
        return str_to_i64(s + 1, 0, INT64_C(253402300799), &v) < 0 ? -1 : (*t = (time_t)v, 0);
    if (n > 4 && !strcmp(s + n - 4, " UTC")) {
        char buf[40];
        int off;

        /* "YYYY-MM-DD HH:MM[:SS] UTC" -> RFC 3339 */
        if (n - 4 == 16)
            snprintf(buf, sizeof(buf), "%.10sT%.5s:00Z", s, s + 11);
        else if (n - 4 == 19)
            snprintf(buf, sizeof(buf), "%.10sT%.8sZ", s, s + 11);
        else
            return -1;
        return clock_parse_rfc3339(buf, t, &off);
    }
    return clock_parse_local(s, t);
}

/* "lifeboat: calendar: MSG" and the expression with a caret under the bad part. */
static int report_bad_expr(const char *expr, size_t bad_at, const char *msg)
{
    char *shown = xstrdup(expr);
    size_t len = strlen(shown);

    str_sanitize(shown);
    cli_error("calendar: bad calendar event: %s", msg);
    if (bad_at > len)
        bad_at = len;
    fprintf(stderr, "    %s\n    %*s^\n", shown, (int)bad_at, "");
    free(shown);
    return EXIT_USAGE;
}

/* --name VALUE or --name=VALUE; advances *i. NULL when argv[*i] is not --name. */
static const char *opt_value(int argc, char **argv, int *i, const char *name, bool *missing)
{
    size_t n = strlen(name);

    if (strncmp(argv[*i], name, n))
        return NULL;
    if (argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (argv[*i][n])
        return NULL;
    if (*i + 1 >= argc) {
        *missing = true;
        return NULL;
    }
    return argv[++*i];
}

/*
 * Print the next `count` elapses of one expression. 0 ok, EXIT_WARN when it
 * ran short, EXIT_USAGE when it does not parse. With `header` (several
 * expressions), the block starts with "# EXPR" and a rejection is shown as a
 * "# error: ..." line as well.
 */
static int run_one(const char *expr, enum cal_dialect dialect, time_t from, int64_t count,
                   bool header)
{
    struct lb_err err = { 0 };
    struct cal_event *ev;
    size_t bad_at = 0;
    int64_t cur = (int64_t)from * 1000000, next;
    int64_t printed = 0;

    if (header) {
        char *shown = xstrdup(expr);

        str_sanitize(shown);
        printf("# %s\n", shown);
        free(shown);
    }
    ev = cal_parse_at(expr, dialect, &bad_at, &err);
    if (!ev) {
        if (header)
            printf("# error: %s\n", err.msg);
        return report_bad_expr(expr, bad_at, err.msg);
    }
    for (; printed < count; printed++) {
        char line[40];

        if (cal_next_usec(ev, cur, &next) < 0)
            break;
        clock_fmt_local((time_t)(next / 1000000), line, sizeof(line));
        puts(line);
        cur = next;
    }
    cal_free(ev);
    if (printed < count) {
        char when[40];

        clock_fmt_local(from, when, sizeof(when));
        if (printed == 0)
            cli_error("calendar: '%s' never elapses after %s", expr, when);
        else
            cli_error("calendar: '%s' elapses only %d more time%s after %s", expr, (int)printed,
                      printed == 1 ? "" : "s", when);
        return EXIT_WARN;
    }
    return 0;
}

int cmd_calendar(struct cli *cli, int argc, char **argv)
{
    const char *from_s = NULL;
    const char **exprs = xcalloc((size_t)argc, sizeof(*exprs));
    int nexpr = 0, rc = 0;
    enum cal_dialect dialect = CAL_SYSTEMD;
    int64_t count = DEFAULT_COUNT;
    time_t from;

    (void)cli;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        bool missing = false;

        if ((v = opt_value(argc, argv, &i, "--count", &missing))) {
            if (str_to_i64(v, 1, MAX_COUNT, &count) < 0) {
                rc = cli_usage("calendar", "--count wants a number from 1 to %d, not '%s'",
                               MAX_COUNT, v);
                goto out;
            }
        } else if ((v = opt_value(argc, argv, &i, "--from", &missing))) {
            from_s = v;
        } else if ((v = opt_value(argc, argv, &i, "--dialect", &missing))) {
            int d = cal_dialect_from_name(v);

            if (d < 0) {
                rc = cli_usage("calendar", "--dialect is systemd or proxmox, not '%s'", v);
                goto out;
            }
            dialect = (enum cal_dialect)d;
        } else if (missing) {
            rc = cli_usage("calendar", "%s needs a value", a);
            goto out;
        } else if (a[0] == '-' && a[1] == '-') {
            rc = cli_usage("calendar", "unknown option '%s'", a);
            goto out;
        } else {
            exprs[nexpr++] = a;
        }
    }
    if (!nexpr) {
        rc = cli_usage("calendar", "missing the calendar event, e.g. 'Mon..Fri 02:00'");
        goto out;
    }
    if (from_s) {
        if (parse_from(from_s, &from) < 0) {
            rc = cli_usage("calendar",
                           "--from wants 'YYYY-MM-DD HH:MM[:SS]' (local time, or with ' UTC'), "
                           "or @EPOCH, not '%s'",
                           from_s);
            goto out;
        }
    } else {
        from = clock_now();
    }
    for (int k = 0; k < nexpr; k++) {
        int r;

        if (k)
            putchar('\n');
        r = run_one(exprs[k], dialect, from, count, nexpr > 1);
        if (r == EXIT_USAGE || (r && !rc))
            rc = r;
    }
out:
    free(exprs);
    return rc;
}
