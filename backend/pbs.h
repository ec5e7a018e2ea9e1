#ifndef LIFEBOAT_BACKEND_PBS_H
#define LIFEBOAT_BACKEND_PBS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "backend/base/err.h"
#include "backend/base/vec.h"
#include "backend/proxmox.h"
#include "backend/proxmox_model.h"

/*
 * Proxmox Backup Server adapter (reference section 4) on the shared
 * transport (proxmox.h). Same conventions as pve.h: fetchers deliver records,
 * actions one char * UPID record (follow it with pmx_follow_start).
 */

/* ---- parsers ---- */
int pbs_parse_datastores(const char *body, size_t len, struct vec *out, struct lb_err *err);
int pbs_parse_status(const char *body, size_t len, struct vec *out, struct lb_err *err);
int pbs_parse_usage(const char *body, size_t len, struct vec *out, struct lb_err *err);
int pbs_parse_groups(const char *body, size_t len, struct vec *out, struct lb_err *err);
/* struct pbs_snapshot, sorted by time (oldest first): the server's order is arbitrary. */
int pbs_parse_snapshots(const char *body, size_t len, struct vec *out, struct lb_err *err);
/* One GC status object, or the /admin/gc list: struct pbs_gc. */
int pbs_parse_gc(const char *body, size_t len, struct vec *out, struct lb_err *err);
/* /admin/{verify,prune,sync}: struct pbs_job (kind filled by the fetcher, "" here). */
int pbs_parse_jobs(const char *body, size_t len, struct vec *out, struct lb_err *err);
int pbs_parse_tasks(const char *body, size_t len, struct vec *out, struct lb_err *err);
/* /nodes/localhost/disks/list: struct pbs_disk, as PBS sorts them (by name). */
int pbs_parse_disks(const char *body, size_t len, struct vec *out, struct lb_err *err);
/* prune answer: struct pbs_prune_item, oldest first as PBS sends it. */
int pbs_parse_prune(const char *body, size_t len, struct vec *out, struct lb_err *err);

/* ---- reads ---- */
struct pmx_call *pbs_get_datastores(struct pmx_client *c, pmx_result_fn done, void *arg,
                                    struct lb_err *err);
struct pmx_call *pbs_get_status(struct pmx_client *c, const char *store, pmx_result_fn done,
                                void *arg, struct lb_err *err);
struct pmx_call *pbs_get_usage(struct pmx_client *c, pmx_result_fn done, void *arg,
                               struct lb_err *err);
struct pmx_call *pbs_get_groups(struct pmx_client *c, const char *store, pmx_result_fn done,
                                void *arg, struct lb_err *err);
/* type/id NULL: every snapshot of the datastore. */
struct pmx_call *pbs_get_snapshots(struct pmx_client *c, const char *store, const char *type,
                                   const char *id, pmx_result_fn done, void *arg,
                                   struct lb_err *err);
struct pmx_call *pbs_get_gc(struct pmx_client *c, const char *store, pmx_result_fn done, void *arg,
                            struct lb_err *err);
/* kind: "verify", "prune" or "sync"; store NULL: all. */
struct pmx_call *pbs_get_jobs(struct pmx_client *c, const char *kind, const char *store,
                              pmx_result_fn done, void *arg, struct lb_err *err);
struct pmx_call *pbs_get_tasks(struct pmx_client *c, int limit, pmx_result_fn done, void *arg,
                               struct lb_err *err);
/* The disks of the PBS host with PBS's SMART status and wearout (4.12). */
struct pmx_call *pbs_get_disks(struct pmx_client *c, pmx_result_fn done, void *arg,
                               struct lb_err *err);

/* ---- actions ---- */
/* The server's prune decision for one group, without removing anything. */
struct pmx_call *pbs_prune_dry_run(struct pmx_client *c, const char *store, const char *type,
                                   const char *id, const struct pmx_keep *keep, pmx_result_fn done,
                                   void *arg, struct lb_err *err);
/* Verify one snapshot (time != 0), a group (id set) or the datastore. */
struct pmx_call *pbs_verify(struct pmx_client *c, const char *store, const char *type,
                            const char *id, time_t time, pmx_result_fn done, void *arg,
                            struct lb_err *err);
struct pmx_call *pbs_job_run(struct pmx_client *c, const char *kind, const char *id,
                             pmx_result_fn done, void *arg, struct lb_err *err);
struct pmx_call *pbs_gc_start(struct pmx_client *c, const char *store, pmx_result_fn done,
                              void *arg, struct lb_err *err);

#endif
