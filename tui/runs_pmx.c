/* The Runs screen's Proxmox tasks and task log (runs_pmx.h). */
#include "tui/runs_pmx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/app.h"
#include "backend/app_proxmox.h"
#include "backend/base/str.h"
#include "backend/base/xalloc.h"
#include "backend/config.h"
#include "backend/pmx_recent.h"
#include "tui/glyph.h"
#include "tui/layout.h"
#include "tui/theme.h"

struct runs_pmx {
    struct app *app;
    size_t sel;
    int scroll;      /* first task row shown */
    int page;        /* rows shown by the last draw */
    bool log;        /* the selected task's log is open */
    int log_scroll;  /* first log line shown */
    bool log_follow; /* keep the end in view while lines come */
    char notice[320];
};

struct runs_pmx *runs_pmx_new(struct app *app)
{
    struct runs_pmx *v = xcalloc(1, sizeof(*v));

    v->app = app;
    v->page = 1;
    return v;
}

void runs_pmx_free(struct runs_pmx *v)
{
    /* an open log is the engine's: app_pmx_cancel stops its reading */
    free(v);
}

static const struct vec *rows_of(const struct runs_pmx *v)
{
    return v->app->pmx ? &v->app->pmx->recent : NULL;
}

/* "✓ OK", "▲ WARNINGS: 1", "✗ the error", "⟳ running" */
static enum theme_el status_text(const struct pmx_recent *r, char *out, size_t n)
{
    switch (pmx_recent_outcome(r)) {
    case PMX_OK:
        snprintf(out, n, "%s %s", glyph(G_OK), r->status);
        return EL_STATUS_OK;
    case PMX_WARNINGS:
        snprintf(out, n, "%s %s", glyph(G_WARN), r->status);
        return EL_STATUS_WARN;
    case PMX_RUNNING:
        snprintf(out, n, "%s running", glyph(G_SPIN));
        return EL_SPINNER;
    default:
        snprintf(out, n, "%s %s", glyph(G_CRIT), pmx_recent_status(r));
        return EL_STATUS_CRIT;
    }
}

enum tcol { TC_PROD, TC_STARTED, TC_WHAT, TC_STATUS, TC_TOOK, TC_USER, TC_NODE, TC_COUNT };

static const struct col_spec task_cols[TC_COUNT] = {
    [TC_PROD] = { "", 3, 3, 0, false },       [TC_STARTED] = { "started", 12, 12, 0, false },
    [TC_WHAT] = { "task", 20, 40, 0, false }, [TC_STATUS] = { "status", 22, 60, 1, false },
    [TC_TOOK] = { "took", 5, 8, 2, true },    [TC_USER] = { "user", 18, 24, 3, false },
    [TC_NODE] = { "node", 6, 12, 4, false },
};

static void task_cell(const struct pmx_recent *r, enum tcol c, time_t now, char *out, size_t n,
                      enum theme_el *el)
{
    *el = EL_NORMAL;
    out[0] = '\0';
    switch (c) {
    case TC_PROD:
        snprintf(out, n, "%s", r->product == PMX_PBS ? "pbs" : "pve");
        *el = EL_DIM;
        break;
    case TC_STARTED: {
        struct tm tm;

        localtime_r(&r->started, &tm);
        strftime(out, n, "%b %d %H:%M", &tm);
        break;
    }
    case TC_WHAT:
        snprintf(out, n, "%s%s%s", r->type, r->id[0] ? " " : "", r->id);
        break;
    case TC_STATUS:
        *el = status_text(r, out, n);
        break;
    case TC_TOOK: {
        int64_t d = r->status ? (int64_t)(r->ended - r->started) : (int64_t)(now - r->started);

        str_fmt_duration(d > 0 ? d : 0, out, n);
        break;
    }
    case TC_USER:
        snprintf(out, n, "%s", r->user);
        *el = EL_DIM;
        break;
    case TC_NODE:
        snprintf(out, n, "%s", r->node);
        *el = EL_DIM;
        break;
    case TC_COUNT:
        break;
    }
    str_sanitize(out);
}

/* "read 2m ago", "reading ⟳ 3s", "from the cache", per product. */
static void source_line(const struct app_pmx *p, const struct screen_ctx *ctx, char *out, size_t n)
{
    char age[32];
    size_t len = 0;

    out[0] = '\0';
    if (p->pve_src.refreshing || p->pbs_src.refreshing) {
        const struct pmx_source *s = p->pve_src.refreshing ? &p->pve_src : &p->pbs_src;

        len += (size_t)snprintf(out + len, n - len, "reading %s %llds  ", glyph(G_SPIN),
                                (long long)((ctx->now_ms - s->refresh_started_ms) / 1000));
    }
    if (len >= n)
        return;
    if (p->recent_at)
        snprintf(out + len, n - len, "read %s ago",
                 str_fmt_age((int64_t)(ctx->now - p->recent_at), age, sizeof(age)));
    else if (p->recent_from_cache)
        snprintf(out + len, n - len, "from the cache (not read yet)");
}

static void draw_list(struct runs_pmx *v, struct rect r, const struct screen_ctx *ctx)
{
    const struct app_pmx *p = v->app->pmx;
    const struct vec *rows = rows_of(v);
    int w[TC_COUNT], x, y, body, nerr = 0;
    char title[200], buf[600];
    size_t n = rows ? rows->len : 0;

    snprintf(title, sizeof(title), "Proxmox tasks %s whoever started them %s %zu", glyph(G_SEP),
             glyph(G_SEP), n);
    draw_box(r, theme_attr(EL_BORDER), title, theme_attr(EL_PANEL_TITLE));
    if (!p || (!p->pve && !p->pbs)) {
        draw_text(r.y + 1, r.x + 2, r.w - 4, theme_attr(EL_DIM),
                  "no [pve] or [pbs] section in the config: nothing to list (t goes back)");
        return;
    }
    source_line(p, ctx, buf, sizeof(buf));
    draw_text(r.y, r.x + r.w - 2 - draw_width(buf) - 1, draw_width(buf) + 1, theme_attr(EL_DIM),
              buf);
    y = r.y + 1;
    for (int k = 0; k < 2; k++) {
        if (!p->recent_error[k][0] || y >= r.y + r.h - 2)
            continue;
        snprintf(buf, sizeof(buf), "%s task list not read: %s", k ? "PBS" : "PVE",
                 p->recent_error[k]);
        str_sanitize(buf);
        draw_text(y++, r.x + 2, r.w - 4, theme_attr(EL_STATUS_WARN), buf);
        nerr++;
    }
    if (!n) {
        draw_text(y, r.x + 2, r.w - 4, theme_attr(EL_DIM),
                  p->recent_known ? "no recent task" : "reading the task lists...");
        return;
    }
    layout_columns(task_cols, TC_COUNT, r.w - 4, 2, w);
    x = r.x + 2;
    for (int c = 0; c < TC_COUNT; c++) {
        if (!w[c])
            continue;
        draw_field(y, x, w[c], theme_attr(EL_COLUMN_HEADER), task_cols[c].title,
                   task_cols[c].right ? ALIGN_RIGHT : ALIGN_LEFT);
        x += w[c] + 2;
    }
    y++;
    body = r.y + r.h - 1 - y;
    v->page = body > 1 ? body : 1;
    if (v->sel >= n)
        v->sel = n - 1;
    if ((int)v->sel < v->scroll)
        v->scroll = (int)v->sel;
    if ((int)v->sel >= v->scroll + body)
        v->scroll = (int)v->sel - body + 1;
    if (v->scroll < 0)
        v->scroll = 0;
    for (int i = 0; i < body && v->scroll + i < (int)n; i++) {
        const struct pmx_recent *t = rows->items[v->scroll + i];
        bool selected = (size_t)(v->scroll + i) == v->sel;

        if (selected)
            draw_fill(y + i, r.x + 1, r.w - 2, theme_attr(EL_SELECTION));
        x = r.x + 2;
        for (int c = 0; c < TC_COUNT; c++) {
            enum theme_el el;

            if (!w[c])
                continue;
            task_cell(t, (enum tcol)c, ctx->now, buf, sizeof(buf), &el);
            draw_field(y + i, x, w[c], theme_attr(selected ? EL_SELECTION : el), buf,
                       task_cols[c].right ? ALIGN_RIGHT : ALIGN_LEFT);
            x += w[c] + 2;
        }
    }
    if (v->scroll + body < (int)n) {
        snprintf(buf, sizeof(buf), " %s %d more ", glyph(G_DOWN), (int)n - v->scroll - body);
        draw_text(r.y + r.h - 1, r.x + r.w - 2 - draw_width(buf), draw_width(buf),
                  theme_attr(EL_BORDER), buf);
    }
    (void)nerr;
}

static void draw_log(struct runs_pmx *v, struct rect r, const struct screen_ctx *ctx)
{
    const struct pmx_log_view *lv = &v->app->pmx->log;
    const struct vec *rows = rows_of(v);
    const struct pmx_recent *t = rows && v->sel < rows->len ? rows->items[v->sel] : NULL;
    char title[400], st[640], buf[400];
    enum theme_el el = EL_PANEL_TITLE;
    int body, y, n = (int)lv->lines.len;

    st[0] = '\0';
    if (lv->loading) {
        snprintf(st, sizeof(st), "reading %s %llds", glyph(G_SPIN),
                 (long long)((ctx->now_ms - lv->started_ms) / 1000));
        el = EL_SPINNER;
    } else if (lv->error[0]) {
        snprintf(st, sizeof(st), "%s", lv->error);
        el = EL_STATUS_CRIT;
    } else if (t) {
        el = status_text(t, st, sizeof(st));
    }
    snprintf(title, sizeof(title), "log %s %s %s%s%s", glyph(G_SEP),
             lv->product == PMX_PBS ? "pbs" : "pve", t ? t->type : "", t && t->id[0] ? " " : "",
             t ? t->id : "");
    str_sanitize(title);
    draw_box(r, theme_attr(EL_BORDER), title, theme_attr(EL_PANEL_TITLE));
    str_sanitize(st);
    draw_text(r.y + 1, r.x + 2, r.w - 4, theme_attr(el), st);
    y = r.y + 2;
    body = r.y + r.h - 1 - y;
    v->page = body > 1 ? body : 1;
    if (v->log_follow || v->log_scroll > n - body)
        v->log_scroll = n - body > 0 ? n - body : 0;
    if (v->log_scroll < 0)
        v->log_scroll = 0;
    for (int i = 0; i < body && v->log_scroll + i < n; i++) {
        const char *line = lv->lines.items[v->log_scroll + i];
        enum theme_el le = EL_NORMAL;

        if (str_starts_with(line, "TASK ERROR") || strstr(line, "ERROR:") || strstr(line, "failed"))
            le = EL_STATUS_CRIT;
        else if (str_starts_with(line, "WARN") || str_starts_with(line, "TASK WARNINGS"))
            le = EL_STATUS_WARN;
        draw_text(y + i, r.x + 2, r.w - 4, theme_attr(le), line);
    }
    if (!n && !lv->loading)
        draw_text(y, r.x + 2, r.w - 4, theme_attr(EL_DIM), "the log is empty");
    snprintf(buf, sizeof(buf), " %d-%d of %d%s %s Esc back ", n ? v->log_scroll + 1 : 0,
             v->log_scroll + body < n ? v->log_scroll + body : n, n, lv->truncated ? " (cut)" : "",
             glyph(G_SEP));
    draw_text(r.y + r.h - 1, r.x + r.w - 2 - draw_width(buf), draw_width(buf),
              theme_attr(EL_BORDER), buf);
}

void runs_pmx_draw(struct runs_pmx *v, struct rect area, const struct screen_ctx *ctx)
{
    if (v->notice[0]) {
        area.h--;
        draw_text(area.y + area.h, area.x + 1, area.w - 2, theme_attr(EL_STATUS_WARN), v->notice);
    }
    if (v->log && v->app->pmx && v->app->pmx->log.open)
        draw_log(v, area, ctx);
    else
        draw_list(v, area, ctx);
}

static unsigned log_action(struct runs_pmx *v, enum action a)
{
    int page = v->page > 2 ? v->page - 1 : 1;

    switch (a) {
    case ACTION_BACK:
    case ACTION_ENTER:
        app_pmx_log_close(v->app);
        v->log = false;
        return REACT_HANDLED;
    case ACTION_MOVE_UP:
        v->log_follow = false;
        v->log_scroll = v->log_scroll > 0 ? v->log_scroll - 1 : 0;
        return REACT_HANDLED;
    case ACTION_MOVE_DOWN:
        v->log_scroll++;
        return REACT_HANDLED;
    case ACTION_PAGE_UP:
        v->log_follow = false;
        v->log_scroll = v->log_scroll > page ? v->log_scroll - page : 0;
        return REACT_HANDLED;
    case ACTION_PAGE_DOWN:
        v->log_scroll += page;
        return REACT_HANDLED;
    case ACTION_MOVE_FIRST:
        v->log_follow = false;
        v->log_scroll = 0;
        return REACT_HANDLED;
    case ACTION_MOVE_LAST:
        v->log_follow = true;
        return REACT_HANDLED;
    default:
        return REACT_NONE;
    }
}

unsigned runs_pmx_action(struct runs_pmx *v, enum action a)
{
    const struct vec *rows = rows_of(v);
    size_t n = rows ? rows->len : 0;
    int page = v->page > 2 ? v->page - 1 : 1;
    struct lb_err err = { 0 };

    if (a != ACTION_NONE)
        v->notice[0] = '\0';
    if (v->log && v->app->pmx && v->app->pmx->log.open)
        return log_action(v, a);
    v->log = false;
    switch (a) {
    case ACTION_MOVE_UP:
        if (v->sel > 0)
            v->sel--;
        return REACT_HANDLED;
    case ACTION_MOVE_DOWN:
        if (v->sel + 1 < n)
            v->sel++;
        return REACT_HANDLED;
    case ACTION_MOVE_FIRST:
        v->sel = 0;
        return REACT_HANDLED;
    case ACTION_MOVE_LAST:
        v->sel = n ? n - 1 : 0;
        return REACT_HANDLED;
    case ACTION_PAGE_DOWN:
        v->sel = n ? (v->sel + (size_t)page < n ? v->sel + (size_t)page : n - 1) : 0;
        return REACT_HANDLED;
    case ACTION_PAGE_UP:
        v->sel = v->sel > (size_t)page ? v->sel - (size_t)page : 0;
        return REACT_HANDLED;
    case ACTION_ENTER: {
        const struct pmx_recent *t = v->sel < n ? rows->items[v->sel] : NULL;

        if (!t) {
            str_copy(v->notice, sizeof(v->notice), "no task selected");
        } else if (app_pmx_log_open(v->app, t->upid, &err) < 0) {
            str_copy(v->notice, sizeof(v->notice), err.msg);
            str_sanitize(v->notice);
        } else {
            v->log = true;
            v->log_scroll = 0;
            v->log_follow = false;
        }
        return REACT_HANDLED;
    }
    case ACTION_RUN_START:
    case ACTION_RUN_CANCEL:
        str_copy(v->notice, sizeof(v->notice),
                 "these are Proxmox tasks: t goes back to lifeboat's jobs");
        return REACT_HANDLED;
    default:
        return REACT_NONE;
    }
}
