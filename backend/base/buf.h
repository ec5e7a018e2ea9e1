#ifndef LIFEBOAT_BACKEND_BASE_BUF_H
#define LIFEBOAT_BACKEND_BASE_BUF_H

#include <stdbool.h>
#include <stddef.h>

/*
 * A growable byte buffer with a hard maximum (every buffer fed from outside
 * has one). data is always NUL-terminated. Appends past max are cut and set
 * `truncated`; they never fail otherwise (OOM is fatal, see xalloc.h).
 */
struct buf {
    char *data;
    size_t len;
    size_t cap;
    size_t max; /* 0: unbounded (only for data we produce ourselves) */
    bool truncated;
};

#define BUF_INIT(max_) { NULL, 0, 0, (max_), false }

void buf_init(struct buf *b, size_t max);
void buf_release(struct buf *b);
void buf_reset(struct buf *b);
/* Return the appended byte count (less than n when cut at max). */
size_t buf_append(struct buf *b, const void *data, size_t n);
size_t buf_puts(struct buf *b, const char *s);
size_t buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Drop the first n bytes. */
void buf_consume(struct buf *b, size_t n);
/* Always a valid string (borrowed; valid until the next change). */
const char *buf_cstr(const struct buf *b);
/* Take ownership of the data (new); b is reset. */
char *buf_detach(struct buf *b);

/*
 * Line splitter: feed bytes in any pieces, get whole lines (without the
 * newline, with a trailing '\r' removed) through the callback. A line longer
 * than max_line is delivered cut at max_line with `cut` set, and the rest of
 * it up to the newline is dropped.
 */
struct linesplit {
    struct buf carry;
    size_t max_line;
    bool dropping;
    void (*on_line)(const char *line, size_t len, bool cut, void *arg);
    void *arg;
};

void linesplit_init(struct linesplit *ls, size_t max_line,
                    void (*on_line)(const char *line, size_t len, bool cut, void *arg), void *arg);
void linesplit_feed(struct linesplit *ls, const char *data, size_t n);
/* Deliver a final unterminated line, if any. */
void linesplit_flush(struct linesplit *ls);
void linesplit_release(struct linesplit *ls);

#endif
