/*
 * Screen 7's other wizards: rollback and PBS drills, checklists, key
 * rotation (see chores.h). The backends run through the app's loop; the
 * wizard only shows their state and asks the operator.
 */
#include "tui/chores.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/app.h"
#include "backend/base/clock.h"
#include "backend/base/str.h"
#include "backend/base/xalloc.h"
#include "backend/checklist.h"
#include "backend/config.h"
#include "backend/drill_pmx.h"
#include "backend/drills.h"
#include "backend/keys.h"
#include "backend/store.h"
#include "tui/action.h"
#include "tui/chores_token.h"
#include "tui/glyph.h"
#include "tui/prompt.h"
#include "tui/wizard.h"

static const char *const CL_KINDS[] = { "daily", "weekly", "monthly", "quarterly" };

struct chores {
    struct app *app;
    enum chores_kind kind;
    bool active, finished, counted_busy;
    struct wizard wz;
    /* drills */
    struct drill_pmx *drill;
    int vmid;
    bool start_guest;
    /* checklist */
    struct store_checklist_run run;
    bool run_built;
    int *manual; /* indexes of the items the operator answers */
    int nmanual, at;
    struct prompt note;
    /* keys */
    struct keyrot *kr;
    int repo_sel;
    struct chores_token *tok; /* an API token's rotation (chores_token.c) */
};

static void busy(struct chores *c, bool on)
{
    if (on && !c->counted_busy) {
        c->app->busy++;
        c->counted_busy = true;
    } else if (!on && c->counted_busy) {
        c->app->busy--;
        c->counted_busy = false;
    }
}

static void kick(struct chores *c)
{
    if (c->app->on_change)
        c->app->on_change(c->app, APP_CHANGED_BUSY, c->app->on_change_arg);
}

struct chores *chores_new(struct app *app)
{
    struct chores *c = xcalloc(1, sizeof(*c));

    c->app = app;
    vec_init(&c->run.items, free);
    return c;
}

static void close_all(struct chores *c)
{
    drill_pmx_free(c->drill);
    c->drill = NULL;
    keyrot_free(c->kr);
    c->kr = NULL;
    chores_token_free(c->tok);
    c->tok = NULL;
    vec_clear(&c->run.items);
    free(c->manual);
    c->manual = NULL;
    c->nmanual = c->at = 0;
    c->run_built = false;
    prompt_close(&c->note);
    busy(c, false);
    c->active = false;
}

void chores_free(struct chores *c)
{
    if (!c)
        return;
    close_all(c);
    vec_release(&c->run.items);
    free(c);
}

bool chores_active(const struct chores *c)
{
    return c && c->active;
}

bool chores_take_finished(struct chores *c)
{
    bool f = c->finished;

    c->finished = false;
    return f;
}

/* ---- rollback / PBS drills ---- */

static void fmt_dur(char *out, size_t n, int64_t s)
{
    str_fmt_duration(s, out, n);
}

static void drill_result(struct chores *c)
{
    struct wizard *w = &c->wz;
    const struct store_drill *r = drill_pmx_record(c->drill);
    bool ok = !strcmp(r->outcome, "ok");
    char b1[32], b2[32];

    wizard_step(w, w->nsteps, ok ? "Drill passed" : "Drill did not pass");
    w->back_ok = w->cancel_ok = false;
    str_copy(w->next_label, sizeof(w->next_label), "Done");
    wizard_row(w, "Outcome", ok ? EL_STATUS_OK : EL_STATUS_CRIT, "%s %s",
               ok ? glyph(G_OK) : glyph(G_CRIT), r->outcome);
    wizard_row(w, "Target", EL_NORMAL, "%s", r->target[0] ? r->target : "-");
    if (r->rto_ms >= 0) {
        fmt_dur(b2, sizeof(b2), r->rto_target);
        wizard_row(w, "RTO",
                   r->rto_target > 0 && r->rto_ms / 1000 > r->rto_target ? EL_STATUS_CRIT
                                                                         : EL_STATUS_OK,
                   "%.1f s  target %s", (double)r->rto_ms / 1000.0, b2);
    }
    if (r->rpo_seconds >= 0) {
        fmt_dur(b1, sizeof(b1), r->rpo_seconds);
        fmt_dur(b2, sizeof(b2), r->rpo_target);
        wizard_row(w, "RPO",
                   r->rpo_target > 0 && r->rpo_seconds > r->rpo_target ? EL_STATUS_WARN
                                                                       : EL_STATUS_OK,
                   "%s (restore point %.12s)  target %s", b1, r->snapshot_id, b2);
    }
    if (r->phases[0])
        wizard_row(w, "Phases", EL_DIM, "%s", r->phases);
    wizard_row(w, "Cleaned", r->cleaned ? EL_NORMAL : EL_STATUS_WARN, "%s",
               r->cleaned ? "what the drill created is removed" : "see the error");
    wizard_row(w, "Record", EL_DIM, "drill %lld  (lifeboat drills)", (long long)r->id);
    if (r->verify_note[0])
        wizard_note(w, r->verified == 1 ? EL_NORMAL : EL_STATUS_CRIT, "%s", r->verify_note);
    if (r->error[0])
        wizard_note(w, EL_STATUS_CRIT, "%s", r->error);
}

static void on_drill(struct drill_pmx *d, void *arg)
{
    struct chores *c = arg;

    if (drill_pmx_done(d)) {
        busy(c, false);
        drill_result(c);
        c->finished = true;
    } else {
        c->wz.busy = true;
        c->wz.progress = true;
        c->wz.frac = -1;
        str_copy(c->wz.progress_text, sizeof(c->wz.progress_text), drill_pmx_step(d));
    }
    kick(c);
}

static void drill_summary(struct chores *c)
{
    struct wizard *w = &c->wz;
    const struct config *cfg = c->app->cfg;
    char b[32];

    wizard_step(w, 1, "Summary: nothing has been changed yet");
    w->back_ok = false;
    str_copy(w->next_label, sizeof(w->next_label), "Start drill");
    if (c->kind == CHORE_ROLLBACK) {
        wizard_row(w, "Guest", EL_NORMAL, "%d ([drill] rollback_vmid, the test guest)",
                   cfg->drill.rollback_vmid);
        wizard_row(w, "Does", EL_NORMAL, "snapshot, roll back, compare status and config digest");
        fmt_dur(b, sizeof(b), cfg->targets.rto_rollback);
        wizard_row(w, "RTO target", EL_DIM, "%s", b);
        wizard_note(w, EL_NORMAL,
                    "Guest %d is rolled back to a snapshot taken now: nothing else changes; the "
                    "drill snapshot is removed afterwards.",
                    cfg->drill.rollback_vmid);
        wizard_confirm_typed(w, "rollback");
        wizard_note(w, EL_STATUS_WARN, "Type 'rollback' to start.");
    } else {
        wizard_row(w, "Guest", EL_NORMAL, "%d (its newest PBS backup)", c->vmid);
        wizard_row(w, "Restore to", EL_NORMAL, "the first free VMID of %d-%d", cfg->drill.vmid_from,
                   cfg->drill.vmid_to);
        wizard_row(w, "Then", EL_NORMAL, "config compared with the backup's%s, guest destroyed",
                   c->start_guest ? ", started and seen running" : "");
        fmt_dur(b, sizeof(b), cfg->targets.rto_pbs);
        wizard_row(w, "RTO target", EL_DIM, "%s", b);
        wizard_note(w, EL_NORMAL,
                    "Never an existing guest: the restore goes to a VMID no guest holds, and "
                    "that guest is destroyed at the end.");
    }
}

static void drill_choose_guest(struct chores *c)
{
    struct wizard *w = &c->wz;

    wizard_step(w, 1, "Which guest's newest backup?");
    w->back_ok = false;
    wizard_choice(w, "guest %d (the rollback test guest), config check only",
                  c->app->cfg->drill.rollback_vmid);
    wizard_choice(w, "guest %d, and start the restored guest", c->app->cfg->drill.rollback_vmid);
    wizard_note(w, EL_DIM, "lifeboat drill pbs --guest VMID picks any other guest.");
}

static bool drill_next(struct chores *c)
{
    struct wizard *w = &c->wz;
    struct lb_err err = { 0 };
    struct drill_pmx_opts o = { 0 };

    if (w->step == w->nsteps) {
        close_all(c);
        return true;
    }
    if (c->kind == CHORE_PBS && w->step == 1 && w->nchoices) {
        c->start_guest = w->sel == 1;
        drill_summary(c);
        w->step = 2;
        w->back_ok = true;
        return true;
    }
    /* the summary: start */
    o.kind = c->kind == CHORE_ROLLBACK ? "rollback" : "pbs";
    o.vmid = c->kind == CHORE_PBS ? c->vmid : 0;
    o.start = c->start_guest;
    c->drill = drill_pmx_new(c->app->loop, c->app->cfg, c->app->store, &o, on_drill, c, &err);
    wizard_step(w, w->nsteps - 1, "Drill running");
    w->back_ok = w->next_ok = false;
    if (!c->drill) {
        wizard_note(w, EL_STATUS_CRIT, "%s", err.msg);
        w->cancel_ok = true;
        return true;
    }
    busy(c, true);
    w->progress = true;
    w->frac = -1;
    w->busy = true;
    if (drill_pmx_go(c->drill, &err) < 0 && !drill_pmx_done(c->drill))
        wizard_note(w, EL_STATUS_CRIT, "%s", err.msg);
    if (drill_pmx_done(c->drill)) {
        busy(c, false);
        drill_result(c);
        c->finished = true;
    }
    return true;
}

/* ---- checklist ---- */

static void cl_choose(struct chores *c)
{
    struct wizard *w = &c->wz;

    wizard_step(w, 1, "Which checklist?");
    w->back_ok = false;
    wizard_choice(w, "daily: backups ran, logs clean, disks healthy");
    wizard_choice(w, "weekly: cloud upload, quick rollback drill, credentials");
    wizard_choice(w, "monthly: restore tests, keys rotated, maintenance");
    wizard_choice(w, "quarterly: DR tabletop (Docker-SRV and its USB SSD lost)");
}

static const char *mark(const char *state)
{
    if (!strcmp(state, "ok") || !strcmp(state, "confirmed"))
        return glyph(G_OK);
    if (!strcmp(state, "failed"))
        return glyph(G_CRIT);
    return "?";
}

static enum theme_el state_el(const char *state)
{
    if (!strcmp(state, "ok") || !strcmp(state, "confirmed"))
        return EL_STATUS_OK;
    if (!strcmp(state, "failed"))
        return EL_STATUS_CRIT;
    return EL_STATUS_WARN;
}

/* The evidence: every item with what lifeboat found. */
static void cl_evidence(struct chores *c)
{
    struct wizard *w = &c->wz;
    int verified = 0;

    wizard_step(w, 2, "What lifeboat found");
    str_copy(w->next_label, sizeof(w->next_label), c->nmanual ? "Answer" : "Save");
    for (size_t i = 0; i < c->run.items.len; i++) {
        const struct store_checklist_item *it = c->run.items.items[i];
        bool man = checklist_item_manual(it);
        char label[24];

        snprintf(label, sizeof(label), "%s %.20s", man ? "?" : mark(it->state), it->title);
        if (!man)
            verified++;
        wizard_row(w, label, man ? EL_DIM : state_el(it->state), "%s",
                   man ? "you confirm this next" : it->evidence);
    }
    wizard_note(w, EL_DIM, "%d item(s) verified from the record, %d for you to answer.", verified,
                c->nmanual);
}

static void cl_item(struct chores *c)
{
    struct wizard *w = &c->wz;
    const struct store_checklist_item *it = c->run.items.items[c->manual[c->at]];
    const char *q = it->evidence;

    if (str_starts_with(q, "to confirm: "))
        q += strlen("to confirm: ");
    wizard_step(w, 3 + c->at, it->title);
    wizard_note(w, EL_NORMAL, "%s", q);
    wizard_choice(w, "Yes: done and checked");
    wizard_choice(w, "No: not done or not right");
    wizard_choice(w, "Skip for now");
    wizard_row(w, "Note", EL_NORMAL, "%s_", c->note.text);
    wizard_note(w, EL_DIM, "Type a note (optional); Up/Down choose, Enter goes on.");
    str_copy(w->next_label, sizeof(w->next_label), c->at + 1 < c->nmanual ? "Next" : "Save");
}

static void cl_answer(struct chores *c, int choice)
{
    struct store_checklist_item *it = c->run.items.items[c->manual[c->at]];
    static const char *const states[] = { "confirmed", "failed", "skipped" };
    static const char *const ev[] = { "confirmed by the operator in the console",
                                      "the operator said it is not done",
                                      "skipped by the operator" };

    str_copy(it->state, sizeof(it->state), states[choice]);
    str_copy(it->evidence, sizeof(it->evidence), ev[choice]);
    str_copy(it->note, sizeof(it->note), c->note.text);
    str_sanitize(it->note);
    it->at = clock_now();
}

static void cl_save(struct chores *c)
{
    struct wizard *w = &c->wz;
    struct lb_err err = { 0 };
    const char *user = getenv("USER");
    int ok = 0, conf = 0, bad = 0, open = 0;

    c->run.ended = clock_now();
    str_copy(c->run.who, sizeof(c->run.who), user && *user ? user : "console");
    str_sanitize(c->run.who);
    checklist_outcome(&c->run);
    wizard_step(w, w->nsteps, "Checklist saved");
    w->back_ok = w->cancel_ok = false;
    str_copy(w->next_label, sizeof(w->next_label), "Done");
    for (size_t i = 0; i < c->run.items.len; i++) {
        const struct store_checklist_item *it = c->run.items.items[i];

        ok += !strcmp(it->state, "ok");
        conf += !strcmp(it->state, "confirmed");
        bad += !strcmp(it->state, "failed");
        open += strcmp(it->state, "ok") && strcmp(it->state, "confirmed") &&
                strcmp(it->state, "failed");
    }
    if (!c->app->store || store_checklist_save(c->app->store, &c->run, &err) < 0) {
        str_copy(w->heading, sizeof(w->heading), "Checklist NOT saved");
        wizard_note(w, EL_STATUS_CRIT, "%s",
                    c->app->store ? err.msg : "no state database: nothing can be recorded");
    } else {
        wizard_row(w, "Record", EL_DIM, "checklist run %lld by %s", (long long)c->run.id,
                   c->run.who);
    }
    wizard_row(w, "Outcome", !strcmp(c->run.outcome, "complete") ? EL_STATUS_OK : EL_STATUS_WARN,
               "%s", c->run.outcome);
    wizard_row(w, "Items", EL_NORMAL, "%d verified, %d confirmed, %d failed, %d open", ok, conf,
               bad, open);
    wizard_note(w, EL_DIM, "lifeboat checklist %s --report prints the month's evidence.",
                c->run.kind);
    c->finished = true;
}

static bool cl_next(struct chores *c, time_t now)
{
    struct wizard *w = &c->wz;

    if (w->step == w->nsteps) {
        close_all(c);
        return true;
    }
    if (w->step == 1) {
        const char *kind = CL_KINDS[w->sel < 4 ? w->sel : 0];

        vec_clear(&c->run.items);
        c->run.id = 0;
        checklist_build(c->app->cfg, c->app->store, kind, now, &c->run);
        c->run_built = true;
        free(c->manual);
        c->manual = xcalloc(c->run.items.len + 1, sizeof(int));
        c->nmanual = 0;
        for (size_t i = 0; i < c->run.items.len; i++)
            if (checklist_item_manual(c->run.items.items[i]))
                c->manual[c->nmanual++] = (int)i;
        c->at = 0;
        w->nsteps = 3 + c->nmanual;
        cl_evidence(c);
        return true;
    }
    if (w->step == 2) {
        if (!c->nmanual) {
            cl_save(c);
            return true;
        }
        prompt_open(&c->note, "note", "");
        cl_item(c);
        return true;
    }
    /* an item answered */
    cl_answer(c, w->sel);
    if (++c->at < c->nmanual) {
        prompt_open(&c->note, "note", "");
        cl_item(c);
    } else {
        prompt_close(&c->note);
        cl_save(c);
    }
    return true;
}

static bool cl_back(struct chores *c)
{
    if (c->wz.step == 2) {
        cl_choose(c);
        return true;
    }
    if (c->wz.step == 3) {
        prompt_close(&c->note);
        cl_evidence(c);
        return true;
    }
    c->at--;
    prompt_open(&c->note, "note", "");
    cl_item(c);
    return true;
}

/* ---- keys ---- */

static void keys_result(struct chores *c)
{
    struct wizard *w = &c->wz;
    const struct store_keyrot *r = keyrot_record(c->kr);
    bool ok = !strcmp(r->outcome, "ok");

    wizard_step(w, w->nsteps, ok ? "Key rotated" : "Key NOT rotated");
    w->back_ok = w->cancel_ok = false;
    str_copy(w->next_label, sizeof(w->next_label), "Done");
    wizard_row(w, "Outcome", ok ? EL_STATUS_OK : EL_STATUS_CRIT, "%s (stage %s)", r->outcome,
               r->stage);
    wizard_row(w, "Old key", EL_NORMAL, "%.8s%s", r->old_key[0] ? r->old_key : "-",
               ok ? "  removed" : "");
    wizard_row(w, "New key", EL_NORMAL, "%.8s%s", r->new_key[0] ? r->new_key : "-",
               ok ? "  in use through the source" : "");
    if (r->error[0])
        wizard_note(w, EL_STATUS_CRIT, "%s", r->error);
    if (keyrot_advice(c->kr)[0])
        wizard_note(w, EL_STATUS_WARN, "%s", keyrot_advice(c->kr));
}

static void keys_show(struct chores *c)
{
    struct wizard *w = &c->wz;
    const char *secret;

    if (keyrot_done(c->kr)) {
        busy(c, false);
        keys_result(c);
        c->finished = true;
        return;
    }
    if (keyrot_waiting(c->kr)) {
        /* stays busy: quitting now asks first (the new key is added, the old one kept) */
        wizard_step(w, 3, "Store the new password in your vault");
        w->back_ok = false;
        str_copy(w->next_label, sizeof(w->next_label), "Stored it");
        secret = keyrot_secret_to_show(c->kr);
        if (secret)
            wizard_row(w, "New password", EL_STATUS_WARN, "%s", secret);
        wizard_note(w, EL_NORMAL,
                    "The new key is added; the old one still works. Store the new password "
                    "where the password_command reads it, then press Stored it: lifeboat runs "
                    "the command and compares before removing the old key.");
        wizard_note(w, EL_DIM,
                    "%sCancel removes the new key again unless the command already returns "
                    "the new password.",
                    secret ? "y copies it to your local clipboard (OSC 52, through SSH). " : "");
        return;
    }
    w->progress = true;
    w->frac = -1;
    w->busy = true;
    str_copy(w->progress_text, sizeof(w->progress_text), keyrot_step(c->kr));
}

static void on_keyrot(struct keyrot *k, void *arg)
{
    struct chores *c = arg;

    (void)k;
    keys_show(c);
    kick(c);
}

static void keys_choose(struct chores *c)
{
    struct wizard *w = &c->wz;

    const struct config *cfg = c->app->cfg;

    wizard_step(w, 1,
                cfg->pves.len || cfg->pbss.len
                    ? "Rotate the key of which repo? (or which API token)"
                    : "Rotate the key of which repo?");
    w->back_ok = false;
    for (size_t i = 0; i < cfg->repos.len && i < WIZARD_CHOICES; i++) {
        const struct repo_cfg *r = cfg->repos.items[i];

        wizard_choice(w, "%s  (%s)", r->name,
                      r->password_file ? "password_file" : "password_command");
    }
    /* then the API tokens (chores_token.c) */
    for (size_t i = 0; i < cfg->pves.len && (size_t)w->nchoices < WIZARD_CHOICES; i++)
        wizard_choice(w, "PVE token of [pve %s]",
                      ((const struct pve_cfg *)cfg->pves.items[i])->name);
    for (size_t i = 0; i < cfg->pbss.len && (size_t)w->nchoices < WIZARD_CHOICES; i++)
        wizard_choice(w, "PBS token of [pbs %s]",
                      ((const struct pbs_cfg *)cfg->pbss.items[i])->name);
}

static void token_changed(void *arg, bool on)
{
    struct chores *c = arg;

    busy(c, on);
    if (chores_token_done(c->tok))
        c->finished = true;
    kick(c);
}

/* Choice sel past the repos: the token of that [pve]/[pbs] section. */
static bool keys_token_open(struct chores *c, int sel)
{
    const struct config *cfg = c->app->cfg;
    size_t i = (size_t)sel - cfg->repos.len;
    bool pve = i < cfg->pves.len;
    const char *name = pve ? ((const struct pve_cfg *)cfg->pves.items[i])->name
                           : ((const struct pbs_cfg *)cfg->pbss.items[i - cfg->pves.len])->name;

    busy(c, true);
    c->tok = chores_token_new(c->app, &c->wz, pve ? PMX_PVE : PMX_PBS, name, token_changed, c);
    busy(c, chores_token_running(c->tok));
    return true;
}

static bool keys_next(struct chores *c)
{
    struct wizard *w = &c->wz;
    struct lb_err err = { 0 };
    const struct repo_cfg *r;

    if (w->step == w->nsteps) {
        close_all(c);
        return true;
    }
    if (c->tok)
        return chores_token_next(c->tok);
    if (w->step == 1 && (size_t)w->sel >= c->app->cfg->repos.len)
        return keys_token_open(c, w->sel);
    if (w->step == 1) {
        c->repo_sel = w->sel;
        r = c->app->cfg->repos.items[c->repo_sel];
        wizard_step(w, 2, "Summary: nothing has been changed yet");
        str_copy(w->next_label, sizeof(w->next_label), "Rotate");
        wizard_row(w, "Repo", EL_NORMAL, "%s", r->name);
        wizard_row(w, "Source", EL_NORMAL, "%s",
                   r->password_file ? r->password_file : "password_command");
        wizard_note(w, EL_NORMAL,
                    "A new key is added with a generated password%s. The old key is removed "
                    "only after the new password opened the repo through the source.",
                    r->password_file ? ", the password file replaced (the old one kept until "
                                       "then)"
                                     : ", which you store in your vault when asked");
        wizard_confirm_typed(w, r->name);
        wizard_note(w, EL_STATUS_WARN, "Type the repo name to go on.");
        return true;
    }
    if (w->step == 2) {
        struct keyrot_opts o = { 0 };

        r = c->app->cfg->repos.items[c->repo_sel];
        o.repo = r->name;
        wizard_step(w, 3, "Rotating");
        w->back_ok = w->next_ok = false;
        c->kr = keyrot_new(c->app->loop, c->app->cfg, c->app->store, &o, on_keyrot, c, &err);
        if (!c->kr) {
            wizard_note(w, EL_STATUS_CRIT, "%s", err.msg);
            return true;
        }
        busy(c, true);
        keyrot_go(c->kr, &err);
        keys_show(c);
        return true;
    }
    if (keyrot_waiting(c->kr)) {
        wizard_step(w, 3, "Checking the password command");
        w->back_ok = w->next_ok = false;
        busy(c, true);
        keyrot_continue(c->kr);
        keys_show(c);
    }
    return true;
}

/* ---- common ---- */

bool chores_open(struct chores *c, enum chores_kind kind, time_t now, char *why, size_t n)
{
    const struct config *cfg = c->app->cfg;

    (void)now;
    why[0] = '\0';
    if (c->active)
        return true;
    if (!cfg) {
        snprintf(why, n, "no config loaded");
        return false;
    }
    memset(&c->wz, 0, sizeof(c->wz));
    c->kind = kind;
    c->finished = false;
    switch (kind) {
    case CHORE_ROLLBACK:
    case CHORE_PBS:
        if (!cfg->pves.len) {
            snprintf(why, n, "the %s drill needs a [pve NAME] section",
                     kind == CHORE_ROLLBACK ? "rollback" : "PBS");
            return false;
        }
        if (!cfg->drill.rollback_vmid && kind == CHORE_ROLLBACK) {
            snprintf(why, n, "set [drill] rollback_vmid = the test guest the drill may touch");
            return false;
        }
        if (kind == CHORE_PBS && !cfg->drill.vmid_from) {
            snprintf(why, n, "set [drill] restore_vmid_range = FROM-TO (VMIDs no guest uses)");
            return false;
        }
        str_copy(c->wz.title, sizeof(c->wz.title),
                 kind == CHORE_ROLLBACK ? "Rollback drill" : "PBS restore drill");
        c->vmid = cfg->drill.rollback_vmid;
        c->start_guest = false;
        if (kind == CHORE_ROLLBACK || !c->vmid) {
            c->wz.nsteps = 3;
            drill_summary(c);
        } else {
            c->wz.nsteps = 4;
            drill_choose_guest(c);
        }
        break;
    case CHORE_CHECKLIST:
        str_copy(c->wz.title, sizeof(c->wz.title), "Checklist");
        c->wz.nsteps = 3;
        cl_choose(c);
        break;
    case CHORE_KEYS:
        if (!cfg->repos.len && !cfg->pves.len && !cfg->pbss.len) {
            snprintf(why, n, "no [repo NAME], [pve NAME] or [pbs NAME] configured");
            return false;
        }
        str_copy(c->wz.title, sizeof(c->wz.title), "Key rotation");
        c->wz.nsteps = 4;
        keys_choose(c);
        break;
    }
    c->active = true;
    return true;
}

static bool running(const struct chores *c)
{
    return (c->drill && !drill_pmx_done(c->drill)) ||
           (c->kr && !keyrot_done(c->kr) && !keyrot_waiting(c->kr)) || chores_token_running(c->tok);
}

static bool cancel(struct chores *c)
{
    if (c->drill && !drill_pmx_done(c->drill)) {
        drill_pmx_cancel(c->drill); /* ends cancelled after removing what it made */
        return true;
    }
    if (c->kr && !keyrot_done(c->kr)) {
        keyrot_cancel(c->kr);
        return true;
    }
    if (c->tok && !chores_token_done(c->tok)) {
        chores_token_cancel(c->tok);
        return true;
    }
    close_all(c);
    return true;
}

/*
 * Copy the shown password to the operator's clipboard: OSC 52 goes to the
 * terminal (through SSH and tmux) and never touches a file, argv or the log.
 */
static void osc52_copy(const char *secret)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char out[400];
    size_t n = strlen(secret), o = 0;

    o += (size_t)snprintf(out, sizeof(out), "\033]52;c;");
    for (size_t i = 0; i < n && o + 6 < sizeof(out); i += 3) {
        unsigned v = (unsigned char)secret[i] << 16;

        v |= i + 1 < n ? (unsigned char)secret[i + 1] << 8 : 0;
        v |= i + 2 < n ? (unsigned char)secret[i + 2] : 0;
        out[o++] = b64[(v >> 18) & 63];
        out[o++] = b64[(v >> 12) & 63];
        out[o++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? b64[v & 63] : '=';
    }
    out[o++] = '\a';
    if (write(STDOUT_FILENO, out, o) < 0) {
        /* nothing to do: the password stays on the screen */
    }
    explicit_bzero(out, sizeof(out));
}

bool chores_key(struct chores *c, int key, time_t now)
{
    struct wizard *w = &c->wz;
    bool on_item =
        c->kind == CHORE_CHECKLIST && c->note.active && w->step >= 3 && w->step < w->nsteps;

    if (!c->active)
        return false;
    if (on_item && key != '\n' && key != '\r' && key != KEYF(KEY_ENTER) && key != '\t' &&
        key != KEYF(KEY_BTAB) && key != KEYF(KEY_UP) && key != KEYF(KEY_DOWN) &&
        key != KEYF(KEY_LEFT) && key != KEYF(KEY_RIGHT) && key != KEY_ESC) {
        prompt_key(&c->note, key);
        if (!c->note.active)
            prompt_open(&c->note, "note", ""); /* Backspace on empty never closes it */
        snprintf(w->rows[0].value, sizeof(w->rows[0].value), "%.190s_", c->note.text);
        return true;
    }
    if (c->kind == CHORE_KEYS && c->kr && keyrot_waiting(c->kr) && key == 'y' &&
        keyrot_secret_to_show(c->kr)) {
        osc52_copy(keyrot_secret_to_show(c->kr));
        wizard_note(w, EL_STATUS_OK,
                    "Copied to the clipboard of your terminal (if it allows "
                    "OSC 52).");
        return true;
    }
    if (c->kind == CHORE_KEYS && chores_token_key(c->tok, key))
        return true;
    if (running(c)) {
        /* only Cancel works while something runs */
        if (key == KEY_ESC || key == 'c' || key == 'x')
            return cancel(c);
        return false;
    }
    switch (wizard_key(w, key)) {
    case WZ_NEXT:
        if (c->kind == CHORE_CHECKLIST)
            return cl_next(c, now);
        if (c->kind == CHORE_KEYS)
            return keys_next(c);
        return drill_next(c);
    case WZ_BACK:
        if (c->kind == CHORE_CHECKLIST)
            return cl_back(c);
        if (c->kind == CHORE_KEYS && w->step == 2) {
            chores_token_free(c->tok);
            c->tok = NULL;
            busy(c, false);
            keys_choose(c);
            return true;
        }
        if (c->kind == CHORE_PBS && w->step == 2) {
            drill_choose_guest(c);
            return true;
        }
        return true;
    case WZ_CANCEL:
        return cancel(c);
    case WZ_CHANGED:
        return true;
    default:
        return false;
    }
}

void chores_draw(struct chores *c, struct rect r, int spin)
{
    wizard_draw(&c->wz, r, spin);
}
