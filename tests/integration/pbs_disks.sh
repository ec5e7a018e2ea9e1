#!/bin/sh
# `lifeboat smart --pbs` against the simulator (tests/sim): the disks of the
# PBS host as PBS reports them (/nodes/localhost/disks/list), in text and
# --json: the USB disk whose SMART PBS cannot read through its bridge has
# status unknown, no wearout, the reason and the way out (lifeboat's own
# smartctl with type = sat), and is tied to the configured [disk] with the
# same serial; exit 1 for that unknown status; a PBS that fails is named
# with the endpoint (exit 2); the plain `smart` of a [disk] is unchanged.
. "$(dirname "$0")/../lib.sh"

for t in python3 openssl; do
    command -v $t >/dev/null || { skip "pbs_disks: $t not installed"; exit 0; }
done
SIM=$TOP/tests/sim
eval "$("$SIM/run" --state-dir "$T_TMP/sim" --auth-delay 0.3)" || { fail "the simulator starts"; exit 1; }
at_exit "kill $SIM_PID"
FIX=$TOP/tests/fixtures/smartctl

C=$T_TMP/lifeboat.conf
cat >"$C" <<EOF
[pbs lab]
url = $PBS_URL
token_file = $PBS_TOKEN_FILE
fingerprint = $FINGERPRINT
datastore = usb-ssd

[disk offsite]
device = /dev/disk/by-id/usb-SanDisk_pSSD_06c9f4c44
type = sat
source = $FIX/usb-sat-sandisk-pssd-smartctl7.4.json
EOF
chmod 600 "$C"
secret=$(sed 's/^[^:]*://' "$PBS_TOKEN_FILE")

run "$LIFEBOAT" -c "$C" smart --pbs
expect_rc "smart --pbs: a disk PBS cannot read SMART of makes exit 1" 1
expect_out "the section says whose view it is" "disks of PBS 'lab' as PBS reports them"
expect_out "the datastore disk: model, serial, passed, life left" "Samsung PSSD T7          S5SXNG0R123456"
check "the USB disk's row: unknown status, no wearout, tied to [disk offsite] with our verdict" sh -c \
    'printf "%s\n" "$1" | grep "^sdb " | grep "unknown" | grep -q "= \[disk offsite\], SMART ok here"' sh "$T_OUT"
expect_out "unknown explained" "PBS cannot read SMART through this USB bridge; lifeboat's own smartctl with type = sat can"
expect_no_out "the token secret never shows" "$secret"

run "$LIFEBOAT" -c "$C" smart --pbs --json
expect_rc "smart --pbs --json: exit 1" 1
printf '%s\n' "$T_OUT" >"$T_TMP/d.json"
check "--json: the fields of each disk, as the server sent them" python3 - "$T_TMP/d.json" <<'EOF'
import json, sys
d = {x["name"]: x for x in json.load(open(sys.argv[1]))}
assert sorted(d) == ["nvme0n1", "sda", "sdb"], sorted(d)
for x in d.values():
    assert set(x) == {"name", "vendor", "model", "serial", "type", "used", "size", "status",
                      "wearout", "note", "disk", "disk_smart"}, x
a = d["sda"]
assert (a["status"], a["wearout"], a["vendor"], a["serial"]) == ("passed", 99, "Samsung", "S5SXNG0R123456"), a
assert a["note"] is None and a["disk"] is None, a
u = d["sdb"]
assert u["status"] == "unknown" and u["wearout"] is None and u["type"] == "usb", u
assert "USB bridge" in u["note"] and "type = sat" in u["note"], u
assert u["disk"] == "offsite" and u["disk_smart"] == "ok", u
assert d["nvme0n1"]["vendor"] is None and d["nvme0n1"]["wearout"] == 97
EOF

run "$LIFEBOAT" -c "$C" smart offsite --json
expect_rc "smart DISK still reads our own view (exit 0)" 0
printf '%s\n' "$T_OUT" >"$T_TMP/own.json"
check "smart DISK --json: one object, as before" python3 -c \
    'import json,sys; d=json.load(open(sys.argv[1])); assert isinstance(d, dict) and d["verdict"] == "ok", d' "$T_TMP/own.json"
run "$LIFEBOAT" -c "$C" smart --pbs offsite
expect_rc "--pbs with a DISK: usage error" 64

python3 "$SIM/ctl" "$PBS_URL" fault 403 /nodes/localhost/disks >/dev/null
run "$LIFEBOAT" -c "$C" smart --pbs
expect_rc "403 on the disk list: exit 2" 2
expect_out "the endpoint named" "GET /nodes/localhost/disks/list"
expect_out "the privilege named" "Sys.Audit"
python3 "$SIM/ctl" "$PBS_URL" fault none >/dev/null

printf '[disk offsite]\ndevice = /dev/sdb\nsource = %s\n' "$FIX/usb-sat-sandisk-pssd-smartctl7.4.json" >"$T_TMP/nopbs.conf"
chmod 600 "$T_TMP/nopbs.conf"
run "$LIFEBOAT" -c "$T_TMP/nopbs.conf" smart --pbs
expect_rc "no [pbs]: config error" 78
expect_out "no [pbs]: said so" "no [pbs NAME] section"

done_testing
