/*
 * Screen 1, Overview: the 3-2-1 matrix (as far as lifeboat knows the
 * copies: the restic repos for now), one row per restic repo with its
 * freshness against the RPO, and what is wrong with what to do about it.
 * Enter opens the detail of the selected repo; on wide terminals the detail
 * of the selection is always shown beside the alerts.
 *
 * The alerts panel lists the open alerts not acknowledged (backend/
 * alert_watch.h: the alert store, evaluated after every refresh), then any
 * problem of the live model no open alert covers yet, then the acknowledged
 * ones. `a` acknowledges the first row (the footer names it), with a note
 * typed in the prompt; `A` opens every open alert
 * in an overlay where `a` acknowledges the selected one.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/alert.h"
#include "backend/alert_watch.h"
#include "backend/app.h"
#include "backend/app_runs.h"
#include "backend/app_proxmox.h"
#include "backend/base/clock.h"
#include "backend/base/str.h"
#include "backend/base/xalloc.h"
#include "backend/config.h"
#include "tui/drill_line.h"
#include "tui/fmt.h"
#include "tui/glyph.h"
#include "tui/layout.h"
#include "tui/prompt.h"
#include "tui/scr_overview.h"
#include "tui/scr_disks.h"
#include "tui/scr_runs.h"
#include "tui/scr_snapshots.h"
#include "tui/screen.h"
#include "tui/theme.h"

#define MAX_ROWS         256
#define MAX_SETS         16
#define MAX_MATRIX_REPOS 24
#define MAX_PROBLEMS     64
#define MAX_DETAIL       24
#define WIDE_COLS        100 /* from here the detail sits beside the problems */

struct overview {
    struct app *app;
    size_t sel; /* index among the visible rows */
    int scroll; /* first visible row in the table */
    int page;   /* table rows shown by the last draw */
    bool detail_open;
    int detail_scroll;
    char filter[PROMPT_MAX];
    /* alerts */
    struct alert_watch *alerts;
    bool alerts_open;  /* the overlay of every open alert (A) */
    size_t alert_sel;  /* its selection */
    int64_t ack_id;    /* the alert the note prompt is for */
    char ack_what[96]; /* "usb-ssd repo-rpo" */
    char flash[700];   /* outcome of the last acknowledgement ("" none) */
    bool flash_error;
    struct drill_line drills; /* the drills line: last passed, overdue */
};

/* ---- model helpers ---- */

static bool filter_match(const char *name, const char *filter)
{
    size_t n = strlen(filter);

    if (!n)
        return true;
    for (const char *p = name; *p; p++) {
        size_t i = 0;

        while (i < n && p[i] && tolower((unsigned char)p[i]) == tolower((unsigned char)filter[i]))
            i++;
        if (i == n)
            return true;
    }
    return false;
}

/* Indices (into app->repos) of the rows shown, in config order. */
static size_t visible_rows(const struct overview *ov, size_t *idx, size_t max)
{
    size_t n = 0, i;
    struct repo_view *rv;

    vec_foreach(&ov->app->repos, i, rv) {
        if (n < max && filter_match(rv->cfg->name, ov->filter))
            idx[n++] = i;
    }
    return n;
}

static struct repo_view *selected_repo(const struct overview *ov)
{
    size_t idx[MAX_ROWS];
    size_t n = visible_rows(ov, idx, MAX_ROWS);

    if (!n)
        return NULL;
    return vec_get(&ov->app->repos, idx[ov->sel < n ? ov->sel : n - 1]);
}

static int repo_index(const struct app *app, const char *name)
{
    size_t i;
    struct repo_view *rv;

    vec_foreach(&app->repos, i, rv) {
        if (!strcmp(rv->cfg->name, name))
            return (int)i;
    }
    return -1;
}

/* A data set of the 3-2-1 matrix: a backup job and the repos its data reaches. */
struct dataset {
    char name[64];
    bool in[MAX_MATRIX_REPOS];
};

/*
 * Data sets: every [job] with paths; a repo holds its data when the job backs
 * up into it or copies reach it from one that does. Without such jobs, one
 * row for all repos.
 */
static size_t datasets(const struct app *app, struct dataset *out, size_t max)
{
    const struct config *cfg = app->cfg;
    size_t n = 0, i, j, k;
    struct job_cfg *job, *other;
    char *name;
    struct job_copy *cp;

    if (cfg) {
        vec_foreach(&cfg->jobs, i, job) {
            struct dataset *d;
            bool grew = true;

            if (!job->paths.len || n >= max)
                continue;
            d = &out[n++];
            memset(d, 0, sizeof(*d));
            str_copy(d->name, sizeof(d->name), job->name);
            str_sanitize(d->name);
            vec_foreach(&job->repos, j, name) {
                int r = repo_index(app, name);

                if (r >= 0 && r < MAX_MATRIX_REPOS)
                    d->in[r] = true;
            }
            /* follow copies (any job's) until nothing new is reached */
            while (grew) {
                grew = false;
                vec_foreach(&cfg->jobs, j, other) {
                    vec_foreach(&other->copies, k, cp) {
                        int s = repo_index(app, cp->src), t = repo_index(app, cp->dst);

                        if (s >= 0 && t >= 0 && s < MAX_MATRIX_REPOS && t < MAX_MATRIX_REPOS &&
                            d->in[s] && !d->in[t]) {
                            d->in[t] = true;
                            grew = true;
                        }
                    }
                }
            }
        }
    }
    if (!n && app->repos.len && max) {
        memset(&out[0], 0, sizeof(out[0]));
        str_copy(out[0].name, sizeof(out[0].name), "restic data");
        for (i = 0; i < app->repos.len && i < MAX_MATRIX_REPOS; i++)
            out[0].in[i] = true;
        n = 1;
    }
    return n;
}

/* ---- the 3-2-1 matrix ---- */

static void draw_matrix(const struct overview *ov, struct rect r, const struct screen_ctx *ctx)
{
    struct dataset sets[MAX_SETS];
    size_t nsets = datasets(ov->app, sets, MAX_SETS);
    size_t nrepos = ov->app->repos.len < MAX_MATRIX_REPOS ? ov->app->repos.len : MAX_MATRIX_REPOS;
    struct col_spec cols[MAX_MATRIX_REPOS + 5];
    int w[MAX_MATRIX_REPOS + 5];
    int ncols = 0, x, y;
    int c_name, c_copies, c_off, c_rb = -1, c_pbs = -1, c_repo0;
    const struct app_pmx *pmx = ov->app->pmx;
    size_t nguests = pmx && pmx->pve ? pmx->guests.len : 0;
    char buf[96];

    draw_box(r, theme_attr(EL_BORDER), "3-2-1", theme_attr(EL_PANEL_TITLE));
    c_name = ncols;
    cols[ncols++] = (struct col_spec){ "data set", 11, 20, 0, false };
    if (pmx && pmx->pve) { /* copies 0 and 1: Proxmox snapshots and PBS (app_proxmox.h) */
        c_rb = ncols;
        cols[ncols++] = (struct col_spec){ "rollback", 8, 10, 3, false };
        if (pmx->pbs) {
            c_pbs = ncols;
            cols[ncols++] = (struct col_spec){ "PBS", 8, 12, 3, false };
        }
    }
    c_repo0 = ncols;
    for (size_t i = 0; i < nrepos; i++) {
        struct repo_view *rv = vec_get(&ov->app->repos, i);

        cols[ncols++] = (struct col_spec){ rv->cfg->name, 7, 12, 3 + (int)i, false };
    }
    c_copies = ncols;
    cols[ncols++] = (struct col_spec){ "copies", 6, 6, 1, true };
    c_off = ncols;
    cols[ncols++] = (struct col_spec){ "off-site", 8, 8, 2, false };
    layout_columns(cols, ncols, r.w - 4, 2, w);

    /* header */
    x = r.x + 2;
    for (int c = 0; c < ncols; c++) {
        if (!w[c])
            continue;
        snprintf(buf, sizeof(buf), "%s", cols[c].title);
        str_sanitize(buf);
        draw_field(r.y + 1, x, w[c], theme_attr(EL_COLUMN_HEADER), buf,
                   cols[c].right ? ALIGN_RIGHT : ALIGN_LEFT);
        x += w[c] + 2;
    }
    {
        int hidden = (int)ov->app->repos.len - (int)nrepos;

        for (size_t i = 0; i < nrepos; i++)
            if (!w[c_repo0 + (int)i])
                hidden++;
        if (hidden > 0) {
            /* copies not drawn are still counted: say that some are off screen */
            snprintf(buf, sizeof(buf), " +%d repo%s not shown ", hidden, hidden == 1 ? "" : "s");
            draw_text(r.y + r.h - 1, r.x + r.w - 2 - draw_width(buf), draw_width(buf),
                      theme_attr(EL_BORDER), buf);
        }
    }
    /* one row per Proxmox guest: its rollback and PBS copies (the restic ones are its data
     * set's only through the PBS datastore, which lifeboat cannot see: not counted) */
    for (size_t gi = 0; gi < nguests && (int)gi < r.h - 3; gi++) {
        const struct pmx_guest *g = pmx->guests.items[gi];
        int copies = (g->snap_count > 0) + (g->backup_newest != 0);
        enum theme_el el;

        y = r.y + 2 + (int)gi;
        x = r.x + 2;
        for (int c = 0; c < ncols; c++) {
            if (!w[c])
                continue;
            if (c == c_name) {
                pmx_guest_label(g, buf, sizeof(buf));
                draw_field(y, x, w[c], theme_attr(EL_NORMAL), buf, ALIGN_LEFT);
            } else if (c == c_rb) {
                el = snapshots_rollback_cell(ov->app, g, ctx->now, buf, sizeof(buf));
                draw_field(y, x, w[c], theme_attr(el), buf, ALIGN_LEFT);
            } else if (c == c_pbs) {
                el = snapshots_pbs_cell(ov->app, g, ctx->now, buf, sizeof(buf));
                draw_field(y, x, w[c], theme_attr(el), buf, ALIGN_LEFT);
            } else if (c == c_copies) {
                snprintf(buf, sizeof(buf), "%d", copies);
                draw_field(y, x, w[c], theme_attr(copies >= 2 ? EL_NORMAL : EL_STATUS_WARN), buf,
                           ALIGN_RIGHT);
            } else {
                draw_field(y, x, w[c], theme_attr(EL_DIM), glyph(G_NA), ALIGN_LEFT);
            }
            x += w[c] + 2;
        }
    }
    for (size_t s = 0; s < nsets && (int)(s + nguests) < r.h - 3; s++) {
        int copies = 0;
        bool offsite = false;

        y = r.y + 2 + (int)(s + nguests);
        x = r.x + 2;
        for (int c = 0; c < ncols; c++) {
            if (c == c_name) {
                draw_field(y, x, w[c], theme_attr(EL_NORMAL), sets[s].name, ALIGN_LEFT);
            } else if ((c == c_rb || c == c_pbs) && w[c]) {
                draw_field(y, x, w[c], theme_attr(EL_DIM), glyph(G_NA), ALIGN_LEFT);
            } else if (c >= c_repo0 && c < c_copies) {
                struct repo_view *rv = vec_get(&ov->app->repos, (size_t)(c - c_repo0));
                enum health h = app_repo_health(rv, ctx->now);

                if (sets[s].in[c - c_repo0] && rv->newest) {
                    copies++;
                    if (rv->cfg->tier == TIER_OFFSITE)
                        offsite = true;
                }
                if (!w[c]) {
                    continue;
                } else if (!sets[s].in[c - c_repo0]) {
                    draw_field(y, x, w[c], theme_attr(EL_DIM), glyph(G_NA), ALIGN_LEFT);
                } else {
                    fmt_newest(rv, h, ctx->now, buf, sizeof(buf));
                    draw_field(y, x, w[c], theme_attr(fmt_age_el(h)), buf, ALIGN_LEFT);
                }
            } else if (c == c_copies && w[c]) {
                snprintf(buf, sizeof(buf), "%d", copies);
                draw_field(y, x, w[c], theme_attr(copies >= 3 ? EL_NORMAL : EL_STATUS_WARN), buf,
                           ALIGN_RIGHT);
            } else if (c == c_off && w[c]) {
                if (offsite)
                    snprintf(buf, sizeof(buf), "yes");
                else
                    snprintf(buf, sizeof(buf), "no %s", glyph(G_WARN));
                draw_field(y, x, w[c], theme_attr(offsite ? EL_NORMAL : EL_STATUS_WARN), buf,
                           ALIGN_LEFT);
            }
            if (w[c])
                x += w[c] + 2;
        }
    }
}

/* ---- the repo table ---- */

enum col {
    COL_NAME,
    COL_TIER,
    COL_NEWEST,
    COL_NEWEST_AT,
    COL_RPO,
    COL_SNAPS,
    COL_OLDEST,
    COL_SIZE,
    COL_LOCKS,
    COL_CHECKED,
    COL_STATE,
    COL_URL,
    COL_COUNT
};

static const struct col_spec repo_cols[COL_COUNT] = {
    [COL_NAME] = { "repo", 8, 20, 0, false },
    [COL_TIER] = { "tier", 7, 7, 3, false },
    [COL_NEWEST] = { "newest", 7, 9, 2, false },
    [COL_NEWEST_AT] = { "newest at", 16, 16, 8, false },
    [COL_RPO] = { "RPO", 5, 5, 7, true },
    [COL_SNAPS] = { "snaps", 5, 6, 4, true },
    [COL_OLDEST] = { "oldest", 6, 7, 10, false },
    [COL_SIZE] = { "size", 8, 9, 5, true },
    [COL_LOCKS] = { "locks", 5, 5, 9, true },
    [COL_CHECKED] = { "checked", 10, 11, 6, false },
    [COL_STATE] = { "state", 16, 40, 1, false },
    [COL_URL] = { "url", 20, 60, 11, false },
};

int overview_repo_columns(int width, int *w, const char **titles, int max)
{
    int tmp[COL_COUNT];
    int shown = layout_columns(repo_cols, COL_COUNT, width, 2, tmp);

    for (int c = 0; c < COL_COUNT && c < max; c++) {
        w[c] = tmp[c];
        titles[c] = repo_cols[c].title;
    }
    return shown;
}

/* The text and element of one cell. */
static void repo_cell(const struct repo_view *rv, enum col c, const struct screen_ctx *ctx,
                      char *buf, size_t n, enum theme_el *el)
{
    enum health h = app_repo_health(rv, ctx->now);
    bool dim = rv->state == REPO_ERROR;
    char tmp[64];

    *el = dim ? EL_DIM : EL_NORMAL;
    buf[0] = '\0';
    switch (c) {
    case COL_NAME:
        snprintf(buf, n, "%s", rv->cfg->name);
        if (!dim)
            *el = EL_NORMAL;
        break;
    case COL_TIER:
        snprintf(buf, n, "%s", rv->cfg->tier == TIER_OFFSITE ? "offsite" : "local");
        break;
    case COL_NEWEST:
        fmt_newest(rv, h, ctx->now, buf, n);
        *el = fmt_age_el(h);
        break;
    case COL_NEWEST_AT:
        if (rv->newest) {
            clock_fmt_local(rv->newest, tmp, sizeof(tmp));
            tmp[16] = '\0'; /* without seconds */
            snprintf(buf, n, "%s", tmp);
        } else {
            snprintf(buf, n, "%s", glyph(G_NA));
        }
        break;
    case COL_RPO:
        str_fmt_age(rv->rpo, buf, n);
        break;
    case COL_SNAPS:
        if (rv->state == REPO_UNKNOWN && !rv->fetched_at)
            snprintf(buf, n, "%s", glyph(G_UNKNOWN));
        else
            snprintf(buf, n, "%d", rv->snapshot_count);
        break;
    case COL_OLDEST:
        if (rv->oldest)
            str_fmt_age((int64_t)(ctx->now - rv->oldest), buf, n);
        else
            snprintf(buf, n, "%s", glyph(G_NA));
        break;
    case COL_SIZE:
        if (rv->size_known)
            str_fmt_bytes(rv->size_bytes, buf, n);
        else
            snprintf(buf, n, "%s", glyph(G_UNKNOWN));
        break;
    case COL_LOCKS:
        snprintf(buf, n, "%d", rv->lock_count);
        if (rv->lock_count && !dim)
            *el = EL_STATUS_WARN;
        break;
    case COL_CHECKED:
        fmt_checked(rv, ctx->now, buf, n);
        if (rv->from_cache && !dim)
            *el = EL_DIM;
        break;
    case COL_STATE:
        fmt_state(rv, ctx->now, ctx->now_ms, buf, n, el);
        if (rv->state == REPO_ERROR && !rv->refreshing)
            *el = fmt_status_el(h == HEALTH_CRIT ? HEALTH_CRIT : HEALTH_WARN);
        break;
    case COL_URL:
        fmt_redact_url(rv->cfg->url, buf, n);
        break;
    case COL_COUNT:
        break;
    }
    str_sanitize(buf);
}

static void draw_repos(struct overview *ov, struct rect r, const struct screen_ctx *ctx)
{
    size_t idx[MAX_ROWS];
    size_t n = visible_rows(ov, idx, MAX_ROWS);
    int w[COL_COUNT], x, rows = r.h - 3;
    char title[96], buf[256];

    if (ov->filter[0])
        snprintf(title, sizeof(title), "restic repositories %s %zu of %zu", glyph(G_SEP), n,
                 ov->app->repos.len);
    else
        snprintf(title, sizeof(title), "restic repositories");
    draw_box(r, theme_attr(EL_BORDER), title, theme_attr(EL_PANEL_TITLE));
    layout_columns(repo_cols, COL_COUNT, r.w - 4, 2, w);
    x = r.x + 2;
    for (int c = 0; c < COL_COUNT; c++) {
        if (!w[c])
            continue;
        draw_field(r.y + 1, x, w[c], theme_attr(EL_COLUMN_HEADER), repo_cols[c].title,
                   repo_cols[c].right ? ALIGN_RIGHT : ALIGN_LEFT);
        x += w[c] + 2;
    }
    if (!ov->app->repos.len) {
        draw_text(r.y + 2, r.x + 2, r.w - 4, theme_attr(EL_DIM),
                  "no [repo] section in the config: add one (see lifeboat.conf.example)");
        return;
    }
    if (!n) {
        draw_text(r.y + 2, r.x + 2, r.w - 4, theme_attr(EL_DIM),
                  "no repository matches the filter (Esc clears it)");
        return;
    }
    ov->page = rows > 0 ? rows : 1;
    if (ov->sel >= n)
        ov->sel = n - 1;
    if ((int)ov->sel < ov->scroll)
        ov->scroll = (int)ov->sel;
    if ((int)ov->sel >= ov->scroll + rows)
        ov->scroll = (int)ov->sel - rows + 1;
    if (ov->scroll > (int)n - rows)
        ov->scroll = (int)n - rows > 0 ? (int)n - rows : 0;
    for (int i = 0; i < rows && ov->scroll + i < (int)n; i++) {
        size_t row = (size_t)(ov->scroll + i);
        const struct repo_view *rv = vec_get(&ov->app->repos, idx[row]);
        bool selected = row == ov->sel;
        int y = r.y + 2 + i;

        x = r.x + 2;
        if (selected)
            draw_fill(y, r.x + 1, r.w - 2, theme_attr(EL_SELECTION));
        for (int c = 0; c < COL_COUNT; c++) {
            enum theme_el el;

            if (!w[c])
                continue;
            repo_cell(rv, (enum col)c, ctx, buf, sizeof(buf), &el);
            draw_field(y, x, w[c], theme_attr(selected ? EL_SELECTION : el), buf,
                       repo_cols[c].right ? ALIGN_RIGHT : ALIGN_LEFT);
            x += w[c] + 2;
        }
    }
    if (ov->scroll + rows < (int)n) {
        snprintf(buf, sizeof(buf), " %s %d more ", glyph(G_DOWN), (int)n - ov->scroll - rows);
        draw_text(r.y + r.h - 1, r.x + r.w - 2 - draw_width(buf), draw_width(buf),
                  theme_attr(EL_BORDER), buf);
    }
}

/* ---- alerts ---- */

struct wrap_ctx {
    struct rect r;
    int y, x, w, max_y;
    attr_t attr;
};

static void wrap_line(const char *start, size_t len, void *arg)
{
    struct wrap_ctx *wc = arg;
    char line[512];

    if (wc->y > wc->max_y)
        return;
    if (len >= sizeof(line))
        len = sizeof(line) - 1;
    memcpy(line, start, len);
    line[len] = '\0';
    draw_text(wc->y, wc->x, wc->w, wc->attr, line);
    wc->y++;
}

/* One row of the alerts panel: a stored alert, or a live problem no open alert covers. */
struct panel_item {
    enum health sev;
    bool acked;
    int64_t id; /* 0: a problem of the live model, not an alert (yet) */
    int order;  /* as read: the alert store's order, then the problems' */
    char subject[64];
    char text[800];
};

#define MAX_ITEMS (2 * MAX_PROBLEMS)

/*
 * Open alerts first (critical before warning, as the store's order has
 * them), so the first row is the one `a` acknowledges; then the live
 * problems no alert covers (critical first); the acknowledged ones last.
 */
static int item_rank(const struct panel_item *it)
{
    return it->acked ? 2 : it->id ? 0 : 1;
}

static int item_cmp(const void *pa, const void *pb)
{
    const struct panel_item *a = pa, *b = pb;

    if (item_rank(a) != item_rank(b))
        return item_rank(a) - item_rank(b);
    if (a->sev != b->sev)
        return a->sev == HEALTH_CRIT ? -1 : 1;
    return a->order - b->order;
}

/*
 * Does the alert's subject name the problem's? The same, or the guest the
 * Proxmox rules name "ct 103" and the live model "ct 103 nextcloud".
 */
static bool same_subject(const char *alert, const char *problem)
{
    size_t n = strlen(alert);

    return !strcmp(alert, problem) ||
           ((!strncmp(alert, "vm ", 3) || !strncmp(alert, "ct ", 3)) &&
            !strncmp(alert, problem, n) && problem[n] == ' ');
}

static size_t panel_items(const struct overview *ov, const struct screen_ctx *ctx,
                          struct panel_item *out, size_t max)
{
    struct app_problem probs[MAX_PROBLEMS];
    size_t n = 0, np = app_problems(ov->app, ctx->now, probs, MAX_PROBLEMS), i, k;
    const struct store_alert *a;

    vec_foreach(&ov->alerts->alerts, i, a) {
        struct panel_item *it = &out[n];

        if (n >= max)
            break;
        it->sev = a->severity >= 2 ? HEALTH_CRIT : HEALTH_WARN;
        it->acked = a->acked_at != 0;
        it->id = a->id;
        str_copy(it->subject, sizeof(it->subject), a->subject);
        if (it->acked && a->ack_note && *a->ack_note)
            snprintf(it->text, sizeof(it->text), "acknowledged (%s): %s", a->ack_note, a->message);
        else if (it->acked)
            snprintf(it->text, sizeof(it->text), "acknowledged: %s", a->message);
        else
            snprintf(it->text, sizeof(it->text), "%s", a->message);
        str_sanitize(it->subject);
        str_sanitize(it->text);
        n++;
    }
    if (np > MAX_PROBLEMS)
        np = MAX_PROBLEMS;
    for (i = 0; i < np && n < max; i++) {
        bool covered = false;

        vec_foreach(&ov->alerts->alerts, k, a) {
            if (same_subject(a->subject, probs[i].subject))
                covered = true;
        }
        if (covered)
            continue;
        out[n].sev = probs[i].severity;
        out[n].acked = false;
        out[n].id = 0;
        str_copy(out[n].subject, sizeof(out[n].subject), probs[i].subject);
        str_copy(out[n].text, sizeof(out[n].text), probs[i].text);
        str_sanitize(out[n].subject);
        str_sanitize(out[n].text);
        n++;
    }
    for (i = 0; i < n; i++)
        out[i].order = (int)i;
    qsort(out, n, sizeof(*out), item_cmp);
    return n;
}

/* The alert `a` acknowledges from the panel: the first one not acknowledged yet (its first row). */
static const struct store_alert *first_unacked(const struct overview *ov)
{
    const struct store_alert *a;
    size_t i;

    vec_foreach(&ov->alerts->alerts, i, a) {
        if (!a->acked_at)
            return a;
    }
    return NULL;
}

static void draw_alerts(const struct overview *ov, struct rect r, const struct screen_ctx *ctx)
{
    static struct panel_item items[MAX_ITEMS];
    size_t n = panel_items(ov, ctx, items, MAX_ITEMS);
    int sw = 0, y = r.y + 1, last = r.y + r.h - 2, warn, crit, acked, nprob = 0;
    char title[96], more[48] = "", buf[160];
    size_t shown = 0;
    const struct store_alert *next = first_unacked(ov);

    alert_watch_counts(ov->alerts, &warn, &crit, &acked);
    for (size_t i = 0; i < n; i++)
        nprob += !items[i].id;
    if (nprob) /* live problems no alert covers (yet): they cannot be acknowledged */
        snprintf(more, sizeof(more), " %s %d other problem%s", glyph(G_SEP), nprob,
                 nprob == 1 ? "" : "s");
    if (warn + crit && acked)
        snprintf(title, sizeof(title), "alerts %s %d open %s %d acknowledged%s", glyph(G_SEP),
                 warn + crit, glyph(G_SEP), acked, more);
    else if (warn + crit)
        snprintf(title, sizeof(title), "alerts %s %d open%s", glyph(G_SEP), warn + crit, more);
    else if (acked)
        snprintf(title, sizeof(title), "alerts %s %d acknowledged%s", glyph(G_SEP), acked, more);
    else
        snprintf(title, sizeof(title), "alerts%s", more);
    draw_box(r, theme_attr(EL_BORDER), title, theme_attr(EL_PANEL_TITLE));
    if (ov->flash[0] && y <= last) {
        draw_text(y++, r.x + 2, r.w - 4, theme_attr(ov->flash_error ? EL_ERROR : EL_MESSAGE),
                  ov->flash);
    } else if (ov->alerts->error[0] && y <= last) {
        draw_text(y++, r.x + 2, r.w - 4, theme_attr(EL_ERROR), ov->alerts->error);
    }
    if (!n) {
        size_t i, unknown = 0;
        struct repo_view *rv;

        vec_foreach(&ov->app->repos, i, rv) {
            if (rv->state == REPO_UNKNOWN)
                unknown++;
        }
        if (unknown)
            snprintf(buf, sizeof(buf), "%s %zu repo%s not read yet: refreshing", glyph(G_UNKNOWN),
                     unknown, unknown == 1 ? "" : "s");
        else
            snprintf(buf, sizeof(buf), "%s no open alert: nothing needs attention", glyph(G_OK));
        if (y <= last)
            draw_text(y, r.x + 2, r.w - 4, theme_attr(unknown ? EL_STATUS_UNKNOWN : EL_STATUS_OK),
                      buf);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        int sww = draw_width(items[i].subject);

        if (sww > sw)
            sw = sww;
    }
    if (sw > 16)
        sw = 16;
    for (size_t i = 0; i < n && y <= last; i++) {
        struct wrap_ctx wc;
        int tx = r.x + 2 + 2 + sw + 2;
        int lines = draw_wrap(items[i].text, r.x + r.w - 2 - tx, NULL, NULL);
        enum theme_el el = items[i].acked ? EL_DIM : EL_NORMAL;

        /* an alert is shown whole or not at all (then "N more" says so) */
        if (y + lines - 1 > last && shown)
            break;
        draw_text(y, r.x + 2, 1, theme_attr(items[i].acked ? EL_DIM : fmt_status_el(items[i].sev)),
                  glyph(fmt_health_glyph(items[i].sev)));
        draw_text(y, r.x + 4, sw, theme_attr(items[i].acked ? EL_DIM : EL_PANEL_TITLE),
                  items[i].subject);
        wc = (struct wrap_ctx){ r, y, tx, r.x + r.w - 2 - tx, last, theme_attr(el) };
        draw_wrap(items[i].text, wc.w, wrap_line, &wc);
        y = wc.y;
        shown++;
    }
    if (shown < n) {
        snprintf(buf, sizeof(buf), " %s %zu more: A ", glyph(G_DOWN), n - shown);
        draw_text(r.y + r.h - 1, r.x + r.w - 2 - draw_width(buf), draw_width(buf),
                  theme_attr(EL_BORDER), buf);
    }
    if (next) {
        char subj[40], rule[32];

        str_copy(subj, sizeof(subj), next->subject);
        str_sanitize(subj);
        str_copy(rule, sizeof(rule), next->rule);
        str_sanitize(rule);
        /* the alert's rule too when there is room: several alerts may share a subject */
        snprintf(buf, sizeof(buf), " a: ack %s %s ", subj, rule);
        if (draw_width(buf) >= r.w / 2)
            snprintf(buf, sizeof(buf), " a: ack %s ", subj);
        if (draw_width(buf) < r.w / 2)
            draw_text(r.y + r.h - 1, r.x + 2, draw_width(buf), theme_attr(EL_HELP_KEY), buf);
    }
}

/* The overlay of every open alert: a list, and the whole of the selected one below it. */
static void draw_alerts_overlay(struct overview *ov, const struct screen_ctx *ctx, struct rect area)
{
    const struct vec *list = &ov->alerts->alerts;
    int w = area.w - 4 < 140 ? area.w - 4 : 140;
    int h, warn, crit, acked, rows, y, detail_h = 7;
    struct rect r;
    char title[96], buf[1024], age[32], when[40];
    const struct store_alert *sel = NULL;

    alert_watch_counts(ov->alerts, &warn, &crit, &acked);
    /* as tall as the list and the detail need, at most the whole area */
    h = (int)list->len + detail_h + 5 + (ov->flash[0] || ov->alerts->error[0]);
    if (h < 12)
        h = 12;
    if (h > area.h - 2)
        h = area.h - 2;
    r = (struct rect){ area.y + (area.h - h) / 2, area.x + (area.w - w) / 2, h, w };
    draw_clear(r, theme_attr(EL_NORMAL));
    snprintf(title, sizeof(title), "alerts %s %d open %s %d acknowledged", glyph(G_SEP),
             warn + crit, glyph(G_SEP), acked);
    draw_box(r, theme_attr(EL_BORDER), title, theme_attr(EL_PANEL_TITLE));
    draw_text(r.y + h - 2, r.x + 2, w - 4, theme_attr(EL_DIM),
              "a acknowledges the selected alert (with a note); j/k move; Esc closes");
    y = r.y + 1;
    if (ov->flash[0]) {
        draw_text(y++, r.x + 2, w - 4, theme_attr(ov->flash_error ? EL_ERROR : EL_MESSAGE),
                  ov->flash);
    } else if (ov->alerts->error[0]) {
        draw_text(y++, r.x + 2, w - 4, theme_attr(EL_ERROR), ov->alerts->error);
    }
    if (!list->len) {
        if (ov->alerts->evaluated_at) {
            clock_fmt_local(ov->alerts->evaluated_at, when, sizeof(when));
            snprintf(buf, sizeof(buf), "%s no open alert (rules evaluated %s)", glyph(G_OK), when);
        } else {
            snprintf(buf, sizeof(buf),
                     "%s no open alert stored; the rules run after the first refresh", glyph(G_OK));
        }
        draw_text(y, r.x + 2, w - 4, theme_attr(EL_STATUS_OK), buf);
        return;
    }
    if (ov->alert_sel >= list->len)
        ov->alert_sel = list->len - 1;
    sel = list->items[ov->alert_sel];
    rows = r.y + h - 3 - detail_h - y;
    if (rows < 1)
        rows = 1;
    draw_text(y, r.x + 4, w - 6, theme_attr(EL_COLUMN_HEADER),
              "state         since   subject           rule            message");
    y++;
    {
        int first = (int)ov->alert_sel - rows + 1 > 0 ? (int)ov->alert_sel - rows + 1 : 0;

        for (int i = 0; i < rows && first + i < (int)list->len; i++) {
            const struct store_alert *a = list->items[first + i];
            bool is_sel = (size_t)(first + i) == ov->alert_sel;
            enum health sev = a->severity >= 2 ? HEALTH_CRIT : HEALTH_WARN;
            char subj[64], rule[32], msg[400];
            attr_t attr = theme_attr(is_sel ? EL_SELECTION : a->acked_at ? EL_DIM : EL_NORMAL);

            str_copy(subj, sizeof(subj), a->subject);
            str_copy(rule, sizeof(rule), a->rule);
            str_copy(msg, sizeof(msg), a->message);
            str_sanitize(subj);
            str_sanitize(rule);
            str_sanitize(msg);
            str_fmt_age((int64_t)(ctx->now - a->fired_at), age, sizeof(age));
            if (is_sel)
                draw_fill(y, r.x + 1, w - 2, attr);
            draw_text(y, r.x + 2, 1, is_sel ? attr : theme_attr(fmt_status_el(sev)),
                      glyph(fmt_health_glyph(sev)));
            snprintf(buf, sizeof(buf), "%-12s  %6s  %-16.16s  %-14.14s  %s", alert_state_name(a),
                     age, subj, rule, msg);
            draw_text(y, r.x + 4, w - 6, attr, buf);
            y++;
        }
    }
    /* the selected alert whole */
    y = r.y + h - 3 - detail_h + 1;
    draw_text(y - 1, r.x + 1, w - 2, theme_attr(EL_BORDER), "");
    {
        struct wrap_ctx wc;
        char subj[64], rule[32];

        str_copy(subj, sizeof(subj), sel->subject);
        str_copy(rule, sizeof(rule), sel->rule);
        str_sanitize(subj);
        str_sanitize(rule);
        clock_fmt_local(sel->fired_at, when, sizeof(when));
        snprintf(buf, sizeof(buf), "%s %s %s %s since %s (%s ago), %d notification%s",
                 sel->severity >= 2 ? "critical" : "warning", subj, glyph(G_SEP), rule, when,
                 str_fmt_age((int64_t)(ctx->now - sel->fired_at), age, sizeof(age)),
                 sel->notify_count, sel->notify_count == 1 ? "" : "s");
        draw_text(y++, r.x + 2, w - 4, theme_attr(EL_PANEL_TITLE), buf);
        str_copy(buf, sizeof(buf), sel->message);
        str_sanitize(buf);
        wc = (struct wrap_ctx){
            r, y, r.x + 2, w - 4, r.y + h - 4 - (sel->acked_at ? 1 : 0), theme_attr(EL_NORMAL)
        };
        draw_wrap(buf, wc.w, wrap_line, &wc);
        if (sel->acked_at) {
            clock_fmt_local(sel->acked_at, when, sizeof(when));
            snprintf(buf, sizeof(buf), "acknowledged %s%s%s", when,
                     sel->ack_note && *sel->ack_note ? ": " : " (no note)",
                     sel->ack_note && *sel->ack_note ? sel->ack_note : "");
            str_sanitize(buf);
            draw_text(r.y + h - 3, r.x + 2, w - 4, theme_attr(EL_DIM), buf);
        }
    }
}

/* ---- detail ---- */

struct kv {
    const char *label;
    char value[600];
    enum theme_el el;
};

static size_t detail_lines(const struct repo_view *rv, const struct screen_ctx *ctx, struct kv *out,
                           size_t max)
{
    size_t n = 0;
    char a[64], b[64], c[64];
    enum health h = app_repo_health(rv, ctx->now);
    const struct repo_cfg *cfg = rv->cfg;

#define KV(lbl, elem, ...)                                             \
    do {                                                               \
        if (n < max) {                                                 \
            out[n].label = lbl;                                        \
            out[n].el = elem;                                          \
            snprintf(out[n].value, sizeof(out[n].value), __VA_ARGS__); \
            str_sanitize(out[n].value);                                \
            n++;                                                       \
        }                                                              \
    } while (0)

    KV("repo", EL_PANEL_TITLE, "%s (%s)", cfg->name,
       cfg->tier == TIER_OFFSITE ? "off-site" : "local");
    if (n < max) {
        out[n].label = "url";
        out[n].el = EL_NORMAL;
        fmt_redact_url(cfg->url, out[n].value, sizeof(out[n].value));
        n++;
    }
    if (cfg->password_file)
        KV("password", EL_NORMAL, "from the file %s", cfg->password_file);
    else if (cfg->password_command)
        KV("password", EL_NORMAL, "from a command (password_command; not shown)");
    else
        KV("password", EL_STATUS_WARN, "no password source configured");
    if (cfg->env_file)
        KV("env file", EL_NORMAL, "%s", cfg->env_file);
    if (rv->state == REPO_UNKNOWN && !rv->fetched_at) {
        KV("snapshots", EL_STATUS_UNKNOWN, "not read yet");
    } else if (!rv->newest) {
        KV("snapshots", EL_STATUS_CRIT, "none: run the job that backs up into it");
    } else {
        clock_fmt_local(rv->newest, a, sizeof(a));
        clock_fmt_local(rv->oldest, b, sizeof(b));
        KV("snapshots", EL_NORMAL, "%d", rv->snapshot_count);
        KV("newest", fmt_age_el(h), "%s (%s ago) %s", a,
           str_fmt_age((int64_t)(ctx->now - rv->newest), c, sizeof(c)), glyph(fmt_health_glyph(h)));
        KV("oldest", EL_NORMAL, "%s (%s ago)", b,
           str_fmt_age((int64_t)(ctx->now - rv->oldest), c, sizeof(c)));
    }
    str_fmt_age(rv->rpo, a, sizeof(a));
    if (rv->newest && ctx->now - rv->newest > rv->rpo)
        KV("RPO", fmt_age_el(h), "%s: the newest snapshot is over it by %s", a,
           str_fmt_duration((int64_t)(ctx->now - rv->newest) - rv->rpo, b, sizeof(b)));
    else if (rv->newest)
        KV("RPO", EL_NORMAL, "%s: met, %s to spare", a,
           str_fmt_duration(rv->rpo - (int64_t)(ctx->now - rv->newest), b, sizeof(b)));
    else
        KV("RPO", EL_NORMAL, "%s", a);
    if (rv->size_known)
        KV("size", EL_NORMAL, "%s of data in the repo",
           str_fmt_bytes(rv->size_bytes, a, sizeof(a)));
    KV("keep", EL_NORMAL, "%s", fmt_keep(&cfg->keep, a, sizeof(a)));
    if (rv->lock_count)
        KV("locks", EL_STATUS_WARN, "%d, oldest %s old, held by %s", rv->lock_count,
           str_fmt_age((int64_t)(ctx->now - rv->oldest_lock), a, sizeof(a)), rv->lock_holder);
    else if (rv->fetched_at)
        KV("locks", EL_NORMAL, "none");
    if (rv->fetched_at) {
        clock_fmt_local(rv->fetched_at, a, sizeof(a));
        KV("checked", rv->from_cache ? EL_DIM : EL_NORMAL, "%s (%s ago)%s", a,
           str_fmt_age((int64_t)(ctx->now - rv->fetched_at), b, sizeof(b)),
           rv->from_cache ? ", figures from the cache" : "");
    } else {
        KV("checked", EL_STATUS_UNKNOWN, "never");
    }
    if (rv->refreshing)
        KV("state", EL_SPINNER, "refreshing %s for %llds", glyph(G_SPIN),
           (long long)((ctx->now_ms - rv->refresh_started_ms) / 1000));
    else if (rv->state == REPO_OK)
        KV("state", EL_STATUS_OK, "ok");
    if (rv->state == REPO_ERROR)
        KV("last error", EL_STATUS_CRIT, "%s", rv->error.msg[0] ? rv->error.msg : "failed");
#undef KV
    return n;
}

/* One wrapped row of the detail. */
struct detail_row {
    const char *label; /* on the first row of a value only */
    char text[256];
    enum theme_el el;
};

struct row_sink {
    struct detail_row *rows;
    size_t n, max;
    const char *label;
    enum theme_el el;
};

static void row_add(const char *start, size_t len, void *arg)
{
    struct row_sink *rs = arg;

    if (rs->n >= rs->max)
        return;
    if (len >= sizeof(rs->rows[0].text))
        len = sizeof(rs->rows[0].text) - 1;
    rs->rows[rs->n].label = rs->label;
    rs->rows[rs->n].el = rs->el;
    memcpy(rs->rows[rs->n].text, start, len);
    rs->rows[rs->n].text[len] = '\0';
    rs->label = NULL;
    rs->n++;
}

#define DETAIL_LABEL_W 11

/* The detail of rv wrapped to width w (label column included). */
static size_t detail_rows(const struct repo_view *rv, const struct screen_ctx *ctx, int w,
                          struct detail_row *rows, size_t max)
{
    struct kv kv[MAX_DETAIL];
    size_t n = detail_lines(rv, ctx, kv, MAX_DETAIL);
    struct row_sink rs = { rows, 0, max, NULL, EL_NORMAL };

    for (size_t i = 0; i < n; i++) {
        rs.label = kv[i].label;
        rs.el = kv[i].el;
        draw_wrap(kv[i].value, w - DETAIL_LABEL_W - 1, row_add, &rs);
    }
    return rs.n;
}

/* Draw the detail inside r (no border) from row scroll on; returns the rows it needs. */
static int draw_detail_body(const struct repo_view *rv, struct rect r, int scroll,
                            const struct screen_ctx *ctx)
{
    struct detail_row rows[64];
    size_t n = detail_rows(rv, ctx, r.w, rows, 64);

    for (int i = 0; i < r.h && scroll + i < (int)n; i++) {
        const struct detail_row *dr = &rows[scroll + i];

        if (dr->label)
            draw_text(r.y + i, r.x, DETAIL_LABEL_W, theme_attr(EL_LABEL), dr->label);
        draw_text(r.y + i, r.x + DETAIL_LABEL_W + 1, r.w - DETAIL_LABEL_W - 1, theme_attr(dr->el),
                  dr->text);
    }
    return (int)n;
}

static void draw_detail_overlay(struct overview *ov, const struct repo_view *rv,
                                const struct screen_ctx *ctx, struct rect area)
{
    int w = area.w - 8 < 100 ? area.w - 8 : 100;
    struct detail_row rows[64];
    int need = (int)detail_rows(rv, ctx, w - 4, rows, 64), h;
    struct rect r, body;
    char title[96];

    h = need + 3;
    if (h > area.h)
        h = area.h;
    if (ov->detail_scroll > need - (h - 3))
        ov->detail_scroll = need - (h - 3) > 0 ? need - (h - 3) : 0;
    r = (struct rect){ area.y + (area.h - h) / 2, area.x + (area.w - w) / 2, h, w };
    draw_clear(r, theme_attr(EL_NORMAL));
    snprintf(title, sizeof(title), "repo %s", rv->cfg->name);
    str_sanitize(title);
    draw_box(r, theme_attr(EL_BORDER), title, theme_attr(EL_PANEL_TITLE));
    body = (struct rect){ r.y + 1, r.x + 2, h - 3, w - 4 };
    draw_detail_body(rv, body, ov->detail_scroll, ctx);
    draw_text(r.y + h - 2, r.x + 2, w - 4, theme_attr(EL_DIM),
              need > h - 3 ? "Esc closes; j/k scroll" : "Esc closes");
}

/* ---- the screen ---- */

static void overview_draw(void *st, struct rect area, const struct screen_ctx *ctx)
{
    struct overview *ov = st;
    struct dataset sets[MAX_SETS];
    size_t nsets = datasets(ov->app, sets, MAX_SETS);
    size_t idx[MAX_ROWS];
    size_t nrows = visible_rows(ov, idx, MAX_ROWS);
    int min[3], want[3], h[3];
    struct rect r;
    struct repo_view *sel = selected_repo(ov);

    /* matrix (data sets and Proxmox guests), repo table, alerts (which take the rest) */
    {
        size_t ng = ov->app->pmx && ov->app->pmx->pve ? ov->app->pmx->guests.len : 0;

        min[0] = nsets + ng ? 4 : 0;
        want[0] = nsets + ng ? 3 + (int)(nsets + ng) : 0;
    }
    min[1] = 4;
    want[1] = 3 + (int)(nrows ? nrows : 1);
    /* room for an alert of two lines when there is one */
    min[2] = app_problems(ov->app, ctx->now, NULL, 0) || ov->alerts->alerts.len ? 4 : 3;
    want[2] = -1;
    /*
     * One-line summaries at the bottom, each only when the matrix and the repo table
     * still fit whole with it (at 80x24 they give way: their screens show them in full):
     * disks' health, an overdue drill, then the PBS datastore's fill, the jobs' next and
     * last runs, and the drills when none is overdue.
     */
    {
        /* the alerts keep room for two of two lines each when there are some */
        int spare = area.h - want[0] - want[1] - (min[2] > 3 ? 6 : min[2]);
        bool drills_late;

        drill_line_update(&ov->drills, ov->app, ctx->now);
        drills_late = drill_line_overdue(&ov->drills, ctx->now) > 0;
        if (ov->app->disks.len && spare >= 1) {
            spare--;
            area.h--;
            disks_draw_health_line(ov->app, area.y + area.h, area.x + 1, area.w - 2, ctx);
        }
        if (drills_late && spare >= 1) {
            spare--;
            area.h--;
            drill_line_draw(&ov->drills, area.y + area.h, area.x + 1, area.w - 2, ctx);
        }
        if (ov->app->pmx && ov->app->pmx->pbs && spare >= 1) {
            spare--;
            area.h--;
            snapshots_draw_datastore_line(ov->app, area.y + area.h, area.x + 1, area.w - 2, ctx);
        }
        if (ov->app->runs && ov->app->runs->jobs.len && spare >= 1) {
            int nj = (int)ov->app->runs->jobs.len < 3 ? (int)ov->app->runs->jobs.len : 3;

            if (nj > spare)
                nj = spare;
            area.h -= nj;
            runs_draw_job_lines(ov->app, area.y + area.h, area.x + 1, area.w - 2, nj, ctx);
            spare -= nj;
        }
        if (!drills_late && drill_line_applies(&ov->drills) && spare >= 1) {
            area.h--;
            drill_line_draw(&ov->drills, area.y + area.h, area.x + 1, area.w - 2, ctx);
        }
    }
    layout_stack(area.h, 3, min, want, h);
    r = (struct rect){ area.y, area.x, h[0], area.w };
    if (h[0])
        draw_matrix(ov, r, ctx);
    r.y += h[0];
    r.h = h[1];
    if (h[1])
        draw_repos(ov, r, ctx);
    r.y += h[1];
    r.h = h[2];
    if (h[2] >= 3) {
        if (area.w >= WIDE_COLS && sel) {
            struct rect left = { r.y, r.x, r.h, r.w / 2 };
            struct rect right = { r.y, r.x + r.w / 2, r.h, r.w - r.w / 2 };
            char title[96];

            draw_alerts(ov, left, ctx);
            snprintf(title, sizeof(title), "selected %s %s", glyph(G_SEP), sel->cfg->name);
            str_sanitize(title);
            draw_box(right, theme_attr(EL_BORDER), title, theme_attr(EL_PANEL_TITLE));
            draw_detail_body(
                sel, (struct rect){ right.y + 1, right.x + 2, right.h - 2, right.w - 4 }, 0, ctx);
        } else {
            draw_alerts(ov, r, ctx);
        }
    }
    if (ov->detail_open && sel)
        draw_detail_overlay(ov, sel, ctx, area);
    if (ov->alerts_open)
        draw_alerts_overlay(ov, ctx, area);
}

/* Ask the note for alert a (the prompt answers in overview_answer). */
static unsigned ask_ack(struct overview *ov, const struct store_alert *a)
{
    if (!a) {
        snprintf(ov->flash, sizeof(ov->flash), "no open alert to acknowledge");
        ov->flash_error = false;
        return REACT_HANDLED;
    }
    ov->ack_id = a->id;
    snprintf(ov->ack_what, sizeof(ov->ack_what), "%.40s %.30s", a->subject, a->rule);
    str_sanitize(ov->ack_what);
    return REACT_HANDLED | REACT_ASK;
}

static unsigned alerts_overlay_action(struct overview *ov, enum action a)
{
    size_t n = ov->alerts->alerts.len;

    switch (a) {
    case ACTION_BACK:
    case ACTION_ALERTS:
    case ACTION_ENTER:
        ov->alerts_open = false;
        return REACT_HANDLED;
    case ACTION_MOVE_UP:
        if (ov->alert_sel > 0)
            ov->alert_sel--;
        return REACT_HANDLED;
    case ACTION_MOVE_DOWN:
        if (ov->alert_sel + 1 < n)
            ov->alert_sel++;
        return REACT_HANDLED;
    case ACTION_PAGE_UP:
    case ACTION_MOVE_FIRST:
        ov->alert_sel = 0;
        return REACT_HANDLED;
    case ACTION_PAGE_DOWN:
    case ACTION_MOVE_LAST:
        ov->alert_sel = n ? n - 1 : 0;
        return REACT_HANDLED;
    case ACTION_ALERT_ACK:
        return ask_ack(ov, ov->alert_sel < n ? ov->alerts->alerts.items[ov->alert_sel] : NULL);
    default:
        ov->alerts_open = false; /* any other action closes it and runs */
        return REACT_NONE;
    }
}

static unsigned overview_action(void *st, enum action a, const struct screen_ctx *ctx)
{
    struct overview *ov = st;
    size_t idx[MAX_ROWS];
    size_t n = visible_rows(ov, idx, MAX_ROWS);
    int page = ov->page > 1 ? ov->page - 1 : 1;

    (void)ctx;
    if (a != ACTION_ALERT_ACK)
        ov->flash[0] = '\0';
    if (ov->alerts_open) {
        unsigned r = alerts_overlay_action(ov, a);

        if (r)
            return r;
    }
    if (ov->detail_open) {
        switch (a) {
        case ACTION_BACK:
        case ACTION_ENTER:
            ov->detail_open = false;
            return REACT_HANDLED;
        case ACTION_MOVE_DOWN:
        case ACTION_PAGE_DOWN:
            ov->detail_scroll += a == ACTION_MOVE_DOWN ? 1 : 10;
            return REACT_HANDLED;
        case ACTION_MOVE_UP:
        case ACTION_PAGE_UP:
            ov->detail_scroll -= a == ACTION_MOVE_UP ? 1 : 10;
            if (ov->detail_scroll < 0)
                ov->detail_scroll = 0;
            return REACT_HANDLED;
        default:
            ov->detail_open = false; /* any other action closes it and runs */
            break;
        }
    }
    switch (a) {
    case ACTION_MOVE_UP:
        if (ov->sel > 0)
            ov->sel--;
        return REACT_HANDLED;
    case ACTION_MOVE_DOWN:
        if (ov->sel + 1 < n)
            ov->sel++;
        return REACT_HANDLED;
    case ACTION_PAGE_UP:
        ov->sel = ov->sel > (size_t)page ? ov->sel - (size_t)page : 0;
        return REACT_HANDLED;
    case ACTION_PAGE_DOWN:
        ov->sel = n ? (ov->sel + (size_t)page < n ? ov->sel + (size_t)page : n - 1) : 0;
        return REACT_HANDLED;
    case ACTION_MOVE_FIRST:
        ov->sel = 0;
        return REACT_HANDLED;
    case ACTION_MOVE_LAST:
        ov->sel = n ? n - 1 : 0;
        return REACT_HANDLED;
    case ACTION_ENTER:
        if (n) {
            ov->detail_open = true;
            ov->detail_scroll = 0;
        }
        return REACT_HANDLED;
    case ACTION_ALERTS:
        ov->alerts_open = true;
        ov->alert_sel = 0;
        return REACT_HANDLED;
    case ACTION_ALERT_ACK:
        return ask_ack(ov, first_unacked(ov));
    default:
        return REACT_NONE;
    }
}

static void overview_ask(void *st, char *question, size_t n)
{
    struct overview *ov = st;

    snprintf(question, n, "ack %s; note: ", ov->ack_what);
}

static unsigned overview_answer(void *st, const char *text, const struct screen_ctx *ctx)
{
    struct overview *ov = st;
    struct lb_err err = { 0 };

    if (!text) {
        snprintf(ov->flash, sizeof(ov->flash), "%s not acknowledged", ov->ack_what);
        ov->flash_error = false;
    } else if (alert_watch_ack(ov->alerts, ov->ack_id, text, ctx->now, &err) < 0) {
        snprintf(ov->flash, sizeof(ov->flash), "cannot acknowledge %s: %s", ov->ack_what, err.msg);
        ov->flash_error = true;
    } else {
        snprintf(ov->flash, sizeof(ov->flash), "%s acknowledged: no more re-notifications",
                 ov->ack_what);
        ov->flash_error = false;
        /* the list is sorted again: the overlay's selection stays on the alert */
        for (size_t i = 0; i < ov->alerts->alerts.len; i++)
            if (((const struct store_alert *)ov->alerts->alerts.items[i])->id == ov->ack_id)
                ov->alert_sel = i;
    }
    str_sanitize(ov->flash);
    return REACT_REDRAW;
}

static unsigned overview_change(void *st, unsigned flags, const struct screen_ctx *ctx)
{
    struct overview *ov = st;

    (void)flags;
    return alert_watch_poll(ov->alerts, ctx->now) ? REACT_REDRAW : REACT_NONE;
}

static void overview_set_filter(void *st, const char *text)
{
    struct overview *ov = st;

    str_copy(ov->filter, sizeof(ov->filter), text);
    ov->sel = 0;
    ov->scroll = 0;
}

static void *overview_create(struct app *app)
{
    struct overview *ov = xcalloc(1, sizeof(*ov));

    ov->app = app;
    ov->page = 1;
    ov->alerts = alert_watch_new(app);
    return ov;
}

static void overview_destroy(void *st)
{
    struct overview *ov = st;

    if (ov)
        alert_watch_free(ov->alerts);
    free(st);
}

const struct screen_ops scr_overview_ops = {
    .name = "overview",
    .title = "Overview",
    .number = 1,
    .create = overview_create,
    .destroy = overview_destroy,
    .draw = overview_draw,
    .on_action = overview_action,
    .on_change = overview_change,
    .set_filter = overview_set_filter,
    .ask = overview_ask,
    .answer = overview_answer,
};
