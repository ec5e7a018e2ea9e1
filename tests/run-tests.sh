#!/bin/sh
# run-tests.sh TEST...   run cmocka binaries and shell tests, print one summary line.
#
# A cmocka binary is counted from its own summary. A shell test (*.sh) prints
# "PASS: name", "FAIL: name" or "SKIP: name" lines (tests/lib.sh does this).
# A test that exits non-zero without reporting a failure counts as one failure.
# Tests run TEST_JOBS at a time (default: the number of cores, at least 2; each
# test keeps to its own temp dir, ports and tmux socket); their output is shown
# whole, in the order given. The last line is "N passed, N failed[, N skipped]";
# the exit status is 0 iff none failed.
jobs=${TEST_JOBS:-$(nproc 2>/dev/null || echo 2)}
[ "$jobs" -ge 2 ] 2>/dev/null || jobs=2
dir=$(mktemp -d "${TMPDIR:-/tmp}/run-tests.XXXXXX")
trap 'rm -rf "$dir"' EXIT

# run_one INDEX TEST: output to $dir/INDEX.out, exit code to $dir/INDEX.rc, seconds to .time
run_one() {
    start=$(date +%s)
    case "$2" in
    *.sh) sh "$2" >"$dir/$1.out" 2>&1 ;;
    */*) "$2" >"$dir/$1.out" 2>&1 ;;
    *) "./$2" >"$dir/$1.out" 2>&1 ;;
    esac
    echo $? >"$dir/$1.rc.tmp"
    echo $(($(date +%s) - start)) >"$dir/$1.time"
    mv "$dir/$1.rc.tmp" "$dir/$1.rc"
}

# count INDEX TEST: add the results of one finished test to the totals
pass=0 fail=0 skip=0
count() {
    out=$dir/$1.out rc=$(cat "$dir/$1.rc")
    cat "$out"
    case "$2" in
    *.sh)
        p=$(grep -c '^PASS: ' "$out") f=$(grep -c '^FAIL: ' "$out") s=$(grep -c '^SKIP: ' "$out")
        if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
            echo "run-tests: $2 exited $rc without reporting a failure"; f=1
        fi
        ;;
    *)
        p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\..*/\1/p' "$out" | tail -1)
        f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s), listed below:.*/\1/p' "$out" | tail -1)
        s=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test(s), listed below:.*/\1/p' "$out" | tail -1)
        if ! grep -q '^\[==========\] [0-9]* test(s) run\.' "$out" || { [ "$rc" -ne 0 ] && [ "${f:-0}" -eq 0 ]; }; then
            echo "run-tests: $2 exited $rc without a complete cmocka summary (crash?)"; f=$((${f:-0} + 1))
        fi
        ;;
    esac
    echo "run-tests: $2: ${p:-0} passed, ${f:-0} failed in $(cat "$dir/$1.time") s"
    pass=$((pass + ${p:-0})) fail=$((fail + ${f:-0})) skip=$((skip + ${s:-0}))
}

i=0 next=1
for t in "$@"; do
    i=$((i + 1))
    eval "t_$i=\$t"
    # keep at most $jobs running (a test is done once its .rc file exists)
    while [ $((i - 1 - $(ls "$dir" | grep -c '\.rc$'))) -ge "$jobs" ]; do
        sleep 0.2
    done
    run_one "$i" "$t" &
    # report finished tests in order as they complete
    while [ "$next" -le "$i" ] && [ -e "$dir/$next.rc" ]; do
        eval "count $next \"\$t_$next\""
        next=$((next + 1))
    done
done
wait
while [ "$next" -le "$i" ]; do
    eval "count $next \"\$t_$next\""
    next=$((next + 1))
done
if [ "$skip" -gt 0 ]; then
    echo "$pass passed, $fail failed, $skip skipped"
else
    echo "$pass passed, $fail failed"
fi
[ "$fail" -eq 0 ]
