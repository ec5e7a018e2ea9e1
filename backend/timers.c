/* systemd service + timer units for the configured jobs (see timers.h). */
#include "backend/timers.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/base/buf.h"
#include "backend/base/path.h"
#include "backend/base/xalloc.h"
#include "backend/calendar.h"
#include "backend/config.h"

#define RANDOM_DELAY "5min"

/* One ExecStart word, quoted as systemd reads it; '%' is a specifier and '$' a variable. */
static void exec_word(struct buf *b, const char *w)
{
    bool quote = !*w || strpbrk(w, " \t\"'\\;") != NULL;

    if (quote)
        buf_puts(b, "\"");
    for (; *w; w++) {
        if (*w == '%')
            buf_puts(b, "%%");
        else if (*w == '$')
            buf_puts(b, "$$");
        else if (quote && (*w == '"' || *w == '\\'))
            buf_printf(b, "\\%c", *w);
        else
            buf_append(b, w, 1);
    }
    if (quote)
        buf_puts(b, "\"");
}

char *timers_service_text(const struct job_cfg *job, const char *program, const char *config_path)
{
    struct buf b = BUF_INIT(0);

    buf_printf(&b,
               "# Written by lifeboat timers install: the restic job '%s'.\n"
               "[Unit]\n"
               "Description=lifeboat backup job %s\n"
               "Wants=network-online.target\n"
               "After=network-online.target\n"
               "\n"
               "[Service]\n"
               "Type=oneshot\n"
               "ExecStart=",
               job->name, job->name);
    exec_word(&b, program);
    buf_puts(&b, " -c ");
    exec_word(&b, config_path);
    buf_puts(&b, " run ");
    exec_word(&b, job->name);
    buf_puts(&b, "\n"
                 "# SIGTERM goes to lifeboat alone: it stops restic with SIGINT (restic then\n"
                 "# removes its lock) and records the run as cancelled.\n"
                 "KillMode=mixed\n"
                 "TimeoutStopSec=90\n"
                 "Nice=10\n"
                 "IOSchedulingClass=idle\n"
                 "# exit 1 = warnings (e.g. unreadable files, a skipped step): not a unit failure\n"
                 "SuccessExitStatus=1\n");
    return buf_detach(&b);
}

char *timers_timer_text(const struct job_cfg *job)
{
    return xasprintf("# Written by lifeboat timers install: when the job '%s' runs.\n"
                     "[Unit]\n"
                     "Description=lifeboat backup job %s (timer)\n"
                     "\n"
                     "[Timer]\n"
                     "OnCalendar=%s\n"
                     "Persistent=true\n"
                     "RandomizedDelaySec=" RANDOM_DELAY "\n"
                     "Unit=lifeboat-%s.service\n"
                     "\n"
                     "[Install]\n"
                     "WantedBy=timers.target\n",
                     job->name, job->name, job->schedule, job->name);
}

static int write_atomic(const char *path, const char *text, struct lb_err *err)
{
    char *tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    size_t len = strlen(text);
    int rc = 0;

    if (fd < 0) {
        rc = lb_err_set(err, LB_EIO, "cannot write %s: %s", tmp, strerror(errno));
        goto out;
    }
    if (write(fd, text, len) != (ssize_t)len || fsync(fd) < 0) {
        rc = lb_err_set(err, LB_EIO, "cannot write %s: %s", tmp, strerror(errno));
        close(fd);
        unlink(tmp);
        goto out;
    }
    close(fd);
    if (rename(tmp, path) < 0) {
        rc = lb_err_set(err, LB_EIO, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
        unlink(tmp);
    }
out:
    free(tmp);
    return rc;
}

int timers_install(const struct config *cfg, const char *dir, const char *program,
                   struct vec *written, struct lb_err *err)
{
    size_t i;
    struct job_cfg *j;
    int rc = 0;

    if (!cfg->jobs.len)
        return lb_err_set(err, LB_ECONFIG, "%s has no [job NAME] section: nothing to install",
                          cfg->path);
    vec_foreach(&cfg->jobs, i, j) {
        struct lb_err e = { 0 };
        struct cal_event *ev;

        if (!j->schedule)
            return lb_err_set(err, LB_ECONFIG, "job '%s' has no schedule = ...", j->name);
        if (!(ev = cal_parse(j->schedule, CAL_SYSTEMD, &e)))
            return lb_err_set(err, LB_ECONFIG,
                              "job '%s': schedule '%s' is not a calendar event: %s (nothing "
                              "written)",
                              j->name, j->schedule, e.msg);
        cal_free(ev);
    }
    if (path_mkdirs(dir, 0755) < 0)
        return lb_err_set(err, LB_EIO, "cannot create %s: %s", dir, strerror(errno));
    vec_foreach(&cfg->jobs, i, j) {
        char *svc = timers_service_text(j, program, cfg->path);
        char *tmr = timers_timer_text(j);
        char *p1 = xasprintf("%s/lifeboat-%s.service", dir, j->name);
        char *p2 = xasprintf("%s/lifeboat-%s.timer", dir, j->name);

        if ((rc = write_atomic(p1, svc, err)) == 0)
            rc = write_atomic(p2, tmr, err);
        if (rc == 0) {
            vec_push(written, p1);
            vec_push(written, p2);
        } else {
            free(p1);
            free(p2);
        }
        free(svc);
        free(tmr);
        if (rc < 0)
            break;
    }
    return rc;
}
