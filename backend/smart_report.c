/*
 * The JSON form of a SMART verdict (`lifeboat smart --json`), written with
 * jansson so every string from the drive is escaped correctly.
 */
#include "backend/smart_rules.h"

#include <jansson.h>
#include <stdlib.h>

#include "backend/base/xalloc.h"

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *num_or_null(int64_t v)
{
    return v >= 0 ? json_integer(v) : json_null();
}

char *smart_report_json(const struct smart_data *d, const struct smart_report *r,
                        const char *disk, const char *device)
{
    json_t *o = json_object();
    json_t *findings = json_array();
    json_t *attempts = json_array();
    char *hint = smart_hint(d, disk);
    char *dumped;
    char *copy;
    size_t i;
    struct smart_finding *f;
    struct smart_attempt *a;

    json_object_set_new(o, "disk", str_or_null(disk));
    json_object_set_new(o, "device", str_or_null(d->device ? d->device : device));
    json_object_set_new(o, "model", str_or_null(d->model));
    json_object_set_new(o, "serial", str_or_null(d->serial));
    json_object_set_new(o, "firmware", str_or_null(d->firmware));
    json_object_set_new(o, "protocol", str_or_null(smart_protocol_name(d->protocol)));
    json_object_set_new(o, "verdict", json_string(smart_verdict_name(r->verdict)));
    json_object_set_new(o, "state", json_string(smart_state_name(d->state)));
    json_object_set_new(o, "hint", str_or_null(hint));
    json_object_set_new(o, "reason", str_or_null(d->reason));
    json_object_set_new(o, "temperature_c", num_or_null(r->counters.temperature));
    json_object_set_new(o, "power_on_hours", num_or_null(r->counters.power_on_hours));
    json_object_set_new(o, "life_used_pct", num_or_null(r->counters.life_used));
    json_object_set_new(o, "capacity_bytes", num_or_null(d->capacity_bytes));
    vec_foreach(&r->findings, i, f)
    {
        json_t *x = json_object();

        json_object_set_new(x, "metric", json_string(f->metric));
        json_object_set_new(x, "level", json_string(smart_level_name(f->level)));
        json_object_set_new(x, "value", f->has_value ? json_integer(f->value) : json_null());
        json_object_set_new(x, "text", json_string(f->text));
        json_array_append_new(findings, x);
    }
    json_object_set_new(o, "findings", findings);
    json_object_set_new(o, "smartctl_exit_status",
                        d->exit_status >= 0 ? json_integer(d->exit_status) : json_null());
    /* the -d value worth remembering: only when it reached the drive */
    json_object_set_new(o, "type", str_or_null(d->state == SMART_STATE_DATA ||
                                                       d->state == SMART_STATE_STANDBY ?
                                                   d->chosen_type :
                                                   NULL));
    json_object_set_new(o, "device_type", str_or_null(d->device_type));
    vec_foreach(&d->attempts, i, a)
    {
        json_t *x = json_object();

        json_object_set_new(x, "type", json_string(a->type));
        json_object_set_new(x, "state", json_string(smart_state_name(a->state)));
        json_object_set_new(x, "exit_status",
                            a->exit_status >= 0 ? json_integer(a->exit_status) : json_null());
        json_object_set_new(x, "reason", str_or_null(a->reason));
        json_array_append_new(attempts, x);
    }
    json_object_set_new(o, "attempts", attempts);
    dumped = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    free(hint);
    if (!dumped)
        return xstrdup("{}");
    copy = xstrdup(dumped); /* jansson's allocator may differ from ours */
    free(dumped);
    return copy;
}
