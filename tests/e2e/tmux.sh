# tests/e2e/tmux.sh — drive a terminal program in a private tmux server.
# Sourced after tests/lib.sh (needs $T_TMP and at_exit). One server per test
# file: its own socket under $T_TMP, no user config, killed at exit.
#
#   tmux_start NAME COLS ROWS CMD [VAR=VALUE...]   new detached session running CMD
#   screen [NAME]                                   the pane as plain text (trailing spaces kept)
#   screen_ansi [NAME]                              the same with SGR colour escapes
#   wait_for TEXT [NAME] [SECONDS]                  poll until TEXT is on screen (dump on timeout)
#   wait_gone TEXT [NAME] [SECONDS]                 poll until TEXT is no longer on screen
#   wait_until CMD...                               poll until CMD succeeds (dumps pane $PANE)
#   keys NAME KEY...                                tmux key names: q Escape Enter Down C-c ...
#   resize NAME COLS ROWS                           the program gets SIGWINCH / KEY_RESIZE
#   pane_pid NAME                                   pid of the pane's first process
#   kill_at_exit PID                                end this process when the test ends
#
# Pass the environment the program needs explicitly (tmux_start adds
# LANG=C.UTF-8 and ESCDELAY=25 unless given): the server keeps the environment
# of the test that started it, so anything else is inherited from there.

TMUX_SOCK=$T_TMP/tmux.sock
: "${WAIT_SECONDS:=20}"

tm() { tmux -S "$TMUX_SOCK" -f /dev/null "$@"; }

# kill_at_exit PID: processes the test started, ended by pid at exit. With
# its start time: pids wrap fast here (pid_max 32768 and thousands of
# processes a test run), and a pid that ended long ago may be another test's.
E2E_PIDS=""
pid_start() { [ -n "$1" ] && sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f20; }
kill_at_exit() {
    _st=$(pid_start "$1")
    [ -n "$_st" ] && E2E_PIDS="$E2E_PIDS $1:$_st"
}
tmux_stop() {
    tm kill-server 2>/dev/null || true
    for _p in $E2E_PIDS; do
        [ "$(pid_start "${_p%%:*}")" = "${_p#*:}" ] && kill "${_p%%:*}" 2>/dev/null
    done
}
at_exit tmux_stop

tmux_start() {
    _name=$1 _cols=$2 _rows=$3 _cmd=$4
    shift 4
    case " $* " in *" LANG="*) ;; *) set -- "$@" LANG=C.UTF-8 ;; esac
    set -- "$@" ESCDELAY=25
    _n=$#
    while [ "$_n" -gt 0 ]; do # VAR=VALUE -> -e VAR=VALUE, spaces kept
        _kv=$1
        shift
        set -- "$@" -e "$_kv"
        _n=$((_n - 1))
    done
    tm new-session -d -s "$_name" -x "$_cols" -y "$_rows" "$@" "$_cmd"
}

screen() { tm capture-pane -p -N -t "${1:-app}"; }
screen_ansi() { tm capture-pane -p -e -N -t "${1:-app}"; }

# _poll want|gone TEXT NAME SECONDS
_poll() {
    _deadline=$(( $(date +%s) + $4 ))
    while :; do
        if screen "$3" 2>/dev/null | grep -qF -- "$2"; then
            [ "$1" = want ] && return 0
        else
            [ "$1" = gone ] && return 0
        fi
        if [ "$(date +%s)" -ge "$_deadline" ]; then
            echo "    timeout ($4 s) waiting for '$2' to be $([ "$1" = want ] && echo shown || echo gone); the screen:"
            screen "$3" 2>&1 | sed 's/^/    | /'
            return 1
        fi
        sleep 0.05
    done
}

wait_for() { _poll want "$1" "${2:-app}" "${3:-$WAIT_SECONDS}"; }
wait_gone() { _poll gone "$1" "${2:-app}" "${3:-$WAIT_SECONDS}"; }

wait_until() {
    _deadline=$(( $(date +%s) + WAIT_SECONDS ))
    until "$@"; do
        if [ "$(date +%s)" -ge "$_deadline" ]; then
            echo "    timeout ($WAIT_SECONDS s) waiting for: $*; the screen:"
            screen "${PANE:-app}" 2>&1 | sed 's/^/    | /'
            return 1
        fi
        sleep 0.05
    done
}

keys() {
    _name=$1
    shift
    tm send-keys -t "$_name" "$@"
}

resize() { tm resize-window -t "$1" -x "$2" -y "$3"; }

pane_pid() { tm display -p -t "${1:-app}" '#{pane_pid}'; }

# sanitizer_env DIR: ASAN_OPTIONS / UBSAN_OPTIONS as inherited (scripts/check.sh
# sets them) but with reports written under DIR, as -e arguments for tmux_start.
sanitizer_env() {
    mkdir -p "$1"
    _a=$(printf '%s' "${ASAN_OPTIONS:-}" | tr ':' '\n' | grep -v '^log_path=' | grep -v '^$' | tr '\n' ':')
    _u=$(printf '%s' "${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}" | tr ':' '\n' |
        grep -v '^log_path=' | grep -v '^$' | tr '\n' ':')
    echo "ASAN_OPTIONS=${_a}log_path=$1/asan UBSAN_OPTIONS=${_u}log_path=$1/ubsan"
}

# sanitizer_check NAME DIR: fail when a report was written there; copy it to
# where the caller's ASAN_OPTIONS log_path points, so scripts/check.sh sees it too.
sanitizer_check() {
    if [ -z "$(ls -A "$2" 2>/dev/null)" ]; then
        pass "$1"
        return
    fi
    fail "$1 (sanitizer reports)"
    for _f in "$2"/*; do
        echo "    --- $_f"
        head -n 40 "$_f" | sed 's/^/    | /'
    done
    _dest=$(printf '%s' "${ASAN_OPTIONS:-}" | tr ':' '\n' | sed -n 's/^log_path=//p' | head -n 1)
    [ -n "$_dest" ] && cp "$2"/* "$(dirname "$_dest")/" 2>/dev/null
    return 0
}
