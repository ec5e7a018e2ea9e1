#!/bin/sh
# Key rotation of a restic repo whose password_command is `pass show` (Debian's
# password-store, a real gpg key made here without a passphrase, in a hermetic
# GNUPGHOME): headless with --new-password-file; when lifeboat says the new key
# is added, the test stores the new password with `pass insert -m` and
# answers on stdin. After the rotation only the new password opens the repo
# and pass returns it. A second rotation where the vault is NOT updated keeps
# the old key and removes the new one.
. "$(dirname "$0")/../lib.sh"

for t in restic pass gpg gpgconf; do
    command -v $t >/dev/null || { skip "keys_pass: $t not installed (scripts/deps.sh)"; exit 0; }
done
export GNUPGHOME="$T_TMP/gnupg" PASSWORD_STORE_DIR="$T_TMP/store"
# lib.sh's pass() reports a passed check: password-store is `command pass`
vault() { command pass "$@"; }
mkdir -m 700 "$GNUPGHOME"
at_exit "gpgconf --kill gpg-agent"
cat >"$T_TMP/keyparams" <<'EOF2'
%no-protection
Key-Type: EDDSA
Key-Curve: ed25519
Subkey-Type: ECDH
Subkey-Curve: cv25519
Name-Real: lifeboat test
Name-Email: lifeboat-test@example.invalid
Expire-Date: 0
%commit
EOF2
if ! gpg --batch --gen-key "$T_TMP/keyparams" >"$T_TMP/gpg.log" 2>&1; then
    skip "keys_pass: gpg cannot create a key here: $(tail -n 1 "$T_TMP/gpg.log")"
    exit 0
fi
run vault init lifeboat-test@example.invalid
expect_rc "pass init with the new gpg key" 0
printf '%s\n' "old-pass-secret-$$" | vault insert -m lifeboat/restic >/dev/null 2>&1
check "pass returns the old password" test "$(vault show lifeboat/restic)" = "old-pass-secret-$$"
secret_file "$T_TMP/old.pass" "old-pass-secret-$$"
restic init --repo "$T_TMP/repo" --password-file "$T_TMP/old.pass" >/dev/null 2>&1 || {
    fail "restic init"; exit 1; }
C=$T_TMP/lifeboat.conf
cat >"$C" <<EOF2
[repo vault]
url = $T_TMP/repo
password_command = pass show lifeboat/restic
EOF2
chmod 600 "$C"
opens() { restic --no-cache --repo "$T_TMP/repo" --password-file "$1" key list >/dev/null 2>&1; }

# rotate NEWFILE STORE: headless rotation; STORE=yes puts NEWFILE into pass when
# lifeboat waits, then answers on stdin. Exit status in $T_RC, output in $T_OUT.
rotate() {
    rm -f "$T_TMP/fifo" "$T_TMP/rot.log"
    mkfifo "$T_TMP/fifo"
    "$LIFEBOAT" -c "$C" keys rotate vault --yes --new-password-file "$1" \
        <"$T_TMP/fifo" >"$T_TMP/rot.log" 2>&1 &
    _pid=$!
    exec 3>"$T_TMP/fifo"
    _i=0
    until grep -q "press Enter" "$T_TMP/rot.log" 2>/dev/null; do
        _i=$((_i + 1))
        if [ $_i -gt 1200 ] || ! kill -0 $_pid 2>/dev/null; then break; fi
        sleep 0.1
    done
    if grep -q "press Enter" "$T_TMP/rot.log"; then
        T_WAITED=yes
        [ "$2" = yes ] && vault insert -m -f lifeboat/restic <"$1" >/dev/null 2>&1
        echo >&3
    else
        T_WAITED=no
    fi
    exec 3>&-
    wait $_pid
    T_RC=$?
    T_OUT=$(cat "$T_TMP/rot.log")
    cat "$T_TMP/rot.log" >>"$T_TMP/all-out"
}

secret_file "$T_TMP/new.pass" "new-pass-secret-$$"
rotate "$T_TMP/new.pass" yes
check "lifeboat waited for the vault to be updated" test "$T_WAITED" = yes
expect_rc "rotation through pass: exit 0" 0
expect_out "it says the key was rotated" "key rotated"
check "pass now returns the new password" test "$(vault show lifeboat/restic)" = "new-pass-secret-$$"
check "the new password opens the repo" opens "$T_TMP/new.pass"
check "the old password no longer does" sh -c "! restic --no-cache --repo '$T_TMP/repo' --password-file '$T_TMP/old.pass' key list"
check "the repo has exactly one key" test "$(restic --no-cache --repo "$T_TMP/repo" --password-file "$T_TMP/new.pass" key list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 1
run "$LIFEBOAT" -c "$C" keys status
expect_out "keys status shows the rotation of repo vault" "repo vault password_command"
printf '%s\n' "$T_OUT" | grep "repo vault" | grep -q rotation &&
    pass "keys status: the password's age comes from the rotation" ||
    fail "keys status: the password's age comes from the rotation"

# ---- the vault not updated: the old key stays, the new one goes
secret_file "$T_TMP/newer.pass" "newer-pass-secret-$$"
rotate "$T_TMP/newer.pass" no
expect_rc "vault not updated: exit 2" 2
expect_out "it says pass still returns the old password" "still returns the old password"
check "the current password still opens the repo" opens "$T_TMP/new.pass"
check "the never-stored password does not" sh -c "! restic --no-cache --repo '$T_TMP/repo' --password-file '$T_TMP/newer.pass' key list"

for s in "old-pass-secret-$$" "new-pass-secret-$$" "newer-pass-secret-$$"; do printf '%s\n' "$s"; done >"$T_TMP/secrets"
check "no password in lifeboat's output" sh -c "! grep -qF -f '$T_TMP/secrets' '$T_TMP/all-out'"
check "no password in the log or the database" sh -c "! grep -raqF -f '$T_TMP/secrets' '$XDG_STATE_HOME'"
done_testing
