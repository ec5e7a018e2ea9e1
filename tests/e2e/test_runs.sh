#!/bin/sh
# The Runs screen end to end, in a real terminal (tmux) at 80x24 on a demo lab: key 3 lists
# the jobs; s on daily asks first (naming the job, showing its steps), Enter runs it and the
# progress and the outcome appear live; a run started by another process (as a timer does)
# shows live too; :run daily asks the same way; q while a run started here is in flight asks
# first, and x cancels it (recorded cancelled). restic's uploads are throttled by a wrapper
# (LIFEBOAT_RESTIC) so a backup lasts long enough to be watched. No sanitizer report.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/tmux.sh"

for t in tmux restic; do
    command -v $t >/dev/null || { skip "runs e2e: $t not installed"; exit 0; }
done
LAB=$T_TMP/lab
SAN=$T_TMP/san
"$LIFEBOAT" demo "$LAB" --setup-only >"$T_TMP/setup.out" 2>&1 ||
    { fail "demo lab built"; cat "$T_TMP/setup.out"; exit 1; }
CONF=$LAB/lifeboat.conf
DATA=$(sed -n 's/^paths = \([^ ]*\).*/\1/p' "$CONF" | head -n 1)
[ -d "$DATA" ] || { fail "the demo's daily job has a data directory ($DATA)"; exit 1; }
# real restic, uploads throttled, so that each backup of new data takes a few seconds
cat >"$T_TMP/slow-restic" <<'WRAP'
#!/bin/sh
if [ "$1" = backup ]; then shift; exec restic backup --limit-upload 100 "$@"; fi
exec restic "$@"
WRAP
chmod +x "$T_TMP/slow-restic"
newdata() { head -c 700000 /dev/urandom >"$DATA/e2e-$1.bin"; }

# shellcheck disable=SC2046
tmux_start app 80 24 "\"$LIFEBOAT\" -c \"$CONF\"; echo EXIT=\$?; exec sleep 120" \
    LIFEBOAT_RESTIC="$T_TMP/slow-restic" $(sanitizer_env "$SAN")
check "the console opens on the lab" wait_for "Overview" app
check "the Overview has a line per job with its next run" wait_for "job daily" app
keys app 3
check "key 3 opens the Runs screen with the jobs" wait_for "last run" app
row() { screen app | grep -E -- "^(│|\|) $1 " | head -n 1; }
row_has() { row "$1" | grep -qE -- "$2"; }
check "daily: never ran, next run shown" wait_until row_has daily 'never ran.* in '
check "weekly listed" wait_until row_has weekly 'Sun 04:30'

# --- s on daily: asked first, then live ---
newdata 1
keys app s
check "s asks first, naming the job" wait_for "run job daily now?" app
check "the question shows the steps it runs" wait_for "backup os-ssd" app
keys app Escape
check "Esc closes the question" wait_gone "run job daily now?" app
check "Esc ran nothing" wait_until row_has daily 'never ran'
keys app s
wait_for "Enter runs daily" app >/dev/null
keys app Enter
check "Enter starts it: the run shows as started here" wait_for "started here (x cancels)" app
check "live progress of the backup (bar with percent)" wait_for " %" app
check "the status line carries the run" wait_until sh -c "tmux -S '$TMUX_SOCK' capture-pane -p -t app | sed -n 23p | grep -q 'daily'"
check "the run ends and its outcome shows (the demo's worn os-ssd: a warning)" \
    wait_until row_has daily '▲ warning'
check "history has run #1" wait_until sh -c "tmux -S '$TMUX_SOCK' capture-pane -p -t app | grep -qE '#1 +daily'"

# --- a run by another process (a timer) shows live ---
newdata 2
LIFEBOAT_RESTIC="$T_TMP/slow-restic" "$LIFEBOAT" -c "$CONF" run daily >"$T_TMP/timer.out" 2>&1 &
TP=$!
kill_at_exit $TP
check "a timer's run shows as running by another process" wait_for "by another process" app
check "with its progress" wait_until sh -c "tmux -S '$TMUX_SOCK' capture-pane -p -t app | grep -qE 'step [0-9]+ of [0-9]+'"
wait $TP
check "the timer's run ends with its outcome" wait_until sh -c "tmux -S '$TMUX_SOCK' capture-pane -p -t app | grep -qE '#2 +daily .*warning'"

# --- :run daily, q asks while it runs, x cancels ---
newdata 3
keys app : r u n Space d a i l y Enter
check ":run daily asks the same question" wait_for "run job daily now?" app
keys app Enter
check ":run daily started it" wait_for "started here (x cancels)" app
keys app q
check "q while a run started here is in flight asks first" wait_for "quit anyway? (y/n)" app
keys app n
check "n keeps the console" wait_for "not quitting" app
wait_for "backup" app >/dev/null
keys app x
check "x asks before cancelling" wait_for "cancel the run of daily?" app
keys app Enter
check "the run is recorded cancelled" wait_until sh -c "tmux -S '$TMUX_SOCK' capture-pane -p -t app | grep -qE '#3 +daily .*cancelled'"
run "$LIFEBOAT" -c "$CONF" history --json --limit 1
check "history agrees: run #3 cancelled" python3 -c '
import json,sys; r=json.loads(sys.argv[1])[0]; assert r["id"]==3 and r["outcome"]=="cancelled", r' "$T_OUT"
keys app Enter
check "Enter opens the run's steps" wait_for "run #3 · daily · ▲ cancelled" app
keys app Escape q
check "q quits with status 0 once nothing runs" wait_for "EXIT=0" app

sanitizer_check "no sanitizer report from the console" "$SAN"
done_testing
