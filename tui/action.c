/* The action table, expanded from ACTION_INFO. */
#include "tui/action.h"

#include <string.h>

#define X(id, name, map, label, help, ...) static const int keys_##id[] = { __VA_ARGS__, 0 };
ACTION_INFO(X)
#undef X

static const struct action_info table[ACTION_COUNT] = {
#define X(id, name_, map, label_, help_, ...) \
    [ACTION_##id] = {                         \
        .action = ACTION_##id,                \
        .name = name_,                        \
        .keymap = map,                        \
        .label = label_,                      \
        .help = help_,                        \
        .keys = keys_##id,                    \
    },
    ACTION_INFO(X)
#undef X
};

const struct action_info *action_info(enum action a)
{
    if (a <= ACTION_NONE || a >= ACTION_COUNT)
        return NULL;
    return &table[a];
}

enum action action_by_name(const char *name)
{
    for (int a = ACTION_NONE + 1; a < ACTION_COUNT; a++)
        if (!strcmp(table[a].name, name))
            return (enum action)a;
    return ACTION_NONE;
}

int action_screen_number(enum action a)
{
    if (a >= ACTION_SCREEN_1 && a <= ACTION_SCREEN_7)
        return (int)(a - ACTION_SCREEN_1) + 1;
    return 0;
}
