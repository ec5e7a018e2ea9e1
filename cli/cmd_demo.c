/*
 * `lifeboat demo [DIR] [--setup-only | --serve]`: build (or reuse) the demo
 * lab in DIR (./demo-lab), serve its cloud repo with rclone, and open the
 * console on it exactly as `lifeboat -c DIR/lifeboat.conf` would.
 *   --setup-only  build the lab, print its config path, exit
 *   --serve       serve the lab's cloud until SIGINT/SIGTERM (for `status`,
 *                 `config check`... in another terminal, and for tests)
 */
#include "cli/cli.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/base/xalloc.h"
#include "backend/config.h"
#include "backend/demo.h"
#include "backend/demo_sim.h"
#include "backend/loop.h"

static void on_progress(const char *line, void *arg)
{
    (void)arg;
    fprintf(stderr, "%s\n", line);
}

static void on_stop_signal(struct loop *loop, int signo, void *arg)
{
    bool *stop = arg;

    (void)loop;
    (void)signo;
    *stop = true;
}

/* Serve the cloud until a signal asks to stop (or rclone dies). */
static int serve_until_signal(struct loop *loop, struct demo_cloud *cloud, const char *config_path,
                              int port)
{
    static const int signals[] = { SIGINT, SIGTERM, SIGHUP };
    bool stop = false;

    for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
        loop_watch_signal(loop, signals[i], on_stop_signal, &stop);
    printf("serving the demo cloud on rest:http://127.0.0.1:%d/cloud for %s (Ctrl-C stops)\n", port,
           config_path);
    fflush(stdout);
    while (!stop && !demo_cloud_exited(cloud))
        loop_run_once(loop, -1);
    for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
        loop_unwatch_signal(loop, signals[i], on_stop_signal, &stop);
    if (!stop) {
        cli_error("demo: rclone stopped serving the demo cloud");
        return EXIT_FAIL;
    }
    return EXIT_OK_;
}

/*
 * The lab's Proxmox simulator, when its config points at one (a [pve] on
 * https://127.0.0.1:PORT and DIR/proxmox): NULL, with a warning, when it
 * cannot run -- the console then shows PVE unreachable, the rest works.
 */
static struct demo_sim *start_sim(struct loop *loop, const struct config *cfg, const char *dir)
{
    const struct pve_cfg *pve = cfg->pves.len ? cfg->pves.items[0] : NULL;
    const struct pbs_cfg *pbs = cfg->pbss.len ? cfg->pbss.items[0] : NULL;
    int pp = pve ? demo_sim_port(pve->url) : 0, bp = pbs ? demo_sim_port(pbs->url) : 0;
    char *py, *state;
    struct demo_sim *sim;
    struct lb_err err = { 0 };

    if (!pp)
        return NULL;
    py = demo_sim_find();
    if (!py) {
        fprintf(stderr, "demo: the Proxmox simulator (tests/sim/sim.py) is not installed with "
                        "this lifeboat: PVE and PBS will show as unreachable\n");
        return NULL;
    }
    state = xasprintf("%s/proxmox", dir);
    sim = demo_sim_start(loop, py, state, pp, bp, NULL, &err);
    if (!sim)
        fprintf(stderr, "demo: %s: PVE and PBS will show as unreachable\n", err.msg);
    free(state);
    free(py);
    return sim;
}

int cmd_demo(struct cli *cli, int argc, char **argv)
{
    struct demo_opts opts = { .progress = on_progress };
    struct demo_lab lab;
    struct lb_err err = { 0 };
    const char *dir = NULL;
    bool setup_only = false, serve = false;
    struct loop *loop;
    struct config *cfg;
    struct demo_cloud *cloud = NULL;
    struct demo_sim *sim = NULL;
    const struct repo_cfg *repo;
    int port, rc;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--setup-only"))
            setup_only = true;
        else if (!strcmp(argv[i], "--serve"))
            serve = true;
        else if (argv[i][0] == '-' && argv[i][1])
            return cli_usage("demo", "unknown option '%s'", argv[i]);
        else if (dir)
            return cli_usage("demo", "one directory only ('%s' and '%s' given)", dir, argv[i]);
        else
            dir = argv[i];
    }
    if (setup_only && serve)
        return cli_usage("demo", "--setup-only and --serve do not go together");

    loop = loop_new();
    rc = demo_lab_prepare(loop, dir, &opts, &lab, &err);
    if (rc) {
        cli_error("demo: %s", err.msg);
        rc = EXIT_FAIL;
        goto out;
    }
    if (lab.reused)
        fprintf(stderr, "using the demo lab in %s\n", lab.dir);
    else
        fprintf(stderr, "demo lab ready in %.1f s: %s\n", lab.build_seconds, lab.config_path);
    if (setup_only) {
        printf("%s\n", lab.config_path);
        rc = EXIT_OK_;
        goto out;
    }

    cli->config_path = lab.config_path;
    cfg = cli_load_config(cli, true);
    if (!cfg) {
        rc = EXIT_CONFIG;
        goto out;
    }
    repo = config_repo(cfg, "cloud");
    port = repo ? demo_cloud_port(repo->url) : 0;
    if (port) {
        char *store = xasprintf("%s/cloud-store", lab.dir);

        cloud = demo_cloud_start(loop, store, port, &err);
        free(store);
        if (!cloud) {
            cli_error("demo: %s", err.msg);
            config_free(cfg);
            rc = EXIT_FAIL;
            goto out;
        }
    } else if (serve) {
        cli_error("demo: the cloud repo in %s is not a lab cloud (rest:http://127.0.0.1:PORT/...)",
                  lab.config_path);
        config_free(cfg);
        rc = EXIT_CONFIG;
        goto out;
    }
    sim = start_sim(loop, cfg, lab.dir);
    if (serve) {
        config_free(cfg);
        rc = serve_until_signal(loop, cloud, lab.config_path, port);
    } else {
        rc = cli_run_console(loop, cfg); /* takes cfg */
    }
    demo_sim_stop(sim);
    demo_cloud_stop(cloud);
out:
    cli->config_path = NULL;
    demo_lab_release(&lab);
    loop_free(loop);
    return rc;
}
