/*
 * `lifeboat run JOB [--dry-run] [--wait]`: run a configured restic job headless
 * (timers call this), print its steps as they go, record everything; exit 0
 * ok, 1 warnings, 2 a failed or cancelled step. SIGINT/SIGTERM stop restic
 * cleanly and record the run as cancelled.
 */
#include "cli/cli.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/base/buf.h"
#include "backend/base/clock.h"
#include "backend/base/str.h"
#include "backend/config.h"
#include "backend/http.h"
#include "backend/jobs.h"
#include "backend/loop.h"
#include "backend/store.h"

#define WAIT_POLL_MS 1000

struct run_cli {
    struct loop *loop;
    struct config *cfg;
    struct store *st;
    const char *job;
    struct job_run *run;
    bool tty;
    bool waiting;
    bool stop;      /* a signal came while waiting */
    bool done;
    int holder;     /* PID named while waiting */
    enum run_outcome outcome;
    int64_t last_bar_ms;
    bool bar_shown;
    uint64_t wait_timer;
    bool started;       /* the run started (alerts and pings follow it) */
    int64_t run_id;
    struct http *hc;    /* the healthchecks /start ping (cli_alerts_run_start) */
};

static void clear_bar(struct run_cli *c)
{
    if (c->bar_shown) {
        fputs("\r\033[K", stdout);
        c->bar_shown = false;
    }
}

static void on_step(struct job_run *run, const struct job_step *s, void *arg)
{
    struct run_cli *c = arg;
    char d[32];

    (void)run;
    clear_bar(c);
    if (s->outcome == RUN_RUNNING) {
        printf("==> %s\n", s->label);
    } else {
        printf("    %s%s (%s)\n", s->skipped ? "skipped, " : "", store_outcome_text(s->outcome),
               str_fmt_duration((int64_t)(s->ended - s->started), d, sizeof(d)));
    }
    fflush(stdout);
}

static void on_progress(struct job_run *run, const struct job_step *s, void *arg)
{
    struct run_cli *c = arg;
    const struct jobs_progress *p = &s->progress;
    int64_t now = loop_now_ms(c->loop);
    char done[32], total[32], rate[32], eta[32];

    (void)run;
    if (!c->tty || now - c->last_bar_ms < 200)
        return;
    c->last_bar_ms = now;
    str_fmt_bytes(p->bytes_done, done, sizeof(done));
    str_fmt_bytes(p->total_bytes, total, sizeof(total));
    str_fmt_bytes((uint64_t)p->bytes_per_sec, rate, sizeof(rate));
    if (p->eta_seconds >= 0)
        str_fmt_duration(p->eta_seconds, eta, sizeof(eta));
    else
        str_copy(eta, sizeof(eta), "?");
    printf("\r\033[K    %5.1f%%  %llu/%llu files  %s/%s  %s/s  ETA %s", p->percent,
           (unsigned long long)p->files_done, (unsigned long long)p->total_files, done, total,
           rate, eta);
    fflush(stdout);
    c->bar_shown = true;
}

static void on_note(struct job_run *run, const struct job_step *s, enum run_outcome sev,
                    const char *text, void *arg)
{
    struct run_cli *c = arg;

    (void)run;
    clear_bar(c);
    printf("%s%s%s\n", s ? "    " : "", sev == RUN_WARNING ? "warning: "
                                        : sev == RUN_FAILED ? "error: "
                                                            : "",
           text);
    fflush(stdout);
}

static void on_done(struct job_run *run, enum run_outcome outcome, void *arg)
{
    struct run_cli *c = arg;

    (void)run;
    c->outcome = outcome;
    c->done = true;
    c->run = NULL;
    loop_stop(c->loop);
}

static void on_signal(struct loop *loop, int signo, void *arg)
{
    struct run_cli *c = arg;

    (void)loop;
    clear_bar(c);
    printf("lifeboat: got SIG%s: stopping restic cleanly%s\n", sigabbrev_np(signo),
           c->run ? " (again to stop at once)" : "");
    fflush(stdout);
    if (c->run) {
        jobs_run_cancel(c->run);
    } else {
        c->stop = true;
        loop_stop(c->loop);
    }
}

static int try_start(struct run_cli *c)
{
    static const struct jobs_events ev_template = {
        .on_step = on_step, .on_progress = on_progress, .on_note = on_note, .on_done = on_done,
    };
    struct jobs_events ev = ev_template;
    struct lb_err err = { 0 };
    int holder = 0;
    int rc;

    ev.arg = c;
    rc = jobs_run_start(c->loop, c->cfg, c->job, c->st, NULL, &ev, &c->run, &holder, &err);
    if (rc == -LB_EBUSY && c->waiting) {
        if (holder != c->holder) {
            printf("lifeboat: job '%s' is running (PID %d): waiting for it to finish\n", c->job,
                   holder);
            fflush(stdout);
            c->holder = holder;
        }
        return 1;
    }
    if (rc < 0) {
        cli_error("%s", err.msg);
        return rc;
    }
    printf("lifeboat: job '%s' started (run #%lld, PID %d)\n", c->job,
           (long long)jobs_run_id(c->run), (int)getpid());
    fflush(stdout);
    c->started = true;
    c->run_id = jobs_run_id(c->run);
    c->hc = cli_alerts_run_start(c->loop, c->cfg, c->job);
    return 0;
}

static void on_wait_timer(struct loop *loop, void *arg)
{
    struct run_cli *c = arg;
    int rc;

    c->wait_timer = 0;
    rc = try_start(c);
    if (rc == 1)
        c->wait_timer = loop_add_timer(loop, WAIT_POLL_MS, on_wait_timer, c);
    else if (rc < 0) {
        c->done = true;
        c->outcome = RUN_FAILED;
        loop_stop(loop);
    }
}

static int dry_run(struct run_cli *c)
{
    struct buf out = BUF_INIT(0);
    struct lb_err err = { 0 };
    int rc = jobs_describe(c->cfg, c->job, c->st, &out, &err);

    if (rc < 0) {
        cli_error("%s", err.msg);
        buf_release(&out);
        return EXIT_FAIL;
    }
    fputs(buf_cstr(&out), stdout);
    buf_release(&out);
    return EXIT_OK_;
}

int cmd_run(struct cli *cli, int argc, char **argv)
{
    struct run_cli c = { .outcome = RUN_FAILED };
    bool dry = false, store_missing = false;
    struct lb_err err = { 0 };
    int rc;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--dry-run"))
            dry = true;
        else if (!strcmp(argv[i], "--wait"))
            c.waiting = true;
        else if (argv[i][0] == '-')
            return cli_usage("run", "unknown option '%s'", argv[i]);
        else if (c.job)
            return cli_usage("run", "one job at a time ('%s' and '%s' given)", c.job, argv[i]);
        else
            c.job = argv[i];
    }
    if (!c.job)
        return cli_usage("run", "which job? (lifeboat run JOB, a [job NAME] of the config)");
    if (!(c.cfg = cli_load_config(cli, true)))
        return EXIT_CONFIG;
    if (!config_job(c.cfg, c.job)) {
        cli_error("no job '%s' in %s (add a [job %s] section)", c.job, c.cfg->path, c.job);
        config_free(c.cfg);
        return EXIT_USAGE;
    }
    c.st = store_open(NULL, &err);
    if (!c.st) {
        cli_error("%s: the run is not recorded", err.msg);
        store_missing = true;
    }
    if (dry) {
        rc = dry_run(&c);
        goto out;
    }
    c.tty = isatty(STDOUT_FILENO);
    c.loop = loop_new();
    loop_watch_signal(c.loop, SIGINT, on_signal, &c);
    loop_watch_signal(c.loop, SIGTERM, on_signal, &c);
    rc = try_start(&c);
    if (rc == 1)
        c.wait_timer = loop_add_timer(c.loop, WAIT_POLL_MS, on_wait_timer, &c);
    if (rc >= 0)
        loop_run(c.loop);
    if (c.wait_timer)
        loop_cancel_timer(c.loop, c.wait_timer);
    clear_bar(&c);
    if (c.stop && !c.done)
        rc = EXIT_FAIL;
    else if (rc < 0 && !c.done)
        rc = EXIT_FAIL;
    else
        rc = jobs_exit_code(c.outcome);
    loop_unwatch_signal(c.loop, SIGINT, on_signal, &c);
    loop_unwatch_signal(c.loop, SIGTERM, on_signal, &c);
    http_free(c.hc);
    loop_free(c.loop);
    if (store_missing && rc == EXIT_OK_)
        rc = EXIT_WARN;
    /* healthchecks success or /fail with the log tail, then the rules and notifications */
    if (c.started)
        cli_alerts_after_run(c.cfg->path, c.job, c.run_id, rc);
out:
    store_close(c.st);
    config_free(c.cfg);
    return rc;
}
