#!/bin/sh
# `lifeboat retention show [--json]` with the PBS backup groups as tiers,
# against the simulator (tests/sim) in Europe/Berlin: each group planned by
# the proxmox engine under the datastore's prune job (the PVE job pruning too
# named), its keep/remove decisions equal to the server's own prune dry-run
# (after an ad-hoc vzdump makes one of last night's backups redundant),
# expiry dates on the PVE job's 02:00 runs in local time, the guest whose job
# is disabled kept while nothing new arrives; with the server gone the
# groups come from the cache.
. "$(dirname "$0")/../lib.sh"

for t in python3 openssl; do
    command -v $t >/dev/null || { skip "retention_pmx: $t not installed"; exit 0; }
done
export TZ=Europe/Berlin
SIM=$TOP/tests/sim
eval "$("$SIM/run" --state-dir "$T_TMP/sim" --auth-delay 0.3 --task-seconds 0.5)" || {
    fail "the simulator starts"; exit 1; }
at_exit "kill $SIM_PID"

C=$T_TMP/lifeboat.conf
cat >"$C" <<EOF
[pve lab]
url = $PVE_URL
token_file = $PVE_TOKEN_FILE
fingerprint = $FINGERPRINT

[pbs lab]
url = $PBS_URL
token_file = $PBS_TOKEN_FILE
fingerprint = $FINGERPRINT
datastore = usb-ssd
EOF
chmod 600 "$C"
LB() { "$LIFEBOAT" -c "$C" "$@"; }

# an ad-hoc backup of vm 100 now: today's 02:00 backup of it is no longer the day's newest
check "an ad-hoc vzdump of vm 100 to PBS finishes" python3 - "$PVE_URL" "$PVE_TOKEN_FILE" <<'EOF'
import json, ssl, sys, time, urllib.parse, urllib.request
url, tok = sys.argv[1], open(sys.argv[2]).read().strip()
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
def call(method, path, form=None):
    data = urllib.parse.urlencode(form).encode() if form else None
    req = urllib.request.Request(url + "/api2/json" + path, data=data, method=method,
                                 headers={"Authorization": "PVEAPIToken=" + tok})
    return json.loads(urllib.request.urlopen(req, context=ctx, timeout=10).read())["data"]
upid = call("POST", "/nodes/pve/vzdump", {"vmid": "100", "storage": "pbs-usb"})
for _ in range(100):
    st = call("GET", "/nodes/pve/tasks/%s/status" % urllib.parse.quote(upid, safe=""))
    if st["status"] == "stopped":
        assert st["exitstatus"] == "OK", st
        break
    time.sleep(0.1)
else:
    raise SystemExit("the vzdump task did not end")
EOF

run LB retention show --json --restic-version 0.14
printf '%s\n' "$T_OUT" >"$T_TMP/r.json"
check "PBS groups are tiers with the datastore's prune job as policy" python3 - "$T_TMP/r.json" <<'EOF'
import json, sys
t = {x["tier"]: x for x in json.load(open(sys.argv[1]))["tiers"] if x["kind"] == "pbs"}
assert sorted(t) == ["ct/102", "ct/103", "vm/100", "vm/101", "vm/9000"], sorted(t)
v = t["vm/100"]
assert v["datastore"] == "usb-ssd" and v["policy"] == "daily=5 weekly=3 monthly=2", v
assert v["policy_from"] == "PBS prune job default-usb-ssd-1a2b", v
assert v["also_prunes"].startswith("PVE job backup-83831498-c631"), v
assert v["fed_by"] == "PVE job backup-83831498-c631 (02:00)", v
assert v["error"] is None and v["from_cache"] is False, v
assert v["points"] == v["kept"] + v["removed"], v
# the lab holds what the job's retention leaves; the ad-hoc backup of today
# supersedes the nightly of the same local day (from 02:10 on: before, the
# newest nightly is yesterday's and one older point may give way instead)
adhoc = max(v["plan"], key=lambda p: p["time"])
same_day = [p for p in v["plan"] if p is not adhoc and p["time"][:10] == adhoc["time"][:10]]
if same_day:
    assert v["removed"] == 1 and not same_day[0]["keep"], v
else:
    assert v["removed"] in (0, 1), v
EOF
check "every keep/remove decision equals the server's own prune dry-run" \
    python3 - "$T_TMP/r.json" "$PBS_URL" "$PBS_TOKEN_FILE" <<'EOF'
import json, ssl, sys, datetime, urllib.parse, urllib.request
doc, url, tok = json.load(open(sys.argv[1])), sys.argv[2], open(sys.argv[3]).read().strip()
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
n = 0
for t in doc["tiers"]:
    if t["kind"] != "pbs":
        continue
    bt, bid = t["tier"].split("/")
    form = {"backup-type": bt, "backup-id": bid, "dry-run": "1"}
    for rule, count in (r.split("=") for r in t["policy"].split()):
        form["keep-" + rule] = count
    req = urllib.request.Request(url + "/api2/json/admin/datastore/usb-ssd/prune",
                                 data=urllib.parse.urlencode(form).encode(), method="POST",
                                 headers={"Authorization": "PBSAPIToken=" + tok})
    srv = {x["backup-time"]: x["keep"]
           for x in json.loads(urllib.request.urlopen(req, context=ctx).read())["data"]}
    mine = {int(datetime.datetime.fromisoformat(p["time"]).timestamp()): p["keep"] for p in t["plan"]}
    assert mine == srv, (t["tier"], mine, srv)
    n += len(mine)
assert n > 30, n
EOF
check "the server's own prune dry-run, asked by lifeboat, agrees for every group" \
    python3 - "$T_TMP/r.json" <<'EOF'
import json, sys
t = [x for x in json.load(open(sys.argv[1]))["tiers"] if x["kind"] == "pbs"]
n = 0
for x in t:
    d = x["server_dry_run"]
    assert d["agrees"] is True and d["error"] is None and d["differences"] == [], (x["tier"], d)
    assert d["compared"] == x["points"], (x["tier"], d, x["points"])
    n += d["compared"]
assert n > 30, n
EOF
check "expiry: dates on the PVE job's runs (02:00 local); the disabled job's guest: no new ones" \
    python3 - "$T_TMP/r.json" <<'EOF'
import json, sys, time, datetime
t = {x["tier"]: x for x in json.load(open(sys.argv[1]))["tiers"] if x["kind"] == "pbs"}
dated = [p for p in t["vm/100"]["plan"] if p["expiry"] == "date"]
assert len(dated) >= 5, t["vm/100"]["plan"]
for p in dated:
    lt = time.localtime(datetime.datetime.fromisoformat(p["expires"]).timestamp())
    assert (lt.tm_hour, lt.tm_min) == (2, 0), p
gone = [p for p in t["vm/100"]["plan"] if not p["keep"]]
assert len(gone) == t["vm/100"]["removed"] and all(p["expiry"] == "next-run" for p in gone), gone
assert all(p["expiry"] == "no-new-snapshots" for p in t["vm/9000"]["plan"]), t["vm/9000"]
assert t["vm/9000"]["fed_by"].endswith(", disabled"), t["vm/9000"]
EOF

run LB retention show --restic-version 0.14
expect_out "table: the group as a tier" "tier vm/100 (PBS usb-ssd, Proxmox prune in server local time): daily=5 weekly=3 monthly=2"
expect_out "table: the PVE job pruning too" "PVE job backup-83831498-c631 (daily=5 weekly=3 monthly=2) prunes it too"
expect_out "table: fed by the PVE job" "fed by PVE job backup-83831498-c631 (02:00)"
expect_out "table: the server's dry-run agrees" \
    "server agrees: its prune dry-run decides the same for all"
expect_no_out "table: no disagreement while the server agrees" "SERVER DISAGREES"
expect_rc "the server agreeing: no warning (exit 0)" 0

# a server that decides otherwise for the newest backup of vm 100: shown, not hidden
check "the simulator's prune dry-run of vm/100 flips one decision" python3 - "$PBS_URL" <<'EOF'
import ssl, sys, urllib.parse, urllib.request
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
req = urllib.request.Request(sys.argv[1] + "/_sim/prune-flip", method="POST",
                             data=urllib.parse.urlencode({"group": "vm/100"}).encode())
assert urllib.request.urlopen(req, context=ctx, timeout=10).read() == b"ok\n"
EOF
run LB retention show --json --restic-version 0.14
expect_rc "a disagreement is a warning (exit 1)" 1
printf '%s\n' "$T_OUT" >"$T_TMP/d.json"
check "json: vm/100's newest backup: lifeboat keeps it, the server would remove it" \
    python3 - "$T_TMP/d.json" <<'EOF'
import json, sys
t = {x["tier"]: x for x in json.load(open(sys.argv[1]))["tiers"] if x["kind"] == "pbs"}
d = t["vm/100"]["server_dry_run"]
newest = max(t["vm/100"]["plan"], key=lambda p: p["time"])
assert d["agrees"] is False and d["error"] is None, d
assert d["differences"] == [{"time": newest["time"], "lifeboat": "keep", "server": "remove"}], d
assert all(t[g]["server_dry_run"]["agrees"] is True for g in t if g != "vm/100"), t
EOF
run LB retention show --restic-version 0.14
expect_out "table: the disagreement said" "SERVER DISAGREES: its prune dry-run differs on 1 snapshot (marked !):"
expect_out "table: which snapshot and what each says" ": lifeboat says keep, the server says remove"
check "table: the newest row of vm/100 is marked" sh -c \
    'printf "%s\n" "$1" | sed -n "/^tier vm\/100 /,/^tier /p" | grep -q "^! .*  keep  "' _ "$T_OUT"

kill "$SIM_PID"
while kill -0 "$SIM_PID" 2>/dev/null; do sleep 0.1; done
run LB retention show --json --restic-version 0.14
printf '%s\n' "$T_OUT" >"$T_TMP/c.json"
check "server gone: the groups from the cache, the error said" python3 - "$T_TMP/c.json" "$T_TMP/r.json" <<'EOF'
import json, sys
t = {x["tier"]: x for x in json.load(open(sys.argv[1]))["tiers"] if x["kind"] == "pbs"}
live = {x["tier"]: x for x in json.load(open(sys.argv[2]))["tiers"] if x["kind"] == "pbs"}
assert "vm/100" in t and t["vm/100"]["from_cache"] is True and t["vm/100"]["error"], t.get("vm/100")
assert t["vm/100"]["plan"] == live["vm/100"]["plan"], (t["vm/100"], live["vm/100"])
assert t["vm/100"]["server_dry_run"] is None, t["vm/100"]
EOF

done_testing
