#!/bin/sh
# Checklists with evidence from a recorded history: the weekly checklist
# fails its rollback-drill item before any drill and ticks it, with the RTO,
# once `lifeboat drill rollback` passed (against the Proxmox simulator); a
# password file older than a month fails the credentials item; items only the
# operator can answer stay "to confirm in the console" headless; the monthly
# --report is Markdown listing the month's drills and the recorded runs.
. "$(dirname "$0")/../lib.sh"

command -v python3 >/dev/null || { skip "checklist: python3 not installed"; exit 0; }
SIM=$TOP/tests/sim
eval "$("$SIM/run" --state-dir "$T_TMP/sim" --auth-delay 0.2 --task-seconds 0.2)" || {
    fail "the simulator starts"; exit 1; }
at_exit "kill $SIM_PID"
secret_file "$T_TMP/old.pass" "correct horse battery staple"
touch -d '40 days ago' "$T_TMP/old.pass"
C=$T_TMP/lifeboat.conf
cat >"$C" <<EOF
[pve lab]
url = $PVE_URL
token_file = $PVE_TOKEN_FILE
fingerprint = $FINGERPRINT

[repo usb]
url = $T_TMP/repo
password_file = $T_TMP/old.pass

[drill]
rollback_vmid = 9000
restore_vmid_range = 9100-9110
scratch = $T_TMP/scratch
EOF
chmod 600 "$C"
LB() { "$LIFEBOAT" -c "$C" "$@"; }
jitem() { python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
print([i for i in d["items"] if i["key"] == sys.argv[2]][0][sys.argv[3]])' "$@"; }

LB checklist weekly --json >"$T_TMP/w1.json" 2>&1
T_RC=$?
expect_rc "weekly before any drill: an item failed, exit 2" 2
check "rollback drill item failed before a drill" test "$(jitem "$T_TMP/w1.json" weekly.rollback_drill state)" = failed
check "old password file fails the credentials item" sh -c "test \"$(jitem "$T_TMP/w1.json" weekly.creds state)\" = failed && echo '$(jitem "$T_TMP/w1.json" weekly.creds evidence)' | grep -q 'repo usb password file changed'"
check "cloud credentials are the operator's to confirm" test "$(jitem "$T_TMP/w1.json" weekly.cloud_creds manual)" = True
check "a headless run never ticks a manual item" test "$(jitem "$T_TMP/w1.json" weekly.cloud_creds state)" = unknown

run LB drill rollback --json
expect_rc "rollback drill passes" 0
touch "$T_TMP/old.pass"
LB checklist weekly --json >"$T_TMP/w2.json" 2>&1
check "rollback drill item ticked after the drill" test "$(jitem "$T_TMP/w2.json" weekly.rollback_drill state)" = ok
check "its evidence names the drill and its RTO" sh -c "echo '$(jitem "$T_TMP/w2.json" weekly.rollback_drill evidence)' | grep -q 'rollback drill passed .* ago, RTO .* (target 15m)'"
check "a fresh password file passes" test "$(jitem "$T_TMP/w2.json" weekly.creds state)" = ok
run LB checklist weekly
expect_out "text: manual items say where to confirm" "to confirm in the console"

run LB checklist monthly --report
expect_out "report is Markdown" "# lifeboat monthly checklist"
expect_out "report lists the month's rollback drill" "| rollback | ok | lifeboat-drill-"
expect_out "report lists the recorded weekly runs" "weekly: open"
run LB checklist yearly
expect_rc "unknown checklist: usage error" 64
done_testing
