#!/bin/sh
# A cloud server that accepts connections and never answers costs a spinner,
# not a frozen console: the local repo shows, keys work while the cloud row is
# still refreshing, and q quits at once (the hung restic is stopped).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/tmux.sh"

for t in tmux restic python3; do
    command -v $t >/dev/null || { skip "hang e2e: $t not installed"; exit 0; }
done
SAN=$T_TMP/san
L=$T_TMP/lab
mkdir -p "$L/data"
echo data >"$L/data/file"
secret_file "$L/pass" "test-only-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
RESTIC_PASSWORD_FILE=$L/pass restic -q -r "$L/local" init >/dev/null
RESTIC_PASSWORD_FILE=$L/pass restic -q -r "$L/local" backup "$L/data" >/dev/null

# the black hole: accepts, reads, never answers
python3 - "$T_TMP/port" <<'PY' &
import socket, sys, os, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(16)
tmp = sys.argv[1] + ".tmp"; open(tmp, "w").write(str(s.getsockname()[1])); os.rename(tmp, sys.argv[1])
held = []
deadline = time.time() + 120
s.settimeout(1)
while time.time() < deadline:
    try:
        c, _ = s.accept(); held.append(c)
    except socket.timeout:
        pass
PY
kill_at_exit $!
i=0
until [ -s "$T_TMP/port" ] || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
PORT=$(cat "$T_TMP/port")

(umask 077; cat >"$L/lifeboat.conf" <<CONF
[repo local]
url = $L/local
password_file = $L/pass
tier = local

[repo cloud]
url = rest:http://127.0.0.1:$PORT/hung
password_file = $L/pass
tier = offsite

[job daily]
schedule = *-*-* 03:00
repos = local
paths = $L/data
copy = local -> cloud
CONF
)

cat >"$T_TMP/console.sh" <<SH
"$LIFEBOAT" -c "$L/lifeboat.conf"
echo "EXIT=\$?"
exec sleep 120
SH
# shellcheck disable=SC2046
tmux_start app 80 24 "sh $T_TMP/console.sh" $(sanitizer_env "$SAN")

if wait_for "local" && wait_for "refreshing" app 10; then
    pass "hung cloud: the console is up and shows the cloud row refreshing"
else
    fail "hung cloud: the console is up and shows the cloud row refreshing"
fi
# the local repo's figures arrive while the cloud still hangs
if wait_until sh -c "tmux -S '$TMUX_SOCK' capture-pane -p -t app | grep -qE '│ local +local .* 1 .* ok'"; then
    pass "hung cloud: the local repo is read and shown meanwhile"
else
    screen | sed 's/^/    | /'
    fail "hung cloud: the local repo is read and shown meanwhile"
fi
keys app '?'
if wait_for "quit" app 3 && screen | grep -q "refreshing 1 of 2"; then
    pass "hung cloud: keys answer at once while the cloud refresh hangs"
else
    fail "hung cloud: keys answer at once while the cloud refresh hangs"
fi
keys app Escape
keys app q
if wait_for "EXIT=0" app 10; then
    pass "hung cloud: q quits at once with exit 0"
else
    fail "hung cloud: q quits at once with exit 0"
fi
if pgrep -f "$L/lifeboat.conf" >/dev/null; then
    fail "hung cloud: no lifeboat left running"
else
    pass "hung cloud: no lifeboat left running"
fi
sanitizer_check "hung cloud: no sanitizer report" "$SAN"
done_testing
