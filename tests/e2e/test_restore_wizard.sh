#!/bin/sh
# The Restore files wizard walked in the console at 80x24 on a real restic
# repo: screen 7, f, the repo, the snapshots newest first (time and host),
# the snapshot's tree (into a directory, a file marked with Space, its size,
# a control character in a name shown harmless, Backspace up), the scratch
# target, the summary (nothing written yet), the restore, the record; the
# restored file equals the source and `lifeboat drills --json` lists it.
# Then over the original location: the summary names the overwritten file,
# Enter alone writes nothing, typing "original" restores exactly that file.
# Last, the terminal closes while restic restores: the record says
# interrupted and the console leaves no leak behind.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/tmux.sh"

for t in tmux restic python3; do
    command -v $t >/dev/null || { skip "restore wizard e2e: $t not installed"; exit 0; }
done
SAN=$T_TMP/san
SRC=$T_TMP/src
mkdir -p "$SRC/data" "$SRC/etc"
head -c 300000 /dev/urandom >"$SRC/data/big.bin"
cp "$SRC/data/big.bin" "$T_TMP/orig-big.bin"
printf 'notes\n' >"$SRC/data/notes.txt"
printf 'evil\n' >"$SRC/data/e$(printf '\033')[31mvil.txt"
printf 'x = 1\n' >"$SRC/etc/app.conf"
PW="wizard-test-password-$$-otter"
secret_file "$T_TMP/repo.pass" "$PW"
export RESTIC_PASSWORD_FILE="$T_TMP/repo.pass"
restic init --repo "$T_TMP/repo" >/dev/null 2>&1 || { fail "restic init"; exit 1; }
restic backup --repo "$T_TMP/repo" --host oldhost "$SRC" >/dev/null 2>&1 || { fail "backup 1"; exit 1; }
restic backup --repo "$T_TMP/repo" --host newhost "$SRC" >/dev/null 2>&1 || { fail "backup 2"; exit 1; }
unset RESTIC_PASSWORD_FILE
C=$T_TMP/lifeboat.conf
cat >"$C" <<EOF
[repo usb]
url = $T_TMP/repo
password_file = $T_TMP/repo.pass

[drill]
scratch = $T_TMP/scratch
EOF
chmod 600 "$C"

cat >"$T_TMP/console.sh" <<EOF
"$LIFEBOAT" -c "$C"
echo "EXIT=\$?"
exec sleep 120
EOF
# shellcheck disable=SC2046
tmux_start app 80 24 "sh $T_TMP/console.sh" HOME="$HOME" XDG_STATE_HOME="$XDG_STATE_HOME" \
    XDG_CONFIG_HOME="$XDG_CONFIG_HOME" XDG_CACHE_HOME="$XDG_CACHE_HOME" \
    RESTIC_CACHE_DIR="$RESTIC_CACHE_DIR" $(sanitizer_env "$SAN")
wait_for "1 Overview" app || { fail "console started"; exit 1; }
keys app 7
check "screen 7 is open" wait_for "drill record"
keys app f
check "f opens the restore wizard" wait_for "step 1 of 7"
check "step 1 offers the repo" wait_for "usb              local"
keys app Enter
check "step 2 lists the snapshots" wait_for "Which snapshot? (newest first)"
newest_first() { screen app | grep "▸" | grep -q newhost; }
check "the newest snapshot comes first, with its host" wait_until newest_first
check "the older one is listed too" wait_for "oldhost"
keys app Enter
check "step 3 shows the snapshot's tree" wait_for "Mark what to restore"
check "it starts in the backed-up directory" wait_for "In         $SRC"
check "a directory shows its size" wait_for "data/"
keys app Down
keys app Enter
check "Enter opens the directory" wait_for "In         $SRC/data"
check "a file shows its size" wait_for "big.bin"
check "sizes are shown" wait_for "293 KiB"
check "a control character in a name is shown harmless" wait_for "e?[31mvil.txt"
# rows: ../, big.bin, e?[31mvil.txt, notes.txt
keys app Down
keys app Space
check "Space marks the file" wait_for "[x] big.bin"
check "the marks are counted with their size" wait_for "1 marked: 1 file, 293 KiB"
keys app BSpace
check "Backspace goes up" wait_for "In         $SRC "
keys app n
check "step 4 asks for the target" wait_for "Restore where?"
keys app Enter
check "step 5 sums up, nothing written yet" wait_for "Summary: nothing has been restored yet"
check "the summary names a scratch target" wait_for "$T_TMP/scratch/"
check "the preview counts the file to create" wait_for "0 to overwrite, 0 identical, 1 to create"
check "nothing restored before Restore" test -z "$(ls -A "$T_TMP/scratch" 2>/dev/null)"
keys app Enter
check "the restore finishes" wait_for "Outcome    ✓ ok" app 60
check "the result shows the record" wait_for "Record     restore 1"
check "the result counts what was restored" wait_for "293 KiB in 1 file"
restored=$(ls -d "$T_TMP"/scratch/*-restore-* 2>/dev/null | head -n 1)
check "the restored file equals the source" cmp "$SRC/data/big.bin" "$restored$SRC/data/big.bin"
check "only the marked file was restored" test ! -e "$restored$SRC/data/notes.txt"
check "no password on the screen" sh -c '! tmux -S "$1" -f /dev/null capture-pane -p -t app | grep -qF "$2"' sh "$TMUX_SOCK" "$PW"
keys app Enter
record_ok() { screen app | grep -qE -- "restore +ok"; }
check "Done closes the wizard: the record lists the restore" wait_until record_ok

# --- over the original: the preview names the file, nothing is written until "original" is typed ---
printf 'notes, edited since the backup\n' >"$SRC/data/notes.txt"
cp "$SRC/data/notes.txt" "$T_TMP/notes.edited"
keys app f
check "f opens the wizard again" wait_for "step 1 of 7"
keys app Enter
wait_for "Which snapshot? (newest first)" >/dev/null
keys app Enter
wait_for "Mark what to restore" >/dev/null
keys app Down
keys app Enter
wait_for "In         $SRC/data" >/dev/null
keys app Down Down Down Space
check "notes.txt marked" wait_for "[x] notes.txt"
keys app n
wait_for "Restore where?" >/dev/null
keys app Down Down Enter
check "the summary over the original counts the overwrite" wait_for "1 to overwrite, 0 identical, 0 to create"
check "the summary names the file it overwrites" wait_for "Overwrites: $SRC/data/notes.txt"
check "a typed confirmation naming the target is asked" wait_for "type original to confirm"
keys app Enter
check "Enter without the word restores nothing" cmp "$T_TMP/notes.edited" "$SRC/data/notes.txt"
check "the wizard still waits at the summary" wait_for "type original to confirm"
keys app -l original
keys app Enter
check "typed: the restore over the original finishes" wait_for "Outcome    ✓ ok" app 60
check "the file is back as it was backed up" grep -qx notes "$SRC/data/notes.txt"
check "the file not marked is untouched" cmp "$T_TMP/orig-big.bin" "$SRC/data/big.bin"
keys app Enter
both_ok() { [ "$(screen app | grep -cE -- "restore +ok")" -ge 2 ]; }
check "the record lists both restores" wait_until both_ok
keys app q
check "q quits the console" wait_for "EXIT=0"
sanitizer_check "no sanitizer report" "$SAN"

# --- the terminal closes while restic restores: the record says interrupted ---
cat >"$T_TMP/pwcmd.sh" <<EOF
#!/bin/sh
if [ -e "$T_TMP/slow" ]; then rm -f "$T_TMP/slow"; echo \$\$ >"$T_TMP/sleep.pid"; exec sleep 60; fi
cat "$T_TMP/repo.pass"
EOF
sed "s|^password_file = .*|password_command = sh $T_TMP/pwcmd.sh|" "$C" >"$T_TMP/slow.conf"
chmod 600 "$T_TMP/slow.conf"
SAN2=$T_TMP/san2
# shellcheck disable=SC2046
tmux_start app2 80 24 "$LIFEBOAT -c $T_TMP/slow.conf" HOME="$HOME" XDG_STATE_HOME="$XDG_STATE_HOME" \
    XDG_CONFIG_HOME="$XDG_CONFIG_HOME" XDG_CACHE_HOME="$XDG_CACHE_HOME" \
    RESTIC_CACHE_DIR="$RESTIC_CACHE_DIR" $(sanitizer_env "$SAN2")
wait_for "1 Overview" app2 >/dev/null
keys app2 7 f Enter
wait_for "Which snapshot? (newest first)" app2 >/dev/null
keys app2 Enter
wait_for "Mark what to restore" app2 >/dev/null
keys app2 Down Down Space n
wait_for "Restore where?" app2 >/dev/null
keys app2 Enter
wait_for "Summary: nothing has been restored yet" app2 >/dev/null
: >"$T_TMP/slow" # the next password asked for is restic restore's: it hangs
keys app2 Enter
check "the restore runs" wait_for "Restoring" app2
PANE=app2 wait_until test -s "$T_TMP/sleep.pid"
tm kill-session -t app2 # the terminal goes away (SIGHUP)
wait_until sh -c '! kill -0 "$1" 2>/dev/null' sh "$(cat "$T_TMP/sleep.pid")"
run "$LIFEBOAT" -c "$C" drills --json
printf '%s\n' "$T_OUT" >"$T_TMP/after.json"
check "the restore cut short is recorded interrupted" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))[0]
assert d["kind"] == "restore" and d["outcome"] == "interrupted", d
assert "may hold part of the files" in d["error"], d' "$T_TMP/after.json"
sanitizer_check "no sanitizer report after the terminal closed" "$SAN2"

run "$LIFEBOAT" -c "$C" drills --json
printf '%s\n' "$T_OUT" >"$T_TMP/list.json"
check "drills --json lists the console's restores" python3 -c '
import json, sys
o = json.load(open(sys.argv[1]))[1:]
assert o[0]["target"] == "/" and o[0]["outcome"] == "ok" and o[0]["files"] == 1, o[0]
d = o[1]
assert d["kind"] == "restore" and d["outcome"] == "ok", d
assert d["files"] == 1 and d["bytes"] == 300000, d
assert d["scope"] == sys.argv[2] + "/data/big.bin", d
assert d["target"].startswith(sys.argv[3] + "/scratch/"), d' "$T_TMP/list.json" "$SRC" "$T_TMP"

done_testing
