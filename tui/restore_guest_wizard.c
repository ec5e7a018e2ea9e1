/*
 * The "Restore a guest from PBS" wizard (see restore_guest_wizard.h). The
 * backend (backend/restore_guest.c) runs every call through the app's
 * loop and calls on_update; this file turns its phases into wizard steps.
 */
#include "tui/restore_guest_wizard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/app.h"
#include "backend/base/clock.h"
#include "backend/base/str.h"
#include "backend/base/xalloc.h"
#include "backend/restore_guest.h"
#include "tui/action.h"
#include "tui/glyph.h"
#include "tui/wizard.h"

enum { S_GUEST = 1, S_BACKUP, S_TARGET, S_SUMMARY, S_RUN, S_RESULT, S_N = S_RESULT };

struct rg_wizard {
    struct app *app;
    struct restore_guest *rg;
    struct wizard wz;
    bool active, finished, counted_busy, ask_cancel;
    int vmids[WIZARD_CHOICES];
    int nvmids, guest_sel;
    const struct rg_backup *backups[WIZARD_CHOICES];
    int nbackups, backup_sel;
    int vmid;
    bool original, start;
    char word[96];
};

static void busy(struct rg_wizard *w, bool on)
{
    if (on && !w->counted_busy) {
        w->app->busy++;
        w->counted_busy = true;
    } else if (!on && w->counted_busy) {
        w->app->busy--;
        w->counted_busy = false;
    }
}

static void kick(struct rg_wizard *w)
{
    if (w->app->on_change)
        w->app->on_change(w->app, APP_CHANGED_BUSY, w->app->on_change_arg);
}

static void close_all(struct rg_wizard *w)
{
    restore_guest_free(w->rg);
    w->rg = NULL;
    busy(w, false);
    w->active = false;
    w->ask_cancel = false;
}

struct rg_wizard *rg_wizard_new(struct app *app)
{
    struct rg_wizard *w = xcalloc(1, sizeof(*w));

    w->app = app;
    return w;
}

void rg_wizard_free(struct rg_wizard *w)
{
    if (!w)
        return;
    close_all(w);
    free(w);
}

bool rg_wizard_active(const struct rg_wizard *w)
{
    return w && w->active;
}

bool rg_wizard_take_finished(struct rg_wizard *w)
{
    bool f = w->finished;

    w->finished = false;
    return f;
}

/* ---- the steps */

static void waiting(struct rg_wizard *w, int step, const char *heading)
{
    struct wizard *z = &w->wz;

    wizard_step(z, step, heading);
    z->busy = true;
    z->progress = true;
    z->frac = -1;
    z->next_ok = z->back_ok = false;
    str_copy(z->progress_text, sizeof(z->progress_text), restore_guest_step(w->rg));
}

static void step_guest(struct rg_wizard *w)
{
    struct wizard *z = &w->wz;
    const struct vec *gs = restore_guest_guests(w->rg);
    time_t now = clock_now();
    char age[32];
    int shown = 0;

    wizard_step(z, S_GUEST, "Which guest?");
    z->back_ok = false;
    w->nvmids = 0;
    for (size_t i = 0; i < gs->len; i++) {
        const struct rg_guest *g = gs->items[i];

        if (!g->nbackups)
            continue;
        if (w->nvmids == WIZARD_CHOICES) {
            shown++;
            continue;
        }
        w->vmids[w->nvmids++] = g->vmid;
        wizard_choice(z, "%-6d %-16.16s %-4s %-8s %3d backup%s, newest %s ago", g->vmid,
                      g->exists ? g->name : "(gone)", g->type, g->exists ? g->status : "-",
                      g->nbackups, g->nbackups == 1 ? "" : "s",
                      str_fmt_age(now - g->newest, age, sizeof(age)));
    }
    if (!w->nvmids) {
        z->next_ok = false;
        wizard_note(z, EL_STATUS_WARN, "No guest has a backup on the PBS storage.");
        return;
    }
    z->sel = w->guest_sel < w->nvmids ? w->guest_sel : 0;
    if (shown)
        wizard_note(z, EL_DIM, "%d more: lifeboat restore guest VMID restores any of them.",
                    shown);
    wizard_note(z, EL_DIM, "Guests with backups on the PBS storage (gone ones too).");
}

static void step_backup(struct rg_wizard *w)
{
    struct wizard *z = &w->wz;
    time_t now = clock_now();
    char t[32], age[32], sz[32];

    wizard_step(z, S_BACKUP, "Which backup?");
    w->nbackups = (int)restore_guest_backups(w->rg, w->vmid, w->backups, WIZARD_CHOICES);
    for (int i = 0; i < w->nbackups; i++) {
        const struct rg_backup *b = w->backups[i];

        clock_fmt_local(b->ctime, t, sizeof(t));
        t[16] = '\0';
        wizard_choice(z, "%s  %8s old  %9s  verify %-6s%s%s", t,
                      str_fmt_age(now - b->ctime, age, sizeof(age)),
                      str_fmt_bytes(b->size, sz, sizeof(sz)), b->verify[0] ? b->verify : "never",
                      b->is_protected ? "  protected" : "", b->encrypted ? "  encrypted" : "");
    }
    z->sel = w->backup_sel < w->nbackups ? w->backup_sel : 0;
    wizard_note(z, EL_DIM, "Newest first (local time). A failed verify means PBS found it damaged.");
}

static void step_target(struct rg_wizard *w)
{
    struct wizard *z = &w->wz;
    const struct vec *gs = restore_guest_guests(w->rg);
    const struct rg_guest *g = NULL;
    int nf = restore_guest_next_free(w->rg);

    for (size_t i = 0; i < gs->len; i++)
        if (((const struct rg_guest *)gs->items[i])->vmid == w->vmid)
            g = gs->items[i];
    wizard_step(z, S_TARGET, "Restore into?");
    wizard_choice(z, "a new guest, VMID %d (the next free one)", nf);
    wizard_choice(z, "a new guest, VMID %d, and start it", nf);
    if (g && g->exists)
        wizard_choice(z, "OVER THE ORIGINAL guest %d %s: replaces it (the loss comes next)",
                      g->vmid, g->name);
    z->sel = w->original && g && g->exists ? 2 : w->start ? 1 : 0;
    wizard_note(z, EL_DIM,
                "A new guest gets new MAC addresses; the original is not touched.");
}

static void step_summary(struct rg_wizard *w)
{
    struct wizard *z = &w->wz;
    const struct rg_preview *pv = restore_guest_preview(w->rg);
    time_t now = clock_now();
    char t[32], age[32], sz[32], dl[32];

    clock_fmt_local(pv->backup.ctime, t, sizeof(t));
    t[16] = '\0';
    str_fmt_age(now - pv->backup.ctime, age, sizeof(age));
    if (!pv->original) {
        wizard_step(z, S_SUMMARY, "Summary: nothing has been changed yet");
        str_copy(z->next_label, sizeof(z->next_label), "Restore");
        wizard_row(z, "Guest", EL_NORMAL, "%d %s (%s)", pv->guest.vmid, pv->guest.name,
                   pv->guest.type);
        wizard_row(z, "Backup", EL_NORMAL, "%s, %s old, %s, verify %s", t, age,
                   str_fmt_bytes(pv->backup.size, sz, sizeof(sz)),
                   pv->backup.verify[0] ? pv->backup.verify : "never");
        wizard_row(z, "Restore to", EL_NORMAL, "new guest %d on %s", pv->target, pv->node);
        wizard_row(z, "Then", EL_NORMAL, "config compared with the backup's%s",
                   w->start ? ", started" : "");
        wizard_note(z, EL_DIM, "Guest %d is not touched. The restore is recorded (drill record).",
                    pv->guest.vmid);
        return;
    }
    wizard_step(z, S_SUMMARY, "Over the original: this is what is lost");
    str_copy(z->next_label, sizeof(z->next_label), "Replace guest");
    wizard_row(z, "Guest", EL_STATUS_WARN, "%d %s (%s), %s%s%s", pv->guest.vmid, pv->guest.name,
               pv->guest.type, pv->status, pv->lock[0] ? ", locked " : "", pv->lock);
    wizard_row(z, "Backup", EL_NORMAL, "%s, %s old, verify %s", t, age,
               pv->backup.verify[0] ? pv->backup.verify : "never");
    wizard_row(z, "Data lost", EL_STATUS_CRIT, "%s of changes since the backup",
               str_fmt_duration(pv->data_loss_s, dl, sizeof(dl)));
    if (pv->config_diffs)
        wizard_row(z, "Config", EL_STATUS_WARN, "digest %.12s, %d change%s lost: %s", pv->digest,
                   pv->config_diffs, pv->config_diffs == 1 ? "" : "s", pv->config_why);
    else
        wizard_row(z, "Config", EL_NORMAL, "digest %.12s, the same as the backup's", pv->digest);
    if (pv->snapshots.len) {
        char names[160] = "";

        for (size_t i = 0; i < pv->snapshots.len; i++) {
            size_t l = strlen(names);

            snprintf(names + l, sizeof(names) - l, "%s%s", i ? " " : "",
                     (const char *)pv->snapshots.items[i]);
        }
        wizard_row(z, "Snapshots", EL_STATUS_CRIT, "%zu gone: %s", pv->snapshots.len, names);
    } else {
        wizard_row(z, "Snapshots", EL_NORMAL, "none");
    }
    if (!strcmp(pv->status, "running"))
        wizard_row(z, "First", EL_STATUS_WARN, "clean shutdown (ACPI, up to 180 s, never forced)");
    if (pv->protection) {
        z->next_ok = false;
        wizard_note(z, EL_STATUS_CRIT,
                    "Guest %d has protection=1: PVE refuses to restore over it. Turn it off in "
                    "PVE (Options) first.",
                    pv->guest.vmid);
        return;
    }
    restore_guest_confirm_word(&pv->guest, w->word, sizeof(w->word));
    wizard_confirm_typed(z, w->word);
}

static void step_result(struct rg_wizard *w)
{
    struct wizard *z = &w->wz;
    const struct store_drill *r = restore_guest_record(w->rg);
    bool ok = !strcmp(r->outcome, "ok");
    const char *tail[4];
    size_t nt = ok ? 0 : restore_guest_log_tail(w->rg, tail, 3);

    wizard_step(z, S_RESULT, ok ? "Guest restored" : "The restore did not succeed");
    z->back_ok = z->cancel_ok = false;
    str_copy(z->next_label, sizeof(z->next_label), "Done");
    wizard_row(z, "Outcome", ok ? EL_STATUS_OK : EL_STATUS_CRIT, "%s %s",
               ok ? glyph(G_OK) : glyph(G_CRIT), r->outcome);
    wizard_row(z, "Target", EL_NORMAL, "%s", r->target);
    wizard_row(z, "Backup", EL_NORMAL, "%s", r->snapshot_id);
    if (r->rto_ms >= 0)
        wizard_row(z, "Took", EL_NORMAL, "%.1f s (restore to confirmed config)",
                   (double)r->rto_ms / 1000.0);
    if (r->phases[0])
        wizard_row(z, "Phases", EL_DIM, "%s", r->phases);
    wizard_row(z, "Record", EL_DIM, "%lld (drill record, kind restore-guest)", (long long)r->id);
    if (r->verify_note[0])
        wizard_note(z, r->verified == 1 ? EL_NORMAL : EL_STATUS_CRIT, "%s", r->verify_note);
    if (r->error[0])
        wizard_note(z, EL_STATUS_CRIT, "%s", r->error);
    for (size_t i = 0; i < nt; i++)
        wizard_note(z, EL_DIM, "log: %s", tail[i]);
}

static void show_run(struct rg_wizard *w)
{
    struct wizard *z = &w->wz;
    const char *tail[4];
    size_t nt = restore_guest_log_tail(w->rg, tail, 4);

    wizard_step(z, S_RUN, "Restoring");
    z->back_ok = z->next_ok = false;
    z->busy = z->progress = true;
    z->frac = -1;
    str_copy(z->progress_text, sizeof(z->progress_text), restore_guest_step(w->rg));
    for (size_t i = 0; i < nt; i++)
        wizard_note(z, EL_DIM, "%s", tail[i]);
    if (w->ask_cancel)
        wizard_note(z, EL_STATUS_WARN,
                    "Cancel again to stop: before the restore task nothing changes; during it "
                    "lifeboat stops following and the PVE task goes on.");
}

static void on_update(struct restore_guest *rg, void *arg)
{
    struct rg_wizard *w = arg;
    struct wizard *z = &w->wz;
    const char *e = restore_guest_error(rg);

    switch (restore_guest_phase(rg)) {
    case RG_LOADING:
    case RG_PREPARING:
        z->busy = true;
        str_copy(z->progress_text, sizeof(z->progress_text), restore_guest_step(rg));
        break;
    case RG_IDLE: /* loading failed */
        wizard_step(z, S_GUEST, "Which guest?");
        z->back_ok = false;
        str_copy(z->next_label, sizeof(z->next_label), "Retry");
        wizard_note(z, EL_STATUS_CRIT, "%s", e);
        break;
    case RG_CHOOSE:
        if (z->step == S_GUEST) {
            step_guest(w);
        } else { /* prepare failed: back to the target */
            step_target(w);
            wizard_note(z, EL_STATUS_CRIT, "%s", e);
        }
        break;
    case RG_READY:
        step_summary(w);
        break;
    case RG_RUNNING:
        show_run(w);
        break;
    case RG_DONE:
        busy(w, false);
        step_result(w);
        w->finished = true;
        break;
    }
    kick(w);
}

static void load(struct rg_wizard *w)
{
    struct lb_err err = { 0 };

    waiting(w, S_GUEST, "Which guest?");
    if (restore_guest_load(w->rg, &err) < 0) {
        wizard_note(&w->wz, EL_STATUS_CRIT, "%s", err.msg);
        w->wz.busy = w->wz.progress = false;
    }
}

bool rg_wizard_open(struct rg_wizard *w, char *why, size_t n)
{
    struct lb_err err = { 0 };

    why[0] = '\0';
    if (w->active)
        return true;
    if (!w->app->cfg) {
        snprintf(why, n, "no config loaded");
        return false;
    }
    memset(&w->wz, 0, sizeof(w->wz));
    str_copy(w->wz.title, sizeof(w->wz.title), "Restore a guest from PBS");
    w->wz.nsteps = S_N;
    w->guest_sel = w->backup_sel = 0;
    w->original = w->start = false;
    w->rg = restore_guest_new(w->app->loop, w->app->cfg, w->app->store, on_update, w, &err);
    if (!w->rg) {
        snprintf(why, n, "%s", err.msg);
        return false;
    }
    w->active = true;
    w->finished = false;
    load(w);
    return true;
}

static bool next(struct rg_wizard *w)
{
    struct wizard *z = &w->wz;
    struct lb_err err = { 0 };

    switch (z->step) {
    case S_GUEST:
        if (restore_guest_phase(w->rg) == RG_IDLE) {
            load(w);
            return true;
        }
        if (!w->nvmids)
            return false;
        w->guest_sel = z->sel;
        if (w->vmid != w->vmids[z->sel])
            w->backup_sel = 0;
        w->vmid = w->vmids[z->sel];
        step_backup(w);
        return true;
    case S_BACKUP:
        w->backup_sel = z->sel;
        step_target(w);
        return true;
    case S_TARGET:
        w->original = z->sel == 2;
        w->start = z->sel == 1;
        waiting(w, S_TARGET, "Restore into?");
        if (restore_guest_prepare(w->rg, w->vmid, w->backups[w->backup_sel]->volid, 0,
                                  w->original, &err) < 0) {
            step_target(w);
            wizard_note(z, EL_STATUS_CRIT, "%s", err.msg);
        }
        return true;
    case S_SUMMARY: {
        const struct rg_preview *pv = restore_guest_preview(w->rg);
        bool shutdown = pv->original && !strcmp(pv->status, "running");

        if (!wizard_confirmed(z))
            return false;
        busy(w, true);
        if (restore_guest_go(w->rg, shutdown, w->start, &err) < 0) {
            busy(w, false);
            wizard_note(z, EL_STATUS_CRIT, "%s", err.msg);
            return true;
        }
        if (restore_guest_phase(w->rg) == RG_RUNNING)
            show_run(w);
        return true;
    }
    case S_RESULT:
        close_all(w);
        return true;
    default:
        return false;
    }
}

static bool back(struct rg_wizard *w)
{
    switch (w->wz.step) {
    case S_BACKUP:
        step_guest(w);
        return true;
    case S_TARGET:
        step_backup(w);
        return true;
    case S_SUMMARY:
        step_target(w);
        return true;
    default:
        return false;
    }
}

bool rg_wizard_key(struct rg_wizard *w, int key)
{
    enum restore_guest_phase ph;

    if (!w->active)
        return false;
    ph = restore_guest_phase(w->rg);
    if (ph == RG_RUNNING) {
        if (key == KEY_ESC || key == 'c' || key == 'x') {
            if (!w->ask_cancel) {
                w->ask_cancel = true;
            } else {
                w->ask_cancel = false;
                restore_guest_cancel(w->rg);
            }
            if (restore_guest_phase(w->rg) == RG_RUNNING)
                show_run(w);
            return true;
        }
        return false;
    }
    if (ph == RG_LOADING || ph == RG_PREPARING) {
        if (key == KEY_ESC || key == 'c' || key == 'x') {
            close_all(w); /* nothing was changed */
            return true;
        }
        return false;
    }
    switch (wizard_key(&w->wz, key)) {
    case WZ_NEXT:
        return next(w);
    case WZ_BACK:
        return back(w);
    case WZ_CANCEL:
        close_all(w);
        return true;
    case WZ_CHANGED:
        return true;
    default:
        return false;
    }
}

void rg_wizard_draw(struct rg_wizard *w, struct rect r, int spin)
{
    wizard_draw(&w->wz, r, spin);
}
