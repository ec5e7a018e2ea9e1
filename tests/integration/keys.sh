#!/bin/sh
# Key rotation against real restic repos:
# - password_file with --yes: a generated password; afterwards the old
#   password no longer opens the repo, the password file does, it is 0600,
#   no .old/.new file is left, both key ids are recorded, and neither
#   password appears in the output, the database or the log;
# - password_file with the operator's <file>.new;
# - password_command whose source still returns the old password after the
#   operator said it was updated: the new key is removed again, the old
#   password still opens the repo and the output says so;
# - password_command updated between key add and the check (through a FIFO
#   the test answers once the vault file is rewritten): rotated;
# - a <file>.old left by an interrupted rotation refuses the next one;
# - keys status: a password file older than a month is due (exit 1).
. "$(dirname "$0")/../lib.sh"
# lifeboat's password temp files go below TMPDIR: a private one, so the check
# that none is left sees only this test's (others rotate keys at the same time)
export TMPDIR="$T_TMP/tmp"
mkdir -p "$TMPDIR"

command -v restic >/dev/null || { skip "keys: restic not installed"; exit 0; }
command -v python3 >/dev/null || { skip "keys: python3 not installed"; exit 0; }

OLD="old-password-$$-horse-battery"
secret_file "$T_TMP/usb.pass" "$OLD"
secret_file "$T_TMP/vault" "$OLD-vault"
export RESTIC_PASSWORD_FILE=$T_TMP/usb.pass
restic init --repo "$T_TMP/usb" >/dev/null 2>&1 || { fail "restic init usb"; exit 1; }
restic init --repo "$T_TMP/vlt" --password-file "$T_TMP/vault" >/dev/null 2>&1 || {
    fail "restic init vlt"; exit 1; }
unset RESTIC_PASSWORD_FILE
C=$T_TMP/lifeboat.conf
cat >"$C" <<EOF
[repo usb]
url = $T_TMP/usb
password_file = $T_TMP/usb.pass

[repo vlt]
url = $T_TMP/vlt
password_command = cat $T_TMP/vault
EOF
chmod 600 "$C"
LB() { "$LIFEBOAT" -c "$C" "$@"; }
jget() { python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    d = d[int(k)] if isinstance(d, list) else d[k]
print("null" if d is None else d)' "$@"; }
opens() { # opens REPO PASSWORDFILE: restic opens the repo with that password
    restic --no-cache --repo "$1" --password-file "$2" key list >/dev/null 2>&1
}
keyids() { restic --no-cache --repo "$1" --password-file "$2" key list --json 2>/dev/null |
    python3 -c 'import json,sys; print(" ".join(sorted(k["id"] for k in json.load(sys.stdin))))'; }
secret_file "$T_TMP/old.copy" "$OLD"
before=$(keyids "$T_TMP/usb" "$T_TMP/old.copy")

# --- headless rotation without --yes is refused ---
run LB keys rotate usb </dev/null
expect_rc "rotate without --yes and without a terminal is a usage error" 64

# --- a .old file left by an interrupted rotation stops the next one ---
secret_file "$T_TMP/usb.pass.old" "left-behind"
run LB keys rotate usb --yes
expect_rc "a leftover .old file refuses the rotation" 2
expect_out "it names the leftover file" "usb.pass.old exists"
check "the password file is untouched" cmp -s "$T_TMP/usb.pass" "$T_TMP/old.copy"
rm -f "$T_TMP/usb.pass.old"

# --- password_file, generated ---
LB keys rotate usb --yes --json >"$T_TMP/r1.json" 2>"$T_TMP/r1.err"
T_RC=$?
T_OUT=$(cat "$T_TMP/r1.json" "$T_TMP/r1.err")
expect_rc "rotate usb --yes exits 0" 0
check "record says ok" test "$(jget "$T_TMP/r1.json" outcome)" = ok
check "the old password no longer opens the repo" sh -c "! restic --no-cache --repo '$T_TMP/usb' --password-file '$T_TMP/old.copy' key list"
check "the password file opens it" opens "$T_TMP/usb" "$T_TMP/usb.pass"
check "the password file changed" sh -c "! cmp -s '$T_TMP/usb.pass' '$T_TMP/old.copy'"
check "the password file is 0600" test "$(stat -c %a "$T_TMP/usb.pass")" = 600
check "no .old or .new file left" test ! -e "$T_TMP/usb.pass.old" -a ! -e "$T_TMP/usb.pass.new"
new1=$(cat "$T_TMP/usb.pass")
check "a strong generated password (43 characters)" test "${#new1}" -eq 43
after=$(keyids "$T_TMP/usb" "$T_TMP/usb.pass")
check "one key, the new one (was $before, now $after)" test "$after" = "$(jget "$T_TMP/r1.json" new_key)"
check "the old key id recorded is the old key" test "$before" = "$(jget "$T_TMP/r1.json" old_key)"
expect_no_out "the old password is not in the output" "$OLD"
expect_no_out "the new password is not in the output" "$new1"
check "no secret in the database" sh -c "! grep -aqF -e '$OLD' -e '$new1' '$XDG_STATE_HOME'/lifeboat/*"
check "no secret in the log" sh -c "! grep -raqF -e '$OLD' -e '$new1' '$XDG_STATE_HOME' '$XDG_CACHE_HOME'"
check "no password temp file left" sh -c "! ls '$TMPDIR'/lifeboat-key-* 2>/dev/null | grep -q ."

run LB keys status --json
echo "$T_OUT" >"$T_TMP/s1.json"
check "keys status shows the rotation with both key ids" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
s = [x for x in d["secrets"] if x["secret"] == "repo usb password_file"][0]
assert s["from"] == "rotation" and not s["overdue"], s
assert sys.argv[2][:8] in s["note"] and sys.argv[3][:8] in s["note"], s' "$T_TMP/s1.json" "$after" "$before"

# --- password_file, the operator's .new ---
secret_file "$T_TMP/usb.pass.new" "operator-chosen-password-$$"
secret_file "$T_TMP/op.copy" "operator-chosen-password-$$"
run LB keys rotate usb --yes
expect_rc "rotation with the operator's .new file exits 0" 0
expect_out "says the key was rotated" "key rotated"
check "the operator's password now opens the repo" opens "$T_TMP/usb" "$T_TMP/op.copy"
check "the password file holds it" cmp -s "$T_TMP/usb.pass" "$T_TMP/op.copy"

# --- password_command whose source was not updated ---
secret_file "$T_TMP/vnew" "vault-new-password-$$"
vbefore=$(keyids "$T_TMP/vlt" "$T_TMP/vault")
echo | LB keys rotate vlt --yes --new-password-file "$T_TMP/vnew" >"$T_TMP/v1.out" 2>&1
T_RC=$?
T_OUT=$(cat "$T_TMP/v1.out")
expect_rc "a source still returning the old password fails the rotation" 2
expect_out "says the command still returns the old password" "still returns the old password"
expect_out "says the old key was kept" "old key was kept"
check "the old password still opens the repo" opens "$T_TMP/vlt" "$T_TMP/vault"
check "the repo holds its old key only (the new one was removed)" test "$(keyids "$T_TMP/vlt" "$T_TMP/vault")" = "$vbefore"
expect_no_out "no secret in the output" "vault-new-password-$$"
run LB keys status --json
echo "$T_OUT" >"$T_TMP/s2.json"
check "the failed rotation is no rotation for status" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
s = [x for x in d["secrets"] if x["secret"] == "repo vlt password_command"][0]
assert s["overdue"] and s["from"] == "none", s' "$T_TMP/s2.json"

# --- password_command updated by the operator while lifeboat waits ---
mkfifo "$T_TMP/in"
LB keys rotate vlt --yes --new-password-file "$T_TMP/vnew" <"$T_TMP/in" >"$T_TMP/v2.out" 2>&1 &
lbpid=$!
exec 3>"$T_TMP/in"
i=0
until grep -q "press Enter" "$T_TMP/v2.out" 2>/dev/null || [ $i -ge 300 ]; do sleep 0.1; i=$((i + 1)); done
cp "$T_TMP/vnew" "$T_TMP/vault" # the operator updates the vault
echo >&3
exec 3>&-
wait $lbpid
T_RC=$?
T_OUT=$(cat "$T_TMP/v2.out")
expect_rc "rotation through an updated password_command exits 0" 0
check "the new password opens the repo" opens "$T_TMP/vlt" "$T_TMP/vnew"
secret_file "$T_TMP/vold.copy" "$OLD-vault"
check "the old one no longer does" sh -c "! restic --no-cache --repo '$T_TMP/vlt' --password-file '$T_TMP/vold.copy' key list"
expect_no_out "no secret in the output" "vault-new-password-$$"

# --- status: a password file older than a month ---
touch -d '40 days ago' "$T_TMP/usb.pass"
sqlite3 "$XDG_STATE_HOME/lifeboat/lifeboat.db" "update key_rotations set ended = ended - 40*86400" 2>/dev/null ||
    python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); [c.execute("update %s set ended = ended - 40*86400" % t) for (t,) in c.execute("select name from sqlite_master where type=\"table\" and name like \"%key%\"").fetchall()]; c.commit()' "$XDG_STATE_HOME/lifeboat/lifeboat.db"
run LB keys status
expect_rc "keys status exits 1 when a secret is due" 1
expect_out "the password file is due" "repo usb password_file"
expect_out "the state says DUE" "DUE"

done_testing
