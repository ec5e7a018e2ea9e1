#ifndef LIFEBOAT_BACKEND_PROXMOX_MODEL_H
#define LIFEBOAT_BACKEND_PROXMOX_MODEL_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "backend/base/err.h"
#include "backend/base/vec.h"

/*
 * What lifeboat knows about Proxmox VE and Proxmox Backup Server: plain
 * records filled by the parsers in pve.c / pbs.c (reference
 * shared/reference/proxmox-api.md, section numbers in the comments), read by
 * the front ends. No I/O and no JSON here. Every string is new (owned by its
 * record) and already passed through str_sanitize(): it came from outside.
 * Each record type has a NULL-safe *_free(void *) for struct vec.
 */

enum pmx_product { PMX_PVE, PMX_PBS };

/* "PVE" / "PBS". */
const char *pmx_product_name(enum pmx_product p);

/* Retention of a job (keep-*; 0 = rule not set). */
struct pmx_keep {
    bool set; /* any keep-* or keep-all given */
    bool all; /* PVE keep-all=1 */
    int last, hourly, daily, weekly, monthly, yearly;
};

/* ---- UPID (reference 2) ---- */

struct pmx_upid {
    enum pmx_product product; /* PBS UPIDs have the extra task_id field */
    char node[64];
    uint32_t pid;
    uint64_t pstart;
    uint64_t task_id; /* PBS only */
    time_t starttime;
    char type[64];
    char id[192];   /* worker id; PBS's systemd escaping undone ("usb-ssd:v-3f2a") */
    char user[192]; /* "root@pam", "lifeboat@pve!console" */
};

/* Parse a PVE (8 fields) or PBS (9 fields) UPID. 0 or -LB_EPARSE. */
int pmx_upid_parse(const char *s, struct pmx_upid *out, struct lb_err *err);

/* How a task ended, from its exitstatus / status text (reference 2.1, 2.2). */
enum pmx_outcome { PMX_RUNNING, PMX_OK, PMX_WARNINGS, PMX_ERROR, PMX_UNKNOWN };
/* NULL: running. "OK", "WARNINGS: N", "unknown", anything else an error. */
enum pmx_outcome pmx_outcome_of(const char *status);

struct pmx_task_status {
    char *upid;
    char *node;
    char *type;
    char *id;
    char *user;
    time_t starttime;
    bool running;
    char *exitstatus; /* NULL while running */
    time_t endtime;   /* task lists only; 0 while running or not given */
    char *tokenid;    /* PVE/PBS token tasks: user is then the bare user; NULL */
};
void pmx_task_status_free(void *p);

struct pmx_log_line {
    int n; /* 1-based */
    char *t;
};
void pmx_log_line_free(void *p);

/* ---- PVE ---- */

struct pve_guest { /* /cluster/resources?type=vm (3.3) */
    int vmid;
    char type[8]; /* "qemu" | "lxc" */
    char *name;
    char *node;
    char *status; /* "running", "stopped" */
    char *lock;   /* NULL when none */
    char *tags;
    char *pool;
    bool is_template;
    uint64_t maxmem, maxdisk;
    int64_t uptime;
};
void pve_guest_free(void *p);

struct pve_snapshot { /* one real snapshot (3.5); "current" is not one */
    char *name;
    char *description;
    time_t snaptime; /* 0: unknown */
    bool vmstate;
    char *parent;    /* NULL: first */
    char *snapstate; /* NULL, "prepare", "delete" */
};
void pve_snapshot_free(void *p);

/* The snapshot list of a guest: its snapshots and where "current" stands. */
struct pve_snapshot_list {
    struct vec snaps; /* struct pve_snapshot *, oldest first */
    char *current_parent;
    bool running;
};
void pve_snapshot_list_free(void *p);

struct pve_backup_job { /* /cluster/backup (3.6) */
    char *id;
    char *schedule;
    bool enabled;
    time_t next_run; /* 0: none */
    char *storage;
    char *vmid; /* "100,101" or NULL */
    bool all;
    char *exclude; /* NULL */
    char *pool;    /* NULL */
    char *node;    /* NULL */
    char *mode;
    char *comment;
    char *notes_template;
    struct pmx_keep keep; /* prune-backups */
};
void pve_backup_job_free(void *p);
/* Does the job select vmid (by list, all/exclude, or pool when the guest's pool is known)? */
bool pve_job_selects(const struct pve_backup_job *job, int vmid, const char *pool);

struct pve_unbacked { /* /cluster/backup-info/not-backed-up */
    int vmid;
    char type[8];
    char *name;
};
void pve_unbacked_free(void *p);

struct pve_backup { /* storage content of a PBS storage (3.8) */
    char *volid;
    int vmid;
    char subtype[8]; /* "qemu" | "lxc" */
    time_t ctime;
    uint64_t size;
    char *notes;
    bool is_protected;
    char verify[8]; /* "ok", "failed", "" never verified */
    bool encrypted;
};
void pve_backup_free(void *p);

struct pve_storage {
    char *storage;
    char *type;
    char *content;
    bool active, enabled;
    uint64_t total, used, avail;
};
void pve_storage_free(void *p);

/* ---- PBS ---- */

struct pbs_datastore { /* 4.2 */
    char *store;
    char *comment; /* NULL */
    char *maintenance;
};
void pbs_datastore_free(void *p);

struct pbs_status { /* 4.3 */
    uint64_t total, used, avail;
};
void pbs_status_free(void *p);

struct pbs_usage { /* 4.4 */
    char *store;
    bool known; /* total/used/avail present */
    uint64_t total, used, avail;
    bool has_estimate;
    time_t estimated_full; /* 0: never (flat); in the past: shrinking */
    char *error;
};
void pbs_usage_free(void *p);

struct pbs_group { /* 4.6 */
    char type[8];  /* "vm", "ct", "host" */
    char *id;
    time_t last_backup;
    int count;
    char *owner;
    char *comment;
};
void pbs_group_free(void *p);

struct pbs_snapshot { /* 4.6 */
    char type[8];
    char *id;
    time_t time;
    bool has_size;
    uint64_t size;
    bool complete; /* index.json.blob present */
    char *owner;
    char *comment;
    bool is_protected;
    char verify[8]; /* "ok", "failed", "" never verified */
    char *verify_upid;
    bool encrypted;
};
void pbs_snapshot_free(void *p);

struct pbs_gc { /* 4.5 */
    char *store;
    char *schedule;
    time_t next_run;
    char *last_state; /* NULL: never ran */
    time_t last_end;
    char *upid;
    uint64_t index_data_bytes, disk_bytes, removed_bytes, pending_bytes;
};
void pbs_gc_free(void *p);

struct pbs_job {  /* /admin/{verify,prune,sync} (4.10) */
    char kind[8]; /* "verify", "prune", "sync" */
    char *id;
    char *store;
    char *schedule;
    bool disabled;
    time_t next_run;
    char *last_state; /* NULL: never finished */
    char *last_upid;
    time_t last_end;
    struct pmx_keep keep; /* prune jobs */
};
void pbs_job_free(void *p);

struct pbs_task { /* 4.11 */
    char *upid;
    char *worker_type;
    char *worker_id;
    char *user;
    time_t starttime;
    time_t endtime; /* 0 while running */
    char *status;   /* NULL while running */
};
void pbs_task_free(void *p);

/* /nodes/localhost/disks/list (4.12) */
struct pbs_disk {
    char *name;      /* "sda", "nvme0n1" */
    char *used;      /* "unused", "mounted", "filesystem", ... */
    char *disk_type; /* "hdd", "ssd", "usb", "unknown" */
    char *status;    /* SMART: "passed", "failed", "unknown" */
    int wearout;     /* percent life left; -1: null (not known) */
    char *vendor;    /* NULL when null; vendor, model, serial, devpath alike */
    char *model, *serial, *devpath;
    uint64_t size;
};
void pbs_disk_free(void *p);

struct pbs_prune_item { /* 4.7 */
    char type[8];
    char *id;
    time_t time;
    bool keep;
    bool is_protected;
};
void pbs_prune_item_free(void *p);

/* Any single string answer (a UPID, "OK"). */
void pmx_string_free(void *p);

#endif
