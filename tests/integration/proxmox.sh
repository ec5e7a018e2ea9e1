#!/bin/sh
# Proxmox VE + PBS against the simulator (tests/sim): `lifeboat guests --json`
# shows what the simulated homelab holds; `config check` shows each endpoint's
# certificate fingerprint and whether it matches the pin; a wrong pin is refused
# before any request reaches the server (the simulator's request log proves
# it); 401, 403, 500, malformed and truncated answers and a hung server each end
# in one clear error; the simulator's answers have the shape of the real
# captures in tests/fixtures/proxmox.
. "$(dirname "$0")/../lib.sh"

for t in python3 openssl; do
    command -v $t >/dev/null || { skip "proxmox: $t not installed"; exit 0; }
done
SIM=$TOP/tests/sim
eval "$("$SIM/run" --state-dir "$T_TMP/sim" --auth-delay 0.3 --task-seconds 1)" || {
    fail "the simulator starts"; exit 1; }
at_exit "kill $SIM_PID"
CTL="python3 $SIM/ctl"

C=$T_TMP/lifeboat.conf
write_conf() { # write_conf PVE_FINGERPRINT PBS_FINGERPRINT
    cat >"$C" <<EOF
[pve lab]
url = $PVE_URL
token_file = $PVE_TOKEN_FILE
fingerprint = $1
snapshot_max_age = 7d

[pbs lab]
url = $PBS_URL
token_file = $PBS_TOKEN_FILE
fingerprint = $2
datastore = usb-ssd
EOF
    chmod 600 "$C"
}
write_conf "$FINGERPRINT" "$FINGERPRINT"
LB() { "$LIFEBOAT" -c "$C" "$@"; }
secret=$(sed 's/.*=//' "$PVE_TOKEN_FILE")

# ---- good path
run LB guests --json
expect_rc "guests --json: exit 0" 0
printf '%s\n' "$T_OUT" >"$T_TMP/guests.json"
check "guests: six guests, the template left out" python3 - "$T_TMP/guests.json" <<'EOF'
import json, sys
g = {x["vmid"]: x for x in json.load(open(sys.argv[1]))}
assert sorted(g) == [100, 101, 102, 103, 104, 9000], sorted(g)
EOF
check "guests: snapshots counted, newest/oldest given, stale one marked" python3 - "$T_TMP/guests.json" <<'EOF'
import json, sys, datetime
g = {x["vmid"]: x for x in json.load(open(sys.argv[1]))}
s = g[100]["snapshots"]
assert s["count"] == 2 and not s["stale"], s
t = lambda v: datetime.datetime.fromisoformat(v).timestamp()
assert 3 * 86400 < t(s["newest"]) - t(s["oldest"]) < 5 * 86400, s
assert g[101]["snapshots"]["stale"] is True, g[101]
assert g[102]["snapshots"] == {"count": 0, "newest": None, "oldest": None, "stale": False}
assert g[100]["type"] == "qemu" and g[102]["type"] == "lxc" and g[100]["node"] == "pve"
EOF
check "guests: newest PBS backup with verify state (one failed verify)" python3 - "$T_TMP/guests.json" <<'EOF'
import json, sys
g = {x["vmid"]: x for x in json.load(open(sys.argv[1]))}
assert g[103]["last_backup"]["verify"] == "failed", g[103]
assert g[100]["last_backup"]["verify"] == "none", g[100]   # last night's: not verified yet
assert g[104]["last_backup"] is None, g[104]
assert g[9000]["last_backup"]["verify"] == "ok", g[9000]
EOF
check "guests: covering backup job, null for the guest no job selects" python3 - "$T_TMP/guests.json" <<'EOF'
import json, sys
g = {x["vmid"]: x for x in json.load(open(sys.argv[1]))}
assert g[100]["backup_job"] == "backup-83831498-c631", g[100]
assert g[104]["backup_job"] is None, g[104]
assert g[9000]["backup_job"] == "backup-70025700-2302", g[9000]  # disabled jobs count (PVE's rule)
EOF
expect_no_out "guests: the token secret is never printed" "$secret"
run LB guests
expect_rc "guests (text): exit 0" 0
expect_out "guests (text): the guest without a job says so" "homeassistant"
expect_out "guests (text): NONE for no job" "NONE"

# ---- config check: fingerprints
run LB config check
expect_rc "config check: exit 0 with matching pins" 0
expect_out "config check: pve fingerprint shown and matching" "pve lab: certificate $FINGERPRINT matches the pin"
expect_out "config check: pbs fingerprint shown and matching" "pbs lab: certificate $FINGERPRINT matches the pin"
expect_out "config check: the API answers with the token" "PVE 8.1.4 answers"
expect_out "config check: the datastore is there" "datastore usb-ssd"
expect_no_out "config check: no secret" "$secret"

WRONG=00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF
write_conf "$WRONG" "$FINGERPRINT"
$CTL "$PVE_URL" clear-requests
run LB guests --json
expect_rc "wrong pin: guests fails (exit 2)" 2
expect_out "wrong pin: shows the fingerprint the server presented" "$FINGERPRINT"
expect_out "wrong pin: and the pin" "$WRONG"
check "wrong pin: no request reached the PVE simulator" test -z "$($CTL "$PVE_URL" requests | grep '^pve')"
run LB config check
expect_rc "wrong pin: config check warns (exit 1)" 1
expect_out "wrong pin: config check names the presented fingerprint" "pve lab: certificate $FINGERPRINT does not match the pin $WRONG"
write_conf "$FINGERPRINT" "$FINGERPRINT"

# the server changes its certificate (fault mode wrongcert)
$CTL "$PVE_URL" fault wrongcert >/dev/null
run LB guests --json
expect_rc "server presents another certificate: exit 2" 2
expect_out "another certificate: says the fingerprint differs from the pin" "but the pin is $FINGERPRINT"
$CTL "$PVE_URL" fault none >/dev/null

# ---- auth and permissions
cp "$PVE_TOKEN_FILE" "$T_TMP/good.token"
secret_file "$T_TMP/bad.token" "lifeboat@pve!console=00000000-0000-0000-0000-000000000000"
sed -i "s#^token_file = $PVE_TOKEN_FILE#token_file = $T_TMP/bad.token#" "$C"
run LB guests --json
expect_rc "401: exit 2" 2
expect_out "401: names the token and its file" "refused the API token 'lifeboat@pve!console' from $T_TMP/bad.token (401"
expect_out "401: says what to check" "is enabled and not expired"
write_conf "$FINGERPRINT" "$FINGERPRINT"
secret_file "$T_TMP/garbled.token" "just-a-secret"
sed -i "s#^token_file = $PBS_TOKEN_FILE#token_file = $T_TMP/garbled.token#" "$C"
run LB guests --json
expect_rc "garbled token file: exit 2" 2
expect_out "garbled token file: says the form expected" "is not one line USER@REALM!TOKENNAME:SECRET"
expect_no_out "garbled token file: its content is not shown" "just-a-secret"
write_conf "$FINGERPRINT" "$FINGERPRINT"

fault() { # fault URL MODE PATH NAME EXPECTED...
    url=$1 mode=$2 path=$3 name=$4
    shift 4
    $CTL "$url" fault "$mode" "$path" >/dev/null
    run timeout 60 "$LIFEBOAT" -c "$C" guests --json --timeout 2s
    $CTL "$url" fault none >/dev/null
    expect_rc "$name: exit 2" 2
    for want in "$@"; do expect_out "$name: says '$want'" "$want"; done
}
fault "$PVE_URL" 403 /cluster/backup "403" "403 Permission check failed (/, Sys.Audit)" "the token lacks Sys.Audit on /" "pveum acl modify"
fault "$PBS_URL" 403 /admin/datastore "403 (PBS)" "403 permission check failed" "lacks Datastore.Audit on /datastore/usb-ssd" "proxmox-backup-manager acl update"
fault "$PVE_URL" 500 /cluster/resources "500" "simulated failure: got timeout (500)"
fault "$PVE_URL" malformed /cluster/backup-info "malformed JSON" "sent a bad answer to GET /cluster/backup-info/not-backed-up" "not valid JSON"
fault "$PBS_URL" truncated /admin/datastore "truncated body" "PBS 'lab'"
fault "$PVE_URL" hang /cluster/resources "hung server" "did not answer GET /cluster/resources?type=vm in time" "lifeboat stopped waiting"
fault "$PVE_URL" 401 /cluster "401 fault mode" "(401 Authentication failed!)"
run LB guests --json
expect_rc "after the faults: guests works again" 0

# ---- the simulator answers in the shape of the real captures
check "simulator answers have every field of the real captures, same JSON types" python3 - "$TOP/tests/fixtures/proxmox" "$PVE_URL" "$PBS_URL" "$PVE_TOKEN_FILE" "$PBS_TOKEN_FILE" <<'EOF'
import json, ssl, sys, urllib.request
fix, pve, pbs, pvet, pbst = sys.argv[1:]
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
hdr = {"pve": "PVEAPIToken=" + open(pvet).read().strip(), "pbs": "PBSAPIToken=" + open(pbst).read().strip()}
def get(prod, path):
    base = pve if prod == "pve" else pbs
    r = urllib.request.Request(base + "/api2/json" + path, headers={"Authorization": hdr[prod]})
    return json.load(urllib.request.urlopen(r, context=ctx, timeout=10))
cases = [("pve-GET-cluster-resources--type-vm.json", "pve", "/cluster/resources?type=vm", {"pool"}),
         ("pve-GET-nodes-node-qemu.json", "pve", "/nodes/pve/qemu", {"pid"}),
         ("pve-GET-nodes-node-lxc--pre-8.2-string-vmid.json", "pve", "/nodes/pve/lxc", {"pid"}),
         ("pve-GET-cluster-backup.json", "pve", "/cluster/backup", {"mailnotification"}),
         ("pve-GET-nodes-node-storage-storage-content--pbs-storage.json", "pve",
          "/nodes/pve/storage/pbs-usb/content?content=backup", set()),
         ("pbs-GET-admin-datastore-store-snapshots--via-client-snapshot-list.json", "pbs",
          "/admin/datastore/usb-ssd/snapshots", {"verification"}),
         # finished tasks nobody at lifeboat started (last night's vzdump): PVE's task list
         ("pve-GET-nodes-node-tasks.json", "pve", "/nodes/pve/tasks", set()),
         ("pve-GET-nodes-node-tasks.json", "pve", "/cluster/tasks", set())]
def kind(v):
    return "number" if isinstance(v, (int, float)) and not isinstance(v, bool) else type(v).__name__
bad = []
for f, prod, path, optional in cases:
    real = json.load(open(fix + "/" + f))["data"]
    sim = get(prod, path)["data"]
    assert sim, (f, "empty answer")
    for key in {k for item in real for k in item} - optional:
        vals = [item[key] for item in sim if key in item]
        if not vals:
            bad.append("%s: no item has %r" % (f, key))
            continue
        want = {kind(item[key]) for item in real if key in item}
        if not {kind(v) for v in vals} <= want:
            bad.append("%s: %r is %s, real is %s" % (f, key, {kind(v) for v in vals}, want))
    if "pre-8.2" in f:  # the string vmid quirk
        assert all(isinstance(i["vmid"], str) for i in sim)
if bad:
    sys.exit("\n".join(bad))
EOF

done_testing
