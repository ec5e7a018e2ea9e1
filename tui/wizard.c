/* The wizard widget (see wizard.h): state and drawing, no work of its own. */
#include "tui/wizard.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "backend/base/str.h"
#include "tui/action.h"
#include "tui/glyph.h"

void wizard_step(struct wizard *w, int step, const char *heading)
{
    w->step = step;
    str_copy(w->heading, sizeof(w->heading), heading);
    w->nrows = w->nnotes = w->nchoices = 0;
    w->sel = 0;
    w->progress = false;
    w->frac = 0;
    w->progress_text[0] = '\0';
    w->busy = false;
    w->confirm_word[0] = '\0';
    prompt_close(&w->input);
    w->back_ok = step > 1;
    w->next_ok = w->cancel_ok = true;
    str_copy(w->next_label, sizeof(w->next_label), "Next");
    w->focus = WZB_NEXT;
}

void wizard_row(struct wizard *w, const char *label, enum theme_el el, const char *fmt, ...)
{
    va_list ap;
    struct wizard_row *r;

    if (w->nrows >= WIZARD_ROWS)
        return;
    r = &w->rows[w->nrows++];
    str_copy(r->label, sizeof(r->label), label);
    r->el = el;
    va_start(ap, fmt);
    vsnprintf(r->value, sizeof(r->value), fmt, ap);
    va_end(ap);
    str_sanitize(r->value);
}

void wizard_note(struct wizard *w, enum theme_el el, const char *fmt, ...)
{
    va_list ap;

    if (w->nnotes >= WIZARD_NOTES)
        return;
    va_start(ap, fmt);
    vsnprintf(w->notes[w->nnotes], sizeof(w->notes[0]), fmt, ap);
    va_end(ap);
    str_sanitize(w->notes[w->nnotes]);
    w->note_el[w->nnotes++] = el;
}

void wizard_choice(struct wizard *w, const char *fmt, ...)
{
    va_list ap;

    if (w->nchoices >= WIZARD_CHOICES)
        return;
    va_start(ap, fmt);
    vsnprintf(w->choices[w->nchoices], sizeof(w->choices[0]), fmt, ap);
    va_end(ap);
    str_sanitize(w->choices[w->nchoices++]);
}

void wizard_confirm_typed(struct wizard *w, const char *word)
{
    str_copy(w->confirm_word, sizeof(w->confirm_word), word);
    prompt_open(&w->input, "type", "");
}

bool wizard_confirmed(const struct wizard *w)
{
    return !w->confirm_word[0] || !strcmp(w->input.text, w->confirm_word);
}

static bool enabled(const struct wizard *w, enum wizard_button b)
{
    switch (b) {
    case WZB_BACK:
        return w->back_ok;
    case WZB_NEXT:
        return w->next_ok && wizard_confirmed(w);
    case WZB_CANCEL:
        return w->cancel_ok;
    }
    return false;
}

static void move_focus(struct wizard *w, int dir)
{
    for (int i = 0; i < 3; i++) {
        int f = ((int)w->focus + dir + 3) % 3;

        w->focus = (enum wizard_button)f;
        if (enabled(w, w->focus))
            return;
    }
}

static enum wizard_event press(struct wizard *w, enum wizard_button b)
{
    if (!enabled(w, b))
        return WZ_NONE;
    return b == WZB_BACK ? WZ_BACK : b == WZB_NEXT ? WZ_NEXT : WZ_CANCEL;
}

enum wizard_event wizard_key(struct wizard *w, int key)
{
    if (key == KEY_ESC)
        return w->back_ok ? press(w, WZB_BACK) : press(w, WZB_CANCEL);
    if (key == '\n' || key == '\r' || key == KEYF(KEY_ENTER)) {
        /*
         * A disabled button does nothing: Enter before the confirmation word
         * is typed must neither start the step nor silently cancel the wizard.
         */
        if (!enabled(w, w->focus) && !(w->focus == WZB_NEXT && w->confirm_word[0]))
            move_focus(w, 1);
        return press(w, w->focus);
    }
    if (key == KEYF(KEY_LEFT) || key == KEYF(KEY_BTAB)) {
        move_focus(w, -1);
        return WZ_CHANGED;
    }
    if (key == KEYF(KEY_RIGHT) || key == '\t') {
        move_focus(w, 1);
        return WZ_CHANGED;
    }
    if (w->confirm_word[0] && w->input.active) {
        char before[PROMPT_MAX];

        str_copy(before, sizeof(before), w->input.text);
        if (key == KEYF(KEY_UP) || key == KEYF(KEY_DOWN))
            return WZ_NONE;
        prompt_key(&w->input, key);
        if (!w->input.active)
            prompt_open(&w->input, "type", ""); /* Esc/Backspace never close it */
        if (wizard_confirmed(w))
            w->focus = WZB_NEXT;
        return strcmp(before, w->input.text) ? WZ_CHANGED : WZ_NONE;
    }
    if (w->nchoices && (key == KEYF(KEY_UP) || key == 'k')) {
        if (w->sel > 0)
            w->sel--;
        return WZ_CHANGED;
    }
    if (w->nchoices && (key == KEYF(KEY_DOWN) || key == 'j')) {
        if (w->sel < w->nchoices - 1)
            w->sel++;
        return WZ_CHANGED;
    }
    if (key == 'b')
        return press(w, WZB_BACK);
    if (key == 'n')
        return press(w, WZB_NEXT);
    if (key == 'c' || key == 'x')
        return press(w, WZB_CANCEL);
    return WZ_NONE;
}

/* ---- drawing ---- */

struct wrap_ctx {
    int y, x, w, maxy;
    attr_t attr;
    const char *base;
};

static void wrap_line(const char *start, size_t len, void *arg)
{
    struct wrap_ctx *c = arg;
    char line[256];

    if (c->y > c->maxy)
        return;
    snprintf(line, sizeof(line), "%.*s", (int)(len < 255 ? len : 255), start);
    draw_text(c->y++, c->x, c->w, c->attr, line);
}

static int bar(int y, int x, int w, double frac, int spin)
{
    int full, i;

    if (w < 4)
        return 0;
    if (frac < 0) {
        /* unknown: a marker moving along the bar */
        int pos = spin % w;

        for (i = 0; i < w; i++)
            draw_text(y, x + i, 1, theme_attr(i == pos ? EL_SPINNER : EL_DIM),
                      glyph(i == pos ? G_BAR_FULL : G_BAR_EMPTY));
        return w;
    }
    if (frac > 1)
        frac = 1;
    full = (int)(frac * w + 0.5);
    for (i = 0; i < w; i++)
        draw_text(y, x + i, 1, theme_attr(i < full ? EL_STATUS_OK : EL_DIM),
                  glyph(i < full ? G_BAR_FULL : G_BAR_EMPTY));
    return w;
}

void wizard_draw(const struct wizard *w, struct rect r, int spin)
{
    char buf[256];
    int y, x = r.x + 2, iw = r.w - 4, lw = 0, bottom = r.y + r.h - 2;
    static const char *const names[3] = { "Back", NULL, "Cancel" };

    draw_clear(r, theme_attr(EL_NORMAL));
    draw_box(r, theme_attr(EL_BORDER), w->title, theme_attr(EL_PANEL_TITLE));
    snprintf(buf, sizeof(buf), " step %d of %d ", w->step, w->nsteps);
    draw_text(r.y, r.x + r.w - 2 - draw_width(buf), draw_width(buf), theme_attr(EL_DIM), buf);
    y = r.y + 1;
    x += draw_text(y, x, iw, theme_attr(EL_TITLE), w->heading);
    if (w->busy && spin % 2 == 0)
        draw_text(y, x + 1, 2, theme_attr(EL_SPINNER), glyph(G_SPIN));
    x = r.x + 2;
    y += 2;
    for (int i = 0; i < w->nrows; i++)
        if (draw_width(w->rows[i].label) > lw)
            lw = draw_width(w->rows[i].label);
    for (int i = 0; i < w->nrows && y < bottom - 1; i++, y++) {
        draw_text(y, x, lw, theme_attr(EL_LABEL), w->rows[i].label);
        draw_text(y, x + lw + 3, iw - lw - 3, theme_attr(w->rows[i].el), w->rows[i].value);
    }
    if (w->nrows)
        y++;
    for (int i = 0; i < w->nchoices && y < bottom - 1; i++, y++) {
        bool s = i == w->sel;

        if (s)
            draw_fill(y, x, iw, theme_attr(EL_SELECTION));
        draw_text(y, x, 2, theme_attr(s ? EL_SELECTION : EL_NORMAL), s ? glyph(G_SELECT) : " ");
        draw_text(y, x + 2, iw - 2, theme_attr(s ? EL_SELECTION : EL_NORMAL), w->choices[i]);
    }
    if (w->nchoices)
        y++;
    if (w->progress && y < bottom - 1) {
        int bw = iw - 8;

        bar(y, x, bw, w->frac, spin);
        if (w->frac >= 0) {
            snprintf(buf, sizeof(buf), "%3d %%", (int)(w->frac * 100 + 0.5));
            draw_text(y, x + bw + 2, 6, theme_attr(EL_NORMAL), buf);
        }
        y++;
        if (w->progress_text[0])
            draw_text(y++, x, iw, theme_attr(EL_NORMAL), w->progress_text);
        y++;
    }
    for (int i = 0; i < w->nnotes && y < bottom - 1; i++) {
        struct wrap_ctx c = { y, x, iw, bottom - 2, theme_attr(w->note_el[i]), w->notes[i] };

        draw_wrap(w->notes[i], iw, wrap_line, &c);
        y = c.y;
    }
    if (w->confirm_word[0] && y < bottom) {
        snprintf(buf, sizeof(buf), "type %s to confirm: ", w->confirm_word);
        y = y < bottom - 1 ? y : bottom - 1;
        x += draw_text(y, x, iw, theme_attr(EL_PROMPT), buf);
        x += draw_text(y, x, iw - (x - r.x), theme_attr(EL_NORMAL), w->input.text);
        draw_text(y, x, 1, theme_attr(EL_SELECTION), " ");
        x = r.x + 2;
    }
    /* the buttons, right-aligned on the last inner line */
    {
        int bx = r.x + r.w - 2;

        for (int b = 2; b >= 0; b--) {
            const char *name = b == WZB_NEXT ? w->next_label : names[b];
            bool on = enabled(w, (enum wizard_button)b);
            bool focus = (int)w->focus == b && on;

            if (b != WZB_NEXT && !on)
                continue; /* a button that cannot be pressed is not shown */
            snprintf(buf, sizeof(buf), "[ %s ]", name);
            bx -= draw_width(buf);
            draw_text(bottom, bx, draw_width(buf),
                      theme_attr(focus ? EL_SELECTION : on ? EL_NORMAL : EL_DIM), buf);
            bx -= 3;
        }
        draw_text(bottom, r.x + 2, bx - r.x - 2, theme_attr(EL_DIM),
                  w->confirm_word[0] ? "Tab: buttons  Enter: press"
                                     : "Enter: press  Tab/arrows: buttons  Esc: back");
    }
}
