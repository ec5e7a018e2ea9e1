#!/bin/sh
# The Retention screen (5) beside each PBS group's plan shows the server's
# own prune dry-run, asked when the group's tier is shown: "server agrees"
# on the demo lab; once the simulator's PBS decides otherwise for vm/100's
# newest backup, a refresh shows the disagreement (which snapshot, what each
# says) and marks its row. No sanitizer report.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/tmux.sh"

for t in tmux restic python3; do
    command -v $t >/dev/null || { skip "retention dry-run e2e: $t not installed"; exit 0; }
done
LAB=$T_TMP/lab
SAN=$T_TMP/san
"$LIFEBOAT" demo "$LAB" --setup-only >"$T_TMP/setup.out" 2>&1 ||
    { fail "demo lab built"; cat "$T_TMP/setup.out"; exit 1; }
PBS=$(awk '/^\[pbs /{on=1; next} /^\[/{on=0} on && $1 == "url" {print $3}' "$LAB/lifeboat.conf")

cat >"$T_TMP/console.sh" <<EOS
"$LIFEBOAT" demo "$LAB"
echo "EXIT=\$?"
exec sleep 120
EOS
# shellcheck disable=SC2046
tmux_start app 160 50 "sh $T_TMP/console.sh" LANG=C.UTF-8 $(sanitizer_env "$SAN")
wait_for "1 Overview" app || { fail "console started"; screen app; exit 1; }
keys app 5
check "Retention shows the PBS groups as tiers" wait_for "vm/100"
for name in usb-ssd cloud ct/102 ct/103 vm/100; do
    keys app l
    wait_for "points of $name" >/dev/null
done
check "l reaches the tier of vm/100" wait_for "points of vm/100"
check "the server's prune dry-run agrees with lifeboat's plan" wait_for "server agrees"

check "the simulator's PBS now decides otherwise for vm/100's newest backup" \
    python3 - "$PBS" <<'EOP'
import ssl, sys, urllib.parse, urllib.request
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
req = urllib.request.Request(sys.argv[1] + "/_sim/prune-flip", method="POST",
                             data=urllib.parse.urlencode({"group": "vm/100"}).encode())
assert urllib.request.urlopen(req, context=ctx, timeout=10).read() == b"ok\n"
EOP
keys app r
check "after a refresh the disagreement is said" wait_for "SERVER DISAGREES on 1 (!)"
check "which snapshot and what each says" wait_for "lifeboat keep, server remove"
check "the row of that snapshot is marked" wait_for "! keep"
[ -n "${SHOW_SCREEN:-}" ] && screen app >"$SHOW_SCREEN"
keys app q
check "q quits" wait_for "EXIT=0"
check "no sanitizer report" sanitizer_check "$SAN"
done_testing
