#!/bin/sh
# make check-hours: the tests that read the Proxmox simulator, run with the
# clock moved (libfaketime) to the hours where "last night" changes meaning.
#
# The simulator builds its lab around now (the 02:00 nightly backup job, the
# PBS verify at 02:08, prune and GC at midnight, two months of history pruned
# as the job keeps it), and the tests speak of "last night". Run at one hour
# of the day, they prove nothing about the next: twice a CI run failed only
# because of the hour it ran at. This runs the same tests at each time given
# (local time, "YYYY-MM-DD HH:MM:SS"; HOURS="..." separated by ';'), the whole
# process tree moved by the same offset, with the plain build (ASan does not
# load under LD_PRELOAD). Not part of make check: about 6 min per time given.
#
# restic (Go) reads the real clock, not libfaketime's: tests that make a
# restic snapshot now and compare its age (alerts_pmx.sh's run, the cloud
# drills) are left out; the demo lab's history is written with --time.
set -u
top=$(pwd)
lib=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -n 1)
if [ -z "$lib" ]; then
    echo "check-hours: libfaketime not found (make check-hours installs the faketime package)" >&2
    exit 1
fi
# before the nightly runs; the PVE job started; the PBS verify just ended; the
# demo's 03:00 run not yet late (3 h grace); the day's end; a month's first night
d=$(date -d tomorrow +%F)
m=$(date -d "$(date +%Y-%m-01) +1 month" +%F)
HOURS=${HOURS:-"$d 00:30:00;$d 02:00:30;$d 02:10:30;$d 04:00:00;$d 23:59:00;$m 03:00:00"}
tests=$(grep -l -E 'tests/sim|SIM/run|" demo "|LB demo' \
    tests/integration/*.sh tests/e2e/test_*.sh | grep -v -e screenshots -e drill_cloud -e test_drill_quit -e alerts_pmx)

logs=${TMPDIR:-/tmp}/lifeboat-check-hours
rm -rf "$logs"; mkdir -p "$logs"
total_f=0
IFS=';'
for when in $HOURS; do
    target=$(date -d "$when" +%s) || exit 2
    off=$((target - $(date +%s)))
    log="$logs/$(echo "$when" | tr ' :' '__').log"
    echo "check-hours: $when (clock moved by ${off}s)"
    (
        unset IFS
        export LD_PRELOAD="$lib" FAKETIME="$( [ "$off" -ge 0 ] && echo "+$off" || echo "$off")"
        export LIFEBOAT="$top/lifeboat" TOP="$top"
        # shellcheck disable=SC2086
        sh tests/run-tests.sh $tests >"$log" 2>&1
    )
    grep -E '^FAIL|exited [0-9]+ without' "$log" | sed 's/^/  /'
    summary=$(tail -n 1 "$log")
    echo "  $summary"
    f=$(echo "$summary" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
    total_f=$((total_f + ${f:-1}))
done
echo "check-hours: logs in $logs; $total_f failed in all"
[ "$total_f" -eq 0 ]
