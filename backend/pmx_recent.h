#ifndef LIFEBOAT_BACKEND_PMX_RECENT_H
#define LIFEBOAT_BACKEND_PMX_RECENT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "backend/base/err.h"
#include "backend/base/vec.h"
#include "backend/proxmox_model.h"

/*
 * The recent tasks of both products in one list, whoever started them (the
 * 02:00 vzdump, PBS verify / prune / GC jobs, the console's own snapshots):
 * PVE's /cluster/tasks and PBS's /nodes/localhost/tasks items (reference
 * 3.10, 4.11) turned into one row type, merged newest first. Pure (unit-
 * tested); `lifeboat tasks` and the Runs screen show these rows. Also the
 * cache document of the rows and of the PBS disks (never a secret).
 */

struct pmx_recent {
    enum pmx_product product;
    char *node; /* PBS: the real name from the UPID, not "localhost" */
    char *type; /* "vzdump", "verificationjob", ... */
    char *id;   /* vmid, "usb-ssd:v-3f2a..."; "" when none */
    char *user; /* the full auth id, token included: "lifeboat@pve!console" */
    char *upid;
    char *status; /* NULL while running; "OK", "WARNINGS: N", the error text */
    time_t started;
    time_t ended; /* 0 while running */
};
void pmx_recent_free(void *p);

/* Append rows (new) for PVE items (struct pmx_task_status *) / PBS items (struct pbs_task *). */
void pmx_recent_add_pve(struct vec *rows, const struct vec *tasks);
void pmx_recent_add_pbs(struct vec *rows, const struct vec *tasks);
/* Newest start first (ties: by UPID, so the order is stable); keep at most limit (0: all). */
void pmx_recent_sort(struct vec *rows, size_t limit);

/* PMX_RUNNING, PMX_OK, PMX_WARNINGS, PMX_ERROR (unknown counts as an error, as PVE does). */
enum pmx_outcome pmx_recent_outcome(const struct pmx_recent *r);
/* "running", or the end status. */
const char *pmx_recent_status(const struct pmx_recent *r);
/* 0 every listed task OK or running, 1 one ended with warnings, 2 one failed. */
int pmx_recent_exit(const struct vec *rows);
/* The product a UPID belongs to (PBS's have 9 fields). 0 or -LB_EPARSE. */
int pmx_recent_product(const char *upid, enum pmx_product *out, struct lb_err *err);

/* The rows and PBS disks as one cache document (new), and back (0 or -LB_EPARSE). */
char *pmx_recent_encode(const struct vec *rows, const struct vec *disks);
int pmx_recent_decode(const char *doc, struct vec *rows, struct vec *disks, struct lb_err *err);

/* ---- PBS disks (4.12) against lifeboat's own [disk] view ---- */

/* Same drive: serials equal ignoring case and surrounding blanks (empty never matches). */
bool pbs_disk_serial_match(const char *pbs_serial, const char *smart_serial);
/* 0 ok (passed), 1 unknown, 2 failed. */
int pbs_disk_level(const struct pbs_disk *d);
/* Why the status is what it is, for unknown and failed ("" for passed); static text. */
const char *pbs_disk_note(const struct pbs_disk *d);

#endif
