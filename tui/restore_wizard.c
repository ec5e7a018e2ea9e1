/*
 * The "Restore files" wizard (see restore_wizard.h). backend/restore.c does
 * the work through the app's loop; this file keeps the operator's choices
 * (repo, snapshot, marks in the tree, target), shows the backend's state and
 * asks before anything is written over existing files.
 */
#include "tui/restore_wizard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/app.h"
#include "backend/base/buf.h"
#include "backend/base/clock.h"
#include "backend/base/str.h"
#include "backend/base/xalloc.h"
#include "backend/config.h"
#include "backend/restic.h"
#include "backend/restore.h"
#include "tui/action.h"
#include "tui/glyph.h"
#include "tui/prompt.h"
#include "tui/wizard.h"

enum rstep {
    RS_REPO = 1,
    RS_SNAPSHOT,
    RS_BROWSE,
    RS_TARGET,
    RS_SUMMARY,
    RS_RUN,
    RS_RESULT,
    RS_NSTEPS = RS_RESULT
};

struct restore_wizard {
    struct app *app;
    bool active, finished, counted_busy, ask_cancel, btn_focus;
    bool previewing; /* the plan's preview runs: its end shows the summary */
    struct wizard wz;
    struct restore *r;
    int repo_sel;
    /* a scrolled list (snapshots, the tree): cursor and first row shown */
    int snap_cur, snap_top;
    struct rtree_node *cwd;
    int cur, top;
    int visible, width; /* rows and columns of the list at the last draw */
    struct vec marks;   /* struct rtree_node * (borrowed from the restore's tree) */
    int target_sel;
    struct prompt folder;
};

static void busy(struct restore_wizard *rw, bool on)
{
    if (on && !rw->counted_busy) {
        rw->app->busy++;
        rw->counted_busy = true;
    } else if (!on && rw->counted_busy) {
        rw->app->busy--;
        rw->counted_busy = false;
    }
}

static void kick(struct restore_wizard *rw)
{
    if (rw->app->on_change)
        rw->app->on_change(rw->app, APP_CHANGED_BUSY, rw->app->on_change_arg);
}

struct restore_wizard *restore_wizard_new(struct app *app)
{
    struct restore_wizard *rw = xcalloc(1, sizeof(*rw));

    rw->app = app;
    rw->visible = 8;
    rw->width = 76;
    vec_init(&rw->marks, NULL);
    return rw;
}

static void close_restore(struct restore_wizard *rw)
{
    rw->previewing = false;
    restore_free(rw->r);
    rw->r = NULL;
    vec_clear(&rw->marks);
    rw->cwd = NULL;
    busy(rw, false);
}

static void close_all(struct restore_wizard *rw)
{
    close_restore(rw);
    prompt_close(&rw->folder);
    rw->active = false;
    rw->ask_cancel = false;
    rw->finished = true;
}

void restore_wizard_free(struct restore_wizard *rw)
{
    if (!rw)
        return;
    restore_free_sync(rw->r); /* the console ends: wait for restic to stop */
    rw->r = NULL;
    close_restore(rw);
    vec_release(&rw->marks);
    free(rw);
}

bool restore_wizard_active(const struct restore_wizard *rw)
{
    return rw && rw->active;
}

bool restore_wizard_take_finished(struct restore_wizard *rw)
{
    bool f = rw->finished;

    rw->finished = false;
    return f;
}

static const struct restore_view *view(const struct restore_wizard *rw)
{
    return restore_view(rw->r);
}

/* ---- step 1: the repo ---- */

static void step_repo(struct restore_wizard *rw)
{
    struct wizard *w = &rw->wz;
    size_t i;
    struct repo_cfg *repo;

    wizard_step(w, RS_REPO, "Restore files from which repository?");
    vec_foreach(&rw->app->cfg->repos, i, repo) {
        const char *lp = config_repo_local_path(repo);

        wizard_choice(w, "%-16s %s", repo->name,
                      repo->tier == TIER_OFFSITE ? "off-site (downloads from the cloud)"
                      : lp                       ? "local"
                                                 : "remote");
    }
    w->sel = rw->repo_sel < w->nchoices ? rw->repo_sel : 0;
    wizard_note(w, EL_DIM,
                "Files are restored into [drill] scratch unless you choose otherwise; nothing "
                "is written before the summary.");
}

static void on_restore(struct restore *r, void *arg);

static void repo_next(struct restore_wizard *rw)
{
    struct wizard *w = &rw->wz;
    struct repo_cfg *repo = vec_get(&rw->app->cfg->repos, (size_t)w->sel);
    struct lb_err err = { 0 };

    rw->repo_sel = w->sel;
    close_restore(rw);
    if (!repo)
        return;
    rw->r = restore_new(rw->app->loop, rw->app->cfg, rw->app->store, repo->name, NULL, on_restore,
                        rw, &err);
    if (!rw->r || restore_snapshots(rw->r, &err) < 0) {
        close_restore(rw);
        step_repo(rw);
        wizard_note(w, EL_STATUS_CRIT, "%s", err.msg);
        return;
    }
    busy(rw, true);
    w->busy = true;
    w->next_ok = false;
    wizard_note(w, EL_DIM,
                "restic reads the repo's snapshots with its password from the "
                "configured source...");
}

/* ---- step 2: the snapshot ---- */

static void step_snapshot(struct restore_wizard *rw)
{
    struct wizard *w = &rw->wz;

    wizard_step(w, RS_SNAPSHOT, "Which snapshot? (newest first)");
    wizard_row(w, "Repository", EL_NORMAL, "%s  (%zu snapshots)", restore_repo(rw->r)->name,
               view(rw)->snapshots.len);
    if (!view(rw)->snapshots.len) {
        w->next_ok = false;
        wizard_note(w, EL_STATUS_WARN, "The repo holds no snapshot: nothing to restore.");
    }
    rw->snap_top = 0;
}

static void snapshot_rows(struct restore_wizard *rw)
{
    struct wizard *w = &rw->wz;
    const struct vec *s = &view(rw)->snapshots;
    time_t now = clock_now();

    w->nchoices = 0;
    if (rw->snap_cur < rw->snap_top)
        rw->snap_top = rw->snap_cur;
    if (rw->snap_cur >= rw->snap_top + rw->visible)
        rw->snap_top = rw->snap_cur - rw->visible + 1;
    for (int i = rw->snap_top; i < (int)s->len && w->nchoices < rw->visible; i++) {
        const struct restic_snapshot *sn = s->items[i];
        char t[32], age[32];

        clock_fmt_local(sn->time, t, sizeof(t));
        t[16] = '\0';
        wizard_choice(w, "%.8s  %s  %-8s  %-14.14s %s", sn->id, t,
                      str_fmt_age(now - sn->time, age, sizeof(age)),
                      sn->hostname ? sn->hostname : "?",
                      sn->paths.len ? (const char *)sn->paths.items[0] : "");
    }
    w->sel = rw->snap_cur - rw->snap_top;
}

static void snapshot_next(struct restore_wizard *rw)
{
    struct wizard *w = &rw->wz;
    const struct restic_snapshot *sn = vec_get(&view(rw)->snapshots, (size_t)rw->snap_cur);
    struct lb_err err = { 0 };

    if (!sn)
        return;
    vec_clear(&rw->marks);
    rw->cwd = NULL;
    if (restore_list(rw->r, sn->id, &err) < 0) {
        wizard_note(w, EL_STATUS_CRIT, "%s", err.msg);
        return;
    }
    busy(rw, true);
    w->busy = true;
    w->next_ok = false;
    w->nnotes = 0;
    wizard_note(w, EL_DIM, "restic lists the snapshot's files...");
}

/* ---- step 3: the tree ---- */

static bool is_marked(const struct restore_wizard *rw, const struct rtree_node *n, bool *inherited)
{
    size_t i;
    const struct rtree_node *m;

    *inherited = false;
    vec_foreach(&rw->marks, i, m) {
        if (m == n)
            return true;
        if (rtree_within(n, m))
            *inherited = true;
    }
    return *inherited;
}

static int rows_in(const struct restore_wizard *rw)
{
    return (int)rw->cwd->children.len + (rw->cwd->parent ? 1 : 0);
}

/* The node of row i (NULL for ".."). */
static struct rtree_node *row_node(const struct restore_wizard *rw, int i)
{
    if (rw->cwd->parent) {
        if (i == 0)
            return NULL;
        i--;
    }
    return vec_get(&rw->cwd->children, (size_t)i);
}

static void marks_text(const struct restore_wizard *rw, char *out, size_t n)
{
    uint64_t bytes = 0, files = 0;
    size_t i;
    const struct rtree_node *m, *o;
    char b[32];

    vec_foreach(&rw->marks, i, m) {
        bool inside = false;
        size_t k;

        vec_foreach(&rw->marks, k, o)
            if (o != m && rtree_within(m, o))
                inside = true;
        if (!inside) {
            bytes += m->size;
            files += m->files;
        }
    }
    if (!rw->marks.len)
        snprintf(out, n, "nothing marked yet");
    else
        snprintf(out, n, "%zu marked: %llu file%s, %s", rw->marks.len, (unsigned long long)files,
                 files == 1 ? "" : "s", str_fmt_bytes(bytes, b, sizeof(b)));
}

static void step_browse(struct restore_wizard *rw)
{
    struct wizard *w = &rw->wz;
    const struct rtree *t = view(rw)->tree;
    char tm[32];

    if (!rw->cwd) {
        /* start in the first backed-up path when there is one */
        rw->cwd = t->paths.len ? rtree_find(t, t->paths.items[0]) : NULL;
        if (!rw->cwd || rw->cwd->type != RT_DIR)
            rw->cwd = t->root;
        rw->cur = rw->top = 0;
    }
    wizard_step(w, RS_BROWSE, "Mark what to restore");
    clock_fmt_local(t->snapshot_time, tm, sizeof(tm));
    tm[16] = '\0';
    wizard_row(w, "Snapshot", EL_NORMAL, "%.8s  %s  %s", t->snapshot_id, tm, t->hostname);
    wizard_row(w, "In", EL_TITLE, "%s", rw->cwd->path);
    wizard_row(w, "Marked", rw->marks.len ? EL_STATUS_OK : EL_DIM, "%s", "");
    marks_text(rw, w->rows[2].value, sizeof(w->rows[2].value));
    wizard_note(w, EL_DIM, "Enter: open dir  Backspace: up  Space: mark  n: next  Tab: buttons");
    rw->btn_focus = false;
}

/* name cut (at a character) and padded to w display columns, into out. */
static void fit(const char *name, int w, char *out, size_t n)
{
    size_t len;
    int dw;

    str_copy(out, n, name);
    len = strlen(out);
    while (len && draw_width(out) > w) {
        do
            len--;
        while (len && ((unsigned char)out[len] & 0xC0) == 0x80);
        out[len] = '\0';
    }
    for (dw = draw_width(out); dw < w && len + 1 < n; dw++) {
        out[len++] = ' ';
        out[len] = '\0';
    }
}

static void browse_rows(struct restore_wizard *rw)
{
    struct wizard *w = &rw->wz;
    int n = rows_in(rw), namew = rw->width - 28;
    char b[32], tm[32];

    if (namew < 10)
        namew = 10;
    if (rw->cur >= n)
        rw->cur = n ? n - 1 : 0;
    if (rw->cur < rw->top)
        rw->top = rw->cur;
    if (rw->cur >= rw->top + rw->visible)
        rw->top = rw->cur - rw->visible + 1;
    w->nchoices = 0;
    for (int i = rw->top; i < n && w->nchoices < rw->visible; i++) {
        struct rtree_node *c = row_node(rw, i);
        bool inh, m;
        char name[600], cell[600];

        if (!c) {
            wizard_choice(w, "    ../  (up)");
            continue;
        }
        m = is_marked(rw, c, &inh);
        snprintf(name, sizeof(name), "%s%s", c->shown, c->type == RT_DIR ? "/" : "");
        tm[0] = '\0';
        if (c->mtime) {
            clock_fmt_local(c->mtime, tm, sizeof(tm));
            tm[10] = '\0';
        }
        fit(name, namew, cell, sizeof(cell));
        wizard_choice(w, "%s %s %9s  %s",
                      !m    ? "[ ]"
                      : inh ? "[+]"
                            : "[x]",
                      cell,
                      c->type == RT_SYMLINK ? "symlink"
                      : c->type == RT_OTHER ? "-"
                                            : str_fmt_bytes(c->size, b, sizeof(b)),
                      tm);
    }
    if (!n)
        wizard_choice(w, "    (empty directory)");
    w->sel = rw->cur - rw->top;
    marks_text(rw, w->rows[2].value, sizeof(w->rows[2].value));
    w->rows[2].el = rw->marks.len ? EL_STATUS_OK : EL_DIM;
    snprintf(w->rows[1].value, sizeof(w->rows[1].value), "%s", rw->cwd->path);
    str_sanitize(w->rows[1].value);
}

static void toggle_mark(struct restore_wizard *rw, struct rtree_node *n)
{
    for (size_t i = 0; i < rw->marks.len; i++) {
        if (rw->marks.items[i] == n) {
            vec_remove(&rw->marks, i);
            return;
        }
    }
    vec_push(&rw->marks, n);
}

static void go_up(struct restore_wizard *rw)
{
    struct rtree_node *from = rw->cwd;

    if (!rw->cwd->parent)
        return;
    rw->cwd = rw->cwd->parent;
    rw->cur = rw->top = 0;
    for (int i = 0; i < rows_in(rw); i++)
        if (row_node(rw, i) == from)
            rw->cur = i;
}

/* Keys of the tree; true when taken. */
static bool browse_key(struct restore_wizard *rw, int key)
{
    int n = rows_in(rw);
    struct rtree_node *c;

    if (key == '\t' || key == KEYF(KEY_BTAB) || key == KEYF(KEY_LEFT) || key == KEYF(KEY_RIGHT)) {
        rw->btn_focus = true;
        return false;
    }
    if (key == KEYF(KEY_UP) || key == 'k') {
        rw->btn_focus = false;
        if (rw->cur > 0)
            rw->cur--;
        return true;
    }
    if (key == KEYF(KEY_DOWN) || key == 'j') {
        rw->btn_focus = false;
        if (rw->cur + 1 < n)
            rw->cur++;
        return true;
    }
    if (key == KEYF(KEY_PPAGE) || key == KEYF(KEY_NPAGE)) {
        rw->cur += key == KEYF(KEY_PPAGE) ? -rw->visible : rw->visible;
        rw->cur = rw->cur < 0 ? 0 : rw->cur >= n ? (n ? n - 1 : 0) : rw->cur;
        return true;
    }
    if (key == KEYF(KEY_HOME) || key == 'g' || key == KEYF(KEY_END) || key == 'G') {
        rw->cur = key == KEYF(KEY_HOME) || key == 'g' ? 0 : (n ? n - 1 : 0);
        return true;
    }
    if (key == KEYF(KEY_BACKSPACE) || key == 127 || key == 8 || key == 'h') {
        go_up(rw);
        return true;
    }
    if (key == ' ') {
        c = n ? row_node(rw, rw->cur) : NULL;
        if (c) {
            toggle_mark(rw, c);
            if (rw->cur + 1 < n)
                rw->cur++;
        }
        return true;
    }
    if ((key == '\n' || key == '\r' || key == KEYF(KEY_ENTER) || key == 'l') && !rw->btn_focus) {
        if (!n)
            return true;
        c = row_node(rw, rw->cur);
        if (!c)
            go_up(rw);
        else if (c->type == RT_DIR) {
            rw->cwd = c;
            rw->cur = rw->top = 0;
        } else
            toggle_mark(rw, c);
        return true;
    }
    return false;
}

/* ---- step 4: the target ---- */

/* The typed folder in the first row, with a cursor while "another folder" is chosen. */
static void folder_row(struct restore_wizard *rw)
{
    struct wizard *w = &rw->wz;

    if (w->sel != 1 && !rw->folder.text[0])
        str_copy(w->rows[0].value, sizeof(w->rows[0].value), "-");
    else
        snprintf(w->rows[0].value, sizeof(w->rows[0].value), "%.190s%s", rw->folder.text,
                 w->sel == 1 ? "_" : "");
    str_sanitize(w->rows[0].value);
}

static void step_target(struct restore_wizard *rw)
{
    struct wizard *w = &rw->wz;
    const char *scratch = rw->app->cfg->drill.scratch;

    wizard_step(w, RS_TARGET, "Restore where?");
    wizard_choice(w, "scratch: a fresh directory below %s", scratch ? scratch : "?");
    wizard_choice(w, "another folder (type its path)");
    wizard_choice(w, "the original location: files land where they were backed up");
    w->sel = rw->target_sel;
    if (!rw->folder.active)
        prompt_open(&rw->folder, "folder", "");
    wizard_row(w, "Folder", EL_NORMAL, "%s", "");
    folder_row(rw);
    wizard_note(w, EL_DIM,
                "Restored files keep their full path below a scratch or folder target. Over the "
                "original location the summary shows every file it would overwrite first.");
}

/* The preview runs through the loop: how far, with a spinner; Esc stops it. */
static void show_checking(struct restore_wizard *rw)
{
    struct wizard *w = &rw->wz;
    const struct restore_view *v = view(rw);

    if (w->step != RS_SUMMARY || !w->progress) {
        wizard_step(w, RS_SUMMARY, "Checking what the restore would change");
        w->back_ok = false;
        w->next_ok = false;
        w->progress = true;
        w->focus = WZB_CANCEL;
        wizard_note(w, EL_DIM, "Each file's target is looked at; nothing is written. Esc stops.");
    }
    w->busy = true;
    w->frac = v->check_total ? (double)v->check_done / (double)v->check_total : -1;
    snprintf(w->progress_text, sizeof(w->progress_text), "checking %zu of %zu files", v->check_done,
             v->check_total);
}

static void target_next(struct restore_wizard *rw)
{
    struct wizard *w = &rw->wz;
    struct vec paths = VEC_INIT(NULL);
    size_t i;
    struct rtree_node *m;
    struct lb_err err = { 0 };
    enum restore_target t = w->sel == 0   ? RESTORE_SCRATCH
                            : w->sel == 1 ? RESTORE_FOLDER
                                          : RESTORE_ORIGINAL;
    int rc;

    rw->target_sel = w->sel;
    vec_foreach(&rw->marks, i, m)
        vec_push(&paths, m->path);
    rc = restore_plan(rw->r, &paths, t, t == RESTORE_FOLDER ? str_trim(rw->folder.text) : NULL,
                      &err);
    vec_release(&paths);
    if (rc < 0) {
        step_target(rw);
        wizard_note(w, EL_STATUS_CRIT, "%s", err.msg);
        return;
    }
    rw->previewing = true;
    busy(rw, true);
    show_checking(rw);
}

static void show_summary(struct restore_wizard *rw)
{
    struct wizard *w = &rw->wz;
    size_t i;

    {
        const struct restore_view *v = view(rw);
        char b1[32], b2[32], tm[32];
        struct buf over = BUF_INIT(0);
        size_t shown = 0;
        struct restore_item *it;

        wizard_step(w, RS_SUMMARY, "Summary: nothing has been restored yet");
        clock_fmt_local(v->rec.snapshot_time, tm, sizeof(tm));
        tm[16] = '\0';
        wizard_row(w, "Repository", EL_NORMAL, "%s", v->rec.repo);
        wizard_row(w, "Snapshot", EL_NORMAL, "%.8s  %s  %s", v->rec.snapshot_id, tm,
                   v->tree->hostname);
        wizard_row(w, "Paths", EL_NORMAL, "%s", v->rec.scope);
        wizard_row(w, "Target", v->target_kind == RESTORE_ORIGINAL ? EL_STATUS_WARN : EL_NORMAL,
                   "%s%s", v->rec.target,
                   v->target_kind == RESTORE_ORIGINAL  ? "  (the original location)"
                   : v->target_kind == RESTORE_SCRATCH ? "  (scratch, a fresh directory)"
                                                       : "");
        wizard_row(w, "Files", EL_NORMAL, "%llu (%s)", (unsigned long long)v->scope_files,
                   str_fmt_bytes(v->scope_bytes, b1, sizeof(b1)));
        wizard_row(w, "Preview", v->n_overwrite ? EL_STATUS_WARN : EL_STATUS_OK,
                   "%zu to overwrite, %zu identical, %zu to create", v->n_overwrite, v->n_identical,
                   v->n_create);
        if (v->free_bytes)
            wizard_row(w, "Free there", EL_NORMAL, "%s",
                       str_fmt_bytes(v->free_bytes, b2, sizeof(b2)));
        vec_foreach(&v->items, i, it) {
            if (it->effect != RFX_OVERWRITE)
                continue;
            if (shown < 4)
                buf_printf(&over, "%s%s (%s)", shown ? "; " : "", it->node->path, it->why);
            shown++;
        }
        if (shown)
            wizard_note(w, EL_STATUS_WARN, "Overwrites: %s%s", buf_cstr(&over),
                        shown > 4 ? "; ..." : "");
        buf_release(&over);
        str_copy(w->next_label, sizeof(w->next_label), "Restore");
        if (restore_needs_confirm(rw->r)) {
            char word[64];

            if (v->target_kind == RESTORE_ORIGINAL)
                str_copy(word, sizeof(word), "original");
            else if (!str_copy(word, sizeof(word), v->rec.target))
                str_copy(word, sizeof(word), "overwrite");
            wizard_confirm_typed(w, word);
        }
    }
}

/* ---- steps 6 and 7: progress and the record ---- */

static void show_progress(struct restore_wizard *rw)
{
    struct wizard *w = &rw->wz;
    const struct restore_view *v = view(rw);
    char b1[32], b2[32], b3[32], b4[32];

    if (w->step != RS_RUN) {
        wizard_step(w, RS_RUN, "Restoring");
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
    w->frac = v->scope_bytes && v->items.len <= 20000
                  ? (double)v->bytes_done / (double)v->scope_bytes
                  : -1;
    if (v->phase == RESTORE_CHECKING) {
        w->frac = v->check_total ? (double)v->check_done / (double)v->check_total : -1;
        snprintf(w->progress_text, sizeof(w->progress_text), "checking %zu of %zu files",
                 v->check_done, v->check_total);
    } else {
        snprintf(w->progress_text, sizeof(w->progress_text), "%s of %s   %s/s   ETA %s",
                 str_fmt_bytes(v->bytes_done, b1, sizeof(b1)),
                 str_fmt_bytes(v->scope_bytes, b2, sizeof(b2)),
                 str_fmt_bytes((uint64_t)v->rate, b3, sizeof(b3)),
                 v->eta_s >= 0 ? str_fmt_duration(v->eta_s, b4, sizeof(b4)) : "?");
    }
    if (rw->ask_cancel)
        wizard_note(w, EL_PROMPT,
                    "Cancel the restore? y: stop restic (what it wrote stays), n: go on");
    else
        wizard_note(w, EL_DIM, "Cancel stops restic; files already written stay where they are.");
}

static void show_result(struct restore_wizard *rw)
{
    struct wizard *w = &rw->wz;
    const struct store_drill *r = &view(rw)->rec;
    bool ok = !strcmp(r->outcome, "ok");
    char b1[32], b2[32];

    wizard_step(w, RS_RESULT, ok ? "Restored" : "The restore did not finish");
    w->back_ok = w->cancel_ok = false;
    str_copy(w->next_label, sizeof(w->next_label), "Done");
    wizard_row(w, "Outcome", ok ? EL_STATUS_OK : EL_STATUS_CRIT, "%s %s",
               ok ? glyph(G_OK) : glyph(G_CRIT), r->outcome);
    if (r->rto_ms >= 0) {
        double s = (double)r->rto_ms / 1000.0;

        wizard_row(w, "Restored", EL_NORMAL, "%s in %llu file%s in %.1f s  (%s/s)",
                   str_fmt_bytes(r->bytes, b1, sizeof(b1)), (unsigned long long)r->files,
                   r->files == 1 ? "" : "s", s,
                   str_fmt_bytes(s > 0 ? (uint64_t)((double)r->bytes / s) : 0, b2, sizeof(b2)));
    }
    wizard_row(w, "Target", EL_NORMAL, "%s", r->target);
    wizard_row(w, "Paths", EL_NORMAL, "%s", r->scope);
    wizard_row(w, "Snapshot", EL_NORMAL, "%.8s", r->snapshot_id);
    wizard_row(w, "Record", EL_DIM, "restore %lld  (lifeboat drills)", (long long)r->id);
    if (r->error[0])
        wizard_note(w, EL_STATUS_CRIT, "%s", r->error);
}

static void on_restore(struct restore *r, void *arg)
{
    struct restore_wizard *rw = arg;
    const struct restore_view *v = restore_view(r);
    struct wizard *w = &rw->wz;

    if (v->phase == RESTORE_DONE) {
        busy(rw, false);
        rw->ask_cancel = false;
        rw->finished = true;
        show_result(rw);
    } else if (v->phase == RESTORE_RUNNING || v->phase == RESTORE_CHECKING) {
        show_progress(rw);
    } else if (v->phase == RESTORE_PREVIEW) {
        show_checking(rw);
    } else if (v->phase == RESTORE_IDLE) {
        busy(rw, false);
        w->busy = false;
        if (rw->previewing) {
            rw->previewing = false;
            if (v->planned) {
                show_summary(rw);
            } else {
                step_target(rw);
                wizard_note(w, v->error.code == LB_ECANCELLED ? EL_STATUS_WARN : EL_STATUS_CRIT,
                            "%s", v->error.msg);
            }
        } else if (w->step == RS_REPO) {
            if (v->error.code) {
                w->next_ok = true;
                w->nnotes = 0;
                wizard_note(w, EL_STATUS_CRIT, "%s", v->error.msg);
            } else {
                rw->snap_cur = 0;
                step_snapshot(rw);
            }
        } else if (w->step == RS_SNAPSHOT) {
            if (v->error.code) {
                w->next_ok = true;
                w->nnotes = 0;
                wizard_note(w, EL_STATUS_CRIT, "%s", v->error.msg);
            } else {
                step_browse(rw);
            }
        }
    }
    kick(rw);
}

/* ---- opening, keys, drawing ---- */

bool restore_wizard_open(struct restore_wizard *rw, char *why, size_t n)
{
    why[0] = '\0';
    if (rw->active)
        return true;
    if (!rw->app->cfg || !rw->app->cfg->repos.len) {
        snprintf(why, n, "restore files needs a [repo NAME] in the config");
        return false;
    }
    memset(&rw->wz, 0, sizeof(rw->wz));
    str_copy(rw->wz.title, sizeof(rw->wz.title), "Restore files");
    rw->wz.nsteps = RS_NSTEPS;
    rw->target_sel = 0; /* the folder typed last time stays offered */
    rw->finished = false;
    rw->active = true;
    step_repo(rw);
    return true;
}

static void back(struct restore_wizard *rw)
{
    struct wizard *w = &rw->wz;

    switch (w->step) {
    case RS_SNAPSHOT:
        close_restore(rw);
        step_repo(rw);
        break;
    case RS_BROWSE:
        step_snapshot(rw);
        break;
    case RS_TARGET:
        step_browse(rw);
        break;
    case RS_SUMMARY:
        step_target(rw);
        break;
    default:
        break;
    }
}

static void next(struct restore_wizard *rw)
{
    struct wizard *w = &rw->wz;
    struct lb_err err = { 0 };

    switch (w->step) {
    case RS_REPO:
        repo_next(rw);
        break;
    case RS_SNAPSHOT:
        snapshot_next(rw);
        break;
    case RS_BROWSE:
        if (!rw->marks.len) {
            w->nnotes = 0;
            wizard_note(w, EL_STATUS_WARN, "Mark at least one path with Space first.");
            break;
        }
        step_target(rw);
        break;
    case RS_TARGET:
        target_next(rw);
        break;
    case RS_SUMMARY:
        if (restore_go(rw->r, &err) < 0 && view(rw)->phase != RESTORE_DONE) {
            wizard_note(w, EL_STATUS_CRIT, "%s", err.msg);
            break;
        }
        if (view(rw)->phase != RESTORE_DONE) {
            busy(rw, true);
            show_progress(rw);
        }
        break;
    case RS_RESULT:
        close_all(rw);
        break;
    default:
        break;
    }
}

static void cancel(struct restore_wizard *rw)
{
    if (restore_busy(rw->r) && view(rw)->phase == RESTORE_PREVIEW) {
        restore_cancel(rw->r); /* back to the target step, nothing written */
        return;
    }
    if (restore_busy(rw->r) &&
        (view(rw)->phase == RESTORE_RUNNING || view(rw)->phase == RESTORE_CHECKING)) {
        rw->ask_cancel = true;
        show_progress(rw);
        return;
    }
    if (restore_busy(rw->r))
        restore_cancel(rw->r); /* a listing: stop it; its record (none) stays unwritten */
    close_all(rw);
}

static bool printable(int key)
{
    return key >= 0x20 && key < ACTION_KEY_FN && key != 0x7f;
}

void restore_wizard_key(struct restore_wizard *rw, int key)
{
    struct wizard *w = &rw->wz;

    if (!rw->active)
        return;
    if (rw->ask_cancel) {
        rw->ask_cancel = false;
        if ((key == 'y' || key == 'Y') && rw->r)
            restore_cancel(rw->r);
        if (rw->r && (view(rw)->phase == RESTORE_RUNNING || view(rw)->phase == RESTORE_CHECKING))
            show_progress(rw);
        return;
    }
    if (restore_busy(rw->r)) {
        /* only Cancel works while restic runs */
        if (key == KEY_ESC || key == 'c' || key == 'x')
            cancel(rw);
        return;
    }
    if (w->step == RS_SNAPSHOT && view(rw)->snapshots.len) {
        int n = (int)view(rw)->snapshots.len;

        if (key == KEYF(KEY_UP) || key == 'k') {
            rw->snap_cur -= rw->snap_cur > 0;
            return;
        }
        if (key == KEYF(KEY_DOWN) || key == 'j') {
            rw->snap_cur += rw->snap_cur + 1 < n;
            return;
        }
    }
    if (w->step == RS_BROWSE && browse_key(rw, key))
        return;
    if (w->step == RS_TARGET && w->sel == 1 &&
        (printable(key) || key == KEYF(KEY_BACKSPACE) || key == 127 || key == 8 ||
         key == KEYC('u') || key == KEYC('w'))) {
        prompt_key(&rw->folder, key);
        if (!rw->folder.active)
            prompt_open(&rw->folder, "folder", "");
        folder_row(rw);
        return;
    }
    switch (wizard_key(w, key)) {
    case WZ_NEXT:
        next(rw);
        break;
    case WZ_BACK:
        back(rw);
        break;
    case WZ_CANCEL:
        cancel(rw);
        break;
    case WZ_CHANGED:
        if (w->step == RS_TARGET)
            folder_row(rw);
        break;
    default:
        break;
    }
}

void restore_wizard_draw(struct restore_wizard *rw, struct rect r, int spin)
{
    struct wizard *w = &rw->wz;

    rw->width = r.w - 4;
    /* the list gets what the box leaves after heading, rows, a note and the buttons */
    rw->visible = r.h - 9 - w->nrows;
    if (rw->visible > WIZARD_CHOICES)
        rw->visible = WIZARD_CHOICES;
    if (rw->visible < 3)
        rw->visible = 3;
    if (rw->r && !restore_busy(rw->r)) {
        if (w->step == RS_SNAPSHOT && view(rw)->snapshots.len)
            snapshot_rows(rw);
        else if (w->step == RS_BROWSE && rw->cwd)
            browse_rows(rw);
    }
    wizard_draw(w, r, spin);
}
