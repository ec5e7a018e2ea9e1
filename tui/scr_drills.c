/*
 * Screen 7, Drills & chores: when each kind of restore drill last passed
 * against its cadence and [targets], the record of past drills, and the
 * cloud restore drill wizard (restore point -> scope -> summary -> restore
 * with progress -> result), driven by backend/drills.c through the loop.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/app.h"
#include "backend/base/clock.h"
#include "backend/base/str.h"
#include "backend/base/xalloc.h"
#include "backend/config.h"
#include "backend/drills.h"
#include "backend/keys.h"
#include "backend/restic.h"
#include "backend/restore.h"
#include "backend/store.h"
#include "tui/chores.h"
#include "tui/glyph.h"
#include "tui/layout.h"
#include "tui/restore_guest_wizard.h"
#include "tui/restore_wizard.h"
#include "tui/screen.h"
#include "tui/theme.h"
#include "tui/wizard.h"

#define MAX_SNAPS 8

enum wstep { WS_POINT = 1, WS_SCOPE, WS_SUMMARY, WS_RESTORE, WS_RESULT, WS_NSTEPS = WS_RESULT };

struct drills_st {
    struct app *app;
    struct vec list; /* struct store_drill *, newest first */
    int sel;
    char load_error[256];

    bool wiz;
    struct wizard wz;
    const struct repo_cfg *repo;
    char snaps[MAX_SNAPS + 1][65]; /* [0] "latest" */
    char cache_error[256];
    time_t snap_times[MAX_SNAPS + 1];
    int nsnaps;
    struct vec paths; /* char *: paths of the chosen restore point (cached) */
    int snap_sel, scope_sel;
    struct drill *drill;
    bool counted_busy;
    bool ask_cancel;
    int spin;
    struct chores *ch;  /* rollback/PBS drills, checklists, key rotation (tui/chores.c) */
    char chore[2][200]; /* the checklist and key rotation lines of the cadence panel */
    enum theme_el chore_el[2];
    struct rg_wizard *rgw;     /* "Restore a guest from PBS" (tui/restore_guest_wizard.c) */
    struct restore_wizard *rf; /* restore files (tui/restore_wizard.c) */
};

/* The monthly checklist's last run and the secrets due, for the cadence panel. */
static void load_chores(struct drills_st *ds)
{
    struct vec runs = VEC_INIT(store_checklist_run_free), secrets = VEC_INIT(free);
    struct lb_err err = { 0 };
    time_t now = clock_now();
    char b[32];
    int due = 0;

    ds->chore_el[0] = ds->chore_el[1] = EL_DIM;
    snprintf(ds->chore[0], sizeof(ds->chore[0]), "no monthly checklist recorded: c runs it");
    ds->chore[1][0] = '\0';
    if (!ds->app->cfg)
        return;
    if (ds->app->store && store_checklist_runs(ds->app->store, "monthly", 0, 1, &runs, &err) == 0 &&
        runs.len) {
        const struct store_checklist_run *r = runs.items[0];
        bool old = now - r->started > 31 * 86400;

        snprintf(ds->chore[0], sizeof(ds->chore[0]), "monthly checklist %s %s ago%s", r->outcome,
                 str_fmt_age(now - r->started, b, sizeof(b)), old ? ": due, c runs it" : "");
        ds->chore_el[0] = old || strcmp(r->outcome, "complete") ? EL_STATUS_WARN : EL_STATUS_OK;
    } else {
        ds->chore_el[0] = EL_STATUS_WARN;
    }
    keys_status(ds->app->cfg, ds->app->store, now, &secrets);
    for (size_t i = 0; i < secrets.len; i++)
        due += ((const struct keys_secret *)secrets.items[i])->overdue;
    snprintf(ds->chore[1], sizeof(ds->chore[1]), "secrets: %zu, %d due for rotation%s", secrets.len,
             due, due ? ": K rotates a repo key" : "");
    ds->chore_el[1] = due ? EL_STATUS_WARN : EL_STATUS_OK;
    vec_release(&runs);
    vec_release(&secrets);
}

static void load_list(struct drills_st *ds)
{
    struct lb_err err = { 0 };
    int n;

    vec_clear(&ds->list);
    ds->load_error[0] = '\0';
    if (!ds->app->store) {
        str_copy(ds->load_error, sizeof(ds->load_error), "no state database: nothing recorded");
        return;
    }
    if (ds->app->cfg) {
        drills_recover(ds->app->cfg, ds->app->store, &n, &err);
        restore_recover(ds->app->cfg, ds->app->store, &n, &err);
    }
    if (store_drills_recent(ds->app->store, NULL, 100, &ds->list, &err) < 0)
        str_copy(ds->load_error, sizeof(ds->load_error), err.msg);
    if (ds->sel >= (int)ds->list.len)
        ds->sel = ds->list.len ? (int)ds->list.len - 1 : 0;
    load_chores(ds);
}

static void *drills_create(struct app *app)
{
    struct drills_st *ds = xcalloc(1, sizeof(*ds));

    ds->app = app;
    vec_init(&ds->list, free);
    vec_init(&ds->paths, free);
    ds->wz.nsteps = WS_NSTEPS;
    str_copy(ds->wz.title, sizeof(ds->wz.title), "Cloud restore drill");
    ds->ch = chores_new(app);
    ds->rgw = rg_wizard_new(app);
    ds->rf = restore_wizard_new(app);
    load_list(ds);
    return ds;
}

static void busy(struct drills_st *ds, bool on)
{
    if (on && !ds->counted_busy) {
        ds->app->busy++;
        ds->counted_busy = true;
    } else if (!on && ds->counted_busy) {
        ds->app->busy--;
        ds->counted_busy = false;
    }
}

static void close_drill(struct drills_st *ds)
{
    drill_free(ds->drill);
    ds->drill = NULL;
    busy(ds, false);
}

static void drills_destroy(void *st)
{
    struct drills_st *ds = st;

    drill_free_sync(ds->drill); /* the console ends: wait for restic, remove scratch, record */
    ds->drill = NULL;
    close_drill(ds);
    chores_free(ds->ch);
    rg_wizard_free(ds->rgw);
    restore_wizard_free(ds->rf);
    vec_release(&ds->list);
    vec_release(&ds->paths);
    free(ds);
}

/* ---- the wizard ---- */

static const struct repo_cfg *offsite_repo(const struct app *app, const struct repo_view **view)
{
    size_t i;
    struct repo_view *rv;

    vec_foreach(&app->repos, i, rv) {
        if (rv->cfg->tier == TIER_OFFSITE) {
            *view = rv;
            return rv->cfg;
        }
    }
    return NULL;
}

static void fmt_target(char *out, size_t n, int64_t secs)
{
    char b[32];

    snprintf(out, n, "%s", str_fmt_duration(secs, b, sizeof(b)));
}

static void step_point(struct drills_st *ds, time_t now)
{
    struct wizard *w = &ds->wz;
    char age[32], t[32], tg[32];
    int64_t rpo = ds->app->cfg ? config_repo_rpo(ds->app->cfg, ds->repo) : 0;

    wizard_step(w, WS_POINT, "Which restore point?");
    wizard_row(w, "Repository", EL_NORMAL, "%s  (off-site)", ds->repo->name);
    fmt_target(tg, sizeof(tg), rpo);
    for (int i = 0; i < ds->nsnaps; i++) {
        if (i == 0) {
            wizard_choice(w, "the newest snapshot (asked from the repo when the drill starts)");
            continue;
        }
        clock_fmt_local(ds->snap_times[i], t, sizeof(t));
        t[16] = '\0';
        wizard_choice(w, "%.8s   %s   %s old%s", ds->snaps[i], t,
                      str_fmt_age(now - ds->snap_times[i], age, sizeof(age)),
                      now - ds->snap_times[i] > rpo ? "  (older than the RPO target)" : "");
    }
    w->sel = ds->snap_sel;
    wizard_note(w, EL_DIM,
                "A drill restores into [drill] scratch only, never over the original data, and "
                "removes its copy at the end. RPO target for this repo: %s.",
                tg);
    if (ds->nsnaps == 1)
        wizard_note(w, EL_DIM,
                    "No snapshot list cached yet (%s): the newest one is read at the start.",
                    ds->cache_error[0] ? ds->cache_error : "none read");
}

static void step_scope(struct drills_st *ds)
{
    struct wizard *w = &ds->wz;
    size_t i;
    const char *p;

    wizard_step(w, WS_SCOPE, "Restore everything, or a sample?");
    wizard_choice(w, "everything in the snapshot (the real DR case)");
    vec_foreach(&ds->paths, i, p)
        wizard_choice(w, "only %s", p);
    w->sel = ds->scope_sel < w->nchoices ? ds->scope_sel : 0;
    wizard_note(w, EL_DIM,
                "A sample restores less (less egress) and extrapolates the full-restore time "
                "from the throughput it measures; the record marks it as an estimate.");
}

static void on_drill(struct drill *d, void *arg);

static void show_summary(struct drills_st *ds, time_t now)
{
    struct wizard *w = &ds->wz;
    const struct drill_view *v = drill_view(ds->drill);
    char b1[32], b2[32], t[32], tg[32];
    int rpo_ok;

    (void)now;
    wizard_step(w, WS_SUMMARY, "Summary: nothing has been restored yet");
    clock_fmt_local(v->rec.snapshot_time, t, sizeof(t));
    t[16] = '\0';
    rpo_ok = drill_rpo_within(&v->rec);
    fmt_target(tg, sizeof(tg), v->rec.rpo_target);
    wizard_row(w, "Restore point", rpo_ok == 0 ? EL_STATUS_WARN : EL_NORMAL,
               "%.8s   %s   (RPO now %s, target %s %s)", v->rec.snapshot_id, t,
               str_fmt_duration(v->rec.rpo_seconds, b1, sizeof(b1)), tg,
               rpo_ok == 0 ? glyph(G_WARN) : glyph(G_OK));
    wizard_row(w, "Scope", EL_NORMAL, "%s  (%s, %llu files)", v->rec.scope,
               str_fmt_bytes(v->scope_bytes, b1, sizeof(b1)), (unsigned long long)v->scope_files);
    wizard_row(w, "Target", EL_NORMAL, "%s  (scratch, emptied after)", v->rec.target);
    if (v->free_bytes)
        wizard_row(w, "Free space", EL_STATUS_OK, "%s %s",
                   str_fmt_bytes(v->free_bytes, b1, sizeof(b1)), glyph(G_OK));
    fmt_target(tg, sizeof(tg), v->rec.rto_target);
    wizard_row(w, "RTO target", EL_NORMAL, "%s for a full restore of %s", tg,
               str_fmt_bytes(v->rec.full_bytes, b2, sizeof(b2)));
    if (strcmp(v->repo_url_kind, "local") != 0)
        wizard_note(w, EL_NORMAL,
                    "This downloads from the %s repo '%s': about %s of egress, with its password "
                    "read afresh from the configured source.",
                    v->repo_url_kind, v->rec.repo, str_fmt_bytes(v->scope_bytes, b1, sizeof(b1)));
    str_copy(w->next_label, sizeof(w->next_label), "Start drill");
}

static void show_progress(struct drills_st *ds)
{
    struct wizard *w = &ds->wz;
    const struct drill_view *v = drill_view(ds->drill);
    char b1[32], b2[32], b3[32], b4[32];

    if (w->step != WS_RESTORE) {
        wizard_step(w, WS_RESTORE, "Restoring into scratch");
        w->back_ok = false;
        w->next_ok = false;
        str_copy(w->next_label, sizeof(w->next_label), "Running");
        w->focus = WZB_CANCEL;
        w->progress = true;
    }
    w->nrows = w->nnotes = 0;
    w->busy = true;
    wizard_row(w, "Step", EL_NORMAL, "%s", v->step_text);
    wizard_row(w, "Target", EL_NORMAL, "%s", v->rec.target);
    w->frac = v->scope_bytes ? (double)v->bytes_done / (double)v->scope_bytes : -1;
    if (v->phase != DRILL_RESTORE)
        w->frac = v->phase >= DRILL_VERIFY ? 1.0 : -1;
    snprintf(w->progress_text, sizeof(w->progress_text), "%s of %s   %s/s   ETA %s",
             str_fmt_bytes(v->bytes_done, b1, sizeof(b1)),
             str_fmt_bytes(v->scope_bytes, b2, sizeof(b2)),
             str_fmt_bytes((uint64_t)v->rate, b3, sizeof(b3)),
             v->eta_s >= 0 ? str_fmt_duration(v->eta_s, b4, sizeof(b4)) : "?");
    w->cancel_ok = v->phase != DRILL_CLEANUP;
    if (v->phase == DRILL_CLEANUP)
        wizard_note(w, EL_DIM,
                    "Removing the scratch copy: the outcome is decided, and shown "
                    "when the copy is gone.");
    else if (ds->ask_cancel)
        wizard_note(w, EL_PROMPT,
                    "Cancel the drill? y: stop it and remove the scratch copy, n: go on");
    else
        wizard_note(w, EL_DIM,
                    "Cancel stops restic and removes the scratch copy; the record "
                    "says cancelled.");
}

static void show_result(struct drills_st *ds)
{
    struct wizard *w = &ds->wz;
    const struct store_drill *r = &drill_view(ds->drill)->rec;
    bool ok = !strcmp(r->outcome, "ok");
    char b1[32], b2[32], b3[32], tg[32];
    int within;

    wizard_step(w, WS_RESULT, ok ? "Drill passed" : "Drill did not pass");
    w->back_ok = false;
    w->cancel_ok = false;
    str_copy(w->next_label, sizeof(w->next_label), "Done");
    wizard_row(w, "Outcome", ok ? EL_STATUS_OK : EL_STATUS_CRIT, "%s %s",
               ok ? glyph(G_OK) : glyph(G_CRIT), r->outcome);
    if (r->rto_ms >= 0) {
        double s = (double)r->rto_ms / 1000.0;

        wizard_row(w, "Restored", EL_NORMAL, "%s in %llu files in %.1f s  (%s/s)",
                   str_fmt_bytes(r->bytes, b1, sizeof(b1)), (unsigned long long)r->files, s,
                   str_fmt_bytes(s > 0 ? (uint64_t)((double)r->bytes / s) : 0, b2, sizeof(b2)));
    }
    if (r->estimate_full_seconds >= 0) {
        within = drill_rto_within(r);
        fmt_target(tg, sizeof(tg), r->rto_target);
        wizard_row(w, "RTO", within == 0 ? EL_STATUS_CRIT : EL_STATUS_OK,
                   "%s%s for all %s (estimate)  target %s %s",
                   r->estimate_full_seconds < 1 ? "under " : "",
                   str_fmt_duration(r->estimate_full_seconds < 1 ? 1 : r->estimate_full_seconds, b1,
                                    sizeof(b1)),
                   str_fmt_bytes(r->full_bytes, b3, sizeof(b3)), tg,
                   within == 0 ? glyph(G_CRIT) : glyph(G_OK));
    }
    if (r->rpo_seconds >= 0) {
        within = drill_rpo_within(r);
        fmt_target(tg, sizeof(tg), r->rpo_target);
        wizard_row(w, "RPO", within == 0 ? EL_STATUS_WARN : EL_STATUS_OK,
                   "%s (age of %.8s)  target %s %s",
                   str_fmt_duration(r->rpo_seconds, b1, sizeof(b1)), r->snapshot_id, tg,
                   within == 0 ? glyph(G_WARN) : glyph(G_OK));
    }
    wizard_row(w, "Scratch", r->cleaned || !r->rto_ms ? EL_NORMAL : EL_STATUS_WARN, "%s",
               r->cleaned ? "removed" : "nothing left to remove");
    wizard_row(w, "Record", EL_DIM, "drill %lld  (lifeboat drills)", (long long)r->id);
    if (r->estimate_full_seconds >= 0 && strcmp(r->scope, "everything") != 0 &&
        r->bytes < (64u << 20))
        wizard_note(w, EL_DIM,
                    "The estimate comes from a small sample, where restic's start-up time weighs "
                    "most: restore a larger path (or everything) for a figure to plan with.");
    if (r->verify_note[0])
        wizard_note(w, r->verified == 1 ? EL_NORMAL : EL_STATUS_CRIT, "%s", r->verify_note);
    if (r->error[0])
        wizard_note(w, EL_STATUS_CRIT, "%s", r->error);
}

static void kick(struct drills_st *ds)
{
    if (ds->app->on_change)
        ds->app->on_change(ds->app, APP_CHANGED_BUSY, ds->app->on_change_arg);
}

static void on_drill(struct drill *d, void *arg)
{
    struct drills_st *ds = arg;
    const struct drill_view *v = drill_view(d);

    if (v->phase == DRILL_DONE) {
        busy(ds, false);
        ds->ask_cancel = false;
        show_result(ds);
        load_list(ds);
    } else if (v->phase == DRILL_READY && ds->wz.step == WS_SUMMARY) {
        busy(ds, false); /* nothing runs while the operator reads the summary */
        show_summary(ds, clock_now());
    } else if (v->phase >= DRILL_RESTORE) {
        show_progress(ds);
    }
    kick(ds);
}

/* The cached snapshots of the off-site repo (newest first) and the newest one's paths. */
static void load_cache(struct drills_st *ds)
{
    const struct repo_view *rv = NULL;
    struct restic_repo_info info;
    time_t fetched;
    struct lb_err err = { 0 };

    ds->repo = offsite_repo(ds->app, &rv);
    ds->nsnaps = 1;
    str_copy(ds->snaps[0], sizeof(ds->snaps[0]), "latest");
    vec_clear(&ds->paths);
    memset(&info, 0, sizeof(info));
    ds->cache_error[0] = '\0';
    if (ds->repo && ds->app->store &&
        store_get_repo_info(ds->app->store, rv->cache_key, &info, &fetched, &err) < 0)
        str_copy(ds->cache_error, sizeof(ds->cache_error), err.msg);
    else if (ds->repo && ds->app->store) {
        for (size_t i = info.snapshots.len; i > 0 && ds->nsnaps <= MAX_SNAPS; i--) {
            const struct restic_snapshot *s = info.snapshots.items[i - 1];

            str_copy(ds->snaps[ds->nsnaps], sizeof(ds->snaps[0]), s->id);
            ds->snap_times[ds->nsnaps++] = s->time;
            if (i == info.snapshots.len) {
                size_t k;
                const char *p;

                vec_foreach(&s->paths, k, p) {
                    char *c = xstrdup(p);

                    str_sanitize(c);
                    vec_push(&ds->paths, c);
                }
            }
        }
    }
    restic_repo_info_release(&info);
}

static void wiz_open(struct drills_st *ds, time_t now)
{
    load_cache(ds);
    ds->snap_sel = ds->scope_sel = 0;
    ds->wiz = true;
    step_point(ds, now);
}

static unsigned wiz_next(struct drills_st *ds, time_t now)
{
    struct wizard *w = &ds->wz;
    struct lb_err err = { 0 };

    switch (w->step) {
    case WS_POINT:
        if (ds->nsnaps == 1 || !ds->paths.len) {
            /* the repo was read since the wizard opened: offer what it holds now */
            char chosen[65];

            str_copy(chosen, sizeof(chosen), ds->snaps[w->sel < ds->nsnaps ? w->sel : 0]);
            load_cache(ds);
            w->sel = 0;
            for (int i = 0; i < ds->nsnaps; i++)
                if (!strcmp(ds->snaps[i], chosen))
                    w->sel = i;
        }
        ds->snap_sel = w->sel;
        step_scope(ds);
        break;
    case WS_SCOPE: {
        struct drill_cloud_opts o = { 0 };

        ds->scope_sel = w->sel;
        o.repo = ds->repo->name;
        o.snapshot = ds->snaps[ds->snap_sel];
        o.include = ds->scope_sel > 0 ? ds->paths.items[ds->scope_sel - 1] : NULL;
        wizard_step(w, WS_SUMMARY, "Reading the restore point");
        w->busy = true;
        w->next_ok = false;
        str_copy(w->next_label, sizeof(w->next_label), "Start drill");
        ds->drill =
            drill_cloud_new(ds->app->loop, ds->app->cfg, ds->app->store, &o, on_drill, ds, &err);
        if (!ds->drill || drill_inspect(ds->drill, &err) < 0) {
            w->busy = false;
            wizard_note(w, EL_STATUS_CRIT, "%s", err.msg);
            if (ds->drill && drill_done(ds->drill))
                show_result(ds);
            break;
        }
        busy(ds, true);
        wizard_note(w, EL_DIM,
                    "restic lists the snapshot's files with the repo's password (read afresh "
                    "from its source) and nothing is written yet.");
        break;
    }
    case WS_SUMMARY:
        if (drill_go(ds->drill, &err) < 0 && !drill_done(ds->drill)) {
            wizard_note(w, EL_STATUS_CRIT, "%s", err.msg);
            break;
        }
        if (!drill_done(ds->drill)) {
            busy(ds, true);
            show_progress(ds);
        }
        break;
    case WS_RESULT:
        close_drill(ds);
        ds->wiz = false;
        load_list(ds);
        break;
    default:
        break;
    }
    (void)now;
    return REACT_REDRAW;
}

static unsigned wiz_back(struct drills_st *ds, time_t now)
{
    struct wizard *w = &ds->wz;

    if (w->step == WS_SCOPE) {
        step_point(ds, now);
    } else if (w->step == WS_SUMMARY) {
        if (ds->drill) {
            drill_cancel(ds->drill);
            close_drill(ds);
        }
        step_scope(ds);
        load_list(ds);
    }
    return REACT_REDRAW;
}

static unsigned wiz_cancel(struct drills_st *ds)
{
    if (ds->drill && !drill_done(ds->drill) && drill_view(ds->drill)->phase == DRILL_CLEANUP)
        return REACT_NONE; /* the end is decided: the copy goes, then the result shows */
    if (ds->drill && !drill_done(ds->drill) && drill_view(ds->drill)->phase >= DRILL_RESTORE) {
        ds->ask_cancel = true;
        show_progress(ds);
        return REACT_REDRAW;
    }
    if (ds->drill) {
        drill_cancel(ds->drill);
        close_drill(ds);
    }
    ds->wiz = false;
    load_list(ds);
    return REACT_REDRAW;
}

static unsigned drills_key(void *st, int key, const struct screen_ctx *ctx)
{
    struct drills_st *ds = st;

    if (rg_wizard_active(ds->rgw)) {
        if (key == KEYF(KEY_RESIZE))
            return REACT_NONE;
        rg_wizard_key(ds->rgw, key);
        if (rg_wizard_take_finished(ds->rgw) || !rg_wizard_active(ds->rgw))
            load_list(ds);
        return REACT_HANDLED | REACT_REDRAW; /* the wizard owns the keyboard */
    }
    if (restore_wizard_active(ds->rf)) {
        if (key == KEYF(KEY_RESIZE))
            return REACT_NONE;
        restore_wizard_key(ds->rf, key);
        if (restore_wizard_take_finished(ds->rf))
            load_list(ds);
        return REACT_HANDLED | REACT_REDRAW; /* the wizard owns the keyboard */
    }
    if (chores_active(ds->ch)) {
        if (key == KEYF(KEY_RESIZE))
            return REACT_NONE;
        chores_key(ds->ch, key, ctx->now);
        if (chores_take_finished(ds->ch) || !chores_active(ds->ch))
            load_list(ds);
        return REACT_HANDLED | REACT_REDRAW; /* the wizard owns the keyboard */
    }
    if (!ds->wiz)
        return REACT_NONE;
    if (key == KEYF(KEY_RESIZE))
        return REACT_NONE;
    if (ds->ask_cancel) {
        ds->ask_cancel = false;
        if ((key == 'y' || key == 'Y') && ds->drill)
            drill_cancel(ds->drill);
        if (ds->drill && !drill_done(ds->drill))
            show_progress(ds);
        return REACT_HANDLED | REACT_REDRAW;
    }
    switch (wizard_key(&ds->wz, key)) {
    case WZ_NEXT:
        return wiz_next(ds, ctx->now) | REACT_HANDLED;
    case WZ_BACK:
        return wiz_back(ds, ctx->now) | REACT_HANDLED;
    case WZ_CANCEL:
        return wiz_cancel(ds) | REACT_HANDLED;
    default:
        return REACT_HANDLED | REACT_REDRAW; /* the wizard owns the keyboard */
    }
}

/* ---- the screen ---- */

static const char *const kinds[] = { "cloud", "rollback", "pbs" };

static void draw_cadence(struct drills_st *ds, struct rect r, time_t now)
{
    int y = r.y + 1, x = r.x + 2;
    char line[256], b1[32], b2[32], b3[32], t[32];
    static const struct col_spec cols[] = {
        { "drill", 10, 10, 0, false },        { "last passed", 12, 17, 1, false },
        { "RTO (target)", 16, 24, 2, false }, { "RPO (target)", 14, 20, 3, false },
        { "cadence", 8, 10, 5, false },       { "status", 12, 40, 0, false },
    };
    int w[6];

    draw_box(r, theme_attr(EL_BORDER), "restore drills", theme_attr(EL_PANEL_TITLE));
    layout_columns(cols, 6, r.w - 4, 2, w);
    {
        int cx = x;

        for (int c = 0; c < 6; c++)
            if (w[c]) {
                draw_field(y, cx, w[c], theme_attr(EL_COLUMN_HEADER), cols[c].title, ALIGN_LEFT);
                cx += w[c] + 2;
            }
    }
    for (int k = 0; k < 3 && y + 1 < r.y + r.h - 1; k++) {
        const struct store_drill *last = NULL, *d;
        size_t i;
        int64_t cad = drill_cadence(kinds[k]);
        const char *cells[6];
        enum theme_el el = EL_NORMAL;
        char status[80], rto[48], rpo[48];
        int cx = x;

        y++;
        vec_foreach(&ds->list, i, d) {
            if (!strcmp(d->kind, kinds[k]) && !strcmp(d->outcome, "ok")) {
                last = d;
                break;
            }
        }
        rto[0] = rpo[0] = '\0';
        if (last) {
            int64_t r2 = last->estimate_full_seconds >= 0 ? last->estimate_full_seconds
                                                          : last->rto_ms / 1000;

            snprintf(rto, sizeof(rto), "%s%s (%s) %s", last->estimate_full_seconds >= 0 ? "~" : "",
                     r2 < 1 ? "<1s" : str_fmt_duration(r2, b1, sizeof(b1)),
                     str_fmt_duration(last->rto_target, b2, sizeof(b2)),
                     drill_rto_within(last) == 0 ? glyph(G_CRIT) : glyph(G_OK));
            snprintf(rpo, sizeof(rpo), "%s (%s) %s",
                     str_fmt_duration(last->rpo_seconds, b1, sizeof(b1)),
                     str_fmt_duration(last->rpo_target, b3, sizeof(b3)),
                     drill_rpo_within(last) == 0 ? glyph(G_WARN) : glyph(G_OK));
        }
        if (!last) {
            snprintf(status, sizeof(status), "%s never passed: %s starts it", glyph(G_WARN),
                     k == 0   ? "s"
                     : k == 1 ? "R"
                              : "p");
            el = EL_STATUS_WARN;
        } else if (now - last->started > cad) {
            snprintf(status, sizeof(status), "%s overdue by %s", glyph(G_WARN),
                     str_fmt_age(now - last->started - cad, b1, sizeof(b1)));
            el = EL_STATUS_WARN;
        } else {
            snprintf(status, sizeof(status), "%s due in %s", glyph(G_OK),
                     str_fmt_age(cad - (now - last->started), b1, sizeof(b1)));
            el = EL_STATUS_OK;
        }
        if (last) {
            clock_fmt_local(last->started, t, sizeof(t));
            t[16] = '\0';
            str_fmt_age(now - last->started, b3, sizeof(b3));
            snprintf(line, sizeof(line), "%s ago", b3);
        }
        cells[0] = kinds[k];
        cells[1] = last ? line : "never";
        cells[2] = last ? rto : "";
        cells[3] = last ? rpo : "";
        cells[4] = k == 1 ? "weekly" : "monthly";
        cells[5] = status;
        for (int c = 0; c < 6; c++)
            if (w[c]) {
                draw_field(y, cx, w[c], theme_attr(c == 5 ? el : EL_NORMAL), cells[c], ALIGN_LEFT);
                cx += w[c] + 2;
            }
    }
    for (int k = 0; k < 2 && y + 1 < r.y + r.h - 1; k++)
        if (ds->chore[k][0])
            draw_field(++y, x, r.w - 4, theme_attr(ds->chore_el[k]), ds->chore[k], ALIGN_LEFT);
    if (y + 1 < r.y + r.h - 1)
        draw_field(++y, x, r.w - 4, theme_attr(EL_DIM),
                   "real restores: f files from a restic snapshot, P a guest from PBS", ALIGN_LEFT);
}

static void draw_history(struct drills_st *ds, struct rect r)
{
    int y = r.y + 1, x = r.x + 2, rows = r.h - 3, first = 0;
    static const struct col_spec cols[] = {
        { "started", 16, 16, 0, false }, { "kind", 8, 13, 1, false },
        { "outcome", 11, 11, 0, false }, { "point", 8, 8, 3, false },
        { "restored", 9, 10, 2, true },  { "RTO", 8, 10, 1, true },
        { "RPO", 8, 10, 4, true },       { "verified", 8, 9, 2, false },
    };
    int w[8];
    size_t i;
    const struct store_drill *d;

    draw_box(r, theme_attr(EL_BORDER), "drill record", theme_attr(EL_PANEL_TITLE));
    if (ds->load_error[0]) {
        draw_text(y, x, r.w - 4, theme_attr(EL_ERROR), ds->load_error);
        return;
    }
    if (!ds->list.len) {
        draw_text(y, x, r.w - 4, theme_attr(EL_DIM),
                  "No drill or restore recorded yet. s starts the cloud restore drill.");
        return;
    }
    layout_columns(cols, 8, r.w - 4, 2, w);
    {
        int cx = x;

        for (int c = 0; c < 8; c++)
            if (w[c]) {
                draw_field(y, cx, w[c], theme_attr(EL_COLUMN_HEADER), cols[c].title,
                           cols[c].right ? ALIGN_RIGHT : ALIGN_LEFT);
                cx += w[c] + 2;
            }
    }
    if (rows < 1)
        return;
    if (ds->sel >= rows - 1)
        first = ds->sel - (rows - 2);
    vec_foreach(&ds->list, i, d) {
        char t[32], b1[32], rto[32], rpo[32], pt[12];
        const char *cells[8];
        bool s = (int)i == ds->sel;
        enum theme_el oel = !strcmp(d->outcome, "ok")        ? EL_STATUS_OK
                            : !strcmp(d->outcome, "running") ? EL_SPINNER
                            : !strcmp(d->outcome, "failed")  ? EL_STATUS_CRIT
                                                             : EL_STATUS_WARN;
        int cx = x;

        if ((int)i < first)
            continue;
        if (++y >= r.y + r.h - 2)
            break;
        clock_fmt_local(d->started, t, sizeof(t));
        t[16] = '\0';
        snprintf(pt, sizeof(pt), "%.8s", d->snapshot_id[0] ? d->snapshot_id : "-");
        if (d->rto_ms >= 0)
            snprintf(rto, sizeof(rto), "%.1fs", (double)d->rto_ms / 1000.0);
        else
            str_copy(rto, sizeof(rto), "-");
        if (d->rpo_seconds >= 0)
            str_fmt_duration(d->rpo_seconds, rpo, sizeof(rpo));
        else
            str_copy(rpo, sizeof(rpo), "-");
        cells[0] = t;
        cells[1] = d->kind;
        cells[2] = d->outcome;
        cells[3] = pt;
        cells[4] = d->rto_ms >= 0 ? str_fmt_bytes(d->bytes, b1, sizeof(b1)) : "-";
        cells[5] = rto;
        cells[6] = rpo;
        cells[7] = d->verified == 1 ? "yes" : d->verified == 0 ? "NO" : "-";
        if (s)
            draw_fill(y, r.x + 1, r.w - 2, theme_attr(EL_SELECTION));
        for (int c = 0; c < 8; c++)
            if (w[c]) {
                enum theme_el el = s ? EL_SELECTION : c == 2 ? oel : EL_NORMAL;

                draw_field(y, cx, w[c], theme_attr(el), cells[c],
                           cols[c].right ? ALIGN_RIGHT : ALIGN_LEFT);
                cx += w[c] + 2;
            }
    }
    d = ds->list.items[ds->sel];
    if (d) {
        char line[1100];

        snprintf(line, sizeof(line), "%s%s%s", d->error[0] ? d->error : d->verify_note,
                 d->phases[0] ? "  |  " : "", d->phases);
        str_sanitize(line);
        draw_text(r.y + r.h - 2, x, r.w - 4, theme_attr(d->error[0] ? EL_STATUS_CRIT : EL_DIM),
                  line);
    }
}

static void drills_draw(void *st, struct rect area, const struct screen_ctx *ctx)
{
    struct drills_st *ds = st;
    int min[2] = { 6, 5 }, want[2] = { 9, -1 }, h[2];

    ds->spin++;
    if (chores_take_finished(ds->ch) | rg_wizard_take_finished(ds->rgw) |
        restore_wizard_take_finished(ds->rf))
        load_list(ds);
    if (rg_wizard_active(ds->rgw) || restore_wizard_active(ds->rf)) {
        int ww = area.w > 100 ? 100 : area.w, wh = area.h > 22 ? 22 : area.h;
        struct rect r = { area.y + (area.h - wh) / 2, area.x + (area.w - ww) / 2, wh, ww };

        if (rg_wizard_active(ds->rgw))
            rg_wizard_draw(ds->rgw, r, ds->spin);
        else
            restore_wizard_draw(ds->rf, r, ds->spin);
        return;
    }
    if (chores_active(ds->ch)) {
        int ww = area.w > 100 ? 100 : area.w, wh = area.h > 22 ? 22 : area.h;
        struct rect r = { area.y + (area.h - wh) / 2, area.x + (area.w - ww) / 2, wh, ww };

        chores_draw(ds->ch, r, ds->spin);
        return;
    }
    if (ds->wiz) {
        int ww = area.w > 100 ? 100 : area.w, wh = area.h > 22 ? 22 : area.h;
        struct rect r = { area.y + (area.h - wh) / 2, area.x + (area.w - ww) / 2, wh, ww };

        wizard_draw(&ds->wz, r, ds->spin);
        return;
    }
    layout_stack(area.h, 2, min, want, h);
    draw_cadence(ds, (struct rect){ area.y, area.x, h[0], area.w }, ctx->now);
    if (h[1] > 2)
        draw_history(ds, (struct rect){ area.y + h[0], area.x, h[1], area.w });
}

static unsigned drills_action(void *st, enum action a, const struct screen_ctx *ctx)
{
    struct drills_st *ds = st;

    switch (a) {
    case ACTION_DRILL_CLOUD: {
        const struct repo_view *rv;

        if (!ds->app->cfg || !offsite_repo(ds->app, &rv))
            return REACT_HANDLED; /* the cadence panel says why */
        wiz_open(ds, ctx->now);
        return REACT_HANDLED;
    }
    case ACTION_RESTORE_GUEST:
        if (!ds->wiz && !chores_active(ds->ch) && !restore_wizard_active(ds->rf))
            rg_wizard_open(ds->rgw, ds->load_error, sizeof(ds->load_error));
        return REACT_HANDLED; /* the record panel says why when it cannot open */
    case ACTION_RESTORE_FILES:
        if (!ds->wiz && !chores_active(ds->ch) && !rg_wizard_active(ds->rgw))
            restore_wizard_open(ds->rf, ds->load_error, sizeof(ds->load_error));
        return REACT_HANDLED; /* when it cannot open, the record panel says why */
    case ACTION_DRILL_ROLLBACK:
    case ACTION_DRILL_PBS:
    case ACTION_CHECKLIST:
    case ACTION_KEY_ROTATE:
        if (ds->wiz)
            return REACT_HANDLED;
        if (!chores_open(ds->ch,
                         a == ACTION_DRILL_ROLLBACK ? CHORE_ROLLBACK
                         : a == ACTION_DRILL_PBS    ? CHORE_PBS
                         : a == ACTION_CHECKLIST    ? CHORE_CHECKLIST
                                                    : CHORE_KEYS,
                         ctx->now, ds->load_error, sizeof(ds->load_error)))
            return REACT_HANDLED; /* the record panel says why */
        return REACT_HANDLED;
    case ACTION_MOVE_DOWN:
        if (ds->sel + 1 < (int)ds->list.len)
            ds->sel++;
        return REACT_HANDLED;
    case ACTION_MOVE_UP:
        if (ds->sel > 0)
            ds->sel--;
        return REACT_HANDLED;
    case ACTION_MOVE_FIRST:
        ds->sel = 0;
        return REACT_HANDLED;
    case ACTION_MOVE_LAST:
        ds->sel = ds->list.len ? (int)ds->list.len - 1 : 0;
        return REACT_HANDLED;
    case ACTION_REFRESH:
        load_list(ds);
        return REACT_NONE; /* the repos refresh too */
    default:
        return REACT_NONE;
    }
}

const struct screen_ops scr_drills_ops = {
    .name = "drills",
    .title = "Drills",
    .number = 7,
    .create = drills_create,
    .destroy = drills_destroy,
    .draw = drills_draw,
    .on_action = drills_action,
    .on_key = drills_key,
};
