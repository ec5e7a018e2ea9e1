#!/bin/sh
# `lifeboat restore files` against a real restic repo:
# - --list shows a directory level with sizes (text and --json);
# - the default target is a fresh directory below [drill] scratch, and the
#   restored bytes equal the source (cmp), only the chosen paths;
# - another folder (made when missing), with a name holding glob characters
#   restored exactly (its look-alike sibling not);
# - --original without --yes prints the preview (the overwritten file named,
#   the one to create too), exits 2 and changes nothing; with --yes it
#   overwrites exactly the chosen files and leaves the others;
# - clear errors: a path not in the snapshot, an unknown snapshot, an unknown
#   repo, a wrong password (never printed), a target that is a file or inside
#   the repo, a target without room or read-only (when a tmpfs can be mounted);
# - every restore is recorded (drills --json, kind restore), and a restore
#   killed mid-way is recorded interrupted at the next start.
. "$(dirname "$0")/../lib.sh"

for t in restic python3; do
    command -v $t >/dev/null || { skip "restore_files: $t not installed"; exit 0; }
done

SRC=$T_TMP/src
mkdir -p "$SRC/etc" "$SRC/data" "$SRC/odd"
printf 'listen = 8080\nworkers = 4\n' >"$SRC/etc/app.conf"
printf 'keep me\n' >"$SRC/etc/other.conf"
head -c 300000 /dev/urandom >"$SRC/data/big.bin"
printf 'notes v1\n' >"$SRC/data/notes.txt"
printf 'star\n' >"$SRC/odd/st*r.txt"
printf 'look-alike\n' >"$SRC/odd/stXr.txt"
cp -a "$SRC" "$T_TMP/orig" # the backed-up state, to compare with

PW="restore-test-password-$$-zebra"
secret_file "$T_TMP/repo.pass" "$PW"
RESTIC_PASSWORD_FILE=$T_TMP/repo.pass restic init --repo "$T_TMP/repo" >/dev/null 2>&1 ||
    { fail "restic init"; exit 1; }
RESTIC_PASSWORD_FILE=$T_TMP/repo.pass restic backup --repo "$T_TMP/repo" --host testhost "$SRC" \
    >/dev/null 2>&1 || { fail "restic backup"; exit 1; }
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
jget() { python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    d = d[int(k)] if isinstance(d, list) else d[k]
print("null" if d is None else (str(d).lower() if isinstance(d, bool) else d))' "$@"; }

# --- --list ---
run LB restore files usb --list --path "$SRC"
expect_rc "list exits 0" 0
expect_out "list shows the snapshot's host" "host testhost"
expect_out "list shows a directory with its size" "293 KiB"
expect_out "list shows subdirectories" "etc/"
run LB restore files usb --list --json --path "$SRC/data"
printf '%s\n' "$T_OUT" >"$T_TMP/list.json"
check "list --json gives each entry's exact size" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
sizes = {e["name"]: e["size"] for e in d["entries"]}
assert sizes == {"big.bin": 300000, "notes.txt": 9}, sizes
assert d["snapshot"]["hostname"] == "testhost", d' "$T_TMP/list.json"

# --- scratch (the default) ---
LB restore files usb --path "$SRC/data" --json >"$T_TMP/scratch.json" 2>"$T_TMP/scratch.err"
T_RC=$?
T_OUT=$(cat "$T_TMP/scratch.json" "$T_TMP/scratch.err")
expect_rc "restore to scratch exits 0" 0
check "scratch record says ok" test "$(jget "$T_TMP/scratch.json" outcome)" = ok
tgt=$(jget "$T_TMP/scratch.json" target)
case $tgt in "$T_TMP/scratch/"*-restore-*) pass "the default target is a fresh directory below scratch" ;;
    *) fail "the default target is a fresh directory below scratch ($tgt)" ;; esac
check "restored big.bin equals the source" cmp "$T_TMP/orig/data/big.bin" "$tgt$SRC/data/big.bin"
check "restored notes.txt equals the source" cmp "$T_TMP/orig/data/notes.txt" "$tgt$SRC/data/notes.txt"
check "only the chosen path was restored" test ! -e "$tgt$SRC/etc"
check "the record counts the files" test "$(jget "$T_TMP/scratch.json" files)" = 2
check "the record counts the bytes" test "$(jget "$T_TMP/scratch.json" bytes)" = 300009
check "the record names the snapshot" test "$(jget "$T_TMP/scratch.json" snapshot.hostname)" = testhost
expect_no_out "no password in the output" "$PW"

# --- another folder, made when missing; glob characters taken literally ---
run LB restore files usb --target "$T_TMP/dest/new" --path "$SRC/etc/app.conf" --path "$SRC/odd/st*r.txt"
expect_rc "restore to a folder exits 0" 0
check "the folder was made and holds app.conf" cmp "$T_TMP/orig/etc/app.conf" "$T_TMP/dest/new$SRC/etc/app.conf"
check "a name with * is restored" cmp "$T_TMP/orig/odd/st*r.txt" "$T_TMP/dest/new$SRC/odd/st*r.txt"
check "its look-alike is not" test ! -e "$T_TMP/dest/new$SRC/odd/stXr.txt"
check "an unchosen sibling is not" test ! -e "$T_TMP/dest/new$SRC/etc/other.conf"
# the same again: now the files are there and identical, nothing to confirm
run LB restore files usb --target "$T_TMP/dest/new" --path "$SRC/etc/app.conf"
expect_rc "restoring identical files again needs no --yes" 0
expect_out "the preview says identical" "0 to overwrite, 1 identical, 0 to create"
# a different file in the folder: the preview names it and --yes is needed
printf 'local edit\n' >"$T_TMP/dest/new$SRC/etc/app.conf"
run LB restore files usb --target "$T_TMP/dest/new" --path "$SRC/etc/app.conf"
expect_rc "overwriting a different file in a folder needs --yes" 2
expect_out "the folder preview names the file" "overwrite  $SRC/etc/app.conf"
check "the folder's file is unchanged" grep -q 'local edit' "$T_TMP/dest/new$SRC/etc/app.conf"

# --- the original location ---
printf 'listen = 9999\n' >"$SRC/etc/app.conf"   # changed since the backup
printf 'notes v2 (newer)\n' >"$SRC/data/notes.txt"
rm "$SRC/data/big.bin"                         # lost since the backup
cp "$SRC/etc/app.conf" "$T_TMP/app.changed"
run LB restore files usb --original --path "$SRC/etc/app.conf" --path "$SRC/data/big.bin" --path "$SRC/etc/other.conf"
expect_rc "--original without --yes exits 2" 2
expect_out "the preview names the overwritten file" "overwrite  $SRC/etc/app.conf"
expect_out "the preview says why" "(size 14 B -> 26 B)"
expect_out "the preview names the file to create" "create     $SRC/data/big.bin"
expect_out "the preview names the identical file" "identical  $SRC/etc/other.conf"
expect_out "the preview counts them" "1 to overwrite, 1 identical, 1 to create"
expect_out "it says --yes is needed" "needs --yes"
check "nothing was overwritten without --yes" cmp "$T_TMP/app.changed" "$SRC/etc/app.conf"
check "nothing was created without --yes" test ! -e "$SRC/data/big.bin"

run LB restore files usb --original --path "$SRC/etc/app.conf" --path "$SRC/data/big.bin" --yes
expect_rc "--original --yes exits 0" 0
check "the chosen file is overwritten with the backup" cmp "$T_TMP/orig/etc/app.conf" "$SRC/etc/app.conf"
check "the lost file is back" cmp "$T_TMP/orig/data/big.bin" "$SRC/data/big.bin"
check "a file not chosen keeps its newer content" grep -q 'notes v2 (newer)' "$SRC/data/notes.txt"

# nested marks count once; a file with the same size but another mtime is not "identical"
touch -d '2001-02-03 04:05:06' "$SRC/etc/other.conf"
run LB restore files usb --original --path "$SRC/etc" --path "$SRC/etc/other.conf"
expect_rc "a preview without --yes exits 2" 2
expect_out "a path inside a marked directory counts once" "files    2 ("
check "the scope names the directory only" sh -c 'printf "%s\n" "$1" | grep -qxF "  paths    $2/etc"' sh "$T_OUT" "$SRC"
expect_out "same size, other mtime is an overwrite" "overwrite  $SRC/etc/other.conf  (same size, other mtime)"

# --- clear errors ---
run LB restore files usb --path "$SRC/nope.txt"
expect_rc "a path not in the snapshot exits 2" 2
expect_out "it names the path" "holds no $SRC/nope.txt"
run LB restore files usb 0123abcd --list
expect_rc "an unknown snapshot exits 2" 2
expect_out "it names the snapshot" "has no snapshot '0123abcd'"
run LB restore files nosuch
expect_rc "an unknown repo exits 2" 2
expect_out "it names the repo and the known ones" "no repo 'nosuch'"
expect_out "it lists the repos" "(repos: usb)"
: >"$T_TMP/a-file"
run LB restore files usb --target "$T_TMP/a-file" --path "$SRC/etc"
expect_rc "a target that is a file exits 2" 2
expect_out "it says so" "is not a directory"
run LB restore files usb --target "$T_TMP/repo/inside" --path "$SRC/etc"
expect_rc "a target inside the repo exits 2" 2
expect_out "it names the repo" "inside repo 'usb'"
check "nothing was made inside the repo" test ! -e "$T_TMP/repo/inside"
run LB restore files usb --target "$T_TMP/x" --original
expect_rc "--target with --original is a usage error" 64
run LB restore files usb --path relative/path
expect_rc "a relative --path is a usage error" 64

# a full disk and a read-only target (tmpfs in a private mount namespace: gone with it)
mkdir -p "$T_TMP/small" "$T_TMP/ro"
if unshare -m sh -c 'mount -t tmpfs -o size=128k tmpfs "$1"' sh "$T_TMP/small" 2>/dev/null; then
    unshare -m sh -c 'mount -t tmpfs -o size=128k tmpfs "$1" && exec "$2" -c "$3" restore files usb --target "$1" --path "$4"' \
        sh "$T_TMP/small" "$LIFEBOAT" "$C" "$SRC/data/big.bin" >"$T_TMP/full.out" 2>&1
    T_RC=$?
    T_OUT=$(cat "$T_TMP/full.out")
    expect_rc "a target without room exits 2" 2
    expect_out "it says how much is free and needed" "128 KiB free and the restore writes 293 KiB"
    unshare -m sh -c 'mount -t tmpfs -o ro tmpfs "$1" && exec "$2" -c "$3" restore files usb --target "$1" --path "$4"' \
        sh "$T_TMP/ro" "$LIFEBOAT" "$C" "$SRC/etc/app.conf" >"$T_TMP/ro.out" 2>&1
    T_RC=$?
    T_OUT=$(cat "$T_TMP/ro.out")
    expect_rc "a read-only target exits 2" 2
    expect_out "it says the target is not writable" "target $T_TMP/ro is not writable"
else
    skip "full and read-only targets: cannot mount a tmpfs here"
fi

secret_file "$T_TMP/wrong.pass" "not-the-password-$$"
sed "s|^password_file = .*|password_file = $T_TMP/wrong.pass|" "$C" >"$T_TMP/wrong.conf"
chmod 600 "$T_TMP/wrong.conf"
run "$LIFEBOAT" -c "$T_TMP/wrong.conf" restore files usb --path "$SRC/etc"
expect_rc "a wrong password exits 2" 2
expect_out "it says wrong password" "wrong password"
expect_no_out "the wrong password is not printed" "not-the-password-$$"
expect_no_out "the right one neither" "$PW"

# --- the record ---
run LB drills --json
printf '%s\n' "$T_OUT" >"$T_TMP/drills.json"
check "drills --json lists the restores with their outcome" python3 -c '
import json, sys
d = [x for x in json.load(open(sys.argv[1])) if x["kind"] == "restore"]
outs = [x["outcome"] for x in d]
assert outs.count("ok") == 4, outs
assert "cancelled" in outs and "failed" in outs, outs
assert all(x["outcome"] != "running" for x in d), outs
orig = [x for x in d if x["target"] == "/" and x["outcome"] == "ok"][0]
assert orig["files"] == 2 and orig["bytes"] == 300000 + 26, orig
assert orig["rto_seconds"] is not None and orig["rto_seconds"] >= 0, orig
assert sys.argv[2] in orig["scope"] and orig["restore_point"]["id"], orig
bad = [x for x in d if x["outcome"] == "failed" and "wrong password" in (x["error"] or "")]
assert bad, d' "$T_TMP/drills.json" "$SRC/etc/app.conf"
run LB drills
check "drills lists a restore" sh -c 'printf "%s\n" "$1" | grep -qE "restore +ok"' sh "$T_OUT"
expect_no_out "no password in the drills list" "$PW"

# --- killed mid-restore: interrupted at the next start ---
cat >"$T_TMP/pwcmd.sh" <<EOF
#!/bin/sh
n=\$(cat "$T_TMP/count" 2>/dev/null || echo 0); n=\$((n + 1)); echo \$n >"$T_TMP/count"
if [ \$n -eq 2 ]; then echo \$PPID >"$T_TMP/restic.pid"; echo \$\$ >"$T_TMP/sleep.pid"; exec sleep 60; fi
cat "$T_TMP/repo.pass"
EOF
sed "s|^password_file = .*|password_command = sh $T_TMP/pwcmd.sh|" "$C" >"$T_TMP/slow.conf"
chmod 600 "$T_TMP/slow.conf"
"$LIFEBOAT" -c "$T_TMP/slow.conf" restore files usb --path "$SRC/data" >"$T_TMP/slow.out" 2>&1 &
lpid=$!
i=0
until [ -s "$T_TMP/sleep.pid" ] || [ $i -ge 300 ]; do sleep 0.1; i=$((i + 1)); done
check "the restore started" test -s "$T_TMP/sleep.pid"
kill -9 "$lpid" 2>/dev/null
wait "$lpid" 2>/dev/null
kill "$(cat "$T_TMP/sleep.pid")" "$(cat "$T_TMP/restic.pid")" 2>/dev/null
i=0
while kill -0 "$(cat "$T_TMP/restic.pid")" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
run LB drills --json
printf '%s\n' "$T_OUT" >"$T_TMP/after.json"
check "the killed restore is recorded interrupted" test "$(jget "$T_TMP/after.json" 0.outcome)" = interrupted
check "its record says so" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))[0]
assert d["kind"] == "restore" and "ended before it finished" in d["error"], d' "$T_TMP/after.json"

done_testing
