#!/bin/sh
# `lifeboat restore files` on a snapshot of 30 000 small files: the preview
# (made a chunk of files per loop turn) counts every file right over the
# original location (some changed, some lost, the rest identical), and the
# restore into a folder lands and checks every one of them (the check after
# restic also runs in chunks).
. "$(dirname "$0")/../lib.sh"

for t in restic python3; do
    command -v $t >/dev/null || { skip "restore_many: $t not installed"; exit 0; }
done
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
PW="restore-many-password-$$-heron"
secret_file "$T_TMP/repo.pass" "$PW"
RESTIC_PASSWORD_FILE=$T_TMP/repo.pass restic init --repo "$T_TMP/repo" >/dev/null 2>&1 ||
    { fail "restic init"; exit 1; }
RESTIC_PASSWORD_FILE=$T_TMP/repo.pass restic backup --repo "$T_TMP/repo" "$SRC" >/dev/null 2>&1 ||
    { fail "restic backup"; exit 1; }
C=$T_TMP/lifeboat.conf
cat >"$C" <<EOF
[repo usb]
url = $T_TMP/repo
password_file = $T_TMP/repo.pass

[drill]
scratch = $T_TMP/scratch
EOF
chmod 600 "$C"
LB() { "$LIFEBOAT" -c "$C" "$@"; }

# since the backup: 7 files changed (other size), 5 lost
for f in 0001 0002 0003; do printf 'changed since\n' >"$SRC/d03/f$f.txt"; done
for f in 0100 0200 0300 0400; do printf 'changed too\n' >"$SRC/d17/f$f.txt"; done
rm "$SRC/d29/f0999.txt" "$SRC/d00/f0000.txt" "$SRC/d10/f0500.txt" "$SRC/d11/f0501.txt" "$SRC/d12/f0502.txt"

run LB restore files usb --original --path "$SRC"
expect_rc "--original without --yes exits 2" 2
expect_out "the preview counts all 30 000 files" "files    30000 ("
expect_out "the preview counts each kind right" "7 to overwrite, 29988 identical, 5 to create"
expect_out "a lost file is named" "create     $SRC/d00/f0000.txt"
expect_out "a changed file is named" "overwrite  $SRC/d03/f0001.txt"
check "nothing was written without --yes" test ! -e "$SRC/d00/f0000.txt"

run LB restore files usb --target "$T_TMP/dest" --path "$SRC" --json
expect_rc "the restore of 30 000 files into a folder exits 0" 0
printf '%s\n' "$T_OUT" | sed -n '/^{/,$p' >"$T_TMP/rec.json"
check "the record counts every file restored and checked" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["outcome"] == "ok", d
assert d["files"] == 30000, d["files"]
assert d["preview"]["create"] == 30000, d["preview"]' "$T_TMP/rec.json"
run LB drills --json
printf '%s\n' "$T_OUT" >"$T_TMP/drills.json"
check "drills --json: the restore was verified file by file" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))[0]
assert d["kind"] == "restore" and d["outcome"] == "ok" and d["verified"] is True, d
assert d["files"] == 30000, d' "$T_TMP/drills.json"
check "a restored file is the backed-up one" grep -qx "file 29/999" "$T_TMP/dest$SRC/d29/f0999.txt"

done_testing
