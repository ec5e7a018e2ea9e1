/*
 * libFuzzer target for the calendar-event parser (systemd and proxmox
 * dialects) and next-elapse computation: any text in, never a crash, a hang
 * or undefined behaviour.
 *
 * fuzz-sources: backend/calendar.c backend/tzone.c
 * fuzz-pkgs:
 * fuzz-seeds:
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "backend/base/xalloc.h"
#include "backend/calendar.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *expr;
    struct lb_err err = { 0 };

    if (size > 256)
        return 0;
    expr = xstrndup((const char *)data, size);
    for (int d = 0; d < 2; d++) {
        struct cal_event *ev = cal_parse(expr, d ? CAL_PROXMOX : CAL_SYSTEMD, &err);
        time_t t = 1795658412, next;

        for (int i = 0; ev && i < 3 && cal_next(ev, t, &next) == 0; i++)
            t = next;
        cal_free(ev);
    }
    free(expr);
    return 0;
}
