#ifndef LIFEBOAT_TUI_PROMPT_H
#define LIFEBOAT_TUI_PROMPT_H

#include <stdbool.h>
#include <stddef.h>

/*
 * A one-line input (the `:` command line, the `/` filter, yes/no questions).
 * Feeding keys is pure; drawing is the screen manager's. The text is UTF-8,
 * edited at its end: Backspace deletes a character, C-u the line, C-w a word,
 * Esc cancels, Enter finishes.
 */

#define PROMPT_MAX 256

enum prompt_result {
    PROMPT_EDITING,   /* still typing (the text may have changed) */
    PROMPT_DONE,      /* Enter */
    PROMPT_CANCELLED, /* Esc, or Backspace on an empty line */
};

struct prompt {
    bool active;
    char prefix[64]; /* ":" or "/" or a question */
    char text[PROMPT_MAX];
    size_t len;
};

void prompt_open(struct prompt *p, const char *prefix, const char *initial);
void prompt_close(struct prompt *p);
/* Feed one key (a code point or KEYF(...)). */
enum prompt_result prompt_key(struct prompt *p, int key);

#endif
