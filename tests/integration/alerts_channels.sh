#!/bin/sh
# Alert channels against local receivers (stdlib Python HTTP + SMTP servers that
# record every request): `alerts test`, a real alert fired by the rules (a repo that
# is missing) through ntfy, Gotify, webhook and email, no repeat on the next
# evaluation, acknowledge, healthchecks /start and /fail with the log tail around
# `lifeboat run`, a failing channel reported; no secret (URL tokens, the Gotify
# token, the SMTP password) in any output, the log or the database.
. "$(dirname "$0")/../lib.sh"

command -v restic >/dev/null || { skip "restic not installed"; exit 0; }
L=$T_TMP/lab
mkdir -p "$L/data"
echo hello >"$L/data/a.txt"
secret_file "$L/pass" "test-only-password"
secret_file "$L/gotify.token" "GOTIFYTOKEN789"
secret_file "$L/smtp.auth" "mailuser:MAILPASS000"
REC=$L/requests.jsonl
: >"$REC"

python3 "$TOP/tests/integration/alert_receiver.py" "$REC" >"$L/ports" 2>"$L/receiver.err" &
RPID=$!
at_exit "kill $RPID"
i=0
while [ ! -s "$L/ports" ] && [ $i -lt 100 ]; do i=$((i + 1)); sleep 0.05; done
read -r HP SP <"$L/ports" || { fail "receiver did not start"; cat "$L/receiver.err"; exit 1; }
B=http://127.0.0.1:$HP

conf() { # conf FILE WEBHOOK_PATH
    cat >"$1" <<EOF
[repo usb-ssd]
url = $L/missing-repo
password_file = $L/pass

[job daily]
schedule = *-*-* 03:00
repos = usb-ssd
paths = $L/data

[alerts]
channels = console ntfy gotify webhook healthchecks email
renotify = 24h
ntfy.url = $B/ntfy/SECRETTOPIC123
gotify.url = $B/gotify
gotify.token_file = $L/gotify.token
webhook.url = $B$2
healthchecks.url = $B/ping/SECRETUUID456
smtp.url = smtp://127.0.0.1:$SP
smtp.from = lifeboat@example.com
smtp.to = me@example.com
smtp.auth_file = $L/smtp.auth
EOF
    chmod 600 "$1"
}
conf "$L/lb.conf" /hook
C="-c $L/lb.conf"
ALL_OUT=$L/all-output.txt
keep() { printf '%s\n' "$T_OUT" >>"$ALL_OUT"; }
q() { python3 - "$REC" "$@"; } # q 'python over reqs (list of dicts)'

# ---- alerts test: every channel reports, every receiver got its message ----
run "$LIFEBOAT" $C alerts test
keep
expect_rc "alerts test: every channel worked (exit 0)" 0
for ch in ntfy gotify webhook email healthchecks; do
    expect_out "alerts test: $ch reported" "$ch"
done
expect_no_out "alerts test: nothing failed" "FAILED"
check "alerts test: ntfy POST to its topic with a title, gotify with its token header, webhook JSON, healthchecks /log, mail with auth" q '
import json,sys
reqs=[json.loads(l) for l in open(sys.argv[1])]
http=[r for r in reqs if r["kind"]=="http"]
n=[r for r in http if r["path"]=="/ntfy/SECRETTOPIC123"]
assert len(n)==1 and n[0]["method"]=="POST" and n[0]["headers"]["title"].startswith("lifeboat:"), n
assert "this channel works" in n[0]["body"], n
g=[r for r in http if r["path"]=="/gotify/message"]
assert len(g)==1 and g[0]["headers"]["x-gotify-key"]=="GOTIFYTOKEN789", g
assert json.loads(g[0]["body"])["priority"]==5, g
w=[r for r in http if r["path"]=="/hook"]
d=json.loads(w[0]["body"])
assert set(d)>={"rule","severity","subject","message","since","state"}, d
assert d["rule"]=="test" and d["state"]=="fired", d
h=[r for r in http if r["path"]=="/ping/SECRETUUID456/log"]
assert len(h)==1, http
m=[r for r in reqs if r["kind"]=="smtp"]
assert len(m)==1 and m[0]["user"]=="mailuser" and m[0]["password"]=="MAILPASS000", m
assert m[0]["from"]=="lifeboat@example.com" and m[0]["rcpt"]==["me@example.com"], m
assert "Subject: lifeboat:" in m[0]["data"] and "this channel works" in m[0]["data"], m
'
run "$LIFEBOAT" $C alerts test smtp
keep
expect_rc "alerts test smtp: only the mail channel" 0
expect_no_out "alerts test smtp: no other channel" "ntfy"

# ---- a real alert: the repo is missing ----
: >"$REC"
run "$LIFEBOAT" $C alerts --json
keep
expect_rc "alerts --json: a critical alert exits 2" 2
check "alerts --json: repo-error for usb-ssd, crit, fired, since set" python3 -c '
import json,sys
d=json.loads(sys.argv[1]); a=[x for x in d["alerts"] if x["rule"]=="repo-error"]
assert len(a)==1, d
a=a[0]
assert a["subject"]=="usb-ssd" and a["severity"]=="crit" and a["state"]=="fired" and a["since"], a
assert a["id"]>0 and a["notifications"]==1 and a["acknowledged_at"] is None, a' "$T_OUT"
ID=$(printf '%s' "$T_OUT" | python3 -c 'import json,sys; print([a for a in json.load(sys.stdin)["alerts"] if a["rule"]=="repo-error"][0]["id"])')
check "the alert reached webhook (state fired), ntfy (priority 5), gotify and email" q '
import json,sys
reqs=[json.loads(l) for l in open(sys.argv[1])]
w=[json.loads(r["body"]) for r in reqs if r["kind"]=="http" and r["path"]=="/hook"]
e=[x for x in w if x["rule"]=="repo-error"]
assert len(e)==1 and e[0]["severity"]=="crit" and e[0]["subject"]=="usb-ssd" and e[0]["state"]=="fired", w
assert "does not exist" in e[0]["message"] or "repo" in e[0]["message"], e
n=[r for r in reqs if r["kind"]=="http" and r["path"].startswith("/ntfy/") and "repo-error" in r["headers"]["title"]]
assert len(n)==1 and n[0]["headers"]["priority"]=="5", n
assert any(r["kind"]=="http" and r["path"]=="/gotify/message" and "repo-error" in r["body"] for r in reqs)
m=[r for r in reqs if r["kind"]=="smtp"]
assert len(m)==1 and "repo-error" in m[0]["data"] and "usb-ssd" in m[0]["data"], m
'
N1=$(wc -l <"$REC")
run "$LIFEBOAT" $C alerts
keep
expect_rc "alerts again: still critical" 2
expect_out "alerts: the open alert is listed with its advice" "repo-error usb-ssd"
check "alerts again: no second notification (re-notify is 24h away)" test "$(wc -l <"$REC")" -eq "$N1"

run "$LIFEBOAT" $C alerts ack "$ID" disk is being replaced
keep
expect_rc "alerts ack: exit 0" 0
run "$LIFEBOAT" $C alerts --json
keep
check "alerts ack: acknowledged with its note" python3 -c '
import json,sys
a=[x for x in json.loads(sys.argv[1])["alerts"] if x["rule"]=="repo-error"][0]
assert a["state"]=="acknowledged" and a["ack_note"]=="disk is being replaced", a' "$T_OUT"
run "$LIFEBOAT" $C alerts ack 99999
expect_rc "alerts ack of an unknown alert: exit 2" 2
expect_out "alerts ack of an unknown alert: says so" "no open alert #99999"

# ---- status --json: old keys kept, open alerts added ----
run "$LIFEBOAT" $C status --json
keep
expect_rc "status: critical (exit 2)" 2
check "status --json: keeps repos/alerts/overall and adds open_alerts" python3 -c '
import json,sys
d=json.loads(sys.argv[1])
assert {"generated","overall","repos","alerts","open_alerts"} <= set(d), d.keys()
assert any(a["rule"]=="repo-error" and a["state"]=="acknowledged" for a in d["open_alerts"]), d' "$T_OUT"

# ---- healthchecks around a run: /start, then /fail with the log tail ----
: >"$REC"
run "$LIFEBOAT" $C run daily
keep
expect_rc "run daily on a missing repo: failed (exit 2)" 2
check "healthchecks: /start then /fail with the run's story" q '
import json,sys
reqs=[json.loads(l) for l in open(sys.argv[1])]
p=[r for r in reqs if r["kind"]=="http" and r["path"].startswith("/ping/")]
paths=[r["path"] for r in p]
assert paths==["/ping/SECRETUUID456/start","/ping/SECRETUUID456/fail"], paths
body=p[1]["body"]
assert "job daily: failed" in body and "preflight" in body, body
w=[json.loads(r["body"]) for r in reqs if r["kind"]=="http" and r["path"]=="/hook"]
assert any(x["rule"]=="job-failed" and x["subject"]=="daily" and x["severity"]=="crit" for x in w), w
'

# ---- a channel that fails is reported, without its URL ----
conf "$L/bad.conf" /status500/SECRETHOOK
run "$LIFEBOAT" -c "$L/bad.conf" alerts test webhook
keep
expect_rc "alerts test webhook answering 500: exit 2" 2
expect_out "alerts test webhook answering 500: FAILED with the status" "answered 500"
sed "s|^smtp.url = .*|smtp.url = smtp://127.0.0.1:1|" "$L/bad.conf" >"$L/bad2.conf"
chmod 600 "$L/bad2.conf"
run "$LIFEBOAT" -c "$L/bad2.conf" alerts test email
keep
expect_rc "alerts test email with no server: exit 2" 2
expect_out "alerts test email with no server: says unreachable" "unreachable"

# ---- no secret anywhere but where it must go ----
for f in "$XDG_STATE_HOME"/lifeboat/*; do cat "$f"; done >"$L/state-dump" 2>/dev/null
check "the dump searched holds the alerts (the search below is not empty)" grep -aq "repo-error" "$L/state-dump"
for s in SECRETTOPIC123 SECRETUUID456 GOTIFYTOKEN789 MAILPASS000 SECRETHOOK; do
    check "secret $s in no output" sh -c "! grep -q '$s' '$ALL_OUT'"
    check "secret $s not in the log or the database" sh -c "! grep -aq '$s' '$L/state-dump'"
done
done_testing
