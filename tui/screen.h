#ifndef LIFEBOAT_TUI_SCREEN_H
#define LIFEBOAT_TUI_SCREEN_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "tui/action.h"
#include "tui/draw.h"

/*
 * The screen manager: the screens (one file each, scr_*.c, listed in one
 * table in screen.c), their keymaps, the chrome around them (header, tab
 * bar, status line, function bar), the help overlay and the prompt.
 *
 * Handlers never draw: they return reactions and the manager (or tui.c, for
 * the ones that touch the engine or the terminal) acts on them. Drawing
 * happens in screen_mgr_render(), once per loop turn at most.
 */

struct app;

enum reaction {
    REACT_NONE = 0,
    REACT_REDRAW = 1 << 0,       /* something on screen changed */
    REACT_RELAYOUT = 1 << 1,     /* sizes changed: clear and draw everything */
    REACT_REFRESH_DATA = 1 << 2, /* ask the engine for fresh data now */
    REACT_QUIT = 1 << 3,         /* leave the console */
    REACT_NEXT_THEME = 1 << 4,   /* switch to the next theme */
    REACT_HANDLED = 1 << 5,      /* the screen consumed the action */
    REACT_ASK = 1 << 6,          /* open the prompt for a line of text (screen_ops.ask) */
};

/* What handlers and draw functions may read (borrowed for the call). */
struct screen_ctx {
    struct app *app;
    time_t now;     /* wall clock */
    int64_t now_ms; /* loop's monotonic clock (refresh ages) */
};

/* One screen; a const instance per scr_*.c with designated initialisers. */
struct screen_ops {
    const char *name;  /* its keymap's name and id: "overview" */
    const char *title; /* "Overview" */
    int number;        /* 1..7: its key and tab position */
    void *(*create)(struct app *app);
    void (*destroy)(void *st);
    void (*draw)(void *st, struct rect area, const struct screen_ctx *ctx);
    /* An action the manager did not take itself first; REACT_HANDLED if used. */
    unsigned (*on_action)(void *st, enum action a, const struct screen_ctx *ctx);
    /* The model changed (enum app_change flags). Optional. */
    unsigned (*on_change)(void *st, unsigned app_flags, const struct screen_ctx *ctx);
    /*
     * A line of free text (an acknowledgement note): after a handler returned
     * REACT_ASK the manager opens the prompt with the question ask() writes
     * (at most n bytes) and hands the line to answer() on Enter, NULL on Esc.
     * Optional; a screen that returns REACT_ASK sets both.
     */
    void (*ask)(void *st, char *question, size_t n);
    unsigned (*answer)(void *st, const char *text, const struct screen_ctx *ctx);
    /* Live filter text ("" clears it). NULL: the screen has no filter. */
    void (*set_filter)(void *st, const char *text);
    /*
     * A raw key before it becomes an action (a screen's own text input);
     * REACT_HANDLED if it took the key. Optional.
     */
    unsigned (*on_key)(void *st, int key, const struct screen_ctx *ctx);
};

extern const struct screen_ops scr_overview_ops;
extern const struct screen_ops scr_drills_ops;
extern const struct screen_ops scr_schedule_ops;
extern const struct screen_ops scr_runs_ops;
extern const struct screen_ops scr_disks_ops;
extern const struct screen_ops scr_retention_ops;
extern const struct screen_ops scr_snapshots_ops;

struct screen_mgr;

/* Runs a `:` command line (without the colon); returns reactions. */
typedef unsigned (*screen_command_fn)(struct screen_mgr *mgr, const char *line, void *arg);

/* new; app and hostname borrowed for its lifetime. */
struct screen_mgr *screen_mgr_new(struct app *app, const char *hostname, screen_command_fn cmd,
                                  void *cmd_arg);
void screen_mgr_free(struct screen_mgr *mgr);

/* A key from the terminal; returns the reactions left for the caller. */
unsigned screen_mgr_key(struct screen_mgr *mgr, int key, const struct screen_ctx *ctx);
/* The engine's model changed (enum app_change flags). */
unsigned screen_mgr_model_changed(struct screen_mgr *mgr, unsigned flags,
                                  const struct screen_ctx *ctx);
/* A transient message in the status line (errors stay longer). */
void screen_mgr_message(struct screen_mgr *mgr, bool error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Show the help overlay (as `?` does). */
void screen_mgr_show_help(struct screen_mgr *mgr);
/* Switch to the screen with this number; false if there is none. */
bool screen_mgr_switch(struct screen_mgr *mgr, int number);
/* Does anything run that quitting would cut short (beyond read-only refreshes)? */
bool screen_mgr_work_running(const struct app *app);
/* Draw everything and update the terminal once. */
void screen_mgr_render(struct screen_mgr *mgr, const struct screen_ctx *ctx);
/* Milliseconds until the screen changes by itself (spinner, message expiry). */
int64_t screen_mgr_next_tick_ms(const struct screen_mgr *mgr, const struct screen_ctx *ctx);

/* Minimum terminal size. */
#define SCREEN_MIN_COLS  80
#define SCREEN_MIN_LINES 24

#endif
