#!/bin/sh
# The Proxmox tasks nobody at lifeboat started, end to end in a real terminal
# (tmux) at 80x24 on a demo lab with the Proxmox simulator: on the Runs screen
# t lists the PVE and PBS tasks (last night's vzdump with its warning, the
# failed verify job marked; the Schedule screen shows that job's last run
# failed too, and PBS's daily GC/verify overlap once as "every day"), ? names the key; Enter opens the verify job's
# log (G shows its TASK ERROR end), Esc goes back; the 114-line vzdump log is
# read to its end page by page; t goes back to the jobs; the Disks screen
# shows the PBS host's disks as PBS reports them, the USB disk's unknown
# SMART status explained and tied to our [disk] by serial. q quits, no
# sanitizer report. With the simulator gone a new console draws both from
# the cache at once.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/tmux.sh"

for t in tmux restic python3 openssl; do
    command -v $t >/dev/null || { skip "proxmox tasks e2e: $t not installed"; exit 0; }
done
LAB=$T_TMP/lab
SAN=$T_TMP/san
"$LIFEBOAT" demo "$LAB" --setup-only >"$T_TMP/setup.out" 2>&1 ||
    { fail "demo lab built"; cat "$T_TMP/setup.out"; exit 1; }
grep -q '^\[pbs ' "$LAB/lifeboat.conf" || { fail "the demo lab has a [pbs] section"; exit 1; }

# shellcheck disable=SC2046
tmux_start app 80 24 "\"$LIFEBOAT\" demo \"$LAB\"; echo EXIT=\$?; exec sleep 120" \
    $(sanitizer_env "$SAN")
check "the console opens on the lab" wait_for "3-2-1" app 60
# where the console lists them: the same two lists, newest first (lifeboat tasks)
"$LIFEBOAT" -c "$LAB/lifeboat.conf" tasks --json >"$T_TMP/tasks.json" 2>"$T_TMP/tasks.err"
index_of() { python3 -c 'import json,sys; print([r["type"] for r in json.load(open(sys.argv[1]))].index(sys.argv[2]))' "$T_TMP/tasks.json" "$1"; }
VF=$(index_of verificationjob) && VZ=$(index_of vzdump) || { fail "lifeboat tasks lists both"; exit 1; }

keys app 3
check "key 3 opens the Runs screen" wait_for "last run" app
keys app t
check "t lists the Proxmox tasks whoever started them" wait_for "Proxmox tasks · whoever started them" app
vzdump_row() { screen app | grep -qE -- "pve .* vzdump +▲ WARNINGS: 1"; }
check "last night's vzdump, with its warning" wait_until vzdump_row
check "the failed verify job is marked" wait_for "✗ verification failed" app
check "PBS's GC is listed too" wait_for "garbage_collection" app
keys app '?'
check "? opens the keys of the Runs screen" wait_for "keys · Runs" app
keys app NPage NPage NPage
check "? names the key" wait_for "Proxmox VE and PBS tasks, whoever started them" app
keys app Escape
check "Esc closes the help" wait_gone "Proxmox VE and PBS tasks, whoever started them" app

# --- the verify job's log ---
keys app g
i=0
while [ "$i" -lt "$VF" ]; do keys app j; i=$((i + 1)); done
keys app Enter
check "Enter opens the verify job's log" wait_for "log · pbs verificationjob usb-ssd:v-3f2a9c1e-77d0" app
check "its status heads the log" wait_for "✗ verification failed - please check the log for details" app
check "the log's lines are there" wait_for "verify group usb-ssd:ct/103" app
keys app G
check "G shows its end: the TASK ERROR line" wait_for "TASK ERROR: verification failed" app
keys app Escape
check "Esc goes back to the task list" wait_for "Proxmox tasks · whoever started them" app

# --- the long vzdump log, read page by page to its end ---
keys app g
i=0
while [ "$i" -lt "$VZ" ]; do keys app j; i=$((i + 1)); done
keys app Enter
check "the vzdump log opens" wait_for "log · pve vzdump" app
check "every one of its 114 lines was read (three pages)" wait_for " of 114 · Esc back" app
check "it begins with the job's command line" wait_for "INFO: starting new backup job: vzdump 100 101 102 103" app
keys app G
check "and ends with TASK WARNINGS: 1" wait_for "TASK WARNINGS: 1" app
keys app Escape
keys app t
check "t again shows lifeboat's jobs" wait_for "last run" app

# --- the Schedule screen: the verify job's last run is the failed one the task list shows ---
keys app 2
check "Schedule: the PBS verify job is listed" wait_for "v  verify " app
screen app >"$T_TMP/schedule.txt"
check "Schedule: the verify job's last run failed (✗), as its task says" sh -c \
    'grep -E "^│ v  verify " "$1" | grep -qE "✗ [0-9]+[smhd] "' sh "$T_TMP/schedule.txt"
check "Schedule: the PVE job's last run is last night's vzdump, with its warning (▲)" sh -c \
    'grep -E "^│ b  backup-" "$1" | grep -qE "▲ [0-9]+[smhd] "' sh "$T_TMP/schedule.txt"
check "Schedule: GC and prune last ran OK (✓)" sh -c \
    'grep -E "^│ g  gc " "$1" | grep -qE "✓ [0-9]+[smhd] " && grep -E "^│ p  prune " "$1" | grep -qE "✓ [0-9]+[smhd] "' \
    sh "$T_TMP/schedule.txt"
# at 80x24 one overlap line shows: one of the three daily pairs, said once for the week
grouped() {
    screen app >"$T_TMP/schedule2.txt"
    grep -qE "▲ every day 00:00-[0-9:]+  (gc usb-ssd|verify v-3f2a|prune default).* overlaps " \
        "$T_TMP/schedule2.txt" &&
        ! grep -qE "▲ (Mon|Tue|Wed|Thu|Fri|Sat|Sun) 00:00-" "$T_TMP/schedule2.txt"
}
check "Schedule: PBS's daily GC, verify and prune overlap said once for the week, not a line a day" \
    wait_until grouped

# --- the PBS host's disks on the Disks screen ---
keys app 4
check "the Disks screen has the section as PBS reports them" wait_for "disks · as PBS reports them" app
check "the datastore SSD passed, 99% life left" wait_for "sda        ✓ passed     99%" app
check "the USB disk: unknown, no wearout" wait_for "sdb        ? unknown      ?" app
check "tied to our [disk usb-ssd] by its serial" wait_for "06c9f4c44  = usb-ssd" app
check "unknown explained" wait_for "sdb: PBS cannot read SMART through this USB bridge; lifeboat's own" app

keys app q
check "q quits, status 0" wait_for "EXIT=0" app 10

# --- the servers gone (the demo stopped its simulator): the cached list draws at once ---
# shellcheck disable=SC2046
tmux_start app2 80 24 "\"$LIFEBOAT\" -c \"$LAB/lifeboat.conf\"; echo EXIT=\$?; exec sleep 120" \
    $(sanitizer_env "$SAN")
check "the console opens with the simulator gone" wait_for "Overview" app2 60
keys app2 3 t
check "the task list comes from the cache" wait_for "from the cache (not read yet)" app2
check "with last night's vzdump and the failed verify" wait_for "✗ verification failed" app2
keys app2 4
check "the PBS disks come from the cache too" wait_for "disks · as PBS reports them (cached)" app2
keys app2 q
check "q quits, status 0" wait_for "EXIT=0" app2 10
sanitizer_check "no sanitizer report" "$SAN"
done_testing
