#ifndef LIFEBOAT_BACKEND_RETENTION_JSON_H
#define LIFEBOAT_BACKEND_RETENTION_JSON_H

#include <stddef.h>

#include "backend/base/err.h"
#include "backend/retention.h"

/*
 * JSON in and out of the retention engines (DESIGN.md §6):
 *  - restic input: what `restic snapshots --json` prints (an array, or null);
 *    grouped by host + paths as `restic forget` does by default.
 *  - proxmox input: an array of objects with backup-time (epoch seconds) and
 *    optionally backup-type, backup-id, ns, protected, incomplete; grouped by
 *    (ns, backup-type, backup-id) as PBS does.
 *  - output: one object per input snapshot, in input order:
 *    {"id", "time", "keep", "reasons": [short names]} plus the extra keys
 *    "group" and, for restic, "matches" (restic's exact strings) or, for
 *    proxmox, "mark" (PBS's mark name).
 */

struct retention_item {
    char *id;          /* restic short id, or backup-type/backup-id/backup-time */
    char *time;        /* restic: the RFC 3339 string as stored; proxmox: NULL */
    char **tags;       /* restic tags (owned), pointed to by the snap */
    size_t n_tags;
};

struct retention_input {
    enum retention_engine engine;
    size_t n;
    struct retention_snap *snaps; /* n, parallel to items */
    struct retention_item *items;
    size_t n_groups;
    char **group_labels; /* per group number: "host h1, path [/srv]" or "vm/100" */
};

/*
 * Parse input for engine (json/len borrowed). Fills snaps (time, nsec,
 * utc_offset from the restic timestamp, group, tags, protected, incomplete)
 * and items. proxmox snapshots get utc_offset 0: the caller sets the prune
 * server's local offset. 0, or LB_EPARSE with the element and field named.
 */
int retention_input_parse(struct retention_input *in, enum retention_engine engine,
                          const char *json, size_t len, struct lb_err *err);
void retention_input_release(struct retention_input *in);

/* RFC 3339 of the snapshot's time: restic's own string, or the wall clock at utc_offset. */
const char *retention_item_time(const struct retention_input *in, size_t i, char *buf, size_t n);

/* The planned input as the --json array (new; one object a line). */
char *retention_output_json(const struct retention_input *in, const struct retention_policy *p);

#endif
