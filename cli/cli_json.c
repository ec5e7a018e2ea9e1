/* Pieces every command's --json output shares (cli/cli_json.h). */
#include "backend/base/clock.h"
#include "cli/cli_json.h"

json_t *cli_json_time(time_t t)
{
    char buf[40];

    return t ? json_string(clock_fmt_rfc3339(t, buf, sizeof(buf))) : json_null();
}
