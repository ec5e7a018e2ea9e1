#!/bin/sh
# The Restore files wizard on a snapshot of 30 000 small files (80x24): the
# preview looks at every file a chunk per loop turn, so a key typed right
# after Enter is answered in the middle of it (c stops the preview: back at
# the target step, nothing written); run again it counts all 30 000 files
# to create; the restore lands them all and the check after restic counts
# them; q quits without a sanitizer report.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/tmux.sh"

for t in tmux restic python3; do
    command -v $t >/dev/null || { skip "restore many e2e: $t not installed"; exit 0; }
done
SAN=$T_TMP/san
SRC=$T_TMP/src
python3 - "$SRC" <<'EOF'
import os, sys
root = sys.argv[1]
for d in range(30):
    p = os.path.join(root, "d%02d" % d)
    os.makedirs(p)
    for f in range(1000):
        with open(os.path.join(p, "f%04d.txt" % f), "w") as fh:
            fh.write("file %d/%d\n" % (d, f))
EOF
secret_file "$T_TMP/repo.pass" "many-e2e-password-$$-lynx"
export RESTIC_PASSWORD_FILE="$T_TMP/repo.pass"
restic init --repo "$T_TMP/repo" >/dev/null 2>&1 || { fail "restic init"; exit 1; }
restic backup --repo "$T_TMP/repo" "$SRC" >/dev/null 2>&1 || { fail "restic backup"; exit 1; }
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
keys app 7 f
wait_for "step 1 of 7" >/dev/null
keys app Enter
wait_for "Which snapshot? (newest first)" >/dev/null
keys app Enter
check "the tree of 30 000 files is shown" wait_for "In         $SRC"
# rows: ../, d00/ ... d29/: mark the 30 directories
keys app Down
i=0
while [ $i -lt 30 ]; do keys app Space; i=$((i + 1)); done
check "30 directories marked, 30 000 files" wait_for "30 marked: 30000 files"
keys app n
check "the target step" wait_for "Restore where?"
# Enter starts the preview; c right behind it arrives while it runs
keys app Enter c
check "a key typed during the preview is answered: the preview stops" \
    wait_for "the preview was cancelled: nothing was restored"
check "back at the target step" wait_for "Restore where?"
check "nothing was written" test -z "$(ls -A "$T_TMP/scratch" 2>/dev/null)"
keys app Enter
check "the preview counts all 30 000 files to create" wait_for "0 to overwrite, 0 identical, 30000 to create" app 60
check "the summary counts the files" wait_for "Files        30000 ("
keys app Enter
check "the restore of 30 000 files finishes ok" wait_for "Outcome    ✓ ok" app 120
check "the check after restic counted every file" wait_for "in 30000 files"
restored=$(ls -d "$T_TMP"/scratch/*-restore-* 2>/dev/null | head -n 1)
check "a restored file is the backed-up one" grep -qx "file 29/999" "$restored$SRC/d29/f0999.txt"
keys app Enter
wait_for "drill record" >/dev/null
keys app q
check "q quits the console" wait_for "EXIT=0"
sanitizer_check "no sanitizer report" "$SAN"
done_testing
