#!/bin/sh
# The cloud restore drill end to end on the demo lab, its cloud served by
# rclone: a full drill (restored files equal the snapshot, scratch removed,
# record written with RTO/RPO), a sample-of-paths drill, a wrong password
# source (failed, record says so), a scratch that overlaps a job's paths
# (refused), and a drill killed mid-restore (interrupted, scratch removed at
# the next start).
. "$(dirname "$0")/../lib.sh"

for t in restic rclone python3; do
    command -v $t >/dev/null || { skip "drill_cloud: $t not installed"; exit 0; }
done
LAB=$T_TMP/lab
PIDS=""
kill_pids() { for p in $PIDS; do kill "$p" 2>/dev/null; done; }
at_exit kill_pids

"$LIFEBOAT" demo "$LAB" --setup-only >/dev/null 2>&1 || { fail "demo lab builds"; exit 1; }
conf=$LAB/lifeboat.conf
"$LIFEBOAT" demo "$LAB" --serve >"$T_TMP/serve.out" 2>&1 &
PIDS="$PIDS $!"
i=0
until grep -q "serving the demo cloud" "$T_TMP/serve.out" 2>/dev/null || [ $i -ge 200 ]; do sleep 0.1; i=$((i + 1)); done
grep -q "serving the demo cloud" "$T_TMP/serve.out" || { fail "demo cloud served"; exit 1; }
url=$(sed -n 's/^url = \(rest:.*\)$/\1/p' "$conf")
jget() { python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    d = d[int(k)] if isinstance(d, list) else d[k]
print("null" if d is None else (str(d).lower() if isinstance(d, bool) else d))' "$@"; }

# --- a full drill ---
"$LIFEBOAT" -c "$conf" drill cloud --json >"$T_TMP/full.json" 2>"$T_TMP/full.err"
T_RC=$?
T_OUT=$(cat "$T_TMP/full.json" "$T_TMP/full.err")
expect_rc "full cloud drill exits 0" 0
check "record says ok" test "$(jget "$T_TMP/full.json" outcome)" = ok
check "record says verified" test "$(jget "$T_TMP/full.json" verified)" = true
check "kind is cloud" test "$(jget "$T_TMP/full.json" kind)" = cloud
# what restic itself lists for the newest cloud snapshot: files and bytes
RESTIC_REPOSITORY=$url RESTIC_PASSWORD_FILE=$LAB/secrets/cloud.pass \
    restic --no-cache ls --json latest >"$T_TMP/ls.json" 2>/dev/null
python3 - "$T_TMP/ls.json" >"$T_TMP/ls.sum" <<'EOF'
import json, sys
files = bytes_ = 0
snap = None
for line in open(sys.argv[1]):
    o = json.loads(line)
    if o.get("struct_type") == "snapshot":
        snap = o["id"]
    elif o.get("type") == "file":
        files += 1
        bytes_ += o.get("size", 0)
print(snap, files, bytes_)
EOF
read -r snap files bytes <"$T_TMP/ls.sum"
check "restore point is the newest snapshot ($snap)" test "$(jget "$T_TMP/full.json" restore_point.id)" = "$snap"
check "every file of the snapshot restored ($files)" test "$(jget "$T_TMP/full.json" files)" = "$files"
check "restored bytes equal the snapshot's ($bytes)" test "$(jget "$T_TMP/full.json" bytes)" = "$bytes"
check "a full drill's full size is what it restored" test "$(jget "$T_TMP/full.json" full_bytes)" = "$bytes"
check "rto_seconds measured" python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["rto_seconds"] > 0' "$T_TMP/full.json"
check "rpo_seconds is the restore point's age" python3 -c '
import json, sys, datetime
d = json.load(open(sys.argv[1]))
t = datetime.datetime.fromisoformat(d["restore_point"]["time"].replace("Z", "+00:00"))
s = datetime.datetime.fromisoformat(d["started"].replace("Z", "+00:00"))
assert abs((s - t).total_seconds() - d["rpo_seconds"]) <= 1, d' "$T_TMP/full.json"
check "estimate_full_seconds present" python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["estimate_full_seconds"] is not None and d["estimate_full_seconds"] >= 0' "$T_TMP/full.json"
check "error is null" test "$(jget "$T_TMP/full.json" error)" = null
target=$(jget "$T_TMP/full.json" target)
case $target in "$LAB"/drills/*) pass "target is below scratch" ;; *) fail "target is below scratch ($target)" ;; esac
check "scratch copy removed" test ! -e "$target"
check "scratch holds nothing after the drill" test -z "$(ls -A "$LAB/drills")"
check "record says the scratch was removed" test "$(jget "$T_TMP/full.json" scratch_removed)" = true
expect_no_out "no secret in the output" "$(cat "$LAB/secrets/cloud.pass")"

run "$LIFEBOAT" -c "$conf" drills --json
echo "$T_OUT" >"$T_TMP/list.json"
check "drills --json lists the drill" test "$(jget "$T_TMP/list.json" 0.id)" = "$(jget "$T_TMP/full.json" id)"
run "$LIFEBOAT" -c "$conf" drills
expect_out "drills shows the cloud drill as passed" "cloud     20"
expect_out "drills flags the never-run rollback drill" "overdue"

# --- a sample of paths ---
sub=$LAB/data/etc
run "$LIFEBOAT" -c "$conf" drill cloud --path "$sub"
expect_rc "sample drill exits 0" 0
expect_out "sample drill names its scope" "scope          $sub"
expect_out "sample drill extrapolates the full restore" "full restore   estimate"

# --- wrong password source ---
sed "s|^password_file = .*cloud.pass|password_file = $T_TMP/wrong.pass|" "$conf" >"$T_TMP/wrong.conf"
chmod 600 "$T_TMP/wrong.conf"
secret_file "$T_TMP/wrong.pass" "not-the-password"
"$LIFEBOAT" -c "$T_TMP/wrong.conf" drill cloud --json >"$T_TMP/wrong.json" 2>"$T_TMP/wrong.err"
T_RC=$?
T_OUT=$(cat "$T_TMP/wrong.json" "$T_TMP/wrong.err")
expect_rc "wrong password: exit 2" 2
check "wrong password: record says failed" test "$(jget "$T_TMP/wrong.json" outcome)" = failed
expect_out "wrong password: the error says so" "password"
check "wrong password: nothing left in scratch" test -z "$(ls -A "$LAB/drills")"
run "$LIFEBOAT" -c "$conf" drills --json
expect_out "wrong password: the failed record is kept" '"outcome": "failed"'

# --- a scratch inside a job's paths is refused ---
sed "s|^scratch = .*|scratch = $LAB/data/srv/drills|" "$conf" >"$T_TMP/overlap.conf"
chmod 600 "$T_TMP/overlap.conf"
run "$LIFEBOAT" -c "$T_TMP/overlap.conf" drill cloud
expect_rc "overlapping scratch: config error" 78
expect_out "overlapping scratch: names the job" "overlaps path"
check "overlapping scratch: nothing created in the job's data" test ! -e "$LAB/data/srv/drills"

# --- killed mid-restore: interrupted, scratch removed at the next start ---
cat >"$T_TMP/pwcmd.sh" <<EOF
#!/bin/sh
n=\$(cat "$T_TMP/count" 2>/dev/null || echo 0); n=\$((n + 1)); echo \$n >"$T_TMP/count"
if [ \$n -eq 2 ]; then echo \$PPID >"$T_TMP/restic.pid"; echo \$\$ >"$T_TMP/sleep.pid"; exec sleep 60; fi
cat "$LAB/secrets/cloud.pass"
EOF
sed "s|^password_file = .*cloud.pass|password_command = sh $T_TMP/pwcmd.sh|" "$conf" >"$T_TMP/slow.conf"
chmod 600 "$T_TMP/slow.conf"
"$LIFEBOAT" -c "$T_TMP/slow.conf" drill cloud >"$T_TMP/slow.out" 2>&1 &
lpid=$!
PIDS="$PIDS $lpid"
i=0
until [ -s "$T_TMP/sleep.pid" ] || [ $i -ge 300 ]; do sleep 0.1; i=$((i + 1)); done
check "restore started (target created)" sh -c 'ls -d "$1"/drills/*-cloud-* >/dev/null 2>&1' sh "$LAB"
kill -9 "$lpid" 2>/dev/null
wait "$lpid" 2>/dev/null
kill "$(cat "$T_TMP/sleep.pid")" "$(cat "$T_TMP/restic.pid")" 2>/dev/null
i=0
while kill -0 "$(cat "$T_TMP/restic.pid")" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check "the killed drill left its scratch behind" sh -c 'ls -d "$1"/drills/*-cloud-* >/dev/null 2>&1' sh "$LAB"
run "$LIFEBOAT" -c "$conf" drills --json
echo "$T_OUT" >"$T_TMP/after.json"
check "next start marks the killed drill interrupted" test "$(jget "$T_TMP/after.json" 0.outcome)" = interrupted
check "next start removed its scratch" test -z "$(ls -A "$LAB/drills")"
check "the interrupted record says the scratch went" test "$(jget "$T_TMP/after.json" 0.scratch_removed)" = true

done_testing
