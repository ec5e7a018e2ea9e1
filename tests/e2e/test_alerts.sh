#!/bin/sh
# Alerts end to end, in a real terminal (tmux) on a demo lab: the console
# evaluates the rules after its first refresh, the Overview's alerts panel
# lists the stale usb-ssd repo, A opens every open alert, a asks a note in
# the prompt and acknowledges the selected one in the state database;
# `lifeboat alerts --json` afterwards shows it acknowledged with the note,
# and the alert stays acknowledged through that evaluation. At 80x24 and
# 200x60. No sanitizer report.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/tmux.sh"

for t in tmux restic python3; do
    command -v $t >/dev/null || { skip "alerts e2e: $t not installed"; exit 0; }
done
LAB=$T_TMP/lab
SAN=$T_TMP/san
"$LIFEBOAT" demo "$LAB" --setup-only >"$T_TMP/setup.out" 2>&1 ||
    { fail "demo lab built"; cat "$T_TMP/setup.out"; exit 1; }

# shellcheck disable=SC2046
tmux_start lab 80 24 "\"$LIFEBOAT\" -c \"$LAB/lifeboat.conf\"; echo EXIT=\$?; exec sleep 120" \
    $(sanitizer_env "$SAN")
check "the console opens on the lab" wait_for "Overview" lab
check "the rules ran after the first refresh: the alerts panel counts open alerts" \
    wait_for "alerts · " lab
check "the stale usb-ssd repo is listed with what to do" \
    wait_for "over its RPO of 26h" lab
check "the panel says which alert a acknowledges" wait_for "a: ack " lab

# A: every open alert; select the usb-ssd one (the detail below names the selected)
keys lab A
check "A opens every open alert" wait_for "j/k move; Esc closes" lab
selected_usb() { screen lab | grep -q "usb-ssd · repo-rpo since"; }
i=0
while ! selected_usb && [ $i -lt 12 ]; do
    keys lab j
    sleep 0.2
    i=$((i + 1))
done
check "the usb-ssd RPO alert can be selected" wait_until selected_usb
listed() { screen lab | grep -qE "$1 .* usb-ssd +repo-rpo"; }
listed_as() { screen "$PANE" | grep -qE "$1 .* $2"; }
PANE=lab
check "it is listed as fired" wait_until listed fired

keys lab a
check "a asks a note, naming the alert" wait_for "ack usb-ssd repo-rpo; note:" lab
keys lab -l "disk swapped, rerun tonight"
check "the note is typed in the prompt" wait_for "disk swapped, rerun tonight" lab
keys lab Enter
check "the console says it is acknowledged" \
    wait_for "usb-ssd repo-rpo acknowledged: no more re-notifications" lab
check "the list shows it acknowledged" wait_until listed acknowledged
check "the detail shows the note" wait_for ": disk swapped, rerun tonight" lab

resize lab 200 60
check "at 200x60 the overlay still lists it" wait_for "acknowledged" lab
keys lab Escape
check "Esc closes the overlay" wait_gone "j/k move; Esc closes" lab
check "the panel shows the note at 200x60" \
    wait_for "acknowledged (disk swapped, rerun tonight)" lab
resize lab 80 24
keys lab q
check "q quits with status 0" wait_for "EXIT=0" lab

# the CLI sees what the console stored (and its own evaluation keeps the acknowledgement)
run "$LIFEBOAT" -c "$LAB/lifeboat.conf" alerts --json
printf '%s\n' "$T_OUT" >"$T_TMP/alerts.json"
check "lifeboat alerts --json shows usb-ssd repo-rpo acknowledged with the note" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
a = [x for x in d["alerts"] if x["rule"] == "repo-rpo" and x["subject"] == "usb-ssd"]
assert len(a) == 1, d
a = a[0]
assert a["state"] == "acknowledged", a
assert a["ack_note"] == "disk swapped, rerun tonight", a
assert a["acknowledged_at"], a
' "$T_TMP/alerts.json"

# The Proxmox rules in the console: `lifeboat demo` opens the lab with its
# Proxmox simulator running; the console evaluates the Proxmox rules over
# what it read, so the failed PBS verify of ct 103 becomes a stored alert:
# the panel's footer names it (the first row), a acknowledges it with a
# note, A lists it acknowledged, and the CLI (the simulator gone with the
# demo: Proxmox unread, so its alerts stay as they were) shows it so.
# shellcheck disable=SC2046
tmux_start pmx 80 24 "\"$LIFEBOAT\" demo \"$LAB\"; echo EXIT=\$?; exec sleep 120" \
    $(sanitizer_env "$SAN")
check "the demo console opens with the Proxmox simulator" wait_for "ct 103 nex" pmx 60
check "the failed PBS verify of ct 103 is an alert the footer says a acknowledges" \
    wait_for "a: ack ct 103 pbs-verify" pmx 60
keys pmx a
check "a asks a note for the Proxmox alert" wait_for "ack ct 103 pbs-verify; note:" pmx
keys pmx -l "verify rerun after disk check"
keys pmx Enter
check "the console says the Proxmox alert is acknowledged" \
    wait_for "ct 103 pbs-verify acknowledged" pmx
keys pmx A
check "A opens every open alert" wait_for "j/k move; Esc closes" pmx
PANE=pmx
check "A lists the guest in no backup job (vm 104) as fired" \
    wait_until listed_as fired "vm 104 +pve-unbacked"
check "A lists the Proxmox alert acknowledged" \
    wait_until listed_as acknowledged "ct 103 +pbs-verify"
keys pmx Escape
keys pmx q
check "q quits the demo with status 0" wait_for "EXIT=0" pmx 60

run "$LIFEBOAT" -c "$LAB/lifeboat.conf" alerts --json
printf '%s\n' "$T_OUT" >"$T_TMP/alerts2.json"
check "lifeboat alerts --json shows ct 103 pbs-verify acknowledged with the note" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
a = [x for x in d["alerts"] if x["rule"] == "pbs-verify" and x["subject"] == "ct 103"]
assert len(a) == 1, d
a = a[0]
assert a["state"] == "acknowledged", a
assert a["ack_note"] == "verify rerun after disk check", a
assert a["severity"] == "crit", a
' "$T_TMP/alerts2.json"

sanitizer_check "no sanitizer report from the console" "$SAN"
done_testing
