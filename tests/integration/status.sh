#!/bin/sh
# `lifeboat status` against real restic repos: fresh, stale, empty, missing, wrong
# password, locked, restic missing. Exit codes 0/1/2, clear messages, cache kept.
. "$(dirname "$0")/../lib.sh"

command -v restic >/dev/null || { skip "restic not installed"; exit 0; }
L=$T_TMP/lab
mkdir -p "$L/data"
echo "hello" >"$L/data/a.txt"
secret_file "$L/pass" "test-only-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
secret_file "$L/wrong.pass" "not-the-password"

restic_in() { RESTIC_PASSWORD_FILE=$L/pass restic -q -r "$@"; }
restic_in "$L/good" init >/dev/null
restic_in "$L/empty" init >/dev/null
now=$(date +%s)
# good: a snapshot two days ago and one an hour ago
restic_in "$L/good" backup --time "$(date -d @$((now - 172800)) '+%Y-%m-%d %H:%M:%S')" "$L/data" >/dev/null
restic_in "$L/good" backup --time "$(date -d @$((now - 3600)) '+%Y-%m-%d %H:%M:%S')" "$L/data" >/dev/null
cp -a "$L/good" "$L/stale"
# stale: drop the newest snapshot so its newest is two days old
new_id=$(restic_in "$L/stale" snapshots --json | python3 -c 'import json,sys; s=json.load(sys.stdin); print(max(s,key=lambda x:x["time"])["short_id"])')
restic_in "$L/stale" forget "$new_id" >/dev/null

conf() { # conf NAME: write $L/NAME.conf with the repo sections given on stdin
    { cat; printf '\n[job daily]\nschedule = *-*-* 03:00\nrepos = %s\npaths = %s\n' "$2" "$L/data"; } >"$L/$1.conf"
    chmod 600 "$L/$1.conf"
}
repo() { printf '[repo %s]\nurl = %s\npassword_file = %s\ntier = local\n\n' "$1" "$2" "${3:-$L/pass}"; }

repo good "$L/good" | conf ok good
run "$LIFEBOAT" -c "$L/ok.conf" status
expect_rc "fresh repo: status exits 0" 0
expect_out "fresh repo: listed with its 2 snapshots" "good"
run "$LIFEBOAT" -c "$L/ok.conf" status --json
expect_rc "fresh repo: status --json exits 0" 0
check "fresh repo: --json has the snapshot count, the age and health ok" python3 -c '
import json,sys
d=json.loads(sys.argv[1]); r=d["repos"][0]
assert d["overall"]=="ok", d
assert r["name"]=="good" and r["snapshots"]==2 and r["health"]=="ok", r
assert 3500 <= r["age_seconds"] <= 4000, r
assert r["rpo_seconds"]==26*3600 and r["size_bytes"]>0, r' "$T_OUT"

repo stale "$L/stale" | conf stale stale
run "$LIFEBOAT" -c "$L/stale.conf" status
expect_rc "stale repo (2 days, RPO 26h): exit 1 (warning)" 1
expect_out "stale repo: says the RPO is breached" "over its RPO of 26h"

repo empty "$L/empty" | conf empty empty
run "$LIFEBOAT" -c "$L/empty.conf" status
expect_rc "empty repo: exit 2 (no restore point)" 2
expect_out "empty repo: says there is no snapshot" "no snapshot at all"

repo gone "$L/not-there" | conf missing gone
run "$LIFEBOAT" -c "$L/missing.conf" status
expect_rc "missing repo: exit 2" 2
expect_out "missing repo: names the repo" "gone"

repo usb /mnt/lifeboat-test-unplugged/restic | conf unplugged usb
run "$LIFEBOAT" -c "$L/unplugged.conf" status
expect_rc "repo on a missing mount: exit 2" 2
expect_out "repo on a missing mount: asks whether the disk is mounted" "mounted"

repo good "$L/good" "$L/wrong.pass" | conf wrongpw good
run "$LIFEBOAT" -c "$L/wrongpw.conf" status
expect_rc "wrong password: exit 2" 2
expect_out "wrong password: says so" "wrong password"
expect_no_out "wrong password: the password is never shown" "not-the-password"

# The cache survives failures: the good repo's figures stay in the database.
cp "$L/ok.conf" "$L/cache.conf"
run "$LIFEBOAT" -c "$L/ok.conf" status --json
mv "$L/good" "$L/good.away"
run "$LIFEBOAT" -c "$L/ok.conf" status --json
check "unreachable repo: the cached snapshot count is still reported" python3 -c '
import json,sys
r=json.loads(sys.argv[1])["repos"][0]
assert r["state"]=="error" and r["snapshots"]==2 and r["from_cache"], r' "$T_OUT"
mv "$L/good.away" "$L/good"

# A stale lock left by a backup that was killed.
# (a FIFO that is never written keeps restic waiting on its stdin, holding its lock)
mkfifo "$L/never"
(RESTIC_PASSWORD_FILE=$L/pass exec restic -q -r "$L/good" backup --stdin --stdin-filename x \
    <"$L/never" >/dev/null 2>&1) 2>/dev/null &
HOLDER=$!
exec 9>"$L/never" # open the writing end so restic's open returns; nothing is ever written
i=0
until [ -n "$(ls "$L/good/locks" 2>/dev/null)" ] || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
kill -KILL $HOLDER 2>/dev/null
wait $HOLDER 2>/dev/null
exec 9>&-
run "$LIFEBOAT" -c "$L/ok.conf" status
expect_rc "stale lock: exit 1 (warning)" 1
expect_out "stale lock: reported with the restic unlock hint" "restic unlock"

# restic killed mid-output, and restic printing something that is not JSON:
# a clear error naming the repo, and the cached figures are kept.
cat >"$L/restic-killed" <<'SH'
#!/bin/sh
printf '[{"time":"2026-11-2'
kill -KILL $$
SH
cat >"$L/restic-garbage" <<'SH'
#!/bin/sh
echo "this is not JSON"
SH
chmod +x "$L/restic-killed" "$L/restic-garbage"
run env LIFEBOAT_RESTIC="$L/restic-killed" "$LIFEBOAT" -c "$L/ok.conf" status --json
expect_rc "restic killed mid-output: exit 1 (a warning: the repo cannot be read now)" 1
check "restic killed mid-output: says restic was killed; cached figures kept" python3 -c '
import json,sys
r=json.loads(sys.argv[1])["repos"][0]
assert r["state"]=="error" and "killed" in r["error"] and "good" in r["error"], r
assert r["snapshots"]==2 and r["from_cache"], r' "$T_OUT"
run env LIFEBOAT_RESTIC="$L/restic-garbage" "$LIFEBOAT" -c "$L/ok.conf" status --json
expect_rc "restic output not JSON: exit 1" 1
check "restic output not JSON: says the output was malformed; cached figures kept" python3 -c '
import json,sys
r=json.loads(sys.argv[1])["repos"][0]
assert r["state"]=="error" and r["snapshots"]==2, r
assert "JSON" in r["error"] or "json" in r["error"] or "malformed" in r["error"], r' "$T_OUT"

run env PATH=/nonexistent "$LIFEBOAT" -c "$L/ok.conf" status
expect_rc "restic not installed: exit 2" 2
expect_out "restic not installed: says how to install it" "not installed"

done_testing
