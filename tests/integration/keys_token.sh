#!/bin/sh
# `lifeboat keys rotate-token pve|pbs` against the simulator (tests/sim):
# - regenerate on a new enough server (PVE 9.1, PBS 3.4): the old secret gets
#   401, the new one works, the token file is replaced (0600, no .old left),
#   `keys status` shows the rotation;
# - create + copy ACLs + delete on an old server: the new token OLD-YYYYMMDD
#   holds the old one's ACL entries, the old token is deleted (401), the file
#   names the new token;
# - the token file's directory read-only: create path stops after creating,
#   the old token still works and is in the file, the new token is deleted
#   again, the message says where it stopped; regenerate path stops before
#   regenerating;
# - headless without --yes is refused; no secret ever appears in the output,
#   the log or the database.
. "$(dirname "$0")/../lib.sh"

for t in python3 openssl; do
    command -v $t >/dev/null || { skip "keys_token: $t not installed"; exit 0; }
done
SIM=$TOP/tests/sim
eval "$("$SIM/run" --state-dir "$T_TMP/sim" --auth-delay 0.2 --task-seconds 1)" || {
    fail "the simulator starts"; exit 1; }
at_exit "kill $SIM_PID"
CTL="python3 $SIM/ctl"

# the token files live in their own directory (the read-only case makes it unwritable)
mkdir -p "$T_TMP/etc"
cp "$PVE_TOKEN_FILE" "$T_TMP/etc/pve.token"
cp "$PBS_TOKEN_FILE" "$T_TMP/etc/pbs.token"
chmod 600 "$T_TMP/etc/pve.token" "$T_TMP/etc/pbs.token"
PVE_TF=$T_TMP/etc/pve.token
PBS_TF=$T_TMP/etc/pbs.token
C=$T_TMP/lifeboat.conf
cat >"$C" <<EOF
[pve lab]
url = $PVE_URL
token_file = $PVE_TF
fingerprint = $FINGERPRINT

[pbs lab]
url = $PBS_URL
token_file = $PBS_TF
fingerprint = $FINGERPRINT
datastore = usb-ssd
EOF
chmod 600 "$C"
LB() { "$LIFEBOAT" -c "$C" "$@"; }
# rot ARGS: run keys rotate-token, its output kept for the secret check at the end
rot() { run LB keys rotate-token "$@"; printf '%s\n' "$T_OUT" >>"$T_TMP/all-out"; }
SECRETS=$T_TMP/secrets # every secret seen, one a line: none may leak
secrets_add() { sed 's/^[^!]*![^=:]*[=:]//' "$1" >>"$SECRETS"; }
secrets_add "$PVE_TF"
secrets_add "$PBS_TF"

# api PRODUCT TOKENFILE PATH: HTTP status of an authenticated GET with that file's token
api() {
    python3 - "$1" "$2" "$3" "$([ "$1" = pve ] && echo "$PVE_URL" || echo "$PBS_URL")" <<'EOF'
import ssl, sys, urllib.request, urllib.error
prod, tf, path, base = sys.argv[1:5]
line = open(tf).read().strip()
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
if prod == "pve":
    h = "PVEAPIToken=" + line
else:
    i = line.index("!"); j = line.index(":", i)
    h = "PBSAPIToken=%s:%s" % (line[:j], line[j + 1:])
req = urllib.request.Request(base + "/api2/json" + path, headers={"Authorization": h})
try:
    with urllib.request.urlopen(req, context=ctx, timeout=20) as r:
        print(r.status)
except urllib.error.HTTPError as e:
    print(e.code)
EOF
}
state() { # state PRODUCT EXPR: python expression over the sim's state (tokens, acl)
    python3 - "$PVE_URL" "$1" "$2" <<'EOF'
import json, ssl, sys, urllib.request
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
s = json.load(urllib.request.urlopen(sys.argv[1] + "/_sim/state", context=ctx))
prod = sys.argv[2]
tokens, acl = s["tokens"][prod], s["acl"][prod]
print(eval(sys.argv[3]))
EOF
}
mode() { stat -c %a "$1"; }
# rot_ro ARGS: rotate-token with the token files' directory read-only (a read-only
# bind mount in a private mount namespace: chmod does not stop root)
if unshare -rm sh -c "mount --bind -o ro '$T_TMP/etc' '$T_TMP/etc' && ! touch '$T_TMP/etc/x'" 2>/dev/null; then
    rot_ro() {
        run unshare -rm sh -c 'mount --bind -o ro "$1" "$1" && shift && exec "$@"' sh \
            "$T_TMP/etc" "$LIFEBOAT" -c "$C" keys rotate-token "$@"
        printf '%s\n' "$T_OUT" >>"$T_TMP/all-out"
    }
elif [ "$(id -u)" != 0 ]; then
    rot_ro() { chmod 500 "$T_TMP/etc"; rot "$@"; chmod 700 "$T_TMP/etc"; }
else
    rot_ro() { return 1; }
fi
rm -f "$T_TMP/etc/x"

# ---- refused headless without --yes
rot pve </dev/null
expect_rc "rotate-token headless without --yes: usage error" 64
expect_out "it asks for --yes" "--yes"
check "nothing changed without --yes" test "$(api pve "$PVE_TF" /version)" = 200

# ---- PVE, old version (8.1.4): create + copy ACLs + delete
cp "$PVE_TF" "$T_TMP/pve.old-token"
old_acl=$(state pve "sorted((e['path'], e['roleid']) for e in acl if e['ugid'] == 'lifeboat@pve!console')")
rot pve --yes
expect_rc "pve (8.1.4) rotate-token: exit 0" 0
expect_out "pve: says the token was replaced and ACL entries copied" "3 ACL entries copied"
today=$(date +%Y%m%d)
check "pve: the token file names the new token console-$today" \
    grep -q "^lifeboat@pve!console-$today=" "$PVE_TF"
secrets_add "$PVE_TF"
check "pve: the token file is 0600" test "$(mode "$PVE_TF")" = 600
check "pve: no .old or .new left" test ! -e "$PVE_TF.old" -a ! -e "$PVE_TF.new"
check "pve: the new token works (GET /cluster/backup)" test "$(api pve "$PVE_TF" /cluster/backup)" = 200
check "pve: the old token is refused (401)" test "$(api pve "$T_TMP/pve.old-token" /version)" = 401
check "pve: the old token is deleted on the server" \
    test "$(state pve "'lifeboat@pve!console' in tokens")" = False
check "pve: the new token holds the old one's ACL entries" test \
    "$(state pve "sorted((e['path'], e['roleid']) for e in acl if e['ugid'] == 'lifeboat@pve!console-$today')")" = "$old_acl"
run LB keys status
expect_out "keys status: the pve token's age comes from the rotation" "token lifeboat@pve!console-$today (was lifeboat@pve!console)"
printf '%s\n' "$T_OUT" | grep "pve lab token_file" | grep -q rotation &&
    pass "keys status: pve token_file from rotation" || fail "keys status: pve token_file from rotation"

# ---- PVE create path, the new token fails its proof (403 on /cluster/backup):
# the previous file is put back and the new token deleted again
$CTL "$PVE_URL" fault 403 /cluster/backup >/dev/null
cp "$PVE_TF" "$T_TMP/pve.before-proof"
rot pve --yes
$CTL "$PVE_URL" fault none >/dev/null
expect_rc "pve, proof fails: exit 2" 2
expect_out "it says the new token does not work through the file" "the new token does not work through"
expect_out "it says the new token was deleted again" "the new token was deleted again"
check "pve, proof fails: the previous token file is back" cmp -s "$PVE_TF" "$T_TMP/pve.before-proof"
check "pve, proof fails: that token still works" test "$(api pve "$PVE_TF" /cluster/backup)" = 200
check "pve, proof fails: only that token on the server" \
    test "$(state pve "sorted(tokens)")" = "['lifeboat@pve!console-$today']"
check "pve, proof fails: no .old or .new left" test ! -e "$PVE_TF.old" -a ! -e "$PVE_TF.new"

# ---- PBS, new version (3.4): regenerate in place
$CTL "$PBS_URL" version pbs 3.4.1 >/dev/null
cp "$PBS_TF" "$T_TMP/pbs.old-token"
ino=$(stat -c %i "$PBS_TF")
rot pbs lab --yes --json
expect_rc "pbs (3.4) rotate-token --json: exit 0" 0
printf '%s\n' "$T_OUT" >"$T_TMP/pbs.json"
check "pbs: the record says regenerate, ok, same token id" python3 - "$T_TMP/pbs.json" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
assert j["outcome"] == "ok" and j["method"] == "token regenerate", j
assert j["old_key"] == j["new_key"] == "lifeboat@pbs!console", j
assert j["server_version"].startswith("3.4") and j["stage"] == "done", j
EOF
secrets_add "$PBS_TF"
check "pbs: the token file was replaced (a new file)" test "$(stat -c %i "$PBS_TF")" != "$ino"
check "pbs: same token id, another secret" sh -c \
    "grep -q '^lifeboat@pbs!console:' '$PBS_TF' && ! cmp -s '$PBS_TF' '$T_TMP/pbs.old-token'"
check "pbs: the token file is 0600" test "$(mode "$PBS_TF")" = 600
check "pbs: no .old or .new left" test ! -e "$PBS_TF.old" -a ! -e "$PBS_TF.new"
check "pbs: the new secret works (datastore status)" \
    test "$(api pbs "$PBS_TF" /admin/datastore/usb-ssd/status)" = 200
check "pbs: the old secret is refused (401)" test "$(api pbs "$T_TMP/pbs.old-token" /version)" = 401
check "pbs: its ACL entries are kept" test "$(state pbs "len([e for e in acl if e['ugid'] == 'lifeboat@pbs!console'])")" = 2
run LB keys status --json
printf '%s\n' "$T_OUT" >"$T_TMP/status.json"
check "keys status --json: the pbs token regenerated just now" python3 - "$T_TMP/status.json" <<'EOF'
import json, sys
s = {x["secret"]: x for x in json.load(open(sys.argv[1]))["secrets"]}
p = s["pbs lab token_file"]
assert p["from"] == "rotation" and p["age_seconds"] < 600 and not p["overdue"], p
assert "regenerated" in p["note"], p
EOF

# ---- PVE, new version (9.1.2): regenerate
$CTL "$PVE_URL" version pve 9.1.2 >/dev/null
cp "$PVE_TF" "$T_TMP/pve.old-token2"
rot pve --yes
expect_rc "pve (9.1.2) rotate-token: exit 0" 0
expect_out "pve 9.1: regenerated" "regenerated"
secrets_add "$PVE_TF"
check "pve 9.1: old secret 401" test "$(api pve "$T_TMP/pve.old-token2" /version)" = 401
check "pve 9.1: new secret 200" test "$(api pve "$PVE_TF" /cluster/backup)" = 200
check "pve 9.1: no .old left, 0600" test ! -e "$PVE_TF.old" -a "$(mode "$PVE_TF")" = 600

# ---- PVE regenerate, the proof fails afterwards: the new secret is kept in the file
$CTL "$PVE_URL" fault 403 /cluster/backup >/dev/null
cp "$PVE_TF" "$T_TMP/pve.old-token3"
rot pve --yes
$CTL "$PVE_URL" fault none >/dev/null
expect_rc "pve regenerate, proof fails: exit 2" 2
expect_out "it says the file holds the new secret" "holds the new secret (the old secret no longer works)"
secrets_add "$PVE_TF"
check "pve regenerate, proof fails: the file's new secret authenticates" \
    test "$(api pve "$PVE_TF" /cluster/backup)" = 200
check "pve regenerate, proof fails: the old secret is refused" \
    test "$(api pve "$T_TMP/pve.old-token3" /version)" = 401
check "pve regenerate, proof fails: no .old left to block the next rotation" test ! -e "$PVE_TF.old"

# ---- PVE 9.1 whose access-control package has no regenerate yet: the PUT gets
# 400, nothing changed, so it falls back to create + copy + delete
$CTL "$PVE_URL" version pve 9.1.0 0 >/dev/null
cp "$PVE_TF" "$T_TMP/pve.old-token4"
old4=$(sed 's/[=].*//' "$PVE_TF")
rot pve --yes
expect_rc "pve 9.1 without regenerate: exit 0" 0
expect_out "it says the server refused regenerate" "refused regenerate (400): creating a new token instead"
secrets_add "$PVE_TF"
check "pve fallback: the file names a new token" sh -c "! grep -q '^$old4=' '$PVE_TF'"
check "pve fallback: the new token works" test "$(api pve "$PVE_TF" /cluster/backup)" = 200
check "pve fallback: the old token is refused" test "$(api pve "$T_TMP/pve.old-token4" /version)" = 401
check "pve fallback: one token on the server, with 3 ACL entries" \
    test "$(state pve "(len(tokens), len(acl))")" = "(1, 3)"
$CTL "$PVE_URL" version pve 9.1.2 >/dev/null

# ---- failure after creating: the token file's directory read-only (PBS, old version)
$CTL "$PBS_URL" version pbs 3.2.4 >/dev/null
cp "$PBS_TF" "$T_TMP/pbs.before-ro"
at_exit "chmod 700 '$T_TMP/etc'"
rot_ro pbs --yes || { skip "read-only token directory: no mount namespace and running as root"; }
expect_rc "pbs read-only dir: exit 2" 2
expect_out "it says where it stopped" "new token created but could not be written"
expect_out "it says the old token still works" "the old token lifeboat@pbs!console still works"
expect_out "it says the new token was deleted again" "deleted again"
check "pbs read-only dir: the token file is unchanged" cmp -s "$PBS_TF" "$T_TMP/pbs.before-ro"
check "pbs read-only dir: the old token still works" \
    test "$(api pbs "$PBS_TF" /admin/datastore/usb-ssd/status)" = 200
check "pbs read-only dir: only the old token on the server" \
    test "$(state pbs "sorted(tokens)")" = "['lifeboat@pbs!console']"
check "pbs read-only dir: no .old or .new left" test ! -e "$PBS_TF.old" -a ! -e "$PBS_TF.new"
rot pbs --yes --json
printf '%s\n' "$T_OUT" >"$T_TMP/pbs-ok.json"
check "pbs: a later rotation works (create path)" python3 - "$T_TMP/pbs-ok.json" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
assert j["outcome"] == "ok" and j["method"] == "token recreate" and j["acl_entries"] == 2, j
EOF
secrets_add "$PBS_TF"

# ---- regenerate with the directory read-only: stops before the old secret dies (PVE 9.1)
cp "$PVE_TF" "$T_TMP/pve.before-ro"
rot_ro pve --yes || { skip "read-only token directory: no mount namespace and running as root"; }
expect_rc "pve regenerate, read-only dir: exit 2" 2
expect_out "it stopped before regenerating" "stopped before regenerate"
check "pve read-only dir: the token in the file still works" \
    test "$(api pve "$PVE_TF" /cluster/backup)" = 200
check "pve read-only dir: the file is unchanged" cmp -s "$PVE_TF" "$T_TMP/pve.before-ro"

# ---- regenerate, then the disk is full: the old secret is dead, the new one must
# not be lost. The token file on a full tmpfs (its own mount namespace): the
# empty TOKEN_FILE.new is made, the secret cannot be written into it; it goes
# to a 0600 file in the state directory and the message says where.
if unshare -rm true 2>/dev/null; then
    mkdir -p "$T_TMP/full"
    sed "s#^token_file = $PVE_TF#token_file = $T_TMP/full/pve.token#" "$C" >"$T_TMP/full.conf"
    chmod 600 "$T_TMP/full.conf"
    cp "$PVE_TF" "$T_TMP/pve.before-full"
    run unshare -rm sh -c '
        mount -t tmpfs -o size=16k tmpfs "$1/full" || exit 90
        cp "$2" "$1/full/pve.token" && chmod 600 "$1/full/pve.token"
        dd if=/dev/zero of="$1/full/filler" bs=1k count=64 2>/dev/null
        "$3" -c "$1/full.conf" keys rotate-token pve --yes; rc=$?
        cp "$1/full/pve.token" "$1/full-after.token"
        ls -a "$1/full" >"$1/full-ls"
        exit $rc' sh "$T_TMP" "$PVE_TF" "$LIFEBOAT"
    printf '%s\n' "$T_OUT" >>"$T_TMP/all-out"
    expect_rc "pve regenerate, disk full: exit 2" 2
    expect_out "it says the old secret no longer works" "the old secret no longer works"
    rescued=$XDG_STATE_HOME/lifeboat/pve-lab.token.rescued
    expect_out "it names the file holding the new secret" "$rescued"
    check "the rescued file is 0600" test "$(mode "$rescued")" = 600
    secrets_add "$rescued"
    check "the rescued secret authenticates" test "$(api pve "$rescued" /cluster/backup)" = 200
    check "the token file is unchanged (its secret now refused)" \
        test "$(api pve "$T_TMP/full-after.token" /version)" = 401
    check "no empty .new left on the full disk" sh -c "! grep -q 'pve.token.new' '$T_TMP/full-ls'"
    rot pve --yes
    expect_rc "a rescued secret left in the state directory: the next rotation refuses" 2
    expect_out "it says to move the rescued secret first" "move it over that file"
    mv "$rescued" "$PVE_TF" # the operator moves it over the token file
    check "after moving it over the token file, lifeboat works again" \
        test "$(api pve "$PVE_TF" /cluster/backup)" = 200
else
    skip "regenerate on a full disk: no mount namespace here"
fi

# ---- a .old left by an earlier rotation is refused
cp "$PVE_TF" "$PVE_TF.old"
rot pve --yes
expect_rc "a left-over token_file.old: refused" 2
expect_out "it names the left-over file" "pve.token.old exists"
rm -f "$PVE_TF.old"

# ---- no secret anywhere
sort -u "$SECRETS" | grep . >"$SECRETS.u"
check "secrets: $(wc -l <"$SECRETS.u") distinct secrets seen" test "$(wc -l <"$SECRETS.u")" -ge 5
check "no secret in any output of lifeboat" sh -c "! grep -qF -f '$SECRETS.u' '$T_TMP/all-out'"
check "no secret in the log or the database" sh -c "! grep -raqF -f '$SECRETS.u' '$XDG_STATE_HOME'"
done_testing
