#!/bin/sh
# bench_run.sh: a daily run by lifeboat against the same restic commands in a shell script,
# side by side, over a tree of many small files (BENCH_RUN_MIB, default 2048 MiB, in files of
# 16 KiB). Each side backs up into its own fresh repo (init not timed), after the tree was read
# once so both start from the same page cache; sides alternate, best of BENCH_RUN_ROUNDS (1).
#   LIFEBOAT=build/plain/lifeboat sh bench/bench_run.sh
# The script runs what `lifeboat run` runs for this job (see `lifeboat run daily --dry-run`):
# restic version, cat config, list locks, backup --json, snapshots --json, forget --json.
# Target (issue 3): lifeboat's wall time within 3% of the script's.
set -eu
: "${LIFEBOAT:=build/plain/lifeboat}"
: "${BENCH_RUN_MIB:=2048}"
: "${BENCH_RUN_ROUNDS:=1}"
command -v restic >/dev/null || { echo "bench_run: restic not installed, skipped"; exit 0; }
LIFEBOAT=$(readlink -f "$LIFEBOAT")
DIR=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/lifeboat-bench-run.XXXXXX")
trap 'rm -rf "$DIR"' EXIT INT TERM
export HOME="$DIR/home" XDG_STATE_HOME="$DIR/state" XDG_CONFIG_HOME="$DIR/config" XDG_CACHE_HOME="$DIR/cache"
mkdir -p "$HOME" "$DIR/tree"
(umask 077; echo "bench-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')" >"$DIR/pass")

echo "bench_run: writing $BENCH_RUN_MIB MiB in 16 KiB files under $DIR/tree"
python3 - "$DIR/tree" "$BENCH_RUN_MIB" <<'PY'
import os, sys
root, mib = sys.argv[1], int(sys.argv[2])
n = mib * 64  # 16 KiB files
per_dir = 512
for i in range(n):
    d = os.path.join(root, "d%04d" % (i // per_dir))
    if i % per_dir == 0:
        os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f%06d" % i), "wb") as f:
        f.write(os.urandom(16384))
PY

now() { date +%s.%N; }
warm() { find "$DIR/tree" -type f -exec cat {} + >/dev/null; }

script_run() { # the same restic commands, no lifeboat
    export RESTIC_REPOSITORY="$1" RESTIC_PASSWORD_FILE="$DIR/pass" RESTIC_PROGRESS_FPS=2
    restic version >/dev/null
    restic --no-lock cat config >/dev/null
    restic --no-lock list locks >/dev/null
    restic backup --json "$DIR/tree" >/dev/null
    restic --no-lock snapshots --json >/dev/null
    restic forget --json --keep-daily 5 >/dev/null
    unset RESTIC_REPOSITORY RESTIC_PASSWORD_FILE RESTIC_PROGRESS_FPS
}

lifeboat_run() {
    cat >"$DIR/lb.conf" <<EOF
[repo bench]
url = $1
password_file = $DIR/pass
keep = daily=5

[job daily]
schedule = *-*-* 03:00
repos = bench
paths = $DIR/tree
EOF
    chmod 600 "$DIR/lb.conf"
    "$LIFEBOAT" -c "$DIR/lb.conf" run daily >"$DIR/lb.out" 2>&1 ||
        { echo "bench_run: lifeboat run failed:"; cat "$DIR/lb.out"; exit 1; }
}

best_s="" best_l=""
warm
for r in $(seq 1 "$BENCH_RUN_ROUNDS"); do
    for side in script lifeboat; do
        repo=$DIR/repo-$side-$r
        RESTIC_PASSWORD_FILE="$DIR/pass" restic -q -r "$repo" init >/dev/null
        t0=$(now)
        if [ $side = script ]; then script_run "$repo"; else lifeboat_run "$repo"; fi
        t=$(echo "$(now) - $t0" | bc)
        echo "round $r: $side $t s"
        if [ $side = script ]; then
            [ -z "$best_s" ] || [ "$(echo "$t < $best_s" | bc)" = 1 ] && best_s=$t
        else
            [ -z "$best_l" ] || [ "$(echo "$t < $best_l" | bc)" = 1 ] && best_l=$t
        fi
        rm -rf "$repo"
    done
done
ratio=$(echo "scale=4; $best_l / $best_s" | bc)
echo "bench_run: $BENCH_RUN_MIB MiB, $((BENCH_RUN_MIB * 64)) files: script $best_s s, lifeboat $best_l s, lifeboat/script $ratio (target <= 1.03)"
