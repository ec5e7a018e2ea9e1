#!/bin/sh
# lifeboat retention plan: the command line contract (DESIGN.md §2, §6) for both
# engines, version handling and bad input. The policy logic itself is covered by
# tests/unit/test_retention.c and retention_diff.sh (against real restic).
. "${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

FIX=$TOP/tests/fixtures/retention

# restic input captured from restic 0.14 (two hosts, three offsets, tags)
run "$LIFEBOAT" retention plan --engine restic --restic-version 0.14 --keep-last 1 \
    --keep-daily 1 --keep-tag keep --keep-within-daily 1d --input "$FIX/restic014-snapshots.json" --json
expect_rc "restic plan --json exits 0" 0
expect_out "restic plan: first input snapshot first, with its reasons" \
    '{"id":"5e35ac87","time":"2024-05-09T10:00:00Z","keep":true,"reasons":["last","daily","within-daily"]'
expect_out "restic plan: restic's own strings in matches" \
    '"matches":["has tags [keep]","daily within 1d"]'
expect_out "restic plan: says which version's policy it followed" "restic 0.14"

# the same decision restic 0.14 really printed for this policy (fixture)
"$LIFEBOAT" retention plan --engine restic --restic-version 0.14 --keep-last 1 --keep-daily 1 \
    --keep-tag keep --keep-within-daily 1d --input "$FIX/restic014-snapshots.json" --json \
    >"$T_TMP/plan.json" 2>/dev/null
python3 - "$FIX/restic014-forget-d1-tagkeep-wd1d-l1.json" "$T_TMP/plan.json" <<'PY' >"$T_TMP/cmp" 2>&1
import json, sys
want = {}
for g in json.load(open(sys.argv[1])):
    for i, sn in enumerate(g["keep"] or []):
        want[sn["short_id"]] = (True, g["reasons"][i]["matches"])
    for sn in g["remove"] or []:
        want[sn["short_id"]] = (False, [])
got = {o["id"]: (o["keep"], o["matches"]) for o in json.load(open(sys.argv[2]))}
sys.exit(0 if got == want else print(got, want) or 1)
PY
check "restic plan equals the captured restic 0.14 forget output" test "$(cat "$T_TMP/cmp")" = ""

run "$LIFEBOAT" retention plan --engine restic --restic-version 0.14 --keep-daily 1 \
    --input "$FIX/restic014-snapshots.json"
expect_rc "restic table exits 0" 0
expect_out "table names the group" "snapshots of host h1, path [/tmp/h7/data]"
expect_out "table shows the removal" "remove"
expect_out "table has the summary" "4 snapshots in 2 groups: keep 2, remove 2"

run "$LIFEBOAT" retention plan --engine restic --restic-version 0.14 --keep-daily unlimited \
    --input "$FIX/restic014-snapshots.json"
expect_rc "unlimited is refused for restic 0.14" 64
run "$LIFEBOAT" retention plan --engine restic --restic-version 0.16 --keep-daily unlimited \
    --input "$FIX/restic014-snapshots.json" --json
expect_rc "unlimited is fine for restic 0.16" 0
run "$LIFEBOAT" retention plan --engine restic --restic-version 0.14 --keep-daily -1 \
    --input "$FIX/restic014-snapshots.json" --json
expect_rc "0.14 with --keep-daily -1 warns (it removes everything)" 1
expect_out "the warning names the group" 'removes every snapshot of group'
run "$LIFEBOAT" retention plan --engine restic --restic-version 0.17 --keep-tag nothing \
    --input "$FIX/restic014-snapshots.json"
expect_rc "0.17 refusal is reported" 1
expect_out "refusal explained" 'refuses such a run'

# the version of the restic on PATH when not given
run "$LIFEBOAT" retention plan --engine restic --keep-last 1 --input "$FIX/restic014-snapshots.json"
if command -v restic >/dev/null 2>&1; then
    v=$(restic version | sed -n 's/^restic \([0-9]*\.[0-9]*\).*/\1/p')
    expect_out "detects restic $v on PATH" "restic $v ("
fi
mkdir -p "$T_TMP/nobin"
run env PATH="$T_TMP/nobin" "$LIFEBOAT" retention plan --engine restic --keep-last 1 \
    --input "$FIX/restic014-snapshots.json"
expect_rc "no restic on PATH and no --restic-version fails" 2
expect_out "and says what to do" "--restic-version"

# proxmox: worked example of the reference (10 daily backups, last 3 + daily 3), from stdin
i=0; js="["
while [ $i -lt 10 ]; do
    [ $i -gt 0 ] && js="$js,"
    js="$js{\"backup-type\":\"vm\",\"backup-id\":\"100\",\"backup-time\":$((1715302800 - i * 86400))}"
    i=$((i + 1))
done
js="$js,{\"backup-type\":\"ct\",\"backup-id\":\"101\",\"backup-time\":1715302800,\"protected\":true}]"
printf '%s\n' "$js" >"$T_TMP/pbs.json"
TZ=UTC run sh -c "\"$LIFEBOAT\" retention plan --engine proxmox --keep-last 3 --keep-daily 3 --json <\"$T_TMP/pbs.json\""
expect_rc "proxmox plan exits 0" 0
expect_out "proxmox id is type/id/time" '{"id":"vm/100/1715302800","time":"2024-05-10T01:00:00Z","keep":true,"reasons":["last"]'
expect_out "covered days do not use up daily" '"id":"vm/100/1714870800","time":"2024-05-05T01:00:00Z","keep":true,"reasons":["daily"]'
expect_out "d6 removed" '"id":"vm/100/1714784400","time":"2024-05-04T01:00:00Z","keep":false,"reasons":[]'
expect_out "protected kept in its own group" '"id":"ct/101/1715302800","time":"2024-05-10T01:00:00Z","keep":true,"reasons":["protected"]'
TZ=Europe/Berlin run "$LIFEBOAT" retention plan --engine proxmox --keep-daily 1 --input "$T_TMP/pbs.json"
expect_out "proxmox table in local time" "2024-05-10T03:00:00+02:00"
run "$LIFEBOAT" retention plan --engine proxmox --input "$T_TMP/pbs.json" --json
expect_out "no rule keeps all" '"keep":true,"reasons":["keep-all"]'
expect_no_out "no rule removes nothing" '"keep":false'

# bad input and usage
printf '[{"backup-type":"vm"}]' >"$T_TMP/bad.json"
run "$LIFEBOAT" retention plan --engine proxmox --keep-last 1 --input "$T_TMP/bad.json"
expect_rc "input without backup-time fails" 2
expect_out "and names the field" "backup-time"
run "$LIFEBOAT" retention plan --engine restic --restic-version 0.14 --input "$T_TMP/missing.json"
expect_rc "missing input file fails" 2
run "$LIFEBOAT" retention plan --engine borg
expect_rc "unknown engine is a usage error" 64
run "$LIFEBOAT" retention plan --engine proxmox --keep-within 2d --input "$T_TMP/pbs.json"
expect_rc "keep-within is restic only" 64
run "$LIFEBOAT" retention plan --engine restic --restic-version 0.14 --keep-within 2w --input "$T_TMP/pbs.json"
expect_rc "restic duration units are y m d h" 64
done_testing
