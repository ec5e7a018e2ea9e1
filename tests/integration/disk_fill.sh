#!/bin/sh
# The fill history of a [disk] mount (a real mount: /dev/shm): `lifeboat run` keeps one
# sample an hour with the mount's real used and total bytes, and a history that grows fast
# gives the disk-full-soon alert naming the mount, the growth and the date.
. "$(dirname "$0")/../lib.sh"

for t in restic python3; do
    command -v $t >/dev/null || { skip "$t not installed"; exit 0; }
done
L=$T_TMP/lab
mkdir -p "$L/data"
echo "hello" >"$L/data/a.txt"
PW="pw-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
secret_file "$L/pass" "$PW"
RESTIC_PASSWORD_FILE=$L/pass restic -q -r "$L/os" init >/dev/null

cat >"$L/lb.conf" <<EOF2
[repo os-ssd]
url = $L/os
password_file = $L/pass
keep = daily=3

[disk usb-ssd]
device = /dev/disk/by-id/usb-test
mount = /dev/shm
fill_warn = 99%
fill_crit = 100%
source = $TOP/tests/fixtures/smartctl/usb-sat-sandisk-pssd-smartctl7.4.json

[job daily]
schedule = *-*-* 03:00
repos = os-ssd
paths = $L/data
EOF2
chmod 600 "$L/lb.conf"
LB() { "$LIFEBOAT" -c "$L/lb.conf" "$@"; }
DB=$XDG_STATE_HOME/lifeboat/lifeboat.db

run LB run daily
expect_rc "run: exit 0" 0
run LB run daily
expect_rc "second run: exit 0" 0
# one sample (the second run is within the hour), used and total as df counts them
check "two runs within the hour keep one fill sample of /dev/shm with its real size" python3 -c '
import os, sqlite3, sys
rows = sqlite3.connect(sys.argv[1]).execute("SELECT disk, used, total FROM disk_fill").fetchall()
v = os.statvfs("/dev/shm")
total = (v.f_blocks - v.f_bfree + v.f_bavail) * v.f_frsize
assert len(rows) == 1 and rows[0][0] == "usb-ssd", rows
assert abs(rows[0][2] - total) <= total // 10 + (64 << 20), (rows, total)
assert 0 <= rows[0][1] <= rows[0][2], rows
' "$DB"

# a history growing 2 GiB a day with 5 GiB left: full in about 2.5 days (critical)
python3 -c '
import sqlite3, sys, time
G = 1 << 30
now = int(time.time())
db = sqlite3.connect(sys.argv[1])
db.execute("DELETE FROM disk_fill")
for days, used in ((2, 91), (1, 93), (0, 95)):
    db.execute("INSERT INTO disk_fill (disk, at, used, total) VALUES (?, ?, ?, ?)",
               ("usb-ssd", now - days * 86400 - 1800, used * G, 100 * G))
db.commit()
' "$DB"
run LB alerts --json
expect_rc "alerts: a critical alert, exit 2" 2
printf '%s\n' "$T_OUT" >"$L/alerts.out"
check "disk-full-soon is critical and names the mount, the growth and the date" python3 -c '
import json, sys, time
t = open(sys.argv[1]).read()
d = json.loads(t[t.index("{"):])
a = [x for x in d["alerts"] if x["rule"] == "disk-full-soon"]
assert len(a) == 1 and a[0]["subject"] == "usb-ssd" and a[0]["severity"] == "crit", a
m = a[0]["message"]
assert m.startswith("/dev/shm at ") and "grows about 2.0 GiB a day: full around " in m, m
when = time.strftime("%Y-%m-%d", time.localtime(time.time() + 2.5 * 86400 - 1800))
assert when in m, (when, m)
' "$L/alerts.out"
done_testing
