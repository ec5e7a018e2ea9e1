#!/bin/sh
# The console closed while the cloud restore drill restores (demo lab, 80x24,
# screen 7, s; the wizard owns the keyboard, so q cannot quit): SIGTERM. The
# console waits for restic to stop,
# removes the drill's scratch copy and records the drill "interrupted" with
# a note saying so; restic is not left running and nothing leaks. Then the
# same with the terminal itself going away (SIGHUP). Closed at the summary,
# before anything was restored, the drill is recorded cancelled, saying so.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/tmux.sh"

for t in tmux restic rclone python3; do
    command -v $t >/dev/null || { skip "drill quit e2e: $t not installed"; exit 0; }
done
LAB=$T_TMP/lab
"$LIFEBOAT" demo "$LAB" --setup-only >"$T_TMP/setup.out" 2>&1 ||
    { fail "demo lab built"; cat "$T_TMP/setup.out"; exit 1; }
conf=$LAB/lifeboat.conf
# the cloud's password comes from a command: once $T_TMP/slow exists, the next
# restic restore asking for it (the drill's) waits on it
cat >"$T_TMP/pwcmd.sh" <<EOF
#!/bin/sh
# only restic restore waits (the console reads the repos meanwhile too)
if [ -e "$T_TMP/slow" ] && tr '\\0' ' ' </proc/\$PPID/cmdline | grep -q ' restore '; then
    rm -f "$T_TMP/slow"
    echo \$PPID >"$T_TMP/restic.pid"
    echo \$\$ >"$T_TMP/sleep.pid"
    exec sleep 60
fi
cat "$LAB/secrets/cloud.pass"
EOF
grep -q "^password_file = $LAB/secrets/cloud.pass\$" "$conf" || { fail "the lab's cloud password_file"; exit 1; }
sed -i "s|^password_file = $LAB/secrets/cloud.pass\$|password_command = sh $T_TMP/pwcmd.sh|" "$conf"

cat >"$T_TMP/console.sh" <<EOF
"$LIFEBOAT" demo "$LAB"
echo "EXIT=\$?"
exec sleep 120
EOF

# start_drill NAME: console up, screen 7, s, the drill restoring (restic waits)
start_drill() {
    rm -f "$T_TMP/restic.pid" "$T_TMP/sleep.pid"
    # shellcheck disable=SC2046
    tmux_start "$1" 80 24 "sh $T_TMP/console.sh" $(sanitizer_env "$2")
    wait_for "cloud" "$1" || return 1
    cloud_read() { screen "$PANE" | grep -E "^(│|\|) cloud " | grep -qE " [0-9]+[smhdw] "; }
    PANE=$1 wait_until cloud_read || return 1
    keys "$1" 7
    wait_for "restore drills" "$1" >/dev/null || return 1
    keys "$1" s
    wait_for "Which restore point?" "$1" >/dev/null || return 1
    keys "$1" Enter Enter
    wait_for "Summary: nothing has been restored yet" "$1" >/dev/null || return 1
    : >"$T_TMP/slow"
    keys "$1" Enter
    PANE=$1 wait_until test -s "$T_TMP/sleep.pid"
}

# gone PID: the process has ended
gone() { ! kill -0 "$1" 2>/dev/null; }

# check_record WHAT: the newest record is the cloud drill, interrupted, with the note
check_record() {
    run "$LIFEBOAT" -c "$conf" drills --json
    printf '%s\n' "$T_OUT" >"$T_TMP/after.json"
    check "$1: the drill is recorded interrupted, saying why" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))[0]
assert d["kind"] == "cloud" and d["outcome"] == "interrupted", d
assert "console closed while the drill ran" in d["error"], d
assert d["scratch_removed"], d' "$T_TMP/after.json"
    check "$1: the scratch copy is gone" test -z "$(ls -A "$LAB/drills" 2>/dev/null)"
}

SAN=$T_TMP/san
check "the drill restores (restic runs)" start_drill app "$SAN"
check "the scratch copy was made" test -n "$(ls -A "$LAB/drills" 2>/dev/null)"
restic_pid=$(cat "$T_TMP/restic.pid")
kill_at_exit "$restic_pid"
kill_at_exit "$(cat "$T_TMP/sleep.pid")"
check "restic runs" kill -0 "$restic_pid"
lb_pid=$(pgrep -P "$(pane_pid app)" -x lifeboat | head -n 1)
check "the console's process is found" test -n "$lb_pid"
kill -TERM "$lb_pid" # the console is told to stop (kill, shutdown)
check "the console quits" wait_for "EXIT=" app 30
check "restic is not left running" gone "$restic_pid"
check_record "SIGTERM"
sanitizer_check "SIGTERM mid-drill: no sanitizer report" "$SAN"

SAN2=$T_TMP/san2
check "the drill restores again" start_drill app2 "$SAN2"
restic_pid=$(cat "$T_TMP/restic.pid")
kill_at_exit "$restic_pid"
kill_at_exit "$(cat "$T_TMP/sleep.pid")"
lb_pid=$(pgrep -P "$(pane_pid app2)" -x lifeboat | head -n 1)
tm kill-session -t app2 # the terminal goes away (SIGHUP)
check "restic is stopped" wait_until gone "$restic_pid"
check "the console's process is found" test -n "$lb_pid"
check "the console ends" wait_until gone "$lb_pid"
check_record "SIGHUP"
sanitizer_check "terminal closed mid-drill: no sanitizer report" "$SAN2"


SAN3=$T_TMP/san3
# shellcheck disable=SC2046
tmux_start app3 80 24 "sh $T_TMP/console.sh" $(sanitizer_env "$SAN3")
wait_for "cloud" app3 >/dev/null
PANE=app3
cloud_read3() { screen app3 | grep -E "^(│|\|) cloud " | grep -qE " [0-9]+[smhdw] "; }
wait_until cloud_read3
keys app3 7
wait_for "restore drills" app3 >/dev/null
keys app3 s
wait_for "Which restore point?" app3 >/dev/null
keys app3 Enter Enter
check "at the summary" wait_for "Summary: nothing has been restored yet" app3
lb_pid=$(pgrep -P "$(pane_pid app3)" -x lifeboat | head -n 1)
check "the console's process is found" test -n "$lb_pid"
kill -TERM "$lb_pid"
check "the console quits" wait_for "EXIT=" app3 30
run "$LIFEBOAT" -c "$conf" drills --json
printf '%s\n' "$T_OUT" >"$T_TMP/summary.json"
check "closed at the summary: the drill is recorded cancelled, nothing restored" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))[0]
assert d["kind"] == "cloud" and d["outcome"] == "cancelled", d
assert "console closed at the drill" in d["error"] and "nothing was restored" in d["error"], d' "$T_TMP/summary.json"
check "closed at the summary: scratch stays empty" test -z "$(ls -A "$LAB/drills" 2>/dev/null)"
sanitizer_check "closed at the summary: no sanitizer report" "$SAN3"

done_testing
