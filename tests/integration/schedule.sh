#!/bin/sh
# `lifeboat schedule [--json]` and `lifeboat retention show [--json]` on small real
# restic repos, the clock pinned (LIFEBOAT_NOW) to Thursday 2026-11-26 14:00 UTC:
# next runs, an overlap sharing a repo inside the quiet window, a job outside it;
# every restore point with its rule and expiry, a missing night found as a gap,
# and the keep/remove decisions checked against restic forget --dry-run itself.
. "$(dirname "$0")/../lib.sh"

command -v restic >/dev/null || { skip "restic not installed"; exit 0; }
export TZ=UTC
NOW=1795701600 # 2026-11-26 14:00:00 UTC
export LIFEBOAT_NOW=$NOW
L=$T_TMP/lab
mkdir -p "$L/data"
echo "hello" >"$L/data/a.txt"
secret_file "$L/pass" "test-only-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
restic_in() { RESTIC_PASSWORD_FILE=$L/pass restic -q -r "$@"; }
restic_in "$L/local" init >/dev/null
restic_in "$L/other" init >/dev/null
# nightly 03:00 snapshots from Nov 15 to Nov 26, Nov 24 missing (the gap)
for d in 15 16 17 18 19 20 21 22 23 25 26; do
    restic_in "$L/local" backup --host srv --time "2026-11-$d 03:00:00" "$L/data" >/dev/null
done
restic_in "$L/other" backup --host srv --time "2026-11-22 03:00:00" "$L/data" >/dev/null

cat >"$L/lifeboat.conf" <<EOF
[console]
quiet_window = 01:00-06:00

[repo local]
url = $L/local
password_file = $L/pass
keep = daily=5 weekly=3

[repo other]
url = $L/other
password_file = $L/pass
keep = weekly=4

[job daily]
schedule = *-*-* 03:00
repos = local
paths = $L/data

[job weekly]
schedule = Sun 03:15
copy = local -> other

[job noon]
schedule = *-*-* 12:00
repos = other
paths = $L/data
EOF
chmod 600 "$L/lifeboat.conf"

# ---- schedule ----
run "$LIFEBOAT" -c "$L/lifeboat.conf" schedule --json
expect_rc "schedule --json exits 0" 0
check "schedule --json: next runs, the overlap on local in the quiet window, noon outside it" python3 -c '
import json,sys
d=json.loads(sys.argv[1]); j={x["job"]:x for x in d["jobs"]}
assert d["quiet_window"]=="01:00-06:00", d["quiet_window"]
assert j["daily"]["where"]=="lifeboat" and j["daily"]["calendar"]=="*-*-* 03:00", j["daily"]
assert j["daily"]["next"]==["2026-11-27T03:00:00Z","2026-11-28T03:00:00Z","2026-11-29T03:00:00Z"], j["daily"]["next"]
assert j["weekly"]["next"][0]=="2026-11-29T03:15:00Z", j["weekly"]
assert j["daily"]["last"] is None and j["daily"]["duration_estimated"], j["daily"]
assert sorted(j["weekly"]["touches"])==["local","other"], j["weekly"]
assert j["noon"]["outside_quiet_window"] and not j["daily"]["outside_quiet_window"], j
o=[x for x in d["overlaps"] if x["jobs"]==["daily","weekly"]]
assert len(o)==1, d["overlaps"]
o=o[0]
assert o["from"]=="2026-11-29T03:15:00Z" and o["to"]=="2026-11-29T03:30:00Z", o
assert o["in_quiet_window"] and o["shared"]=="local", o
r=[x for x in d["recurring"] if x["jobs"]==["daily","weekly"]]
assert len(r)==1 and r[0]["dates"]==["2026-11-29"] and r[0]["weekdays"]==["Sun"], d["recurring"]
assert r[0]["from"]=="03:15" and r[0]["to"]=="03:30" and not r[0]["every_day"], r
assert r[0]["count"]==1 and r[0]["first"]=="2026-11-29T03:15:00Z", r
' "$T_OUT"
run "$LIFEBOAT" -c "$L/lifeboat.conf" schedule
expect_rc "schedule (table) exits 0" 0
expect_out "schedule: the one-day overlap is said with its date and the shared repo" \
    "  Sun 2026-11-29 03:15-03:30  daily and weekly, both use local: the second waits"
expect_out "schedule: noon runs outside the quiet window" "noon runs outside the quiet window"
run "$LIFEBOAT" -c "$L/lifeboat.conf" schedule --bogus
expect_rc "schedule: an unknown option is a usage error" 64

# ---- retention show ----
run "$LIFEBOAT" -c "$L/lifeboat.conf" retention show --json
expect_rc "retention show --json: exit 1 (a tier has a gap)" 1
cp "$T_TMP/out" "$L/show.json"
check "retention show --json: points, rules, expiry, the gap, RPO" python3 -c '
import json,sys
d=json.load(open(sys.argv[1])); t={x["tier"]:x for x in d["tiers"]}
loc=t["local"]
assert loc["points"]==11 and loc["policy"].startswith("keep 5 daily, 3 weekly"), loc["policy"]
assert loc["fed_by"]=="daily", loc["fed_by"]
assert loc["gaps"]==["2026-11-24T03:00:00Z"], loc["gaps"]
assert loc["rpo_status"]=="ok" and loc["newest"]=="2026-11-26T03:00:00Z", loc
assert loc["next_forget"]=="2026-11-27T03:00:00Z", loc["next_forget"]
p={x["time"]:x for x in loc["plan"]}
n=p["2026-11-26T03:00:00Z"]
assert n["keep"] and n["reasons"]==["daily","weekly"], n
assert n["expiry"]=="date" and n["expires"]=="2026-12-01T03:00:00Z", n
s=p["2026-11-22T03:00:00Z"]   # Sunday: weekly for two more weeks
assert "weekly" in s["reasons"] and s["expires"]=="2026-12-07T03:00:00Z", s
r=p["2026-11-16T03:00:00Z"]
assert not r["keep"] and r["expiry"]=="next-run" and r["expires"]=="2026-11-27T03:00:00Z", r
oth=t["other"]
assert oth["fed_by"]=="weekly (copy), noon", oth["fed_by"]
assert oth["points"]==1 and oth["plan"][0]["keep"], oth
' "$L/show.json"
check "retention show: the keep/remove decisions are restic forget --dry-run's" sh -c '
RESTIC_PASSWORD_FILE="$1" restic -q -r "$2" forget --dry-run --json --keep-daily 5 --keep-weekly 3 >"$3/forget.json" &&
python3 -c "
import json,sys
show=json.load(open(sys.argv[1])); f=json.load(open(sys.argv[2]))
plan={x[\"id\"]:x[\"keep\"] for x in [t for t in show[\"tiers\"] if t[\"tier\"]==\"local\"][0][\"plan\"]}
keep={s[\"short_id\"] for g in f for s in (g.get(\"keep\") or [])}
rem={s[\"short_id\"] for g in f for s in (g.get(\"remove\") or [])}
assert keep|rem==set(plan), (keep, rem, plan)
for i,k in plan.items(): assert k==(i in keep), (i,k)
" "$4" "$3/forget.json"' _ "$L/pass" "$L/local" "$T_TMP" "$L/show.json"
run "$LIFEBOAT" -c "$L/lifeboat.conf" retention show --cached
expect_rc "retention show (table, cached) exits 1 (gap)" 1
expect_out "retention show: the gap is listed" "1 gap (a point the policy would keep is missing): 2026-11-24 03:00"
expect_out "retention show: a point and when it expires" "2026-12-01 (in 5d)"
expect_out "retention show: nothing is deleted" "nothing is deleted here"
run "$LIFEBOAT" -c "$L/lifeboat.conf" retention show --keep-all
expect_rc "retention show: an unknown option is a usage error" 64
check "retention show deleted nothing" sh -c '[ "$(RESTIC_PASSWORD_FILE=$1 restic -q -r $2 snapshots --json | python3 -c "import json,sys; print(len(json.load(sys.stdin)))")" = 11 ]' _ "$L/pass" "$L/local"
done_testing
