/* clang-format off */
/*
 * libFuzzer target for the Proxmox Backup Server response parsers
 * (backend/pbs.c): any bytes in, never a crash, a leak or undefined
 * behaviour. Each input is fed to every parser. (tests/fuzz/run.sh reads
 * each field below from its one line: not reflowed.)
 *
 * fuzz-sources: backend/pbs.c backend/pbs_smart.c backend/proxmox.c backend/proxmox_model.c backend/http.c backend/loop.c backend/pmx_recent.c
 * fuzz-pkgs: jansson libcurl openssl
 * fuzz-seeds: tests/fixtures/proxmox
 */
/* clang-format on */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backend/pbs.h"
#include "backend/pbs_smart.h"
#include "backend/pmx_recent.h"
#include "backend/proxmox.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void run(pmx_parse_fn parse, void (*item_free)(void *), const char *body, size_t size)
{
    struct vec out = VEC_INIT(item_free);
    struct lb_err err = { 0 };

    parse(body, size, &out, &err);
    vec_release(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *body = malloc(size + 1);

    if (!body)
        return 0;
    memcpy(body, data, size);
    body[size] = '\0';
    run(pbs_parse_datastores, pbs_datastore_free, body, size);
    run(pbs_parse_status, pbs_status_free, body, size);
    run(pbs_parse_usage, pbs_usage_free, body, size);
    run(pbs_parse_groups, pbs_group_free, body, size);
    run(pbs_parse_snapshots, pbs_snapshot_free, body, size);
    run(pbs_parse_gc, pbs_gc_free, body, size);
    run(pbs_parse_jobs, pbs_job_free, body, size);
    run(pbs_parse_tasks, pbs_task_free, body, size);
    run(pbs_parse_prune, pbs_prune_item_free, body, size);
    run(pbs_parse_disks, pbs_disk_free, body, size);
    run(pbs_parse_smart, pbs_smart_free, body, size);
    { /* the cached task list and PBS disks (pmx_recent.h) */
        struct vec rows = VEC_INIT(pmx_recent_free), disks = VEC_INIT(pbs_disk_free);
        struct lb_err err = { 0 };

        pmx_recent_decode(body, &rows, &disks, &err);
        pmx_recent_sort(&rows, 3);
        vec_release(&rows);
        vec_release(&disks);
    }
    free(body);
    return 0;
}
