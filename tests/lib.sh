# tests/lib.sh — helpers for shell tests (sourced).
#
# Each test script sources this, calls the assertions, and ends with `done_testing`.
# Results are printed as "PASS: name" / "FAIL: name" / "SKIP: name" for tests/run-tests.sh.
# The environment is hermetic: HOME and the XDG dirs point into a fresh temp dir.

: "${TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${LIFEBOAT:=$TOP/build/asan/lifeboat}"
[ -x "$LIFEBOAT" ] || LIFEBOAT=$TOP/lifeboat
export TOP LIFEBOAT

T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/lifeboat-test.XXXXXX")
export HOME="$T_TMP/home" XDG_STATE_HOME="$T_TMP/state" XDG_CONFIG_HOME="$T_TMP/config"
export XDG_CACHE_HOME="$T_TMP/cache" RESTIC_CACHE_DIR="$T_TMP/restic-cache"
# a root-run SMART reading shares its document here, not in /var/lib/lifeboat/smart
export LIFEBOAT_SPOOL_DIR="$T_TMP/spool"
mkdir -p "$HOME" "$XDG_STATE_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME"
unset LIFEBOAT_CONFIG RESTIC_PASSWORD RESTIC_REPOSITORY RESTIC_PASSWORD_FILE NO_COLOR
T_FAILED=0
T_CLEANUPS=""

t_cleanup() {
    # one command a line, the latest registered first
    printf '%s' "$T_CLEANUPS" | while IFS= read -r c; do
        [ -n "$c" ] && { eval "$c" >/dev/null 2>&1 || true; }
    done
    [ -n "${KEEP_TMP:-}" ] || rm -rf "$T_TMP"
}
trap t_cleanup EXIT
# at_exit 'command args...': run at the end (before the temp dir goes), newest first.
at_exit() {
    T_CLEANUPS="$1
$T_CLEANUPS"
}

pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; T_FAILED=$((T_FAILED + 1)); }
skip() { echo "SKIP: $*"; }

# run CMD...: run with output in $T_OUT (stdout+stderr) and status in $T_RC.
run() {
    "$@" >"$T_TMP/out" 2>&1
    T_RC=$?
    T_OUT=$(cat "$T_TMP/out")
}

# expect_rc NAME CODE: the last run exited CODE.
expect_rc() {
    if [ "$T_RC" -eq "$2" ]; then pass "$1"; else
        fail "$1 (exit $T_RC, wanted $2)"; printf '%s\n' "$T_OUT" | head -n 30 | sed 's/^/    | /'; fi
}

# expect_out NAME TEXT: the last run's output contains TEXT (fixed string).
expect_out() {
    if printf '%s\n' "$T_OUT" | grep -qF -- "$2"; then pass "$1"; else
        fail "$1 (output lacks: $2)"; printf '%s\n' "$T_OUT" | head -n 30 | sed 's/^/    | /'; fi
}

# expect_no_out NAME TEXT: the last run's output does not contain TEXT.
expect_no_out() {
    if printf '%s\n' "$T_OUT" | grep -qF -- "$2"; then
        fail "$1 (output has: $2)"; printf '%s\n' "$T_OUT" | head -n 30 | sed 's/^/    | /'; else pass "$1"; fi
}

# check NAME CMD...: pass when CMD succeeds.
check() {
    name=$1; shift
    if "$@" >"$T_TMP/check.out" 2>&1; then pass "$name"; else
        fail "$name"; head -n 30 "$T_TMP/check.out" | sed 's/^/    | /'; fi
}

# secret_file PATH CONTENT: write a 0600 file.
secret_file() { (umask 077; printf '%s\n' "$2" >"$1"); }

done_testing() { [ "$T_FAILED" -eq 0 ]; }
