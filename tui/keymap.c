/* Keymaps with fallback, key names, and the help and function bar they generate. */
#include "tui/keymap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/base/str.h"
#include "backend/base/xalloc.h"
#include "tui/glyph.h"

void keymap_init(struct keymap *map, const char *name, const struct keymap *parent)
{
    memset(map, 0, sizeof(*map));
    str_copy(map->name, sizeof(map->name), name);
    map->parent = parent;
}

void keymap_release(struct keymap *map)
{
    free(map->entries);
    map->entries = NULL;
    map->len = map->cap = 0;
}

void keymap_bind(struct keymap *map, int key, enum action action)
{
    for (size_t i = 0; i < map->len; i++) {
        if (map->entries[i].key == key) {
            map->entries[i].action = action;
            return;
        }
    }
    if (map->len == map->cap) {
        map->cap = map->cap ? map->cap * 2 : 32;
        map->entries = xrealloc(map->entries, map->cap * sizeof(*map->entries));
    }
    map->entries[map->len].key = key;
    map->entries[map->len].action = action;
    map->len++;
}

void keymap_load_defaults(struct keymap *map)
{
    for (int a = ACTION_NONE + 1; a < ACTION_COUNT; a++) {
        const struct action_info *ai = action_info((enum action)a);

        if (strcmp(ai->keymap, map->name) != 0)
            continue;
        for (const int *k = ai->keys; *k; k++)
            keymap_bind(map, *k, (enum action)a);
    }
}

static const struct keymap_entry *find_here(const struct keymap *map, int key)
{
    for (size_t i = 0; i < map->len; i++)
        if (map->entries[i].key == key)
            return &map->entries[i];
    return NULL;
}

enum action keymap_lookup(const struct keymap *map, int key)
{
    for (; map; map = map->parent) {
        const struct keymap_entry *e = find_here(map, key);

        if (e)
            return e->action;
    }
    return ACTION_NONE;
}

size_t keymap_keys_of(const struct keymap *map, enum action action, int *keys, size_t max)
{
    size_t n = 0;
    const struct keymap *top = map;

    for (; map; map = map->parent) {
        for (size_t i = 0; i < map->len; i++) {
            if (map->entries[i].action != action)
                continue;
            /* shadowed by a nearer map? */
            if (keymap_lookup(top, map->entries[i].key) != action)
                continue;
            if (n < max)
                keys[n] = map->entries[i].key;
            n++;
        }
    }
    return n;
}

static const struct {
    int key;
    const char *name;
} named_keys[] = {
    { '\n', "Enter" },
    { '\r', "Return" },
    { KEYF(KEY_ENTER), "KP-Enter" },
    { KEY_ESC, "Esc" },
    { '\t', "Tab" },
    { KEYF(KEY_BTAB), "S-Tab" },
    { ' ', "Space" },
    { KEYF(KEY_UP), "Up" },
    { KEYF(KEY_DOWN), "Down" },
    { KEYF(KEY_LEFT), "Left" },
    { KEYF(KEY_RIGHT), "Right" },
    { KEYF(KEY_PPAGE), "PgUp" },
    { KEYF(KEY_NPAGE), "PgDn" },
    { KEYF(KEY_HOME), "Home" },
    { KEYF(KEY_END), "End" },
    { KEYF(KEY_BACKSPACE), "Backspace" },
    { KEYF(KEY_DC), "Delete" },
    { 127, "Del" },
};

const char *keymap_key_name(int key, char *out, size_t n)
{
    if (glyph_utf8() && (key == KEYF(KEY_UP) || key == KEYF(KEY_DOWN))) {
        snprintf(out, n, "%s", glyph(key == KEYF(KEY_UP) ? G_UP : G_DOWN));
        return out;
    }
    for (size_t i = 0; i < sizeof(named_keys) / sizeof(named_keys[0]); i++) {
        if (named_keys[i].key == key) {
            snprintf(out, n, "%s", named_keys[i].name);
            return out;
        }
    }
    if (key >= KEYF(KEY_F0) && key <= KEYF(KEY_F(63))) {
        snprintf(out, n, "F%d", key - KEYF(KEY_F0));
    } else if (key > 0 && key < 0x20) {
        snprintf(out, n, "C-%c", (char)(key + 'a' - 1));
    } else if (key > 0x20 && key < 0x7f) {
        snprintf(out, n, "%c", (char)key);
    } else if (key >= 0x80 && key < ACTION_KEY_FN) {
        /* UTF-8 encoding of the code point */
        unsigned cp = (unsigned)key;
        char u[5] = { 0 };

        if (cp < 0x800) {
            u[0] = (char)(0xc0 | (cp >> 6));
            u[1] = (char)(0x80 | (cp & 0x3f));
        } else if (cp < 0x10000) {
            u[0] = (char)(0xe0 | (cp >> 12));
            u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
            u[2] = (char)(0x80 | (cp & 0x3f));
        } else {
            u[0] = (char)(0xf0 | (cp >> 18));
            u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
            u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
            u[3] = (char)(0x80 | (cp & 0x3f));
        }
        snprintf(out, n, "%s", u);
    } else {
        snprintf(out, n, "key-%d", key);
    }
    return out;
}

int keymap_parse_key(const char *name)
{
    int64_t f;

    for (size_t i = 0; i < sizeof(named_keys) / sizeof(named_keys[0]); i++)
        if (!strcmp(named_keys[i].name, name))
            return named_keys[i].key;
    if (name[0] == 'F' && name[1] && str_to_i64(name + 1, 1, 63, &f) == 0)
        return KEYF(KEY_F((int)f));
    if (name[0] == 'C' && name[1] == '-' && name[2] >= 'a' && name[2] <= 'z' && !name[3])
        return KEYC(name[2]);
    if (name[0] > 0x20 && name[0] < 0x7f && !name[1])
        return name[0];
    return 0;
}

size_t keymap_help(const struct keymap *map, const char *(*describe)(enum action, void *),
                   void *arg, struct help_line *out, size_t max)
{
    size_t n = 0;

    for (int a = ACTION_NONE + 1; a < ACTION_COUNT; a++) {
        const struct action_info *ai = action_info((enum action)a);
        int keys[8];
        size_t nk = keymap_keys_of(map, (enum action)a, keys, 8);
        const char *text = describe ? describe((enum action)a, arg) : ai->help;

        if (!nk || !text)
            continue;
        if (n < max) {
            struct help_line *h = &out[n];
            size_t used = 0;

            h->action = (enum action)a;
            h->text = text;
            h->keys[0] = '\0';
            for (size_t k = 0; k < nk && k < 8; k++) {
                char name[16];

                keymap_key_name(keys[k], name, sizeof(name));
                /* Return duplicates Enter: keep the help short */
                if (keys[k] == '\r' || keys[k] == KEYF(KEY_ENTER))
                    continue;
                used += (size_t)snprintf(h->keys + used, sizeof(h->keys) - used, "%s%s",
                                         used ? " " : "", name);
                if (used >= sizeof(h->keys))
                    break;
            }
        }
        n++;
    }
    return n;
}

size_t keymap_fbar(const struct keymap *map, struct fbar_item *out, size_t max)
{
    size_t n = 0;

    for (int a = ACTION_NONE + 1; a < ACTION_COUNT; a++) {
        const struct action_info *ai = action_info((enum action)a);
        int key;

        if (!ai->label || keymap_keys_of(map, (enum action)a, &key, 1) == 0)
            continue;
        if (n < max) {
            out[n].action = (enum action)a;
            out[n].label = ai->label;
            keymap_key_name(key, out[n].key, sizeof(out[n].key));
        }
        n++;
    }
    return n;
}
