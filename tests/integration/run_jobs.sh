#!/bin/sh
# `lifeboat run` / `history` / `timers install` against real restic repos: a daily job into a
# local repo and one on a real mount (/dev/shm), retention applied and checked with restic,
# check-subset rotation, a missing USB mount, an unreadable file (restic exit 3), a failed
# step, dry-run redaction, a weekly copy to an rclone-served cloud, systemd units.
. "$(dirname "$0")/../lib.sh"

for t in restic rclone python3; do
    command -v $t >/dev/null || { skip "$t not installed"; exit 0; }
done
L=$T_TMP/lab
mkdir -p "$L/data/sub"
echo "hello" >"$L/data/a.txt"
head -c 100000 /dev/urandom >"$L/data/sub/b.bin"
PW="pw-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
secret_file "$L/pass" "$PW"
secret_file "$L/wrong.pass" "not-the-password"
# the USB SSD: a real mount point (/dev/shm is a tmpfs mount)
SHM=/dev/shm/lifeboat-test-$$
mkdir -p "$SHM"
at_exit "rm -rf $SHM"
restic_in() { RESTIC_PASSWORD_FILE=$L/pass restic -q -r "$@"; }
restic_in "$L/os" init >/dev/null
restic_in "$SHM/usb" init >/dev/null
# history in the os repo: one snapshot on each of the 5 days before today
now=$(date +%s)
for d in 1 2 3 4 5; do
    restic_in "$L/os" backup --time "$(date -d @$((now - d * 86400)) '+%Y-%m-%d 12:00:00')" "$L/data" >/dev/null
done
nsnap() { restic_in "$1" snapshots --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin) or []))'; }

cat >"$L/lb.conf" <<EOF
[repo os-ssd]
url = $L/os
password_file = $L/pass
keep = daily=3

[repo usb-ssd]
url = $SHM/usb
password_file = $L/pass
keep = daily=5 weekly=3 monthly=2

[disk usb-ssd]
device = /dev/disk/by-id/usb-test
mount = /dev/shm
fill_warn = 99%
fill_crit = 100%
source = $TOP/tests/fixtures/smartctl/usb-sat-sandisk-pssd-smartctl7.4.json

[job daily]
schedule = *-*-* 03:00
repos = os-ssd usb-ssd
paths = $L/data
exclude = *.tmp

[job verify]
schedule = Sun 05:00
repos = os-ssd
check = read-data-subset=1/2
EOF
chmod 600 "$L/lb.conf"
LB() { "$LIFEBOAT" -c "$L/lb.conf" "$@"; }

# --- the daily run ---
run LB run daily
expect_rc "daily run: exit 0" 0
expect_out "daily run: backs up into the repo on the mounted USB SSD" "==> backup usb-ssd"
expect_out "daily run: a SMART sample of the USB SSD (its repo lives on the disk's mount)" "disk 'usb-ssd': SMART ok"
expect_out "daily run: the retention preview is shown" "the preview keeps 3 and removes 3"
expect_out "daily run: restic's decision equals the preview" "kept 3, removed 3 snapshot(s), as previewed"
check "retention applied: os-ssd holds 3 snapshots (keep daily=3)" test "$(nsnap "$L/os")" = 3
check "usb-ssd holds today's snapshot" test "$(nsnap "$SHM/usb")" = 1
run LB history --json --limit 1
check "history --json: the run and its steps with figures" python3 -c '
import json,sys
r=json.loads(sys.argv[1])[0]
assert r["job"]=="daily" and r["outcome"]=="ok", r
kinds=[(s["kind"],s["target"],s["outcome"]) for s in r["steps"]]
assert kinds==[("preflight","daily","ok"),("smart","usb-ssd","ok"),("backup","os-ssd","ok"),
               ("backup","usb-ssd","ok"),("forget","os-ssd","ok"),("forget","usb-ssd","ok")], kinds
sm=r["steps"][1]["figures"]
assert sm["verdict"]=="ok" and sm["disk"]=="usb-ssd" and "SanDisk" in sm["model"], sm
b=r["steps"][3]["figures"]
assert len(b["snapshot_id"])==8 and b["data_added"]>0 and b["files_new"]==2, b
f=r["steps"][4]["figures"]
assert f["agree"] is True and f["preview"]["remove"]==3 and f["restic"]["remove"]==3, f
assert sorted(f["preview"]["remove_ids"])==sorted(f["restic"]["removed_ids"]), f
assert f["pruned"] is True, f
assert r["data_added"]==sum(s["figures"].get("data_added",0) for s in r["steps"]), r
pf=r["steps"][0]["figures"]
assert pf["disks"][0]["mounted"] is True, pf' "$T_OUT"
check "the password is in neither the database nor the log" sh -c '! grep -rqF "$1" "$2"' sh "$PW" "$XDG_STATE_HOME"

# --- check subset rotation: 2 runs cover 1/2, 2/2 ---
for i in 1 2; do run LB run verify; done
expect_rc "verify run: exit 0" 0
expect_out "verify: after three runs every subset was read" "2 of 2 subsets read so far"
run LB history --job verify --json
check "verify: subsets 1/2, 2/2 were read in turn (newest first)" python3 -c '
import json,sys
runs=json.loads(sys.argv[1])
subs=[r["steps"][1]["figures"]["subset"] for r in runs]
assert subs==["2/2","1/2"], subs' "$T_OUT"
run LB run verify --dry-run
expect_out "verify --dry-run: the next run starts the rotation again" "--read-data-subset=1/2"

# --- the USB SSD is not mounted: its steps are skipped, the rest runs ---
sed "s#^mount = /dev/shm#mount = $L/usb-mnt#; s#^url = $SHM/usb#url = $L/usb-mnt/restic#" "$L/lb.conf" >"$L/nousb.conf"
chmod 600 "$L/nousb.conf"
mkdir -p "$L/usb-mnt"
run "$LIFEBOAT" -c "$L/nousb.conf" run daily
expect_rc "USB SSD not mounted: exit 1 (warning)" 1
expect_out "USB SSD not mounted: the steps say so" "skipped: USB SSD not mounted"
run "$LIFEBOAT" -c "$L/nousb.conf" history --json --limit 1
check "USB SSD not mounted: the os-ssd backup still ran, usb-ssd steps skipped" python3 -c '
import json,sys
r=json.loads(sys.argv[1])[0]
st={(s["kind"],s["target"]):s for s in r["steps"]}
assert r["outcome"]=="warning", r["outcome"]
assert st[("backup","os-ssd")]["outcome"]=="ok"
assert st[("backup","usb-ssd")]["outcome"]=="warning" and "not mounted" in st[("backup","usb-ssd")]["message"]
assert st[("forget","usb-ssd")]["outcome"] in ("ok","warning")' "$T_OUT"

# --- a file nobody can read (restic exit 3) ---
if cat /proc/sys/net/ipv4/route/flush >/dev/null 2>&1 || [ ! -e /proc/sys/net/ipv4/route/flush ]; then
    skip "no unreadable file for this user (/proc/sys/net/ipv4/route/flush is readable or missing)"
else
    cat >"$L/unread.conf" <<EOF
[repo os-ssd]
url = $L/os
password_file = $L/pass

[job odd]
schedule = daily
repos = os-ssd
paths = $L/data /proc/sys/net/ipv4/route/flush
EOF
    chmod 600 "$L/unread.conf"
    run "$LIFEBOAT" -c "$L/unread.conf" run odd
    expect_rc "unreadable file: exit 1 (restic exit 3)" 1
    expect_out "unreadable file: a warning names it" "could not be read"
    expect_out "unreadable file: the error is shown" "/proc/sys/net/ipv4/route/flush"
fi

# --- a failed step: wrong password ---
sed "0,/password_file = .*/s##password_file = $L/wrong.pass#" "$L/lb.conf" >"$L/badpw.conf"
chmod 600 "$L/badpw.conf"
run "$LIFEBOAT" -c "$L/badpw.conf" run daily
expect_rc "wrong password: exit 2" 2
expect_out "wrong password: said" "wrong password"
expect_no_out "wrong password: the wrong password is not shown" "not-the-password"
run "$LIFEBOAT" -c "$L/badpw.conf" history --limit 1
expect_out "history: the failed step and its error text" "wrong password"
expect_out "history: the other repo's backup still ran" "backup usb-ssd"

# --- dry run: steps and exact commands, secrets redacted ---
secret_file "$L/cloud.env" "AWS_SECRET_ACCESS_KEY=sekrit-$PW"
cat >"$L/dry.conf" <<EOF
[repo os-ssd]
url = $L/os
password_command = sh -c 'echo $PW'
env_file = $L/cloud.env
keep = weekly=4

[repo cloud]
url = rest:http://lb:$PW@127.0.0.1:1/cloud
password_file = $L/pass

[job daily]
schedule = *-*-* 03:00
repos = os-ssd
paths = $L/data
copy = os-ssd -> cloud
check = cloud read-data-subset=2%
EOF
chmod 600 "$L/dry.conf"
run "$LIFEBOAT" -c "$L/dry.conf" run daily --dry-run
expect_rc "dry-run: exit 0" 0
expect_out "dry-run: the forget policy" "restic forget --json --keep-weekly 4"
expect_out "dry-run: the copy (0.14 syntax, source in RESTIC_FROM_*)" "RESTIC_FROM_REPOSITORY=$L/os"
expect_out "dry-run: init with the source's chunker parameters" "restic init --copy-chunker-params"
expect_out "dry-run: check subset" "restic check --read-data-subset=2%"
expect_out "dry-run: URL password masked" "rest:http://lb:***@127.0.0.1:1/cloud"
expect_out "dry-run: password command and env_file values redacted" "<redacted>"
expect_no_out "dry-run: the password never appears" "$PW"
run LB history --job daily --json
check "dry-run recorded nothing" python3 -c '
import json,sys; assert len(json.loads(sys.argv[1]))==3' "$T_OUT"

# --- weekly copy to an rclone-served cloud (a new repo: initialised from the source) ---
mkdir -p "$L/cloud-root"
rclone serve restic --addr 127.0.0.1:0 -v "$L/cloud-root" >"$L/rclone.log" 2>&1 &
RCL=$!
at_exit "kill $RCL"
i=0
until grep -q 'Serving restic' "$L/rclone.log" || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
PORT=$(grep -o 'http://127.0.0.1:[0-9]*' "$L/rclone.log" | head -1 | sed 's/.*://')
cat >>"$L/lb.conf" <<EOF

[repo cloud]
url = rest:http://127.0.0.1:$PORT/offsite
password_file = $L/pass
tier = offsite
keep = weekly=4

[job weekly]
schedule = Sun 04:30
copy = usb-ssd -> cloud
check = cloud read-data-subset=1/52
EOF
run LB run weekly
expect_rc "weekly: exit 0" 0
expect_out "weekly: the new cloud repo is created with the source's chunker parameters" "created repo 'cloud' with the chunker parameters of 'usb-ssd'"
expect_out "weekly: snapshots copied" "1 snapshot(s) copied"
expect_out "weekly: one subset of the cloud repo verified" "subset 1/52 read, no errors"
check "weekly: the cloud holds the copied snapshot" test "$(RESTIC_PASSWORD_FILE=$L/pass restic -q -r "rest:http://127.0.0.1:$PORT/offsite" snapshots --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 1
chunk() { RESTIC_PASSWORD_FILE=$L/pass restic -q -r "$1" cat config | python3 -c 'import json,sys; print(json.load(sys.stdin)["chunker_polynomial"])'; }
check "weekly: same chunker polynomial as the source" test "$(chunk "$SHM/usb")" = "$(chunk "rest:http://127.0.0.1:$PORT/offsite")"
run LB run weekly
expect_rc "weekly again: exit 0" 0
expect_out "weekly again: nothing copied twice" "0 snapshot(s) copied, 1 already there"

# --- systemd units ---
run LB timers install --dir "$L/units"
expect_rc "timers install: exit 0" 0
expect_out "timers install: says how to enable" "enable --now lifeboat-daily.timer"
check "timer: OnCalendar is the schedule, Persistent" grep -qx 'OnCalendar=Sun 04:30' "$L/units/lifeboat-weekly.timer"
check "timer: Persistent=true" grep -qx 'Persistent=true' "$L/units/lifeboat-daily.timer"
check "service: runs lifeboat -c CONFIG run JOB" grep -qx "ExecStart=$(readlink -f "$LIFEBOAT") -c $L/lb.conf run daily" "$L/units/lifeboat-daily.service"
if command -v systemd-analyze >/dev/null; then
    check "systemd-analyze verify accepts the units" systemd-analyze verify "$L/units/lifeboat-daily.timer" "$L/units/lifeboat-daily.service"
else
    skip "systemd-analyze not installed"
fi
sed 's#^schedule = Sun 05:00#schedule = Mox 05:00#' "$L/lb.conf" >"$L/badcal.conf"
chmod 600 "$L/badcal.conf"
run "$LIFEBOAT" -c "$L/badcal.conf" timers install --dir "$L/units2"
check "a bad schedule: nothing written" test ! -e "$L/units2/lifeboat-daily.timer"

done_testing
