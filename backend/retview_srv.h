#ifndef LIFEBOAT_BACKEND_RETVIEW_SRV_H
#define LIFEBOAT_BACKEND_RETVIEW_SRV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend/base/err.h"
#include "backend/base/vec.h"
#include "backend/retview.h"
#include "backend/retview_pmx.h"

/*
 * The PBS server's own prune dry-run beside lifeboat's proxmox engine:
 * POST /admin/datastore/{store}/prune dry-run=1 per group with the group's
 * keep-* set, then keep/remove compared snapshot by snapshot with the plan.
 */

enum retview_srv_say { SRV_SAY_KEEP, SRV_SAY_REMOVE, SRV_SAY_ABSENT };

struct retview_srv_diff {
    int64_t time;                /* the snapshot's backup time */
    enum retview_srv_say engine; /* lifeboat's plan (ABSENT: not planned) */
    enum retview_srv_say server; /* the dry-run (ABSENT: not listed) */
};

struct retview_srv {
    bool done;          /* the answer (or the error) is in */
    bool failed;        /* err says why */
    struct lb_err err;
    struct vec diffs;   /* struct retview_srv_diff *, oldest first */
    size_t n_compared;  /* snapshots listed by both */
};

void retview_srv_init(struct retview_srv *s);
void retview_srv_release(struct retview_srv *s);

/*
 * Compare the plan v with the server's answer items (struct pbs_prune_item *)
 * into s (diffs replaced, done set). A protected item, or one the server
 * keeps that lifeboat does not plan (unfinished), is no disagreement.
 */
void retview_srv_compare(struct retview_srv *s, const struct retview *v, const struct vec *items);

/* "keep" / "remove" / "not listed" */
const char *retview_srv_say_word(enum retview_srv_say w, bool engine);

/*
 * Ask the server at pbs (the config's [pbs] section) for the dry-run of
 * every group (n of them, struct retview_pbs_group) and compare each with
 * views[i] (NULL or an unbuilt one: no comparison, failed) into out[i]
 * (initialised by the caller). Turns the loop until all answered.
 * 0, or a negative code with err when no client could be made.
 */
struct loop;
struct pbs_cfg;
int retview_srv_fetch_sync(struct loop *loop, const struct pbs_cfg *pbs,
                           const struct retview_pbs_group *const *groups,
                           const struct retview *const *views, size_t n, struct retview_srv *out,
                           struct lb_err *err);

#endif
