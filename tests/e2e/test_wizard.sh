#!/bin/sh
# The cloud restore drill walked in the console at 80x24, as an operator
# would: screen 7, s, a restore point, a sample scope, the summary (nothing
# restored yet, target in scratch), Start, the result with RTO/RPO against
# targets; the record is then listed by `lifeboat drills`, the scratch is
# empty, and a wizard cancelled at the summary leaves a cancelled record.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/tmux.sh"

for t in tmux restic rclone python3; do
    command -v $t >/dev/null || { skip "wizard e2e: $t not installed"; exit 0; }
done
LAB=$T_TMP/lab
SAN=$T_TMP/san
"$LIFEBOAT" demo "$LAB" --setup-only >"$T_TMP/setup.out" 2>&1 ||
    { fail "demo lab built"; cat "$T_TMP/setup.out"; exit 1; }
conf=$LAB/lifeboat.conf

cat >"$T_TMP/console.sh" <<EOF
"$LIFEBOAT" demo "$LAB"
echo "EXIT=\$?"
exec sleep 120
EOF
# shellcheck disable=SC2046
tmux_start app 80 24 "sh $T_TMP/console.sh" $(sanitizer_env "$SAN")
wait_for "cloud" app || { fail "console started"; exit 1; }
# the wizard offers the cached snapshots and paths: wait until the cloud was read
cloud_read() { screen app | grep -E "^(│|\|) cloud " | grep -qE " [0-9]+[smhdw] "; }
check "the cloud repo was read" wait_until cloud_read
keys app 7
check "screen 7 shows the drill cadence" wait_for "restore drills"
check "the cloud drill never passed yet" wait_for "never passed"
keys app s
check "s opens the wizard at step 1" wait_for "step 1 of 5"
check "step 1 asks for the restore point" wait_for "Which restore point?"
keys app Enter
check "step 2 asks for the scope" wait_for "Restore everything, or a sample?"
keys app Enter
check "step 3 reads the restore point and sums up" wait_for "Summary: nothing has been restored yet"
check "the summary names the scratch target" wait_for "$LAB/drills/"
check "the summary shows the RPO against its target" wait_for "target 8d"
check "nothing restored before Start" test -z "$(ls -A "$LAB/drills" 2>/dev/null)"
keys app Enter
check "the drill passes" wait_for "Drill passed" app 60
check "the result shows the RTO against its target" wait_for "target 1d"
check "the result says the scratch was removed" wait_for "removed"
check "the result says it was verified" wait_for "byte-identical to restic dump"
check "scratch is empty after the drill" test -z "$(ls -A "$LAB/drills" 2>/dev/null)"
keys app Enter
check "Done closes the wizard: the record lists the drill" wait_for "drill record"
check "the cadence now says when it is due" wait_for "due in"

# a wizard cancelled at the summary leaves a record that says so
keys app s
wait_for "step 1 of 5" >/dev/null
keys app Enter Enter
check "summary again" wait_for "Summary: nothing has been restored yet"
keys app Tab Enter
check "Cancel closes the wizard" wait_for "drill record"
keys app q
check "q quits the console" wait_for "EXIT=0"
sanitizer_check "no sanitizer report" "$SAN"

run "$LIFEBOAT" -c "$conf" drills --json
printf '%s\n' "$T_OUT" >"$T_TMP/list.json"
check "the console's drill is recorded ok and verified" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
outs = [x["outcome"] for x in d]
assert outs[0] == "cancelled", outs
ok = [x for x in d if x["outcome"] == "ok"]
assert len(ok) == 1 and ok[0]["verified"] and ok[0]["scratch_removed"], ok
assert ok[0]["scope"] == "everything", ok[0]["scope"]' "$T_TMP/list.json"

done_testing
