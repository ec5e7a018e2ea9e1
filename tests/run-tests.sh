#!/bin/sh
# run-tests.sh TEST...   run cmocka binaries and shell tests, print one summary line.
#
# A cmocka binary is counted from its own summary. A shell test (*.sh) prints
# "PASS: name", "FAIL: name" or "SKIP: name" lines (tests/lib.sh does this).
# A test that exits non-zero without reporting a failure counts as one failure.
# The last line is "N passed, N failed[, N skipped]"; exit status 0 iff none failed.
pass=0 fail=0 skip=0
for t in "$@"; do
    out=$(mktemp)
    case "$t" in
    *.sh) sh "$t" >"$out" 2>&1; rc=$? ;;
    */*) "$t" >"$out" 2>&1; rc=$? ;;
    *) "./$t" >"$out" 2>&1; rc=$? ;;
    esac
    cat "$out"
    case "$t" in
    *.sh)
        p=$(grep -c '^PASS: ' "$out") f=$(grep -c '^FAIL: ' "$out") s=$(grep -c '^SKIP: ' "$out")
        if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
            echo "run-tests: $t exited $rc without reporting a failure"; f=1
        fi
        ;;
    *)
        p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\..*/\1/p' "$out" | tail -1)
        f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s), listed below:.*/\1/p' "$out" | tail -1)
        s=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test(s), listed below:.*/\1/p' "$out" | tail -1)
        if ! grep -q '^\[==========\] [0-9]* test(s) run\.' "$out" || { [ "$rc" -ne 0 ] && [ "${f:-0}" -eq 0 ]; }; then
            echo "run-tests: $t exited $rc without a complete cmocka summary (crash?)"; f=$((${f:-0} + 1))
        fi
        ;;
    esac
    pass=$((pass + ${p:-0})) fail=$((fail + ${f:-0})) skip=$((skip + ${s:-0}))
    rm -f "$out"
done
if [ "$skip" -gt 0 ]; then
    echo "$pass passed, $fail failed, $skip skipped"
else
    echo "$pass passed, $fail failed"
fi
[ "$fail" -eq 0 ]
