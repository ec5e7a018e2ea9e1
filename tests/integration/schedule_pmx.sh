#!/bin/sh
# `lifeboat schedule [--json]` with the Proxmox jobs, against the simulator
# (tests/sim) in Europe/Berlin: the PVE backup job (proxmox calendar "02:00")
# and the PBS GC, verify and prune jobs ("daily") with their next runs in the
# server's local time, the PBS jobs' last results from their own state, the
# PVE job's last result left empty with the reason, the verify job's last
# run failed as PBS's task history says (last night's 02:08 run), the disabled PVE job left
# out, the overlap with lifeboat's own 02:05 job inside the quiet window; a
# job list the token may not read is named while the rest stays; the jobs
# come from the cache (--cached, or the server gone) with its age said.
. "$(dirname "$0")/../lib.sh"

for t in python3 openssl; do
    command -v $t >/dev/null || { skip "schedule_pmx: $t not installed"; exit 0; }
done
export TZ=Europe/Berlin
SIM=$TOP/tests/sim
eval "$("$SIM/run" --state-dir "$T_TMP/sim" --auth-delay 0.3 --task-seconds 1)" || {
    fail "the simulator starts"; exit 1; }
at_exit "kill $SIM_PID"
CTL="python3 $SIM/ctl"

C=$T_TMP/lifeboat.conf
mkdir -p "$T_TMP/data"
secret_file "$T_TMP/pass" "test-only-pass"
cat >"$C" <<EOF
[console]
quiet_window = 01:00-06:00

[repo local]
url = $T_TMP/repo
password_file = $T_TMP/pass
keep = daily=7

[job nightly]
schedule = *-*-* 02:05
repos = local
paths = $T_TMP/data

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
secret=$(sed 's/.*=//' "$PVE_TOKEN_FILE")

run LB schedule --json
expect_rc "schedule --json: exit 0" 0
printf '%s\n' "$T_OUT" >"$T_TMP/s.json"
check "PVE job: proxmox calendar 02:00, next three runs at 02:00 Berlin time, a day apart" \
    python3 - "$T_TMP/s.json" <<'EOF'
import json, sys, datetime, time
d = json.load(open(sys.argv[1]))
j = {x["job"]: x for x in d["jobs"]}
p = j["backup-83831498-c631"]
assert p["where"] == "pve" and p["calendar"] == "02:00", p
nx = [datetime.datetime.fromisoformat(t).timestamp() for t in p["next"]]
assert len(nx) == 3, p
for t in nx:
    lt = time.localtime(t)
    assert (lt.tm_hour, lt.tm_min) == (2, 0), lt
assert nx[0] > time.time() and nx[0] - time.time() <= 86400 + 3600, nx
assert all(82800 <= b - a <= 90000 for a, b in zip(nx, nx[1:])), nx
assert p["touches"] == ["pbs-usb"], p
EOF
# PVE does not name the job in its tasks: the last run is the vzdump task its scheduler
# (root@pam) started at the job's time, the one `lifeboat tasks` lists
run LB tasks --json
printf '%s\n' "$T_OUT" >"$T_TMP/t.json"
check "PVE job: its last run is last night's 02:00 vzdump of root@pam, with its warning and UPID" \
    python3 - "$T_TMP/s.json" "$T_TMP/t.json" <<'EOF'
import json, sys, datetime, time
j = {x["job"]: x for x in json.load(open(sys.argv[1]))["jobs"]}
p = j["backup-83831498-c631"]
last = p["last"]
assert last is not None and last["result"] == "warning", p
lt = time.localtime(datetime.datetime.fromisoformat(last["started"]).timestamp())
assert (lt.tm_hour, lt.tm_min) == (2, 0), last
assert time.time() - datetime.datetime.fromisoformat(last["started"]).timestamp() < 86400, last
assert last["duration_seconds"] > 0, last
tasks = json.load(open(sys.argv[2]))
vz = [t for t in tasks if t["type"] == "vzdump" and t["user"] == "root@pam"]
assert vz and last["upid"] == vz[0]["upid"], (last, vz)
assert "scheduler" in p["last_note"], p
EOF
check "the disabled PVE job is left out and counted" python3 - "$T_TMP/s.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert "backup-70025700-2302" not in [x["job"] for x in d["jobs"]], d["jobs"]
assert d["proxmox"]["left_out"] == 1, d["proxmox"]
assert d["proxmox"]["pve"]["jobs_known"] and d["proxmox"]["pbs"]["jobs_known"], d["proxmox"]
assert not d["proxmox"]["pve"]["from_cache"] and d["proxmox"]["pve"]["error"] is None
EOF
check "PBS jobs: GC, verify, prune of usb-ssd, 'daily' = midnight local, last results" \
    python3 - "$T_TMP/s.json" <<'EOF'
import json, sys, datetime, time
j = {x["job"]: x for x in json.load(open(sys.argv[1]))["jobs"]}
for name in ("gc usb-ssd", "verify v-3f2a9c1e-77d0", "prune default-usb-ssd-1a2b"):
    p = j[name]
    assert p["where"] == "pbs" and p["calendar"] == "daily" and p["touches"] == ["usb-ssd"], p
    for t in p["next"]:
        lt = time.localtime(datetime.datetime.fromisoformat(t).timestamp())
        assert (lt.tm_hour, lt.tm_min) == (0, 0), (name, t)
    ended = datetime.datetime.fromisoformat(p["last"]["ended"]).timestamp()
    assert ended < time.time(), p
# the job states follow PBS's task history: last night's verify job failed (103's bad chunk)
assert j["gc usb-ssd"]["last"]["result"] == "ok", j["gc usb-ssd"]
assert j["prune default-usb-ssd-1a2b"]["last"]["result"] == "ok", j["prune default-usb-ssd-1a2b"]
v = j["verify v-3f2a9c1e-77d0"]["last"]
assert v["result"] == "failed", v
lt = time.localtime(datetime.datetime.fromisoformat(v["started"]).timestamp())
assert (lt.tm_hour, lt.tm_min) == (2, 8), v   # the 02:08 run the task list shows failing
gc = j["gc usb-ssd"]["last"]
ago = time.time() - datetime.datetime.fromisoformat(gc["ended"]).timestamp()
assert 19 * 3600 < ago < 21 * 3600, gc   # the simulator's GC ran 20 h ago
EOF
check "overlap: lifeboat's 02:05 job and the PVE job (02:00, 6m21s last night), inside the quiet window" \
    python3 - "$T_TMP/s.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
ov = [o for o in d["overlaps"] if sorted(o["jobs"]) == ["backup-83831498-c631", "nightly"]]
assert len(ov) >= 6 and all(o["in_quiet_window"] for o in ov), d["overlaps"]
# the same overlap every day is one recurring group (a DST change day may stand apart)
rg = [r for r in d["recurring"] if sorted(r["jobs"]) == ["backup-83831498-c631", "nightly"]]
assert 1 <= len(rg) <= 2 and all(r["in_quiet_window"] for r in rg), rg
assert sum(len(r["dates"]) for r in rg) == len(ov), (rg, ov)
main = max(rg, key=lambda r: len(r["dates"]))
assert len(main["dates"]) >= 6 and main["from"] == "02:05", main
assert main["every_day"] == (len(main["dates"]) == 7), main
# PBS's GC, verify and prune, all "daily" on usb-ssd: three groups, not 21 lines
pbs = [r for r in d["recurring"] if all(j.split()[0] in ("gc", "verify", "prune") for j in r["jobs"])]
assert len(pbs) == 3 and all(r["from"] == "00:00" and r["every_day"] for r in pbs), pbs
assert all(r["shared"] == "usb-ssd" and not r["in_quiet_window"] for r in pbs), pbs
EOF

run LB schedule
expect_rc "schedule (table): exit 0" 0
expect_out "table: the PVE job" "backup-83831498-c631"
check "table: its last run ended with a warning" sh -c \
    'printf "%s\n" "$1" | grep "^backup-83831498-c631 " | grep -q " warning "' sh "$T_OUT"
expect_out "table: where that comes from" "(PVE) the last run is the vzdump task PVE's scheduler"
expect_out "table: the PBS GC" "gc usb-ssd"
check "table: the verify job's last run failed" sh -c \
    'printf "%s\n" "$1" | grep "^verify v-3f2a9c1e-77d0 " | grep -q " failed "' sh "$T_OUT"
check "table: GC and prune last ran ok" sh -c \
    'printf "%s\n" "$1" | grep "^gc usb-ssd " | grep -q " ok " &&
     printf "%s\n" "$1" | grep "^prune default" | grep -q " ok "' sh "$T_OUT"
expect_out "table: the disabled job counted" "left out: 1 disabled"
check "table: the overlap with the PVE job, one line for the week, inside the quiet window" sh -c '
    l=$(printf "%s\n" "$1" | grep "nightly and backup-83831498-c631")
    printf "%s\n" "$l" | grep -Eq "^  every day( but [A-Za-z, ]+)? 02:05-02:[0-9][0-9]  nightly and backup-83831498-c631\$" &&
    [ "$(printf "%s\n" "$l" | wc -l)" -le 2 ]' sh "$T_OUT"
check "table: PBS's daily GC, verify and prune: three 'every day' lines on usb-ssd" sh -c '
    [ "$(printf "%s\n" "$1" | grep -Ec "^  every day 00:00-00:[0-9][0-9]  (gc|verify|prune) .* \(outside the quiet window\), both use usb-ssd: the second waits")" = 3 ] &&
    [ "$(printf "%s\n" "$1" | sed -n "/^overlaps in the next/,\$p" | grep -c "^  ")" = 4 ]' sh "$T_OUT"
expect_no_out "table: the token secret never shows" "$secret"

# a job list the token may not read: named, the rest stays
$CTL "$PBS_URL" fault 403 /admin/prune >/dev/null
run LB schedule --json
expect_rc "403 on the prune jobs: exit 0" 0
printf '%s\n' "$T_OUT" >"$T_TMP/f.json"
check "403 on the prune jobs: said, GC and verify still listed" python3 - "$T_TMP/f.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
names = [x["job"] for x in d["jobs"]]
assert "gc usb-ssd" in names and "verify v-3f2a9c1e-77d0" in names, names
assert "prune default-usb-ssd-1a2b" not in names, names
assert "403" in d["proxmox"]["pbs"]["jobs_error"] or "ermission" in d["proxmox"]["pbs"]["jobs_error"], d["proxmox"]
EOF
$CTL "$PBS_URL" fault none >/dev/null
run LB schedule --json
expect_rc "fault cleared: exit 0" 0

# the cache: --cached reads no server; with the servers gone the cached jobs stay, said so
$CTL "$PVE_URL" clear-requests
run LB schedule --json --cached
expect_rc "--cached: exit 0" 0
printf '%s\n' "$T_OUT" >"$T_TMP/c.json"
check "--cached: the Proxmox jobs from the cache" python3 - "$T_TMP/c.json" <<'EOF'
import json, sys
names = [x["job"] for x in json.load(open(sys.argv[1]))["jobs"]]
for n in ("backup-83831498-c631", "gc usb-ssd", "prune default-usb-ssd-1a2b", "nightly"):
    assert n in names, names
EOF
check "--cached: no request reached the servers" sh -c "[ -z \"\$($CTL $PVE_URL requests)\" ]"
kill "$SIM_PID"
while kill -0 "$SIM_PID" 2>/dev/null; do sleep 0.1; done
run LB schedule
expect_rc "servers gone: exit 0" 0
expect_out "servers gone: the PVE job from the cache" "backup-83831498-c631"
expect_out "servers gone: PVE could not be read, said so" "PVE could not be read"
expect_out "servers gone: the cache's age said" "its jobs as cached"

done_testing
