#!/bin/sh
# One PBS disk's SMART as PBS reports it, end to end in a real terminal (tmux)
# at 80x24 on a demo lab with the Proxmox simulator: on the Disks screen j
# goes on from the [disk] rows into the PBS section (its title names Enter);
# Enter on sda reads /disks/smart through the loop and shows the ATA table
# over the screen (status, life left, id/name/value/worst/thresh/raw/flags,
# the Min/Max raw whole); Esc goes back; a failing drive's attribute at its
# threshold is marked; nvme0n1 shows the health log, the USB disk unknown
# with the way out; a hung server costs only a spinner (Esc and the other
# screens still answer); a 403 names the privilege. q quits, no sanitizer report.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/tmux.sh"

for t in tmux restic python3 openssl; do
    command -v $t >/dev/null || { skip "pbs smart e2e: $t not installed"; exit 0; }
done
LAB=$T_TMP/lab
SAN=$T_TMP/san
"$LIFEBOAT" demo "$LAB" --setup-only >"$T_TMP/setup.out" 2>&1 ||
    { fail "demo lab built"; cat "$T_TMP/setup.out"; exit 1; }
PBS=$(sed -n '/^\[pbs /,/^\[/s/^url = //p' "$LAB/lifeboat.conf" | head -n 1)
ND=$(grep -c '^\[disk ' "$LAB/lifeboat.conf")
[ -n "$PBS" ] && [ "$ND" -ge 1 ] || { fail "the demo lab has a [pbs] section and [disk]s"; exit 1; }
CTL="python3 $TOP/tests/sim/ctl"

# shellcheck disable=SC2046
tmux_start app 80 24 "\"$LIFEBOAT\" demo \"$LAB\"; echo EXIT=\$?; exec sleep 120" \
    $(sanitizer_env "$SAN")
check "the console opens on the lab" wait_for "3-2-1" app 60
keys app 4
check "the Disks screen has the PBS section" wait_for "disks · as PBS reports them" app
check "the PBS disks are read" wait_for "sda        ✓ passed     99%" app
# the cursor: past the [disk] rows onto nvme0n1, then sda
keys app g
i=0
while [ "$i" -lt "$ND" ]; do keys app j; i=$((i + 1)); done
check "on a PBS row the section's title names Enter" wait_for "as PBS reports them · Enter: SMART" app
keys app j Enter
check "Enter on sda: its SMART over the screen" wait_for "sda · SMART as PBS reports it" app
check "status and life left" wait_for "✓ passed  99% life left  14 attributes" app
check "the ATA table's header" wait_for "id attribute                value worst thresh  raw" app
check "an attribute: id, name, value, worst, thresh, raw, flags" \
    wait_for "  5 Reallocated_Sector_Ct      100   100     10  0                  PO--CK" app
check "a raw text with its Min/Max shown whole" \
    wait_for "190 Airflow_Temperature_Cel     63    52      0  37 (Min/Max 21/48) -O--CK" app
check "where in the table, and the way back" wait_for "1-14 of 14 · j/k PgDn · Esc back" app
screen app >"$T_TMP/sda.txt"
check "80x24: 24 rows, none wider than 80 columns" python3 -c '
import sys
rows = open(sys.argv[1], encoding="utf-8").read().split("\n")
assert len([r for r in rows if r]) <= 24 and all(len(r) <= 80 for r in rows), rows' "$T_TMP/sda.txt"
keys app Escape
check "Esc goes back to the disks" wait_gone "SMART as PBS reports it" app
check "the section is there again" wait_for "as PBS reports them · Enter: SMART" app

# a drive that fails: the attribute at its threshold marked
$CTL "$PBS" disk sda failing >/dev/null
keys app Enter
check "failed, and how many attributes fail" wait_for "✗ failed  99% life left  1 attribute failing (at/below threshold)" app
check "the failing attribute marked" wait_for "  5 Reallocated_Sector_Ct        5     5     10  1975               PO--CK ✗" app
screen app >"$T_TMP/fail.txt"
check "only that attribute row is marked" sh -c \
    'test "$(grep -E "^│ +[0-9]+ [A-Za-z_]" "$1" | grep -c "✗")" = 1' sh "$T_TMP/fail.txt"
$CTL "$PBS" disk sda ok >/dev/null
keys app Enter
check "Enter reads it again: passed" wait_for "✓ passed  99% life left" app
keys app Escape

keys app k Enter
check "nvme0n1: the health log" wait_for "nvme0n1 · SMART as PBS reports it" app
check "nvme0n1: its keys and values" wait_for "percentage_used                    3" app
check "nvme0n1: 17 keys, scrolled with the page keys" wait_for "of 17 · j/k PgDn · Esc back" app
keys app Escape j j Enter
check "sdb: unknown" wait_for "? unknown  0 attributes" app
check "sdb: the way out" wait_for "PBS cannot read SMART here (USB bridge?): our [disk] with type = sat can" app
check "sdb: nothing to list, said so" wait_for "PBS reports no attributes" app
keys app Escape

# a hung server: a spinner, and the console keeps answering
$CTL "$PBS" fault hang /nodes/localhost/disks/smart >/dev/null
keys app Enter
check "hung server: the spinner says what it reads" wait_for "reading ⟳" app
check "hung server: and which endpoint" wait_for "(GET /nodes/localhost/disks/smart)" app
keys app Escape
check "hung server: Esc still closes it" wait_gone "SMART as PBS reports it" app
keys app 1
check "hung server: the other screens still draw" wait_for "3-2-1" app
keys app 4
check "hung server: back on the Disks screen" wait_for "as PBS reports them · Enter: SMART" app
$CTL "$PBS" fault none >/dev/null

# no privilege: named
$CTL "$PBS" fault 403 /nodes/localhost/disks/smart >/dev/null
keys app Enter
check "403: the endpoint" wait_for "GET /nodes/localhost/disks/smart?disk=sdb could not be read" app
check "403: the privilege it lacks" wait_for "Sys.Audit on /system/disks" app
screen app >"$T_TMP/403.txt"
$CTL "$PBS" fault none >/dev/null
keys app Escape
TF=$(sed -n '/^\[pbs /,/^\[/s/^token_file = //p' "$LAB/lifeboat.conf" | head -n 1)
secret=$(sed 's/^[^:]*://' "$TF")
check "the token's secret never shows" sh -c \
    'test -n "$1" && grep -q "denied GET" "$2" && ! grep -qF "$1" "$2"' sh "$secret" "$T_TMP/403.txt"

keys app q
check "q quits, status 0" wait_for "EXIT=0" app 10
sanitizer_check "no sanitizer report" "$SAN"
done_testing
