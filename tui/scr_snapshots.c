/*
 * Screen 6, Snapshots: the Proxmox guests (copies 0 and 1: the age of the
 * newest snapshot against snapshot_max_age, the newest PBS backup against
 * the local RPO with its verify state, the backup job), the snapshots of the
 * selected guest (taken, age, RAM, parent, description; stale ones marked,
 * the one "current" runs on pointed at), and the tasks this console
 * started, followed live with the tail of their log.
 *
 * j/k pick a guest; Enter moves into its snapshots (j/k pick one), Esc back.
 * c creates a snapshot (asks a name, then confirms naming the guest); R
 * rolls back to the selected snapshot (says what is lost; for a guest
 * outside the drill range the operator types its VMID); D deletes it after a
 * confirmation naming guest and snapshot. b backs the guest up to PBS now
 * (vzdump, mode snapshot, to the storage of the job covering it) after a
 * confirmation naming guest and storage. r rereads everything.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/app.h"
#include "backend/app_proxmox.h"
#include "backend/base/clock.h"
#include "backend/base/str.h"
#include "backend/base/xalloc.h"
#include "backend/config.h"
#include "backend/pve.h"
#include "tui/fmt.h"
#include "tui/glyph.h"
#include "tui/layout.h"
#include "tui/prompt.h"
#include "tui/scr_snapshots.h"
#include "tui/screen.h"
#include "tui/theme.h"

#define TASK_LINES 6

enum dialog {
    DLG_NONE,
    DLG_NAME,     /* typing the new snapshot's name */
    DLG_CREATE,   /* confirm the create */
    DLG_ROLLBACK, /* confirm the rollback (typed VMID for a non-drill guest) */
    DLG_DELETE,   /* confirm the delete */
    DLG_BACKUP,   /* confirm a backup of the guest to PBS now */
};

struct snapshots {
    struct app *app;
    int sel_vmid; /* the selected guest (stable across refreshes) */
    size_t sel;   /* its index, as last drawn */
    int scroll;
    bool in_snaps; /* focus on the snapshot list */
    size_t snap_sel;
    int snap_scroll;
    enum dialog dlg;
    int dlg_vmid;
    char dlg_snap[48];
    char dlg_storage[64]; /* DLG_BACKUP: where the backup goes */
    bool typed; /* the dialog wants typed text (prompt) */
    struct prompt prompt;
    char notice[320];
    bool notice_error;
};

/* ---- cells the Overview shares ---- */

enum theme_el snapshots_rollback_cell(const struct app *app, const struct pmx_guest *g, time_t now,
                                      char *out, size_t n)
{
    enum health h = pmx_rollback_health(app->pmx, g, now);
    char age[32];

    if (!g->snaps_known) {
        snprintf(out, n, "%s", glyph(G_UNKNOWN));
        return EL_STATUS_UNKNOWN;
    }
    if (!g->snap_count || !g->snap_newest) {
        snprintf(out, n, "%s", glyph(G_NA));
        return EL_DIM;
    }
    str_fmt_age((int64_t)(now - g->snap_newest), age, sizeof(age));
    if (h == HEALTH_WARN)
        snprintf(out, n, "%s %s", age, glyph(G_WARN));
    else
        snprintf(out, n, "%s", age);
    return fmt_age_el(h);
}

enum theme_el snapshots_pbs_cell(const struct app *app, const struct pmx_guest *g, time_t now,
                                 char *out, size_t n)
{
    enum health h = pmx_pbs_health(app->pmx, g, now);
    char age[32];

    if (!app->pmx->pbs) {
        snprintf(out, n, "%s", glyph(G_NA));
        return EL_DIM;
    }
    if (!g->pbs_known) {
        snprintf(out, n, "%s", glyph(G_UNKNOWN));
        return EL_STATUS_UNKNOWN;
    }
    if (!g->backup_newest) {
        snprintf(out, n, "none %s", glyph(fmt_health_glyph(h)));
        return fmt_age_el(h);
    }
    str_fmt_age((int64_t)(now - g->backup_newest), age, sizeof(age));
    if (!strcmp(g->verify, "failed"))
        snprintf(out, n, "%s %s verify", age, glyph(G_CRIT));
    else
        snprintf(out, n, "%s %s", age, glyph(fmt_health_glyph(h)));
    return fmt_age_el(h);
}

static void draw_bar(int y, int x, int w, double pct, enum theme_el el)
{
    int full = (int)(pct / 100.0 * w + 0.5);

    if (full > w)
        full = w;
    for (int i = 0; i < w; i++)
        draw_text(y, x + i, 1, theme_attr(i < full ? el : EL_DIM),
                  glyph(i < full ? G_BAR_FULL : G_BAR_EMPTY));
}

void snapshots_draw_datastore_line(const struct app *app, int y, int x, int w,
                                   const struct screen_ctx *ctx)
{
    const struct app_pmx *p = app->pmx;
    char buf[160], full[32];
    int cx = x, end = x + w, bw;
    enum health h;
    double pct;

    if (!p || !p->pbs)
        return;
    cx += draw_text(y, cx, end - cx, theme_attr(EL_LABEL), "PBS ");
    snprintf(buf, sizeof(buf), "%s ", p->ds.name ? p->ds.name : "?");
    str_sanitize(buf);
    cx += draw_text(y, cx, end - cx, theme_attr(EL_PANEL_TITLE), buf);
    if (!p->ds.known || !p->ds.total) {
        if (p->pbs_src.refreshing)
            snprintf(buf, sizeof(buf), "reading %s", glyph(G_SPIN));
        else if (p->pbs_src.failed)
            snprintf(buf, sizeof(buf), "usage unknown: %.120s", p->pbs_src.error.msg);
        else
            snprintf(buf, sizeof(buf), "usage not read yet");
        draw_text(y, cx, end - cx, theme_attr(p->pbs_src.failed ? EL_STATUS_WARN : EL_DIM), buf);
        return;
    }
    h = pmx_datastore_health(&p->ds, ctx->now);
    pct = 100.0 * (double)p->ds.used / (double)p->ds.total;
    bw = w >= 100 ? 20 : 12;
    if (cx + bw + 8 > end)
        bw = end - cx - 8 > 4 ? end - cx - 8 : 0;
    if (bw) {
        draw_bar(y, cx, bw, pct, fmt_status_el(h));
        cx += bw + 1;
    }
    snprintf(buf, sizeof(buf), "%3.0f %%", pct);
    cx += draw_text(y, cx, end - cx, theme_attr(fmt_status_el(h)), buf);
    pmx_fmt_full(&p->ds, ctx->now, full, sizeof(full));
    if (full[0]) {
        snprintf(buf, sizeof(buf), " %s full %s", glyph(G_SEP), full);
        if (full[0] != '~')
            snprintf(buf, sizeof(buf), " %s %s", glyph(G_SEP), full);
        cx += draw_text(y, cx, end - cx, theme_attr(EL_NORMAL), buf);
    }
    {
        char used[32], total[32];

        snprintf(buf, sizeof(buf), " %s %s of %s", glyph(G_SEP),
                 str_fmt_bytes(p->ds.used, used, sizeof(used)),
                 str_fmt_bytes(p->ds.total, total, sizeof(total)));
        if (cx + draw_width(buf) <= end)
            cx += draw_text(y, cx, end - cx, theme_attr(EL_DIM), buf);
    }
}

/* ---- model helpers ---- */

static const struct vec *guests(const struct snapshots *ss)
{
    return &ss->app->pmx->guests;
}

static const struct pmx_guest *selected(struct snapshots *ss)
{
    const struct vec *v = guests(ss);
    size_t i;
    const struct pmx_guest *g;

    if (!v->len)
        return NULL;
    vec_foreach(v, i, g) {
        if (g->vmid == ss->sel_vmid) {
            ss->sel = i;
            return g;
        }
    }
    if (ss->sel >= v->len)
        ss->sel = v->len - 1;
    g = v->items[ss->sel];
    ss->sel_vmid = g->vmid;
    return g;
}

static const struct pmx_snap *selected_snap(struct snapshots *ss, const struct pmx_guest *g)
{
    if (!g || !g->snaps.len)
        return NULL;
    if (ss->snap_sel >= g->snaps.len)
        ss->snap_sel = g->snaps.len - 1;
    return g->snaps.items[ss->snap_sel];
}

static void notice(struct snapshots *ss, bool error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void notice(struct snapshots *ss, bool error, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(ss->notice, sizeof(ss->notice), fmt, ap);
    va_end(ap);
    str_sanitize(ss->notice);
    ss->notice_error = error;
}

/* "⟳ 12s", "read 2m ago", "cached 3h", "not read" for a source's panel title. */
static enum theme_el source_state(const struct pmx_source *src, const struct screen_ctx *ctx,
                                  char *out, size_t n)
{
    char age[32];

    if (src->refreshing) {
        snprintf(out, n, "%s %llds", glyph(G_SPIN),
                 (long long)((ctx->now_ms - src->refresh_started_ms) / 1000));
        return EL_SPINNER;
    }
    if (src->failed) {
        snprintf(out, n, "%s not reachable", glyph(G_WARN));
        return EL_STATUS_WARN;
    }
    if (!src->fetched_at) {
        snprintf(out, n, "not read yet");
        return EL_STATUS_UNKNOWN;
    }
    str_fmt_age((int64_t)(ctx->now - src->fetched_at), age, sizeof(age));
    snprintf(out, n, "%s %s", src->from_cache ? "cached" : "read", age);
    return src->from_cache ? EL_DIM : EL_LABEL;
}

/* ---- the guest table ---- */

enum gcol {
    GC_GUEST,
    GC_STATUS,
    GC_SNAPS,
    GC_NEWEST,
    GC_OLDEST,
    GC_PBS,
    GC_JOB,
    GC_NODE,
    GC_COUNT
};

static const struct col_spec guest_cols[GC_COUNT] = {
    [GC_GUEST] = { "guest", 20, 26, 0, false },    [GC_STATUS] = { "status", 7, 8, 5, false },
    [GC_SNAPS] = { "snaps", 5, 5, 3, true },       [GC_NEWEST] = { "newest", 8, 9, 1, false },
    [GC_OLDEST] = { "oldest", 8, 9, 7, false },    [GC_PBS] = { "PBS", 12, 14, 2, false },
    [GC_JOB] = { "backup job", 10, 34, 6, false }, [GC_NODE] = { "node", 6, 12, 8, false },
};

static void guest_cell(const struct snapshots *ss, const struct pmx_guest *g, enum gcol c,
                       const struct screen_ctx *ctx, char *buf, size_t n, enum theme_el *el)
{
    const struct app_pmx *p = ss->app->pmx;

    *el = EL_NORMAL;
    buf[0] = '\0';
    switch (c) {
    case GC_GUEST:
        pmx_guest_label(g, buf, n);
        break;
    case GC_STATUS:
        snprintf(buf, n, "%s", g->lock ? g->lock : g->status);
        *el = g->lock ? EL_STATUS_WARN : strcmp(g->status, "running") ? EL_DIM : EL_NORMAL;
        break;
    case GC_SNAPS:
        if (g->snaps_known)
            snprintf(buf, n, "%d", g->snap_count);
        else
            snprintf(buf, n, "%s", glyph(G_UNKNOWN));
        break;
    case GC_NEWEST:
        *el = snapshots_rollback_cell(ss->app, g, ctx->now, buf, n);
        break;
    case GC_OLDEST:
        if (g->snap_oldest) {
            str_fmt_age((int64_t)(ctx->now - g->snap_oldest), buf, n);
            if (ctx->now - g->snap_oldest > p->snapshot_max_age)
                *el = EL_AGE_STALE;
        } else {
            snprintf(buf, n, "%s", glyph(G_NA));
            *el = EL_DIM;
        }
        break;
    case GC_PBS:
        *el = snapshots_pbs_cell(ss->app, g, ctx->now, buf, n);
        break;
    case GC_JOB:
        if (!g->jobs_known) {
            snprintf(buf, n, "%s", glyph(G_UNKNOWN));
            *el = EL_STATUS_UNKNOWN;
        } else if (!g->job) {
            snprintf(buf, n, "none %s", glyph(G_WARN));
            *el = EL_STATUS_WARN;
        } else if (!g->job_enabled) {
            snprintf(buf, n, "%s (disabled) %s", g->job, glyph(G_WARN));
            *el = EL_STATUS_WARN;
        } else {
            snprintf(buf, n, "%s", g->job);
        }
        break;
    case GC_NODE:
        snprintf(buf, n, "%s", g->node ? g->node : "");
        break;
    case GC_COUNT:
        break;
    }
    str_sanitize(buf);
}

static void draw_header_row(const struct col_spec *cols, int ncols, const int *w, int y, int x)
{
    for (int c = 0; c < ncols; c++) {
        if (!w[c])
            continue;
        draw_field(y, x, w[c], theme_attr(EL_COLUMN_HEADER), cols[c].title,
                   cols[c].right ? ALIGN_RIGHT : ALIGN_LEFT);
        x += w[c] + 2;
    }
}

/* Title text at the right of a panel's top border. */
static void border_note(struct rect r, enum theme_el el, const char *text)
{
    char buf[160];
    int w;

    snprintf(buf, sizeof(buf), " %s ", text);
    w = draw_width(buf);
    if (w > r.w / 2)
        return;
    draw_text(r.y, r.x + r.w - 2 - w, w, theme_attr(el), buf);
}

static void draw_guests(struct snapshots *ss, struct rect r, const struct screen_ctx *ctx)
{
    const struct app_pmx *p = ss->app->pmx;
    const struct vec *v = guests(ss);
    int w[GC_COUNT], rows = r.h - 3, x;
    char title[128], buf[256];
    enum theme_el el;

    snprintf(title, sizeof(title), "guests %s PVE %s", glyph(G_SEP), p->pve->name);
    str_sanitize(title);
    draw_box(r, theme_attr(ss->in_snaps ? EL_BORDER : EL_PANEL_TITLE), title,
             theme_attr(EL_PANEL_TITLE));
    el = source_state(&p->pve_src, ctx, buf, sizeof(buf));
    border_note(r, el, buf);
    layout_columns(guest_cols, GC_COUNT, r.w - 4, 2, w);
    if (!p->pbs)
        w[GC_PBS] = 0;
    draw_header_row(guest_cols, GC_COUNT, w, r.y + 1, r.x + 2);
    if (!v->len) {
        if (p->pve_src.failed)
            str_copy(buf, sizeof(buf), p->pve_src.error.msg);
        else if (p->pve_src.refreshing)
            snprintf(buf, sizeof(buf), "reading the guests from %s %s", p->pve->url, glyph(G_SPIN));
        else
            snprintf(buf, sizeof(buf), "no guest on this PVE (templates are left out)");
        str_sanitize(buf);
        draw_text(r.y + 2, r.x + 2, r.w - 4,
                  theme_attr(p->pve_src.failed ? EL_STATUS_WARN : EL_DIM), buf);
        return;
    }
    selected(ss);
    if (rows < 1)
        return;
    if ((int)ss->sel < ss->scroll)
        ss->scroll = (int)ss->sel;
    if ((int)ss->sel >= ss->scroll + rows)
        ss->scroll = (int)ss->sel - rows + 1;
    if (ss->scroll > (int)v->len - rows)
        ss->scroll = (int)v->len - rows > 0 ? (int)v->len - rows : 0;
    for (int i = 0; i < rows && ss->scroll + i < (int)v->len; i++) {
        size_t row = (size_t)(ss->scroll + i);
        const struct pmx_guest *g = v->items[row];
        bool on = row == ss->sel;
        int y = r.y + 2 + i;

        x = r.x + 2;
        if (on)
            draw_fill(y, r.x + 1, r.w - 2, theme_attr(ss->in_snaps ? EL_TAB : EL_SELECTION));
        for (int c = 0; c < GC_COUNT; c++) {
            if (!w[c])
                continue;
            guest_cell(ss, g, (enum gcol)c, ctx, buf, sizeof(buf), &el);
            draw_field(y, x, w[c], theme_attr(on && !ss->in_snaps ? EL_SELECTION : el), buf,
                       guest_cols[c].right ? ALIGN_RIGHT : ALIGN_LEFT);
            x += w[c] + 2;
        }
    }
    if (ss->scroll + rows < (int)v->len) {
        snprintf(buf, sizeof(buf), " %s %d more ", glyph(G_DOWN), (int)v->len - ss->scroll - rows);
        draw_text(r.y + r.h - 1, r.x + r.w - 2 - draw_width(buf), draw_width(buf),
                  theme_attr(EL_BORDER), buf);
    }
}

/* ---- the snapshot list ---- */

enum scol { SC_NAME, SC_TAKEN, SC_AGE, SC_RAM, SC_PARENT, SC_DESC, SC_COUNT };

static const struct col_spec snap_cols[SC_COUNT] = {
    [SC_NAME] = { "snapshot", 22, 40, 0, false }, [SC_TAKEN] = { "taken", 16, 16, 3, false },
    [SC_AGE] = { "age", 8, 9, 1, false },         [SC_RAM] = { "RAM", 3, 3, 4, false },
    [SC_PARENT] = { "parent", 8, 20, 5, false },  [SC_DESC] = { "description", 12, 0, 2, false },
};

static void snap_cell(const struct snapshots *ss, const struct pmx_snap *s, enum scol c,
                      const struct screen_ctx *ctx, char *buf, size_t n, enum theme_el *el)
{
    const struct app_pmx *p = ss->app->pmx;
    char tmp[64];

    *el = EL_NORMAL;
    buf[0] = '\0';
    switch (c) {
    case SC_NAME:
        snprintf(buf, n, "%s%s", s->name, s->is_current ? " (current)" : "");
        if (s->snapstate)
            *el = EL_SPINNER;
        break;
    case SC_TAKEN:
        if (s->snaptime) {
            clock_fmt_local(s->snaptime, tmp, sizeof(tmp));
            tmp[16] = '\0';
            snprintf(buf, n, "%s", tmp);
        } else {
            snprintf(buf, n, "%s", glyph(G_UNKNOWN));
        }
        break;
    case SC_AGE:
        if (s->snapstate) {
            snprintf(buf, n, "%s %s", s->snapstate, glyph(G_SPIN));
            *el = EL_SPINNER;
        } else if (s->snaptime) {
            bool stale = ctx->now - s->snaptime > p->snapshot_max_age;

            str_fmt_age((int64_t)(ctx->now - s->snaptime), tmp, sizeof(tmp));
            snprintf(buf, n, "%s%s%s", tmp, stale ? " " : "", stale ? glyph(G_WARN) : "");
            *el = stale ? EL_AGE_STALE : EL_AGE_FRESH;
        }
        break;
    case SC_RAM:
        snprintf(buf, n, "%s", s->vmstate ? "yes" : glyph(G_NA));
        *el = s->vmstate ? EL_NORMAL : EL_DIM;
        break;
    case SC_PARENT:
        snprintf(buf, n, "%s", s->parent ? s->parent : glyph(G_NA));
        *el = s->parent ? EL_NORMAL : EL_DIM;
        break;
    case SC_DESC:
        snprintf(buf, n, "%s", s->description);
        /* one line: multi-line notes are joined */
        for (char *q = buf; *q; q++)
            if (*q == '\n' || *q == '\r' || *q == '\t')
                *q = ' ';
        break;
    case SC_COUNT:
        break;
    }
    str_sanitize(buf);
}

static void draw_snaps(struct snapshots *ss, struct rect r, const struct pmx_guest *g,
                       const struct screen_ctx *ctx)
{
    const struct app_pmx *p = ss->app->pmx;
    int w[SC_COUNT], rows = r.h - 3, x;
    char title[160], buf[512], lim[96];
    enum theme_el el;

    if (g) {
        pmx_guest_label(g, lim, sizeof(lim));
        snprintf(title, sizeof(title), "snapshots %s %s", glyph(G_SEP), lim);
    } else {
        snprintf(title, sizeof(title), "snapshots");
    }
    str_sanitize(title);
    draw_box(r, theme_attr(ss->in_snaps ? EL_PANEL_TITLE : EL_BORDER), title,
             theme_attr(EL_PANEL_TITLE));
    snprintf(buf, sizeof(buf), "limit %s", str_fmt_age(p->snapshot_max_age, lim, sizeof(lim)));
    border_note(r, EL_LABEL, buf);
    if (!g)
        return;
    layout_columns(snap_cols, SC_COUNT, r.w - 4, 2, w);
    if (!g->snaps_known) {
        draw_text(r.y + 1, r.x + 2, r.w - 4, theme_attr(EL_STATUS_UNKNOWN),
                  "snapshots not read yet");
        return;
    }
    if (!g->snaps.len) {
        draw_text(r.y + 1, r.x + 2, r.w - 4, theme_attr(EL_DIM),
                  "no snapshot: c takes one (a rollback point before a risky change)");
        return;
    }
    draw_header_row(snap_cols, SC_COUNT, w, r.y + 1, r.x + 2);
    if (!ss->in_snaps) /* browsing the guests: the newest snapshots are the ones in view */
        ss->snap_sel = g->snaps.len - 1;
    if (ss->snap_sel >= g->snaps.len)
        ss->snap_sel = g->snaps.len - 1;
    if (rows < 1)
        return;
    if ((int)ss->snap_sel < ss->snap_scroll)
        ss->snap_scroll = (int)ss->snap_sel;
    if ((int)ss->snap_sel >= ss->snap_scroll + rows)
        ss->snap_scroll = (int)ss->snap_sel - rows + 1;
    if (ss->snap_scroll > (int)g->snaps.len - rows)
        ss->snap_scroll = (int)g->snaps.len - rows > 0 ? (int)g->snaps.len - rows : 0;
    for (int i = 0; i < rows && ss->snap_scroll + i < (int)g->snaps.len; i++) {
        size_t row = (size_t)(ss->snap_scroll + i);
        const struct pmx_snap *s = g->snaps.items[row];
        bool on = ss->in_snaps && row == ss->snap_sel;
        int y = r.y + 2 + i;

        x = r.x + 2;
        if (on)
            draw_fill(y, r.x + 1, r.w - 2, theme_attr(EL_SELECTION));
        for (int c = 0; c < SC_COUNT; c++) {
            if (!w[c])
                continue;
            snap_cell(ss, s, (enum scol)c, ctx, buf, sizeof(buf), &el);
            draw_field(y, x, w[c], theme_attr(on ? EL_SELECTION : el), buf,
                       snap_cols[c].right ? ALIGN_RIGHT : ALIGN_LEFT);
            x += w[c] + 2;
        }
    }
    if (ss->snap_scroll + rows < (int)g->snaps.len) {
        snprintf(buf, sizeof(buf), " %s %d more ", glyph(G_DOWN),
                 (int)g->snaps.len - ss->snap_scroll - rows);
        draw_text(r.y + r.h - 1, r.x + r.w - 2 - draw_width(buf), draw_width(buf),
                  theme_attr(EL_BORDER), buf);
    }
}

/* ---- tasks ---- */

/* The task to show: one running (the selected guest's first), else the newest. */
static const struct pmx_task *shown_task(const struct snapshots *ss)
{
    const struct vec *t = &ss->app->pmx->tasks;
    const struct pmx_task *best = NULL;
    size_t i;
    const struct pmx_task *k;

    vec_foreach(t, i, k) {
        if (k->state != PMX_TASK_DONE &&
            (!best || best->state == PMX_TASK_DONE || k->vmid == ss->sel_vmid))
            best = k;
        else if (!best || best->state == PMX_TASK_DONE)
            best = k;
    }
    return best;
}

static void draw_task(const struct snapshots *ss, struct rect r, const struct screen_ctx *ctx)
{
    const struct pmx_task *t = shown_task(ss);
    char buf[512], dur[32];
    enum theme_el el;
    int lines = r.h - 2, first;

    if (!t)
        return;
    if (t->state == PMX_TASK_DONE) {
        str_fmt_duration((int64_t)(t->ended - t->started), dur, sizeof(dur));
        if (t->outcome == PMX_OK || t->outcome == PMX_WARNINGS) {
            snprintf(buf, sizeof(buf), "%s %s in %s", glyph(G_OK),
                     t->outcome == PMX_OK ? "done" : "done with warnings", dur);
            el = t->outcome == PMX_OK ? EL_STATUS_OK : EL_STATUS_WARN;
        } else {
            snprintf(buf, sizeof(buf), "%s failed after %s", glyph(G_CRIT), dur);
            el = EL_STATUS_CRIT;
        }
    } else {
        snprintf(buf, sizeof(buf), "%s %s %llds", glyph(G_SPIN),
                 t->state == PMX_TASK_STARTING ? "starting" : "running",
                 (long long)((ctx->now_ms - t->started_ms) / 1000));
        el = EL_SPINNER;
    }
    {
        char title[256];

        snprintf(title, sizeof(title), "task %s %s", glyph(G_SEP), t->what);
        draw_box(r, theme_attr(EL_BORDER), title, theme_attr(EL_PANEL_TITLE));
    }
    border_note(r, el, buf);
    if (lines < 1)
        return;
    if (t->state == PMX_TASK_DONE && t->outcome != PMX_OK && t->outcome != PMX_WARNINGS) {
        /* the error on the first line, the log tail below */
        draw_text(r.y + 1, r.x + 2, r.w - 4, theme_attr(EL_STATUS_CRIT), t->exitstatus);
        r.y++;
        lines--;
    }
    if (!t->log.len) {
        if (lines > 0)
            draw_text(r.y + 1, r.x + 2, r.w - 4, theme_attr(EL_DIM),
                      t->upid[0] ? "no log line yet" : "waiting for the server to start the task");
        return;
    }
    first = (int)t->log.len - lines;
    if (first < 0)
        first = 0;
    for (int i = 0; i < lines && first + i < (int)t->log.len; i++)
        draw_text(r.y + 1 + i, r.x + 2, r.w - 4, theme_attr(EL_NORMAL),
                  (const char *)t->log.items[first + i]);
}

/* ---- dialogs ---- */

static void dialog_lines(struct rect r, int *y, enum theme_el el, const char *text)
{
    struct {
        int *y;
        struct rect r;
        attr_t a;
    } c = { y, r, theme_attr(el) };
    char line[512];
    const char *s = text;
    int w = r.w - 4;

    /* simple word wrap into the box */
    while (*s && *c.y < r.y + r.h - 2) {
        int len = (int)strlen(s), cut = len;

        if (draw_width(s) > w) {
            cut = 0;
            for (int i = 0; i < len && i < (int)sizeof(line) - 1; i++) {
                char tmp[512];

                memcpy(tmp, s, (size_t)i + 1);
                tmp[i + 1] = '\0';
                if (draw_width(tmp) > w)
                    break;
                if (s[i] == ' ')
                    cut = i;
            }
            if (!cut)
                cut = w < len ? w : len;
        }
        if (cut >= (int)sizeof(line))
            cut = (int)sizeof(line) - 1;
        memcpy(line, s, (size_t)cut);
        line[cut] = '\0';
        draw_text(*c.y, r.x + 2, w, c.a, line);
        (*c.y)++;
        s += cut;
        while (*s == ' ')
            s++;
    }
}

static void draw_dialog(struct snapshots *ss, struct rect area, const struct screen_ctx *ctx)
{
    const struct pmx_guest *g = app_pmx_guest(ss->app, ss->dlg_vmid);
    const struct pmx_snap *s = NULL;
    int w = area.w - 8 < 84 ? area.w - 8 : 84, h = 11, y;
    struct rect r;
    char label[96], line[640], when[64], age[32], title[160];
    size_t i, newer = 0;
    struct pmx_snap *k;
    bool seen = false;

    if (!g) {
        ss->dlg = DLG_NONE;
        return;
    }
    pmx_guest_label(g, label, sizeof(label));
    vec_foreach(&g->snaps, i, k) {
        if (!strcmp(k->name, ss->dlg_snap)) {
            s = k;
            seen = true;
        } else if (seen) {
            newer++;
        }
    }
    if (ss->dlg == DLG_ROLLBACK)
        h = 13;
    if (h > area.h)
        h = area.h;
    r = (struct rect){ area.y + (area.h - h) / 2, area.x + (area.w - w) / 2, h, w };
    draw_clear(r, theme_attr(EL_NORMAL));
    switch (ss->dlg) {
    case DLG_NAME:
    case DLG_CREATE:
        snprintf(title, sizeof(title), "create a snapshot of %s", label);
        break;
    case DLG_ROLLBACK:
        snprintf(title, sizeof(title), "roll %s back?", label);
        break;
    case DLG_BACKUP:
        snprintf(title, sizeof(title), "back up %s to PBS now?", label);
        break;
    default:
        snprintf(title, sizeof(title), "delete a snapshot of %s?", label);
        break;
    }
    draw_box(r, theme_attr(EL_BORDER), title, theme_attr(EL_PANEL_TITLE));
    y = r.y + 1;
    snprintf(line, sizeof(line), "guest     %s  (%s, node %s)", label, g->status, g->node);
    str_sanitize(line);
    draw_text(y++, r.x + 2, w - 4, theme_attr(EL_PANEL_TITLE), line);
    if (s) {
        clock_fmt_local(s->snaptime, when, sizeof(when));
        when[16] = '\0';
        snprintf(line, sizeof(line), "snapshot  %s  taken %s (%s ago)%s", s->name,
                 s->snaptime ? when : "?",
                 str_fmt_age((int64_t)(ctx->now - s->snaptime), age, sizeof(age)),
                 s->vmstate ? ", with RAM" : "");
        str_sanitize(line);
        draw_text(y++, r.x + 2, w - 4, theme_attr(EL_PANEL_TITLE), line);
    }
    y++;
    switch (ss->dlg) {
    case DLG_NAME:
        dialog_lines(r, &y, EL_NORMAL,
                     "A snapshot is a rollback point on the guest's own storage, not a backup. "
                     "Name it (letters, digits, - and _; it starts with a letter):");
        y++;
        snprintf(line, sizeof(line), "name: %s", ss->prompt.text);
        draw_text(y, r.x + 2, w - 4, theme_attr(EL_PROMPT), line);
        draw_text(y, r.x + 2 + draw_width(line), 1, theme_attr(EL_SELECTION), " ");
        draw_text(r.y + h - 2, r.x + 2, w - 4, theme_attr(EL_DIM), "Enter goes on   Esc cancels");
        return;
    case DLG_CREATE:
        snprintf(line, sizeof(line), "Create snapshot '%s' of %s now? %s", ss->dlg_snap, label,
                 strcmp(g->type, "qemu") ? "The container's disks are frozen in that state."
                 : !strcmp(g->status, "running")
                     ? "The VM keeps running; its RAM is not saved (a rollback boots it fresh)."
                     : "The VM is stopped: its disks are saved as they are.");
        str_sanitize(line);
        dialog_lines(r, &y, EL_NORMAL, line);
        draw_text(r.y + h - 2, r.x + 2, w - 4, theme_attr(EL_PROMPT),
                  "Enter creates it   Esc cancels");
        return;
    case DLG_ROLLBACK:
        snprintf(line, sizeof(line),
                 "Everything %s wrote since %s is lost: its disks%s return to the snapshot. "
                 "%s%s",
                 label, s && s->snaptime ? when : "the snapshot", s && s->vmstate ? " and RAM" : "",
                 newer ? "The newer snapshots stay and can still be rolled back to. " : "",
                 s && !s->vmstate && !strcmp(g->type, "qemu")
                     ? "The guest is stopped by the rollback (no RAM in the snapshot)."
                     : "");
        str_sanitize(line);
        dialog_lines(r, &y, EL_STATUS_WARN, line);
        if (ss->typed) {
            y = r.y + h - 3;
            snprintf(line, sizeof(line), "%d is not a drill guest: type %d to roll it back: %s",
                     g->vmid, g->vmid, ss->prompt.text);
            draw_text(y, r.x + 2, w - 4, theme_attr(EL_PROMPT), line);
            draw_text(y, r.x + 2 + draw_width(line), 1, theme_attr(EL_SELECTION), " ");
            draw_text(r.y + h - 2, r.x + 2, w - 4, theme_attr(EL_DIM),
                      "Enter rolls back when the VMID is right   Esc cancels");
        } else {
            draw_text(r.y + h - 2, r.x + 2, w - 4, theme_attr(EL_PROMPT),
                      "drill guest: Enter rolls back   Esc cancels");
        }
        return;
    case DLG_DELETE:
        snprintf(line, sizeof(line),
                 "Delete snapshot '%s' of %s? Its rollback point is gone for good; the guest "
                 "itself and its other snapshots are not touched.",
                 ss->dlg_snap, label);
        str_sanitize(line);
        dialog_lines(r, &y, EL_NORMAL, line);
        draw_text(r.y + h - 2, r.x + 2, w - 4, theme_attr(EL_PROMPT),
                  "Enter deletes it   Esc cancels");
        return;
    case DLG_BACKUP:
        snprintf(line, sizeof(line), "storage   %s  (%s)", ss->dlg_storage,
                 g->job ? "the storage of the backup job covering it"
                        : "no backup job covers it: the storage the backup jobs write to");
        str_sanitize(line);
        draw_text(y++, r.x + 2, w - 4, theme_attr(EL_PANEL_TITLE), line);
        y++;
        snprintf(line, sizeof(line),
                 "Back up %s to %s now (vzdump, mode snapshot: the guest keeps running)? A new "
                 "backup is added; nothing is overwritten.",
                 label, ss->dlg_storage);
        str_sanitize(line);
        dialog_lines(r, &y, EL_NORMAL, line);
        draw_text(r.y + h - 2, r.x + 2, w - 4, theme_attr(EL_PROMPT),
                  "Enter backs it up   Esc cancels");
        return;
    case DLG_NONE:
        return;
    }
}

/* ---- the screen ---- */

static void snapshots_draw(void *st, struct rect area, const struct screen_ctx *ctx)
{
    struct snapshots *ss = st;
    const struct app_pmx *p = ss->app->pmx;
    const struct pmx_guest *g;
    int min[3], want[3], h[3];
    struct rect r;
    bool task = shown_task(ss) != NULL;

    if (!p || !p->pve) {
        draw_box(area, theme_attr(EL_BORDER), "snapshots", theme_attr(EL_PANEL_TITLE));
        draw_text(area.y + 1, area.x + 2, area.w - 4, theme_attr(EL_DIM),
                  "no [pve NAME] section in the config: add one with url, token_file and "
                  "fingerprint to see the Proxmox guests and their snapshots");
        return;
    }
    g = selected(ss);
    /* the status or notice line at the bottom */
    area.h--;
    if (ss->notice[0])
        draw_text(area.y + area.h, area.x + 1, area.w - 2,
                  theme_attr(ss->notice_error ? EL_ERROR : EL_MESSAGE), ss->notice);
    else if (p->pbs && area.h > 12)
        snapshots_draw_datastore_line(ss->app, area.y + area.h, area.x + 1, area.w - 2, ctx);
    min[0] = 5;
    want[0] = 3 + (int)(p->guests.len ? p->guests.len : 1);
    min[1] = 4;
    want[1] = -1;
    min[2] = task ? 4 : 0;
    want[2] = task ? 2 + (area.h >= 30 ? TASK_LINES : 3) : 0;
    /* the task panel before the snapshot list grows */
    {
        int order_min[3] = { min[0], min[2], min[1] },
            order_want[3] = { want[0], want[2], want[1] };
        int out[3];

        layout_stack(area.h, 3, order_min, order_want, out);
        h[0] = out[0];
        h[2] = out[1];
        h[1] = out[2];
    }
    r = (struct rect){ area.y, area.x, h[0], area.w };
    if (h[0])
        draw_guests(ss, r, ctx);
    r.y += h[0];
    r.h = h[1];
    if (h[1] >= 3)
        draw_snaps(ss, r, g, ctx);
    r.y += h[1];
    r.h = h[2];
    if (h[2] >= 3)
        draw_task(ss, r, ctx);
    if (ss->dlg != DLG_NONE)
        draw_dialog(ss, area, ctx);
}

static void close_dialog(struct snapshots *ss)
{
    ss->dlg = DLG_NONE;
    ss->typed = false;
    prompt_close(&ss->prompt);
}

static void default_name(char *out, size_t n, time_t now)
{
    struct tm tm;

    localtime_r(&now, &tm);
    strftime(out, n, "lb-%Y%m%d-%H%M", &tm);
}

/* Enter in a dialog. */
static void dialog_confirm(struct snapshots *ss, const struct screen_ctx *ctx)
{
    struct lb_err err = { 0 };
    int rc = 0;
    enum dialog d = ss->dlg;
    const struct pmx_guest *g = app_pmx_guest(ss->app, ss->dlg_vmid);

    (void)ctx;
    switch (d) {
    case DLG_NAME:
        if (pve_check_snapname(ss->prompt.text, &err) < 0) {
            notice(ss, true, "%s", err.msg);
            return; /* keep typing */
        }
        str_copy(ss->dlg_snap, sizeof(ss->dlg_snap), ss->prompt.text);
        prompt_close(&ss->prompt);
        ss->typed = false;
        ss->notice[0] = '\0';
        ss->dlg = DLG_CREATE;
        return;
    case DLG_CREATE:
        rc = app_pmx_snapshot_create(ss->app, ss->dlg_vmid, ss->dlg_snap, "taken from lifeboat",
                                     false, &err);
        break;
    case DLG_ROLLBACK:
        if (ss->typed) {
            char want[16];

            snprintf(want, sizeof(want), "%d", ss->dlg_vmid);
            if (strcmp(str_trim(ss->prompt.text), want)) {
                notice(ss, true, "type %s to roll it back (Esc cancels)", want);
                return;
            }
        }
        rc = app_pmx_snapshot_rollback(ss->app, ss->dlg_vmid, ss->dlg_snap, &err);
        break;
    case DLG_DELETE:
        rc = app_pmx_snapshot_delete(ss->app, ss->dlg_vmid, ss->dlg_snap, &err);
        break;
    case DLG_BACKUP:
        rc = app_pmx_backup_guest(ss->app, ss->dlg_vmid, ss->dlg_storage, &err);
        break;
    case DLG_NONE:
        return;
    }
    close_dialog(ss);
    if (rc < 0)
        notice(ss, true, "%s", err.msg);
    else if (g)
        ss->notice[0] = '\0';
}

/* Raw keys while a dialog wants typed text. */
static unsigned snapshots_key(void *st, int key, const struct screen_ctx *ctx)
{
    struct snapshots *ss = st;
    enum prompt_result r;

    if (ss->dlg == DLG_NONE || !ss->typed)
        return REACT_NONE;
    if (key == '\n' || key == '\r' || key == KEYF(KEY_ENTER)) {
        dialog_confirm(ss, ctx);
        return REACT_HANDLED;
    }
    r = prompt_key(&ss->prompt, key);
    if (r == PROMPT_CANCELLED) {
        close_dialog(ss);
        notice(ss, false, "cancelled: nothing was changed");
    }
    return REACT_HANDLED;
}

static void open_dialog(struct snapshots *ss, enum dialog d, const struct pmx_guest *g,
                        const char *snap, bool typed, const char *initial)
{
    ss->dlg = d;
    ss->dlg_vmid = g->vmid;
    str_copy(ss->dlg_snap, sizeof(ss->dlg_snap), snap ? snap : "");
    ss->typed = typed;
    ss->notice[0] = '\0';
    if (typed)
        prompt_open(&ss->prompt, "", initial ? initial : "");
}

static unsigned snapshots_action(void *st, enum action a, const struct screen_ctx *ctx)
{
    struct snapshots *ss = st;
    const struct app_pmx *p = ss->app->pmx;
    const struct pmx_guest *g;
    const struct pmx_snap *s;
    size_t n;
    char name[48], label[96];

    if (!p || !p->pve)
        return REACT_NONE;
    g = selected(ss);
    s = selected_snap(ss, g);
    n = p->guests.len;
    if (ss->dlg != DLG_NONE) {
        if (a == ACTION_ENTER)
            dialog_confirm(ss, ctx);
        else if (a == ACTION_BACK || a == ACTION_QUIT) {
            close_dialog(ss);
            notice(ss, false, "cancelled: nothing was changed");
        }
        return REACT_HANDLED; /* nothing else while a question is open */
    }
    if (a != ACTION_NONE && a != ACTION_REFRESH)
        ss->notice[0] = '\0';
    switch (a) {
    case ACTION_MOVE_UP:
    case ACTION_MOVE_DOWN:
    case ACTION_PAGE_UP:
    case ACTION_PAGE_DOWN:
    case ACTION_MOVE_FIRST:
    case ACTION_MOVE_LAST: {
        size_t *cur = ss->in_snaps ? &ss->snap_sel : &ss->sel;
        size_t len = ss->in_snaps ? (g ? g->snaps.len : 0) : n;
        size_t step = a == ACTION_PAGE_UP || a == ACTION_PAGE_DOWN ? 10 : 1;

        if (!len)
            return REACT_HANDLED;
        if (a == ACTION_MOVE_FIRST)
            *cur = 0;
        else if (a == ACTION_MOVE_LAST)
            *cur = len - 1;
        else if (a == ACTION_MOVE_UP || a == ACTION_PAGE_UP)
            *cur = *cur > step ? *cur - step : 0;
        else
            *cur = *cur + step < len ? *cur + step : len - 1;
        if (!ss->in_snaps) {
            ss->sel_vmid = ((struct pmx_guest *)p->guests.items[ss->sel])->vmid;
            ss->snap_sel = (size_t)-1; /* the newest (clamped when drawn) */
            ss->snap_scroll = 0;
        }
        return REACT_HANDLED;
    }
    case ACTION_ENTER:
        if (g && g->snaps.len && !ss->in_snaps) {
            ss->in_snaps = true;
            ss->snap_sel = g->snaps.len - 1; /* the newest */
        } else if (g && !g->snaps.len) {
            notice(ss, false, "%s has no snapshot: c takes one",
                   pmx_guest_label(g, label, sizeof(label)));
        }
        return REACT_HANDLED;
    case ACTION_BACK:
        if (ss->in_snaps) {
            ss->in_snaps = false;
            return REACT_HANDLED;
        }
        return REACT_NONE;
    case ACTION_REFRESH:
        app_pmx_refresh(ss->app);
        return REACT_NONE; /* the manager refreshes the rest and says so */
    case ACTION_SNAP_CREATE:
        if (!g)
            return REACT_HANDLED;
        if (app_pmx_task_on(ss->app, g->vmid)) {
            notice(ss, true, "a task runs on %s: wait for it to end",
                   pmx_guest_label(g, label, sizeof(label)));
            return REACT_HANDLED;
        }
        default_name(name, sizeof(name), ctx->now);
        open_dialog(ss, DLG_NAME, g, NULL, true, name);
        return REACT_HANDLED;
    case ACTION_SNAP_ROLLBACK:
    case ACTION_SNAP_DELETE:
        if (!g)
            return REACT_HANDLED;
        if (!ss->in_snaps || !s) {
            notice(ss, false, "%s",
                   g->snaps.len ? "Enter the snapshot list and pick a snapshot first"
                                : "this guest has no snapshot");
            return REACT_HANDLED;
        }
        if (app_pmx_task_on(ss->app, g->vmid)) {
            notice(ss, true, "a task runs on %s: wait for it to end",
                   pmx_guest_label(g, label, sizeof(label)));
            return REACT_HANDLED;
        }
        if (s->snapstate) {
            notice(ss, true, "snapshot %s is being worked on (%s): wait for it", s->name,
                   s->snapstate);
            return REACT_HANDLED;
        }
        if (a == ACTION_SNAP_DELETE)
            open_dialog(ss, DLG_DELETE, g, s->name, false, NULL);
        else
            open_dialog(ss, DLG_ROLLBACK, g, s->name, !app_pmx_is_drill_guest(ss->app, g->vmid),
                        "");
        return REACT_HANDLED;
    case ACTION_BACKUP_NOW: {
        const char *storage;

        if (!g)
            return REACT_HANDLED;
        pmx_guest_label(g, label, sizeof(label));
        if (app_pmx_task_on(ss->app, g->vmid)) {
            notice(ss, true, "a task runs on %s: wait for it to end", label);
            return REACT_HANDLED;
        }
        storage = app_pmx_backup_storage(ss->app, g->vmid);
        if (!storage) {
            notice(ss, true,
                   "no backup storage known for %s: PVE lists no backup job (r rereads them)",
                   label);
            return REACT_HANDLED;
        }
        open_dialog(ss, DLG_BACKUP, g, NULL, false, NULL);
        str_copy(ss->dlg_storage, sizeof(ss->dlg_storage), storage);
        return REACT_HANDLED;
    }
    default:
        return REACT_NONE;
    }
}

static unsigned snapshots_changed(void *st, unsigned flags, const struct screen_ctx *ctx)
{
    (void)st;
    (void)ctx;
    return flags & APP_CHANGED_PROXMOX ? REACT_REDRAW : REACT_NONE;
}

static void *snapshots_create(struct app *app)
{
    struct snapshots *ss = xcalloc(1, sizeof(*ss));

    ss->app = app;
    ss->snap_sel = (size_t)-1;
    return ss;
}

static void snapshots_destroy(void *st)
{
    free(st);
}

const struct screen_ops scr_snapshots_ops = {
    .name = "snapshots",
    .title = "Snapshots",
    .number = 6,
    .create = snapshots_create,
    .destroy = snapshots_destroy,
    .draw = snapshots_draw,
    .on_action = snapshots_action,
    .on_change = snapshots_changed,
    .on_key = snapshots_key,
};
