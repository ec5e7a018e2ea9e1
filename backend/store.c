/*
 * The state database: the only SQLite user. WAL, a 100 ms busy timeout,
 * foreign keys, migrations by PRAGMA user_version (each in its own
 * transaction), prepared statements with bound parameters only, and one
 * transaction per logical change so a failure leaves the previous state whole.
 */
#include "backend/store.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/base/buf.h"
#include "backend/base/path.h"
#include "backend/base/str.h"
#include "backend/base/xalloc.h"
#include "backend/fill.h"
#include "backend/restic.h"
#include "backend/smart_history.h"

#define BUSY_TIMEOUT_MS 100

struct store {
    sqlite3 *db;
    char *path;
};

/*
 * The schema, one step per entry: migrations[i] takes user_version i to i+1.
 * Never edit a released step; add a new one.
 */
static const char *const migrations[] = {
    /* 1: runs and steps, the repo cache (stats, last error, snapshots, locks) */
    "CREATE TABLE runs ("
    "  id INTEGER PRIMARY KEY,"
    "  job TEXT NOT NULL,"
    "  started INTEGER NOT NULL,"
    "  ended INTEGER,"
    "  outcome TEXT NOT NULL DEFAULT 'running',"
    "  pid INTEGER,"
    "  summary TEXT);"
    "CREATE INDEX runs_by_job ON runs(job, started);"
    "CREATE TABLE steps ("
    "  id INTEGER PRIMARY KEY,"
    "  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
    "  kind TEXT NOT NULL,"
    "  target TEXT,"
    "  started INTEGER NOT NULL,"
    "  ended INTEGER,"
    "  outcome TEXT NOT NULL DEFAULT 'running',"
    "  figures TEXT," /* JSON object */
    "  log_excerpt TEXT);"
    "CREATE INDEX steps_by_run ON steps(run_id);"
    "CREATE TABLE repo_cache ("
    "  repo TEXT PRIMARY KEY,"
    "  fetched_at INTEGER," /* NULL: never fetched */
    "  stats_known INTEGER NOT NULL DEFAULT 0,"
    "  total_size INTEGER,"
    "  total_file_count INTEGER,"
    "  snapshots_count INTEGER,"
    "  error_code INTEGER,"
    "  error_message TEXT,"
    "  error_at INTEGER);"
    "CREATE TABLE repo_snapshots ("
    "  repo TEXT NOT NULL REFERENCES repo_cache(repo) ON DELETE CASCADE,"
    "  seq INTEGER NOT NULL,"
    "  id TEXT NOT NULL,"
    "  short_id TEXT NOT NULL,"
    "  time INTEGER NOT NULL,"
    "  utc_offset INTEGER NOT NULL,"
    "  hostname TEXT,"
    "  username TEXT,"
    "  tree TEXT,"
    "  parent TEXT,"
    "  paths TEXT NOT NULL," /* JSON array of strings */
    "  tags TEXT NOT NULL,"  /* JSON array of strings */
    "  PRIMARY KEY (repo, id));"
    "CREATE TABLE repo_locks ("
    "  repo TEXT NOT NULL REFERENCES repo_cache(repo) ON DELETE CASCADE,"
    "  seq INTEGER NOT NULL,"
    "  id TEXT NOT NULL,"
    "  time INTEGER NOT NULL,"
    "  exclusive INTEGER NOT NULL,"
    "  hostname TEXT,"
    "  username TEXT,"
    "  pid INTEGER,"
    "  PRIMARY KEY (repo, id));",
    /* 2: the runner: live progress and heartbeat, step messages, check subset rotation */
    "ALTER TABLE runs ADD COLUMN updated INTEGER;" /* last heartbeat (progress write) */
    "ALTER TABLE steps ADD COLUMN progress TEXT;"  /* JSON object, while running */
    "ALTER TABLE steps ADD COLUMN message TEXT;"   /* warning / error / skip reason */
    "CREATE TABLE check_subsets ("
    "  repo TEXT NOT NULL,"
    "  total INTEGER NOT NULL," /* t of read-data-subset=n/t */
    "  subset INTEGER NOT NULL," /* n */
    "  read_at INTEGER NOT NULL,"
    "  ok INTEGER NOT NULL,"
    "  run_id INTEGER,"
    "  PRIMARY KEY (repo, total, subset));",
    /* 3: SMART history: samples per disk, the latest document, the -d type that worked */
    "CREATE TABLE smart_samples ("
    "  id INTEGER PRIMARY KEY,"
    "  disk TEXT NOT NULL,"
    "  at INTEGER NOT NULL,"
    "  verdict TEXT NOT NULL,"
    "  reallocated INTEGER, pending INTEGER, offline_unc INTEGER, reported_unc INTEGER,"
    "  cmd_timeout INTEGER, realloc_events INTEGER, spin_retry INTEGER, crc_errors INTEGER,"
    "  error_log INTEGER, selftest_errors INTEGER, media_errors INTEGER, nvme_err_log INTEGER,"
    "  unsafe_shutdowns INTEGER, warning_temp_time INTEGER, critical_comp_time INTEGER,"
    "  power_on_hours INTEGER, temperature INTEGER, life_used INTEGER);"
    "CREATE INDEX smart_samples_by_disk ON smart_samples(disk, at);"
    "CREATE TABLE smart_docs ("
    "  disk TEXT PRIMARY KEY,"
    "  sample_id INTEGER NOT NULL,"
    "  at INTEGER NOT NULL,"
    "  doc TEXT NOT NULL);" /* the latest smartctl --json document */
    "CREATE TABLE disk_types ("
    "  disk TEXT PRIMARY KEY,"
    "  type TEXT NOT NULL,"
    "  at INTEGER NOT NULL);",
    /* 4 (h13): alerts: fired, re-notified, acknowledged with a note, resolved (backend/alert.h) */
    "CREATE TABLE IF NOT EXISTS alerts ("
    "  id INTEGER PRIMARY KEY,"
    "  rule TEXT NOT NULL,"
    "  subject TEXT NOT NULL,"
    "  severity TEXT NOT NULL," /* warn, crit */
    "  message TEXT NOT NULL,"
    "  fired_at INTEGER NOT NULL,"
    "  last_seen INTEGER NOT NULL,"
    "  notified_at INTEGER,"
    "  notify_count INTEGER NOT NULL DEFAULT 0,"
    "  acked_at INTEGER,"
    "  ack_note TEXT,"
    "  resolved_at INTEGER,"
    "  clear_since INTEGER,"
    "  clear_count INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX IF NOT EXISTS alerts_by_resolved ON alerts(resolved_at);",
    /* 5 (h15): cached inventories of other sources (Proxmox VE/PBS), one document per key */
    "CREATE TABLE inventory_cache ("
    "  key TEXT PRIMARY KEY,"
    "  fetched_at INTEGER NOT NULL,"
    "  doc TEXT NOT NULL);",
    /* 6 (h14): restore drills, checklist runs and items, key rotations (no secrets) */
    "CREATE TABLE drills ("
    "  id INTEGER PRIMARY KEY,"
    "  kind TEXT NOT NULL,"
    "  repo TEXT,"
    "  outcome TEXT NOT NULL DEFAULT 'running',"
    "  started INTEGER NOT NULL,"
    "  ended INTEGER,"
    "  pid INTEGER,"
    "  target TEXT,"
    "  scope TEXT,"
    "  snapshot_id TEXT,"
    "  snapshot_time INTEGER,"
    "  rto_ms INTEGER,"
    "  rpo_seconds INTEGER,"
    "  bytes INTEGER,"
    "  files INTEGER,"
    "  full_bytes INTEGER,"
    "  verified INTEGER,"
    "  verify_note TEXT,"
    "  estimate_full_seconds INTEGER,"
    "  rto_target INTEGER,"
    "  rpo_target INTEGER,"
    "  phases TEXT,"
    "  error TEXT,"
    "  cleaned INTEGER);"
    "CREATE INDEX drills_by_kind ON drills(kind, started);"
    "CREATE TABLE checklist_runs ("
    "  id INTEGER PRIMARY KEY,"
    "  kind TEXT NOT NULL,"
    "  started INTEGER NOT NULL,"
    "  ended INTEGER,"
    "  who TEXT,"
    "  outcome TEXT NOT NULL);"
    "CREATE INDEX checklist_runs_by_kind ON checklist_runs(kind, started);"
    "CREATE TABLE checklist_items ("
    "  run_id INTEGER NOT NULL REFERENCES checklist_runs(id) ON DELETE CASCADE,"
    "  seq INTEGER NOT NULL,"
    "  key TEXT NOT NULL,"
    "  title TEXT NOT NULL,"
    "  state TEXT NOT NULL,"
    "  evidence TEXT,"
    "  note TEXT,"
    "  at INTEGER,"
    "  PRIMARY KEY (run_id, seq));"
    "CREATE TABLE key_rotations ("
    "  id INTEGER PRIMARY KEY,"
    "  repo TEXT NOT NULL,"
    "  source TEXT,"
    "  started INTEGER NOT NULL,"
    "  ended INTEGER,"
    "  outcome TEXT NOT NULL DEFAULT 'running',"
    "  old_key TEXT,"
    "  new_key TEXT,"
    "  stage TEXT,"
    "  error TEXT);",
    /* 7 (h21): fill history of the [disk] mounts (backend/fill.h) */
    "CREATE TABLE disk_fill ("
    "  id INTEGER PRIMARY KEY,"
    "  disk TEXT NOT NULL,"
    "  at INTEGER NOT NULL,"
    "  used INTEGER NOT NULL,"
    "  total INTEGER NOT NULL);"
    "CREATE INDEX disk_fill_by_disk ON disk_fill(disk, at);",
};

#define SCHEMA_VERSION ((int)(sizeof(migrations) / sizeof(migrations[0])))

static const char *const outcome_texts[] = {
    [RUN_RUNNING] = "running",         [RUN_OK] = "ok",
    [RUN_WARNING] = "warning",         [RUN_FAILED] = "failed",
    [RUN_INTERRUPTED] = "interrupted", [RUN_CANCELLED] = "cancelled",
};

const char *store_outcome_text(enum run_outcome outcome)
{
    if ((unsigned)outcome >= sizeof(outcome_texts) / sizeof(outcome_texts[0]))
        return "failed";
    return outcome_texts[outcome];
}

static enum run_outcome outcome_parse(const char *s)
{
    for (size_t i = 0; i < sizeof(outcome_texts) / sizeof(outcome_texts[0]); i++)
        if (s && strcmp(s, outcome_texts[i]) == 0)
            return (enum run_outcome)i;
    return RUN_FAILED;
}

const char *store_path(const struct store *st)
{
    return st->path;
}

/* Map the connection's last error to a code and a message naming the file. */
static int db_fail(struct store *st, struct lb_err *err, const char *what)
{
    int rc = sqlite3_extended_errcode(st->db);
    enum lb_code code;
    const char *hint = "";

    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        code = LB_EBUSY;
        hint = " (another lifeboat is writing to it; try again)";
        break;
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
        code = LB_EPARSE;
        hint = " (move it aside and lifeboat starts a new one)";
        break;
    case SQLITE_FULL:
        code = LB_ENOSPACE;
        break;
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
        code = LB_EPERM;
        break;
    case SQLITE_CONSTRAINT:
        code = LB_EFAIL;
        break;
    default:
        code = LB_EIO;
        break;
    }
    if (!what)
        return lb_err_set(err, code, "cannot open state database %s: %s%s", st->path,
                          sqlite3_errmsg(st->db), hint);
    return lb_err_set(err, code, "cannot %s in state database %s: %s%s", what, st->path,
                      sqlite3_errmsg(st->db), hint);
}

/*
 * Run a prepared statement that returns no rows and finalize it: 0, with the
 * new row's id in *id when id is not NULL, or db_fail()'s code naming what.
 */
static int step_done(struct store *st, sqlite3_stmt *q, int64_t *id, const char *what,
                     struct lb_err *err)
{
    int rc = 0;

    if (sqlite3_step(q) == SQLITE_DONE) {
        if (id)
            *id = (int64_t)sqlite3_last_insert_rowid(st->db);
    } else {
        rc = db_fail(st, err, what);
    }
    sqlite3_finalize(q);
    return rc;
}

static int prepare(struct store *st, const char *sql, sqlite3_stmt **stmt, struct lb_err *err)
{
    if (sqlite3_prepare_v2(st->db, sql, -1, stmt, NULL) != SQLITE_OK) {
        *stmt = NULL;
        return db_fail(st, err, "prepare a statement");
    }
    return 0;
}

/* Run one statement without results (BEGIN, COMMIT...). */
static int exec1(struct store *st, const char *sql, const char *what, struct lb_err *err)
{
    sqlite3_stmt *stmt;
    int rc;

    if ((rc = prepare(st, sql, &stmt, err)) < 0)
        return rc;
    rc = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return db_fail(st, err, what);
    return 0;
}

static void rollback(struct store *st)
{
    if (!sqlite3_get_autocommit(st->db))
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

static int bind_text(sqlite3_stmt *stmt, int i, const char *s)
{
    return s ? sqlite3_bind_text(stmt, i, s, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(stmt, i);
}

static char *col_text(sqlite3_stmt *stmt, int i)
{
    const unsigned char *s = sqlite3_column_text(stmt, i);

    return s ? xstrdup((const char *)s) : NULL;
}

static int read_user_version(struct store *st, int *version, struct lb_err *err)
{
    sqlite3_stmt *stmt;
    int rc;

    if ((rc = prepare(st, "PRAGMA user_version", &stmt, err)) < 0)
        return rc;
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        *version = sqlite3_column_int(stmt, 0);
        rc = 0;
    } else {
        rc = db_fail(st, err, "read the schema version");
    }
    sqlite3_finalize(stmt);
    return rc;
}

/* Apply each missing migration in its own transaction. */
static int migrate(struct store *st, struct lb_err *err)
{
    int version, rc;
    char sql[64];

    if ((rc = read_user_version(st, &version, err)) < 0)
        return rc;
    while (version < SCHEMA_VERSION) {
        char *msg = NULL;

        if ((rc = exec1(st, "BEGIN IMMEDIATE", "start a migration", err)) < 0)
            return rc;
        /* another process may have migrated while we waited for the lock */
        if ((rc = read_user_version(st, &version, err)) < 0)
            goto fail;
        if (version >= SCHEMA_VERSION) {
            rc = exec1(st, "COMMIT", "finish a migration", err);
            goto done;
        }
        if (sqlite3_exec(st->db, migrations[version], NULL, NULL, &msg) != SQLITE_OK) {
            rc = lb_err_set(err, LB_EIO, "cannot migrate state database %s to version %d: %s",
                            st->path, version + 1, msg ? msg : sqlite3_errmsg(st->db));
            sqlite3_free(msg);
            goto fail;
        }
        snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", version + 1);
        if ((rc = exec1(st, sql, "set the schema version", err)) < 0)
            goto fail;
        if ((rc = exec1(st, "COMMIT", "finish a migration", err)) < 0)
            goto fail;
        version++;
    }
done:
    if (version > SCHEMA_VERSION)
        return lb_err_set(err, LB_ECONFIG,
                          "state database %s has schema version %d, newer than this lifeboat "
                          "knows (%d): upgrade lifeboat",
                          st->path, version, SCHEMA_VERSION);
    return rc;
fail:
    rollback(st);
    return rc;
}

struct store *store_open(const char *path, struct lb_err *err)
{
    struct store *st;
    sqlite3_stmt *stmt = NULL;
    int rc;

    if (!path) {
        const char *dir = path_state_dir(true);

        if (!dir) {
            lb_err_set(err, LB_EIO, "cannot create state directory %s: %s", path_state_dir(false),
                       strerror(errno));
            return NULL;
        }
        st = xcalloc(1, sizeof(*st));
        st->path = xasprintf("%s/lifeboat.db", dir);
    } else {
        st = xcalloc(1, sizeof(*st));
        st->path = xstrdup(path);
    }

    rc = sqlite3_open_v2(st->path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc != SQLITE_OK) {
        int sys = st->db ? sqlite3_system_errno(st->db) : 0;

        lb_err_set(err, rc == SQLITE_CANTOPEN ? LB_EIO : LB_EFAIL,
                   "cannot open state database %s: %s%s%s", st->path,
                   st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc), sys ? ": " : "",
                   sys ? strerror(sys) : "");
        goto fail;
    }
    sqlite3_extended_result_codes(st->db, 1);
    sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS);

    /* The first read of the file: a file that is not a database fails here. */
    if (sqlite3_prepare_v2(st->db, "PRAGMA journal_mode = WAL", -1, &stmt, NULL) != SQLITE_OK ||
        sqlite3_step(stmt) != SQLITE_ROW) {
        db_fail(st, err, NULL);
        goto fail_msg;
    }
    sqlite3_finalize(stmt);
    stmt = NULL;
    if (exec1(st, "PRAGMA foreign_keys = ON", "enable foreign keys", err) < 0 ||
        exec1(st, "PRAGMA synchronous = NORMAL", "set synchronous mode", err) < 0)
        goto fail_msg;
    if (migrate(st, err) < 0)
        goto fail_msg;
    return st;

fail_msg:
    sqlite3_finalize(stmt);
    /* a message of the kind "cannot X in state database F: ..." is already set */
fail:
    sqlite3_close(st->db);
    free(st->path);
    free(st);
    return NULL;
}

void store_close(struct store *st)
{
    if (!st)
        return;
    sqlite3_close(st->db);
    free(st->path);
    free(st);
}

int store_schema_version(struct store *st)
{
    int version = -1;

    if (read_user_version(st, &version, NULL) < 0)
        return -1;
    return version;
}

/* A JSON array of strings (the escaping SQLite's json_each reads back). */
static char *json_string_array(const struct vec *v)
{
    struct buf b = BUF_INIT(0);
    size_t i;
    const char *s;

    buf_puts(&b, "[");
    vec_foreach(v, i, s) {
        if (i)
            buf_puts(&b, ",");
        buf_puts(&b, "\"");
        for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
            if (*p == '"' || *p == '\\')
                buf_printf(&b, "\\%c", *p);
            else if (*p < 0x20 || *p == 0x7f)
                buf_printf(&b, "\\u%04x", *p);
            else
                buf_append(&b, p, 1);
        }
        buf_puts(&b, "\"");
    }
    buf_puts(&b, "]");
    return buf_detach(&b);
}

static int read_string_array(struct store *st, sqlite3_stmt *each, const char *json,
                             struct vec *out, struct lb_err *err)
{
    int rc;

    sqlite3_reset(each);
    sqlite3_bind_text(each, 1, json ? json : "[]", -1, SQLITE_TRANSIENT);
    while ((rc = sqlite3_step(each)) == SQLITE_ROW) {
        const unsigned char *s = sqlite3_column_text(each, 0);

        vec_push(out, xstrdup(s ? (const char *)s : ""));
    }
    if (rc != SQLITE_DONE)
        return db_fail(st, err, "read a cached list");
    return 0;
}

static int64_t clamp_u64(uint64_t v)
{
    return v > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)v;
}

int store_put_repo_info(struct store *st, const char *repo, const struct restic_repo_info *info,
                        time_t fetched_at, struct lb_err *err)
{
    sqlite3_stmt *up = NULL, *snap = NULL, *lock = NULL;
    size_t i;
    struct restic_snapshot *s;
    struct restic_lock *l;
    char what[160];
    int rc;

    snprintf(what, sizeof(what), "save the cache of repo '%s'", repo);
    if ((rc = exec1(st, "BEGIN IMMEDIATE", what, err)) < 0)
        return rc;
    if ((rc = prepare(st,
                      "INSERT INTO repo_cache (repo, fetched_at, stats_known, total_size,"
                      " total_file_count, snapshots_count) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
                      " ON CONFLICT(repo) DO UPDATE SET fetched_at = ?2, stats_known = ?3,"
                      " total_size = ?4, total_file_count = ?5, snapshots_count = ?6",
                      &up, err)) < 0)
        goto out;
    sqlite3_bind_text(up, 1, repo, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(up, 2, (sqlite3_int64)fetched_at);
    sqlite3_bind_int(up, 3, info->stats_known ? 1 : 0);
    if (info->stats_known) {
        sqlite3_bind_int64(up, 4, clamp_u64(info->stats.total_size));
        sqlite3_bind_int64(up, 5, clamp_u64(info->stats.total_file_count));
        sqlite3_bind_int64(up, 6, clamp_u64(info->stats.snapshots_count));
    }
    if (sqlite3_step(up) != SQLITE_DONE) {
        rc = db_fail(st, err, what);
        goto out;
    }

    {
        sqlite3_stmt *del;
        static const char *const dels[] = {
            "DELETE FROM repo_snapshots WHERE repo = ?1",
            "DELETE FROM repo_locks WHERE repo = ?1",
        };

        for (size_t k = 0; k < 2; k++) {
            if ((rc = prepare(st, dels[k], &del, err)) < 0)
                goto out;
            sqlite3_bind_text(del, 1, repo, -1, SQLITE_TRANSIENT);
            rc = sqlite3_step(del);
            sqlite3_finalize(del);
            if (rc != SQLITE_DONE) {
                rc = db_fail(st, err, what);
                goto out;
            }
        }
    }

    if ((rc = prepare(st,
                      "INSERT INTO repo_snapshots (repo, seq, id, short_id, time, utc_offset,"
                      " hostname, username, tree, parent, paths, tags)"
                      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                      &snap, err)) < 0)
        goto out;
    vec_foreach(&info->snapshots, i, s) {
        char *paths = json_string_array(&s->paths);
        char *tags = json_string_array(&s->tags);

        sqlite3_reset(snap);
        sqlite3_bind_text(snap, 1, repo, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(snap, 2, (sqlite3_int64)i);
        sqlite3_bind_text(snap, 3, s->id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(snap, 4, s->short_id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(snap, 5, (sqlite3_int64)s->time);
        sqlite3_bind_int(snap, 6, s->utc_offset);
        bind_text(snap, 7, s->hostname);
        bind_text(snap, 8, s->username);
        bind_text(snap, 9, s->tree);
        bind_text(snap, 10, s->parent);
        sqlite3_bind_text(snap, 11, paths, -1, free);
        sqlite3_bind_text(snap, 12, tags, -1, free);
        if (sqlite3_step(snap) != SQLITE_DONE) {
            rc = db_fail(st, err, what);
            goto out;
        }
    }

    if ((rc = prepare(st,
                      "INSERT INTO repo_locks (repo, seq, id, time, exclusive, hostname,"
                      " username, pid) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                      &lock, err)) < 0)
        goto out;
    vec_foreach(&info->locks, i, l) {
        sqlite3_reset(lock);
        sqlite3_bind_text(lock, 1, repo, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(lock, 2, (sqlite3_int64)i);
        sqlite3_bind_text(lock, 3, l->id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(lock, 4, (sqlite3_int64)l->time);
        sqlite3_bind_int(lock, 5, l->exclusive ? 1 : 0);
        bind_text(lock, 6, l->hostname);
        bind_text(lock, 7, l->username);
        sqlite3_bind_int(lock, 8, l->pid);
        if (sqlite3_step(lock) != SQLITE_DONE) {
            rc = db_fail(st, err, what);
            goto out;
        }
    }
    rc = exec1(st, "COMMIT", what, err);

out:
    sqlite3_finalize(up);
    sqlite3_finalize(snap);
    sqlite3_finalize(lock);
    if (rc < 0)
        rollback(st);
    return rc;
}

static struct restic_snapshot *snapshot_from_row(sqlite3_stmt *q)
{
    struct restic_snapshot *s = xcalloc(1, sizeof(*s));
    const unsigned char *t;

    if ((t = sqlite3_column_text(q, 0)))
        str_copy(s->id, sizeof(s->id), (const char *)t);
    if ((t = sqlite3_column_text(q, 1)))
        str_copy(s->short_id, sizeof(s->short_id), (const char *)t);
    s->time = (time_t)sqlite3_column_int64(q, 2);
    s->utc_offset = sqlite3_column_int(q, 3);
    s->hostname = col_text(q, 4);
    s->username = col_text(q, 5);
    s->tree = col_text(q, 6);
    s->parent = col_text(q, 7);
    vec_init(&s->paths, free);
    vec_init(&s->tags, free);
    return s;
}

int store_get_repo_info(struct store *st, const char *repo, struct restic_repo_info *info,
                        time_t *fetched_at, struct lb_err *err)
{
    sqlite3_stmt *head = NULL, *snaps = NULL, *locks = NULL, *each = NULL;
    int rc, step;

    if (!info->snapshots.free_item)
        info->snapshots.free_item = restic_snapshot_free;
    if (!info->locks.free_item)
        info->locks.free_item = restic_lock_free;
    /* one read transaction: the three reads see the same committed state */
    if ((rc = exec1(st, "BEGIN", "read the repo cache", err)) < 0)
        return rc;
    if ((rc = prepare(st,
                      "SELECT fetched_at, stats_known, total_size, total_file_count,"
                      " snapshots_count FROM repo_cache WHERE repo = ?1 AND fetched_at IS NOT NULL",
                      &head, err)) < 0)
        goto out;
    sqlite3_bind_text(head, 1, repo, -1, SQLITE_TRANSIENT);
    step = sqlite3_step(head);
    if (step == SQLITE_DONE) {
        rc = lb_err_set(err, LB_ENOTFOUND, "repo '%s' has never been read", repo);
        goto out;
    }
    if (step != SQLITE_ROW) {
        rc = db_fail(st, err, "read the repo cache");
        goto out;
    }
    if (fetched_at)
        *fetched_at = (time_t)sqlite3_column_int64(head, 0);
    info->stats_known = sqlite3_column_int(head, 1) != 0;
    info->stats.total_size = (uint64_t)sqlite3_column_int64(head, 2);
    info->stats.total_file_count = (uint64_t)sqlite3_column_int64(head, 3);
    info->stats.snapshots_count = (uint64_t)sqlite3_column_int64(head, 4);

    if ((rc = prepare(st, "SELECT value FROM json_each(?1) ORDER BY key", &each, err)) < 0)
        goto out;
    if ((rc = prepare(st,
                      "SELECT id, short_id, time, utc_offset, hostname, username, tree, parent,"
                      " paths, tags FROM repo_snapshots WHERE repo = ?1 ORDER BY seq",
                      &snaps, err)) < 0)
        goto out;
    sqlite3_bind_text(snaps, 1, repo, -1, SQLITE_TRANSIENT);
    while ((step = sqlite3_step(snaps)) == SQLITE_ROW) {
        struct restic_snapshot *s = snapshot_from_row(snaps);

        vec_push(&info->snapshots, s);
        if ((rc = read_string_array(st, each, (const char *)sqlite3_column_text(snaps, 8),
                                    &s->paths, err)) < 0 ||
            (rc = read_string_array(st, each, (const char *)sqlite3_column_text(snaps, 9), &s->tags,
                                    err)) < 0)
            goto out;
    }
    if (step != SQLITE_DONE) {
        rc = db_fail(st, err, "read cached snapshots");
        goto out;
    }

    if ((rc = prepare(st,
                      "SELECT id, time, exclusive, hostname, username, pid FROM repo_locks"
                      " WHERE repo = ?1 ORDER BY seq",
                      &locks, err)) < 0)
        goto out;
    sqlite3_bind_text(locks, 1, repo, -1, SQLITE_TRANSIENT);
    while ((step = sqlite3_step(locks)) == SQLITE_ROW) {
        struct restic_lock *l = xcalloc(1, sizeof(*l));
        const unsigned char *t = sqlite3_column_text(locks, 0);

        if (t)
            str_copy(l->id, sizeof(l->id), (const char *)t);
        l->time = (time_t)sqlite3_column_int64(locks, 1);
        l->exclusive = sqlite3_column_int(locks, 2) != 0;
        l->hostname = col_text(locks, 3);
        l->username = col_text(locks, 4);
        l->pid = sqlite3_column_int(locks, 5);
        vec_push(&info->locks, l);
    }
    if (step != SQLITE_DONE) {
        rc = db_fail(st, err, "read cached locks");
        goto out;
    }
    rc = 0;

out:
    sqlite3_finalize(head);
    sqlite3_finalize(each);
    sqlite3_finalize(snaps);
    sqlite3_finalize(locks);
    if (rc < 0) {
        vec_clear(&info->snapshots);
        vec_clear(&info->locks);
        info->stats_known = false;
    }
    if (!sqlite3_get_autocommit(st->db))
        sqlite3_exec(st->db, rc < 0 ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL);
    return rc;
}

int store_put_repo_error(struct store *st, const char *repo, int code, const char *message,
                         time_t at, struct lb_err *err)
{
    sqlite3_stmt *q;
    int rc;

    if ((rc = prepare(st,
                      "INSERT INTO repo_cache (repo, error_code, error_message, error_at)"
                      " VALUES (?1, ?2, ?3, ?4) ON CONFLICT(repo) DO UPDATE SET"
                      " error_code = ?2, error_message = ?3, error_at = ?4",
                      &q, err)) < 0)
        return rc;
    sqlite3_bind_text(q, 1, repo, -1, SQLITE_TRANSIENT);
    if (message) {
        sqlite3_bind_int(q, 2, code);
        sqlite3_bind_text(q, 3, message, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(q, 4, (sqlite3_int64)at);
    }
    rc = sqlite3_step(q) == SQLITE_DONE ? 0 : db_fail(st, err, "save a repo's last error");
    sqlite3_finalize(q);
    return rc;
}

int store_get_repo_error(struct store *st, const char *repo, int *code, char **message, time_t *at,
                         struct lb_err *err)
{
    sqlite3_stmt *q;
    int rc, step;

    if ((rc = prepare(st,
                      "SELECT error_code, error_message, error_at FROM repo_cache"
                      " WHERE repo = ?1 AND error_message IS NOT NULL",
                      &q, err)) < 0)
        return rc;
    sqlite3_bind_text(q, 1, repo, -1, SQLITE_TRANSIENT);
    step = sqlite3_step(q);
    if (step == SQLITE_ROW) {
        if (code)
            *code = sqlite3_column_int(q, 0);
        if (message)
            *message = col_text(q, 1);
        if (at)
            *at = (time_t)sqlite3_column_int64(q, 2);
        rc = 0;
    } else if (step == SQLITE_DONE) {
        rc = lb_err_set(err, LB_ENOTFOUND, "no error remembered for repo '%s'", repo);
    } else {
        rc = db_fail(st, err, "read a repo's last error");
    }
    sqlite3_finalize(q);
    return rc;
}

/* Runs and steps: each call is one statement, hence one transaction. */

int store_run_begin(struct store *st, const char *job, time_t started, int pid, int64_t *run_id,
                    struct lb_err *err)
{
    sqlite3_stmt *q;
    int rc;

    if ((rc = prepare(st, "INSERT INTO runs (job, started, pid, outcome) VALUES (?1, ?2, ?3, ?4)",
                      &q, err)) < 0)
        return rc;
    sqlite3_bind_text(q, 1, job, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(q, 2, (sqlite3_int64)started);
    sqlite3_bind_int(q, 3, pid);
    sqlite3_bind_text(q, 4, store_outcome_text(RUN_RUNNING), -1, SQLITE_STATIC);
    return step_done(st, q, run_id, "record the start of a run", err);
}

/* One UPDATE of one row by id; -LB_ENOTFOUND when the row is not there. */
static int update_one(struct store *st, sqlite3_stmt *q, const char *what, const char *thing,
                      int64_t id, struct lb_err *err)
{
    int rc;

    if (sqlite3_step(q) != SQLITE_DONE)
        rc = db_fail(st, err, what);
    else if (sqlite3_changes(st->db) == 0)
        rc = lb_err_set(err, LB_ENOTFOUND, "cannot %s: no %s %lld in state database %s", what,
                        thing, (long long)id, st->path);
    else
        rc = 0;
    sqlite3_finalize(q);
    return rc;
}

int store_run_finish(struct store *st, int64_t run_id, time_t ended, enum run_outcome outcome,
                     const char *summary, struct lb_err *err)
{
    sqlite3_stmt *q;
    int rc;

    if ((rc = prepare(st, "UPDATE runs SET ended = ?2, outcome = ?3, summary = ?4 WHERE id = ?1",
                      &q, err)) < 0)
        return rc;
    sqlite3_bind_int64(q, 1, run_id);
    sqlite3_bind_int64(q, 2, (sqlite3_int64)ended);
    sqlite3_bind_text(q, 3, store_outcome_text(outcome), -1, SQLITE_STATIC);
    bind_text(q, 4, summary);
    return update_one(st, q, "record the end of a run", "run", run_id, err);
}

int store_step_add(struct store *st, int64_t run_id, const char *kind, const char *target,
                   time_t started, int64_t *step_id, struct lb_err *err)
{
    sqlite3_stmt *q;
    int rc;

    if ((rc = prepare(st,
                      "INSERT INTO steps (run_id, kind, target, started, outcome)"
                      " VALUES (?1, ?2, ?3, ?4, ?5)",
                      &q, err)) < 0)
        return rc;
    sqlite3_bind_int64(q, 1, run_id);
    sqlite3_bind_text(q, 2, kind, -1, SQLITE_TRANSIENT);
    bind_text(q, 3, target);
    sqlite3_bind_int64(q, 4, (sqlite3_int64)started);
    sqlite3_bind_text(q, 5, store_outcome_text(RUN_RUNNING), -1, SQLITE_STATIC);
    rc = sqlite3_step(q);
    if (rc == SQLITE_DONE) {
        if (step_id)
            *step_id = (int64_t)sqlite3_last_insert_rowid(st->db);
        rc = 0;
    } else if (sqlite3_extended_errcode(st->db) == SQLITE_CONSTRAINT_FOREIGNKEY) {
        rc = lb_err_set(err, LB_ENOTFOUND, "cannot record a step: no run %lld in state database %s",
                        (long long)run_id, st->path);
    } else {
        rc = db_fail(st, err, "record a step");
    }
    sqlite3_finalize(q);
    return rc;
}

int store_step_finish(struct store *st, int64_t step_id, time_t ended, enum run_outcome outcome,
                      const char *figures_json, const char *log_excerpt, struct lb_err *err)
{
    sqlite3_stmt *q;
    int rc;

    if ((rc = prepare(st,
                      "UPDATE steps SET ended = ?2, outcome = ?3, figures = ?4, log_excerpt = ?5"
                      " WHERE id = ?1",
                      &q, err)) < 0)
        return rc;
    sqlite3_bind_int64(q, 1, step_id);
    sqlite3_bind_int64(q, 2, (sqlite3_int64)ended);
    sqlite3_bind_text(q, 3, store_outcome_text(outcome), -1, SQLITE_STATIC);
    bind_text(q, 4, figures_json);
    bind_text(q, 5, log_excerpt);
    return update_one(st, q, "record the end of a step", "step", step_id, err);
}

void store_run_free(void *p)
{
    struct store_run *r = p;

    if (!r)
        return;
    free(r->job);
    free(r->summary);
    free(r);
}

void store_step_free(void *p)
{
    struct store_step *s = p;

    if (!s)
        return;
    free(s->kind);
    free(s->target);
    free(s->figures_json);
    free(s->log_excerpt);
    free(s->progress_json);
    free(s->message);
    free(s);
}

#define RUN_COLS "id, job, started, ended, outcome, pid, summary, updated"

static struct store_run *run_from_row(sqlite3_stmt *q)
{
    struct store_run *r = xcalloc(1, sizeof(*r));

    r->id = (int64_t)sqlite3_column_int64(q, 0);
    r->job = col_text(q, 1);
    r->started = (time_t)sqlite3_column_int64(q, 2);
    r->ended = (time_t)sqlite3_column_int64(q, 3);
    r->outcome = outcome_parse((const char *)sqlite3_column_text(q, 4));
    r->pid = sqlite3_column_int(q, 5);
    r->summary = col_text(q, 6);
    r->updated = (time_t)sqlite3_column_int64(q, 7);
    return r;
}

int store_run_get(struct store *st, int64_t run_id, struct store_run **run, struct vec *steps,
                  struct lb_err *err)
{
    sqlite3_stmt *q = NULL;
    int rc, step;

    *run = NULL;
    if ((rc = exec1(st, "BEGIN", "read a run", err)) < 0)
        return rc;
    if ((rc = prepare(st, "SELECT " RUN_COLS " FROM runs WHERE id = ?1", &q, err)) < 0)
        goto out;
    sqlite3_bind_int64(q, 1, run_id);
    step = sqlite3_step(q);
    if (step == SQLITE_DONE) {
        rc = lb_err_set(err, LB_ENOTFOUND, "no run %lld in state database %s", (long long)run_id,
                        st->path);
        goto out;
    }
    if (step != SQLITE_ROW) {
        rc = db_fail(st, err, "read a run");
        goto out;
    }
    *run = run_from_row(q);
    sqlite3_finalize(q);
    q = NULL;
    if (!steps)
        goto out;
    if ((rc = prepare(st,
                      "SELECT id, run_id, kind, target, started, ended, outcome, figures,"
                      " log_excerpt, progress, message FROM steps WHERE run_id = ?1 ORDER BY id",
                      &q, err)) < 0)
        goto out;
    sqlite3_bind_int64(q, 1, run_id);
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        struct store_step *s = xcalloc(1, sizeof(*s));

        s->id = (int64_t)sqlite3_column_int64(q, 0);
        s->run_id = (int64_t)sqlite3_column_int64(q, 1);
        s->kind = col_text(q, 2);
        s->target = col_text(q, 3);
        s->started = (time_t)sqlite3_column_int64(q, 4);
        s->ended = (time_t)sqlite3_column_int64(q, 5);
        s->outcome = outcome_parse((const char *)sqlite3_column_text(q, 6));
        s->figures_json = col_text(q, 7);
        s->log_excerpt = col_text(q, 8);
        s->progress_json = col_text(q, 9);
        s->message = col_text(q, 10);
        vec_push(steps, s);
    }
    if (step != SQLITE_DONE)
        rc = db_fail(st, err, "read the steps of a run");

out:
    sqlite3_finalize(q);
    if (rc < 0) {
        store_run_free(*run);
        *run = NULL;
    }
    if (!sqlite3_get_autocommit(st->db))
        sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
    return rc;
}

int store_runs_recent(struct store *st, const char *job, int limit, struct vec *out,
                      struct lb_err *err)
{
    sqlite3_stmt *q;
    int rc, step;

    if ((rc = prepare(st,
                      "SELECT " RUN_COLS " FROM runs WHERE (?1 IS NULL OR job = ?1)"
                      " ORDER BY started DESC, id DESC LIMIT ?2",
                      &q, err)) < 0)
        return rc;
    bind_text(q, 1, job);
    sqlite3_bind_int(q, 2, limit > 0 ? limit : -1);
    while ((step = sqlite3_step(q)) == SQLITE_ROW)
        vec_push(out, run_from_row(q));
    rc = step == SQLITE_DONE ? 0 : db_fail(st, err, "read recent runs");
    sqlite3_finalize(q);
    return rc;
}

/* ---- runner additions ---- */

int store_step_progress(struct store *st, int64_t run_id, int64_t step_id,
                        const char *progress_json, time_t at, struct lb_err *err)
{
    sqlite3_stmt *q = NULL;
    int rc;

    if ((rc = exec1(st, "BEGIN IMMEDIATE", "record progress", err)) < 0)
        return rc;
    if ((rc = prepare(st, "UPDATE runs SET updated = ?2 WHERE id = ?1", &q, err)) < 0)
        goto out;
    sqlite3_bind_int64(q, 1, run_id);
    sqlite3_bind_int64(q, 2, (sqlite3_int64)at);
    if (sqlite3_step(q) != SQLITE_DONE) {
        rc = db_fail(st, err, "record progress");
        goto out;
    }
    sqlite3_finalize(q);
    q = NULL;
    if (step_id > 0) {
        if ((rc = prepare(st, "UPDATE steps SET progress = ?2 WHERE id = ?1", &q, err)) < 0)
            goto out;
        sqlite3_bind_int64(q, 1, step_id);
        bind_text(q, 2, progress_json);
        if (sqlite3_step(q) != SQLITE_DONE) {
            rc = db_fail(st, err, "record progress");
            goto out;
        }
    }
    rc = exec1(st, "COMMIT", "record progress", err);
out:
    sqlite3_finalize(q);
    if (rc < 0)
        rollback(st);
    return rc;
}

int store_step_message(struct store *st, int64_t step_id, const char *message, struct lb_err *err)
{
    sqlite3_stmt *q;
    int rc;

    if ((rc = prepare(st, "UPDATE steps SET message = ?2 WHERE id = ?1", &q, err)) < 0)
        return rc;
    sqlite3_bind_int64(q, 1, step_id);
    bind_text(q, 2, message);
    return update_one(st, q, "record a step's message", "step", step_id, err);
}

int store_runs_interrupt(struct store *st, const char *job, struct vec *marked, struct lb_err *err)
{
    sqlite3_stmt *q = NULL;
    int rc, step;
    static const char *const updates[] = {
        "UPDATE steps SET outcome = 'interrupted', ended = COALESCE(ended,"
        " (SELECT COALESCE(r.updated, steps.started) FROM runs r WHERE r.id = steps.run_id))"
        " WHERE outcome = 'running' AND run_id IN"
        " (SELECT id FROM runs WHERE job = ?1 AND outcome = 'running')",
        "UPDATE runs SET outcome = 'interrupted', ended = COALESCE(updated, started)"
        " WHERE job = ?1 AND outcome = 'running'",
    };

    if ((rc = exec1(st, "BEGIN IMMEDIATE", "mark interrupted runs", err)) < 0)
        return rc;
    if ((rc = prepare(st,
                      "SELECT " RUN_COLS " FROM runs WHERE job = ?1 AND outcome = 'running'"
                      " ORDER BY started, id",
                      &q, err)) < 0)
        goto out;
    sqlite3_bind_text(q, 1, job, -1, SQLITE_TRANSIENT);
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        struct store_run *r = run_from_row(q);

        r->outcome = RUN_INTERRUPTED;
        if (marked)
            vec_push(marked, r);
        else
            store_run_free(r);
    }
    sqlite3_finalize(q);
    q = NULL;
    if (step != SQLITE_DONE) {
        rc = db_fail(st, err, "mark interrupted runs");
        goto out;
    }
    for (size_t i = 0; i < 2; i++) {
        if ((rc = prepare(st, updates[i], &q, err)) < 0)
            goto out;
        sqlite3_bind_text(q, 1, job, -1, SQLITE_TRANSIENT);
        step = sqlite3_step(q);
        sqlite3_finalize(q);
        q = NULL;
        if (step != SQLITE_DONE) {
            rc = db_fail(st, err, "mark interrupted runs");
            goto out;
        }
    }
    rc = exec1(st, "COMMIT", "mark interrupted runs", err);
out:
    sqlite3_finalize(q);
    if (rc < 0)
        rollback(st);
    return rc;
}

int store_check_next_subset(struct store *st, const char *repo, int total, int first, int *subset,
                            struct lb_err *err)
{
    sqlite3_stmt *q;
    int rc, step;

    *subset = first >= 1 && first <= total ? first : 1;
    if ((rc = prepare(st,
                      "SELECT subset FROM check_subsets WHERE repo = ?1 AND total = ?2"
                      " ORDER BY read_at DESC, rowid DESC LIMIT 1",
                      &q, err)) < 0)
        return rc;
    sqlite3_bind_text(q, 1, repo, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(q, 2, total);
    step = sqlite3_step(q);
    if (step == SQLITE_ROW)
        *subset = sqlite3_column_int(q, 0) % total + 1;
    rc = step == SQLITE_ROW || step == SQLITE_DONE ? 0 : db_fail(st, err, "read check rotation");
    sqlite3_finalize(q);
    return rc;
}

int store_check_record(struct store *st, const char *repo, int total, int subset, time_t at,
                       bool ok, int64_t run_id, struct lb_err *err)
{
    sqlite3_stmt *q;
    int rc;

    if ((rc = prepare(st,
                      "INSERT OR REPLACE INTO check_subsets (repo, total, subset, read_at, ok,"
                      " run_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                      &q, err)) < 0)
        return rc;
    sqlite3_bind_text(q, 1, repo, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(q, 2, total);
    sqlite3_bind_int(q, 3, subset);
    sqlite3_bind_int64(q, 4, (sqlite3_int64)at);
    sqlite3_bind_int(q, 5, ok ? 1 : 0);
    if (run_id > 0)
        sqlite3_bind_int64(q, 6, run_id);
    rc = sqlite3_step(q) == SQLITE_DONE ? 0 : db_fail(st, err, "record a checked subset");
    sqlite3_finalize(q);
    return rc;
}

int store_check_coverage(struct store *st, const char *repo, int total, int *covered,
                         time_t *oldest, struct lb_err *err)
{
    sqlite3_stmt *q;
    int rc;

    *covered = 0;
    if (oldest)
        *oldest = 0;
    if ((rc = prepare(st,
                      "SELECT COUNT(*), MIN(read_at) FROM check_subsets"
                      " WHERE repo = ?1 AND total = ?2 AND ok = 1 AND subset BETWEEN 1 AND ?2",
                      &q, err)) < 0)
        return rc;
    sqlite3_bind_text(q, 1, repo, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(q, 2, total);
    if (sqlite3_step(q) == SQLITE_ROW) {
        *covered = sqlite3_column_int(q, 0);
        if (oldest)
            *oldest = (time_t)sqlite3_column_int64(q, 1);
        rc = 0;
    } else {
        rc = db_fail(st, err, "read check coverage");
    }
    sqlite3_finalize(q);
    return rc;
}

/* ---- SMART history ---- */

/* The counters of struct smart_counters, in the column order of smart_samples. */
#define SMART_COUNTERS(X)                                                                          \
    X(reallocated) X(pending) X(offline_unc) X(reported_unc) X(cmd_timeout) X(realloc_events)      \
    X(spin_retry) X(crc_errors) X(error_log) X(selftest_errors) X(media_errors) X(nvme_err_log)   \
    X(unsafe_shutdowns) X(warning_temp_time) X(critical_comp_time) X(power_on_hours)              \
    X(temperature) X(life_used)

#define SMART_COL(f) ", " #f
#define SMART_QM(f)  ", ?"
#define SAMPLE_COLS  "id, at, verdict" SMART_COUNTERS(SMART_COL)

#define SMART_KEEP_ALL_S (30 * 86400)  /* every sample for 30 days */
#define SMART_KEEP_S     (730 * 86400) /* then one a day, for two years */

static const char *const verdict_texts[] = {
    [SMART_VERDICT_OK] = "ok",
    [SMART_VERDICT_WARN] = "warn",
    [SMART_VERDICT_CRIT] = "crit",
    [SMART_VERDICT_ERROR] = "error",
    [SMART_VERDICT_STANDBY] = "standby",
    [SMART_VERDICT_UNAVAILABLE] = "unavailable",
};

static enum smart_verdict verdict_parse(const char *s)
{
    for (size_t i = 0; i < sizeof(verdict_texts) / sizeof(verdict_texts[0]); i++)
        if (s && !strcmp(s, verdict_texts[i]))
            return (enum smart_verdict)i;
    return SMART_VERDICT_ERROR;
}

static void bind_counter(sqlite3_stmt *q, int i, int64_t v)
{
    if (v < 0)
        sqlite3_bind_null(q, i);
    else
        sqlite3_bind_int64(q, i, v);
}

static int64_t col_counter(sqlite3_stmt *q, int i)
{
    return sqlite3_column_type(q, i) == SQLITE_NULL ? -1 : (int64_t)sqlite3_column_int64(q, i);
}

static void sample_from_row(sqlite3_stmt *q, struct smart_sample *s)
{
    int i = 3;

    memset(s, 0, sizeof(*s));
    s->id = sqlite3_column_int64(q, 0);
    s->at = (time_t)sqlite3_column_int64(q, 1);
    s->verdict = verdict_parse((const char *)sqlite3_column_text(q, 2));
#define SMART_GET(f) s->c.f = col_counter(q, i++);
    SMART_COUNTERS(SMART_GET)
#undef SMART_GET
}

int store_put_smart_sample(struct store *st, const char *disk, const struct smart_sample *s,
                           const char *doc, struct lb_err *err)
{
    sqlite3_stmt *q = NULL;
    int rc, i = 4;
    int64_t id;
    const char *vt = (unsigned)s->verdict < sizeof(verdict_texts) / sizeof(verdict_texts[0])
                         ? verdict_texts[s->verdict]
                         : "error";

    if ((rc = exec1(st, "BEGIN IMMEDIATE", "keep a SMART sample", err)) < 0)
        return rc;
    if ((rc = prepare(st,
                      "INSERT INTO smart_samples (disk, at, verdict" SMART_COUNTERS(SMART_COL)
                      ") VALUES (?, ?, ?" SMART_COUNTERS(SMART_QM) ")",
                      &q, err)) < 0)
        goto out;
    sqlite3_bind_text(q, 1, disk, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(q, 2, (sqlite3_int64)s->at);
    sqlite3_bind_text(q, 3, vt, -1, SQLITE_STATIC);
#define SMART_BIND(f) bind_counter(q, i++, s->c.f);
    SMART_COUNTERS(SMART_BIND)
#undef SMART_BIND
    if (sqlite3_step(q) != SQLITE_DONE) {
        rc = db_fail(st, err, "keep a SMART sample");
        goto out;
    }
    id = sqlite3_last_insert_rowid(st->db);
    sqlite3_finalize(q);
    q = NULL;
    if (doc) {
        if ((rc = prepare(st,
                          "INSERT INTO smart_docs (disk, sample_id, at, doc) VALUES (?1, ?2, ?3, ?4)"
                          " ON CONFLICT(disk) DO UPDATE SET sample_id = ?2, at = ?3, doc = ?4",
                          &q, err)) < 0)
            goto out;
        sqlite3_bind_text(q, 1, disk, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(q, 2, id);
        sqlite3_bind_int64(q, 3, (sqlite3_int64)s->at);
        sqlite3_bind_text(q, 4, doc, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(q) != SQLITE_DONE) {
            rc = db_fail(st, err, "keep a SMART document");
            goto out;
        }
    }
    rc = exec1(st, "COMMIT", "keep a SMART sample", err);
out:
    sqlite3_finalize(q);
    if (rc < 0)
        rollback(st);
    return rc;
}

int store_get_smart_samples(struct store *st, const char *disk, time_t since, struct vec *out,
                            struct lb_err *err)
{
    sqlite3_stmt *q;
    int rc, step;

    if ((rc = prepare(st,
                      "SELECT " SAMPLE_COLS " FROM smart_samples WHERE disk = ?1 AND at >= ?2"
                      " ORDER BY at, id",
                      &q, err)) < 0)
        return rc;
    sqlite3_bind_text(q, 1, disk, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(q, 2, (sqlite3_int64)since);
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        struct smart_sample *s = xmalloc(sizeof(*s));

        sample_from_row(q, s);
        vec_push(out, s);
    }
    if (step != SQLITE_DONE)
        rc = db_fail(st, err, "read SMART samples");
    sqlite3_finalize(q);
    return rc;
}

int store_get_smart_last(struct store *st, const char *disk, int64_t before_id,
                         struct smart_sample *out, char **doc, struct lb_err *err)
{
    sqlite3_stmt *q;
    int rc, step;

    if (doc)
        *doc = NULL;
    if ((rc = prepare(st,
                      "SELECT " SAMPLE_COLS ", (SELECT d.doc FROM smart_docs d WHERE d.disk = ?1"
                      " AND d.sample_id = smart_samples.id) FROM smart_samples WHERE disk = ?1"
                      " AND (?2 = 0 OR id < ?2) ORDER BY at DESC, id DESC LIMIT 1",
                      &q, err)) < 0)
        return rc;
    sqlite3_bind_text(q, 1, disk, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(q, 2, before_id);
    step = sqlite3_step(q);
    if (step == SQLITE_ROW) {
        sample_from_row(q, out);
        if (doc)
            *doc = col_text(q, 3 + 18);
    } else if (step == SQLITE_DONE) {
        rc = lb_err_set(err, LB_ENOTFOUND, "no SMART sample of disk '%s' yet", disk);
    } else {
        rc = db_fail(st, err, "read the last SMART sample");
    }
    sqlite3_finalize(q);
    return rc;
}

int store_thin_smart_samples(struct store *st, const char *disk, time_t now, struct lb_err *err)
{
    static const char *const sql[] = {
        "DELETE FROM smart_samples WHERE disk = ?1 AND at < ?2",
        /* older than 30 days: the last sample of each (UTC) day stays */
        "DELETE FROM smart_samples WHERE disk = ?1 AND at < ?3 AND id NOT IN"
        " (SELECT id FROM (SELECT id, max(at) FROM smart_samples WHERE disk = ?1 AND at < ?3"
        " GROUP BY at / 86400))",
    };
    sqlite3_stmt *q = NULL;
    int rc;

    if ((rc = exec1(st, "BEGIN IMMEDIATE", "thin the SMART samples", err)) < 0)
        return rc;
    for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
        if ((rc = prepare(st, sql[i], &q, err)) < 0)
            goto out;
        sqlite3_bind_text(q, 1, disk, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(q, 2, (sqlite3_int64)(now - SMART_KEEP_S));
        sqlite3_bind_int64(q, 3, (sqlite3_int64)(now - SMART_KEEP_ALL_S));
        if (sqlite3_step(q) != SQLITE_DONE) {
            rc = db_fail(st, err, "thin the SMART samples");
            goto out;
        }
        sqlite3_finalize(q);
        q = NULL;
    }
    rc = exec1(st, "COMMIT", "thin the SMART samples", err);
out:
    sqlite3_finalize(q);
    if (rc < 0)
        rollback(st);
    return rc;
}

int store_put_disk_type(struct store *st, const char *disk, const char *type, time_t at,
                        struct lb_err *err)
{
    sqlite3_stmt *q;
    int rc;

    if ((rc = prepare(st,
                      "INSERT INTO disk_types (disk, type, at) VALUES (?1, ?2, ?3)"
                      " ON CONFLICT(disk) DO UPDATE SET type = ?2, at = ?3",
                      &q, err)) < 0)
        return rc;
    sqlite3_bind_text(q, 1, disk, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 2, type, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(q, 3, (sqlite3_int64)at);
    return step_done(st, q, NULL, "remember a disk's device type", err);
}

int store_get_disk_type(struct store *st, const char *disk, char **type, struct lb_err *err)
{
    sqlite3_stmt *q;
    int rc, step;

    *type = NULL;
    if ((rc = prepare(st, "SELECT type FROM disk_types WHERE disk = ?1", &q, err)) < 0)
        return rc;
    sqlite3_bind_text(q, 1, disk, -1, SQLITE_TRANSIENT);
    step = sqlite3_step(q);
    if (step == SQLITE_ROW)
        *type = col_text(q, 0);
    else if (step == SQLITE_DONE)
        rc = lb_err_set(err, LB_ENOTFOUND, "no device type remembered for disk '%s'", disk);
    else
        rc = db_fail(st, err, "read a disk's device type");
    sqlite3_finalize(q);
    return rc;
}

/* ---- alerts (backend/alert.h) ---- */

#define ALERT_COLS                                                                                 \
    "id, rule, subject, severity, message, fired_at, last_seen, notified_at, notify_count,"        \
    " acked_at, ack_note, resolved_at, clear_since, clear_count"

void store_alert_free(void *p)
{
    struct store_alert *a = p;

    if (!a)
        return;
    free(a->rule);
    free(a->subject);
    free(a->message);
    free(a->ack_note);
    free(a);
}

static struct store_alert *alert_from_row(sqlite3_stmt *q)
{
    struct store_alert *a = xcalloc(1, sizeof(*a));
    const unsigned char *sev = sqlite3_column_text(q, 3);

    a->id = sqlite3_column_int64(q, 0);
    a->rule = col_text(q, 1);
    a->subject = col_text(q, 2);
    a->severity = sev && !strcmp((const char *)sev, "crit") ? 2 : 1;
    a->message = col_text(q, 4);
    a->fired_at = (time_t)sqlite3_column_int64(q, 5);
    a->last_seen = (time_t)sqlite3_column_int64(q, 6);
    a->notified_at = (time_t)sqlite3_column_int64(q, 7);
    a->notify_count = sqlite3_column_int(q, 8);
    a->acked_at = (time_t)sqlite3_column_int64(q, 9);
    a->ack_note = col_text(q, 10);
    a->resolved_at = (time_t)sqlite3_column_int64(q, 11);
    a->clear_since = (time_t)sqlite3_column_int64(q, 12);
    a->clear_count = sqlite3_column_int(q, 13);
    return a;
}

int store_alerts_list(struct store *st, time_t resolved_since, struct vec *out, struct lb_err *err)
{
    sqlite3_stmt *q;
    int rc, step;

    if ((rc = prepare(st,
                      "SELECT " ALERT_COLS " FROM alerts WHERE resolved_at IS NULL"
                      " OR (?1 > 0 AND resolved_at >= ?1) ORDER BY fired_at, id",
                      &q, err)) < 0)
        return rc;
    sqlite3_bind_int64(q, 1, (sqlite3_int64)resolved_since);
    while ((step = sqlite3_step(q)) == SQLITE_ROW)
        vec_push(out, alert_from_row(q));
    if (step != SQLITE_DONE)
        rc = db_fail(st, err, "read alerts");
    sqlite3_finalize(q);
    return rc;
}

static void bind_time(sqlite3_stmt *q, int i, time_t t)
{
    if (t)
        sqlite3_bind_int64(q, i, (sqlite3_int64)t);
    else
        sqlite3_bind_null(q, i);
}

static int alert_write(struct store *st, struct store_alert *a, struct lb_err *err)
{
    sqlite3_stmt *q;
    int rc;

    if ((rc = prepare(st,
                      a->id ? "UPDATE alerts SET rule = ?2, subject = ?3, severity = ?4,"
                              " message = ?5, fired_at = ?6, last_seen = ?7, notified_at = ?8,"
                              " notify_count = ?9, acked_at = ?10, ack_note = ?11,"
                              " resolved_at = ?12, clear_since = ?13, clear_count = ?14"
                              " WHERE id = ?1"
                            : "INSERT INTO alerts (" ALERT_COLS ") VALUES (NULL, ?2, ?3, ?4, ?5,"
                              " ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
                      &q, err)) < 0)
        return rc;
    if (a->id)
        sqlite3_bind_int64(q, 1, a->id);
    bind_text(q, 2, a->rule);
    bind_text(q, 3, a->subject);
    sqlite3_bind_text(q, 4, a->severity >= 2 ? "crit" : "warn", -1, SQLITE_STATIC);
    bind_text(q, 5, a->message ? a->message : "");
    sqlite3_bind_int64(q, 6, (sqlite3_int64)a->fired_at);
    sqlite3_bind_int64(q, 7, (sqlite3_int64)a->last_seen);
    bind_time(q, 8, a->notified_at);
    sqlite3_bind_int(q, 9, a->notify_count);
    bind_time(q, 10, a->acked_at);
    bind_text(q, 11, a->ack_note);
    bind_time(q, 12, a->resolved_at);
    bind_time(q, 13, a->clear_since);
    sqlite3_bind_int(q, 14, a->clear_count);
    if (sqlite3_step(q) != SQLITE_DONE)
        rc = db_fail(st, err, "save an alert");
    else if (!a->id)
        a->id = sqlite3_last_insert_rowid(st->db);
    sqlite3_finalize(q);
    return rc;
}

int store_alerts_update(struct store *st, time_t resolved_since,
                        int (*fn)(struct vec *alerts, void *arg), void *arg, struct lb_err *err)
{
    struct vec alerts = VEC_INIT(store_alert_free);
    size_t i;
    struct store_alert *a;
    int rc;

    if ((rc = exec1(st, "BEGIN IMMEDIATE", "start updating alerts", err)) < 0)
        return rc;
    if ((rc = store_alerts_list(st, resolved_since, &alerts, err)) < 0)
        goto out;
    if ((rc = fn(&alerts, arg)) < 0) {
        lb_err_set(err, LB_EFAIL, "alert update abandoned");
        goto out;
    }
    vec_foreach(&alerts, i, a)
    {
        if ((a->dirty || !a->id) && (rc = alert_write(st, a, err)) < 0)
            goto out;
        a->dirty = false;
    }
    rc = exec1(st, "COMMIT", "save alerts", err);
out:
    if (rc < 0)
        rollback(st);
    vec_release(&alerts);
    return rc;
}

int store_alert_ack(struct store *st, int64_t id, const char *note, time_t at, struct lb_err *err)
{
    sqlite3_stmt *q;
    int rc;

    if ((rc = prepare(st,
                      "UPDATE alerts SET acked_at = ?2, ack_note = ?3"
                      " WHERE id = ?1 AND resolved_at IS NULL",
                      &q, err)) < 0)
        return rc;
    sqlite3_bind_int64(q, 1, id);
    sqlite3_bind_int64(q, 2, (sqlite3_int64)at);
    bind_text(q, 3, note && *note ? note : NULL);
    if (sqlite3_step(q) != SQLITE_DONE)
        rc = db_fail(st, err, "acknowledge an alert");
    else if (sqlite3_changes(st->db) == 0)
        rc = lb_err_set(err, LB_ENOTFOUND,
                        "no open alert #%lld (see 'lifeboat alerts' for the open ones)",
                        (long long)id);
    sqlite3_finalize(q);
    return rc;
}

/* ---- cached inventories (backend/app_proxmox.c) ---- */

int store_put_inventory(struct store *st, const char *key, const char *doc, time_t fetched_at,
                        struct lb_err *err)
{
    sqlite3_stmt *q;
    int rc;

    if ((rc = prepare(st,
                      "INSERT INTO inventory_cache (key, fetched_at, doc) VALUES (?1, ?2, ?3)"
                      " ON CONFLICT(key) DO UPDATE SET fetched_at = ?2, doc = ?3",
                      &q, err)) < 0)
        return rc;
    sqlite3_bind_text(q, 1, key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(q, 2, (sqlite3_int64)fetched_at);
    sqlite3_bind_text(q, 3, doc, -1, SQLITE_TRANSIENT);
    return step_done(st, q, NULL, "cache an inventory", err);
}

int store_get_inventory(struct store *st, const char *key, char **doc, time_t *fetched_at,
                        struct lb_err *err)
{
    sqlite3_stmt *q;
    int rc, step;

    *doc = NULL;
    if ((rc = prepare(st, "SELECT doc, fetched_at FROM inventory_cache WHERE key = ?1", &q,
                      err)) < 0)
        return rc;
    sqlite3_bind_text(q, 1, key, -1, SQLITE_TRANSIENT);
    step = sqlite3_step(q);
    if (step == SQLITE_ROW) {
        *doc = col_text(q, 0);
        *fetched_at = (time_t)sqlite3_column_int64(q, 1);
    } else if (step == SQLITE_DONE) {
        rc = lb_err_set(err, LB_ENOTFOUND, "no cached inventory '%s'", key);
    } else {
        rc = db_fail(st, err, "read a cached inventory");
    }
    sqlite3_finalize(q);
    return rc;
}

/* ---- drills, checklists, key rotations (h14) ---- */

static void col_copy(sqlite3_stmt *q, int i, char *dst, size_t n)
{
    const unsigned char *s = sqlite3_column_text(q, i);

    str_copy(dst, n, s ? (const char *)s : "");
}

#define DRILL_COLS                                                                                 \
    "kind, repo, outcome, started, ended, pid, target, scope, snapshot_id, snapshot_time, rto_ms," \
    " rpo_seconds, bytes, files, full_bytes, verified, verify_note, estimate_full_seconds,"        \
    " rto_target, rpo_target, phases, error, cleaned"

/* Bind the DRILL_COLS of d from parameter 1 on. */
static void drill_bind(sqlite3_stmt *q, const struct store_drill *d)
{
    sqlite3_bind_text(q, 1, d->kind, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 2, d->repo, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 3, d->outcome, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(q, 4, (sqlite3_int64)d->started);
    sqlite3_bind_int64(q, 5, (sqlite3_int64)d->ended);
    sqlite3_bind_int(q, 6, d->pid);
    sqlite3_bind_text(q, 7, d->target, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 8, d->scope, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 9, d->snapshot_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(q, 10, (sqlite3_int64)d->snapshot_time);
    sqlite3_bind_int64(q, 11, d->rto_ms);
    sqlite3_bind_int64(q, 12, d->rpo_seconds);
    sqlite3_bind_int64(q, 13, (sqlite3_int64)d->bytes);
    sqlite3_bind_int64(q, 14, (sqlite3_int64)d->files);
    sqlite3_bind_int64(q, 15, (sqlite3_int64)d->full_bytes);
    sqlite3_bind_int(q, 16, d->verified);
    sqlite3_bind_text(q, 17, d->verify_note, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(q, 18, d->estimate_full_seconds);
    sqlite3_bind_int64(q, 19, d->rto_target);
    sqlite3_bind_int64(q, 20, d->rpo_target);
    sqlite3_bind_text(q, 21, d->phases, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 22, d->error, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(q, 23, d->cleaned);
}

int store_drill_insert(struct store *st, struct store_drill *d, struct lb_err *err)
{
    sqlite3_stmt *q;
    int rc;

    if ((rc = prepare(st,
                      "INSERT INTO drills (" DRILL_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,"
                      " ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23)",
                      &q, err)) < 0)
        return rc;
    drill_bind(q, d);
    return step_done(st, q, &d->id, "record the start of a drill", err);
}

int store_drill_update(struct store *st, const struct store_drill *d, struct lb_err *err)
{
    sqlite3_stmt *q;
    int rc;

    if ((rc = prepare(st,
                      "UPDATE drills SET kind = ?1, repo = ?2, outcome = ?3, started = ?4,"
                      " ended = ?5, pid = ?6, target = ?7, scope = ?8, snapshot_id = ?9,"
                      " snapshot_time = ?10, rto_ms = ?11, rpo_seconds = ?12, bytes = ?13,"
                      " files = ?14, full_bytes = ?15, verified = ?16, verify_note = ?17,"
                      " estimate_full_seconds = ?18, rto_target = ?19, rpo_target = ?20,"
                      " phases = ?21, error = ?22, cleaned = ?23 WHERE id = ?24",
                      &q, err)) < 0)
        return rc;
    drill_bind(q, d);
    sqlite3_bind_int64(q, 24, d->id);
    return update_one(st, q, "record a drill", "drill", d->id, err);
}

int store_drills_recent(struct store *st, const char *kind, int limit, struct vec *out,
                        struct lb_err *err)
{
    sqlite3_stmt *q;
    int rc, step;

    if ((rc = prepare(st,
                      "SELECT id, " DRILL_COLS " FROM drills WHERE (?1 IS NULL OR kind = ?1)"
                      " ORDER BY started DESC, id DESC LIMIT ?2",
                      &q, err)) < 0)
        return rc;
    bind_text(q, 1, kind);
    sqlite3_bind_int(q, 2, limit > 0 ? limit : -1);
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        struct store_drill *d = xcalloc(1, sizeof(*d));

        d->id = (int64_t)sqlite3_column_int64(q, 0);
        col_copy(q, 1, d->kind, sizeof(d->kind));
        col_copy(q, 2, d->repo, sizeof(d->repo));
        col_copy(q, 3, d->outcome, sizeof(d->outcome));
        d->started = (time_t)sqlite3_column_int64(q, 4);
        d->ended = (time_t)sqlite3_column_int64(q, 5);
        d->pid = sqlite3_column_int(q, 6);
        col_copy(q, 7, d->target, sizeof(d->target));
        col_copy(q, 8, d->scope, sizeof(d->scope));
        col_copy(q, 9, d->snapshot_id, sizeof(d->snapshot_id));
        d->snapshot_time = (time_t)sqlite3_column_int64(q, 10);
        d->rto_ms = (int64_t)sqlite3_column_int64(q, 11);
        d->rpo_seconds = (int64_t)sqlite3_column_int64(q, 12);
        d->bytes = (uint64_t)sqlite3_column_int64(q, 13);
        d->files = (uint64_t)sqlite3_column_int64(q, 14);
        d->full_bytes = (uint64_t)sqlite3_column_int64(q, 15);
        d->verified = sqlite3_column_int(q, 16);
        col_copy(q, 17, d->verify_note, sizeof(d->verify_note));
        d->estimate_full_seconds = (int64_t)sqlite3_column_int64(q, 18);
        d->rto_target = (int64_t)sqlite3_column_int64(q, 19);
        d->rpo_target = (int64_t)sqlite3_column_int64(q, 20);
        col_copy(q, 21, d->phases, sizeof(d->phases));
        col_copy(q, 22, d->error, sizeof(d->error));
        d->cleaned = sqlite3_column_int(q, 23);
        vec_push(out, d);
    }
    rc = step == SQLITE_DONE ? 0 : db_fail(st, err, "read past drills");
    sqlite3_finalize(q);
    return rc;
}

void store_checklist_run_free(void *p)
{
    struct store_checklist_run *r = p;

    if (!r)
        return;
    vec_release(&r->items);
    free(r);
}

int store_checklist_save(struct store *st, struct store_checklist_run *run, struct lb_err *err)
{
    sqlite3_stmt *q = NULL;
    size_t i;
    struct store_checklist_item *it;
    int rc;

    if ((rc = exec1(st, "BEGIN IMMEDIATE", "record a checklist", err)) < 0)
        return rc;
    if ((rc = prepare(st,
                      "INSERT INTO checklist_runs (kind, started, ended, who, outcome)"
                      " VALUES (?1, ?2, ?3, ?4, ?5)",
                      &q, err)) < 0)
        goto fail;
    sqlite3_bind_text(q, 1, run->kind, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(q, 2, (sqlite3_int64)run->started);
    sqlite3_bind_int64(q, 3, (sqlite3_int64)run->ended);
    sqlite3_bind_text(q, 4, run->who, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 5, run->outcome, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(q) != SQLITE_DONE) {
        rc = db_fail(st, err, "record a checklist");
        goto fail;
    }
    run->id = (int64_t)sqlite3_last_insert_rowid(st->db);
    sqlite3_finalize(q);
    q = NULL;
    if ((rc = prepare(st,
                      "INSERT INTO checklist_items (run_id, seq, key, title, state, evidence,"
                      " note, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                      &q, err)) < 0)
        goto fail;
    vec_foreach(&run->items, i, it)
    {
        sqlite3_reset(q);
        sqlite3_bind_int64(q, 1, run->id);
        sqlite3_bind_int(q, 2, (int)i);
        sqlite3_bind_text(q, 3, it->key, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 4, it->title, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 5, it->state, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 6, it->evidence, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 7, it->note, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(q, 8, (sqlite3_int64)it->at);
        if (sqlite3_step(q) != SQLITE_DONE) {
            rc = db_fail(st, err, "record a checklist item");
            goto fail;
        }
    }
    sqlite3_finalize(q);
    return exec1(st, "COMMIT", "record a checklist", err);
fail:
    sqlite3_finalize(q);
    rollback(st);
    return rc;
}

int store_checklist_runs(struct store *st, const char *kind, time_t since, int limit,
                         struct vec *out, struct lb_err *err)
{
    sqlite3_stmt *q = NULL, *qi = NULL;
    int rc, step;
    size_t first = out->len;

    if ((rc = exec1(st, "BEGIN", "read checklists", err)) < 0)
        return rc;
    if ((rc = prepare(st,
                      "SELECT id, kind, started, ended, who, outcome FROM checklist_runs"
                      " WHERE (?1 IS NULL OR kind = ?1) AND started >= ?2"
                      " ORDER BY started DESC, id DESC LIMIT ?3",
                      &q, err)) < 0)
        goto out;
    bind_text(q, 1, kind);
    sqlite3_bind_int64(q, 2, (sqlite3_int64)since);
    sqlite3_bind_int(q, 3, limit > 0 ? limit : -1);
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        struct store_checklist_run *r = xcalloc(1, sizeof(*r));

        vec_init(&r->items, free);
        r->id = (int64_t)sqlite3_column_int64(q, 0);
        col_copy(q, 1, r->kind, sizeof(r->kind));
        r->started = (time_t)sqlite3_column_int64(q, 2);
        r->ended = (time_t)sqlite3_column_int64(q, 3);
        col_copy(q, 4, r->who, sizeof(r->who));
        col_copy(q, 5, r->outcome, sizeof(r->outcome));
        vec_push(out, r);
    }
    if (step != SQLITE_DONE) {
        rc = db_fail(st, err, "read checklists");
        goto out;
    }
    if ((rc = prepare(st,
                      "SELECT key, title, state, evidence, note, at FROM checklist_items"
                      " WHERE run_id = ?1 ORDER BY seq",
                      &qi, err)) < 0)
        goto out;
    for (size_t i = first; i < out->len; i++) {
        struct store_checklist_run *r = out->items[i];

        sqlite3_reset(qi);
        sqlite3_bind_int64(qi, 1, r->id);
        while ((step = sqlite3_step(qi)) == SQLITE_ROW) {
            struct store_checklist_item *it = xcalloc(1, sizeof(*it));

            col_copy(qi, 0, it->key, sizeof(it->key));
            col_copy(qi, 1, it->title, sizeof(it->title));
            col_copy(qi, 2, it->state, sizeof(it->state));
            col_copy(qi, 3, it->evidence, sizeof(it->evidence));
            col_copy(qi, 4, it->note, sizeof(it->note));
            it->at = (time_t)sqlite3_column_int64(qi, 5);
            vec_push(&r->items, it);
        }
        if (step != SQLITE_DONE) {
            rc = db_fail(st, err, "read checklist items");
            goto out;
        }
    }
out:
    sqlite3_finalize(q);
    sqlite3_finalize(qi);
    if (!sqlite3_get_autocommit(st->db))
        sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
    return rc;
}

#define KEYROT_COLS "repo, source, started, ended, outcome, old_key, new_key, stage, error"

static void keyrot_bind(sqlite3_stmt *q, const struct store_keyrot *k)
{
    sqlite3_bind_text(q, 1, k->repo, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 2, k->source, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(q, 3, (sqlite3_int64)k->started);
    sqlite3_bind_int64(q, 4, (sqlite3_int64)k->ended);
    sqlite3_bind_text(q, 5, k->outcome, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 6, k->old_key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 7, k->new_key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 8, k->stage, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 9, k->error, -1, SQLITE_TRANSIENT);
}

int store_keyrot_insert(struct store *st, struct store_keyrot *k, struct lb_err *err)
{
    sqlite3_stmt *q;
    int rc;

    if ((rc = prepare(st,
                      "INSERT INTO key_rotations (" KEYROT_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6,"
                      " ?7, ?8, ?9)",
                      &q, err)) < 0)
        return rc;
    keyrot_bind(q, k);
    return step_done(st, q, &k->id, "record a key rotation", err);
}

int store_keyrot_update(struct store *st, const struct store_keyrot *k, struct lb_err *err)
{
    sqlite3_stmt *q;
    int rc;

    if ((rc = prepare(st,
                      "UPDATE key_rotations SET repo = ?1, source = ?2, started = ?3, ended = ?4,"
                      " outcome = ?5, old_key = ?6, new_key = ?7, stage = ?8, error = ?9"
                      " WHERE id = ?10",
                      &q, err)) < 0)
        return rc;
    keyrot_bind(q, k);
    sqlite3_bind_int64(q, 10, k->id);
    return update_one(st, q, "record a key rotation", "key rotation", k->id, err);
}

int store_keyrots_recent(struct store *st, const char *repo, int limit, struct vec *out,
                         struct lb_err *err)
{
    sqlite3_stmt *q;
    int rc, step;

    if ((rc = prepare(st,
                      "SELECT id, " KEYROT_COLS " FROM key_rotations WHERE (?1 IS NULL OR repo = ?1)"
                      " ORDER BY started DESC, id DESC LIMIT ?2",
                      &q, err)) < 0)
        return rc;
    bind_text(q, 1, repo);
    sqlite3_bind_int(q, 2, limit > 0 ? limit : -1);
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        struct store_keyrot *k = xcalloc(1, sizeof(*k));

        k->id = (int64_t)sqlite3_column_int64(q, 0);
        col_copy(q, 1, k->repo, sizeof(k->repo));
        col_copy(q, 2, k->source, sizeof(k->source));
        k->started = (time_t)sqlite3_column_int64(q, 3);
        k->ended = (time_t)sqlite3_column_int64(q, 4);
        col_copy(q, 5, k->outcome, sizeof(k->outcome));
        col_copy(q, 6, k->old_key, sizeof(k->old_key));
        col_copy(q, 7, k->new_key, sizeof(k->new_key));
        col_copy(q, 8, k->stage, sizeof(k->stage));
        col_copy(q, 9, k->error, sizeof(k->error));
        vec_push(out, k);
    }
    rc = step == SQLITE_DONE ? 0 : db_fail(st, err, "read key rotations");
    sqlite3_finalize(q);
    return rc;
}

/* ---- fill history of the [disk] mounts (backend/fill.h) ---- */

#define FILL_EVERY_S    3600           /* at most one sample an hour */
#define FILL_KEEP_ALL_S (30 * 86400)  /* every sample for 30 days */
#define FILL_KEEP_S     (365 * 86400) /* then one a day, for a year */

int store_put_disk_fill(struct store *st, const char *disk, time_t at, uint64_t used,
                        uint64_t total, struct lb_err *err)
{
    static const char *const thin[] = {
        "DELETE FROM disk_fill WHERE disk = ?1 AND at < ?2",
        /* older than 30 days: the last sample of each (UTC) day stays */
        "DELETE FROM disk_fill WHERE disk = ?1 AND at < ?3 AND id NOT IN"
        " (SELECT id FROM (SELECT id, max(at) FROM disk_fill WHERE disk = ?1 AND at < ?3"
        " GROUP BY at / 86400))",
    };
    sqlite3_stmt *q = NULL;
    int rc, step, wrote = 0;

    if ((rc = exec1(st, "BEGIN IMMEDIATE", "keep a disk fill sample", err)) < 0)
        return rc;
    if ((rc = prepare(st, "SELECT 1 FROM disk_fill WHERE disk = ?1 AND at > ?2 AND at <= ?3", &q,
                      err)) < 0)
        goto out;
    sqlite3_bind_text(q, 1, disk, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(q, 2, (sqlite3_int64)(at - FILL_EVERY_S));
    sqlite3_bind_int64(q, 3, (sqlite3_int64)at);
    step = sqlite3_step(q);
    if (step != SQLITE_ROW && step != SQLITE_DONE) {
        rc = db_fail(st, err, "read the disk fill samples");
        goto out;
    }
    sqlite3_finalize(q);
    q = NULL;
    if (step == SQLITE_DONE) {
        if ((rc = prepare(st, "INSERT INTO disk_fill (disk, at, used, total) VALUES (?, ?, ?, ?)",
                          &q, err)) < 0)
            goto out;
        sqlite3_bind_text(q, 1, disk, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(q, 2, (sqlite3_int64)at);
        sqlite3_bind_int64(q, 3, used > INT64_MAX ? INT64_MAX : (sqlite3_int64)used);
        sqlite3_bind_int64(q, 4, total > INT64_MAX ? INT64_MAX : (sqlite3_int64)total);
        if (sqlite3_step(q) != SQLITE_DONE) {
            rc = db_fail(st, err, "keep a disk fill sample");
            goto out;
        }
        sqlite3_finalize(q);
        q = NULL;
        wrote = 1;
    }
    for (size_t i = 0; i < sizeof(thin) / sizeof(thin[0]); i++) {
        if ((rc = prepare(st, thin[i], &q, err)) < 0)
            goto out;
        sqlite3_bind_text(q, 1, disk, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(q, 2, (sqlite3_int64)(at - FILL_KEEP_S));
        sqlite3_bind_int64(q, 3, (sqlite3_int64)(at - FILL_KEEP_ALL_S));
        if (sqlite3_step(q) != SQLITE_DONE) {
            rc = db_fail(st, err, "thin the disk fill samples");
            goto out;
        }
        sqlite3_finalize(q);
        q = NULL;
    }
    rc = exec1(st, "COMMIT", "keep a disk fill sample", err);
out:
    sqlite3_finalize(q);
    if (rc < 0)
        rollback(st);
    return rc < 0 ? rc : wrote;
}

int store_get_disk_fill(struct store *st, const char *disk, time_t since, struct vec *out,
                        struct lb_err *err)
{
    sqlite3_stmt *q;
    int rc, step;

    if ((rc = prepare(st,
                      "SELECT at, used, total FROM disk_fill WHERE disk = ?1 AND at >= ?2"
                      " ORDER BY at, id",
                      &q, err)) < 0)
        return rc;
    sqlite3_bind_text(q, 1, disk, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(q, 2, (sqlite3_int64)since);
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        struct fill_sample *f = xmalloc(sizeof(*f));
        sqlite3_int64 u = sqlite3_column_int64(q, 1), t = sqlite3_column_int64(q, 2);

        f->at = (time_t)sqlite3_column_int64(q, 0);
        f->used = u < 0 ? 0 : (uint64_t)u;
        f->total = t < 0 ? 0 : (uint64_t)t;
        vec_push(out, f);
    }
    if (step != SQLITE_DONE)
        rc = db_fail(st, err, "read the disk fill samples");
    sqlite3_finalize(q);
    return rc;
}
