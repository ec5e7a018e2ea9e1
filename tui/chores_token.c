/*
 * API token rotation in screen 7's key rotation wizard (see chores_token.h).
 */
#include "tui/chores_token.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/app.h"
#include "backend/app_proxmox.h"
#include "backend/base/str.h"
#include "backend/base/xalloc.h"
#include "backend/keys_token.h"
#include "tui/wizard.h"

#define LOG_ROWS 8

struct chores_token {
    struct app *app;
    struct wizard *w;
    struct tokrot *t;
    enum pmx_product product;
    char name[64];
    void (*changed)(void *arg, bool busy);
    void *arg;
    bool going;
    char log[LOG_ROWS][160]; /* the steps done so far, oldest first */
    int nlog;
    char start_err[512];
    bool shown; /* the operator asked to see an unsaved secret */
};

static const char *P(const struct chores_token *c)
{
    return c->product == PMX_PVE ? "PVE" : "PBS";
}

static void show_result(struct chores_token *c)
{
    struct wizard *w = c->w;
    const struct store_keyrot *r = tokrot_record(c->t);
    bool ok = !strcmp(r->outcome, "ok");
    bool regen = !strcmp(r->source, "token regenerate");

    wizard_step(w, w->nsteps, ok ? "Token rotated" : "Token NOT rotated");
    w->back_ok = w->cancel_ok = false;
    str_copy(w->next_label, sizeof(w->next_label), "Done");
    wizard_row(w, "Outcome", ok ? EL_STATUS_OK : EL_STATUS_CRIT, "%s (stage %s)", r->outcome,
               r->stage);
    wizard_row(w, "Method", EL_NORMAL, "%s",
               !r->source[0] ? "-"
               : regen       ? "secret regenerated in place"
                             : "new token, ACL entries copied, old token deleted");
    wizard_row(w, "Old token", EL_NORMAL, "%s%s", r->old_key[0] ? r->old_key : "-",
               ok ? (regen ? "  old secret refused" : "  deleted") : "");
    if (!regen && r->new_key[0])
        wizard_row(w, "New token", EL_NORMAL, "%s%s", r->new_key,
                   ok ? "  in use through the token file" : "");
    if (ok)
        wizard_note(w, EL_DIM, "Recorded; lifeboat keys status shows the token's age from it.");
    if (r->error[0])
        wizard_note(w, EL_STATUS_CRIT, "%s", r->error);
    if (tokrot_advice(c->t)[0])
        wizard_note(w, EL_STATUS_WARN, "%s", tokrot_advice(c->t));
    if (tokrot_unsaved_secret(c->t)) {
        if (c->shown)
            wizard_row(w, "New secret", EL_STATUS_WARN, "%s", tokrot_unsaved_secret(c->t));
        else
            wizard_note(w, EL_STATUS_WARN,
                        "The new secret is in no file: press s to show it once and store it "
                        "in the token file by hand.");
    }
}

static void show_summary(struct chores_token *c)
{
    struct wizard *w = c->w;
    const struct tokrot_plan *p = tokrot_plan(c->t);

    wizard_step(w, 2, "Summary: nothing has been changed yet");
    str_copy(w->next_label, sizeof(w->next_label), "Rotate");
    wizard_row(w, "Section", EL_NORMAL, "%s", p->section);
    wizard_row(w, "Token", EL_NORMAL, "%s", p->token_id);
    wizard_row(w, "Token file", EL_NORMAL, "%s", p->token_file);
    wizard_row(w, "Server", EL_NORMAL, "%s %s", P(c), p->version);
    wizard_row(w, "Method", EL_NORMAL, "%s",
               p->regenerate ? "regenerate the secret in place"
                             : "create a new token, copy ACLs, delete the old");
    if (!p->regenerate)
        wizard_row(w, "New token", EL_NORMAL, "%s", p->new_id);
    wizard_row(w, "ACL entries", EL_NORMAL, "%zu%s%s", p->nacl, p->nacl ? ": " : "", p->acl_text);
    if (p->regenerate)
        wizard_note(w, EL_NORMAL,
                    "The old secret stops working at once; the new one is written to the "
                    "token file first (the old file kept until the new token is proven).");
    else
        wizard_note(w, EL_NORMAL,
                    "The old token is deleted only after the new one worked through the "
                    "token file; any failure before leaves the old token in use.");
    wizard_confirm_typed(w, p->token_id);
    wizard_note(w, EL_STATUS_WARN, "Type the token id to go on.");
}

static void show_progress(struct chores_token *c)
{
    struct wizard *w = c->w;

    wizard_step(w, c->going ? 3 : 2, c->going ? "Rotating the token" : "Reading the token");
    w->back_ok = w->next_ok = false;
    for (int i = 0; i < c->nlog; i++)
        wizard_row(w, i == c->nlog - 1 ? "now" : "done", i == c->nlog - 1 ? EL_NORMAL : EL_DIM,
                   "%s", c->log[i]);
    w->progress = true;
    w->frac = -1;
    w->busy = true;
    str_copy(w->progress_text, sizeof(w->progress_text), tokrot_step(c->t));
}

static void show(struct chores_token *c)
{
    if (!c->t) {
        wizard_step(c->w, c->w->nsteps, "Token NOT rotated");
        c->w->back_ok = c->w->cancel_ok = false;
        str_copy(c->w->next_label, sizeof(c->w->next_label), "Done");
        wizard_note(c->w, EL_STATUS_CRIT, "%s", c->start_err);
        return;
    }
    if (tokrot_done(c->t))
        show_result(c);
    else if (tokrot_planned(c->t))
        show_summary(c);
    else
        show_progress(c);
}

static void on_update(struct tokrot *t, void *arg)
{
    struct chores_token *c = arg;
    const char *s = tokrot_step(t);

    if (!tokrot_done(t) && !tokrot_planned(t) && (!c->nlog || strcmp(c->log[c->nlog - 1], s))) {
        if (c->nlog == LOG_ROWS) {
            memmove(c->log[0], c->log[1], sizeof(c->log[0]) * (LOG_ROWS - 1));
            c->nlog--;
        }
        str_copy(c->log[c->nlog++], sizeof(c->log[0]), s);
    }
    if (!c->t)
        return; /* still inside tokrot_new */
    if (tokrot_done(t) && c->going)
        app_pmx_token_changed(c->app, c->product); /* the console's own calls read the file again */
    show(c);
    c->changed(c->arg, chores_token_running(c));
}

struct chores_token *chores_token_new(struct app *app, struct wizard *w, enum pmx_product product,
                                      const char *name, void (*changed)(void *arg, bool busy),
                                      void *arg)
{
    struct chores_token *c = xcalloc(1, sizeof(*c));
    struct tokrot_opts o = { .product = product, .name = name };
    struct lb_err err = { 0 };

    c->app = app;
    c->w = w;
    c->product = product;
    str_copy(c->name, sizeof(c->name), name);
    c->changed = changed;
    c->arg = arg;
    c->t = tokrot_new(app->loop, app->cfg, app->store, &o, on_update, c, &err);
    if (!c->t) {
        str_copy(c->start_err, sizeof(c->start_err), err.msg);
        show(c);
        return c;
    }
    if (tokrot_plan_start(c->t, &err) < 0 && !tokrot_done(c->t)) {
        str_copy(c->start_err, sizeof(c->start_err), err.msg);
        tokrot_free(c->t);
        c->t = NULL;
    }
    show(c);
    return c;
}

bool chores_token_next(struct chores_token *c)
{
    struct lb_err err = { 0 };

    if (c->t && tokrot_planned(c->t) && wizard_confirmed(c->w)) {
        c->going = true;
        c->nlog = 0;
        tokrot_go(c->t, &err);
        show(c);
        c->changed(c->arg, chores_token_running(c));
    }
    return true;
}

bool chores_token_key(struct chores_token *c, int key)
{
    if (!c || !c->t || !tokrot_done(c->t) || !tokrot_unsaved_secret(c->t) || key != 's')
        return false;
    c->shown = true;
    show(c);
    return true;
}

bool chores_token_running(const struct chores_token *c)
{
    return c && c->t && !tokrot_done(c->t) && !tokrot_planned(c->t);
}

bool chores_token_done(const struct chores_token *c)
{
    return c && (!c->t || tokrot_done(c->t));
}

void chores_token_cancel(struct chores_token *c)
{
    if (c && c->t && !tokrot_done(c->t)) {
        tokrot_cancel(c->t);
        show(c);
    }
}

void chores_token_free(struct chores_token *c)
{
    if (!c)
        return;
    tokrot_free(c->t);
    free(c);
}
