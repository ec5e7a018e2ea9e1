#!/bin/sh
# The Snapshots screen end to end, in a real terminal (tmux) at 80x24, on a
# demo lab with the Proxmox simulator: key 6 lists the guests with their
# copies; c asks a name and a confirmation naming the guest, Enter creates
# the snapshot and the task is followed live to "done"; the new snapshot is
# listed (checked against the server with `lifeboat guests --json`); a hung
# simulator shows a spinner on the guests panel while keys keep working, and
# q still quits at once. No sanitizer report.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/tmux.sh"

for t in tmux restic python3 openssl; do
    command -v $t >/dev/null || { skip "snapshots e2e: $t not installed"; exit 0; }
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
pass "the demo lab pins the simulator's certificate"
PVE_URL=$(sed -n '/^\[pve main\]/,/^\[/s/^url = //p' "$LAB/lifeboat.conf")

# shellcheck disable=SC2046
tmux_start app 80 24 "\"$LIFEBOAT\" demo \"$LAB\"; echo EXIT=\$?; exec sleep 120" \
    $(sanitizer_env "$SAN")
check "the console opens on the lab" wait_for "3-2-1" app 60
check "the Overview has the rollback and PBS columns" wait_for "rollback" app
check "the Overview shows the PBS datastore" wait_for "PBS usb-ssd" app
keys app 6
check "key 6 opens the Snapshots screen" wait_for "guests · PVE main" app
check "it lists the guests" wait_for "vm 104 homeassistant" app
check "the stale snapshot of 101 is marked" wait_for "20d ▲" app
check "a guest in no backup job says so" wait_for "none ▲     " app
check "the guests were read live" wait_for " read " app

# --- create a snapshot, follow the task ----------------------------------------------------
keys app g c
check "c asks a name for vm 100" wait_for "create a snapshot of vm 100 pfsense" app
keys app C-u
keys app -l "e2e-check"
keys app Enter
check "the confirmation names the snapshot and the guest" \
    wait_for "Create snapshot 'e2e-check' of vm 100 pfsense now?" app
keys app Enter
check "the task is followed in its panel" wait_for "task · create snapshot e2e-check" app
check "the task ends done" wait_for "done in" app 30
check "its log tail shows TASK OK" wait_for "TASK OK" app
check "the new snapshot is listed" wait_for "│ e2e-check" app
count_100() {
    "$LIFEBOAT" -c "$LAB/lifeboat.conf" guests --json |
        python3 -c 'import json,sys; print([g["snapshots"]["count"] for g in json.load(sys.stdin) if g["vmid"] == 100][0])'
}
check "the server has it too (3 snapshots of vm 100)" test "$(count_100)" = 3

# --- a hung server costs a spinner, not the keyboard ---------------------------------------
python3 "$TOP/tests/sim/ctl" "$PVE_URL" fault hang >/dev/null
keys app r
check "the guests panel shows a spinner and an age" wait_for "─ ⟳ " app
keys app j
check "keys still move the selection while PVE hangs" wait_for "snapshots · vm 101 docker-srv" app
keys app 1
check "and switch screens" wait_for "3-2-1" app
keys app 6
check "the guests stay shown from the last read" wait_for "vm 104 homeassistant" app
python3 "$TOP/tests/sim/ctl" "$PVE_URL" fault none >/dev/null
keys app q
check "q quits at once, status 0" wait_for "EXIT=0" app 10
sanitizer_check "no sanitizer report" "$SAN"
done_testing
