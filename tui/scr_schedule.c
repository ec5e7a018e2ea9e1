/*
 * Screen 2, Schedule: every job with its calendar event, next runs, last
 * result and how long it took; below, the coming week as 7 rows of 24 hours
 * showing when each job runs (its letter), where runs overlap (!), and the
 * quiet window shaded. Overlaps and runs outside the quiet window are said
 * in words under the strip, an overlap that recurs once with its days
 * ("every day 00:00-00:01", "Sat, Sun"; schedule.h's recurring groups).
 *
 * s on a PVE backup job runs it now (PVE's "Run now": its guests, storage
 * and mode) after a confirmation naming them; the task is followed live on
 * the line at the bottom, its result said there, PVE and PBS reread after.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/app.h"
#include "backend/app_proxmox.h"
#include "backend/base/str.h"
#include "backend/base/xalloc.h"
#include "backend/config.h"
#include "backend/proxmox_model.h"
#include "backend/schedule.h"
#include "backend/schedule_pmx.h"
#include "backend/store.h"
#include "tui/glyph.h"
#include "tui/layout.h"
#include "tui/scr_schedule.h"
#include "tui/screen.h"
#include "tui/theme.h"

#define MAX_JOBS     64
#define REBUILD_SECS 60
#define LABEL_W      7 /* "Mon 24 " */

struct sched_screen {
    struct app *app;
    struct schedule s;
    bool built;
    bool dirty;
    struct sched_pmx_counts pmx; /* the Proxmox jobs added and left out */
    time_t built_at;
    char letters[MAX_JOBS + 1];
    size_t sel;
    int scroll;
    /* s: run the selected PVE backup job now */
    bool confirm;         /* the question is open */
    char confirm_job[64]; /* the job it is about */
    unsigned task_id;     /* the run started here (pmx_task id), 0: none */
    char notice[320];
    bool notice_error;
};

static void notice(struct sched_screen *ss, bool error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void notice(struct sched_screen *ss, bool error, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(ss->notice, sizeof(ss->notice), fmt, ap);
    va_end(ap);
    str_sanitize(ss->notice);
    ss->notice_error = error;
}

/* ---- pure helpers ---- */

void sched_letters(const struct schedule *s, char *letters, size_t n)
{
    bool taken[26] = { false };
    size_t nj = s->jobs.len < n - 1 ? s->jobs.len : n - 1;

    for (size_t i = 0; i < nj; i++) {
        const struct sched_job *j = vec_get(&s->jobs, i);
        char got = 0;

        for (const char *p = j->name; *p && !got; p++) {
            int c = tolower((unsigned char)*p);

            if (c >= 'a' && c <= 'z' && !taken[c - 'a'])
                got = (char)c;
        }
        for (int c = 0; c < 26 && !got; c++)
            if (!taken[c])
                got = (char)('a' + c);
        if (got)
            taken[got - 'a'] = true;
        letters[i] = got ? got : '*';
    }
    letters[nj] = '\0';
}

int sched_strip_per_hour(int width)
{
    static const int steps[] = { 6, 4, 3, 2, 1 };

    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
        if (24 * steps[i] <= width)
            return steps[i];
    return 1;
}

char *sched_when_text(time_t t, time_t now, char *out, size_t n)
{
    struct tm tm, tn;
    time_t today = schedule_day_start(now, 0);

    localtime_r(&t, &tm);
    localtime_r(&now, &tn);
    if (t >= today && t < schedule_day_start(now, 1))
        strftime(out, n, "today %H:%M", &tm);
    else if (t >= today && t < schedule_day_start(now, 2))
        strftime(out, n, "tomorrow %H:%M", &tm);
    else if (t >= today && t < schedule_day_start(now, 7))
        strftime(out, n, "%a %H:%M", &tm);
    else
        strftime(out, n, "%Y-%m-%d %H:%M", &tm);
    return out;
}

/* ---- model ---- */

static void rebuild(struct sched_screen *ss, time_t now)
{
    const struct config *cfg = ss->app->cfg;

    if (ss->built)
        schedule_release(&ss->s);
    schedule_init(&ss->s, cfg ? cfg->console.quiet_from : -1, cfg ? cfg->console.quiet_to : -1);
    schedule_add_config(&ss->s, cfg);
    memset(&ss->pmx, 0, sizeof(ss->pmx));
    if (ss->app->pmx)
        schedule_add_pmx(&ss->s, ss->app->pmx->pve_jobs_known ? &ss->app->pmx->pve_jobs : NULL,
                         ss->app->pmx->pbs_jobs_known ? &ss->app->pmx->pbs_jobs : NULL,
                         ss->app->pmx->recent_known ? &ss->app->pmx->recent : NULL, &ss->pmx);
    if (ss->app->pmx)
        schedule_pmx_console_runs(&ss->s, &ss->app->pmx->tasks);
    schedule_add_runs(&ss->s, ss->app->store);
    schedule_compute(&ss->s, now);
    sched_letters(&ss->s, ss->letters, sizeof(ss->letters));
    ss->built = true;
    ss->dirty = false;
    ss->built_at = now;
    if (ss->sel >= ss->s.jobs.len)
        ss->sel = ss->s.jobs.len ? ss->s.jobs.len - 1 : 0;
}

static void ensure_built(struct sched_screen *ss, time_t now)
{
    if (!ss->built || ss->dirty || now - ss->built_at >= REBUILD_SECS || now < ss->built_at)
        rebuild(ss, now);
}

/* ---- the job table ---- */

enum col { C_KEY, C_JOB, C_WHERE, C_CAL, C_NEXT, C_IN, C_THEN, C_LAST, C_TOOK, C_COUNT };

static const struct col_spec job_cols[C_COUNT] = {
    [C_KEY] = { "", 1, 1, 0, false },        [C_JOB] = { "job", 8, 24, 0, false },
    [C_WHERE] = { "where", 5, 8, 3, false }, [C_CAL] = { "calendar", 12, 28, 1, false },
    [C_NEXT] = { "next", 14, 16, 0, false }, [C_IN] = { "in", 7, 9, 8, true },
    [C_THEN] = { "then", 20, 34, 7, false }, [C_LAST] = { "last", 9, 14, 2, false },
    [C_TOOK] = { "took", 6, 8, 4, true },
};

static void job_cell(const struct sched_screen *ss, const struct sched_job *j, size_t idx,
                     enum col c, time_t now, char *buf, size_t n, enum theme_el *el)
{
    char a[64], b[64];

    *el = EL_NORMAL;
    buf[0] = '\0';
    switch (c) {
    case C_KEY:
        snprintf(buf, n, "%c", ss->letters[idx] ? ss->letters[idx] : ' ');
        *el = EL_PANEL_TITLE;
        break;
    case C_JOB:
        snprintf(buf, n, "%s", j->name);
        break;
    case C_WHERE:
        snprintf(buf, n, "%s", j->where == SCHED_LIFEBOAT ? "lb" : schedule_where_name(j->where));
        break;
    case C_CAL:
        snprintf(buf, n, "%s", j->calendar);
        if (!j->ev)
            *el = EL_STATUS_CRIT;
        break;
    case C_NEXT:
        if (!j->ev) {
            snprintf(buf, n, "bad calendar");
            *el = EL_STATUS_CRIT;
        } else if (j->n_next) {
            sched_when_text(j->next[0], now, buf, n);
        } else {
            snprintf(buf, n, "never");
            *el = EL_DIM;
        }
        break;
    case C_IN:
        if (j->n_next)
            str_fmt_duration((int64_t)(j->next[0] - now), buf, n);
        break;
    case C_THEN:
        if (j->n_next > 1) {
            sched_when_text(j->next[1], now, a, sizeof(a));
            if (j->n_next > 2)
                snprintf(buf, n, "%s, %s", a, sched_when_text(j->next[2], now, b, sizeof(b)));
            else
                snprintf(buf, n, "%s", a);
        }
        break;
    case C_LAST:
        if (!j->has_last && j->where == SCHED_PVE) {
            snprintf(buf, n, "not known");
            *el = EL_DIM;
        } else if (!j->has_last) {
            snprintf(buf, n, "never ran");
            *el = EL_DIM;
        } else if (j->last_outcome == RUN_RUNNING) {
            snprintf(buf, n, "%s %s", glyph(G_SPIN),
                     str_fmt_age((int64_t)(now - j->last_started), a, sizeof(a)));
            *el = EL_SPINNER;
        } else {
            bool ok = j->last_outcome == RUN_OK;
            bool warn = j->last_outcome == RUN_WARNING;

            snprintf(buf, n, "%s %s",
                     glyph(ok     ? G_OK
                           : warn ? G_WARN
                                  : G_CRIT),
                     str_fmt_age((int64_t)(now - j->last_started), a, sizeof(a)));
            *el = ok ? EL_STATUS_OK : warn ? EL_STATUS_WARN : EL_STATUS_CRIT;
        }
        break;
    case C_TOOK:
        if (j->has_last && j->last_ended > j->last_started && j->last_outcome != RUN_RUNNING)
            str_fmt_duration((int64_t)(j->last_ended - j->last_started), buf, n);
        else
            snprintf(buf, n, "%s", glyph(G_NA));
        break;
    case C_COUNT:
        break;
    }
    str_sanitize(buf);
}

static void draw_jobs(struct sched_screen *ss, struct rect r, const struct screen_ctx *ctx)
{
    int w[C_COUNT], x, rows = r.h - 3;
    size_t n = ss->s.jobs.len;
    char buf[256];

    draw_box(r, theme_attr(EL_BORDER), "jobs", theme_attr(EL_PANEL_TITLE));
    layout_columns(job_cols, C_COUNT, r.w - 4, 2, w);
    x = r.x + 2;
    for (int c = 0; c < C_COUNT; c++) {
        if (!w[c])
            continue;
        draw_field(r.y + 1, x, w[c], theme_attr(EL_COLUMN_HEADER), job_cols[c].title,
                   job_cols[c].right ? ALIGN_RIGHT : ALIGN_LEFT);
        x += w[c] + 2;
    }
    if (!n) {
        draw_text(r.y + 2, r.x + 2, r.w - 4, theme_attr(EL_DIM),
                  "no [job] with a schedule in the config: add one (see lifeboat.conf.example)");
        return;
    }
    if (rows < 1)
        return;
    if ((int)ss->sel < ss->scroll)
        ss->scroll = (int)ss->sel;
    if ((int)ss->sel >= ss->scroll + rows)
        ss->scroll = (int)ss->sel - rows + 1;
    for (int i = 0; i < rows && ss->scroll + i < (int)n; i++) {
        size_t idx = (size_t)(ss->scroll + i);
        const struct sched_job *j = vec_get(&ss->s.jobs, idx);
        bool selected = idx == ss->sel;
        int y = r.y + 2 + i;

        if (selected)
            draw_fill(y, r.x + 1, r.w - 2, theme_attr(EL_SELECTION));
        x = r.x + 2;
        for (int c = 0; c < C_COUNT; c++) {
            enum theme_el el;

            if (!w[c])
                continue;
            job_cell(ss, j, idx, (enum col)c, ctx->now, buf, sizeof(buf), &el);
            draw_field(y, x, w[c], theme_attr(selected ? EL_SELECTION : el), buf,
                       job_cols[c].right ? ALIGN_RIGHT : ALIGN_LEFT);
            x += w[c] + 2;
        }
    }
    if (ss->scroll + rows < (int)n) {
        snprintf(buf, sizeof(buf), " %s %d more ", glyph(G_DOWN), (int)n - ss->scroll - rows);
        draw_text(r.y + r.h - 1, r.x + r.w - 2 - draw_width(buf), draw_width(buf),
                  theme_attr(EL_BORDER), buf);
    }
}

/* ---- the week strip ---- */

static int first_job(uint64_t bits)
{
    for (int i = 0; i < 64; i++)
        if (bits & ((uint64_t)1 << i))
            return i;
    return -1;
}

/* Short words of the notes under the strip, at most max. */
struct note {
    enum theme_el el;
    char text[400];
};

/*
 * Where the Proxmox jobs come from when it is not a fresh read, and what is
 * left out: the warnings (warn) first, above the overlaps, the rest after.
 */
static size_t pmx_notes(const struct sched_screen *ss, bool warn, struct note *out, size_t max)
{
    const struct app_pmx *p = ss->app->pmx;
    size_t n = 0;
    char a[32];
    time_t now = ss->s.now;

    if (!p)
        return 0;
    if (ss->pmx.pve > ss->pmx.pve_matched && n < max && !warn) {
        out[n].el = EL_DIM;
        snprintf(out[n].text, sizeof(out[n].text), "%s PVE jobs' last result: %s", glyph(G_NA),
                 SCHED_PVE_LAST_NOTE);
        n++;
    } else if (ss->pmx.pve_matched && n < max && !warn) {
        out[n].el = EL_DIM;
        snprintf(out[n].text, sizeof(out[n].text), "%s PVE jobs: %s", glyph(G_NA),
                 SCHED_PVE_TASK_NOTE);
        n++;
    }
    for (int k = 0; k < 2 && n < max; k++) {
        const struct pmx_source *src = k ? &p->pbs_src : &p->pve_src;
        bool known = k ? p->pbs_jobs_known : p->pve_jobs_known;
        const char *what = k ? "PBS" : "PVE";

        if (!src->configured)
            continue;
        if (src->failed != warn) {
            continue;
        } else if (src->failed) {
            out[n].el = EL_STATUS_WARN;
            snprintf(out[n].text, sizeof(out[n].text), "%s %s not read (%.200s)%s", glyph(G_WARN),
                     what, src->error.msg, known ? ": its jobs as last cached" : "");
        } else if (!known) {
            out[n].el = EL_DIM;
            snprintf(out[n].text, sizeof(out[n].text), "%s %s jobs %s", glyph(G_NA), what,
                     src->refreshing ? "being read" : "not read yet");
        } else if (src->from_cache && src->fetched_at) {
            out[n].el = EL_DIM;
            snprintf(out[n].text, sizeof(out[n].text), "%s %s jobs as cached %s ago", glyph(G_NA),
                     what, str_fmt_age((int64_t)(now - src->fetched_at), a, sizeof(a)));
        } else {
            continue;
        }
        str_sanitize(out[n].text);
        n++;
    }
    if (p->pbs_jobs_error[0] && n < max && warn) {
        out[n].el = EL_STATUS_WARN;
        snprintf(out[n].text, sizeof(out[n].text), "%s PBS job lists: %s", glyph(G_WARN),
                 p->pbs_jobs_error);
        str_sanitize(out[n].text);
        n++;
    }
    if (ss->pmx.pve_disabled + ss->pmx.pbs_disabled && n < max && !warn) {
        out[n].el = EL_DIM;
        snprintf(out[n].text, sizeof(out[n].text),
                 "%s %zu disabled or unscheduled Proxmox job%s left out", glyph(G_NA),
                 ss->pmx.pve_disabled + ss->pmx.pbs_disabled,
                 ss->pmx.pve_disabled + ss->pmx.pbs_disabled == 1 ? "" : "s");
        n++;
    }
    return n;
}

static size_t strip_notes(const struct sched_screen *ss, struct note *out, size_t max)
{
    size_t n = 0, i;
    struct sched_recurring *g;
    struct sched_job *j;
    char days[64], q[32];
    const struct schedule *s = &ss->s;

    n += pmx_notes(ss, true, out, max);
    /* one line for each overlap that recurs: "every day 00:00-00:01", "Sat, Sun", "Sun" */
    vec_foreach(&s->recurring, i, g) {
        const struct sched_job *ja = vec_get(&s->jobs, g->a), *jb = vec_get(&s->jobs, g->b);

        if (n >= max)
            break;
        schedule_recurring_days(s, g, false, days, sizeof(days));
        out[n].el = g->shared[0] ? EL_STATUS_CRIT : EL_STATUS_WARN;
        snprintf(out[n].text, sizeof(out[n].text),
                 "%s %s %02d:%02d-%02d:%02d  %s overlaps %s%s%s%s%s", glyph(G_WARN), days,
                 g->from_min / 60, g->from_min % 60, g->to_min / 60, g->to_min % 60, ja->name,
                 jb->name, g->shared[0] ? ": both use " : "", g->shared,
                 g->shared[0] ? ", the second waits for the lock" : "",
                 g->in_quiet ? "" : " (outside the quiet window)");
        str_sanitize(out[n].text);
        n++;
    }
    if (s->overlaps_total > s->recurring_seen && n < max) {
        out[n].el = EL_STATUS_WARN;
        snprintf(out[n].text, sizeof(out[n].text), "%s and %zu more overlaps", glyph(G_WARN),
                 s->overlaps_total - s->recurring_seen);
        n++;
    }
    if (s->quiet_from >= 0)
        snprintf(q, sizeof(q), "%02d:%02d-%02d:%02d", s->quiet_from / 60, s->quiet_from % 60,
                 s->quiet_to / 60, s->quiet_to % 60);
    vec_foreach(&s->jobs, i, j) {
        if (n >= max)
            break;
        if (!j->ev) {
            out[n].el = EL_STATUS_CRIT;
            snprintf(out[n].text, sizeof(out[n].text), "%s %s: %s", glyph(G_CRIT), j->name,
                     j->error);
        } else if (j->outside_quiet) {
            out[n].el = EL_STATUS_WARN;
            snprintf(out[n].text, sizeof(out[n].text), "%s %s runs outside the quiet window %s",
                     glyph(G_WARN), j->name, q);
        } else {
            continue;
        }
        str_sanitize(out[n].text);
        n++;
    }
    n += pmx_notes(ss, false, out + n, max - n);
    if (!s->overlaps.len && n < max && s->jobs.len > 1) {
        out[n].el = EL_STATUS_OK;
        snprintf(out[n].text, sizeof(out[n].text), "%s no runs overlap this week", glyph(G_OK));
        n++;
    }
    return n;
}

static void draw_strip(struct sched_screen *ss, struct rect r, const struct screen_ctx *ctx)
{
    int inner = r.w - 4 - LABEL_W;
    int per_hour = sched_strip_per_hour(inner);
    int cols = 24 * per_hour, days = r.h - 3 < SCHED_DAYS ? r.h - 3 : SCHED_DAYS;
    size_t ncells;
    struct sched_cell *cells;
    char title[96], buf[64];
    int x0 = r.x + 2 + LABEL_W, y;
    struct note notes[16];
    size_t nnotes;
    time_t day0 = ss->s.from;
    uint64_t selbit = ss->sel < 64 ? (uint64_t)1 << ss->sel : 0;

    if (ss->s.quiet_from >= 0)
        snprintf(title, sizeof(title), "week %s quiet %02d:%02d-%02d:%02d", glyph(G_SEP),
                 ss->s.quiet_from / 60, ss->s.quiet_from % 60, ss->s.quiet_to / 60,
                 ss->s.quiet_to % 60);
    else
        snprintf(title, sizeof(title), "week %s no quiet window set", glyph(G_SEP));
    draw_box(r, theme_attr(EL_BORDER), title, theme_attr(EL_PANEL_TITLE));
    if (days < 1 || inner < 24)
        return;
    /* hour ruler: every 2 hours, or every hour when there is room */
    for (int h = 0; h < 24; h += per_hour >= 3 ? 1 : 2) {
        snprintf(buf, sizeof(buf), "%02d", h);
        draw_text(r.y + 1, x0 + h * per_hour, 2, theme_attr(EL_LABEL), buf);
    }
    cells = xcalloc((size_t)SCHED_DAYS * 24 * (size_t)per_hour, sizeof(*cells));
    ncells = schedule_strip(&ss->s, day0, SCHED_DAYS, per_hour, cells);
    for (int d = 0; d < days; d++) {
        time_t ds = schedule_day_start(day0, d);
        struct tm tm;
        const char *note = NULL;

        y = r.y + 2 + d;
        localtime_r(&ds, &tm);
        strftime(buf, sizeof(buf), "%a %d", &tm);
        draw_text(y, r.x + 2, LABEL_W - 1, theme_attr(d == 0 ? EL_PANEL_TITLE : EL_LABEL), buf);
        for (int c = 0; c < cols && (size_t)(d * cols + c) < ncells; c++) {
            const struct sched_cell *cell = &cells[d * cols + c];
            bool now_cell = ctx->now >= cell->start && ctx->now < cell->end;
            enum theme_el el = EL_NORMAL;
            char ch[8];
            attr_t extra = 0;

            if (cell->overlap) {
                snprintf(ch, sizeof(ch), "!");
                el = EL_STATUS_CRIT;
            } else if (cell->jobs) {
                int jn = first_job(cell->jobs);

                snprintf(ch, sizeof(ch), "%c",
                         cell->jobs & (cell->jobs - 1) ? '+'
                         : jn >= 0 && ss->letters[jn]  ? ss->letters[jn]
                                                       : '#');
                el = EL_STATUS_OK;
            } else if (cell->quiet) {
                snprintf(ch, sizeof(ch), "%s", glyph(G_BAR_EMPTY));
                el = EL_DIM;
            } else if (c % per_hour == 0) {
                snprintf(ch, sizeof(ch), "%s", glyph(G_NA));
                el = EL_DIM;
            } else {
                snprintf(ch, sizeof(ch), " ");
            }
            if (cell->jobs & selbit)
                el = EL_SELECTION;
            else if (now_cell)
                el = EL_SELECTION;
            else if (cell->past && el != EL_STATUS_CRIT)
                extra = A_DIM;
            draw_text(y, x0 + c, 1, theme_attr(el) | extra, ch);
            if (cell->overlap && !note)
                note = "overlap";
        }
        if (note && x0 + cols + 2 < r.x + r.w - 2)
            draw_text(y, x0 + cols + 1, r.x + r.w - 2 - (x0 + cols + 1), theme_attr(EL_STATUS_CRIT),
                      glyph(G_WARN));
    }
    free(cells);
    /* the notes: overlaps, runs outside the quiet window */
    nnotes = strip_notes(ss, notes, 16);
    y = r.y + 2 + days;
    for (size_t i = 0; i < nnotes && y < r.y + r.h - 1; i++, y++)
        draw_text(y, r.x + 2, r.w - 4, theme_attr(notes[i].el), notes[i].text);
    if (y + 1 < r.y + r.h - 1 && ss->sel < ss->s.jobs.len) {
        /* the selected job said in full */
        const struct sched_job *j = vec_get(&ss->s.jobs, ss->sel);
        char line[512], when[3][40], dur[32], tw[256];
        size_t used = 0, k;
        char *tname;

        tw[0] = '\0';
        vec_foreach(&j->touches, k, tname) {
            int wr = snprintf(tw + used, sizeof(tw) - used, "%s%s", used ? ", " : "", tname);

            if (wr < 0 || (size_t)wr >= sizeof(tw) - used)
                break;
            used += (size_t)wr;
        }
        for (int i = 0; i < 3; i++)
            when[i][0] = '\0';
        for (int i = 0; i < j->n_next && i < 3; i++)
            sched_when_text(j->next[i], ctx->now, when[i], sizeof(when[i]));
        str_fmt_duration(j->duration, dur, sizeof(dur));
        snprintf(line, sizeof(line), "%c %s: %s %s next %s%s%s%s%s %s runs %s%s%s%s%s%s",
                 ss->letters[ss->sel], j->name, j->calendar, glyph(G_SEP),
                 j->n_next ? when[0] : "never", j->n_next > 1 ? ", " : "", when[1],
                 j->n_next > 2 ? ", " : "", when[2], glyph(G_SEP), dur,
                 j->duration_estimated ? " (assumed: no run seen)" : " (longest of the last runs)",
                 tw[0] ? " " : "", tw[0] ? glyph(G_SEP) : "", tw[0] ? " uses " : "", tw);
        str_sanitize(line);
        y++;
        draw_text(y++, r.x + 2, r.w - 4, theme_attr(EL_NORMAL), line);
    }
    if (y < r.y + r.h - 1 && ss->s.jobs.len) {
        /* the key of the letters */
        char key[256];
        size_t used = 0;

        key[0] = '\0';
        for (size_t i = 0; i < ss->s.jobs.len && i < MAX_JOBS; i++) {
            const struct sched_job *j = vec_get(&ss->s.jobs, i);
            int wr = snprintf(key + used, sizeof(key) - used, "%s%c %s", i ? "  " : "",
                              ss->letters[i], j->name);

            if (wr < 0 || (size_t)wr >= sizeof(key) - used)
                break;
            used += (size_t)wr;
        }
        snprintf(buf, sizeof(buf), "  ! overlap  %s quiet", glyph(G_BAR_EMPTY));
        str_sanitize(key);
        draw_text(y, r.x + 2, r.w - 4, theme_attr(EL_DIM), key);
        if (draw_width(key) + draw_width(buf) + 2 < r.w - 4)
            draw_text(y, r.x + 2 + draw_width(key), draw_width(buf), theme_attr(EL_DIM), buf);
    }
}

/* ---- run a PVE backup job now ---- */

/* The run started from this screen (borrowed), NULL. */
static const struct pmx_task *own_task(const struct sched_screen *ss)
{
    size_t i;
    const struct pmx_task *t;

    if (!ss->task_id || !ss->app->pmx)
        return NULL;
    vec_foreach(&ss->app->pmx->tasks, i, t) {
        if (t->id == ss->task_id)
            return t;
    }
    return NULL;
}

/* The guests a job selects, in words: "100 pfsense, 101 docker" / "all" / "pool lab". */
static void job_guests(const struct sched_screen *ss, const struct pve_backup_job *j, char *out,
                       size_t n)
{
    size_t used = 0;

    out[0] = '\0';
    if (j->all || j->exclude) {
        snprintf(out, n, "all%s%s", j->exclude ? " except " : "", j->exclude ? j->exclude : "");
    } else if (j->pool) {
        snprintf(out, n, "pool %s", j->pool);
    } else if (j->vmid) {
        const char *p = j->vmid;

        while (*p && used + 1 < n) {
            char id[16];
            size_t k = 0;
            int64_t v;
            const struct pmx_guest *g;
            int wr;

            while (*p == ',' || *p == ' ' || *p == ';')
                p++;
            while (*p && *p != ',' && *p != ' ' && *p != ';' && k + 1 < sizeof(id))
                id[k++] = *p++;
            id[k] = '\0';
            if (!k)
                break;
            g = str_to_i64(id, 1, 999999999, &v) == 0 ? app_pmx_guest(ss->app, (int)v) : NULL;
            wr = snprintf(out + used, n - used, "%s%s%s%s", used ? ", " : "", id,
                          g && g->name ? " " : "", g && g->name ? g->name : "");
            if (wr < 0 || (size_t)wr >= n - used)
                break;
            used += (size_t)wr;
        }
    }
    if (!out[0])
        snprintf(out, n, "none");
    str_sanitize(out);
}

static void draw_confirm(struct sched_screen *ss, struct rect area)
{
    const struct pve_backup_job *j = app_pmx_backup_job(ss->app, ss->confirm_job);
    int w = area.w - 4 < 84 ? area.w - 4 : 84, h = 11, y;
    struct rect r;
    char line[640], guests[400];
    const char *node;

    if (!j) {
        ss->confirm = false;
        notice(ss, true, "backup job %s is gone from PVE's list: nothing was run", ss->confirm_job);
        return;
    }
    if (!j->enabled)
        h++;
    if (h > area.h)
        h = area.h;
    r = (struct rect){ area.y + (area.h - h) / 2, area.x + (area.w - w) / 2, h, w };
    draw_clear(r, theme_attr(EL_NORMAL));
    snprintf(line, sizeof(line), "run backup job %s now?", j->id);
    str_sanitize(line);
    draw_box(r, theme_attr(EL_BORDER), line, theme_attr(EL_PANEL_TITLE));
    y = r.y + 1;
    snprintf(line, sizeof(line), "job       %s%s%s%s", j->id, j->comment ? "  (" : "",
             j->comment ? j->comment : "", j->comment ? ")" : "");
    str_sanitize(line);
    draw_text(y++, r.x + 2, w - 4, theme_attr(EL_PANEL_TITLE), line);
    job_guests(ss, j, guests, sizeof(guests));
    snprintf(line, sizeof(line), "guests    %s", guests);
    draw_text(y++, r.x + 2, w - 4, theme_attr(EL_PANEL_TITLE), line);
    node = app_pmx_backup_job_node(ss->app, j);
    snprintf(line, sizeof(line), "storage   %s   mode %s   node %s", j->storage ? j->storage : "?",
             j->mode ? j->mode : "snapshot", node ? node : "?");
    str_sanitize(line);
    draw_text(y++, r.x + 2, w - 4, theme_attr(EL_PANEL_TITLE), line);
    y++;
    if (!j->enabled)
        draw_text(y++, r.x + 2, w - 4, theme_attr(EL_STATUS_WARN),
                  "This job is disabled (it does not run on its schedule); Run now still runs "
                  "it once.");
    draw_text(y++, r.x + 2, w - 4, theme_attr(EL_NORMAL),
              "Backs them up now as the job would: new backups, nothing overwritten.");
    draw_text(y++, r.x + 2, w - 4, theme_attr(EL_NORMAL),
              "The task is followed on the bottom line.");
    draw_text(r.y + h - 2, r.x + 2, w - 4, theme_attr(EL_PROMPT), "Enter runs it   Esc cancels");
}

/* The bottom line: the notice, else the run started here (live), else nothing. */
static bool draw_status(struct sched_screen *ss, int y, int x, int w, const struct screen_ctx *ctx)
{
    const struct pmx_task *t = own_task(ss);
    char line[700], dur[32];
    enum theme_el el;

    if (ss->notice[0]) {
        draw_text(y, x, w, theme_attr(ss->notice_error ? EL_ERROR : EL_MESSAGE), ss->notice);
        return true;
    }
    if (!t)
        return false;
    if (t->state == PMX_TASK_DONE) {
        str_fmt_duration((int64_t)(t->ended - t->started), dur, sizeof(dur));
        if (t->outcome == PMX_OK || t->outcome == PMX_WARNINGS) {
            snprintf(line, sizeof(line), "%s %s: %s in %s", glyph(G_OK), t->what,
                     t->outcome == PMX_OK ? "done" : t->exitstatus, dur);
            el = t->outcome == PMX_OK ? EL_STATUS_OK : EL_STATUS_WARN;
        } else {
            snprintf(line, sizeof(line), "%s %s: failed: %s", glyph(G_CRIT), t->what,
                     t->exitstatus);
            el = EL_STATUS_CRIT;
        }
    } else {
        snprintf(line, sizeof(line), "%s %s: %s %llds%s%s", glyph(G_SPIN), t->what,
                 t->state == PMX_TASK_STARTING ? "starting" : "running",
                 (long long)((ctx->now_ms - t->started_ms) / 1000), t->log.len ? " | " : "",
                 t->log.len ? (const char *)t->log.items[t->log.len - 1] : "");
        el = EL_SPINNER;
    }
    str_sanitize(line);
    draw_text(y, x, w, theme_attr(el), line);
    return true;
}

/* s on the selected row. */
static void run_now(struct sched_screen *ss)
{
    const struct sched_job *j;
    const struct pmx_task *t = own_task(ss);

    if (ss->sel >= ss->s.jobs.len) {
        notice(ss, false, "no job selected");
        return;
    }
    j = vec_get(&ss->s.jobs, ss->sel);
    switch (j->where) {
    case SCHED_LIFEBOAT:
        notice(ss, false,
               "%s is lifeboat's own job: run it from the Runs screen (3, then s) or with "
               "`lifeboat run %s`",
               j->name, j->name);
        return;
    case SCHED_PBS:
        notice(ss, false,
               "%s is a PBS job: running it from lifeboat is not supported; use the PBS GUI "
               "(Run now) or wait for its schedule",
               j->name);
        return;
    case SCHED_PVE:
        break;
    }
    if (!app_pmx_backup_job(ss->app, j->name)) {
        notice(ss, true, "backup job %s is not in PVE's list: r rereads it", j->name);
        return;
    }
    if (t && t->state != PMX_TASK_DONE) {
        notice(ss, true, "%s is still running: wait for it to end", t->what);
        return;
    }
    str_copy(ss->confirm_job, sizeof(ss->confirm_job), j->name);
    ss->confirm = true;
    ss->notice[0] = '\0';
}

static void run_confirmed(struct sched_screen *ss)
{
    struct lb_err err = { 0 };
    size_t n;

    ss->confirm = false;
    if (app_pmx_backup_job_run(ss->app, ss->confirm_job, &err) < 0) {
        notice(ss, true, "%s", err.msg);
        return;
    }
    n = ss->app->pmx->tasks.len;
    ss->task_id = n ? ((const struct pmx_task *)ss->app->pmx->tasks.items[n - 1])->id : 0;
    ss->notice[0] = '\0';
}

/* ---- the screen ---- */

static void schedule_draw(void *st, struct rect area, const struct screen_ctx *ctx)
{
    struct sched_screen *ss = st;
    int min[2], want[2], h[2];
    struct note notes[16];
    size_t nnotes;
    struct rect full = area;

    ensure_built(ss, ctx->now);
    if (draw_status(ss, area.y + area.h - 1, area.x + 1, area.w - 2, ctx))
        area.h--;
    nnotes = strip_notes(ss, notes, 16);
    min[0] = 4;
    want[0] = 3 + (int)(ss->s.jobs.len ? ss->s.jobs.len : 1);
    min[1] = 3 + SCHED_DAYS;
    want[1] = 3 + SCHED_DAYS + (int)nnotes + 1;
    layout_stack(area.h, 2, min, want, h);
    if (h[1] < min[1] && area.h >= min[1] + 4) {
        h[0] = area.h - min[1];
        h[1] = min[1];
    }
    if (h[0])
        draw_jobs(ss, (struct rect){ area.y, area.x, h[0], area.w }, ctx);
    if (h[1] >= 4)
        draw_strip(ss, (struct rect){ area.y + h[0], area.x, area.h - h[0], area.w }, ctx);
    if (ss->confirm)
        draw_confirm(ss, full);
}

static unsigned schedule_action(void *st, enum action a, const struct screen_ctx *ctx)
{
    struct sched_screen *ss = st;
    size_t n;

    ensure_built(ss, ctx->now);
    n = ss->s.jobs.len;
    if (ss->confirm) {
        if (a == ACTION_ENTER) {
            run_confirmed(ss);
        } else if (a == ACTION_BACK || a == ACTION_QUIT) {
            ss->confirm = false;
            notice(ss, false, "cancelled: backup job %s was not run", ss->confirm_job);
        }
        return REACT_HANDLED; /* nothing else while the question is open */
    }
    if (a != ACTION_NONE && a != ACTION_REFRESH)
        ss->notice[0] = '\0';
    switch (a) {
    case ACTION_MOVE_UP:
        if (ss->sel > 0)
            ss->sel--;
        return REACT_HANDLED;
    case ACTION_MOVE_DOWN:
        if (ss->sel + 1 < n)
            ss->sel++;
        return REACT_HANDLED;
    case ACTION_MOVE_FIRST:
        ss->sel = 0;
        return REACT_HANDLED;
    case ACTION_MOVE_LAST:
        ss->sel = n ? n - 1 : 0;
        return REACT_HANDLED;
    case ACTION_REFRESH:
        ss->dirty = true;
        return REACT_NONE; /* the manager refreshes the rest too */
    case ACTION_JOB_RUN_NOW:
        run_now(ss);
        return REACT_HANDLED;
    default:
        return REACT_NONE;
    }
}

static unsigned schedule_change(void *st, unsigned flags, const struct screen_ctx *ctx)
{
    struct sched_screen *ss = st;

    (void)ctx;
    ss->dirty = true; /* a run may have ended: read its result at the next draw */
    return (flags & APP_CHANGED_PROXMOX) && own_task(ss) ? REACT_REDRAW : REACT_NONE;
}

static void *schedule_create(struct app *app)
{
    struct sched_screen *ss = xcalloc(1, sizeof(*ss));

    ss->app = app;
    return ss;
}

static void schedule_destroy(void *st)
{
    struct sched_screen *ss = st;

    if (ss->built)
        schedule_release(&ss->s);
    free(ss);
}

const struct screen_ops scr_schedule_ops = {
    .name = "schedule",
    .title = "Schedule",
    .number = 2,
    .create = schedule_create,
    .destroy = schedule_destroy,
    .draw = schedule_draw,
    .on_action = schedule_action,
    .on_change = schedule_change,
};
