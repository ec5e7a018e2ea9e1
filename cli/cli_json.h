#ifndef LIFEBOAT_CLI_JSON_H
#define LIFEBOAT_CLI_JSON_H

#include <jansson.h>
#include <time.h>

/* The --json output's shared pieces. */

/* t as RFC 3339 in UTC ("2026-11-26T02:00:00Z"), or null when 0 (unknown, never). */
json_t *cli_json_time(time_t t);

#endif
