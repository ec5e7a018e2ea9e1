#!/bin/sh
# Desktop notifications: lifeboat's `__notify` child calls libnotify against a real
# notification server (dunst on Xvfb) on a private session bus; the Notify call is
# seen with dbus-monitor. Without a bus (DBUS_SESSION_BUS_ADDRESS=disabled:) the
# desktop channel fails quietly: `alerts test` says why, an evaluation goes on with
# the other channels, prints nothing about it and logs it once.
. "$(dirname "$0")/../lib.sh"

for t in dbus-run-session Xvfb dunst dbus-monitor; do
    command -v $t >/dev/null || { skip "$t not installed"; exit 0; }
done
command -v restic >/dev/null || { skip "restic not installed"; exit 0; }
L=$T_TMP/lab
mkdir -p "$L"
secret_file "$L/pass" "test-only-password"
cat >"$L/lb.conf" <<EOF
[repo usb-ssd]
url = $L/missing-repo
password_file = $L/pass

[alerts]
channels = console desktop
EOF
chmod 600 "$L/lb.conf"
unset DISPLAY WAYLAND_DISPLAY

# ---- a real server ----
export NOTIFY_LOG=$L/notify-calls.txt
run "$TOP/tests/notify/with-notifyd.sh" "$LIFEBOAT" -c "$L/lb.conf" alerts test desktop
if [ "$T_RC" -eq 77 ]; then skip "no notification server could be started: $T_OUT"; exit 0; fi
expect_rc "alerts test desktop on a session bus with dunst: exit 0" 0
expect_out "alerts test desktop: shown" "shown"
check "the Notify call reached the server with lifeboat's summary and body" sh -c "
    grep -q 'string \"lifeboat\"' '$NOTIFY_LOG' &&
    grep -q 'string \"lifeboat: WARN test lifeboat\"' '$NOTIFY_LOG' &&
    grep -q 'this channel works' '$NOTIFY_LOG'"

: >"$NOTIFY_LOG"
run "$TOP/tests/notify/with-notifyd.sh" "$LIFEBOAT" -c "$L/lb.conf" alerts
expect_rc "alerts with a missing repo: critical (exit 2)" 2
check "the fired alert went to the desktop, urgency critical" sh -c "
    grep -q 'string \"lifeboat: CRIT repo-error usb-ssd\"' '$NOTIFY_LOG' &&
    grep -A1 'string \"urgency\"' '$NOTIFY_LOG' | grep -q 'byte 2'"

# ---- no bus: quiet fallback ----
rm -f "$XDG_STATE_HOME/lifeboat/lifeboat.db"*
DBUS_SESSION_BUS_ADDRESS=disabled: run "$LIFEBOAT" -c "$L/lb.conf" alerts test desktop
expect_rc "alerts test desktop without a bus: exit 2" 2
expect_out "alerts test desktop without a bus: says why" "FAILED"
expect_out "alerts test desktop without a bus: names the transport" "disabled"

rm -f "$XDG_STATE_HOME/lifeboat/lifeboat.log"
DBUS_SESSION_BUS_ADDRESS=disabled: run "$LIFEBOAT" -c "$L/lb.conf" alerts
expect_rc "alerts without a bus: the alert still counts (exit 2)" 2
expect_out "alerts without a bus: the alert is listed" "repo-error usb-ssd"
expect_no_out "alerts without a bus: nothing said about the desktop" "desktop"
check "alerts without a bus: logged once" sh -c \
    "test \"\$(grep -c 'desktop notifications unavailable' '$XDG_STATE_HOME/lifeboat/lifeboat.log')\" -eq 1"
done_testing
