#!/bin/sh
# The rollback and PBS drills against the Proxmox simulator (tests/sim): the
# rollback drill snapshots only rollback_vmid, rolls back, confirms status and
# config digest, removes its snapshot; a drill whose rollback fails is
# recorded failed and its leftover snapshot is removed by the next drill; the
# PBS drill restores the newest backup into the first FREE VMID of the range
# (an occupied one is skipped and left alone), compares the config, starts
# it, destroys it; records in `drills --json`; no range / no guest refused.
. "$(dirname "$0")/../lib.sh"

command -v python3 >/dev/null || { skip "drill_pve: python3 not installed"; exit 0; }
SIM=$TOP/tests/sim
eval "$("$SIM/run" --state-dir "$T_TMP/sim" --auth-delay 0.2 --task-seconds 0.3)" || {
    fail "the simulator starts"; exit 1; }
at_exit "kill $SIM_PID"
CTL="python3 $SIM/ctl"

C=$T_TMP/lifeboat.conf
cat >"$C" <<EOF
[pve lab]
url = $PVE_URL
token_file = $PVE_TOKEN_FILE
fingerprint = $FINGERPRINT

[drill]
rollback_vmid = 9000
restore_vmid_range = 9100-9110
scratch = $T_TMP/scratch
EOF
chmod 600 "$C"
LB() { "$LIFEBOAT" -c "$C" "$@"; }
# api METHOD PATH [k=v ...]: the simulator's answer's "data" as JSON
api() { python3 - "$PVE_URL" "$PVE_TOKEN_FILE" "$@" <<'EOF'
import json, ssl, sys, urllib.request, urllib.parse
url, tok, method, path = sys.argv[1:5]
form = dict(a.split("=", 1) for a in sys.argv[5:])
ctx = ssl._create_unverified_context()
req = urllib.request.Request(url + "/api2/json" + path, method=method,
                             data=urllib.parse.urlencode(form).encode() if form else None,
                             headers={"Authorization": "PVEAPIToken=" + open(tok).read().strip()})
print(json.dumps(json.load(urllib.request.urlopen(req, context=ctx))["data"]))
EOF
}
jget() { python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    d = d[int(k)] if isinstance(d, list) else d[k]
print("null" if d is None else (str(d).lower() if isinstance(d, bool) else d))' "$@"; }
snaps() { api GET /nodes/pve/qemu/"$1"/snapshot | python3 -c 'import json,sys
print(" ".join(sorted(s["name"] for s in json.load(sys.stdin) if s["name"] != "current")))'; }
guests() { api GET "/cluster/resources?type=vm" | python3 -c 'import json,sys
print(" ".join(str(g["vmid"]) for g in sorted(json.load(sys.stdin), key=lambda g: g["vmid"])))'; }
digest() { api GET /nodes/pve/qemu/"$1"/config | python3 -c 'import json,sys; print(json.load(sys.stdin)["digest"])'; }

before_snaps=$(snaps 9000)
before_digest=$(digest 9000)
before_100=$(snaps 100)

# ---- rollback drill
LB drill rollback --yes --json >"$T_TMP/rb.json" 2>"$T_TMP/rb.err"
T_RC=$?
T_OUT=$(cat "$T_TMP/rb.json" "$T_TMP/rb.err")
expect_rc "rollback drill exits 0" 0
check "rollback: outcome ok" test "$(jget "$T_TMP/rb.json" outcome)" = ok
check "rollback: verified" test "$(jget "$T_TMP/rb.json" verified)" = true
check "rollback: target is the test guest" test "$(jget "$T_TMP/rb.json" target)" = "vm 9000 drill-test"
check "rollback: RTO measured" python3 -c "import json,sys; d=json.load(open('$T_TMP/rb.json')); sys.exit(not (d['rto_seconds'] > 0 and d['rto_target_seconds'] == 900))"
check "rollback: the drill snapshot is gone, the others are kept" test "$(snaps 9000)" = "$before_snaps"
check "rollback: config digest as before" test "$(digest 9000)" = "$before_digest"
check "rollback: no other guest was touched" test "$(snaps 100)" = "$before_100"
check "rollback: the restore point is the drill snapshot" sh -c "echo '$(jget "$T_TMP/rb.json" restore_point.id)' | grep -q '^lifeboat-drill-'"

# ---- a rollback that fails: recorded failed, the leftover removed by the next drill
$CTL "$PVE_URL" fault 500 /nodes/pve/qemu/9000/snapshot/lifeboat-drill >/dev/null
LB drill rollback --json >"$T_TMP/rb2.json" 2>"$T_TMP/rb2.err"
T_RC=$?
T_OUT=$(cat "$T_TMP/rb2.json")
expect_rc "failing rollback exits 2" 2
check "failing rollback: outcome failed" test "$(jget "$T_TMP/rb2.json" outcome)" = failed
expect_out "failing rollback: the error names the step" "the rollback"
left=$(snaps 9000)
check "failing rollback: a lifeboat-drill snapshot left" sh -c "echo '$left' | grep -q lifeboat-drill-"
$CTL "$PVE_URL" fault none >/dev/null
LB drill rollback >"$T_TMP/rb3.out" 2>"$T_TMP/rb3.err"
T_RC=$?
expect_rc "next rollback drill exits 0" 0
check "next drill removed the leftover first" grep -q "left by an interrupted drill" "$T_TMP/rb3.err"
check "no drill snapshot remains" test "$(snaps 9000)" = "$before_snaps"

# ---- PBS drill: 9100 is taken, so 9101
old101=$(api GET "/nodes/pve/storage/pbs-usb/content?vmid=101" | python3 -c "import json,sys; print(max(json.load(sys.stdin), key=lambda b: b[\"ctime\"])[\"volid\"])")
api POST /nodes/pve/qemu vmid=9100 "archive=$old101" >/dev/null
i=0
until guests | grep -qw 9100 || [ $i -ge 50 ]; do sleep 0.2; i=$((i + 1)); done
check "9100 occupied before the PBS drill" sh -c "echo '$(guests)' | grep -qw 9100"
newest=$(api GET '/nodes/pve/storage/pbs-usb/content?vmid=100' | python3 -c 'import json,sys; print(max(json.load(sys.stdin), key=lambda b: b["ctime"])["volid"])')
LB drill pbs --guest 100 --start --json >"$T_TMP/pbs.json" 2>"$T_TMP/pbs.err"
T_RC=$?
T_OUT=$(cat "$T_TMP/pbs.json" "$T_TMP/pbs.err")
expect_rc "pbs drill exits 0" 0
check "pbs: outcome ok, verified" test "$(jget "$T_TMP/pbs.json" outcome)/$(jget "$T_TMP/pbs.json" verified)" = ok/true
check "pbs: restored into 9101 (9100 is taken)" test "$(jget "$T_TMP/pbs.json" target)" = "new guest 9101 on pve"
check "pbs: the newest backup of guest 100 used" sh -c "test \"$(jget "$T_TMP/pbs.json" scope)\" = \"newest backup of guest 100: $newest\""
expect_out "pbs: started and seen running" "started and running"
phases=$(jget "$T_TMP/pbs.json" phases)
check "pbs: every phase timed ($phases)" sh -c "echo '$phases' | grep -q 'restore .*verify .*start .*stop .*destroy'"
check "pbs: 9101 destroyed, 9100 left alone" sh -c "g='$(guests)'; echo \"\$g\" | grep -qw 9100 && ! echo \"\$g\" | grep -qw 9101"

# ---- a guest without backups: refused before anything is restored
LB drill pbs --guest 104 --json >"$T_TMP/pbs2.json" 2>/dev/null
T_RC=$?
T_OUT=$(cat "$T_TMP/pbs2.json")
expect_rc "pbs drill of a guest without backups exits 2" 2
expect_out "pbs: says the guest has no backup" "guest 104 has no backup on storage pbs-usb"

# ---- records and refusals
run LB drills --json
printf '%s\n' "$T_OUT" >"$T_TMP/list.json"
check "drills --json: five records, newest first" python3 -c "import json; d=json.load(open('$T_TMP/list.json')); k=[r['kind']+':'+r['outcome'] for r in d]; assert k == ['pbs:failed','pbs:ok','rollback:ok','rollback:failed','rollback:ok'], k"
sed -i '/rollback_vmid/d' "$C"
run LB drill rollback
expect_rc "no rollback_vmid: config error" 78
expect_out "no rollback_vmid: says which key" "set [drill] rollback_vmid"
done_testing
