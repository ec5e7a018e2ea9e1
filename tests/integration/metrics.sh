#!/bin/sh
# `lifeboat metrics [--out FILE]` on a real restic repo and a missing one: the text
# parses back as Prometheus exposition, every name starts with lifeboat_, every
# family has HELP and TYPE, the figures match the repos and the open alerts, and
# --out replaces the file whole (no temp file left behind).
. "$(dirname "$0")/../lib.sh"

command -v restic >/dev/null || { skip "restic not installed"; exit 0; }
L=$T_TMP/lab
mkdir -p "$L/data"
echo hello >"$L/data/a.txt"
secret_file "$L/pass" "test-only-password"
RESTIC_PASSWORD_FILE=$L/pass restic -q -r "$L/good" init >/dev/null
RESTIC_PASSWORD_FILE=$L/pass restic -q -r "$L/good" backup "$L/data" >/dev/null
cat >"$L/lb.conf" <<EOF
[repo good]
url = $L/good
password_file = $L/pass

[repo gone]
url = $L/missing
password_file = $L/pass
tier = offsite
price_per_gib_month = 0.006
EOF
chmod 600 "$L/lb.conf"

run "$LIFEBOAT" -c "$L/lb.conf" alerts
expect_rc "alerts: the missing repo is critical" 2
run "$LIFEBOAT" -c "$L/lb.conf" metrics
expect_rc "metrics: exit 0" 0
printf '%s\n' "$T_OUT" >"$L/stdout.prom"
check "metrics: parses back; names, HELP/TYPE and figures are right" python3 - "$L/stdout.prom" <<'EOF'
import re, sys
fams, samples = {}, []
for line in open(sys.argv[1]):
    line = line.rstrip("\n")
    if not line:
        continue
    m = re.match(r"# (HELP|TYPE) (\S+) (.+)$", line)
    if m:
        fams.setdefault(m.group(2), set()).add(m.group(1))
        continue
    m = re.match(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})? (\S+)$', line)
    assert m, "not exposition: %r" % line
    labels = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(3) or ""))
    samples.append((m.group(1), labels, float(m.group(4))))
for name, kinds in fams.items():
    assert name.startswith("lifeboat_"), name
    assert kinds == {"HELP", "TYPE"}, (name, kinds)
for name, _, _ in samples:
    assert name.startswith("lifeboat_") and name in fams, name
def get(name, **lab):
    v = [x for n, l, x in samples if n == name and all(l.get(k) == w for k, w in lab.items())]
    assert len(v) == 1, (name, lab, v)
    return v[0]
assert get("lifeboat_repo_up", repo="good", tier="local") == 1
assert get("lifeboat_repo_up", repo="gone", tier="offsite") == 0
assert get("lifeboat_repo_snapshots", repo="good") == 1
assert 0 <= get("lifeboat_repo_newest_snapshot_age_seconds", repo="good") < 600
assert get("lifeboat_repo_rpo_seconds", repo="good") == 26 * 3600
assert get("lifeboat_repo_size_bytes", repo="good") > 0
assert get("lifeboat_alerts_open", severity="crit") >= 1
assert not [1 for n, l, _ in samples if l.get("repo") == "gone" and n == "lifeboat_repo_snapshots"]
EOF

echo "stale content" >"$L/lifeboat.prom"
run "$LIFEBOAT" -c "$L/lb.conf" metrics --out "$L/lifeboat.prom"
expect_rc "metrics --out: exit 0" 0
check "metrics --out: the file was replaced with the exposition" grep -q '^lifeboat_repo_up{repo="good",tier="local"} 1$' "$L/lifeboat.prom"
check "metrics --out: the old content is gone" sh -c "! grep -q 'stale content' '$L/lifeboat.prom'"
check "metrics --out: no temp file left" sh -c "! ls '$L' | grep -q 'lifeboat.prom.tmp'"
run "$LIFEBOAT" -c "$L/lb.conf" metrics --out "$L/no-such-dir/x.prom"
expect_rc "metrics --out into a missing directory: exit 2" 2
expect_out "metrics --out into a missing directory: names the file" "no-such-dir"
run "$LIFEBOAT" -c "$L/lb.conf" metrics --bogus
expect_rc "metrics: unknown argument is a usage error" 64
done_testing
