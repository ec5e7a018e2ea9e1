#!/bin/sh
# Differential test: `lifeboat retention plan --engine restic` against real
# `restic forget --dry-run --json` on one repository built with `restic backup
# --time` (random history: several a day, gaps of weeks, backups under
# different TZ, three host/paths groups, tags) and many random policies.
# They must agree on the kept set and on restic's exact reason strings.
# RETENTION_SEED=N reproduces a run; RETENTION_POLICIES / RETENTION_SNAPSHOTS size it.
. "${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

if ! command -v restic >/dev/null 2>&1; then
    skip "retention_diff: restic not installed"
    exit 0
fi
if ! command -v python3 >/dev/null 2>&1; then
    skip "retention_diff: python3 not installed"
    exit 0
fi

mkdir -p "$T_TMP/diff"
python3 "$TOP/tests/integration/retention_diff.py" "$T_TMP/diff" >"$T_TMP/diff.out" 2>&1
rc=$?
cat "$T_TMP/diff.out"
if [ "$rc" -ne 0 ]; then
    fail "retention_diff: helper exited $rc"
elif ! grep -q '^PASS: ' "$T_TMP/diff.out"; then
    fail "retention_diff: lifeboat and restic disagree (see FAIL lines above)"
fi
n=$(grep -c '^FAIL: ' "$T_TMP/diff.out")
T_FAILED=$((T_FAILED + n))
done_testing
