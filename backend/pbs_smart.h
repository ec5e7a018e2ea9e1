#ifndef LIFEBOAT_BACKEND_PBS_SMART_H
#define LIFEBOAT_BACKEND_PBS_SMART_H

#include <stdbool.h>
#include <stddef.h>

#include "backend/base/err.h"
#include "backend/base/vec.h"
#include "backend/proxmox.h"

/*
 * One disk's SMART as PBS reports it (reference 4.12):
 * GET /nodes/localhost/disks/smart?disk=NAME -> {status, wearout, attributes}.
 * ATA attributes carry id, flags, normalized, worst, threshold and the raw
 * text; NVMe attributes are the health-log keys with their value. Parsing is
 * lenient: numbers may come as strings ("  5", "100"), raw as "0" or
 * "37 (Min/Max 21/48)", `value` (kept for compatibility) stands in when raw
 * is absent (before PBS 2.2.7). Used by `lifeboat smart --pbs DISK` and the
 * Disks screen's detail.
 */

struct pbs_smart_attr {
    char *name;   /* "Reallocated_Sector_Ct", "media_errors" (sanitized) */
    long long id; /* ATA attribute id; -1: none (NVMe) */
    char *flags;  /* "PO--CK"; NULL when not sent */
    double normalized, worst, threshold;
    bool has_normalized, has_worst, has_threshold;
    char *raw;       /* the raw text as sent ("" when none) */
    bool has_value;  /* raw starts with a number: */
    long long value; /* ... that number (37 for "37 (Min/Max 21/48)") */
    bool failing;    /* normalized at or below its non-zero threshold */
};

struct pbs_smart {
    char *disk;       /* filled by the caller (the answer does not name it) */
    char *status;     /* "passed", "failed", "unknown" (absent: "unknown") */
    int wearout;      /* percent life left; -1: null */
    bool ata;         /* some attribute has an id or a normalized value */
    struct vec attrs; /* struct pbs_smart_attr * */
};
void pbs_smart_free(void *p);

/* The answer: one struct pbs_smart record. 0 or -LB_EPARSE. */
int pbs_parse_smart(const char *body, size_t len, struct vec *out, struct lb_err *err);

/* GET /nodes/localhost/disks/smart?disk=DISK[&healthonly=1] (needs Sys.Audit on /system/disks). */
struct pmx_call *pbs_get_smart(struct pmx_client *c, const char *disk, bool healthonly,
                               pmx_result_fn done, void *arg, struct lb_err *err);

/* 0 passed, 1 unknown (or anything else), 2 failed or an attribute failing. */
int pbs_smart_level(const struct pbs_smart *s);
/* Attributes marked failing. */
size_t pbs_smart_failing(const struct pbs_smart *s);

#endif
