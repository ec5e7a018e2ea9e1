#!/bin/sh
# Screen 7's chores at 80x24 in tmux on the demo lab: the daily checklist
# wizard (lifeboat's evidence, then the item only the operator can answer
# confirmed with a typed note; the run is saved with the item confirmed and
# the note), the rollback and PBS drill wizards against the demo's Proxmox
# simulator (typed confirmation, steps live, passed, recorded), and the key
# rotation wizard on a password_file repo (the repo
# name typed, the rotation run, the new password file opens the repo and the
# old password no longer does).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/tmux.sh"

for t in tmux restic python3; do
    command -v $t >/dev/null || { skip "chores e2e: $t not installed"; exit 0; }
done
LAB=$T_TMP/lab
SAN=$T_TMP/san
"$LIFEBOAT" demo "$LAB" --setup-only >"$T_TMP/setup.out" 2>&1 ||
    { fail "demo lab built"; cat "$T_TMP/setup.out"; exit 1; }
conf=$LAB/lifeboat.conf
DB=$XDG_STATE_HOME/lifeboat/lifeboat.db

cat >"$T_TMP/console.sh" <<EOS
"$LIFEBOAT" demo "$LAB"
echo "EXIT=\$?"
exec sleep 120
EOS
# shellcheck disable=SC2046
tmux_start app 80 24 "sh $T_TMP/console.sh" $(sanitizer_env "$SAN")
wait_for "Overview" app || wait_for "cloud" app || { fail "console started"; screen app; exit 1; }
keys app 7
check "screen 7 shows the drills" wait_for "restore drills"
check "the cadence panel says no monthly checklist was recorded" wait_for "no monthly checklist recorded"
check "the cadence panel counts the secrets due for rotation" wait_for "due for rotation"
[ -n "${SHOW_SCREEN:-}" ] && screen app >"$SHOW_SCREEN"

# --- the daily checklist ---
keys app c
check "c opens the checklist wizard" wait_for "Which checklist?"
keys app Enter
check "step 2 shows what lifeboat found" wait_for "What lifeboat found"
check "an item only the operator answers is marked" wait_for "you confirm this next"
keys app Enter
check "the manual item asks its question" wait_for "PBS task log clean"
keys app -l "looked at the task list"
check "the note is typed into the step" wait_for "looked at the task list_"
keys app Enter
check "the run is saved" wait_for "Checklist saved"
check "the result names the recorded run" wait_for "checklist run"
keys app Enter
check "Done closes the wizard" wait_for "restore drills"
check "the confirmed item is stored with the note" python3 -c '
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
rows = c.execute("select i.state, i.note, r.kind from checklist_items i join checklist_runs r on r.id = i.run_id where i.key = ?", ("daily.pbs_logs",)).fetchall()
assert rows == [("confirmed", "looked at the task list", "daily")], rows' "$DB"

# --- key rotation of a password_file repo ---
repo=$(sed -n 's/^\[repo \(.*\)\]$/\1/p' "$conf" | head -n 1)
pf=$(awk -v r="[repo $repo]" '$0 == r {on=1; next} /^\[/ {on=0} on && $1 == "password_file" {print $3}' "$conf")
url=$(awk -v r="[repo $repo]" '$0 == r {on=1; next} /^\[/ {on=0} on && $1 == "url" {print $3}' "$conf")
if [ -n "$pf" ]; then
    cp "$pf" "$T_TMP/old.pass"
    keys app K
    check "K opens the key rotation wizard" wait_for "Rotate the key of which repo?"
    keys app Enter
    check "the summary names the repo and asks for its name" wait_for "Type the repo name"
    check "nothing has been changed yet" wait_for "Summary: nothing has been changed yet"
    keys app -l "$repo"
    keys app Enter
    check "the rotation ends rotated" wait_for "Key rotated" app 60
    keys app Enter
    check "the new password file opens the repo" restic --no-cache --repo "$url" --password-file "$pf" key list
    check "the old password no longer does" sh -c "! restic --no-cache --repo '$url' --password-file '$T_TMP/old.pass' key list"
else
    skip "the demo's first repo has no password_file"
fi

# --- the rollback drill on the test guest ---
keys app R
check "R opens the rollback drill wizard" wait_for "Rollback drill"
check "the summary names the test guest" wait_for "9000 ([drill] rollback_vmid"
keys app Enter
check "Enter before the word is typed neither starts nor cancels" wait_for "Type 'rollback' to start."
keys app -l rollback
keys app Enter
check "the rollback drill passes" wait_for "Drill passed" app 60
check "its RTO is shown against the target" wait_for "target 15m"
keys app Enter
check "Done closes the wizard" wait_for "restore drills"

# --- the PBS drill into the drill range ---
keys app p
check "p opens the PBS drill wizard" wait_for "PBS restore drill"
keys app Enter
check "the summary names the VMID range" wait_for "the first free VMID of 9100-9199"
keys app Enter
check "the PBS drill passes" wait_for "Drill passed" app 90
target_in_range() { screen app | grep -qE "Target +.*\b91[0-9][0-9]\b"; }
check "it restored into a VMID of the drill range" wait_until target_in_range
keys app Enter
check "both drills are recorded ok" sh -c "'$LIFEBOAT' -c '$conf' drills --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
kinds = sorted(x[\"kind\"] for x in d if x[\"outcome\"] == \"ok\")
assert kinds == [\"pbs\", \"rollback\"], kinds'"

keys app q
check "q quits the console" wait_for "EXIT=0"
sanitizer_check "no sanitizer report" "$SAN"
done_testing
