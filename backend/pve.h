#ifndef LIFEBOAT_BACKEND_PVE_H
#define LIFEBOAT_BACKEND_PVE_H

#include <stdbool.h>
#include <stddef.h>

#include "backend/base/err.h"
#include "backend/base/vec.h"
#include "backend/proxmox.h"
#include "backend/proxmox_model.h"

/*
 * Proxmox VE adapter (reference section 3): request builders and parsers on
 * the shared transport (proxmox.h). Fetchers return the call (NULL with err
 * when it cannot start) and deliver records through done; actions deliver one
 * char * record, the UPID of the task they started (follow it with
 * pmx_follow_start), or PVE's literal "OK" for a vzdump with nothing local.
 * type is "qemu" or "lxc" everywhere.
 */

/* ---- parsers: a whole response body -> records (unit-tested, fuzzed) ---- */

/* /cluster/resources?type=vm -> struct pve_guest (other entry types are skipped). */
int pve_parse_guests(const char *body, size_t len, struct vec *out, struct lb_err *err);
/* /nodes/{node}/qemu, /nodes/{node}/lxc -> struct pve_guest (node NULL; string vmids accepted). */
int pve_parse_qemu_list(const char *body, size_t len, struct vec *out, struct lb_err *err);
int pve_parse_lxc_list(const char *body, size_t len, struct vec *out, struct lb_err *err);
/* .../snapshot -> one struct pve_snapshot_list (snapshots oldest first, "current" folded in). */
int pve_parse_snapshots(const char *body, size_t len, struct vec *out, struct lb_err *err);
/* /cluster/backup -> struct pve_backup_job. */
int pve_parse_backup_jobs(const char *body, size_t len, struct vec *out, struct lb_err *err);
/* /cluster/backup-info/not-backed-up -> struct pve_unbacked. */
int pve_parse_unbacked(const char *body, size_t len, struct vec *out, struct lb_err *err);
/* /nodes/{node}/storage/{storage}/content -> struct pve_backup (backups only). */
int pve_parse_backups(const char *body, size_t len, struct vec *out, struct lb_err *err);
/* /nodes/{node}/storage -> struct pve_storage. */
int pve_parse_storages(const char *body, size_t len, struct vec *out, struct lb_err *err);
/* /nodes/{node}/tasks, /cluster/tasks -> struct pmx_task_status (running when no endtime). */
int pve_parse_tasks(const char *body, size_t len, struct vec *out, struct lb_err *err);

/* ---- reads ---- */

struct pmx_call *pve_get_guests(struct pmx_client *c, pmx_result_fn done, void *arg,
                                struct lb_err *err);
struct pmx_call *pve_get_snapshots(struct pmx_client *c, const char *node, const char *type,
                                   int vmid, pmx_result_fn done, void *arg, struct lb_err *err);
struct pmx_call *pve_get_backup_jobs(struct pmx_client *c, pmx_result_fn done, void *arg,
                                     struct lb_err *err);
struct pmx_call *pve_get_unbacked(struct pmx_client *c, pmx_result_fn done, void *arg,
                                  struct lb_err *err);
/* vmid 0: every guest's backups. */
struct pmx_call *pve_get_backups(struct pmx_client *c, const char *node, const char *storage,
                                 int vmid, pmx_result_fn done, void *arg, struct lb_err *err);
struct pmx_call *pve_get_storages(struct pmx_client *c, const char *node, pmx_result_fn done,
                                  void *arg, struct lb_err *err);
/* Finished tasks (source=archive), newest first, at most limit. */
struct pmx_call *pve_get_tasks(struct pmx_client *c, const char *node, int limit,
                               pmx_result_fn done, void *arg, struct lb_err *err);

/* The recent tasks of every node (/cluster/tasks, running ones included), whoever started them. */
struct pmx_call *pve_get_cluster_tasks(struct pmx_client *c, pmx_result_fn done, void *arg,
                                       struct lb_err *err);

/* ---- actions (each answers a UPID) ---- */

/* A snapshot name PVE accepts: [A-Za-z][A-Za-z0-9_-]+, at most 40, not "current"/"pending". */
int pve_check_snapname(const char *name, struct lb_err *err);
/* vmid within [from, to] of [drill] restore_vmid_range (0/0: no range configured -> refused). */
int pve_check_drill_vmid(int vmid, int from, int to, struct lb_err *err);

struct pmx_call *pve_snapshot_create(struct pmx_client *c, const char *node, const char *type,
                                     int vmid, const char *name, const char *description,
                                     bool vmstate, pmx_result_fn done, void *arg,
                                     struct lb_err *err);
struct pmx_call *pve_snapshot_rollback(struct pmx_client *c, const char *node, const char *type,
                                       int vmid, const char *name, bool start, pmx_result_fn done,
                                       void *arg, struct lb_err *err);
struct pmx_call *pve_snapshot_delete(struct pmx_client *c, const char *node, const char *type,
                                     int vmid, const char *name, pmx_result_fn done, void *arg,
                                     struct lb_err *err);
/* An ad-hoc backup of vmids ("100,101") to storage (3.7). */
struct pmx_call *pve_vzdump(struct pmx_client *c, const char *node, const char *vmids,
                            const char *storage, const char *mode, pmx_result_fn done, void *arg,
                            struct lb_err *err);
/* "Run now" of a backup job: its selection, storage, mode and notes, on node. */
struct pmx_call *pve_backup_job_run(struct pmx_client *c, const char *node,
                                    const struct pve_backup_job *job, pmx_result_fn done, void *arg,
                                    struct lb_err *err);
/*
 * Restore a backup (a volid "STORAGE:backup/vm/100/...") into a NEW guest
 * vmid, which must lie in the drill range [from, to]; never overwrites (no
 * force). storage: target storage for the disks (NULL: PVE's default).
 */
struct pmx_call *pve_restore(struct pmx_client *c, const char *node, const char *type, int vmid,
                             const char *archive, const char *storage, int from, int to,
                             pmx_result_fn done, void *arg, struct lb_err *err);
/*
 * Restore a backup into guest vmid (a real restore, issue 7): no range
 * check; PVE_RESTORE_FORCE overwrites an existing guest (PVE refuses a
 * running or protected one), PVE_RESTORE_UNIQUE gives new MAC addresses.
 * The caller has checked the target and asked the operator.
 */
#define PVE_RESTORE_FORCE  1u
#define PVE_RESTORE_UNIQUE 2u
struct pmx_call *pve_restore_guest(struct pmx_client *c, const char *node, const char *type,
                                   int vmid, const char *archive, const char *storage,
                                   unsigned flags, pmx_result_fn done, void *arg,
                                   struct lb_err *err);
/* Destroy a guest, only when vmid lies in the drill range [from, to]. */
struct pmx_call *pve_destroy(struct pmx_client *c, const char *node, const char *type, int vmid,
                             int from, int to, pmx_result_fn done, void *arg, struct lb_err *err);

#endif
