/* The demo lab's Proxmox simulator as a child of the loop (demo_sim.h). */
#include "backend/demo_sim.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/base/log.h"
#include "backend/base/str.h"
#include "backend/base/xalloc.h"
#include "backend/loop.h"
#include "backend/spawn.h"

#define SIM_READY_MS (30 * 1000)

struct demo_sim {
    struct loop *loop;
    struct spawn *sp;
    bool ready, exited, timed_out;
    struct spawn_result res;
    struct demo_sim_info info;
    char last[256]; /* last stderr line: why it stopped */
    uint64_t timer;
};

void demo_sim_info_release(struct demo_sim_info *info)
{
    free(info->pve_url);
    free(info->pbs_url);
    free(info->pve_token_file);
    free(info->pbs_token_file);
    free(info->fingerprint);
    memset(info, 0, sizeof(*info));
}

static bool is_file(const char *p)
{
    return access(p, R_OK) == 0;
}

char *demo_sim_find(void)
{
    const char *env = getenv("LIFEBOAT_SIM");
    char exe[PATH_MAX];
    ssize_t n;
    char *dir, *slash;
    static const char *const rel[] = {
        "../share/lifeboat/sim/sim.py", /* installed: PREFIX/bin/lifeboat */
        "tests/sim/sim.py",             /* built in the source tree: ./lifeboat */
        "../../tests/sim/sim.py",       /* build/VARIANT/lifeboat */
    };

    if (env && *env)
        return is_file(env) ? xstrdup(env) : NULL;
    n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0)
        return NULL;
    exe[n] = '\0';
    dir = xstrdup(exe);
    slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
        char *p = xasprintf("%s/%s", dir, rel[i]);
        char real[PATH_MAX];

        if (is_file(p) && realpath(p, real)) {
            free(p);
            free(dir);
            return xstrdup(real);
        }
        free(p);
    }
    free(dir);
    return NULL;
}

int demo_sim_port(const char *url)
{
    static const char prefix[] = "https://127.0.0.1:";
    int64_t port;
    char buf[16];
    size_t n;

    if (!url || strncmp(url, prefix, sizeof(prefix) - 1))
        return 0;
    url += sizeof(prefix) - 1;
    n = strspn(url, "0123456789");
    if (!n || n >= sizeof(buf) || (url[n] && url[n] != '/'))
        return 0;
    memcpy(buf, url, n);
    buf[n] = '\0';
    if (str_to_i64(buf, 1, 65535, &port) < 0)
        return 0;
    return (int)port;
}

static void take(char **slot, const char *line, const char *key)
{
    size_t k = strlen(key);

    if (!strncmp(line, key, k)) {
        free(*slot);
        *slot = xstrdup(line + k);
    }
}

static void on_line(struct spawn *sp, enum spawn_stream stream, const char *line, size_t len,
                    bool cut, void *arg)
{
    struct demo_sim *s = arg;

    (void)sp;
    (void)cut;
    if (!len)
        return;
    if (stream == SPAWN_STDOUT) {
        take(&s->info.pve_url, line, "PVE_URL=");
        take(&s->info.pbs_url, line, "PBS_URL=");
        take(&s->info.pve_token_file, line, "PVE_TOKEN_FILE=");
        take(&s->info.pbs_token_file, line, "PBS_TOKEN_FILE=");
        take(&s->info.fingerprint, line, "FINGERPRINT=");
        if (!strncmp(line, "STATE_DIR=", 10))
            s->ready = true; /* the last line it prints */
        return;
    }
    str_copy(s->last, sizeof(s->last), line);
    str_sanitize(s->last);
}

static void on_exit_cb(struct spawn *sp, const struct spawn_result *res, void *arg)
{
    struct demo_sim *s = arg;

    (void)sp;
    s->exited = true;
    s->sp = NULL;
    s->res = *res;
}

static void on_timer(struct loop *loop, void *arg)
{
    struct demo_sim *s = arg;

    (void)loop;
    s->timer = 0;
    s->timed_out = true;
}

struct demo_sim *demo_sim_start(struct loop *loop, const char *sim_py, const char *state_dir,
                                int pve_port, int pbs_port, struct demo_sim_info *info,
                                struct lb_err *err)
{
    struct demo_sim *s = xcalloc(1, sizeof(*s));
    char pp[16], bp[16];
    const char *argv[] = { "python3",    sim_py, "--state-dir", state_dir, "--pve-port", pp,
                           "--pbs-port", bp,     NULL };
    struct spawn_opts o = { 0 };

    snprintf(pp, sizeof(pp), "%d", pve_port);
    snprintf(bp, sizeof(bp), "%d", pbs_port);
    s->loop = loop;
    o.argv = argv;
    o.on_line = on_line;
    o.on_exit = on_exit_cb;
    o.arg = s;
    o.kill_grace_ms = 3000;
    s->sp = spawn_start(loop, &o, err);
    if (!s->sp) {
        lb_err_prefix(err, "cannot start the Proxmox simulator");
        free(s);
        return NULL;
    }
    s->timer = loop_add_timer(loop, SIM_READY_MS, on_timer, s);
    while (!(s->ready && s->info.fingerprint) && !s->exited && !s->timed_out)
        loop_run_once(loop, -1);
    if (s->timer)
        loop_cancel_timer(loop, s->timer);
    s->timer = 0;
    if (s->ready && s->info.fingerprint && !s->exited) {
        if (info) {
            info->pve_url = xstrdup(s->info.pve_url);
            info->pbs_url = xstrdup(s->info.pbs_url);
            info->pve_token_file = xstrdup(s->info.pve_token_file);
            info->pbs_token_file = xstrdup(s->info.pbs_token_file);
            info->fingerprint = xstrdup(s->info.fingerprint);
        }
        log_info("demo: Proxmox simulator serving at %s and %s", s->info.pve_url, s->info.pbs_url);
        return s;
    }
    if (s->exited && s->res.exec_errno == ENOENT)
        lb_err_set(err, LB_EMISSING_TOOL,
                   "cannot start the Proxmox simulator: python3 is not installed");
    else if (s->timed_out)
        lb_err_set(err, LB_ETIMEOUT, "the Proxmox simulator (%s) did not start in %d s", sim_py,
                   SIM_READY_MS / 1000);
    else
        lb_err_set(err, LB_EFAIL, "the Proxmox simulator stopped at start: %s",
                   s->last[0] ? s->last : "no message");
    demo_sim_stop(s);
    return NULL;
}

bool demo_sim_exited(const struct demo_sim *sim)
{
    return sim->exited;
}

void demo_sim_stop(struct demo_sim *s)
{
    if (!s)
        return;
    if (!s->exited && s->sp)
        spawn_cancel(s->sp);
    while (!s->exited)
        loop_run_once(s->loop, 200);
    demo_sim_info_release(&s->info);
    free(s);
}
