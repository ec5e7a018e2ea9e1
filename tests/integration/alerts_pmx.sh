#!/bin/sh
# The Proxmox alert rules through the CLI against the simulator (tests/sim):
# `lifeboat alerts --json` reads PVE and PBS and raises the stale snapshot,
# the guest in no backup job, the failed verify of a newest backup; the
# drill guest is left out. With the simulator gone the next evaluation
# cannot read Proxmox and leaves those alerts open as they were (never
# resolved for lack of data). And `lifeboat run` writes [alerts]
# metrics_file after the run: the job's last success is in it, and after a
# cloud drill its measured RTO.
. "$(dirname "$0")/../lib.sh"

for t in python3 openssl restic; do
    command -v $t >/dev/null || { skip "alerts_pmx: $t not installed"; exit 0; }
done
L=$T_TMP/lab
mkdir -p "$L"
eval "$("$TOP/tests/sim/run" --state-dir "$L/sim")" || { fail "simulator started"; exit 1; }
at_exit "kill $SIM_PID 2>/dev/null"

cat >"$L/lb.conf" <<EOF
[pve main]
url = $PVE_URL
token_file = $PVE_TOKEN_FILE
fingerprint = $FINGERPRINT
snapshot_max_age = 7d

[pbs docker-srv]
url = $PBS_URL
token_file = $PBS_TOKEN_FILE
fingerprint = $FINGERPRINT
datastore = usb-ssd

[alerts]
channels = console

[drill]
rollback_vmid = 9000
EOF
chmod 600 "$L/lb.conf"

run "$LIFEBOAT" -c "$L/lb.conf" guests --json
printf '%s\n' "$T_OUT" >"$L/guests.json"
run "$LIFEBOAT" -c "$L/lb.conf" alerts --json
expect_rc "alerts: a failed verify of a newest backup is critical (exit 2)" 2
printf '%s\n' "$T_OUT" >"$L/alerts.json"
check "alerts agree with what lifeboat guests shows" python3 - "$L/guests.json" "$L/alerts.json" <<'EOF'
import json, sys
guests = json.load(open(sys.argv[1]))
alerts = json.load(open(sys.argv[2]))["alerts"]
by = {(a["rule"], a["subject"]): a for a in alerts}
def subj(g):
    return ("ct " if g["type"] == "lxc" else "vm ") + str(g["vmid"])
stale = [g for g in guests if g["snapshots"]["stale"]]
assert stale, "the simulator has a stale snapshot"
for g in stale:
    a = by.get(("pve-snapshot-age", subj(g)))
    assert a and a["severity"] == "warn" and "(limit 7d)" in a["message"], (g, a)
    assert g["name"] in a["message"], a
for g in guests:
    if g["snapshots"]["stale"]:
        continue
    assert ("pve-snapshot-age", subj(g)) not in by, g
unbacked = [g for g in guests if not g.get("backup_job") and g["vmid"] != 9000]
assert unbacked, "the simulator has a guest in no job"
for g in unbacked:
    assert ("pve-unbacked", subj(g)) in by, (g, sorted(by))
assert ("pve-unbacked", "vm 9000") not in by, "the drill guest needs no backup"
crit = [a for a in alerts if a["rule"] == "pbs-verify" and a["severity"] == "crit"]
assert crit and "failed verification" in crit[0]["message"], alerts
EOF

# the simulator gone: Proxmox cannot be read, its alerts stay as they were
kill "$SIM_PID"
run "$LIFEBOAT" -c "$L/lb.conf" alerts --json
printf '%s\n' "$T_OUT" >"$L/alerts2.json"
run "$LIFEBOAT" -c "$L/lb.conf" alerts --json
printf '%s\n' "$T_OUT" >"$L/alerts3.json"
run "$LIFEBOAT" -c "$L/lb.conf" alerts --json
printf '%s\n' "$T_OUT" >"$L/alerts4.json"
check "unreadable Proxmox resolves nothing (three evaluations later all still open)" \
    python3 - "$L/alerts.json" "$L/alerts4.json" <<'EOF'
import json, sys
before = {(a["rule"], a["subject"]) for a in json.load(open(sys.argv[1]))["alerts"]}
after = {(a["rule"], a["subject"]) for a in json.load(open(sys.argv[2]))["alerts"]
         if a["state"] != "resolved"}
pmx = {k for k in before if k[0].startswith(("pve-", "pbs-"))}
assert pmx and pmx <= after, (pmx - after)
EOF

# --- metrics after a run ------------------------------------------------------------------
mkdir -p "$L/data" "$L/prom"
echo hello >"$L/data/a.txt"
secret_file "$L/pass" "test-only-password"
RESTIC_PASSWORD_FILE=$L/pass restic -q -r "$L/repo" init >/dev/null
RESTIC_PASSWORD_FILE=$L/pass restic -q -r "$L/off" init >/dev/null
cat >"$L/run.conf" <<EOF
[repo local]
url = $L/repo
password_file = $L/pass
keep = daily=3

[repo off]
url = $L/off
password_file = $L/pass
tier = offsite
keep = weekly=4

[job daily]
schedule = *-*-* 03:00
repos = local off
paths = $L/data

[drill]
scratch = $L/scratch

[alerts]
channels = console
metrics_file = $L/prom/lifeboat.prom
EOF
chmod 600 "$L/run.conf"
run "$LIFEBOAT" -c "$L/run.conf" run daily
expect_rc "run daily: exit 0" 0
check "the run wrote metrics_file" test -s "$L/prom/lifeboat.prom"
check "no temp file left next to it" sh -c '[ "$(ls "$1" | wc -l)" -eq 1 ]' sh "$L/prom"
check "metrics_file has the run: last success now, the repo's new snapshot" \
    python3 - "$L/prom/lifeboat.prom" <<'EOF'
import re, sys, time
samples = {}
for line in open(sys.argv[1]):
    m = re.match(r'([a-z_]+)(\{([^}]*)\})? (\S+)$', line.strip())
    if m:
        labels = tuple(sorted(re.findall(r'(\w+)="([^"]*)"', m.group(3) or "")))
        samples[(m.group(1), labels)] = float(m.group(4))
last = samples[("lifeboat_job_last_success_timestamp_seconds", (("job", "daily"),))]
assert abs(time.time() - last) < 600, last
assert not [k for k in samples if k[0] == "lifeboat_drill_last_rto_seconds"], "no drill yet"
def get(name, **lab):
    v = [x for (n, l), x in samples.items() if n == name and all((k, w) in l for k, w in lab.items())]
    assert len(v) == 1, (name, lab, v)
    return v[0]
assert get("lifeboat_repo_snapshots", repo="local") == 1
assert get("lifeboat_repo_newest_snapshot_age_seconds", repo="local") < 600
assert all(k[0].startswith("lifeboat_") for k in samples)
EOF
# a cloud drill, then a run: the drill's measured RTO is in the metrics
run "$LIFEBOAT" -c "$L/run.conf" drill cloud --json
expect_rc "cloud drill (the offsite repo): exit 0" 0
printf '%s\n' "$T_OUT" >"$L/drill.json"
run "$LIFEBOAT" -c "$L/run.conf" run daily
expect_rc "run daily again: exit 0" 0
check "metrics_file has the drill's RTO as recorded" python3 - "$L/prom/lifeboat.prom" "$L/drill.json" <<'EOF'
import json, re, sys
text = open(sys.argv[1]).read()
d = json.load(open(sys.argv[2]))
m = re.search(r'^lifeboat_drill_last_rto_seconds\{kind="cloud"\} (\S+)$', text, re.M)
assert m, text
assert "# TYPE lifeboat_drill_last_rto_seconds gauge" in text
rto = float(m.group(1))
want = d["rto_ms"] / 1000.0 if "rto_ms" in d else d["rto_seconds"]
assert abs(rto - want) < 0.01, (rto, want)
assert re.search(r'^lifeboat_drill_last_success_timestamp_seconds\{kind="cloud"\} ', text, re.M)
EOF
done_testing
