#!/bin/sh
# The "Restore a guest from PBS" wizard on screen 7 at 80x24 in tmux on the
# demo lab (its Proxmox simulator): P opens it; guest -> newest backup -> a
# new VMID -> summary -> the task followed -> "Guest restored" with the
# record, which is stored (kind restore-guest, ok) and the new guest exists.
# Then over the original: the loss preview names the snapshots that will be
# gone and asks for VMID-NAME typed; a wrong word leaves the Replace button
# dead, nothing is restored and nothing recorded.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/tmux.sh"

for t in tmux python3; do
    command -v $t >/dev/null || { skip "restore guest e2e: $t not installed"; exit 0; }
done
LAB=$T_TMP/lab
SAN=$T_TMP/san
"$LIFEBOAT" demo "$LAB" --setup-only >"$T_TMP/setup.out" 2>&1 ||
    { fail "demo lab built"; cat "$T_TMP/setup.out"; exit 1; }
conf=$LAB/lifeboat.conf
grep -q '^\[pve ' "$conf" || { skip "restore guest e2e: the demo lab has no Proxmox simulator"; exit 0; }
DB=$XDG_STATE_HOME/lifeboat/lifeboat.db

cat >"$T_TMP/console.sh" <<EOS
"$LIFEBOAT" demo "$LAB"
echo "EXIT=\$?"
exec sleep 120
EOS
records() { python3 -c '
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
print(" ".join(r[0] + ":" + r[1] + ":" + r[2] for r in c.execute(
    "select kind, outcome, target from drills where kind = ? order by id", ("restore-guest",))))' "$DB"; }

# shellcheck disable=SC2046
tmux_start app 80 24 "sh $T_TMP/console.sh" $(sanitizer_env "$SAN")
wait_for "Overview" app || wait_for "cloud" app || { fail "console started"; screen app; exit 1; }
keys app 7
check "screen 7 shows the drills" wait_for "restore drills"

# --- to a new VMID ---
keys app P
check "P opens the restore wizard" wait_for "Restore a guest from PBS"
check "it lists the guests with backups" wait_for "pfsense"
keys app Enter
check "step 2 asks which backup" wait_for "Which backup?"
check "a backup shows its verify state" wait_for "verify "
keys app Enter
check "step 3 offers the next free VMID" wait_for "a new guest, VMID 105 (the next free one)"
keys app Enter
check "the summary says nothing has changed yet" wait_for "Summary: nothing has been changed yet"
check "the summary names the new guest" wait_for "new guest 105 on pve"
keys app Enter
check "the restore ends restored" wait_for "Guest restored" app 90
check "the result shows the record" wait_for "(drill record, kind restore-guest)"
check "the result says the config was compared" wait_for "config equal to the backup's"
rec=$(records)
check "the record: restore-guest ok into new guest 105 ($rec)" test "$rec" = "restore-guest:ok:new guest 105 on pve"
keys app Enter
check "Done closes the wizard" wait_for "restore drills"

# --- over the original: the loss preview and a typed VMID-NAME ---
keys app P
check "P opens it again" wait_for "pfsense"
keys app Enter
wait_for "Which backup?" >/dev/null
keys app Enter
wait_for "Restore into?" >/dev/null
keys app Down Down
keys app Enter
check "over the original: the loss preview" wait_for "Over the original: this is what is lost"
check "the preview names the snapshots that will be gone" wait_for "2 gone: weekly pre-upgrade"
check "the preview says a running guest is shut down cleanly first" wait_for "clean shutdown"
check "it asks for VMID-NAME typed" wait_for "type 100-pfsense to confirm"
keys app -l "100-pfsens"
keys app -l "x"
keys app Enter
check "a wrong word: still on the loss preview" wait_for "Over the original: this is what is lost"
check "a wrong word: the typed text stays for correction" wait_for "100-pfsensx"
check "a wrong word: nothing restored or recorded" test "$(records)" = "$rec"
keys app Tab
keys app Enter
check "Cancel closes the wizard" wait_for "restore drills"
check "after cancel: still nothing recorded" test "$(records)" = "$rec"

keys app q
check "q quits the console" wait_for "EXIT=0"
sanitizer_check "no sanitizer report" "$SAN"
done_testing
