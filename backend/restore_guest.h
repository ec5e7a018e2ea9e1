#ifndef LIFEBOAT_BACKEND_RESTORE_GUEST_H
#define LIFEBOAT_BACKEND_RESTORE_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "backend/base/err.h"
#include "backend/base/vec.h"
#include "backend/store.h"

/*
 * A real restore of a Proxmox guest from its PBS backups (issue 7), run
 * through the loop in three stages the front ends drive:
 *
 * load -- the guests, the PBS storage of the node, every backup on it and
 *   the next free VMID (/cluster/nextid). Phase RG_CHOOSE.
 * prepare -- one guest, one of its backups, one target: a new VMID (given,
 *   else the next free one; checked free with /cluster/nextid?vmid=N and
 *   the guest list) or the original VMID. Reads the config saved in the
 *   backup and, over the original, the loss preview: the guest's status,
 *   config digest and differences from the backup's config, the snapshots
 *   the restore removes, the time between the backup and now (the data
 *   lost). Phase RG_READY. Nothing has changed yet.
 * go -- a record (drills table, kind "restore-guest") is written at the
 *   start and at the end whatever the outcome. Over the original: a running
 *   guest is refused unless shutdown was asked (a clean ACPI shutdown
 *   followed to its end, never a hard stop); the config digest is read
 *   again and must still be the previewed one; then restore with force=1.
 *   A new VMID gets unique=1 (new MAC addresses: the original may still
 *   run). The task is followed live (its log tail kept), the restored
 *   config compared with the backup's (disks without their volume names,
 *   MAC addresses skipped when unique), optionally started and seen
 *   running. Phase RG_DONE.
 *
 * A failure in load/prepare leaves nothing changed and no record: the
 * phase falls back and restore_guest_error() says why.
 */

struct loop;
struct config;
struct restore_guest;

enum restore_guest_phase { RG_IDLE, RG_LOADING, RG_CHOOSE, RG_PREPARING, RG_READY, RG_RUNNING,
                           RG_DONE };

/* A guest one can restore: listed in PVE, or gone but with backups. */
struct rg_guest {
    int vmid;
    char type[8];   /* "qemu" | "lxc" */
    char name[64];  /* sanitized; "" when gone */
    char status[16]; /* "running", "stopped", "" when gone */
    bool exists;
    int nbackups;
    time_t newest; /* newest backup's time, 0 none */
};

struct rg_backup {
    char volid[256];
    int vmid;
    char type[8];
    time_t ctime;
    uint64_t size;
    char verify[8]; /* "ok", "failed", "" never verified */
    bool is_protected, encrypted;
};

/* What prepare found: the summary and, over the original, what is lost. */
struct rg_preview {
    struct rg_guest guest;
    struct rg_backup backup;
    char node[64];
    char storage[64];      /* the PBS storage the backup is on */
    char disk_storage[64]; /* where the disks go ("" : PVE's choice) */
    int target;    /* VMID restored into */
    bool original; /* target == guest.vmid, force=1 */
    size_t backup_keys;
    /* original only */
    char status[16];
    char lock[32];
    char digest[64];       /* the current config's digest */
    int config_diffs;      /* current config against the backup's (0: equal) */
    char config_why[256];
    struct vec snapshots;  /* char *: names of the snapshots that will be gone */
    int64_t data_loss_s;   /* now - backup time: the changes made since are lost */
    bool protection;       /* the guest has protection=1: PVE will refuse */
};

struct restore_guest *restore_guest_new(struct loop *loop, const struct config *cfg,
                                        struct store *st,
                                        void (*on_update)(struct restore_guest *rg, void *arg),
                                        void *arg, struct lb_err *err);
void restore_guest_free(struct restore_guest *rg); /* a running restore ends "interrupted" */

/* Stage 1 (async): phase RG_LOADING, then RG_CHOOSE (or RG_IDLE with the error). */
int restore_guest_load(struct restore_guest *rg, struct lb_err *err);
/* After load: the guests (struct rg_guest *, by VMID) and the backups (struct rg_backup *,
 * newest first; vmid 0: all). Borrowed. */
const struct vec *restore_guest_guests(const struct restore_guest *rg);
size_t restore_guest_backups(const struct restore_guest *rg, int vmid,
                             const struct rg_backup **out, size_t max);
int restore_guest_next_free(const struct restore_guest *rg); /* from /cluster/nextid, 0 unknown */

/*
 * Stage 2 (async): backup is a volid of that guest; target 0 with !original:
 * the next free VMID. Errors found at once (unknown guest, VMID taken) are
 * returned; the rest come through the phase going back to RG_CHOOSE.
 */
int restore_guest_prepare(struct restore_guest *rg, int vmid, const char *backup_volid,
                          int target, bool original, struct lb_err *err);
const struct rg_preview *restore_guest_preview(const struct restore_guest *rg);
/*
 * After load: put the restored disks on storage (NULL: PVE's choice, the
 * backup's own storages for a VM). Checked against the node's enabled
 * storages that hold disks of type ("images" for qemu, "rootdir" for lxc).
 */
int restore_guest_set_storage(struct restore_guest *rg, const char *storage, const char *type,
                              struct lb_err *err);

/* Stage 3 (async): shutdown: a running original is shut down first (else refused). */
int restore_guest_go(struct restore_guest *rg, bool shutdown, bool start, struct lb_err *err);
/* Stop: before the restore task nothing is changed; during it lifeboat stops following (the
 * task runs on in PVE) and says so in the record. */
void restore_guest_cancel(struct restore_guest *rg);

enum restore_guest_phase restore_guest_phase(const struct restore_guest *rg);
const char *restore_guest_error(const struct restore_guest *rg); /* "" none */
const char *restore_guest_step(const struct restore_guest *rg);  /* one line, what runs */
/* The last lines of the restore task's log (struct: up to n, oldest first, sanitized). */
size_t restore_guest_log_tail(const struct restore_guest *rg, const char **lines, size_t n);
const struct store_drill *restore_guest_record(const struct restore_guest *rg);

/* ---- pure parts (unit-tested) ---- */

/*
 * Pick a backup of vmid by selector: NULL/"newest"; a whole volid; a UTC
 * time as in the volid ("2026-11-26T02:00:00Z", the Z optional) or a
 * unique prefix of it ("2026-11-26"). Index into backups (newest first) or
 * a negative LB_E* with err naming the candidates.
 */
int restore_guest_pick(const struct rg_backup *const *backups, size_t n, const char *selector,
                       struct lb_err *err);
/* "VMID-NAME": the word a restore over the original must be confirmed with. */
void restore_guest_confirm_word(const struct rg_guest *g, char *out, size_t n);
/* A net* value without its MAC address ("virtio=BC:..,bridge=vmbr0" -> "virtio=*,bridge=..."). */
void restore_guest_strip_mac(const char *in, char *out, size_t n);

#endif
