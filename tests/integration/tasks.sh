#!/bin/sh
# `lifeboat tasks` against the simulator (tests/sim): the recent tasks of PVE
# and PBS nobody at lifeboat started (last night's vzdump with a warning,
# PBS's backups, the failed verify job, prune job, GC) in one list newest
# first; the failed verify makes exit 2 and is marked; with only [pve] the
# warning makes exit 1; `tasks log UPID` pages a long log through the API to
# its end and prints exactly what the server holds, for either product; a 500
# on one product's task list and a hung one each give a clear error naming
# the endpoint while the other product still lists; the token secret never
# shows.
. "$(dirname "$0")/../lib.sh"

for t in python3 openssl; do
    command -v $t >/dev/null || { skip "tasks: $t not installed"; exit 0; }
done
SIM=$TOP/tests/sim
eval "$("$SIM/run" --state-dir "$T_TMP/sim" --auth-delay 0.3 --task-seconds 1)" || {
    fail "the simulator starts"; exit 1; }
at_exit "kill $SIM_PID"
CTL="python3 $SIM/ctl"

C=$T_TMP/lifeboat.conf
cat >"$C" <<EOF
[pve main]
url = $PVE_URL
token_file = $PVE_TOKEN_FILE
fingerprint = $FINGERPRINT

[pbs lab]
url = $PBS_URL
token_file = $PBS_TOKEN_FILE
fingerprint = $FINGERPRINT
datastore = usb-ssd
EOF
chmod 600 "$C"
head -n 5 "$C" >"$T_TMP/pve-only.conf"
chmod 600 "$T_TMP/pve-only.conf"
LB() { "$LIFEBOAT" -c "$C" "$@"; }
pve_secret=$(sed 's/.*=//' "$PVE_TOKEN_FILE")
pbs_secret=$(sed 's/^[^:]*://' "$PBS_TOKEN_FILE")
ALL=$T_TMP/all-output
: >"$ALL"
keep() { printf '%s\n' "$T_OUT" >>"$ALL"; }

# The server's own view of a task's whole log (limit=0: everything at once).
server_log() { # server_log pve|pbs UPID
    python3 - "$1" "$2" "$PVE_URL" "$PBS_URL" "$PVE_TOKEN_FILE" "$PBS_TOKEN_FILE" <<'EOF'
import json, ssl, sys, urllib.parse, urllib.request
prod, upid, pve, pbs, pvet, pbst = sys.argv[1:]
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
base, tok, node = (pve, "PVEAPIToken=" + open(pvet).read().strip(), upid.split(":")[1]) \
    if prod == "pve" else (pbs, "PBSAPIToken=" + open(pbst).read().strip(), "localhost")
path = "/api2/json/nodes/%s/tasks/%s/log?limit=0" % (node, urllib.parse.quote(upid, safe=""))
r = urllib.request.Request(base + path, headers={"Authorization": tok})
for line in json.load(urllib.request.urlopen(r, context=ctx, timeout=10))["data"]:
    print(line["t"].replace("\t", " "))  # lifeboat shows a tab as a blank (str_sanitize)
EOF
}

# ---- the list -------------------------------------------------------------------------
run LB tasks --json
keep
expect_rc "tasks --json: the failed verify job makes exit 2" 2
printf '%s\n' "$T_OUT" >"$T_TMP/tasks.json"
check "tasks --json: both products, exactly the documented fields, newest first" \
    python3 - "$T_TMP/tasks.json" <<'EOF'
import json, sys, datetime
rows = json.load(open(sys.argv[1]))
keys = {"product", "node", "type", "id", "user", "started", "ended", "status", "ok", "upid"}
for r in rows:
    assert set(r) == keys, r
assert {r["product"] for r in rows} == {"pve", "pbs"}, rows
t = [datetime.datetime.fromisoformat(r["started"]).timestamp() for r in rows]
assert t == sorted(t, reverse=True), t
for r in rows:
    assert r["upid"].startswith("UPID:%s:" % r["node"]), r
    assert r["ok"] == (r["status"] == "OK"), r
    if r["ended"] is not None:
        assert datetime.datetime.fromisoformat(r["ended"]).timestamp() >= \
            datetime.datetime.fromisoformat(r["started"]).timestamp(), r
EOF
check "last night's vzdump: PVE, root@pam, ended with a warning, not ok" \
    python3 - "$T_TMP/tasks.json" <<'EOF'
import json, sys
rows = json.load(open(sys.argv[1]))
v = [r for r in rows if r["type"] == "vzdump"]
assert len(v) == 1, v
v = v[0]
assert v["product"] == "pve" and v["node"] == "pve" and v["user"] == "root@pam", v
assert v["status"] == "WARNINGS: 1" and v["ok"] is False and v["ended"], v
EOF
check "PBS: the failed verify job with its error, its real node (not localhost), GC and prune" \
    python3 - "$T_TMP/tasks.json" <<'EOF'
import json, sys
rows = json.load(open(sys.argv[1]))
pbs = {(r["type"], r["id"]): r for r in rows if r["product"] == "pbs"}
v = pbs[("verificationjob", "usb-ssd:v-3f2a9c1e-77d0")]
assert v["status"].startswith("verification failed") and v["ok"] is False, v
assert v["node"] == "pbs", v
assert pbs[("garbage_collection", "usb-ssd")]["ok"] is True
assert pbs[("prunejob", "usb-ssd")]["ok"] is True
assert ("backup", "usb-ssd:ct/103") in pbs, sorted(pbs)
EOF

run LB tasks
keep
expect_rc "tasks (table): exit 2" 2
expect_out "table: the failed verify is marked" "FAILED: verification failed - please check the log for details"
expect_out "table: the vzdump row" "WARNINGS: 1"
expect_out "table: the PBS GC row" "garbage_collection"
check "table: the failed row is the verify job's" sh -c \
    'printf "%s\n" "$1" | grep "FAILED:" | grep -q "verificationjob"' sh "$T_OUT"

run LB tasks --json --limit 3
keep
printf '%s\n' "$T_OUT" >"$T_TMP/three.json"
check "--limit 3: three rows" python3 -c \
    'import json,sys; assert len(json.load(open(sys.argv[1]))) == 3' "$T_TMP/three.json"

run "$LIFEBOAT" -c "$T_TMP/pve-only.conf" tasks --json
keep
expect_rc "only [pve]: the vzdump warning makes exit 1" 1
printf '%s\n' "$T_OUT" >"$T_TMP/pve.json"
check "only [pve]: PVE tasks only" python3 -c \
    'import json,sys; r=json.load(open(sys.argv[1])); assert r and {x["product"] for x in r} == {"pve"}, r' \
    "$T_TMP/pve.json"

# ---- the logs -------------------------------------------------------------------------
VZ=$(python3 -c 'import json,sys; print([r["upid"] for r in json.load(open(sys.argv[1])) if r["type"] == "vzdump"][0])' "$T_TMP/tasks.json")
VF=$(python3 -c 'import json,sys; print([r["upid"] for r in json.load(open(sys.argv[1])) if r["type"] == "verificationjob"][0])' "$T_TMP/tasks.json")
$CTL "$PVE_URL" clear-requests >/dev/null
"$LIFEBOAT" -c "$C" tasks log "$VZ" >"$T_TMP/vz.log" 2>"$T_TMP/vz.err"
rc=$?
cat "$T_TMP/vz.log" "$T_TMP/vz.err" >>"$ALL"
check "tasks log (vzdump): exit 1, the task ended with warnings" test "$rc" = 1
$CTL "$PVE_URL" requests >"$T_TMP/req.txt"
server_log pve "$VZ" >"$T_TMP/vz.server"
check "the vzdump log is long enough to need pages (over 100 lines)" \
    test "$(wc -l <"$T_TMP/vz.server")" -gt 100
check "tasks log (vzdump): line for line the server's whole log" cmp "$T_TMP/vz.log" "$T_TMP/vz.server"
check "the log was read in pages of 50 (three requests for its 114 lines)" python3 - "$T_TMP/req.txt" <<'EOF'
import sys
reqs = [l for l in open(sys.argv[1]) if l.split()[2].endswith("/log")]
assert len(reqs) == 3, reqs
EOF
"$LIFEBOAT" -c "$C" tasks log "$VF" >"$T_TMP/vf.log" 2>"$T_TMP/vf.err"
rc=$?
cat "$T_TMP/vf.log" "$T_TMP/vf.err" >>"$ALL"
check "tasks log (PBS verify job): exit 2, the task failed" test "$rc" = 2
server_log pbs "$VF" >"$T_TMP/vf.server"
check "tasks log (PBS): line for line the server's whole log (a tab shown as a blank)" cmp "$T_TMP/vf.log" "$T_TMP/vf.server"
check "the PBS log ends in its TASK ERROR line" grep -q "^TASK ERROR: verification failed" "$T_TMP/vf.log"

run LB tasks log "not-a-upid"
keep
expect_rc "tasks log with a bad UPID: usage error" 64
run "$LIFEBOAT" -c "$T_TMP/pve-only.conf" tasks log "$VF"
keep
expect_rc "a PBS UPID without [pbs]: config error" 78
expect_out "a PBS UPID without [pbs]: said so" "a PBS task, but"

# ---- one endpoint failing: named, the other still lists -----------------------------------
$CTL "$PVE_URL" fault 500 /cluster/tasks >/dev/null
run LB tasks --json
keep
expect_rc "500 on PVE's task list: exit 2" 2
expect_out "500 on PVE: the endpoint named" "GET /cluster/tasks of PVE 'main'"
expect_out "500 on PVE: the server's words" "simulated failure"
printf '%s\n' "$T_OUT" | sed -n '/^\[/,/^\]/p' >"$T_TMP/p500.json"
check "500 on PVE: PBS still lists its tasks" python3 -c \
    'import json,sys; r=json.load(open(sys.argv[1])); assert r and {x["product"] for x in r} == {"pbs"}, r' \
    "$T_TMP/p500.json"
$CTL "$PVE_URL" fault none >/dev/null

$CTL "$PBS_URL" fault hang /nodes/localhost/tasks >/dev/null
run LB tasks --timeout 2s
keep
expect_rc "hung PBS task list: exit 2" 2
expect_out "hung PBS: the endpoint named" "GET /nodes/localhost/tasks of PBS 'lab'"
expect_out "hung PBS: a timeout, said so" "in time"
expect_out "hung PBS: PVE still lists last night's vzdump" "vzdump"
$CTL "$PBS_URL" fault none >/dev/null

check "no output ever shows a token secret" sh -c \
    '! grep -qF -e "$1" -e "$2" "$3"' sh "$pve_secret" "$pbs_secret" "$ALL"

done_testing
