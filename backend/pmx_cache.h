#ifndef LIFEBOAT_BACKEND_PMX_CACHE_H
#define LIFEBOAT_BACKEND_PMX_CACHE_H

#include <time.h>

#include "backend/app_proxmox.h"
#include "backend/base/err.h"
#include "backend/base/vec.h"

/*
 * The Proxmox inventory as the store caches it (one JSON document, never a
 * secret): the guest rows with their snapshots, PBS and job sides, and the
 * datastore, with the fetch time of each endpoint. Decoding is strict about
 * types and lenient about missing fields (an older document still loads).
 */

/* New document text (NULL only on out-of-memory inside jansson). */
char *pmx_cache_encode(const struct app_pmx *p);
/*
 * Parse doc: guests pushed to guests (struct pmx_guest *, new), the
 * datastore figures into ds (its name left alone), the fetch times. 0, or
 * -LB_EPARSE with err.
 */
int pmx_cache_decode(const char *doc, struct vec *guests, struct pmx_datastore *ds, time_t *pve_at,
                     time_t *pbs_at, struct lb_err *err);

#endif
