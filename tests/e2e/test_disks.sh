#!/bin/sh
# The Disks screen end to end, in a real terminal (tmux) at 80x24: on a demo
# lab, key 4 lists the USB SSD (ok) and the worn OS SSD (warn) with the
# reason; on a disk read through a fake smartctl, s asks first (naming the
# device), Esc starts nothing, Enter starts `smartctl -t short` and the screen
# follows the test until it is done. No sanitizer report.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/tmux.sh"

for t in tmux restic; do
    command -v $t >/dev/null || { skip "disks e2e: $t not installed"; exit 0; }
done
LAB=$T_TMP/lab
SAN=$T_TMP/san
"$LIFEBOAT" demo "$LAB" --setup-only >"$T_TMP/setup.out" 2>&1 ||
    { fail "demo lab built"; cat "$T_TMP/setup.out"; exit 1; }

# --- the demo lab's disks --------------------------------------------------------------
# shellcheck disable=SC2046
tmux_start lab 80 24 "\"$LIFEBOAT\" -c \"$LAB/lifeboat.conf\"; echo EXIT=\$?; exec sleep 120" \
    $(sanitizer_env "$SAN")
check "the console opens on the lab" wait_for "Overview" lab
check "the Overview carries the disk line" wait_for "disk usb-ssd ok" lab
keys lab 4
check "key 4 opens the Disks screen" wait_for "SMART" lab
row() { screen lab | grep -E -- "^(│|\|) $1 " | head -n 1; }
row_has() { row "$1" | grep -qE -- "$2"; }
check "usb-ssd: verdict ok" wait_until row_has usb-ssd 'ok ✓'
check "os-ssd: verdict warn, 85% worn" wait_until row_has os-ssd 'warn ▲ .* 85%'
keys lab j
check "the worn disk says why" wait_for "85% of the rated write endurance used" lab
keys lab s
check "a saved capture cannot be self-tested, and it says so" wait_for "there is no drive to" lab
keys lab q
check "q quits with status 0" wait_for "EXIT=0" lab

# --- a self-test through a fake smartctl -------------------------------------------------
FAKE=$T_TMP/fake
mkdir -p "$FAKE"
cp "$TOP/tests/fixtures/smartctl/usb-sat-sandisk-pssd-smartctl7.4.json" "$FAKE/sat.json"
cat >"$T_TMP/fake.conf" <<EOF
[disk usb-ssd]
device = /dev/disk/by-id/usb-Fake_SSD-0:0
type = sat
EOF
chmod 600 "$T_TMP/fake.conf"
# shellcheck disable=SC2046
tmux_start fake 80 24 "\"$LIFEBOAT\" -c \"$T_TMP/fake.conf\"; echo EXIT=\$?; exec sleep 120" \
    LIFEBOAT_SMARTCTL="$TOP/tests/fixtures/smartctl/fake-smartctl.sh" FAKE_SMARTCTL_DIR="$FAKE" \
    FAKE_SMARTCTL_LOG="$T_TMP/smartctl.log" $(sanitizer_env "$SAN")
keys fake 4
check "the disk is read through smartctl -d sat" wait_for "SanDisk pSSD" fake
started() { grep -q "^test short" "$T_TMP/smartctl.log" 2>/dev/null; }
keys fake s
check "s asks first, naming the device" wait_for "/dev/disk/by-id/usb-Fake_SSD-0:0" fake
check "the question says how to start" wait_for "Enter starts it" fake
keys fake Escape
check "Esc closes the question" wait_gone "Enter starts it" fake
check "Esc started no self-test" sh -c '! grep -q "^test short" "$1"' sh "$T_TMP/smartctl.log"
keys fake s
wait_for "Enter starts it" fake >/dev/null
keys fake Enter
check "Enter runs smartctl -t short -d sat on the device" wait_until started
check "smartctl got the device and the type" \
    grep -q "^test short sat /dev/disk/by-id/usb-Fake_SSD-0:0" "$T_TMP/smartctl.log"
check "the screen follows the running test" wait_for "short self-test running" fake
check "and says when it is done" wait_for "completed without error" fake
keys fake q
check "q quits with status 0" wait_for "EXIT=0" fake

sanitizer_check "no sanitizer report from the console" "$SAN"
done_testing
