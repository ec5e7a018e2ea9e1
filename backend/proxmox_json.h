#ifndef LIFEBOAT_BACKEND_PROXMOX_JSON_H
#define LIFEBOAT_BACKEND_PROXMOX_JSON_H

/*
 * Private to the Proxmox parsers (proxmox.c, pve.c, pbs.c) and the caches of
 * what they read (pmx_cache.c, pmx_jobs_cache.c, pmx_recent.c): lenient field
 * readers over jansson. PVE sends numbers as strings in places and booleans
 * as 0/1 (reference 1.3): every reader accepts int, integral real, numeric
 * string and, for booleans, true/false.
 */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend/base/err.h"

/*
 * Parse a body and find its "data". *root is new (json_decref it), *data
 * borrowed from it. what names the answer for messages ("the guest list").
 */
int pj_envelope(const char *body, size_t len, const char *what, json_t **root, json_t **data,
                struct lb_err *err);
/* data must be an array: else an LB_EPARSE message naming what. */
int pj_want_array(json_t *data, const char *what, struct lb_err *err);
int pj_want_object(json_t *data, const char *what, struct lb_err *err);
/*
 * The list parsers' frame: parse a body whose "data" must be an array (else
 * the messages above) and hand each element to item with its index (from 0)
 * and ctx; the first item that returns non-zero ends the walk with that rc.
 */
typedef int (*pj_item_fn)(json_t *e, size_t i, void *ctx, struct lb_err *err);
int pj_each(const char *body, size_t len, const char *what, pj_item_fn item, void *ctx,
            struct lb_err *err);
/* What a task status and a task list entry share: node, type, id, user, starttime. */
struct pmx_task_status;
void pj_task_fields(json_t *e, struct pmx_task_status *t);

bool pj_int(json_t *obj, const char *key, int64_t *out);
bool pj_u64(json_t *obj, const char *key, uint64_t *out);
bool pj_bool(json_t *obj, const char *key, bool *out);
/* New sanitized string (numbers become their decimal text); NULL when absent or null. */
char *pj_str(json_t *obj, const char *key);
/* pj_str, or a copy of dflt when absent or null. */
char *pj_str_or(json_t *obj, const char *key, const char *dflt);
/* The value, or 0 / false when absent or not a number / boolean. */
int64_t pj_int0(json_t *obj, const char *key);
bool pj_true(json_t *obj, const char *key);
/* Copy a string field into a fixed buffer (sanitized); false when absent or too long. */
bool pj_copy(json_t *obj, const char *key, char *buf, size_t n);

#endif
