/*
 * Screen 4, Disks: one row per [disk] (verdict, drive, temperature, wear,
 * mount and fill, age of the reading), and the selected disk in detail: the
 * verdict with every finding, where the reading comes from, the drive, the
 * mount against fill_warn/fill_crit, 90 days of temperature, wear and
 * counters, the self-test (s starts a short one after a confirmation naming
 * the device, and the screen follows it), and the attribute table with the
 * failing rows highlighted. From 140 columns the attributes sit beside the
 * rest. j/k pick the disk, PgUp/PgDn scroll the detail, r reads every disk.
 * With a [pbs] section the PBS host's disks as PBS reports them sit under
 * the list (tui/disks_pbs.c); j/k go on into those rows and Enter on one
 * reads its SMART from PBS through the loop and shows it over the screen
 * (tui/pbs_smart_panel.c; j/k/PgDn scroll it, Enter reads it again, Esc back).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/app.h"
#include "backend/base/clock.h"
#include "backend/base/str.h"
#include "backend/base/xalloc.h"
#include "backend/config.h"
#include "backend/app_proxmox.h"
#include "backend/proxmox_model.h"
#include "tui/disks_pbs.h"
#include "tui/pbs_smart_panel.h"
#include "tui/fmt.h"
#include "tui/glyph.h"
#include "tui/layout.h"
#include "tui/scr_disks.h"
#include "tui/screen.h"
#include "tui/sparkline.h"
#include "tui/theme.h"

#define WIDE_COLS  140
#define MAX_DROWS  400
#define SPARK_MAX  90 /* one column a day at most */
#define TREND_DAYS 90
#define LABEL_W    10

struct disks {
    struct app *app;
    size_t sel;
    int scroll;   /* first detail row shown */
    int page;     /* detail rows shown by the last draw */
    bool confirm; /* the self-test question is open */
    char notice[320];
    int smart_scroll; /* the PBS SMART panel's first attribute shown */
    int smart_page;
};

/* Rows of the PBS section the cursor can go to (after the [disk] rows). */
static size_t pbs_rows(const struct disks *ds)
{
    const struct app_pmx *p = ds->app->pmx;

    return p && p->pbs ? p->pbs_disks.len : 0;
}

/* The PBS disk under the cursor, NULL when it is on a [disk] row. */
static const struct pbs_disk *pbs_selected(const struct disks *ds)
{
    size_t nd = ds->app->disks.len;

    if (ds->sel < nd || ds->sel - nd >= pbs_rows(ds))
        return NULL;
    return ds->app->pmx->pbs_disks.items[ds->sel - nd];
}

static long pbs_sel(const struct disks *ds)
{
    return pbs_selected(ds) ? (long)(ds->sel - ds->app->disks.len) : -1;
}

static bool smart_open(const struct disks *ds)
{
    return ds->app->pmx && ds->app->pmx->smart.open;
}

/* ---- words ---- */

static const char *verdict_word(const struct disk_view *dv, enum theme_el *el, enum glyph *g)
{
    enum smart_verdict v;

    if (!dv->reading) {
        *el = EL_STATUS_UNKNOWN;
        *g = G_UNKNOWN;
        return dv->refreshing ? "reading" : "not read";
    }
    v = dv->reading->report.verdict;
    switch (v) {
    case SMART_VERDICT_OK:
        *el = EL_STATUS_OK;
        *g = G_OK;
        return "ok";
    case SMART_VERDICT_WARN:
        *el = EL_STATUS_WARN;
        *g = G_WARN;
        return "warn";
    case SMART_VERDICT_CRIT:
        *el = EL_STATUS_CRIT;
        *g = G_CRIT;
        return "crit";
    case SMART_VERDICT_STANDBY:
        *el = EL_DIM;
        *g = G_NA;
        return "standby";
    case SMART_VERDICT_UNAVAILABLE:
        *el = EL_STATUS_WARN;
        *g = G_WARN;
        return "no SMART";
    case SMART_VERDICT_ERROR:
    default:
        *el = EL_STATUS_WARN;
        *g = G_WARN;
        return "error";
    }
}

/* "ok ✓" etc. into out; returns the element. */
static enum theme_el verdict_text(const struct disk_view *dv, char *out, size_t n)
{
    enum theme_el el;
    enum glyph g;
    const char *w = verdict_word(dv, &el, &g);

    snprintf(out, n, "%s %s", w, glyph(g));
    return el;
}

static const struct smart_counters *counters(const struct disk_view *dv)
{
    return dv->reading ? &dv->reading->report.counters : NULL;
}

static char *fmt_temp(const struct disk_view *dv, char *out, size_t n)
{
    const struct smart_counters *c = counters(dv);

    if (c && c->temperature >= 0)
        snprintf(out, n, "%lld%s", (long long)c->temperature, glyph(G_DEGREE_C));
    else
        snprintf(out, n, "%s", glyph(G_UNKNOWN));
    return out;
}

static char *fmt_wear(const struct disk_view *dv, char *out, size_t n)
{
    const struct smart_counters *c = counters(dv);

    if (c && c->life_used >= 0)
        snprintf(out, n, "%lld%%", (long long)c->life_used);
    else
        snprintf(out, n, "%s", glyph(G_UNKNOWN));
    return out;
}

/* "61% ✓", "not mounted ✗", "·" (no mount configured); returns the element. */
static enum theme_el fmt_fill(const struct disk_view *dv, char *out, size_t n)
{
    enum health h = app_disk_fill_health(dv);

    if (!dv->cfg->mount) {
        snprintf(out, n, "%s", glyph(G_NA));
        return EL_DIM;
    }
    if (!dv->mount_present) {
        snprintf(out, n, "not mounted %s", glyph(G_CRIT));
        return EL_STATUS_CRIT;
    }
    snprintf(out, n, "%.0f%% %s", dv->fill_pct, glyph(fmt_health_glyph(h)));
    return fmt_status_el(h);
}

/* Age of the reading: "2m", "3h stored", "reading ⟳". */
static enum theme_el fmt_read(const struct disk_view *dv, const struct screen_ctx *ctx, char *out,
                              size_t n)
{
    char age[32];

    if (dv->refreshing) {
        snprintf(out, n, "reading %s", glyph(G_SPIN));
        return EL_SPINNER;
    }
    if (!dv->reading) {
        snprintf(out, n, "never");
        return EL_STATUS_UNKNOWN;
    }
    str_fmt_age((int64_t)(ctx->now - dv->reading->at), age, sizeof(age));
    snprintf(out, n, "%s%s", age, dv->from_store ? " stored" : "");
    return dv->from_store ? EL_DIM : EL_NORMAL;
}

static const char *drive_name(const struct disk_view *dv)
{
    const struct smart_data *d = dv->reading ? dv->reading->data : NULL;

    if (d && d->model)
        return d->model;
    return glyph(G_UNKNOWN);
}

/* ---- the disk list ---- */

enum dcol { DC_NAME, DC_VERDICT, DC_DRIVE, DC_TEMP, DC_WEAR, DC_MOUNT, DC_FILL, DC_READ, DC_COUNT };

static const struct col_spec disk_cols[DC_COUNT] = {
    [DC_NAME] = { "disk", 8, 16, 0, false },    [DC_VERDICT] = { "SMART", 10, 12, 1, false },
    [DC_DRIVE] = { "drive", 12, 34, 5, false }, [DC_TEMP] = { "temp", 5, 5, 3, true },
    [DC_WEAR] = { "worn", 5, 5, 4, true },      [DC_MOUNT] = { "mount", 8, 28, 7, false },
    [DC_FILL] = { "fill", 7, 14, 2, false },    [DC_READ] = { "read", 8, 12, 6, false },
};

static void disk_cell(const struct disk_view *dv, enum dcol c, const struct screen_ctx *ctx,
                      char *buf, size_t n, enum theme_el *el)
{
    *el = EL_NORMAL;
    switch (c) {
    case DC_NAME:
        snprintf(buf, n, "%s", dv->cfg->name);
        break;
    case DC_VERDICT:
        *el = verdict_text(dv, buf, n);
        break;
    case DC_DRIVE:
        snprintf(buf, n, "%s", drive_name(dv));
        break;
    case DC_TEMP:
        fmt_temp(dv, buf, n);
        break;
    case DC_WEAR:
        fmt_wear(dv, buf, n);
        break;
    case DC_MOUNT:
        snprintf(buf, n, "%s", dv->cfg->mount ? dv->cfg->mount : glyph(G_NA));
        if (!dv->cfg->mount)
            *el = EL_DIM;
        break;
    case DC_FILL:
        *el = fmt_fill(dv, buf, n);
        break;
    case DC_READ:
        *el = fmt_read(dv, ctx, buf, n);
        break;
    case DC_COUNT:
        break;
    }
    str_sanitize(buf);
}

static void draw_list(struct disks *ds, struct rect r, const struct screen_ctx *ctx)
{
    int w[DC_COUNT], x;
    char buf[256];
    size_t i;
    struct disk_view *dv;

    draw_box(r, theme_attr(EL_BORDER), "disks", theme_attr(EL_PANEL_TITLE));
    layout_columns(disk_cols, DC_COUNT, r.w - 4, 2, w);
    x = r.x + 2;
    for (int c = 0; c < DC_COUNT; c++) {
        if (!w[c])
            continue;
        draw_field(r.y + 1, x, w[c], theme_attr(EL_COLUMN_HEADER), disk_cols[c].title,
                   disk_cols[c].right ? ALIGN_RIGHT : ALIGN_LEFT);
        x += w[c] + 2;
    }
    vec_foreach(&ds->app->disks, i, dv) {
        int y = r.y + 2 + (int)i;
        bool selected = i == ds->sel;

        if (y >= r.y + r.h - 1)
            break;
        if (selected)
            draw_fill(y, r.x + 1, r.w - 2, theme_attr(EL_SELECTION));
        x = r.x + 2;
        for (int c = 0; c < DC_COUNT; c++) {
            enum theme_el el;

            if (!w[c])
                continue;
            disk_cell(dv, (enum dcol)c, ctx, buf, sizeof(buf), &el);
            draw_field(y, x, w[c], theme_attr(selected ? EL_SELECTION : el), buf,
                       disk_cols[c].right ? ALIGN_RIGHT : ALIGN_LEFT);
            x += w[c] + 2;
        }
    }
}

/* ---- the detail, as rows ---- */

enum row_kind { RK_TEXT, RK_HEAD, RK_SPARK, RK_BLANK };

struct drow {
    enum row_kind kind;
    const char *label; /* on the first row of a value */
    char text[320];
    enum theme_el el;
    int levels[SPARK_MAX];
    int nlev;
};

struct rows {
    struct drow *r;
    size_t n, max;
    int w; /* width of the column the rows are for */
    const char *label;
    enum theme_el el;
};

static struct drow *row_new(struct rows *rs, enum row_kind kind)
{
    struct drow *d;

    if (rs->n >= rs->max)
        return NULL;
    d = &rs->r[rs->n++];
    memset(d, 0, sizeof(*d));
    d->kind = kind;
    d->el = EL_NORMAL;
    return d;
}

static void wrap_sink(const char *start, size_t len, void *arg)
{
    struct rows *rs = arg;
    struct drow *d = row_new(rs, RK_TEXT);

    if (!d)
        return;
    if (len >= sizeof(d->text))
        len = sizeof(d->text) - 1;
    memcpy(d->text, start, len);
    d->text[len] = '\0';
    d->label = rs->label;
    d->el = rs->el;
    if (rs->label)
        rs->label = ""; /* continuation lines keep the indent */
}

/* A labelled value, word-wrapped beside the label column. */
static void kv(struct rows *rs, const char *label, enum theme_el el, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void kv(struct rows *rs, const char *label, enum theme_el el, const char *fmt, ...)
{
    char text[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    str_sanitize(text);
    rs->label = label ? label : "";
    rs->el = el;
    if (!text[0]) {
        wrap_sink("", 0, rs);
        return;
    }
    draw_wrap(text, rs->w - LABEL_W - 1 > 10 ? rs->w - LABEL_W - 1 : 10, wrap_sink, rs);
}

static void head(struct rows *rs, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void head(struct rows *rs, const char *fmt, ...)
{
    struct drow *d;
    va_list ap;

    if (rs->n)
        row_new(rs, RK_BLANK);
    d = row_new(rs, RK_HEAD);
    if (!d)
        return;
    va_start(ap, fmt);
    vsnprintf(d->text, sizeof(d->text), fmt, ap);
    va_end(ap);
    str_sanitize(d->text);
    d->el = EL_PANEL_TITLE;
}

static enum theme_el level_el(enum smart_level l)
{
    return l == SMART_LEVEL_CRIT   ? EL_STATUS_CRIT
           : l == SMART_LEVEL_WARN ? EL_STATUS_WARN
                                   : EL_NORMAL;
}

static enum glyph level_glyph(enum smart_level l)
{
    return l == SMART_LEVEL_CRIT ? G_CRIT : l == SMART_LEVEL_WARN ? G_WARN : G_NA;
}

static void rows_verdict(struct disks *ds, const struct disk_view *dv, struct rows *rs,
                         const struct screen_ctx *ctx)
{
    const struct smart_reading *rd = dv->reading;
    char v[64], age[32], when[64];
    enum theme_el el = verdict_text(dv, v, sizeof(v));
    size_t i;
    struct smart_finding *f;

    if (ds->notice[0])
        kv(rs, "", EL_STATUS_WARN, "%s", ds->notice);
    if (!rd) {
        kv(rs, "SMART", el, "%s: %s", v,
           dv->refreshing ? "reading the drive" : "no reading yet (r reads it now)");
    } else {
        size_t nf = rd->report.findings.len;

        kv(rs, "SMART", el, "%s  %s", v,
           rd->report.verdict == SMART_VERDICT_OK && !nf ? "nothing wrong found"
           : nf                                          ? ""
                                                         : smart_state_name(rd->data->state));
        vec_foreach(&rd->report.findings, i, f) {
            kv(rs, "", f->level == SMART_LEVEL_OK ? EL_DIM : level_el(f->level), "%s %s",
               glyph(level_glyph(f->level)), f->text);
        }
        if (rd->data->state != SMART_STATE_DATA) {
            char *hint = smart_hint(rd->data, dv->cfg->name);

            if (rd->data->reason)
                kv(rs, "reason", EL_NORMAL, "%s", rd->data->reason);
            if (hint)
                kv(rs, "hint", EL_NORMAL, "%s", hint);
            free(hint);
        }
        clock_fmt_local(rd->at, when, sizeof(when));
        str_fmt_age((int64_t)(ctx->now - rd->at), age, sizeof(age));
        if (dv->from_store)
            kv(rs, "read", EL_DIM, "%s (%s ago), from the history: the last reading kept", when,
               age);
        else
            kv(rs, "read", EL_NORMAL, "%s (%s ago)%s%s%s", when, age,
               rd->data->chosen_type ? ", smartctl -d " : "",
               rd->data->chosen_type ? rd->data->chosen_type : "",
               rd->stored ? ", kept in the history" : "");
    }
    /* a self-test started here shows at the top too, where it is seen at 80x24 */
    if (dv->selftest == DISK_SELFTEST_STARTING || dv->selftest == DISK_SELFTEST_RUNNING)
        kv(rs, "self-test", EL_SPINNER, "short self-test %s %s %s",
           dv->selftest == DISK_SELFTEST_STARTING ? "starting" : "running", glyph(G_SPIN),
           dv->selftest == DISK_SELFTEST_STARTING ? "" : dv->selftest_text);
    else if (dv->selftest == DISK_SELFTEST_DONE)
        kv(rs, "self-test", EL_STATUS_OK, "%s short self-test: %s", glyph(G_OK), dv->selftest_text);
    else if (dv->selftest == DISK_SELFTEST_FAILED)
        kv(rs, "self-test", EL_STATUS_CRIT, "%s short self-test: %s", glyph(G_CRIT),
           dv->selftest_text);
    if (dv->refreshing)
        kv(rs, "now", EL_SPINNER, "reading %s %llds", glyph(G_SPIN),
           (long long)((ctx->now_ms - dv->refresh_started_ms) / 1000));
    else if (dv->live_error[0] && rd && rd->data->state == SMART_STATE_DATA)
        kv(rs, "live read", EL_STATUS_WARN, "%s%s%s", dv->live_error, dv->live_hint[0] ? ": " : "",
           dv->live_hint);
}

static void rows_drive(const struct disk_view *dv, struct rows *rs)
{
    const struct smart_data *d = dv->reading ? dv->reading->data : NULL;
    char a[64];

    head(rs, "drive");
    kv(rs, "device", EL_NORMAL, "%s", dv->cfg->device ? dv->cfg->device : glyph(G_UNKNOWN));
    if (dv->cfg->source)
        kv(rs, "source", EL_DIM, "%s (a saved capture: demo and tests only)", dv->cfg->source);
    if (!d || (!d->model && !d->serial))
        return;
    kv(rs, "model", EL_NORMAL, "%s%s%s%s", d->model ? d->model : glyph(G_UNKNOWN),
       d->model_family ? " (" : "", d->model_family ? d->model_family : "",
       d->model_family ? ")" : "");
    kv(rs, "serial", EL_NORMAL, "%s   firmware %s", d->serial ? d->serial : glyph(G_UNKNOWN),
       d->firmware ? d->firmware : glyph(G_UNKNOWN));
    if (d->capacity_bytes > 0)
        kv(rs, "capacity", EL_NORMAL, "%s   %s%s",
           str_fmt_bytes((uint64_t)d->capacity_bytes, a, sizeof(a)),
           smart_protocol_name(d->protocol) ? smart_protocol_name(d->protocol) : "",
           d->rotation_rate == 0  ? " SSD"
           : d->rotation_rate > 0 ? " HDD"
                                  : "");
    if (d->power_on_hours >= 0 || d->power_cycles >= 0)
        kv(rs, "powered", EL_NORMAL, "%lld h on, %lld power cycles", (long long)d->power_on_hours,
           (long long)d->power_cycles);
}

static void rows_mount(const struct disk_view *dv, struct rows *rs)
{
    char a[32], b[32];
    enum health h = app_disk_fill_health(dv);

    if (!dv->cfg->mount)
        return;
    head(rs, "mount %s", dv->cfg->mount);
    if (!dv->mount_present) {
        kv(rs, "state", EL_STATUS_CRIT, "%s %s (backups into it fail)", glyph(G_CRIT),
           dv->mount_error[0] ? dv->mount_error : "not mounted");
        return;
    }
    kv(rs, "fill", fmt_status_el(h), "%.0f%% used %s   warn at %.0f%%, critical at %.0f%%",
       dv->fill_pct, glyph(fmt_health_glyph(h)), dv->cfg->fill_warn, dv->cfg->fill_crit);
    kv(rs, "free", EL_NORMAL, "%s of %s", str_fmt_bytes(dv->mount_avail, a, sizeof(a)),
       str_fmt_bytes(dv->mount_size, b, sizeof(b)));
    if (dv->fill_est.known) { /* from the fill history (backend/fill.h) */
        int64_t left = (int64_t)(dv->fill_est.full_at - clock_now());
        char when[40];

        clock_fmt_local(dv->fill_est.full_at, when, sizeof(when));
        when[10] = '\0';
        kv(rs, "full",
           left <= 7 * 86400    ? EL_STATUS_CRIT
           : left <= 30 * 86400 ? EL_STATUS_WARN
                                : EL_NORMAL,
           "around %s (grows about %s a day, last 30 days)", when,
           str_fmt_bytes((uint64_t)dv->fill_est.bytes_per_day, a, sizeof(a)));
    }
}

/* One sparkline row from the history: field picks the value (SMART_NONE: none). */
static void spark_row(const struct disk_view *dv, struct rows *rs, const char *label,
                      int64_t (*field)(const struct smart_sample *), double lo, double hi,
                      const struct screen_ctx *ctx, const char *unit)
{
    size_t n = dv->history.len, k = 0;
    time_t *at = xcalloc(n + 1, sizeof(*at));
    double *v = xcalloc(n + 1, sizeof(*v));
    struct drow *d;
    int64_t mn = 0, mx = 0, last = SMART_NONE;
    int w = rs->w - LABEL_W - 1 - 22;

    for (size_t i = 0; i < n; i++) {
        const struct smart_sample *s = dv->history.items[i];
        int64_t x = field(s);

        if (x < 0)
            continue;
        if (!k || x < mn)
            mn = x;
        if (!k || x > mx)
            mx = x;
        at[k] = s->at;
        v[k++] = (double)x;
        last = x;
    }
    d = row_new(rs, RK_SPARK);
    if (d) {
        d->label = label;
        if (w > SPARK_MAX)
            w = SPARK_MAX;
        if (w < 10)
            w = 10;
        d->nlev = w;
        sparkline_levels(at, v, k, ctx->now - (time_t)TREND_DAYS * 86400, ctx->now, w, lo, hi,
                         d->levels);
        if (!k)
            snprintf(d->text, sizeof(d->text), "no values yet");
        else
            snprintf(d->text, sizeof(d->text), "now %lld%s, %lld..%lld%s", (long long)last, unit,
                     (long long)mn, (long long)mx, unit);
        str_sanitize(d->text);
    }
    free(at);
    free(v);
}

static int64_t f_temp(const struct smart_sample *s)
{
    return s->c.temperature;
}

static int64_t f_wear(const struct smart_sample *s)
{
    return s->c.life_used;
}

/* The counters worth following, with their names. */
#define TREND_COUNTERS(X)                  \
    X(reallocated, "reallocated")          \
    X(pending, "pending")                  \
    X(offline_unc, "offline unc.")         \
    X(reported_unc, "reported unc.")       \
    X(cmd_timeout, "timeouts")             \
    X(realloc_events, "realloc events")    \
    X(crc_errors, "CRC errors")            \
    X(error_log, "error log")              \
    X(selftest_errors, "self-test errors") \
    X(media_errors, "media errors")        \
    X(nvme_err_log, "error log")           \
    X(unsafe_shutdowns, "unsafe shutdowns")

static void rows_trends(const struct disk_view *dv, struct rows *rs, const struct screen_ctx *ctx)
{
    const struct smart_sample *first = NULL;
    const struct smart_counters *now = counters(dv);
    char steady[512] = "", grown[512] = "";
    size_t i;

    head(rs, "last %d days %s %zu sample%s", TREND_DAYS, glyph(G_SEP), dv->history.len,
         dv->history.len == 1 ? "" : "s");
    spark_row(dv, rs, "temp", f_temp, 20, 70, ctx, glyph(G_DEGREE_C));
    spark_row(dv, rs, "worn", f_wear, 0, 100, ctx, "%");
    if (!now || !dv->reading || dv->reading->data->state != SMART_STATE_DATA)
        return;
    for (i = 0; i < dv->history.len; i++) {
        const struct smart_sample *s = dv->history.items[i];

        first = s;
        break;
    }
#define X(f, name)                                                                       \
    if (now->f >= 0) {                                                                   \
        char *dst = first && first->c.f >= 0 && now->f > first->c.f ? grown : steady;    \
        size_t l = strlen(dst);                                                          \
        if (dst == grown)                                                                \
            snprintf(dst + l, sizeof(grown) - l, "%s%s %lld%s%lld", l ? ", " : "", name, \
                     (long long)first->c.f, glyph(G_ARROW), (long long)now->f);          \
        else                                                                             \
            snprintf(dst + l, sizeof(steady) - l, "%s%s %lld", l ? ", " : "", name,      \
                     (long long)now->f);                                                 \
    }
    TREND_COUNTERS(X)
#undef X
    if (grown[0])
        kv(rs, "grew", EL_STATUS_WARN, "%s %s", glyph(G_WARN), grown);
    if (steady[0])
        kv(rs, grown[0] ? "steady" : "counters", EL_NORMAL, "%s%s", steady,
           grown[0] || !first ? "" : " (no growth)");
}

static void rows_selftest(const struct disk_view *dv, struct rows *rs, const struct screen_ctx *ctx,
                          size_t max_log)
{
    const struct smart_data *d = dv->reading ? dv->reading->data : NULL;
    size_t i;
    struct smart_selftest *t;
    char age[32];

    head(rs, "self-test");
    switch (dv->selftest) {
    case DISK_SELFTEST_STARTING:
        kv(rs, "now", EL_SPINNER, "starting a short self-test %s", glyph(G_SPIN));
        break;
    case DISK_SELFTEST_RUNNING:
        str_fmt_age((int64_t)(ctx->now - dv->selftest_started), age, sizeof(age));
        if (dv->selftest_remaining >= 0)
            kv(rs, "now", EL_SPINNER, "short self-test running %s %d%% left, started %s ago (%s)",
               glyph(G_SPIN), dv->selftest_remaining, age, dv->selftest_text);
        else
            kv(rs, "now", EL_SPINNER, "short self-test running %s started %s ago (%s)",
               glyph(G_SPIN), age, dv->selftest_text);
        break;
    case DISK_SELFTEST_DONE:
        kv(rs, "last", EL_STATUS_OK, "%s short self-test: %s", glyph(G_OK), dv->selftest_text);
        break;
    case DISK_SELFTEST_FAILED:
        kv(rs, "last", EL_STATUS_CRIT, "%s short self-test: %s", glyph(G_CRIT), dv->selftest_text);
        break;
    case DISK_SELFTEST_IDLE:
    default:
        kv(rs, "", EL_DIM, "s starts a short self-test (about 2 minutes; the drive stays in use)");
        break;
    }
    if (!d)
        return;
    if (!d->selftests.len) {
        kv(rs, "log", EL_DIM, "no self-test recorded by the drive");
        return;
    }
    vec_foreach(&d->selftests, i, t) {
        enum theme_el el = t->passed == 0 ? EL_STATUS_CRIT : EL_NORMAL;

        if (i >= max_log) {
            kv(rs, "", EL_DIM, "%s %zu older entr%s", glyph(G_ELLIPSIS), d->selftests.len - i,
               d->selftests.len - i == 1 ? "y" : "ies");
            break;
        }
        if (t->hours >= 0)
            kv(rs, i ? "" : "log", el, "%-16s %s  at %lld h%s", t->type ? t->type : "?",
               t->status ? t->status : "?", (long long)t->hours, t->passed == 0 ? "" : "");
        else
            kv(rs, i ? "" : "log", el, "%-16s %s", t->type ? t->type : "?",
               t->status ? t->status : "?");
    }
}

/* Attribute ids the findings point at (highlighted in the table). */
static int finding_attr(const char *metric, const char *text)
{
    static const struct {
        const char *metric;
        int id;
    } map[] = {
        { "reallocated_sectors", 5 },
        { "pending_sectors", 197 },
        { "offline_uncorrectable", 198 },
        { "reported_uncorrectable", 187 },
        { "command_timeout", 188 },
        { "reallocation_events", 196 },
        { "spin_retry", 10 },
        { "crc_errors", 199 },
        { "end_to_end_errors", 184 },
    };

    if (!strncmp(metric, "attr.", 5))
        return (int)strtol(metric + 5, NULL, 10);
    if (!strcmp(metric, "life_used") && text && (text = strstr(text, "attribute ")))
        return (int)strtol(text + 10, NULL, 10); /* the wear attribute it was read from */
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (!strcmp(map[i].metric, metric))
            return map[i].id;
    return -1;
}

static enum smart_level attr_level(const struct smart_reading *rd, const struct smart_attr *a)
{
    enum smart_level l = SMART_LEVEL_OK;
    size_t i;
    struct smart_finding *f;

    if (a->when_failed == SMART_WF_NOW || (a->thresh > 0 && a->value >= 0 && a->value <= a->thresh))
        l = a->prefailure ? SMART_LEVEL_CRIT : SMART_LEVEL_WARN;
    else if (a->when_failed == SMART_WF_PAST)
        l = SMART_LEVEL_WARN;
    vec_foreach(&rd->report.findings, i, f) {
        if (finding_attr(f->metric, f->text) == a->id && f->level > l)
            l = f->level;
    }
    return l;
}

static void rows_attrs(const struct disk_view *dv, struct rows *rs)
{
    const struct smart_reading *rd = dv->reading;
    const struct smart_data *d = rd ? rd->data : NULL;
    size_t i;
    struct smart_attr *a;
    struct drow *r;
    int namew = rs->w - 48 > 28 ? 28 : rs->w - 48;

    if (namew < 12)
        namew = 12;
    if (!d || d->state != SMART_STATE_DATA)
        return;
    if (d->attrs.len) {
        head(rs, "attributes %s %zu (normalised: higher is better, fails at the threshold)",
             glyph(G_SEP), d->attrs.len);
        r = row_new(rs, RK_TEXT);
        if (r) {
            snprintf(r->text, sizeof(r->text), "%3s %-*s %5s %5s %6s %18s  %s", "id", namew,
                     "attribute", "value", "worst", "thresh", "raw", "");
            r->el = EL_COLUMN_HEADER;
            r->label = NULL;
        }
        vec_foreach(&d->attrs, i, a) {
            enum smart_level l = attr_level(rd, a);
            char val[8], worst[8], thr[8], raw[32];
            const char *flag = a->when_failed == SMART_WF_NOW    ? "FAILING NOW"
                               : a->when_failed == SMART_WF_PAST ? "failed in the past"
                               : l != SMART_LEVEL_OK             ? glyph(level_glyph(l))
                               : a->prefailure                   ? "pre-fail"
                                                                 : "";

            snprintf(val, sizeof(val), "%d", a->value);
            snprintf(worst, sizeof(worst), "%d", a->worst);
            snprintf(thr, sizeof(thr), "%d", a->thresh);
            if (a->raw_str && strlen(a->raw_str) <= 18)
                snprintf(raw, sizeof(raw), "%s", a->raw_str);
            else
                snprintf(raw, sizeof(raw), "%lld", (long long)a->raw);
            r = row_new(rs, RK_TEXT);
            if (!r)
                break;
            snprintf(r->text, sizeof(r->text), "%3d %-*.*s %5s %5s %6s %18s  %s", a->id, namew,
                     namew, a->name ? a->name : "?", a->value >= 0 ? val : "-",
                     a->worst >= 0 ? worst : "-", a->thresh >= 0 ? thr : "-", raw, flag);
            str_sanitize(r->text);
            r->el = level_el(l);
        }
    } else if (d->nvme.present) {
        const struct smart_nvme *nv = &d->nvme;

        head(rs, "NVMe health log");
#define NV(label, v, warn) \
    if ((v) >= 0)          \
        kv(rs, label, (warn) ? EL_STATUS_WARN : EL_NORMAL, "%lld", (long long)(v));
        NV("crit warn", nv->critical_warning, nv->critical_warning > 0)
        NV("spare %", nv->available_spare,
           nv->available_spare_threshold >= 0 &&
               nv->available_spare <= nv->available_spare_threshold + 10)
        NV("spare min", nv->available_spare_threshold, 0)
        NV("used %", nv->percentage_used, nv->percentage_used >= 80)
        NV("media err", nv->media_errors, nv->media_errors > 0)
        NV("error log", nv->num_err_log_entries, 0)
        NV("unsafe off", nv->unsafe_shutdowns, 0)
        NV("warn temp", nv->warning_temp_time, nv->warning_temp_time > 0)
        NV("crit temp", nv->critical_comp_time, nv->critical_comp_time > 0)
#undef NV
    }
}

static size_t build_rows(struct disks *ds, const struct disk_view *dv, int part, int w,
                         struct drow *out, size_t max, const struct screen_ctx *ctx)
{
    struct rows rs = { out, 0, max, w, NULL, EL_NORMAL };

    /* part 0: everything; 1: the left column; 2: the right column */
    if (part != 2) {
        rows_verdict(ds, dv, &rs, ctx);
        rows_mount(dv, &rs);
        rows_trends(dv, &rs, ctx);
        rows_drive(dv, &rs);
    }
    if (part != 1)
        rows_selftest(dv, &rs, ctx, part ? 8 : 4);
    if (part != 1)
        rows_attrs(dv, &rs);
    if (part == 2 && rs.n && rs.r[0].kind == RK_BLANK)
        memmove(rs.r, rs.r + 1, (--rs.n) * sizeof(rs.r[0]));
    return rs.n;
}

static void draw_rows(const struct drow *rows, size_t n, struct rect r, int scroll)
{
    for (int i = 0; i < r.h && scroll + i < (int)n; i++) {
        const struct drow *d = &rows[scroll + i];
        int y = r.y + i;

        switch (d->kind) {
        case RK_HEAD:
            draw_text(y, r.x, r.w, theme_attr(EL_PANEL_TITLE), d->text);
            break;
        case RK_SPARK:
            draw_text(y, r.x, LABEL_W, theme_attr(EL_LABEL), d->label);
            sparkline_draw(y, r.x + LABEL_W + 1, d->levels, d->nlev, theme_attr(EL_NORMAL));
            draw_text(y, r.x + LABEL_W + 2 + d->nlev, r.w - LABEL_W - 2 - d->nlev,
                      theme_attr(EL_NORMAL), d->text);
            break;
        case RK_TEXT:
            if (d->label) {
                draw_text(y, r.x, LABEL_W, theme_attr(EL_LABEL), d->label);
                draw_text(y, r.x + LABEL_W + 1, r.w - LABEL_W - 1, theme_attr(d->el), d->text);
            } else {
                draw_text(y, r.x, r.w, theme_attr(d->el), d->text);
            }
            break;
        case RK_BLANK:
            break;
        }
    }
}

static void more_marker(struct rect box, int shown_to, size_t n)
{
    char buf[48];

    if (shown_to < (int)n) {
        snprintf(buf, sizeof(buf), " %s %d more (PgDn) ", glyph(G_DOWN), (int)n - shown_to);
        draw_text(box.y + box.h - 1, box.x + box.w - 2 - draw_width(buf), draw_width(buf),
                  theme_attr(EL_BORDER), buf);
    }
}

static void draw_confirm(const struct disk_view *dv, struct rect area)
{
    int w = area.w - 8 < 76 ? area.w - 8 : 76, h = 8;
    struct rect r = { area.y + (area.h - h) / 2, area.x + (area.w - w) / 2, h, w };
    char line[512];
    const char *type = dv->cfg->type && strcmp(dv->cfg->type, "auto") ? dv->cfg->type
                       : dv->reading && dv->reading->data->chosen_type
                           ? dv->reading->data->chosen_type
                           : "auto";

    draw_clear(r, theme_attr(EL_NORMAL));
    draw_box(r, theme_attr(EL_BORDER), "start a short self-test?", theme_attr(EL_PANEL_TITLE));
    snprintf(line, sizeof(line), "disk   %s", dv->cfg->name);
    str_sanitize(line);
    draw_text(r.y + 1, r.x + 2, w - 4, theme_attr(EL_PANEL_TITLE), line);
    snprintf(line, sizeof(line), "device %s  (-d %s)", dv->cfg->device ? dv->cfg->device : "?",
             type);
    str_sanitize(line);
    draw_text(r.y + 2, r.x + 2, w - 4, theme_attr(EL_NORMAL), line);
    draw_text(r.y + 4, r.x + 2, w - 4, theme_attr(EL_NORMAL),
              "runs smartctl -t short: the drive tests itself for about two");
    draw_text(r.y + 5, r.x + 2, w - 4, theme_attr(EL_NORMAL),
              "minutes and stays usable; this screen follows it.");
    draw_text(r.y + 6, r.x + 2, w - 4, theme_attr(EL_PROMPT), "Enter starts it   Esc cancels");
}

static struct disk_view *selected(const struct disks *ds)
{
    if (!ds->app->disks.len)
        return NULL;
    return ds->app->disks.items[ds->sel < ds->app->disks.len ? ds->sel : ds->app->disks.len - 1];
}

static void disks_draw(void *st, struct rect area, const struct screen_ctx *ctx)
{
    struct disks *ds = st;
    struct disk_view *dv = selected(ds);
    int nd = (int)ds->app->disks.len, lh, ph = disks_pbs_height(ds->app, area.w);
    struct rect list, box, body;
    struct drow *rows;
    size_t n;
    char title[160];

    if (ds->sel >= (size_t)nd + pbs_rows(ds))
        ds->sel = (size_t)nd + pbs_rows(ds) > 0 ? (size_t)nd + pbs_rows(ds) - 1 : 0;
    if (smart_open(ds)) {
        ds->smart_page = pbs_smart_panel_draw(ds->app, area, ctx, &ds->smart_scroll);
        return;
    }
    if (!nd) {
        struct rect r = { area.y, area.x, 5, area.w };

        draw_box(r, theme_attr(EL_BORDER), "disks", theme_attr(EL_PANEL_TITLE));
        draw_text(r.y + 1, r.x + 2, r.w - 4, theme_attr(EL_DIM),
                  "no [disk NAME] section in the config: add one for the USB SSD");
        draw_text(r.y + 2, r.x + 2, r.w - 4, theme_attr(EL_DIM),
                  "(device = /dev/disk/by-id/usb-..., mount = /mnt/usb-ssd)");
        if (ph && area.h > r.h + 3)
            disks_pbs_draw(ds->app,
                           (struct rect){ area.y + r.h, area.x,
                                          ph < area.h - r.h ? ph : area.h - r.h, area.w },
                           ctx, pbs_sel(ds));
        return;
    }
    lh = 3 + nd;
    if (lh > area.h / 3)
        lh = area.h / 3 > 4 ? area.h / 3 : 4;
    list = (struct rect){ area.y, area.x, lh, area.w };
    draw_list(ds, list, ctx);
    /* the PBS host's disks under the list, the detail keeping at least 6 rows */
    if (ph > area.h - lh - 6)
        ph = area.h - lh - 6 >= 3 ? area.h - lh - 6 : 0;
    if (ph) {
        disks_pbs_draw(ds->app, (struct rect){ area.y + lh, area.x, ph, area.w }, ctx, pbs_sel(ds));
        lh += ph;
    }
    box = (struct rect){ area.y + lh, area.x, area.h - lh, area.w };
    snprintf(title, sizeof(title), "%s %s %s", dv->cfg->name, glyph(G_SEP), drive_name(dv));
    str_sanitize(title);
    rows = xcalloc(MAX_DROWS, sizeof(*rows));
    if (area.w >= WIDE_COLS) {
        struct rect lbox = { box.y, box.x, box.h, box.w * 11 / 20 };
        struct rect rbox = { box.y, box.x + lbox.w, box.h, box.w - lbox.w };
        size_t nr;
        int shown;

        draw_box(lbox, theme_attr(EL_BORDER), title, theme_attr(EL_PANEL_TITLE));
        draw_box(rbox, theme_attr(EL_BORDER), "self-test and attributes",
                 theme_attr(EL_PANEL_TITLE));
        body = (struct rect){ lbox.y + 1, lbox.x + 2, lbox.h - 2, lbox.w - 4 };
        n = build_rows(ds, dv, 1, body.w, rows, MAX_DROWS, ctx);
        nr = n;
        ds->page = body.h;
        if (ds->scroll > (int)n - body.h)
            ds->scroll = (int)n - body.h > 0 ? (int)n - body.h : 0;
        draw_rows(rows, n, body, ds->scroll);
        shown = ds->scroll + body.h;
        more_marker(lbox, shown, nr);
        body = (struct rect){ rbox.y + 1, rbox.x + 2, rbox.h - 2, rbox.w - 4 };
        n = build_rows(ds, dv, 2, body.w, rows, MAX_DROWS, ctx);
        draw_rows(rows, n, body, 0);
        more_marker(rbox, body.h, n);
    } else {
        draw_box(box, theme_attr(EL_BORDER), title, theme_attr(EL_PANEL_TITLE));
        body = (struct rect){ box.y + 1, box.x + 2, box.h - 2, box.w - 4 };
        n = build_rows(ds, dv, 0, body.w, rows, MAX_DROWS, ctx);
        ds->page = body.h;
        if (ds->scroll > (int)n - body.h)
            ds->scroll = (int)n - body.h > 0 ? (int)n - body.h : 0;
        draw_rows(rows, n, body, ds->scroll);
        more_marker(box, ds->scroll + body.h, n);
    }
    free(rows);
    if (ds->confirm)
        draw_confirm(dv, area);
}

/* Keys while a PBS disk's SMART is shown over the screen. */
static unsigned smart_action(struct disks *ds, enum action a)
{
    int page = ds->smart_page > 2 ? ds->smart_page - 1 : 1;
    struct lb_err err = { 0 };
    char disk[64];

    switch (a) {
    case ACTION_BACK:
        app_pbs_smart_close(ds->app);
        return REACT_HANDLED;
    case ACTION_ENTER:
    case ACTION_REFRESH: /* read it again */
        str_copy(disk, sizeof(disk), ds->app->pmx->smart.disk);
        if (app_pbs_smart_open(ds->app, disk, &err) < 0)
            str_copy(ds->notice, sizeof(ds->notice), err.msg);
        return REACT_HANDLED;
    case ACTION_MOVE_UP:
        ds->smart_scroll = ds->smart_scroll > 0 ? ds->smart_scroll - 1 : 0;
        return REACT_HANDLED;
    case ACTION_MOVE_DOWN:
        ds->smart_scroll++;
        return REACT_HANDLED;
    case ACTION_PAGE_UP:
        ds->smart_scroll = ds->smart_scroll > page ? ds->smart_scroll - page : 0;
        return REACT_HANDLED;
    case ACTION_PAGE_DOWN:
        ds->smart_scroll += page;
        return REACT_HANDLED;
    case ACTION_MOVE_FIRST:
        ds->smart_scroll = 0;
        return REACT_HANDLED;
    case ACTION_MOVE_LAST:
        ds->smart_scroll = 1 << 20; /* the draw clamps it */
        return REACT_HANDLED;
    default:
        return REACT_NONE;
    }
}

static unsigned disks_action(void *st, enum action a, const struct screen_ctx *ctx)
{
    struct disks *ds = st;
    size_t n = ds->app->disks.len + pbs_rows(ds);
    struct disk_view *dv = selected(ds);
    int page = ds->page > 2 ? ds->page - 1 : 1;
    struct lb_err err = { 0 };

    (void)ctx;
    if (ds->confirm) {
        ds->confirm = false;
        if (a == ACTION_ENTER && dv) {
            ds->notice[0] = '\0';
            if (app_disk_selftest_start(ds->app, dv, &err) < 0)
                str_copy(ds->notice, sizeof(ds->notice), err.msg);
        }
        return REACT_HANDLED; /* any other key only closes the question */
    }
    if (a != ACTION_NONE)
        ds->notice[0] = '\0';
    if (smart_open(ds))
        return smart_action(ds, a);
    switch (a) {
    case ACTION_ENTER: {
        const struct pbs_disk *pd = pbs_selected(ds);
        char name[64];

        if (!pd)
            return REACT_NONE;
        str_copy(name, sizeof(name), pd->name);
        ds->smart_scroll = 0;
        if (app_pbs_smart_open(ds->app, name, &err) < 0 && !smart_open(ds)) {
            str_copy(ds->notice, sizeof(ds->notice), err.msg);
            str_sanitize(ds->notice);
        }
        return REACT_HANDLED;
    }
    case ACTION_MOVE_UP:
        if (ds->sel > 0) {
            ds->sel--;
            ds->scroll = 0;
        }
        return REACT_HANDLED;
    case ACTION_MOVE_DOWN:
        if (ds->sel + 1 < n) {
            ds->sel++;
            ds->scroll = 0;
        }
        return REACT_HANDLED;
    case ACTION_MOVE_FIRST:
        ds->sel = 0;
        ds->scroll = 0;
        return REACT_HANDLED;
    case ACTION_MOVE_LAST:
        ds->sel = n ? n - 1 : 0;
        ds->scroll = 0;
        return REACT_HANDLED;
    case ACTION_PAGE_DOWN:
        ds->scroll += page;
        return REACT_HANDLED;
    case ACTION_PAGE_UP:
        ds->scroll = ds->scroll > page ? ds->scroll - page : 0;
        return REACT_HANDLED;
    case ACTION_REFRESH:
        app_refresh_disks(ds->app, true);
        return REACT_HANDLED | REACT_REFRESH_DATA;
    case ACTION_SELFTEST:
        if (!dv)
            return REACT_HANDLED;
        if (dv->cfg->source) {
            snprintf(ds->notice, sizeof(ds->notice),
                     "%s shows a saved capture (source =): there is no drive to test",
                     dv->cfg->name);
            str_sanitize(ds->notice);
        } else if (dv->selftest == DISK_SELFTEST_STARTING ||
                   dv->selftest == DISK_SELFTEST_RUNNING) {
            snprintf(ds->notice, sizeof(ds->notice), "a self-test of %s is already running",
                     dv->cfg->name);
            str_sanitize(ds->notice);
        } else {
            ds->confirm = true;
        }
        return REACT_HANDLED;
    default:
        return REACT_NONE;
    }
}

static void *disks_create(struct app *app)
{
    struct disks *ds = xcalloc(1, sizeof(*ds));

    ds->app = app;
    ds->page = 1;
    return ds;
}

static void disks_destroy(void *st)
{
    free(st);
}

const struct screen_ops scr_disks_ops = {
    .name = "disks",
    .title = "Disks",
    .number = 4,
    .create = disks_create,
    .destroy = disks_destroy,
    .draw = disks_draw,
    .on_action = disks_action,
};

/* ---- the Overview's line ---- */

void disks_draw_health_line(const struct app *app, int y, int x, int w,
                            const struct screen_ctx *ctx)
{
    const struct disk_view *main = app_main_disk(app);
    char buf[256], v[48], t[32], wear[32], fill[48];
    int cx = x, end = x + w;
    size_t i;
    struct disk_view *dv;
    enum theme_el el;

    (void)ctx;
    if (!main)
        return;
    cx += draw_text(y, cx, end - cx, theme_attr(EL_LABEL), "disk ");
    snprintf(buf, sizeof(buf), "%s ", main->cfg->name);
    str_sanitize(buf);
    cx += draw_text(y, cx, end - cx, theme_attr(EL_PANEL_TITLE), buf);
    el = verdict_text(main, v, sizeof(v));
    cx += draw_text(y, cx, end - cx, theme_attr(el), v);
    fmt_temp(main, t, sizeof(t));
    fmt_wear(main, wear, sizeof(wear));
    snprintf(buf, sizeof(buf), " %s %s %s %s worn", glyph(G_SEP), t, glyph(G_SEP), wear);
    cx += draw_text(y, cx, end - cx, theme_attr(EL_NORMAL), buf);
    if (main->cfg->mount) {
        cx += draw_text(y, cx, end - cx, theme_attr(EL_NORMAL), " ");
        cx += draw_text(y, cx, end - cx, theme_attr(EL_NORMAL), glyph(G_SEP));
        cx += draw_text(y, cx, end - cx, theme_attr(EL_NORMAL), " fill ");
        el = fmt_fill(main, fill, sizeof(fill));
        cx += draw_text(y, cx, end - cx, theme_attr(el), fill);
        if (main->mount_present && main->fill_est.known &&
            main->fill_est.full_at - clock_now() <= 30 * 86400 && cx + 17 <= end - 10) {
            char when[40];

            clock_fmt_local(main->fill_est.full_at, when, sizeof(when));
            snprintf(fill, sizeof(fill), " full ~%.10s", when);
            cx += draw_text(y, cx, end - cx,
                            theme_attr(main->fill_est.full_at - clock_now() <= 7 * 86400
                                           ? EL_STATUS_CRIT
                                           : EL_STATUS_WARN),
                            fill);
        }
    }
    vec_foreach(&app->disks, i, dv) {
        int need;

        if (dv == main)
            continue;
        el = verdict_text(dv, v, sizeof(v));
        snprintf(buf, sizeof(buf), "   %s ", dv->cfg->name);
        str_sanitize(buf);
        need = draw_width(buf) + draw_width(v);
        if (cx + need > end - 8)
            break;
        cx += draw_text(y, cx, end - cx, theme_attr(EL_NORMAL), buf);
        cx += draw_text(y, cx, end - cx, theme_attr(el), v);
    }
    if (cx + 10 <= end)
        draw_text(y, end - 9, 9, theme_attr(EL_DIM), "4: Disks");
}
