#!/bin/sh
# `lifeboat demo --setup-only`: a real lab (config and secrets 0600, three restic
# repos with weeks of history), reused as is on a second run; `--serve` serves its
# cloud, and `status` on the lab sees the USB SSD's RPO breach.
. "$(dirname "$0")/../lib.sh"

for t in restic rclone python3; do
    command -v $t >/dev/null || { skip "demo: $t not installed"; exit 0; }
done
LAB=$T_TMP/lab
PIDS="" # processes this test starts, ended by pid at exit
kill_pids() { for p in $PIDS; do kill "$p" 2>/dev/null; done; }
at_exit kill_pids

run "$LIFEBOAT" demo "$LAB" --setup-only
expect_rc "demo --setup-only exits 0" 0
[ "$T_RC" -eq 0 ] || exit 1 # nothing else can be checked without a lab
conf=$LAB/lifeboat.conf
"$LIFEBOAT" demo "$LAB" --setup-only >"$T_TMP/stdout" 2>/dev/null
check "stdout is exactly the config path, one line" test "$(cat "$T_TMP/stdout")" = "$conf"
expect_out "build progress names the repos" "creating repo usb-ssd"
expect_out "build reports the time it took" "demo lab ready in"
check "the config path printed exists" test -f "$conf"

mode() { stat -c %a "$1"; }
check "lifeboat.conf is 0600" test "$(mode "$LAB/lifeboat.conf")" = 600
for f in os-ssd.pass usb-ssd.pass cloud.pass cloud.env; do
    check "secret $f is 0600" test "$(mode "$LAB/secrets/$f")" = 600
done
check "README.txt says what the lab is" grep -q "demo lab" "$LAB/README.txt"
check "passwords are random and differ per repo" sh -c '
    a=$(cat "$1/secrets/os-ssd.pass") b=$(cat "$1/secrets/usb-ssd.pass")
    [ ${#a} -ge 20 ] && [ "$a" != "$b" ]' sh "$LAB"
expect_no_out "no secret reaches the output" "$(cat "$LAB/secrets/os-ssd.pass")"

# restic itself, with the lab's password files, reads each repo
snaps() { # snaps URL PASSFILE -> JSON on stdout
    RESTIC_REPOSITORY=$1 RESTIC_PASSWORD_FILE=$2 restic --no-cache snapshots --json 2>"$T_TMP/restic.err"
}
count() { python3 -c 'import json,sys; print(len(json.load(sys.stdin) or []))'; }
age() { # age newest|oldest UNIT_SECONDS < snapshots JSON: whole units since that snapshot
    python3 -c '
import datetime, json, sys
times = [datetime.datetime.fromisoformat(x["time"]) for x in json.load(sys.stdin)]
t = max(times) if sys.argv[1] == "newest" else min(times)
print(int((datetime.datetime.now(datetime.timezone.utc) - t).total_seconds() // int(sys.argv[2])))' "$@"
}

snaps "$LAB/repos/os-ssd" "$LAB/secrets/os-ssd.pass" >"$T_TMP/os.json"
snaps "$LAB/repos/usb-ssd" "$LAB/secrets/usb-ssd.pass" >"$T_TMP/usb.json"
snaps "$LAB/cloud-store/cloud" "$LAB/secrets/cloud.pass" >"$T_TMP/cloud.json"
os_n=$(count <"$T_TMP/os.json") usb_n=$(count <"$T_TMP/usb.json") cloud_n=$(count <"$T_TMP/cloud.json")
expect_out "progress line gives the same counts restic finds" \
    "snapshots (os-ssd $os_n, usb-ssd $usb_n, cloud $cloud_n)"
check "os-ssd: 12-20 snapshots (dailies, then Sundays) ($os_n)" test "$os_n" -ge 12 -a "$os_n" -le 20
check "usb-ssd: 2 dailies fewer than os-ssd ($usb_n)" test "$usb_n" -eq $((os_n - 2))
sunday_before_upload() { [ "$(date +%u)" = 7 ] && [ "1$(date +%H%M)" -lt 10430 ]; }
cloud_ok() { [ "$cloud_n" -eq 6 ] || { [ "$cloud_n" -eq 5 ] && sunday_before_upload; }; }
check "cloud: 6 weekly snapshots, Sundays 04:30 ($cloud_n)" cloud_ok
check "os-ssd: history reaches back about six weeks" test "$(age oldest 86400 <"$T_TMP/os.json")" -ge 35
check "os-ssd: newest snapshot within the 26h RPO" test "$(age newest 3600 <"$T_TMP/os.json")" -lt 26
usb_h=$(age newest 3600 <"$T_TMP/usb.json")
check "usb-ssd: newest snapshot 2-3 days old, over the 26h RPO ($usb_h h)" test "$usb_h" -ge 47 -a "$usb_h" -le 72
check "cloud: newest snapshot within a week" test "$(age newest 3600 <"$T_TMP/cloud.json")" -lt 170
check "snapshots hold the lab's data tree" grep -q "$LAB/data/srv" "$T_TMP/os.json"

# a second run reuses the lab: same repos, no new snapshot
repo_id() { RESTIC_REPOSITORY=$1 RESTIC_PASSWORD_FILE=$2 restic --no-cache cat config --json 2>/dev/null |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'; }
id1=$(repo_id "$LAB/repos/os-ssd" "$LAB/secrets/os-ssd.pass")
pass1=$(cat "$LAB/secrets/os-ssd.pass")
run "$LIFEBOAT" demo "$LAB" --setup-only
expect_rc "second --setup-only exits 0" 0
expect_out "second run says it uses the lab" "using the demo lab"
expect_no_out "second run builds nothing" "creating repo"
check "second run: same repo id and password" test "$(repo_id "$LAB/repos/os-ssd" "$LAB/secrets/os-ssd.pass")" = "$id1" -a "$(cat "$LAB/secrets/os-ssd.pass")" = "$pass1"
check "second run: no new snapshot" test "$(snaps "$LAB/repos/os-ssd" "$LAB/secrets/os-ssd.pass" | count)" -eq "$os_n"

# a directory with other things in it is refused and left alone
mkdir -p "$T_TMP/busy" && echo keep >"$T_TMP/busy/notes.txt"
run "$LIFEBOAT" demo "$T_TMP/busy" --setup-only
expect_rc "a non-empty directory without a lab is refused" 2
expect_out "the refusal names the directory" "$T_TMP/busy"
check "its files are untouched" test "$(ls "$T_TMP/busy")" = "notes.txt"
# restic missing: a clear error, no config written, and the half-built lab is not reused
LIFEBOAT_RESTIC=$T_TMP/no-such-restic run "$LIFEBOAT" demo "$T_TMP/norestic" --setup-only
expect_rc "restic missing: exit 2" 2
expect_out "restic missing: says so" "restic is not installed"
check "restic missing: no lifeboat.conf written" test ! -e "$T_TMP/norestic/lifeboat.conf"
run "$LIFEBOAT" demo "$T_TMP/norestic" --setup-only
expect_out "an unfinished lab is named as such, not reused" "unfinished lab"
run "$LIFEBOAT" demo "$LAB" --setup-only --serve
expect_rc "--setup-only with --serve is a usage error" 64

# --serve: rclone serves the cloud until SIGTERM; status then reads all three repos
"$LIFEBOAT" demo "$LAB" --serve >"$T_TMP/serve.out" 2>"$T_TMP/serve.err" &
srv=$!
PIDS="$PIDS $srv"
i=0
until grep -q "serving the demo cloud" "$T_TMP/serve.out" 2>/dev/null || [ $i -ge 200 ]; do sleep 0.1; i=$((i + 1)); done
check "--serve says it is serving" grep -q "serving the demo cloud on rest:http://127.0.0.1:" "$T_TMP/serve.out"
rcl=$(ps -o pid= --ppid "$srv" | tr -d ' ' | head -n 1)
PIDS="$PIDS $rcl"
check "cloud over HTTP: restic lists its $cloud_n snapshots" test "$(snaps "$(sed -n 's/^url = \(rest:.*\)/\1/p' "$conf")" "$LAB/secrets/cloud.pass" | count)" -eq "$cloud_n"

run "$LIFEBOAT" -c "$conf" status --json
# exit 2: besides usb-ssd's RPO warning, the lab's PBS holds one failed verify (critical)
expect_rc "status on the lab: exit 2 (usb-ssd breaks its RPO; ct 103's backup failed verify)" 2
check "status --json: usb-ssd over its RPO, os-ssd and cloud fine" python3 -c '
import json,sys
d=json.loads(sys.argv[1]); r={x["name"]: x for x in d["repos"]}
assert set(r)=={"os-ssd","usb-ssd","cloud"}, r.keys()
assert r["usb-ssd"]["health"]!="ok" and r["usb-ssd"]["age_seconds"]>r["usb-ssd"]["rpo_seconds"], r["usb-ssd"]
assert r["os-ssd"]["health"]=="ok" and r["cloud"]["health"]=="ok", (r["os-ssd"], r["cloud"])
assert r["cloud"]["snapshots"]==int(sys.argv[2]), r["cloud"]
g={x["vmid"]: x for x in d["guests"]}
assert g[103]["pbs"]["verify"]=="failed" and g[103]["pbs"]["health"]=="crit", g[103]
assert g[101]["rollback"]["health"]=="warn" and g[104]["backup_job"] is None, (g[101], g[104])
assert d["overall"]=="crit", d["overall"]' "$T_OUT" "$cloud_n"

kill -TERM "$srv"
wait "$srv"
check "--serve exits 0 on SIGTERM" test $? -eq 0
check "--serve stopped rclone" sh -c '! kill -0 "$1" 2>/dev/null' sh "$rcl"

# the port is taken: a clear message, exit 2
port=$(sed -n 's/^url = rest:http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$conf")
python3 -c '
import socket,sys,time
s=socket.socket(); s.bind(("127.0.0.1",int(sys.argv[1]))); s.listen(); print("bound", flush=True); time.sleep(60)' "$port" >"$T_TMP/squat.out" 2>&1 &
squat=$!
PIDS="$PIDS $squat"
i=0
until grep -q bound "$T_TMP/squat.out" 2>/dev/null || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
run "$LIFEBOAT" demo "$LAB" --serve
expect_rc "port taken: exit 2" 2
expect_out "port taken: says so, with the port" "port $port on 127.0.0.1 is taken"
kill "$squat"

done_testing
