#!/bin/sh
# `lifeboat restore guest` against the Proxmox simulator (tests/sim): a
# restore to a new VMID creates the guest with the backup's config and
# leaves the original alone; a taken VMID is refused; over the original
# nothing happens without --yes and the exact --confirm VMID-NAME; a running
# original is refused unless --shutdown; with everything the original is the
# backup again (config equal, snapshots gone); a restore task that fails is
# a clear error and a failed record; unknown guest, no backup and an
# unreachable endpoint are clear errors; the token never shows. The
# simulator itself refuses a restore over an existing, running or protected
# guest as PVE does.
. "$(dirname "$0")/../lib.sh"

command -v python3 >/dev/null || { skip "restore_guest: python3 not installed"; exit 0; }
SIM=$TOP/tests/sim
eval "$("$SIM/run" --state-dir "$T_TMP/sim" --auth-delay 0.2 --task-seconds 0.3)" || {
    fail "the simulator starts"; exit 1; }
at_exit "kill $SIM_PID"
CTL="python3 $SIM/ctl"
SECRET=$(sed 's/.*=//' "$PVE_TOKEN_FILE")

C=$T_TMP/lifeboat.conf
cat >"$C" <<EOF
[pve lab]
url = $PVE_URL
token_file = $PVE_TOKEN_FILE
fingerprint = $FINGERPRINT
EOF
chmod 600 "$C"
LB() { "$LIFEBOAT" -c "$C" "$@"; }
# api METHOD PATH [k=v ...]: the answer's "data" as JSON; an error prints "HTTP CODE: reason"
api() { python3 - "$PVE_URL" "$PVE_TOKEN_FILE" "$@" <<'EOF'
import json, ssl, sys, urllib.error, urllib.request, urllib.parse
url, tok, method, path = sys.argv[1:5]
form = dict(a.split("=", 1) for a in sys.argv[5:])
ctx = ssl._create_unverified_context()
req = urllib.request.Request(url + "/api2/json" + path, method=method,
                             data=urllib.parse.urlencode(form).encode() if form else None,
                             headers={"Authorization": "PVEAPIToken=" + open(tok).read().strip()})
try:
    print(json.dumps(json.load(urllib.request.urlopen(req, context=ctx))["data"]))
except urllib.error.HTTPError as e:
    print("HTTP %d: %s" % (e.code, e.reason))
EOF
}
sim() { python3 - "$PVE_URL" "$@" <<'EOF'
import ssl, sys, urllib.request, urllib.parse
url, path = sys.argv[1:3]
form = dict(a.split("=", 1) for a in sys.argv[3:])
req = urllib.request.Request(url + path, data=urllib.parse.urlencode(form).encode(), method="POST")
urllib.request.urlopen(req, context=ssl._create_unverified_context()).read()
EOF
}
jget() { python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    d = d[int(k)] if isinstance(d, list) else d[k]
print("null" if d is None else (str(d).lower() if isinstance(d, bool) else d))' "$@"; }
guests() { api GET "/cluster/resources?type=vm" | python3 -c 'import json,sys
print(" ".join(str(g["vmid"]) for g in sorted(json.load(sys.stdin), key=lambda g: g["vmid"])))'; }
status() { api GET "/cluster/resources?type=vm" | python3 -c 'import json,sys
print([g["status"] for g in json.load(sys.stdin) if g["vmid"] == int(sys.argv[1])][0])' "$1"; }
snaps() { api GET /nodes/pve/qemu/"$1"/snapshot | python3 -c 'import json,sys
print(" ".join(sorted(s["name"] for s in json.load(sys.stdin) if s["name"] != "current")))'; }
digest() { api GET /nodes/pve/qemu/"$1"/config | python3 -c 'import json,sys; print(json.load(sys.stdin)["digest"])'; }
# the guest's config without digest/parent, disks without volume names, MACs as *
conf() { api GET /nodes/pve/qemu/"$1"/config | python3 -c "$NORM"; }
backup_conf() { api GET "/nodes/pve/vzdump/extractconfig?volume=$1" | python3 -c 'import json,sys
print(json.dumps(dict(l.split(": ", 1) for l in json.load(sys.stdin).splitlines() if ": " in l)))' | python3 -c "$NORM"; }
NORM='import json,re,sys
c = json.load(sys.stdin)
out = {}
for k, v in c.items():
    if k in ("digest", "parent"): continue
    v = str(v)
    if re.fullmatch(r"(scsi|virtio|sata|ide)\d+|rootfs|efidisk0", k): v = re.sub(r"^[^,]*", "", v)
    if k.startswith("net") and "mac" in sys.argv: v = re.sub(r"([0-9A-F]{2}:){5}[0-9A-F]{2}", "*", v)
    out[k] = v
print(json.dumps(out, sort_keys=True))'
newest() { api GET "/nodes/pve/storage/pbs-usb/content?vmid=$1" | python3 -c 'import json,sys; print(max(json.load(sys.stdin), key=lambda b: b["ctime"])["volid"])'; }
out_all() { cat "$T_TMP"/*.out "$T_TMP"/*.err "$T_TMP"/*.json 2>/dev/null; }

b100=$(newest 100)
before_guests=$(guests)
n_before=$(echo "$before_guests" | wc -w)
before_digest=$(digest 100)
before_snaps=$(snaps 100)

# ---- the simulator refuses as PVE does (reference 3.9)
run api POST /nodes/pve/qemu vmid=101 "archive=$b100"
expect_out "sim: restore over an existing guest without force is refused" "HTTP 500: unable to restore VM 101 - VM 101 already exists on node 'pve'"
run api POST /nodes/pve/qemu vmid=101 "archive=$b100" force=1
expect_out "sim: restore over a running guest is refused" "VM 101 is running"
sim /_sim/guest vmid=9000 protection=1
run api POST /nodes/pve/qemu vmid=9000 "archive=$(newest 9000)" force=1
expect_out "sim: restore over a protected guest is refused" "protection mode enabled"
sim /_sim/guest vmid=9000 protection=0
check "sim: nothing was restored by the refusals" test "$(guests)" = "$before_guests"

# ---- a new VMID (the next free one): the backup's config, the original untouched
LB restore guest 100 --json >"$T_TMP/new.json" 2>"$T_TMP/new.err"
T_RC=$?
T_OUT=$(cat "$T_TMP/new.json" "$T_TMP/new.err")
expect_rc "restore to a new VMID exits 0" 0
new=$(jget "$T_TMP/new.json" target.vmid)
check "the next free VMID is used (105)" test "$new" = 105
check "record: restore-guest ok, verified" test "$(jget "$T_TMP/new.json" record.kind)/$(jget "$T_TMP/new.json" record.outcome)/$(jget "$T_TMP/new.json" record.verified)" = restore-guest/ok/true
check "the newest backup was used" test "$(jget "$T_TMP/new.json" backup.volid)" = "$b100"
check "guest 105 exists" sh -c "echo '$(guests)' | grep -qw 105"
check "guest 105 has the backup's config (MACs new)" test "$(conf 105 mac)" = "$(backup_conf "$b100" mac)"
check "the original 100: config digest unchanged" test "$(digest 100)" = "$before_digest"
check "the original 100: snapshots unchanged" test "$(snaps 100)" = "$before_snaps"
check "the original 100: still running" test "$(status 100)" = running

# ---- a chosen VMID and backup, started
b101=$(api GET "/nodes/pve/storage/pbs-usb/content?vmid=101" | python3 -c 'import json,sys
b=sorted(json.load(sys.stdin), key=lambda b: b["ctime"]); print(b[-2]["volid"])')
run LB restore guest 101 --vmid 300 --backup "${b101##*/}" --start
expect_rc "restore of an older backup into --vmid 300 --start exits 0" 0
expect_out "it says the backup it restores" "$b101"
check "guest 300 runs" test "$(status 300)" = running

# ---- --storage: checked against the node's storages for disks
run LB restore guest 101 --storage local
expect_rc "--storage without disk content: exit 2" 2
expect_out "--storage local: says why and names the right ones" "storage 'local' holds no guest disks on node pve; storages for VM disks: local-lvm"
run LB restore guest 101 --storage nope
expect_out "--storage nope: does not exist" "storage 'nope' does not exist or is disabled"

# ---- a taken VMID is refused, nothing created
run LB restore guest 100 --vmid 101
expect_rc "taken VMID: exit 2" 2
expect_out "taken VMID: says so and names a free one" "VMID 101 is taken by guest 'docker-srv': choose a free VMID (next free: 106)"
run LB restore guest 100 --vmid 100
expect_out "its own VMID: points at --original" "or --original to restore over it"
check "taken VMID: no guest added" test "$(guests | wc -w)" = $((n_before + 2))

# ---- over the original: nothing without --yes and the exact confirmation
$CTL "$PVE_URL" clear-requests
LB restore guest 100 --original >"$T_TMP/orig1.out" 2>"$T_TMP/orig1.err"
T_RC=$?
T_OUT=$(cat "$T_TMP/orig1.out" "$T_TMP/orig1.err")
expect_rc "original without --yes: exit 2" 2
expect_out "preview: the original is replaced" "THE ORIGINAL guest 100"
expect_out "preview: the snapshots that will be gone" "its 2 snapshot(s): weekly pre-upgrade"
expect_out "preview: its status" "status running"
expect_out "preview: the data lost since the backup" "every change to its disks since"
expect_out "preview: how to confirm" "--yes --confirm 100-pfsense"
expect_out "says nothing was done" "nothing done"
run LB restore guest 100 --original --yes
expect_rc "original with --yes but no --confirm: exit 2" 2
expect_out "asks for --confirm" "also needs --confirm VMID-NAME"
run LB restore guest 100 --original --yes --confirm 101-pfsense
expect_rc "original with a wrong --confirm: exit 2" 2
expect_out "wrong --confirm: refused" "--confirm does not name this guest"
run LB restore guest 100 --original --yes --confirm 100-pfsense
expect_rc "running original: exit 2" 2
expect_out "running original: refused with the way out" "the guest is running; shut it down first, or add --shutdown"
check "refusals: no restore, shutdown or other action was sent" sh -c "! $CTL '$PVE_URL' requests | grep -v ' GET '"
check "refusals: config digest unchanged" test "$(digest 100)" = "$before_digest"
check "refusals: snapshots unchanged" test "$(snaps 100)" = "$before_snaps"
check "refusals: still running" test "$(status 100)" = running

# ---- over the original with everything: shut down cleanly, restored, snapshots gone
LB restore guest 100 --original --yes --confirm 100-pfsense --shutdown --json >"$T_TMP/orig.json" 2>"$T_TMP/orig.err"
T_RC=$?
T_OUT=$(cat "$T_TMP/orig.json" "$T_TMP/orig.err")
expect_rc "original with --yes --confirm --shutdown: exit 0" 0
check "original: record ok, verified" test "$(jget "$T_TMP/orig.json" record.outcome)/$(jget "$T_TMP/orig.json" record.verified)" = ok/true
check "original: the loss preview listed the snapshots" test "$(jget "$T_TMP/orig.json" loss.snapshots_removed.0)" = weekly
check "original: shut down cleanly first (a shutdown task, no stop)" sh -c "$CTL '$PVE_URL' requests | grep -q 'POST /api2/json/nodes/pve/qemu/100/status/shutdown' && ! $CTL '$PVE_URL' requests | grep -q 'status/stop'"
check "original: config equals the backup's (MACs kept)" test "$(conf 100)" = "$(backup_conf "$b100")"
check "original: its snapshots are gone" test "$(snaps 100)" = ""
check "original: left stopped (no --start)" test "$(status 100)" = stopped

# ---- protection: refused before anything is done
sim /_sim/guest vmid=9000 protection=1
run LB restore guest 9000 --original --yes --confirm 9000-drill-test
expect_rc "protected original: exit 2" 2
expect_out "protected original: says why" "protection=1"
expect_out "the preview counts config keys added since the backup" "config changes since the backup (1): protection was added since the backup"
sim /_sim/guest vmid=9000 protection=0

# ---- a failing restore task: a clear error, a failed record, no guest
sim /_sim/task-fail type=qmrestore "message=command 'proxmox-backup-client restore' failed: exit code 255"
LB restore guest 101 --json >"$T_TMP/fail.json" 2>"$T_TMP/fail.err"
T_RC=$?
T_OUT=$(cat "$T_TMP/fail.json" "$T_TMP/fail.err")
expect_rc "failing restore task: exit 2" 2
expect_out "failing restore: the task's error" "the restore failed: command 'proxmox-backup-client restore' failed: exit code 255"
expect_out "failing restore: the log tail" "rescan volumes..."
check "failing restore: record failed" test "$(jget "$T_TMP/fail.json" record.outcome)" = failed
check "failing restore: no guest created" test "$(guests | wc -w)" = $((n_before + 2))

# ---- clear errors
run LB restore guest 555
expect_rc "unknown guest: exit 2" 2
expect_out "unknown guest: says so" "guest 555 is unknown"
run LB restore guest 104
expect_out "guest without backups: says so" "guest 104 has no backup on pbs-usb: run its backup job first"
run LB restore guest 100 --backup 2001-01-01
expect_out "no backup at that time: lists the newest" "no backup at '2001-01-01'; the newest are:"
run LB restore guest 100 --original --vmid 300
expect_rc "--original with --vmid: usage error" 64
sed "s|^url = .*|url = https://127.0.0.1:1|" "$C" >"$T_TMP/down.conf"
chmod 600 "$T_TMP/down.conf"
run "$LIFEBOAT" -c "$T_TMP/down.conf" restore guest 100
expect_rc "unreachable endpoint: exit 2" 2
expect_out "unreachable endpoint: names it" "127.0.0.1:1"

# ---- a container, and a guest deleted by accident (only its backups are left)
run LB restore guest 102
expect_rc "restore of a container (lxc) to a new VMID exits 0" 0
expect_out "the container's config verified (MAC new)" "config equal to the backup's"
api DELETE /nodes/pve/qemu/9000 >/dev/null
i=0
until ! guests | grep -qw 9000 || [ $i -ge 50 ]; do sleep 0.2; i=$((i + 1)); done
run LB restore guest 9000 --original --yes --confirm 9000-drill-test
expect_rc "a deleted guest has no original to restore over: exit 2" 2
expect_out "says to restore it to a VMID instead" "guest 9000 no longer exists, there is no original to restore over"
run LB restore guest 9000 --vmid 9000 --storage local-lvm
expect_rc "a deleted guest restored into its own VMID again: exit 0" 0
check "guest 9000 is back" sh -c "echo '$(guests)' | grep -qw 9000"

# ---- the record and the token
run LB drills --json
printf '%s\n' "$T_OUT" >"$T_TMP/list.json"
check "drills --json: the restores recorded, newest first" python3 -c "import json; d=json.load(open('$T_TMP/list.json')); k=[r['kind']+':'+r['outcome'] for r in d]; assert k == ['restore-guest:ok','restore-guest:ok','restore-guest:failed','restore-guest:ok','restore-guest:ok','restore-guest:ok'], k"
check "the token's secret is never printed" sh -c "! { cat '$T_TMP'/*.out '$T_TMP'/*.err '$T_TMP'/*.json; printf '%s' \"\$1\"; } | grep -qF '$SECRET'" _ "$T_OUT"
done_testing
