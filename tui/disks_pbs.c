/* The PBS host's disks on the Disks screen (disks_pbs.h). */
#include "tui/disks_pbs.h"

#include <stdio.h>
#include <string.h>

#include "backend/app_proxmox.h"
#include "backend/base/str.h"
#include "backend/config.h"
#include "backend/pmx_recent.h"
#include "backend/smart.h"
#include "backend/smart_history.h"
#include "tui/glyph.h"
#include "tui/layout.h"
#include "tui/theme.h"

#define NOTE_LINES 4 /* wrapped lines of one disk's note at most */

enum pcol {
    PC_NAME,
    PC_STATUS,
    PC_LIFE,
    PC_MODEL,
    PC_SERIAL,
    PC_OURS,
    PC_SIZE,
    PC_TYPE,
    PC_USED,
    PC_COUNT
};

static const struct col_spec pbs_cols[PC_COUNT] = {
    [PC_NAME] = { "disk", 7, 9, 0, false },      [PC_STATUS] = { "SMART", 9, 9, 0, false },
    [PC_LIFE] = { "life", 4, 5, 1, true },       [PC_MODEL] = { "model", 8, 26, 2, false },
    [PC_SERIAL] = { "serial", 9, 18, 3, false }, [PC_OURS] = { "our [disk]", 10, 14, 1, false },
    [PC_SIZE] = { "size", 8, 9, 4, true },       [PC_TYPE] = { "type", 4, 4, 5, false },
    [PC_USED] = { "used", 6, 11, 6, false },
};

/* The configured [disk] whose own reading has this serial (borrowed), NULL. */
static const struct disk_view *ours(const struct app *app, const struct pbs_disk *d)
{
    size_t i;
    const struct disk_view *dv;

    vec_foreach(&app->disks, i, dv) {
        const struct smart_data *sd = dv->reading ? dv->reading->data : NULL;

        if (sd && pbs_disk_serial_match(d->serial, sd->serial))
            return dv;
    }
    return NULL;
}

static void cell(const struct app *app, const struct pbs_disk *d, enum pcol c, char *out, size_t n,
                 enum theme_el *el)
{
    const struct disk_view *dv;

    *el = EL_NORMAL;
    out[0] = '\0';
    switch (c) {
    case PC_NAME:
        snprintf(out, n, "%s", d->name);
        break;
    case PC_STATUS: {
        int lv = pbs_disk_level(d);

        snprintf(out, n, "%s %s", glyph(lv == 0 ? G_OK : lv == 2 ? G_CRIT : G_UNKNOWN), d->status);
        *el = lv == 0 ? EL_STATUS_OK : lv == 2 ? EL_STATUS_CRIT : EL_STATUS_UNKNOWN;
        break;
    }
    case PC_LIFE:
        if (d->wearout >= 0)
            snprintf(out, n, "%d%%", d->wearout);
        else {
            snprintf(out, n, "%s", glyph(G_UNKNOWN));
            *el = EL_DIM;
        }
        break;
    case PC_MODEL:
        snprintf(out, n, "%s%s%s", d->vendor ? d->vendor : "", d->vendor ? " " : "",
                 d->model ? d->model : "");
        break;
    case PC_SERIAL:
        snprintf(out, n, "%s", d->serial ? d->serial : "");
        *el = EL_DIM;
        break;
    case PC_OURS:
        dv = ours(app, d);
        if (dv) {
            snprintf(out, n, "= %s", dv->cfg->name);
        } else {
            snprintf(out, n, "%s", glyph(G_NA));
            *el = EL_DIM;
        }
        break;
    case PC_SIZE:
        str_fmt_bytes(d->size, out, n);
        break;
    case PC_TYPE:
        snprintf(out, n, "%s", d->disk_type ? d->disk_type : "");
        *el = EL_DIM;
        break;
    case PC_USED:
        snprintf(out, n, "%s", d->used ? d->used : "");
        *el = EL_DIM;
        break;
    case PC_COUNT:
        break;
    }
    str_sanitize(out);
}

struct wrapped {
    char lines[NOTE_LINES][200];
    int n;
};

static void wrap_sink(const char *start, size_t len, void *arg)
{
    struct wrapped *w = arg;

    if (w->n >= NOTE_LINES)
        return;
    snprintf(w->lines[w->n++], sizeof(w->lines[0]), "%.*s", (int)len, start);
}

static void note_of(const struct pbs_disk *d, int w, struct wrapped *out)
{
    char text[400];

    out->n = 0;
    if (!*pbs_disk_note(d))
        return;
    snprintf(text, sizeof(text), "%s: %s", d->name, pbs_disk_note(d));
    str_sanitize(text);
    draw_wrap(text, w > 20 ? w : 20, wrap_sink, out);
}

int disks_pbs_height(const struct app *app, int w)
{
    const struct app_pmx *p = app->pmx;
    int h = 3;
    size_t i;
    const struct pbs_disk *d;

    if (!p || !p->pbs)
        return 0;
    if (!p->pbs_disks.len)
        return 3;
    h += (int)p->pbs_disks.len;
    if (p->pbs_disks_error[0])
        h++;
    vec_foreach(&p->pbs_disks, i, d) {
        struct wrapped wr;

        note_of(d, w - 4, &wr);
        h += wr.n;
    }
    return h;
}

void disks_pbs_draw(const struct app *app, struct rect r, const struct screen_ctx *ctx, long sel)
{
    const struct app_pmx *p = app->pmx;
    int w[PC_COUNT], x, y = r.y + 1, end = r.y + r.h - 1;
    char title[200], buf[320];
    size_t i;
    const struct pbs_disk *d;

    if (!p || !p->pbs || r.h < 3)
        return;
    /* with the cursor on a row, its key is said where the row is */
    snprintf(title, sizeof(title), "PBS %s disks %s as PBS reports them%s%s%s%s", p->pbs->name,
             glyph(G_SEP), p->pbs_disks_from_cache ? " (cached)" : "", sel >= 0 ? " " : "",
             sel >= 0 ? glyph(G_SEP) : "", sel >= 0 ? " Enter: SMART" : "");
    str_sanitize(title);
    draw_box(r, theme_attr(EL_BORDER), title, theme_attr(EL_PANEL_TITLE));
    if (p->pbs_src.refreshing) {
        snprintf(buf, sizeof(buf), " reading %s %llds ", glyph(G_SPIN),
                 (long long)((ctx->now_ms - p->pbs_src.refresh_started_ms) / 1000));
        draw_text(r.y, r.x + r.w - 2 - draw_width(buf), draw_width(buf), theme_attr(EL_SPINNER),
                  buf);
    }
    if (p->pbs_disks_error[0] && y < end) {
        snprintf(buf, sizeof(buf), "not read: %s", p->pbs_disks_error);
        str_sanitize(buf);
        draw_text(y++, r.x + 2, r.w - 4, theme_attr(EL_STATUS_WARN), buf);
    }
    if (!p->pbs_disks.len) {
        if (y < end)
            draw_text(y, r.x + 2, r.w - 4, theme_attr(EL_DIM),
                      p->pbs_disks_known ? "PBS lists no disk" : "reading the disk list...");
        return;
    }
    layout_columns(pbs_cols, PC_COUNT, r.w - 4, 2, w);
    x = r.x + 2;
    for (int c = 0; c < PC_COUNT && y < end; c++) {
        if (!w[c])
            continue;
        draw_field(y, x, w[c], theme_attr(EL_COLUMN_HEADER), pbs_cols[c].title,
                   pbs_cols[c].right ? ALIGN_RIGHT : ALIGN_LEFT);
        x += w[c] + 2;
    }
    y++;
    vec_foreach(&p->pbs_disks, i, d) {
        struct wrapped wr;
        bool selected = sel >= 0 && (size_t)sel == i;

        if (y >= end)
            break;
        if (selected)
            draw_fill(y, r.x + 1, r.w - 2, theme_attr(EL_SELECTION));
        x = r.x + 2;
        for (int c = 0; c < PC_COUNT; c++) {
            enum theme_el el;

            if (!w[c])
                continue;
            cell(app, d, (enum pcol)c, buf, sizeof(buf), &el);
            draw_field(y, x, w[c], theme_attr(selected ? EL_SELECTION : el), buf,
                       pbs_cols[c].right ? ALIGN_RIGHT : ALIGN_LEFT);
            x += w[c] + 2;
        }
        y++;
        note_of(d, r.w - 6, &wr);
        for (int k = 0; k < wr.n && y < end; k++)
            draw_text(y++, r.x + 4, r.w - 6,
                      theme_attr(pbs_disk_level(d) == 2 ? EL_STATUS_CRIT : EL_DIM), wr.lines[k]);
    }
}
