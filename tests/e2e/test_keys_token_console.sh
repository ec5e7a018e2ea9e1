#!/bin/sh
# The key rotation wizard on API tokens at 80x24, against the simulator: the
# PBS token on an old PBS (3.2: create a new token, copy its ACL entries,
# delete the old one) and the PVE token on PVE 9.1 (regenerate in place). Each
# shows a summary naming the token and the method, needs the token id typed,
# shows its steps and ends "Token rotated"; the token files then hold tokens
# that work, the old secrets get 401, and no secret is ever on the screen.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/tmux.sh"

for t in tmux python3 openssl; do
    command -v $t >/dev/null || { skip "token console e2e: $t not installed"; exit 0; }
done
SAN=$T_TMP/san
SIM=$TOP/tests/sim
eval "$("$SIM/run" --state-dir "$T_TMP/sim" --auth-delay 0.2 --task-seconds 1)" || {
    fail "the simulator starts"; exit 1; }
at_exit "kill $SIM_PID"
cp "$PVE_TOKEN_FILE" "$T_TMP/pve.old"
cp "$PBS_TOKEN_FILE" "$T_TMP/pbs.old"
C=$T_TMP/lifeboat.conf
cat >"$C" <<EOF2
[pve lab]
url = $PVE_URL
token_file = $PVE_TOKEN_FILE
fingerprint = $FINGERPRINT

[pbs lab]
url = $PBS_URL
token_file = $PBS_TOKEN_FILE
fingerprint = $FINGERPRINT
datastore = usb-ssd
EOF2
chmod 600 "$C"
# status PRODUCT TOKENFILE PATH: HTTP status of a GET with that file's token
status() {
    python3 - "$1" "$2" "$3" "$([ "$1" = pve ] && echo "$PVE_URL" || echo "$PBS_URL")" <<'EOF2'
import ssl, sys, urllib.request, urllib.error
prod, tf, path, base = sys.argv[1:5]
line = open(tf).read().strip()
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
i = line.index("!"); j = line.index("=" if prod == "pve" else ":", i)
h = ("PVEAPIToken=%s=%s" if prod == "pve" else "PBSAPIToken=%s:%s") % (line[:j], line[j + 1:])
try:
    with urllib.request.urlopen(urllib.request.Request(base + "/api2/json" + path,
                                headers={"Authorization": h}), context=ctx, timeout=20) as r:
        print(r.status)
except urllib.error.HTTPError as e:
    print(e.code)
EOF2
}
secrets() { for f in "$@"; do sed 's/^[^!]*![^=:]*[=:]//' "$f"; done; }
no_secret_on_screen() { ! screen app | grep -qF -f "$T_TMP/secrets"; }
cat >"$T_TMP/console.sh" <<EOS
"$LIFEBOAT" -c "$C"
echo "EXIT=\$?"
exec sleep 120
EOS
# shellcheck disable=SC2046
tmux_start app 80 24 "sh $T_TMP/console.sh" $(sanitizer_env "$SAN")
wait_for "Overview" app || { fail "console started"; exit 1; }
keys app 7
check "screen 7" wait_for "restore drills"

# ---- Back and Cancel change nothing
keys app K
check "K offers the API tokens" wait_for "PVE token of [pve lab]"
keys app Enter
check "the PVE summary" wait_for "Type the token id to go on." app 30
keys app Escape
check "Esc at the summary goes back to the choice" wait_for "Rotate the key of which repo?"
keys app Escape
check "Esc on the first step closes the wizard" wait_gone "Rotate the key of which repo?"
check "nothing changed: the PVE token file is as it was" cmp -s "$PVE_TOKEN_FILE" "$T_TMP/pve.old"

# ---- PBS 3.2: create + copy ACLs + delete
keys app K
check "K offers the PBS token too" wait_for "PBS token of [pbs lab]"
keys app Down Enter
check "the summary names the method" wait_for "create a new token, copy ACLs, delete the old" app 30
check "the summary names the token" wait_for "lifeboat@pbs!console"
check "it asks for the token id" wait_for "Type the token id to go on."
keys app Enter
check "Enter without the token id typed does nothing" wait_for "Summary: nothing has been changed yet"
keys app -l 'lifeboat@pbs!console'
keys app Enter
check "the rotation ends: Token rotated" wait_for "Token rotated" app 60
today=$(date +%Y%m%d)
check "the result names the new token" wait_for "lifeboat@pbs!console-$today"
secrets "$T_TMP/pbs.old" "$PBS_TOKEN_FILE" >"$T_TMP/secrets"
check "no PBS secret on the screen" no_secret_on_screen
check "the PBS token file holds the new token" grep -q "^lifeboat@pbs!console-$today:" "$PBS_TOKEN_FILE"
check "the new PBS token works" test "$(status pbs "$PBS_TOKEN_FILE" /admin/datastore/usb-ssd/status)" = 200
check "the old PBS token is refused (401)" test "$(status pbs "$T_TMP/pbs.old" /version)" = 401
keys app Enter
check "Done goes back to the screen" wait_for "restore drills"

# ---- PVE 9.1: regenerate
python3 "$SIM/ctl" "$PVE_URL" version pve 9.1.2 >/dev/null
keys app K
wait_for "PVE token of [pve lab]" >/dev/null
keys app Enter
check "PVE 9.1: the summary says regenerate" wait_for "regenerate the secret in place" app 30
keys app -l 'lifeboat@pve!console'
keys app Enter
check "PVE: Token rotated" wait_for "Token rotated" app 60
check "PVE: the old secret is refused" test "$(status pve "$T_TMP/pve.old" /version)" = 401
check "PVE: the regenerated secret works" test "$(status pve "$PVE_TOKEN_FILE" /cluster/backup)" = 200
secrets "$T_TMP/pve.old" "$PVE_TOKEN_FILE" "$T_TMP/pbs.old" "$PBS_TOKEN_FILE" >"$T_TMP/secrets"
check "no secret on the screen" no_secret_on_screen
check "the token files are 0600 with no .old left" sh -c \
    "test \"\$(stat -c %a '$PVE_TOKEN_FILE')\" = 600 && test ! -e '$PVE_TOKEN_FILE.old' && test ! -e '$PBS_TOKEN_FILE.old'"
keys app Enter
wait_for "restore drills" >/dev/null
keys app q
check "q quits the console" wait_for "EXIT=0"
check "no secret in the log or the database" sh -c "! grep -raqF -f '$T_TMP/secrets' '$XDG_STATE_HOME'"
sanitizer_check "no sanitizer report" "$SAN"
done_testing
