/*
 * The demo lab: real restic repos with weeks of history, a config and the
 * secrets to open them, built in well under a minute (see demo.h).
 *
 * restic's scrypt costs ~0.5 s of CPU per process (init ~3 s), so the build
 * keeps the number of children small and runs the repos side by side: the
 * data tree is stepped day by day, and each day's backups into the repos run
 * at once through the loop.
 */
#include "backend/demo.h"
#include "backend/demo_smart.h"
#include "backend/demo_sim.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backend/base/buf.h"
#include "backend/base/clock.h"
#include "backend/base/log.h"
#include "backend/base/path.h"
#include "backend/base/str.h"
#include "backend/base/xalloc.h"
#include "backend/loop.h"
#include "backend/restic.h"
#include "backend/spawn.h"

#define HISTORY_DAYS      42 /* six weeks */
#define DAILY_DAYS        10 /* dailies this far back, Sundays only before */
#define USB_STOPPED_DAYS  2  /* the USB SSD "was unplugged": its newest is 48-72 h old */
#define DEMO_HOST         "docker-srv"
#define RESTIC_TIMEOUT_MS (180 * 1000)
#define RCLONE_READY_MS   (20 * 1000)

static const char *const repo_names[DEMO_NREPOS] = { "os-ssd", "usb-ssd", "cloud" };

const char *demo_repo_name(int which)
{
    return which >= 0 && which < DEMO_NREPOS ? repo_names[which] : "?";
}

/* ---- files ---------------------------------------------------------------------------- */

static int write_file(const char *path, const void *data, size_t len, mode_t mode,
                      struct lb_err *err)
{
    const char *p = data;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

    if (fd < 0)
        return lb_err_set(err, LB_EIO, "cannot write '%s': %s", path, strerror(errno));
    if (fchmod(fd, mode) < 0)
        goto fail;
    while (len) {
        ssize_t n = write(fd, p, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            goto fail;
        p += n;
        len -= (size_t)n;
    }
    if (close(fd) < 0)
        return lb_err_set(err, LB_EIO, "cannot write '%s': %s", path, strerror(errno));
    return 0;
fail:
    lb_err_set(err, LB_EIO, "cannot write '%s': %s", path, strerror(errno));
    close(fd);
    return -LB_EIO;
}

/* Write through a temporary file and rename, so a reader never sees half a file. */
static int write_file_atomic(const char *path, const char *text, mode_t mode, struct lb_err *err)
{
    char *tmp = xasprintf("%s.tmp", path);
    int rc = write_file(tmp, text, strlen(text), mode, err);

    if (!rc && rename(tmp, path) < 0)
        rc = lb_err_set(err, LB_EIO, "cannot rename '%s' to '%s': %s", tmp, path, strerror(errno));
    if (rc)
        unlink(tmp);
    free(tmp);
    return rc;
}

static int make_dir(const char *path, unsigned mode, struct lb_err *err)
{
    if (path_mkdirs(path, mode) < 0)
        return lb_err_set(err, LB_EIO, "cannot create directory '%s': %s", path, strerror(errno));
    return 0;
}

/* Write dir/rel (making its parent directories). */
static int put(const char *dir, const char *rel, const void *data, size_t len, struct lb_err *err)
{
    char *path = xasprintf("%s/%s", dir, rel);
    char *slash = strrchr(path, '/');
    int rc;

    *slash = '\0';
    rc = make_dir(path, 0755, err);
    *slash = '/';
    if (!rc)
        rc = write_file(path, data, len, 0644, err);
    free(path);
    return rc;
}

static int put_text(const char *dir, const char *rel, const char *text, struct lb_err *err)
{
    return put(dir, rel, text, strlen(text), err);
}

static bool exists(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0;
}

/* 1: missing or empty directory, 0: has entries, -1: not a directory / unreadable. */
static int dir_is_empty(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *de;
    int empty = 1;

    if (!d)
        return errno == ENOENT ? 1 : -1;
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
            empty = 0;
            break;
        }
    }
    closedir(d);
    return empty;
}

/* ---- secrets and port ----------------------------------------------------------------- */

/* A random password: 40 characters of [A-Za-z0-9] from the kernel's generator. */
static int random_secret(char *out, size_t n, struct lb_err *err)
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    unsigned char raw[64];
    size_t k = 0;

    while (k + 1 < n && k < 40) {
        ssize_t got = getrandom(raw, sizeof(raw), 0);

        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return lb_err_set(err, LB_EIO, "cannot read random bytes: %s", strerror(errno));
        for (ssize_t i = 0; i < got && k + 1 < n && k < 40; i++)
            if (raw[i] < 248) /* 248 = 4 * 62: no modulo bias */
                out[k++] = alphabet[raw[i] % 62];
    }
    out[k] = '\0';
    explicit_bzero(raw, sizeof(raw));
    return 0;
}

/* A TCP port that is free on 127.0.0.1 right now (the kernel picks it). */
static int free_port(struct lb_err *err)
{
    struct sockaddr_in sa = { .sin_family = AF_INET };
    socklen_t len = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int port = -1;

    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
        getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
        port = ntohs(sa.sin_port);
    if (port <= 0)
        lb_err_set(err, LB_EIO, "cannot find a free TCP port on 127.0.0.1: %s", strerror(errno));
    if (fd >= 0)
        close(fd);
    return port;
}

int demo_cloud_port(const char *url)
{
    static const char prefix[] = "rest:http://127.0.0.1:";
    char num[8];
    size_t n = 0;
    int64_t port;

    if (!url || !str_starts_with(url, prefix))
        return 0;
    url += sizeof(prefix) - 1;
    while (url[n] >= '0' && url[n] <= '9' && n < sizeof(num) - 1) {
        num[n] = url[n];
        n++;
    }
    num[n] = '\0';
    if (!n || (url[n] && url[n] != '/'))
        return 0;
    if (str_to_i64(num, 1, 65535, &port) < 0)
        return 0;
    return (int)port;
}

/* ---- the data tree ---------------------------------------------------------------------- */

static uint64_t prng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void prng_fill(unsigned char *p, size_t n, uint64_t seed)
{
    uint64_t s = seed * 0x9E3779B97F4A7C15ULL + 1;

    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(prng_next(&s) >> 24);
}

/* Local time of day `back` days before `base` (a local date) at hh:mm. */
static time_t local_at(const struct tm *base, int back, int hh, int mm)
{
    struct tm tm = *base;

    tm.tm_mday -= back;
    tm.tm_hour = hh;
    tm.tm_min = mm;
    tm.tm_sec = 0;
    tm.tm_isdst = -1;
    return mktime(&tm);
}

#define VAULT_BLOCK  4096
#define VAULT_BLOCKS 24
#define PHOTO_SIZE   (48 * 1024)

/*
 * The tree as it was on day `day` (0 = the oldest of the history ending
 * today) at local time t: a few
 * config files under etc/, and docker apps under srv/docker whose data grows
 * and changes a little every day.
 */
static int write_tree(const char *data, const struct tm *today, int day, time_t t,
                      struct lb_err *err)
{
    char date[16], stamp[32], rel[128];
    struct buf b = BUF_INIT(0);
    unsigned char *bin = xmalloc(VAULT_BLOCK * VAULT_BLOCKS);
    int rc;

    clock_fmt_local(t, stamp, sizeof(stamp));

    rc = put_text(data, "etc/hostname", DEMO_HOST "\n", err);
    if (!rc)
        rc = put_text(data, "etc/hosts",
                      "127.0.0.1\tlocalhost\n192.168.1.20\tdocker-srv\n"
                      "192.168.1.10\tproxmox-srv\n",
                      err);
    if (!rc)
        rc = put_text(data, "etc/fstab",
                      "UUID=4f2a0c6e-0d1b-4c55-9a43-2b1d8e0f7c11 / ext4 errors=remount-ro 0 1\n"
                      "UUID=9b7e5d2a-61c4-4e0f-8d3a-5c2f1a9e4b70 /mnt/usb-ssd ext4 "
                      "nofail,x-systemd.device-timeout=10s 0 2\n",
                      err);
    if (!rc)
        rc = put_text(data, "etc/docker/daemon.json",
                      "{\n  \"log-driver\": \"journald\",\n  \"live-restore\": true\n}\n", err);
    if (!rc) {
        buf_puts(&b, "Port 22\nPermitRootLogin prohibit-password\n");
        if (day >= 30) /* a hardening change the history shows */
            buf_puts(&b, "PasswordAuthentication no\n");
        rc = put_text(data, "etc/ssh/sshd_config", buf_cstr(&b), err);
    }
    if (!rc)
        rc = put_text(data, "etc/systemd/system/lifeboat-daily.timer",
                      "[Timer]\nOnCalendar=*-*-* 03:00\nPersistent=true\n", err);
    if (!rc) {
        buf_reset(&b);
        buf_printf(&b,
                   "services:\n"
                   "  nextcloud:\n    image: nextcloud:27.1.%d\n"
                   "    volumes: [\"./nextcloud:/var/www/html\"]\n"
                   "  paperless:\n    image: ghcr.io/paperless-ngx/paperless-ngx:2.%d\n"
                   "  vaultwarden:\n    image: vaultwarden/server:1.30.%d\n",
                   day / 14, 1 + day / 21, day / 10);
        rc = put_text(data, "srv/docker/compose.yml", buf_cstr(&b), err);
    }
    if (!rc) {
        buf_reset(&b);
        buf_printf(&b,
                   "<?php\n$CONFIG = array (\n  'instanceid' => 'oc8x2kq1v0z3',\n"
                   "  'trusted_domains' => array ('cloud.home.lan'),\n"
                   "  'version' => '27.1.%d.1',\n);\n",
                   day / 14);
        rc = put_text(data, "srv/docker/nextcloud/config/config.php", buf_cstr(&b), err);
    }
    for (int j = 0; j <= day && !rc; j++) { /* a note every third day, a photo every week */
        time_t tj = local_at(today, HISTORY_DAYS - 1 - j, 14, 12);
        struct tm tmj;
        char *path;

        if (j % 3 && j % 7)
            continue;
        localtime_r(&tj, &tmj);
        if (j % 3 == 0) {
            strftime(rel, sizeof(rel), "srv/docker/nextcloud/data/admin/files/notes/%Y-%m-%d.md",
                     &tmj);
            path = xasprintf("%s/%s", data, rel);
            if (!exists(path)) {
                buf_reset(&b);
                strftime(date, sizeof(date), "%Y-%m-%d", &tmj);
                buf_printf(&b, "# %s\n\n- checked the backups\n- %d things to do\n", date,
                           1 + j % 5);
                rc = put_text(data, rel, buf_cstr(&b), err);
            }
            free(path);
        }
        if (!rc && j % 7 == 0) {
            strftime(rel, sizeof(rel), "srv/docker/immich/upload/IMG_%Y%m%d_1412.jpg", &tmj);
            path = xasprintf("%s/%s", data, rel);
            if (!exists(path)) {
                prng_fill(bin, PHOTO_SIZE, 5000 + (uint64_t)j);
                rc = put(data, rel, bin, PHOTO_SIZE, err);
            }
            free(path);
        }
    }
    if (!rc) {
        buf_reset(&b);
        buf_printf(&b, "-- paperless database dump, %s\nBEGIN;\n", stamp);
        for (int i = 0; i < 40 + 3 * day; i++)
            buf_printf(&b, "INSERT INTO documents VALUES (%d, 'scan-%04d.pdf', %d);\n", i + 1,
                       i + 1, 1 + (i * 7) % 12);
        buf_puts(&b, "COMMIT;\n");
        rc = put_text(data, "srv/docker/paperless/db-dump.sql", buf_cstr(&b), err);
    }
    if (!rc) { /* a binary database where a block or two changes every day */
        prng_fill(bin, VAULT_BLOCK * VAULT_BLOCKS, 1);
        for (int j = 0; j <= day; j++)
            prng_fill(bin + (size_t)(j % VAULT_BLOCKS) * VAULT_BLOCK, VAULT_BLOCK,
                      1000 + (uint64_t)j);
        rc = put(data, "srv/docker/vaultwarden/db.sqlite3", bin, VAULT_BLOCK * VAULT_BLOCKS, err);
    }
    buf_release(&b);
    free(bin);
    return rc;
}

/* ---- restic children ------------------------------------------------------------------ */

struct build;

struct job {
    struct build *b;
    int repo;
    bool running;
    bool ok;
    char what[160]; /* "back up into 'os-ssd'" */
    char why[256];  /* why it failed */
};

struct build {
    struct loop *loop;
    char *repo_url[DEMO_NREPOS];
    char *pass_file[DEMO_NREPOS];
    char *paths[2];
    int running;
};

static void job_on_line(struct spawn *sp, enum spawn_stream stream, const char *line, size_t len,
                        bool cut, void *arg)
{
    struct job *job = arg;

    (void)sp;
    (void)cut;
    if (stream != SPAWN_STDERR || !len)
        return;
    /* keep the last line restic printed on stderr: its error */
    if (len >= sizeof(job->why))
        len = sizeof(job->why) - 1;
    memcpy(job->why, line, len);
    job->why[len] = '\0';
    str_sanitize(job->why);
}

static void job_on_exit(struct spawn *sp, const struct spawn_result *res, void *arg)
{
    struct job *job = arg;

    (void)sp;
    job->running = false;
    job->b->running--;
    job->ok = res->exited && res->status == 0;
    if (job->ok)
        return;
    if (res->exec_errno == ENOENT)
        snprintf(job->why, sizeof(job->why),
                 "restic is not installed (run 'make deps' or 'apt-get install restic')");
    else if (res->exec_errno)
        snprintf(job->why, sizeof(job->why), "cannot run restic: %s", strerror(res->exec_errno));
    else if (res->timed_out)
        snprintf(job->why, sizeof(job->why), "restic took too long and was stopped");
    else if (!job->why[0])
        snprintf(job->why, sizeof(job->why), "restic %s %d", res->exited ? "exited" : "signal",
                 res->exited ? res->status : res->signo);
}

/*
 * Run restic with args on each repo in repos[0..n) at once, and wait for all.
 * argsv[i] are the arguments after "restic --no-cache -q" (NULL-terminated).
 */
static int run_restic_batch(struct build *b, int n, const int *repos,
                            const char *const *const *argsv, const char *const *what,
                            struct lb_err *err)
{
    struct job jobs[DEMO_NREPOS];
    char *env[DEMO_NREPOS][3];
    int rc = 0;

    memset(jobs, 0, sizeof(jobs));
    memset(env, 0, sizeof(env));
    for (int i = 0; i < n; i++) {
        const char *argv[24] = { restic_program(), "--no-cache", "-q" };
        int k = 3;
        struct spawn_opts o = { 0 };

        for (const char *const *a = argsv[i]; *a && k < 23; a++)
            argv[k++] = *a;
        argv[k] = NULL;
        env[i][0] = xasprintf("RESTIC_REPOSITORY=%s", b->repo_url[repos[i]]);
        env[i][1] = xasprintf("RESTIC_PASSWORD_FILE=%s", b->pass_file[repos[i]]);
        jobs[i].b = b;
        jobs[i].repo = repos[i];
        snprintf(jobs[i].what, sizeof(jobs[i].what), "%s '%s'", what[i], repo_names[repos[i]]);
        o.argv = argv;
        o.env = (const char *const *)env[i];
        o.unset_env = restic_unset_env();
        o.timeout_ms = RESTIC_TIMEOUT_MS;
        o.on_line = job_on_line;
        o.on_exit = job_on_exit;
        o.arg = &jobs[i];
        if (!spawn_start(b->loop, &o, err)) {
            lb_err_prefix(err, "cannot %s", jobs[i].what);
            rc = -LB_EFAIL;
            break;
        }
        jobs[i].running = true;
        b->running++;
    }
    while (b->running > 0)
        loop_run_once(b->loop, -1);
    for (int i = 0; i < n && !rc; i++)
        if (!jobs[i].ok)
            rc = lb_err_set(err, LB_EFAIL, "cannot %s: %s", jobs[i].what, jobs[i].why);
    for (int i = 0; i < n; i++) {
        free(env[i][0]);
        free(env[i][1]);
    }
    return rc;
}

/* ---- history -------------------------------------------------------------------------- */

struct day_plan {
    time_t when[DEMO_NREPOS]; /* 0: no snapshot of that repo this day */
    int weekday;
};

/*
 * Which repo gets a snapshot when, for each of the HISTORY_DAYS days ending
 * today (plan[HISTORY_DAYS - 1] is today). Returns the counts per repo.
 */
static void plan_history(time_t now, struct day_plan *plan, int *counts)
{
    struct tm today, tm;

    localtime_r(&now, &today);
    memset(counts, 0, sizeof(int) * DEMO_NREPOS);
    for (int i = 0; i < HISTORY_DAYS; i++) {
        int back = HISTORY_DAYS - 1 - i;
        time_t daily = local_at(&today, back, 3, 0);
        time_t usb = local_at(&today, back, 3, 10);
        time_t weekly = local_at(&today, back, 4, 30);
        bool kept;

        localtime_r(&daily, &tm);
        memset(&plan[i], 0, sizeof(plan[i]));
        plan[i].weekday = tm.tm_wday;
        /* the dailies retention still keeps, and Sundays before them */
        kept = back < DAILY_DAYS || tm.tm_wday == 0;
        if (kept && daily <= now)
            plan[i].when[DEMO_OS_SSD] = daily;
        if (kept && daily <= now - USB_STOPPED_DAYS * 86400) /* the same days, 2 fewer */
            plan[i].when[DEMO_USB_SSD] = usb;
        if (tm.tm_wday == 0 && weekly <= now)
            plan[i].when[DEMO_CLOUD] = weekly;
        for (int r = 0; r < DEMO_NREPOS; r++)
            counts[r] += plan[i].when[r] != 0;
    }
}

/* ---- config and README ---------------------------------------------------------------- */

static char *config_text(const char *dir, int port, const struct demo_sim_info *sim)
{
    struct buf b = BUF_INIT(0);
    char stamp[32];

    clock_fmt_local(clock_now(), stamp, sizeof(stamp));
    buf_printf(&b,
               "; lifeboat demo lab, built by 'lifeboat demo' on %s.\n"
               "; Everything here is generated: see README.txt beside this file.\n"
               "\n"
               "[console]\n"
               "refresh = 60s\n"
               "quiet_window = 01:00-06:00\n"
               "\n"
               "[targets]\n"
               "rpo.local = 26h\n"
               "rpo.cloud = 8d\n"
               "rto.rollback = 15m\n"
               "rto.pbs = 4h\n"
               "rto.cloud = 24h\n"
               "\n",
               stamp);
    buf_printf(&b,
               "[repo os-ssd]\n"
               "url = %s/repos/os-ssd\n"
               "password_file = %s/secrets/os-ssd.pass\n"
               "tier = local\n"
               "keep = daily=5 weekly=3 monthly=2\n"
               "\n"
               "; the USB SSD was unplugged 2 days ago: its backups stopped (RPO breach)\n"
               "[repo usb-ssd]\n"
               "url = %s/repos/usb-ssd\n"
               "password_file = %s/secrets/usb-ssd.pass\n"
               "tier = local\n"
               "keep = daily=5 weekly=3 monthly=2\n"
               "\n"
               "; served by 'rclone serve restic', which 'lifeboat demo' starts and stops\n"
               "[repo cloud]\n"
               "url = rest:http://127.0.0.1:%d/cloud\n"
               "password_file = %s/secrets/cloud.pass\n"
               "env_file = %s/secrets/cloud.env\n"
               "tier = offsite\n"
               "keep = weekly=4\n"
               "price_per_gib_month = 0.006\n"
               "\n",
               dir, dir, dir, dir, port, dir, dir);
    buf_printf(&b,
               "[job daily]\n"
               "schedule = *-*-* 03:00\n"
               "repos = os-ssd usb-ssd\n"
               "paths = %s/data/etc %s/data/srv\n"
               "exclude = *.tmp\n"
               "check = read-data-subset=2%%\n"
               "\n"
               "[job weekly]\n"
               "schedule = Sun 04:30\n"
               "copy = usb-ssd -> cloud\n"
               "check = cloud read-data-subset=1/52\n"
               "\n"
               "[alerts]\n"
               "channels = console\n"
               "renotify = 24h\n"
               "\n"
               "[drill]\n"
               "scratch = %s/drills\n",
               dir, dir, dir);
    if (sim && sim->fingerprint) {
        /* the Proxmox simulator (backend/demo_sim.h), pinned to its own certificate */
        buf_printf(&b,
                   "rollback_vmid = 9000\n"
                   "restore_vmid_range = 9100-9199\n"
                   "\n"
                   "; Proxmox VE and PBS: the simulator (tests/sim), which 'lifeboat demo' starts\n"
                   "; and stops; its certificate is pinned, its tokens are in proxmox/ (0600)\n"
                   "[pve main]\n"
                   "url = %s\n"
                   "token_file = %s\n"
                   "fingerprint = %s\n"
                   "snapshot_max_age = 7d\n"
                   "\n"
                   "[pbs docker-srv]\n"
                   "url = %s\n"
                   "token_file = %s\n"
                   "fingerprint = %s\n"
                   "datastore = usb-ssd\n",
                   sim->pve_url, sim->pve_token_file, sim->fingerprint, sim->pbs_url,
                   sim->pbs_token_file, sim->fingerprint);
    }
    {
        /* SMART: saved smartctl captures (source = FILE, demo and tests only) */
        char *mnt = demo_smart_mount_of(dir);

        buf_printf(&b,
                   "\n"
                   "; SMART from saved smartctl --json captures (source = FILE is for demos and\n"
                   "; tests only; a real disk names its device and smartctl reads it).\n"
                   "; usb-ssd: a healthy USB SSD; its mount is the file system holding this lab.\n"
                   "[disk usb-ssd]\n"
                   "device = /dev/disk/by-id/usb-SanDisk_Portable_SSD-0:0\n"
                   "type = sat\n"
                   "mount = %s\n"
                   "fill_warn = 80%%\n"
                   "fill_crit = 90%%\n"
                   "source = %s/%s\n"
                   "\n"
                   "; os-ssd: a worn SATA SSD, 85%% of its rated life used (a warning)\n"
                   "[disk os-ssd]\n"
                   "device = /dev/disk/by-id/ata-INTEL_SSDSC2BB016T4\n"
                   "mount = /\n"
                   "source = %s/%s\n",
                   mnt, dir, DEMO_SMART_USB_SSD, dir, DEMO_SMART_OS_SSD);
        free(mnt);
    }
    return buf_detach(&b);
}

static const char readme_text[] =
    "lifeboat demo lab\n"
    "=================\n"
    "\n"
    "Built by `lifeboat demo`. Nothing here is a real backup: it is a small,\n"
    "self-contained stand-in for a homelab's backup side, made with the real\n"
    "tools, so the console has something true to show.\n"
    "\n"
    "  lifeboat.conf        the config (mode 0600). Open the console on it with\n"
    "                       `lifeboat demo THIS-DIR` (which also serves the cloud).\n"
    "  secrets/             restic password files and cloud.env (random, mode 0600)\n"
    "  data/                a generated tree (etc/, srv/docker/...) the snapshots hold\n"
    "  repos/os-ssd         restic repository, tier local: daily snapshots\n"
    "  repos/usb-ssd        restic repository, tier local: its backups stopped\n"
    "                       2 days ago, as if the USB SSD was unplugged, so it\n"
    "                       breaks the 26 h local RPO and the console warns\n"
    "  cloud-store/cloud    restic repository, tier offsite: weekly snapshots,\n"
    "                       served over HTTP on 127.0.0.1 by `rclone serve restic`\n"
    "  smart-*.json         saved smartctl --json captures the [disk] sections read\n"
    "                       (a healthy USB SSD, a worn SATA SSD): the Disks screen\n"
    "  proxmox/             the Proxmox VE + PBS simulator's certificate, tokens (0600)\n"
    "                       and log: six guests, snapshots (one stale), a PBS datastore\n"
    "                       with weeks of backups (one failed verify), a guest in no\n"
    "                       backup job; `lifeboat demo THIS-DIR` starts and stops it\n"
    "                       (absent when the simulator was not installed)\n"
    "\n"
    "The history covers six weeks up to the moment the lab was built: dailies\n"
    "for the last days, Sundays before that, as the retention policy leaves them.\n"
    "\n"
    "The cloud repo answers only while rclone serves it. `lifeboat demo THIS-DIR`\n"
    "starts and stops rclone around the console; for other commands run\n"
    "`lifeboat demo THIS-DIR --serve` in another terminal (Ctrl-C stops it), then\n"
    "e.g. `lifeboat -c THIS-DIR/lifeboat.conf status`.\n"
    "\n"
    "To look inside a repo with restic itself:\n"
    "  restic -r THIS-DIR/repos/os-ssd --password-file THIS-DIR/secrets/os-ssd.pass snapshots\n"
    "\n"
    "Remove the lab with `rm -rf THIS-DIR`; `lifeboat demo` builds a fresh one.\n";

static int write_secrets(const char *dir, struct lb_err *err)
{
    char secret[48], secret2[48];
    char *path = NULL, *text = NULL;
    int rc = 0;

    for (int r = 0; r < DEMO_NREPOS && !rc; r++) {
        rc = random_secret(secret, sizeof(secret), err);
        if (rc)
            break;
        text = xasprintf("%s\n", secret);
        path = xasprintf("%s/secrets/%s.pass", dir, repo_names[r]);
        rc = write_file(path, text, strlen(text), 0600, err);
        explicit_bzero(text, strlen(text));
        free(text);
        free(path);
    }
    if (!rc)
        rc = random_secret(secret, sizeof(secret), err);
    if (!rc)
        rc = random_secret(secret2, sizeof(secret2), err);
    if (!rc) {
        /* the lab's rest server takes no credentials; a real S3/B2 repo keeps its keys here */
        text =
            xasprintf("AWS_ACCESS_KEY_ID=LBDEMO%.14s\nAWS_SECRET_ACCESS_KEY=%s\n", secret, secret2);
        path = xasprintf("%s/secrets/cloud.env", dir);
        rc = write_file(path, text, strlen(text), 0600, err);
        explicit_bzero(text, strlen(text));
        free(text);
        free(path);
    }
    explicit_bzero(secret, sizeof(secret));
    explicit_bzero(secret2, sizeof(secret2));
    return rc;
}

/* ---- building ------------------------------------------------------------------------- */

static void progress(const struct demo_opts *opts, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void progress(const struct demo_opts *opts, const char *fmt, ...)
{
    va_list ap;
    char *line;

    if (!opts || !opts->progress)
        return;
    va_start(ap, fmt);
    line = xvasprintf(fmt, ap);
    va_end(ap);
    opts->progress(line, opts->arg);
    free(line);
}

static void build_release(struct build *b)
{
    for (int r = 0; r < DEMO_NREPOS; r++) {
        free(b->repo_url[r]);
        free(b->pass_file[r]);
    }
    free(b->paths[0]);
    free(b->paths[1]);
}

static int build_repos(struct build *b, const char *dir, const struct demo_opts *opts,
                       struct demo_lab *lab, struct lb_err *err)
{
    static const char *const init_args[] = { "init", NULL };
    struct day_plan plan[HISTORY_DAYS];
    int repos[DEMO_NREPOS] = { DEMO_OS_SSD, DEMO_USB_SSD, DEMO_CLOUD };
    const char *const *argsv[DEMO_NREPOS] = { init_args, init_args, init_args };
    const char *what[DEMO_NREPOS] = { "create repo", "create repo", "create repo" };
    char *data = xasprintf("%s/data", dir);
    int counts[DEMO_NREPOS];
    time_t now;
    struct tm today;
    int rc;

    for (int r = 0; r < DEMO_NREPOS; r++)
        progress(opts, "creating repo %s...", repo_names[r]);
    rc = run_restic_batch(b, DEMO_NREPOS, repos, argsv, what, err);

    now = clock_now();
    localtime_r(&now, &today);
    plan_history(now, plan, counts);
    if (!rc)
        progress(opts, "6 weeks of history: %d snapshots (os-ssd %d, usb-ssd %d, cloud %d)...",
                 counts[0] + counts[1] + counts[2], counts[0], counts[1], counts[2]);
    for (int i = 0; i < HISTORY_DAYS && !rc; i++) {
        char stamps[DEMO_NREPOS][32];
        const char *args[DEMO_NREPOS][12];
        int n = 0;
        time_t any = 0;

        for (int r = 0; r < DEMO_NREPOS; r++)
            if (plan[i].when[r])
                any = plan[i].when[r];
        if (!any)
            continue;
        rc = write_tree(data, &today, i, any, err);
        for (int r = 0; r < DEMO_NREPOS && !rc; r++) {
            if (!plan[i].when[r])
                continue;
            clock_fmt_local(plan[i].when[r], stamps[n], sizeof(stamps[n]));
            args[n][0] = "backup";
            args[n][1] = "--time";
            args[n][2] = stamps[n];
            args[n][3] = "--host";
            args[n][4] = DEMO_HOST;
            args[n][5] = "--tag";
            args[n][6] = r == DEMO_CLOUD ? "weekly" : "daily";
            args[n][7] = b->paths[0];
            args[n][8] = b->paths[1];
            args[n][9] = NULL;
            argsv[n] = args[n];
            repos[n] = r;
            what[n] = "back up into";
            n++;
        }
        if (!rc)
            rc = run_restic_batch(b, n, repos, argsv, what, err);
        for (int k = 0; k < n && !rc; k++)
            lab->snapshots[repos[k]]++;
    }
    free(data);
    return rc;
}

static int check_existing(const char *dir, bool *complete, struct lb_err *err)
{
    static const char *const parts[] = { "repos/os-ssd/config",      "repos/usb-ssd/config",
                                         "cloud-store/cloud/config", "secrets/os-ssd.pass",
                                         "secrets/usb-ssd.pass",     "secrets/cloud.pass" };
    char *conf = xasprintf("%s/lifeboat.conf", dir);
    int rc = 0;

    *complete = false;
    if (!exists(conf)) {
        int empty = dir_is_empty(dir);

        if (empty < 0)
            rc = lb_err_set(err, LB_EIO, "cannot use '%s' for the demo lab: %s", dir,
                            strerror(errno));
        else if (!empty)
            rc = lb_err_set(err, LB_EUSAGE,
                            "'%s' is not empty and holds no demo lab (no lifeboat.conf): "
                            "name a new directory, or remove this one if it is an unfinished lab",
                            dir);
        free(conf);
        return rc;
    }
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]) && !rc; i++) {
        char *p = xasprintf("%s/%s", dir, parts[i]);

        if (!exists(p))
            rc = lb_err_set(err, LB_ENOTFOUND,
                            "the demo lab in '%s' is incomplete ('%s' is missing): remove it "
                            "(rm -rf '%s') and run 'lifeboat demo' again",
                            dir, parts[i], dir);
        free(p);
    }
    *complete = !rc;
    free(conf);
    return rc;
}

/*
 * The Proxmox part: run the simulator once on DIR/proxmox (it makes its
 * certificate and tokens there) for the URLs and fingerprint the config pins.
 * Without it the lab has no [pve]/[pbs] and the progress says why.
 */
static void proxmox_setup(struct loop *loop, const char *dir, const struct demo_opts *opts,
                          struct demo_sim_info *info)
{
    char *py = demo_sim_find();
    char *state;
    struct demo_sim *sim;
    struct lb_err err = { 0 };
    int pp, bp;

    if (!py) {
        progress(opts, "no Proxmox in this lab: the simulator (tests/sim/sim.py) is not installed "
                       "with this lifeboat (set LIFEBOAT_SIM to its path to add it)");
        return;
    }
    pp = free_port(&err);
    bp = free_port(&err);
    if (bp == pp)
        bp = free_port(&err);
    if (pp < 0 || bp < 0 || pp == bp) {
        progress(opts, "no Proxmox in this lab: %s", err.msg);
        free(py);
        return;
    }
    progress(opts, "Proxmox VE and PBS: the simulator on ports %d and %d...", pp, bp);
    state = xasprintf("%s/proxmox", dir);
    sim = demo_sim_start(loop, py, state, pp, bp, info, &err);
    if (!sim)
        progress(opts, "no Proxmox in this lab: %s", err.msg);
    demo_sim_stop(sim);
    free(state);
    free(py);
}

int demo_lab_prepare(struct loop *loop, const char *dir, const struct demo_opts *opts,
                     struct demo_lab *lab, struct lb_err *err)
{
    struct build b = { .loop = loop };
    struct demo_sim_info sim = { 0 };
    char real[PATH_MAX];
    int64_t start = clock_mono_ms();
    bool complete;
    char *text = NULL, *path = NULL;
    int port, rc;

    memset(lab, 0, sizeof(*lab));
    if (!dir || !*dir)
        dir = DEMO_DEFAULT_DIR;
    if (exists(dir)) {
        rc = check_existing(dir, &complete, err);
        if (rc)
            return rc;
    } else {
        complete = false;
    }
    if (make_dir(dir, 0700, err) < 0)
        return -LB_EIO;
    if (!realpath(dir, real))
        return lb_err_set(err, LB_EIO, "cannot resolve '%s': %s", dir, strerror(errno));
    lab->dir = xstrdup(real);
    lab->config_path = xasprintf("%s/lifeboat.conf", real);
    if (complete) {
        lab->reused = true;
        return 0;
    }

    progress(opts, "building the demo lab in %s", real);
    port = free_port(err);
    if (port < 0)
        return -LB_EIO;
    for (int r = 0; r < DEMO_NREPOS; r++) {
        b.repo_url[r] = r == DEMO_CLOUD ? xasprintf("%s/cloud-store/cloud", real)
                                        : xasprintf("%s/repos/%s", real, repo_names[r]);
        b.pass_file[r] = xasprintf("%s/secrets/%s.pass", real, repo_names[r]);
    }
    b.paths[0] = xasprintf("%s/data/etc", real);
    b.paths[1] = xasprintf("%s/data/srv", real);

    path = xasprintf("%s/secrets", real);
    rc = make_dir(path, 0700, err);
    free(path);
    path = xasprintf("%s/repos", real);
    if (!rc)
        rc = make_dir(path, 0700, err);
    free(path);
    path = xasprintf("%s/cloud-store", real);
    if (!rc)
        rc = make_dir(path, 0700, err);
    free(path);
    if (!rc)
        rc = write_secrets(real, err);
    /* the cloud repo is built on disk where rclone will serve it from */
    if (!rc)
        rc = build_repos(&b, real, opts, lab, err);
    if (!rc) {
        path = xasprintf("%s/README.txt", real);
        rc = write_file(path, readme_text, sizeof(readme_text) - 1, 0644, err);
        free(path);
    }
    if (!rc)
        rc = demo_smart_write(real, err);
    if (!rc)
        proxmox_setup(loop, real, opts, &sim);
    if (!rc) { /* last: its presence marks a complete lab */
        text = config_text(real, port, &sim);
        rc = write_file_atomic(lab->config_path, text, 0600, err);
        free(text);
    }
    lab->build_seconds = (double)(clock_mono_ms() - start) / 1000.0;
    build_release(&b);
    demo_sim_info_release(&sim);
    if (rc)
        log_error("demo lab in %s: %s", real, err ? err->msg : "failed");
    return rc;
}

void demo_lab_release(struct demo_lab *lab)
{
    free(lab->dir);
    free(lab->config_path);
    memset(lab, 0, sizeof(*lab));
}

/* ---- the cloud: rclone serve restic ---------------------------------------------------- */

struct demo_cloud {
    struct loop *loop;
    struct spawn *sp;
    int port;
    bool serving;
    bool exited;
    bool addr_in_use;
    bool timed_out;
    struct spawn_result res;
    char last[256];
    uint64_t timer;
};

static void cloud_on_line(struct spawn *sp, enum spawn_stream stream, const char *line, size_t len,
                          bool cut, void *arg)
{
    struct demo_cloud *c = arg;

    (void)sp;
    (void)stream;
    (void)cut;
    if (!len)
        return;
    if (len >= sizeof(c->last))
        len = sizeof(c->last) - 1;
    memcpy(c->last, line, len);
    c->last[len] = '\0';
    str_sanitize(c->last);
    if (strstr(c->last, "Serving restic"))
        c->serving = true;
    if (strstr(c->last, "address already in use"))
        c->addr_in_use = true;
    log_info("demo cloud (rclone): %s", c->last);
}

static void cloud_on_exit(struct spawn *sp, const struct spawn_result *res, void *arg)
{
    struct demo_cloud *c = arg;

    (void)sp;
    c->exited = true;
    c->sp = NULL;
    c->res = *res;
}

static void cloud_on_timer(struct loop *loop, void *arg)
{
    struct demo_cloud *c = arg;

    (void)loop;
    c->timer = 0;
    c->timed_out = true;
}

struct demo_cloud *demo_cloud_start(struct loop *loop, const char *store_dir, int port,
                                    struct lb_err *err)
{
    struct demo_cloud *c = xcalloc(1, sizeof(*c));
    char addr[32];
    const char *argv[] = { "rclone", "serve", "restic",  "--config", "/dev/null",
                           "--addr", addr,    store_dir, NULL };
    struct spawn_opts o = { 0 };

    snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
    c->loop = loop;
    c->port = port;
    o.argv = argv;
    o.on_line = cloud_on_line;
    o.on_exit = cloud_on_exit;
    o.arg = c;
    o.kill_grace_ms = 3000;
    c->sp = spawn_start(loop, &o, err);
    if (!c->sp) {
        lb_err_prefix(err, "cannot start the demo cloud (rclone)");
        free(c);
        return NULL;
    }
    c->timer = loop_add_timer(loop, RCLONE_READY_MS, cloud_on_timer, c);
    while (!c->serving && !c->exited && !c->timed_out)
        loop_run_once(loop, -1);
    if (c->timer)
        loop_cancel_timer(loop, c->timer);
    c->timer = 0;
    if (c->serving && !c->exited)
        return c;

    if (c->exited && c->res.exec_errno == ENOENT)
        lb_err_set(err, LB_EMISSING_TOOL,
                   "cannot serve the demo cloud: rclone is not installed (run 'make deps' or "
                   "'apt-get install rclone')");
    else if (c->addr_in_use)
        lb_err_set(err, LB_EBUSY,
                   "cannot serve the demo cloud: port %d on 127.0.0.1 is taken (is another "
                   "'lifeboat demo' running?): stop that program, or put a free port in the "
                   "cloud repo's url in lifeboat.conf",
                   port);
    else if (c->timed_out)
        lb_err_set(err, LB_ETIMEOUT, "cannot serve the demo cloud: rclone did not start in %d s",
                   RCLONE_READY_MS / 1000);
    else
        lb_err_set(err, LB_EFAIL, "cannot serve the demo cloud: rclone stopped: %s",
                   c->last[0] ? c->last : "no message");
    demo_cloud_stop(c);
    return NULL;
}

bool demo_cloud_exited(const struct demo_cloud *cloud)
{
    return cloud->exited;
}

void demo_cloud_stop(struct demo_cloud *c)
{
    if (!c)
        return;
    if (!c->exited && c->sp)
        spawn_cancel(c->sp);
    while (!c->exited)
        loop_run_once(c->loop, 200);
    free(c);
}
