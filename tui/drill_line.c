/*
 * "drills  rollback ✓ 3d ago · pbs ⚠ overdue 4d · cloud ⚠ never": one line
 * on the Overview that says whether the copies were restored lately, per
 * kind of drill the config allows (backend/rules.c decides which apply and
 * reads the store; backend/drills.c gives each kind's cadence).
 */
#include <stdio.h>
#include <string.h>

#include "backend/app.h"
#include "backend/base/str.h"
#include "backend/drills.h"
#include "tui/draw.h"
#include "tui/drill_line.h"
#include "tui/glyph.h"
#include "tui/screen.h"
#include "tui/theme.h"

void drill_line_update(struct drill_line *dl, const struct app *app, time_t now)
{
    struct lb_err err = { 0 };

    if (dl->read_at && now >= dl->read_at && now - dl->read_at < DRILL_LINE_REFRESH)
        return;
    dl->read_at = now;
    dl->ok = app->store && app->cfg &&
             rules_chores_load(app->store, app->cfg, &dl->chores, &err) == 0;
    if (!dl->ok)
        memset(&dl->chores, 0, sizeof(dl->chores));
}

static bool kind_overdue(const struct drill_line *dl, int k, time_t now)
{
    time_t ok = dl->chores.drill_ok[k];

    return !ok || now - ok > drill_cadence(rules_drill_kind(k));
}

int drill_line_overdue(const struct drill_line *dl, time_t now)
{
    int n = 0;

    for (int k = 0; k < RULES_DRILL_KINDS; k++)
        n += dl->chores.drill_applies[k] && kind_overdue(dl, k, now);
    return n;
}

bool drill_line_applies(const struct drill_line *dl)
{
    for (int k = 0; k < RULES_DRILL_KINDS; k++)
        if (dl->chores.drill_applies[k])
            return true;
    return false;
}

void drill_line_draw(const struct drill_line *dl, int y, int x, int w, const struct screen_ctx *ctx)
{
    int cx = x, end = x + w;
    bool first = true;

    if (!drill_line_applies(dl))
        return;
    cx += draw_text(y, cx, end - cx, theme_attr(EL_LABEL), "drills ");
    for (int k = 0; k < RULES_DRILL_KINDS && cx < end; k++) {
        const char *kind = rules_drill_kind(k);
        time_t ok = dl->chores.drill_ok[k];
        char buf[96], age[32];
        bool late;

        if (!dl->chores.drill_applies[k])
            continue;
        late = kind_overdue(dl, k, ctx->now);
        if (!first) {
            cx += draw_text(y, cx, end - cx, theme_attr(EL_NORMAL), " ");
            cx += draw_text(y, cx, end - cx, theme_attr(EL_NORMAL), glyph(G_SEP));
            cx += draw_text(y, cx, end - cx, theme_attr(EL_NORMAL), " ");
        }
        first = false;
        cx += draw_text(y, cx, end - cx, theme_attr(EL_PANEL_TITLE), kind);
        cx += draw_text(y, cx, end - cx, theme_attr(EL_NORMAL), " ");
        if (!ok)
            snprintf(buf, sizeof(buf), "%s never passed", glyph(G_WARN));
        else if (late)
            snprintf(buf, sizeof(buf), "%s overdue, passed %s ago", glyph(G_WARN),
                     str_fmt_age((int64_t)(ctx->now - ok), age, sizeof(age)));
        else
            snprintf(buf, sizeof(buf), "%s %s ago", glyph(G_OK),
                     str_fmt_age((int64_t)(ctx->now - ok), age, sizeof(age)));
        cx += draw_text(y, cx, end - cx, theme_attr(late ? EL_STATUS_WARN : EL_STATUS_OK), buf);
    }
}
