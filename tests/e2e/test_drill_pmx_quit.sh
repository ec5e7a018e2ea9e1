#!/bin/sh
# The console closed (SIGTERM, as a shutdown or `kill` does) while the
# rollback drill waits on a Proxmox task (demo lab, 80x24, screen 7, R): the
# record says "interrupted" and that the started task goes on in PVE; no
# sanitizer report (nothing leaks). The next rollback drill removes what the
# interrupted one left and passes. The same for the guest restore from PBS
# (P): closed while its restore task runs, recorded interrupted, the task
# going on in PVE said, nothing leaked.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/tmux.sh"

for t in tmux restic rclone python3; do
    command -v $t >/dev/null || { skip "pmx drill quit e2e: $t not installed"; exit 0; }
done
LAB=$T_TMP/lab
"$LIFEBOAT" demo "$LAB" --setup-only >"$T_TMP/setup.out" 2>&1 ||
    { fail "demo lab built"; cat "$T_TMP/setup.out"; exit 1; }
conf=$LAB/lifeboat.conf
cat >"$T_TMP/console.sh" <<EOS
"$LIFEBOAT" demo "$LAB"
echo "EXIT=\$?"
exec sleep 120
EOS

# rollback NAME SANDIR: console up, screen 7, R, the word typed, started
rollback() {
    # shellcheck disable=SC2046
    tmux_start "$1" 80 24 "sh $T_TMP/console.sh" $(sanitizer_env "$2")
    wait_for "Overview" "$1" >/dev/null || wait_for "cloud" "$1" >/dev/null || return 1
    keys "$1" 7
    wait_for "restore drills" "$1" >/dev/null || return 1
    keys "$1" R
    wait_for "Type 'rollback' to start." "$1" >/dev/null || return 1
    keys "$1" -l rollback
    keys "$1" Enter
}
gone() { ! kill -0 "$1" 2>/dev/null; }

SAN=$T_TMP/san
check "the rollback drill starts" rollback app "$SAN"
# the drill's snapshot task runs in PVE (the simulator's tasks take 2 s)
check "the drill waits on its snapshot task" wait_for "snapshotting"
lb_pid=$(pgrep -P "$(pane_pid app)" -x lifeboat | head -n 1)
check "the console's process is found" test -n "$lb_pid"
kill -TERM "$lb_pid"
check "the console ends" wait_for "EXIT=" app 30
run "$LIFEBOAT" -c "$conf" drills --json
printf '%s\n' "$T_OUT" >"$T_TMP/after.json"
check "the drill is recorded interrupted: its task goes on in PVE" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))[0]
assert d["kind"] == "rollback" and d["outcome"] == "interrupted", d
assert "lifeboat stopped before the drill finished" in d["error"], d
assert "go on in PVE" in d["error"] or "goes on in PVE" in d["error"], d' "$T_TMP/after.json"
sanitizer_check "closed mid-task: no sanitizer report" "$SAN"

SAN2=$T_TMP/san2
check "the next rollback drill starts" rollback app2 "$SAN2"
check "the next rollback drill passes" wait_for "Drill passed" app2 60
keys app2 Enter
wait_for "restore drills" app2 >/dev/null
keys app2 q
check "q quits" wait_for "EXIT=0" app2
sanitizer_check "the next drill: no sanitizer report" "$SAN2"

# --- the guest restore from PBS, closed while its restore task runs ---
SAN3=$T_TMP/san3
# shellcheck disable=SC2046
tmux_start app3 80 24 "sh $T_TMP/console.sh" $(sanitizer_env "$SAN3")
wait_for "Overview" app3 >/dev/null || wait_for "cloud" app3 >/dev/null
keys app3 7
wait_for "restore drills" app3 >/dev/null
keys app3 P
wait_for "pfsense" app3 >/dev/null
keys app3 Enter
wait_for "Which backup?" app3 >/dev/null
keys app3 Enter
wait_for "Restore into?" app3 >/dev/null
keys app3 Enter
check "guest restore: the summary" wait_for "Summary: nothing has been changed yet" app3
keys app3 Enter
check "guest restore: its task runs" wait_for "Restoring" app3
lb_pid=$(pgrep -P "$(pane_pid app3)" -x lifeboat | head -n 1)
check "guest restore: the console's process is found" test -n "$lb_pid"
kill -TERM "$lb_pid"
check "guest restore: the console ends" wait_for "EXIT=" app3 30
run "$LIFEBOAT" -c "$conf" drills --json
printf '%s\n' "$T_OUT" >"$T_TMP/guest.json"
check "guest restore: recorded interrupted, its task going on in PVE" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))[0]
assert d["kind"] == "restore-guest" and d["outcome"] == "interrupted", d
assert "goes on in PVE" in d["error"], d' "$T_TMP/guest.json"
sanitizer_check "guest restore closed mid-task: no sanitizer report" "$SAN3"
done_testing
