#include "backend/base/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/base/xalloc.h"

void buf_init(struct buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
    b->truncated = false;
}

void buf_release(struct buf *b)
{
    free(b->data);
    buf_init(b, b->max);
}

void buf_reset(struct buf *b)
{
    b->len = 0;
    b->truncated = false;
    if (b->data)
        b->data[0] = '\0';
}

static void grow(struct buf *b, size_t need)
{
    size_t cap;

    if (need + 1 <= b->cap)
        return;
    cap = b->cap ? b->cap : 64;
    while (cap < need + 1)
        cap *= 2;
    b->data = xrealloc(b->data, cap);
    b->cap = cap;
}

size_t buf_append(struct buf *b, const void *data, size_t n)
{
    if (b->max && b->len + n > b->max) {
        n = b->max > b->len ? b->max - b->len : 0;
        b->truncated = true;
    }
    grow(b, b->len + n);
    if (n)
        memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
    return n;
}

size_t buf_puts(struct buf *b, const char *s)
{
    return buf_append(b, s, strlen(s));
}

size_t buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    char *s;
    size_t n;

    va_start(ap, fmt);
    s = xvasprintf(fmt, ap);
    va_end(ap);
    n = buf_puts(b, s);
    free(s);
    return n;
}

void buf_consume(struct buf *b, size_t n)
{
    if (n >= b->len) {
        buf_reset(b);
        return;
    }
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
    b->data[b->len] = '\0';
}

const char *buf_cstr(const struct buf *b)
{
    return b->data ? b->data : "";
}

char *buf_detach(struct buf *b)
{
    char *p = b->data ? b->data : xstrdup("");

    buf_init(b, b->max);
    return p;
}

void linesplit_init(struct linesplit *ls, size_t max_line,
                    void (*on_line)(const char *line, size_t len, bool cut, void *arg), void *arg)
{
    buf_init(&ls->carry, 0);
    ls->max_line = max_line ? max_line : 65536;
    ls->dropping = false;
    ls->on_line = on_line;
    ls->arg = arg;
}

static void deliver(struct linesplit *ls, const char *line, size_t len, bool cut)
{
    if (len && line[len - 1] == '\r')
        len--;
    ls->on_line(line, len, cut, ls->arg);
}

void linesplit_feed(struct linesplit *ls, const char *data, size_t n)
{
    while (n) {
        const char *nl = memchr(data, '\n', n);
        size_t take = nl ? (size_t)(nl - data) : n;

        if (ls->dropping) {
            if (nl)
                ls->dropping = false;
        } else if (ls->carry.len + take > ls->max_line) {
            size_t room = ls->max_line - ls->carry.len;

            buf_append(&ls->carry, data, room);
            deliver(ls, ls->carry.data, ls->carry.len, true);
            buf_reset(&ls->carry);
            ls->dropping = !nl;
        } else if (nl && !ls->carry.len) {
            deliver(ls, data, take, false);
        } else {
            buf_append(&ls->carry, data, take);
            if (nl) {
                deliver(ls, ls->carry.data, ls->carry.len, false);
                buf_reset(&ls->carry);
            }
        }
        if (!nl)
            break;
        data += take + 1;
        n -= take + 1;
    }
}

void linesplit_flush(struct linesplit *ls)
{
    if (ls->carry.len)
        deliver(ls, ls->carry.data, ls->carry.len, false);
    buf_reset(&ls->carry);
    ls->dropping = false;
}

void linesplit_release(struct linesplit *ls)
{
    buf_release(&ls->carry);
}
