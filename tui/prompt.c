/* Line editing for the command line, the filter and questions. */
#include "tui/prompt.h"

#include <string.h>

#include "backend/base/str.h"
#include "tui/action.h"

void prompt_open(struct prompt *p, const char *prefix, const char *initial)
{
    memset(p, 0, sizeof(*p));
    p->active = true;
    str_copy(p->prefix, sizeof(p->prefix), prefix);
    str_copy(p->text, sizeof(p->text), initial ? initial : "");
    p->len = strlen(p->text);
}

void prompt_close(struct prompt *p)
{
    p->active = false;
}

static void delete_char(struct prompt *p)
{
    /* back over UTF-8 continuation bytes to the start of the last character */
    while (p->len > 0) {
        unsigned char c = (unsigned char)p->text[--p->len];

        if ((c & 0xc0) != 0x80)
            break;
    }
    p->text[p->len] = '\0';
}

static void insert(struct prompt *p, int key)
{
    char u[4];
    size_t n;
    unsigned cp = (unsigned)key;

    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xc0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xe0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        u[0] = (char)(0xf0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[3] = (char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    if (p->len + n >= sizeof(p->text))
        return; /* full: ignore */
    memcpy(p->text + p->len, u, n);
    p->len += n;
    p->text[p->len] = '\0';
}

enum prompt_result prompt_key(struct prompt *p, int key)
{
    switch (key) {
    case '\n':
    case '\r':
    case KEYF(KEY_ENTER):
        return PROMPT_DONE;
    case KEY_ESC:
        return PROMPT_CANCELLED;
    case KEYF(KEY_BACKSPACE):
    case 127:
    case 8:
        if (p->len == 0)
            return PROMPT_CANCELLED;
        delete_char(p);
        return PROMPT_EDITING;
    case KEYC('u'):
        p->len = 0;
        p->text[0] = '\0';
        return PROMPT_EDITING;
    case KEYC('w'):
        while (p->len > 0 && p->text[p->len - 1] == ' ')
            p->len--;
        while (p->len > 0 && p->text[p->len - 1] != ' ')
            p->len--;
        p->text[p->len] = '\0';
        return PROMPT_EDITING;
    default:
        break;
    }
    /* printable characters only; control and function keys are ignored */
    if (key >= 0x20 && key != 0x7f && key < ACTION_KEY_FN && !(key >= 0x80 && key < 0xa0) &&
        !(key >= 0xd800 && key <= 0xdfff))
        insert(p, key);
    return PROMPT_EDITING;
}
