#ifndef LIFEBOAT_BACKEND_DRILL_PMX_H
#define LIFEBOAT_BACKEND_DRILL_PMX_H

#include <stdbool.h>
#include <stddef.h>

#include "backend/base/err.h"
#include "backend/base/vec.h"
#include "backend/store.h"

/*
 * The Proxmox restore drills (issue 7), run through the loop:
 *
 * rollback -- only on [drill] rollback_vmid: note its status and config
 *   digest, snapshot it (with RAM when it runs, so the rollback resumes it),
 *   change nothing else, roll back, follow the task, confirm the status is
 *   the prior one and the guest runs on the drill snapshot, remove the drill
 *   snapshot and confirm the config digest is the one it had before. A drill
 *   snapshot left by an interrupted drill ("lifeboat-drill-*") is removed
 *   first. RTO: rollback started -> guest confirmed; RPO: the drill
 *   snapshot's age when the rollback started.
 *
 * pbs -- the newest backup of a chosen guest on the node's PBS storage is
 *   restored into the lowest VMID of restore_vmid_range that no guest holds
 *   (never an existing guest), the task followed, the restored config
 *   compared with the backup's (extractconfig: every key but the disks'
 *   volume names and the digest), optionally started and seen running
 *   (then stopped), then destroyed and seen gone. RTO: restore started ->
 *   config confirmed (and running); RPO: the backup's age.
 *
 * One drill at a time (the same lock as the cloud drill). A record
 * (struct store_drill) is written at the start ("running") and at the end
 * whatever the outcome; on failure or cancel the drill snapshot / restored
 * guest is removed when the server lets it.
 */

struct loop;
struct config;
struct drill_pmx;

struct drill_pmx_opts {
    const char *kind; /* "rollback" | "pbs" */
    int vmid;         /* pbs: the guest whose newest backup is restored (0: rollback_vmid) */
    bool start;       /* pbs: start the restored guest and wait for it to run */
};

struct drill_pmx *drill_pmx_new(struct loop *loop, const struct config *cfg, struct store *st,
                                const struct drill_pmx_opts *opts,
                                void (*on_update)(struct drill_pmx *d, void *arg), void *arg,
                                struct lb_err *err);
/* Start it (async): 0 or negative with err (the record is then final). */
int drill_pmx_go(struct drill_pmx *d, struct lb_err *err);
/* Stop what runs; the drill ends cancelled after removing what it created. */
void drill_pmx_cancel(struct drill_pmx *d);
bool drill_pmx_done(const struct drill_pmx *d);
/* The record as it stands (borrowed). */
const struct store_drill *drill_pmx_record(const struct drill_pmx *d);
/* What runs now, one line (borrowed). */
const char *drill_pmx_step(const struct drill_pmx *d);
void drill_pmx_free(struct drill_pmx *d);

/* ---- pure parts (unit-tested) ---- */

/* A guest config as key/value pairs (struct drill_kv *). */
struct drill_kv {
    char *k, *v;
};
void drill_kv_free(void *p);
/* "key: value" lines (vzdump extractconfig; [snapshot] sections and comments skipped). */
void drill_conf_parse_text(const char *text, struct vec *out);
/* The record of key k, NULL when absent (borrowed). */
const struct drill_kv *drill_kv_find(const struct vec *v, const char *k);
/* Parsers shared with the real restore (restore_guest.c), pmx_parse_fn shaped: */
/* GET /nodes/N/TYPE/VMID/config -> struct drill_kv records (numbers as text). */
int drill_conf_parse_json(const char *body, size_t len, struct vec *out, struct lb_err *err);
/* GET /nodes/N/vzdump/extractconfig ({"data": "key: value\n..."}) -> struct drill_kv records. */
int drill_conf_parse_extract(const char *body, size_t len, struct vec *out, struct lb_err *err);
/*
 * Compare a restored config with the backup's: every key of the backup but
 * digest/parent/lock must be equal, disks (scsiN, virtioN, sataN, ideN,
 * efidisk0, tpmstate0, rootfs, mpN) compared without their volume name.
 * 0 equal; else the number of differences, the first few described in why.
 */
int drill_conf_compare(const struct vec *backup, const struct vec *restored, char *why, size_t n);
/* Lowest VMID in [from, to] no guest holds (taken: int array), 0 when none. */
int drill_free_vmid(const int *taken, size_t n, int from, int to);

#endif
