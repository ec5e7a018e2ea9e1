#!/bin/sh
# The console end to end, as an operator sees it: `lifeboat demo LAB` in a real
# terminal (tmux) at 80x24 shows the three repos with their ages and flags the
# stale one; help opens and closes; resizing (larger, too small, back) redraws;
# q quits with exit 0 and a sane terminal, rclone stopped; LANG=C draws ASCII;
# no sanitizer report.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/tmux.sh"

for t in tmux restic rclone; do
    command -v $t >/dev/null || { skip "console e2e: $t not installed"; exit 0; }
done
LAB=$T_TMP/lab
SAN=$T_TMP/san
"$LIFEBOAT" demo "$LAB" --setup-only >"$T_TMP/setup.out" 2>&1 ||
    { fail "demo lab built"; cat "$T_TMP/setup.out"; exit 1; }

# What runs in the pane: the console, then its exit code and the tty's state
# (canonical mode and echo back on = the terminal was restored).
cat >"$T_TMP/console.sh" <<EOF
"$LIFEBOAT" demo "$LAB"
echo "EXIT=\$?"
echo "TTY=\$(stty -a | tr ' ;' '\n\n' | grep -xE -- '-?(icanon|echo)' | tr '\n' ' ')"
exec sleep 120
EOF

# the pid of the lifeboat under the pane's sh, and of its rclone
child_of() { ps -o pid= --ppid "$1" 2>/dev/null | tr -d ' ' | head -n 1; }

# console_run NAME LANG: start; wait for the overview
console_start() {
    # shellcheck disable=SC2046
    tmux_start "$1" 80 24 "sh $T_TMP/console.sh" LANG="$2" $(sanitizer_env "$SAN")
}

# --- UTF-8, 80x24 --------------------------------------------------------------------
console_start app C.UTF-8
ok=1
for r in os-ssd usb-ssd cloud; do wait_for "$r" || ok=0; done
if [ $ok = 1 ]; then pass "80x24: the Overview lists os-ssd, usb-ssd and cloud"; else
    fail "80x24: the Overview lists os-ssd, usb-ssd and cloud"; fi
lb=$(child_of "$(pane_pid app)")
rcl=$(child_of "${lb:-0}")
[ -n "$rcl" ] && kill_at_exit "$rcl"
check "the console runs rclone for the cloud" sh -c 'ps -o comm= -p "$1" | grep -q rclone' sh "${rcl:-0}"

# each repo's row: an age once it was read, and the stale one flagged
row() { screen "${2:-app}" | grep -E -- "^(│|\|) $1 " | head -n 1; } # the repo table's row
row_has() { row "$1" "${3:-app}" | grep -qE -- "$2"; }
wait_for_row() { PANE=${3:-app} wait_until row_has "$@"; } # wait_for_row REPO REGEX [NAME]
not() { ! "$@"; }
AGE=' [0-9]+[smhdw] '
check "os-ssd shows the age of its newest snapshot" wait_for_row os-ssd "$AGE"
check "usb-ssd shows its age: 2 days" wait_for_row usb-ssd ' (4[4-7]h|2d) '
check "cloud (over HTTP) shows its age" wait_for_row cloud "$AGE"
FLAG='▲|⚠|✗|!|stale' # warning / critical marks (ASCII: !)
check "usb-ssd is flagged (over its RPO)" wait_for_row usb-ssd "$FLAG"
not_flagged() { ! row "$1" | grep -qE "$FLAG"; }
check "os-ssd is not flagged" not_flagged os-ssd

help_shown() { screen app | grep -qE '(│|\|) *q .*quit'; } # "│ q F10  quit..." (not the key bar)
keys app '?'
check "? opens the help, which names the quit key" wait_until help_shown
keys app Escape
check "Esc closes the help" wait_until not help_shown

# the widest line on screen, in characters (trailing blanks cut)
widest() { screen "$1" | python3 -c 'import sys; print(max(len(l.rstrip()) for l in sys.stdin))'; }
wider_than() { [ "$(widest app)" -gt "$1" ]; }
resize app 100 30
check "100x30: redrawn to the full width" wait_until wider_than 95
check "100x30: the repos and the flag are still there" wait_for_row usb-ssd "$FLAG"
resize app 60 20
check "60x20: says the terminal is too small" wait_for "too small"
resize app 80 24
check "back to 80x24: the Overview again" wait_gone "too small"
check "back to 80x24: nothing wider than the screen" not wider_than 80
check "back to 80x24: repos shown" wait_for_row usb-ssd "$FLAG"

keys app q
check "q quits" wait_for "EXIT="
check "the console exited with status 0" wait_for "EXIT=0"
check "the terminal was restored (icanon and echo on)" wait_for "TTY=icanon echo"
check "rclone was stopped on exit" sh -c '! kill -0 "$1" 2>/dev/null' sh "${rcl:-0}"

# --- LANG=C: ASCII only --------------------------------------------------------------
console_start plain C
ok=1
for r in os-ssd usb-ssd cloud; do wait_for "$r" plain || ok=0; done
if [ $ok = 1 ]; then pass "LANG=C: the Overview lists the repos"; else fail "LANG=C: the Overview lists the repos"; fi
check "LANG=C: usb-ssd age shown and flagged" wait_for_row usb-ssd ' (4[4-7]h|2d) !' plain
rcl2=$(child_of "$(child_of "$(pane_pid plain)")")
[ -n "$rcl2" ] && kill_at_exit "$rcl2"
screen plain >"$T_TMP/plain.txt"
check "LANG=C: no line-drawing garbage (lqqk, x borders)" sh -c '! grep -qE "lqq|qqk|mqq|qqj|tqq|qqu" "$1"' sh "$T_TMP/plain.txt"
check "LANG=C: nothing but ASCII on screen" sh -c '! LC_ALL=C grep -q "[^ -~]" "$1"' sh "$T_TMP/plain.txt"
keys plain q
check "LANG=C: q quits with status 0" wait_for "EXIT=0" plain

sanitizer_check "no sanitizer report from the console" "$SAN"
done_testing
