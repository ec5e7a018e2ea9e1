#!/bin/sh
# `lifeboat run` against faults a user meets, with real restic and real file systems:
#  - a repo locked exclusively by a restic of another host (made by a real restic check run
#    under another hostname, then SIGKILLed): the run names the lock and its holder, leaves it
#    alone (not ours), the backup into that repo fails clearly, exit 2, the lock is still there;
#  - a full disk: the USB SSD is a 2 MiB tmpfs (mount -t tmpfs, as root; skipped otherwise):
#    a backup that does not fit fails with "no space", and a disk already above fill_crit
#    gets no backup at all; history keeps every run;
#  - the SMART step from a saved capture (source =): a worn SSD gives a warning with the reason;
#    smartctl refused (not root) is a warning about the reading, the backup still counts.
. "$(dirname "$0")/../lib.sh"

for t in restic python3; do
    command -v $t >/dev/null || { skip "$t not installed"; exit 0; }
done
L=$T_TMP/lab
mkdir -p "$L/data"
head -c 3000000 /dev/urandom >"$L/data/big.bin"
echo hello >"$L/data/a.txt"
PW="pw-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
secret_file "$L/pass" "$PW"
restic_in() { RESTIC_PASSWORD_FILE=$L/pass restic -q -r "$@"; }
restic_in "$L/os" init >/dev/null
nsnap() { restic_in "$1" --no-lock snapshots --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin) or []))'; }
last() { "$LIFEBOAT" -c "$1" history --json --limit 1; }

# --- a repo locked exclusively by another host ------------------------------------------
if command -v unshare >/dev/null && unshare -u true 2>/dev/null; then
    restic_in "$L/os" backup "$L/data/a.txt" >/dev/null
    # a real exclusive lock: restic check (exclusive in 0.14) as host "otherhost", killed
    RESTIC_PASSWORD_FILE=$L/pass unshare -u sh -c \
        'hostname otherhost && exec restic -q -r "$1" check --read-data --limit-download 1' \
        sh "$L/os" >/dev/null 2>&1 &
    CP=$!
    at_exit "kill -KILL $CP 2>/dev/null"
    i=0
    until ls "$L/os/locks" 2>/dev/null | grep -q . || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
    kill -KILL $CP
    wait $CP 2>/dev/null
    LOCK=$(ls "$L/os/locks" | head -n 1)
    check "an exclusive lock of another host is in the repo" sh -c \
        'RESTIC_PASSWORD_FILE=$1 restic -q -r "$2" --no-lock cat lock "$3" | grep -q "\"hostname\": \"otherhost\""' \
        sh "$L/pass" "$L/os" "$LOCK"
    cat >"$L/lock.conf" <<EOF
[repo os-ssd]
url = $L/os
password_file = $L/pass

[job daily]
schedule = *-*-* 03:00
repos = os-ssd
paths = $L/data
unlock_after = 1s
EOF
    chmod 600 "$L/lock.conf"
    run "$LIFEBOAT" -c "$L/lock.conf" run daily
    expect_rc "locked repo: exit 2" 2
    expect_out "locked repo: the lock is reported with its holder" "exclusive lock of root@otherhost"
    expect_out "locked repo: another host's lock is left alone" "made on another host: left alone"
    expect_out "locked repo: the backup fails and says why" "locked"
    check "locked repo: the lock is still there" test -e "$L/os/locks/$LOCK"
    check "locked repo: no snapshot was added" test "$(nsnap "$L/os")" = 1
    run last "$L/lock.conf"
    check "locked repo: history has the failed backup with the reason" python3 -c '
import json,sys
r=json.loads(sys.argv[1])[0]
assert r["outcome"]=="failed", r["outcome"]
b=[s for s in r["steps"] if s["kind"]=="backup"][0]
assert b["outcome"]=="failed" and "lock" in b["message"], b' "$T_OUT"
    # the operator unlocks it (it is theirs to decide): the next run works
    restic_in "$L/os" unlock --remove-all >/dev/null 2>&1
    run "$LIFEBOAT" -c "$L/lock.conf" run daily
    expect_rc "after restic unlock: the run works again (exit 0)" 0
else
    skip "locked repo: unshare -u not permitted here (a lock of another host needs its own hostname)"
fi

# --- a full disk: the USB SSD is a 2 MiB tmpfs ---------------------------------------------
MNT=$T_TMP/usb
mkdir -p "$MNT"
if mount -t tmpfs -o size=2m tmpfs "$MNT" 2>/dev/null; then
    at_exit "umount $MNT"
    restic_in "$MNT/restic" init >/dev/null
    cat >"$L/full.conf" <<EOF
[repo usb-ssd]
url = $MNT/restic
password_file = $L/pass
keep = daily=5

[disk usb-ssd]
device = /dev/disk/by-id/usb-Samsung_SSD_T7
mount = $MNT
fill_warn = 80%
fill_crit = 90%
source = $TOP/tests/fixtures/smartctl/sata-ssd-intel-dcs3500-worn-mwi15-smartctl7.3.json

[job daily]
schedule = *-*-* 03:00
repos = usb-ssd
paths = $L/data
EOF
    chmod 600 "$L/full.conf"
    run "$LIFEBOAT" -c "$L/full.conf" run daily
    expect_rc "full disk: exit 2" 2
    expect_out "full disk: restic's failure is said as no space" "no space"
    expect_out "SMART step: the worn SSD's reason" "85% of the rated write endurance used"
    run last "$L/full.conf"
    check "full disk: history has the run, the backup failed with the reason, SMART warned" python3 -c '
import json,sys
r=json.loads(sys.argv[1])[0]
st={s["kind"]:s for s in r["steps"]}
assert r["outcome"]=="failed", r["outcome"]
assert st["backup"]["outcome"]=="failed" and "space" in st["backup"]["message"], st["backup"]
assert st["smart"]["outcome"]=="warning" and st["smart"]["figures"]["verdict"]=="warn", st["smart"]
assert st["forget"]["outcome"]=="ok", st["forget"]  # skipped: no new snapshot' "$T_OUT"
    check "full disk: the repo still opens (nothing half-written broke it)" sh -c \
        'RESTIC_PASSWORD_FILE=$1 restic -q -r "$2" --no-lock snapshots >/dev/null' sh "$L/pass" "$MNT/restic"
    # a disk already above fill_crit: no backup is attempted into it
    head -c 1900000 /dev/zero >"$MNT/filler" 2>/dev/null
    run "$LIFEBOAT" -c "$L/full.conf" run daily
    expect_rc "disk above fill_crit: exit 2" 2
    expect_out "disk above fill_crit: says so before any backup" "full (critical at 90%)"
    run "$LIFEBOAT" -c "$L/full.conf" history --json --limit 2
    check "history keeps both runs, the newest refused its backup" python3 -c '
import json,sys
runs=json.loads(sys.argv[1])
assert runs[1]["steps"][2]["outcome"]=="failed", runs[1]  # the full one before it
b=[s for s in runs[0]["steps"] if s["kind"]=="backup"][0]
assert b["outcome"]=="failed" and "until space is freed" in b["message"], b' "$T_OUT"
else
    skip "full disk: mount -t tmpfs is not permitted here"
fi
# --- SMART not readable (smartctl refused: not root) -------------------------------------
# the backup is fine; the reading is a warning with the reason, not a failed run
restic_in "$L/perm" init >/dev/null
cat >"$L/perm.conf" <<EOF
[repo os-ssd]
url = $L/perm
password_file = $L/pass

[disk os-ssd]
device = /dev/sda
source = $TOP/tests/fixtures/smartctl/local-smartctl7.3-nonroot-open-permission-denied.json

[job daily]
schedule = *-*-* 03:00
repos = os-ssd
paths = $L/data/a.txt
EOF
chmod 600 "$L/perm.conf"
run "$LIFEBOAT" -c "$L/perm.conf" run daily
expect_rc "SMART permission denied: the run is a warning (exit 1), the backup done" 1
run last "$L/perm.conf"
check "SMART permission denied: backup ok, the smart step a warning that says why" python3 -c '
import json,sys
r=json.loads(sys.argv[1])[0]
st={s["kind"]:s for s in r["steps"]}
assert st["backup"]["outcome"]=="ok", st["backup"]
assert st["smart"]["outcome"]=="warning" and "ermission" in st["smart"]["message"], st["smart"]' "$T_OUT"

check "the password is in neither the database nor the log" sh -c '! grep -rqF "$1" "$2"' sh "$PW" "$XDG_STATE_HOME"

done_testing
