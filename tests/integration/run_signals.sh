#!/bin/sh
# `lifeboat run` while restic works: a second run refused with the holder's PID (or waiting
# with --wait), secrets kept out of restic's argv, SIGTERM stops restic cleanly (cancelled),
# SIGKILL leaves a run that the next start marks interrupted, and the stale restic lock of the
# killed restic is removed once older than unlock_after. restic runs slowed by --limit-upload.
. "$(dirname "$0")/../lib.sh"

for t in restic python3 pkill; do
    command -v $t >/dev/null || { skip "$t not installed"; exit 0; }
done
L=$T_TMP/lab
mkdir -p "$L/data"
head -c 2500000 /dev/urandom >"$L/data/big.bin"
PW="pw-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
secret_file "$L/pass" "$PW"
RESTIC_PASSWORD_FILE=$L/pass restic -q -r "$L/repo" init >/dev/null
# real restic, uploads throttled to 250 KiB/s, so a backup takes ~10 s
cat >"$L/slow-restic" <<WRAP
#!/bin/sh
if [ "\$1" = backup ]; then shift; exec restic backup --limit-upload 250 "\$@"; fi
exec restic "\$@"
WRAP
chmod +x "$L/slow-restic"
cat >"$L/lb.conf" <<CONF
[repo local]
url = $L/repo
password_file = $L/pass
keep = daily=7

[job daily]
schedule = *-*-* 03:00
repos = local
paths = $L/data
unlock_after = 1s
CONF
chmod 600 "$L/lb.conf"
LB() { "$LIFEBOAT" -c "$L/lb.conf" "$@"; }
at_exit "pkill -KILL -f $L/slow-restic"
at_exit "pkill -KILL -f 'restic backup --limit-upload 250 --json $L/data'"

# wait_progress RUN_ID: until that run's backup step has a progress record (max ~30 s)
wait_progress() {
    i=0
    until LB history --json --limit 1 | python3 -c '
import json,sys
r=json.load(sys.stdin)[0]
assert r["id"]==int(sys.argv[1])
assert any(s["kind"]=="backup" and s["progress"] for s in r["steps"])' "$1" 2>/dev/null; do
        i=$((i + 1)); [ $i -lt 150 ] || return 1; sleep 0.2
    done
}
wait_line() { # wait_line FILE TEXT
    i=0
    until grep -qF -- "$2" "$1" 2>/dev/null; do i=$((i + 1)); [ $i -lt 150 ] || return 1; sleep 0.2; done
}

LIFEBOAT_RESTIC=$L/slow-restic "$LIFEBOAT" -c "$L/lb.conf" run daily >"$L/run1.out" 2>&1 &
P1=$!
check "first run starts (run #1)" wait_line "$L/run1.out" "run #1"
check "first run: progress recorded while restic backs up" wait_progress 1

run LB run daily
expect_rc "second run while one runs: exit 2" 2
expect_out "second run: names the PID that holds the job" "PID $P1"

RP=$(pgrep -f "restic backup --limit-upload 250 --json $L/data" | head -1)
if [ -n "$RP" ]; then
    check "restic's argv holds no password" sh -c '! tr "\0" " " </proc/$1/cmdline | grep -qF "$2"' sh "$RP" "$PW"
    check "restic's environment names the password file, not the password" sh -c \
        'tr "\0" "\n" </proc/$1/environ | grep -qx "RESTIC_PASSWORD_FILE=$3" && ! grep -qF "$2" /proc/$1/environ' sh "$RP" "$PW" "$L/pass"
else
    fail "restic child not found"
fi

LIFEBOAT_RESTIC=$L/slow-restic "$LIFEBOAT" -c "$L/lb.conf" run daily --wait >"$L/run2.out" 2>&1 &
P2=$!
check "--wait: waits for the PID that holds the job" wait_line "$L/run2.out" "is running (PID $P1): waiting"

kill -TERM $P1
wait $P1
rc1=$?
check "SIGTERM: the run exits 2" test $rc1 = 2
check "SIGTERM: says it stops restic cleanly" grep -qF "stopping restic cleanly" "$L/run1.out"
check "--wait: the waiting run starts once the first is gone" wait_line "$L/run2.out" "run #2"
run LB history --json --job daily
check "SIGTERM: run #1 recorded cancelled, restic stopped by SIGINT (cleaned up its lock)" python3 -c '
import json,sys
r=[x for x in json.loads(sys.argv[1]) if x["id"]==1][0]
assert r["outcome"]=="cancelled", r["outcome"]
b=[s for s in r["steps"] if s["kind"]=="backup"][0]
assert b["outcome"]=="cancelled", b
assert "cleaning up" in (b["log_excerpt"] or ""), b["log_excerpt"]
assert b["progress"] and b["progress"]["total_bytes"]>0, b' "$T_OUT"

# SIGKILL the second run (and its restic, which lives in its own process group)
check "second run: progress recorded" wait_progress 2
kill -KILL $P2
wait $P2 2>/dev/null
pkill -KILL -f "restic backup --limit-upload 250 --json $L/data"
i=0; while pgrep -f "restic backup --limit-upload 250 --json $L/data" >/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check "the killed restic left its lock in the repo" sh -c 'ls "$1/locks" | grep -q .' sh "$L/repo"
run LB history --json --limit 1
check "after SIGKILL the run still says running" python3 -c '
import json,sys; assert json.loads(sys.argv[1])[0]["outcome"]=="running"' "$T_OUT"
sleep 1 # the lock must be older than unlock_after = 1s

run LB run daily
expect_rc "next run: exit 1 (warnings: the interrupted run, the stale lock)" 1
expect_out "next run: tells that the previous run was interrupted" "recorded as interrupted"
expect_out "next run: reports the stale lock with its holder and age" "stale shared lock of"
expect_out "next run: removes it" "removed the stale lock"
expect_out "next run: the backup runs" "==> backup local"
check "the stale lock is gone" sh -c '! ls "$1/locks" | grep -q .' sh "$L/repo"
run LB history --json --job daily
check "history: run #2 interrupted with its partial steps, run #3 done" python3 -c '
import json,sys
runs={r["id"]:r for r in json.loads(sys.argv[1])}
r2=runs[2]
assert r2["outcome"]=="interrupted" and r2["ended"], r2
assert [s["outcome"] for s in r2["steps"]]==["ok","interrupted"], r2["steps"]
assert r2["steps"][1]["progress"] is not None
assert runs[3]["outcome"] in ("ok","warning"), runs[3]
assert runs[3]["steps"][1]["outcome"]=="ok", runs[3]["steps"]' "$T_OUT"
run LB history
expect_out "history (text): shows the interrupted run" "interrupted"
check "the password is in neither the database nor the log" sh -c '! grep -rqF "$1" "$2"' sh "$PW" "$XDG_STATE_HOME"

done_testing
