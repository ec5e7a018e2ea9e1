#!/bin/sh
# make screenshots: the console on a fresh demo lab at 100x30, captured from tmux,
# drawn as HTML (ans2html.py) and photographed by headless chromium at 2x scale.
#   screenshots/overview.png schedule.png tasks.png disks.png drills.png
# The lab is built with LIFEBOAT_NOW pinned and TZ=UTC, so ages and dates are
# the same on every run. Needs chromium: scripts/deps.sh shots installs it.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
: "${LIFEBOAT:=$TOP/lifeboat}"
. "$TOP/tests/lib.sh"
. "$TOP/tests/e2e/tmux.sh"

sh "$TOP/scripts/deps.sh" shots || { echo "screenshots: cannot install chromium"; exit 1; }
OUT=${SCREENSHOTS_DIR:-$TOP/screenshots}
mkdir -p "$OUT"

# Thursday 2026-11-26 10:00 UTC: a weekday morning after the nightly runs
export LIFEBOAT_NOW=1795687200 TZ=UTC
# a fixed path: the console shows it, and every run should give the same picture
SHOTS_TMP=${TMPDIR:-/tmp}/lifeboat-screenshots
LAB=$SHOTS_TMP/demo-lab
rm -rf "$SHOTS_TMP"
rm_shots_tmp() { rm -rf "$SHOTS_TMP"; }
at_exit rm_shots_tmp

# shot CAPTURE COLS ROWS OUT.png: HTML from the capture, then a 2x chromium screenshot
shot() {
    fs=16 scale=2
    python3 "$TOP/tests/e2e/ans2html.py" "$2" "$3" "$fs" <"$1" >"$T_TMP/screen.html" || return 1
    # DejaVu Sans Mono advances 1233/2048 em; 10 px padding on each side
    w=$(( ($2 * fs * 1233 + 2047) / 2048 + 20 ))
    h=$(( $3 * (fs * 116 / 100) + 20 ))
    rm -f "$4"
    chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --hide-scrollbars --force-device-scale-factor=$scale \
        --user-data-dir="$T_TMP/chromium" --window-size="$w,$h" \
        --screenshot="$4" "file://$T_TMP/screen.html" >/dev/null 2>&1
    test -s "$4"
}

"$LIFEBOAT" demo "$LAB" --setup-only >/dev/null || { echo "screenshots: lab build failed"; exit 1; }
# a cloud drill and a file restore on record, so the Drills screen shows what it is for
"$LIFEBOAT" demo "$LAB" --serve >"$T_TMP/serve.out" 2>&1 &
srv=$!
i=0
until grep -q "serving the demo cloud" "$T_TMP/serve.out" 2>/dev/null || [ $i -ge 200 ]; do sleep 0.1; i=$((i + 1)); done
"$LIFEBOAT" -c "$LAB/lifeboat.conf" drill cloud >/dev/null 2>&1 || echo "screenshots: the cloud drill failed"
kill "$srv"
wait "$srv" 2>/dev/null
"$LIFEBOAT" -c "$LAB/lifeboat.conf" restore files os-ssd --path "$LAB/data/etc" >/dev/null 2>&1 ||
    echo "screenshots: the file restore failed"
tmux_start shot 100 30 "$LIFEBOAT demo $LAB" LIFEBOAT_NOW=$LIFEBOAT_NOW TZ=UTC
# the Overview is complete when every repo was read (the cloud last: over HTTP)
ok=1
for r in os-ssd usb-ssd cloud; do wait_for "$r" shot || ok=0; done
[ $ok = 1 ] && wait_gone "refreshing" shot 30 || ok=0
[ $ok = 1 ] || { echo "screenshots: the Overview did not complete"; exit 1; }
sleep 0.3 # let the last redraw land
screen_ansi shot >"$T_TMP/overview.ans"
# the other screens worth a picture: KEYS, the text that says it is drawn, the name
capture() {
    keys shot $1
    wait_for "$2" shot || { echo "screenshots: '$2' did not show"; exit 1; }
    sleep 0.3
    screen_ansi shot >"$T_TMP/$3.ans"
}
capture 2 "week · quiet" schedule
capture 3 "runs" runs
capture t "Proxmox tasks" tasks
capture 4 "as PBS reports them" disks
capture 7 "restore drills" drills
keys shot q
for name in overview schedule tasks disks drills; do
    if shot "$T_TMP/$name.ans" 100 30 "$OUT/$name.png"; then
        echo "screenshots: wrote $OUT/$name.png"
    else
        echo "screenshots: chromium made no image of $name"
        exit 1
    fi
done
