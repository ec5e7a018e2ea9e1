#!/bin/sh
# `lifeboat smart`: verdicts, exit codes and JSON fields for real smartctl captures
# (--from-file), configured disks (source = FILE, and a fake smartctl on PATH that
# answers by -d type), and the failure states with their hints.
. "$(dirname "$0")/../lib.sh"

command -v python3 >/dev/null || { skip "smart: python3 not installed"; exit 0; }
FIX=$TOP/tests/fixtures/smartctl

# jfield FILE EXPR: print python expression EXPR over the JSON object j read from FILE.
jfield() {
    python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2" 2>/dev/null ||
        echo "(no JSON in $1)"
}

# smart_file CAPTURE RC VERDICT: --from-file --json exits RC with verdict VERDICT.
smart_file() {
    "$LIFEBOAT" smart --from-file "$FIX/$1" --json >"$T_TMP/out.json" 2>"$T_TMP/err"
    T_RC=$?
    T_OUT=$(cat "$T_TMP/out.json" "$T_TMP/err")
    expect_rc "$1 exits $2" "$2"
    check "$1 verdict is $3" test "$(jfield "$T_TMP/out.json" 'j["verdict"]')" = "$3"
}

smart_file sata-hdd-usbjmicron-failing-hitachi-smartctl7.1-exit216.json 2 crit
check "hitachi: identity and counters from the capture" test \
    "$(jfield "$T_TMP/out.json" '(j["model"], j["serial"], j["protocol"], j["power_on_hours"], j["temperature_c"], j["smartctl_exit_status"])')" = \
    "('Hitachi HDS721050DLE630', 'MSK423Y20S3HBC', 'ATA', 65592, 25, 216)"
check "hitachi: reallocated sectors are a crit finding naming the attribute" test \
    "$(jfield "$T_TMP/out.json" '[(f["level"], f["value"]) for f in j["findings"] if f["metric"] == "reallocated_sectors"]')" = \
    "[('crit', 1975)]"
check "hitachi: findings have metric, level, value, text" \
    python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert all(set(f) == {"metric","level","value","text"} for f in j["findings"]); assert "Reallocated_Sector_Ct" in " ".join(f["text"] for f in j["findings"])' "$T_TMP/out.json"

smart_file sata-ssd-samsung860evo-xall-devstat-smartctl7.0.json 0 ok
check "860 EVO: life used 19 % from device statistics" test "$(jfield "$T_TMP/out.json" 'j["life_used_pct"]')" = 19

smart_file sata-ssd-intel-dcs3500-worn-mwi15-smartctl7.3.json 1 warn
check "worn Intel: life used 85 %" test "$(jfield "$T_TMP/out.json" 'j["life_used_pct"]')" = 85

smart_file nvme-samsung970evo-media-errors-smartctl7.0.json 2 crit
check "NVMe media errors: protocol NVMe, 7 media errors" test \
    "$(jfield "$T_TMP/out.json" '(j["protocol"], [f["value"] for f in j["findings"] if f["metric"] == "media_errors"])')" = \
    "('NVMe', [7])"

smart_file nvme-samsung-critical-warning16-smartctl7.3-exit8.json 2 crit
smart_file nvme-crucial-p2-healthy-smartctl7.3.json 0 ok
smart_file sata-hdd-seagate-reallocated304-smartctl7.3.json 2 crit
smart_file sata-hdd-hgst-errorlog-smartctl7.3-exit64.json 0 ok
smart_file sata-ssd-kingston-sa400-smartctl7.3-exit4.json 0 ok
smart_file usb-sat-sandisk-pssd-smartctl7.4.json 0 ok
check "SanDisk behind a bridge: temperature is null, not a number" test \
    "$(jfield "$T_TMP/out.json" 'j["temperature_c"]')" = None
smart_file synthetic-bigint-bridge-ffff.json 0 ok

# failure captures: each its own state and hint
smart_file synthetic-usb-unknown-bridge-exit1.json 1 unavailable
check "unknown bridge: state and hint" test \
    "$(jfield "$T_TMP/out.json" '(j["state"], "set type = sat" in j["hint"])')" = "('unknown_usb_bridge', True)"
smart_file local-smartctl7.3-nonroot-open-permission-denied.json 2 error
check "permission denied: state and hint" test \
    "$(jfield "$T_TMP/out.json" '(j["state"], "needs root" in j["hint"])')" = "('permission_denied', True)"
smart_file local-smartctl7.3-root-sandbox-open-eperm.json 2 error
check "sandbox EPERM: its own state" test "$(jfield "$T_TMP/out.json" 'j["state"]')" = open_not_permitted
smart_file local-smartctl7.3-virtio-vda-auto-unable-to-detect.json 1 unavailable
check "unable to detect: its own state" test "$(jfield "$T_TMP/out.json" 'j["state"]')" = unknown_device_type
smart_file local-smartctl7.3-loopdev-d-sat-no-passthrough-json-o.json 1 unavailable
check "no pass-through: its own state" test "$(jfield "$T_TMP/out.json" 'j["state"]')" = no_passthrough
smart_file synthetic-standby-exit2.json 0 standby

# malformed input: an error verdict, exit 2, a message on stderr, no crash
head -c 700 "$FIX/nvme-crucial-p2-healthy-smartctl7.3.json" >"$T_TMP/cut.json"
run "$LIFEBOAT" smart --from-file "$T_TMP/cut.json"
expect_rc "cut-off capture exits 2" 2
expect_out "cut-off capture: the parse error is named" "cannot parse smartctl output"
run "$LIFEBOAT" smart --from-file "$T_TMP/none.json"
expect_rc "missing file exits 2" 2
expect_out "missing file is named" "none.json"
run "$LIFEBOAT" smart --from-file
expect_rc "--from-file without FILE is a usage error" 64

# human output: verdict line, identity, findings
run "$LIFEBOAT" smart --from-file "$FIX/sata-hdd-seagate-reallocated304-smartctl7.3.json"
expect_rc "human output exits 2 for crit" 2
expect_out "human output: verdict line" "SMART crit"
expect_out "human output: identity" "ST3500418AS"
expect_out "human output: the finding and its threshold" "Reallocated_Sector_Ct is 304 (warn at 1, crit at 17)"

# configured disks: source = FILE (demo/tests), every disk without DISK
mkdir -p "$XDG_CONFIG_HOME/lifeboat"
conf=$XDG_CONFIG_HOME/lifeboat/lifeboat.conf
(umask 077; cat >"$conf" <<EOF
[disk usb-ssd]
device = /dev/disk/by-id/usb-Example_Disk_0123456789-0:0
source = $FIX/sata-ssd-samsung860evo-xall-devstat-smartctl7.0.json

[disk old-ssd]
device = /dev/disk/by-id/ata-INTEL_SSDSC2BB016T4
source = $FIX/sata-ssd-intel-dcs3500-worn-mwi15-smartctl7.3.json
EOF
)
run "$LIFEBOAT" smart usb-ssd
expect_rc "configured disk from its source file exits 0" 0
expect_out "configured disk: named by its section" "usb-ssd: SMART ok"
"$LIFEBOAT" smart --json >"$T_TMP/all.json" 2>"$T_TMP/err"
T_RC=$?
expect_rc "every disk: the worst verdict (warn) sets the exit code" 1
check "every disk: one object per disk, in config order" test \
    "$(jfield "$T_TMP/all.json" '[(o["disk"], o["verdict"]) for o in j]')" = "[('usb-ssd', 'ok'), ('old-ssd', 'warn')]"
run "$LIFEBOAT" smart nosuch
expect_rc "unknown disk is a config error" 78
expect_out "unknown disk is named" "no [disk nosuch] section"

# a configured disk read through a fake smartctl on PATH: the bridge fallback order
mkdir -p "$T_TMP/bin" "$T_TMP/fake"
ln -s "$FIX/fake-smartctl.sh" "$T_TMP/bin/smartctl"
ln -s "$FIX/synthetic-usb-unknown-bridge-exit1.json" "$T_TMP/fake/auto.json"
ln -s "$FIX/nvme-crucial-p2-healthy-smartctl7.3.json" "$T_TMP/fake/sntasmedia.json"
(umask 077; cat >"$conf" <<EOF
[disk usb-nvme]
device = /dev/disk/by-id/usb-Example_NVMe_0123456789-0:0
type = auto
EOF
)
PATH="$T_TMP/bin:$PATH" FAKE_SMARTCTL_DIR=$T_TMP/fake FAKE_SMARTCTL_LOG=$T_TMP/calls \
    "$LIFEBOAT" smart usb-nvme --json >"$T_TMP/out.json" 2>"$T_TMP/err"
T_RC=$?
T_OUT=$(cat "$T_TMP/out.json" "$T_TMP/err")
expect_rc "fallback: a healthy NVMe behind the bridge exits 0" 0
check "fallback: tried auto, sat, sat,12, then the NVMe bridge types" test \
    "$(cut -d' ' -f1 "$T_TMP/calls" 2>/dev/null | tr '\n' ' ')" = "auto sat sat,12 sntjmicron sntasmedia "
check "fallback: the working type is reported" test \
    "$(jfield "$T_TMP/out.json" '(j["type"], j["model"], [a["state"] for a in j["attempts"]])')" = \
    "('sntasmedia', 'CT250P2SSD8', ['unknown_usb_bridge', 'no_passthrough', 'no_passthrough', 'no_passthrough', 'data'])"

# every candidate fails: SMART unavailable through this bridge, with the hint naming the section
rm -f "$T_TMP/fake/sntasmedia.json" "$T_TMP/calls"
run env PATH="$T_TMP/bin:$PATH" FAKE_SMARTCTL_DIR="$T_TMP/fake" FAKE_SMARTCTL_LOG="$T_TMP/calls" \
    "$LIFEBOAT" smart usb-nvme
expect_rc "fallback exhausted exits 1 (unavailable)" 1
expect_out "fallback exhausted: the state" "SMART unavailable"
expect_out "fallback exhausted: the hint names the section" "in [disk usb-nvme]"
# the type that worked last time is tried first (remembered in the state database), then all six
check "fallback exhausted: the remembered type first, then six types (USB vendor unknown)" test \
    "$(cut -d' ' -f1 "$T_TMP/calls" 2>/dev/null | tr '\n' ' ')" = \
    "sntasmedia auto sat sat,12 sntjmicron sntasmedia sntrealtek "

done_testing
