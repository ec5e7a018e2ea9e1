/*
 * Running smartctl through the loop, with the USB-bridge device-type fallback
 * of reference smart.md §2.5. One smartctl at a time per probe.
 */
#include "backend/smart.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/base/buf.h"
#include "backend/base/str.h"
#include "backend/base/xalloc.h"
#include "backend/loop.h"
#include "backend/spawn.h"

#define SMART_MAX_CANDIDATES 8
#define SMART_OUTPUT_MAX (8u << 20)
#define SMART_TIMEOUT_MS 30000

struct smart_probe {
    struct loop *loop;
    char *device;
    char *program;
    char *fixed_type; /* owned: the configured -d value when not auto */
    int64_t timeout_ms;
    const char *cand[SMART_MAX_CANDIDATES];
    size_t ncand;
    size_t next;
    struct smart_data *first;  /* result of the first candidate (kept for the report) */
    struct smart_data *data_fallback; /* a data result that did not pass the usable test */
    struct vec attempts;       /* struct smart_attempt * */
    struct spawn *sp;
    bool cancelled;
    void (*on_done)(struct smart_data *result, void *arg);
    void *arg;
};

size_t smart_candidates(int usb_vendor, const char **out, size_t max)
{
    const char *all[SMART_MAX_CANDIDATES];
    size_t n = 0, k;

    all[n++] = "auto";
    all[n++] = "sat";
    all[n++] = "sat,12";
    switch (usb_vendor) {
    case 0x152d: /* JMicron */
        all[n++] = "sntjmicron";
        break;
    case 0x174c: /* ASMedia */
    case 0x04e8: /* Samsung (T7, T9 use ASMedia bridges) */
        all[n++] = "sntasmedia";
        break;
    case 0x0bda: /* Realtek */
        all[n++] = "sntrealtek";
        break;
    default:
        all[n++] = "sntjmicron";
        all[n++] = "sntasmedia";
        all[n++] = "sntrealtek";
        break;
    }
    for (k = 0; k < n && k < max; k++)
        out[k] = all[k];
    return k;
}

bool smart_result_usable(const struct smart_data *d)
{
    return d && d->state == SMART_STATE_DATA && d->exit_status >= 0 &&
           !(d->exit_status & (SMART_EXIT_CMDLINE | SMART_EXIT_OPEN)) && d->model &&
           (d->attrs.len > 0 || d->nvme.present);
}

/* Read a small sysfs file holding a hex number ("152d\n"). */
static int read_hex_file(const char *path)
{
    FILE *f = fopen(path, "r");
    char line[32];
    int v = SMART_NONE;

    if (!f)
        return SMART_NONE;
    if (fgets(line, sizeof(line), f)) {
        char *end;
        long x;

        errno = 0;
        x = strtol(line, &end, 16);
        if (!errno && end != line && x >= 0 && x <= 0xffff)
            v = (int)x;
    }
    fclose(f);
    return v;
}

int smart_usb_vendor(const char *device)
{
    char *dev = device ? realpath(device, NULL) : NULL;
    char *sys = NULL;
    char link[PATH_MAX];
    const char *base;
    int v = SMART_NONE;

    if (!dev)
        return SMART_NONE;
    base = strrchr(dev, '/');
    base = base ? base + 1 : dev;
    snprintf(link, sizeof(link), "/sys/class/block/%s", base);
    sys = realpath(link, NULL);
    /* walk up from .../usbN/N-1/N-1:1.0/hostH/.../block/sdX to the USB device */
    while (sys && strlen(sys) > strlen("/sys/devices")) {
        char path[PATH_MAX + 16];
        char *slash;

        snprintf(path, sizeof(path), "%s/idVendor", sys);
        v = read_hex_file(path);
        if (v != SMART_NONE)
            break;
        slash = strrchr(sys, '/');
        if (!slash)
            break;
        *slash = '\0';
    }
    free(sys);
    free(dev);
    return v;
}

static void probe_free(struct smart_probe *p)
{
    smart_data_free(&p->first);
    smart_data_free(&p->data_fallback);
    vec_release(&p->attempts);
    free(p->device);
    free(p->program);
    free(p->fixed_type);
    free(p);
}

static void record_attempt(struct smart_probe *p, const char *type, const struct smart_data *d)
{
    struct smart_attempt *a = xcalloc(1, sizeof(*a));

    a->type = xstrdup(type);
    a->state = d->state;
    a->exit_status = d->exit_status;
    a->reason = xstrdup(d->reason);
    vec_push(&p->attempts, a);
}

static void finish(struct smart_probe *p, struct smart_data *result, const char *type)
{
    size_t i;
    struct smart_attempt *a;
    char *chosen = xstrdup(type); /* type may point into result */

    free(result->chosen_type);
    result->chosen_type = chosen;
    vec_clear(&result->attempts);
    vec_foreach(&p->attempts, i, a)
    {
        vec_push(&result->attempts, a);
    }
    p->attempts.len = 0;
    p->on_done(result, p->arg);
    probe_free(p);
}

/* States after which another -d type cannot help. */
static bool stops_walk(enum smart_state s)
{
    switch (s) {
    case SMART_STATE_STANDBY:
    case SMART_STATE_PERMISSION:
    case SMART_STATE_SANDBOX:
    case SMART_STATE_NO_CAPABILITY:
    case SMART_STATE_NO_DEVICE:
    case SMART_STATE_NOT_INSTALLED:
    case SMART_STATE_TIMEOUT:
        return true;
    default:
        return false;
    }
}

static struct smart_data *result_of(const struct spawn_result *res, const struct buf *out,
                                    const struct buf *errout, const char *program)
{
    struct smart_data *d = NULL;
    struct lb_err err = { 0 };

    if (res->exec_errno) {
        char msg[256];

        snprintf(msg, sizeof(msg), "cannot run '%s': %s", program, strerror(res->exec_errno));
        return smart_data_new_state(res->exec_errno == ENOENT ? SMART_STATE_NOT_INSTALLED :
                                                                 SMART_STATE_OPEN_FAILED,
                                    msg);
    }
    if (res->cancelled)
        return smart_data_new_state(SMART_STATE_TIMEOUT, "cancelled");
    if (res->timed_out)
        return smart_data_new_state(SMART_STATE_TIMEOUT, "smartctl did not finish in time");
    if (!out || !out->len) {
        char msg[320];
        const char *e = errout && errout->len ? buf_cstr(errout) : "no output";
        int n = (int)strcspn(e, "\n");

        snprintf(msg, sizeof(msg), "smartctl printed no JSON (exit %d): %.*s",
                 res->exited ? res->status : -1, n > 200 ? 200 : n, e);
        return smart_data_new_state(SMART_STATE_BAD_OUTPUT, msg);
    }
    if (out->truncated)
        return smart_data_new_state(SMART_STATE_BAD_OUTPUT, "smartctl output too large");
    if (smart_parse(out->data, out->len, &d, &err) < 0)
        return smart_data_new_state(SMART_STATE_BAD_OUTPUT, err.msg);
    if (d->exit_status == SMART_NONE && res->exited)
        d->exit_status = res->status;
    return d;
}

static int run_next(struct smart_probe *p, struct lb_err *err);

static void on_exit_cb(struct spawn *sp, const struct spawn_result *res, void *arg)
{
    struct smart_probe *p = arg;
    const char *type = p->cand[p->next - 1];
    struct smart_data *d = result_of(res, spawn_stdout(sp), spawn_stderr(sp), p->program);
    struct lb_err err = { 0 };

    p->sp = NULL;
    record_attempt(p, type, d);
    if (smart_result_usable(d) || stops_walk(d->state) || p->cancelled) {
        finish(p, d, type);
        return;
    }
    if (d->state == SMART_STATE_DATA && !p->data_fallback) {
        p->data_fallback = d;
        free(d->chosen_type);
        d->chosen_type = xstrdup(type);
    } else if (!p->first) {
        p->first = d;
        free(d->chosen_type);
        d->chosen_type = xstrdup(type);
    } else {
        smart_data_free(&d);
    }
    if (p->next < p->ncand && run_next(p, &err) == 0)
        return;
    /* every candidate failed: report the data we got, else the first failure */
    if (p->data_fallback) {
        d = p->data_fallback;
        p->data_fallback = NULL;
    } else if (p->first) {
        d = p->first;
        p->first = NULL;
    } else {
        d = smart_data_new_state(SMART_STATE_OPEN_FAILED, err.msg[0] ? err.msg : "no result");
    }
    finish(p, d, d->chosen_type ? d->chosen_type : type);
}

static int run_next(struct smart_probe *p, struct lb_err *err)
{
    const char *type = p->cand[p->next++];
    const char *argv[12];
    size_t n = 0;
    struct spawn_opts o = { 0 };

    argv[n++] = p->program;
    argv[n++] = "--json=co";
    argv[n++] = "-a";
    argv[n++] = "-l";
    argv[n++] = "devstat";
    argv[n++] = "-n";
    argv[n++] = "standby";
    if (strcmp(type, "auto") != 0) {
        argv[n++] = "-d";
        argv[n++] = type;
    }
    argv[n++] = p->device;
    argv[n] = NULL;
    o.argv = argv;
    o.timeout_ms = p->timeout_ms;
    o.kill_grace_ms = 2000;
    o.capture = true;
    o.capture_max = SMART_OUTPUT_MAX;
    o.max_output = SMART_OUTPUT_MAX;
    o.env = NULL;
    o.unset_env = NULL;
    o.on_exit = on_exit_cb;
    o.arg = p;
    p->sp = spawn_start(p->loop, &o, err);
    return p->sp ? 0 : -(int)(err->code ? err->code : LB_EFAIL);
}

struct smart_probe *smart_probe_start(struct loop *loop, const struct smart_probe_opts *opts,
                                      struct lb_err *err)
{
    struct smart_probe *p;
    const char *prog = getenv("LIFEBOAT_SMARTCTL");

    if (!opts->device || !*opts->device) {
        lb_err_set(err, LB_EUSAGE, "no device to read SMART data from: set device = in the "
                                   "[disk] section");
        return NULL;
    }
    p = xcalloc(1, sizeof(*p));
    p->loop = loop;
    p->device = xstrdup(opts->device);
    p->program = xstrdup(prog && *prog ? prog : "smartctl");
    p->timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : SMART_TIMEOUT_MS;
    p->on_done = opts->on_done;
    p->arg = opts->arg;
    vec_init(&p->attempts, NULL); /* items move to the result in finish() */
    if (!opts->type || !*opts->type || !strcmp(opts->type, "auto")) {
        int vendor = opts->usb_vendor == SMART_NONE ? smart_usb_vendor(opts->device) :
                                                      opts->usb_vendor;

        p->ncand = smart_candidates(vendor, p->cand, SMART_MAX_CANDIDATES);
    } else {
        p->fixed_type = xstrdup(opts->type);
        p->cand[0] = p->fixed_type;
        p->ncand = 1;
    }
    if (run_next(p, err) < 0) {
        probe_free(p);
        return NULL;
    }
    return p;
}

void smart_probe_cancel(struct smart_probe *p)
{
    if (!p)
        return;
    p->cancelled = true;
    if (p->sp)
        spawn_cancel(p->sp);
}

struct probe_sync {
    bool done;
    struct smart_data *result;
};

static void sync_done(struct smart_data *result, void *arg)
{
    struct probe_sync *s = arg;

    s->result = result;
    s->done = true;
}

int smart_probe_sync(struct loop *loop, const struct smart_probe_opts *opts,
                     struct smart_data **out, struct lb_err *err)
{
    struct probe_sync s = { false, NULL };
    struct smart_probe_opts o = *opts;

    *out = NULL;
    o.on_done = sync_done;
    o.arg = &s;
    if (!smart_probe_start(loop, &o, err))
        return -(int)(err && err->code ? err->code : LB_EFAIL);
    while (!s.done)
        loop_run_once(loop, -1);
    *out = s.result;
    return 0;
}
