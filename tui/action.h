#ifndef LIFEBOAT_TUI_ACTION_H
#define LIFEBOAT_TUI_ACTION_H

#include <stdbool.h>
#include <stddef.h>

#include "tui/provide_curses.h"

/*
 * Keys become actions before anyone acts on them. One table holds each
 * action's name (for :bind and scripts), the keymap its default keys go to
 * ("global" or a screen's name), its function-bar label (NULL: not in the
 * bar), its help text and its default keys. It generates the enum, the help
 * overlay and the function bar (after tig's REQ_INFO).
 *
 * Keys are ints: a character is its Unicode code point, a curses function
 * key is KEYF(KEY_x), a control key is KEYC('l').
 */
#define ACTION_KEY_FN 0x110000 /* above every Unicode code point */
#define KEYF(k)       (ACTION_KEY_FN + (k))
#define KEYC(c)       ((c)&0x1f)
#define KEY_ESC       27

/* X(ID, "name", "keymap", "fbar label", "help", default keys...) */
#define ACTION_INFO(X)                                                                            \
    X(HELP, "help", "global", "help", "show every key of this screen", '?', KEYF(KEY_F(1)))       \
    X(ENTER, "enter", "global", "detail", "open the detail of the selected row", '\n', '\r',      \
      KEYF(KEY_ENTER))                                                                            \
    X(BACK, "back", "global", NULL, "close the detail, help or prompt", KEY_ESC)                  \
    X(FILTER, "filter", "global", "filter", "filter the list by name", '/')                       \
    X(COMMAND, "command", "global", "cmd", "command line (:refresh, :theme NAME, :quit)", ':')    \
    X(REFRESH, "refresh", "global", "refresh", "refresh every repository now", 'r',               \
      KEYF(KEY_F(5)))                                                                             \
    X(THEME_NEXT, "theme-next", "global", "theme", "next colour theme (remembered)", 'T')         \
    X(QUIT, "quit", "global", "quit", "quit (asks only if something runs)", 'q', KEYF(KEY_F(10))) \
    X(MOVE_UP, "move-up", "global", NULL, "move up", KEYF(KEY_UP), 'k')                           \
    X(MOVE_DOWN, "move-down", "global", NULL, "move down", KEYF(KEY_DOWN), 'j')                   \
    X(PAGE_UP, "page-up", "global", NULL, "one page up", KEYF(KEY_PPAGE), KEYC('b'))              \
    X(PAGE_DOWN, "page-down", "global", NULL, "one page down", KEYF(KEY_NPAGE), KEYC('f'))        \
    X(MOVE_FIRST, "move-first", "global", NULL, "first row", 'g', KEYF(KEY_HOME))                 \
    X(MOVE_LAST, "move-last", "global", NULL, "last row", 'G', KEYF(KEY_END))                     \
    X(SCREEN_NEXT, "screen-next", "global", NULL, "next screen", '\t')                            \
    X(SCREEN_PREV, "screen-prev", "global", NULL, "previous screen", KEYF(KEY_BTAB))              \
    X(SCREEN_1, "screen-1", "global", NULL, "screen 1", '1')                                      \
    X(SCREEN_2, "screen-2", "global", NULL, "screen 2", '2')                                      \
    X(SCREEN_3, "screen-3", "global", NULL, "screen 3", '3')                                      \
    X(SCREEN_4, "screen-4", "global", NULL, "screen 4", '4')                                      \
    X(SCREEN_5, "screen-5", "global", NULL, "screen 5", '5')                                      \
    X(SCREEN_6, "screen-6", "global", NULL, "screen 6", '6')                                      \
    X(SCREEN_7, "screen-7", "global", NULL, "screen 7", '7')                                      \
    X(REDRAW, "redraw", "global", NULL, "redraw the whole screen", KEYC('l'))                     \
    X(ALERT_ACK, "alert-ack", "overview", "ack",                                                  \
      "acknowledge the selected alert, with a note (no more re-notifications)", 'a')             \
    X(ALERTS, "alerts", "overview", "alerts",                                                     \
      "every open alert, acknowledged ones too (a acknowledges the selected one)", 'A')          \
    X(SELFTEST, "self-test", "disks", "self-test", "start a short SMART self-test (asks first)",   \
      's')                                                                                        \
    X(JOB_RUN_NOW, "job-run-now", "schedule", "run now",                                          \
      "run the selected PVE backup job now (shows its guests and storage, asks first)", 's')      \
    X(RUN_START, "run-start", "runs", "run", "run the selected job now (shows what, asks first)", \
      's')                                                                                        \
    X(RUN_CANCEL, "run-cancel", "runs", "cancel", "cancel the run started here (asks first)", 'x') \
    X(PMX_TASKS, "proxmox-tasks", "runs", "pve/pbs",                                              \
      "Proxmox VE and PBS tasks, whoever started them (t again: the jobs); Enter opens a log",   \
      't')                                                                                        \
    X(WHATIF, "what-if", "retention", "what-if",                                                  \
      "what-if editor: try other keep counts (nothing is deleted)", 'e')                          \
    X(RULE_MORE, "rule-more", "retention", NULL, "what-if: keep one more of the selected rule",   \
      '+', '=')                                                                                   \
    X(RULE_LESS, "rule-less", "retention", NULL, "what-if: keep one fewer of the selected rule",  \
      '-')                                                                                        \
    X(PREV_ITEM, "prev-item", "retention", NULL, "previous tier (what-if: previous rule)",        \
      KEYF(KEY_LEFT), 'h')                                                                        \
    X(NEXT_ITEM, "next-item", "retention", NULL, "next tier (what-if: next rule)",                \
      KEYF(KEY_RIGHT), 'l')                                                                       \
    X(SNAP_CREATE, "snapshot-create", "snapshots", "snapshot",                                    \
      "take a snapshot of the selected guest (asks a name, then confirms)", 'c')                  \
    X(SNAP_ROLLBACK, "snapshot-rollback", "snapshots", "rollback",                                \
      "roll the guest back to the selected snapshot (says what is lost, asks first)", 'R')        \
    X(SNAP_DELETE, "snapshot-delete", "snapshots", "delete",                                      \
      "delete the selected snapshot (asks first)", 'D')                                           \
    X(BACKUP_NOW, "backup-now", "snapshots", "backup",                                            \
      "back up the selected guest to PBS now (names the storage, asks first)", 'b')               \
    X(DRILL_CLOUD, "drill-cloud", "drills", "cloud drill",                                        \
      "start the cloud restore drill wizard (restores into scratch, measures RTO/RPO)", 's')      \
    X(DRILL_ROLLBACK, "drill-rollback", "drills", "rollback",                                     \
      "rollback drill wizard on [drill] rollback_vmid (asks first, measures RTO)", 'R')           \
    X(DRILL_PBS, "drill-pbs", "drills", "pbs drill",                                              \
      "PBS restore drill wizard into a free VMID of restore_vmid_range (asks first)", 'p')        \
    X(CHECKLIST, "checklist", "drills", "checklist",                                              \
      "checklist wizard: lifeboat's evidence, then confirm the manual items with a note", 'c')    \
    X(KEY_ROTATE, "key-rotate", "drills", "keys",                                                 \
      "key rotation wizard for a restic repo (old key removed only after the new one works)",    \
      'K')                                                                                        \
    X(RESTORE_FILES, "restore-files", "drills", "restore",                                        \
      "restore files wizard: browse a snapshot, mark paths, restore to scratch, a folder or the " \
      "original place (preview first)", 'f')                                                      \
    X(RESTORE_GUEST, "restore-guest", "drills", "VM restore",                                     \
      "restore a guest from PBS: to a new VMID, or over the original (loss shown, typed)", 'P')

enum action {
    ACTION_NONE = 0,
#define X(id, name, map, label, help, ...) ACTION_##id,
    ACTION_INFO(X)
#undef X
        ACTION_COUNT
};

struct action_info {
    enum action action;
    const char *name;
    const char *keymap; /* where the default keys go */
    const char *label;  /* function bar, or NULL */
    const char *help;
    const int *keys; /* default keys, 0-terminated */
};

/* The table row of an action (static), NULL for ACTION_NONE or out of range. */
const struct action_info *action_info(enum action a);
/* Action by name ("move-up"), ACTION_NONE if unknown. */
enum action action_by_name(const char *name);
/* Is SCREEN_1..SCREEN_7: which screen number (1..7), else 0. */
int action_screen_number(enum action a);

#endif
