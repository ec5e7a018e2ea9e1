#!/bin/sh
# `lifeboat calendar` against systemd-analyze calendar (systemd 252) over a few
# hundred generated expressions x 5 zones x base times incl. DST days
# (tests/integration/calendar_gen.py), plus the command's contract:
# one "YYYY-MM-DD HH:MM:SS" a line in local time, default count 5, exit 64 with
# a pointer at the bad part, proxmox dialect.
. "${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

# contract ---------------------------------------------------------------
run env TZ=Europe/Berlin "$LIFEBOAT" calendar 'Mon..Fri 02:30' --from '2026-03-27 12:00:00'
expect_rc "calendar: exit 0" 0
want=$(printf '%s\n' '2026-03-30 02:30:00' '2026-03-31 02:30:00' '2026-04-01 02:30:00' \
    '2026-04-02 02:30:00' '2026-04-03 02:30:00')
if [ "$T_OUT" = "$want" ]; then pass "calendar: 5 lines by default, local time, 2026-03-27 is a Friday"
else fail "calendar: default output"; printf '%s\n' "$T_OUT" | sed 's/^/    | /'; fi

run env TZ=Europe/Berlin "$LIFEBOAT" calendar '*-*-* 02:30' --count 2 --from '2026-03-28 12:00:00 UTC'
if [ "$T_OUT" = "$(printf '2026-03-30 02:30:00\n2026-03-31 02:30:00')" ]; then
    pass "calendar: 02:30 does not exist on 2026-03-29 in Berlin and is skipped"
else fail "calendar: spring-forward skip"; printf '%s\n' "$T_OUT" | sed 's/^/    | /'; fi

run env TZ=UTC "$LIFEBOAT" calendar 'Mox..Fri 02:30'
expect_rc "calendar: bad weekday exits 64" 64
expect_out "calendar: message names the bad part and column" "bad weekday 'Mox..Fri' at column 1"
run env TZ=UTC "$LIFEBOAT" calendar 'Mon 25:00'
expect_rc "calendar: hour 25 exits 64" 64
expect_out "calendar: hour out of range" "hour 25 out of range 0..23 at column 5"
run "$LIFEBOAT" calendar daily --count 0
expect_rc "calendar: --count 0 is a usage error" 64
run "$LIFEBOAT" calendar daily --bogus
expect_rc "calendar: unknown option is a usage error" 64
run "$LIFEBOAT" calendar daily --from 'yesterday'
expect_rc "calendar: bad --from is a usage error" 64
run env TZ=UTC "$LIFEBOAT" calendar '2021-02-29' --from '2026-01-01 00:00:00'
expect_rc "calendar: an event that never elapses exits 1" 1
expect_out "calendar: ... and says so" "never elapses"

run env TZ=UTC "$LIFEBOAT" calendar --dialect proxmox 30 --count 3 --from '2026-01-01 10:40:00'
if [ "$T_OUT" = "$(printf '2026-01-01 11:30:00\n2026-01-01 12:30:00\n2026-01-01 13:30:00')" ]; then
    pass "calendar: proxmox bare number is a minute"
else fail "calendar: proxmox bare minute"; printf '%s\n' "$T_OUT" | sed 's/^/    | /'; fi
run env TZ=UTC "$LIFEBOAT" calendar 30
expect_rc "calendar: systemd rejects a bare number" 64

# differential -------------------------------------------------------------
if ! command -v systemd-analyze >/dev/null 2>&1 || ! command -v python3 >/dev/null 2>&1; then
    skip "calendar diff: systemd-analyze or python3 not installed"
else
    python3 "$TOP/tests/integration/calendar_gen.py" "$LIFEBOAT" >"$T_TMP/diff.out" 2>&1
    rc=$?
    grep -E '^(PASS|FAIL|SKIP): ' "$T_TMP/diff.out"
    grep -E '^(note|calendar diff):' "$T_TMP/diff.out"
    if [ $rc -ne 0 ] && ! grep -q '^FAIL: ' "$T_TMP/diff.out"; then
        fail "calendar diff: driver exited $rc"; tail -n 20 "$T_TMP/diff.out" | sed 's/^/    | /'
    fi
fi
done_testing
