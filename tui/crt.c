/* Terminal set-up and tear-down, key reading and the screen dump. */
#include "tui/crt.h"

#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

#include "backend/base/path.h"
#include "backend/base/xalloc.h"
#include "tui/action.h"
#include "tui/glyph.h"
#include "tui/provide_curses.h"

static struct {
    bool active;
    bool utf8;
    bool color;
    const char *no_color_reason;
    SCREEN *scr;
    int saved_stderr; /* -1: not redirected */
    char *stderr_path;
    bool atexit_done;
} crt = { .saved_stderr = -1 };

static void redirect_stderr(void)
{
    const char *dir = path_state_dir(true);
    int fd;

    if (!dir)
        return;
    free(crt.stderr_path);
    crt.stderr_path = xasprintf("%s/console-stderr.log", dir);
    fd = open(crt.stderr_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    fflush(stderr);
    crt.saved_stderr = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
    if (crt.saved_stderr < 0 || dup2(fd, STDERR_FILENO) < 0) {
        if (crt.saved_stderr >= 0)
            close(crt.saved_stderr);
        crt.saved_stderr = -1;
    }
    close(fd);
}

/* Give stderr back and show what was written to it meanwhile (at most 64 KiB). */
static void restore_stderr(void)
{
    char buf[4096];
    int fd;
    size_t total = 0;
    ssize_t n;

    if (crt.saved_stderr < 0)
        return;
    fflush(stderr);
    dup2(crt.saved_stderr, STDERR_FILENO);
    close(crt.saved_stderr);
    crt.saved_stderr = -1;
    fd = open(crt.stderr_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    while (total < 64 * 1024 && (n = read(fd, buf, sizeof(buf))) > 0) {
        if (write(STDERR_FILENO, buf, (size_t)n) < 0)
            break;
        total += (size_t)n;
    }
    close(fd);
}

void crt_done(void)
{
    if (crt.active) {
        crt.active = false;
        curs_set(1);
        endwin();
        fflush(stdout);
    }
    restore_stderr();
}

static void crt_atexit(void)
{
    crt_done();
    if (crt.scr) {
        delscreen(crt.scr);
        crt.scr = NULL;
    }
    free(crt.stderr_path);
    crt.stderr_path = NULL;
}

int crt_init(struct lb_err *err)
{
    const char *no_color = getenv("NO_COLOR");
    const char *term = getenv("TERM");

    crt.utf8 = glyph_codeset_is_utf8(nl_langinfo(CODESET));
    glyph_set_utf8(crt.utf8);
    if (!crt.atexit_done) {
        atexit(crt_atexit);
        xalloc_set_oom_hook(crt_done);
        crt.atexit_done = true;
    }
    if (!crt.scr) {
        crt.scr = newterm(NULL, stdout, stdin);
        if (!crt.scr)
            return lb_err_set(err, LB_EIO,
                              "cannot use the terminal '%s': unknown to terminfo? "
                              "(try TERM=xterm-256color)",
                              term ? term : "(TERM not set)");
    }
    redirect_stderr();
    set_term(crt.scr);
    crt.active = true;
    cbreak();
    noecho();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    intrflush(stdscr, FALSE);
    set_escdelay(25);
    curs_set(0);
    crt.color = false;
    crt.no_color_reason = NULL;
    if (no_color && *no_color) {
        crt.no_color_reason = "NO_COLOR is set";
    } else if (!has_colors()) {
        crt.no_color_reason = "the terminal has no colours";
    } else {
        start_color();
        use_default_colors();
        crt.color = true;
    }
    return 0;
}

bool crt_active(void)
{
    return crt.active;
}

bool crt_utf8(void)
{
    return crt.utf8;
}

bool crt_color(void)
{
    return crt.color;
}

const char *crt_no_color_reason(void)
{
    return crt.no_color_reason;
}

int crt_read_key(int *key)
{
    wint_t wc;
    int r = wget_wch(stdscr, &wc);

    if (r == ERR)
        return -1;
    *key = (r == KEY_CODE_YES) ? KEYF((int)wc) : (int)wc;
    return 0;
}

int crt_dump(const char *path)
{
    char *tmp = xasprintf("%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    int rc = 0;

    if (!f) {
        free(tmp);
        return -1;
    }
    for (int y = 0; y < LINES; y++) {
        char line[4096];
        size_t used = 0;
        size_t keep = 0;

        for (int x = 0; x < COLS && used + 8 < sizeof(line); x++) {
            cchar_t cc;
            wchar_t wch[16];
            attr_t attrs;
            short pair;
            mbstate_t st;
            char mb[16];
            size_t n;

            if (mvin_wch(y, x, &cc) == ERR)
                break;
            if (getcchar(&cc, wch, &attrs, &pair, NULL) == ERR || !wch[0])
                continue; /* the right half of a wide character */
            memset(&st, 0, sizeof(st));
            n = wcrtomb(mb, wch[0], &st);
            if (n == (size_t)-1) {
                mb[0] = '?';
                n = 1;
            }
            memcpy(line + used, mb, n);
            used += n;
            if (wch[0] != L' ')
                keep = used;
        }
        line[keep] = '\0';
        if (fprintf(f, "%s\n", line) < 0)
            rc = -1;
    }
    if (fclose(f) != 0)
        rc = -1;
    if (rc == 0 && rename(tmp, path) < 0)
        rc = -1;
    if (rc < 0)
        unlink(tmp);
    free(tmp);
    return rc;
}
