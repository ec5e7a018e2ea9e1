#!/bin/sh
# The command line contract (DESIGN.md §2): every command is in --help, and the
# global options and exit codes behave as documented.
. "$(dirname "$0")/../lib.sh"

run "$LIFEBOAT" --help
expect_rc "--help exits 0" 0
for cmd in status run history schedule calendar retention guests smart drill drills checklist \
    keys alerts metrics config timers demo; do
    if printf '%s\n' "$T_OUT" | grep -q "^  $cmd "; then pass "--help lists '$cmd'"; else
        fail "--help lists '$cmd'"; fi
done
expect_no_out "--help does not show the hidden notification helper" "__notify"
run "$LIFEBOAT" -h
expect_rc "-h exits 0" 0
run "$LIFEBOAT" --version
expect_rc "--version exits 0" 0
expect_out "--version names lifeboat" "lifeboat "
run "$LIFEBOAT" frobnicate
expect_rc "an unknown command is a usage error (64)" 64
expect_out "an unknown command is named" "frobnicate"
run "$LIFEBOAT" --frobnicate
expect_rc "an unknown option is a usage error (64)" 64
run "$LIFEBOAT" status --help
expect_rc "a command's --help exits 0" 0
expect_out "a command's --help shows its usage" "usage: lifeboat status"
run "$LIFEBOAT" -c "$T_TMP/nowhere.conf" status
expect_rc "a missing config is a config error (78)" 78
expect_out "a missing config is named" "nowhere.conf"
LIFEBOAT_CONFIG=$T_TMP/also-nowhere.conf run "$LIFEBOAT" status
expect_rc "\$LIFEBOAT_CONFIG is used when -c is not given" 78
expect_out "\$LIFEBOAT_CONFIG's file is named" "also-nowhere.conf"
run "$LIFEBOAT" </dev/null
expect_rc "the console without a config says so (78)" 78
done_testing
