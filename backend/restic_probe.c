/* `restic version` in the background (restic_probe.h). */
#include "backend/restic_probe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/base/str.h"
#include "backend/base/xalloc.h"
#include "backend/loop.h"
#include "backend/restic.h"
#include "backend/spawn.h"

#define PROBE_TIMEOUT_MS 15000

struct restic_probe {
    struct loop *loop;
    struct spawn *sp;
    enum restic_probe_state state;
    int version;
    char text[256];
    char first[256]; /* first stdout line */
    bool freeing;
    restic_probe_fn done;
    void *arg;
};

static const char *program(void)
{
    const char *p = getenv("LIFEBOAT_RESTIC");

    return p && *p ? p : "restic";
}

static void on_line(struct spawn *sp, enum spawn_stream stream, const char *line, size_t len,
                    bool cut, void *arg)
{
    struct restic_probe *p = arg;

    (void)sp;
    (void)len;
    (void)cut;
    if (stream == SPAWN_STDOUT && !p->first[0])
        str_copy(p->first, sizeof(p->first), line);
}

static void on_exit_fn(struct spawn *sp, const struct spawn_result *res, void *arg)
{
    struct restic_probe *p = arg;
    char *cut;

    (void)sp;
    p->sp = NULL;
    cut = strstr(p->first, " compiled with");
    if (cut)
        *cut = '\0';
    str_sanitize(p->first);
    if (res->exec_errno) {
        p->state = RESTIC_PROBE_FAILED;
        snprintf(p->text, sizeof(p->text), "cannot run '%s': %s", program(),
                 strerror(res->exec_errno));
    } else if (res->cancelled || res->timed_out) {
        p->state = RESTIC_PROBE_FAILED;
        snprintf(p->text, sizeof(p->text), "'%s version' %s", program(),
                 res->timed_out ? "did not answer" : "was stopped");
    } else if (!res->exited || res->status != 0 ||
               restic_parse_version(p->first, &p->version) != 0) {
        p->state = RESTIC_PROBE_FAILED;
        p->version = 0;
        snprintf(p->text, sizeof(p->text), "cannot tell the version from '%s version' (%.160s)",
                 program(), p->first[0] ? p->first : "no output");
    } else {
        p->state = RESTIC_PROBE_DONE;
        str_copy(p->text, sizeof(p->text), p->first);
    }
    str_sanitize(p->text);
    if (!p->freeing && p->done)
        p->done(p, p->arg);
}

struct restic_probe *restic_probe_start(struct loop *loop, restic_probe_fn done, void *arg,
                                        struct lb_err *err)
{
    struct restic_probe *p = xcalloc(1, sizeof(*p));
    const char *argv[] = { program(), "version", NULL };
    struct spawn_opts o = {
        .argv = argv,
        .timeout_ms = PROBE_TIMEOUT_MS,
        .max_output = 65536,
        .on_line = on_line,
        .on_exit = on_exit_fn,
        .arg = p,
    };

    p->loop = loop;
    p->done = done;
    p->arg = arg;
    p->state = RESTIC_PROBE_RUNNING;
    p->sp = spawn_start(loop, &o, err);
    if (!p->sp) {
        free(p);
        return NULL;
    }
    return p;
}

enum restic_probe_state restic_probe_state(const struct restic_probe *p)
{
    return p->state;
}

int restic_probe_version(const struct restic_probe *p)
{
    return p->state == RESTIC_PROBE_DONE ? p->version : 0;
}

const char *restic_probe_text(const struct restic_probe *p)
{
    return p->state == RESTIC_PROBE_RUNNING ? "" : p->text;
}

void restic_probe_free(struct restic_probe *p)
{
    if (!p)
        return;
    p->freeing = true;
    if (p->sp) {
        spawn_cancel(p->sp);
        while (p->sp)
            loop_run_once(p->loop, 100);
    }
    free(p);
}
