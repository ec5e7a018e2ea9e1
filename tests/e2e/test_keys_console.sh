#!/bin/sh
# The key rotation wizard on a password_command repo at 80x24: the repo name
# typed, the new key added and the generated password shown once, 'y' copies
# it to the terminal's clipboard (OSC 52, here tmux's paste buffer), the
# "vault" is updated from that clipboard, "Stored it" re-reads the command:
# rotated, the clipboard's password opens the repo and the old one no longer does.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/tmux.sh"

for t in tmux restic; do
    command -v $t >/dev/null || { skip "keys console e2e: $t not installed"; exit 0; }
done
SAN=$T_TMP/san
secret_file "$T_TMP/vault" "old-vault-password-$$"
cp "$T_TMP/vault" "$T_TMP/old.pass"
restic init --repo "$T_TMP/repo" --password-file "$T_TMP/vault" >/dev/null 2>&1 || {
    fail "restic init"; exit 1; }
C=$T_TMP/lifeboat.conf
cat >"$C" <<EOF2
[repo vlt]
url = $T_TMP/repo
password_command = cat $T_TMP/vault
EOF2
chmod 600 "$C"
cat >"$T_TMP/console.sh" <<EOS
"$LIFEBOAT" -c "$C"
echo "EXIT=\$?"
exec sleep 120
EOS
# shellcheck disable=SC2046
tmux_start app 80 24 "sh $T_TMP/console.sh" $(sanitizer_env "$SAN")
tm set -s set-clipboard on
wait_for "Overview" app || { fail "console started"; exit 1; }
keys app 7
check "screen 7" wait_for "restore drills"
keys app K
check "K opens the key rotation wizard" wait_for "Rotate the key of which repo?"
keys app Enter
check "the summary asks for the repo name" wait_for "Type the repo name"
keys app -l vlt
keys app Enter
check "the new key is added and the operator asked to store the password" wait_for "Store the new password in your vault" app 60
keys app y
check "y says it copied" wait_for "Copied to the clipboard"
tm show-buffer >"$T_TMP/clip" 2>/dev/null
check "the clipboard holds a 43-character password" test "$(wc -c <"$T_TMP/clip")" -eq 43
check "the old password still opens the repo while waiting" restic --no-cache --repo "$T_TMP/repo" --password-file "$T_TMP/old.pass" key list
(umask 077; cat "$T_TMP/clip" >"$T_TMP/vault") # the operator pastes it into the vault
keys app Enter
check "Stored it: the rotation ends rotated" wait_for "Key rotated" app 60
check "the clipboard's password opens the repo" restic --no-cache --repo "$T_TMP/repo" --password-file "$T_TMP/clip" key list
check "the old password no longer does" sh -c "! restic --no-cache --repo '$T_TMP/repo' --password-file '$T_TMP/old.pass' key list"
keys app Enter
wait_for "restore drills" >/dev/null
keys app q
check "q quits the console" wait_for "EXIT=0"
check "the password is not in the log or the database" sh -c "! grep -raqF -f '$T_TMP/clip' '$XDG_STATE_HOME'"
sanitizer_check "no sanitizer report" "$SAN"
done_testing
