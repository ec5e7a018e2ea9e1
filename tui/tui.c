/*
 * The console: wires the terminal, the theme, the screen manager and the
 * engine into the loop. Input is read when stdin is readable; handlers only
 * mark the screen dirty; the loop's before-sleep hook draws at most once per
 * turn (and at most every 100 ms while the model streams changes).
 */
#include "tui/tui.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/app.h"
#include "backend/base/clock.h"
#include "backend/base/log.h"
#include "backend/base/path.h"
#include "backend/base/str.h"
#include "backend/base/xalloc.h"
#include "backend/config.h"
#include "backend/loop.h"
#include "tui/crt.h"
#include "tui/provide_curses.h"
#include "tui/scr_runs.h"
#include "tui/screen.h"
#include "tui/theme.h"

#define RENDER_MIN_MS 100 /* at most ten frames a second while data streams */

struct tui {
    struct app *app;
    struct loop *loop;
    struct screen_mgr *mgr;
    char hostname[128];
    struct theme theme;
    bool dirty;    /* something to draw */
    bool urgent;   /* a key was pressed: draw on this turn */
    bool relayout; /* clear the terminal before drawing */
    bool stopping;
    int64_t last_render_ms;
    uint64_t throttle_timer;
    uint64_t tick_timer;
    const char *dump_path;
};

static const int watched_signals[] = { SIGINT, SIGTERM, SIGHUP };

/* ---- remembered choices (tui.state, not the config) ---- */

static char *state_path(bool create)
{
    const char *dir = path_state_dir(create);

    return dir ? xasprintf("%s/tui.state", dir) : NULL;
}

/*
 * The theme chosen with T or :theme last time, if it was chosen while the
 * config named the same theme it names now (an edited config wins).
 */
static bool prefs_theme(const char *config_theme, char *out, size_t n)
{
    char *path = state_path(false);
    FILE *f = path ? fopen(path, "r") : NULL;
    char line[256], theme[64] = "", cfg_theme[64] = "";
    bool found = false;

    free(path);
    if (!f)
        return false;
    while (fgets(line, sizeof(line), f)) {
        char *v;

        line[strcspn(line, "\n")] = '\0';
        if (str_starts_with(line, "theme ")) {
            v = str_trim(line + 6);
            str_copy(theme, sizeof(theme), v);
            found = true;
        } else if (str_starts_with(line, "config-theme ")) {
            v = str_trim(line + 13);
            str_copy(cfg_theme, sizeof(cfg_theme), v);
        }
    }
    fclose(f);
    if (!found || !theme[0] || strcmp(cfg_theme, config_theme ? config_theme : "") != 0)
        return false;
    str_copy(out, n, theme);
    return true;
}

static void prefs_save_theme(const struct tui *tui)
{
    char *path = state_path(true);
    char *tmp;
    FILE *f;
    const char *cfg_theme = tui->app->cfg ? tui->app->cfg->console.theme : NULL;

    if (!path)
        return;
    tmp = xasprintf("%s.tmp", path);
    f = fopen(tmp, "w");
    if (f) {
        fprintf(f, "# lifeboat console choices (written by the console)\n");
        fprintf(f, "theme %s\nconfig-theme %s\n", tui->theme.name, cfg_theme ? cfg_theme : "");
        if (fclose(f) == 0 && rename(tmp, path) == 0)
            tmp[0] = '\0';
    }
    if (tmp[0])
        unlink(tmp);
    free(tmp);
    free(path);
}

/* ---- drawing ---- */

static void ctx_now(const struct tui *tui, struct screen_ctx *ctx)
{
    ctx->app = tui->app;
    ctx->now = clock_now();
    ctx->now_ms = loop_now_ms(tui->loop);
}

static void render(struct tui *tui)
{
    struct screen_ctx ctx;

    ctx_now(tui, &ctx);
    if (tui->relayout) {
        clearok(curscr, TRUE);
        tui->relayout = false;
    }
    screen_mgr_render(tui->mgr, &ctx);
    if (tui->dump_path)
        crt_dump(tui->dump_path);
    tui->dirty = false;
    tui->urgent = false;
    tui->last_render_ms = clock_mono_ms();
}

static void on_throttle(struct loop *loop, void *arg)
{
    struct tui *tui = arg;

    (void)loop;
    tui->throttle_timer = 0; /* the before-sleep hook draws */
}

static void on_tick(struct loop *loop, void *arg)
{
    struct tui *tui = arg;
    struct screen_ctx ctx;

    ctx_now(tui, &ctx);
    tui->dirty = true;
    tui->tick_timer = loop_add_timer(loop, screen_mgr_next_tick_ms(tui->mgr, &ctx), on_tick, tui);
}

/* ---- themes ---- */

/* Load and use theme name; 0, or -1 with a message shown. */
static int use_theme(struct tui *tui, const char *name, bool quiet)
{
    struct theme t;
    struct vec problems = VEC_INIT(free);
    struct lb_err err = { 0 };

    if (theme_load(name, &t, &problems, &err) < 0) {
        if (!quiet)
            screen_mgr_message(tui->mgr, true, "%s", err.msg);
        vec_release(&problems);
        return -1;
    }
    tui->theme = t;
    theme_use(&tui->theme, crt_color());
    if (problems.len)
        screen_mgr_message(tui->mgr, true, "theme %s: %zu bad line%s, first: %s", t.name,
                           problems.len, problems.len == 1 ? "" : "s",
                           (const char *)problems.items[0]);
    else if (!quiet && !crt_color())
        screen_mgr_message(tui->mgr, false, "theme %s chosen; no colours here (%s)", t.name,
                           crt_no_color_reason() ? crt_no_color_reason() : "mono");
    else if (!quiet)
        screen_mgr_message(tui->mgr, false, "theme %s", t.name);
    vec_release(&problems);
    tui->relayout = true;
    return 0;
}

static void next_theme(struct tui *tui)
{
    const char *name = tui->theme.name;

    /* skip themes whose file is not installed */
    for (size_t i = 0; i < theme_builtin_count; i++) {
        name = theme_next_name(name);
        if (use_theme(tui, name, false) == 0) {
            prefs_save_theme(tui);
            return;
        }
    }
}

/* ---- commands ---- */

struct tui_command {
    const char *name;
    const char *usage;
    unsigned (*run)(struct tui *tui, struct screen_mgr *mgr, const char *args);
};

static unsigned cmd_refresh(struct tui *tui, struct screen_mgr *mgr, const char *args)
{
    (void)tui;
    (void)args;
    screen_mgr_message(mgr, false, "refreshing every repository");
    return REACT_REFRESH_DATA;
}

static unsigned cmd_theme(struct tui *tui, struct screen_mgr *mgr, const char *args)
{
    if (!*args) {
        screen_mgr_message(mgr, false, "theme %s (try :theme default|light|high-contrast|mono)",
                           tui->theme.name);
        return REACT_NONE;
    }
    if (use_theme(tui, args, false) == 0)
        prefs_save_theme(tui);
    return REACT_RELAYOUT;
}

static unsigned cmd_quit(struct tui *tui, struct screen_mgr *mgr, const char *args)
{
    (void)args;
    if (screen_mgr_work_running(tui->app)) {
        screen_mgr_message(mgr, true, "work is running: :quit! leaves anyway");
        return REACT_NONE;
    }
    return REACT_QUIT;
}

static unsigned cmd_quit_force(struct tui *tui, struct screen_mgr *mgr, const char *args)
{
    (void)tui;
    (void)mgr;
    (void)args;
    return REACT_QUIT;
}

static unsigned cmd_help(struct tui *tui, struct screen_mgr *mgr, const char *args)
{
    (void)tui;
    (void)args;
    screen_mgr_show_help(mgr);
    return REACT_NONE;
}

/* `:run JOB`: what s does on the Runs screen (it opens there, with the confirmation). */
static unsigned cmd_run(struct tui *tui, struct screen_mgr *mgr, const char *args)
{
    char why[320];

    (void)tui;
    if (!*args) {
        screen_mgr_message(mgr, true, "which job? :run JOB (a [job NAME] of the config)");
        return REACT_NONE;
    }
    if (!runs_ask_start(args, why, sizeof(why))) {
        screen_mgr_message(mgr, true, "%s", why);
        return REACT_NONE;
    }
    screen_mgr_switch(mgr, 3);
    return REACT_REDRAW;
}

/* The `:` commands. A new one is one function and one line here. */
static const struct tui_command commands[] = {
    { "refresh", "", cmd_refresh }, { "theme", " NAME", cmd_theme },
    { "help", "", cmd_help },       { "quit", "", cmd_quit },
    { "q", "", cmd_quit },          { "quit!", "", cmd_quit_force },
    { "q!", "", cmd_quit_force },
    { "run", " JOB", cmd_run },
};

static unsigned run_command(struct screen_mgr *mgr, const char *line, void *arg)
{
    struct tui *tui = arg;
    char buf[256];
    char *name, *args, *sp;

    str_copy(buf, sizeof(buf), line);
    name = str_trim(buf);
    if (!*name)
        return REACT_NONE;
    sp = strpbrk(name, " \t");
    if (sp) {
        *sp = '\0';
        args = str_trim(sp + 1);
    } else {
        args = name + strlen(name);
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (!strcmp(commands[i].name, name))
            return commands[i].run(tui, mgr, args);
    str_sanitize(name);
    screen_mgr_message(mgr, true,
                       "unknown command '%s': try :refresh, :run JOB, :theme NAME, :help or :quit",
                       name);
    return REACT_NONE;
}

/* ---- events ---- */

static void apply(struct tui *tui, unsigned r)
{
    if (r & (REACT_REDRAW | REACT_RELAYOUT | REACT_NEXT_THEME | REACT_REFRESH_DATA))
        tui->dirty = true;
    if (r & REACT_RELAYOUT)
        tui->relayout = true;
    if (r & REACT_NEXT_THEME)
        next_theme(tui);
    if (r & REACT_REFRESH_DATA)
        app_refresh(tui->app);
    if (r & REACT_QUIT) {
        tui->stopping = true;
        loop_stop(tui->loop);
    }
}

static void drain_input(struct tui *tui)
{
    int key, n = 0;
    struct screen_ctx ctx;

    /* bounded: a paste of thousands of keys still lets the loop breathe */
    while (!tui->stopping && n < 512 && crt_read_key(&key) == 0) {
        ctx_now(tui, &ctx);
        apply(tui, screen_mgr_key(tui->mgr, key, &ctx));
        tui->urgent = true;
        n++;
    }
}

static void on_input(struct loop *loop, int fd, int revents, void *arg)
{
    struct tui *tui = arg;

    (void)fd;
    if (revents & LOOP_ERROR) {
        /* the terminal went away (ssh dropped): nobody to show anything to */
        log_warn("console: terminal closed, leaving");
        tui->stopping = true;
        loop_stop(loop);
        return;
    }
    drain_input(tui);
}

static void on_signal(struct loop *loop, int signo, void *arg)
{
    struct tui *tui = arg;

    log_info("console: signal %d, leaving", signo);
    tui->stopping = true;
    loop_stop(loop);
}

/*
 * After the console: a second SIGHUP comes when the terminal's session leader
 * exits. The signal must not kill us before the caller has cleaned up (a
 * demo's rclone, children): it only stops the loop.
 */
static void on_late_signal(struct loop *loop, int signo, void *arg)
{
    (void)arg;
    log_info("signal %d after the console ended", signo);
    loop_stop(loop);
}

static void on_change(struct app *app, unsigned flags, void *arg)
{
    struct tui *tui = arg;
    struct screen_ctx ctx;

    (void)app;
    ctx_now(tui, &ctx);
    apply(tui, screen_mgr_model_changed(tui->mgr, flags, &ctx));
}

static void before_sleep(struct loop *loop, void *arg)
{
    struct tui *tui = arg;
    int64_t since;

    if (tui->stopping)
        return;
    /* a resize interrupts poll() without input: ncurses queued KEY_RESIZE */
    drain_input(tui);
    if (!tui->dirty || tui->stopping)
        return;
    since = clock_mono_ms() - tui->last_render_ms;
    if (tui->urgent || since >= RENDER_MIN_MS) {
        if (tui->throttle_timer) {
            loop_cancel_timer(loop, tui->throttle_timer);
            tui->throttle_timer = 0;
        }
        render(tui);
    } else if (!tui->throttle_timer) {
        tui->throttle_timer = loop_add_timer(loop, RENDER_MIN_MS - since, on_throttle, tui);
    }
}

/* ---- run ---- */

static void choose_theme(struct tui *tui)
{
    const char *cfg_theme = tui->app->cfg ? tui->app->cfg->console.theme : NULL;
    char remembered[64];

    if (prefs_theme(cfg_theme, remembered, sizeof(remembered)) &&
        use_theme(tui, remembered, true) == 0)
        return;
    if (cfg_theme && *cfg_theme && use_theme(tui, cfg_theme, false) == 0)
        return;
    use_theme(tui, "default", true);
}

int tui_run(struct app *app)
{
    struct tui tui;
    struct lb_err err = { 0 };
    const char *dump = getenv("LIFEBOAT_SCREEN_DUMP");
    size_t i;

    memset(&tui, 0, sizeof(tui));
    tui.app = app;
    tui.loop = app->loop;
    tui.dump_path = dump && *dump ? dump : NULL;
    if (gethostname(tui.hostname, sizeof(tui.hostname) - 1) < 0)
        str_copy(tui.hostname, sizeof(tui.hostname), "localhost");
    str_sanitize(tui.hostname);

    if (crt_init(&err) < 0) {
        fprintf(stderr, "lifeboat: %s\n", err.msg);
        return 2;
    }
    tui.mgr = screen_mgr_new(app, tui.hostname, run_command, &tui);
    theme_init_mono(&tui.theme, "mono");
    theme_use(&tui.theme, false);
    choose_theme(&tui);
    if (app->message[0])
        screen_mgr_message(tui.mgr, app->message_is_error, "%s", app->message);

    app->on_change = on_change;
    app->on_change_arg = &tui;
    loop_add_fd(tui.loop, STDIN_FILENO, LOOP_READ, on_input, &tui);
    for (i = 0; i < sizeof(watched_signals) / sizeof(watched_signals[0]); i++)
        loop_watch_signal(tui.loop, watched_signals[i], on_signal, &tui);
    loop_set_before_sleep(tui.loop, before_sleep, &tui);

    tui.dirty = tui.urgent = true;
    render(&tui);
    app_refresh(app);
    app_start_auto_refresh(app);
    tui.tick_timer = loop_add_timer(tui.loop, 250, on_tick, &tui);

    loop_run(tui.loop);

    /* leave: nothing may draw or call back into us from here on */
    tui.stopping = true;
    loop_set_before_sleep(tui.loop, NULL, NULL);
    app->on_change = NULL;
    app->on_change_arg = NULL;
    if (tui.tick_timer)
        loop_cancel_timer(tui.loop, tui.tick_timer);
    if (tui.throttle_timer)
        loop_cancel_timer(tui.loop, tui.throttle_timer);
    for (i = 0; i < sizeof(watched_signals) / sizeof(watched_signals[0]); i++) {
        /* hand over first, so the default action never comes back in between */
        loop_watch_signal(tui.loop, watched_signals[i], on_late_signal, NULL);
        loop_unwatch_signal(tui.loop, watched_signals[i], on_signal, &tui);
    }
    loop_del_fd(tui.loop, STDIN_FILENO);
    crt_done();
    app_cancel_all(app);
    screen_mgr_free(tui.mgr);
    return 0;
}
