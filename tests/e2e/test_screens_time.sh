#!/bin/sh
# The Schedule (2) and Retention (5) screens end to end in a real terminal (tmux)
# on the demo lab, at 80x24 and 200x60: the jobs and their week strip with the
# quiet window; the timelines, the rule and expiry of each point, the gap of the
# unplugged USB SSD, the what-if editor changing a count live; q quits cleanly,
# no sanitizer report, and nothing was deleted from the repos.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/tmux.sh"

for t in tmux restic; do
    command -v $t >/dev/null || { skip "time screens e2e: $t not installed"; exit 0; }
done
LAB=$T_TMP/lab
SAN=$T_TMP/san
"$LIFEBOAT" demo "$LAB" --setup-only >"$T_TMP/setup.out" 2>&1 ||
    { fail "demo lab built"; cat "$T_TMP/setup.out"; exit 1; }
snaps() { RESTIC_PASSWORD_FILE=$LAB/secrets/$1.pass restic -q -r "$LAB/repos/$1" snapshots --json |
    python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
before=$(snaps os-ssd)

# the console on the lab's config (the cloud is not served: it shows its error)
cat >"$T_TMP/console.sh" <<EOF
"$LIFEBOAT" -c "$LAB/lifeboat.conf"
echo "EXIT=\$?"
exec sleep 120
EOF
# shellcheck disable=SC2046
tmux_start app 80 24 "sh $T_TMP/console.sh" LANG=C.UTF-8 $(sanitizer_env "$SAN")
check "80x24: the console is up" wait_for "1 Overview"
wait_for "os-ssd" >/dev/null

# ---- Schedule at 80x24 ----
keys app 2
check "80x24 Schedule: the jobs table" wait_for "*-*-* 03:00"
check "80x24 Schedule: the weekly job" wait_for "Sun 04:30"
check "80x24 Schedule: the week strip with the quiet window" wait_for "week · quiet 01:00-06:00"
check "80x24 Schedule: the letters of the jobs in the strip" sh -c '
    tmux -S "$1" capture-pane -p -t app | grep -E "^│ (Mon|Tue|Wed|Thu|Fri|Sat|Sun) [0-9]{2} .*░.*d" >/dev/null' _ "$TMUX_SOCK"
check "80x24 Schedule: no overlap in the demo's week" wait_for "no runs overlap this week"

# ---- Retention at 80x24 ----
keys app 5
check "80x24 Retention: the tier, its policy and its feeding job" wait_for "policy daily=5 weekly=3 monthly=2 · fed by daily"
check "80x24 Retention: the timeline" wait_for "D daily  W weekly  M monthly"
check "80x24 Retention: the points and when they expire" wait_for "(in "
keys app l
check "80x24 Retention: l moves to usb-ssd" wait_for "points of usb-ssd"
# usb-ssd stopped two nights ago; tonight's 03:00 run only counts as missed once the
# 3 h grace is over, so between 03:00 and 06:00 one night is a gap, else two
h=$(date +%H)
gaps="2 gaps"
[ "$h" -ge 3 ] && [ "$h" -lt 6 ] && gaps="1 gap"
check "80x24 Retention: usb-ssd's missed nights are gaps ($gaps at $h h)" wait_for "$gaps"
keys app e
check "80x24 Retention: e opens the what-if" wait_for "what-if  last 0"
screen app >"$T_TMP/whatif1.txt"
keys app -
check "80x24 Retention: - keeps one daily fewer, at once" wait_for "daily 4"
check "80x24 Retention: the what-if says what it frees" wait_for "frees up to"
keys app Escape
check "80x24 Retention: Esc leaves the what-if" wait_gone "what-if  last 0"

# ---- 200x60 ----
resize app 200 60
check "200x60 Retention: the rules of a point in full" wait_for "daily · weekly · monthly"
keys app 2
check "200x60 Schedule: every hour on the ruler" wait_for "00    01    02    03"
check "200x60 Schedule: the selected job said in full" wait_for "runs 30m (assumed: no run seen)"
check "200x60 Schedule: the runs after the next" wait_for "then"
keys app q
check "q quits with status 0" wait_for "EXIT=0"
check "nothing was deleted from os-ssd" sh -c '[ "$1" = "$2" ]' _ "$before" "$(snaps os-ssd)"
sanitizer_check "no sanitizer report from the console" "$SAN"
done_testing
