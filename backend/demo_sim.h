#ifndef LIFEBOAT_BACKEND_DEMO_SIM_H
#define LIFEBOAT_BACKEND_DEMO_SIM_H

#include <stdbool.h>

#include "backend/base/err.h"

/*
 * The demo lab's Proxmox: the simulator (tests/sim/sim.py, Python 3 stdlib)
 * serving PVE and PBS on 127.0.0.1 with its own certificate, its tokens
 * (0600) and state under DIR/proxmox. It is found at $LIFEBOAT_SIM, beside
 * the binary's share dir (PREFIX/share/lifeboat/sim/sim.py), or in the
 * source tree the binary was built in; without it (or without python3) the
 * lab has no Proxmox part, and says so.
 */

struct loop;
struct demo_sim;

/* What the lab's config needs to reach the simulator (strings new). */
struct demo_sim_info {
    char *pve_url, *pbs_url;
    char *pve_token_file, *pbs_token_file;
    char *fingerprint;
};
void demo_sim_info_release(struct demo_sim_info *info);

/* Path of sim.py (new), or NULL when there is none to be found. */
char *demo_sim_find(void);

/*
 * Start the simulator on state_dir (its cert, tokens and log live there)
 * on the given ports (0: any), turning the loop until it serves (at most
 * 30 s); info (may be NULL) gets its URLs, token files and fingerprint. The
 * child then lives on the loop until demo_sim_stop. NULL with err.
 */
struct demo_sim *demo_sim_start(struct loop *loop, const char *sim_py, const char *state_dir,
                                int pve_port, int pbs_port, struct demo_sim_info *info,
                                struct lb_err *err);
bool demo_sim_exited(const struct demo_sim *sim);
void demo_sim_stop(struct demo_sim *sim);

/* Port of "https://127.0.0.1:PORT" (0 when url is not such a URL). */
int demo_sim_port(const char *url);

#endif
