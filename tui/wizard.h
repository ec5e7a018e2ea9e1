#ifndef LIFEBOAT_TUI_WIZARD_H
#define LIFEBOAT_TUI_WIZARD_H

#include <stdbool.h>
#include <stddef.h>

#include "tui/draw.h"
#include "tui/prompt.h"
#include "tui/theme.h"

/*
 * The wizard widget: one step at a time, "step N of M" in its title line,
 * label/value rows, wrapped notes, an optional list of choices, an optional
 * progress bar, an optional typed confirmation (the Next button stays
 * disabled until the exact word is typed), and the buttons Back / Next /
 * Cancel. The caller (a screen) fills a step, feeds raw keys and acts on
 * the events; the widget never runs anything itself.
 *
 * Keys: Up/Down (j/k) move in the choices, Left/Right/Tab move between
 * buttons, Enter presses the focused button, Esc is Back (Cancel on the
 * first step). While a typed confirmation is open, printable keys go into it.
 */

#define WIZARD_ROWS    12
#define WIZARD_NOTES   6
#define WIZARD_CHOICES 12

enum wizard_event { WZ_NONE, WZ_CHANGED, WZ_BACK, WZ_NEXT, WZ_CANCEL };
enum wizard_button { WZB_BACK, WZB_NEXT, WZB_CANCEL };

struct wizard_row {
    char label[24];
    char value[200];
    enum theme_el el; /* colour of the value */
};

struct wizard {
    char title[64];   /* "Cloud restore drill" */
    int step, nsteps; /* 1-based */
    char heading[96]; /* the step's question or name */
    struct wizard_row rows[WIZARD_ROWS];
    int nrows;
    char notes[WIZARD_NOTES][240];
    enum theme_el note_el[WIZARD_NOTES];
    int nnotes;
    char choices[WIZARD_CHOICES][160];
    int nchoices, sel;
    bool progress;        /* draw a progress bar */
    double frac;          /* 0..1, < 0: unknown (a moving marker) */
    char progress_text[160];
    bool busy;            /* work in flight: a spinner after the heading */
    char confirm_word[64]; /* non-empty: Next needs this typed exactly */
    struct prompt input;
    bool back_ok, next_ok, cancel_ok;
    char next_label[32]; /* "Next", "Start drill", "Done" */
    enum wizard_button focus;
};

/* Empty the step (keeps title and nsteps); buttons Back/Next/Cancel enabled, focus Next. */
void wizard_step(struct wizard *w, int step, const char *heading);
void wizard_row(struct wizard *w, const char *label, enum theme_el el, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void wizard_note(struct wizard *w, enum theme_el el, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void wizard_choice(struct wizard *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Ask for word to be typed before Next works (restores over originals, key removal). */
void wizard_confirm_typed(struct wizard *w, const char *word);
/* Does the typed text match (or is no typing asked)? */
bool wizard_confirmed(const struct wizard *w);

/* Feed a raw key (a code point or KEYF(...)). */
enum wizard_event wizard_key(struct wizard *w, int key);
/* Draw into r (a box with the title and "step N of M"). */
void wizard_draw(const struct wizard *w, struct rect r, int spin_phase);

#endif
