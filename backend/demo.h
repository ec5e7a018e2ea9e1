#ifndef LIFEBOAT_BACKEND_DEMO_H
#define LIFEBOAT_BACKEND_DEMO_H

#include <stdbool.h>

#include "backend/base/err.h"

/*
 * The demo lab (`lifeboat demo`): a self-contained directory that looks like a
 * homelab's backup side, built from real tools.
 *
 *   DIR/lifeboat.conf        the config (0600), absolute paths only
 *   DIR/README.txt           what this is
 *   DIR/secrets/             0700: one restic password file per repo, cloud.env (0600)
 *   DIR/data/                a small generated tree (etc/, srv/docker/...) the snapshots hold
 *   DIR/repos/os-ssd         restic repo, tier local
 *   DIR/repos/usb-ssd        restic repo, tier local; its backups stopped 2 days
 *                            ago (the USB SSD "was unplugged"): over its RPO, a warning
 *   DIR/cloud-store/cloud    restic repo, tier offsite, served over HTTP by
 *                            `rclone serve restic` at rest:http://127.0.0.1:PORT/cloud
 *
 * History ends at clock_now() (LIFEBOAT_NOW pins it): dailies at 03:00 for the
 * last DEMO_DAILY_DAYS days, Sundays only before that (what retention leaves),
 * six weeks back; the cloud gets every Sunday 04:30. Building runs the repos'
 * restic children in parallel through the loop.
 */

struct loop;

#define DEMO_DEFAULT_DIR "demo-lab"

enum { DEMO_OS_SSD, DEMO_USB_SSD, DEMO_CLOUD, DEMO_NREPOS };

struct demo_lab {
    char *dir;                  /* absolute (new) */
    char *config_path;          /* DIR/lifeboat.conf (new) */
    bool reused;                /* an existing lab was found: nothing was built */
    int snapshots[DEMO_NREPOS]; /* made by this build (0 when reused) */
    double build_seconds;
};

struct demo_opts {
    /* One progress line ("creating repo os-ssd..."), without newline. May be NULL. */
    void (*progress)(const char *line, void *arg);
    void *arg;
};

/* Static repo name of DEMO_OS_SSD... ("os-ssd", "usb-ssd", "cloud"). */
const char *demo_repo_name(int which);

/*
 * Build the lab in dir (created if missing; must be empty otherwise), or
 * reuse it when it already holds a complete lab (config + the three repos).
 * A directory with something else in it is refused, never touched. Fills lab
 * (release it with demo_lab_release, also on failure). 0 or -LB_E* with err.
 */
int demo_lab_prepare(struct loop *loop, const char *dir, const struct demo_opts *opts,
                     struct demo_lab *lab, struct lb_err *err);
void demo_lab_release(struct demo_lab *lab);

/*
 * The lab's cloud: `rclone serve restic` on 127.0.0.1:port over store_dir,
 * a child of the loop. demo_cloud_start turns the loop until rclone says it is
 * serving (or fails: port taken, rclone missing...). The child then lives on
 * the loop (its output is read there) until demo_cloud_stop, which stops it,
 * waits for it and frees it.
 */
struct demo_cloud;

struct demo_cloud *demo_cloud_start(struct loop *loop, const char *store_dir, int port,
                                    struct lb_err *err); /* new */
/* True once rclone has exited (e.g. killed from outside). */
bool demo_cloud_exited(const struct demo_cloud *cloud);
void demo_cloud_stop(struct demo_cloud *cloud);

/*
 * Port of a lab cloud URL "rest:http://127.0.0.1:PORT/cloud" (the path part
 * may differ); 0 when url is not such a URL.
 */
int demo_cloud_port(const char *url);

#endif
