/* clang-format off */
/*
 * libFuzzer target for the Proxmox VE response parsers (backend/pve.c) and
 * the shared ones (UPID, task status and log): any bytes in, never a crash,
 * a leak or undefined behaviour. Each input is fed to every parser, as a
 * hostile or broken server could answer any path with anything.
 *
 * (tests/fuzz/run.sh reads each field below from its one line: not reflowed.)
 *
 * fuzz-sources: backend/pve.c backend/proxmox.c backend/proxmox_model.c backend/http.c backend/loop.c
 * fuzz-pkgs: jansson libcurl openssl
 * fuzz-seeds: tests/fixtures/proxmox
 */
/* clang-format on */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backend/proxmox.h"
#include "backend/pve.h"

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
    /* the parsers get a NUL-terminated body, as the transport hands them */
    char *body = malloc(size + 1);
    struct pmx_upid upid;
    struct lb_err err = { 0 };

    if (!body)
        return 0;
    memcpy(body, data, size);
    body[size] = '\0';
    run(pve_parse_guests, pve_guest_free, body, size);
    run(pve_parse_qemu_list, pve_guest_free, body, size);
    run(pve_parse_lxc_list, pve_guest_free, body, size);
    run(pve_parse_snapshots, pve_snapshot_list_free, body, size);
    run(pve_parse_backup_jobs, pve_backup_job_free, body, size);
    run(pve_parse_unbacked, pve_unbacked_free, body, size);
    run(pve_parse_backups, pve_backup_free, body, size);
    run(pve_parse_storages, pve_storage_free, body, size);
    run(pve_parse_tasks, pmx_task_status_free, body, size);
    run(pmx_parse_string, pmx_string_free, body, size);
    run(pmx_parse_task_status, pmx_task_status_free, body, size);
    run(pmx_parse_task_log, pmx_log_line_free, body, size);
    run(pmx_parse_version, pmx_string_free, body, size);
    pmx_upid_parse(body, &upid, &err);
    pmx_outcome_of(body);
    free(body);
    return 0;
}
