#ifndef LIFEBOAT_BACKEND_SCHEDULE_H
#define LIFEBOAT_BACKEND_SCHEDULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "backend/base/vec.h"
#include "backend/calendar.h"

/*
 * The schedule service: every job that runs on a calendar (lifeboat's own
 * [job]s, PVE backup jobs, PBS GC/prune/verify/sync jobs), when it runs next,
 * how its last run went, and which runs overlap, inside or outside the
 * configured quiet window. What `lifeboat schedule` prints and the Schedule
 * screen draws.
 *
 * Jobs come from sources as a plain list of struct sched_source_job: the
 * config (schedule_add_config) and, once their adapters exist, the Proxmox
 * ones (each adapter turns its job list into the same struct). The service
 * itself is pure apart from the calendar engine's time zone switch and the
 * store read in schedule_add_runs().
 */

struct config;
struct store;

enum sched_where { SCHED_LIFEBOAT, SCHED_PVE, SCHED_PBS };

#define SCHED_NEXT             3         /* next runs kept per job */
#define SCHED_DEFAULT_DURATION (30 * 60) /* assumed run length when none was seen */
#define SCHED_MIN_DURATION     60        /* a run occupies at least this much */
#define SCHED_MAX_RUNS         20000     /* runs of one job looked at in a window */
#define SCHED_MAX_OVERLAPS     64
#define SCHED_DAYS             7

/* One job as a source knows it (everything borrowed: copied in by schedule_add). */
struct sched_source_job {
    const char *name; /* "daily", "vzdump all", "gc usb-ssd" */
    enum sched_where where;
    const char *calendar; /* as written in its source */
    enum cal_dialect dialect;
    const char *const
        *touches; /* repos or datastores it reads or writes, NULL-terminated; may be NULL */
    /* the last run, when the source knows it (PVE/PBS task history); 0: unknown */
    time_t last_started, last_ended;
    int last_outcome;         /* enum run_outcome, or -1 unknown */
    const char *last_upid;    /* the Proxmox task of the last run; NULL: none */
    int64_t typical_duration; /* seconds; 0: unknown */
};

struct sched_job {
    char *name;
    enum sched_where where;
    char *calendar;
    enum cal_dialect dialect;
    struct vec touches;   /* char * */
    struct cal_event *ev; /* NULL when the calendar does not parse: error says why */
    char error[256];
    time_t next[SCHED_NEXT]; /* after schedule_compute() */
    int n_next;
    bool has_last;
    time_t last_started, last_ended; /* last_ended 0 while running */
    int last_outcome;                /* enum run_outcome */
    char *last_upid;                 /* the Proxmox task of the last run, or NULL */
    int64_t duration;                /* seconds a run is taken to last (overlaps, the strip) */
    bool duration_estimated;         /* no finished run seen: SCHED_DEFAULT_DURATION */
    bool outside_quiet;              /* a run in the window starts outside the quiet window */
};

/* Two jobs running at the same time. */
struct sched_overlap {
    size_t a, b;     /* job indexes, a < b */
    time_t from, to; /* the part where both run */
    bool in_quiet;   /* it starts inside the quiet window */
    char shared[64]; /* a repo or datastore both touch, "" when none */
    bool cut_from;   /* it began before the window: from is the window's start */
    bool cut_to;     /* it goes on after the window: to is the window's end */
};

/*
 * The overlaps that recur: the same two jobs at the same local time of day
 * (from-to as local HH:MM), in or out of the quiet window alike, sharing the
 * same repo or datastore, on one or more days of the week. Grouped by local
 * wall-clock time, as the operator reads it: across a DST change a daily
 * 00:00 overlap stays one group; one the change moves (02:30 on the
 * spring-forward day) is a group of its own, at its real time. An overlap cut
 * by the window's edge (runs across midnight at either end) joins the group
 * it is the cut part of: at the end by its start, at the start (the tail of
 * the day before the window's, no day of its own) by its end; else it stands
 * alone at its cut time.
 */
struct sched_recurring {
    size_t a, b;          /* job indexes, a < b */
    int from_min, to_min; /* local minutes after midnight of each from and to */
    bool in_quiet;
    char shared[64];
    time_t first, first_to; /* the first instance */
    size_t count;           /* instances (a DST fall-back day may hold two) */
    unsigned days;          /* bit d: window day d (0: today) holds one */
    unsigned weekdays;      /* bit w: tm_wday w holds one */
    int ndays;              /* days set in days */
};

struct schedule {
    struct vec jobs;       /* struct sched_job *, in the order added */
    struct vec overlaps;   /* struct sched_overlap *, by start, within [from, to) */
    size_t overlaps_total; /* may exceed overlaps.len (SCHED_MAX_OVERLAPS kept) */
    /*
     * struct sched_recurring *, by first instance: every overlap found
     * (before overlaps is cut to SCHED_MAX_OVERLAPS), grouped; recurring_seen
     * instances in all, overlaps_total - recurring_seen left ungrouped.
     */
    struct vec recurring;
    size_t recurring_seen;
    int quiet_from, quiet_to; /* minutes after local midnight; -1: no quiet window */
    time_t now;
    time_t from, to; /* the window of the overlaps: local midnight today, + SCHED_DAYS */
};

void schedule_init(struct schedule *s, int quiet_from, int quiet_to);
void schedule_release(struct schedule *s);

/* Add one job (copied); parses its calendar. Returns its index. */
size_t schedule_add(struct schedule *s, const struct sched_source_job *j);
/* Add every [job] of the config (systemd dialect; touches its repos, copies and checks). */
void schedule_add_config(struct schedule *s, const struct config *cfg);
/*
 * The last run and the run length of lifeboat's jobs from the runs table:
 * the newest run, and the longest of the last five finished ones. st may be NULL.
 */
void schedule_add_runs(struct schedule *s, struct store *st);
/* Next runs after now and the overlaps in the SCHED_DAYS days from today's local midnight. */
void schedule_compute(struct schedule *s, time_t now);

/*
 * The days of a group in words: "every day" (all SCHED_DAYS), "every day but
 * Sun" (one or two missing), "Sat, Sun" (a few, in window order), or the one
 * day: "Sun", with_date "Sun 2026-11-29".
 */
char *schedule_recurring_days(const struct schedule *s, const struct sched_recurring *g,
                              bool with_date, char *out, size_t n);

/* Is the local minute-of-day m inside the quiet window [from, to) (which may wrap midnight)? */
bool schedule_in_quiet(int from, int to, int minute_of_day);
/* Local midnight of the day holding t, plus days (DST-safe). */
time_t schedule_day_start(time_t t, int days);

/*
 * Runs of job j that overlap [from, to): calls fn(start, end) for each, in
 * order; returns how many (at most SCHED_MAX_RUNS).
 */
size_t schedule_runs(const struct sched_job *j, time_t from, time_t to,
                     void (*fn)(time_t start, time_t end, void *arg), void *arg);

/* One cell of the 7-day strip. */
struct sched_cell {
    time_t start, end;
    uint64_t jobs; /* bit i: job i runs in the cell (the first 64 jobs) */
    bool overlap;  /* two jobs run at the same time in it */
    bool quiet;    /* it starts inside the quiet window */
    bool past;     /* it ended before now */
};

/*
 * The strip: days x 24 hours, per_hour cells an hour (1..12), from the local
 * midnight day0; cells is days * 24 * per_hour long, row by row. Needs
 * schedule_compute() first (overlaps). Returns the number of cells.
 */
size_t schedule_strip(const struct schedule *s, time_t day0, int days, int per_hour,
                      struct sched_cell *cells);

/* "lifeboat", "pve", "pbs". */
const char *schedule_where_name(enum sched_where w);

#endif
