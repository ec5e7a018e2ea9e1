#!/bin/sh
# The SMART spool: a reading taken as root shares smartctl's document in
# $LIFEBOAT_SPOOL_DIR (0644, whatever the umask); `lifeboat smart DISK` whose
# own smartctl is refused (permission denied, through a fake smartctl) shows
# the spooled verdict and its time, flags a spooled sample older than 48 h as
# stale, and without a spool file explains the permission problem as before.
. "$(dirname "$0")/../lib.sh"

command -v python3 >/dev/null || { skip "smart spool: python3 not installed"; exit 0; }
FIX=$TOP/tests/fixtures/smartctl
SPOOL=$LIFEBOAT_SPOOL_DIR
conf=$T_TMP/lifeboat.conf
export LIFEBOAT_CONFIG="$conf"

jfield() {
    python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2" 2>/dev/null ||
        echo "(no JSON in $1)"
}

mkdir -p "$T_TMP/bin" "$T_TMP/fake"
ln -s "$FIX/fake-smartctl.sh" "$T_TMP/bin/smartctl"
export PATH="$T_TMP/bin:$PATH" FAKE_SMARTCTL_DIR="$T_TMP/fake"
(umask 077; cat >"$conf" <<EOF
[disk usb-ssd]
device = /dev/disk/by-id/usb-Example_SSD_0123456789-0:0
type = sat
EOF
)
worn=sata-ssd-intel-dcs3500-worn-mwi15-smartctl7.3.json

# root reads the drive: the document lands in the spool, readable by everyone
if [ "$(id -u)" -eq 0 ]; then
    cp "$FIX/$worn" "$T_TMP/fake/sat.json"
    run sh -c "umask 077; exec \"\$LIFEBOAT\" smart usb-ssd"
    expect_rc "root reading of a worn SSD exits 1 (warn: 85% life used)" 1
    check "root reading: the spool file is smartctl's document" cmp "$FIX/$worn" "$SPOOL/usb-ssd.json"
    check "root reading: the spool file is 0644 under umask 077" test \
        "$(stat -c %a "$SPOOL/usb-ssd.json" 2>&1)" = 644
    check "root reading: the spool directory is 0755" test "$(stat -c %a "$SPOOL" 2>&1)" = 755
    check "root reading: no temporary file left" test "$(ls "$SPOOL")" = usb-ssd.json
else
    skip "smart spool: the root-run sample (not root here)"
    mkdir -p "$SPOOL" && cp "$FIX/$worn" "$SPOOL/usb-ssd.json"
fi

# a normal user's smartctl is refused: the root job's sample stands in
cp "$FIX/local-smartctl7.3-nonroot-open-permission-denied.json" "$T_TMP/fake/sat.json"
touch -d '2 hours ago' "$SPOOL/usb-ssd.json"
when=$(date -d "@$(stat -c %Y "$SPOOL/usb-ssd.json")" '+%Y-%m-%d %H:%M:%S')
export XDG_STATE_HOME="$T_TMP/state-user"
mkdir -p "$XDG_STATE_HOME"
run "$LIFEBOAT" smart usb-ssd
expect_rc "permission denied + spool: the spooled verdict's exit (1, worn)" 1
expect_out "permission denied + spool: the spooled verdict" "usb-ssd: SMART warn"
expect_out "permission denied + spool: the drive of the sample" "INTEL SSDSC2BB"
expect_out "permission denied + spool: says where it comes from and when" \
    "read from the root job's sample at $when (smartctl needs root here)"
expect_no_out "permission denied + spool: not stale at 2 h" "stale"
"$LIFEBOAT" smart usb-ssd --json >"$T_TMP/out.json" 2>"$T_TMP/err"
check "permission denied + spool, --json: verdict, model and the sample finding" test \
    "$(jfield "$T_TMP/out.json" '(j["verdict"], j["model"][:14], [f["level"] for f in j["findings"] if f["metric"] == "root_sample"])')" = \
    "('warn', 'INTEL SSDSC2BB', ['ok'])"

# a healthy drive whose root sample is three days old: a warning saying it is stale
cp "$FIX/usb-sat-sandisk-pssd-smartctl7.4.json" "$SPOOL/usb-ssd.json"
touch -d '3 days ago' "$SPOOL/usb-ssd.json"
run "$LIFEBOAT" smart usb-ssd
expect_rc "stale spool: a healthy drive's old sample exits 1 (warn)" 1
expect_out "stale spool: verdict warn" "usb-ssd: SMART warn"
expect_out "stale spool: the warning says so" "the root job's sample is stale: 3d old (older than 48 h)"
touch "$SPOOL/usb-ssd.json"
run "$LIFEBOAT" smart usb-ssd
expect_rc "fresh spool: the same healthy sample exits 0" 0

# no spool file: the permission problem is explained as before
rm -f "$SPOOL/usb-ssd.json"
run "$LIFEBOAT" smart usb-ssd
expect_rc "permission denied, no spool: exits 2 (error)" 2
expect_out "permission denied, no spool: the state" "permission_denied"
expect_out "permission denied, no spool: the hint" "needs root"
expect_no_out "permission denied, no spool: no sample claimed" "root job's sample"

done_testing
