#!/bin/sh
# `lifeboat smart --pbs` against the simulator (tests/sim): the disks of the
# PBS host as PBS reports them (/nodes/localhost/disks/list), in text and
# --json: the USB disk whose SMART PBS cannot read through its bridge has
# status unknown, no wearout, the reason and the way out (lifeboat's own
# smartctl with type = sat), and is tied to the configured [disk] with the
# same serial; exit 1 for that unknown status; a PBS that fails is named
# with the endpoint (exit 2); the plain `smart` of a [disk] is unchanged.
# `smart --pbs DISK`: one disk's SMART as PBS reports it (/disks/smart): the
# ATA table of sda and the NVMe health log, text and --json; the attribute at
# its threshold marked FAILING when the drive fails (exit 2); the USB disk
# unknown (exit 1); 403, a hung server and an unknown disk named clearly.
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
run "$LIFEBOAT" -c "$C" smart --pbs --from-file "$FIX/usb-sat-sandisk-pssd-smartctl7.4.json"
expect_rc "--pbs with --from-file: usage error" 64

# ---- one disk's SMART as PBS reports it (/nodes/localhost/disks/smart?disk=NAME)
run "$LIFEBOAT" -c "$C" smart --pbs sda
expect_rc "smart --pbs sda: passed, exit 0" 0
expect_out "sda: status and life left" "sda on PBS 'lab': SMART passed, 99% life left"
check "sda: the attribute table, id name value worst thresh raw flags" sh -c \
    'printf "%s\n" "$1" | grep -Eq "^ +5  Reallocated_Sector_Ct +100 +100 +10  0 +PO--CK$"' sh "$T_OUT"
expect_out "sda: a raw text with its Min/Max shown whole" "37 (Min/Max 21/48)"
expect_no_out "sda: nothing failing" "FAILING"
expect_no_out "sda: the token secret never shows" "$secret"

run "$LIFEBOAT" -c "$C" smart --pbs sda --json
expect_rc "smart --pbs sda --json: exit 0" 0
printf '%s\n' "$T_OUT" >"$T_TMP/sda.json"
check "sda --json: one object, numbers as numbers, consistent with the disk list" python3 - "$T_TMP/sda.json" <<'EOF2'
import json, sys
d = json.load(open(sys.argv[1]))
assert set(d) == {"disk", "status", "wearout", "type", "attributes"}, d
assert (d["disk"], d["status"], d["wearout"], d["type"]) == ("sda", "passed", 99, "ata"), d
a = {x["name"]: x for x in d["attributes"]}
r = a["Reallocated_Sector_Ct"]
assert (r["id"], r["normalized"], r["worst"], r["threshold"], r["raw"], r["value"], r["flags"],
        r["failing"]) == (5, 100, 100, 10, "0", 0, "PO--CK", False), r
t = a["Airflow_Temperature_Cel"]
assert t["raw"] == "37 (Min/Max 21/48)" and t["value"] == 37, t
assert a["Wear_Leveling_Count"]["normalized"] == d["wearout"]  # PBS's wearout source
assert not any(x["failing"] for x in d["attributes"])
EOF2

run "$LIFEBOAT" -c "$C" smart --pbs nvme0n1 --json
expect_rc "smart --pbs nvme0n1 --json: exit 0" 0
printf '%s\n' "$T_OUT" >"$T_TMP/nvme.json"
check "nvme0n1 --json: the health log as key/value numbers, 100 - percentage_used = wearout" \
    python3 - "$T_TMP/nvme.json" <<'EOF2'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["type"] == "nvme" and d["status"] == "passed", d
a = {x["name"]: x for x in d["attributes"]}
assert 100 - a["percentage_used"]["value"] == d["wearout"] == 97, d
assert a["media_errors"]["value"] == 0 and a["media_errors"]["id"] is None, a["media_errors"]
assert a["available_spare"]["normalized"] is None
EOF2
run "$LIFEBOAT" -c "$C" smart --pbs nvme0n1
expect_out "nvme0n1 text: the health log" "HEALTH LOG"
check "nvme0n1 text: a key and its value" sh -c \
    'printf "%s\n" "$1" | grep -Eq "^  percentage_used +3$"' sh "$T_OUT"

run "$LIFEBOAT" -c "$C" smart --pbs sdb
expect_rc "smart --pbs sdb (USB, unknown): exit 1" 1
expect_out "sdb: status unknown" "sdb on PBS 'lab': SMART unknown"
expect_out "sdb: why, and the way out" "lifeboat's own [disk] with type = sat can"
expect_out "sdb: no attributes said so" "PBS reports no attributes"
run "$LIFEBOAT" -c "$C" smart --pbs sdb --json
expect_rc "smart --pbs sdb --json: exit 1" 1
printf '%s\n' "$T_OUT" >"$T_TMP/sdb.json"
check "sdb --json: unknown, wearout null, no attributes" python3 -c \
    'import json,sys; d=json.load(open(sys.argv[1])); assert (d["status"], d["wearout"], d["attributes"]) == ("unknown", None, []), d' "$T_TMP/sdb.json"

python3 "$SIM/ctl" "$PBS_URL" disk sda failing >/dev/null
run "$LIFEBOAT" -c "$C" smart --pbs sda
expect_rc "a failing drive: exit 2" 2
expect_out "failing: the status" "SMART failed"
check "failing: the attribute at or below its threshold is marked, the others not" sh -c \
    'printf "%s\n" "$1" | grep FAILING | grep -q "Reallocated_Sector_Ct .* 5 .* 5 .* 10  1975" &&
     test "$(printf "%s\n" "$1" | grep -c FAILING)" = 1' sh "$T_OUT"
expect_out "failing: what to do" "copy what is on it now and replace it"
run "$LIFEBOAT" -c "$C" smart --pbs sda --json
expect_rc "a failing drive --json: exit 2" 2
printf '%s\n' "$T_OUT" >"$T_TMP/fail.json"
check "failing --json: failing true on that attribute only" python3 -c \
    'import json,sys; d=json.load(open(sys.argv[1])); f=[x["name"] for x in d["attributes"] if x["failing"]]; assert d["status"] == "failed" and f == ["Reallocated_Sector_Ct"], f' "$T_TMP/fail.json"
python3 "$SIM/ctl" "$PBS_URL" disk sda ok >/dev/null

run "$LIFEBOAT" -c "$C" smart --pbs sdz
expect_rc "a disk PBS does not have: exit 2" 2
expect_out "no such disk: the endpoint and the server's words" "GET /nodes/localhost/disks/smart?disk=sdz"
expect_out "no such disk: PBS's answer" "no such disk 'sdz'"

python3 "$SIM/ctl" "$PBS_URL" fault 403 /nodes/localhost/disks/smart >/dev/null
run "$LIFEBOAT" -c "$C" smart --pbs sda
expect_rc "403 on the SMART data: exit 2" 2
expect_out "403: the endpoint" "/nodes/localhost/disks/smart?disk=sda"
expect_out "403: the privilege" "lacks Sys.Audit on /system/disks"
expect_no_out "403: the token secret never shows" "$secret"
python3 "$SIM/ctl" "$PBS_URL" fault hang /nodes/localhost/disks/smart >/dev/null
run timeout 60 "$LIFEBOAT" -c "$C" smart --pbs sda --json --timeout 2s
expect_rc "hung server: exit 2 (lifeboat stops waiting)" 2
expect_out "hung server: the endpoint named" "GET /nodes/localhost/disks/smart?disk=sda"
expect_out "hung server: said it did not answer" "in time"
check "hung server: --json prints no half object" test -z "$(printf '%s' "$T_OUT" | grep '{')"
python3 "$SIM/ctl" "$PBS_URL" fault none >/dev/null

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
