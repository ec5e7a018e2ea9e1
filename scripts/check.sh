#!/bin/sh
# make check: build both variants with -Werror, run every test, print the summary last.
set -u
top=$(pwd)
BUILD=${BUILD:-build}
start=$(date +%s)

if ! make --no-print-directory BUILD="$BUILD" check-build; then
    echo "check: build failed"
    echo "0 passed, 1 failed"
    exit 1
fi

# Sanitizer reports go to files; any file there fails the run (the e2e tests
# run the console in tmux, where a report on the pane would be lost).
san=$top/$BUILD/sanitizer-logs
rm -rf "$san"; mkdir -p "$san"
export ASAN_OPTIONS="log_path=$san/asan:exitcode=86:detect_leaks=1:abort_on_error=0"
export UBSAN_OPTIONS="log_path=$san/ubsan:halt_on_error=1:print_stacktrace=1"
export LIFEBOAT="$top/$BUILD/asan/lifeboat"
export LIFEBOAT_PLAIN="$top/$BUILD/plain/lifeboat"
export TOP="$top"

tests="$(ls "$BUILD"/plain/tests/test_* "$BUILD"/asan/tests/test_* 2>/dev/null | grep -v '\.d$')"
tests="$tests $(ls tests/integration/*.sh tests/e2e/test_*.sh 2>/dev/null)"

log=$BUILD/check.log
# shellcheck disable=SC2086
sh tests/run-tests.sh $tests >"$log" 2>&1
rc=$?
cat "$log"
summary=$(tail -n 1 "$log")

if [ -n "$(ls -A "$san" 2>/dev/null)" ]; then
    echo "check: sanitizer reports were written:"
    for f in "$san"/*; do echo "--- $f"; head -n 40 "$f"; done
    p=$(echo "$summary" | sed -n 's/^\([0-9]*\) passed.*/\1/p')
    f=$(echo "$summary" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
    rest=$(echo "$summary" | sed -n 's/.* failed\(.*\)$/\1/p')
    summary="${p:-0} passed, $(( ${f:-0} + 1 )) failed$rest"
    rc=1
fi
echo "check: took $(( $(date +%s) - start )) s"
echo "$summary"
exit $rc
