/* One PBS disk's SMART as PBS reports it, over the Disks screen (pbs_smart_panel.h). */
#include "tui/pbs_smart_panel.h"

#include <stdio.h>
#include <string.h>

#include "backend/app_proxmox.h"
#include "backend/base/str.h"
#include "backend/config.h"
#include "backend/pbs_smart.h"
#include "tui/glyph.h"
#include "tui/theme.h"

#define RAW_MIN 8

static void fmt_num(bool has, double v, char *out, size_t n)
{
    if (!has)
        snprintf(out, n, "-");
    else if (v == (double)(long long)v)
        snprintf(out, n, "%lld", (long long)v);
    else
        snprintf(out, n, "%.1f", v);
}

/* The status line: the verdict, life left, what the table holds. */
static enum theme_el status_line(const struct pbs_smart *s, char *out, size_t n)
{
    int lv = pbs_smart_level(s);
    size_t failing = pbs_smart_failing(s);
    char life[32] = "";

    if (s->wearout >= 0)
        snprintf(life, sizeof(life), "  %d%% life left", s->wearout);
    if (failing)
        snprintf(out, n, "%s %s%s  %zu attribute%s failing (at/below threshold)", glyph(G_CRIT),
                 s->status, life, failing, failing == 1 ? "" : "s");
    else
        snprintf(out, n, "%s %s%s  %zu attribute%s",
                 glyph(lv == 0   ? G_OK
                       : lv == 2 ? G_CRIT
                                 : G_UNKNOWN),
                 s->status, life, s->attrs.len, s->attrs.len == 1 ? "" : "s");
    str_sanitize(out);
    return lv == 0 ? EL_STATUS_OK : lv == 2 ? EL_STATUS_CRIT : EL_STATUS_UNKNOWN;
}

static void draw_head(const struct pbs_smart *s, int y, int x, int w, int raw_w)
{
    char buf[400];

    if (s->ata)
        snprintf(buf, sizeof(buf), "%3s %-24s %5s %5s %6s  %-*s %s", "id", "attribute", "value",
                 "worst", "thresh", raw_w, "raw", "flags");
    else
        snprintf(buf, sizeof(buf), "%-34s %s", "health log", "value");
    draw_text(y, x, w, theme_attr(EL_COLUMN_HEADER), buf);
}

static void draw_attr(const struct pbs_smart_attr *a, bool ata, int y, int x, int w, int raw_w)
{
    char buf[600], id[24], nv[32], wv[32], tv[32];

    if (ata) {
        if (a->id >= 0)
            snprintf(id, sizeof(id), "%lld", a->id);
        else
            snprintf(id, sizeof(id), "-");
        fmt_num(a->has_normalized, a->normalized, nv, sizeof(nv));
        fmt_num(a->has_worst, a->worst, wv, sizeof(wv));
        fmt_num(a->has_threshold, a->threshold, tv, sizeof(tv));
        snprintf(buf, sizeof(buf), "%3s %-24.24s %5s %5s %6s  %-*.*s %s%s%s", id, a->name, nv, wv,
                 tv, raw_w, raw_w, a->raw, a->flags ? a->flags : "", a->failing ? " " : "",
                 a->failing ? glyph(G_CRIT) : "");
    } else {
        snprintf(buf, sizeof(buf), "%-34s %s", a->name, a->raw);
    }
    str_sanitize(buf);
    draw_text(y, x, w, theme_attr(a->failing ? EL_STATUS_CRIT : EL_NORMAL), buf);
}

struct wrap_at {
    int y, x, w, end;
};

static void error_line(const char *start, size_t len, void *arg)
{
    struct wrap_at *at = arg;
    char line[400];

    if (at->y >= at->end)
        return;
    snprintf(line, sizeof(line), "%.*s", (int)len, start);
    draw_text(at->y++, at->x, at->w, theme_attr(EL_STATUS_CRIT), line);
}

int pbs_smart_panel_draw(const struct app *app, struct rect r, const struct screen_ctx *ctx,
                         int *scroll)
{
    const struct pbs_smart_view *v = &app->pmx->smart;
    const struct pbs_smart *s = v->smart;
    char title[256], buf[700];
    int y = r.y + 1, x = r.x + 2, w = r.w - 4, body, n, raw_w;
    enum theme_el el;

    snprintf(title, sizeof(title), "PBS %s %s %s %s SMART as PBS reports it",
             app->pmx->pbs ? app->pmx->pbs->name : "?", glyph(G_SEP), v->disk, glyph(G_SEP));
    str_sanitize(title);
    draw_clear(r, theme_attr(EL_NORMAL));
    draw_box(r, theme_attr(EL_BORDER), title, theme_attr(EL_PANEL_TITLE));
    snprintf(buf, sizeof(buf), " %s Esc back ", glyph(G_SEP));
    if (v->loading) {
        snprintf(buf, sizeof(buf), "reading %s %llds  (GET /nodes/localhost/disks/smart)",
                 glyph(G_SPIN), (long long)((ctx->now_ms - v->started_ms) / 1000));
        draw_text(y, x, w, theme_attr(EL_SPINNER), buf);
        draw_text(r.y + r.h - 1, r.x + r.w - 12, 10, theme_attr(EL_BORDER), " Esc back ");
        return 1;
    }
    if (!s) {
        struct wrap_at at = { y, x, w, r.y + r.h - 1 };

        draw_wrap(v->error[0] ? v->error : "not read", w, error_line, &at);
        draw_text(r.y + r.h - 1, r.x + r.w - 12, 10, theme_attr(EL_BORDER), " Esc back ");
        return 1;
    }
    el = status_line(s, buf, sizeof(buf));
    draw_text(y++, x, w, theme_attr(el), buf);
    if (!strcmp(s->status, "unknown") && y < r.y + r.h - 1)
        draw_text(y++, x, w, theme_attr(EL_DIM),
                  "PBS cannot read SMART here (USB bridge?): our [disk] with type = sat can");
    if (!s->attrs.len) {
        if (y < r.y + r.h - 1)
            draw_text(y, x, w, theme_attr(EL_DIM), "PBS reports no attributes");
        draw_text(r.y + r.h - 1, r.x + r.w - 12, 10, theme_attr(EL_BORDER), " Esc back ");
        return 1;
    }
    /* id 3, name 24, value/worst/thresh, raw, flags 6 and the mark: raw takes the rest */
    raw_w = w - (3 + 1 + 24 + 1 + 5 + 1 + 5 + 1 + 6 + 2 + 1 + 6 + 2);
    if (raw_w < RAW_MIN)
        raw_w = RAW_MIN;
    if (raw_w > 40)
        raw_w = 40;
    if (y < r.y + r.h - 1)
        draw_head(s, y++, x, w, raw_w);
    body = r.y + r.h - 1 - y;
    if (body < 1)
        body = 1;
    n = (int)s->attrs.len;
    if (*scroll > n - body)
        *scroll = n - body > 0 ? n - body : 0;
    if (*scroll < 0)
        *scroll = 0;
    for (int i = 0; i < body && *scroll + i < n; i++)
        draw_attr(s->attrs.items[*scroll + i], s->ata, y + i, x, w, raw_w);
    snprintf(buf, sizeof(buf), " %d-%d of %d %s j/k PgDn %s Esc back ", *scroll + 1,
             *scroll + body < n ? *scroll + body : n, n, glyph(G_SEP), glyph(G_SEP));
    draw_text(r.y + r.h - 1, r.x + r.w - 2 - draw_width(buf), draw_width(buf),
              theme_attr(EL_BORDER), buf);
    return body;
}
