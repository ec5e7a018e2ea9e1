/*
 * libFuzzer target for the smartctl JSON reader and the health rules: any
 * bytes in, never a crash, a leak or undefined behaviour.
 *
 * fuzz-sources: backend/smart.c backend/smart_rules.c backend/smart_report.c
 * fuzz-pkgs: jansson
 * fuzz-seeds: tests/fixtures/smartctl
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "backend/smart.h"
#include "backend/smart_rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct smart_data *d = NULL;
    struct lb_err err = { 0 };
    struct smart_report r;
    struct smart_counters prev;
    char *s;

    if (smart_parse((const char *)data, size, &d, &err) < 0)
        return 0;
    smart_rules_eval(d, NULL, NULL, &r);
    prev = r.counters;
    smart_report_release(&r);
    /* a previous sample with smaller counters exercises the growth rules */
    prev.reallocated = prev.error_log = prev.crc_errors = prev.unsafe_shutdowns = 0;
    prev.warning_temp_time = prev.critical_comp_time = prev.realloc_events = 0;
    smart_rules_eval(d, &prev, NULL, &r);
    s = smart_report_json(d, &r, "fuzz", NULL);
    free(s);
    s = smart_hint(d, "fuzz");
    free(s);
    s = smart_exit_describe(d->exit_status);
    free(s);
    smart_report_release(&r);
    smart_data_free(&d);
    return 0;
}
