#ifndef LIFEBOAT_BACKEND_PMX_JOBS_CACHE_H
#define LIFEBOAT_BACKEND_PMX_JOBS_CACHE_H

#include <stdbool.h>

#include "backend/app_proxmox.h"
#include "backend/base/err.h"
#include "backend/base/vec.h"

/*
 * The job side of the Proxmox inventory cache: PVE backup jobs, PBS
 * GC/prune/verify/sync jobs and the datastore's backup list, carried in the
 * same document as pmx_cache.h's guests (additive keys "pve_jobs",
 * "pbs_jobs", "pbs_backups": an older document still loads, without them).
 * Never a secret in it.
 */

/*
 * Add p's job lists (those known) and backups (NULL: not read) to doc, a
 * pmx_cache_encode() text. Takes doc; returns the new text (doc itself when
 * it does not parse).
 */
char *pmx_jobs_cache_add(char *doc, const struct app_pmx *p, const struct vec *backups);

/*
 * Read them back from doc: p->pve_jobs / p->pbs_jobs filled and their
 * *_known set when the document has them; backups (struct pbs_snapshot *)
 * filled and *have_backups set likewise. 0, or -LB_EPARSE with err.
 */
int pmx_jobs_cache_read(const char *doc, struct app_pmx *p, struct vec *backups, bool *have_backups,
                        struct lb_err *err);

#endif
