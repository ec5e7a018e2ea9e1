/* Width-aware text, fields, boxes and wrapping on stdscr. */
#include "tui/draw.h"

#include <stdlib.h>
#include <string.h>

#include "tui/glyph.h"

/* Next character of s: its wide value and byte length (at least 1). */
static size_t next_char(const char *s, wchar_t *wc, int *width)
{
    mbstate_t st;
    size_t n;

    if ((unsigned char)*s < 0x80) {
        *wc = (wchar_t)(unsigned char)*s;
        *width = (*s >= 0x20 && *s != 0x7f) ? 1 : 0;
        if (!*width) {
            *wc = L'?';
            *width = 1;
        }
        return 1;
    }
    if (!glyph_utf8()) {
        /* ASCII mode: one '?' per UTF-8 sequence */
        n = 1;
        while ((((unsigned char)s[n]) & 0xc0) == 0x80 && n < 4)
            n++;
        *wc = L'?';
        *width = 1;
        return n;
    }
    memset(&st, 0, sizeof(st));
    n = mbrtowc(wc, s, MB_CUR_MAX, &st);
    if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
        *wc = L'?';
        *width = 1;
        return 1;
    }
    *width = wcwidth(*wc);
    if (*width < 0) {
        *wc = L'?';
        *width = 1;
    }
    return n;
}

int draw_width(const char *s)
{
    int w = 0, cw;
    wchar_t wc;

    while (s && *s) {
        s += next_char(s, &wc, &cw);
        w += cw;
    }
    return w;
}

int draw_fit(const char *s, int maxw, wchar_t *out, size_t outn)
{
    const char *ell = glyph(G_ELLIPSIS);
    int ellw = draw_width(ell);
    int used = 0, cw;
    size_t n = 0;
    wchar_t wc;
    const char *p = s ? s : "";

    if (outn == 0)
        return 0;
    if (maxw <= 0) {
        out[0] = L'\0';
        return 0;
    }
    if (draw_width(p) <= maxw) {
        while (*p && n + 1 < outn) {
            p += next_char(p, &wc, &cw);
            out[n++] = wc;
            used += cw;
        }
        out[n] = L'\0';
        return used;
    }
    /* cut: leave room for the ellipsis */
    while (*p && n + 1 < outn) {
        size_t len = next_char(p, &wc, &cw);

        if (used + cw > maxw - ellw)
            break;
        out[n++] = wc;
        used += cw;
        p += len;
    }
    for (const char *e = ell; *e && n + 1 < outn && used < maxw;) {
        e += next_char(e, &wc, &cw);
        if (used + cw > maxw)
            break;
        out[n++] = wc;
        used += cw;
    }
    out[n] = L'\0';
    return used;
}

int draw_text(int y, int x, int w, attr_t attr, const char *s)
{
    wchar_t buf[512];
    int used;

    if (w <= 0 || y < 0 || y >= LINES || x >= COLS)
        return 0;
    if (x + w > COLS)
        w = COLS - x;
    used = draw_fit(s, w, buf, sizeof(buf) / sizeof(buf[0]));
    attrset(attr);
    mvaddnwstr(y, x, buf, -1);
    attrset(A_NORMAL);
    return used;
}

void draw_fill(int y, int x, int w, attr_t attr)
{
    if (y < 0 || y >= LINES || x >= COLS || w <= 0)
        return;
    if (x + w > COLS)
        w = COLS - x;
    attrset(attr);
    mvhline(y, x, ' ', w);
    attrset(A_NORMAL);
}

void draw_field(int y, int x, int w, attr_t attr, const char *s, enum align align)
{
    int tw;

    if (w <= 0)
        return;
    tw = draw_width(s);
    if (tw >= w || align == ALIGN_LEFT) {
        tw = draw_text(y, x, w, attr, s);
        draw_fill(y, x + tw, w - tw, attr);
    } else {
        draw_fill(y, x, w - tw, attr);
        draw_text(y, x + w - tw, tw, attr, s);
    }
}

static void put_glyph(int y, int x, attr_t attr, enum glyph g)
{
    draw_text(y, x, 1, attr, glyph(g));
}

void draw_box(struct rect r, attr_t border, const char *title, attr_t title_attr)
{
    if (r.h < 2 || r.w < 2)
        return;
    put_glyph(r.y, r.x, border, G_ULCORNER);
    put_glyph(r.y, r.x + r.w - 1, border, G_URCORNER);
    put_glyph(r.y + r.h - 1, r.x, border, G_LLCORNER);
    put_glyph(r.y + r.h - 1, r.x + r.w - 1, border, G_LRCORNER);
    for (int x = r.x + 1; x < r.x + r.w - 1; x++) {
        put_glyph(r.y, x, border, G_HLINE);
        put_glyph(r.y + r.h - 1, x, border, G_HLINE);
    }
    for (int y = r.y + 1; y < r.y + r.h - 1; y++) {
        put_glyph(y, r.x, border, G_VLINE);
        put_glyph(y, r.x + r.w - 1, border, G_VLINE);
    }
    if (title && *title && r.w > 6) {
        int tw = draw_text(r.y, r.x + 2, r.w - 5, title_attr, " ");

        tw += draw_text(r.y, r.x + 2 + tw, r.w - 5 - tw, title_attr, title);
        draw_text(r.y, r.x + 2 + tw, 1, title_attr, " ");
    }
}

void draw_clear(struct rect r, attr_t attr)
{
    for (int y = r.y; y < r.y + r.h; y++)
        draw_fill(y, r.x, r.w, attr);
}

int draw_wrap(const char *s, int w, void (*line)(const char *start, size_t len, void *arg),
              void *arg)
{
    int lines = 0;
    const char *p = s ? s : "";

    if (w < 1)
        w = 1;
    while (*p) {
        const char *q = p, *brk = NULL;
        int used = 0, cw;
        wchar_t wc;

        while (*p == ' ')
            p++;
        q = p;
        if (!*p)
            break;
        while (*q) {
            size_t len = next_char(q, &wc, &cw);

            if (used + cw > w)
                break;
            used += cw;
            q += len;
            if (*q == ' ')
                brk = q;
        }
        if (*q && brk && brk > p)
            q = brk; /* break at the last blank that fits */
        if (q == p)  /* a single character wider than w */
            q += next_char(q, &wc, &cw);
        if (line)
            line(p, (size_t)(q - p), arg);
        lines++;
        p = q;
    }
    return lines;
}
