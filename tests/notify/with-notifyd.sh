#!/bin/sh
# usage: with-notifyd.sh CMD [ARGS...]
# Runs CMD on a private D-Bus session bus that activates nothing (the default
# session config would auto-start dunst without a display, and it would die),
# with a real notification server (dunst on its own Xvfb display) and a
# dbus-monitor writing every Notify call to $NOTIFY_LOG (default
# ./notify-calls.txt). Every process is stopped by PID; the bus dies with
# dbus-run-session. Exit status: CMD's, or 77 when a piece is missing.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
: "${NOTIFY_LOG:=$PWD/notify-calls.txt}"
for t in dbus-run-session dbus-send dbus-monitor Xvfb dunst; do
    command -v "$t" >/dev/null 2>&1 || { echo "with-notifyd: $t is not installed" >&2; exit 77; }
done
export HERE NOTIFY_LOG
exec dbus-run-session --config-file="$HERE/session-noactivate.conf" -- sh -eu -c '
  tmp=$(mktemp -d); pids=""
  cleanup() { for p in $pids; do kill "$p" 2>/dev/null || true; done
              for p in $pids; do wait "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
  trap cleanup EXIT
  Xvfb -displayfd 3 -nolisten tcp -screen 0 800x600x24 3>"$tmp/display" 2>"$tmp/xvfb.log" & pids="$pids $!"
  i=0; until [ -s "$tmp/display" ]; do i=$((i+1)); [ $i -lt 200 ] || { echo "with-notifyd: Xvfb failed" >&2; exit 77; }; sleep 0.05; done
  DISPLAY=":$(cat "$tmp/display")" dunst >"$tmp/dunst.log" 2>&1 & pids="$pids $!"
  i=0; until dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
      org.freedesktop.DBus.NameHasOwner string:org.freedesktop.Notifications 2>/dev/null | grep -q "boolean true"; do
    i=$((i+1)); [ $i -lt 200 ] || { echo "with-notifyd: dunst failed" >&2; cat "$tmp/dunst.log" >&2; exit 77; }; sleep 0.05; done
  dbus-monitor --session "type=method_call,interface=org.freedesktop.Notifications,member=Notify" >"$NOTIFY_LOG" 2>/dev/null & pids="$pids $!"
  i=0; until grep -q NameAcquired "$NOTIFY_LOG" 2>/dev/null; do i=$((i+1)); [ $i -lt 200 ] || break; sleep 0.05; done
  set +e; "$@"; rc=$?
  # let dbus-monitor write the last call (poll, at most 2 s)
  i=0; while [ $i -lt 40 ] && ! grep -q "member=Notify" "$NOTIFY_LOG" 2>/dev/null; do i=$((i+1)); sleep 0.05; done
  sleep 0.2
  exit $rc
' with-notifyd "$@"
