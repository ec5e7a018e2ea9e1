#ifndef LIFEBOAT_BACKEND_SMART_HISTORY_H
#define LIFEBOAT_BACKEND_SMART_HISTORY_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "backend/base/err.h"
#include "backend/smart.h"
#include "backend/smart_rules.h"

/*
 * SMART history: one sample per reading of a [disk] (time, verdict and the
 * counters of struct smart_counters, temperature and wear included), kept in
 * the state database for two years and thinned to one a day after 30 days
 * (store.h: store_put_smart_sample ...). The latest document itself is kept
 * too, so a console that cannot run smartctl (not root) shows what the root
 * timer job read.
 *
 * smart_sample_disk() is the one way a disk is read: from its `source =`
 * file (demo and tests) or by smartctl through the loop, trying the -d type
 * that worked last time first; evaluated against the previous stored sample
 * (growth rules); stored as a sample when it carries data. The console, the
 * runner (`lifeboat run`, a step per job disk) and `lifeboat smart DISK` use it.
 */

struct loop;
struct store;
struct disk_cfg;

/* One stored sample. */
struct smart_sample {
    int64_t id;
    time_t at;
    enum smart_verdict verdict;
    struct smart_counters c; /* temperature and life_used are in here */
};

/* Fill a sample from an evaluated reading taken at `at`. */
void smart_sample_fill(struct smart_sample *s, const struct smart_report *r, time_t at);

/* What one reading gives its caller. */
struct smart_reading {
    const char *disk;           /* the [disk] name (borrowed from the config) */
    time_t at;                  /* when it was read */
    struct smart_data *data;    /* the record (owned by the reading; take it by setting NULL) */
    struct smart_report report; /* evaluated against prev when have_prev */
    bool have_prev;
    struct smart_sample prev; /* the previous stored sample with data */
    bool stored;              /* a sample was written */
    struct lb_err store_err;  /* why it was not, when a store was given and writing failed */
    /* smart_reading_from_spool: data is the root job's spooled document, at its time */
    bool from_spool;
    enum smart_state live_state; /* with from_spool: why smartctl read nothing here */
    char live_reason[256];       /* and smartctl's words for it (sanitized) */
};

/*
 * Called once with the reading (borrowed for the call; the data may be taken).
 * Runs from the loop, never inside smart_sample_disk().
 */
typedef void (*smart_sample_cb)(struct smart_reading *rd, void *arg);

struct smart_sampler;

/*
 * Start reading disk (borrowed; with cfg_dir, the config's directory, for a
 * relative source). store may be NULL (no history: no growth rules, nothing
 * written). Returns the sampler (valid until cb returns) or NULL with err
 * when smartctl could not be started; cb is then not called.
 */
struct smart_sampler *smart_sample_disk(struct loop *loop, struct store *store, const char *cfg_dir,
                                        const struct disk_cfg *disk, smart_sample_cb cb, void *arg,
                                        struct lb_err *err);
/* Stop a reading in flight; cb still runs (state TIMEOUT, "cancelled"), nothing is stored. */
void smart_sample_cancel(struct smart_sampler *s);

/*
 * Read disk to completion by turning the loop (CLI, runner): *out is a new
 * reading (free with smart_reading_free). 0, or negative with err when
 * smartctl could not be started.
 */
int smart_sample_disk_sync(struct loop *loop, struct store *store, const char *cfg_dir,
                           const struct disk_cfg *disk, struct smart_reading **out,
                           struct lb_err *err);
void smart_reading_free(struct smart_reading *rd);

/*
 * The latest stored reading of disk: its document parsed and evaluated
 * against the sample before it. 0 with *out new, -LB_ENOTFOUND when none.
 */
int smart_history_latest(struct store *store, const char *disk, struct smart_reading **out,
                         struct lb_err *err);

/*
 * ---- the shared spool ----
 *
 * smartctl needs root (reference smart.md §2.6), so the root timer job shares
 * what it read: a reading by smartctl that gave data, taken with euid 0, also
 * writes its document to the spool file of the disk (tmp + rename; directory
 * 0755, file 0644: SMART data is not secret). Failing to is logged, never
 * fatal. A console or `lifeboat smart DISK` whose own smartctl run fails for
 * want of rights evaluates that file instead (smart_reading_from_spool).
 * The runner never falls back: its job is to read the drive.
 */
#define SMART_SPOOL_DIR     "/var/lib/lifeboat/smart"
#define SMART_SPOOL_STALE_S (48 * 3600) /* an older spooled sample is a warning */

/* $LIFEBOAT_SPOOL_DIR/DISK.json, else SMART_SPOOL_DIR/DISK.json. New; NULL for a name with '/'. */
char *smart_spool_path(const char *disk);
/* Write doc (len bytes) as the spool file of disk, atomically. 0 or negative with err. */
int smart_spool_write(const char *disk, const char *doc, size_t len, struct lb_err *err);
/* PERMISSION, SANDBOX or NO_CAPABILITY: smartctl lacked the rights, the spool may help. */
bool smart_state_needs_root(enum smart_state st);
/*
 * When rd read nothing for want of rights and the spool file of its disk holds
 * a document with data: rd becomes that document (at = the file's time,
 * from_spool set, live_state/live_reason keep why smartctl failed), evaluated
 * against an older stored sample of store (may be NULL), with the finding
 * "read from the root job's sample at TIME (smartctl needs root here)" and,
 * when it is older than SMART_SPOOL_STALE_S at now, a warning saying it is
 * stale. Returns true when rd changed; otherwise rd is untouched.
 */
bool smart_reading_from_spool(struct smart_reading *rd, struct store *store, time_t now);

/* ---- self-test ---- */

enum smart_selftest_state {
    SMART_SELFTEST_NONE,    /* none running, or the drive does not say */
    SMART_SELFTEST_RUNNING, /* in progress */
    SMART_SELFTEST_PASSED,  /* the last one completed without error */
    SMART_SELFTEST_FAILED,  /* the last one failed or was aborted */
};

struct smart_selftest_status {
    enum smart_selftest_state state;
    int remaining_pct; /* while running; SMART_NONE unknown */
    char text[128];    /* smartctl's words ("in progress, 60% remaining"), sanitized */
};

/*
 * The self-test status in a smartctl --json document (ATA
 * ata_smart_data.self_test.status, NVMe nvme_self_test_log current
 * operation). -LB_EPARSE when the text is not JSON.
 */
int smart_selftest_status_parse(const char *json, size_t len, struct smart_selftest_status *out,
                                struct lb_err *err);

#endif
