#!/bin/sh
# The code rules hold: layering and single owners (check-deps), no banned functions.
. "$(dirname "$0")/../lib.sh"
cd "$TOP" || exit 1
run sh scripts/check-deps.sh
expect_rc "layering and library owners (make check-deps)" 0
run sh scripts/lint.sh
expect_rc "no banned functions (make lint)" 0
done_testing
