/*
 * The screen manager: screen table, dispatch of keys to actions and
 * reactions, the chrome (header, tabs, status line, function bar), the help
 * overlay, the prompt, and the one render pass.
 */
#include "tui/screen.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/app.h"
#include "backend/base/clock.h"
#include "backend/base/str.h"
#include "backend/base/xalloc.h"
#include "tui/crt.h"
#include "tui/fmt.h"
#include "tui/glyph.h"
#include "tui/keymap.h"
#include "tui/prompt.h"
#include "tui/scr_runs.h"
#include "tui/provide_curses.h"
#include "tui/theme.h"

/* Every screen, in tab order. A new screen is one scr_*.c and one line here. */
static const struct screen_ops *const screen_table[] = {
    &scr_overview_ops,
    &scr_schedule_ops,
    &scr_runs_ops,
    &scr_disks_ops,
    &scr_retention_ops,
    &scr_snapshots_ops,
    &scr_drills_ops,
};
#define NSCREENS (sizeof(screen_table) / sizeof(screen_table[0]))

#define MESSAGE_MS       5000
#define ERROR_MESSAGE_MS 15000
#define HELP_MAX         64

enum prompt_kind { PK_NONE, PK_COMMAND, PK_FILTER, PK_CONFIRM_QUIT, PK_ASK };

struct screen_slot {
    const struct screen_ops *ops;
    void *st;
    struct keymap keymap;
    char filter[PROMPT_MAX];
};

struct screen_mgr {
    struct app *app;
    const char *hostname;
    screen_command_fn command;
    void *command_arg;
    struct keymap global;
    struct screen_slot slots[NSCREENS];
    size_t current;

    struct prompt prompt;
    enum prompt_kind prompt_kind;

    bool help_open;
    int help_scroll;

    char message[512];
    bool message_error;
    int64_t message_until; /* monotonic ms; 0: no message */
};

bool screen_mgr_work_running(const struct app *app)
{
    size_t i, refreshing = 0;
    struct repo_view *rv;

    vec_foreach(&app->repos, i, rv) {
        if (rv->refreshing)
            refreshing++;
    }
    return app->busy > (int)refreshing;
}

struct screen_mgr *screen_mgr_new(struct app *app, const char *hostname, screen_command_fn cmd,
                                  void *cmd_arg)
{
    struct screen_mgr *mgr = xcalloc(1, sizeof(*mgr));

    mgr->app = app;
    mgr->hostname = hostname;
    mgr->command = cmd;
    mgr->command_arg = cmd_arg;
    keymap_init(&mgr->global, "global", NULL);
    keymap_load_defaults(&mgr->global);
    for (size_t i = 0; i < NSCREENS; i++) {
        struct screen_slot *s = &mgr->slots[i];

        s->ops = screen_table[i];
        keymap_init(&s->keymap, s->ops->name, &mgr->global);
        keymap_load_defaults(&s->keymap);
        s->st = s->ops->create(app);
    }
    return mgr;
}

void screen_mgr_free(struct screen_mgr *mgr)
{
    if (!mgr)
        return;
    for (size_t i = 0; i < NSCREENS; i++) {
        mgr->slots[i].ops->destroy(mgr->slots[i].st);
        keymap_release(&mgr->slots[i].keymap);
    }
    keymap_release(&mgr->global);
    free(mgr);
}

static struct screen_slot *cur(struct screen_mgr *mgr)
{
    return &mgr->slots[mgr->current];
}

void screen_mgr_message(struct screen_mgr *mgr, bool error, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(mgr->message, sizeof(mgr->message), fmt, ap);
    va_end(ap);
    str_sanitize(mgr->message);
    mgr->message_error = error;
    mgr->message_until = clock_mono_ms() + (error ? ERROR_MESSAGE_MS : MESSAGE_MS);
}

bool screen_mgr_switch(struct screen_mgr *mgr, int number)
{
    for (size_t i = 0; i < NSCREENS; i++) {
        if (mgr->slots[i].ops->number == number) {
            mgr->current = i;
            mgr->help_open = false;
            return true;
        }
    }
    return false;
}

void screen_mgr_show_help(struct screen_mgr *mgr)
{
    mgr->help_open = true;
    mgr->help_scroll = 0;
}

static const char *screen_title_of(int number)
{
    static const char *const titles[] = { "Overview",  "Schedule",  "Runs",  "Disks",
                                          "Retention", "Snapshots", "Drills" };

    return number >= 1 && number <= 7 ? titles[number - 1] : "?";
}

/* Help text of an action on the current screen, or NULL to leave it out. */
static const char *describe(enum action a, void *arg)
{
    struct screen_mgr *mgr = arg;
    int number = action_screen_number(a);
    static char buf[NSCREENS][64];

    if (number) {
        for (size_t i = 0; i < NSCREENS; i++) {
            if (mgr->slots[i].ops->number == number) {
                snprintf(buf[i], sizeof(buf[i]), "screen %d: %s", number, mgr->slots[i].ops->title);
                return buf[i];
            }
        }
        return NULL; /* not built yet */
    }
    if (a == ACTION_FILTER && !cur(mgr)->ops->set_filter)
        return NULL;
    if ((a == ACTION_SCREEN_NEXT || a == ACTION_SCREEN_PREV) && NSCREENS < 2)
        return NULL;
    return action_info(a)->help;
}

static unsigned run_prompt_key(struct screen_mgr *mgr, int key, const struct screen_ctx *ctx)
{
    struct screen_slot *s = cur(mgr);
    enum prompt_result r;
    char line[PROMPT_MAX];

    if (mgr->prompt_kind == PK_CONFIRM_QUIT) {
        prompt_close(&mgr->prompt);
        mgr->prompt_kind = PK_NONE;
        if (key == 'y' || key == 'Y')
            return REACT_QUIT;
        screen_mgr_message(mgr, false, "not quitting");
        return REACT_REDRAW;
    }
    r = prompt_key(&mgr->prompt, key);
    switch (mgr->prompt_kind) {
    case PK_FILTER:
        if (r == PROMPT_CANCELLED) {
            s->filter[0] = '\0';
            s->ops->set_filter(s->st, "");
        } else {
            str_copy(s->filter, sizeof(s->filter), mgr->prompt.text);
            s->ops->set_filter(s->st, s->filter);
        }
        break;
    case PK_COMMAND:
        if (r == PROMPT_DONE) {
            str_copy(line, sizeof(line), mgr->prompt.text);
            prompt_close(&mgr->prompt);
            mgr->prompt_kind = PK_NONE;
            return REACT_REDRAW | (mgr->command ? mgr->command(mgr, line, mgr->command_arg) : 0);
        }
        break;
    case PK_ASK: /* the screen's question: the line goes back to it */
        if (r != PROMPT_EDITING) {
            str_copy(line, sizeof(line), mgr->prompt.text);
            prompt_close(&mgr->prompt);
            mgr->prompt_kind = PK_NONE;
            return REACT_REDRAW | (s->ops->answer(s->st, r == PROMPT_DONE ? line : NULL, ctx) &
                                   ~(unsigned)(REACT_HANDLED | REACT_ASK));
        }
        break;
    default:
        break;
    }
    if (r != PROMPT_EDITING) {
        prompt_close(&mgr->prompt);
        mgr->prompt_kind = PK_NONE;
    }
    return REACT_REDRAW;
}

static unsigned help_key(struct screen_mgr *mgr, enum action a)
{
    switch (a) {
    case ACTION_MOVE_DOWN:
    case ACTION_PAGE_DOWN:
        mgr->help_scroll += a == ACTION_MOVE_DOWN ? 1 : 10;
        return REACT_REDRAW;
    case ACTION_MOVE_UP:
    case ACTION_PAGE_UP:
        mgr->help_scroll -= a == ACTION_MOVE_UP ? 1 : 10;
        if (mgr->help_scroll < 0)
            mgr->help_scroll = 0;
        return REACT_REDRAW;
    case ACTION_MOVE_FIRST:
        mgr->help_scroll = 0;
        return REACT_REDRAW;
    default:
        break;
    }
    mgr->help_open = false;
    if (a == ACTION_QUIT || a == ACTION_BACK || a == ACTION_HELP || a == ACTION_ENTER)
        return REACT_REDRAW | REACT_HANDLED;
    return REACT_REDRAW; /* closed; the action still runs */
}

static unsigned global_action(struct screen_mgr *mgr, enum action a, int key)
{
    struct screen_slot *s = cur(mgr);
    int number = action_screen_number(a);
    char kname[16];

    if (number) {
        if (!screen_mgr_switch(mgr, number))
            screen_mgr_message(mgr, false, "screen %d (%s) is not in this version yet", number,
                               screen_title_of(number));
        return REACT_REDRAW;
    }
    switch (a) {
    case ACTION_SCREEN_NEXT:
        mgr->current = (mgr->current + 1) % NSCREENS;
        return REACT_REDRAW;
    case ACTION_SCREEN_PREV:
        mgr->current = (mgr->current + NSCREENS - 1) % NSCREENS;
        return REACT_REDRAW;
    case ACTION_HELP:
        screen_mgr_show_help(mgr);
        return REACT_REDRAW;
    case ACTION_COMMAND:
        prompt_open(&mgr->prompt, ":", "");
        mgr->prompt_kind = PK_COMMAND;
        return REACT_REDRAW;
    case ACTION_FILTER:
        if (!s->ops->set_filter) {
            screen_mgr_message(mgr, false, "the %s screen has no filter", s->ops->title);
            return REACT_REDRAW;
        }
        prompt_open(&mgr->prompt, "/", s->filter);
        mgr->prompt_kind = PK_FILTER;
        return REACT_REDRAW;
    case ACTION_BACK:
        if (s->filter[0] && s->ops->set_filter) {
            s->filter[0] = '\0';
            s->ops->set_filter(s->st, "");
            screen_mgr_message(mgr, false, "filter cleared");
        }
        return REACT_REDRAW;
    case ACTION_REFRESH:
        screen_mgr_message(mgr, false, "refreshing every repository");
        return REACT_REFRESH_DATA | REACT_REDRAW;
    case ACTION_THEME_NEXT:
        return REACT_NEXT_THEME | REACT_REDRAW;
    case ACTION_QUIT:
        if (screen_mgr_work_running(mgr->app)) {
            prompt_open(&mgr->prompt, "work is running; quit anyway? (y/n)", "");
            mgr->prompt_kind = PK_CONFIRM_QUIT;
            return REACT_REDRAW;
        }
        return REACT_QUIT;
    case ACTION_REDRAW:
        return REACT_RELAYOUT;
    case ACTION_NONE:
        if (key > 0x20 && key < ACTION_KEY_FN && key != 0x7f)
            screen_mgr_message(mgr, false, "%s does nothing here: ? shows the keys",
                               keymap_key_name(key, kname, sizeof(kname)));
        return REACT_REDRAW;
    default:
        return REACT_NONE;
    }
}

/* A handler asked for a line of text (REACT_ASK): open the prompt with its question. */
static unsigned take_ask(struct screen_mgr *mgr, unsigned r)
{
    struct screen_slot *s = cur(mgr);
    char question[sizeof(mgr->prompt.prefix)] = "";

    if (!(r & REACT_ASK))
        return r;
    if (s->ops->ask && s->ops->answer) {
        s->ops->ask(s->st, question, sizeof(question));
        prompt_open(&mgr->prompt, question, "");
        mgr->prompt_kind = PK_ASK;
    }
    return (r & ~(unsigned)REACT_ASK) | REACT_REDRAW;
}

unsigned screen_mgr_key(struct screen_mgr *mgr, int key, const struct screen_ctx *ctx)
{
    struct screen_slot *s = cur(mgr);
    enum action a;
    unsigned r;

    if (key == KEYF(KEY_RESIZE))
        return REACT_RELAYOUT;
    if (mgr->prompt.active)
        return run_prompt_key(mgr, key, ctx);
    a = keymap_lookup(&s->keymap, key);
    if (COLS < SCREEN_MIN_COLS || LINES < SCREEN_MIN_LINES) {
        /* only leaving and redrawing make sense on the too-small screen */
        if (a == ACTION_QUIT)
            return REACT_QUIT;
        return a == ACTION_REDRAW ? REACT_RELAYOUT : REACT_NONE;
    }
    if (!mgr->help_open && s->ops->on_key) {
        r = s->ops->on_key(s->st, key, ctx);
        if (r & REACT_HANDLED)
            return (r & ~(unsigned)REACT_HANDLED) | REACT_REDRAW;
    }
    if (mgr->help_open) {
        r = help_key(mgr, a);
        if (r & REACT_HANDLED)
            return r & ~(unsigned)REACT_HANDLED;
    }
    if (a != ACTION_NONE && s->ops->on_action) {
        r = take_ask(mgr, s->ops->on_action(s->st, a, ctx));
        if (r & REACT_HANDLED)
            return (r & ~(unsigned)REACT_HANDLED) | REACT_REDRAW;
    }
    return global_action(mgr, a, key);
}

unsigned screen_mgr_model_changed(struct screen_mgr *mgr, unsigned flags,
                                  const struct screen_ctx *ctx)
{
    unsigned r = REACT_REDRAW;

    if ((flags & APP_CHANGED_MESSAGE) && mgr->app->message[0])
        screen_mgr_message(mgr, mgr->app->message_is_error, "%s", mgr->app->message);
    for (size_t i = 0; i < NSCREENS; i++) {
        struct screen_slot *s = &mgr->slots[i];

        if (s->ops->on_change)
            r |= s->ops->on_change(s->st, flags, ctx);
    }
    return r & ~(unsigned)REACT_HANDLED;
}

/* ---- drawing ---- */

static void draw_too_small(void)
{
    char lines[3][128];
    int y = LINES / 2 - 1;

    erase();
    snprintf(lines[0], sizeof(lines[0]), "terminal too small: %dx%d", COLS, LINES);
    snprintf(lines[1], sizeof(lines[1]), "lifeboat needs at least %dx%d", SCREEN_MIN_COLS,
             SCREEN_MIN_LINES);
    snprintf(lines[2], sizeof(lines[2]), "enlarge the window, or q to quit");
    for (int i = 0; i < 3; i++) {
        int w = draw_width(lines[i]);
        int x = w < COLS ? (COLS - w) / 2 : 0;

        draw_text(y + i < 0 ? 0 : y + i, x, COLS - x,
                  theme_attr(i == 0   ? EL_ERROR
                             : i == 1 ? EL_NORMAL
                                      : EL_DIM),
                  lines[i]);
    }
}

/* Counts of problems by severity. */
static void count_problems(const struct app *app, time_t now, int *warn, int *crit, int *unknown)
{
    struct app_problem probs[64];
    size_t n = app_problems(app, now, probs, 64);
    size_t i;
    struct repo_view *rv;

    *warn = *crit = *unknown = 0;
    for (i = 0; i < n && i < 64; i++) {
        if (probs[i].severity == HEALTH_CRIT)
            (*crit)++;
        else
            (*warn)++;
    }
    vec_foreach(&app->repos, i, rv) {
        if (rv->state == REPO_UNKNOWN)
            (*unknown)++;
    }
}

static void draw_header(struct screen_mgr *mgr, const struct screen_ctx *ctx)
{
    char left[160], mid[96], right[96], t[32];
    int warn, crit, unknown, lw, mw, rw, x;
    enum theme_el mel;
    struct tm tm;
    time_t last = mgr->app->last_refresh;

    draw_fill(0, 0, COLS, theme_attr(EL_TITLE));
    snprintf(left, sizeof(left), " lifeboat %s %s", glyph(G_SEP), mgr->hostname);
    count_problems(mgr->app, ctx->now, &warn, &crit, &unknown);
    if (crit) {
        snprintf(mid, sizeof(mid), "%s %d critical %s %d warning%s", glyph(G_CRIT), crit,
                 glyph(G_SEP), warn, warn == 1 ? "" : "s");
        mel = EL_STATUS_CRIT;
    } else if (warn) {
        snprintf(mid, sizeof(mid), "%s %d warning%s %s 0 critical", glyph(G_WARN), warn,
                 warn == 1 ? "" : "s", glyph(G_SEP));
        mel = EL_STATUS_WARN;
    } else if (unknown && (size_t)unknown == mgr->app->repos.len) {
        snprintf(mid, sizeof(mid), "%s not read yet", glyph(G_UNKNOWN));
        mel = EL_STATUS_UNKNOWN;
    } else if (!mgr->app->repos.len) {
        snprintf(mid, sizeof(mid), "no repository configured");
        mel = EL_STATUS_UNKNOWN;
    } else if (unknown) {
        /* some copies are fine, the others not read yet: don't call them all fresh */
        snprintf(mid, sizeof(mid), "%s %d of %zu not read yet", glyph(G_UNKNOWN), unknown,
                 mgr->app->repos.len);
        mel = EL_STATUS_UNKNOWN;
    } else {
        snprintf(mid, sizeof(mid), "%s all copies fresh", glyph(G_OK));
        mel = EL_STATUS_OK;
    }
    if (last) {
        localtime_r(&last, &tm);
        strftime(t, sizeof(t), "%H:%M:%S", &tm);
    }
    lw = draw_width(left);
    mw = draw_width(mid);
    /* the right side, shortened until everything fits: "? help" goes first */
    for (int form = 0; form < 3; form++) {
        const char *spin = mgr->app->busy ? glyph(G_SPIN) : " ";

        if (form == 0)
            snprintf(right, sizeof(right), "%s %s %s  ? help ", last ? "updated" : "cached",
                     last ? t : "figures", spin);
        else if (form == 1)
            snprintf(right, sizeof(right), "%s %s %s ", last ? "updated" : "cached",
                     last ? t : "figures", spin);
        else
            snprintf(right, sizeof(right), "%s %s ", last ? t : "cached", spin);
        rw = draw_width(right);
        if (lw + 2 + mw + 2 + rw <= COLS)
            break;
    }
    draw_text(0, 0, COLS, theme_attr(EL_TITLE), left);
    x = (COLS - mw) / 2;
    if (x < lw + 2)
        x = lw + 2;
    if (x + mw + 2 > COLS - rw)
        x = COLS - rw - 2 - mw;
    if (x < lw + 2)
        x = lw + 2;
    draw_text(0, x, COLS - rw - 1 - x, theme_attr(mel), mid);
    x = COLS - rw;
    draw_text(0, x, rw, theme_attr(EL_TITLE), right);
    if (mgr->app->busy) {
        /* the spinner in its own colour */
        const char *spin = strstr(right, glyph(G_SPIN));

        if (spin) {
            char head[96];

            str_copy(head, sizeof(head), right);
            head[spin - right] = '\0';
            draw_text(0, x + draw_width(head), draw_width(glyph(G_SPIN)), theme_attr(EL_SPINNER),
                      glyph(G_SPIN));
        }
    }
}

static void draw_tabs(struct screen_mgr *mgr)
{
    int x = 1;
    char label[64];
    struct screen_slot *s = cur(mgr);

    draw_fill(1, 0, COLS, theme_attr(EL_TAB));
    for (size_t i = 0; i < NSCREENS; i++) {
        const struct screen_ops *ops = mgr->slots[i].ops;

        snprintf(label, sizeof(label), " %d %s ", ops->number, ops->title);
        x += draw_text(1, x, COLS - x, theme_attr(i == mgr->current ? EL_TAB_ACTIVE : EL_TAB),
                       label);
        x += 1;
    }
    if (s->filter[0]) {
        char f[PROMPT_MAX + 16];
        int fw;

        snprintf(f, sizeof(f), "filter: %s ", s->filter);
        fw = draw_width(f);
        if (fw > COLS / 2)
            fw = COLS / 2;
        draw_text(1, COLS - fw - 1, fw, theme_attr(EL_PROMPT), f);
    }
}

static void draw_status(struct screen_mgr *mgr, const struct screen_ctx *ctx)
{
    int y = LINES - 2, rw = 0;
    char right[128] = "";
    size_t i, refreshing = 0;
    int64_t oldest = 0;
    struct repo_view *rv;

    draw_fill(y, 0, COLS, theme_attr(EL_NORMAL));
    vec_foreach(&mgr->app->repos, i, rv) {
        if (rv->refreshing) {
            refreshing++;
            if (!oldest || rv->refresh_started_ms < oldest)
                oldest = rv->refresh_started_ms;
        }
    }
    if ((rw = runs_draw_status(mgr->app, y, COLS, ctx)) > 0) {
        /* a run's progress wins the right end (scr_runs.c) */
    } else if (refreshing) {
        snprintf(right, sizeof(right), "%s refreshing %zu of %zu repos %s %llds ", glyph(G_SPIN),
                 refreshing, mgr->app->repos.len, glyph(G_SEP),
                 (long long)((ctx->now_ms - oldest) / 1000));
    } else if (mgr->app->busy) {
        snprintf(right, sizeof(right), "%s working ", glyph(G_SPIN));
    }
    if (right[0]) {
        rw = draw_width(right);
        draw_text(y, COLS - rw, rw, theme_attr(EL_SPINNER), right);
    }
    if (mgr->prompt.active) {
        int x = draw_text(y, 0, COLS - rw - 1, theme_attr(EL_PROMPT), mgr->prompt.prefix);

        if (mgr->prompt_kind == PK_CONFIRM_QUIT)
            x += draw_text(y, x, 1, theme_attr(EL_NORMAL), " ");
        x += draw_text(y, x, COLS - rw - 2 - x, theme_attr(EL_NORMAL), mgr->prompt.text);
        draw_text(y, x, 1, theme_attr(EL_SELECTION), " "); /* the cursor */
    } else if (mgr->message_until && clock_mono_ms() < mgr->message_until) {
        draw_text(y, 1, COLS - rw - 2, theme_attr(mgr->message_error ? EL_ERROR : EL_MESSAGE),
                  mgr->message);
    }
}

static void draw_fbar(struct screen_mgr *mgr)
{
    struct fbar_item items[16];
    size_t n = keymap_fbar(&cur(mgr)->keymap, items, 16);
    int y = LINES - 1, x = 0;

    draw_fill(y, 0, COLS, theme_attr(EL_FBAR_LABEL));
    for (size_t i = 0; i < n && i < 16; i++) {
        int kw = draw_width(items[i].key), lw = draw_width(items[i].label) + 1;

        if (items[i].action == ACTION_FILTER && !cur(mgr)->ops->set_filter)
            continue;
        if (x + kw + 1 + lw > COLS)
            break;
        x += draw_text(y, x, kw + 1, theme_attr(EL_FBAR_KEY), items[i].key);
        x += draw_text(y, x, 1, theme_attr(EL_FBAR_KEY), " ");
        x += draw_text(y, x, lw, theme_attr(EL_FBAR_LABEL), items[i].label);
        x += draw_text(y, x, 1, theme_attr(EL_FBAR_LABEL), " ");
    }
}

static void draw_help(struct screen_mgr *mgr)
{
    struct help_line lines[HELP_MAX];
    size_t n = keymap_help(&cur(mgr)->keymap, describe, mgr, lines, HELP_MAX);
    int w = 64, h, kw = 0, rows;
    struct rect r;
    char title[64];

    if (n > HELP_MAX)
        n = HELP_MAX;
    for (size_t i = 0; i < n; i++)
        if (draw_width(lines[i].keys) > kw)
            kw = draw_width(lines[i].keys);
    if (w > COLS - 4)
        w = COLS - 4;
    h = (int)n + 4;
    if (h > LINES - 4)
        h = LINES - 4;
    rows = h - 4;
    if (mgr->help_scroll > (int)n - rows)
        mgr->help_scroll = (int)n - rows > 0 ? (int)n - rows : 0;
    r = (struct rect){ (LINES - h) / 2, (COLS - w) / 2, h, w };
    draw_clear(r, theme_attr(EL_NORMAL));
    snprintf(title, sizeof(title), "keys %s %s", glyph(G_SEP), cur(mgr)->ops->title);
    draw_box(r, theme_attr(EL_BORDER), title, theme_attr(EL_PANEL_TITLE));
    for (int i = 0; i < rows && mgr->help_scroll + i < (int)n; i++) {
        const struct help_line *hl = &lines[mgr->help_scroll + i];

        draw_text(r.y + 1 + i, r.x + 2, kw, theme_attr(EL_HELP_KEY), hl->keys);
        draw_text(r.y + 1 + i, r.x + 4 + kw, r.w - kw - 6, theme_attr(EL_NORMAL), hl->text);
    }
    draw_text(r.y + h - 2, r.x + 2, r.w - 4, theme_attr(EL_DIM),
              (int)n > rows ? "Esc closes; j/k scroll" : "Esc closes");
}

void screen_mgr_render(struct screen_mgr *mgr, const struct screen_ctx *ctx)
{
    struct screen_slot *s = cur(mgr);
    struct rect area;

    if (COLS < SCREEN_MIN_COLS || LINES < SCREEN_MIN_LINES) {
        draw_too_small();
    } else {
        erase();
        draw_header(mgr, ctx);
        draw_tabs(mgr);
        area = (struct rect){ 2, 0, LINES - 4, COLS };
        s->ops->draw(s->st, area, ctx);
        if (mgr->help_open)
            draw_help(mgr);
        draw_status(mgr, ctx);
        draw_fbar(mgr);
    }
    wnoutrefresh(stdscr);
    doupdate();
}

int64_t screen_mgr_next_tick_ms(const struct screen_mgr *mgr, const struct screen_ctx *ctx)
{
    int64_t tick = mgr->app->busy ? 250 : 1000;

    int64_t now = clock_mono_ms();

    (void)ctx;
    if (mgr->message_until && mgr->message_until > now && mgr->message_until - now < tick)
        tick = mgr->message_until - now;
    return tick < 10 ? 10 : tick;
}
