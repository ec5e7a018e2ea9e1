#!/bin/sh
# "Back up now" end to end (issue 5), in a real terminal (tmux) at 80x24, on
# the demo lab with the Proxmox simulator: on the Schedule screen s on the
# nightly PVE backup job asks first, naming the job, its guests and storage;
# Esc there sends nothing to PVE; Enter runs it and the task is followed to
# its end; the PBS backups of its guests are then newer than the test's
# start (`lifeboat guests --json`). On the Snapshots screen b on a guest asks
# (naming guest and storage) and backs it up; a backup ending with warnings
# or failing says so with PVE's words. A 500 from PVE on vzdump is a
# clear error on the screen and the console keeps working. s on one of
# lifeboat's own jobs says how to run it. No sanitizer report.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/tmux.sh"

for t in tmux restic python3 openssl; do
    command -v $t >/dev/null || { skip "backup-now e2e: $t not installed"; exit 0; }
done
LAB=$T_TMP/lab
SAN=$T_TMP/san
"$LIFEBOAT" demo "$LAB" --setup-only >"$T_TMP/setup.out" 2>&1 ||
    { fail "demo lab built"; cat "$T_TMP/setup.out"; exit 1; }
if ! grep -q '^\[pve main\]' "$LAB/lifeboat.conf"; then
    fail "the demo lab has a [pve] section (the simulator is in the source tree)"
    cat "$T_TMP/setup.out"
    exit 1
fi
pass "the demo lab has the simulator"
PVE_URL=$(sed -n '/^\[pve main\]/,/^\[/s/^url = //p' "$LAB/lifeboat.conf")
NIGHTLY=backup-83831498-c631
STARTED=$(date +%s)

# posts: the POSTs the simulator was sent to vzdump
posts() { python3 "$TOP/tests/sim/ctl" "$PVE_URL" requests | grep -c 'POST .*/vzdump'; }
# posts_are N: exactly N of them (else the POSTs are shown)
posts_are() {
    [ "$(posts)" = "$1" ] && return 0
    python3 "$TOP/tests/sim/ctl" "$PVE_URL" requests | grep -v ' GET ' | sed 's/^/    | /'
    return 1
}
# backup_newer VMID: the newest PBS backup of VMID is from after the test started
backup_newer() {
    "$LIFEBOAT" -c "$LAB/lifeboat.conf" guests --json | python3 -c '
import json, sys, datetime
vmid, since = int(sys.argv[1]), int(sys.argv[2])
g = [g for g in json.load(sys.stdin) if g["vmid"] == vmid][0]
lb = g["last_backup"]
t = datetime.datetime.fromisoformat(lb["time"].replace("Z", "+00:00")).timestamp() if lb else 0
sys.exit(0 if t >= since else 1)' "$1" "$STARTED"
}

# shellcheck disable=SC2046
tmux_start app 80 24 "\"$LIFEBOAT\" demo \"$LAB\"; echo EXIT=\$?; exec sleep 120" \
    $(sanitizer_env "$SAN")
check "the console opens on the lab" wait_for "3-2-1" app 60
check "the Overview shows the PBS datastore" wait_for "PBS usb-ssd" app
if backup_newer 101; then
    fail "before: vm 101's newest PBS backup is older than the test"
else
    pass "before: vm 101's newest PBS backup is older than the test"
fi
python3 "$TOP/tests/sim/ctl" "$PVE_URL" clear-requests

# --- Schedule: s on a lifeboat job says how to run it ---------------------------------------
keys app 2
check "key 2 opens the Schedule screen" wait_for "week" app
check "the nightly PVE job is listed" wait_for "backup-…  pve    02:00" app
keys app g s
check "s on lifeboat's own job says how to run it" wait_for "lifeboat's own job" app

# --- Schedule: s on the PVE job, Esc does nothing -------------------------------------------
# the job table: the first row, the PVE job's row (the job column is cut at 80 columns)
screen app >"$T_TMP/sched.txt"
first=$(grep -n '^│ [a-z]  ' "$T_TMP/sched.txt" | head -n 1 | cut -d: -f1)
row=$(grep -n '^│ [a-z]  backup-…  pve ' "$T_TMP/sched.txt" | head -n 1 | cut -d: -f1)
i=${first:-0}
while [ "$i" -lt "${row:-0}" ]; do keys app j; i=$((i + 1)); done
keys app s
check "s asks first, naming the job" wait_for "run backup job $NIGHTLY now?" app
check "the confirmation names the guests" wait_for "100 pfsense, 101" app
check "and the storage and mode" wait_for "storage   pbs-usb   mode snapshot" app
keys app Escape
check "Esc cancels" wait_for "cancelled: backup job $NIGHTLY was not run" app
check "nothing was sent to PVE (no POST vzdump)" posts_are 0

# --- Schedule: Enter runs it, followed to OK --------------------------------------------------
keys app s
check "s asks again" wait_for "run backup job $NIGHTLY now?" app
keys app Enter
check "the run is followed live on the bottom line" wait_for "run backup job $NIGHTLY to pbs-usb:" app
check "it ends done" wait_for "to pbs-usb: done in" app 60
check "one POST vzdump went to PVE" posts_are 1
# the job's row: its last run is now this one, seconds old and OK (not last night's ▲)
own_run_ok() { screen app | grep -E '^│ [a-z]  backup-…  pve ' | grep -qE '✓ [0-9]+[sm] '; }
check "the job's row shows this run as its last: OK, moments ago" wait_until own_run_ok
check "the PBS backup of vm 101 is now newer than the test's start" \
    wait_until backup_newer 101

# --- Snapshots: b backs up one guest --------------------------------------------------------
keys app 6
check "key 6 opens the Snapshots screen" wait_for "guests · PVE main" app
check "it lists vm 104" wait_for "vm 104 homeassistant" app
keys app G b
check "b asks first, naming the guest" wait_for "back up" app
check "and the storage" wait_for "storage   pbs-usb" app
screen app | grep -q "to PBS now?" && pass "the question says PBS now" || fail "the question says PBS now"
keys app Escape
check "Esc cancels the backup" wait_for "cancelled: nothing was changed" app
check "still one POST vzdump only" posts_are 1
keys app g b
check "b on vm 100 asks" wait_for "back up vm 100 pfsense to PBS now?" app
keys app Enter
check "the backup task is followed in its panel" wait_for "task · back up vm 100 pfsense to pbs-usb" app
check "it ends done" wait_for "done in" app 60
check "its log tail shows TASK OK" wait_for "TASK OK" app
check "the PBS backup of vm 100 is newer than the test's start" wait_until backup_newer 100

# --- a backup that ends with warnings, one that fails (reference 3.7) -------------------------
python3 "$TOP/tests/sim/ctl" "$PVE_URL" task-fail vzdump warnings=1 >/dev/null
keys app j b
check "b on vm 101 asks" wait_for "back up vm 101 docker-srv to PBS now?" app
keys app Enter
check "the task panel follows vm 101's backup" wait_for "task · back up vm 101 docker-srv" app
check "it ends done with warnings" wait_for "done with warnings" app 60
check "its log ends TASK WARNINGS: 1" wait_for "TASK WARNINGS: 1" app
python3 "$TOP/tests/sim/ctl" "$PVE_URL" task-fail vzdump "no space left on device" >/dev/null
keys app j b
check "b on ct 102 asks" wait_for "back up ct 102 pihole to PBS now?" app
keys app Enter
check "the task panel follows ct 102's backup" wait_for "task · back up ct 102 pihole" app
check "a failed backup says so" wait_for "✗ failed after" app 60
check "with PVE's words" wait_for "job errors" app
check "and the guest's error line" wait_for "ERROR: Backup of VM 102 failed - no space left" app

# --- a 500 on vzdump: a clear error, the console keeps working ----------------------------------
python3 "$TOP/tests/sim/ctl" "$PVE_URL" fault 500 /api2/json/nodes/pve/vzdump >/dev/null
keys app j b
check "b on ct 103 asks" wait_for "back up ct 103 nextcloud" app
keys app Enter
check "the 500 is a clear error on the screen" wait_for "POST /nodes/pve/vzdump" app 30
screen app | grep -q "(500)" && pass "it names the status 500" || fail "it names the status 500"
keys app j
check "keys still move the selection" wait_for "snapshots · vm 104 homeassistant" app
keys app 2
check "and switch screens" wait_for "week" app
python3 "$TOP/tests/sim/ctl" "$PVE_URL" fault none >/dev/null
keys app q
check "q quits, status 0" wait_for "EXIT=0" app 30
sanitizer_check "no sanitizer report" "$SAN"
done_testing
