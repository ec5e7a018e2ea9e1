/*
 * libFuzzer target for what lifeboat reads from restic: `snapshots --json`,
 * `stats --json`, `cat lock`, and the failure classifier over stderr text.
 * Any bytes in: never a crash, a leak or undefined behaviour.
 *
 * fuzz-sources: backend/restic.c backend/spawn.c backend/loop.c backend/config.c backend/calendar.c backend/tzone.c backend/retention.c
 * fuzz-pkgs: jansson inih
 * fuzz-seeds: tests/fixtures/restic
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backend/base/vec.h"
#include "backend/base/xalloc.h"
#include "backend/restic.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct vec snaps = VEC_INIT(restic_snapshot_free);
    struct restic_stats stats;
    struct restic_lock lock;
    struct lb_err err = { 0 };
    char *text = xstrndup((const char *)data, size);

    restic_parse_snapshots((const char *)data, size, &snaps, &err);
    vec_release(&snaps);
    restic_parse_stats((const char *)data, size, &stats, &err);
    memset(&lock, 0, sizeof(lock));
    if (restic_parse_lock((const char *)data, size, &lock, &err) == 0) {
        free(lock.hostname);
        free(lock.username);
    }
    restic_classify_failure("fuzz", 1, 0, false, 0, text, &err);
    restic_classify_failure("fuzz", 11, 0, false, 0, text, &err);
    free(text);
    return 0;
}
