/*
 * Screen 3, Runs: every [job] with its last run (outcome, when, how long,
 * data added) and its next run; the run in progress with a bar, files,
 * bytes, rate and ETA (this console's run, or a timer's seen through the
 * store); the run history. Enter opens a run: its steps, and the selected
 * step's figures, message and log excerpt. s starts the selected job after
 * a confirmation that names it and shows what it will run; x cancels this
 * console's run after a confirmation. t switches to the Proxmox VE and PBS
 * tasks, whoever started them, and their logs (tui/runs_pmx.c).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/app.h"
#include "backend/app_runs.h"
#include "backend/base/buf.h"
#include "backend/base/clock.h"
#include "backend/base/str.h"
#include "backend/base/xalloc.h"
#include "backend/config.h"
#include "backend/jobs.h"
#include "tui/glyph.h"
#include "tui/layout.h"
#include "tui/runs_pmx.h"
#include "tui/scr_runs.h"
#include "tui/screen.h"
#include "tui/theme.h"

#define PREVIEW_MAX 200 /* lines of the start confirmation kept */
#define LINE_MAX_   320
#define BAR_W       16
#define WIDE_COLS   140 /* from here the selected run sits beside the history */

enum confirm { CONFIRM_NONE, CONFIRM_START, CONFIRM_CANCEL };

struct runs_scr {
    struct app *app;
    size_t sel;        /* jobs rows first, then history rows */
    int hist_scroll;   /* first history row shown */
    bool detail;       /* a run is open */
    int64_t detail_id; /* its id */
    size_t step_sel;
    int text_scroll; /* detail text scroll */
    int page;
    enum confirm confirm;
    char confirm_job[64];
    char **preview; /* the job's steps and commands (jobs_describe), sanitized */
    size_t npreview;
    int preview_scroll;
    char notice[LINE_MAX_];
    bool pmx;              /* the Proxmox tasks are shown (t) */
    struct runs_pmx *pmxv; /* their view */
};

static struct runs_scr *the_screen; /* for :run (one Runs screen per console) */

/* ---- words ---- */

static const char *outcome_word(enum run_outcome o, enum theme_el *el, enum glyph *g)
{
    switch (o) {
    case RUN_RUNNING:
        *el = EL_SPINNER;
        *g = G_SPIN;
        return "running";
    case RUN_OK:
        *el = EL_STATUS_OK;
        *g = G_OK;
        return "ok";
    case RUN_WARNING:
        *el = EL_STATUS_WARN;
        *g = G_WARN;
        return "warning";
    case RUN_FAILED:
        *el = EL_STATUS_CRIT;
        *g = G_CRIT;
        return "failed";
    case RUN_INTERRUPTED:
        *el = EL_STATUS_CRIT;
        *g = G_CRIT;
        return "interrupted";
    case RUN_CANCELLED:
        *el = EL_STATUS_WARN;
        *g = G_WARN;
        return "cancelled";
    }
    *el = EL_DIM;
    *g = G_UNKNOWN;
    return "?";
}

static enum theme_el fmt_outcome(enum run_outcome o, char *out, size_t n)
{
    enum theme_el el;
    enum glyph g;
    const char *w = outcome_word(o, &el, &g);

    snprintf(out, n, "%s %s", glyph(g), w);
    return el;
}

static char *fmt_took(const struct runs_run *r, time_t now, char *out, size_t n)
{
    int64_t d = runs_run_duration(r);

    if (d >= 0)
        return str_fmt_duration(d, out, n);
    if (r->live)
        return str_fmt_duration(now - r->started, out, n);
    snprintf(out, n, "-");
    return out;
}

static char *fmt_added(const struct runs_run *r, char *out, size_t n)
{
    char b[32];

    snprintf(out, n, "+%s", str_fmt_bytes(r->data_added, b, sizeof(b)));
    return out;
}

/* "03:00 in 12h 58m", "Sun 04:30 in 2d 14h", "2027-01-01 in 36d". */
static char *fmt_next(const struct runs_job *j, time_t now, char *out, size_t n)
{
    struct tm tm, today;
    char when[32], in[32];

    if (!j->has_next) {
        snprintf(out, n, "%s", j->cfg->schedule ? "never" : "no schedule");
        return out;
    }
    localtime_r(&j->next, &tm);
    localtime_r(&now, &today);
    if (j->next - now < 86400 && tm.tm_mday == today.tm_mday)
        strftime(when, sizeof(when), "%H:%M", &tm);
    else if (j->next - now < 6 * 86400)
        strftime(when, sizeof(when), "%a %H:%M", &tm);
    else
        strftime(when, sizeof(when), "%Y-%m-%d", &tm);
    if (j->next - now < 86400 && tm.tm_mday != today.tm_mday)
        strftime(when, sizeof(when), "%a %H:%M", &tm);
    snprintf(out, n, "%s in %s", when, str_fmt_duration(j->next - now, in, sizeof(in)));
    return out;
}

static char *fmt_when(time_t t, time_t now, char *out, size_t n)
{
    char a[32];

    if (!t)
        snprintf(out, n, "-");
    else
        snprintf(out, n, "%s ago", str_fmt_age(now - t, a, sizeof(a)));
    return out;
}

static char *fmt_local(time_t t, char *out, size_t n)
{
    struct tm tm;

    localtime_r(&t, &tm);
    strftime(out, n, "%Y-%m-%d %H:%M", &tm);
    return out;
}

/* A bar of w cells for pct (0..100). */
static int draw_bar(int y, int x, int w, double pct)
{
    int full = (int)(pct / 100.0 * w + 0.5);

    if (full < 0)
        full = 0;
    if (full > w)
        full = w;
    for (int i = 0; i < w; i++)
        draw_text(y, x + i, 1, theme_attr(i < full ? EL_STATUS_OK : EL_DIM),
                  glyph(i < full ? G_BAR_FULL : G_BAR_EMPTY));
    return w;
}

static char *fmt_rate_eta(const struct jobs_progress *p, char *out, size_t n)
{
    char rate[32], eta[32];

    str_fmt_bytes((uint64_t)p->bytes_per_sec, rate, sizeof(rate));
    if (p->eta_seconds >= 0)
        str_fmt_duration(p->eta_seconds, eta, sizeof(eta));
    else
        snprintf(eta, sizeof(eta), "?");
    snprintf(out, n, "%s/s ETA %s", rate, eta);
    return out;
}

/* ---- rows ---- */

static size_t njobs(const struct runs_scr *rs)
{
    return rs->app->runs ? rs->app->runs->jobs.len : 0;
}

static size_t nhist(const struct runs_scr *rs)
{
    return rs->app->runs ? rs->app->runs->history.len : 0;
}

static const struct runs_job *sel_job(const struct runs_scr *rs)
{
    size_t nj = njobs(rs);

    if (rs->sel < nj)
        return rs->app->runs->jobs.items[rs->sel];
    if (rs->sel - nj < nhist(rs)) {
        const struct runs_run *r = rs->app->runs->history.items[rs->sel - nj];

        return app_runs_job(rs->app, r->job);
    }
    return NULL;
}

static const struct runs_run *sel_run(const struct runs_scr *rs)
{
    size_t nj = njobs(rs);

    if (rs->sel < nj)
        return ((const struct runs_job *)rs->app->runs->jobs.items[rs->sel])->last;
    if (rs->sel - nj < nhist(rs))
        return rs->app->runs->history.items[rs->sel - nj];
    return NULL;
}

static const struct runs_run *find_run(const struct app *app, int64_t id)
{
    size_t i;
    struct runs_run *r;
    struct runs_job *j;

    if (!app->runs)
        return NULL;
    vec_foreach(&app->runs->history, i, r) {
        if (r->id == id)
            return r;
    }
    vec_foreach(&app->runs->jobs, i, j) {
        if (j->last && j->last->id == id)
            return j->last;
    }
    return NULL;
}

/* ---- the jobs table ---- */

enum jcol { JC_JOB, JC_LAST, JC_WHEN, JC_TOOK, JC_ADDED, JC_NEXT, JC_SCHED, JC_COUNT };

static const struct col_spec job_cols[JC_COUNT] = {
    [JC_JOB] = { "job", 8, 14, 0, false },         [JC_LAST] = { "last run", 12, 14, 0, false },
    [JC_WHEN] = { "when", 8, 9, 1, false },        [JC_TOOK] = { "took", 8, 12, 1, true },
    [JC_ADDED] = { "added", 9, 10, 2, true },      [JC_NEXT] = { "next", 20, 24, 0, false },
    [JC_SCHED] = { "schedule", 12, 30, 3, false },
};

static void job_cell(const struct runs_job *j, enum jcol c, time_t now, char *out, size_t n,
                     enum theme_el *el)
{
    const struct runs_run *r = j->last;

    *el = EL_NORMAL;
    out[0] = '\0';
    switch (c) {
    case JC_JOB:
        snprintf(out, n, "%s", j->cfg->name);
        break;
    case JC_LAST:
        if (r)
            *el = fmt_outcome(r->outcome, out, n);
        else {
            snprintf(out, n, "never ran");
            *el = EL_DIM;
        }
        break;
    case JC_WHEN:
        if (r)
            fmt_when(r->started, now, out, n);
        break;
    case JC_TOOK:
        if (r)
            fmt_took(r, now, out, n);
        break;
    case JC_ADDED:
        if (r)
            fmt_added(r, out, n);
        break;
    case JC_NEXT:
        fmt_next(j, now, out, n);
        break;
    case JC_SCHED:
        snprintf(out, n, "%s", j->cfg->schedule ? j->cfg->schedule : "-");
        *el = EL_DIM;
        break;
    case JC_COUNT:
        break;
    }
    str_sanitize(out);
}

static void draw_jobs(struct runs_scr *rs, struct rect r, const struct screen_ctx *ctx)
{
    int w[JC_COUNT], x;
    char buf[256];
    size_t i;
    struct runs_job *j;

    draw_box(r, theme_attr(EL_BORDER), "jobs", theme_attr(EL_PANEL_TITLE));
    if (!njobs(rs)) {
        draw_text(r.y + 1, r.x + 2, r.w - 4, theme_attr(EL_DIM),
                  "no [job NAME] in the config: add one (schedule, repos, paths)");
        return;
    }
    layout_columns(job_cols, JC_COUNT, r.w - 4, 2, w);
    x = r.x + 2;
    for (int c = 0; c < JC_COUNT; c++) {
        if (!w[c])
            continue;
        draw_field(r.y + 1, x, w[c], theme_attr(EL_COLUMN_HEADER), job_cols[c].title,
                   job_cols[c].right ? ALIGN_RIGHT : ALIGN_LEFT);
        x += w[c] + 2;
    }
    vec_foreach(&rs->app->runs->jobs, i, j) {
        int y = r.y + 2 + (int)i;
        bool selected = i == rs->sel;

        if (y >= r.y + r.h - 1)
            break;
        if (selected)
            draw_fill(y, r.x + 1, r.w - 2, theme_attr(EL_SELECTION));
        x = r.x + 2;
        for (int c = 0; c < JC_COUNT; c++) {
            enum theme_el el;

            if (!w[c])
                continue;
            job_cell(j, (enum jcol)c, ctx->now, buf, sizeof(buf), &el);
            draw_field(y, x, w[c], theme_attr(selected ? EL_SELECTION : el), buf,
                       job_cols[c].right ? ALIGN_RIGHT : ALIGN_LEFT);
            x += w[c] + 2;
        }
    }
}

/* ---- the run in progress ---- */

static const struct runs_step *running_step(const struct runs_run *r, size_t *index)
{
    size_t i;
    struct runs_step *s;
    const struct runs_step *found = NULL;

    *index = 0;
    vec_foreach(&r->steps, i, s) {
        if (s->outcome == RUN_RUNNING && !s->ended) {
            found = s;
            *index = i;
        }
    }
    return found;
}

/* The progress box: 4 rows. */
static void draw_live(struct runs_scr *rs, const struct runs_run *r, struct rect box,
                      const struct screen_ctx *ctx)
{
    const struct app_runs *ar = rs->app->runs;
    size_t idx = 0, total = r->steps.len;
    const struct runs_step *s = running_step(r, &idx);
    char title[160], line[LINE_MAX_], a[32], b[32], t[32];
    int x, y = box.y + 1, w = box.w - 4;

    if (r->ours && ar->run_step_count)
        total = ar->run_step_count;
    else if (r->planned > total)
        total = r->planned;
    snprintf(title, sizeof(title), "running %s %s #%lld %s %s", glyph(G_SEP), r->job,
             (long long)r->id, glyph(G_SEP),
             r->ours ? "started here (x cancels)" : "by another process");
    str_sanitize(title);
    draw_box(box, theme_attr(EL_BORDER), title, theme_attr(EL_PANEL_TITLE));
    x = box.x + 2;
    if (!s) {
        snprintf(line, sizeof(line), "%s between steps %s %s so far", glyph(G_SPIN), glyph(G_SEP),
                 str_fmt_duration(ctx->now - r->started, t, sizeof(t)));
        draw_text(y, x, w, theme_attr(EL_SPINNER), line);
        return;
    }
    snprintf(line, sizeof(line), "step %zu of %zu  %s%s%s  ", idx + 1, total, s->kind,
             s->target[0] ? " " : "", s->target);
    str_sanitize(line);
    x += draw_text(y, x, w, theme_attr(EL_NORMAL), line);
    if (s->has_progress && (s->progress.total_bytes || s->progress.percent > 0)) {
        int bw = box.x + box.w - 2 - x - 10;

        if (bw > BAR_W * 2)
            bw = BAR_W * 2;
        if (bw >= 6) {
            x += draw_bar(y, x, bw, s->progress.percent);
            snprintf(line, sizeof(line), " %5.1f %%", s->progress.percent);
            draw_text(y, x, box.x + box.w - 2 - x, theme_attr(EL_NORMAL), line);
        }
        snprintf(line, sizeof(line), "%llu / %llu files   %s / %s   %s   %s elapsed",
                 (unsigned long long)s->progress.files_done,
                 (unsigned long long)s->progress.total_files,
                 str_fmt_bytes(s->progress.bytes_done, a, sizeof(a)),
                 str_fmt_bytes(s->progress.total_bytes, b, sizeof(b)),
                 fmt_rate_eta(&s->progress, title, sizeof(title)),
                 str_fmt_duration(s->progress.elapsed_seconds, t, sizeof(t)));
        draw_text(y + 1, box.x + 2, w, theme_attr(EL_NORMAL), line);
        if (s->progress.errors) {
            snprintf(line, sizeof(line), "%s %llu file(s) could not be read so far", glyph(G_WARN),
                     (unsigned long long)s->progress.errors);
            draw_text(y + 1 + (box.h > 4), box.x + 2, w, theme_attr(EL_STATUS_WARN), line);
        }
    } else {
        snprintf(line, sizeof(line), "%s %s", glyph(G_SPIN),
                 str_fmt_duration(ctx->now - s->started, t, sizeof(t)));
        draw_text(y, x, box.x + box.w - 2 - x, theme_attr(EL_SPINNER), line);
    }
    if (!r->ours && ctx->now - r->heartbeat > RUNS_STALE_AFTER && box.h > 3) {
        snprintf(line, sizeof(line), "%s no sign of life for %s (PID %d still exists)",
                 glyph(G_WARN), str_fmt_age(ctx->now - r->heartbeat, t, sizeof(t)), r->pid);
        draw_text(box.y + box.h - 2, box.x + 2, w, theme_attr(EL_STATUS_WARN), line);
    } else if (r->ours && ar->nnotes && box.h > 3) {
        int k = ar->nnotes - 1;
        enum theme_el el = ar->notes_sev[k] == RUN_FAILED    ? EL_STATUS_CRIT
                           : ar->notes_sev[k] == RUN_WARNING ? EL_STATUS_WARN
                                                             : EL_DIM;

        draw_text(box.y + box.h - 2, box.x + 2, w, theme_attr(el), ar->notes[k]);
    }
}

/* ---- history ---- */

enum hcol { HC_ID, HC_JOB, HC_STARTED, HC_TOOK, HC_OUTCOME, HC_ADDED, HC_SUMMARY, HC_COUNT };

static const struct col_spec hist_cols[HC_COUNT] = {
    [HC_ID] = { "run", 4, 7, 1, true },
    [HC_JOB] = { "job", 8, 12, 0, false },
    [HC_STARTED] = { "started", 12, 12, 0, false },
    [HC_TOOK] = { "took", 6, 10, 1, true },
    [HC_OUTCOME] = { "outcome", 13, 13, 0, false },
    [HC_ADDED] = { "added", 8, 10, 2, true },
    [HC_SUMMARY] = { "summary", 12, 0, 3, false },
};

static void hist_cell(const struct runs_run *r, enum hcol c, time_t now, char *out, size_t n,
                      enum theme_el *el)
{
    *el = EL_NORMAL;
    out[0] = '\0';
    switch (c) {
    case HC_ID:
        snprintf(out, n, "#%lld", (long long)r->id);
        *el = EL_DIM;
        break;
    case HC_JOB:
        snprintf(out, n, "%s", r->job);
        break;
    case HC_STARTED: {
        struct tm tm;

        localtime_r(&r->started, &tm);
        strftime(out, n, "%b %d %H:%M", &tm);
        break;
    }
    case HC_TOOK:
        fmt_took(r, now, out, n);
        break;
    case HC_OUTCOME:
        *el = fmt_outcome(r->outcome, out, n);
        break;
    case HC_ADDED:
        fmt_added(r, out, n);
        break;
    case HC_SUMMARY:
        if (r->live)
            snprintf(out, n, "PID %d%s", r->pid, r->ours ? ", this console" : "");
        else if (r->outcome == RUN_INTERRUPTED && r->recorded_running)
            snprintf(out, n, "PID %d gone, no sign of life since %s", r->pid,
                     fmt_when(r->heartbeat, now, (char[32]){ 0 }, 32));
        else
            snprintf(out, n, "%s", r->summary);
        *el = EL_DIM;
        break;
    case HC_COUNT:
        break;
    }
    str_sanitize(out);
}

static void draw_history(struct runs_scr *rs, struct rect r, const struct screen_ctx *ctx)
{
    int w[HC_COUNT], x, rows = r.h - 3;
    char buf[320], title[64];
    size_t n = nhist(rs), nj = njobs(rs);

    snprintf(title, sizeof(title), "history %s %zu run%s", glyph(G_SEP), n, n == 1 ? "" : "s");
    draw_box(r, theme_attr(EL_BORDER), title, theme_attr(EL_PANEL_TITLE));
    if (rs->app->runs && rs->app->runs->store_failed) {
        draw_text(r.y + 1, r.x + 2, r.w - 4, theme_attr(EL_ERROR), rs->app->runs->error.msg);
        return;
    }
    if (!rs->app->store) {
        draw_text(r.y + 1, r.x + 2, r.w - 4, theme_attr(EL_DIM),
                  "no database open: runs are not recorded (see the message at start)");
        return;
    }
    if (!n) {
        draw_text(r.y + 1, r.x + 2, r.w - 4, theme_attr(EL_DIM),
                  "no run recorded yet: s runs the selected job, or a timer will");
        return;
    }
    layout_columns(hist_cols, HC_COUNT, r.w - 4, 2, w);
    x = r.x + 2;
    for (int c = 0; c < HC_COUNT; c++) {
        if (!w[c])
            continue;
        draw_field(r.y + 1, x, w[c], theme_attr(EL_COLUMN_HEADER), hist_cols[c].title,
                   hist_cols[c].right ? ALIGN_RIGHT : ALIGN_LEFT);
        x += w[c] + 2;
    }
    if (rows < 1)
        return;
    /* keep the selection in view */
    if (rs->sel >= nj) {
        int hs = (int)(rs->sel - nj);

        if (hs < rs->hist_scroll)
            rs->hist_scroll = hs;
        if (hs >= rs->hist_scroll + rows)
            rs->hist_scroll = hs - rows + 1;
    }
    if (rs->hist_scroll > (int)n - rows)
        rs->hist_scroll = (int)n - rows > 0 ? (int)n - rows : 0;
    for (int i = 0; i < rows && rs->hist_scroll + i < (int)n; i++) {
        size_t k = (size_t)(rs->hist_scroll + i);
        const struct runs_run *run = rs->app->runs->history.items[k];
        bool selected = rs->sel == nj + k;
        int y = r.y + 2 + i;

        if (selected)
            draw_fill(y, r.x + 1, r.w - 2, theme_attr(EL_SELECTION));
        x = r.x + 2;
        for (int c = 0; c < HC_COUNT; c++) {
            enum theme_el el;

            if (!w[c])
                continue;
            hist_cell(run, (enum hcol)c, ctx->now, buf, sizeof(buf), &el);
            draw_field(y, x, w[c], theme_attr(selected ? EL_SELECTION : el), buf,
                       hist_cols[c].right ? ALIGN_RIGHT : ALIGN_LEFT);
            x += w[c] + 2;
        }
    }
    if (rs->hist_scroll + rows < (int)n) {
        snprintf(buf, sizeof(buf), " %s %d more ", glyph(G_DOWN), (int)n - rs->hist_scroll - rows);
        draw_text(r.y + r.h - 1, r.x + r.w - 2 - draw_width(buf), draw_width(buf),
                  theme_attr(EL_BORDER), buf);
    }
}

/* ---- a run in detail ---- */

struct tline {
    char text[LINE_MAX_];
    enum theme_el el;
    bool label;
};

struct tlines {
    struct tline *l;
    size_t n, max;
    enum theme_el el;
    const char *indent;
};

static void tl_sink(const char *start, size_t len, void *arg)
{
    struct tlines *t = arg;
    struct tline *l;

    if (t->n >= t->max)
        return;
    l = &t->l[t->n++];
    snprintf(l->text, sizeof(l->text), "%s%.*s", t->indent, (int)len, start);
    l->el = t->el;
    l->label = false;
}

static void tl_head(struct tlines *t, const char *text)
{
    struct tline *l;

    if (t->n && t->n < t->max)
        t->l[t->n++] = (struct tline){ "", EL_NORMAL, false };
    if (t->n >= t->max)
        return;
    l = &t->l[t->n++];
    str_copy(l->text, sizeof(l->text), text);
    l->el = EL_PANEL_TITLE;
    l->label = true;
}

/* Each line of a multi-line text, wrapped to w. */
static void tl_text(struct tlines *t, const char *text, int w, enum theme_el el, const char *indent)
{
    const char *p = text;

    t->el = el;
    t->indent = indent;
    while (p && *p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        char line[LINE_MAX_];

        snprintf(line, sizeof(line), "%.*s", (int)len, p);
        if (!line[0])
            tl_sink("", 0, t);
        else
            draw_wrap(line, w - (int)strlen(indent) > 10 ? w - (int)strlen(indent) : 10, tl_sink,
                      t);
        p = nl ? nl + 1 : NULL;
    }
}

static size_t step_lines(const struct runs_scr *rs, const struct runs_run *r,
                         const struct runs_step *s, int w, time_t now, struct tline *out,
                         size_t max)
{
    struct tlines t = { out, 0, max, EL_NORMAL, "" };
    char line[LINE_MAX_], a[32], b[32];
    const struct app_runs *ar = rs->app->runs;

    (void)now;
    if (s->has_progress && s->outcome == RUN_RUNNING) {
        tl_head(&t, "progress");
        snprintf(line, sizeof(line), "%.1f %%   %llu / %llu files   %s / %s   %s",
                 s->progress.percent, (unsigned long long)s->progress.files_done,
                 (unsigned long long)s->progress.total_files,
                 str_fmt_bytes(s->progress.bytes_done, a, sizeof(a)),
                 str_fmt_bytes(s->progress.total_bytes, b, sizeof(b)),
                 fmt_rate_eta(&s->progress, (char[64]){ 0 }, 64));
        tl_text(&t, line, w, EL_NORMAL, "");
    }
    if (s->message[0]) {
        tl_head(&t, "message");
        tl_text(&t, s->message, w,
                s->outcome == RUN_FAILED ? EL_STATUS_CRIT
                : s->outcome == RUN_OK   ? EL_NORMAL
                                         : EL_STATUS_WARN,
                "");
    }
    if (s->figures && s->figures[0]) {
        tl_head(&t, "figures");
        tl_text(&t, s->figures, w, EL_NORMAL, "");
    }
    if (r->ours && ar->nnotes && r->live) {
        tl_head(&t, "notes of this run");
        for (int i = 0; i < ar->nnotes; i++)
            tl_text(&t, ar->notes[i], w,
                    ar->notes_sev[i] == RUN_FAILED    ? EL_STATUS_CRIT
                    : ar->notes_sev[i] == RUN_WARNING ? EL_STATUS_WARN
                                                      : EL_DIM,
                    "");
    }
    if (s->log && s->log[0]) {
        tl_head(&t, "log (restic output, the end kept)");
        tl_text(&t, s->log, w, EL_DIM, "  ");
    } else if (s->outcome == RUN_RUNNING) {
        tl_head(&t, "log");
        tl_text(&t, "restic's output is kept when the step ends", w, EL_DIM, "  ");
    }
    return t.n;
}

static void draw_detail(struct runs_scr *rs, const struct runs_run *r, struct rect area,
                        const struct screen_ctx *ctx)
{
    char title[520], buf[LINE_MAX_], d[32];
    int nsteps = (int)r->steps.len, sh, y;
    struct rect top, bottom, body;
    const struct runs_step *s;
    struct tline *lines;
    size_t n;
    enum theme_el el;

    if (rs->step_sel >= r->steps.len)
        rs->step_sel = r->steps.len ? r->steps.len - 1 : 0;
    el = fmt_outcome(r->outcome, buf, sizeof(buf));
    snprintf(title, sizeof(title), "run #%lld %s %s %s %s %s started %s %s took %s",
             (long long)r->id, glyph(G_SEP), r->job, glyph(G_SEP), buf, glyph(G_SEP),
             fmt_local(r->started, (char[32]){ 0 }, 32), glyph(G_SEP),
             fmt_took(r, ctx->now, d, sizeof(d)));
    str_sanitize(title);
    sh = nsteps + 3;
    if (sh > area.h / 2)
        sh = area.h / 2;
    if (sh < 4)
        sh = 4;
    top = (struct rect){ area.y, area.x, sh, area.w };
    draw_box(top, theme_attr(EL_BORDER), title, theme_attr(el));
    draw_text(top.y + 1, top.x + 2, top.w - 4, theme_attr(EL_DIM),
              r->summary[0] ? r->summary : (r->live ? "running" : "no summary recorded"));
    {
        int rows = sh - 3, first = 0;

        if ((int)rs->step_sel >= rows)
            first = (int)rs->step_sel - rows + 1;
        for (int i = 0; i < rows && first + i < nsteps; i++) {
            const struct runs_step *st = r->steps.items[first + i];
            bool selected = (size_t)(first + i) == rs->step_sel;
            char o[48], lab[160], took[32];
            int x = top.x + 2, lw = top.w - 4 > 100 ? 34 : 26;

            y = top.y + 2 + i;
            if (selected)
                draw_fill(y, top.x + 1, top.w - 2, theme_attr(EL_SELECTION));
            snprintf(lab, sizeof(lab), "%s %s", st->kind, st->target);
            str_sanitize(lab);
            draw_field(y, x, lw, theme_attr(selected ? EL_SELECTION : EL_NORMAL), lab, ALIGN_LEFT);
            x += lw + 1;
            el = fmt_outcome(st->outcome, o, sizeof(o));
            if (st->outcome == RUN_RUNNING && !r->live)
                el = fmt_outcome(RUN_INTERRUPTED, o, sizeof(o));
            draw_field(y, x, 14, theme_attr(selected ? EL_SELECTION : el), o, ALIGN_LEFT);
            x += 15;
            if (st->ended)
                str_fmt_duration(st->ended - st->started, took, sizeof(took));
            else if (r->live)
                str_fmt_duration(ctx->now - st->started, took, sizeof(took));
            else
                snprintf(took, sizeof(took), "-");
            draw_field(y, x, 8, theme_attr(selected ? EL_SELECTION : EL_NORMAL), took, ALIGN_RIGHT);
            x += 10;
            if (st->outcome == RUN_RUNNING && st->has_progress && r->live)
                snprintf(buf, sizeof(buf), "%.1f %% done", st->progress.percent);
            else
                snprintf(buf, sizeof(buf), "%s", st->figure[0] ? st->figure : st->message);
            str_sanitize(buf);
            draw_text(y, x, top.x + top.w - 2 - x, theme_attr(selected ? EL_SELECTION : EL_DIM),
                      buf);
        }
        if (!nsteps)
            draw_text(top.y + 2, top.x + 2, top.w - 4, theme_attr(EL_DIM), "no step recorded");
    }
    bottom = (struct rect){ area.y + sh, area.x, area.h - sh, area.w };
    if (bottom.h < 3 || !nsteps)
        return;
    s = r->steps.items[rs->step_sel];
    snprintf(title, sizeof(title), "step %zu %s %s %s", rs->step_sel + 1, glyph(G_SEP), s->kind,
             s->target);
    str_sanitize(title);
    draw_box(bottom, theme_attr(EL_BORDER), title, theme_attr(EL_PANEL_TITLE));
    body = (struct rect){ bottom.y + 1, bottom.x + 2, bottom.h - 2, bottom.w - 4 };
    lines = xcalloc(600, sizeof(*lines));
    n = step_lines(rs, r, s, body.w, ctx->now, lines, 600);
    rs->page = body.h;
    if (rs->text_scroll > (int)n - body.h)
        rs->text_scroll = (int)n - body.h > 0 ? (int)n - body.h : 0;
    for (int i = 0; i < body.h && rs->text_scroll + i < (int)n; i++) {
        const struct tline *l = &lines[rs->text_scroll + i];

        draw_text(body.y + i, body.x, body.w, theme_attr(l->el), l->text);
    }
    if (!n)
        draw_text(body.y, body.x, body.w, theme_attr(EL_DIM), "nothing recorded for this step");
    if (rs->text_scroll + body.h < (int)n) {
        snprintf(buf, sizeof(buf), " %s %d more (PgDn) ", glyph(G_DOWN),
                 (int)n - rs->text_scroll - body.h);
        draw_text(bottom.y + bottom.h - 1, bottom.x + bottom.w - 2 - draw_width(buf),
                  draw_width(buf), theme_attr(EL_BORDER), buf);
    }
    free(lines);
}

/* The running step, else the first that did not go well, else the first. */
static size_t first_step_of_note(const struct runs_run *r)
{
    for (size_t i = 0; i < r->steps.len; i++) {
        const struct runs_step *s = r->steps.items[i];

        if (s->outcome != RUN_OK)
            return i;
    }
    return 0;
}

/* ---- confirmations ---- */

static void preview_free(struct runs_scr *rs)
{
    for (size_t i = 0; i < rs->npreview; i++)
        free(rs->preview[i]);
    free(rs->preview);
    rs->preview = NULL;
    rs->npreview = 0;
}

static void open_start(struct runs_scr *rs, const char *job)
{
    struct buf out = BUF_INIT(0);
    struct lb_err err = { 0 };
    const char *p;

    preview_free(rs);
    str_copy(rs->confirm_job, sizeof(rs->confirm_job), job);
    rs->preview = xcalloc(PREVIEW_MAX, sizeof(char *));
    if (jobs_describe(rs->app->cfg, job, rs->app->store, &out, &err) < 0)
        buf_puts(&out, err.msg);
    p = buf_cstr(&out);
    while (*p && rs->npreview < PREVIEW_MAX) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        char *l = xstrndup(p, len);

        str_sanitize(l);
        rs->preview[rs->npreview++] = l;
        p = nl ? nl + 1 : p + len;
    }
    buf_release(&out);
    rs->preview_scroll = 0;
    rs->confirm = CONFIRM_START;
}

static void draw_confirm(struct runs_scr *rs, struct rect area)
{
    int w = area.w - 6 < 110 ? area.w - 6 : 110;
    int h = rs->confirm == CONFIRM_START ? (int)rs->npreview + 6 : 8;
    struct rect r;
    char title[128], line[LINE_MAX_];

    if (h > area.h)
        h = area.h;
    r = (struct rect){ area.y + (area.h - h) / 2, area.x + (area.w - w) / 2, h, w };
    draw_clear(r, theme_attr(EL_NORMAL));
    if (rs->confirm == CONFIRM_START) {
        int rows = h - 5;

        snprintf(title, sizeof(title), "run job %s now?", rs->confirm_job);
        str_sanitize(title);
        draw_box(r, theme_attr(EL_BORDER), title, theme_attr(EL_PANEL_TITLE));
        if (rs->preview_scroll > (int)rs->npreview - rows)
            rs->preview_scroll = (int)rs->npreview - rows > 0 ? (int)rs->npreview - rows : 0;
        for (int i = 0; i < rows && rs->preview_scroll + i < (int)rs->npreview; i++)
            draw_text(
                r.y + 1 + i, r.x + 2, w - 4,
                theme_attr(rs->preview[rs->preview_scroll + i][0] == ' ' ? EL_DIM : EL_NORMAL),
                rs->preview[rs->preview_scroll + i]);
        if (rs->preview_scroll + rows < (int)rs->npreview) {
            snprintf(line, sizeof(line), " %s %d more (j/k) ", glyph(G_DOWN),
                     (int)rs->npreview - rs->preview_scroll - rows);
            draw_text(r.y + h - 4, r.x + w - 2 - draw_width(line), draw_width(line),
                      theme_attr(EL_BORDER), line);
        }
        draw_text(r.y + h - 3, r.x + 2, w - 4, theme_attr(EL_NORMAL),
                  "Runs as lifeboat run does (recorded; a timer of the same job waits).");
        snprintf(line, sizeof(line), "Enter runs %s   Esc cancels", rs->confirm_job);
        str_sanitize(line);
        draw_text(r.y + h - 2, r.x + 2, w - 4, theme_attr(EL_PROMPT), line);
    } else {
        const struct app_runs *ar = rs->app->runs;

        snprintf(title, sizeof(title), "cancel the run of %s?", ar->run_job);
        str_sanitize(title);
        draw_box(r, theme_attr(EL_BORDER), title, theme_attr(EL_PANEL_TITLE));
        snprintf(line, sizeof(line), "job %s, run #%lld, started from this console", ar->run_job,
                 (long long)ar->run_id);
        str_sanitize(line);
        draw_text(r.y + 1, r.x + 2, w - 4, theme_attr(EL_PANEL_TITLE), line);
        draw_text(r.y + 3, r.x + 2, w - 4, theme_attr(EL_NORMAL),
                  "restic is stopped cleanly (it removes its lock); the steps left do not");
        draw_text(r.y + 4, r.x + 2, w - 4, theme_attr(EL_NORMAL),
                  "run; the run is recorded as cancelled. Snapshots already written stay.");
        draw_text(r.y + 6, r.x + 2, w - 4, theme_attr(EL_PROMPT),
                  "Enter cancels the run   Esc keeps it running");
    }
}

bool runs_ask_start(const char *job, char *why, size_t n)
{
    struct runs_scr *rs = the_screen;

    if (!rs) {
        snprintf(why, n, "the Runs screen is not available");
        return false;
    }
    if (!rs->app->cfg || !config_job(rs->app->cfg, job)) {
        struct buf names = BUF_INIT(0);
        size_t i;
        struct runs_job *j;

        if (rs->app->runs) {
            vec_foreach(&rs->app->runs->jobs, i, j) {
                buf_printf(&names, "%s%s", i ? ", " : "", j->cfg->name);
            }
        }
        snprintf(why, n, "no job '%s' in the config%s%s", job, names.len ? "; jobs: " : "",
                 buf_cstr(&names));
        str_sanitize(why);
        buf_release(&names);
        return false;
    }
    rs->detail = false;
    rs->pmx = false; /* the question shows over the jobs */
    for (size_t i = 0; i < njobs(rs); i++) {
        const struct runs_job *j = rs->app->runs->jobs.items[i];

        if (!strcmp(j->cfg->name, job))
            rs->sel = i;
    }
    open_start(rs, job);
    return true;
}

/* ---- the screen ---- */

static void runs_draw(void *st, struct rect area, const struct screen_ctx *ctx)
{
    struct runs_scr *rs = st;
    const struct runs_run *live = app_runs_active(rs->app, NULL);
    size_t nj = njobs(rs), total = nj + nhist(rs);
    int jh, lh = 0;
    struct rect r;

    if (rs->sel >= total && total)
        rs->sel = total - 1;
    if (rs->pmx) {
        runs_pmx_draw(rs->pmxv, area, ctx);
        return;
    }
    if (rs->notice[0]) {
        area.h--;
        draw_text(area.y + area.h, area.x + 1, area.w - 2, theme_attr(EL_STATUS_WARN), rs->notice);
    }
    if (rs->detail) {
        const struct runs_run *run = find_run(rs->app, rs->detail_id);

        if (run) {
            draw_detail(rs, run, area, ctx);
            goto confirm;
        }
        rs->detail = false;
    }
    jh = 3 + (int)(nj ? nj : 1);
    if (jh > area.h / 3 + 1)
        jh = area.h / 3 + 1;
    r = (struct rect){ area.y, area.x, jh, area.w };
    draw_jobs(rs, r, ctx);
    if (live) {
        lh = area.h >= 30 ? 5 : 4;
        draw_live(rs, live, (struct rect){ area.y + jh, area.x, lh, area.w }, ctx);
    }
    r = (struct rect){ area.y + jh + lh, area.x, area.h - jh - lh, area.w };
    rs->page = r.h - 3;
    if (r.w >= WIDE_COLS && r.h >= 8 && sel_run(rs)) {
        /* wide: the selected run's steps and its first step that did not go well beside */
        const struct runs_run *run = sel_run(rs);
        struct rect left = { r.y, r.x, r.h, r.w * 11 / 20 };
        struct rect right = { r.y, r.x + left.w, r.h, r.w - left.w };
        size_t keep_sel = rs->step_sel;
        int keep_scroll = rs->text_scroll, keep_page = rs->page;

        draw_history(rs, left, ctx);
        rs->step_sel = first_step_of_note(run);
        rs->text_scroll = 0;
        draw_detail(rs, run, right, ctx);
        rs->step_sel = keep_sel;
        rs->text_scroll = keep_scroll;
        rs->page = keep_page;
    } else if (r.h >= 3) {
        draw_history(rs, r, ctx);
    }
confirm:
    if (rs->confirm != CONFIRM_NONE)
        draw_confirm(rs, area);
}

static unsigned confirm_action(struct runs_scr *rs, enum action a)
{
    struct lb_err err = { 0 };

    if (rs->confirm == CONFIRM_START && (a == ACTION_MOVE_DOWN || a == ACTION_MOVE_UP ||
                                         a == ACTION_PAGE_DOWN || a == ACTION_PAGE_UP)) {
        int step = a == ACTION_MOVE_DOWN   ? 1
                   : a == ACTION_MOVE_UP   ? -1
                   : a == ACTION_PAGE_DOWN ? 10
                                           : -10;

        rs->preview_scroll += step;
        if (rs->preview_scroll < 0)
            rs->preview_scroll = 0;
        return REACT_HANDLED;
    }
    if (a == ACTION_ENTER && rs->confirm == CONFIRM_START) {
        if (app_run_start(rs->app, rs->confirm_job, &err) < 0) {
            str_copy(rs->notice, sizeof(rs->notice), err.msg);
            str_sanitize(rs->notice);
        } else {
            rs->notice[0] = '\0';
            rs->sel = 0;
            for (size_t i = 0; i < njobs(rs); i++) {
                const struct runs_job *j = rs->app->runs->jobs.items[i];

                if (!strcmp(j->cfg->name, rs->confirm_job))
                    rs->sel = i;
            }
        }
    } else if (a == ACTION_ENTER && rs->confirm == CONFIRM_CANCEL) {
        if (!app_run_cancel(rs->app))
            str_copy(rs->notice, sizeof(rs->notice), "the run had ended already");
    }
    rs->confirm = CONFIRM_NONE;
    preview_free(rs);
    return REACT_HANDLED; /* any other key only closes the question */
}

static unsigned detail_action(struct runs_scr *rs, enum action a)
{
    const struct runs_run *r = find_run(rs->app, rs->detail_id);
    size_t n = r ? r->steps.len : 0;
    int page = rs->page > 2 ? rs->page - 1 : 1;

    switch (a) {
    case ACTION_BACK:
    case ACTION_ENTER:
        rs->detail = false;
        return REACT_HANDLED;
    case ACTION_MOVE_UP:
        if (rs->step_sel > 0) {
            rs->step_sel--;
            rs->text_scroll = 0;
        }
        return REACT_HANDLED;
    case ACTION_MOVE_DOWN:
        if (rs->step_sel + 1 < n) {
            rs->step_sel++;
            rs->text_scroll = 0;
        }
        return REACT_HANDLED;
    case ACTION_MOVE_FIRST:
        rs->step_sel = 0;
        rs->text_scroll = 0;
        return REACT_HANDLED;
    case ACTION_MOVE_LAST:
        rs->step_sel = n ? n - 1 : 0;
        rs->text_scroll = 0;
        return REACT_HANDLED;
    case ACTION_PAGE_DOWN:
        rs->text_scroll += page;
        return REACT_HANDLED;
    case ACTION_PAGE_UP:
        rs->text_scroll = rs->text_scroll > page ? rs->text_scroll - page : 0;
        return REACT_HANDLED;
    default:
        return REACT_NONE;
    }
}

static unsigned runs_action(void *st, enum action a, const struct screen_ctx *ctx)
{
    struct runs_scr *rs = st;
    size_t total = njobs(rs) + nhist(rs);
    int page = rs->page > 2 ? rs->page - 1 : 1;
    const struct runs_job *j;
    const struct runs_run *r;

    (void)ctx;
    if (rs->confirm != CONFIRM_NONE)
        return confirm_action(rs, a);
    if (a == ACTION_PMX_TASKS) {
        rs->pmx = !rs->pmx;
        rs->notice[0] = '\0';
        return REACT_HANDLED;
    }
    if (rs->pmx)
        return runs_pmx_action(rs->pmxv, a);
    if (a != ACTION_NONE)
        rs->notice[0] = '\0';
    if (a == ACTION_RUN_START || a == ACTION_RUN_CANCEL)
        goto keys;
    if (rs->detail) {
        unsigned res = detail_action(rs, a);

        if (res)
            return res;
    }
keys:
    switch (a) {
    case ACTION_MOVE_UP:
        if (rs->sel > 0)
            rs->sel--;
        return REACT_HANDLED;
    case ACTION_MOVE_DOWN:
        if (rs->sel + 1 < total)
            rs->sel++;
        return REACT_HANDLED;
    case ACTION_MOVE_FIRST:
        rs->sel = 0;
        return REACT_HANDLED;
    case ACTION_MOVE_LAST:
        rs->sel = total ? total - 1 : 0;
        return REACT_HANDLED;
    case ACTION_PAGE_DOWN:
        rs->sel = total ? (rs->sel + (size_t)page < total ? rs->sel + (size_t)page : total - 1) : 0;
        return REACT_HANDLED;
    case ACTION_PAGE_UP:
        rs->sel = rs->sel > (size_t)page ? rs->sel - (size_t)page : 0;
        return REACT_HANDLED;
    case ACTION_ENTER:
        if ((r = sel_run(rs))) {
            rs->detail = true;
            rs->detail_id = r->id;
            rs->step_sel = 0;
            rs->text_scroll = 0;
            rs->step_sel = first_step_of_note(r);
        } else if (sel_job(rs)) {
            snprintf(rs->notice, sizeof(rs->notice), "job %s has not run yet: s runs it now",
                     sel_job(rs)->cfg->name);
            str_sanitize(rs->notice);
        }
        return REACT_HANDLED;
    case ACTION_RUN_START:
        if (!(j = sel_job(rs))) {
            str_copy(rs->notice, sizeof(rs->notice), "no job selected");
        } else if (rs->app->runs->run) {
            snprintf(rs->notice, sizeof(rs->notice),
                     "job %s is running from this console: wait for it, or x cancels it",
                     rs->app->runs->run_job);
            str_sanitize(rs->notice);
        } else {
            rs->detail = false;
            open_start(rs, j->cfg->name);
        }
        return REACT_HANDLED;
    case ACTION_RUN_CANCEL:
        if (rs->app->runs && rs->app->runs->run) {
            rs->confirm = CONFIRM_CANCEL;
        } else if ((r = app_runs_active(rs->app, NULL))) {
            snprintf(rs->notice, sizeof(rs->notice),
                     "run #%lld of %s belongs to PID %d (a timer?): stop it there, e.g. systemctl "
                     "stop lifeboat-%s.service",
                     (long long)r->id, r->job, r->pid, r->job);
            str_sanitize(rs->notice);
        } else {
            str_copy(rs->notice, sizeof(rs->notice), "nothing runs from this console");
        }
        return REACT_HANDLED;
    case ACTION_REFRESH:
        app_runs_reload(rs->app);
        return REACT_NONE; /* the global refresh runs too */
    default:
        return REACT_NONE;
    }
}

static void *runs_create(struct app *app)
{
    struct runs_scr *rs = xcalloc(1, sizeof(*rs));

    rs->app = app;
    rs->page = 1;
    rs->pmxv = runs_pmx_new(app);
    the_screen = rs;
    return rs;
}

static void runs_destroy(void *st)
{
    struct runs_scr *rs = st;

    if (the_screen == rs)
        the_screen = NULL;
    preview_free(rs);
    runs_pmx_free(rs->pmxv);
    free(rs);
}

const struct screen_ops scr_runs_ops = {
    .name = "runs",
    .title = "Runs",
    .number = 3,
    .create = runs_create,
    .destroy = runs_destroy,
    .draw = runs_draw,
    .on_action = runs_action,
};

/* ---- the status line and the Overview ---- */

int runs_draw_status(const struct app *app, int y, int right, const struct screen_ctx *ctx)
{
    const struct runs_step *s = NULL;
    const struct runs_run *r = app_runs_active(app, &s);
    char head[320], tail[96], t[32];
    int w, x, bw = 10;

    if (!r)
        return 0;
    if (s && s->has_progress && (s->progress.total_bytes || s->progress.percent > 0)) {
        snprintf(head, sizeof(head), "%s %s %s ", glyph(G_SPIN), r->job, s->kind);
        snprintf(tail, sizeof(tail), " %3.0f %% %s ", s->progress.percent,
                 fmt_rate_eta(&s->progress, (char[64]){ 0 }, 64));
    } else {
        snprintf(head, sizeof(head), "%s %s %s%s%s %s ", glyph(G_SPIN), r->job,
                 s ? s->kind : "running", s && s->target[0] ? " " : "", s ? s->target : "",
                 str_fmt_duration(ctx->now - (s ? s->started : r->started), t, sizeof(t)));
        tail[0] = '\0';
        bw = 0;
    }
    str_sanitize(head);
    w = draw_width(head) + bw + draw_width(tail);
    if (w > right * 2 / 3) { /* narrow: drop the bar */
        w -= bw;
        bw = 0;
    }
    x = right - w;
    x += draw_text(y, x, right - x, theme_attr(EL_SPINNER), head);
    if (bw)
        x += draw_bar(y, x, bw, s->progress.percent);
    draw_text(y, x, right - x, theme_attr(EL_SPINNER), tail);
    return w;
}

int runs_draw_job_lines(const struct app *app, int y, int x, int w, int max,
                        const struct screen_ctx *ctx)
{
    int drawn = 0, nw = 8;
    size_t i;
    struct runs_job *j;

    if (!app->runs)
        return 0;
    vec_foreach(&app->runs->jobs, i, j) {
        int l = draw_width(j->cfg->name);

        if (l > nw)
            nw = l < 14 ? l : 14;
    }
    vec_foreach(&app->runs->jobs, i, j) {
        char buf[256], next[64], o[48], d[32], a[32];
        int cx = x, end = x + w;
        enum theme_el el;

        if (drawn >= max)
            break;
        cx += draw_text(y + drawn, cx, end - cx, theme_attr(EL_LABEL), "job ");
        snprintf(buf, sizeof(buf), "%s", j->cfg->name);
        str_sanitize(buf);
        draw_field(y + drawn, cx, nw, theme_attr(EL_PANEL_TITLE), buf, ALIGN_LEFT);
        cx += nw + 1;
        fmt_next(j, ctx->now, next, sizeof(next));
        snprintf(buf, sizeof(buf), "next %-20s ", next);
        cx += draw_text(y + drawn, cx, end - cx, theme_attr(EL_NORMAL), buf);
        cx += draw_text(y + drawn, cx, end - cx, theme_attr(EL_LABEL), "last ");
        if (j->last) {
            el = fmt_outcome(j->last->outcome, o, sizeof(o));
            cx += draw_text(y + drawn, cx, end - cx, theme_attr(el), o);
            snprintf(buf, sizeof(buf), " %s %s %s %s",
                     fmt_when(j->last->started, ctx->now, d, sizeof(d)), glyph(G_SEP),
                     fmt_took(j->last, ctx->now, a, sizeof(a)), glyph(G_SEP));
            cx += draw_text(y + drawn, cx, end - cx, theme_attr(EL_NORMAL), buf);
            snprintf(buf, sizeof(buf), " %s added", fmt_added(j->last, a, sizeof(a)));
            cx += draw_text(y + drawn, cx, end - cx, theme_attr(EL_NORMAL), buf);
        } else {
            cx += draw_text(y + drawn, cx, end - cx, theme_attr(EL_DIM), "never ran");
        }
        if (drawn == 0 && cx + 10 <= end)
            draw_text(y, end - 7, 7, theme_attr(EL_DIM), "3: Runs");
        drawn++;
    }
    return drawn;
}
