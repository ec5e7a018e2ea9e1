#ifndef LIFEBOAT_TUI_KEYMAP_H
#define LIFEBOAT_TUI_KEYMAP_H

#include <stdbool.h>
#include <stddef.h>

#include "tui/action.h"

/*
 * Keymaps: one per screen, each falling back to its parent (the global map),
 * which holds the defaults of the action table. A binding in a screen's map
 * shadows the same key in the global map.
 */
struct keymap_entry {
    int key;
    enum action action;
};

struct keymap {
    char name[32];
    struct keymap_entry *entries;
    size_t len, cap;
    const struct keymap *parent; /* borrowed; NULL for the global map */
};

/* An empty map named name, falling back to parent (may be NULL). */
void keymap_init(struct keymap *map, const char *name, const struct keymap *parent);
void keymap_release(struct keymap *map);
/* Bind every default key of the actions whose table keymap is map->name. */
void keymap_load_defaults(struct keymap *map);
/* Bind key to action in this map (replacing a binding of the key here). */
void keymap_bind(struct keymap *map, int key, enum action action);
/* The action of key: this map first, then the parents; ACTION_NONE if unbound. */
enum action keymap_lookup(const struct keymap *map, int key);
/*
 * The keys that reach action from this map (its own, then the parents' that
 * are not shadowed), in binding order; returns how many (at most max stored).
 */
size_t keymap_keys_of(const struct keymap *map, enum action action, int *keys, size_t max);

/* A key's name: "q", "Enter", "Esc", "Tab", "S-Tab", "PgUp", "F5", "C-l", "Up" (returns out). */
const char *keymap_key_name(int key, char *out, size_t n);
/* Parse a key name as above; 0 if unknown. */
int keymap_parse_key(const char *name);

/* One line of the help overlay. */
struct help_line {
    enum action action;
    char keys[48];    /* "? F1" */
    const char *text; /* borrowed (the table or the describe callback) */
};

/*
 * The help of a screen: every action reachable from map, in table order.
 * describe (may be NULL) returns the text to show for an action, or NULL to
 * leave it out (e.g. screens not built yet). Returns the count (at most max
 * stored).
 */
size_t keymap_help(const struct keymap *map, const char *(*describe)(enum action, void *),
                   void *arg, struct help_line *out, size_t max);

/* One item of the function bar: the first key of a labelled action. */
struct fbar_item {
    enum action action;
    char key[16];
    const char *label; /* static, from the table */
};

size_t keymap_fbar(const struct keymap *map, struct fbar_item *out, size_t max);

#endif
