#ifndef LIFEBOAT_CLI_ALERTS_PMX_H
#define LIFEBOAT_CLI_ALERTS_PMX_H

#include <stdbool.h>

#include "backend/base/vec.h"
#include "backend/proxmox_model.h"
#include "backend/rules.h"

/*
 * The Proxmox records for the alert rules, read once by the CLI (see
 * cli/alerts_pmx.c). in points into the vecs; a member of in left NULL was
 * not read.
 */
struct cli_pmx {
    struct rules_pmx in;
    struct vec guests, jobs, unbacked, backups, tasks, usage;
    struct pve_snapshot_list **snaps;
};

struct config;
struct loop;

void cli_pmx_init(struct cli_pmx *p);
/* Read what the rules need (turns the loop until done). false: no [pve] or [pbs] configured. */
bool cli_pmx_gather(struct loop *loop, const struct config *cfg, struct cli_pmx *p);
void cli_pmx_release(struct cli_pmx *p);

#endif
